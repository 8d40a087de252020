//! Matrix products through the `gemm` crate, the only `unsafe` code of the library.
//!
//! Operands are ndarray views of any strides, so transposes (`A^T`, `W^T`) are strided views and
//! are never copied.
#![allow(unsafe_code)]

use crate::float::Float;
use gemm::Parallelism;
use ndarray::{ArrayView2, ArrayViewMut2, Axis};

/// `dst := alpha * lhs · rhs` (or `dst += alpha * lhs · rhs` when `accumulate`), using up to
/// `threads` threads.
///
/// A large product is cut in two (rows of `lhs`, or columns of `rhs`) and the halves computed
/// at once on rayon's pool, each by a single-threaded `gemm` call (recursively, for more than
/// two threads); smaller ones run on the calling thread. Either way every element of `dst` is the same
/// dot product summed in the same order — `gemm` sums along k in blocks whose size depends on
/// k alone — so the result does not depend on `threads` (the tests check this bit for bit).
/// Before any cut, a row-major `dst` whose last strip in `gemm` would hold a single column has
/// that column computed as a product of its own (see [`lone_last_column`]), a rule of the shape
/// alone.
///
/// # Panics
/// When the shapes do not chain: callers size every buffer from the network, so this is an
/// internal invariant; it is checked in release builds too because `gemm` trusts its arguments.
pub(crate) fn matmul<T: Float>(
    dst: &mut ArrayViewMut2<'_, T>,
    accumulate: bool,
    lhs: ArrayView2<'_, T>,
    rhs: ArrayView2<'_, T>,
    alpha: T,
    threads: usize,
) {
    let (m, k) = lhs.dim();
    let (k2, n) = rhs.dim();
    assert!(k == k2 && dst.dim() == (m, n), "matmul shapes do not chain");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.fill(T::zero());
        }
        return;
    }
    if dst.strides()[0] == 1 && dst.strides()[1] != 1 {
        // A column-major dst (a weight gradient, laid out like the weights) is computed as the
        // row-major dst^T = rhs^T lhs^T: the same sums, and the split below is decided in one
        // frame for every product. (gemm takes a column-major dst as it is, with the same bits;
        // left to the split as it came, W1's cost and gradient took 1.35-1.57 ms against
        // 1.28 ms turned, in criterion runs of `w1/cost_and_gradient_b128`.)
        let mut dst_t = dst.view_mut().reversed_axes();
        let (lhs_t, rhs_t) = (rhs.reversed_axes(), lhs.reversed_axes());
        return matmul(&mut dst_t, accumulate, lhs_t, rhs_t, alpha, threads);
    }
    if dst.strides()[1] == 1 && lone_last_column::<T>(n) {
        // `gemm` computes a row-major dst as dst^T, in strips of STRIP_BYTES of dst's columns
        // (8 float64, 16 float32): here the last strip would hold one column in a kernel of
        // full width. That column is a product of its own instead (a matrix-vector product),
        // decided from the shape alone, so the bits do not depend on the threads either. The
        // seed's 400-25-10 network: its forward product with 25 units, 125 rows and k = 400
        // took 81-84 µs instead of 90-97 µs (one thread, the operands in cache).
        let (mut body, mut last) = dst.view_mut().split_at(Axis(1), n - 1);
        let (rhs_body, rhs_last) = rhs.split_at(Axis(1), n - 1);
        split(&mut body, accumulate, lhs, rhs_body, alpha, threads);
        split(&mut last, accumulate, lhs, rhs_last, alpha, threads);
        return;
    }
    split(dst, accumulate, lhs, rhs, alpha, threads);
}

/// [`matmul`] of shapes that chain, k > 0, in halves over threads when large (see there).
fn split<T: Float>(
    dst: &mut ArrayViewMut2<'_, T>,
    accumulate: bool,
    lhs: ArrayView2<'_, T>,
    rhs: ArrayView2<'_, T>,
    alpha: T,
    threads: usize,
) {
    let (m, k) = lhs.dim();
    let n = rhs.ncols();
    if threads > 1 && m * n * k >= SPLIT_MIN_WORK {
        let (left, right) = (threads / 2, threads - threads / 2);
        // Split the rows (each half then writes a block of whole rows of dst) unless they are
        // too few for halves of them to run at gemm's speed and the columns are more. W1's
        // forward products (128 x 784 x 512, 128 x 512 x 256) took 18-33% more time cut by
        // rows than by columns, and with the weights column by column, steps cutting them by
        // rows took 11-36% more (minima of 12 runs of 100 steps, 5 pairs). Its weight
        // gradients, turned as above (784 x 128 x 512, 512 x 128 x 256), are cut by rows: cut
        // by columns instead, W1's steps were slower in 5 of 5 interleaved pairs (medians of
        // 12 runs of 100 steps, 1.57-2.09 ms against 1.83-2.11 ms).
        let by_rows = m >= SPLIT_ROWS_MIN_ROWS || n <= m;
        let (mid_rows, mid_cols) = (m * left / threads, n * left / threads);
        if by_rows && same_gemm_case(mid_rows.min(m - mid_rows), n) {
            let (mut top, mut bottom) = dst.view_mut().split_at(Axis(0), mid_rows);
            let (lhs_top, lhs_bottom) = lhs.split_at(Axis(0), mid_rows);
            rayon::join(
                || split(&mut top, accumulate, lhs_top, rhs, alpha, left),
                || split(&mut bottom, accumulate, lhs_bottom, rhs, alpha, right),
            );
            return;
        }
        if !by_rows && same_gemm_case(mid_cols.min(n - mid_cols), m) {
            let (mut first, mut second) = dst.view_mut().split_at(Axis(1), mid_cols);
            let (rhs_first, rhs_second) = rhs.split_at(Axis(1), mid_cols);
            rayon::join(
                || split(&mut first, accumulate, lhs, rhs_first, alpha, left),
                || split(&mut second, accumulate, lhs, rhs_second, alpha, right),
            );
            return;
        }
    }
    gemm_single(dst, accumulate, lhs, rhs, alpha);
}

/// The height in bytes of the strips in which `gemm`'s AVX2 kernels compute dst (two 256-bit
/// vectors), as used by [`matmul`] (AVX-512's strips are twice as high; the rule is the same
/// on every CPU).
const STRIP_BYTES: usize = 64;

/// Whether `gemm`'s last strip of a row-major dst with n columns would hold one column.
fn lone_last_column<T: Float>(n: usize) -> bool {
    n > 1 && n % (STRIP_BYTES / T::BYTES) == 1
}

/// Products of at least this many multiply-adds (m n k) are split over threads: below it,
/// waking a second thread costs more than half the product.
pub(crate) const SPLIT_MIN_WORK: usize = 1 << 23;

/// A product with at least this many rows is split by rows (see [`matmul`]).
const SPLIT_ROWS_MIN_ROWS: usize = 256;

/// Whether a part of a product, `half` long on the split side and `other` on the other, is
/// computed by `gemm` the way the whole product is (the whole is larger on the split side).
///
/// `gemm` picks its algorithm by size: m or n <= 1 (matrix-vector), m n <= 256 (dot products,
/// k blocked by 1024), m and n <= 64 (k blocked by 512), else k blocked by a rule of k alone.
/// Parts with `half`, `other` >= 2, `half other` > 256 and a side > 64 are in the last case,
/// and so is the whole: every element is then the same sum in the same order.
fn same_gemm_case(half: usize, other: usize) -> bool {
    half >= 2 && other >= 2 && half * other > 256 && half.max(other) > 64
}

/// `gemm` on one thread.
fn gemm_single<T: Float>(
    dst: &mut ArrayViewMut2<'_, T>,
    accumulate: bool,
    lhs: ArrayView2<'_, T>,
    rhs: ArrayView2<'_, T>,
    alpha: T,
) {
    let (m, k) = lhs.dim();
    let n = rhs.ncols();
    let (ds, ls, rs) = (
        [dst.strides()[0], dst.strides()[1]],
        [lhs.strides()[0], lhs.strides()[1]],
        [rhs.strides()[0], rhs.strides()[1]],
    );
    // SAFETY: the three views are valid for their shapes and strides (ndarray guarantees it),
    // the shapes chain (checked above), and `dst` is a unique borrow that cannot alias the
    // shared `lhs` and `rhs`. `gemm` reads and writes only inside those bounds.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            ds[1],
            ds[0],
            accumulate,
            lhs.as_ptr(),
            ls[1],
            ls[0],
            rhs.as_ptr(),
            rs[1],
            rs[0],
            T::one(),
            alpha,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder, array};

    #[test]
    fn products_with_transposed_views_match_ndarray() {
        let a = array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let b = array![[1.0, -1.0], [0.5, 2.0], [3.0, 0.0]];
        let mut c = Array2::<f64>::zeros((2, 2));
        matmul(&mut c.view_mut(), false, a.view(), b.view(), 1.0, 1);
        assert_eq!(c, a.dot(&b));
        let mut ct = Array2::<f64>::zeros((2, 2));
        matmul(&mut ct.view_mut(), false, b.t(), a.t(), 1.0, 2);
        assert_eq!(ct, a.dot(&b).t());
        matmul(&mut ct.view_mut(), true, b.t(), a.t(), 2.0, 1);
        assert_eq!(ct, a.dot(&b).t().mapv(|v| 3.0 * v));
    }

    #[test]
    fn split_products_match_single_threaded_ones_bit_for_bit() {
        // Shapes of the workloads' products (W1's 128 x 784 x 512, its gradients as computed,
        // W2's k = 5000 and its forward product with 25 units, whose last column is a product
        // of its own), plus odd sizes; each operand both through a transposed view (A^T,
        // Delta^T, W^T of a column-major W) and in standard layout (W^T of weights kept
        // column by column is a standard-layout view), as the passes use them.
        let shapes = [
            (128, 784, 512),
            (784, 128, 512),
            (512, 128, 784),
            (5000, 400, 25),
            (125, 400, 25),
            (25, 5000, 400),
            (131, 600, 130),
            (300, 97, 301),
            (70, 50, 17),
        ];
        let same = |a: &Array2<f64>, b: &Array2<f64>| {
            a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits())
        };
        for (m, k, n) in shapes {
            let lhs =
                Array2::from_shape_fn((k, m), |(i, j)| ((i * 31 + j * 17) % 97) as f64 - 48.3);
            let rhs = Array2::from_shape_fn((n, k), |(i, j)| ((i * 13 + j * 7) % 89) as f64 * 0.37);
            let (lhs_rows, rhs_rows) = (
                lhs.t().as_standard_layout().to_owned(),
                rhs.t().as_standard_layout().to_owned(),
            );
            let init = Array2::from_shape_fn((m, n), |(i, j)| (i + 2 * j) as f64 * 0.001);
            for accumulate in [false, true] {
                let exact = &init * f64::from(u8::from(accumulate)) + lhs.t().dot(&rhs.t()) * 0.3;
                let operands = [
                    (lhs.t(), rhs.t()),
                    (lhs.t(), rhs_rows.view()),
                    (lhs_rows.view(), rhs.t()),
                    (lhs_rows.view(), rhs_rows.view()),
                ];
                // Without a lone column (see `lone_last_column`), every layout of the operands
                // and of dst gives the same bits; with one, the layout may change the order of
                // the matrix-vector product's sums, never their value beyond rounding.
                let peeled = lone_last_column::<f64>(n) || lone_last_column::<f64>(m);
                let mut reference = None;
                for (o, (l, r)) in operands.into_iter().enumerate() {
                    let mut one = init.clone();
                    matmul(&mut one.view_mut(), accumulate, l, r, 0.3, 1);
                    let scale = exact.iter().fold(0.0f64, |s, v| s.max(v.abs()));
                    let error = (&one - &exact).iter().fold(0.0f64, |e, v| e.max(v.abs()));
                    assert!(error <= 1e-13 * scale, "{m}x{k}x{n}, operands {o}: {error}");
                    let reference = reference.get_or_insert_with(|| one.clone());
                    assert!(peeled || same(reference, &one), "{m}x{k}x{n}, operands {o}");
                    for threads in [2, 3, 4] {
                        let mut many = init.clone();
                        matmul(&mut many.view_mut(), accumulate, l, r, 0.3, threads);
                        assert!(
                            same(&one, &many),
                            "{m}x{k}x{n}, operands {o}, {threads} threads"
                        );
                    }
                    // A column-major dst, as the weight gradients are laid out, computed as
                    // dst^T: on any number of threads, the bits of one.
                    let mut first = Array2::zeros((m, n).f());
                    for threads in [1, 2, 3] {
                        let mut columns = Array2::zeros((m, n).f());
                        columns.assign(&init);
                        matmul(&mut columns.view_mut(), accumulate, l, r, 0.3, threads);
                        if threads == 1 {
                            assert!(
                                peeled || same(reference, &columns),
                                "{m}x{k}x{n}, operands {o}, column-major dst"
                            );
                            first = columns;
                        } else {
                            assert!(
                                same(&first, &columns),
                                "{m}x{k}x{n}, operands {o}, column-major dst, {threads} threads"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_lone_last_column_is_a_product_of_its_own() {
        assert!(lone_last_column::<f64>(25) && lone_last_column::<f64>(9));
        assert!(!lone_last_column::<f64>(24) && !lone_last_column::<f64>(26));
        assert!(!lone_last_column::<f64>(1) && !lone_last_column::<f32>(25));
        assert!(lone_last_column::<f32>(17));
        // The seed's 25 units: the first 24 columns are the 24-column product's bits, the 25th
        // the one-column product's, and all are the exact product's within rounding.
        let lhs = Array2::from_shape_fn((125, 400), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.1);
        let w = Array2::from_shape_fn((25, 400), |(i, j)| ((i * 5 + j) % 13) as f64 * 0.1 - 0.3);
        let mut whole = Array2::<f64>::zeros((125, 25));
        matmul(&mut whole.view_mut(), false, lhs.view(), w.t(), 1.0, 2);
        let mut body = Array2::<f64>::zeros((125, 24));
        let w24 = w.slice(ndarray::s![..24, ..]);
        matmul(&mut body.view_mut(), false, lhs.view(), w24.t(), 1.0, 2);
        let first = whole.slice(ndarray::s![.., ..24]);
        assert!(
            first
                .iter()
                .zip(&body)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        let mut column = Array2::<f64>::zeros((125, 1));
        let w_last = w.slice(ndarray::s![24.., ..]);
        matmul(
            &mut column.view_mut(),
            false,
            lhs.view(),
            w_last.t(),
            1.0,
            2,
        );
        let last = whole.column(24);
        assert!(
            last.iter()
                .zip(&column)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
        let exact = lhs.dot(&w.t());
        let error = (&whole - &exact).iter().fold(0.0f64, |e, v| e.max(v.abs()));
        assert!(error <= 1e-10, "{error}");
    }
}
