//! `mlp evaluate`: scores of a model on labelled data.

use crate::args::{ColumnArgs, DataArgs, ModelArg};
use crate::io;
use anyhow::{Result, bail};
use clap::Args;
use mlp::{Model, metrics};
use serde_json::json;
use std::fmt::Write as _;

/// Options of `mlp evaluate`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  mlp evaluate --model iris.json --dataset iris --format table")]
pub struct EvaluateArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    /// json (default) or table.
    #[arg(long, default_value = "json", value_parser = ["json", "table"])]
    format: String,
}

/// Runs `mlp evaluate`.
pub fn run(args: EvaluateArgs) -> Result<()> {
    let model = Model::load(&args.model.model)?;
    // The targets stay text here: a classifier's labels may hold classes it never saw.
    let (x, table, notes) = io::prepared_inputs(&model, &args.data, &args.columns)?;
    io::print_notes(&notes, false);
    let out = model.decode_outputs(model.predict(x.view())?);
    let report = match &model.classes {
        Some(classes) => {
            let [column] = table.targets.as_slice() else {
                bail!(
                    "a classifier is scored on one label column, {} were given",
                    table.targets.len()
                );
            };
            let (truth, new) = mlp::preprocess::class_indices_or_new(column, classes);
            let (out, classes) = if new.is_empty() {
                (out, classes.clone())
            } else {
                // Labels the model does not know: classes it gives no probability, so their
                // rows count as wrong.
                let rows = truth.iter().filter(|&&k| k >= classes.len()).count();
                eprintln!(
                    "note: {rows} row(s) hold labels the model was not trained on ({}): scored \
                     as wrong",
                    new.iter()
                        .take(3)
                        .map(|l| format!("\"{l}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let mut wider = ndarray::Array2::zeros((out.nrows(), classes.len() + new.len()));
                wider
                    .slice_mut(ndarray::s![.., ..classes.len()])
                    .assign(&out);
                (wider, classes.iter().chain(&new).cloned().collect())
            };
            let s = metrics::classification(&truth, out.view(), &classes);
            if args.format == "table" {
                return classification_table(&s);
            }
            serde_json::to_value(&s)?
        }
        None => {
            let mut m = model.clone();
            m.target_scaling = None;
            let truth: ndarray::Array2<f64> = m.encode_targets(&table.targets, &table.name)?;
            let per = metrics::regression(truth.view(), out.view());
            let names: Vec<String> = table.targets.iter().map(|t| t.name.clone()).collect();
            if args.format == "table" {
                let mut o = String::new();
                writeln!(
                    o,
                    "{:<20} {:>12} {:>14} {:>12} {:>12}",
                    "target", "r2", "mse", "rmse", "mae"
                )?;
                for (n, s) in names.iter().zip(&per) {
                    writeln!(
                        o,
                        "{n:<20} {:>12.6} {:>14.6} {:>12.6} {:>12.6}",
                        s.r2, s.mse, s.rmse, s.mae
                    )?;
                }
                return io::print(&o);
            }
            let mean = |f: fn(&metrics::RegressionScores) -> f64| {
                per.iter().map(f).sum::<f64>() / per.len().max(1) as f64
            };
            let targets: Vec<_> = names
                .iter()
                .zip(&per)
                .map(|(n, s)| json!({"target": n, "r2": s.r2, "mse": s.mse, "rmse": s.rmse, "mae": s.mae}))
                .collect();
            json!({"r2": mean(|s| s.r2), "mse": mean(|s| s.mse), "rmse": mean(|s| s.rmse), "mae": mean(|s| s.mae), "examples": truth.nrows(), "per_target": targets})
        }
    };
    io::print_json(&report)
}

fn classification_table(s: &metrics::ClassificationScores) -> Result<()> {
    let mut o = String::new();
    writeln!(
        o,
        "accuracy {:.4}   log-loss {:.4}   macro F1 {:.4}   examples {}",
        s.accuracy, s.log_loss, s.macro_f1, s.examples
    )?;
    let auc = s
        .roc_auc
        .map_or_else(|| "undefined (one class)".to_owned(), |a| format!("{a:.4}"));
    writeln!(
        o,
        "balanced accuracy {:.4}   ROC AUC {auc}",
        s.balanced_accuracy
    )?;
    writeln!(o)?;
    writeln!(
        o,
        "{:<16} {:>9} {:>9} {:>9} {:>8}",
        "class", "precision", "recall", "f1", "support"
    )?;
    for c in &s.per_class {
        writeln!(
            o,
            "{:<16} {:>9.4} {:>9.4} {:>9.4} {:>8}",
            c.class, c.precision, c.recall, c.f1, c.support
        )?;
    }
    writeln!(o)?;
    writeln!(o, "confusion matrix (rows: true class, columns: predicted)")?;
    for (c, row) in s.per_class.iter().zip(&s.confusion) {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:>6}")).collect();
        writeln!(o, "{:<16} {}", c.class, cells.join(""))?;
    }
    io::print(&o)
}
