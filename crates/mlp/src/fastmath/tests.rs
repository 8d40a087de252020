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
fn f64_tanh_is_within_two_ulp_of_std_and_saturates_exactly() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
    let mut worst = 0u64;
    let mut differ = 0usize;
    let mut count = 0usize;
    let mut check = |x: f64| {
        let (got, want) = (tanh_f64(x), x.tanh());
        let d = got.to_bits().abs_diff(want.to_bits());
        assert!(d <= 2, "tanh({x:e}) = {got:e}, std {want:e}");
        worst = worst.max(d);
        differ += usize::from(d != 0);
        count += 1;
    };
    for i in 0..2_000_000 {
        // Uniform on [-25, 25], and log-uniform magnitudes down to 1e-300.
        let x = if i % 2 == 0 {
            50.0 * rng.random::<f64>() - 25.0
        } else {
            10f64.powf(-300.0 + 301.5 * rng.random::<f64>()) * if i % 4 == 1 { 1.0 } else { -1.0 }
        };
        check(x);
    }
    // Around the split, and where the quotient starts to round to 1.
    for c in [TANH_SPLIT_F64, 19.06, 18.7] {
        for d in -2000i64..=2000 {
            let x = f64::from_bits((c.to_bits() as i64 + d) as u64);
            check(x);
            check(-x);
        }
    }
    eprintln!("tanh_f64: max {worst} ulp from std, {differ} of {count} differ");
    for x in [
        f64::MAX,
        -f64::MAX,
        1e300,
        -1e300,
        20.0,
        -20.0,
        746.0,
        f64::INFINITY,
    ] {
        assert_eq!(tanh_f64(x), x.signum());
    }
    assert_eq!(tanh_f64(0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(tanh_f64(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!(tanh_f64(f64::from_bits(1)), f64::from_bits(1));
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
fn f32_tanh_is_within_five_ulp_and_saturates_exactly() {
    let args = f32_args(100.0, 10, &[TANH_ONE_F32, 7.191_447, 1.2e-4, 1e-19]);
    let (u, x, n) = worst_f32(args.into_iter(), tanh_f32, f64::tanh, &[1.0, -1.0, 0.0]);
    eprintln!("tanh_f32: max {u:.3} ulp at {x:e} over {n} arguments");
    assert!(u <= 5.0, "{u} ulp at {x:e}");
    // Never beyond ±1, and x itself below 2^-13 (tanh x = x - x^3/3 + ...).
    assert!(
        f32_args(12.0, 12, &[])
            .into_iter()
            .all(|x| tanh_f32(x).abs() <= 1.0)
    );
    for x in [
        1.2e-4f32,
        -1e-20,
        3e-25,
        f32::MIN_POSITIVE,
        -f32::from_bits(1),
    ] {
        assert_eq!(tanh_f32(x).to_bits(), x.to_bits());
    }
    for x in [
        f32::MAX,
        -f32::MAX,
        1e30,
        -1e30,
        32.5,
        -32.5,
        9.5,
        -9.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ] {
        assert_eq!(tanh_f32(x), x.signum());
    }
    assert!(tanh_f32(f32::NAN).is_nan());
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
    // The loops run with the CPU's FMA instructions (AVX2 or AVX-512); the single calls below,
    // compiled for the SSE2 baseline, round each fused multiply-add once in the C library's
    // `fma`: the two agree bit for bit.
    let xs: Vec<f32> = (0..10_000)
        .map(|i| (i as f32 - 5000.0) * 0.017_31)
        .collect();
    let mut tanh = xs.clone();
    let mut sigmoid = xs.clone();
    let mut exp: Vec<f64> = xs.iter().map(|&x| f64::from(x) * 9.0).collect();
    let exp_args = exp.clone();
    let mut ln_1p: Vec<f64> = (0..10_000).map(|i| f64::from(i) / 9_999.0).collect();
    let ln_1p_args = ln_1p.clone();
    let tanh64_args: Vec<f64> = xs.iter().map(|&x| f64::from(x) * 0.7).collect();
    let mut tanh64 = tanh64_args.clone();
    vectorized(
        #[inline(always)]
        || {
            tanh.iter_mut().for_each(|x| *x = tanh_f32(*x));
            sigmoid
                .iter_mut()
                .for_each(|x| *x = crate::activation::sigmoid(*x));
            exp.iter_mut().for_each(|x| *x = exp_f64(-x.abs()));
            ln_1p.iter_mut().for_each(|x| *x = ln_1p_f64(*x));
            tanh64.iter_mut().for_each(|x| *x = tanh_f64(*x));
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
        let u = std::hint::black_box(tanh64_args[i]);
        assert_eq!(tanh_f64(u).to_bits(), tanh64[i].to_bits());
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
    assert!(u <= 5.0 && v <= 3.0 && w <= 1.0);
}
