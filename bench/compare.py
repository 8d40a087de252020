#!/usr/bin/env python3
"""Compare mlp with the PyTorch, scikit-learn and numpy reference scripts on the three
benchmark workloads, on this machine, and print one markdown table.

usage: python3 bench/compare.py --ref DIR [--rounds 5] [--threads 2] [--out FILE]
                                [--bin PATH] [--library-shuffle] [--no-gemm]

DIR is the folder holding the reference scripts (torch_ref.py, sklearn_ref.py, numpy_ref.py,
gemm.py, common.py).  Build ours first: `cargo build --release -p mlp-bench --examples`.

Every round runs each job once, in its own process, in a rotated order (as the reference
run_all.py does), so that slow phases of a shared machine spread over all frameworks:
  * mlp:     target/release/examples/workload W1|W2|W3 THREADS [--reference-order]
  * pytorch: torch_ref.py W1|W2|W3 THREADS
  * sklearn: sklearn_ref.py W1|W2|W3 THREADS
  * numpy:   numpy_ref.py W2 THREADS
  * the GEMM ceiling: gemm.py numpy|torch THREADS 9 (numpy with OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE unset, as run_all.py does)
The table gives medians over the rounds.  Peak memory is our `peak_rss_mb` (VmHWM) for mlp and
the child's ru_maxrss (os.wait4) for the Python processes; both include building the data.
By default mlp trains W1 and W3 on the reference batch order (the rows are permuted before the
timer and the library runs unshuffled), so its final loss is comparable with PyTorch's;
--library-shuffle uses the library's own shuffle instead.  Raw JSON lines, one per run with
`kind`, `round`, `steal_pct` and `maxrss_mb` added, go to --out.
Standard library only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SIZES = {"W1": [784, 512, 256, 10], "W2": [400, 25, 10], "W3": [32, 128, 128, 1]}
NAMES = {"W1": "mnist-mlp", "W2": "seed-fullbatch", "W3": "tabular-regression"}
DTYPES = {"W1": "float32", "W2": "float64", "W3": "float32"}
W2_SAMPLES = 5000
FRAMEWORKS = ["mlp", "pytorch", "sklearn", "numpy"]


def layers(sizes):
    return [fi * fo for fi, fo in zip(sizes[:-1], sizes[1:])]


def train_flops(sizes):
    """common.gemm_flops_per_sample: forward 2W + weight gradient 2W + input delta 2W, minus
    the first layer's input delta."""
    w = layers(sizes)
    return 6 * sum(w) - 2 * w[0]


def forward_flops(sizes):
    return 2 * sum(layers(sizes))


assert [train_flops(SIZES[k]) for k in ("W1", "W2", "W3")] == [2407424, 41500, 115456]


def cpu_times():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[7] if len(v) > 7 else 0  # total, steal


def run(cmd):
    """Runs cmd; returns (returncode, stdout, stderr, peak RSS of the child in MB, steal %)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0, s0 = cpu_times()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        t1, s1 = cpu_times()
        out.seek(0)
        err.seek(0)
        steal = 100.0 * (s1 - s0) / max(1, t1 - t0)
        return proc.returncode, out.read(), err.read(), usage.ru_maxrss / 1024.0, steal


def jobs(args):
    py, ref, t = args.python, args.ref, str(args.threads)
    order = [] if args.library_shuffle else ["--reference-order"]
    out = []
    for k in ("W1", "W2", "W3"):
        out.append(("mlp", [args.bin, k, t] + (order if k != "W2" else [])))
        out.append(("ref", [py, os.path.join(ref, "torch_ref.py"), k, t]))
        out.append(("ref", [py, os.path.join(ref, "sklearn_ref.py"), k, t]))
    out.append(("ref", [py, os.path.join(ref, "numpy_ref.py"), "W2", t]))
    if not args.no_gemm:
        unset = ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE"]
        out.append(("gemm", unset + [py, os.path.join(ref, "gemm.py"), "numpy", t, "9"]))
        out.append(("gemm", [py, os.path.join(ref, "gemm.py"), "torch", t, "9"]))
    return out


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_rate(v, unit):
    if v is None:
        return "-"
    return f"{v:,.0f} {unit}" if v >= 100 else f"{v:.2f} {unit}"


def fmt(v, spec, suffix=""):
    return "-" if v is None else format(v, spec) + suffix


def table(records, threads):
    runs = [r for r in records if r["kind"] != "gemm"]
    gemm = [r for r in records if r["kind"] == "gemm"]

    # Ceiling per dtype: the best (framework, n) median over the rounds.
    ceiling = {}
    for dt in ("float32", "float64"):
        best = None
        for fw in sorted({g["framework"] for g in gemm}):
            for n in sorted({g["n"] for g in gemm}):
                m = median([g["gflops"] for g in gemm
                            if g["framework"] == fw and g["n"] == n and g["dtype"] == dt])
                if m is not None and (best is None or m > best[0]):
                    best = (m, fw, n)
        ceiling[dt] = best

    lines = [
        f"| workload | framework | median throughput | vs PyTorch | vs scikit-learn "
        f"| GFLOP/s | % of {threads}-thread GEMM ceiling | peak RSS (MB) | final loss | runs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for k in ("W1", "W2", "W3", "W1 inference"):
        w = k.split()[0]
        infer = k.endswith("inference")
        field = "infer_samples_per_s" if infer else ("iters_per_s" if w == "W2" else "samples_per_s")
        unit = "iters/s" if field == "iters_per_s" else "samples/s"
        per_unit = (forward_flops(SIZES[w]) if infer else
                    train_flops(SIZES[w]) * (W2_SAMPLES if w == "W2" else 1))
        rates = {}
        for fw in FRAMEWORKS:
            rs = [r for r in runs if r["workload"] == w and r["framework"] == fw and field in r]
            if rs:
                rates[fw] = (median([r[field] for r in rs]), rs)
        ceil = ceiling.get(DTYPES[w])
        for fw, (rate, rs) in rates.items():
            ratio = lambda other: (fmt(rate / rates[other][0], ".2f", "×")
                                   if other in rates and rates[other][0] else "-")
            gflops = rate * per_unit / 1e9
            share = fmt(100 * gflops / ceil[0], ".0f", "%") if ceil else "-"
            peak = median([r.get("peak_rss_mb", r["maxrss_mb"]) for r in rs])
            digits = ".15g" if w == "W2" else ".6g"  # W2 is deterministic: show all digits
            loss = "-" if infer else fmt(median([r["final_loss"] for r in rs]), digits)
            label = f"{w} {NAMES[w]}" + (" (inference)" if infer else "")
            lines.append(f"| {label} | {fw} | {fmt_rate(rate, unit)} | {ratio('pytorch')} "
                         f"| {ratio('sklearn')} | {gflops:.1f} | {share} | {peak:.0f} "
                         f"| {loss} | {len(rs)} |")
    notes = []
    for dt, c in ceiling.items():
        if c:
            notes.append(f"{dt} {c[0]:.1f} GFLOP/s ({c[1]} n={c[2]})")
    if notes:
        lines.append("")
        lines.append(f"GEMM ceiling, {threads} threads (best median over gemm.py sizes): "
                     + "; ".join(notes) + ".")
    steals = [r["steal_pct"] for r in records]
    if steals:
        lines.append(f"Hypervisor steal during the runs: median {median(steals):.1f}%, "
                     f"max {max(steals):.1f}%.")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", required=True,
                    help="folder with the reference scripts (torch_ref.py, sklearn_ref.py, ...)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench-compare.jsonl"),
                    help="raw JSON lines (default: target/bench-compare.jsonl)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "examples",
                                                   "workload"),
                    help="our workload binary (default: target/release/examples/workload)")
    ap.add_argument("--python", default=sys.executable, help="interpreter for the references")
    ap.add_argument("--library-shuffle", action="store_true",
                    help="mlp shuffles W1/W3 with its own generator instead of the reference order")
    ap.add_argument("--no-gemm", action="store_true", help="skip the GEMM ceiling")
    args = ap.parse_args()
    args.ref = os.path.abspath(args.ref)
    for f in ("torch_ref.py", "sklearn_ref.py", "numpy_ref.py", "gemm.py", "common.py"):
        if not os.path.isfile(os.path.join(args.ref, f)):
            sys.exit(f"{f} not found in --ref {args.ref}")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"{args.bin} not found: run `cargo build --release -p mlp-bench --examples` first")

    todo = jobs(args)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)) or ".", exist_ok=True)
    records = []
    started = time.time()
    with open(args.out, "w") as fh:
        for r in range(args.rounds):
            for j in range(len(todo)):
                kind, cmd = todo[(j + r * 3) % len(todo)]  # rotate the order each round
                code, out, err, maxrss, steal = run(cmd)
                shown = " ".join(os.path.basename(c) if c.startswith("/") else c
                                 for c in cmd if c not in ("env", "-u")
                                 and not c.startswith("OPENBLAS"))
                if code:
                    print(f"FAILED ({code}): {' '.join(cmd)}\n{err[-2000:]}", file=sys.stderr)
                    continue
                for line in out.splitlines():
                    if not line.startswith("{"):
                        continue
                    rec = json.loads(line)
                    rec.update(kind=kind, round=r, steal_pct=round(steal, 2),
                               maxrss_mb=round(maxrss, 1))
                    records.append(rec)
                    fh.write(json.dumps(rec) + "\n")
                fh.flush()
                print(f"[{time.time() - started:6.0f} s] round {r + 1}/{args.rounds}: {shown}",
                      file=sys.stderr, flush=True)
    print(table(records, args.threads))
    print(f"\nRaw results: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
