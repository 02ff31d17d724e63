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
# one reference for both (a sketch profile depends on the order it saw the values in)
cur.execute("CREATE TABLE bc_ref_local AS SELECT 1 AS id, mlmon.profile(v) AS pv, mlmon.profile(w) AS pw "
            "FROM bc_local WHERE NOT is_current")
cur.execute("CREATE TABLE bc_ref_dist AS SELECT * FROM bc_ref_local")
for t in ("bc_local", "bc_dist"):
    cur.execute(f"VACUUM ANALYZE {t}")
cur.execute("SELECT create_reference_table('bc_ref_dist')")
cur.execute("SELECT length(pv::text), length(pw::text) FROM bc_ref_local")
pv_len, pw_len = cur.fetchone()

cur.execute("SELECT pv::text FROM bc_ref_local")
pv_text = cur.fetchone()[0]
# {t}: the rows; {r}: the reference profiles' table; %(pv)s: the 16 kB profile as a parameter
CASES = [
    ("scan floor: count(v)", "SELECT count(v) FROM {t} WHERE is_current"),
    ("ks_2samp(v, (SELECT pv FROM ref))", "SELECT mlmon.ks_2samp(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("ks_2samp(v, $1) (16 kB parameter)", "SELECT mlmon.ks_2samp(v, %(pv)s::mlmon.profile) FROM {t} WHERE is_current"),
    ("ks_2samp(ref.pv, profile(v))", "SELECT mlmon.ks_2samp(r.pv, c.p) FROM {r} r, (SELECT mlmon.profile(v) AS p FROM {t} WHERE is_current) c"),
    ("psi(v, (SELECT pv FROM ref))", "SELECT mlmon.psi(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("psi(v, $1) (16 kB parameter)", "SELECT mlmon.psi(v, %(pv)s::mlmon.profile) FROM {t} WHERE is_current"),
    ("psi(ref.pv, profile(v))", "SELECT mlmon.psi(r.pv, c.p) FROM {r} r, (SELECT mlmon.profile(v) AS p FROM {t} WHERE is_current) c"),
    ("jensen_shannon(v, (SELECT pv FROM ref), 20)", "SELECT mlmon.jensen_shannon(v, (SELECT pv FROM {r}), 20) FROM {t} WHERE is_current"),
    ("ks_2samp(w, (SELECT pw FROM ref)) 320 kB", "SELECT mlmon.ks_2samp(w, (SELECT pw FROM {r})) FROM {t} WHERE is_current"),
    ("ks_2samp(ref.pw, profile(w)) 320 kB", "SELECT mlmon.ks_2samp(r.pw, c.p) FROM {r} r, (SELECT mlmon.profile(w) AS p FROM {t} WHERE is_current) c"),
    ("ks_2samp(v, is_current)", "SELECT mlmon.ks_2samp(v, is_current) FROM {t}"),
    ("wasserstein(v, is_current)", "SELECT mlmon.wasserstein(v, is_current) FROM {t}"),
    ("psi(v, is_current)", "SELECT mlmon.psi(v, is_current) FROM {t}"),
]
params = {"pv": pv_text}
lines = []
for name, sql in CASES:
    one_sql, dist_sql = sql.format(t="bc_local", r="bc_ref_local"), sql.format(t="bc_dist", r="bc_ref_dist")
    cur.execute(one_sql, params)
    want = str(cur.fetchone()[0])
    one = timed(cur, one_sql, params, reps=args.reps)
    first = timed(cur, dist_sql, params, reps=1)
    dist = first if first > 5 else timed(cur, dist_sql, params, reps=args.reps)
    cur.execute(dist_sql, params)
    got = str(cur.fetchone()[0])
    same = got == want
    cur.execute("EXPLAIN (VERBOSE) " + dist_sql, params)
    plan = "\n".join(r[0] for r in cur.fetchall())
    where = "partial on workers" if "partial_agg" in plan else "rows gathered"
    print(f"{name:44s} one node {one:7.3f} s   Citus {dist:7.3f} s   {dist / one:6.2f}x   {where}"
          f"{'' if same else '   results differ: ' + want + ' / ' + got}", flush=True)
    lines.append(f"| {name} | {one:.3f} | {dist:.3f} | {dist / one:.2f}x | {where} |{' yes' if same else ' no (sketch of the current values)' if 'profile(w)' in name else ' NO'} |")

with open(args.out, "w") as f:
    f.write(f"""# bench/citus: a coordinator and two workers against one node

{datetime.date.today()}, {machine()}, Citus {citus}, {args.rows:,} rows (half current), 32 shards,
median of {args.reps}. The one node is the coordinator itself (a plain table, parallel query on);
the reference profiles ({pv_len:,} and {pw_len:,} characters as text) come from a reference table
(Citus) or a plain table (one node) through a scalar subquery, or as a query parameter, or the
current values are profiled on the workers and the profiles compared (`ks_2samp(ref.pv, profile(v))`).
A run over 5 s on Citus is timed once. `bench/citus --rows N --reps N`.

| statistic | one node (s) | Citus (s) | ratio | aggregation on Citus | same result |
|---|---:|---:|---:|---|---|
""" + "\n".join(lines) + "\n")
print(f"written {args.out}")
