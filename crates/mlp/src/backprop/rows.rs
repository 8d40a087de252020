//! The passes over a batch cut into chunks of rows, the chunks run in parallel.
//!
//! Examples (rows) are independent in forward propagation and in the error deltas; they meet
//! only in the sums over examples: the gradient's Delta^T A, the bias gradient and the cost.
//! So a batch is cut into chunks of consecutive rows, each chunk runs the whole forward and
//! backward pass on its rows, and the chunks' sums are added at the end. A chunk's products are
//! small enough to stay in cache between the forward and the backward pass, and the threads
//! meet once per pass instead of once per product.
//!
//! The cut depends on m and the layer sizes alone (see [`Plan`]) and the chunks' sums are added
//! in chunk order, so the results depend on the batch and never on the number of threads.

use super::{Workspace, bias_gradient};
use crate::fastmath::vectorized;
use crate::linalg::{SPLIT_MIN_WORK, matmul};
use crate::pool::{PAR_MIN_ELEMENTS, blocks_for, in_pool, par_blocks};
use crate::{Float, Network, Params};
use ndarray::{ArrayBase, ArrayView2, ArrayViewMut2, Axis, DataMut, Ix2, s};
use smallvec::SmallVec;
use std::ops::Range;

/// Batches of at most this many rows are one chunk in a pass with a cost (or two, see
/// [`TWO_CHUNKS_MIN_WORK`]): the products of smaller chunks run far below the machine's speed,
/// and each chunk group costs a copy of the gradient. (Their products are still split over
/// threads, see [`matmul`].)
const SPLIT_MIN_ROWS: usize = 512;

/// Rows per chunk, at most, of a pass with a cost: a chunk's inputs and activations then
/// stay in the core's cache from the forward pass to the gradient's products.
const CHUNK_MAX_ROWS: usize = 256;

/// Rows per chunk, at least, of forward propagation alone: the chunks are only there to share
/// the rows out among threads (each row's outputs do not depend on the cut).
const CHUNK_ROWS_FORWARD: usize = 256;

/// A batch of [`TWO_CHUNKS_MIN_ROWS`] to [`SPLIT_MIN_ROWS`] rows whose products are all too
/// small to be split over threads (see [`matmul`]) is cut in two chunks, one for each of two
/// threads, when its forward products make at least this many multiply-adds (a third of the
/// step's): below, a thread's share costs less than handing it over. The cut does not depend
/// on the threads, so one thread runs the two chunks one after the other.
const TWO_CHUNKS_MIN_WORK: usize = 1 << 21;

/// The fewest rows cut in two chunks: halves of 64 rows still run the products at speed.
const TWO_CHUNKS_MIN_ROWS: usize = 128;

/// At most this many chunk groups: the groups are what the threads share out, and with a
/// gradient each one costs a copy of the gradient.
const MAX_GROUPS: usize = 8;

/// How a batch of m rows is cut: `chunks` runs of consecutive rows of nearly equal length, and
/// `groups` runs of consecutive chunks. A group is processed by one thread (or by several, when
/// there are fewer groups than threads) and sums its chunks' gradients in a buffer of its own;
/// the groups' buffers are added at the end, in order. The cut is a function of m and the
/// network's layer sizes, never of the number of threads.
#[derive(Clone, Copy, Debug)]
struct Plan {
    m: usize,
    chunks: usize,
    groups: usize,
}

impl Plan {
    /// The cut of a pass with a cost (and gradient), or of forward propagation alone, over m
    /// rows of a network of layer sizes `sizes`.
    fn new(m: usize, cost: bool, sizes: &[usize]) -> Self {
        let products = || sizes.windows(2).map(|w| m * w[0] * w[1]);
        let chunks = match cost {
            true if m <= SPLIT_MIN_ROWS => {
                let work: usize = products().sum();
                let largest = products().max().unwrap_or(0);
                match m >= TWO_CHUNKS_MIN_ROWS
                    && work >= TWO_CHUNKS_MIN_WORK
                    && largest < SPLIT_MIN_WORK
                {
                    true => 2,
                    false => 1,
                }
            }
            true => m.div_ceil(CHUNK_MAX_ROWS),
            // A power of two, so that two (or four) threads get equal shares.
            false => 1 << (m / CHUNK_ROWS_FORWARD).clamp(1, MAX_GROUPS).ilog2(),
        };
        Plan {
            m,
            chunks,
            groups: chunks.min(MAX_GROUPS),
        }
    }

    /// Whether a pass by this plan makes splits for other threads to take up: it has several
    /// groups, or a product over a chunk's rows large enough to be split (see [`matmul`]).
    fn splits(&self, sizes: &[usize]) -> bool {
        let rows = self.m.div_ceil(self.chunks);
        self.groups > 1
            || sizes
                .windows(2)
                .any(|w| rows * w[0] * w[1] >= SPLIT_MIN_WORK)
    }

    /// Rows of chunk `c`.
    fn rows(&self, c: usize) -> Range<usize> {
        self.m * c / self.chunks..self.m * (c + 1) / self.chunks
    }

    /// Chunks of group `g`.
    fn chunks_of(&self, g: usize) -> Range<usize> {
        self.chunks * g / self.groups..self.chunks * (g + 1) / self.groups
    }

    /// Rows of group `g`.
    fn group_rows(&self, g: usize) -> Range<usize> {
        let chunks = self.chunks_of(g);
        self.rows(chunks.start).start..self.rows(chunks.end - 1).end
    }
}

/// A, Delta (one matrix per layer) and Z^(L) of some rows: the workspace's own matrices, or
/// views of a group's rows of them.
type Buffers<'b, S> = (
    &'b mut Layers<S>,
    &'b mut Layers<S>,
    &'b mut ArrayBase<S, Ix2>,
);

/// One matrix per layer (A or Delta) of some rows.
type Layers<S> = [ArrayBase<S, Ix2>];

/// One view per layer, kept on the stack for networks of up to 8 weight layers: a step then
/// allocates nothing.
type PerLayer<'a, T> = SmallVec<[ArrayViewMut2<'a, T>; 8]>;

/// One group's share of the work buffers (its rows of every A, Delta and Z^(L)), its gradient
/// buffer, and the sum of its examples' costs.
struct Group<'a, T> {
    chunks: Range<usize>,
    a: PerLayer<'a, T>,
    delta: PerLayer<'a, T>,
    z_out: ArrayViewMut2<'a, T>,
    /// Where to sum the gradient (none: forward propagation only).
    grad: Option<&'a mut Params<T>>,
    total: f64,
}

/// The first `len` rows of `v`, which keeps the rest.
fn take_rows<'a, T>(v: &mut ArrayViewMut2<'a, T>, len: usize) -> ArrayViewMut2<'a, T> {
    let empty = ArrayViewMut2::from_shape((0, 0), &mut []).expect("invariant: empty shape");
    let (head, tail) = std::mem::replace(v, empty).split_at(Axis(0), len);
    *v = tail;
    head
}

/// Calls `f(group, threads)` for every group, sharing `threads` threads out among them; one
/// group gets every thread.
fn run_groups<J: Send>(jobs: &mut [J], threads: usize, f: &(impl Fn(&mut J, usize) + Sync)) {
    match jobs {
        [] => {}
        [job] => f(job, threads),
        _ if threads <= 1 => jobs.iter_mut().for_each(|job| f(job, 1)),
        _ => {
            let left = jobs.len() / 2;
            let left_threads = (threads * left / jobs.len()).max(1);
            let (a, b) = jobs.split_at_mut(left);
            rayon::join(
                || run_groups(a, left_threads, f),
                || run_groups(b, threads - left_threads, f),
            );
        }
    }
}

impl<T: Float> Network<T> {
    /// Whether a training step on a batch of m rows makes splits for other threads to take
    /// up (see `pool::in_pool`).
    pub(crate) fn step_splits(&self, m: usize) -> bool {
        Plan::new(m, true, self.sizes()).splits(self.sizes())
    }

    /// Forward propagation of `x` into `ws`; with targets `y`, also the summed data term of the
    /// cost (returned; 0 without `y`); with `grad` too, backpropagation and the gradient.
    pub(super) fn passes(
        &self,
        x: ArrayView2<'_, T>,
        y: Option<ArrayView2<'_, T>>,
        lambda: f64,
        ws: &mut Workspace<T>,
        mut grad: Option<&mut Params<T>>,
    ) -> f64 {
        let m = x.nrows();
        // The cost alone is summed the way the gradient's pass sums it: J comes out the same
        // bits either way.
        let plan = Plan::new(m, y.is_some(), self.sizes());
        let threads = ws.threads;
        ws.prepare(self.sizes(), m, grad.is_some());
        let partials = if grad.is_some() { plan.groups - 1 } else { 0 };
        if partials > 0
            && (ws.partials.len() < partials
                || ws.partials.first().map(Params::len) != Some(self.params().len()))
        {
            ws.partials = (0..partials).map(|_| self.params().zeros_like()).collect();
        }
        let inv_m = T::of(1.0 / m as f64);
        let splits = plan.splits(self.sizes());
        if plan.groups == 1 {
            // One group: the passes run on the workspace's own buffers, nothing to set up.
            let buffers = (&mut ws.a[..], &mut ws.delta[..], &mut ws.z_out);
            let sums = grad.as_deref_mut();
            let total = in_pool(threads, splits, || {
                self.run_chunks(buffers, 0..plan.chunks, x, y, &plan, sums, inv_m, threads)
            });
            if let Some(grad) = grad {
                let decay = T::of(lambda / m as f64);
                self.reduce_gradient(grad, &[], decay, threads);
            }
            return total;
        }
        // Each group takes its rows off the front of what is left of every buffer.
        let rows = s![..m, ..];
        let mut a: PerLayer<'_, T> = ws.a.iter_mut().map(|a| a.slice_mut(rows)).collect();
        let mut delta: PerLayer<'_, T> = ws.delta.iter_mut().map(|d| d.slice_mut(rows)).collect();
        let mut z_out = ws.z_out.slice_mut(rows);
        // The first group sums into `grad`, the others into the workspace's partial sums.
        let mut sums = grad
            .as_deref_mut()
            .map(|grad| std::iter::once(grad).chain(ws.partials.iter_mut()));
        let mut groups: SmallVec<[Group<'_, T>; MAX_GROUPS]> = (0..plan.groups)
            .map(|g| {
                let len = plan.group_rows(g).len();
                Group {
                    chunks: plan.chunks_of(g),
                    a: a.iter_mut().map(|a| take_rows(a, len)).collect(),
                    delta: delta.iter_mut().map(|d| take_rows(d, len)).collect(),
                    z_out: take_rows(&mut z_out, len),
                    grad: sums.as_mut().and_then(Iterator::next),
                    total: 0.0,
                }
            })
            .collect();
        in_pool(threads, splits, || {
            run_groups(&mut groups, threads, &|group, threads| {
                let buffers = (&mut group.a[..], &mut group.delta[..], &mut group.z_out);
                let grad = group.grad.as_deref_mut();
                let chunks = group.chunks.clone();
                group.total = self.run_chunks(buffers, chunks, x, y, &plan, grad, inv_m, threads);
            });
        });
        let total = groups.iter().map(|g| g.total).sum();
        drop(groups);
        if let Some(grad) = grad {
            let decay = T::of(lambda / m as f64);
            self.reduce_gradient(grad, &ws.partials[..partials], decay, threads);
        }
        total
    }

    /// The passes over the chunks `chunks`, in order, on `buffers` (A, Delta and Z^(L) of the
    /// rows from the first chunk's start): returns the summed data term of their cost (0
    /// without `y`), and sums their gradient into `grad` when given.
    #[allow(clippy::too_many_arguments)]
    fn run_chunks<S: DataMut<Elem = T>>(
        &self,
        (a, delta, z_out): Buffers<'_, S>,
        chunks: Range<usize>,
        x: ArrayView2<'_, T>,
        y: Option<ArrayView2<'_, T>>,
        plan: &Plan,
        mut grad: Option<&mut Params<T>>,
        inv_m: T,
        threads: usize,
    ) -> f64 {
        let last = self.activations().len() - 1;
        let first_row = plan.rows(chunks.start).start;
        let mut total = 0.0;
        for (i, c) in chunks.enumerate() {
            let rows = plan.rows(c);
            let local = rows.start - first_row..rows.end - first_row;
            let xc = x.slice(s![rows.clone(), ..]);
            self.forward_rows(xc, a, z_out, &local, threads);
            let Some(y) = y else { continue };
            let yc = y.slice(s![rows, ..]);
            let (z, out) = (
                z_out.slice(s![local.clone(), ..]),
                a[last].slice(s![local.clone(), ..]),
            );
            total += self.loss().total(z, out, yc);
            if let Some(grad) = grad.as_deref_mut() {
                let buffers = (&a[..], &mut delta[..]);
                self.backward_rows(xc, yc, buffers, &local, (grad, i > 0, inv_m), threads);
            }
        }
        total
    }

    /// Z^(l) = A^(l-1) W^(l)T + b^(l), A^(l) = g(Z^(l)) for the rows `r` of the group's
    /// buffers; `x` holds the same rows of the inputs.
    fn forward_rows<S: DataMut<Elem = T>>(
        &self,
        x: ArrayView2<'_, T>,
        a: &mut Layers<S>,
        z_out: &mut ArrayBase<S, Ix2>,
        r: &Range<usize>,
        threads: usize,
    ) {
        let last = self.activations().len() - 1;
        for (k, &g) in self.activations().iter().enumerate() {
            let (before, rest) = a.split_at_mut(k);
            let input = match k {
                0 => x.view(),
                _ => before[k - 1].slice(s![r.clone(), ..]),
            };
            let mut z = rest[0].slice_mut(s![r.clone(), ..]);
            let (w, b) = (self.params().weights(k), self.params().bias(k));
            matmul(&mut z, false, input, w.t(), T::one(), threads);
            if k == last {
                // The cross-entropies are evaluated from Z^(L) (log-sigmoid, log-softmax).
                let mut z_out = z_out.slice_mut(s![r.clone(), ..]);
                z_out.assign(&z);
                for mut row in z_out.rows_mut() {
                    row += &b;
                }
            }
            g.bias_and_apply_threads(z, b, threads);
        }
    }

    /// Backpropagation over the rows `r` after their forward pass: Delta^(L) from the loss,
    /// Delta^(l) = (Delta^(l+1) W^(l+1)) ⊙ g'(Z^(l)), and with `(grad, accumulate, inv_m)`
    /// the rows' share of the gradient, (1/m) Delta^(l)T A^(l-1) and (1/m) sum of the
    /// rows of Delta^(l), written into `grad` (added to it when `accumulate`).
    fn backward_rows<S: DataMut<Elem = T>>(
        &self,
        x: ArrayView2<'_, T>,
        y: ArrayView2<'_, T>,
        (a, delta): (&Layers<S>, &mut Layers<S>),
        r: &Range<usize>,
        (grad, accumulate, inv_m): (&mut Params<T>, bool, T),
        threads: usize,
    ) {
        let rows = || s![r.clone(), ..];
        let acts = self.activations();
        let last = acts.len() - 1;
        self.loss().output_delta(
            acts[last],
            a[last].slice(rows()),
            y,
            delta[last].slice_mut(rows()),
        );
        for k in (0..=last).rev() {
            let input = match k {
                0 => x.view(),
                _ => a[k - 1].slice(rows()),
            };
            let (mut gw, gb) = grad.layer_mut(k);
            let d = delta[k].slice(rows());
            matmul(&mut gw, accumulate, d.t(), input, inv_m, threads);
            bias_gradient(d, gb, inv_m, accumulate, threads);
            if k > 0 {
                let (lower, upper) = delta.split_at_mut(k);
                let mut below = lower[k - 1].slice_mut(rows());
                let w = self.params().weights(k);
                matmul(
                    &mut below,
                    false,
                    upper[0].slice(rows()),
                    w,
                    T::one(),
                    threads,
                );
                acts[k - 1].backprop_from_output_threads(a[k - 1].slice(rows()), below, threads);
            }
        }
    }

    /// dJ/dW = (sum of the groups' (1/m) Delta^T A, in group order) + `decay` W, with
    /// `decay` = lambda/m; the biases have no decay term.
    fn reduce_gradient(
        &self,
        grad: &mut Params<T>,
        partials: &[Params<T>],
        decay: T,
        threads: usize,
    ) {
        if !partials.is_empty() {
            let blocks = blocks_for(threads, grad.len() * partials.len(), PAR_MIN_ELEMENTS);
            par_blocks(grad.as_mut_slice(), blocks, |g, first| {
                vectorized(
                    #[inline(always)]
                    || {
                        for p in partials {
                            for (g, &v) in g.iter_mut().zip(&p.as_slice()[first..]) {
                                *g += v;
                            }
                        }
                    },
                );
            });
        }
        if decay == T::zero() {
            return;
        }
        let params = self.params();
        for k in 0..params.n_layers() {
            let (rows, cols) = params.shape(k);
            let weights = params.offset(k)..params.offset(k) + rows * cols;
            let g = &mut grad.as_mut_slice()[weights.clone()];
            let w = &params.as_slice()[weights];
            let blocks = blocks_for(threads, g.len(), PAR_MIN_ELEMENTS);
            par_blocks((g, w), blocks, |(g, w), _| {
                vectorized(
                    #[inline(always)]
                    || {
                        // A local copy, so that the loop does not reload it (see `optim`).
                        let decay_here = decay;
                        for (g, &w) in g.iter_mut().zip(w) {
                            *g += decay_here * w;
                        }
                    },
                );
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradcheck::{GradCheckConfig, gradient_check};
    use crate::{Activation, Init, Loss};
    use ndarray::Array2;

    fn net(sizes: &[usize], loss: Loss, output: Activation) -> Network<f64> {
        let mut acts = vec![Activation::Tanh; sizes.len() - 2];
        acts.push(output);
        Network::seeded(sizes, &acts, loss, Init::Glorot, 7).unwrap()
    }

    fn data(m: usize, n: usize, k: usize) -> (Array2<f64>, Array2<f64>) {
        let x = Array2::from_shape_fn((m, n), |(i, j)| {
            ((i * 37 + j * 11) % 23) as f64 / 11.0 - 1.0
        });
        let y = Array2::from_shape_fn((m, k), |(i, j)| ((i + j) % k == 0) as u8 as f64);
        (x, y)
    }

    #[test]
    fn plans_cover_every_row_once_in_order() {
        let networks: [&[usize]; 3] = [&[20, 30, 5], &[32, 128, 128, 1], &[784, 512, 256, 10]];
        for (m, sizes) in [1, 2, 127, 128, 255, 256, 511, 512, 513, 1000, 5000, 60_000]
            .into_iter()
            .flat_map(|m| networks.map(|sizes| (m, sizes)))
        {
            for cost in [false, true] {
                let plan = Plan::new(m, cost, sizes);
                assert!(plan.groups >= 1 && plan.groups <= plan.chunks, "{m}");
                let mut next = 0;
                for g in 0..plan.groups {
                    assert_eq!(plan.group_rows(g).start, next, "{m}");
                    for c in plan.chunks_of(g) {
                        let rows = plan.rows(c);
                        assert!(rows.start == next && rows.end > rows.start, "{m}");
                        assert!(!cost || m <= SPLIT_MIN_ROWS || rows.len() <= CHUNK_MAX_ROWS);
                        next = rows.end;
                    }
                    assert_eq!(plan.group_rows(g).end, next, "{m}");
                }
                assert_eq!(next, m);
            }
        }
    }

    #[test]
    fn batches_of_small_products_are_cut_in_two() {
        // W3's 32-128-128-1 at 128 to 400 rows: no product is split, so the two threads take
        // half of the rows each; W1's products at 256 rows are split instead, and a tiny network
        // is not worth a second thread.
        let chunks = |m, sizes: &[usize]| Plan::new(m, true, sizes).chunks;
        assert_eq!(chunks(256, &[32, 128, 128, 1]), 2);
        // The two-chunk case of the allocation test.
        assert_eq!(chunks(256, &[32, 128, 128, 10]), 2);
        assert_eq!(chunks(400, &[32, 128, 128, 1]), 2);
        // 512 x 128 x 128 is large enough to be split itself.
        assert_eq!(chunks(512, &[32, 128, 128, 1]), 1);
        assert_eq!(chunks(128, &[32, 128, 128, 1]), 2);
        assert_eq!(chunks(127, &[32, 128, 128, 1]), 1);
        assert_eq!(chunks(256, &[784, 512, 256, 10]), 1);
        assert_eq!(chunks(512, &[4, 100, 3]), 1);
        assert!(Plan::new(256, true, &[32, 128, 128, 1]).splits(&[32, 128, 128, 1]));
        assert!(Plan::new(128, true, &[784, 512, 256, 10]).splits(&[784, 512, 256, 10]));
        assert!(!Plan::new(150, true, &[4, 100, 3]).splits(&[4, 100, 3]));
    }

    #[test]
    fn a_gradient_summed_chunk_by_chunk_passes_the_gradient_check() {
        // 700 rows: three chunks in three groups, each with its own gradient sum.
        assert!(Plan::new(700, true, &[5, 4, 3]).groups == 3);
        let (x, y) = data(700, 5, 3);
        let net = net(&[5, 4, 3], Loss::CrossEntropy, Activation::Sigmoid);
        let check = gradient_check(&net, x.view(), y.view(), 0.7, &GradCheckConfig::default());
        let check = check.unwrap();
        assert!(
            check.max_relative_error < 1e-8,
            "{}",
            check.max_relative_error
        );
    }

    #[test]
    fn the_chunked_gradient_is_the_weighted_sum_of_the_batches_gradients() {
        // Batches of at most SPLIT_MIN_ROWS rows are one chunk: the whole 1300 rows (six
        // chunks) must give what three 1-chunk batches give, weighted by their sizes.
        let (x, y) = data(1300, 6, 4);
        let net = net(&[6, 9, 4], Loss::SoftmaxCrossEntropy, Activation::Softmax);
        let mut ws = Workspace::new(2);
        let mut whole = net.params().zeros_like();
        let cost = net
            .cost_and_gradient(x.view(), y.view(), 0.0, &mut ws, &mut whole)
            .unwrap();
        let (mut sum, mut data_sum) = (net.params().zeros_like(), 0.0);
        let mut part = net.params().zeros_like();
        for rows in [0..500, 500..1000, 1000..1300] {
            let len = rows.len() as f64;
            let (xb, yb) = (x.slice(s![rows.clone(), ..]), y.slice(s![rows, ..]));
            let c = net
                .cost_and_gradient(xb, yb, 0.0, &mut ws, &mut part)
                .unwrap();
            data_sum += c.data * len / 1300.0;
            for (s, &p) in sum.as_mut_slice().iter_mut().zip(part.as_slice()) {
                *s += p * len / 1300.0;
            }
        }
        assert!((cost.data - data_sum).abs() < 1e-14 * cost.data.abs());
        for (a, b) in whole.as_slice().iter().zip(sum.as_slice()) {
            assert!((a - b).abs() <= 1e-14 + 1e-12 * b.abs(), "{a} vs {b}");
        }
    }

    #[test]
    fn passes_give_the_same_bits_on_any_number_of_threads() {
        // 300 rows of the wider network: two chunks of small products.
        for (m, hidden) in [(300, 25), (1000, 25), (5000, 25), (300, 300)] {
            let (x, y) = data(m, 40, 10);
            let net = net(&[40, hidden, 10], Loss::CrossEntropy, Activation::Sigmoid);
            assert_eq!(hidden == 300, Plan::new(m, true, net.sizes()).chunks == 2);
            let run = |threads: usize| {
                let mut ws = Workspace::new(threads);
                let mut grad = net.params().zeros_like();
                let cost = net
                    .cost_and_gradient(x.view(), y.view(), 1.0, &mut ws, &mut grad)
                    .unwrap();
                let out = net.forward(x.view(), &mut ws).unwrap().to_owned();
                let only = net.cost(x.view(), y.view(), 1.0, &mut ws).unwrap();
                (cost.total().to_bits(), only.total().to_bits(), grad, out)
            };
            let one = run(1);
            assert_eq!(one.0, one.1, "J from the cost alone and with the gradient");
            for threads in [2, 3, 4] {
                assert!(run(threads) == one, "{m} rows, {threads} threads");
            }
        }
    }
}
