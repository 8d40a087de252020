//! `mlp describe`: the plan for each column of a data file, without training.

use crate::args::{ColumnArgs, DataArgs, TypeArgs};
use crate::io::{self, num};
use anyhow::Result;
use clap::Args;
use mlp::schema::{Encoding, Kind, fit, infer};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Options of `mlp describe`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  mlp describe --data penguins.csv --target species")]
pub struct DescribeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    #[command(flatten)]
    types: TypeArgs,
    /// table (default) or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
}

/// Runs `mlp describe`.
pub fn run(args: DescribeArgs) -> Result<()> {
    let how = io::Reading {
        text: args.types.categorical.clone(),
        targets_optional: false,
        ..io::Reading::default()
    };
    let table = io::load::<f64>(&args.data, &args.columns, how)?;
    args.types.check(&table)?;
    let format = table.format();
    let plan = infer(&table, &format, &args.types.overrides(), true);
    let rows: Vec<usize> = (0..table.x.nrows()).collect();
    let schema = fit(&table, &plan, &format, &rows, args.types.bins);
    let n = table.x.nrows();
    let mut encodings = schema.columns.iter();
    let mut columns = Vec::new();
    for p in &plan {
        let encoding: Option<&Encoding> = match p.kind {
            Kind::LeftOut(_) => None,
            _ => encodings.next().map(|c| &c.encoding),
        };
        let (what, inputs) = match (&p.kind, encoding) {
            (Kind::LeftOut(why), _) => (format!("left out: {why}"), 0),
            (_, Some(e)) => (e.describe(), e.width()),
            (_, None) => (String::new(), 0),
        };
        columns.push(json!({
            "name": p.name,
            "type": p.kind.name(),
            "missing": p.missing,
            "missing_share": num(p.missing as f64 / n.max(1) as f64),
            "distinct": p.distinct,
            "encoding": what,
            "inputs": inputs,
            "note": p.note,
        }));
    }
    let targets: Vec<Value> = table
        .targets
        .iter()
        .map(|t| {
            let missing = t.values.iter().filter(|v| table.is_missing(v)).count();
            json!({"name": t.name, "missing": missing})
        })
        .collect();
    let task = match mlp::pipeline::infer_task(&table) {
        _ if table.targets.is_empty() => None,
        Ok((task, why)) => Some(json!({"task": task.name(), "why": why})),
        Err(e) => return Err(e.into()),
    };
    let report = json!({
        "file": mlp::data::shown_name(&table.name),
        "rows": n,
        "inputs": schema.width(),
        "columns": columns,
        "targets": targets,
        "task": task,
    });
    if args.format == "json" {
        return io::print_json(&report);
    }
    print_table(&report)
}

fn print_table(report: &Value) -> Result<()> {
    let mut out = String::new();
    let rows = report["rows"].as_u64().unwrap_or(0);
    writeln!(
        out,
        "{}: {rows} rows",
        report["file"].as_str().unwrap_or("")
    )?;
    writeln!(
        out,
        "{:<24} {:<12} {:>8} {:>9}  encoding",
        "column", "type", "missing", "distinct"
    )?;
    for c in report["columns"].as_array().into_iter().flatten() {
        let share = c["missing_share"].as_f64().unwrap_or(0.0);
        let missing = if share > 0.0 {
            format!("{:.1}%", 100.0 * share)
        } else {
            "-".into()
        };
        writeln!(
            out,
            "{:<24} {:<12} {:>8} {:>9}  {}",
            c["name"].as_str().unwrap_or(""),
            c["type"].as_str().unwrap_or(""),
            missing,
            c["distinct"].as_u64().unwrap_or(0),
            c["encoding"].as_str().unwrap_or("")
        )?;
        if let Some(note) = c["note"].as_str() {
            writeln!(out, "{:<24} note: {note}", "")?;
        }
    }
    for t in report["targets"].as_array().into_iter().flatten() {
        let missing = t["missing"].as_u64().unwrap_or(0);
        let task = &report["task"];
        write!(
            out,
            "target {}: {} ({})",
            t["name"].as_str().unwrap_or(""),
            task["task"].as_str().unwrap_or("?"),
            task["why"].as_str().unwrap_or("")
        )?;
        if missing > 0 {
            write!(
                out,
                "; {missing} rows with a missing target are left out of training"
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "network inputs: {}", report["inputs"])?;
    io::print(&out)
}
