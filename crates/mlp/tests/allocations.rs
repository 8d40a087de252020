//! A training step allocates no buffers of its own: the library sizes them once per run.
//!
//! A counting global allocator counts every allocation of this test binary, and two runs that
//! differ only in their number of steps are compared. The one allocation a step does make is
//! inside the GEMM crate, which takes a scratch buffer for packing its operands on every call
//! (two allocations per product, read from its source and measured): so a step may allocate
//! at most twice per matrix product, and nothing else (an epoch adds its statistics to the
//! history, which matters when a step is an epoch).
// The allocator below forwards to the system's: the only unsafe code is the `GlobalAlloc`
// contract itself.
#![allow(unsafe_code, clippy::unwrap_used)]

use mlp::{Activation, Float, Init, Loss, Network, Solver, TrainConfig, TrainData};
use ndarray::Array2;
use std::alloc::{GlobalAlloc, Layout, System};
use std::ops::ControlFlow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as this function's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as this function's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as this function's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The counter is global: the tests of this file take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A network and how it is trained: its layer sizes, the batch size (`None`: full-batch
/// gradient descent on `FULL_BATCH` rows, one step per epoch), and the matrix products a step
/// makes on one and on two threads.
struct Case {
    sizes: [usize; 4],
    batch: Option<usize>,
    products: [usize; 2],
}

const FULL_BATCH: usize = 1300;

const CASES: [Case; 3] = [
    // One chunk of 128 rows: 3 forward products, 3 weight gradients, 2 Deltas; with 2 threads
    // the five of at least 8M multiply-adds are cut in two.
    Case {
        sizes: [200, 400, 200, 10],
        batch: Some(128),
        products: [8, 13],
    },
    // 256 rows of small products: two chunks of 8 products, one per thread.
    Case {
        sizes: [32, 128, 128, 10],
        batch: Some(256),
        products: [16, 16],
    },
    // 1300 rows: six chunks in six groups, each with its own gradient sum.
    Case {
        sizes: [20, 30, 20, 10],
        batch: None,
        products: [48, 48],
    },
];

/// Allocations made by training `case` for `steps` steps with `solver` (full batch: `gd`),
/// in precision `T`, on `threads` threads.
fn allocations<T: Float>(solver: Solver, steps: usize, threads: usize, case: &Case) -> usize {
    let sizes = case.sizes;
    let acts = [Activation::Relu, Activation::Tanh, Activation::Softmax];
    let mut net: Network<T> =
        Network::seeded(&sizes, &acts, Loss::SoftmaxCrossEntropy, Init::Glorot, 1).unwrap();
    let (n, epochs) = match case.batch {
        Some(batch) => (batch * steps, 1),
        None => (FULL_BATCH, steps),
    };
    let x = Array2::from_shape_fn((n, sizes[0]), |(i, j)| {
        T::of(((i * 7 + j * 3) % 11) as f64 / 11.0)
    });
    let y = Array2::from_shape_fn((n, sizes[3]), |(i, j)| T::of((i % 10 == j) as u8 as f64));
    let config = TrainConfig {
        solver,
        learning_rate: Some(0.01),
        momentum: 0.9,
        batch_size: case.batch,
        epochs,
        early_stopping: Some(false),
        threads,
        ..TrainConfig::default()
    };
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    mlp::train(&mut net, data, &config, |_| ControlFlow::Continue(())).unwrap();
    ALLOCATIONS.load(Ordering::Relaxed) - before
}

#[test]
fn training_steps_allocate_only_the_products_scratch_space() {
    let _one = ONE_AT_A_TIME.lock().unwrap();
    for (case, threads) in CASES.iter().flat_map(|c| [(c, 1), (c, 2)]) {
        let products = case.products[threads - 1];
        let solvers = match case.batch {
            Some(_) => &[Solver::Sgd, Solver::Adam][..],
            None => &[Solver::Gd][..],
        };
        for &solver in solvers {
            // Warm the thread pool and the allocator first.
            allocations::<f32>(solver, 2, threads, case);
            let (short, long) = (
                allocations::<f32>(solver, 10, threads, case),
                allocations::<f32>(solver, 40, threads, case),
            );
            let per_step = (long.saturating_sub(short)) as f64 / 30.0;
            // A full-batch step is a whole epoch, which adds its statistics to the history
            // (their per-layer list, and now and then a larger history).
            let epoch = if case.batch.is_none() { 2 } else { 0 };
            assert!(
                per_step <= (2 * products + epoch) as f64,
                "{:?} {solver:?}, {threads} threads: {short} allocations for 10 steps, {long} \
                 for 40: {per_step} a step, more than the {products} products' scratch buffers",
                case.sizes
            );
        }
    }
}
