//! `mlp train --memory SIZE` on data larger than SIZE: the rows streamed from disk give the
//! model bytes of the run that holds them in memory; what streaming cannot follow is refused
//! with exit 2 and nothing written.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::raw::{ok, run};
use std::path::Path;

/// A few thousand rows of three numbers, a 0/1 label and a numeric target (about 130 KB, far
/// above the budgets below).
fn table(dir: &Path) {
    let mut s = String::from("a,b,c,label,value\n");
    for i in 0..3000 {
        let a = (i as f64 * 0.37).sin() * 2.0;
        let b = (i as f64 * 0.11).cos();
        let c = ((i * 7) % 13) as f64 / 4.0;
        let label = u8::from(a * b + c / 3.0 > 0.6);
        let value = a * b + 0.3 * c + ((i * 31) % 17) as f64 / 100.0;
        s.push_str(&format!("{a:.6},{b:.6},{c:.4},{label},{value:.6}\n"));
    }
    std::fs::write(dir.join("data.csv"), s).unwrap();
}

/// Trains with `args` twice, in memory and with `--memory 64KB`; the model files' bytes.
fn both(dir: &Path, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let mut memory: Vec<&str> = vec!["train", "--data", "data.csv", "--quiet", "--out", "m.json"];
    memory.extend(args);
    ok(dir, &memory);
    let mut streamed: Vec<&str> = vec!["train", "--data", "data.csv", "--out", "s.json"];
    streamed.extend(args);
    streamed.extend(["--memory", "64KB"]);
    let (_, err) = ok(dir, &streamed);
    assert!(err.contains("streamed from disk"), "{err}");
    (
        std::fs::read(dir.join("m.json")).unwrap(),
        std::fs::read(dir.join("s.json")).unwrap(),
    )
}

#[test]
fn streamed_full_batch_runs_write_the_bytes_of_runs_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    table(dir);
    let runs: [&str; 6] = [
        "--target label --solver gd --epochs 4 --hidden 8",
        "--target label --solver lbfgs --epochs 4 --hidden 8",
        "--target value --solver cg --epochs 3 --hidden 6",
        "--target value --solver gd --epochs 3 --hidden 5 --precision f32 --drop label",
        // Mini-batches through the same shuffle buffer, in memory and streamed.
        "--target label --solver sgd --momentum 0.9 --epochs 2 --hidden 8 --batch-size 64 \
         --shuffle-buffer 300",
        "--target value --solver adam --epochs 2 --hidden 8 --shuffle-buffer 250",
    ];
    for args in runs {
        let args: Vec<&str> = args.split_whitespace().collect();
        let (memory, streamed) = both(dir, &args);
        assert!(memory == streamed, "{args:?}: the streamed model differs");
    }
}

/// Runs `mlp train --memory 64KB ARGS` on `data.csv`, which must fail with exit 2 saying
/// `needle`, writing nothing.
fn refused(dir: &Path, args: &[&str], needle: &str) {
    let mut all: Vec<&str> = vec!["train", "--data", "data.csv", "--memory", "64KB"];
    all.extend(["--out", "refused.json"]);
    all.extend(args);
    let (code, out, err) = run(dir, &all);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(out.is_empty());
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("refused.json").exists());
}

#[test]
fn what_streaming_cannot_follow_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    table(dir);
    refused(
        dir,
        &["--target", "label", "--ensemble", "3"],
        "an ensemble",
    );
    refused(
        dir,
        &[
            "--target",
            "label",
            "--solver",
            "adam",
            "--shuffle-buffer",
            "5000",
        ],
        "shuffle_buffer: 5000 rows take",
    );
    refused(dir, &["--target", "label", "--bins", "3"], "no --bins");
    refused(dir, &["--target", "label", "--memory", "lots"], "--memory");
    // A missing value, and text in a feature, far into the file.
    let text = std::fs::read_to_string(dir.join("data.csv")).unwrap();
    let with_first = |value: &str| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut fields: Vec<&str> = lines[2900].split(',').collect();
        fields[0] = value;
        lines[2900] = fields.join(",");
        lines.join("\n") + "\n"
    };
    std::fs::write(dir.join("data.csv"), with_first("")).unwrap();
    refused(dir, &["--target", "label"], "line 2901, column \"a\"");
    refused(dir, &["--target", "label"], "must be complete");
    std::fs::write(dir.join("data.csv"), with_first("abc")).unwrap();
    refused(
        dir,
        &["--target", "label"],
        "line 2901, column \"a\": \"abc\" is text",
    );
}

/// Bytes process `pid` has read so far (Linux's /proc; `None` elsewhere).
fn bytes_read(pid: u32) -> Option<u64> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
    io.lines()
        .find_map(|l| l.strip_prefix("rchar:"))?
        .trim()
        .parse()
        .ok()
}

#[test]
fn a_streamed_run_interrupted_exits_130_and_writes_nothing() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    table(dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .current_dir(dir)
        .args([
            "train", "--data", "data.csv", "--target", "label", "--memory", "64KB",
        ])
        .args([
            "--solver",
            "adam",
            "--shuffle-buffer",
            "300",
            "--epochs",
            "1000000",
        ])
        .args(["--early-stopping", "off", "--out", "never.json"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once the run has read the file 5 times (3 passes before training), it is training.
    let size = std::fs::metadata(dir.join("data.csv")).unwrap().len();
    loop {
        match bytes_read(child.id()) {
            Some(read) if read > 5 * size => break,
            Some(_) => std::thread::sleep(std::time::Duration::from_millis(2)),
            None => {
                child.kill().unwrap();
                child.wait().unwrap();
                return;
            }
        }
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("is not saved"), "{stderr}");
    assert!(!dir.join("never.json").exists());
}
