//! Command-line options. Doc comments here are the `--help` text.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

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
    /// List the built-in data sets.
    Datasets,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Where the data comes from: a file, standard input, or a built-in data set.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// CSV file (optionally .csv.gz); `-` reads standard input.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "dataset",
        required_unless_present = "dataset"
    )]
    pub data: Option<String>,
    /// A built-in data set instead of a file (see `mlp datasets`).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Field separator: a single character, `tab`, or `auto` (the header's most frequent of
    /// comma, tab and semicolon).
    #[arg(long, value_name = "CHAR", default_value = "auto", value_parser = parse_delimiter)]
    pub delimiter: Delimiter,
    /// Decimal separator of numbers: `.` or `,` [default: `.`, or `,` for a file separated by
    /// semicolons that writes its numbers so; a model's own when it has one].
    #[arg(long, value_name = "CHAR", value_parser = [".", ","])]
    pub decimal: Option<String>,
    /// Values that mean "missing", comma-separated (the empty field always does) [default:
    /// NA,N/A,n/a,NaN,nan,null,NULL,None,?,#N/A].
    #[arg(long, value_name = "VALUES", value_delimiter = ',')]
    pub na_values: Option<Vec<String>>,
}

/// A field separator given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// Detected from the header.
    Auto,
    /// This byte.
    Byte(u8),
}

/// Parses `--delimiter`: `auto`, `tab`, or one ASCII character other than a quote or a line end.
fn parse_delimiter(s: &str) -> Result<Delimiter, String> {
    match s {
        "auto" => Ok(Delimiter::Auto),
        "tab" | "\\t" => Ok(Delimiter::Byte(b'\t')),
        _ => match s.as_bytes() {
            [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(Delimiter::Byte(*b)),
            _ => Err(format!(
                "\"{s}\" is not a separator (expected one character such as , ; | or tab)"
            )),
        },
    }
}

/// Target and dropped columns.
#[derive(Debug, Args, Clone, Default)]
pub struct ColumnArgs {
    /// Target column(s), comma-separated (default: the model's targets, or a built-in data set's).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub target: Vec<String>,
    /// Columns to ignore, comma-separated.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub drop: Vec<String>,
}

/// The user's word on column types.
#[derive(Debug, Args, Clone, Default)]
pub struct TypeArgs {
    /// Columns to treat as categories, whatever they hold (comma-separated).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub categorical: Vec<String>,
    /// Columns to treat as numbers: text in them reads as missing (comma-separated).
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',')]
    pub numeric: Vec<String>,
}

impl TypeArgs {
    /// The overrides for the library.
    pub fn overrides(&self) -> mlp::schema::Overrides {
        mlp::schema::Overrides {
            categorical: self.categorical.clone(),
            numeric: self.numeric.clone(),
        }
    }
}

/// A model file to read.
#[derive(Debug, Args, Clone)]
pub struct ModelArg {
    /// Model file (JSON, format mlp-model version 1).
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
}
