//! The data rows of a CSV file, read on two threads: this one splits the text into records
//! (the csv crate), a second one turns the records' fields into numbers. Each does about half
//! of the work, so a large file is read in about half the time.
//!
//! Records travel in batches through a bounded channel, and the emptied batches come back to be
//! refilled, so memory stays a few batches beyond the matrix being built. Errors keep the order
//! of the file: when the splitter finds a malformed line, the parser first finishes every line
//! before it, and its own error wins if it has one.

use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use csv::{ByteRecord, Reader};

use super::{ColumnRead, Columns, Plan, QuoteWatch, TargetColumn, data, grow, next, small_integer};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// Records per batch: enough that passing a batch costs nothing next to parsing it.
const BATCH_RECORDS: usize = 256;

/// Batches in flight: the splitter may run this far ahead of the parser.
const BATCHES_IN_FLIGHT: usize = 4;

/// What the data rows hold.
pub(super) struct Rows<T> {
    /// The feature values, row after row.
    pub x: Vec<T>,
    /// What was seen in each feature column.
    pub columns: Vec<ColumnRead>,
    /// The target columns, as text.
    pub targets: Vec<TargetColumn>,
    /// The kept columns, as text.
    pub kept: Vec<TargetColumn>,
    /// The file line of each row.
    pub lines: Vec<u64>,
    /// The decimal separator the numbers were read with.
    pub decimal: u8,
}

/// Reads every data row after the header from `reader` as numbers; `None` when a feature holds
/// text that is neither a number nor a missing-value marker, so the file must be read as text
/// (see `super::text`).
pub(super) fn read_rows<T: Float, R: Read>(
    mut reader: Reader<QuoteWatch<R>>,
    name: &str,
    gzip: bool,
    header: &[String],
    plan: &Plan,
    options: &Columns,
) -> Result<Option<Rows<T>>> {
    let (full_tx, full_rx) = sync_channel::<Vec<ByteRecord>>(BATCHES_IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel::<Vec<ByteRecord>>(BATCHES_IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let parser = std::thread::Builder::new()
            .name("csv-parser".into())
            .spawn_scoped(scope, move || {
                parse_batches(full_rx, empty_tx, name, header, plan, options)
            })
            .map_err(|e| Error::io(name, e))?;
        let split = split_records(&mut reader, name, gzip, header.len(), full_tx, empty_rx);
        // The parser's result covers every line before the splitter stopped: its error, if
        // any, comes first in the file.
        let parsed = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let parsed = parsed?;
        match parsed {
            // The parser stopped listening: what the splitter found after that does not count.
            None => Ok(None),
            Some(rows) => split.map(|()| Some(rows)),
        }
    })
}

/// Splits the input into records, sending them to the parser in batches, until the input ends
/// (`Ok`), a line is malformed or the input fails (`Err`), or the parser stops listening.
fn split_records<R: Read>(
    reader: &mut Reader<QuoteWatch<R>>,
    name: &str,
    gzip: bool,
    width: usize,
    full: SyncSender<Vec<ByteRecord>>,
    empty: Receiver<Vec<ByteRecord>>,
) -> Result<()> {
    loop {
        let mut batch = empty.try_recv().unwrap_or_default();
        batch.resize_with(BATCH_RECORDS, ByteRecord::new);
        let mut filled = 0;
        let mut failure = None;
        for record in batch.iter_mut() {
            match next(reader, record, name, gzip) {
                Ok(true) if record.len() != width => {
                    failure = Some(super::ragged(reader, name, record, width));
                    break;
                }
                Ok(true) => filled += 1,
                Ok(false) => break,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let done = filled < BATCH_RECORDS;
        batch.truncate(filled);
        if !batch.is_empty() && full.send(batch).is_err() {
            // The parser has stopped at an error of its own, which it reports.
            return Ok(());
        }
        match failure {
            Some(e) => return Err(e),
            None if done => return Ok(()),
            None => {}
        }
    }
}

/// Empty text columns named as the header names the columns at `indices`.
pub(super) fn text_columns(header: &[String], indices: &[usize]) -> Vec<TargetColumn> {
    indices
        .iter()
        .map(|&i| TargetColumn {
            name: header.get(i).cloned().unwrap_or_default(),
            values: Vec::new(),
            lines: Vec::new(),
        })
        .collect()
}

/// Parses the batches of records, in order, into the feature values and the target columns;
/// `None` as soon as a feature holds text.
fn parse_batches<T: Float>(
    full: Receiver<Vec<ByteRecord>>,
    empty: SyncSender<Vec<ByteRecord>>,
    name: &str,
    header: &[String],
    plan: &Plan,
    options: &Columns,
) -> Result<Option<Rows<T>>> {
    let mut rows = Rows {
        x: Vec::new(),
        columns: vec![ColumnRead::default(); plan.features.len()],
        targets: text_columns(header, &plan.targets),
        kept: text_columns(header, &plan.keep),
        lines: Vec::new(),
        decimal: options.decimal,
    };
    for batch in full {
        for record in &batch {
            if !parse_record(record, name, header, plan, options, &mut rows)? {
                return Ok(None);
            }
        }
        // The splitter may have finished: then the batch is simply dropped.
        let _ = empty.try_send(batch);
    }
    Ok(Some(rows))
}

/// Appends one record's feature values to `rows.x` and its target and kept values to theirs;
/// false when a feature value is text.
fn parse_record<T: Float>(
    record: &ByteRecord,
    name: &str,
    header: &[String],
    plan: &Plan,
    options: &Columns,
    rows: &mut Rows<T>,
) -> Result<bool> {
    let _ = header;
    let line = record.position().map_or(0, csv::Position::line);
    let bad_utf8 = || data(Location::file(name).at_line(line), "invalid UTF-8");
    std::str::from_utf8(record.as_slice()).map_err(|_| bad_utf8())?;
    let field = |i: usize| -> &[u8] {
        record
            .get(i)
            .expect("invariant: the row has as many fields as the header")
    };
    let x = &mut rows.x;
    if x.capacity() - x.len() < plan.features.len() {
        grow(x, plan.features.len(), name)?;
    }
    for (&i, seen) in plan.features.iter().zip(rows.columns.iter_mut()) {
        let bytes = field(i).trim_ascii();
        if let Some(value) = small_integer(bytes) {
            x.push(T::of(value));
            continue;
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad_utf8())?;
        match super::number(text, options.decimal) {
            Some(value) if T::of(value).is_finite() => x.push(T::of(value)),
            _ if options.is_missing(text) => {
                x.push(T::nan());
                seen.missing += 1;
                seen.first_missing
                    .get_or_insert_with(|| (line, text.to_owned()));
            }
            _ => return Ok(false),
        }
    }
    for (&i, target) in plan
        .targets
        .iter()
        .chain(&plan.keep)
        .zip(rows.targets.iter_mut().chain(rows.kept.iter_mut()))
    {
        let text = std::str::from_utf8(field(i))
            .map_err(|_| bad_utf8())?
            .trim();
        target.values.push(text.to_owned());
        target.lines.push(line);
    }
    rows.lines.push(line);
    Ok(true)
}
