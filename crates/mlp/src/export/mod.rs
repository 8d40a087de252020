//! Models for other runtimes: an ONNX graph that holds the whole model (input preprocessing,
//! every layer, the output), and the weights and biases as named safetensors.
//!
//! The ONNX graph computes what `mlp predict` computes, step by step (docs/model-format.md,
//! "ONNX export"):
//! 1. the inputs a^(1) from the raw columns ([`crate::schema::Schema::encode`]): missing numbers
//!    filled, missing indicators, piecewise-linear bins, date parts, one-hot categories;
//! 2. the input standardization (x - mean) / std;
//! 3. forward propagation, layer by layer: z^(l+1) = W^(l) a^(l) + b^(l), a^(l+1) = g(z^(l+1))
//!    (`MatMul`, `Add` and the activation's nodes per layer), averaged over an ensemble's members;
//! 4. the output in the data's units ([`crate::Model::decode_outputs`]): class probabilities
//!    and the label of the largest, or the regression targets with their scaling undone.

mod graph;
mod onnx;
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    rustdoc::all,
    unreachable_pub,
    dead_code
)]
mod onnx_proto;
mod safetensors;

pub use onnx::{OPSET, to_onnx};
pub use safetensors::to_safetensors;

use serde::{Deserialize, Serialize};

/// The formats `mlp export` writes (`--format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// An ONNX model (protobuf): the whole model as a graph.
    Onnx,
    /// The weights and biases as named tensors, the rest of the model as metadata.
    Safetensors,
}

/// The element type of an exported model's numbers (`--precision`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// 32-bit floats: what ONNX runtimes run fastest and support for every operator.
    #[default]
    F32,
    /// 64-bit floats: the numbers of the model file, unrounded.
    F64,
}
