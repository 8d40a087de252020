//! What goes into a training run and what comes out of it: the data, each epoch's numbers, why
//! the run ended, and the report.

use super::diagnostics::LayerDiagnostics;
use super::state::TrainState;
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
            StopReason::Stopped => "stopped on request",
            StopReason::Interrupted => "interrupted",
        }
    }
}

/// The outcome of [`train`](super::train).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Epochs run.
    pub epochs: usize,
    /// Why training ended.
    pub stop: StopReason,
    /// Epoch of the lowest validation loss, and that loss.
    pub best_validation: Option<(usize, f64)>,
    /// One entry per epoch.
    pub history: Vec<EpochStats>,
    /// Wall time.
    pub elapsed: Duration,
    /// When interrupted or stopped on request: the state to continue from with [`train_with`](super::train_with).
    pub state: Option<TrainState>,
}
