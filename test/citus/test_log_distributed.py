"""The prediction log and the labels distributed with mlmon.distribute_log:
no logged row or label is lost, the tables (partitions included) are
distributed and co-located by request id, the summaries' triggers are gone
and the checks read the rows instead of stored summaries, giving metric by
metric the results the same check gave before the log was distributed.
Then the log keeps working: record_label inserts and corrects labels in the
distributed mlmon.labels, a row logged without a request id gets one,
maintain_partitions adds distributed partitions, apply_retention deletes,
and distribute_log a second time changes nothing.  Runs against the
coordinator scripts/test citus starts; it distributes the database's log,
so it runs after the tests that use the log as a plain table (none do)."""
import os
import sys
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from common import Checker, connect  # noqa: E402

ck = Checker("citus distributed log")
conn = connect()
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute("SELECT setseed(0.25)")
cur.execute("SELECT date_trunc('hour', now())")
base = cur.fetchone()[0]
M = "ld_m"
cur.execute("DELETE FROM mlmon.models WHERE name = %s", (M,))
cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (M,))
cur.execute("SELECT mlmon.maintain_partitions(2)")
# three days of rows 20 s apart, the last day drifts on x; labels for two rows of three, 10% wrong
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score)
    SELECT %s, %s - interval '3 days' + g * interval '20 s', 'q' || g,
           jsonb_build_object('x', round((random() * 20)::numeric, 2)::float8 / 2 + CASE WHEN g > 8640 THEN 1 ELSE 0 END,
                              'c', 'k' || (g %% 4)),
           (g %% 2)::text, 0.3 + (g %% 5) / 10.0
      FROM generate_series(1, 12900) g""", (M, base))
cur.execute("""SELECT count(mlmon.record_label(%s, 'q' || g, CASE WHEN g %% 10 = 0 THEN ((g + 1) %% 2)::text
                                                                 ELSE (g %% 2)::text END))
                 FROM generate_series(1, 12900) g WHERE g %% 3 <> 0""", (M,))
cur.execute("SELECT count(*), count(DISTINCT request_id) FROM mlmon.predictions WHERE model = %s", (M,))
n_rows = cur.fetchone()
cur.execute("SELECT count(*), count(ts) FROM mlmon.labels WHERE model = %s", (M,))
n_labels = cur.fetchone()
ck.equal("before: every row and label logged, every label matched to its prediction",
         (n_rows, n_labels), ((12900, 12900), (8600, 8600)))
cur.execute("SELECT mlmon._log_tracked()")
ck.equal("before: the summaries' triggers watch the log", cur.fetchone()[0], True)
cur.execute("SELECT mlmon.set_reference(%s, %s - interval '3 days', %s - interval '1 day')", (M, base, base))
# expectations of several kinds: on the distributed log their one read runs on the workers
for args in ("'x', 'between', min_value => 0, max_value => 10", "'c', 'in_set', value_set => '{k0,k1,k2}'",
             "'x', 'quantile_between', quantile => 0.9, max_value => 10", "'c', 'unique_share_between', max_value => 0.5",
             "'x', 'mean_between', min_value => 0, max_value => 5.5", "NULL, 'row_count_between', min_value => 1000"):
    cur.execute(f"SELECT mlmon.expect(%s, {args})", (M,))
t0 = time.time()
cur.execute("SELECT mlmon.run_checks(%s, %s - interval '1 day', %s)", (M, base, base))
before_check = cur.fetchone()[0]
t_before = time.time() - t0
cur.execute("SELECT count(*) FROM mlmon.summaries WHERE model = %s", (M,))
ck.equal("before: the check stored summaries of the log's closed buckets", cur.fetchone()[0] > 0, True)

# distribute
cur.execute("SELECT mlmon.distribute_log(8)")
cur.execute("""SELECT d.logicalrelid::regclass::text, d.partmethod, d.colocationid,
                      (SELECT count(*) FROM pg_dist_shard s WHERE s.logicalrelid = d.logicalrelid)
                 FROM pg_dist_partition d
                WHERE d.logicalrelid::regclass::text ~ '^mlmon\\.(predictions|labels)'""")
dist = {r[0]: r[1:] for r in cur.fetchall()}
cur.execute("""SELECT array_agg(c.oid::regclass::text ORDER BY 1) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'mlmon.predictions'::regclass""")
parts = cur.fetchone()[0]
ck.equal("the log, each of its partitions and the labels are hash-distributed over 8 shards",
         sorted(dist), sorted(["mlmon.predictions", "mlmon.labels"] + parts))
ck.equal("... all co-located", (len({v[1] for v in dist.values()}), {v[0] for v in dist.values()},
                                {v[2] for v in dist.values()}), (1, {"h"}, {8}))
cur.execute("""SELECT count(*) FROM pg_trigger t WHERE t.tgname IN ('summary_changed', 'summaries_truncated')
                  AND (t.tgrelid IN ('mlmon.predictions'::regclass, 'mlmon.labels'::regclass)
                       OR t.tgrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'mlmon.predictions'::regclass))""")
ck.equal("the summaries' triggers are gone (Citus refuses triggers)", cur.fetchone()[0], 0)
cur.execute("SELECT mlmon._log_tracked()")
ck.equal("the checks know the log is not watched", cur.fetchone()[0], False)
cur.execute("SELECT count(*) FROM mlmon.summaries WHERE model = %s", (M,))
ck.equal("the log's stored summaries are forgotten", cur.fetchone()[0], 0)
cur.execute("SELECT count(*), count(DISTINCT request_id) FROM mlmon.predictions WHERE model = %s", (M,))
ck.equal("no logged row is lost", cur.fetchone(), n_rows)
cur.execute("SELECT count(*), count(ts) FROM mlmon.labels WHERE model = %s", (M,))
ck.equal("no label is lost", cur.fetchone(), n_labels)
cur.execute("""SELECT coalesce(sum(pg_relation_size(r)), 0) FROM unnest(%s::regclass[] || 'mlmon.labels'::regclass) r""",
            (parts,))
ck.equal("the coordinator's local copies are emptied (the rows live in the shards)", cur.fetchone()[0], 0)

# the same check, now reading the distributed rows
t0 = time.time()
cur.execute("SELECT mlmon.run_checks(%s, %s - interval '1 day', %s)", (M, base, base))
after_check = cur.fetchone()[0]
print(f"  a check over a day: {t_before:.2f} s on the local log, {time.time() - t0:.2f} s distributed")
cur.execute("""SELECT b."check", b.metric, coalesce(b.feature, ''), b.value, a.value
                 FROM (SELECT * FROM mlmon.check_results WHERE check_id = %s) b
                 FULL JOIN (SELECT * FROM mlmon.check_results WHERE check_id = %s) a
                   ON a."check" = b."check" AND a.metric = b.metric AND a.feature IS NOT DISTINCT FROM b.feature""",
            (before_check, after_check))
rows = cur.fetchall()
print(f"  {len(rows)} results of the check compared")
ck.equal("the check has drift, performance, anomaly, quality, output drift and expectations results",
         {r[0] for r in rows} >= {"data_drift", "performance", "anomalies", "data_quality", "output_drift", "expectations"},
         True)
cur.execute("""SELECT b.name, b.success, a.success, b.unexpected_values, a.unexpected_values
                 FROM (SELECT * FROM mlmon.expectation_results WHERE check_id = %s) b
                 FULL JOIN (SELECT * FROM mlmon.expectation_results WHERE check_id = %s) a USING (name)""",
            (before_check, after_check))
exp_rows = cur.fetchall()
# (which five unexpected values are reported depends on the order the rows come in: any five)
ck.equal("the expectations: the same verdicts, as many unexpected values, each unexpected (x above 10, c k3)",
         ([r[0] for r in exp_rows if r[1] != r[2] or len(r[3] or []) != len(r[4] or [])], len(exp_rows),
          [r[4] for r in exp_rows if r[0] == "c_in_set"],
          all(float(v) > 10 for r in exp_rows if r[0] == "x_between" for v in r[4])), ([], 6, [["k3"]], True))
ck.equal("every result equals the one before distribution, metric by metric (1e-12)",
         [r for r in rows if r[3] != r[4] and not (r[3] is not None and r[4] is not None
                                                   and abs(r[3] - r[4]) <= 1e-12 * max(abs(r[3]), 1))], [])
cur.execute("""SELECT value FROM mlmon.check_results WHERE check_id = %s AND metric = 'drift_detected' AND feature = 'x'""",
            (after_check,))
ck.equal("the drift of x is detected", cur.fetchone()[0], 1)
cur.execute("SELECT count(*) FROM mlmon.summaries WHERE model = %s", (M,))
ck.equal("no summary is stored for the distributed log", cur.fetchone()[0], 0)

# labels on the distributed table: a new one, a correction, one that waits for its prediction
cur.execute("SELECT mlmon.record_label(%s, 'q3', '1')", (M,))
cur.execute("SELECT mlmon.record_label(%s, 'q1', '0')", (M,))
cur.execute("SELECT mlmon.record_label(%s, 'q-none', '1')", (M,))
cur.execute("""SELECT request_id, label, predicted_label, ts IS NOT NULL FROM mlmon.labels
                WHERE model = %s AND request_id IN ('q1', 'q3', 'q-none') ORDER BY 1""", (M,))
ck.equal("record_label inserts, corrects and keeps waiting labels in the distributed mlmon.labels",
         cur.fetchall(), [("q-none", "1", None, False), ("q1", "0", "1", True), ("q3", "1", "1", True)])
# logging goes on: without a request id a row gets one; an explicit NULL is refused by Citus
cur.execute("INSERT INTO mlmon.predictions (model, features, predicted_label) VALUES (%s, '{\"x\": 1}', '1')", (M,))
cur.execute("SELECT count(*) FROM mlmon.predictions WHERE model = %s AND request_id ~ '^[0-9a-f-]{36}$'", (M,))
ck.equal("a row logged without a request id gets a generated one", cur.fetchone()[0], 1)
try:
    cur.execute("INSERT INTO mlmon.predictions (model, request_id, features) VALUES (%s, NULL, '{}')", (M,))
    got = "inserted"
except psycopg2.Error as e:
    got = e.pgerror.splitlines()[0]
ck.equal("an explicit NULL request id is refused (README: Running on Citus)", got,
         "ERROR:  cannot perform an INSERT with NULL in the partition column")
cur.execute("SELECT mlmon.maintain_partitions(6)")
cur.execute("""SELECT count(*) FILTER (WHERE d.logicalrelid IS NULL), count(*),
                      count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = i.inhrelid
                                                       AND t.tgname = 'summaries_truncated'))
                 FROM pg_inherits i LEFT JOIN pg_dist_partition d ON d.logicalrelid = i.inhrelid
                WHERE i.inhparent = 'mlmon.predictions'::regclass""")
local, total, with_trigger = cur.fetchone()
ck.equal("maintain_partitions adds distributed partitions without the summaries' trigger",
         (local, total > len(parts), with_trigger), (0, True, 0))
cur.execute("SELECT mlmon.apply_retention(%s, interval '2 days')", (M,))
deleted = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM mlmon.predictions WHERE model = %s", (M,))
ck.equal("apply_retention deletes the old rows of the distributed log", (deleted > 0, cur.fetchone()[0]),
         (True, n_rows[0] + 1 - deleted))
DISTRIBUTED = "SELECT count(*), sum(colocationid) FROM pg_dist_partition WHERE logicalrelid::regclass::text ~ '^mlmon\\.'"
cur.execute(DISTRIBUTED)
was = cur.fetchone()
cur.execute("SELECT mlmon.distribute_log()")
cur.execute(DISTRIBUTED)
ck.equal("distribute_log a second time changes nothing", cur.fetchone(), was)
ck.finish()
