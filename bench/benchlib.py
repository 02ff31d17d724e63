"""Shared steps of the benchmarks under bench/: the connection (to the
throwaway cluster scripts/lib.sh starts, from PGHOST/PGPORT/PGUSER), a
median timer, and the machine's description for the results files."""
import datetime
import os
import platform
import statistics
import time

import psycopg2


def connect():
    """An autocommit connection and cursor, with mlmon created."""
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    cur.execute("CREATE EXTENSION IF NOT EXISTS mlmon")
    return conn, cur


def timed(cur, sql, params=None, reps=3):
    """Median wall time of reps runs of sql, rows fetched."""
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        cur.execute(sql, params)
        cur.fetchall()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def machine():
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"


# The same statistics written in plain SQL ({t}: a table of value float8, is_current boolean).
PLAIN_KS = """
SELECT max(abs(c1 - c2)) FROM (
  SELECT sum((NOT is_current)::int) OVER w::float8 / (SELECT count(*) FROM {t} WHERE NOT is_current) AS c1,
         sum(is_current::int) OVER w::float8 / (SELECT count(*) FROM {t} WHERE is_current) AS c2
    FROM {t} WINDOW w AS (ORDER BY value RANGE UNBOUNDED PRECEDING)) s"""
PLAIN_PSI = """
WITH e AS (SELECT percentile_cont(ARRAY[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9]) WITHIN GROUP (ORDER BY value) AS e
             FROM {t} WHERE NOT is_current),
     b AS (SELECT width_bucket(value, e.e) AS bin, count(*) FILTER (WHERE NOT is_current) AS r,
                  count(*) FILTER (WHERE is_current) AS c FROM {t}, e GROUP BY 1),
     p AS (SELECT greatest(r::float8 / sum(r) OVER (), 1e-4) AS r, greatest(c::float8 / sum(c) OVER (), 1e-4) AS c FROM b)
SELECT sum((r - c) * ln(r / c)) FROM p"""


def log_model(cur, model, rows, features, seed=1):
    """Register a classification model and log a reference window (48 h ago)
    and a current window (24 h ago) of `rows` predictions each, 10 ms apart,
    with `features` numeric features and labels right 90% of the time; set
    the reference.  Returns (current window start, end)."""
    feats = ", ".join(f"'f{j:02d}', round((random() * {1 + (j % 3)} + {j % 5})::numeric, 5)"
                      for j in range(1, features + 1))
    cur.execute("SELECT setseed(%s)", (1.0 / (seed + 1),))
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    cur.execute("SELECT date_trunc('hour', now())")
    base = cur.fetchone()[0]
    for name, hours in (("ref", 48), ("cur", 24)):
        cur.execute(f"""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
            SELECT %s, %s - make_interval(hours => {hours}) + g * interval '10 ms', '{name}' || g,
                   jsonb_build_object({feats}), (g %% 2)::text, random(), 5 + random() * 30
              FROM generate_series(1, {rows}) g""", (model, base))
        # labels as a pipeline that knows each prediction's time records them
        # (record_label(..., prediction_time)): matched to their prediction
        cur.execute(f"""INSERT INTO mlmon.labels (model, request_id, label, ts, predicted_label, score)
            SELECT p.model, p.request_id,
                   CASE WHEN random() < 0.9 THEN p.predicted_label ELSE (1 - p.predicted_label::int)::text END,
                   p.ts, p.predicted_label, p.score
              FROM mlmon.predictions p
             WHERE p.model = %s AND p.ts >= %s - make_interval(hours => {hours})
               AND p.ts < %s - make_interval(hours => {hours - 12})""", (model, base, base))
    cur.execute("SELECT mlmon.maintain_partitions()")   # the rows' days get their partitions
    cur.execute("VACUUM ANALYZE mlmon.predictions")
    cur.execute("VACUUM ANALYZE mlmon.labels")
    ref_from = base - datetime.timedelta(hours=48)
    ref_to = ref_from + datetime.timedelta(milliseconds=10 * (rows + 1))
    cur.execute("SELECT mlmon.set_reference(%s, %s, %s)", (model, ref_from, ref_to))
    return ref_from + datetime.timedelta(hours=24), ref_to + datetime.timedelta(hours=24)
