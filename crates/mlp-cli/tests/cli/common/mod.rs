//! Helpers shared by the CLI tests (each test file uses some of them).
#![allow(dead_code)]

pub mod fixtures;
pub mod raw;

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

/// A penguin-like table: an ID, two categorical columns (one with missing values, one yes/no),
/// numbers with missing values and a typo, a date, free text, and a label that is sometimes
/// missing. Deterministic: the values follow the row number.
pub fn penguins(rows: usize, sep: char) -> String {
    let mut s = [
        "id", "island", "bill", "flipper", "tagged", "seen", "comment", "species",
    ]
    .join(&sep.to_string());
    s.push('\n');
    for i in 0..rows {
        let species = ["Adelie", "Gentoo", "Chinstrap"][i % 3];
        let island = ["Biscoe", "Dream", "Torgersen", "NA"][(i / 3 + i % 3) % 4];
        let bill = 38.0 + 5.0 * (i % 3) as f64 + (i % 7) as f64 * 0.3;
        let flipper = match i % 11 {
            4 => String::new(),
            9 if i == 20 => "?".into(),
            _ => format!("{}", 180 + 10 * (i % 3) + i % 5),
        };
        let tagged = if i % 2 == 0 { "yes" } else { "no" };
        let seen = format!("2008-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
        let label = if i == 13 { "" } else { species };
        let fields = [
            format!("{}", i + 1),
            island.into(),
            format!("{bill}"),
            flipper,
            tagged.into(),
            seen,
            format!("note number {i}"),
            label.into(),
        ];
        s.push_str(&fields.join(&sep.to_string()));
        s.push('\n');
    }
    s
}
