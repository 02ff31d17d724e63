#!/usr/bin/python3
"""Benchmark of the embedding drift aggregates (issue 17): 100k reference +
100k current rows of 384 dimensions in a float4[] column (about 320 MB),
each query's time as a ratio to reading the vectors once
(SELECT sum(cardinality(v))), medians of several repetitions, workers off and
on.  The bootstrap form is timed on the rows of 1 block in 10 (against reading those).  The table
is dropped at the end unless --keep.  Run by bench/embedding on a throwaway
cluster, or by hand against PGHOST/PGPORT."""
import argparse
import os
import statistics
import subprocess
import tempfile

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=100_000, help="rows per sample")
ap.add_argument("--dim", type=int, default=384)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--keep", action="store_true")
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "embedding.md"))
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'bench_emb'")
if cur.fetchone()[0] == 0:
    print(f"creating bench_emb: {2 * args.rows:,} rows of {args.dim} float4 ...", flush=True)
    # one random vector per row; the current half is shifted by 0.02 in every component
    cur.execute(f"""CREATE TABLE bench_emb AS
        SELECT g % 2 = 1 AS is_current,
               array(SELECT (random() - 0.5 + (g % 2) * 0.02 + 0 * g)::float4 FROM generate_series(1, {args.dim})) AS v
          FROM generate_series(1, {2 * args.rows}) g""")
    cur.execute("VACUUM ANALYZE bench_emb")
cur.execute("SELECT pg_size_pretty(pg_total_relation_size('bench_emb'))")
size = cur.fetchone()[0]

QUERIES = [
    ("read once: sum(cardinality(v))", "SELECT sum(cardinality(v)) FROM bench_emb"),
    ("embedding_distance (euclidean)", "SELECT mlmon.embedding_distance(v, is_current) FROM bench_emb"),
    ("embedding_distance (cosine)", "SELECT mlmon.embedding_distance(v, is_current, 'cosine') FROM bench_emb"),
    ("read 1 in 10: sum(cardinality(v))", "SELECT sum(cardinality(v)) FILTER (WHERE (ctid::text::point)[0]::int % 10 = 0) FROM bench_emb"),
    ("embedding_distance bootstrap, 1 row in 10",
     "SELECT mlmon.embedding_distance(v, is_current, 'euclidean', 0.2, true, 0.95) "
     "FILTER (WHERE (ctid::text::point)[0]::int % 10 = 0) FROM bench_emb"),
]
for name, sql, proc in [
        ("embedding_ratio", "SELECT mlmon.embedding_ratio(v, is_current) FROM bench_emb",
         "mlmon.embedding_ratio(real[], boolean)"),
        ("embedding_model (5000 rows per side)", "SELECT mlmon.embedding_model(v, is_current) FROM bench_emb",
         "mlmon.embedding_model(real[], boolean)"),
        ("embedding_model bootstrap (5000 rows per side)",
         "SELECT mlmon.embedding_model(v, is_current, 0.55, true, 0.95) FROM bench_emb",
         "mlmon.embedding_model(real[], boolean, float8, boolean, float8)"),
        ("embedding_model (20000 rows per side)",
         "SELECT mlmon.embedding_model(v, is_current, 0.55, false, 0.95, 20000) FROM bench_emb",
         "mlmon.embedding_model(real[], boolean, float8, boolean, float8, integer)"),
        ("embedding_mmd (max_rows 1000)", "SELECT mlmon.embedding_mmd(v, is_current) FROM bench_emb",
         "mlmon.embedding_mmd(real[], boolean)"),
        ("embedding_mmd (max_rows 1000): the sample only, no final function",
         "SELECT pg_temp.emb_sample(v, is_current) FROM bench_emb", None),
        ("embedding_mmd bootstrap (max_rows 1000)",
         "SELECT mlmon.embedding_mmd(v, is_current, 0.015, true, 0.05) FROM bench_emb",
         "mlmon.embedding_mmd(real[], boolean, double precision, boolean, double precision)")]:
    if proc is None:
        # the transition alone (the sample, as the mmd and model methods build it): its state type, no final
        cur.execute("SELECT to_regprocedure('mlmon._embedding_mmd_accum(double precision[], real[], boolean)') IS NOT NULL")
        if not cur.fetchone()[0]:
            continue
        cur.execute("CREATE AGGREGATE pg_temp.emb_sample(real[], boolean) (SFUNC = mlmon._embedding_mmd_accum, "
                    "STYPE = float8[], COMBINEFUNC = mlmon._embedding_sample_combine, PARALLEL = SAFE)")
        QUERIES.append((name, sql))
        continue
    cur.execute("SELECT to_regprocedure(%s) IS NOT NULL", (proc,))
    if cur.fetchone()[0]:
        QUERIES.append((name, sql))

results = {}
for workers in (0, 2):
    cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
    for name, sql in QUERIES:
        results[(name, workers)] = benchlib.timed(cur, sql, reps=args.reps)
        print(f"workers={workers} {name:45s} {results[(name, workers)]:8.3f} s", flush=True)

lines = [f"# Embedding drift benchmark ({args.rows:,} + {args.rows:,} rows of {args.dim} float4, table {size})", "",
         f"Machine: {benchlib.machine()}; medians of {args.reps} runs.", "",
         "| query | workers 0: s | x read once | workers 2: s | x read once |", "|---|---:|---:|---:|---:|"]
for name, sql in QUERIES:
    base = "read 1 in 10: sum(cardinality(v))" if "1 row in 10" in name else "read once: sum(cardinality(v))"
    t0, t2 = results[(name, 0)], results[(name, 2)]
    lines.append(f"| {name} | {t0:.3f} | {t0 / results[(base, 0)]:.2f} | {t2:.3f} | {t2 / results[(base, 2)]:.2f} |")
per_row = [f"| {name} | {results[(name, 0)] / (2 * args.rows) * 1e6:.2f} | {results[(name, 2)] / (2 * args.rows) * 1e6:.2f} |"
           for name, _ in QUERIES if name.startswith("embedding_model")]
if per_row:
    lines += ["", "Time per input row (the sample's cost plus the classifier's, over all rows):", "",
              "| query | workers 0: us/row | workers 2: us/row |", "|---|---:|---:|"] + per_row
per_row_mmd = [(name, results[(name, 0)]) for name, _ in QUERIES if name.startswith("embedding_mmd")]
if per_row_mmd:
    lines += ["", "Per row (workers 0, both samples' rows): "
              + "; ".join(f"{name}: {1e6 * t / (2 * args.rows):.2f} us" for name, t in per_row_mmd)]
# embedding_ratio's exact work alone, without PostgreSQL: the same layout and core functions in a C program
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with tempfile.TemporaryDirectory() as tmp:
    exe = os.path.join(tmp, "ratio_floor")
    subprocess.run(["gcc", "-std=gnu99", "-O2", "-Wall", "-Wextra", "-Werror", "-I", os.path.join(root, "src", "core"),
                    os.path.join(root, "bench", "ratio_floor.c")]
                   + [os.path.join(root, "src", "core", f) for f in ("embedding_ratio.c", "sort.c", "wasserstein_lanes.c")]
                   + ["-lm", "-o", exe], check=True)
    floor_runs = []
    for _ in range(args.reps):
        out = subprocess.run([exe, str(args.rows), str(args.dim)], check=True, capture_output=True, text=True).stdout.split()
        floor_runs.append({out[i]: float(out[i + 1]) for i in range(0, len(out), 2)})
floor = {k: statistics.median(r[k] for r in floor_runs) for k in ("touch", "store", "test")}
drifted = sorted({int(r["drifted"]) for r in floor_runs})
read = results[("read once: sum(cardinality(v))", 0)]
lines += ["", "embedding_ratio's exact work without PostgreSQL (bench/ratio_floor.c: rows of the same distribution "
          "generated in C, stored in the aggregate's block layout and tested by the same core functions; medians of "
          f"{args.reps} runs; x the serial read once above; drifted components found: "
          f"{', '.join(map(str, drifted))} of {args.dim}):", "",
          "| part | s | x read once |", "|---|---:|---:|",
          f"| first touch of fresh memory the size of the blocks | {floor['touch']:.3f} | {floor['touch'] / read:.2f} |",
          f"| store: the rows into fresh column-major blocks (first touch included) | {floor['store']:.3f} | {floor['store'] / read:.2f} |",
          f"| test: every component sorted, W1 and std (mlm_emb_ratio_drifted) | {floor['test']:.3f} | {floor['test'] / read:.2f} |",
          f"| read once + test: what the exact test costs here even if storing the rows cost nothing | "
          f"{read + floor['test']:.3f} | {(read + floor['test']) / read:.2f} |"]
text = "\n".join(lines) + "\n"
print(text)
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    f.write(text)
print("written to", args.out)
if not args.keep:
    cur.execute("DROP TABLE bench_emb")
