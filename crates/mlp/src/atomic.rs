//! Writing files so that a reader (or a crash) never sees half a file.

use crate::error::{Error, Result};
use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. On any error the temporary file is removed and an existing
/// `path` is left exactly as it was. The temporary files that killed writers left behind for
/// the same `path` are removed first (see `remove_leftovers`).
///
/// A symbolic link is followed (its target is replaced, the link kept); a device, a FIFO or
/// another file that is not a regular one is written to directly, never replaced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let shown = path.display().to_string();
    let resolved = follow_links(path);
    let path = resolved.as_path();
    if let Ok(meta) = std::fs::metadata(path)
        && !meta.is_file()
        && !meta.is_dir()
    {
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
            f.write_all(bytes)?;
            f.flush()
        };
        return write().map_err(|e| Error::io(shown, e));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::io(&shown, std::io::Error::other("not a file name")))?;
    let prefix = temp_prefix(file_name);
    remove_leftovers(dir, &prefix);
    let mut tmp_name = prefix;
    tmp_name.push(format!(
        "{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        // Held until the file is renamed (or the process dies): the mark of a live writer. A
        // file system without locks only makes leftovers stay.
        let _ = f.try_lock();
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(shown, e)
    })
}

/// The start of the names of the temporary files that write `file_name`: `.NAME.tmp-`, followed
/// by the writer's process ID, a dash and a counter.
fn temp_prefix(file_name: &OsStr) -> OsString {
    let mut prefix = OsString::from(".");
    prefix.push(file_name);
    prefix.push(".tmp-");
    prefix
}

/// Removes the temporary files of writes to the same destination that a process killed while
/// writing (`kill -9`, a power cut) left in `dir`. A file is left alone unless both say its
/// writer is gone: no process has its ID (`/proc/PID` on Linux; without `/proc` nothing is
/// removed), and no one holds the lock a writer takes on its file from its creation until it is
/// renamed (which also covers a writer in another PID namespace sharing the folder). Failures
/// are ignored: this is tidying, not the write.
fn remove_leftovers(dir: &Path, prefix: &OsStr) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = prefix.as_encoded_bytes();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.as_encoded_bytes().strip_prefix(prefix) else {
            continue;
        };
        let Some(pid) = leftover_pid(rest) else {
            continue;
        };
        if pid == std::process::id() || proc.join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let unlocked = std::fs::File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
        if unlocked && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The process ID in the end `PID-N` of a temporary file's name; `None` for another name.
fn leftover_pid(rest: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(rest).ok()?;
    let (pid, counter) = text.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(pid) && digits(counter)) {
        return None;
    }
    pid.parse().ok()
}

/// Where writing `path` lands: the final target of a chain of symbolic links (resolved relative
/// to each link's folder), or `path` itself.
fn follow_links(path: &Path) -> std::path::PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&current) {
            Ok(target) => {
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            Err(_) => break,
        }
    }
    current
}

/// Checks, before any long work starts, that `path` can later be written: its folder exists and
/// accepts new files, and `path` is not a folder (nor named like one, with a trailing slash).
pub fn check_writable(path: &Path) -> Result<()> {
    let shown = path.display().to_string();
    if shown.ends_with('/') || shown.ends_with(std::path::MAIN_SEPARATOR) {
        return Err(Error::io(
            shown,
            std::io::Error::other("names a folder (it ends with a slash), not a file"),
        ));
    }
    let resolved = follow_links(path);
    let path = resolved.as_path();
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        // A device or a FIFO: written to directly.
        return Ok(());
    }
    if path.is_dir() {
        return Err(Error::io(
            shown,
            std::io::Error::other("is a folder, not a file"),
        ));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::io(
            shown,
            std::io::Error::other(format!("folder {} does not exist", dir.display())),
        ));
    }
    let probe = dir.join(format!(".mlp-write-check-{}", std::process::id()));
    std::fs::File::create(&probe).map_err(|e| Error::io(shown, e))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}
