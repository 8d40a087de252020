//! `mlp predict`: labels or values for the rows of a data file.

use crate::cli::{DataArgs, ModelArg};
use crate::io;
use anyhow::Result;
use clap::Args;
use mlp::Model;
use std::fmt::Write as _;

/// Options of `mlp predict`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp predict --model iris.json --data new.csv --out predictions.csv"
)]
pub struct PredictArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArgs,
    /// Columns to ignore (when the model does not name its features).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    drop: Vec<String>,
    /// Where to write the CSV (default `-`: standard output).
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: String,
}

/// Runs `mlp predict`.
pub fn run(args: PredictArgs) -> Result<()> {
    io::check_output(&args.out)?;
    let model = Model::load(&args.model.model)?;
    let columns = crate::cli::ColumnArgs {
        target: Vec::new(),
        drop: args.drop.clone(),
    };
    // Target columns present in the file are skipped, not required.
    let mut table = io::load::<f64>(
        &args.data,
        &columns,
        model.features.clone(),
        model.targets.as_deref(),
        true,
    )?;
    model.scale_inputs(&mut table.x);
    let out = model.decode_outputs(model.network.predict(table.x.view())?);
    let mut csv = String::new();
    match &model.classes {
        Some(classes) => {
            csv.push_str("prediction");
            for c in classes {
                let _ = write!(csv, ",{}", quote(&format!("p_{c}")));
            }
            csv.push('\n');
            for row in out.rows() {
                csv.push_str(&quote(&classes[mlp::metrics::argmax(row.iter().copied())]));
                for p in row {
                    let _ = write!(csv, ",{p}");
                }
                csv.push('\n');
            }
        }
        None => {
            let k = out.ncols();
            let names: Vec<String> = match &model.targets {
                _ if k == 1 => vec!["prediction".into()],
                Some(t) if t.len() == k => t.iter().map(|t| format!("prediction_{t}")).collect(),
                _ => (1..=k).map(|j| format!("prediction_{j}")).collect(),
            };
            let header: Vec<String> = names.iter().map(|n| quote(n)).collect();
            csv.push_str(&header.join(","));
            csv.push('\n');
            for row in out.rows() {
                let cells: Vec<String> = row.iter().map(f64::to_string).collect();
                csv.push_str(&cells.join(","));
                csv.push('\n');
            }
        }
    }
    io::write_output(&args.out, csv.as_bytes())
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
