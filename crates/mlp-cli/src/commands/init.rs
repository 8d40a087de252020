//! `mlp init`: a randomly initialized model.

use crate::io;
use anyhow::Result;
use clap::Args;
use mlp::{Activation, Init, Loss, Model, Network};

/// Options of `mlp init`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  mlp init --layers 4,5,3 --activation sigmoid --output softmax \
    --loss softmax_cross_entropy --seed 1 --out m.json"
)]
pub struct InitArgs {
    /// Layer sizes from inputs to outputs, e.g. 400,25,10.
    #[arg(long, value_name = "SIZES", value_parser = super::parse_sizes)]
    pub layers: Sizes,
    /// Activation of the hidden layers: identity, sigmoid, tanh or relu.
    #[arg(long, default_value = "sigmoid")]
    pub activation: Activation,
    /// Activation of the output layer (default: the loss's canonical one, else sigmoid).
    #[arg(long)]
    pub output: Option<Activation>,
    /// Cost: squared_error, cross_entropy or softmax_cross_entropy (default: from the output).
    #[arg(long)]
    pub loss: Option<Loss>,
    /// Seed of the initial weights.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Draw every weight and bias from [-B, B] instead of Glorot's per-layer bound.
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub init_bound: Option<f64>,
    /// Where to write the model (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

/// Layer sizes as parsed from the command line.
pub type Sizes = Vec<usize>;

impl InitArgs {
    /// The network these options describe.
    pub fn network(&self) -> Result<Network<f64>> {
        let (output, loss) = output_and_loss(self.output, self.loss);
        let mut acts = vec![self.activation; self.layers.len().saturating_sub(2)];
        acts.push(output);
        let init = self
            .init_bound
            .map_or(Init::Glorot, |bound| Init::Uniform { bound });
        Ok(Network::seeded(&self.layers, &acts, loss, init, self.seed)?)
    }
}

/// Fills in whichever of output activation and loss is missing from the other.
pub fn output_and_loss(output: Option<Activation>, loss: Option<Loss>) -> (Activation, Loss) {
    match (output, loss) {
        (Some(o), Some(l)) => (o, l),
        (None, Some(l)) => (l.canonical_output(), l),
        (Some(o), None) => (
            o,
            match o {
                Activation::Sigmoid => Loss::CrossEntropy,
                Activation::Softmax => Loss::SoftmaxCrossEntropy,
                _ => Loss::SquaredError,
            },
        ),
        (None, None) => (Activation::Sigmoid, Loss::CrossEntropy),
    }
}

/// Runs `mlp init`.
pub fn run(args: InitArgs) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| "-".into());
    io::check_output(&out)?;
    let model = Model::new(args.network()?);
    io::write_output(&out, model.to_json()?.as_bytes())
}
