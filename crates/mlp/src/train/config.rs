//! Training settings, with the textbook defaults, validated once before training starts.

use crate::error::{Error, Result};
use crate::metrics::Metric;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How the parameters are updated from the gradient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// The seed's full-batch gradient descent: w := w - alpha dJ/dw, one step per epoch.
    Gd,
    /// Mini-batch stochastic gradient descent with momentum (and optionally Nesterov's).
    Sgd,
    /// Adam (Kingma & Ba, 2015) on mini-batches.
    #[default]
    Adam,
    /// Limited-memory BFGS on the full batch, with a More-Thuente line search.
    Lbfgs,
    /// Nonlinear conjugate gradient (Polak-Ribiere), the method of the course's fmincg.
    Cg,
}

impl Solver {
    /// Every solver.
    pub const ALL: [Solver; 5] = [
        Solver::Gd,
        Solver::Sgd,
        Solver::Adam,
        Solver::Lbfgs,
        Solver::Cg,
    ];

    /// The name used on the command line and in model files.
    pub fn name(self) -> &'static str {
        match self {
            Solver::Gd => "gd",
            Solver::Sgd => "sgd",
            Solver::Adam => "adam",
            Solver::Lbfgs => "lbfgs",
            Solver::Cg => "cg",
        }
    }

    /// Whether the solver is L-BFGS or conjugate gradient: full-batch methods with a line
    /// search and a memory of their own (through `argmin`), which stop on their own criteria.
    pub fn is_quasi_newton(self) -> bool {
        matches!(self, Solver::Lbfgs | Solver::Cg)
    }

    /// Whether the solver takes one step per epoch on the whole training set.
    pub fn full_batch(self) -> bool {
        self == Solver::Gd || self.is_quasi_newton()
    }

    /// Epochs without improvement before early stopping when none is given: 50 for L-BFGS
    /// and CG, whose epochs are single steps, 10 for the others (scikit-learn's).
    pub fn default_patience(self) -> usize {
        if self.is_quasi_newton() { 50 } else { 10 }
    }

    /// The learning rate used when none is given.
    pub fn default_learning_rate(self) -> f64 {
        match self {
            Solver::Gd => 1.0,
            Solver::Sgd => 0.01,
            Solver::Adam => 0.001,
            // The line search scales the step; 1 is its first trial.
            Solver::Lbfgs | Solver::Cg => 1.0,
        }
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Solver {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Solver::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown solver \"{s}\" (expected gd, sgd, adam, lbfgs or cg)"))
    }
}

/// How the learning rate changes over training (for `gd`, `sgd` and `adam`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// alpha stays as given.
    #[default]
    Constant,
    /// alpha_t = alpha / t^power_t at epoch t (scikit-learn's `invscaling`).
    InvScaling,
    /// alpha is divided by 5 each time the monitored loss fails to improve by `tol` for
    /// `patience` epochs in a row; training stops when it falls below 1e-6 (scikit-learn's
    /// `adaptive`).
    Adaptive,
    /// alpha_t = alpha (1 + cos(pi (t - 1) / T)) / 2 at epoch t of T: from alpha down towards 0
    /// along half a cosine (Loshchilov & Hutter's SGDR without restarts).
    Cosine,
}

impl Schedule {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::InvScaling => "invscaling",
            Schedule::Adaptive => "adaptive",
            Schedule::Cosine => "cosine",
        }
    }
}

impl FromStr for Schedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Schedule::Constant,
            Schedule::InvScaling,
            Schedule::Adaptive,
            Schedule::Cosine,
        ]
        .into_iter()
        .find(|v| v.name() == s)
        .ok_or_else(|| {
            format!("unknown schedule \"{s}\" (expected constant, invscaling, adaptive or cosine)")
        })
    }
}

/// Everything that decides how a network is trained.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The update rule.
    pub solver: Solver,
    /// alpha, the step size; `None`: the solver's default.
    pub learning_rate: Option<f64>,
    /// How alpha changes over the epochs.
    pub schedule: Schedule,
    /// Exponent of the inverse-scaling schedule.
    pub power_t: f64,
    /// Maximum number of epochs (passes over the training set; for full-batch solvers, steps).
    pub epochs: usize,
    /// Examples per mini-batch for `sgd` and `adam`; `None`: min(200, n).
    pub batch_size: Option<usize>,
    /// lambda, the L2 strength of the seed's cost (biases excluded).
    pub lambda: f64,
    /// Momentum of `sgd`, in [0, 1).
    pub momentum: f64,
    /// Nesterov's momentum for `sgd`.
    pub nesterov: bool,
    /// Adam's beta1, in [0, 1).
    pub beta1: f64,
    /// Adam's beta2, in [0, 1).
    pub beta2: f64,
    /// Adam's epsilon, positive.
    pub adam_epsilon: f64,
    /// Shuffle the training examples before each epoch (mini-batch solvers).
    pub shuffle: bool,
    /// Shuffle through a buffer of this many rows instead of over the whole set: the rows
    /// come in their order, each one after the first B takes the place of a buffered row drawn
    /// at random, which goes to the batches (as a data stream larger than memory is shuffled;
    /// see `shuffle_through_buffer`). `None`: a full shuffle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shuffle_buffer: Option<usize>,
    /// Seed of every random choice made during training (shuffles).
    pub seed: u64,
    /// Epochs without an improvement of more than `tol` before early stopping (validation
    /// loss) or a learning-rate cut (adaptive schedule).
    pub patience: usize,
    /// The improvement in loss that counts.
    pub tol: f64,
    /// Stop when the validation loss has not improved by `tol` for `patience` epochs, and
    /// restore the best weights; `None`: on for every solver but `gd`, which runs exactly the
    /// epochs asked for, as the seed writes it.
    pub early_stopping: Option<bool>,
    /// Keep every bias at its current value (only the weights move).
    pub freeze_bias: bool,
    /// Threads for the matrix products.
    pub threads: usize,
    /// Decoupled weight decay D of `gd`, `sgd` and `adam` (AdamW, Loshchilov & Hutter 2019):
    /// after each step, W^(l) := W^(l) - alpha D W^(l), biases excluded as the seed's L2 term
    /// excludes them. Not part of J; 0: none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub weight_decay: f64,
    /// Epochs of linear warm-up: alpha is scaled by t / W at epoch t <= W (first-order
    /// solvers); 0: none.
    #[serde(default, skip_serializing_if = "is_zero_epochs")]
    pub warmup_epochs: usize,
    /// What early stopping (and the adaptive schedule) watch on the validation rows: this
    /// metric, or the validation loss (the data term of J) when `None`. A classification
    /// metric needs a softmax or a single sigmoid output; a regression metric, squared error
    /// (it is computed in the network's units: standardized targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_metric: Option<Metric>,
    /// Dropout p of the hidden units in each step of `gd`, `sgd` and `adam` (see
    /// [`crate::dropout`]; masks drawn from `seed`, the epoch and the batch); 0: none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropout: f64,
}

/// Whether a setting is 0 (left out of checkpoints, which then read as before it existed).
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Whether a count of epochs is 0 (see [`is_zero`]).
fn is_zero_epochs(v: &usize) -> bool {
    *v == 0
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            solver: Solver::Adam,
            learning_rate: None,
            schedule: Schedule::Constant,
            power_t: 0.5,
            epochs: 200,
            batch_size: None,
            lambda: 0.0,
            momentum: 0.9,
            nesterov: false,
            beta1: 0.9,
            beta2: 0.999,
            adam_epsilon: 1e-8,
            shuffle: true,
            shuffle_buffer: None,
            seed: 0,
            patience: 10,
            tol: 1e-4,
            early_stopping: None,
            freeze_bias: false,
            threads: 1,
            weight_decay: 0.0,
            warmup_epochs: 0,
            stop_metric: None,
            dropout: 0.0,
        }
    }
}

impl TrainConfig {
    /// The learning rate in effect: the one given, or the solver's default.
    pub fn alpha(&self) -> f64 {
        self.learning_rate
            .unwrap_or_else(|| self.solver.default_learning_rate())
    }

    /// The learning rate of epoch `epoch` (from 1) by the schedule and the warm-up; for the
    /// constant and adaptive schedules the adaptive cuts are the monitor's, not counted here.
    pub fn alpha_at(&self, epoch: usize) -> f64 {
        let t = epoch.max(1) as f64;
        let alpha = self.alpha();
        let scheduled = match self.schedule {
            Schedule::Constant | Schedule::Adaptive => alpha,
            Schedule::InvScaling => alpha / t.powf(self.power_t),
            Schedule::Cosine => {
                let progress = (t - 1.0) / self.epochs.max(1) as f64;
                alpha * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
        };
        match self.warmup_epochs {
            w if epoch <= w => scheduled * t / w as f64,
            _ => scheduled,
        }
    }

    /// Whether the learning rate is set anew at the start of epoch `epoch` (see
    /// [`TrainConfig::alpha_at`]): every epoch for the schedules that depend on it, the
    /// warm-up's epochs and the one after them.
    pub fn sets_alpha_at(&self, epoch: usize) -> bool {
        matches!(self.schedule, Schedule::InvScaling | Schedule::Cosine)
            || (self.warmup_epochs > 0 && epoch <= self.warmup_epochs + 1)
    }

    /// Whether early stopping is on (see [`TrainConfig::early_stopping`]).
    pub fn stops_early(&self) -> bool {
        self.early_stopping.unwrap_or(self.solver != Solver::Gd)
    }

    /// Checks every setting once, and returns the settings as a [`ValidConfig`], which the
    /// training loop trusts; errors name the field and the allowed range.
    pub fn validate(&self) -> Result<ValidConfig<'_>> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::config(
                    name,
                    format!("must be a positive, finite number, got {v}"),
                ))
            }
        };
        let unit = |name: &str, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::config(name, format!("must be in [0, 1), got {v}")))
            }
        };
        positive("learning_rate", self.alpha())?;
        positive("power_t", self.power_t)?;
        positive("adam_epsilon", self.adam_epsilon)?;
        unit("momentum", self.momentum)?;
        unit("beta1", self.beta1)?;
        unit("beta2", self.beta2)?;
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(Error::config(
                "lambda",
                format!("must be a finite number >= 0, got {}", self.lambda),
            ));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::config(
                "tol",
                format!("must be a finite number >= 0, got {}", self.tol),
            ));
        }
        if self.epochs == 0 {
            return Err(Error::config("epochs", "must be at least 1"));
        }
        if self.batch_size == Some(0) {
            return Err(Error::config("batch_size", "must be at least 1"));
        }
        if self.shuffle_buffer == Some(0) {
            return Err(Error::config("shuffle_buffer", "must be at least 1"));
        }
        if self.patience == 0 {
            return Err(Error::config("patience", "must be at least 1"));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(Error::config(
                "weight_decay",
                format!("must be a finite number >= 0, got {}", self.weight_decay),
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::config(
                "dropout",
                format!("must be in [0, 1), got {}", self.dropout),
            ));
        }
        let first_order_only = [
            ("weight_decay", self.weight_decay > 0.0),
            ("warmup_epochs", self.warmup_epochs > 0),
            ("dropout", self.dropout > 0.0),
        ];
        if let Some((field, _)) = first_order_only.iter().find(|(_, set)| *set)
            && self.solver.is_quasi_newton()
        {
            return Err(Error::config(
                *field,
                format!(
                    "applies to gd, sgd and adam, not {} (whose line search needs the same J \
                     at every step; lambda is its regularization)",
                    self.solver
                ),
            ));
        }
        Ok(ValidConfig(self))
    }
}

/// A [`TrainConfig`] that passed [`TrainConfig::validate`]; only `validate` makes one. It reads
/// as the `TrainConfig` it wraps, and what takes one need not check the settings again.
#[derive(Clone, Copy, Debug)]
pub struct ValidConfig<'a>(&'a TrainConfig);

impl ValidConfig<'_> {
    /// The settings.
    pub fn config(&self) -> &TrainConfig {
        self.0
    }
}

impl std::ops::Deref for ValidConfig<'_> {
    type Target = TrainConfig;
    fn deref(&self) -> &TrainConfig {
        self.0
    }
}
