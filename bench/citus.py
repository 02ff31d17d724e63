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
# v: 1,001 distinct values (an exact profile); w: 20,001 (a sketch: more values than the default cap)
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
cur.execute("SELECT length(mlmon.profile_send(pv)), length(mlmon.profile_send(pw)) FROM bc_ref_local")
pv_len, pw_len = cur.fetchone()

cur.execute("SELECT pv::text FROM bc_ref_local")
pv_text = cur.fetchone()[0]
# {t}: the rows; {r}: the reference profiles' table; %(pv)s: the profile pv as a parameter
CASES = [
    ("scan floor: count(v)", "SELECT count(v) FROM {t} WHERE is_current"),
    ("ks_2samp(v, (SELECT pv FROM ref))", "SELECT mlmon.ks_2samp(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("ks_2samp(v, $1) (pv as a parameter)", "SELECT mlmon.ks_2samp(v, %(pv)s::mlmon.profile) FROM {t} WHERE is_current"),
    ("ks_2samp(ref.pv, profile(v))", "SELECT mlmon.ks_2samp(r.pv, c.p) FROM {r} r, (SELECT mlmon.profile(v) AS p FROM {t} WHERE is_current) c"),
    ("psi(v, (SELECT pv FROM ref))", "SELECT mlmon.psi(v, (SELECT pv FROM {r})) FROM {t} WHERE is_current"),
    ("psi(v, $1) (pv as a parameter)", "SELECT mlmon.psi(v, %(pv)s::mlmon.profile) FROM {t} WHERE is_current"),
    ("psi(ref.pv, profile(v))", "SELECT mlmon.psi(r.pv, c.p) FROM {r} r, (SELECT mlmon.profile(v) AS p FROM {t} WHERE is_current) c"),
    ("jensen_shannon(v, (SELECT pv FROM ref), 20)", "SELECT mlmon.jensen_shannon(v, (SELECT pv FROM {r}), 20) FROM {t} WHERE is_current"),
    ("ks_2samp(w, (SELECT pw FROM ref))", "SELECT mlmon.ks_2samp(w, (SELECT pw FROM {r})) FROM {t} WHERE is_current"),
    ("ks_2samp(ref.pw, profile(w))", "SELECT mlmon.ks_2samp(r.pw, c.p) FROM {r} r, (SELECT mlmon.profile(w) AS p FROM {t} WHERE is_current) c"),
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
    if not same and "profile(w)" in name:
        # KS of two sketches: each side's statistic is within its statistic_error of the exact one
        a, b = want.strip("()").split(","), got.strip("()").split(",")
        within = abs(float(a[0]) - float(b[0])) <= float(a[7]) + float(b[7])
    cur.execute("EXPLAIN (VERBOSE) " + dist_sql, params)
    plan = "\n".join(r[0] for r in cur.fetchall())
    worker = plan.split("->  Task", 1)[-1]
    where = ("partial on workers" if "partial_agg" in plan else
             "on the workers (built-in)" if "Aggregate" in worker else "rows gathered")
    print(f"{name:44s} one node {one:7.3f} s   Citus {dist:7.3f} s   {dist / one:6.2f}x   {where}"
          f"{'' if same else '   results differ: ' + want + ' / ' + got}", flush=True)
    verdict = " yes" if same else " within the sketches' error bounds" if "profile(w)" in name and within else " NO"
    lines.append(f"| {name} | {one:.3f} | {dist:.3f} | {dist / one:.2f}x | {where} |{verdict} |")

# run_checks on a distributed source (track_changes => false) against the same rows in a plain table:
# 7 days of rows (args.rows / 5 of them), the check of the last day, one reference for both
days = 7
n = args.rows // 5
cur.execute("DROP TABLE IF EXISTS bc_src_dist, bc_src_local")
cur.execute("SELECT date_trunc('hour', now())")
base = cur.fetchone()[0]
cur.execute(f"""CREATE TABLE bc_src_local AS
    SELECT g::bigint AS id, %s - interval '{days} days' + g * interval '{days * 86400 / n} s' AS ts,
           round((random() * 20)::numeric, 2)::float8 / 2 AS x, 'k' || (g %% 4) AS c, (g %% 2)::text AS pred,
           CASE WHEN random() < 0.9 THEN (g %% 2)::text ELSE ((g + 1) %% 2)::text END AS label
      FROM generate_series(1, {n}) g""", (base,))
cur.execute("CREATE TABLE bc_src_dist (LIKE bc_src_local)")
cur.execute("SELECT create_distributed_table('bc_src_dist', 'id')")
cur.execute("INSERT INTO bc_src_dist SELECT * FROM bc_src_local")
for model, table in (("bc_d", "bc_src_dist"), ("bc_l", "bc_src_local")):
    cur.execute("DELETE FROM mlmon.models WHERE name = %s", (model,))
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    cur.execute("SELECT mlmon.register_source(%s, %s, 'ts', feature_columns => '{x,c}', prediction_column => 'pred', "
                "label_column => 'label', id_column => 'id', track_changes => false)", (model, table))
    cur.execute(f"VACUUM ANALYZE {table}")
for model in ("bc_l", "bc_d"):
    cur.execute(f"SELECT mlmon.set_reference(%s, %s - interval '{days} days', %s - interval '{days - 1} days')",
                (model, base, base))
cur.execute("""UPDATE mlmon.reference_profiles d SET profile = l.profile FROM mlmon.reference_profiles l
                WHERE d.model = 'bc_d' AND l.model = 'bc_l' AND l.role = d.role AND l.feature = d.feature""")
for span in (1, days - 1):
    one = timed(cur, f"SELECT mlmon.run_checks('bc_l', %s - interval '{span} days', %s)", (base, base), reps=args.reps)
    dist = timed(cur, f"SELECT mlmon.run_checks('bc_d', %s - interval '{span} days', %s)", (base, base), reps=args.reps)
    name = f"run_checks over {span} day{'s' if span > 1 else ''} ({n * span // days:,} rows)"
    print(f"{name:44s} one node {one:7.3f} s   Citus {dist:7.3f} s   {dist / one:6.2f}x", flush=True)
    lines.append(f"| {name} | {one:.3f} | {dist:.3f} | {dist / one:.2f}x | statistics partial on workers | (test/citus/test_checks.py) |")
for model in ("bc_d", "bc_l"):
    cur.execute("DELETE FROM mlmon.models WHERE name = %s", (model,))

# the prediction log itself: the same rows and labels in mlmon.predictions and mlmon.labels, checked
# on the coordinator's log (stored summaries of closed buckets), then after mlmon.distribute_log
# (every row of the window read on the workers); the one reference taken before distributing
cur.execute("DELETE FROM mlmon.models WHERE name = 'bc_log'")
cur.execute("SELECT mlmon.register_model('bc_log', '1', 'classification')")
cur.execute("SELECT mlmon.maintain_partitions(1)")
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
                SELECT 'bc_log', ts, 'b' || id, jsonb_build_object('x', x, 'c', c), pred FROM bc_src_local""")
cur.execute("""INSERT INTO mlmon.labels (model, request_id, label, ts, predicted_label)
                SELECT 'bc_log', 'b' || id, label, ts, pred FROM bc_src_local""")
cur.execute("ANALYZE mlmon.predictions")
cur.execute(f"SELECT mlmon.set_reference('bc_log', %s - interval '{days} days', %s - interval '{days - 1} days')",
            (base, base))
log_one = {}
for span in (1, days - 1):
    log_one[span] = timed(cur, f"SELECT mlmon.run_checks('bc_log', %s - interval '{span} days', %s)", (base, base),
                          reps=args.reps)
cur.execute("SELECT mlmon.distribute_log(32)")
cur.execute("ANALYZE mlmon.predictions")
for span in (1, days - 1):
    dist = timed(cur, f"SELECT mlmon.run_checks('bc_log', %s - interval '{span} days', %s)", (base, base), reps=args.reps)
    one = log_one[span]
    name = f"run_checks on the log over {span} day{'s' if span > 1 else ''} ({n * span // days:,} rows)"
    print(f"{name:44s} one node {one:7.3f} s   Citus {dist:7.3f} s   {dist / one:6.2f}x", flush=True)
    lines.append(f"| {name} | {one:.3f} | {dist:.3f} | {dist / one:.2f}x | one node: stored summaries; Citus: "
                 f"mlmon.distribute_log, statistics partial on workers | (test/citus/test_log_distributed.py) |")

with open(args.out, "w") as f:
    f.write(f"""# bench/citus: a coordinator and two workers against one node

{datetime.date.today()}, {machine()}, Citus {citus}, {args.rows:,} rows (half current), 32 shards,
median of {args.reps}. The one node is the coordinator itself (a plain table, parallel query on);
the reference profiles (pv: exact, {pv_len:,} bytes; pw: a sketch, {pw_len:,} bytes) come from a reference table
(Citus) or a plain table (one node) through a scalar subquery, or as a query parameter, or the
current values are profiled on the workers and the profiles compared (`ks_2samp(ref.pv, profile(v))`).
A run over 5 s on Citus is timed once. `bench/citus --rows N --reps N`.

| statistic | one node (s) | Citus (s) | ratio | aggregation on Citus | same result |
|---|---:|---:|---:|---|---|
""" + "\n".join(lines) + "\n")
print(f"written {args.out}")
