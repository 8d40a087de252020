//! What enters through the targets: class and sample weights, by which J becomes the weighted
//! mean (1/m) sum_i w_i cost_i, and label smoothing.
//!
//! They enter through the targets, so the seed's passes compute the weighted J unchanged: the
//! softmax cross-entropy cost -sum_k y_k log a_k is linear in y, so with targets w_i y_i the
//! example's cost is w_i cost_i, and its output error, a sum_k y_k - y in general
//! (`Loss::output_error`), is w_i (a - y_i). The weights are scaled to mean 1 over the
//! labelled rows, so that lambda keeps its meaning.

use std::collections::BTreeMap;

use ndarray::Array2;

use crate::data::Table;
use crate::error::{Error, Location, Result};
use crate::float::Float;
use crate::loss::Loss;

/// How the classes are weighted.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ClassWeight {
    /// Every class weighs 1.
    #[default]
    None,
    /// w_c = n / (K n_c) for the n labelled rows, K classes and n_c rows of class c
    /// (scikit-learn's "balanced").
    Balanced,
    /// A weight per class label; a class not listed weighs 1.
    Given(BTreeMap<String, f64>),
}

/// Scales each row of the encoded targets `y` by its weight: the class weight of its class
/// (`classes[i]`, an index into `labels`) times its sample weight (the number in column
/// `sample` of `table`'s kept columns), all scaled to mean 1. Nothing to do without weights.
pub(super) fn apply<T: Float>(
    y: &mut Array2<T>,
    table: &Table<T>,
    classes: Option<(&[usize], &[String])>,
    class_weight: &ClassWeight,
    sample: Option<&str>,
) -> Result<()> {
    if *class_weight == ClassWeight::None && sample.is_none() {
        return Ok(());
    }
    let n = y.nrows();
    let mut w = vec![1.0; n];
    if *class_weight != ClassWeight::None {
        let Some((of_row, labels)) = classes else {
            return Err(Error::config(
                "class_weight",
                "class weights need a classification",
            ));
        };
        let mut counts = vec![0usize; labels.len()];
        of_row.iter().for_each(|&c| counts[c] += 1);
        let per_class: Vec<f64> = match class_weight {
            ClassWeight::None => vec![1.0; labels.len()],
            ClassWeight::Balanced => {
                let present = counts.iter().filter(|&&c| c > 0).count().max(1);
                counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            0.0
                        } else {
                            n as f64 / (present * c) as f64
                        }
                    })
                    .collect()
            }
            ClassWeight::Given(map) => {
                if let Some(unknown) = map.keys().find(|k| !labels.contains(k)) {
                    return Err(Error::config(
                        "class_weight",
                        format!("no class \"{unknown}\" (classes: {})", labels.join(", ")),
                    ));
                }
                labels
                    .iter()
                    .map(|l| map.get(l).copied().unwrap_or(1.0))
                    .collect()
            }
        };
        for (wi, &c) in w.iter_mut().zip(of_row) {
            *wi *= per_class[c];
        }
    }
    if let Some(name) = sample {
        let Some(column) = table.kept.iter().find(|k| k.name == name) else {
            return Err(Error::config(
                "sample_weight",
                format!("no column \"{name}\""),
            ));
        };
        for (i, (wi, v)) in w.iter_mut().zip(&column.values).enumerate() {
            let at = || {
                Location::file(&table.name)
                    .at_column(name)
                    .at_line(column.line(i))
            };
            let s = crate::data::number(v, table.decimal)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| Error::Data {
                    at: at(),
                    message: format!("sample weight \"{v}\" is not a number >= 0"),
                })?;
            *wi *= s;
        }
    }
    let mean = w.iter().sum::<f64>() / n.max(1) as f64;
    if !(mean.is_finite() && mean > 0.0) {
        return Err(Error::config(
            "sample_weight",
            "the weights must not all be 0",
        ));
    }
    for (mut row, wi) in y.rows_mut().into_iter().zip(&w) {
        let s = T::of(wi / mean);
        row.mapv_inplace(|v| v * s);
    }
    Ok(())
}

/// Label smoothing: each target y of a classifier is moved towards the uniform distribution,
/// y := (1 - epsilon) y + epsilon / K over the K outputs of a softmax, or
/// y := (1 - epsilon) y + epsilon / 2 for each sigmoid output (its two outcomes). Both costs are
/// linear in y and the output error delta^(L) = a (sum_k y_k) - y holds for any targets whose
/// rows sum to 1 (softmax) or lie in [0, 1] (sigmoid), so the seed's passes are unchanged: the
/// network is only asked for probabilities short of 0 and 1.
pub fn smooth_labels<T: Float>(y: &mut Array2<T>, loss: Loss, epsilon: f64) -> Result<()> {
    if !(0.0..1.0).contains(&epsilon) {
        return Err(Error::config(
            "label_smoothing",
            format!("must be in [0, 1), got {epsilon}"),
        ));
    }
    let floor = match loss {
        Loss::SoftmaxCrossEntropy => epsilon / y.ncols().max(1) as f64,
        Loss::CrossEntropy => epsilon / 2.0,
        Loss::SquaredError => {
            return Err(Error::config(
                "label_smoothing",
                "smooths class labels: it needs a cross-entropy loss (classification)",
            ));
        }
    };
    let (keep, floor) = (T::of(1.0 - epsilon), T::of(floor));
    y.mapv_inplace(|v| keep * v + floor);
    Ok(())
}
