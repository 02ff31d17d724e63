#!/usr/bin/python3
"""Checks from stored summaries equal the full re-read.  run_checks merges
the stored summaries of the closed buckets of its window and reads rows only
at its edges; with mlmon.summaries = off it reads every row of the window
and stores nothing.  Each case runs the same window both ways in the same
session (summarized first, then SET mlmon.summaries = off, then RESET) and
compares every result row: the same (check, metric, feature) rows and
methods, counts and drift decisions exactly, other values within 1e-12
relative (merged sums round differently), NULLs equal.

  1  random windows (edges inside buckets and on boundaries, inside one
     bucket, over empty hours, longer than a day, up to now) of a
     classifier and a regressor; summaries are stored, a repeat reads them
  2  sketched profiles (mlmon.profile_exact_cap = 100): exact tests equal,
     normed Wasserstein within the profiles' error bounds
  3  late rows into summarized buckets     4  late labels and corrections
  5  a label recorded before its prediction  6  edits and deletes
  7  apply_retention   8  set_reference   9  set_bucket_width (15 min, 1 day)
  10 sources (tracked, with an id column, untracked)   11 pg_dump / restore
  12 the drift decisions of every window of case 1 (some windows drift)
Runs in databases of its own (dropped at the end unless KEEP is set)."""
import datetime
import json
import math
import os
import random
import subprocess
import tempfile
import time

import numpy as np
import psycopg2

from common import Checker, connect, copy_rows

T0 = time.time()
chk = Checker("summaries")
REL = 1e-12
# results that count or decide: equal exactly
EXACT = {"rows", "labeled_rows", "n", "drift_detected", "drifted_features", "drift_share", "dataset_drift",
         "threshold", "stream_drifts", "first_stream_drift_time", "scored_rows", "unexpected_feature_rows",
         "missing_rate", "invalid_rate", "out_of_range_rate", "unseen_category_rate", "malformed_rate",
         "unexpected_features_rate", "anomaly_rate", "prediction_share", "reference_accuracy"}
US = datetime.timedelta(microseconds=1)
HOUR = datetime.timedelta(hours=1)
# a zone with a half-hour offset: buckets are bins of UTC time whatever the session's zone
TZ = "Asia/Kolkata"

DB, DB_SRC, DB_DST = "mlmon_summaries", "mlmon_summaries_src", "mlmon_summaries_dst"
admin = connect()
adm = admin.cursor()
for d in (DB, DB_SRC, DB_DST):
    adm.execute(f"DROP DATABASE IF EXISTS {d}")
adm.execute(f"CREATE DATABASE {DB}")


def db(name):
    c = psycopg2.connect(dbname=name, options=f"-c TimeZone={TZ}")
    c.autocommit = True
    return c


conn = db(DB)
cur = conn.cursor()
cur.execute("CREATE EXTENSION mlmon")


def q1(sql, args=None, c=None):
    c = c or cur
    c.execute(sql, args)
    return c.fetchone()[0]


NOW = q1("SELECT now()")


# ---------------------------------------------------------------------------- helpers

class Result:
    def __init__(self, cid, rows, n_rows, n_labeled):
        self.cid, self.rows, self.n_rows, self.n_labeled = cid, rows, n_rows, n_labeled


def run(model, ws, we, summaries=True, c=None):
    """One check; its results keyed by (check, metric, feature)."""
    c = c or cur
    if not summaries:
        c.execute("SET mlmon.summaries = off")
    try:
        c.execute("SELECT mlmon.run_checks(%s, %s, %s)", (model, ws, we))
        cid = c.fetchone()[0]
    finally:
        if not summaries:
            c.execute("RESET mlmon.summaries")
    c.execute("""SELECT "check", metric, coalesce(feature, ''), value, coalesce(method, '')
                   FROM mlmon.check_results WHERE check_id = %s""", (cid,))
    rows = {}
    for ch, m, f, v, me in c.fetchall():
        if (ch, m, f) in rows:
            chk.failures.append(f"check {cid}: result ({ch}, {m}, {f}) twice")
        rows[(ch, m, f)] = (v, me)
    c.execute("SELECT n_rows, n_labeled FROM mlmon.checks WHERE check_id = %s", (cid,))
    n_rows, n_labeled = c.fetchone()
    return Result(cid, rows, n_rows, n_labeled)


STATS = {"values": 0, "bitwise": 0}


def compare(label, s, f, skip=lambda key: False):
    """Every result of the summarized check s against the full re-read f."""
    chk.equal(f"{label}: (n_rows, n_labeled)", (s.n_rows, s.n_labeled), (f.n_rows, f.n_labeled))
    ks, kf = set(s.rows), set(f.rows)
    chk.equal(f"{label}: result rows (only summarized, only re-read)", (sorted(ks - kf), sorted(kf - ks)), ([], []))
    for key in sorted(ks & kf):
        (vs, ms), (vf, mf) = s.rows[key], f.rows[key]
        name = f"{label} {key[0]}.{key[1]}" + (f"[{key[2]}]" if key[2] else "")
        if ms != mf:
            chk.equal(f"{name}: method", ms, mf)
        if skip(key):
            continue
        STATS["values"] += 1
        STATS["bitwise"] += vs == vf or (vs is not None and vf is not None and math.isnan(vs) and math.isnan(vf))
        if key[1] in EXACT:
            chk.equal(f"{name}: {key[1]}", vs, vf)
        else:
            chk.close(f"{name}: {key[1]}", vs, vf, REL)


# The summarized check runs first: it is the one that matches the labels recorded before their
# prediction and matches labels again after edits of closed buckets; the re-read then reads the
# labels as they stand (mlmon.summaries = off reads the copies kept beside the labels unchanged).
def both(label, model, ws, we, skip=lambda key: False, c=None):
    s = run(model, ws, we, True, c)
    f = run(model, ws, we, False, c)
    compare(label, s, f, skip)
    return s, f


RAW_COLS = "off bigint, rid text, features jsonb, plabel text, pvalue float8, score float8, latency float8, label text, actual float8"


def log(model, base, rows, labels=True):
    """rows: (offset us, rid, features json text, predicted label, predicted value, score, latency, label, actual);
    inserted into the log at base + offset, then labels recorded for those that have one."""
    copy_rows(cur, "raw", RAW_COLS, rows)
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, predicted_value,
                                                  score, latency_ms)
                   SELECT %s, %s::timestamptz + off * interval '1 microsecond', rid, features, plabel, pvalue, score,
                          latency FROM raw""", (model, base))
    cur.execute("ANALYZE mlmon.predictions")
    if labels:
        record(model, base)


def record(model, base):
    """Record the labels of the rows in temp table raw: most by request id, every tenth with the prediction's time."""
    cur.execute("""SELECT count(*) FROM (
                     SELECT CASE WHEN label IS NOT NULL AND right(rid, 1) = '7'
                                 THEN mlmon.record_label(%(m)s, rid, label, %(b)s::timestamptz + off * interval '1 microsecond')
                                 WHEN label IS NOT NULL THEN mlmon.record_label(%(m)s, rid, label)
                                 WHEN right(rid, 1) = '7'
                                 THEN mlmon.record_label(%(m)s, rid, actual, %(b)s::timestamptz + off * interval '1 microsecond')
                                 ELSE mlmon.record_label(%(m)s, rid, actual) END
                       FROM raw WHERE label IS NOT NULL OR actual IS NOT NULL) x""", {"m": model, "b": base})
    cur.execute("ANALYZE mlmon.labels")


def summaries(model):
    """The stored summaries of a model: {bucket_start: (fingerprint, built_at, labels_valid)}."""
    cur.execute("SELECT bucket_start, fingerprint, built_at, labels_valid FROM mlmon.summaries WHERE model = %s", (model,))
    return {b: (fp, at, v) for b, fp, at, v in cur.fetchall()}


def invalidations(model):
    return q1("SELECT count(*) FROM mlmon.summary_invalidations WHERE model = %s", (model,))


def floor_bucket(t, width):
    """date_bin(width, t, 2000-01-01 UTC)"""
    origin = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    return origin + ((t - origin) // width) * width


NOW_HOUR = floor_bucket(NOW, HOUR)      # (buckets are bins of UTC time: not date_trunc in this zone)


def full_buckets(ws, we, width, now):
    """The buckets a summarized check of [ws, we) may store: whole, inside the window, closed by now."""
    b = floor_bucket(ws, width)
    if b < ws:
        b += width
    end = floor_bucket(min(we, now), width)
    out = set()
    while b < end:
        out.add(b)
        b += width
    return out


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


def js(obj):
    return json.dumps(obj)


# ------------------------------------------------------------------ case 1: a classifier over 2.5 days

rng = np.random.default_rng(20261203)
R = random.Random(20261203)
HOURS = 60
BASE = NOW_HOUR - (HOURS + 1) * HOUR      # rows in [BASE, BASE + 60 h), the last bucket ends an hour before now's


def at(h):
    """BASE + h hours, to the microsecond."""
    return BASE + datetime.timedelta(microseconds=round(h * 3600e6))


EMPTY = {15, 33, 34}


def cls_row(h, off, i):
    n1 = round(float(rng.normal(1.0 if 30 <= h < 40 else 0.0, 1)), 6)
    n2 = round(float(rng.lognormal(0, 0.5) * (1.6 if 44 <= h < 50 else 1)), 5)
    n3 = round(float(rng.uniform(0, 10)), 2)
    n4 = int(rng.integers(0, 30)) + (6 if 50 <= h < 56 else 0)
    n5 = round(float(rng.normal(5, 2)), 4)
    n6 = round(float(rng.exponential(1)), 5) if rng.random() > 0.005 else 50.0
    c_int = int(rng.choice(4, p=[.1, .2, .3, .4] if 20 <= h < 28 else [.4, .3, .2, .1]))
    if h >= 40 and rng.random() < 0.01:
        c_int = 7                               # unseen in the reference
    c_bin = int(rng.random() < (0.5 if h >= 45 else 0.3))
    c_str = str(rng.choice(["red", "green", "blue"], p=[.5, .3, .2]))
    if h >= 30 and rng.random() < 0.01:
        c_str = "purple"
    f = {"n1": n1, "n2": n2, "n3": n3, "n4": n4, "n5": n5, "n6": n6, "c_int": c_int, "c_bin": c_bin, "c_str": c_str}
    u = rng.random()
    if u < 0.01:
        del f["n3"]
    elif u < 0.015:
        f["n3"] = None
    elif u < 0.02:
        f["n3"] = "abc"
    elif u < 0.023:
        f["n3"] = {"o": 1}
    elif u < 0.025:
        f["n3"] = True
    u = rng.random()
    if u < 0.01:
        f["c_str"] = None
    elif u < 0.015:
        del f["c_str"]
    elif u < 0.02:
        f["c_int"] = str(c_int)
    u = rng.random()
    if h >= 10 and u < 0.03:                   # keys the reference does not have
        f["extra_a"] = 1
    elif h >= 10 and u < 0.04:
        f["extra_b"] = "x"
    feats = js(f)
    if i % 997 == 500:
        feats = "[1, 2]"
    elif i % 1499 == 700:
        feats = '"text"'
    elif i % 2003 == 1000:
        feats = None
    logit = 1.2 * n1 + 0.8 * c_bin - 0.5
    score = round(sigmoid(logit + float(rng.normal(0, 0.5))), 6)
    plabel = "1" if score > 0.5 else "0"
    if rng.random() < 0.02:
        score = None
    if rng.random() < 0.005:
        plabel = None
    if 40 <= h < 48:
        truth = str(int(rng.integers(0, 2)))    # the concept breaks: labels no longer follow the features
    else:
        truth = "1" if rng.random() < sigmoid(logit) else "0"
    label = truth if rng.random() < 0.85 else None
    latency = round(float(rng.gamma(2, 20)), 3) if rng.random() > 0.02 else None
    return (off, f"c{i}", feats, plabel, None, score, latency, label, None)


def hourly(hours, empty, per_hour, make):
    rows, i = [], 0
    for h in range(hours):
        if h in empty:
            continue
        n = int(rng.integers(*per_hour))
        offs = np.sort(rng.integers(1, 3600 * 10**6, n))
        if h % 2 == 0:
            offs[0] = 0                     # a row exactly on the bucket's start
        for j in range(1, n, 9):
            offs[j] = offs[j - 1]           # rows at the same time
        for off in np.sort(offs):
            rows.append(make(h, h * 3600 * 10**6 + int(off), i))
            i += 1
    return rows


cls_rows = hourly(HOURS, EMPTY, (70, 111), cls_row)
# and a few rows of the last minutes: in the bucket still open (or the one just closed)
for k in range(1, 16):
    r = cls_row(HOURS, 0, 90000 + k)
    cls_rows.append((int((NOW - BASE - datetime.timedelta(seconds=97 * k)) / US),) + r[1:])
cur.execute("SELECT mlmon.register_model('cls', '1', 'classification')")
cur.execute("UPDATE mlmon.models SET drift_correction = 'benjamini_hochberg' WHERE name = 'cls'")
cur.execute("""INSERT INTO mlmon.drift_settings (model, feature, test) VALUES
               ('cls', 'n4', 'wasserstein'), ('cls', 'n5', 'psi'), ('cls', 'n6', 'jensen_shannon'), ('cls', 'c_str', 'psi')""")
log("cls", BASE, cls_rows)
cur.execute("SELECT mlmon.set_reference('cls', %s, %s)", (at(0), at(10)))
chk.equal("cls: reference rows", cur.fetchone()[0], sum(1 for r in cls_rows if r[0] < 10 * 3600 * 10**6))
cur.execute("""SELECT feature, kind, (SELECT test FROM mlmon._drift_test('cls', feature, kind, n, distinct_values))
                 FROM mlmon.reference_profiles WHERE model = 'cls' AND role = 'feature' ORDER BY 1""")
chk.equal("cls: features, kinds and tests", cur.fetchall(),
          [("c_bin", "categorical", "z_test"), ("c_int", "categorical", "chi2"), ("c_str", "categorical", "psi"),
           ("n1", "numeric", "ks"), ("n2", "numeric", "ks"), ("n3", "numeric", "ks"), ("n4", "numeric", "wasserstein"),
           ("n5", "numeric", "psi"), ("n6", "numeric", "jensen_shannon")])
chk.equal("cls: calibrated for CBPE", q1("SELECT count(*) FROM mlmon.calibrations WHERE model = 'cls'"), 1)


def cls_windows():
    w = []
    for _ in range(8):                                   # both edges inside buckets
        s = R.uniform(10, 50)
        w.append(("inner", at(s), at(s + R.uniform(1.5, 12))))
    for _ in range(6):                                   # both on bucket boundaries
        s = R.randint(10, 50)
        w.append(("aligned", at(s), at(s + R.randint(1, 10))))
    for _ in range(4):                                   # one edge on a boundary
        s = R.randint(10, 45)
        if R.random() < 0.5:
            w.append(("aligned start", at(s), at(s + R.uniform(2, 14))))
        else:
            w.append(("aligned end", at(s - R.uniform(2, 14)), at(s)))
    for _ in range(5):                                   # inside one bucket
        h = R.randint(10, 59)
        a, b = sorted(R.uniform(0, 1) for _ in range(2))
        w.append(("one bucket", at(h + a), at(h + b)))
    w.append(("over empty hour 15", at(R.uniform(12, 14.9)), at(R.uniform(16.2, 20))))
    w.append(("over empty hours 33-34", at(R.uniform(30, 32.9)), at(R.uniform(35.1, 38))))
    w.append(("from empty hour 33", at(33), at(R.uniform(36, 40))))
    w.append(("inside empty hours", at(33.2), at(34.9)))
    for _ in range(5):                                   # longer than a day
        s = R.uniform(10, 30)
        w.append(("long", at(s), at(s + R.uniform(24.5, 30))))
    w.append(("up to now", at(R.uniform(40, 58)), NOW))
    w.append(("past now", at(R.uniform(40, 58)), NOW + 30 * 60 * 1000000 * US))
    w.append(("to the open bucket's start", at(R.randint(45, 58)), NOW_HOUR))
    w.append(("the last minutes", at(HOURS + 0.5), NOW + 60 * 1000000 * US))
    w.append(("from before the data", BASE - 5 * HOUR, at(R.uniform(12, 30))))
    w.append(("one microsecond with a row", at(20), at(20) + US))
    w.append(("ending where a row is", at(17.5), at(18)))
    w.append(("starting where a row is", at(18), at(18.5)))
    return w


windows = cls_windows()
R.shuffle(windows)
chk.equal("case 1: 40 windows", len(windows), 40)
drifted_windows = 0
stored_expected_lo, stored_expected_hi = set(), set()
case1 = {}
for k, (kind, ws, we) in enumerate(windows):
    s, f = both(f"case 1 cls window {k} ({kind})", "cls", ws, we)
    case1[k] = s
    if f.rows.get(("data_drift", "drifted_features", ""), (0,))[0] > 0:
        drifted_windows += 1
    stored_expected_lo |= full_buckets(ws, we, HOUR, NOW)
now_end = datetime.datetime.now(datetime.timezone.utc)
for kind, ws, we in windows:
    stored_expected_hi |= full_buckets(ws, we, HOUR, now_end)
stored = summaries("cls")
print(f"case 1: {len(stored)} buckets of cls stored, {drifted_windows} of {len(windows)} windows with a drifted feature")
chk.equal("case 1: summaries stored (not vacuous)", len(stored) >= 30, True)
chk.equal("case 1: the buckets stored are the closed whole buckets of the windows",
          stored_expected_lo <= set(stored) <= stored_expected_hi, True)
chk.equal("case 1: every stored summary of one plan", len({v[0] for v in stored.values()}), 1)
chk.equal("case 12: windows with a drifted feature (not vacuous)", 5 <= drifted_windows < len(windows), True)
chk.equal("case 1: no change pending", invalidations("cls"), 0)


def log_reads():
    """Tuples read so far in this transaction from the log's partitions and the labels."""
    return q1("""SELECT coalesce(sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)), 0)
                   FROM pg_stat_xact_user_tables
                  WHERE schemaname = 'mlmon' AND (relname LIKE 'predictions%' OR relname = 'labels')""")


# a repeat of the longest window reads the stored summaries: nothing is built, the results are the same
k_long = max(case1, key=lambda k: windows[k][2] - windows[k][1] if windows[k][2] < NOW else datetime.timedelta(0))
kind, ws, we = windows[k_long]
cur.execute("BEGIN")
r0 = log_reads()
again = run("cls", ws, we)
reads_summarized = log_reads() - r0
cur.execute("COMMIT")
cur.execute("BEGIN")
r0 = log_reads()
run("cls", ws, we, summaries=False)
reads_full = log_reads() - r0
cur.execute("COMMIT")
chk.equal("case 1 repeat: no summary built or rebuilt", summaries("cls"), stored)
chk.equal("case 1 repeat: the same results", (again.rows, again.n_rows, again.n_labeled),
          (case1[k_long].rows, case1[k_long].n_rows, case1[k_long].n_labeled))
print(f"case 1 repeat of a {we - ws} window: {reads_summarized} rows and labels read, {reads_full} by the re-read")
chk.equal("case 1 repeat: reads only the edges (a tenth of the re-read's rows at most)",
          reads_summarized * 10 <= reads_full, True)


# ------------------------------------------------------------------ case 1: a regressor

RH = 36
BASE_R = NOW_HOUR - (RH + 1) * HOUR


def at_r(h):
    return BASE_R + datetime.timedelta(microseconds=round(h * 3600e6))


def reg_row(h, off, i):
    r1 = round(float(rng.normal(0.5 if h >= 24 else 0, 1)), 6)
    r2 = round(float(rng.uniform(0, 4)), 4)
    r3 = int(rng.integers(0, 20))
    rc = str(rng.choice(["a", "b", "c"]))
    f = {"r1": r1, "r2": r2, "r3": r3, "rc": rc}
    if rng.random() < 0.02:
        f["r2"] = "n/a"
    y = 3 * r1 + r2 + float(rng.normal(0, 1))
    yhat = round(3 * r1 + r2 + (1.5 if 26 <= h < 30 else 0), 6)
    actual = round(y, 6) if rng.random() < 0.8 else None
    return (off, f"g{i}", js(f), None, yhat if rng.random() > 0.01 else None, None,
            round(float(rng.gamma(3, 5)), 2), None, actual)


reg_rows = hourly(RH, {20}, (40, 70), reg_row)
cur.execute("SELECT mlmon.register_model('reg', '1', 'regression')")
log("reg", BASE_R, reg_rows)
cur.execute("SELECT mlmon.set_reference('reg', %s, %s)", (at_r(0), at_r(8)))
reg_windows = []
for _ in range(4):
    s = R.uniform(8, 30)
    reg_windows.append((at_r(s), at_r(s + R.uniform(1, 6))))
for _ in range(3):
    s = R.randint(8, 30)
    reg_windows.append((at_r(s), at_r(s + R.randint(1, 6))))
reg_windows += [(at_r(19.5), at_r(21.5)), (at_r(10.2), at_r(35.9)), (at_r(12), NOW), (at_r(22.1), at_r(22.9)),
                (at_r(8), at_r(RH))]
for k, (ws, we) in enumerate(reg_windows):
    both(f"case 1 reg window {k}", "reg", ws, we)
chk.equal("case 1: summaries of reg stored", len(summaries("reg")) >= 15, True)
s, _ = both("case 1 reg: concept drift", "reg", at_r(8), at_r(RH))
chk.equal("case 1 reg: Page-Hinkley sees the biased hours (not vacuous)",
          s.rows.get(("concept_drift", "stream_drifts", ""), (0,))[0] > 0, True)
print(f"case 1: {len(windows)} + {len(reg_windows) + 1} windows, {time.time() - T0:.1f} s")


# ------------------------------------------------------------------ case 2: sketched profiles

SH = 30
BASE_S = NOW_HOUR - (SH + 1) * HOUR


def at_s(h):
    return BASE_S + datetime.timedelta(microseconds=round(h * 3600e6))


SK_FEATURES = ["x_ks", "x_psi", "x_w", "x_w2", "x_js"]


def sk_row(h, off, i):
    f = {"x_ks": round(float(rng.normal(0.3 if 15 <= h < 20 else 0, 1)), 6),
         "x_psi": round(float(rng.normal(0, 1 if h < 22 else 1.3)), 6),
         # drifts slowly: its normed Wasserstein distance crosses 0.1 in the middle of the data
         "x_w": round(float(rng.uniform(0, 10)) + 0.12 * h / 3, 6),
         "x_w2": round(float(rng.lognormal(0, 0.7)), 6),
         "x_js": round(float(rng.gamma(2, 1)), 6),
         "cat": str(rng.choice(list("abcdefgh"))),
         "cat_js": str(rng.choice(["p", "q", "r"], p=[.5, .3, .2] if h < 20 else [.4, .3, .3]))}
    score = round(float(rng.integers(0, 65)) / 64, 6)   # few distinct scores: ROC AUC stays exact
    label = ("1" if rng.random() < score else "0") if rng.random() < 0.9 else None
    return (off, f"s{i}", js(f), "1" if score > 0.5 else "0", None, score,
            round(float(rng.lognormal(3, 0.6)), 6), label, None)


sk_rows = hourly(SH, set(), (130, 170), sk_row)
cur.execute("SELECT mlmon.register_model('sk', '1', 'classification')")
cur.execute("""INSERT INTO mlmon.drift_settings (model, feature, test) VALUES
               ('sk', 'x_ks', 'ks'), ('sk', 'x_psi', 'psi'), ('sk', 'x_w', 'wasserstein'), ('sk', 'x_w2', 'wasserstein'),
               ('sk', 'x_js', 'jensen_shannon'), ('sk', 'cat', 'chi2')""")
log("sk", BASE_S, sk_rows)
SK_REF_END = 8
cur.execute("SELECT mlmon.set_reference('sk', %s, %s)", (at_s(0), at_s(SK_REF_END)))
chk.equal("case 2: the reference profiles are exact (the KS grid and the bins are kept)",
          q1("SELECT bool_and(mlmon.is_exact(profile)) FROM mlmon.reference_profiles WHERE model = 'sk'"), True)
SK = {name: np.array([json.loads(r[2])[name] for r in sk_rows]) for name in SK_FEATURES}
SK_T = np.array([r[0] for r in sk_rows])
SK_LAT = np.array([r[6] for r in sk_rows])
ref_mask = SK_T < SK_REF_END * 3600 * 10**6


def sketch_bounds(model, ws, we, summaries):
    """The plan's features and the error bounds of the window's profiles: [latency, prediction, feature 1 ...]."""
    if not summaries:
        cur.execute("SET mlmon.summaries = off")
    cur.execute("""WITH p AS (SELECT mlmon._check_plan(%(m)s) AS plan),
                        s AS (SELECT plan, mlmon._window_summary(%(m)s, plan, %(ws)s, %(we)s) AS s FROM p)
                   SELECT ((plan).summary).features,
                          ARRAY(SELECT coalesce(mlmon.error_bound(mlmon._summary_profile(s, i)), 0)
                                  FROM generate_series(-1, cardinality(((plan).summary).features)) i)
                     FROM s""", {"m": model, "ws": ws, "we": we})
    out = cur.fetchone()
    if not summaries:
        cur.execute("RESET mlmon.summaries")
    return out[0], out[1]


cur.execute("SET mlmon.profile_exact_cap = 100")
sk_windows = [(at_s(R.uniform(8, 14)), at_s(R.uniform(20, 29))) for _ in range(4)]
sk_windows += [(at_s(h), at_s(h + R.randint(3, 12))) for h in R.sample(range(8, 18), 3)]
sk_windows += [(at_s(R.uniform(9, 27)), None) for _ in range(3)]
sk_windows = [(ws, we if we is not None else ws + datetime.timedelta(hours=R.uniform(0.2, 0.9))) for ws, we in sk_windows]
sk_windows.append((at_s(SK_REF_END), at_s(SH)))
near, sketched, w_differ, worst = [], 0, 0, 0.0
for k, (ws, we) in enumerate(sk_windows):
    feats, eb_s = sketch_bounds("sk", ws, we, True)
    _, eb_f = sketch_bounds("sk", ws, we, False)
    sketched += eb_s[2:] != [0.0] * len(feats)
    lo, hi = int((ws - BASE_S) / US), int((we - BASE_S) / US)
    win = (SK_T >= lo) & (SK_T < hi)
    wbound = {}
    for j, name in enumerate(feats):
        if name in SK:
            vals = np.concatenate([SK[name][ref_mask], SK[name][win]])
            wbound[name] = (eb_s[j + 2] + eb_f[j + 2]) * (vals.max() - vals.min()) / max(float(np.std(SK[name][ref_mask])), 0.001)
    w_features = {"x_w", "x_w2"}

    def approximate(key, w_features=w_features):
        c, m, f = key
        return ((c, m) == ("data_drift", "effect_size") and f in wbound) or \
            (c == "data_drift" and m in ("statistic", "drift_detected") and f in w_features) or \
            (c == "data_drift" and m in ("drifted_features", "drift_share", "dataset_drift")) or \
            (c == "latency" and m in ("p50_ms", "p90_ms", "p95_ms", "p99_ms"))
    s, f = both(f"case 2 sk window {k}", "sk", ws, we, skip=approximate)
    label = f"case 2 sk window {k}"
    decisions_differ = False
    for name in wbound:
        for metric in ("effect_size", "statistic") if name in w_features else ("effect_size",):
            key = ("data_drift", metric, name)
            if s.rows.get(key, (None,))[0] is None or f.rows.get(key, (None,))[0] is None:
                chk.equal(f"{label} {name}: {metric} in both", s.rows.get(key), f.rows.get(key))
                continue
            vs, vf = s.rows[key][0], f.rows[key][0]
            w_differ += vs != vf
            if wbound[name] > 0:
                worst = max(worst, abs(vs - vf) / wbound[name])
            chk.equal(f"{label} {name}: normed Wasserstein {vs!r} vs {vf!r} within {wbound[name]:.3g}",
                      abs(vs - vf) <= wbound[name] * (1 + 1e-9) + 1e-12, True)
        if name in w_features:
            vs, vf = s.rows[("data_drift", "statistic", name)][0], f.rows[("data_drift", "statistic", name)][0]
            ds, df = s.rows[("data_drift", "drift_detected", name)][0], f.rows[("data_drift", "drift_detected", name)][0]
            thr = f.rows[("data_drift", "threshold", name)][0]
            if abs(vf - thr) <= wbound[name] or abs(vs - thr) <= wbound[name]:
                near.append((k, name, vs, vf, thr, wbound[name], ds == df))
                decisions_differ |= ds != df
            else:
                chk.equal(f"{label} {name}: drift_detected", ds, df)
    for metric in ("drifted_features", "drift_share", "dataset_drift"):
        key = ("data_drift", metric, "")
        if not decisions_differ:
            chk.equal(f"{label}: {metric}", s.rows.get(key), f.rows.get(key))
    # latency quantiles: each within its profile's rank error of the window's own quantile
    lat = np.sort(SK_LAT[win])
    n = len(lat)
    for metric, qq in (("p50_ms", .5), ("p90_ms", .9), ("p95_ms", .95), ("p99_ms", .99)):
        for who, res, eb in (("summarized", s, eb_s[0]), ("re-read", f, eb_f[0])):
            v = res.rows[("latency", metric, "")][0]
            lo_i = max(0, math.floor((qq - eb) * (n - 1)) - 1)
            hi_i = min(n - 1, math.ceil((qq + eb) * (n - 1)) + 1)
            chk.equal(f"{label} latency {metric} ({who}) {v!r} within [{lat[lo_i]!r}, {lat[hi_i]!r}] (bound {eb:.3g})",
                      lat[lo_i] <= v <= lat[hi_i], True)
cur.execute("RESET mlmon.profile_exact_cap")
chk.equal("case 2: windows with sketched profiles (not vacuous)", sketched >= 5, True)
chk.equal("case 2: Wasserstein statistics that differ (not vacuous)", w_differ > 0, True)
print(f"case 2: {sketched} of {len(sk_windows)} windows sketched, {w_differ} Wasserstein values differ "
      f"(largest difference {worst:.2f} of its bound); {len(near)} statistics within their bound of the threshold:")
for k, name, vs, vf, thr, b, same in near:
    print(f"    window {k} {name}: summarized {vs:.6f}, re-read {vf:.6f}, threshold {thr}, bound {b:.4f}, "
          f"{'same decision' if same else 'decisions differ'}")


# ------------------------------------------------------------------ case 3: late rows

def late_row(i, h):
    """A row of cls at hour h (a float), request id late<i>."""
    return (int((at(h) - BASE) / US), f"late{i}") + cls_row(int(h), 0, i)[2:]


W3 = (at(41.3), at(50.6))
before3 = run("cls", *W3)
st = summaries("cls")
chk.equal("case 3: the buckets of hours 42 and 15 are stored", (at(42) in st, at(15) in st), (True, True))
chk.equal("case 3: nothing pending", invalidations("cls"), 0)
late = [late_row(i, h) for i, h in enumerate([42.25, 42.25, 42.9, 47.0001, 44.5])]
log("cls", BASE, late)
cur.execute("SELECT count(*), count(DISTINCT bucket_start), min(part), max(part) FROM mlmon.summary_invalidations WHERE model = 'cls'")
n_inv, n_buckets, pmin, pmax = cur.fetchone()
chk.equal("case 3: late rows and their labels recorded as changes of 3 buckets", (n_buckets, n_inv >= 3), (3, True))
chk.equal("case 3: parts recorded", (pmin, pmax), ("labels", "rows"))
s, f = both("case 3 late rows", "cls", *W3)
chk.equal("case 3: the late rows counted", s.n_rows, before3.n_rows + 5)
chk.equal("case 3: the changes are consumed", invalidations("cls"), 0)
chk.equal("case 3: the bucket was rebuilt", summaries("cls")[at(42)][1] > st[at(42)][1], True)
chk.equal("case 3: an untouched bucket was not", summaries("cls")[at(43)][1], st[at(43)][1])
# late rows into a stored bucket that had no rows (the empty hour 15)
chk.equal("case 3: the empty hour's summary has no rows",
          q1("SELECT rows_part IS NULL FROM mlmon.summaries WHERE model = 'cls' AND bucket_start = %s", (at(15),)), True)
log("cls", BASE, [late_row(i, h) for i, h in ((10, 15.5), (11, 15.75))])
both("case 3 late rows into an empty hour", "cls", at(14.5), at(16.5))
both("case 3 late rows, aligned window", "cls", at(15), at(16))


# ------------------------------------------------------------------ case 4: late labels, corrections

W4 = (at(40.5), at(49.2))
run("cls", *W4)
cur.execute("""SELECT p.request_id, p.ts, coalesce(l.label, 'none') FROM mlmon.predictions p
                 LEFT JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
                WHERE p.model = 'cls' AND p.ts >= %s AND p.ts < %s AND p.request_id LIKE 'c%%' ORDER BY p.ts, p.request_id""", W4)
rows4 = cur.fetchall()
unlabeled = [r for r in rows4 if r[2] == "none"][:40]
labeled = [r for r in rows4 if r[2] != "none"][::7][:60]
chk.equal("case 4: rows to label and to correct", (len(unlabeled), len(labeled)), (40, 60))
cur.executemany("SELECT mlmon.record_label('cls', %s, %s)", [(r[0], "1") for r in unlabeled[:20]])
cur.executemany("SELECT mlmon.record_label('cls', %s, %s, %s)", [(r[0], "0", r[1]) for r in unlabeled[20:]])
cur.executemany("SELECT mlmon.record_label('cls', %s, %s)", [(r[0], "0" if r[2] == "1" else "1") for r in labeled])
chk.equal("case 4: labels recorded as changes", invalidations("cls") > 0, True)
s, f = both("case 4 late and corrected labels", "cls", *W4)
chk.equal("case 4: performance, concept drift and CBPE present",
          all(k in s.rows for k in [("performance", "accuracy", ""), ("concept_drift", "error_rate_z", ""),
                                     ("estimated_performance", "realized_accuracy", ""), ("performance", "roc_auc", "")]), True)
chk.equal("case 4: the changes are consumed", invalidations("cls"), 0)
both("case 4 a wider window", "cls", at(30), at(58.5))
chk.equal("case 4: labels_valid again", all(v[2] for b, v in summaries("cls").items() if at(30) <= b < at(58)), True)
# the regressor: new actual values and corrected ones
W4r = (at_r(9.5), at_r(33.5))
run("reg", *W4r)
cur.execute("""SELECT p.request_id, l.actual_value FROM mlmon.predictions p
                 LEFT JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
                WHERE p.model = 'reg' AND p.ts >= %s AND p.ts < %s ORDER BY p.ts, p.request_id""", W4r)
rows4r = cur.fetchall()
todo = [r for r in rows4r if r[1] is None][:30] + [r for r in rows4r if r[1] is not None][::11][:30]
cur.executemany("SELECT mlmon.record_label('reg', %s, %s::float8)", [(r[0], float(k) * 0.37 - 4) for k, r in enumerate(todo)])
s, f = both("case 4 reg late and corrected labels", "reg", *W4r)
chk.equal("case 4 reg: performance and concept drift present",
          all(k in s.rows for k in [("performance", "mae", ""), ("concept_drift", "mae_z", "")]), True)


# ------------------------------------------------------------------ case 5: a label before its prediction

W5 = (at(35.5), at(39.5))
before5 = run("cls", *W5)
cur.execute("SELECT mlmon.record_label('cls', 'early-1', '1'), mlmon.record_label('cls', 'early-2', '0')")
chk.equal("case 5: the labels wait for their predictions (ts NULL)",
          q1("SELECT count(*) FROM mlmon.labels WHERE model = 'cls' AND request_id LIKE 'early-%' AND ts IS NULL"), 2)
e1 = cls_row(37, 0, 0)
log("cls", BASE, [(int((at(37.2) - BASE) / US), "early-1") + e1[2:7] + (None, None),
                  (int((at(38.7) - BASE) / US), "early-2") + e1[2:7] + (None, None)], labels=False)
s, f = both("case 5 labels before predictions", "cls", *W5)
chk.equal("case 5: both rows and both labels counted", (s.n_rows, s.n_labeled), (before5.n_rows + 2, before5.n_labeled + 2))
chk.equal("case 5: the labels found their predictions",
          q1("SELECT count(*) FROM mlmon.labels WHERE model = 'cls' AND request_id LIKE 'early-%' AND ts IS NOT NULL"), 2)
# the regressor too
cur.execute("SELECT mlmon.record_label('reg', 'early-r', 7.5::float8)")
r5 = reg_row(25, 0, 0)
log("reg", BASE_R, [(int((at_r(25.5) - BASE_R) / US), "early-r") + r5[2:8] + (None,)], labels=False)
both("case 5 reg label before prediction", "reg", at_r(24.2), at_r(27))


# ------------------------------------------------------------------ case 6: edits and deletes

W6 = (at(20.4), at(31.6))
run("cls", *W6)
cur.execute("""UPDATE mlmon.predictions SET predicted_label = CASE predicted_label WHEN '1' THEN '0' ELSE '1' END,
                      score = 1 - score
                WHERE model = 'cls' AND ts >= %s AND ts < %s AND right(request_id, 1) IN ('1', '2')""", (at(22), at(23)))
chk.equal("case 6: rows edited", cur.rowcount > 10, True)
cur.execute("""UPDATE mlmon.predictions SET features = features || '{"n1": 40, "c_str": "teal", "extra_c": 1}'
                WHERE model = 'cls' AND ts >= %s AND ts < %s AND right(request_id, 1) = '3'
                  AND jsonb_typeof(features) = 'object'""", (at(24), at(25)))
cur.execute("""UPDATE mlmon.predictions SET latency_ms = latency_ms * 10
                WHERE model = 'cls' AND ts >= %s AND ts < %s AND right(request_id, 1) = '4'""", (at(26), at(27)))
# and a row moved to another bucket
cur.execute("UPDATE mlmon.predictions SET ts = ts + interval '2 hours' WHERE model = 'cls' AND request_id = %s",
            (q1("SELECT request_id FROM mlmon.labels WHERE model = 'cls' AND ts >= %s AND ts < %s ORDER BY ts LIMIT 1",
                (at(28), at(29))),))
cur.execute("""DELETE FROM mlmon.predictions WHERE model = 'cls' AND ts >= %s AND ts < %s AND right(request_id, 1) IN ('5', '6')
               RETURNING request_id""", (at(29), at(30)))
deleted = [r[0] for r in cur.fetchall()]
chk.equal("case 6: deleted rows have labels", q1("SELECT count(*) FROM mlmon.labels WHERE model = 'cls' AND request_id = ANY(%s)",
                                                  (deleted,)) > 3, True)
s, f = both("case 6 edits and deletes", "cls", *W6)
chk.equal("case 6: the labels of deleted predictions stop counting",
          q1("SELECT count(*) FROM mlmon.labels WHERE model = 'cls' AND request_id = ANY(%s) AND ts IS NOT NULL", (deleted,)), 0)
joined = q1("""SELECT count(*) FROM mlmon.predictions p JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
                WHERE p.model = 'cls' AND p.ts >= %s AND p.ts < %s AND l.label IS NOT NULL""", W6)
chk.equal("case 6: labelled rows = rows of the log joined to their labels", s.n_labeled, joined)
chk.equal("case 6: the labels carry the edited predictions",
          q1("""SELECT count(*) FROM mlmon.predictions p JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
                 WHERE p.model = 'cls' AND (l.ts, l.predicted_label, l.score) IS DISTINCT FROM (p.ts, p.predicted_label, p.score)"""), 0)
chk.equal("case 6: the changes are consumed", invalidations("cls"), 0)
both("case 6 edits, a wider window", "cls", at(18), at(33.3))


# ------------------------------------------------------------------ case 7: retention

run("cls", at(10.2), at(30))
cur.execute("SELECT mlmon.apply_retention('cls', now() - %s::timestamptz)", (at(12.5),))
chk.equal("case 7: rows deleted", cur.fetchone()[0] > 100, True)
chk.equal("case 7: summaries of buckets before the cutoff dropped",
          q1("SELECT count(*) FROM mlmon.summaries WHERE model = 'cls' AND bucket_start < %s", (at(12),)), 0)
s, f = both("case 7 after retention", "cls", at(10.2), at(30))
both("case 7 after retention, from the cutoff's bucket", "cls", at(12), at(13))
chk.equal("case 7: no row before the cutoff counted",
          s.n_rows, q1("SELECT count(*) FROM mlmon.predictions WHERE model = 'cls' AND ts >= %s AND ts < %s", (at(12.5), at(30))))


# ------------------------------------------------------------------ case 8: a new reference

old_fp = {v[0] for v in summaries("cls").values()}
cur.execute("SELECT mlmon.set_reference('cls', %s, %s)", (at(20), at(30)))
chk.equal("case 8: set_reference drops the stored summaries", len(summaries("cls")), 0)
s, f = both("case 8 after set_reference", "cls", at(29.7), at(52.2))
new = summaries("cls")
chk.equal("case 8: summaries rebuilt with a new fingerprint", (len(new) > 10, {v[0] for v in new.values()} & old_fp), (True, set()))
both("case 8 after set_reference, another window", "cls", at(31), at(44))


# ------------------------------------------------------------------ case 9: bucket widths

Q = datetime.timedelta(minutes=15)
conn2 = db(DB)
cur2 = conn2.cursor()
# the second session caches the hourly width of cls
r = cls_row(23, 0, 0)
cur2.execute("INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score) VALUES ('cls', %s, 'w-0', %s, '1', 0.7)",
             (at(23.1), r[2]))
cur.execute("SELECT mlmon.set_bucket_width('cls', '15 minutes')")
chk.equal("case 9: set_bucket_width drops the summaries and the pending changes", (len(summaries("cls")), invalidations("cls")), (0, 0))
W9 = [(at(22) + 3 * Q, at(26) + Q), (at(22.1), at(27.93)), (at(25) + 2 * Q + 7 * US, at(25) + 3 * Q), (at(24.6), at(36.2))]
for k, (ws, we) in enumerate(W9):
    both(f"case 9 15 minutes window {k}", "cls", ws, we)
st = summaries("cls")
chk.equal("case 9: quarter-hour buckets stored", len(st) > 20 and all((b - at(0)) % Q == datetime.timedelta(0) for b in st), True)
# a late row from the other session falls into the third quarter of an hour: recorded with the new width
cur2.execute("INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score) VALUES ('cls', %s, 'w-1', %s, '0', 0.2)",
             (at(25) + 2 * Q + 60 * 1000000 * US, r[2]))
chk.equal("case 9: the late row's quarter recorded", q1("SELECT array_agg(bucket_start) FROM mlmon.summary_invalidations WHERE model = 'cls'"),
          [at(25) + 2 * Q])
for k, (ws, we) in enumerate(W9):
    both(f"case 9 15 minutes window {k} after a late row", "cls", ws, we)
cur.execute("SELECT mlmon.set_bucket_width('cls', '1 day')")
DAY = datetime.timedelta(days=1)
first_day = floor_bucket(at(12.5), DAY) + DAY
W9d = [(at(12.7), NOW), (first_day, first_day + DAY), (first_day - 3 * HOUR, first_day + DAY + 90 * 1000000 * US)]
for k, (ws, we) in enumerate(W9d):
    both(f"case 9 1 day window {k}", "cls", ws, we)
st = summaries("cls")
chk.equal("case 9: whole days stored", (len(st) >= 1, all(b.astimezone(datetime.timezone.utc).hour == 0 for b in st)), (True, True))
cur2.execute("INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score) VALUES ('cls', %s, 'w-2', %s, '0', 0.2)",
             (first_day + 5 * HOUR, r[2]))
for k, (ws, we) in enumerate(W9d):
    both(f"case 9 1 day window {k} after a late row", "cls", ws, we)
cur.execute("SELECT mlmon.set_bucket_width('cls', '1 hour')")
conn2.close()


# ------------------------------------------------------------------ case 10: sources

SRC_H = 30
BASE_T = NOW_HOUR - (SRC_H + 1) * HOUR


def at_t(h):
    return BASE_T + datetime.timedelta(microseconds=round(h * 3600e6))


def src_row(h, off, i):
    x = round(float(rng.normal(0.6 if h >= 20 else 0, 1)), 6)
    f = {"x": x, "y": round(float(rng.uniform(0, 5)), 3), "k": str(rng.choice(["u", "v", "w"]))}
    score = round(sigmoid(1.5 * x + float(rng.normal(0, 0.4))), 6)
    truth = ("1" if rng.random() < sigmoid(1.5 * x) else "0") if rng.random() < 0.8 else None
    return (off, i, js(f), "1" if score > 0.5 else "0", score, truth, round(float(rng.gamma(2, 10)), 2))


src_rows = hourly(SRC_H, {12}, (30, 60), src_row)
for t in ("team_a", "team_c"):
    cur.execute(f"CREATE TABLE public.{t} (ts timestamptz NOT NULL, feats jsonb, pred text, score float8, truth text, lat float8)")
    copy_rows(cur, "raw_t", "off bigint, i int, feats jsonb, pred text, score float8, truth text, lat float8", src_rows)
    cur.execute(f"""INSERT INTO public.{t} SELECT %s::timestamptz + off * interval '1 microsecond', feats, pred, score, truth, lat
                     FROM raw_t""", (BASE_T,))
    cur.execute(f"ANALYZE public.{t}")
cur.execute("SELECT mlmon.register_model('src_a', '1', 'classification'), mlmon.register_model('src_c', '1', 'classification')")
cur.execute("""SELECT mlmon.register_source('src_a', 'public.team_a', 'ts', features_column => 'feats', prediction_column => 'pred',
                                             score_column => 'score', label_column => 'truth', latency_column => 'lat')""")
cur.execute("""SELECT mlmon.register_source('src_c', 'public.team_c', 'ts', features_column => 'feats', prediction_column => 'pred',
                                             score_column => 'score', label_column => 'truth', latency_column => 'lat',
                                             track_changes => false)""")
for m in ("src_a", "src_c"):
    cur.execute("SELECT mlmon.set_reference(%s, %s, %s)", (m, at_t(0), at_t(8)))
W10 = [(at_t(8.5), at_t(29.5)), (at_t(9), at_t(14)), (at_t(11.3), at_t(13.8)), (at_t(15.2), at_t(15.9)), (at_t(10.01), NOW)]
for m in ("src_a", "src_c"):
    for k, (ws, we) in enumerate(W10):
        both(f"case 10 {m} window {k}", m, ws, we)
chk.equal("case 10: src_a's summaries stored", len(summaries("src_a")) > 15, True)
chk.equal("case 10: src_c (track_changes => false) stores nothing", len(summaries("src_c")), 0)
run("src_a", *W10[0])
for t in ("team_a", "team_c"):
    # late rows into a stored bucket, and ground truth corrected in another
    cur.execute(f"""INSERT INTO public.{t} SELECT ts + interval '3 minutes', feats, pred, score, truth, lat FROM public.{t}
                     WHERE ts >= %s AND ts < %s""", (at_t(16), at_t(16.3)))
    cur.execute(f"""UPDATE public.{t} SET truth = CASE truth WHEN '1' THEN '0' WHEN '0' THEN NULL ELSE '1' END
                     WHERE ts >= %s AND ts < %s""", (at_t(18), at_t(19)))
chk.equal("case 10: changes of src_a recorded, none of src_c",
          (invalidations("src_a") > 0, invalidations("src_c")), (True, 0))
for m in ("src_a", "src_c"):
    for k, (ws, we) in enumerate(W10[:2]):
        both(f"case 10 {m} window {k} after late rows and edits", m, ws, we)
chk.equal("case 10: src_a's changes consumed", invalidations("src_a"), 0)
chk.equal("case 10: src_c still stores nothing", len(summaries("src_c")), 0)

# a regressor in a table with one column per feature, a timestamp without time zone, labels through record_label
cur.execute("""CREATE TABLE public.team_b (id bigint PRIMARY KEY, created timestamp NOT NULL, f1 float8, f2 float8, kind text,
                                          yhat float8, ms float8)""")
b_rows = []
for i, r in enumerate(src_rows):
    f = json.loads(r[2])
    b_rows.append((r[0], 1000 + i, f["x"], f["y"] if i % 53 else None, f["k"], round(2 * f["x"] + f["y"], 6), r[6],
                   round(2 * f["x"] + f["y"] + float(rng.normal(0, 0.5)), 6) if i % 5 else None))
copy_rows(cur, "raw_b", "off bigint, id bigint, f1 float8, f2 float8, kind text, yhat float8, ms float8, actual float8", b_rows)
cur.execute("""INSERT INTO public.team_b SELECT id, (%s::timestamptz + off * interval '1 microsecond') AT TIME ZONE 'UTC', f1, f2, kind, yhat, ms
                 FROM raw_b""", (BASE_T,))
cur.execute("ANALYZE public.team_b")
cur.execute("SELECT mlmon.register_model('src_b', '1', 'regression')")
cur.execute("""SELECT mlmon.register_source('src_b', 'public.team_b', 'created', feature_columns => '{f1, f2, kind}',
                                             prediction_column => 'yhat', id_column => 'id', latency_column => 'ms')""")
cur.execute("SELECT count(mlmon.record_label('src_b', id::text, actual)) FROM raw_b WHERE actual IS NOT NULL")
cur.execute("SELECT mlmon.set_reference('src_b', %s, %s)", (at_t(0), at_t(8)))
chk.equal("case 10: src_b's reference has labels", q1("SELECT n_labeled > 100 FROM mlmon.reference_windows WHERE model = 'src_b'"), True)
for k, (ws, we) in enumerate(W10):
    both(f"case 10 src_b window {k}", "src_b", ws, we)
chk.equal("case 10: src_b's summaries stored", len(summaries("src_b")) > 15, True)
cur.execute("""INSERT INTO public.team_b SELECT id + 100000, created + interval '1 minute', f1 + 1, f2, kind, yhat, ms FROM public.team_b
                WHERE created >= %s::timestamptz::timestamp AND created < %s::timestamptz::timestamp RETURNING id""", (at_t(13), at_t(13.5)))
new_ids = [r[0] for r in cur.fetchall()]
cur.executemany("SELECT mlmon.record_label('src_b', %s, %s::float8)", [(str(i), 1.25 * (i % 7)) for i in new_ids])
cur.execute("SELECT id FROM public.team_b WHERE created >= %s::timestamptz::timestamp AND created < %s::timestamptz::timestamp",
            (at_t(17), at_t(18)))
cur.executemany("SELECT mlmon.record_label('src_b', %s, %s::float8)", [(str(r[0]), -3.5) for r in cur.fetchall()[::3]])
for k, (ws, we) in enumerate(W10[:2]):
    s, f = both(f"case 10 src_b window {k} after late rows and labels", "src_b", ws, we)


# ------------------------------------------------------------------ case 11: pg_dump and restore

adm.execute(f"CREATE DATABASE {DB_SRC}")
adm.execute(f"CREATE DATABASE {DB_DST}")
src = db(DB_SRC).cursor()
src.execute("CREATE EXTENSION mlmon")
src.execute("SELECT mlmon.register_model('d', '1', 'classification')")
src.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
               SELECT 'd', %s::timestamptz + g * interval '47 seconds', 'r' || g,
                      jsonb_build_object('x', CASE WHEN g > 600 THEN (g %% 97) * 1.5 ELSE g %% 89 END, 'k', (g %% 5)::text),
                      (g %% 2)::text, ((g * 37) %% 101) / 100.0, g %% 13
                 FROM generate_series(1, 1300) g""", (NOW_HOUR - 20 * HOUR,))
src.execute("ANALYZE mlmon.predictions")
src.execute("SELECT count(mlmon.record_label('d', 'r' || g, ((g / 3) % 2)::text)) FROM generate_series(1, 1300) g")
src.execute("SELECT mlmon.set_reference('d', %s, %s)", (NOW_HOUR - 20 * HOUR, NOW_HOUR - 12 * HOUR))
W11 = (NOW_HOUR - 12 * HOUR + 1234567 * US, NOW)
res_src = run("d", *W11, c=src)
n_src = q1("SELECT count(*) FROM mlmon.summaries", c=src)
chk.equal("case 11: summaries stored in the source database", n_src > 5, True)
with tempfile.TemporaryDirectory() as d:
    dump = os.path.join(d, "dump.sql")
    subprocess.run(["pg_dump", "-f", dump, DB_SRC], check=True)
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DB_DST, "-f", dump], capture_output=True, text=True)
    chk.equal("case 11: restore succeeds", (r.returncode, r.stderr.strip()), (0, ""))
dst = db(DB_DST).cursor()
chk.equal("case 11: no summary restored", q1("SELECT count(*) FROM mlmon.summaries", c=dst), 0)
res_dst = run("d", *W11, c=dst)
compare("case 11 restored against the source", res_dst, res_src)
chk.equal("case 11: the restored database builds its summaries", q1("SELECT count(*) FROM mlmon.summaries", c=dst), n_src)
both("case 11 restored database", "d", *W11, c=dst)
both("case 11 source database", "d", *W11, c=src)
src.connection.close()
dst.connection.close()


# ------------------------------------------------------------------ the end

print(f"{STATS['values']} values compared, {STATS['bitwise']} bitwise equal; {time.time() - T0:.1f} s")
conn.close()
if os.environ.get("KEEP") is None:
    for d in (DB, DB_SRC, DB_DST):
        adm.execute(f"DROP DATABASE IF EXISTS {d}")
chk.finish()
