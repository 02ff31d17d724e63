#!/usr/bin/python3
"""mlmon against the alternatives users would pick (run by bench/compare on a
throwaway cluster), in one process and one run, as ratios:

- each statistic at 100k, 1M and 10M rows (half reference, half current)
  against the scan floor (SELECT avg(value) / count(category)), the same
  statistic in plain SQL, the Python path end to end (psycopg2 fetch into
  NumPy, then SciPy: what Evidently and NannyML do) and SciPy's compute
  alone; parallel workers 0 and 2; the backend's peak memory (VmHWM from
  /proc, reset before each query); the size of a stored profile;
- the sliding-window form (KS against a profile) at frames of 1,000 and
  100,000 rows over 1M rows;
- a full check of 20 features (run_checks) against the Python way of the
  seed workflow (fetch, per-feature KS with SciPy, output drift, metrics
  with scikit-learn), end to end, at 100k and 1M rows per window
  (--check-sizes).  The window is the reference window 24 hours later,
  widened to whole buckets.  run_checks with KS on every feature and with
  Evidently's test choice, parallel workers 0 and 2, three ways each: the
  first check (mlmon.forget_summaries before each rep: it reads the rows and
  summarises every bucket), the stored check (the same check again: it
  merges the stored summaries) and the re-read (SET mlmon.summaries = off:
  every row read, nothing stored, as 0.2.0).

Writes bench/RESULTS.md (--out); --sizes '' skips the statistics and the
sliding window (only the check section is then written)."""
import argparse
import os
import statistics
import time

import numpy as np
from scipy import stats
from scipy.spatial import distance
from sklearn import metrics as skm

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--sizes", default="100000,1000000,10000000")
ap.add_argument("--check-sizes", default="100000,1000000")
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md"))
args = ap.parse_args()
SIZES = [int(s) for s in args.sizes.split(",") if s]
CHECK_SIZES = [int(s) for s in args.check_sizes.split(",") if s]
MEM_GIB = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30

conn, cur = benchlib.connect()
cur.execute("SELECT pg_backend_pid()")
PID = cur.fetchone()[0]


def reset_peak():
    try:
        with open(f"/proc/{PID}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mib():
    try:
        for line in open(f"/proc/{PID}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def timed(sql, reps):
    return benchlib.timed(cur, sql, reps=reps)


def py_timed(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def fetch(sql):
    cur.execute(sql)
    return cur.fetchall()


def numeric_arrays(t):
    rows = fetch(f"SELECT value, is_current FROM {t}")
    v = np.fromiter((r[0] for r in rows), float, len(rows))
    c = np.fromiter((r[1] for r in rows), bool, len(rows))
    return v[~c], v[c]


def category_arrays(t):
    rows = fetch(f"SELECT category, is_current FROM {t}")
    cat = np.array([r[0] for r in rows])
    c = np.fromiter((r[1] for r in rows), bool, len(rows))
    return cat[~c], cat[c]


def py_psi(a, b):
    edges = np.quantile(a, np.linspace(0.1, 0.9, 9))
    ra = np.bincount(np.searchsorted(edges, a, side="right"), minlength=10) / len(a)
    rb = np.bincount(np.searchsorted(edges, b, side="right"), minlength=10) / len(b)
    ra, rb = np.maximum(ra, 1e-4), np.maximum(rb, 1e-4)
    return float(np.sum((ra - rb) * np.log(ra / rb)))


def py_js(a, b):
    edges = np.quantile(a, np.linspace(0.1, 0.9, 9))
    return float(distance.jensenshannon(np.bincount(np.searchsorted(edges, a, side="right"), minlength=10),
                                        np.bincount(np.searchsorted(edges, b, side="right"), minlength=10)))


def py_chi2(a, b):
    cats, ia = np.unique(a, return_inverse=True)
    ref = np.bincount(ia, minlength=len(cats))
    cur_ = np.bincount(np.searchsorted(cats, b), minlength=len(cats))
    return stats.chisquare(cur_, ref / ref.sum() * len(b))


def py_cat_psi(a, b):
    cats, ia = np.unique(a, return_inverse=True)
    ra = np.maximum(np.bincount(ia, minlength=len(cats)) / len(a), 1e-4)
    rb = np.maximum(np.bincount(np.searchsorted(cats, b), minlength=len(cats)) / len(b), 1e-4)
    return float(np.sum((ra - rb) * np.log(ra / rb)))


STATS = [  # name, mlmon SQL, kind, Python compute on arrays, plain SQL
    ("ks_2samp", "SELECT mlmon.ks_2samp(value, is_current) FROM {t}", "num", lambda a, b: stats.ks_2samp(a, b),
     benchlib.PLAIN_KS),
    ("wasserstein", "SELECT mlmon.wasserstein(value, is_current) FROM {t}", "num",
     lambda a, b: stats.wasserstein_distance(a, b), None),
    ("psi (10 quantile bins)", "SELECT mlmon.psi(value, is_current) FROM {t}", "num", py_psi, benchlib.PLAIN_PSI),
    ("jensen_shannon", "SELECT mlmon.jensen_shannon(value, is_current) FROM {t}", "num", py_js, None),
    ("chi2_drift", "SELECT mlmon.chi2_drift(category, is_current) FROM {t}", "cat", py_chi2, None),
    ("psi (categorical)", "SELECT mlmon.psi(category, is_current) FROM {t}", "cat", py_cat_psi, None),
]

out = ["# mlmon against the Python path", "",
       f"Machine: {benchlib.machine()}, {MEM_GIB:.0f} GiB; medians of {args.reps} runs (1 at 10M rows for the "
       "Python path and plain SQL).  Ratios are within this run: the machine is shared and noisy.", ""]
rows_out = []
for n in SIZES:
    t = f"cmp_{n}"
    reps = args.reps if n < 10_000_000 else 1
    cur.execute("SELECT count(*) FROM pg_class WHERE relname = %s", (t,))
    if cur.fetchone()[0] == 0:
        print(f"creating {t} ...", flush=True)
        cur.execute(f"""CREATE TABLE {t} AS
            SELECT (random() + random() + random()) * 10 + (g % 2) * 0.3 AS value, g % 2 = 1 AS is_current,
                   'cat' || floor(random() * 20 + (g % 2) * random() * 2)::int AS category
              FROM generate_series(1, {n}) g""")
        cur.execute(f"VACUUM ANALYZE {t}")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    floor_sql = {"num": f"SELECT avg(value) FROM {t}", "cat": f"SELECT count(category) FROM {t}"}
    a_num = numeric_arrays(t)
    a_cat = category_arrays(t)
    for name, sql, kind, pyfn, plain in STATS:
        q = sql.format(t=t)
        cur.execute("SET max_parallel_workers_per_gather = 0")
        # the scan floor right before the statistic: the machine's speed drifts within a run
        floor = timed(floor_sql[kind], reps)
        reset_ok = reset_peak()
        t0 = timed(q, reps)
        mem = peak_mib() if reset_ok else float("nan")
        cur.execute("SET max_parallel_workers_per_gather = 2")
        t2 = timed(q, reps)
        cur.execute("SET max_parallel_workers_per_gather = 0")
        tp = timed(plain.format(t=t), 1) if plain else None
        arrays = a_num if kind == "num" else a_cat
        t_compute = py_timed(lambda: pyfn(*arrays), reps)
        t_e2e = py_timed(lambda: pyfn(*(numeric_arrays(t) if kind == "num" else category_arrays(t))), 1 if n >= 10_000_000 else reps)
        rows_out.append((n, name, t0, t2, floor, tp, t_e2e, t_compute, mem))
        print(f"{n:>10,} {name:24} mlmon {t0:7.3f}s  2w {t2:7.3f}s  floor {floor:6.3f}s  "
              f"python e2e {t_e2e:7.3f}s  scipy {t_compute:7.3f}s  peak {mem:6.0f} MiB", flush=True)
    cur.execute(f"SELECT pg_column_size(mlmon.profile(value)) FROM {t} WHERE NOT is_current")
    prof = cur.fetchone()[0]
    rows_out.append((n, "profile size (bytes)", prof, None, None, None, None, None, None))
cur.execute("SET max_parallel_workers_per_gather = 0")

out += ["## Statistics", "",
        "| rows | statistic | mlmon s | x scan floor | 2 workers: speed-up | plain SQL: x mlmon | Python end-to-end: x mlmon | SciPy compute alone: x mlmon | backend peak MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
for n, name, t0, t2, floor, tp, te, tc, mem in rows_out:
    if t2 is None:
        out.append(f"| {n:,} | {name} | {t0:,} | | | | | | |")
        continue
    out.append(f"| {n:,} | {name} | {t0:.3f} | {t0 / floor:.2f} | {t0 / t2:.2f} | "
               f"{'' if tp is None else f'{tp / t0:.1f}'} | {te / t0:.1f} | {tc / t0:.2f} | {mem:.0f} |")

# sliding windows
if 1_000_000 in SIZES:
    cur.execute("CREATE TEMP TABLE win AS SELECT row_number() OVER () AS id, value FROM cmp_1000000 WHERE is_current")
    cur.execute("CREATE TEMP TABLE winref AS SELECT mlmon.profile(value) AS p FROM cmp_1000000 WHERE NOT is_current")
    per_row = {}
    for k in (1000, 100000):
        sec = timed(f"""SELECT max((ks).statistic) FROM (
            SELECT mlmon.ks_2samp(value, (SELECT p FROM winref), 'two-sided', 'none')
                   OVER (ORDER BY id ROWS BETWEEN {k - 1} PRECEDING AND CURRENT ROW) AS ks FROM win) s""", 1)
        per_row[k] = sec / 500_000 * 1e6
    out += ["", "## Sliding window: ks_2samp(value, profile, 'two-sided', 'none') over 500,000 rows", "",
            f"{per_row[1000]:.2f} us per row with a 1,000-row frame, {per_row[100000]:.2f} us with a 100,000-row frame "
            f"(ratio {per_row[100000] / per_row[1000]:.2f}).  The Python path has no counterpart short of re-running SciPy per "
            "frame (see bench/results/profiles.md for re-aggregation in SQL: 78 and 815 us per row)."]

# the 20-feature check against the Python way of the seed workflow
out += ["", "## A check of 20 features: run_checks against the seed's Python way", "",
        "Python way: fetch both windows (20 features, prediction, label) with psycopg2, KS per feature with SciPy "
        "(p < 0.05), output drift by the seed's chi-square on prediction shares, accuracy / precision / recall / F1 "
        "(weighted) with scikit-learn.  mlmon: run_checks with KS for every feature as the Python way does "
        "(drift_settings '*'), and with Evidently's test choice (normed Wasserstein above 1,000 reference rows).", "",
        "The window is the model's reference window 24 hours later, widened to whole buckets (hours): every row of the "
        "current window and nothing else.  Three ways to run the same check:", "",
        "- **first check**: no summary stored (they are forgotten before each run): the check reads the window's rows "
        "once, summarizing each closed bucket, stores the summaries and merges them;",
        "- **stored**: the same check again: it merges the stored summaries of the window's buckets and reads no row;",
        "- **re-read** (`SET mlmon.summaries = off`): reads every row and stores nothing, as 0.2.0 did.", "",
        "Each with parallel workers off and with 2 allowed.", "",
        "| rows per window | test | workers | first check | stored | re-read | Python way | Python / first check | Python / stored | backend peak MiB (first check) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
NF = 20
cols = ", ".join(f"(features->>'f{j:02d}')::float8" for j in range(1, NF + 1))
for n in CHECK_SIZES:
    model = f"cmp_check_{n}"
    cur.execute("SELECT count(*) FROM mlmon.models WHERE name = %s", (model,))
    if cur.fetchone()[0] == 0:
        print(f"logging 2 x {n:,} predictions ...", flush=True)
        benchlib.log_model(cur, model, n, NF)
    cur.execute("""SELECT date_bin(m.bucket_width, w.window_start + interval '24 hours', '2000-01-01+00'),
                          date_bin(m.bucket_width, w.window_end + interval '24 hours' - interval '1 microsecond',
                                   '2000-01-01+00') + m.bucket_width,
                          w.window_start, w.window_end
                     FROM mlmon.reference_windows w JOIN mlmon.models m ON m.name = w.model WHERE w.model = %s""", (model,))
    wfrom, wto, rfrom, rto = cur.fetchone()
    reps = args.reps

    def python_way():
        def window(lo, hi):
            rows = fetch(f"""SELECT {cols}, p.predicted_label, l.label FROM mlmon.predictions p
                              LEFT JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
                             WHERE p.model = '{model}' AND p.ts >= '{lo.isoformat()}' AND p.ts < '{hi.isoformat()}'""")
            x = np.array([r[:NF] for r in rows], dtype=float)
            return x, np.array([r[NF] for r in rows]), np.array([r[NF + 1] for r in rows])
        xr, pr, _ = window(rfrom, rto)
        xc, pc, yc = window(wfrom, wto)
        drifted = [j for j in range(NF) if stats.ks_2samp(xr[:, j], xc[:, j]).pvalue < 0.05]
        base = dict(zip(*np.unique(pr, return_counts=True)))
        now_ = dict(zip(*np.unique(pc, return_counts=True)))
        chi = sum((now_.get(k, 0.01 * len(pc)) / len(pc) - base.get(k, 0.01 * len(pr)) / len(pr)) ** 2
                  / max(base.get(k, 0) / len(pr), 0.01) for k in set(base) | set(now_))
        stats.chi2.sf(chi, len(set(base) | set(now_)) - 1)
        skm.accuracy_score(yc, pc)
        skm.precision_recall_fscore_support(yc, pc, average="weighted", zero_division=0)
        return drifted

    cur.execute("SET max_parallel_workers_per_gather = 0")
    t_py = py_timed(python_way, max(1, reps - 1) if n >= 1_000_000 else reps)
    check_sql = "SELECT mlmon.run_checks(%s, %s, %s)"
    for test in ("ks", "evidently"):
        cur.execute("DELETE FROM mlmon.drift_settings WHERE model = %s", (model,))
        if test == "ks":
            cur.execute("INSERT INTO mlmon.drift_settings VALUES (%s, '*', 'ks', NULL)", (model,))
        for workers in (0, 2):
            cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
            first = []
            peak = float("nan")
            for _ in range(reps):
                cur.execute("SELECT mlmon.forget_summaries(%s)", (model,))
                reset_ok = reset_peak()
                first.append(benchlib.timed(cur, check_sql, (model, wfrom, wto), 1))
                peak = peak_mib() if reset_ok else float("nan")
            t_first = statistics.median(first)
            t_stored = benchlib.timed(cur, check_sql, (model, wfrom, wto), reps)
            cur.execute("SET mlmon.summaries = off")
            t_reread = benchlib.timed(cur, check_sql, (model, wfrom, wto), reps)
            cur.execute("RESET mlmon.summaries")
            out.append(f"| {n:,} | {'KS' if test == 'ks' else 'Evidently'} | {workers} | {t_first:.2f} s | "
                       f"{t_stored:.3f} s | {t_reread:.2f} s | {t_py:.2f} s | {t_py / t_first:.1f} | "
                       f"{t_py / t_stored:.0f} | {peak:.0f} |")
            print(out[-1], flush=True)
    cur.execute("SET max_parallel_workers_per_gather = 0")

out += ["", "Command: `bench/compare` (options: `--sizes`, `--check-sizes`, `--reps`).  10M rows need about 2 GiB "
        f"in the Python process; this machine has {MEM_GIB:.0f} GiB, so nothing was skipped."
        if MEM_GIB >= 8 else "10M rows skipped: not enough memory."]
with open(args.out, "w") as f:
    f.write("\n".join(out) + "\n")
print("\n".join(out))
