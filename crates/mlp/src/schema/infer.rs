//! Deciding each column's type ([`infer`], on the whole table) and learning its encoding
//! ([`fit`], on the training rows). The policy of which column becomes what lives here and
//! nowhere else.

use std::collections::HashMap;

use super::bins::{Bins, edges, takes_bins};
use super::date::{DateOrder, parts};
use super::number::NumberFormat;
use super::{Encoding, InputColumn, MAX_LEVELS, MIN_LEVEL_ROWS, ONE_HOT_LEVELS, Schema};
use crate::data::{ColumnRead, Columns, Table};
use crate::float::Float;

/// A text column is read as numbers when at least this share of its values are numbers (the
/// rest read as missing, with a note).
const MOSTLY_NUMERIC: f64 = 0.9;
/// A text column with a different value in every row is an ID or free text from this many rows.
const ID_ROWS: usize = 10;
/// A text column with more distinct values than this, and more than half of its rows, is free
/// text.
const FREE_TEXT_LEVELS: usize = 50;

/// The user's word on column types, which wins over what is inferred.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Columns to treat as categories (they must have been read as text).
    pub categorical: Vec<String>,
    /// Columns to treat as numbers (text that is not a number reads as missing).
    pub numeric: Vec<String>,
}

/// What a column is used as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Numbers.
    Numeric,
    /// Text categories.
    Categorical,
    /// ISO dates or date-times.
    Date,
    /// Not used, for the reason given.
    LeftOut(String),
}

impl Kind {
    /// The kind's name in plans: numeric, categorical, date or left out.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Numeric => "numeric",
            Kind::Categorical => "categorical",
            Kind::Date => "date",
            Kind::LeftOut(_) => "left out",
        }
    }
}

/// The plan for one feature column: its type and what the table holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnPlan {
    /// The column's name.
    pub name: String,
    /// What it is used as.
    pub kind: Kind,
    /// Rows with a missing value.
    pub missing: usize,
    /// Distinct non-missing values.
    pub distinct: usize,
    /// Something the user should know (values read as missing, a row index kept, ...).
    pub note: Option<String>,
    /// How a numeric column's text is read.
    pub number_format: NumberFormat,
    /// How a date column's text is read.
    pub date_order: DateOrder,
}

/// Decides the type of every feature column of `table` (read with `read`'s missing-value
/// markers), with the user's `overrides`; `count` also counts the distinct values of numeric
/// columns (for a description; it sorts every column).
///
/// A table whose features are all complete numbers is the seed's setting, the matrix as it is:
/// its columns stay as they are, but for a row index or an ID column, which is left out.
pub fn infer<T: Float>(
    table: &Table<T>,
    read: &Columns,
    overrides: &Overrides,
    count: bool,
) -> Vec<ColumnPlan> {
    let plain = table
        .columns
        .iter()
        .all(|c| c.text.is_none() && c.missing == 0);
    table
        .feature_names
        .iter()
        .zip(&table.columns)
        .enumerate()
        .map(|(j, (name, column))| {
            let forced_numeric = overrides.numeric.contains(name);
            let forced_categorical = overrides.categorical.contains(name);
            match &column.text {
                None => numeric_plan(table, j, name, column, forced_numeric, plain, count),
                Some(_) => text_plan(
                    table,
                    j,
                    name,
                    column,
                    read,
                    forced_numeric,
                    forced_categorical,
                ),
            }
        })
        .collect()
}

/// The plan of a column read as numbers. Distinct values are counted only when `count` is
/// set (it sorts the column).
fn numeric_plan<T: Float>(
    table: &Table<T>,
    j: usize,
    name: &str,
    column: &ColumnRead,
    forced: bool,
    plain: bool,
    count: bool,
) -> ColumnPlan {
    let values = table.x.column(j);
    let present = || values.iter().map(|v| v.wide()).filter(|v| !v.is_nan());
    let distinct_sorted = || {
        let mut sorted: Vec<f64> = present().collect();
        sorted.sort_by(f64::total_cmp);
        sorted.dedup();
        sorted
    };
    let n_present = values.len() - column.missing;
    let distinct = if count { distinct_sorted().len() } else { 0 };
    let plan = |kind: Kind, distinct: usize| ColumnPlan {
        name: name.to_owned(),
        kind,
        missing: column.missing,
        distinct,
        note: None,
        number_format: NumberFormat::Plain,
        date_order: DateOrder::Iso,
    };
    if n_present == 0 {
        return plan(Kind::LeftOut("every value is missing".into()), 0);
    }
    let keep = format!("--numeric {name} keeps it");
    if !forced && column.missing == 0 && is_row_index(present()) {
        let first = present().next().unwrap_or(0.0);
        let why = format!(
            "it counts the rows ({first}, {}, ...): a row index; {keep}",
            first + 1.0
        );
        return plan(Kind::LeftOut(why), n_present);
    }
    if !forced && looks_like_id(name) && present().all(|v| v.fract() == 0.0) {
        let all = distinct_sorted().len();
        if all == n_present {
            let why = format!("an ID (distinct integers in every row); {keep}");
            return plan(Kind::LeftOut(why), all);
        }
    }
    if !plain && !forced {
        let mut p = present();
        let first = p.next().unwrap_or(0.0);
        if p.all(|v| v == first) {
            return plan(Kind::LeftOut(format!("constant ({first})")), 1);
        }
    }
    plan(Kind::Numeric, distinct)
}

/// The plan of a column read as text.
fn text_plan<T: Float>(
    table: &Table<T>,
    j: usize,
    name: &str,
    column: &ColumnRead,
    read: &Columns,
    forced_numeric: bool,
    forced_categorical: bool,
) -> ColumnPlan {
    let Some(text) = &column.text else {
        return numeric_plan(table, j, name, column, forced_numeric, false, true);
    };
    let counts = text.counts(0..text.codes.len());
    let mut distinct = 0;
    let (mut present, mut missing) = (0usize, 0usize);
    // Values read as numbers in each format, as dates in each order.
    let mut numbers = [0usize; 2];
    let mut dates = [0usize; DateOrder::ALL.len()];
    let formats = [NumberFormat::Plain, NumberFormat::Formatted];
    for (v, &count) in text.values.iter().zip(&counts) {
        if count == 0 {
            continue;
        }
        if read.is_missing(v) {
            missing += count;
            continue;
        }
        distinct += 1;
        present += count;
        for (n, format) in numbers.iter_mut().zip(formats) {
            if format.parse(v, read.decimal).is_some() {
                *n += count;
            }
        }
        for (n, order) in dates.iter_mut().zip(DateOrder::ALL) {
            if order.parse_days(v).is_some() {
                *n += count;
            }
        }
    }
    let mostly = |n: usize| n as f64 >= MOSTLY_NUMERIC * present as f64;
    // Numbers as a program writes them, or else as people write them when that reads most
    // of the column.
    let number_format = match numbers {
        [plain, _] if mostly(plain) => NumberFormat::Plain,
        [_, formatted] if mostly(formatted) => NumberFormat::Formatted,
        _ => NumberFormat::Plain,
    };
    let date_order = DateOrder::ALL
        .into_iter()
        .zip(dates)
        .find(|&(_, n)| n == present)
        .map(|(order, _)| order);
    let plan = |kind: Kind, note: Option<String>| ColumnPlan {
        name: name.to_owned(),
        kind,
        missing,
        distinct,
        note,
        number_format,
        date_order: date_order.unwrap_or_default(),
    };
    let numeric = || {
        let read_as = |v: &str| number_format.parse(v, read.decimal);
        let bad = present - read_values(&numbers, number_format);
        let note = (bad > 0).then(|| {
            let first_text = text.codes.iter().position(|&c| {
                let v = &text.values[c as usize];
                !read.is_missing(v) && read_as(v).is_none()
            });
            let (line, example) = first_text.map_or((0, String::new()), |i| {
                (table.line(i), text.get(i).to_owned())
            });
            let line = crate::data::line_name(&table.name, line);
            format!(
                "{bad} value{} not a number (first {example:?} on {line}): read as missing; \
                 --categorical {name} reads the column as categories",
                if bad == 1 { " is" } else { "s are" }
            )
        });
        plan(Kind::Numeric, note)
    };
    if forced_numeric {
        return numeric();
    }
    if forced_categorical {
        return plan(Kind::Categorical, None);
    }
    if present == 0 {
        return plan(Kind::LeftOut("every value is missing".into()), None);
    }
    if date_order.is_some() {
        return plan(Kind::Date, None);
    }
    if mostly(read_values(&numbers, number_format)) {
        return numeric();
    }
    if distinct == 1 {
        let only = text
            .values
            .iter()
            .zip(&counts)
            .find(|(v, c)| **c > 0 && !read.is_missing(v))
            .map(|(v, _)| v)
            .cloned()
            .unwrap_or_default();
        return plan(Kind::LeftOut(format!("constant ({only:?})")), None);
    }
    let categorical = format!("--categorical {name} keeps it");
    if distinct == present && present >= ID_ROWS {
        return plan(
            Kind::LeftOut(format!(
                "a different text in every row (an ID or free text); {categorical}"
            )),
            None,
        );
    }
    if distinct > FREE_TEXT_LEVELS && 2 * distinct > present {
        return plan(
            Kind::LeftOut(format!(
                "{distinct} different texts in {present} rows (free text); {categorical}"
            )),
            None,
        );
    }
    plan(Kind::Categorical, None)
}

/// Of the values counted as numbers in each format, those that `format` reads.
fn read_values(numbers: &[usize; 2], format: NumberFormat) -> usize {
    match format {
        NumberFormat::Plain => numbers[0],
        NumberFormat::Formatted => numbers[1],
    }
}

/// Values that count the rows: 0, 1, 2, ... or 1, 2, 3, ... in file order.
fn is_row_index(mut values: impl Iterator<Item = f64>) -> bool {
    let Some(start) = values.next().filter(|&s| s == 0.0 || s == 1.0) else {
        return false;
    };
    let mut n = 1usize;
    for v in values {
        if v != start + n as f64 {
            return false;
        }
        n += 1;
    }
    n >= ID_ROWS
}

/// Names such as `id`, `ID`, `customer_id`, `PassengerId`, `index`.
pub(crate) fn looks_like_id(name: &str) -> bool {
    let lower = name.to_lowercase();
    lower == "id"
        || lower == "index"
        || lower.ends_with("_id")
        || lower.ends_with(" id")
        || (name.ends_with("Id") || name.ends_with("ID")) && name.len() > 2
}

/// Learns the encoding of each column the plans use, from the rows `train` of `table`; `bins`
/// decides how many piecewise-linear bins each number and date gets.
pub fn fit<T: Float>(
    table: &Table<T>,
    plans: &[ColumnPlan],
    read: &Columns,
    train: &[usize],
    bins: Bins,
) -> Schema {
    // Complete numbers are used as they are: no fill to learn (it would sort every column).
    let complete = table.is_complete();
    let numbers = plans
        .iter()
        .filter(|p| matches!(p.kind, Kind::Numeric | Kind::Date))
        .count();
    let binnable = match bins {
        Bins::Auto if !complete => binnable_columns(table, plans, read, train),
        _ => numbers,
    };
    let t = bins.count(train.len(), numbers, binnable, complete);
    let mut columns = Vec::new();
    for (j, (plan, column)) in plans.iter().zip(&table.columns).enumerate() {
        let encoding = match plan.kind {
            Kind::LeftOut(_) => continue,
            Kind::Numeric if complete && t == 0 => Encoding::Numeric {
                fill: 0.0,
                indicator: false,
                bins: Vec::new(),
                format: NumberFormat::Plain,
            },
            Kind::Numeric => {
                let format = plan.number_format;
                let values = numeric_values(table, j, column, read, format, train);
                let present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
                Encoding::Numeric {
                    indicator: present.len() < values.len(),
                    bins: edges(&present, t),
                    fill: median(present),
                    format,
                }
            }
            Kind::Categorical => categorical(column, read, train),
            Kind::Date => {
                let order = plan.date_order;
                let days: Vec<Option<f64>> = train
                    .iter()
                    .map(|&i| {
                        column
                            .text
                            .as_ref()
                            .and_then(|t| order.parse_days(t.get(i)))
                    })
                    .collect();
                let present: Vec<[f64; 5]> = days.iter().flatten().map(|&d| parts(d)).collect();
                let fill = std::array::from_fn(|k| median(present.iter().map(|p| p[k]).collect()));
                let present_days: Vec<f64> = days.iter().flatten().copied().collect();
                Encoding::Date {
                    fill,
                    indicator: present.len() < days.len(),
                    bins: edges(&present_days, t),
                    format: order,
                }
            }
        };
        columns.push(InputColumn {
            name: plan.name.clone(),
            encoding,
        });
    }
    Schema {
        columns,
        na_values: read.na_values.clone(),
        decimal: read.decimal,
    }
}

/// How many of the numeric and date columns can take bins: the dates, and the numbers that
/// [`takes_bins`] on the training rows.
fn binnable_columns<T: Float>(
    table: &Table<T>,
    plans: &[ColumnPlan],
    read: &Columns,
    train: &[usize],
) -> usize {
    plans
        .iter()
        .zip(&table.columns)
        .enumerate()
        .filter(|(j, (plan, column))| match plan.kind {
            Kind::Date => true,
            Kind::Numeric => match &column.text {
                // Read in place: most columns show three values within their first rows.
                None => takes_bins(train.iter().map(|&i| table.x[[i, *j]].wide())),
                Some(_) => takes_bins(numeric_values(
                    table,
                    *j,
                    column,
                    read,
                    plan.number_format,
                    train,
                )),
            },
            _ => false,
        })
        .count()
}

/// Column `j`'s values on `rows` as numbers, NaN where missing or not a number.
fn numeric_values<T: Float>(
    table: &Table<T>,
    j: usize,
    column: &ColumnRead,
    read: &Columns,
    format: NumberFormat,
    rows: &[usize],
) -> Vec<f64> {
    match &column.text {
        None => rows.iter().map(|&i| table.x[[i, j]].wide()).collect(),
        Some(text) => {
            let parsed: Vec<f64> = text
                .values
                .iter()
                .map(|v| match read.is_missing(v) {
                    true => f64::NAN,
                    false => format.parse(v, read.decimal).unwrap_or(f64::NAN),
                })
                .collect();
            rows.iter()
                .map(|&i| parsed[text.codes[i] as usize])
                .collect()
        }
    }
}

/// The levels of a categorical column on the training rows: all of them up to
/// [`ONE_HOT_LEVELS`], else the most frequent with at least [`MIN_LEVEL_ROWS`] rows, at most
/// [`MAX_LEVELS`], the rest sharing the "other" input.
fn categorical(column: &ColumnRead, read: &Columns, train: &[usize]) -> Encoding {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut missing = false;
    if let Some(text) = &column.text {
        for &i in train {
            let v = text.get(i);
            if read.is_missing(v) {
                missing = true;
            } else {
                *counts.entry(v).or_default() += 1;
            }
        }
    }
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let all = by_count.len();
    if all > ONE_HOT_LEVELS {
        by_count.retain(|(_, c)| *c >= MIN_LEVEL_ROWS);
        by_count.truncate(MAX_LEVELS);
    }
    let mut levels: Vec<String> = by_count.iter().map(|(l, _)| (*l).to_owned()).collect();
    levels.sort();
    Encoding::Categorical {
        other: levels.len() < all,
        levels,
        missing,
    }
}

/// The median (the mean of the two middle values for an even count); 0 for no values.
fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
