#!/usr/bin/python3
"""Benchmark of incremental checks and logging (run by bench/monitoring on a
throwaway cluster): issue 14's targets, each as a ratio within one run, no
parallel workers for the checks.

a. An hourly check over a 1-day window (24 closed buckets) right after one
   new hour was logged, against a check of that one hour alone (target: at
   most 2x).  A model logs --rows-per-hour predictions (20 numeric features,
   half of them labelled through mlmon.labels with the prediction's time) for
   25 past hours; the reference is the first hour; one check of the next 24
   hours builds their summaries.  Then, per rep, the newest hour is made new
   again by deleting its stored summary and the 24-hour check is timed, and
   the one-hour check likewise.  The 24-hour full re-read (SET mlmon.summaries
   = off: every row read, as 0.2.0 did) is the baseline.  Rows each check
   reads from the log and the labels come from pg_stat_xact_user_tables.
b. Summarising one bucket of --bucket-rows rows against reading those rows'
   features once (a scan with the jsonb extraction of the 20 features):
   target at most 3x.  Timed: the rows part (mlmon._summarize_rows), the
   labels part (mlmon._summarize_labels) and the whole check of exactly that
   bucket with its summary deleted.
c. The size of that bucket's stored summary (rows_part + labels_part, as
   stored) against the log's size for the same rows (the daily partition
   with its indexes and TOAST, scaled to the bucket's rows): target at most
   1% at 1,000,000 rows per hour.
d. Logging: inserts per second with pgbench (4 clients) into mlmon.predictions
   against a bare table of the same shape, without partitions, indexes or
   triggers (target: within 10%); and into mlmon.predictions with its
   summary_changed trigger disabled, for what that trigger costs.

--quick runs small sizes (a smoke test of the script, not the targets)."""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import tempfile
import time

import benchlib

ap = argparse.ArgumentParser()
ap.add_argument("--rows-per-hour", type=int, help="rows per hour of the hourly model (a)")
ap.add_argument("--bucket-rows", type=int, help="rows of the one-hour bucket of (b) and (c)")
ap.add_argument("--features", type=int, default=20)
ap.add_argument("--reps", type=int)
ap.add_argument("--pgbench-seconds", type=int)
ap.add_argument("--quick", action="store_true", help="defaults for a smoke test: 5,000 rows per hour, 50,000 in the bucket, 3 reps, 5 s of pgbench "
                "(otherwise 100,000, 1,000,000, 5 and 20 s)")
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "monitoring.md"))
args = ap.parse_args()
for name, full, quick in (("rows_per_hour", 100_000, 5_000), ("bucket_rows", 1_000_000, 50_000), ("reps", 5, 3),
                          ("pgbench_seconds", 20, 5)):
    if getattr(args, name) is None:
        setattr(args, name, quick if args.quick else full)

conn, cur = benchlib.connect()
NF = args.features
HOUR = datetime.timedelta(hours=1)
KEYS = "'{" + ",".join(f"f{j:02d}" for j in range(1, NF + 1)) + "}'"
FEATS = ", ".join(f"'f{j:02d}', round((random() * {1 + (j % 3)} + {j % 5})::numeric, 5)" for j in range(1, NF + 1))
cur.execute("SET TimeZone = 'UTC'")
cur.execute("SET max_parallel_workers_per_gather = 0")
cur.execute("SELECT to_regprocedure('mlmon._jsonb_numbers(jsonb, text[])') IS NOT NULL")
assert cur.fetchone()[0], "mlmon._jsonb_numbers(jsonb, text[]) is missing: (b) has no baseline"


def one(sql, params=None):
    cur.execute(sql, params)
    return cur.fetchone()


def timed(sql, params=(), reps=args.reps):
    return benchlib.timed(cur, sql, params, reps)


def time_once(sql, params=()):
    t0 = time.perf_counter()
    cur.execute(sql, params)
    cur.fetchall()
    return time.perf_counter() - t0


def log_hours(model, start, hours, per_hour):
    """Log hours x per_hour predictions from start on (evenly spaced), half of them labelled."""
    step = HOUR / per_hour
    # the days' partitions first (one row each through the default partition), so the rows go straight in
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id)
                   SELECT %s, d, 'partition' FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 day') d""",
                (model, start, start + hours * HOUR))
    cur.execute("SELECT mlmon.maintain_partitions()")
    cur.execute("DELETE FROM mlmon.predictions WHERE model = %s AND request_id = 'partition'", (model,))
    cur.execute(f"""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
        SELECT %s, %s + (g - 1) * %s, %s || g, jsonb_build_object({FEATS}), (g %% 2)::text, random(), 5 + random() * 30
          FROM generate_series(1, %s) g""", (model, start, step, model, hours * per_hour))
    # labels as a pipeline that knows each prediction's time records them, right 90% of the time
    cur.execute("""INSERT INTO mlmon.labels (model, request_id, label, ts, predicted_label, score)
        SELECT p.model, p.request_id,
               CASE WHEN random() < 0.9 THEN p.predicted_label ELSE (1 - p.predicted_label::int)::text END,
               p.ts, p.predicted_label, p.score
          FROM mlmon.predictions p WHERE p.model = %s AND random() < 0.5""", (model,))


STAT_SQL = """SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)) FILTER (WHERE relname LIKE 'predictions%'), 0),
                       coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)) FILTER (WHERE relname = 'labels'), 0)
                  FROM pg_stat_xact_user_tables WHERE schemaname = 'mlmon'"""


def reads(sql, params=()):
    """Rows sql reads from the log (its partitions) and from the labels: (log, labels).  (PostgreSQL 15's
    pg_stat_xact_user_tables also counts earlier transactions' reads not yet flushed: the difference is taken.)"""
    cur.execute("BEGIN")
    before = one(STAT_SQL)
    cur.execute(sql, params)
    cur.fetchall()
    after = one(STAT_SQL)
    cur.execute("COMMIT")
    return int(after[0] - before[0]), int(after[1] - before[1])


CHECK = "SELECT mlmon.run_checks(%s, %s, %s)"
FORGET = "DELETE FROM mlmon.summaries WHERE model = %s AND bucket_start = %s"

# ---- setup -------------------------------------------------------------------------------------------------
now_hour = one("SELECT date_trunc('hour', now())")[0]
h_end = now_hour - HOUR                 # the newest hour ends an hour ago: closed and past the horizon
h_start = h_end - 25 * HOUR
newest = h_end - HOUR
d_bucket = one("SELECT date_trunc('day', now()) - interval '3 days' + interval '12 hours'")[0]   # alone in its day
RPH, NB = args.rows_per_hour, args.bucket_rows
for model, start, hours, per_hour in (("hourly", h_start, 25, RPH), ("bucket", d_bucket, 1, NB)):
    t0 = time.perf_counter()
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    log_hours(model, start, hours, per_hour)
    print(f"logged {hours * per_hour:,} predictions of {model} in {time.perf_counter() - t0:.0f} s", flush=True)
cur.execute("VACUUM ANALYZE mlmon.predictions")
cur.execute("VACUUM ANALYZE mlmon.labels")
cur.execute("SELECT mlmon.set_reference('hourly', %s, %s)", (h_start, h_start + HOUR))
cur.execute("SELECT mlmon.set_reference('bucket', %s, %s)", (d_bucket, d_bucket + HOUR))

# ---- a. the hourly check over a day after one new hour ------------------------------------------------------
w_from, w_to = h_start + HOUR, h_end
t_build = time_once(CHECK, ("hourly", w_from, w_to))          # builds the 24 summaries
n_stored = one("SELECT count(*) FROM mlmon.summaries WHERE model = 'hourly' AND bucket_start >= %s AND bucket_start < %s",
               (w_from, w_to))[0]
day, hour = [], []
for _ in range(args.reps):
    cur.execute(FORGET, ("hourly", newest))
    day.append(time_once(CHECK, ("hourly", w_from, w_to)))
    cur.execute(FORGET, ("hourly", newest))
    hour.append(time_once(CHECK, ("hourly", newest, w_to)))
t_day, t_hour = statistics.median(day), statistics.median(hour)
t_stored = timed(CHECK, ("hourly", w_from, w_to))
cur.execute(FORGET, ("hourly", newest))
r_day = reads(CHECK, ("hourly", w_from, w_to))
cur.execute(FORGET, ("hourly", newest))
r_hour = reads(CHECK, ("hourly", newest, w_to))
r_stored = reads(CHECK, ("hourly", w_from, w_to))
cur.execute("SET mlmon.summaries = off")
t_reread = timed(CHECK, ("hourly", w_from, w_to), max(1, args.reps // 2))
r_reread = reads(CHECK, ("hourly", w_from, w_to))
cur.execute("RESET mlmon.summaries")
ratio_a = t_day / t_hour
check_rows = [
    (f"24-hour check, all {n_stored} buckets to summarise (the first check)", t_build, None, "1 run"),
    ("**24-hour check, newest hour new** (23 stored summaries merged, 1 hour read)", t_day, r_day, ""),
    ("**one-hour check of that hour** (its summary deleted likewise)", t_hour, r_hour, ""),
    ("24-hour check, every summary stored", t_stored, r_stored, ""),
    ("24-hour full re-read (`SET mlmon.summaries = off`, as 0.2.0)", t_reread, r_reread, f"median of {max(1, args.reps // 2)}"),
]
lines_a = [f"| {name} | {sec:.3f} s | {'' if r is None else f'{r[0]:,}'} | {'' if r is None else f'{r[1]:,}'} | {note} |"
           for name, sec, r, note in check_rows]
for line in lines_a:
    print(line, flush=True)

# ---- b. summarising a bucket against reading its features once ---------------------------------------------
b_from, b_to = d_bucket, d_bucket + HOUR
bucket_win = "FROM mlmon.predictions p WHERE p.model = 'bucket' AND p.ts >= %s AND p.ts < %s"
cur.execute("DROP TABLE IF EXISTS bench_plan")
cur.execute("CREATE TEMP TABLE bench_plan AS SELECT (mlmon._check_plan('bucket')).summary AS plan")
REPS_B = min(args.reps, 3)
t_extract = timed(f"SELECT sum(cardinality(mlmon._jsonb_numbers(p.features, {KEYS}))) {bucket_win}", (b_from, b_to), REPS_B)
t_count = timed(f"SELECT count(*) {bucket_win}", (b_from, b_to), REPS_B)
t_rows = timed(f"""SELECT mlmon._summarize_rows(c.plan, p.features, p.predicted_label, p.predicted_value, p.score, p.latency_ms)
                     FROM bench_plan c, mlmon.predictions p WHERE p.model = 'bucket' AND p.ts >= %s AND p.ts < %s""",
               (b_from, b_to), REPS_B)
t_labels = timed("""SELECT mlmon._summarize_labels(c.plan, l.ts, l.label, l.actual_value, l.predicted_label,
                                                   l.predicted_value, l.score)
                      FROM bench_plan c, mlmon.labels l WHERE l.model = 'bucket' AND l.ts >= %s AND l.ts < %s""",
                 (b_from, b_to), REPS_B)
cur.execute("DROP TABLE bench_plan")
bcheck = []
for _ in range(REPS_B):
    cur.execute(FORGET, ("bucket", b_from))
    bcheck.append(time_once(CHECK, ("bucket", b_from, b_to)))
t_bcheck = statistics.median(bcheck)          # (the last run leaves the bucket's summary stored, for c)
n_labels = one("SELECT count(*) FROM mlmon.labels WHERE model = 'bucket'")[0]
lines_b = [f"| {name} | {sec:.3f} s | {sec / t_extract:.2f}x |" for name, sec in (
    (f"reading the rows' features once: scan + `_jsonb_numbers` of {NF} features (the baseline)", t_extract),
    ("scan alone (`count(*)`)", t_count),
    ("**rows part**: `_summarize_rows` over the bucket's rows", t_rows),
    (f"labels part: `_summarize_labels` over its {n_labels:,} labels", t_labels),
    ("**rows part + labels part**", t_rows + t_labels),
    ("the check of exactly that bucket, its summary deleted (summarising, storing, merging, results)", t_bcheck))]
for line in lines_b:
    print(line, flush=True)
ratio_b = (t_rows + t_labels) / t_extract

# ---- c. summary size against the log's ---------------------------------------------------------------------
s_rows, s_labels = one("""SELECT pg_column_size(rows_part), coalesce(pg_column_size(labels_part), 0)
                            FROM mlmon.summaries WHERE model = 'bucket' AND bucket_start = %s""", (b_from,))
part = f"mlmon.predictions_p{b_from:%Y%m%d}"
cur.execute(f"VACUUM ANALYZE {part}")
part_size, part_rows = one(f"SELECT pg_total_relation_size('{part}'), (SELECT count(*) FROM {part})")
bucket_rows = one(f"SELECT count(*) {bucket_win}", (b_from, b_to))[0]
log_share = part_size * bucket_rows / part_rows
labels_share = one("SELECT pg_total_relation_size('mlmon.labels') * (SELECT count(*) FROM mlmon.labels WHERE model = 'bucket')"
                   "::float8 / (SELECT count(*) FROM mlmon.labels)")[0]
ratio_c = (s_rows + s_labels) / log_share
print(f"summary {s_rows + s_labels:,} B (rows {s_rows:,}, labels {s_labels:,}); log {log_share:,.0f} B; {100 * ratio_c:.3f}%",
      flush=True)

# ---- d. logging throughput -----------------------------------------------------------------------------------
cur.execute("SELECT mlmon.maintain_partitions()")      # today's partition
cur.execute("DROP TABLE IF EXISTS bench_bare")
cur.execute("CREATE TABLE bench_bare (LIKE mlmon.predictions INCLUDING DEFAULTS)")
feats_pg = ", ".join(f"'f{j:02d}', random()" for j in range(1, NF + 1))
TRIGGER_OFF = "mlmon.predictions, summary_changed trigger disabled"
tps = {}
runs = {t: [] for t in ("bench_bare", "mlmon.predictions", TRIGGER_OFF)}
with tempfile.TemporaryDirectory() as d:
    for _ in range(3):          # the tables in turn, so that a change of the machine's speed hits them alike
        for table in runs:
            script = os.path.join(d, "insert.sql")
            with open(script, "w") as f:
                f.write(f"INSERT INTO {table.split(',')[0]} (model, request_id, features, predicted_label, score, latency_ms) "
                        f"VALUES ('hourly', 'pgbench' || :client_id || '-' || random(), jsonb_build_object({feats_pg}), "
                        f"'1', random(), random() * 30);\n")
            if table == TRIGGER_OFF:    # what the summaries' trigger costs (it records writes into closed buckets)
                cur.execute("ALTER TABLE mlmon.predictions DISABLE TRIGGER summary_changed")
                enabled = one("SELECT count(*) FROM pg_trigger WHERE tgname = 'summary_changed' AND tgenabled <> 'D' "
                              "AND tgrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = 'mlmon.predictions'::regclass)")[0]
                assert enabled == 0, "the trigger is still enabled on a partition"
            try:
                out = subprocess.run(["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(args.pgbench_seconds), "-f", script,
                                      os.environ.get("PGDATABASE", "postgres")],
                                     capture_output=True, text=True, check=True).stdout
            finally:
                if table == TRIGGER_OFF:
                    cur.execute("ALTER TABLE mlmon.predictions ENABLE ALWAYS TRIGGER summary_changed")
            runs[table].append(float(re.search(r"tps = ([0-9.]+)", out).group(1)))
for table in runs:
    tps[table] = statistics.median(runs[table])
    print(f"{table}: {tps[table]:.0f} inserts/s", flush=True)
cur.execute("DELETE FROM mlmon.predictions WHERE request_id LIKE 'pgbench%'")
cur.execute("DROP TABLE bench_bare")
slow = 1 - tps["mlmon.predictions"] / tps["bench_bare"]
slow_off = 1 - tps[TRIGGER_OFF] / tps["bench_bare"]


def verdict(ok):
    return "met" if ok else "**not met**"


report = [
    "# Monitoring benchmark", "",
    f"Machine: {benchlib.machine()}; shared with other work, so every figure is a ratio of timings taken in the same "
    f"run; medians of {args.reps} runs unless said.  Checks without parallel workers.  "
    f"{NF} numeric features per row; half the rows labelled (through mlmon.labels, with the prediction's time); "
    "buckets of 1 hour, all closed and past the summary horizon."
    + ("  **Quick run (`--quick`): sizes too small for the targets' conditions.**" if args.quick else ""), "",
    "## Targets", "",
    "| target | measured | |", "|---|---|---|",
    f"| a. hourly check of a 1-day window after one new hour, against a check of that hour alone: at most 2x | "
    f"{ratio_a:.2f}x | {verdict(ratio_a <= 2)} |",
    f"| b. summarising a bucket (rows part + labels part) against reading its rows' features once: at most 3x | "
    f"{ratio_b:.2f}x (rows part alone {t_rows / t_extract:.2f}x, the bucket's whole check {t_bcheck / t_extract:.2f}x) | "
    f"{verdict(ratio_b <= 3)} |",
    f"| c. summaries' size against the log's for the same rows, at {NB:,} rows per hour: at most 1% | "
    f"{100 * ratio_c:.3f}% | {verdict(ratio_c <= 0.01)}{'' if NB >= 1_000_000 else ' (not at 1M rows per hour)'} |",
    f"| d. logging into mlmon.predictions against a bare table: within 10% | {100 * slow:+.1f}% slower | "
    f"{verdict(slow <= 0.10)} |", "",
    f"## a. A 24-hour check after one new hour: {RPH:,} predictions per hour", "",
    f"25 hours logged ({25 * RPH:,} rows); the reference is the first hour; the check's window is the next 24 hours "
    "(24 buckets).  Before each timed run the newest hour's stored summary is deleted (`DELETE FROM mlmon.summaries "
    "WHERE model = ... AND bucket_start = <newest hour>`), so the check finds it new; the one-hour check's run likewise.  "
    "Rows read: tuples fetched from the log's partitions and from mlmon.labels (pg_stat_xact_user_tables) by one more run; "
    "a sequential scan counts every tuple of what it scans (the re-read scans the 25 hours' partitions and the whole "
    "mlmon.labels, the other model's labels too), an index scan only the rows it fetches.", "",
    "| check | time | log rows read | label rows read | |", "|---|---:|---:|---:|---|", *lines_a, "",
    f"The 24-hour check after one new hour takes {ratio_a:.2f}x the one-hour check (target at most 2x) and "
    f"{t_reread / t_day:.1f}x faster than the full re-read ({t_reread:.2f} s against {t_day:.3f} s).", "",
    f"## b. Summarising one bucket of {bucket_rows:,} rows (medians of {REPS_B} runs)", "",
    "The bucket's rows read with the plan of its check (kept in a temporary table); the baseline is one scan of the "
    f"bucket's rows extracting the {NF} features from jsonb (`SELECT sum(cardinality(mlmon._jsonb_numbers(p.features, "
    "'{f01,...}')))`).", "",
    "| step | time | x reading the features once |", "|---|---:|---:|", *lines_b, "",
    f"## c. Size of the stored summary of that bucket", "",
    "| | bytes | bytes per row |", "|---|---:|---:|",
    f"| rows_part (stored size, `pg_column_size`) | {s_rows:,} | {s_rows / bucket_rows:.3f} |",
    f"| labels_part ({n_labels:,} labels) | {s_labels:,} | {s_labels / bucket_rows:.3f} |",
    f"| **summary** | {s_rows + s_labels:,} | {(s_rows + s_labels) / bucket_rows:.3f} |",
    f"| **the log's rows**: partition {part} with indexes and TOAST ({part_size:,} B, {part_rows:,} rows), scaled to "
    f"the bucket's {bucket_rows:,} rows | {log_share:,.0f} | {log_share / bucket_rows:.1f} |",
    f"| (the bucket's labels' share of mlmon.labels, not counted above) | {labels_share:,.0f} | {labels_share / bucket_rows:.1f} |", "",
    f"The summary is {100 * ratio_c:.3f}% of the log's size for the same rows (target at most 1%).", "",
    f"## d. Logging: pgbench, 4 clients, {args.pgbench_seconds} s per run, medians of 3 runs (the tables in turn)", "",
    "| table | inserts per second |", "|---|---|",
    f"| bare table (no partitions, no index, no trigger) | {tps['bench_bare']:.0f} |",
    f"| mlmon.predictions | {tps['mlmon.predictions']:.0f} |",
    f"| (mlmon.predictions with its summary_changed trigger disabled, for what the trigger costs) | {tps[TRIGGER_OFF]:.0f} |", "",
    f"mlmon.predictions is {100 * abs(slow):.1f}% {'slower' if slow > 0 else 'faster'} than the bare table (target: at "
    f"most 10% slower; differences of a few percent are noise here); without its summary_changed trigger "
    f"{100 * abs(slow_off):.1f}% {'slower' if slow_off > 0 else 'faster'}.", "",
    "Command: `bench/monitoring` (options: `--rows-per-hour`, `--bucket-rows`, `--features`, `--reps`, "
    "`--pgbench-seconds`, `--quick`).",
]
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    f.write("\n".join(report) + "\n")
print("\n".join(report))
