#!/usr/bin/env python3
"""`mlp train` end to end on a CSV against the Python equivalent (pandas reading, numpy
standardization, PyTorch training, saving), both timed as whole processes.

usage: python3 bench/e2e.py [--workload W1|W2|W3] [--rounds 3] [--threads 2] [--csv FILE]
                            [--bin PATH] [--max-pressure PERCENT]

The workload's CSV is made once (and reused when FILE exists), in target/ by default; numpy makes
the same file on every machine:

* W1 (the default): 60000 rows, a `label` column (0-9) and 784 integer pixel columns in 0..255,
  about 80% of them zero, like MNIST; 109 MB. The labels follow the pixels (a fixed random
  linear teacher drawn by numpy's seeded generator), so both programs have something to learn.
* W2: the benchmark workload seed-fullbatch, 5000 rows, a `label` column (0-9) and 400 numbers
  in [0, 1) written so that they read back exactly; 39 MB.
* W3: the benchmark workload tabular-regression, 200000 rows of 32 numbers and a target `y`,
  as bench/w3_csv.py writes them (6 decimals); 60 MB.

W2's and W3's numbers come from the workloads' splitmix64 stream (bench/w3_csv.py), so they
are the rows the other benchmarks train on.

Each round runs both programs once, in alternating order, each in its own process; the table
gives the median wall time and the peak resident memory (ru_maxrss from os.wait4) of each, and
the ratio. Our command is `mlp train` with the workload's network and optimizer (the flags are
in WORKLOADS below); the Python one is bench/e2e_torch.py, which does the same. Where Linux
reports CPU pressure (/proc/pressure/cpu), each run also gives the share of its wall time in
which some task of the machine waited for a CPU, a sign of other work competing for the cores
(a program with more runnable threads than cores causes some too); with --max-pressure, a
round in which either run saw more is left out and run again.

After the rounds, untimed:

* the final training loss of both saved models, recomputed here in float64 from the files the
  last round wrote and the CSV (W1: mean cross-entropy; W2: the seed's J with lambda = 1; W3:
  0.5 * mean squared error in the target's units), so that both have done comparable work;
* where the time went: the medians of the phases bench/e2e_torch.py reports (and of the rest
  of its wall time), and of the reading and training times `mlp train` prints without --quiet,
  from as many more runs (which also score the training rows, as the timed runs do not).

Needs numpy, pandas and torch.
"""
import argparse
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))


def make_w1(path):
    import numpy as np

    rows, cols = 60000, 784
    rng = np.random.default_rng(20261124)
    x = rng.integers(1, 256, size=(rows, cols), dtype=np.int64)
    x[rng.random((rows, cols)) < 0.8] = 0
    teacher = rng.standard_normal((cols, 10))
    label = np.argmax((x - x.mean(axis=0)) @ teacher, axis=1)
    header = "label," + ",".join(f"p{j}" for j in range(cols))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(header + "\n")
        block = 5000
        for s in range(0, rows, block):
            chunk = np.column_stack([label[s:s + block], x[s:s + block]])
            f.write("\n".join(",".join(map(str, r)) for r in chunk.tolist()) + "\n")
    os.replace(tmp, path)


def make_w2(path):
    """X = u(1, .) as 5000 x 400 float64, labels argmax((X - 0.5) T) with T = 2 u(2, .) - 1
    (400 x 10); each number written as Python's shortest repr, which reads back exactly."""
    import numpy as np
    from w3_csv import sym, u

    rows, cols = 5000, 400
    x = u(1, np.arange(rows * cols, dtype=np.uint64)).reshape(rows, cols)
    label = np.argmax((x - 0.5) @ sym(2, cols, 10), axis=1)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("label," + ",".join(f"x{j}" for j in range(cols)) + "\n")
        for lab, row in zip(label.tolist(), x.tolist()):
            f.write(f"{lab}," + ",".join(map(repr, row)) + "\n")
    os.replace(tmp, path)


def make_w3(path):
    from w3_csv import write_csv

    tmp = path + ".tmp"
    write_csv(200000, tmp)
    os.replace(tmp, path)


# The data, the target column and the flags of `mlp train` for each workload. Every CSV is
# complete and numeric, so mlp's plain recipe applies (one network, no bins, inputs
# standardized, and for regression the target too); --validation-fraction 0 trains on every row
# with no early stopping.
WORKLOADS = {
    "W1": dict(csv="e2e-60000x784.csv", make=make_w1, target="label", flags=[
        "--task", "classification", "--hidden", "512,256", "--activation", "relu",
        "--solver", "sgd", "--learning-rate", "0.01", "--momentum", "0.9",
        "--batch-size", "128", "--epochs", "1", "--validation-fraction", "0",
        "--precision", "f32", "--lambda", "0"]),
    "W2": dict(csv="e2e-w2-5000x400.csv", make=make_w2, target="label", flags=[
        "--task", "classification", "--hidden", "25", "--activation", "sigmoid",
        "--output", "sigmoid", "--solver", "gd", "--learning-rate", "1", "--epochs", "200",
        "--lambda", "1", "--init-bound", "0.12", "--validation-fraction", "0",
        "--precision", "f64"]),
    "W3": dict(csv="e2e-w3-200000x32.csv", make=make_w3, target="y", flags=[
        "--task", "regression", "--hidden", "128,128", "--activation", "tanh",
        "--output", "identity", "--solver", "adam", "--learning-rate", "0.001",
        "--batch-size", "256", "--epochs", "1", "--validation-fraction", "0",
        "--precision", "f32", "--lambda", "0"]),
}


def stalled():
    """Microseconds some task has waited for a CPU since boot (Linux's CPU pressure), or None."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().rsplit("total=", 1)[1])
    except (OSError, IndexError, ValueError):
        return None


def run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS of the child in MiB, its stderr, the share of
    the wall time in which some task of the machine waited for a CPU, in %, or None)."""
    s0 = stalled()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    s1 = stalled()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    stall = None if s0 is None or s1 is None else (s1 - s0) / 1e4 / wall
    return wall, usage.ru_maxrss / 1024.0, err, stall


def forward(x, layers):
    """The outputs of layers [(W (out x in), b, activation)] on the rows of x, in float64;
    softmax and sigmoid outputs are left as logits."""
    import numpy as np

    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
           "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z}
    for i, (w, b, a) in enumerate(layers):
        x = x @ w.T + b
        if i < len(layers) - 1:
            x = act[a](x)
    return x


def final_losses(key, csv, mlp_model, torch_model):
    """The training loss of both saved models on the CSV's rows, in float64."""
    import numpy as np
    import pandas as pd
    import torch

    frame = pd.read_csv(csv)
    target = frame.pop(WORKLOADS[key]["target"]).to_numpy()
    x = frame.to_numpy(dtype=np.float64)

    with open(mlp_model) as f:
        m = json.load(f)
    s = m["input_scaling"]
    ours = forward((x - np.array(s["mean"])) / np.array(s["std"]),
                   [(np.array(la["weights"]), np.array(la["bias"]), la["activation"])
                    for la in m["layers"]])
    state = torch.load(torch_model)
    acts = {"W1": "relu", "W2": "sigmoid", "W3": "tanh"}[key]
    names = sorted({k.split(".")[0] for k in state}, key=int)
    std = x.std(axis=0)
    theirs = forward((x - x.mean(axis=0)) / np.where(std > 0, std, 1.0),
                     [(state[f"{n}.weight"].double().numpy(),
                       state[f"{n}.bias"].double().numpy(), acts) for n in names])

    if key == "W3":
        ys = m["target_scaling"]
        ours = ours[:, 0] * ys["std"][0] + ys["mean"][0]
        theirs = theirs[:, 0] * target.std() + target.mean()
        return [0.5 * np.mean((p - target) ** 2) for p in (ours, theirs)]
    # mlp's output units are the labels in the order of the model's `classes`; PyTorch's are
    # the sorted labels (np.unique in bench/e2e_torch.py; W1's labels are 0-9 themselves).
    unit = {c: i for i, c in enumerate(m["classes"])}
    ours_y = np.eye(len(unit))[[unit[str(v)] for v in target]]
    theirs_y = np.eye(len(unit))[np.unique(target, return_inverse=True)[1]]
    losses = []
    for z, y, weights in ((ours, ours_y, [la["weights"] for la in m["layers"]]),
                          (theirs, theirs_y, [state[f"{n}.weight"] for n in names])):
        if key == "W1":
            z = z - z.max(axis=1, keepdims=True)
            losses.append(-np.mean(np.sum(y * (z - np.log(np.exp(z).sum(axis=1,
                                                                         keepdims=True))),
                                          axis=1)))
        else:  # the seed's J: sigmoid cross-entropy summed over outputs, lambda = 1
            n = x.shape[0]
            log_h, log_1mh = -np.logaddexp(0, -z), -np.logaddexp(0, z)
            data = -np.sum(y * log_h + (1 - y) * log_1mh) / n
            losses.append(data + sum(np.sum(np.asarray(w, dtype=np.float64) ** 2)
                                     for w in weights) / (2 * n))
    return losses


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workload", choices=sorted(WORKLOADS), default="W1")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--csv", help="the data file [default: target/ and the workload's name]")
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "mlp"))
    p.add_argument("--max-pressure", type=float, metavar="PERCENT",
                   help="repeat a round in which either run saw more CPU pressure than this "
                        "(other work on the machine), up to 10 times the rounds in all")
    args = p.parse_args()
    key, w = args.workload, WORKLOADS[args.workload]
    csv = args.csv or os.path.join(ROOT, "target", w["csv"])
    if not os.path.exists(csv):
        # In a process of its own: a child's ru_maxrss counts the memory its parent had when
        # it was started, and making the data takes hundreds of MB.
        print(f"making {csv}", file=sys.stderr)
        maker = multiprocessing.get_context("fork").Process(target=w["make"], args=(csv,))
        maker.start()
        maker.join()
        if maker.exitcode != 0:
            sys.exit(f"making {csv} failed")
    out = os.path.join(os.path.dirname(csv), "e2e-out")
    os.makedirs(out, exist_ok=True)
    t = str(args.threads)
    mlp_model, torch_model = os.path.join(out, f"m-{key}.json"), os.path.join(out, f"t-{key}.pt")
    ours = [args.bin, "train", "--data", csv, "--target", w["target"], *w["flags"],
            "--threads", t, "--out", mlp_model]
    theirs = [sys.executable, os.path.join(ROOT, "bench", "e2e_torch.py"), csv, torch_model, t,
              key]
    jobs = [("mlp", ours + ["--quiet"]), ("pandas + PyTorch", theirs)]
    results = {name: [] for name, _ in jobs}
    phases, stalls, attempt, kept = [], [], 0, 0
    while kept < args.rounds:
        if attempt == 10 * args.rounds:
            sys.exit(f"{attempt} rounds, {kept} of them not busier than --max-pressure "
                     f"{args.max_pressure:g}%: giving up")
        got = []
        for name, cmd in (jobs if attempt % 2 == 0 else jobs[::-1]):
            wall, rss, err, stall = run(cmd)
            spent = None
            if name != "mlp":
                spent = {k: float(v) for k, v in
                         re.findall(r"(\w+) ([\d.]+)", err.split("phases:")[1])}
                spent["rest"] = wall - sum(spent.values())
            got.append((name, wall, rss, stall, spent))
            note = "" if stall is None else f", CPU pressure {stall:.0f}%"
            print(f"round {attempt + 1}: {name}: {wall:.2f} s, {rss:.0f} MiB{note}",
                  file=sys.stderr)
        attempt += 1
        if args.max_pressure is not None and any(
                g[3] is not None and g[3] > args.max_pressure for g in got):
            print(f"round {attempt}: repeated (CPU pressure above {args.max_pressure:g}%)",
                  file=sys.stderr)
            continue
        kept += 1
        for name, wall, rss, stall, spent in got:
            results[name].append((wall, rss))
            if stall is not None:
                stalls.append(stall)
            if spent:
                phases.append(spent)
    med = {n: (statistics.median(w for w, _ in v), max(m for _, m in v))
           for n, v in results.items()}
    base = med["pandas + PyTorch"][0]
    print(f"| {key}, {args.threads} threads, {args.rounds} rounds | median wall | vs Python "
          "| peak memory |")
    print("|---|---|---|---|")
    for name, (wall, rss) in med.items():
        print(f"| {name} | {wall:.2f} s | {base / wall:.1f}x | {rss:.0f} MiB |")

    if stalls:
        print(f"\nCPU pressure during the runs (the share of the time in which some task waited "
              f"for a CPU): median {statistics.median(stalls):.0f}%, max {max(stalls):.0f}%; "
              f"rounds repeated: {attempt - args.rounds}")
    ours_loss, theirs_loss = final_losses(key, csv, mlp_model, torch_model)
    what = {"W1": "mean cross-entropy", "W2": "J (lambda = 1)",
            "W3": "0.5 * mean squared error"}[key]
    print(f"final training loss ({what}, recomputed from the saved models): "
          f"mlp {ours_loss:.6f}, pandas + PyTorch {theirs_loss:.6f}")
    spent = {k: statistics.median(ph[k] for ph in phases) for k in phases[0]}
    print("pandas + PyTorch, median seconds: "
          + ", ".join(f"{k} {v:.2f}" for k, v in spent.items())
          + " (rest: starting Python and ending the process)")
    read, trained = [], []
    for _ in range(args.rounds):
        err = run(ours)[2]
        read.append(float(re.search(r"read \d+ rows of .* in ([\d.]+) s", err).group(1)))
        trained.append(float(re.search(r"\d+ epochs in ([\d.]+) s", err).group(1)))
    print(f"mlp without --quiet ({args.rounds} more runs), median seconds: read "
          f"{statistics.median(read):.2f}, train {statistics.median(trained):.2f}")


if __name__ == "__main__":
    main()
