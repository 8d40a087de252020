//! Hooks into a training run, and the state that lets an interrupted run continue exactly.

use super::config::TrainConfig;
use super::stats::EpochStats;
use crate::error::{Error, Location, Result};
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;

/// What a caller may do during training (see [`crate::train_with`]); every method has a
/// default. [`OnEpoch`] turns an epoch callback into hooks.
///
/// The training functions take hooks that are `Send`: a run on several threads moves onto
/// rayon's pool, and its hooks are called there.
pub trait Hooks {
    /// Called after every epoch; `Break` stops training after it.
    fn epoch(&mut self, _stats: &EpochStats) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    /// Checked after every step: `true` stops training right there (the step is finished) and
    /// the report carries the state to continue from.
    fn interrupted(&mut self) -> bool {
        false
    }
    /// Called after every epoch with a function that builds the run's state, for periodic
    /// checkpoints; the state is only built if the hook calls it.
    fn after_epoch(&mut self, _epoch: usize, _state: &dyn Fn() -> TrainState) -> Result<()> {
        Ok(())
    }
}

/// Hooks borrowed: a run can lend its hooks to several trainings in turn.
impl<H: Hooks + ?Sized> Hooks for &mut H {
    fn epoch(&mut self, stats: &EpochStats) -> ControlFlow<()> {
        (**self).epoch(stats)
    }
    fn interrupted(&mut self) -> bool {
        (**self).interrupted()
    }
    fn after_epoch(&mut self, epoch: usize, state: &dyn Fn() -> TrainState) -> Result<()> {
        (**self).after_epoch(epoch, state)
    }
}

/// Hooks that only see each epoch, through a callback.
pub struct OnEpoch<F>(pub F);

impl<F: FnMut(&EpochStats) -> ControlFlow<()>> Hooks for OnEpoch<F> {
    fn epoch(&mut self, stats: &EpochStats) -> ControlFlow<()> {
        (self.0)(stats)
    }
}

/// The `format` of checkpoint files.
pub const CHECKPOINT_FORMAT: &str = "mlp-checkpoint";

/// Everything a training run needs to continue where it stopped, so that a resumed run ends
/// with the same weights, bit for bit, as one that never stopped (same data, settings and
/// threads). Numbers are stored as f64, which holds f32 values exactly.
///
/// For `lbfgs` and `cg` the solver's own memory (past steps, line-search state) is not kept:
/// a resumed run restarts it from the saved weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: String,
    /// Format version (1).
    pub version: u64,
    /// The settings of the run, checked again on resume.
    pub config: TrainConfig,
    /// Number of training examples, checked again on resume.
    pub examples: usize,
    /// Weights and biases, in the model file's order ([`crate::params::Params::file_order`]), as are
    /// the moments and `best_params`.
    pub params: Vec<f64>,
    /// Momentum velocity, or Adam's first moments.
    pub moment1: Vec<f64>,
    /// Adam's second moments.
    pub moment2: Vec<f64>,
    /// Adam's step count.
    pub steps: u64,
    /// Position of the shuffling generator in its stream (a u128, in decimal).
    pub rng_position: String,
    /// Epochs completed.
    pub epochs_done: usize,
    /// Mini-batches of the current epoch already taken (0 at an epoch boundary).
    pub next_batch: usize,
    /// The current epoch's example order.
    pub order: Vec<usize>,
    /// Sums of the current epoch's batch costs so far (data term, L2 term), weighted by size.
    pub partial_cost: [f64; 2],
    /// The learning rate in effect.
    pub learning_rate: f64,
    /// Lowest monitored loss so far, and its epoch.
    pub best: Option<(usize, f64)>,
    /// Epochs since the monitored loss last improved by `tol`.
    pub stale: usize,
    /// Weights of the lowest validation loss (for restoring them at the end).
    pub best_params: Option<Vec<f64>>,
    /// The epochs so far.
    pub history: Vec<EpochStats>,
}

impl TrainState {
    /// Reads a checkpoint written by [`TrainState::to_json`]; `name` is used in messages.
    pub fn from_json_bytes(name: &str, bytes: &[u8]) -> Result<Self> {
        let bad = |message: String| Error::Model {
            at: Location::file(name),
            message,
        };
        let state: TrainState = serde_json::from_slice(bytes)
            .map_err(|e| bad(format!("not a valid checkpoint ({e})")))?;
        if state.format != CHECKPOINT_FORMAT {
            return Err(bad(format!("not an {CHECKPOINT_FORMAT} file")));
        }
        if state.version != 1 {
            return Err(bad(format!(
                "checkpoint version {} is not supported (expected 1)",
                state.version
            )));
        }
        Ok(state)
    }

    /// The checkpoint as JSON text.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Model {
            at: Location::file("checkpoint"),
            message: format!("cannot write the checkpoint: {e}"),
        })
    }

    /// Checks that this state belongs to a run with `config` on `examples` examples and
    /// `n_params` parameters.
    pub fn check_matches(
        &self,
        config: &TrainConfig,
        examples: usize,
        n_params: usize,
    ) -> Result<()> {
        let differs = |what: &str| {
            Err(Error::config(
                "resume",
                format!(
                    "the checkpoint was made with other {what}; resume with the options of the interrupted run"
                ),
            ))
        };
        if self.config != *config {
            return differs("training settings");
        }
        if self.examples != examples {
            return differs("data");
        }
        // Moments are empty for solvers without them; every vector of parameters must fit.
        let fits =
            |v: &[f64], may_be_empty: bool| v.len() == n_params || may_be_empty && v.is_empty();
        if !fits(&self.params, false)
            || !fits(&self.moment1, true)
            || !fits(&self.moment2, true)
            || self.best_params.as_deref().is_some_and(|b| !fits(b, false))
            || self.order.len() != examples && !self.order.is_empty()
        {
            return differs("layer sizes");
        }
        Ok(())
    }

    pub(crate) fn rng_position(&self) -> Result<u128> {
        self.rng_position.parse().map_err(|_| {
            Error::config(
                "resume",
                "the checkpoint's generator position is not a number",
            )
        })
    }
}
