"""Every check of scikit-learn's estimator API, with no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

import mlp


@parametrize_with_checks([mlp.MLPClassifier(), mlp.MLPRegressor()])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
