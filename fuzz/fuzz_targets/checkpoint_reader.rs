//! The checkpoint reader never panics, whatever the bytes; a checkpoint it accepts is written
//! back the same, and resuming from it is checked (`TrainState::check_matches`) and, when it
//! passes, runs: resuming never panics either.
//!
//! The seeds (`seeds/checkpoint_reader/`) are checkpoints of the run below, stopped after its
//! first epoch, one per solver, so that mutations of them reach the resume itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp::{Activation, Hooks, Loss, Network, TrainData, TrainState, train_with};
use ndarray::{Array2, array};
use std::ops::ControlFlow;

/// The run the seeds come from: a 2-3-1 tanh network on six rows.
fn network() -> Network<f64> {
    let mut net = Network::new(
        &[2, 3, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::SquaredError,
    )
    .expect("a valid network");
    mlp::init::initialize(net.params_mut(), mlp::Init::Glorot, 1);
    net
}

fn data() -> (Array2<f64>, Array2<f64>) {
    let x = array![
        [0.0, 1.0],
        [1.0, 0.0],
        [0.5, 0.5],
        [-1.0, 0.3],
        [0.2, -0.7],
        [0.9, 0.9]
    ];
    let y = array![[1.0], [0.0], [0.5], [-0.4], [0.1], [1.2]];
    (x, y)
}

/// No progress, no interruption, no periodic checkpoints.
struct Quiet;

impl Hooks for Quiet {
    fn epoch(&mut self, _: &mlp::EpochStats) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(state) = TrainState::from_json_bytes("fuzz.checkpoint", bytes) else {
        return;
    };
    let text = state.to_json().expect("an accepted checkpoint can be written");
    let again = TrainState::from_json_bytes("again.checkpoint", text.as_bytes())
        .expect("and read back");
    assert_eq!(again.to_json().expect("written again"), text);

    // Checked against its own settings, on as many rows as it says (bounded: the rows come
    // from the data, never from the file).
    let examples = state.examples.min(1 << 16);
    let fingerprint = state.data.clone().unwrap_or_default();
    let _ = state.check_matches(&state.config, examples, state.params.len(), &fingerprint);

    // Resumed in the run of the seeds, with the settings it holds when they are those of a
    // short run on one thread.
    let mut config = state.config.clone();
    if config.epochs > 8 || config.threads != 1 || config.batch_size.is_some_and(|b| b > 64) {
        return;
    }
    config.threads = 1;
    let (x, y) = data();
    let mut net = network();
    let train = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    if let Ok(report) = train_with(&mut net, train, &config, Some(state), Quiet) {
        assert!(report.epochs <= config.epochs);
    }
});
