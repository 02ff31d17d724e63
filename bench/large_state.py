#!/usr/bin/python3
"""A drift statistic over more values than fit in 1 GB: 150 million rows
(half reference, half current, 1.2 GB of float8), run by bench/large-state
on a throwaway cluster.  Reports time and the backend's peak memory
(VmHWM from /proc) with parallel workers off (one state past 1 GB, huge
allocations) and on (each worker's partial state must stay under the 1 GB
limit of what one worker can hand to the leader)."""
import argparse
import time

import psycopg2

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows", type=int, default=150_000_000)
args = ap.parse_args()

conn, cur = benchlib.connect()
cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'large_num'")
if cur.fetchone()[0] == 0:
    print(f"creating a table of {args.rows:,} rows ...", flush=True)
    t0 = time.time()
    cur.execute(f"""CREATE UNLOGGED TABLE large_num AS
        SELECT random() + (g % 2) * 0.01 AS value, g % 2 = 1 AS is_current
          FROM generate_series(1, {args.rows}) g""")
    cur.execute("VACUUM ANALYZE large_num")
    print(f"  {time.time() - t0:.0f} s", flush=True)


def peak_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


for workers in (0, 2):
    c = psycopg2.connect("")
    c.autocommit = True
    k = c.cursor()
    k.execute("SELECT pg_backend_pid()")
    pid = k.fetchone()[0]
    k.execute(f"SET max_parallel_workers_per_gather = {workers}")
    t0 = time.time()
    try:
        k.execute("SELECT (r).statistic, (r).pvalue, (r).n_reference, (r).n_current, (r).method"
                  " FROM (SELECT mlmon.ks_2samp(value, is_current) AS r FROM large_num) s")
        res = k.fetchone()
        outcome = f"statistic {res[0]:.6g}, p {res[1]:.3g}, n {res[2]:,} + {res[3]:,}, {res[4]}"
    except psycopg2.Error as e:
        outcome = f"ERROR: {e.pgerror.strip()}"
    print(f"workers {workers}: {time.time() - t0:.1f} s, leader peak memory "
          f"{peak_kb(pid) / 1024 / 1024:.2f} GiB; {outcome}", flush=True)
    c.close()
