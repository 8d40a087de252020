//! Checkpoints: a run's state written out as a [`TrainState`] and read back, every vector in
//! the model file's order (which does not depend on how the parameter buffer is laid out).

use super::config::TrainConfig;
use super::run::Run;
use super::state::{self, TrainState};
use super::stats::TrainData;
use crate::error::Result;
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use std::time::{Duration, Instant};

impl<T: Float> Run<T> {
    /// Puts the run (and `net`'s parameters) where the checkpoint `s` says.
    pub(super) fn restore(&mut self, net: &mut Network<T>, s: TrainState) -> Result<()> {
        let layout = net.params();
        let cast = |v: &[f64]| from_file_order(layout, v);
        let (params, moment1, moment2) = (cast(&s.params), cast(&s.moment1), cast(&s.moment2));
        let best_params = s.best_params.as_deref().map(|p| {
            let mut best = layout.zeros_like();
            best.as_mut_slice().copy_from_slice(&cast(p));
            best
        });
        net.params_mut().as_mut_slice().copy_from_slice(&params);
        self.stepper.restore(moment1, moment2, s.steps);
        self.rng.set_word_pos(s.rng_position()?);
        if !s.order.is_empty() {
            self.order = s.order;
        }
        self.epochs_done = s.epochs_done;
        self.next_batch = s.next_batch;
        self.partial = Cost {
            data: s.partial_cost[0],
            l2: s.partial_cost[1],
            examples: 0,
        };
        self.alpha = s.learning_rate;
        self.monitor
            .restore(s.best, s.stale, best_params, &s.history);
        let elapsed = s.history.last().map_or(Duration::ZERO, |h| h.elapsed);
        self.start = Instant::now()
            .checked_sub(elapsed)
            .unwrap_or_else(Instant::now);
        self.history = s.history;
        self.stride = s.history_stride.unwrap_or(1).max(1);
        Ok(())
    }

    /// The fingerprint of `data`, the run's training data: made once, when first asked for.
    pub(crate) fn fingerprint(&self, data: TrainData<'_, T>) -> &str {
        self.fingerprint
            .get_or_init(|| state::fingerprint(data.x, data.y))
    }

    /// The state to resume from, with the fingerprint of `data`, the training data.
    pub(crate) fn state(
        &self,
        net: &Network<T>,
        config: &TrainConfig,
        data: TrainData<'_, T>,
    ) -> TrainState {
        let wide = |v: &[T]| to_file_order(net.params(), v);
        let (m1, m2, steps) = self.stepper.moments();
        TrainState {
            format: state::CHECKPOINT_FORMAT.into(),
            version: 1,
            config: config.clone(),
            examples: self.order.len(),
            params: wide(net.params().as_slice()),
            moment1: wide(m1),
            moment2: wide(m2),
            steps,
            rng_position: self.rng.get_word_pos().to_string(),
            epochs_done: self.epochs_done,
            next_batch: self.next_batch,
            order: if config.shuffle {
                self.order.clone()
            } else {
                Vec::new()
            },
            partial_cost: [self.partial.data, self.partial.l2],
            learning_rate: self.alpha,
            best: self.monitor.best(),
            stale: self.monitor.stale,
            best_params: self
                .monitor
                .best_params
                .as_ref()
                .map(|p| wide(p.as_slice())),
            history: self.history.clone(),
            data: Some(self.fingerprint(data).to_owned()),
            history_stride: (self.stride > 1).then_some(self.stride),
        }
    }
}

/// A vector laid out like `params` (parameters, a gradient, moments), as f64 in the model
/// file's order, as checkpoints store it; vectors of another length (a solver's empty moments)
/// are kept as they are.
fn to_file_order<T: Float>(params: &Params<T>, flat: &[T]) -> Vec<f64> {
    match flat.len() == params.len() {
        true => params.file_order().map(|i| flat[i].wide()).collect(),
        false => flat.iter().map(|x| x.wide()).collect(),
    }
}

/// The inverse of [`to_file_order`].
fn from_file_order<T: Float>(params: &Params<T>, saved: &[f64]) -> Vec<T> {
    match saved.len() == params.len() {
        true => {
            let mut flat = vec![T::zero(); saved.len()];
            for (i, &v) in params.file_order().zip(saved) {
                flat[i] = T::of(v);
            }
            flat
        }
        false => saved.iter().map(|&x| T::of(x)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 20 rows of 3 inputs and 2 targets, the training data of the runs below.
    fn sample_rows() -> (ndarray::Array2<f64>, ndarray::Array2<f64>) {
        (
            uniform_matrix(20, 3, -1.0, 1.0, 1),
            uniform_matrix(20, 2, -1.0, 1.0, 2),
        )
    }
    use crate::activation::Activation;
    use crate::init::{Init, initialize, uniform_matrix};
    use crate::loss::Loss;
    use crate::train::{Solver, TrainConfig, TrainData, TrainReport, train};
    use std::ops::ControlFlow;

    /// A 3-`hidden`-2 tanh network trained on 20 random rows by `config`, stopped on request
    /// after its first epoch.
    fn stopped_after_one_epoch(hidden: usize, config: &TrainConfig) -> (Network<f64>, TrainReport) {
        let mut net = Network::<f64>::new(
            &[3, hidden, 2],
            &[Activation::Tanh, Activation::Identity],
            Loss::SquaredError,
        )
        .expect("valid network");
        initialize(net.params_mut(), Init::Glorot, 7);
        let (x, y) = sample_rows();
        let data = TrainData {
            x: x.view(),
            y: y.view(),
            validation: None,
        };
        let report =
            train(&mut net, data, config, |_| ControlFlow::Break(())).expect("training runs");
        (net, report)
    }

    #[test]
    fn checkpoints_store_the_parameters_and_moments_in_the_model_files_order() {
        // The 64-unit layer keeps its weights column by column, unlike the model file.
        let config = TrainConfig {
            solver: Solver::Sgd,
            momentum: 0.9,
            batch_size: Some(5),
            epochs: 3,
            ..TrainConfig::default()
        };
        let (net, report) = stopped_after_one_epoch(64, &config);
        let state = report.state.expect("a run stopped on request has a state");
        let p = net.params();
        let row_by_row: Vec<f64> = (0..p.n_layers())
            .flat_map(|k| {
                p.weights(k)
                    .iter()
                    .chain(p.bias(k))
                    .copied()
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(state.params, row_by_row);
        assert_ne!(
            p.as_slice(),
            &row_by_row[..],
            "the test needs a layout that differs"
        );
        // Every vector of a state, tagged with its positions in the file's order, lands in the
        // buffer where `file_order` says and is saved back in the same order (Adam: two moments).
        let adam = TrainConfig {
            solver: Solver::Adam,
            ..config
        };
        let mut run = Run::new(&net, &adam, 20);
        let tagged = |base: f64| (0..p.len()).map(|q| base + q as f64).collect::<Vec<f64>>();
        let (x, y) = sample_rows();
        let data = TrainData {
            x: x.view(),
            y: y.view(),
            validation: None,
        };
        let mut saved = run.state(&net, &adam, data);
        saved.params = tagged(0.0);
        saved.moment1 = tagged(1000.0);
        saved.moment2 = tagged(2000.0);
        saved.best_params = Some(tagged(3000.0));
        let mut restored = net.clone();
        run.restore(&mut restored, saved.clone()).expect("restores");
        let (m1, m2, _) = run.stepper.moments();
        let best = run
            .monitor
            .best_params
            .as_ref()
            .expect("restored")
            .as_slice();
        for (q, i) in p.file_order().enumerate() {
            let q = q as f64;
            assert_eq!(
                [restored.params().as_slice()[i], m1[i], m2[i], best[i]],
                [q, 1000.0 + q, 2000.0 + q, 3000.0 + q]
            );
        }
        // w_12 of the first layer is the second number of the file.
        assert_eq!(restored.params().weights(0)[[0, 1]], 1.0);
        // A checkpoint whose vectors do not fit the network is refused before anything is read.
        for broken in [
            TrainState {
                best_params: Some(vec![0.0; p.len() - 1]),
                ..saved.clone()
            },
            TrainState {
                moment2: vec![0.0; 3],
                ..saved.clone()
            },
        ] {
            assert!(broken.check_matches(&adam, 20, p.len(), "").is_err());
        }
        let fingerprint = saved.data.clone().unwrap_or_default();
        assert!(
            saved
                .check_matches(&adam, 20, p.len(), &fingerprint)
                .is_ok()
        );
        assert!(
            saved
                .check_matches(&adam, 20, p.len(), "other data")
                .is_err()
        );
        let again = run.state(&restored, &adam, data);
        assert_eq!(
            (
                again.params,
                again.moment1,
                again.moment2,
                again.best_params
            ),
            (
                saved.params,
                saved.moment1,
                saved.moment2,
                saved.best_params
            )
        );
    }

    #[test]
    fn checkpoints_of_lbfgs_runs_read_back() {
        // lbfgs keeps its gradient to itself: the epochs' gradient norms are NaN, which JSON
        // writes as null.
        let config = TrainConfig {
            solver: Solver::Lbfgs,
            epochs: 5,
            ..TrainConfig::default()
        };
        let (_, report) = stopped_after_one_epoch(4, &config);
        let state = report.state.expect("a run stopped on request has a state");
        assert!(state.history[0].layers[0].grad_norm.is_nan());
        let json = state.to_json().expect("serializes");
        let read = TrainState::from_json_bytes("checkpoint", json.as_bytes()).expect("reads back");
        assert!(read.history[0].layers[0].grad_norm.is_nan());
        assert_eq!(read.params, state.params);
    }
}
