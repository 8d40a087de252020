//! The validation split: which rows are held out, and moving them out of the matrices.

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::float::Float;

/// Rows held out for validation, sorted: round(f n) of them, drawn per class (stratified) when
/// `strata` is given, from the seeded stream.
pub(super) fn validation_rows(
    n: usize,
    f: f64,
    seed: u64,
    strata: Option<&[usize]>,
) -> Result<Vec<usize>> {
    if f == 0.0 {
        return Ok(Vec::new());
    }
    let mut rng = crate::init::rng(seed ^ 0x5EED_5B11);
    let groups: Vec<Vec<usize>> = match strata {
        Some(s) => {
            let k = s.iter().max().map_or(0, |m| m + 1);
            let mut g = vec![Vec::new(); k];
            for (i, &c) in s.iter().enumerate() {
                g[c].push(i);
            }
            g
        }
        None => vec![(0..n).collect()],
    };
    let mut rows = Vec::new();
    for mut g in groups {
        crate::train::shuffle(&mut g, &mut rng);
        let take = (g.len() as f64 * f).round() as usize;
        rows.extend_from_slice(&g[..take.min(g.len())]);
    }
    if rows.len() >= n {
        return Err(Error::config(
            "validation_fraction",
            format!("{f} leaves no rows to train on"),
        ));
    }
    rows.sort_unstable();
    Ok(rows)
}

pub(super) fn gather<T: Float>(a: ArrayView2<'_, T>, rows: &[usize]) -> Array2<T> {
    let mut out = Array2::zeros((rows.len(), a.ncols()));
    for (mut dst, &i) in out.rows_mut().into_iter().zip(rows) {
        dst.assign(&a.row(i));
    }
    out
}

/// Removes the (sorted) `rows` from `a` in place, keeping the order of the others; no copy of
/// the whole matrix is made.
pub(super) fn compact<T: Float>(a: &mut Array2<T>, rows: &[usize]) {
    if rows.is_empty() {
        return;
    }
    let (n, cols) = a.dim();
    let mut skip = rows.iter().peekable();
    let mut kept = 0;
    for i in 0..n {
        if skip.peek() == Some(&&i) {
            skip.next();
            continue;
        }
        if kept != i {
            let (mut lower, upper) = a.view_mut().split_at(ndarray::Axis(0), i);
            lower.row_mut(kept).assign(&upper.row(0));
        }
        kept += 1;
    }
    let flat = std::mem::replace(a, Array2::zeros((0, 0)));
    let mut v = flat.into_raw_vec_and_offset().0;
    v.truncate(kept * cols);
    *a = Array2::from_shape_vec((kept, cols), v).expect("invariant: rows x cols elements");
}

/// The rows 0..n that are not in the sorted `rows`.
pub(super) fn complement(n: usize, rows: &[usize]) -> Vec<usize> {
    let mut skip = rows.iter().peekable();
    (0..n)
        .filter(|i| {
            if skip.peek() == Some(&i) {
                skip.next();
                false
            } else {
                true
            }
        })
        .collect()
}
