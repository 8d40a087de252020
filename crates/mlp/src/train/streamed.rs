//! The epochs of sgd and adam on rows streamed from disk: the rows handed out in the order a
//! shuffle buffer of N rows gives ([`super::first_order::shuffle_through_buffer`]'s, with the
//! same draws of the run's generator, made as the rows arrive instead of all at the start of
//! the epoch), or in file order without shuffling; the batches and steps as
//! [`super::first_order`] makes them from the rows in memory.

use super::config::ValidConfig;
use super::first_order::{batch_done, draw, epoch_cost};
use super::run::{Epoch, Run, Step, interrupted};
use super::state::Hooks;
use super::stats::TrainData;
use crate::dropout::Dropout;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use crate::workspace::{SharedRows, Workspace};
use ndarray::{Array2, s};

/// A mini-batch solver's buffers, and the rows it reads.
pub(super) struct Streamed<'c, T> {
    config: ValidConfig<'c>,
    batch: usize,
    grad: Params<T>,
    bx: Array2<T>,
    by: Array2<T>,
    rows: SharedRows<T>,
}

impl<'c, T: Float> Streamed<'c, T> {
    /// Buffers for batches of `batch` rows (fewer than the training rows) read from `rows`.
    pub(super) fn new(
        net: &Network<T>,
        data: &TrainData<'_, T>,
        config: ValidConfig<'c>,
        batch: usize,
        rows: SharedRows<T>,
    ) -> Self {
        Streamed {
            config,
            batch,
            grad: net.params().zeros_like(),
            bx: Array2::zeros((batch, data.x.ncols())),
            by: Array2::zeros((batch, data.y.ncols())),
            rows,
        }
    }
}

/// The rows of an epoch in the order they are trained on: file order, or through a shuffle
/// buffer of `b` rows.
struct Order<T> {
    /// The shuffle buffer's rows (inputs and targets, row after row), and how many it holds.
    x: Vec<T>,
    y: Vec<T>,
    held: usize,
    /// The buffer's size (0: no shuffling).
    b: usize,
    /// Rows read from the source so far, and what is left of the last piece read.
    read: usize,
    piece: (Array2<T>, Array2<T>),
    at: usize,
    n: usize,
    piece_rows: usize,
}

impl<T: Float> Order<T> {
    /// The next row read from `source`, copied into `(x, y)`.
    fn read_into(
        &mut self,
        source: &mut dyn crate::driver::RowSource<T>,
        x: &mut [T],
        y: &mut [T],
    ) -> Result<()> {
        if self.at == self.piece.0.nrows() {
            let count = self.piece_rows.min(self.n - self.read).max(1);
            self.piece = source.next_rows(count)?;
            self.at = 0;
        }
        let (px, py) = (self.piece.0.row(self.at), self.piece.1.row(self.at));
        x.iter_mut().zip(px).for_each(|(d, s)| *d = *s);
        y.iter_mut().zip(py).for_each(|(d, s)| *d = *s);
        self.at += 1;
        self.read += 1;
        Ok(())
    }

    /// Hands out the next row into `(x, y)`, drawing from `rng` as the shuffle buffer does.
    fn next(
        &mut self,
        source: &mut dyn crate::driver::RowSource<T>,
        rng: &mut impl rand::RngCore,
        (x, y): (&mut [T], &mut [T]),
    ) -> Result<()> {
        if self.b == 0 {
            return self.read_into(source, x, y);
        }
        let (w, k) = (x.len(), y.len());
        // The first b rows fill the buffer.
        while self.held < self.b && self.read < self.n {
            let at = self.held;
            let (bx, by) = (
                &mut self.x[at * w..(at + 1) * w],
                &mut self.y[at * k..(at + 1) * k],
            );
            let (mut tx, mut ty) = (bx.to_vec(), by.to_vec());
            self.read_into(source, &mut tx, &mut ty)?;
            self.x[at * w..(at + 1) * w].copy_from_slice(&tx);
            self.y[at * k..(at + 1) * k].copy_from_slice(&ty);
            self.held += 1;
        }
        let j = draw(self.held, rng);
        x.copy_from_slice(&self.x[j * w..(j + 1) * w]);
        y.copy_from_slice(&self.y[j * k..(j + 1) * k]);
        if self.read < self.n {
            // The next row takes the place of the one handed out.
            let (mut tx, mut ty) = (vec![T::zero(); w], vec![T::zero(); k]);
            self.read_into(source, &mut tx, &mut ty)?;
            self.x[j * w..(j + 1) * w].copy_from_slice(&tx);
            self.y[j * k..(j + 1) * k].copy_from_slice(&ty);
        } else {
            // The last row moves into the place of the one handed out.
            let last = self.held - 1;
            self.x.copy_within(last * w..(last + 1) * w, j * w);
            self.y.copy_within(last * k..(last + 1) * k, j * k);
            self.held -= 1;
        }
        Ok(())
    }
}

impl<T: Float> Step<T> for Streamed<'_, T> {
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
        if config.sets_alpha_at(epoch) {
            r.alpha = config.alpha_at(epoch);
        }
        r.partial = Cost::default();
        r.next_batch = 0;
        let b = match (config.shuffle, config.shuffle_buffer) {
            (false, _) => 0,
            (true, Some(b)) if b < n => b,
            _ => {
                return Err(Error::config(
                    "shuffle_buffer",
                    "rows streamed from disk are shuffled through a buffer of fewer rows than \
                     the data",
                ));
            }
        };
        let (w, k) = (data.x.ncols(), data.y.ncols());
        let rows = self.rows.clone();
        let mut source = rows
            .0
            .lock()
            .map_err(|_| Error::config("memory", "a pass over the data failed"))?;
        source.restart()?;
        let mut order = Order {
            x: vec![T::zero(); b * w],
            y: vec![T::zero(); b * k],
            held: 0,
            b,
            read: 0,
            piece: (Array2::zeros((0, w)), Array2::zeros((0, k))),
            at: 0,
            n,
            piece_rows: source.piece_rows(),
        };
        let chunks = n.div_ceil(batch);
        let mut last_m = 0;
        while r.next_batch < chunks {
            let m = batch.min(n - r.next_batch * batch);
            for j in 0..m {
                let (mut bx, mut by) = (self.bx.row_mut(j), self.by.row_mut(j));
                let (Some(bx), Some(by)) = (bx.as_slice_mut(), by.as_slice_mut()) else {
                    return Err(Error::shape("a batch", "rows in order", "another layout"));
                };
                order.next(&mut *source, &mut r.rng, (bx, by))?;
            }
            if config.dropout > 0.0 {
                let step = Dropout::for_step(config.dropout, config.seed, epoch, r.next_batch)?;
                ws.set_dropout(Some(step));
            }
            let (xb, yb) = (self.bx.slice(s![..m, ..]), self.by.slice(s![..m, ..]));
            let grad = &mut self.grad;
            let cost = net.cost_and_gradient_trusted(xb, yb, config.lambda, ws, grad);
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
