//! A CSV file (or several, see [`Source::Files`]) read a piece at a time: each piece a table of
//! the rows of about a given number of bytes, parsed by the same reader as the whole file, so
//! that its numbers are the bits the whole file's table holds. For data larger than memory:
//! the file is read again for every pass over it.

use std::fs::File;

use super::blocks::{Block, Blocks, Input};
use super::plan::{Plan, plan};
use super::rows::read_rows;
use super::{
    BLOCK_BYTES, Columns, Source, Table, columnar_kind, data, decompressed, header_of, number,
    table_of,
};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// A data source read in pieces of rows, from the start again on [`CsvStream::restart`].
pub struct CsvStream {
    source: Source,
    columns: Columns,
    piece_bytes: usize,
    name: String,
    header: Vec<String>,
    plan: Option<Plan>,
    blocks: Option<Blocks<'static>>,
    first: Option<Block>,
    /// Bytes of the input handed out since the start, for progress.
    bytes_read: u64,
}

impl CsvStream {
    /// Opens `source` (a file or several, CSV plain or gzip-compressed) to be read in pieces of
    /// about `piece_bytes` bytes of text, with `columns`. Features are read as numbers:
    /// columns read as text ([`Columns::text`]) and missing-value markers that are numbers are
    /// refused.
    pub fn open(source: &Source, columns: &Columns, piece_bytes: usize) -> Result<CsvStream> {
        let numeric_na = columns
            .na_values
            .iter()
            .any(|v| number(v, columns.decimal).is_some());
        if numeric_na || !columns.text.is_empty() {
            return Err(Error::config(
                "memory",
                "data streamed from disk is read as numbers: no categorical columns, and no \
                 missing-value marker that is a number",
            ));
        }
        let mut stream = CsvStream {
            source: source.clone(),
            columns: columns.clone(),
            piece_bytes: piece_bytes.max(1),
            name: source.name(),
            header: Vec::new(),
            plan: None,
            blocks: None,
            first: None,
            bytes_read: 0,
        };
        stream.restart()?;
        Ok(stream)
    }

    /// The source's name, as tables and messages give it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Bytes of text read since the last [`CsvStream::restart`].
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Starts again from the first data row.
    pub fn restart(&mut self) -> Result<()> {
        let paths = match &self.source {
            Source::Path(p) => vec![p.clone()],
            Source::Files(paths) => paths.clone(),
            _ => {
                return Err(Error::config(
                    "memory",
                    "data streamed from disk is read again for every pass: give files, not \
                     standard input",
                ));
            }
        };
        let mut inputs = Vec::with_capacity(paths.len());
        for path in &paths {
            let name = path.display().to_string();
            if columnar_kind(path).is_some() {
                return Err(data(
                    Location::file(&name),
                    "is a Parquet or Arrow file: data streamed from disk is CSV",
                ));
            }
            let file = File::open(path).map_err(|e| Error::io(&name, e))?;
            inputs.push(Input {
                name,
                reader: Box::new(file),
            });
        }
        let mut inputs = inputs.into_iter();
        let Some(Input { name, reader }) = inputs.next() else {
            return Err(data(Location::file(&self.name), "is empty"));
        };
        let (input, gzip) = decompressed(&name, reader)?;
        let mut blocks = Blocks::open(input, &name, gzip, self.columns.delimiter, BLOCK_BYTES)?;
        let empty = || data(Location::file(&name), "is empty");
        let mut first = blocks.next_block()?.ok_or_else(empty)?;
        let header = header_of(&name, &mut first, blocks.delimiter)?;
        blocks.then(inputs.collect(), &name, &header);
        self.plan = Some(plan(&self.name, &header, &self.columns)?);
        self.header = header;
        self.bytes_read = first.bytes.len() as u64;
        self.first = Some(first);
        self.blocks = Some(blocks);
        Ok(())
    }

    /// The next piece of rows, in file order (never empty); `None` after the last.
    pub fn next_piece<T: Float>(&mut self) -> Result<Option<Table<T>>> {
        let (Some(blocks), Some(plan)) = (self.blocks.as_mut(), self.plan.as_ref()) else {
            return Ok(None);
        };
        loop {
            let first = match self.first.take() {
                Some(b) => b,
                None => match blocks.next_block()? {
                    Some(b) => {
                        self.bytes_read += b.bytes.len() as u64;
                        b
                    }
                    None => return Ok(None),
                },
            };
            blocks.limit(Some(self.piece_bytes.saturating_sub(first.bytes.len())));
            let mut seen = None;
            let how = (self.name.as_str(), self.header.as_slice());
            let read = read_rows(first, blocks, how, plan, &self.columns, &mut seen);
            self.bytes_read += blocks.handed() as u64;
            blocks.limit(None);
            let Some(rows) = read? else {
                let message = "data streamed from disk is read as numbers (--drop the column, \
                               or give --memory enough to hold the data)";
                let at = Location::file(&self.name);
                return Err(match seen {
                    Some((line, j, value)) => {
                        let column = plan.features.get(j).and_then(|&i| self.header.get(i));
                        let at = at
                            .at_line(line)
                            .at_column(column.map_or("", String::as_str));
                        data(at, format!("{} is text: {message}", super::quote(&value)))
                    }
                    None => data(at, format!("a feature column holds text: {message}")),
                });
            };
            if rows.lines.is_empty() {
                continue;
            }
            let table = table_of(&self.name, &self.header, plan, &self.columns, rows)?;
            return Ok(Some(table));
        }
    }
}
