//! The matrix products of the benchmark workloads through the `gemm` crate (the one mlp uses)
//! and through faer, on one and on two threads, in GFLOP/s: the measurement behind the choice
//! of GEMM in BENCHMARKS.md.
//!
//! ```text
//! cargo run --release -p mlp-bench --example gemm_compare --features faer
//! ```
//!
//! Every operand is a row-major buffer; transposed operands are strided views of it, as in the
//! library. Each figure is the best of 3 batches of about 3 GFLOP each.
#![allow(unsafe_code)]

use faer::{Accum, MatMut, MatRef, Par};
use std::time::Instant;

/// Best GFLOP/s of `f`, which does `flops` floating-point operations per call.
fn rate(flops: f64, mut f: impl FnMut()) -> f64 {
    f();
    let reps = ((3e9 / flops) as usize).max(3);
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        for _ in 0..reps {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() / reps as f64);
    }
    flops / best / 1e9
}

/// dst (m x n) = lhs (m x k) · rhs (k x n); `lhs_t`: lhs is the transpose of a row-major
/// k x m buffer.
fn row<T>(label: &str, m: usize, n: usize, k: usize, lhs_t: bool)
where
    T: faer::traits::ComplexField + Copy + From<f32> + 'static,
{
    let lhs: Vec<T> = (0..m * k)
        .map(|i| T::from((i % 97) as f32 * 0.01))
        .collect();
    let rhs: Vec<T> = (0..k * n)
        .map(|i| T::from((i % 89) as f32 * 0.01))
        .collect();
    let mut dst: Vec<T> = vec![T::from(0.0); m * n];
    // (column stride, row stride) of lhs
    let (lcs, lrs) = if lhs_t {
        (m as isize, 1)
    } else {
        (1, k as isize)
    };
    let flops = 2.0 * (m * n * k) as f64;
    let mut cells = Vec::new();
    for par in [gemm::Parallelism::None, gemm::Parallelism::Rayon(2)] {
        cells.push(rate(flops, || {
            // SAFETY: the three buffers hold m x k, k x n and m x n elements, and the strides
            // address exactly those (checked by construction above); dst is unique.
            unsafe {
                gemm::gemm(
                    m,
                    n,
                    k,
                    dst.as_mut_ptr(),
                    1,
                    n as isize,
                    false,
                    lhs.as_ptr(),
                    lcs,
                    lrs,
                    rhs.as_ptr(),
                    1,
                    n as isize,
                    T::from(0.0),
                    T::from(1.0),
                    false,
                    false,
                    false,
                    par,
                )
            }
        }));
    }
    for par in [Par::Seq, Par::rayon(2)] {
        cells.push(rate(flops, || {
            let l = if lhs_t {
                MatRef::from_row_major_slice(&lhs, k, m).transpose()
            } else {
                MatRef::from_row_major_slice(&lhs, m, k)
            };
            let r = MatRef::from_row_major_slice(&rhs, k, n);
            let d = MatMut::from_row_major_slice_mut(&mut dst, m, n);
            faer::linalg::matmul::matmul(d, Accum::Replace, l, r, T::from(1.0), par);
        }));
    }
    let cells: Vec<String> = cells.iter().map(|g| format!("{g:.0}")).collect();
    println!("| {label} | {} |", cells.join(" | "));
}

fn main() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build_global();
    println!("| product (m x k · k x n) | gemm 1T | gemm 2T | faer 1T | faer 2T |");
    println!("|---|---|---|---|---|");
    row::<f32>("f32 square 1024", 1024, 1024, 1024, false);
    row::<f32>("f32 W1 forward 128x784 · 784x512", 128, 512, 784, false);
    row::<f32>("f32 W1 forward 128x512 · 512x256", 128, 256, 512, false);
    row::<f32>("f32 W1 gradient (128x512)^T · 128x784", 512, 784, 128, true);
    row::<f32>("f32 inference 1000x784 · 784x512", 1000, 512, 784, false);
    row::<f64>("f64 square 1024", 1024, 1024, 1024, false);
    row::<f64>("f64 W2 forward 5000x400 · 400x25", 5000, 25, 400, false);
    row::<f64>(
        "f64 W2 gradient (5000x25)^T · 5000x400",
        25,
        400,
        5000,
        true,
    );
    row::<f64>("f64 W2 chunk forward 256x400 · 400x25", 256, 25, 400, false);
    row::<f64>(
        "f64 W2 chunk gradient (256x25)^T · 256x400",
        25,
        400,
        256,
        true,
    );
}
