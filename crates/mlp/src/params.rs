//! The weights W^(l) and biases b^(l) of every layer, in one contiguous buffer.
//!
//! One buffer serves every solver: gradient descent, momentum, Adam, L-BFGS and conjugate gradient
//! all see the parameters (and the gradient, which has the same type) as one vector, while the
//! passes see each layer's matrix through a view.

use crate::float::Float;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, ShapeBuilder};

/// Weights and biases of a network (or a gradient of the same shapes).
///
/// Layer k (0-based; the seed's layer l = k + 2, since its layer 1 is the input) has a weight
/// matrix of shape (S_out, S_in) — `weights(k)[[i, j]]` is w_ij, from unit j of the layer below to
/// unit i — and a bias vector of S_out numbers.
///
/// In the buffer come, layer after layer, the weights and then the biases. A layer of at least
/// 64 units keeps its weights column by column (the S_out weights out of unit j of the layer
/// below, then those out of unit j + 1: W^T row by row, the layout of scikit-learn's `coefs_`);
/// a narrower layer keeps them row by row. Forward propagation of a batch, Z = A W^T, reads W^T
/// in memory order from the first layout (the forward pass of a 128-row batch through the
/// 784-512-256-10 benchmark network took 14% less time than with W row by row). But the weight
/// gradient's product runs its vector lanes along the side of W that is contiguous, which in
/// that layout is the layer's own S_out units: for a narrow layer (the seed's 25 hidden units)
/// most lanes would idle, and 784-25-10 took 8-14% more time to train by full-batch gradient
/// descent. [`Params::weights`] is a view of the right strides, and [`Params::entry`] and
/// [`Params::file_order`] translate positions of the buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<T> {
    shapes: Vec<(usize, usize)>,
    offsets: Vec<usize>,
    data: Vec<T>,
}

/// Layers of at least this many units keep their weights column by column (see [`Params`]): a
/// full AVX-512 tile of `gemm`'s f32 lanes, two of f64. Only its two sides were measured (25
/// units lose by columns, 256 and 512 gain); the value between is not tuned.
const COLUMNS_MIN_UNITS: usize = 64;

impl<T: Float> Params<T> {
    /// All-zero parameters for layer sizes `[S_1 (inputs), S_2, ..., S_L (outputs)]`.
    pub fn zeros(sizes: &[usize]) -> Self {
        let shapes: Vec<(usize, usize)> = sizes.windows(2).map(|w| (w[1], w[0])).collect();
        let mut offsets = Vec::with_capacity(shapes.len() + 1);
        let mut total = 0;
        for &(rows, cols) in &shapes {
            offsets.push(total);
            total += rows * cols + rows;
        }
        offsets.push(total);
        Params {
            shapes,
            offsets,
            data: vec![T::zero(); total],
        }
    }

    /// All-zero parameters of the same shapes as `self`.
    pub fn zeros_like(&self) -> Self {
        Params {
            shapes: self.shapes.clone(),
            offsets: self.offsets.clone(),
            data: vec![T::zero(); self.data.len()],
        }
    }

    /// Number of weight layers (L - 1 in the seed's count, which includes the input layer).
    pub fn n_layers(&self) -> usize {
        self.shapes.len()
    }

    /// Shape (S_out, S_in) of layer `k`'s weight matrix.
    pub fn shape(&self, k: usize) -> (usize, usize) {
        self.shapes[k]
    }

    /// Index in [`Params::as_slice`] of layer `k`'s first weight. Panics if `k > n_layers()`.
    pub fn offset(&self, k: usize) -> usize {
        self.offsets[k]
    }

    /// Total number of numbers (weights and biases).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no parameters at all (never true for a valid network).
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether layer `k` keeps its weights column by column, and the steps in the buffer from
    /// w_ij to w_(i+1)j and to w_i(j+1).
    fn layout(&self, k: usize) -> (bool, usize, usize) {
        let (rows, cols) = self.shapes[k];
        match rows >= COLUMNS_MIN_UNITS {
            true => (true, 1, rows),
            false => (false, cols, 1),
        }
    }

    fn ranges(&self, k: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (rows, cols) = self.shapes[k];
        let start = self.offsets[k];
        let mid = start + rows * cols;
        (start..mid, mid..mid + rows)
    }

    /// W of layer `k`, shape (S_out, S_in). For a layer of 64 units or more it is a column-major
    /// view (see [`Params`]), not in ndarray's standard layout (`as_slice` on it gives `None`;
    /// `t()` is standard). Panics if `k >= n_layers()`.
    pub fn weights(&self, k: usize) -> ArrayView2<'_, T> {
        let (w, _) = self.ranges(k);
        let shape = self.shapes[k].set_f(self.layout(k).0);
        ArrayView2::from_shape(shape, &self.data[w]).expect("invariant: layer layout")
    }

    /// b of layer `k`, S_out numbers. Panics if `k >= n_layers()`.
    pub fn bias(&self, k: usize) -> ArrayView1<'_, T> {
        let (_, b) = self.ranges(k);
        ArrayView1::from(&self.data[b])
    }

    /// Mutable W (laid out as in [`Params::weights`]) and b of layer `k`. Panics if
    /// `k >= n_layers()`.
    pub fn layer_mut(&mut self, k: usize) -> (ArrayViewMut2<'_, T>, ArrayViewMut1<'_, T>) {
        let shape = self.shapes[k].set_f(self.layout(k).0);
        let (w, b) = self.ranges(k);
        let (ws, bs) = self.data[w.start..b.end].split_at_mut(w.len());
        (
            ArrayViewMut2::from_shape(shape, ws).expect("invariant: layer layout"),
            ArrayViewMut1::from(bs),
        )
    }

    /// Every number, layer after layer: the layer's weights (column by column or row by row,
    /// see [`Params`]), then its biases.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// Every number, mutable, in the order of [`Params::as_slice`].
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
    }

    /// What position `index` of [`Params::as_slice`] holds; `None` past the end.
    pub fn entry(&self, index: usize) -> Option<Entry> {
        let layer = self
            .offsets
            .partition_point(|&o| o <= index)
            .checked_sub(1)?;
        let (rows, cols) = *self.shapes.get(layer)?;
        let local = index - self.offsets[layer];
        if local >= rows * cols {
            let i = local - rows * cols;
            return Some(Entry::Bias { layer, i });
        }
        let (i, j) = match self.layout(layer).0 {
            true => (local % rows, local / rows),
            false => (local / cols, local % cols),
        };
        Some(Entry::Weight { layer, i, j })
    }

    /// The positions in [`Params::as_slice`] of every number in the model file's order: layer
    /// after layer, W row by row (w_11, w_12, ...), then b. Checkpoints store the parameters in
    /// this order, which does not depend on how the buffer is laid out.
    pub fn file_order(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.n_layers()).flat_map(|k| {
            let ((rows, cols), start) = (self.shapes[k], self.offsets[k]);
            let (_, down, right) = self.layout(k);
            let weights =
                (0..rows).flat_map(move |i| (0..cols).map(move |j| start + i * down + j * right));
            weights.chain(start + rows * cols..start + rows * cols + rows)
        })
    }

    /// Which entries of [`Params::as_slice`] are weights (true) rather than biases (false); the
    /// L2 term covers exactly the weights.
    pub fn weight_mask(&self) -> Vec<bool> {
        let mut mask = Vec::with_capacity(self.data.len());
        for &(rows, cols) in &self.shapes {
            mask.extend(std::iter::repeat_n(true, rows * cols));
            mask.extend(std::iter::repeat_n(false, rows));
        }
        mask
    }

    /// sum over layers of sum_ij (w_ij)^2, biases excluded, in f64.
    pub fn sum_squared_weights(&self) -> f64 {
        // In buffer order: it runs every step when lambda > 0, and a column-major view walked
        // in logical order took twice as long on W1's 535,000 weights (629-748 against 346 us).
        (0..self.n_layers())
            .map(|k| {
                self.data[self.ranges(k).0]
                    .iter()
                    .map(|&w| w.wide() * w.wide())
                    .sum::<f64>()
            })
            .sum()
    }

    /// The same parameters in another precision.
    pub fn cast<U: Float>(&self) -> Params<U> {
        Params {
            shapes: self.shapes.clone(),
            offsets: self.offsets.clone(),
            data: self.data.iter().map(|&v| U::of(v.wide())).collect(),
        }
    }

    /// Whether every number is finite.
    pub fn all_finite(&self) -> bool {
        self.data.iter().all(|v| v.is_finite())
    }
}

/// What one number of [`Params`] is (see [`Params::entry`]); indices are 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// w_ij of layer `layer`'s W: from unit j of the layer below to unit i.
    Weight {
        /// The layer (0-based, as in [`Params::weights`]).
        layer: usize,
        /// Row of W: the unit of this layer.
        i: usize,
        /// Column of W: the unit of the layer below.
        j: usize,
    },
    /// b_i of layer `layer`.
    Bias {
        /// The layer (0-based).
        layer: usize,
        /// The unit of this layer.
        i: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_file_order_agree_with_the_views() {
        // A wide layer (64 units: weights column by column) between narrow ones (row by row).
        let mut p = Params::<f64>::zeros(&[3, 64, 2]);
        for k in 0..p.n_layers() {
            let (mut w, mut b) = p.layer_mut(k);
            for ((i, j), v) in w.indexed_iter_mut() {
                *v = (1_000_000 * k + 1000 * i + j) as f64;
            }
            for (i, v) in b.iter_mut().enumerate() {
                *v = (500_000 + 1_000_000 * k + i) as f64;
            }
        }
        for (index, &v) in p.as_slice().iter().enumerate() {
            let expected = match p.entry(index) {
                Some(Entry::Weight { layer, i, j }) => p.weights(layer)[[i, j]],
                Some(Entry::Bias { layer, i }) => p.bias(layer)[i],
                None => unreachable!("index {index} is inside"),
            };
            assert_eq!(v, expected, "index {index}");
        }
        assert_eq!(p.entry(p.len()), None);
        // Layer 0 (64 x 3) column by column: w_11, w_21, w_31, ...
        assert_eq!(p.as_slice()[..3], [0.0, 1000.0, 2000.0]);
        // Layer 1 (2 x 64) row by row: w_11, w_12, w_13, ...
        let second = p.offset(1);
        assert_eq!(
            p.as_slice()[second..second + 3],
            [1e6, 1e6 + 1.0, 1e6 + 2.0]
        );
        let file: Vec<f64> = p.file_order().map(|i| p.as_slice()[i]).collect();
        let expected: Vec<f64> = (0..p.n_layers())
            .flat_map(|k| {
                let mut v: Vec<f64> = p.weights(k).iter().copied().collect();
                v.extend(p.bias(k).iter());
                v
            })
            .collect();
        assert_eq!(file, expected);
        let mut seen: Vec<usize> = p.file_order().collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..p.len()).collect::<Vec<_>>());
    }
}
