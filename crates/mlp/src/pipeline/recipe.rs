//! What `mlp train` chooses from the table when the user leaves it open.

use super::FitOptions;
use crate::data::Table;
use crate::float::Float;
use crate::preprocess::Task;

/// The settings that `mlp train` chooses from the data when the user leaves them open: the
/// tabular recipe for real tables, the measured defaults of a single network for complete
/// numeric ones (docs/defaults.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Recipe {
    /// Share of the rows held out for early stopping.
    pub validation_fraction: f64,
    /// Networks averaged.
    pub ensemble: usize,
}

impl Recipe {
    /// Networks in the ensemble of a table with text, dates or missing values.
    pub const TABULAR_ENSEMBLE: usize = 5;

    /// The recipe for `table`: a table with text, dates or missing values (one that needs the
    /// version-2 schema anyway) gets an ensemble of [`Recipe::TABULAR_ENSEMBLE`] networks, each
    /// stopped early on its own 10% of the rows; a complete numeric table, or a warm start, a
    /// single network, with 10% held out except for classification by L-BFGS or CG, which
    /// classified best on every row. Options the user gave win.
    pub fn for_table<T: Float>(
        table: &Table<T>,
        task: Task,
        options: &FitOptions,
        warm_start: bool,
    ) -> Recipe {
        let tabular = !warm_start && !table.is_complete();
        let every_row =
            !tabular && task == Task::Classification && options.train.solver.is_quasi_newton();
        Recipe {
            validation_fraction: options.validation_fraction.unwrap_or(if every_row {
                0.0
            } else {
                0.1
            }),
            ensemble: options.ensemble.unwrap_or(if tabular {
                Recipe::TABULAR_ENSEMBLE
            } else {
                1
            }),
        }
    }
}
