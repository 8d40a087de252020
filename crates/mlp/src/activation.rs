//! Activation functions g, each beside its derivative.
//!
//! Derivatives are written from the activation's *output* a = g(z), as the seed does for the
//! sigmoid (`da/dz = a(1 - a)`): the backward pass then needs only the stored a^(l).

use crate::Float;
use crate::fastmath::vectorized;
use crate::pool::{PAR_MIN_ELEMENTS, PAR_MIN_TRANSCENDENTAL, blocks_for, par_row_blocks};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Zip, s};
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
}

impl Activation {
    /// Every activation, in the order the docs list them.
    pub const ALL: [Activation; 5] = [
        Activation::Identity,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Softmax,
    ];

    /// The name used in model files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "identity",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Softmax => "softmax",
        }
    }

    /// Whether the activation may be used in a hidden layer (softmax may not: it couples the
    /// units of a layer, and the seed's hidden recursion is elementwise).
    pub fn allowed_hidden(self) -> bool {
        self != Activation::Softmax
    }

    /// Adds the bias row `b` to every row of `z` and applies g in place: `z` becomes a.
    pub fn bias_and_apply<T: Float>(self, z: ArrayViewMut2<'_, T>, b: ArrayView1<'_, T>) {
        self.bias_and_apply_threads(z, b, 1);
    }

    /// [`Activation::bias_and_apply`] with the rows of a large `z` split over `threads` threads
    /// (the results do not depend on `threads`).
    pub(crate) fn bias_and_apply_threads<T: Float>(
        self,
        mut z: ArrayViewMut2<'_, T>,
        b: ArrayView1<'_, T>,
        threads: usize,
    ) {
        let (cheap, costly) = (PAR_MIN_ELEMENTS, PAR_MIN_TRANSCENDENTAL);
        match self {
            Activation::Identity => add_bias_then(z, b, threads, cheap, |v| v),
            Activation::Sigmoid => add_bias_then(z, b, threads, costly, sigmoid),
            Activation::Tanh => add_bias_then(z, b, threads, costly, |v| v.tanh_fast()),
            Activation::Relu => add_bias_then(z, b, threads, cheap, |v| v.max(T::zero())),
            Activation::Softmax => {
                add_bias_then(z.view_mut(), b, threads, cheap, |v| v);
                for mut row in z.rows_mut() {
                    // Subtracting the row maximum keeps every exponent <= 0: no overflow.
                    let max = row.fold(T::neg_infinity(), |m, &v| m.max(v));
                    row.mapv_inplace(|v| (v - max).exp());
                    let sum = row.sum();
                    row.mapv_inplace(|v| v / sum);
                }
            }
        }
    }

    /// Turns dJ/da into dJ/dz in place, from the layer's output `a`: `delta := delta ⊙ g'(z)`
    /// for the elementwise activations, and the softmax Jacobian product
    /// `delta_k := a_k (delta_k - sum_j delta_j a_j)` for softmax.
    pub fn backprop_from_output<T: Float>(self, a: ArrayView2<'_, T>, delta: ArrayViewMut2<'_, T>) {
        self.backprop_from_output_threads(a, delta, 1);
    }

    /// [`Activation::backprop_from_output`] with the rows of a large `delta` split over
    /// `threads` threads (the results do not depend on `threads`).
    pub(crate) fn backprop_from_output_threads<T: Float>(
        self,
        a: ArrayView2<'_, T>,
        mut delta: ArrayViewMut2<'_, T>,
        threads: usize,
    ) {
        let (zero, one) = (T::zero(), T::one());
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => scale_by(delta, a, threads, |d, a| d * (a * (one - a))),
            Activation::Tanh => scale_by(delta, a, threads, |d, a| d * (one - a * a)),
            Activation::Relu => {
                scale_by(delta, a, threads, |d, a| if a <= zero { zero } else { d })
            }
            Activation::Softmax => {
                for (mut d, a) in delta.rows_mut().into_iter().zip(a.rows()) {
                    let dot: T = d.iter().zip(a.iter()).map(|(&d, &a)| d * a).sum();
                    Zip::from(&mut d)
                        .and(a)
                        .for_each(|d, &a| *d = a * (*d - dot));
                }
            }
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
        }
    }
}

/// One pass over `z`: `z_ij := g(z_ij + b_j)`, vectorized, on `threads` threads when `z` has
/// at least `min_elements` elements.
#[inline(always)]
fn add_bias_then<T: Float>(
    z: ArrayViewMut2<'_, T>,
    b: ArrayView1<'_, T>,
    threads: usize,
    min_elements: usize,
    g: impl Fn(T) -> T + Sync + Copy,
) {
    let blocks = blocks_for(threads, z.len(), min_elements);
    par_row_blocks(z, blocks, |mut block, _| {
        vectorized(
            #[inline(always)]
            || {
                // A copy of `g` (and of what it captured) in this frame: read through the
                // closure's reference it would be reloaded on every element (it might alias
                // `z`), and the loop would not vectorize.
                let g_here = g;
                match (block.as_slice_mut(), b.as_slice()) {
                    (Some(z), Some(b)) if !b.is_empty() => {
                        // Rows are short (often 10 or 25 units): add the bias row by row, then apply
                        // g to a few thousand elements at once, at full vector width.
                        let rows = (2048 / b.len()).max(1);
                        for chunk in z.chunks_mut(rows * b.len()) {
                            for row in chunk.chunks_exact_mut(b.len()) {
                                for (v, &bj) in row.iter_mut().zip(b) {
                                    *v += bj;
                                }
                            }
                            for v in chunk {
                                *v = g_here(*v);
                            }
                        }
                    }
                    _ => Zip::from(&mut block)
                        .and_broadcast(&b)
                        .for_each(|v, &bj| *v = g_here(*v + bj)),
                }
            },
        );
    });
}

/// One pass over `delta`: `delta_ij := f(delta_ij, a_ij)`, vectorized, on `threads` threads
/// when large.
#[inline(always)]
fn scale_by<T: Float>(
    delta: ArrayViewMut2<'_, T>,
    a: ArrayView2<'_, T>,
    threads: usize,
    f: impl Fn(T, T) -> T + Sync + Copy,
) {
    let blocks = blocks_for(threads, delta.len(), PAR_MIN_ELEMENTS);
    par_row_blocks(delta, blocks, |mut block, rows| {
        let a = a.slice(s![rows, ..]);
        vectorized(
            #[inline(always)]
            || {
                // A copy of `f`, for the reason given in `add_bias_then`.
                let f_here = f;
                if let (Some(d), Some(a)) = (block.as_slice_mut(), a.as_slice()) {
                    for (d, &a) in d.iter_mut().zip(a) {
                        *d = f_here(*d, a);
                    }
                } else {
                    Zip::from(&mut block)
                        .and(a)
                        .for_each(|d, &a| *d = f_here(*d, a));
                }
            },
        );
    });
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
                    "unknown activation \"{s}\" (expected identity, sigmoid, tanh, relu or softmax)"
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
        Activation::Softmax.bias_and_apply(z.view_mut(), array![0.0, 0.0, 0.0].view());
        for row in z.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-15);
            assert!(row.iter().all(|v| v.is_finite()));
        }
        assert_eq!(z[[0, 0]], 1.0);
    }

    #[test]
    fn large_passes_give_the_same_bits_on_any_number_of_threads() {
        let z = ndarray::Array2::from_shape_fn((700, 190), |(i, j)| {
            ((i * 37 + j * 11) % 101) as f32 * 0.13 - 6.5
        });
        let b = ndarray::Array1::from_shape_fn(190, |j| j as f32 * 0.01 - 0.9);
        for g in Activation::ALL {
            let mut one = z.clone();
            g.bias_and_apply_threads(one.view_mut(), b.view(), 1);
            let mut delta_one = z.mapv(|v| v * 0.5);
            g.backprop_from_output_threads(one.view(), delta_one.view_mut(), 1);
            for threads in [2, 3] {
                let mut many = z.clone();
                g.bias_and_apply_threads(many.view_mut(), b.view(), threads);
                assert!(
                    one.iter()
                        .zip(&many)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                );
                let mut delta_many = z.mapv(|v| v * 0.5);
                g.backprop_from_output_threads(many.view(), delta_many.view_mut(), threads);
                assert!(
                    delta_one
                        .iter()
                        .zip(&delta_many)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                );
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(a.name().parse::<Activation>(), Ok(a));
        }
        assert!("gelu".parse::<Activation>().is_err());
    }
}
