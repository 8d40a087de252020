//! Helpers that share a pass out among the threads of rayon's pool: running a whole pass (or a
//! training run) on the pool, and cutting rows or flat buffers into blocks whose results do not
//! depend on the number of blocks.

use ndarray::{ArrayViewMut2, Axis};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs `f` on a thread of rayon's pool when it may use several threads.
///
/// A split (`rayon::join`) made from outside the pool hands both halves to the pool and puts
/// the caller to sleep until they are done: two thread wake-ups per split, each tens of
/// microseconds on a virtual machine. Made from a pool thread, the split keeps one half and
/// the other is taken by a neighbour. So `f` (a whole training run, or a pass) moves onto the
/// pool once and makes its splits from there, while up to `threads - 1` other pool threads
/// spin, ready to take a half at once. The spinners run whatever the pool is given meanwhile,
/// so work sent to the pool from other threads during a run may run inside them.
///
/// `splits`: whether `f` makes splits at all (row groups, or products large enough to be
/// split); if not, it runs where it is.
pub(crate) fn in_pool<R: Send>(threads: usize, splits: bool, f: impl FnOnce() -> R + Send) -> R {
    if threads <= 1 || !splits || rayon::current_thread_index().is_some() {
        return f();
    }
    let done = &AtomicBool::new(false);
    let helpers = threads.min(rayon::current_num_threads()) - 1;
    // `join` from outside the pool runs both closures on pool threads: `f` on one, and on the
    // others (as they take them up) spinners that keep taking `f`'s split halves until it is
    // done, instead of falling asleep between splits. Joins need no heap allocation.
    let (result, ()) = rayon::join(
        || {
            // Set when `f` returns or unwinds: the join waits for the spinners.
            let _stop = Stop(done);
            f()
        },
        || spin(done, helpers),
    );
    result
}

/// Runs `helpers` spinners (see [`in_pool`]) until `done`.
fn spin(done: &AtomicBool, helpers: usize) {
    if helpers == 0 {
        return;
    }
    let me = rayon::current_thread_index();
    rayon::join(
        || {
            while !done.load(Ordering::Relaxed) {
                if let Some(rayon::Yield::Idle) = rayon::yield_now() {
                    std::hint::spin_loop();
                }
            }
        },
        || {
            // A further spinner, unless this thread takes it back itself (then it has one).
            if rayon::current_thread_index() != me {
                spin(done, helpers - 1);
            }
        },
    );
}

/// Sets its flag when dropped.
struct Stop<'a>(&'a AtomicBool);

impl Drop for Stop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Elementwise passes over fewer elements than this run on the calling thread: below it, waking
/// a second thread costs more than it saves. Passes that evaluate an exponential per element
/// use [`PAR_MIN_TRANSCENDENTAL`] instead.
pub(crate) const PAR_MIN_ELEMENTS: usize = 1 << 17;

/// The threshold of [`PAR_MIN_ELEMENTS`] for passes that evaluate an exponential (or tanh)
/// per element, which cost a few times as much per element.
pub(crate) const PAR_MIN_TRANSCENDENTAL: usize = 1 << 16;

/// How many blocks a pass over `elements` elements is split into: one per thread when there
/// are at least `min_elements`, else one. On a pool thread (see [`in_pool`]) a split costs a
/// few microseconds instead of two thread wake-ups, and passes a quarter that size are split.
pub(crate) fn blocks_for(threads: usize, elements: usize, min_elements: usize) -> usize {
    let min_elements = match rayon::current_thread_index() {
        Some(_) => min_elements / 4,
        None => min_elements,
    };
    if elements >= min_elements {
        threads.max(1)
    } else {
        1
    }
}

/// Calls `f(block, rows)` on `blocks` consecutive blocks of the rows of `z` (`rows`: their
/// indices in `z`), in parallel on rayon's pool.
///
/// The blocks depend only on the shape and `blocks`, never on timing; the passes built on it are
/// elementwise or sum along columns only (each element is computed the same way whatever block
/// holds it), so their results do not depend on the number of blocks.
pub(crate) fn par_row_blocks<T: Send>(
    z: ArrayViewMut2<'_, T>,
    blocks: usize,
    f: impl Fn(ArrayViewMut2<'_, T>, Range<usize>) + Sync,
) {
    let blocks = blocks.min(z.nrows()).max(1);
    split_rows(z, 0, blocks, &f);
}

fn split_rows<T: Send>(
    z: ArrayViewMut2<'_, T>,
    start: usize,
    blocks: usize,
    f: &(impl Fn(ArrayViewMut2<'_, T>, Range<usize>) + Sync),
) {
    let rows = z.nrows();
    if blocks <= 1 {
        f(z, start..start + rows);
        return;
    }
    let left = blocks / 2;
    let mid = rows * left / blocks;
    let (top, bottom) = z.split_at(Axis(0), mid);
    rayon::join(
        || split_rows(top, start, left, f),
        || split_rows(bottom, start + mid, blocks - left, f),
    );
}

/// Slices (or tuples of slices of one length) that [`par_blocks`] cuts into blocks.
pub(crate) trait Blocks: Send + Sized {
    /// The common length.
    fn len(&self) -> usize;
    /// The first `mid` elements and the rest.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<T: Send> Blocks for &mut [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

impl<T: Sync> Blocks for &[T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        <[T]>::split_at(self, mid)
    }
}

impl<A: Blocks, B: Blocks> Blocks for (A, B) {
    fn len(&self) -> usize {
        self.0.len().min(self.1.len())
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a0, a1) = self.0.split_at(mid);
        let (b0, b1) = self.1.split_at(mid);
        ((a0, b0), (a1, b1))
    }
}

/// Calls `f(block, offset)` on `blocks` consecutive blocks of `w` (`offset`: the index of the
/// block's first element), in parallel on rayon's pool. Same guarantees as
/// [`par_row_blocks`].
pub(crate) fn par_blocks<B: Blocks>(w: B, blocks: usize, f: impl Fn(B, usize) + Sync) {
    let blocks = blocks.min(w.len()).max(1);
    split_blocks(w, 0, blocks, &f);
}

fn split_blocks<B: Blocks>(w: B, start: usize, blocks: usize, f: &(impl Fn(B, usize) + Sync)) {
    if blocks <= 1 {
        f(w, start);
        return;
    }
    let left = blocks / 2;
    let mid = w.len() * left / blocks;
    let (a, b) = w.split_at(mid);
    rayon::join(
        || split_blocks(a, start, left, f),
        || split_blocks(b, start + mid, blocks - left, f),
    );
}
