//! `mlp train`: read data, build and train a network, write the model.

use crate::Exit;
use crate::args::{ColumnArgs, DataArgs, Hidden, Precision, Switch, TypeArgs, parse_hidden};
use crate::io;
use crate::mpi::Job;
use anyhow::{Result, bail};
use clap::Args;
use mlp::metrics::Metric;
use mlp::pipeline::{ClassWeight, FitOptions};
use mlp::{
    Activation, EpochStats, Fitted, Float, Hooks, Init, Loss, Model, Peers, Schedule, Solver,
    StopReason, Task, TrainState,
};
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub mod cv;
mod report;
pub mod tune;

use report::{columns_summary, history_csv, summary};

/// Options of `mlp train`.
#[derive(Debug, Clone, Args)]
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
    out: Option<PathBuf>,
    /// classification or regression (default: inferred from the targets, and said).
    #[arg(long)]
    task: Option<Task>,
    /// Sizes of the hidden layers, e.g. 64,32 (0: no hidden layer) [default: 100].
    #[arg(long, value_name = "SIZES", value_parser = parse_hidden)]
    hidden: Option<Hidden>,
    /// Activation of the hidden layers: identity, sigmoid, tanh, relu, elu or selu [default: relu for
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
    /// Learning-rate schedule: constant, invscaling, adaptive or cosine (from alpha down to 0
    /// over --epochs along half a cosine).
    #[arg(long, default_value = "constant")]
    schedule: Schedule,
    /// Epochs of linear learning-rate warm-up: alpha t / W at epoch t <= W (gd, sgd, adam)
    /// [default: 0].
    #[arg(long, value_name = "W")]
    warmup_epochs: Option<usize>,
    /// Shuffle mini-batches through a buffer of N rows (as a file too large for memory is
    /// shuffled) instead of over all rows [default: all rows].
    #[arg(long, value_name = "N")]
    shuffle_buffer: Option<usize>,
    /// Dropout: each hidden unit is dropped with probability P in every training step (gd,
    /// sgd, adam; masks drawn from --seed) [default: 0].
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    dropout: Option<f64>,
    /// Decoupled weight decay D (AdamW; gd, sgd, adam): after each step W := W - alpha D W,
    /// biases excluded [default: 0].
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    weight_decay: Option<f64>,
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
    /// [default: 0.1; 0 for classification of complete numeric tables with lbfgs or cg].
    #[arg(long, allow_negative_numbers = true)]
    validation_fraction: Option<f64>,
    /// Early stopping on the validation loss: on or off (default: on, but off for gd, which
    /// runs exactly --epochs steps as the seed writes it).
    #[arg(long, value_name = "on|off")]
    early_stopping: Option<Switch>,
    /// Epochs without improvement before early stopping [default: 10, 50 for lbfgs and cg].
    #[arg(long)]
    patience: Option<usize>,
    /// The improvement of the monitored loss that counts.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    tol: f64,
    /// Start from this model's weights and preprocessing (warm start).
    #[arg(long, value_name = "FILE")]
    init_model: Option<PathBuf>,
    /// Draw initial weights from [-B, B] instead of Glorot's per-layer bound.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    init_bound: Option<f64>,
    /// Train K networks (seeds S, S+1, ...; each with its own validation rows) and average
    /// their outputs; the model file holds all of them [default: 5 for tables with text,
    /// dates or missing values, else 1].
    #[arg(long, value_name = "K")]
    ensemble: Option<usize>,
    /// Weigh the classes in the cost: balanced (n / (K n_c)) or a JSON file of
    /// {"label": weight, ...} (classification).
    #[arg(long, value_name = "balanced|FILE")]
    class_weight: Option<PathBuf>,
    /// Weigh each row in the cost by the number in this column, which is then not a feature
    /// (classification).
    #[arg(long, value_name = "COLUMN")]
    sample_weight: Option<String>,
    /// What early stopping watches on the validation rows, and what mlp cv and mlp tune
    /// score: for classification accuracy, balanced_accuracy, log_loss, roc_auc or f1 (macro);
    /// for regression r2, rmse, mae or mse [default: early stopping watches the validation
    /// loss; cv and tune score accuracy or r2].
    #[arg(long, value_name = "NAME")]
    pub(super) metric: Option<Metric>,
    /// Label smoothing (classification): train towards (1 - E) y + E / K instead of the
    /// one-hot labels y of K classes [default: 0].
    #[arg(long, value_name = "E")]
    label_smoothing: Option<f64>,
    /// Do not standardize inputs (and regression targets).
    #[arg(long)]
    no_standardize: bool,
    /// Keep every bias at its initial value.
    #[arg(long)]
    freeze_bias: bool,
    /// Training precision: f64 (exact) or f32 (faster).
    #[arg(long, value_enum, default_value_t = Precision::F64)]
    precision: Precision,
    /// Threads for the matrix products (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Write one CSV row per epoch to FILE (costs, validation, learning rate, time).
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
    /// Draw the learning curves to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Where an interrupted run saves its state (default: the --out file name + .checkpoint).
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    /// Also save the run's state every N epochs.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    checkpoint_every: Option<usize>,
    /// Continue the run saved in FILE (give the same other options as the interrupted run).
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `mlp train`: on this process alone, or as one process of an MPI job (see
/// [`crate::mpi`]), where process 0 alone prints and writes files.
pub fn run(args: TrainArgs) -> Result<()> {
    let job = Job::start()?;
    if job.is_some() && args.data.data.as_deref().is_some_and(io::is_dash) {
        // mpirun hands standard input to process 0 alone.
        bail!("--data -: on the processes of an MPI job every process reads the data; give a file");
    }
    let writes = job.as_ref().is_none_or(|j| j.rank() == 0);
    if let Some(out) = args.out.as_ref().filter(|_| writes) {
        io::check_output(out)?;
    }
    for path in [&args.history, &args.plot, &args.checkpoint]
        .into_iter()
        .flatten()
        .filter(|_| writes)
    {
        io::check_output(path)?;
    }
    if let Some(p) = &args.plot
        && !(io::ends_with(p, ".svg") || io::ends_with(p, ".png"))
    {
        bail!(
            "--plot {}: the file name must end in .svg or .png",
            p.display()
        );
    }
    check_files(&args)?;
    let threads = threads(&args)?;
    let init_model = args.init_model.as_deref().map(Model::load).transpose()?;
    if let Some(m) = &init_model {
        m.require_single("--init-model")?;
    }
    let job = job.as_ref();
    match args.precision {
        Precision::F32 => train_in::<f32>(&args, threads, init_model.as_ref(), job),
        Precision::F64 => train_in::<f64>(&args, threads, init_model.as_ref(), job),
    }
}

/// The settings of `mlp train` checked as far as they can be without reading a file or
/// starting threads: the options for either task, then the training settings as the library
/// validates them. For the argument fuzz target (`fuzz/fuzz_targets/arg_parser.rs`).
#[allow(dead_code)]
pub fn check_settings(args: &TrainArgs) -> Result<()> {
    let mut args = args.clone();
    if args
        .class_weight
        .as_deref()
        .is_some_and(|p| p.as_os_str() != "balanced")
    {
        args.class_weight = None;
    }
    for task in [Task::Classification, Task::Regression] {
        let options = fit_options(&args, task, args.threads.unwrap_or(1).max(1))?;
        options.train.validate()?;
    }
    Ok(())
}

/// The threads of this run (`--threads`, else all cores, shared among the processes of an MPI
/// job on this machine), set once for rayon's global pool, on which the matrix products run.
fn threads(args: &TrainArgs) -> Result<usize> {
    let threads = args.threads.unwrap_or_else(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        (cores / crate::mpi::local_size()).max(1)
    });
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    Ok(threads)
}

/// The options of this run: the measured defaults for the task (see docs/defaults.md),
/// overridden by whatever the command line gives.
fn fit_options(args: &TrainArgs, task: Task, threads: usize) -> Result<FitOptions> {
    let mut o = FitOptions::defaults_for(task);
    if let Some(Hidden(sizes)) = &args.hidden {
        o.hidden.clone_from(sizes);
    }
    if let Some(b) = args.batch_size
        && b == 0
    {
        bail!("--batch-size must be at least 1");
    }
    o.task = Some(task);
    o.overrides = args.types.overrides();
    o.bins = args.types.bins;
    o.ensemble = args.ensemble;
    o.class_weight = class_weight(args.class_weight.as_deref())?;
    o.sample_weight.clone_from(&args.sample_weight);
    o.label_smoothing = args.label_smoothing.unwrap_or(o.label_smoothing);
    o.activation = args.activation.unwrap_or(o.activation);
    o.output = args.output;
    o.loss = args.loss;
    o.standardize = !args.no_standardize;
    o.train.solver = args.solver.unwrap_or(o.train.solver);
    o.validation_fraction = args.validation_fraction;
    o.init = args
        .init_bound
        .map_or(Init::Glorot, |bound| Init::Uniform { bound });
    let t = &mut o.train;
    t.patience = args.patience.unwrap_or_else(|| t.solver.default_patience());
    t.lambda = args.lambda.unwrap_or(t.lambda);
    t.learning_rate = args.learning_rate;
    t.schedule = args.schedule;
    t.warmup_epochs = args.warmup_epochs.unwrap_or(t.warmup_epochs);
    t.weight_decay = args.weight_decay.unwrap_or(t.weight_decay);
    t.dropout = args.dropout.unwrap_or(t.dropout);
    t.shuffle_buffer = args.shuffle_buffer;
    t.epochs = args.epochs;
    t.batch_size = args.batch_size;
    t.momentum = args.momentum;
    t.nesterov = args.nesterov;
    t.seed = args.seed;
    t.tol = args.tol;
    t.early_stopping = args.early_stopping.map(Switch::is_on);
    t.freeze_bias = args.freeze_bias;
    t.threads = threads;
    t.stop_metric = match args.metric {
        Some(m) => Some(cv::metric_of(Some(m), task)?),
        None => None,
    };
    Ok(o)
}

impl TrainArgs {
    /// The training data, its --sample-weight column set aside (kept, not a feature).
    pub(super) fn table<T: Float>(
        &self,
        init_model: Option<&Model>,
    ) -> Result<mlp::data::Table<T>> {
        let mut columns = self.columns.clone();
        let keep: Vec<String> = self.sample_weight.iter().cloned().collect();
        columns.drop.extend(keep.iter().cloned());
        let how = io::Reading {
            model: init_model,
            text: self.types.categorical.clone(),
            keep,
            ..io::Reading::default()
        };
        let table = io::load::<T>(&self.data, &columns, how)?;
        self.types.check(&table)?;
        if table.targets.is_empty() {
            bail!("no target column: give --target COLUMN");
        }
        Ok(table)
    }
}

/// `--class-weight`: balanced, or a JSON file of {"label": weight, ...}.
fn class_weight(path: Option<&Path>) -> Result<ClassWeight> {
    let Some(path) = path else {
        return Ok(ClassWeight::None);
    };
    if path.as_os_str() == "balanced" {
        return Ok(ClassWeight::Balanced);
    }
    let arg = path.display();
    let text = mlp::data::read_whole(path, &arg.to_string()).map_err(|e| match e {
        mlp::Error::Io { error, .. } => {
            anyhow::anyhow!("--class-weight {arg}: {error} (give balanced or a JSON file)")
        }
        other => other.into(),
    })?;
    let needs = mlp::data::json_parse_needs(&text);
    if let Some(available) = mlp::data::available_memory()?
        && needs > available
    {
        bail!(
            "--class-weight {arg}: the file does not fit in memory: reading it needs more than {} MB, and {} MB are available",
            needs >> 20,
            available >> 20
        );
    }
    let map: std::collections::BTreeMap<String, f64> =
        serde_json::from_slice(&text).map_err(|e| {
            anyhow::anyhow!("--class-weight {arg}: expected a JSON object of class: weight ({e})")
        })?;
    if let Some((k, v)) = map.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
        bail!("--class-weight {arg}: the weight of \"{k}\" must be a number >= 0, got {v}");
    }
    Ok(ClassWeight::Given(map))
}

fn train_in<T: Float>(
    args: &TrainArgs,
    threads: usize,
    init_model: Option<&Model>,
    job: Option<&Job>,
) -> Result<()> {
    // The processes of an MPI job but the first are quiet and write nothing.
    let writes = job.is_none_or(|j| j.rank() == 0);
    let quiet = args.quiet || !writes;
    let table = args.table::<T>(init_model)?;
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
            let (t, why) = mlp::pipeline::infer_task(&table)?;
            if !quiet {
                eprintln!("task: {} ({why}; --task to choose)", t.name());
            }
            t
        }
    };
    let options = &fit_options(args, task, threads)?;
    let solver = options.train.solver;
    if let Some(a) = args.learning_rate.filter(|_| !quiet)
        && solver.is_quasi_newton()
    {
        eprintln!(
            "note: --learning-rate {a} has no effect with {solver}: its line search finds every step"
        );
    }
    let resume = match &args.resume {
        Some(path) => {
            let name = path.display().to_string();
            let bytes = mlp::data::read_whole(path, &name)?;
            Some(TrainState::from_json_bytes(&name, &bytes)?)
        }
        None => None,
    };
    let mut hooks = CliHooks {
        progress: Progress::new(quiet, options.train.epochs),
        interrupted: interrupt_flag()?,
        checkpoint: writes.then(|| checkpoint_path(args)),
        every: args.checkpoint_every,
        peers: job.map(Job::peers),
    };
    let fitted = mlp::fit_with(table, options, init_model, resume, &mut hooks);
    hooks.progress.finish();
    let fitted = fitted?;
    let written = match writes {
        true => write_outputs(args, &fitted, options.train.solver),
        false => Ok(()),
    };
    // The others wait for the first process's files: a process that ends with an error or
    // an interruption (exit 130) ends the whole job.
    if let Some(job) = job {
        job.barrier();
    }
    written?;
    if fitted.report.stop == StopReason::Interrupted {
        if !writes {
            return Err(Exit::Silent(130).into());
        }
        let path = checkpoint_path(args);
        let path = path.display();
        return Err(Exit::Interrupted(format!(
            "interrupted after epoch {}: the run is saved in {path}; continue it with the same options and --resume {path}",
            fitted.report.epochs
        ))
        .into());
    }
    if !quiet {
        columns_summary(&fitted);
        let rows = fitted.train.0.nrows() + fitted.validation.as_ref().map_or(0, |v| v.0.nrows());
        summary(args, &fitted, rows, options.train.solver)?;
    }
    Ok(())
}

/// Writes what the run leaves: the checkpoint of an interrupted run, or the history, the plot
/// and the model of a finished one.
fn write_outputs<T: Float>(args: &TrainArgs, fitted: &Fitted<T>, solver: Solver) -> Result<()> {
    if fitted.report.stop == StopReason::Interrupted {
        if let Some(state) = &fitted.report.state {
            io::write_output(&checkpoint_path(args), state.to_json()?.as_bytes())?;
        }
        return Ok(());
    }
    if let Some(path) = &args.history {
        io::write_output(path, history_csv(&fitted.report.history).as_bytes())?;
    }
    if let Some(path) = &args.plot {
        let title = format!("{} ({solver})", fitted.model.network);
        crate::plot::learning_curves(path, &fitted.report.history, &title)?;
    }
    if let Some(out) = &args.out {
        io::write_output(out, fitted.model.to_json()?.as_bytes())?;
    }
    Ok(())
}

/// Refuses outputs that are inputs of the run, or the same file twice; the checkpoint may be the
/// file the run resumes from.
fn check_files(args: &TrainArgs) -> Result<()> {
    let data = args.data.data.as_deref().unwrap_or(Path::new(""));
    let mut inputs: Vec<&Path> = vec![data];
    inputs.extend(args.init_model.as_deref());
    let mut outputs: Vec<(&str, &Path)> = Vec::new();
    for (flag, path) in [
        ("--out", &args.out),
        ("--history", &args.history),
        ("--plot", &args.plot),
    ] {
        if let Some(p) = path {
            outputs.push((flag, p));
        }
    }
    let mut with_resume = inputs.clone();
    with_resume.extend(args.resume.as_deref());
    io::check_distinct(&outputs, &with_resume)?;
    let checkpoint = checkpoint_path(args);
    outputs.push(("--checkpoint", &checkpoint));
    io::check_distinct(&outputs, &inputs)
}

/// Where an interrupted run is saved: --checkpoint, else beside --out.
fn checkpoint_path(args: &TrainArgs) -> PathBuf {
    match (&args.checkpoint, args.out.as_deref()) {
        (Some(c), _) => c.clone(),
        (None, Some(out)) if !io::is_dash(out) => {
            let mut name = out.as_os_str().to_owned();
            name.push(".checkpoint");
            PathBuf::from(name)
        }
        _ => "mlp-train.checkpoint".into(),
    }
}

/// A flag raised by SIGINT or SIGTERM; a second signal ends the process at once.
fn interrupt_flag() -> Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    crate::own_signals();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag))?;
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    Ok(flag)
}

/// Progress, interruption, periodic checkpoints (none: another process writes them) and the
/// processes of an MPI job during `mlp train`.
struct CliHooks {
    progress: Progress,
    interrupted: Arc<AtomicBool>,
    checkpoint: Option<PathBuf>,
    every: Option<usize>,
    peers: Option<Arc<dyn Peers>>,
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
        match (self.every, &self.checkpoint) {
            (Some(n), Some(path)) if n > 0 && epoch.is_multiple_of(n) => {
                mlp::write_atomic(path, state().to_json()?.as_bytes())
            }
            _ => Ok(()),
        }
    }

    fn peers(&self) -> Option<Arc<dyn Peers>> {
        self.peers.clone()
    }
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
