//! Reading a file whose feature columns hold text: every field is kept as its trimmed text,
//! each column interned (one copy of each distinct value), and a column whose values all turn
//! out to be numbers or missing-value markers is then converted to numbers like any other.
//!
//! This path is taken only when the numeric reader (`super::rows`) meets text, or when columns
//! are asked to be read as text; it runs on one thread.

use std::collections::HashMap;

use super::blocks::{Block, Blocks};
use super::records::each_record;
use super::rows::{Rows, text_columns};
use super::{ColumnRead, Columns, Plan, available_memory, data, finite, fits, grow, number, quote};
use crate::error::{Location, Result};
use crate::float::Float;

/// One column's values as text: the distinct trimmed values, and the index of each row's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextColumn {
    /// The distinct values, in order of first appearance.
    pub values: Vec<String>,
    /// For each row, the index of its value in `values`.
    pub codes: Vec<u32>,
}

impl TextColumn {
    /// Row `i`'s text ("" when there is no such row).
    pub fn get(&self, i: usize) -> &str {
        self.codes
            .get(i)
            .and_then(|&c| self.values.get(c as usize))
            .map_or("", String::as_str)
    }

    /// How many rows hold each distinct value (indexed as `values`), among `rows`.
    pub fn counts(&self, rows: impl Iterator<Item = usize>) -> Vec<usize> {
        let mut counts = vec![0; self.values.len()];
        for i in rows {
            if let Some(&c) = self.codes.get(i) {
                counts[c as usize] += 1;
            }
        }
        counts
    }

    /// The line and message of the first row whose value is not a finite number of type `T`
    /// (missing values included), given each row's line.
    pub(super) fn first_not_number<T: Float>(&self, lines: &[u64]) -> Option<(u64, String)> {
        let bad: Vec<Option<String>> = self
            .values
            .iter()
            .map(|v| match finite(v) {
                _ if v.is_empty() => Some("empty value".to_owned()),
                Ok(x) if T::of(x).is_finite() => None,
                Ok(_) => Some(format!("{} is too large for {}", quote(v), T::NAME)),
                Err(message) => Some(message),
            })
            .collect();
        let i = self.codes.iter().position(|&c| bad[c as usize].is_some())?;
        let message = bad[self.codes[i] as usize].clone()?;
        Some((lines.get(i).copied().unwrap_or(0), message))
    }
}

/// Interns the values of one column.
#[derive(Default)]
pub(super) struct Interner {
    pub(super) column: TextColumn,
    index: HashMap<String, u32>,
}

/// Bytes a stored string costs beyond its text (two `String`s and a hash-table slot).
const STRING_OVERHEAD: u64 = 64;
/// Rows between two checks that the text read so far fits in memory.
const CHECK_ROWS: usize = 4096;

impl Interner {
    /// Adds a row's value; returns the bytes it took.
    pub(super) fn push(&mut self, value: &str) -> u64 {
        let (code, bytes) = match self.index.get(value) {
            Some(&c) => (c, 4),
            None => {
                let c = self.column.values.len() as u32;
                self.column.values.push(value.to_owned());
                self.index.insert(value.to_owned(), c);
                (c, 4 + STRING_OVERHEAD + 2 * value.len() as u64)
            }
        };
        self.column.codes.push(code);
        bytes
    }
}

/// Reads every data row after the header as text, then converts the feature columns that hold
/// only numbers and missing values (and are not in [`Columns::text`]) to numbers. With
/// `guess_decimal`, the decimal separator is a comma when a column's values are all numbers
/// written with one (`6,3`) and no column writes a number with a point.
pub(super) fn read_text_rows<T: Float>(
    first: Block,
    blocks: &mut Blocks<'_>,
    name: &str,
    header: &[String],
    plan: &Plan,
    options: &Columns,
    guess_decimal: bool,
) -> Result<Rows<T>> {
    let mut features: Vec<Interner> = plan.features.iter().map(|_| Interner::default()).collect();
    let mut targets = text_columns(header, &plan.targets);
    let mut kept = text_columns(header, &plan.keep);
    let mut lines = Vec::new();
    // Text has no size known in advance: what is held is counted, and checked against the
    // memory there was when reading began.
    let budget = available_memory()?;
    let mut held = 0u64;
    let delimiter = blocks.delimiter;
    let mut block = Some(first);
    while let Some(b) = block {
        each_record(&b, delimiter, name, header.len(), |record, line| {
            let text = |i: usize| -> Result<&str> {
                let bytes = record.get(i).unwrap_or_default();
                std::str::from_utf8(bytes)
                    .map(str::trim)
                    .map_err(|_| data(Location::file(name).at_line(line), "invalid UTF-8"))
            };
            // Ignored columns must be valid text too.
            std::str::from_utf8(record.as_slice())
                .map_err(|_| data(Location::file(name).at_line(line), "invalid UTF-8"))?;
            for (&i, interner) in plan.features.iter().zip(features.iter_mut()) {
                held += interner.push(text(i)?);
            }
            for (&i, column) in plan
                .targets
                .iter()
                .chain(&plan.keep)
                .zip(targets.iter_mut().chain(kept.iter_mut()))
            {
                let value = text(i)?;
                held += STRING_OVERHEAD + value.len() as u64;
                column.values.push(value.to_owned());
                column.lines.push(line);
            }
            lines.push(line);
            if lines.len() % CHECK_ROWS == 0
                && let Some(budget) = budget
            {
                fits(held, budget, name)?;
            }
            Ok(true)
        })?;
        blocks.recycle(b.bytes);
        block = blocks.next_block()?;
    }
    let decimal = if guess_decimal && decimal_comma(&features, options) {
        b','
    } else {
        options.decimal
    };
    let rows = lines.len();
    let width = plan.features.len();
    let mut x: Vec<T> = Vec::new();
    grow(&mut x, rows.saturating_mul(width), name)?;
    x.resize(rows * width, T::nan());
    let mut columns = Vec::with_capacity(width);
    for (j, interner) in features.into_iter().enumerate() {
        let column_name = header.get(plan.features[j]).map_or("", String::as_str);
        let as_text = options.text.iter().any(|t| t == column_name);
        let view = Settle {
            lines: &lines,
            options,
            decimal,
            width,
        };
        columns.push(view.column(interner.column, as_text, &mut x, j));
    }
    Ok(Rows {
        x,
        columns,
        targets,
        kept,
        lines,
        decimal,
        text: None,
    })
}

/// How the feature columns read as text are settled (see [`Settle::column`]).
pub(super) struct Settle<'a> {
    /// Each row's line.
    pub lines: &'a [u64],
    /// The reading options (missing-value markers, columns to keep as text).
    pub options: &'a Columns,
    /// The decimal separator of the numbers.
    pub decimal: u8,
    /// The number of feature columns: the row length of the matrix.
    pub width: usize,
}

impl Settle<'_> {
    /// Settles feature column `j`, read as `text`: when every value is a number or marks a
    /// missing value and the column is not to be read as text (`as_text`), its numbers go into
    /// column `j` of the row-major matrix `x` (a missing value as NaN); otherwise the column
    /// stays text, NaN in `x`. Returns what was seen in it.
    pub(super) fn column<T: Float>(
        &self,
        text: TextColumn,
        as_text: bool,
        x: &mut [T],
        j: usize,
    ) -> ColumnRead {
        // Each distinct value once: its number, or whether it marks a missing value.
        // A marker of a missing value wins over the number it may also be (`--na-values -999`).
        let missing: Vec<bool> = text
            .values
            .iter()
            .map(|v| self.options.is_missing(v))
            .collect();
        let parsed: Vec<Option<f64>> = text
            .values
            .iter()
            .zip(&missing)
            .map(|(v, m)| {
                let x = number(v, self.decimal).filter(|x| T::of(*x).is_finite());
                x.filter(|_| !m)
            })
            .collect();
        let mut seen = ColumnRead::default();
        for (i, &c) in text.codes.iter().enumerate() {
            if missing[c as usize] && parsed[c as usize].is_none() {
                seen.missing += 1;
                seen.first_missing
                    .get_or_insert_with(|| (self.lines[i], text.values[c as usize].clone()));
            }
        }
        let numeric = !as_text && parsed.iter().zip(&missing).all(|(p, m)| p.is_some() || *m);
        if numeric {
            for (i, &c) in text.codes.iter().enumerate() {
                x[i * self.width + j] = parsed[c as usize].map_or_else(T::nan, T::of);
            }
        } else {
            for i in 0..text.codes.len() {
                x[i * self.width + j] = T::nan();
            }
            seen.text = Some(text);
        }
        seen
    }
}

/// Whether some column holds only numbers with a decimal comma (at least one `6,3`, the rest
/// integers or missing) and no column holds a number with a decimal point.
fn decimal_comma(columns: &[Interner], options: &Columns) -> bool {
    let mut comma_column = false;
    for c in columns {
        let values = c.column.values.iter().filter(|v| !options.is_missing(v));
        let (mut commas, mut all) = (0usize, true);
        for v in values {
            if v.contains('.') && number(v, b'.').is_some() {
                return false;
            }
            match number(v, b',') {
                Some(_) if v.contains(',') => commas += 1,
                Some(_) => {}
                None => all = false,
            }
        }
        comma_column |= all && commas > 0;
    }
    comma_column
}
