//! Activation functions g, each beside its derivative, elementwise: a = g(z) and
//! dJ/dz = dJ/da * g'(z) for one element ([`Activation::value`], [`Activation::backprop`]). The
//! bias belongs to the layer's pass (`passes::forward`), and running these over matrices at
//! full SIMD width on several threads to `kernels`.
//!
//! Derivatives are written from the activation's *output* a = g(z), as the seed does for the
//! sigmoid (`da/dz = a(1 - a)`): the backward pass then needs only the stored a^(l).

use crate::float::Float;
use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The activation g of a layer: a^(l) = g(z^(l)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// g(z) = z, g' = 1: the seed's "linear regression" unit.
    Identity,
    /// g(z) = 1 / (1 + e^-z), g' = a(1 - a): the seed's "logistic regression" unit.
    Sigmoid,
    /// g(z) = tanh z, g' = 1 - a^2.
    Tanh,
    /// g(z) = max(0, z), g' = 1 where a > 0, else 0.
    Relu,
    /// g(z)_k = e^{z_k} / sum_j e^{z_j} over the units of the layer; output layer only.
    Softmax,
    /// g(z) = z for z > 0, e^z - 1 otherwise (Clevert et al. 2016); g' = 1 where a > 0, else
    /// a + 1. Not in the seed; model files of version 2.
    Elu,
    /// g(z) = lambda z for z > 0, lambda alpha (e^z - 1) otherwise, with the constants of
    /// Klambauer et al. 2017 ([`SELU_LAMBDA`], [`SELU_ALPHA`]); g' = lambda where a > 0, else
    /// a + lambda alpha. Not in the seed; model files of version 2.
    Selu,
}

/// SELU's scale lambda (Klambauer et al. 2017).
pub const SELU_LAMBDA: f64 = 1.050_700_987_355_480_5;
/// SELU's alpha (Klambauer et al. 2017).
pub const SELU_ALPHA: f64 = 1.673_263_242_354_377_2;

impl Activation {
    /// Every activation, in the order the docs list them.
    pub const ALL: [Activation; 7] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Softmax,
        Activation::Elu,
        Activation::Selu,
    ];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Softmax => "softmax",
            Activation::Elu => "elu",
            Activation::Selu => "selu",
        }
    }

    /// Whether format version 1 (the seed's activations) names it; a model using another is
    /// written as version 2.
    pub fn in_version_1(self) -> bool {
        !matches!(self, Activation::Elu | Activation::Selu)
    }

    /// Whether the activation may be used in a hidden layer (softmax may not: it couples the
    /// units of a layer, and the seed's hidden recursion is elementwise).
    pub fn allowed_hidden(self) -> bool {
        self != Activation::Softmax
    }

    /// Whether g costs an exponential (or tanh) per element: the passes then share smaller
    /// matrices out among threads (see [`crate::pool::PAR_MIN_TRANSCENDENTAL`]).
    pub(crate) fn transcendental(self) -> bool {
        matches!(
            self,
            Activation::Sigmoid | Activation::Tanh | Activation::Elu | Activation::Selu
        )
    }

    /// a = g(z) of one element. Softmax couples the units of a row: here it is z itself, and
    /// [`Activation::apply`] normalizes the rows.
    #[inline(always)]
    pub fn value<T: Float>(self, z: T) -> T {
        match self {
            Activation::Identity | Activation::Softmax => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => z.tanh_fast(),
            Activation::Relu => z.max(T::zero()),
            Activation::Elu => {
                if z > T::zero() {
                    z
                } else {
                    z.exp_m1()
                }
            }
            Activation::Selu => {
                let lambda = T::of(SELU_LAMBDA);
                if z > T::zero() {
                    lambda * z
                } else {
                    lambda * T::of(SELU_ALPHA) * z.exp_m1()
                }
            }
        }
    }

    /// dJ/dz = dJ/da * g'(z) of one element, with g'(z) written from a = g(z). Softmax: `d`
    /// itself, and [`Activation::backprop_from_output`] applies its Jacobian.
    #[inline(always)]
    pub fn backprop<T: Float>(self, d: T, a: T) -> T {
        let (zero, one) = (T::zero(), T::one());
        match self {
            Activation::Identity | Activation::Softmax => d,
            Activation::Sigmoid => d * (a * (one - a)),
            Activation::Tanh => d * (one - a * a),
            Activation::Relu => {
                if a <= zero {
                    zero
                } else {
                    d
                }
            }
            Activation::Elu => {
                if a > zero {
                    d
                } else {
                    d * (a + one)
                }
            }
            Activation::Selu => {
                let lambda = T::of(SELU_LAMBDA);
                if a > zero {
                    d * lambda
                } else {
                    d * (a + lambda * T::of(SELU_ALPHA))
                }
            }
        }
    }

    /// [`Activation::value`] over a run of elements, in place: `z` becomes a. The match is
    /// outside the loops, so that each loop is a plain map that vectorizes.
    #[inline(always)]
    pub(crate) fn apply_slice<T: Float>(self, z: &mut [T]) {
        use Activation::{Elu, Identity, Relu, Selu, Sigmoid, Softmax, Tanh};
        match self {
            Identity | Softmax => {}
            Sigmoid => z.iter_mut().for_each(|v| *v = Sigmoid.value(*v)),
            Tanh => z.iter_mut().for_each(|v| *v = Tanh.value(*v)),
            Relu => z.iter_mut().for_each(|v| *v = Relu.value(*v)),
            Elu => z.iter_mut().for_each(|v| *v = Elu.value(*v)),
            Selu => z.iter_mut().for_each(|v| *v = Selu.value(*v)),
        }
    }

    /// [`Activation::backprop`] over a run of elements, in place: `d` (dJ/da) becomes dJ/dz.
    #[inline(always)]
    pub(crate) fn backprop_slice<T: Float>(self, d: &mut [T], a: &[T]) {
        use Activation::{Elu, Identity, Relu, Selu, Sigmoid, Softmax, Tanh};
        let da = d.iter_mut().zip(a);
        match self {
            Identity | Softmax => {}
            Sigmoid => da.for_each(|(d, &a)| *d = Sigmoid.backprop(*d, a)),
            Tanh => da.for_each(|(d, &a)| *d = Tanh.backprop(*d, a)),
            Relu => da.for_each(|(d, &a)| *d = Relu.backprop(*d, a)),
            Elu => da.for_each(|(d, &a)| *d = Elu.backprop(*d, a)),
            Selu => da.for_each(|(d, &a)| *d = Selu.backprop(*d, a)),
        }
    }

    /// A = g(Z) in place, row by row for softmax.
    pub fn apply<T: Float>(self, mut z: ArrayViewMut2<'_, T>) {
        z.mapv_inplace(|v| self.value(v));
        if self == Activation::Softmax {
            softmax_rows(z);
        }
    }

    /// Turns dJ/da into dJ/dz in place, from the layer's output `a`: `delta := delta ⊙ g'(z)`
    /// for the elementwise activations, and the softmax Jacobian product
    /// `delta_k := a_k (delta_k - sum_j delta_j a_j)` for softmax.
    pub fn backprop_from_output<T: Float>(self, a: ArrayView2<'_, T>, delta: ArrayViewMut2<'_, T>) {
        match self {
            Activation::Softmax => softmax_backprop_rows(a, delta),
            _ => Zip::from(delta)
                .and(a)
                .for_each(|d, &a| *d = self.backprop(*d, a)),
        }
    }

    /// g'(z) expressed from a = g(z), for the elementwise activations (softmax: the diagonal of
    /// its Jacobian, a(1 - a)).
    pub fn derivative_from_output(self, a: f64) -> f64 {
        match self {
            Activation::Identity => 1.0,
            Activation::Sigmoid | Activation::Softmax => a * (1.0 - a),
            Activation::Tanh => 1.0 - a * a,
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Elu | Activation::Selu => self.backprop(1.0, a),
        }
    }
}

/// Softmax over each row of `z`, in place: a_k = e^{z_k} / sum_j e^{z_j}.
#[inline]
pub(crate) fn softmax_rows<T: Float>(mut z: ArrayViewMut2<'_, T>) {
    for mut row in z.rows_mut() {
        // Subtracting the row maximum keeps every exponent <= 0: no overflow.
        let max = row.fold(T::neg_infinity(), |m, &v| m.max(v));
        row.mapv_inplace(|v| (v - max).exp());
        let sum = row.sum();
        row.mapv_inplace(|v| v / sum);
    }
}

/// The softmax Jacobian product, row by row: `delta_k := a_k (delta_k - sum_j delta_j a_j)`.
#[inline]
pub(crate) fn softmax_backprop_rows<T: Float>(
    a: ArrayView2<'_, T>,
    mut delta: ArrayViewMut2<'_, T>,
) {
    for (mut d, a) in delta.rows_mut().into_iter().zip(a.rows()) {
        let dot: T = d.iter().zip(a.iter()).map(|(&d, &a)| d * a).sum();
        Zip::from(&mut d)
            .and(a)
            .for_each(|d, &a| *d = a * (*d - dot));
    }
}

/// The logistic sigmoid 1 / (1 + e^-z), computed without overflow for any z: with
/// e = e^{-|z|} <= 1, it is 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.
#[inline(always)]
pub fn sigmoid<T: Float>(z: T) -> T {
    let e = (-z.abs()).exp_nonpositive();
    let numerator = if z >= T::zero() { T::one() } else { e };
    numerator / (T::one() + e)
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown activation \"{s}\" (expected identity, sigmoid, tanh, relu, elu, selu or softmax)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn sigmoid_derivative_at_zero_is_a_quarter() {
        let a = sigmoid(0.0_f64);
        assert_eq!(a, 0.5);
        assert_eq!(Activation::Sigmoid.derivative_from_output(a), 0.25);
    }

    #[test]
    fn sigmoid_is_finite_and_exact_at_the_extremes() {
        assert_eq!(sigmoid(-800.0_f64), 0.0);
        assert_eq!(sigmoid(800.0_f64), 1.0);
        let tiny = sigmoid(-300.0_f64);
        assert!((tiny / (-300.0_f64).exp() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn softmax_rows_sum_to_one_even_for_huge_z() {
        let mut z: ndarray::Array2<f64> = array![[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]];
        Activation::Softmax.apply(z.view_mut());
        for row in z.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-15);
            assert!(row.iter().all(|v| v.is_finite()));
        }
        assert_eq!(z[[0, 0]], 1.0);
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(a.name().parse::<Activation>(), Ok(a));
        }
        assert!("gelu".parse::<Activation>().is_err());
    }

    #[test]
    fn elu_and_selu_by_hand() {
        // e^-1 - 1 = -0.6321205588285577
        assert_eq!(Activation::Elu.value(2.0_f64), 2.0);
        assert!((Activation::Elu.value(-1.0_f64) + 0.632_120_558_828_557_7).abs() < 1e-16);
        let a = Activation::Selu.value(-1.0_f64);
        assert!((a - SELU_LAMBDA * SELU_ALPHA * -0.632_120_558_828_557_7).abs() < 1e-15);
        assert_eq!(Activation::Selu.value(2.0_f64), 2.0 * SELU_LAMBDA);
        // g'(z) from a: e^z = 1/e at z = -1 for ELU; lambda alpha e^z for SELU.
        let d = Activation::Elu.derivative_from_output(Activation::Elu.value(-1.0));
        assert!((d - (-1.0_f64).exp()).abs() < 1e-16);
        let d = Activation::Selu.derivative_from_output(a);
        assert!((d - SELU_LAMBDA * SELU_ALPHA * (-1.0_f64).exp()).abs() < 1e-15);
        assert_eq!(Activation::Selu.derivative_from_output(3.0), SELU_LAMBDA);
    }
}
