//! What a model predicts: class labels or numbers. (Which one a data file's targets ask for,
//! [`Task::infer`], is decided where target columns are read, in `data`.)

use serde::{Deserialize, Serialize};

/// Classification or regression.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Targets are class labels.
    Classification,
    /// Targets are numbers.
    Regression,
}

impl Task {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }
}

impl std::str::FromStr for Task {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s {
            "classification" => Ok(Task::Classification),
            "regression" => Ok(Task::Regression),
            _ => Err(format!(
                "unknown task \"{s}\" (expected classification or regression)"
            )),
        }
    }
}
