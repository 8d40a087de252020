//! `mlp cv`: K-fold cross-validation of `mlp train`'s settings: every fold trains on the other
//! folds, with the same options, and is scored on its own rows.

use super::{TrainArgs, fit_options};
use crate::io::{self, num};
use anyhow::{Result, bail};
use clap::Args;
use mlp::metrics::Metric;
use mlp::pipeline::{FitOptions, folds};
use mlp::{Float, Task};
use serde_json::json;
use std::fmt::Write as _;

/// Options of `mlp cv`: the folds, and any option of `mlp train`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp cv --folds 5 --data penguins.csv --target species --format table"
)]
pub struct CvArgs {
    /// How many folds (at least 2); classification folds keep the classes' shares.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// json (default) or table.
    #[arg(long, default_value = "json", value_parser = ["json", "table"])]
    format: String,
    #[command(flatten)]
    train: TrainArgs,
}

/// Runs `mlp cv`.
pub fn run(args: CvArgs) -> Result<()> {
    let t = &args.train;
    if args.folds < 2 {
        bail!("--folds must be at least 2, got {}", args.folds);
    }
    if t.out.is_some() {
        bail!("--out is an option of mlp train; mlp cv trains one model per fold and keeps none");
    }
    refuse_run_options(t, "cv")?;
    let threads = super::threads(t)?;
    with_labelled(
        t,
        Cv {
            args: &args,
            threads,
        },
    )
}

/// What `mlp cv` and `mlp tune` do with the labelled rows and their task.
pub(super) trait OnLabelled {
    fn run<T: Float>(self, table: mlp::data::Table<T>, task: Task) -> Result<()>;
}

/// Reads the labelled rows of `t`'s data and hands them to `work` in the precision they
/// train in (see [`super::in_precision`]).
pub(super) fn with_labelled(t: &TrainArgs, work: impl OnLabelled) -> Result<()> {
    match t.precision {
        Some(crate::args::Precision::F32) => labelled_in::<f32>(t, work),
        Some(crate::args::Precision::F64) | None => labelled_in::<f64>(t, work),
    }
}

fn labelled_in<T: Float>(t: &TrainArgs, work: impl OnLabelled) -> Result<()> {
    let (table, task) = labelled_table::<T>(t)?;
    super::in_precision(t.precision, table, false, Labelled { work, task })
}

struct Labelled<W> {
    work: W,
    task: Task,
}

impl<W: OnLabelled> super::OnTable for Labelled<W> {
    fn run<T: Float>(self, table: mlp::data::Table<T>) -> Result<()> {
        self.work.run(table, self.task)
    }
}

struct Cv<'a> {
    args: &'a CvArgs,
    threads: usize,
}

impl OnLabelled for Cv<'_> {
    fn run<T: Float>(self, table: mlp::data::Table<T>, task: Task) -> Result<()> {
        cv_table(self.args, self.threads, table, task)
    }
}

fn cv_table<T: Float>(
    args: &CvArgs,
    threads: usize,
    table: mlp::data::Table<T>,
    task: Task,
) -> Result<()> {
    let t = &args.train;
    let metric = metric_of(args.train.metric, task)?;
    let options = fit_options(t, task, threads)?;
    let n = table.x.nrows();
    let fold = folds(&table, task, args.folds, t.seed)?;
    let scores = fold_scores(&table, metric, &options, &fold, args.folds, !t.quiet)?;
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let var = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (scores.len() - 1) as f64;
    if args.format == "table" {
        let mut o = String::new();
        writeln!(
            o,
            "{metric} over {} folds of {n} rows{}",
            args.folds,
            lower_is_better(metric)
        )?;
        for (k, s) in scores.iter().enumerate() {
            writeln!(o, "  fold {:<3} {s:.4}", k + 1)?;
        }
        writeln!(
            o,
            "  mean     {mean:.4} (standard deviation {:.4})",
            var.sqrt()
        )?;
        return io::print(&o);
    }
    io::print_json(&json!({
        "task": task.name(),
        "metric": metric.name(),
        "folds": args.folds,
        "rows": n,
        "seed": t.seed,
        "scores": scores.iter().map(|s| num(*s)).collect::<Vec<_>>(),
        "mean": num(mean),
        "std": num(var.sqrt()),
    }))
}

/// The metric to score by: the one asked for, which must be one of `task`'s, or the task's
/// default (accuracy, r2).
pub(super) fn metric_of(asked: Option<Metric>, task: Task) -> Result<Metric> {
    match asked {
        None => Ok(Metric::default_for(task)),
        Some(m) if m.task() == task => Ok(m),
        Some(m) => {
            let allowed: Vec<&str> = Metric::of(task).map(Metric::name).collect();
            bail!(
                "--metric {m} scores {}; for {} give one of {}",
                m.task().name(),
                task.name(),
                allowed.join(", ")
            )
        }
    }
}

/// " (lower is better)" for the losses and errors, nothing for the others: said beside the
/// metric's name in tables.
pub(super) fn lower_is_better(metric: Metric) -> &'static str {
    if metric.greater_is_better() {
        ""
    } else {
        " (lower is better)"
    }
}

/// Refuses the options of `mlp train` that belong to one run (its files, a warm start), which
/// `mlp cv` and `mlp tune`, training many models, do not take.
pub(super) fn refuse_run_options(t: &TrainArgs, command: &str) -> Result<()> {
    let given = [
        ("--history", t.history.is_some()),
        ("--plot", t.plot.is_some()),
        ("--checkpoint", t.checkpoint.is_some()),
        ("--resume", t.resume.is_some()),
        ("--init-model", t.init_model.is_some()),
        ("--memory", t.memory.is_some()),
    ];
    match given.iter().find(|(_, given)| *given) {
        Some((flag, _)) => bail!("{flag} is an option of mlp train, not of mlp {command}"),
        None => Ok(()),
    }
}

/// The data of `mlp train`'s options, its rows without a target left out, and the task.
pub(super) fn labelled_table<T: Float>(t: &TrainArgs) -> Result<(mlp::data::Table<T>, Task)> {
    let mut table = t.table::<T>(None)?;
    table.retain_labelled()?;
    let task = match t.task {
        Some(task) => task,
        None => mlp::pipeline::infer_task(&table)?.0,
    };
    Ok((table, task))
}

/// The score by `metric` of each of the `k` folds (`fold[i]`: row i's), said on standard error
/// as each fold ends when `verbose`.
pub(super) fn fold_scores<T: Float>(
    table: &mlp::data::Table<T>,
    metric: Metric,
    options: &FitOptions,
    fold: &[usize],
    k: usize,
    verbose: bool,
) -> Result<Vec<f64>> {
    let say = |f: usize, rows: usize, s: f64| {
        if verbose {
            eprintln!("fold {}/{k}: {s:.4} on {rows} rows", f + 1);
        }
    };
    Ok(mlp::pipeline::fold_scores(
        table, metric, options, fold, k, say,
    )?)
}
