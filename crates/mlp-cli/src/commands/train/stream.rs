//! `mlp train --memory SIZE` on data larger than SIZE: the rows streamed from disk for every
//! pass (the library's `pipeline::fit_streamed`), the rest as `mlp train` does it.

use super::report::{columns_summary, summary};
use super::{CliHooks, Progress, TrainArgs, fit_options, interrupt_flag, write_outputs};
use crate::Exit;
use crate::mpi::Job;
use anyhow::{Result, bail};
use mlp::{Float, Model, StopReason, Task};

/// Trains on the data of `args` streamed from disk within `budget` bytes.
pub(super) fn train_streamed<T: Float>(
    args: &TrainArgs,
    threads: usize,
    budget: u64,
    init_model: Option<&Model>,
    job: Option<&Job>,
) -> Result<()> {
    let refused = [
        ("--init-model", init_model.is_some()),
        ("--resume", args.resume.is_some()),
        ("--checkpoint-every", args.checkpoint_every.is_some()),
        ("--sample-weight", args.sample_weight.is_some()),
        ("several MPI processes", job.is_some()),
    ];
    if let Some((what, _)) = refused.iter().find(|(_, given)| *given) {
        bail!(
            "{what}: the data does not fit in --memory {budget} bytes, and training on data \
             streamed from disk starts from new weights on one process and keeps no \
             checkpoint; give --memory enough to hold the data"
        );
    }
    let quiet = args.quiet;
    let (source, columns) = args.reading()?;
    let classification = fit_options(args, Task::Classification, threads)?;
    let regression = fit_options(args, Task::Regression, threads)?;
    let options_for = |task: Task| match task {
        Task::Classification => classification.clone(),
        Task::Regression => regression.clone(),
    };
    let mut hooks = CliHooks {
        progress: Progress::new(quiet, classification.train.epochs, true),
        interrupted: interrupt_flag()?,
        checkpoint: None,
        every: None,
        peers: None,
    };
    let budget = mlp::pipeline::Budget(budget);
    let fitted = mlp::pipeline::fit_streamed::<T>(
        &source,
        &columns,
        args.task,
        &options_for,
        budget,
        &mut hooks,
    );
    hooks.progress.finish();
    let fitted = fitted?;
    let solver = options_for(fitted.task.0).train.solver;
    if !quiet && let Some(why) = &fitted.task.1 {
        eprintln!("task: {} ({why}; --task to choose)", fitted.task.0.name());
    }
    if fitted.report.stop == StopReason::Interrupted {
        return Err(Exit::Interrupted(format!(
            "interrupted after epoch {}: a run on data streamed from disk is not saved; start it again",
            fitted.report.epochs
        ))
        .into());
    }
    write_outputs(args, &fitted, solver)?;
    if !quiet {
        columns_summary(&fitted);
        let n_train = fitted
            .report
            .history
            .first()
            .map_or(0, |s| s.train.examples);
        let rows = n_train + fitted.validation.as_ref().map_or(0, |v| v.0.nrows());
        summary(args, &fitted, rows, solver)?;
    }
    Ok(())
}
