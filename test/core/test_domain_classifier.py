#!/usr/bin/python3
"""The domain classifier core (src/core/domain_classifier.c, Evidently's
`model` embedding drift method) without a server:

1. its SGD against scikit-learn's own SGDClassifier(loss='log_loss',
   shuffle=False) on the same rows in the same order: the same number of
   epochs and the same weights and intercept (to 1e-12 relative);
2. the whole method (split, shuffled SGD, scores, AUC, bootstrap) against a
   re-implementation written here in numpy from the documented algorithm
   (same split, same SplitMix64 shuffle, same updates): weights, scores and
   AUC to 1e-12;
3. the AUC against sklearn.metrics.roc_auc_score on the produced scores,
   and the bootstrap threshold against the random AUCs re-drawn here;
4. against Evidently's recipe itself (train_test_split(test_size=0.5,
   random_state=42), SGDClassifier(loss='log_loss', random_state=42),
   predict_proba, roc_auc_score): the same decision on clearly drifted and
   clearly undrifted data, and the AUCs within a tolerance (the largest
   difference seen is printed)."""
import ctypes
import math
import os
import sys
import warnings

import numpy as np
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
import corelib  # noqa: E402
import domain_classifier_ref as dcref  # noqa: E402

warnings.simplefilter("ignore", ConvergenceWarning)
DP = ctypes.POINTER(ctypes.c_double)
I64P = ctypes.POINTER(ctypes.c_int64)
VPP = ctypes.POINTER(ctypes.c_void_p)


class Result(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("auc", ctypes.c_double), ("threshold", ctypes.c_double),
                ("intercept", ctypes.c_double), ("epochs", ctypes.c_int), ("n_train", ctypes.c_int64),
                ("n_test", ctypes.c_int64)]


sgd = corelib.fn("mlm_dc_sgd", ctypes.c_int, VPP, DP, ctypes.c_int64, ctypes.c_int64, ctypes.c_int,
                 ctypes.c_uint64, DP, DP, I64P, ctypes.c_void_p)
dc = corelib.fn("mlm_domain_classifier", None, VPP, ctypes.c_int64, VPP, ctypes.c_int64, ctypes.c_int64,
                ctypes.c_int, ctypes.c_double, ctypes.c_int, DP, DP, ctypes.c_void_p, ctypes.c_void_p,
                ctypes.POINTER(Result))
scratch_bytes = corelib.fn("mlm_dc_scratch_bytes", ctypes.c_size_t, ctypes.c_int64, ctypes.c_int64)
auc_fn = corelib.fn("mlm_dc_auc", ctypes.c_double, DP, ctypes.c_int64, DP, ctypes.c_int64, DP)
expit_fn = corelib.fn("mlm_dc_expit", ctypes.c_double, ctypes.c_double)
rand_thr = corelib.fn("mlm_dc_random_threshold", ctypes.c_double, ctypes.c_int64, ctypes.c_int64,
                      ctypes.c_double, ctypes.c_int, ctypes.c_uint64, DP, ctypes.c_void_p)

failures = []
checks = 0


def check(label, ok, detail=""):
    global checks
    checks += 1
    if not ok:
        failures.append(f"{label}: {detail}")


def rel_close(a, b, rtol=1e-12, atol=1e-300):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))


def rowptrs(m):
    """Row pointers into the C-contiguous float64 matrix m (kept alive by the caller)."""
    base = m.ctypes.data
    step = m.shape[1] * 8
    return (ctypes.c_void_p * max(len(m), 1))(*[base + i * step for i in range(len(m))])


def core_sgd(x, y, shuffle, seed=42):
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    n, d = x.shape
    w = np.zeros(d)
    b = ctypes.c_double()
    order = (ctypes.c_int64 * n)()
    ptrs = rowptrs(x)
    ep = sgd(ptrs, y.ctypes.data_as(DP), n, d, shuffle, seed, w.ctypes.data_as(DP), ctypes.byref(b), order, None)
    return ep, w, b.value


def core_method(ref, cur, bootstrap=False, q=0.95, shuffle=1):
    ref = np.ascontiguousarray(ref, dtype=np.float64)
    cur = np.ascontiguousarray(cur, dtype=np.float64)
    d = ref.shape[1]
    w = np.zeros(d)
    scores = np.zeros(len(ref) + len(cur) + 1)
    scratch = ctypes.create_string_buffer(max(scratch_bytes(len(ref), len(cur)), 8))
    r = Result()
    dc(rowptrs(ref), len(ref), rowptrs(cur), len(cur), d, int(bootstrap), q, shuffle, w.ctypes.data_as(DP),
       scores.ctypes.data_as(DP), scratch, None, ctypes.byref(r))
    return r, w, scores[:r.n_test]


py_sgd = dcref.sgd
py_auc = dcref.pair_auc
py_random_threshold = dcref.random_threshold


def py_method(rows_ref, rows_cur, bootstrap=False, q=0.95):
    m = dcref.mlmon_model(rows_ref, rows_cur, bootstrap, q)
    return m["epochs"], m["w"], m["b"], m["scores"], m["auc"], m["threshold"] if bootstrap else math.nan


rng = np.random.default_rng(4217)

# 1. the SGD against sklearn's SGDClassifier with shuffle=False (the same row order)
for trial, (n, d, shift, scale) in enumerate([(200, 5, 0.5, 1.0), (300, 16, 0.0, 1.0), (150, 3, 2.0, 1.0),
                                               (400, 8, 0.3, 10.0), (60, 40, 1.0, 0.1), (500, 2, 0.05, 1.0),
                                               (80, 6, 5.0, 3.0), (7, 4, 1.0, 1.0)]):
    y01 = (rng.uniform(size=n) < 0.5).astype(int)
    y01[0], y01[1] = 0, 1
    x = rng.normal(size=(n, d)) * scale + np.where(y01[:, None] == 1, shift, 0.0) + rng.normal(size=d)
    clf = SGDClassifier(loss="log_loss", random_state=42, shuffle=False).fit(x, y01)
    ep, w, b = core_sgd(x, np.where(y01 == 1, 1.0, -1.0), 0)
    check(f"sklearn n_iter_ #{trial}", ep == clf.n_iter_, f"{ep} vs {clf.n_iter_}")
    check(f"sklearn coef_ #{trial}", rel_close(w, clf.coef_[0]), f"{w} vs {clf.coef_[0]}")
    check(f"sklearn intercept_ #{trial}", rel_close(b, clf.intercept_[0]), f"{b} vs {clf.intercept_[0]}")
    # and the re-implementation without shuffle agrees too
    pe, pw, pb = py_sgd(x, np.where(y01 == 1, 1.0, -1.0), False)
    check(f"numpy sgd noshuffle #{trial}", pe == ep and rel_close(w, pw) and rel_close(b, pb), f"{ep} {pe}")

# 2. and 3. the whole method against the re-implementation; AUC against roc_auc_score
for trial, (n_r, n_c, d, shift) in enumerate([(120, 100, 6, 0.4), (101, 57, 3, 0.0), (2, 2, 2, 1.0),
                                               (3, 5, 4, 0.2), (200, 200, 12, 1.5), (90, 150, 1, 0.3)]):
    ref = rng.normal(size=(n_r, d))
    cur = rng.normal(size=(n_c, d)) + shift
    if trial == 1:
        ref = np.round(ref, 1)       # repeated rows: tied scores
        cur = np.round(cur, 1)
    for bootstrap, q in ((False, 0.95), (True, 0.95), (True, 0.5)):
        r, w, scores = core_method(ref, cur, bootstrap, q)
        pe, pw, pb, ps, pauc, pthr = py_method(ref, cur, bootstrap, q)
        lab = f"method #{trial} boot={bootstrap} q={q}"
        check(lab + " status", r.status == 0, str(r.status))
        check(lab + " sizes", r.n_train == n_r // 2 + n_c // 2 and r.n_test == n_r - n_r // 2 + n_c - n_c // 2)
        check(lab + " epochs", r.epochs == pe, f"{r.epochs} vs {pe}")
        check(lab + " weights", rel_close(w, pw), f"{w} vs {pw}")
        check(lab + " intercept", rel_close(r.intercept, pb), f"{r.intercept} vs {pb}")
        check(lab + " scores", rel_close(scores, ps), "")
        check(lab + " auc", rel_close(r.auc, pauc), f"{r.auc} vs {pauc}")
        n1 = n_r - n_r // 2
        sk = roc_auc_score([1] * n1 + [0] * (len(scores) - n1), scores)
        check(lab + " auc = roc_auc_score", abs(r.auc - sk) <= 1e-15, f"{r.auc!r} vs {sk!r}")
        if bootstrap:
            check(lab + " threshold", rel_close(r.threshold, pthr), f"{r.threshold} vs {pthr}")
        else:
            check(lab + " no threshold", math.isnan(r.threshold))

# the AUC alone: many ties, unequal sizes, against roc_auc_score
tmp = np.zeros(4000)
for trial in range(300):
    n1, n0 = int(rng.integers(1, 60)), int(rng.integers(1, 60))
    pos = np.round(rng.uniform(size=n1) + 0.1 * (trial % 3), int(trial % 4))
    neg = np.round(rng.uniform(size=n0), int(trial % 4))
    want = roc_auc_score([1] * n1 + [0] * n0, np.concatenate([pos, neg]))
    got = auc_fn(pos.copy().ctypes.data_as(DP), n1, neg.copy().ctypes.data_as(DP), n0, tmp.ctypes.data_as(DP))
    check(f"auc #{trial}", abs(got - want) <= 1e-15 and got == py_auc(pos, neg), f"{got!r} vs {want!r}")
# larger arrays (the radix sort's path)
for trial in range(5):
    n1, n0 = int(rng.integers(500, 2000)), int(rng.integers(500, 2000))
    pos, neg = rng.normal(size=n1) + 0.1, np.round(rng.normal(size=n0), 2)
    want = roc_auc_score([1] * n1 + [0] * n0, np.concatenate([pos, neg]))
    got = auc_fn(pos.copy().ctypes.data_as(DP), n1, neg.copy().ctypes.data_as(DP), n0, tmp.ctypes.data_as(DP))
    check(f"auc large #{trial}", abs(got - want) <= 1e-15, f"{got!r} vs {want!r}")

# expit as scipy's
for z in list(rng.normal(size=200) * 50) + [0.0, 36.0, 37.0, 40.0, -700.0, -746.0, 710.0, -710.0]:
    check(f"expit {z}", expit_fn(z) == expit(z), f"{expit_fn(z)!r} vs {expit(z)!r}")

# the bootstrap threshold alone
for n1, n0, q in ((1, 1, 0.95), (5, 3, 0.95), (40, 60, 0.5), (100, 100, 0.99)):
    buf = np.zeros(2 * (n1 + n0) + 100)
    got = rand_thr(n1, n0, q, 100, 0, buf.ctypes.data_as(DP), None)
    check(f"random threshold {n1},{n0},{q}", rel_close(got, py_random_threshold(n1, n0, q)), str(got))

# edge cases: a side with fewer than 2 rows; overflowing inputs
for n_r, n_c in ((1, 5), (5, 1), (0, 4), (1, 1)):
    r, _, _ = core_method(rng.normal(size=(max(n_r, 1), 3))[:n_r], rng.normal(size=(max(n_c, 1), 3))[:n_c])
    check(f"too few {n_r},{n_c}", r.status == 1 and math.isnan(r.auc), str(r.status))
r, _, _ = core_method(rng.normal(size=(20, 3)) * 1e300, rng.normal(size=(20, 3)) * 1e300)
check("overflow", r.status == 2 and math.isnan(r.auc), str(r.status))
# identical rows: no information, every score tied: AUC 1/2
r, _, _ = core_method(np.ones((10, 3)), np.ones((12, 3)))
check("identical rows", r.status == 0 and r.auc == 0.5, str(r.auc))

# 4. against Evidently's recipe (its split, sklearn's shuffle)


diffs = []
for trial in range(12):
    d = [8, 32, 64][trial % 3]
    n = [400, 1000, 2000][trial // 4 % 3]
    ref = rng.normal(size=(n, d))
    drifted = trial % 2 == 0
    cur = rng.normal(size=(n, d)) + (0.6 / math.sqrt(d) * 4 if drifted else 0.0)
    ours = core_method(ref, cur)[0].auc
    theirs = dcref.evidently_model(ref, cur)[0]
    diffs.append(abs(ours - theirs))
    check(f"evidently decision #{trial} d={d} n={n} drifted={drifted}",
          (ours > 0.55) == (theirs > 0.55) == drifted, f"ours {ours:.4f} evidently {theirs:.4f}")
    check(f"evidently auc #{trial}", abs(ours - theirs) <= 0.06, f"ours {ours:.4f} evidently {theirs:.4f}")
print(f"largest |AUC - Evidently's AUC| over {len(diffs)} data sets: {max(diffs):.4f}")

for f in failures:
    print("FAIL", f)
print(f"test_domain_classifier: {checks - len(failures)}/{checks} checks passed")
sys.exit(1 if failures else 0)
