"""Independent Python implementations for mlmon.embedding_model (Evidently's
`model` embedding drift method, ModelDriftMethod in
evidently/metrics/data_drift/embedding_drift_methods.py):

- evidently_model(ref, cur): Evidently's recipe itself, with scikit-learn
  (pooled rows, reference target 1; train_test_split(test_size=0.5,
  shuffle, random_state=42); SGDClassifier(loss='log_loss',
  random_state=42); roc_auc_score of predict_proba on the test part);
- mlmon_model(ref, cur): mlmon's documented algorithm written here from
  src/core/domain_classifier.h's description with numpy: the alternating
  split, scikit-learn's SGD update rule with the SplitMix64 epoch shuffle,
  expit scores, the AUC counted pair by pair, the random classifiers'
  threshold;
- sample(rows, side, k): the shared embedding sample's documented bottom-k
  rows of one side (src/core/embedding_sample.h: THE KEY, THE ORDER).
"""
import math
import struct
import warnings

import numpy as np
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from splitmix64 import SplitMix64

warnings.simplefilter("ignore", ConvergenceWarning)
ALPHA = 1e-4


def evidently_model(ref, cur, threshold=0.55, bootstrap=False, q=0.95):
    """(AUC, threshold used, drifted) as Evidently computes them (its bootstrap reseeds numpy per replicate)."""
    data = np.vstack([ref, cur])
    target = np.array([1] * len(ref) + [0] * len(cur))
    xtr, xte, ytr, yte = train_test_split(data, target, test_size=0.5, random_state=42, shuffle=True)
    clf = SGDClassifier(loss="log_loss", random_state=42).fit(xtr, ytr)
    auc = roc_auc_score(yte, clf.predict_proba(xte)[:, 1])
    if bootstrap:
        vals = []
        for i in range(100):
            np.random.seed(i)
            vals.append(roc_auc_score(yte, np.random.rand(len(yte))))
        threshold = float(np.percentile(vals, 100 * q))
    return auc, threshold, auc > threshold


def seq_dot(w, x):
    """w.x summed in order (as sklearn's WeightVector.dot and the core)."""
    return float(np.cumsum(w * x)[-1]) if len(w) else 0.0


def log_loss(p, y):
    z = p * y
    if z > 18:
        return math.exp(-z)
    if z < -18:
        return -z
    return math.log(1.0 + math.exp(-z))


def log_dloss(p, y):
    z = p * y
    if z > 18.0:
        return math.exp(-z) * -y
    if z < -18.0:
        return -y
    return -y / (math.exp(z) + 1.0)


def sgd(x, y, shuffle, seed=42):
    """sklearn's plain SGD (log loss, L2, 'optimal' rate, its defaults) with
    the Fisher-Yates shuffle from SplitMix64 at seed before each epoch:
    (epochs, weights, intercept)."""
    n, d = x.shape
    typw = math.sqrt(1.0 / math.sqrt(ALPHA))
    eta0 = typw / max(1.0, log_dloss(-typw, 1.0))
    optimal_init = 1.0 / (eta0 * ALPHA)
    w, wscale, b, t, best, bad = np.zeros(d), 1.0, 0.0, 1.0, math.inf, 0
    order = list(range(n))
    g = SplitMix64(seed)
    epochs = 0
    for epoch in range(1000):
        if shuffle:
            for i in range(n - 1, 0, -1):
                j = g.below(i + 1)
                order[i], order[j] = order[j], order[i]
        sumloss = 0.0
        for k in range(n):
            xi, yi = x[order[k]], y[order[k]]
            p = seq_dot(w, xi) * wscale + b
            eta = 1.0 / (ALPHA * (optimal_init + t - 1.0))
            sumloss += log_loss(p, yi)
            dl = min(max(log_dloss(p, yi), -1e12), 1e12)
            update = -eta * dl
            wscale *= max(0.0, 1.0 - eta * ALPHA)
            if wscale < 1e-9:
                w, wscale = w * wscale, 1.0
            if update != 0.0:
                w = w + xi * (update / wscale)
                b += update
            t += 1.0
        epochs = epoch + 1
        bad = bad + 1 if sumloss > best - 1e-3 * n else 0
        best = min(best, sumloss)
        if bad >= 5:
            break
    return epochs, w * wscale, b


def pair_auc(pos, neg):
    """Mann-Whitney U / (n1 n0) from every pair, ties counted half."""
    pos, neg = np.asarray(pos), np.asarray(neg)
    twice = sum(2 * int(np.sum(neg < s)) + int(np.sum(neg == s)) for s in pos)
    return twice / (2.0 * len(pos) * len(neg))


def uniform01(g):
    return (g.next() >> 11) * 2.0 ** -53


def random_threshold(n1, n0, q, seed=0, reps=100):
    """The percentile 100 q of the AUCs of reps random scorings (SplitMix64 at seed, positives first)."""
    g = SplitMix64(seed)
    aucs = []
    for _ in range(reps):
        pos = [uniform01(g) for _ in range(n1)]
        neg = [uniform01(g) for _ in range(n0)]
        aucs.append(roc_auc_score([1] * n1 + [0] * n0, pos + neg))
    return float(np.percentile(aucs, 100 * q))


def mlmon_model(ref, cur, bootstrap=False, q=0.95, threshold=0.55):
    """mlmon's documented method on rows in canonical order: a dict with
    epochs, w, b, scores (test rows: reference's then current's), auc,
    threshold, drifted (auc None when a side has fewer than 2 rows)."""
    ref, cur = np.asarray(ref, dtype=float), np.asarray(cur, dtype=float)
    if len(ref) < 2 or len(cur) < 2:
        return {"auc": None, "threshold": threshold, "drifted": None}
    xtrain = np.vstack([ref[1::2], cur[1::2]])
    ytrain = np.array([1.0] * len(ref[1::2]) + [-1.0] * len(cur[1::2]))
    epochs, w, b = sgd(xtrain, ytrain, True)
    xtest = np.vstack([ref[0::2], cur[0::2]])
    scores = np.array([expit(seq_dot(w, xi) + b) for xi in xtest])
    n1 = len(ref[0::2])
    auc = pair_auc(scores[:n1], scores[n1:])
    if bootstrap:
        threshold = random_threshold(n1, len(scores) - n1, q)
    return {"epochs": epochs, "w": w, "b": b, "scores": scores, "auc": auc, "threshold": threshold,
            "drifted": auc > threshold}


def mix(z):
    """SplitMix64's output function of state z (one step from z)."""
    return SplitMix64(z).next()


def row_key(row, seed):
    """THE KEY of a row (components as doubles, -0.0 as +0.0)."""
    h = seed
    for v in row:
        v = float(v)
        if v == 0.0:
            v = 0.0
        h = mix(h ^ struct.unpack("<Q", struct.pack("<d", v))[0])
    return h


def row_seed(seed, r):
    """The seed of a row named r in a sample keyed by row: mix(seed XOR mix(r))
    (src/core/embedding_sample.h, KEYED BY ROW); r a signed or unsigned 64-bit number."""
    return mix(seed ^ mix(r & 0xFFFFFFFFFFFFFFFF))


def sample(rows, side, k, row_keys=None):
    """The first k rows of one side (side 0 reference, 1 current) in THE
    ORDER (ascending key, then the components), as a float64 matrix; with
    row_keys (one per row), the sample keyed by row."""
    rows = [[0.0 if float(v) == 0.0 else float(v) for v in r] for r in rows]
    seeds = [side] * len(rows) if row_keys is None else [row_seed(side, rk) for rk in row_keys]
    keyed = sorted(((row_key(r, sd), r) for r, sd in zip(rows, seeds)), key=lambda kr: (kr[0], kr[1]))
    return np.array([r for _, r in keyed[:k]], dtype=float).reshape(-1, len(rows[0]) if rows else 0)
