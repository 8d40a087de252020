//! The options of `mlp train` (shared by `mlp cv` and `mlp tune`) and how they become the
//! library's settings.

use crate::args::{ColumnArgs, DataArgs, Hidden, Precision, Switch, TypeArgs, parse_hidden};
use crate::io;
use anyhow::{Result, bail};
use clap::Args;
use mlp::metrics::Metric;
use mlp::pipeline::{ClassWeight, FitOptions};
use mlp::{Activation, Float, Init, Loss, Model, Schedule, Solver, Task};
use std::path::{Path, PathBuf};

/// Options of `mlp train`.
#[derive(Debug, Clone, Args)]
#[command(after_help = "Examples:\n  \
    mlp train --dataset iris --out iris.json\n  \
    mlp train --data houses.csv --target price --drop id --out houses.json --history h.csv\n  \
    mlp train --dataset mnist_5k --task classification --hidden 25 --activation sigmoid \\\n    \
    --output sigmoid --solver gd --lambda 1 --learning-rate 2 --epochs 400 --seed 0 --out m.json")]
pub struct TrainArgs {
    #[command(flatten)]
    pub(super) data: DataArgs,
    #[command(flatten)]
    pub(super) columns: ColumnArgs,
    #[command(flatten)]
    pub(super) types: TypeArgs,
    /// Where to write the model (`-`: standard output; without it, nothing is written).
    #[arg(long, value_name = "FILE")]
    pub(super) out: Option<PathBuf>,
    /// classification or regression (default: inferred from the targets, and said).
    #[arg(long)]
    pub(super) task: Option<Task>,
    /// Sizes of the hidden layers, e.g. 64,32 (0: no hidden layer) [default: 100].
    #[arg(long, value_name = "SIZES", value_parser = parse_hidden)]
    pub(super) hidden: Option<Hidden>,
    /// Activation of the hidden layers: identity, sigmoid, tanh, relu, elu or selu [default: relu for
    /// classification, tanh for regression].
    #[arg(long)]
    pub(super) activation: Option<Activation>,
    /// Output activation (default: softmax for classification, identity for regression).
    #[arg(long)]
    pub(super) output: Option<Activation>,
    /// Cost (default: the output's canonical one).
    #[arg(long)]
    pub(super) loss: Option<Loss>,
    /// Update rule: gd (the seed's full-batch gradient descent), sgd, adam, lbfgs or cg
    /// [default: lbfgs; for large data sets adam is faster].
    #[arg(long)]
    pub(super) solver: Option<Solver>,
    /// Step size alpha (default: 1 for gd, 0.01 for sgd, 0.001 for adam; lbfgs and cg find
    /// each step by a line search and do not use it).
    #[arg(long, value_name = "ALPHA", allow_negative_numbers = true)]
    pub(super) learning_rate: Option<f64>,
    /// Learning-rate schedule: constant, invscaling, adaptive or cosine (from alpha down to 0
    /// over --epochs along half a cosine).
    #[arg(long, default_value = "constant")]
    pub(super) schedule: Schedule,
    /// Epochs of linear learning-rate warm-up: alpha t / W at epoch t <= W (gd, sgd, adam)
    /// [default: 0].
    #[arg(long, value_name = "W")]
    pub(super) warmup_epochs: Option<usize>,
    /// Memory the data may take, e.g. 200MB, 2GB, 512MiB: data larger than it are streamed
    /// from disk, read again for every pass (one network on complete numeric CSV files; sgd
    /// and adam through --shuffle-buffer), to the model the run in memory writes [default:
    /// held in memory].
    #[arg(long, value_name = "SIZE", value_parser = crate::args::parse_size)]
    pub(super) memory: Option<crate::args::ByteSize>,
    /// Shuffle mini-batches through a buffer of N rows (as a file too large for memory is
    /// shuffled) instead of over all rows [default: all rows].
    #[arg(long, value_name = "N")]
    pub(super) shuffle_buffer: Option<usize>,
    /// Dropout: each hidden unit is dropped with probability P in every training step (gd,
    /// sgd, adam; masks drawn from --seed) [default: 0].
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    pub(super) dropout: Option<f64>,
    /// Decoupled weight decay D (AdamW; gd, sgd, adam): after each step W := W - alpha D W,
    /// biases excluded [default: 0].
    #[arg(long, value_name = "D", allow_negative_numbers = true)]
    pub(super) weight_decay: Option<f64>,
    /// Examples per mini-batch for sgd and adam (default: min(200, rows)).
    #[arg(long, value_name = "N")]
    pub(super) batch_size: Option<usize>,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 200)]
    pub(super) epochs: usize,
    /// Momentum of sgd.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub(super) momentum: f64,
    /// Nesterov's momentum for sgd.
    #[arg(long)]
    pub(super) nesterov: bool,
    /// lambda, the strength of the L2 term lambda/(2m) sum w^2 (biases excluded) [default: 1; a
    /// regression table with text, dates or missing values and fewer than 500 labelled rows
    /// chooses among 1, 3, 10 and 30, with or without early stopping, by 5-fold
    /// cross-validation].
    #[arg(long, allow_negative_numbers = true)]
    pub(super) lambda: Option<f64>,
    /// Seed of the initial weights, the validation split and the shuffles.
    #[arg(long, default_value_t = 0)]
    pub(super) seed: u64,
    /// Share of rows held out for validation and early stopping (0: none, every row trains)
    /// [default: 0.1; 0 for classification of complete numeric tables with lbfgs or cg; a small
    /// regression table with text, dates or missing values chooses 0.1 or 0 with lambda (see
    /// --lambda)].
    #[arg(long, allow_negative_numbers = true)]
    pub(super) validation_fraction: Option<f64>,
    /// Early stopping on the validation loss: on or off (default: on, but off for gd, which
    /// runs exactly --epochs steps as the seed writes it).
    #[arg(long, value_name = "on|off")]
    pub(super) early_stopping: Option<Switch>,
    /// Epochs without improvement before early stopping [default: 10, 50 for lbfgs and cg].
    #[arg(long)]
    pub(super) patience: Option<usize>,
    /// The improvement of the monitored loss that counts.
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub(super) tol: f64,
    /// Start from this model's weights and preprocessing (warm start).
    #[arg(long, value_name = "FILE")]
    pub(super) init_model: Option<PathBuf>,
    /// Draw initial weights from [-B, B] instead of Glorot's per-layer bound.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub(super) init_bound: Option<f64>,
    /// Train K networks (seeds S, S+1, ...; each with its own validation rows) and average
    /// their outputs; the model file holds all of them [default: 5 for tables with text,
    /// dates or missing values, else 1].
    #[arg(long, value_name = "K")]
    pub(super) ensemble: Option<usize>,
    /// Weigh the classes in the cost: balanced (n / (K n_c)) or a JSON file of
    /// {"label": weight, ...} (classification).
    #[arg(long, value_name = "balanced|FILE")]
    pub(super) class_weight: Option<PathBuf>,
    /// Weigh each row in the cost by the number in this column, which is then not a feature
    /// (classification).
    #[arg(long, value_name = "COLUMN")]
    pub(super) sample_weight: Option<String>,
    /// What early stopping watches on the validation rows, and what mlp cv and mlp tune
    /// score: for classification accuracy, balanced_accuracy, log_loss, roc_auc or f1 (macro);
    /// for regression r2, rmse, mae or mse [default: early stopping watches the validation
    /// loss; cv and tune score accuracy or r2].
    #[arg(long, value_name = "NAME")]
    pub(super) metric: Option<Metric>,
    /// Label smoothing (classification): train towards (1 - E) y + E / K instead of the
    /// one-hot labels y of K classes [default: 0].
    #[arg(long, value_name = "E")]
    pub(super) label_smoothing: Option<f64>,
    /// Do not standardize inputs (and regression targets).
    #[arg(long)]
    pub(super) no_standardize: bool,
    /// Keep every bias at its initial value.
    #[arg(long)]
    pub(super) freeze_bias: bool,
    /// Training precision: f64 (exact) or f32 (faster) [default: f32 for tables with text,
    /// dates or missing values, else f64].
    #[arg(long, value_enum)]
    pub(super) precision: Option<Precision>,
    /// Threads for the matrix products (default: all cores).
    #[arg(long, value_name = "N")]
    pub(super) threads: Option<usize>,
    /// Write one CSV row per epoch to FILE (costs, validation, learning rate, time).
    #[arg(long, value_name = "FILE")]
    pub(super) history: Option<PathBuf>,
    /// Draw the learning curves to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub(super) plot: Option<PathBuf>,
    /// Where an interrupted run saves its state (default: the --out file name + .checkpoint).
    #[arg(long, value_name = "FILE")]
    pub(super) checkpoint: Option<PathBuf>,
    /// Also save the run's state every N epochs.
    #[arg(long, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub(super) checkpoint_every: Option<usize>,
    /// Continue the run saved in FILE (give the same other options as the interrupted run).
    #[arg(long, value_name = "FILE")]
    pub(super) resume: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long, short)]
    pub(super) quiet: bool,
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
pub(super) fn threads(args: &TrainArgs) -> Result<usize> {
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
pub(super) fn fit_options(args: &TrainArgs, task: Task, threads: usize) -> Result<FitOptions> {
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
    if let Some(lambda) = args.lambda {
        t.lambda = lambda;
        o.lambda_grid.clear();
    }
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
        Some(m) => Some(super::cv::metric_of(Some(m), task)?),
        None => None,
    };
    Ok(o)
}

impl TrainArgs {
    /// The source and reading options of the training data, as [`TrainArgs::table`] reads it.
    pub(super) fn reading(&self) -> Result<(mlp::data::Source, mlp::data::Columns)> {
        let how = io::Reading {
            text: self.types.categorical.clone(),
            ..io::Reading::default()
        };
        io::reading(&self.data, &self.columns, how)
    }

    /// The --memory budget, when the data files look larger than it: an estimate from their
    /// sizes of the matrix the data makes in memory (values of `bytes` bytes, each written with
    /// at least two characters; gzip-compressed files counted at 5 times their size).
    pub(super) fn streaming(&self, bytes: usize) -> Option<u64> {
        let budget = self.memory?.0;
        if self.data.dataset.is_some() || self.data.is_stdin() {
            return None;
        }
        let text: u64 = self
            .data
            .files()
            .iter()
            .map(|p| {
                let size = std::fs::metadata(p).map_or(0, |m| m.len());
                let gzip = io::ends_with(p, ".gz");
                size.saturating_mul(if gzip { 5 } else { 1 })
            })
            .sum();
        let needs = text.saturating_mul(bytes as u64) / 2;
        (needs > budget).then_some(budget)
    }

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
