//! Scores of predictions: accuracy, balanced accuracy, log-loss, ROC AUC, precision/recall/F1
//! and the confusion matrix for classification; r2, mean squared, root mean squared and mean
//! absolute error for regression; and [`Metric`], one of them chosen by name.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::task::Task;

/// Precision, recall and F1 of one class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassScores {
    /// The class label.
    pub class: String,
    /// Of the examples predicted as this class, the share that are.
    pub precision: f64,
    /// Of the examples of this class, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Examples of this class.
    pub support: usize,
}

/// Scores of a classifier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClassificationScores {
    /// Share of examples whose predicted class is the true one.
    pub accuracy: f64,
    /// Mean recall over the classes present in the truth, (1/|C|) sum_{c in C} TP_c / n_c with
    /// C = {c : n_c > 0} (scikit-learn's `balanced_accuracy_score`); 0 without examples.
    pub balanced_accuracy: f64,
    /// Mean of -log p(true class), probabilities clipped to [1e-15, 1].
    pub log_loss: f64,
    /// Area under the ROC curve (see [`roc_auc`]): of the second class's probability for two
    /// classes, the macro mean of the one-vs-rest areas for more. `None` (`null`) when no
    /// area is defined: fewer than two classes present in the truth.
    pub roc_auc: Option<f64>,
    /// Unweighted mean of the per-class F1 scores.
    pub macro_f1: f64,
    /// One entry per class, in the model's class order.
    pub per_class: Vec<ClassScores>,
    /// `confusion[i][j]`: examples of class i predicted as class j.
    pub confusion: Vec<Vec<usize>>,
    /// Number of examples.
    pub examples: usize,
}

/// Classification scores from true class indices and predicted probabilities (n, classes).
pub fn classification(
    truth: &[usize],
    probs: ArrayView2<'_, f64>,
    classes: &[String],
) -> ClassificationScores {
    let k = classes.len();
    let mut confusion = vec![vec![0usize; k]; k];
    let mut log_loss = 0.0;
    for (&t, p) in truth.iter().zip(probs.rows()) {
        let pred = argmax(p.iter().copied());
        if let Some(row) = confusion.get_mut(t)
            && let Some(cell) = row.get_mut(pred)
        {
            *cell += 1;
        }
        log_loss -= p.get(t).copied().unwrap_or(0.0).clamp(1e-15, 1.0).ln();
    }
    let n = truth.len();
    let correct: usize = (0..k).map(|i| confusion[i][i]).sum();
    let per_class: Vec<ClassScores> = (0..k)
        .map(|c| {
            let tp = confusion[c][c] as f64;
            let predicted: usize = confusion.iter().map(|r| r[c]).sum();
            let support: usize = confusion[c].iter().sum();
            let precision = if predicted > 0 {
                tp / predicted as f64
            } else {
                0.0
            };
            let recall = if support > 0 {
                tp / support as f64
            } else {
                0.0
            };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassScores {
                class: classes[c].clone(),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect();
    let present: Vec<&ClassScores> = per_class.iter().filter(|c| c.support > 0).collect();
    let balanced_accuracy =
        present.iter().map(|c| c.recall).sum::<f64>() / present.len().max(1) as f64;
    ClassificationScores {
        accuracy: correct as f64 / n.max(1) as f64,
        balanced_accuracy,
        log_loss: log_loss / n.max(1) as f64,
        roc_auc: roc_auc(truth, probs),
        macro_f1: per_class.iter().map(|c| c.f1).sum::<f64>() / k.max(1) as f64,
        per_class,
        confusion,
        examples: n,
    }
}

/// Area under the ROC curve of class probabilities `probs` (n, classes; columns in the model's
/// class order) against the true class indices `truth`:
///
/// - two classes: the area of the second class's probability, with the second class positive.
///   It is the chance that a random positive example scores above a random negative one, ties
///   counting half (the Mann-Whitney U statistic): with scores ranked from 1 in increasing
///   order, tied scores sharing the average of their ranks, n+ positives and n- negatives,
///   AUC = (sum of the positives' ranks - n+ (n+ + 1) / 2) / (n+ n-);
/// - three or more: the unweighted mean over the classes of the one-vs-rest areas (class c's
///   probability, class c positive, every other class negative), scikit-learn's
///   `roc_auc_score(multi_class="ovr", average="macro")`. A class absent from `truth` has no
///   area (no positives) and is left out of the mean.
///
/// `None` when no area is defined: fewer than two classes present in `truth`.
pub fn roc_auc(truth: &[usize], probs: ArrayView2<'_, f64>) -> Option<f64> {
    let k = probs.ncols();
    if k == 2 {
        return binary_auc(truth, 1, probs.column(1));
    }
    let areas: Vec<f64> = (0..k)
        .filter_map(|c| binary_auc(truth, c, probs.column(c)))
        .collect();
    (!areas.is_empty()).then(|| areas.iter().sum::<f64>() / areas.len() as f64)
}

/// The area under the ROC curve of `scores` for class `positive` against the others (see
/// [`roc_auc`]), by average ranks in O(n log n); `None` without positives or negatives.
fn binary_auc(truth: &[usize], positive: usize, scores: ArrayView1<'_, f64>) -> Option<f64> {
    let n = truth.len().min(scores.len());
    let n_pos = truth[..n].iter().filter(|&&t| t == positive).count();
    let n_neg = n - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Twice the positives' rank sum: a run of tied scores at sorted positions i..j holds the
    // ranks i+1..=j, whose average is (i + 1 + j) / 2.
    let mut twice_rank_sum = 0u128;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        let positives = order[i..j]
            .iter()
            .filter(|&&r| truth[r] == positive)
            .count();
        twice_rank_sum += (i + 1 + j) as u128 * positives as u128;
        i = j;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    Some((twice_rank_sum as f64 / 2.0 - p * (p + 1.0) / 2.0) / (p * q))
}

/// Share of rows whose predicted class matches the target's: the largest output against the
/// largest target (argmax), or for a single output, both sides of 0.5.
pub fn accuracy<T: crate::float::Float>(out: ArrayView2<'_, T>, y: ArrayView2<'_, T>) -> f64 {
    let hits = out
        .rows()
        .into_iter()
        .zip(y.rows())
        .filter(|(o, t)| class_of(*o) == class_of(*t))
        .count();
    hits as f64 / out.nrows().max(1) as f64
}

/// The class a row of outputs (or one-hot targets) stands for: the index of the largest value,
/// or for a single output, 1 above 0.5 and 0 otherwise.
pub fn class_of<T: crate::float::Float>(row: ndarray::ArrayView1<'_, T>) -> usize {
    if row.len() == 1 {
        usize::from(row[0].wide() > 0.5)
    } else {
        argmax(row.iter().map(|v| v.wide()))
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(values: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Scores of one regression target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegressionScores {
    /// Coefficient of determination: 1 - SS_res / SS_tot.
    pub r2: f64,
    /// Mean squared error: (1/n) sum (y - p)^2.
    pub mse: f64,
    /// Root mean squared error: sqrt(mse), in the target's units.
    pub rmse: f64,
    /// Mean absolute error: (1/n) sum |y - p|.
    pub mae: f64,
}

/// Regression scores per target column of `truth` and `pred` (n, targets).
pub fn regression(truth: ArrayView2<'_, f64>, pred: ArrayView2<'_, f64>) -> Vec<RegressionScores> {
    truth
        .columns()
        .into_iter()
        .zip(pred.columns())
        .map(|(t, p)| {
            let n = t.len().max(1) as f64;
            let mean = t.sum() / n;
            let ss_res: f64 = t.iter().zip(p.iter()).map(|(a, b)| (a - b).powi(2)).sum();
            let ss_tot: f64 = t.iter().map(|a| (a - mean).powi(2)).sum();
            let mae = t
                .iter()
                .zip(p.iter())
                .map(|(a, b)| (a - b).abs())
                .sum::<f64>()
                / n;
            let r2 = if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else if ss_res == 0.0 {
                1.0
            } else {
                0.0
            };
            let mse = ss_res / n;
            RegressionScores {
                r2,
                mse,
                rmse: mse.sqrt(),
                mae,
            }
        })
        .collect()
}

/// A score chosen by name, as `mlp cv --metric` and `mlp tune --metric` take it: one of the
/// numbers of [`classification`] or [`regression`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// [`ClassificationScores::accuracy`] (the default for classification).
    Accuracy,
    /// [`ClassificationScores::balanced_accuracy`].
    BalancedAccuracy,
    /// [`ClassificationScores::log_loss`] (lower is better).
    LogLoss,
    /// [`ClassificationScores::roc_auc`].
    RocAuc,
    /// [`ClassificationScores::macro_f1`].
    F1,
    /// [`RegressionScores::r2`] (the default for regression).
    R2,
    /// [`RegressionScores::rmse`] (lower is better).
    Rmse,
    /// [`RegressionScores::mae`] (lower is better).
    Mae,
    /// [`RegressionScores::mse`] (lower is better).
    Mse,
}

impl Metric {
    /// Every metric: classification's, then regression's.
    pub const ALL: [Metric; 9] = [
        Metric::Accuracy,
        Metric::BalancedAccuracy,
        Metric::LogLoss,
        Metric::RocAuc,
        Metric::F1,
        Metric::R2,
        Metric::Rmse,
        Metric::Mae,
        Metric::Mse,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::BalancedAccuracy => "balanced_accuracy",
            Metric::LogLoss => "log_loss",
            Metric::RocAuc => "roc_auc",
            Metric::F1 => "f1",
            Metric::R2 => "r2",
            Metric::Rmse => "rmse",
            Metric::Mae => "mae",
            Metric::Mse => "mse",
        }
    }

    /// The task whose predictions this metric scores.
    pub fn task(self) -> Task {
        match self {
            Metric::Accuracy
            | Metric::BalancedAccuracy
            | Metric::LogLoss
            | Metric::RocAuc
            | Metric::F1 => Task::Classification,
            Metric::R2 | Metric::Rmse | Metric::Mae | Metric::Mse => Task::Regression,
        }
    }

    /// True when a larger value is a better model; false for the losses and errors
    /// (log-loss, rmse, mae, mse), where smaller is better.
    pub fn greater_is_better(self) -> bool {
        !matches!(
            self,
            Metric::LogLoss | Metric::Rmse | Metric::Mae | Metric::Mse
        )
    }

    /// The metric a task is scored by unless another is asked for: accuracy, or r2.
    pub fn default_for(task: Task) -> Metric {
        match task {
            Task::Classification => Metric::Accuracy,
            Task::Regression => Metric::R2,
        }
    }

    /// The metrics of `task`, in the order of [`Metric::ALL`].
    pub fn of(task: Task) -> impl Iterator<Item = Metric> {
        Metric::ALL.into_iter().filter(move |m| m.task() == task)
    }

    /// This metric of `predictions`, the number [`classification`] or [`regression`] reports
    /// (a regression score is the mean over the targets). `Ok(None)` when it is not defined
    /// there: ROC AUC with fewer than two classes present in the truth. An error when the
    /// predictions are of the other task (see [`Metric::task`]).
    pub fn score(self, predictions: Predictions<'_>) -> Result<Option<f64>> {
        match (predictions, self.task()) {
            (Predictions::Classes { truth, probs }, Task::Classification) => {
                let classes = vec![String::new(); probs.ncols()];
                let s = classification(truth, probs, &classes);
                Ok(match self {
                    Metric::BalancedAccuracy => Some(s.balanced_accuracy),
                    Metric::LogLoss => Some(s.log_loss),
                    Metric::RocAuc => s.roc_auc,
                    Metric::F1 => Some(s.macro_f1),
                    _ => Some(s.accuracy),
                })
            }
            (Predictions::Numbers { truth, pred }, Task::Regression) => {
                let per = regression(truth, pred);
                let field = |s: &RegressionScores| match self {
                    Metric::Rmse => s.rmse,
                    Metric::Mae => s.mae,
                    Metric::Mse => s.mse,
                    _ => s.r2,
                };
                Ok(Some(
                    per.iter().map(field).sum::<f64>() / per.len().max(1) as f64,
                ))
            }
            (_, task) => Err(Error::config(
                "metric",
                format!(
                    "{self} scores {}; these are the predictions of {}",
                    task.name(),
                    match predictions {
                        Predictions::Classes { .. } => "a classifier",
                        Predictions::Numbers { .. } => "a regression",
                    }
                ),
            )),
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Metric::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
                format!("unknown metric \"{s}\" (expected {})", names.join(", "))
            })
    }
}

/// Predictions beside the truth they are scored against, for [`Metric::score`].
#[derive(Clone, Copy, Debug)]
pub enum Predictions<'a> {
    /// A classifier's.
    Classes {
        /// The true class indices.
        truth: &'a [usize],
        /// The predicted probabilities (n, classes), columns in the model's class order.
        probs: ArrayView2<'a, f64>,
    },
    /// A regression's.
    Numbers {
        /// The true values (n, targets).
        truth: ArrayView2<'a, f64>,
        /// The predicted values (n, targets), in the same units.
        pred: ArrayView2<'a, f64>,
    },
}

#[cfg(test)]
mod tests;
