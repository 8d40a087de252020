//! Watching a run: validation cost and score, early stopping, convergence and the adaptive
//! schedule.

use super::config::{Schedule, TrainConfig};
use super::stats::{EpochStats, StopReason};
use crate::float::Float;
use crate::loss::Loss;
use crate::metrics;
use crate::network::Network;
use crate::params::Params;
use crate::workspace::Workspace;
use ndarray::ArrayView2;

/// Validation cost (data term) and score of the current weights.
pub(super) fn validate<T: Float>(
    net: &Network<T>,
    validation: Option<(ArrayView2<'_, T>, ArrayView2<'_, T>)>,
    ws: &mut Workspace<T>,
) -> (Option<f64>, Option<f64>) {
    let Some((x, y)) = validation else {
        return (None, None);
    };
    // The shapes were checked before the first epoch. Every process validates on its own
    // (the score needs every row's outputs): the pass is not shared.
    let cluster = ws.cluster.take();
    let cost = net.cost_trusted(x, y, 0.0, ws).data;
    ws.cluster = cluster;
    let out = ws.activation(net.activations().len() - 1, x.nrows());
    let score = match net.loss() {
        Loss::SquaredError => {
            let (o, t) = (out.mapv(|v| v.wide()), y.mapv(|v| v.wide()));
            let r = metrics::regression(t.view(), o.view());
            r.iter().map(|s| s.r2).sum::<f64>() / r.len().max(1) as f64
        }
        _ => metrics::accuracy(out, y),
    };
    (Some(cost), Some(score))
}

/// Watches the monitored loss for early stopping, convergence and the adaptive schedule.
pub(super) struct Monitor<T> {
    patience: usize,
    tol: f64,
    adaptive: bool,
    converge_on_train: bool,
    stops_early: bool,
    best: f64,
    best_epoch: usize,
    pub(super) stale: usize,
    pub(super) best_params: Option<Params<T>>,
    pub(super) validating: bool,
}

impl<T: Float> Monitor<T> {
    pub(super) fn new(config: &TrainConfig) -> Self {
        Monitor {
            patience: config.patience,
            tol: config.tol,
            adaptive: config.schedule == Schedule::Adaptive,
            // gd runs exactly the epochs asked for, as the seed writes it; L-BFGS and CG stop
            // on their own criteria (gradient, line search).
            converge_on_train: !config.solver.full_batch() && config.tol > 0.0,
            stops_early: config.stops_early(),
            best: f64::INFINITY,
            best_epoch: 0,
            stale: 0,
            best_params: None,
            validating: false,
        }
    }

    pub(super) fn best(&self) -> Option<(usize, f64)> {
        self.best
            .is_finite()
            .then_some((self.best_epoch, self.best))
    }

    pub(super) fn restore(
        &mut self,
        best: Option<(usize, f64)>,
        stale: usize,
        best_params: Option<Params<T>>,
    ) {
        if let Some((epoch, loss)) = best {
            self.best_epoch = epoch;
            self.best = loss;
        }
        self.stale = stale;
        self.best_params = best_params;
    }

    pub(super) fn observe(
        &mut self,
        stats: &EpochStats,
        net: &Network<T>,
        alpha: &mut f64,
    ) -> Option<StopReason> {
        self.validating = stats.validation.is_some();
        let loss = stats.validation.unwrap_or(stats.train.total());
        if loss < self.best - self.tol {
            self.stale = 0;
        } else {
            self.stale += 1;
        }
        if loss < self.best {
            self.best = loss;
            self.best_epoch = stats.epoch;
            if self.validating && self.stops_early {
                self.best_params = Some(net.params().clone());
            }
        }
        if self.stale < self.patience {
            return None;
        }
        if self.adaptive {
            self.stale = 0;
            *alpha /= 5.0;
            return (*alpha < 1e-6).then_some(StopReason::LearningRateTooSmall);
        }
        if self.validating && self.stops_early {
            Some(StopReason::EarlyStopping)
        } else if !self.validating && self.converge_on_train {
            Some(StopReason::Converged)
        } else {
            None
        }
    }

    /// Restores the weights of the best validation loss (unless stopped on request); returns the best validation loss.
    pub(super) fn finish(self, net: &mut Network<T>, stop: StopReason) -> Option<(usize, f64)> {
        if !self.validating {
            return None;
        }
        if !matches!(stop, StopReason::Stopped | StopReason::Interrupted)
            && let Some(best) = self.best_params
        {
            *net.params_mut() = best;
        }
        Some((self.best_epoch, self.best))
    }
}
