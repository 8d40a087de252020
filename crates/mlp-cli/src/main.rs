//! `mlp`: a thin command-line program over the `mlp` library.

mod args;
mod cli;
mod commands;
mod datasets;
mod io;
mod mpi;
mod plot;

use clap::{CommandFactory, Parser};
use cli::{Cli, Command};
use std::process::ExitCode;

/// Failures that exit with a code other than 2 (bad usage or bad input).
#[derive(Debug)]
pub enum Exit {
    /// A check failed (exit 1); the text says which.
    CheckFailed(String),
    /// Interrupted by a signal after saving what could be saved (exit 130).
    Interrupted(String),
    /// Exit with this code and print nothing: another process of the job reports.
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

/// The handlers that end the program at the first SIGINT or SIGTERM with exit 130, from its
/// start until a command that saves its state on interruption takes the signals over
/// ([`own_signals`]): while data loads, say, nothing is lost by stopping at once.
static AT_ONCE: std::sync::Mutex<Vec<signal_hook::SigId>> = std::sync::Mutex::new(Vec::new());

fn exit_on_signals() {
    let always = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut ids = AT_ONCE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Ok(id) =
            signal_hook::flag::register_conditional_shutdown(signal, 130, always.clone())
        {
            ids.push(id);
        }
    }
}

/// Removes the handlers of [`exit_on_signals`]: the caller handles SIGINT and SIGTERM now.
pub fn own_signals() {
    let mut ids = AT_ONCE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for id in ids.drain(..) {
        signal_hook::low_level::unregister(id);
    }
}

fn main() -> ExitCode {
    exit_on_signals();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let broken_pipe = err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            });
            if broken_pipe {
                return ExitCode::SUCCESS;
            }
            if let Some(Exit::Silent(code)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            eprintln!("error: {}", one_line(&format!("{err:#}")));
            let code = match err.downcast_ref::<Exit>() {
                Some(Exit::CheckFailed(_)) => 1,
                Some(Exit::Interrupted(_)) => 130,
                Some(Exit::Silent(code)) => *code,
                None => match err.downcast_ref::<mlp::Error>() {
                    Some(mlp::Error::Diverged { .. }) => 1,
                    _ => 2,
                },
            };
            ExitCode::from(code)
        }
    }
}

/// The longest error line printed, in characters.
const MAX_ERROR_CHARS: usize = 1000;

/// A message as one line: line breaks and other control characters escaped (`\n`), and cut
/// to [`MAX_ERROR_CHARS`] characters. Messages quote names and values from files, which may
/// hold anything.
fn one_line(message: &str) -> String {
    let mut out = String::new();
    for (i, c) in message.chars().enumerate() {
        if i == MAX_ERROR_CHARS {
            out.push_str("...");
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Help and version go to standard output as clap writes them; a usage error is one line on
/// standard error (the first of clap's, which names the option and the problem), exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    let text = e.render().to_string();
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error: bad usage");
    match text.lines().find_map(|l| l.trim().strip_prefix("tip: ")) {
        Some(tip) => eprintln!("{first} ({tip})"),
        None => eprintln!("{first}"),
    }
    ExitCode::from(2)
}

/// Runs the parsed command line.
fn run(cli: Cli) -> anyhow::Result<()> {
    use commands::*;
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
        Command::Tune(args) => train::tune::run(*args),
        Command::Export(args) => export::run(args),
        Command::Datasets => datasets(),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "mlp", &mut script);
            io::print(&String::from_utf8_lossy(&script))
        }
    }
}
