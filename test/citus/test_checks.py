"""run_checks on a Citus distributed source: a table of your own distributed
over 32 shards and registered with register_source(..., track_changes =>
false) (Citus refuses the trigger that reports changes) gives, metric by
metric, the results of the same rows in a plain table on the coordinator,
anomaly rate included.  Both models share one reference (a sketch depends on
the order it saw the values in; here every profile is exact).  Runs against
the coordinator scripts/test citus starts."""
import json
import os
import sys

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from common import Checker, connect  # noqa: E402

ck = Checker("citus run_checks")
conn = connect()
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute("SET citus.shard_count = 32")
cur.execute("SELECT setseed(0.375)")
cur.execute("DROP TABLE IF EXISTS cc_dist, cc_local")
cur.execute("SELECT date_trunc('hour', now())")
base = cur.fetchone()[0]
# three days of rows 4 s apart; the last day drifts on x; x has 2,001 values (exact profiles)
cur.execute("""CREATE TABLE cc_local AS
    SELECT g::bigint AS id, %s - interval '3 days' + g * interval '4 s' AS ts,
           round((random() * 20)::numeric, 2)::float8 / 2 + CASE WHEN g > 43200 THEN 1 ELSE 0 END AS x,
           'k' || (g %% 4) AS c, (g %% 2)::text AS pred,
           CASE WHEN random() < 0.9 THEN (g %% 2)::text ELSE ((g + 1) %% 2)::text END AS label
      FROM generate_series(1, 64800) g""", (base,))
cur.execute("CREATE TABLE cc_dist (LIKE cc_local)")
cur.execute("SELECT create_distributed_table('cc_dist', 'id')")
cur.execute("INSERT INTO cc_dist SELECT * FROM cc_local")
for model, table in (("cc_d", "cc_dist"), ("cc_l", "cc_local")):
    cur.execute("DELETE FROM mlmon.models WHERE name = %s", (model,))
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
try:
    cur.execute("SELECT mlmon.register_source('cc_d', 'cc_dist', 'ts', feature_columns => '{x,c}', "
                "prediction_column => 'pred', label_column => 'label', id_column => 'id')")
    got = "registered"
except psycopg2.Error as e:
    got = e.pgerror.splitlines()[0]
ck.equal("with change tracking, Citus refuses the trigger on a distributed table", got,
         "ERROR:  triggers are not supported on distributed tables")
for model, table in (("cc_d", "cc_dist"), ("cc_l", "cc_local")):
    cur.execute("SELECT mlmon.register_source(%s, %s, 'ts', feature_columns => '{x,c}', prediction_column => 'pred', "
                "label_column => 'label', id_column => 'id', track_changes => false)", (model, table))
cur.execute("SELECT mlmon.set_reference('cc_l', %s - interval '3 days', %s - interval '1 day')", (base, base))
cur.execute("SELECT mlmon.set_reference('cc_d', %s - interval '3 days', %s - interval '1 day')", (base, base))
cur.execute("""SELECT l.profile::text, d.profile::text
                 FROM mlmon.reference_profiles l JOIN mlmon.reference_profiles d USING (role, feature)
                WHERE l.model = 'cc_l' AND d.model = 'cc_d'""")
pairs = [(json.loads(a), json.loads(b)) for a, b in cur.fetchall()]
# the moments are summed in another order: equal to 1e-12; everything else exactly
ck.equal("set_reference over the distributed table: the same exact profiles (moments to 1e-12)",
         [sorted(k for k in a if a[k] != b[k] and not (k in ("mean", "m2") and abs(a[k] - b[k]) <= 1e-12 * abs(a[k])))
          for a, b in pairs], [[]] * 3)
for model in ("cc_l", "cc_d"):
    cur.execute("SELECT mlmon.run_checks(%s, %s - interval '1 day', %s)", (model, base, base))
LATEST = """SELECT DISTINCT ON ("check", metric, coalesce(feature, '')) "check", metric, coalesce(feature, '') AS f, value
              FROM mlmon.check_results WHERE model = '{m}' ORDER BY 1, 2, 3, check_id DESC"""
cur.execute(f"""SELECT "check", metric, f, d.value, l.value FROM ({LATEST.format(m='cc_d')}) d
                FULL JOIN ({LATEST.format(m='cc_l')}) l USING ("check", metric, f)""")
rows = cur.fetchall()
metrics = {(r[0], r[1], r[2]) for r in rows}
ck.equal("the checks of the distributed source have results (drift, performance, anomalies, quality)",
         {c for c, _, _ in metrics} >= {"data_drift", "performance", "anomalies", "data_quality", "output_drift"}, True)
ck.equal("every result equals the plain table's, metric by metric",
         [r for r in rows if r[3] != r[4] and not (r[3] is not None and r[4] is not None
                                                   and abs(r[3] - r[4]) <= 1e-12 * max(abs(r[4]), 1))], [])
cur.execute("""SELECT value FROM mlmon.check_results WHERE model = 'cc_d' AND "check" = 'data_drift'
                 AND metric = 'drift_detected' AND feature = 'x' ORDER BY check_id DESC LIMIT 1""")
ck.equal("the drift of x is detected", cur.fetchone()[0], 1)
if os.environ.get("KEEP") is None:
    for model in ("cc_d", "cc_l"):
        cur.execute("DELETE FROM mlmon.models WHERE name = %s", (model,))
    cur.execute("DROP TABLE cc_dist, cc_local")
ck.finish()
