//! The epochs of the first-order solvers (gd, sgd, adam): mini-batches of the training set in
//! a shuffled or fixed order, one gradient step each (gd: one batch of every row).

use super::config::ValidConfig;
use super::optim::take_step;
use super::run::{Epoch, Run, Step, check_finite, interrupted};
use super::state::Hooks;
use super::stats::TrainData;
use crate::driver::full_batch;
use crate::dropout::Dropout;
use crate::error::Result;
use crate::float::Float;
use crate::init::unit_uniform;
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use crate::workspace::Workspace;
use ndarray::{Array2, ArrayView1, ArrayViewMut1, s};

/// A first-order solver's buffers: the gradient, and the rows of a shuffled batch.
pub(super) struct FirstOrder<'c, T> {
    config: ValidConfig<'c>,
    batch: usize,
    grad: Params<T>,
    bx: Array2<T>,
    by: Array2<T>,
}

impl<'c, T: Float> FirstOrder<'c, T> {
    /// Buffers for batches of `batch` rows of `data`.
    pub(super) fn new(
        net: &Network<T>,
        data: &TrainData<'_, T>,
        config: ValidConfig<'c>,
        batch: usize,
    ) -> Self {
        // A full batch is used as it is: no copy of its rows.
        let copies = if batch < data.x.nrows() { batch } else { 0 };
        FirstOrder {
            config,
            batch,
            grad: net.params().zeros_like(),
            bx: Array2::zeros((copies, data.x.ncols())),
            by: Array2::zeros((copies, data.y.ncols())),
        }
    }
}

impl<T: Float> Step<T> for FirstOrder<'_, T> {
    fn epoch(
        &mut self,
        net: &mut Network<T>,
        data: TrainData<'_, T>,
        r: &mut Run<T>,
        ws: &mut Workspace<T>,
        hooks: &mut impl Hooks,
    ) -> Result<Epoch<'_, T>> {
        let (config, batch) = (self.config, self.batch);
        let n = data.x.nrows();
        let epoch = r.epochs_done + 1;
        let mut last_m = 0;
        if r.next_batch == 0 {
            if config.sets_alpha_at(epoch) {
                r.alpha = config.alpha_at(epoch);
            }
            if config.shuffle && batch < n {
                match config.shuffle_buffer {
                    Some(b) if b < n => shuffle_through_buffer(&mut r.order, b, &mut r.rng),
                    _ => shuffle(&mut r.order, &mut r.rng),
                }
            }
            r.partial = Cost::default();
        }
        let chunks = n.div_ceil(batch);
        let lambda = config.lambda;
        while r.next_batch < chunks {
            let start = r.next_batch * batch;
            let rows = start..(start + batch).min(n);
            let m = rows.len();
            // (A batch of every row reads no order: rows streamed from disk have none.)
            let chunk = r.order.get(rows).unwrap_or_default();
            let grad = &mut self.grad;
            if config.dropout > 0.0 {
                let step = Dropout::for_step(config.dropout, config.seed, epoch, r.next_batch)?;
                ws.set_dropout(Some(step));
            }
            // One batch of every row: the order is never shuffled, so the data is used as it is.
            let cost = if batch == n {
                full_batch(net, (data.x, data.y), lambda, ws, Some(grad))?
            } else if in_order(chunk) && data.x.is_standard_layout() && data.y.is_standard_layout()
            {
                // Consecutive rows (an unshuffled order): the same matrices as the copies below
                // would be, without copying.
                let rows = s![chunk[0]..chunk[0] + m, ..];
                let (xb, yb) = (data.x.slice(rows), data.y.slice(rows));
                net.cost_and_gradient_trusted(xb, yb, lambda, ws, grad)
            } else {
                for (j, &i) in chunk.iter().enumerate() {
                    copy_row(self.bx.row_mut(j), data.x.row(i));
                    copy_row(self.by.row_mut(j), data.y.row(i));
                }
                let (xb, yb) = (self.bx.slice(s![..m, ..]), self.by.slice(s![..m, ..]));
                net.cost_and_gradient_trusted(xb, yb, lambda, ws, grad)
            };
            ws.set_dropout(None);
            batch_done(net, r, grad, cost, m, epoch, &config)?;
            last_m = m;
            if r.next_batch < chunks && interrupted(hooks, ws) {
                return Ok(Epoch::Interrupted);
            }
        }
        Ok(Epoch::Done {
            train: epoch_cost(r, n),
            grad: Some(&self.grad),
            rows: last_m,
        })
    }
}

/// `dst := src`, one row of a batch: a plain copy when both rows are contiguous.
fn copy_row<T: Float>(mut dst: ArrayViewMut1<'_, T>, src: ArrayView1<'_, T>) {
    match (dst.as_slice_mut(), src.as_slice()) {
        (Some(d), Some(s)) => d.copy_from_slice(s),
        _ => dst.assign(&src),
    }
}

/// After a mini-batch of `m` rows has its cost and gradient: the check that J stayed finite,
/// the step, and the batch's share of the epoch's cost (see [`epoch_cost`]).
pub(super) fn batch_done<T: Float>(
    net: &mut Network<T>,
    r: &mut Run<T>,
    grad: &mut Params<T>,
    cost: Cost,
    m: usize,
    epoch: usize,
    config: &ValidConfig,
) -> Result<()> {
    check_finite(cost, epoch)?;
    take_step(net, &mut r.stepper, grad, r.alpha, config);
    r.partial.data += cost.data * m as f64;
    r.partial.l2 += cost.l2 * m as f64;
    r.next_batch += 1;
    Ok(())
}

/// The epoch's training cost: the mean over its `n` rows of the batches' costs.
pub(super) fn epoch_cost<T>(r: &Run<T>, n: usize) -> Cost {
    Cost {
        data: r.partial.data / n as f64,
        l2: r.partial.l2 / n as f64,
        examples: n,
    }
}

/// Whether `chunk` is a run of consecutive row indices.
fn in_order(chunk: &[usize]) -> bool {
    chunk.windows(2).all(|w| w[1] == w[0] + 1)
}

/// Fisher-Yates with the library's documented draws: for i from n-1 down to 1, swap i with
/// j = floor(u (i + 1)).
pub(crate) fn shuffle(order: &mut [usize], rng: &mut impl rand::RngCore) {
    for i in (1..order.len()).rev() {
        let j = ((unit_uniform(rng) * (i + 1) as f64) as usize).min(i);
        order.swap(i, j);
    }
}

/// The order in which a shuffle buffer of `b` rows hands out the rows 0..n arriving in order
/// (the order a stream too large for memory is trained in): the first `b` rows fill the
/// buffer; each later row i takes the place of the buffered row at j = floor(u len), which is
/// handed out; at the end the rows left are handed out the same way, each draw from the rows
/// still buffered (the last one moving into the place of the one drawn). Every epoch starts
/// again from the rows' own order. The draws are the library's documented ones.
pub(crate) fn shuffle_through_buffer(order: &mut [usize], b: usize, rng: &mut impl rand::RngCore) {
    let n = order.len();
    let mut buffer: Vec<usize> = (0..b.min(n)).collect();
    let mut out = 0;
    for next in buffer.len()..n {
        let j = draw(buffer.len(), rng);
        order[out] = std::mem::replace(&mut buffer[j], next);
        out += 1;
    }
    while !buffer.is_empty() {
        let j = draw(buffer.len(), rng);
        order[out] = buffer.swap_remove(j);
        out += 1;
    }
}

/// The place of the row a shuffle buffer of `len` rows hands out next: j = floor(u len).
pub(super) fn draw(len: usize, rng: &mut impl rand::RngCore) -> usize {
    ((unit_uniform(rng) * len as f64) as usize).min(len - 1)
}

#[cfg(test)]
mod tests {
    use super::shuffle_through_buffer;
    use crate::init::rng;

    #[test]
    fn a_shuffle_buffer_hands_out_every_row_once_and_never_reads_ahead_of_it() {
        for (n, b) in [(1000, 64), (1000, 1), (50, 200), (7, 3)] {
            let mut order = vec![0; n];
            shuffle_through_buffer(&mut order, b, &mut rng(5));
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "n {n}, b {b}");
            // The p-th row handed out has arrived by then: at most b rows are held.
            assert!(order.iter().enumerate().all(|(p, &i)| i < p + b.max(1) + 1));
            let mut again = vec![0; n];
            shuffle_through_buffer(&mut again, b, &mut rng(5));
            assert_eq!(order, again);
        }
        // A buffer of one row keeps the rows' order; a larger one moves them.
        let mut order = vec![0; 100];
        shuffle_through_buffer(&mut order, 1, &mut rng(1));
        assert_eq!(order, (0..100).collect::<Vec<_>>());
        shuffle_through_buffer(&mut order, 10, &mut rng(1));
        assert_ne!(order, (0..100).collect::<Vec<_>>());
    }
}
