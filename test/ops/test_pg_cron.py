#!/usr/bin/python3
"""Scheduling with the real pg_cron (1.4, preloaded in the test cluster):
schedule_checks creates a job that runs run_checks within about a minute
(pg_cron's smallest interval), whose results and alerts appear; the jobs can
be replaced and removed; without pg_cron the functions fail with a hint."""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model, wait_for  # noqa: E402

chk = Checker("pg_cron scheduling")
conn = connect()
cur = conn.cursor()
now, rows = set_up_model(cur, "cron_model")
cur.execute("SELECT mlmon.run_checks('cron_model', now() - interval '1 hour', now())")   # an earlier check
cur.execute("SELECT max(check_id) FROM mlmon.checks")
before = cur.fetchone()[0]

# every minute (pg_cron 1.4 has no seconds)
cur.execute("SELECT mlmon.schedule_checks('cron_model', '* * * * *')")
job = cur.fetchone()[0]
cur.execute("SELECT jobname, schedule, command FROM cron.job WHERE jobid = %s", (job,))
chk.equal("the job", cur.fetchone(), ("mlmon_checks:cron_model", "* * * * *", "SELECT mlmon.run_checks('cron_model')"))
cur.execute("SELECT mlmon.schedule_checks('cron_model', '* * * * *')")
cur.execute("SELECT count(*) FROM cron.job WHERE jobname = 'mlmon_checks:cron_model'")
chk.equal("scheduling again replaces the job", cur.fetchone()[0], 1)


def new_check():
    cur.execute("SELECT check_id FROM mlmon.checks WHERE model = 'cron_model' AND check_id > %s", (before,))
    return cur.fetchone()


cid = wait_for("pg_cron to run the checks", new_check, timeout=100, step=2)[0]
cur.execute("SELECT count(*) FROM mlmon.check_results WHERE check_id = %s", (cid,))
chk.equal("the scheduled check wrote results", cur.fetchone()[0] > 20, True)
cur.execute("SELECT value FROM mlmon.check_results WHERE check_id = %s AND feature = 'a' AND metric = 'drift_detected'", (cid,))
chk.equal("... finding the drift of feature a", cur.fetchone()[0], 1.0)
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'cron_model' AND status = 'open'")
chk.equal("... and alerts are open", cur.fetchone()[0] > 0, True)


def run_status():
    cur.execute("""SELECT status FROM cron.job_run_details WHERE jobid = %s AND status IN ('succeeded', 'failed')
                    ORDER BY start_time DESC LIMIT 1""", (job,))
    return cur.fetchone()


chk.equal("pg_cron reports success", wait_for("the run's status", run_status, timeout=30)[0], "succeeded")

cur.execute("SELECT mlmon.schedule_retention('cron_model', '30 days')")
rjob = cur.fetchone()[0]
cur.execute("SELECT schedule, command FROM cron.job WHERE jobid = %s", (rjob,))
chk.equal("retention job", cur.fetchone(),
          ("17 3 * * *", "SELECT mlmon.maintain_partitions(); SELECT mlmon.apply_retention('cron_model', '30 days')"))
cur.execute("SELECT mlmon.unschedule_checks('cron_model'), mlmon.unschedule_retention('cron_model'), "
            "mlmon.unschedule_checks('cron_model')")
chk.equal("unschedule: removed, removed, nothing left", cur.fetchone(), (True, True, False))
cur.execute("SELECT count(*) FROM cron.job WHERE jobname LIKE 'mlmon_%%:cron_model'")
chk.equal("no job left", cur.fetchone()[0], 0)
try:
    cur.execute("SELECT mlmon.schedule_checks('no such model', '* * * * *')")
    chk.equal("unknown model refused", False, True)
except psycopg2.Error as e:
    chk.equal("unknown model refused", e.pgcode, "42704")

# a database without pg_cron
cur.execute("DROP DATABASE IF EXISTS mlmon_nocron")
cur.execute("CREATE DATABASE mlmon_nocron")
other = connect("mlmon_nocron").cursor()
other.execute("CREATE EXTENSION mlmon")
other.execute("SELECT mlmon.register_model('m', '1', 'classification')")
try:
    other.execute("SELECT mlmon.schedule_checks('m', '*/5 * * * *')")
    chk.equal("without pg_cron: an error", False, True)
except psycopg2.Error as e:
    chk.equal("without pg_cron: an error with a hint",
              (e.pgcode, e.diag.message_primary, "shared_preload_libraries" in (e.diag.message_hint or "")),
              ("42883", "pg_cron is not installed in this database", True))
other.connection.close()
cur.execute("DROP DATABASE mlmon_nocron")
chk.finish()
