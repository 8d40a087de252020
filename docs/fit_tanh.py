#!/usr/bin/env python3
"""Fit the rational approximation of tanh used by the library in f32 (`fastmath::tanh_f32`).

    tanh a = a P(s) / Q(s),  s = a^2,  0 <= a <= T = 9.010914

where T is the smallest f32 whose tanh rounds to 1. P has degree 7 and Q degree 3 in s,
Q(0) = 1. The coefficients minimize the maximum relative error of P/Q against tanh(a)/a on a
dense grid, by Lawson's algorithm: weighted linear least squares of P(s) - g(s) Q(s), with
the weights raised where the last fit erred most (g = tanh(a)/a, the residual divided by the
last g Q so that it measures the relative error). s is scaled to [0, 1] for the solve.

usage: python3 docs/fit_tanh.py [numerator degree] [denominator degree]  (numpy only)
Prints the largest relative error of the fit and the coefficients, lowest power first, as f32.
"""
import sys

import numpy as np

M = int(sys.argv[1]) if len(sys.argv) > 1 else 7
N = int(sys.argv[2]) if len(sys.argv) > 2 else 3
T = 9.010914

a = np.unique(np.concatenate([np.linspace(0.0, T, 40_000),
                              T * np.sin(np.linspace(0.0, np.pi / 2, 20_000)) ** 2]))
s = a * a
scale = T * T
t = s / scale
g = np.where(a > 0, np.tanh(a) / np.where(a > 0, a, 1.0), 1.0)
small = a < 1e-3
g[small] = 1.0 - s[small] / 3.0 + 2.0 * s[small] ** 2 / 15.0  # the series, exact here

powers_p = np.vstack([t**j for j in range(M + 1)]).T
powers_q = np.vstack([t**j for j in range(1, N + 1)]).T
weights = np.ones_like(t)
last_q = np.ones_like(t)
best = None
for _ in range(300):
    system = np.hstack([powers_p, -g[:, None] * powers_q])
    row_scale = np.sqrt(weights) / (g * last_q)
    c, *_ = np.linalg.lstsq(system * row_scale[:, None], g * row_scale, rcond=None)
    p, q = c[: M + 1], np.concatenate([[1.0], c[M + 1:]])
    P, Q = np.polyval(p[::-1], t), np.polyval(q[::-1], t)
    error = (P / Q - g) / g
    worst = np.abs(error).max()
    if best is None or worst < best[0]:
        best = (worst, p.copy(), q.copy())
    last_q = Q
    weights = weights * np.abs(error)
    weights /= weights.sum()

worst, p, q = best
print(f"largest relative error {worst:.3g} ({worst / 2**-24:.3f} ulp of 1 in f32)")
print("P", [str(np.float32(p[j] / scale**j)) for j in range(M + 1)])
print("Q", [str(np.float32(q[j] / scale**j)) for j in range(N + 1)])
