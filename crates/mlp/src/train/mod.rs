//! Training: epochs of gradient steps, mini-batches, learning-rate schedules and early stopping.
//!
//! The library never prints: [`train`] reports every epoch through a callback, which may also
//! stop training (returning [`ControlFlow::Break`]), and returns a [`TrainReport`].

mod config;
mod optim;
mod quasi_newton;

pub use config::{Schedule, Solver, TrainConfig};

use crate::init::{rng, unit_uniform};
use crate::{Cost, Error, Float, Network, Result, Workspace};
use ndarray::{Array2, ArrayView2, s};
use optim::Stepper;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

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
#[derive(Clone, Debug, PartialEq)]
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
    /// The callback asked to stop.
    Stopped,
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
        }
    }
}

/// The outcome of [`train`].
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
}

/// Trains `net` on `data` as `config` says, calling `on_epoch` after every epoch.
///
/// Errors before the first step on invalid settings or shapes, and with [`Error::Diverged`] as
/// soon as the cost is not finite.
pub fn train<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: &TrainConfig,
    mut on_epoch: impl FnMut(&EpochStats) -> ControlFlow<()>,
) -> Result<TrainReport> {
    config.validate()?;
    check_data(net, &data)?;
    if config.solver == Solver::Lbfgs || config.solver == Solver::Cg {
        return quasi_newton::train(net, data, config, on_epoch);
    }
    let start = Instant::now();
    let n = data.x.nrows();
    let batch = if config.solver.full_batch() {
        n
    } else {
        config.batch_size.unwrap_or(200).min(n)
    };
    let mut ws = Workspace::new(config.threads);
    let mut grad = net.params().zeros_like();
    let mut stepper = Stepper::new(config, net.params().len());
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rng(config.seed);
    let mut bx = Array2::zeros((batch, data.x.ncols()));
    let mut by = Array2::zeros((batch, data.y.ncols()));
    let mut alpha = config.alpha();
    let mut monitor = Monitor::new(config);
    let mut history = Vec::new();
    let mut stop = StopReason::MaxEpochs;
    for epoch in 1..=config.epochs {
        if config.schedule == Schedule::InvScaling {
            alpha = config.alpha() / (epoch as f64).powf(config.power_t);
        }
        let train = if batch == n {
            let cost = net.cost_and_gradient(data.x, data.y, config.lambda, &mut ws, &mut grad)?;
            check_finite(cost, epoch)?;
            apply(net, &mut stepper, &mut grad, alpha, config.freeze_bias);
            cost
        } else {
            if config.shuffle {
                shuffle(&mut order, &mut rng);
            }
            let mut sum = Cost::default();
            for chunk in order.chunks(batch) {
                let m = chunk.len();
                for (j, &i) in chunk.iter().enumerate() {
                    bx.row_mut(j).assign(&data.x.row(i));
                    by.row_mut(j).assign(&data.y.row(i));
                }
                let (xb, yb) = (bx.slice(s![..m, ..]), by.slice(s![..m, ..]));
                let cost = net.cost_and_gradient(xb, yb, config.lambda, &mut ws, &mut grad)?;
                check_finite(cost, epoch)?;
                apply(net, &mut stepper, &mut grad, alpha, config.freeze_bias);
                sum.data += cost.data * m as f64;
                sum.l2 += cost.l2 * m as f64;
            }
            Cost {
                data: sum.data / n as f64,
                l2: sum.l2 / n as f64,
                examples: n,
            }
        };
        let (validation, validation_score) = validate(net, data.validation, &mut ws)?;
        let stats = EpochStats {
            epoch,
            train,
            validation,
            validation_score,
            learning_rate: alpha,
            elapsed: start.elapsed(),
        };
        let verdict = monitor.observe(&stats, net, &mut alpha);
        let asked_to_stop = on_epoch(&stats).is_break();
        history.push(stats);
        if let Some(reason) = verdict {
            stop = reason;
            break;
        }
        if asked_to_stop {
            stop = StopReason::Stopped;
            break;
        }
    }
    let best_validation = monitor.finish(net, stop);
    Ok(TrainReport {
        epochs: history.len(),
        stop,
        best_validation,
        history,
        elapsed: start.elapsed(),
    })
}

fn check_data<T: Float>(net: &Network<T>, data: &TrainData<'_, T>) -> Result<()> {
    let sets = std::iter::once((data.x, data.y, "training"))
        .chain(data.validation.map(|(x, y)| (x, y, "validation")));
    for (x, y, what) in sets {
        if x.nrows() == 0 {
            return Err(Error::shape(
                format!("{what} data"),
                "at least one example",
                "none",
            ));
        }
        if x.ncols() != net.n_inputs() || y.ncols() != net.n_outputs() || y.nrows() != x.nrows() {
            return Err(Error::shape(
                format!("{what} data"),
                format!(
                    "inputs with {} columns and targets with {}",
                    net.n_inputs(),
                    net.n_outputs()
                ),
                format!(
                    "{} x {} inputs and {} x {} targets",
                    x.nrows(),
                    x.ncols(),
                    y.nrows(),
                    y.ncols()
                ),
            ));
        }
    }
    Ok(())
}

/// Validation cost (data term) and score of the current weights.
fn validate<T: Float>(
    net: &Network<T>,
    validation: Option<(ArrayView2<'_, T>, ArrayView2<'_, T>)>,
    ws: &mut Workspace<T>,
) -> Result<(Option<f64>, Option<f64>)> {
    let Some((x, y)) = validation else {
        return Ok((None, None));
    };
    let cost = net.cost(x, y, 0.0, ws)?.data;
    let out = ws.activation(net.activations().len() - 1, x.nrows());
    let score = match net.loss() {
        crate::Loss::SquaredError => {
            let (o, t) = (out.mapv(|v| v.wide()), y.mapv(|v| v.wide()));
            let r = crate::metrics::regression(t.view(), o.view());
            r.iter().map(|s| s.r2).sum::<f64>() / r.len().max(1) as f64
        }
        _ => crate::metrics::accuracy(out, y),
    };
    Ok((Some(cost), Some(score)))
}

fn check_finite(cost: Cost, epoch: usize) -> Result<()> {
    if cost.total().is_finite() {
        Ok(())
    } else {
        Err(Error::Diverged {
            epoch,
            cost: cost.total(),
        })
    }
}

/// One solver step, with the bias gradient zeroed first when biases are frozen.
fn apply<T: Float>(
    net: &mut Network<T>,
    stepper: &mut Stepper<T>,
    grad: &mut crate::Params<T>,
    alpha: f64,
    freeze_bias: bool,
) {
    if freeze_bias {
        for k in 0..grad.n_layers() {
            grad.layer_mut(k).1.fill(T::zero());
        }
    }
    stepper.step(net.params_mut().as_mut_slice(), grad.as_slice(), alpha);
}

/// Fisher-Yates with the library's documented draws: for i from n-1 down to 1, swap i with
/// j = floor(u (i + 1)).
pub(crate) fn shuffle(order: &mut [usize], rng: &mut impl rand::RngCore) {
    for i in (1..order.len()).rev() {
        let j = ((unit_uniform(rng) * (i + 1) as f64) as usize).min(i);
        order.swap(i, j);
    }
}

/// Watches the monitored loss for early stopping, convergence and the adaptive schedule.
struct Monitor<T> {
    patience: usize,
    tol: f64,
    adaptive: bool,
    converge_on_train: bool,
    stops_early: bool,
    best: f64,
    best_epoch: usize,
    stale: usize,
    best_params: Option<crate::Params<T>>,
    validating: bool,
}

impl<T: Float> Monitor<T> {
    fn new(config: &TrainConfig) -> Self {
        Monitor {
            patience: config.patience,
            tol: config.tol,
            adaptive: config.schedule == Schedule::Adaptive,
            // The seed's gradient descent runs exactly the epochs asked for.
            converge_on_train: config.solver != Solver::Gd && config.tol > 0.0,
            stops_early: config.stops_early(),
            best: f64::INFINITY,
            best_epoch: 0,
            stale: 0,
            best_params: None,
            validating: false,
        }
    }

    fn observe(
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
    fn finish(self, net: &mut Network<T>, stop: StopReason) -> Option<(usize, f64)> {
        if !self.validating {
            return None;
        }
        if stop != StopReason::Stopped {
            if let Some(best) = self.best_params {
                *net.params_mut() = best;
            }
        }
        Some((self.best_epoch, self.best))
    }
}
