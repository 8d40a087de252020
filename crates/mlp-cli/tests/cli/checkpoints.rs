//! A checkpoint is trusted only as far as it checks out: another data file of the same shape,
//! an example order past the data, an absurd epoch count are refused on resume (exit 2, one
//! line), never a panic.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};
use serde_json::Value;

#[test]
fn damaged_or_foreign_checkpoints_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("a,b,y\n");
    for i in 0..60 {
        csv.push_str(&format!(
            "{},{},{}\n",
            (i as f64).sin(),
            (i as f64 * 0.3).cos(),
            i % 2
        ));
    }
    std::fs::write(d.join("d.csv"), &csv).unwrap();
    // The same shape, other numbers.
    std::fs::write(d.join("e.csv"), csv.replacen("0,1,0", "0,1.5,0", 1)).unwrap();
    let args = |data: &'static str, more: &[&'static str]| -> Vec<&'static str> {
        let base = [
            "train", "--data", data, "--target", "y", "--solver", "adam", "--epochs", "4",
            "--seed", "2", "-q",
        ];
        base.iter().chain(more).copied().collect()
    };
    let a = args(
        "d.csv",
        &[
            "--checkpoint",
            "ck.json",
            "--checkpoint-every",
            "2",
            "--out",
            "m.json",
        ],
    );
    ok(d, &a);
    let ck: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("ck.json")).unwrap()).unwrap();
    // It resumes on its own data.
    ok(
        d,
        &(args("d.csv", &["--resume", "ck.json", "--out", "r.json"])),
    );
    let tampered = |f: &dyn Fn(&mut Value), name: &str| {
        let mut v = ck.clone();
        f(&mut v);
        std::fs::write(d.join(name), v.to_string()).unwrap();
    };
    tampered(&|v| v["order"][0] = 1000.into(), "past.json");
    tampered(&|v| v["order"][1] = v["order"][0].clone(), "twice.json");
    tampered(&|v| v["epochs_done"] = 1_000_000_000.into(), "epochs.json");
    let cases = [
        ("e.csv", "ck.json", "other data"),
        ("d.csv", "past.json", "damaged"),
        ("d.csv", "twice.json", "damaged"),
        ("d.csv", "epochs.json", "damaged"),
    ];
    for (data, checkpoint, needle) in cases {
        let (code, _, err) = run(
            d,
            &(args(data, &["--resume", checkpoint, "--out", "z.json"])),
        );
        assert_eq!(code, 2, "{checkpoint} on {data}: {err}");
        assert!(err.contains(needle), "{checkpoint} on {data}: {err}");
        assert!(!err.contains("panicked"));
    }
    assert!(!d.join("z.json").exists());
}

#[test]
fn long_histories_are_thinned_and_still_resume_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("t.csv"), "a,y\n0.1,0.2\n0.5,0.4\n0.9,0.1\n0.3,0.8\n").unwrap();
    let base = [
        "train",
        "--data",
        "t.csv",
        "--target",
        "y",
        "--solver",
        "gd",
        "--learning-rate",
        "0.05",
        "--epochs",
        "30000",
        "--validation-fraction",
        "0",
        "-q",
    ];
    ok(
        d,
        &[&base[..], &["--history", "h.csv", "--out", "full.json"]].concat(),
    );
    let h = std::fs::read_to_string(d.join("h.csv")).unwrap();
    let epochs: Vec<usize> = h
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    // At most HISTORY_LIMIT entries after thinning, spanning the whole run.
    assert!(epochs.len() <= 10_001, "{}", epochs.len());
    assert_eq!((epochs[0], *epochs.last().unwrap()), (1, 30000));
    // A checkpoint of the thinned run resumes to the same model and history.
    ok(
        d,
        &[
            &base[..],
            &[
                "--checkpoint",
                "ck.json",
                "--checkpoint-every",
                "25000",
                "--out",
                "a.json",
            ],
        ]
        .concat(),
    );
    let ck = std::fs::read_to_string(d.join("ck.json")).unwrap();
    assert!(
        ck.contains("\"history_stride\""),
        "the checkpoint says how it was thinned"
    );
    ok(
        d,
        &[
            &base[..],
            &[
                "--resume",
                "ck.json",
                "--history",
                "h2.csv",
                "--out",
                "resumed.json",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        std::fs::read(d.join("full.json")).unwrap(),
        std::fs::read(d.join("resumed.json")).unwrap()
    );
    let h2 = std::fs::read_to_string(d.join("h2.csv")).unwrap();
    let first = |s: &str| {
        s.lines()
            .map(|l| l.split(',').next().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(first(&h), first(&h2));
}
