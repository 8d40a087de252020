//! The costs J of the seed, and the output error delta^(L) each one starts backpropagation with.
//!
//! Per-example data costs (summed over the K outputs; [`Loss::total`] sums them over the examples,
//! the caller divides by m):
//!
//! | loss | cost of one example | canonical output | delta^(L) |
//! |---|---|---|---|
//! | `squared_error` | 1/2 sum_k (a_k - y_k)^2 | identity | a - y |
//! | `cross_entropy` | -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] | sigmoid | a - y |
//! | `softmax_cross_entropy` | -sum_k y_k log a_k | softmax | a sum_k y_k - y (= a - y for one-hot y) |
//!
//! The two cross-entropies are computed from z, not from a: `log a = -softplus(-z)` and
//! `log(1 - a) = -softplus(z)` for the sigmoid, `log a_k = z_k - logsumexp(z)` for softmax. That
//! keeps the cost finite and exact when outputs saturate (|z| in the hundreds), with no clipping.

use crate::activation::Activation;
use crate::fastmath::{ln_1p_f64, vectorized};
use crate::float::Float;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The cost function J.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// The seed's "linear regression" cost: J = 1/(2m) sum_i sum_k (h_k(x_i) - y_ik)^2.
    SquaredError,
    /// The seed's "logistic regression" cost, summed over K independent sigmoid outputs:
    /// J = -1/m sum_i sum_k [y_ik log h_k(x_i) + (1 - y_ik) log(1 - h_k(x_i))].
    CrossEntropy,
    /// Categorical cross-entropy over a softmax output: J = -1/m sum_i sum_k y_ik log h_k(x_i).
    SoftmaxCrossEntropy,
}

impl Loss {
    /// Every loss.
    pub const ALL: [Loss; 3] = [
        Loss::SquaredError,
        Loss::CrossEntropy,
        Loss::SoftmaxCrossEntropy,
    ];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Loss::SquaredError => "squared_error",
            Loss::CrossEntropy => "cross_entropy",
            Loss::SoftmaxCrossEntropy => "softmax_cross_entropy",
        }
    }

    /// The output activation with which delta^(L) = a - y (the canonical pair).
    pub fn canonical_output(self) -> Activation {
        match self {
            Loss::SquaredError => Activation::Identity,
            Loss::CrossEntropy => Activation::Sigmoid,
            Loss::SoftmaxCrossEntropy => Activation::Softmax,
        }
    }

    /// Whether `output` may be the activation of the output layer with this loss.
    ///
    /// Squared error works with any output (non-canonical pairs use delta = (a - y) ⊙ g'(z));
    /// the cross-entropies need the output they are defined on: probabilities from a sigmoid or
    /// a softmax.
    pub fn allows_output(self, output: Activation) -> bool {
        match self {
            Loss::SquaredError => true,
            Loss::CrossEntropy | Loss::SoftmaxCrossEntropy => output == self.canonical_output(),
        }
    }

    /// Sum over all examples (rows) and outputs of the per-example cost, in f64.
    ///
    /// `z` and `a` are the output layer's pre-activation and activation, `y` the targets, all of
    /// shape (m, K).
    pub fn total<T: Float>(
        self,
        z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
    ) -> f64 {
        match self {
            Loss::SquaredError => Zip::from(a).and(y).fold(0.0, |s, &a, &y| {
                let d = a.wide() - y.wide();
                s + 0.5 * d * d
            }),
            Loss::CrossEntropy => match (z.as_slice(), y.as_slice()) {
                (Some(z), Some(y)) => {
                    // The terms a few hundred at a time at full vector width, summed in order.
                    let mut terms = [0.0; 256];
                    let mut s = 0.0;
                    for (z, y) in z.chunks(terms.len()).zip(y.chunks(terms.len())) {
                        let terms = &mut terms[..z.len()];
                        vectorized(
                            #[inline(always)]
                            || {
                                for ((t, &z), &y) in terms.iter_mut().zip(z).zip(y) {
                                    *t = cross_entropy(z.wide(), y.wide());
                                }
                            },
                        );
                        for &t in terms.iter() {
                            s += t;
                        }
                    }
                    s
                }
                _ => Zip::from(z)
                    .and(y)
                    .fold(0.0, |s, &z, &y| s + cross_entropy(z.wide(), y.wide())),
            },
            Loss::SoftmaxCrossEntropy => {
                let mut s = 0.0;
                for (z, y) in z.rows().into_iter().zip(y.rows()) {
                    let max = z.fold(f64::NEG_INFINITY, |m, &v| m.max(v.wide()));
                    let lse = max + z.fold(0.0, |acc, &v| acc + (v.wide() - max).exp()).ln();
                    s += Zip::from(z)
                        .and(y)
                        .fold(0.0, |acc, &z, &y| acc + y.wide() * (lse - z.wide()));
                }
                s
            }
        }
    }

    /// Writes the output error of every example (not yet divided by m) into `delta`, from the
    /// output activation `a` and the targets `y`, all (m, K): A - Y, plus a_k (sum_j y_j - 1)
    /// for softmax cross-entropy. With the loss's canonical output this is delta^(L) =
    /// dJ_i/dz^(L); for squared error after another output it is dJ_i/da^(L), which the
    /// backward pass multiplies by g'(z^(L)) (`passes::output_delta`).
    pub fn output_error<T: Float>(
        self,
        a: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        mut delta: ArrayViewMut2<'_, T>,
    ) {
        Zip::from(&mut delta)
            .and(a)
            .and(y)
            .for_each(|d, &a, &y| *d = a - y);
        if self == Loss::SoftmaxCrossEntropy {
            // The exact gradient for any targets is a * sum_k y_k - y; the extra term vanishes
            // for one-hot (or any probability) targets.
            for ((mut d, a), y) in delta.rows_mut().into_iter().zip(a.rows()).zip(y.rows()) {
                let excess = y.sum() - T::one();
                if excess != T::zero() {
                    Zip::from(&mut d).and(a).for_each(|d, &a| *d += a * excess);
                }
            }
        }
    }
}

/// softplus(x) = log(1 + e^x) and softplus(-x), without overflow or loss of precision for any
/// x: softplus(±x) = max(±x, 0) + log(1 + e^{-|x|}), one logarithm for both.
#[inline(always)]
pub(crate) fn softplus_both(x: f64) -> (f64, f64) {
    let log1p_exp = ln_1p_f64((-x.abs()).exp_nonpositive());
    (x.max(0.0) + log1p_exp, (-x).max(0.0) + log1p_exp)
}

/// The cross-entropy of one sigmoid output from its z and target y:
/// -[y log a + (1 - y) log(1 - a)] = y softplus(-z) + (1 - y) softplus(z); for a hard target
/// one of the two terms is exactly 0 and is left out.
#[inline(always)]
fn cross_entropy(z: f64, y: f64) -> f64 {
    let (softplus_z, softplus_minus_z) = softplus_both(z);
    if y == 0.0 {
        softplus_z
    } else if y == 1.0 {
        softplus_minus_z
    } else {
        y * softplus_minus_z + (1.0 - y) * softplus_z
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Loss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Loss::ALL.into_iter().find(|l| l.name() == s).ok_or_else(|| {
            format!(
                "unknown loss \"{s}\" (expected squared_error, cross_entropy or softmax_cross_entropy)"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softplus_is_exact_in_both_tails() {
        let softplus = |x| softplus_both(x).0;
        assert_eq!(softplus(1000.0), 1000.0);
        assert_eq!(softplus(-1000.0), 0.0);
        assert_eq!(softplus_both(-1000.0).1, 1000.0);
        assert!((softplus(-300.0) / (-300.0_f64).exp() - 1.0).abs() < 1e-15);
        assert!((softplus(0.0) - 2.0_f64.ln()).abs() < 1e-16);
        // The same bits as the textbook form with std's exp and ln_1p, to 1 ulp.
        for i in 0..20_000 {
            let x = (i as f64 - 10_000.0) * 0.0731;
            let std = x.max(0.0) + (-x.abs()).exp().ln_1p();
            let ours = softplus(x);
            assert!(ours.to_bits().abs_diff(std.to_bits()) <= 1, "softplus({x})");
        }
    }

    #[test]
    fn saturated_cross_entropy_is_finite_and_correct() {
        // A wrong, saturated prediction costs |z|; a right one costs e^-|z|.
        let z = array![[300.0, -300.0]];
        let a = z.mapv(crate::activation::sigmoid);
        let wrong = array![[0.0, 1.0]];
        assert_eq!(
            Loss::CrossEntropy.total(z.view(), a.view(), wrong.view()),
            600.0
        );
        let right = array![[1.0, 0.0]];
        let c = Loss::CrossEntropy.total(z.view(), a.view(), right.view());
        assert!((c / (2.0 * (-300.0_f64).exp()) - 1.0).abs() < 1e-14);
    }

    #[test]
    fn softmax_cross_entropy_of_huge_logits() {
        let z = array![[400.0, -400.0, 0.0]];
        let y = array![[0.0, 1.0, 0.0]];
        let c = Loss::SoftmaxCrossEntropy.total(z.view(), z.view(), y.view());
        assert_eq!(c, 800.0);
    }
}
