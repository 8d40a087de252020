//! What a training run returns.

use super::state::TrainState;
use super::stats::{EpochStats, StopReason};
use std::time::Duration;

/// The outcome of [`train`](super::train).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Epochs run.
    pub epochs: usize,
    /// Why training ended.
    pub stop: StopReason,
    /// The best epoch (of the lowest validation loss, or of the best [`TrainConfig::stop_metric`](super::TrainConfig::stop_metric)), and its validation loss.
    pub best_validation: Option<(usize, f64)>,
    /// One entry per epoch.
    pub history: Vec<EpochStats>,
    /// Wall time.
    pub elapsed: Duration,
    /// When interrupted or stopped on request: the state to continue from with [`train_with`](super::train_with).
    pub state: Option<TrainState>,
}
