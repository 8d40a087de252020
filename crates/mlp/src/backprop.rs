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
//! Each product is one GEMM over the batch; bias and activation are applied in the pass that
//! follows the product. All buffers live in a [`Workspace`] that a training loop reuses, so a
//! step allocates nothing once the workspace has seen the largest batch.

use crate::linalg::matmul;
use crate::{Error, Float, Network, Params, Result};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};

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
            threads: threads.max(1),
        }
    }

    /// Number of threads the matrix products may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    fn prepare(&mut self, sizes: &[usize], m: usize) {
        if self.sizes == sizes && self.rows >= m {
            return;
        }
        let rows = m.max(if self.sizes == sizes { self.rows } else { 0 });
        self.a = sizes[1..]
            .iter()
            .map(|&s| Array2::zeros((rows, s)))
            .collect();
        self.delta = sizes[1..]
            .iter()
            .map(|&s| Array2::zeros((rows, s)))
            .collect();
        self.z_out = Array2::zeros((rows, sizes[sizes.len() - 1]));
        self.sizes = sizes.to_vec();
        self.rows = rows;
    }

    /// A^(l) of the last forward pass, for weight layer `k` (the seed's l = k + 2): (m, S_l).
    pub fn activation(&self, k: usize, m: usize) -> ArrayView2<'_, T> {
        self.a[k].slice(s![..m, ..])
    }

    /// Delta^(l) of the last backward pass, for weight layer `k`: (m, S_l).
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

    /// Outputs h(X) for the batch `x` (m, S_1), as a new (m, K) matrix.
    pub fn predict(&self, x: ArrayView2<'_, T>) -> Result<Array2<T>> {
        let mut ws = Workspace::new(1);
        Ok(self.forward(x, &mut ws)?.to_owned())
    }

    pub(crate) fn forward_unchecked(&self, x: ArrayView2<'_, T>, ws: &mut Workspace<T>) {
        let m = x.nrows();
        ws.prepare(self.sizes(), m);
        let last = self.activations().len() - 1;
        let threads = ws.threads;
        for (k, &g) in self.activations().iter().enumerate() {
            let (before, rest) = ws.a.split_at_mut(k);
            let input = if k == 0 {
                x.view()
            } else {
                before[k - 1].slice(s![..m, ..])
            };
            let mut z = rest[0].slice_mut(s![..m, ..]);
            let w = self.params().weights(k);
            matmul(&mut z, false, input, w.t(), T::one(), threads);
            if k == last {
                // The cross-entropies are evaluated from Z^(L) (log-sigmoid, log-softmax).
                let mut z_out = ws.z_out.slice_mut(s![..m, ..]);
                z_out.assign(&z);
                z_out.zip_mut_with(
                    &self
                        .params()
                        .bias(k)
                        .broadcast(z.dim())
                        .expect("invariant: bias length"),
                    |v, &b| *v += b,
                );
            }
            g.bias_and_apply(z, self.params().bias(k));
        }
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
        self.forward_unchecked(x, ws);
        Ok(self.cost_of_last_forward(y, lambda, ws))
    }

    fn cost_of_last_forward(&self, y: ArrayView2<'_, T>, lambda: f64, ws: &Workspace<T>) -> Cost {
        let m = y.nrows();
        let last = self.activations().len() - 1;
        let total = self.loss().total(ws.output_z(m), ws.activation(last, m), y);
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
        self.forward_unchecked(x, ws);
        let cost = self.cost_of_last_forward(y, lambda, ws);
        self.backward_unchecked(x, y, lambda, ws, grad);
        Ok(cost)
    }

    /// Backpropagation after a forward pass of the same `x`.
    pub(crate) fn backward_unchecked(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        lambda: f64,
        ws: &mut Workspace<T>,
        grad: &mut Params<T>,
    ) {
        let m = x.nrows();
        let inv_m = T::of(1.0 / m as f64);
        let decay = T::of(lambda / m as f64);
        let threads = ws.threads;
        let acts = self.activations();
        let last = acts.len() - 1;
        self.loss().output_delta(
            acts[last],
            ws.a[last].slice(s![..m, ..]),
            y,
            ws.delta[last].slice_mut(s![..m, ..]),
        );
        for k in (0..=last).rev() {
            let delta = ws.delta[k].slice(s![..m, ..]);
            let input = if k == 0 {
                x.view()
            } else {
                ws.a[k - 1].slice(s![..m, ..])
            };
            let w = self.params().weights(k);
            let (mut gw, mut gb) = grad.layer_mut(k);
            // dJ/dW = (1/m) Delta^T A + (lambda/m) W: the decay term first, then the product
            // accumulates onto it.
            let accumulate = lambda != 0.0;
            if accumulate {
                gw.zip_mut_with(&w, |g, &w| *g = decay * w);
            }
            matmul(&mut gw, accumulate, delta.t(), input, inv_m, threads);
            gb.fill(T::zero());
            for row in delta.rows() {
                gb.zip_mut_with(&row, |g, &d| *g += d);
            }
            gb.mapv_inplace(|g| g * inv_m);
            if k > 0 {
                // Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)), with g' written from A^(l).
                let (lower, upper) = ws.delta.split_at_mut(k);
                let mut below: ArrayViewMut2<'_, T> = lower[k - 1].slice_mut(s![..m, ..]);
                matmul(
                    &mut below,
                    false,
                    upper[0].slice(s![..m, ..]),
                    w,
                    T::one(),
                    threads,
                );
                acts[k - 1].backprop_from_output(ws.a[k - 1].slice(s![..m, ..]), below);
            }
        }
    }
}
