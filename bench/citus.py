#!/usr/bin/python3
"""bench/citus.py: the drift statistics over a Citus distributed table (32
shards on two workers) against the same rows in a plain table of the
coordinator (one node), on this machine, in the same run.  The reference
profiles live in a Citus reference table (a plain table for the one node)
and reach the statistics as a scalar subquery, as users write it.

Run by bench/citus, which starts the coordinator and workers and exports
PGHOST/PGPORT/PGDATABASE for the coordinator.  Writes bench/results/citus.md."""
import argparse
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import connect, machine, timed  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=1_000_000)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "citus.md"))
args = ap.parse_args()

conn, cur = connect()
cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'citus'")
citus = cur.fetchone()[0]
cur.execute("SET citus.shard_count = 32")
cur.execute("DROP TABLE IF EXISTS bc_dist, bc_local, bc_ref_dist, bc_ref_local")
# v: 1,001 distinct values (a 16 kB exact profile); w: 20,001 (a 320 kB exact profile)
cur.execute("""CREATE TABLE bc_local AS
    SELECT g AS id, round((random() * 100)::numeric, 1)::float8 AS v, round((random() * 2000)::numeric, 1)::float8 AS w,
           random() < 0.5 AS is_current
      FROM generate_series(1, %s) g""", (args.rows,))
cur.execute("CREATE TABLE bc_dist (LIKE bc_local)")
cur.execute("SELECT create_distributed_table('bc_dist', 'id')")
cur.execute("INSERT INTO bc_dist SELECT * FROM bc_local")
for t, ref in (("bc_local", "bc_ref_local"), ("bc_dist", "bc_ref_dist")):
    cur.execute(f"CREATE TABLE {ref} AS SELECT 1 AS id, mlmon.profile(v) AS pv, mlmon.profile(w) AS pw "
                f"FROM bc_local WHERE NOT is_current")
    cur.execute(f"VACUUM ANALYZE {t}")
cur.execute("SELECT create_reference_table('bc_ref_dist')")
cur.execute("SELECT length(pv::text), length(pw::text) FROM bc_ref_local")
pv_len, pw_len = cur.fetchone()

CASES = [
    ("scan floor: count(v)", "SELECT count(v) FROM {t} WHERE is_current"),
    ("ks_2samp(v, profile 16 kB)", "SELECT mlmon.ks_2samp(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("psi(v, profile 16 kB)", "SELECT mlmon.psi(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("jensen_shannon(v, profile 16 kB, 20)", "SELECT mlmon.jensen_shannon(v, (SELECT pv FROM {r}), 20) FROM {t} WHERE is_current"),
    ("ks_2samp(w, profile 320 kB)", "SELECT mlmon.ks_2samp(w, (SELECT pw FROM {r})) FROM {t} WHERE is_current"),
    ("psi(w, profile 320 kB)", "SELECT mlmon.psi(w, (SELECT pw FROM {r})) FROM {t} WHERE is_current"),
    ("ks_2samp(v, is_current)", "SELECT mlmon.ks_2samp(v, is_current) FROM {t}"),
    ("wasserstein(v, is_current)", "SELECT mlmon.wasserstein(v, is_current) FROM {t}"),
    ("psi(v, is_current)", "SELECT mlmon.psi(v, is_current) FROM {t}"),
]
lines = []
for name, sql in CASES:
    one = timed(cur, sql.format(t="bc_local", r="bc_ref_local"), reps=args.reps)
    dist = timed(cur, sql.format(t="bc_dist", r="bc_ref_dist"), reps=args.reps)
    cur.execute("EXPLAIN (VERBOSE) " + sql.format(t="bc_dist", r="bc_ref_dist"))
    plan = "\n".join(r[0] for r in cur.fetchall())
    where = "partial on workers" if "worker_partial_agg" in plan or "partial_agg" in plan else "rows gathered"
    print(f"{name:40s} one node {one:7.3f} s   Citus {dist:7.3f} s   {dist / one:5.2f}x   {where}", flush=True)
    lines.append(f"| {name} | {one:.3f} | {dist:.3f} | {dist / one:.2f}x | {where} |")

with open(args.out, "w") as f:
    f.write(f"""# bench/citus: a coordinator and two workers against one node

{datetime.date.today()}, {machine()}, Citus {citus}, {args.rows:,} rows (half current), 32 shards,
median of {args.reps}. The one node is the coordinator itself (a plain table, parallel query on);
the reference profiles ({pv_len:,} and {pw_len:,} characters as text) come from a reference table
(Citus) or a plain table (one node) through a scalar subquery. `bench/citus --rows N --reps N`.

| statistic | one node (s) | Citus (s) | ratio | aggregation on Citus |
|---|---:|---:|---:|---|
""" + "\n".join(lines) + "\n")
print(f"written {args.out}")
