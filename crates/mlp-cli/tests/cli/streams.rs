//! Standard output that fails: a reader that closed the pipe ends the program quietly (exit 0),
//! a full device is an error that says where; nothing panics.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mlp");

/// Runs `mlp ARGS` with its standard output a pipe whose reader has already gone.
fn closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let model = model.to_str().unwrap();
    let status = Command::new(BIN)
        .args([
            "train",
            "--dataset",
            "iris",
            "--quiet",
            "--epochs",
            "5",
            "--out",
            model,
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let commands: [&[&str]; 9] = [
        &[
            "evaluate",
            "--model",
            model,
            "--dataset",
            "iris",
            "--format",
            "table",
        ],
        &["evaluate", "--model", model, "--dataset", "iris"],
        &["completions", "bash"],
        &["cost", "--model", model, "--dataset", "iris"],
        &["explain", "--model", model, "--dataset", "iris"],
        &[
            "explain",
            "--model",
            model,
            "--dataset",
            "iris",
            "--format",
            "json",
        ],
        &["show", model],
        &["datasets"],
        &["describe", "--dataset", "iris"],
    ];
    for args in commands {
        let (code, err) = closed_pipe(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn a_full_device_is_an_error_about_standard_output() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // not on this system
    };
    let out = Command::new(BIN)
        .args(["datasets"])
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: writing to standard output"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
