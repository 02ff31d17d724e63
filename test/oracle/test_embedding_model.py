#!/usr/bin/python3
"""mlmon.embedding_model (Evidently's `model` embedding drift method, a
domain classifier) against:

- mlmon's documented algorithm re-implemented here with numpy
  (domain_classifier_ref.py: the alternating split of each side's sample in
  canonical order, scikit-learn's SGD update rule with the SplitMix64 epoch
  shuffle, expit scores, the pairwise AUC, the random classifiers'
  threshold) on the embedding sample re-implemented from its documented key
  and order (domain_classifier_ref.sample): statistic and threshold to
  1e-12 relative, decisions and counts equal;
- Evidently's own recipe (sklearn's split and SGDClassifier): the same
  decision on clearly drifted and clearly undrifted data, the AUCs close;
- a parallel plan (Partial Aggregate; the same result as the serial plan),
  float4 input, bad rows counted, fewer than 2 rows in a side (NULL)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checker, STAT_RTOL, connect, sample_parallel_run  # noqa: E402
import domain_classifier_ref as dcref  # noqa: E402

chk = Checker("test_embedding_model")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(1719)
F4 = np.float32


def as4(x):
    return np.asarray(x).astype(F4).astype(np.float64)


def arr(r):
    return "{" + ",".join(repr(float(x)) for x in r) + "}"


def load(table, ref, cur_, temp=True, extra=()):
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {table} (e8 float8[], e4 float4[], c boolean)")
    rows = [(arr(r), False) for r in ref] + [(arr(r), True) for r in cur_]
    cur.executemany(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)",
                    [(s, s, c) for s, c in rows])
    for e, c in extra:
        cur.execute(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)", (e, e, c))
    cur.execute(f"ANALYZE {table}")


def run(table, col, args=""):
    cur.execute(f"SELECT (r).method, (r).statistic, (r).threshold, (r).drifted, (r).n_reference, (r).n_current, "
                f"(r).dimension, (r).n_skipped_null, (r).n_skipped_length, (r).n_skipped_component "
                f"FROM (SELECT mlmon.embedding_model({col}, c{args}) r FROM {table}) s")
    return cur.fetchone()


def check_model(label, table, ref, cur_, col, threshold=0.55, bootstrap=False, q=0.95, k=5000, args=""):
    if col == "e4":
        ref, cur_ = as4(ref), as4(cur_)
    sr, sc = dcref.sample(ref, 0, k), dcref.sample(cur_, 1, k)
    want = dcref.mlmon_model(sr, sc, bootstrap, q, threshold)
    got = run(table, col, args)
    lab = f"{label} {col}{args}"
    chk.equal(lab + " method", got[0], "model")
    if want["auc"] is None:
        chk.equal(lab + " NULL statistic and decision", (got[1], got[3]), (None, None))
    else:
        chk.close(lab + ":statistic", got[1], want["auc"], STAT_RTOL)
        chk.close(lab + ":threshold", got[2], want["threshold"], STAT_RTOL)
        chk.equal(lab + " drifted", got[3], bool(want["drifted"]))
    chk.equal(lab + " counts", got[4:6], (len(ref), len(cur_)))
    return got


# the re-implementation, all rows in the sample and a sample of some
cases = [
    ("no shift d=8", rng.normal(size=(70, 8)), rng.normal(size=(50, 8))),
    ("shift d=5", rng.normal(size=(60, 5)) * 2 + 1, rng.normal(0.8, 2, size=(80, 5)) + 1),
    ("large offset d=6", rng.normal(size=(40, 6)) + 100.0, rng.normal(size=(40, 6)) + 100.3),
    ("ties d=3", np.round(rng.normal(size=(50, 3)), 1), np.round(rng.normal(0.5, 1, size=(45, 3)), 1)),
    ("two rows a side d=2", rng.normal(size=(2, 2)), rng.normal(size=(2, 2)) + 1),
    ("d=1", rng.normal(size=(30, 1)), rng.normal(1, 1, size=(25, 1))),
]
for label, ref, cur_ in cases:
    load("emb_model", ref, cur_)
    for col in ("e8", "e4"):
        check_model(label, "emb_model", ref, cur_, col)
    check_model(label, "emb_model", ref, cur_, "e8", 0.7, args=", 0.7")
    check_model(label, "emb_model", ref, cur_, "e8", 0.55, True, 0.95, args=", 0.55, true, 0.95")
    check_model(label, "emb_model", ref, cur_, "e4", 0.55, True, 0.5, args=", 0.55, true, 0.5")
    check_model(label, "emb_model", ref, cur_, "e8", 0.55, False, 0.95, 16, args=", 0.55, false, 0.95, 16")
    check_model(label, "emb_model", ref, cur_, "e4", 0.55, True, 0.9, 7, args=", 0.55, true, 0.9, 7")

# fewer than 2 valid rows in a side: NULL statistic and decision, counts kept
for n_r, n_c in ((1, 10), (10, 1), (0, 5), (5, 0)):
    ref, cur_ = rng.normal(size=(n_r, 3)), rng.normal(size=(n_c, 3))
    load("emb_model", ref, cur_)
    got = run("emb_model", "e8")
    chk.equal(f"too few {n_r},{n_c}", (got[1], got[3], got[4], got[5], got[6]), (None, None, n_r, n_c, 3))
# max_rows 2: two rows a side, always a statistic
ref, cur_ = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
load("emb_model", ref, cur_)
check_model("max_rows 2", "emb_model", ref, cur_, "e8", 0.55, False, 0.95, 2, args=", 0.55, false, 0.95, 2")

# bad rows are skipped and counted, the statistic is that of the good rows
ref, cur_ = rng.normal(size=(30, 4)), rng.normal(0.6, 1, size=(30, 4))
bad = [(None, True), ("{}", False), ("{1,2,3}", False), ("{1,2,3,4,5}", True), ("{{1,2},{3,4}}", True),
       ("{1,NaN,2,3}", False), ("{1,NULL,2,3}", True), ("{Infinity,1,2,3}", True), ("{1,2,3,4}", None)]
load("emb_bad", ref, cur_, extra=bad)
for col in ("e8", "e4"):
    got = check_model("bad rows", "emb_bad", ref, cur_, col)
    chk.equal(f"bad rows {col} skipped", got[6:], (4, 3, 3, 3))

# the decision against Evidently's recipe (its split and sklearn's shuffle):
# clearly drifted (a shift of 2.4 standard deviations along the diagonal) and
# clearly undrifted data, 1500 rows a side
diffs = []
for trial, (d, drifted) in enumerate([(16, True), (16, False), (48, True), (48, False)]):
    ref = rng.normal(size=(1500, d))
    cur_ = rng.normal(size=(1500, d)) + (2.4 / np.sqrt(d) if drifted else 0.0)
    load("emb_ev", ref, cur_)
    got = run("emb_ev", "e8")
    ev = dcref.evidently_model(ref, cur_)
    diffs.append(abs(got[1] - ev[0]))
    chk.equal(f"evidently d={d} drifted={drifted}: decisions", (got[3], bool(ev[2])), (drifted, drifted))
    chk.close(f"evidently d={d} drifted={drifted}:auc", got[1], ev[0], 0.0, 0.06)
    got = run("emb_ev", "e8", ", 0.55, true, 0.95")
    ev = dcref.evidently_model(ref, cur_, bootstrap=True)
    print(f"  d={d} drifted={drifted}: bootstrap AUC {got[1]:.4f} threshold {got[2]:.4f}; "
          f"Evidently AUC {ev[0]:.4f} threshold {ev[1]:.4f}")
    # the bootstrap is a 5% test: on undrifted data either side may flag a
    # window by chance (about 1 in 20), so only drifted decisions are compared
    if drifted:
        chk.equal(f"evidently bootstrap d={d}: decisions", (got[3], bool(ev[2])), (True, True))
    chk.close(f"evidently bootstrap d={d}:threshold", got[2], ev[1], 0.0, 0.01)
print(f"  largest |AUC - Evidently's AUC|: {max(diffs):.4f}")

# a parallel plan (partial samples combined) gives the serial result (the
# bad rows have 4 components: here the 3 with 4 or 5 and the 2-D one are of
# the wrong length, 6 in all)
ref, cur_ = rng.normal(size=(1500, 10)), rng.normal(0.05, 1, size=(1500, 10))
load("embedding_model_parallel", ref, cur_, temp=False, extra=bad)
q = ("SELECT mlmon.embedding_model(e8, c), mlmon.embedding_model(e4, c, 0.6), "
     "mlmon.embedding_model(e8, c, 0.55, true, 0.9, 500), mlmon.embedding_model(e4, c, 0.55, false, 0.95, 2000) "
     "FROM embedding_model_parallel")
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(q)
serial = cur.fetchone()
par = sample_parallel_run(cur, chk,
                          "SELECT mlmon.embedding_model(e8, c) FROM embedding_model_parallel",
                          "mlmon._embedding_model_merge", q)
chk.equal("parallel = serial", par, serial)
for i, (col, thr, boot, qq, k) in enumerate([("e8", 0.55, False, 0.95, 5000), ("e4", 0.6, False, 0.95, 5000),
                                              ("e8", 0.55, True, 0.9, 500), ("e4", 0.55, False, 0.95, 2000)]):
    r_, c_ = (ref, cur_) if col == "e8" else (as4(ref), as4(cur_))
    want = dcref.mlmon_model(dcref.sample(r_, 0, k), dcref.sample(c_, 1, k), boot, qq, thr)
    f = par[i].strip("()").split(",")
    chk.close(f"parallel #{i}:statistic", float(f[1]), want["auc"], STAT_RTOL)
    chk.close(f"parallel #{i}:threshold", float(f[2]), want["threshold"], STAT_RTOL)
    chk.equal(f"parallel #{i} decision and counts", (f[3], f[4:]),
              ("t" if want["drifted"] else "f", ["1500", "1500", "10", "3", "6", "0"]))
cur.execute("DROP TABLE embedding_model_parallel")

chk.finish()
