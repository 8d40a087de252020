//! A checkpoint is trusted only as far as it checks out: another data file of the same shape,
//! an example order past the data, an absurd epoch count are refused on resume (exit 2, one
//! line), never a panic.
#![allow(clippy::unwrap_used)]

mod common;

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
