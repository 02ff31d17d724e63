#!/usr/bin/python3
"""Benchmark of the drift statistics on a 10M-row table (value float8,
is_current boolean, half each), run by bench/statistics on a throwaway
cluster.  Every query's time is reported as a ratio to the scan floor
(SELECT avg(value)) and to a built-in that sorts (percentile_cont), medians
of several repetitions, with parallel workers off and on.  The same
statistics written in plain SQL (KS with window functions, PSI with
width_bucket) are timed too.  Ratios, not seconds, are the result: the
machines are shared and noisy."""
import argparse
import os

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=10_000_000)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--plain-sql-reps", type=int, default=1)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "statistics.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'bench_num'")
if cur.fetchone()[0] == 0:
    print(f"creating bench tables with {args.rows:,} rows ...", flush=True)
    cur.execute(f"""CREATE TABLE bench_num AS
        SELECT (random() + random() + random()) * 10 + (g % 2) * 0.3 AS value, g % 2 = 1 AS is_current
          FROM generate_series(1, {args.rows}) g""")
    cur.execute(f"""CREATE TABLE bench_cat AS
        SELECT 'cat' || floor(random() * 20 + (g % 2) * random() * 2)::int AS category, g % 2 = 1 AS is_current
          FROM generate_series(1, {args.rows}) g""")
    cur.execute("VACUUM ANALYZE bench_num")
    cur.execute("VACUUM ANALYZE bench_cat")

QUERIES = [
    ("scan floor: avg(value)", "SELECT avg(value) FROM bench_num", "num"),
    ("percentile_cont(0.5)", "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY value) FROM bench_num", "num"),
    ("ks_2samp", "SELECT mlmon.ks_2samp(value, is_current) FROM bench_num", "num"),
    ("wasserstein", "SELECT mlmon.wasserstein(value, is_current) FROM bench_num", "num"),
    ("wasserstein_normed", "SELECT mlmon.wasserstein_normed(value, is_current) FROM bench_num", "num"),
    ("psi (10 quantile bins)", "SELECT mlmon.psi(value, is_current) FROM bench_num", "num"),
    ("psi (evidently bins)", "SELECT mlmon.psi(value, is_current, 'evidently') FROM bench_num", "num"),
    ("jensen_shannon", "SELECT mlmon.jensen_shannon(value, is_current) FROM bench_num", "num"),
    ("scan floor: count(category)", "SELECT count(category) FROM bench_cat", "cat"),
    ("chi2_drift", "SELECT mlmon.chi2_drift(category, is_current) FROM bench_cat", "cat"),
    ("psi (categorical)", "SELECT mlmon.psi(category, is_current) FROM bench_cat", "cat"),
    ("jensen_shannon (categorical)", "SELECT mlmon.jensen_shannon(category, is_current) FROM bench_cat", "cat"),
]
# The drift-test catalogue (0.3.0): timed when the installed mlmon has them.
CATALOGUE = [
    ("t_test (Welch)", "SELECT mlmon.t_test(value, is_current) FROM bench_num", "num", "mlmon.t_test(float8, boolean)"),
    ("mann_whitney", "SELECT mlmon.mann_whitney(value, is_current) FROM bench_num", "num",
     "mlmon.mann_whitney(float8, boolean)"),
    ("cramer_von_mises", "SELECT mlmon.cramer_von_mises(value, is_current) FROM bench_num", "num",
     "mlmon.cramer_von_mises(float8, boolean)"),
    ("anderson_darling", "SELECT mlmon.anderson_darling(value, is_current) FROM bench_num", "num",
     "mlmon.anderson_darling(float8, boolean)"),
    ("energy_distance", "SELECT mlmon.energy_distance(value, is_current) FROM bench_num", "num",
     "mlmon.energy_distance(float8, boolean)"),
    ("hellinger", "SELECT mlmon.hellinger(value, is_current) FROM bench_num", "num", "mlmon.hellinger(float8, boolean)"),
    ("kl_div", "SELECT mlmon.kl_div(value, is_current) FROM bench_num", "num", "mlmon.kl_div(float8, boolean)"),
    ("hellinger (categorical)", "SELECT mlmon.hellinger(category, is_current) FROM bench_cat", "cat",
     "mlmon.hellinger(text, boolean)"),
    ("kl_div (categorical)", "SELECT mlmon.kl_div(category, is_current) FROM bench_cat", "cat",
     "mlmon.kl_div(text, boolean)"),
    ("g_test", "SELECT mlmon.g_test(category, is_current) FROM bench_cat", "cat", "mlmon.g_test(text, boolean)"),
    ("tvd (1000 permutations)", "SELECT mlmon.tvd(category, is_current) FROM bench_cat", "cat",
     "mlmon.tvd(text, boolean)"),
    ("epps_singleton", "SELECT mlmon.epps_singleton(value, is_current) FROM bench_num", "num",
     "mlmon.epps_singleton(float8, boolean)"),
    # mmd is O(distinct values^2) per relabelling and refuses more than 5,000 distinct values: a
    # sample of 1 row in 1000 of the table (2,000 rows at 2 million), its scan included
    ("mmd (1 row in 1000)", "SELECT mlmon.mmd(value, is_current) FILTER (WHERE hashfloat8(value) % 1000 = 0) FROM bench_num", "num",
     "mlmon.mmd(float8, boolean)"),
]
for name, sql, table, proc in CATALOGUE:
    cur.execute("SELECT to_regprocedure(%s) IS NOT NULL", (proc,))
    if cur.fetchone()[0]:
        QUERIES.append((name, sql, table))
PLAIN = [
    ("plain SQL KS (window functions)", benchlib.PLAIN_KS.format(t="bench_num"), "num"),
    ("plain SQL PSI (width_bucket)", benchlib.PLAIN_PSI.format(t="bench_num"), "num"),
]


def timed(sql, reps):
    return benchlib.timed(cur, sql, reps=reps)


results = {}
for workers in (0, 2):
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    for name, sql, table in QUERIES + PLAIN:
        reps = args.plain_sql_reps if (name, sql, table) in PLAIN else args.reps
        results[(name, workers)] = timed(sql, reps)
        print(f"workers={workers} {name:34s} {results[(name, workers)]:8.3f} s", flush=True)


def floor_of(table, workers):
    return results[("scan floor: avg(value)" if table == "num" else "scan floor: count(category)", workers)]


lines = [f"# Drift statistics benchmark ({args.rows:,} rows, half reference, half current)", "",
         f"Machine: {benchlib.machine()}; "
         f"medians of {args.reps} runs ({args.plain_sql_reps} for plain SQL).", "",
         "| query | workers 0: s | x scan floor | x percentile_cont | workers 2: s | x scan floor | speed-up with 2 workers |",
         "|---|---:|---:|---:|---:|---:|---:|"]
for name, sql, table in QUERIES + PLAIN:
    t0, t2 = results[(name, 0)], results[(name, 2)]
    pc = results[("percentile_cont(0.5)", 0)]
    lines.append(f"| {name} | {t0:.3f} | {t0 / floor_of(table, 0):.2f} | "
                 f"{(t0 / pc if table == 'num' else float('nan')):.2f} | {t2:.3f} | "
                 f"{t2 / floor_of(table, 2):.2f} | {t0 / t2:.2f} |")
lines += ["", f"Scan floor of the categorical queries: SELECT count(category) on a {args.rows:,}-row text table."]
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    f.write(text)
print("written to", args.out)
