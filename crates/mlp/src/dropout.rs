//! Dropout (Srivastava et al., 2014), in its inverted form: during a training step each unit of
//! a hidden layer is kept with probability 1 - p and scaled by 1/(1 - p), or else set to 0,
//!
//! A^(l) := g(Z^(l)) ⊙ M^(l),   m_ij = 1/(1 - p) with probability 1 - p, else 0,
//!
//! and backpropagation carries the same mask, since dA^(l)/dZ^(l) = g'(Z^(l)) ⊙ M^(l):
//!
//! Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)) ⊙ M^(l).
//!
//! Prediction uses no mask (the scaling keeps the expected activation the same). The draw of
//! m_ij for row i of the batch (its place in the batch), unit j of hidden layer k is a hash of
//! (the step's stream, k, i, j): a counter-based draw that depends neither on how the batch is
//! cut into chunks nor on the number of threads, so a run with dropout gives the same bits for
//! any `--threads`.

use crate::error::{Error, Result};
use crate::float::Float;
use ndarray::ArrayViewMut2;

/// The dropout of one training step: the probability p of dropping a unit, and the step's
/// stream of draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    p: f64,
    stream: u64,
}

/// SplitMix64's finalizer (Steele, Lea & Flood, 2014): a bijection of 64-bit words whose
/// outputs pass as independent uniform draws for distinct inputs.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Dropout {
    /// Dropout with probability `p` in [0, 1) and the draws of `stream`.
    pub fn new(p: f64, stream: u64) -> Result<Self> {
        if !(0.0..1.0).contains(&p) {
            return Err(Error::config(
                "dropout",
                format!("must be in [0, 1), got {p}"),
            ));
        }
        Ok(Dropout { p, stream })
    }

    /// The dropout of mini-batch `batch` (from 0) of epoch `epoch` of a run seeded `seed`.
    pub fn for_step(p: f64, seed: u64, epoch: usize, batch: usize) -> Result<Self> {
        let stream = mix(mix(mix(seed ^ 0xD50F_0DD5) ^ epoch as u64) ^ batch as u64);
        Dropout::new(p, stream)
    }

    /// The probability of dropping a unit.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Whether unit `unit` of hidden layer `layer` is kept for the batch's row `row`: a draw
    /// u = (hash >> 11) / 2^53, uniform in [0, 1), kept when u >= p.
    pub fn keeps(&self, layer: usize, row: usize, unit: usize) -> bool {
        let h = mix(mix(mix(self.stream ^ layer as u64) ^ row as u64) ^ unit as u64);
        let u = (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        u >= self.p
    }

    /// `v := v ⊙ M` for the rows of hidden layer `layer` held in `v`, whose first is the
    /// batch's row `first_row`: each value times 1/(1 - p) or 0.
    pub(crate) fn apply<T: Float>(
        &self,
        layer: usize,
        mut v: ArrayViewMut2<'_, T>,
        first_row: usize,
    ) {
        let scale = T::of(1.0 / (1.0 - self.p));
        for (i, mut row) in v.rows_mut().into_iter().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if self.keeps(layer, first_row + i, j) {
                    *v * scale
                } else {
                    T::zero()
                };
            }
        }
    }

    /// `a := a (1 - p)`: a masked A^(l) back to g(Z^(l)) on its kept units (0 on the dropped
    /// ones), from which g' is written.
    pub(crate) fn unscale<T: Float>(&self, mut a: ArrayViewMut2<'_, T>) {
        let keep = T::of(1.0 - self.p);
        a.mapv_inplace(|v| v * keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_keep_about_one_minus_p_and_are_reproducible() {
        let d = Dropout::for_step(0.3, 7, 2, 5).unwrap();
        let kept = (0..100_000)
            .filter(|&i| d.keeps(1, i / 100, i % 100))
            .count();
        // 70,000 expected, standard deviation 145.
        assert!((69_400..=70_600).contains(&kept), "{kept}");
        let again = Dropout::for_step(0.3, 7, 2, 5).unwrap();
        let other = Dropout::for_step(0.3, 7, 2, 6).unwrap();
        let masks = |d: &Dropout| (0..1000).map(|i| d.keeps(0, i, 3)).collect::<Vec<_>>();
        assert_eq!(masks(&d), masks(&again));
        assert_ne!(masks(&d), masks(&other));
        assert!(Dropout::new(1.0, 0).is_err() && Dropout::new(-0.1, 0).is_err());
        assert!((0..1000).all(|i| Dropout::new(0.0, 3).unwrap().keeps(0, i, i)));
    }
}
