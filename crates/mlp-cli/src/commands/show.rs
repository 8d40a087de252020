//! `mlp show`: what a model file holds, and optionally its first layer's weights as images.

use anyhow::{Result, bail};
use clap::Args;
use mlp::Model;
use std::fmt::Write as _;

/// Options of `mlp show`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  mlp show mnist.json --weights-image hidden-units.png")]
pub struct ShowArgs {
    /// The model file.
    model: std::path::PathBuf,
    /// Draw each first-layer unit's weights as a square image, in a grid (inputs must be a
    /// square image, e.g. 784 = 28 x 28).
    #[arg(long, value_name = "FILE.png")]
    weights_image: Option<std::path::PathBuf>,
}

/// Runs `mlp show`.
pub fn run(args: ShowArgs) -> Result<()> {
    if let Some(path) = &args.weights_image {
        if !crate::io::ends_with(path, ".png") {
            bail!(
                "--weights-image {}: the file name must end in .png",
                path.display()
            );
        }
        crate::io::check_output(path)?;
        crate::io::check_distinct(&[("--weights-image", path)], &[&args.model])?;
    }
    let model = Model::load(&args.model)?;
    let net = &model.network;
    let mut out = String::new();
    writeln!(out, "{net}")?;
    if model.members() > 1 {
        writeln!(
            out,
            "ensemble: {} networks of these layers, outputs averaged (the numbers below are the first's)",
            model.members()
        )?;
    }
    let weights: usize = (0..net.params().n_layers())
        .map(|k| net.params().shape(k).0 * net.params().shape(k).1)
        .sum();
    writeln!(
        out,
        "parameters: {} ({weights} weights, {} biases)",
        net.params().len(),
        net.params().len() - weights
    )?;
    for k in 0..net.params().n_layers() {
        let (r, c) = net.params().shape(k);
        let w = net.params().weights(k);
        let norm = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        writeln!(
            out,
            "  layer {} ({}): W {r} x {c}, |W| = {norm:.4}",
            k + 2,
            net.activations()[k]
        )?;
    }
    if let Some(f) = &model.features {
        writeln!(out, "features: {} ({})", f.len(), preview(f))?;
    }
    if let Some(schema) = &model.schema {
        writeln!(out, "input columns ({} inputs):", schema.width())?;
        for c in &schema.columns {
            let kind = match c.encoding {
                mlp::schema::Encoding::Numeric { .. } => "numeric",
                mlp::schema::Encoding::Categorical { .. } => "categorical",
                mlp::schema::Encoding::Date { .. } => "date",
            };
            writeln!(
                out,
                "  {:<20} {:<12} {}",
                c.name,
                kind,
                c.encoding.describe()
            )?;
        }
    }
    if let Some(t) = &model.targets {
        writeln!(out, "targets: {}", t.join(", "))?;
    }
    if let Some(c) = &model.classes {
        writeln!(out, "classes: {}", preview(c))?;
    }
    writeln!(
        out,
        "input standardization: {}",
        if model.input_scaling.is_some() {
            "yes (stored means and standard deviations)"
        } else {
            "no"
        }
    )?;
    if model.target_scaling.is_some() {
        writeln!(out, "target scaling: yes (predictions are mapped back)")?;
    }
    if let Some(t) = &model.training {
        writeln!(out, "training:")?;
        let t = serde_json::to_value(t)?;
        match t.as_object() {
            Some(record) => {
                for (key, value) in record {
                    let text = match value {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => "-".into(),
                        other => other.to_string(),
                    };
                    writeln!(out, "  {:<20} {text}", key.replace('_', " "))?;
                }
            }
            None => writeln!(out, "  {}", serde_json::to_string(&t)?)?,
        }
    }
    if let Some(path) = &args.weights_image {
        weights_image(&model, path)?;
        writeln!(out, "wrote {}", path.display())?;
    }
    crate::io::print(&out)
}

fn preview(items: &[String]) -> String {
    let mut s: Vec<&str> = items.iter().take(8).map(String::as_str).collect();
    if items.len() > 8 {
        s.push("...");
    }
    s.join(", ")
}

/// A grid of the first layer's units, each unit's weights as a square grey image scaled to its
/// own largest |w| (mid grey is 0), as the course displays hidden units.
fn weights_image(model: &Model, path: &std::path::Path) -> Result<()> {
    let w = model.network.params().weights(0);
    let (units, inputs) = w.dim();
    let side = (inputs as f64).sqrt().round() as usize;
    if side * side != inputs {
        bail!("--weights-image: the model has {inputs} inputs, not a square image");
    }
    let cols = (units as f64).sqrt().ceil() as usize;
    let rows = units.div_ceil(cols);
    let scale = (112 / side).max(1);
    let tile = side * scale;
    let gap = 2;
    let (width, height) = (cols * (tile + gap) + gap, rows * (tile + gap) + gap);
    // The image holds 3 bytes a pixel, and the PNG encoder about as much again.
    let bytes = (width as u64)
        .saturating_mul(height as u64)
        .saturating_mul(3 * 2);
    let available = mlp::data::available_memory()?;
    if u32::try_from(width).is_err()
        || u32::try_from(height).is_err()
        || available.is_some_and(|a| bytes > a)
    {
        bail!(
            "--weights-image: an image of {units} units of {side} x {side} pixels would be \
             {width} x {height} pixels, {} MB, more than the memory available ({} MB)",
            bytes >> 20,
            available.unwrap_or(0) >> 20
        );
    }
    let mut rgb = vec![40u8; width * height * 3];
    for (u, unit) in w.rows().into_iter().enumerate() {
        let max = unit
            .iter()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(f64::MIN_POSITIVE);
        let (ox, oy) = (
            gap + (u % cols) * (tile + gap),
            gap + (u / cols) * (tile + gap),
        );
        for (i, &v) in unit.iter().enumerate() {
            let grey = (((v / max) + 1.0) * 127.5).round().clamp(0.0, 255.0) as u8;
            let (px, py) = ((i % side) * scale, (i / side) * scale);
            for dy in 0..scale {
                for dx in 0..scale {
                    let at = ((oy + py + dy) * width + ox + px + dx) * 3;
                    rgb[at..at + 3].fill(grey);
                }
            }
        }
    }
    crate::plot::write_png(path, width as u32, height as u32, rgb)
}
