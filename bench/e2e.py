#!/usr/bin/env python3
"""`mlp train` end to end on a 60000 x 784 CSV against the Python equivalent (pandas reading,
numpy standardization, PyTorch training, saving), both timed as whole processes.

usage: python3 bench/e2e.py [--rounds 3] [--threads 2] [--csv FILE] [--bin PATH]

The CSV is made once (and reused when FILE exists): 60000 rows, a `label` column (0-9) and 784
integer pixel columns in 0..255, about 80% of them zero, like MNIST; 109 MB. The labels follow
the pixels (a fixed random linear teacher), so both programs have something to learn. numpy's
seeded generator makes the same file on every machine.

Each round runs both programs once, in alternating order, each in its own process; the table
gives the median wall time and the peak resident memory (ru_maxrss from os.wait4) of each, and
the ratio. Our command is `mlp train` with the W1 network and optimizer (784-512-256-10 relu,
softmax, SGD lr 0.01 momentum 0.9, batch 128, one epoch, float32); the Python one is
bench/e2e_torch.py, which does the same. Needs numpy, pandas and torch.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS, COLS = 60000, 784


def make_csv(path):
    import numpy as np

    rng = np.random.default_rng(20261124)
    x = rng.integers(1, 256, size=(ROWS, COLS), dtype=np.int64)
    x[rng.random((ROWS, COLS)) < 0.8] = 0
    teacher = rng.standard_normal((COLS, 10))
    label = np.argmax((x - x.mean(axis=0)) @ teacher, axis=1)
    header = "label," + ",".join(f"p{j}" for j in range(COLS))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(header + "\n")
        block = 5000
        for s in range(0, ROWS, block):
            rows = np.column_stack([label[s:s + block], x[s:s + block]])
            f.write("\n".join(",".join(map(str, r)) for r in rows.tolist()) + "\n")
    os.replace(tmp, path)


def run(cmd):
    """Runs cmd; returns (wall seconds, peak RSS of the child in MiB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--csv", default=os.path.join(ROOT, "target", "e2e-60000x784.csv"))
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "mlp"))
    args = p.parse_args()
    if not os.path.exists(args.csv):
        print(f"making {args.csv}", file=sys.stderr)
        make_csv(args.csv)
    out = os.path.join(os.path.dirname(args.csv), "e2e-out")
    os.makedirs(out, exist_ok=True)
    t = str(args.threads)
    ours = [args.bin, "train", "--data", args.csv, "--target", "label",
            "--task", "classification", "--hidden", "512,256", "--activation", "relu",
            "--solver", "sgd", "--learning-rate", "0.01", "--momentum", "0.9",
            "--batch-size", "128", "--epochs", "1", "--validation-fraction", "0",
            "--precision", "f32", "--threads", t, "--lambda", "0",
            "--out", os.path.join(out, "m.json"), "--quiet"]
    theirs = [sys.executable, os.path.join(ROOT, "bench", "e2e_torch.py"), args.csv,
              os.path.join(out, "t.pt"), t]
    jobs = [("mlp", ours), ("pandas + PyTorch", theirs)]
    results = {name: [] for name, _ in jobs}
    for r in range(args.rounds):
        for name, cmd in (jobs if r % 2 == 0 else jobs[::-1]):
            wall, rss = run(cmd)
            results[name].append((wall, rss))
            print(f"round {r + 1}: {name}: {wall:.2f} s, {rss:.0f} MiB", file=sys.stderr)
    med = {n: (statistics.median(w for w, _ in v), max(m for _, m in v))
           for n, v in results.items()}
    base = med["pandas + PyTorch"][0]
    print(f"| {args.threads} threads, {args.rounds} rounds | median wall | vs Python "
          "| peak memory |")
    print("|---|---|---|---|")
    for name, (wall, rss) in med.items():
        print(f"| {name} | {wall:.2f} s | {base / wall:.1f}x | {rss:.0f} MiB |")


if __name__ == "__main__":
    main()
