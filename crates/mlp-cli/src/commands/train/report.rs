//! What `mlp train` tells: the plan of the columns, the summary of the run, the history file.

use super::TrainArgs;
use crate::io;
use anyhow::Result;
use mlp::pipeline::{Fitted, score};
use mlp::{EpochStats, Float, Solver, Task};
use std::fmt::Write as _;

/// The plan of the columns in one line, and a note per column left out or read with care;
/// nothing for a table whose columns are all complete numbers used as they are.
pub(super) fn columns_summary<T>(f: &Fitted<T>) {
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

/// The history file: one row per epoch, then per layer l (the seed's numbering) the gradient
/// norm, the update ratio, and the share of saturated (sigmoid/tanh) or dead (relu) units.
pub(super) fn history_csv(history: &[EpochStats]) -> String {
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

pub(super) fn summary<T: Float>(
    args: &TrainArgs,
    f: &Fitted<T>,
    rows: usize,
    solver: Solver,
) -> Result<()> {
    let task = &f.task.0;
    let net = f.model.network.cast::<T>();
    let r = &f.report;
    let held = f.validation.as_ref().map_or(0, |v| v.0.nrows());
    let members = f.model.members();
    eprintln!(
        "trained {}{net} with {} on {} rows{}",
        if members > 1 {
            format!("an ensemble of {members} networks ")
        } else {
            String::new()
        },
        solver,
        rows - held,
        if held > 0 {
            format!(" ({held} held out for validation)")
        } else {
            String::new()
        }
    );
    if members > 1 {
        eprintln!("  (the lines below are the first network's; each held out its own rows)");
    }
    if let Some(b) = args
        .batch_size
        .filter(|&b| b > rows - held && !solver.full_batch())
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
    let mut line = format!(
        "{} epochs in {:.2} s: {}",
        r.epochs,
        r.elapsed.as_secs_f64(),
        r.stop.describe()
    );
    if f.train.0.nrows() > 0 {
        let train_score = score(&net, f.train.0.view(), f.train.1.view(), *task)?;
        let _ = write!(line, "; train {metric} {train_score:.4}");
    } else if let Some(last) = r.history.last() {
        // Rows streamed from disk are not kept to be scored.
        let _ = write!(line, "; training cost J {:.6}", last.train.total());
    }
    if let Some((xv, yv)) = &f.validation {
        let v = score(&net, xv.view(), yv.view(), *task)?;
        let _ = write!(line, ", validation {metric} {v:.4}");
    }
    if let Some((epoch, loss)) = r.best_validation {
        let _ = write!(line, " (best validation loss {loss:.6} at epoch {epoch})");
    }
    eprintln!("{line}");
    if f.validation.is_none() {
        eprintln!(
            "no rows were held out, so the train {metric} says nothing about new data: \
             --validation-fraction 0.2 holds some out, mlp cv --folds 5 scores every row"
        );
    }
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
        Some(out) if crate::io::is_dash(out) => {}
        Some(out) => eprintln!("wrote {}", out.display()),
    }
    Ok(())
}
