//! Records read by the csv crate, for any CSV text: quoted fields, quotes written twice, line
//! breaks inside quotes. The fast reader (`super::fast`) takes the blocks without quotes; this
//! one takes the rest, and the header.
//!
//! A record's line is the line of the file its first byte is on (empty lines before it are
//! skipped, as the parser skips them), counted the same way whichever reader reads it.

use csv::{ByteRecord, Reader, ReaderBuilder};

use super::blocks::Block;
use super::quotes::QuoteWatch;
use super::{data, stream_error};
use crate::error::{Error, Location, Result};

/// The csv crate's reader of `bytes`, separated by `delimiter`, which start a record on `line`.
pub(super) fn reader(bytes: &[u8], delimiter: u8, line: u64) -> Reader<QuoteWatch<&[u8]>> {
    ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(QuoteWatch::from_line(bytes, delimiter, line))
}

/// The lines of the records of one text, found from where the parser started each record.
pub(super) struct Lines {
    /// A byte of the text...
    at: usize,
    /// ...and its line.
    line: u64,
}

impl Lines {
    /// Lines of a text whose first byte is on `line`.
    pub fn new(line: u64) -> Self {
        Lines { at: 0, line }
    }

    /// The line of the record the parser read from byte `from` of `bytes` (the bytes it read
    /// before the record: the empty lines it skipped, or the `\n` of a `\r\n`, come first).
    /// Records are asked for in order.
    pub fn of(&mut self, bytes: &[u8], from: u64) -> u64 {
        let from = usize::try_from(from).unwrap_or(usize::MAX).max(self.at);
        let before = bytes.get(self.at..from).unwrap_or_default();
        self.line += super::blocks::newlines(before);
        let skipped = bytes.get(from..).unwrap_or_default();
        let empty = skipped
            .iter()
            .position(|&b| b != b'\n' && b != b'\r')
            .unwrap_or(skipped.len());
        self.line += super::blocks::newlines(skipped.get(..empty).unwrap_or_default());
        self.at = from + empty;
        self.line
    }
}

/// Calls `each(record, line)` on each record of `block` in order, until it returns false
/// (then false) or fails. A record whose number of fields is not `width` is an error, and so
/// is a quoted field still open at the end of the block (which only the last block can have).
pub(super) fn each_record(
    block: &Block,
    delimiter: u8,
    name: &str,
    width: usize,
    mut each: impl FnMut(&ByteRecord, u64) -> Result<bool>,
) -> Result<bool> {
    let bytes = block.records();
    let mut reader = reader(bytes, delimiter, block.line);
    let mut lines = Lines::new(block.line);
    let mut record = ByteRecord::new();
    while next(&mut reader, &mut record, name)? {
        let from = record.position().map_or(0, csv::Position::byte);
        let line = lines.of(bytes, from);
        if record.len() != width {
            return Err(ragged(&mut reader, name, &record, width, line));
        }
        if !each(&record, line)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Reads the next record; false at the end of the text. A quoted field still open at the end
/// of the text is an error.
pub(super) fn next(
    reader: &mut Reader<QuoteWatch<&[u8]>>,
    record: &mut ByteRecord,
    name: &str,
) -> Result<bool> {
    let more = reader.read_byte_record(record).map_err(|e| {
        let message = e.to_string();
        match e.into_kind() {
            csv::ErrorKind::Io(err) => stream_error(name, err, false),
            _ => data(Location::file(name), message),
        }
    })?;
    if !more && let Some(line) = reader.get_ref().open_quote() {
        return Err(unclosed_quote(name, line));
    }
    Ok(more)
}

/// The error for a record on `line` whose number of fields is not the header's `width`; or,
/// when the record runs to the end of the text inside a quoted field, the error for that quote
/// (which made the record swallow the lines after it).
fn ragged(
    reader: &mut Reader<QuoteWatch<&[u8]>>,
    name: &str,
    record: &ByteRecord,
    width: usize,
    line: u64,
) -> Error {
    // A record that is the last one, with a quote still open, ran to the end inside it.
    if let Ok(false) = reader.read_byte_record(&mut ByteRecord::new())
        && let Some(line) = reader.get_ref().open_quote()
    {
        return unclosed_quote(name, line);
    }
    let (file, line) = super::file_line(name, line);
    let message = format!(
        "line {line} has {} fields, the header has {width}",
        record.len()
    );
    data(Location::file(file.unwrap_or(name)), message)
}

/// The error for a quoted field whose quote, opened on `line`, is never closed.
pub(super) fn unclosed_quote(name: &str, line: u64) -> Error {
    data(
        Location::file(name).at_line(line),
        "a quote opened on this line is never closed (the field would run to the end of the file)",
    )
}
