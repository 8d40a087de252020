//! Weight initialization from an explicit seed, the same on every machine and version.
//!
//! The generator is ChaCha8 (`rand_chacha::ChaCha8Rng::seed_from_u64(seed)`), a portable stream
//! cipher generator whose output is fixed by its specification. Each draw takes the next 64-bit
//! output `r` and forms `u = (r >> 11) * 2^-53`, a float64 in [0, 1); a parameter is
//! `(2u - 1) * bound`. Parameters are drawn layer after layer, each layer's weights in the order
//! w_11, w_12, ... (row by row of W, whatever the layout in memory), then its biases, in
//! float64, then rounded to the training precision: an f32 and an f64 network from the same
//! seed hold the same numbers up to f32 rounding.

use crate::float::Float;
use crate::params::Params;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// How initial weights and biases are drawn: uniformly in [-bound, bound).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Init {
    /// Glorot/Xavier uniform: bound = sqrt(6 / (fan_in + fan_out)) per layer (about 0.12 for
    /// 400 -> 25, the epsilon of the seed's course).
    #[default]
    Glorot,
    /// The same fixed bound for every layer (the course's epsilon_init = 0.12).
    Uniform {
        /// Half-width of the interval; positive and finite.
        bound: f64,
    },
}

impl Init {
    /// The bound used for a layer with `fan_in` inputs and `fan_out` units.
    pub fn bound(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::Glorot => (6.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::Uniform { bound } => bound,
        }
    }
}

/// The documented uniform draw in [0, 1) (see the module docs).
pub(crate) fn unit_uniform(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A seeded generator for every random choice of the library (weights, shuffles, splits).
pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Overwrites every weight and bias of `params` with draws from `init`, seeded by `seed`.
pub fn initialize<T: Float>(params: &mut Params<T>, init: Init, seed: u64) {
    let mut rng = rng(seed);
    for k in 0..params.n_layers() {
        let (fan_out, fan_in) = params.shape(k);
        let bound = init.bound(fan_in, fan_out);
        let (mut w, mut b) = params.layer_mut(k);
        w.iter_mut()
            .chain(b.iter_mut())
            .for_each(|v| *v = T::of((2.0 * unit_uniform(&mut rng) - 1.0) * bound));
    }
}

/// An (rows, cols) matrix of draws uniform in [low, high) from the documented stream seeded by
/// `seed`, filled row by row: random data for checks and examples.
pub fn uniform_matrix(
    rows: usize,
    cols: usize,
    low: f64,
    high: f64,
    seed: u64,
) -> ndarray::Array2<f64> {
    let mut rng = rng(seed);
    ndarray::Array2::from_shape_simple_fn((rows, cols), || {
        low + (high - low) * unit_uniform(&mut rng)
    })
}
