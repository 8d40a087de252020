//! The work buffers of the passes, reused from batch to batch so that a training step
//! allocates no matrix once the workspace has seen the largest batch.

use crate::dropout::Dropout;
use crate::float::Float;
use crate::params::Params;
use crate::peers::{Cluster, Peers};
use ndarray::{Array2, ArrayView2, s};
use std::ops::Range;
use std::sync::Arc;

/// Work buffers for the passes: A^(l), Delta^(l) and the output Z^(L), sized for the largest
/// batch seen so far, plus the number of threads the matrix products may use, and the
/// processes that share the passes with a cost, if any ([`Workspace::with_peers`]).
#[derive(Clone, Debug)]
pub struct Workspace<T> {
    rows: usize,
    sizes: Vec<usize>,
    pub(crate) a: Vec<Array2<T>>,
    pub(crate) delta: Vec<Array2<T>>,
    pub(crate) z_out: Array2<T>,
    /// Gradient sums of the row groups after the first (see `driver`).
    pub(crate) partials: Vec<Params<T>>,
    /// The dropout of the passes with a cost while set (training steps; see
    /// [`Workspace::set_dropout`]).
    pub(crate) dropout: Option<Dropout>,
    threads: usize,
    /// The processes the passes with a cost are shared with (none: this one alone).
    pub(crate) cluster: Option<Cluster>,
    /// The rows of the last pass whose A^(l) this process computed (every row, unless the
    /// pass was shared with other processes).
    pub(crate) computed: Range<usize>,
    /// The training rows read from disk a piece at a time, when they are not in memory: the
    /// full-batch passes of training read them (see [`crate::driver::cost_stream`]).
    pub(crate) stream: Option<SharedRows<T>>,
}

/// Rows read from disk, shared by the workspaces of a run.
#[derive(Clone)]
pub(crate) struct SharedRows<T>(pub Arc<std::sync::Mutex<dyn crate::driver::RowSource<T> + Send>>);

impl<T> std::fmt::Debug for SharedRows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedRows")
    }
}

impl<T: Float> Default for Workspace<T> {
    fn default() -> Self {
        Workspace::new(1)
    }
}

impl<T: Float> Workspace<T> {
    /// An empty workspace whose matrix products use up to `threads` threads (0 or 1: one).
    /// Buffers are allocated on first use.
    pub fn new(threads: usize) -> Self {
        Workspace {
            rows: 0,
            sizes: Vec::new(),
            a: Vec::new(),
            delta: Vec::new(),
            z_out: Array2::zeros((0, 0)),
            partials: Vec::new(),
            dropout: None,
            threads: threads.max(1),
            cluster: None,
            computed: 0..0,
            stream: None,
        }
    }

    /// Masks the hidden units of every pass with a cost (J, and J with its gradient) by
    /// `dropout` until set to `None`; forward propagation alone (prediction) is never masked.
    pub fn set_dropout(&mut self, dropout: Option<Dropout>) {
        self.dropout = dropout;
    }

    /// This workspace with its passes with a cost (J, and J with its gradient) shared out among
    /// `peers`, with the results of one process, bit for bit (see [`crate::peers`]): every
    /// process must make the same passes on the same batches. Forward propagation alone stays
    /// on each process. A training run takes its peers from [`crate::Hooks::peers`].
    pub fn with_peers(mut self, peers: Arc<dyn Peers>) -> Self {
        self.cluster = Some(Cluster::new(peers));
        self
    }

    /// Number of threads the matrix products may use.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Sizes the buffers for a batch of m rows of a network of layer sizes `sizes`; the
    /// Delta buffers only when a `backward` pass follows (prediction needs none).
    pub(crate) fn prepare(&mut self, sizes: &[usize], m: usize, backward: bool) {
        if self.sizes != sizes || self.rows < m {
            let rows = m.max(if self.sizes == sizes { self.rows } else { 0 });
            self.a = sizes[1..]
                .iter()
                .map(|&s| Array2::zeros((rows, s)))
                .collect();
            self.delta = Vec::new();
            self.z_out = Array2::zeros((rows, sizes[sizes.len() - 1]));
            self.sizes = sizes.to_vec();
            self.rows = rows;
        }
        if backward && self.delta.is_empty() {
            let rows = self.rows;
            self.delta = sizes[1..]
                .iter()
                .map(|&s| Array2::zeros((rows, s)))
                .collect();
        }
    }

    /// The rows of the last pass whose activations this process computed: every row, unless
    /// the pass was shared with other processes ([`Workspace::with_peers`]), which computed
    /// the others.
    pub fn computed_rows(&self) -> Range<usize> {
        self.computed.clone()
    }

    /// A^(l) of the last forward pass, for weight layer `k` (the seed's l = k + 2): (m, S_l).
    pub fn activation(&self, k: usize, m: usize) -> ArrayView2<'_, T> {
        self.a[k].slice(s![..m, ..])
    }

    /// Delta^(l) of the last backward pass, for weight layer `k`: (m, S_l).
    ///
    /// # Panics
    /// If no backward pass has run since the workspace last grew (they are not kept otherwise).
    pub fn delta(&self, k: usize, m: usize) -> ArrayView2<'_, T> {
        self.delta[k].slice(s![..m, ..])
    }

    /// Z^(L), the output layer's input to its activation, from the last forward pass: (m, K).
    pub fn output_z(&self, m: usize) -> ArrayView2<'_, T> {
        self.z_out.slice(s![..m, ..])
    }
}
