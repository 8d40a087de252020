//! Parquet and Arrow IPC (Feather) files: the same table a CSV file of the same columns gives,
//! read column by column (feature `columnar`).
//!
//! Numeric and boolean columns go straight into the feature matrix (a null, NaN or infinity is
//! a missing value); every other column (strings, dates, timestamps, ...) is read as text, as
//! Arrow writes it (`2013-01-01`, `2013-01-01T06:00:00`), and settled as the CSV reader settles
//! text ([`super::text::Settle`]): numbers when it holds only numbers and missing values, else
//! text for the input schema. Rows are numbered as the lines of a CSV file would be: the first
//! row is line 2.
//!
//! A Parquet file's plain numeric feature columns are decoded page by page straight into the
//! matrix ([`super::direct`]); its other columns are decoded through Arrow on the threads of
//! rayon's pool, each thread its share of the columns, and put together batch by batch in the
//! order of the file.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use ndarray::Array2;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::direct::{self, Direct};
use super::plan::plan;
use super::rows::text_columns;
use super::text::{Interner, Settle};
use super::{ColumnRead, Columnar, Columns, Table, available_memory, columnar_kind, data, fits};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// Rows per batch read: a batch's arrays are a few megabytes, which the allocator hands out
/// again for the next batch (batches of 65536 rows of a wide file took hundreds of megabytes,
/// and the system's time to map them about as long as the decoding).
const BATCH_ROWS: usize = 1 << 12;

/// One batch of rows: the columns read, by their place in the file's schema.
struct Batch {
    columns: Vec<Option<ArrayRef>>,
    rows: usize,
}

impl Batch {
    /// Column `i` of the file (one of the columns asked for).
    fn column(&self, i: usize, name: &str) -> Result<&ArrayRef> {
        self.columns.get(i).and_then(Option::as_ref).ok_or_else(|| {
            data(
                Location::file(name),
                format!("column {} was not read", i + 1),
            )
        })
    }
}

type Batches = Box<dyn Iterator<Item = Result<Batch>>>;

/// A thread decoding some columns of a Parquet file: their places in the file's schema, and
/// where their batches come.
type Decoder = (
    Vec<usize>,
    Receiver<std::result::Result<RecordBatch, ArrowError>>,
);

/// A file opened: its kind's reader, not yet reading.
enum Opened {
    /// A Parquet file's path and metadata, from which a reader of any of its columns is made.
    Parquet(ArrowReaderMetadata),
    /// An Arrow IPC file's reader.
    Ipc(arrow_ipc::reader::FileReader<File>),
}

/// Opens the file: its schema, its row count when the file says it, and how to read it.
fn open(path: &Path, name: &str) -> Result<(SchemaRef, Option<usize>, Opened)> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let bad = |e: &dyn std::fmt::Display| data(Location::file(name), format!("{e}"));
    match columnar_kind(path) {
        Some(Columnar::Parquet) => {
            let metadata =
                ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| bad(&e))?;
            let rows = usize::try_from(metadata.metadata().file_metadata().num_rows()).ok();
            Ok((metadata.schema().clone(), rows, Opened::Parquet(metadata)))
        }
        _ => {
            let reader = arrow_ipc::reader::FileReader::try_new(file, None).map_err(|e| bad(&e))?;
            Ok((reader.schema(), None, Opened::Ipc(reader)))
        }
    }
}

/// The batches of the columns at `needed` (ascending). A Parquet file's columns are decoded on
/// as many threads as rayon's pool has (each its share of the columns, by its own reader of the
/// file), an Arrow IPC file's on this one.
fn batches(path: &Path, name: &str, opened: Opened, needed: &[usize]) -> Result<Batches> {
    let bad = |e: &dyn std::fmt::Display| data(Location::file(name), format!("{e}"));
    let width = match &opened {
        Opened::Parquet(metadata) => metadata.schema().fields().len(),
        Opened::Ipc(reader) => reader.schema().fields().len(),
    };
    let metadata = match opened {
        Opened::Ipc(reader) => {
            let owned = name.to_owned();
            return Ok(Box::new(reader.map(move |batch| {
                let batch = batch.map_err(|e| data(Location::file(&owned), format!("{e}")))?;
                Ok(Batch {
                    rows: batch.num_rows(),
                    columns: batch.columns().iter().cloned().map(Some).collect(),
                })
            })));
        }
        Opened::Parquet(metadata) => metadata,
    };
    let threads = rayon::current_num_threads().clamp(1, needed.len().max(1));
    let share = needed.len().div_ceil(threads).max(1);
    let mut decoders = Vec::new();
    for group in needed.chunks(share) {
        // A file of its own: readers of one file description would share its offset.
        let file = File::open(path).map_err(|e| Error::io(name, e))?;
        let mask = ProjectionMask::roots(metadata.parquet_schema(), group.iter().copied());
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone())
            .with_projection(mask)
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| bad(&e))?;
        let (send, receive) = sync_channel(1);
        std::thread::Builder::new()
            .name("parquet-decoder".into())
            .spawn(move || {
                for batch in reader {
                    if send.send(batch).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| Error::io(name, e))?;
        decoders.push((group.to_vec(), receive));
    }
    let owned = name.to_owned();
    Ok(Box::new(std::iter::from_fn(move || {
        zip_batches(&decoders, width, &owned)
    })))
}

/// The next batch of every decoder, as one: `None` when they have all ended. A decoder's error
/// comes first from the first decoder that has one, so the message does not depend on timing.
fn zip_batches(decoders: &[Decoder], width: usize, name: &str) -> Option<Result<Batch>> {
    let fail = |message: String| Some(Err(data(Location::file(name), message)));
    let mut columns = vec![None; width];
    let mut rows = None;
    let mut ended = 0;
    for (group, receive) in decoders {
        let batch = match receive.recv() {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) => return fail(e.to_string()),
            Err(_) => {
                ended += 1;
                continue;
            }
        };
        if *rows.get_or_insert(batch.num_rows()) != batch.num_rows()
            || batch.num_columns() != group.len()
        {
            return fail("the columns' batches do not line up".to_owned());
        }
        for (&i, array) in group.iter().zip(batch.columns()) {
            if let Some(slot) = columns.get_mut(i) {
                *slot = Some(array.clone());
            }
        }
    }
    match (ended, rows) {
        (_, None) => None,
        (0, Some(rows)) => Some(Ok(Batch { columns, rows })),
        _ => fail("some columns have fewer rows than others".to_owned()),
    }
}

/// How one feature column is read.
enum Feature {
    /// Straight into the matrix, as numbers.
    Numbers(ColumnRead),
    /// As text, settled at the end; whether it must stay text.
    Text(Interner, bool),
}

/// Reads a Parquet or Arrow IPC file into a table, choosing columns as [`Columns`] says (as for
/// CSV files).
pub fn read<T: Float>(path: &Path, columns: &Columns) -> Result<Table<T>> {
    let name = path.display().to_string();
    let (schema, rows_hint, opened) = open(path, &name)?;
    let header: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| f.name().trim().to_owned())
        .collect();
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            return Err(data(
                Location::file(&name),
                format!("column {} has no name", i + 1),
            ));
        }
        if header[..i].contains(h) {
            let message = format!("column \"{h}\" appears twice");
            return Err(data(Location::file(&name), message));
        }
    }
    let plan = plan(&name, &header, columns)?;
    let mut features: Vec<Feature> = plan
        .features
        .iter()
        .map(|&i| {
            let t = schema.field(i).data_type();
            let as_text = columns.text.iter().any(|c| *c == header[i]);
            if !as_text && (t.is_numeric() || *t == DataType::Boolean) {
                Feature::Numbers(ColumnRead::default())
            } else {
                Feature::Text(Interner::default(), as_text)
            }
        })
        .collect();
    // A Parquet file's plain numeric feature columns are decoded straight into the matrix.
    let parquet = match &opened {
        Opened::Parquet(metadata) => Some(Arc::clone(metadata.metadata())),
        Opened::Ipc(_) => None,
    };
    let direct: Vec<Direct> = parquet.as_ref().map_or_else(Vec::new, |metadata| {
        let numbers = plan
            .features
            .iter()
            .zip(&features)
            .enumerate()
            .filter(|(_, (_, f))| matches!(f, Feature::Numbers(_)))
            .map(|(j, (&i, _))| (j, i));
        direct::plan(metadata, &schema, numbers)
    });
    let mut is_direct = vec![false; plan.features.len()];
    for d in &direct {
        if let Some(slot) = is_direct.get_mut(d.j) {
            *slot = true;
        }
    }
    let mut needed: Vec<usize> = plan
        .features
        .iter()
        .zip(&is_direct)
        .filter(|(_, d)| !**d)
        .map(|(&i, _)| i)
        .chain(plan.targets.iter().copied())
        .chain(plan.keep.iter().copied())
        .collect();
    needed.sort_unstable();
    needed.dedup();
    let batches = batches(path, &name, opened, &needed)?;
    let budget = available_memory()?;
    let width = plan.features.len();
    if let (Some(rows), Some(budget)) = (rows_hint, budget) {
        // The matrix, before a byte of it is read.
        let bytes = (rows as u64)
            .saturating_mul(width as u64)
            .saturating_mul(std::mem::size_of::<T>() as u64);
        fits(bytes, budget, &name)?;
    }
    let mut targets = text_columns(&header, &plan.targets);
    let mut kept = text_columns(&header, &plan.keep);
    // The matrix, row-major: a Parquet file's (whose rows are known) made at once, its pages
    // mapped as the threads first write them; an Arrow IPC file's filled batch by batch. Text
    // columns are settled into it at the end.
    let mut x: Vec<T> = Vec::new();
    if let Some(metadata) = &parquet {
        let n = rows_hint.ok_or_else(|| data(Location::file(&name), "has no row count"))?;
        let len = n.saturating_mul(width);
        reserve(&mut x, len, &name)?;
        drop(x);
        x = vec![T::zero(); len];
        let missing = match direct.is_empty() {
            true => Vec::new(),
            false => direct::read(path, &name, metadata, &direct, &mut x, width)?,
        };
        for (d, (count, first_row)) in direct.iter().zip(missing) {
            if let Some(Feature::Numbers(seen)) = features.get_mut(d.j) {
                seen.missing += count;
                if let Some(r) = first_row {
                    seen.first_missing
                        .get_or_insert_with(|| (r as u64 + 2, String::new()));
                }
            }
        }
    }
    let mut held = 0u64;
    let mut done = 0usize;
    for batch in batches {
        let batch = batch?;
        let first = done as u64 + 2;
        let n = batch.rows;
        let end = done + n;
        if x.len() < end * width {
            if parquet.is_some() {
                return Err(data(Location::file(&name), "has more rows than it says"));
            }
            let more = end * width - x.len();
            reserve(&mut x, more, &name)?;
            x.resize(end * width, T::nan());
        }
        let rows = x.get_mut(done * width..end * width).unwrap_or_default();
        let mut numeric: Vec<(usize, ArrayRef)> = Vec::new();
        for (j, (&i, feature)) in plan.features.iter().zip(features.iter_mut()).enumerate() {
            if is_direct.get(j).copied().unwrap_or(false) {
                continue;
            }
            let array = batch.column(i, &name)?;
            match feature {
                Feature::Numbers(_) => numeric.push((j, numbers(array, &name)?)),
                Feature::Text(interner, _) => {
                    for v in as_text(array, &name)? {
                        held += interner.push(&v);
                    }
                }
            }
        }
        for ((j, _), (count, first_row)) in numeric.iter().zip(fill(rows, width, &numeric)) {
            if let Feature::Numbers(seen) = &mut features[*j] {
                seen.missing += count;
                if let Some(r) = first_row {
                    seen.first_missing
                        .get_or_insert_with(|| (first + r as u64, String::new()));
                }
            }
        }
        for (&i, column) in plan
            .targets
            .iter()
            .chain(&plan.keep)
            .zip(targets.iter_mut().chain(kept.iter_mut()))
        {
            column
                .values
                .extend(as_text(batch.column(i, &name)?, &name)?);
            column.lines.extend(first..first + n as u64);
        }
        done = end;
        if let Some(budget) = budget {
            fits(
                held + (x.len() * std::mem::size_of::<T>()) as u64,
                budget,
                &name,
            )?;
        }
    }
    if let Some(rows) = rows_hint.filter(|_| parquet.is_some()) {
        if !needed.is_empty() && done != rows {
            let message = format!("has {done} rows in some columns and {rows} in others");
            return Err(data(Location::file(&name), message));
        }
        done = rows;
    }
    let lines: Vec<u64> = (2..done as u64 + 2).collect();
    let n = lines.len();
    if n == 0 {
        return Err(data(Location::file(&name), "has no rows"));
    }
    let settle = Settle {
        lines: &lines,
        options: columns,
        decimal: columns.decimal,
        width,
    };
    let mut seen_columns = Vec::with_capacity(width);
    for (j, feature) in features.into_iter().enumerate() {
        seen_columns.push(match feature {
            Feature::Numbers(seen) => seen,
            Feature::Text(interner, as_text) => settle.column(interner.column, as_text, &mut x, j),
        });
    }
    let x = Array2::from_shape_vec((n, width), x)
        .map_err(|_| Error::shape("reading the feature matrix", n * width, 0))?;
    Ok(Table {
        name,
        feature_names: plan.features.iter().map(|&i| header[i].clone()).collect(),
        x,
        columns: seen_columns,
        targets,
        kept,
        lines,
        ignored: plan.ignored,
        na_values: columns.na_values.clone(),
        decimal: columns.decimal,
    })
}

/// A numeric or boolean column as float64 (a null's value is undefined: see [`fill`]).
fn numbers(array: &ArrayRef, name: &str) -> Result<ArrayRef> {
    arrow_cast::cast(array, &DataType::Float64)
        .map_err(|e| data(Location::file(name), format!("{e}")))
}

/// Rows per tile of [`fill`]: the tile's rows of a wide table stay in the cache while every
/// column writes into them.
const TILE_ROWS: usize = 256;

/// Writes the numeric columns (`(j, float64 array)`) into column j of the row-major `rows`,
/// tile by tile; a null, NaN or infinity (in T) is a missing value, NaN in `rows`. Returns, for
/// each column, how many values are missing and the row of the first.
fn fill<T: Float>(
    rows: &mut [T],
    width: usize,
    numeric: &[(usize, ArrayRef)],
) -> Vec<(usize, Option<usize>)> {
    let values: Vec<(usize, &[f64], Option<_>)> = numeric
        .iter()
        .map(|(j, a)| {
            let v = a.as_primitive::<Float64Type>().values().as_ref();
            (*j, v, a.logical_nulls())
        })
        .collect();
    let mut missing = vec![(0, None); values.len()];
    for (t, tile) in rows.chunks_mut(TILE_ROWS * width).enumerate() {
        let start = t * TILE_ROWS;
        for ((j, v, nulls), (count, first)) in values.iter().zip(missing.iter_mut()) {
            let column = tile
                .chunks_exact_mut(width)
                .zip(v.get(start..).unwrap_or_default());
            for (r, (row, &v)) in column.enumerate() {
                let v = T::of(v);
                let null = nulls.as_ref().is_some_and(|b| b.is_null(start + r));
                if let Some(slot) = row.get_mut(*j) {
                    *slot = if v.is_finite() && !null { v } else { T::nan() };
                }
                if !v.is_finite() || null {
                    *count += 1;
                    first.get_or_insert(start + r);
                }
            }
        }
    }
    missing
}

/// Reserves room for `more` values, checking first that the machine has the memory.
fn reserve<T>(x: &mut Vec<T>, more: usize, name: &str) -> Result<()> {
    x.try_reserve(more).map_err(|_| {
        data(
            Location::file(name),
            "cannot allocate the memory for the data",
        )
    })
}

/// Any column's values as trimmed text, as Arrow writes them ("" for a null).
fn as_text(array: &ArrayRef, name: &str) -> Result<Vec<String>> {
    let cast = arrow_cast::cast(array, &DataType::Utf8)
        .map_err(|e| data(Location::file(name), format!("{e}")))?;
    Ok(cast
        .as_string::<i32>()
        .iter()
        .map(|v| v.map_or_else(String::new, |s| s.trim().to_owned()))
        .collect())
}
