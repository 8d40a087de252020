#!/usr/bin/env python3
"""Reading the W1 data as CSV and as Parquet: `mlp train` of a linear model for one epoch on each
file, as whole processes (with -q) and the reading alone (the time `mlp train` prints for it,
without -q: from before the file is opened to the table in memory, before anything is trained),
medians over rounds in alternating order; and whether both train the same model, byte for byte.
For context, polars' and pandas' `read_csv` and `read_parquet` of the same files in their own
processes.

usage: python3 bench/read_formats.py --bin target/release/mlp [--rounds 3] [--threads 2] [--dir D]

The binary must be built with the `columnar` feature. The data: 60000 rows, a `label` column
(0-9) and 784 float columns written with %.6g (about 420 MB of CSV), made once with numpy's
seeded generator, and the same frame written by pyarrow as Parquet (snappy). Needs numpy,
pandas, pyarrow and optionally polars.
"""
import argparse
import filecmp
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROWS, COLS = 60000, 784


def make(dirname):
    import numpy as np
    import pandas as pd

    csv = os.path.join(dirname, "w1.csv")
    parquet = os.path.join(dirname, "w1.parquet")
    if os.path.exists(csv) and os.path.exists(parquet):
        return csv, parquet
    rng = np.random.default_rng(20261126)
    x = rng.standard_normal((ROWS, COLS)) * rng.uniform(0.1, 50, COLS)
    teacher = rng.standard_normal((COLS, 10))
    label = np.argmax(x @ teacher, axis=1)
    df = pd.DataFrame(x, columns=[f"p{j}" for j in range(COLS)])
    df.insert(0, "label", label)
    df.to_csv(csv, index=False, float_format="%.6g")
    # The Parquet file holds the numbers the CSV holds: read back, not the unrounded ones.
    pd.read_csv(csv).to_parquet(parquet, engine="pyarrow", index=False)
    return csv, parquet


READ = re.compile(r"^read \d+ rows of .* in ([0-9.]+) s$", re.M)


def timed(cmd, env=None):
    """The whole process's time, and the reading time it printed (None if it printed none)."""
    t = time.perf_counter()
    done = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, text=True)
    whole = time.perf_counter() - t
    read = READ.search(done.stderr)
    return whole, float(read.group(1)) if read else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "mlp"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dir", default=os.path.join(ROOT, "target"))
    args = p.parse_args()
    csv, parquet = make(args.dir)
    out = {k: os.path.join(args.dir, f"read-{k}.json") for k in ("csv", "parquet")}
    train = [args.bin, "train", "--target", "label", "--hidden", "0", "--solver", "sgd",
             "--epochs", "1", "--batch-size", "128", "--learning-rate", "0.01",
             "--validation-fraction", "0", "--precision", "f32", "--threads", str(args.threads)]
    env = dict(os.environ, POLARS_MAX_THREADS=str(args.threads))
    py = sys.executable
    # Whole processes with -q, as a script would run them; the reading time from a run of the
    # same command without -q right after (its summary costs a moment more).
    commands = {
        "mlp csv": train + ["--data", csv, "--out", out["csv"], "-q"],
        "mlp parquet": train + ["--data", parquet, "--out", out["parquet"], "-q"],
    }
    try:
        import polars  # noqa: F401

        commands["polars read_csv"] = [py, "-c", f"import polars as pl; pl.read_csv({csv!r})"]
        commands["polars read_parquet"] = [py, "-c",
                                           f"import polars as pl; pl.read_parquet({parquet!r})"]
    except ImportError:
        pass
    commands["pandas read_csv"] = [py, "-c", f"import pandas as pd; pd.read_csv({csv!r})"]
    commands["pandas read_parquet"] = [py, "-c",
                                       f"import pandas as pd; pd.read_parquet({parquet!r})"]
    times = {k: [] for k in commands}
    reads = {k: [] for k in commands}
    for r in range(args.rounds):
        order = list(commands) if r % 2 == 0 else list(reversed(commands))
        for k in order:
            times[k].append(timed(commands[k], env)[0])
            read = timed(commands[k][:-1], env)[1] if k.startswith("mlp ") else None
            if read is not None:
                reads[k].append(read)
    same = filecmp.cmp(out["csv"], out["parquet"], shallow=False)
    med = {k: statistics.median(v) for k, v in times.items()}
    read = {k: statistics.median(v) for k, v in reads.items() if v}
    print(f"| command | whole process, median s | reading, median s |")
    print("|---|---|---|")
    for k, v in med.items():
        r = f"{read[k]:.2f}" if k in read else ""
        print(f"| {k} | {v:.2f} | {r} |")
    print(f"\n{args.rounds} rounds, {args.threads} threads. mlp parquet / mlp csv: whole process "
          f"{med['mlp parquet'] / med['mlp csv']:.2f}, reading "
          f"{read['mlp parquet'] / read['mlp csv']:.2f}; mlp csv / pandas read_csv: whole process "
          f"{med['mlp csv'] / med['pandas read_csv']:.2f}; "
          f"same model file from both: {'yes' if same else 'NO'}")
    print(f"csv {os.path.getsize(csv) >> 20} MB, parquet {os.path.getsize(parquet) >> 20} MB")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
