//! The seed's algorithm on XOR: a 2-2-1 sigmoid network, the logistic cost, full-batch
//! gradient descent. Run: `cargo run --release --example xor`.

use mlp::{Activation, Init, Loss, Network, Solver, TrainConfig, TrainData};
use ndarray::array;
use std::ops::ControlFlow;

fn main() -> Result<(), mlp::Error> {
    let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let y = array![[0.0], [1.0], [1.0], [0.0]];
    let mut net = Network::<f64>::seeded(
        &[2, 2, 1],
        &[Activation::Sigmoid, Activation::Sigmoid],
        Loss::CrossEntropy,
        Init::Uniform { bound: 1.0 },
        2,
    )?;
    let config = TrainConfig {
        solver: Solver::Gd,
        learning_rate: Some(2.0),
        epochs: 5000,
        ..TrainConfig::default()
    };
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    let report = mlp::train(&mut net, data, &config, |stats| {
        if stats.epoch % 1000 == 0 {
            println!("epoch {:>4}: J = {:.6}", stats.epoch, stats.train.total());
        }
        ControlFlow::Continue(())
    })?;
    println!(
        "{net}: {} epochs, {}",
        report.epochs,
        report.stop.describe()
    );
    for (input, output) in x.rows().into_iter().zip(net.predict(x.view())?.rows()) {
        println!("{input} -> {:.4}", output[0]);
    }
    Ok(())
}
