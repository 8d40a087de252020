//! Permutation importance on a network whose dependence on each input is known.
#![allow(clippy::unwrap_used)]

use mlp::importance::permutation_importance;
use mlp::{Activation, Loss, Model, Network};
use ndarray::Array2;

#[test]
fn an_unused_input_has_no_importance_and_a_used_one_has_some() {
    // y = 2 x1 + 0 x2: shuffling x2 changes nothing, shuffling x1 destroys the fit.
    let mut net =
        Network::<f64>::new(&[2, 1], &[Activation::Identity], Loss::SquaredError).unwrap();
    {
        let (mut w, mut b) = net.params_mut().layer_mut(0);
        w[[0, 0]] = 2.0;
        w[[0, 1]] = 0.0;
        b[0] = 0.0;
    }
    let mut model = Model::new(net);
    model.features = Some(vec!["x1".into(), "x2".into()]);
    let n = 50;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 {
            i as f64
        } else {
            ((i * 7) % 11) as f64
        }
    });
    let y = Array2::from_shape_fn((n, 1), |(i, _)| 2.0 * i as f64);
    let (score, columns) = permutation_importance(&model, x.view(), y.view(), 4, 3).unwrap();
    assert!((score - 1.0).abs() < 1e-12, "a perfect fit: r2 = {score}");
    assert_eq!(columns[0].name, "x1");
    assert!(columns[0].mean > 0.5, "{:?}", columns[0]);
    assert_eq!(columns[1].name, "x2");
    assert_eq!((columns[1].mean, columns[1].std), (0.0, 0.0));
    // The same seed gives the same numbers; repeats must be at least 1.
    let again = permutation_importance(&model, x.view(), y.view(), 4, 3).unwrap();
    assert_eq!(again.1, columns);
    assert!(permutation_importance(&model, x.view(), y.view(), 0, 3).is_err());
}
