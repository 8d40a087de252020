//! The network's passes over a batch, as the library's users call them: forward propagation,
//! prediction, J(W), and J(W) with its gradient. Each checks the shapes (and lambda) once,
//! then hands the batch to [`crate::driver`], which runs the seed's math ([`crate::passes`])
//! chunk by chunk.

use crate::driver;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::passes::{self, Cost};
use crate::workspace::Workspace;
use ndarray::{Array2, ArrayView2, s};

/// Rows per block of [`Network::predict`]: enough for every thread to run products at full
/// speed (the block is cut into 8 chunks of 512 rows; chunks of 256 made prediction 2-5%
/// slower), few enough that the work buffers stay in the megabytes (13 MB for W1's f32
/// 784-512-256-10 network).
const PREDICT_BLOCK_ROWS: usize = 4096;

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
        driver::run(self, x, None, 0.0, ws, None);
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
        Ok(self.cost_trusted(x, y, lambda, ws))
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
        Ok(self.cost_and_gradient_trusted(x, y, lambda, ws, grad))
    }

    /// [`Network::cost`] without the checks, for callers that made them once (the training
    /// loop checks its data and settings before the first step).
    pub(crate) fn cost_trusted(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        lambda: f64,
        ws: &mut Workspace<T>,
    ) -> Cost {
        let total = driver::run(self, x, Some(y), lambda, ws, None);
        passes::cost(self.params(), total, x.nrows(), lambda)
    }

    /// [`Network::cost_and_gradient`] without the checks, as [`Network::cost_trusted`].
    pub(crate) fn cost_and_gradient_trusted(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        lambda: f64,
        ws: &mut Workspace<T>,
        grad: &mut Params<T>,
    ) -> Cost {
        let total = driver::run(self, x, Some(y), lambda, ws, Some(grad));
        passes::cost(self.params(), total, x.nrows(), lambda)
    }
}
