//! Learning-rate schedules, warm-up and decoupled weight decay (train/config.rs,
//! train/optim.rs): their values by formula, and a step of each by hand.
#![allow(clippy::unwrap_used)]

use mlp::train::{Schedule, Solver, TrainConfig, TrainData, train};
use mlp::{Activation, Init, Loss, Network, Workspace};
use ndarray::{Array2, array};
use std::f64::consts::PI;
use std::ops::ControlFlow;

#[test]
fn cosine_and_warm_up_by_formula() {
    let config = TrainConfig {
        solver: Solver::Sgd,
        learning_rate: Some(0.4),
        schedule: Schedule::Cosine,
        epochs: 10,
        ..TrainConfig::default()
    };
    assert_eq!(config.alpha_at(1), 0.4);
    // alpha (1 + cos(pi (t - 1) / T)) / 2: half way at t = 6 of 10.
    assert!((config.alpha_at(6) - 0.2).abs() < 1e-15);
    let last = 0.4 * 0.5 * (1.0 + (PI * 0.9).cos());
    assert!((config.alpha_at(10) - last).abs() < 1e-15);
    assert!(config.alpha_at(10) < config.alpha_at(9));
    // Warm-up scales by t / W for t <= W, then the schedule's own value.
    let warm = TrainConfig {
        schedule: Schedule::Constant,
        warmup_epochs: 4,
        ..config.clone()
    };
    assert_eq!(warm.alpha_at(1), 0.1);
    assert_eq!(warm.alpha_at(3), 0.4 * 3.0 / 4.0);
    assert_eq!(warm.alpha_at(4), 0.4);
    assert_eq!(warm.alpha_at(5), 0.4);
    assert!(warm.sets_alpha_at(5) && !warm.sets_alpha_at(6));
    let inv = TrainConfig {
        schedule: Schedule::InvScaling,
        power_t: 0.5,
        ..config
    };
    assert!((inv.alpha_at(4) - 0.2).abs() < 1e-15);
}

/// A 2-3-1 tanh network and four rows.
fn problem() -> (Network<f64>, Array2<f64>, Array2<f64>) {
    let net = Network::<f64>::seeded(
        &[2, 3, 1],
        &[Activation::Tanh, Activation::Identity],
        Loss::SquaredError,
        Init::Glorot,
        11,
    )
    .unwrap();
    let x = array![[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9], [0.0, -0.4]];
    let y = array![[1.0], [-0.5], [0.3], [0.8]];
    (net, x, y)
}

/// `net` after `epochs` epochs of `config` on the problem's rows.
fn trained(config: &TrainConfig, epochs: usize) -> Network<f64> {
    let (mut net, x, y) = problem();
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    let config = TrainConfig {
        epochs,
        early_stopping: Some(false),
        ..config.clone()
    };
    train(&mut net, data, &config, |_| ControlFlow::Continue(())).unwrap();
    net
}

#[test]
fn weight_decay_takes_the_weights_before_the_step_and_leaves_biases() {
    let (net, x, y) = problem();
    let (alpha, decay) = (0.3, 0.5);
    let config = TrainConfig {
        solver: Solver::Gd,
        learning_rate: Some(alpha),
        weight_decay: decay,
        ..TrainConfig::default()
    };
    let after = trained(&config, 1);
    // By hand: W := W - alpha (dJ/dW + D W), b := b - alpha dJ/db.
    let mut grad = net.params().zeros_like();
    net.cost_and_gradient(x.view(), y.view(), 0.0, &mut Workspace::new(1), &mut grad)
        .unwrap();
    for k in 0..2 {
        let (w0, b0) = (net.params().weights(k), net.params().bias(k));
        let (g_w, g_b) = (grad.weights(k), grad.bias(k));
        let (w1, b1) = (after.params().weights(k), after.params().bias(k));
        let want_w = &w0 - &((&g_w + &(&w0 * decay)) * alpha);
        let want_b = &b0 - &(&g_b * alpha);
        for (a, b) in w1.iter().zip(&want_w).chain(b1.iter().zip(&want_b)) {
            assert!((a - b).abs() < 1e-15, "layer {k}: {a} vs {b}");
        }
    }
    // With Adam the decay changes the weights too, the same way on every run.
    let adam = TrainConfig {
        solver: Solver::Adam,
        learning_rate: Some(0.01),
        weight_decay: 0.1,
        batch_size: Some(2),
        seed: 3,
        ..TrainConfig::default()
    };
    let plain = TrainConfig {
        weight_decay: 0.0,
        ..adam.clone()
    };
    let (a, b) = (trained(&adam, 5), trained(&adam, 5));
    assert_eq!(a.params(), b.params());
    assert_ne!(a.params(), trained(&plain, 5).params());
}

#[test]
fn the_line_search_solvers_refuse_decay_and_warm_up() {
    for (config, field) in [
        (
            TrainConfig {
                solver: Solver::Lbfgs,
                weight_decay: 0.1,
                ..TrainConfig::default()
            },
            "weight_decay",
        ),
        (
            TrainConfig {
                solver: Solver::Cg,
                warmup_epochs: 3,
                ..TrainConfig::default()
            },
            "warmup_epochs",
        ),
        (
            TrainConfig {
                weight_decay: -1.0,
                ..TrainConfig::default()
            },
            "weight_decay",
        ),
    ] {
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains(field), "{err}");
    }
}
