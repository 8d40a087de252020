//! The benchmark workloads' data and initial weights, bit for bit as the reference scripts
//! build them: u(seed, i) is the i-th output of a splitmix64 generator started at `seed`, as a
//! float64 in [0, 1); arrays fill in row-major order.

use mlp::{Activation, Loss, Network};
use ndarray::Array2;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// u(seed, i), the i-th output of a splitmix64 generator started at `seed`, in [0, 1).
#[inline]
pub fn u(seed: u64, i: u64) -> f64 {
    let mut z = seed.wrapping_add((i + 1).wrapping_mul(GOLDEN));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 * 2f64.powi(-53)
}

/// u(seed, i) for i in 0..n.
pub fn uniform(seed: u64, n: usize) -> Vec<f64> {
    (0..n as u64).map(|i| u(seed, i)).collect()
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

/// W1 (mnist-mlp): 784-512-256-10, ReLU hidden, softmax output, Glorot-uniform weights, f32.
pub const W1_SIZES: [usize; 4] = [784, 512, 256, 10];
/// W3 (tabular-regression): 32-128-128-1, tanh hidden, identity output, f32.
pub const W3_SIZES: [usize; 4] = [32, 128, 128, 1];

/// The first `n` rows (of 60000) of W1: X (n, 784) in f32 and one-hot targets (n, 10) in f32.
///
/// Same numbers as `classification(n, 784, 10)` followed by a cast, but built row by row, so
/// the f64 matrix (376 MB for all rows) is never held: X is u(1, .) cast to f32, the label is
/// argmax((x - 0.5) T) computed in f64 with T = sym(2, 784, 10).
pub fn w1_data(n: usize) -> (Array2<f32>, Array2<f32>) {
    let (d, k) = (W1_SIZES[0], W1_SIZES[3]);
    let teacher = sym(2, d, k, 1.0);
    let mut x = Array2::<f32>::zeros((n, d));
    let mut y = Array2::<f32>::zeros((n, k));
    let mut row = vec![0.0f64; d];
    let mut scores = vec![0.0f64; k];
    for i in 0..n {
        for (j, v) in row.iter_mut().enumerate() {
            *v = u(1, (i * d + j) as u64);
            x[[i, j]] = *v as f32;
        }
        scores.fill(0.0);
        for (j, &v) in row.iter().enumerate() {
            let c = v - 0.5;
            for (s, &t) in scores.iter_mut().zip(teacher.row(j)) {
                *s += c * t;
            }
        }
        let mut best = 0;
        for c in 1..k {
            if scores[c] > scores[best] {
                best = c;
            }
        }
        y[[i, best]] = 1.0;
    }
    (x, y)
}

/// W1's network with the reference initial weights, in f32.
pub fn w1_network() -> Network<f32> {
    network(
        &W1_SIZES,
        &[Activation::Relu, Activation::Relu, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        None,
    )
    .cast::<f32>()
}

/// The first `n` rows (of 200000) of W3: X = u(1, .) (n, 32) and the target
/// tanh((X - 0.5) A) c + e, A = sym(2, 32, 16), c = sym(3, 16, 1) / 4,
/// e = (u(4, i) - 0.5) sqrt(12) 0.1, all in f64, then cast to f32.
pub fn w3_data(n: usize) -> (Array2<f32>, Array2<f32>) {
    let (d, h) = (W3_SIZES[0], 16);
    let a = sym(2, d, h, 1.0);
    let c = sym(3, h, 1, 1.0).mapv(|v| v / (h as f64).sqrt());
    let mut x = Array2::<f32>::zeros((n, d));
    let mut y = Array2::<f32>::zeros((n, 1));
    let mut row = vec![0.0f64; d];
    let mut hidden = vec![0.0f64; h];
    for i in 0..n {
        for (j, v) in row.iter_mut().enumerate() {
            *v = u(1, (i * d + j) as u64);
            x[[i, j]] = *v as f32;
        }
        hidden.fill(0.0);
        for (j, &v) in row.iter().enumerate() {
            let centred = v - 0.5;
            for (s, &w) in hidden.iter_mut().zip(a.row(j)) {
                *s += centred * w;
            }
        }
        let signal: f64 = hidden
            .iter()
            .zip(c.column(0))
            .map(|(&z, &cj)| z.tanh() * cj)
            .sum();
        let noise = (u(4, i as u64) - 0.5) * 12f64.sqrt() * 0.1;
        y[[i, 0]] = (signal + noise) as f32;
    }
    (x, y)
}

/// W3's network with the reference initial weights, in f32.
pub fn w3_network() -> Network<f32> {
    network(
        &W3_SIZES,
        &[Activation::Tanh, Activation::Tanh, Activation::Identity],
        Loss::SquaredError,
        None,
    )
    .cast::<f32>()
}

/// The reference scripts' mini-batch order for `epoch`: the stable argsort of u(1000 + epoch, .)
/// over `n` samples (what the PyTorch script feeds its batches in).
pub fn permutation(n: usize, epoch: u64) -> Vec<usize> {
    let keys = uniform(1000 + epoch, n);
    let mut order: Vec<usize> = (0..n).collect();
    // `sort_by` is stable, like numpy's kind="stable".
    order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
    order
}

/// The rows of `x` in the order `order` (a new matrix).
pub fn gather_rows<T: Copy + num_traits::Zero>(x: &Array2<T>, order: &[usize]) -> Array2<T> {
    let mut out = Array2::zeros((order.len(), x.ncols()));
    for (mut dst, &i) in out.rows_mut().into_iter().zip(order) {
        dst.assign(&x.row(i));
    }
    out
}

/// Reorders the rows of `x` in place so that row j becomes the old row `order[j]` (the same
/// result as `gather_rows(x, order)` for a permutation, without a second matrix).
pub fn permute_rows<T: Copy>(x: &mut Array2<T>, order: &[usize]) {
    assert_eq!(order.len(), x.nrows(), "one index per row");
    let mut done = vec![false; order.len()];
    for start in 0..order.len() {
        if done[start] {
            continue;
        }
        let saved = x.row(start).to_owned();
        let mut j = start;
        loop {
            done[j] = true;
            let k = order[j];
            if k == start {
                x.row_mut(j).assign(&saved);
                break;
            }
            let (src, mut dst) = (x.row(k).to_owned(), x.row_mut(j));
            dst.assign(&src);
            j = k;
        }
    }
}
