"""anomaly_score on Citus: it reads the model's reference on the node it
runs on, and a worker's copy of mlmon.reference_profiles is empty.  Called
over a distributed table it must fail with a clear error (SQLSTATE 55000),
never answer NULLs; called on the coordinator over rows it gathered (a
MATERIALIZED CTE, as README, Running on Citus says) it gives the one-node
answer.  Runs against the coordinator scripts/test citus starts."""
import os
import sys

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from common import Checker, connect  # noqa: E402

ck = Checker("citus anomaly_score")
conn = connect()
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute("SELECT setseed(0.125)")
cur.execute("DROP TABLE IF EXISTS ca_feats, ca_local")
cur.execute("DELETE FROM mlmon.predictions WHERE model = 'ca'")
cur.execute("SELECT mlmon.register_model('ca', '1', 'classification') WHERE NOT EXISTS "
            "(SELECT FROM mlmon.models WHERE name = 'ca')")
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
    SELECT 'ca', now() - interval '2 days' + g * interval '1 s', 'r' || g,
           jsonb_build_object('x', round((random() * 10)::numeric, 2), 'c', 'k' || (g % 4)), '1', 0.5, 5
      FROM generate_series(1, 5000) g""")
cur.execute("SELECT mlmon.set_reference('ca', now() - interval '3 days', now() - interval '1 day')")
cur.execute("CREATE TABLE ca_local AS SELECT g AS id, jsonb_build_object('x', round((random() * 12)::numeric, 2), "
            "'c', 'k' || (g % 5)) AS f FROM generate_series(1, 2000) g")
cur.execute("CREATE TABLE ca_feats (LIKE ca_local)")
cur.execute("SELECT create_distributed_table('ca_feats', 'id')")
cur.execute("INSERT INTO ca_feats SELECT * FROM ca_local")

COUNT = "SELECT count(*) FILTER (WHERE (a).p_value < 0.01), count(*) FILTER (WHERE (a).features_checked = 2), " \
        "array_agg((a).p_value ORDER BY id) FROM (SELECT id, mlmon.anomaly_score('ca', f) AS a FROM {src}) s"
cur.execute(COUNT.format(src="ca_local"))
one_node = cur.fetchone()
ck.equal("one node: rows are scored (some anomalous, every row with both features checked)",
         (one_node[0] > 0, one_node[1]), (True, 2000))

try:
    cur.execute(COUNT.format(src="ca_feats"))
    got = ("answered", cur.fetchone())
except psycopg2.Error as e:
    got = (e.pgcode, "cannot run on a Citus worker" in e.pgerror)
ck.equal("on the workers (a distributed table): a clear error, not NULLs", got, ("55000", True))

cur.execute("WITH r AS MATERIALIZED (SELECT id, f FROM ca_feats) " + COUNT.format(src="r"))
ck.equal("on the coordinator (a MATERIALIZED CTE over the distributed table): the one-node answer",
         cur.fetchone(), one_node)

cur.execute("SELECT count(*) FROM mlmon.anomalous_rows('ca', now() - interval '3 days', now())")
ck.equal("anomalous_rows over the model's log on the coordinator runs", cur.fetchone()[0] >= 0, True)
cur.execute("SELECT mlmon.register_model('ca_noref', '1', 'classification') WHERE NOT EXISTS "
            "(SELECT FROM mlmon.models WHERE name = 'ca_noref')")
cur.execute("SELECT count(*) FROM mlmon.anomalous_rows('ca_noref', now() - interval '3 days', now())")
ck.equal("anomalous_rows of a model without a reference: no rows", cur.fetchone()[0], 0)
cur.execute("DROP TABLE ca_feats, ca_local")
ck.finish()
