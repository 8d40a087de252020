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

// Floors, from the bottom: a module imports what it uses by its own path
// (`crate::float::Float`), from its own floor or those below, never from above, with no
// circles. The re-exports further down are for the library's users.
// 0. errors, elementwise math on plain f32/f64 at SIMD width, the thread pool
mod atomic;
mod error;
mod fastmath;
mod jobs;
mod pool;
// 1. the element type
mod float;
// 2. the pieces of a network, matrix products, the passes' buffers and elementwise kernels;
//    the task and the scores of predictions; the chain fold over processes
pub mod activation;
pub mod dropout;
pub mod init;
mod kernels;
mod linalg;
pub mod loss;
pub mod metrics;
mod params;
pub mod peers;
mod task;
mod workspace;
// 3. the network
mod network;
// 4. the seed's math over a chunk of rows
mod passes;
// 5. the driver: chunks, threads, ordered sums
mod driver;
// 6. the network's public passes over a batch
mod batch;
// 7. what is built on the passes
pub mod explain;
pub mod gradcheck;
pub mod train;
// 8. data, the input schema, model files and the whole pipeline
pub mod data;
pub mod model;
pub mod pipeline;
pub mod preprocess;
pub mod schema;
// 9. what is built on a trained model
pub mod export;
pub mod importance;

pub use activation::Activation;
pub use atomic::{check_writable, write_atomic};
pub use error::{Error, Location, Result};
pub use float::Float;
pub use init::Init;
pub use loss::Loss;
pub use model::{Model, Scaling, Training, TrainingRecord};
pub use network::Network;
pub use params::{Entry, Params};
pub use passes::Cost;
pub use peers::Peers;
pub use pipeline::{FitOptions, Fitted, fit, fit_with};
pub use preprocess::Task;
pub use train::{
    EpochStats, Hooks, Schedule, Solver, StopReason, TrainConfig, TrainData, TrainReport,
    TrainState, train, train_with,
};
pub use workspace::Workspace;
