//! The scores against numbers computed independently with scikit-learn 1.9 (the Python that
//! produced each is in the comment above it), and the rank-based ROC AUC against a count of
//! pairs.
// scikit-learn's numbers are written as it printed them, and one of them is 1/sqrt(2).
#![allow(clippy::approx_constant)]

use super::*;
use ndarray::{Array2, array};

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
}

fn names(k: usize) -> Vec<String> {
    (0..k).map(|c| format!("c{c}")).collect()
}

/// Two classes, tied probabilities within and across the classes:
///
/// ```python
/// y = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 0])
/// p1 = np.array([0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.35, 0.65])
/// P = np.column_stack([1 - p1, p1]); pred = P.argmax(1)
/// roc_auc_score(y, p1)                      # 0.68
/// balanced_accuracy_score(y, pred)          # 0.6000000000000001
/// accuracy_score(y, pred)                   # 0.6
/// log_loss(y, P)                            # 0.5744416486846242
/// f1_score(y, pred, average="macro")        # 0.5833333333333333
/// ```
fn binary() -> (Vec<usize>, Array2<f64>) {
    let y = vec![0, 0, 1, 1, 0, 1, 1, 0, 1, 0];
    let p1 = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.35, 0.65];
    let probs = Array2::from_shape_fn((10, 2), |(i, j)| if j == 1 { p1[i] } else { 1.0 - p1[i] });
    (y, probs)
}

#[test]
fn binary_scores_match_scikit_learn() {
    let (y, probs) = binary();
    let s = classification(&y, probs.view(), &names(2));
    close(s.roc_auc.unwrap(), 0.68);
    close(s.balanced_accuracy, 0.6000000000000001);
    close(s.accuracy, 0.6);
    close(s.log_loss, 0.5744416486846242);
    close(s.macro_f1, 0.5833333333333333);
}

/// Three classes, every row's probabilities summing to 1, ties within rows and across rows:
///
/// ```python
/// y3 = np.array([0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 1, 2])
/// P3 = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.2, 0.3, 0.5], [0.1, 0.3, 0.6],
///                [0.2, 0.5, 0.3], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3], [0.1, 0.2, 0.7],
///                [0.5, 0.25, 0.25], [0.3, 0.4, 0.3], [0.4, 0.4, 0.2], [0.2, 0.2, 0.6]])
/// pred3 = P3.argmax(1)
/// roc_auc_score(y3, P3, multi_class="ovr", average="macro")   # 0.7916005291005291
/// balanced_accuracy_score(y3, pred3)                          # 0.5888888888888889
/// accuracy_score(y3, pred3)                                   # 0.5833333333333334
/// log_loss(y3, P3)                                            # 0.8702260542353181
/// f1_score(y3, pred3, average="macro", labels=[0, 1, 2])      # 0.5888888888888889
/// ```
fn three() -> (Vec<usize>, Array2<f64>) {
    let y = vec![0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 1, 2];
    let probs = array![
        [0.6, 0.3, 0.1],
        [0.2, 0.5, 0.3],
        [0.2, 0.3, 0.5],
        [0.1, 0.3, 0.6],
        [0.2, 0.5, 0.3],
        [0.3, 0.3, 0.4],
        [0.2, 0.5, 0.3],
        [0.1, 0.2, 0.7],
        [0.5, 0.25, 0.25],
        [0.3, 0.4, 0.3],
        [0.4, 0.4, 0.2],
        [0.2, 0.2, 0.6],
    ];
    (y, probs)
}

#[test]
fn three_class_scores_match_scikit_learn() {
    let (y, probs) = three();
    let s = classification(&y, probs.view(), &names(3));
    close(s.roc_auc.unwrap(), 0.7916005291005291);
    close(s.balanced_accuracy, 0.5888888888888889);
    close(s.accuracy, 0.5833333333333334);
    close(s.log_loss, 0.8702260542353181);
    close(s.macro_f1, 0.5888888888888889);
}

/// Four model classes, the last absent from the truth (but predicted twice): its one-vs-rest
/// area is undefined and left out; balanced accuracy averages the three classes present.
///
/// ```python
/// y4 = np.array([0, 1, 2, 0, 1, 2, 0, 2])
/// P4 = np.array([[0.4, 0.2, 0.2, 0.2], [0.1, 0.3, 0.2, 0.4], [0.1, 0.2, 0.6, 0.1],
///                [0.25, 0.25, 0.25, 0.25], [0.3, 0.3, 0.1, 0.3], [0.2, 0.2, 0.2, 0.4],
///                [0.5, 0.1, 0.1, 0.3], [0.1, 0.1, 0.5, 0.3]])
/// np.mean([roc_auc_score(y4 == c, P4[:, c]) for c in [0, 1, 2]])  # 0.9333333333333332
/// balanced_accuracy_score(y4, P4.argmax(1))                        # 0.5555555555555555
/// ```
#[test]
fn a_class_absent_from_the_truth_is_left_out() {
    let y = [0, 1, 2, 0, 1, 2, 0, 2];
    let probs = array![
        [0.4, 0.2, 0.2, 0.2],
        [0.1, 0.3, 0.2, 0.4],
        [0.1, 0.2, 0.6, 0.1],
        [0.25, 0.25, 0.25, 0.25],
        [0.3, 0.3, 0.1, 0.3],
        [0.2, 0.2, 0.2, 0.4],
        [0.5, 0.1, 0.1, 0.3],
        [0.1, 0.1, 0.5, 0.3],
    ];
    let s = classification(&y, probs.view(), &names(4));
    close(s.roc_auc.unwrap(), 0.9333333333333332);
    close(s.balanced_accuracy, 0.5555555555555555);
    assert_eq!(s.per_class[3].support, 0);
}

#[test]
fn roc_auc_is_undefined_with_one_class_present() {
    let probs = array![[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]];
    assert_eq!(roc_auc(&[1, 1, 1], probs.view()), None);
    let probs = array![[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]];
    assert_eq!(roc_auc(&[0, 0], probs.view()), None);
    assert_eq!(roc_auc(&[], Array2::<f64>::zeros((0, 3)).view()), None);
    let s = classification(
        &[1, 1, 1],
        array![[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]].view(),
        &names(2),
    );
    assert_eq!(s.roc_auc, None);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json["roc_auc"].is_null(), "{json}");
    // Recall of the one class present: 1 of 3 predicted as it.
    close(s.balanced_accuracy, 1.0 / 3.0);
}

/// The area by ranks against its definition: the share of (positive, negative) pairs ordered
/// rightly, a tie counting half, over scores drawn from a few values so that ties abound.
#[test]
fn roc_auc_by_ranks_counts_pairs() {
    let mut state = 12345u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    };
    for trial in 0..50 {
        let n = 2 + trial;
        let truth: Vec<usize> = (0..n).map(|_| next() % 2).collect();
        let p1: Vec<f64> = (0..n).map(|_| (next() % 5) as f64 / 4.0).collect();
        let probs =
            Array2::from_shape_fn((n, 2), |(i, j)| if j == 1 { p1[i] } else { 1.0 - p1[i] });
        let mut pairs = 0.0;
        let mut credit = 0.0;
        for i in (0..n).filter(|&i| truth[i] == 1) {
            for j in (0..n).filter(|&j| truth[j] == 0) {
                pairs += 1.0;
                credit += if p1[i] > p1[j] {
                    1.0
                } else if p1[i] == p1[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
        let got = roc_auc(&truth, probs.view());
        if pairs == 0.0 {
            assert_eq!(got, None);
        } else {
            close(got.unwrap(), credit / pairs);
        }
    }
}

/// ```python
/// T = np.array([[3.0, -1.0], [0.5, 2.0], [2.0, 0.0], [7.0, 4.5], [4.0, 1.0]])
/// P = np.array([[2.5, -0.5], [0.0, 2.5], [2.0, 1.0], [8.0, 3.0], [3.0, 1.5]])
/// root_mean_squared_error(T, P, multioutput="raw_values")  # [0.7071067811865476, 0.8944271909999159]
/// mean_squared_error(T, P, multioutput="raw_values")       # [0.5, 0.8]
/// mean_absolute_error(T, P, multioutput="raw_values")      # [0.6, 0.8]
/// r2_score(T, P, multioutput="raw_values")                 # [0.8949579831932774, 0.7752808988764045]
/// ```
fn numbers() -> (Array2<f64>, Array2<f64>) {
    let t = array![[3.0, -1.0], [0.5, 2.0], [2.0, 0.0], [7.0, 4.5], [4.0, 1.0]];
    let p = array![[2.5, -0.5], [0.0, 2.5], [2.0, 1.0], [8.0, 3.0], [3.0, 1.5]];
    (t, p)
}

#[test]
fn regression_scores_match_scikit_learn() {
    let (t, p) = numbers();
    let s = regression(t.view(), p.view());
    let want = [
        (0.7071067811865476, 0.5, 0.6, 0.8949579831932774),
        (0.8944271909999159, 0.8, 0.8, 0.7752808988764045),
    ];
    assert_eq!(s.len(), 2);
    for (s, (rmse, mse, mae, r2)) in s.iter().zip(want) {
        close(s.rmse, rmse);
        close(s.mse, mse);
        close(s.mae, mae);
        close(s.r2, r2);
    }
}

#[test]
fn metric_names_tasks_and_directions() {
    for m in Metric::ALL {
        assert_eq!(m.name().parse::<Metric>(), Ok(m));
        assert_eq!(m.to_string(), m.name());
        assert_eq!(serde_json::to_value(m).unwrap(), m.name());
    }
    let err = "auc".parse::<Metric>().unwrap_err();
    assert!(err.contains("roc_auc") && err.contains("rmse"), "{err}");
    let classification: Vec<&str> = Metric::of(Task::Classification).map(Metric::name).collect();
    assert_eq!(
        classification,
        ["accuracy", "balanced_accuracy", "log_loss", "roc_auc", "f1"]
    );
    let regression: Vec<&str> = Metric::of(Task::Regression).map(Metric::name).collect();
    assert_eq!(regression, ["r2", "rmse", "mae", "mse"]);
    let lower: Vec<Metric> = Metric::ALL
        .into_iter()
        .filter(|m| !m.greater_is_better())
        .collect();
    assert_eq!(
        lower,
        [Metric::LogLoss, Metric::Rmse, Metric::Mae, Metric::Mse]
    );
    assert_eq!(Metric::default_for(Task::Classification), Metric::Accuracy);
    assert_eq!(Metric::default_for(Task::Regression), Metric::R2);
}

#[test]
fn a_metric_scores_the_number_the_report_holds() {
    let (y, probs) = three();
    let classes = Predictions::Classes {
        truth: &y,
        probs: probs.view(),
    };
    let want = [
        (Metric::Accuracy, 0.5833333333333334),
        (Metric::BalancedAccuracy, 0.5888888888888889),
        (Metric::LogLoss, 0.8702260542353181),
        (Metric::RocAuc, 0.7916005291005291),
        (Metric::F1, 0.5888888888888889),
    ];
    for (m, v) in want {
        close(m.score(classes).unwrap().unwrap(), v);
    }
    // Regression: the mean over the two targets.
    let (t, p) = numbers();
    let numbers = Predictions::Numbers {
        truth: t.view(),
        pred: p.view(),
    };
    let want = [
        (Metric::R2, (0.8949579831932774 + 0.7752808988764045) / 2.0),
        (
            Metric::Rmse,
            (0.7071067811865476 + 0.8944271909999159) / 2.0,
        ),
        (Metric::Mae, 0.7),
        (Metric::Mse, 0.65),
    ];
    for (m, v) in want {
        close(m.score(numbers).unwrap().unwrap(), v);
    }
    // The other task's predictions are refused; an undefined area is None.
    assert!(Metric::Rmse.score(classes).is_err());
    assert!(Metric::Accuracy.score(numbers).is_err());
    let one = [1usize, 1];
    let probs = array![[0.3, 0.7], [0.6, 0.4]];
    let single = Predictions::Classes {
        truth: &one,
        probs: probs.view(),
    };
    assert_eq!(Metric::RocAuc.score(single).unwrap(), None);
}
