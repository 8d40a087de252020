//! Exactness across frameworks through the command line: workload W2 of the benchmarks (the
//! seed's network and cost, full-batch gradient descent) ends at the J that numpy,
//! scikit-learn and PyTorch all reach.
#![allow(clippy::unwrap_used)]

#[path = "../../../mlp/tests/common/workloads.rs"]
#[allow(dead_code)]
mod workloads;

use crate::common;

use assert_cmd::Command;
use std::fmt::Write as _;

#[test]
fn w2_gradient_descent_reaches_the_reference_cost() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, net) = workloads::w2();
    let mut csv = String::new();
    for j in 0..x.ncols() {
        let _ = write!(csv, "x{j},");
    }
    csv.push_str("label\n");
    for (row, t) in x.rows().into_iter().zip(y.rows()) {
        for v in row {
            let _ = write!(csv, "{v},");
        }
        let label = t.iter().position(|&v| v == 1.0).unwrap();
        let _ = writeln!(csv, "{label}");
    }
    std::fs::write(dir.path().join("w2.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("w2-init.json"),
        mlp::Model::new(net).to_json().unwrap(),
    )
    .unwrap();

    let mlp = |args: &str| common::mlp_ok(dir.path(), args);
    mlp(
        "train --data w2.csv --target label --task classification --init-model w2-init.json \
         --solver gd --learning-rate 1 --lambda 1 --epochs 200 --validation-fraction 0 \
         --no-standardize --out m.json",
    );
    let stdout = mlp("cost --model m.json --data w2.csv --target label --lambda 1");
    let report: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let cost = report["cost"].as_f64().unwrap();
    let reference = 3.16429447983188;
    assert!(
        ((cost - reference) / reference).abs() < 1e-10,
        "J = {cost:.15}"
    );
    assert_eq!(report["examples"], 5000);
}

#[test]
fn the_seeds_algorithm_learns_mnist() {
    let out = Command::cargo_bin("mlp")
        .unwrap()
        .args(
            "train --dataset mnist_5k --task classification --hidden 25 --activation sigmoid \
               --output sigmoid --solver gd --lambda 1 --learning-rate 2 --epochs 400 --seed 0"
                .split_whitespace(),
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let after = |key: &str| -> f64 {
        let rest = &stderr[stderr
            .find(key)
            .unwrap_or_else(|| panic!("{key} in {stderr}"))
            + key.len()..];
        rest.trim_start()
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(stderr.contains("400 epochs"), "{stderr}");
    assert!(after("train accuracy") >= 0.99, "{stderr}");
    assert!(after("validation accuracy") >= 0.89, "{stderr}");
}
