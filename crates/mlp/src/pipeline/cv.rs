//! K-fold cross-validation: the folds of a table's rows, the score of each fold, and the choice
//! of the L2 strength lambda that small tables make by it (see [`super::Recipe`]).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use std::ops::ControlFlow;
use std::sync::atomic::AtomicBool;

use super::{FitOptions, fit, score_by};
use crate::data::Table;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::jobs::side_by_side;
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
    let mut scores = Vec::with_capacity(k);
    for f in 0..k {
        if let Some((rows, s)) = fold_score(table, metric, options, fold, f, k)? {
            on_fold(f, rows, s);
            scores.push(s);
        }
    }
    Ok(scores)
}

/// Fold `f`'s rows and score (see [`fold_scores`]); `None` for a fold without rows.
fn fold_score<T: Float>(
    table: &Table<T>,
    metric: Metric,
    options: &FitOptions,
    fold: &[usize],
    f: usize,
    k: usize,
) -> Result<Option<(usize, f64)>> {
    let n = table.x.nrows();
    let (test_rows, train_rows): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| fold[i] == f);
    if test_rows.is_empty() {
        return Ok(None);
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
                "{metric} is not defined on fold {} of {k}: its {} rows hold fewer than two \
                 classes (use fewer folds or another metric)",
                f + 1,
                test_rows.len()
            ),
        )
    })?;
    Ok(Some((test_rows.len(), s)))
}

/// One setting that [`choose_lambda`] tried, and its mean cross-validated loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    /// The L2 strength.
    pub lambda: f64,
    /// The share of each fold's training rows held out for early stopping (0: none).
    pub validation_fraction: f64,
    /// The mean over the folds of [`LambdaChoice::metric`].
    pub loss: f64,
}

/// The regularization a small table trains with, and the evidence for it.
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaChoice {
    /// The chosen setting (the candidate of the lowest loss, the first of equals).
    pub chosen: Candidate,
    /// Every candidate, in the order tried: each validation fraction, and within it each
    /// lambda of the grid.
    pub candidates: Vec<Candidate>,
    /// The loss: [`Metric::Mse`] in the targets' units for regression, [`Metric::LogLoss`] for
    /// classification.
    pub metric: Metric,
}

/// Chooses lambda among `options.lambda_grid`, and whether to hold out `split` of the rows for
/// early stopping or to train on every row, by [`LAMBDA_FOLDS`]-fold cross-validation of a
/// single network trained with `options` (a validation fraction the user gave is the only one
/// tried). Folds and fits draw from `options.train.seed`; the fits, each on one thread, run
/// side by side on `options.train.threads` threads, and the result does not depend on how many.
pub fn choose_lambda<T: Float>(
    table: &Table<T>,
    task: Task,
    options: &FitOptions,
    split: f64,
) -> Result<LambdaChoice> {
    let metric = match task {
        Task::Classification => Metric::LogLoss,
        Task::Regression => Metric::Mse,
    };
    let fractions = match options.validation_fraction {
        Some(f) => vec![f],
        None => vec![split, 0.0],
    };
    let settings: Vec<(f64, f64)> = fractions
        .iter()
        .flat_map(|&f| options.lambda_grid.iter().map(move |&l| (l, f)))
        .collect();
    let fold = folds(table, task, LAMBDA_FOLDS, options.train.seed)?;
    let k = LAMBDA_FOLDS;
    let never = AtomicBool::new(false);
    let workers = options.train.threads;
    let scores = side_by_side(settings.len() * k, workers, &never, None, |job| {
        let (lambda, f) = settings[job / k];
        let mut single = options.clone();
        single.lambda_grid.clear();
        single.ensemble = Some(1);
        single.validation_fraction = Some(f);
        single.train.lambda = lambda;
        single.train.threads = 1;
        fold_score(table, metric, &single, &fold, job % k, k)
    });
    let mut candidates = Vec::with_capacity(settings.len());
    let mut scores = scores.into_iter().map(|(_, s)| s);
    for &(lambda, validation_fraction) in &settings {
        let (mut sum, mut count) = (0.0, 0);
        for s in scores.by_ref().take(k) {
            if let Some((_, s)) = s? {
                sum += s;
                count += 1;
            }
        }
        candidates.push(Candidate {
            lambda,
            validation_fraction,
            loss: sum / count.max(1) as f64,
        });
    }
    let chosen = candidates
        .iter()
        .copied()
        .filter(|c| c.loss.is_finite())
        .fold(None, |best: Option<Candidate>, c| match best {
            Some(b) if b.loss <= c.loss => Some(b),
            _ => Some(c),
        })
        .ok_or_else(|| Error::config("lambda", "no candidate gave a finite loss"))?;
    Ok(LambdaChoice {
        chosen,
        candidates,
        metric,
    })
}
