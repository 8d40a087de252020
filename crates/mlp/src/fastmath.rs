//! The exponential and tanh written out in plain arithmetic, so that loops over them vectorize,
//! and the helpers that run elementwise passes at the CPU's full SIMD width and on several
//! threads.
//!
//! `libm`'s `exp` and `tanhf` are opaque calls: a loop that calls them runs one element at a
//! time. The functions here use only `+ - * /`, comparisons and bit operations — no branch, no
//! table, no fused multiply-add — so LLVM turns a loop over them into SIMD code, and every
//! instruction set (SSE2, AVX2, AVX-512) computes the same bits.
//!
//! Accuracy, checked by this module's tests against the `f64` std functions:
//!
//! - [`exp_f64`] (x <= 0): within 1 ulp of `f64::exp`, and [`ln_1p_f64`] (0 <= t <= 1): within
//!   1 ulp of `f64::ln_1p` (they are the f64 sigmoid's and softplus's, whose results must match
//!   `libm`'s to 1e-13);
//! - [`exp_f32`] (x <= 0): within 1 ulp of the exact value; [`tanh_f32`]: within 2 ulp; the f32
//!   [`crate::activation::sigmoid`] built on `exp_f32`: within 3 ulp (e/(1 + e) for z < 0 adds
//!   the errors of e, of 1 + e and of the quotient). All are exactly 0, 1 or ±1 wherever the
//!   rounded exact value is, and never NaN for a finite argument.
//!
//! Both exponentials serve only arguments x <= 0: the library takes e^{-|z|} (sigmoid, softplus,
//! tanh) and e^{z - max} (softmax), never e^{positive}.

use ndarray::{ArrayViewMut2, Axis};
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs `f` compiled for the best instruction set of this CPU (AVX-512, else AVX2 + FMA, else
/// the SSE2 baseline), so that loops inlined into it vectorize at full width.
///
/// `f` and what it calls must be inlined (`#[inline(always)]`) to benefit.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    static ARCH: OnceLock<pulp::Arch> = OnceLock::new();
    let arch = *ARCH.get_or_init(pulp::Arch::new);
    arch.dispatch(f)
}

/// Runs `f` on a thread of rayon's pool when it may use several threads.
///
/// A split (`rayon::join`) made from outside the pool hands both halves to the pool and puts
/// the caller to sleep until they are done: two thread wake-ups per split, each tens of
/// microseconds on a virtual machine. Made from a pool thread, the split keeps one half and
/// the other is taken by a neighbour. So `f` (a whole training run, or a pass) moves onto the
/// pool once and makes its splits from there, while up to `threads - 1` other pool threads
/// spin, ready to take a half at once. The spinners run whatever the pool is given meanwhile,
/// so work sent to the pool from other threads during a run may run inside them.
///
/// `splits`: whether `f` makes splits at all (row groups, or products large enough to be
/// split); if not, it runs where it is.
pub(crate) fn in_pool<R: Send>(threads: usize, splits: bool, f: impl FnOnce() -> R + Send) -> R {
    if threads <= 1 || !splits || rayon::current_thread_index().is_some() {
        return f();
    }
    let done = &AtomicBool::new(false);
    let helpers = threads.min(rayon::current_num_threads()) - 1;
    // `join` from outside the pool runs both closures on pool threads: `f` on one, and on the
    // others (as they take them up) spinners that keep taking `f`'s split halves until it is
    // done, instead of falling asleep between splits. Joins need no heap allocation.
    let (result, ()) = rayon::join(
        || {
            // Set when `f` returns or unwinds: the join waits for the spinners.
            let _stop = Stop(done);
            f()
        },
        || spin(done, helpers),
    );
    result
}

/// Runs `helpers` spinners (see [`in_pool`]) until `done`.
fn spin(done: &AtomicBool, helpers: usize) {
    if helpers == 0 {
        return;
    }
    let me = rayon::current_thread_index();
    rayon::join(
        || {
            while !done.load(Ordering::Relaxed) {
                if let Some(rayon::Yield::Idle) = rayon::yield_now() {
                    std::hint::spin_loop();
                }
            }
        },
        || {
            // A further spinner, unless this thread takes it back itself (then it has one).
            if rayon::current_thread_index() != me {
                spin(done, helpers - 1);
            }
        },
    );
}

/// Sets its flag when dropped.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Elementwise passes over fewer elements than this run on the calling thread: below it, waking
/// a second thread costs more than it saves. Passes that evaluate an exponential per element
/// use [`PAR_MIN_TRANSCENDENTAL`] instead.
pub(crate) const PAR_MIN_ELEMENTS: usize = 1 << 17;

/// The threshold of [`PAR_MIN_ELEMENTS`] for passes that evaluate an exponential (or tanh)
/// per element, which cost a few times as much per element.
pub(crate) const PAR_MIN_TRANSCENDENTAL: usize = 1 << 16;

/// How many blocks a pass over `elements` elements is split into: one per thread when there
/// are at least `min_elements`, else one. On a pool thread (see [`in_pool`]) a split costs a
/// few microseconds instead of two thread wake-ups, and passes a quarter that size are split.
pub(crate) fn blocks_for(threads: usize, elements: usize, min_elements: usize) -> usize {
    let min_elements = match rayon::current_thread_index() {
        Some(_) => min_elements / 4,
        None => min_elements,
    };
    if elements >= min_elements {
        threads.max(1)
    } else {
        1
    }
}

/// Calls `f(block, rows)` on `blocks` consecutive blocks of the rows of `z` (`rows`: their
/// indices in `z`), in parallel on rayon's pool.
///
/// The blocks depend only on the shape and `blocks`, never on timing; the passes built on it are
/// elementwise or sum along columns only (each element is computed the same way whatever block
/// holds it), so their results do not depend on the number of blocks.
pub(crate) fn par_row_blocks<T: Send>(
    z: ArrayViewMut2<'_, T>,
    blocks: usize,
    f: impl Fn(ArrayViewMut2<'_, T>, Range<usize>) + Sync,
) {
    let blocks = blocks.min(z.nrows()).max(1);
    split_rows(z, 0, blocks, &f);
}

fn split_rows<T: Send>(
    z: ArrayViewMut2<'_, T>,
    start: usize,
    blocks: usize,
    f: &(impl Fn(ArrayViewMut2<'_, T>, Range<usize>) + Sync),
) {
    let rows = z.nrows();
    if blocks <= 1 {
        f(z, start..start + rows);
        return;
    }
    let left = blocks / 2;
    let mid = rows * left / blocks;
    let (top, bottom) = z.split_at(Axis(0), mid);
    rayon::join(
        || split_rows(top, start, left, f),
        || split_rows(bottom, start + mid, blocks - left, f),
    );
}

/// Slices (or tuples of slices of one length) that [`par_blocks`] cuts into blocks.
pub(crate) trait Blocks: Send + Sized {
    /// The common length.
    fn len(&self) -> usize;
    /// The first `mid` elements and the rest.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<T: Send> Blocks for &mut [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl<T: Sync> Blocks for &[T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[T]>::split_at(self, mid)
    }
}

impl<A: Blocks, B: Blocks> Blocks for (A, B) {
    fn len(&self) -> usize {
        self.0.len().min(self.1.len())
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split_at(mid);
        let (b0, b1) = self.1.split_at(mid);
        ((a0, b0), (a1, b1))
    }
}

/// Calls `f(block, offset)` on `blocks` consecutive blocks of `w` (`offset`: the index of the
/// block's first element), in parallel on rayon's pool. Same guarantees as
/// [`par_row_blocks`].
pub(crate) fn par_blocks<B: Blocks>(w: B, blocks: usize, f: impl Fn(B, usize) + Sync) {
    let blocks = blocks.min(w.len()).max(1);
    split_blocks(w, 0, blocks, &f);
}

fn split_blocks<B: Blocks>(w: B, start: usize, blocks: usize, f: &(impl Fn(B, usize) + Sync)) {
    if blocks <= 1 {
        f(w, start);
        return;
    }
    let left = blocks / 2;
    let mid = w.len() * left / blocks;
    let (a, b) = w.split_at(mid);
    rayon::join(
        || split_blocks(a, start, left, f),
        || split_blocks(b, start + mid, blocks - left, f),
    );
}

/// 1.5 * 2^52: adding it to |v| < 2^51 rounds v to an integer k, left in the low bits.
const SHIFT_F64: f64 = 6_755_399_441_055_744.0;
/// ln 2 to 32 bits (k * LN2_HI_F64 is exact for |k| < 2^21) and the rest, as fdlibm has them.
const LN2_HI_F64: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO_F64: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
/// 1/n! for n = 2..=13: the Taylor series of e^r beyond 1 + r, truncated where
/// |r|^14 / 14! < 2^-60 on |r| <= ln2 / 2.
const EXP_TAYLOR_F64: [f64; 12] = [
    1.0 / 2.0,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5_040.0,
    1.0 / 40_320.0,
    1.0 / 362_880.0,
    1.0 / 3_628_800.0,
    1.0 / 39_916_800.0,
    1.0 / 479_001_600.0,
    1.0 / 6_227_020_800.0,
];

/// e^x for x <= 0, within 1 ulp of `f64::exp` (0 below -745.13, like `f64::exp`).
///
/// x = k ln2 + r with |r| <= ln2/2, e^x = 2^k e^r. The reduction keeps r as the exact sum
/// r + c of two doubles, and e^r = 1 + r + r^2 q(r) is summed with the rounding error of 1 + r
/// carried along, so that the only sizeable error is the final rounding.
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    // Below -746, e^x is 0 in f64; the clamp keeps k within the range of the scale factors.
    let x = if x < -746.0 { -746.0 } else { x };
    let shifted = x * std::f64::consts::LOG2_E + SHIFT_F64;
    let k = shifted - SHIFT_F64;
    let k_bits = shifted.to_bits().wrapping_sub(SHIFT_F64.to_bits());
    // x - k ln2_hi is exact (Sterbenz); r + c = x - k ln2 exactly (TwoSum).
    let hi = x - k * LN2_HI_F64;
    let lo = -(k * LN2_LO_F64);
    let r = hi + lo;
    let lo_part = r - hi;
    let c = (hi - (r - lo_part)) + (lo - lo_part);
    let mut q = EXP_TAYLOR_F64[11];
    for &coefficient in EXP_TAYLOR_F64[..11].iter().rev() {
        q = q * r + coefficient;
    }
    let tail = r * r * q;
    // 1 + r = s + e exactly (Fast2Sum: |r| < 1); e^(r + c) = e^r (1 + c) to 2^-110.
    let s = 1.0 + r;
    let e = (1.0 - s) + r;
    let p = s + (tail + (e + c * s));
    // 2^k as 2^(k + 64) 2^-64: both factors are normal for -1076 <= k <= 0, and the second
    // product rounds once if the result is subnormal.
    let scale = f64::from_bits(k_bits.wrapping_add(1023 + 64) << 52);
    p * scale * TWO_POW_M64_F64
}

const TWO_POW_M64_F64: f64 = 1.0 / 18_446_744_073_709_551_616.0;

/// fdlibm's minimax coefficients (its e_log.c Lg1..Lg7, bit for bit) for
/// log(1 + f) = 2 atanh(s), s = f / (2 + f):
/// R(z) = Lg1 z + Lg2 z^2 + ... + Lg7 z^7 approximates 2 atanh(s)/s - 2 - ... on z = s^2 <=
/// 0.0295 (|f| <= sqrt 2 - 1) to 2^-58.45.
const LG_F64: [f64; 7] = [
    f64::from_bits(0x3fe5_5555_5555_5593),
    f64::from_bits(0x3fd9_9999_9997_fa04),
    f64::from_bits(0x3fd2_4924_9422_9359),
    f64::from_bits(0x3fcc_71c5_1d8e_78af),
    f64::from_bits(0x3fc7_4664_96cb_03de),
    f64::from_bits(0x3fc3_9a09_d078_c69f),
    f64::from_bits(0x3fc2_f112_df3e_5244),
];

/// log(1 + t) for 0 <= t <= 1 (the softplus takes it of e^{-|x|}), within 1 ulp of the exact
/// value, like `f64::ln_1p`: fdlibm's `log`, applied to 1 + t carried as the exact sum u + c.
///
/// u = 2^j m with m in [sqrt(1/2), sqrt 2], f = m - 1 (exact), and
/// log(1 + t) = j ln2 + log(1 + f) + c / u, with log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)),
/// s = f / (2 + f).
#[inline(always)]
pub(crate) fn ln_1p_f64(t: f64) -> f64 {
    let u = 1.0 + t;
    // 1 + t = u + c exactly (Fast2Sum: 1 >= t).
    let c = t - (u - 1.0);
    let above = u > std::f64::consts::SQRT_2;
    let (m, j) = if above { (0.5 * u, 1.0) } else { (u, 0.0) };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let odd = z * (LG_F64[0] + w * (LG_F64[2] + w * (LG_F64[4] + w * LG_F64[6])));
    let even = w * (LG_F64[1] + w * (LG_F64[3] + w * LG_F64[5]));
    let r = odd + even;
    let half_f2 = 0.5 * f * f;
    let small = j * LN2_LO_F64 + c / u;
    j * LN2_HI_F64 - ((half_f2 - (s * (half_f2 + r) + small)) - f)
}

/// 1.5 * 2^23, the f32 counterpart of [`SHIFT_F64`].
const SHIFT_F32: f32 = 12_582_912.0;
/// ln 2 to 9 bits (k * LN2_HI_F32 is exact for |k| < 2^15) and the rest.
const LN2_HI_F32: f32 = 355.0 / 512.0;
const LN2_LO_F32: f32 = -2.121_944_4e-4;
/// 2^-32.
const TWO_POW_M32_F32: f32 = 1.0 / 4_294_967_296.0;

/// e^x for x <= 0 in f32, within 1 ulp of the exact value (0 where it rounds to 0).
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // Below -104, e^x rounds to 0 in f32.
    let x = if x < -104.0 { -104.0 } else { x };
    let shifted = x * std::f32::consts::LOG2_E + SHIFT_F32;
    let k = shifted - SHIFT_F32;
    let k_bits = shifted.to_bits().wrapping_sub(SHIFT_F32.to_bits());
    // As in `exp_f64`: r + c = x - k ln2 exactly, and 1 + r carried as s + e.
    let hi = x - k * LN2_HI_F32;
    let lo = -(k * LN2_LO_F32);
    let r = hi + lo;
    let lo_part = r - hi;
    let c = (hi - (r - lo_part)) + (lo - lo_part);
    // Taylor to r^7 (|r|^8 / 8! < 2^-27 on |r| <= ln2 / 2).
    let q = 1.0 / 2.0
        + r * (1.0 / 6.0
            + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5_040.0)))));
    let s = 1.0 + r;
    let e = (1.0 - s) + r;
    let p = s + (r * r * q + (e + c * s));
    // 2^k as 2^(k + 32) 2^-32, as in `exp_f64`.
    let scale = f32::from_bits(k_bits.wrapping_add(127 + 32) << 23);
    p * scale * TWO_POW_M32_F32
}

/// tanh |x| = |x| + |x|^3 P(x^2) below this, (1 - e^{-2|x|}) / (1 + e^{-2|x|}) above.
const TANH_SPLIT_F32: f32 = 0.625;
/// P, fitted to tanh on [0, 0.625] for the least maximum relative error (1.6e-10 before
/// rounding the coefficients).
const TANH_P_F32: [f32; 6] = [
    -0.333_333_3,
    0.133_332_06,
    -0.053_946_76,
    0.021_700_695,
    -0.008_177_379,
    0.002_142_945_3,
];

/// tanh x in f32, within 2 ulp of the exact value; exactly ±1 where the rounded exact value
/// is.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let s = a * a;
    let p = TANH_P_F32[0]
        + s * (TANH_P_F32[1]
            + s * (TANH_P_F32[2] + s * (TANH_P_F32[3] + s * (TANH_P_F32[4] + s * TANH_P_F32[5]))));
    let near = a + a * s * p;
    // For |x| >= 0.625, e <= 0.29: 1 - e does not cancel. For |x| > 9.1, e < 2^-26 and the
    // quotient rounds to 1, as tanh does.
    let e = exp_f32(-2.0 * a);
    let far = (1.0 - e) / (1.0 + e);
    let t = if a < TANH_SPLIT_F32 { near } else { far };
    t.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Maximum error in ulps of `f` against `reference` over the given f32 arguments, and the
    /// argument where it occurs.
    fn worst_f32(
        args: impl Iterator<Item = f32>,
        f: impl Fn(f32) -> f32,
        reference: impl Fn(f64) -> f64,
        saturation: &[f32],
    ) -> (f64, f32, usize) {
        let (mut worst, mut at, mut count) = (0.0, 0.0, 0);
        for x in args {
            let (got, want) = (f(x), reference(f64::from(x)));
            assert!(!got.is_nan(), "NaN at {x:e}");
            if saturation.contains(&(want as f32)) {
                assert_eq!(got, want as f32, "not saturated at {x:e}");
            }
            let u = exact_ulps_f32(got, want);
            count += 1;
            if u > worst {
                (worst, at) = (u, x);
            }
        }
        (worst, at, count)
    }

    /// |got - want| in ulps of the f32 binade of `want` (ulp 2^-149 for subnormals).
    fn exact_ulps_f32(got: f32, want: f64) -> f64 {
        let w = want.abs();
        let ulp = if w < f64::from(f32::MIN_POSITIVE) {
            2f64.powi(-149)
        } else {
            2f64.powi(w.log2().floor() as i32 - 23)
        };
        (f64::from(got) - want).abs() / ulp
    }

    /// f32 arguments in [-limit, limit]: every 2^step-th bit pattern, plus all patterns near
    /// the given points.
    fn f32_args(limit: f32, step: u32, around: &[f32]) -> Vec<f32> {
        let mut v = Vec::new();
        let top = limit.to_bits();
        let mut bits = 0u32;
        while bits <= top {
            v.push(f32::from_bits(bits));
            v.push(-f32::from_bits(bits));
            bits += 1 << step;
        }
        for &p in around {
            let b = p.abs().to_bits();
            for d in 0..4096u32 {
                for x in [f32::from_bits(b - 2048 + d), -f32::from_bits(b - 2048 + d)] {
                    v.push(x);
                }
            }
        }
        v
    }

    fn sigmoid64(x: f64) -> f64 {
        if x >= 0.0 {
            1.0 / (1.0 + (-x).exp())
        } else {
            x.exp() / (1.0 + x.exp())
        }
    }

    #[test]
    fn f64_exp_is_within_one_ulp_of_std() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut worst = 0u64;
        let mut differ = 0usize;
        let n = 2_000_000;
        let mut check = |x: f64| {
            let (got, want) = (exp_f64(x), x.exp());
            let d = got.to_bits().abs_diff(want.to_bits());
            assert!(d <= 1, "exp({x:e}) = {got:e}, std {want:e}");
            worst = worst.max(d);
            differ += usize::from(d != 0);
        };
        for i in 0..n {
            // Uniform on [-746, 0], and log-uniform magnitudes down to 1e-20.
            let x = if i % 2 == 0 {
                -746.0 * rng.random::<f64>()
            } else {
                -(10f64.powf(-20.0 + 23.0 * rng.random::<f64>()))
            };
            check(x);
        }
        for x in [
            0.0,
            -0.0,
            -1e-300,
            -745.0,
            -745.1332191019411,
            -745.14,
            -708.4,
            -1e9,
        ] {
            check(x);
        }
        // Around every multiple of ln2 / 2, where the reduction switches k.
        for j in 0..2200 {
            let c = -(j as f64) * std::f64::consts::LN_2 / 2.0;
            for d in -50i64..=50 {
                check(f64::from_bits((c.to_bits() as i64 + d).max(0) as u64));
            }
        }
        eprintln!("exp_f64: max {worst} ulp from std, {differ} of ~2.2M differ");
        assert_eq!(exp_f64(-746.0), 0.0);
        assert_eq!(exp_f64(-1e300), 0.0);
        assert_eq!(exp_f64(0.0), 1.0);
    }

    #[test]
    fn f64_ln_1p_is_within_one_ulp_of_std() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut worst = 0u64;
        let mut differ = 0usize;
        let mut count = 0usize;
        let mut check = |t: f64| {
            let (got, want) = (ln_1p_f64(t), t.ln_1p());
            let d = got.to_bits().abs_diff(want.to_bits());
            assert!(d <= 1, "ln_1p({t:e}) = {got:e}, std {want:e}");
            worst = worst.max(d);
            differ += usize::from(d != 0);
            count += 1;
        };
        for i in 0..2_000_000 {
            // Uniform on [0, 1], log-uniform down to 1e-300, and e^{-|x|} for the softplus.
            let t = match i % 3 {
                0 => rng.random::<f64>(),
                1 => 10f64.powf(-300.0 * rng.random::<f64>()),
                _ => exp_f64(-40.0 * rng.random::<f64>()),
            };
            check(t);
        }
        for t in [
            0.0,
            1.0,
            f64::from_bits(1),
            1e-17,
            2f64.powi(-53),
            0.5,
            0.414_213_562_373_095,
        ] {
            check(t);
        }
        // Around sqrt 2 - 1, where the reduction switches.
        let edge = std::f64::consts::SQRT_2 - 1.0;
        for d in -2000i64..=2000 {
            check(f64::from_bits((edge.to_bits() as i64 + d) as u64));
        }
        eprintln!("ln_1p_f64: max {worst} ulp from std, {differ} of {count} differ");
        assert_eq!(ln_1p_f64(0.0), 0.0);
    }

    #[test]
    fn f32_exp_is_within_one_ulp() {
        let args = f32_args(110.0, 10, &[103.97, 87.33, 0.3466]);
        let (u, x, n) = worst_f32(
            args.into_iter().map(|x| -x.abs()),
            exp_f32,
            f64::exp,
            &[0.0, 1.0],
        );
        eprintln!("exp_f32: max {u:.3} ulp at {x:e} over {n} arguments");
        assert!(u <= 1.0, "{u} ulp at {x:e}");
    }

    #[test]
    fn f32_tanh_is_within_two_ulp_and_saturates_exactly() {
        let args = f32_args(100.0, 10, &[0.625, 9.01, 1e-3]);
        let (u, x, n) = worst_f32(args.into_iter(), tanh_f32, f64::tanh, &[1.0, -1.0, 0.0]);
        eprintln!("tanh_f32: max {u:.3} ulp at {x:e} over {n} arguments");
        assert!(u <= 2.0, "{u} ulp at {x:e}");
        for x in [f32::MAX, -f32::MAX, 1e30, -1e30, 9.5, -9.5] {
            assert_eq!(tanh_f32(x), x.signum());
        }
        assert_eq!(tanh_f32(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh_f32(-0.0).to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn f32_sigmoid_is_within_three_ulp_and_saturates_exactly() {
        let args = f32_args(120.0, 10, &[17.33, 103.97, 87.33, 16.63]);
        let (u, x, n) = worst_f32(
            args.into_iter(),
            crate::activation::sigmoid::<f32>,
            sigmoid64,
            &[0.0, 1.0],
        );
        eprintln!("sigmoid f32: max {u:.3} ulp at {x:e} over {n} arguments");
        assert!(u <= 3.0, "{u} ulp at {x:e}");
        assert_eq!(crate::activation::sigmoid(f32::MAX), 1.0);
        assert_eq!(crate::activation::sigmoid(-f32::MAX), 0.0);
    }

    #[test]
    fn vectorized_loops_compute_the_bits_of_single_calls() {
        // No fused multiply-add anywhere: the AVX-512, AVX2 and SSE2 code agree bit for bit.
        let xs: Vec<f32> = (0..10_000)
            .map(|i| (i as f32 - 5000.0) * 0.017_31)
            .collect();
        let mut tanh = xs.clone();
        let mut sigmoid = xs.clone();
        let mut exp: Vec<f64> = xs.iter().map(|&x| f64::from(x) * 9.0).collect();
        let exp_args = exp.clone();
        let mut ln_1p: Vec<f64> = (0..10_000).map(|i| f64::from(i) / 9_999.0).collect();
        let ln_1p_args = ln_1p.clone();
        vectorized(
            #[inline(always)]
            || {
                tanh.iter_mut().for_each(|x| *x = tanh_f32(*x));
                sigmoid
                    .iter_mut()
                    .for_each(|x| *x = crate::activation::sigmoid(*x));
                exp.iter_mut().for_each(|x| *x = exp_f64(-x.abs()));
                ln_1p.iter_mut().for_each(|x| *x = ln_1p_f64(*x));
            },
        );
        for (i, &x) in xs.iter().enumerate() {
            let x = std::hint::black_box(x);
            assert_eq!(tanh_f32(x).to_bits(), tanh[i].to_bits());
            assert_eq!(
                crate::activation::sigmoid(x).to_bits(),
                sigmoid[i].to_bits()
            );
            let e = std::hint::black_box(exp_args[i]);
            assert_eq!(exp_f64(-e.abs()).to_bits(), exp[i].to_bits());
            let t = std::hint::black_box(ln_1p_args[i]);
            assert_eq!(ln_1p_f64(t).to_bits(), ln_1p[i].to_bits());
        }
    }

    /// Every f32 from -110 to 110 (about 2.2e9 arguments, a few minutes):
    /// `cargo test --release -p mlp fastmath -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn f32_functions_exhaustively() {
        let all = || {
            let top = 110f32.to_bits();
            (0..=top).flat_map(|b| [f32::from_bits(b), -f32::from_bits(b)])
        };
        let (u, x, n) = worst_f32(all(), tanh_f32, f64::tanh, &[1.0, -1.0, 0.0]);
        eprintln!("tanh_f32: max {u:.3} ulp at {x:e} over {n} arguments");
        let (v, y, _) = worst_f32(
            all(),
            crate::activation::sigmoid::<f32>,
            sigmoid64,
            &[0.0, 1.0],
        );
        eprintln!("sigmoid f32: max {v:.3} ulp at {y:e}");
        let (w, z, _) = worst_f32(all().filter(|x| *x <= 0.0), exp_f32, f64::exp, &[0.0, 1.0]);
        eprintln!("exp_f32: max {w:.3} ulp at {z:e}");
        assert!(u <= 2.0 && v <= 3.0 && w <= 1.0);
    }
}
