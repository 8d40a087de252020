//! Writing files so that a reader (or a crash) never sees half a file.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` atomically: into a temporary file in the same folder, flushed to
/// disk, then renamed over `path`. On any error the temporary file is removed and an existing
/// `path` is left exactly as it was.
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
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{}",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(shown, e)
    })
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
