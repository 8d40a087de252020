//! Criterion micro-benchmarks of the three benchmark workloads (see BENCHMARKS.md): one
//! training step at each workload's batch size, split into its parts (forward pass,
//! forward + backward = `cost_and_gradient`, the solver's update), W1's inference batch, and
//! one whole epoch of each workload through `mlp::train`.
//!
//! ```text
//! cargo bench --bench workloads                 # 2 threads
//! MLP_BENCH_THREADS=1 cargo bench --bench workloads -- w1/
//! ```
//!
//! Weights and data are the workloads' own (the first rows of each data set). The solver's update
//! is private to the library, so `update_*` here is a copy of its rule (crates/mlp/src/train/
//! optim.rs) on the same flat parameter vector; `step` = `cost_and_gradient` + that update.
//! Never run in CI: it only has to compile (`cargo clippy --all-targets`).

use criterion::{Criterion, criterion_group, criterion_main};
use mlp::{Float, Network, Params, Solver, TrainConfig, TrainData, Workspace};
use ndarray::{Array2, s};
use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::Duration;

#[allow(dead_code, clippy::unwrap_used)]
#[path = "../../mlp/tests/common/workloads.rs"]
mod workloads;

fn threads() -> usize {
    std::env::var("MLP_BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2)
}

/// SGD with PyTorch's momentum, as `Stepper::Momentum` (not Nesterov).
struct Momentum<T> {
    velocity: Vec<T>,
    mu: T,
}

impl<T: Float> Momentum<T> {
    fn new(n: usize, mu: f64) -> Self {
        Momentum {
            velocity: vec![T::zero(); n],
            mu: T::of(mu),
        }
    }

    fn step(&mut self, w: &mut [T], g: &[T], alpha: f64) {
        let (lr, mu) = (T::of(alpha), self.mu);
        for ((w, &g), v) in w.iter_mut().zip(g).zip(self.velocity.iter_mut()) {
            *v = mu * *v + g;
            *w -= lr * *v;
        }
    }
}

/// Adam with bias correction, as `Stepper::Adam`.
struct Adam<T> {
    m: Vec<T>,
    v: Vec<T>,
    t: i32,
}

impl<T: Float> Adam<T> {
    fn new(n: usize) -> Self {
        Adam {
            m: vec![T::zero(); n],
            v: vec![T::zero(); n],
            t: 0,
        }
    }

    fn step(&mut self, w: &mut [T], g: &[T], alpha: f64) {
        let (beta1, beta2) = (0.9f64, 0.999f64);
        // Keep t small so that the bias corrections stay away from 1 over millions of steps.
        self.t = self.t % 1000 + 1;
        let (lr, b1, b2, eps, one) = (
            T::of(alpha),
            T::of(beta1),
            T::of(beta2),
            T::of(1e-8),
            T::one(),
        );
        let c1 = T::of(1.0 - beta1.powi(self.t));
        let c2 = T::of(1.0 - beta2.powi(self.t));
        for (((w, &g), m), v) in w
            .iter_mut()
            .zip(g)
            .zip(self.m.iter_mut())
            .zip(self.v.iter_mut())
        {
            *m = b1 * *m + (one - b1) * g;
            *v = b2 * *v + (one - b2) * g * g;
            *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        }
    }
}

/// Benchmarks forward, cost_and_gradient, update and the whole step of one workload.
#[allow(clippy::too_many_arguments)]
fn training_step<T: Float>(
    c: &mut Criterion,
    group: &str,
    net: &Network<T>,
    x: &Array2<T>,
    y: &Array2<T>,
    lambda: f64,
    alpha: f64,
    mut update: impl FnMut(&mut [T], &[T], f64),
) {
    let m = x.nrows();
    let mut g = c.benchmark_group(group);
    let mut ws = Workspace::new(threads());
    let mut grad: Params<T> = net.params().zeros_like();
    g.bench_function(format!("forward_b{m}"), |b| {
        b.iter(|| {
            let out = net.forward(x.view(), &mut ws).expect("forward");
            black_box(out[[0, 0]]);
        });
    });
    g.bench_function(format!("cost_and_gradient_b{m}"), |b| {
        b.iter(|| {
            let cost = net
                .cost_and_gradient(x.view(), y.view(), lambda, &mut ws, &mut grad)
                .expect("cost_and_gradient");
            black_box(cost);
        });
    });
    let mut params = net.params().clone();
    g.bench_function("update", |b| {
        b.iter(|| update(params.as_mut_slice(), grad.as_slice(), alpha));
    });
    let mut moving = net.clone();
    g.bench_function(format!("step_b{m}"), |b| {
        b.iter(|| {
            let cost = moving
                .cost_and_gradient(x.view(), y.view(), lambda, &mut ws, &mut grad)
                .expect("cost_and_gradient");
            update(moving.params_mut().as_mut_slice(), grad.as_slice(), alpha);
            black_box(cost);
        });
    });
    g.finish();
}

fn w1(c: &mut Criterion) {
    let (x, y) = workloads::w1_data(1000);
    let net = workloads::w1_network();
    let (xb, yb) = (
        x.slice(s![..128, ..]).to_owned(),
        y.slice(s![..128, ..]).to_owned(),
    );
    let mut sgd = Momentum::<f32>::new(net.params().len(), 0.9);
    training_step(c, "w1", &net, &xb, &yb, 0.0, 0.01, |w, g, a| {
        sgd.step(w, g, a);
    });
    // The library's training loop copies each mini-batch's rows into a buffer first.
    let order: Vec<usize> = (0..128).map(|i| (i * 7) % 1000).collect();
    let mut bx = Array2::<f32>::zeros((128, x.ncols()));
    let mut g = c.benchmark_group("w1");
    g.bench_function("gather_b128", |b| {
        b.iter(|| {
            for (j, &i) in order.iter().enumerate() {
                bx.row_mut(j).assign(&x.row(i));
            }
            black_box(bx[[0, 0]]);
        });
    });
    let mut ws = Workspace::new(threads());
    g.bench_function("infer_forward_b1000", |b| {
        b.iter(|| {
            let out = net.forward(x.view(), &mut ws).expect("forward");
            black_box(out[[0, 0]]);
        });
    });
    g.finish();
}

fn w2(c: &mut Criterion) {
    let (x, y, net) = workloads::w2();
    training_step(c, "w2", &net, &x, &y, 1.0, 1.0, |w, g, a| {
        let lr = a;
        w.iter_mut().zip(g).for_each(|(w, &g)| *w -= lr * g);
    });
}

fn w3(c: &mut Criterion) {
    let (x, y) = workloads::w3_data(256);
    let net = workloads::w3_network();
    let mut adam = Adam::<f32>::new(net.params().len());
    training_step(c, "w3", &net, &x, &y, 0.0, 1e-3, |w, g, a| {
        adam.step(w, g, a)
    });
}

/// The settings every workload shares: one epoch, shuffled, nothing that stops early.
fn one_epoch() -> TrainConfig {
    TrainConfig {
        epochs: 1,
        shuffle: true,
        early_stopping: Some(false),
        tol: 0.0,
        threads: threads(),
        ..TrainConfig::default()
    }
}

/// One epoch of `config` through `mlp::train` over all of `x`, from the same weights each time
/// (W2's epoch is one full-batch step).
fn epoch<T: Float>(
    c: &mut Criterion,
    group: &str,
    net: &Network<T>,
    (x, y): (&Array2<T>, &Array2<T>),
    config: &TrainConfig,
) {
    let mut g = c.benchmark_group(group);
    g.bench_function(format!("epoch_{}", x.nrows()), |b| {
        b.iter(|| {
            let mut net = net.clone();
            let data = TrainData {
                x: x.view(),
                y: y.view(),
                validation: None,
            };
            let report =
                mlp::train(&mut net, data, config, |_| ControlFlow::Continue(())).expect("train");
            black_box(report.epochs);
        });
    });
    g.finish();
}

fn epochs(c: &mut Criterion) {
    let sgd = TrainConfig {
        solver: Solver::Sgd,
        learning_rate: Some(0.01),
        momentum: 0.9,
        nesterov: false,
        batch_size: Some(128),
        ..one_epoch()
    };
    let (x, y) = workloads::w1_data(60_000);
    epoch(c, "w1", &workloads::w1_network(), (&x, &y), &sgd);
    drop((x, y));
    let (x, y, net) = workloads::w2();
    let gd = TrainConfig {
        solver: Solver::Gd,
        learning_rate: Some(1.0),
        lambda: 1.0,
        shuffle: false,
        ..one_epoch()
    };
    epoch(c, "w2", &net, (&x, &y), &gd);
    let adam = TrainConfig {
        solver: Solver::Adam,
        learning_rate: Some(1e-3),
        batch_size: Some(256),
        ..one_epoch()
    };
    let (x, y) = workloads::w3_data(200_000);
    epoch(c, "w3", &workloads::w3_network(), (&x, &y), &adam);
}

fn config() -> Criterion {
    // Idempotent enough: a second build_global (another bench binary in the same process) fails
    // harmlessly and leaves the first pool in place.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads())
        .build_global();
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = w1, w2, w3, epochs
}
criterion_main!(benches);
