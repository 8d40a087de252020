//! What a new model is before training: its task, inferred from the targets when not given,
//! and its layers, from the options and the width of the inputs.

use super::FitOptions;
use crate::activation::Activation;
use crate::data::Table;
use crate::error::{Error, Location, Result};
use crate::float::Float;
use crate::loss::Loss;
use crate::model::Model;
use crate::network::Network;
use crate::preprocess::{Task, classes_of};
use crate::schema::Schema;

/// Infers the task: text labels mean classification; integer labels with at most 20 distinct
/// values too; other numbers mean regression. Returns the reason with the task; an error when
/// no row has its target (missing labels say nothing about the task).
pub fn infer_task<T: Float>(table: &Table<T>) -> Result<(Task, String)> {
    let rows = table.rows_with_targets();
    if rows.is_empty() {
        return Err(Error::Data {
            at: Location::file(&table.name),
            message: "every row's target is missing".into(),
        });
    }
    let labelled: Vec<crate::data::TargetColumn> = table
        .targets
        .iter()
        .map(|t| crate::data::TargetColumn {
            name: t.name.clone(),
            values: rows.iter().map(|&i| t.values[i].clone()).collect(),
            lines: rows.iter().map(|&i| t.line(i)).collect(),
        })
        .collect();
    if Task::infer(&labelled) == Task::Classification {
        return Ok((Task::Classification, "the targets hold text labels".into()));
    }
    if let [column] = labelled.as_slice() {
        let integers = column.values.iter().all(|v| v.parse::<i64>().is_ok());
        let distinct = classes_of(&column.values).len();
        if integers && distinct <= 20 {
            return Ok((
                Task::Classification,
                format!("the targets are {distinct} distinct integers"),
            ));
        }
        // Two whole numbers written as floats (0.0 and 1.0, as pandas writes a 0/1 column
        // that once held a missing value) are a yes/no label as much as 0 and 1 are.
        let whole = |v: &String| v.trim().parse::<f64>().is_ok_and(|x| x.fract() == 0.0);
        if distinct == 2 && column.values.iter().all(whole) {
            return Ok((
                Task::Classification,
                "the targets are two whole numbers".into(),
            ));
        }
    }
    Ok((Task::Regression, "the targets are numbers".into()))
}

/// A new model for `table`: its network (inputs the schema's width, or the table's columns;
/// hidden layers and activations from `options`; one output per class or target), seeded
/// from the run's seed, with the feature, target and class names.
pub(super) fn new_model<T: Float>(
    table: &Table<T>,
    task: Task,
    options: &FitOptions,
    schema: Option<&Schema>,
) -> Result<Model> {
    let file = &table.name;
    let n_in = schema.map_or(table.x.ncols(), Schema::width);
    let (classes, k, output) = match task {
        Task::Classification => {
            let [column] = table.targets.as_slice() else {
                return Err(Error::config(
                    "target",
                    "classification takes exactly one label column",
                ));
            };
            let classes = classes_of(&column.values);
            if classes.len() < 2 {
                return Err(Error::Data {
                    at: Location::file(file.as_str()).at_column(&column.name),
                    message: format!(
                        "only one class (\"{}\"): classification needs at least two",
                        classes.join("")
                    ),
                });
            }
            let output = options.output.unwrap_or(Activation::Softmax);
            let k = if output == Activation::Sigmoid && classes.len() == 2 {
                1
            } else {
                classes.len()
            };
            (Some(classes), k, output)
        }
        Task::Regression => {
            for t in &table.targets {
                t.numbers(file)?;
            }
            (
                None,
                table.targets.len(),
                options.output.unwrap_or(Activation::Identity),
            )
        }
    };
    let loss = options.loss.unwrap_or(match output {
        Activation::Sigmoid if task == Task::Classification => Loss::CrossEntropy,
        Activation::Softmax => Loss::SoftmaxCrossEntropy,
        _ => Loss::SquaredError,
    });
    let mut sizes = vec![n_in];
    sizes.extend(&options.hidden);
    sizes.push(k);
    let mut acts = vec![options.activation; options.hidden.len()];
    acts.push(output);
    let network = Network::seeded(&sizes, &acts, loss, options.init, options.train.seed)?;
    let mut model = Model::new(network);
    model.features = Some(schema.map_or_else(|| table.feature_names.clone(), Schema::names));
    model.targets = Some(table.targets.iter().map(|t| t.name.clone()).collect());
    model.classes = classes;
    Ok(model)
}
