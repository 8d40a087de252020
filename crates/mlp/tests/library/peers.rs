//! Training shared among N processes gives the bits of one process: N in-process "processes"
//! (threads joined by channels, the same chain fold an MPI run makes) train the same network
//! on the same data, and every one of them ends with the parameters and the costs of the plain
//! single-process run, bit for bit, for N = 1 to 4, every solver, f32 and f64, and batches
//! cut in more groups than processes and in fewer.
#![allow(clippy::unwrap_used)]

use mlp::peers::share;
use mlp::{
    Activation, EpochStats, Float, Hooks, Init, Loss, Network, Peers, Solver, StopReason,
    TrainConfig, TrainData, TrainReport,
};
use ndarray::Array2;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

/// One of N processes, as threads: a channel to the next, one from the previous, and the
/// last process's broadcast channels.
struct Fake {
    rank: usize,
    size: usize,
    next: Option<Sender<Vec<u8>>>,
    previous: Option<Mutex<Receiver<Vec<u8>>>>,
    /// The last process's channels to every other process.
    to_all: Vec<Sender<Vec<u8>>>,
    from_last: Option<Mutex<Receiver<Vec<u8>>>>,
    /// Bytes this process sent along the chain.
    sent: AtomicUsize,
}

impl Peers for Fake {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn send_next(&self, bytes: &[u8]) {
        self.sent.fetch_add(bytes.len(), Ordering::Relaxed);
        self.next.as_ref().unwrap().send(bytes.to_vec()).unwrap();
    }
    fn receive_previous(&self, bytes: &mut [u8]) {
        let got = self
            .previous
            .as_ref()
            .unwrap()
            .lock()
            .unwrap()
            .recv()
            .unwrap();
        bytes.copy_from_slice(&got);
    }
    fn broadcast_from_last(&self, bytes: &mut [u8]) {
        match &self.from_last {
            None => self
                .to_all
                .iter()
                .for_each(|s| s.send(bytes.to_vec()).unwrap()),
            Some(r) => bytes.copy_from_slice(&r.lock().unwrap().recv().unwrap()),
        }
    }
}

/// N fake processes.
fn cluster(size: usize) -> Vec<Arc<Fake>> {
    let (mut nexts, mut previous): (Vec<_>, Vec<_>) = (0..size.saturating_sub(1))
        .map(|_| channel())
        .map(|(s, r)| (Some(s), Some(Mutex::new(r))))
        .unzip();
    nexts.push(None);
    previous.insert(0, None);
    let (mut to_all, mut from_last): (Vec<_>, Vec<_>) = (0..size.saturating_sub(1))
        .map(|_| channel())
        .map(|(s, r)| (s, Some(Mutex::new(r))))
        .unzip();
    from_last.push(None);
    let mut to_all = Some(std::mem::take(&mut to_all));
    nexts
        .into_iter()
        .zip(previous)
        .zip(from_last)
        .enumerate()
        .map(|(rank, ((next, previous), from_last))| {
            Arc::new(Fake {
                rank,
                size,
                next,
                previous,
                to_all: match rank + 1 == size {
                    true => to_all.take().unwrap(),
                    false => Vec::new(),
                },
                from_last,
                sent: AtomicUsize::new(0),
            })
        })
        .collect()
}

/// Hooks that hand the training its peers.
struct Shared(Option<Arc<dyn Peers>>);

impl Hooks for Shared {
    fn peers(&self) -> Option<Arc<dyn Peers>> {
        self.0.clone()
    }
}

/// 900 rows of 12 inputs and 3 classes, a 12-40-3 network.
fn problem<T: Float>() -> (Network<T>, Array2<T>, Array2<T>) {
    let x = Array2::from_shape_fn((900, 12), |(i, j)| {
        T::of(((i * 37 + j * 11) % 23) as f64 / 7.0 - 1.5)
    });
    let y = Array2::from_shape_fn((900, 3), |(i, j)| {
        T::of(((i * 7 + (i % 5) * 3) % 3 == j) as u8 as f64)
    });
    let net = Network::seeded(
        &[12, 40, 3],
        &[Activation::Tanh, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        3,
    )
    .unwrap();
    (net, x, y)
}

/// The parameters' bits and the costs' of a run.
fn bits<T: Float>(net: &Network<T>, report: &TrainReport) -> (Vec<u64>, Vec<[u64; 2]>) {
    let params = net.params().as_slice().iter().map(|v| v.wide().to_bits());
    let costs = report.history.iter().map(|s: &EpochStats| {
        [
            s.train.data.to_bits(),
            s.validation.unwrap_or(0.0).to_bits(),
        ]
    });
    (params.collect(), costs.collect())
}

/// Trains on `size` fake processes (none: the plain run), 700 training and 200 validation
/// rows; every process's bits, and the bytes each sent along the chain.
fn train<T: Float>(config: &TrainConfig, size: Option<usize>) -> Vec<(Vec<u64>, Vec<[u64; 2]>)> {
    let (net, x, y) = problem::<T>();
    let run = |peers: Option<Arc<dyn Peers>>| {
        let mut net = net.clone();
        let data = TrainData {
            x: x.slice(ndarray::s![..700, ..]),
            y: y.slice(ndarray::s![..700, ..]),
            validation: Some((
                x.slice(ndarray::s![700.., ..]),
                y.slice(ndarray::s![700.., ..]),
            )),
        };
        let report = mlp::train_with(&mut net, data, config, None, Shared(peers)).unwrap();
        assert_ne!(report.stop, StopReason::Interrupted);
        bits(&net, &report)
    };
    match size {
        None => vec![run(None)],
        Some(size) => std::thread::scope(|scope| {
            let handles: Vec<_> = cluster(size)
                .into_iter()
                .map(|p| scope.spawn(move || run(Some(p as Arc<dyn Peers>))))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        }),
    }
}

fn config(solver: Solver, batch: Option<usize>) -> TrainConfig {
    TrainConfig {
        solver,
        epochs: 6,
        batch_size: batch,
        learning_rate: match solver {
            Solver::Sgd => Some(0.05),
            Solver::Adam => Some(0.01),
            _ => None,
        },
        lambda: 0.5,
        early_stopping: Some(false),
        ..TrainConfig::default()
    }
}

fn same_bits_on_any_number_of_processes<T: Float>() {
    // gd and the line-search solvers on all 700 rows: 3 groups of rows, so 1 to 4 processes
    // have more, as many and fewer groups than processes; sgd on batches of 600 rows (3
    // groups, and the last batch of 100 rows 1 group); adam on batches of 200 rows (1 group,
    // which the last process computes while the others pass the sums on).
    let cases = [
        config(Solver::Gd, None),
        config(Solver::Lbfgs, None),
        config(Solver::Cg, None),
        config(Solver::Sgd, Some(600)),
        config(Solver::Adam, Some(200)),
    ];
    for config in &cases {
        let plain = train::<T>(config, None).remove(0);
        assert_eq!(plain.1.len(), config.epochs, "{:?}", config.solver);
        for size in 1..=4 {
            for (rank, got) in train::<T>(config, Some(size)).into_iter().enumerate() {
                assert!(
                    got == plain,
                    "{} {:?} on {size} processes: process {rank} differs",
                    T::NAME,
                    config.solver
                );
            }
        }
    }
}

#[test]
fn f64_runs_on_1_to_4_processes_give_the_same_bits() {
    same_bits_on_any_number_of_processes::<f64>();
}

#[test]
fn f32_runs_on_1_to_4_processes_give_the_same_bits() {
    same_bits_on_any_number_of_processes::<f32>();
}

#[test]
fn shares_cover_every_group_once_and_the_last_process_always_has_one() {
    for groups in 1..=8 {
        for size in 1..=10 {
            let mut next = 0;
            for rank in 0..size {
                let s = share(groups, rank, size);
                assert_eq!(s.start, next);
                next = s.end;
            }
            assert_eq!(next, groups);
            assert!(!share(groups, size - 1, size).is_empty());
        }
    }
    // The cases above: 3 groups on 4 processes leave process 0 without one.
    assert!(share(3, 0, 4).is_empty());
}

#[test]
fn the_sums_go_along_the_chain() {
    // One full-batch f32 step of the 12-40-3 network: a 16-byte header and 643 parameters of
    // 4 bytes travel each hop, the last process sends nothing along the chain.
    let (net, x, y) = problem::<f32>();
    let peers = cluster(3);
    let p = net.params().len();
    std::thread::scope(|scope| {
        for peer in &peers {
            let (net, x, y) = (&net, &x, &y);
            scope.spawn(move || {
                let mut ws = mlp::Workspace::new(1).with_peers(peer.clone() as Arc<dyn Peers>);
                let mut grad = net.params().zeros_like();
                net.cost_and_gradient(x.view(), y.view(), 0.0, &mut ws, &mut grad)
                    .unwrap();
            });
        }
    });
    let sent: Vec<usize> = peers
        .iter()
        .map(|p| p.sent.load(Ordering::Relaxed))
        .collect();
    assert_eq!(sent, [16 + 4 * p, 16 + 4 * p, 0]);
}

/// Hooks of one process of a run in which process 1 is asked to stop at its `at`-th check.
struct StopOne {
    peers: Arc<dyn Peers>,
    checks: usize,
    at: usize,
}

impl Hooks for StopOne {
    fn interrupted(&mut self) -> bool {
        self.checks += 1;
        self.peers.rank() == 1 && self.checks >= self.at
    }
    fn peers(&self) -> Option<Arc<dyn Peers>> {
        Some(self.peers.clone())
    }
}

#[test]
fn a_stop_asked_of_one_process_stops_every_process_after_the_same_step() {
    // sgd on batches of 100 rows: 9 steps an epoch, 9 checks (after each step but the last,
    // and at the end of the epoch). Process 1 is asked to stop at its 10th check, after the
    // first step of the second epoch; the request travels with the second step's sums, and
    // every process stops after it.
    let (net, x, y) = problem::<f64>();
    let config = config(Solver::Sgd, Some(100));
    let reports: Vec<TrainReport> = std::thread::scope(|scope| {
        let handles: Vec<_> = cluster(3)
            .into_iter()
            .map(|p| {
                let (mut net, x, y, config) = (net.clone(), &x, &y, &config);
                scope.spawn(move || {
                    let data = TrainData {
                        x: x.view(),
                        y: y.view(),
                        validation: None,
                    };
                    let hooks = StopOne {
                        peers: p,
                        checks: 0,
                        at: 10,
                    };
                    mlp::train_with(&mut net, data, config, None, hooks).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let states: Vec<_> = reports
        .iter()
        .map(|r| {
            assert_eq!(r.stop, StopReason::Interrupted);
            let s = r.state.as_ref().unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            (
                s.epochs_done,
                s.next_batch,
                bits(&s.params),
                bits(&s.moment1),
            )
        })
        .collect();
    assert!(states.iter().all(|s| *s == states[0]));
    assert_eq!((states[0].0, states[0].1), (1, 2));
}
