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

use super::cv::{fold_scores, folds, labelled_table, lower_is_better, metric_of};
use super::{TrainArgs, fit_options};
use crate::args::Hidden;
use crate::io::{self, num};
use anyhow::{Result, bail};
use clap::Args;
use mlp::{Activation, Float, Solver};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::ops::ControlFlow;

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
    /// json (default) or table.
    #[arg(long, default_value = "json", value_parser = ["json", "table"])]
    format: String,
    #[command(flatten)]
    train: TrainArgs,
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
    if let Some(out) = &t.out {
        io::check_output(out)?;
        let data = t.data.data.as_deref().unwrap_or(std::path::Path::new(""));
        io::check_distinct(&[("--out", out)], &[data])?;
    }
    let threads = super::threads(t)?;
    match t.precision {
        crate::args::Precision::F32 => tune_in::<f32>(&args, threads),
        crate::args::Precision::F64 => tune_in::<f64>(&args, threads),
    }
}

fn tune_in<T: Float>(args: &TuneArgs, threads: usize) -> Result<()> {
    let t = &args.train;
    let (table, task) = labelled_table::<T>(t)?;
    let metric = metric_of(args.train.metric, task)?;
    let (k, fold) = match args.folds {
        0 => (1, folds(&table, task, 5, t.seed)?),
        k => (k, folds(&table, task, k, t.seed)?),
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(t.seed ^ 0x7E57_7E57);
    let mut trials: Vec<(TrainArgs, Value, f64)> = Vec::new();
    for trial in 1..=args.trials {
        let (settings, record) = draw(t, &mut rng);
        let options = fit_options(&settings, task, threads)?;
        let scores = fold_scores(&table, metric, &options, &fold, k.max(1), false)?;
        let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
        if !t.quiet {
            eprintln!("trial {trial}/{}: {mean:.4} {record}", args.trials);
        }
        trials.push((settings, record, mean));
    }
    // The highest score, or the lowest of a loss; the first trial of equal ones.
    let better = |s: f64| if metric.greater_is_better() { s } else { -s };
    let best = (0..trials.len())
        .max_by(|&a, &b| {
            better(trials[a].2)
                .total_cmp(&better(trials[b].2))
                .then(b.cmp(&a))
        })
        .unwrap_or(0);
    if let Some(out) = &t.out {
        // The best settings train on every row.
        let options = fit_options(&trials[best].0, task, threads)?;
        let fitted = mlp::fit(table.clone(), &options, None, |_| ControlFlow::Continue(()))?;
        io::write_output(out, fitted.model.to_json()?.as_bytes())?;
        if !t.quiet && !io::is_dash(out) {
            eprintln!(
                "wrote {} (trial {}, trained on every row)",
                out.display(),
                best + 1
            );
        }
    }
    let how = if args.folds == 0 {
        "one held-out fifth".to_owned()
    } else {
        format!("{}-fold cross-validation", args.folds)
    };
    if args.format == "table" {
        let mut o = String::new();
        writeln!(
            o,
            "{metric} by {how}, {} rows{}",
            table.x.nrows(),
            lower_is_better(metric)
        )?;
        for (i, (_, record, score)) in trials.iter().enumerate() {
            let mark = if i == best { "*" } else { " " };
            writeln!(o, "{mark}{:>3}  {score:.4}  {record}", i + 1)?;
        }
        return io::print(&o);
    }
    let rows: Vec<Value> = trials
        .iter()
        .enumerate()
        .map(|(i, (_, record, score))| json!({"trial": i + 1, "score": num(*score), "settings": record}))
        .collect();
    io::print_json(&json!({
        "task": task.name(),
        "metric": metric.name(),
        "scored_by": how,
        "rows": table.x.nrows(),
        "seed": t.seed,
        "best": {"trial": best + 1, "score": num(trials[best].2), "settings": trials[best].1},
        "trials": rows,
    }))
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
