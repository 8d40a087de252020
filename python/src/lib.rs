//! The native half of the `mlp` Python package: a trained [`Model`] as a Python object, and
//! [`fit`], which trains one from arrays. Everything else (the scikit-learn API) is Python, in
//! `mlp/_estimators.py`; the work is the library's.

use std::ops::ControlFlow;
use std::path::PathBuf;

use mlp::data::Table;
use mlp::pipeline::{FitOptions, Recipe};
use mlp::{Activation, Error, Init, Model, Schedule, Solver, Task, Training};
use ndarray::{Array2, ArrayView2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// The library's error as a Python exception: `OSError` for files, `ValueError` for everything
/// else (bad data, settings, model files), with the library's one-line message.
fn py_err(e: Error) -> PyErr {
    match e {
        Error::Io { .. } => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// A `ValueError` naming a setting.
fn bad(field: &str, message: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{field}: {message}"))
}

/// A trained model: the network with the preprocessing around it, as the model files of
/// `mlp train` hold it. Immutable; training makes a new one.
#[pyclass(module = "mlp._mlp", name = "Model", frozen)]
struct PyModel {
    model: Model,
}

#[pymethods]
impl PyModel {
    /// Reads a model file written by `mlp train` or `save`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<PyModel> {
        let model = py.detach(|| Model::load(&path)).map_err(py_err)?;
        Ok(PyModel { model })
    }

    /// A model from the text of a model file; `name` is the source's name for messages.
    #[staticmethod]
    #[pyo3(signature = (text, name = "model"))]
    fn from_json(text: &str, name: &str) -> PyResult<PyModel> {
        let model = Model::from_json_bytes(name, text.as_bytes()).map_err(py_err)?;
        Ok(PyModel { model })
    }

    /// The text of the model file.
    fn to_json(&self) -> PyResult<String> {
        self.model.to_json().map_err(py_err)
    }

    /// Writes the model file (atomically), in the format `mlp predict` reads.
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        py.detach(|| self.model.save(&path)).map_err(py_err)
    }

    /// Writes the model as an ONNX graph, its preprocessing included (what `mlp export
    /// --format onnx` writes), with numbers in "f32" or "f64".
    fn to_onnx(&self, py: Python<'_>, path: PathBuf, precision: &str) -> PyResult<()> {
        let precision = match precision {
            "f32" => mlp::export::Precision::F32,
            "f64" => mlp::export::Precision::F64,
            other => {
                return Err(bad(
                    "precision",
                    format!("expected f32 or f64, got {other:?}"),
                ));
            }
        };
        py.detach(|| {
            let bytes = mlp::export::to_onnx(&self.model, precision)?;
            mlp::write_atomic(&path, &bytes)
        })
        .map_err(py_err)
    }

    /// Pickles as the model file's text.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let from_json = py.get_type::<PyModel>().getattr("from_json")?;
        let args = PyTuple::new(py, [slf.get().to_json()?])?;
        PyTuple::new(py, [from_json.into_any(), args.into_any()])
    }

    /// The outputs in the data's units for rows of raw numbers, one column per feature in the
    /// model's order: class probabilities (in the order of `classes`) or target values.
    /// Missing values are NaN.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = x.as_array();
        let out = match &self.model.schema {
            // Without a schema the numbers are the inputs: Model::inputs takes them as they
            // are and scales them; the same calls here, without a table.
            None => {
                if x.iter().any(|v| !v.is_finite()) {
                    return Err(PyValueError::new_err(
                        "Input X contains NaN or infinity, and the model was trained on \
                         complete numbers (it has no input schema)",
                    ));
                }
                let mut x = x.to_owned();
                let model = &self.model;
                py.detach(|| {
                    model.scale_inputs(&mut x);
                    model.predict(x.view())
                })
            }
            Some(_) => {
                let names = self.feature_names(x.ncols())?;
                self.predict_table(py, names, x, Vec::new())
            }
        };
        Ok(self
            .model
            .decode_outputs(out.map_err(py_err)?)
            .into_pyarray(py))
    }

    /// Like `predict`, for a table whose columns are named (`names`, in the order of the
    /// columns of `x`) and some of which hold text (`text`: column index and values; "" is
    /// missing). Columns the model does not use are ignored.
    fn predict_columns<'py>(
        &self,
        py: Python<'py>,
        names: Vec<String>,
        x: PyReadonlyArray2<'py, f64>,
        text: Vec<(usize, Vec<String>)>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let out = self.predict_table(py, names, x.as_array(), text);
        Ok(self
            .model
            .decode_outputs(out.map_err(py_err)?)
            .into_pyarray(py))
    }

    /// Class labels of the output columns (classifiers), else None.
    #[getter]
    fn classes(&self) -> Option<Vec<String>> {
        self.model.classes.clone()
    }

    /// The names of the columns the model reads, when it has them.
    #[getter]
    fn features(&self) -> Option<Vec<String>> {
        self.model.features.clone()
    }

    /// The names of the target columns, when it has them.
    #[getter]
    fn targets(&self) -> Option<Vec<String>> {
        self.model.targets.clone()
    }

    /// Whether the model predicts class labels.
    #[getter]
    fn is_classifier(&self) -> bool {
        self.model.is_classifier()
    }

    /// Layer sizes, inputs first: the network's inputs (after encoding), the hidden layers, the
    /// outputs.
    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.model.network.sizes().to_vec()
    }

    /// The activation of every layer after the input, by name.
    #[getter]
    fn activations(&self) -> Vec<&'static str> {
        self.model
            .network
            .activations()
            .iter()
            .map(|a| a.name())
            .collect()
    }

    /// The number of networks whose outputs are averaged (1 without an ensemble).
    #[getter]
    fn members(&self) -> usize {
        self.model.members()
    }

    /// Whether the model has an input schema (categories, dates, missing values, bins).
    #[getter]
    fn has_schema(&self) -> bool {
        self.model.schema.is_some()
    }

    /// The `training` record of the model file as JSON text, when there is one.
    fn training_json(&self) -> PyResult<Option<String>> {
        let Some(t) = &self.model.training else {
            return Ok(None);
        };
        let value = match t {
            Training::Record(r) => serde_json::to_string(r),
            Training::Other(v) => serde_json::to_string(v),
        };
        value
            .map(Some)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }

    /// The weights of the first network, scikit-learn's way: one (n_in, n_out) matrix per
    /// layer (W transposed), acting on the standardized inputs.
    fn coefs<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray2<f64>>> {
        let p = self.model.network.params();
        (0..p.n_layers())
            .map(|k| p.weights(k).t().to_pyarray(py))
            .collect()
    }

    /// The biases of the first network, one vector per layer.
    fn intercepts<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f64>>> {
        let p = self.model.network.params();
        (0..p.n_layers())
            .map(|k| p.bias(k).to_pyarray(py))
            .collect()
    }

    fn __repr__(&self) -> String {
        let kind = if self.model.is_classifier() {
            "classifier"
        } else {
            "regressor"
        };
        format!("<mlp Model: {kind}, {}>", self.model.network)
    }
}

impl PyModel {
    /// The model's feature names for a matrix of `n` columns.
    fn feature_names(&self, n: usize) -> PyResult<Vec<String>> {
        match &self.model.features {
            Some(f) if f.len() == n => Ok(f.clone()),
            Some(f) => Err(PyValueError::new_err(format!(
                "X has {n} features, but the model reads {}",
                f.len()
            ))),
            None => Ok((0..n).map(|j| format!("x{j}")).collect()),
        }
    }

    /// Outputs a^(L) for a table built from the columns, encoded as `mlp predict` encodes a
    /// file's.
    fn predict_table(
        &self,
        py: Python<'_>,
        names: Vec<String>,
        x: ArrayView2<'_, f64>,
        text: Vec<(usize, Vec<String>)>,
    ) -> mlp::Result<Array2<f64>> {
        let x = x.to_owned();
        let model = &self.model;
        py.detach(|| {
            let mut table = Table::from_arrays("X", names, x, text, Vec::new())?;
            let encoded = model.inputs(&mut table)?;
            model.predict(encoded.x.view())
        })
    }
}

/// Parses a setting's value with its `FromStr`.
fn parse<T: std::str::FromStr<Err = String>>(field: &str, value: &str) -> PyResult<T> {
    value.parse().map_err(|e: String| bad(field, e))
}

/// Trains a model on the rows of `x` (named columns; `text`: the columns holding text, by
/// index, "" for a missing value) against `targets` (each a name and one text value per row:
/// class labels, or numbers as Python's `repr` writes them). `init` starts from a model's
/// weights and preprocessing (warm start). Settings left None take `mlp train`'s defaults.
///
/// Returns the model and a dict: `loss_curve` (J per epoch, L2 term included),
/// `validation_loss` and `validation_score` per epoch (when rows were held out), `epochs`,
/// `stopped` (why, in words), `best_validation_loss`, `notes`.
#[pyfunction]
#[pyo3(signature = (
    x, feature_names, text, targets, *, task, init = None, hidden = None, activation = None,
    output = None, loss = None, solver = None, alpha = None, batch_size = None,
    learning_rate = None, schedule = None, power_t = None, max_iter = None, shuffle = None,
    seed = 0, tol = None, momentum = None, nesterov = None, early_stopping = None,
    validation_fraction = None, beta_1 = None, beta_2 = None, epsilon = None,
    patience = None, threads = None, ensemble = None, standardize = None, numeric = None,
    categorical = None, bins = None, init_bound = None, dropout = None, weight_decay = None,
    warmup_epochs = None, label_smoothing = None
))]
#[allow(clippy::too_many_arguments)]
fn fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    feature_names: Vec<String>,
    text: Vec<(usize, Vec<String>)>,
    targets: Vec<(String, Vec<String>)>,
    task: &str,
    init: Option<PyRef<'py, PyModel>>,
    hidden: Option<Vec<usize>>,
    activation: Option<&str>,
    output: Option<&str>,
    loss: Option<&str>,
    solver: Option<&str>,
    alpha: Option<f64>,
    batch_size: Option<usize>,
    learning_rate: Option<f64>,
    schedule: Option<&str>,
    power_t: Option<f64>,
    max_iter: Option<usize>,
    shuffle: Option<bool>,
    seed: u64,
    tol: Option<f64>,
    momentum: Option<f64>,
    nesterov: Option<bool>,
    early_stopping: Option<bool>,
    validation_fraction: Option<f64>,
    beta_1: Option<f64>,
    beta_2: Option<f64>,
    epsilon: Option<f64>,
    patience: Option<usize>,
    threads: Option<usize>,
    ensemble: Option<usize>,
    standardize: Option<bool>,
    numeric: Option<Vec<String>>,
    categorical: Option<Vec<String>>,
    bins: Option<&str>,
    init_bound: Option<f64>,
    dropout: Option<f64>,
    weight_decay: Option<f64>,
    warmup_epochs: Option<usize>,
    label_smoothing: Option<f64>,
) -> PyResult<(PyModel, Bound<'py, PyDict>)> {
    let task: Task = parse("task", task)?;
    let mut o = FitOptions::defaults_for(task);
    if let Some(h) = hidden {
        o.hidden = h;
    }
    if let Some(a) = activation {
        o.activation = parse::<Activation>("activation", a)?;
    }
    o.output = output.map(|a| parse("output", a)).transpose()?;
    o.loss = loss.map(|l| parse("loss", l)).transpose()?;
    if let Some(s) = standardize {
        o.standardize = s;
    }
    o.validation_fraction = validation_fraction;
    o.ensemble = ensemble;
    o.init = init_bound.map_or(Init::Glorot, |bound| Init::Uniform { bound });
    o.overrides.numeric = numeric.unwrap_or_default();
    o.overrides.categorical = categorical.unwrap_or_default();
    if let Some(b) = bins {
        o.bins = parse("bins", b)?;
    }
    if let Some(e) = label_smoothing {
        o.label_smoothing = e;
    }
    let t = &mut o.train;
    if let Some(p) = dropout {
        t.dropout = p;
    }
    if let Some(d) = weight_decay {
        t.weight_decay = d;
    }
    if let Some(w) = warmup_epochs {
        t.warmup_epochs = w;
    }
    if let Some(s) = solver {
        t.solver = parse::<Solver>("solver", s)?;
    }
    t.patience = patience.unwrap_or_else(|| t.solver.default_patience());
    if let Some(a) = alpha {
        t.lambda = a;
        o.lambda_grid.clear();
    }
    t.learning_rate = learning_rate;
    if let Some(s) = schedule {
        t.schedule = parse::<Schedule>("learning_rate", s)?;
    }
    if let Some(p) = power_t {
        t.power_t = p;
    }
    if let Some(e) = max_iter {
        t.epochs = e;
    }
    t.batch_size = batch_size;
    if let Some(s) = shuffle {
        t.shuffle = s;
    }
    t.seed = seed;
    if let Some(v) = tol {
        t.tol = v;
    }
    if let Some(m) = momentum {
        t.momentum = m;
    }
    if let Some(n) = nesterov {
        t.nesterov = n;
    }
    t.early_stopping = early_stopping;
    if let Some(b) = beta_1 {
        t.beta1 = b;
    }
    if let Some(b) = beta_2 {
        t.beta2 = b;
    }
    if let Some(e) = epsilon {
        t.adam_epsilon = e;
    }
    t.threads = match threads {
        Some(0) => return Err(bad("n_jobs", "must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let init_model = init.as_ref().map(|m| m.model.clone());
    if let Some(m) = &init_model {
        m.require_single("warm_start").map_err(py_err)?;
    }
    let x = x.as_array().to_owned();
    let fitted = py
        .detach(|| {
            let table = Table::from_arrays("X", feature_names, x, text, targets)?;
            // The precision `mlp train` gives the table when none is chosen.
            let warm_start = init_model.is_some();
            if Recipe::single_precision(&table, warm_start) {
                match table.into_precision::<f32>() {
                    Ok(table) => fit_in(table, &o, init_model.as_ref()),
                    Err(table) => fit_in(table, &o, init_model.as_ref()),
                }
            } else {
                fit_in(table, &o, init_model.as_ref())
            }
        })
        .map_err(py_err)?;
    let report = &fitted.report;
    let info = PyDict::new(py);
    let curve: Vec<f64> = report.history.iter().map(|s| s.train.total()).collect();
    info.set_item("loss_curve", curve)?;
    let held_out = fitted.held_out;
    if held_out {
        let v: Vec<Option<f64>> = report.history.iter().map(|s| s.validation).collect();
        info.set_item("validation_loss", v)?;
        let v: Vec<Option<f64>> = report.history.iter().map(|s| s.validation_score).collect();
        info.set_item("validation_score", v)?;
    }
    info.set_item("epochs", report.epochs)?;
    info.set_item("stopped", report.stop.describe())?;
    info.set_item("best_validation_loss", report.best_validation.map(|b| b.1))?;
    info.set_item("notes", fitted.notes.clone())?;
    Ok((
        PyModel {
            model: fitted.model,
        },
        info,
    ))
}

/// What `fit` keeps of a run, whatever its precision.
struct Run {
    model: Model,
    report: mlp::TrainReport,
    held_out: bool,
    notes: Vec<String>,
}

fn fit_in<T: mlp::Float>(
    table: Table<T>,
    options: &FitOptions,
    init_model: Option<&Model>,
) -> mlp::Result<Run> {
    let fitted = mlp::fit(table, options, init_model, |_| ControlFlow::Continue(()))?;
    Ok(Run {
        model: fitted.model,
        report: fitted.report,
        held_out: fitted.validation.is_some(),
        notes: fitted.notes,
    })
}

/// The native module `mlp._mlp`.
#[pymodule]
fn _mlp(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModel>()?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    Ok(())
}
