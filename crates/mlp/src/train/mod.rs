//! Training: epochs of gradient steps, mini-batches, learning-rate schedules and early stopping.
//!
//! The library never prints: [`train`] reports every epoch through a callback, which may also
//! stop training (returning [`ControlFlow::Break`]), and returns a [`TrainReport`].

mod config;
mod diagnostics;
mod optim;
mod quasi_newton;
mod state;

pub use config::{Schedule, Solver, TrainConfig};
pub use diagnostics::{LayerDiagnostics, warnings};
pub use state::{CHECKPOINT_FORMAT, Hooks, OnEpoch, TrainState};

use crate::init::{rng, unit_uniform};
use crate::pool::in_pool;
use crate::{Cost, Error, Float, Network, Params, Result, Workspace};
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
    /// [`Hooks::interrupted`] said so (a signal, say); the report holds the state to resume.
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
    /// When interrupted or stopped on request: the state to continue from with [`train_with`].
    pub state: Option<TrainState>,
}

/// Trains `net` on `data` as `config` says, calling `on_epoch` after every epoch (returning
/// `ControlFlow::Break(())` stops training). With several threads the run moves onto rayon's
/// pool, so `on_epoch` may be called from a thread other than the caller's.
///
/// Errors before the first step on invalid settings or shapes, and with [`Error::Diverged`] as
/// soon as the cost is not finite.
pub fn train<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: &TrainConfig,
    on_epoch: impl FnMut(&EpochStats) -> ControlFlow<()> + Send,
) -> Result<TrainReport> {
    run(net, data, config, None, OnEpoch(on_epoch))
}

/// Like [`train`], with [`Hooks`] that may also interrupt the run or save periodic checkpoints,
/// and optionally continuing from the `resume` state of an interrupted run (see
/// [`TrainReport::state`]); a resumed run ends with the same weights, bit for bit, as one that
/// never stopped.
pub fn train_with<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: &TrainConfig,
    resume: Option<TrainState>,
    hooks: impl Hooks + Send,
) -> Result<TrainReport> {
    run(net, data, config, resume, hooks)
}

fn run<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: &TrainConfig,
    state: Option<TrainState>,
    hooks: impl Hooks + Send,
) -> Result<TrainReport> {
    config.validate()?;
    check_data(net, &data)?;
    let n = data.x.nrows();
    let mut r = Run::new(net, config, n);
    r.monitor.validating = data.validation.is_some();
    if let Some(state) = state {
        state.check_matches(config, n, net.params().len())?;
        r.restore(net, state)?;
    }
    let batch = if config.solver.full_batch() {
        n
    } else {
        config.batch_size.unwrap_or(200).min(n)
    };
    // The whole run on rayon's pool, where every split of a step is taken up at once (see
    // `in_pool`): moving each step there instead would cost two thread wake-ups a step.
    let splits = crate::driver::step_splits(net, batch);
    in_pool(config.threads, splits, move || match config.solver {
        Solver::Lbfgs | Solver::Cg => quasi_newton::train(net, data, config, r, hooks),
        _ => first_order(net, data, config, r, batch, hooks),
    })
}

/// The epochs of the first-order solvers, in batches of `batch` rows.
fn first_order<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: &TrainConfig,
    mut r: Run<T>,
    batch: usize,
    mut hooks: impl Hooks + Send,
) -> Result<TrainReport> {
    let n = data.x.nrows();
    let mut ws = Workspace::new(config.threads);
    let mut grad = net.params().zeros_like();
    let mut bx = Array2::zeros((batch, data.x.ncols()));
    let mut by = Array2::zeros((batch, data.y.ncols()));
    while r.epochs_done < config.epochs {
        let epoch = r.epochs_done + 1;
        if r.next_batch == 0 || r.before.is_none() {
            r.remember_weights(net);
        }
        let mut last_m = 0;
        if r.next_batch == 0 {
            if config.schedule == Schedule::InvScaling {
                r.alpha = config.alpha() / (epoch as f64).powf(config.power_t);
            }
            if config.shuffle && batch < n {
                shuffle(&mut r.order, &mut r.rng);
            }
            r.partial = Cost::default();
        }
        let chunks = r.order.len().div_ceil(batch);
        while r.next_batch < chunks {
            let start = r.next_batch * batch;
            let chunk = &r.order[start..(start + batch).min(n)];
            let m = chunk.len();
            // One batch of every row: the order is never shuffled, so the data is used as it is.
            let cost = if batch == n {
                net.cost_and_gradient(data.x, data.y, config.lambda, &mut ws, &mut grad)?
            } else if in_order(chunk) && data.x.is_standard_layout() && data.y.is_standard_layout()
            {
                // Consecutive rows (an unshuffled order): the same matrices as the copies below
                // would be, without copying.
                let rows = s![chunk[0]..chunk[0] + m, ..];
                let (xb, yb) = (data.x.slice(rows), data.y.slice(rows));
                net.cost_and_gradient(xb, yb, config.lambda, &mut ws, &mut grad)?
            } else {
                for (j, &i) in chunk.iter().enumerate() {
                    bx.row_mut(j).assign(&data.x.row(i));
                    by.row_mut(j).assign(&data.y.row(i));
                }
                let (xb, yb) = (bx.slice(s![..m, ..]), by.slice(s![..m, ..]));
                net.cost_and_gradient(xb, yb, config.lambda, &mut ws, &mut grad)?
            };
            check_finite(cost, epoch)?;
            apply(net, &mut r.stepper, &mut grad, r.alpha, config);
            r.partial.data += cost.data * m as f64;
            r.partial.l2 += cost.l2 * m as f64;
            r.next_batch += 1;
            last_m = m;
            if r.next_batch < chunks && hooks.interrupted() {
                return Ok(r.report(net, StopReason::Interrupted, config));
            }
        }
        let train = Cost {
            data: r.partial.data / n as f64,
            l2: r.partial.l2 / n as f64,
            examples: n,
        };
        let layers = r.diagnose(net, Some(&grad), &ws, last_m);
        if r.finish_epoch(net, data, train, layers, &mut ws, &mut hooks, config)? {
            break;
        }
    }
    let stop = r.stop.unwrap_or(StopReason::MaxEpochs);
    Ok(r.report(net, stop, config))
}

/// The evolving state of a run: everything a checkpoint saves.
pub(crate) struct Run<T> {
    stepper: Stepper<T>,
    rng: rand_chacha::ChaCha8Rng,
    order: Vec<usize>,
    epochs_done: usize,
    next_batch: usize,
    partial: Cost,
    alpha: f64,
    monitor: Monitor<T>,
    history: Vec<EpochStats>,
    stop: Option<StopReason>,
    start: Instant,
    before: Option<Params<T>>,
}

impl<T: Float> Run<T> {
    fn new(net: &Network<T>, config: &TrainConfig, n: usize) -> Self {
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
        }
    }

    fn restore(&mut self, net: &mut Network<T>, s: TrainState) -> Result<()> {
        let layout = net.params();
        let cast = |v: &[f64]| from_file_order(layout, v);
        let (params, moment1, moment2) = (cast(&s.params), cast(&s.moment1), cast(&s.moment2));
        let best_params = s.best_params.as_deref().map(|p| {
            let mut best = layout.zeros_like();
            best.as_mut_slice().copy_from_slice(&cast(p));
            best
        });
        net.params_mut().as_mut_slice().copy_from_slice(&params);
        self.stepper.restore(moment1, moment2, s.steps);
        self.rng.set_word_pos(s.rng_position()?);
        if !s.order.is_empty() {
            self.order = s.order;
        }
        self.epochs_done = s.epochs_done;
        self.next_batch = s.next_batch;
        self.partial = Cost {
            data: s.partial_cost[0],
            l2: s.partial_cost[1],
            examples: 0,
        };
        self.alpha = s.learning_rate;
        self.monitor.restore(s.best, s.stale, best_params);
        let elapsed = s.history.last().map_or(Duration::ZERO, |h| h.elapsed);
        self.start = Instant::now()
            .checked_sub(elapsed)
            .unwrap_or_else(Instant::now);
        self.history = s.history;
        Ok(())
    }

    pub(crate) fn state(&self, net: &Network<T>, config: &TrainConfig) -> TrainState {
        let wide = |v: &[T]| to_file_order(net.params(), v);
        let (m1, m2, steps) = self.stepper.moments();
        TrainState {
            format: state::CHECKPOINT_FORMAT.into(),
            version: 1,
            config: config.clone(),
            examples: self.order.len(),
            params: wide(net.params().as_slice()),
            moment1: wide(m1),
            moment2: wide(m2),
            steps,
            rng_position: self.rng.get_word_pos().to_string(),
            epochs_done: self.epochs_done,
            next_batch: self.next_batch,
            order: if config.shuffle {
                self.order.clone()
            } else {
                Vec::new()
            },
            partial_cost: [self.partial.data, self.partial.l2],
            learning_rate: self.alpha,
            best: self.monitor.best(),
            stale: self.monitor.stale,
            best_params: self
                .monitor
                .best_params
                .as_ref()
                .map(|p| wide(p.as_slice())),
            history: self.history.clone(),
        }
    }

    /// Keeps the weights at the start of an epoch, for the epoch's update ratios, in the
    /// buffer of the last epoch's (full-batch solvers make one step an epoch).
    fn remember_weights(&mut self, net: &Network<T>) {
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
    fn diagnose(
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
    fn finish_epoch(
        &mut self,
        net: &Network<T>,
        data: TrainData<'_, T>,
        train: Cost,
        layers: Vec<LayerDiagnostics>,
        ws: &mut Workspace<T>,
        hooks: &mut impl Hooks,
        config: &TrainConfig,
    ) -> Result<bool> {
        let epoch = self.epochs_done + 1;
        let (validation, validation_score) = validate(net, data.validation, ws)?;
        let stats = EpochStats {
            epoch,
            train,
            validation,
            validation_score,
            learning_rate: self.alpha,
            layers,
            elapsed: self.start.elapsed(),
        };
        let verdict = self.monitor.observe(&stats, net, &mut self.alpha);
        let asked_to_stop = hooks.epoch(&stats).is_break();
        self.history.push(stats);
        self.epochs_done = epoch;
        self.next_batch = 0;
        hooks.after_epoch(epoch, &|| self.state(net, config))?;
        if verdict.is_some() {
            self.stop = verdict;
        } else if asked_to_stop {
            self.stop = Some(StopReason::Stopped);
        } else if hooks.interrupted() {
            self.stop = Some(StopReason::Interrupted);
        }
        Ok(self.stop.is_some())
    }

    fn report(self, net: &mut Network<T>, stop: StopReason, config: &TrainConfig) -> TrainReport {
        let state = matches!(stop, StopReason::Interrupted | StopReason::Stopped)
            .then(|| self.state(net, config));
        let elapsed = self.start.elapsed();
        let best_validation = self.monitor.finish(net, stop);
        TrainReport {
            epochs: self.history.len(),
            stop,
            best_validation,
            history: self.history,
            elapsed,
            state,
        }
    }
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

/// Whether `chunk` is a run of consecutive row indices.
fn in_order(chunk: &[usize]) -> bool {
    chunk.windows(2).all(|w| w[1] == w[0] + 1)
}

/// One solver step, with the bias gradient zeroed first when biases are frozen.
fn apply<T: Float>(
    net: &mut Network<T>,
    stepper: &mut Stepper<T>,
    grad: &mut Params<T>,
    alpha: f64,
    config: &TrainConfig,
) {
    if config.freeze_bias {
        for k in 0..grad.n_layers() {
            grad.layer_mut(k).1.fill(T::zero());
        }
    }
    let (w, g) = (net.params_mut().as_mut_slice(), grad.as_slice());
    stepper.step(w, g, alpha, config.threads);
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
    best_params: Option<Params<T>>,
    validating: bool,
}

impl<T: Float> Monitor<T> {
    fn new(config: &TrainConfig) -> Self {
        Monitor {
            patience: config.patience,
            tol: config.tol,
            adaptive: config.schedule == Schedule::Adaptive,
            // The seed's gradient descent runs exactly the epochs asked for.
            // gd runs exactly the epochs asked for, as the seed writes it; L-BFGS and CG stop
            // on their own criteria (gradient, line search).
            converge_on_train: matches!(config.solver, Solver::Sgd | Solver::Adam)
                && config.tol > 0.0,
            stops_early: config.stops_early(),
            best: f64::INFINITY,
            best_epoch: 0,
            stale: 0,
            best_params: None,
            validating: false,
        }
    }

    fn best(&self) -> Option<(usize, f64)> {
        self.best
            .is_finite()
            .then_some((self.best_epoch, self.best))
    }

    fn restore(
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
        if !matches!(stop, StopReason::Stopped | StopReason::Interrupted)
            && let Some(best) = self.best_params
        {
            *net.params_mut() = best;
        }
        Some((self.best_epoch, self.best))
    }
}

/// A vector laid out like `params` (parameters, a gradient, moments), as f64 in the model
/// file's order, as checkpoints store it; vectors of another length (a solver's empty moments)
/// are kept as they are.
fn to_file_order<T: Float>(params: &Params<T>, flat: &[T]) -> Vec<f64> {
    match flat.len() == params.len() {
        true => params.file_order().map(|i| flat[i].wide()).collect(),
        false => flat.iter().map(|x| x.wide()).collect(),
    }
}

/// The inverse of [`to_file_order`].
fn from_file_order<T: Float>(params: &Params<T>, saved: &[f64]) -> Vec<T> {
    match saved.len() == params.len() {
        true => {
            let mut flat = vec![T::zero(); saved.len()];
            for (i, &v) in params.file_order().zip(saved) {
                flat[i] = T::of(v);
            }
            flat
        }
        false => saved.iter().map(|&x| T::of(x)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Activation, Loss, init::uniform_matrix};

    /// A 3-`hidden`-2 tanh network trained on 20 random rows by `config`, stopped on request
    /// after its first epoch.
    fn stopped_after_one_epoch(hidden: usize, config: &TrainConfig) -> (Network<f64>, TrainReport) {
        let mut net = Network::<f64>::new(
            &[3, hidden, 2],
            &[Activation::Tanh, Activation::Identity],
            Loss::SquaredError,
        )
        .expect("valid network");
        crate::init::initialize(net.params_mut(), crate::Init::Glorot, 7);
        let (x, y) = (
            uniform_matrix(20, 3, -1.0, 1.0, 1),
            uniform_matrix(20, 2, -1.0, 1.0, 2),
        );
        let data = TrainData {
            x: x.view(),
            y: y.view(),
            validation: None,
        };
        let report =
            train(&mut net, data, config, |_| ControlFlow::Break(())).expect("training runs");
        (net, report)
    }

    #[test]
    fn checkpoints_store_the_parameters_and_moments_in_the_model_files_order() {
        // The 64-unit layer keeps its weights column by column, unlike the model file.
        let config = TrainConfig {
            solver: Solver::Sgd,
            momentum: 0.9,
            batch_size: Some(5),
            epochs: 3,
            ..TrainConfig::default()
        };
        let (net, report) = stopped_after_one_epoch(64, &config);
        let state = report.state.expect("a run stopped on request has a state");
        let p = net.params();
        let row_by_row: Vec<f64> = (0..p.n_layers())
            .flat_map(|k| {
                p.weights(k)
                    .iter()
                    .chain(p.bias(k))
                    .copied()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(state.params, row_by_row);
        assert_ne!(
            p.as_slice(),
            &row_by_row[..],
            "the test needs a layout that differs"
        );
        // Every vector of a state, tagged with its positions in the file's order, lands in the
        // buffer where `file_order` says and is saved back in the same order (Adam: two moments).
        let adam = TrainConfig {
            solver: Solver::Adam,
            ..config
        };
        let mut run = Run::new(&net, &adam, 20);
        let tagged = |base: f64| (0..p.len()).map(|q| base + q as f64).collect::<Vec<f64>>();
        let mut saved = run.state(&net, &adam);
        saved.params = tagged(0.0);
        saved.moment1 = tagged(1000.0);
        saved.moment2 = tagged(2000.0);
        saved.best_params = Some(tagged(3000.0));
        let mut restored = net.clone();
        run.restore(&mut restored, saved.clone()).expect("restores");
        let (m1, m2, _) = run.stepper.moments();
        let best = run
            .monitor
            .best_params
            .as_ref()
            .expect("restored")
            .as_slice();
        for (q, i) in p.file_order().enumerate() {
            let q = q as f64;
            assert_eq!(
                [restored.params().as_slice()[i], m1[i], m2[i], best[i]],
                [q, 1000.0 + q, 2000.0 + q, 3000.0 + q]
            );
        }
        // w_12 of the first layer is the second number of the file.
        assert_eq!(restored.params().weights(0)[[0, 1]], 1.0);
        // A checkpoint whose vectors do not fit the network is refused before anything is read.
        for broken in [
            TrainState {
                best_params: Some(vec![0.0; p.len() - 1]),
                ..saved.clone()
            },
            TrainState {
                moment2: vec![0.0; 3],
                ..saved.clone()
            },
        ] {
            assert!(broken.check_matches(&adam, 20, p.len()).is_err());
        }
        assert!(saved.check_matches(&adam, 20, p.len()).is_ok());
        let again = run.state(&restored, &adam);
        assert_eq!(
            (
                again.params,
                again.moment1,
                again.moment2,
                again.best_params
            ),
            (
                saved.params,
                saved.moment1,
                saved.moment2,
                saved.best_params
            )
        );
    }

    #[test]
    fn checkpoints_of_lbfgs_runs_read_back() {
        // lbfgs keeps its gradient to itself: the epochs' gradient norms are NaN, which JSON
        // writes as null.
        let config = TrainConfig {
            solver: Solver::Lbfgs,
            epochs: 5,
            ..TrainConfig::default()
        };
        let (_, report) = stopped_after_one_epoch(4, &config);
        let state = report.state.expect("a run stopped on request has a state");
        assert!(state.history[0].layers[0].grad_norm.is_nan());
        let json = state.to_json().expect("serializes");
        let read = TrainState::from_json_bytes("checkpoint", json.as_bytes()).expect("reads back");
        assert!(read.history[0].layers[0].grad_norm.is_nan());
        assert_eq!(read.params, state.params);
    }
}
