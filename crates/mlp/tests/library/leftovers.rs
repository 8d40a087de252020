//! Temporary files that writers killed while writing (`kill -9`) left behind are removed by the
//! next write to the same destination; those of live writers are not.
#![allow(clippy::unwrap_used)]

use std::path::Path;

/// The ID of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn leftovers_of_dead_writers_are_removed_and_live_writers_files_kept() {
    if !Path::new("/proc/self").exists() {
        return; // Without /proc, nothing is removed, by design.
    }
    let dir = tempfile::tempdir().unwrap();
    let dead = dead_pid();
    let live = std::process::id();
    let make = |name: &str| std::fs::write(dir.path().join(name), "half a file").unwrap();
    // Left by a killed writer of m.json: removed.
    make(&format!(".m.json.tmp-{dead}-0"));
    make(&format!(".m.json.tmp-{dead}-17"));
    // A live process's: kept (this one's own, as if another thread were writing).
    make(&format!(".m.json.tmp-{live}-99"));
    // A dead ID, but its file is locked: a writer whose ID this process cannot see (another
    // PID namespace sharing the folder). Kept.
    make(&format!(".m.json.tmp-{dead}-5"));
    let locked = std::fs::File::open(dir.path().join(format!(".m.json.tmp-{dead}-5"))).unwrap();
    locked.lock().unwrap();
    // Other destinations' files, and names that only look alike: kept.
    make(&format!(".other.json.tmp-{dead}-0"));
    make(&format!(".m.json.tmp-{dead}-x"));
    make(&format!(".m.json.tmp-{dead}"));

    mlp::write_atomic(&dir.path().join("m.json"), b"{}").unwrap();

    let mut expected = vec![
        format!(".m.json.tmp-{live}-99"),
        format!(".m.json.tmp-{dead}-5"),
        format!(".other.json.tmp-{dead}-0"),
        format!(".m.json.tmp-{dead}-x"),
        format!(".m.json.tmp-{dead}"),
        "m.json".to_owned(),
    ];
    expected.sort();
    assert_eq!(names(dir.path()), expected);
    assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), b"{}");
    drop(locked);
    // Unlocked now, and its writer's ID still unused: the next write removes it.
    mlp::write_atomic(&dir.path().join("m.json"), b"[]").unwrap();
    assert!(!names(dir.path()).contains(&format!(".m.json.tmp-{dead}-5")));
}

#[test]
fn a_writer_killed_while_writing_leaves_nothing_after_the_next_run() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    // A real writer, killed: a child process that made its temporary file the way write_atomic
    // does (the name, the lock) and was then killed before renaming it.
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("echo half > \".m.json.tmp-$$-0\" && exec sleep 60")
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let tmp = dir.path().join(format!(".m.json.tmp-{}-0", child.id()));
    for _ in 0..10_000 {
        if tmp.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(tmp.exists(), "the child did not start");
    // Alive: kept.
    mlp::write_atomic(&dir.path().join("m.json"), b"1").unwrap();
    assert!(tmp.exists());
    child.kill().unwrap();
    child.wait().unwrap();
    mlp::write_atomic(&dir.path().join("m.json"), b"2").unwrap();
    assert!(!tmp.exists(), "{:?}", names(dir.path()));
}
