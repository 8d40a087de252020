//! Backpropagation agrees with central differences on random networks of every allowed
//! activation and cost, depth 1 to 4, with random lambda (f64).
#![allow(clippy::unwrap_used)]

use mlp::gradcheck::{GradCheckConfig, gradient_check};
use mlp::{Activation, Init, Loss, Network};
use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

const HIDDEN: [Activation; 6] = [
    Activation::Identity,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::Elu,
    Activation::Selu,
];

/// Every output activation x loss pair a network may have.
const PAIRS: [(Activation, Loss); 7] = [
    (Activation::Identity, Loss::SquaredError),
    (Activation::Sigmoid, Loss::SquaredError),
    (Activation::Tanh, Loss::SquaredError),
    (Activation::Relu, Loss::SquaredError),
    (Activation::Softmax, Loss::SquaredError),
    (Activation::Sigmoid, Loss::CrossEntropy),
    (Activation::Softmax, Loss::SoftmaxCrossEntropy),
];

#[derive(Debug, Clone)]
struct Case {
    sizes: Vec<usize>,
    hidden: Vec<Activation>,
    pair: (Activation, Loss),
    lambda: f64,
    seed: u64,
    m: usize,
    x: Vec<f64>,
    y: Vec<f64>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        1usize..=4,
        1usize..=7,
        0usize..PAIRS.len(),
        0.0..3.0f64,
        any::<u64>(),
        1usize..=6,
    )
        .prop_flat_map(|(depth, _, pair, lambda, seed, m)| {
            let sizes = prop::collection::vec(1usize..=5, depth + 1);
            let hidden = prop::collection::vec(0usize..HIDDEN.len(), depth - 1);
            (
                sizes,
                hidden,
                Just(PAIRS[pair]),
                Just(lambda),
                Just(seed),
                Just(m),
            )
        })
        .prop_flat_map(|(sizes, hidden, pair, lambda, seed, m)| {
            let n_in = sizes[0];
            let k = sizes[sizes.len() - 1];
            let x = prop::collection::vec(-2.0..2.0f64, m * n_in);
            let y = prop::collection::vec(0.0..1.0f64, m * k);
            (
                Just(sizes),
                Just(hidden),
                Just(pair),
                Just(lambda),
                Just(seed),
                Just(m),
                x,
                y,
            )
        })
        .prop_map(|(sizes, hidden, pair, lambda, seed, m, x, y)| Case {
            hidden: hidden.into_iter().map(|h| HIDDEN[h]).collect(),
            sizes,
            pair,
            lambda,
            seed,
            m,
            x,
            y,
        })
}

fn targets(case: &Case) -> Array2<f64> {
    let k = case.sizes[case.sizes.len() - 1];
    let mut y = Array2::from_shape_vec((case.m, k), case.y.clone()).unwrap();
    if case.pair.1 == Loss::SoftmaxCrossEntropy {
        // Probability rows, the targets the softmax cost is defined for.
        for mut row in y.rows_mut() {
            let s: f64 = row.sum() + 1e-3;
            row.mapv_inplace(|v| (v + 1e-3 / k as f64) / s);
        }
    }
    y
}

proptest! {
    #![proptest_config(Config {
        cases: 300,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(20261124),
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn backprop_matches_central_differences(case in case()) {
        let mut activations = case.hidden.clone();
        activations.push(case.pair.0);
        // A wider initial range than Glorot, so that units are far from linear.
        let net = Network::<f64>::seeded(&case.sizes, &activations, case.pair.1,
                                         Init::Uniform { bound: 1.5 }, case.seed).unwrap();
        let x = Array2::from_shape_vec((case.m, case.sizes[0]), case.x.clone()).unwrap();
        let y = targets(&case);
        let check = gradient_check(&net, x.view(), y.view(), case.lambda,
                                   &GradCheckConfig { epsilon: 1e-6, max_params: None }).unwrap();
        for (k, layer) in check.layers.iter().enumerate() {
            prop_assert!(layer.relative_error < 1e-7,
                "{net}: layer {} relative error {:e}", k + 1, layer.relative_error);
            for (a, n) in layer.analytical.iter().zip(&layer.numerical) {
                prop_assert!((a - n).abs() <= 1e-7 * a.abs().max(n.abs()) + 1e-8,
                    "{net}: layer {}: analytical {a:e} numerical {n:e}", k + 1);
            }
        }
    }
}

#[test]
fn gradient_check_can_fail() {
    // At a relu kink (z = 0 exactly) backpropagation takes g'(0) = 0 while central differences
    // see the average slope 1/2: the check must report it.
    let mut net = Network::<f64>::new(&[1, 1], &[Activation::Relu], Loss::SquaredError).unwrap();
    net.params_mut().as_mut_slice().copy_from_slice(&[1.0, 0.0]);
    let x = ndarray::array![[0.0]];
    let y = ndarray::array![[-1.0]];
    let check = gradient_check(&net, x.view(), y.view(), 0.0, &GradCheckConfig::default()).unwrap();
    assert_eq!(check.layers[0].analytical, vec![0.0, 0.0]);
    assert!(
        (check.layers[0].numerical[1] - 0.5).abs() < 1e-4,
        "{:?}",
        check.layers[0]
    );
    assert_eq!(check.max_relative_error, 1.0);
}
