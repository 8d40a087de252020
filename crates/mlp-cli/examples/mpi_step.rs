//! Step times of workload W1's network (784-512-256-10, f32, 535,818 parameters) shared among
//! the processes of an MPI job, for BENCHMARKS.md:
//!
//! ```text
//! cargo build --release -p mlp-cli --features mpi --example mpi_step
//! mpirun -np N target/release/examples/mpi_step [THREADS] [ROWS,ROWS,...]
//! ```
//!
//! For each batch size (default 1, 2048 and 60000 rows of W1's data) it times J and its
//! gradient on the batch (the work of a training step but the update), first on process 0
//! alone, then shared among the N processes, and prints the medians as one JSON line per
//! batch. A batch of 1 row is one group of rows, which the last process computes: its shared
//! time less its time alone is the chain fold's (P running sums along N - 1 hops, then their
//! broadcast). THREADS (default 1) threads per process.

use mlp::{Network, Peers, Workspace};
use std::sync::Arc;
use std::time::Instant;

#[allow(dead_code, clippy::unwrap_used)]
#[path = "../../mlp/tests/common/workloads.rs"]
mod workloads;

#[allow(dead_code)]
#[path = "../src/mpi.rs"]
mod mpi;

/// Passes timed per batch size, after one to warm up.
fn repeats(rows: usize) -> usize {
    match rows {
        0..=4096 => 50,
        _ => 5,
    }
}

/// Median seconds of `repeats` passes of J and its gradient on the first `rows` rows, in `ws`.
fn time(
    net: &Network<f32>,
    data: &(ndarray::Array2<f32>, ndarray::Array2<f32>),
    rows: usize,
    ws: &mut Workspace<f32>,
) -> anyhow::Result<f64> {
    let (x, y) = (
        data.0.slice(ndarray::s![..rows, ..]),
        data.1.slice(ndarray::s![..rows, ..]),
    );
    let mut grad = net.params().zeros_like();
    net.cost_and_gradient(x, y, 0.0, ws, &mut grad)?;
    let mut times = Vec::new();
    for _ in 0..repeats(rows) {
        let start = Instant::now();
        net.cost_and_gradient(x, y, 0.0, ws, &mut grad)?;
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let threads: usize = args.next().map_or(Ok(1), |a| a.parse())?;
    let sizes: Vec<usize> = match args.next() {
        Some(list) => list.split(',').map(str::parse).collect::<Result<_, _>>()?,
        None => vec![1, 2048, 60_000],
    };
    let Some(job) = mpi::Job::start()? else {
        anyhow::bail!("run under mpirun");
    };
    let peers: Arc<dyn Peers> = job.peers();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let net = workloads::w1_network();
    let data = workloads::w1_data(sizes.iter().copied().max().unwrap_or(1));
    pool.install(|| -> anyhow::Result<()> {
        for &rows in &sizes {
            // Process 0 alone (the others wait), then every process.
            let alone = match peers.rank() {
                0 => time(&net, &data, rows, &mut Workspace::new(threads))?,
                _ => 0.0,
            };
            job.barrier();
            let mut ws = Workspace::new(threads).with_peers(peers.clone());
            let shared = time(&net, &data, rows, &mut ws)?;
            if peers.rank() == 0 {
                println!(
                    "{{\"processes\": {}, \"threads\": {threads}, \"rows\": {rows}, \"parameters\": {}, \"alone_ms\": {:.3}, \"shared_ms\": {:.3}}}",
                    peers.size(),
                    net.params().len(),
                    alone * 1e3,
                    shared * 1e3
                );
            }
            job.barrier();
        }
        Ok(())
    })
}
