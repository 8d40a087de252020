//! The training workflow from the command line: train, evaluate and predict on the built-in data
//! sets, reproducibility, standard input, every solver, odd CSV files, history and quiet runs.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The iris CSV file that `--dataset iris` embeds.
const IRIS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.csv");

fn mlp() -> Command {
    Command::cargo_bin("mlp").unwrap()
}

/// Runs a command that must succeed; returns its standard output and standard error.
fn ok(cmd: &mut Command) -> (String, String) {
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?})\nstderr: {stderr}",
        out.status
    );
    (stdout, stderr)
}

fn stdout_of(cmd: &mut Command) -> String {
    ok(cmd).0
}

fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({e}): {text}"))
        .unwrap()
}

/// `mlp train --dataset NAME --task TASK --seed 0 --quiet --out OUT`; the caller adds the rest.
fn train(dataset: &str, task: &str, out: &Path) -> Command {
    let mut cmd = mlp();
    cmd.args([
        "train",
        "--dataset",
        dataset,
        "--task",
        task,
        "--seed",
        "0",
        "--quiet",
        "--out",
    ])
    .arg(out);
    cmd
}

fn model_arg(cmd: &mut Command, model: &Path) {
    cmd.arg("--model").arg(model);
}

/// A CSV file: its header and its rows, split at commas (no quoted fields in what is read).
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn iris_classification_trains_evaluates_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    ok(&mut train("iris", "classification", &model));
    let m = json(&std::fs::read_to_string(&model).unwrap());
    assert_eq!(
        m["classes"],
        serde_json::json!(["setosa", "versicolor", "virginica"])
    );
    assert_eq!(m["targets"], serde_json::json!(["species"]));

    // evaluate, JSON
    let mut cmd = mlp();
    cmd.arg("evaluate");
    model_arg(&mut cmd, &model);
    let report = json(&stdout_of(cmd.args(["--dataset", "iris"])));
    let accuracy = report["accuracy"].as_f64().unwrap();
    assert!(accuracy > 0.9, "accuracy {accuracy}");
    let per_class = report["per_class"].as_array().unwrap();
    assert_eq!(per_class.len(), 3);
    assert_eq!(per_class[0]["class"], "setosa");
    let confusion: Vec<Vec<u64>> = report["confusion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(confusion.len(), 3);
    assert!(confusion.iter().all(|r| r.len() == 3));
    assert_eq!(confusion.iter().flatten().sum::<u64>(), 150);
    let diagonal: u64 = (0..3).map(|i| confusion[i][i]).sum();
    assert!(
        (diagonal as f64 / 150.0 - accuracy).abs() < 1e-12,
        "accuracy = trace / 150"
    );

    // evaluate, table
    let mut cmd = mlp();
    cmd.arg("evaluate");
    model_arg(&mut cmd, &model);
    let table = stdout_of(cmd.args(["--dataset", "iris", "--format", "table"]));
    assert!(table.contains("accuracy"), "{table}");
    assert!(table.contains("versicolor"), "{table}");
    assert!(table.contains("confusion"), "{table}");
    assert!(
        serde_json::from_str::<Value>(&table).is_err(),
        "a table, not JSON"
    );

    // predict
    let mut cmd = mlp();
    cmd.arg("predict");
    model_arg(&mut cmd, &model);
    let csv = stdout_of(cmd.args(["--dataset", "iris"]));
    let (header, rows) = parse_csv(&csv);
    assert_eq!(
        header.join(","),
        "prediction,p_setosa,p_versicolor,p_virginica"
    );
    assert_eq!(rows.len(), 150);
    let classes = ["setosa", "versicolor", "virginica"];
    for row in &rows {
        assert_eq!(row.len(), 4, "{row:?}");
        let p: Vec<f64> = row[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)), "{row:?}");
        let sum: f64 = p.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-9,
            "probabilities sum to {sum}: {row:?}"
        );
        let best = (0..3).fold(0, |b, k| if p[k] > p[b] { k } else { b });
        assert_eq!(
            row[0], classes[best],
            "the prediction is the most probable class: {row:?}"
        );
    }
}

#[test]
fn diabetes_regression_trains_evaluates_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    ok(&mut train("diabetes", "regression", &model));

    let mut cmd = mlp();
    cmd.arg("evaluate");
    model_arg(&mut cmd, &model);
    let report = json(&stdout_of(cmd.args(["--dataset", "diabetes"])));
    let r2 = report["r2"].as_f64().unwrap();
    let mse = report["mse"].as_f64().unwrap();
    assert!(r2 > 0.2 && r2 <= 1.0, "r2 {r2}");
    assert!(mse > 0.0 && mse.is_finite(), "mse {mse}");
    assert!(report.get("accuracy").is_none(), "{report}");

    let mut cmd = mlp();
    cmd.arg("evaluate");
    model_arg(&mut cmd, &model);
    let table = stdout_of(cmd.args(["--dataset", "diabetes", "--format", "table"]));
    assert!(
        table.contains("r2") && table.contains("progression"),
        "{table}"
    );

    let mut cmd = mlp();
    cmd.arg("predict");
    model_arg(&mut cmd, &model);
    let csv = stdout_of(cmd.args(["--dataset", "diabetes"]));
    let (header, rows) = parse_csv(&csv);
    assert_eq!(header, ["prediction"]);
    assert_eq!(rows.len(), 442);
    for row in &rows {
        let v: f64 = row[0].parse().unwrap();
        // Predictions are in the target's units (disease progression, 25 to 346 in the data).
        assert!(v.is_finite() && v > -500.0 && v < 1000.0, "{row:?}");
    }
}

#[test]
fn training_is_reproducible_for_a_given_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut layers = Vec::new();
    for (dataset, task, extra) in [
        ("iris", "classification", ["--epochs", "30"]),
        ("digits", "classification", ["--epochs", "3"]),
    ] {
        for threads in ["1", "2"] {
            let run = |name: &str| -> Vec<u8> {
                let path = dir.path().join(format!("{dataset}-{threads}-{name}.json"));
                ok(train(dataset, task, &path)
                    .args(extra)
                    .args(["--threads", threads]));
                std::fs::read(&path).unwrap()
            };
            let (a, b) = (run("a"), run("b"));
            assert!(
                a == b,
                "{dataset}, --threads {threads}: two runs wrote different files"
            );
            layers.push((
                dataset,
                json(std::str::from_utf8(&a).unwrap())["layers"].clone(),
            ));
        }
    }
    // Across thread counts the weights agree too.
    for pair in layers.chunks(2) {
        assert!(
            pair[0].1 == pair[1].1,
            "{}: --threads 1 and 2 differ",
            pair[0].0
        );
    }
}

#[test]
fn standard_input_is_read_for_dash() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let iris = std::fs::read(IRIS_CSV).unwrap();

    // train from standard input gives the same model as from the built-in copy
    let from_stdin = dir.path().join("stdin.json");
    ok(mlp()
        .args([
            "train",
            "--data",
            "-",
            "--target",
            "species",
            "--task",
            "classification",
        ])
        .args(["--epochs", "20", "--seed", "0", "--quiet", "--out"])
        .arg(&from_stdin)
        .write_stdin(iris.clone()));
    ok(train("iris", "classification", &model).args(["--epochs", "20"]));
    let (a, b) = (
        json(&std::fs::read_to_string(&from_stdin).unwrap()),
        json(&std::fs::read_to_string(&model).unwrap()),
    );
    assert_eq!(
        a["layers"], b["layers"],
        "same data, same seed, same weights"
    );

    // predict from standard input prints what --dataset prints
    let mut cmd = mlp();
    cmd.arg("predict");
    model_arg(&mut cmd, &model);
    let piped = stdout_of(cmd.args(["--data", "-"]).write_stdin(iris));
    let mut cmd = mlp();
    cmd.arg("predict");
    model_arg(&mut cmd, &model);
    let builtin = stdout_of(cmd.args(["--dataset", "iris"]));
    assert_eq!(piped.lines().count(), 151);
    assert_eq!(piped, builtin);
}

#[test]
fn every_solver_trains_iris() {
    let dir = tempfile::tempdir().unwrap();
    for solver in ["gd", "sgd", "adam", "lbfgs", "cg"] {
        let model = dir.path().join(format!("{solver}.json"));
        ok(train("iris", "classification", &model).args(["--solver", solver, "--epochs", "5"]));
        let m = json(&std::fs::read_to_string(&model).unwrap());
        assert_eq!(m["training"]["solver"], solver, "{solver}");
        let mut cmd = mlp();
        cmd.arg("evaluate");
        model_arg(&mut cmd, &model);
        let report = json(&stdout_of(cmd.args(["--dataset", "iris"])));
        let accuracy = report["accuracy"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&accuracy),
            "{solver}: accuracy {accuracy}"
        );
    }
}

#[test]
fn datasets_lists_the_six_built_in_sets() {
    let out = stdout_of(mlp().arg("datasets"));
    for name in [
        "iris",
        "wine",
        "breast_cancer",
        "digits",
        "mnist_5k",
        "diabetes",
    ] {
        assert!(
            out.lines()
                .any(|l| l.split_whitespace().next() == Some(name)),
            "{name} missing:\n{out}"
        );
    }
}

#[test]
fn version_help_and_completions() {
    let version = stdout_of(mlp().arg("--version"));
    assert!(version.starts_with("mlp "), "{version}");
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");

    let help = stdout_of(mlp().args(["train", "--help"]));
    assert!(help.contains("Examples"), "{help}");
    assert!(help.contains("mlp train --dataset iris"), "{help}");
    for option in [
        "--hidden",
        "--solver",
        "--learning-rate",
        "--epochs",
        "--history",
        "--quiet",
    ] {
        assert!(help.contains(option), "{option} missing from train --help");
    }

    let script = stdout_of(mlp().args(["completions", "bash"]));
    assert!(!script.trim().is_empty());
    assert!(script.contains("mlp"), "{script}");
}

/// A tiny CSV with a byte-order mark, CRLF line ends, quoted fields (a quoted number, a quoted
/// header name with a space, a quoted label holding a comma) and no final newline.
const ODD_CSV: &[u8] = b"\xEF\xBB\xBFlength,\"petal width\",c,label\r\n\
    5.1,3.5,1.4,\"setosa\"\r\n\
    4.9,\"3.0\",1.4,setosa\r\n\
    6.3,3.3,6.0,\"virginica, big\"\r\n\
    5.8,2.7,5.1,\"virginica, big\"\r\n\
    7.0,3.2,4.7,versicolor\r\n\
    6.4,3.2,4.5,versicolor";

fn train_odd(dir: &Path, csv: &[u8]) -> (PathBuf, Value) {
    let data = dir.join("odd.csv");
    std::fs::write(&data, csv).unwrap();
    let model = dir.join("odd.json");
    ok(mlp()
        .arg("train")
        .arg("--data")
        .arg(&data)
        .args(["--target", "label", "--hidden", "3", "--epochs", "5"])
        .args(["--validation-fraction", "0", "--quiet", "--out"])
        .arg(&model));
    let m = json(&std::fs::read_to_string(&model).unwrap());
    (data, m)
}

#[test]
fn odd_but_valid_csv_trains() {
    let dir = tempfile::tempdir().unwrap();
    let (data, m) = train_odd(dir.path(), ODD_CSV);
    assert_eq!(
        m["features"],
        serde_json::json!(["length", "petal width", "c"])
    );
    assert_eq!(m["targets"], serde_json::json!(["label"]));
    assert_eq!(
        m["classes"],
        serde_json::json!(["setosa", "versicolor", "virginica, big"])
    );
    let mut cmd = mlp();
    cmd.arg("predict");
    model_arg(&mut cmd, &dir.path().join("odd.json"));
    let csv = stdout_of(cmd.arg("--data").arg(&data));
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",\"p_virginica, big\""),
        "{csv}"
    );
}

#[test]

fn byte_order_mark_before_a_quoted_header_name() {
    let dir = tempfile::tempdir().unwrap();
    let csv = b"\xEF\xBB\xBF\"length\",b,label\r\n1,2,x\r\n3,4,y\r\n5,6,x\r\n7,8,y";
    let (_, m) = train_odd(dir.path(), csv);
    assert_eq!(m["features"], serde_json::json!(["length", "b"]));
}

#[test]
fn history_has_one_row_per_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let history = dir.path().join("h.csv");
    ok(train("iris", "classification", &model)
        .args([
            "--epochs",
            "7",
            "--early-stopping",
            "off",
            "--validation-fraction",
            "0.2",
        ])
        .arg("--history")
        .arg(&history));
    let text = std::fs::read_to_string(&history).unwrap();
    let (header, rows) = parse_csv(&text);
    for column in ["epoch", "cost", "validation_loss", "learning_rate"] {
        assert!(
            header.iter().any(|h| h == column),
            "{column} missing: {header:?}"
        );
    }
    assert_eq!(header[0], "epoch");
    assert_eq!(rows.len(), 7, "{text}");
    let cost = header.iter().position(|h| h == "cost").unwrap();
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert_eq!(row[0], (k + 1).to_string());
        assert!(row[cost].parse::<f64>().unwrap().is_finite(), "{row:?}");
    }
}

#[test]
fn quiet_prints_nothing_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let (stdout, stderr) = ok(train("iris", "classification", &model).args(["--epochs", "3"]));
    assert!(stderr.is_empty(), "--quiet printed: {stderr}");
    assert!(stdout.is_empty(), "train printed on stdout: {stdout}");
    assert!(model.exists());

    // Without --quiet there is a summary (and no progress bar: stderr is not a terminal).
    let (_, stderr) = ok(mlp()
        .args(["train", "--dataset", "iris", "--epochs", "3", "--out"])
        .arg(&model));
    assert!(stderr.contains("wrote"), "{stderr}");
    assert!(!stderr.contains("note:"), "{stderr}");
}

#[test]
fn a_learning_rate_that_the_solver_ignores_is_pointed_out() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let args = [
        "train",
        "--dataset",
        "iris",
        "--epochs",
        "3",
        "--learning-rate",
        "0.5",
    ];
    for (solver, noted) in [
        ("lbfgs", true),
        ("cg", true),
        ("adam", false),
        ("gd", false),
    ] {
        let (_, stderr) = ok(mlp()
            .args(args)
            .args(["--solver", solver, "--out"])
            .arg(&model));
        let note = format!("note: --learning-rate 0.5 has no effect with {solver}");
        assert_eq!(stderr.contains(&note), noted, "{solver}: {stderr}");
    }
}

#[test]
fn cosine_schedule_warm_up_and_weight_decay_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = [
        "train",
        "--dataset",
        "iris",
        "--epochs",
        "30",
        "--seed",
        "2",
        "-q",
    ];
    let run = |extra: &[&str], out: &str| {
        mlp()
            .current_dir(d)
            .args(base)
            .args(extra)
            .args(["--out", out])
            .assert()
    };
    run(
        &[
            "--solver",
            "adam",
            "--schedule",
            "cosine",
            "--warmup-epochs",
            "3",
            "--weight-decay",
            "0.5",
        ],
        "a.json",
    )
    .success();
    run(
        &[
            "--solver",
            "adam",
            "--schedule",
            "cosine",
            "--warmup-epochs",
            "3",
        ],
        "b.json",
    )
    .success();
    let (a, b) = (
        std::fs::read(d.join("a.json")).unwrap(),
        std::fs::read(d.join("b.json")).unwrap(),
    );
    assert_ne!(a, b, "the decay changes the weights");
    for (extra, needle) in [
        (
            &["--solver", "lbfgs", "--weight-decay", "0.1"][..],
            "weight_decay",
        ),
        (&["--weight-decay", "-1"][..], "weight_decay"),
        (&["--schedule", "linear"][..], "cosine"),
    ] {
        let out = run(extra, "z.json").code(2).get_output().clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
    assert!(!d.join("z.json").exists());
}

#[test]
fn early_stopping_on_a_metric_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = ["train", "--dataset", "iris", "--solver", "adam", "-q"];
    mlp()
        .current_dir(d)
        .args(base)
        .args(["--metric", "balanced_accuracy", "--out", "m.json"])
        .assert()
        .success();
    let out = mlp()
        .current_dir(d)
        .args(base)
        .args(["--metric", "r2", "--out", "z.json"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--metric r2 scores regression"), "{err}");
    assert!(!d.join("z.json").exists());
}

#[test]
fn dropout_from_the_command_line_is_the_same_for_any_threads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train = |threads: &str, extra: &[&str], out: &str| {
        mlp()
            .current_dir(d)
            // Batches of 1000 rows: four chunks, which the threads share out.
            .args(["train", "--dataset", "digits", "--epochs", "3", "-q"])
            .args(["--batch-size", "1000"])
            .args(["--threads", threads])
            .args(extra)
            .args(["--out", out])
            .assert()
    };
    let adam = ["--solver", "adam", "--dropout", "0.3"];
    train("1", &adam, "a.json").success();
    train("2", &adam, "b.json").success();
    let read = |f: &str| std::fs::read(d.join(f)).unwrap();
    assert_eq!(read("a.json"), read("b.json"));
    let out = train("1", &["--solver", "lbfgs", "--dropout", "0.3"], "z.json")
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("dropout"));
    assert!(!d.join("z.json").exists());
}
