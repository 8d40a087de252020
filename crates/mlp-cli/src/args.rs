//! Options shared by several commands (data, columns, column types, a model file) and the
//! typed values of options. Doc comments here are the `--help` text.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Where the data comes from: a file, standard input, or a built-in data set.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// CSV file (optionally .csv.gz); `-` reads standard input. Several files (`--data a.csv
    /// b.csv`, or --data again) or a glob pattern (`'parts/*.csv.gz'`, the matches sorted by
    /// path) are read in order as one table: each must have the first one's header.
    #[arg(
        long,
        value_name = "FILE",
        num_args = 1..,
        conflicts_with = "dataset",
        required_unless_present = "dataset"
    )]
    pub data: Vec<PathBuf>,
    /// A built-in data set instead of a file (see `mlp datasets`).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Field separator: a single character, `tab`, or `auto` (the header's most frequent of
    /// comma, tab and semicolon).
    #[arg(long, value_name = "CHAR", default_value = "auto", value_parser = parse_delimiter)]
    pub delimiter: Delimiter,
    /// Decimal separator of numbers: `.` or `,` [default: `.`, or `,` for a file separated by
    /// semicolons that writes its numbers so; a model's own when it has one].
    #[arg(long, value_name = "CHAR", value_parser = [".", ","])]
    pub decimal: Option<String>,
    /// Values that mean "missing", comma-separated (the empty field always does) [default:
    /// NA,N/A,n/a,NaN,nan,null,NULL,None,?,#N/A].
    #[arg(long, value_name = "VALUES", value_delimiter = ',')]
    pub na_values: Option<Vec<String>>,
}

impl DataArgs {
    /// The files the run reads: the paths given, glob patterns expanded (as given when they
    /// cannot be, which reading then reports), to tell inputs from outputs.
    pub fn files(&self) -> Vec<PathBuf> {
        match mlp::data::source_of(&self.data) {
            Ok(mlp::data::Source::Path(p)) => vec![p],
            Ok(mlp::data::Source::Files(paths)) => paths,
            _ => self.data.clone(),
        }
    }

    /// Whether the data is standard input (`--data -`).
    pub fn is_stdin(&self) -> bool {
        self.data.iter().any(|p| crate::io::is_dash(p))
    }
}

/// A field separator given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// Detected from the header.
    Auto,
    /// This byte.
    Byte(u8),
}

/// Parses `--delimiter`: `auto`, `tab`, or one ASCII character other than a quote or a line end.
fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    match s {
        "auto" => Ok(Delimiter::Auto),
        "tab" | "\\t" => Ok(Delimiter::Byte(b'\t')),
        _ => match s.as_bytes() {
            [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(Delimiter::Byte(*b)),
            _ => Err(format!(
                "\"{s}\" is not a separator (expected one character such as , ; | or tab)"
            )),
        },
    }
}

/// Target and dropped columns.
#[derive(Debug, Args, Clone, Default)]
pub struct ColumnArgs {
    /// Target column(s), comma-separated (default: the model's targets, or a built-in data set's).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Columns to ignore, comma-separated.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub drop: Vec<String>,
}

/// The user's word on column types.
#[derive(Debug, Args, Clone, Default)]
pub struct TypeArgs {
    /// Columns to treat as categories, whatever they hold (comma-separated).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Columns to treat as numbers: text in them reads as missing (comma-separated).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub numeric: Vec<String>,
    /// Piecewise-linear bins added to each number and date: auto (4, and from 2,000 training
    /// rows one per 400 rows up to 8; at least 20 training rows each; for tables with text,
    /// dates or missing values; none for complete all-numeric tables) or a count (0: none).
    #[arg(long, value_name = "auto|N", default_value = "auto")]
    pub bins: mlp::schema::Bins,
}

impl TypeArgs {
    /// Checks that every column named is a feature column of `table`.
    pub fn check<T>(&self, table: &mlp::data::Table<T>) -> anyhow::Result<()> {
        for (flag, names) in [
            ("--categorical", &self.categorical),
            ("--numeric", &self.numeric),
        ] {
            for name in names {
                if !table.feature_names.contains(name) {
                    anyhow::bail!(
                        "{flag} {name}: {} has no feature column \"{name}\"{}",
                        mlp::data::shown_name(&table.name),
                        mlp::data::did_you_mean(name, &table.feature_names)
                    );
                }
            }
        }
        if let Some(both) = self.categorical.iter().find(|c| self.numeric.contains(c)) {
            anyhow::bail!("column \"{both}\" is given both --categorical and --numeric");
        }
        Ok(())
    }

    /// The overrides for the library.
    pub fn overrides(&self) -> mlp::schema::Overrides {
        mlp::schema::Overrides {
            categorical: self.categorical.clone(),
            numeric: self.numeric.clone(),
        }
    }
}

/// A size in bytes given on the command line (`--memory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

/// Parses a size: a number and a unit, decimal (`KB`, `MB`, `GB`, `TB`, or `K`, `M`, `G`, `T`)
/// or binary (`KiB`, `MiB`, `GiB`, `TiB`), or `B` or no unit for bytes: `200MB`, `2GB`,
/// `512MiB`, `1.5G`.
pub fn parse_size(s: &str) -> Result<ByteSize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim();
    let scale: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "\"{s}\" is not a size (expected e.g. 200MB, 2GB, 512MiB)"
            ));
        }
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("\"{s}\" is not a size (expected e.g. 200MB, 2GB, 512MiB)"))?;
    let bytes = (value * scale).round();
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(format!("\"{s}\": the size must be at least one byte"));
    }
    Ok(ByteSize(bytes as u64))
}

/// A model file to read.
#[derive(Debug, Args, Clone)]
pub struct ModelArg {
    /// Model file (JSON, format mlp-model version 1).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
}

/// The precision a network trains in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Precision {
    /// Single precision: faster, about 7 significant digits.
    F32,
    /// Double precision: the exact path, the seed's numbers.
    F64,
}

/// An option that is on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

impl Switch {
    /// Whether it is on.
    pub fn is_on(self) -> bool {
        self == Switch::On
    }
}

/// The sizes of the hidden layers: `64,32`; `0` or nothing for none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden(pub Vec<usize>);

/// Parses `--hidden`.
pub fn parse_hidden(s: &str) -> Result<Hidden, String> {
    if s.trim().is_empty() {
        return Err("give the sizes of the hidden layers, e.g. 64,32 (0: no hidden layer)".into());
    }
    if s.trim() == "0" {
        return Ok(Hidden(Vec::new()));
    }
    crate::commands::parse_sizes(s).map(Hidden)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units() {
        let ok = |s: &str| parse_size(s).unwrap().0;
        assert_eq!(ok("200MB"), 200_000_000);
        assert_eq!(ok("2GB"), 2_000_000_000);
        assert_eq!(ok("512MiB"), 512 << 20);
        assert_eq!(ok("1.5G"), 1_500_000_000);
        assert_eq!(ok("64KB"), 64_000);
        assert_eq!(ok("4096"), 4096);
        for bad in ["", "MB", "-1MB", "2XB", "0", "1e3MB", "nanGB", "1.2.3MB"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
