#!/usr/bin/python3
"""The streaming drift detectors mlmon.page_hinkley, ddm, eddm, adwin and
kswin against reference implementations written here, in Python, from the
published algorithms and mlmon's specification of them (river 0.21's forms of
Page-Hinkley, DDM, EDDM and KSWIN; ADWIN2 of Bifet & Gavalda with river's
restart after a drift, and as MOA runs it (after_drift 'shrink');
KSWIN's subsample drawn with splitmix64; (D, p) of KSWIN from SciPy).

1. The references are first checked against the examples of river's
   documentation (streams built with Python's `random`, which is the same in
   every Python version), and splitmix64 against its published outputs.
2. Every row of the window form `OVER (ORDER BY i ROWS UNBOUNDED PRECEDING)`
   is compared with the reference on synthetic streams (abrupt and gradual
   drift, error-rate changes, variance change, NULL/NaN/inf rows, short and
   constant streams, ties, large offsets), with the default and with full
   forms; the integer and boolean fields exactly, statistic and estimate to a
   relative 1e-9.  The ordered aggregate must equal the last row of the
   window form, PARTITION BY must give independent streams, and calls without
   ORDER BY must fail with SQLSTATE 42P20.
3. Detection delay after a known change point and false alarms on stationary
   streams: identical between SQL and Python, bounded as argued below, and
   printed as a table.
   3b. ADWIN after a drift: river's restart (the default) against MOA's
   shrunk window (after_drift 'shrink') on one mean shift.
4. ADWIN with max_buckets = 1, where rows of the histogram can be empty
   (last: a failure there once ended the session)."""
import collections
import inspect
import io
import math
import random
import time
import warnings

import numpy as np
import psycopg2

from common import Checker, connect

warnings.simplefilter("ignore", RuntimeWarning)   # SciPy's exact -> asymptotic fallback notes
RTOL = 1e-9
T0 = time.time()
chk = Checker("drift detector comparisons")

FIELDS = ("n", "warning", "drift", "statistic", "estimate", "detections",
          "first_warning", "first_drift", "last_drift")


from detectors_ref import ADWIN, DDM, EDDM, KSWIN, REF, PageHinkley, splitmix64  # noqa: E402

def river_print_log(rows):
    """river's docstring loop: print the first warning, again after each drift."""
    out, pw = [], True
    for i, r in enumerate(rows):
        if r[1] and pw:
            out.append(("warning", i))
            pw = False
        if r[2]:
            out.append(("change", i))
            pw = True
    return out


def river_streams():
    rng = random.Random(42)
    binary = rng.choices([0, 1], k=1000)
    binary = binary + rng.choices([0, 1], k=1000, weights=[0.3, 0.7])
    rng = random.Random(12345)
    numeric = rng.choices([0, 1], k=1000) + rng.choices(range(4, 8), k=1000)
    return [bool(v) for v in binary], [float(v) for v in numeric]


RIVER_BIN, RIVER_NUM = river_streams()
# (name, detector factory, stream, documented log, which part is comparable)
RIVER_DOCS = [
    ("DDM()", lambda: DDM(), RIVER_BIN,
     [("warning", 1084), ("change", 1334), ("warning", 1492)], "all"),
    ("EDDM(alpha=0.8, beta=0.75)", lambda: EDDM(alpha=0.8, beta=0.75), RIVER_BIN,
     [("warning", 1059), ("change", 1278)], "all"),
    ("PageHinkley()", lambda: PageHinkley(), RIVER_NUM, [("change", 1006)], "changes"),
    # river's ADWIN restarts after a drift, as mlmon's default does: every change is
    # comparable (section 3b shows where MOA's way, after_drift 'shrink', differs)
    ("ADWIN()", lambda: ADWIN(), RIVER_NUM, [("change", 1023)], "changes"),
    # river draws KSWIN's subsample with random.Random(seed), mlmon with splitmix64
    ("KSWIN(alpha=0.0001, seed=42), river's sampler", lambda: KSWIN(alpha=0.0001, seed=42, river_rng=True),
     RIVER_NUM, [("change", 1016)], "first change"),
]
RIVER_OUTCOME = []
for name, make, stream, want, part in RIVER_DOCS:
    log = river_print_log(make().run(stream))
    if part == "changes":
        log = [e for e in log if e[0] == "change"]
    elif part == "first change":
        log = [e for e in log if e[0] == "change"][:1]
    ok = chk.equal(f"python reference vs river's documented example {name}", log, want)
    RIVER_OUTCOME.append((name, want, log, ok))

# splitmix64: the outputs published with the reference C code (seed 1234567)
g = splitmix64(1234567)
chk.equal("splitmix64(1234567) first outputs", [next(g) for _ in range(5)],
          [6457827717110365317, 3203168211198807973, 9817491932198370423,
           4593380528125082431, 16408922859458223821])

# the ADWIN histogram keeps W, total and variance consistent with the values it holds:
# after a long stream without cuts its variance is the sum of squared deviations
_a = ADWIN(clock=10**9)
_xs = np.random.default_rng(5).normal(3, 2, 3000).tolist()
_a.run(_xs)
chk.equal("python ADWIN: window width", _a.W, 3000)
chk.equal("python ADWIN: buckets add up to W", sum(len(r) << i for i, r in enumerate(_a.rows)), 3000)
chk.close("python ADWIN: total", _a.total, math.fsum(_xs), 1e-12)
chk.close("python ADWIN: variance", _a.var, float(np.var(_xs) * 3000), 1e-9)
chk.equal("python ADWIN: at most max_buckets per row", max(len(r) for r in _a.rows) <= 5, True)
print(f"[{time.time() - T0:5.1f}s] python self-checks done")


# ====================================================================== streams

def with_skips(xs, frac, rng, kinds=(None, math.nan, math.inf, -math.inf)):
    out = []
    for x in xs:
        while rng.random() < frac:
            out.append(kinds[rng.integers(len(kinds))])
        out.append(x)
    return out


NUM = []      # (label, values)
for seed in range(3):
    r = np.random.default_rng(100 + seed)
    NUM.append((f"mean shift N(0,1)->N(2,1) @1500 seed {seed}",
                np.concatenate([r.normal(0, 1, 1500), r.normal(2, 1, 1500)]).tolist()))
for seed in range(2):
    r = np.random.default_rng(200 + seed)
    mu = np.clip((np.arange(3000) - 1000) / 1500, 0, 1) * 3
    NUM.append((f"gradual 0->3 over rows 1000..2500 seed {seed}", (mu + r.normal(0, 1, 3000)).tolist()))
for seed in range(2):
    r = np.random.default_rng(300 + seed)
    NUM.append((f"variance N(0,1)->N(0,9) @1500 seed {seed}",
                np.concatenate([r.normal(0, 1, 1500), r.normal(0, 3, 1500)]).tolist()))
r = np.random.default_rng(400)
NUM.append(("NULL/NaN/inf sprinkled, shift", with_skips(
    np.concatenate([r.normal(5, 1, 1200), r.normal(3, 1, 1300)]).tolist(), 0.1, r)))
r = np.random.default_rng(401)
_alt = []
for x in np.concatenate([r.normal(0, 1, 700), r.normal(8, 1, 300), r.normal(-3, 2, 500)]).tolist():
    _alt += [x, [None, math.nan][len(_alt) % 4 // 2]]
NUM.append(("every other row NULL/NaN, big shifts", _alt))
NUM.append(("river doc stream (Random(12345))", RIVER_NUM))
NUM.append(("single row", [1.5]))
NUM.append(("25 rows", np.random.default_rng(402).normal(0, 1, 25).tolist()))
NUM.append(("only NULL/NaN/inf", [None, math.nan, math.inf, -math.inf, None]))
NUM.append(("leading NULLs then constant 3.0", [None] * 5 + [3.0] * 400))
r = np.random.default_rng(403)
NUM.append(("offset 1e6, shift 0.5", (1e6 + np.concatenate([r.normal(0, 1, 1500), r.normal(0.5, 1, 1000)])).tolist()))
r = np.random.default_rng(404)
NUM.append(("integers 0..9 then 3..12 (ties)", np.concatenate([r.integers(0, 10, 1200), r.integers(3, 13, 1200)]).astype(float).tolist()))
r = np.random.default_rng(405)
NUM.append(("tiny scale 1e-8, shift", (1e-8 * np.concatenate([r.normal(0, 1, 1000), r.normal(1.5, 1, 1000)])).tolist()))
r = np.random.default_rng(406)
NUM.append(("40 rows N(0,1), 150 N(1000,1), 100 N(-5,1)",
            np.concatenate([r.normal(0, 1, 40), r.normal(1000, 1, 150), r.normal(-5, 1, 100)]).tolist()))

BIN = []
for seed in range(3):
    r = np.random.default_rng(500 + seed)
    BIN.append((f"error rate 0.1->0.3 @1500 seed {seed}",
                np.concatenate([r.random(1500) < 0.1, r.random(1500) < 0.3]).tolist()))
r = np.random.default_rng(510)
pr = 0.05 + np.clip((np.arange(3000) - 1000) / 1500, 0, 1) * 0.35
BIN.append(("gradual error rate 0.05->0.4", (r.random(3000) < pr).tolist()))
BIN.append(("river doc stream (Random(42))", RIVER_BIN))
r = np.random.default_rng(511)
BIN.append(("NULLs sprinkled, 0.2->0.5", with_skips(
    np.concatenate([r.random(1200) < 0.2, r.random(1200) < 0.5]).tolist(), 0.1, r, kinds=(None,))))
r = np.random.default_rng(512)
_alt = []
for x in np.concatenate([r.random(800) < 0.05, r.random(800) < 0.6]).tolist():
    _alt += [x, None]
BIN.append(("every other row NULL, 0.05->0.6", _alt))
BIN.append(("40 correct then errors", [False] * 40 + [True] * 60 + [False] * 100))
BIN.append(("all errors", [True] * 300))
BIN.append(("decreasing error rate 0.3->0.05", (np.random.default_rng(513).random(2500) <
                                                 np.where(np.arange(2500) < 1200, 0.3, 0.05)).tolist()))
BIN.append(("single row", [True]))
BIN.append(("31 rows", (np.random.default_rng(514).random(31) < 0.5).tolist()))
BIN.append(("only NULL", [None, None, None]))
BIN = [(lab, [None if v is None else bool(v) for v in vs]) for lab, vs in BIN]

# detection delay / false alarms (section 3)
CHANGE_AT = 2000
DELAY_NUM = [np.concatenate([r.normal(0, 1, CHANGE_AT), r.normal(1, 1, 2000)]).tolist()
             for r in (np.random.default_rng(600 + s) for s in range(5))]
DELAY_BIN = [np.concatenate([r.random(CHANGE_AT) < 0.1, r.random(2000) < 0.3]).tolist()
             for r in (np.random.default_rng(700 + s) for s in range(5))]
STAT_N = 20000
STAT_NUM = [np.random.default_rng(800 + s).normal(0, 1, STAT_N).tolist() for s in range(3)]
STAT_BIN = [(np.random.default_rng(900 + s).random(STAT_N) < 0.1).tolist() for s in range(3)]

# stream ids: numeric 0.., binary 1000.., delay/false-alarm 2000..
STREAMS = {}
for k, (lab, vs) in enumerate(NUM):
    STREAMS[k] = ("x", lab, vs)
# for section 4 only: after ten zeros, 10.0 makes ADWIN (max_buckets 1, clock 1) drop twice
EDGE_SID = 99
STREAMS[EDGE_SID] = ("x", "ten 0.0 then 10.0", [0.0] * 10 + [10.0])
for k, (lab, vs) in enumerate(BIN):
    STREAMS[1000 + k] = ("e", lab, vs)
for k, vs in enumerate(DELAY_NUM):
    STREAMS[2000 + k] = ("x", f"N(0,1)->N(1,1) @{CHANGE_AT} seed {k}", vs)
for k, vs in enumerate(DELAY_BIN):
    STREAMS[2100 + k] = ("e", f"error rate 0.1->0.3 @{CHANGE_AT} seed {k}", [bool(v) for v in vs])
    # the same errors as 0/1 values, for the numeric detectors
    STREAMS[2200 + k] = ("x", f"0/1 errors 0.1->0.3 @{CHANGE_AT} seed {k}", [float(v) for v in vs])
for k, vs in enumerate(STAT_NUM):
    STREAMS[3000 + k] = ("x", f"stationary N(0,1) seed {k}", vs)
for k, vs in enumerate(STAT_BIN):
    STREAMS[3100 + k] = ("e", f"stationary error rate 0.1 seed {k}", [bool(v) for v in vs])
    STREAMS[3200 + k] = ("x", f"stationary 0/1 errors 0.1 seed {k}", [float(v) for v in vs])

# ====================================================================== SQL
conn = connect()
cur = conn.cursor()
cur.execute("SELECT to_regprocedure('mlmon.ddm(boolean)') IS NOT NULL")
if not cur.fetchone()[0]:
    chk.equal("the detector functions exist (mlmon.ddm(boolean))", False, True)
    chk.finish()


def fmt(v):
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)


cur.execute("DROP TABLE IF EXISTS det")
cur.execute("CREATE TEMP TABLE det (s int, i int, x float8, e boolean)")
buf = io.StringIO()
for s, (col, _, vs) in STREAMS.items():
    for i, v in enumerate(vs, 1):
        xv, ev = (fmt(v), "\\N") if col == "x" else ("\\N", fmt(v))
        buf.write(f"{s}\t{i}\t{xv}\t{ev}\n")
buf.seek(0)
cur.copy_expert("COPY det FROM STDIN", buf)
cur.execute("CREATE INDEX ON det (s, i)")
cur.execute("ANALYZE det")
print(f"[{time.time() - T0:5.1f}s] {sum(len(v[2]) for v in STREAMS.values())} rows loaded")

# full forms: SQL argument list and reference parameters (the first of each
# repeats the defaults, which must equal the short form)
FORMS = {
    "page_hinkley": [
        ("", {}),
        ("30, 0.005, 50, 0.9999, 'both'", dict(min_instances=30, delta=0.005, threshold=50, alpha=0.9999, mode="both")),
        ("20, 0.01, 20, 0.999, 'up'", dict(min_instances=20, delta=0.01, threshold=20, alpha=0.999, mode="up")),
        ("20, 0.01, 20, 0.999, 'down'", dict(min_instances=20, delta=0.01, threshold=20, alpha=0.999, mode="down")),
        ("5, 0.05, 10, 1.0, 'both'", dict(min_instances=5, delta=0.05, threshold=10, alpha=1.0, mode="both")),
    ],
    "ddm": [
        ("", {}),
        ("30, 2, 3", dict(warm_start=30, warning_threshold=2, drift_threshold=3)),
        ("50, 1.5, 2.5", dict(warm_start=50, warning_threshold=1.5, drift_threshold=2.5)),
        ("5, 1, 4", dict(warm_start=5, warning_threshold=1, drift_threshold=4)),
    ],
    "eddm": [
        ("", {}),
        ("30, 0.95, 0.9", dict(warm_start=30, alpha=0.95, beta=0.9)),
        ("30, 0.8, 0.75", dict(warm_start=30, alpha=0.8, beta=0.75)),
        ("10, 0.9, 0.85", dict(warm_start=10, alpha=0.9, beta=0.85)),
    ],
    "adwin": [
        ("", {}),
        ("0.002, 32, 5, 5, 10", dict(delta=0.002, clock=32, max_buckets=5, min_window_length=5, grace_period=10)),
        ("0.01, 1, 3, 8, 5", dict(delta=0.01, clock=1, max_buckets=3, min_window_length=8, grace_period=5)),
        ("0.0001, 16, 2, 2, 50", dict(delta=0.0001, clock=16, max_buckets=2, min_window_length=2, grace_period=50)),
        # min_window_length 1: cuts with exactly min_window_length values on either side count
        ("0.1, 1, 2, 1, 0", dict(delta=0.1, clock=1, max_buckets=2, min_window_length=1, grace_period=0)),
        ("0.5, 4, 5, 1, 10", dict(delta=0.5, clock=4, max_buckets=5, min_window_length=1, grace_period=10)),
        # after_drift: river's restart (the default) or MOA's shrunk window
        ("'restart'", dict(after_drift="restart")),
        ("'shrink'", dict(after_drift="shrink")),
        ("0.01, 1, 3, 8, 5, 'shrink'", dict(delta=0.01, clock=1, max_buckets=3, min_window_length=8, grace_period=5,
                                            after_drift="shrink")),
        ("0.5, 4, 5, 1, 10, 'restart'", dict(delta=0.5, clock=4, max_buckets=5, min_window_length=1, grace_period=10,
                                             after_drift="restart")),
    ],
    "kswin": [
        ("", {}),
        ("0.005, 100, 30, 42", dict(alpha=0.005, window_size=100, stat_size=30, seed=42)),
        ("0.01, 50, 20, 7", dict(alpha=0.01, window_size=50, stat_size=20, seed=7)),
        ("0.005, 200, 40, -1", dict(alpha=0.005, window_size=200, stat_size=40, seed=-1)),
        ("0.05, 40, 20, 9223372036854775807", dict(alpha=0.05, window_size=40, stat_size=20, seed=9223372036854775807)),
    ],
}
COL = {"page_hinkley": "x", "ddm": "e", "eddm": "e", "adwin": "x", "kswin": "x"}
CMP_NUM = list(range(len(NUM)))
CMP_BIN = [1000 + k for k in range(len(BIN))]
# KSWIN is the slow reference (one KS test per row): its non-default forms run on fewer streams
KSWIN_SUBSET = [0, 3, 5, 7, 8, 9, 10, 11, 12, 14]

BITS = collections.defaultdict(lambda: [0, 0])   # (detector, field) -> [compared, bit-identical]


def call(det, args, col):
    return f"mlmon.{det}({col}{', ' + args if args else ''}"


def window_query(det, args, sids, partition=True):
    col = COL[det]
    over = ("PARTITION BY s " if partition else "") + "ORDER BY i ROWS UNBOUNDED PRECEDING"
    return (f"SELECT s, i, (r).n, (r).warning, (r).drift, (r).statistic, (r).estimate, (r).detections,"
            f" (r).first_warning, (r).first_drift, (r).last_drift"
            f" FROM (SELECT s, i, {call(det, args, col)}) OVER ({over}) AS r"
            f" FROM det WHERE s IN ({','.join(map(str, sids))})) q ORDER BY s, i")


def compare_rows(tag, got, want, det):
    """got, want: lists of 9-tuples.  Integer/boolean fields exactly (first
    differing row reported), statistic and estimate to RTOL (worst row)."""
    if not chk.equal(f"{tag}: rows", len(got), len(want)):
        return False
    ok = True
    for k, (g, w) in enumerate(zip(got, want)):
        if (g[0], g[1], g[2], g[5], g[6], g[7], g[8]) != (w[0], w[1], w[2], w[5], w[6], w[7], w[8]):
            chk.equal(f"{tag}: row {k + 1} (n, warning, drift, detections, first_warning, first_drift,"
                      f" last_drift) [statistic {g[3]!r} vs {w[3]!r}]",
                      (g[0], g[1], g[2], g[5], g[6], g[7], g[8]), (w[0], w[1], w[2], w[5], w[6], w[7], w[8]))
            ok = False
            break
    else:
        chk.equal(f"{tag}: integer and boolean fields of every row", True, True)
    for j, name in ((3, "statistic"), (4, "estimate")):
        worst, wk = -1.0, None
        for k, (g, w) in enumerate(zip(got, want)):
            a, b = g[j], w[j]
            if (a is None) != (b is None):
                worst, wk = math.inf, k
                break
            if a is None:
                continue
            BITS[(det, name)][0] += 1
            if a == b:
                BITS[(det, name)][1] += 1
                continue
            rel = abs(a - b) / abs(b) if b != 0 else math.inf
            if rel > worst:
                worst, wk = rel, k
        if wk is None:
            chk.equal(f"{tag}: {name} of every row", True, True)
        else:
            ok = chk.close(f"{tag}: row {wk + 1}:{name}", got[wk][j], want[wk][j], RTOL) and ok
    return ok


def fetch_by_stream(sql):
    cur.execute(sql)
    out = collections.defaultdict(list)
    for row in cur.fetchall():
        out[row[0]].append(tuple(row[2:]))
    return out


REF_CACHE = {}
FLOAT_PARAMS = {"delta", "threshold", "alpha", "beta", "warning_threshold", "drift_threshold"}


def reference(det, kw, sid):
    params = {k: p.default for k, p in inspect.signature(REF[det]).parameters.items()
              if p.default is not inspect.Parameter.empty and k != "river_rng"}
    params.update(kw)
    key = (det, tuple(sorted((k, float(v) if isinstance(v, int) and k in FLOAT_PARAMS else v)
                             for k, v in params.items())), sid)
    if key not in REF_CACHE:
        REF_CACHE[key] = REF[det](**kw).run(STREAMS[sid][2])
    return REF_CACHE[key]


# ------------------------------------------------------------ 2a. window form, every row
WINDOW_LAST = {}    # (detector, args, stream) -> last row of the window form
for det, forms in FORMS.items():
    t = time.time()
    for fi, (args, kw) in enumerate(forms):
        sids = CMP_BIN if COL[det] == "e" else (KSWIN_SUBSET if det == "kswin" and fi > 1 else CMP_NUM)
        got = fetch_by_stream(window_query(det, args, sids))
        if fi == 0:
            short = got
        elif fi == 1:
            chk.equal(f"{det}({args}): every row equals the short form's", got == short, True)
            del short
        for sid in sids:
            WINDOW_LAST[(det, args, sid)] = got[sid][-1] if got.get(sid) else None
            compare_rows(f"{det}({args or 'defaults'}) on '{STREAMS[sid][1]}'", got.get(sid, []),
                         reference(det, kw, sid), det)
    print(f"[{time.time() - T0:5.1f}s] {det}: window form compared ({time.time() - t:.1f}s)")

# ------------------------------------------------------------ 2b. river's documented examples through SQL
for name, det, args, sid, want, part in [
        ("DDM()", "ddm", "", 1000 + 4, RIVER_DOCS[0][3], "all"),
        ("EDDM(alpha=0.8, beta=0.75)", "eddm", "30, 0.8, 0.75", 1000 + 4, RIVER_DOCS[1][3], "all"),
        ("PageHinkley()", "page_hinkley", "", 9, RIVER_DOCS[2][3], "changes"),
        ("ADWIN()", "adwin", "", 9, RIVER_DOCS[3][3], "first change")]:
    rows = fetch_by_stream(window_query(det, args, [sid]))[sid]
    log = river_print_log(rows)
    if part == "changes":
        log = [e for e in log if e[0] == "change"]
    elif part == "first change":
        log = [e for e in log if e[0] == "change"][:1]
    chk.equal(f"SQL {det}({args}) vs river's documented example {name}", log, want)

# ------------------------------------------------------------ 2c. ordered aggregate = last window row
for det, forms in FORMS.items():
    col = COL[det]
    sids = CMP_BIN if col == "e" else CMP_NUM
    for args, kw in (forms[0], forms[2]):
        if det == "kswin" and args:
            sids = KSWIN_SUBSET
        cur.execute(f"SELECT s, (a).* FROM (SELECT s, {call(det, args, col)} ORDER BY i) AS a"
                    f" FROM det WHERE s IN ({','.join(map(str, sids))}) GROUP BY s) q ORDER BY s")
        got = {row[0]: tuple(row[1:]) for row in cur.fetchall()}
        names = [d[0] for d in cur.description[1:]]
        chk.equal(f"{det}: result fields", names, list(FIELDS))
        for sid in sids:
            tag = f"{det}({args or 'defaults'}) ordered aggregate on '{STREAMS[sid][1]}'"
            chk.equal(f"{tag}: equals the last row of the window form", got.get(sid), WINDOW_LAST[(det, args, sid)])
            compare_rows(tag, [got.get(sid)], [reference(det, kw, sid)[-1]], det)

# over no rows (not specified: shown, not checked)
for det in FORMS:
    cur.execute(f"SELECT {call(det, '', COL[det])} ORDER BY i)::text FROM det WHERE false")
    print(f"  mlmon.{det}(... ORDER BY i) over no rows: {cur.fetchone()[0]}")

# ------------------------------------------------------------ 2d. PARTITION BY: independent streams
for det in FORMS:
    col = COL[det]
    sids = [1000, 1004, 1005] if col == "e" else [0, 7, 9]
    both = fetch_by_stream(window_query(det, "", sids))
    for sid in sids:
        alone = fetch_by_stream(window_query(det, "", [sid], partition=False))[sid]
        chk.equal(f"{det}: partition of stream {sid} equals the stream run alone", both[sid] == alone, True)
    # without PARTITION BY, two streams are one stream: interleaved by ORDER BY i, s
    cur.execute(f"SELECT s, i, (r).* FROM (SELECT s, i, {call(det, '', col)})"
                f" OVER (ORDER BY i, s ROWS UNBOUNDED PRECEDING) AS r"
                f" FROM det WHERE s IN ({sids[0]}, {sids[1]})) q ORDER BY i, s")
    merged = cur.fetchall()
    mixed = [STREAMS[s][2][i - 1] for (s, i, *_) in merged]
    compare_rows(f"{det}: one window over streams {sids[0]} and {sids[1]} interleaved",
                 [tuple(r[2:]) for r in merged], REF[det]().run(mixed), det)

# ------------------------------------------------------------ 2e. ORDER BY is required
for det in FORMS:
    col = COL[det]
    for form, sql in (("aggregate", f"SELECT {call(det, '', col)}) FROM det WHERE s = 0"),
                      ("window", f"SELECT {call(det, '', col)}) OVER () FROM det WHERE s = 0"),
                      ("window with PARTITION BY only",
                       f"SELECT {call(det, '', col)}) OVER (PARTITION BY s) FROM det WHERE s = 0")):
        state = None
        try:
            cur.execute(sql)
            cur.fetchall()
        except psycopg2.Error as e:
            state = e.pgcode
        chk.equal(f"{det} {form} without ORDER BY: SQLSTATE", state, "42P20")
# the modes are 'both', 'up' and 'down'
try:
    cur.execute("SELECT mlmon.page_hinkley(x, 30, 0.005, 50, 0.9999, 'sideways')"
                " OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) FROM det WHERE s = 0")
    cur.fetchall()
    state = None
except psycopg2.Error as e:
    state = e.pgcode
chk.equal(f"page_hinkley mode 'sideways' is rejected (SQLSTATE {state})", state is not None, True)
print(f"[{time.time() - T0:5.1f}s] aggregate, partition and ORDER BY checks done")


# ====================================================================== 3. delay and false alarms
def drift_rows_sql(det, sids):
    cur.execute(f"SELECT s, i FROM (SELECT s, i, {call(det, '', COL[det])})"
                f" OVER (PARTITION BY s ORDER BY i ROWS UNBOUNDED PRECEDING) AS r"
                f" FROM det WHERE s IN ({','.join(map(str, sids))})) q WHERE (r).drift ORDER BY s, i")
    out = collections.defaultdict(list)
    for s, i in cur.fetchall():
        out[s].append(i)
    return out


def drift_rows_py(det, sid):
    return [k for k, r in enumerate(reference(det, {}, sid), 1) if r[2]]


DELAY_SETS = {   # detector -> (stream ids with a change at CHANGE_AT, label)
    "page_hinkley": [(range(2000, 2005), "mean +1 sd"), (range(2200, 2205), "0/1 errors 0.1->0.3")],
    "adwin": [(range(2000, 2005), "mean +1 sd"), (range(2200, 2205), "0/1 errors 0.1->0.3")],
    "kswin": [(range(2000, 2005), "mean +1 sd"), (range(2200, 2205), "0/1 errors 0.1->0.3")],
    "ddm": [(range(2100, 2105), "errors 0.1->0.3")],
    "eddm": [(range(2100, 2105), "errors 0.1->0.3")],
}
STAT_SETS = {
    "page_hinkley": [(range(3000, 3003), "N(0,1)"), (range(3200, 3203), "0/1 errors 0.1")],
    "adwin": [(range(3000, 3003), "N(0,1)"), (range(3200, 3203), "0/1 errors 0.1")],
    "kswin": [(range(3000, 3003), "N(0,1)")],
    "ddm": [(range(3100, 3103), "errors 0.1")],
    "eddm": [(range(3100, 3103), "errors 0.1")],
}
DELAYS = {}      # (det, label) -> [(delay or None, alarms before the change, alarms after it)]
FALSE = {}       # (det, label) -> [false alarms of each stream]
for det in FORMS:
    for sids, label in DELAY_SETS[det]:
        got = drift_rows_sql(det, list(sids))
        res = []
        for sid in sids:
            want = drift_rows_py(det, sid)
            chk.equal(f"{det} drift rows on '{STREAMS[sid][1]}'", got.get(sid, []), want)
            after = [i for i in want if i > CHANGE_AT]
            res.append((after[0] - CHANGE_AT if after else None, len(want) - len(after), len(after)))
        DELAYS[(det, label)] = res
    for sids, label in STAT_SETS[det]:
        got = drift_rows_sql(det, list(sids))
        res = []
        for sid in sids:
            want = drift_rows_py(det, sid)
            chk.equal(f"{det} drift rows on '{STREAMS[sid][1]}'", got.get(sid, []), want)
            res.append(len(want))
        FALSE[(det, label)] = res
print(f"[{time.time() - T0:5.1f}s] delay and false-alarm streams compared")

# What the detectors must achieve.  The streams are fixed by their seeds, so these are
# deterministic; each bound is argued from the algorithm, not read off a run.
#
# ADWIN, 1 sd mean shift after 2000 rows: a cut between the 2000 old and k new rows is made
# once |mu0 - mu1| ~ 1 > eps = sqrt(2 m var d) + 2/3 d m with d = ln(2 ln W / 0.002) ~ 8.9,
# m ~ 1/(k-4): about k ~ 35 rows, then at most one clock (32) later; 200 rows leave room for
# the noise of the new part's mean (sd 1/sqrt(35)).
# ADWIN on the 0/1 error stream: mean difference 0.2 against eps with var ~ 0.1:
# sqrt(2 m 0.1 8.9) + 5.9 m < 0.2 needs m ~ 1/110: about 110-150 rows; 400 rows.
# Page-Hinkley (threshold 50), 1 sd shift: each new row adds about +1 to the increase sum, the
# test crosses 50 after ~50 rows (sd ~ 7); 200 rows allow for a reset shortly before the change.
# Page-Hinkley on 0/1 errors 0.1 -> 0.3: +0.2 - delta per row, 50 / 0.195 ~ 256 rows (sd of the
# sum over 256 rows ~ 7.3, i.e. ~ 40 rows); 450 rows.
# KSWIN, 1 sd shift: once the 30 recent values are new and R still comes from the old 70
# (rows ~30 to ~70 after the change), the population KS distance is 2 Phi(1/2) - 1 = 0.38,
# near the exact 0.005 critical value 13/30 = 0.43 for 30 against 30, with a fresh R at every
# row: a detection within 100 rows (after that the whole window is new: nothing to detect).
# DDM, error rate 0.1 -> 0.3: the threshold p_min + 3 s_min = ps_min + 2 s_min.  When the
# minimum of p + s is taken late, it is ~ 0.1 + 3 sqrt(0.09/2000) = 0.12, crossed by the running
# rate (200 + 0.3k)/(2000 + k) after ~220 rows; DDM often takes it early (n ~ 50-100, s_min ~
# 0.03), giving a threshold up to ~0.17, crossed after ~600-900 rows: 1000 rows.
# EDDM, 0.1 -> 0.3: p2s_max ~ 10 + 2 * 9.5 = 29 for distances between errors at rate 0.1; with at
# most 200 old distances since a reset, the pooled mean + 2 sd of the distances falls below
# 0.9 * 29 after ~65 new distances (mean 3.3, sd 2.8), ~220 rows at rate 0.3: 500 rows.  And
# as the distances shrink after the change, EDDM must alarm more often after it than before.
BOUND_DELAY = {("adwin", "mean +1 sd"): 200, ("adwin", "0/1 errors 0.1->0.3"): 400,
               ("page_hinkley", "mean +1 sd"): 200, ("page_hinkley", "0/1 errors 0.1->0.3"): 450,
               ("kswin", "mean +1 sd"): 100, ("ddm", "errors 0.1->0.3"): 1000,
               ("eddm", "errors 0.1->0.3"): 500}
for key, bound in BOUND_DELAY.items():
    ds = [d for d, _, _ in DELAYS[key]]
    chk.equal(f"{key[0]} detects '{key[1]}' within {bound} rows (delays {ds})",
              all(d is not None and d <= bound for d in ds), True)
_before = sum(b for _, b, _ in DELAYS[("eddm", "errors 0.1->0.3")])
_after = sum(a for _, _, a in DELAYS[("eddm", "errors 0.1->0.3")])
chk.equal(f"eddm alarms more often after the change ({_after}) than before it ({_before}),"
          f" 2000 rows each", _after > _before, True)
# False alarms on 20,000 stationary rows (3 seeds):
# ADWIN: a check (every 32nd row) shrinks a stationary window with probability at most
# delta = 0.002 (Bifet & Gavalda 2007, thm 3.1): at most 625 * 0.002 = 1.25 alarms per stream
# expected in the worst case, 3.75 for 3 streams; the bound is very loose, so more than 4
# means a broken cut test.
# KSWIN: each test is a valid KS test of two disjoint samples of one distribution, so
# P(p <= alpha) <= alpha: at most 0.005 * 20000 = 100 alarms per stream expected; the tests
# overlap (29 of the 30 recent values are shared) but a drift empties the window for 100 rows;
# 1.5 * 100 * 3 = 450 for the 3 streams.
# DDM: the running error rate converges and p_min + 3 s_min is a 3-sigma bound around it:
# alarms come from the first few hundred rows after a start; at most 3 per stream, 9 in all.
# Page-Hinkley (threshold 50, N(0,1)): test_inc = sum_inc - min(sum_inc) is a random walk of
# unit steps reflected at its minimum (like |B| by Levy's theorem), which needs h^2 = 2500 steps
# on average to reach h = 50; delta, the forgetting and the running mean only slow it.  Two
# one-sided tests: at most 2 * 20000 / 2500 = 16 alarms per stream expected; twice that for
# 3 streams is 96.
BOUND_FALSE = {("adwin", "N(0,1)"): 4, ("adwin", "0/1 errors 0.1"): 4, ("kswin", "N(0,1)"): 450,
               ("ddm", "errors 0.1"): 9, ("page_hinkley", "N(0,1)"): 96}
for key, bound in BOUND_FALSE.items():
    fa = FALSE[key]
    chk.equal(f"{key[0]} false alarms on 3 x {STAT_N} rows of '{key[1]}' <= {bound} ({fa})", sum(fa) <= bound, True)

# ====================================================================== 3b. after a drift: river or MOA
# One mean shift (N(0,1) -> N(1,1) after row 1024): river's ADWIN restarts after its drift
# and, the new window holding only the new regime, detects once; MOA's shrunk window still
# holds old values and cuts again.  The row after each restart's drift sees a window of one
# value (its statistic is 1).
for seed in range(5):
    r = np.random.default_rng(seed)
    xs = np.concatenate([r.normal(0, 1, 1024), r.normal(1, 1, 1000)]).tolist()
    drifts = {}
    for mode in ("restart", "shrink"):
        cur.execute(f"""SELECT array_agg(i - 1 ORDER BY i) FILTER (WHERE (d).drift),
                               array_agg((d).statistic ORDER BY i) FILTER (WHERE prev_drift)
                          FROM (SELECT i, d, lag((d).drift) OVER (ORDER BY i) AS prev_drift
                                  FROM (SELECT i, mlmon.adwin(x, '{mode}') OVER (ORDER BY i) AS d
                                          FROM unnest(%s::float8[]) WITH ORDINALITY u(x, i)) q) q2""", (xs,))
        got, after = cur.fetchone()
        want = [row[0] - 1 for row in ADWIN(after_drift=mode).run(xs) if row[2]]
        chk.equal(f"adwin(x, '{mode}') on a mean shift at 1024 (seed {seed}): drift rows", got, want)
        drifts[mode] = got or []
        if mode == "restart":
            chk.equal(f"adwin(x, 'restart') seed {seed}: the window after each drift holds one value",
                      set(after or []) <= {1.0}, True)
    chk.equal(f"seed {seed}: river's way detects the one shift once, MOA's again later",
              (len(drifts["restart"]), drifts["shrink"][:1] == drifts["restart"], len(drifts["shrink"]) > 1),
              (1, True, True))

# ====================================================================== 4. ADWIN with max_buckets = 1
# Accepted by mlmon and defined by the specification (a row holds one bucket; two merge into
# the next row), but rows of the histogram can then be empty in the middle: dropping the
# oldest bucket may leave empty rows on top.  Last, because a failure here may end the session.
EDGE = [("0.05, 7, 1, 5, 10", dict(delta=0.05, clock=7, max_buckets=1, min_window_length=5, grace_period=10),
         [0, 1, 3, 7, 10, 12]),
        ("0.9, 1, 1, 1, 0", dict(delta=0.9, clock=1, max_buckets=1, min_window_length=1, grace_period=0),
         [EDGE_SID])]
for args, kw, sids in EDGE:
    try:
        got = fetch_by_stream(window_query("adwin", args, sids))
    except psycopg2.Error as e:
        chk.equal(f"adwin({args}) window form on streams {sids} runs", f"{type(e).__name__}: {e}".strip(), None)
        break
    for sid in sids:
        compare_rows(f"adwin({args}) on '{STREAMS[sid][1]}'", got.get(sid, []), reference("adwin", kw, sid), "adwin")

print()
print(f"Detection delay: rows from the change (after row {CHANGE_AT}) to the first drift after it, 5 seeds;")
print("alarms before / after the change summed over the seeds (None: no drift in the 2000 rows after it)")
print(f"{'detector':13} {'stream':21} {'delays':27} {'median':>6} {'before':>6} {'after':>6}")
for (det, label), res in DELAYS.items():
    ds = [d for d, _, _ in res]
    known = sorted(d for d in ds if d is not None)
    med = known[len(known) // 2] if known else None
    print(f"{det:13} {label:21} {str(ds):27} {str(med):>6} {sum(b for _, b, _ in res):>6}"
          f" {sum(a for _, _, a in res):>6}")
print(f"\nFalse alarms on {STAT_N} stationary rows (3 seeds)")
for (det, label), fa in FALSE.items():
    print(f"{det:13} {label:21} {str(fa):16} total {sum(fa)}")
print()
print("river documented examples (python reference):")
for name, want, log, ok in RIVER_OUTCOME:
    print(f"  {name}: documented {want}, reference {log}: {'match' if ok else 'MISMATCH'}")
print("statistic / estimate values (non-NULL) bit-identical to the reference:")
for (det, name), (n, same) in sorted(BITS.items()):
    print(f"  {det:13} {name:9} {same}/{n}")
print(f"[{time.time() - T0:5.1f}s] done")
chk.finish()
