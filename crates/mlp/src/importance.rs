//! Permutation importance: how much a model's score drops when the values of one input column
//! are shuffled among the rows, which breaks the column's link to the target and keeps
//! everything else (Breiman 2001; scikit-learn's `permutation_importance`).
//!
//! Columns are the data file's: a categorical column's one-hot inputs, a date's five parts and
//! a missing indicator move together with their column, so each column gets one number.

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;

use crate::error::{Error, Result};
use crate::model::Model;
use crate::pipeline::score_outputs;
use crate::preprocess::Task;

/// One input column's importance.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnImportance {
    /// The column's name.
    pub name: String,
    /// The mean drop of the score over the repeats (positive: the model uses the column).
    pub mean: f64,
    /// The standard deviation of the drop over the repeats.
    pub std: f64,
}

/// The importances of every input column of `model` on prepared data (`x` its inputs as the
/// network takes them, `y` its encoded targets): the score (accuracy, or mean r2) on `x`, and
/// per column the drop after shuffling the column's rows, `repeats` times, with shuffles drawn
/// from `seed`.
pub fn permutation_importance(
    model: &Model,
    x: ArrayView2<'_, f64>,
    y: ArrayView2<'_, f64>,
    repeats: usize,
    seed: u64,
) -> Result<(f64, Vec<ColumnImportance>)> {
    if repeats == 0 {
        return Err(Error::config("repeats", "must be at least 1"));
    }
    let task = if model.is_classifier() {
        Task::Classification
    } else {
        Task::Regression
    };
    let score = |x: ArrayView2<'_, f64>| -> Result<f64> {
        Ok(score_outputs(model.predict(x)?.view(), y, task))
    };
    let baseline = score(x)?;
    let mut rng = crate::init::rng(seed);
    let mut shuffled = x.to_owned();
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    let mut out = Vec::new();
    let mut offset = 0;
    for (name, width) in columns(model, x.ncols()) {
        let mut drops = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            order.shuffle(&mut rng);
            permute_block(&mut shuffled, x, offset, width, &order);
            drops.push(baseline - score(shuffled.view())?);
        }
        // Put the column back before the next one is shuffled.
        shuffled
            .slice_mut(ndarray::s![.., offset..offset + width])
            .assign(&x.slice(ndarray::s![.., offset..offset + width]));
        let mean = drops.iter().sum::<f64>() / repeats as f64;
        let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / repeats as f64;
        out.push(ColumnImportance {
            name,
            mean,
            std: var.sqrt(),
        });
        offset += width;
    }
    Ok((baseline, out))
}

/// The input columns of a model and how many network inputs each takes, in input order.
fn columns(model: &Model, n_inputs: usize) -> Vec<(String, usize)> {
    match (&model.schema, &model.features) {
        (Some(schema), _) => schema
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.encoding.width()))
            .collect(),
        (None, Some(features)) => features.iter().map(|f| (f.clone(), 1)).collect(),
        (None, None) => (1..=n_inputs).map(|j| (format!("x{j}"), 1)).collect(),
    }
}

/// Columns `offset..offset+width` of `dst` := those of `src`, rows taken in `order`.
fn permute_block(
    dst: &mut Array2<f64>,
    src: ArrayView2<'_, f64>,
    offset: usize,
    width: usize,
    order: &[usize],
) {
    let block = src.slice(ndarray::s![.., offset..offset + width]);
    let mut target = dst.slice_mut(ndarray::s![.., offset..offset + width]);
    for (mut row, &i) in target.axis_iter_mut(Axis(0)).zip(order) {
        row.assign(&block.row(i));
    }
}
