//! The small model and data files of the command tests, and running `mlp` as a user does.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The reference fixtures of the library crate (see their README.md).
pub const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlp/tests/fixtures/reference"
);

/// A small valid model: 3 inputs, 2 sigmoid units, 1 sigmoid output (the contract's example).
pub const MODEL: &str = r#"{
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
pub const DATA: &str =
    "x1,x2,x3,y\n0.1,0.2,0.3,1\n0.5,-0.2,0.1,0\n-0.3,0.7,0.2,1\n0.8,0.1,-0.5,0\n";

pub fn mlp() -> Command {
    Command::cargo_bin("mlp").unwrap()
}

/// What a finished command left behind.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Outcome {
    let out = cmd.output().unwrap();
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a command that must succeed and returns its standard output.
pub fn ok(cmd: &mut Command) -> String {
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
pub fn fails(cmd: &mut Command, code: i32, needles: &[&str]) -> String {
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

pub fn json(text: &str) -> Value {
    serde_json::from_str(text)
        .map_err(|e| format!("not JSON ({e}): {text}"))
        .unwrap()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The numbers of a JSON array of numbers.
pub fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The rows of a JSON matrix.
pub fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(numbers).collect()
}
