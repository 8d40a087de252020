//! The elementwise and column passes of forward and backward propagation, run at the CPU's
//! full SIMD width ([`vectorized`]) and shared out among threads ([`crate::pool`]).
//!
//! The math of each pass is one line of [`crate::passes`] (and the per-element formulas are in
//! [`Activation::value`] and [`Activation::backprop`]); here is how it runs on the machine.
//! Every element is computed the same way whatever block holds it, and sums run along columns
//! in row order, so no result depends on the number of threads.

use crate::activation::{Activation, softmax_backprop_rows, softmax_rows};
use crate::fastmath::vectorized;
use crate::float::Float;
use crate::pool::{
    PAR_MIN_ELEMENTS, PAR_MIN_TRANSCENDENTAL, blocks_for, par_blocks, par_row_blocks,
};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Zip, s};

/// `z_ij := g(z_ij + b_j)`: the bias row `b` added to every row of `z`, then g applied, in one
/// pass over `z`, on `threads` threads when `z` is large.
pub(crate) fn bias_then_activation<T: Float>(
    mut z: ArrayViewMut2<'_, T>,
    b: ArrayView1<'_, T>,
    g: Activation,
    threads: usize,
) {
    let min_elements = match g.transcendental() {
        true => PAR_MIN_TRANSCENDENTAL,
        false => PAR_MIN_ELEMENTS,
    };
    let blocks = blocks_for(threads, z.len(), min_elements);
    par_row_blocks(z.view_mut(), blocks, |mut block, _| {
        vectorized(
            #[inline(always)]
            || match (block.as_slice_mut(), b.as_slice()) {
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
                        g.apply_slice(chunk);
                    }
                }
                _ => Zip::from(&mut block)
                    .and_broadcast(&b)
                    .for_each(|v, &bj| *v = g.value(*v + bj)),
            },
        );
    });
    if g == Activation::Softmax {
        softmax_rows(z);
    }
}

/// `delta := delta ⊙ g'(z)`, g' written from the layer's output `a` (the softmax Jacobian
/// product for softmax), on `threads` threads when large.
pub(crate) fn times_derivative<T: Float>(
    g: Activation,
    a: ArrayView2<'_, T>,
    delta: ArrayViewMut2<'_, T>,
    threads: usize,
) {
    match g {
        Activation::Identity => {}
        Activation::Softmax => softmax_backprop_rows(a, delta),
        _ => {
            let blocks = blocks_for(threads, delta.len(), PAR_MIN_ELEMENTS);
            par_row_blocks(delta, blocks, |mut block, rows| {
                let a = a.slice(s![rows, ..]);
                vectorized(
                    #[inline(always)]
                    || match (block.as_slice_mut(), a.as_slice()) {
                        (Some(d), Some(a)) => g.backprop_slice(d, a),
                        _ => Zip::from(&mut block)
                            .and(a)
                            .for_each(|d, &a| *d = g.backprop(*d, a)),
                    },
                );
            });
        }
    }
}

/// `gb := inv_m * (sum over the rows of delta)` (added to `gb` when `accumulate`): each column
/// summed over the rows in order, from 0. Large matrices split their columns over `threads`
/// threads, so every sum still runs over the same rows in the same order whatever `threads` is.
pub(crate) fn column_means<T: Float>(
    delta: ArrayView2<'_, T>,
    mut gb: ArrayViewMut1<'_, T>,
    inv_m: T,
    accumulate: bool,
    threads: usize,
) {
    match gb.as_slice_mut() {
        Some(gb) => {
            let blocks = blocks_for(threads, delta.len(), PAR_MIN_ELEMENTS);
            par_blocks(gb, blocks, |gb, first| {
                vectorized(
                    #[inline(always)]
                    || mean_of_columns(delta, gb, first, inv_m, accumulate),
                );
            });
        }
        None => {
            let mut sums = gb.to_vec();
            mean_of_columns(delta, &mut sums, 0, inv_m, accumulate);
            gb.assign(&ArrayView1::from(&sums));
        }
    }
}

/// `gb_j := inv_m * sum_i delta_{i, first + j}` (or `+=`), the rows added in order.
#[inline(always)]
fn mean_of_columns<T: Float>(
    delta: ArrayView2<'_, T>,
    gb: &mut [T],
    first: usize,
    inv_m: T,
    accumulate: bool,
) {
    // Columns in blocks whose sums fit in registers (or at least in L1), one pass over the
    // rows per block.
    const BLOCK: usize = 64;
    for (b, gb) in gb.chunks_mut(BLOCK).enumerate() {
        let mut sums = [T::zero(); BLOCK];
        let sums = &mut sums[..gb.len()];
        let columns = first + b * BLOCK..first + b * BLOCK + gb.len();
        for row in delta.rows() {
            match row.as_slice() {
                Some(row) => {
                    for (s, &d) in sums.iter_mut().zip(&row[columns.clone()]) {
                        *s += d;
                    }
                }
                None => {
                    for (s, &d) in sums.iter_mut().zip(row.slice(s![columns.clone()])) {
                        *s += d;
                    }
                }
            }
        }
        for (g, &s) in gb.iter_mut().zip(sums.iter()) {
            *g = if accumulate {
                *g + inv_m * s
            } else {
                inv_m * s
            };
        }
    }
}

/// `sum := sum + parts[0] + parts[1] + ...`, element by element, the parts added in order.
pub(crate) fn add_in_order<T: Float>(sum: &mut [T], parts: &[&[T]], threads: usize) {
    if parts.is_empty() {
        return;
    }
    let blocks = blocks_for(threads, sum.len() * parts.len(), PAR_MIN_ELEMENTS);
    par_blocks(sum, blocks, |g, first| {
        vectorized(
            #[inline(always)]
            || {
                for p in parts {
                    for (g, &v) in g.iter_mut().zip(&p[first..]) {
                        *g += v;
                    }
                }
            },
        );
    });
}

/// `g := g + c w`, element by element.
pub(crate) fn add_scaled<T: Float>(g: &mut [T], w: &[T], c: T, threads: usize) {
    let blocks = blocks_for(threads, g.len(), PAR_MIN_ELEMENTS);
    par_blocks((g, w), blocks, |(g, w), _| {
        vectorized(
            #[inline(always)]
            || {
                // A local copy, so that the loop does not reload it (see `sub_scaled`).
                let c_here = c;
                for (g, &w) in g.iter_mut().zip(w) {
                    *g += c_here * w;
                }
            },
        );
    });
}

/// `w := w - c g`, element by element.
pub(crate) fn sub_scaled<T: Float>(w: &mut [T], g: &[T], c: T, threads: usize) {
    let blocks = blocks_for(threads, w.len(), PAR_MIN_ELEMENTS);
    par_blocks((w, g), blocks, |(w, g), _| {
        vectorized(
            #[inline(always)]
            || {
                // A copy of the captured scalar: read through the closure's reference, it would
                // be reloaded on every element (it might alias `w`), and the loop would not
                // vectorize.
                let c_here = c;
                for (w, &g) in w.iter_mut().zip(g) {
                    *w -= c_here * g;
                }
            },
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn bias_gradient_sums_rows_in_order_on_any_number_of_threads() {
        let delta = Array2::from_shape_fn((600, 300), |(i, j)| ((i * 7 + j * 3) % 19) as f64 * 0.1);
        let in_order = |j: usize| {
            let mut s = 0.0;
            for i in 0..600 {
                s += delta[[i, j]];
            }
            s * 0.25
        };
        for threads in [1, 2, 3] {
            let mut gb = ndarray::Array1::zeros(300);
            column_means(delta.view(), gb.view_mut(), 0.25, false, threads);
            for (j, &g) in gb.iter().enumerate() {
                assert_eq!(g.to_bits(), in_order(j).to_bits(), "{threads} threads");
            }
        }
    }

    #[test]
    fn large_passes_give_the_same_bits_on_any_number_of_threads() {
        let z = ndarray::Array2::from_shape_fn((700, 190), |(i, j)| {
            ((i * 37 + j * 11) % 101) as f32 * 0.13 - 6.5
        });
        let b = ndarray::Array1::from_shape_fn(190, |j| j as f32 * 0.01 - 0.9);
        for g in Activation::ALL {
            let mut one = z.clone();
            bias_then_activation(one.view_mut(), b.view(), g, 1);
            let mut delta_one = z.mapv(|v| v * 0.5);
            times_derivative(g, one.view(), delta_one.view_mut(), 1);
            for threads in [2, 3] {
                let mut many = z.clone();
                bias_then_activation(many.view_mut(), b.view(), g, threads);
                assert!(
                    one.iter()
                        .zip(&many)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                );
                let mut delta_many = z.mapv(|v| v * 0.5);
                times_derivative(g, many.view(), delta_many.view_mut(), threads);
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
    fn the_vectorized_passes_compute_the_elementwise_formulas_bit_for_bit() {
        // The kernels against `Activation::apply` and `backprop_from_output`, which apply
        // `value` and `backprop` one element at a time.
        let z = Array2::from_shape_fn((300, 37), |(i, j)| {
            ((i * 13 + j * 7) % 89) as f32 * 0.2 - 9.0
        });
        let b = ndarray::Array1::from_shape_fn(37, |j| j as f32 * 0.03 - 0.5);
        for g in Activation::ALL {
            let mut fast = z.clone();
            bias_then_activation(fast.view_mut(), b.view(), g, 2);
            let mut plain = &z + &b.view().insert_axis(ndarray::Axis(0));
            g.apply(plain.view_mut());
            assert!(
                fast.iter()
                    .zip(&plain)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{g}"
            );
            let mut d_fast = z.mapv(|v| v * 0.25);
            let mut d_plain = d_fast.clone();
            times_derivative(g, fast.view(), d_fast.view_mut(), 2);
            g.backprop_from_output(plain.view(), d_plain.view_mut());
            assert!(
                d_fast
                    .iter()
                    .zip(&d_plain)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "{g}"
            );
        }
    }
}
