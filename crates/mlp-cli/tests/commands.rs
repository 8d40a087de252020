//! The `mlp` commands of the core issue, run as a user runs them: cost, init, gradcheck, and the
//! exit codes, one-line messages and "nothing written" promise of the contract.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The reference fixtures of the library crate (see their README.md).
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlp/tests/fixtures/reference"
);

/// A small valid model: 3 inputs, 2 sigmoid units, 1 sigmoid output (the contract's example).
const MODEL: &str = r#"{
  "format": "mlp-model",
  "version": 1,
  "loss": "cross_entropy",
  "layers": [
    {"activation": "sigmoid", "weights": [[0.1, -0.2, 0.3], [0.0, 0.5, -0.1]], "bias": [0.0, 0.1]},
    {"activation": "sigmoid", "weights": [[0.7, -0.4]], "bias": [0.2]}
  ]
}
"#;

/// Data for [`MODEL`]: three features and one 0/1 target `y`.
const DATA: &str = "x1,x2,x3,y\n0.1,0.2,0.3,1\n0.5,-0.2,0.1,0\n-0.3,0.7,0.2,1\n0.8,0.1,-0.5,0\n";

fn mlp() -> Command {
    Command::cargo_bin("mlp").unwrap()
}

/// What a finished command left behind.
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Outcome {
    let out = cmd.output().unwrap();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a command that must succeed and returns its standard output.
fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert_eq!(
        o.code,
        Some(0),
        "{cmd:?} failed\nstdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
    o.stdout
}

/// Runs a command that must fail with `code` and print exactly one line on stderr, starting with
/// `error: ` and containing every one of `needles`, and nothing on stdout. Returns that line.
fn fails(cmd: &mut Command, code: i32, needles: &[&str]) -> String {
    let o = run(cmd);
    assert_eq!(
        o.code,
        Some(code),
        "{cmd:?}\nstdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
    assert!(
        !o.stderr.contains("panicked"),
        "{cmd:?} panicked: {}",
        o.stderr
    );
    let lines: Vec<&str> = o.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "{cmd:?}: not one line on stderr:\n{}",
        o.stderr
    );
    let line = lines[0];
    assert!(line.starts_with("error: "), "{cmd:?}: {line}");
    for needle in needles {
        assert!(
            line.contains(needle),
            "{cmd:?}: {line:?} does not mention {needle:?}"
        );
    }
    assert!(
        o.stdout.is_empty(),
        "{cmd:?} printed on stdout despite the error: {}",
        o.stdout
    );
    line.to_string()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({e}): {text}"))
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The numbers of a JSON array of numbers.
fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The rows of a JSON matrix.
fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(numbers).collect()
}

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

/// `mlp cost` of `model` on [`DATA`] with target `y`.
fn cost_with_model(dir: &Path, model: &str) -> Command {
    let m = write(dir, "model.json", model);
    let d = write(dir, "data.csv", DATA);
    let mut cmd = mlp();
    cmd.arg("cost")
        .arg("--model")
        .arg(m)
        .arg("--data")
        .arg(d)
        .args(["--target", "y"]);
    cmd
}

#[test]
fn the_small_model_and_data_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    let v = json(&ok(&mut cost_with_model(dir.path(), MODEL)));
    assert_eq!(v["examples"], 4);
}

#[test]
fn missing_data_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "model.json", MODEL);
    fails(
        mlp()
            .arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(dir.path().join("nope.csv"))
            .args(["--target", "y"]),
        2,
        &["nope.csv"],
    );
}

#[test]

fn missing_data_file_message_says_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "model.json", MODEL);
    let line = fails(
        mlp()
            .arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(dir.path().join("nope.csv"))
            .args(["--target", "y"]),
        2,
        &["nope.csv"],
    );
    assert_eq!(
        line.matches("No such file or directory").count(),
        1,
        "{line}"
    );
}

#[test]
fn missing_model_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = write(dir.path(), "data.csv", DATA);
    fails(
        mlp()
            .arg("cost")
            .arg("--model")
            .arg(dir.path().join("absent.json"))
            .arg("--data")
            .arg(d)
            .args(["--target", "y"]),
        2,
        &["absent.json"],
    );
}

#[test]
fn model_that_is_not_json_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fails(
        &mut cost_with_model(dir.path(), "hello, I am not a model\n"),
        2,
        &["model.json", "JSON"],
    );
}

#[test]
fn truncated_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cut = &MODEL[..MODEL.len() / 2];
    fails(
        &mut cost_with_model(dir.path(), cut),
        2,
        &["model.json", "truncated", "line"],
    );
}

#[test]
fn newer_format_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("\"version\": 1", "\"version\": 3");
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "newer", "3"],
    );
}

#[test]
fn wrong_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("\"mlp-model\"", "\"keras-model\"");
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "keras-model"],
    );
}

#[test]
fn ragged_weights_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("[0.0, 0.5, -0.1]", "[0.0, 0.5]");
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "layer 1", "row 2"],
    );
}

#[test]
fn unknown_activation_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replacen("\"sigmoid\"", "\"gelu\"", 1);
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "\"gelu\""],
    );
}

#[test]
fn wrong_bias_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("\"bias\": [0.0, 0.1]", "\"bias\": [0.0, 0.1, 0.2]");
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "layer 1", "bias"],
    );
}

#[test]
fn nan_in_weights_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("0.7, -0.4", "NaN, -0.4");
    fails(&mut cost_with_model(dir.path(), &model), 2, &["model.json"]);
}

#[test]
fn huge_number_in_weights_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let model = MODEL.replace("0.7, -0.4", "1e999, -0.4");
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "line", "column"],
    );
}

#[test]
fn model_without_layers_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let start = MODEL.find("\"layers\"").unwrap();
    let model = format!("{}\"layers\": []\n}}\n", &MODEL[..start]);
    fails(
        &mut cost_with_model(dir.path(), &model),
        2,
        &["model.json", "layers"],
    );
}

#[test]
fn text_in_a_feature_column_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "model.json", MODEL);
    let bad = DATA.replace("-0.3,0.7,0.2,1", "-0.3,abc,0.2,1");
    let d = write(dir.path(), "bad.csv", &bad);
    fails(
        mlp()
            .arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(d)
            .args(["--target", "y"]),
        2,
        &["bad.csv", "line 4", "\"x2\"", "abc"],
    );
}

#[test]
fn unknown_target_column_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let m = write(dir.path(), "model.json", MODEL);
    let d = write(dir.path(), "data.csv", DATA);
    fails(
        mlp()
            .arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(d)
            .args(["--target", "label"]),
        2,
        &["data.csv", "\"label\""],
    );
}

#[test]
fn negative_lambda_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fails(
        cost_with_model(dir.path(), MODEL).args(["--lambda", "-1"]),
        2,
        &["lambda"],
    );
}

/// `mlp train` on iris, quiet, writing `out`; the caller adds `--epochs` and the rest.
fn train_iris(out: &Path) -> Command {
    let mut cmd = mlp();
    cmd.args(["train", "--dataset", "iris", "--quiet", "--out"])
        .arg(out);
    cmd
}

#[test]
fn train_refuses_bad_learning_rates_and_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    fails(
        train_iris(&out).args(["--learning-rate", "-1"]),
        2,
        &["learning"],
    );
    fails(
        train_iris(&out).args(["--learning-rate", "NaN"]),
        2,
        &["learning"],
    );
    fails(
        train_iris(&out).args(["--learning-rate", "0"]),
        2,
        &["learning"],
    );
    fails(train_iris(&out).args(["--epochs", "0"]), 2, &["epochs"]);
    assert!(!out.exists());
}

#[test]
fn train_refuses_a_hidden_layer_of_zero_units_but_accepts_no_hidden_layer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    fails(train_iris(&out).args(["--hidden", "0,5"]), 2, &["0,5"]);
    assert!(!out.exists());
    ok(train_iris(&out).args(["--hidden", "0", "--epochs", "3"]));
    let model = json(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(
        model["layers"].as_array().unwrap().len(),
        1,
        "--hidden 0: no hidden layer"
    );
}

// ---------------------------------------------------------------------------------------------
// Nothing written when a command fails
// ---------------------------------------------------------------------------------------------

const OLD: &[u8] = b"the bytes that were here before\n";

/// Runs `make(inputs, out)` twice, for an output path that does not exist and one that does,
/// and checks that it fails with `code` and leaves no file, or the old bytes, and no temporary
/// file beside them. Input files go in `inputs`, a folder of their own.
fn writes_nothing(code: i32, make: impl Fn(&Path, &Path) -> Command) {
    let inputs = tempfile::tempdir().unwrap();
    let outputs = tempfile::tempdir().unwrap();
    let listing = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(outputs.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let fresh = outputs.path().join("fresh.out");
    let o = run(&mut make(inputs.path(), &fresh));
    assert_eq!(o.code, Some(code), "stderr: {}", o.stderr);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    assert!(
        !fresh.exists(),
        "a failed command created {}",
        fresh.display()
    );
    assert!(
        listing().is_empty(),
        "a failed command wrote {:?}",
        listing()
    );

    let old = outputs.path().join("old.out");
    std::fs::write(&old, OLD).unwrap();
    let o = run(&mut make(inputs.path(), &old));
    assert_eq!(o.code, Some(code), "stderr: {}", o.stderr);
    assert_eq!(
        std::fs::read(&old).unwrap(),
        OLD,
        "a failed command overwrote the output"
    );
    assert_eq!(listing(), ["old.out"], "a failed command left files behind");
}

#[test]
fn failed_train_writes_nothing() {
    // Bad options.
    writes_nothing(2, |_, out| {
        let mut cmd = train_iris(out);
        cmd.args(["--epochs", "0"]);
        cmd
    });
    // Bad data (a ragged row; text is a category now), found after the options were checked.
    writes_nothing(2, |dir, out| {
        let d = write(dir, "bad.csv", &DATA.replace("0.8,0.1", "0.8,0.1,7"));
        let mut cmd = mlp();
        cmd.arg("train")
            .arg("--data")
            .arg(d)
            .args(["--target", "y", "--quiet", "--out"])
            .arg(out);
        cmd
    });
    // Training that diverges (exit 1), after epochs have run; no history either.
    writes_nothing(1, |_, out| {
        let mut cmd = train_iris(out);
        cmd.args([
            "--solver",
            "gd",
            "--learning-rate",
            "1e300",
            "--no-standardize",
            "--epochs",
            "3",
        ]);
        cmd.arg("--history").arg(out.with_extension("history.csv"));
        cmd
    });
}

#[test]
fn failed_init_writes_nothing() {
    writes_nothing(2, |_, out| {
        let mut cmd = mlp();
        cmd.args([
            "init",
            "--layers",
            "4,5,3",
            "--activation",
            "softmax",
            "--out",
        ])
        .arg(out);
        cmd
    });
    writes_nothing(2, |_, out| {
        let mut cmd = mlp();
        cmd.args([
            "init",
            "--layers",
            "4,5,3",
            "--output",
            "softmax",
            "--loss",
            "cross_entropy",
        ]);
        cmd.arg("--out").arg(out);
        cmd
    });
}

#[test]
fn failed_cost_writes_no_gradient() {
    // A model that does not load.
    writes_nothing(2, |dir, out| {
        let m = write(
            dir,
            "v2.json",
            &MODEL.replace("\"version\": 1", "\"version\": 2"),
        );
        let d = write(dir, "data.csv", DATA);
        let mut cmd = mlp();
        cmd.arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(d)
            .args(["--target", "y"]);
        cmd.arg("--gradient").arg(out);
        cmd
    });
    // A model that loads, on data that does not fit it (two targets for one output).
    writes_nothing(2, |dir, out| {
        let m = write(dir, "model.json", MODEL);
        let d = write(dir, "data.csv", DATA);
        let mut cmd = mlp();
        cmd.arg("cost")
            .arg("--model")
            .arg(m)
            .arg("--data")
            .arg(d)
            .args(["--target", "x3,y"]);
        cmd.arg("--gradient").arg(out);
        cmd
    });
    // A negative lambda.
    writes_nothing(2, |dir, out| {
        let m = write(dir, "model.json", MODEL);
        let d = write(dir, "data.csv", DATA);
        let mut cmd = mlp();
        cmd.arg("cost").arg("--model").arg(m).arg("--data").arg(d);
        cmd.args(["--target", "y", "--lambda", "-1", "--gradient"])
            .arg(out);
        cmd
    });
}
