//! The data rows of a CSV file read as numbers, in parallel: a reader thread reads the input
//! (and decompresses it) and cuts it into blocks of whole records ([`Blocks`]); as many workers
//! as rayon's pool has threads parse blocks, each into rows of its own (the fast reader for
//! blocks without quotes, the csv crate's for the others); and this thread appends the blocks'
//! rows to the matrix in file order, as they come.
//!
//! A block's rows depend only on its bytes, so the matrix is the same for any number of
//! threads. Errors keep the order of the file: a block stops at its first problem, and the
//! first block (in the file) that stopped says what is wrong; an error of the input itself
//! comes after every block read before it.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};

use csv::ByteRecord;

use super::blocks::{Block, Blocks};
use super::fast::{Fast, parse_block};
use super::records::each_record;
use super::{ColumnRead, Columns, Plan, TargetColumn, data, grow, small_integer};
use crate::error::{Error, Location, Result};
use crate::float::Float;

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
    /// The first text met in a feature (its line, feature and value), which stops the reading.
    pub text: Option<TextSeen>,
}

/// Text met in a feature by the numeric reader: its line, the feature's place, the value.
pub(super) type TextSeen = (u64, usize, String);

/// What one column of the file is read into.
#[derive(Clone, Debug, Default)]
pub(super) struct Role {
    /// Its place among the features, if it is one.
    pub feature: Option<usize>,
    /// Its places among the target and then the kept columns (it may be both a feature and
    /// kept, or a target and kept).
    pub texts: Vec<usize>,
    /// Its place among the features, when it is only a feature.
    pub number: Option<usize>,
}

/// How the rows of a file are read.
pub(super) struct Reading<'a> {
    /// The input's name, for messages.
    pub name: &'a str,
    /// The header's column names.
    pub header: &'a [String],
    /// Which columns are features, targets and kept.
    pub plan: &'a Plan,
    /// The reading options.
    pub options: &'a Columns,
    /// The field separator.
    pub delimiter: u8,
    /// What each column of the file is read into.
    pub roles: Vec<Role>,
}

impl<'a> Reading<'a> {
    /// How to read the rows of a file with this header, plan and separator.
    pub fn new(
        name: &'a str,
        header: &'a [String],
        plan: &'a Plan,
        options: &'a Columns,
        delimiter: u8,
    ) -> Self {
        let mut roles = vec![Role::default(); header.len()];
        for (j, &i) in plan.features.iter().enumerate() {
            if let Some(role) = roles.get_mut(i) {
                role.feature = Some(j);
            }
        }
        for (k, &i) in plan.targets.iter().chain(&plan.keep).enumerate() {
            if let Some(role) = roles.get_mut(i) {
                role.texts.push(k);
            }
        }
        for role in &mut roles {
            role.number = role.feature.filter(|_| role.texts.is_empty());
        }
        Reading {
            name,
            header,
            plan,
            options,
            delimiter,
            roles,
        }
    }
}

/// How reading a block ended.
enum Outcome {
    /// Every record was read.
    Done,
    /// A feature holds text: the file must be read as text.
    Text,
    /// The first problem in the block.
    Failed(Error),
    /// Reading the block panicked (a bug): the panic goes on in the reading thread.
    Panicked(Box<dyn std::any::Any + Send>),
}

impl<T: Float> Rows<T> {
    /// No rows yet.
    pub fn new(how: &Reading<'_>) -> Self {
        Rows {
            x: Vec::new(),
            columns: vec![ColumnRead::default(); how.plan.features.len()],
            targets: text_columns(how.header, &how.plan.targets),
            kept: text_columns(how.header, &how.plan.keep),
            lines: Vec::new(),
            decimal: how.options.decimal,
            text: None,
        }
    }

    /// Sets feature `j` of the last row (whose values are NaN until set) from its `field`, on
    /// `line`: a number, or NaN for a missing value; false when the field holds text. The one
    /// rule for a feature's field in the numeric reader.
    pub fn set_feature(
        &mut self,
        j: usize,
        field: &[u8],
        line: u64,
        how: &Reading<'_>,
    ) -> Result<bool> {
        let bytes = field.trim_ascii();
        let at = (self.x.len() + j).saturating_sub(how.plan.features.len());
        if let Some(value) = small_integer(bytes) {
            if let Some(v) = self.x.get_mut(at) {
                *v = T::of(value);
            }
            return Ok(true);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| bad_utf8(how.name, line))?;
        match super::number(text, how.options.decimal) {
            Some(value) if T::of(value).is_finite() => {
                if let Some(v) = self.x.get_mut(at) {
                    *v = T::of(value);
                }
            }
            _ if how.options.is_missing(text) => {
                if let Some(seen) = self.columns.get_mut(j) {
                    seen.missing += 1;
                    seen.first_missing
                        .get_or_insert_with(|| (line, text.to_owned()));
                }
            }
            _ => {
                self.text = Some((line, j, text.to_owned()));
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Appends `field`, trimmed, on `line`, to the `k`-th of the target and then kept columns.
    pub fn push_text(
        &mut self,
        k: usize,
        field: &[u8],
        line: u64,
        how: &Reading<'_>,
    ) -> Result<()> {
        let text = std::str::from_utf8(field)
            .map_err(|_| bad_utf8(how.name, line))?
            .trim();
        if let Some(column) = self.targets.iter_mut().chain(self.kept.iter_mut()).nth(k) {
            column.values.push(text.to_owned());
            column.lines.push(line);
        }
        Ok(())
    }

    /// Appends the rows of `more` (which come next in the file), leaving it empty; checks that
    /// the matrix fits in memory as it grows.
    fn append(&mut self, more: &mut Rows<T>, name: &str) -> Result<()> {
        if self.x.capacity() - self.x.len() < more.x.len() {
            grow(&mut self.x, more.x.len(), name)?;
        }
        self.x.extend_from_slice(&more.x);
        more.x.clear();
        self.lines.append(&mut more.lines);
        for (seen, next) in self.columns.iter_mut().zip(more.columns.iter_mut()) {
            seen.missing += std::mem::take(&mut next.missing);
            let first = next.first_missing.take();
            if seen.first_missing.is_none() {
                seen.first_missing = first;
            }
        }
        let columns = self.targets.iter_mut().chain(self.kept.iter_mut());
        for (column, next) in columns.zip(more.targets.iter_mut().chain(more.kept.iter_mut())) {
            column.values.append(&mut next.values);
            column.lines.append(&mut next.lines);
        }
        Ok(())
    }
}

/// The error for a line that is not valid UTF-8.
fn bad_utf8(name: &str, line: u64) -> Error {
    data(Location::file(name).at_line(line), "invalid UTF-8")
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

/// What the appending thread hears from the others.
// Sent once a block, as the tuple of `Read` was before; `End` once.
#[allow(clippy::large_enum_variant)]
enum Message<T> {
    /// Block `i` read by a worker: its bytes, its rows, and how reading it ended.
    Read(usize, Block, Rows<T>, Outcome),
    /// The reader handed out this many blocks, and then met the end of the input or (with it)
    /// an error of the input.
    End(usize, Option<Error>),
}

/// Reads every data row, from `first` (the block after the header) and the blocks after it,
/// as numbers; `None` when a feature holds text that is neither a number nor a missing-value
/// marker, so the file must be read as text (see `super::text`), and then `seen` says where
/// (when a block said it).
pub(super) fn read_rows<T: Float>(
    first: Block,
    blocks: &mut Blocks<'_>,
    (name, header): (&str, &[String]),
    plan: &Plan,
    options: &Columns,
    seen: &mut Option<TextSeen>,
) -> Result<Option<Rows<T>>> {
    let how = &Reading::new(name, header, plan, options, blocks.delimiter);
    let workers = rayon::current_num_threads().max(1);
    // Blocks handed out and not yet appended: enough to keep every worker busy.
    let in_flight = 2 * workers + 2;
    let (jobs, queue) = sync_channel::<(usize, Block)>(in_flight);
    let queue = &Mutex::new(queue);
    let (done, results) = channel::<Message<T>>();
    // The buffers of appended blocks, back to the reader.
    let (give_back, given_back) = channel::<Vec<u8>>();
    let stop = &AtomicBool::new(false);
    let spare: &Mutex<Vec<Rows<T>>> = &Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done = done.clone();
            std::thread::Builder::new()
                .name("csv-parser".into())
                .spawn_scoped(scope, move || {
                    loop {
                        // One worker waits for the next block, the others for the queue.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => break,
                        };
                        let Ok((i, block)) = job else { break };
                        let taken = spare.lock().ok().and_then(|mut s| s.pop());
                        let mut rows = taken.unwrap_or_else(|| Rows::new(how));
                        let outcome = if stop.load(Ordering::Relaxed) {
                            Outcome::Done
                        } else {
                            let read = AssertUnwindSafe(|| read_block(&block, how, &mut rows));
                            std::panic::catch_unwind(read).unwrap_or_else(Outcome::Panicked)
                        };
                        if done.send(Message::Read(i, block, rows, outcome)).is_err() {
                            break;
                        }
                    }
                })
                .map_err(|e| Error::io(name, e))?;
        }
        // The input is read on a thread of its own, so that appending never keeps the workers
        // waiting for blocks (nor reading them, from appending).
        let ended = done.clone();
        std::thread::Builder::new()
            .name("csv-reader".into())
            .spawn_scoped(scope, move || {
                let (handed, error) = hand_out(first, blocks, jobs, &given_back, in_flight, stop);
                let _ = ended.send(Message::End(handed, error));
            })
            .map_err(|e| Error::io(name, e))?;
        drop(done);
        let mut rows = Rows::new(how);
        let mut waiting = BTreeMap::new();
        let mut appended = 0usize;
        let mut end: Option<(usize, Option<Error>)> = None;
        let verdict = 'read: loop {
            if let Some((handed, error)) = &mut end
                && appended == *handed
            {
                break error.take().map_or(Outcome::Done, Outcome::Failed);
            }
            match results.recv() {
                Ok(Message::Read(i, block, more, outcome)) => {
                    waiting.insert(i, (block, more, outcome));
                }
                Ok(Message::End(handed, error)) => end = Some((handed, error)),
                Err(_) => break Outcome::Failed(lost(name)),
            }
            // Append, in file order, the blocks that are ready.
            while let Some((block, mut more, outcome)) = waiting.remove(&appended) {
                appended += 1;
                let _ = give_back.send(block.bytes);
                if !matches!(outcome, Outcome::Done) {
                    *seen = more.text.take();
                    break 'read outcome;
                }
                if let Err(e) = rows.append(&mut more, name) {
                    break 'read Outcome::Failed(e);
                }
                if let Ok(mut s) = spare.lock() {
                    s.push(more);
                }
            }
        };
        // The reader stops at its next block (or as its buffers stop coming back), and the
        // workers when it has stopped and the queue is empty.
        stop.store(true, Ordering::Relaxed);
        drop(give_back);
        match verdict {
            Outcome::Done => Ok(Some(rows)),
            Outcome::Text => Ok(None),
            Outcome::Failed(e) => Err(e),
            Outcome::Panicked(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Hands out `first` and the blocks after it to the workers (`jobs`), numbered in file order,
/// with at most `in_flight` of them out at once: a block's buffer comes back (`back`) once
/// its rows are appended. Stops at the end of the input, at an error of the input (returned),
/// or when `stop` is raised or the appending thread has gone; returns how many blocks it
/// handed out.
fn hand_out(
    first: Block,
    blocks: &mut Blocks<'_>,
    jobs: SyncSender<(usize, Block)>,
    back: &Receiver<Vec<u8>>,
    in_flight: usize,
    stop: &AtomicBool,
) -> (usize, Option<Error>) {
    let (mut handed, mut returned) = (0usize, 0usize);
    let mut next = Some(first);
    while let Some(block) = next.take() {
        while handed - returned >= in_flight {
            match back.recv() {
                Ok(bytes) => {
                    blocks.recycle(bytes);
                    returned += 1;
                }
                Err(_) => return (handed, None),
            }
        }
        while let Ok(bytes) = back.try_recv() {
            blocks.recycle(bytes);
            returned += 1;
        }
        if stop.load(Ordering::Relaxed) || jobs.send((handed, block)).is_err() {
            return (handed, None);
        }
        handed += 1;
        match blocks.next_block() {
            Ok(block) => next = block,
            Err(e) => return (handed, Some(e)),
        }
    }
    (handed, None)
}

/// The error when the parsers are gone (they only stop when told to, or on a bug).
fn lost(name: &str) -> Error {
    Error::io(name, std::io::Error::other("the CSV parsers stopped"))
}

/// Reads one block into `rows` (empty): with the fast reader when it has no quotes and is valid
/// UTF-8, else (or when the fast reader leaves it) with the csv crate's.
fn read_block<T: Float>(block: &Block, how: &Reading<'_>, rows: &mut Rows<T>) -> Outcome {
    let bytes = block.records();
    if memchr::memchr(b'"', bytes).is_none()
        && std::str::from_utf8(bytes).is_ok()
        && parse_block(bytes, block.line, how, rows) == Fast::Done
    {
        return Outcome::Done;
    }
    rows.clear(how);
    let width = how.header.len();
    let read = each_record(block, how.delimiter, how.name, width, |record, line| {
        parse_record(record, line, how, rows)
    });
    match read {
        Ok(true) => Outcome::Done,
        Ok(false) => Outcome::Text,
        Err(e) => Outcome::Failed(e),
    }
}

impl<T: Float> Rows<T> {
    /// Empties the rows, keeping their buffers.
    fn clear(&mut self, how: &Reading<'_>) {
        self.x.clear();
        self.lines.clear();
        for seen in &mut self.columns {
            *seen = ColumnRead::default();
        }
        for column in self.targets.iter_mut().chain(self.kept.iter_mut()) {
            column.values.clear();
            column.lines.clear();
        }
        self.decimal = how.options.decimal;
        self.text = None;
    }
}

/// Appends one record, on `line`, to `rows`: its feature values to `rows.x`, its target and
/// kept values to theirs; false when a feature value is text.
fn parse_record<T: Float>(
    record: &ByteRecord,
    line: u64,
    how: &Reading<'_>,
    rows: &mut Rows<T>,
) -> Result<bool> {
    std::str::from_utf8(record.as_slice()).map_err(|_| bad_utf8(how.name, line))?;
    let field = |i: usize| -> &[u8] { record.get(i).unwrap_or_default() };
    let row = rows.x.len();
    rows.x.resize(row + how.plan.features.len(), T::nan());
    for (j, &i) in how.plan.features.iter().enumerate() {
        if !rows.set_feature(j, field(i), line, how)? {
            return Ok(false);
        }
    }
    for (k, &i) in how.plan.targets.iter().chain(&how.plan.keep).enumerate() {
        rows.push_text(k, field(i), line, how)?;
    }
    rows.lines.push(line);
    Ok(true)
}
