#!/usr/bin/python3
"""Check src/core/comoments_missing.c without a server: the moments of
mean-imputed data built from complete rows (comoments.c) and per-pair
moments of the incomplete rows, accumulated in blocks and merged, against
numpy's two-pass means and co-moments of scikit-learn's
SimpleImputer(strategy="mean") output; then the PCA fit from them against
SimpleImputer + StandardScaler + PCA(n_components=0.65).

Run:  /usr/bin/python3 test/core/test_pca_missing.py      (exit status 0 = pass)"""
import ctypes
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402

DP = ctypes.POINTER(ctypes.c_double)


class PairMoments(ctypes.Structure):
    _fields_ = [("cnt", DP), ("ma", DP), ("mb", DP), ("cc", DP)]


PMP = ctypes.POINTER(PairMoments)
add = corelib.fn("mlm_comoments_add", None, ctypes.c_int, DP, DP, DP, DP, DP)
merge = corelib.fn("mlm_comoments_merge", None, ctypes.c_int, DP, DP, DP, ctypes.c_double, DP, DP, DP)
padd = corelib.fn("mlm_pairmoments_add", None, ctypes.c_int, PMP, DP)
pmerge = corelib.fn("mlm_pairmoments_merge", None, ctypes.c_int, PMP, PMP)
impute = corelib.fn("mlm_pairmoments_impute", None, ctypes.c_int, ctypes.c_double, DP, DP, PMP, DP, DP, DP)
fit = corelib.fn("mlm_pca_fit", ctypes.c_int, ctypes.c_int, ctypes.c_double, DP, DP, ctypes.c_double,
                 DP, DP, DP, ctypes.POINTER(ctypes.c_int), DP)
rerr = corelib.fn("mlm_pca_reconstruction_error", ctypes.c_double, ctypes.c_int, ctypes.c_int,
                  DP, DP, DP, DP, DP, DP)
failures = []


def arr(n, values=None):
    a = (ctypes.c_double * max(n, 1))()
    if values is not None:
        for i, v in enumerate(values):
            a[i] = float(v)
    return a


def check(name, got, want, tol, atol=0.0):
    got, want = np.asarray(got, float), np.asarray(want, float)
    err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) if want.size else 0.0
    if not (err <= tol or np.max(np.abs(got - want)) <= atol):
        failures.append(f"{name}: relative error {err:.3g} > {tol}")


class Block:
    """One partial state: complete rows' co-moments and incomplete rows' pair moments."""

    def __init__(self, p):
        s = p * (p + 1) // 2
        self.p, self.n, self.mean, self.c = p, arr(1), arr(p), arr(s)
        self.arrays = [arr(s) for _ in range(4)]
        self.pm = PairMoments(*[ctypes.cast(a, DP) for a in self.arrays])
        self.rows = 0

    def add(self, row):
        self.rows += 1
        if np.isnan(row).any():
            padd(self.p, ctypes.byref(self.pm), arr(self.p, row))
        else:
            add(self.p, self.n, self.mean, self.c, arr(self.p, row), arr(2 * self.p))

    def merge(self, other):
        merge(self.p, self.n, self.mean, self.c, other.n[0], other.mean, other.c, arr(self.p))
        pmerge(self.p, ctypes.byref(self.pm), ctypes.byref(other.pm))
        self.rows += other.rows

    def imputed(self):
        p = self.p
        mean, c, present = arr(p), arr(p * (p + 1) // 2), arr(p)
        impute(p, self.n[0], self.mean, self.c, ctypes.byref(self.pm), mean, c, present)
        return np.array(mean[:p]), np.array(c[:p * (p + 1) // 2]), np.array(present[:p])


def packed(m):
    return np.concatenate([m[i, i:] for i in range(m.shape[0])])


def blocks_of(x, cuts):
    """Accumulate x in blocks split at cuts, merged left to right."""
    bounds = [0] + cuts + [len(x)]
    blocks = []
    for a, b in zip(bounds, bounds[1:]):
        blk = Block(x.shape[1])
        for row in x[a:b]:
            blk.add(row)
        blocks.append(blk)
    for blk in blocks[1:]:
        blocks[0].merge(blk)
    return blocks[0]


rng = np.random.default_rng(1717)
for trial, (rows, p, share, empty) in enumerate([(1500, 6, 0.05, None), (2000, 10, 0.2, None),
                                                   (800, 5, 0.5, None), (1200, 8, 0.1, 3)]):
    lat = rng.standard_normal((rows, 3))
    x = lat @ rng.standard_normal((3, p)) + 0.3 * rng.standard_normal((rows, p)) + rng.uniform(-1e3, 1e3, p)
    x[rng.random((rows, p)) < share] = np.nan
    if empty is not None:
        x[:, empty] = np.nan
    blk = blocks_of(x, [rows // 3, rows // 2])
    mean, c, present = blk.imputed()
    imp = SimpleImputer(strategy="mean")
    xi = imp.fit_transform(x)        # drops a feature with no value at all
    keep = [j for j in range(p) if j != empty]
    check(f"trial {trial}: present counts", present, (~np.isnan(x)).sum(0), 0.0)
    check(f"trial {trial}: means", mean[keep], xi.mean(0), 1e-13)
    want = (xi - xi.mean(0)).T @ (xi - xi.mean(0))
    full = np.zeros((p, p))
    full[np.ix_(keep, keep)] = want
    scale_c = np.sqrt(np.outer(np.diag(full), np.diag(full))) + 1e-300
    got_full = np.zeros((p, p))
    got_full[np.triu_indices(p)] = c
    got_full = got_full + np.triu(got_full, 1).T
    # co-moments relative to the diagonal's scale (off-diagonal ones may be near 0)
    err = np.max(np.abs(got_full - full) / np.where(scale_c > 1e-300, scale_c, 1.0))
    if not err <= 1e-11:
        failures.append(f"trial {trial}: co-moments off by {err:.3g} of the diagonal's scale")
    if empty is not None:
        if mean[empty] != 0.0 or np.any(got_full[empty] != 0.0):
            failures.append(f"trial {trial}: the empty feature's mean and co-moments are not 0")

    # the fit: n is every row; against SimpleImputer + StandardScaler + PCA(0.65)
    scale, ratio, comp, k, work = arr(p), arr(p), arr(p * p), ctypes.c_int(), arr(p * p + 2 * p)
    assert fit(p, float(rows), arr(p, mean), arr(len(c), c), 0.65, scale, ratio, comp, ctypes.byref(k), work) == 0
    sc = StandardScaler().fit(xi)
    pca = PCA(n_components=0.65).fit(sc.transform(xi))
    if k.value != pca.n_components_:
        failures.append(f"trial {trial}: k {k.value} != {pca.n_components_}")
        continue
    k = k.value
    check(f"trial {trial}: scale", np.array(scale[:p])[keep], sc.scale_, 1e-11)
    check(f"trial {trial}: ratio", ratio[:k], pca.explained_variance_ratio_, 1e-9)
    v = np.array(comp[:k * p]).reshape(k, p)
    for i in range(k):
        a, b = v[i, keep], pca.components_[i]
        check(f"trial {trial}: component {i} (up to sign)", a * np.sign(a @ b), b, 1e-7, atol=1e-9)
    new = x[:300].copy()
    fill = np.array(mean)
    got = []
    for row in new:
        r = row.copy()
        if empty is not None:
            r[empty] = np.nan        # SimpleImputer drops the column: it plays no part
        got.append(rerr(p, k, arr(p, fill), scale, comp, arr(p, [0.0] * p), arr(p, r), arr(k)))
    zs = sc.transform(imp.transform(new))
    want = np.linalg.norm(zs - pca.inverse_transform(pca.transform(zs)), axis=1)
    # a row with every value missing: 0 here, sklearn leaves rounding noise of its pca.mean_
    check(f"trial {trial}: reconstruction errors", got, want, 1e-9, atol=1e-12)

# no incomplete row: the imputed moments are the plain ones
x = rng.standard_normal((500, 4)) + 7.0
blk = blocks_of(x, [100])
mean, c, present = blk.imputed()
check("complete rows: means", mean, x.mean(0), 1e-14)
check("complete rows: co-moments", c, packed((x - x.mean(0)).T @ (x - x.mean(0))), 1e-12)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
