//! One command on the CSV a user actually has: text, categories, dates, IDs and missing values,
//! in training, prediction and evaluation, on small files made here.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::penguins;
use common::raw::{mlp, ok, run};

use serde_json::Value;

#[test]
fn raw_table_trains_predicts_and_evaluates_with_no_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("train.csv"), penguins(90, ',')).unwrap();
    let (_, err) = ok(
        d,
        &[
            "train",
            "--data",
            "train.csv",
            "--target",
            "species",
            "--out",
            "m.json",
        ],
    );
    assert!(
        err.contains("note: column \"id\" left out: it counts the rows"),
        "{err}"
    );
    assert!(
        err.contains("note: column \"comment\" left out: a different text in every row"),
        "{err}"
    );
    assert!(
        err.contains("note: 1 row with a missing target left out of training"),
        "{err}"
    );
    assert!(
        err.contains("columns: 2 numeric, 2 categorical, 1 date"),
        "{err}"
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 2);
    assert_eq!(
        model["features"],
        serde_json::json!(["island", "bill", "flipper", "tagged", "seen"])
    );
    let columns = model["columns"].as_array().unwrap();
    assert_eq!(columns[0]["type"], "categorical");
    assert_eq!(columns[0]["missing"], true);
    assert_eq!(columns[2]["type"], "numeric");
    assert_eq!(columns[2]["indicator"], true);
    assert_eq!(columns[3]["levels"], serde_json::json!(["no", "yes"]));
    assert_eq!(columns[4]["type"], "date");

    // Held-out rows, raw: columns in another order, an extra column, a new island, a missing
    // number, text in a number; an ID kept for joining.
    let holdout = "species,extra,seen,tagged,flipper,bill,island,id\n\
                   Adelie,1,2008-03-03,yes,,38.1,Atlantis,501\n\
                   Gentoo,2,,no,bad,43.5,Dream,502\n\
                   Chinstrap,3,2008-05-05,yes,202,48.2,Biscoe,503\n";
    std::fs::write(d.join("holdout.csv"), holdout).unwrap();
    let (out, err) = ok(
        d,
        &[
            "predict",
            "--model",
            "m.json",
            "--data",
            "holdout.csv",
            "--keep",
            "id",
            "--out",
            "-",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("id,prediction,p_Adelie,"), "{out}");
    assert!(
        lines[1].starts_with("501,") && lines[3].starts_with("503,"),
        "{out}"
    );
    assert!(
        err.contains("column the model does not use: extra"),
        "{err}"
    );
    assert!(
        err.contains(
            "column \"island\": 1 row holds levels unseen or rare in training (\"Atlantis\""
        ),
        "{err}"
    );
    assert!(
        err.contains("column \"flipper\": 1 row holds not numbers (\"bad\"; first on line 3)"),
        "{err}"
    );
    let (out, _) = ok(
        d,
        &["evaluate", "--model", "m.json", "--data", "holdout.csv"],
    );
    let scores: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(scores["examples"], 3);
    assert!(
        scores["accuracy"].as_f64().unwrap() >= 2.0 / 3.0,
        "{scores}"
    );
}

#[test]
fn describe_prints_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(60, ',')).unwrap();
    let (out, _) = ok(
        d,
        &[
            "describe", "--data", "p.csv", "--target", "species", "--format", "json",
        ],
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    let types: Vec<&str> = plan["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "left out",
            "categorical",
            "numeric",
            "numeric",
            "categorical",
            "date",
            "left out"
        ]
    );
    let flipper = &plan["columns"][3];
    assert_eq!(flipper["missing"], 7, "{flipper}");
    assert_eq!(plan["targets"][0]["missing"], 1);
    assert_eq!(plan["task"]["task"], "classification");
    let (table, _) = ok(d, &["describe", "--data", "p.csv", "--target", "species"]);
    assert!(
        table.contains("island") && table.contains("one-hot, 3 levels + missing"),
        "{table}"
    );
    // 60 rows: 3 bins (20 rows each) for each number and for the date's days.
    assert!(
        table.contains("number, median fill + missing indicator + 3 bins"),
        "{table}"
    );
    assert!(table.contains("network inputs: 23"), "{table}");
    let args = ["describe", "--data", "p.csv", "--target", "species"];
    let (table, _) = ok(d, &[&args[..], &["--bins", "0"]].concat());
    assert!(table.contains("network inputs: 14"), "{table}");
    let (table, _) = ok(d, &[&args[..], &["--bins", "2"]].concat());
    assert!(table.contains("network inputs: 20"), "{table}");
}

#[test]
fn tab_and_semicolon_files_with_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("t.tsv"), penguins(60, '\t')).unwrap();
    let semi = penguins(60, ';').replace("38.3", "38,3").replace('.', ",");
    std::fs::write(d.join("s.csv"), &semi).unwrap();
    for file in ["t.tsv", "s.csv"] {
        let (out, _) = ok(
            d,
            &[
                "describe", "--data", file, "--target", "species", "--format", "json",
            ],
        );
        let plan: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(plan["columns"][2]["type"], "numeric", "{file}: {out}");
        assert_eq!(plan["columns"].as_array().unwrap().len(), 7, "{file}");
    }
    ok(
        d,
        &[
            "train", "--data", "s.csv", "--target", "species", "--out", "s.json", "--quiet",
        ],
    );
    let model = std::fs::read_to_string(d.join("s.json")).unwrap();
    assert!(
        model.contains("\"decimal\": \",\""),
        "the model keeps its decimal comma"
    );
    ok(
        d,
        &[
            "predict", "--model", "s.json", "--data", "s.csv", "--out", "p.csv",
        ],
    );
    // Given explicitly, the separator and the decimal mark are used as given.
    let (code, _, err) = run(
        d,
        &[
            "describe",
            "--data",
            "s.csv",
            "--delimiter",
            ",",
            "--target",
            "species",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no column \"species\""), "{err}");
}

#[test]
fn overrides_decide_the_types() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.csv"), penguins(60, ',')).unwrap();
    let (out, _) = ok(
        d,
        &[
            "describe",
            "--data",
            "p.csv",
            "--target",
            "species",
            "--format",
            "json",
            "--numeric",
            "id",
            "--categorical",
            "bill",
            "--drop",
            "comment",
        ],
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = plan["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"comment"));
    assert_eq!(plan["columns"][0]["type"], "numeric");
    assert_eq!(plan["columns"][2]["type"], "categorical");
    let (code, _, err) = run(
        d,
        &[
            "train",
            "--data",
            "p.csv",
            "--target",
            "species",
            "--categorical",
            "islnd",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("no feature column \"islnd\" (did you mean \"island\"?)"),
        "{err}"
    );
}

#[test]
fn numeric_complete_tables_still_make_version_1_models() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = String::from("id,a,b,y\n");
    for i in 0..40 {
        data.push_str(&format!("{},{},{},{}\n", i, i % 5, (i * 7) % 11, i % 2));
    }
    std::fs::write(d.join("n.csv"), data).unwrap();
    let (_, err) = ok(
        d,
        &[
            "train", "--data", "n.csv", "--target", "y", "--out", "n.json",
        ],
    );
    assert!(
        err.contains("note: column \"id\" left out: it counts the rows (0, 1, ...)"),
        "{err}"
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("n.json")).unwrap()).unwrap();
    assert_eq!(model["version"], 1);
    assert_eq!(model["features"], serde_json::json!(["a", "b"]));
    // Such a model knows no fill: a missing value at prediction time is an error naming it.
    std::fs::write(d.join("m.csv"), "a,b\n1,\n").unwrap();
    let (code, _, err) = run(d, &["predict", "--model", "n.json", "--data", "m.csv"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("m.csv line 2, column \"b\": empty value"),
        "{err}"
    );
}

#[test]
fn bad_input_still_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = penguins(30, ',');
    data.push_str("1,2,3\n");
    std::fs::write(d.join("ragged.csv"), data).unwrap();
    let (code, _, err) = run(d, &["train", "--data", "ragged.csv", "--target", "species"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("ragged.csv: line 32 has 3 fields, the header has 8"),
        "{err}"
    );
    std::fs::write(d.join("p.csv"), penguins(30, ',')).unwrap();
    let (code, _, err) = run(d, &["train", "--data", "p.csv", "--target", "specie"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no column \"specie\" (did you mean \"species\"?)"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // A column to keep that the file lacks is named, with the nearest one, before predicting.
    ok(
        d,
        &[
            "train", "--data", "p.csv", "--target", "species", "--out", "m.json", "--quiet",
        ],
    );
    let (code, out, err) = run(
        d,
        &[
            "predict", "--model", "m.json", "--data", "p.csv", "--keep", "idd",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("no column \"idd\" to keep (did you mean \"id\"?)"),
        "{err}"
    );
}

#[test]
fn compressed_piped_and_marked_inputs_read_the_same() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = penguins(60, ',');
    std::fs::write(d.join("p.csv"), &text).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(d.join("p.csv.gz"), gz.finish().unwrap()).unwrap();
    let args = ["--target", "species", "--quiet", "--out"];
    ok(
        d,
        &[&["train", "--data", "p.csv"][..], &args, &["a.json"]].concat(),
    );
    ok(
        d,
        &[&["train", "--data", "p.csv.gz"][..], &args, &["b.json"]].concat(),
    );
    let piped = mlp(d)
        .args([&["train", "--data", "-"][..], &args, &["c.json"]].concat())
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(
        piped.status.success(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
    let a = std::fs::read(d.join("a.json")).unwrap();
    assert_eq!(a, std::fs::read(d.join("b.json")).unwrap());
    assert_eq!(a, std::fs::read(d.join("c.json")).unwrap());
    // `--na-values` replaces the markers: "NA" becomes an island of its own.
    let (out, _) = ok(
        d,
        &[
            "describe",
            "--data",
            "p.csv",
            "--target",
            "species",
            "--na-values",
            "?",
            "--format",
            "json",
        ],
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["columns"][1]["distinct"], 4, "{out}");
    assert_eq!(plan["columns"][1]["missing"], 0, "{out}");
    let (shown, _) = ok(d, &["show", "a.json"]);
    assert!(
        shown.contains("island") && shown.contains("one-hot, 3 levels + missing"),
        "{shown}"
    );
}

#[test]
fn text_larger_than_the_memory_bound_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut data = String::from("name,y\n");
    for i in 0..60_000 {
        data.push_str(&format!(
            "a-rather-long-distinct-text-value-{i},{}\n",
            i % 2
        ));
    }
    std::fs::write(d.join("t.csv"), &data).unwrap();
    for input in ["t.csv", "-"] {
        let out = mlp(d)
            .env("MLP_MAX_MEMORY_MB", "2")
            .args(["describe", "--data", input, "--target", "y"])
            .write_stdin(data.clone())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{input}: {err}");
        assert!(
            err.contains("the data does not fit in memory"),
            "{input}: {err}"
        );
    }
}

#[test]
fn formatted_numbers_and_dates_in_other_orders_are_read_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("price,rate,sold,eu_sold,y\n");
    for i in 0..60u32 {
        let price = 1000 + 997 * i;
        let (month, day) = (1 + i % 12, 1 + (7 * i) % 28);
        csv.push_str(&format!(
            "\"${},{:03}\",{}%,{month}/{day}/20{:02},{day}.{month}.2001,{}\n",
            price / 1000,
            price % 1000,
            i % 40,
            10 + i % 10,
            i % 7
        ));
    }
    std::fs::write(d.join("t.csv"), &csv).unwrap();
    let (out, _) = ok(
        d,
        &[
            "describe", "--data", "t.csv", "--target", "y", "--format", "json",
        ],
    );
    let plan: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&str> = plan["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["numeric", "numeric", "date", "date"], "{out}");
    ok(
        d,
        &[
            "train",
            "--data",
            "t.csv",
            "--target",
            "y",
            "--out",
            "m.json",
            "--quiet",
            "--ensemble",
            "1",
        ],
    );
    let model: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("m.json")).unwrap()).unwrap();
    let formats: Vec<&str> = model["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["format"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(formats, ["formatted", "formatted", "mdy", "dmy"]);
    // A row written both ways predicts the same: "$7,000" is 7000, "1/2/2015" is 2015-01-02.
    std::fs::write(
        d.join("two.csv"),
        "price,rate,sold,eu_sold\n\"$7,000\",18%,1/2/2015,2.1.2001\n7000,18,2015-01-02,2001-01-02\n",
    )
    .unwrap();
    let (pred, err) = ok(d, &["predict", "--model", "m.json", "--data", "two.csv"]);
    assert!(!err.contains("missing"), "{err}");
    let rows: Vec<&str> = pred.lines().skip(1).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], rows[1], "{pred}");
    // A target written as money is a number to regress on, in training and in evaluation.
    let (_, err) = ok(
        d,
        &[
            "train",
            "--data",
            "t.csv",
            "--target",
            "price",
            "--out",
            "p.json",
            "--ensemble",
            "1",
        ],
    );
    assert!(err.contains("task: regression"), "{err}");
    let (out, _) = ok(d, &["evaluate", "--model", "p.json", "--data", "t.csv"]);
    let scores: Value = serde_json::from_str(&out).unwrap();
    assert!(scores["r2"].as_f64().unwrap() > 0.0, "{out}");
}
