//! Sizes a user gives are checked before anything is allocated: one line, exit 2, no panic,
//! no abort; the memory variable is validated.
#![allow(clippy::unwrap_used)]

use assert_cmd::Command;

fn refused(env: Option<(&str, &str)>, args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::cargo_bin("mlp").unwrap();
    cmd.current_dir(dir.path()).args(args);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: {err}");
    assert!(
        !err.contains("panicked") && err.lines().count() <= 3,
        "{args:?}: {err}"
    );
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn absurd_sizes_are_refused_before_allocation() {
    let train = ["train", "--dataset", "iris", "--out", "m.json", "-q"];
    let with = |more: &[&'static str]| [&train[..], more].concat();
    refused(
        None,
        &with(&["--hidden", "100000,100000"]),
        "parameters need",
    );
    refused(
        None,
        &with(&["--hidden", "9223372036854775807"]),
        "more parameters than can be counted",
    );
    refused(
        None,
        &[
            "init",
            "--layers",
            "4,9223372036854775807",
            "--out",
            "m.json",
        ],
        "counted",
    );
    refused(
        None,
        &["gradcheck", "--layers", "4611686018427387904,2"],
        "counted",
    );
    refused(
        Some(("MLP_MAX_MEMORY_MB", "1")),
        &with(&["--hidden", "2000,2000"]),
        "MLP_MAX_MEMORY_MB",
    );
    refused(
        Some(("MLP_MAX_MEMORY_MB", "abc")),
        &train,
        "MLP_MAX_MEMORY_MB",
    );
    refused(
        None,
        &with(&["--checkpoint-every", "0"]),
        "--checkpoint-every",
    );
    refused(None, &with(&["--hidden", ""]), "--hidden");
}

#[test]
fn headers_of_utf16_or_absurd_names_make_one_short_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let utf16: Vec<u8> = "a,b,y\n1,2,3\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(d.join("u16.csv"), utf16).unwrap();
    std::fs::write(
        d.join("long.csv"),
        format!("{},y\n1,2\n", "a".repeat(1_000_000)),
    )
    .unwrap();
    for (file, needle) in [("u16.csv", "UTF-16"), ("long.csv", "...")] {
        let out = Command::cargo_bin("mlp")
            .unwrap()
            .current_dir(d)
            .args(["train", "--data", file, "--target", "z", "--out", "m.json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(needle) && err.len() < 400,
            "{file}: {} bytes",
            err.len()
        );
        assert!(!err.contains('\0'), "{file}");
    }
}
