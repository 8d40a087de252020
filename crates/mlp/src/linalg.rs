//! Matrix products through the `gemm` crate, the only `unsafe` code of the library.
//!
//! Operands are ndarray views of any strides, so transposes (`A^T`, `W^T`) are strided views and
//! are never copied.
#![allow(unsafe_code)]

use crate::Float;
use gemm::Parallelism;
use ndarray::{ArrayView2, ArrayViewMut2};

/// `dst := alpha * lhs · rhs` (or `dst += alpha * lhs · rhs` when `accumulate`), using up to
/// `threads` threads.
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
    let parallelism = if threads > 1 {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
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
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

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
}
