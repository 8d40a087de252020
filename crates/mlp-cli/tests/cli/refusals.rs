//! The `mlp` commands refusing what they must: bad model files, bad data, bad options, and the
//! "nothing written" promise of the contract.
#![allow(clippy::unwrap_used)]

use crate::common;

use assert_cmd::Command;
use common::fixtures::*;
use std::path::Path;

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
