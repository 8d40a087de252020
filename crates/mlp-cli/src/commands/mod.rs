//! One module per command: read the inputs, call the library, print or write the results.

pub mod cost;
pub mod describe;
pub mod evaluate;
pub mod explain;
pub mod gradcheck;
pub mod importance;
pub mod init;
pub mod predict;
pub mod show;
pub mod train;

use crate::cli::{Cli, Command};
use anyhow::Result;
use clap::CommandFactory;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(args) => train::run(*args),
        Command::Predict(args) => predict::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::Cost(args) => cost::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Init(args) => init::run(args),
        Command::Gradcheck(args) => gradcheck::run(args),
        Command::Show(args) => show::run(args),
        Command::Describe(args) => describe::run(args),
        Command::Importance(args) => importance::run(args),
        Command::Cv(args) => train::cv::run(*args),
        Command::Datasets => datasets(),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "mlp", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn datasets() -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<14} {:>5} {:>8}  {:<14} {:<12} about",
        "name", "rows", "features", "task", "target"
    )?;
    for d in crate::datasets::ALL {
        let table = mlp::data::read_csv_from::<f32>(
            d.name,
            d.bytes,
            &mlp::data::Columns {
                targets: vec![d.target.into()],
                ..Default::default()
            },
        )?;
        writeln!(
            out,
            "{:<14} {:>5} {:>8}  {:<14} {:<12} {}",
            d.name,
            table.x.nrows(),
            table.x.ncols(),
            d.task,
            d.target,
            d.about
        )?;
    }
    Ok(())
}

/// Parses `4,5,3` into layer sizes.
pub fn parse_sizes(s: &str) -> Result<Vec<usize>, String> {
    s.split(',')
        .map(|p| match p.trim().parse::<usize>() {
            Ok(0) => Err(format!("layer sizes must be at least 1, got 0 in \"{s}\"")),
            Ok(n) => Ok(n),
            Err(_) => Err(format!("\"{p}\" is not a layer size (expected e.g. 64,32)")),
        })
        .collect()
}
