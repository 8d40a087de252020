//! Update rules of the first-order solvers, on the flat parameter vector.

use super::config::{Solver, TrainConfig};
use crate::fastmath::vectorized;
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::passes::gradient_descent;
use crate::pool::{PAR_MIN_ELEMENTS, PAR_MIN_TRANSCENDENTAL, blocks_for, par_blocks};

/// The state a first-order solver carries from step to step.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stepper<T> {
    /// w := w - alpha g.
    Plain,
    /// PyTorch's momentum: v := mu v + g; w := w - alpha v (Nesterov: w := w - alpha (g + mu v)).
    Momentum {
        velocity: Vec<T>,
        mu: T,
        nesterov: bool,
    },
    /// Adam with bias correction: m := b1 m + (1-b1) g, v := b2 v + (1-b2) g^2,
    /// w := w - alpha m^ / (sqrt(v^) + eps) with m^ = m/(1-b1^t), v^ = v/(1-b2^t).
    Adam {
        m: Vec<T>,
        v: Vec<T>,
        t: u64,
        beta1: f64,
        beta2: f64,
        eps: T,
    },
}

impl<T: Float> Stepper<T> {
    pub(crate) fn new(config: &TrainConfig, n: usize) -> Self {
        match config.solver {
            Solver::Sgd if config.momentum > 0.0 => Stepper::Momentum {
                velocity: vec![T::zero(); n],
                mu: T::of(config.momentum),
                nesterov: config.nesterov,
            },
            Solver::Adam => Stepper::Adam {
                m: vec![T::zero(); n],
                v: vec![T::zero(); n],
                t: 0,
                beta1: config.beta1,
                beta2: config.beta2,
                eps: T::of(config.adam_epsilon),
            },
            _ => Stepper::Plain,
        }
    }

    /// The first and second moments (momentum velocity or Adam's m; Adam's v) and the step
    /// count, for checkpoints.
    pub(crate) fn moments(&self) -> (&[T], &[T], u64) {
        match self {
            Stepper::Plain => (&[], &[], 0),
            Stepper::Momentum { velocity, .. } => (velocity, &[], 0),
            Stepper::Adam { m, v, t, .. } => (m, v, *t),
        }
    }

    /// Puts back the moments saved by [`Stepper::moments`].
    pub(crate) fn restore(&mut self, first: Vec<T>, second: Vec<T>, steps: u64) {
        match self {
            Stepper::Plain => {}
            Stepper::Momentum { velocity, .. } => {
                if first.len() == velocity.len() {
                    *velocity = first;
                }
            }
            Stepper::Adam { m, v, t, .. } => {
                if first.len() == m.len() && second.len() == v.len() {
                    *m = first;
                    *v = second;
                    *t = steps;
                }
            }
        }
    }

    /// One update of `w` from the gradient `g` with step size `alpha`, split over `threads`
    /// threads when `w` is large (every element is updated the same way in any split).
    pub(crate) fn step(&mut self, w: &mut [T], g: &[T], alpha: f64, threads: usize) {
        let lr = T::of(alpha);
        let blocks = blocks_for(threads, w.len(), PAR_MIN_ELEMENTS);
        match self {
            Stepper::Plain => gradient_descent(w, g, alpha, threads),
            Stepper::Momentum {
                velocity,
                mu,
                nesterov,
            } => {
                let (mu, nesterov) = (*mu, *nesterov);
                par_blocks(((w, g), &mut velocity[..]), blocks, |((w, g), v), _| {
                    vectorized(
                        #[inline(always)]
                        || {
                            // Copies of the captured scalars: read through the closure's
                            // references, they would be reloaded on every element (they might
                            // alias `w`), and the loop would not vectorize.
                            let (lr, mu, nesterov) = (lr, mu, nesterov);
                            let wgv = w.iter_mut().zip(g).zip(v.iter_mut());
                            if nesterov {
                                for ((w, &g), v) in wgv {
                                    *v = mu * *v + g;
                                    *w -= lr * (g + mu * *v);
                                }
                            } else {
                                for ((w, &g), v) in wgv {
                                    *v = mu * *v + g;
                                    *w -= lr * *v;
                                }
                            }
                        },
                    );
                });
            }
            Stepper::Adam {
                m,
                v,
                t,
                beta1,
                beta2,
                eps,
            } => {
                // A square root and three divisions per element: split as early as the passes
                // that evaluate an exponential (on the pool, W3's 20,865 parameters are then
                // shared by two threads).
                let blocks = blocks_for(threads, w.len(), PAR_MIN_TRANSCENDENTAL);
                *t += 1;
                let (b1, b2) = (T::of(*beta1), T::of(*beta2));
                let exponent = i32::try_from(*t).unwrap_or(i32::MAX);
                let c1 = T::of(1.0 - beta1.powi(exponent));
                let c2 = T::of(1.0 - beta2.powi(exponent));
                let (one, eps) = (T::one(), *eps);
                let moments = (&mut m[..], &mut v[..]);
                par_blocks(((w, g), moments), blocks, |((w, g), (m, v)), _| {
                    vectorized(
                        #[inline(always)]
                        || {
                            let (lr, b1, b2, c1, c2, one, eps) = (lr, b1, b2, c1, c2, one, eps);
                            for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
                                *m = b1 * *m + (one - b1) * g;
                                *v = b2 * *v + (one - b2) * g * g;
                                *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                            }
                        },
                    );
                });
            }
        }
    }
}

/// One solver step on `net`, with the bias gradient zeroed first when biases are frozen.
pub(super) fn take_step<T: Float>(
    net: &mut Network<T>,
    stepper: &mut Stepper<T>,
    grad: &mut Params<T>,
    alpha: f64,
    config: &TrainConfig,
) {
    if config.freeze_bias {
        for k in 0..grad.n_layers() {
            grad.layer_mut(k).1.fill(T::zero());
        }
    }
    // The decay takes the weights before the step, as AdamW writes it:
    // W := W - alpha (D W + the solver's step direction).
    if config.weight_decay > 0.0 {
        decay_weights(net, alpha * config.weight_decay);
    }
    let (w, g) = (net.params_mut().as_mut_slice(), grad.as_slice());
    stepper.step(w, g, alpha, config.threads);
}

/// Decoupled weight decay: W^(l) := W^(l) - c W^(l) = (1 - c) W^(l) for every layer, biases
/// untouched (see [`TrainConfig::weight_decay`]).
fn decay_weights<T: Float>(net: &mut Network<T>, c: f64) {
    let keep = T::of(1.0 - c);
    let params = net.params_mut();
    for k in 0..params.n_layers() {
        params.layer_mut(k).0.mapv_inplace(|w| w * keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::config::TrainConfig;

    #[test]
    fn adam_gives_the_same_bits_on_any_number_of_threads() {
        // W3's 20,865 parameters: on a pool thread, Adam's update is split in blocks from
        // 16,384 elements on. Every element must come out as in a one-element-at-a-time loop.
        let n = 20_865;
        let config = TrainConfig {
            solver: Solver::Adam,
            ..TrainConfig::default()
        };
        let w0: Vec<f32> = (0..n)
            .map(|i| ((i * 37) % 101) as f32 * 0.01 - 0.5)
            .collect();
        let grads: Vec<Vec<f32>> = (0..3)
            .map(|s| {
                (0..n)
                    .map(|i| ((i * 13 + s * 7) % 89) as f32 * 1e-3 - 0.04)
                    .collect()
            })
            .collect();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            pool.install(|| {
                let mut stepper = Stepper::<f32>::new(&config, n);
                let mut w = w0.clone();
                for g in &grads {
                    stepper.step(&mut w, g, 1e-3, threads);
                }
                w
            })
        };
        // The update written out, one element at a time.
        let (b1, b2, eps) = (config.beta1, config.beta2, config.adam_epsilon as f32);
        let (mut w, mut m, mut v) = (w0.clone(), vec![0.0f32; n], vec![0.0f32; n]);
        for (t, g) in grads.iter().enumerate() {
            let c1 = (1.0 - b1.powi(t as i32 + 1)) as f32;
            let c2 = (1.0 - b2.powi(t as i32 + 1)) as f32;
            let (b1, b2) = (b1 as f32, b2 as f32);
            for i in 0..n {
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                w[i] -= 1e-3 * (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
            }
        }
        for threads in [1, 2, 3] {
            let got = run(threads);
            assert!(
                got.iter().zip(&w).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{threads} threads"
            );
        }
    }
}
