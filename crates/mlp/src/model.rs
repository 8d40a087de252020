//! Model files, format version 1 (JSON): a trained network together with what `predict` needs
//! to run it on raw data (feature names, input standardization, class labels, target scaling).
//!
//! The file layout is documented in `docs/model-format.md`; the structs here that mirror it are
//! private, so renaming a field of [`Model`] can never change the format by accident.

use crate::activation::Activation;
use crate::error::{Error, Location, Result};
use crate::loss::Loss;
use crate::network::Network;
use crate::params::Params;
use crate::schema::{Encoding, InputColumn, Schema};
use crate::task::Task;
use crate::train::{Schedule, Solver};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// The `format` value of model files.
pub const MODEL_FORMAT: &str = "mlp-model";
/// The `format` value of gradient files.
pub const GRADIENT_FORMAT: &str = "mlp-gradient";
/// The format version of files without an input schema (and of gradient files).
pub const FORMAT_VERSION: u64 = 1;
/// The format version of files with an input schema ([`Model::schema`]); the newest this
/// library reads.
pub const SCHEMA_VERSION: u64 = 2;

/// A per-column affine map: standardized = (raw - mean) / std.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaling {
    /// Column means.
    pub mean: Vec<f64>,
    /// Column standard deviations (positive; 1 for constant columns).
    pub std: Vec<f64>,
}

/// How `mlp train` trained a model: the `training` record of its file. Fields are written in
/// this (alphabetical) order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingRecord {
    /// Examples per step (all training rows for the full-batch solvers).
    pub batch_size: usize,
    /// The lowest validation loss, when rows were held out.
    pub best_validation_loss: Option<f64>,
    /// Networks in the ensemble, when more than one (the other fields are member 1's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ensemble: Option<usize>,
    /// Epochs run.
    pub epochs: usize,
    /// The cost J on the training rows after the last epoch.
    pub final_cost: Option<f64>,
    /// lambda, the strength of the L2 term.
    pub lambda: f64,
    /// alpha, the step size (1 for the line-search solvers, which do not use it).
    pub learning_rate: f64,
    /// The epoch limit.
    pub max_epochs: usize,
    /// sgd's momentum.
    pub momentum: Option<f64>,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// The seed of the initial weights, the split and the shuffles.
    pub seed: u64,
    /// The update rule.
    pub solver: Solver,
    /// Whether inputs (and regression targets) were standardized.
    pub standardize: bool,
    /// Why training stopped, in words.
    pub stopped: String,
    /// Classification or regression.
    pub task: Task,
    /// Rows trained on.
    pub training_rows: usize,
    /// Rows held out for validation.
    pub validation_rows: usize,
    /// How examples were weighted in J, when they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<String>,
}

/// The `training` key of a model file: the record `mlp train` writes, or any other JSON value
/// (the format leaves it free), kept as it was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Training {
    /// Written by `mlp train`.
    Record(Box<TrainingRecord>),
    /// Anything else.
    Other(serde_json::Value),
}

/// A network and the preprocessing that surrounds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The network, in float64 as stored.
    pub network: Network<f64>,
    /// Input column names, in order (models trained from CSV files have them).
    pub features: Option<Vec<String>>,
    /// Target column names.
    pub targets: Option<Vec<String>>,
    /// Class labels of the output units, for classification.
    pub classes: Option<Vec<String>>,
    /// Standardization applied to the inputs before layer 1.
    pub input_scaling: Option<Scaling>,
    /// Scaling of regression targets: outputs are mapped back as y * std + mean.
    pub target_scaling: Option<Scaling>,
    /// How the model was trained.
    pub training: Option<Training>,
    /// How the data file's columns become the inputs (format version 2): categories, dates,
    /// missing values. `None`: the inputs are the `features` columns as numbers (version 1).
    pub schema: Option<Schema>,
    /// The other members of an ensemble (format version 2, key `ensemble`): networks of the
    /// same layer sizes, activations and loss as `network`, trained with other seeds and
    /// validation rows. The model's output a^(L) is the mean of all members' ([`Model::predict`]).
    pub ensemble: Vec<Network<f64>>,
}

#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct FileV1 {
    loss: String,
    layers: Vec<LayerV1>,
    #[serde(default)]
    features: Option<Vec<String>>,
    #[serde(default)]
    targets: Option<Vec<String>>,
    #[serde(default)]
    classes: Option<Vec<Label>>,
    #[serde(default)]
    input_scaling: Option<Scaling>,
    #[serde(default)]
    target_scaling: Option<Scaling>,
    #[serde(default)]
    training: Option<Training>,
    #[serde(default)]
    columns: Option<Vec<InputColumn>>,
    #[serde(default)]
    na_values: Option<Vec<String>>,
    #[serde(default)]
    decimal: Option<String>,
    #[serde(default)]
    ensemble: Option<Vec<MemberV2>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberV2 {
    layers: Vec<LayerV1>,
}

#[derive(Deserialize)]
struct LayerV1 {
    activation: String,
    weights: Vec<Vec<f64>>,
    bias: Vec<f64>,
}

/// Class labels may be written as strings or numbers; they are kept as text.
#[derive(Deserialize)]
#[serde(untagged)]
enum Label {
    Text(String),
    Number(serde_json::Number),
}

impl Model {
    /// A model holding only a network (no preprocessing).
    pub fn new(network: Network<f64>) -> Self {
        Model {
            network,
            features: None,
            targets: None,
            classes: None,
            input_scaling: None,
            target_scaling: None,
            training: None,
            schema: None,
            ensemble: Vec::new(),
        }
    }

    /// The output a^(L) for the inputs `x` (encoded and scaled as the network takes them): the
    /// network's, or the mean of every member's for an ensemble.
    pub fn predict(&self, x: ndarray::ArrayView2<'_, f64>) -> Result<ndarray::Array2<f64>> {
        let mut out = self.network.predict(x)?;
        for member in &self.ensemble {
            out += &member.predict(x)?;
        }
        if !self.ensemble.is_empty() {
            out /= (self.ensemble.len() + 1) as f64;
        }
        Ok(out)
    }

    /// Errors for an ensemble: `what` (the seed's cost, a gradient, a warm start) is defined
    /// for one network.
    pub fn require_single(&self, what: &str) -> Result<()> {
        if self.ensemble.is_empty() {
            return Ok(());
        }
        Err(Error::Model {
            at: Location::file("model"),
            message: format!(
                "an ensemble of {} networks: {what} works on one network",
                self.members()
            ),
        })
    }

    /// Whether the network needs format version 2 whatever its inputs: an ensemble, or an
    /// activation that version 1 does not name.
    pub fn needs_version_2(&self) -> bool {
        !self.ensemble.is_empty() || !self.network.activations().iter().all(|g| g.in_version_1())
    }

    /// The number of networks whose outputs the model averages (1 without an ensemble).
    pub fn members(&self) -> usize {
        1 + self.ensemble.len()
    }

    /// Reads and validates a model file.
    pub fn load(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        Model::from_json_bytes(&name, &bytes)
    }

    /// Parses and validates a model from the bytes of a file called `name` (used in messages).
    pub fn from_json_bytes(name: &str, bytes: &[u8]) -> Result<Self> {
        let bad = |message: String| Error::Model {
            at: Location::file(name),
            message,
        };
        check_object(bytes).map_err(bad)?;
        let header: Header = serde_json::from_slice(bytes).map_err(|e| bad(json_message(&e)))?;
        let version = check_header(header, MODEL_FORMAT, SCHEMA_VERSION).map_err(bad)?;
        let file: FileV1 = serde_json::from_slice(bytes).map_err(|e| bad(json_message(&e)))?;
        Model::from_file(file, version).map_err(bad)
    }

    fn from_file(file: FileV1, version: u64) -> std::result::Result<Self, String> {
        let schema = read_schema(&file, version)?;
        let loss: Loss = file.loss.parse()?;
        if file.layers.is_empty() {
            return Err("the model has no layers".into());
        }
        let network = network_of(&file.layers, loss)?;
        if version < SCHEMA_VERSION
            && let Some(g) = network.activations().iter().find(|g| !g.in_version_1())
        {
            return Err(format!("activation {g} needs format version 2"));
        }
        let mut ensemble = Vec::new();
        if let Some(members) = &file.ensemble {
            if version < SCHEMA_VERSION {
                return Err("\"ensemble\" needs format version 2".into());
            }
            for (k, m) in members.iter().enumerate() {
                let member = network_of(&m.layers, loss)
                    .map_err(|e| format!("ensemble member {}: {e}", k + 2))?;
                if member.sizes() != network.sizes()
                    || member.activations() != network.activations()
                {
                    return Err(format!(
                        "ensemble member {}: its layers differ from the model's",
                        k + 2
                    ));
                }
                ensemble.push(member);
            }
        }
        let (n_in, n_out) = (network.n_inputs(), network.n_outputs());
        let classes = file.classes.map(|c| {
            c.into_iter()
                .map(|l| match l {
                    Label::Text(s) => s,
                    Label::Number(n) => n.to_string(),
                })
                .collect::<Vec<_>>()
        });
        match &schema {
            None => check_len("features", file.features.as_ref().map(Vec::len), n_in)?,
            Some(schema) => {
                check_len("the columns' inputs", Some(schema.width()), n_in)?;
                if file.features.as_ref().is_some_and(|f| *f != schema.names()) {
                    return Err("features must name the columns, in their order".into());
                }
            }
        }
        if let Some(c) = &classes {
            let binary_sigmoid = n_out == 1 && c.len() == 2;
            if c.len() != n_out && !binary_sigmoid {
                return Err(format!(
                    "classes has {} labels for {n_out} outputs",
                    c.len()
                ));
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(d) = c.iter().find(|l| !seen.insert(l.as_str())) {
                return Err(format!("class \"{d}\" appears twice in classes"));
            }
        }
        check_scaling("input_scaling", file.input_scaling.as_ref(), n_in)?;
        check_scaling("target_scaling", file.target_scaling.as_ref(), n_out)?;
        Ok(Model {
            network,
            features: schema.as_ref().map(Schema::names).or(file.features),
            targets: file.targets,
            classes,
            input_scaling: file.input_scaling,
            target_scaling: file.target_scaling,
            training: file.training,
            schema,
            ensemble,
        })
    }

    /// The model as the text of a version-1 file: one weight row per line, numbers in shortest
    /// round-trip form (they read back bit-identical). Errors if any number is not finite.
    pub fn to_json(&self) -> Result<String> {
        let net = &self.network;
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let scalings = [&self.input_scaling, &self.target_scaling];
        if !net.params().all_finite()
            || self.ensemble.iter().any(|m| !m.params().all_finite())
            || scalings.iter().any(|s| {
                s.as_ref()
                    .is_some_and(|s| !finite(&s.mean) || !finite(&s.std))
            })
        {
            return Err(Error::Model {
                at: Location::file("model"),
                message: "refusing to write a model that holds NaN or infinity".into(),
            });
        }
        if self.needs_version_2() && self.schema.is_none() {
            return Err(Error::Model {
                at: Location::file("model"),
                message: "an ensemble, or an elu or selu layer, is written with its input \
                          schema (format version 2): train the model from a data file"
                    .into(),
            });
        }
        let version = match &self.schema {
            Some(_) => SCHEMA_VERSION,
            None => FORMAT_VERSION,
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\n  \"format\": \"{MODEL_FORMAT}\",\n  \"version\": {version},\n  \"loss\": \"{}\",\n  \"layers\": [",
            net.loss()
        );
        write_layers(&mut out, net.params(), Some(net.activations()));
        out.push_str("\n  ]");
        let mut key = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                let _ = write!(out, ",\n  \"{name}\": {v}");
            }
        };
        key("features", self.features.as_ref().map(to_json));
        key("targets", self.targets.as_ref().map(to_json));
        key("classes", self.classes.as_ref().map(to_json));
        if let Some(schema) = &self.schema {
            key("na_values", Some(to_json(&schema.na_values)));
            if schema.decimal != b'.' {
                key(
                    "decimal",
                    Some(to_json(&char::from(schema.decimal).to_string())),
                );
            }
            let columns: Vec<String> = schema.columns.iter().map(to_json).collect();
            key(
                "columns",
                Some(format!("[\n    {}\n  ]", columns.join(",\n    "))),
            );
        }
        key("input_scaling", self.input_scaling.as_ref().map(to_json));
        key("target_scaling", self.target_scaling.as_ref().map(to_json));
        key("training", self.training.as_ref().map(to_json));
        if !self.ensemble.is_empty() {
            let members: Vec<String> = self
                .ensemble
                .iter()
                .map(|m| {
                    let mut layers = String::new();
                    write_layers(&mut layers, m.params(), Some(m.activations()));
                    format!("{{\"layers\": [{layers}\n  ]}}")
                })
                .collect();
            key("ensemble", Some(format!("[{}]", members.join(", "))));
        }
        out.push_str("\n}\n");
        Ok(out)
    }

    /// Writes the model file atomically (see [`crate::write_atomic`]).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json().map_err(|e| match e {
            Error::Model { message, .. } => Error::Model {
                at: Location::file(path.display().to_string()),
                message,
            },
            other => other,
        })?;
        crate::atomic::write_atomic(path, text.as_bytes())
    }
}

/// The network of a file's `layers`, checked: shapes that chain, known activations, finite
/// numbers.
fn network_of(layers: &[LayerV1], loss: Loss) -> std::result::Result<Network<f64>, String> {
    if layers.is_empty() {
        return Err("the model has no layers".into());
    }
    let mut sizes = Vec::with_capacity(layers.len() + 1);
    let mut activations = Vec::with_capacity(layers.len());
    for (k, layer) in layers.iter().enumerate() {
        let n = k + 1;
        let g: Activation = layer
            .activation
            .parse()
            .map_err(|e| format!("layer {n}: {e}"))?;
        activations.push(g);
        let rows = layer.weights.len();
        let cols = layer.weights.first().map_or(0, Vec::len);
        if rows == 0 || cols == 0 {
            return Err(format!("layer {n}: the weight matrix is empty"));
        }
        if let Some(r) = layer.weights.iter().position(|row| row.len() != cols) {
            return Err(format!(
                "layer {n}: weights row {} has {} numbers, row 1 has {cols} (ragged rows)",
                r + 1,
                layer.weights[r].len()
            ));
        }
        if layer.bias.len() != rows {
            return Err(format!(
                "layer {n}: bias has {} numbers, weights have {rows} rows",
                layer.bias.len()
            ));
        }
        match sizes.last() {
            None => sizes.push(cols),
            Some(&below) if below != cols => {
                return Err(format!(
                    "layer {n}: weights rows have {cols} numbers, but the layer below has {below} units"
                ));
            }
            Some(_) => {}
        }
        sizes.push(rows);
    }
    let mut network = Network::new(&sizes, &activations, loss).map_err(|e| e.to_string())?;
    let params = network.params_mut();
    for (k, layer) in layers.iter().enumerate() {
        let (mut w, mut b) = params.layer_mut(k);
        for (dst, src) in w.rows_mut().into_iter().zip(&layer.weights) {
            dst.into_iter().zip(src).for_each(|(d, &s)| *d = s);
        }
        b.iter_mut().zip(&layer.bias).for_each(|(d, &s)| *d = s);
    }
    if !network.params().all_finite() {
        return Err("the weights hold a number that is not finite".into());
    }
    Ok(network)
}

/// A gradient (or any parameters) as the text of an `mlp-gradient` version-1 file.
pub fn gradient_to_json(grad: &Params<f64>) -> String {
    let mut out = format!(
        "{{\n  \"format\": \"{GRADIENT_FORMAT}\",\n  \"version\": {FORMAT_VERSION},\n  \"layers\": ["
    );
    write_layers(&mut out, grad, None);
    out.push_str("\n  ]\n}\n");
    out
}

fn write_layers(out: &mut String, params: &Params<f64>, activations: Option<&[Activation]>) {
    for k in 0..params.n_layers() {
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n    {{");
        if let Some(acts) = activations {
            let _ = write!(out, "\n      \"activation\": \"{}\",", acts[k]);
        }
        out.push_str("\n      \"weights\": [");
        for (i, row) in params.weights(k).rows().into_iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, "{sep}\n        {}", numbers(row.iter()));
        }
        let _ = write!(
            out,
            "\n      ],\n      \"bias\": {}\n    }}",
            numbers(params.bias(k).iter())
        );
    }
}

fn numbers<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    let mut s = String::from("[");
    for (i, v) in values.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&to_json(v));
    }
    s.push(']');
    s
}

/// Compact JSON of a value; f64 in shortest round-trip form.
fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}

/// A model file is one JSON object; anything else is refused before parsing.
fn check_object(bytes: &[u8]) -> std::result::Result<(), String> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err("the file is truncated (it is empty)".into()),
        Some(b'{') => Ok(()),
        Some(_) => Err("not valid JSON for a model: the file must hold one JSON object".into()),
    }
}

/// Checks the format name and returns the version, which must be at least 1 and at most
/// `newest`.
fn check_header(header: Header, expected: &str, newest: u64) -> std::result::Result<u64, String> {
    match header.format {
        None => return Err(format!("not an {expected} file: no \"format\" key")),
        Some(serde_json::Value::String(f)) if f == expected => {}
        Some(other) => return Err(format!("not an {expected} file: format is {other}")),
    }
    match header.version {
        None => Err("no \"version\" key".into()),
        Some(v) => match v.as_u64() {
            Some(n) if (FORMAT_VERSION..=newest).contains(&n) => Ok(n),
            Some(n) if n > newest => Err(format!(
                "format version {n} is newer than this mlp reads (version {newest}); upgrade mlp"
            )),
            _ => Err(format!(
                "version {v} is not a valid format version (expected {FORMAT_VERSION} to {newest})"
            )),
        },
    }
}

/// The input schema of a version-2 file (which must have one); `None` for version 1.
fn read_schema(file: &FileV1, version: u64) -> std::result::Result<Option<Schema>, String> {
    if version < SCHEMA_VERSION {
        return Ok(None);
    }
    let Some(columns) = file.columns.clone().filter(|c| !c.is_empty()) else {
        return Err(format!("a version-{version} model needs \"columns\""));
    };
    let mut seen = std::collections::HashSet::new();
    for c in &columns {
        if !seen.insert(c.name.as_str()) {
            return Err(format!("column \"{}\" appears twice in columns", c.name));
        }
        let finite = match &c.encoding {
            Encoding::Numeric { fill, .. } => fill.is_finite(),
            Encoding::Date { fill, .. } => fill.iter().all(|v| v.is_finite()),
            Encoding::Categorical { .. } => true,
        };
        if !finite {
            return Err(format!("column \"{}\": fill values must be finite", c.name));
        }
        let bins = c.encoding.bins();
        let increasing = bins.windows(2).all(|w| w[0] < w[1]);
        if !(bins.is_empty() || bins.len() >= 3 && increasing && bins.iter().all(|b| b.is_finite()))
        {
            return Err(format!(
                "column \"{}\": bins must be at least 3 finite, increasing edges",
                c.name
            ));
        }
    }
    let decimal = match file.decimal.as_deref() {
        None | Some(".") => b'.',
        Some(",") => b',',
        Some(other) => return Err(format!("decimal must be \".\" or \",\", got {other:?}")),
    };
    let mut na_values = file.na_values.clone().unwrap_or_default();
    if !na_values.iter().any(String::is_empty) {
        na_values.insert(0, String::new());
    }
    Ok(Some(Schema {
        columns,
        na_values,
        decimal,
    }))
}

fn check_len(key: &str, len: Option<usize>, expected: usize) -> std::result::Result<(), String> {
    match len {
        Some(n) if n != expected => Err(format!(
            "{key} has {n} entries, the network needs {expected}"
        )),
        _ => Ok(()),
    }
}

fn check_scaling(key: &str, s: Option<&Scaling>, n: usize) -> std::result::Result<(), String> {
    let Some(s) = s else { return Ok(()) };
    check_len(&format!("{key}.mean"), Some(s.mean.len()), n)?;
    check_len(&format!("{key}.std"), Some(s.std.len()), n)?;
    if s.mean.iter().any(|v| !v.is_finite()) || s.std.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(format!(
            "{key}: means must be finite and standard deviations positive"
        ));
    }
    Ok(())
}

fn json_message(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => format!("the file is truncated ({e})"),
        Category::Syntax => format!("not valid JSON ({e})"),
        Category::Data | Category::Io => e.to_string(),
    }
}
