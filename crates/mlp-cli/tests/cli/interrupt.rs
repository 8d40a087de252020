//! Long runs and big data: a real SIGINT to a real training process saves its state and exits
//! 130, and the resumed run ends with the same model, byte for byte, as a run that was never
//! interrupted; data larger than memory is refused before it is allocated.
#![cfg(unix)]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MLP: &str = env!("CARGO_BIN_EXE_mlp");

fn args(out: &str) -> Vec<String> {
    args_with(out, 400)
}

fn args_with(out: &str, epochs: usize) -> Vec<String> {
    let common = format!(
        "train --dataset digits --seed 5 --epochs {epochs} --batch-size 32 --solver sgd \
         --nesterov --threads 2 --early-stopping off --quiet --checkpoint ck.json --out"
    );
    let mut v: Vec<String> = common.split_whitespace().map(String::from).collect();
    v.push(out.into());
    v
}

#[test]
fn interrupted_and_resumed_run_equals_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str], out: &str| {
        Command::new(MLP)
            .current_dir(dir.path())
            .args(args(out))
            .args(extra)
            .output()
            .unwrap()
    };
    let full = run(&[], "full.json");
    assert!(
        full.status.success(),
        "{}",
        String::from_utf8_lossy(&full.stderr)
    );

    // Interrupt once the run has saved its second periodic checkpoint (so it is mid-training).
    let child = Command::new(MLP)
        .current_dir(dir.path())
        .args(args("part.json"))
        .args(["--checkpoint-every", "2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ck = dir.path().join("ck.json");
    let start = Instant::now();
    while !ck.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no checkpoint appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("--resume ck.json"), "{stderr}");
    assert!(
        !dir.path().join("part.json").exists(),
        "an interrupted run writes no model"
    );

    let resumed = run(&["--resume", "ck.json"], "part.json");
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    assert!(
        read("full.json") == read("part.json"),
        "resumed model differs"
    );
    assert!(Path::new(&ck).exists());
}

#[test]
fn resume_with_other_options_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mlp = |args: Vec<String>| {
        Command::new(MLP)
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let mut first = args_with("a.json", 3);
    first.extend(["--checkpoint-every".into(), "1".into()]);
    let out = mlp(first);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut other = args_with("b.json", 3);
    other.extend([
        "--learning-rate".into(),
        "0.5".into(),
        "--resume".into(),
        "ck.json".into(),
    ]);
    let out = mlp(other);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("other training settings"), "{stderr}");
    assert!(!dir.path().join("b.json").exists());
}

#[test]
fn data_larger_than_memory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(MLP)
        .current_dir(dir.path())
        .args(["train", "--dataset", "mnist_5k", "--out", "m.json"])
        .env("MLP_MAX_MEMORY_MB", "4")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: mnist_5k: the data does not fit in memory"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn a_signal_while_data_loads_ends_at_once_with_130() {
    let dir = tempfile::tempdir().unwrap();
    for signal in ["-TERM", "-INT"] {
        // Standard input that never ends: the program is still reading when the signal comes.
        let mut child = Command::new(MLP)
            .current_dir(dir.path())
            .args([
                "train", "--data", "-", "--target", "y", "--out", "m.json", "-q",
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let kill = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{signal}: still running"
            );
            std::thread::sleep(Duration::from_millis(10));
        };
        assert_eq!(status.code(), Some(130), "{signal}");
        assert!(!dir.path().join("m.json").exists());
    }
}
