#!/usr/bin/python3
"""Check src/core/symeig.c (any order), comoments.c and pca.c without a
server: eigenvalues against numpy.linalg.eigh on random symmetric
matrices; the accumulation (row by row, and merged blocks) against numpy's
two-pass means and co-moments; the fit and reconstruction errors against
scikit-learn's StandardScaler + PCA(n_components=0.65).

Run:  /usr/bin/python3 test/core/test_pca_core.py      (exit status 0 = pass)"""
import ctypes
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)
IP = ctypes.POINTER(ctypes.c_int)
eig = corelib.fn("mlm_symeig_inplace", ctypes.c_int, ctypes.c_int, DP, DP, DP)
add = corelib.fn("mlm_comoments_add", None, ctypes.c_int, DP, DP, DP, DP, DP)
merge = corelib.fn("mlm_comoments_merge", None, ctypes.c_int, DP, DP, DP, ctypes.c_double, DP, DP, DP)
fit = corelib.fn("mlm_pca_fit", ctypes.c_int, ctypes.c_int, ctypes.c_double, DP, DP, ctypes.c_double,
                 DP, DP, DP, IP, DP)
rerr = corelib.fn("mlm_pca_reconstruction_error", ctypes.c_double, ctypes.c_int, ctypes.c_int,
                  DP, DP, DP, DP, DP, DP)
failures = []


def arr(n, values=None):
    a = (ctypes.c_double * max(n, 1))()
    if values is not None:
        for i, v in enumerate(values):
            a[i] = float(v)
    return a


def check(name, got, want, tol):
    got, want = np.asarray(got, float), np.asarray(want, float)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) if want.size else 0.0
    if not err <= tol:
        failures.append(f"{name}: relative error {err:.3g} > {tol}")


rng = np.random.default_rng(17)
# eigenvalues of random symmetric matrices of order 1 to 60
for n in [1, 2, 3, 5, 8, 13, 30, 60]:
    a = rng.standard_normal((n, n))
    a = a + a.T
    m, lam, vec = arr(n * n, a.ravel()), arr(n), arr(n * n)
    assert eig(n, m, lam, vec) == 0
    w = np.linalg.eigvalsh(a)
    check(f"eig n={n}", np.sort(np.array(lam[:n])), w, 1e-12 * np.max(np.abs(w)) / np.min(np.abs(w)))
    v = np.array(vec[:n * n]).reshape(n, n)
    r = a @ v - v * np.array(lam[:n])
    if np.max(np.abs(r)) > 1e-12 * np.max(np.abs(w)):
        failures.append(f"eig n={n}: residual {np.max(np.abs(r)):.3g}")


def moments(x):
    p = x.shape[1]
    n, mean, c, d = arr(1), arr(p), arr(p * (p + 1) // 2), arr(2 * p)
    for row in x:
        add(p, n, mean, c, arr(p, row), d)
    return n, mean, c


def packed(m):
    p = m.shape[0]
    return np.concatenate([m[i, i:] for i in range(p)])


# accumulation and merge against numpy, data far from 0
x = rng.standard_normal((3000, 7)) @ rng.standard_normal((7, 7)) + 1e4
p = 7
want_c = (x - x.mean(0)).T @ (x - x.mean(0))
n, mean, c = moments(x)
check("means", mean[:p], x.mean(0), 1e-13)
check("comoments", c[:p * (p + 1) // 2], packed(want_c), 1e-9)
na, ma, ca = moments(x[:1234])
nb, mb, cb = moments(x[1234:])
merge(p, na, ma, ca, nb[0], mb, cb, arr(p))
check("merged means", ma[:p], x.mean(0), 1e-13)
check("merged comoments", ca[:p * (p + 1) // 2], packed(want_c), 1e-9)

# the running update is Welford's, operation for operation: d = x - mean,
# mean += d / n, C[i][j] += d[i] * (x[j] - mean[j]) (Python's floats are the
# same IEEE doubles, rounded the same way), bit for bit
def welford(x):
    p = x.shape[1]
    n, mean, c = 0.0, [0.0] * p, [0.0] * (p * (p + 1) // 2)
    for row in x.tolist():
        n += 1.0
        d = [row[i] - mean[i] for i in range(p)]
        mean = [mean[i] + d[i] / n for i in range(p)]
        k = 0
        for i in range(p):
            for j in range(i, p):
                c[k] += d[i] * (row[j] - mean[j])
                k += 1
    return mean, c


for p in (1, 2, 5, 13):
    x = rng.standard_normal((300, p)) * 10.0 ** rng.integers(-3, 4, p) + rng.uniform(-100, 100, p)
    n, mean, c = moments(x)
    want_mean, want_c = welford(x)
    if list(mean[:p]) != want_mean or list(c[:p * (p + 1) // 2]) != want_c:
        failures.append(f"welford p={p}: not bit for bit")


def fit_core(x, variance=0.65):
    p = x.shape[1]
    n, mean, c = moments(x)
    scale, ratio, comp, k, work = arr(p), arr(p), arr(p * p), ctypes.c_int(), arr(p * p + 2 * p)
    assert fit(p, n[0], mean, c, variance, scale, ratio, comp, ctypes.byref(k), work) == 0
    return mean, scale, ratio, comp, k.value


# the fit and reconstruction errors against scikit-learn: 12 features, 3 latent factors
for trial in range(3):
    p = 12
    lat = rng.standard_normal((2000, 3))
    load = rng.standard_normal((3, p))
    x = lat @ load + 0.5 * rng.standard_normal((2000, p)) + rng.uniform(-5, 5, p)
    sc = StandardScaler().fit(x)
    xs = sc.transform(x)
    pca = PCA(n_components=0.65).fit(xs)
    mean, scale, ratio, comp, k = fit_core(x)
    if k != pca.n_components_:
        failures.append(f"trial {trial}: k {k} != {pca.n_components_}")
        continue
    check("scale", scale[:p], sc.scale_, 1e-12)
    check("ratio", ratio[:k], pca.explained_variance_ratio_, 1e-9)
    new = lat[:200] @ load + rng.standard_normal((200, p))
    new[0, 3] = np.nan
    filled = np.where(np.isnan(new), sc.mean_, new)
    zs = sc.transform(filled)
    want = np.linalg.norm(zs - pca.inverse_transform(pca.transform(zs)), axis=1)
    pm = arr(p, [0.0] * p)
    got = [rerr(p, k, mean, scale, comp, pm, arr(p, row), arr(k)) for row in new]
    check("reconstruction error", got, want, 1e-9)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
