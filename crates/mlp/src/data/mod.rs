//! Reading data files: CSV with a header row, optionally gzip-compressed, into a feature matrix
//! and the target columns as text.
//!
//! Every problem with a file is an [`Error::Data`] naming the file and, where there is one, the
//! line and column; operating-system failures are [`Error::Io`].

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::PathBuf;

use csv::{ByteRecord, ReaderBuilder};
use flate2::read::MultiGzDecoder;
use ndarray::Array2;

use crate::error::{Error, Location, Result};
use crate::float::Float;

mod rows;
mod sniff;
#[cfg(test)]
mod tests;
mod text;

pub use text::TextColumn;

use rows::read_rows;

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// How many column names an "unknown column" message lists.
const LISTED_COLUMNS: usize = 10;
/// How many characters of a bad value a message quotes.
const QUOTED_CHARS: usize = 40;

/// Where data comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file on disk, plain or gzip-compressed.
    Path(PathBuf),
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
            Source::Stdin => "<stdin>".to_owned(),
            Source::Bytes { name, .. } => name.clone(),
        }
    }

    /// A source from a command-line argument: `-` is standard input, anything else a path.
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::Path(PathBuf::from(arg))
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
    /// Columns copied as text into [`Table::kept`] (e.g. an ID to join predictions back).
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
        field.is_empty() || self.na_values.iter().any(|na| na == field)
    }
}

/// A data file read into a feature matrix and raw target columns.
#[derive(Clone, Debug)]
pub struct Table<T> {
    /// The source's name, for messages.
    pub name: String,
    /// The feature columns' names, in the order of the columns of `x`.
    pub feature_names: Vec<String>,
    /// The features, one row per data row: shape (rows, features). A missing value is NaN; so
    /// is every value of a column read as text (see [`Table::columns`]).
    pub x: Array2<T>,
    /// What the reader saw in each feature column, in the order of the columns of `x`.
    pub columns: Vec<ColumnRead>,
    /// The target columns, in the order of [`Columns::targets`] (only those present when
    /// [`Columns::targets_optional`] is set). Values may be missing (see [`Columns::is_missing`]).
    pub targets: Vec<TargetColumn>,
    /// The columns named by [`Columns::keep`], as text.
    pub kept: Vec<TargetColumn>,
    /// The 1-based file line of each row, for messages.
    pub lines: Vec<u64>,
    /// Columns of the file that were neither features, targets nor dropped (with
    /// [`Columns::features`] given).
    pub ignored: Vec<String>,
    /// The missing-value markers it was read with ([`Columns::na_values`]).
    pub na_values: Vec<String>,
    /// The decimal separator it was read with ([`Columns::decimal`]).
    pub decimal: u8,
}

/// What the reader saw in one feature column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnRead {
    /// The column's values as text, when it holds text that is not a number (or was asked to
    /// be read as text); its values in [`Table::x`] are then NaN.
    pub text: Option<TextColumn>,
    /// How many of its values are missing.
    pub missing: usize,
    /// The line and trimmed text of its first missing value.
    pub first_missing: Option<(u64, String)>,
}

impl<T: Float> Table<T> {
    /// Checks that every feature value is a number: the first missing or non-numeric value in
    /// file order is an error naming its line and column, e.g. `data.csv line 57, column "b":
    /// "abc" is not a number`.
    pub fn require_numbers(&self) -> Result<()> {
        let mut first: Option<(u64, usize, String)> = None;
        for (j, column) in self.columns.iter().enumerate() {
            let found = match &column.text {
                Some(text) => text.first_not_number::<T>(&self.lines),
                None => column
                    .first_missing
                    .as_ref()
                    .map(|(line, raw)| (*line, missing_message(raw))),
            };
            if let Some((line, message)) = found
                && first.as_ref().is_none_or(|f| (line, j) < (f.0, f.1))
            {
                first = Some((line, j, message));
            }
        }
        match first {
            None => Ok(()),
            Some((line, j, message)) => {
                let column = self.feature_names.get(j).map_or("", String::as_str);
                Err(data(
                    Location::file(&self.name).at_line(line).at_column(column),
                    message,
                ))
            }
        }
    }

    /// How the table's values were written: its missing-value markers and decimal separator
    /// (the other fields at their defaults).
    pub fn format(&self) -> Columns {
        Columns {
            na_values: self.na_values.clone(),
            decimal: self.decimal,
            ..Columns::default()
        }
    }

    /// Whether a trimmed field marks a missing value, as the table was read.
    pub fn is_missing(&self, field: &str) -> bool {
        field.is_empty() || self.na_values.iter().any(|na| na == field)
    }

    /// The rows whose target values are all present.
    pub fn rows_with_targets(&self) -> Vec<usize> {
        (0..self.x.nrows())
            .filter(|&i| {
                self.targets
                    .iter()
                    .all(|t| t.values.get(i).is_some_and(|v| !self.is_missing(v)))
            })
            .collect()
    }

    /// The 1-based file line of row `i` (0 when unknown).
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(0)
    }

    /// Keeps only the rows `keep` (sorted, distinct) of every column.
    pub fn retain_rows(&mut self, keep: &[usize]) {
        if keep.len() == self.x.nrows() {
            return;
        }
        let mut x = Array2::zeros((keep.len(), self.x.ncols()));
        for (mut dst, &i) in x.rows_mut().into_iter().zip(keep) {
            dst.assign(&self.x.row(i));
        }
        self.x = x;
        for c in &mut self.columns {
            if let Some(t) = c.text.as_mut() {
                t.codes = keep.iter().map(|&i| t.codes[i]).collect();
            }
        }
        for t in self.targets.iter_mut().chain(self.kept.iter_mut()) {
            t.values = keep
                .iter()
                .map(|&i| std::mem::take(&mut t.values[i]))
                .collect();
            t.lines = keep.iter().map(|&i| t.lines[i]).collect();
        }
        self.lines = keep.iter().map(|&i| self.lines[i]).collect();
    }
}

/// Why a missing value is not a number, as the strict reader of earlier versions said it.
fn missing_message(raw: &str) -> String {
    if raw.is_empty() {
        "empty value".to_owned()
    } else if raw.parse::<f64>().is_ok() {
        format!("{} is not a finite number", quote(raw))
    } else {
        format!("{} is a missing value", quote(raw))
    }
}

/// One target column as text, so the caller decides between class labels and numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetColumn {
    /// The column's name in the header.
    pub name: String,
    /// One value per data row, trimmed of surrounding whitespace; never empty.
    pub values: Vec<String>,
    /// The 1-based file line of each value, for messages.
    pub lines: Vec<u64>,
}

impl TargetColumn {
    /// Parses every value as a finite number; errors name file, line and column, e.g.
    /// `data.csv line 57, column "y": "abc" is not a number`.
    pub fn numbers(&self, source_name: &str) -> Result<Vec<f64>> {
        let mut out = Vec::new();
        for (i, value) in self.values.iter().enumerate() {
            let x = finite(value).map_err(|message| {
                let at = Location::file(source_name)
                    .at_line(self.line(i))
                    .at_column(&self.name);
                Error::Data { at, message }
            })?;
            out.push(x);
        }
        Ok(out)
    }

    /// True when every value parses as a finite number.
    pub fn is_numeric(&self) -> bool {
        self.values.iter().all(|v| finite(v).is_ok())
    }

    /// The 1-based file line of row `i` (0 when there is no such row).
    pub fn line(&self, i: usize) -> u64 {
        self.lines.get(i).copied().unwrap_or(0)
    }
}

/// Reads a CSV file (plain or gzip-compressed) from `source`; see [`read_csv_from`].
pub fn read_csv<T: Float>(source: &Source, columns: &Columns) -> Result<Table<T>> {
    let name = source.name();
    match source {
        Source::Path(path) => read_with(
            &name,
            || File::open(path).map_err(|e| Error::io(&name, e)),
            columns,
        ),
        Source::Stdin => read_csv_from(&name, io::stdin().lock(), columns),
        Source::Bytes { bytes, .. } => read_with(&name, || Ok(*bytes), columns),
    }
}

/// Reads CSV with a header row from any reader; `name` is the source's name for messages.
/// gzip-compressed input is recognised by its first two bytes (0x1f 0x8b), not by a file name,
/// and decompressed as it is read. The separator is the one the header uses (comma, tab or
/// semicolon) unless [`Columns::delimiter`] gives it.
///
/// Feature columns are read as numbers; a missing value (see [`Columns::is_missing`]) is NaN.
/// When a feature holds other text, the input is read again with every field as text (so it is
/// first read into memory here), and the columns that hold text are kept as text
/// ([`ColumnRead::text`]).
pub fn read_csv_from<T: Float>(
    name: &str,
    mut reader: impl Read,
    columns: &Columns,
) -> Result<Table<T>> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    read_with(name, || Ok(&bytes[..]), columns)
}

/// Reads the input that `open` opens, as numbers first and, when a feature holds text, once
/// more as text.
fn read_with<R: Read, T: Float>(
    name: &str,
    open: impl Fn() -> Result<R>,
    columns: &Columns,
) -> Result<Table<T>> {
    // A missing-value marker that is a number must be seen before the number is parsed, which
    // only the text reader does.
    let numeric_na = columns
        .na_values
        .iter()
        .any(|v| number(v, columns.decimal).is_some());
    if !numeric_na
        && columns.text.is_empty()
        && let Some(table) = parse(name, open()?, columns, Mode::Numbers)?
    {
        return Ok(table);
    }
    parse(name, open()?, columns, Mode::Text)?
        .ok_or_else(|| data(Location::file(name), "could not be read as text"))
}

/// How the data rows are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Features as numbers, on two threads; gives up at the first text.
    Numbers,
    /// Every field as text.
    Text,
}

/// The input, decompressed when it starts as gzip does; and whether it was.
fn decompressed<'a>(name: &str, mut reader: impl Read + 'a) -> Result<(Box<dyn Read + 'a>, bool)> {
    let mut magic = [0u8; 2];
    let got = read_prefix(&mut reader, &mut magic).map_err(|e| Error::io(name, e))?;
    let prefix = magic.get(..got).unwrap_or_default().to_vec();
    let gzip = prefix == GZIP_MAGIC;
    let input = io::Cursor::new(prefix).chain(reader);
    Ok(if gzip {
        let decoder = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, input));
        (Box::new(decoder), true)
    } else {
        (Box::new(input), false)
    })
}

/// Makes room for at least `more` values, doubling as `Vec` does, but first checks that the
/// machine has the memory: data larger than memory gets a clear error, not the OOM killer.
fn grow<T>(x: &mut Vec<T>, more: usize, name: &str) -> Result<()> {
    let extra = x.len().max(more).max(1 << 16);
    let bytes = (x.len() + extra).saturating_mul(std::mem::size_of::<T>()) as u64;
    if let Some(available) = available_memory()
        && bytes > available
    {
        return Err(data(
            Location::file(name),
            format!(
                "the data does not fit in memory: reading it needs more than {} MB, and {} MB \
                     are available",
                bytes >> 20,
                available >> 20
            ),
        ));
    }
    x.try_reserve_exact(extra).map_err(|_| {
        data(
            Location::file(name),
            format!("cannot allocate {} MB for the data", bytes >> 20),
        )
    })
}

/// The memory data may take: what the system can still give (Linux's MemAvailable), capped by
/// the environment variable `MLP_MAX_MEMORY_MB` when set; `None` when neither is known.
fn available_memory() -> Option<u64> {
    let system = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
            let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb.saturating_mul(1024))
        });
    let cap = std::env::var("MLP_MAX_MEMORY_MB")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|mb| mb << 20);
    match (system, cap) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_prefix(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// An [`Error::Data`].
fn data(at: Location, message: impl Into<String>) -> Error {
    Error::Data {
        at,
        message: message.into(),
    }
}

/// Parses a trimmed value as a finite `f64`, or says why it is not one.
fn finite(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        Ok(_) => Err(format!("{} is not a finite number", quote(s))),
        Err(_) => Err(format!("{} is not a number", quote(s))),
    }
}

/// A trimmed field as a finite number, with `decimal` (`b'.'` or `b','`) as the decimal
/// separator; `None` when it is not one.
pub fn number(s: &str, decimal: u8) -> Option<f64> {
    let x = if decimal == b',' && s.contains(',') {
        if s.contains('.') {
            return None;
        }
        s.replace(',', ".").parse::<f64>().ok()?
    } else {
        s.parse::<f64>().ok()?
    };
    x.is_finite().then_some(x)
}

/// The value of a decimal integer of at most 15 digits (optionally negative), which `f64`
/// holds exactly: a fast path for the common case, giving the same result as `str::parse`.
fn small_integer(bytes: &[u8]) -> Option<f64> {
    let (negative, digits) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 15 {
        return None;
    }
    let mut n = 0u64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    let x = n as f64; // exact: at most 15 digits
    Some(if negative { -x } else { x })
}

/// A value quoted for a message: escaped onto one line and shortened when long.
fn quote(s: &str) -> String {
    match s.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("{:?}...", s.get(..cut).unwrap_or(s)),
        None => format!("{s:?}"),
    }
}

/// "a, b, c" with at most [`LISTED_COLUMNS`] names.
fn list(header: &[String]) -> String {
    let mut shown: Vec<&str> = header
        .iter()
        .take(LISTED_COLUMNS)
        .map(String::as_str)
        .collect();
    if header.len() > LISTED_COLUMNS {
        shown.push("...");
    }
    shown.join(", ")
}

/// Reads the next record; false at the end of the input.
fn next<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut ByteRecord,
    name: &str,
    gzip: bool,
) -> Result<bool> {
    reader.read_byte_record(record).map_err(|e| {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(err) => stream_error(name, err, gzip),
            _ => data(Location::file(name), message),
        }
    })
}

/// An error while reading the input: a broken gzip stream gets its own message.
fn stream_error(name: &str, err: io::Error, gzip: bool) -> Error {
    let broken = matches!(
        err.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
    );
    if gzip && broken {
        data(
            Location::file(name),
            "the gzip stream is truncated or corrupt",
        )
    } else {
        Error::io(name, err)
    }
}

/// The header's column names, trimmed, with a byte-order mark removed; unique and non-empty.
fn header_names(name: &str, record: &ByteRecord, line: u64) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut seen = HashMap::new();
    for (i, field) in record.iter().enumerate() {
        let text = std::str::from_utf8(field)
            .map_err(|_| data(Location::file(name).at_line(line), "invalid UTF-8"))?;
        let text = if i == 0 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let text = text.trim();
        if text.is_empty() {
            let at = Location::file(name).at_line(line);
            return Err(data(
                at,
                format!("column {} of the header has no name", i + 1),
            ));
        }
        if seen.insert(text, i).is_some() {
            let message = format!("column \"{text}\" appears twice in the header");
            return Err(data(Location::file(name), message));
        }
        names.push(text.to_owned());
    }
    Ok(names)
}

/// The header indices of the feature, target and kept columns, and the names of the columns
/// left unused.
struct Plan {
    features: Vec<usize>,
    targets: Vec<usize>,
    keep: Vec<usize>,
    ignored: Vec<String>,
}

/// Decides which columns are features and which are targets.
fn plan(name: &str, header: &[String], columns: &Columns) -> Result<Plan> {
    let fail = |message: String| Err(data(Location::file(name), message));
    let index: HashMap<&str, usize> = header
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let mut used = vec![false; header.len()];
    let mut targets = Vec::new();
    for (k, t) in columns.targets.iter().enumerate() {
        if columns.drop.contains(t) {
            return fail(format!("column \"{t}\" is both a target and dropped"));
        }
        if columns.targets.iter().take(k).any(|u| u == t) {
            return fail(format!("column \"{t}\" is named twice as a target"));
        }
        match index.get(t.as_str()) {
            Some(&i) => {
                targets.push(i);
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None if columns.targets_optional => {}
            None => {
                return fail(format!(
                    "no column \"{t}\"{} (columns: {})",
                    did_you_mean(t, header),
                    list(header)
                ));
            }
        }
    }
    for d in &columns.drop {
        match index.get(d.as_str()) {
            Some(&i) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
            }
            None => {
                return fail(format!(
                    "no column \"{d}\" to drop{} (columns: {})",
                    did_you_mean(d, header),
                    list(header)
                ));
            }
        }
    }
    let features = match &columns.features {
        Some(wanted) => {
            if wanted.is_empty() {
                return fail("no feature columns: the list of features is empty".to_owned());
            }
            let mut features = Vec::new();
            for (k, f) in wanted.iter().enumerate() {
                if wanted.iter().take(k).any(|g| g == f) {
                    return fail(format!("column \"{f}\" is listed twice as a feature"));
                }
                if columns.targets.contains(f) {
                    return fail(format!("column \"{f}\" is both a feature and a target"));
                }
                if columns.drop.contains(f) {
                    return fail(format!("column \"{f}\" is both a feature and dropped"));
                }
                match index.get(f.as_str()) {
                    Some(&i) => features.push(i),
                    None => return fail(format!("column \"{f}\" that the model needs is missing")),
                }
            }
            features
        }
        None => used
            .iter()
            .enumerate()
            .filter(|(_, u)| !**u)
            .map(|(i, _)| i)
            .collect(),
    };
    if features.is_empty() {
        return fail("no feature columns left after removing targets and dropped columns".into());
    }
    let mut keep = Vec::new();
    for k in &columns.keep {
        match index.get(k.as_str()) {
            Some(&i) => keep.push(i),
            None => {
                return fail(format!(
                    "no column \"{k}\" to keep{} (columns: {})",
                    did_you_mean(k, header),
                    list(header)
                ));
            }
        }
    }
    let ignored = if columns.features.is_some() {
        header
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                !features.contains(i) && !targets.contains(i) && !keep.contains(i) && !used[*i]
            })
            .map(|(_, h)| h.clone())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Plan {
        features,
        targets,
        keep,
        ignored,
    })
}

/// Reads the CSV text of `input` (gzip-compressed or not); `None` when [`Mode::Numbers`] met
/// text in a feature.
fn parse<'a, T: Float>(
    name: &str,
    input: impl Read + 'a,
    columns: &Columns,
    mode: Mode,
) -> Result<Option<Table<T>>> {
    let (input, gzip) = decompressed(name, input)?;
    let mut input = BufReader::with_capacity(1 << 16, input);
    // A byte-order mark goes before the CSV parser sees the header, so that a quoted first
    // name is still read as quoted.
    let mut first_line = Vec::new();
    input
        .read_until(b'\n', &mut first_line)
        .map_err(|e| stream_error(name, e, gzip))?;
    if first_line.starts_with(&[0xEF, 0xBB, 0xBF]) {
        first_line.drain(..3);
    }
    let delimiter = columns
        .delimiter
        .unwrap_or_else(|| sniff::delimiter(&first_line));
    let input = io::Cursor::new(first_line).chain(input);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let mut record = ByteRecord::new();
    if !next(&mut reader, &mut record, name, gzip)? {
        return Err(data(Location::file(name), "is empty"));
    }
    let header_line = record.position().map_or(1, csv::Position::line);
    let header = header_names(name, &record, header_line)?;
    let plan = plan(name, &header, columns)?;
    let rows = match mode {
        Mode::Numbers => match read_rows(reader, name, gzip, &header, &plan, columns)? {
            Some(rows) => rows,
            None => return Ok(None),
        },
        Mode::Text => {
            let guess = columns.guess_decimal && delimiter == b';';
            text::read_text_rows(reader, name, gzip, &header, &plan, columns, guess)?
        }
    };
    let n = rows.lines.len();
    if n == 0 {
        return Err(data(Location::file(name), "has a header but no data rows"));
    }
    let features = plan.features.len();
    let found = rows.x.len();
    let x = Array2::from_shape_vec((n, features), rows.x).map_err(|_| {
        Error::shape(
            "reading the feature matrix",
            n.saturating_mul(features),
            found,
        )
    })?;
    let feature_names = plan
        .features
        .iter()
        .map(|&i| header.get(i).cloned().unwrap_or_default())
        .collect();
    Ok(Some(Table {
        name: name.to_owned(),
        feature_names,
        x,
        columns: rows.columns,
        targets: rows.targets,
        kept: rows.kept,
        lines: rows.lines,
        ignored: plan.ignored,
        na_values: columns.na_values.clone(),
        decimal: rows.decimal,
    }))
}

/// ` (did you mean "x"?)` when one name of `names` is within a few edits of `name`.
pub fn did_you_mean(name: &str, names: &[String]) -> String {
    sniff::closest(name, names).map_or(String::new(), |n| format!(" (did you mean \"{n}\"?)"))
}
