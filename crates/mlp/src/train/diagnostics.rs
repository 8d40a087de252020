//! Per-layer health of a training run: gradient sizes, step sizes, saturated and dead units.

use crate::activation::Activation;
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::workspace::Workspace;
use ndarray::s;
use serde::{Deserialize, Serialize};

/// How one layer (the seed's l = k + 2) fared in an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerDiagnostics {
    /// ||dJ/dW^(l)|| (Euclidean norm) on the epoch's last batch; NaN for the solvers that keep
    /// the gradient to themselves (lbfgs, cg).
    #[serde(deserialize_with = "nan_from_null")]
    pub grad_norm: f64,
    /// ||W^(l) after the epoch - W^(l) before|| / ||W^(l) before||: how far the epoch moved
    /// the weights, relative to their size (about 1e-3 per step is healthy).
    #[serde(deserialize_with = "nan_from_null")]
    pub update_ratio: f64,
    /// For sigmoid and tanh hidden layers: the share of activations on the epoch's last batch
    /// within 0.01 of the function's bounds, where g' is nearly 0.
    pub saturated: Option<f64>,
    /// For relu hidden layers: the share of units that output 0 for every example of the
    /// epoch's last batch ("dead": no gradient reaches their weights).
    pub dead: Option<f64>,
}

/// JSON has no NaN: serde_json writes it as null, which reads back as NaN here (checkpoints of
/// lbfgs and cg runs hold NaN gradient norms).
fn nan_from_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Diagnostics of every layer after an epoch. `grad` is the last batch's gradient (none for
/// solvers that keep it to themselves), `before` the parameters at the start of the epoch, and
/// `ws` holds the last batch's activations (`m` rows). On several processes, the shares of
/// saturated and dead units are those of the rows this process computed.
pub(crate) fn diagnose<T: Float>(
    net: &Network<T>,
    grad: Option<&Params<T>>,
    before: &Params<T>,
    ws: &Workspace<T>,
    m: usize,
) -> Vec<LayerDiagnostics> {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let hidden = net.activations().len() - 1;
    let computed = ws.computed_rows();
    let rows = computed.start.min(m)..computed.end.min(m);
    (0..net.params().n_layers())
        .map(|k| {
            let w = net.params().weights(k);
            let w0 = before.weights(k);
            let moved = norm(&mut w.iter().zip(w0.iter()).map(|(a, b)| a.wide() - b.wide()));
            let size = norm(&mut w0.iter().map(|v| v.wide()));
            let a = (!rows.is_empty()).then(|| ws.a[k].slice(s![rows.clone(), ..]));
            let g = net.activations()[k];
            let saturated = match (a, g) {
                (Some(a), Activation::Sigmoid | Activation::Tanh) if k < hidden => {
                    let low = if g == Activation::Sigmoid { 0.0 } else { -1.0 };
                    let near = a
                        .iter()
                        .filter(|v| v.wide() < low + 0.01 || v.wide() > 0.99)
                        .count();
                    Some(near as f64 / a.len().max(1) as f64)
                }
                _ => None,
            };
            let dead = match (a, g) {
                (Some(a), Activation::Relu) if k < hidden => {
                    let dead = a
                        .columns()
                        .into_iter()
                        .filter(|c| c.iter().all(|v| *v <= T::zero()))
                        .count();
                    Some(dead as f64 / a.ncols().max(1) as f64)
                }
                _ => None,
            };
            LayerDiagnostics {
                grad_norm: grad.map_or(f64::NAN, |g| {
                    norm(&mut g.weights(k).iter().map(|v| v.wide()))
                }),
                update_ratio: if size > 0.0 { moved / size } else { moved },
                saturated,
                dead,
            }
        })
        .collect()
}
