//! `mlp importance`: permutation importance of each input column on labelled data.

use crate::args::{ColumnArgs, DataArgs, ModelArg};
use crate::io::{self, num};
use anyhow::{Result, bail};
use clap::Args;
use mlp::Model;
use mlp::importance::{ColumnImportance, permutation_importance};
use serde_json::json;
use std::fmt::Write as _;

/// Options of `mlp importance`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp importance --model penguins.json --data holdout.csv --plot importance.svg"
)]
pub struct ImportanceArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    /// How many times each column is shuffled.
    #[arg(long, default_value_t = 5)]
    repeats: usize,
    /// Seed of the shuffles.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// json (default) or table.
    #[arg(long, default_value = "json", value_parser = ["json", "table"])]
    format: String,
    /// Also draw the importances as a bar chart to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<std::path::PathBuf>,
}

/// Runs `mlp importance`.
pub fn run(args: ImportanceArgs) -> Result<()> {
    if let Some(p) = &args.plot {
        if !(io::ends_with(p, ".svg") || io::ends_with(p, ".png")) {
            bail!(
                "--plot {}: the file name must end in .svg or .png",
                p.display()
            );
        }
        io::check_output(p)?;
        let data = args.data.files();
        io::check_distinct(&[("--plot", p)], &io::inputs_of(&args.model.model, &data))?;
    }
    let model = Model::load(&args.model.model)?;
    let prepared = io::prepared(&model, &args.data, &args.columns)?;
    io::print_notes(&prepared.notes, false);
    let (baseline, mut columns) = permutation_importance(
        &model,
        prepared.x.view(),
        prepared.y.view(),
        args.repeats,
        args.seed,
    )?;
    columns.sort_by(|a, b| b.mean.total_cmp(&a.mean).then(a.name.cmp(&b.name)));
    let metric = if model.is_classifier() {
        "accuracy"
    } else {
        "r2"
    };
    if let Some(p) = &args.plot {
        crate::plot::importance(p, &columns, metric)?;
    }
    if args.format == "table" {
        let mut o = String::new();
        writeln!(o, "{metric} on {} rows: {baseline:.4}", prepared.x.nrows())?;
        writeln!(o, "{:<28} {:>12} {:>10}", "column", "importance", "std")?;
        for c in &columns {
            writeln!(o, "{:<28} {:>12.4} {:>10.4}", c.name, c.mean, c.std)?;
        }
        return io::print(&o);
    }
    let rows: Vec<_> = columns
        .iter()
        .map(|c: &ColumnImportance| json!({"column": c.name, "importance": num(c.mean), "std": num(c.std)}))
        .collect();
    io::print_json(&json!({
        "metric": metric,
        "score": num(baseline),
        "examples": prepared.x.nrows(),
        "repeats": args.repeats,
        "seed": args.seed,
        "columns": rows,
    }))
}
