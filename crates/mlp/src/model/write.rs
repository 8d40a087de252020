//! Writing a model file: shortest round-trip numbers, one weight row per line, the version the
//! model needs.

use super::{FORMAT_VERSION, GRADIENT_FORMAT, MODEL_FORMAT, Model, SCHEMA_VERSION};
use crate::activation::Activation;
use crate::error::{Error, Location, Result};
use crate::params::Params;
use serde::Serialize;
use std::fmt::Write as _;

impl Model {
    /// The model as the text of a version-1 file: one weight row per line, numbers in shortest
    /// round-trip form (they read back bit-identical). Errors if any number is not finite.
    pub fn to_json(&self) -> Result<String> {
        let net = &self.network;
        let finite = |v: &[f64]| v.iter().all(|x| x.is_finite());
        let scalings = [&self.input_scaling, &self.target_scaling];
        if !net.params().all_finite()
            || self.ensemble.iter().any(|m| !m.params().all_finite())
            || scalings.iter().any(|s| {
                s.as_ref()
                    .is_some_and(|s| !finite(&s.mean) || !finite(&s.std))
            })
        {
            return Err(Error::Model {
                at: Location::file("model"),
                message: "refusing to write a model that holds NaN or infinity".into(),
            });
        }
        if self.needs_version_2() && self.schema.is_none() {
            return Err(Error::Model {
                at: Location::file("model"),
                message: "an ensemble, or an elu or selu layer, is written with its input \
                          schema (format version 2): train the model from a data file"
                    .into(),
            });
        }
        let version = match &self.schema {
            Some(_) => SCHEMA_VERSION,
            None => FORMAT_VERSION,
        };
        let mut out = String::new();
        let _ = write!(
            out,
            "{{\n  \"format\": \"{MODEL_FORMAT}\",\n  \"version\": {version},\n  \"loss\": \"{}\",\n  \"layers\": [",
            net.loss()
        );
        write_layers(&mut out, net.params(), Some(net.activations()));
        out.push_str("\n  ]");
        let mut key = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                let _ = write!(out, ",\n  \"{name}\": {v}");
            }
        };
        key("features", self.features.as_ref().map(to_json));
        key("targets", self.targets.as_ref().map(to_json));
        key("classes", self.classes.as_ref().map(to_json));
        if let Some(schema) = &self.schema {
            key("na_values", Some(to_json(&schema.na_values)));
            if schema.decimal != b'.' {
                key(
                    "decimal",
                    Some(to_json(&char::from(schema.decimal).to_string())),
                );
            }
            let columns: Vec<String> = schema.columns.iter().map(to_json).collect();
            key(
                "columns",
                Some(format!("[\n    {}\n  ]", columns.join(",\n    "))),
            );
        }
        key("input_scaling", self.input_scaling.as_ref().map(to_json));
        key("target_scaling", self.target_scaling.as_ref().map(to_json));
        key("training", self.training.as_ref().map(to_json));
        if !self.ensemble.is_empty() {
            let members: Vec<String> = self
                .ensemble
                .iter()
                .map(|m| {
                    let mut layers = String::new();
                    write_layers(&mut layers, m.params(), Some(m.activations()));
                    format!("{{\"layers\": [{layers}\n  ]}}")
                })
                .collect();
            key("ensemble", Some(format!("[{}]", members.join(", "))));
        }
        out.push_str("\n}\n");
        Ok(out)
    }
}

/// A gradient (or any parameters) as the text of an `mlp-gradient` version-1 file.
pub fn gradient_to_json(grad: &Params<f64>) -> String {
    let mut out = format!(
        "{{\n  \"format\": \"{GRADIENT_FORMAT}\",\n  \"version\": {FORMAT_VERSION},\n  \"layers\": ["
    );
    write_layers(&mut out, grad, None);
    out.push_str("\n  ]\n}\n");
    out
}

fn write_layers(out: &mut String, params: &Params<f64>, activations: Option<&[Activation]>) {
    for k in 0..params.n_layers() {
        let sep = if k == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n    {{");
        if let Some(acts) = activations {
            let _ = write!(out, "\n      \"activation\": \"{}\",", acts[k]);
        }
        out.push_str("\n      \"weights\": [");
        for (i, row) in params.weights(k).rows().into_iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let _ = write!(out, "{sep}\n        {}", numbers(row.iter()));
        }
        let _ = write!(
            out,
            "\n      ],\n      \"bias\": {}\n    }}",
            numbers(params.bias(k).iter())
        );
    }
}

fn numbers<'a>(values: impl Iterator<Item = &'a f64>) -> String {
    let mut s = String::from("[");
    for (i, v) in values.enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&to_json(v));
    }
    s.push(']');
    s
}

/// Compact JSON of a value; f64 in shortest round-trip form.
fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
