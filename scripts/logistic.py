"""L2-regularised logistic regression by gradient descent, with no dependency beyond Python: the
fitting scripts of the geoparser's weights (fit_literal.py, fit_confidence.py) share it.

Rows are (features, label, ...): features a dict name -> value (a "bias" feature of 1.0 is the
intercept and is not regularised), label 0 or 1; anything after the label is ignored. Rows with
the same features and label are fitted as one, weighted by their count (the same sums, faster).
"""
import math
from collections import Counter


def fit(rows, lam=1.0, steps=1500, rate=0.5):
    groups = Counter((tuple(sorted(r[0].items())), r[1]) for r in rows)
    keys = sorted({k for (x, _), _ in groups.items() for k, _ in x})
    w = {k: 0.0 for k in keys}
    n = len(rows)
    for _ in range(steps):
        g = dict.fromkeys(keys, 0.0)
        for (x, y), c in groups.items():
            z = sum(w[k] * v for k, v in x)
            p = 1 / (1 + math.exp(-z))
            for k, v in x:
                g[k] += c * (p - y) * v
        for k in keys:
            reg = 0.0 if k == "bias" else lam * w[k]
            w[k] -= rate * (g[k] + reg) / n
    return w


def prob(w, x):
    """The model's probability for features x."""
    z = sum(w.get(k, 0.0) * v for k, v in x.items())
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit_exact(rows, lam=1.0, iters=30):
    """The same objective as `fit`, minimised by Newton's method (a few dozen iterations over the
    distinct rows instead of thousands of gradient steps): for larger row sets."""
    groups = Counter((tuple(sorted(r[0].items())), r[1]) for r in rows)
    keys = sorted({k for (x, _), _ in groups.items() for k, _ in x})
    ix = {k: i for i, k in enumerate(keys)}
    data = [([(ix[k], v) for k, v in x], y, c) for (x, y), c in groups.items()]
    m, n = len(keys), len(rows)
    reg = [0.0 if k == "bias" else lam for k in keys]
    w = [0.0] * m
    for _ in range(iters):
        g = [reg[i] * w[i] for i in range(m)]
        h = [[0.0] * m for _ in range(m)]
        for i in range(m):
            h[i][i] = reg[i]
        for xs, y, c in data:
            z = sum(w[i] * v for i, v in xs)
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            d, s = c * (p - y), c * p * (1 - p)
            for i, v in xs:
                g[i] += d * v
                hi = h[i]
                for j, u in xs:
                    hi[j] += s * v * u
        step = solve(h, g)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(b) for b in step) < 1e-6:
            break
    # (the objective of `fit` divides both terms by n, which changes nothing at the optimum)
    del n
    return dict(zip(keys, w))


def solve(a, b):
    """x with a x = b, by Gaussian elimination with partial pivoting (a small dense system)."""
    m = len(b)
    a = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(m):
        p = max(range(c, m), key=lambda r: abs(a[r][c]))
        a[c], a[p] = a[p], a[c]
        if abs(a[c][c]) < 1e-12:
            continue
        for r in range(c + 1, m):
            f = a[r][c] / a[c][c]
            if f:
                for k in range(c, m + 1):
                    a[r][k] -= f * a[c][k]
    x = [0.0] * m
    for r in range(m - 1, -1, -1):
        s = a[r][m] - sum(a[r][k] * x[k] for k in range(r + 1, m))
        x[r] = s / a[r][r] if abs(a[r][r]) >= 1e-12 else 0.0
    return x
