//! What goes into a training run and what each epoch reports: the data, each epoch's numbers,
//! why the run ended, and warnings drawn from the epochs.

use super::diagnostics::LayerDiagnostics;
use crate::passes::Cost;
use ndarray::ArrayView2;
use std::time::Duration;

/// Training examples and, optionally, held-out validation examples.
#[derive(Clone, Copy, Debug)]
pub struct TrainData<'a, T> {
    /// Inputs, (n, S_1).
    pub x: ArrayView2<'a, T>,
    /// Targets, (n, K).
    pub y: ArrayView2<'a, T>,
    /// Validation inputs and targets, for early stopping.
    pub validation: Option<(ArrayView2<'a, T>, ArrayView2<'a, T>)>,
}

/// What happened in one epoch.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Training cost: for full-batch solvers J at the start of the epoch's step; for
    /// mini-batch solvers the mean of the batches' costs during the epoch.
    pub train: Cost,
    /// Cost on the validation examples after the epoch (data term only).
    pub validation: Option<f64>,
    /// Score on the validation examples after the epoch: accuracy for the cross-entropy
    /// losses, r2 (averaged over outputs) for squared error.
    pub validation_score: Option<f64>,
    /// alpha used in this epoch.
    pub learning_rate: f64,
    /// Per-layer gradient and step sizes, saturated and dead units.
    pub layers: Vec<LayerDiagnostics>,
    /// Time since training started.
    pub elapsed: Duration,
}

/// Why training ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// All epochs ran.
    MaxEpochs,
    /// The validation loss stopped improving; the best weights were restored.
    EarlyStopping,
    /// The training loss (or, for L-BFGS and CG, the gradient) stopped changing.
    Converged,
    /// The adaptive schedule cut the learning rate below 1e-6.
    LearningRateTooSmall,
    /// L-BFGS's or CG's line search found no step that lowers J within
    /// [`MAX_EVALUATIONS_PER_STEP`](super::MAX_EVALUATIONS_PER_STEP) evaluations.
    LineSearchFailed,
    /// The epoch callback asked to stop.
    Stopped,
    /// [`Hooks::interrupted`](super::Hooks::interrupted) said so (a signal, say); the report holds the state to resume.
    Interrupted,
}

impl StopReason {
    /// A short phrase for summaries.
    pub fn describe(self) -> &'static str {
        match self {
            StopReason::MaxEpochs => "reached the maximum number of epochs",
            StopReason::EarlyStopping => {
                "validation loss stopped improving (best weights restored)"
            }
            StopReason::Converged => "converged",
            StopReason::LearningRateTooSmall => "learning rate fell below 1e-6",
            StopReason::LineSearchFailed => "the line search found no step that lowers the cost",
            StopReason::Stopped => "stopped on request",
            StopReason::Interrupted => "interrupted",
        }
    }
}

/// Plain-language warnings about a finished run, from its history.
pub fn warnings(history: &[EpochStats]) -> Vec<String> {
    let mut out = Vec::new();
    let costs: Vec<f64> = history.iter().map(|s| s.train.total()).collect();
    let rises = costs
        .windows(2)
        .filter(|w| w[1] > w[0] * (1.0 + 1e-9))
        .count();
    if costs.len() >= 10 && rises * 4 > costs.len() {
        out.push(format!(
            "the training cost rose in {rises} of {} epochs: the learning rate is probably too high",
            costs.len() - 1
        ));
    }
    let Some(last) = history.last() else {
        return out;
    };
    let layers = &last.layers;
    if let (Some(first), Some(top)) = (layers.first(), layers.last())
        && layers.len() > 1
        && first.grad_norm.is_finite()
        && first.grad_norm < 1e-3 * top.grad_norm
    {
        out.push(format!(
            "vanishing gradients: the first layer's gradient is {:.1e} of the last layer's; \
                 try relu units, fewer layers or standardized inputs",
            first.grad_norm / top.grad_norm
        ));
    }
    for (k, l) in layers.iter().enumerate() {
        if let Some(s) = l.saturated.filter(|&s| s > 0.5) {
            out.push(format!(
                "layer {}: {:.0}% of its sigmoid/tanh activations are saturated (g' near 0); \
                 standardize the inputs or use smaller initial weights",
                k + 2,
                100.0 * s
            ));
        }
        if let Some(d) = l.dead.filter(|&d| d > 0.5) {
            out.push(format!(
                "layer {}: {:.0}% of its relu units are dead (output 0 for every example); \
                 lower the learning rate",
                k + 2,
                100.0 * d
            ));
        }
    }
    out
}
