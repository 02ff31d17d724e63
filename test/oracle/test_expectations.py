"""Expectations (mlmon.expect) end to end, against results computed here by hand.

A model logs rows whose features break the rules in known ways: missing
keys, JSON nulls, strings where numbers belong, a number beyond float8,
booleans, an array, strings of 100,000 characters, duplicated ids.  Each
rule's outcome is computed here from the generated rows with Python and
NumPy, by the definitions the README gives (Great Expectations' rules:
`mostly` over the rows that have the feature, not_null over every row; the
statistics on the values that are numbers; quantiles by percentile_disc, as
Great Expectations computes them on PostgreSQL; the standard deviation with
ddof 1), and compared with what
run_checks stores: success, observed value, counts, shares, and that the
few unexpected values reported are distinct unexpected values, cut to 200
characters.  Then: alerts of type `expectation` with each expectation's
severity, resolved when a later window passes; the report, the Prometheus
metrics and the recommendations; a rule broken behind expect's back fails
alone; a registered source's columns; bad declarations refused; a reader
sees outcomes but not unexpected values unless granted feature reading."""
import datetime
import io
import json
import math

import numpy as np
import psycopg2

from common import Checker, connect

chk = Checker("test_expectations")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261206)

cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT mlmon.register_model('ge', '1', 'classification')")
cur.execute("SELECT date_trunc('hour', now()) - interval '2 days'")
BASE = cur.fetchone()[0]


def at(h):
    return BASE + datetime.timedelta(hours=h)


HUGE = "Z" * 100_000
ABSENT = object()      # a key left out of the features object


def make_row(i, bad):
    """One row's features (dict; ABSENT values are left out) in a window; bad: the second window breaks more rules."""
    age = int(rng.integers(18, 90))
    if i % 17 == 0:
        age = None
    elif i % 23 == 0:
        age = ABSENT
    elif i % 29 == 0:
        age = "n/a"
    elif i % 31 == 0:
        age = 150
    elif i % 37 == 0:
        age = True
    country = ["FR", "DE", "US"][i % 3]
    if bad and i % 11 == 0:
        country = "xx"
    if i % 53 == 0:
        country = HUGE
    if i % 59 == 0:
        country = None
    if i % 61 == 0:
        country = ["FR"]
    email = f"user{i}@example.com"
    if bad and i % 7 == 0:
        email = f"user{i} at example"
    if i % 41 == 0:
        email = 12345
    rid = f"id{i % (900 if bad else 100000)}"
    if i % 67 == 0:
        rid = ["x"]        # an array: present, but no scalar value for the unique share
    score = float(rng.beta(2, 5)) + (0.5 if bad else 0.0)
    if i % 43 == 0:
        score = "high"
    return {"age": age, "country": country, "email": email, "id": rid, "score": score}


N = 1000
windows = {0: [make_row(i, False) for i in range(N)], 1: [make_row(i, True) for i in range(N)]}
# one number beyond float8 (written as JSON text: Python has no such float)
SPECIAL = '{"age": 1e400, "country": "FR", "email": "big@example.com", "id": "special", "score": 0.25}'


def to_json(f):
    return json.dumps({k: v for k, v in f.items() if v is not ABSENT})


buf = io.StringIO()
for w, rows in windows.items():
    for i, f in enumerate(rows):
        ts = at(6 * w) + datetime.timedelta(seconds=10 * i)
        buf.write(f"ge\t{ts.isoformat()}\tr{w}-{i}\t{to_json(f).replace(chr(92), chr(92) * 2)}\tFR\n")
buf.write(f"ge\t{(at(0) + datetime.timedelta(seconds=5)).isoformat()}\tspecial\t{SPECIAL}\tFR\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label) FROM STDIN", buf)
windows[0].append({"age": math.inf, "country": "FR", "email": "big@example.com", "id": "special", "score": 0.25,
                   "_age_text": "1" + "0" * 400})

cur.execute("SELECT mlmon.set_reference('ge', %s, %s)", (at(0), at(6)))

# the expectations: (name, feature, rule, kwargs for mlmon.expect)
EXPECT = [
    ("age_not_null", "age", "not_null", {"mostly": 0.9}),
    ("age_between", "age", "between", {"min_value": 0, "max_value": 120, "mostly": 0.95, "severity": "high"}),
    ("country_in_set", "country", "in_set", {"value_set": ["FR", "DE", "US"], "severity": "critical"}),
    ("email_matches_regex", "email", "matches_regex", {"pattern": r"^[^@ ]+@[^@ ]+\.[a-z]+$", "mostly": 0.99}),
    ("country_length_between", "country", "length_between", {"min_value": 2, "max_value": 2, "severity": "low"}),
    ("id_unique_share_between", "id", "unique_share_between", {"min_value": 0.99}),
    ("score_mean_between", "score", "mean_between", {"min_value": 0.1, "max_value": 0.5}),
    ("score_stddev_between", "score", "stddev_between", {"max_value": 0.25}),
    ("score_quantile_between", "score", "quantile_between", {"quantile": 0.9, "min_value": 0.3, "max_value": 0.7}),
    ("row_count_between", None, "row_count_between", {"min_value": 500, "max_value": 2000}),
]
for name, feature, rule, kw in EXPECT:
    args = ", ".join(f"{k} => %s" for k in kw)
    cur.execute(f"SELECT mlmon.expect('ge', %s, %s{', ' + args if args else ''})", (feature, rule, *kw.values()))
    chk.equal(f"expect {name}: returns its name", cur.fetchone()[0], name)


def text_of(f, key):
    """The feature as text (the value in unexpected_values), None when not a scalar."""
    if key == "age" and "_age_text" in f:
        return f["_age_text"]
    v = f.get(key, ABSENT)
    if v is ABSENT or v is None or isinstance(v, (list, dict)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)          # strings, and integers (ages, ids): floats are never reported as text here


def want_outcome(rows, name, feature, rule, kw):
    """The outcome by the documented definitions: (success, observed, n, missing, unexpected, share, unexpected texts)."""
    n = len(rows)
    if rule == "row_count_between":
        ok = (kw.get("min_value") is None or n >= kw["min_value"]) and (kw.get("max_value") is None or n <= kw["max_value"])
        return ok, float(n), n, None, None, None, None
    vals = [f.get(feature, ABSENT) for f in rows]
    present = [(f, v) for f, v in zip(rows, vals) if v is not ABSENT and v is not None]
    missing = n - len(present)
    mostly = kw.get("mostly", 1.0)
    isnum = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if rule == "not_null":
        obs = (n - missing) / n
        return obs >= mostly, obs, n, missing, missing, missing / n, set()
    lo, hi = kw.get("min_value"), kw.get("max_value")
    inb = lambda x: (lo is None or x >= lo) and (hi is None or x <= hi)
    if rule == "between":
        bad = [f for f, v in present if not (isnum(v) and inb(v))]
    elif rule == "in_set":
        bad = [f for f, v in present if text_of(f, feature) not in kw["value_set"]]
    elif rule == "matches_regex":
        import re
        bad = [f for f, v in present if text_of(f, feature) is None or not re.search(kw["pattern"], text_of(f, feature))]
    elif rule == "length_between":
        bad = [f for f, v in present if text_of(f, feature) is None or not inb(len(text_of(f, feature)))]
    elif rule == "unique_share_between":
        bad = []
    else:
        bad = [f for f, v in present if not isnum(v)]
    texts = {t[:200] for t in (text_of(f, feature) for f in bad) if t is not None}
    share = len(bad) / len(present)
    if rule in ("between", "in_set", "matches_regex", "length_between"):
        obs = (len(present) - len(bad)) / len(present)
        return obs >= mostly, obs, n, missing, len(bad), share, texts
    nums = np.array([v for _, v in present if isnum(v)], dtype=float)
    if rule == "unique_share_between":
        scalars = [text_of(f, feature) for f, _ in present if text_of(f, feature) is not None]
        stat = len(set(scalars)) / len(scalars)
    elif rule == "mean_between":
        stat = float(np.mean(nums))
    elif rule == "stddev_between":
        stat = float(np.std(nums, ddof=1))
    else:
        # Great Expectations on PostgreSQL: percentile_disc, the first value whose cumulative share reaches q
        ordered = sorted(nums)
        stat = float(ordered[max(math.ceil(kw["quantile"] * len(ordered)), 1) - 1])
    return (not math.isnan(stat)) and inb(stat), stat, n, missing, len(bad), share, texts


def stored(cid):
    cur.execute("""SELECT name, success, observed_value, element_count, missing_count, unexpected_count,
                          unexpected_share, unexpected_values, error, severity, rule, feature
                     FROM mlmon.expectation_results WHERE check_id = %s""", (cid,))
    return {r[0]: r[1:] for r in cur.fetchall()}


def check_window(label, w):
    cur.execute("SELECT mlmon.run_checks('ge', %s, %s)", (at(6 * w), at(6 * w + 6)))
    cid = cur.fetchone()[0]
    got = stored(cid)
    chk.equal(f"{label}: one outcome per expectation", sorted(got), sorted(e[0] for e in EXPECT))
    verdicts = {}
    for name, feature, rule, kw in EXPECT:
        ok, obs, n, missing, unexpected, share, texts = want_outcome(windows[w], name, feature, rule, kw)
        g = got[name]
        chk.equal(f"{label} {name}: success", g[0], ok)
        chk.close(f"{label} {name}: observed", g[1], obs, 1e-12)
        chk.equal(f"{label} {name}: rows, missing, unexpected", (g[2], g[3], g[4]), (n, missing, unexpected))
        if share is not None:
            chk.close(f"{label} {name}: unexpected share", g[5], share, 1e-12)
        if texts is not None:
            vals = g[6] or []
            chk.equal(f"{label} {name}: {len(vals)} unexpected values, distinct, each an unexpected value",
                      (len(vals) == len(set(vals)) == min(5, len(texts)), set(vals) <= texts), (True, True))
        chk.equal(f"{label} {name}: no error, severity, rule, feature", (g[7], g[8], g[9], g[10]),
                  (None, kw.get("severity", "medium"), rule, feature))
        verdicts[name] = ok
    # the same numbers in check_results, under the expectation's name
    cur.execute("""SELECT feature, metric, value, method FROM mlmon.check_results
                    WHERE check_id = %s AND "check" = 'expectations'""", (cid,))
    cr = {(f, m): (v, meth) for f, m, v, meth in cur.fetchall()}
    for name, feature, rule, kw in EXPECT:
        chk.equal(f"{label} {name}: check_results success", cr.get((name, "success")), (float(got[name][0]), rule))
        chk.equal(f"{label} {name}: check_results observed", cr.get((name, "observed_value"), (None,))[0], got[name][1])
    return cid, verdicts


cid0, v0 = check_window("clean window", 0)
# a session that prints floats with fewer digits: the statistics keep every digit all the same
cur.execute("SET extra_float_digits = -15")
cur.execute("SELECT mlmon.run_checks('ge', %s, %s)", (at(0), at(6)))
cid_short = cur.fetchone()[0]
cur.execute("RESET extra_float_digits")
chk.equal("extra_float_digits = -15 in the session: the same observed values, every digit",
          {n: g[1] for n, g in stored(cid_short).items()}, {n: g[1] for n, g in stored(cid0).items()})
cid1, v1 = check_window("broken window", 1)
chk.equal("the broken window breaks more rules", sum(not v for v in v1.values()) > sum(not v for v in v0.values()), True)
print(f"  clean window fails {sorted(k for k, v in v0.items() if not v)}; broken window fails {sorted(k for k, v in v1.items() if not v)}")
# the 100,000-character strings are the clean window's only country values of another length: reported cut
g = stored(cid0)["country_length_between"]
chk.equal("a 100,000-character value is reported cut to 200 characters", g[6], ["Z" * 200])

# alerts: one per failed expectation, with its severity
cur.execute("SELECT feature, severity, details->>'rule' FROM mlmon.alerts WHERE model = 'ge' AND type = 'expectation' AND status = 'open'")
open_alerts = {f: (s, r) for f, s, r in cur.fetchall()}
sev = {name: kw.get("severity", "medium") for name, _, _, kw in EXPECT}
chk.equal("an open alert per expectation the broken window failed, with its severity",
          open_alerts, {n: (sev[n], r) for n, _, r, _ in EXPECT if not v1[n]})
cur.execute("SELECT count(*) FROM mlmon.recommendations WHERE model = 'ge' AND reason LIKE 'expectation %% failed%%'")
chk.equal("a recommendation per open expectation alert", cur.fetchone()[0], len(open_alerts))
cur.execute("SELECT mlmon.report('ge')")
rep = cur.fetchone()[0]
chk.equal("the report lists each expectation's latest outcome",
          {e["name"]: e["success"] for e in rep["expectations"]}, v1)
chk.equal("the report counts the expectation alerts", rep["drift_summary"]["expectation_alerts"], len(open_alerts))
cur.execute("""SELECT labels->>'expectation', value FROM mlmon.metrics WHERE name = 'mlmon_expectation_success'
                AND labels->>'model' = 'ge'""")
chk.equal("Prometheus: mlmon_expectation_success per expectation", dict(cur.fetchall()),
          {n: float(v) for n, v in v1.items()})
cur.execute("SELECT mlmon.prometheus_metrics() LIKE %s", ('%mlmon_expectation_success{expectation="country_in_set",model="ge",rule="in_set"} 0%',))
chk.equal("Prometheus exposition: mlmon_expectation_success with its labels", cur.fetchone()[0], True)

# the clean window again: the alerts of the expectations it passes are resolved
check_window("clean window again", 0)
cur.execute("SELECT feature FROM mlmon.alerts WHERE model = 'ge' AND type = 'expectation' AND status = 'open'")
chk.equal("alerts of the expectations that pass again are resolved", {r[0] for r in cur.fetchall()},
          {n for n, v in v0.items() if not v})

# mostly at its exact boundary: 2 of 10 rows have the feature, mostly 0.2 holds (Great Expectations
# divides (10 - 8) / 10, exactly 0.2; 1 - 8/10 is 0.19999999999999996)
cur.execute("SELECT mlmon.register_model('gb', '1', 'classification')")
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               SELECT 'gb', %s + g * interval '1 minute', 'b' || g,
                      CASE WHEN g <= 2 THEN jsonb_build_object('v', g, 'u', 0.5) ELSE '{"w": 1, "u": 5}' END, 'a'
                 FROM generate_series(1, 10) g""", (at(0),))
cur.execute("SELECT mlmon.set_reference('gb', %s, %s)", (at(0), at(6)))
cur.execute("SELECT mlmon.expect('gb', 'v', 'not_null', mostly => 0.2)")
cur.execute("SELECT mlmon.expect('gb', 'u', 'between', min_value => 0, max_value => 1, mostly => 0.2)")
cur.execute("SELECT mlmon.expect('gb', NULL, 'row_count_between', min_value => 1, severity => 'critical')")
cur.execute("SELECT mlmon.run_checks('gb', %s, %s)", (at(0), at(6)))
got = stored(cur.fetchone()[0])
chk.equal("mostly 0.2 with 2 of 10 rows: holds, observed exactly 0.2", (got["v_not_null"][0], got["v_not_null"][1]), (True, 0.2))
chk.equal("mostly 0.2 with 2 of 10 values in range: holds, observed exactly 0.2", (got["u_between"][0], got["u_between"][1]),
          (True, 0.2))
# a window without rows: the row count's expectation fails and alerts, the others say nothing
cur.execute("SELECT mlmon.run_checks('gb', %s, %s)", (at(20), at(21)))
got = stored(cur.fetchone()[0])
chk.equal("an empty window: row count fails, not_null has nothing to judge",
          (got["row_count_between"][0], got["v_not_null"][0]), (False, None))
cur.execute("SELECT feature, severity FROM mlmon.alerts WHERE model = 'gb' AND type = 'expectation' AND status = 'open'")
chk.equal("an empty window: the row count's alert opens, critical", cur.fetchall(), [("row_count_between", "critical")])

# a rule broken behind expect's back (an invalid pattern written into the table) fails alone
cur.execute("UPDATE mlmon.expectations SET pattern = '(' WHERE model = 'ge' AND name = 'email_matches_regex'")
cur.execute("SET client_min_messages = error")
cur.execute("SELECT mlmon.run_checks('ge', %s, %s)", (at(6), at(12)))
cid = cur.fetchone()[0]
cur.execute("RESET client_min_messages")
got = stored(cid)
chk.equal("a broken rule: its outcome holds the error, no verdict",
          (got["email_matches_regex"][0], "regular expression" in (got["email_matches_regex"][7] or "")), (None, True))
chk.equal("a broken rule: the other expectations are judged as before",
          {n: g[0] for n, g in got.items() if n != "email_matches_regex"},
          {n: v for n, v in v1.items() if n != "email_matches_regex"})
cur.execute("SELECT count(*) FROM mlmon.check_results WHERE check_id = %s AND \"check\" = 'volume'", (cid,))
chk.equal("a broken rule: the check's other sections are there", cur.fetchone()[0] > 0, True)
cur.execute("SELECT mlmon.expect('ge', 'email', 'matches_regex', pattern => %s, mostly => 0.99)", (r"^[^@ ]+@[^@ ]+\.[a-z]+$",))

# disabled and dropped expectations are not evaluated
cur.execute("SELECT mlmon.drop_expectation('ge', 'score_stddev_between')")
chk.equal("drop_expectation", cur.fetchone()[0], True)
cur.execute("SELECT mlmon.drop_expectation('ge', 'score_stddev_between')")
chk.equal("drop_expectation again: false", cur.fetchone()[0], False)
cur.execute("UPDATE mlmon.expectations SET enabled = false WHERE model = 'ge' AND name = 'row_count_between'")
cur.execute("SELECT mlmon.run_checks('ge', %s, %s)", (at(6), at(12)))
chk.equal("dropped and disabled expectations are not evaluated",
          sorted(stored(cur.fetchone()[0])), sorted(n for n, _, _, _ in EXPECT if n not in ("score_stddev_between", "row_count_between")))

# a registered source: the expectation reads its columns
cur.execute("DROP TABLE IF EXISTS ge_source")
cur.execute("CREATE TABLE ge_source (ts timestamptz, x float8, tag text, label text)")
cur.execute("""INSERT INTO ge_source SELECT %s + g * interval '1 minute', CASE WHEN g %% 10 = 0 THEN 2 ELSE g / 1000.0 END,
                      CASE WHEN g %% 25 = 0 THEN NULL ELSE 't' || (g %% 4) END, 'a'
                 FROM generate_series(1, 300) g""", (at(0),))
cur.execute("SELECT mlmon.register_model('gesrc', '1', 'classification')")
cur.execute("SELECT mlmon.register_source('gesrc', 'ge_source', 'ts', feature_columns => ARRAY['x', 'tag'], prediction_column => 'label')")
cur.execute("SELECT mlmon.set_reference('gesrc', %s, %s)", (at(0), at(6)))
cur.execute("SELECT mlmon.expect('gesrc', 'x', 'between', min_value => 0, max_value => 1)")
cur.execute("SELECT mlmon.expect('gesrc', 'tag', 'not_null', mostly => 0.99)")
cur.execute("SELECT mlmon.run_checks('gesrc', %s, %s)", (at(0), at(6)))
got = stored(cur.fetchone()[0])
chk.equal("source columns: x between 0 and 1 (every 10th row is 2)", (got["x_between"][0], got["x_between"][4]), (False, 30))
chk.close("source columns: tag not null share", got["tag_not_null"][1], 1 - 12 / 300, 1e-12)

# bad declarations are refused when declared, with a clear error
BAD = [
    ("'ge', 'age', 'between_ish'", "22023"), ("'ge', 'age', NULL", "22023"),
    ("'ge', 'age', 'between', min_value => 5, max_value => 1", "22023"),
    ("'ge', 'age', 'between'", "22023"), ("'ge', 'age', 'not_null', min_value => 1", "22023"),
    ("'ge', 'email', 'matches_regex', pattern => '(unclosed'", "2201B"),
    ("'ge', 'email', 'matches_regex'", "22023"), ("'ge', 'country', 'in_set'", "22023"),
    ("'ge', 'country', 'in_set', value_set => '{}'", "22023"), ("'ge', 'country', 'in_set', value_set => '{FR,NULL}'", "22023"),
    ("'ge', 'score', 'quantile_between', min_value => 0", "22023"),
    ("'ge', 'score', 'quantile_between', quantile => 1.5, min_value => 0", "22023"),
    ("'ge', 'score', 'mean_between', min_value => 0, mostly => 0.5", "22023"),
    ("'ge', 'age', 'not_null', mostly => 0", "22023"), ("'ge', 'age', 'not_null', mostly => 1.5", "22023"),
    ("'ge', 'age', 'not_null', severity => 'urgent'", "22023"), ("'ge', 'age', 'row_count_between', min_value => 1", "22023"),
    ("'ge', NULL, 'not_null'", "22023"), ("'ge', 'age', 'between', min_value => 'NaN'", "22023"),
    ("'nope', 'age', 'not_null'", "42704"),
]
for args, code in BAD:
    try:
        cur.execute(f"SELECT mlmon.expect({args})")
        chk.equal(f"expect({args}) refused", "accepted", code)
    except psycopg2.Error as e:
        chk.equal(f"expect({args}) refused with {code}", e.pgcode, code)

# privileges: a reader sees outcomes, not the unexpected values, unless granted feature reading
cur.execute("DROP ROLE IF EXISTS mlmon_ge_reader")
cur.execute("CREATE ROLE mlmon_ge_reader")
cur.execute("SELECT mlmon.grant_reader('mlmon_ge_reader')")
cur.execute("GRANT USAGE ON SCHEMA mlmon TO mlmon_ge_reader")
cur.execute("SET ROLE mlmon_ge_reader")
cur.execute("SELECT count(*) FROM mlmon.expectation_results_view WHERE model = 'ge'")
chk.equal("reader: reads the outcomes", cur.fetchone()[0] > 0, True)
cur.execute("SELECT (mlmon.report('ge'))->'expectations' IS NOT NULL")
chk.equal("reader: the report has the expectations", cur.fetchone()[0], True)
try:
    cur.execute("SELECT unexpected_values FROM mlmon.expectation_results")
    chk.equal("reader: the unexpected values are refused", "read", "42501")
except psycopg2.Error as e:
    chk.equal("reader: the unexpected values are refused", e.pgcode, "42501")
cur.execute("RESET ROLE")
cur.execute("SELECT mlmon.grant_feature_reader('mlmon_ge_reader')")
cur.execute("SET ROLE mlmon_ge_reader")
cur.execute("SELECT count(*) FROM mlmon.expectation_results WHERE cardinality(unexpected_values) > 0")
chk.equal("feature reader: reads the unexpected values", cur.fetchone()[0] > 0, True)
cur.execute("RESET ROLE")
cur.execute("DROP OWNED BY mlmon_ge_reader; DROP ROLE mlmon_ge_reader")
chk.finish()
