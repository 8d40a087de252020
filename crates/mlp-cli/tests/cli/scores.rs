//! The scores of `mlp evaluate` (ROC AUC, balanced accuracy, rmse) against scikit-learn on tiny
//! fixed models, and `--metric` of `mlp cv` and `mlp tune`.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::fixtures::*;

/// Ten rows of two inputs, with two pairs of equal rows (so equal probabilities: ties).
const X: [&str; 10] = [
    "0.5,0.1",
    "1.2,-0.4",
    "0.0,1.0",
    "0.5,0.1",
    "-0.6,0.9",
    "0.3,0.3",
    "0.3,0.3",
    "-0.2,-0.1",
    "0.9,0.6",
    "1.0,0.0",
];

/// A data file of [`X`] and one target column.
fn data(target: &[&str]) -> String {
    let mut s = String::from("x1,x2,y\n");
    for (x, y) in X.iter().zip(target) {
        s.push_str(&format!("{x},{y}\n"));
    }
    s
}

fn close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

/// No hidden layer, softmax over three classes. In scikit-learn 1.9:
///
/// ```python
/// X = np.array([[0.5, 0.1], [1.2, -0.4], [0.0, 1.0], [0.5, 0.1], [-0.6, 0.9],
///               [0.3, 0.3], [0.3, 0.3], [-0.2, -0.1], [0.9, 0.6], [1.0, 0.0]])
/// W = np.array([[1.0, -0.5], [-0.3, 0.8], [0.2, 0.1]]); b = np.array([0.1, 0.0, -0.2])
/// z = X @ W.T + b; P = np.exp(z - z.max(1, keepdims=True)); P /= P.sum(1, keepdims=True)
/// y3 = np.array([0, 0, 1, 1, 1, 2, 0, 2, 2, 1])
/// roc_auc_score(y3, P, multi_class="ovr", average="macro")   # 0.7331349206349206
/// balanced_accuracy_score(y3, P.argmax(1))                   # 0.5
/// ```
const SOFTMAX: &str = r#"{"format": "mlp-model", "version": 1, "loss": "softmax_cross_entropy",
  "layers": [{"activation": "softmax", "weights": [[1.0, -0.5], [-0.3, 0.8], [0.2, 0.1]],
              "bias": [0.1, 0.0, -0.2]}],
  "features": ["x1", "x2"], "targets": ["y"], "classes": ["a", "b", "c"]}"#;

/// One sigmoid output, p(second class). In scikit-learn 1.9, with `X` as above:
///
/// ```python
/// p = 1 / (1 + np.exp(-(X @ np.array([0.8, -1.1]) + 0.05)))
/// y2 = np.array([1, 1, 0, 0, 0, 1, 0, 0, 1, 1])
/// roc_auc_score(y2, p)                                   # 0.84
/// balanced_accuracy_score(y2, (p > 0.5).astype(int))     # 0.8
/// ```
const SIGMOID: &str = r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy",
  "layers": [{"activation": "sigmoid", "weights": [[0.8, -1.1]], "bias": [0.05]}],
  "features": ["x1", "x2"], "targets": ["y"], "classes": ["no", "yes"]}"#;

/// A linear regression. In scikit-learn 1.9, with `X` as above:
///
/// ```python
/// t = np.array([1.0, 3.0, -0.5, 2.0, -1.0, 0.0, 1.5, 0.5, 1.0, 2.5])
/// root_mean_squared_error(t, X @ np.array([2.0, -1.0]) + 0.5)   # 0.5176871642217914
/// ```
const LINEAR: &str = r#"{"format": "mlp-model", "version": 1, "loss": "squared_error",
  "layers": [{"activation": "identity", "weights": [[2.0, -1.0]], "bias": [0.5]}],
  "features": ["x1", "x2"], "targets": ["y"]}"#;

fn evaluate(dir: &std::path::Path, model: &str, data_text: &str, format: &str) -> String {
    let m = write(dir, "m.json", model);
    let d = write(dir, "d.csv", data_text);
    ok(mlp()
        .arg("evaluate")
        .arg("--model")
        .arg(&m)
        .arg("--data")
        .arg(&d)
        .args(["--target", "y", "--format", format]))
}

#[test]
fn evaluate_reports_roc_auc_and_balanced_accuracy_as_scikit_learn_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let three = data(&["a", "a", "b", "b", "b", "c", "a", "c", "c", "b"]);
    let report = json(&evaluate(d, SOFTMAX, &three, "json"));
    close(report["roc_auc"].as_f64().unwrap(), 0.7331349206349206);
    close(report["balanced_accuracy"].as_f64().unwrap(), 0.5);
    // The contract's key is still there.
    assert!(report["accuracy"].is_number(), "{report}");

    let two = data(&[
        "yes", "yes", "no", "no", "no", "yes", "no", "no", "yes", "yes",
    ]);
    let report = json(&evaluate(d, SIGMOID, &two, "json"));
    close(report["roc_auc"].as_f64().unwrap(), 0.84);
    close(report["balanced_accuracy"].as_f64().unwrap(), 0.8);
    let table = evaluate(d, SIGMOID, &two, "table");
    assert!(
        table.contains("balanced accuracy 0.8000") && table.contains("ROC AUC 0.8400"),
        "{table}"
    );

    // One class in the truth: no area, null in JSON.
    let one = data(&["no"; 10]);
    let report = json(&evaluate(d, SIGMOID, &one, "json"));
    assert!(report["roc_auc"].is_null(), "{report}");
}

#[test]
fn evaluate_reports_rmse_for_a_regressor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let t = data(&[
        "1.0", "3.0", "-0.5", "2.0", "-1.0", "0.0", "1.5", "0.5", "1.0", "2.5",
    ]);
    let report = json(&evaluate(d, LINEAR, &t, "json"));
    close(report["rmse"].as_f64().unwrap(), 0.5176871642217914);
    close(
        report["per_target"][0]["rmse"].as_f64().unwrap(),
        0.5176871642217914,
    );
    assert!(
        report["r2"].is_number() && report["mse"].is_number(),
        "{report}"
    );
    let table = evaluate(d, LINEAR, &t, "table");
    assert!(
        table.contains("rmse") && table.contains("0.517687"),
        "{table}"
    );
}

#[test]
fn cv_scores_folds_by_the_metric_asked_for() {
    let out = ok(mlp().args([
        "cv",
        "--dataset",
        "iris",
        "--folds",
        "3",
        "--metric",
        "log_loss",
        "--quiet",
    ]));
    let report = json(&out);
    assert_eq!(report["metric"], "log_loss");
    let scores = numbers(&report["scores"]);
    assert_eq!(scores.len(), 3);
    // A log-loss, not an accuracy: positive and far from 1 for a good iris model.
    assert!(scores.iter().all(|s| *s > 0.0 && *s < 0.5), "{scores:?}");

    let table = ok(mlp().args([
        "cv",
        "--dataset",
        "iris",
        "--folds",
        "3",
        "--metric",
        "roc_auc",
        "--quiet",
        "--format",
        "table",
    ]));
    assert!(table.starts_with("roc_auc over 3 folds"), "{table}");

    // A metric of the other task, or none at all: one line, exit 2, naming the allowed ones.
    fails(
        mlp().args(["cv", "--dataset", "iris", "--metric", "rmse"]),
        2,
        &[
            "--metric rmse",
            "accuracy, balanced_accuracy, log_loss, roc_auc, f1",
        ],
    );
    fails(
        mlp().args(["cv", "--dataset", "diabetes", "--metric", "f1"]),
        2,
        &["--metric f1", "r2, rmse, mae, mse"],
    );
    fails(
        mlp().args(["tune", "--dataset", "iris", "--metric", "auc"]),
        2,
        &["auc", "roc_auc"],
    );
}

#[test]
fn tune_takes_the_lowest_loss_as_the_best() {
    let out = ok(mlp().args([
        "tune",
        "--dataset",
        "iris",
        "--trials",
        "4",
        "--epochs",
        "20",
        "--metric",
        "log_loss",
        "--quiet",
    ]));
    let report = json(&out);
    assert_eq!(report["metric"], "log_loss");
    let scores: Vec<f64> = report["trials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["score"].as_f64().unwrap())
        .collect();
    let (low, high) = scores
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), s| {
            (l.min(*s), h.max(*s))
        });
    assert!(low < high, "the trials should differ: {scores:?}");
    assert_eq!(report["best"]["score"].as_f64().unwrap(), low, "{scores:?}");
}

#[test]
fn labels_the_model_never_saw_count_as_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let iris = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/iris.csv"
    ))
    .unwrap();
    let lines: Vec<&str> = iris.lines().collect();
    let mut csv = lines[..11].join("\n");
    for l in &lines[1..3] {
        csv.push('\n');
        csv.push_str(&l.replace("setosa", "martian"));
    }
    csv.push('\n');
    std::fs::write(d.join("e.csv"), csv).unwrap();
    let (model, _) = common::raw::ok(d, &["train", "--dataset", "iris", "--out", "m.json", "-q"]);
    assert!(model.is_empty());
    let (out, err) = common::raw::ok(d, &["evaluate", "--model", "m.json", "--data", "e.csv"]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let right = report["accuracy"].as_f64().unwrap() * 12.0;
    // The 10 known rows are setosa (right); the 2 "martian" rows cannot be.
    assert!((right - 10.0).abs() < 1e-9, "{report}");
    assert!(report["log_loss"].as_f64().unwrap().is_finite());
    assert!(
        err.contains("2 row(s) hold labels the model was not trained on (\"martian\")"),
        "{err}"
    );
}

#[test]
fn two_whole_numbers_written_as_floats_are_labels() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut floats = String::from("x,y\n");
    let mut counts = String::from("x,y\n");
    for i in 0..40 {
        let x = f64::from(i) / 10.0;
        floats.push_str(&format!("{x},{}\n", if i % 3 == 0 { "1.0" } else { "0.0" }));
        counts.push_str(&format!("{x},{}.0\n", i % 3));
    }
    std::fs::write(d.join("f.csv"), floats).unwrap();
    std::fs::write(d.join("c.csv"), counts).unwrap();
    let task = |file: &str| {
        let (_, err) = common::raw::ok(
            d,
            &[
                "train", "--data", file, "--target", "y", "--epochs", "5", "--out", "m.json",
            ],
        );
        err.lines().next().unwrap_or_default().to_owned()
    };
    assert!(task("f.csv").starts_with("task: classification (the targets are two whole numbers"));
    // Three values written as floats stay numbers.
    assert!(task("c.csv").starts_with("task: regression"));
}
