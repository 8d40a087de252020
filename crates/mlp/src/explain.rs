//! Every symbol of the seed as a number: one forward pass, the cost, the backward pass, the
//! gradient and one gradient-descent update, for a few examples.

use crate::error::{Error, Result};
use crate::network::Network;
use crate::params::Params;
use crate::passes::{Cost, gradient_descent};
use crate::workspace::Workspace;
use ndarray::{Array2, ArrayView2, Axis};

/// One layer's numbers (the seed's layer l = k + 2 for the code's weight layer k).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerTrace {
    /// z^(l) = a^(l-1) W^(l)T + b^(l), one row per example: (m, S_l).
    pub z: Array2<f64>,
    /// a^(l) = g(z^(l)): (m, S_l).
    pub a: Array2<f64>,
    /// delta^(l) = dJ_i/dz^(l) for each example i: (m, S_l).
    pub delta: Array2<f64>,
    /// dJ/dW^(l) = (1/m) delta^(l)T a^(l-1) + (lambda/m) W^(l): (S_l, S_(l-1)).
    pub grad_weights: Array2<f64>,
    /// dJ/db^(l), the mean of delta^(l) over the examples: S_l numbers.
    pub grad_bias: Vec<f64>,
    /// W^(l) after the update.
    pub new_weights: Array2<f64>,
    /// b^(l) after the update.
    pub new_bias: Vec<f64>,
}

/// The whole trace of one gradient-descent step on a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The inputs a^(1) = x: (m, S_1).
    pub x: Array2<f64>,
    /// The targets y: (m, K).
    pub y: Array2<f64>,
    /// One entry per weight layer.
    pub layers: Vec<LayerTrace>,
    /// J before the update, split into data and L2 terms.
    pub cost: Cost,
    /// J after the update.
    pub cost_after: Cost,
    /// alpha.
    pub learning_rate: f64,
    /// lambda.
    pub lambda: f64,
    /// Whether the biases were held fixed in the update.
    pub freeze_bias: bool,
}

/// Traces one gradient-descent step `w := w - alpha dJ/dw` of `net` on (`x`, `y`).
pub fn explain(
    net: &Network<f64>,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    lambda: f64,
    learning_rate: f64,
    freeze_bias: bool,
) -> Result<Explanation> {
    if !(learning_rate.is_finite() && learning_rate > 0.0) {
        return Err(Error::config(
            "learning_rate",
            format!("must be a positive, finite number, got {learning_rate}"),
        ));
    }
    let mut ws = Workspace::new(1);
    let mut grad: Params<f64> = net.params().zeros_like();
    let cost = net.cost_and_gradient(x, y, lambda, &mut ws, &mut grad)?;
    let m = x.nrows();
    // The step, as training takes it: the bias gradient zeroed when biases are frozen.
    let mut step = grad.clone();
    if freeze_bias {
        for k in 0..step.n_layers() {
            step.layer_mut(k).1.fill(0.0);
        }
    }
    let mut updated = net.clone();
    gradient_descent(
        updated.params_mut().as_mut_slice(),
        step.as_slice(),
        learning_rate,
        1,
    );
    let mut layers = Vec::with_capacity(net.params().n_layers());
    for k in 0..net.params().n_layers() {
        let input = if k == 0 {
            x.to_owned()
        } else {
            ws.activation(k - 1, m).to_owned()
        };
        // z is recomputed here for display; the passes keep only a (and the output's z).
        let z = input.dot(&net.params().weights(k).t()) + net.params().bias(k).insert_axis(Axis(0));
        layers.push(LayerTrace {
            z,
            a: ws.activation(k, m).to_owned(),
            delta: ws.delta(k, m).to_owned(),
            grad_weights: grad.weights(k).to_owned(),
            grad_bias: grad.bias(k).to_vec(),
            new_weights: updated.params().weights(k).to_owned(),
            new_bias: updated.params().bias(k).to_vec(),
        });
    }
    let cost_after = updated.cost(x, y, lambda, &mut ws)?;
    Ok(Explanation {
        x: x.to_owned(),
        y: y.to_owned(),
        layers,
        cost,
        cost_after,
        learning_rate,
        lambda,
        freeze_bias,
    })
}
