"""W3's rows (tabular regression: 32 numbers and a target) as a CSV file of any size, for the
streaming measurement in BENCHMARKS.md: the features u(1, i) and the target
tanh((X - 0.5) A) c + e of crates/mlp/tests/common/workloads.rs, from the same splitmix64
stream, written with 6 decimals.

    python3 bench/w3_csv.py 6800000 w3.csv      # 2.02 GB
"""

import sys

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def u(seed, idx):
    """u(seed, i) for the indices `idx` (uint64): splitmix64, as a float64 in [0, 1)."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed) + (idx + np.uint64(1)) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def sym(seed, rows, cols):
    return (u(seed, np.arange(rows * cols, dtype=np.uint64)) * 2 - 1).reshape(rows, cols)


def write_csv(n, path):
    """Writes the first n rows of W3 (columns x0..x31 and y) to path."""
    d, h = 32, 16
    a = sym(2, d, h)
    c = sym(3, h, 1) / np.sqrt(h)
    with open(path, "w") as out:
        out.write(",".join([f"x{j}" for j in range(d)] + ["y"]) + "\n")
        step = 200_000
        for s in range(0, n, step):
            m = min(step, n - s)
            x = u(1, np.arange(s * d, (s + m) * d, dtype=np.uint64)).reshape(m, d)
            noise = (u(4, np.arange(s, s + m, dtype=np.uint64)) - 0.5) * np.sqrt(12) * 0.1
            y = np.tanh((x - 0.5) @ a) @ c + noise[:, None]
            np.savetxt(out, np.hstack([x, y]).astype(np.float32), fmt="%.6f", delimiter=",")


def main():
    write_csv(int(sys.argv[1]), sys.argv[2])


if __name__ == "__main__":
    main()
