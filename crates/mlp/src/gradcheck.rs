//! The numerical gradient check: backpropagation against central differences.
//!
//! For each parameter w, the numerical partial derivative is
//! `(J(w + eps) - J(w - eps)) / (2 eps)`, with every other parameter fixed. Backpropagation is
//! right when the two agree; the course's measure of agreement, used here per layer, is
//! `||numerical - analytical|| / ||numerical + analytical||` (Euclidean norms), which is about
//! 1e-9 or smaller for a correct implementation in float64.

use crate::error::{Error, Result};
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use crate::workspace::Workspace;
use ndarray::ArrayView2;

/// Settings of a gradient check.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheckConfig {
    /// Step of the central differences (default 1e-5: small enough for truncation error,
    /// large enough for rounding error, in float64).
    pub epsilon: f64,
    /// Check at most this many parameters, evenly spaced over the network (None: all).
    pub max_params: Option<usize>,
}

impl Default for GradCheckConfig {
    fn default() -> Self {
        GradCheckConfig {
            epsilon: 1e-5,
            max_params: None,
        }
    }
}

/// The outcome for one layer.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerCheck {
    /// Indices (into [`Params::as_slice`]) of the parameters of this layer that were checked,
    /// in the model file's order (W row by row, then b; see [`Params::entry`] for what each is).
    pub indices: Vec<usize>,
    /// Backpropagation's partial derivatives at those indices.
    pub analytical: Vec<f64>,
    /// Central differences at those indices.
    pub numerical: Vec<f64>,
    /// `||numerical - analytical|| / ||numerical + analytical||` (0 when both are zero).
    pub relative_error: f64,
    /// Largest |numerical - analytical| of the layer.
    pub max_abs_error: f64,
}

/// The outcome of a gradient check.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheck {
    /// J at the given parameters.
    pub cost: Cost,
    /// One entry per weight layer.
    pub layers: Vec<LayerCheck>,
    /// The whole analytical gradient.
    pub gradient: Params<f64>,
    /// The largest per-layer relative error.
    pub max_relative_error: f64,
    /// The step used.
    pub epsilon: f64,
}

/// Compares backpropagation with central differences for `net` on (`x`, `y`) with L2 strength
/// `lambda`.
pub fn gradient_check(
    net: &Network<f64>,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    lambda: f64,
    config: &GradCheckConfig,
) -> Result<GradCheck> {
    let eps = config.epsilon;
    if !(eps.is_finite() && eps > 0.0) {
        return Err(Error::config(
            "epsilon",
            format!("must be positive and finite, got {eps}"),
        ));
    }
    let mut ws = Workspace::new(1);
    let mut gradient = net.params().zeros_like();
    let cost = net.cost_and_gradient(x, y, lambda, &mut ws, &mut gradient)?;
    let total = net.params().len();
    // Chosen in the model file's order, so that each layer's list runs w_11, w_12, ... as
    // people read W, whatever the buffer's layout.
    let file: Vec<usize> = net.params().file_order().collect();
    let chosen: Vec<usize> = match config.max_params {
        Some(n) if n > 0 && n < total => (0..n).map(|j| file[j * total / n]).collect(),
        _ => file,
    };
    let mut probe = net.clone();
    let mut layers = Vec::with_capacity(net.params().n_layers());
    let mut start = 0;
    for k in 0..net.params().n_layers() {
        let (rows, cols) = net.params().shape(k);
        let end = start + rows * cols + rows;
        let indices: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|i| (start..end).contains(i))
            .collect();
        let mut check = LayerCheck {
            analytical: indices.iter().map(|&i| gradient.as_slice()[i]).collect(),
            numerical: Vec::with_capacity(indices.len()),
            indices,
            relative_error: 0.0,
            max_abs_error: 0.0,
        };
        for &i in &check.indices {
            let w = net.params().as_slice()[i];
            probe.params_mut().as_mut_slice()[i] = w + eps;
            let plus = probe.cost(x, y, lambda, &mut ws)?.total();
            probe.params_mut().as_mut_slice()[i] = w - eps;
            let minus = probe.cost(x, y, lambda, &mut ws)?.total();
            probe.params_mut().as_mut_slice()[i] = w;
            check.numerical.push((plus - minus) / (2.0 * eps));
        }
        let diff: f64 = check
            .numerical
            .iter()
            .zip(&check.analytical)
            .map(|(n, a)| (n - a).powi(2))
            .sum();
        let sum: f64 = check
            .numerical
            .iter()
            .zip(&check.analytical)
            .map(|(n, a)| (n + a).powi(2))
            .sum();
        check.relative_error = if sum > 0.0 {
            (diff / sum).sqrt()
        } else {
            diff.sqrt()
        };
        check.max_abs_error = check
            .numerical
            .iter()
            .zip(&check.analytical)
            .map(|(n, a)| (n - a).abs())
            .fold(0.0, f64::max);
        layers.push(check);
        start = end;
    }
    let max_relative_error = layers.iter().map(|l| l.relative_error).fold(0.0, f64::max);
    Ok(GradCheck {
        cost,
        layers,
        gradient,
        max_relative_error,
        epsilon: eps,
    })
}
