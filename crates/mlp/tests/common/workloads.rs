//! The benchmark workloads' data and initial weights, bit for bit as the reference scripts
//! build them: u(seed, i) is the i-th output of a splitmix64 generator started at `seed`, as a
//! float64 in [0, 1); arrays fill in row-major order.

use mlp::{Activation, Loss, Network};
use ndarray::Array2;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// u(seed, i) for i in 0..n.
pub fn uniform(seed: u64, n: usize) -> Vec<f64> {
    (0..n as u64)
        .map(|i| {
            let mut z = seed.wrapping_add((i + 1).wrapping_mul(GOLDEN));
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 * 2f64.powi(-53)
        })
        .collect()
}

/// (2 u - 1) * bound, shape (rows, cols).
pub fn sym(seed: u64, rows: usize, cols: usize, bound: f64) -> Array2<f64> {
    Array2::from_shape_vec((rows, cols), uniform(seed, rows * cols))
        .unwrap()
        .mapv(|u| (u * 2.0 - 1.0) * bound)
}

/// X (n, d) and integer labels = argmax((X - 0.5) T), T = sym(2, d, k).
pub fn classification(n: usize, d: usize, k: usize) -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_vec((n, d), uniform(1, n * d)).unwrap();
    let teacher = sym(2, d, k, 1.0);
    let scores = (&x - 0.5).dot(&teacher);
    let labels = scores
        .rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for j in 1..k {
                if r[j] > r[best] {
                    best = j;
                }
            }
            best
        })
        .collect();
    (x, labels)
}

/// One-hot rows of `labels`.
pub fn one_hot(labels: &[usize], k: usize) -> Array2<f64> {
    let mut y = Array2::zeros((labels.len(), k));
    for (i, &l) in labels.iter().enumerate() {
        y[[i, l]] = 1.0;
    }
    y
}

/// A network with the reference scripts' initial weights: layer l (0-based) has
/// W = sym(100 + 2l, fan_in, fan_out) transposed to our (fan_out, fan_in), b = sym(101 + 2l).
pub fn network(sizes: &[usize], acts: &[Activation], loss: Loss, eps: Option<f64>) -> Network<f64> {
    let mut net = Network::new(sizes, acts, loss).unwrap();
    for l in 0..sizes.len() - 1 {
        let (fi, fo) = (sizes[l], sizes[l + 1]);
        let bound = eps.unwrap_or_else(|| (6.0 / (fi + fo) as f64).sqrt());
        let w = sym(100 + 2 * l as u64, fi, fo, bound);
        let b = sym(101 + 2 * l as u64, 1, fo, bound);
        let (mut wl, mut bl) = net.params_mut().layer_mut(l);
        wl.assign(&w.t());
        bl.assign(&b.row(0));
    }
    net
}

/// W2 (seed-fullbatch): 5000 x 400, 400-25-10 sigmoid, cross_entropy, weights in +-0.12.
pub fn w2() -> (Array2<f64>, Array2<f64>, Network<f64>) {
    let (x, labels) = classification(5000, 400, 10);
    let net = network(
        &[400, 25, 10],
        &[Activation::Sigmoid, Activation::Sigmoid],
        Loss::CrossEntropy,
        Some(0.12),
    );
    (x, one_hot(&labels, 10), net)
}
