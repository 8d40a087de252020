#!/usr/bin/env python3
"""Step times of W1's network (784-512-256-10, f32, 535,818 parameters) on one process and
shared among two, over shared memory and over TCP on the loopback interface, and the chain
fold's time per step; medians over rounds. Numbers for BENCHMARKS.md and docs/cluster.md.

usage: python3 bench/mpi_scaling.py [--rounds 3] [--rows 1,2048,60000]

Builds `target/release/examples/mpi_step` (feature mpi; needs OpenMPI) and runs it under
mpirun: one process with 2 threads and one with 1 thread (the baselines; `--bind-to none`, or
mpirun would bind the process to one core), then two processes with 1 thread each, first over shared memory (`--mca btl self,vader`), then over TCP on the
loopback interface (`--mca btl self,tcp --mca btl_tcp_if_include lo`). For each batch size it
prints the medians of the example's medians. The shared time of a 1-row batch less its time
alone is the chain fold's: 535,818 running sums (2.1 MB) over one hop, then their broadcast.
"""
import argparse
import json
import os
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "target", "release", "examples", "mpi_step")
TRANSPORTS = {
    "shared memory": ["--mca", "btl", "self,vader"],
    "tcp loopback": ["--mca", "btl", "self,tcp", "--mca", "btl_tcp_if_include", "lo"],
}


def run(np, threads, rows, mca):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = ["mpirun", "-np", str(np), *mca, EXAMPLE, str(threads), rows]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", default="1,2048,60000")
    args = ap.parse_args()
    subprocess.run(
        ["cargo", "build", "--release", "-p", "mlp-cli", "--features", "mpi", "--example", "mpi_step"],
        cwd=ROOT,
        check=True,
    )
    results = {}
    for _ in range(args.rounds):
        for threads in (2, 1):
            # mpirun binds a process to one core unless told not to.
            for r in run(1, threads, args.rows, ["--bind-to", "none"]):
                results.setdefault((f"1 process, {threads} threads", r["rows"]), []).append(r["alone_ms"])
        for name, mca in TRANSPORTS.items():
            for r in run(2, 1, args.rows, mca):
                results.setdefault((f"2 processes, 1 thread each, {name}", r["rows"]), []).append(r["shared_ms"])
    alone = {rows: statistics.median(v) for (k, rows), v in results.items() if k == "1 process, 1 threads"}
    for (setup, rows), times in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        line = f"{rows:>6} rows  {setup:<45} {statistics.median(times):9.3f} ms"
        if rows == 1 and setup.startswith("2 processes"):
            line += f"   (chain fold: {statistics.median(times) - alone[1]:.3f} ms)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
