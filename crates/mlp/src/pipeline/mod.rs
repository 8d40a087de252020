//! From a data table to a trained [`Model`] in one call: task, targets, validation split,
//! standardization, network, training, and the record of how it was trained.

mod build;
mod cv;
mod ensemble;
mod recipe;
mod record;
mod score;
mod split;
mod stream;
mod weights;

pub use build::infer_task;
pub use cv::{Candidate, LAMBDA_FOLDS, LambdaChoice, choose_lambda, fold_scores, folds};
pub use recipe::Recipe;
pub use score::{score, score_by, score_outputs};
pub use stream::{Budget, fit_streamed};
pub use weights::{ClassWeight, smooth_labels};

use crate::activation::Activation;
use crate::data::Table;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::Init;
use crate::loss::Loss;
use crate::model::{Model, Scaling};
use crate::network::Network;
use crate::preprocess::{Task, classes_of};
use crate::schema::{Bins, ColumnPlan, Overrides, fit as fit_schema, infer};
use crate::train::{EpochStats, Hooks, Solver, TrainConfig, TrainData, TrainReport, TrainState};
use ndarray::Array2;
use split::{compact, complement, gather, validation_rows};

/// The most networks an ensemble may hold.
pub const MAX_ENSEMBLE: usize = 100;

/// What to build and how to train it. `Default` holds the defaults of `mlp train`.
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// Classification or regression; `None`: inferred from the targets.
    pub task: Option<Task>,
    /// Sizes of the hidden layers.
    pub hidden: Vec<usize>,
    /// Activation of the hidden layers.
    pub activation: Activation,
    /// Output activation; `None`: softmax for classification, identity for regression.
    pub output: Option<Activation>,
    /// Loss; `None`: the output's canonical loss.
    pub loss: Option<Loss>,
    /// Standardize inputs (and regression targets) with statistics of the training rows.
    pub standardize: bool,
    /// Share of the rows held out for validation and early stopping (0: none); `None`: the
    /// recipe's (see [`Recipe`]).
    pub validation_fraction: Option<f64>,
    /// Initial weights.
    pub init: Init,
    /// The training settings.
    pub train: TrainConfig,
    /// The user's word on column types (`--categorical`, `--numeric`).
    pub overrides: Overrides,
    /// How many piecewise-linear bins each number gets (see [`Bins`]).
    pub bins: Bins,
    /// Networks in the ensemble (1: a single network); `None`: the recipe's (see [`Recipe`]).
    /// Member k (from 0) is trained with seed `train.seed + k`, which draws its initial
    /// weights, its shuffles and its validation rows; all members share the input schema and
    /// scaling, fitted on member 0's training rows.
    pub ensemble: Option<usize>,
    /// How the classes are weighted in J (classification with the softmax output).
    pub class_weight: ClassWeight,
    /// The kept column (see `Columns::keep`) whose numbers weigh each row in J.
    pub sample_weight: Option<String>,
    /// Label smoothing epsilon in [0, 1) (classification): the targets become
    /// (1 - epsilon) y + epsilon / K for K softmax outputs, (1 - epsilon) y + epsilon / 2 for
    /// sigmoid outputs (see [`smooth_labels`]).
    pub label_smoothing: f64,
    /// The L2 strengths a small real table chooses lambda among by cross-validation (see
    /// [`Recipe`]); empty: `train.lambda` as it is. [`FitOptions::defaults_for`] fills it;
    /// a lambda the user gives empties it.
    pub lambda_grid: Vec<f64>,
}

impl FitOptions {
    /// The candidates of [`FitOptions::lambda_grid`] in `mlp train`'s defaults: the default
    /// lambda 1 and stronger ones, up to one that leaves a tiny table's network close to the
    /// mean (measured: docs/defaults.md).
    pub const LAMBDA_GRID: [f64; 4] = [1.0, 3.0, 10.0, 30.0];

    /// The defaults of `mlp train` for a task, chosen by measurement against scikit-learn's
    /// MLP and LightGBM on held-out splits (docs/defaults.md): 100 hidden units, L-BFGS,
    /// lambda = 1; relu for classification, tanh for regression. The validation split and the
    /// ensemble depend on the table too: see [`Recipe`].
    pub fn defaults_for(task: Task) -> FitOptions {
        let base = FitOptions::default();
        let train = TrainConfig {
            solver: Solver::Lbfgs,
            lambda: 1.0,
            patience: 50,
            ..base.train.clone()
        };
        let lambda_grid = FitOptions::LAMBDA_GRID.to_vec();
        match task {
            Task::Classification => FitOptions {
                task: Some(task),
                train,
                lambda_grid,
                ..base
            },
            Task::Regression => FitOptions {
                task: Some(task),
                activation: Activation::Tanh,
                train,
                lambda_grid,
                ..base
            },
        }
    }
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            task: None,
            hidden: vec![100],
            activation: Activation::Relu,
            output: None,
            loss: None,
            standardize: true,
            validation_fraction: None,
            init: Init::Glorot,
            train: TrainConfig::default(),
            overrides: Overrides::default(),
            bins: Bins::Auto,
            ensemble: None,
            class_weight: ClassWeight::None,
            sample_weight: None,
            label_smoothing: 0.0,
            lambda_grid: Vec::new(),
        }
    }
}

/// A trained model with the data it was trained on, prepared as the network sees it.
#[derive(Debug)]
pub struct Fitted<T> {
    /// The model, ready to save.
    pub model: Model,
    /// The training run.
    pub report: TrainReport,
    /// The task, and why it was chosen when it was inferred.
    pub task: (Task, Option<String>),
    /// Training inputs and targets (standardized and encoded).
    pub train: (Array2<T>, Array2<T>),
    /// Validation inputs and targets, when a split was made.
    pub validation: Option<(Array2<T>, Array2<T>)>,
    /// The plan of every feature column (types, left-out columns); empty with `init_model`.
    pub plan: Vec<ColumnPlan>,
    /// What the user should know about the data: rows left out, values read as missing.
    pub notes: Vec<String>,
}

/// What the user reads about the setting that cross-validation chose.
fn lambda_note(choice: &LambdaChoice, rows: usize) -> String {
    let c = choice.chosen;
    let split = match c.validation_fraction {
        0.0 => "every row training (no early stopping)".to_owned(),
        f => format!("{}% held out for early stopping", f * 100.0),
    };
    let losses: Vec<String> = choice
        .candidates
        .iter()
        .map(|c| match c.validation_fraction {
            0.0 => format!("{} without a split: {:.4}", c.lambda, c.loss),
            _ => format!("{}: {:.4}", c.lambda, c.loss),
        })
        .collect();
    format!(
        "lambda {} with {split}, chosen by {LAMBDA_FOLDS}-fold cross-validation on the {rows} \
         rows ({} by lambda: {}); --lambda and --validation-fraction set them",
        c.lambda,
        choice.metric,
        losses.join(", ")
    )
}

/// Builds and trains a model on `table` (whose `x` holds raw features in file order), calling
/// `on_epoch` after every epoch. `init_model` starts from a saved model's weights and
/// preprocessing (warm start).
pub fn fit<T: Float>(
    table: Table<T>,
    options: &FitOptions,
    init_model: Option<&Model>,
    on_epoch: impl FnMut(&EpochStats) -> std::ops::ControlFlow<()> + Send,
) -> Result<Fitted<T>> {
    fit_with(
        table,
        options,
        init_model,
        None,
        crate::train::OnEpoch(on_epoch),
    )
}

/// Like [`fit`], with [`Hooks`] (interruption, periodic checkpoints), optionally continuing the
/// interrupted run saved in `resume` (same data and options).
pub fn fit_with<T: Float>(
    mut table: Table<T>,
    options: &FitOptions,
    init_model: Option<&Model>,
    resume: Option<TrainState>,
    mut hooks: impl Hooks + Send,
) -> Result<Fitted<T>> {
    if let Some(k) = options.ensemble
        && !(1..=MAX_ENSEMBLE).contains(&k)
    {
        return Err(Error::config(
            "ensemble",
            format!("must be from 1 to {MAX_ENSEMBLE}, got {k}"),
        ));
    }
    if options.ensemble.is_some_and(|k| k > 1) && init_model.is_some() {
        return Err(Error::config(
            "ensemble",
            "an ensemble starts from new weights, not from --init-model",
        ));
    }
    if let Some(f) = options.validation_fraction
        && !(0.0..1.0).contains(&f)
    {
        return Err(Error::config(
            "validation_fraction",
            format!("must be in [0, 1), got {f}"),
        ));
    }
    // Checked before the data are read further; checked again below, once lambda is chosen.
    options.train.validate()?;
    if table.targets.is_empty() {
        return Err(Error::config("target", "name the target column(s)"));
    }
    let file = table.name.clone();
    let mut notes = Vec::new();
    // Column types are decided on the file as read (a row index stays one when rows without
    // a target are left out); what encoding learns, on the training rows.
    let format = table.format();
    let plan = match init_model {
        Some(_) => Vec::new(),
        None => infer(&table, &format, &options.overrides, false),
    };
    let left = table.retain_labelled()?;
    notes.extend(crate::data::unlabelled_note(left).map(|n| format!("{n} of training")));
    let (task, reason) = match (options.task, init_model) {
        (Some(t), _) => (t, None),
        (None, Some(m)) => (
            if m.is_classifier() {
                Task::Classification
            } else {
                Task::Regression
            },
            None,
        ),
        (None, None) => {
            let (t, why) = infer_task(&table)?;
            (t, Some(why))
        }
    };
    let mut recipe = Recipe::for_table(&table, task, options, init_model.is_some());
    let chosen;
    let options = match recipe.choose_lambda {
        true => {
            let mut o = options.clone();
            o.lambda_grid.clear();
            match choose_lambda(&table, task, options, recipe.validation_fraction) {
                Ok(choice) => {
                    o.train.lambda = choice.chosen.lambda;
                    recipe.validation_fraction = choice.chosen.validation_fraction;
                    o.validation_fraction = Some(recipe.validation_fraction);
                    notes.push(lambda_note(&choice, table.x.nrows()));
                }
                Err(e) => notes.push(format!(
                    "lambda stays {}: the cross-validation that chooses it on small tables \
                     failed ({e})",
                    o.train.lambda
                )),
            }
            chosen = o;
            &chosen
        }
        false => options,
    };
    let (f, ensemble) = (recipe.validation_fraction, recipe.ensemble);
    let config = options.train.validate()?;
    if ensemble > 1 && hooks.peers().is_some() {
        // The members after the first train side by side on one process's threads.
        return Err(Error::config(
            "ensemble",
            format!(
                "an ensemble ({ensemble} networks) trains on one process, not on several; ask for one network"
            ),
        ));
    }
    // The validation rows, stratified by class for classification: the classes come from the
    // warm start's model or from the labels.
    let n = table.x.nrows();
    let strata = match (task, init_model) {
        (Task::Classification, Some(m)) => {
            let y: Array2<T> = m.encode_targets(&table.targets, &file)?;
            Some(y.rows().into_iter().map(crate::metrics::class_of).collect())
        }
        (Task::Classification, None) => {
            let [column] = table.targets.as_slice() else {
                return Err(Error::config(
                    "target",
                    "classification takes exactly one label column",
                ));
            };
            let classes = classes_of(&column.values);
            Some(crate::preprocess::class_indices(column, &classes, &file)?)
        }
        (Task::Regression, _) => None,
    };
    let val_rows = validation_rows(n, f, options.train.seed, strata.as_deref())?;
    let train_rows = complement(n, &val_rows);
    let schema = match init_model {
        Some(m) => m.schema.clone(),
        None => {
            notes.extend(plan.iter().filter_map(|p| {
                let note = p.note.as_ref()?;
                Some(format!("column \"{}\": {note}", p.name))
            }));
            Some(fit_schema(
                &table,
                &plan,
                &format,
                &train_rows,
                options.bins,
            ))
        }
    };
    let mut model = match init_model {
        Some(m) => m.clone(),
        None => build::new_model(&table, task, options, schema.as_ref())?,
    };
    // A warm start from a bare model (weights only) learns the names it was trained with.
    model
        .features
        .get_or_insert_with(|| table.feature_names.clone());
    model
        .targets
        .get_or_insert_with(|| table.targets.iter().map(|t| t.name.clone()).collect());
    if task == Task::Classification && model.classes.is_none() && model.network.n_outputs() > 1 {
        model.classes = Some(
            (0..model.network.n_outputs())
                .map(|i| i.to_string())
                .collect(),
        );
    }
    // A new model has no target scaling yet; a warm start's encodes as it was trained.
    let mut y: Array2<T> = model.encode_targets(&table.targets, &file)?;
    if options.label_smoothing != 0.0 {
        smooth_labels(&mut y, model.network.loss(), options.label_smoothing)?;
    }
    let weighted = options.class_weight != ClassWeight::None || options.sample_weight.is_some();
    if weighted {
        // J is linear in the targets for the softmax cross-entropy only (see weights.rs).
        if model.network.loss() != Loss::SoftmaxCrossEntropy {
            return Err(Error::config(
                "sample_weight",
                "weights apply to classification with the softmax output (whose cost is \
                 linear in the targets); not to this loss",
            ));
        }
        let labels = model.classes.clone().unwrap_or_default();
        let classes = strata.as_deref().map(|s| (s, labels.as_slice()));
        weights::apply(
            &mut y,
            &table,
            classes,
            &options.class_weight,
            options.sample_weight.as_deref(),
        )?;
    }
    // The inputs: the table's own matrix when its columns are used as they are (no copy),
    // else the schema's encoding.
    let as_is = schema
        .as_ref()
        .is_none_or(|s| s.is_plain() && s.columns.len() == table.x.ncols() && table.is_complete());
    let mut x = match &schema {
        Some(s) if !as_is => {
            let encoded = s.encode(&table)?;
            notes.extend(encoded.notes);
            encoded.x
        }
        _ => {
            table.require_numbers()?;
            std::mem::take(&mut table.x)
        }
    };
    if init_model.is_none() {
        // An ensemble, or an elu or selu layer, makes a version-2 file, which carries its
        // schema.
        let v2 = ensemble > 1 || !model.network.activations().iter().all(|g| g.in_version_1());
        model.schema = schema.filter(|s| !s.is_plain() || v2);
    }
    // Every row, for the other members of an ensemble to split their own way.
    let mut all = (ensemble > 1).then(|| (x.clone(), y.clone()));
    let validation =
        (!val_rows.is_empty()).then(|| (gather(x.view(), &val_rows), gather(y.view(), &val_rows)));
    compact(&mut x, &val_rows);
    compact(&mut y, &val_rows);
    let mut validation = validation;
    if init_model.is_none() && options.standardize {
        // The 0/1 inputs of categories and indicators, and every other input that is 0 or 1 in
        // every training row (numbers written as 0/1, the bins of a number of few values), stay
        // 0/1: standardized, a rare level becomes a large input (1 row in 3,000: about 55),
        // which the network overfits. Measured on held-out rows of real
        // tables (credit: accuracy 0.7459 -> 0.7585, mean of 5 seeds; the others within their
        // seed-to-seed spread).
        let mut scaling = Scaling::fit(x.view());
        if let Some(schema) = &model.schema {
            for (k, binary) in schema.binary_inputs().into_iter().enumerate() {
                if binary || x.column(k).iter().all(|&v| v == T::zero() || v == T::one()) {
                    scaling.mean[k] = 0.0;
                    scaling.std[k] = 1.0;
                }
            }
        }
        model.input_scaling = Some(scaling);
        if task == Task::Regression {
            let scaling = Scaling::fit(y.view());
            scaling.apply(&mut y);
            if let Some((_, yv)) = validation.as_mut() {
                scaling.apply(yv);
            }
            model.target_scaling = Some(scaling);
        }
    }
    model.scale_inputs(&mut x);
    if let Some((xv, _)) = validation.as_mut() {
        model.scale_inputs(xv);
    }
    if let Some((xa, ya)) = all.as_mut() {
        model.scale_inputs(xa);
        if let Some(s) = &model.target_scaling {
            s.apply(ya);
        }
    }
    let mut net: Network<T> = model.network.cast();
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: validation.as_ref().map(|(a, b)| (a.view(), b.view())),
    };
    let mut report = crate::train::train_valid(&mut net, data, config, resume, &mut hooks)?;
    model.network = net.cast();
    if let Some((xa, ya)) = &all
        && report.stop != crate::train::StopReason::Interrupted
    {
        let members = ensemble::Members {
            x: xa.view(),
            y: ya.view(),
            fraction: f,
            strata: strata.as_deref(),
            first: &model.network,
            init: options.init,
            train: &options.train,
        };
        let (networks, interrupted) = members.train(ensemble, &mut hooks)?;
        if interrupted {
            // Member 1's state cannot continue the later members: nothing to resume.
            report.stop = crate::train::StopReason::Interrupted;
            report.state = None;
        }
        model.ensemble = networks;
    }
    model.training = Some(record::record(
        options,
        ensemble,
        task,
        &report,
        x.nrows(),
        validation.as_ref().map_or(0, |v| v.0.nrows()),
        model.input_scaling.is_some(),
    ));
    Ok(Fitted {
        model,
        report,
        task: (task, reason),
        train: (x, y),
        validation,
        plan,
        notes,
    })
}
