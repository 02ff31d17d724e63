"""Segments (mlmon.segment_by) end to end.

A classifier logs rows of five countries (uneven shares, some rows without a
country) with two numeric features and a categorical one; in the last hour
the rows of one country ('de') drift in x and their labels stop following
the model.  With segment_by(country, top_n => 3):

- the segments are the reference's three largest countries and (other);
- each segment's results (volume, latency, performance, data drift, output
  drift, data quality) equal those of a model that logs that segment's rows
  alone, with the same reference window: the issue's definition of a
  segment's check;
- rows, labelled rows and accuracy per segment also equal what Python counts
  from the generated rows;
- the whole model's results do not change when segments are added;
- alerts per segment follow the same rules (the drifted country alone raises
  feature drift and accuracy-drop alerts), deduplicated per segment, and
  resolve when a later window is normal; drop_segments resolves the rest;
- the segments show in performance_history, feature_drift, segment_results,
  the report, recommendations and mlmon.metrics (a segment label);
- an expression over the features gives the same segments as the feature;
- a registered source with its labels in its own rows is segmented too
  (labelled rows and accuracy per segment against Python's counts);
- bad declarations are refused (unknown model, neither or both of feature
  and expression, top_n out of range, a syntax error, a volatile function, a
  subquery, a second command); an expression that fails on a row at check
  time leaves the check and the whole model's results intact, with a warning;
- a reader (grant_reader) sees segment results."""
import datetime
import json

import numpy as np
import psycopg2

from common import Checker, connect, copy_rows

chk = Checker("test_segments")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261206)

cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT date_trunc('hour', now()) - interval '2 days'")
BASE = cur.fetchone()[0]


def at(h):
    return BASE + datetime.timedelta(hours=h)


COUNTRIES = ["fr", "de", "it", "es", "pt", None]
SHARES = [0.36, 0.26, 0.16, 0.09, 0.08, 0.05]
SEGMENTS = ["fr", "de", "it", "(other)"]


def segment_of(c):
    return c if c in ("fr", "de", "it") else "(other)"


# rows: hours [0, 3) reference, [3, 4) normal, [4, 5) 'de' drifts
rows = []
n_per_hour = [900, 900, 900, 900, 900]
for h, n in enumerate(n_per_hour):
    for i in range(n):
        c = COUNTRIES[rng.choice(len(COUNTRIES), p=SHARES)]
        drift = h == 4 and c == "de"
        x = float(np.round(rng.normal(2.5 if drift else 0.0, 1.0), 6))
        y = float(np.round(rng.normal(0.0, 1.0), 6))
        z = ["a", "b", "c"][int(rng.integers(0, 3))]
        pred = "1" if x + y > 0 else "0"
        truth = pred if rng.random() < (0.5 if drift else 0.9) else ("0" if pred == "1" else "1")
        feats = {"x": x, "y": y, "z": z}
        if c is not None:
            feats["country"] = c
        rows.append(dict(rid=f"r{h}-{i}", ts=at(h) + datetime.timedelta(seconds=3 * i + 1), h=h, country=c,
                         features=feats, pred=pred, score=round(float(rng.random()), 6),
                         latency=round(float(rng.uniform(1, 100)), 3), label=truth if i % 2 == 0 else None))


def log(model, subset):
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    copy_rows(cur, "seg_raw", "rid text, ts timestamptz, f jsonb, p text, s float8, lat float8",
              [(r["rid"], r["ts"].isoformat(), json.dumps(r["features"]), r["pred"], r["score"], r["latency"])
               for r in subset])
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
                   SELECT %s, ts, rid, f, p, s, lat FROM seg_raw""", (model,))
    for r in subset:
        if r["label"] is not None:
            cur.execute("SELECT mlmon.record_label(%s, %s, %s)", (model, r["rid"], r["label"]))


CHECKS = ("volume", "latency", "performance", "data_drift", "output_drift", "data_quality")


def results(model, check_id, segment):
    cur.execute("""SELECT "check", metric, coalesce(feature, ''), coalesce(method, ''), value FROM mlmon.check_results
                    WHERE model = %s AND check_id = %s AND segment IS NOT DISTINCT FROM %s AND "check" = ANY (%s)""",
                (model, check_id, segment, list(CHECKS)))
    return {(c, m, f, me): v for c, m, f, me, v in cur.fetchall()}


def compare(label, got, want):
    chk.equal(f"{label}: the same results", sorted(got), sorted(want))
    for k in sorted(set(got) & set(want)):
        g, w = got[k], want[k]
        if w is None or g is None or w != w:
            chk.equal(f"{label}: {k}", g is None or g != g, w is None or w != w)
        else:
            chk.close(f"{label}: {k}", g, w, 1e-12, 1e-15)


# the model with segments, a twin without, and one model per segment
log("seg", rows)
log("whole", rows)
chk.equal("segment_by before any reference", cur.execute(
    "SELECT mlmon.segment_by('seg', 'country', top_n => 3)") or True, True)
cur.execute("SELECT mlmon.set_reference('seg', %s, %s)", (at(0), at(3)))
cur.execute("SELECT mlmon.set_reference('whole', %s, %s)", (at(0), at(3)))
cur.execute("SELECT segment, rank, n_rows FROM mlmon.segment_references WHERE model = 'seg' ORDER BY rank")
refs = cur.fetchall()
ref_rows = [r for r in rows if r["h"] < 3]
chk.equal("the reference's top 3 countries by rows, then (other)", [(s, k) for s, k, _ in refs],
          [("fr", 1), ("de", 2), ("it", 3), ("(other)", 4)])
chk.equal("each segment's reference rows", [n for _, _, n in refs],
          [sum(segment_of(r["country"]) == s for r in ref_rows) for s in SEGMENTS])

ids = {}
for s in SEGMENTS:
    m = "alone_" + {"(other)": "other"}.get(s, s)
    log(m, [r for r in rows if segment_of(r["country"]) == s])
    cur.execute("SELECT mlmon.set_reference(%s, %s, %s)", (m, at(0), at(3)))
    ids[s] = m

checks = {}
for h in (3, 4):
    for m in ["seg", "whole"] + list(ids.values()):
        cur.execute("SELECT mlmon.run_checks(%s, %s, %s)", (m, at(h), at(h + 1)))
        checks[(m, h)] = cur.fetchone()[0]

for h in (3, 4):
    compare(f"hour {h}: the whole model with segments = without",
            results("seg", checks[("seg", h)], None), results("whole", checks[("whole", h)], None))
    for s in SEGMENTS:
        got = results("seg", checks[("seg", h)], s)
        want = results(ids[s], checks[(ids[s], h)], None)
        compare(f"hour {h}, segment {s} = its rows alone", got, want)
        # and by hand
        seg_rows = [r for r in rows if r["h"] == h and segment_of(r["country"]) == s]
        labelled = [r for r in seg_rows if r["label"] is not None]
        chk.equal(f"hour {h}, segment {s}: rows", got.get(("volume", "rows", "", "")), float(len(seg_rows)))
        chk.equal(f"hour {h}, segment {s}: labelled rows", got.get(("volume", "labeled_rows", "", "")), float(len(labelled)))
        chk.close(f"hour {h}, segment {s}: accuracy", got.get(("performance", "accuracy", "", "")),
                  sum(r["label"] == r["pred"] for r in labelled) / len(labelled), 1e-15)

# alerts: only the drifted country, in the drifted hour
cur.execute("""SELECT segment, type, coalesce(feature, ''), status FROM mlmon.alerts WHERE model = 'seg' AND segment IS NOT NULL
                ORDER BY 1, 2, 3""")
seg_alerts = cur.fetchall()
# ((other) holds the rows without a country: its missing rate of country is above the data-quality rule's 10%)
chk.equal("segment alerts: de's feature drift of x, output drift and accuracy drop; (other)'s missing countries",
          [(s, t, f) for s, t, f, st in seg_alerts if st == "open"],
          [("(other)", "data_quality", ""), ("de", "feature_drift", "x"), ("de", "output_drift", ""),
           ("de", "performance_degradation", "")])
cur.execute("""SELECT type, coalesce(feature, '') FROM mlmon.alerts WHERE model = 'alone_de' AND status = 'open'
                AND type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality')
                ORDER BY 1, 2""")
chk.equal("the same alerts as the model of de's rows alone", cur.fetchall(),
          [("feature_drift", "x"), ("output_drift", ""), ("performance_degradation", "")])
# dedup: the same window again refreshes, does not duplicate
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", (at(4), at(5)))
cur.execute("SELECT mlmon.run_checks('whole', %s, %s)", (at(4), at(5)))
cur.execute("""SELECT type, occurrences FROM mlmon.alerts WHERE model = 'seg' AND segment = 'de' AND status = 'open'
                ORDER BY 1""")
chk.equal("a second check refreshes de's alerts (one each, seen twice)", cur.fetchall(),
          [("feature_drift", 2), ("output_drift", 2), ("performance_degradation", 2)])
cur.execute("""SELECT a.type, coalesce(a.feature, ''), a.status, a.occurrences, a.model FROM mlmon.alerts a
                WHERE a.model IN ('seg', 'whole') AND a.segment IS NULL ORDER BY 5, 1, 2""")
al = cur.fetchall()
chk.equal("the whole model's alerts with segments = without", [x[:4] for x in al if x[4] == "seg"],
          [x[:4] for x in al if x[4] == "whole"])

# the views and the report carry the segments
cur.execute("""SELECT segment, n_rows, accuracy FROM mlmon.performance_history WHERE check_id = %s
                ORDER BY segment NULLS FIRST""", (checks[("seg", 4)],))
ph = cur.fetchall()
chk.equal("performance_history: the whole model and each segment", [s for s, _, _ in ph], [None] + sorted(SEGMENTS))
cur.execute("SELECT drift_detected FROM mlmon.feature_drift WHERE model = 'seg' AND segment = 'de' AND feature = 'x'")
chk.equal("feature_drift: de's x drifted", cur.fetchone()[0], True)
cur.execute("SELECT drift_detected FROM mlmon.feature_drift WHERE model = 'seg' AND segment = 'fr' AND feature = 'x'")
chk.equal("feature_drift: fr's x did not", cur.fetchone()[0], False)
cur.execute("SELECT mlmon.report('seg')->'segments'")
rep = cur.fetchone()[0]
chk.equal("report: every segment", sorted(x["segment"] for x in rep), sorted(SEGMENTS))
chk.equal("report: de has open alerts", [x["open_alerts"] for x in rep if x["segment"] == "de"], [3])
cur.execute("SELECT segment, action FROM mlmon.recommendations WHERE model = 'seg' AND segment IS NOT NULL ORDER BY 1, 2")
chk.equal("recommendations: de's accuracy drop means retrain, its output drift investigate, its feature watch",
          cur.fetchall(), [("(other)", "watch"), ("de", "investigate"), ("de", "retrain"), ("de", "watch")])
cur.execute("""SELECT labels->>'segment', value FROM mlmon.metrics WHERE name = 'mlmon_segment_rows'
                AND labels->>'model' = 'seg' ORDER BY 1""")
chk.equal("metrics: a segment label per segment, with its rows", cur.fetchall(),
          sorted((s, float(sum(1 for r in rows if r["h"] == 4 and segment_of(r["country"]) == s))) for s in SEGMENTS))
cur.execute("SELECT mlmon.prometheus_metrics()")
chk.equal("prometheus_metrics: segment samples", 'mlmon_segment_accuracy{model="seg",segment="de"}' in cur.fetchone()[0], True)

# stored segment summaries: a window of several buckets and two partial edges gives what reading every row gives
wide = (at(0) + datetime.timedelta(minutes=30), at(4) + datetime.timedelta(minutes=20))


def all_segments(model, check_id):
    return {seg: results(model, check_id, seg) for seg in SEGMENTS}


cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", wide)
first = cur.fetchone()[0]
cur.execute("""SELECT count(*), count(*) FILTER (WHERE ss.fingerprint IS NOT NULL) FROM mlmon.summaries su
                LEFT JOIN mlmon.segment_summaries ss USING (model, bucket_start)
                WHERE su.model = 'seg' AND su.bucket_start >= %s AND su.bucket_start < %s""", (at(1), at(4)))
chk.equal("the window's three whole buckets: summaries of the model and of its segments stored", cur.fetchone(), (3, 3))
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", wide)
second = cur.fetchone()[0]
cur.execute("SET mlmon.summaries = off")
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", wide)
unstored = cur.fetchone()[0]
cur.execute("RESET mlmon.summaries")
for seg in SEGMENTS:
    compare(f"wide window, segment {seg}: built = read", results("seg", first, seg), results("seg", unstored, seg))
    compare(f"wide window, segment {seg}: from stored summaries = read", results("seg", second, seg),
            results("seg", unstored, seg))
    chk.equal(f"wide window, segment {seg}: rows by hand", results("seg", second, seg).get(("volume", "rows", "", "")),
              float(sum(1 for r in rows if wide[0] <= r["ts"] < wide[1] and segment_of(r["country"]) == seg)))
# a late row and a late label in a stored bucket reach the segments' next check
late_ts = at(2) + datetime.timedelta(seconds=1)
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
               VALUES ('seg', %s, 'late-1', '{"country": "it", "x": 0.1, "y": 0.2, "z": "a"}', '1', 0.5, 10)""", (late_ts,))
unlabelled = next(r for r in rows if r["h"] == 2 and r["country"] == "fr" and r["label"] is None)
cur.execute("SELECT mlmon.record_label('seg', %s, %s)", (unlabelled["rid"], unlabelled["pred"]))
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", wide)
after = cur.fetchone()[0]
got_it, want_it = results("seg", after, "it"), results("seg", second, "it")
chk.equal("a late row in a stored bucket: its segment has one row more",
          got_it.get(("volume", "rows", "", "")), want_it.get(("volume", "rows", "", "")) + 1)
got_fr, want_fr = results("seg", after, "fr"), results("seg", second, "fr")
chk.equal("a late label in a stored bucket: its segment has one labelled row more",
          got_fr.get(("volume", "labeled_rows", "", "")), want_fr.get(("volume", "labeled_rows", "", "")) + 1)
cur.execute("SET mlmon.summaries = off")
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", wide)
unstored = cur.fetchone()[0]
cur.execute("RESET mlmon.summaries")
for seg in SEGMENTS:
    compare(f"after the late row and label, segment {seg}: stored = read", results("seg", after, seg),
            results("seg", unstored, seg))

# a normal window resolves de's alerts; drop_segments resolves what is left and stops segment results
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", (at(3), at(4)))
cur.execute("""SELECT type, coalesce(feature, '') FROM mlmon.alerts WHERE model = 'seg' AND segment = 'de' AND status = 'open'
                ORDER BY 1, 2""")
open_de = cur.fetchall()
# (a chance drift of another feature in that hour may open its own alert: what stays open is what this check found)
cur.execute("""SELECT feature FROM mlmon.check_results WHERE check_id = (SELECT max(check_id) FROM mlmon.checks WHERE model = 'seg')
                AND segment = 'de' AND "check" = 'data_drift' AND metric = 'drift_detected' AND value = 1 ORDER BY 1""")
chk.equal("a normal window resolves de's alerts (open: only the features this window found drifted)", open_de,
          [("feature_drift", f) for (f,) in cur.fetchall()])
chk.equal("a normal window resolves de's x, output and accuracy alerts",
          [a for a in open_de if a in (("feature_drift", "x"), ("output_drift", ""), ("performance_degradation", ""))], [])
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", (at(4), at(5)))
cur.execute("SELECT mlmon.drop_segments('seg')")
chk.equal("drop_segments: the model had segments", cur.fetchone()[0], True)
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'seg' AND segment IS NOT NULL AND status = 'open'")
chk.equal("drop_segments resolves the segments' alerts", cur.fetchone()[0], 0)
cur.execute("SELECT mlmon.run_checks('seg', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
cur.execute("SELECT count(*) FROM mlmon.check_results WHERE check_id = %s AND segment IS NOT NULL", (cid,))
chk.equal("no segment results after drop_segments", cur.fetchone()[0], 0)
cur.execute("SELECT count(*) FROM mlmon.metrics WHERE labels->>'model' = 'seg' AND name LIKE 'mlmon_segment_%'")
chk.equal("no segment samples in mlmon.metrics after drop_segments and a check", cur.fetchone()[0], 0)
cur.execute("SELECT mlmon.report('seg')->'segments'")
chk.equal("no segments in the report after drop_segments and a check", cur.fetchone()[0], [])

# an expression gives the same segments as the feature
log("by_expr", rows)
cur.execute("""SELECT mlmon.segment_by('by_expr', expression => $$CASE WHEN features ? 'country'
                                                                     THEN features->>'country' END$$, top_n => 3)""")
cur.execute("SELECT mlmon.set_reference('by_expr', %s, %s)", (at(0), at(3)))
cur.execute("SELECT mlmon.run_checks('by_expr', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
for s in SEGMENTS:
    compare(f"expression, segment {s} = the feature's", results("by_expr", cid, s), results("seg", checks[("seg", 4)], s))

# segment_by after the reference builds the segments' references at once
log("late", rows)
cur.execute("SELECT mlmon.set_reference('late', %s, %s)", (at(0), at(3)))
cur.execute("SELECT mlmon.segment_by('late', 'country', top_n => 3)")
cur.execute("SELECT mlmon.run_checks('late', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
for s in SEGMENTS:
    compare(f"segment_by after set_reference, segment {s}", results("late", cid, s), results("seg", checks[("seg", 4)], s))

# segment_by again with other segments: the alerts of segments no longer named are resolved
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'late' AND segment = 'de' AND status = 'open'")
chk.equal("before a new segment_by: de's alerts open", cur.fetchone()[0] > 0, True)
cur.execute("""SELECT mlmon.segment_by('late', expression => $$CASE WHEN (features->>'y')::float8 > 0 THEN 'y+' ELSE 'y-' END$$)""")
cur.execute("SELECT segment FROM mlmon.segment_references WHERE model = 'late' ORDER BY rank")
chk.equal("the new segments", cur.fetchall(), [("y+",), ("y-",), ("(other)",)] if
          sum(r["features"]["y"] > 0 for r in rows if r["h"] < 3) >= sum(r["features"]["y"] <= 0 for r in rows if r["h"] < 3)
          else [("y-",), ("y+",), ("(other)",)])
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'late' AND segment IN ('de', 'fr', 'it') AND status = 'open'")
chk.equal("a new segment_by resolves the alerts of the segments it no longer names", cur.fetchone()[0], 0)

# an empty value names no segment: it is (other) (NULL, not '', is the whole model); a window without labels
# keeps the whole model's row in performance_history; a reference from a query gives the segments a baseline
blank_rows = [dict(r, features={k: ("" if k == "country" and v == "pt" else v) for k, v in r["features"].items()},
                   label=(None if r["h"] == 4 else r["label"])) for r in rows if r["h"] in (0, 1, 2, 4)]
log("blank", blank_rows)
cur.execute("SELECT mlmon.segment_by('blank', 'country', top_n => 10)")
cur.execute("SELECT mlmon.set_reference('blank', %s, %s)", (at(0), at(3)))
cur.execute("SELECT segment FROM mlmon.segment_references WHERE model = 'blank' ORDER BY rank")
chk.equal("an empty value names no segment", [s for (s,) in cur.fetchall()], ["fr", "de", "it", "es", "(other)"])
cur.execute("SELECT mlmon.run_checks('blank', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
chk.equal("rows of an empty value and without one are (other)'s", results("blank", cid, "(other)").get(("volume", "rows", "", "")),
          float(sum(1 for r in blank_rows if r["h"] == 4 and r["country"] in ("pt", None))))
cur.execute("SELECT segment, n_rows, n_labeled, accuracy FROM mlmon.performance_history WHERE check_id = %s ORDER BY segment NULLS FIRST",
            (cid,))
ph = cur.fetchall()
chk.equal("a window without labels: performance_history keeps the whole model's row",
          [(s, n, nl, a) for s, n, nl, a in ph if s is None], [(None, sum(1 for r in blank_rows if r["h"] == 4), 0, None)])
chk.equal("a window without labels: and each segment's", sorted(s for s, _, _, _ in ph if s is not None),
          sorted(["fr", "de", "it", "es", "(other)"]))
cur.execute("CREATE TEMP TABLE blank_ref AS SELECT * FROM (VALUES (NULL::jsonb, NULL::text, NULL::text)) v(features, predicted_label, label) LIMIT 0")
cur.execute("INSERT INTO blank_ref VALUES " + ",".join(["(%s, %s, %s)"] * sum(r["h"] < 3 for r in blank_rows)),
            [x for r in blank_rows if r["h"] < 3 for x in (json.dumps(r["features"]), r["pred"], r["label"])])
cur.execute("SELECT mlmon.set_reference('blank', 'SELECT features, predicted_label, label FROM blank_ref')")
cur.execute("SELECT segment, n_labeled, (performance->>'accuracy')::float8 FROM mlmon.segment_references WHERE model = 'blank' ORDER BY rank")
for seg, nl, acc in cur.fetchall():
    lab = [r for r in blank_rows if r["h"] < 3 and r["label"] is not None
           and (r["country"] if r["country"] in ("fr", "de", "it", "es") else "(other)") == seg]
    chk.equal(f"a reference from a query: segment {seg}'s labelled rows", nl, len(lab))
    chk.close(f"a reference from a query: segment {seg}'s baseline accuracy", acc,
              sum(r["label"] == r["pred"] for r in lab) / len(lab), 1e-15)

# a registered source with the labels in its own rows
copy_rows(cur, "shop", "ts timestamptz, country text, x float8, y float8, z text, pred text, truth text",
          [(r["ts"].isoformat(), r["country"], r["features"]["x"], r["features"]["y"], r["features"]["z"], r["pred"],
            r["label"]) for r in rows])
cur.execute("CREATE TABLE shop_log AS SELECT * FROM shop")
cur.execute("SELECT mlmon.register_model('shop', '1', 'classification')")
cur.execute("""SELECT mlmon.register_source('shop', 'shop_log', 'ts', feature_columns => ARRAY['country', 'x', 'y', 'z'],
                                            prediction_column => 'pred', label_column => 'truth')""")
cur.execute("SELECT mlmon.segment_by('shop', 'country', top_n => 3)")
cur.execute("SELECT mlmon.set_reference('shop', %s, %s)", (at(0), at(3)))
cur.execute("SELECT mlmon.run_checks('shop', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
for s in SEGMENTS:
    got = results("shop", cid, s)
    labelled = [r for r in rows if r["h"] == 4 and segment_of(r["country"]) == s and r["label"] is not None]
    chk.equal(f"source, segment {s}: labelled rows", got.get(("volume", "labeled_rows", "", "")), float(len(labelled)))
    chk.close(f"source, segment {s}: accuracy", got.get(("performance", "accuracy", "", "")),
              sum(r["label"] == r["pred"] for r in labelled) / len(labelled), 1e-15)
    # the source model's drift per segment equals the logged model's (same rows, same references)
    for k, v in results("seg", checks[("seg", 4)], s).items():
        if k[0] == "data_drift" and k[1] == "statistic":
            chk.close(f"source, segment {s}: {k}", got.get(k), v, 1e-12)

# registered sources whose id is not text, labels in mlmon.labels recorded in another spelling of the
# id ('0000007' for int 7, '7.00' for numeric 7): each reaches its row's segment (compared in the id's
# type, as record_label matched it); a second label of a row in yet another spelling counts once; a
# label whose request id is not of the id's type (left from before the source, say) belongs to no row
for model, id_type, spell, respell in [("ids", "int", lambda i: f"{i:07d}", lambda i: f"+{i}"),
                                       ("ids_num", "numeric", lambda i: f"{i}.00", lambda i: f"{i}.0")]:
    copy_rows(cur, "ids_log", f"id {id_type}, ts timestamptz, country text, x float8, y float8, z text, pred text",
              [(i, r["ts"].isoformat(), r["country"], r["features"]["x"], r["features"]["y"], r["features"]["z"], r["pred"])
               for i, r in enumerate(rows)])
    cur.execute(f"CREATE TABLE {model}_src AS SELECT * FROM ids_log")
    cur.execute(f"CREATE INDEX ON {model}_src (id)")
    cur.execute("SELECT mlmon.register_model(%s, '1', 'classification')", (model,))
    cur.execute(f"""SELECT mlmon.register_source('{model}', '{model}_src', 'ts',
                                                feature_columns => ARRAY['country', 'x', 'y', 'z'],
                                                prediction_column => 'pred', id_column => 'id')""")
    for i, r in enumerate(rows):
        if r["label"] is not None and r["h"] in (0, 1, 2, 4):
            cur.execute("SELECT mlmon.record_label(%s, %s, %s)", (model, spell(i), r["label"]))
    twice = [i for i, r in enumerate(rows) if r["label"] is not None and r["h"] == 4][:7]
    for i in twice:
        cur.execute("SELECT mlmon.record_label(%s, %s, %s)", (model, respell(i), rows[i]["label"]))
    cur.execute("INSERT INTO mlmon.labels (model, request_id, label, ts) VALUES (%s, 'not-an-id', '1', %s)",
                (model, at(4) + datetime.timedelta(seconds=1)))
    cur.execute("SELECT mlmon.segment_by(%s, 'country', top_n => 3)", (model,))
    cur.execute("SELECT mlmon.set_reference(%s, %s, %s)", (model, at(0), at(3)))
    cur.execute("SELECT segment, n_labeled FROM mlmon.segment_references WHERE model = %s ORDER BY rank", (model,))
    chk.equal(f"{id_type} ids, labels in another spelling: each segment's reference labels", cur.fetchall(),
              [(s, sum(1 for r in rows if r["h"] < 3 and segment_of(r["country"]) == s and r["label"] is not None))
               for s in SEGMENTS])
    conn.notices.clear()
    cur.execute("SELECT mlmon.run_checks(%s, %s, %s)", (model, at(4), at(5)))
    cid = cur.fetchone()[0]
    chk.equal(f"{id_type} ids: a label not of the id's type breaks nothing (no warning)",
              [n for n in conn.notices if "could not be checked" in n], [])
    for s in SEGMENTS:
        got = results(model, cid, s)
        seg_rows = [r for r in rows if r["h"] == 4 and segment_of(r["country"]) == s]
        labelled = [r for r in seg_rows if r["label"] is not None]
        chk.equal(f"{id_type} ids, segment {s}: rows (a row labelled twice counts once)",
                  got.get(("volume", "rows", "", "")), float(len(seg_rows)))
        chk.equal(f"{id_type} ids, segment {s}: labelled rows", got.get(("volume", "labeled_rows", "", "")),
                  float(len(labelled)))
        chk.close(f"{id_type} ids, segment {s}: accuracy", got.get(("performance", "accuracy", "", "")),
                  sum(r["label"] == r["pred"] for r in labelled) / len(labelled), 1e-15)

# bad declarations
cur.execute("SELECT mlmon.register_model('bad', '1', 'classification')")
for label, sql, code in [
        ("unknown model", "SELECT mlmon.segment_by('nope', 'country')", "42704"),
        ("neither feature nor expression", "SELECT mlmon.segment_by('bad')", "22023"),
        ("both feature and expression", "SELECT mlmon.segment_by('bad', 'country', 'features->>''x''')", "22023"),
        ("empty feature", "SELECT mlmon.segment_by('bad', '')", "22023"),
        ("top_n 0", "SELECT mlmon.segment_by('bad', 'country', top_n => 0)", "22023"),
        ("top_n 101", "SELECT mlmon.segment_by('bad', 'country', top_n => 101)", "22023"),
        ("top_n NULL", "SELECT mlmon.segment_by('bad', 'country', top_n => NULL)", "22023"),
        ("a syntax error", "SELECT mlmon.segment_by('bad', expression => 'features->>')", "22023"),
        ("an unknown column", "SELECT mlmon.segment_by('bad', expression => 'country')", "22023"),
        ("a volatile function", "SELECT mlmon.segment_by('bad', expression => 'random()::text')", "22023"),
        ("a subquery", "SELECT mlmon.segment_by('bad', expression => '(SELECT 1)')", "22023"),
        ("a second command", "SELECT mlmon.segment_by('bad', expression => $$1)::text; DROP TABLE shop_log; SELECT (1$$)",
         "22023"),
        ("two expressions", "SELECT mlmon.segment_by('bad', expression => $$features->>'x')::text), ((features->>'y'$$)",
         "22023")]:
    try:
        cur.execute(sql)
        chk.equal(f"refused: {label}", "accepted", code)
    except psycopg2.Error as e:
        chk.equal(f"refused: {label}", e.pgcode, code)
cur.execute("SELECT count(*) FROM mlmon.segments WHERE model = 'bad'")
chk.equal("nothing stored by a refused declaration", cur.fetchone()[0], 0)
# declaring an expression runs nothing of it (an IMMUTABLE function of the features is checked, not called)
cur.execute("""CREATE FUNCTION public.seg_probe(j jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE
               AS $$ BEGIN RAISE NOTICE 'seg_probe ran'; RETURN j->>'country'; END $$""")
cur.execute("SELECT mlmon.register_model('probe', '1', 'classification')")
conn.notices.clear()
cur.execute("SELECT mlmon.segment_by('probe', expression => 'public.seg_probe(features)')")
chk.equal("declaring an expression does not run it", [n for n in conn.notices if "seg_probe ran" in n], [])
cur.execute("SELECT to_regclass('shop_log') IS NOT NULL")
chk.equal("the second command did not run", cur.fetchone()[0], True)

# an expression that fails on a row at check time: the check goes on without segments
log("fragile", rows)
cur.execute("SELECT mlmon.segment_by('fragile', expression => $$CASE WHEN (features->>'x')::float8 > 0 THEN 'pos' ELSE 'neg' END$$)")
cur.execute("SELECT mlmon.set_reference('fragile', %s, %s)", (at(0), at(3)))
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               VALUES ('fragile', %s, 'bad-row', '{"x": "n/a", "y": 1, "z": "a"}', '1')""", (at(4) + datetime.timedelta(seconds=2),))
conn.notices.clear()
cur.execute("SELECT mlmon.run_checks('fragile', %s, %s)", (at(4), at(5)))
cid = cur.fetchone()[0]
chk.equal("a failing segment expression: a warning", any("segments of model \"fragile\" could not be checked" in n
                                                        for n in conn.notices), True)
cur.execute("SELECT count(*) FILTER (WHERE segment IS NULL), count(*) FILTER (WHERE segment IS NOT NULL) FROM mlmon.check_results WHERE check_id = %s", (cid,))
whole_n, seg_n = cur.fetchone()
chk.equal("a failing segment expression: the whole model's results stored, no segment's", (whole_n > 0, seg_n), (True, 0))
cur.execute("SELECT value FROM mlmon.check_results WHERE check_id = %s AND metric = 'rows' AND segment IS NULL", (cid,))
chk.equal("a failing segment expression: every row counted", cur.fetchone()[0], float(sum(r["h"] == 4 for r in rows) + 1))

# a reader sees the segments' results
cur.execute("DROP ROLE IF EXISTS mlmon_seg_reader")
cur.execute("CREATE ROLE mlmon_seg_reader")
cur.execute("SELECT mlmon.grant_reader('mlmon_seg_reader')")
cur.execute("SET ROLE mlmon_seg_reader")
cur.execute("SELECT count(*) FROM mlmon.segment_results WHERE model = 'seg'")
chk.equal("a reader reads segment_results", cur.fetchone()[0] > 0, True)
cur.execute("SELECT count(*) FROM mlmon.results_view WHERE model = 'seg' AND segment = 'de'")
chk.equal("a reader reads the segment column of results_view", cur.fetchone()[0] > 0, True)
try:
    cur.execute("SELECT mlmon.segment_by('seg', 'country')")
    chk.equal("a reader may not declare segments", "accepted", "42501")
except psycopg2.Error as e:
    chk.equal("a reader may not declare segments", e.pgcode, "42501")
cur.execute("RESET ROLE")
cur.execute("DROP OWNED BY mlmon_seg_reader")
cur.execute("DROP ROLE mlmon_seg_reader")
chk.finish()
