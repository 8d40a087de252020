//! Outputs never replace what they should not: inputs, each other, links, devices and FIFOs.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_mlp");

fn mlp(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const DATA: &str = "a,b,y\n1,2,x\n2,1,y\n3,3,x\n4,1,y\n0,2,x\n";

#[test]
fn an_output_that_is_an_input_or_another_output_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("d.csv"), DATA).unwrap();
    let train = [
        "train", "--data", "d.csv", "--target", "y", "--quiet", "--epochs", "3",
    ];
    let (code, err) = mlp(d, &[&train[..], &["--out", "d.csv"]].concat());
    assert_eq!(code, Some(2));
    assert!(err.contains("--out d.csv is the input d.csv"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("d.csv")).unwrap(), DATA);
    // Through another name: a link to the input.
    std::os::unix::fs::symlink("d.csv", d.join("alias.csv")).unwrap();
    let (code, err) = mlp(d, &[&train[..], &["--out", "alias.csv"]].concat());
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("d.csv")).unwrap(), DATA);
    let (code, err) = mlp(
        d,
        &[&train[..], &["--out", "m.json", "--history", "m.json"]].concat(),
    );
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--history m.json is the same file as --out"),
        "{err}"
    );
    assert!(!d.join("m.json").exists());
    let (code, err) = mlp(d, &[&train[..], &["--out", "new/"]].concat());
    assert_eq!(code, Some(2));
    assert!(err.contains("ends with a slash"), "{err}");
    // predict onto its model
    let (code, _) = mlp(d, &[&train[..], &["--out", "m.json"]].concat());
    assert_eq!(code, Some(0));
    let model = std::fs::read(d.join("m.json")).unwrap();
    let (code, err) = mlp(
        d,
        &[
            "predict", "--model", "m.json", "--data", "d.csv", "--out", "m.json",
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(std::fs::read(d.join("m.json")).unwrap(), model);
}

#[test]
fn links_are_followed_and_fifos_written_to() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("d.csv"), DATA).unwrap();
    std::os::unix::fs::symlink("target.json", d.join("link.json")).unwrap();
    let train = [
        "train", "--data", "d.csv", "--target", "y", "--quiet", "--epochs", "3",
    ];
    let (code, err) = mlp(d, &[&train[..], &["--out", "link.json"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(
        std::fs::symlink_metadata(d.join("link.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(d.join("target.json"))
            .unwrap()
            .contains("mlp-model")
    );
    // A FIFO is written to, not replaced by a file.
    let fifo = d.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, err) = mlp(d, &[&train[..], &["--out", "pipe"]].concat());
    assert_eq!(code, Some(0), "{err}");
    assert!(reader.join().unwrap().contains("mlp-model"));
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}
