//! The state of a training run, and the interface through which a solver runs its epochs.

use super::config::{TrainConfig, ValidConfig};
use super::diagnostics::{self, LayerDiagnostics};
use super::monitor::{self, Monitor};
use super::optim::Stepper;
use super::report::TrainReport;
use super::state::Hooks;
use super::stats::{EpochStats, StopReason, TrainData};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::rng;
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use crate::workspace::Workspace;
use std::cell::OnceCell;
use std::time::Instant;

/// What one epoch of a solver did.
pub(crate) enum Epoch<'s, T> {
    /// The epoch ran: the training cost to report, the gradient of its last step (none for the
    /// solvers that keep it to themselves) and the number of rows of its last batch, whose
    /// activations are in the workspace.
    Done {
        train: Cost,
        grad: Option<&'s Params<T>>,
        rows: usize,
    },
    /// The solver found nothing left to do.
    Converged,
    /// The line search gave up: no step along the direction lowered J.
    NoStep,
    /// [`Hooks::interrupted`] said so in the middle of the epoch.
    Interrupted,
}

/// A solver, as the epoch loop sees it.
pub(crate) trait Step<T: Float> {
    /// Runs one epoch from the state `r` (the first-order solvers may resume in the middle of
    /// one), computing in `ws`.
    fn epoch(
        &mut self,
        net: &mut Network<T>,
        data: TrainData<'_, T>,
        r: &mut Run<T>,
        ws: &mut Workspace<T>,
        hooks: &mut impl Hooks,
    ) -> Result<Epoch<'_, T>>;
}

/// The evolving state of a run: everything a checkpoint saves.
pub(crate) struct Run<T> {
    pub(super) stepper: Stepper<T>,
    pub(super) rng: rand_chacha::ChaCha8Rng,
    pub(super) order: Vec<usize>,
    pub(super) epochs_done: usize,
    pub(super) next_batch: usize,
    pub(super) partial: Cost,
    pub(super) alpha: f64,
    pub(super) monitor: Monitor<T>,
    pub(super) history: Vec<EpochStats>,
    pub(super) stop: Option<StopReason>,
    pub(super) start: Instant,
    pub(super) before: Option<Params<T>>,
    /// The training data's fingerprint, for checkpoints: made the first time a checkpoint or
    /// a resumed state needs it (a pass over every number, which a run that writes no
    /// checkpoint does without); empty for rows streamed from disk.
    pub(super) fingerprint: OnceCell<String>,
    /// The history keeps epoch 1, every `stride`-th epoch and the latest (see
    /// [`HISTORY_LIMIT`]).
    pub(super) stride: usize,
}

/// The most epochs a run's history (and so its checkpoints and `--history` file) holds: past
/// it, every other one is dropped and from then on only every `2^k`-th epoch is kept, with
/// the first and the latest, so that a run of millions of tiny epochs has a history of a few
/// megabytes that still spans the whole run.
pub const HISTORY_LIMIT: usize = 10_000;

impl<T: Float> Run<T> {
    pub(super) fn new(net: &Network<T>, config: &TrainConfig, n: usize) -> Self {
        Run {
            stepper: Stepper::new(config, net.params().len()),
            rng: rng(config.seed),
            order: (0..n).collect(),
            epochs_done: 0,
            next_batch: 0,
            partial: Cost::default(),
            alpha: config.alpha(),
            monitor: Monitor::new(config),
            history: Vec::new(),
            stop: None,
            start: Instant::now(),
            before: None,
            fingerprint: OnceCell::new(),
            stride: 1,
        }
    }

    /// The report of a run that ended for `stop`; restores the best weights if early stopping
    /// says so.
    pub(super) fn report(
        self,
        net: &mut Network<T>,
        stop: StopReason,
        config: &TrainConfig,
        data: TrainData<'_, T>,
    ) -> TrainReport {
        let state = matches!(stop, StopReason::Interrupted | StopReason::Stopped)
            .then(|| self.state(net, config, data));
        let elapsed = self.start.elapsed();
        let best_validation = self.monitor.finish(net, stop);
        TrainReport {
            epochs: self.epochs_done,
            stop,
            best_validation,
            history: self.history,
            elapsed,
            state,
        }
    }

    /// Keeps the weights at the start of an epoch, for the epoch's update ratios, in the
    /// buffer of the last epoch's (full-batch solvers make one step an epoch).
    pub(super) fn remember_weights(&mut self, net: &Network<T>) {
        match &mut self.before {
            Some(before) if before.len() == net.params().len() => {
                before
                    .as_mut_slice()
                    .copy_from_slice(net.params().as_slice());
            }
            _ => self.before = Some(net.params().clone()),
        }
    }

    /// Layer diagnostics of the epoch that just ended (from the last batch in `ws`).
    pub(super) fn diagnose(
        &self,
        net: &Network<T>,
        grad: Option<&Params<T>>,
        ws: &Workspace<T>,
        m: usize,
    ) -> Vec<LayerDiagnostics> {
        match &self.before {
            Some(before) => diagnostics::diagnose(net, grad, before, ws, m),
            None => Vec::new(),
        }
    }

    /// Validation, monitoring and hooks at the end of an epoch; true when training must stop.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn finish_epoch(
        &mut self,
        net: &Network<T>,
        data: TrainData<'_, T>,
        train: Cost,
        layers: Vec<LayerDiagnostics>,
        ws: &mut Workspace<T>,
        hooks: &mut impl Hooks,
        config: ValidConfig<'_>,
    ) -> Result<bool> {
        let epoch = self.epochs_done + 1;
        if let Some(first) = self.history.first().map(|s| s.train.total())
            && train.total() > DIVERGENCE_FACTOR * first
        {
            return Err(Error::Diverged {
                epoch,
                cost: train.total(),
            });
        }
        let checked = monitor::validate(net, data.validation, ws, config.stop_metric);
        let stats = EpochStats {
            epoch,
            train,
            validation: checked.cost,
            validation_score: checked.score,
            learning_rate: self.alpha,
            layers,
            elapsed: self.start.elapsed(),
        };
        let verdict = self
            .monitor
            .observe(&stats, checked.watched, net, &mut self.alpha);
        let asked_to_stop = hooks.epoch(&stats).is_break();
        self.record(stats);
        self.epochs_done = epoch;
        self.next_batch = 0;
        hooks.after_epoch(epoch, &|| self.state(net, config.config(), data))?;
        if verdict.is_some() {
            self.stop = verdict;
        } else if asked_to_stop {
            self.stop = Some(StopReason::Stopped);
        } else if interrupted(hooks, ws) {
            self.stop = Some(StopReason::Interrupted);
        }
        Ok(self.stop.is_some())
    }
}

impl<T> Run<T> {
    /// Adds an epoch to the history, keeping it within [`HISTORY_LIMIT`] entries.
    fn record(&mut self, stats: EpochStats) {
        let stride = self.stride;
        let off_grid = |s: &EpochStats| s.epoch != 1 && !s.epoch.is_multiple_of(stride);
        if self.history.last().is_some_and(off_grid) {
            self.history.pop();
        }
        self.history.push(stats);
        if self.history.len() > HISTORY_LIMIT {
            self.stride *= 2;
            let stride = self.stride;
            let last = self.history.len() - 1;
            let mut i = 0;
            self.history.retain(|s| {
                i += 1;
                s.epoch == 1 || s.epoch.is_multiple_of(stride) || i - 1 == last
            });
        }
    }
}

/// A run whose cost J grows past this many times its first epoch's has diverged, as surely as
/// one whose J is not a number: J >= 0, and a working run lowers it from its first epoch on.
pub const DIVERGENCE_FACTOR: f64 = 1e4;

/// Whether the run stops here on request: on one process, the hooks' word; on several (see
/// [`crate::peers`]), whether any process's hooks had asked by the last pass whose sums went
/// round them all, so that every process stops after the same step (a request made now
/// travels with the next pass).
pub(super) fn interrupted<T: Float>(hooks: &mut impl Hooks, ws: &Workspace<T>) -> bool {
    match &ws.cluster {
        None => hooks.interrupted(),
        Some(cluster) => cluster.stop(hooks.interrupted()),
    }
}

/// Errors with [`Error::Diverged`] when the cost of epoch `epoch` is not finite.
pub(super) fn check_finite(cost: Cost, epoch: usize) -> Result<()> {
    if cost.total().is_finite() {
        Ok(())
    } else {
        Err(Error::Diverged {
            epoch,
            cost: cost.total(),
        })
    }
}
