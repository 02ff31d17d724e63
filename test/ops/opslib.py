"""Shared set-up of the operations tests: a connection to the test cluster's
postgres database (where pg_cron and mlmon are installed by scripts/test),
and a model with a reference window and a drifted current window."""
import io
import json
import random
import socket
import sys
import time

import psycopg2


def connect(dbname=None):
    conn = psycopg2.connect(dbname=dbname) if dbname else psycopg2.connect("")
    conn.autocommit = True
    return conn


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def set_up_model(cur, model, seed=7):
    """Register model; log 600 reference rows (4 to 2 hours ago) and 300 current
    rows (the last hour) whose feature 'a' is shifted and whose labels disagree
    more often; freeze the reference.  Returns the logged rows."""
    rnd = random.Random(seed)
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    for table in ("predictions", "labels", "alerts", "checks"):   # a rerun starts afresh
        cur.execute(f"DELETE FROM mlmon.{table} WHERE model = %s", (model,))
    cur.execute("SELECT now()")
    now = cur.fetchone()[0]
    rows = []
    for i in range(900):
        current = i >= 600
        secs = (4 * 3600 - i * 12) if not current else (3600 - (i - 600) * 10)
        a = rnd.gauss(3.0 if current else 0.0, 1.0)
        b = rnd.gauss(0.0, 1.0)
        pred = "1" if a + b > 0 else "0"
        label = pred if rnd.random() < (0.6 if current else 0.95) else ("0" if pred == "1" else "1")
        rows.append(dict(rid=f"{model}-{i}", secs=secs, features={"a": round(a, 6), "b": round(b, 6)},
                         pred=pred, label=label, score=round(rnd.random(), 6), latency=round(rnd.uniform(2, 900), 3)))
    buf = io.StringIO()
    for r in rows:
        buf.write(f"{r['rid']}\t{r['secs']}\t{json.dumps(r['features'])}\t{r['pred']}\t{r['score']}\t{r['latency']}\n")
    buf.seek(0)
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS ops_raw (rid text, secs int, f jsonb, p text, s float8, lat float8)")
    cur.execute("TRUNCATE ops_raw")
    cur.copy_expert("COPY ops_raw FROM STDIN", buf)
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
                   SELECT %s, %s - make_interval(secs => secs), rid, f, p, s, lat FROM ops_raw""", (model, now))
    cur.executemany("SELECT mlmon.record_label(%s, %s, %s)", [(model, r["rid"], r["label"]) for r in rows])
    cur.execute("SELECT mlmon.set_reference(%s, %s - interval '5 hours', %s - interval '90 minutes')", (model, now, now))
    return now, rows


def wait_for(what, fn, timeout, step=1.0):
    """Poll fn() until it returns something truthy; fail after timeout seconds."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        v = fn()
        if v:
            return v
        time.sleep(step)
    print(f"FAIL: timed out after {timeout} s waiting for {what}")
    sys.exit(1)
