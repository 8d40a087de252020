//! The input schema: how the columns of a real table (numbers, text categories, dates, missing
//! values) become the network's inputs a^(1).
//!
//! Three steps, each its own function:
//! 1. [`infer`] decides each column's type from the whole table ([`ColumnPlan`]): numeric,
//!    categorical, date, or left out (constant, an ID, free text, a row index), with the reason.
//! 2. [`fit`] learns what encoding needs from the training rows ([`Schema`]): the median that
//!    fills a missing number, the levels of a category, the fills of a date's parts.
//! 3. [`Schema::encode`] turns any table with those columns into the input matrix, the same way
//!    at training and at prediction time.
//!
//! The schema is stored in the model file (format version 2, docs/model-format.md).

mod bins;
mod date;
mod encode;
mod infer;
mod number;

pub use bins::{
    Bins, MAX_BIN_INPUTS, MAX_BINS, MAX_BINS_LARGE, ROWS_PER_BIN, ROWS_PER_BIN_INPUT,
    ROWS_PER_LARGE_BIN, edges as bin_edges,
};
pub use date::{DateOrder, PARTS as DATE_PARTS, parse_days};
pub use encode::Encoded;
pub(crate) use infer::looks_like_id;
pub use infer::{ColumnPlan, Kind, Overrides, fit, infer};
pub use number::NumberFormat;

use serde::{Deserialize, Serialize};

/// Categorical columns with at most this many levels are one-hot encoded whole.
pub const ONE_HOT_LEVELS: usize = 20;
/// Beyond [`ONE_HOT_LEVELS`], a level is kept when it has at least this many training rows...
pub const MIN_LEVEL_ROWS: usize = 5;
/// ... up to this many levels, the most frequent; the others share one "other" input.
///
/// Measured on txhousing's `city` (46 levels, held-out r2, 3 seeds): keeping at most 10 levels
/// gave 0.920-0.930, 25 levels 0.925-0.929, 50 (all of them) 0.950, the same as no limit. On
/// panel data the entity is the signal: gapminder's `country` (185 levels) scored 0.9808 with
/// 50 kept and 0.9924 with all (scikit-learn's one-hot of every level 0.9948), storms' `name`
/// 0.9578 -> 0.9629; eight other tables with columns past 50 levels moved by under 0.003
/// (seed 0). The limit bounds the width for columns of thousands of levels.
pub const MAX_LEVELS: usize = 250;

/// How one input column becomes network inputs (the `type` key of its entry in the model file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Encoding {
    /// One input, the number; a missing value (or text that is not a number) takes `fill`.
    /// With `indicator`, a second input is 1 for a missing value and 0 otherwise. With `bins`
    /// (edges b_0 < ... < b_T), T piecewise-linear bin inputs of the (filled) number follow
    /// (see `schema/bins.rs`).
    Numeric {
        /// The value of a missing number: the median of the training rows.
        fill: f64,
        /// Whether a missing-indicator input follows.
        indicator: bool,
        /// The bins' edges: training quantiles; empty for none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bins: Vec<f64>,
        /// How the column's text is read as numbers.
        #[serde(default, skip_serializing_if = "NumberFormat::is_plain")]
        format: NumberFormat,
    },
    /// One input per level (1 where the text equals it), then an "other" input (`other`: 1 for
    /// a value that is none of the levels), then a "missing" input (`missing`).
    Categorical {
        /// The levels, sorted.
        levels: Vec<String>,
        /// Whether an input for values outside `levels` follows them.
        other: bool,
        /// Whether an input for missing values comes last.
        missing: bool,
    },
    /// Five inputs (see [`DATE_PARTS`]): days since 1970-01-01, year, month, day, weekday; a
    /// missing or unreadable date takes `fill`; then an indicator as for numbers; then the bins
    /// of the days, as for numbers.
    Date {
        /// The value of each of the five inputs for a missing date: training medians.
        fill: [f64; 5],
        /// Whether a missing-indicator input follows.
        indicator: bool,
        /// The edges of the bins of the days since 1970; empty for none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bins: Vec<f64>,
        /// The order of the dates' parts.
        #[serde(default, skip_serializing_if = "DateOrder::is_iso")]
        format: DateOrder,
    },
}

/// One input column of the schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputColumn {
    /// The column's name in the data file.
    pub name: String,
    /// How it becomes inputs.
    #[serde(flatten)]
    pub encoding: Encoding,
}

/// The columns a model reads, in order, with how each becomes inputs, and how the file marks
/// missing values.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// The input columns, in the order their inputs are laid out.
    pub columns: Vec<InputColumn>,
    /// The trimmed field values that mean "missing" (the empty field among them).
    pub na_values: Vec<String>,
    /// The decimal separator of numbers in the data: `b'.'` or `b','`.
    pub decimal: u8,
}

impl Encoding {
    /// How many network inputs this encoding makes.
    pub fn width(&self) -> usize {
        match self {
            Encoding::Numeric {
                indicator, bins, ..
            } => 1 + usize::from(*indicator) + bin_count(bins),
            Encoding::Categorical {
                levels,
                other,
                missing,
            } => levels.len() + usize::from(*other) + usize::from(*missing),
            Encoding::Date {
                indicator, bins, ..
            } => DATE_PARTS.len() + usize::from(*indicator) + bin_count(bins),
        }
    }

    /// The bins' edges of a number or a date (empty for none and for categories).
    pub fn bins(&self) -> &[f64] {
        match self {
            Encoding::Numeric { bins, .. } | Encoding::Date { bins, .. } => bins,
            Encoding::Categorical { .. } => &[],
        }
    }

    /// Whether the data file's values are read as text (categories, dates and formatted
    /// numbers).
    pub fn is_text(&self) -> bool {
        !matches!(
            self,
            Encoding::Numeric {
                format: NumberFormat::Plain,
                ..
            }
        )
    }

    /// A few words on what the encoding does, for plans and summaries.
    pub fn describe(&self) -> String {
        match self {
            Encoding::Numeric {
                indicator,
                bins,
                format,
                ..
            } => {
                let mut s = String::from(match format {
                    NumberFormat::Plain => "number",
                    NumberFormat::Formatted => "number (formatted)",
                });
                if *indicator {
                    s.push_str(", median fill + missing indicator");
                }
                if !bins.is_empty() {
                    s.push_str(&format!(" + {} bins", bin_count(bins)));
                }
                s
            }
            Encoding::Categorical {
                levels,
                other,
                missing,
            } => {
                let mut s = format!("one-hot, {} levels", levels.len());
                if *other {
                    s.push_str(" + other");
                }
                if *missing {
                    s.push_str(" + missing");
                }
                s
            }
            Encoding::Date {
                indicator,
                bins,
                format,
                ..
            } => {
                let mut s = DATE_PARTS.join(", ");
                if !format.is_iso() {
                    s.push_str(&format!(" ({format:?} dates)").to_lowercase());
                }
                if *indicator {
                    s.push_str(" + missing indicator");
                }
                if !bins.is_empty() {
                    s.push_str(&format!(" + {} bins of the days", bin_count(bins)));
                }
                s
            }
        }
    }
}

/// The number of bins T of edges b_0..b_T.
fn bin_count(edges: &[f64]) -> usize {
    edges.len().saturating_sub(1)
}

impl Schema {
    /// The number of network inputs.
    pub fn width(&self) -> usize {
        self.columns.iter().map(|c| c.encoding.width()).sum()
    }

    /// The input columns' names, in order.
    pub fn names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The columns to read as text.
    pub fn text_columns(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.encoding.is_text())
            .map(|c| c.name.clone())
            .collect()
    }

    /// True when every column is a number used as it is, without a missing indicator, written
    /// with a decimal point: the inputs are the table's columns, as a version-1 model takes them.
    pub fn is_plain(&self) -> bool {
        self.decimal == b'.'
            && self.columns.iter().all(|c| {
                matches!(
                    &c.encoding,
                    Encoding::Numeric {
                        indicator: false,
                        bins,
                        ..
                    } if bins.is_empty()
                )
            })
    }

    /// The name of each network input: the column's for a number, `column=level`,
    /// `column=(other)`, `column=(missing)` for categories, `column.part` for dates,
    /// `column (missing)` for indicators, `column.bin<t>` for bins (t from 1).
    pub fn input_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.width());
        for c in &self.columns {
            let n = &c.name;
            match &c.encoding {
                Encoding::Numeric { indicator, .. } => {
                    names.push(n.clone());
                    if *indicator {
                        names.push(format!("{n} (missing)"));
                    }
                }
                Encoding::Categorical {
                    levels,
                    other,
                    missing,
                } => {
                    names.extend(levels.iter().map(|l| format!("{n}={l}")));
                    if *other {
                        names.push(format!("{n}=(other)"));
                    }
                    if *missing {
                        names.push(format!("{n}=(missing)"));
                    }
                }
                Encoding::Date { indicator, .. } => {
                    names.extend(DATE_PARTS.iter().map(|p| format!("{n}.{p}")));
                    if *indicator {
                        names.push(format!("{n} (missing)"));
                    }
                }
            }
            names.extend((1..=bin_count(c.encoding.bins())).map(|t| format!("{n}.bin{t}")));
        }
        names
    }

    /// For each network input, whether it is a 0/1 input (a category's level, an indicator).
    pub fn binary_inputs(&self) -> Vec<bool> {
        let mut out = Vec::with_capacity(self.width());
        for c in &self.columns {
            match &c.encoding {
                Encoding::Numeric { indicator, .. } => {
                    out.push(false);
                    if *indicator {
                        out.push(true);
                    }
                }
                Encoding::Categorical { .. } => {
                    out.extend(std::iter::repeat_n(true, c.encoding.width()));
                }
                Encoding::Date { indicator, .. } => {
                    out.extend([false; 5]);
                    if *indicator {
                        out.push(true);
                    }
                }
            }
            out.extend(std::iter::repeat_n(false, bin_count(c.encoding.bins())));
        }
        out
    }

    /// Whether a trimmed field marks a missing value.
    pub fn is_missing(&self, field: &str) -> bool {
        crate::data::is_missing(field, &self.na_values)
    }
}
