//! Forward propagation, the cost J(W), and backpropagation of the error delta — the seed's
//! algorithm over a whole batch at once.
//!
//! A batch of m examples is an (m, S_1) matrix X, one example per row, so the seed's column
//! formulas appear transposed (rows are examples):
//!
//! - forward:  Z^(l) = A^(l-1) W^(l)T + b^(l),  A^(l) = g(Z^(l)),  A^(1) = X
//! - cost:     J = (1/m) sum_i cost_i + lambda/(2m) sum_l sum_ij (w_ij^(l))^2   (no biases)
//! - output:   Delta^(L) = A^(L) - Y for the canonical pairs (see [`crate::Loss`])
//! - hidden:   Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l))
//! - gradient: dJ/dW^(l) = (1/m) Delta^(l)T A^(l-1) + (lambda/m) W^(l),
//!   dJ/db^(l) = (1/m) sum over the rows of Delta^(l)
//!
//! Each product is one GEMM over the batch (or over a chunk of its rows, see `rows`); bias
//! and activation are applied in the pass that follows the product. All buffers live in a
//! [`Workspace`] that a training loop reuses, so a step allocates no matrix once the workspace
//! has seen the largest batch.

mod rows;

use crate::fastmath::vectorized;
use crate::pool::{PAR_MIN_ELEMENTS, blocks_for, par_blocks};
use crate::{Error, Float, Network, Params, Result};
use ndarray::{Array2, ArrayView2, ArrayViewMut1, s};

/// Rows per block of [`Network::predict`]: enough for every thread to run products at full
/// speed (the block is cut into 8 chunks of 512 rows; chunks of 256 made prediction 2-5%
/// slower), few enough that the work buffers stay in the megabytes (13 MB for W1's f32
/// 784-512-256-10 network).
const PREDICT_BLOCK_ROWS: usize = 4096;

/// The cost J(W) of a network on a batch, split into its two terms.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cost {
    /// The data term: (1/m) sum over examples of the per-example cost.
    pub data: f64,
    /// The regularization term lambda/(2m) sum_l sum_ij (w_ij^(l))^2 (biases excluded).
    pub l2: f64,
    /// m, the number of examples.
    pub examples: usize,
}

impl Cost {
    /// J = data + l2.
    pub fn total(&self) -> f64 {
        self.data + self.l2
    }
}

/// Work buffers for the passes: A^(l), Delta^(l) and the output Z^(L), sized for the largest
/// batch seen so far, plus the number of threads the matrix products may use.
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    rows: usize,
    sizes: Vec<usize>,
    a: Vec<Array2<T>>,
    delta: Vec<Array2<T>>,
    z_out: Array2<T>,
    /// Gradient sums of the row groups after the first (see `rows`).
    partials: Vec<Params<T>>,
    threads: usize,
}

impl<T: Float> Default for Workspace<T> {
    fn default() -> Self {
        Workspace::new(1)
    }
}

impl<T: Float> Workspace<T> {
    /// An empty workspace whose matrix products use up to `threads` threads (0 or 1: one).
    /// Buffers are allocated on first use.
    pub fn new(threads: usize) -> Self {
        Workspace {
            rows: 0,
            sizes: Vec::new(),
            a: Vec::new(),
            delta: Vec::new(),
            z_out: Array2::zeros((0, 0)),
            partials: Vec::new(),
            threads: threads.max(1),
        }
    }

    /// Number of threads the matrix products may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Sizes the buffers for a batch of m rows of a network of layer sizes `sizes`; the
    /// Delta buffers only when a `backward` pass follows (prediction needs none).
    fn prepare(&mut self, sizes: &[usize], m: usize, backward: bool) {
        if self.sizes != sizes || self.rows < m {
            let rows = m.max(if self.sizes == sizes { self.rows } else { 0 });
            self.a = sizes[1..]
                .iter()
                .map(|&s| Array2::zeros((rows, s)))
                .collect();
            self.delta = Vec::new();
            self.z_out = Array2::zeros((rows, sizes[sizes.len() - 1]));
            self.sizes = sizes.to_vec();
            self.rows = rows;
        }
        if backward && self.delta.is_empty() {
            let rows = self.rows;
            self.delta = sizes[1..]
                .iter()
                .map(|&s| Array2::zeros((rows, s)))
                .collect();
        }
    }

    /// A^(l) of the last forward pass, for weight layer `k` (the seed's l = k + 2): (m, S_l).
    pub fn activation(&self, k: usize, m: usize) -> ArrayView2<'_, T> {
        self.a[k].slice(s![..m, ..])
    }

    /// Delta^(l) of the last backward pass, for weight layer `k`: (m, S_l).
    ///
    /// # Panics
    /// If no backward pass has run since the workspace last grew (they are not kept otherwise).
    pub fn delta(&self, k: usize, m: usize) -> ArrayView2<'_, T> {
        self.delta[k].slice(s![..m, ..])
    }

    /// Z^(L), the output layer's input to its activation, from the last forward pass: (m, K).
    pub fn output_z(&self, m: usize) -> ArrayView2<'_, T> {
        self.z_out.slice(s![..m, ..])
    }
}

impl<T: Float> Network<T> {
    fn check_x(&self, x: &ArrayView2<'_, T>) -> Result<()> {
        if x.ncols() != self.n_inputs() {
            return Err(Error::shape(
                "inputs",
                format!("{} columns", self.n_inputs()),
                format!("{} columns", x.ncols()),
            ));
        }
        if x.nrows() == 0 {
            return Err(Error::shape("inputs", "at least one example", "0 rows"));
        }
        Ok(())
    }

    fn check_xy(&self, x: &ArrayView2<'_, T>, y: &ArrayView2<'_, T>, lambda: f64) -> Result<()> {
        self.check_x(x)?;
        if y.dim() != (x.nrows(), self.n_outputs()) {
            return Err(Error::shape(
                "targets",
                format!("{} x {}", x.nrows(), self.n_outputs()),
                format!("{} x {}", y.nrows(), y.ncols()),
            ));
        }
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(Error::config(
                "lambda",
                format!("must be a finite number >= 0, got {lambda}"),
            ));
        }
        Ok(())
    }

    /// Forward propagation of the batch `x` (m, S_1): returns the output A^(L) = h(X), (m, K).
    /// Every A^(l) stays in `ws` for a backward pass.
    pub fn forward<'w>(
        &self,
        x: ArrayView2<'_, T>,
        ws: &'w mut Workspace<T>,
    ) -> Result<ArrayView2<'w, T>> {
        self.check_x(&x)?;
        let m = x.nrows();
        self.forward_unchecked(x, ws);
        Ok(ws.a[self.activations().len() - 1].slice(s![..m, ..]))
    }

    /// Outputs h(X) for the batch `x` (m, S_1), as a new (m, K) matrix, on as many threads as
    /// rayon's current pool has (the outputs do not depend on the number).
    ///
    /// The rows go through the network in blocks, so the work buffers stay small whatever m
    /// is: memory beyond `x` and the result is some megabytes.
    pub fn predict(&self, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        self.predict_with(x, &mut Workspace::new(rayon::current_num_threads()))
    }

    /// [`Network::predict`] with the work buffers (and number of threads) of `ws`.
    pub fn predict_with(&self, x: ArrayView2<'_, T>, ws: &mut Workspace<T>) -> Result<Array2<T>> {
        self.check_x(&x)?;
        let m = x.nrows();
        let last = self.activations().len() - 1;
        let mut out = Array2::zeros((m, self.n_outputs()));
        for start in (0..m).step_by(PREDICT_BLOCK_ROWS) {
            let rows = start..(start + PREDICT_BLOCK_ROWS).min(m);
            self.forward_unchecked(x.slice(s![rows.clone(), ..]), ws);
            out.slice_mut(s![rows.clone(), ..])
                .assign(&ws.a[last].slice(s![..rows.len(), ..]));
        }
        Ok(out)
    }

    pub(crate) fn forward_unchecked(&self, x: ArrayView2<'_, T>, ws: &mut Workspace<T>) {
        self.passes(x, None, 0.0, ws, None);
    }

    /// J(W) on the batch (`x` (m, S_1), `y` (m, K)) with regularization strength `lambda`.
    pub fn cost(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        lambda: f64,
        ws: &mut Workspace<T>,
    ) -> Result<Cost> {
        self.check_xy(&x, &y, lambda)?;
        let total = self.passes(x, Some(y), lambda, ws, None);
        Ok(self.cost_of(total, y.nrows(), lambda))
    }

    /// J from the summed data term `total` of m examples.
    fn cost_of(&self, total: f64, m: usize, lambda: f64) -> Cost {
        let l2 = if lambda == 0.0 {
            0.0
        } else {
            lambda / (2.0 * m as f64) * self.params().sum_squared_weights()
        };
        Cost {
            data: total / m as f64,
            l2,
            examples: m,
        }
    }

    /// J(W) and its gradient dJ/dW, dJ/db (written into `grad`, which must have the network's
    /// shapes) on the batch, by forward propagation then backpropagation.
    pub fn cost_and_gradient(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        lambda: f64,
        ws: &mut Workspace<T>,
        grad: &mut Params<T>,
    ) -> Result<Cost> {
        self.check_xy(&x, &y, lambda)?;
        if grad.len() != self.params().len() {
            return Err(Error::shape(
                "gradient buffer",
                self.params().len(),
                grad.len(),
            ));
        }
        let total = self.passes(x, Some(y), lambda, ws, Some(grad));
        Ok(self.cost_of(total, x.nrows(), lambda))
    }
}

/// dJ/db = (1/m) sum over the rows of Delta, into `gb` (added to it when `accumulate`): each
/// column summed over the rows in order, from 0. Large matrices split their columns over
/// `threads` threads, so every sum still runs over the same rows in the same order whatever
/// `threads` is.
fn bias_gradient<T: Float>(
    delta: ArrayView2<'_, T>,
    mut gb: ArrayViewMut1<'_, T>,
    inv_m: T,
    accumulate: bool,
    threads: usize,
) {
    match gb.as_slice_mut() {
        Some(gb) => {
            let blocks = blocks_for(threads, delta.len(), PAR_MIN_ELEMENTS);
            par_blocks(gb, blocks, |gb, first| {
                vectorized(
                    #[inline(always)]
                    || mean_of_columns(delta, gb, first, inv_m, accumulate),
                );
            });
        }
        None => {
            let mut sums = gb.to_vec();
            mean_of_columns(delta, &mut sums, 0, inv_m, accumulate);
            gb.assign(&ndarray::ArrayView1::from(&sums));
        }
    }
}

/// `gb_j := inv_m * sum_i delta_{i, first + j}` (or `+=`), the rows added in order.
#[inline(always)]
fn mean_of_columns<T: Float>(
    delta: ArrayView2<'_, T>,
    gb: &mut [T],
    first: usize,
    inv_m: T,
    accumulate: bool,
) {
    // Columns in blocks whose sums fit in registers (or at least in L1), one pass over the
    // rows per block.
    const BLOCK: usize = 64;
    for (b, gb) in gb.chunks_mut(BLOCK).enumerate() {
        let mut sums = [T::zero(); BLOCK];
        let sums = &mut sums[..gb.len()];
        let columns = first + b * BLOCK..first + b * BLOCK + gb.len();
        for row in delta.rows() {
            match row.as_slice() {
                Some(row) => {
                    for (s, &d) in sums.iter_mut().zip(&row[columns.clone()]) {
                        *s += d;
                    }
                }
                None => {
                    for (s, &d) in sums.iter_mut().zip(row.slice(s![columns.clone()])) {
                        *s += d;
                    }
                }
            }
        }
        for (g, &s) in gb.iter_mut().zip(sums.iter()) {
            *g = if accumulate {
                *g + inv_m * s
            } else {
                inv_m * s
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bias_gradient_sums_rows_in_order_on_any_number_of_threads() {
        let delta = Array2::from_shape_fn((600, 300), |(i, j)| ((i * 7 + j * 3) % 19) as f64 * 0.1);
        let in_order = |j: usize| {
            let mut s = 0.0;
            for i in 0..600 {
                s += delta[[i, j]];
            }
            s * 0.25
        };
        for threads in [1, 2, 3] {
            let mut gb = ndarray::Array1::zeros(300);
            bias_gradient(delta.view(), gb.view_mut(), 0.25, false, threads);
            for (j, &g) in gb.iter().enumerate() {
                assert_eq!(g.to_bits(), in_order(j).to_bits(), "{threads} threads");
            }
        }
    }
}
