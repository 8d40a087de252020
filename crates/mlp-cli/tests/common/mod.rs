//! Helpers shared by the CLI tests.

use assert_cmd::Command;
use std::path::Path;

/// Runs `mlp ARGS` (split at whitespace) in `dir`, checks that it succeeded (failing with its
/// standard error otherwise) and returns its standard output.
pub fn mlp_ok(dir: &Path, args: &str) -> Vec<u8> {
    let out = Command::cargo_bin("mlp")
        .unwrap()
        .current_dir(dir)
        .args(args.split_whitespace())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "mlp {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
