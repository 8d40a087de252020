//! Training on a CSV file larger than the memory given to its data: the file is read a piece
//! at a time for every pass over it, and the run writes the model that [`super::fit_with`]
//! writes from the file held in memory, byte for byte.
//!
//! What it supports: one network trained by a full-batch solver (gd, lbfgs, cg) on a table
//! whose features and targets are numbers or labels with no missing value (the plain schema
//! of a version-1 model). The passes before training read the file three times: the rows,
//! the task and the classes; the means of the training rows; their variances (each sum in the
//! order [`Scaling::fit`] takes, so the same bits). The validation rows, a function of the
//! number of rows and the seed, are held in memory. Every pass of training then reads the
//! file again, and the driver sums its pieces as it sums the batch in memory
//! ([`crate::driver::full_batch`]).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use ndarray::Array2;

use super::split::{complement, validation_rows};
use super::{FitOptions, Fitted, build, record};
use crate::data::{ColumnRead, Columns, CsvStream, Source, Table, TargetColumn};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::{Model, Scaling};
use crate::network::Network;
use crate::pipeline::ClassWeight;
use crate::preprocess::{Task, classes_of};
use crate::schema::{ColumnPlan, Kind, fit as fit_schema, looks_like_id};
use crate::train::{Hooks, TrainData};
use crate::workspace::SharedRows;

/// The most distinct labels a streamed classification may have.
const MAX_CLASSES: usize = 10_000;

/// The fewest rows a column counting them must have to be a row index (as the schema says).
const INDEX_ROWS: usize = 10;

/// What [`fit_streamed`] may hold in memory, in bytes: the pieces of the file being read and
/// the validation rows (the network and the solver's state come on top).
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

/// What the first pass learns of the file.
struct Survey {
    rows: usize,
    feature_names: Vec<String>,
    target_names: Vec<String>,
    format: Columns,
    /// Per target column: every value a finite number, an integer, a whole number.
    numbers: Vec<bool>,
    integers: bool,
    whole: bool,
    /// The distinct labels of the first target column (up to [`MAX_CLASSES`] + 1).
    labels: BTreeSet<String>,
    /// Each row's label, as an index into the labels in order of first appearance.
    row_labels: Vec<u32>,
    first_seen: Vec<String>,
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
    let every_row = classification && options.train.solver.is_quasi_newton();
    let f = options
        .validation_fraction
        .unwrap_or(if every_row { 0.0 } else { 0.1 });
    let n = survey.rows;
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
        })
        .collect();
    // Bins learn their edges from the rows: refused before the schema is fitted on none.
    if options.bins.count(n - val_rows.len(), width, true) > 0 {
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

/// The first pass: rows, names, what the targets hold; refuses missing values, text in the
/// features, and columns the schema would leave out (row indices, IDs).
fn survey<T: Float>(csv: &mut CsvStream, options: &FitOptions) -> Result<Survey> {
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
fn complete<T: Float>(piece: &Table<T>) -> Result<()> {
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
fn task_of(s: &Survey, task: Option<Task>) -> Result<(Task, Option<String>)> {
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

/// The training rows of the file, scaled and encoded as the network sees them, read a piece at
/// a time; the validation rows (`skip`) left out.
struct Rows<T> {
    csv: CsvStream,
    model: Model,
    skip: Vec<usize>,
    piece_rows: usize,
    /// The file's rows.
    total: usize,
    /// The file's row that comes next, and the next of `skip` to meet.
    row: usize,
    skip_at: usize,
    carry: (Vec<T>, Vec<T>),
    width: (usize, usize),
}

impl<T: Float> Rows<T> {
    fn new(
        csv: CsvStream,
        model: &Model,
        (total, skip): (usize, Vec<usize>),
        row_bytes: usize,
        budget: Budget,
    ) -> Self {
        let width = (model.network.n_inputs(), model.network.n_outputs());
        Rows {
            total,
            csv,
            model: model.clone(),
            skip,
            piece_rows: budget.piece_rows(row_bytes.max(1), 1),
            row: 0,
            skip_at: 0,
            carry: (Vec::new(), Vec::new()),
            width,
        }
    }

    fn train_rows(&self) -> usize {
        self.total - self.skip.len()
    }

    /// Reads the next piece of the file: its training rows and its validation rows, encoded
    /// (scaled when the model has its scaling); `None` at the end.
    #[allow(clippy::type_complexity)]
    fn next_piece(&mut self) -> Result<Option<((Array2<T>, Array2<T>), (Array2<T>, Array2<T>))>> {
        let Some(piece) = self.csv.next_piece::<T>()? else {
            return Ok(None);
        };
        complete(&piece)?;
        let y: Array2<T> = self.model.encode_targets(&piece.targets, &piece.name)?;
        let x = piece.x;
        let m = x.nrows();
        let mut held = Vec::new();
        while self.skip_at < self.skip.len() && self.skip[self.skip_at] < self.row + m {
            held.push(self.skip[self.skip_at] - self.row);
            self.skip_at += 1;
        }
        self.row += m;
        let keep = complement(m, &held);
        let (mut xt, yt) = (
            super::split::gather(x.view(), &keep),
            super::split::gather(y.view(), &keep),
        );
        let (xv, yv) = (
            super::split::gather(x.view(), &held),
            super::split::gather(y.view(), &held),
        );
        // The targets were scaled by encoding (the model's target scaling, once it has one).
        self.model.scale_inputs(&mut xt);
        Ok(Some(((xt, yt), (xv, yv))))
    }

    /// Calls `f(x, y, validation)` on the training rows of every piece of the file, from the
    /// start, with the piece's validation rows (as read) when it has some.
    fn each_piece(
        &mut self,
        mut f: impl FnMut(&Array2<T>, &Array2<T>, Option<(&Array2<T>, &Array2<T>)>),
    ) -> Result<()> {
        self.start()?;
        while let Some(((x, y), (xv, yv))) = self.next_piece()? {
            let held = (xv.nrows() > 0).then_some((&xv, &yv));
            f(&x, &y, held);
        }
        Ok(())
    }

    fn start(&mut self) -> Result<()> {
        self.csv.restart()?;
        self.row = 0;
        self.skip_at = 0;
        self.carry.0.clear();
        self.carry.1.clear();
        Ok(())
    }
}

impl<T: Float> crate::driver::RowSource<T> for Rows<T> {
    fn rows(&self) -> usize {
        self.train_rows()
    }

    fn piece_rows(&self) -> usize {
        self.piece_rows
    }

    fn restart(&mut self) -> Result<()> {
        self.start()
    }

    fn next_rows(&mut self, count: usize) -> Result<(Array2<T>, Array2<T>)> {
        let (w, k) = self.width;
        while self.carry.0.len() < count * w {
            let Some(((x, y), _)) = self.next_piece()? else {
                return Err(Error::Data {
                    at: crate::error::Location::file(self.csv.name()),
                    message: "has fewer rows than when it was first read: it changed during \
                              training"
                        .into(),
                });
            };
            self.carry.0.extend(x.iter().copied());
            self.carry.1.extend(y.iter().copied());
        }
        let x: Vec<T> = self.carry.0.drain(..count * w).collect();
        let y: Vec<T> = self.carry.1.drain(..count * k).collect();
        let bad = |_| Error::shape("a piece of rows", "whole rows", "a part of one");
        Ok((
            Array2::from_shape_vec((count, w), x).map_err(bad)?,
            Array2::from_shape_vec((count, k), y).map_err(bad)?,
        ))
    }
}
