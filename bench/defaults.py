#!/usr/bin/env python3
"""Choose the defaults of `mlp train` by measurement: held-out test scores of scikit-learn's
MLPClassifier/MLPRegressor (its defaults and a small grid search) and of candidate `mlp train`
settings, on the built-in data sets plus a synthetic regression, and print one markdown table.

usage: python3 bench/defaults.py [--bin PATH] [--sets a,b,...] [--seeds 0,1,2]
                                 [--mnist-seeds 0,1,2] [--candidates a,b,...] [--no-sklearn]
                                 [--no-grid] [--cache FILE] [--json FILE] [--workdir DIR]

Protocol (docs/defaults.md says it in full):
  * data: datasets/{iris,wine,breast_cancer,digits,mnist_5k,diabetes} (target = last column)
    and friedman1 = sklearn.datasets.make_friedman1(n_samples=1000, noise=1.0,
    random_state=0) written to CSV (California housing is not available offline);
  * for each set and seed: train_test_split(test_size=0.25, random_state=seed), stratified for
    classification; train/test CSVs (header kept) go to a temporary directory, not the repo;
  * scikit-learn "default": Pipeline(StandardScaler(), MLP*(random_state=seed, max_iter=2000));
    "tuned": GridSearchCV (3-fold, training part only, n_jobs=1) over hidden_layer_sizes
    [(100,), (50,), (100, 50)], alpha [1e-4, 1e-2, 1], solver [adam, lbfgs],
    learning_rate_init [1e-3], same max_iter; the best CV setting is refit and scored on test;
  * mlp: `mlp train --data train.csv --target T --task K --seed S --out m.json --quiet
    --threads 1 [candidate flags]`, then `mlp evaluate --model m.json --data test.csv`
    (accuracy for classification, r2 for regression).
mnist_5k is the slow one: --mnist-seeds 0 cuts it to one seed, and only the candidates in
MNIST_CANDIDATES run on it.
--cache FILE keeps every measured result (keyed by set, seed and method) so that a rerun only
measures what is new; without it everything is measured.  Needs numpy and scikit-learn.
"""
import os

# one thread for numpy/BLAS (set before numpy is imported): the machine is shared
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse
import csv
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (file or None for generated, task)
SETS = {
    "iris": ("iris.csv", "classification"),
    "wine": ("wine.csv", "classification"),
    "breast_cancer": ("breast_cancer.csv", "classification"),
    "digits": ("digits.csv", "classification"),
    "mnist_5k": ("mnist_5k.csv.gz", "classification"),
    "diabetes": ("diabetes.csv", "regression"),
    "friedman1": (None, "regression"),
}

SK_MAX_ITER = 2000
GRID = {
    "mlp__hidden_layer_sizes": [(100,), (50,), (100, 50)],
    "mlp__alpha": [1e-4, 1e-2, 1.0],
    "mlp__solver": ["adam", "lbfgs"],
    "mlp__learning_rate_init": [1e-3],
}

# Candidate `mlp train` settings.  Every flag is given explicitly (starting from the defaults
# of `mlp train` when this was measured, OLD_DEFAULTS), so that the table keeps its meaning after
# the defaults change.  A candidate is a dict of overrides, or {task: overrides} for a setting
# that depends on the task.
OLD_DEFAULTS = {
    "--hidden": "100", "--activation": "relu", "--solver": "adam", "--learning-rate": "1e-3",
    "--lambda": "1e-4", "--epochs": "200", "--validation-fraction": "0.1", "--patience": "10",
    "--tol": "1e-4", "--early-stopping": "on",
    # --batch-size is left out: its default min(200, rows) cannot be written as one value
}
E500 = {"--epochs": "500", "--patience": "20"}                     # adam: longer, more patient
LB = {"--solver": "lbfgs", "--epochs": "500", "--validation-fraction": "0"}  # lbfgs, no split
LB_ES = {"--solver": "lbfgs", "--epochs": "500", "--validation-fraction": "0.1",
         "--patience": "50"}                                         # lbfgs, early stopping
PROPOSED = {
    "classification": {"--solver": "lbfgs", "--lambda": "1", "--epochs": "200",
                       "--validation-fraction": "0"},
    "regression": {"--solver": "lbfgs", "--lambda": "1", "--epochs": "200",
                   "--activation": "tanh", "--validation-fraction": "0.1", "--patience": "50"},
}
CANDIDATES = {
    "current": {},
    "adam_e500_p20": E500,
    "adam_e500_p20_l1": E500 | {"--lambda": "1"},
    "adam_e500_p20_h256": E500 | {"--hidden": "256"},
    "adam_e500_p20_h100x50": E500 | {"--hidden": "100,50"},
    "adam_e500_p20_tanh": E500 | {"--activation": "tanh"},
    "lbfgs_l1e-4": LB | {"--lambda": "1e-4"},
    "lbfgs_l1e-2": LB | {"--lambda": "1e-2"},
    "lbfgs_l0.1": LB | {"--lambda": "0.1"},
    "lbfgs_l1": LB | {"--lambda": "1"},
    "lbfgs_l10": LB | {"--lambda": "10"},
    "lbfgs_l1_h256": LB | {"--lambda": "1", "--hidden": "256"},
    "lbfgs_l1_h100x50": LB | {"--lambda": "1", "--hidden": "100,50"},
    "lbfgs_l1_tanh": LB | {"--lambda": "1", "--activation": "tanh"},
    "lbfgs_l5_tanh": LB | {"--lambda": "5", "--activation": "tanh"},
    "lbfgs_l1_es": LB_ES | {"--lambda": "1"},
    "lbfgs_l1_tanh_es": LB_ES | {"--lambda": "1", "--activation": "tanh"},
    "lbfgs_l1_e200": {"--solver": "lbfgs", "--lambda": "1", "--epochs": "200",
                      "--validation-fraction": "0"},
    # the recommendation: lbfgs, lambda 1, at most 200 iterations; classification: relu and no
    # validation split; regression: tanh and early stopping on a 10% split with patience 50
    "proposed": PROPOSED,
    # sensitivity of the regression half of the proposal to --patience
    "proposed_reg_p10": {"regression": PROPOSED["regression"] | {"--patience": "10"}},
    "proposed_reg_p20": {"regression": PROPOSED["regression"] | {"--patience": "20"}},
}
# mnist_5k is slow for lbfgs at 500 iterations: only these candidates run on it.
MNIST_CANDIDATES = ["current", "adam_e500_p20", "adam_e500_p20_l1", "lbfgs_l0.1", "lbfgs_l1",
                    "lbfgs_l1_tanh", "lbfgs_l1_e200", "proposed"]


def flags_of(cand, task):
    over = CANDIDATES[cand]
    if "classification" in over or "regression" in over:
        over = over.get(task)
        if over is None:
            return None  # this candidate is for the other task only
    opts = OLD_DEFAULTS | over
    if opts["--solver"] == "lbfgs":
        del opts["--learning-rate"]  # lbfgs has no step size (its line search picks it)
    return [x for kv in opts.items() for x in kv]


# ---------------------------------------------------------------- data


def read_csv(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def load_set(name):
    """(header, rows as lists of strings); the target is the last column."""
    fname, _ = SETS[name]
    if fname is not None:
        return read_csv(os.path.join(ROOT, "datasets", fname))
    X, y = make_friedman1(n_samples=1000, noise=1.0, random_state=0)
    header = [f"x{i}" for i in range(X.shape[1])] + ["y"]
    rows = [[repr(float(v)) for v in x] + [repr(float(t))] for x, t in zip(X, y)]
    return header, rows


def make_split(name, seed, workdir):
    """Writes WORKDIR/NAME_SEED_{train,test}.csv; returns their paths and the target name."""
    header, rows = load_set(name)
    task = SETS[name][1]
    y = [r[-1] for r in rows]
    train, test = train_test_split(
        rows, test_size=0.25, random_state=seed,
        stratify=y if task == "classification" else None)
    tr = os.path.join(workdir, f"{name}_{seed}_train.csv")
    te = os.path.join(workdir, f"{name}_{seed}_test.csv")
    write_csv(tr, header, train)
    write_csv(te, header, test)
    return tr, te, header[-1]


def xy(path, task):
    _, rows = read_csv(path)
    X = np.array([r[:-1] for r in rows], dtype=float)
    y = np.array([r[-1] for r in rows])
    if task == "regression":
        y = y.astype(float)
    return X, y


# ---------------------------------------------------------------- scikit-learn


def sk_estimator(task, seed):
    cls = MLPClassifier if task == "classification" else MLPRegressor
    return Pipeline([("scale", StandardScaler()),
                     ("mlp", cls(random_state=seed, max_iter=SK_MAX_ITER))])


def run_sklearn(kind, task, seed, tr, te):
    Xtr, ytr = xy(tr, task)
    Xte, yte = xy(te, task)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if kind == "sk_default":
            est = sk_estimator(task, seed).fit(Xtr, ytr)
            setting = None
        else:
            gs = GridSearchCV(sk_estimator(task, seed), GRID, cv=3, n_jobs=1)
            gs.fit(Xtr, ytr)
            est = gs.best_estimator_
            p = gs.best_params_
            setting = {"hidden": list(p["mlp__hidden_layer_sizes"]), "alpha": p["mlp__alpha"],
                       "solver": p["mlp__solver"], "cv": round(float(gs.best_score_), 4)}
    secs = time.perf_counter() - t
    score = est.score(Xte, yte)  # accuracy or r2
    return {"score": score, "secs": secs, "setting": setting,
            "n_iter": int(est.named_steps["mlp"].n_iter_)}


# ---------------------------------------------------------------- mlp


def run_mlp(binary, flags, task, seed, tr, te, target, workdir):
    model = os.path.join(workdir, "m.json")
    cmd = [binary, "train", "--data", tr, "--target", target, "--task", task,
           "--seed", str(seed), "--out", model, "--quiet", "--threads", "1"] + flags
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    secs = time.perf_counter() - t
    if p.returncode != 0:
        return {"score": None, "secs": secs, "error": (p.stderr or p.stdout).strip()[-500:],
                "cmd": " ".join(cmd)}
    p2 = subprocess.run([binary, "evaluate", "--model", model, "--data", te],
                        capture_output=True, text=True)
    if p2.returncode != 0:
        return {"score": None, "secs": secs, "error": p2.stderr.strip()[-500:]}
    ev = json.loads(p2.stdout)
    score = ev["accuracy"] if task == "classification" else ev["r2"]
    with open(model) as f:
        m = json.load(f)
    rec = m.get("training", {})
    return {"score": score, "secs": secs, "epochs": rec.get("epochs"),
            "stopped": rec.get("stopped")}


# ---------------------------------------------------------------- table


def fmt(scores):
    s = [x for x in scores if x is not None]
    if not s:
        return "error"
    if len(s) == 1:
        return f"{s[0]:.4f}"
    return f"{statistics.mean(s):.4f} ± {statistics.stdev(s):.4f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "mlp"))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--mnist-seeds", default="0,1,2")
    ap.add_argument("--candidates", default=",".join(CANDIDATES))
    ap.add_argument("--no-sklearn", action="store_true")
    ap.add_argument("--no-grid", action="store_true")
    ap.add_argument("--cache", help="JSON file of results kept between runs")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--workdir", help="where the splits go (default: a temporary directory)")
    args = ap.parse_args()

    if not os.path.exists(args.bin):
        sys.exit(f"{args.bin} not found: cargo build --release first")
    sets = args.sets.split(",")
    cands = [c for c in args.candidates.split(",") if c]
    for c in cands:
        if c not in CANDIDATES:
            sys.exit(f"unknown candidate {c}")
    methods = [] if args.no_sklearn else (["sk_default"] + ([] if args.no_grid else ["sk_tuned"]))
    methods += ["mlp:" + c for c in cands]

    cache = {}
    if args.cache and os.path.exists(args.cache):
        with open(args.cache) as f:
            cache = json.load(f)

    tmp = None
    workdir = args.workdir
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="mlp-defaults-")
        workdir = tmp.name
    os.makedirs(workdir, exist_ok=True)

    def runs_on(name, meth):
        if not meth.startswith("mlp:"):
            return True
        if flags_of(meth[4:], SETS[name][1]) is None:
            return False
        return name != "mnist_5k" or meth[4:] in MNIST_CANDIDATES

    def key_of(name, seed, meth):
        # mlp results are keyed by their flags, so that equal settings are measured once
        if meth.startswith("mlp:"):
            return f"{name}|{seed}|mlp:" + " ".join(flags_of(meth[4:], SETS[name][1]) or [])
        return f"{name}|{seed}|{meth}"

    t0 = time.perf_counter()
    for name in sets:
        task = SETS[name][1]
        seeds = [int(s) for s in (args.mnist_seeds if name == "mnist_5k" else args.seeds).split(",")]
        for seed in seeds:
            tr, te, target = make_split(name, seed, workdir)
            for meth in methods:
                if not runs_on(name, meth):
                    continue
                key = key_of(name, seed, meth)
                if key in cache:
                    continue
                if meth.startswith("sk_"):
                    r = run_sklearn(meth, task, seed, tr, te)
                else:
                    r = run_mlp(args.bin, flags_of(meth[4:], task), task, seed, tr, te, target,
                                workdir)
                cache[key] = r
                print(f"{name}|{seed}|{meth}: {r.get('score')} ({r['secs']:.2f} s)"
                      + (f" {r['setting']}" if r.get("setting") else "")
                      + (f" ERROR {r['error']}" if r.get("error") else ""),
                      file=sys.stderr, flush=True)
                if args.cache:
                    with open(args.cache + ".tmp", "w") as f:
                        json.dump(cache, f, indent=0)
                    os.replace(args.cache + ".tmp", args.cache)
    print(f"measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    # table: one row per method, one column per set (mean ± std over seeds)
    def get(name, meth):
        seeds = (args.mnist_seeds if name == "mnist_5k" else args.seeds).split(",")
        return [cache.get(key_of(name, int(s), meth)) for s in seeds]

    def mean_of(name, meth):
        s = [r["score"] for r in get(name, meth) if r and r["score"] is not None]
        return statistics.mean(s) if s else None

    sk_best = {}
    for name in sets:
        m = [mean_of(name, k) for k in ("sk_default", "sk_tuned") if k in methods]
        m = [x for x in m if x is not None]
        sk_best[name] = max(m) if m else None

    print("| method | " + " | ".join(sets) + " | mean secs/fit | sets >= best sklearn |")
    print("|---" * (len(sets) + 3) + "|")
    for meth in methods:
        cells, secs, wins, n = [], [], 0, 0
        for name in sets:
            rs = [r for r in get(name, meth) if r]
            cells.append(fmt([r["score"] for r in rs]) if rs else "—")
            secs += [r["secs"] for r in rs]
            m = mean_of(name, meth)
            if m is not None and sk_best[name] is not None:
                n += 1
                wins += m >= sk_best[name] - 1e-12
        label = meth[4:] if meth.startswith("mlp:") else meth
        w = f"{wins}/{n}" if meth.startswith("mlp:") and n else ""
        print(f"| {label} | " + " | ".join(cells)
              + f" | {statistics.mean(secs) if secs else float('nan'):.2f} | {w} |")
    if "sk_tuned" in methods:
        print("\nsk_tuned best CV settings (per seed):")
        for name in sets:
            rs = get(name, "sk_tuned")
            print(f"- {name}: " + "; ".join(
                f"seed {s}: {r['setting']} test {r['score']:.4f}"
                for s, r in zip((args.mnist_seeds if name == "mnist_5k" else args.seeds).split(","), rs) if r))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(cache, f, indent=1)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
