//! Elementwise math at the CPU's full SIMD width: the exponential, log1p and tanh written out in
//! plain arithmetic so that loops over them vectorize, and [`vectorized`], which compiles such a
//! loop for the best instruction set of the CPU. (Sharing passes out among threads is
//! [`crate::pool`]'s job.)
//!
//! `libm`'s `exp` and `tanhf` are opaque calls: a loop that calls them runs one element at a
//! time. The functions here use only `+ - * /`, fused multiply-adds (`mul_add`), comparisons
//! and bit operations — no branch, no table — so LLVM turns a loop over them into SIMD code, and
//! every instruction set computes the same bits: a fused multiply-add rounds once, whether it
//! is an FMA instruction (AVX2, AVX-512) or, on an x86 CPU without FMA (the SSE2 baseline), a
//! call to the C library's `fma`. There the same bits cost more: tanh took 49 ns an element in
//! a loop compiled for the baseline, against 14 ns before these functions used `mul_add`, and
//! 1 ns vectorized with FMA.
//!
//! Accuracy, checked by this module's tests against the `f64` std functions:
//!
//! - [`exp_f64`] (x <= 0): within 1 ulp of `f64::exp`, and [`ln_1p_f64`] (0 <= t <= 1): within
//!   1 ulp of `f64::ln_1p` (they are the f64 sigmoid's and softplus's, whose results must match
//!   `libm`'s to 1e-13);
//! - [`tanh_f64`]: within 2 ulp of `f64::tanh`;
//! - [`exp_f32`] (x <= 0): within 1 ulp of the exact value; the f32
//!   [`crate::activation::sigmoid`] built on `exp_f32`: within 3 ulp (e/(1 + e) for z < 0 adds
//!   the errors of e, of 1 + e and of the quotient); [`tanh_f32`], a rational function without
//!   an exponential: within 5 ulp. All are exactly 0, 1 or ±1 wherever the rounded exact value
//!   is, and never NaN for a finite argument.
//!
//! Both exponentials serve only arguments x <= 0: the library takes e^{-|z|} (sigmoid, softplus,
//! f64 tanh) and e^{z - max} (softmax), never e^{positive}.

use std::sync::OnceLock;

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
/// carried along, so that the only sizeable error is the final rounding. q is Estrin's scheme
/// in fused multiply-adds: it enters only the small r^2 q, so its own roundings do not show.
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
    // q = d0 + d1 r + ... + d11 r^11 (d_i = 1/(i + 2)!) by Estrin's scheme: pairs
    // d_2j + d_2j+1 r, then pairs of pairs with r^2, r^4, r^8 (four dependent steps after r
    // instead of eleven by Horner's rule: the sigmoid's pass waits on this chain).
    let d = EXP_TAYLOR_F64;
    let r2 = r * r;
    let r4 = r2 * r2;
    let pair = |j: usize| r.mul_add(d[2 * j + 1], d[2 * j]);
    let q01 = r2.mul_add(pair(1), pair(0));
    let q23 = r2.mul_add(pair(3), pair(2));
    let q45 = r2.mul_add(pair(5), pair(4));
    let q = (r4 * r4).mul_add(q45, r4.mul_add(q23, q01));
    let tail = r2 * q;
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
/// ln 2 rounded to f32, and the rest (for the fused reduction of [`exp_f32`]).
const LN2_HI_F32: f32 = std::f32::consts::LN_2;
const LN2_LO_F32: f32 = (std::f64::consts::LN_2 - std::f32::consts::LN_2 as f64) as f32;
/// 2^-32.
const TWO_POW_M32_F32: f32 = 1.0 / 4_294_967_296.0;

/// e^x for x <= 0 in f32, within 1 ulp of the exact value (0 where it rounds to 0).
///
/// x = k ln2 + r with |r| <= ln2/2, e^x = 2^k e^r. With fused multiply-adds the reduction
/// r = (x - k ln2_hi) - k ln2_lo loses nothing that matters (each product is exact inside its
/// fma), and e^r = 1 + r(1 + r(1/2 + ... + r/7!)) is Horner's rule, one rounding a step.
/// (Exhaustively, on every f32 in [-104, 0]: at most 0.94 ulp.)
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    // Below -104, e^x rounds to 0 in f32.
    let x = if x < -104.0 { -104.0 } else { x };
    let shifted = x.mul_add(std::f32::consts::LOG2_E, SHIFT_F32);
    let k = shifted - SHIFT_F32;
    let k_bits = shifted.to_bits().wrapping_sub(SHIFT_F32.to_bits());
    let r = (-k).mul_add(LN2_HI_F32, x);
    let r = (-k).mul_add(LN2_LO_F32, r);
    // Taylor to r^7 (|r|^8 / 8! < 2^-27 on |r| <= ln2 / 2).
    let mut q = EXP_TAYLOR_F32[0];
    for &coefficient in &EXP_TAYLOR_F32[1..] {
        q = r.mul_add(q, coefficient);
    }
    let p = r.mul_add(q, 1.0);
    // 2^k as 2^(k + 32) 2^-32, as in `exp_f64`.
    let scale = f32::from_bits(k_bits.wrapping_add(127 + 32) << 23);
    p * scale * TWO_POW_M32_F32
}

/// 1/n! for n = 7 down to 1: the Taylor series of e^r beyond its 1, for Horner's rule.
const EXP_TAYLOR_F32: [f32; 7] = [
    1.0 / 5_040.0,
    1.0 / 720.0,
    1.0 / 120.0,
    1.0 / 24.0,
    1.0 / 6.0,
    1.0 / 2.0,
    1.0,
];

/// The smallest f32 whose tanh rounds to 1 in f32 (tanh 9.010914 = 1 - 2.97e-8).
const TANH_ONE_F32: f32 = 9.010_914;
/// tanh a = a P(a^2) / Q(a^2) on [0, [`TANH_ONE_F32`]]: P of degree 7 and Q of degree 3 in
/// a^2, lowest power first, fitted for the least maximum relative error (7.9e-10 before the
/// coefficients were rounded to f32) by `docs/fit_tanh.py`.
const TANH_P_F32: [f32; 8] = [
    1.0,
    0.131_785_41,
    0.003_211_580_2,
    1.236_629_2e-5,
    -2.605_609e-8,
    9.157_416e-11,
    -2.736_502_4e-13,
    4.437_068e-16,
];
const TANH_Q_F32: [f32; 4] = [1.0, 0.465_118_74, 0.024_917_84, 0.000_270_724_33];

/// tanh x in f32, within 5 ulp of the exact value (4.97 ulp at most over every f32; within
/// 1 ulp for 98.7% of them and within 2 for all but 1 in 1,800); never beyond ±1, exactly ±1
/// wherever the rounded exact value is, and x itself for |x| < 2^-13, as the exact value
/// rounds.
///
/// One rational function, as XLA, Eigen and ONNX Runtime's MLAS compute tanh in f32: 10 fused
/// multiply-adds, two products and a division, no exponential. tanh's pass over a layer costs
/// about 0.6 times what the exponential's (1 - e^{-2|x|}) / (1 + e^{-2|x|}), within 2 ulp, cost
/// with a polynomial below |x| = 0.625 beside it; the error left is the rounding of P's and
/// Q's sums, far below what f32's matrix products add.
#[inline(always)]
pub(crate) fn tanh_f32(x: f32) -> f32 {
    let a = x.abs();
    let s = a * a;
    let mut p = TANH_P_F32[7];
    for &coefficient in TANH_P_F32[..7].iter().rev() {
        p = s.mul_add(p, coefficient);
    }
    let mut q = TANH_Q_F32[3];
    for &coefficient in TANH_Q_F32[..3].iter().rev() {
        q = s.mul_add(q, coefficient);
    }
    let r = (a * p) / q;
    // (Comparisons, not `min`: NaN stays NaN; beyond the threshold, and for infinities, whose
    // quotient is NaN, 1.)
    let t = if a >= TANH_ONE_F32 || r > 1.0 { 1.0 } else { r };
    t.copysign(x)
}

/// tanh |x| = |x| + |x| x^2 P(x^2) / Q(x^2) below this, (1 - e^{-2|x|}) / (1 + e^{-2|x|})
/// above (as Cephes' `tanh` splits it).
const TANH_SPLIT_F64: f64 = 0.625;
/// Cephes' rational approximation of tanh on [0, 0.625] (its tanh.c P and Q; Q's leading
/// coefficient is 1): relative error 2.5e-16 at most before the last roundings.
const TANH_P_F64: [f64; 3] = [
    -9.643_991_794_250_522e-1,
    -9.928_772_310_019_186e1,
    -1.614_687_684_417_084_5e3,
];
const TANH_Q_F64: [f64; 3] = [
    1.128_116_784_916_329_3e2,
    2.235_488_390_601_004_5e3,
    4.844_063_053_251_255e3,
];

/// tanh x in f64, within 2 ulp of `f64::tanh`; exactly ±1 where the rounded exact value is.
#[inline(always)]
pub(crate) fn tanh_f64(x: f64) -> f64 {
    let a = x.abs();
    let z = a * a;
    let p = TANH_P_F64[2] + z * (TANH_P_F64[1] + z * TANH_P_F64[0]);
    let q = TANH_Q_F64[2] + z * (TANH_Q_F64[1] + z * (TANH_Q_F64[0] + z));
    let near = a + a * z * (p / q);
    // For |x| >= 0.625, e <= 0.29: 1 - e does not cancel. For |x| > 19.1, e < 2^-55 and the
    // quotient rounds to 1, as tanh does.
    let e = exp_f64(-2.0 * a);
    let far = (1.0 - e) / (1.0 + e);
    let t = if a < TANH_SPLIT_F64 { near } else { far };
    t.copysign(x)
}

#[cfg(test)]
mod tests;
