#!/usr/bin/python3
"""Benchmark of reference profiles (run by bench/profiles on a throwaway
cluster), as ratios within one run:
- building a profile of 10M rows against the scan floor (SELECT avg(value));
- the size of the profile of 100M rows;
- the (value, reference profile) statistics on 10M rows against the scan floor;
- KS against a profile as a sliding window over 1M rows: per-row cost with
  a 100,000-row frame against a 1,000-row frame (the statistic, method
  'none'); the same with p-values on fewer rows; and, for contrast, the
  two-sample aggregate (no inverse transition) over such frames on fewer
  rows."""
import argparse
import os
import time

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=10_000_000)
ap.add_argument("--big-rows", type=int, default=100_000_000)
ap.add_argument("--window-rows", type=int, default=1_000_000)
ap.add_argument("--pvalue-rows", type=int, default=20_000)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "profiles.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'prof_num'")
if cur.fetchone()[0] == 0:
    print(f"creating tables of {args.rows:,} rows ...", flush=True)
    cur.execute(f"""CREATE TABLE prof_num AS
        SELECT (random() + random() + random()) * 10 AS value, 'cat' || floor(random() * 20)::int AS category
          FROM generate_series(1, {args.rows}) g""")
    cur.execute("VACUUM ANALYZE prof_num")
    cur.execute(f"""CREATE TABLE prof_win AS
        SELECT g AS ts, (random() + random() + random()) * 10 + g * 1e-6 AS value
          FROM generate_series(1, {args.window_rows}) g""")
    cur.execute("VACUUM ANALYZE prof_win")
    cur.execute("""CREATE TABLE prof_ref AS
        SELECT mlmon.profile(value) AS num, mlmon.profile(category) AS cat
          FROM (SELECT * FROM prof_num LIMIT 1000000) s""")


def timed(sql, reps=args.reps):
    return benchlib.timed(cur, sql, reps=reps)


res = {}
lines = []


def row(name, sql, reps=args.reps):
    res[name] = timed(sql, reps)
    print(f"{name:55s} {res[name]:8.3f} s", flush=True)


row("scan floor: avg(value)", "SELECT avg(value) FROM prof_num")
row("scan floor: count(category)", "SELECT count(category) FROM prof_num")
row("profile(value)", "SELECT mlmon.profile(value) FROM prof_num")
row("profile(category)", "SELECT mlmon.profile(category) FROM prof_num")
for name, sql in (
        ("ks_2samp(value, profile)", "SELECT mlmon.ks_2samp(value, (SELECT num FROM prof_ref)) FROM prof_num"),
        ("psi(value, profile)", "SELECT mlmon.psi(value, (SELECT num FROM prof_ref)) FROM prof_num"),
        ("jensen_shannon(value, profile)", "SELECT mlmon.jensen_shannon(value, (SELECT num FROM prof_ref)) FROM prof_num"),
        ("wasserstein(value, profile) (stores the values)", "SELECT mlmon.wasserstein(value, (SELECT num FROM prof_ref)) FROM prof_num"),
        ("chi2_drift(category, profile)", "SELECT mlmon.chi2_drift(category, (SELECT cat FROM prof_ref)) FROM prof_num"),
        ("psi(category, profile)", "SELECT mlmon.psi(category, (SELECT cat FROM prof_ref)) FROM prof_num")):
    row(name, sql)

cur.execute("SELECT mlmon.summary(num) FROM prof_ref")
ref_summary = cur.fetchone()[0]

# sliding windows: per-row cost
wins = {}
for w in (1000, 100000):
    sql = f"""SELECT count(r) FROM (SELECT mlmon.ks_2samp(value, (SELECT num FROM prof_ref), 'two-sided', 'none')
               OVER (ORDER BY ts ROWS BETWEEN {w - 1} PRECEDING AND CURRENT ROW) AS r FROM prof_win) s"""
    wins[w] = timed(sql, 1) / args.window_rows
    print(f"window {w:>7,} rows, moving aggregate, statistic: {wins[w] * 1e6:8.2f} us/row", flush=True)
pwins = {}
for w in (1000, 10000):
    sql = f"""SELECT count(r) FROM (SELECT mlmon.ks_2samp(value, (SELECT num FROM prof_ref))
               OVER (ORDER BY ts ROWS BETWEEN {w - 1} PRECEDING AND CURRENT ROW) AS r
               FROM prof_win WHERE ts <= {args.pvalue_rows}) s"""
    pwins[w] = timed(sql, 1) / args.pvalue_rows
    print(f"window {w:>7,} rows, moving aggregate, with p-values: {pwins[w] * 1e6:8.2f} us/row", flush=True)
contrast_rows = 20000
contrast = {}
for w in (1000, 10000):
    sql = f"""SELECT count(r) FROM (SELECT mlmon.ks_2samp(value, ts % 2 = 0)
               OVER (ORDER BY ts ROWS BETWEEN {w - 1} PRECEDING AND CURRENT ROW) AS r
               FROM prof_win WHERE ts <= {contrast_rows}) s"""
    contrast[w] = timed(sql, 1) / contrast_rows
    print(f"window {w:>7,} rows, two-sample (no inverse): {contrast[w] * 1e6:8.2f} us/row", flush=True)

print(f"building the profile of {args.big_rows:,} values ...", flush=True)
t0 = time.perf_counter()
cur.execute(f"SELECT pg_column_size(p), mlmon.error_bound(p), mlmon.count(p) FROM (SELECT mlmon.profile(random()) AS p FROM generate_series(1, {args.big_rows})) s")
big_size, big_bound, big_n = cur.fetchone()
big_time = time.perf_counter() - t0

floor_n, floor_c = res["scan floor: avg(value)"], res["scan floor: count(category)"]
lines = [f"# Reference profile benchmark ({args.rows:,} rows, no parallel workers)", "",
         f"Machine: {benchlib.machine()}; medians of {args.reps} runs.", "",
         "| query | seconds | x scan floor |", "|---|---:|---:|"]
for name in res:
    fl = floor_c if "category" in name else floor_n
    lines.append(f"| {name} | {res[name]:.3f} | {res[name] / fl:.2f} |")
lines += ["", "Scan floor: SELECT avg(value) (numeric rows), SELECT count(category) (categorical rows).",
          f"Reference profile used: {ref_summary}", "",
          f"Profile of {big_n:,} values: {big_size:,} bytes, error bound {big_bound:.4%}, built in {big_time:.0f} s.", "",
          f"Sliding window over {args.window_rows:,} rows, ks_2samp(value, profile, 'two-sided', 'none') with the moving aggregate:",
          f"{wins[1000] * 1e6:.2f} us/row with a 1,000-row frame, {wins[100000] * 1e6:.2f} us/row with a 100,000-row frame "
          f"(ratio {wins[100000] / wins[1000]:.2f}).",
          f"With p-values (method 'auto', asymptotic here) over {args.pvalue_rows:,} rows: {pwins[1000] * 1e6:.1f} us/row "
          f"(1,000-row frame), {pwins[10000] * 1e6:.1f} us/row (10,000-row frame).",
          f"Two-sample ks_2samp(value, is_current) over the same kind of frame, re-aggregating every frame ({contrast_rows:,} rows): "
          f"{contrast[1000] * 1e6:.1f} us/row (1,000-row frame), {contrast[10000] * 1e6:.1f} us/row (10,000-row frame)."]
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    f.write(text)
print("written to", args.out)
