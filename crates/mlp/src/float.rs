//! The two element types the network computes in.
//!
//! `f64` is for checks and exact comparisons with other implementations; `f32` is for speed.
//! The trait is sealed: the matrix kernels and the file format are written for exactly these two.

use crate::fastmath::{exp_f32, exp_f64, tanh_f32, tanh_f64};
use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`.
pub trait Float:
    num_traits::Float
    + num_traits::FloatConst
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Converts from `f64`, rounding to nearest for `f32`.
    fn of(x: f64) -> Self;
    /// Widens to `f64` (exact).
    fn wide(self) -> f64;
    /// e^self for self <= 0 (the library's exponentials are all of -|z| or z - max), in plain
    /// arithmetic that vectorizes: `f64` within 1 ulp of [`f64::exp`], `f32` within 1 ulp of
    /// the exact value. 0 where e^self rounds to 0.
    fn exp_nonpositive(self) -> Self;
    /// tanh in plain arithmetic that vectorizes: `f32` within 5 ulp of the exact value, `f64`
    /// within 2 ulp of [`f64::tanh`]; exactly ±1 where the rounded exact value is.
    fn tanh_fast(self) -> Self;
    /// Bytes of one value: 4 or 8.
    const BYTES: usize;
    /// Writes the value's little-endian bytes into `out` ([`Float::BYTES`] long), bit for bit:
    /// what processes send each other (see [`crate::peers`]).
    fn put_le(self, out: &mut [u8]);
    /// The value whose little-endian bytes are `bytes` ([`Float::BYTES`] long).
    fn get_le(bytes: &[u8]) -> Self;
}

impl Float for f32 {
    const NAME: &'static str = "f32";
    const BYTES: usize = 4;
    #[inline(always)]
    fn put_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    #[inline(always)]
    fn get_le(bytes: &[u8]) -> Self {
        let mut b = [0; 4];
        b.copy_from_slice(bytes);
        f32::from_le_bytes(b)
    }
    #[inline]
    fn of(x: f64) -> Self {
        x as f32
    }
    #[inline]
    fn wide(self) -> f64 {
        f64::from(self)
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        exp_f32(self)
    }
    #[inline(always)]
    fn tanh_fast(self) -> Self {
        tanh_f32(self)
    }
}

impl Float for f64 {
    const NAME: &'static str = "f64";
    const BYTES: usize = 8;
    #[inline(always)]
    fn put_le(self, out: &mut [u8]) {
        out.copy_from_slice(&self.to_le_bytes());
    }
    #[inline(always)]
    fn get_le(bytes: &[u8]) -> Self {
        let mut b = [0; 8];
        b.copy_from_slice(bytes);
        f64::from_le_bytes(b)
    }
    #[inline]
    fn of(x: f64) -> Self {
        x
    }
    #[inline]
    fn wide(self) -> f64 {
        self
    }
    #[inline(always)]
    fn exp_nonpositive(self) -> Self {
        exp_f64(self)
    }
    #[inline(always)]
    fn tanh_fast(self) -> Self {
        tanh_f64(self)
    }
}
