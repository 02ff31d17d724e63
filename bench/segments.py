#!/usr/bin/python3
"""Benchmark of the segments (issue 18): what checking 20 segments adds to a check.

A model logs --rows predictions in a window (20 numeric features, as
benchlib.log_model makes them) and is segmented by an expression over f01
with 25 values: the reference's 20 largest are segments, the other 5 fall
in (other).  The model's buckets are 1 minute wide, so the window holds
about rows / 6000 whole buckets.  Timed, each a ratio within one run
(medians of --reps):
- reading the window's features once (one scan extracting the 20 features
  from jsonb: the floor of any check that reads the rows);
- the check of the window reading every row (SET mlmon.summaries = off),
  without segments and with the 20 segments;
- the check of the same window again with its buckets' summaries stored (a
  scheduled check: only the window's edges are read), without segments and
  with them.
The issue's target: checking 20 segments costs at most 2x checking the
whole.  Run by bench/segments on a throwaway cluster, or by hand against
PGHOST/PGPORT."""
import argparse
import os

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=300_000)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "segments.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'bs'")
if cur.fetchone()[0] == 0:
    print(f"logging 2 x {args.rows:,} rows ...", flush=True)
    start, end = benchlib.log_model(cur, "bs", args.rows, 20)
else:
    cur.execute("SELECT date_trunc('hour', now()) - interval '24 hours', date_trunc('hour', now()) - interval '24 hours' "
                "+ %s * interval '10 ms'", (args.rows + 1,))
    start, end = cur.fetchone()
cur.execute("SELECT mlmon.set_bucket_width('bs', '1 minute')")
KEYS = "'{" + ",".join(f"f{j:02d}" for j in range(1, 21)) + "}'"
SEGMENT = "'s' || (floor((features->>'f01')::numeric * 100000)::bigint % 25)"


def segments(on):
    cur.execute("SELECT mlmon.drop_segments('bs')")
    if on:
        cur.execute(f"SELECT mlmon.segment_by('bs', expression => $${SEGMENT}$$, top_n => 20)")
        cur.execute("SELECT count(*) FROM mlmon.segment_references WHERE model = 'bs'")
        assert cur.fetchone()[0] == 21


rows = {}
rows["read the window's features once"] = benchlib.timed(
    cur, f"SELECT sum(cardinality(mlmon._jsonb_numbers(p.features, {KEYS}))) FROM mlmon.predictions p "
         "WHERE p.model = 'bs' AND p.ts >= %s AND p.ts < %s", (start, end), reps=args.reps)
cur.execute("SET mlmon.summaries = off")
for on in (False, True):
    segments(on)
    rows[f"check reading every row, {'20 segments' if on else 'no segments'}"] = benchlib.timed(
        cur, "SELECT mlmon.run_checks('bs', %s, %s)", (start, end), reps=args.reps)
cur.execute("RESET mlmon.summaries")
# a window with partial edges: its whole buckets come from stored summaries once a check built them
w_start, w_end = start + (end - start) / 97, end - (end - start) / 89
for on in (False, True):
    segments(on)
    cur.execute("SELECT mlmon.run_checks('bs', %s, %s)", (w_start, w_end))      # builds the stored summaries
    rows[f"check from stored summaries, {'20 segments' if on else 'no segments'}"] = benchlib.timed(
        cur, "SELECT mlmon.run_checks('bs', %s, %s)", (w_start, w_end), reps=args.reps)
cur.execute("SELECT count(*) FROM mlmon.segment_summaries WHERE model = 'bs'")
n_buckets = cur.fetchone()[0]
# where the segments' time goes: merging the stored summaries of the rows (the labels' are small), the
# whole's and the segments', alone; and how large the merged summaries are
MERGES = {"merge alone: the whole's stored summaries of the rows":
          "SELECT sum(pg_column_size(m)) FROM (SELECT mlmon.merge(su.rows_part) AS m FROM mlmon.summaries su "
          " WHERE su.model = 'bs' AND su.rows_part IS NOT NULL AND su.bucket_start >= %(s)s AND su.bucket_start < %(e)s) x",
          "merge alone: the segments' stored summaries of the rows":
          "SELECT sum(pg_column_size(m)) FROM (SELECT t.seg, mlmon.merge(t.p) AS m FROM mlmon.segment_summaries ss, "
          " unnest(ss.rows_parts) WITH ORDINALITY t(p, seg) WHERE ss.model = 'bs' AND t.p IS NOT NULL "
          " AND ss.bucket_start >= %(s)s AND ss.bucket_start < %(e)s GROUP BY t.seg) x"}
merged_bytes = {}
for name, sql in MERGES.items():
    # the window's stored buckets
    cur.execute(sql, {"s": w_start, "e": w_end})
    merged_bytes[name] = cur.fetchone()[0]
    rows[name] = benchlib.timed(cur, sql, {"s": w_start, "e": w_end}, reps=args.reps)
base = rows["read the window's features once"]
lines = [f"# Segments benchmark ({args.rows:,} rows in the window, 20 features, 20 segments and (other))", "",
         f"Machine: {benchlib.machine()}; medians of {args.reps} runs; no parallel workers; "
         f"{n_buckets} buckets of 1 minute stored.", "",
         "| query | s | x reading the features once |", "|---|---:|---:|"]
for name, t in rows.items():
    lines.append(f"| {name} | {t:.3f} | {t / base:.2f} |")
lines += ["",
          f"Segments over the whole (target <= 2x): reading every row "
          f"{rows['check reading every row, 20 segments'] / rows['check reading every row, no segments']:.2f}x; "
          f"from stored summaries {rows['check from stored summaries, 20 segments'] / rows['check from stored summaries, no segments']:.2f}x.",
          "",
          "The merged summaries of the rows: the whole's {:,} bytes, the segments' {:,} bytes together ({:.1f}x).".format(
              *merged_bytes.values(), list(merged_bytes.values())[1] / list(merged_bytes.values())[0]),
          ""]
text = "\n".join(lines)
print(text)
with open(args.out, "w") as f:
    f.write(text)
