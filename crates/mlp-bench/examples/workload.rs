//! One benchmark workload (W1 mnist-mlp, W2 seed-fullbatch, W3 tabular-regression), trained
//! through `mlp::train` exactly like the reference scripts (PyTorch, scikit-learn, numpy)
//! train it, printing one JSON line with the same keys (see BENCHMARKS.md).
//!
//! ```text
//! cargo run --release --example workload -- W1|W2|W3 [THREADS] [--reference-order]
//! ```
//!
//! THREADS (default 2) sizes rayon's global pool, which the matrix products run on. Data and
//! initial weights are built bit for bit as `common.py` builds them; only the training region is
//! timed. By default W1 and W3 shuffle with the library's own generator (`TrainConfig::seed`),
//! so their batch order, and hence their final loss, differs from PyTorch's. With
//! `--reference-order` the rows are put in the reference order (stable argsort of
//! u(1000, .)) before the timer starts and training runs unshuffled: the batches are then
//! exactly PyTorch's, and so should the loss be, up to rounding.

use mlp::{Float, Network, Solver, TrainConfig, TrainData, Workspace};
use ndarray::{Array2, s};
use serde_json::{Value, json};
use std::ops::ControlFlow;
use std::time::Instant;

#[allow(dead_code, clippy::unwrap_used)]
#[path = "../../mlp/tests/common/workloads.rs"]
mod workloads;

/// JSON object fields in insertion order (the reference scripts' key order).
#[derive(Default)]
struct Fields(Vec<(&'static str, Value)>);

impl Fields {
    fn insert(&mut self, key: &'static str, value: Value) {
        self.0.push((key, value));
    }

    fn to_json(&self) -> String {
        let body: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{}: {v}", json!(k)))
            .collect();
        format!("{{{}}}", body.join(", "))
    }
}

/// W2's final cost in numpy, scikit-learn and PyTorch.
const W2_REFERENCE: f64 = 3.16429447983188;

struct Spec {
    key: &'static str,
    name: &'static str,
    config: TrainConfig,
    /// Warm-up: training on this many leading rows, `warm_epochs` epochs, on a throw-away copy.
    warm_rows: usize,
    warm_epochs: usize,
}

fn spec(key: &str, threads: usize) -> Option<Spec> {
    let base = TrainConfig {
        epochs: 1,
        shuffle: true,
        early_stopping: Some(false),
        tol: 0.0,
        threads,
        ..TrainConfig::default()
    };
    Some(match key {
        "W1" | "MNIST-MLP" => Spec {
            key: "W1",
            name: "mnist-mlp",
            config: TrainConfig {
                solver: Solver::Sgd,
                learning_rate: Some(0.01),
                momentum: 0.9,
                nesterov: false,
                batch_size: Some(128),
                ..base
            },
            warm_rows: 20 * 128,
            warm_epochs: 1,
        },
        "W2" | "SEED-FULLBATCH" => Spec {
            key: "W2",
            name: "seed-fullbatch",
            config: TrainConfig {
                solver: Solver::Gd,
                learning_rate: Some(1.0),
                lambda: 1.0,
                epochs: 200,
                shuffle: false,
                ..base
            },
            warm_rows: 5000,
            warm_epochs: 5,
        },
        "W3" | "TABULAR-REGRESSION" => Spec {
            key: "W3",
            name: "tabular-regression",
            config: TrainConfig {
                solver: Solver::Adam,
                learning_rate: Some(1e-3),
                beta1: 0.9,
                beta2: 0.999,
                adam_epsilon: 1e-8,
                batch_size: Some(256),
                ..base
            },
            warm_rows: 20 * 256,
            warm_epochs: 1,
        },
        _ => return None,
    })
}

fn main() {
    if let Err(e) = run() {
        eprintln!("workload: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reference_order = args.iter().any(|a| a == "--reference-order");
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let key = positional
        .first()
        .map_or_else(|| "W1".to_owned(), |k| k.to_uppercase());
    let threads: usize = match positional.get(1) {
        Some(t) => t.parse()?,
        None => 2,
    };
    let spec = spec(&key, threads).ok_or_else(|| {
        format!("unknown workload {key:?}; use W1, W2, W3 (or mnist-mlp, seed-fullbatch, tabular-regression)")
    })?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build_global()?;

    let mut out = Fields::default();
    out.insert("workload", json!(spec.key));
    out.insert("name", json!(spec.name));
    out.insert("framework", json!("mlp"));
    out.insert("version", json!(env!("CARGO_PKG_VERSION")));
    out.insert("threads", json!(threads));
    match spec.key {
        "W1" => {
            let (x, y) = workloads::w1_data(60000);
            let net = workloads::w1_network();
            bench(&spec, net, x, y, reference_order, &mut out)?;
        }
        "W2" => {
            let (x, y, net) = workloads::w2();
            bench(&spec, net, x, y, false, &mut out)?;
        }
        _ => {
            let (x, y) = workloads::w3_data(200_000);
            let net = workloads::w3_network();
            bench(&spec, net, x, y, reference_order, &mut out)?;
        }
    }
    out.insert("peak_rss_mb", json!(round(peak_rss_mb(), 1)));
    println!("{}", out.to_json());
    Ok(())
}

fn bench<T: Float>(
    spec: &Spec,
    mut net: Network<T>,
    mut x: Array2<T>,
    mut y: Array2<T>,
    reference_order: bool,
    out: &mut Fields,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = spec.config.clone();
    if reference_order && config.shuffle {
        let order = workloads::permutation(x.nrows(), 0);
        workloads::permute_rows(&mut x, &order);
        workloads::permute_rows(&mut y, &order);
        config.shuffle = false;
    }
    out.insert(
        "dtype",
        json!(if T::NAME == "f32" {
            "float32"
        } else {
            "float64"
        }),
    );
    if config.shuffle || reference_order {
        out.insert(
            "order",
            json!(if config.shuffle {
                "library-shuffle"
            } else {
                "reference"
            }),
        );
    }
    let n = x.nrows();

    // Warm-up, as the reference scripts do: a short run on a throw-away copy of the network.
    let warm = spec.warm_rows.min(n);
    let mut scratch = net.clone();
    let warm_config = TrainConfig {
        epochs: spec.warm_epochs,
        ..config.clone()
    };
    let warm_data = TrainData {
        x: x.slice(s![..warm, ..]),
        y: y.slice(s![..warm, ..]),
        validation: None,
    };
    mlp::train(&mut scratch, warm_data, &warm_config, |_| {
        ControlFlow::Continue(())
    })?;
    drop(scratch);

    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    let start = Instant::now();
    let report = mlp::train(&mut net, data, &config, |_| ControlFlow::Continue(()))?;
    let secs = start.elapsed().as_secs_f64();

    let final_loss = full_cost(&net, &x, &y, config.lambda, config.threads)?;
    out.insert("seconds", json!(round(secs, 4)));
    if config.solver.full_batch() {
        out.insert("iters_per_s", json!(round(report.epochs as f64 / secs, 3)));
    } else {
        out.insert(
            "samples_per_s",
            json!(round((report.epochs * n) as f64 / secs, 1)),
        );
    }
    out.insert("final_loss", json!(final_loss));
    if spec.key == "W2" {
        eprintln!(
            "W2 final J = {final_loss:.15} (numpy / scikit-learn / PyTorch: {W2_REFERENCE}; \
             relative difference {:.1e})",
            ((final_loss - W2_REFERENCE) / W2_REFERENCE).abs()
        );
    }
    if spec.key == "W1" {
        out.insert(
            "infer_samples_per_s",
            json!(round(inference(&net, &x, config.threads)?, 1)),
        );
    }
    Ok(())
}

/// J on the whole training set. Without regularization (W1, W3) in chunks of 1000 rows, so that
/// no full-size activation matrices are allocated: J is then a mean over examples.
fn full_cost<T: Float>(
    net: &Network<T>,
    x: &Array2<T>,
    y: &Array2<T>,
    lambda: f64,
    threads: usize,
) -> mlp::Result<f64> {
    let n = x.nrows();
    let mut ws = Workspace::new(threads);
    if lambda > 0.0 || n <= 1000 {
        // One pass, exactly the library's J (W2: 5000 rows).
        return Ok(net.cost(x.view(), y.view(), lambda, &mut ws)?.total());
    }
    let mut sum = 0.0;
    let mut start = 0;
    while start < n {
        let end = (start + 1000).min(n);
        let cost = net.cost(
            x.slice(s![start..end, ..]),
            y.slice(s![start..end, ..]),
            0.0,
            &mut ws,
        )?;
        sum += cost.data * (end - start) as f64;
        start = end;
    }
    Ok(sum / n as f64)
}

/// Forward passes only over the training set in batches of 1000, reusing one workspace:
/// samples per second (after one untimed batch).
fn inference<T: Float>(net: &Network<T>, x: &Array2<T>, threads: usize) -> mlp::Result<f64> {
    let mut ws = Workspace::new(threads);
    let n = x.nrows();
    let batch = 1000.min(n);
    net.forward(x.slice(s![..batch, ..]), &mut ws)?;
    let mut checksum = T::zero();
    let start = Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + batch).min(n);
        let out = net.forward(x.slice(s![i..end, ..]), &mut ws)?;
        checksum += out[[0, 0]];
        i = end;
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(checksum);
    Ok(n as f64 / secs)
}

/// VmHWM (peak resident set size) of this process, in MB; 0 where /proc is unavailable.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn round(v: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (v * scale).round() / scale
}
