"""Feed-forward neural networks trained by the mlp Rust library, as scikit-learn estimators.

>>> import mlp
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> clf = mlp.MLPClassifier().fit(X, y)
>>> clf.score(X, y) > 0.9
True

`mlp.load(path)` reads a model file written by `mlp train` (or by an estimator's `save`)
as a fitted estimator.
"""

from ._estimators import MLPClassifier, MLPRegressor, load
from ._mlp import Model

__all__ = ["MLPClassifier", "MLPRegressor", "Model", "load"]
__version__ = "0.1.0"
