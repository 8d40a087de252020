use std::io::Write;
use std::path::PathBuf;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::*;

/// Reads `text` and requires every feature to be a number, as the reader did before it read
/// text columns and missing values (which these tests were written for).
fn read(text: &[u8], columns: &Columns) -> Result<Table<f64>> {
    let table = read_csv_from("data.csv", text, columns)?;
    table.require_numbers()?;
    Ok(table)
}

fn target(names: &[&str]) -> Columns {
    Columns {
        targets: names.iter().map(|s| (*s).to_owned()).collect(),
        ..Columns::default()
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The error's message, checked to be a one-line `Error::Data` naming the file.
pub(super) fn data_error(result: Result<Table<f64>>) -> String {
    match result {
        Err(e @ Error::Data { .. }) => {
            let message = e.to_string();
            assert!(message.starts_with("data.csv"), "{message}");
            assert!(!message.contains('\n'), "{message}");
            message
        }
        Err(e) => panic!("expected a data error, got {e:?}"),
        Ok(t) => panic!("expected an error, got {:?}", t.x),
    }
}

fn error(text: &[u8], columns: &Columns) -> String {
    data_error(read(text, columns))
}

pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// `n` good rows of `a,b` after the header, so the next row is on line `n + 2`.
fn rows(n: usize) -> String {
    let mut s = "a,b\n".to_owned();
    for i in 0..n {
        s.push_str(&format!("{i},{}\n", i * 2));
    }
    s
}

#[test]
fn reads_features_and_targets() {
    let t = read(b"a,b,y\n1,2,x\n3,4.5,z\n", &target(&["y"])).unwrap();
    assert_eq!(t.name, "data.csv");
    assert_eq!(t.feature_names, ["a", "b"]);
    assert_eq!(t.x, ndarray::array![[1.0, 2.0], [3.0, 4.5]]);
    assert_eq!(t.targets.len(), 1);
    assert_eq!(t.targets[0].name, "y");
    assert_eq!(t.targets[0].values, ["x", "z"]);
    assert_eq!(
        (
            t.targets[0].line(0),
            t.targets[0].line(1),
            t.targets[0].line(2)
        ),
        (2, 3, 0)
    );
    let t32 = read_csv_from::<f32>("d", &b"a\n0.1\n"[..], &Columns::default()).unwrap();
    assert_eq!(t32.x[[0, 0]], 0.1f32);
}

#[test]
fn accepts_bom_crlf_quotes_spaces_and_no_final_newline() {
    let text = "\u{feff} a ,\"b\",y\r\n\" 1.5\",\t-2e1 ,\"say \"\"hi\"\", ok\"\r\n3,+4, z ";
    let t = read(text.as_bytes(), &target(&["y"])).unwrap();
    assert_eq!(t.feature_names, ["a", "b"]);
    assert_eq!(t.x, ndarray::array![[1.5, -20.0], [3.0, 4.0]]);
    assert_eq!(t.targets[0].values, ["say \"hi\", ok", "z"]);
}

#[test]
fn line_numbers_follow_multi_line_fields() {
    let text = b"a,y\n1,\"two\nlines\"\n2,ok\n3,\n";
    // The missing target on line 5 is read as missing (training leaves the row out).
    let t = read(text, &target(&["y"])).unwrap();
    assert_eq!(t.targets[0].lines, [2, 4, 5]);
    assert_eq!(t.rows_with_targets(), [0, 1]);
    let t = read(&text[..text.len() - 4], &target(&["y"])).unwrap();
    assert_eq!(t.targets[0].lines, [2, 4]);
    assert_eq!(t.targets[0].values[0], "two\nlines");
}

#[test]
fn gzip_is_detected_by_magic_bytes() {
    let plain = b"a,b,y\n1,2,x\n3,4,z\n";
    let packed = gzip(plain);
    let t = read(&packed, &target(&["y"])).unwrap();
    assert_eq!(t.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    // Several members, as `cat a.gz b.gz` makes, are one stream.
    let mut two = gzip(b"a,b\n1,2\n");
    two.extend(gzip(b"3,4\n"));
    assert_eq!(read(&two, &Columns::default()).unwrap().x.nrows(), 2);
    // Reading byte by byte still sees the magic bytes.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.take(1).read(buf).inspect(|&n| self.0 = &self.0[n..])
        }
    }
    let t: Table<f64> = read_csv_from("x", Trickle(&packed), &target(&["y"])).unwrap();
    assert_eq!(t.x.nrows(), 2);
}

#[test]
fn truncated_or_corrupt_gzip_is_an_error() {
    let packed = gzip(rows(200).as_bytes());
    for cut in 2..packed.len() {
        let message = error(&packed[..cut], &Columns::default());
        assert!(
            message.contains("gzip stream is truncated or corrupt"),
            "{cut}: {message}"
        );
    }
    let mut corrupt = packed.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x55;
    assert!(read(&corrupt, &Columns::default()).is_err());
    let mut bad_crc = packed;
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 1;
    assert!(error(&bad_crc, &Columns::default()).contains("gzip stream is truncated or corrupt"));
}

#[test]
fn empty_and_header_only() {
    assert_eq!(error(b"", &Columns::default()), "data.csv: is empty");
    assert!(error(b"\n\r\n", &Columns::default()).contains("is empty"));
    assert!(error(&gzip(b""), &Columns::default()).contains("is empty"));
    let message = error(b"a,b\n", &Columns::default());
    assert!(
        message.contains("has a header but no data rows"),
        "{message}"
    );
}

#[test]
fn ragged_row() {
    let text = b"a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n";
    assert!(error(text, &Columns::default()).contains("line 5 has 3 fields, the header has 4"));
    let text = b"a,b\n1,2,3\n";
    assert!(error(text, &Columns::default()).contains("line 2 has 3 fields, the header has 2"));
}

#[test]
fn empty_feature_value() {
    let text = format!("{}1,\n", rows(5));
    assert!(
        error(text.as_bytes(), &Columns::default()).contains("line 7, column \"b\": empty value")
    );
    let text = format!("{}1, \t \n", rows(5));
    assert!(
        error(text.as_bytes(), &Columns::default()).contains("line 7, column \"b\": empty value")
    );
}

#[test]
fn text_in_a_feature() {
    let text = format!("{}1,abc\n", rows(55));
    let message = error(text.as_bytes(), &Columns::default());
    assert_eq!(
        message,
        "data.csv line 57, column \"b\": \"abc\" is not a number"
    );
    let long = format!("a\n{}\n", "x".repeat(500));
    assert!(error(long.as_bytes(), &Columns::default()).len() < 100);
    for bad in ["1,5", "0x10", "1_000", "--1", "1e", "."] {
        let text = format!("a\n\"{bad}\"\n");
        assert!(
            error(text.as_bytes(), &Columns::default()).contains("is not a number"),
            "{bad}"
        );
    }
}

#[test]
fn non_finite_features() {
    for bad in [
        "nan",
        "NaN",
        "inf",
        "-inf",
        "+Infinity",
        "-infinity",
        "1e999",
        "-1e400",
    ] {
        let text = format!("a,b\n1,{bad}\n");
        let message = error(text.as_bytes(), &Columns::default());
        let expected = format!("line 2, column \"b\": \"{bad}\" is not a finite number");
        assert!(message.contains(&expected), "{message}");
    }
    // Finite in f64 but not in f32.
    assert!(read(b"a\n1e39\n", &Columns::default()).is_ok());
    let result = read_csv_from::<f32>("data.csv", &b"a\n1e39\n"[..], &Columns::default())
        .and_then(|t| t.require_numbers());
    assert!(
        result
            .unwrap_err()
            .to_string()
            .contains("\"1e39\" is too large for f32")
    );
}

#[test]
fn duplicate_header_names() {
    let message = error(b"a,b, a\n1,2,3\n", &Columns::default());
    assert!(
        message.contains("column \"a\" appears twice in the header"),
        "{message}"
    );
    let message = error(b"a,,b\n1,2,3\n", &Columns::default());
    assert!(
        message.contains("line 1: column 2 of the header has no name"),
        "{message}"
    );
}

#[test]
fn unknown_columns() {
    let message = error(b"a,b,c\n1,2,3\n", &target(&["x"]));
    assert_eq!(message, "data.csv: no column \"x\" (columns: a, b, c)");
    let wide: Vec<String> = (0..15).map(|i| format!("c{i}")).collect();
    let text = format!("{}\n{}\n", wide.join(","), vec!["1"; 15].join(","));
    let message = error(text.as_bytes(), &target(&["x"]));
    assert!(
        message.contains("c0, c1,") && message.contains("c9, ...)"),
        "{message}"
    );
    assert!(!message.contains("c10"), "{message}");
    let drop = Columns {
        drop: strings(&["z"]),
        ..Columns::default()
    };
    assert!(error(b"a,b\n1,2\n", &drop).contains("no column \"z\" to drop (columns: a, b)"));
}

#[test]
fn target_and_dropped() {
    let columns = Columns {
        drop: strings(&["y"]),
        ..target(&["y"])
    };
    assert!(error(b"a,y\n1,2\n", &columns).contains("column \"y\" is both a target and dropped"));
    assert!(error(b"a,y\n1,2\n", &target(&["y", "y"])).contains("named twice as a target"));
}

#[test]
fn drop_and_several_targets() {
    let columns = Columns {
        drop: strings(&["id"]),
        ..target(&["v", "u"])
    };
    let t = read(b"id,a,u,b,v\nr1,1,u1,2,v1\nr2,3,u2,4,v2\n", &columns).unwrap();
    assert_eq!(t.feature_names, ["a", "b"]);
    assert_eq!(t.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    let names: Vec<&str> = t.targets.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["v", "u"]);
    assert_eq!(t.targets[1].values, ["u1", "u2"]);
}

#[test]
fn named_features() {
    let features = |names: &[&str]| Columns {
        features: Some(strings(names)),
        targets: strings(&["y"]),
        targets_optional: true,
        ..Columns::default()
    };
    let text = b"c,y,a,b\nhello,1,2,3\n";
    let t = read(text, &features(&["b", "a"])).unwrap();
    assert_eq!(t.feature_names, ["b", "a"]);
    assert_eq!(t.x, ndarray::array![[3.0, 2.0]]);
    assert_eq!(t.targets[0].values, ["1"]);
    let message = error(text, &features(&["a", "x"]));
    assert!(
        message.contains("column \"x\" that the model needs is missing"),
        "{message}"
    );
    assert!(error(text, &features(&[])).contains("no feature columns"));
    assert!(error(text, &features(&["a", "a"])).contains("listed twice as a feature"));
    assert!(error(text, &features(&["y"])).contains("both a feature and a target"));
}

#[test]
fn optional_targets() {
    let columns = Columns {
        targets_optional: true,
        ..target(&["x", "y"])
    };
    let t = read(b"a,y\n1,p\n", &columns).unwrap();
    assert_eq!(t.targets.len(), 1);
    assert_eq!(t.targets[0].name, "y");
    assert_eq!(t.x, ndarray::array![[1.0]]);
}

#[test]
fn no_feature_columns_left() {
    let columns = Columns {
        drop: strings(&["a"]),
        ..target(&["y"])
    };
    let message = error(b"a,y\n1,2\n", &columns);
    assert!(message.contains("no feature columns left after removing targets and dropped columns"));
}

#[test]
fn empty_target_value() {
    // A missing target is read (training leaves the row out), not an error.
    let text = b"a,y\n1,p\n1,p\n1,p\n1,p\n1,p\n1,p\n1,p\n1, \n2,NA\n";
    let t = read(text, &target(&["y"])).unwrap();
    assert_eq!(t.rows_with_targets(), (0..7).collect::<Vec<_>>());
    assert_eq!(t.targets[0].line(7), 9);
}

#[test]
fn invalid_utf8() {
    let message = error(b"a,b\n1,2\n1,\xff\n", &Columns::default());
    assert_eq!(message, "data.csv line 3: invalid UTF-8");
    // Also in an ignored column, and in the header.
    let columns = Columns {
        drop: strings(&["b"]),
        ..Columns::default()
    };
    assert!(error(b"a,b\n1,2\n1,\xc3\n", &columns).contains("line 3: invalid UTF-8"));
    assert!(error(b"a,\xff\n1,2\n", &Columns::default()).contains("line 1: invalid UTF-8"));
}

#[test]
fn binary_garbage_does_not_panic() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..400 {
        let len = round * 7 % 300;
        let mut bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        if round % 2 == 0 && bytes.len() >= 2 {
            bytes[0] = 0x1f;
            bytes[1] = 0x8b;
        }
        let _ = read(&bytes, &target(&["y"]));
        let _ = read(&bytes, &Columns::default());
    }
}

#[test]
fn target_numbers() {
    let t = read(b"a,y,z\n1,2.5,p\n2,-1,3\n3,4,abc\n", &target(&["y", "z"])).unwrap();
    assert!(t.targets[0].is_numeric());
    assert_eq!(t.targets[0].numbers("data.csv").unwrap(), [2.5, -1.0, 4.0]);
    assert!(!t.targets[1].is_numeric());
    let message = t.targets[1].numbers("data.csv").unwrap_err().to_string();
    assert_eq!(
        message,
        "data.csv line 2, column \"z\": \"p\" is not a number"
    );
    let t = read(b"a,y\n1,NaN\n", &target(&["y"])).unwrap();
    assert!(!t.targets[0].is_numeric());
    let message = t.targets[0].numbers("data.csv").unwrap_err().to_string();
    assert!(message.contains("line 2, column \"y\": \"NaN\" is not a finite number"));
}

#[test]
fn sources() {
    assert_eq!(Source::from_arg("-"), Source::Stdin);
    assert_eq!(
        Source::from_arg("d.csv"),
        Source::Path(PathBuf::from("d.csv"))
    );
    assert_eq!(Source::Stdin.name(), "<stdin>");
    assert_eq!(Source::from_arg("dir/d.csv").name(), "dir/d.csv");
    let bytes = Source::Bytes {
        name: "iris".into(),
        bytes: b"a,y\n1,2\n",
    };
    assert_eq!(bytes.name(), "iris");
    let t = read_csv::<f64>(&bytes, &target(&["y"])).unwrap();
    assert_eq!((t.name.as_str(), t.x.dim()), ("iris", (1, 1)));
}

#[test]
fn files() {
    let missing = Source::Path(PathBuf::from("/nonexistent/dir/data.csv"));
    match read_csv::<f64>(&missing, &Columns::default()) {
        Err(e @ Error::Io { .. }) => {
            assert!(
                e.to_string().starts_with("/nonexistent/dir/data.csv: "),
                "{e}"
            );
        }
        other => panic!("expected an I/O error, got {:?}", other.map(|t| t.x)),
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv"); // gzip despite the name
    std::fs::write(&path, gzip(b"a,y\n1,2\n3,4\n")).unwrap();
    let t = read_csv::<f32>(&Source::Path(path), &target(&["y"])).unwrap();
    assert_eq!(t.x, ndarray::array![[1.0f32], [3.0]]);
    let dir_source = Source::Path(dir.path().to_owned());
    assert!(matches!(
        read_csv::<f64>(&dir_source, &Columns::default()),
        Err(Error::Io { .. })
    ));
}

#[test]
fn integer_fast_path_matches_the_parser() {
    let cases = [
        "0",
        "-0",
        "007",
        "42",
        "-17",
        "999999999999999",
        "-999999999999999",
    ];
    for s in cases {
        let fast = small_integer(s.as_bytes()).unwrap();
        assert_eq!(fast.to_bits(), s.parse::<f64>().unwrap().to_bits(), "{s}");
    }
    for s in [
        "",
        "-",
        "+5",
        "1.0",
        "1e3",
        "9999999999999999",
        "--1",
        "1-",
        " 1",
    ] {
        assert_eq!(small_integer(s.as_bytes()), None, "{s}");
    }
    let t = read(b"a,b\n-3,12345678901234567890\n", &Columns::default()).unwrap();
    assert_eq!(t.x, ndarray::array![[-3.0, 12345678901234567890.0]]);
    assert!(error(b"a\n-\n", &Columns::default()).contains("\"-\" is not a number"));
}

#[test]
fn the_first_error_in_the_file_is_the_one_reported() {
    // The blocks of records are parsed on several threads: whichever finds its error first,
    // the message names the earliest bad line. Rows 1000 and 3000 are far apart (different
    // blocks) and close together (the same block).
    for (bad_value, ragged) in [(1000, 3000), (3000, 1000), (1000, 1001), (1001, 1000)] {
        let text = rows(4000);
        let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
        lines[bad_value] = b"1,\xff".to_vec();
        lines[ragged] = b"1,2,3".to_vec();
        let text = lines.join(&b'\n');
        let message = error(&text, &Columns::default());
        let first = bad_value.min(ragged) + 1;
        assert!(message.contains(&format!("line {first}")), "{message}");
    }
    // Thousands of good rows come back complete and in order.
    let table = read(rows(5000).as_bytes(), &target(&["b"])).unwrap();
    assert_eq!(table.x.nrows(), 5000);
    assert!(
        table
            .x
            .column(0)
            .iter()
            .enumerate()
            .all(|(i, &v)| v == i as f64)
    );
    assert_eq!(table.targets[0].lines[4999], 5001);
}
