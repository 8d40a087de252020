//! `--sample-weight` and `--class-weight`: J becomes the weighted mean of the examples' costs.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};

/// Predicted probabilities of a predictions file, flattened.
fn probabilities(csv: &str) -> Vec<f64> {
    csv.lines()
        .skip(1)
        .flat_map(|l| {
            l.split(',')
                .skip(1)
                .map(|v| v.parse::<f64>().unwrap())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn a_weight_of_two_is_the_row_twice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Weighted: row 1 weighs 2 (weights are scaled to mean 1, so J is the mean over 5 rows,
    // as it is over the table with row 1 written twice).
    let weighted = "a,b,w,y\n0.5,1.0,2,0\n1.5,-0.5,1,1\n-1.0,0.3,1,0\n0.2,0.9,1,1\n";
    let twice = "a,b,y\n0.5,1.0,0\n0.5,1.0,0\n1.5,-0.5,1\n-1.0,0.3,0\n0.2,0.9,1\n";
    std::fs::write(d.join("w.csv"), weighted).unwrap();
    std::fs::write(d.join("t.csv"), twice).unwrap();
    std::fs::write(d.join("x.csv"), "a,b\n0.1,0.2\n-0.7,1.1\n2.0,-1.0\n").unwrap();
    let same = [
        "--target",
        "y",
        "--task",
        "classification",
        "--solver",
        "gd",
        "--epochs",
        "60",
        "--learning-rate",
        "0.5",
        "--lambda",
        "0",
        "--validation-fraction",
        "0",
        "--no-standardize",
        "--seed",
        "1",
        "-q",
    ];
    ok(
        d,
        &[
            &[
                "train",
                "--data",
                "w.csv",
                "--sample-weight",
                "w",
                "--out",
                "w.json",
            ][..],
            &same,
        ]
        .concat(),
    );
    ok(
        d,
        &[&["train", "--data", "t.csv", "--out", "t.json"][..], &same].concat(),
    );
    let (pw, _) = ok(d, &["predict", "--model", "w.json", "--data", "x.csv"]);
    let (pt, _) = ok(d, &["predict", "--model", "t.json", "--data", "x.csv"]);
    let (pw, pt) = (probabilities(&pw), probabilities(&pt));
    assert_eq!(pw.len(), 6);
    for (a, b) in pw.iter().zip(&pt) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    // Without the weight the two differ: the test can tell.
    ok(
        d,
        &[
            &["train", "--data", "w.csv", "--drop", "w", "--out", "u.json"][..],
            &same,
        ]
        .concat(),
    );
    let (pu, _) = ok(d, &["predict", "--model", "u.json", "--data", "x.csv"]);
    assert!(
        probabilities(&pu)
            .iter()
            .zip(&pt)
            .any(|(a, b)| (a - b).abs() > 1e-6)
    );
    let text = std::fs::read_to_string(d.join("w.json")).unwrap();
    assert!(text.contains("rows by column"), "the record says so");
}

#[test]
fn balanced_classes_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 3 rows of class 1 in 30: balanced weights are 30/(2*27) and 30/(2*3).
    let mut csv = String::from("a,y\n");
    for i in 0..30 {
        let y = u8::from(i % 10 == 0);
        csv.push_str(&format!("{},{y}\n", (i as f64 * 0.37).sin()));
    }
    std::fs::write(d.join("i.csv"), &csv).unwrap();
    let base = ["train", "--data", "i.csv", "--target", "y", "-q"];
    ok(
        d,
        &[
            &base[..],
            &["--class-weight", "balanced", "--out", "b.json"],
        ]
        .concat(),
    );
    ok(d, &[&base[..], &["--out", "u.json"]].concat());
    let b = mlp::Model::load(&d.join("b.json")).unwrap();
    let u = mlp::Model::load(&d.join("u.json")).unwrap();
    assert!(b.is_classifier());
    // The rare class weighs 9 times the common one: the same seed trains another network,
    // and it gives the rare class more probability on the rows where it is the truth.
    assert_ne!(b.network.params(), u.network.params());
    // p_1 summed over the rows of class 1 (every tenth row).
    let rare_p = |model: &str| -> f64 {
        let (out, _) = ok(d, &["predict", "--model", model, "--data", "i.csv"]);
        out.lines()
            .skip(1)
            .step_by(10)
            .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!(
        rare_p("b.json") > rare_p("u.json"),
        "balanced weights raise the rare class's probability"
    );
    // Smoothed labels train another network, whose probabilities stay further from 0 and 1.
    ok(
        d,
        &[&base[..], &["--label-smoothing", "0.2", "--out", "s.json"]].concat(),
    );
    let s = mlp::Model::load(&d.join("s.json")).unwrap();
    assert_ne!(s.network.params(), u.network.params());
    std::fs::write(d.join("cw.json"), r#"{"1": 9}"#).unwrap();
    ok(
        d,
        &[&base[..], &["--class-weight", "cw.json", "--out", "c.json"]].concat(),
    );
    std::fs::write(d.join("bad.json"), r#"{"7": 9}"#).unwrap();
    for (args, needle) in [
        (&["--class-weight", "bad.json"][..], "no class \"7\""),
        (
            &["--class-weight", "nofile.json"][..],
            "--class-weight nofile.json",
        ),
        (&["--sample-weight", "zz"][..], "zz"),
        (
            &["--class-weight", "balanced", "--task", "regression"][..],
            "weights apply to classification",
        ),
        (
            &["--label-smoothing", "0.1", "--task", "regression"][..],
            "needs a cross-entropy loss",
        ),
        (&["--label-smoothing", "1"][..], "must be in [0, 1)"),
    ] {
        let (code, _, err) = run(d, &[&base[..], args, &["--out", "z.json"]].concat());
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert!(!d.join("z.json").exists());
}
