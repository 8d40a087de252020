//! Applying a [`Schema`]: a table's columns become the network's input matrix, the same way at
//! training and at prediction time.

use std::borrow::Cow;
use std::collections::HashMap;

use ndarray::{Array2, ArrayViewMut1};

use super::NumberFormat;
use super::bins;
use super::date::{PARTS, parts};
use super::{Encoding, Schema};
use crate::data::{ColumnRead, Table};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// How many example values a note quotes.
const EXAMPLES: usize = 3;

/// A table's input matrix, and what the user should know about how it was made (values read as
/// missing, levels not seen in training).
#[derive(Clone, Debug)]
pub struct Encoded<T> {
    /// The inputs, one row per table row: shape (rows, [`Schema::width`]).
    pub x: Array2<T>,
    /// One line per column that needed a word.
    pub notes: Vec<String>,
}

impl Schema {
    /// The input matrix of `table`, whose features include this schema's columns (by name).
    pub fn encode<T: Float>(&self, table: &Table<T>) -> Result<Encoded<T>> {
        let n = table.x.nrows();
        let mut x = Array2::zeros((n, self.width()));
        let mut notes = Vec::new();
        let mut offset = 0;
        for c in &self.columns {
            let Some(j) = table.feature_names.iter().position(|f| *f == c.name) else {
                return Err(Error::Data {
                    at: Location::file(&table.name),
                    message: format!("column \"{}\" that the model needs is missing", c.name),
                });
            };
            let width = c.encoding.width();
            let column = &table.columns[j];
            let edges = c.encoding.bins();
            // The bins come last in a column's inputs.
            let bins_at = offset + width - edges.len().saturating_sub(1);
            if let (
                Encoding::Numeric {
                    fill, indicator, ..
                },
                None,
            ) = (&c.encoding, &column.text)
            {
                // Read as numbers already: a missing value is NaN.
                for (i, &v) in table.x.column(j).iter().enumerate() {
                    let mut row = x.row_mut(i);
                    row[offset] = if v.is_nan() { T::of(*fill) } else { v };
                    if *indicator {
                        row[offset + 1] = T::of(f64::from(u8::from(v.is_nan())));
                    }
                    let filled = row[offset].wide();
                    set_bins(&mut row, bins_at, filled, edges);
                }
                offset += width;
                continue;
            }
            let values = Values::of(table, j, column);
            let note = match &c.encoding {
                Encoding::Numeric {
                    fill,
                    indicator,
                    format,
                    ..
                } => {
                    let parsed = values.map(|v| self.number(v, *format));
                    for (i, p) in values.rows(&parsed).enumerate() {
                        let mut row = x.row_mut(i);
                        row[offset] = T::of(p.unwrap_or(*fill));
                        if *indicator {
                            row[offset + 1] = T::of(f64::from(u8::from(p.is_none())));
                        }
                        set_bins(&mut row, bins_at, p.unwrap_or(*fill), edges);
                    }
                    let bad = values
                        .count_where(|v| !self.is_missing(v) && self.number(v, *format).is_none());
                    bad.describe("not numbers", "read as missing")
                }
                Encoding::Categorical {
                    levels,
                    other,
                    missing,
                } => {
                    let index: HashMap<&str, usize> = levels
                        .iter()
                        .enumerate()
                        .map(|(k, l)| (l.as_str(), k))
                        .collect();
                    let input = values.map(|v| {
                        if self.is_missing(v) {
                            missing.then(|| levels.len() + usize::from(*other))
                        } else {
                            match index.get(v) {
                                Some(&k) => Some(k),
                                None => other.then_some(levels.len()),
                            }
                        }
                    });
                    for (i, k) in values.rows(&input).enumerate() {
                        if let Some(k) = k {
                            x[[i, offset + k]] = T::one();
                        }
                    }
                    let unseen =
                        values.count_where(|v| !self.is_missing(v) && !index.contains_key(v));
                    let what = if *other {
                        "counted as other"
                    } else {
                        "no level's input is set"
                    };
                    unseen.describe("levels unseen or rare in training", what)
                }
                Encoding::Date {
                    fill,
                    indicator,
                    format,
                    ..
                } => {
                    let parsed = values.map(|v| format.parse_days(v).map(parts));
                    for (i, p) in values.rows(&parsed).enumerate() {
                        let mut row: ArrayViewMut1<'_, T> = x.row_mut(i);
                        let filled = p.unwrap_or(*fill);
                        for (k, v) in filled.into_iter().enumerate() {
                            row[offset + k] = T::of(v);
                        }
                        if *indicator {
                            row[offset + PARTS.len()] = T::of(f64::from(u8::from(p.is_none())));
                        }
                        set_bins(&mut row, bins_at, filled[0], edges);
                    }
                    let bad = values
                        .count_where(|v| !self.is_missing(v) && format.parse_days(v).is_none());
                    bad.describe("not dates", "read as missing")
                }
            };
            if let Some(note) = note {
                notes.push(format!("column \"{}\": {note}", c.name));
            }
            offset += width;
        }
        Ok(Encoded { x, notes })
    }

    /// A trimmed field as a number in `format`, `None` when missing or not a number.
    fn number(&self, v: &str, format: NumberFormat) -> Option<f64> {
        if self.is_missing(v) {
            None
        } else {
            format.parse(v, self.decimal)
        }
    }
}

/// Writes the bin inputs of `v` (see `schema/bins.rs`) at `at` of `row`; nothing without bins.
fn set_bins<T: Float>(row: &mut ArrayViewMut1<'_, T>, at: usize, v: f64, edges: &[f64]) {
    for k in 0..edges.len().saturating_sub(1) {
        row[at + k] = T::of(bins::ramp(v, edges, k));
    }
}

/// A column's values as text, each distinct value once, and each row's index among them.
struct Values<'a> {
    distinct: Cow<'a, [String]>,
    codes: Cow<'a, [u32]>,
    lines: &'a [u64],
    /// The table's name, for the lines of several files.
    name: &'a str,
}

impl<'a> Values<'a> {
    fn of<T: Float>(table: &'a Table<T>, j: usize, column: &'a ColumnRead) -> Values<'a> {
        match &column.text {
            Some(text) => Values {
                distinct: Cow::Borrowed(&text.values),
                codes: Cow::Borrowed(&text.codes),
                lines: &table.lines,
                name: &table.name,
            },
            // A column read as numbers: its numbers as text (NaN, a missing value, as "").
            None => {
                let mut distinct = Vec::new();
                let mut index: HashMap<u64, u32> = HashMap::new();
                let codes = table
                    .x
                    .column(j)
                    .iter()
                    .map(|v| {
                        let v = v.wide();
                        *index.entry(v.to_bits()).or_insert_with(|| {
                            distinct.push(if v.is_nan() {
                                String::new()
                            } else {
                                v.to_string()
                            });
                            (distinct.len() - 1) as u32
                        })
                    })
                    .collect();
                Values {
                    distinct: Cow::Owned(distinct),
                    codes: Cow::Owned(codes),
                    lines: &table.lines,
                    name: &table.name,
                }
            }
        }
    }

    /// `f` of each distinct value.
    fn map<U>(&self, f: impl Fn(&str) -> U) -> Vec<U> {
        self.distinct.iter().map(|v| f(v)).collect()
    }

    /// Each row's entry of `per_value` (as made by [`Values::map`]).
    fn rows<'b, U: Copy>(&'b self, per_value: &'b [U]) -> impl Iterator<Item = U> + 'b {
        self.codes.iter().map(move |&c| per_value[c as usize])
    }

    /// The rows whose value satisfies `f`: how many, the first one's line, a few examples.
    fn count_where(&self, f: impl Fn(&str) -> bool) -> Found {
        let hit = self.map(|v| f(v));
        let mut found = Found::default();
        for (i, &c) in self.codes.iter().enumerate() {
            if hit[c as usize] {
                found.rows += 1;
                found.first_line.get_or_insert_with(|| {
                    crate::data::line_name(self.name, self.lines.get(i).copied().unwrap_or(0))
                });
                let v = &self.distinct[c as usize];
                if found.examples.len() < EXAMPLES && !found.examples.contains(v) {
                    found.examples.push(v.clone());
                }
            }
        }
        found
    }
}

/// Rows found by [`Values::count_where`].
#[derive(Default)]
struct Found {
    rows: usize,
    /// "line 57" (or "b.csv line 57" when the table was read from several files).
    first_line: Option<String>,
    examples: Vec<String>,
}

impl Found {
    /// `3 rows hold not numbers ("abc", "?x"; first on line 57): read as missing`, or nothing.
    fn describe(&self, what: &str, done: &str) -> Option<String> {
        let line = self.first_line.as_deref()?;
        let examples: Vec<String> = self.examples.iter().map(|e| format!("{e:?}")).collect();
        Some(format!(
            "{} row{} {what} ({}; first on {line}): {done}",
            self.rows,
            if self.rows == 1 { " holds" } else { "s hold" },
            examples.join(", ")
        ))
    }
}
