//! The record of how a model was trained, written into its file.

use super::{ClassWeight, FitOptions};
use crate::model::{Training, TrainingRecord};
use crate::preprocess::Task;
use crate::train::{Solver, TrainReport};

/// The training record of a run with `options`, `ensemble` networks, `n_train` training and
/// `n_val` validation rows.
pub(super) fn record(
    options: &FitOptions,
    ensemble: usize,
    task: Task,
    report: &TrainReport,
    n_train: usize,
    n_val: usize,
    standardized: bool,
) -> Training {
    let t = &options.train;
    Training::Record(Box::new(TrainingRecord {
        batch_size: if t.solver.full_batch() {
            n_train
        } else {
            t.batch_size.unwrap_or(200).min(n_train)
        },
        best_validation_loss: report.best_validation.map(|b| b.1),
        ensemble: (ensemble > 1).then_some(ensemble),
        weights: describe_weights(options),
        epochs: report.epochs,
        final_cost: report.history.last().map(|s| s.train.total()),
        lambda: t.lambda,
        learning_rate: t.alpha(),
        max_epochs: t.epochs,
        momentum: (t.solver == Solver::Sgd).then_some(t.momentum),
        schedule: t.schedule,
        seed: t.seed,
        solver: t.solver,
        standardize: standardized,
        stopped: report.stop.describe().to_owned(),
        task,
        training_rows: n_train,
        validation_rows: n_val,
    }))
}

/// How a run's examples were weighted, in words, for the training record.
fn describe_weights(options: &FitOptions) -> Option<String> {
    let class = match &options.class_weight {
        ClassWeight::None => None,
        ClassWeight::Balanced => Some("classes balanced".to_owned()),
        ClassWeight::Given(map) => Some(format!(
            "classes {}",
            map.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    };
    let sample = options
        .sample_weight
        .as_ref()
        .map(|c| format!("rows by column \"{c}\""));
    let parts: Vec<String> = class.into_iter().chain(sample).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}
