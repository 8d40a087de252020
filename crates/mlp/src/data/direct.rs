//! A Parquet file's plain numeric columns (double, float, int32, int64 and boolean, not nested)
//! decoded page by page straight into the row-major feature matrix (feature `columnar`).
//!
//! Arrow's record batches of a wide file cost more than the decoding: every batch allocates,
//! zeroes and frees its arrays, and each value is then written into the matrix on its own. Here
//! the threads of rayon's pool each decode a group of columns, a block of rows at a time, into
//! a small column-major buffer, and then write the blocks into the matrix, each thread its own
//! rows, a tile of rows at a time: the matrix's memory is written once, by whole cache lines.
//!
//! A null, NaN or infinity (in T) is a missing value, NaN in the matrix, as the Arrow path reads
//! it ([`super::columnar`]); integers and booleans become numbers as Arrow's cast to float64
//! makes them.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_schema::{DataType, Schema};
use parquet::basic::{ConvertedType, Type as Physical};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl, get_column_reader};
use parquet::data_type::{
    BoolType, DataType as ParquetType, DoubleType, FloatType, Int32Type, Int64Type,
};
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaData;
use parquet::file::serialized_reader::SerializedPageReader;
use rayon::prelude::*;

use super::data;
use super::pages::{self, Pages};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// Columns a thread decodes together: one 64-byte line of f32 per row of the matrix.
const GROUP: usize = 16;

/// Bytes of the buffers of the columns decoded at once (all threads), which then go into the
/// matrix: small enough to stay in the cache.
const BLOCK_BYTES: usize = 1 << 20;

/// Rows of the matrix a thread writes at a time, every decoded column into them.
const TILE_ROWS: usize = 32;

/// A column of the file read here: its place in the matrix and its leaf in the Parquet schema.
#[derive(Clone, Copy, Debug)]
pub(super) struct Direct {
    /// The column of the matrix it fills.
    pub j: usize,
    /// Its leaf column in the Parquet schema.
    leaf: usize,
}

/// The columns of the matrix read here, of the file's `columns` (by their place in the Arrow
/// schema; the matrix's column j is `columns[j]`): the top-level, not repeated columns whose
/// Arrow type is the Parquet type's own.
pub(super) fn plan(
    metadata: &ParquetMetaData,
    schema: &Schema,
    columns: impl Iterator<Item = (usize, usize)>,
) -> Vec<Direct> {
    let descriptor = metadata.file_metadata().schema_descr();
    // Each top-level field's first leaf column.
    let mut leaves = vec![None; descriptor.root_schema().get_fields().len()];
    for leaf in (0..descriptor.num_columns()).rev() {
        if let Some(slot) = leaves.get_mut(descriptor.get_column_root_idx(leaf)) {
            *slot = Some(leaf);
        }
    }
    columns
        .filter_map(|(j, i)| leaf_of(metadata, schema, i, leaves.get(i).copied().flatten()?, j))
        .collect()
}

/// Column `i` of the file as a column read here, if it can be: `leaf` is its first leaf.
fn leaf_of(
    metadata: &ParquetMetaData,
    schema: &Schema,
    i: usize,
    leaf: usize,
    j: usize,
) -> Option<Direct> {
    let descriptor = metadata.file_metadata().schema_descr();
    let field = schema.fields().get(i)?;
    let physical = match field.data_type() {
        DataType::Float64 => Physical::DOUBLE,
        DataType::Float32 => Physical::FLOAT,
        DataType::Int32 => Physical::INT32,
        DataType::Int64 => Physical::INT64,
        DataType::Boolean => Physical::BOOLEAN,
        _ => return None,
    };
    let root = descriptor.root_schema().get_fields().get(i)?;
    if !root.is_primitive() || root.name() != field.name() {
        return None;
    }
    let column = descriptor.columns().get(leaf)?;
    let converted = column.converted_type();
    let plain = column.physical_type() == physical
        && column.max_rep_level() == 0
        && column.max_def_level() <= 1
        && (converted == ConvertedType::NONE
            || (physical == Physical::INT32 && converted == ConvertedType::INT_32)
            || (physical == Physical::INT64 && converted == ConvertedType::INT_64));
    plain.then_some(Direct { j, leaf })
}

/// A column's reader, with the buffers it reads into: its pages decoded here, or the `parquet`
/// crate's reader of a column in other encodings (or of booleans).
enum Reader<T> {
    Pages(Pages<T>),
    Double(ColumnReaderImpl<DoubleType>, Vec<f64>),
    Float(ColumnReaderImpl<FloatType>, Vec<f32>),
    Int32(ColumnReaderImpl<Int32Type>, Vec<i32>),
    Int64(ColumnReaderImpl<Int64Type>, Vec<i64>),
    Bool(ColumnReaderImpl<BoolType>, Vec<bool>),
}

/// One thread's columns of one row group: their readers, and the block of rows last decoded
/// (column by column) with what was missing in it.
struct Task<T> {
    /// Each column's reader, and whether it may hold nulls.
    readers: Vec<(Reader<T>, bool)>,
    columns: Vec<Direct>,
    levels: Vec<i16>,
    block: Vec<T>,
    /// Per column: missing values, and the row (from the file's first) of the first.
    missing: Vec<(usize, Option<usize>)>,
}

/// Decodes the `columns` of the file at `path` into the row-major `x` (`width` values a row,
/// as many rows as the file has). Returns, for each column, how many values are missing and
/// the row (0 for the file's first) of the first.
pub(super) fn read<T: Float>(
    path: &Path,
    name: &str,
    metadata: &ParquetMetaData,
    columns: &[Direct],
    x: &mut [T],
    width: usize,
) -> Result<Vec<(usize, Option<usize>)>> {
    let bad = |message: String| data(Location::file(name), message);
    // glibc's malloc maps a block of more than 128 KiB of its own and unmaps it when freed, and
    // gives the top of a thread's heap back to the system, until a freed mapped block raises
    // both thresholds to its size (mallopt(3), "dynamic adjustment"): without this, every
    // column's pages and dictionary (a few hundred KiB each) would be mapped and zeroed by the
    // kernel again, a third of the decoding time. Other allocators lose a moment here.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(16 << 20)));
    let threads = rayon::current_num_threads().max(1);
    let mut missing = vec![(0, None); columns.len()];
    let rows_total = x.len() / width.max(1);
    let mut start = 0usize;
    for (g, group) in metadata.row_groups().iter().enumerate() {
        let rows = usize::try_from(group.num_rows())
            .ok()
            .filter(|r| start.checked_add(*r).is_some_and(|end| end <= rows_total))
            .ok_or_else(|| bad(format!("row group {} has more rows than the file", g + 1)))?;
        let wave = threads * GROUP;
        for (w, wave_columns) in columns.chunks(wave).enumerate() {
            let mut tasks: Vec<Task<T>> = wave_columns
                .par_chunks(GROUP)
                .map(|cols| open(path, name, metadata, g, rows, cols))
                .collect::<Result<_>>()?;
            let block_rows =
                (BLOCK_BYTES / (wave_columns.len() * std::mem::size_of::<T>())).max(TILE_ROWS);
            let mut done = 0;
            while done < rows {
                let n = block_rows.min(rows - done);
                let first = start + done;
                tasks
                    .par_iter_mut()
                    .try_for_each(|t| t.decode(n, first, name))?;
                let block = x
                    .get_mut(first * width..(first + n) * width)
                    .ok_or_else(|| bad("the matrix is smaller than the file".to_owned()))?;
                let per = n.div_ceil(threads).next_multiple_of(TILE_ROWS);
                let decoded: Vec<(&[Direct], &[T])> = tasks
                    .iter()
                    .map(|t| (t.columns.as_slice(), t.block.as_slice()))
                    .collect();
                block
                    .par_chunks_mut(per * width)
                    .enumerate()
                    .for_each(|(p, rows)| write(rows, width, p * per, n, &decoded));
                done += n;
            }
            for (t, task) in tasks.into_iter().enumerate() {
                let base = w * wave + t * GROUP;
                for (k, (count, row)) in task.missing.into_iter().enumerate() {
                    if let Some(m) = missing.get_mut(base + k) {
                        m.0 += count;
                        if m.1.is_none() {
                            m.1 = row;
                        }
                    }
                }
            }
        }
        start += rows;
    }
    if start != rows_total {
        return Err(bad(format!(
            "the row groups hold {start} rows, the file says {rows_total}"
        )));
    }
    Ok(missing)
}

/// Opens the readers of `columns` in row group `g` (of `rows` rows), on a file of their own.
fn open<T: Float>(
    path: &Path,
    name: &str,
    metadata: &ParquetMetaData,
    g: usize,
    rows: usize,
    columns: &[Direct],
) -> Result<Task<T>> {
    let bad = |e: &dyn std::fmt::Display| data(Location::file(name), format!("{e}"));
    // A file of its own: the page readers seek and read it, which would race on a shared one.
    let file = Arc::new(File::open(path).map_err(|e| Error::io(name, e))?);
    let group = metadata
        .row_groups()
        .get(g)
        .ok_or_else(|| bad(&"no such row group"))?;
    let descriptor = metadata.file_metadata().schema_descr();
    let mut readers = Vec::with_capacity(columns.len());
    for &c in columns {
        let (chunk, column) = group
            .columns()
            .get(c.leaf)
            .zip(descriptor.columns().get(c.leaf))
            .ok_or_else(|| bad(&"a column chunk is missing"))?;
        let pages =
            SerializedPageReader::new(Arc::clone(&file), chunk, rows, None).map_err(|e| bad(&e))?;
        let nullable = column.max_def_level() > 0;
        if pages::handles(chunk) {
            let pages = Pages::new(Box::new(pages), column.physical_type(), nullable);
            readers.push((Reader::Pages(pages), nullable));
            continue;
        }
        let reader = match get_column_reader(Arc::clone(column), Box::new(pages)) {
            ColumnReader::DoubleColumnReader(r) => Reader::Double(r, Vec::new()),
            ColumnReader::FloatColumnReader(r) => Reader::Float(r, Vec::new()),
            ColumnReader::Int32ColumnReader(r) => Reader::Int32(r, Vec::new()),
            ColumnReader::Int64ColumnReader(r) => Reader::Int64(r, Vec::new()),
            ColumnReader::BoolColumnReader(r) => Reader::Bool(r, Vec::new()),
            _ => return Err(bad(&"a column's type changed")),
        };
        readers.push((reader, nullable));
    }
    Ok(Task {
        missing: vec![(0, None); readers.len()],
        readers,
        columns: columns.to_vec(),
        levels: Vec::new(),
        block: Vec::new(),
    })
}

impl<T: Float> Task<T> {
    /// Decodes the next `n` rows (the first is the file's row `first`) of every column into
    /// `self.block`, column by column.
    fn decode(&mut self, n: usize, first: usize, name: &str) -> Result<()> {
        self.block.clear();
        self.block.reserve(n * self.readers.len());
        for (k, (reader, nullable)) in self.readers.iter_mut().enumerate() {
            let start = self.block.len();
            let levels = nullable.then_some(&mut self.levels);
            let read = match reader {
                Reader::Pages(p) => p.read(n, &mut self.block).map_err(ParquetError::General),
                Reader::Double(r, v) => values(r, v, levels, n, &mut self.block, |v| v),
                Reader::Float(r, v) => values(r, v, levels, n, &mut self.block, f64::from),
                Reader::Int32(r, v) => values(r, v, levels, n, &mut self.block, f64::from),
                #[allow(clippy::cast_precision_loss)]
                Reader::Int64(r, v) => values(r, v, levels, n, &mut self.block, |v| v as f64),
                Reader::Bool(r, v) => {
                    values(r, v, levels, n, &mut self.block, |v| f64::from(u8::from(v)))
                }
            }
            .map_err(|e| data(Location::file(name), format!("{e}")))?;
            if read != n {
                return Err(data(
                    Location::file(name),
                    format!("a column has {read} rows where its row group has {n}"),
                ));
            }
            let seen = self.block.get(start..).unwrap_or_default();
            // Every missing value is NaN by now.
            let count = seen.iter().filter(|v| v.is_nan()).count();
            if count > 0
                && let Some(m) = self.missing.get_mut(k)
            {
                m.0 += count;
                if let Some(at) = seen.iter().position(|v| v.is_nan()) {
                    m.1.get_or_insert(first + at);
                }
            }
        }
        Ok(())
    }
}

/// Reads `n` rows of a column into `out` (appended) as T: a null, NaN or infinity as NaN.
/// Returns how many rows were read.
fn values<P: ParquetType, T: Float>(
    reader: &mut ColumnReaderImpl<P>,
    buffer: &mut Vec<P::T>,
    levels: Option<&mut Vec<i16>>,
    n: usize,
    out: &mut Vec<T>,
    number: impl Fn(P::T) -> f64,
) -> parquet::errors::Result<usize>
where
    P::T: Copy,
{
    let of = |v: P::T| {
        let v = T::of(number(v));
        if v.is_finite() { v } else { T::nan() }
    };
    buffer.clear();
    match levels {
        None => {
            let (rows, _, _) = reader.read_records(n, None, None, buffer)?;
            out.extend(buffer.iter().map(|&v| of(v)));
            Ok(rows)
        }
        Some(levels) => {
            levels.clear();
            let (rows, _, _) = reader.read_records(n, Some(levels), None, buffer)?;
            let mut values = buffer.iter();
            for &level in levels.iter() {
                // Level 1 is a value; 0 a null (no value in `buffer`).
                let v = if level > 0 {
                    values.next().map(|&v| of(v))
                } else {
                    None
                };
                out.push(v.unwrap_or_else(T::nan));
            }
            Ok(rows)
        }
    }
}

/// Writes the decoded blocks (their columns, and their values column by column) into `rows`
/// (whole rows of the matrix, the block's rows from `from` on; the block has `n` rows), a tile
/// of rows at a time.
fn write<T: Float>(
    rows: &mut [T],
    width: usize,
    from: usize,
    n: usize,
    decoded: &[(&[Direct], &[T])],
) {
    for (t, tile) in rows.chunks_mut(TILE_ROWS * width).enumerate() {
        let at = from + t * TILE_ROWS;
        for (columns, block) in decoded {
            for (k, c) in columns.iter().enumerate() {
                let column = block.get(k * n + at..).unwrap_or_default();
                for (row, &v) in tile.chunks_exact_mut(width).zip(column) {
                    if let Some(slot) = row.get_mut(c.j) {
                        *slot = v;
                    }
                }
            }
        }
    }
}
