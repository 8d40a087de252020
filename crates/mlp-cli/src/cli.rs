//! The command line: the program and its commands. Each command's options live with the
//! command (`commands/`), the options several share in `args.rs`. Doc comments here are the
//! `--help` text.

use clap::{Parser, Subcommand};

/// Train feed-forward neural networks by backpropagation and gradient descent, on CSV files.
#[derive(Debug, Parser)]
#[command(name = "mlp", version, about, max_term_width = 100)]
#[command(after_help = "Examples:\n  \
    mlp train --dataset iris --out iris.json\n  \
    mlp evaluate --model iris.json --dataset iris --format table\n  \
    mlp predict --model iris.json --data new.csv --out predictions.csv\n  \
    mlp gradcheck --layers 4,5,3 --activation sigmoid --output softmax\n  \
    mlp datasets")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a network on a CSV file (or a built-in data set) and write the model.
    Train(Box<crate::commands::train::TrainArgs>),
    /// Predict labels or values for the rows of a CSV file.
    Predict(crate::commands::predict::PredictArgs),
    /// Score a model on labelled data.
    Evaluate(crate::commands::evaluate::EvaluateArgs),
    /// Compute the cost J(W) of a model on data, and optionally its gradient.
    Cost(crate::commands::cost::CostArgs),
    /// Show one gradient-descent step as numbers: forward pass, cost, deltas, gradients, update.
    Explain(crate::commands::explain::ExplainArgs),
    /// Write a randomly initialized model.
    Init(crate::commands::init::InitArgs),
    /// Compare backpropagation with central differences, layer by layer.
    Gradcheck(crate::commands::gradcheck::GradcheckArgs),
    /// Describe a model file: architecture, parameters, preprocessing, training.
    Show(crate::commands::show::ShowArgs),
    /// Describe a data file: each column's inferred type, missing values, distinct values and
    /// encoding, without training.
    Describe(crate::commands::describe::DescribeArgs),
    /// Permutation importance of each input column: how much the score drops when its values
    /// are shuffled among the rows.
    Importance(crate::commands::importance::ImportanceArgs),
    /// Cross-validate the options of `mlp train`: K models, each scored on the rows it did not
    /// see.
    Cv(Box<crate::commands::train::cv::CvArgs>),
    /// Search `mlp train`'s settings (hidden layers, activation, lambda, solver) and optionally
    /// train the best on every row.
    Tune(Box<crate::commands::train::tune::TuneArgs>),
    /// Write a model for other runtimes: an ONNX graph with its preprocessing, or its weights
    /// as safetensors.
    Export(crate::commands::export::ExportArgs),
    /// List the built-in data sets.
    Datasets,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}
