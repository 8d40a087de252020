//! Several files read as one table: the names `--data` gives (paths and glob patterns)
//! expanded into a list, and the conventions that let every message of a table read from
//! several files name the file and its own line.
//!
//! The files are read in order as one input: each one's header must be the first file's
//! (same names, same order), and is left out; its rows follow the previous file's. A table
//! read from several files has for its name the files' names joined by NUL bytes (a byte no
//! path holds), and the line of each of its rows carries the index of its file in the bits
//! from [`FILE_SHIFT`] up: [`crate::error::Location::at_line`] turns such a name and line into
//! the file's own name and line, and [`shown_name`] shows the name as a list. The first
//! file's lines are its own, so a table of one file is what it always was.

use std::path::{Path, PathBuf};

use super::{Source, data, quote};
use crate::error::{Error, Location, Result};

/// The bit from which a row's line holds the index of its file (lines below 2^40, about a
/// trillion, are the file's own).
pub const FILE_SHIFT: u32 = 40;

/// What separates the names of several files in a table's name.
const SEPARATOR: char = '\0';

/// The name of the files `names` read as one table.
pub(super) fn joined_name(names: &[String]) -> String {
    names.join(&SEPARATOR.to_string())
}

/// The line `line` of a table named `name`: the name of its file when the table was read from
/// several files (`None` otherwise), and the file's own line.
pub fn file_line(name: &str, line: u64) -> (Option<&str>, u64) {
    if !name.contains(SEPARATOR) {
        return (None, line);
    }
    let index = usize::try_from(line >> FILE_SHIFT).unwrap_or(usize::MAX);
    let file = name.split(SEPARATOR).nth(index);
    (file, line & ((1 << FILE_SHIFT) - 1))
}

/// A table's name for messages: the file's name, or the names of several files separated by
/// commas.
pub fn shown_name(name: &str) -> String {
    name.replace(SEPARATOR, ", ")
}

/// "line 57" of a table named `name`, with the file's name first ("b.csv line 57") when the
/// table was read from several files.
pub fn line_name(name: &str, line: u64) -> String {
    match file_line(name, line) {
        (Some(file), local) => format!("{file} line {local}"),
        (None, local) => format!("line {local}"),
    }
}

/// Whether an argument is a glob pattern: it holds `*`, `?` or `[`.
fn is_pattern(arg: &Path) -> bool {
    arg.to_str().is_some_and(|s| s.contains(['*', '?', '[']))
}

/// The source that the `--data` arguments `args` name: `-` (standard input, alone), one file,
/// or several files read in order as one table. An argument that is a glob pattern (`*`, `?`,
/// `[...]`) and not the name of an existing file stands for the files it matches, sorted by
/// path; a pattern that matches no file is an error naming it.
pub fn source_of(args: &[PathBuf]) -> Result<Source> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            if args.len() > 1 {
                return Err(Error::config(
                    "data",
                    "- (standard input) cannot be read with other files",
                ));
            }
            return Ok(Source::Stdin);
        }
        if !is_pattern(arg) || arg.exists() {
            paths.push(arg.clone());
            continue;
        }
        let pattern = arg.to_str().unwrap_or_default();
        let matches = glob::glob(pattern).map_err(|e| {
            Error::config(
                "data",
                format!("{}: not a valid pattern: {}", quote(pattern), e.msg),
            )
        })?;
        let mut found: Vec<PathBuf> = Vec::new();
        for entry in matches {
            let path = entry.map_err(|e| {
                let name = e.path().display().to_string();
                Error::io(&name, std::io::Error::from(e))
            })?;
            if !path.is_dir() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(data(Location::file(pattern), "the pattern matches no file"));
        }
        found.sort();
        paths.extend(found);
    }
    match paths.len() {
        0 => Err(Error::config("data", "give at least one file")),
        1 => Ok(Source::from_arg(paths.remove(0))),
        _ => Ok(Source::Files(paths)),
    }
}

/// Checks that the header of the file `name` is the first file's, `first` (named
/// `first_name`); else the error names the first column where they differ.
pub(super) fn same_header(
    name: &str,
    header: &[String],
    first_name: &str,
    first: &[String],
) -> Result<()> {
    let column = |h: &[String], i: usize| match h.get(i) {
        Some(c) => quote(c),
        None => "nothing".to_owned(),
    };
    let Some(i) = (0..header.len().max(first.len())).find(|&i| header.get(i) != first.get(i))
    else {
        return Ok(());
    };
    Err(data(
        Location::file(name).at_line(1),
        format!(
            "the header differs from {first_name}'s at column {}: {} where {first_name} has {}",
            i + 1,
            column(header, i),
            column(first, i)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_several_files_name_their_file() {
        let name = joined_name(&["a.csv".into(), "b.csv".into()]);
        assert_eq!(file_line(&name, 7), (Some("a.csv"), 7));
        assert_eq!(file_line(&name, (1 << FILE_SHIFT) + 3), (Some("b.csv"), 3));
        assert_eq!(file_line("a.csv", 7), (None, 7));
        let at = Location::file(&name).at_line((1 << FILE_SHIFT) + 3);
        assert_eq!(at.to_string(), "b.csv line 3");
        assert_eq!(Location::file(&name).to_string(), "a.csv, b.csv");
        assert_eq!(line_name(&name, (1 << FILE_SHIFT) + 3), "b.csv line 3");
        assert_eq!(line_name("a.csv", 3), "line 3");
    }

    #[test]
    fn headers_differ_at_their_first_column() {
        let h = |s: &[&str]| s.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        assert!(same_header("b", &h(&["x", "y"]), "a", &h(&["x", "y"])).is_ok());
        let e = same_header("b", &h(&["x", "z"]), "a", &h(&["x", "y"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "b line 1: the header differs from a's at column 2: \"z\" where a has \"y\""
        );
        let e = same_header("b", &h(&["x"]), "a", &h(&["x", "y"])).unwrap_err();
        assert!(e.to_string().contains("nothing where a has \"y\""), "{e}");
    }
}
