#!/usr/bin/python3
"""pg_dump and restore keep the monitoring data: models, the partitioned log,
labels, references, checks, alerts and per-model rules come back once (the
defaults are not doubled), identity sequences continue, and checks and alert
deduplication go on working in the restored database."""
import os
import subprocess
import tempfile

import psycopg2

from common import Checker, connect

chk = Checker("dump and restore")
admin = connect()
a = admin.cursor()
for db in ("mlmon_dump_src", "mlmon_dump_dst"):
    a.execute(f"DROP DATABASE IF EXISTS {db}")
    a.execute(f"CREATE DATABASE {db}")


def db(name):
    c = psycopg2.connect(dbname=name)
    c.autocommit = True
    return c.cursor()


src = db("mlmon_dump_src")
src.execute("CREATE EXTENSION mlmon")
src.execute("SELECT mlmon.register_model('m', '1', 'classification')")
src.execute("INSERT INTO mlmon.alert_rules (model, alert_type, severity, threshold) VALUES ('m', 'data_drift', 'high', 2)")
src.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               SELECT 'm', now() - interval '3 days' + g * interval '1 minute', 'r' || g,
                      jsonb_build_object('x', CASE WHEN g > 200 THEN g * 3 ELSE g % 50 END, 'y', g % 7), (g % 2)::text
                 FROM generate_series(1, 400) g""")
src.execute("SELECT mlmon.maintain_partitions()")
src.execute("SELECT count(mlmon.record_label('m', 'r' || g, ((g / 3) % 2)::text)) FROM generate_series(1, 400) g")
src.execute("SELECT mlmon.set_reference('m', now() - interval '4 days', now() - interval '3 days' + interval '200 minutes')")
src.execute("SELECT mlmon.monitor_multivariate('m')")
src.execute("UPDATE mlmon.predictions SET embedding = ARRAY[length(request_id), 1]::real[] WHERE model = 'm'")
src.execute("SELECT mlmon.monitor_embeddings('m')")
src.execute("SELECT mlmon.run_checks('m', now() - interval '3 days' + interval '200 minutes', now())")
COUNTS = ["models", "predictions", "labels", "reference_profiles", "reference_windows", "checks", "check_results",
          "alert_rules", "alerts", "multivariate_settings", "multivariate_references", "embedding_settings",
          "embedding_references"]


def counts(cur):
    out = {}
    for t in COUNTS:
        cur.execute(f"SELECT count(*) FROM mlmon.{t}")
        out[t] = cur.fetchone()[0]
    return out


before = counts(src)
chk.equal("source: alerts raised", before["alerts"] > 0, True)
chk.equal("source: multivariate drift fitted", before["multivariate_references"], 1)
chk.equal("source: reference embeddings summarised", before["embedding_references"], 1)
with tempfile.TemporaryDirectory() as d:
    dump = os.path.join(d, "dump.sql")
    subprocess.run(["pg_dump", "-f", dump, "mlmon_dump_src"], check=True)
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "mlmon_dump_dst", "-f", dump],
                       capture_output=True, text=True)
    chk.equal("restore succeeds", (r.returncode, r.stderr.strip()), (0, ""))
dst = db("mlmon_dump_dst")
chk.equal("every table's rows come back once", counts(dst), before)
src.execute("SELECT max(check_id) FROM mlmon.checks")
old_max = src.fetchone()[0]
dst.execute("SELECT mlmon.run_checks('m', now() - interval '3 days' + interval '200 minutes', now())")
chk.equal("identity sequences continue", dst.fetchone()[0] > old_max, True)
dst.execute("SELECT count(*), min(occurrences) FROM mlmon.alerts WHERE status = 'open'")
n_open, occ = dst.fetchone()
src.execute("SELECT count(*) FROM mlmon.alerts WHERE status = 'open'")
chk.equal("alerts deduplicated after restore", (n_open, occ), (src.fetchone()[0], 2))
dst.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'mlmon.predictions'::regclass")
src.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = 'mlmon.predictions'::regclass")
chk.equal("daily partitions come back", dst.fetchone()[0], src.fetchone()[0])
src.connection.close()
dst.connection.close()
for name in ("mlmon_dump_src", "mlmon_dump_dst"):
    if os.environ.get("KEEP") is None:
        a.execute(f"DROP DATABASE {name}")
chk.finish()
