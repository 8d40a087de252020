//! Dropout (crate::dropout): the masked J and its gradient agree with central differences of
//! the masked J, for every hidden activation and across the chunks of a large batch; the masks
//! do not depend on threads; prediction is never masked.
#![allow(clippy::unwrap_used)]

use mlp::dropout::Dropout;
use mlp::init::uniform_matrix;
use mlp::train::{Solver, TrainConfig, TrainData, train};
use mlp::{Activation, Init, Loss, Network, Workspace};
use ndarray::Array2;
use std::ops::ControlFlow;

/// `m` rows of 5 inputs and softmax targets over 3 classes.
fn batch(m: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let x = uniform_matrix(m, 5, -1.5, 1.5, seed);
    let mut y = uniform_matrix(m, 3, 0.0, 1.0, seed + 1);
    for mut row in y.rows_mut() {
        let s = row.sum();
        row /= s;
    }
    (x, y)
}

fn net(hidden: Activation) -> Network<f64> {
    Network::seeded(
        &[5, 7, 6, 3],
        &[hidden, hidden, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        4,
    )
    .unwrap()
}

/// ||analytic - numerical|| / ||analytic + numerical|| over every parameter (the gradient
/// check's measure), J masked by `dropout` throughout.
fn worst_relative_error(net: &Network<f64>, m: usize, dropout: Dropout) -> f64 {
    let (x, y) = batch(m, 9);
    let lambda = 0.3;
    let mut ws = Workspace::new(1);
    ws.set_dropout(Some(dropout));
    let mut grad = net.params().zeros_like();
    net.cost_and_gradient(x.view(), y.view(), lambda, &mut ws, &mut grad)
        .unwrap();
    let mut probe = net.clone();
    let eps = 1e-6;
    let (mut diff, mut sum) = (0.0, 0.0);
    for j in 0..net.params().len() {
        let w = net.params().as_slice()[j];
        probe.params_mut().as_mut_slice()[j] = w + eps;
        let up = probe
            .cost(x.view(), y.view(), lambda, &mut ws)
            .unwrap()
            .total();
        probe.params_mut().as_mut_slice()[j] = w - eps;
        let down = probe
            .cost(x.view(), y.view(), lambda, &mut ws)
            .unwrap()
            .total();
        probe.params_mut().as_mut_slice()[j] = w;
        let numerical = (up - down) / (2.0 * eps);
        let analytic = grad.as_slice()[j];
        diff += (analytic - numerical).powi(2);
        sum += (analytic + numerical).powi(2);
    }
    (diff / sum).sqrt()
}

#[test]
fn the_masked_gradient_checks_out_for_every_hidden_activation() {
    let dropout = Dropout::for_step(0.4, 3, 1, 0).unwrap();
    for g in [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Elu,
        Activation::Selu,
        Activation::Relu,
    ] {
        let worst = worst_relative_error(&net(g), 40, dropout);
        assert!(worst < 1e-8, "{g:?}: {worst}");
    }
}

#[test]
fn a_batch_of_several_chunks_draws_its_masks_by_row() {
    // 700 rows: three chunks of at most 256 rows; the numerical gradient does not know the cut.
    let dropout = Dropout::for_step(0.25, 8, 3, 2).unwrap();
    let worst = worst_relative_error(&net(Activation::Tanh), 700, dropout);
    assert!(worst < 1e-8, "{worst}");
    let (x, y) = batch(700, 9);
    let grads: Vec<_> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            let mut ws = Workspace::new(threads);
            ws.set_dropout(Some(dropout));
            let mut grad = net(Activation::Tanh).params().zeros_like();
            let cost = net(Activation::Tanh)
                .cost_and_gradient(x.view(), y.view(), 0.1, &mut ws, &mut grad)
                .unwrap();
            (cost.total().to_bits(), grad)
        })
        .collect();
    assert!(grads.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn no_mask_without_dropout_and_never_in_prediction() {
    let n = net(Activation::Relu);
    let (x, y) = batch(30, 2);
    let mut plain = Workspace::new(1);
    let mut none = Workspace::new(1);
    none.set_dropout(Some(Dropout::new(0.0, 5).unwrap()));
    let mut masked = Workspace::new(1);
    masked.set_dropout(Some(Dropout::new(0.5, 5).unwrap()));
    let j = |ws: &mut Workspace<f64>| n.cost(x.view(), y.view(), 0.0, ws).unwrap().total();
    assert_eq!(j(&mut plain), j(&mut none));
    assert_ne!(j(&mut plain), j(&mut masked));
    // A workspace that masks passes with a cost predicts with every unit.
    assert_eq!(
        n.predict_with(x.view(), &mut masked).unwrap(),
        n.predict(x.view()).unwrap()
    );
}

#[test]
fn training_with_dropout_is_the_same_for_any_threads() {
    let (x, y) = batch(600, 4);
    let trained = |threads: usize, dropout: f64| {
        let mut n = net(Activation::Relu);
        let config = TrainConfig {
            solver: Solver::Adam,
            learning_rate: Some(0.01),
            epochs: 3,
            batch_size: Some(300),
            dropout,
            threads,
            seed: 6,
            ..TrainConfig::default()
        };
        let data = TrainData {
            x: x.view(),
            y: y.view(),
            validation: None,
        };
        train(&mut n, data, &config, |_| ControlFlow::Continue(())).unwrap();
        n
    };
    let one = trained(1, 0.3);
    assert_eq!(one.params(), trained(2, 0.3).params());
    assert_ne!(one.params(), trained(1, 0.0).params());
    let refused = TrainConfig {
        solver: Solver::Lbfgs,
        dropout: 0.2,
        ..TrainConfig::default()
    };
    assert!(
        refused
            .validate()
            .unwrap_err()
            .to_string()
            .contains("dropout")
    );
}
