//! Model files: bit-identical round trips, and a clear, specific error for every malformed file.
#![allow(clippy::unwrap_used)]

use mlp::{Activation, Init, Loss, Model, Network, Scaling};

fn sample() -> Model {
    let net = Network::<f64>::seeded(
        &[3, 4, 2],
        &[Activation::Tanh, Activation::Softmax],
        Loss::SoftmaxCrossEntropy,
        Init::Glorot,
        11,
    )
    .unwrap();
    let mut model = Model::new(net);
    model.features = Some(vec!["a".into(), "b, with comma".into(), "c \"q\"".into()]);
    model.targets = Some(vec!["label".into()]);
    model.classes = Some(vec!["no".into(), "yes".into()]);
    model.input_scaling = Some(Scaling {
        mean: vec![0.1, 1e-300, -3.5],
        std: vec![1.0 / 3.0, 2.5e10, 1.0],
    });
    model.training = Some(mlp::Training::Other(
        serde_json::json!({"solver": "adam", "epochs": 3}),
    ));
    model
}

#[test]
fn round_trip_is_bit_identical() {
    let model = sample();
    let text = model.to_json().unwrap();
    let back = Model::from_json_bytes("m.json", text.as_bytes()).unwrap();
    assert_eq!(back, model);
    let bits = |m: &Model| {
        m.network
            .params()
            .as_slice()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&back), bits(&model));
    assert_eq!(back.to_json().unwrap(), text);
}

#[test]
fn extreme_numbers_round_trip() {
    let mut model = sample();
    let p = model.network.params_mut().as_mut_slice();
    p[0] = f64::MIN_POSITIVE;
    p[1] = -f64::MAX;
    p[2] = 5e-324;
    p[3] = 0.1 + 0.2;
    p[4] = -0.0;
    let back = Model::from_json_bytes("m.json", model.to_json().unwrap().as_bytes()).unwrap();
    let bits = |m: &Model| {
        m.network
            .params()
            .as_slice()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    };
    assert_eq!(bits(&back), bits(&model));
}

#[test]
fn save_and_load_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    sample().save(&path).unwrap();
    assert_eq!(Model::load(&path).unwrap(), sample());
}

#[test]
fn a_model_with_nan_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    std::fs::write(&path, "keep me").unwrap();
    let mut model = sample();
    model.network.params_mut().as_mut_slice()[0] = f64::NAN;
    let err = model.save(&path).unwrap_err().to_string();
    assert!(err.contains("NaN or infinity"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn only_the_required_keys_are_needed() {
    let text = r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy", "layers": [
        {"activation": "sigmoid", "weights": [[0.1, -0.2, 0.3], [0.0, 0.5, -0.1]], "bias": [0.0, 0.1]},
        {"activation": "sigmoid", "weights": [[0.7, -0.4]], "bias": [0.2]}]}"#;
    let model = Model::from_json_bytes("m.json", text.as_bytes()).unwrap();
    assert_eq!(
        model.network.to_string(),
        "3 -> 2 sigmoid -> 1 sigmoid (cross_entropy)"
    );
    assert_eq!(model.network.params().weights(0)[[1, 2]], -0.1);
    assert_eq!(model.network.params().bias(1)[0], 0.2);
}

/// Each malformed file and the words its error must contain.
const MALFORMED: &[(&str, &str, &str)] = &[
    ("not json", "hello", "not valid JSON"),
    ("not json object", "{hello", "not valid JSON"),
    (
        "truncated",
        r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy", "layers": [{"activ"#,
        "truncated",
    ),
    ("empty file", "", "truncated"),
    (
        "wrong format",
        r#"{"format": "other", "version": 1, "loss": "cross_entropy", "layers": []}"#,
        "not an mlp-model file",
    ),
    ("no format", r#"{"version": 1}"#, "no \"format\" key"),
    (
        "newer version",
        r#"{"format": "mlp-model", "version": 3, "loss": "x", "layers": []}"#,
        "version 3 is newer",
    ),
    (
        "version 2 without its schema",
        r#"{"format": "mlp-model", "version": 2, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[1]], "bias": [0]}]}"#,
        "a version-2 model needs \"columns\"",
    ),
    (
        "bad version",
        r#"{"format": "mlp-model", "version": "one", "loss": "cross_entropy", "layers": []}"#,
        "not a valid format version",
    ),
    (
        "no layers",
        r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy", "layers": []}"#,
        "no layers",
    ),
    (
        "missing layers",
        r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy"}"#,
        "missing field `layers`",
    ),
    (
        "unknown loss",
        r#"{"format": "mlp-model", "version": 1, "loss": "hinge", "layers": [{"activation": "sigmoid", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "unknown loss \"hinge\"",
    ),
    (
        "unknown activation",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "gelu", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "layer 1: unknown activation \"gelu\"",
    ),
    (
        "ragged rows",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[1.0, 2.0], [3.0]], "bias": [0.0, 0.0]}]}"#,
        "row 2 has 1 numbers, row 1 has 2",
    ),
    (
        "bias length",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[1.0, 2.0]], "bias": [0.0, 0.0]}]}"#,
        "bias has 2 numbers, weights have 1 rows",
    ),
    (
        "shapes do not chain",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "tanh", "weights": [[1.0, 2.0]], "bias": [0.0]}, {"activation": "identity", "weights": [[1.0, 2.0]], "bias": [0.0]}]}"#,
        "the layer below has 1 units",
    ),
    (
        "empty weights",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [], "bias": []}]}"#,
        "weight matrix is empty",
    ),
    (
        "huge number",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[1e999]], "bias": [0.0]}]}"#,
        "number out of range",
    ),
    (
        "NaN token",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[NaN]], "bias": [0.0]}]}"#,
        "not valid JSON",
    ),
    (
        "null weight",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "identity", "weights": [[null]], "bias": [0.0]}]}"#,
        "invalid type: null",
    ),
    (
        "softmax hidden",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "layers": [{"activation": "softmax", "weights": [[1.0]], "bias": [0.0]}, {"activation": "identity", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "output layer only",
    ),
    (
        "loss and output",
        r#"{"format": "mlp-model", "version": 1, "loss": "cross_entropy", "layers": [{"activation": "identity", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "cross_entropy needs a sigmoid output layer",
    ),
    (
        "features length",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "features": ["a", "b"], "layers": [{"activation": "identity", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "features has 2 entries, the network needs 1",
    ),
    (
        "classes length",
        r#"{"format": "mlp-model", "version": 1, "loss": "softmax_cross_entropy", "classes": ["a", "b", "c"], "layers": [{"activation": "softmax", "weights": [[1.0], [2.0]], "bias": [0.0, 0.0]}]}"#,
        "classes has 3 labels for 2 outputs",
    ),
    (
        "zero std",
        r#"{"format": "mlp-model", "version": 1, "loss": "squared_error", "input_scaling": {"mean": [0.0], "std": [0.0]}, "layers": [{"activation": "identity", "weights": [[1.0]], "bias": [0.0]}]}"#,
        "standard deviations positive",
    ),
    ("not an object", "[1, 2, 3]", "must hold one JSON object"),
];

#[test]
fn every_malformed_model_has_its_own_clear_error() {
    for (what, text, words) in MALFORMED {
        let err = Model::from_json_bytes("bad.json", text.as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, mlp::Error::Model { .. }), "{what}: {err:?}");
        assert!(message.starts_with("bad.json"), "{what}: {message}");
        assert!(
            message.contains(words),
            "{what}: expected \"{words}\" in: {message}"
        );
        assert!(!message.contains('\n'), "{what}: one line: {message}");
    }
}

#[test]
fn garbage_bytes_never_panic() {
    let valid = sample().to_json().unwrap().into_bytes();
    for cut in (0..valid.len()).step_by(7) {
        let _ = Model::from_json_bytes("cut.json", &valid[..cut]);
    }
    let mut state = 12345u64;
    for _ in 0..2000 {
        let mut bytes = valid.clone();
        for _ in 0..4 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (state >> 33) as usize % bytes.len();
            bytes[i] = (state >> 17) as u8;
        }
        let _ = Model::from_json_bytes("flipped.json", &bytes);
    }
}
