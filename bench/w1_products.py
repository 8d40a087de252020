"""The matrix products of one W1 training step in PyTorch, and nothing else.

    python3 bench/w1_products.py [THREADS]

Times the eight products of a 784-512-256-10 step on a batch of 128 rows (3 forward, 3 weight
gradients, 2 Deltas), with the operands' layouts as PyTorch's own linear layers have them.
Prints the best of 30 batches of 50 steps. Set against PyTorch's whole step (1 / samples per
second x 128, from compare.py), it shows how much of PyTorch's step is products, and so what
our step's other work may cost for a given ratio.
"""

import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
torch.set_num_threads(threads)
m, sizes = 128, [784, 512, 256, 10]
gen = torch.Generator().manual_seed(0)
acts = [torch.rand(m, s, generator=gen) for s in sizes]
weights = [torch.rand(sizes[k + 1], sizes[k], generator=gen) for k in range(3)]
deltas = [torch.rand(m, s, generator=gen) for s in sizes[1:]]


def step():
    for k in range(3):
        torch.mm(acts[k], weights[k].t())
    for k in (2, 1, 0):
        torch.mm(deltas[k].t(), acts[k])
        if k > 0:
            torch.mm(deltas[k], weights[k])


for _ in range(50):
    step()
best = float("inf")
for _ in range(30):
    start = time.perf_counter()
    for _ in range(50):
        step()
    best = min(best, (time.perf_counter() - start) / 50)
flops = 2 * m * sum(sizes[k] * sizes[k + 1] for k in range(3)) * 2
flops += 2 * m * sum(sizes[k] * sizes[k + 1] for k in (1, 2))
print(f"W1 step products, PyTorch {torch.__version__}, {threads} threads: "
      f"{best * 1e6:.0f} us ({flops / best / 1e9:.1f} GFLOP/s)")
