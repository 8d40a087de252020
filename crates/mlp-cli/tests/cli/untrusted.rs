//! Files a user did not mean to give, or that someone made to hurt: quotes never closed, files
//! too large for memory, leftovers of killed runs, names that are not UTF-8. Each is refused on
//! one line with exit 2 (or handled), and nothing is written.
#![allow(clippy::unwrap_used)]

use crate::common;

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

/// [`MODEL`] with a `training` value of `n` zeros: a small file of many values.
fn model_with_training(n: usize) -> String {
    let zeros = vec!["0"; n].join(",");
    MODEL.replacen(
        "\"layers\"",
        &format!("\"training\": [{zeros}],\n  \"layers\""),
        1,
    )
}

#[test]
fn a_model_file_is_checked_to_fit_in_memory_before_it_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    // 400 KB of text, 200,000 values: parsing takes far more than the 4 MB allowed.
    let model = write(dir.path(), "model.json", &model_with_training(200_000));
    fails(
        mlp().env("MLP_MAX_MEMORY_MB", "4").arg("show").arg(&model),
        2,
        &["model.json", "does not fit in memory", "4 MB are available"],
    );
    // With the memory, the same file is read.
    let shown = ok(mlp()
        .env("MLP_MAX_MEMORY_MB", "400")
        .arg("show")
        .arg(&model));
    assert!(shown.contains("3 -> 2 sigmoid -> 1 sigmoid"), "{shown}");
    // A file larger than the memory is not even read.
    let spaces = write(dir.path(), "spaces.json", &" ".repeat(3 << 20));
    fails(
        mlp().env("MLP_MAX_MEMORY_MB", "2").arg("show").arg(&spaces),
        2,
        &["spaces.json", "the file does not fit in memory"],
    );
}

#[test]
fn a_checkpoint_is_checked_to_fit_in_memory_before_it_is_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec!["0"; 200_000].join(",");
    let checkpoint = write(
        dir.path(),
        "run.checkpoint",
        &format!("{{\"format\": \"mlp-checkpoint\", \"version\": 1, \"params\": [{zeros}]}}"),
    );
    let out = dir.path().join("m.json");
    fails(
        mlp()
            .env("MLP_MAX_MEMORY_MB", "8")
            .args([
                "train",
                "--dataset",
                "iris",
                "-q",
                "--hidden",
                "3",
                "--resume",
            ])
            .arg(&checkpoint)
            .arg("--out")
            .arg(&out),
        2,
        &["run.checkpoint", "does not fit in memory"],
    );
    assert!(!out.exists());
}

#[test]
fn a_weights_image_larger_than_memory_is_refused_before_it_is_drawn() {
    // One input (a 1 x 1 image) and 300 units: 300 tiles of 112 x 112 pixels, 24 MB to draw.
    let units: Vec<String> = (0..300).map(|i| format!("[{}]", i % 7)).collect();
    let zeros = vec!["0"; 300].join(",");
    let text = format!(
        "{{\"format\": \"mlp-model\", \"version\": 1, \"loss\": \"squared_error\", \"layers\": [\
         {{\"activation\": \"tanh\", \"weights\": [{}], \"bias\": [{zeros}]}},\
         {{\"activation\": \"identity\", \"weights\": [[{zeros}]], \"bias\": [0]}}]}}",
        units.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    let model = write(dir.path(), "model.json", &text);
    let png = dir.path().join("w.png");
    fails(
        mlp()
            .env("MLP_MAX_MEMORY_MB", "16")
            .arg("show")
            .arg(&model)
            .arg("--weights-image")
            .arg(&png),
        2,
        &["--weights-image", "more than the memory available (16 MB)"],
    );
    assert!(!png.exists());
    ok(mlp()
        .env("MLP_MAX_MEMORY_MB", "400")
        .arg("show")
        .arg(&model)
        .arg("--weights-image")
        .arg(&png));
    assert!(png.exists());
}

/// A file name of `stem`, byte 0xff (not UTF-8, legal on Linux) and `ext`.
#[cfg(unix)]
fn not_utf8(dir: &std::path::Path, stem: &str, ext: &str) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let name = [stem.as_bytes(), &[0xff], ext.as_bytes()].concat();
    dir.join(std::ffi::OsStr::from_bytes(&name))
}

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8_are_accepted_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let p = |stem: &str, ext: &str| not_utf8(dir.path(), stem, ext);
    std::fs::write(p("data", ".csv"), DATA).unwrap();
    let train = |more: &[&std::path::Path]| {
        let mut cmd = mlp();
        cmd.arg("train")
            .arg("--data")
            .arg(p("data", ".csv"))
            .args(["--target", "y", "-q", "--hidden", "2", "--solver", "adam"])
            .args([
                "--epochs",
                "4",
                "--batch-size",
                "2",
                "--checkpoint-every",
                "2",
            ])
            .arg("--out")
            .arg(p("model", ".json"))
            .arg("--history")
            .arg(p("history", ".csv"))
            .arg("--plot")
            .arg(p("plot", ".svg"))
            .arg("--checkpoint")
            .arg(p("run", ".checkpoint"));
        for m in more {
            cmd.arg(m);
        }
        cmd
    };
    ok(&mut train(&[]));
    for (stem, ext) in [
        ("model", ".json"),
        ("history", ".csv"),
        ("plot", ".svg"),
        ("run", ".checkpoint"),
    ] {
        assert!(p(stem, ext).exists(), "{stem}{ext} not written");
    }
    ok(&mut train(&[
        std::path::Path::new("--resume"),
        &p("run", ".checkpoint"),
    ]));
    ok(mlp()
        .arg("predict")
        .arg("--model")
        .arg(p("model", ".json"))
        .arg("--data")
        .arg(p("data", ".csv"))
        .arg("--out")
        .arg(p("predictions", ".csv")));
    assert!(p("predictions", ".csv").exists());
    ok(mlp()
        .arg("cost")
        .arg("--model")
        .arg(p("model", ".json"))
        .arg("--data")
        .arg(p("data", ".csv"))
        .arg("--gradient")
        .arg(p("gradient", ".json")));
    ok(mlp()
        .args(["init", "--layers", "3,2,1", "--out"])
        .arg(p("init", ".json")));
    ok(mlp().arg("show").arg(p("init", ".json")));
    // Messages print such names lossily, on one line.
    fails(
        mlp()
            .arg("train")
            .arg("--data")
            .arg(p("data", ".csv"))
            .args(["--target", "y", "--out"])
            .arg(p("data", ".csv")),
        2,
        &["--out", "data\u{fffd}.csv is the input"],
    );
    fails(
        mlp().arg("show").arg(p("absent", ".json")),
        2,
        &["absent\u{fffd}.json"],
    );
}
