//! Watching a run: validation cost and score, early stopping, convergence and the adaptive
//! schedule.

use super::config::{Schedule, TrainConfig};
use super::stats::{EpochStats, StopReason};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::loss::Loss;
use crate::metrics::{self, Metric, Predictions};
use crate::network::Network;
use crate::params::Params;
use crate::task::Task;
use crate::workspace::Workspace;
use ndarray::{Array2, ArrayView2};

/// What the validation rows say of the current weights.
pub(super) struct Validation {
    /// The data term of J.
    pub cost: Option<f64>,
    /// Accuracy or r2 (see [`crate::metrics`]).
    pub score: Option<f64>,
    /// What the monitor watches, lower is better: the cost, or the chosen metric (negated
    /// when greater is better).
    pub watched: Option<f64>,
}

/// Checks that `metric` can score the outputs of `net` (see [`TrainConfig::stop_metric`]).
pub(super) fn check_metric<T: Float>(net: &Network<T>, metric: Option<Metric>) -> Result<()> {
    let Some(metric) = metric else {
        return Ok(());
    };
    let fits = match (metric.task(), net.loss()) {
        (Task::Regression, Loss::SquaredError) => true,
        (Task::Classification, Loss::SoftmaxCrossEntropy) => true,
        (Task::Classification, Loss::CrossEntropy) => net.n_outputs() == 1,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(Error::config(
            "stop_metric",
            format!(
                "{metric} scores {}; this network has {} output(s) with the {} loss",
                metric.task().name(),
                net.n_outputs(),
                net.loss().name()
            ),
        ))
    }
}

/// Validation cost (data term), score and watched value of the current weights.
pub(super) fn validate<T: Float>(
    net: &Network<T>,
    validation: Option<(ArrayView2<'_, T>, ArrayView2<'_, T>)>,
    ws: &mut Workspace<T>,
    metric: Option<Metric>,
) -> Validation {
    let Some((x, y)) = validation else {
        return Validation {
            cost: None,
            score: None,
            watched: None,
        };
    };
    // The shapes were checked before the first epoch. Every process validates on its own
    // (the score needs every row's outputs): the pass is not shared.
    let cluster = ws.cluster.take();
    // Beside rows streamed from disk, the validation rows' passes take a piece at a time.
    let piece = ws
        .stream
        .as_ref()
        .and_then(|rows| rows.0.lock().ok().map(|r| r.piece_rows()));
    let pieces = piece.map(|piece| crate::driver::cost_in_pieces(net, (x, y), piece, ws));
    let cost = match &pieces {
        Some((total, _)) => total / x.nrows() as f64,
        None => net.cost_trusted(x, y, 0.0, ws).data,
    };
    ws.cluster = cluster;
    let out = match &pieces {
        Some((_, out)) => out.view(),
        None => ws.activation(net.activations().len() - 1, x.nrows()),
    };
    let score = match net.loss() {
        Loss::SquaredError => {
            let (o, t) = (out.mapv(|v| v.wide()), y.mapv(|v| v.wide()));
            let r = metrics::regression(t.view(), o.view());
            r.iter().map(|s| s.r2).sum::<f64>() / r.len().max(1) as f64
        }
        _ => metrics::accuracy(out, y),
    };
    let watched = match metric {
        None => Some(cost),
        Some(metric) => {
            // Undefined (ROC AUC on rows of one class): the loss is all there is to watch.
            match watched_metric(metric, out, y) {
                Some(v) if metric.greater_is_better() => Some(-v),
                Some(v) => Some(v),
                None => Some(cost),
            }
        }
    };
    Validation {
        cost: Some(cost),
        score: Some(score),
        watched,
    }
}

/// `metric` of the outputs `out` against the encoded targets `y` (checked by [`check_metric`]):
/// class probabilities against each row's largest target, or numbers against numbers.
fn watched_metric<T: Float>(
    metric: Metric,
    out: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
) -> Option<f64> {
    let predictions = match metric.task() {
        Task::Classification => {
            let truth: Vec<usize> = if out.ncols() == 1 {
                y.iter().map(|&v| usize::from(v.wide() > 0.5)).collect()
            } else {
                y.rows().into_iter().map(metrics::class_of).collect()
            };
            let probs = if out.ncols() == 1 {
                Array2::from_shape_fn((out.nrows(), 2), |(i, k)| {
                    let p = out[(i, 0)].wide();
                    if k == 1 { p } else { 1.0 - p }
                })
            } else {
                out.mapv(|v| v.wide())
            };
            return metric
                .score(Predictions::Classes {
                    truth: &truth,
                    probs: probs.view(),
                })
                .ok()
                .flatten();
        }
        Task::Regression => (out.mapv(|v| v.wide()), y.mapv(|v| v.wide())),
    };
    metric
        .score(Predictions::Numbers {
            truth: predictions.1.view(),
            pred: predictions.0.view(),
        })
        .ok()
        .flatten()
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
    /// The validation loss of the best epoch (the same as `best` unless a metric is watched).
    best_loss: Option<f64>,
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
            best_loss: None,
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
        history: &[EpochStats],
    ) {
        if let Some((epoch, loss)) = best {
            self.best_epoch = epoch;
            self.best = loss;
            self.best_loss = history
                .iter()
                .find(|s| s.epoch == epoch)
                .and_then(|s| s.validation);
        }
        self.stale = stale;
        self.best_params = best_params;
    }

    /// Takes in an epoch's `stats` and the `watched` value of its validation (see
    /// [`Validation::watched`]; the training cost when there is none): whether to stop.
    pub(super) fn observe(
        &mut self,
        stats: &EpochStats,
        watched: Option<f64>,
        net: &Network<T>,
        alpha: &mut f64,
    ) -> Option<StopReason> {
        self.validating = stats.validation.is_some();
        let loss = watched.unwrap_or(stats.train.total());
        if loss < self.best - self.tol {
            self.stale = 0;
        } else {
            self.stale += 1;
        }
        if loss < self.best {
            self.best = loss;
            self.best_epoch = stats.epoch;
            self.best_loss = stats.validation;
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

    /// Restores the weights of the best epoch (unless stopped on request); returns that epoch
    /// and its validation loss.
    pub(super) fn finish(self, net: &mut Network<T>, stop: StopReason) -> Option<(usize, f64)> {
        if !self.validating {
            return None;
        }
        if !matches!(stop, StopReason::Stopped | StopReason::Interrupted)
            && let Some(best) = self.best_params
        {
            *net.params_mut() = best;
        }
        Some((self.best_epoch, self.best_loss.unwrap_or(self.best)))
    }
}
