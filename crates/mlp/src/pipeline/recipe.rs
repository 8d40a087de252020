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
    /// Whether lambda, and early stopping or none, are chosen among
    /// [`FitOptions::lambda_grid`] by cross-validation (see [`super::choose_lambda`]).
    pub choose_lambda: bool,
}

impl Recipe {
    /// Networks in the ensemble of a table with text, dates or missing values.
    pub const TABULAR_ENSEMBLE: usize = 5;

    /// A real regression table with fewer labelled rows than this chooses lambda, and whether
    /// to stop early on 10% of its rows or to train on every row, by cross-validation: its 10%
    /// validation split holds under 50 rows, few to judge a network by, and the choice's 40
    /// fits take a few seconds.
    ///
    /// Measured (docs/defaults.md, 3 seeds): mtcars (26 training rows) R^2 -0.46 -> -0.05,
    /// msleep (66) 0.462 -> 0.479, and on 11 small regression tables not seen before, below
    /// scikit-learn's MLP on 6 before and on 2 after; from 200 to 500 rows, Carseats
    /// 0.802 -> 0.832 (scikit-learn 0.825) and blizzard_salary 0.737 -> 0.749, the three others
    /// within 0.007. Up to 1,000 rows it helped as much, but a table of 886 training rows and
    /// 205 inputs took 44 s instead of 3 s. Classification tables gained nothing.
    pub const CHOOSE_LAMBDA_ROWS: usize = 500;

    /// The recipe for `table`: a table with text, dates or missing values (one that needs the
    /// version-2 schema anyway) gets an ensemble of [`Recipe::TABULAR_ENSEMBLE`] networks, each
    /// stopped early on its own 10% of the rows; a complete numeric table, or a warm start, a
    /// single network, with 10% held out except for classification by L-BFGS or CG, which
    /// classified best on every row. A real regression table of fewer than
    /// [`Recipe::CHOOSE_LAMBDA_ROWS`] labelled rows chooses lambda (and the split) by
    /// cross-validation when the user left lambda open (a non-empty `lambda_grid`). Options the
    /// user gave win.
    pub fn for_table<T: Float>(
        table: &Table<T>,
        task: Task,
        options: &FitOptions,
        warm_start: bool,
    ) -> Recipe {
        Recipe::for_rows(
            Recipe::is_tabular(table, warm_start),
            table.x.nrows(),
            task,
            options,
        )
    }

    /// Whether `table` gets the tabular recipe: it has text, dates or missing values and is no
    /// warm start.
    pub fn is_tabular<T: Float>(table: &Table<T>, warm_start: bool) -> bool {
        !warm_start && !table.is_complete()
    }

    /// Whether `table` trains in single precision (f32) when the user chose no precision: the
    /// tabular recipe's tables do, complete numeric tables and warm starts keep f64 (the exact
    /// path, the seed's numbers).
    ///
    /// Measured (docs/defaults.md): on 67 public tables of 200 to 12,000 rows the same scores
    /// as f64 (one table better, one worse, by more than the comparison's tolerance; the mean
    /// difference under 0.0001), and fits 2 to 10 times faster (most where the hidden layers
    /// are tanh, which f32 computes in vectorized arithmetic).
    pub fn single_precision<T: Float>(table: &Table<T>, warm_start: bool) -> bool {
        Recipe::is_tabular(table, warm_start)
    }

    /// The recipe of [`Recipe::for_table`] for `rows` labelled rows of a table that is
    /// `tabular` (has text, dates or missing values, and is no warm start) or not: for data
    /// that are not in memory as a [`Table`] (a stream).
    pub fn for_rows(tabular: bool, rows: usize, task: Task, options: &FitOptions) -> Recipe {
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
            choose_lambda: tabular
                && task == Task::Regression
                && !options.lambda_grid.is_empty()
                && rows < Recipe::CHOOSE_LAMBDA_ROWS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_regression_tables_under_the_threshold_choose_lambda() {
        let regression = FitOptions::defaults_for(Task::Regression);
        let rows = Recipe::CHOOSE_LAMBDA_ROWS;
        let choose = |tabular, rows, task, o: &FitOptions| {
            Recipe::for_rows(tabular, rows, task, o).choose_lambda
        };
        assert!(choose(true, 26, Task::Regression, &regression));
        assert!(choose(true, rows - 1, Task::Regression, &regression));
        assert!(!choose(true, rows, Task::Regression, &regression));
        // Not for complete numeric tables, classification, or a lambda the user gave.
        assert!(!choose(false, 100, Task::Regression, &regression));
        let classification = FitOptions::defaults_for(Task::Classification);
        assert!(!choose(true, 100, Task::Classification, &classification));
        let mut given = regression.clone();
        given.lambda_grid.clear();
        assert!(!choose(true, 100, Task::Regression, &given));
    }
}
