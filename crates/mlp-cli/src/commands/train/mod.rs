//! `mlp train`: read data, build and train a network, write the model.

use crate::Exit;
use crate::args::Precision;
use crate::io;
use crate::mpi::Job;
use anyhow::{Result, bail};
use mlp::data::Table;
use mlp::pipeline::Recipe;
use mlp::{EpochStats, Fitted, Float, Hooks, Model, Peers, Solver, StopReason, Task, TrainState};
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub mod cv;
mod options;
mod report;
mod stream;
pub mod tune;

pub use options::TrainArgs;
#[allow(unused_imports)]
pub use options::check_settings;
use options::{fit_options, threads};

use report::{columns_summary, history_csv, summary};

/// Runs `mlp train`: on this process alone, or as one process of an MPI job (see
/// [`crate::mpi`]), where process 0 alone prints and writes files.
pub fn run(args: TrainArgs) -> Result<()> {
    let job = Job::start()?;
    if job.is_some() && args.data.is_stdin() {
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
        Some(Precision::F32) => train_in::<f32>(&args, threads, init_model.as_ref(), job),
        Some(Precision::F64) | None => train_in::<f64>(&args, threads, init_model.as_ref(), job),
    }
}

/// Reads the data in precision `T` and trains; with no `--precision`, a table that
/// [`mlp::pipeline::Recipe::single_precision`] names trains in f32.
fn train_in<T: Float>(
    args: &TrainArgs,
    threads: usize,
    init_model: Option<&Model>,
    job: Option<&Job>,
) -> Result<()> {
    if let Some(budget) = args.streaming(std::mem::size_of::<T>()) {
        return stream::train_streamed::<T>(args, threads, budget, init_model, job);
    }
    let reading = std::time::Instant::now();
    let table = args.table::<T>(init_model)?;
    let read = format!(
        "read {} rows of {} in {:.2} s",
        table.x.nrows(),
        table.name,
        reading.elapsed().as_secs_f64()
    );
    let warm_start = init_model.is_some();
    let run = TrainTable {
        args,
        read: &read,
        threads,
        init_model,
        job,
    };
    in_precision(args.precision, table, warm_start, run)
}

/// What a command does with its table, in the precision the table is in.
pub(super) trait OnTable {
    fn run<T: Float>(self, table: Table<T>) -> Result<()>;
}

/// Runs `work` on `table` (read in precision `T`): converted to f32 when `given` is no
/// `--precision` and [`Recipe::single_precision`] trains such a table in single precision
/// (unless a number lies beyond f32's range), else as it is.
pub(super) fn in_precision<T: Float>(
    given: Option<Precision>,
    table: Table<T>,
    warm_start: bool,
    work: impl OnTable,
) -> Result<()> {
    if given.is_none() && Recipe::single_precision(&table, warm_start) {
        match table.into_precision::<f32>() {
            Ok(table) => work.run(table),
            Err(table) => work.run(table),
        }
    } else {
        work.run(table)
    }
}

struct TrainTable<'a> {
    args: &'a TrainArgs,
    read: &'a str,
    threads: usize,
    init_model: Option<&'a Model>,
    job: Option<&'a Job>,
}

impl OnTable for TrainTable<'_> {
    fn run<T: Float>(self, table: Table<T>) -> Result<()> {
        train_table(
            self.args,
            table,
            self.read,
            self.threads,
            self.init_model,
            self.job,
        )
    }
}

fn train_table<T: Float>(
    args: &TrainArgs,
    table: Table<T>,
    read: &str,
    threads: usize,
    init_model: Option<&Model>,
    job: Option<&Job>,
) -> Result<()> {
    // The processes of an MPI job but the first are quiet and write nothing.
    let writes = job.is_none_or(|j| j.rank() == 0);
    let quiet = args.quiet || !writes;
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
    if !quiet {
        eprintln!("{read}");
    }
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
        progress: Progress::new(quiet, options.train.epochs, false),
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
        if fitted.report.state.is_none() {
            // Interrupted while the other members of an ensemble trained: the first network's
            // state cannot continue them (see `mlp::fit_with`), so no checkpoint was written.
            return Err(Exit::Interrupted(
                "interrupted while the ensemble's other networks trained: nothing was saved (an ensemble cannot be resumed; run it again)"
                    .to_string(),
            )
            .into());
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
    let data = args.data.files();
    let mut inputs: Vec<&Path> = data.iter().map(PathBuf::as_path).collect();
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

/// A progress bar on a terminal, and whether the rows are read from disk for every pass;
/// nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>, bool);

impl Progress {
    fn new(quiet: bool, epochs: usize, streamed: bool) -> Self {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None, streamed);
        }
        let bar = indicatif::ProgressBar::new(epochs as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:30} epoch {pos}/{len} {msg} [{elapsed_precise}, eta {eta}]",
        ) {
            bar.set_style(style);
        }
        Progress(Some(bar), streamed)
    }

    fn update(&mut self, s: &EpochStats) {
        if let Some(bar) = &self.0 {
            bar.set_position(s.epoch as u64);
            let mut msg = format!("loss {:.5}", s.train.total());
            if let Some(v) = s.validation {
                let _ = write!(msg, " val {v:.5}");
            }
            if self.1 {
                let _ = write!(msg, ", {} rows read from disk per pass", s.train.examples);
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
