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

use super::{Plan, TargetColumn, data, finite, grow, next, quote, small_integer};
use crate::{Error, Float, Location, Result};

/// Records per batch: enough that passing a batch costs nothing next to parsing it.
const BATCH_RECORDS: usize = 256;

/// Batches in flight: the splitter may run this far ahead of the parser.
const BATCHES_IN_FLIGHT: usize = 4;

/// The feature values (row after row), the target columns and the number of rows.
pub(super) type Rows<T> = (Vec<T>, Vec<TargetColumn>, usize);

/// Reads every data row after the header from `reader`.
pub(super) fn read_rows<T: Float, R: Read>(
    mut reader: Reader<R>,
    name: &str,
    gzip: bool,
    header: &[String],
    plan: &Plan,
) -> Result<Rows<T>> {
    let (full_tx, full_rx) = sync_channel::<Vec<ByteRecord>>(BATCHES_IN_FLIGHT);
    let (empty_tx, empty_rx) = sync_channel::<Vec<ByteRecord>>(BATCHES_IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let parser = std::thread::Builder::new()
            .name("csv-parser".into())
            .spawn_scoped(scope, move || {
                parse_batches(full_rx, empty_tx, name, header, plan)
            })
            .map_err(|e| Error::io(name, e))?;
        let split = split_records(&mut reader, name, gzip, header.len(), full_tx, empty_rx);
        // The parser's result covers every line before the splitter stopped: its error, if
        // any, comes first in the file.
        let parsed = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let parsed = parsed?;
        split.map(|()| parsed)
    })
}

/// Splits the input into records, sending them to the parser in batches, until the input ends
/// (`Ok`), a line is malformed or the input fails (`Err`), or the parser stops listening.
fn split_records<R: Read>(
    reader: &mut Reader<R>,
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
                    let line = record.position().map_or(0, csv::Position::line);
                    let message = format!(
                        "line {line} has {} fields, the header has {width}",
                        record.len()
                    );
                    failure = Some(data(Location::file(name), message));
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

/// Parses the batches of records, in order, into the feature values and the target columns.
fn parse_batches<T: Float>(
    full: Receiver<Vec<ByteRecord>>,
    empty: SyncSender<Vec<ByteRecord>>,
    name: &str,
    header: &[String],
    plan: &Plan,
) -> Result<Rows<T>> {
    let mut targets: Vec<TargetColumn> = plan
        .targets
        .iter()
        .map(|&i| TargetColumn {
            name: header.get(i).cloned().unwrap_or_default(),
            values: Vec::new(),
            lines: Vec::new(),
        })
        .collect();
    let mut x: Vec<T> = Vec::new();
    let mut rows = 0usize;
    for batch in full {
        for record in &batch {
            parse_record(record, name, header, plan, &mut x, &mut targets)?;
            rows += 1;
        }
        // The splitter may have finished: then the batch is simply dropped.
        let _ = empty.try_send(batch);
    }
    Ok((x, targets, rows))
}

/// Appends one record's feature values to `x` and its target values to `targets`.
fn parse_record<T: Float>(
    record: &ByteRecord,
    name: &str,
    header: &[String],
    plan: &Plan,
    x: &mut Vec<T>,
    targets: &mut [TargetColumn],
) -> Result<()> {
    let line = record.position().map_or(0, csv::Position::line);
    let bad_utf8 = || data(Location::file(name).at_line(line), "invalid UTF-8");
    std::str::from_utf8(record.as_slice()).map_err(|_| bad_utf8())?;
    let field = |i: usize| -> (&[u8], &str) {
        let bytes = record
            .get(i)
            .expect("invariant: the row has as many fields as the header");
        (bytes, header.get(i).map_or("", String::as_str))
    };
    if x.capacity() - x.len() < plan.features.len() {
        grow(x, plan.features.len(), name)?;
    }
    for &i in &plan.features {
        let (bytes, column) = field(i);
        let bytes = bytes.trim_ascii();
        if let Some(value) = small_integer(bytes) {
            x.push(T::of(value));
            continue;
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad_utf8())?;
        let at = || Location::file(name).at_line(line).at_column(column);
        if text.is_empty() {
            return Err(data(at(), "empty value"));
        }
        let value = T::of(finite(text).map_err(|message| data(at(), message))?);
        if !value.is_finite() {
            return Err(data(
                at(),
                format!("{} is too large for {}", quote(text), T::NAME),
            ));
        }
        x.push(value);
    }
    for (&i, target) in plan.targets.iter().zip(targets.iter_mut()) {
        let (bytes, column) = field(i);
        let text = std::str::from_utf8(bytes).map_err(|_| bad_utf8())?.trim();
        if text.is_empty() {
            return Err(data(
                Location::file(name).at_line(line).at_column(column),
                "empty value",
            ));
        }
        target.values.push(text.to_owned());
        target.lines.push(line);
    }
    Ok(())
}
