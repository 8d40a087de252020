//! Early stopping on a metric of the validation rows (`TrainConfig::stop_metric`) instead of
//! their loss.
#![allow(clippy::unwrap_used)]

use mlp::init::uniform_matrix;
use mlp::metrics::Metric;
use mlp::train::{Solver, TrainConfig, TrainData, TrainReport, train};
use mlp::{Activation, Init, Loss, Network};
use ndarray::Array2;
use std::ops::ControlFlow;

/// Three noisy classes of 4 inputs: `n` rows from `seed`.
fn classes(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
    let x = uniform_matrix(n, 4, -1.0, 1.0, seed);
    let noise = uniform_matrix(n, 1, -0.3, 0.3, seed + 100);
    let mut y = Array2::zeros((n, 3));
    for i in 0..n {
        let s = x[(i, 0)] + 0.5 * x[(i, 1)] + noise[(i, 0)];
        let c = if s < -0.4 {
            0
        } else if s < 0.4 {
            1
        } else {
            2
        };
        y[(i, c)] = 1.0;
    }
    (x, y)
}

/// Adam on 60 rows for 40 epochs, validated on 40 others, watching `metric`.
fn run(metric: Option<Metric>) -> mlp::Result<(Network<f64>, TrainReport)> {
    let (x, y) = classes(60, 1);
    let (vx, vy) = classes(40, 2);
    let mut net = Network::<f64>::seeded(
        &[4, 16, 3],
        &[Activation::Relu, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        3,
    )?;
    let config = TrainConfig {
        solver: Solver::Adam,
        learning_rate: Some(0.05),
        epochs: 40,
        batch_size: Some(20),
        patience: 1000,
        early_stopping: Some(true),
        stop_metric: metric,
        ..TrainConfig::default()
    };
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: Some((vx.view(), vy.view())),
    };
    let report = train(&mut net, data, &config, |_| ControlFlow::Continue(()))?;
    Ok((net, report))
}

#[test]
fn the_best_epoch_is_the_first_of_the_highest_validation_accuracy() {
    let (_, report) = run(Some(Metric::Accuracy)).unwrap();
    let scores: Vec<f64> = report
        .history
        .iter()
        .map(|s| s.validation_score.unwrap())
        .collect();
    let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let first = report.history[scores.iter().position(|&s| s == best).unwrap()].epoch;
    let (epoch, loss) = report.best_validation.unwrap();
    assert_eq!(epoch, first);
    // The reported number is that epoch's validation loss, not the metric.
    assert_eq!(Some(loss), report.history[epoch - 1].validation);
    // Watching the loss picks the epoch of the lowest loss, here another one.
    let (_, by_loss) = run(None).unwrap();
    let lowest = by_loss
        .history
        .iter()
        .map(|s| s.validation.unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(by_loss.best_validation.unwrap().1, lowest);
    assert_ne!(by_loss.best_validation.unwrap().0, epoch);
}

#[test]
fn a_metric_of_the_other_task_is_refused() {
    let err = run(Some(Metric::R2)).unwrap_err().to_string();
    assert!(err.contains("stop_metric") && err.contains("r2"), "{err}");
}
