//! Choosing and understanding models on raw tables: cross-validation, tuning, importance.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::penguins;
use common::raw::{ok, run};
use serde_json::Value;

#[test]
fn importance_by_original_column_with_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(90, ',')).unwrap();
    ok(
        d,
        &[
            "train", "--data", "p.csv", "--target", "species", "--out", "m.json", "--quiet",
        ],
    );
    let (out, _) = ok(
        d,
        &[
            "importance",
            "--model",
            "m.json",
            "--data",
            "p.csv",
            "--plot",
            "imp.svg",
        ],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["metric"], "accuracy");
    let mut names: Vec<&str> = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    // One entry per input column, not per one-hot unit.
    assert_eq!(names, ["bill", "flipper", "island", "seen", "tagged"]);
    let svg = std::fs::read_to_string(d.join("imp.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("island"));
}

#[test]
fn cross_validation_scores_every_fold_the_same_way_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(90, ',')).unwrap();
    let args = [
        "cv", "--folds", "3", "--data", "p.csv", "--target", "species", "--quiet", "--seed", "4",
    ];
    let (out, _) = ok(d, &args);
    let report: Value = serde_json::from_str(&out).unwrap();
    let scores: Vec<f64> = report["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_f64().unwrap())
        .collect();
    assert_eq!(scores.len(), 3);
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)));
    let mean = scores.iter().sum::<f64>() / 3.0;
    assert!((report["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    // 89 labelled rows: one of the 90 has a missing target.
    assert_eq!(report["rows"], 89);
    assert_eq!(ok(d, &args).0, out, "same seed, same scores");
    let (code, _, err) = run(
        d,
        &[
            "cv", "--data", "p.csv", "--target", "species", "--out", "m.json",
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--out is an option of mlp train"), "{err}");
    let (code, _, _) = run(
        d,
        &[
            "cv", "--folds", "1", "--data", "p.csv", "--target", "species",
        ],
    );
    assert_eq!(code, 2);
}

#[test]
fn tuning_tries_settings_and_trains_the_best_on_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(60, ',')).unwrap();
    let args = [
        "tune",
        "--trials",
        "3",
        "--data",
        "p.csv",
        "--target",
        "species",
        "--epochs",
        "30",
        "--activation",
        "tanh",
        "--quiet",
        "--out",
        "best.json",
    ];
    let (out, _) = ok(d, &args);
    let report: Value = serde_json::from_str(&out).unwrap();
    let trials = report["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 3);
    // Options given on the command line are not searched.
    assert!(trials.iter().all(|t| t["settings"]["activation"] == "tanh"));
    let best = trials
        .iter()
        .map(|t| t["score"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(report["best"]["score"].as_f64().unwrap(), best);
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("best.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 2);
    assert_eq!(ok(d, &args).0, out, "same seed, same trials");
}

#[test]
fn cross_validation_of_a_single_network_on_a_table_with_an_id_column() {
    // A text column with a different value in every row is left out; a single network then
    // has no schema, and each fold is scored on the table as read for training, ID included.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("name,x,y\n");
    for i in 0..40 {
        let x = f64::from(i) / 10.0;
        csv.push_str(&format!("car {i},{x},{}\n", 2.0 * x + 1.0));
    }
    std::fs::write(d.join("t.csv"), csv).unwrap();
    let (out, _) = ok(
        d,
        &[
            "cv",
            "--folds",
            "4",
            "--data",
            "t.csv",
            "--target",
            "y",
            "--ensemble",
            "1",
            "--quiet",
        ],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["scores"].as_array().unwrap().len(), 4);
    assert!(report["mean"].as_f64().unwrap() > 0.9, "{report}");
}

#[test]
fn successive_halving_and_a_log_that_continues_a_search() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(60, ',')).unwrap();
    let args = [
        "tune", "--trials", "9", "--search", "halving", "--data", "p.csv", "--target", "species",
        "--epochs", "27", "--quiet", "--log", "log.json",
    ];
    let (out, _) = ok(d, &args);
    let report: Value = serde_json::from_str(&out).unwrap();
    let trials = report["trials"].as_array().unwrap();
    let rung = |r: u64| -> Vec<&Value> { trials.iter().filter(|t| t["rung"] == r).collect() };
    // 9 trials for 3 epochs, the best 3 for 9, the best one for 27.
    assert_eq!(
        [rung(1).len(), rung(2).len(), rung(3).len()],
        [9, 3, 1],
        "{report}"
    );
    assert!(rung(1).iter().all(|t| t["epochs"] == 3));
    assert!(rung(2).iter().all(|t| t["epochs"] == 9));
    assert_eq!(rung(3)[0]["epochs"], 27);
    assert_eq!(report["best"]["trial"], rung(3)[0]["trial"]);
    // Those that went on were the best of their rung.
    let score = |t: &Value| t["score"].as_f64().unwrap();
    let worst_kept = rung(2)
        .iter()
        .map(|t| {
            let first = rung(1)
                .into_iter()
                .find(|f| f["trial"] == t["trial"])
                .unwrap();
            score(first)
        })
        .fold(f64::INFINITY, f64::min);
    let dropped_best = rung(1)
        .iter()
        .filter(|f| !rung(2).iter().any(|t| t["trial"] == f["trial"]))
        .map(|f| score(f))
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(worst_kept >= dropped_best);
    // Run again with the log: every trial comes from it, the report is the same.
    let loud: Vec<&str> = args.iter().copied().filter(|a| *a != "--quiet").collect();
    let (again, err) = ok(d, &loud);
    assert_eq!(again, out);
    assert_eq!(err.matches("(from the log)").count(), 13, "{err}");
    // A log of another search is refused, and left as it was.
    let before = std::fs::read(d.join("log.json")).unwrap();
    let (code, _, err) = run(
        d,
        &[
            "tune", "--trials", "9", "--data", "p.csv", "--target", "species", "--log", "log.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("log of another search"), "{err}");
    assert_eq!(std::fs::read(d.join("log.json")).unwrap(), before);
}

#[test]
fn a_time_limit_stops_starting_trials() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(60, ',')).unwrap();
    let (out, _) = ok(
        d,
        &[
            "tune",
            "--trials",
            "50",
            "--time-limit",
            "0.001",
            "--data",
            "p.csv",
            "--target",
            "species",
            "--quiet",
        ],
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["trials"].as_array().unwrap().len(), 1);
    assert_eq!(report["complete"], false);
}

/// A table of 120 rows with a text column whose target is noise: what the features say of it
/// is chance, so a stronger L2 term predicts it better.
fn noise_table() -> String {
    let mut s = String::from("x,group,y\n");
    let mut state = 12_345u64;
    for i in 0..120 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let noise = (state >> 33) as f64 / (1u64 << 31) as f64;
        let group = ["a", "b", "c"][i % 3];
        s.push_str(&format!(
            "{},{group},{noise:.6}\n",
            (i * 7 % 13) as f64 / 13.0
        ));
    }
    s
}

#[test]
fn small_real_tables_choose_lambda_by_cross_validation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("n.csv"), noise_table()).unwrap();
    let train = [
        "train", "--data", "n.csv", "--target", "y", "--out", "m.json", "--seed", "2",
    ];
    let (_, err) = ok(d, &train);
    let note = err
        .lines()
        .find(|l| l.contains("chosen by 5-fold cross-validation"))
        .unwrap_or_else(|| panic!("no note of the choice:\n{err}"));
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    let chosen = (
        model["training"]["lambda"].as_f64().unwrap(),
        model["training"]["validation_rows"].as_u64().unwrap() > 0,
    );
    // The same folds and fits through `mlp cv`: one network, the candidate's lambda and split,
    // scored by the mean squared error.
    let mut best = (f64::INFINITY, (0.0, false));
    for split in ["0.1", "0"] {
        for lambda in ["1", "3", "10", "30"] {
            let (out, _) = ok(
                d,
                &[
                    "cv",
                    "--folds",
                    "5",
                    "--data",
                    "n.csv",
                    "--target",
                    "y",
                    "--seed",
                    "2",
                    "--quiet",
                    "--ensemble",
                    "1",
                    "--metric",
                    "mse",
                    "--lambda",
                    lambda,
                    "--validation-fraction",
                    split,
                ],
            );
            let mean = serde_json::from_str::<Value>(&out).unwrap()["mean"]
                .as_f64()
                .unwrap();
            let said = match split {
                "0" => format!("{lambda} without a split: {mean:.4}"),
                _ => format!("{lambda}: {mean:.4}"),
            };
            assert!(note.contains(&said), "cv says {said}, the note {note}");
            if mean < best.0 {
                best = (mean, (lambda.parse().unwrap(), split != "0"));
            }
        }
    }
    assert_eq!(chosen, best.1, "{note}");
    // Not the first candidate: the choice is made, not defaulted.
    assert_ne!(chosen, (1.0, true), "{note}");
    // A lambda given is used as it is.
    let (_, err) = ok(d, &[&train[..], &["--lambda", "3"]].concat());
    assert!(!err.contains("cross-validation"), "{err}");
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    assert_eq!(model["training"]["lambda"], 3.0);
}

#[test]
fn real_tables_train_in_single_precision_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("n.csv"), noise_table()).unwrap();
    // A complete numeric copy: the text column left out.
    let numeric: String = noise_table()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{}\n", f[0], f[2])
        })
        .collect();
    std::fs::write(d.join("c.csv"), numeric).unwrap();
    let model = |data: &str, out: &str, more: &[&str]| {
        let args = [
            &[
                "train", "--data", data, "--target", "y", "--out", out, "--seed", "1",
            ][..],
            &["--lambda", "1", "--quiet"][..],
            more,
        ]
        .concat();
        ok(d, &args);
        std::fs::read(d.join(out)).unwrap()
    };
    let real = model("n.csv", "a.json", &[]);
    assert_eq!(real, model("n.csv", "b.json", &["--precision", "f32"]));
    assert_ne!(real, model("n.csv", "c.json", &["--precision", "f64"]));
    let clean = model("c.csv", "d.json", &[]);
    assert_eq!(clean, model("c.csv", "e.json", &["--precision", "f64"]));
    assert_ne!(clean, model("c.csv", "f.json", &["--precision", "f32"]));
}
