"""Evidently's MMDDriftMethod (evidently/metrics/data_drift/embedding_drift_methods.py)
re-implemented with numpy and scikit-learn, and mlmon's embedding sample in the
signature the mmd tests use; shared by test_embedding_mmd.py and
test_embedding_checks.py."""
import numpy as np
from sklearn.metrics import pairwise_distances, pairwise_kernels

from domain_classifier_ref import row_key as key
from domain_classifier_ref import row_seed
from splitmix64 import SplitMix64


def mmd2u(K, m, n):
    Kx, Ky, Kxy = K[:m, :m], K[m:, m:], K[:m, m:]
    return (1.0 / (m * (m - 1.0)) * (Kx.sum() - Kx.diagonal().sum())
            + 1.0 / (n * (n - 1.0)) * (Ky.sum() - Ky.diagonal().sum())
            - 2.0 / (m * n) * Kxy.sum())


def evidently_mmd(x, y, threshold=0.015, bootstrap=False, q=0.05):
    """(statistic, threshold or percentile, drifted) as MMDDriftMethod computes them on all rows."""
    m, n = len(x), len(y)
    sigma2 = np.median(pairwise_distances(x, y, metric="euclidean")) ** 2
    K = pairwise_kernels(np.vstack([x, y]), metric="rbf", gamma=1.0 / sigma2)
    stat = mmd2u(K, m, n)
    if not bootstrap:
        return max(stat, 0.0), threshold, stat > threshold
    sigma2_x = np.median(pairwise_distances(x, metric="euclidean")) ** 2
    Kr = pairwise_kernels(x, metric="rbf", gamma=1.0 / sigma2_x)
    xs, ys = max(m * m // (m + n), 1), max(m * n // (m + n), 1)
    g = SplitMix64(0)
    res = []
    for _ in range(100):
        xi = [g.below(m) for _ in range(xs)]
        yi = [g.below(m) for _ in range(ys)]
        Kx, Ky, Kxy = Kr[np.ix_(xi, xi)], Kr[np.ix_(yi, yi)], Kr[np.ix_(xi, yi)]
        res.append(1.0 / (xs * (xs - 1.0)) * (Kx.sum() - Kx.diagonal().sum())
                   + 1.0 / (ys * (ys - 1.0)) * (Ky.sum() - Ky.diagonal().sum())
                   - 2.0 / (xs * ys) * Kxy.sum())
    perc = float(np.percentile(res, 100 * q))
    return max(stat, 0.0), perc, stat > perc


def sample(rows, k, seed, row_keys=None):
    """THE SAMPLE of src/core/embedding_sample.h, in THE ORDER; with row_keys
    (one per row) the sample keyed by row."""
    seeds = [seed] * len(rows) if row_keys is None else [row_seed(seed, rk) for rk in row_keys]
    keyed = sorted((key(r, sd), tuple(float(v) + 0.0 for v in r)) for r, sd in zip(rows, seeds))
    return np.array([r for _, r in keyed[:k]])


def in_order(rows, seed):
    return sample(rows, len(rows), seed)
