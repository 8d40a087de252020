//! `--data` with several files and glob patterns: the files read in order as one table (the
//! same model bytes as the one file they were cut from), headers that differ refused naming
//! the file and the column, a pattern matching nothing refused naming it.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};
use std::io::Write;
use std::path::Path;

/// A table of `rows` rows of three numbers and a 0/1 label, deterministic.
fn rows(rows: std::ops::Range<usize>) -> String {
    rows.map(|i| {
        let a = (i as f64 * 0.37).sin();
        let b = (i as f64 * 0.11).cos() * 2.0;
        let c = ((i * 7) % 13) as f64 / 13.0 - 0.5;
        let y = u8::from(a * b + c > 0.1);
        format!("{a:.6},{b:.6},{c:.6},{y}\n")
    })
    .collect()
}

const HEADER: &str = "a,b,c,y\n";

/// Writes the whole table and three shards of it (the last gzip-compressed) in `dir`.
fn shards(dir: &Path) {
    std::fs::write(dir.join("all.csv"), format!("{HEADER}{}", rows(0..600))).unwrap();
    std::fs::create_dir(dir.join("parts")).unwrap();
    std::fs::write(
        dir.join("parts/p1.csv"),
        format!("{HEADER}{}", rows(0..211)),
    )
    .unwrap();
    std::fs::write(
        dir.join("parts/p2.csv"),
        format!("{HEADER}{}", rows(211..400)),
    )
    .unwrap();
    let file = std::fs::File::create(dir.join("parts/p3.csv.gz")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(format!("{HEADER}{}", rows(400..600)).as_bytes())
        .unwrap();
    gz.finish().unwrap();
}

const TRAIN: [&str; 9] = [
    "train", "--target", "y", "--epochs", "3", "--hidden", "8", "--quiet", "--out",
];

fn train(dir: &Path, data: &[&str], out: &str) -> Vec<u8> {
    let mut args: Vec<&str> = TRAIN.to_vec();
    args.push(out);
    args.push("--data");
    args.extend(data);
    ok(dir, &args);
    std::fs::read(dir.join(out)).unwrap()
}

#[test]
fn shards_train_to_the_bytes_of_the_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    shards(dir);
    let whole = train(dir, &["all.csv"], "whole.json");
    let listed = train(
        dir,
        &["parts/p1.csv", "parts/p2.csv", "parts/p3.csv.gz"],
        "listed.json",
    );
    assert!(whole == listed, "several files differ from the whole file");
    // A glob, sorted by path (p1 < p2 < p3), and --data given twice.
    let globbed = train(
        dir,
        &["parts/p[12].csv", "--data", "parts/*.gz"],
        "glob.json",
    );
    assert!(whole == globbed, "a glob differs from the whole file");
    // Another order is another table.
    let reordered = train(
        dir,
        &["parts/p2.csv", "parts/p1.csv", "parts/p3.csv.gz"],
        "reordered.json",
    );
    assert!(whole != reordered);
}

#[test]
fn a_header_that_differs_is_refused_naming_the_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    shards(dir);
    std::fs::write(dir.join("swapped.csv"), format!("a,c,b,y\n{}", rows(0..5))).unwrap();
    let (code, out, err) = run(
        dir,
        &[
            "train",
            "--target",
            "y",
            "--out",
            "m.json",
            "--data",
            "parts/p1.csv",
            "swapped.csv",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("swapped.csv line 1: the header differs from parts/p1.csv's at column 2"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!dir.join("m.json").exists());
}

#[test]
fn errors_name_the_file_and_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    shards(dir);
    std::fs::write(
        dir.join("ragged.csv"),
        format!("{HEADER}{}1,2,3\n", rows(0..4)),
    )
    .unwrap();
    let (code, _, err) = run(
        dir,
        &[
            "describe",
            "--data",
            "parts/p1.csv",
            "ragged.csv",
            "--target",
            "y",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("ragged.csv: line 6 has 3 fields"), "{err}");
}

#[test]
fn a_pattern_matching_nothing_is_refused_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    shards(dir);
    let (code, out, err) = run(
        dir,
        &[
            "train",
            "--target",
            "y",
            "--out",
            "m.json",
            "--data",
            "parts/*.parquet",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("parts/*.parquet: the pattern matches no file"),
        "{err}"
    );
    assert!(!dir.join("m.json").exists());
    let (code, _, err) = run(dir, &["describe", "--data", "-", "parts/p1.csv"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("standard input"), "{err}");
}
