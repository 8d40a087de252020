//! The CSV reader never panics and never allocates far beyond its input, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp::data::{Columns, read_csv_from};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the column selection, the rest is the file.
    let (pick, file) = data.split_first().unwrap_or((&0, &[]));
    let columns = match pick % 4 {
        0 => Columns { targets: vec!["y".into()], ..Columns::default() },
        1 => Columns { targets: vec!["y".into()], drop: vec!["b".into()], ..Columns::default() },
        2 => Columns {
            targets: vec!["y".into()],
            features: Some(vec!["a".into(), "b".into()]),
            targets_optional: true,
            ..Columns::default()
        },
        _ => Columns::default(),
    };
    let _ = read_csv_from::<f32>("fuzz.csv", file, &columns);
    let _ = read_csv_from::<f64>("fuzz.csv", file, &columns);
});
