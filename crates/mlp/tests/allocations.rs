//! A training step allocates no buffers of its own: the library sizes them once per run.
//!
//! A counting global allocator counts every allocation of this test binary, and two runs that
//! differ only in their number of steps are compared. The one allocation a step does make is
//! inside the GEMM crate, which takes a scratch buffer for packing its operands on every call
//! (two allocations per product, read from its source and measured): so a step may allocate
//! at most twice per matrix product, and nothing else.
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

/// Allocations made by one epoch of `solver` over `steps` batches of 128 rows, in precision
/// `T`, on `threads` threads.
fn allocations<T: Float>(solver: Solver, steps: usize, threads: usize) -> usize {
    // 100 -> 400 -> 100 -> 10: large enough (128 x 81,510 multiply-adds a step) that the steps
    // run on the thread pool with their products split, as real training does.
    let sizes = [100, 400, 100, 10];
    let acts = [Activation::Relu, Activation::Tanh, Activation::Softmax];
    let mut net: Network<T> =
        Network::seeded(&sizes, &acts, Loss::SoftmaxCrossEntropy, Init::Glorot, 1).unwrap();
    let n = 128 * steps;
    let x = Array2::from_shape_fn((n, 100), |(i, j)| {
        T::of(((i * 7 + j * 3) % 11) as f64 / 11.0)
    });
    let y = Array2::from_shape_fn((n, 10), |(i, j)| T::of((i % 10 == j) as u8 as f64));
    let config = TrainConfig {
        solver,
        learning_rate: Some(0.01),
        momentum: 0.9,
        batch_size: Some(128),
        epochs: 1,
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
    for threads in [1, 2] {
        // 3 layers: 3 forward products, 3 weight gradients, 2 Deltas; with 2 threads each may
        // be cut in two.
        let products = 8 * threads;
        for solver in [Solver::Sgd, Solver::Adam] {
            // Warm the thread pool and the allocator first.
            allocations::<f32>(solver, 2, threads);
            let (short, long) = (
                allocations::<f32>(solver, 10, threads),
                allocations::<f32>(solver, 40, threads),
            );
            let per_step = (long.saturating_sub(short)) as f64 / 30.0;
            assert!(
                per_step <= (2 * products) as f64,
                "{solver:?}, {threads} threads: {short} allocations for 10 steps, {long} for \
                 40: {per_step} a step, more than the {products} products' scratch buffers"
            );
        }
    }
}
