//! `mlp gradcheck`: backpropagation against central differences, on a model and data or on a
//! random network with random data.

use super::init::InitArgs;
use crate::args::{ColumnArgs, DataArgs};
use crate::{Exit, io};
use anyhow::{Result, bail};
use clap::Args;
use mlp::gradcheck::{GradCheckConfig, gradient_check};
use mlp::{Entry, Loss, Model};
use ndarray::Array2;
use serde_json::json;
use std::io::Write;

/// Options of `mlp gradcheck`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  mlp gradcheck --layers 4,5,3 --activation sigmoid --output softmax --lambda 1\n  \
    mlp gradcheck --model m.json --data train.csv --target label --max-params 500"
)]
pub struct GradcheckArgs {
    /// A model to check (instead of a random network).
    #[arg(long, value_name = "FILE", requires = "data_source")]
    model: Option<std::path::PathBuf>,
    /// CSV file with the examples (with --model).
    #[arg(long, value_name = "FILE", group = "data_source")]
    data: Option<std::path::PathBuf>,
    /// A built-in data set (with --model).
    #[arg(long, value_name = "NAME", group = "data_source")]
    dataset: Option<String>,
    #[command(flatten)]
    columns: ColumnArgs,
    /// Layer sizes of a random network, e.g. 4,5,3.
    #[arg(long, value_name = "SIZES", value_parser = super::parse_sizes, conflicts_with = "model",
          required_unless_present = "model")]
    layers: Option<super::init::Sizes>,
    /// Hidden activation of the random network.
    #[arg(long, default_value = "sigmoid")]
    activation: mlp::Activation,
    /// Output activation of the random network.
    #[arg(long)]
    output: Option<mlp::Activation>,
    /// Loss of the random network.
    #[arg(long)]
    loss: Option<Loss>,
    /// Seed of the random network and data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of random examples.
    #[arg(long, default_value_t = 5)]
    examples: usize,
    /// lambda, the L2 strength.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    lambda: f64,
    /// Step of the central differences.
    #[arg(long, default_value_t = 1e-5)]
    epsilon: f64,
    /// Largest acceptable relative error ||num - ana|| / ||num + ana|| of a layer.
    #[arg(long, default_value_t = 1e-7)]
    threshold: f64,
    /// Check at most N parameters, evenly spread (default: all).
    #[arg(long, value_name = "N")]
    max_params: Option<usize>,
    /// Rows of the side-by-side table per layer (0: none).
    #[arg(long, default_value_t = 10)]
    show: usize,
}

/// Runs `mlp gradcheck`.
pub fn run(args: GradcheckArgs) -> Result<()> {
    if !(args.threshold.is_finite() && args.threshold > 0.0) {
        bail!(
            "--threshold must be a positive number, got {}",
            args.threshold
        );
    }
    let (net, x, y) = match &args.model {
        Some(path) => {
            let model = Model::load(path)?;
            model.require_single("gradcheck")?;
            let data = DataArgs {
                data: args.data.clone().into_iter().collect(),
                dataset: args.dataset.clone(),
                delimiter: crate::args::Delimiter::Auto,
                decimal: None,
                na_values: None,
            };
            let crate::io::Prepared { x, y, notes, .. } =
                crate::io::prepared(&model, &data, &args.columns)?;
            crate::io::print_notes(&notes, false);
            (model.network, x, y)
        }
        None => random_case(&args)?,
    };
    let config = GradCheckConfig {
        epsilon: args.epsilon,
        max_params: args.max_params,
    };
    let check = gradient_check(&net, x.view(), y.view(), args.lambda, &config)?;
    let passed = check.max_relative_error <= args.threshold;
    print_table(&net, &check, args.show, args.threshold)?;
    let layers: Vec<_> = check
        .layers
        .iter()
        .enumerate()
        .map(|(k, l)| {
            json!({
                "layer": k + 2,
                "checked": l.indices.len(),
                "relative_error": io::num(l.relative_error),
                "max_abs_error": io::num(l.max_abs_error),
                "passed": l.relative_error <= args.threshold,
            })
        })
        .collect();
    io::print_json(&json!({
        "network": net.to_string(),
        "examples": x.nrows(),
        "lambda": args.lambda,
        "cost": io::num(check.cost.total()),
        "epsilon": check.epsilon,
        "threshold": args.threshold,
        "max_relative_error": io::num(check.max_relative_error),
        "passed": passed,
        "layers": layers,
    }))?;
    if !passed {
        return Err(Exit::CheckFailed(format!(
            "gradient check failed: relative error {:.3e} is over the threshold {:.1e}",
            check.max_relative_error, args.threshold
        ))
        .into());
    }
    Ok(())
}

fn random_case(args: &GradcheckArgs) -> Result<(mlp::Network<f64>, Array2<f64>, Array2<f64>)> {
    if args.examples == 0 {
        bail!("--examples must be at least 1");
    }
    let init = InitArgs {
        layers: args.layers.clone().unwrap_or_default(),
        activation: args.activation,
        output: args.output,
        loss: args.loss,
        seed: args.seed,
        init_bound: None,
        out: None,
    };
    let net = init.network()?;
    // Random data from the documented seeded stream, then shaped for the loss.
    let x = mlp::init::uniform_matrix(args.examples, net.n_inputs(), -1.0, 1.0, args.seed ^ 0x5EED);
    let mut y =
        mlp::init::uniform_matrix(args.examples, net.n_outputs(), 0.0, 1.0, args.seed ^ 0xDA7A);
    match net.loss() {
        Loss::SoftmaxCrossEntropy => {
            for mut row in y.rows_mut() {
                let best = mlp::metrics::argmax(row.iter().copied());
                row.fill(0.0);
                row[best] = 1.0;
            }
        }
        Loss::CrossEntropy => y.mapv_inplace(|v| if v > 0.5 { 1.0 } else { 0.0 }),
        Loss::SquaredError => {}
    }
    Ok((net, x, y))
}

fn print_table(
    net: &mlp::Network<f64>,
    check: &mlp::gradcheck::GradCheck,
    show: usize,
    threshold: f64,
) -> Result<()> {
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "gradient check of {net} on {} examples (epsilon {:e})",
        check.cost.examples, check.epsilon
    )?;
    for (k, layer) in check.layers.iter().enumerate() {
        let (rows, cols) = net.params().shape(k);
        let verdict = if layer.relative_error <= threshold {
            "pass"
        } else {
            "FAIL"
        };
        writeln!(
            err,
            "layer {} (W {rows}x{cols}, b {rows}): relative error {:.3e}, max abs error {:.3e}: {verdict}",
            k + 2,
            layer.relative_error,
            layer.max_abs_error
        )?;
        if show > 0 {
            writeln!(
                err,
                "  {:<12} {:>22} {:>22}",
                "parameter", "backpropagation", "central differences"
            )?;
        }
        for ((&i, a), n) in layer
            .indices
            .iter()
            .zip(&layer.analytical)
            .zip(&layer.numerical)
            .take(show)
        {
            let name = match net.params().entry(i) {
                Some(Entry::Weight { i, j, .. }) => format!("w{},{}", i + 1, j + 1),
                Some(Entry::Bias { i, .. }) => format!("b{}", i + 1),
                None => continue,
            };
            writeln!(err, "  {name:<12} {a:>22.12e} {n:>22.12e}")?;
        }
        if layer.indices.len() > show && show > 0 {
            writeln!(err, "  ... {} more", layer.indices.len() - show)?;
        }
    }
    Ok(())
}
