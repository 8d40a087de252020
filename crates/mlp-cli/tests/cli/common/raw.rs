//! Running `mlp` in a folder with arguments as strings, for the tests on raw tables.

use assert_cmd::Command;
use std::path::Path;

pub fn mlp(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("mlp").unwrap();
    cmd.current_dir(dir);
    cmd
}

/// Runs `mlp ARGS` in `dir`; returns (exit code, stdout, stderr).
pub fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = mlp(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn ok(dir: &Path, args: &[&str]) -> (String, String) {
    let (code, out, err) = run(dir, args);
    assert_eq!(code, 0, "mlp {args:?}\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    (out, err)
}
