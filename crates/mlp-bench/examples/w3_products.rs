//! The eight matrix products of one W3 chunk (128 rows of 32-128-128-1, f32), each through
//! the `gemm` crate on one thread with the operands laid out as the library lays them out, in
//! microseconds and GFLOP/s: how much of a W3 step the products take.
//!
//! ```text
//! cargo run --release -p mlp-bench --example w3_products
//! ```
//!
//! W1 and W2 (64 units or more) are kept column by column, so W^T of those layers is a
//! row-major matrix; W3 (1 unit) row by row. Each figure is the best of 20 batches of 200
//! calls.
#![allow(unsafe_code)]

use std::time::Instant;

/// A row-major or strided matrix: its buffer and (row stride, column stride).
type Operand<'a> = (&'a [f32], (isize, isize));

/// `dst := beta * lhs · rhs` (m x k · k x n), on one thread.
fn product(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    d: (isize, isize),
    lhs: Operand<'_>,
    rhs: Operand<'_>,
    beta: f32,
) {
    let in_bounds = |(buf, (rs, cs)): (&[f32], (isize, isize)), rows: usize, cols: usize| {
        (rows - 1) as isize * rs + (cols - 1) as isize * cs < buf.len() as isize
    };
    assert!(in_bounds((dst, d), m, n) && in_bounds(lhs, m, k) && in_bounds(rhs, k, n));
    // SAFETY: the bounds of the three operands are checked above, and `dst` is a unique
    // borrow that cannot alias `lhs` or `rhs`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            d.1,
            d.0,
            false,
            lhs.0.as_ptr(),
            lhs.1.1,
            lhs.1.0,
            rhs.0.as_ptr(),
            rhs.1.1,
            rhs.1.0,
            1.0,
            beta,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

fn main() {
    let b = 128;
    let values =
        |n: usize| -> Vec<f32> { (0..n).map(|i| ((i * 7919) % 1000) as f32 * 1e-3).collect() };
    let (x, w1t, w2t, w3) = (
        values(b * 32),
        values(32 * 128),
        values(128 * 128),
        values(128),
    );
    let (mut a1, mut a2, mut z3) = (values(b * 128), values(b * 128), values(b));
    let (mut d1, mut d2, d3) = (values(b * 128), values(b * 128), values(b));
    let (mut g1, mut g2, mut g3) = (values(32 * 128), values(128 * 128), values(128));
    let row = |cols: usize| (cols as isize, 1);
    let col = |rows: usize| (1, rows as isize);
    let inv_m = 1.0 / 256.0;
    let mut best = [f64::MAX; 8];
    let names = [
        "Z1 = X W1^T        128 x 32 x 128",
        "Z2 = A1 W2^T       128 x 128 x 128",
        "Z3 = A2 W3^T       128 x 128 x 1",
        "dW3 = D3^T A2      1 x 128 x 128",
        "D2 = D3 W3         128 x 1 x 128",
        "dW2^T = A1^T D2    128 x 128 x 128",
        "D1 = D2 W2         128 x 128 x 128",
        "dW1^T = X^T D1     32 x 128 x 128",
    ];
    let macs = [
        b * 32 * 128,
        b * 128 * 128,
        b * 128,
        b * 128,
        b * 128,
        b * 128 * 128,
        b * 128 * 128,
        b * 32 * 128,
    ];
    for _ in 0..20 {
        let mut t = [0.0; 8];
        for _ in 0..200 {
            let mut timed = |i: usize, f: &mut dyn FnMut()| {
                let start = Instant::now();
                f();
                t[i] += start.elapsed().as_secs_f64();
            };
            timed(0, &mut || {
                product(
                    (b, 128, 32),
                    &mut a1,
                    row(128),
                    (&x, row(32)),
                    (&w1t, row(128)),
                    1.0,
                )
            });
            timed(1, &mut || {
                product(
                    (b, 128, 128),
                    &mut a2,
                    row(128),
                    (&a1, row(128)),
                    (&w2t, row(128)),
                    1.0,
                )
            });
            timed(2, &mut || {
                product(
                    (b, 1, 128),
                    &mut z3,
                    row(1),
                    (&a2, row(128)),
                    (&w3, col(128)),
                    1.0,
                )
            });
            timed(3, &mut || {
                product(
                    (1, 128, b),
                    &mut g3,
                    row(128),
                    (&d3, col(1)),
                    (&a2, row(128)),
                    inv_m,
                )
            });
            timed(4, &mut || {
                product(
                    (b, 128, 1),
                    &mut d2,
                    row(128),
                    (&d3, row(1)),
                    (&w3, row(128)),
                    1.0,
                )
            });
            timed(5, &mut || {
                product(
                    (128, 128, b),
                    &mut g2,
                    row(128),
                    (&a1, col(128)),
                    (&d2, row(128)),
                    inv_m,
                )
            });
            // W2 column by column: the view W2 has strides (1, 128).
            timed(6, &mut || {
                product(
                    (b, 128, 128),
                    &mut d1,
                    row(128),
                    (&d2, row(128)),
                    (&w2t, col(128)),
                    1.0,
                )
            });
            timed(7, &mut || {
                product(
                    (32, 128, b),
                    &mut g1,
                    row(128),
                    (&x, col(32)),
                    (&d1, row(128)),
                    inv_m,
                )
            });
        }
        for (best, t) in best.iter_mut().zip(t) {
            *best = best.min(t / 200.0);
        }
    }
    for ((name, t), macs) in names.iter().zip(best).zip(macs) {
        println!(
            "{name}  {:7.2} us  {:6.1} GFLOP/s",
            t * 1e6,
            2.0 * macs as f64 / t / 1e9
        );
    }
    let total: f64 = best.iter().sum();
    let flops = 2.0 * macs.iter().sum::<usize>() as f64;
    println!(
        "all eight                            {:7.2} us  {:6.1} GFLOP/s",
        total * 1e6,
        flops / total / 1e9
    );
}
