#!/usr/bin/python3
"""Benchmark of the expectations (issue 18): what they add to a check.

A model logs --rows predictions in a window (20 numeric features, as
benchlib.log_model makes them) and declares 10 expectations over 4
features, every rule once (the row-count rule reads nothing).  Timed, each
a ratio within one run (medians of --reps):
- reading the window's features once: one scan extracting the 20 features
  from jsonb (the floor of any check that reads the rows);
- the 10 expectations evaluated alone (mlmon._evaluate_expectations: their
  one read of the window);
- each rule alone (one read with one rule: what the rule itself costs);
- the check of the window with and without the expectations (the window
  holds no whole bucket: the check reads its rows either way).
Run by bench/expectations on a throwaway cluster, or by hand against
PGHOST/PGPORT."""
import argparse
import os

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=500_000)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "expectations.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'bx'")
if cur.fetchone()[0] == 0:
    print(f"logging 2 x {args.rows:,} rows ...", flush=True)
    start, end = benchlib.log_model(cur, "bx", args.rows, 20)
else:
    cur.execute("SELECT date_trunc('hour', now()) - interval '24 hours', date_trunc('hour', now()) - interval '24 hours' "
                "+ %s * interval '10 ms'", (args.rows + 1,))
    start, end = cur.fetchone()
KEYS = "'{" + ",".join(f"f{j:02d}" for j in range(1, 21)) + "}'"
RULES = [("f01", "not_null", "mostly => 0.99"), ("f01", "between", "min_value => 0, max_value => 1.5"),
         ("f02", "in_set", "value_set => '{1,2,3}'"), ("f02", "matches_regex", "pattern => '^[0-9]+\\.[0-9]{2,5}$'"),
         ("f02", "length_between", "min_value => 3, max_value => 7"),
         ("f03", "unique_share_between", "min_value => 0.5"), ("f03", "mean_between", "min_value => 0, max_value => 10"),
         ("f04", "stddev_between", "max_value => 2"), ("f04", "quantile_between", "quantile => 0.9, min_value => 0"),
         ("NULL", "row_count_between", "min_value => 1")]


def declare(on):
    cur.execute("DELETE FROM mlmon.expectations WHERE model = 'bx'")
    if on:
        for f, rule, kw in RULES:
            cur.execute(f"SELECT mlmon.expect('bx', {f if f == 'NULL' else repr(f)}, '{rule}', {kw})")


rows = {}
rows["read the window's features once"] = benchlib.timed(
    cur, f"SELECT sum(cardinality(mlmon._jsonb_numbers(p.features, {KEYS}))) FROM mlmon.predictions p "
         "WHERE p.model = 'bx' AND p.ts >= %s AND p.ts < %s", (start, end), reps=args.reps)
declare(True)
rows["the 10 expectations evaluated (their one read)"] = benchlib.timed(
    cur, "SELECT count(*) FROM mlmon._evaluate_expectations('bx', 0, %s, %s)", (start, end), reps=args.reps)
for f, rule, kw in RULES[:-1]:
    cur.execute("DELETE FROM mlmon.expectations WHERE model = 'bx'")
    cur.execute(f"SELECT mlmon.expect('bx', {f if f == 'NULL' else repr(f)}, '{rule}', {kw})")
    rows[f"{rule} alone"] = benchlib.timed(
        cur, "SELECT count(*) FROM mlmon._evaluate_expectations('bx', 0, %s, %s)", (start, end), reps=args.reps)
for on in (False, True):
    declare(on)
    rows[f"the window's check, {'10' if on else 'no'} expectations"] = benchlib.timed(
        cur, "SELECT mlmon.run_checks('bx', %s, %s)", (start, end), reps=args.reps)
base = rows["read the window's features once"]
lines = [f"# Expectations benchmark ({args.rows:,} rows in the window, 20 features)", "",
         f"Machine: {benchlib.machine()}; medians of {args.reps} runs; no parallel workers.", "",
         "| query | s | x reading the features once |", "|---|---:|---:|"]
for name, t in rows.items():
    lines.append(f"| {name} | {t:.3f} | {t / base:.2f} |")
lines.append("")
text = "\n".join(lines)
print(text)
with open(args.out, "w") as f:
    f.write(text)
