//! The first pass over a file streamed from disk: its rows, names and what its targets hold,
//! and the task they say; what streaming cannot follow refused.

use std::collections::BTreeSet;

use super::super::FitOptions;
use crate::data::{Columns, CsvStream, Table};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::preprocess::Task;
use crate::schema::looks_like_id;

/// The most distinct labels a streamed classification may have.
const MAX_CLASSES: usize = 10_000;

/// The fewest rows a column counting them must have to be a row index (as the schema says).
const INDEX_ROWS: usize = 10;

/// What the first pass learns of the file.
pub(super) struct Survey {
    pub(super) rows: usize,
    pub(super) feature_names: Vec<String>,
    pub(super) target_names: Vec<String>,
    pub(super) format: Columns,
    /// Per target column: every value a finite number, an integer, a whole number.
    pub(super) numbers: Vec<bool>,
    pub(super) integers: bool,
    pub(super) whole: bool,
    /// The distinct labels of the first target column (up to [`MAX_CLASSES`] + 1).
    pub(super) labels: BTreeSet<String>,
    /// Each row's label, as an index into the labels in order of first appearance.
    pub(super) row_labels: Vec<u32>,
    pub(super) first_seen: Vec<String>,
}

/// The first pass: rows, names, what the targets hold; refuses missing values, text in the
/// features, and columns the schema would leave out (row indices, IDs).
pub(super) fn survey<T: Float>(csv: &mut CsvStream, options: &FitOptions) -> Result<Survey> {
    let mut s: Option<Survey> = None;
    let mut index: Vec<Option<f64>> = Vec::new();
    let mut integral: Vec<bool> = Vec::new();
    let mut seen_at = std::collections::HashMap::<String, u32>::new();
    let mut labelled = true;
    while let Some(piece) = csv.next_piece::<T>()? {
        complete(&piece)?;
        let s = s.get_or_insert_with(|| {
            index = vec![None; piece.feature_names.len()];
            integral = vec![true; piece.feature_names.len()];
            Survey {
                rows: 0,
                feature_names: piece.feature_names.clone(),
                target_names: piece.targets.iter().map(|t| t.name.clone()).collect(),
                format: piece.format(),
                numbers: vec![true; piece.targets.len()],
                integers: true,
                whole: true,
                labels: BTreeSet::new(),
                row_labels: Vec::new(),
                first_seen: Vec::new(),
            }
        });
        for (j, column) in piece.x.columns().into_iter().enumerate() {
            for (i, v) in column.iter().enumerate() {
                let v = v.wide();
                let row = s.rows + i;
                index[j] = match (row, index[j]) {
                    (0, _) if v == 0.0 || v == 1.0 => Some(v),
                    (_, Some(start)) if v == start + row as f64 => Some(start),
                    _ => None,
                };
                integral[j] &= v.fract() == 0.0;
            }
        }
        for (k, t) in piece.targets.iter().enumerate() {
            s.numbers[k] &= t.is_numeric();
        }
        if let Some(t) = piece.targets.first() {
            for v in &t.values {
                s.integers &= v.parse::<i64>().is_ok();
                s.whole &= v.trim().parse::<f64>().is_ok_and(|x| x.fract() == 0.0);
                if s.labels.len() <= MAX_CLASSES && !s.labels.contains(v) {
                    s.labels.insert(v.clone());
                }
                if !labelled {
                    continue;
                }
                let next = seen_at.len() as u32;
                let at = *seen_at.entry(v.clone()).or_insert_with(|| {
                    s.first_seen.push(v.clone());
                    next
                });
                s.row_labels.push(at);
                if seen_at.len() > MAX_CLASSES {
                    // Too many labels for classes: regression, whose rows need no label.
                    labelled = false;
                    seen_at = std::collections::HashMap::new();
                    s.first_seen = Vec::new();
                    s.row_labels = Vec::new();
                }
            }
        }
        s.rows += piece.x.nrows();
    }
    let Some(s) = s else {
        return Err(Error::Data {
            at: crate::error::Location::file(csv.name()),
            message: "has a header but no data rows".into(),
        });
    };
    for (j, name) in s.feature_names.iter().enumerate() {
        let forced = options.overrides.numeric.contains(name);
        let why = if index[j].is_some() && s.rows >= INDEX_ROWS {
            Some("counts the rows (a row index, which mlp leaves out)")
        } else if looks_like_id(name) && integral[j] {
            Some("may be an ID (mlp leaves out IDs, which only the data in memory can tell)")
        } else {
            None
        };
        if let Some(why) = why.filter(|_| !forced) {
            return Err(Error::config(
                "memory",
                format!(
                    "column \"{name}\" {why}: on data streamed from disk, --drop {name} or \
                     --numeric {name} says what to do"
                ),
            ));
        }
    }
    Ok(s)
}

/// Refuses a piece with a missing value or a missing target.
pub(super) fn complete<T: Float>(piece: &Table<T>) -> Result<()> {
    let note = ": data streamed from disk must be complete (give --memory enough to hold the data)";
    piece.require_numbers().map_err(|e| match e {
        Error::Data { at, message } => Error::Data {
            at,
            message: format!("{message}{note}"),
        },
        e => e,
    })?;
    for t in &piece.targets {
        if let Some(i) = t.values.iter().position(|v| piece.is_missing(v)) {
            return Err(Error::Data {
                at: crate::error::Location::file(&piece.name)
                    .at_line(t.line(i))
                    .at_column(&t.name),
                message: format!("the target is missing{note}"),
            });
        }
    }
    Ok(())
}

/// The task, as [`super::infer_task`] infers it from the table in memory.
pub(super) fn task_of(s: &Survey, task: Option<Task>) -> Result<(Task, Option<String>)> {
    if let Some(t) = task {
        if t == Task::Classification && s.labels.len() > MAX_CLASSES {
            return Err(Error::config(
                "memory",
                format!("more than {MAX_CLASSES} classes on data streamed from disk"),
            ));
        }
        return Ok((t, None));
    }
    let (task, why) = if !s.numbers.iter().all(|&b| b) {
        (
            Task::Classification,
            "the targets hold text labels".to_owned(),
        )
    } else if s.numbers.len() == 1 && s.integers && s.labels.len() <= 20 {
        let d = s.labels.len();
        (
            Task::Classification,
            format!("the targets are {d} distinct integers"),
        )
    } else if s.numbers.len() == 1 && s.labels.len() == 2 && s.whole {
        (
            Task::Classification,
            "the targets are two whole numbers".to_owned(),
        )
    } else {
        (Task::Regression, "the targets are numbers".to_owned())
    };
    if task == Task::Classification && s.labels.len() > MAX_CLASSES {
        return Err(Error::config(
            "memory",
            format!("more than {MAX_CLASSES} classes on data streamed from disk"),
        ));
    }
    Ok((task, Some(why)))
}
