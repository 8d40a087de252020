//! What surrounds the network so that raw data goes in and labels or values come out:
//! standardization of inputs, class labels and one-hot targets, scaling of regression targets.
//! All of it is stored in the [`Model`], so `predict` on raw data just works.

use crate::activation::Activation;
use crate::data::{Columns, Table, TargetColumn};
use crate::error::{Error, Location, Result};
use crate::fastmath::vectorized;
use crate::float::Float;
use crate::model::{Model, Scaling};
use crate::schema::Encoded;
use ndarray::{Array2, ArrayView2};
use std::collections::{BTreeSet, HashMap};

pub use crate::task::Task;

impl Scaling {
    /// Column means and (population) standard deviations of `x`; a constant column gets
    /// std 1, so it maps to 0 instead of dividing by zero.
    pub fn fit<T: Float>(x: ArrayView2<'_, T>) -> Scaling {
        // Row by row (the matrix is row-major), two passes for an exact variance.
        let mut mean = vec![0.0; x.ncols()];
        Scaling::add_rows(&mut mean, x);
        let mean = Scaling::means(mean, x.nrows());
        let mut var = vec![0.0; x.ncols()];
        Scaling::add_squares(&mut var, x, &mean);
        Scaling::of_sums(mean, &var, x.nrows())
    }

    /// Adds the rows of `x`, in order, to the column sums `sums` (the first pass of
    /// [`Scaling::fit`], which rows read in pieces make piece after piece).
    pub(crate) fn add_rows<T: Float>(sums: &mut [f64], x: ArrayView2<'_, T>) {
        for_each_row(x, |row| {
            sums.iter_mut().zip(row).for_each(|(m, v)| *m += v.wide());
        });
    }

    /// The column means of `n` rows from their sums.
    pub(crate) fn means(mut sums: Vec<f64>, n: usize) -> Vec<f64> {
        let n = n.max(1) as f64;
        sums.iter_mut().for_each(|m| *m /= n);
        sums
    }

    /// Adds the squared deviations of the rows of `x` from `mean`, in order, to `sums` (the
    /// second pass of [`Scaling::fit`]).
    pub(crate) fn add_squares<T: Float>(sums: &mut [f64], x: ArrayView2<'_, T>, mean: &[f64]) {
        for_each_row(x, |row| {
            sums.iter_mut()
                .zip(row)
                .zip(mean)
                .for_each(|((s, v), m)| *s += (v.wide() - m).powi(2));
        });
    }

    /// The scaling of `n` rows of means `mean` and summed squared deviations `var`.
    pub(crate) fn of_sums(mean: Vec<f64>, var: &[f64], n: usize) -> Scaling {
        let n = n.max(1) as f64;
        let std = var
            .iter()
            .zip(&mean)
            .map(|(s, mu): (&f64, &f64)| {
                let sd = (s / n).sqrt();
                if sd > 1e-12 * mu.abs().max(1.0) && sd.is_finite() {
                    sd
                } else {
                    1.0
                }
            })
            .collect();
        Scaling { mean, std }
    }

    /// x := (x - mean) / std, column by column.
    pub fn apply<T: Float>(&self, x: &mut Array2<T>) {
        let (mean, std) = (&self.mean[..], &self.std[..]);
        for mut row in x.rows_mut() {
            match row.as_slice_mut() {
                Some(row) => vectorized(
                    #[inline(always)]
                    || standardize(row.iter_mut(), mean, std),
                ),
                None => standardize(row.iter_mut(), mean, std),
            }
        }
    }

    /// y := y * std + mean, column by column (the inverse of [`Scaling::apply`]).
    pub fn invert<T: Float>(&self, y: &mut Array2<T>) {
        for mut row in y.rows_mut() {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = T::of(v.wide() * s + m);
            }
        }
    }
}

/// The distinct labels of `values`, sorted: numerically when every label is a number
/// ("2" before "10"), as text otherwise.
pub fn classes_of(values: &[String]) -> Vec<String> {
    // The distinct labels first (a few, for a column of many rows), then copied.
    let distinct: BTreeSet<&str> = values.iter().map(String::as_str).collect();
    let mut classes: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
    let numbers: Option<Vec<f64>> = classes
        .iter()
        .map(|c| c.parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect();
    if let Some(nums) = numbers {
        let mut pairs: Vec<(f64, String)> = nums.into_iter().zip(classes).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        classes = pairs.into_iter().map(|p| p.1).collect();
    }
    classes
}

/// Each label's index among `classes`, as [`class_indices`] gives it, except that labels the
/// model does not know are not an error: they get the indices after the classes, in the order
/// of the returned list of them (sorted), so that a scorer can count them as wrong (the model
/// gives them no probability), as scikit-learn's metrics do.
pub fn class_indices_or_new(
    column: &TargetColumn,
    classes: &[String],
) -> (Vec<usize>, Vec<String>) {
    let mut index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut new: Vec<String> = column
        .values
        .iter()
        .filter(|v| !index.contains_key(v.as_str()))
        .cloned()
        .collect();
    new.sort();
    new.dedup();
    for (k, label) in new.iter().enumerate() {
        index.insert(label.as_str(), classes.len() + k);
    }
    let idx = column
        .values
        .iter()
        .map(|v| index.get(v.as_str()).copied().unwrap_or(0))
        .collect();
    (idx, new)
}

/// Index of each value's class; errors on a label not in `classes`, naming its line.
pub fn class_indices(column: &TargetColumn, classes: &[String], file: &str) -> Result<Vec<usize>> {
    let index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    column
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            index.get(v.as_str()).copied().ok_or_else(|| Error::Data {
                at: Location::file(file)
                    .at_line(column.line(i))
                    .at_column(&column.name),
                message: format!(
                    "label \"{v}\" is not one of the model's classes ({})",
                    list(classes)
                ),
            })
        })
        .collect()
}

fn list(items: &[String]) -> String {
    let mut s: Vec<&str> = items.iter().take(10).map(String::as_str).collect();
    if items.len() > 10 {
        s.push("...");
    }
    s.join(", ")
}

impl Model {
    /// Whether the model predicts class labels.
    pub fn is_classifier(&self) -> bool {
        self.classes.is_some()
    }

    /// How to read a data file for this model: its features by name, its categorical and date
    /// columns as text, its missing-value markers and decimal separator; the other fields of
    /// `columns` (targets, dropped and kept columns) as given.
    pub fn read_options(&self, columns: Columns) -> Columns {
        let mut columns = Columns {
            features: self.features.clone(),
            guess_decimal: false,
            ..columns
        };
        if let Some(schema) = &self.schema {
            columns.text = schema.text_columns();
            columns.na_values = schema.na_values.clone();
            columns.decimal = schema.decimal;
        }
        columns
    }

    /// The network's inputs for the rows of `table` (read with [`Model::read_options`]): the
    /// schema's encoding, or for a model without one the numbers of its features as they are
    /// (every value must be one; other columns of the table are left out), then the input
    /// standardization. The table's matrix is moved, not copied, when
    /// it is used as it is.
    pub fn inputs<T: Float>(&self, table: &mut Table<T>) -> Result<Encoded<T>> {
        let mut encoded = match &self.schema {
            Some(schema) => schema.encode(table)?,
            None => {
                if let Some(features) = &self.features {
                    table.keep_features(features)?;
                }
                table.require_numbers()?;
                Encoded {
                    x: std::mem::take(&mut table.x),
                    notes: Vec::new(),
                }
            }
        };
        self.scale_inputs(&mut encoded.x);
        Ok(encoded)
    }

    /// Applies the model's input standardization (if any) to raw inputs.
    pub fn scale_inputs<T: Float>(&self, x: &mut Array2<T>) {
        if let Some(s) = &self.input_scaling {
            s.apply(x);
        }
    }

    /// The target matrix Y the network is trained and scored against, from the target columns
    /// of a data file called `file`:
    ///
    /// - a model with `classes` and one label column: one-hot rows in the order of `classes`
    ///   (one column, 1 for the second class, for a binary model with one sigmoid output);
    /// - one numeric column per output: the numbers, scaled by `target_scaling` if present;
    /// - a model without `classes`, several outputs and one label column: one-hot rows by index
    ///   when the labels are the integers 0..K-1, else in the sorted order of its K distinct
    ///   labels (see [`classes_of`]).
    pub fn encode_targets<T: Float>(
        &self,
        targets: &[TargetColumn],
        file: &str,
    ) -> Result<Array2<T>> {
        let k = self.network.n_outputs();
        let bad = |message: String| Error::Data {
            at: Location::file(file),
            message,
        };
        if let (Some(classes), [column]) = (&self.classes, targets) {
            let idx = class_indices(column, classes, file)?;
            return Ok(one_hot(&idx, classes.len(), k));
        }
        if targets.len() == k {
            let mut y = Array2::zeros((targets.first().map_or(0, |t| t.values.len()), k));
            for (j, column) in targets.iter().enumerate() {
                for (v, n) in y.column_mut(j).iter_mut().zip(column.numbers(file)?) {
                    *v = T::of(n);
                }
            }
            if let Some(s) = &self.target_scaling {
                s.apply(&mut y);
            }
            return Ok(y);
        }
        if let [column] = targets {
            let labels = (0..k).map(|i| i.to_string()).collect::<Vec<_>>();
            if let Ok(idx) = class_indices(column, &labels, file) {
                return Ok(one_hot(&idx, k, k));
            }
            let classes = classes_of(&column.values);
            if classes.len() == k {
                let idx = class_indices(column, &classes, file)?;
                return Ok(one_hot(&idx, k, k));
            }
            return Err(bad(format!(
                "the model has {k} outputs but no class labels, and column \"{}\" holds neither \
                 class indices 0..{} nor exactly {k} distinct labels",
                column.name,
                k - 1
            )));
        }
        Err(bad(format!(
            "the model has {k} outputs, but {} target columns were given",
            targets.len()
        )))
    }

    /// Maps network outputs back to the data's units: class probabilities (rows summing to 1)
    /// for classifiers, target values (undoing `target_scaling`) otherwise.
    pub fn decode_outputs(&self, mut out: Array2<f64>) -> Array2<f64> {
        match &self.classes {
            Some(classes) if classes.len() == 2 && out.ncols() == 1 => {
                let p = out.column(0).to_owned();
                let mut probs = Array2::zeros((out.nrows(), 2));
                probs.column_mut(0).assign(&p.mapv(|p| 1.0 - p));
                probs.column_mut(1).assign(&p);
                probs
            }
            Some(_) => {
                let output = self.network.activations().last().copied();
                if output != Some(Activation::Softmax) {
                    // Independent sigmoid outputs: normalized to a distribution over classes.
                    for mut row in out.rows_mut() {
                        let s = row.sum();
                        if s > 0.0 {
                            row.mapv_inplace(|v| v / s);
                        }
                    }
                }
                out
            }
            None => {
                if let Some(s) = &self.target_scaling {
                    s.invert(&mut out);
                }
                out
            }
        }
    }
}

/// One-hot rows (`k` columns) for class indices among `n_classes`; with one output column
/// and two classes, the column is 1 for the second class.
fn one_hot<T: Float>(idx: &[usize], n_classes: usize, k: usize) -> Array2<T> {
    let mut y = Array2::zeros((idx.len(), k));
    for (i, &c) in idx.iter().enumerate() {
        if k == 1 && n_classes == 2 {
            y[[i, 0]] = if c == 1 { T::one() } else { T::zero() };
        } else if c < k {
            y[[i, c]] = T::one();
        }
    }
    y
}

/// Calls `f` on every row of `x` as a slice, compiled for the CPU's widest vectors (rows that
/// are not contiguous are copied first).
fn for_each_row<T: Float>(x: ArrayView2<'_, T>, mut f: impl FnMut(&[T])) {
    let mut copy = Vec::new();
    for row in x.rows() {
        match row.as_slice() {
            Some(row) => vectorized(
                #[inline(always)]
                || f(row),
            ),
            None => {
                copy.clear();
                copy.extend(row.iter().copied());
                f(&copy);
            }
        }
    }
}

/// `v := (v - mean) / std` along one row.
#[inline(always)]
fn standardize<'a, T: Float>(row: impl Iterator<Item = &'a mut T>, mean: &[f64], std: &[f64]) {
    for ((v, &m), &s) in row.zip(mean).zip(std) {
        *v = T::of((v.wide() - m) / s);
    }
}

#[cfg(test)]
mod tests {
    use super::classes_of;

    #[test]
    fn classes_are_the_distinct_labels_sorted_as_numbers_or_as_text() {
        let labels = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
        let numbers = labels(&["10", "2", "2", "1.0", "1", "10"]);
        assert_eq!(classes_of(&numbers), labels(&["1", "1.0", "2", "10"]));
        let text = labels(&["b", "a", "10", "b", "2"]);
        assert_eq!(classes_of(&text), labels(&["10", "2", "a", "b"]));
    }
}
