//! `mlp export`: the safetensors hold the model file's weights and biases bit for bit (float64)
//! with its preprocessing as metadata; the ONNX file is written whole, to a file or standard
//! output; bad requests are refused before anything is written. (The ONNX graph's numbers are
//! checked against `mlp predict` in tract by crates/mlp-interop, and in ONNX Runtime by
//! bench/onnx_check.py.)
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use safetensors::SafeTensors;
use std::path::Path;

fn mlp(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("mlp")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn trained(dir: &Path, extra: &[&str]) {
    let mut args = vec!["train", "--dataset", "iris", "--out", "m.json", "-q"];
    args.extend_from_slice(extra);
    let out = mlp(dir, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn safetensors_hold_the_weights_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path(), &["--hidden", "5,4", "--epochs", "5"]);
    let out = mlp(
        dir.path(),
        &[
            "export",
            "--model",
            "m.json",
            "--format",
            "safetensors",
            "--precision",
            "f64",
            "--out",
            "m.safetensors",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.path().join("m.safetensors")).unwrap();
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = meta.metadata().as_ref().unwrap();
    assert_eq!(meta["format"], "mlp-model");
    assert_eq!(meta["classes"], r#"["setosa","versicolor","virginica"]"#);
    assert!(meta.contains_key("input_scaling"));
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let model: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("m.json")).unwrap()).unwrap();
    let layers = model["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    for (k, layer) in layers.iter().enumerate() {
        let w = tensors.tensor(&format!("layers.{k}.weight")).unwrap();
        let rows: Vec<Vec<f64>> = serde_json::from_value(layer["weights"].clone()).unwrap();
        assert_eq!(w.shape(), [rows.len(), rows[0].len()]);
        let flat: Vec<f64> = w
            .data()
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(flat, rows.concat(), "layer {k}");
        let b = tensors.tensor(&format!("layers.{k}.bias")).unwrap();
        let bias: Vec<f64> = serde_json::from_value(layer["bias"].clone()).unwrap();
        let flat: Vec<f64> = b
            .data()
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(flat, bias, "layer {k}");
    }
}

#[test]
fn onnx_goes_to_a_file_or_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path(), &["--epochs", "5"]);
    let out = mlp(
        dir.path(),
        &[
            "export", "--model", "m.json", "--format", "onnx", "--out", "m.onnx",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = std::fs::read(dir.path().join("m.onnx")).unwrap();
    let piped = mlp(
        dir.path(),
        &[
            "export", "--model", "m.json", "--format", "onnx", "--out", "-",
        ],
    );
    assert!(piped.status.success());
    assert_eq!(piped.stdout, file);
    // The graph names its producer and its inputs and outputs (protobuf strings are stored as
    // they are).
    for needle in [
        &b"mlp"[..],
        b"input",
        b"probabilities",
        b"label",
        b"MatMul",
        b"Softmax",
    ] {
        assert!(
            file.windows(needle.len()).any(|w| w == needle),
            "{:?}",
            std::str::from_utf8(needle)
        );
    }
}

#[test]
fn bad_requests_are_refused_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    trained(dir.path(), &["--epochs", "5"]);
    let before = std::fs::read(dir.path().join("m.json")).unwrap();
    for (args, needle) in [
        (vec!["--format", "onnx", "--out", "m.json"], "m.json"),
        (vec!["--format", "pickle", "--out", "x.onnx"], "pickle"),
        (
            vec!["--format", "onnx", "--out", "x.onnx", "--precision", "f16"],
            "f16",
        ),
        (
            vec!["--format", "onnx", "--out", "no/such/dir/x.onnx"],
            "no/such/dir",
        ),
    ] {
        let mut all = vec!["export", "--model", "m.json"];
        all.extend(args.iter());
        let out = mlp(dir.path(), &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(needle), "{all:?}: {err}");
        assert!(!dir.path().join("x.onnx").exists());
    }
    assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), before);
}

#[test]
fn an_input_column_named_like_an_output_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("label,color,y\n");
    for i in 0..60 {
        let color = ["red", "green", "blue"][i % 3];
        csv.push_str(&format!(
            "{},{color},{}\n",
            i % 7,
            (i % 7) as f64 * 0.5 + (i % 3) as f64
        ));
    }
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    let out = mlp(
        dir.path(),
        &[
            "train", "--data", "t.csv", "--target", "y", "--out", "m.json", "-q",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = mlp(
        dir.path(),
        &[
            "export", "--model", "m.json", "--format", "onnx", "--out", "m.onnx",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("\"label\"") && err.lines().count() == 1,
        "{err}"
    );
    assert!(!dir.path().join("m.onnx").exists());
}
