#!/usr/bin/python3
"""Benchmark of the monitoring layer (run by bench/monitoring on a
throwaway cluster), as ratios within one run:
- run_checks on a model with 20 numeric features: the current window and the
  reference window hold --rows rows each; against one feature's query (the
  same drift test, effect size and quality counts for a single feature, read
  from the same window), so the ratio says what reading the window once
  saves over 20 separate queries (which would cost about 20x), and where the
  check's time goes (its parts as queries of their own);
- logging: inserts per second with pgbench (4 clients) into mlmon.predictions
  against a bare table of the same shape, without partitions or indexes."""
import argparse
import os
import re
import statistics
import subprocess
import tempfile

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--features", type=int, default=20)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--pgbench-seconds", type=int, default=20)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "monitoring.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
NF = args.features

cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'bench'")
if cur.fetchone()[0] == 0:
    print(f"logging 2 x {args.rows:,} predictions with {NF} features ...", flush=True)
    benchlib.log_model(cur, "bench", args.rows, NF)
cur.execute("""SELECT window_start + interval '24 hours', window_end + interval '24 hours'
                 FROM mlmon.reference_windows WHERE model = 'bench'""")
wfrom, wto = cur.fetchone()


def timed(sql, params=(), reps=args.reps):
    return benchlib.timed(cur, sql, params, reps)


lines = []
results = {}
for workers in (0, 2):
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    t_check = timed("SELECT mlmon.run_checks('bench', %s, %s)", (wfrom, wto))
    # one feature's share of the work, as a query of its own
    one = """SELECT mlmon.wasserstein_normed(v, (SELECT profile FROM mlmon.reference_profiles
                                                  WHERE model = 'bench' AND feature = 'f01')),
                    count(*) FILTER (WHERE v <> 'NaN'), count(*) FILTER (WHERE v IS NULL), count(*) FILTER (WHERE v = 'NaN'),
                    count(*) FILTER (WHERE v <> 'NaN' AND (v < 0 OR v > 10))
               FROM (SELECT (mlmon._jsonb_numbers(p.features, '{f01}'))[1] AS v, mlmon._fence() AS fence
                       FROM mlmon.predictions p WHERE p.model = 'bench' AND p.ts >= %s AND p.ts < %s) q"""
    t_one = timed(one, (wfrom, wto))
    t_floor = timed("SELECT count(*) FROM mlmon.predictions p WHERE p.model = 'bench' AND p.ts >= %s AND p.ts < %s", (wfrom, wto))
    results[workers] = (t_check, t_one, t_floor)
    lines.append(f"| {workers} | {t_check:.2f} s | {t_one:.2f} s | {t_check / t_one:.1f}x | {t_floor:.2f} s |")
    print(lines[-1], flush=True)

# where a check's time goes (no workers): each part of run_checks' one read
# as a query of its own over the same window, as time above its own floor
cur.execute("SET max_parallel_workers_per_gather = 0")
win = "FROM mlmon.predictions p WHERE p.model = 'bench' AND p.ts >= %s AND p.ts < %s"
keys = "'{" + ",".join(f"f{j:02d}" for j in range(1, NF + 1)) + "}'"
# as run_checks reads the labels: one primary-key lookup per row
t_labels = timed("SELECT count(l.label) FROM mlmon.predictions p LEFT JOIN LATERAL (SELECT l0.label "
                 "FROM mlmon.labels l0 WHERE l0.model = p.model AND l0.request_id = p.request_id LIMIT 1) l ON true "
                 "WHERE p.model = 'bench' AND p.ts >= %s AND p.ts < %s", (wfrom, wto))
t_arrays = timed(f"SELECT sum(cardinality(nv)) FROM (SELECT mlmon._jsonb_numbers(p.features, {keys}) AS nv, "
                 f"mlmon._fence() AS fence {win}) q", (wfrom, wto))
cur.execute("DROP TABLE IF EXISTS bench_arrays")
cur.execute(f"CREATE TEMP TABLE bench_arrays AS SELECT mlmon._jsonb_numbers(p.features, {keys}) AS nv {win}", (wfrom, wto))
cur.execute("DROP TABLE IF EXISTS bench_refs")
cur.execute("CREATE TEMP TABLE bench_refs AS SELECT array_agg(profile ORDER BY feature) AS p "
            "FROM mlmon.reference_profiles WHERE model = 'bench' AND role = 'feature'")
t_arrays_floor = timed("SELECT count(nv) FROM bench_arrays")


def per_feature(agg):
    items = ", ".join(f"mlmon.{agg}(nv[{j}], (SELECT p[{j}] FROM bench_refs))" for j in range(1, NF + 1))
    return timed(f"SELECT {items} FROM bench_arrays") - t_arrays_floor


t_ks = per_feature("ks_2samp")
t_ws = per_feature("wasserstein_normed")
t_check0 = results[0][0]
t_floor0 = results[0][2]
parts = [("scan floor (count of the window)", t_floor0),
         ("labels: one primary-key lookup per row", t_labels - t_floor0),
         (f"feature arrays: {NF} numbers per row from jsonb", t_arrays - t_floor0),
         (f"{NF} x wasserstein_normed(value, profile) (the default test), from stored arrays", t_ws)]
rest = t_check0 - sum(sec for _, sec in parts)
breakdown = [f"| {name} | {sec:.2f} s | {100 * sec / t_check0:.0f}% |" for name, sec in parts]
breakdown.append(f"| the rest (metrics, data quality, anomaly decision, CBPE, detector, latency, writing results) | "
                 f"{rest:.2f} s | {100 * rest / t_check0:.0f}% |")
breakdown.append(f"| (a check with KS on every feature adds {NF} x ks_2samp(value, profile), from stored arrays) | "
                 f"{t_ks:.2f} s | |")
for line in breakdown:
    print(line, flush=True)
cur.execute("DROP TABLE bench_arrays")
cur.execute("DROP TABLE bench_refs")
cur.execute("RESET max_parallel_workers_per_gather")

# logging throughput
cur.execute("DROP TABLE IF EXISTS bench_bare")
cur.execute("CREATE TABLE bench_bare (LIKE mlmon.predictions INCLUDING DEFAULTS)")
feats_pg = ", ".join(f"'f{j:02d}', random()" for j in range(1, NF + 1))
tps = {}
with tempfile.TemporaryDirectory() as d:
    for table in ("bench_bare", "mlmon.predictions"):
        script = os.path.join(d, "insert.sql")
        with open(script, "w") as f:
            f.write(f"INSERT INTO {table} (model, request_id, features, predicted_label, score, latency_ms) "
                    f"VALUES ('bench', 'pgbench' || :client_id || '-' || random(), jsonb_build_object({feats_pg}), "
                    f"'1', random(), random() * 30);\n")
        runs = []
        for _ in range(args.reps):
            out = subprocess.run(["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(args.pgbench_seconds), "-f", script,
                                  os.environ.get("PGDATABASE", "postgres")],
                                 capture_output=True, text=True, check=True).stdout
            runs.append(float(re.search(r"tps = ([0-9.]+)", out).group(1)))
        tps[table] = statistics.median(runs)
        print(f"{table}: {tps[table]:.0f} inserts/s", flush=True)
cur.execute("DELETE FROM mlmon.predictions WHERE request_id LIKE 'pgbench%'")
cur.execute("DROP TABLE bench_bare")
slow = 1 - tps["mlmon.predictions"] / tps["bench_bare"]

cur.execute("SELECT pg_size_pretty(sum(pg_column_size(profile))) FROM mlmon.reference_profiles WHERE model = 'bench'")
prof_size = cur.fetchone()[0]
report = [
    "# Monitoring benchmark", "",
    f"Machine: {benchlib.machine()}; medians of {args.reps} runs.", "",
    f"## run_checks: {NF} numeric features, {args.rows:,} current rows against a {args.rows:,}-row reference", "",
    "| parallel workers | run_checks | one feature's query | ratio | scan floor (count) |",
    "|---|---|---|---|---|", *lines, "",
    f"Twenty separate per-feature queries would cost about 20x one feature's query; run_checks reads the window once. "
    f"Stored reference profiles: {prof_size}.", "",
    f"### Where the time of run_checks (no workers, {t_check0:.2f} s) goes", "",
    "Each part of the check's one read timed as a query of its own over the same window (the drift tests over the "
    "feature arrays stored in a temporary table, above the time to read that table).  The default check runs the "
    "Wasserstein test; one with KS on every feature runs KS as well (the normed Wasserstein distance is its effect size).", "",
    "| part | time | share of run_checks |", "|---|---:|---:|", *breakdown, "",
    f"## Logging: pgbench, 4 clients, {args.pgbench_seconds} s per run", "",
    "| table | inserts per second |", "|---|---|",
    f"| bare table (no partitions, no index) | {tps['bench_bare']:.0f} |",
    f"| mlmon.predictions | {tps['mlmon.predictions']:.0f} |", "",
    f"mlmon.predictions is {100 * abs(slow):.1f}% {'slower' if slow > 0 else 'faster'} than the bare table (target: at most 10% slower; differences of a few percent are noise here).", "",
    "Command: `bench/monitoring` (options: `--rows`, `--features`, `--reps`, `--pgbench-seconds`).",
]
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    f.write("\n".join(report) + "\n")
print("\n".join(report))
