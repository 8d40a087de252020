//! `mlp predict`: labels or values for the rows of a data file.

use crate::args::{DataArgs, ModelArg};
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
    /// Input columns to copy into the predictions file, before the predictions
    /// (comma-separated; e.g. an ID to join them back).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    keep: Vec<String>,
    /// Where to write the CSV (default `-`: standard output).
    #[arg(long, value_name = "FILE", default_value = "-")]
    out: std::path::PathBuf,
    /// No notes on standard error.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `mlp predict`.
pub fn run(args: PredictArgs) -> Result<()> {
    io::check_output(&args.out)?;
    let data = args.data.files();
    io::check_distinct(
        &[("--out", &args.out)],
        &io::inputs_of(&args.model.model, &data),
    )?;
    let model = Model::load(&args.model.model)?;
    let columns = crate::args::ColumnArgs {
        target: Vec::new(),
        drop: args.drop.clone(),
    };
    // Target columns present in the file are skipped, not required.
    let how = io::Reading {
        model: Some(&model),
        targets_optional: true,
        keep: args.keep.clone(),
        ..io::Reading::default()
    };
    let mut table = io::load::<f64>(&args.data, &columns, how)?;
    let mut notes = Vec::new();
    if !table.ignored.is_empty() {
        let n = table.ignored.len();
        notes.push(format!(
            "{n} column{} the model does not use: {}",
            if n == 1 { "" } else { "s" },
            shorten(&table.ignored)
        ));
    }
    let encoded = model.inputs(&mut table)?;
    notes.extend(encoded.notes);
    io::print_notes(&notes, args.quiet);
    let out = model.decode_outputs(model.predict(encoded.x.view())?);
    let kept = &table.kept;
    let keep_cells = |i: usize| -> String {
        kept.iter()
            .map(|k| format!("{},", quote(k.values.get(i).map_or("", String::as_str))))
            .collect()
    };
    let keep_header: String = kept
        .iter()
        .map(|k| format!("{},", quote(&k.name)))
        .collect();
    let mut csv = String::new();
    match &model.classes {
        Some(classes) => {
            csv.push_str(&keep_header);
            csv.push_str("prediction");
            for c in classes {
                let _ = write!(csv, ",{}", quote(&format!("p_{c}")));
            }
            csv.push('\n');
            for (i, row) in out.rows().into_iter().enumerate() {
                csv.push_str(&keep_cells(i));
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
            csv.push_str(&keep_header);
            csv.push_str(&header.join(","));
            csv.push('\n');
            for (i, row) in out.rows().into_iter().enumerate() {
                csv.push_str(&keep_cells(i));
                let cells: Vec<String> = row.iter().map(f64::to_string).collect();
                csv.push_str(&cells.join(","));
                csv.push('\n');
            }
        }
    }
    io::write_output(&args.out, csv.as_bytes())
}

/// At most five names, then how many more.
fn shorten(names: &[String]) -> String {
    let mut s = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        let _ = write!(s, " and {} more", names.len() - 5);
    }
    s
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
