"""Independent Python implementations for mlmon.mmd (Evidently's
emperical_mmd, evidently/calculations/stattests/mmd_stattest.py):

- evidently_mmd2(x, y): Evidently's statistic with NumPy as Evidently writes
  it (full pooled kernel matrix, sigma = sqrt(0.5 * percentile(d, 50,
  'nearest')) of the reference-reference d, gamma = 1/(2 sigma^2), diagonal
  zeroed, A*Kxx.sum() + B*Kyy.sum() - 2*Kxy.mean()), except that d = (x-y)^2
  is computed directly (Evidently expands x^2 + y^2 - 2xy) and the block
  sums are math.fsum (correctly rounded);
- evidently_pvalue(x, y, rng, b): Evidently's permutation p-value with
  numpy relabellings (np.random.permutation of the pooled kernel);
- mlmon_pvalue(x, y): mlmon's documented reproducible relabellings
  (SplitMix64 from seed 0, Lemire's bounded draw, Fisher-Yates over the
  canonical rows, a fresh copy per relabelling), each statistic computed
  from the relabelled samples by evidently_mmd2 with the observed sigma."""
import math

import numpy as np

from splitmix64 import M64, SplitMix64  # noqa: E402,F401


def median_nearest(x):
    """numpy's percentile(50, 'nearest') of the n^2 reference-reference d."""
    x = np.asarray(x, dtype=float)
    d = (x[:, None] - x[None, :]) ** 2
    return float(np.percentile(d.ravel(), 50, method="nearest"))


def gamma_of(x):
    sigma = (0.5 * median_nearest(x)) ** 0.5
    if sigma == 0:
        sigma = (0.5 * 1) ** 0.5
    return 1.0 / (2.0 * sigma ** 2)


def mmd2_with(kern, n):
    """Evidently's mmd_2samp on a pooled kernel with zero diagonal, first n rows reference."""
    m = kern.shape[0] - n
    kxx, kyy, kxy = kern[:n, :n], kern[n:, n:], kern[n:, :n]
    a = 1 / (n * (n - 1))
    b = 1 / (m * (m - 1))
    return a * math.fsum(kxx.ravel()) + b * math.fsum(kyy.ravel()) - 2.0 * (math.fsum(kxy.ravel()) / (n * m))


def pooled_kernel(x, y, gamma):
    z = np.concatenate([np.asarray(x, float), np.asarray(y, float)])
    k = np.exp(-gamma * (z[:, None] - z[None, :]) ** 2)
    np.fill_diagonal(k, 0.0)
    return k


def evidently_mmd2(x, y):
    return mmd2_with(pooled_kernel(x, y, gamma_of(x)), len(x))


def evidently_pvalue(x, y, rng, b):
    """Share of b numpy relabellings with MMD*^2 >= MMD^2 (block sums in numpy, as Evidently)."""
    k = pooled_kernel(x, y, gamma_of(x))
    n, big = len(x), len(x) + len(y)
    m = big - n

    def stat(kk):
        return kk[:n, :n].sum() / (n * (n - 1)) + kk[n:, n:].sum() / (m * (m - 1)) - 2.0 * kk[n:, :n].mean()

    obs = stat(k)
    hits = 0
    for _ in range(b):
        idx = rng.permutation(big)
        if stat(k[idx][:, idx]) >= obs:
            hits += 1
    return hits / b


def canonical_permutations(n, m, b, seed=0):
    """The b relabellings mlmon makes: each a list of pooled row positions in
    canonical order, shuffled by Fisher-Yates (i = N-1 .. 1, j = below(i+1))."""
    g = SplitMix64(seed)
    big = n + m
    out = []
    for _ in range(b):
        a = list(range(big))
        for i in range(big - 1, 0, -1):
            j = g.below(i + 1)
            a[i], a[j] = a[j], a[i]
        out.append(a)
    return out


def mlmon_pvalue(x, y, b=100, seed=0):
    """p-value of mlmon's relabellings; the statistic of a relabelling is
    evidently_mmd2's (correctly rounded block sums, so relabellings putting
    the same multiset in the reference give the same number)."""
    xs, ys = np.sort(np.asarray(x, float)), np.sort(np.asarray(y, float))
    n = len(xs)
    k = pooled_kernel(xs, ys, gamma_of(xs))
    obs = mmd2_with(k, n)
    hits = 0
    for perm in canonical_permutations(len(xs), len(ys), b, seed):
        idx = np.array(perm)
        if mmd2_with(k[idx][:, idx], n) >= obs:
            hits += 1
    return hits / b, obs
