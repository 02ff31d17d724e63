#!/usr/bin/python3
"""mlmon's embedding drift aggregates against Evidently's embedding drift
methods (evidently/metrics/data_drift/embedding_drift_methods.py),
re-implemented here with numpy/scipy:

distance: scipy.spatial.distance.<dist>(reference.mean(axis=0),
current.mean(axis=0)); drift when > threshold (0.2); with bootstrap, the
percentile 100 q of 100 distances between the means of two resamples of the
reference rows (sizes n_r^2/(n_r+n_c) and n_r n_c/(n_r+n_c)).  Evidently
draws them with numpy's seeded Mersenne Twister; mlmon's documented draw is
SplitMix64 from seed 0 over the reference rows in lexicographic order
(splitmix64.py here).  Statistics to 1e-12 relative (means from math.fsum:
mlmon's compensated sums are that exact; Evidently's pandas means are within
a few ulps of them), decisions equal, a parallel plan equal to the serial.

ratio: the share of components whose Evidently "wasserstein" test drifts
(scipy.stats.wasserstein_distance / max(numpy.std(reference), 0.001) >= 0.1);
drift when the share > 0.2."""
import math
import os
import sys

import numpy as np
from scipy.spatial import distance as sd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Checker, STAT_RTOL, cheap_combine, connect, has_partial, is_parallel  # noqa: E402
from splitmix64 import SplitMix64  # noqa: E402

from scipy import stats  # noqa: E402

SCIPY = {"euclidean": sd.euclidean, "cosine": sd.cosine, "cityblock": sd.cityblock, "chebyshev": sd.chebyshev}
chk = Checker("test_embedding_drift")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(1717)


def exact_mean(x):
    return np.array([math.fsum(x[:, j]) / x.shape[0] for j in range(x.shape[1])])


def evidently_distance(ref, cur_, dist, threshold=0.2, bootstrap=False, q=0.95):
    stat = SCIPY[dist](exact_mean(ref), exact_mean(cur_))
    if not bootstrap:
        return stat, threshold, stat > threshold
    n_r, n_c = ref.shape[0], cur_.shape[0]
    size_r, size_c = max(n_r * n_r // (n_r + n_c), 1), max(n_r * n_c // (n_r + n_c), 1)
    rows = ref[np.lexsort(ref.T[::-1])]
    g = SplitMix64(0)
    res = []
    for _ in range(100):
        a = rows[[g.below(n_r) for _ in range(size_r)]]
        b = rows[[g.below(n_r) for _ in range(size_c)]]
        res.append(SCIPY[dist](exact_mean(a), exact_mean(b)))
    perc = float(np.percentile(res, 100 * q))
    return stat, perc, stat > perc


def load(table, ref, cur_, temp=True, extra=()):
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {table} (e8 float8[], e4 float4[], c boolean)")
    rows = [(r, False) for r in ref] + [(r, True) for r in cur_]
    args = [(s, s, c) for s, c in (("{" + ",".join(repr(float(x)) for x in r) + "}", c) for r, c in rows)]
    cur.executemany(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)", args)
    for e, c in extra:
        cur.execute(f"INSERT INTO {table} VALUES (%s::float8[], %s::float8[]::float4[], %s)", (e, e, c))
    cur.execute(f"ANALYZE {table}")


def check_distance(label, table, ref, cur_, col="e8"):
    for dist in SCIPY:
        for threshold, bootstrap, q in ((None, False, None), (0.05, False, None), (0.2, True, 0.95), (0.2, True, 0.5)):
            if threshold is None:
                args, want = f"'{dist}'", evidently_distance(ref, cur_, dist)
            elif not bootstrap:
                args, want = f"'{dist}', {threshold}", evidently_distance(ref, cur_, dist, threshold)
            else:
                args = f"'{dist}', {threshold}, true, {q}"
                want = evidently_distance(ref, cur_, dist, threshold, True, q)
            cur.execute(f"SELECT (r).statistic, (r).threshold, (r).drifted, (r).n_reference, (r).n_current "
                        f"FROM (SELECT mlmon.embedding_distance({col}, c, {args}) r FROM {table}) s")
            got = cur.fetchone()
            lab = f"{label} {col} {dist} {args}"
            atol = 1e-15 if dist == "cosine" else 0.0   # 1 - cos: SciPy's own form cancels near 0
            chk.close(lab + ":statistic", got[0], float(want[0]), STAT_RTOL, atol)
            chk.close(lab + ":threshold", got[1], float(want[1]), STAT_RTOL, atol)
            chk.equal(lab + " drifted", got[2], bool(want[2]))
            chk.equal(lab + " counts", got[3:], (ref.shape[0], cur_.shape[0]))


cases = [
    ("no shift d=8", rng.normal(size=(60, 8)), rng.normal(size=(40, 8))),
    ("shift d=5", rng.normal(size=(50, 5)) * 2 + 1, rng.normal(0.4, 2, size=(70, 5)) + 1),
    ("large offset d=16", rng.normal(size=(30, 16)) + 1e4, rng.normal(size=(30, 16)) + 1e4 + 0.01),
    ("one current row", rng.normal(size=(25, 3)), rng.normal(size=(1, 3))),
    ("d=1", rng.normal(size=(20, 1)), rng.normal(1, 1, size=(20, 1))),
]
for label, ref, cur_ in cases:
    load("emb_rows", ref, cur_)
    check_distance(label, "emb_rows", ref, cur_)
    # float4 columns: the oracle reads the float4-rounded values
    check_distance(label, "emb_rows", ref.astype(np.float32).astype(np.float64),
                   cur_.astype(np.float32).astype(np.float64), col="e4")

def evidently_ratio(ref, cur_, ct=0.1, t=0.2):
    d = ref.shape[1]
    k = sum(1 for j in range(d)
            if stats.wasserstein_distance(ref[:, j], cur_[:, j]) / max(np.std(ref[:, j]), 0.001) >= ct)
    return k / d, k / d > t


def check_ratio(label, table, ref, cur_, col):
    for args, opts in (("", ()), (", 0.05", (0.05,)), (", 0.1, 0.5", (0.1, 0.5))):
        want = evidently_ratio(ref, cur_, *opts)
        cur.execute(f"SELECT (r).statistic, (r).drifted, (r).n_reference, (r).n_current "
                    f"FROM (SELECT mlmon.embedding_ratio({col}, c{args}) r FROM {table}) s")
        got = cur.fetchone()
        chk.equal(f"ratio {label} {col}{args}", got, (want[0], want[1], ref.shape[0], cur_.shape[0]))


ratio_cases = [
    ("mixed shifts d=20", rng.normal(size=(80, 20)), rng.normal(size=(60, 20)) + np.repeat([0.0, 0.05, 0.3, 1.0], 5)),
    ("constant component d=4", np.c_[np.ones(30), rng.normal(size=(30, 3))], np.c_[np.ones(20) + 1e-4, rng.normal(size=(20, 3))]),
    ("ties d=3", np.round(rng.normal(size=(50, 3)), 1), np.round(rng.normal(0.2, 1, size=(50, 3)), 1)),
]
for label, ref, cur_ in ratio_cases:
    load("emb_rows", ref, cur_)
    check_ratio(label, "emb_rows", ref, cur_, "e8")
    check_ratio(label, "emb_rows", ref.astype(np.float32).astype(np.float64),
                cur_.astype(np.float32).astype(np.float64), "e4")

# bad rows are skipped and counted, the statistic is that of the good rows
ref, cur_ = rng.normal(size=(30, 4)), rng.normal(0.3, 1, size=(30, 4))
bad = [(None, True), ("{}", False), ("{1,2,3}", False), ("{1,2,3,4,5}", True), ("{{1,2},{3,4}}", True),
       ("{1,NaN,2,3}", False), ("{1,NULL,2,3}", True), ("{Infinity,1,2,3}", True), ("{1,2,3,4}", None)]
load("emb_bad", ref, cur_, extra=bad)
for col in ("e8", "e4"):
    r4 = ref if col == "e8" else ref.astype(np.float32).astype(np.float64)
    c4 = cur_ if col == "e8" else cur_.astype(np.float32).astype(np.float64)
    cur.execute(f"SELECT (r).statistic, (r).n_reference, (r).n_current, (r).dimension, (r).n_skipped_null, "
                f"(r).n_skipped_length, (r).n_skipped_component "
                f"FROM (SELECT mlmon.embedding_distance({col}, c) r FROM emb_bad) s")
    got = cur.fetchone()
    chk.close(f"bad rows {col}:statistic", got[0], evidently_distance(r4, c4, "euclidean")[0], STAT_RTOL)
    chk.equal(f"bad rows {col} counts", got[1:], (30, 30, 4, 3, 3, 3))
    cur.execute(f"SELECT (r).statistic, (r).n_reference, (r).n_current, (r).dimension, (r).n_skipped_null, "
                f"(r).n_skipped_length, (r).n_skipped_component "
                f"FROM (SELECT mlmon.embedding_ratio({col}, c) r FROM emb_bad) s")
    chk.equal(f"ratio bad rows {col}", cur.fetchone(), (evidently_ratio(r4, c4)[0], 30, 30, 4, 3, 3, 3))

# a parallel plan (partial states combined) gives the serial result
ref, cur_ = rng.normal(size=(3000, 12)), rng.normal(0.02, 1, size=(3000, 12))
load("embedding_parallel_test", ref, cur_, temp=False, extra=bad)
q = ("SELECT mlmon.embedding_distance(e8, c), mlmon.embedding_distance(e4, c, 'cosine'), "
     "mlmon.embedding_distance(e8, c, 'cityblock', 0.2, true, 0.95), mlmon.embedding_ratio(e4, c, 0.02), "
     "mlmon.embedding_ratio(e8, c, 0.02) FROM embedding_parallel_test")
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute(q)
serial = cur.fetchone()
cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
            "SET min_parallel_table_scan_size = 0")

# the ratio's combine is declared dear (its partial states hold every row, and
# a parallel plan is slower than the serial one): even with parallel plans free
# the planner keeps embedding_ratio serial, and only it
# (at the default parallel_tuple_cost: with rows shipped for free a Gather of
# the raw rows would look as cheap as the serial scan)
cur.execute("RESET parallel_tuple_cost")
chk.equal("ratio kept serial, distance parallel, when parallel plans cost no setup",
          (is_parallel(cur, "SELECT mlmon.embedding_ratio(e4, c) FROM embedding_parallel_test"),
           has_partial(cur, "SELECT mlmon.embedding_distance(e4, c) FROM embedding_parallel_test")), (False, True))
cur.execute("SET parallel_tuple_cost = 0")


def fields(s):
    f = s.strip("()").split(",")
    return f[0], float(f[1]), float(f[2]), f[3], f[4:]


# the combine itself is tested with its cost lowered (restored at the end)
ratio_cheap = cheap_combine(cur, "mlmon._embedding_ratio_combine(mlmon.embedding_ratio_state, mlmon.embedding_ratio_state)")
with ratio_cheap:
    cur.execute("EXPLAIN " + q)
    chk.equal("parallel plan has a Partial Aggregate", any("Partial Aggregate" in r[0] for r in cur.fetchall()), True)
    cur.execute(q)
    par = cur.fetchone()
    cur.execute("RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; "
                "RESET min_parallel_table_scan_size")
    for i, (s, p) in enumerate(zip(serial, par)):
        fs, fp = fields(s), fields(p)
        chk.close(f"parallel #{i}:statistic", fp[1], fs[1], STAT_RTOL)
        chk.close(f"parallel #{i}:threshold", fp[2], fs[2], STAT_RTOL)
        chk.equal(f"parallel #{i} decision and counts", (fp[0], fp[3], fp[4]), (fs[0], fs[3], fs[4]))
    want = evidently_distance(ref, cur_, "cityblock", 0.2, True, 0.95)
    chk.close("parallel bootstrap:statistic", fields(par[2])[1], want[0], STAT_RTOL)
    chk.close("parallel bootstrap:threshold", fields(par[2])[2], want[1], STAT_RTOL)
    for i, col, conv in ((3, "e4", np.float32), (4, "e8", np.float64)):
        want = evidently_ratio(ref.astype(conv).astype(np.float64), cur_.astype(conv).astype(np.float64), 0.02)
        chk.close(f"parallel ratio {col}:statistic", fields(par[i])[1], want[0], 0.0)
    cur.execute("DROP TABLE embedding_parallel_test")

    # partial states that fixed different dimensions: a Parallel Append over two
    # partitions of 4 and 6 dimensions, the leader not scanning and each row
    # slowed by pg_sleep(0.002), so each worker starts on its own partition.  Whichever dimension the combined
    # state keeps, its rows give the oracle's statistic and the other
    # partition's rows are counted as of the wrong length (never a crash, never
    # a lost row).  test/regress/embedding.sql drives the distance combine
    # through hand-made states deterministically.
    parts = {4: (rng.normal(size=(50, 4)), rng.normal(0.5, 1, size=(50, 4))),
             6: (rng.normal(size=(40, 6)), rng.normal(0.0, 1, size=(30, 6)))}
    cur.execute("DROP TABLE IF EXISTS embedding_dims_test")
    cur.execute("CREATE TABLE embedding_dims_test (k int, e8 float8[], e4 float4[], c boolean) PARTITION BY LIST (k)")
    for d, (r_, c_) in parts.items():
        cur.execute(f"CREATE TABLE embedding_dims_test_{d} PARTITION OF embedding_dims_test FOR VALUES IN ({d})")
        rows = [(d, "{" + ",".join(repr(float(x)) for x in r) + "}", cc) for rr, cc in ((r_, False), (c_, True)) for r in rr]
        cur.executemany("INSERT INTO embedding_dims_test VALUES (%s, %s::float8[], %s::float8[]::float4[], %s)",
                        [(k, e, e, cc) for k, e, cc in rows])
    cur.execute("ANALYZE embedding_dims_test")
    cur.execute("SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
                "SET min_parallel_table_scan_size = 0; SET parallel_leader_participation = off; "
                "SET enable_parallel_append = on")
    qd = ("SELECT (mlmon.embedding_distance(e8, c)).*, (mlmon.embedding_ratio(e4, c)).*, "
          "(mlmon.embedding_ratio(e8, c)).* FROM embedding_dims_test WHERE pg_sleep(0.002)::text IS NOT NULL")
    cur.execute("EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF) " + qd)
    plan = [r[0] for r in cur.fetchall()]
    chk.equal("dimensions: a Parallel Append under a Partial Aggregate",
              (any("Parallel Append" in x for x in plan), any("Partial Aggregate" in x for x in plan)), (True, True))
    # the scans of the two partitions ran in different workers: two partial states of different dimensions
    workers = []
    for i, x in enumerate(plan):
        if "Seq Scan on" in x:
            j = i + 1
            while j < len(plan) and "->" not in plan[j]:
                if plan[j].strip().startswith("Worker") and "rows=0 " not in plan[j]:
                    workers.append(plan[j].split(":")[0].strip())
                j += 1
    chk.equal("dimensions: each partition scanned by one worker, not the same", (len(workers), len(set(workers))), (2, 2))
    seen = set()
    for attempt in range(4):
        cur.execute(qd)
        row = cur.fetchone()
        for k, col in enumerate(("distance e8", "ratio e4", "ratio e8")):
            f = row[10 * k:10 * k + 10]
            d = f[6]
            seen.add(d)
            if d not in parts:
                chk.equal(f"dimensions #{attempt} {col}: the dimension of a partition", d, list(parts))
                continue
            r_, c_ = parts[d]
            other = sum(x.shape[0] for dd, xs in parts.items() if dd != d for x in xs)
            if col.endswith("e4"):
                r_, c_ = r_.astype(np.float32).astype(np.float64), c_.astype(np.float32).astype(np.float64)
            want = evidently_distance(r_, c_, "euclidean")[0] if k == 0 else evidently_ratio(r_, c_)[0]
            chk.close(f"dimensions #{attempt} {col} d={d}:statistic", f[1], float(want), STAT_RTOL)
            chk.equal(f"dimensions #{attempt} {col} d={d} counts", tuple(f[4:6]) + tuple(f[7:]),
                      (r_.shape[0], c_.shape[0], 0, other, 0))
    print(f"  partial states of different dimensions: combined states kept dimension(s) {sorted(seen)}")
    cur.execute("RESET max_parallel_workers_per_gather; RESET parallel_setup_cost; RESET parallel_tuple_cost; "
                "RESET min_parallel_table_scan_size; RESET parallel_leader_participation; RESET enable_parallel_append")
    cur.execute("DROP TABLE embedding_dims_test")

chk.finish()
