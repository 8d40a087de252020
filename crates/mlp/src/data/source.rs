//! Where a table comes from ([`Source`], [`Columnar`]) and how its columns are read
//! ([`Columns`]: the target, the dropped columns, the missing-value markers, the separators).

use std::path::PathBuf;

/// Where data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on disk, plain or gzip-compressed.
    Path(PathBuf),
    /// Several files on disk, each plain or gzip-compressed, read in order as one table: each
    /// must have the first one's header (see [`super::source_of`]).
    Files(Vec<PathBuf>),
    /// Standard input, plain or gzip-compressed.
    Stdin,
    /// Bytes built into the program (the built-in data sets).
    Bytes {
        /// The name messages show for these bytes.
        name: String,
        /// The file's contents, plain or gzip-compressed.
        bytes: &'static [u8],
    },
}

impl Source {
    /// The name messages use: the path as given, `<stdin>` for standard input, or the name of
    /// built-in bytes.
    pub fn name(&self) -> String {
        match self {
            Source::Path(path) => path.display().to_string(),
            Source::Files(paths) => super::files::joined_name(&Self::names(paths)),
            Source::Stdin => "<stdin>".to_owned(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }

    /// The names of files, as messages show them.
    pub(super) fn names(paths: &[PathBuf]) -> Vec<String> {
        paths.iter().map(|p| p.display().to_string()).collect()
    }

    /// A source from a command-line argument: `-` is standard input, anything else a path (any
    /// bytes the system allows, UTF-8 or not).
    pub fn from_arg(arg: impl AsRef<std::path::Path>) -> Source {
        let arg = arg.as_ref();
        if arg.as_os_str() == "-" {
            Source::Stdin
        } else {
            Source::Path(arg.to_path_buf())
        }
    }
}

/// The strings that mark a missing value (compared with the trimmed field), besides the empty
/// field: pandas' usual markers.
pub const DEFAULT_NA_VALUES: [&str; 11] = [
    "", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "?", "#N/A",
];

/// Which columns to take, and how the file writes its values.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Target column names, in the order wanted (may be empty, e.g. for prediction).
    pub targets: Vec<String>,
    /// Columns to ignore.
    pub drop: Vec<String>,
    /// When `Some`, exactly these feature columns by name and in this order (a saved model's
    /// features); other columns are ignored. When `None`, every column that is neither a target
    /// nor dropped is a feature, in file order.
    pub features: Option<Vec<String>>,
    /// When true, target columns missing from the file are simply absent from the result
    /// (prediction on unlabelled data) instead of an error.
    pub targets_optional: bool,
    /// Feature columns read as text whatever they hold (categorical columns).
    pub text: Vec<String>,
    /// Columns copied as text into [`super::Table::kept`] (e.g. an ID to join predictions back).
    pub keep: Vec<String>,
    /// Field values that mean "missing" (trimmed fields are compared; the empty field always
    /// is one).
    pub na_values: Vec<String>,
    /// The field separator; `None`: comma, tab or semicolon, whichever the header uses most.
    pub delimiter: Option<u8>,
    /// The decimal separator of numbers: `b'.'` or `b','`.
    pub decimal: u8,
    /// Whether the decimal separator may be guessed instead: a file separated by semicolons
    /// whose text columns hold numbers such as `6,3` (and no number such as `6.3`) is read with
    /// a decimal comma.
    pub guess_decimal: bool,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            targets: Vec::new(),
            drop: Vec::new(),
            features: None,
            targets_optional: false,
            text: Vec::new(),
            keep: Vec::new(),
            na_values: DEFAULT_NA_VALUES.iter().map(|s| (*s).to_owned()).collect(),
            delimiter: None,
            decimal: b'.',
            guess_decimal: false,
        }
    }
}

impl Columns {
    /// Whether a trimmed field marks a missing value.
    pub fn is_missing(&self, field: &str) -> bool {
        is_missing(field, &self.na_values)
    }
}

/// Whether a trimmed field marks a missing value: it is empty or one of `na_values`. The one
/// rule for the reader, the schema and the tables.
pub fn is_missing(field: &str, na_values: &[String]) -> bool {
    field.is_empty() || na_values.iter().any(|na| na == field)
}

/// The columnar formats `--data` reads besides CSV (feature `columnar`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Columnar {
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Arrow IPC files, Feather version 2 (`.arrow`, `.feather`, `.ipc`).
    Ipc,
}

/// The columnar format a file name says (by its extension), or `None` for CSV.
pub fn columnar_kind(path: &std::path::Path) -> Option<Columnar> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "parquet" | "pq" => Some(Columnar::Parquet),
        "arrow" | "feather" | "ipc" => Some(Columnar::Ipc),
        _ => None,
    }
}
