//! The network: its layer sizes, each layer's activation, the cost, and the parameters.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::{Init, initialize};
use crate::loss::Loss;
use crate::params::Params;
use std::fmt;

/// A feed-forward network: S_1 inputs, then layers of S_2, ..., S_L units, each with its own
/// activation g, and the cost J it is trained on.
///
/// ```
/// use mlp::{Activation, Loss, Network};
/// let net = Network::<f64>::new(&[4, 5, 3], &[Activation::Sigmoid, Activation::Softmax],
///                               Loss::SoftmaxCrossEntropy)?;
/// assert_eq!(net.to_string(), "4 -> 5 sigmoid -> 3 softmax (softmax_cross_entropy)");
/// assert_eq!(net.params().len(), 5 * 4 + 5 + 3 * 5 + 3);
/// # Ok::<(), mlp::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Network<T = f64> {
    sizes: Vec<usize>,
    activations: Vec<Activation>,
    loss: Loss,
    params: Params<T>,
}

impl<T: Float> Network<T> {
    /// A network with all-zero parameters; `sizes` are `[S_1 (inputs), ..., S_L (outputs)]` and
    /// `activations` holds one activation per layer after the input.
    ///
    /// Errors when there are fewer than two sizes, a size is zero, the activation count does not
    /// match, softmax is used in a hidden layer, or the loss cannot be used with the output
    /// activation (see [`Loss::allows_output`]).
    pub fn new(sizes: &[usize], activations: &[Activation], loss: Loss) -> Result<Self> {
        validate(sizes, activations, loss)?;
        Ok(Network {
            sizes: sizes.to_vec(),
            activations: activations.to_vec(),
            loss,
            params: Params::zeros(sizes),
        })
    }

    /// Like [`Network::new`], then initialized from `seed` (see [`crate::init`]).
    pub fn seeded(
        sizes: &[usize],
        activations: &[Activation],
        loss: Loss,
        init: Init,
        seed: u64,
    ) -> Result<Self> {
        if let Init::Uniform { bound } = init
            && !(bound.is_finite() && bound > 0.0)
        {
            return Err(Error::config(
                "init bound",
                format!("must be positive and finite, got {bound}"),
            ));
        }
        let mut net = Network::new(sizes, activations, loss)?;
        initialize(&mut net.params, init, seed);
        Ok(net)
    }

    /// Layer sizes `[S_1 (inputs), ..., S_L (outputs)]`.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// One activation per layer after the input.
    pub fn activations(&self) -> &[Activation] {
        &self.activations
    }

    /// The cost the network is trained on.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// Number of inputs S_1.
    pub fn n_inputs(&self) -> usize {
        self.sizes[0]
    }

    /// Number of outputs S_L (K in the seed).
    pub fn n_outputs(&self) -> usize {
        self.sizes[self.sizes.len() - 1]
    }

    /// Weights and biases.
    pub fn params(&self) -> &Params<T> {
        &self.params
    }

    /// Weights and biases, mutable (the shapes stay fixed).
    pub fn params_mut(&mut self) -> &mut Params<T> {
        &mut self.params
    }

    /// Replaces the parameters; errors when the shapes differ from the network's.
    pub fn set_params(&mut self, params: Params<T>) -> Result<()> {
        if params.len() != self.params.len()
            || (0..params.n_layers()).any(|k| params.shape(k) != self.params.shape(k))
        {
            return Err(Error::shape(
                "parameters",
                "the network's layer shapes",
                "other shapes",
            ));
        }
        self.params = params;
        Ok(())
    }

    /// The same network in another precision.
    pub fn cast<U: Float>(&self) -> Network<U> {
        Network {
            sizes: self.sizes.clone(),
            activations: self.activations.clone(),
            loss: self.loss,
            params: self.params.cast(),
        }
    }
}

fn validate(sizes: &[usize], activations: &[Activation], loss: Loss) -> Result<()> {
    if sizes.len() < 2 {
        return Err(Error::config(
            "layers",
            "need at least the inputs and one layer of units",
        ));
    }
    if let Some(i) = sizes.iter().position(|&s| s == 0) {
        return Err(Error::config(
            "layers",
            format!("layer {} has no units; sizes must be at least 1", i + 1),
        ));
    }
    // The parameters must be countable and fit in memory (with room for a gradient and the
    // optimizer's copies: 4 copies of float64), checked before anything is allocated.
    let count = sizes.windows(2).try_fold(0usize, |n, w| {
        w[0].checked_add(1)
            .and_then(|i| i.checked_mul(w[1]))
            .and_then(|p| n.checked_add(p))
    });
    let bytes = count.and_then(|n| n.checked_mul(4 * 8));
    let available = crate::data::available_memory()?;
    match (count, bytes, available) {
        (None, _, _) | (_, None, _) => {
            return Err(Error::config(
                "layers",
                "the layer sizes make more parameters than can be counted",
            ));
        }
        (Some(n), Some(b), Some(a)) if b as u64 > a => {
            return Err(Error::config(
                "layers",
                format!(
                    "{n} parameters need {} MB with their gradient and optimizer state, and {} MB \
                     are available (MLP_MAX_MEMORY_MB caps it)",
                    b >> 20,
                    a >> 20
                ),
            ));
        }
        _ => {}
    }
    if activations.len() != sizes.len() - 1 {
        return Err(Error::config(
            "activations",
            format!(
                "need one per layer after the input ({}), got {}",
                sizes.len() - 1,
                activations.len()
            ),
        ));
    }
    let (output, hidden) = activations
        .split_last()
        .expect("invariant: at least one layer");
    if let Some(k) = hidden.iter().position(|a| !a.allowed_hidden()) {
        return Err(Error::config(
            "activations",
            format!(
                "{} is for the output layer only (found in hidden layer {})",
                hidden[k],
                k + 1
            ),
        ));
    }
    if !loss.allows_output(*output) {
        return Err(Error::config(
            "loss",
            format!(
                "{loss} needs a {} output layer, not {output}",
                loss.canonical_output()
            ),
        ));
    }
    Ok(())
}

impl<T> fmt::Display for Network<T> {
    /// `784 -> 25 sigmoid -> 10 sigmoid (cross_entropy)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.sizes[0])?;
        for (s, a) in self.sizes[1..].iter().zip(&self.activations) {
            write!(f, " -> {s} {a}")?;
        }
        write!(f, " ({})", self.loss)
    }
}
