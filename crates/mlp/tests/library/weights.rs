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

#[test]
fn smoothed_labels_are_probabilities_and_check_out() {
    let y: Array2<f64> = array![[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]];
    let mut soft = y.clone();
    mlp::pipeline::smooth_labels(&mut soft, Loss::SoftmaxCrossEntropy, 0.3).unwrap();
    // (1 - 0.3) y + 0.3 / 3.
    let expected = array![[0.8, 0.1, 0.1], [0.1, 0.1, 0.8]];
    assert!(close(&soft, &expected), "{soft}");
    for row in soft.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-15);
    }
    let mut sigmoid = array![[1.0], [0.0]];
    mlp::pipeline::smooth_labels(&mut sigmoid, Loss::CrossEntropy, 0.2).unwrap();
    assert!(close(&sigmoid, &array![[0.9], [0.1]]), "{sigmoid}");
    let mut numbers = array![[3.5]];
    assert!(mlp::pipeline::smooth_labels(&mut numbers, Loss::SquaredError, 0.1).is_err());
    assert!(mlp::pipeline::smooth_labels(&mut soft, Loss::SoftmaxCrossEntropy, 1.0).is_err());
    assert!(mlp::pipeline::smooth_labels(&mut soft, Loss::SoftmaxCrossEntropy, -0.1).is_err());
    // The seed's passes take the soft targets as they are: the gradient checks out.
    let net = Network::<f64>::seeded(
        &[2, 3, 3],
        &[Activation::Relu, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        9,
    )
    .unwrap();
    let x = array![[0.3, -1.2], [1.1, 0.4]];
    let check = gradient_check(
        &net,
        x.view(),
        soft.view(),
        0.5,
        &GradCheckConfig::default(),
    )
    .unwrap();
    assert!(
        check.max_relative_error < 1e-7,
        "{}",
        check.max_relative_error
    );
}

/// Equal to within 1e-15 everywhere.
fn close(a: &Array2<f64>, b: &Array2<f64>) -> bool {
    a.shape() == b.shape() && a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-15)
}
