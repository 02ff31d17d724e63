#!/usr/bin/python3
"""Faults: a backend killed with SIGKILL (by its own PID) in the middle of a
bulk load and in the middle of run_checks.  The server restarts; every
acknowledged batch of the load is there whole, the interrupted one is not
there at all, and the interrupted check left no row anywhere."""
import os
import signal
import sys
import threading
import time

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model, wait_for  # noqa: E402

chk = Checker("faults")
cur = connect().cursor()
set_up_model(cur, "fault")


def server_back():
    try:
        c = connect()
        c.cursor().execute("SELECT 1")
        c.close()
        return True
    except psycopg2.Error:
        return False


def kill_in_the_middle(run, delay, waiting_on_lock=False):
    """Run run(conn) in a thread on a new connection and SIGKILL its backend
    after delay seconds (or, waiting_on_lock, once it waits for a lock);
    wait for the server to accept connections again."""
    conn = psycopg2.connect("")
    c = conn.cursor()
    # the throwaway cluster runs with synchronous_commit = off for speed, under
    # which PostgreSQL itself may lose the last acknowledged commits in a crash;
    # the guarantee under test is the one users get with the default, on
    c.execute("SET synchronous_commit = on")
    c.execute("SELECT pg_backend_pid()")
    pid = c.fetchone()[0]
    t = threading.Thread(target=run, args=(conn,))
    t.start()
    watch = connect().cursor()

    def busy():
        watch.execute("SELECT state = 'active' FROM pg_stat_activity WHERE pid = %s", (pid,))
        r = watch.fetchone()
        return r and r[0]

    def blocked():
        watch.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", (pid,))
        r = watch.fetchone()
        return r and r[0]

    if waiting_on_lock:
        wait_for("the backend to wait for a lock", blocked, timeout=120, step=0.05)
    else:
        wait_for("the backend to be busy", busy, timeout=30, step=0.05)
        time.sleep(delay)
    watch.connection.close()
    os.kill(pid, signal.SIGKILL)
    t.join()
    time.sleep(1)
    wait_for("the server to restart", server_back, timeout=60)


# 1. a bulk load: batches of 2,000 rows, each committed; remember what was acknowledged
acked = []


def bulk_load(conn):
    c = conn.cursor()
    try:
        for b in range(10000):
            c.execute("""INSERT INTO mlmon.predictions (model, request_id, features, predicted_label)
                         SELECT 'fault', 'bulk-' || %s || '-' || g, jsonb_build_object('a', random(), 'b', g), '1'
                           FROM generate_series(1, 2000) g""", (b,))
            conn.commit()
            acked.append(b)
    except psycopg2.Error:
        pass   # the kill


kill_in_the_middle(bulk_load, 3.0)
cur = connect().cursor()
cur.execute("""SELECT split_part(request_id, '-', 2)::int AS batch, count(*) FROM mlmon.predictions
                WHERE model = 'fault' AND request_id LIKE 'bulk-%' GROUP BY 1 ORDER BY 1""")
batches = dict(cur.fetchall())
chk.equal("the load was interrupted after some batches", len(acked) > 0, True)
chk.equal("every acknowledged batch is there", [b for b in acked if batches.get(b) != 2000], [])
chk.equal("no partial batch", [b for b, n in batches.items() if n != 2000], [])
chk.equal("nothing beyond the interrupted batch", max(batches) <= len(acked), True)

# 2. run_checks over the loaded window, killed once it has summarised the window and written its check row:
# another session holds mlmon.check_results against writes, so the check waits there for its results
cur.execute("SELECT count(*) FROM mlmon.summaries")
summaries_before = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM mlmon.checks")
checks_before = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM mlmon.check_results")
results_before = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM mlmon.alerts")
alerts_before = cur.fetchone()[0]
started = []


def long_check(conn):
    c = conn.cursor()
    try:
        started.append(time.time())
        c.execute("SELECT mlmon.run_checks('fault', now() - interval '1 day', now() + interval '1 hour')")
        conn.commit()
        started.append("finished")
    except psycopg2.Error:
        pass


holder = connect()
holder.cursor().execute("BEGIN; LOCK TABLE mlmon.check_results IN EXCLUSIVE MODE")
kill_in_the_middle(long_check, None, waiting_on_lock=True)
chk.equal("the check was interrupted", "finished" in started, False)
cur = connect().cursor()
cur.execute("SELECT (SELECT count(*) FROM mlmon.checks), (SELECT count(*) FROM mlmon.check_results), "
            "(SELECT count(*) FROM mlmon.alerts), (SELECT count(*) FROM mlmon.summaries)")
chk.equal("no partial check: checks, results, alerts, summaries unchanged", cur.fetchone(),
          (checks_before, results_before, alerts_before, summaries_before))
cur.execute("SELECT mlmon.run_checks('fault', now() - interval '1 day', now() + interval '1 hour')")
chk.equal("checks work after the restart", cur.fetchone()[0] is not None, True)
chk.finish()
