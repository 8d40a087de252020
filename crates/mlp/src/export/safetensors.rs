//! The weights W^(l) and biases b^(l) as named tensors (safetensors), with what else the model
//! holds as the file's metadata (JSON strings).
//!
//! Tensors: `layers.K.weight` of shape [S_out, S_in] (w_ij from unit j below to unit i, as in
//! PyTorch's `Linear`) and `layers.K.bias` [S_out], K from 0; an ensemble's other members as
//! `ensemble.M.layers.K.weight` and `.bias`, M from 0, as the model file's `ensemble` key.

use std::collections::HashMap;

use safetensors::tensor::{Dtype, TensorView};

use super::Precision;
use crate::error::{Error, Location, Result};
use crate::model::{MODEL_FORMAT, Model};
use crate::network::Network;

/// The model's parameters as the bytes of a safetensors file, in `precision`.
pub fn to_safetensors(model: &Model, precision: Precision) -> Result<Vec<u8>> {
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let members = std::iter::once(("".to_string(), &model.network)).chain(
        model
            .ensemble
            .iter()
            .enumerate()
            .map(|(m, net)| (format!("ensemble.{m}."), net)),
    );
    for (prefix, net) in members {
        let params = net.params();
        for k in 0..params.n_layers() {
            let (rows, cols) = params.shape(k);
            let w = params.weights(k);
            let values: Vec<f64> = (0..rows)
                .flat_map(|i| (0..cols).map(move |j| (i, j)))
                .map(|(i, j)| w[[i, j]])
                .collect();
            let bias = params.bias(k).to_vec();
            tensors.push((
                format!("{prefix}layers.{k}.weight"),
                vec![rows, cols],
                bytes(&values, precision),
            ));
            tensors.push((
                format!("{prefix}layers.{k}.bias"),
                vec![rows],
                bytes(&bias, precision),
            ));
        }
    }
    let dtype = match precision {
        Precision::F32 => Dtype::F32,
        Precision::F64 => Dtype::F64,
    };
    let views = tensors
        .iter()
        .map(|(name, shape, data)| {
            TensorView::new(dtype, shape.clone(), data)
                .map(|v| (name.clone(), v))
                .map_err(failed)
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::tensor::serialize(views, Some(metadata(model)?)).map_err(failed)
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Model {
        at: Location::file("model"),
        message: format!("could not write the safetensors: {e}"),
    }
}

/// Little-endian bytes of `values` in `precision`.
fn bytes(values: &[f64], precision: Precision) -> Vec<u8> {
    match precision {
        Precision::F32 => values
            .iter()
            .flat_map(|&v| (v as f32).to_le_bytes())
            .collect(),
        Precision::F64 => values.iter().flat_map(|&v| v.to_le_bytes()).collect(),
    }
}

/// The rest of the model, each key of the model file as its JSON text.
fn metadata(model: &Model) -> Result<HashMap<String, String>> {
    let mut m = HashMap::new();
    m.insert("format".into(), MODEL_FORMAT.into());
    m.insert("loss".into(), model.network.loss().to_string());
    m.insert("layers".into(), layers(&model.network));
    m.insert("members".into(), model.members().to_string());
    if let Some(v) = &model.features {
        m.insert("features".into(), json(v)?);
    }
    if let Some(v) = &model.targets {
        m.insert("targets".into(), json(v)?);
    }
    if let Some(v) = &model.classes {
        m.insert("classes".into(), json(v)?);
    }
    if let Some(v) = &model.input_scaling {
        m.insert("input_scaling".into(), json(v)?);
    }
    if let Some(v) = &model.target_scaling {
        m.insert("target_scaling".into(), json(v)?);
    }
    if let Some(s) = &model.schema {
        m.insert("columns".into(), json(&s.columns)?);
        m.insert("na_values".into(), json(&s.na_values)?);
        m.insert("decimal".into(), char::from(s.decimal).to_string());
    }
    Ok(m)
}

/// `[{"inputs": 4, "outputs": 100, "activation": "relu"}, ...]`.
fn layers(net: &Network<f64>) -> String {
    let sizes = net.sizes();
    let layers: Vec<serde_json::Value> = net
        .activations()
        .iter()
        .enumerate()
        .map(|(k, a)| {
            serde_json::json!({
                "inputs": sizes[k],
                "outputs": sizes[k + 1],
                "activation": a.name(),
            })
        })
        .collect();
    serde_json::Value::Array(layers).to_string()
}

/// A value's JSON text.
fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(failed)
}
