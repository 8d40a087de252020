//! Feed-forward neural networks trained by forward propagation, backpropagation and gradient
//! descent, exactly as derived in the seed document.
//!
//! ```
//! use mlp::{Activation, Init, Loss, Network, Workspace};
//! use ndarray::array;
//!
//! // 2 inputs -> 3 sigmoid units -> 1 sigmoid output, the seed's logistic cost.
//! let net = Network::<f64>::seeded(&[2, 3, 1], &[Activation::Sigmoid, Activation::Sigmoid],
//!                                  Loss::CrossEntropy, Init::Glorot, 7)?;
//! let x = array![[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
//! let y = array![[0.0], [1.0], [1.0], [0.0]];
//! let mut ws = Workspace::new(1);
//! let mut grad = net.params().zeros_like();
//! let cost = net.cost_and_gradient(x.view(), y.view(), 0.1, &mut ws, &mut grad)?;
//! assert!(cost.total() > 0.0 && grad.all_finite());
//! # Ok::<(), mlp::Error>(())
//! ```
#![deny(missing_docs)]

pub mod activation;
mod atomic;
mod backprop;
pub mod data;
mod error;
pub mod explain;
mod fastmath;
mod float;
pub mod gradcheck;
pub mod init;
mod linalg;
pub mod loss;
pub mod metrics;
pub mod model;
mod network;
mod params;
pub mod pipeline;
mod pool;
pub mod preprocess;
pub mod train;

pub use activation::Activation;
pub use atomic::{check_writable, write_atomic};
pub use backprop::{Cost, Workspace};
pub use error::{Error, Location, Result};
pub use float::Float;
pub use init::Init;
pub use loss::Loss;
pub use model::{Model, Scaling};
pub use network::Network;
pub use params::{Entry, Params};
pub use pipeline::{FitOptions, Fitted, fit, fit_with};
pub use preprocess::Task;
pub use train::{
    EpochStats, Hooks, Schedule, Solver, StopReason, TrainConfig, TrainData, TrainReport,
    TrainState, train, train_with,
};
