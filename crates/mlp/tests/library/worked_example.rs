//! The two networks worked by hand in docs/math.md, rebuilt through the public API: every number
//! the document states is checked here.
//!
//! Each number is checked twice: against a reference value computed with 60-digit arithmetic
//! (mpmath), to a relative 1e-9, and against the text of docs/math.md, which must be the
//! library's value rounded to 9 significant digits.
#![allow(clippy::unwrap_used)]

use mlp::gradcheck::{GradCheckConfig, gradient_check};
use mlp::{Activation, Loss, Model, Network, Params, Solver, TrainConfig, TrainData, Workspace};
use ndarray::{Array2, array};
use std::ops::ControlFlow;

/// `got` agrees with `reference` to a relative 1e-9 (an absolute 5e-10 for a zero reference),
/// and rounds to the same 9 significant digits as `doc`, the number as docs/math.md writes it.
fn check(what: &str, got: f64, doc: &str, reference: f64) {
    let tol = if reference == 0.0 {
        5e-10
    } else {
        1e-9 * reference.abs()
    };
    assert!(
        (got - reference).abs() <= tol,
        "{what}: got {got:.17e}, reference {reference:.17e}"
    );
    let stated: f64 = doc.parse().unwrap();
    assert_eq!(
        format!("{got:.8e}"),
        format!("{stated:.8e}"),
        "{what}: docs/math.md says {doc}, the library computes {got:.17e}"
    );
}

/// `got` agrees with a published value to the precision it is printed with (half a unit in its
/// last decimal place).
fn check_published(what: &str, got: f64, published: &str) {
    let decimals = published.split('.').nth(1).map_or(0, str::len);
    let half_unit = 0.5 * 10f64.powi(-i32::try_from(decimals).unwrap());
    let value: f64 = published.parse().unwrap();
    assert!(
        (got - value).abs() <= half_unit * (1.0 + 1e-9),
        "{what}: got {got:.17e}, published {published}"
    );
}

fn set_layer(net: &mut Network<f64>, k: usize, w: &Array2<f64>, b: &[f64]) {
    let (mut weights, mut bias) = net.params_mut().layer_mut(k);
    weights.assign(w);
    bias.iter_mut().zip(b).for_each(|(d, &s)| *d = s);
}

/// The classic 2-2-2 network: sigmoid units, squared error, one example.
fn classic() -> (Network<f64>, Array2<f64>, Array2<f64>) {
    let mut net = Network::<f64>::new(
        &[2, 2, 2],
        &[Activation::Sigmoid, Activation::Sigmoid],
        Loss::SquaredError,
    )
    .unwrap();
    set_layer(
        &mut net,
        0,
        &array![[0.15, 0.20], [0.25, 0.30]],
        &[0.35, 0.35],
    );
    set_layer(
        &mut net,
        1,
        &array![[0.40, 0.45], [0.50, 0.55]],
        &[0.60, 0.60],
    );
    (net, array![[0.05, 0.10]], array![[0.01, 0.99]])
}

/// The 2-1 sigmoid network with the seed's logistic cost, two examples, used with lambda = 1.
fn regularized() -> (Network<f64>, Array2<f64>, Array2<f64>) {
    let mut net = Network::<f64>::new(&[2, 1], &[Activation::Sigmoid], Loss::CrossEntropy).unwrap();
    set_layer(&mut net, 0, &array![[0.5, -0.25]], &[0.1]);
    (net, array![[1.0, 2.0], [2.0, -1.0]], array![[1.0], [0.0]])
}

fn gd_step(net: &mut Network<f64>, x: &Array2<f64>, y: &Array2<f64>, lambda: f64, freeze: bool) {
    let config = TrainConfig {
        solver: Solver::Gd,
        learning_rate: Some(0.5),
        epochs: 1,
        lambda,
        freeze_bias: freeze,
        ..Default::default()
    };
    let data = TrainData {
        x: x.view(),
        y: y.view(),
        validation: None,
    };
    let report = mlp::train(net, data, &config, |_| ControlFlow::Continue(())).unwrap();
    assert_eq!(report.epochs, 1);
}

fn gradient(
    net: &Network<f64>,
    x: &Array2<f64>,
    y: &Array2<f64>,
    lambda: f64,
) -> (mlp::Cost, Params<f64>, Workspace<f64>) {
    let mut ws = Workspace::new(1);
    let mut grad = net.params().zeros_like();
    let cost = net
        .cost_and_gradient(x.view(), y.view(), lambda, &mut ws, &mut grad)
        .unwrap();
    (cost, grad, ws)
}

#[test]
fn model_file_orientation_is_the_hand_network() {
    let text = r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [
        {"activation": "sigmoid", "weights": [[0.15, 0.20], [0.25, 0.30]], "bias": [0.35, 0.35]},
        {"activation": "sigmoid", "weights": [[0.40, 0.45], [0.50, 0.55]], "bias": [0.60, 0.60]}
    ]}"#;
    let model = Model::from_json_bytes("hand.json", text.as_bytes()).unwrap();
    let (net, _, _) = classic();
    assert_eq!(model.network, net);
    // w_ij goes from unit j below to unit i: w2 (x2 -> h1) is row 1, column 2.
    assert_eq!(net.params().weights(0)[[0, 1]], 0.20);
    assert_eq!(net.params().weights(1)[[1, 0]], 0.50);
}

#[test]
fn classic_forward_pass() {
    let (net, x, y) = classic();
    // z^(2): the hidden layer's weights and biases with the identity as g.
    let mut linear =
        Network::<f64>::new(&[2, 2], &[Activation::Identity], Loss::SquaredError).unwrap();
    linear
        .params_mut()
        .as_mut_slice()
        .copy_from_slice(&net.params().as_slice()[..6]);
    let z2 = linear.predict(x.view()).unwrap();
    check("z2_1", z2[[0, 0]], "0.3775", 0.3775);
    check("z2_2", z2[[0, 1]], "0.3925", 0.3925);

    let (cost, _, ws) = gradient(&net, &x, &y, 0.0);
    let a2 = ws.activation(0, 1);
    check("a2_1", a2[[0, 0]], "0.593269992", 0.593269992107187);
    check("a2_2", a2[[0, 1]], "0.596884378", 0.596884378259767);
    let z3 = ws.output_z(1);
    check("z3_1", z3[[0, 0]], "1.10590597", 1.10590596705977);
    check("z3_2", z3[[0, 1]], "1.22492140", 1.22492140409647);
    let a3 = ws.activation(1, 1).to_owned();
    check("a3_1", a3[[0, 0]], "0.751365070", 0.751365069552316);
    check("a3_2", a3[[0, 1]], "0.772928465", 0.772928465321463);
    let mut fwd = Workspace::new(1);
    assert_eq!(net.forward(x.view(), &mut fwd).unwrap(), a3);

    let term = |k: usize| 0.5 * (a3[[0, k]] - y[[0, k]]).powi(2);
    check(
        "1/2 (a3_1 - y_1)^2",
        term(0),
        "0.274811083",
        0.274811083176155,
    );
    check(
        "1/2 (a3_2 - y_2)^2",
        term(1),
        "0.0235600256",
        0.0235600255838477,
    );
    check("J", cost.total(), "0.298371109", 0.298371108760003);
    check("J data", cost.data, "0.298371109", 0.298371108760003);
    assert_eq!(cost.l2, 0.0);
    assert_eq!(cost.examples, 1);
}

#[test]
fn classic_backward_pass() {
    let (net, x, y) = classic();
    let (_, grad, ws) = gradient(&net, &x, &y, 0.0);
    let (a2, a3) = (ws.activation(0, 1), ws.activation(1, 1));
    let g = Activation::Sigmoid;

    let dj_da3 = [a3[[0, 0]] - y[[0, 0]], a3[[0, 1]] - y[[0, 1]]];
    check("dJ/da3_1", dj_da3[0], "0.741365070", 0.741365069552316);
    check("dJ/da3_2", dj_da3[1], "-0.217071535", -0.217071534678537);
    let gp3 = [
        g.derivative_from_output(a3[[0, 0]]),
        g.derivative_from_output(a3[[0, 1]]),
    ];
    check("g'(z3_1)", gp3[0], "0.186815602", 0.186815601808959);
    check("g'(z3_2)", gp3[1], "0.175510053", 0.175510052817271);
    let d3 = ws.delta(1, 1);
    check("delta3_1", d3[[0, 0]], "0.138498562", 0.138498561628557);
    check("delta3_2", d3[[0, 1]], "-0.0380982365", -0.0380982365165562);
    // Squared error with a sigmoid output is not a canonical pair: delta = (a - y) a (1 - a).
    for k in 0..2 {
        assert!((d3[[0, k]] - dj_da3[k] * gp3[k]).abs() <= 1e-16);
    }

    let gp2 = [
        g.derivative_from_output(a2[[0, 0]]),
        g.derivative_from_output(a2[[0, 1]]),
    ];
    check("g'(z2_1)", gp2[0], "0.241300709", 0.241300708572325);
    check("g'(z2_2)", gp2[1], "0.240613417", 0.240613417249218);
    let d2 = ws.delta(0, 1);
    check(
        "(W3^T delta3)_1",
        d2[[0, 0]] / gp2[0],
        "0.0363503064",
        0.0363503063931447,
    );
    check(
        "(W3^T delta3)_2",
        d2[[0, 1]] / gp2[1],
        "0.0413703226",
        0.0413703226487447,
    );
    check("delta2_1", d2[[0, 0]], "0.00877135469", 0.00877135468948693);
    check("delta2_2", d2[[0, 1]], "0.00995425471", 0.0099542547052172);

    let (gw3, gb3) = (grad.weights(1), grad.bias(1));
    check("dJ/dw5", gw3[[0, 0]], "0.0821670406", 0.0821670405642308);
    check("dJ/dw6", gw3[[0, 1]], "0.0826676278", 0.0826676278475333);
    check("dJ/dw7", gw3[[1, 0]], "-0.0226025405", -0.0226025404774751);
    check("dJ/dw8", gw3[[1, 1]], "-0.0227402422", -0.0227402422159782);
    check("dJ/db3_1", gb3[0], "0.138498562", 0.138498561628557);
    check("dJ/db3_2", gb3[1], "-0.0380982365", -0.0380982365165562);
    let (gw2, gb2) = (grad.weights(0), grad.bias(0));
    check(
        "dJ/dw1",
        gw2[[0, 0]],
        "0.000438567734",
        0.000438567734474347,
    );
    check(
        "dJ/dw2",
        gw2[[0, 1]],
        "0.000877135469",
        0.000877135468948693,
    );
    check("dJ/dw3", gw2[[1, 0]], "0.000497712735", 0.00049771273526086);
    check("dJ/dw4", gw2[[1, 1]], "0.000995425471", 0.00099542547052172);
    check("dJ/db2_1", gb2[0], "0.00877135469", 0.00877135468948693);
    check("dJ/db2_2", gb2[1], "0.00995425471", 0.0099542547052172);
}

#[test]
fn classic_gradient_descent_step_with_frozen_biases() {
    let (mut net, x, y) = classic();
    gd_step(&mut net, &x, &y, 0.0, true);
    let (w3, w2) = (net.params().weights(1), net.params().weights(0));
    check("w5+", w3[[0, 0]], "0.358916480", 0.358916479717885);
    check("w6+", w3[[0, 1]], "0.408666186", 0.408666186076233);
    check("w7+", w3[[1, 0]], "0.511301270", 0.511301270238738);
    check("w8+", w3[[1, 1]], "0.561370121", 0.561370121107989);
    check("w1+", w2[[0, 0]], "0.149780716", 0.149780716132763);
    check("w2+", w2[[0, 1]], "0.199561432", 0.199561432265526);
    check("w3+", w2[[1, 0]], "0.249751144", 0.24975114363237);
    check("w4+", w2[[1, 1]], "0.299502287", 0.299502287264739);
    // The values published with the example, at the precision they are printed with.
    let published = [
        ("w5+", w3[[0, 0]], "0.35891648"),
        ("w6+", w3[[0, 1]], "0.408666186"),
        ("w7+", w3[[1, 0]], "0.511301270"),
        ("w8+", w3[[1, 1]], "0.561370121"),
        ("w1+", w2[[0, 0]], "0.149780716"),
        ("w2+", w2[[0, 1]], "0.19956143"),
        ("w3+", w2[[1, 0]], "0.24975114"),
        ("w4+", w2[[1, 1]], "0.29950229"),
    ];
    for (what, got, value) in published {
        check_published(what, got, value);
    }
    assert_eq!(net.params().bias(0).to_vec(), vec![0.35, 0.35]);
    assert_eq!(net.params().bias(1).to_vec(), vec![0.60, 0.60]);

    let (cost, _, ws) = gradient(&net, &x, &y, 0.0);
    let a3 = ws.activation(1, 1);
    check("a3_1 after", a3[[0, 0]], "0.742088111", 0.742088111190782);
    check("a3_2 after", a3[[0, 1]], "0.775284968", 0.77528496829446);
    check("J after", cost.total(), "0.291027774", 0.291027773693599);
}

#[test]
fn classic_gradient_descent_step_of_every_parameter() {
    let (mut net, x, y) = classic();
    gd_step(&mut net, &x, &y, 0.0, false);
    let (b3, b2) = (net.params().bias(1), net.params().bias(0));
    check("b3_1+", b3[0], "0.530750719", 0.530750719185722);
    check("b3_2+", b3[1], "0.619049118", 0.619049118258278);
    check("b2_1+", b2[0], "0.345614323", 0.345614322655257);
    check("b2_2+", b2[1], "0.345022873", 0.345022872647391);
    // The weights move exactly as with frozen biases: the step uses the gradient at the start.
    check(
        "w5+",
        net.params().weights(1)[[0, 0]],
        "0.358916480",
        0.358916479717885,
    );
    check(
        "w1+",
        net.params().weights(0)[[0, 0]],
        "0.149780716",
        0.149780716132763,
    );

    let (cost, _, ws) = gradient(&net, &x, &y, 0.0);
    let a3 = ws.activation(1, 1);
    check("a3_1 after", a3[[0, 0]], "0.728441762", 0.728441762233766);
    check("a3_2 after", a3[[0, 1]], "0.778376920", 0.77837692030097);
    check("J after", cost.total(), "0.280471447", 0.28047144679143);
}

#[test]
fn regularized_cost_and_gradient() {
    let (net, x, y) = regularized();
    let (cost, grad, ws) = gradient(&net, &x, &y, 1.0);
    let z = ws.output_z(2);
    check("z_1", z[[0, 0]], "0.1", 0.1);
    check("z_2", z[[1, 0]], "1.35", 1.35);
    let a = ws.activation(0, 2);
    check("a_1", a[[0, 0]], "0.524979187", 0.52497918747894);
    check("a_2", a[[1, 0]], "0.794129628", 0.794129628199053);
    let one = |i: usize| {
        let (xi, yi) = (
            x.slice(ndarray::s![i..=i, ..]),
            y.slice(ndarray::s![i..=i, ..]),
        );
        net.cost(xi, yi, 0.0, &mut Workspace::new(1)).unwrap().data
    };
    check(
        "cost of example 1",
        one(0),
        "0.644396660",
        0.644396660073571,
    );
    check("cost of example 2", one(1), "1.58050857", 1.58050857136388);
    check("data term", cost.data, "1.11245262", 1.11245261571872);
    check("L2 term", cost.l2, "0.078125", 0.078125);
    check("J", cost.total(), "1.19057762", 1.19057761571872);
    assert_eq!(cost.examples, 2);

    let d = ws.delta(0, 2);
    check("delta_1", d[[0, 0]], "-0.475020813", -0.47502081252106);
    check("delta_2", d[[1, 0]], "0.794129628", 0.794129628199053);
    // delta = a - y: the canonical pair of the logistic cost.
    assert_eq!(d[[1, 0]], a[[1, 0]]);

    let (_, plain, _) = gradient(&net, &x, &y, 0.0);
    let pw = plain.weights(0);
    check(
        "(1/m) Delta^T A, w1",
        pw[[0, 0]],
        "0.556619222",
        0.556619221938523,
    );
    check(
        "(1/m) Delta^T A, w2",
        pw[[0, 1]],
        "-0.872085627",
        -0.872085626620586,
    );
    let gw = grad.weights(0);
    check("(lambda/m) w1", gw[[0, 0]] - pw[[0, 0]], "0.25", 0.25);
    check("(lambda/m) w2", gw[[0, 1]] - pw[[0, 1]], "-0.125", -0.125);
    check("dJ/dw1", gw[[0, 0]], "0.806619222", 0.806619221938523);
    check("dJ/dw2", gw[[0, 1]], "-0.997085627", -0.997085626620586);
    check("dJ/db", grad.bias(0)[0], "0.159554408", 0.159554407838996);
    // The bias is not regularized: its partial derivative does not depend on lambda.
    assert_eq!(grad.bias(0)[0], plain.bias(0)[0]);
}

#[test]
fn regularized_gradient_descent_step() {
    let (mut net, x, y) = regularized();
    gd_step(&mut net, &x, &y, 1.0, false);
    check(
        "w1+",
        net.params().weights(0)[[0, 0]],
        "0.0966903890",
        0.0966903890307387,
    );
    check(
        "w2+",
        net.params().weights(0)[[0, 1]],
        "0.248542813",
        0.248542813310293,
    );
    check(
        "b+",
        net.params().bias(0)[0],
        "0.0202227961",
        0.0202227960805018,
    );

    let (cost, _, ws) = gradient(&net, &x, &y, 1.0);
    let a = ws.activation(0, 2);
    check("a_1 after", a[[0, 0]], "0.648852445", 0.648852444565912);
    check("a_2 after", a[[1, 0]], "0.491266079", 0.491266078684698);
    check(
        "data term after",
        cost.data,
        "0.554190047",
        0.554190046644362,
    );
    check("L2 term after", cost.l2, "0.0177806403", 0.0177806403447777);
    check("J after", cost.total(), "0.571970687", 0.571970686989139);
}

#[test]
fn gradient_check_passes_on_both_networks() {
    // The default threshold of `mlp gradcheck`, as docs/math.md says.
    let (net, x, y) = classic();
    let check = gradient_check(&net, x.view(), y.view(), 0.0, &GradCheckConfig::default()).unwrap();
    assert!(
        check.max_relative_error < 1e-7,
        "{}",
        check.max_relative_error
    );
    let (net, x, y) = regularized();
    let check = gradient_check(&net, x.view(), y.view(), 1.0, &GradCheckConfig::default()).unwrap();
    assert!(
        check.max_relative_error < 1e-7,
        "{}",
        check.max_relative_error
    );
}
