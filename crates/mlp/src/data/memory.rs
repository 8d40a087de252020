//! What reading may take from the machine: the memory available (Linux's MemAvailable, capped
//! by `MLP_MAX_MEMORY_MB`), checked before data, model files and checkpoints are read or grown,
//! so that input larger than memory is a clear error and not the OOM killer.

use std::fs::File;
use std::io::Read;

use super::data;
use crate::error::{Error, Location, Result};

/// Makes room for at least `more` values, doubling as `Vec` does, but first checks that the
/// machine has the memory: data larger than memory gets a clear error, not the OOM killer.
pub(super) fn grow<T>(x: &mut Vec<T>, more: usize, name: &str) -> Result<()> {
    let extra = x.len().max(more).max(1 << 16);
    let bytes = (x.len() + extra).saturating_mul(std::mem::size_of::<T>()) as u64;
    if let Some(available) = available_memory()? {
        fits(bytes, available, name)?;
    }
    x.try_reserve_exact(extra).map_err(|_| {
        data(
            Location::file(name),
            format!("cannot allocate {} MB for the data", bytes >> 20),
        )
    })
}

/// An error when reading needs `bytes` and only `available` are there.
pub(super) fn fits(bytes: u64, available: u64, name: &str) -> Result<()> {
    if bytes <= available {
        return Ok(());
    }
    Err(data(
        Location::file(name),
        format!(
            "the data does not fit in memory: reading it needs more than {} MB, and {} MB are \
             available",
            bytes >> 20,
            available >> 20
        ),
    ))
}

/// Bytes that parsing a JSON file (a model, a checkpoint) may take for each value it holds,
/// beyond the text itself. With the lean readers of `model/read.rs`, the measured peaks were at
/// most 74 bytes a value (an object of many keys, the worst; a one-letter class label took 57,
/// a number of a free `training` value 35, a number of a weight matrix 12 to 21); see
/// `docs/reliability.md`.
pub const JSON_BYTES_PER_VALUE: u64 = 96;

/// At most what parsing the JSON text `bytes` takes beyond the text: a copy of the text (a
/// value kept as text) and [`JSON_BYTES_PER_VALUE`] for each value, counted before parsing as
/// the commas, colons and opening brackets (each value but a container's first follows a
/// comma or a colon). For a model file of weights this is about 5 times the file's size (its
/// measured peak is 2), for a file of one-digit numbers, the worst, about 50 times.
pub fn json_parse_needs(bytes: &[u8]) -> u64 {
    let marks = memchr::memchr3_iter(b',', b':', b'[', bytes).count()
        + memchr::memchr_iter(b'{', bytes).count();
    (bytes.len() as u64).saturating_add((marks as u64).saturating_mul(JSON_BYTES_PER_VALUE))
}

/// Checks that `needed` bytes fit in the memory available (see [`available_memory`]); else
/// the error `fail` makes of "does not fit in memory: reading it needs more than N MB, and M
/// MB are available".
pub(crate) fn check_memory(needed: u64, fail: impl FnOnce(String) -> Error) -> Result<()> {
    match available_memory()? {
        Some(available) if needed > available => Err(fail(format!(
            "does not fit in memory: reading it needs more than {} MB, and {} MB are available",
            needed >> 20,
            available >> 20
        ))),
        _ => Ok(()),
    }
}

/// Reads a whole file (a model, a checkpoint, a JSON file of settings), first checking that its
/// size fits in the memory available: a file too large is one error, not the OOM killer. `name`
/// is the file's name in messages.
pub fn read_whole(path: &std::path::Path, name: &str) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    check_memory(size, |m| {
        data(Location::file(name), format!("the file {m}"))
    })?;
    let limit = available_memory()?.unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    // A file that grows, or a FIFO, stops at the limit.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    check_memory(bytes.len() as u64, |m| {
        data(Location::file(name), format!("the file {m}"))
    })?;
    Ok(bytes)
}

/// The memory data and networks may take: what the system can still give (Linux's
/// MemAvailable), capped by the environment variable `MLP_MAX_MEMORY_MB` when set; `None` when
/// neither is known. A value of the variable that is not a whole number of megabytes is an
/// error.
pub fn available_memory() -> Result<Option<u64>> {
    let system = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb.saturating_mul(1024))
        });
    let cap = match std::env::var("MLP_MAX_MEMORY_MB") {
        Ok(v) => Some(
            v.trim()
                .parse::<u64>()
                .ok()
                .filter(|&mb| mb <= u64::MAX >> 20)
                .ok_or_else(|| {
                    Error::config(
                        "MLP_MAX_MEMORY_MB",
                        format!("must be a whole number of megabytes, got \"{v}\""),
                    )
                })?
                << 20,
        ),
        Err(_) => None,
    };
    Ok(match (system, cap) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}
