//! K-fold cross-validation: the folds of a table's rows, the score of each fold, and the choice
//! of the L2 strength lambda that small tables make by it (see [`super::Recipe`]).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::ops::ControlFlow;

use super::{FitOptions, fit, score_by};
use crate::data::Table;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::metrics::Metric;
use crate::preprocess::{Task, class_indices, classes_of};

/// Folds of the cross-validation that chooses lambda.
pub const LAMBDA_FOLDS: usize = 5;

/// The fold (from 0 to k - 1) of each row of `table`: rows shuffled from `seed` and dealt out in
/// turn, class by class for classification (so every fold keeps the classes' shares).
pub fn folds<T: Float>(table: &Table<T>, task: Task, k: usize, seed: u64) -> Result<Vec<usize>> {
    let n = table.x.nrows();
    if k < 2 || n < k {
        return Err(Error::config(
            "folds",
            format!("{n} rows cannot make {k} folds (at least 2, and at most one per row)"),
        ));
    }
    let groups: Vec<Vec<usize>> = match (task, table.targets.as_slice()) {
        (Task::Classification, [column]) => {
            let classes = classes_of(&column.values);
            let idx = class_indices(column, &classes, &table.name)?;
            let mut g = vec![Vec::new(); classes.len()];
            for (i, c) in idx.into_iter().enumerate() {
                g[c].push(i);
            }
            g
        }
        _ => vec![(0..n).collect()],
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0xC0FF_EE00);
    let mut fold = vec![0; n];
    let mut next = 0;
    for mut g in groups {
        g.shuffle(&mut rng);
        for i in g {
            fold[i] = next % k;
            next += 1;
        }
    }
    Ok(fold)
}

/// The score by `metric` of each of the `k` folds (`fold[i]`: row i's): a model trained with
/// `options` on the other folds, scored on this one as `mlp evaluate` scores it. `on_fold` hears
/// (fold, its rows, its score) after each one.
pub fn fold_scores<T: Float>(
    table: &Table<T>,
    metric: Metric,
    options: &FitOptions,
    fold: &[usize],
    k: usize,
    mut on_fold: impl FnMut(usize, usize, f64),
) -> Result<Vec<f64>> {
    let n = table.x.nrows();
    let mut scores = Vec::with_capacity(k);
    for f in 0..k {
        let (test_rows, train_rows): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == f);
        if test_rows.is_empty() {
            continue;
        }
        let mut train = table.clone();
        train.retain_rows(&train_rows);
        let mut test = table.clone();
        test.retain_rows(&test_rows);
        let fitted = fit(train, options, None, |_| ControlFlow::Continue(()))?;
        let s = score_by(&fitted.model, &mut test, metric)?.ok_or_else(|| {
            Error::config(
                "metric",
                format!(
                    "{metric} is not defined on fold {} of {k}: its {} rows hold fewer than \
                     two classes (use fewer folds or another metric)",
                    f + 1,
                    test_rows.len()
                ),
            )
        })?;
        on_fold(f, test_rows.len(), s);
        scores.push(s);
    }
    Ok(scores)
}

/// The lambda a small table trains with, and the evidence for it.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaChoice {
    /// The chosen L2 strength.
    pub lambda: f64,
    /// Each candidate with its mean cross-validated loss ([`Metric::Mse`] in the targets' units
    /// for regression, [`Metric::LogLoss`] for classification), in the order tried.
    pub losses: Vec<(f64, f64)>,
    /// The metric of `losses`.
    pub metric: Metric,
}

/// Chooses lambda among `options.lambda_grid` by [`LAMBDA_FOLDS`]-fold cross-validation of a
/// single network trained with `options` (the recipe's validation split within each fold): the
/// candidate of the lowest mean loss, the first of equals. Folds and fits draw from
/// `options.train.seed`.
pub fn choose_lambda<T: Float>(
    table: &Table<T>,
    task: Task,
    options: &FitOptions,
) -> Result<LambdaChoice> {
    let metric = match task {
        Task::Classification => Metric::LogLoss,
        Task::Regression => Metric::Mse,
    };
    let fold = folds(table, task, LAMBDA_FOLDS, options.train.seed)?;
    let mut losses = Vec::with_capacity(options.lambda_grid.len());
    for &lambda in &options.lambda_grid {
        let mut single = options.clone();
        single.lambda_grid.clear();
        single.ensemble = Some(1);
        single.train.lambda = lambda;
        let scores = fold_scores(table, metric, &single, &fold, LAMBDA_FOLDS, |_, _, _| {})?;
        losses.push((lambda, scores.iter().sum::<f64>() / scores.len() as f64));
    }
    let lambda = losses
        .iter()
        .fold(None, |best: Option<(f64, f64)>, &(l, s)| match best {
            _ if !s.is_finite() => best,
            Some((_, b)) if b <= s => best,
            _ => Some((l, s)),
        })
        .map_or(options.train.lambda, |(l, _)| l);
    Ok(LambdaChoice {
        lambda,
        losses,
        metric,
    })
}
