//! The first run tells the truth: every `mlp train` summary gives a held-out score, or says
//! that no rows were held out and how to get one; a misspelled column or data set gets a
//! suggestion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};

#[test]
fn every_summary_has_a_held_out_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Classification by L-BFGS on a complete numeric table holds no rows out: it says so.
    let (_, err) = ok(d, &["train", "--dataset", "iris", "--out", "a.json"]);
    assert!(err.contains("no rows were held out"), "{err}");
    assert!(
        err.contains("--validation-fraction") && err.contains("mlp cv"),
        "{err}"
    );
    // With a split, the validation score is on the summary line.
    let (_, err) = ok(d, &["train", "--dataset", "diabetes", "--out", "b.json"]);
    assert!(
        err.contains("held out for validation") && err.contains("validation r2"),
        "{err}"
    );
}

#[test]
fn misspellings_get_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("t.csv"), "sepal_length,species\n1,a\n2,b\n").unwrap();
    let (code, _, err) = run(
        d,
        &[
            "train", "--data", "t.csv", "--target", "specis", "--out", "m.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"species\""), "{err}");
    let (code, _, err) = run(d, &["train", "--dataset", "irsi", "--out", "m.json"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"iris\""), "{err}");
}

#[test]
fn a_one_column_header_names_the_separator_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s.csv"), "a;b;y\n1;2;3\n").unwrap();
    let (code, _, err) = run(
        d,
        &[
            "train",
            "--data",
            "s.csv",
            "--target",
            "y",
            "--delimiter",
            ",",
            "--out",
            "m.json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("give --delimiter ';'") && err.lines().count() == 1,
        "{err}"
    );
}
