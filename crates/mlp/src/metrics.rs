//! Scores of predictions: accuracy, log-loss, precision/recall/F1 and the confusion matrix for
//! classification; r2, mean squared and mean absolute error for regression.

use ndarray::ArrayView2;
use serde::Serialize;

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
    /// Mean of -log p(true class), probabilities clipped to [1e-15, 1].
    pub log_loss: f64,
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
    ClassificationScores {
        accuracy: correct as f64 / n.max(1) as f64,
        log_loss: log_loss / n.max(1) as f64,
        macro_f1: per_class.iter().map(|c| c.f1).sum::<f64>() / k.max(1) as f64,
        per_class,
        confusion,
        examples: n,
    }
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
    /// Mean squared error.
    pub mse: f64,
    /// Mean absolute error.
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
            RegressionScores {
                r2,
                mse: ss_res / n,
                mae,
            }
        })
        .collect()
}
