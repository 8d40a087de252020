"""Shared set-up of the tests."""

import os

# scikit-learn runs its array-API check (with numpy arrays) only when SciPy's array API
# support is on, which SciPy reads once at import: set before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
