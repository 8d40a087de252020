//! Hooks into a training run, and the state that lets an interrupted run continue exactly.

use super::config::TrainConfig;
use super::stats::EpochStats;
use crate::error::{Error, Location, Result};
use crate::peers::Peers;
use serde::{Deserialize, Serialize};
use std::ops::ControlFlow;
use std::sync::Arc;

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
    ///
    /// On several processes ([`Hooks::peers`]) a request travels with the next step's sums,
    /// and every process stops after the first step whose sums carried one: the same step
    /// everywhere.
    fn interrupted(&mut self) -> bool {
        false
    }
    /// The processes this run is one of, which share out the work of every step (see
    /// [`crate::peers`]); `None` (the default): this process alone. Every process must run the
    /// same training on the same data, with peers of the same processes.
    fn peers(&self) -> Option<Arc<dyn Peers>> {
        None
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
    fn peers(&self) -> Option<Arc<dyn Peers>> {
        (**self).peers()
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
    /// A fingerprint of the training data (shape and a hash of every number), checked again on
    /// resume; absent in checkpoints written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Past [`HISTORY_LIMIT`](super::HISTORY_LIMIT) epochs, the history keeps every this many
    /// (with the first and the latest); absent: every epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_stride: Option<usize>,
}

/// The fingerprint of training data: its shape and a hash of the bits of every input and
/// target, one 64-bit word per value (FNV-1a's step on words, then a final mix), so that it
/// costs a small part of an epoch: byte by byte, it took a fifth of a one-epoch run on
/// 60,000 x 784 inputs.
pub(crate) fn fingerprint<T: crate::float::Float>(
    x: ndarray::ArrayView2<'_, T>,
    y: ndarray::ArrayView2<'_, T>,
) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut add = |v: &T| h = (h ^ v.wide().to_bits()).wrapping_mul(0x0100_0000_01b3);
    match x.as_slice() {
        Some(flat) => flat.iter().for_each(&mut add),
        None => x.iter().for_each(&mut add),
    }
    y.iter().for_each(&mut add);
    // splitmix64's finalizer: every input bit reaches every output bit.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    format!("{}x{}+{}:w{h:016x}", x.nrows(), x.ncols(), y.ncols())
}

impl TrainState {
    /// Reads a checkpoint written by [`TrainState::to_json`]; `name` is used in messages.
    pub fn from_json_bytes(name: &str, bytes: &[u8]) -> Result<Self> {
        let bad = |message: String| Error::Model {
            at: Location::file(name),
            message,
        };
        crate::data::check_memory(crate::data::json_parse_needs(bytes), |m| {
            bad(format!("the checkpoint {m}"))
        })?;
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
        data: &str,
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
        if self.examples != examples || self.data.as_deref().is_some_and(|d| d != data) {
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
        self.check_fields(examples)
    }

    /// Every field within its range: a checkpoint edited by hand or damaged is refused rather
    /// than trusted.
    fn check_fields(&self, examples: usize) -> Result<()> {
        let bad = |what: &str| {
            Err(Error::config(
                "resume",
                format!("the checkpoint is damaged: {what}"),
            ))
        };
        if !self.order.is_empty() {
            let mut seen = vec![false; examples];
            for &i in &self.order {
                match seen.get_mut(i) {
                    Some(s) if !*s => *s = true,
                    _ => return bad("its example order is not a permutation of the rows"),
                }
            }
        }
        let kept = self.history.len();
        let thinned = self.history_stride.is_some_and(|s| s > 1);
        if self.epochs_done > self.config.epochs
            || kept > super::HISTORY_LIMIT + 1
            || (!thinned && kept != self.epochs_done)
            || (thinned && (kept > self.epochs_done || kept == 0))
        {
            return bad("its epoch count does not match its settings and history");
        }
        if self
            .next_batch
            .saturating_mul(self.config.batch_size.unwrap_or(1))
            > examples
        {
            return bad("its batch position is past the data");
        }
        if self.best.is_some_and(|(e, _)| e > self.epochs_done) || self.stale > self.epochs_done {
            return bad("its best epoch is in the future");
        }
        let all_finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let finite = all_finite(&self.params)
            && all_finite(&self.moment1)
            && all_finite(&self.moment2)
            && self.learning_rate.is_finite()
            && self.learning_rate > 0.0;
        if !finite {
            return bad("it holds a number that is not finite");
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
