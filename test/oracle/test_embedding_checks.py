"""Embedding drift in the checks: Evidently's distance, mmd and model methods, end to end.

A model logs 16-dimensional embeddings (real[]) with its predictions: six
reference hours, two hours like them, two hours whose embeddings moved (a
shift of 0.15 in four components: Euclidean distance 0.3 between the means),
with some rows without an embedding and some of the wrong length.  The
oracle is Evidently's distance method written here with NumPy and SciPy:
the distance (scipy.spatial.distance.euclidean / cosine) between the mean
reference embedding and the mean window embedding (float32 values, means in
float64), drift when above the threshold.  The checks must store that
distance (1e-12 relative), the verdict, the rows, the missing and invalid
rates; the moved hours raise an embedding_drift alert that later hours
resolve; monitor_embeddings changes the distance and turns the check off;
a registered source with an embedding column (float8[]) and a reference
from a query with an embedding column give the same; bad settings are
refused."""
import datetime
import io

import numpy as np
import psycopg2
from scipy.spatial import distance as sd

from common import Checker, connect
from domain_classifier_ref import evidently_model, mlmon_model, sample as dc_sample
from embedding_mmd_ref import evidently_mmd, sample as mmd_sample

chk = Checker("test_embedding_checks")
conn = connect()
cur = conn.cursor()
rng = np.random.default_rng(20261206)
DIM = 16
PER_HOUR = 120


def close(label, got, want, rtol=1e-12):
    chk.close(label, got, float(want), rtol)


cur.execute("DROP EXTENSION IF EXISTS mlmon CASCADE; CREATE EXTENSION mlmon")
cur.execute("SELECT mlmon.register_model('emb', '1', 'classification')")
# A fixed start, not one relative to now(): the checks' samples are keyed by each row's request id,
# time and features, so with times that moved from run to run the domain classifier's samples (and
# its ROC AUC on hours like the reference) changed from run to run too, and now and then passed the
# 0.55 threshold by chance (a CI run failed on it).  Every hour here is long closed.
BASE = datetime.datetime(2026, 11, 2, tzinfo=datetime.timezone.utc)


def at(h):
    return BASE + datetime.timedelta(hours=h)


SHIFT = np.zeros(DIM)
SHIFT[:4] = 0.15
rows = {}          # hour -> list of (ts, request id, embedding or None, kind)
for h in range(11):
    out = []
    for i in range(PER_HOUR):
        v = (rng.normal(0, 0.3, DIM) + (SHIFT if h in (8, 9, 10) else 0)).astype(np.float32)
        kind = "ok"
        if h == 10 and i == 0:
            v, kind = v[:DIM - 1], "length"      # first in the window: must not fix its dimension
        elif i % 19 == 4:
            v, kind = None, "missing"
        elif i % 31 == 6 and h >= 6:
            v, kind = v[:DIM - 1], "length"
        out.append((at(h) + datetime.timedelta(seconds=i * 3600 / PER_HOUR), f"r{h}-{i}", v, kind))
    rows[h] = out


def literal(v):
    return "\\N" if v is None else "{" + ",".join(repr(float(x)) for x in v) + "}"


buf = io.StringIO()
for h in range(11):
    for ts, rid, v, _ in rows[h]:
        buf.write(f"emb\t{ts.isoformat()}\t{rid}\t{{\"x\": {len(rid)}}}\t1\t{literal(v)}\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label, embedding) FROM STDIN", buf)


def mean_of(hours):
    vs = [np.asarray(v, dtype=np.float64) for h in hours for _, _, v, k in rows[h] if k == "ok"]
    return np.mean(vs, axis=0), len(vs)


# the checks' samples are keyed by row: the key of each row, as the database computes it
cur.execute("SELECT request_id, mlmon._embedding_row_key(request_id, ts, features) FROM mlmon.predictions WHERE model = 'emb'")
ROW_KEYS = dict(cur.fetchall())
chk.equal("a row key per row, distinct", len(set(ROW_KEYS.values())), sum(len(rows[h]) for h in range(11)))
# rows without a request id logged at one time (one transaction's now()) are told apart by their
# features; an infinite time has a key too
cur.execute("""SELECT count(DISTINCT mlmon._embedding_row_key(NULL, '2026-01-01 00:00+00', jsonb_build_object('a', g))),
                      mlmon._embedding_row_key('r', '-infinity', '{}') IS NOT NULL,
                      mlmon._embedding_row_key(NULL, NULL, NULL) IS NOT NULL
                 FROM generate_series(1, 1000) g""")
chk.equal("row keys without request id at one time: 1000 distinct; infinite and NULL inputs have one",
          cur.fetchone(), (1000, True, True))

ref_mean, n_ref = mean_of(range(6))
cur.execute("SELECT mlmon.set_reference('emb', %s, %s)", (at(0), at(6)))
cur.execute("SELECT dist, threshold, n_rows, dimension FROM mlmon.embedding_references WHERE model = 'emb'")
chk.equal("reference summary (default: Evidently's euclidean, 0.2)", cur.fetchone(), ("euclidean", 0.2, n_ref, DIM))


def results(cid):
    cur.execute("SELECT metric, value, method FROM mlmon.check_results WHERE check_id = %s "
                "AND \"check\" = 'embedding_drift'", (cid,))
    return {m: (v, meth) for m, v, meth in cur.fetchall()}


def check(name, h0, h1, dist="euclidean", threshold=0.2, model="emb"):
    cur.execute("SELECT mlmon.run_checks(%s, %s, %s)", (model, at(h0), at(h1)))
    res = results(cur.fetchone()[0])
    cur_mean, n_cur = mean_of(range(h0, h1))
    want = (sd.euclidean if dist == "euclidean" else sd.cosine)(ref_mean, cur_mean)
    window = [k for h in range(h0, h1) for _, _, _, k in rows[h]]
    close(f"{name}: distance ({dist})", res["drift_score"][0], want)
    chk.equal(f"{name}: method", res["drift_score"][1], dist)
    chk.equal(f"{name}: threshold", res["drift_threshold"][0], threshold)
    chk.equal(f"{name}: rows with a valid embedding", res["rows"][0], float(n_cur))
    close(f"{name}: missing rate", res["missing_rate"][0], window.count("missing") / len(window))
    chk.equal(f"{name}: invalid rate", res["invalid_rate"][0], window.count("length") / len(window))
    chk.equal(f"{name}: verdict (oracle {want:.4f} > {threshold})", res["drift_detected"][0], float(want > threshold))
    return want > threshold


chk.equal("hours like the reference: no drift", check("like the reference", 6, 8), False)
chk.equal("moved hours: drift", check("moved", 8, 10), True)
cur.execute("SELECT severity, details FROM mlmon.alerts WHERE model = 'emb' AND type = 'embedding_drift' AND status = 'open'")
alerts = cur.fetchall()
chk.equal("an open embedding_drift alert, medium", [a[0] for a in alerts], ["medium"])
chk.equal("the alert's details have the distance", "drift_score" in alerts[0][1] if alerts else False, True)
cur.execute("SELECT value FROM mlmon.metrics WHERE name = 'mlmon_embedding_drift_detected' AND labels->>'model' = 'emb'")
chk.equal("Prometheus: mlmon_embedding_drift_detected", cur.fetchall(), [(1.0,)])
cur.execute("SELECT (mlmon.report('emb')->'drift_summary'->>'embedding_drift_alerts')::int")
chk.equal("report: embedding_drift_alerts", cur.fetchone()[0], 1)
cur.execute("SELECT count(*) FROM mlmon.recommendations WHERE model = 'emb' AND reason LIKE 'the embeddings moved%'")
chk.equal("a recommendation", cur.fetchone()[0], 1)
check("like the reference again", 6, 8)
cur.execute("SELECT count(*) FROM mlmon.alerts WHERE model = 'emb' AND type = 'embedding_drift' AND status = 'open'")
chk.equal("the alert resolves", cur.fetchone()[0], 0)
chk.equal("a wrong length first in the window: still judged", check("wrong length first", 10, 11), True)

# cosine distance, refitted at once on the stored reference window
cur.execute("SELECT mlmon.monitor_embeddings('emb', dist => 'cosine', threshold => 0.05)")
chk.equal("monitor_embeddings refits", cur.fetchone()[0], True)
check("moved, cosine", 8, 10, "cosine", 0.05)

# Evidently's mmd and model methods: the reference's sample is stored, each window's joins it.
# Oracles: Evidently's MMDDriftMethod re-implemented (embedding_mmd_ref; every row fits in the
# samples, so it is Evidently's own statistic), and mlmon's documented model method re-implemented
# (domain_classifier_ref) on the samples in their documented order, with Evidently's own recipe's
# decision beside it.
def valid_rows(hours):
    return np.array([np.asarray(v, dtype=np.float64) for h in hours for _, _, v, k in rows[h] if k == "ok"])


def valid_keys(hours):
    return [ROW_KEYS[rid] for h in hours for _, rid, v, k in rows[h] if k == "ok"]


def check_method(name, h0, h1, method, want, threshold):
    cur.execute("SELECT mlmon.run_checks('emb', %s, %s)", (at(h0), at(h1)))
    res = results(cur.fetchone()[0])
    close(f"{name}: {method} drift score", res["drift_score"][0], want, 1e-10)
    chk.equal(f"{name}: method", res["drift_score"][1], method)
    chk.equal(f"{name}: threshold", res["drift_threshold"][0], threshold)
    chk.equal(f"{name}: rows", res["rows"][0], float(len(valid_rows(range(h0, h1)))))
    chk.equal(f"{name}: verdict (oracle {want:.4f} > {threshold})", res["drift_detected"][0], float(want > threshold))
    return want > threshold


ref_rows = valid_rows(range(6))
cur.execute("SELECT mlmon.monitor_embeddings('emb', method => 'mmd')")
chk.equal("monitor_embeddings(method => mmd) refits", cur.fetchone()[0], True)
cur.execute("SELECT method, threshold, max_rows, cardinality(sample) > 0 FROM mlmon.embedding_references WHERE model = 'emb'")
chk.equal("mmd reference: Evidently's threshold, 1000 rows per side, a sample", cur.fetchone(), ("mmd", 0.015, 1000, True))
for name, h0, h1 in (("mmd, like the reference", 6, 8), ("mmd, moved", 8, 10)):
    stat, _, _ = evidently_mmd(ref_rows, valid_rows(range(h0, h1)))
    chk.equal(f"{name}: verdict as expected", check_method(name, h0, h1, "mmd", stat, 0.015), "moved" in name)
# the check equals the aggregate over the same rows in one pass
cur.execute("""SELECT (r).statistic FROM (SELECT mlmon.embedding_mmd(embedding, ts >= %s) AS r FROM mlmon.predictions
                WHERE model = 'emb' AND ((ts >= %s AND ts < %s) OR (ts >= %s AND ts < %s)) AND cardinality(embedding) = %s) s""",
            (at(8), at(0), at(6), at(8), at(10), DIM))
one_pass = cur.fetchone()[0]
cur.execute("SELECT value FROM mlmon.check_results WHERE model = 'emb' AND \"check\" = 'embedding_drift' "
            "AND metric = 'drift_score' ORDER BY check_id DESC LIMIT 1")
chk.equal("mmd: the check's score is the one-pass aggregate's", cur.fetchone()[0], one_pass)

cur.execute("SELECT mlmon.monitor_embeddings('emb', method => 'model', max_rows => 4000)")
chk.equal("monitor_embeddings(method => model) refits", cur.fetchone()[0], True)
for name, h0, h1 in (("model, like the reference", 6, 8), ("model, moved", 8, 10)):
    win = valid_rows(range(h0, h1))
    got = mlmon_model(dc_sample(ref_rows, 0, 4000, valid_keys(range(6))),
                      dc_sample(win, 1, 4000, valid_keys(range(h0, h1))))
    _, _, evidently_says = evidently_model(ref_rows, win)
    chk.equal(f"{name}: Evidently's recipe decides the same", evidently_says, "moved" in name)
    chk.equal(f"{name}: verdict as expected", check_method(name, h0, h1, "model", got["auc"], 0.55), "moved" in name)
cur.execute("SELECT mlmon.monitor_embeddings('emb')")
chk.equal("back to the distance method", cur.fetchone()[0], True)
check("moved, distance again", 8, 10)

# A vector logged many times: the checks' samples are keyed by row, so its copies enter the
# window's sample about as often as a uniform sample of the rows takes them (here half of the
# window's rows are copies of one vector), not all together or not at all.  Oracle: Evidently's
# MMD^2_u on the samples the documented keyed rule picks (embedding_mmd_ref.sample with the
# rows' keys); beside it, the aggregate's sample keyed by contents only.
cur.execute("SELECT mlmon.register_model('rep', '1', 'classification')")
N_REP = 3000
rep_ref = rng.normal(0, 0.3, (N_REP, DIM)).astype(np.float32)
rep_new = rng.normal(0, 0.3, (N_REP, DIM)).astype(np.float32)
rep_one = rng.normal(0, 0.3, DIM).astype(np.float32)
rep_cur = np.vstack([rep_new, np.tile(rep_one, (N_REP, 1))])
buf = io.StringIO()
for i, v in enumerate(rep_ref):
    buf.write(f"rep\t{(at(0) + datetime.timedelta(seconds=7 * i)).isoformat()}\tq{i}\t{{}}\t1\t{literal(v)}\n")
for i, v in enumerate(rep_cur):
    buf.write(f"rep\t{(at(6) + datetime.timedelta(seconds=2 * i)).isoformat()}\tc{i}\t{{}}\t1\t{literal(v)}\n")
buf.seek(0)
cur.copy_expert("COPY mlmon.predictions (model, ts, request_id, features, predicted_label, embedding) FROM STDIN", buf)
cur.execute("SELECT request_id, mlmon._embedding_row_key(request_id, ts, features) FROM mlmon.predictions WHERE model = 'rep'")
rep_keys = dict(cur.fetchall())
cur.execute("SELECT mlmon.monitor_embeddings('rep', method => 'mmd')")
cur.execute("SELECT mlmon.set_reference('rep', %s, %s)", (at(0), at(6)))
cur.execute("SELECT mlmon.run_checks('rep', %s, %s)", (at(6), at(10)))
res = results(cur.fetchone()[0])
ref64, cur64 = rep_ref.astype(np.float64), rep_cur.astype(np.float64)
ref_s = mmd_sample(ref64, 1000, 0, [rep_keys[f"q{i}"] for i in range(N_REP)])
cur_s = mmd_sample(cur64, 1000, 1, [rep_keys[f"c{i}"] for i in range(2 * N_REP)])
copies = int(np.sum(np.all(cur_s == rep_one.astype(np.float64), axis=1)))
chk.equal(f"repeated vector: {copies} copies in the window's sample of 1000 (about half)", 400 <= copies <= 600, True)
want, _, drifted = evidently_mmd(ref_s, cur_s)
close("repeated vector: the check's MMD^2 is Evidently's on the row-keyed samples", res["drift_score"][0], want, 1e-10)
chk.equal("repeated vector: the verdict", res["drift_detected"][0], float(drifted))
chk.equal("repeated vector: rows", res["rows"][0], float(2 * N_REP))
# the aggregate keys its sample by contents: copies share one key, in or out together
cur.execute("""SELECT (r).statistic FROM (SELECT mlmon.embedding_mmd(embedding, ts >= %s) AS r FROM mlmon.predictions
                WHERE model = 'rep') s""", (at(6),))
agg = cur.fetchone()[0]
by_content = mmd_sample(cur64, 1000, 1)
close("repeated vector: the aggregate's MMD^2 is Evidently's on the content-keyed samples", agg,
      evidently_mmd(mmd_sample(ref64, 1000, 0), by_content)[0], 1e-10)
print(f"  repeated vector: {copies} copies in the window's sample of 1000, MMD^2 {res['drift_score'][0]:.4g}; "
      f"keyed by contents {int(np.sum(np.all(by_content == rep_one.astype(np.float64), axis=1)))} copies, MMD^2 {agg:.4g}")
chk.equal(f"repeated vector: the check's sample differs from the content-keyed one "
          f"({int(np.sum(np.all(by_content == rep_one.astype(np.float64), axis=1)))} copies)",
          abs(agg - res["drift_score"][0]) > 1e-6, True)

# bad settings
for args, code in [("'emb', dist => 'manhattan'", "22023"), ("'emb', method => 'ratio'", "22023"),
                   ("'emb', max_rows => 100", "22023"), ("'emb', method => 'mmd', max_rows => 6000", "22023"),
                   ("'emb', method => 'model', max_rows => 1", "22023"), ("'emb', bootstrap => NULL", "22004"), ("'emb', threshold => -1", "22023"),
                   ("'emb', threshold => 'NaN'", "22023"), ("'emb', enabled => NULL", "22004"), ("'nope'", None)]:
    try:
        cur.execute(f"SELECT mlmon.monitor_embeddings({args})")
        chk.equal(f"monitor_embeddings({args}) refused", "accepted", code)
    except psycopg2.Error as e:
        chk.equal(f"monitor_embeddings({args}) refused", True, code is None or e.pgcode == code)

# turned off: no summary, no results
cur.execute("SELECT mlmon.monitor_embeddings('emb', false)")
chk.equal("off: no reference summary", cur.fetchone()[0], False)
cur.execute("SELECT mlmon.run_checks('emb', %s, %s)", (at(8), at(10)))
chk.equal("off: no embedding results", results(cur.fetchone()[0]), {})

# a model without embeddings: no summary, no section
cur.execute("SELECT mlmon.register_model('plain', '1', 'classification')")
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               SELECT 'plain', %s + g * interval '1 minute', 'p' || g, jsonb_build_object('x', g), '1'
                 FROM generate_series(0, 599) g""", (at(0),))
cur.execute("SELECT mlmon.set_reference('plain', %s, %s)", (at(0), at(6)))
cur.execute("SELECT count(*) FROM mlmon.embedding_references WHERE model = 'plain'")
chk.equal("no embeddings: no reference summary", cur.fetchone()[0], 0)
cur.execute("SELECT mlmon.run_checks('plain', %s, %s)", (at(6), at(10)))
chk.equal("no embeddings: no section", results(cur.fetchone()[0]), {})

# a registered source with a float8[] embedding column, and a reference from a query
cur.execute("DROP TABLE IF EXISTS emb_source")
cur.execute("CREATE TABLE emb_source (ts timestamptz, features jsonb, label text, vec float8[])")
cur.execute("""INSERT INTO emb_source SELECT p.ts, p.features, p.predicted_label, p.embedding::float8[]
                 FROM mlmon.predictions p WHERE p.model = 'emb'""")
cur.execute("SELECT mlmon.register_model('src', '1', 'classification')")
try:
    cur.execute("SELECT mlmon.register_source('src', 'emb_source', 'ts', features_column => 'features', "
                "prediction_column => 'label', embedding_column => 'features')")
    chk.equal("an embedding column of another type is refused", "accepted", "42804")
except psycopg2.Error as e:
    chk.equal("an embedding column of another type is refused", e.pgcode, "42804")
cur.execute("SELECT mlmon.register_source('src', 'emb_source', 'ts', features_column => 'features', "
            "prediction_column => 'label', embedding_column => 'vec')")
cur.execute("SELECT mlmon.set_reference('src', %s, %s)", (at(0), at(6)))
check("source: moved", 8, 10, model="src")
cur.execute("""SELECT mlmon.set_reference('src', format('SELECT features, embedding FROM mlmon.predictions
                                                          WHERE model = %%L AND ts < %%L', 'emb', %s::text))""", (at(6),))
check("reference from a query: moved", 8, 10, model="src")
chk.finish()
