//! `mlp train`: read data, build and train a network, write the model.

use crate::Exit;
use crate::cli::{ColumnArgs, DataArgs, TypeArgs};
use crate::io;
use anyhow::{Result, bail};
use clap::Args;
use mlp::pipeline::{FitOptions, Fitted, score};
use mlp::{
    Activation, EpochStats, Float, Hooks, Init, Loss, Model, Schedule, Solver, StopReason, Task,
    TrainState,
};
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Options of `mlp train`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    mlp train --dataset iris --out iris.json\n  \
    mlp train --data houses.csv --target price --drop id --out houses.json --history h.csv\n  \
    mlp train --dataset mnist_5k --task classification --hidden 25 --activation sigmoid \\\n    \
    --output sigmoid --solver gd --lambda 1 --learning-rate 2 --epochs 400 --seed 0 --out m.json")]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    #[command(flatten)]
    types: TypeArgs,
    /// Where to write the model (`-`: standard output; without it, nothing is written).
    #[arg(long, value_name = "FILE")]
    out: Option<String>,
    /// classification or regression (default: inferred from the targets, and said).
    #[arg(long)]
    task: Option<Task>,
    /// Sizes of the hidden layers, e.g. 64,32 (0: no hidden layer) [default: 100].
    #[arg(long, value_name = "SIZES")]
    hidden: Option<String>,
    /// Activation of the hidden layers: identity, sigmoid, tanh or relu [default: relu for
    /// classification, tanh for regression].
    #[arg(long)]
    activation: Option<Activation>,
    /// Output activation (default: softmax for classification, identity for regression).
    #[arg(long)]
    output: Option<Activation>,
    /// Cost (default: the output's canonical one).
    #[arg(long)]
    loss: Option<Loss>,
    /// Update rule: gd (the seed's full-batch gradient descent), sgd, adam, lbfgs or cg
    /// [default: lbfgs; for large data sets adam is faster].
    #[arg(long)]
    solver: Option<Solver>,
    /// Step size alpha (default: 1 for gd, 0.01 for sgd, 0.001 for adam; lbfgs and cg find
    /// each step by a line search and do not use it).
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    learning_rate: Option<f64>,
    /// Learning-rate schedule: constant, invscaling or adaptive.
    #[arg(long, default_value = "constant")]
    schedule: Schedule,
    /// Examples per mini-batch for sgd and adam (default: min(200, rows)).
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 200)]
    epochs: usize,
    /// Momentum of sgd.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    momentum: f64,
    /// Nesterov's momentum for sgd.
    #[arg(long)]
    nesterov: bool,
    /// lambda, the strength of the L2 term lambda/(2m) sum w^2 (biases excluded) [default: 1].
    #[arg(long, allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// Seed of the initial weights, the validation split and the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Share of rows held out for validation and early stopping (0: none, every row trains)
    /// [default: 0.1; 0 for classification with lbfgs or cg].
    #[arg(long, allow_negative_numbers = true)]
    validation_fraction: Option<f64>,
    /// Early stopping on the validation loss: on or off (default: on, but off for gd, which
    /// runs exactly --epochs steps as the seed writes it).
    #[arg(long, value_name = "on|off", value_parser = ["on", "off"])]
    early_stopping: Option<String>,
    /// Epochs without improvement before early stopping [default: 10, 50 for lbfgs and cg].
    #[arg(long)]
    patience: Option<usize>,
    /// The improvement of the monitored loss that counts.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    tol: f64,
    /// Start from this model's weights and preprocessing (warm start).
    #[arg(long, value_name = "FILE")]
    init_model: Option<std::path::PathBuf>,
    /// Draw initial weights from [-B, B] instead of Glorot's per-layer bound.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    init_bound: Option<f64>,
    /// Do not standardize inputs (and regression targets).
    #[arg(long)]
    no_standardize: bool,
    /// Keep every bias at its initial value.
    #[arg(long)]
    freeze_bias: bool,
    /// Training precision: f64 (exact) or f32 (faster).
    #[arg(long, default_value = "f64", value_parser = ["f32", "f64"])]
    precision: String,
    /// Threads for the matrix products (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Write one CSV row per epoch to FILE (costs, validation, learning rate, time).
    #[arg(long, value_name = "FILE")]
    history: Option<String>,
    /// Draw the learning curves to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<String>,
    /// Where an interrupted run saves its state (default: the --out file name + .checkpoint).
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<String>,
    /// Also save the run's state every N epochs.
    #[arg(long, value_name = "N")]
    checkpoint_every: Option<usize>,
    /// Continue the run saved in FILE (give the same other options as the interrupted run).
    #[arg(long, value_name = "FILE")]
    resume: Option<String>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `mlp train`.
pub fn run(args: TrainArgs) -> Result<()> {
    if let Some(out) = &args.out {
        io::check_output(out)?;
    }
    for path in [&args.history, &args.plot, &args.checkpoint]
        .into_iter()
        .flatten()
    {
        io::check_output(path)?;
    }
    if let Some(p) = &args.plot
        && !(p.ends_with(".svg") || p.ends_with(".png"))
    {
        bail!("--plot {p}: the file name must end in .svg or .png");
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    // The matrix products run on rayon's global pool; it is set once, here.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let init_model = args.init_model.as_deref().map(Model::load).transpose()?;
    match args.precision.as_str() {
        "f32" => train_in::<f32>(&args, threads, init_model.as_ref()),
        _ => train_in::<f64>(&args, threads, init_model.as_ref()),
    }
}

/// The options of this run: the measured defaults for the task (see docs/defaults.md),
/// overridden by whatever the command line gives.
fn fit_options(args: &TrainArgs, task: Task, threads: usize) -> Result<FitOptions> {
    let mut o = FitOptions::defaults_for(task);
    if let Some(h) = &args.hidden {
        o.hidden = if h.trim().is_empty() || h.trim() == "0" {
            Vec::new()
        } else {
            super::parse_sizes(h).map_err(anyhow::Error::msg)?
        };
    }
    if let Some(b) = args.batch_size
        && b == 0
    {
        bail!("--batch-size must be at least 1");
    }
    o.task = Some(task);
    o.overrides = args.types.overrides();
    o.activation = args.activation.unwrap_or(o.activation);
    o.output = args.output;
    o.loss = args.loss;
    o.standardize = !args.no_standardize;
    o.train.solver = args.solver.unwrap_or(o.train.solver);
    // L-BFGS and CG classify best on every row (docs/defaults.md); the other solvers hold 10%
    // out to stop early and to report a held-out score.
    let quasi_newton = matches!(o.train.solver, Solver::Lbfgs | Solver::Cg);
    let default_fraction = if task == Task::Classification && quasi_newton {
        0.0
    } else {
        0.1
    };
    o.validation_fraction = args.validation_fraction.unwrap_or(default_fraction);
    o.init = args
        .init_bound
        .map_or(Init::Glorot, |bound| Init::Uniform { bound });
    let t = &mut o.train;
    t.patience = args
        .patience
        .unwrap_or(if matches!(t.solver, Solver::Lbfgs | Solver::Cg) {
            50
        } else {
            10
        });
    t.lambda = args.lambda.unwrap_or(t.lambda);
    t.learning_rate = args.learning_rate;
    t.schedule = args.schedule;
    t.epochs = args.epochs;
    t.batch_size = args.batch_size;
    t.momentum = args.momentum;
    t.nesterov = args.nesterov;
    t.seed = args.seed;
    t.tol = args.tol;
    t.early_stopping = args.early_stopping.as_deref().map(|v| v == "on");
    t.freeze_bias = args.freeze_bias;
    t.threads = threads;
    Ok(o)
}

fn train_in<T: Float>(args: &TrainArgs, threads: usize, init_model: Option<&Model>) -> Result<()> {
    let how = io::Reading {
        model: init_model,
        text: args.types.categorical.clone(),
        ..io::Reading::default()
    };
    let table = io::load::<T>(&args.data, &args.columns, how)?;
    if table.targets.is_empty() {
        bail!("no target column: give --target COLUMN");
    }
    let task = match (args.task, init_model) {
        (Some(t), _) => t,
        (None, Some(m)) => {
            if m.is_classifier() {
                Task::Classification
            } else {
                Task::Regression
            }
        }
        (None, None) => {
            let (t, why) = mlp::pipeline::infer_task(&table);
            if !args.quiet {
                eprintln!("task: {} ({why}; --task to choose)", t.name());
            }
            t
        }
    };
    let options = &fit_options(args, task, threads)?;
    let solver = options.train.solver;
    if let Some(a) = args.learning_rate.filter(|_| !args.quiet)
        && matches!(solver, Solver::Lbfgs | Solver::Cg)
    {
        eprintln!(
            "note: --learning-rate {a} has no effect with {solver}: its line search finds every step"
        );
    }
    let resume = match &args.resume {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| mlp::Error::io(path, e))?;
            Some(TrainState::from_json_bytes(path, &bytes)?)
        }
        None => None,
    };
    let mut hooks = CliHooks {
        progress: Progress::new(args.quiet, options.train.epochs),
        interrupted: interrupt_flag()?,
        checkpoint: checkpoint_path(args),
        every: args.checkpoint_every,
    };
    let fitted = mlp::fit_with(table, options, init_model, resume, &mut hooks);
    hooks.progress.finish();
    let fitted = fitted?;
    if fitted.report.stop == StopReason::Interrupted {
        let path = hooks.checkpoint.clone();
        if let Some(state) = &fitted.report.state {
            io::write_output(&path, state.to_json()?.as_bytes())?;
        }
        return Err(Exit::Interrupted(format!(
            "interrupted after epoch {}: the run is saved in {path}; continue it with the same options and --resume {path}",
            fitted.report.epochs
        ))
        .into());
    }
    if let Some(path) = &args.history {
        io::write_output(path, history_csv(&fitted.report.history).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        let title = format!("{} ({})", fitted.model.network, options.train.solver);
        crate::plot::learning_curves(path, &fitted.report.history, &title)?;
    }
    if let Some(out) = &args.out {
        io::write_output(out, fitted.model.to_json()?.as_bytes())?;
    }
    if !args.quiet {
        columns_summary(&fitted);
        let rows = fitted.train.0.nrows() + fitted.validation.as_ref().map_or(0, |v| v.0.nrows());
        summary(args, &fitted, rows)?;
    }
    Ok(())
}

/// The plan of the columns in one line, and a note per column left out or read with care;
/// nothing for a table whose columns are all complete numbers used as they are.
fn columns_summary<T>(f: &Fitted<T>) {
    use mlp::schema::Kind;
    let left: Vec<_> = f
        .plan
        .iter()
        .filter_map(|p| match &p.kind {
            Kind::LeftOut(why) => Some((p.name.as_str(), why.as_str())),
            _ => None,
        })
        .collect();
    if f.model.schema.is_some() {
        let count = |k: Kind| f.plan.iter().filter(|p| p.kind == k).count();
        let mut parts = Vec::new();
        for (kind, name) in [
            (Kind::Numeric, "numeric"),
            (Kind::Categorical, "categorical"),
            (Kind::Date, "date"),
        ] {
            let n = count(kind);
            if n > 0 {
                parts.push(format!("{n} {name}"));
            }
        }
        let missing = f
            .plan
            .iter()
            .filter(|p| p.missing > 0 && !matches!(p.kind, Kind::LeftOut(_)))
            .count();
        if missing > 0 {
            parts.push(format!("{missing} with missing values"));
        }
        let width = f.model.network.n_inputs();
        let mut line = format!("columns: {} -> {width} inputs", parts.join(", "));
        if !left.is_empty() {
            let names: Vec<&str> = left.iter().map(|l| l.0).collect();
            let _ = write!(line, "; left out: {}", names.join(", "));
        }
        eprintln!("{line} (mlp describe shows the plan)");
    }
    for (name, why) in left {
        eprintln!("note: column \"{name}\" left out: {why}");
    }
    io::print_notes(&f.notes, false);
}

/// Where an interrupted run is saved: --checkpoint, else beside --out.
fn checkpoint_path(args: &TrainArgs) -> String {
    match (&args.checkpoint, args.out.as_deref()) {
        (Some(c), _) => c.clone(),
        (None, Some(out)) if out != "-" => format!("{out}.checkpoint"),
        _ => "mlp-train.checkpoint".into(),
    }
}

/// A flag raised by SIGINT or SIGTERM; a second signal ends the process at once.
fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag))?;
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    Ok(flag)
}

/// The history file: one row per epoch, then per layer l (the seed's numbering) the gradient
/// norm, the update ratio, and the share of saturated (sigmoid/tanh) or dead (relu) units.
fn history_csv(history: &[EpochStats]) -> String {
    let mut csv = String::from(
        "epoch,cost,data_cost,l2_cost,validation_loss,validation_score,learning_rate,elapsed_s",
    );
    let layers = history.first().map_or(0, |s| s.layers.len());
    for l in 2..layers + 2 {
        let _ = write!(
            csv,
            ",grad_norm_{l},update_ratio_{l},saturated_{l},dead_{l}"
        );
    }
    csv.push('\n');
    let opt = |v: Option<f64>| {
        v.filter(|v| v.is_finite())
            .map_or(String::new(), |v| v.to_string())
    };
    for s in history {
        let _ = write!(
            csv,
            "{},{},{},{},{},{},{},{:.6}",
            s.epoch,
            s.train.total(),
            s.train.data,
            s.train.l2,
            opt(s.validation),
            opt(s.validation_score),
            s.learning_rate,
            s.elapsed.as_secs_f64()
        );
        for d in &s.layers {
            let _ = write!(
                csv,
                ",{},{},{},{}",
                opt(Some(d.grad_norm)),
                opt(Some(d.update_ratio)),
                opt(d.saturated),
                opt(d.dead)
            );
        }
        csv.push('\n');
    }
    csv
}

/// Progress, interruption and periodic checkpoints during `mlp train`.
struct CliHooks {
    progress: Progress,
    interrupted: Arc<AtomicBool>,
    checkpoint: String,
    every: Option<usize>,
}

impl Hooks for &mut CliHooks {
    fn epoch(&mut self, stats: &EpochStats) -> ControlFlow<()> {
        self.progress.update(stats);
        ControlFlow::Continue(())
    }

    fn interrupted(&mut self) -> bool {
        self.interrupted.load(Ordering::Relaxed)
    }

    fn after_epoch(&mut self, epoch: usize, state: &dyn Fn() -> TrainState) -> mlp::Result<()> {
        match self.every {
            Some(n) if n > 0 && epoch.is_multiple_of(n) => mlp::write_atomic(
                std::path::Path::new(&self.checkpoint),
                state().to_json()?.as_bytes(),
            ),
            _ => Ok(()),
        }
    }
}

fn summary<T: Float>(args: &TrainArgs, f: &Fitted<T>, rows: usize) -> Result<()> {
    let task = &f.task.0;
    let solver = f
        .model
        .training
        .as_ref()
        .and_then(|t| t["solver"].as_str())
        .unwrap_or("?")
        .to_string();
    let net = f.model.network.cast::<T>();
    let r = &f.report;
    let held = f.validation.as_ref().map_or(0, |v| v.0.nrows());
    eprintln!(
        "trained {net} with {} on {} rows{}",
        solver,
        rows - held,
        if held > 0 {
            format!(" ({held} held out for validation)")
        } else {
            String::new()
        }
    );
    if let Some(b) = args
        .batch_size
        .filter(|&b| b > rows - held && !matches!(solver.as_str(), "gd" | "lbfgs" | "cg"))
    {
        eprintln!(
            "note: --batch-size {b} is more than the {} training rows: every step used all of them",
            rows - held
        );
    }
    let metric = if *task == Task::Classification {
        "accuracy"
    } else {
        "r2"
    };
    let train_score = score(&net, f.train.0.view(), f.train.1.view(), *task)?;
    let mut line = format!(
        "{} epochs in {:.2} s: {}; train {metric} {train_score:.4}",
        r.epochs,
        r.elapsed.as_secs_f64(),
        r.stop.describe()
    );
    if let Some((xv, yv)) = &f.validation {
        let v = score(&net, xv.view(), yv.view(), *task)?;
        let _ = write!(line, ", validation {metric} {v:.4}");
    }
    if let Some((epoch, loss)) = r.best_validation {
        let _ = write!(line, " (best validation loss {loss:.6} at epoch {epoch})");
    }
    eprintln!("{line}");
    if let Some(last) = r.history.last() {
        for (k, d) in last.layers.iter().enumerate() {
            let mut l = format!(
                "  layer {}: |dJ/dW| {:.2e}, update/weight {:.1e}",
                k + 2,
                d.grad_norm,
                d.update_ratio
            );
            if let Some(s) = d.saturated {
                let _ = write!(l, ", saturated {:.0}%", 100.0 * s);
            }
            if let Some(s) = d.dead {
                let _ = write!(l, ", dead relu {:.0}%", 100.0 * s);
            }
            eprintln!("{}", l.replace("|dJ/dW| NaN, ", ""));
        }
    }
    let mut warnings = mlp::train::warnings(&r.history);
    if f.model.input_scaling.is_none() {
        let s = mlp::Scaling::fit(f.train.0.view());
        let far = s
            .mean
            .iter()
            .zip(&s.std)
            .position(|(m, sd)| m.abs() > 5.0 || *sd > 5.0);
        if let (Some(j), Some(names)) = (far, &f.model.features) {
            warnings.push(format!(
                "inputs are not standardized (column \"{}\" has mean {:.3} and standard deviation {:.3}); \
                 drop --no-standardize unless that is meant",
                names.get(j).map_or("?", String::as_str),
                s.mean[j],
                s.std[j]
            ));
        }
    }
    for w in warnings {
        eprintln!("warning: {w}");
    }
    match args.out.as_deref() {
        None => eprintln!("no --out given: the model was not saved"),
        Some("-") => {}
        Some(out) => eprintln!("wrote {out}"),
    }
    Ok(())
}

/// A progress bar on a terminal; nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(quiet: bool, epochs: usize) -> Self {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(epochs as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} epoch {pos}/{len} {msg} [{elapsed_precise}, eta {eta}]",
        ) {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    fn update(&mut self, s: &EpochStats) {
        if let Some(bar) = &self.0 {
            bar.set_position(s.epoch as u64);
            let mut msg = format!("loss {:.5}", s.train.total());
            if let Some(v) = s.validation {
                let _ = write!(msg, " val {v:.5}");
            }
            bar.set_message(msg);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
