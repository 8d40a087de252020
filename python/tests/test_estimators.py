"""The estimators in scikit-learn's tools, pickles, model files and the command line."""

import csv
import json
import os
import pickle
import subprocess
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlp

pd = pytest.importorskip("pandas")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


def test_grid_search_on_two_processes(iris):
    X, y = iris
    grid = GridSearchCV(
        mlp.MLPClassifier(max_iter=50),
        {"hidden_layer_sizes": [(5,), (20,)], "alpha": [0.1, 1.0]},
        cv=3,
        n_jobs=2,
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert grid.best_score_ > 0.8
    assert grid.predict(X).shape == y.shape
    assert len(grid.cv_results_["mean_test_score"]) == 4


def test_pipeline_and_clone(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), mlp.MLPClassifier(hidden_layer_sizes=(10,)))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.9
    fresh = clone(pipe)
    assert fresh.get_params()["mlpclassifier__hidden_layer_sizes"] == (10,)
    assert not hasattr(fresh[-1], "classes_")


@pytest.mark.parametrize("make", [mlp.MLPClassifier, mlp.MLPRegressor])
def test_pickle_round_trip_predicts_the_same(make, iris, diabetes):
    X, y = iris if make is mlp.MLPClassifier else diabetes
    est = make(hidden_layer_sizes=(16, 8)).fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    for a, b in zip(back.coefs_, est.coefs_):
        np.testing.assert_array_equal(a, b)
    assert back.get_params() == est.get_params()
    # The pickle holds the model file's text, not a pointer.
    state = est.__getstate__()
    assert json.loads(state["_model_json"])["format"] == "mlp-model"


def test_same_seed_same_model_other_seed_other_model(iris):
    X, y = iris
    a = mlp.MLPClassifier(solver="adam", max_iter=20).fit(X, y)
    b = mlp.MLPClassifier(solver="adam", max_iter=20).fit(X, y)
    c = mlp.MLPClassifier(solver="adam", max_iter=20, random_state=3).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_coefs_are_scikit_learns_layout(iris):
    X, y = iris
    clf = mlp.MLPClassifier(hidden_layer_sizes=(7,)).fit(X, y)
    assert [w.shape for w in clf.coefs_] == [(4, 7), (7, 3)]
    assert [b.shape for b in clf.intercepts_] == [(7,), (3,)]
    # The forward pass by hand, on inputs standardized as the model file says.
    tmp = json.loads(pickle.loads(pickle.dumps(clf)).__getstate__()["_model_json"])
    scaling = tmp["input_scaling"]
    a = (X - np.array(scaling["mean"])) / np.array(scaling["std"])
    a = np.maximum(a @ clf.coefs_[0] + clf.intercepts_[0], 0)
    z = a @ clf.coefs_[1] + clf.intercepts_[1]
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), p, rtol=1e-9, atol=1e-12)
    assert clf.out_activation_ == "softmax"
    assert clf.n_layers_ == 3 and clf.n_outputs_ == 3


def test_string_labels_keep_their_order_and_type(iris):
    X, y = iris
    names = np.array(["virginica", "10", "9"])[y]
    clf = mlp.MLPClassifier().fit(X, names)
    assert list(clf.classes_) == ["10", "9", "virginica"]
    assert clf.score(X, names) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    # The probability of a row's class is high where it is predicted right.
    right = clf.predict(X) == names
    col = np.searchsorted(clf.classes_, names)
    assert proba[np.arange(len(X)), col][right].mean() > 0.5


def test_warm_start_continues_from_the_last_weights(iris):
    X, y = iris
    clf = mlp.MLPClassifier(solver="adam", max_iter=5, warm_start=True)
    clf.fit(X, y)
    first = list(clf.loss_curve_)
    clf.fit(X, y)
    assert clf.loss_curve_[0] < first[0]
    cold = mlp.MLPClassifier(solver="adam", max_iter=5).fit(X, y)
    assert cold.loss_curve_[0] == pytest.approx(first[0])


def test_regression_several_targets(diabetes):
    X, y = diabetes
    Y = np.column_stack([y, -2 * y + 1])
    reg = mlp.MLPRegressor().fit(X, Y)
    out = reg.predict(X)
    assert out.shape == (len(X), 2)
    assert reg.score(X, Y) > 0.3
    assert reg.predict(X[:1]).shape == (1, 2)
    assert mlp.MLPRegressor().fit(X, y).predict(X[:1]).shape == (1,)


def test_dataframe_with_text_and_missing_values():
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "grade": pd.Categorical(rng.choice(["a", "b"], size=n)),
        }
    )
    df.loc[::17, "size"] = np.nan
    df.loc[::13, "colour"] = None
    y = np.where((df["colour"] == "red") | (df["size"].fillna(0) > 1), "yes", "no")
    clf = mlp.MLPClassifier(max_iter=100).fit(df, y)
    assert list(clf.feature_names_in_) == ["size", "colour", "grade"]
    assert clf.n_features_in_ == 3
    assert clf.score(df, y) > 0.85
    assert clf.predict(df.iloc[:5]).shape == (5,)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[["colour", "size", "grade"]])


def test_numeric_dataframe_keeps_its_names_and_nan_is_missing(iris):
    X, y = iris
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    df.iloc[::10, 0] = np.nan
    clf = mlp.MLPClassifier(max_iter=50).fit(df, y)
    assert list(clf.feature_names_in_) == ["a", "b", "c", "d"]
    assert clf.score(df, y) > 0.8
    with pytest.raises(ValueError, match="infinity"):
        clf.predict(pd.DataFrame(np.full((1, 4), np.inf), columns=df.columns))


def test_bad_settings_are_value_errors(iris):
    X, y = iris
    for params in (
        {"solver": "newton"},
        {"activation": "swish"},
        {"hidden_layer_sizes": (0,)},
        {"momentum": 1.5, "solver": "sgd"},
        {"validation_fraction": 1.5},
        {"learning_rate_init": -1.0, "solver": "adam"},
    ):
        with pytest.raises(ValueError):
            mlp.MLPClassifier(**params).fit(X, y)


def test_save_and_load_round_trip(tmp_path, diabetes):
    X, y = diabetes
    reg = mlp.MLPRegressor(hidden_layer_sizes=(12,)).fit(X, y)
    path = tmp_path / "reg.json"
    reg.save(path)
    back = mlp.load(path)
    assert isinstance(back, mlp.MLPRegressor)
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    assert back.hidden_layer_sizes == (12,)
    assert back.n_features_in_ == X.shape[1]
    with pytest.raises(OSError):
        mlp.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError):
        mlp.load(tmp_path / "bad.json")


def _mlp_bin():
    path = os.environ.get("MLP_BIN")
    if not path:
        pytest.skip("MLP_BIN is not set (the path of the mlp binary)")
    return str(Path(path).resolve())


def _read_predictions(text):
    rows = list(csv.DictReader(text.splitlines()))
    return rows


def test_load_predicts_what_mlp_predict_predicts(tmp_path):
    binary = _mlp_bin()
    model = tmp_path / "m.json"
    subprocess.run(
        [binary, "train", "--dataset", "iris", "--out", str(model), "--quiet"], check=True
    )
    out = subprocess.run(
        [binary, "predict", "--model", str(model), "--dataset", "iris", "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = _read_predictions(out)
    clf = mlp.load(model)
    assert isinstance(clf, mlp.MLPClassifier)
    data = pd.read_csv(REPO / "datasets" / "iris.csv")
    X = data.drop(columns=["species"])
    assert list(clf.feature_names_in_) == list(X.columns)
    assert list(clf.predict(X)) == [r["prediction"] for r in rows]
    cli = np.array([[float(r[f"p_{c}"]) for c in clf.classes_] for r in rows])
    np.testing.assert_allclose(clf.predict_proba(X), cli, rtol=1e-12, atol=1e-15)
    assert clf.score(X, data["species"]) > 0.9


def test_mlp_predict_reads_what_save_writes(tmp_path):
    binary = _mlp_bin()
    data = pd.read_csv(REPO / "datasets" / "iris.csv")
    X, y = data.drop(columns=["species"]), data["species"]
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0)
    clf = mlp.MLPClassifier(hidden_layer_sizes=(8,)).fit(X_train, y_train)
    model, test = tmp_path / "m.json", tmp_path / "test.csv"
    clf.save(model)
    X_test.to_csv(test, index=False)
    out = subprocess.run(
        [binary, "predict", "--model", str(model), "--data", str(test), "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = _read_predictions(out)
    assert list(clf.predict(X_test)) == [r["prediction"] for r in rows]


def test_mlp_predict_encodes_a_csv_as_the_estimator_encodes_a_dataframe(tmp_path):
    binary = _mlp_bin()
    rng = np.random.default_rng(1)
    n = 200
    df = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "day": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, size=n), unit="D"),
        }
    )
    df.loc[::11, "size"] = np.nan
    df.loc[::7, "colour"] = None
    y = np.where(df["colour"] == "red", "r", np.where(df["size"] > 0, "p", "n"))
    clf = mlp.MLPClassifier(max_iter=50).fit(df, y)
    model, data = tmp_path / "m.json", tmp_path / "data.csv"
    clf.save(model)
    df.to_csv(data, index=False, date_format="%Y-%m-%d")
    out = subprocess.run(
        [binary, "predict", "--model", str(model), "--data", str(data), "--quiet"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = _read_predictions(out)
    assert list(clf.predict(df)) == [r["prediction"] for r in rows]
    cli = np.array([[float(r[f"p_{c}"]) for c in clf.classes_] for r in rows])
    np.testing.assert_allclose(clf.predict_proba(df), cli, rtol=1e-9, atol=1e-12)


def test_to_onnx_predicts_what_the_estimator_predicts(tmp_path, iris):
    ort = pytest.importorskip("onnxruntime")
    x, y = iris
    est = mlp.MLPClassifier(max_iter=30).fit(x, y)
    path = tmp_path / "m.onnx"
    est.to_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    label, proba = session.run(None, {"input": np.asarray(x, dtype=np.float32)})
    np.testing.assert_allclose(proba, est.predict_proba(x), atol=1e-5)
    assert [str(v) for v in label] == [str(v) for v in est.predict(x)]
    with pytest.raises(ValueError):
        est.to_onnx(tmp_path / "x.onnx", precision="f16")


def test_dropout_decay_warm_up_cosine_and_label_smoothing(iris):
    X, y = iris
    base = dict(
        solver="adam", max_iter=100, learning_rate="cosine", learning_rate_init=0.05, random_state=1
    )
    plain = mlp.MLPClassifier(**base).fit(X, y)
    tuned = mlp.MLPClassifier(
        **base, dropout=0.2, weight_decay=0.1, warmup_epochs=3, label_smoothing=0.1
    ).fit(X, y)
    again = clone(tuned).fit(X, y)
    assert not np.array_equal(plain.coefs_[0], tuned.coefs_[0])
    assert np.array_equal(tuned.coefs_[0], again.coefs_[0])
    assert tuned.score(X, y) > 0.8
    # Smoothed labels keep the probabilities away from 0 and 1.
    assert tuned.predict_proba(X).max() < plain.predict_proba(X).max()
    reg = mlp.MLPRegressor(solver="adam", max_iter=10, dropout=0.1, weight_decay=0.01)
    reg.fit(X[:, :3], X[:, 3])
    with pytest.raises(ValueError, match="dropout"):
        mlp.MLPClassifier(solver="lbfgs", dropout=0.3).fit(X, y)
    with pytest.raises(ValueError, match="warmup_epochs"):
        mlp.MLPClassifier(warmup_epochs=-1).fit(X, y)


def test_small_regression_dataframe_chooses_alpha_as_mlp_train_does():
    # 120 rows with a text column and a target that is noise: the default alpha=None runs
    # `mlp train`'s choice by cross-validation, which a stronger L2 term wins.
    rng = np.random.default_rng(5)
    n = 120
    df = pd.DataFrame(
        {"x": (np.arange(n) * 7 % 13) / 13.0, "group": np.array(["a", "b", "c"])[np.arange(n) % 3]}
    )
    y = rng.normal(size=n)
    chosen = mlp.MLPRegressor(random_state=2).fit(df, y)
    record = json.loads(chosen._model.training_json())
    alpha, split = record["lambda"], record["validation_rows"] > 0
    assert (alpha, split) != (1.0, True)
    assert alpha in (1.0, 3.0, 10.0, 30.0)
    # The same fit with the chosen setting given: the same predictions.
    given = mlp.MLPRegressor(
        random_state=2, alpha=alpha, validation_fraction=0.1 if split else 0.0
    ).fit(df, y)
    assert np.array_equal(chosen.predict(df), given.predict(df))
    # An alpha given is used as it is.
    three = mlp.MLPRegressor(random_state=2, alpha=3.0).fit(df, y)
    assert json.loads(three._model.training_json())["lambda"] == 3.0
