"""The Python equivalent of `mlp train` end to end, for BENCHMARKS.md: read a CSV with pandas,
standardize, train 784-512-256-10 relu/softmax with SGD (lr 0.01, momentum 0.9, batch 128) for
one epoch in float32 with PyTorch, and save the weights. Usage: python3 e2e_torch.py FILE.csv OUT THREADS
"""
import sys

import numpy as np
import pandas as pd
import torch

path, out, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
frame = pd.read_csv(path)
y = torch.from_numpy(frame.pop("label").to_numpy()).long()
x = frame.to_numpy(dtype=np.float32)
x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
x = torch.from_numpy(x.astype(np.float32))
model = torch.nn.Sequential(
    torch.nn.Linear(784, 512), torch.nn.ReLU(),
    torch.nn.Linear(512, 256), torch.nn.ReLU(),
    torch.nn.Linear(256, 10),
)
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
loss_fn = torch.nn.CrossEntropyLoss()
order = torch.randperm(x.shape[0])
for start in range(0, x.shape[0], 128):
    idx = order[start:start + 128]
    opt.zero_grad()
    loss = loss_fn(model(x[idx]), y[idx])
    loss.backward()
    opt.step()
torch.save(model.state_dict(), out)
