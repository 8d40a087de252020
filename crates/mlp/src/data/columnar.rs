//! Parquet and Arrow IPC (Feather) files: the same table a CSV file of the same columns gives,
//! read column by column (feature `columnar`).
//!
//! Numeric and boolean columns go straight into the feature matrix (a null, NaN or infinity is
//! a missing value); every other column (strings, dates, timestamps, ...) is read as text, as
//! Arrow writes it (`2013-01-01`, `2013-01-01T06:00:00`), and settled as the CSV reader settles
//! text ([`super::text::Settle`]): numbers when it holds only numbers and missing values, else
//! text for the input schema. Rows are numbered as the lines of a CSV file would be: the first
//! row is line 2.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use ndarray::Array2;

use super::plan::plan;
use super::rows::text_columns;
use super::text::{Interner, Settle};
use super::{ColumnRead, Columnar, Columns, Table, available_memory, columnar_kind, data, fits};
use crate::error::{Error, Location, Result};
use crate::float::Float;

/// Rows per batch read.
const BATCH_ROWS: usize = 1 << 16;

type Batches = Box<dyn Iterator<Item = std::result::Result<RecordBatch, ArrowError>>>;

/// Opens the file: its schema, its row count when the file says it, and its batches.
fn open(path: &Path, name: &str) -> Result<(SchemaRef, Option<usize>, Batches)> {
    let file = File::open(path).map_err(|e| Error::io(name, e))?;
    let bad = |e: &dyn std::fmt::Display| data(Location::file(name), format!("{e}"));
    match columnar_kind(path) {
        Some(Columnar::Parquet) => {
            let builder =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .map_err(|e| bad(&e))?;
            let rows = usize::try_from(builder.metadata().file_metadata().num_rows()).ok();
            let schema = builder.schema().clone();
            let reader = builder
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| bad(&e))?;
            Ok((schema, rows, Box::new(reader)))
        }
        _ => {
            let reader = arrow_ipc::reader::FileReader::try_new(file, None).map_err(|e| bad(&e))?;
            let schema = reader.schema();
            Ok((schema, None, Box::new(reader)))
        }
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
    let (schema, rows_hint, batches) = open(path, &name)?;
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
    let budget = available_memory()?;
    if let (Some(rows), Some(budget)) = (rows_hint, budget) {
        // The matrix, before a byte of it is read.
        let bytes = (rows as u64)
            .saturating_mul(plan.features.len() as u64)
            .saturating_mul(std::mem::size_of::<T>() as u64);
        fits(bytes, budget, &name)?;
    }
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
    let mut targets = text_columns(&header, &plan.targets);
    let mut kept = text_columns(&header, &plan.keep);
    let mut lines: Vec<u64> = Vec::with_capacity(rows_hint.unwrap_or(0));
    let width = plan.features.len();
    // The matrix, row-major, filled batch by batch; text columns are settled into it at the end.
    let mut x: Vec<T> = Vec::new();
    reserve(&mut x, rows_hint.unwrap_or(0).saturating_mul(width), &name)?;
    let mut held = 0u64;
    for batch in batches {
        let batch = batch.map_err(|e| data(Location::file(&name), format!("{e}")))?;
        let first = lines.len() as u64 + 2;
        let n = batch.num_rows();
        lines.extend(first..first + n as u64);
        let base = x.len();
        reserve(&mut x, n.saturating_mul(width), &name)?;
        x.resize(base + n * width, T::nan());
        let rows = &mut x[base..];
        let mut numeric: Vec<(usize, ArrayRef)> = Vec::new();
        for (j, (&i, feature)) in plan.features.iter().zip(features.iter_mut()).enumerate() {
            let array = batch.column(i);
            match feature {
                Feature::Numbers(_) => numeric.push((j, numbers(array, &name)?)),
                Feature::Text(interner, _) => {
                    for v in as_text(array, &name)? {
                        held += interner.push(&v);
                    }
                }
            }
        }
        fill(rows, width, &numeric);
        for (j, array) in &numeric {
            if let Feature::Numbers(seen) = &mut features[*j] {
                note_missing(rows, width, *j, array, first, seen);
            }
        }
        for (&i, column) in plan
            .targets
            .iter()
            .chain(&plan.keep)
            .zip(targets.iter_mut().chain(kept.iter_mut()))
        {
            column.values.extend(as_text(batch.column(i), &name)?);
            column.lines.extend(first..first + n as u64);
        }
        if let Some(budget) = budget {
            fits(
                held + (x.len() * std::mem::size_of::<T>()) as u64,
                budget,
                &name,
            )?;
        }
    }
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

/// A numeric or boolean column as float64 (a null's value is undefined: see [`note_missing`]).
fn numbers(array: &ArrayRef, name: &str) -> Result<ArrayRef> {
    arrow_cast::cast(array, &DataType::Float64)
        .map_err(|e| data(Location::file(name), format!("{e}")))
}

/// Rows per tile of [`fill`]: the tile's rows of a wide table stay in the cache while every
/// column writes into them.
const TILE_ROWS: usize = 256;

/// Writes the numeric columns (`(j, float64 array)`) into column j of the row-major `rows`,
/// tile by tile.
fn fill<T: Float>(rows: &mut [T], width: usize, numeric: &[(usize, ArrayRef)]) {
    let values: Vec<(usize, &[f64])> = numeric
        .iter()
        .map(|(j, a)| (*j, a.as_primitive::<Float64Type>().values().as_ref()))
        .collect();
    for (t, tile) in rows.chunks_mut(TILE_ROWS * width).enumerate() {
        let start = t * TILE_ROWS;
        for &(j, v) in &values {
            for (row, &v) in tile.chunks_exact_mut(width).zip(&v[start..]) {
                row[j] = T::of(v);
            }
        }
    }
}

/// Marks column j's nulls, NaNs and infinities (in T) as missing: NaN in `rows`, counted in
/// `seen` with the line of the first (`first` is the batch's first line).
fn note_missing<T: Float>(
    rows: &mut [T],
    width: usize,
    j: usize,
    array: &ArrayRef,
    first: u64,
    seen: &mut ColumnRead,
) {
    let nulls = array.logical_nulls();
    for (r, row) in rows.chunks_exact_mut(width).enumerate() {
        if !row[j].is_finite() || nulls.as_ref().is_some_and(|b| b.is_null(r)) {
            row[j] = T::nan();
            seen.missing += 1;
            seen.first_missing
                .get_or_insert_with(|| (first + r as u64, String::new()));
        }
    }
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
