//! A full batch too large for memory, read in pieces: the same passes over the same chunks,
//! with the same sums, as the batch held whole.
//!
//! The batch of m rows is cut by the [`Plan`] of m rows (a function of m, the layer sizes and
//! the number type alone), whatever the pieces: each piece is a run of whole chunks, each
//! chunk's gradient is written into (the group's first chunk) or added to its group's buffer,
//! and each group's cost is summed on from where the last piece left it. At the end the
//! groups' buffers and costs are added in order, as [`run`](super::run) adds them. So J and
//! its gradient come out the same bits as from the batch in memory; only when the chunks run
//! differs (one piece after another instead of the groups side by side).

use super::{Pass, Plan, Segment, run_chunks};
use crate::error::Result;
use crate::float::Float;
use crate::kernels::add_in_order;
use crate::network::Network;
use crate::params::Params;
use crate::passes;
use crate::peers::add_totals;
use crate::pool::in_pool;
use crate::workspace::Workspace;
use ndarray::Array2;
use smallvec::SmallVec;

/// The rows of a batch read in order, a piece at a time (a file streamed from disk).
pub(crate) trait RowSource<T> {
    /// The batch's rows, m.
    fn rows(&self) -> usize;
    /// The most rows a piece should hold (at least one chunk is read whatever it says).
    fn piece_rows(&self) -> usize;
    /// Starts again from the batch's first row.
    fn restart(&mut self) -> Result<()>;
    /// The next `count` rows of the batch, in order: inputs and targets of exactly `count`
    /// rows.
    fn next_rows(&mut self, count: usize) -> Result<(Array2<T>, Array2<T>)>;
}

/// [`run`](super::run) over the rows of `source` read in pieces: the summed data term of the
/// cost, and with `grad` the gradient, L2 term included, the same bits as the batch in memory
/// gives. A pass on one process (not shared with others).
pub(crate) fn run_stream<T: Float>(
    net: &Network<T>,
    source: &mut dyn RowSource<T>,
    lambda: f64,
    ws: &mut Workspace<T>,
    mut grad: Option<&mut Params<T>>,
    mut outputs: Option<&mut Array2<T>>,
) -> Result<f64> {
    let m = source.rows();
    let sizes = net.sizes();
    let plan = Plan::new::<T>(m, true, sizes);
    let threads = ws.threads();
    let partials = match grad.is_some() {
        true => plan.groups - 1,
        false => 0,
    };
    if partials > 0
        && (ws.partials.len() < partials
            || ws.partials.first().map(Params::len) != Some(net.params().len()))
    {
        ws.partials = (0..partials).map(|_| net.params().zeros_like()).collect();
    }
    let inv_m = T::of(1.0 / m as f64);
    let dropout = ws.dropout;
    let mut totals: SmallVec<[f64; super::MAX_GROUPS]> = SmallVec::from_elem(0.0, plan.groups);
    source.restart()?;
    let mut c = 0;
    while c < plan.chunks {
        let start = plan.rows(c).start;
        let mut end = c + 1;
        while end < plan.chunks && plan.rows(end).end - start <= source.piece_rows() {
            end += 1;
        }
        let rows = plan.rows(end - 1).end - start;
        let (x, y) = source.next_rows(rows)?;
        ws.prepare(sizes, rows, grad.is_some());
        ws.computed = 0..rows;
        let pass = Pass {
            net,
            x: x.view(),
            y: Some(y.view()),
            offset: start,
            plan,
            inv_m,
            dropout,
        };
        let splits = Plan::new::<T>(rows, true, sizes).splits(sizes);
        while c < end {
            let g = (0..plan.groups)
                .find(|&g| plan.chunks_of(g).contains(&c))
                .unwrap_or(0);
            let group = plan.chunks_of(g);
            let chunks = c..group.end.min(end);
            let from = Segment {
                base: start,
                group_start: group.start,
                total: totals[g],
            };
            let sums = match g {
                0 => grad.as_deref_mut(),
                _ => ws.partials.get_mut(g - 1).filter(|_| partials > 0),
            };
            // The buffers are moved out of the workspace for the pass, whose sums may be in it.
            let mut a = std::mem::take(&mut ws.a);
            let mut delta = std::mem::take(&mut ws.delta);
            let mut z_out = std::mem::replace(&mut ws.z_out, Array2::zeros((0, 0)));
            totals[g] = in_pool(threads, splits, || {
                let buffers = (&mut a[..], &mut delta[..], &mut z_out);
                run_chunks(&pass, buffers, chunks.clone(), sums, threads, from)
            });
            (ws.a, ws.delta, ws.z_out) = (a, delta, z_out);
            c = chunks.end;
        }
        if let Some(out) = outputs.as_deref_mut() {
            let last = net.activations().len() - 1;
            out.slice_mut(ndarray::s![start..start + rows, ..])
                .assign(&ws.activation(last, rows));
        }
    }
    if let Some(grad) = grad {
        let parts: SmallVec<[&[T]; super::MAX_GROUPS]> = ws.partials[..partials]
            .iter()
            .map(Params::as_slice)
            .collect();
        add_in_order(grad.as_mut_slice(), &parts, threads);
        let decay = T::of(lambda / m as f64);
        passes::l2_gradient(net.params(), grad, decay, threads);
    }
    Ok(add_totals(None, &totals).unwrap_or(0.0))
}

/// J (and with `grad` its gradient) over the rows of `source`, as
/// [`Network::cost_and_gradient`] gives it for the batch in memory.
pub(crate) fn cost_stream<T: Float>(
    net: &Network<T>,
    source: &mut dyn RowSource<T>,
    lambda: f64,
    ws: &mut Workspace<T>,
    grad: Option<&mut Params<T>>,
) -> Result<passes::Cost> {
    let total = run_stream(net, source, lambda, ws, grad, None)?;
    Ok(passes::cost(net.params(), total, source.rows(), lambda))
}

/// J (and with `grad` its gradient) of the full batch: the rows `x` and `y` in memory, or the
/// rows the workspace streams from disk when it has them (then `x` and `y` are not read).
pub(crate) fn full_batch<T: Float>(
    net: &Network<T>,
    (x, y): (ndarray::ArrayView2<'_, T>, ndarray::ArrayView2<'_, T>),
    lambda: f64,
    ws: &mut Workspace<T>,
    grad: Option<&mut Params<T>>,
) -> Result<passes::Cost> {
    match ws.stream.clone() {
        Some(rows) => {
            let mut source = rows.0.lock().map_err(|_| {
                crate::error::Error::config("memory", "a pass over the data failed")
            })?;
            cost_stream(net, &mut *source, lambda, ws, grad)
        }
        None => Ok(match grad {
            Some(grad) => net.cost_and_gradient_trusted(x, y, lambda, ws, grad),
            None => net.cost_trusted(x, y, lambda, ws),
        }),
    }
}

/// Rows in memory handed out a piece at a time (validation rows beside rows streamed from
/// disk: their passes then need a piece's buffers, not the whole set's).
struct InMemory<'a, T> {
    x: ndarray::ArrayView2<'a, T>,
    y: ndarray::ArrayView2<'a, T>,
    at: usize,
    piece: usize,
}

impl<T: Float> RowSource<T> for InMemory<'_, T> {
    fn rows(&self) -> usize {
        self.x.nrows()
    }
    fn piece_rows(&self) -> usize {
        self.piece
    }
    fn restart(&mut self) -> Result<()> {
        self.at = 0;
        Ok(())
    }
    fn next_rows(&mut self, count: usize) -> Result<(Array2<T>, Array2<T>)> {
        let rows = self.at..(self.at + count).min(self.x.nrows());
        self.at = rows.end;
        let x = self.x.slice(ndarray::s![rows.clone(), ..]).to_owned();
        Ok((x, self.y.slice(ndarray::s![rows, ..]).to_owned()))
    }
}

/// The summed data term of J on rows in memory and the network's outputs for them, a piece
/// of `piece` rows at a time: the bits of [`Network::cost`]'s sum, in a piece's buffers.
pub(crate) fn cost_in_pieces<T: Float>(
    net: &Network<T>,
    (x, y): (ndarray::ArrayView2<'_, T>, ndarray::ArrayView2<'_, T>),
    piece: usize,
    ws: &mut Workspace<T>,
) -> (f64, Array2<T>) {
    let mut source = InMemory { x, y, at: 0, piece };
    let mut out = Array2::zeros((x.nrows(), net.n_outputs()));
    let total = run_stream(net, &mut source, 0.0, ws, None, Some(&mut out))
        .expect("invariant: rows in memory are read without error");
    (total, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::Activation;
    use crate::init::Init;
    use crate::loss::Loss;

    /// Rows of a matrix handed out in pieces, through a carry of rows read "from the file" in
    /// blocks of `file_block` rows that do not line up with the chunks.
    struct Pieces {
        x: Array2<f64>,
        y: Array2<f64>,
        at: usize,
        piece: usize,
    }

    impl RowSource<f64> for Pieces {
        fn rows(&self) -> usize {
            self.x.nrows()
        }
        fn piece_rows(&self) -> usize {
            self.piece
        }
        fn restart(&mut self) -> Result<()> {
            self.at = 0;
            Ok(())
        }
        fn next_rows(&mut self, count: usize) -> Result<(Array2<f64>, Array2<f64>)> {
            let rows = self.at..self.at + count;
            self.at += count;
            let x = self.x.slice(ndarray::s![rows.clone(), ..]).to_owned();
            Ok((x, self.y.slice(ndarray::s![rows, ..]).to_owned()))
        }
    }

    #[test]
    fn a_batch_read_in_pieces_has_the_gradient_of_the_batch_in_memory_bit_for_bit() {
        let net = Network::<f64>::seeded(
            &[7, 16, 3],
            &[Activation::Tanh, Activation::Softmax],
            Loss::SoftmaxCrossEntropy,
            Init::Glorot,
            3,
        )
        .unwrap();
        // 3001 rows: 12 chunks of about 250 rows in 8 groups.
        let m = 3001;
        let x = Array2::from_shape_fn((m, 7), |(i, j)| ((i * 31 + j * 7) % 17) as f64 / 5.0 - 1.6);
        let y = Array2::from_shape_fn((m, 3), |(i, j)| f64::from(u8::from(i % 3 == j)));
        let mut ws = Workspace::new(2);
        let mut expected = net.params().zeros_like();
        let cost = net
            .cost_and_gradient(x.view(), y.view(), 0.5, &mut ws, &mut expected)
            .unwrap();
        assert!(Plan::new::<f64>(m, true, net.sizes()).groups == 8);
        for piece in [1, 250, 251, 600, 1000, 5000] {
            let mut source = Pieces {
                x: x.clone(),
                y: y.clone(),
                at: 0,
                piece,
            };
            let mut ws = Workspace::new(2);
            let mut grad = net.params().zeros_like();
            let streamed = cost_stream(&net, &mut source, 0.5, &mut ws, Some(&mut grad)).unwrap();
            assert_eq!(source.at, m);
            assert_eq!(
                streamed.data.to_bits(),
                cost.data.to_bits(),
                "piece {piece}"
            );
            assert_eq!(streamed.l2.to_bits(), cost.l2.to_bits());
            let same = grad
                .as_slice()
                .iter()
                .zip(expected.as_slice())
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "piece {piece}: the gradient differs");
            let alone = cost_stream(&net, &mut source, 0.5, &mut ws, None).unwrap();
            assert_eq!(alone.data.to_bits(), cost.data.to_bits());
        }
    }
}
