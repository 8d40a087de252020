#!/usr/bin/env python3
"""The Python package against scikit-learn: `fit` time on mnist_5k, and what the Python layer
adds to a prediction of 1 or 100 rows.

usage: python bench/python_bench.py [--repeats 5] [--max-iter 20] [--lbfgs-iter 50]
                                    [--calls 2000]

Needs the package installed (`pip install ./python`), numpy, pandas and scikit-learn.

fit: mnist_5k (5000 x 784, pixels / 255, the same matrix for both), a 784-100-10 network
(relu, softmax), alpha 1e-4, in two settings:

* adam: lr 1e-3, batch 200, exactly --max-iter epochs (no early stopping, no tolerance stop);
* lbfgs: exactly --lbfgs-iter iterations (tolerance 0; ours stops on its own criteria only
  if the line search fails, and the n_iter columns say how many each ran).

The runs alternate (ours, scikit-learn's, ours, ...) in one process; the table gives the
median of --repeats fits and the ratio of the medians. Both use every core: ours its own
threads, scikit-learn numpy's BLAS.

predict: for batches of 1 and 100 rows, the median time per call (over --calls calls, best of
3 runs of them) of `MLPClassifier.predict_proba` (the whole Python layer: input checks,
conversion, the native call, reordering the classes), of the native call alone
(`est._model.predict`: the same library calls as `mlp predict`, reached through PyO3), and of
scikit-learn's `predict_proba` on a network of the same shape.
"""

import argparse
import gzip
import os
import platform
import statistics
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mnist():
    import pandas as pd

    with gzip.open(os.path.join(ROOT, "datasets", "mnist_5k.csv.gz")) as f:
        data = pd.read_csv(f)
    y = data.pop("digit").to_numpy()
    return data.to_numpy(dtype=np.float64) / 255.0, y


def estimators(solver, args):
    import sklearn.neural_network as sk

    import mlp

    common = dict(hidden_layer_sizes=(100,), activation="relu", alpha=1e-4, random_state=0)
    if solver == "adam":
        ours = mlp.MLPClassifier(
            solver="adam", batch_size=200, learning_rate_init=1e-3, max_iter=args.max_iter,
            early_stopping=False, validation_fraction=0.0, tol=0.0, **common,
        )
        theirs = sk.MLPClassifier(
            solver="adam", batch_size=200, learning_rate_init=1e-3, max_iter=args.max_iter,
            tol=0.0, n_iter_no_change=args.max_iter + 1, **common,
        )
    else:
        ours = mlp.MLPClassifier(
            solver="lbfgs", max_iter=args.lbfgs_iter, early_stopping=False,
            validation_fraction=0.0, tol=0.0, **common,
        )
        theirs = sk.MLPClassifier(
            solver="lbfgs", max_iter=args.lbfgs_iter, tol=0.0, max_fun=10**6, **common,
        )
    return ours, theirs


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_fit(X, y, args):
    from sklearn.base import clone

    rows = []
    for solver in ("adam", "lbfgs"):
        ours, theirs = estimators(solver, args)
        times = {"mlp": [], "sklearn": []}
        fitted = {}
        for _ in range(args.repeats):
            for name, est in (("mlp", ours), ("sklearn", theirs)):
                e = clone(est)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    times[name].append(timed(lambda: e.fit(X, y)))
                fitted[name] = e
        m, s = statistics.median(times["mlp"]), statistics.median(times["sklearn"])
        rows.append(
            (solver, m, s, fitted["mlp"].n_iter_, fitted["sklearn"].n_iter_,
             fitted["mlp"].score(X, y), fitted["sklearn"].score(X, y))
        )
        print(f"  {solver}: mlp {times['mlp']}, sklearn {times['sklearn']}", flush=True)
    print()
    print(f"| fit, {args.repeats} repeats | mlp | scikit-learn | sklearn / mlp "
          "| n_iter mlp / sklearn | training accuracy mlp / sklearn |")
    print("|---|---|---|---|---|---|")
    for solver, m, s, nm, ns, am, as_ in rows:
        print(f"| {solver} | {m:.3f} s | {s:.3f} s | {s / m:.2f}x | {nm} / {ns} "
              f"| {am:.4f} / {as_:.4f} |")


def per_call(fn, calls):
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t) / calls)
    return best


def bench_predict(X, y, args):
    ours, theirs = estimators("adam", argparse.Namespace(max_iter=2, lbfgs_iter=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X, y)
        theirs.fit(X, y)
    print()
    print(f"| predict_proba, per call (best of 3 x {args.calls} calls) | mlp estimator "
          "| native call alone | Python layer | scikit-learn |")
    print("|---|---|---|---|---|")
    for n in (1, 100):
        batch = np.ascontiguousarray(X[:n])
        np.testing.assert_allclose(ours.predict_proba(batch), ours._model.predict(batch))
        full = per_call(lambda: ours.predict_proba(batch), args.calls)
        native = per_call(lambda: ours._model.predict(batch), args.calls)
        sk = per_call(lambda: theirs.predict_proba(batch), args.calls)
        print(f"| {n} row{'s' if n > 1 else ''} | {full * 1e6:.1f} µs | {native * 1e6:.1f} µs "
              f"| {(full - native) * 1e6:.1f} µs | {sk * 1e6:.1f} µs |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-iter", type=int, default=20)
    parser.add_argument("--lbfgs-iter", type=int, default=50)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--skip-fit", action="store_true")
    args = parser.parse_args()
    import sklearn

    import mlp

    print(f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
          f"{sklearn.__version__}, mlp {mlp.__version__}, {os.cpu_count()} cores")
    X, y = mnist()
    if not args.skip_fit:
        bench_fit(X, y, args)
    bench_predict(X, y, args)


if __name__ == "__main__":
    main()
