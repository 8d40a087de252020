//! The seed's math in one place: forward propagation, the cost J(W), and backpropagation of the
//! error delta over one chunk of rows, each formula beside the line that computes it.
//!
//! A batch of m examples is an (m, S_1) matrix X, one example per row, so the seed's column
//! formulas appear transposed (rows are examples). For a chunk of the batch's rows:
//!
//! | formula | function |
//! |---|---|
//! | Z^(l) = A^(l-1) W^(l)T + b^(l),  A^(l) = g(Z^(l)),  A^(1) = X | [`forward`] |
//! | sum over the chunk's examples of the per-example cost | [`crate::loss::Loss::total`] |
//! | Delta^(L) = A^(L) - Y (canonical pairs), else (A^(L) - Y) ⊙ g'(Z^(L)) | [`output_delta`] |
//! | Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)) | [`backward`] |
//! | dJ/dW^(l) = (1/m) Delta^(l)T A^(l-1) (+ the L2 term below) | [`backward`] |
//! | dJ/db^(l) = (1/m) sum over the rows of Delta^(l) | [`backward`] |
//!
//! and once for the whole batch, after the chunks' sums are added:
//!
//! | formula | function |
//! |---|---|
//! | J = (1/m) sum_i cost_i + lambda/(2m) sum_l sum_ij (w_ij^(l))^2 (no biases) | [`cost`] |
//! | dJ/dW^(l) += (lambda/m) W^(l) (no biases) | [`l2_gradient`] |
//!
//! and the seed's update, w := w - alpha dJ/dw, is [`gradient_descent`].
//!
//! Each product is one GEMM ([`matmul`]); the elementwise steps run through [`crate::kernels`].
//! How a batch is cut into chunks, and the chunks shared out among threads, is
//! [`crate::driver`]'s business: nothing here depends on it.

use crate::activation::Activation;
use crate::dropout::Dropout;
use crate::float::Float;
use crate::kernels::{
    add_scaled, bias_then_activation, column_means, sub_scaled, times_derivative,
};
use crate::linalg::matmul;
use crate::network::Network;
use crate::params::Params;
use ndarray::{ArrayBase, ArrayView2, ArrayViewMut2, DataMut, Ix2, s};
use std::ops::Range;

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

/// One matrix per layer (A or Delta), of the rows of some chunks.
pub(crate) type Layers<S> = [ArrayBase<S, Ix2>];

/// Forward propagation of the rows `r` of the buffers, whose inputs are `x`:
///
/// Z^(l) = A^(l-1) W^(l)T + b^(l),  A^(l) = g(Z^(l)),  A^(1) = X.
///
/// A^(l) of weight layer k lands in `a[k]` (in place of Z^(l)); Z^(L) is also kept, in `z_out`,
/// for the cross-entropies. With `dropout` (and the batch's row of the first row `r`), each
/// hidden A^(l) is then masked: A^(l) := A^(l) ⊙ M^(l) (see [`crate::dropout`]).
pub(crate) fn forward<T: Float, S: DataMut<Elem = T>>(
    net: &Network<T>,
    x: ArrayView2<'_, T>,
    a: &mut Layers<S>,
    z_out: &mut ArrayBase<S, Ix2>,
    r: &Range<usize>,
    dropout: Option<(Dropout, usize)>,
    threads: usize,
) {
    let last = net.activations().len() - 1;
    for (k, &g) in net.activations().iter().enumerate() {
        let (below, here) = a.split_at_mut(k);
        let input = match k {
            0 => x.view(),
            _ => below[k - 1].slice(s![r.clone(), ..]),
        };
        let mut z = here[0].slice_mut(s![r.clone(), ..]);
        let (w, b) = (net.params().weights(k), net.params().bias(k));
        // Z = A W^T ...
        matmul(&mut z, false, input, w.t(), T::one(), threads);
        if k == last {
            // ... + b, kept for the cross-entropies (evaluated from Z^(L): log-sigmoid,
            // log-softmax) ...
            let mut z_out = z_out.slice_mut(s![r.clone(), ..]);
            z_out.assign(&z);
            for mut row in z_out.rows_mut() {
                row += &b;
            }
        }
        // ... + b, then A = g(Z), in one pass.
        bias_then_activation(z, b, g, threads);
        if let Some((d, first_row)) = dropout
            && k < last
        {
            // A := A ⊙ M.
            d.apply(k, here[0].slice_mut(s![r.clone(), ..]), first_row);
        }
    }
}

/// The output error of every row (not yet divided by m), from the output `a` = A^(L) and the
/// targets `y`:
///
/// Delta^(L) = A^(L) - Y for the canonical pairs (identity and squared error, sigmoid and
/// cross-entropy, softmax and softmax cross-entropy, the latter plus A (sum_k y_k - 1) for
/// targets that do not sum to 1), and (A^(L) - Y) ⊙ g'(Z^(L)) for squared error after any
/// other output g.
pub(crate) fn output_delta<T: Float>(
    net: &Network<T>,
    a: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    mut delta: ArrayViewMut2<'_, T>,
) {
    let (loss, g) = (net.loss(), output_activation(net));
    loss.output_error(a, y, delta.view_mut());
    if g != loss.canonical_output() {
        times_derivative(g, a, delta, 1);
    }
}

fn output_activation<T: Float>(net: &Network<T>) -> Activation {
    net.activations()[net.activations().len() - 1]
}

/// Backpropagation over the rows `r` of the buffers after their forward pass (`x`, `y`: the
/// same rows of the inputs and targets), from Delta^(L) ([`output_delta`]) down:
///
/// Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)),   g' written from A^(l),
///
/// and the rows' share of the gradient, written into `grad` (added to it when `accumulate`):
///
/// dJ/dW^(l) = (1/m) Delta^(l)T A^(l-1),   dJ/db^(l) = (1/m) sum over the rows of Delta^(l),
///
/// with `inv_m` = 1/m of the whole batch. The L2 term comes once per batch ([`l2_gradient`]).
///
/// With the forward pass's `dropout`, Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)) ⊙ M^(l),
/// g' written from A^(l) (1 - p), the masked A^(l) brought back to g(Z^(l)) on its kept units
/// in place once dJ/dW^(l+1) has used it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<T: Float, S: DataMut<Elem = T>>(
    net: &Network<T>,
    (x, y): (ArrayView2<'_, T>, ArrayView2<'_, T>),
    a: &mut Layers<S>,
    delta: &mut Layers<S>,
    r: &Range<usize>,
    (grad, accumulate, inv_m): (&mut Params<T>, bool, T),
    dropout: Option<(Dropout, usize)>,
    threads: usize,
) {
    let rows = || s![r.clone(), ..];
    let acts = net.activations();
    let last = acts.len() - 1;
    output_delta(net, a[last].slice(rows()), y, delta[last].slice_mut(rows()));
    for k in (0..=last).rev() {
        let input = match k {
            0 => x.view(),
            _ => a[k - 1].slice(rows()),
        };
        let (mut gw, gb) = grad.layer_mut(k);
        let d = delta[k].slice(rows());
        // dJ/dW = (1/m) Delta^T A, dJ/db = (1/m) sum of the rows of Delta.
        matmul(&mut gw, accumulate, d.t(), input, inv_m, threads);
        column_means(d, gb, inv_m, accumulate, threads);
        if k > 0 {
            // Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)).
            let (lower, upper) = delta.split_at_mut(k);
            let mut below = lower[k - 1].slice_mut(rows());
            let w = net.params().weights(k);
            matmul(
                &mut below,
                false,
                upper[0].slice(rows()),
                w,
                T::one(),
                threads,
            );
            match dropout {
                None => times_derivative(acts[k - 1], a[k - 1].slice(rows()), below, threads),
                Some((d, first_row)) => {
                    d.unscale(a[k - 1].slice_mut(rows()));
                    times_derivative(
                        acts[k - 1],
                        a[k - 1].slice(rows()),
                        below.view_mut(),
                        threads,
                    );
                    // ... ⊙ M^(l).
                    d.apply(k - 1, below, first_row);
                }
            }
        }
    }
}

/// The L2 term of the gradient: dJ/dW^(l) += (lambda/m) W^(l), with `decay` = lambda/m; the
/// biases have none.
pub(crate) fn l2_gradient<T: Float>(
    params: &Params<T>,
    grad: &mut Params<T>,
    decay: T,
    threads: usize,
) {
    if decay == T::zero() {
        return;
    }
    for k in 0..params.n_layers() {
        let (rows, cols) = params.shape(k);
        let weights = params.offset(k)..params.offset(k) + rows * cols;
        let g = &mut grad.as_mut_slice()[weights.clone()];
        add_scaled(g, &params.as_slice()[weights], decay, threads);
    }
}

/// J of m examples from the sum `total` of their per-example costs:
///
/// J = (1/m) total + lambda/(2m) sum_l sum_ij (w_ij^(l))^2, biases excluded.
pub(crate) fn cost<T: Float>(params: &Params<T>, total: f64, m: usize, lambda: f64) -> Cost {
    let l2 = if lambda == 0.0 {
        0.0
    } else {
        lambda / (2.0 * m as f64) * params.sum_squared_weights()
    };
    Cost {
        data: total / m as f64,
        l2,
        examples: m,
    }
}

/// Gradient descent, the seed's update: w_ij := w_ij - alpha dJ/dw_ij (and b_i := b_i - alpha
/// dJ/db_i), over the flat buffers of every weight and bias (`w`) and of their gradient (`g`).
pub(crate) fn gradient_descent<T: Float>(w: &mut [T], g: &[T], alpha: f64, threads: usize) {
    sub_scaled(w, g, T::of(alpha), threads);
}
