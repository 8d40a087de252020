//! Parquet pages in every layout the page decoder reads (PLAIN values, dictionaries, a
//! dictionary given up mid-column, data pages v1 and v2, many pages a column, nulls, each
//! compression) read the numbers the Arrow IPC file of the same columns reads; a damaged
//! Parquet file is an error, never a panic (feature `columnar`).
#![cfg(feature = "columnar")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray,
};
use mlp::Float;
use mlp::data::{Columns, Source, Table, read_csv};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterVersion};

const ROWS: usize = 5000;

fn batch() -> RecordBatch {
    let r = |i: usize, k: usize| ((i * (2 * k + 7)) as f64 * 0.61).sin();
    // Few distinct values in some columns (a dictionary) and all distinct in others.
    let wide: Vec<Option<f64>> = (0..ROWS)
        .map(|i| match i % 211 {
            3 => None,
            5 => Some(f64::NAN),
            7 => Some(f64::INFINITY),
            // Finite in f64, infinite in f32: missing in f32 only.
            9 => Some(1e300),
            _ => Some(r(i, 0) * 1e4),
        })
        .collect();
    let levels: Vec<Option<f64>> = (0..ROWS).map(|i| Some((i % 17) as f64 * 0.5)).collect();
    let single: Vec<Option<f32>> = (0..ROWS)
        .map(|i| (i % 50 != 1).then(|| r(i, 2) as f32))
        .collect();
    let count: Vec<Option<i32>> = (0..ROWS).map(|i| Some((i % 300) as i32 - 150)).collect();
    let big: Vec<Option<i64>> = (0..ROWS)
        .map(|i| (i % 333 != 0).then(|| (i as i64 - 2500) * 3_000_000_000_123))
        .collect();
    let flag: Vec<Option<bool>> = (0..ROWS)
        .map(|i| (i % 9 != 2).then_some(i % 3 == 0))
        .collect();
    let label: Vec<String> = (0..ROWS).map(|i| format!("c{}", i % 4)).collect();
    RecordBatch::try_from_iter(vec![
        ("wide", Arc::new(Float64Array::from(wide)) as ArrayRef),
        ("levels", Arc::new(Float64Array::from(levels)) as ArrayRef),
        ("single", Arc::new(Float32Array::from(single)) as ArrayRef),
        ("count", Arc::new(Int32Array::from(count)) as ArrayRef),
        ("big", Arc::new(Int64Array::from(big)) as ArrayRef),
        ("flag", Arc::new(BooleanArray::from(flag)) as ArrayRef),
        ("label", Arc::new(StringArray::from(label)) as ArrayRef),
    ])
    .unwrap()
}

fn write_parquet(path: &Path, batch: &RecordBatch, properties: WriterProperties) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn write_feather(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(batch).unwrap();
    writer.finish().unwrap();
}

fn read<T: Float>(path: &Path) -> mlp::Result<Table<T>> {
    let columns = Columns {
        targets: vec!["label".into()],
        ..Columns::default()
    };
    read_csv(&Source::Path(path.into()), &columns)
}

fn assert_same<T: Float>(got: &Table<T>, want: &Table<T>, what: &str) {
    assert_eq!(got.x.shape(), want.x.shape(), "{what}");
    for ((i, p), q) in got.x.indexed_iter().zip(want.x.iter()) {
        assert!(
            p.to_f64().unwrap().to_bits() == q.to_f64().unwrap().to_bits()
                || (p.is_nan() && q.is_nan()),
            "{what}: row {} column {}: {p} vs {q}",
            i.0,
            i.1
        );
    }
    assert_eq!(got.columns, want.columns, "{what}: missing counts");
    assert_eq!(got.targets[0].values, want.targets[0].values, "{what}");
    assert_eq!(got.lines, want.lines, "{what}");
}

fn layouts() -> Vec<(&'static str, WriterProperties)> {
    let b = WriterProperties::builder;
    vec![
        ("default", b().build()),
        ("plain", b().set_dictionary_enabled(false).build()),
        (
            "v2, small pages, snappy",
            b().set_writer_version(WriterVersion::PARQUET_2_0)
                .set_data_page_row_count_limit(700)
                .set_write_batch_size(100)
                .set_compression(Compression::SNAPPY)
                .build(),
        ),
        (
            "dictionary given up mid-column, zstd",
            b().set_dictionary_page_size_limit(2048)
                .set_data_page_row_count_limit(900)
                .set_write_batch_size(100)
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build(),
        ),
        (
            "row groups, v2 plain",
            b().set_max_row_group_row_count(Some(1234))
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .set_dictionary_enabled(false)
                .build(),
        ),
    ]
}

#[test]
fn every_page_layout_reads_as_the_arrow_file_reads() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch();
    let feather = dir.path().join("t.feather");
    write_feather(&feather, &batch);
    let want64 = read::<f64>(&feather).unwrap();
    let want32 = read::<f32>(&feather).unwrap();
    assert!(want32.columns[0].missing > want64.columns[0].missing);
    for (name, properties) in layouts() {
        let path = dir.path().join("t.parquet");
        write_parquet(&path, &batch, properties);
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let (got64, got32) = pool.install(|| (read::<f64>(&path), read::<f32>(&path)));
            let what = format!("{name}, {threads} threads");
            assert_same(&got64.unwrap(), &want64, &format!("{what}, f64"));
            assert_same(&got32.unwrap(), &want32, &format!("{what}, f32"));
        }
    }
}

#[test]
fn a_damaged_parquet_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let batch = batch();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, properties) in layouts() {
        let path = dir.path().join("good.parquet");
        write_parquet(&path, &batch, properties);
        files.push((name.to_owned(), std::fs::read(&path).unwrap()));
    }
    let path: PathBuf = dir.path().join("bad.parquet");
    for (name, good) in &files {
        // The footer (metadata) stays whole: the pages are damaged, byte by byte.
        let footer = u32::from_le_bytes(good[good.len() - 8..good.len() - 4].try_into().unwrap());
        let pages = good.len() - 8 - footer as usize;
        for at in (4..pages).step_by(pages / 150) {
            for byte in [0x00, 0xff, good[at] ^ 0x5a] {
                let mut bad = good.clone();
                bad[at] = byte;
                std::fs::write(&path, &bad).unwrap();
                // Either an error or a table; a damaged value may well read as another number.
                let read = std::panic::catch_unwind(|| read::<f32>(&path).map(|_| ()));
                assert!(read.is_ok(), "{name}: byte {at} set to {byte:#x} panicked");
            }
        }
    }
}
