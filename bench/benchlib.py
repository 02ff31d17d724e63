"""Shared steps of the benchmarks under bench/: the connection (to the
throwaway cluster scripts/lib.sh starts, from PGHOST/PGPORT/PGUSER), a
median timer, and the machine's description for the results files."""
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
