//! The `mlp` commands of the core issue, run as a user runs them: cost, init, gradcheck, and the
//! exit codes, one-line messages and "nothing written" promise of the contract.
#![allow(clippy::unwrap_used)]

use crate::common;

use assert_cmd::Command;
use common::fixtures::*;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// mlp cost against the reference fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn cost_and_gradient_match_every_reference_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(REFERENCE)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    names.sort();
    let mut checked = 0;
    for name in &names {
        let base = Path::new(REFERENCE);
        let expected =
            json(&std::fs::read_to_string(base.join(format!("{name}.expected.json"))).unwrap());
        let targets: Vec<&str> = expected["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let lambda = expected["lambda"].as_f64().unwrap();
        let grad_path = dir.path().join(format!("{name}.gradient.json"));
        let stdout = ok(mlp()
            .arg("cost")
            .arg("--model")
            .arg(base.join(format!("{name}.model.json")))
            .arg("--data")
            .arg(base.join(format!("{name}.csv")))
            .arg("--target")
            .arg(targets.join(","))
            .arg("--lambda")
            .arg(lambda.to_string())
            .arg("--gradient")
            .arg(&grad_path));
        let got = json(&stdout);

        // The cost: relative to itself. Saturated cases go through log-sum-exp and softplus of
        // |z| up to 300, where the last bits of exp/log1p matter more.
        let rel = if name.starts_with("saturated_") {
            1e-6
        } else {
            1e-9
        };
        let (cost, want) = (
            got["cost"].as_f64().unwrap(),
            expected["cost"].as_f64().unwrap(),
        );
        assert!(
            (cost - want).abs() <= rel * want.abs().max(f64::MIN_POSITIVE),
            "{name}: cost {cost:e}, expected {want:e}"
        );
        assert_eq!(got["examples"], expected["examples"], "{name}: examples");
        assert_eq!(got["loss"], expected["loss"], "{name}: loss");

        // The gradient: same format and shapes as the model, and every element within 1e-9 of
        // the largest |element| of the expected gradient of its layer (weights and bias
        // together). An element-wise relative tolerance would be meaningless for elements that
        // are tiny through cancellation: their absolute rounding error is set by the size of
        // the terms summed, which the layer's largest element measures. A layer whose expected
        // gradient is all zeros must then come out exactly zero.
        let grad = json(&std::fs::read_to_string(&grad_path).unwrap());
        assert_eq!(grad["format"], "mlp-gradient", "{name}");
        assert_eq!(grad["version"], 1, "{name}");
        let want_layers = expected["gradient"]["layers"].as_array().unwrap();
        let got_layers = grad["layers"].as_array().unwrap();
        assert_eq!(
            got_layers.len(),
            want_layers.len(),
            "{name}: number of layers"
        );
        for (l, (g, w)) in got_layers.iter().zip(want_layers).enumerate() {
            let (gw, ww) = (matrix(&g["weights"]), matrix(&w["weights"]));
            let (gb, wb) = (numbers(&g["bias"]), numbers(&w["bias"]));
            assert_eq!(gw.len(), ww.len(), "{name} layer {}: weight rows", l + 1);
            assert_eq!(gb.len(), wb.len(), "{name} layer {}: bias length", l + 1);
            let scale = ww
                .iter()
                .flatten()
                .chain(&wb)
                .fold(0.0_f64, |m, v| m.max(v.abs()));
            let tol = 1e-9 * scale;
            for (i, (gr, wr)) in gw.iter().zip(&ww).enumerate() {
                assert_eq!(
                    gr.len(),
                    wr.len(),
                    "{name} layer {}: row {} length",
                    l + 1,
                    i + 1
                );
                for (j, (a, b)) in gr.iter().zip(wr).enumerate() {
                    assert!(
                        (a - b).abs() <= tol,
                        "{name} layer {} dW[{i}][{j}]: {a:e}, expected {b:e} (tolerance {tol:e})",
                        l + 1
                    );
                }
            }
            for (i, (a, b)) in gb.iter().zip(&wb).enumerate() {
                assert!(
                    (a - b).abs() <= tol,
                    "{name} layer {} db[{i}]: {a:e}, expected {b:e} (tolerance {tol:e})",
                    l + 1
                );
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 15,
        "only {checked} reference cases found in {REFERENCE}"
    );
}

#[test]
fn cost_lambda_defaults_to_zero() {
    let base = Path::new(REFERENCE);
    let expected =
        json(&std::fs::read_to_string(base.join("logistic_seed.expected.json")).unwrap());
    assert!(expected["lambda"].as_f64().unwrap() > 0.0);
    let got = json(&ok(mlp()
        .arg("cost")
        .arg("--model")
        .arg(base.join("logistic_seed.model.json"))
        .arg("--data")
        .arg(base.join("logistic_seed.csv"))
        .args(["--target", "y1,y2,y3"])));
    let (cost, want) = (
        got["cost"].as_f64().unwrap(),
        expected["data_cost"].as_f64().unwrap(),
    );
    assert!(
        (cost - want).abs() <= 1e-9 * want,
        "cost {cost:e}, data cost {want:e}"
    );
    assert_eq!(got["l2_cost"].as_f64(), Some(0.0));
}

// ---------------------------------------------------------------------------------------------
// mlp init
// ---------------------------------------------------------------------------------------------

const INIT: [&str; 9] = [
    "init",
    "--layers",
    "4,5,3",
    "--activation",
    "sigmoid",
    "--output",
    "softmax",
    "--loss",
    "softmax_cross_entropy",
];

fn init_to(path: &Path, seed: u64) -> Vec<u8> {
    ok(mlp()
        .args(INIT)
        .args(["--seed", &seed.to_string()])
        .arg("--out")
        .arg(path));
    std::fs::read(path).unwrap()
}

#[test]
fn init_writes_a_model_with_the_requested_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    init_to(&path, 1);
    assert!(path.exists());
    let model = json(&std::fs::read_to_string(&path).unwrap());
    assert_eq!(model["format"], "mlp-model");
    assert_eq!(model["version"], 1);
    assert_eq!(model["loss"], "softmax_cross_entropy");
    let layers = model["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    for (layer, (rows, cols, act)) in layers.iter().zip([(5, 4, "sigmoid"), (3, 5, "softmax")]) {
        assert_eq!(layer["activation"], act);
        let w = matrix(&layer["weights"]);
        assert_eq!(w.len(), rows);
        assert!(
            w.iter().all(|r| r.len() == cols),
            "rows of {cols} numbers: {w:?}"
        );
        assert!(w.iter().flatten().all(|v| v.is_finite()));
        assert!(
            w.iter().flatten().any(|v| *v != 0.0),
            "weights are random, not zero"
        );
        assert_eq!(numbers(&layer["bias"]).len(), rows);
    }
}

#[test]
fn init_is_reproducible_and_writes_the_same_bytes_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let a = init_to(&dir.path().join("a.json"), 1);
    let b = init_to(&dir.path().join("b.json"), 1);
    let c = init_to(&dir.path().join("c.json"), 2);
    assert_eq!(a, b, "same seed, same file");
    assert_ne!(a, c, "another seed, other weights");
    let out = mlp()
        .args(INIT)
        .args(["--seed", "1", "--out", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, a, "--out - prints the file's bytes");
}

// ---------------------------------------------------------------------------------------------
// mlp gradcheck
// ---------------------------------------------------------------------------------------------

const GRADCHECK: [&str; 9] = [
    "gradcheck",
    "--layers",
    "4,5,3",
    "--activation",
    "sigmoid",
    "--output",
    "softmax",
    "--lambda",
    "1",
];

#[test]

fn gradcheck_on_a_random_network_passes_and_shows_the_table() {
    let o = run(mlp().args(GRADCHECK));
    assert_eq!(o.code, Some(0), "stderr: {}", o.stderr);
    let report = json(&o.stdout);
    let worst = report["max_relative_error"].as_f64().unwrap();
    assert!(worst < 1e-7, "max_relative_error {worst:e}");
    assert_eq!(report["passed"], true);
    assert_eq!(report["layers"].as_array().unwrap().len(), 2);
    // The per-layer table: both layers, and analytical next to numerical.
    assert!(o.stderr.contains("layer 2"), "{}", o.stderr);
    assert!(o.stderr.contains("layer 3"), "{}", o.stderr);
    assert!(o.stderr.contains("backpropagation"), "{}", o.stderr);
    assert!(o.stderr.contains("central differences"), "{}", o.stderr);
    let table_row = o
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("w1,1"))
        .unwrap_or_default();
    assert_eq!(
        table_row.split_whitespace().count(),
        3,
        "name, analytical, numerical: {table_row:?}"
    );
}

#[test]

fn gradcheck_on_a_random_network_over_an_absurd_threshold_exits_1() {
    let o = run(mlp().args(GRADCHECK).args(["--threshold", "1e-300"]));
    assert_eq!(o.code, Some(1), "stderr: {}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert_eq!(json(&o.stdout)["passed"], false);
    assert!(
        o.stderr.lines().last().unwrap().starts_with("error: "),
        "{}",
        o.stderr
    );
}

fn gradcheck_fixture() -> Command {
    let base = Path::new(REFERENCE);
    let mut cmd = mlp();
    cmd.arg("gradcheck")
        .arg("--model")
        .arg(base.join("logistic_seed.model.json"))
        .arg("--data")
        .arg(base.join("logistic_seed.csv"))
        .args(["--target", "y1,y2,y3", "--lambda", "1"]);
    cmd
}

#[test]
fn gradcheck_on_a_model_and_data_passes() {
    let o = run(&mut gradcheck_fixture());
    assert_eq!(o.code, Some(0), "stderr: {}", o.stderr);
    let report = json(&o.stdout);
    assert!(
        report["max_relative_error"].as_f64().unwrap() < 1e-7,
        "{report}"
    );
    assert_eq!(report["passed"], true);
    assert_eq!(report["examples"], 30);
    assert!(o.stderr.contains("backpropagation") && o.stderr.contains("central differences"));
    assert!(
        o.stderr.contains("layer 2") && o.stderr.contains("layer 3"),
        "{}",
        o.stderr
    );
}

#[test]
fn gradcheck_on_a_model_over_an_absurd_threshold_exits_1() {
    let o = run(gradcheck_fixture().args(["--threshold", "1e-300"]));
    assert_eq!(o.code, Some(1), "stderr: {}", o.stderr);
    assert_eq!(json(&o.stdout)["passed"], false);
    let last = o.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: ") && last.contains("threshold"),
        "{}",
        o.stderr
    );
    assert_eq!(o.stderr.matches("error: ").count(), 1, "{}", o.stderr);
}

// ---------------------------------------------------------------------------------------------
// Model round trip
// ---------------------------------------------------------------------------------------------

/// A small data set for a 4-input, 1-output model.
const SMALL: &str = "a,b,c,d,y\n0.1,0.2,0.3,0.4,1\n0.5,-0.2,0.1,0.0,0\n-0.3,0.7,0.2,0.9,1\n\
                     0.8,0.1,-0.5,0.3,0\n0.2,0.2,0.2,0.2,1\n-0.6,-0.1,0.4,-0.2,0\n";

fn cost_of(model: &Path, data: &Path, target: Option<&str>) -> f64 {
    let mut cmd = mlp();
    cmd.arg("cost")
        .arg("--model")
        .arg(model)
        .arg("--data")
        .arg(data);
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    let v = json(&ok(&mut cmd));
    assert_eq!(v["examples"], 6);
    v["cost"].as_f64().unwrap()
}

fn init_then_train(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let data = write(dir, "small.csv", SMALL);
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    ok(mlp()
        .args([
            "init", "--layers", "4,5,1", "--output", "sigmoid", "--seed", "2", "--out",
        ])
        .arg(&a));
    ok(mlp()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--target", "y", "--init-model"])
        .arg(&a)
        .args([
            "--epochs",
            "1",
            "--solver",
            "gd",
            "--validation-fraction",
            "0",
            "--quiet",
        ])
        .arg("--out")
        .arg(&b));
    (data, a, b)
}

// No command rewrites a model as-is, so the round trip is: `mlp init` writes a model that
// `mlp cost` loads, `mlp train --init-model` starts from it, and its output loads again.
#[test]
fn init_model_loads_and_trains_into_a_loadable_model() {
    let dir = tempfile::tempdir().unwrap();
    let (data, a, b) = init_then_train(dir.path());
    let before = cost_of(&a, &data, Some("y"));
    let after = cost_of(&b, &data, Some("y"));
    assert!(before.is_finite() && after.is_finite());
    assert_ne!(before, after, "one step of gd changes the cost");
    let (ma, mb) = (
        json(&std::fs::read_to_string(&a).unwrap()),
        json(&std::fs::read_to_string(&b).unwrap()),
    );
    for (la, lb) in ma["layers"]
        .as_array()
        .unwrap()
        .iter()
        .zip(mb["layers"].as_array().unwrap())
    {
        let (wa, wb) = (matrix(&la["weights"]), matrix(&lb["weights"]));
        assert_eq!(wa.len(), wb.len());
        assert_eq!(wa[0].len(), wb[0].len());
        assert_eq!(la["activation"], lb["activation"]);
    }
    assert_eq!(ma["loss"], mb["loss"]);
}

#[test]
fn train_from_init_model_records_the_columns_it_was_trained_on() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _, b) = init_then_train(dir.path());
    let model = json(&std::fs::read_to_string(&b).unwrap());
    assert_eq!(model["features"], serde_json::json!(["a", "b", "c", "d"]));
    assert_eq!(model["targets"], serde_json::json!(["y"]));
    cost_of(&b, &data, None);
}

// ---------------------------------------------------------------------------------------------
// Errors: exit code 2 and one line naming what is wrong
// ---------------------------------------------------------------------------------------------
