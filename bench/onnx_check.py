#!/usr/bin/env python3
"""ONNX Runtime against `mlp predict`: for models trained on every built-in data set, with every
hidden activation and output kind, and on tables with text, dates and missing values, the
exported graph's labels and probabilities (or values) must match the CLI's.

    python3 bench/onnx_check.py --mlp target/release/mlp [--precision f32|f64] [--quick]

Needs numpy, pandas and onnxruntime. Prints one line per case and a summary; exits 1 when a case
differs by more than the tolerance (1e-5 relative to the output's scale for float32 graphs,
1e-9 for float64) or a label differs where the two most probable classes are not tied.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
DATASETS = os.path.join(HERE, "..", "datasets")
NA = {"", "NA", "N/A", "n/a", "NaN", "null", "NULL", "None", "?", "#N/A"}

# (data set, target, train options): every built-in data set, every hidden activation, and the
# output kinds (softmax, independent sigmoids, one sigmoid for two classes, identity).
ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu", "elu", "selu"]


def cases(quick):
    small = ["--hidden", "16", "--epochs", "30"]
    out = []
    sets = [
        ("iris", "species"),
        ("wine", "cultivar"),
        ("breast_cancer", "diagnosis"),
        ("digits", "digit"),
        ("mnist_5k", "digit"),
        ("diabetes", "progression"),
    ]
    for name, target in sets:
        for act in ACTIVATIONS if not quick or name == "iris" else ["relu"]:
            out.append((f"{name}/{act}", name, target, small + ["--activation", act]))
    out.append(("iris/sigmoid-outputs", "iris", "species", small + ["--output", "sigmoid"]))
    out.append(
        ("breast_cancer/one-sigmoid", "breast_cancer", "diagnosis", small + ["--output", "sigmoid"])
    )
    out.append(("wine/ensemble", "wine", "cultivar", small + ["--ensemble", "3"]))
    out.append(("diabetes/defaults", "diabetes", "progression", []))
    return out


def mixed_table(path, rows=400, seed=7):
    """A table with numbers, categories, dates and missing values, and two targets."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.exponential(size=rows) * 100
    color = rng.choice(["red", "green", "blue", "violet"], size=rows, p=[0.4, 0.3, 0.2, 0.1])
    city = rng.choice([f"c{i}" for i in range(30)], size=rows)
    day = pd.Timestamp("1999-12-15") + pd.to_timedelta(rng.integers(0, 9000, size=rows), "D")
    y = x1 + (color == "red") * 1.5 + np.log1p(x2) * 0.3 + (day.month.values > 6) * 0.8
    y = y + rng.normal(scale=0.3, size=rows)
    label = np.where(y > np.median(y), "high", "low")
    df = pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "color": color,
            "city": city,
            "when": day.strftime("%Y-%m-%d"),
            "y": y,
            "label": label,
        }
    )
    for col, share in [("x1", 0.1), ("x2", 0.05), ("color", 0.1), ("when", 0.08)]:
        df.loc[rng.random(rows) < share, col] = np.nan
    df.to_csv(path, index=False)


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True)


def feeds(model, data_path, precision):
    """The ONNX inputs for the rows of a CSV file, as docs/model-format.md describes them."""
    ftype = np.float32 if precision == "f32" else np.float64
    raw = pd.read_csv(data_path, dtype=str, keep_default_na=False)
    columns = model.get("columns")
    if columns is None:
        x = raw[model["features"]].astype(float).to_numpy(ftype)
        return {"input": x}
    na = set(model.get("na_values", NA))

    def numbers(col):
        v = raw[col].str.strip()
        return pd.to_numeric(v.where(~v.isin(na)), errors="coerce").to_numpy(ftype)

    if all(c["type"] == "numeric" for c in columns):
        return {"input": np.stack([numbers(c["name"]) for c in columns], axis=1)}
    out = {}
    for c in columns:
        name = c["name"]
        if c["type"] == "numeric":
            out[name] = numbers(name).reshape(-1, 1)
        elif c["type"] == "categorical":
            out[name] = raw[name].str.strip().to_numpy(object).reshape(-1, 1)
        else:
            v = raw[name].str.strip()
            t = pd.to_datetime(v.where(~v.isin(na)), errors="coerce", utc=True)
            days = (t - pd.Timestamp("1970-01-01", tz="UTC")) / pd.Timedelta(days=1)
            out[name] = days.to_numpy(ftype, na_value=np.nan).reshape(-1, 1)
    return out


def check(mlp, tmp, label, data, target, options, precision, session_options):
    import onnxruntime as ort

    model_path = os.path.join(tmp, "m.json")
    onnx_path = os.path.join(tmp, "m.onnx")
    run([mlp, "train", "--data", data, "--target", target, "--out", model_path, "-q"] + options)
    run([mlp, "export", "--model", model_path, "--format", "onnx", "--out", onnx_path,
         "--precision", precision])
    pred_path = os.path.join(tmp, "p.csv")
    run([mlp, "predict", "--model", model_path, "--data", data, "--out", pred_path, "-q"])
    expected = pd.read_csv(pred_path, dtype={"prediction": str}, keep_default_na=False)
    with open(model_path) as f:
        model = json.load(f)
    session = ort.InferenceSession(onnx_path, session_options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, feeds(model, data, precision))))
    tol = 1e-5 if precision == "f32" else 1e-9
    if "probabilities" in got:
        want = expected[[c for c in expected.columns if c.startswith("p_")]].to_numpy(float)
        have = got["probabilities"].astype(float)
        scale = 1.0
        err = float(np.max(np.abs(have - want)) / scale)
        top2 = np.sort(want, axis=1)[:, -2:]
        tied = (top2[:, 1] - top2[:, 0]) <= 2 * tol
        labels = np.array([str(v) for v in got["label"]])
        differ = (labels != expected["prediction"].to_numpy(str)) & ~tied
        ok = err <= tol and not differ.any()
        detail = f"max |dp| {err:.1e}, labels differing {int(differ.sum())} (ties {int(tied.sum())})"
    else:
        want = expected[[c for c in expected.columns if c.startswith("prediction")]].to_numpy(float)
        have = got["variable"].astype(float).reshape(want.shape)
        scale = float(np.max(np.abs(want))) or 1.0
        err = float(np.max(np.abs(have - want)) / scale)
        ok = err <= tol
        detail = f"max |dy|/max|y| {err:.1e}"
    print(f"{'ok  ' if ok else 'FAIL'} {label:28s} {precision} rows {len(expected):5d}  {detail}")
    return ok, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mlp", default="target/release/mlp")
    ap.add_argument("--precision", choices=["f32", "f64"], default="f32")
    ap.add_argument("--quick", action="store_true", help="fewer activations per data set")
    args = ap.parse_args()
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, name, target, options in cases(args.quick):
            data = os.path.join(DATASETS, name + ".csv")
            if not os.path.exists(data):
                data += ".gz"
                plain = os.path.join(tmp, name + ".csv")
                if not os.path.exists(plain):
                    pd.read_csv(data).to_csv(plain, index=False)
                data = plain
            results.append(check(args.mlp, tmp, label, data, target, options, args.precision, so))
        mixed = os.path.join(tmp, "mixed.csv")
        mixed_table(mixed)
        for label, target, options in [
            ("mixed/classification", "label", ["--drop", "y"]),
            ("mixed/regression", "y", ["--drop", "label"]),
            ("mixed/no-bins-single", "y", ["--drop", "label", "--bins", "0", "--ensemble", "1"]),
        ]:
            results.append(check(args.mlp, tmp, label, mixed, target, options, args.precision, so))
    bad = sum(1 for ok, _ in results if not ok)
    worst = max(err for _, err in results)
    print(f"{len(results) - bad}/{len(results)} cases agree; largest difference {worst:.1e}; "
          f"onnxruntime {ort.__version__}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
