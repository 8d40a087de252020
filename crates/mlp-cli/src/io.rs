//! Reading data and models, writing outputs: the command-line conventions in one place.

use crate::args::{ColumnArgs, DataArgs, Delimiter};
use crate::datasets;
use anyhow::{Result, bail};
use mlp::data::{Columns, Source, Table};
use mlp::{Float, Model};
use ndarray::Array2;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to read besides the feature columns.
#[derive(Debug, Default)]
pub struct Reading<'a> {
    /// The model whose features, column types and missing-value markers decide how to read.
    pub model: Option<&'a Model>,
    /// Target columns may be absent from the file (prediction).
    pub targets_optional: bool,
    /// Columns to read as text (categorical columns named by the user).
    pub text: Vec<String>,
    /// Columns to copy into the output.
    pub keep: Vec<String>,
}

/// A data file or built-in data set, read with the given columns. The target defaults to the
/// model's targets, then to a built-in data set's target.
pub fn load<T: Float>(data: &DataArgs, columns: &ColumnArgs, how: Reading<'_>) -> Result<Table<T>> {
    let (source, read) = reading(data, columns, how)?;
    Ok(mlp::data::read_csv(&source, &read)?)
}

/// The source and the reading options of [`load`].
pub fn reading(
    data: &DataArgs,
    columns: &ColumnArgs,
    how: Reading<'_>,
) -> Result<(Source, Columns)> {
    let (source, builtin) = match (&data.data, &data.dataset) {
        (_, Some(name)) => {
            let d = datasets::find(name)?;
            (
                Source::Bytes {
                    name: d.name.to_string(),
                    bytes: d.bytes,
                },
                Some(d),
            )
        }
        (args, None) if !args.is_empty() => (mlp::data::source_of(args)?, None),
        _ => anyhow::bail!("give --data FILE or --dataset NAME"),
    };
    let default_targets = how.model.and_then(|m| m.targets.as_deref());
    let targets = if !columns.target.is_empty() {
        columns.target.clone()
    } else if let Some(t) = default_targets {
        t.to_vec()
    } else if let Some(d) = builtin {
        vec![d.target.to_string()]
    } else {
        Vec::new()
    };
    let mut read = Columns {
        targets,
        drop: columns.drop.clone(),
        targets_optional: how.targets_optional,
        text: how.text,
        keep: how.keep,
        delimiter: match data.delimiter {
            Delimiter::Auto => None,
            Delimiter::Byte(b) => Some(b),
        },
        decimal: if data.decimal.as_deref() == Some(",") {
            b','
        } else {
            b'.'
        },
        guess_decimal: data.decimal.is_none(),
        ..Columns::default()
    };
    if let Some(na) = &data.na_values {
        read.na_values = std::iter::once(String::new())
            .chain(na.iter().map(|v| v.trim().to_owned()))
            .collect();
    }
    if let Some(model) = how.model {
        read = model.read_options(read);
    }
    Ok((source, read))
}

/// A model's data prepared for its network.
pub struct Prepared {
    /// The inputs, encoded and standardized.
    pub x: Array2<f64>,
    /// The encoded targets.
    pub y: Array2<f64>,
    /// What the user should know (rows left out, values read as missing, unseen levels).
    pub notes: Vec<String>,
}

/// A model's data prepared for its network, for the rows whose targets are present.
pub fn prepared(model: &Model, data: &DataArgs, columns: &ColumnArgs) -> Result<Prepared> {
    let (x, table, notes) = prepared_inputs(model, data, columns)?;
    let y = model.encode_targets(&table.targets, &table.name)?;
    Ok(Prepared { x, y, notes })
}

/// Like [`prepared`], without encoding the targets (which stay as text in the table): the
/// network's inputs, the table and the notes.
pub fn prepared_inputs(
    model: &Model,
    data: &DataArgs,
    columns: &ColumnArgs,
) -> Result<(Array2<f64>, Table<f64>, Vec<String>)> {
    let how = Reading {
        model: Some(model),
        ..Reading::default()
    };
    let mut table = load::<f64>(data, columns, how)?;
    if table.targets.is_empty() {
        bail!("no target column: give --target (the model does not name its targets)");
    }
    let mut notes = Vec::new();
    notes.extend(mlp::data::unlabelled_note(table.retain_labelled()?));
    let encoded = model.inputs(&mut table)?;
    notes.extend(encoded.notes);
    Ok((encoded.x, table, notes))
}

/// Prints notes to standard error, one line each, unless `quiet`.
pub fn print_notes(notes: &[String], quiet: bool) {
    if !quiet {
        for n in notes {
            eprintln!("note: {n}");
        }
    }
}

/// Whether a path argument is `-`, standard input or output.
pub fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Whether a file name ends in `suffix` (`.svg`), whatever bytes come before.
pub fn ends_with(path: &Path, suffix: &str) -> bool {
    path.as_os_str()
        .as_encoded_bytes()
        .ends_with(suffix.as_bytes())
}

/// Writes `bytes` to `path` atomically, or to standard output for `-`.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<()> {
    if is_dash(path) {
        return print_bytes(bytes);
    }
    Ok(mlp::write_atomic(path, bytes)?)
}

/// Fails early when `path` could not be written later (standard output always can).
pub fn check_output(path: &Path) -> Result<()> {
    if !is_dash(path) {
        mlp::check_writable(path)?;
    }
    Ok(())
}

/// Prints `text` to standard output. A reader that closed the pipe ends the program quietly
/// (the error is the `BrokenPipe` that `main` looks for); other failures say where.
pub fn print(text: &str) -> Result<()> {
    print_bytes(text.as_bytes())
}

/// Writes `bytes` to standard output, as [`print()`] does text.
pub fn print_bytes(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(e.into()),
        Err(e) => Err(anyhow::Error::new(e).context("writing to standard output")),
    }
}

/// Prints one JSON value, pretty, to standard output.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print(&text)
}

/// JSON number for a float, `null` when not finite.
pub fn num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A file as the system knows it, to tell whether two paths name the same file.
#[derive(PartialEq, Eq)]
enum FileId {
    /// An existing regular file: its device and inode.
    Inode(u64, u64),
    /// A file yet to be made: its folder's canonical path and its name.
    Path(PathBuf),
}

fn file_id(p: &Path) -> Option<FileId> {
    if is_dash(p) || p.as_os_str().is_empty() {
        return None;
    }
    match std::fs::metadata(p) {
        Ok(meta) if meta.is_file() => {
            use std::os::unix::fs::MetadataExt;
            Some(FileId::Inode(meta.dev(), meta.ino()))
        }
        // Devices, FIFOs and folders may be named twice (/dev/null).
        Ok(_) => None,
        Err(_) => {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let name = p.file_name()?;
            Some(FileId::Path(std::fs::canonicalize(dir).ok()?.join(name)))
        }
    }
}

/// A model file and the data files, as the inputs of a run.
pub fn inputs_of<'a>(model: &'a Path, data: &'a [PathBuf]) -> Vec<&'a Path> {
    std::iter::once(model)
        .chain(data.iter().map(PathBuf::as_path))
        .collect()
}

/// Refuses, before any work, an output (`(option, path)`) that is one of the run's `inputs` or
/// the same file as another output.
pub fn check_distinct(outputs: &[(&str, &Path)], inputs: &[&Path]) -> Result<()> {
    let inputs: Vec<(&Path, FileId)> = inputs
        .iter()
        .filter_map(|p| Some((*p, file_id(p)?)))
        .collect();
    let mut seen: Vec<(&str, FileId)> = Vec::new();
    for &(flag, path) in outputs {
        let Some(id) = file_id(path) else { continue };
        if let Some((input, _)) = inputs.iter().find(|(_, i)| *i == id) {
            bail!(
                "{flag} {} is the input {}: writing it would destroy it",
                path.display(),
                input.display()
            );
        }
        if let Some((other, _)) = seen.iter().find(|(_, i)| *i == id) {
            bail!(
                "{flag} {} is the same file as {other}: give each output its own file",
                path.display()
            );
        }
        seen.push((flag, id));
    }
    Ok(())
}
