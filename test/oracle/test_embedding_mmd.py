#!/usr/bin/python3
"""mlmon.embedding_mmd against Evidently's MMDDriftMethod
(evidently/metrics/data_drift/embedding_drift_methods.py), re-implemented
here with numpy and scikit-learn: sigma^2 = numpy.median of
pairwise_distances(reference, current) squared, K = pairwise_kernels(rbf,
gamma = 1 / sigma^2) over the m + n rows, its MMD2u formula; statistic
max(MMD2u, 0), drift when MMD2u > threshold (0.015).  With bootstrap, the
percentile 100 q of 100 MMD2u of two resamples of the reference over the
reference kernel (gamma from the reference-reference median); Evidently
draws with numpy's seeded Mersenne Twister, mlmon with SplitMix64 from seed 0
into its reference sample in THE ORDER of src/core/embedding_sample.h
(splitmix64.py here).

With at most max_rows rows per side (and max_rows <= 1000, Evidently's own
sample size for the median) mlmon's samples are all the rows, so the
statistic is Evidently's: to 1e-10 relative (scikit-learn's expanded
distances against mlmon's sums of squared differences), decisions equal.
Above max_rows the sample is re-implemented here from its definition (the
key, the order) and Evidently's formulas run on it.  A parallel plan gives
the serial result exactly; float4 input; bad rows counted."""
import os
import sys

import numpy as np
from sklearn.metrics import pairwise_distances, pairwise_kernels

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checker, connect, sample_parallel_run  # noqa: E402

RTOL = 1e-10
ATOL = 1e-14   # MMD2u cancels terms of order 1 down to its own size
chk = Checker("test_embedding_mmd")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(1729)


from embedding_mmd_ref import evidently_mmd, in_order, mmd2u, sample  # noqa: E402,F401


def load(table, ref, cur_, temp=True, extra=()):
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {table} (e8 float8[], e4 float4[], c boolean)")
    rows = [(r, False) for r in ref] + [(r, True) for r in cur_]
    args = [("{" + ",".join(repr(float(x)) for x in r) + "}", c) for r, c in rows]
    cur.executemany(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)",
                    [(s, s, c) for s, c in args])
    for e, c in extra:
        cur.execute(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)", (e, e, c))
    cur.execute(f"ANALYZE {table}")


def run(table, col, args):
    cur.execute(f"SELECT (r).method, (r).statistic, (r).threshold, (r).drifted, (r).n_reference, (r).n_current, "
                f"(r).dimension FROM (SELECT mlmon.embedding_mmd({col}, c{args}) r FROM {table}) s")
    return cur.fetchone()


def check(label, got, want, n_ref, n_cur, d):
    chk.equal(label + " method", got[0], "mmd")
    chk.close(label + ":statistic", got[1], float(want[0]), RTOL, ATOL)
    chk.close(label + ":threshold", got[2], float(want[1]), RTOL, ATOL)
    chk.equal(label + " drifted", got[3], bool(want[2]))
    chk.equal(label + " counts", got[4:], (n_ref, n_cur, d))


OPTS = [("", {}), (", 0.001", {"threshold": 0.001}), (", 0.015, true, 0.05", {"bootstrap": True, "q": 0.05}),
        (", 0.015, true, 0.95", {"bootstrap": True, "q": 0.95})]
cases = [
    ("no shift d=8", rng.normal(size=(60, 8)), rng.normal(size=(40, 8))),
    ("shift d=5", rng.normal(size=(50, 5)), rng.normal(0.5, 1, size=(70, 5))),
    ("scale d=3", rng.normal(size=(30, 3)), rng.normal(0, 2, size=(45, 3))),
    ("d=1", rng.normal(size=(25, 1)), rng.normal(1, 1, size=(20, 1))),
    ("d=32 small shift", rng.normal(size=(120, 32)), rng.normal(0.05, 1, size=(100, 32))),
]
for label, ref, cur_ in cases:
    load("emb_mmd", ref, cur_)
    d = ref.shape[1]
    for col, conv in (("e8", np.float64), ("e4", np.float32)):
        r_, c_ = ref.astype(conv).astype(np.float64), cur_.astype(conv).astype(np.float64)
        for args, kw in OPTS:
            # the bootstrap draws index the reference rows in THE ORDER; Evidently's formulas are order-free
            rr = in_order(r_, 0) if kw.get("bootstrap") else r_
            check(f"{label} {col}{args}", run("emb_mmd", col, args), evidently_mmd(rr, c_, **kw), len(ref), len(cur_), d)

# the decision is on MMD2u itself, the statistic max(MMD2u, 0) (Evidently): a case whose MMD2u is
# negative, against a threshold between it and 0 (statistic > threshold, yet no drift)
while True:
    ref, cur_ = rng.normal(size=(40, 4)), rng.normal(size=(40, 4))
    x, y = ref, cur_
    sigma2 = np.median(pairwise_distances(x, y)) ** 2
    raw = mmd2u(pairwise_kernels(np.vstack([x, y]), metric="rbf", gamma=1.0 / sigma2), 40, 40)
    if raw < -1e-6:
        break
load("emb_mmd", ref, cur_)
for t in (raw / 2, raw * 2):
    want = evidently_mmd(ref, cur_, threshold=t)
    check(f"decision on the raw MMD2u {raw!r} (threshold {t!r})", run("emb_mmd", "e8", f", {t!r}"), want, 40, 40, 4)
chk.equal("a negative MMD2u: statistic 0, not drifted at threshold MMD2u/2", run("emb_mmd", "e8", f", {raw / 2!r}")[1:4],
          (0.0, raw / 2, False))

# above max_rows: the statistic is Evidently's on the samples (re-implemented here)
ref, cur_ = rng.normal(size=(300, 6)), rng.normal(0.2, 1, size=(250, 6))
ref[:20] = ref[0]          # copies of one row: they share a key
load("emb_mmd", ref, cur_)
for k in (100, 260):
    xs, ys = sample(ref, k, 0), sample(cur_, k, 1)
    for args, kw in OPTS[:3]:
        a = f"{args}, {k}" if kw.get("bootstrap") else f"{args or ', 0.015'}, false, 0.05, {k}"
        check(f"sampled k={k}{a}", run("emb_mmd", "e8", a), evidently_mmd(xs, ys, **kw), 300, 250, 6)

# bad rows are skipped and counted, the statistic is that of the good rows
ref, cur_ = rng.normal(size=(30, 4)), rng.normal(0.3, 1, size=(30, 4))
bad = [(None, True), ("{}", False), ("{1,2,3}", False), ("{1,2,3,4,5}", True), ("{{1,2},{3,4}}", True),
       ("{1,NaN,2,3}", False), ("{1,NULL,2,3}", True), ("{Infinity,1,2,3}", True), ("{1,2,3,4}", None)]
load("emb_mmd_bad", ref, cur_, extra=bad)
for col, conv in (("e8", np.float64), ("e4", np.float32)):
    cur.execute(f"SELECT (r).statistic, (r).n_reference, (r).n_current, (r).dimension, (r).n_skipped_null, "
                f"(r).n_skipped_length, (r).n_skipped_component "
                f"FROM (SELECT mlmon.embedding_mmd({col}, c) r FROM emb_mmd_bad) s")
    got = cur.fetchone()
    want = evidently_mmd(ref.astype(conv).astype(np.float64), cur_.astype(conv).astype(np.float64))
    chk.close(f"bad rows {col}:statistic", got[0], want[0], RTOL, ATOL)
    chk.equal(f"bad rows {col} counts", got[1:], (30, 30, 4, 3, 3, 3))

# a parallel plan (partial samples merged) gives the serial result exactly, above max_rows
ref, cur_ = rng.normal(size=(3000, 12)), rng.normal(0.03, 1, size=(3000, 12))
load("embedding_mmd_parallel_test", ref, cur_, temp=False, extra=bad)
q = ("SELECT mlmon.embedding_mmd(e8, c), mlmon.embedding_mmd(e4, c, 0.015, true, 0.5), "
     "mlmon.embedding_mmd(e8, c, 0.015, false, 0.05, 200) FROM embedding_mmd_parallel_test")
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(q)
serial = cur.fetchone()
par = sample_parallel_run(cur, chk,
                          "SELECT mlmon.embedding_mmd(e8, c) FROM embedding_mmd_parallel_test",
                          "mlmon._embedding_mmd_merge", q)
chk.equal("parallel = serial, exactly", par, serial)
xs, ys = sample(ref, 200, 0), sample(cur_, 200, 1)
want = evidently_mmd(xs, ys)
got = par[2].strip("()").split(",")
chk.close("parallel k=200:statistic", float(got[1]), want[0], RTOL, ATOL)
chk.equal("parallel k=200 counts", got[4:], ["3000", "3000", "12", "3", "6", "0"])   # 4 components: all of the wrong length
cur.execute("DROP TABLE embedding_mmd_parallel_test")

chk.finish()
