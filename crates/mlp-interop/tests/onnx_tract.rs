//! Every exported ONNX graph, run by tract, gives what `mlp predict` gives: the same labels, and
//! probabilities or values within 1e-5 (float32 graphs) or 1e-12 (float64 graphs) of the output's
//! scale. Models trained on every built-in data set, with every hidden activation and output kind,
//! an ensemble, and a table with categories, dates and missing values (its bins included).

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use mlp::data::{Columns, Source, read_csv};
use mlp::export::{Precision, to_onnx};
use mlp::schema::{Encoding, parse_days};
use mlp::{Activation, FitOptions, Model};
use tract_onnx::prelude::*;

fn datasets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

/// A model trained on the CSV file `path`, small and quick (the defaults otherwise).
fn train(path: &Path, target: &str, hidden: Activation, change: impl Fn(&mut FitOptions)) -> Model {
    let columns = Columns {
        targets: vec![target.into()],
        ..Columns::default()
    };
    let table = read_csv::<f64>(&Source::Path(path.into()), &columns).expect("data");
    let mut options = FitOptions {
        hidden: vec![8],
        activation: hidden,
        ..FitOptions::default()
    };
    options.train.epochs = 20;
    change(&mut options);
    mlp::fit(table, &options, None, |_| ControlFlow::Continue(()))
        .expect("training")
        .model
}

/// What `mlp predict` computes for the rows of `path`: decoded outputs, and the raw columns
/// that the graph takes as its inputs.
fn predict(model: &Model, path: &Path) -> (Vec<Vec<f64>>, HashMap<String, Tensor>, Precision) {
    let columns = model.read_options(Columns {
        targets_optional: true,
        ..Columns::default()
    });
    let mut table = read_csv::<f64>(&Source::Path(path.into()), &columns).expect("data");
    let feeds = raw_inputs(model, &table, path);
    let x = model.inputs(&mut table).expect("inputs").x;
    let out = model.decode_outputs(model.predict(x.view()).expect("predict"));
    let rows = out.rows().into_iter().map(|r| r.to_vec()).collect();
    (rows, feeds, Precision::F64)
}

/// The graph's inputs for a table, as docs/model-format.md describes them (float64 here; cast
/// for float32 graphs).
fn raw_inputs(
    model: &Model,
    table: &mlp::data::Table<f64>,
    path: &Path,
) -> HashMap<String, Tensor> {
    let n = table.x.nrows();
    let column = |name: &str| -> Vec<f64> {
        let j = table
            .feature_names
            .iter()
            .position(|f| f == name)
            .expect("column");
        table.x.column(j).to_vec()
    };
    let Some(schema) = &model.schema else {
        let x = table.x.clone().into_raw_vec_and_offset().0;
        let t = tract_ndarray::Array2::from_shape_vec((n, table.x.ncols()), x).expect("shape");
        return HashMap::from([("input".to_string(), t.into_tensor())]);
    };
    if schema
        .columns
        .iter()
        .all(|c| matches!(c.encoding, Encoding::Numeric { .. }))
    {
        let cols: Vec<Vec<f64>> = schema.columns.iter().map(|c| column(&c.name)).collect();
        let t = tract_ndarray::Array2::from_shape_fn((n, cols.len()), |(i, j)| cols[j][i]);
        return HashMap::from([("input".to_string(), t.into_tensor())]);
    }
    // Text columns: read the file's fields as text.
    let text = text_fields(path);
    let mut feeds = HashMap::new();
    for c in &schema.columns {
        let fields = &text[&c.name];
        let missing = |f: &str| f.is_empty() || schema.na_values.iter().any(|na| na == f);
        let tensor = match &c.encoding {
            Encoding::Categorical { .. } => {
                let v: Vec<String> = fields.clone();
                tract_ndarray::Array2::from_shape_vec((n, 1), v)
                    .expect("shape")
                    .into_tensor()
            }
            Encoding::Numeric { .. } => {
                let v: Vec<f64> = fields
                    .iter()
                    .map(|f| {
                        if missing(f) {
                            f64::NAN
                        } else {
                            f.parse().unwrap_or(f64::NAN)
                        }
                    })
                    .collect();
                tract_ndarray::Array2::from_shape_vec((n, 1), v)
                    .expect("shape")
                    .into_tensor()
            }
            Encoding::Date { .. } => {
                let v: Vec<f64> = fields
                    .iter()
                    .map(|f| parse_days(f).unwrap_or(f64::NAN))
                    .collect();
                tract_ndarray::Array2::from_shape_vec((n, 1), v)
                    .expect("shape")
                    .into_tensor()
            }
        };
        feeds.insert(c.name.clone(), tensor);
    }
    feeds
}

/// The trimmed fields of a simple CSV file (no quotes), by column.
fn text_fields(path: &Path) -> HashMap<String, Vec<String>> {
    let text = std::fs::read_to_string(path).expect("read");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for line in lines {
        for (name, field) in header.iter().zip(line.split(',')) {
            out.entry(name.clone())
                .or_default()
                .push(field.trim().to_string());
        }
    }
    out
}

/// Runs the exported graph with tract on `feeds`; returns the outputs by name.
fn run_tract(
    bytes: &[u8],
    feeds: &HashMap<String, Tensor>,
    precision: Precision,
) -> HashMap<String, Tensor> {
    let mut model = tract_onnx::onnx()
        .model_for_read(&mut &bytes[..])
        .expect("tract reads the graph");
    let names: Vec<String> = model
        .input_outlets()
        .expect("inputs")
        .iter()
        .map(|o| model.node(o.node).name.clone())
        .collect();
    let mut inputs: TVec<TValue> = TVec::new();
    for (i, name) in names.iter().enumerate() {
        let t = feeds
            .get(name)
            .unwrap_or_else(|| panic!("no feed for input {name}"));
        let t = if t.datum_type() == f64::datum_type() && precision == Precision::F32 {
            t.cast_to::<f32>().expect("cast").into_owned()
        } else {
            t.clone()
        };
        model
            .set_input_fact(i, InferenceFact::dt_shape(t.datum_type(), t.shape()))
            .expect("input fact");
        inputs.push(t.into_tvalue());
    }
    let outputs: Vec<String> = model
        .output_outlets()
        .expect("outputs")
        .iter()
        .map(|o| {
            model
                .outlet_label(*o)
                .map_or_else(|| model.node(o.node).name.clone(), str::to_string)
        })
        .collect();
    let plan = model
        .into_optimized()
        .expect("tract optimizes the graph")
        .into_runnable()
        .expect("runnable");
    let result = plan.run(inputs).expect("tract runs the graph");
    outputs
        .into_iter()
        .zip(result)
        .map(|(n, v)| (n, v.into_tensor()))
        .collect()
}

/// Exports `model`, runs it with tract in both precisions and compares with `mlp predict`.
fn check(label: &str, model: &Model, data: &Path) {
    let (want, feeds, _) = predict(model, data);
    for precision in [Precision::F32, Precision::F64] {
        let bytes = to_onnx(model, precision).expect("export");
        let got = run_tract(&bytes, &feeds, precision);
        let tol = match precision {
            Precision::F32 => 1e-5,
            Precision::F64 => 1e-12,
        };
        let values = got
            .get("probabilities")
            .or_else(|| got.get("variable"))
            .expect("an output");
        let values = values.cast_to::<f64>().expect("cast");
        let values = values.to_array_view::<f64>().expect("view");
        let scale = want
            .iter()
            .flatten()
            .fold(1e-300_f64, |m, v| m.max(v.abs()))
            .min(if model.classes.is_some() {
                1.0
            } else {
                f64::INFINITY
            });
        let mut worst = 0.0_f64;
        for (i, row) in want.iter().enumerate() {
            for (k, w) in row.iter().enumerate() {
                worst = worst.max((values[[i, k]] - w).abs() / scale);
            }
        }
        assert!(
            worst <= tol,
            "{label} {precision:?}: largest difference {worst:e} > {tol:e}"
        );
        if let Some(classes) = &model.classes {
            let labels = &got["label"];
            for (i, row) in want.iter().enumerate() {
                let best = mlp::metrics::argmax(row.iter().copied());
                let mut sorted = row.clone();
                sorted.sort_by(f64::total_cmp);
                let tied = sorted.len() > 1
                    && sorted[sorted.len() - 1] - sorted[sorted.len() - 2] <= 2.0 * tol;
                let got_label = match labels.datum_type() {
                    DatumType::String => labels.as_slice::<String>().expect("labels")[i].clone(),
                    _ => labels
                        .cast_to::<i64>()
                        .expect("labels")
                        .as_slice::<i64>()
                        .expect("labels")[i]
                        .to_string(),
                };
                assert!(
                    tied || got_label == classes[best],
                    "{label} {precision:?}: row {i} label {got_label}, mlp predict says {}",
                    classes[best]
                );
            }
        }
    }
}

#[test]
fn every_activation_on_iris_and_diabetes() {
    for act in Activation::ALL
        .into_iter()
        .filter(|a| *a != Activation::Softmax)
    {
        let iris = datasets().join("iris.csv");
        check(
            &format!("iris/{}", act.name()),
            &train(&iris, "species", act, |_| {}),
            &iris,
        );
        let diabetes = datasets().join("diabetes.csv");
        check(
            &format!("diabetes/{}", act.name()),
            &train(&diabetes, "progression", act, |_| {}),
            &diabetes,
        );
    }
}

#[test]
fn every_built_in_data_set() {
    for (name, target) in [
        ("wine.csv", "cultivar"),
        ("breast_cancer.csv", "diagnosis"),
        ("digits.csv", "digit"),
        ("mnist_5k.csv.gz", "digit"),
    ] {
        let path = datasets().join(name);
        check(name, &train(&path, target, Activation::Relu, |_| {}), &path);
    }
}

#[test]
fn every_output_kind_and_an_ensemble() {
    let iris = datasets().join("iris.csv");
    let sigmoids = train(&iris, "species", Activation::Tanh, |o| {
        o.output = Some(Activation::Sigmoid);
    });
    check("iris/sigmoid outputs", &sigmoids, &iris);
    let cancer = datasets().join("breast_cancer.csv");
    let one = train(&cancer, "diagnosis", Activation::Relu, |o| {
        o.output = Some(Activation::Sigmoid);
    });
    assert_eq!(one.network.n_outputs(), 1);
    check("breast_cancer/one sigmoid", &one, &cancer);
    let wine = datasets().join("wine.csv");
    let ensemble = train(&wine, "cultivar", Activation::Relu, |o| {
        o.ensemble = Some(3)
    });
    assert_eq!(ensemble.members(), 3);
    check("wine/ensemble", &ensemble, &wine);
}

/// A table with numbers, categories and dates, each with missing values.
fn mixed_table(dir: &Path, target: &str) -> PathBuf {
    let mut csv = format!("x,size,color,when,{target}\n");
    let colors = ["red", "green", "blue", "violet", "NA"];
    for i in 0..300_u32 {
        let f = f64::from(i);
        let x = if i % 11 == 3 {
            String::new()
        } else {
            format!("{:.4}", (f * 0.37).sin() * 3.0)
        };
        let size = if i % 13 == 5 {
            "NA".into()
        } else {
            format!("{:.2}", (f * 0.11).cos().abs() * 90.0 + f * 0.1)
        };
        let color = colors[(i as usize * 7 + i as usize / 5) % colors.len()];
        let when = if i % 17 == 2 {
            String::new()
        } else {
            format!(
                "{:04}-{:02}-{:02}",
                1990 + i % 35,
                1 + (i * 5) % 12,
                1 + (i * 7) % 28
            )
        };
        let y = (f * 0.37).sin() * 3.0
            + if color == "red" { 2.0 } else { 0.0 }
            + f64::from((i * 5) % 12) * 0.2;
        let t = match target {
            "y" => format!("{y:.4}"),
            _ => (if y > 1.0 { "high" } else { "low" }).to_string(),
        };
        csv.push_str(&format!("{x},{size},{color},{when},{t}\n"));
    }
    let path = dir.join(format!("mixed-{target}.csv"));
    std::fs::write(&path, csv).expect("write");
    path
}

#[test]
fn categories_dates_missing_values_and_bins() {
    let dir = std::env::temp_dir().join(format!("mlp-interop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for target in ["y", "label"] {
        let path = mixed_table(&dir, target);
        let model = train(&path, target, Activation::Relu, |o| o.ensemble = Some(2));
        let schema = model
            .schema
            .as_ref()
            .expect("a table with text has a schema");
        let kinds: Vec<&str> = schema
            .columns
            .iter()
            .map(|c| match c.encoding {
                Encoding::Numeric { .. } => "numeric",
                Encoding::Categorical { .. } => "categorical",
                Encoding::Date { .. } => "date",
            })
            .collect();
        assert!(
            kinds.contains(&"categorical") && kinds.contains(&"date"),
            "{kinds:?}"
        );
        assert!(
            schema.columns.iter().any(|c| !c.encoding.bins().is_empty()),
            "bins"
        );
        check(&format!("mixed/{target}"), &model, &path);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
