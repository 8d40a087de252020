//! `mlp export`: a model for other runtimes (ONNX, safetensors).

use crate::args::ModelArg;
use crate::io;
use anyhow::Result;
use clap::{Args, ValueEnum};
use mlp::Model;
use mlp::export::{Format, Precision};

/// Options of `mlp export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  mlp export --model iris.json --format onnx --out iris.onnx\n  \
                        mlp export --model iris.json --format safetensors --out iris.safetensors"
)]
pub struct ExportArgs {
    #[command(flatten)]
    model: ModelArg,
    /// What to write: onnx (the whole model, its preprocessing included, as a graph) or
    /// safetensors (the weights and biases as named tensors, the rest as metadata).
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Where to write it (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    out: std::path::PathBuf,
    /// The type of the numbers: f32 (every runtime supports it) or f64 (the model file's numbers).
    #[arg(long, value_enum, default_value = "f32")]
    precision: PrecisionArg,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// ONNX (opset 17).
    Onnx,
    /// safetensors.
    Safetensors,
}

/// `--precision`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PrecisionArg {
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
}

/// Runs `mlp export`.
pub fn run(args: ExportArgs) -> Result<()> {
    io::check_output(&args.out)?;
    io::check_distinct(&[("--out", &args.out)], &[&args.model.model])?;
    let model = Model::load(&args.model.model)?;
    let precision = match args.precision {
        PrecisionArg::F32 => Precision::F32,
        PrecisionArg::F64 => Precision::F64,
    };
    let format = match args.format {
        FormatArg::Onnx => Format::Onnx,
        FormatArg::Safetensors => Format::Safetensors,
    };
    let bytes = match format {
        Format::Onnx => mlp::export::to_onnx(&model, precision)?,
        Format::Safetensors => mlp::export::to_safetensors(&model, precision)?,
    };
    io::write_output(&args.out, &bytes)
}
