//! `mlp`: a thin command-line program over the `mlp` library.

mod cli;
mod commands;
mod datasets;
mod io;
mod plot;

use clap::Parser;
use std::process::ExitCode;

/// Failures that exit with a code other than 2 (bad usage or bad input).
#[derive(Debug)]
pub enum Exit {
    /// A check failed (exit 1); the text says which.
    CheckFailed(String),
    /// Interrupted by a signal after saving what could be saved (exit 130).
    Interrupted(String),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::CheckFailed(s) | Exit::Interrupted(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Exit {}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            let code = match err.downcast_ref::<Exit>() {
                Some(Exit::CheckFailed(_)) => 1,
                Some(Exit::Interrupted(_)) => 130,
                None => match err.downcast_ref::<mlp::Error>() {
                    Some(mlp::Error::Diverged { .. }) => 1,
                    _ => 2,
                },
            };
            ExitCode::from(code)
        }
    }
}
