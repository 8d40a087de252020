//! Reading data files: CSV with a header row, optionally gzip-compressed, into a feature matrix
//! and the target columns as text.
//!
//! Every problem with a file is an [`Error::Data`] naming the file and, where there is one, the
//! line and column; operating-system failures are [`Error::Io`].

use std::fs::File;
use std::io::{self, BufReader, Read};

use csv::ByteRecord;
use flate2::read::MultiGzDecoder;
use ndarray::Array2;

use crate::error::{Error, Location, Result};
use crate::float::Float;

mod arrays;
#[cfg(test)]
mod block_tests;
mod blocks;
#[cfg(feature = "columnar")]
mod columnar;
#[cfg(feature = "columnar")]
mod direct;
mod fast;
mod files;
mod formatted;
mod memory;
#[cfg(feature = "columnar")]
mod pages;
mod plan;
mod quotes;
mod records;
mod rows;
mod sniff;
mod source;
mod stream;
mod table;
#[cfg(test)]
mod tests;
mod text;

pub use files::{FILE_SHIFT, file_line, line_name, shown_name, source_of};
pub use formatted::formatted_number;
pub(crate) use memory::check_memory;
pub use memory::{JSON_BYTES_PER_VALUE, available_memory, json_parse_needs, read_whole};
pub use plan::did_you_mean;
pub use source::{Columnar, Columns, DEFAULT_NA_VALUES, Source, columnar_kind, is_missing};
pub use stream::CsvStream;
pub use table::{ColumnRead, Table, TargetColumn, unlabelled_note};
pub use text::TextColumn;

use blocks::{BLOCK_BYTES, Block, Blocks, Input, newlines};
use memory::{fits, grow};
use plan::{Plan, header_names, plan};
use records::{Lines, unclosed_quote};
use rows::read_rows;

/// The first two bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// How many column names an "unknown column" message lists.
const LISTED_COLUMNS: usize = 10;
/// How many characters of a bad value a message quotes.
const QUOTED_CHARS: usize = 40;

/// Reads a data file from `source`: CSV (plain or gzip-compressed, see [`read_csv_from`]), or
/// with the feature `columnar` a Parquet or Arrow IPC file, named by its extension (see
/// [`columnar_kind`]), into the same table a CSV file of the same columns gives.
pub fn read_csv<T: Float>(source: &Source, columns: &Columns) -> Result<Table<T>> {
    let name = source.name();
    match source {
        Source::Path(path) if columnar_kind(path).is_some() => {
            #[cfg(feature = "columnar")]
            return columnar::read(path, columns);
            #[cfg(not(feature = "columnar"))]
            return Err(data(
                Location::file(&name),
                "is a Parquet or Arrow file, and this mlp was built without them: build it \
                 with --features columnar",
            ));
        }
        Source::Path(path) => read_with(
            &name,
            || File::open(path).map_err(|e| Error::io(&name, e)),
            columns,
        ),
        Source::Files(paths) => {
            if let Some(path) = paths.iter().find(|p| columnar_kind(p).is_some()) {
                return Err(data(
                    Location::file(path.display().to_string()),
                    "is a Parquet or Arrow file: these are read one file at a time; give \
                     several CSV files, or one Parquet or Arrow file",
                ));
            }
            let names = Source::names(paths);
            let open = || {
                let mut inputs = Vec::with_capacity(paths.len());
                for (path, name) in paths.iter().zip(&names) {
                    let file = File::open(path).map_err(|e| Error::io(name, e))?;
                    inputs.push(Input {
                        name: name.clone(),
                        reader: Box::new(file),
                    });
                }
                Ok(inputs)
            };
            read_in_blocks(&name, open, columns, BLOCK_BYTES)
        }
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
    reader: impl Read,
    columns: &Columns,
) -> Result<Table<T>> {
    let mut bytes = Vec::new();
    let limit = available_memory()?.unwrap_or(u64::MAX);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(name, e))?;
    fits(bytes.len() as u64, limit, name)?;
    read_with(name, || Ok(&bytes[..]), columns)
}

/// Reads the input that `open` opens, as numbers first and, when a feature holds text, once
/// more as text.
fn read_with<'a, R: Read + Send + 'a, T: Float>(
    name: &str,
    open: impl Fn() -> Result<R>,
    columns: &Columns,
) -> Result<Table<T>> {
    let open = || {
        Ok(vec![Input {
            name: name.to_owned(),
            reader: Box::new(open()?) as Box<dyn Read + Send + 'a>,
        }])
    };
    read_in_blocks(name, open, columns, BLOCK_BYTES)
}

/// Reads the inputs that `open` opens as one table named `name` (one input, or several files
/// read in order, see [`Source::Files`]), cutting them into blocks of about `block` bytes.
fn read_in_blocks<'a, T: Float>(
    name: &str,
    open: impl Fn() -> Result<Vec<Input<'a>>>,
    columns: &Columns,
    block: usize,
) -> Result<Table<T>> {
    // A missing-value marker that is a number must be seen before the number is parsed, which
    // only the text reader does.
    let numeric_na = columns
        .na_values
        .iter()
        .any(|v| number(v, columns.decimal).is_some());
    if !numeric_na
        && columns.text.is_empty()
        && let Some(table) = parse(name, open()?, columns, Mode::Numbers, block)?
    {
        return Ok(table);
    }
    parse(name, open()?, columns, Mode::Text, block)?
        .ok_or_else(|| data(Location::file(name), "could not be read as text"))
}

/// How the data rows are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Features as numbers, on the threads of rayon's pool; gives up at the first text.
    Numbers,
    /// Every field as text.
    Text,
}

/// The input, decompressed when it starts as gzip does; and whether it was.
fn decompressed<'a>(
    name: &str,
    mut reader: impl Read + Send + 'a,
) -> Result<(Box<dyn Read + Send + 'a>, bool)> {
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

/// "a, b, c" with at most [`LISTED_COLUMNS`] names, each cut to [`QUOTED_CHARS`] characters.
fn list(header: &[String]) -> String {
    let mut shown: Vec<String> = header
        .iter()
        .take(LISTED_COLUMNS)
        .map(|h| short(h))
        .collect();
    if header.len() > LISTED_COLUMNS {
        shown.push("...".into());
    }
    shown.join(", ")
}

/// A name cut to [`QUOTED_CHARS`] characters (with "..." when cut) and its line breaks and
/// other control characters escaped (`\n`), for one-line messages.
pub(crate) fn short(s: &str) -> String {
    let (kept, cut) = match s.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => (s.get(..cut).unwrap_or(s), "..."),
        None => (s, ""),
    };
    let mut out: String = kept
        .chars()
        .flat_map(|c| {
            let escaped = c.is_control().then(|| c.escape_default());
            escaped
                .into_iter()
                .flatten()
                .chain((!c.is_control()).then_some(c))
        })
        .collect();
    out.push_str(cut);
    out
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

/// The header of an input from its first block, which then starts after it.
fn header_of(name: &str, first: &mut Block, delimiter: u8) -> Result<Vec<String>> {
    let empty = || data(Location::file(name), "is empty");
    let (header, header_end) = {
        let bytes = first.records();
        let mut reader = records::reader(bytes, delimiter, 1);
        let mut record = ByteRecord::new();
        if !records::next(&mut reader, &mut record, name)? {
            return Err(empty());
        }
        let header_line = Lines::new(1).of(bytes, record.position().map_or(0, csv::Position::byte));
        if let Some(line) = reader.get_ref().open_in(&record, header_line) {
            return Err(unclosed_quote(name, line));
        }
        let header = header_names(name, &record, header_line)?;
        (header, reader.position().byte())
    };
    first.start = usize::try_from(header_end)
        .unwrap_or(usize::MAX)
        .min(first.bytes.len());
    first.line = 1 + newlines(first.bytes.get(..first.start).unwrap_or_default());
    Ok(header)
}

/// Reads the CSV text of `inputs` (each gzip-compressed or not) as one table named `name`;
/// `None` when [`Mode::Numbers`] met text in a feature.
fn parse<T: Float>(
    name: &str,
    inputs: Vec<Input<'_>>,
    columns: &Columns,
    mode: Mode,
    block: usize,
) -> Result<Option<Table<T>>> {
    let mut inputs = inputs.into_iter();
    let Some(Input {
        name: first_name,
        reader,
    }) = inputs.next()
    else {
        return Err(data(Location::file(name), "is empty"));
    };
    let (input, gzip) = decompressed(&first_name, reader)?;
    let mut blocks = Blocks::open(input, &first_name, gzip, columns.delimiter, block)?;
    let delimiter = blocks.delimiter;
    let empty = || data(Location::file(&first_name), "is empty");
    let mut first = blocks.next_block()?.ok_or_else(empty)?;
    let header = header_of(&first_name, &mut first, delimiter)?;
    blocks.then(inputs.collect(), &first_name, &header);
    let plan = plan(name, &header, columns)?;
    let rows = match mode {
        Mode::Numbers => match read_rows(
            first,
            &mut blocks,
            (name, &header),
            &plan,
            columns,
            &mut None,
        )? {
            Some(rows) => rows,
            None => return Ok(None),
        },
        Mode::Text => {
            let guess = columns.guess_decimal && delimiter == b';';
            text::read_text_rows(first, &mut blocks, name, &header, &plan, columns, guess)?
        }
    };
    if rows.lines.is_empty() {
        return Err(data(Location::file(name), "has a header but no data rows"));
    }
    table_of(name, &header, &plan, columns, rows).map(Some)
}

/// The table of rows read with `header` and `plan`.
fn table_of<T: Float>(
    name: &str,
    header: &[String],
    plan: &Plan,
    columns: &Columns,
    mut rows: rows::Rows<T>,
) -> Result<Table<T>> {
    if rows.decimal == b',' {
        // Numbers in the targets are written as the features write them: "3,1" is 3.1.
        for t in &mut rows.targets {
            for v in &mut t.values {
                if v.contains(',')
                    && let Some(x) = number(v, b',')
                {
                    *v = x.to_string();
                }
            }
        }
    }
    let n = rows.lines.len();
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
    Ok(Table {
        name: name.to_owned(),
        feature_names,
        x,
        columns: rows.columns,
        targets: rows.targets,
        kept: rows.kept,
        lines: rows.lines,
        ignored: plan.ignored.clone(),
        na_values: columns.na_values.clone(),
        decimal: rows.decimal,
    })
}
