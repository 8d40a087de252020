//! `mlp tune`: a random search over `mlp train`'s settings, each trial scored on rows it did
//! not train on; the best settings can then train the model on every row.
//!
//! The space (only the options the command line leaves open are searched):
//! - `--hidden`: 64 | 100 | 256 | 128,64 | 256,128
//! - `--activation`: relu | tanh
//! - `--lambda`: log-uniform in [0.001, 10]
//! - `--solver`: lbfgs | adam, and for adam `--learning-rate` log-uniform in [0.0003, 0.003]
//!
//! Trials are drawn from `--seed`; each is scored by `--metric` (accuracy or r2 by default)
//! with K-fold cross-validation (`--folds K`, at least 2) or, by default, on one held-out fifth
//! of the rows (stratified for classification). The best trial has the highest score, or the
//! lowest for a loss or error (log_loss, rmse, mae, mse); the first of equal ones.
//!
//! `--search halving` is successive halving (Jamieson & Talwalkar, 2016) with a factor of 3:
//! every trial first trains for a ninth of `--epochs`, the best third of them for a third,
//! the best third of those for all of it (fewer rungs below 9 trials); the best trial is the
//! best of the last rung. `--time-limit` starts no trial once the time is up. `--log FILE`
//! keeps every finished trial (rewritten whole after each one); a search run again with the
//! same log and settings takes the trials it finds there instead of training them again, so
//! an interrupted search continues where it stopped.

use super::cv::{OnLabelled, fold_scores, lower_is_better, metric_of, with_labelled};
use super::{TrainArgs, fit_options};
use crate::args::Hidden;
use crate::io::{self, num};
use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use mlp::pipeline::folds;
use mlp::{Activation, Float, Solver};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a log of `mlp tune` says it is.
const LOG_FORMAT: &str = "mlp-tune-log";

/// Successive halving keeps the best 1/HALVING of a rung's trials for the next rung, which
/// trains HALVING times as many epochs.
const HALVING: usize = 3;

/// How the trials are chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Search {
    /// Every trial trains for `--epochs`.
    Random,
    /// Successive halving: short runs of every trial, longer ones of the best.
    Halving,
}

/// The hidden layers a trial may have.
const HIDDEN: [&[usize]; 5] = [&[64], &[100], &[256], &[128, 64], &[256, 128]];

/// Options of `mlp tune`: the budget, how trials are scored, and any option of `mlp train`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp tune --trials 20 --data penguins.csv --target species --out best.json"
)]
pub struct TuneArgs {
    /// How many settings to try.
    #[arg(long, default_value_t = 20)]
    trials: usize,
    /// Score each trial by K-fold cross-validation (0: on one held-out fifth of the rows).
    #[arg(long, default_value_t = 0)]
    folds: usize,
    /// random (every trial trains for --epochs) or halving (successive halving: a ninth of the
    /// epochs for every trial, a third for the best third, all of them for the best ninth).
    #[arg(long, value_enum, default_value = "random")]
    search: Search,
    /// Start no new trial after this many seconds (the trials already run still count).
    #[arg(long, value_name = "SECONDS")]
    time_limit: Option<f64>,
    /// Keep every finished trial in this file; run again with it, a search takes the trials
    /// it finds there instead of training them again.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// json (default) or table.
    #[arg(long, default_value = "json", value_parser = ["json", "table"])]
    format: String,
    #[command(flatten)]
    train: TrainArgs,
}

/// One finished trial: which drawn settings, at which rung and epochs, and its score.
#[derive(Clone, Debug)]
struct Trial {
    trial: usize,
    rung: usize,
    epochs: usize,
    record: Value,
    score: f64,
}

/// Runs `mlp tune`.
pub fn run(args: TuneArgs) -> Result<()> {
    let t = &args.train;
    if args.trials == 0 {
        bail!("--trials must be at least 1");
    }
    if args.folds == 1 {
        bail!("--folds must be at least 2 (or 0: one held-out fifth)");
    }
    super::cv::refuse_run_options(t, "tune")?;
    if let Some(limit) = args.time_limit
        && !(limit.is_finite() && limit > 0.0)
    {
        bail!("--time-limit must be a positive number of seconds, got {limit}");
    }
    let data = t.data.files();
    let data: Vec<&Path> = data.iter().map(PathBuf::as_path).collect();
    if let Some(out) = &t.out {
        io::check_output(out)?;
        io::check_distinct(&[("--out", out)], &data)?;
    }
    if let Some(log) = &args.log {
        if io::is_dash(log) {
            bail!("--log takes a file, not standard output");
        }
        io::check_output(log)?;
        let mut outputs = vec![("--log", log.as_path())];
        outputs.extend(t.out.as_deref().map(|o| ("--out", o)));
        io::check_distinct(&outputs, &data)?;
    }
    let threads = super::threads(t)?;
    with_labelled(
        t,
        Tune {
            args: &args,
            threads,
        },
    )
}

struct Tune<'a> {
    args: &'a TuneArgs,
    threads: usize,
}

impl OnLabelled for Tune<'_> {
    fn run<T: Float>(self, table: mlp::data::Table<T>, task: mlp::Task) -> Result<()> {
        tune_table(self.args, self.threads, table, task)
    }
}

/// The rungs of a search of `trials` trials: 1 for a random search; for successive halving
/// one more for every factor of [`HALVING`] in the trials, at most 3.
fn rungs(search: Search, trials: usize) -> usize {
    match search {
        Search::Random => 1,
        Search::Halving => match trials {
            0..HALVING => 1,
            t if t < HALVING * HALVING => 2,
            _ => 3,
        },
    }
}

fn tune_table<T: Float>(
    args: &TuneArgs,
    threads: usize,
    table: mlp::data::Table<T>,
    task: mlp::Task,
) -> Result<()> {
    let t = &args.train;
    let metric = metric_of(args.train.metric, task)?;
    let (k, fold) = match args.folds {
        0 => (1, folds(&table, task, 5, t.seed)?),
        k => (k, folds(&table, task, k, t.seed)?),
    };
    let how = if args.folds == 0 {
        "one held-out fifth".to_owned()
    } else {
        format!("{}-fold cross-validation", args.folds)
    };
    // The options every trial shares (the searched ones are drawn on top of them), without
    // the threads, which change no result.
    let mut base = fit_options(t, task, 1)?;
    base.train.seed = t.seed;
    let header = json!({
        "format": LOG_FORMAT,
        "options": format!("{base:?}"),
        "version": 1,
        "task": task.name(),
        "metric": metric.name(),
        "scored_by": how,
        "search": format!("{:?}", args.search).to_lowercase(),
        "rows": table.x.nrows(),
        "seed": t.seed,
    });
    let earlier = match &args.log {
        Some(log) => read_log(log, &header)?,
        None => Vec::new(),
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(t.seed ^ 0x7E57_7E57);
    let drawn: Vec<(TrainArgs, Value)> = (0..args.trials).map(|_| draw(t, &mut rng)).collect();
    let better = |s: f64| if metric.greater_is_better() { s } else { -s };
    let rungs = rungs(args.search, args.trials);
    let start = Instant::now();
    let limit = args.time_limit.map(Duration::from_secs_f64);
    let mut done: Vec<Trial> = Vec::new();
    let mut alive: Vec<usize> = (0..args.trials).collect();
    let mut out_of_time = false;
    'rungs: for rung in 0..rungs {
        // A ninth, a third, then all of the epochs.
        let epochs = (t.epochs / HALVING.pow((rungs - 1 - rung) as u32)).max(1);
        for &i in &alive {
            if limit.is_some_and(|l| start.elapsed() >= l) && !done.is_empty() {
                out_of_time = true;
                break 'rungs;
            }
            let (settings, record) = &drawn[i];
            let again = earlier.iter().find(|e| {
                e.trial == i + 1 && e.rung == rung && e.epochs == epochs && e.record == *record
            });
            let score = match again {
                Some(e) => e.score,
                None => {
                    let mut settings = settings.clone();
                    settings.epochs = epochs;
                    let options = fit_options(&settings, task, threads)?;
                    let scores = fold_scores(&table, metric, &options, &fold, k.max(1), false)?;
                    scores.iter().sum::<f64>() / scores.len().max(1) as f64
                }
            };
            if !t.quiet {
                let rung_note = match rungs {
                    1 => String::new(),
                    _ => format!(" (rung {}, {epochs} epochs)", rung + 1),
                };
                let from_log = if again.is_some() {
                    " (from the log)"
                } else {
                    ""
                };
                eprintln!(
                    "trial {}/{}: {score:.4} {record}{rung_note}{from_log}",
                    i + 1,
                    args.trials
                );
            }
            done.push(Trial {
                trial: i + 1,
                rung,
                epochs,
                record: record.clone(),
                score,
            });
            if let Some(log) = &args.log {
                write_log(log, &header, &done)?;
            }
        }
        // The best third goes on; the first of equal ones.
        let mut ranked: Vec<&Trial> = done.iter().filter(|d| d.rung == rung).collect();
        ranked.sort_by(|a, b| {
            better(b.score)
                .total_cmp(&better(a.score))
                .then(a.trial.cmp(&b.trial))
        });
        alive = ranked
            .iter()
            .take(ranked.len().div_ceil(HALVING))
            .map(|d| d.trial - 1)
            .collect();
        alive.sort_unstable();
    }
    // The best of the last rung reached: the highest score (lowest loss), the first of equal ones.
    let last = done.iter().map(|d| d.rung).max().unwrap_or(0);
    let best = done
        .iter()
        .filter(|d| d.rung == last)
        .min_by(|a, b| {
            better(b.score)
                .total_cmp(&better(a.score))
                .then(a.trial.cmp(&b.trial))
        })
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("no trial ran"))?;
    if let Some(out) = &t.out {
        // The best settings train on every row, for all the epochs.
        let options = fit_options(&drawn[best.trial - 1].0, task, threads)?;
        let fitted = mlp::fit(table.clone(), &options, None, |_| ControlFlow::Continue(()))?;
        io::write_output(out, fitted.model.to_json()?.as_bytes())?;
        if !t.quiet && !io::is_dash(out) {
            eprintln!(
                "wrote {} (trial {}, trained on every row)",
                out.display(),
                best.trial
            );
        }
    }
    if out_of_time && !t.quiet {
        eprintln!(
            "time limit: {} trial runs of {} done",
            done.len(),
            args.trials
        );
    }
    if args.format == "table" {
        let mut o = String::new();
        writeln!(
            o,
            "{metric} by {how}, {} rows{}",
            table.x.nrows(),
            lower_is_better(metric)
        )?;
        for d in &done {
            let mark = if d.trial == best.trial && d.rung == best.rung {
                "*"
            } else {
                " "
            };
            let rung = match rungs {
                1 => String::new(),
                _ => format!("  rung {} ({} epochs)", d.rung + 1, d.epochs),
            };
            writeln!(
                o,
                "{mark}{:>3}  {:.4}  {}{rung}",
                d.trial, d.score, d.record
            )?;
        }
        return io::print(&o);
    }
    let mut report = header;
    if let Some(h) = report.as_object_mut() {
        h.remove("format");
        h.remove("version");
        h.remove("options");
        if args.search == Search::Random {
            h.remove("search");
        }
        h.insert("best".into(), trial_json(&best, rungs));
        h.insert(
            "trials".into(),
            done.iter()
                .map(|d| trial_json(d, rungs))
                .collect::<Vec<_>>()
                .into(),
        );
        h.insert("complete".into(), (!out_of_time).into());
    }
    io::print_json(&report)
}

/// A trial as the report and the log show it (rung and epochs only for successive halving).
fn trial_json(d: &Trial, rungs: usize) -> Value {
    let mut v = json!({"trial": d.trial, "score": num(d.score), "settings": d.record});
    if rungs > 1
        && let Some(o) = v.as_object_mut()
    {
        o.insert("rung".into(), (d.rung + 1).into());
        o.insert("epochs".into(), d.epochs.into());
    }
    v
}

/// Writes the log: the search's header and every finished trial (rung and epochs always).
fn write_log(path: &Path, header: &Value, done: &[Trial]) -> Result<()> {
    let mut log = header.clone();
    if let Some(o) = log.as_object_mut() {
        let trials: Vec<Value> = done
            .iter()
            .map(|d| {
                json!({"trial": d.trial, "rung": d.rung + 1, "epochs": d.epochs,
                       "score": num(d.score), "settings": d.record})
            })
            .collect();
        o.insert("trials".into(), trials.into());
    }
    let text = serde_json::to_string_pretty(&log)?;
    Ok(mlp::write_atomic(path, format!("{text}\n").as_bytes())?)
}

/// The trials of an earlier run's log at `path` (none when there is no such file), which must
/// be of the same search: same header.
fn read_log(path: &Path, header: &Value) -> Result<Vec<Trial>> {
    let name = path.display().to_string();
    let text = match mlp::data::read_whole(path, &name) {
        Ok(text) => text,
        Err(mlp::Error::Io { error, .. }) if error.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    let log: Value = serde_json::from_slice(&text)
        .map_err(|e| anyhow::anyhow!("{name}: not a log of mlp tune ({e})"))?;
    let Some(fields) = header.as_object() else {
        return Ok(Vec::new());
    };
    for (key, want) in fields {
        if log.get(key) != Some(want) {
            bail!(
                "{name} is the log of another search ({key}: {} there, {want} here); give \
                 another --log",
                log.get(key).map_or("none".to_owned(), Value::to_string)
            );
        }
    }
    let trials = log["trials"].as_array().cloned().unwrap_or_default();
    trials
        .iter()
        .map(|v| {
            let field = |k: &str| {
                v[k].as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| anyhow::anyhow!("{name}: a trial without a valid \"{k}\""))
            };
            Ok(Trial {
                trial: field("trial")?,
                rung: field("rung")?.saturating_sub(1),
                epochs: field("epochs")?,
                record: v["settings"].clone(),
                score: v["score"]
                    .as_f64()
                    .ok_or_else(|| anyhow::anyhow!("{name}: a trial without a score"))?,
            })
        })
        .collect()
}

/// One trial's settings: `base` with the options it leaves open drawn from the space, and the
/// record of what was drawn.
fn draw(base: &TrainArgs, rng: &mut impl Rng) -> (TrainArgs, Value) {
    let mut s = base.clone();
    if s.hidden.is_none() {
        s.hidden = Some(Hidden(HIDDEN[rng.random_range(0..HIDDEN.len())].to_vec()));
    }
    if s.activation.is_none() {
        s.activation = Some([Activation::Relu, Activation::Tanh][rng.random_range(0..2)]);
    }
    if s.lambda.is_none() {
        s.lambda = Some(10f64.powf(rng.random_range(-3.0..1.0)));
    }
    if s.solver.is_none() {
        s.solver = Some([Solver::Lbfgs, Solver::Adam][rng.random_range(0..2)]);
    }
    if s.solver == Some(Solver::Adam) && s.learning_rate.is_none() {
        s.learning_rate = Some(10f64.powf(rng.random_range(-3.5..-2.5)));
    }
    let hidden = s.hidden.as_ref().map_or(Vec::new(), |h| h.0.clone());
    let record = json!({
        "hidden": hidden.iter().map(usize::to_string).collect::<Vec<_>>().join(","),
        "activation": s.activation.map(|a| a.to_string()),
        "lambda": s.lambda,
        "solver": s.solver.map(|v| v.to_string()),
        "learning_rate": s.learning_rate,
    });
    (s, record)
}
