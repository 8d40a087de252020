//! A model as an ONNX graph (see the module above for the steps, and docs/model-format.md for
//! the inputs and outputs).

use prost::Message;

use super::Precision;
use super::graph::{Attr, Graph};
use super::onnx_proto::{
    ModelProto, OperatorSetIdProto, StringStringEntryProto, tensor_proto::DataType,
};
use crate::activation::{Activation, SELU_ALPHA, SELU_LAMBDA};
use crate::error::{Error, Location, Result};
use crate::model::Model;
use crate::network::Network;
use crate::schema::{Encoding, Schema};

/// The version of the default ONNX operator set the graphs use.
pub const OPSET: i64 = 17;
/// The version of the `ai.onnx.ml` operator set (for `CategoryMapper`).
const ML_OPSET: i64 = 3;
/// The ONNX IR version of opset 17.
const IR_VERSION: i64 = 8;
/// The name of the one input of a model whose inputs are all numbers.
pub const INPUT: &str = "input";
/// The names of the outputs: a classifier's, a regressor's.
const OUTPUTS: [&str; 3] = ["label", "probabilities", "variable"];

/// The model as the bytes of an ONNX file (opset [`OPSET`], numbers in `precision`).
///
/// Inputs: a model whose columns are all numbers (or that has no input schema) takes one
/// tensor named `input`, \[rows, features\] in the order of `features`, a missing value as
/// NaN. A model with categorical or date columns takes one input per column, named as the
/// column, of shape \[rows, 1\]: strings for categories (as the data file holds them, trimmed;
/// a missing-value marker such as "" or "NA" counts as missing), days since
/// 1970-01-01T00:00 UTC for dates (NaN: missing), numbers for numbers.
///
/// Outputs: a classifier gives `label` (\[rows\], the label of the most probable class: 64-bit
/// integers when every class label is one, else strings) and `probabilities` (\[rows,
/// classes\]); a regressor gives `variable` (\[rows, targets\]).
pub fn to_onnx(model: &Model, precision: Precision) -> Result<Vec<u8>> {
    let mut g = Graph::new(precision);
    let x = inputs(&mut g, model)?;
    let x = match &model.input_scaling {
        Some(s) => {
            let n = s.mean.len();
            let mean = g.floats(&s.mean, &[n]);
            let std = g.floats(&s.std, &[n]);
            let centered = g.bin("Sub", &x, &mean);
            g.bin("Div", &centered, &std)
        }
        None => x,
    };
    let members: Vec<String> = std::iter::once(&model.network)
        .chain(&model.ensemble)
        .map(|net| forward(&mut g, net, &x))
        .collect();
    let out = if members.len() == 1 {
        members[0].clone()
    } else {
        let refs: Vec<&str> = members.iter().map(String::as_str).collect();
        let sum = g.op("Sum", &refs, &[]);
        g.bin_scalar("Div", &sum, members.len() as f64)
    };
    outputs(&mut g, model, &out)?;
    let proto = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![
            OperatorSetIdProto {
                domain: Some(String::new()),
                version: Some(OPSET),
            },
            OperatorSetIdProto {
                domain: Some("ai.onnx.ml".into()),
                version: Some(ML_OPSET),
            },
        ],
        producer_name: Some("mlp".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        graph: Some(g.finish("mlp")),
        metadata_props: metadata(model),
        ..ModelProto::default()
    };
    Ok(proto.encode_to_vec())
}

/// What a reader of the file may want to know without the model file.
fn metadata(model: &Model) -> Vec<StringStringEntryProto> {
    let entry = |key: &str, value: String| StringStringEntryProto {
        key: Some(key.into()),
        value: Some(value),
    };
    let mut out = Vec::new();
    let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
    if let Some(f) = &model.features {
        out.push(entry("features", json(f)));
    }
    if let Some(t) = &model.targets {
        out.push(entry("targets", json(t)));
    }
    if let Some(c) = &model.classes {
        out.push(entry("classes", json(c)));
    }
    out.push(entry("members", model.members().to_string()));
    out
}

/// Declares the graph's inputs and computes a^(1) before standardization: [N, inputs].
fn inputs(g: &mut Graph, model: &Model) -> Result<String> {
    let Some(schema) = &model.schema else {
        let width = model.network.n_inputs();
        return Ok(g.input(INPUT, g.float_type(), width));
    };
    for c in &schema.columns {
        if OUTPUTS.contains(&c.name.as_str()) || c.name.starts_with('/') || c.name == INPUT {
            return Err(Error::Model {
                at: Location::file("model"),
                message: format!(
                    "the input column \"{}\" has the name of an output or of the graph's own \
                     values; rename it to export the model",
                    c.name
                ),
            });
        }
    }
    let elem = g.float_type();
    // The raw numbers: numeric columns and the days of dates, in schema order.
    let numeric: Vec<usize> = (0..schema.columns.len())
        .filter(|&j| !matches!(schema.columns[j].encoding, Encoding::Categorical { .. }))
        .collect();
    let all_numbers = schema
        .columns
        .iter()
        .all(|c| matches!(c.encoding, Encoding::Numeric { .. }));
    let raw = if numeric.is_empty() {
        String::new()
    } else if all_numbers {
        g.input(INPUT, elem, schema.columns.len())
    } else {
        let parts: Vec<String> = numeric
            .iter()
            .map(|&j| g.input(&schema.columns[j].name, elem, 1))
            .collect();
        concat(g, &parts)
    };
    encode(g, schema, &numeric, &raw)
}

/// The schema's encoding of the raw numbers `raw` ([N, numeric.len()], the columns `numeric`
/// of the schema) and of the categorical columns' string inputs.
///
/// Every kind of input is computed for all columns at once, into one matrix P: the filled
/// numbers, their missing indicators, the bins, the date parts, then each category's one-hot
/// block; one `Gather` then puts P's columns in the schema's order.
fn encode(g: &mut Graph, schema: &Schema, numeric: &[usize], raw: &str) -> Result<String> {
    let c = numeric.len();
    let mut pieces: Vec<String> = Vec::new();
    // Where each column's inputs are in P, in the schema's order.
    let mut order: Vec<Vec<usize>> = vec![Vec::new(); schema.columns.len()];
    let mut width = 0;
    if c > 0 {
        let fills: Vec<f64> = numeric
            .iter()
            .map(|&j| match &schema.columns[j].encoding {
                Encoding::Numeric { fill, .. } => *fill,
                Encoding::Date { fill, .. } => fill[0],
                Encoding::Categorical { .. } => f64::NAN,
            })
            .collect();
        let fills = g.floats(&fills, &[c]);
        let missing = g.is_nan(raw);
        let filled = g.op("Where", &[&missing, &fills, raw], &[]);
        let indicators = g.cast_float(&missing);
        pieces.extend([filled.clone(), indicators]);
        width = 2 * c;
        for (k, &j) in numeric.iter().enumerate() {
            order[j].push(k);
            let indicator = match &schema.columns[j].encoding {
                Encoding::Numeric { indicator, .. } | Encoding::Date { indicator, .. } => {
                    *indicator
                }
                Encoding::Categorical { .. } => false,
            };
            if matches!(schema.columns[j].encoding, Encoding::Date { .. }) {
                // Placeholder: the date parts come after the bins (below); the indicator
                // follows the five parts.
                order[j].extend([usize::MAX; 4]);
            }
            if indicator {
                order[j].push(c + k);
            }
        }
        // Bins of the filled numbers: e_t = clip((x - b_(t-1)) / (b_t - b_(t-1)), 0, 1),
        // open below for the first bin and above for the last (schema/bins.rs).
        let mut source = Vec::new();
        let (mut lo, mut span, mut floor, mut ceil) = (vec![], vec![], vec![], vec![]);
        for (k, &j) in numeric.iter().enumerate() {
            let edges = schema.columns[j].encoding.bins();
            let t = edges.len().saturating_sub(1);
            for b in 0..t {
                order[j].push(width + source.len());
                source.push(k);
                lo.push(edges[b]);
                span.push(edges[b + 1] - edges[b]);
                floor.push(if b > 0 { 0.0 } else { f64::NEG_INFINITY });
                ceil.push(if b + 1 < t { 1.0 } else { f64::INFINITY });
            }
        }
        if !source.is_empty() {
            let b = source.len();
            let x = g.columns(&filled, &source);
            let lo = g.floats(&lo, &[b]);
            let span = g.floats(&span, &[b]);
            let floor = g.floats(&floor, &[b]);
            let ceil = g.floats(&ceil, &[b]);
            let shifted = g.bin("Sub", &x, &lo);
            let ramp = g.bin("Div", &shifted, &span);
            let ramp = g.bin("Max", &ramp, &floor);
            pieces.push(g.bin("Min", &ramp, &ceil));
            width += b;
        }
        // Date parts: year, month, day, weekday of the day that holds the instant, or the
        // training medians for a missing date.
        let dates: Vec<usize> = (0..c)
            .filter(|&k| matches!(schema.columns[numeric[k]].encoding, Encoding::Date { .. }))
            .collect();
        if !dates.is_empty() {
            let d = dates.len();
            let days = g.columns(raw, &dates);
            let parts = calendar(g, &days);
            let gone = g.is_nan(&days);
            for (p, part) in parts.iter().enumerate() {
                let fills: Vec<f64> = dates
                    .iter()
                    .map(|&k| match &schema.columns[numeric[k]].encoding {
                        Encoding::Date { fill, .. } => fill[p + 1],
                        _ => f64::NAN,
                    })
                    .collect();
                let fills = g.floats(&fills, &[d]);
                pieces.push(g.op("Where", &[&gone, &fills, part], &[]));
                for (i, &k) in dates.iter().enumerate() {
                    let slot = order[numeric[k]]
                        .iter()
                        .position(|&s| s == usize::MAX)
                        .unwrap_or(0);
                    order[numeric[k]][slot] = width + p * d + i;
                }
            }
            width += 4 * d;
        }
    }
    for (j, column) in schema.columns.iter().enumerate() {
        if let Encoding::Categorical {
            levels,
            other,
            missing,
        } = &column.encoding
        {
            let input = g.input(&column.name, DataType::String, 1);
            pieces.push(one_hot(g, schema, &input, levels, *other, *missing));
            let w = column.encoding.width();
            order[j].extend(width..width + w);
            width += w;
        }
    }
    let all = concat(g, &pieces);
    let order: Vec<usize> = order.concat();
    if order.len() != schema.width() || order.iter().any(|&i| i >= width) {
        return Err(Error::Model {
            at: Location::file("model"),
            message: "the input schema could not be laid out as a graph".into(),
        });
    }
    Ok(g.columns(&all, &order))
}

/// The one-hot block of a categorical column: one input per level, then "other", then
/// "missing" (as [`Schema::encode`] lays them out).
fn one_hot(
    g: &mut Graph,
    schema: &Schema,
    input: &str,
    levels: &[String],
    other: bool,
    missing: bool,
) -> String {
    let l = levels.len() as i64;
    let mut strings: Vec<String> = levels.to_vec();
    let mut codes: Vec<i64> = (0..l).collect();
    let missing_code = if missing { l + i64::from(other) } else { -1 };
    for na in &schema.na_values {
        if !levels.contains(na) {
            strings.push(na.clone());
            codes.push(missing_code);
        }
    }
    let default = if other { l } else { -1 };
    let code = g.ml_op(
        "CategoryMapper",
        &[input],
        &[
            Attr::Strings("cats_strings", strings),
            Attr::Ints("cats_int64s", codes),
            Attr::Int("default_int64", default),
        ],
    );
    let width = levels.len() + usize::from(other) + usize::from(missing);
    let range: Vec<i64> = (0..width as i64).collect();
    let range = g.ints(&range, &[width]);
    let hit = g.bin("Equal", &code, &range);
    g.cast_float(&hit)
}

/// Year, month, day and weekday (Monday 0) of `days` since 1970-01-01: Howard Hinnant's
/// `civil_from_days` (schema/date.rs) in floating point, where every step is exact: the
/// values are integers far below 2^24 and each `floor(a / b)` is of integers.
fn calendar(g: &mut Graph, days: &str) -> [String; 4] {
    let whole = g.op("Floor", &[days], &[]);
    let z = g.bin_scalar("Add", &whole, 719_468.0);
    let era = g.floor_div(&z, 146_097.0);
    let era_days = g.bin_scalar("Mul", &era, 146_097.0);
    let doe = g.bin("Sub", &z, &era_days);
    let a = g.floor_div(&doe, 1460.0);
    let b = g.floor_div(&doe, 36_524.0);
    let c = g.floor_div(&doe, 146_096.0);
    let t = g.bin("Sub", &doe, &a);
    let t = g.bin("Add", &t, &b);
    let t = g.bin("Sub", &t, &c);
    let yoe = g.floor_div(&t, 365.0);
    let y365 = g.bin_scalar("Mul", &yoe, 365.0);
    let y4 = g.floor_div(&yoe, 4.0);
    let y100 = g.floor_div(&yoe, 100.0);
    let s = g.bin("Add", &y365, &y4);
    let s = g.bin("Sub", &s, &y100);
    let doy = g.bin("Sub", &doe, &s);
    let t = g.bin_scalar("Mul", &doy, 5.0);
    let t = g.bin_scalar("Add", &t, 2.0);
    let mp = g.floor_div(&t, 153.0);
    let t = g.bin_scalar("Mul", &mp, 153.0);
    let t = g.bin_scalar("Add", &t, 2.0);
    let t = g.floor_div(&t, 5.0);
    let day = g.bin("Sub", &doy, &t);
    let day = g.bin_scalar("Add", &day, 1.0);
    // month = mp + 3, less 12 from March's 10th month on.
    let late = g.bin_scalar("Greater", &mp, 9.5);
    let late = g.cast_float(&late);
    let late = g.bin_scalar("Mul", &late, 12.0);
    let month = g.bin_scalar("Add", &mp, 3.0);
    let month = g.bin("Sub", &month, &late);
    // year = yoe + 400 era, plus one for January and February.
    let early = g.bin_scalar("Less", &month, 2.5);
    let early = g.cast_float(&early);
    let era400 = g.bin_scalar("Mul", &era, 400.0);
    let year = g.bin("Add", &yoe, &era400);
    let year = g.bin("Add", &year, &early);
    // weekday = (whole + 3) mod 7, 1970-01-01 being a Thursday.
    let w = g.bin_scalar("Add", &whole, 3.0);
    let weeks = g.floor_div(&w, 7.0);
    let weeks = g.bin_scalar("Mul", &weeks, 7.0);
    let weekday = g.bin("Sub", &w, &weeks);
    [year, month, day, weekday]
}

/// Forward propagation through one network: z^(l+1) = a^(l) W^(l)T + b^(l) (`MatMul`, `Add`;
/// not `Gemm`, which tract evaluates wrongly in float64), then
/// a^(l+1) = g(z^(l+1)). Returns a^(L).
fn forward(g: &mut Graph, net: &Network<f64>, x: &str) -> String {
    let params = net.params();
    let mut a = x.to_string();
    for (k, &act) in net.activations().iter().enumerate() {
        // W^(l)T, [S_in, S_out]: the batch's rows are the examples.
        let (rows, cols) = params.shape(k);
        let w = params.weights(k);
        let values: Vec<f64> = (0..cols)
            .flat_map(|j| (0..rows).map(move |i| (i, j)))
            .map(|(i, j)| w[[i, j]])
            .collect();
        let wt = g.floats(&values, &[cols, rows]);
        let b = g.floats(&params.bias(k).to_vec(), &[rows]);
        let product = g.bin("MatMul", &a, &wt);
        let z = g.bin("Add", &product, &b);
        a = activation(g, act, &z);
    }
    a
}

/// a = g(z), each activation as the operators that compute it.
fn activation(g: &mut Graph, act: Activation, z: &str) -> String {
    match act {
        Activation::Identity => z.to_string(),
        Activation::Sigmoid => match g.precision {
            Precision::F32 => g.op("Sigmoid", &[z], &[]),
            // 1 / (1 + e^-z): tract has no float64 `Sigmoid`.
            Precision::F64 => {
                let minus = g.op("Neg", &[z], &[]);
                let e = g.op("Exp", &[&minus], &[]);
                let d = g.bin_scalar("Add", &e, 1.0);
                g.op("Reciprocal", &[&d], &[])
            }
        },
        Activation::Tanh => g.op("Tanh", &[z], &[]),
        Activation::Relu => g.op("Relu", &[z], &[]),
        Activation::Softmax => g.op("Softmax", &[z], &[Attr::Int("axis", -1)]),
        // g(z) = z for z > 0, else scale (e^z - 1), from elementary operators: ONNX's Elu and
        // Selu take their constants as float32 and some runtimes lack them for float64.
        Activation::Elu | Activation::Selu => {
            let (lambda, alpha) = match act {
                Activation::Selu => (SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA),
                _ => (1.0, 1.0),
            };
            let positive = g.bin_scalar("Greater", z, 0.0);
            let e = g.op("Exp", &[z], &[]);
            let em1 = g.bin_scalar("Sub", &e, 1.0);
            let neg = g.bin_scalar("Mul", &em1, alpha);
            let pos = if lambda == 1.0 {
                z.to_string()
            } else {
                g.bin_scalar("Mul", z, lambda)
            };
            g.op("Where", &[&positive, &pos, &neg], &[])
        }
    }
}

/// The outputs in the data's units ([`Model::decode_outputs`]).
fn outputs(g: &mut Graph, model: &Model, out: &str) -> Result<()> {
    let elem = g.float_type();
    let Some(classes) = &model.classes else {
        let k = model.network.n_outputs();
        let y = match &model.target_scaling {
            Some(s) => {
                let std = g.floats(&s.std, &[k]);
                let mean = g.floats(&s.mean, &[k]);
                let scaled = g.bin("Mul", out, &std);
                g.bin("Add", &scaled, &mean)
            }
            None => out.to_string(),
        };
        g.output(&y, "variable", elem, Some(k));
        return Ok(());
    };
    let k = classes.len();
    let output = model.network.activations().last().copied();
    let probabilities = if k == 2 && model.network.n_outputs() == 1 {
        // One sigmoid unit: the probability of the second class.
        let one = g.scalar(1.0);
        let first = g.bin("Sub", &one, out);
        concat(g, &[first, out.to_string()])
    } else if output != Some(Activation::Softmax) {
        // Independent sigmoid outputs, normalized to a distribution where they sum above 0.
        let axes = g.ints(&[1], &[1]);
        let sum = g.op("ReduceSum", &[out, &axes], &[Attr::Int("keepdims", 1)]);
        let positive = g.bin_scalar("Greater", &sum, 0.0);
        let shares = g.bin("Div", out, &sum);
        g.op("Where", &[&positive, &shares, out], &[])
    } else {
        out.to_string()
    };
    let best = g.op(
        "ArgMax",
        &[&probabilities],
        &[Attr::Int("axis", 1), Attr::Int("keepdims", 0)],
    );
    let integers: Option<Vec<i64>> = classes.iter().map(|c| c.parse::<i64>().ok()).collect();
    let (labels, label_type) = match integers {
        Some(values) => (g.ints(&values, &[k]), DataType::Int64),
        None => (g.strings(classes), DataType::String),
    };
    let label = g.op("Gather", &[&labels, &best], &[Attr::Int("axis", 0)]);
    g.output(&label, "label", label_type, None);
    g.output(&probabilities, "probabilities", elem, Some(k));
    Ok(())
}

/// The columns of `parts` side by side (the one part itself when there is one).
fn concat(g: &mut Graph, parts: &[String]) -> String {
    if let [one] = parts {
        return one.clone();
    }
    let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
    g.op("Concat", &refs, &[Attr::Int("axis", 1)])
}
