//! Training on several processes (over MPI, say) with the results of one, bit for bit.
//!
//! The gradient of J is a sum over examples. One process sums it by a fixed plan (see
//! `driver`): a batch of m rows is cut into G groups of consecutive rows, a function of m,
//! the layer sizes and the number type alone; group g sums its chunks' gradients into a buffer
//! g_g and the sum of its examples' costs into t_g, and the groups are added as a left fold,
//! element by element:
//!
//! dJ/dW = ((g_0 + g_1) + g_2) + ... + g_(G-1),   total = ((t_0 + t_1) + t_2) + ... + t_(G-1).
//!
//! On N processes ([`Peers`]), process r computes the groups [G r / N, G (r + 1) / N) (none
//! when G < N and its share rounds to nothing), on its own threads, exactly as one process
//! computes them. The fold then runs along the chain of processes: process 0 starts it from its
//! first group (not from zeros, whose 0 + (-0) = +0 would change a bit), adds its other groups
//! in order and sends the running sums to process 1, which adds its groups in order and sends
//! on, and so on; the last process, which always holds a group, broadcasts the result to all.
//! Each process adds exactly the numbers, in exactly the order, that the single process adds,
//! so every process ends with the single process's bits. A process without groups passes the
//! running sums on unchanged.
//!
//! What travels per pass: a 16-byte header (the running total and two flags: "a sum has
//! started" and "stop") and, with a gradient, the P parameters' running sums at the network's
//! precision (4 or 8 bytes each), in segments of [`SEGMENT_BYTES`] so that process r + 1 adds
//! one segment while process r sends the next. Per step: N - 1 hops of P x precision bytes
//! along the chain, then the broadcast of the same bytes.
//!
//! The header's "stop" flag is the OR over the processes of their requests to stop (a signal
//! that reached any of them), so that every process stops after the same step (see
//! [`crate::Hooks::interrupted`]).
//!
//! Every process holds the whole training set and runs the same optimizer on the same
//! gradient, so all hold the same weights; only the work of the passes with a cost is shared
//! out. Forward propagation alone (prediction, validation) stays on each process.

use crate::float::Float;
use crate::kernels::add_in_order;
use smallvec::SmallVec;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The processes of a run, as the chain fold needs them: numbered 0 to N - 1, each able to send
/// bytes to the next, receive them from the previous, and receive a broadcast from the last.
///
/// Every process must make the same calls in the same order (they do: they run the same
/// training on the same data). The operations block until done; an implementation that cannot
/// complete one (a process died) must end the process rather than return (MPI aborts the job).
pub trait Peers: Send + Sync {
    /// This process's number r, from 0 to [`Peers::size`] - 1.
    fn rank(&self) -> usize;
    /// N, the number of processes (at least 1).
    fn size(&self) -> usize;
    /// Sends `bytes` to process r + 1 (never called on the last process).
    fn send_next(&self, bytes: &[u8]);
    /// Receives exactly `bytes.len()` bytes from process r - 1 into `bytes` (never called on
    /// process 0).
    fn receive_previous(&self, bytes: &mut [u8]);
    /// The last process's `bytes` into every other process's `bytes` (of the same length);
    /// called on every process.
    fn broadcast_from_last(&self, bytes: &mut [u8]);
}

/// The largest piece of the running sums sent at once (256 KiB): process r + 1 adds a piece
/// while process r sends the next one.
pub const SEGMENT_BYTES: usize = 1 << 18;

/// Bytes of the header: the flags, then the running total (f64).
const HEADER: usize = 16;
/// Header flag: the running sums hold the sum of some groups.
const STARTED: u8 = 1;
/// Header flag: some process was asked to stop.
const STOP: u8 = 2;

/// A workspace's processes, and the requests to stop that travel with the sums. Clones share
/// the requests.
#[derive(Clone)]
pub(crate) struct Cluster {
    peers: Arc<dyn Peers>,
    stop: Arc<Stop>,
    /// The bytes that travel: the header, then the sums.
    bytes: Vec<u8>,
}

/// Requests to stop: this process's, and every process's as of the last fold.
#[derive(Default)]
struct Stop {
    here: AtomicBool,
    agreed: AtomicBool,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cluster({} of {})", self.peers.rank(), self.peers.size())
    }
}

impl Cluster {
    pub(crate) fn new(peers: Arc<dyn Peers>) -> Self {
        Cluster {
            peers,
            stop: Arc::default(),
            bytes: Vec::new(),
        }
    }

    /// The groups, of `groups`, that this process computes: [G r / N, G (r + 1) / N).
    pub(crate) fn share(&self, groups: usize) -> Range<usize> {
        share(groups, self.peers.rank(), self.peers.size())
    }

    /// Notes whether this process is asked to stop (the request travels with the next fold),
    /// and returns whether any process was, as of the last fold: the same answer on every
    /// process.
    pub(crate) fn stop(&self, here: bool) -> bool {
        if here {
            self.stop.here.store(true, Ordering::Relaxed);
        }
        self.stop.agreed.load(Ordering::Relaxed)
    }

    /// The chain fold of one pass (see the module's documentation): `totals` are this
    /// process's groups' cost totals, in order, and `sums` its first group's gradient (which
    /// receives the result) with its other groups' (`parts`). Returns the total of every group;
    /// `sums` then holds the gradient of every group, as one process would have added them.
    pub(crate) fn fold<T: Float>(
        &mut self,
        totals: &[f64],
        mut sums: Option<(&mut [T], &[&[T]])>,
        threads: usize,
    ) -> f64 {
        let peers = &*self.peers;
        let (rank, last) = (peers.rank(), peers.size().max(1) - 1);
        let len = sums.as_ref().map_or(0, |(sum, _)| sum.len());
        self.bytes.resize(HEADER + len * T::BYTES, 0);
        let (head, body) = self.bytes.split_at_mut(HEADER);
        let (mut running, mut stop) = (None, false);
        if rank > 0 {
            peers.receive_previous(head);
            (running, stop) = read_header(head);
        }
        let started = running.is_some();
        stop |= self.stop.here.load(Ordering::Relaxed);
        let running = add_totals(running, totals);
        write_header(head, running, stop);
        if rank < last {
            peers.send_next(head);
        }
        let owns = !totals.is_empty();
        if let Some((sum, parts)) = sums.as_mut() {
            // A segment of the running sum received, as numbers.
            let mut acc: Vec<T> = Vec::new();
            let step = (SEGMENT_BYTES / T::BYTES).max(1);
            for start in (0..len).step_by(step) {
                let r = start..(start + step).min(len);
                let bytes = &mut body[r.start * T::BYTES..r.end * T::BYTES];
                if rank > 0 {
                    peers.receive_previous(bytes);
                }
                if owns {
                    let sum = &mut sum[r.clone()];
                    let parts: SmallVec<[&[T]; 8]> = parts.iter().map(|p| &p[r.clone()]).collect();
                    if started {
                        // The running sum, then this process's groups, in order.
                        let mut own: SmallVec<[&[T]; 9]> = SmallVec::new();
                        own.push(&*sum);
                        own.extend(parts);
                        acc.resize(r.len(), T::zero());
                        decode(bytes, &mut acc);
                        add_in_order(&mut acc, &own, threads);
                        drop(own);
                        sum.copy_from_slice(&acc);
                    } else {
                        add_in_order(sum, &parts, threads);
                    }
                    encode(sum, bytes);
                }
                if rank < last {
                    peers.send_next(bytes);
                }
            }
        }
        // The last process holds every group's sums: they go to every process.
        peers.broadcast_from_last(&mut self.bytes);
        let (head, body) = self.bytes.split_at(HEADER);
        let (total, stop) = read_header(head);
        if let Some((sum, _)) = sums.filter(|_| rank < last) {
            decode(body, sum);
        }
        self.stop.agreed.store(stop, Ordering::Relaxed);
        total.unwrap_or(0.0)
    }
}

/// Which of G groups process r of N computes: [G r / N, G (r + 1) / N). The shares are
/// consecutive, cover every group once, and the last process's is never empty.
pub fn share(groups: usize, rank: usize, size: usize) -> Range<usize> {
    let size = size.max(1);
    groups * rank / size..groups * (rank + 1) / size
}

/// The groups' cost totals added in order, ((t_0 + t_1) + t_2) + ..., after `start` (the sum
/// of the groups before) when given; `None` when there is nothing to add. One process and
/// several add the same numbers in the same order this way.
pub(crate) fn add_totals(start: Option<f64>, totals: &[f64]) -> Option<f64> {
    totals
        .iter()
        .fold(start, |sum, &t| Some(sum.map_or(t, |s| s + t)))
}

fn write_header(head: &mut [u8], total: Option<f64>, stop: bool) {
    head.fill(0);
    head[0] = if total.is_some() { STARTED } else { 0 } | if stop { STOP } else { 0 };
    total.unwrap_or(0.0).put_le(&mut head[8..HEADER]);
}

fn read_header(head: &[u8]) -> (Option<f64>, bool) {
    let total = (head[0] & STARTED != 0).then(|| f64::get_le(&head[8..HEADER]));
    (total, head[0] & STOP != 0)
}

fn encode<T: Float>(values: &[T], bytes: &mut [u8]) {
    for (v, b) in values.iter().zip(bytes.chunks_exact_mut(T::BYTES)) {
        v.put_le(b);
    }
}

fn decode<T: Float>(bytes: &[u8], values: &mut [T]) {
    for (v, b) in values.iter_mut().zip(bytes.chunks_exact(T::BYTES)) {
        *v = T::get_le(b);
    }
}

#[cfg(test)]
mod tests;
