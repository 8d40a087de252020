//! Files a user did not mean to give, or that someone made to hurt: quotes never closed, files
//! too large for memory, leftovers of killed runs, names that are not UTF-8. Each is refused on
//! one line with exit 2 (or handled), and nothing is written.
#![allow(clippy::unwrap_used)]

mod common;

use common::fixtures::*;

/// Trains on `csv` (target `y`) into an existing model file, which must fail with exit 2 on
/// one line holding every one of `needles`, and leave the model file as it was.
fn train_refuses(csv: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "data.csv", csv);
    let out = write(dir.path(), "m.json", "before");
    fails(
        mlp()
            .arg("train")
            .arg("--data")
            .arg(&data)
            .args(["--target", "y", "-q", "--out"])
            .arg(&out),
        2,
        needles,
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "before");
}

#[test]
fn a_quote_never_closed_at_the_end_of_the_file_is_refused_naming_its_line() {
    // The last field of the last row: the quoted field runs to the end of the file, and the row
    // still has as many fields as the header, so nothing else notices.
    let numbers = "a,b,y\n1,2,0\n3,4,1\n5,6,\"1\n7,8,0\n";
    train_refuses(numbers, &["data.csv line 4", "never closed"]);
    // The same in a file with a text column, which is read again as text.
    let text = "a,b,y\n1,red,0\n3,blue,1\n5,red,\"1\n7,blue,0\n";
    train_refuses(text, &["data.csv line 4", "never closed"]);
    // A quote opened earlier: the row it swallows is ragged, but the quote is what is wrong.
    let ragged = "a,b,y\n1,2,0\n3,\"4,1\n5,6,1\n7,8,0\n";
    train_refuses(ragged, &["data.csv line 3", "never closed"]);
    let ragged_text = "a,b,y\n1,red,0\n3,\"blue,1\n5,red,1\n";
    train_refuses(ragged_text, &["data.csv line 3", "never closed"]);
    // Closed quotes, even over several lines, are fields like any other.
    let dir = tempfile::tempdir().unwrap();
    let data = write(
        dir.path(),
        "data.csv",
        "a,b,y\n1,\"red\",0\n3,\"bl\nue\",1\n5,\"red\",\"1\"\n7,\"he said \"\"hi\"\"\",0\n",
    );
    ok(mlp()
        .arg("describe")
        .arg("--data")
        .arg(&data)
        .args(["--target", "y"]));
}

#[test]
fn a_quote_never_closed_in_the_header_is_one_line() {
    // The header swallows the whole file; it used to be listed, line breaks and all, in a
    // message of three lines.
    train_refuses(
        "a,\"b,y\n1,2,0\n3,4,1\n",
        &["data.csv line 1", "never closed"],
    );
    // A header name that holds a line break, in a closed quote, is shown escaped.
    train_refuses(
        "a,\"b\nc\",x\n1,2,0\n3,4,1\n",
        &["no column \"y\"", "b\\nc"],
    );
}

#[test]
fn predict_refuses_a_quote_never_closed_too() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "model.json", MODEL);
    let data = write(
        dir.path(),
        "data.csv",
        "x1,x2,x3\n0.1,0.2,0.3\n0.5,-0.2,\"0.1\n-0.3,0.7,0.2\n",
    );
    fails(
        mlp()
            .arg("predict")
            .arg("--model")
            .arg(&model)
            .arg("--data")
            .arg(&data),
        2,
        &["data.csv line 3", "never closed"],
    );
}
