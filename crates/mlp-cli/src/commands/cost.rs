//! `mlp cost`: J(W) and, optionally, dJ/dW of a model on data, in float64.

use crate::args::{ColumnArgs, DataArgs, ModelArg};
use crate::io;
use anyhow::{Result, bail};
use clap::Args;
use mlp::{Model, Workspace};
use serde_json::json;

/// Options of `mlp cost`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp cost --model m.json --data train.csv --target label --lambda 1 --gradient grad.json"
)]
pub struct CostArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    columns: ColumnArgs,
    /// lambda, the strength of the L2 term lambda/(2m) sum w^2 (biases excluded).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lambda: f64,
    /// Also write the gradient dJ/dW, dJ/db to FILE (format mlp-gradient).
    #[arg(long, value_name = "FILE")]
    gradient: Option<std::path::PathBuf>,
}

/// Runs `mlp cost`.
pub fn run(args: CostArgs) -> Result<()> {
    if args.gradient.as_deref().is_some_and(io::is_dash) {
        bail!("--gradient needs a file name: standard output carries the cost");
    }
    if let Some(g) = &args.gradient {
        io::check_output(g)?;
        let data = args.data.files();
        io::check_distinct(
            &[("--gradient", g)],
            &io::inputs_of(&args.model.model, &data),
        )?;
    }
    let model = Model::load(&args.model.model)?;
    model.require_single("cost")?;
    let io::Prepared { x, y, notes, .. } = io::prepared(&model, &args.data, &args.columns)?;
    io::print_notes(&notes, false);
    let net = &model.network;
    let mut grad = net.params().zeros_like();
    let cost = net.cost_and_gradient(
        x.view(),
        y.view(),
        args.lambda,
        &mut Workspace::new(1),
        &mut grad,
    )?;
    if let Some(path) = &args.gradient {
        io::write_output(path, mlp::model::gradient_to_json(&grad).as_bytes())?;
    }
    io::print_json(&json!({
        "cost": io::num(cost.total()),
        "data_cost": io::num(cost.data),
        "l2_cost": io::num(cost.l2),
        "lambda": args.lambda,
        "examples": cost.examples,
        "loss": net.loss().name(),
    }))
}
