//! A data file as read: the feature matrix with what was seen in each column, the target and
//! kept columns as text, and each row's line.

use ndarray::Array2;

use super::{Columns, TextColumn, data, finite, quote};
use crate::error::{Error, Location, Result};
use crate::float::Float;
use crate::task::Task;

/// A data file read into a feature matrix and raw target columns.
#[derive(Clone, Debug)]
pub struct Table<T> {
    /// The source's name, for messages.
    pub name: String,
    /// The feature columns' names, in the order of the columns of `x`.
    pub feature_names: Vec<String>,
    /// The features, one row per data row: shape (rows, features). A missing value is NaN; so
    /// is every value of a column read as text (see [`Table::columns`]).
    pub x: Array2<T>,
    /// What the reader saw in each feature column, in the order of the columns of `x`.
    pub columns: Vec<ColumnRead>,
    /// The target columns, in the order of [`Columns::targets`] (only those present when
    /// [`Columns::targets_optional`] is set). Values may be missing (see [`Columns::is_missing`]).
    pub targets: Vec<TargetColumn>,
    /// The columns named by [`Columns::keep`], as text.
    pub kept: Vec<TargetColumn>,
    /// The 1-based file line of each row, for messages.
    pub lines: Vec<u64>,
    /// Columns of the file that were neither features, targets nor dropped (with
    /// [`Columns::features`] given).
    pub ignored: Vec<String>,
    /// The missing-value markers it was read with ([`Columns::na_values`]).
    pub na_values: Vec<String>,
    /// The decimal separator it was read with ([`Columns::decimal`]).
    pub decimal: u8,
}

/// What the reader saw in one feature column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnRead {
    /// The column's values as text, when it holds text that is not a number (or was asked to
    /// be read as text); its values in [`Table::x`] are then NaN.
    pub text: Option<TextColumn>,
    /// How many of its values are missing.
    pub missing: usize,
    /// The line and trimmed text of its first missing value.
    pub first_missing: Option<(u64, String)>,
}

impl<T: Float> Table<T> {
    /// The table in precision `U`, every number rounded to the nearest `U`; the table as it
    /// is (`Err`) when a number lies beyond `U`'s range.
    #[allow(clippy::result_large_err)] // the table given back whole, as a value
    pub fn into_precision<U: Float>(self) -> std::result::Result<Table<U>, Table<T>> {
        if self
            .x
            .iter()
            .any(|v| v.is_finite() && !U::of(v.wide()).is_finite())
        {
            return Err(self);
        }
        Ok(Table {
            x: self.x.mapv(|v| U::of(v.wide())),
            name: self.name,
            feature_names: self.feature_names,
            columns: self.columns,
            targets: self.targets,
            kept: self.kept,
            lines: self.lines,
            ignored: self.ignored,
            na_values: self.na_values,
            decimal: self.decimal,
        })
    }

    /// Checks that every feature value is a number: the first missing or non-numeric value in
    /// file order is an error naming its line and column, e.g. `data.csv line 57, column "b":
    /// "abc" is not a number`.
    pub fn require_numbers(&self) -> Result<()> {
        let mut first: Option<(u64, usize, String)> = None;
        for (j, column) in self.columns.iter().enumerate() {
            let found = match &column.text {
                Some(text) => text.first_not_number::<T>(&self.lines),
                None => column
                    .first_missing
                    .as_ref()
                    .map(|(line, raw)| (*line, missing_message(raw))),
            };
            if let Some((line, message)) = found
                && first.as_ref().is_none_or(|f| (line, j) < (f.0, f.1))
            {
                first = Some((line, j, message));
            }
        }
        match first {
            None => Ok(()),
            Some((line, j, message)) => {
                let column = self.feature_names.get(j).map_or("", String::as_str);
                Err(data(
                    Location::file(&self.name).at_line(line).at_column(column),
                    message,
                ))
            }
        }
    }

    /// How the table's values were written: its missing-value markers and decimal separator
    /// (the other fields at their defaults).
    pub fn format(&self) -> Columns {
        Columns {
            na_values: self.na_values.clone(),
            decimal: self.decimal,
            ..Columns::default()
        }
    }

    /// Whether a trimmed field marks a missing value, as the table was read.
    pub fn is_missing(&self, field: &str) -> bool {
        super::is_missing(field, &self.na_values)
    }

    /// Whether every feature column was read as numbers with none missing: a table whose
    /// columns are the network's inputs as they are (a version-1 model's).
    pub fn is_complete(&self) -> bool {
        self.columns
            .iter()
            .all(|c| c.text.is_none() && c.missing == 0)
    }

    /// The rows whose target values are all present.
    pub fn rows_with_targets(&self) -> Vec<usize> {
        (0..self.x.nrows())
            .filter(|&i| {
                self.targets
                    .iter()
                    .all(|t| t.values.get(i).is_some_and(|v| !self.is_missing(v)))
            })
            .collect()
    }

    /// Leaves out the rows whose target is missing; returns how many, or an error when no row
    /// keeps its target.
    pub fn retain_labelled(&mut self) -> Result<usize> {
        let labelled = self.rows_with_targets();
        let left = self.x.nrows() - labelled.len();
        if labelled.is_empty() {
            return Err(data(
                Location::file(&self.name),
                "every row's target is missing",
            ));
        }
        self.retain_rows(&labelled);
        Ok(left)
    }

    /// The 1-based file line of row `i` (0 when unknown).
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(0)
    }

    /// Keeps only the feature columns `names`, in that order (a table read with more columns
    /// than a model uses, e.g. by `mlp cv`, which reads the file once for every fold). A name
    /// the table lacks is an error naming it.
    pub fn keep_features(&mut self, names: &[String]) -> Result<()> {
        if self.feature_names == names {
            return Ok(());
        }
        let mut at = Vec::with_capacity(names.len());
        for name in names {
            let j = self
                .feature_names
                .iter()
                .position(|f| f == name)
                .ok_or_else(|| {
                    data(
                        Location::file(&self.name),
                        format!("no column {} (the model reads it)", quote(name)),
                    )
                })?;
            at.push(j);
        }
        self.x = self.x.select(ndarray::Axis(1), &at);
        self.columns = at.iter().map(|&j| self.columns[j].clone()).collect();
        self.feature_names = names.to_vec();
        Ok(())
    }

    /// Keeps only the rows `keep` (sorted, distinct) of every column.
    pub fn retain_rows(&mut self, keep: &[usize]) {
        if keep.len() == self.x.nrows() {
            return;
        }
        let mut x = Array2::zeros((keep.len(), self.x.ncols()));
        for (mut dst, &i) in x.rows_mut().into_iter().zip(keep) {
            dst.assign(&self.x.row(i));
        }
        self.x = x;
        for c in &mut self.columns {
            if let Some(t) = c.text.as_mut() {
                t.codes = keep.iter().map(|&i| t.codes[i]).collect();
            }
        }
        for t in self.targets.iter_mut().chain(self.kept.iter_mut()) {
            t.values = keep
                .iter()
                .map(|&i| std::mem::take(&mut t.values[i]))
                .collect();
            t.lines = keep.iter().map(|&i| t.lines[i]).collect();
        }
        self.lines = keep.iter().map(|&i| self.lines[i]).collect();
    }
}

/// Why a missing value is not a number, as the strict reader of earlier versions said it.
fn missing_message(raw: &str) -> String {
    if raw.is_empty() {
        "empty value".to_owned()
    } else if raw.parse::<f64>().is_ok() {
        format!("{} is not a finite number", quote(raw))
    } else {
        format!("{} is a missing value", quote(raw))
    }
}

/// A target's value as a number: plain, or as people write numbers ("$7,000", "18%"; see
/// [`super::formatted_number`]), the decimal separator a point.
fn finite_or_formatted(value: &str) -> std::result::Result<f64, String> {
    finite(value).or_else(|e| super::formatted_number(value, b'.').ok_or(e))
}

/// One target column as text, so the caller decides between class labels and numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetColumn {
    /// The column's name in the header.
    pub name: String,
    /// One value per data row, trimmed of surrounding whitespace; never empty.
    pub values: Vec<String>,
    /// The 1-based file line of each value, for messages.
    pub lines: Vec<u64>,
}

impl TargetColumn {
    /// Parses every value as a finite number; errors name file, line and column, e.g.
    /// `data.csv line 57, column "y": "abc" is not a number`.
    pub fn numbers(&self, source_name: &str) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for (i, value) in self.values.iter().enumerate() {
            let x = finite_or_formatted(value).map_err(|message| {
                let at = Location::file(source_name)
                    .at_line(self.line(i))
                    .at_column(&self.name);
                Error::Data { at, message }
            })?;
            out.push(x);
        }
        Ok(out)
    }

    /// True when every value parses as a finite number.
    pub fn is_numeric(&self) -> bool {
        self.values.iter().all(|v| finite_or_formatted(v).is_ok())
    }

    /// The 1-based file line of row `i` (0 when there is no such row).
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(0)
    }
}

impl Task {
    /// Classification when any target value is text, regression when all are numbers.
    pub fn infer(targets: &[TargetColumn]) -> Task {
        if targets.iter().all(TargetColumn::is_numeric) {
            Task::Regression
        } else {
            Task::Classification
        }
    }
}

/// What [`Table::retain_labelled`] did, in words (`2 rows with a missing target left out`);
/// nothing when it left no row out.
pub fn unlabelled_note(left: usize) -> Option<String> {
    (left > 0).then(|| {
        let rows = if left == 1 { "row" } else { "rows" };
        format!("{left} {rows} with a missing target left out")
    })
}
