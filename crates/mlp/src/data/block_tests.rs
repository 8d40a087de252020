//! Tests of the parallel reader: any cut into blocks and any number of threads read the same
//! table as the file says, errors name the first bad line in the file, and numbers are the
//! values `str::parse` gives.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::fast::number_prefix;
use super::*;

/// Reads `text` cut into blocks of about `block` bytes, on a pool of `threads` threads.
fn read_cut<T: Float>(
    text: &[u8],
    columns: &Columns,
    block: usize,
    threads: usize,
) -> Result<Table<T>> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    pool.install(|| {
        read_in_blocks(
            "data.csv",
            || Ok(inputs(&[("data.csv", text)])),
            columns,
            block,
        )
    })
}

/// The inputs of named texts, for [`read_in_blocks`].
fn inputs<'a>(texts: &[(&str, &'a [u8])]) -> Vec<Input<'a>> {
    texts
        .iter()
        .map(|(name, text)| Input {
            name: (*name).to_owned(),
            reader: Box::new(*text),
        })
        .collect()
}

/// Several files, cut anywhere into blocks and read on any number of threads, read as the
/// one file they were cut from; the second file's lines are its own.
#[test]
fn several_inputs_read_as_their_concatenation() {
    let header = "a,b,y\n";
    let body: String = (0..200)
        .map(|i| format!("{}.5,{},\"{}\"\n", i, i * 3 % 7, ["u", "v\nw"][i % 2]))
        .collect();
    let whole = format!("{header}{body}");
    let cut = body
        .match_indices('\n')
        .nth(120)
        .map_or(0, |(at, _)| at + 1);
    let cut = body[..cut].rfind("\"\n").map_or(cut, |at| at + 2);
    let (one, two) = (
        format!("{header}{}", &body[..cut]),
        format!("{header}{}", &body[cut..]),
    );
    let columns = Columns {
        targets: vec!["y".into()],
        ..Columns::default()
    };
    let name = files::joined_name(&["one.csv".into(), "two.csv".into()]);
    for (block, threads) in CUTS {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a pool");
        let texts = [("one.csv", one.as_bytes()), ("two.csv", two.as_bytes())];
        let read: Table<f64> = pool
            .install(|| read_in_blocks(&name, || Ok(inputs(&texts)), &columns, block))
            .expect("read");
        let expected: Table<f64> =
            read_cut(whole.as_bytes(), &columns, block, threads).expect("read");
        assert_eq!(read.x, expected.x, "block {block}");
        assert_eq!(read.targets[0].values, expected.targets[0].values);
        let rows_one = read.lines.iter().filter(|&&l| l < 1 << FILE_SHIFT).count();
        assert_eq!(rows_one, one.matches("\"\n").count());
        let first_of_two = read.line(rows_one);
        assert_eq!(
            Location::file(&name).at_line(first_of_two).to_string(),
            "two.csv line 2"
        );
    }
    let bad = "a,y,b\n1,2,3\n";
    let texts = [("one.csv", one.as_bytes()), ("bad.csv", bad.as_bytes())];
    let err = read_in_blocks::<f64>(&name, || Ok(inputs(&texts)), &columns, 64).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bad.csv line 1: the header differs"),
        "{err}"
    );
}

/// The cuts and pools every test reads with: blocks of a byte and up, and the usual size.
const CUTS: [(usize, usize); 8] = [
    (1, 1),
    (2, 2),
    (3, 3),
    (7, 2),
    (64, 3),
    (1000, 2),
    (BLOCK_BYTES, 1),
    (BLOCK_BYTES, 3),
];

/// A CSV text and the table it holds: features `a` and `b`, target `y`.
struct Written {
    text: Vec<u8>,
    x: Vec<f64>,
    y: Vec<String>,
    lines: Vec<u64>,
}

/// A random file: numbers written in many ways (some quoted, some with spaces, some missing),
/// targets quoted with separators, quotes and line breaks inside, empty lines, `\n` and `\r\n`
/// endings, and sometimes no line break at the end. `quotes`: whether any field is quoted.
fn written(rng: &mut ChaCha8Rng, rows: usize, quotes: bool) -> Written {
    let crlf = rng.random_bool(0.5);
    let end = if crlf { "\r\n" } else { "\n" };
    let mut text = format!("a,b,y{end}");
    let mut line = 2;
    let (mut x, mut y, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rows {
        while rng.random_bool(0.1) {
            text.push_str(end);
            line += 1;
        }
        lines.push(line);
        let mut fields = Vec::new();
        for _ in 0..2 {
            let value: f64 = rng.random_range(-1e3..1e3) * 10f64.powi(rng.random_range(-8..8));
            let (field, number) = match rng.random_range(0..8) {
                0 => (String::new(), f64::NAN),
                1 => ("NA".to_owned(), f64::NAN),
                2 => (format!(" {value:e} "), value),
                3 => ((value as i64).to_string(), value as i64 as f64),
                4 => (format!("{value:.3}"), 0.0),
                _ => (format!("{value}"), value),
            };
            let number = if number == 0.0 {
                field.trim().parse().expect("a number")
            } else {
                number
            };
            let field = if quotes && rng.random_bool(0.2) {
                format!("\"{field}\"")
            } else {
                field
            };
            fields.push(field);
            x.push(number);
        }
        let target = if quotes && rng.random_bool(0.3) {
            let inner = match rng.random_range(0..3) {
                0 => format!("say \"\"hi\"\", {i}"),
                1 => format!("two{end}lines {i}"),
                _ => format!("many\n\n\nbreaks\r\n{i}"),
            };
            line += newlines(inner.as_bytes());
            y.push(inner.replace("\"\"", "\""));
            format!("\"{inner}\"")
        } else {
            y.push(format!("t{i}"));
            format!("t{i}")
        };
        fields.push(target);
        text.push_str(&fields.join(","));
        if i + 1 < rows || rng.random_bool(0.5) {
            text.push_str(end);
        }
        line += 1;
    }
    Written {
        text: text.into_bytes(),
        x,
        y,
        lines,
    }
}

/// Checks that `table` holds what `w` wrote (`T`: the precision it was read in).
fn check<T: Float>(table: &Table<T>, w: &Written, what: &str) {
    let got: Vec<u64> = table.x.iter().map(|v| v.wide().to_bits()).collect();
    let want: Vec<u64> = w.x.iter().map(|&v| T::of(v).wide().to_bits()).collect();
    assert_eq!(got, want, "{what}");
    assert_eq!(table.lines, w.lines, "{what}");
    assert_eq!(table.targets[0].values, w.y, "{what}");
    assert_eq!(table.targets[0].lines, w.lines, "{what}");
    let missing = w.x.iter().filter(|v| v.is_nan()).count();
    let counted: usize = table.columns.iter().map(|c| c.missing).sum();
    assert_eq!(counted, missing, "{what}");
}

#[test]
fn any_cut_and_any_threads_read_what_the_file_holds() {
    let mut rng = ChaCha8Rng::seed_from_u64(18);
    let columns = Columns {
        targets: vec!["y".into()],
        ..Columns::default()
    };
    for case in 0..24 {
        let w = written(&mut rng, 1 + case * 7, case % 3 != 0);
        for (block, threads) in CUTS {
            let what = format!("case {case}, blocks of {block}, {threads} threads");
            let t64 = read_cut::<f64>(&w.text, &columns, block, threads).expect(&what);
            check(&t64, &w, &what);
            let t32 = read_cut::<f32>(&w.text, &columns, block, threads).expect(&what);
            check(&t32, &w, &what);
            let gz = read_cut::<f64>(&tests::gzip(&w.text), &columns, block, threads);
            check(&gz.expect(&what), &w, &what);
        }
    }
}

#[test]
fn the_matrix_is_the_same_for_one_two_and_three_threads() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let w = written(&mut rng, 3000, false);
    let columns = Columns {
        targets: vec!["y".into()],
        ..Columns::default()
    };
    let bits = |threads| {
        let t = read_cut::<f32>(&w.text, &columns, 4096, threads).expect("reads");
        t.x.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
    };
    let one = bits(1);
    assert_eq!(one.len(), 6000);
    assert_eq!(bits(2), one);
    assert_eq!(bits(3), one);
}

#[test]
fn a_quoted_field_longer_than_a_block_holds_its_line_breaks() {
    let long = "x\n".repeat(300);
    let text = format!("a,y\n1,\"{long}\"\n2,\"b,\"\"c\"\"\r\nd\"\n3,e");
    for (block, threads) in CUTS {
        let columns = Columns {
            targets: vec!["y".into()],
            ..Columns::default()
        };
        let t = read_cut::<f64>(text.as_bytes(), &columns, block, threads).expect("reads");
        assert_eq!(t.x.column(0).to_vec(), [1.0, 2.0, 3.0]);
        assert_eq!(t.targets[0].values[0], long.trim());
        assert_eq!(t.targets[0].values[1], "b,\"c\"\r\nd");
        assert_eq!(t.lines, [2, 303, 305]);
    }
}

#[test]
fn lines_count_crlf_endings_and_empty_lines() {
    for (block, threads) in CUTS {
        for text in [
            &b"a,b\r\n1,2\r\n\r\n3,4,5\r\n6,7\r\n"[..],
            b"a,b\n1,2\n\n3,4,5\n6,7\n",
            b"a,b\n1,2\n\r\n\"3\",4,5\n",
        ] {
            let result = read_cut::<f64>(text, &Columns::default(), block, threads);
            let message = tests::data_error(result);
            assert!(message.contains("line 4 has 3 fields"), "{message}");
        }
    }
}

#[test]
fn the_first_error_in_the_file_wins_whichever_block_finds_it() {
    let good = |i: usize| format!("{i},{}", i * 2).into_bytes();
    for (first, second) in [(40, 900), (900, 40), (500, 501), (501, 500)] {
        for (a, b) in [("ragged", "utf8"), ("utf8", "ragged"), ("quote", "ragged")] {
            let mut lines: Vec<Vec<u8>> = vec![b"a,b".to_vec()];
            lines.extend((0..1000).map(good));
            let bad = |kind: &str| match kind {
                "ragged" => b"1,2,3".to_vec(),
                "utf8" => b"1,\xff".to_vec(),
                _ => b"1,\"2\"\"".to_vec(),
            };
            // A quote never closed makes the rest of the file one field: a later bad line is
            // inside it.
            lines[first] = bad(a);
            lines[second] = bad(b);
            let text = lines.join(&b'\n');
            let earliest = first.min(second) + 1;
            for (block, threads) in CUTS.into_iter().filter(|(block, _)| *block >= 7) {
                let result = read_cut::<f64>(&text, &Columns::default(), block, threads);
                let message = tests::data_error(result);
                assert!(
                    message.contains(&format!("line {earliest}")),
                    "{a} on {first}, {b} on {second}, blocks of {block}: {message}"
                );
            }
        }
    }
}

#[test]
fn hostile_bytes_are_an_error_or_a_table_never_a_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let alphabet = b"0123456789,,,;\t\"\"\r\n\n.-+eE xNA\xff\xc3\xa9";
    for _ in 0..2000 {
        let len = rng.random_range(0..200);
        let text: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        for (block, threads) in [(1, 2), (5, 3), (BLOCK_BYTES, 2)] {
            if let Err(e) = read_cut::<f32>(&text, &Columns::default(), block, threads) {
                assert!(!e.to_string().contains('\n'), "{e}");
            }
        }
    }
}

/// Checks that the number (or not) `s` reads as `str::parse` says, with `s` followed by the
/// rest of a block and at the end of one.
fn check_number(s: &str) {
    check_at_end(s, &format!("{s},0123456789012345"));
    check_at_end(s, &format!("{s}\n"));
}

/// Checks `s` as the start of `with_end`.
fn check_at_end(s: &str, with_end: &str) {
    let std = s.parse::<f64>().ok().filter(|x| x.is_finite());
    let starts = matches!(s.as_bytes().first(), Some(b'0'..=b'9' | b'-' | b'+' | b'.'));
    let fast64 = number_prefix::<f64>(with_end.as_bytes());
    let fast32 = number_prefix::<f32>(with_end.as_bytes());
    match std {
        // A number the field holds is read whole, to the same bits; in f32, the f64 value
        // rounded, as every reader rounds it.
        Some(x) if starts => {
            let want = Some((x.to_bits(), s.len()));
            assert_eq!(fast64.map(|(v, n)| (v.to_bits(), n)), want, "{s}");
            let f32 = (x as f32)
                .is_finite()
                .then(|| ((x as f32).to_bits(), s.len()));
            assert_eq!(fast32.map(|(v, n)| (v.to_bits(), n)), f32, "{s}");
        }
        // What is not a number is never read as one whole field.
        _ => assert!(fast64.is_none_or(|(_, n)| n < s.len()), "{s}"),
    }
}

#[test]
fn numbers_are_the_values_str_parse_gives() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    // Random values written as the usual writers do.
    for _ in 0..200_000 {
        let digits = rng.random_range(1..=17);
        let x: f64 = rng.random_range(-1.0..1.0) * 10f64.powi(rng.random_range(-40..40));
        check_number(&format!("{x}"));
        check_number(&format!("{x:e}"));
        check_number(&format!("{x:.prec$e}", prec = digits % 8));
        check_number(&format!("{x:.prec$}", prec = digits % 9));
        check_number(&format!("{}", f64::from_bits(rng.random())));
        check_number(&format!("{}", rng.random::<f32>() * 1e6));
    }
    // Random strings of the characters numbers are made of.
    let alphabet = b"0123456789012345678901234567890123456789.-+eE_x ";
    for _ in 0..500_000 {
        let len = rng.random_range(1..24);
        let s: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
            .collect();
        check_number(&s);
    }
    for s in [
        "1.",
        ".5",
        "+5",
        "-.5e3",
        ".",
        "+",
        "-",
        "1e",
        "1e+",
        "e5",
        "1.5e3x",
        "inf",
        "-inf",
        "NaN",
        "1e400",
        "-1e-400",
        "1e308",
        "3.5e38",
        "3.4028236e38",
        "00012",
        "1.2.3",
        "0.0",
        "-0",
        "9007199254740993",
        "1e22",
        "1e23",
        "123456.7e-22",
        "1234567.1234567",
        "1234567.12345678",
        "1234567.123456789",
        "0.1234567",
        "0.12345678",
        "0.0000123456",
        "-0.000123456e-3",
        "-9.99999e-05",
        "12345678",
        "12345678.5",
        "0.30000000000000004",
        "2.2250738585072011e-308",
        "4.9e-324",
    ] {
        check_number(s);
    }
}
