//! The other members of an ensemble: member k (from 1) is a new network seeded with
//! `seed + k`, trained on its own split of the rows. Members train side by side, one thread
//! each, on up to `threads` threads; a network's training does not depend on the number of
//! threads (see `crate::driver`), so the members come out the same bit for bit however many
//! run at once.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::ArrayView2;

use super::split::{complement, gather, validation_rows};
use crate::error::Result;
use crate::float::Float;
use crate::init::Init;
use crate::jobs::side_by_side;
use crate::network::Network;
use crate::train::{Hooks, StopReason, TrainConfig, TrainData};

/// What every member shares: all rows (encoded and scaled), the validation share, the strata
/// of a classification, the first member (for the layer sizes), the settings.
pub(super) struct Members<'a, T> {
    pub x: ArrayView2<'a, T>,
    pub y: ArrayView2<'a, T>,
    pub fraction: f64,
    pub strata: Option<&'a [usize]>,
    pub first: &'a Network<f64>,
    pub init: Init,
    pub train: &'a TrainConfig,
}

/// Hooks of a member: it stops when the run is interrupted; it writes no checkpoint (its
/// state alone could not continue the run).
struct StopFlag<'a>(&'a AtomicBool);

impl Hooks for StopFlag<'_> {
    fn interrupted(&mut self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl<T: Float> Members<'_, T> {
    /// Members 1 to `count - 1`, in order, and whether the run was interrupted meanwhile
    /// (`hooks` is asked on this thread while the members train).
    pub fn train(&self, count: usize, hooks: &mut impl Hooks) -> Result<(Vec<Network<f64>>, bool)> {
        let workers = self
            .train
            .threads
            .max(1)
            .min(count.saturating_sub(1))
            .max(1);
        let threads_each = (self.train.threads / workers).max(1);
        let stop = AtomicBool::new(false);
        let mut poll = || hooks.interrupted();
        let done = side_by_side(
            count.saturating_sub(1),
            workers,
            &stop,
            Some(&mut poll),
            |j| {
                let member = self.member(j + 1, threads_each, &stop);
                if member.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                member
            },
        );
        let interrupted = stop.load(Ordering::Relaxed);
        let networks = done
            .into_iter()
            .map(|(_, m)| m)
            .collect::<Result<Vec<_>>>()?;
        let short = networks.len() + 1 < count;
        Ok((networks, interrupted || short))
    }

    /// Member `k`, trained with `threads` threads for its products.
    fn member(&self, k: usize, threads: usize, stop: &AtomicBool) -> Result<Network<f64>> {
        let seed = self.train.seed.wrapping_add(k as u64);
        let n = self.x.nrows();
        let val_rows = validation_rows(n, self.fraction, seed, self.strata)?;
        let rows = complement(n, &val_rows);
        let (x, y) = (gather(self.x, &rows), gather(self.y, &rows));
        let validation =
            (!val_rows.is_empty()).then(|| (gather(self.x, &val_rows), gather(self.y, &val_rows)));
        let f = self.first;
        let mut net: Network<T> =
            Network::seeded(f.sizes(), f.activations(), f.loss(), self.init, seed)?;
        let config = TrainConfig {
            seed,
            threads,
            ..self.train.clone()
        };
        let data = TrainData {
            x: x.view(),
            y: y.view(),
            validation: validation.as_ref().map(|(a, b)| (a.view(), b.view())),
        };
        let report =
            crate::train::train_valid(&mut net, data, config.validate()?, None, StopFlag(stop))?;
        if report.stop == StopReason::Interrupted {
            stop.store(true, Ordering::Relaxed);
        }
        Ok(net.cast())
    }
}
