//! Training: one epoch loop that every solver plugs into.
//!
//! [`train`] and [`train_with`] check the settings and the data once, then run epochs until
//! the epochs asked for are done or something stops the run: each epoch is one call of the
//! solver's `Step::epoch` (the first-order solvers' mini-batches in `first_order`, L-BFGS
//! and conjugate gradient in `quasi_newton`), followed by the layer diagnostics, validation,
//! early stopping and the hooks (`monitor`). Checkpoints are in `checkpoint`, the update
//! rules in `optim`.
//!
//! The library never prints: [`train`] reports every epoch through a callback, which may also
//! stop training (returning [`ControlFlow::Break`]), and returns a [`TrainReport`].

mod checkpoint;
mod config;
mod diagnostics;
mod first_order;
mod monitor;
mod optim;
mod quasi_newton;
mod report;
mod run;
mod state;
mod stats;
mod streamed;

pub use config::{Schedule, Solver, TrainConfig, ValidConfig};
pub use diagnostics::LayerDiagnostics;
pub(crate) use first_order::shuffle;
pub use quasi_newton::MAX_EVALUATIONS_PER_STEP;
pub use report::TrainReport;
pub use run::{DIVERGENCE_FACTOR, HISTORY_LIMIT};
pub use state::{CHECKPOINT_FORMAT, Hooks, OnEpoch, TrainState};
pub use stats::{EpochStats, StopReason, TrainData, warnings};

use crate::driver::step_splits;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::network::Network;
use crate::pool::in_pool;
use crate::workspace::Workspace;
use first_order::FirstOrder;
use quasi_newton::QuasiNewton;
use run::{Epoch, Run, Step};
use std::ops::ControlFlow;

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
    run(net, data, config.validate()?, None, OnEpoch(on_epoch), None)
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
    run(net, data, config.validate()?, resume, hooks, None)
}

/// Like [`train_with`], with settings already validated (by [`TrainConfig::validate`]).
pub fn train_valid<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: ValidConfig<'_>,
    resume: Option<TrainState>,
    hooks: impl Hooks + Send,
) -> Result<TrainReport> {
    run(net, data, config, resume, hooks, None)
}

/// Like [`train_valid`], the training rows read from disk by `rows` for every pass (the
/// full-batch solvers' passes, the mini-batches of sgd and adam through a shuffle buffer);
/// `data.x` and `data.y` only give the shapes (they may be broadcast views of one value). Not
/// resumable: the run keeps no state.
pub(crate) fn train_streamed<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: ValidConfig<'_>,
    rows: crate::workspace::SharedRows<T>,
    hooks: impl Hooks + Send,
) -> Result<TrainReport> {
    let mut report = run(net, data, config, None, hooks, Some(rows))?;
    report.state = None;
    Ok(report)
}

/// Checks the data once, then runs the epochs on rayon's pool; the full-batch passes read the
/// rows of `stream` when given.
fn run<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: ValidConfig<'_>,
    state: Option<TrainState>,
    hooks: impl Hooks + Send,
    stream: Option<crate::workspace::SharedRows<T>>,
) -> Result<TrainReport> {
    check_data(net, &data)?;
    monitor::check_metric(net, config.stop_metric)?;
    let n = data.x.nrows();
    // Rows streamed from disk have no order in memory (see `streamed`).
    let mut r = Run::new(net, &config, if stream.is_some() { 0 } else { n });
    r.monitor.validating = data.validation.is_some();
    if stream.is_some() {
        // Rows streamed from disk are not resumed: no fingerprint.
        let _ = r.fingerprint.set(String::new());
    }
    if let Some(state) = state {
        state.check_matches(&config, n, net.params().len(), r.fingerprint(data))?;
        r.restore(net, state)?;
    }
    let batch = if config.solver.full_batch() {
        n
    } else {
        config.batch_size.unwrap_or(200).min(n)
    };
    // The whole run on rayon's pool, where every split of a step is taken up at once (see
    // `in_pool`): moving each step there instead would cost two thread wake-ups a step.
    let splits = step_splits(net, batch);
    let ws = || {
        let mut ws = Workspace::new(config.threads);
        ws.stream.clone_from(&stream);
        match hooks.peers() {
            Some(peers) => ws.with_peers(peers),
            None => ws,
        }
    };
    let (ws, solver_ws) = (ws(), ws());
    in_pool(config.threads, splits, move || {
        if config.solver.is_quasi_newton() {
            let solver = QuasiNewton::new(net, data, config, solver_ws)?;
            epochs(net, data, config, r, solver, ws, hooks)
        } else if let Some(rows) = stream.filter(|_| batch < n) {
            let solver = streamed::Streamed::new(net, &data, config, batch, rows);
            epochs(net, data, config, r, solver, ws, hooks)
        } else {
            let solver = FirstOrder::new(net, &data, config, batch);
            epochs(net, data, config, r, solver, ws, hooks)
        }
    })
}

/// The epoch loop: one [`Step::epoch`] of `solver`, then diagnostics, validation, monitoring
/// and hooks, until the epochs are done or something stops the run; the passes run in `ws`.
fn epochs<T: Float>(
    net: &mut Network<T>,
    data: TrainData<'_, T>,
    config: ValidConfig<'_>,
    mut r: Run<T>,
    mut solver: impl Step<T>,
    mut ws: Workspace<T>,
    mut hooks: impl Hooks,
) -> Result<TrainReport> {
    while r.epochs_done < config.epochs {
        if r.next_batch == 0 || r.before.is_none() {
            r.remember_weights(net);
        }
        match solver.epoch(net, data, &mut r, &mut ws, &mut hooks)? {
            Epoch::Done { train, grad, rows } => {
                let layers = r.diagnose(net, grad, &ws, rows);
                if r.finish_epoch(net, data, train, layers, &mut ws, &mut hooks, config)? {
                    break;
                }
            }
            Epoch::Converged => {
                r.stop = Some(StopReason::Converged);
                break;
            }
            Epoch::NoStep => {
                r.stop = Some(StopReason::LineSearchFailed);
                break;
            }
            Epoch::Interrupted => {
                return Ok(r.report(net, StopReason::Interrupted, config.config(), data));
            }
        }
    }
    let stop = r.stop.unwrap_or(StopReason::MaxEpochs);
    Ok(r.report(net, stop, config.config(), data))
}

/// Checks the shapes of the training and validation data against the network, once: the
/// passes of the run trust them.
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
