//! The driver of the passes: a batch cut into chunks of rows, the chunks shared out among
//! threads, and their sums added in order. The math of a chunk is [`crate::passes`]'s; this
//! module only decides which rows go where and when.
//!
//! Examples (rows) are independent in forward propagation and in the error deltas; they meet
//! only in the sums over examples: the gradient's Delta^T A, the bias gradient and the cost.
//! So a batch is cut into chunks of consecutive rows, each chunk runs the whole forward and
//! backward pass on its rows, and the chunks' sums are added at the end. A chunk's products are
//! small enough to stay in cache between the forward and the backward pass, and the threads
//! meet once per pass instead of once per product.
//!
//! The cut depends on m, the layer sizes and the number type alone (see [`Plan`]) and the
//! chunks' sums are added in chunk order, so the results depend on the batch and never on the
//! number of threads, nor on the number of processes that share the groups (see
//! [`crate::peers`]).

use crate::dropout::Dropout;
use crate::float::Float;
use crate::kernels::add_in_order;
use crate::linalg::SPLIT_MIN_WORK;
use crate::network::Network;
use crate::params::Params;
use crate::passes::{self, Layers};
use crate::peers::add_totals;
use crate::pool::in_pool;
use crate::workspace::Workspace;
use ndarray::{ArrayBase, ArrayView2, ArrayViewMut2, Axis, DataMut, Ix2, s};
use smallvec::{SmallVec, smallvec};
use std::ops::Range;

/// Batches of at most this many rows are one chunk in a pass with a cost (or two, see
/// [`TWO_CHUNKS_MIN_WORK`]): the products of smaller chunks run far below the machine's speed,
/// and each chunk group costs a copy of the gradient. (Their products are still split over
/// threads, see [`crate::linalg::matmul`].)
const SPLIT_MIN_ROWS: usize = 512;

/// Rows per chunk, at most, of a pass with a cost: a chunk's inputs and activations then
/// stay in the core's cache from the forward pass to the gradient's products.
const CHUNK_MAX_ROWS: usize = 256;

/// ... and no more rows than keep a chunk's input within this many bytes, so that the
/// gradient's product dJ/dW^(2) = Delta^T X still finds them in the core's L2 cache (512 KiB
/// or more on current cores) after the forward pass brought them in. W2's 400 float64 inputs
/// are 3,200 bytes a row: 128 rows instead of 256 (800 KB, more than that L2 holds) made its
/// full-batch steps 1.03-1.04 times as fast (medians of 8 and 10 alternating runs,
/// faster in 6 of each).
const CHUNK_INPUT_BYTES: usize = 400 << 10;

/// The fewest rows the input's size cuts a chunk to: the gradient's products sum over the
/// chunk's rows, and shorter sums run below the machine's speed (64-row chunks gave W2 no
/// gain over 256 in the same runs).
const CHUNK_MIN_ROWS: usize = 128;

/// Rows per chunk, at least, of forward propagation alone: the chunks are only there to share
/// the rows out among threads (each row's outputs do not depend on the cut).
const CHUNK_ROWS_FORWARD: usize = 256;

/// A batch of [`TWO_CHUNKS_MIN_ROWS`] to [`SPLIT_MIN_ROWS`] rows whose products are all too
/// small to be split over threads (see [`crate::linalg::matmul`]) is cut in two chunks, one
/// for each of two threads, when its forward products make at least this many multiply-adds
/// (a third of the step's): below, a thread's share costs less than handing it over. The cut does not depend
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
/// the groups' buffers are added at the end, in order. The cut is a function of m, the
/// network's layer sizes and the size of its numbers, never of the number of threads.
#[derive(Clone, Copy, Debug)]
struct Plan {
    m: usize,
    chunks: usize,
    groups: usize,
}

impl Plan {
    /// The cut of a pass with a cost (and gradient), or of forward propagation alone, over m
    /// rows of a network of layer sizes `sizes` computing in `T`.
    fn new<T: Float>(m: usize, cost: bool, sizes: &[usize]) -> Self {
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
            true => {
                let row_bytes = sizes.first().map_or(1, |&n| n * T::BYTES).max(1);
                let rows = (CHUNK_INPUT_BYTES / row_bytes).clamp(CHUNK_MIN_ROWS, CHUNK_MAX_ROWS);
                m.div_ceil(rows)
            }
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
    /// groups, or a product over a chunk's rows large enough to be split (see
    /// [`crate::linalg::matmul`]).
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

/// Whether a training step on a batch of m rows makes splits for other threads to take up
/// (see [`in_pool`]).
pub(crate) fn step_splits<T: Float>(net: &Network<T>, m: usize) -> bool {
    Plan::new::<T>(m, true, net.sizes()).splits(net.sizes())
}

/// What every chunk of a pass reads: the network, the batch, its cut, 1/m, and the dropout
/// of a training pass (its masks are drawn by the batch's row, whatever the cut).
struct Pass<'a, T> {
    net: &'a Network<T>,
    x: ArrayView2<'a, T>,
    y: Option<ArrayView2<'a, T>>,
    /// The batch's row that is row 0 of `x` and `y` (0 but for a batch read in pieces, see
    /// [`stream`]).
    offset: usize,
    plan: Plan,
    inv_m: T,
    dropout: Option<Dropout>,
}

/// Forward propagation of `x` into `ws`; with targets `y`, also the summed data term of the
/// cost (returned; 0 without `y`); with `grad` too, backpropagation and the gradient, L2 term
/// included (strength `lambda`). Shapes are the caller's to check.
///
/// A pass with a cost on a workspace shared with other processes computes this process's
/// share of the groups, and the chain fold of [`crate::peers`] adds every group's sums in the
/// order one process adds them.
pub(crate) fn run<T: Float>(
    net: &Network<T>,
    x: ArrayView2<'_, T>,
    y: Option<ArrayView2<'_, T>>,
    lambda: f64,
    ws: &mut Workspace<T>,
    mut grad: Option<&mut Params<T>>,
) -> f64 {
    let m = x.nrows();
    // The cost alone is summed the way the gradient's pass sums it: J comes out the same
    // bits either way.
    let plan = Plan::new::<T>(m, y.is_some(), net.sizes());
    let threads = ws.threads();
    let shared = y.is_some() && ws.cluster.is_some();
    let owned = match (&ws.cluster, shared) {
        (Some(cluster), true) => cluster.share(plan.groups),
        _ => 0..plan.groups,
    };
    ws.prepare(net.sizes(), m, grad.is_some());
    ws.computed = match owned.is_empty() {
        true => 0..0,
        false => plan.group_rows(owned.start).start..plan.group_rows(owned.end - 1).end,
    };
    let partials = if grad.is_some() {
        owned.len().saturating_sub(1)
    } else {
        0
    };
    if partials > 0
        && (ws.partials.len() < partials
            || ws.partials.first().map(Params::len) != Some(net.params().len()))
    {
        ws.partials = (0..partials).map(|_| net.params().zeros_like()).collect();
    }
    let inv_m = T::of(1.0 / m as f64);
    let splits = plan.splits(net.sizes());
    let pass = Pass {
        net,
        x,
        y,
        offset: 0,
        plan,
        inv_m,
        // Only passes with a cost train; prediction is never masked.
        dropout: ws.dropout.filter(|_| y.is_some()),
    };
    let totals: SmallVec<[f64; MAX_GROUPS]> = if plan.groups == 1 && owned.len() == 1 {
        // One group: the passes run on the workspace's own buffers, nothing to set up.
        let buffers = (&mut ws.a[..], &mut ws.delta[..], &mut ws.z_out);
        let sums = grad.as_deref_mut();
        let total = in_pool(threads, splits, || {
            let from = Segment::group(&plan, 0..plan.chunks);
            run_chunks(&pass, buffers, 0..plan.chunks, sums, threads, from)
        });
        smallvec![total]
    } else {
        run_groups_of(&pass, ws, grad.as_deref_mut(), owned, threads, splits)
    };
    let parts: SmallVec<[&[T]; MAX_GROUPS]> = ws.partials[..partials]
        .iter()
        .map(Params::as_slice)
        .collect();
    let total = match ws.cluster.as_mut().filter(|_| shared) {
        Some(cluster) => {
            let sums = grad.as_deref_mut().map(|g| (g.as_mut_slice(), &parts[..]));
            cluster.fold(&totals, sums, threads)
        }
        None => {
            if let Some(grad) = grad.as_deref_mut() {
                add_in_order(grad.as_mut_slice(), &parts, threads);
            }
            add_totals(None, &totals).unwrap_or(0.0)
        }
    };
    if let Some(grad) = grad {
        let decay = T::of(lambda / m as f64);
        passes::l2_gradient(net.params(), grad, decay, threads);
    }
    total
}

/// The passes of the groups `owned` of a plan, each on its own rows of the workspace's
/// buffers; the first of them sums its gradient into `grad`, the others into the workspace's
/// partial sums. Returns the summed data term of each group's cost, in order.
fn run_groups_of<T: Float>(
    pass: &Pass<'_, T>,
    ws: &mut Workspace<T>,
    grad: Option<&mut Params<T>>,
    owned: Range<usize>,
    threads: usize,
    splits: bool,
) -> SmallVec<[f64; MAX_GROUPS]> {
    let plan = &pass.plan;
    // Each group takes its rows off the front of what is left of every buffer, after the rows
    // of the groups computed elsewhere.
    let rows = s![..plan.m, ..];
    let mut a: PerLayer<'_, T> = ws.a.iter_mut().map(|a| a.slice_mut(rows)).collect();
    let mut delta: PerLayer<'_, T> = ws.delta.iter_mut().map(|d| d.slice_mut(rows)).collect();
    let mut z_out = ws.z_out.slice_mut(rows);
    let skip = match owned.is_empty() {
        true => plan.m,
        false => plan.group_rows(owned.start).start,
    };
    for a in a.iter_mut().chain(delta.iter_mut()) {
        take_rows(a, skip);
    }
    take_rows(&mut z_out, skip);
    let mut sums = grad.map(|grad| std::iter::once(grad).chain(ws.partials.iter_mut()));
    let mut groups: SmallVec<[Group<'_, T>; MAX_GROUPS]> = owned
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
            let from = Segment::group(&pass.plan, chunks.clone());
            group.total = run_chunks(pass, buffers, chunks, grad, threads, from);
        });
    });
    groups.iter().map(|g| g.total).collect()
}

/// Where a run of chunks stands in its group: the batch's row at which the buffers start, the
/// group's first chunk (whose gradient is written into the group's buffer, the others' added),
/// and the group's summed cost so far.
#[derive(Clone, Copy)]
struct Segment {
    base: usize,
    group_start: usize,
    total: f64,
}

impl Segment {
    /// A whole group's chunks `chunks`, on buffers that start at its first row.
    fn group(plan: &Plan, chunks: Range<usize>) -> Self {
        Segment {
            base: plan.rows(chunks.start).start,
            group_start: chunks.start,
            total: 0.0,
        }
    }
}

/// The passes over the chunks `chunks` of a group, in order, on `buffers` (A, Delta and Z^(L)
/// of the rows from `from.base`): returns the summed data term of the group's cost so far
/// (`from.total` plus theirs; 0 without targets), and sums their gradient into `grad` when
/// given (the group's first chunk writes it, the others add to it).
fn run_chunks<T: Float, S: DataMut<Elem = T>>(
    pass: &Pass<'_, T>,
    (a, delta, z_out): Buffers<'_, S>,
    chunks: Range<usize>,
    mut grad: Option<&mut Params<T>>,
    threads: usize,
    from: Segment,
) -> f64 {
    let net = pass.net;
    let last = net.activations().len() - 1;
    let first_row = from.base;
    let mut total = from.total;
    for c in chunks {
        let rows = pass.plan.rows(c);
        let local = rows.start - first_row..rows.end - first_row;
        let own = rows.start - pass.offset..rows.end - pass.offset;
        let xc = pass.x.slice(s![own.clone(), ..]);
        let dropout = pass.dropout.map(|d| (d, rows.start));
        passes::forward(net, xc, a, z_out, &local, dropout, threads);
        let Some(y) = pass.y else { continue };
        let yc = y.slice(s![own, ..]);
        let (z, out) = (
            z_out.slice(s![local.clone(), ..]),
            a[last].slice(s![local.clone(), ..]),
        );
        total += net.loss().total(z, out, yc);
        if let Some(grad) = grad.as_deref_mut() {
            let sums = (grad, c > from.group_start, pass.inv_m);
            passes::backward(net, (xc, yc), a, delta, &local, sums, dropout, threads);
        }
    }
    total
}

mod stream;
pub(crate) use stream::{RowSource, cost_in_pieces, full_batch};

#[cfg(test)]
mod tests;
