"""The Python equivalent of `mlp train` end to end, for BENCHMARKS.md (bench/e2e.py runs it):
read a CSV with pandas, standardize the inputs with numpy, train with PyTorch, save the weights
with torch.save.

usage: python3 e2e_torch.py FILE.csv OUT THREADS [W1|W2|W3]

* W1 (the default): a `label` column and 784 pixels; 784-512-256-10 relu/softmax, SGD (lr 0.01,
  momentum 0.9, batch 128) for one epoch in float32, PyTorch's default initial weights.
* W2: a `label` column (0-9, one-hot encoded) and 400 numbers; 400-25-10 with sigmoid hidden
  and output units, the seed's cost (the cross-entropy summed over the 10 outputs, averaged over
  the rows, plus lambda/(2m) times the sum of the squared weights, biases excluded, lambda = 1),
  full-batch gradient descent with lr 1 for 200 iterations in float64; weights and biases drawn
  from U(-0.12, 0.12), as `mlp train --init-bound 0.12`.
* W3: 32 numbers and a target `y`, which is standardized too (as mlp does for regression);
  32-128-128-1 tanh with an identity output, 0.5 * mean squared error, Adam (lr 1e-3) with
  batches of 256 for one epoch in float32; weights and biases from Glorot's uniform bound
  sqrt(6 / (fan_in + fan_out)), as mlp draws them.

It prints the seconds spent importing, reading, preparing the arrays, training and saving as
one line on stderr (`phases: ...`), which bench/e2e.py reports.
"""
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402


def standardize(x):
    """(x - mean) / std by column (population std; a constant column is only centred)."""
    std = x.std(axis=0)
    return (x - x.mean(axis=0)) / np.where(std > 0, std, 1.0)


def init_uniform(model, bound):
    """Every weight and bias from U(-bound(layer), bound(layer))."""
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, torch.nn.Linear):
                b = bound(layer.in_features, layer.out_features)
                layer.weight.uniform_(-b, b)
                layer.bias.uniform_(-b, b)


def minibatches(model, opt, loss_fn, x, y, batch):
    """One epoch of mini-batches in a random order."""
    order = torch.randperm(x.shape[0])
    for start in range(0, x.shape[0], batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()


def w1(frame):
    y = torch.from_numpy(frame.pop("label").to_numpy()).long()
    x = torch.from_numpy(standardize(frame.to_numpy(dtype=np.float32)).astype(np.float32))
    prepared = time.perf_counter()
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    minibatches(model, opt, torch.nn.CrossEntropyLoss(), x, y, 128)
    return model, prepared


def w2(frame, lam=1.0):
    _, labels = np.unique(frame.pop("label").to_numpy(), return_inverse=True)
    y = torch.from_numpy(np.eye(10)[labels])
    x = torch.from_numpy(standardize(frame.to_numpy(dtype=np.float64)))
    prepared = time.perf_counter()
    model = torch.nn.Sequential(
        torch.nn.Linear(400, 25), torch.nn.Sigmoid(), torch.nn.Linear(25, 10),
    ).double()
    init_uniform(model, lambda fan_in, fan_out: 0.12)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    m = x.shape[0]
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    for _ in range(200):
        opt.zero_grad()
        # The sigmoid output is folded into the cost, as PyTorch recommends.
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            model(x), y, reduction="sum") / m
        loss = loss + lam / (2 * m) * sum((w * w).sum() for w in weights)
        loss.backward()
        opt.step()
    return model, prepared


def w3(frame):
    y = frame.pop("y").to_numpy(dtype=np.float64)[:, None]
    y = torch.from_numpy(standardize(y).astype(np.float32))
    x = torch.from_numpy(standardize(frame.to_numpy(dtype=np.float64)).astype(np.float32))
    prepared = time.perf_counter()
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 128), torch.nn.Tanh(),
        torch.nn.Linear(128, 128), torch.nn.Tanh(),
        torch.nn.Linear(128, 1),
    )
    init_uniform(model, lambda fan_in, fan_out: (6.0 / (fan_in + fan_out)) ** 0.5)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    mse = torch.nn.MSELoss()
    minibatches(model, opt, lambda out, target: 0.5 * mse(out, target), x, y, 256)
    return model, prepared


def main():
    path, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    workload = sys.argv[4] if len(sys.argv) > 4 else "W1"
    imported = time.perf_counter()
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    frame = pd.read_csv(path)
    read = time.perf_counter()
    model, prepared = {"W1": w1, "W2": w2, "W3": w3}[workload](frame)
    trained = time.perf_counter()
    torch.save(model.state_dict(), out)
    saved = time.perf_counter()
    print(f"phases: import {imported - START:.3f} read {read - imported:.3f} prepare "
          f"{prepared - read:.3f} train {trained - prepared:.3f} save {saved - trained:.3f}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
