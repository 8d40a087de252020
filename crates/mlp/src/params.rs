//! The weights W^(l) and biases b^(l) of every layer, in one contiguous buffer.
//!
//! One buffer serves every solver: gradient descent, momentum, Adam, L-BFGS and conjugate gradient
//! all see the parameters (and the gradient, which has the same type) as one vector, while the
//! passes see each layer's matrix through a view.

use crate::Float;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};

/// Weights and biases of a network (or a gradient of the same shapes).
///
/// Layer k (0-based; the seed's layer l = k + 2, since its layer 1 is the input) has a weight
/// matrix of shape (S_out, S_in) — `weights(k)[[i, j]]` is w_ij, from unit j of the layer below to
/// unit i — and a bias vector of S_out numbers. In the buffer, layer after layer, the weights come
/// row by row, then the biases.
#[derive(Clone, Debug, PartialEq)]
pub struct Params<T> {
    shapes: Vec<(usize, usize)>,
    offsets: Vec<usize>,
    data: Vec<T>,
}

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

    fn ranges(&self, k: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (rows, cols) = self.shapes[k];
        let start = self.offsets[k];
        let mid = start + rows * cols;
        (start..mid, mid..mid + rows)
    }

    /// W of layer `k`, shape (S_out, S_in). Panics if `k >= n_layers()`.
    pub fn weights(&self, k: usize) -> ArrayView2<'_, T> {
        let (w, _) = self.ranges(k);
        ArrayView2::from_shape(self.shapes[k], &self.data[w]).expect("invariant: layer layout")
    }

    /// b of layer `k`, S_out numbers. Panics if `k >= n_layers()`.
    pub fn bias(&self, k: usize) -> ArrayView1<'_, T> {
        let (_, b) = self.ranges(k);
        ArrayView1::from(&self.data[b])
    }

    /// Mutable W and b of layer `k`. Panics if `k >= n_layers()`.
    pub fn layer_mut(&mut self, k: usize) -> (ArrayViewMut2<'_, T>, ArrayViewMut1<'_, T>) {
        let shape = self.shapes[k];
        let (w, b) = self.ranges(k);
        let (ws, bs) = self.data[w.start..b.end].split_at_mut(w.len());
        (
            ArrayViewMut2::from_shape(shape, ws).expect("invariant: layer layout"),
            ArrayViewMut1::from(bs),
        )
    }

    /// Every number, layer after layer (weights row by row, then biases).
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// Every number, mutable, in the order of [`Params::as_slice`].
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.data
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
        (0..self.n_layers())
            .map(|k| {
                self.weights(k)
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
