"""scikit-learn estimators over the mlp library: a thin layer that checks and converts the
inputs, maps scikit-learn's parameter names onto the library's settings, and turns the
model's outputs back into labels.

The network, the preprocessing (standardization, and for tables with text or missing values
the schema: categories, dates, missing indicators, bins) and the training are all the
library's, as `mlp train` runs them; a model trained here is a model file of the same format.
"""

from __future__ import annotations

import json
import numbers
import os
import sys
from typing import Any, Optional

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import assert_all_finite, check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from . import _mlp

__all__ = ["MLPClassifier", "MLPRegressor", "load"]

# scikit-learn's activation names, and the library's own (sigmoid, elu, selu).
_ACTIVATIONS = {
    "identity": "identity",
    "logistic": "sigmoid",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "relu": "relu",
    "elu": "elu",
    "selu": "selu",
}
_SKLEARN_ACTIVATION = {"sigmoid": "logistic"}
_SOLVERS = ("lbfgs", "sgd", "adam", "gd", "cg")
_SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")
# `_inputs` without targets (prediction), as opposed to targets of None (an error).
_NO_Y = object()


def _is_dataframe(X: Any) -> bool:
    return hasattr(X, "columns") and hasattr(X, "dtypes") and hasattr(X, "iloc")


def _text_columns(X: Any) -> list[int]:
    """The columns of a DataFrame that hold text or categories (not numbers or booleans)."""
    if not _is_dataframe(X):
        return []
    out = []
    for j, dtype in enumerate(X.dtypes):
        kind = getattr(dtype, "kind", "O")
        if kind not in "biuf":
            out.append(j)
    return out


def _as_text(values: Any) -> list[str]:
    """A column's values as text; a missing value (None, NaN, pandas' NA) is ""."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
            continue
        try:
            if v != v:  # NaN-like scalars; pandas.NA raises on bool()
                out.append("")
                continue
        except TypeError:
            out.append("")
            continue
        out.append(str(v).strip())
    return out


class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: parameters, fitting, prediction, files."""

    _task = ""

    # ---- parameters -> the library's settings

    def _seed(self) -> int:
        rs = self.random_state
        if rs is None:
            return 0
        if isinstance(rs, numbers.Integral):
            if rs < 0:
                raise ValueError(f"random_state must be >= 0, got {rs}")
            return int(rs)
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _threads(self) -> Optional[int]:
        n = self.n_jobs
        if n is None or n == -1:
            return None
        if not isinstance(n, numbers.Integral) or n == 0:
            raise ValueError(f"n_jobs must be a non-zero integer or None, got {n!r}")
        if n < 0:
            return max(1, (os.cpu_count() or 1) + 1 + int(n))
        return int(n)

    def _settings(self, n_rows: int) -> dict[str, Any]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = [sizes]
        sizes = list(sizes)
        if not all(isinstance(s, numbers.Integral) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {sizes}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.learning_rate not in _SCHEDULES:
            raise ValueError(
                f"learning_rate must be one of {_SCHEDULES}, got {self.learning_rate!r}"
            )
        if isinstance(self.batch_size, str):
            if self.batch_size != "auto":
                raise ValueError(f"batch_size must be 'auto' or an integer, got {self.batch_size!r}")
            batch = None
        else:
            if not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1:
                raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
            batch = min(int(self.batch_size), max(n_rows, 1))
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        optional_int = {"n_iter_no_change": self.n_iter_no_change, "ensemble": self.ensemble}
        if not isinstance(self.warmup_epochs, numbers.Integral) or self.warmup_epochs < 0:
            raise ValueError(
                f"warmup_epochs must be a non-negative integer, got {self.warmup_epochs!r}"
            )
        for name, v in optional_int.items():
            if v is not None and (not isinstance(v, numbers.Integral) or v < 1):
                raise ValueError(f"{name} must be a positive integer or None, got {v!r}")
        return dict(
            hidden=[int(s) for s in sizes],
            activation=_ACTIVATIONS[self.activation],
            solver=self.solver,
            alpha=None if self.alpha is None else float(self.alpha),
            batch_size=batch,
            learning_rate=None if self.learning_rate_init is None else float(self.learning_rate_init),
            schedule=self.learning_rate,
            power_t=float(self.power_t),
            max_iter=int(self.max_iter),
            shuffle=bool(self.shuffle),
            seed=self._seed(),
            tol=float(self.tol),
            momentum=float(self.momentum),
            nesterov=bool(self.nesterovs_momentum),
            early_stopping=None if self.early_stopping is None else bool(self.early_stopping),
            validation_fraction=(
                None if self.validation_fraction is None else float(self.validation_fraction)
            ),
            beta_1=float(self.beta_1),
            beta_2=float(self.beta_2),
            epsilon=float(self.epsilon),
            patience=None if self.n_iter_no_change is None else int(self.n_iter_no_change),
            threads=self._threads(),
            ensemble=None if self.ensemble is None else int(self.ensemble),
            dropout=float(self.dropout),
            weight_decay=float(self.weight_decay),
            warmup_epochs=int(self.warmup_epochs),
        )

    # ---- inputs

    def _inputs(self, X: Any, reset: bool, y: Any = _NO_Y, **y_checks: Any):
        """(x, names, text, y): the numbers as a float64 matrix (NaN for missing), the column
        names, the text columns (index, values) of a DataFrame, and the checked targets."""
        text_idx = _text_columns(X)
        if not text_idx:
            if y is _NO_Y:
                if not reset and self._plain_array(X):
                    return X, None, [], None
                x = validate_data(
                    self, X, reset=reset, dtype=np.float64, ensure_all_finite="allow-nan"
                )
                return x, None, [], None
            x, y = validate_data(
                self,
                X,
                y=y,
                reset=reset,
                dtype=np.float64,
                ensure_all_finite="allow-nan",
                **y_checks,
            )
            names = self._names(x.shape[1])
            return x, names, [], y
        # A DataFrame with text: its columns by name, the text ones as text.
        columns = [str(c) for c in X.columns]
        if reset:
            self.n_features_in_ = len(columns)
            if all(isinstance(c, str) for c in X.columns):
                self.feature_names_in_ = np.asarray(columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        else:
            expected = self._names(len(columns))
            if columns != expected:
                raise ValueError(
                    f"The feature names should match those that were passed during fit: "
                    f"got {columns}, expected {expected}"
                )
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if y is not _NO_Y:
            y = self._check_y(y, **y_checks)
            check_consistent_length(X, y)
        x = np.full((len(X), len(columns)), np.nan)
        text = []
        for j in range(len(columns)):
            column = X.iloc[:, j]
            if j in text_idx:
                text.append((j, _as_text(column.tolist())))
            else:
                x[:, j] = column.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(x).any():
            raise ValueError("Input X contains infinity.")
        if len(x) == 0:
            raise ValueError("Found array with 0 sample(s) while a minimum of 1 is required.")
        return x, columns, text, (None if y is _NO_Y else y)

    def _check_fitted(self) -> None:
        """`check_is_fitted`'s error, without its look at the tags on every prediction."""
        if not hasattr(self, "_model"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    def _plain_array(self, X: Any) -> bool:
        """Whether X is what `validate_data` would pass on unchanged to a fitted estimator
        without feature names: a float64 numpy matrix of finite numbers with rows and the
        right columns. Prediction takes it as it is (a small batch's checks would take more
        time than the network)."""
        return (
            type(X) is np.ndarray
            and X.dtype == np.float64
            and X.ndim == 2
            and X.shape[0] > 0
            and X.shape[1] == getattr(self, "n_features_in_", -1)
            and not hasattr(self, "feature_names_in_")
            and bool(np.isfinite(X).all())
        )

    @staticmethod
    def _check_y(y: Any, multi_output: bool = False, y_numeric: bool = False) -> np.ndarray:
        """y checked as `validate_data` checks it (for DataFrames with text, which it cannot
        take)."""
        if multi_output:
            return check_array(y, ensure_2d=False, dtype=np.float64 if y_numeric else None)
        y = column_or_1d(y, warn=True)
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        return y.astype(np.float64) if y_numeric else y

    def _names(self, n: int) -> list[str]:
        names = getattr(self, "feature_names_in_", None)
        if names is not None and len(names) == n:
            return [str(c) for c in names]
        model = getattr(self, "_model", None)
        if model is not None and model.features is not None and len(model.features) == n:
            return list(model.features)
        return [f"x{j}" for j in range(n)]

    def _outputs(self, X: Any) -> np.ndarray:
        x, names, text, _ = self._inputs(X, reset=False)
        if text:
            return self._model.predict_columns(names, x, text)
        return self._model.predict(x)

    # ---- fitting

    def _fit_model(self, x: np.ndarray, names: list[str], text: list, targets: list) -> None:
        warm = self.warm_start and hasattr(self, "_model")
        settings = self._settings(x.shape[0])
        numeric = [n for j, n in enumerate(names) if j not in {i for i, _ in text}]
        model, info = _mlp.fit(
            x,
            names,
            text,
            targets,
            task=self._task,
            init=self._model if warm else None,
            numeric=numeric,
            **settings,
        )
        if self.verbose:
            for note in info["notes"]:
                print(f"note: {note}", file=sys.stderr)
            print(
                f"{model!r}: {info['epochs']} epochs, {info['stopped']}, "
                f"final cost {info['loss_curve'][-1]:.6g}",
                file=sys.stderr,
            )
        self._set_model(model, info)

    def _set_model(self, model: Any, info: Optional[dict]) -> None:
        """The fitted attributes that come from the model (and, after a fit, its run)."""
        self._model = model
        self.coefs_ = model.coefs()
        self.intercepts_ = model.intercepts()
        self.n_layers_ = len(model.sizes)
        self.n_outputs_ = model.sizes[-1]
        out = model.activations[-1]
        self.out_activation_ = _SKLEARN_ACTIVATION.get(out, out)
        if info is None:
            record = json.loads(model.training_json() or "null")
            epochs = record.get("epochs") if isinstance(record, dict) else None
            self.n_iter_ = epochs if isinstance(epochs, int) else 0
            final = record.get("final_cost") if isinstance(record, dict) else None
            self.loss_ = final
            self.loss_curve_ = [] if final is None else [final]
            self.best_loss_ = final
            self.validation_scores_ = None
            self.best_validation_score_ = None
            return
        self.n_iter_ = info["epochs"]
        self.loss_curve_ = list(info["loss_curve"])
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else None
        scores = info.get("validation_score")
        self.validation_scores_ = None if scores is None else list(scores)
        present = [s for s in scores or [] if s is not None]
        self.best_validation_score_ = max(present) if present else None

    def _target_name(self, names: list[str], y: Any, default: str = "y") -> str:
        name = getattr(y, "name", None)
        name = str(name) if isinstance(name, str) and name else default
        while name in names:
            name += "_"
        return name

    # ---- files and pickles

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Writes the model file (JSON), which `mlp predict`, `mlp evaluate` and `mlp.load`
        read."""
        self._check_fitted()
        self._model.save(os.fspath(path))

    def to_onnx(self, path: "str | os.PathLike[str]", precision: str = "f32") -> None:
        """Writes the fitted model as an ONNX graph (what `mlp export --format onnx` writes):
        the preprocessing, every layer and the outputs `label` and `probabilities` (classifiers)
        or `variable` (regressors), for ONNX Runtime, tract or Triton. `precision` is "f32" or
        "f64"."""
        self._check_fitted()
        self._model.to_onnx(os.fspath(path), precision)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state = dict(state)
        model = state.pop("_model", None)
        if model is not None:
            state["_model_json"] = model.to_json()
            state.pop("coefs_", None)
            state.pop("intercepts_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        text = state.pop("_model_json", None)
        super().__setstate__(state)
        if text is not None:
            model = _mlp.Model.from_json(text)
            self._model = model
            self.coefs_ = model.coefs()
            self.intercepts_ = model.intercepts()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A feed-forward network classifier trained by the mlp library.

    The defaults are `mlp train`'s for classification (100 relu units, L-BFGS, alpha = 1
    when left None, every row trained on for complete numeric data), measured to beat scikit-learn's on
    held-out splits. The parameters are scikit-learn's `MLPClassifier`'s, mapped onto the
    library's settings as python/README.md lists; `solver` also takes 'gd' and 'cg', and
    `ensemble` averages that many networks; `learning_rate` also takes 'cosine', and
    `dropout`, `weight_decay` (decoupled, AdamW), `warmup_epochs` and `label_smoothing` are the
    options of `mlp train` of those names (gd, sgd and adam for the first three).
    `random_state=None` is seed 0, so every fit is deterministic.

    DataFrames keep their column names; their text and categorical columns are encoded as
    `mlp train` encodes a CSV file's (one-hot categories, dates, missing values). NaN is a
    missing value: such a table gets the library's tabular recipe (median fill, missing
    indicators, bins, an ensemble of 5 networks, trained in single precision).
    """

    _task = "classification"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="lbfgs",
        alpha=None,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=None,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=False,
        early_stopping=None,
        validation_fraction=None,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=None,
        n_jobs=None,
        ensemble=None,
        dropout=0.0,
        weight_decay=0.0,
        warmup_epochs=0,
        label_smoothing=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.ensemble = ensemble
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.warmup_epochs = warmup_epochs
        self.label_smoothing = label_smoothing

    def _settings(self, n_rows: int) -> dict[str, Any]:
        return dict(super()._settings(n_rows), label_smoothing=float(self.label_smoothing))

    def fit(self, X, y) -> "MLPClassifier":
        """Trains on X (rows × features) and the class labels y; with `warm_start`, from the
        previous fit's weights (the classes must be among the previous fit's)."""
        warm = self.warm_start and hasattr(self, "_model")
        x, names, text, y = self._inputs(X, reset=not warm, y=y)
        check_classification_targets(y)
        if warm:
            classes = self.classes_
            unknown = np.setdiff1d(np.unique(y), classes)
            if len(unknown):
                raise ValueError(
                    f"warm_start: y holds classes the first fit did not see: {list(unknown)}"
                )
            labels = self._labels
            index = np.searchsorted(classes, y)
        else:
            classes, index = np.unique(y, return_inverse=True)
            if len(classes) < 2:
                raise ValueError(
                    "Classifier can't train when only one class is present: "
                    f"every label is {classes[0]!r}" if len(classes) else "y is empty"
                )
            labels = [str(c).strip() for c in classes]
            if len(set(labels)) < len(labels) or "" in labels:
                labels = [str(i) for i in range(len(classes))]
        target = self._target_name(names, y, getattr(self, "_target", "y"))
        if warm:
            target = self._target
        values = [labels[i] for i in np.asarray(index).ravel()]
        self._fit_model(x, names, text, [(target, values)])
        self.classes_ = classes
        self._labels = labels
        self._target = target
        self._order = self._class_order()
        return self

    def _class_order(self) -> np.ndarray:
        """For each of `classes_`, its column among the model's outputs."""
        position = {c: j for j, c in enumerate(self._model.classes or [])}
        try:
            return np.array([position[label] for label in self._labels], dtype=np.intp)
        except KeyError as e:
            raise ValueError(f"the model has no class {e}") from None

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, one column per class of `classes_`."""
        self._check_fitted()
        return self._outputs(X)[:, self._order]

    def predict_log_proba(self, X) -> np.ndarray:
        """The logarithm of `predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """A feed-forward network regressor trained by the mlp library.

    The defaults are `mlp train`'s for regression (100 tanh units, L-BFGS, alpha = 1, inputs
    and targets standardized, early stopping on 10% of the rows), measured to beat
    scikit-learn's on held-out splits. alpha=None (the default) is `mlp train` without
    `--lambda`: 1, except that a DataFrame with text or missing values and fewer than 500
    rows chooses alpha among 1, 3, 10 and 30, and early stopping or none, by 5-fold
    cross-validation. y may have several columns. See `MLPClassifier` for
    the parameters and the handling of DataFrames and missing values.
    """

    _task = "regression"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="tanh",
        *,
        solver="lbfgs",
        alpha=None,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=None,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=False,
        early_stopping=None,
        validation_fraction=None,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=None,
        n_jobs=None,
        ensemble=None,
        dropout=0.0,
        weight_decay=0.0,
        warmup_epochs=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.n_jobs = n_jobs
        self.ensemble = ensemble
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.warmup_epochs = warmup_epochs

    def fit(self, X, y) -> "MLPRegressor":
        """Trains on X (rows × features) and the targets y (one or several columns); with
        `warm_start`, from the previous fit's weights."""
        warm = self.warm_start and hasattr(self, "_model")
        x, names, text, y = self._inputs(
            X, reset=not warm, y=y, multi_output=True, y_numeric=True
        )
        y2 = y.reshape(len(y), -1)
        if warm:
            targets = self._targets
            if len(targets) != y2.shape[1]:
                raise ValueError(
                    f"warm_start: y has {y2.shape[1]} columns, the first fit had {len(targets)}"
                )
        elif y2.shape[1] == 1:
            targets = [self._target_name(names, y)]
        else:
            targets = [self._target_name(names, None, f"y{k}") for k in range(y2.shape[1])]
        columns = [(t, [repr(v) for v in y2[:, k].tolist()]) for k, t in enumerate(targets)]
        self._fit_model(x, names, text, columns)
        self._targets = targets
        self._y_1d = y.ndim == 1
        return self

    def predict(self, X) -> np.ndarray:
        """The predicted targets: a vector when y was, else one column per target."""
        self._check_fitted()
        out = self._outputs(X)
        return out.ravel() if self._y_1d and out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _label(values: list[str]) -> np.ndarray:
    """Class labels from a model file as an array: integers or floats when they all are."""
    for kind in (int, float):
        try:
            return np.array([kind(v) for v in values])
        except ValueError:
            pass
    return np.array(values, dtype=object)


def load(path: "str | os.PathLike[str]") -> "MLPClassifier | MLPRegressor":
    """A fitted estimator from a model file written by `mlp train` or by `save`: an
    `MLPClassifier` for a classifier, else an `MLPRegressor`, which predicts what
    `mlp predict` predicts."""
    model = _mlp.Model.load(os.fspath(path))
    return _from_model(model)


def _from_model(model: Any) -> "MLPClassifier | MLPRegressor":
    acts = model.activations
    hidden = tuple(model.sizes[1:-1])
    params: dict[str, Any] = {"hidden_layer_sizes": hidden}
    if hidden:
        params["activation"] = _SKLEARN_ACTIVATION.get(acts[0], acts[0])
    record = json.loads(model.training_json() or "null")
    if isinstance(record, dict):
        for key, name in (("solver", "solver"), ("lambda", "alpha"), ("seed", "random_state"),
                          ("max_epochs", "max_iter")):
            if key in record:
                params[name] = record[key]
        if record.get("ensemble"):
            params["ensemble"] = record["ensemble"]
    if model.is_classifier:
        est: Any = MLPClassifier(**params)
        est.classes_ = _label(model.classes)
        est._labels = list(model.classes)
        est._target = (model.targets or ["y"])[0]
    else:
        est = MLPRegressor(**params)
        est._targets = list(model.targets or [f"y{k}" for k in range(model.sizes[-1])])
        est._y_1d = model.sizes[-1] == 1
    features = model.features
    if features is not None:
        est.n_features_in_ = len(features)
        # The names given to the columns of an array (x0, x1, ...) are not the user's.
        if features != [f"x{j}" for j in range(len(features))]:
            est.feature_names_in_ = np.asarray(features, dtype=object)
    else:
        est.n_features_in_ = model.sizes[0]
    est._set_model(model, None)
    if model.is_classifier:
        est._order = est._class_order()
    return est
