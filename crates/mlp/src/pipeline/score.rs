//! Scores of a trained model or network on prepared data or on a table.

use ndarray::{Array2, ArrayView2};

use crate::data::Table;
use crate::error::{Error, Location, Result};
use crate::float::Float;
use crate::metrics::{Metric, Predictions};
use crate::model::Model;
use crate::network::Network;
use crate::preprocess::Task;

/// The share of rows whose predicted class is the target's (classification), or r2 averaged
/// over the targets (regression), of `net` on prepared data: [`Metric::default_for`] the task,
/// on the network's outputs and the encoded targets. [`score_by`] scores a model by any metric.
pub fn score<T: Float>(
    net: &Network<T>,
    x: ArrayView2<'_, T>,
    y: ArrayView2<'_, T>,
    task: Task,
) -> Result<f64> {
    let out = net.predict(x)?;
    Ok(score_outputs(out.view(), y, task))
}

/// The score of a model's outputs `out` against the targets `y`, as [`score`] computes it.
pub fn score_outputs<T: Float>(out: ArrayView2<'_, T>, y: ArrayView2<'_, T>, task: Task) -> f64 {
    match task {
        Task::Classification => crate::metrics::accuracy(out, y),
        Task::Regression => {
            let (o, t) = (out.mapv(|v| v.wide()), y.mapv(|v| v.wide()));
            let r = crate::metrics::regression(t.view(), o.view());
            r.iter().map(|s| s.r2).sum::<f64>() / r.len().max(1) as f64
        }
    }
}

/// `metric` of `model` on the rows of `table` (read for the model, see [`Model::read_options`]),
/// every member of an ensemble run in float64 as stored: the predictions as [`Model::decode_outputs`] gives them
/// (class probabilities, or numbers in the targets' units) against the table's targets, as
/// `mlp evaluate` scores them. `Ok(None)` where the metric is not defined on these rows (see
/// [`Metric::score`]); an error when it is a metric of the other task. The table's feature
/// matrix is taken (see [`Model::inputs`]).
pub fn score_by<T: Float>(
    model: &Model,
    table: &mut Table<T>,
    metric: Metric,
) -> Result<Option<f64>> {
    let task = if model.is_classifier() {
        Task::Classification
    } else {
        Task::Regression
    };
    if metric.task() != task {
        return Err(Error::config(
            "metric",
            format!(
                "{metric} scores {}, the model {}",
                metric.task().name(),
                task.name()
            ),
        ));
    }
    let x = model.inputs(table)?.x;
    // Every member of an ensemble (Model::predict), in float64 as stored.
    let out = model.predict(x.mapv(|v| v.wide()).view())?;
    let out = model.decode_outputs(out);
    match &model.classes {
        Some(classes) => {
            let [column] = table.targets.as_slice() else {
                return Err(Error::Data {
                    at: Location::file(&table.name),
                    message: format!(
                        "a classifier is scored on one label column, {} were given",
                        table.targets.len()
                    ),
                });
            };
            let truth = crate::preprocess::class_indices(column, classes, &table.name)?;
            metric.score(Predictions::Classes {
                truth: &truth,
                probs: out.view(),
            })
        }
        None => {
            // The targets in their own units, as the outputs were decoded.
            let mut unscaled = model.clone();
            unscaled.target_scaling = None;
            let truth: Array2<f64> = unscaled.encode_targets(&table.targets, &table.name)?;
            metric.score(Predictions::Numbers {
                truth: truth.view(),
                pred: out.view(),
            })
        }
    }
}
