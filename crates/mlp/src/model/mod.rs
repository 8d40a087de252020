//! Model files (JSON, format versions 1 and 2): a trained network together with what `predict` needs
//! to run it on raw data (feature names, input standardization, class labels, target scaling).
//!
//! The file layout is documented in `docs/model-format.md`. Reading (`read.rs`) goes through
//! private structs that mirror it, so renaming a field of [`Model`] can never change the format
//! by accident; writing (`write.rs`) writes the text itself.

use crate::error::{Error, Location, Result};
use crate::network::Network;
use crate::schema::Schema;
use crate::task::Task;
use crate::train::{Schedule, Solver};
use serde::{Deserialize, Serialize};
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

mod read;
mod values;
mod write;

pub use write::gradient_to_json;

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
        let bytes = crate::data::read_whole(path, &name).map_err(|e| match e {
            Error::Data { at, message } => Error::Model { at, message },
            other => other,
        })?;
        Model::from_json_bytes(&name, &bytes)
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
