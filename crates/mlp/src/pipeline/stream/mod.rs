//! Training on CSV files larger than the memory given to their data: the files are read a
//! piece at a time for every pass over them, and the run writes the model that
//! [`super::fit_with`] writes from the data held in memory, byte for byte.
//!
//! What it supports: one network on a table whose features are numbers and whose targets are
//! numbers or labels, with no missing value (the plain schema of a version-1 model). The passes
//! before training read the files three times: the rows, the task and the classes
//! ([`survey`]); the means of the training rows; their variances (each sum in the order
//! [`Scaling::fit`] takes, so the same bits). The validation rows, a function of the number of
//! rows and the seed, are held in memory. Every pass of training then reads the files again
//! ([`rows`]): the full-batch solvers' passes are summed piece by piece as the batch in memory
//! is ([`crate::driver::full_batch`]), the mini-batches of sgd and adam come through a shuffle
//! buffer (`train::streamed`).

use std::sync::{Arc, Mutex};

use ndarray::Array2;

use super::split::validation_rows;
use super::{FitOptions, Fitted, Recipe, build, record};
use crate::data::{ColumnRead, Columns, CsvStream, Source, Table, TargetColumn};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::Scaling;
use crate::network::Network;
use crate::pipeline::ClassWeight;
use crate::preprocess::{Task, classes_of};
use crate::schema::{ColumnPlan, DateOrder, Kind, NumberFormat, fit as fit_schema};
use crate::train::{Hooks, TrainData};
use crate::workspace::SharedRows;

mod rows;
mod survey;

use rows::Rows;
use survey::{survey, task_of};

/// What [`fit_streamed`] may hold in memory, in bytes: the pieces of the files being read, the
/// shuffle buffer and the validation rows (the network and the solver's state come on top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget(pub u64);

impl Budget {
    /// Bytes of text a piece of the file takes.
    fn piece_bytes(self) -> usize {
        usize::try_from(self.0 / 8)
            .unwrap_or(usize::MAX)
            .max(1 << 16)
    }

    /// Rows a piece of training rows holds, of `width` values of `bytes` each.
    fn piece_rows(self, width: usize, bytes: usize) -> usize {
        let per_row = (width * bytes).max(1) as u64;
        usize::try_from(self.0 / 4 / per_row)
            .unwrap_or(usize::MAX)
            .max(1)
    }
}

/// Trains a single network on `source` (CSV files) read a piece at a time within `budget`, as
/// [`super::fit_with`] trains it on the table in memory, with the options `options_for` gives
/// for the task (`task`, or the one the targets say); refuses what it cannot make exact.
pub fn fit_streamed<T: Float>(
    source: &Source,
    columns: &Columns,
    task: Option<Task>,
    options_for: &dyn Fn(Task) -> FitOptions,
    budget: Budget,
    hooks: impl Hooks + Send,
) -> Result<Fitted<T>> {
    let first = options_for(task.unwrap_or(Task::Classification));
    refuse_options(&first)?;
    first.train.validate()?;
    let mut csv = CsvStream::open(source, columns, budget.piece_bytes())?;
    let survey = survey::<T>(&mut csv, &first)?;
    let name = csv.name().to_owned();
    let (task, reason) = task_of(&survey, task)?;
    let options = &options_for(task);
    refuse_options(options)?;
    options.train.validate()?;
    let classification = task == Task::Classification;
    let n = survey.rows;
    // A complete numeric table: the recipe of one in memory (its ensemble is refused above).
    let f = Recipe::for_rows(false, n, task, options).validation_fraction;
    let classes = classification.then(|| {
        let labels: Vec<String> = survey.labels.iter().cloned().collect();
        classes_of(&labels)
    });
    let strata: Option<Vec<usize>> = classes.as_ref().map(|classes| {
        let at: Vec<usize> = survey
            .first_seen
            .iter()
            .map(|l| classes.iter().position(|c| c == l).unwrap_or(0))
            .collect();
        survey.row_labels.iter().map(|&i| at[i as usize]).collect()
    });
    let val_rows = validation_rows(n, f, options.train.seed, strata.as_deref())?;
    drop(strata);
    let width = survey.feature_names.len();
    // The model, as a table of no rows gives it (the plain schema learns nothing from rows).
    let table = Table::<T> {
        name: name.clone(),
        feature_names: survey.feature_names.clone(),
        x: Array2::zeros((0, width)),
        columns: vec![ColumnRead::default(); width],
        targets: survey
            .target_names
            .iter()
            .map(|t| TargetColumn {
                name: t.clone(),
                values: classes.clone().unwrap_or_default(),
                lines: Vec::new(),
            })
            .collect(),
        kept: Vec::new(),
        lines: Vec::new(),
        ignored: Vec::new(),
        na_values: survey.format.na_values.clone(),
        decimal: survey.format.decimal,
    };
    let plan: Vec<ColumnPlan> = survey
        .feature_names
        .iter()
        .map(|c| ColumnPlan {
            name: c.clone(),
            kind: Kind::Numeric,
            missing: 0,
            distinct: 0,
            note: None,
            number_format: NumberFormat::Plain,
            date_order: DateOrder::Iso,
        })
        .collect();
    // Bins learn their edges from the rows: refused before the schema is fitted on none.
    if options.bins.count(n - val_rows.len(), width, width, true) > 0 {
        return Err(Error::config(
            "memory",
            "data streamed from disk takes its numbers as they are: no --bins",
        ));
    }
    // Complete numbers without bins learn nothing from the rows (the schema asks for none).
    let schema = fit_schema(&table, &plan, &survey.format, &[], options.bins);
    if !(schema.is_plain() && schema.columns.len() == width) {
        return Err(Error::config(
            "memory",
            "data streamed from disk takes its numbers as they are: no --bins",
        ));
    }
    let mut model = build::new_model(&table, task, options, Some(&schema))?;
    let outputs = model.network.n_outputs();
    let row_bytes = (width + outputs) * std::mem::size_of::<T>();
    let held = (val_rows.len() as u64).saturating_mul(row_bytes as u64);
    if held > budget.0 / 8 * 3 {
        return Err(Error::config(
            "validation_fraction",
            format!(
                "the {} validation rows take {}, more than 3/8 of --memory ({}): give a \
                 smaller --validation-fraction (0: none) or more --memory",
                val_rows.len(),
                shown_bytes(held),
                shown_bytes(budget.0)
            ),
        ));
    }
    let v2 = !model.network.activations().iter().all(|g| g.in_version_1());
    model.schema = Some(schema).filter(|s| !s.is_plain() || v2);
    // The means of the training rows, and the validation rows as read.
    // A piece of training rows costs its rows and the passes' activations and deltas of them.
    let pass_bytes = 2 * model.network.sizes().iter().sum::<usize>() * std::mem::size_of::<T>();
    let mut rows = Rows::new(csv, &model, (n, val_rows), row_bytes + pass_bytes, budget);
    let regression = task == Task::Regression;
    let mut x_sums = vec![0.0; width];
    let mut y_sums = vec![0.0; outputs];
    let mut validation = (
        Vec::<T>::with_capacity(rows.skip.len() * width),
        Vec::<T>::with_capacity(rows.skip.len() * outputs),
    );
    rows.each_piece(|x, y, held| {
        Scaling::add_rows(&mut x_sums, x.view());
        Scaling::add_rows(&mut y_sums, y.view());
        if let Some((hx, hy)) = held {
            validation.0.extend(hx.iter().copied());
            validation.1.extend(hy.iter().copied());
        }
    })?;
    let n_train = rows.train_rows();
    let n_val = rows.skip.len();
    let mut notes = Vec::new();
    let options = &mini_batches(options, n_train, row_bytes, budget, &mut notes)?;
    let config = options.train.validate()?;
    if options.standardize {
        let x_mean = Scaling::means(x_sums, n_train);
        let y_mean = Scaling::means(y_sums, n_train);
        let mut x_var = vec![0.0; width];
        let mut y_var = vec![0.0; outputs];
        rows.each_piece(|x, y, _| {
            Scaling::add_squares(&mut x_var, x.view(), &x_mean);
            Scaling::add_squares(&mut y_var, y.view(), &y_mean);
        })?;
        model.input_scaling = Some(Scaling::of_sums(x_mean, &x_var, n_train));
        if regression {
            model.target_scaling = Some(Scaling::of_sums(y_mean, &y_var, n_train));
        }
    }
    let to_matrix = |v: Vec<T>, w: usize| {
        Array2::from_shape_vec((v.len() / w.max(1), w), v)
            .map_err(|_| Error::shape("validation rows", "whole rows", "a part of one"))
    };
    let mut validation = match n_val {
        0 => None,
        _ => Some((
            to_matrix(validation.0, width)?,
            to_matrix(validation.1, outputs)?,
        )),
    };
    if let Some((xv, yv)) = validation.as_mut() {
        model.scale_inputs(xv);
        if let Some(s) = &model.target_scaling {
            s.apply(yv);
        }
    }
    rows.model = model.clone();
    let mut net: Network<T> = model.network.cast();
    let zero = ndarray::Array1::<T>::zeros(1);
    let shape = |w: usize| zero.broadcast((n_train, w));
    let (Some(x), Some(y)) = (shape(width), shape(outputs)) else {
        return Err(Error::shape("training rows", "a shape", "none"));
    };
    let data = TrainData {
        x,
        y,
        validation: validation.as_ref().map(|(a, b)| (a.view(), b.view())),
    };
    let shared = SharedRows(Arc::new(Mutex::new(rows)));
    let report = crate::train::train_streamed(&mut net, data, config, shared, hooks)?;
    model.network = net.cast();
    model.training = Some(record::record(
        options,
        1,
        task,
        &report,
        n_train,
        n_val,
        model.input_scaling.is_some(),
    ));
    notes.insert(
        0,
        format!(
            "the data did not fit in --memory: {n} rows streamed from disk, read again for every \
         pass ({n_val} validation rows held in memory)"
        ),
    );
    Ok(Fitted {
        model,
        report,
        task: (task, reason),
        train: (Array2::zeros((0, width)), Array2::zeros((0, outputs))),
        validation,
        plan,
        notes,
    })
}

/// The options of a run of sgd or adam on `n` rows streamed from disk: their mini-batches are
/// shuffled through a buffer of fewer rows than the data, `--shuffle-buffer N` or a quarter of
/// the budget (said in `notes`).
fn mini_batches(
    options: &FitOptions,
    n: usize,
    row_bytes: usize,
    budget: Budget,
    notes: &mut Vec<String>,
) -> Result<FitOptions> {
    let mut options = options.clone();
    let t = &mut options.train;
    let batch = t.batch_size.unwrap_or(200).min(n);
    if t.solver.full_batch() || !t.shuffle || batch >= n {
        return Ok(options);
    }
    let quarter = budget.0 / 4 / row_bytes.max(1) as u64;
    let b = match t.shuffle_buffer {
        Some(b) => {
            if (b as u64).saturating_mul(row_bytes as u64) > budget.0 / 4 {
                return Err(Error::config(
                    "shuffle_buffer",
                    format!(
                        "{b} rows take {}, more than a quarter of --memory ({}): give at most \
                         {quarter}",
                        shown_bytes(b as u64 * row_bytes as u64),
                        shown_bytes(budget.0)
                    ),
                ));
            }
            b
        }
        None => {
            let b = usize::try_from(quarter)
                .unwrap_or(usize::MAX)
                .clamp(1, n - 1);
            notes.push(format!(
                "mini-batches shuffled through a buffer of {b} rows: the same command with \
                 --shuffle-buffer {b} and without --memory trains the same model"
            ));
            b
        }
    };
    if b >= n {
        return Err(Error::config(
            "shuffle_buffer",
            format!(
                "{b} rows hold all {n} training rows: on data streamed from disk the buffer \
                 holds fewer"
            ),
        ));
    }
    t.shuffle_buffer = Some(b);
    Ok(options)
}

/// `1.5 MB`, `12 KB`, `300 bytes`.
fn shown_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{:.1} KB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

/// Refuses the options that training on streamed data cannot follow.
fn refuse_options(options: &FitOptions) -> Result<()> {
    let why = if options.ensemble.is_some_and(|k| k > 1) {
        Some(("ensemble", "an ensemble"))
    } else if options.class_weight != ClassWeight::None {
        Some(("class_weight", "--class-weight"))
    } else if options.sample_weight.is_some() {
        Some(("sample_weight", "--sample-weight"))
    } else if options.label_smoothing != 0.0 {
        Some(("label_smoothing", "--label-smoothing"))
    } else if !options.overrides.categorical.is_empty() {
        Some(("categorical", "--categorical"))
    } else {
        None
    };
    match why {
        Some((field, what)) => Err(Error::config(
            field,
            format!(
                "{what}: the data does not fit in --memory, and training on data streamed from \
                 disk supports one network on complete numeric tables; give --memory enough to hold \
                 the data"
            ),
        )),
        None => Ok(()),
    }
}
