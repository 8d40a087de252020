//! Reading data and models, writing outputs: the command-line conventions in one place.

use crate::cli::{ColumnArgs, DataArgs};
use crate::datasets;
use anyhow::Result;
use mlp::Float;
use mlp::data::{Columns, Source, Table};
use std::io::Write;
use std::path::Path;

/// A data file or built-in data set, read with the given columns. The target defaults to
/// `default_targets` (a model's), then to a built-in data set's target.
pub fn load<T: Float>(
    data: &DataArgs,
    columns: &ColumnArgs,
    features: Option<Vec<String>>,
    default_targets: Option<&[String]>,
    targets_optional: bool,
) -> Result<Table<T>> {
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
        (Some(arg), None) => (Source::from_arg(arg), None),
        (None, None) => anyhow::bail!("give --data FILE or --dataset NAME"),
    };
    let targets = if !columns.target.is_empty() {
        columns.target.clone()
    } else if let Some(t) = default_targets {
        t.to_vec()
    } else if let Some(d) = builtin {
        vec![d.target.to_string()]
    } else {
        Vec::new()
    };
    let columns = Columns {
        targets,
        drop: columns.drop.clone(),
        features,
        targets_optional,
    };
    Ok(mlp::data::read_csv(&source, &columns)?)
}

/// Writes `bytes` to `path` atomically, or to standard output for `-`.
pub fn write_output(path: &str, bytes: &[u8]) -> Result<()> {
    if path == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        return Ok(());
    }
    Ok(mlp::write_atomic(Path::new(path), bytes)?)
}

/// Fails early when `path` could not be written later (standard output always can).
pub fn check_output(path: &str) -> Result<()> {
    if path != "-" {
        mlp::check_writable(Path::new(path))?;
    }
    Ok(())
}

/// Prints one JSON value, pretty, to standard output.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// JSON number for a float, `null` when not finite.
pub fn num(v: f64) -> serde_json::Value {
    serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number)
}
