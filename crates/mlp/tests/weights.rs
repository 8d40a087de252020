//! Weights through the targets (pipeline/weights.rs): with softmax cross-entropy, targets
//! w_i y_i give the cost (1/m) sum_i w_i cost_i and its exact gradient.
#![allow(clippy::unwrap_used)]

use mlp::gradcheck::{GradCheckConfig, gradient_check};
use mlp::{Activation, Init, Loss, Network, Workspace};
use ndarray::{Array2, array, s};

#[test]
fn weighted_targets_weigh_each_cost_and_check_out() {
    let net = Network::<f64>::seeded(
        &[3, 4, 3],
        &[Activation::Tanh, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        5,
    )
    .unwrap();
    let x = array![
        [0.5, -1.0, 2.0],
        [1.5, 0.2, -0.3],
        [-0.7, 0.9, 0.1],
        [0.0, -0.4, 1.1]
    ];
    let y = array![
        [1.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0]
    ];
    let w = [2.0, 0.5, 1.0, 0.5];
    let mut yw: Array2<f64> = y.clone();
    for (mut row, wi) in yw.rows_mut().into_iter().zip(w) {
        row *= wi;
    }
    let mut ws = Workspace::new(1);
    let weighted = net.cost(x.view(), yw.view(), 0.0, &mut ws).unwrap().total();
    // By hand: each example's own cost, weighed, averaged over m = 4.
    let by_hand: f64 = (0..4)
        .map(|i| {
            let (xi, yi) = (x.slice(s![i..=i, ..]), y.slice(s![i..=i, ..]));
            w[i] * net.cost(xi, yi, 0.0, &mut ws).unwrap().total()
        })
        .sum::<f64>()
        / 4.0;
    assert!(
        (weighted - by_hand).abs() < 1e-14,
        "{weighted} vs {by_hand}"
    );
    let check =
        gradient_check(&net, x.view(), yw.view(), 0.7, &GradCheckConfig::default()).unwrap();
    assert!(
        check.max_relative_error < 1e-7,
        "{}",
        check.max_relative_error
    );
}
