//! The command line's parser never panics, whatever the arguments (any bytes, UTF-8 or not):
//! `Cli::try_parse_from` returns the parsed command or a usage error, and the parsed settings
//! of `mlp train` and `mlp init` go through the checks that turn them into the library's
//! settings, without reading or writing a file.
//!
//! The input is the argument vector with its arguments separated by NUL bytes (which no
//! argument can hold). The program's own modules are compiled in from `crates/mlp-cli/src`.
#![no_main]
#![allow(dead_code, unused_imports)]

use libfuzzer_sys::fuzz_target;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

#[path = "../../crates/mlp-cli/src/args.rs"]
mod args;
#[path = "../../crates/mlp-cli/src/cli.rs"]
mod cli;
#[path = "../../crates/mlp-cli/src/commands/mod.rs"]
mod commands;
#[path = "../../crates/mlp-cli/src/datasets.rs"]
mod datasets;
#[path = "../../crates/mlp-cli/src/io.rs"]
mod io;
#[path = "../../crates/mlp-cli/src/mpi.rs"]
mod mpi;
#[path = "../../crates/mlp-cli/src/plot.rs"]
mod plot;

/// What the program's `main.rs` defines for its modules: unused here, where nothing runs.
#[derive(Debug)]
pub enum Exit {
    CheckFailed(String),
    Interrupted(String),
    Silent(u8),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::CheckFailed(s) | Exit::Interrupted(s) => f.write_str(s),
            Exit::Silent(code) => write!(f, "exit {code}"),
        }
    }
}

impl std::error::Error for Exit {}

pub fn own_signals() {}

use clap::Parser;

fuzz_target!(|bytes: &[u8]| {
    static LIMIT: std::sync::Once = std::sync::Once::new();
    // Networks that the settings describe are checked against this much memory.
    LIMIT.call_once(|| unsafe { std::env::set_var("MLP_MAX_MEMORY_MB", "256") });
    let argv: Vec<&OsStr> = std::iter::once(OsStr::new("mlp"))
        .chain(bytes.split(|&b| b == 0).map(OsStr::from_bytes))
        .collect();
    if argv.len() > 64 {
        return;
    }
    match cli::Cli::try_parse_from(argv) {
        Err(e) => {
            // The one line the program prints.
            let _ = e.render().to_string();
        }
        Ok(cli) => match cli.command {
            cli::Command::Train(args) => {
                let _ = commands::train::check_settings(&args);
            }
            cli::Command::Init(args) => {
                let _ = args.network();
            }
            _ => {}
        },
    }
});
