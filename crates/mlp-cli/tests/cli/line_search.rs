//! L-BFGS and CG end on data or weights that make their line search hopeless: a value of
//! 1e160 in a feature, weights of 1e200 (each used to loop for ever inside the line search).
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use std::time::Duration;

fn mlp(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("mlp")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    (out.status.code().unwrap_or(-1), err)
}

#[test]
fn hopeless_line_searches_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let huge = "a,b,y\n1,2,3.5\n2,1e160,4.1\n3,4,5.2\n4,5,7.7\n5,1,2.2\n6,2,1.1\n";
    std::fs::write(d.join("h.csv"), huge).unwrap();
    for solver in ["lbfgs", "cg"] {
        let (code, err) = mlp(
            d,
            &[
                "train", "--data", "h.csv", "--target", "y", "--solver", solver, "--out", "m.json",
            ],
        );
        // Ends (the timeout above would kill a hang), with a model or a divergence.
        assert!(code == 0 || code == 1, "{solver}: {code} {err}");
    }
    let (code, err) = mlp(
        d,
        &[
            "train",
            "--dataset",
            "iris",
            "--init-bound",
            "1e200",
            "--out",
            "big.json",
            "-q",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("diverged"), "{err}");
    assert!(!d.join("big.json").exists());
}

#[test]
fn a_cost_that_explodes_is_a_divergence() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // SGD at alpha = 1e6: J goes from about 1e4 to 1e40 within a few epochs; it used to end
    // "converged", exit 0, with a model of train R2 -8e174.
    let (code, err) = mlp(
        d,
        &[
            "train",
            "--dataset",
            "diabetes",
            "--solver",
            "sgd",
            "--learning-rate",
            "1e6",
            "--epochs",
            "10",
            "--out",
            "m.json",
            "-q",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("diverged at epoch"), "{err}");
    assert!(!d.join("m.json").exists());
}
