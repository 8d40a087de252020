//! L-BFGS and nonlinear conjugate gradient, through the `argmin` crate's solvers and line
//! searches. Each iteration of the solver counts as one epoch of the training loop.

use super::config::{Solver, ValidConfig};
use super::run::{Epoch, Run, Step, check_finite};
use super::state::Hooks;
use super::stats::TrainData;
use crate::driver::full_batch;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::network::Network;
use crate::params::Params;
use crate::passes::Cost;
use crate::workspace::Workspace;
use argmin::core::{
    CostFunction, Gradient, IterState, Problem, Solver as ArgminSolver, State, TerminationStatus,
};
use argmin::solver::conjugategradient::{NonlinearConjugateGradient, beta::PolakRibiere};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use std::cell::RefCell;

type Vector = Vec<f64>;

/// The most evaluations of J one iteration of L-BFGS or CG may make (its line search
/// included): past it, the iteration fails and training stops. A line search that lands on
/// non-finite or astronomically large costs would otherwise try steps for ever.
pub const MAX_EVALUATIONS_PER_STEP: usize = 100;
type ArgminState = IterState<Vector, Vector, (), (), (), f64>;

/// J and dJ/dW of the network on the whole training set, as a function of the flat parameter
/// vector. argmin asks for the cost and the gradient separately; both come from one pass, so
/// the last pass is cached.
struct Objective<'a, T> {
    net: RefCell<Network<T>>,
    x: ndarray::ArrayView2<'a, T>,
    y: ndarray::ArrayView2<'a, T>,
    lambda: f64,
    freeze_bias: Option<Vec<bool>>,
    ws: RefCell<Workspace<T>>,
    grad: RefCell<Params<T>>,
    last: RefCell<Option<(Vector, Cost, Vector)>>,
    /// Evaluations in the current iteration.
    evaluations: std::cell::Cell<usize>,
    /// Why a pass failed (reading the data from disk), to be reported as it is.
    failed: RefCell<Option<Error>>,
}

impl<T: Float> Objective<'_, T> {
    fn evaluate(&self, p: &Vector) -> std::result::Result<(Cost, Vector), argmin::core::Error> {
        if let Some((q, c, g)) = self.last.borrow().as_ref()
            && q == p
        {
            return Ok((*c, g.clone()));
        }
        let n = self.evaluations.get() + 1;
        self.evaluations.set(n);
        if n > MAX_EVALUATIONS_PER_STEP {
            return Err(argmin::core::Error::msg("the line search did not end"));
        }
        let mut net = self.net.borrow_mut();
        net.params_mut()
            .as_mut_slice()
            .iter_mut()
            .zip(p)
            .for_each(|(w, &v)| *w = T::of(v));
        let mut grad = self.grad.borrow_mut();
        let mut ws = self.ws.borrow_mut();
        let cost = match full_batch(
            &net,
            (self.x, self.y),
            self.lambda,
            &mut ws,
            Some(&mut grad),
        ) {
            Ok(cost) => cost,
            Err(e) => {
                let message = e.to_string();
                *self.failed.borrow_mut() = Some(e);
                return Err(argmin::core::Error::msg(message));
            }
        };
        let mut g: Vector = grad.as_slice().iter().map(|v| v.wide()).collect();
        if let Some(mask) = &self.freeze_bias {
            g.iter_mut()
                .zip(mask)
                .filter(|(_, w)| !**w)
                .for_each(|(g, _)| *g = 0.0);
        }
        *self.last.borrow_mut() = Some((p.clone(), cost, g.clone()));
        Ok((cost, g))
    }
}

impl<T: Float> CostFunction for Objective<'_, T> {
    type Param = Vector;
    type Output = f64;
    fn cost(&self, p: &Vector) -> std::result::Result<f64, argmin::core::Error> {
        Ok(self.evaluate(p)?.0.total())
    }
}

impl<T: Float> Gradient for Objective<'_, T> {
    type Param = Vector;
    type Gradient = Vector;
    fn gradient(&self, p: &Vector) -> std::result::Result<Vector, argmin::core::Error> {
        Ok(self.evaluate(p)?.1)
    }
}

type MoreThuente = MoreThuenteLineSearch<Vector, Vector, f64>;

enum Method {
    Lbfgs(Box<LBFGS<MoreThuente, Vector, Vector, f64>>),
    Cg(Box<NonlinearConjugateGradient<Vector, MoreThuente, PolakRibiere, f64>>),
}

/// An `argmin` solver, its problem and its state between epochs.
pub(super) struct QuasiNewton<'a, T> {
    problem: Problem<Objective<'a, T>>,
    method: Method,
    state: ArgminState,
    lambda: f64,
}

impl<'a, T: Float> QuasiNewton<'a, T> {
    /// The solver of `config` started at `net`'s parameters, on the whole training set, with
    /// its passes in `ws`.
    pub(super) fn new(
        net: &Network<T>,
        data: TrainData<'a, T>,
        config: ValidConfig<'_>,
        ws: Workspace<T>,
    ) -> Result<Self> {
        let objective = Objective {
            net: RefCell::new(net.clone()),
            x: data.x,
            y: data.y,
            lambda: config.lambda,
            freeze_bias: config.freeze_bias.then(|| net.params().weight_mask()),
            ws: RefCell::new(ws),
            grad: RefCell::new(net.params().zeros_like()),
            last: RefCell::new(None),
            evaluations: std::cell::Cell::new(0),
            failed: RefCell::new(None),
        };
        let mut problem = Problem::new(objective);
        let x0: Vector = net.params().as_slice().iter().map(|v| v.wide()).collect();
        let x0_copy = x0.clone();
        let internal = |e: argmin::core::Error| Error::config("solver", e.to_string());
        let mut method = match config.solver {
            // Conjugate directions need a fairly exact line search: the strong Wolfe curvature
            // condition with c2 = 0.1 (as the course's fmincg uses).
            Solver::Cg => Method::Cg(Box::new(
                NonlinearConjugateGradient::new(
                    MoreThuenteLineSearch::new()
                        .with_c(1e-4, 0.1)
                        .map_err(internal)?,
                    PolakRibiere::new(),
                )
                .restart_orthogonality(0.1),
            )),
            _ => Method::Lbfgs(Box::new(
                LBFGS::new(MoreThuenteLineSearch::new(), 10)
                    .with_tolerance_grad(1e-8)
                    .and_then(|s| s.with_tolerance_cost(1e-12))
                    .map_err(internal)?,
            )),
        };
        let start = IterState::new().param(x0);
        let init = match &mut method {
            Method::Lbfgs(l) => l.init(&mut problem, start),
            Method::Cg(c) => c.init(&mut problem, start),
        };
        let state = match init {
            Ok((mut s, _)) => {
                s.update();
                s
            }
            Err(e) => {
                let failed = problem.problem.as_ref().and_then(|o| o.failed.take());
                return Err(failed.unwrap_or_else(|| Error::config("solver", e.to_string())));
            }
        };
        // J at the start must be a number for a line search to compare steps with it.
        let start = problem.problem.as_ref().map(|o| o.evaluate(&x0_copy));
        if let Some(Ok((cost, _))) = start {
            check_finite(cost, 0)?;
        }
        Ok(QuasiNewton {
            problem,
            method,
            state,
            lambda: config.lambda,
        })
    }
}

impl<T: Float> Step<T> for QuasiNewton<'_, T> {
    fn epoch(
        &mut self,
        net: &mut Network<T>,
        data: TrainData<'_, T>,
        r: &mut Run<T>,
        ws: &mut Workspace<T>,
        _hooks: &mut impl Hooks,
    ) -> Result<Epoch<'_, T>> {
        let epoch = r.epochs_done + 1;
        // An iteration whose line search was cut off can leave argmin's state without a
        // gradient (which its stopping test unwraps): there is no step to take.
        if self.state.get_gradient().is_none() {
            return Ok(Epoch::NoStep);
        }
        let finished = match &mut self.method {
            Method::Lbfgs(l) => {
                <_ as ArgminSolver<Objective<'_, T>, ArgminState>>::terminate_internal(
                    &mut **l,
                    &self.state,
                )
            }
            Method::Cg(c) => {
                <_ as ArgminSolver<Objective<'_, T>, ArgminState>>::terminate_internal(
                    &mut **c,
                    &self.state,
                )
            }
        };
        if finished != TerminationStatus::NotTerminated {
            return Ok(Epoch::Converged);
        }
        if let Some(o) = self.problem.problem.as_ref() {
            o.evaluations.set(0);
        }
        let next = match &mut self.method {
            Method::Lbfgs(l) => l.next_iter(&mut self.problem, self.state.clone()),
            Method::Cg(c) => c.next_iter(&mut self.problem, self.state.clone()),
        };
        match next {
            Ok((mut s, _)) => {
                s.update();
                s.increment_iter();
                self.state = s;
            }
            // A line search that ends without a step means no step along the search direction
            // lowers J: converged; one cut off at the evaluation cap is said as such.
            Err(_) => {
                if let Some(e) = self.problem.problem.as_ref().and_then(|o| o.failed.take()) {
                    return Err(e);
                }
                let cut = self
                    .problem
                    .problem
                    .as_ref()
                    .is_some_and(|o| o.evaluations.get() > MAX_EVALUATIONS_PER_STEP);
                return Ok(if cut { Epoch::NoStep } else { Epoch::Converged });
            }
        }
        let p = self.state.get_param().cloned().unwrap_or_default();
        net.params_mut()
            .as_mut_slice()
            .iter_mut()
            .zip(&p)
            .for_each(|(w, &v)| *w = T::of(v));
        // J at the accepted iterate, split into its terms (one extra forward pass).
        let train = full_batch(net, (data.x, data.y), self.lambda, ws, None)?;
        check_finite(train, epoch)?;
        Ok(Epoch::Done {
            train,
            grad: None,
            rows: data.x.nrows(),
        })
    }
}
