//! `mlp explain`: one example's forward pass, cost, backward pass, gradients and one
//! gradient-descent update, in the seed's notation.

use crate::args::{ColumnArgs, DataArgs, ModelArg};
use crate::io::{self, num};
use anyhow::{Result, bail};
use clap::Args;
use mlp::Model;
use mlp::explain::{Explanation, explain};
use ndarray::{Array2, ArrayView2, Axis};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// Options of `mlp explain`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example (the classic 2-2-2 worked example, shipped in docs/worked-example):\n  \
    mlp explain --model docs/worked-example/model.json --data docs/worked-example/data.csv \\\n    \
    --target y1,y2 --learning-rate 0.5 --freeze-bias"
)]
pub struct ExplainArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    /// Data row(s) to use, 1-based (the header is not a row), e.g. 1 or 1,2,3.
    #[arg(long, value_name = "N", value_delimiter = ',', default_value = "1")]
    row: Vec<usize>,
    /// alpha of the update w := w - alpha dJ/dw.
    #[arg(
        long,
        value_name = "ALPHA",
        default_value_t = 1.0,
        allow_negative_numbers = true
    )]
    learning_rate: f64,
    /// lambda, the L2 strength.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lambda: f64,
    /// Hold the biases fixed in the update (only the weights move).
    #[arg(long)]
    freeze_bias: bool,
    /// text (default) or json (every number shown, for programs).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    format: String,
}

/// Runs `mlp explain`.
pub fn run(args: ExplainArgs) -> Result<()> {
    let model = Model::load(&args.model.model)?;
    model.require_single("explain")?;
    let io::Prepared { x, y, notes, .. } = io::prepared(&model, &args.data, &args.columns)?;
    io::print_notes(&notes, false);
    if let Some(&bad) = args.row.iter().find(|&&r| r == 0 || r > x.nrows()) {
        bail!("--row {bad}: the data has rows 1 to {}", x.nrows());
    }
    let idx: Vec<usize> = args.row.iter().map(|r| r - 1).collect();
    let (x, y) = (x.select(Axis(0), &idx), y.select(Axis(0), &idx));
    let e = explain(
        &model.network,
        x.view(),
        y.view(),
        args.lambda,
        args.learning_rate,
        args.freeze_bias,
    )?;
    if args.format == "json" {
        return io::print_json(&to_json(&model, &e, &args.row));
    }
    io::print(&to_text(
        &model,
        &e,
        &args.row,
        model.input_scaling.is_some(),
    ))
}

fn matrix(a: ArrayView2<'_, f64>) -> Value {
    Value::Array(
        a.rows()
            .into_iter()
            .map(|r| Value::Array(r.iter().map(|&v| num(v)).collect()))
            .collect(),
    )
}

fn cost_json(c: &mlp::Cost) -> Value {
    json!({"data": num(c.data), "l2": num(c.l2), "total": num(c.total())})
}

fn to_json(model: &Model, e: &Explanation, rows: &[usize]) -> Value {
    let net = &model.network;
    let layers: Vec<Value> = e
        .layers
        .iter()
        .enumerate()
        .map(|(k, t)| {
            json!({
                "layer": k + 2,
                "activation": net.activations()[k].name(),
                "W": matrix(net.params().weights(k)),
                "b": net.params().bias(k).to_vec(),
                "z": matrix(t.z.view()),
                "a": matrix(t.a.view()),
                "delta": matrix(t.delta.view()),
                "dJ_dW": matrix(t.grad_weights.view()),
                "dJ_db": t.grad_bias,
                "W_new": matrix(t.new_weights.view()),
                "b_new": t.new_bias,
            })
        })
        .collect();
    json!({
        "network": net.to_string(),
        "loss": net.loss().name(),
        "rows": rows,
        "examples": e.x.nrows(),
        "lambda": e.lambda,
        "learning_rate": e.learning_rate,
        "freeze_bias": e.freeze_bias,
        "x": matrix(e.x.view()),
        "y": matrix(e.y.view()),
        "layers": layers,
        "cost": cost_json(&e.cost),
        "cost_after": cost_json(&e.cost_after),
    })
}

/// Numbers with 9 significant digits, rows of a matrix on one line each.
fn fmt_rows(a: ArrayView2<'_, f64>, indent: &str) -> String {
    let mut s = String::new();
    for row in a.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{:>15}", sig(*v))).collect();
        let _ = writeln!(s, "{indent}[{} ]", cells.join(""));
    }
    s
}

fn sig(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = 9 - 1 - v.abs().log10().floor() as i32;
    if (0..=15).contains(&digits) {
        format!("{v:.*}", digits as usize)
    } else {
        format!("{v:.8e}")
    }
}

fn to_text(model: &Model, e: &Explanation, rows: &[usize], scaled: bool) -> String {
    let net = &model.network;
    let m = e.x.nrows();
    let l_out = net.activations().len() + 1;
    let mut s = String::new();
    let rows: Vec<String> = rows.iter().map(usize::to_string).collect();
    let _ = writeln!(s, "network {net}");
    let _ = writeln!(
        s,
        "m = {m} example{} (row {}), lambda = {}, alpha = {}{}\n",
        if m == 1 { "" } else { "s" },
        rows.join(", "),
        e.lambda,
        e.learning_rate,
        if e.freeze_bias {
            ", biases held fixed"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "FORWARD PROPAGATION   z^(l) = W^(l) a^(l-1) + b^(l),  a^(l) = g(z^(l))   (one row per example)"
    );
    let note = if scaled {
        "   (standardized with the model's input_scaling)"
    } else {
        ""
    };
    let _ = writeln!(s, "  a^(1) = x{note}");
    s.push_str(&fmt_rows(e.x.view(), "      "));
    for (k, t) in e.layers.iter().enumerate() {
        let l = k + 2;
        let (r, c) = net.params().shape(k);
        let _ = writeln!(s, "  W^({l}) ({r} x {c})");
        s.push_str(&fmt_rows(net.params().weights(k), "      "));
        let _ = writeln!(s, "  b^({l})");
        s.push_str(&fmt_rows(
            net.params().bias(k).insert_axis(Axis(0)),
            "      ",
        ));
        let _ = writeln!(s, "  z^({l}) = W^({l}) a^({}) + b^({l})", l - 1);
        s.push_str(&fmt_rows(t.z.view(), "      "));
        let _ = writeln!(
            s,
            "  a^({l}) = {}(z^({l})){}",
            net.activations()[k],
            if l == l_out { " = h(x)" } else { "" }
        );
        s.push_str(&fmt_rows(t.a.view(), "      "));
    }
    let _ = writeln!(s, "  y");
    s.push_str(&fmt_rows(e.y.view(), "      "));
    let data_formula = match net.loss() {
        mlp::Loss::SquaredError => "1/(2m) sum (h - y)^2",
        mlp::Loss::CrossEntropy => "-1/m sum [y log h + (1 - y) log(1 - h)]",
        mlp::Loss::SoftmaxCrossEntropy => "-1/m sum y log h",
    };
    let _ = writeln!(s, "\nCOST ({})", net.loss());
    let _ = writeln!(s, "  data term   {data_formula:<42} = {}", sig(e.cost.data));
    let _ = writeln!(
        s,
        "  L2 term     {:<42} = {}",
        "lambda/(2m) sum w^2 (no biases)",
        sig(e.cost.l2)
    );
    let _ = writeln!(s, "  J           {:<42} = {}", "", sig(e.cost.total()));
    let _ = writeln!(s, "\nBACKPROPAGATION");
    for (k, t) in e.layers.iter().enumerate().rev() {
        let l = k + 2;
        let formula = if l == l_out {
            let canonical = net.loss().canonical_output() == net.activations()[k];
            if canonical {
                "a^(L) - y".to_string()
            } else {
                format!("(a^(L) - y) .* g'(z^({l}))")
            }
        } else {
            format!("(W^({})T delta^({})) .* g'(z^({l}))", l + 1, l + 1)
        };
        let _ = writeln!(s, "  delta^({l}) = {formula}");
        s.push_str(&fmt_rows(t.delta.view(), "      "));
    }
    let _ = writeln!(s, "\nGRADIENT");
    for (k, t) in e.layers.iter().enumerate() {
        let l = k + 2;
        let _ = writeln!(
            s,
            "  dJ/dW^({l}) = (1/m) delta^({l})T a^({}) + (lambda/m) W^({l})",
            l - 1
        );
        s.push_str(&fmt_rows(t.grad_weights.view(), "      "));
        let _ = writeln!(s, "  dJ/db^({l}) = mean of delta^({l})");
        s.push_str(&fmt_rows(
            Array2::from_shape_vec((1, t.grad_bias.len()), t.grad_bias.clone())
                .unwrap_or_default()
                .view(),
            "      ",
        ));
    }
    let _ = writeln!(
        s,
        "\nGRADIENT DESCENT   w := w - alpha dJ/dw{}",
        if e.freeze_bias {
            "   (biases held fixed)"
        } else {
            ""
        }
    );
    for (k, t) in e.layers.iter().enumerate() {
        let l = k + 2;
        let _ = writeln!(s, "  new W^({l})");
        s.push_str(&fmt_rows(t.new_weights.view(), "      "));
        let _ = writeln!(s, "  new b^({l})");
        s.push_str(&fmt_rows(
            Array2::from_shape_vec((1, t.new_bias.len()), t.new_bias.clone())
                .unwrap_or_default()
                .view(),
            "      ",
        ));
    }
    let _ = writeln!(s, "\n  J before the update = {}", sig(e.cost.total()));
    let _ = writeln!(s, "  J after the update  = {}", sig(e.cost_after.total()));
    s
}
