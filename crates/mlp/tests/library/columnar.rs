//! Parquet and Arrow IPC files read into the same table as a CSV file of the same columns, and
//! train the same model (feature `columnar`).
#![cfg(feature = "columnar")]
#![allow(clippy::unwrap_used)]

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray};
use mlp::data::{Columns, Source, Table, read_csv};
use mlp::schema::parse_days;

const ROWS: usize = 120;

/// The columns, as Arrow arrays and as the CSV text of the same values.
fn batch() -> (RecordBatch, String) {
    let colors = ["red", "green", "blue"];
    let x: Vec<Option<f64>> = (0..ROWS)
        .map(|i| (i % 9 != 4).then(|| (i as f64 * 0.7).sin() * 10.0))
        .collect();
    let n: Vec<Option<i32>> = (0..ROWS).map(|i| Some((i % 13) as i32 - 6)).collect();
    let color: Vec<Option<&str>> = (0..ROWS)
        .map(|i| (i % 11 != 7).then(|| colors[(i * 7) % 3]))
        .collect();
    // Dates as the CSV writes them, and as Arrow's days since 1970 (through the library's own
    // parser, which the CSV side uses too).
    let iso: Vec<Option<String>> = (0..ROWS)
        .map(|i| {
            (i % 10 != 3).then(|| {
                format!(
                    "{:04}-{:02}-{:02}",
                    1995 + i % 30,
                    1 + (i * 5) % 12,
                    1 + (i * 7) % 28
                )
            })
        })
        .collect();
    let when: Vec<Option<i32>> = iso
        .iter()
        .map(|d| d.as_deref().map(|d| parse_days(d).unwrap() as i32))
        .collect();
    let y: Vec<Option<f64>> = (0..ROWS).map(|i| Some(i as f64 * 0.25 - 3.5)).collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("x", Arc::new(Float64Array::from(x.clone())) as ArrayRef),
        ("n", Arc::new(Int32Array::from(n.clone())) as ArrayRef),
        (
            "color",
            Arc::new(StringArray::from(color.clone())) as ArrayRef,
        ),
        (
            "when",
            Arc::new(Date32Array::from(when.clone())) as ArrayRef,
        ),
        ("y", Arc::new(Float64Array::from(y.clone())) as ArrayRef),
    ])
    .unwrap();
    let mut csv = String::from("x,n,color,when,y\n");
    for i in 0..ROWS {
        let date = iso[i].clone().unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            x[i].map(|v| v.to_string()).unwrap_or_default(),
            n[i].unwrap(),
            color[i].unwrap_or(""),
            date,
            y[i].unwrap()
        ));
    }
    (batch, csv)
}

fn write_all(dir: &Path) -> [std::path::PathBuf; 3] {
    let (batch, csv) = batch();
    let csv_path = dir.join("t.csv");
    std::fs::write(&csv_path, csv).unwrap();
    let parquet_path = dir.join("t.parquet");
    let file = std::fs::File::create(&parquet_path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let ipc_path = dir.join("t.feather");
    let file = std::fs::File::create(&ipc_path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    writer.write(&batch).unwrap();
    writer.finish().unwrap();
    [csv_path, parquet_path, ipc_path]
}

fn read(path: &Path) -> Table<f64> {
    let columns = Columns {
        targets: vec!["y".into()],
        ..Columns::default()
    };
    read_csv(&Source::Path(path.into()), &columns).unwrap()
}

fn same_bits(a: &Table<f64>, b: &Table<f64>) -> bool {
    a.x.shape() == b.x.shape()
        && a.x
            .iter()
            .zip(b.x.iter())
            .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
}

#[test]
fn parquet_and_feather_read_as_the_csv_reads() {
    let dir = tempfile::tempdir().unwrap();
    let [csv, parquet, feather] = write_all(dir.path());
    let want = read(&csv);
    assert!(want.columns[2].text.is_some() && want.columns[3].text.is_some());
    for path in [parquet, feather] {
        let got = read(&path);
        assert_eq!(got.feature_names, want.feature_names, "{path:?}");
        assert!(same_bits(&got, &want), "{path:?}: the numbers differ");
        assert_eq!(
            got.columns, want.columns,
            "{path:?}: text, missing counts, first missing"
        );
        assert_eq!(got.lines, want.lines);
        let numbers = |t: &Table<f64>| t.targets[0].numbers("t").unwrap();
        assert_eq!(numbers(&got), numbers(&want));
    }
}

#[test]
fn parquet_trains_the_model_the_csv_trains() {
    let dir = tempfile::tempdir().unwrap();
    let [csv, parquet, _] = write_all(dir.path());
    let fit = |path: &Path| {
        let mut options = mlp::FitOptions::default();
        options.train.epochs = 10;
        let fitted = mlp::fit(read(path), &options, None, |_| ControlFlow::Continue(())).unwrap();
        fitted.model.to_json().unwrap()
    };
    assert_eq!(fit(&parquet), fit(&csv));
}

#[test]
fn a_file_that_is_not_parquet_is_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.parquet");
    std::fs::write(&path, "x,y\n1,2\n").unwrap();
    let columns = Columns {
        targets: vec!["y".into()],
        ..Columns::default()
    };
    let err = read_csv::<f64>(&Source::Path(path), &columns)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.parquet") && !err.contains('\n'), "{err}");
}

#[test]
fn parquet_columns_decoded_on_any_number_of_threads_read_the_same() {
    // Rows in several row groups and several batches, columns decoded apart and put together.
    let rows = 10_000;
    let column = |k: usize| -> Vec<Option<f64>> {
        (0..rows)
            .map(|i| ((i + k) % 97 != 5).then(|| ((i * (k + 3)) as f64 * 0.37).cos() * 1e3))
            .collect()
    };
    let names = ["a", "b", "c", "d", "e", "y"];
    let values: Vec<Vec<Option<f64>>> = (0..names.len()).map(column).collect();
    let batch = RecordBatch::try_from_iter(
        names
            .iter()
            .zip(&values)
            .map(|(n, v)| (*n, Arc::new(Float64Array::from(v.clone())) as ArrayRef)),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("many.parquet");
    let file = std::fs::File::create(&path).unwrap();
    let properties = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(3000))
        .build();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| read(&path))
    };
    let one = on(1);
    assert_eq!(one.x.shape(), [rows, 5]);
    for (j, v) in values.iter().take(5).enumerate() {
        for (i, v) in v.iter().enumerate() {
            let got = one.x[[i, j]];
            assert!(v.map_or(got.is_nan(), |v| v == got), "row {i} column {j}");
        }
    }
    assert_eq!(
        one.columns[0].missing,
        values[0].iter().filter(|v| v.is_none()).count()
    );
    assert_eq!(one.columns[0].first_missing.as_ref().map(|m| m.0), Some(7));
    for threads in [2, 3, 7] {
        let other = on(threads);
        assert!(same_bits(&one, &other), "{threads} threads");
        assert_eq!(one.targets[0].values, other.targets[0].values);
        assert_eq!(one.columns, other.columns);
    }
}
