"""Every mlmon aggregate on a Citus distributed table: the same result as on
a local copy of the rows, and pushed down to the workers as a partial
aggregate whenever its state can travel (a state type that is not internal,
and a combine function).

Runs against the coordinator named by PGHOST/PGPORT/PGDATABASE (scripts/test
citus starts it with two workers).  The aggregates are read from the catalog:
a new aggregate whose arguments this test does not know makes it fail, so
that it gets a column expression here.  The ordered detectors (their result
depends on the rows' order) and the internal _summarize_* aggregates of the
checks (and the _embedding_*_merge aggregates of stored states) are left out.

Aggregates with an internal state cannot be pushed down today (Citus gathers
their rows on the coordinator); they are listed in a NOTE line, not failed.
As a family gets a real state type, this test holds it to being pushed down:
since 0.3.0 every one (classification_metrics last, on
mlmon.classification_state) has one, and only the streaming detectors keep
an internal state (one of them is the not-pushed-down marker)."""
import io
import json
import math
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from common import Checker, connect, STAT_RTOL  # noqa: E402

ROWS = 200_000
SHARDS = 32
SEED = 20240531
ORDERED = {"adwin", "ddm", "eddm", "kswin", "page_hinkley"}   # detectors: need ORDER BY
DIM = 8                                                        # embedding components
DIST, LOCAL = "cz_dist", "cz_local"                            # the rows
SDIST, SLOCAL = "cz_states_dist", "cz_states_local"            # per-group profiles and summaries
REF = "cz_ref"                                                 # the reference profiles (local)
# An aggregate with a reference profile that Citus does not push down gets
# the profile with every row it gathers (200,000 copies of some 10 kB): on the
# distributed table its result is compared on one row in SAMPLE only.
SAMPLE = 20
STATE_GROUPS = 200

# (argument name, argument type) -> the column expression the test passes;
# (aggregate, argument name) entries override it for one aggregate.
# "@ref": the reference profile of the first argument's expression over the
# local table's reference rows, a scalar subquery on a local table.  Arguments on
# the states tables are marked by ARGS_ON_STATES.
ARGS = {
    ("value", "double precision"): "value",
    ("is_current", "boolean"): "is_current",
    ("category", "text"): "category",
    ("category", "boolean"): "flag",
    ("category", "bigint"): "n",
    ("reference", "mlmon.profile"): "@ref",
    ("alternative", "text"): "'less'",
    ("method", "text"): "'asymp'",
    ("variant", "text"): "'student'",
    ("permutations", "integer"): "200",
    ("bins", "integer"): "20",
    ("binning", "text"): "'evidently'",
    ("cap", "integer"): "64",
    ("actual", "text"): "CASE WHEN flag THEN 'yes' ELSE 'no' END",
    ("predicted", "text"): "CASE WHEN value > 0.5 THEN 'yes' ELSE 'no' END",
    ("score", "double precision"): "1 / (1 + exp(-value))",
    ("positive_label", "text"): "'yes'",
    ("actual", "double precision"): "value",
    ("predicted", "double precision"): "value * 0.8 + n * 0.1",
    ("outcome", "boolean"): "flag",
    ("", "mlmon.profile"): "p",
    ("", "mlmon.check_summary"): "s",
    # embeddings (8 components) and the multivariate features
    ("embedding", "double precision[]"): "emb::float8[]",
    ("embedding", "real[]"): "emb",
    ("dist", "text"): "'cosine'",
    ("threshold", "double precision"): "0.2",
    ("component_threshold", "double precision"): "0.1",
    ("bootstrap", "boolean"): "false",
    ("quantile_probability", "double precision"): "0.95",
    ("max_rows", "integer"): "500",
    ("row_key", "bigint"): "id",
    ("features", "double precision[]"): "ARRAY[value, n, emb[1]]::float8[]",
    ("variance", "double precision"): "0.8",
    ("model", "jsonb"): "@fit",
}
OVERRIDE = {
    ("chi2_drift", "method", "text"): "'contingency'",
    ("cramer_von_mises", "method", "text"): "'asymptotic'",
    # Fisher's exact test wants a binary feature too
    ("fisher_exact", "category", "text"): "CASE WHEN category = 'c0' THEN 'c0' WHEN category IS NOT NULL THEN 'rest' END",
    ("fisher_exact", "category", "bigint"): "n % 2",
    # the z-test wants a binary feature
    ("z_test", "category", "text"): "CASE WHEN category = 'c0' THEN 'c0' WHEN category IS NOT NULL THEN 'rest' END",
    ("z_test", "category", "bigint"): "n % 2",
    ("embedding_model", "threshold", "double precision"): "0.55",
    ("_embedding_model_state", "threshold", "double precision"): "0.55",
    ("embedding_mmd", "threshold", "double precision"): "0.015",
    ("_embedding_mmd_state", "threshold", "double precision"): "0.015",
    # a few distinct values, in the order the rows come: one value in every shard, so that the
    # combined result is that value once whatever the order (the combine function drops repeats)
    ("_first_values", "", "text"): "CASE WHEN n = 3 THEN 'three' END",
}
ARGS_ON_STATES = {"p", "s"}


def generate(rnd):
    """The rows: id, value (2 decimals: under 1,000 distinct values, so that
    the default profile is exact and small, and a cap of 64 a sketch), is_current,
    category (12, skewed), flag, n, emb (real[DIM], the current rows' first two
    components shifted); about 0.5% NULL values, categories and embeddings."""
    rows = []
    for i in range(1, ROWS + 1):
        cur = rnd.random() < 0.4
        value = None if rnd.random() < 0.005 else round(rnd.gauss(0.25 if cur else 0.0, 1.0), 2)
        k = min(int(rnd.expovariate(0.45 if cur else 0.5)), 11)
        category = None if rnd.random() < 0.005 else f"c{k}"
        flag = rnd.random() < (0.3 if cur else 0.25)
        n = rnd.randrange(0, 8) + (1 if cur and rnd.random() < 0.1 else 0)
        emb = None if rnd.random() < 0.005 else \
            "{" + ",".join(repr(round(rnd.gauss(0.3 if cur and j < 2 else 0.0, 1.0), 3)) for j in range(DIM)) + "}"
        rows.append((i, value, cur, category, flag, n, emb))
    return rows


def load(cur, rows):
    cols = "id bigint, value float8, is_current boolean, category text, flag boolean, n bigint, emb real[]"
    buf = io.StringIO()
    for r in rows:
        buf.write("\t".join("\\N" if v is None else ("t" if v is True else "f" if v is False else
                                                       repr(v) if isinstance(v, float) else str(v)) for v in r) + "\n")
    for t in (DIST, LOCAL, SDIST, SLOCAL, REF):
        cur.execute(f"DROP TABLE IF EXISTS {t}")
    cur.execute(f"CREATE TABLE {LOCAL} ({cols})")
    cur.execute(f"CREATE TABLE {DIST} ({cols})")
    cur.execute(f"SET citus.shard_count = {SHARDS}")
    cur.execute(f"SELECT create_distributed_table('{DIST}', 'id')")
    for t in (LOCAL, DIST):
        buf.seek(0)
        cur.copy_expert(f"COPY {t} FROM STDIN", buf)
    # per-group states for merge(profile) and merge(check_summary): built
    # locally, the same rows in both tables
    cur.execute(f"""CREATE TABLE {SLOCAL} AS
        SELECT g AS id, mlmon.profile(value) AS p,
               mlmon._summarize_rows(plan, jsonb_build_object('v', value, 'c', category), NULL, NULL, NULL, NULL) AS s
          FROM (SELECT id % {STATE_GROUPS} AS g, * FROM {LOCAL}) x,
               (SELECT ROW('classification', ARRAY['c', 'v'], ARRAY['categorical', 'numeric'],
                           ARRAY[mlmon.profile(category), mlmon.profile(value)], ARRAY[0, 3],
                           NULL, NULL, NULL, NULL, NULL, 0.01, true, NULL, NULL)::mlmon._summary_plan AS plan
                  FROM {LOCAL} WHERE NOT is_current) pl
         GROUP BY g""")
    cur.execute(f"CREATE TABLE {SDIST} (id bigint, p mlmon.profile, s mlmon.check_summary)")
    cur.execute(f"SELECT create_distributed_table('{SDIST}', 'id')")
    cur.execute(f"INSERT INTO {SDIST} SELECT id, p, s FROM {SLOCAL}")
    for t in (LOCAL, DIST, SLOCAL, SDIST):
        cur.execute(f"ANALYZE {t}")
    cur.execute(f"SELECT (SELECT count(*) FROM {DIST}), (SELECT count(*) FROM {SDIST}), "
                f"(SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = '{DIST}'::regclass)")
    return cur.fetchone()


def aggregates(cur):
    cur.execute("""
        SELECT p.oid::regprocedure::text, p.proname, a.aggtranstype::regtype::text, a.aggcombinefn <> 0,
               coalesce(p.proargnames, '{}'), ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t),
               format_type(p.prorettype, NULL), a.aggkind
          FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
         WHERE p.pronamespace = 'mlmon'::regnamespace
         ORDER BY p.proname, p.pronargs, p.oid::regprocedure::text""")
    out = []
    for sig, name, stype, combine, argnames, argtypes, rettype, kind in cur.fetchall():
        if name in ORDERED or name.startswith("_summarize_") or (name.startswith("_embedding_") and name.endswith("_merge")):
            continue
        out.append(dict(sig=sig, name=name, stype=stype, combine=combine, argnames=argnames,
                        argtypes=argtypes, rettype=rettype, kind=kind))
    return out


def call(agg, refs, fit=None):
    """The aggregate's call and whether it reads the states tables."""
    if agg["kind"] != "n":
        raise SystemExit(f"FAIL: {agg['sig']} is an ordered-set or hypothetical-set aggregate: the test does not know it")
    exprs = []
    for i, t in enumerate(agg["argtypes"]):
        an = agg["argnames"][i] if i < len(agg["argnames"]) else ""
        e = OVERRIDE.get((agg["name"], an, t), ARGS.get((an, t)))
        if e is None:
            raise SystemExit(f"FAIL: {agg['sig']}: argument {i + 1} ({an or 'unnamed'} {t}) has no column expression "
                             "in test/citus/test_pushdown.py's ARGS: add one")
        if e == "@ref":
            e = refs(exprs[0])
        elif e == "@fit":
            e = fit(exprs[0])
        exprs.append(e)
    return f"mlmon.{agg['name']}({', '.join(exprs)})", any(e in ARGS_ON_STATES for e in exprs)


def is_float(v):
    return isinstance(v, float)


def first_difference(a, b, path="$", rowwise=False):
    """The JSON path of the first place where a and b differ beyond STAT_RTOL
    (NaN equals NaN), or None.  Floats are compared relative to the larger of
    the two; the rows of a PCA model's "components" (unit vectors) relative to
    the row's largest element: the sums behind them are added in another
    order on the workers, and an element near 0 of a unit vector carries the
    rounding of the whole vector."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: {len(a)} against {len(b)} elements"
        if rowwise and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in list(a) + list(b)):
            scale = max([abs(float(x)) for x in list(a) + list(b)] + [0.0])
            for i, (x, y) in enumerate(zip(a, b)):
                if abs(float(x) - float(y)) > STAT_RTOL * scale:
                    return f"{path}[{i}]: {x!r} against {y!r} (row scale {scale!r})"
            return None
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, f"{path}[{i}]", rowwise)
            if d is not None:
                return d
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} against {sorted(b)}"
        for k in a:
            d = first_difference(a[k], b[k], f"{path}.{k}", rowwise or k == "components")
            if d is not None:
                return d
        return None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            same = math.isnan(x) and math.isnan(y)
        elif math.isinf(x) or math.isinf(y):
            same = x == y
        else:
            same = abs(x - y) <= STAT_RTOL * max(abs(x), abs(y)) or x == y
        return None if same else f"{path}: {a!r} against {b!r}"
    return None if a == b else f"{path}: {a!r} against {b!r}"


def close_values(a, b):
    """Equal, or within STAT_RTOL as first_difference compares."""
    return first_difference(a, b) is None


def compare_sketches(cur, label, expr_d, expr_l):
    """Two profiles of the same rows that may be sketches: the same counts and
    extremes, the moments to STAT_RTOL, and the CDF (numbers) or the category
    counts within the sum of the two error bounds.  Returns a failure or None."""
    cur.execute(f"SELECT mlmon.summary(({expr_d}))::text, to_jsonb(mlmon.summary(({expr_d})))")
    sd_text, sd = cur.fetchone()
    cur.execute(f"SELECT mlmon.summary(({expr_l}))::text, to_jsonb(mlmon.summary(({expr_l})))")
    sl_text, sl = cur.fetchone()
    for k in ("kind", "count", "nulls", "nan", "posinf", "neginf", "min", "max"):
        if sd[k] != sl[k]:
            return f"summary.{k}: distributed {sd[k]!r}, local {sl[k]!r}"
    for k in ("mean", "variance", "stddev"):
        if not close_values(sd[k], sl[k]):
            return f"summary.{k}: distributed {sd[k]!r}, local {sl[k]!r}"
    if sd["mode"] == "exact" and sl["mode"] == "exact":
        return f"two exact profiles of the same rows differ: {sd_text} vs {sl_text}"
    bound = (sd["error_bound"] or 0.0) + (sl["error_bound"] or 0.0) + 1e-12
    if sd["kind"] == "numeric":
        cur.execute(f"""SELECT max(abs(mlmon.cdf(d, x) - mlmon.cdf(l, x)))
                          FROM (SELECT ({expr_d}) AS d) a, (SELECT ({expr_l}) AS l) b,
                               LATERAL (SELECT mlmon.quantile(l, q / 100.0) AS x FROM generate_series(0, 100) q) g""")
        diff = cur.fetchone()[0]
        what = "CDF"
    else:
        cur.execute(f"""SELECT max(abs(coalesce(td.frequency, 0) - coalesce(tl.frequency, 0)))
                          FROM mlmon.top_values(({expr_d}), 100) td FULL JOIN mlmon.top_values(({expr_l}), 100) tl
                            ON td.value = tl.value""")
        diff = cur.fetchone()[0]
        what = "category frequency"
    print(f"     {label}: sketches ({sd['mode']}, {sl['mode']}), largest {what} difference {diff:.3g} <= bound {bound:.3g}")
    if diff > bound:
        return f"{what} differs by {diff!r}, more than the bounds' sum {bound!r}"
    return None


def compare(cur, agg, expr, td, tl, rettype):
    """Compare the aggregate's result on the distributed table td and the
    local table tl: as text, then (when the texts differ) field by field to
    STAT_RTOL, or profiles within their sketches' bounds.  Returns (how,
    failure or None)."""
    cur.execute(f"SELECT ({expr})::text FROM {td}")
    t_d = cur.fetchone()[0]
    cur.execute(f"SELECT ({expr})::text FROM {tl}")
    t_l = cur.fetchone()[0]
    q_d, q_l = f"SELECT {expr} FROM {td}", f"SELECT {expr} FROM {tl}"
    if t_d == t_l:
        return "equal", None
    if rettype == "mlmon.profile":
        # the text form is JSON: equal to STAT_RTOL, or two sketches within bounds
        if close_values(json.loads(t_d), json.loads(t_l)):
            return "equal to 1e-12", None
        f = compare_sketches(cur, agg["sig"], q_d, q_l)
        return ("within the sketch bound", None) if f is None else ("DIFFERENT", f)
    if rettype == "mlmon.check_summary":
        cur.execute(f"SELECT mlmon.check_summary_json(({q_d})), mlmon.check_summary_json(({q_l}))")
    else:
        # composite results field by field, scalars as they are
        cur.execute(f"SELECT to_jsonb(({q_d})), to_jsonb(({q_l}))")
    j_d, j_l = cur.fetchone()
    d = first_difference(j_d, j_l)
    if d is None:
        return "equal to 1e-12", None
    return "DIFFERENT", f"first difference at {d}; distributed {t_d[:300]}, local {t_l[:300]}"


def explain(cur, q):
    cur.execute(f"EXPLAIN (VERBOSE, COSTS OFF) {q}")
    return "\n".join(r[0] for r in cur.fetchall())


def pushed_down(plan, sig=None):
    """Citus pushes an aggregate down when the workers' task computes it: for a
    built-in aggregate the task's query holds the aggregate and its worker plan
    an Aggregate node; for any other aggregate with a combinable state the
    task's query calls worker_partial_agg('<aggregate>'::regprocedure, ...) and
    the coordinator coord_combine_agg.  An aggregate that is not pushed down
    has the task's query select the bare columns (Citus's row gathering)."""
    task = plan.split("->  Task", 1)[1] if "->  Task" in plan else ""
    queries = [line.strip() for line in task.splitlines() if line.strip().startswith("Query:")]
    if not queries:
        raise SystemExit(f"FAIL: no task query in the plan (not a distributed plan?):\n{plan}")
    if sig is None:
        return "->  Aggregate" in task
    return any(f"worker_partial_agg('{sig}'::regprocedure" in q for q in queries) and "coord_combine_agg(" in plan


def main():
    t0 = time.time()
    ck = Checker("citus pushdown")
    conn = connect()
    cur = conn.cursor()
    cur.execute("SET client_min_messages = warning")
    rnd = random.Random(SEED)
    n, ns, nodes = load(cur, generate(rnd))
    print(f"  {n} rows in {SHARDS} shards on {nodes} nodes (and a local copy), {ns} rows of states; {time.time() - t0:.1f} s")
    ck.equal("rows in the distributed table", n, ROWS)
    ck.equal("nodes holding shards", nodes, 2)

    # the pushdown marker, checked where the answer is known
    ck.equal("marker: sum(value) is pushed down", pushed_down(explain(cur, f"SELECT sum(value) FROM {DIST}")), True)
    ck.equal("marker: mlmon.profile(value) is pushed down",
             pushed_down(explain(cur, f"SELECT mlmon.profile(value) FROM {DIST}"), "mlmon.profile(double precision)"), True)

    cur.execute(f"CREATE TABLE {REF} (id serial, expr text, p mlmon.profile, m jsonb)")
    ref_ids = {}

    def refs(expr):
        """The reference profile of expr: built once, a scalar subquery."""
        if expr not in ref_ids:
            cur.execute(f"INSERT INTO {REF} (expr, p) SELECT %s, mlmon.profile({expr}) FROM {LOCAL} WHERE NOT is_current "
                        "RETURNING id, mlmon.is_exact(p), length(p::text)", (expr,))
            ref_ids[expr], exact, size = cur.fetchone()
            ck.equal(f"the reference profile of {expr} is exact", exact, True)
            print(f"  the reference profile of {expr}: exact, {size} characters as text")
        return f"(SELECT p FROM {REF} WHERE id = {ref_ids[expr]})"

    def fit(expr):
        """The pca_fit model of expr over the reference rows: a scalar subquery."""
        key = "fit:" + expr
        if key not in ref_ids:
            cur.execute(f"INSERT INTO {REF} (expr, m) SELECT %s, mlmon.pca_fit({expr}) FROM {LOCAL} WHERE NOT is_current "
                        "RETURNING id, length(m::text)", (key,))
            ref_ids[key], size = cur.fetchone()
            print(f"  the pca_fit model of {expr}: {size} characters as text")
        return f"(SELECT m FROM {REF} WHERE id = {ref_ids[key]})"

    aggs = aggregates(cur)
    # and not pushed down: an aggregate with an internal state.  Since
    # classification_metrics got mlmon.classification_state (0.3.0) the only
    # ones are the streaming detectors (their state stays internal: the result
    # depends on the rows' order), left out of the sweep below; page_hinkley is
    # the marker (EXPLAIN only: the order does not matter to the plan).
    marker = next((a for a in aggs if a["stype"] == "internal" and "mlmon.profile" not in a["argtypes"]), None)
    if marker is None:
        cur.execute("SELECT a.aggtranstype::regtype::text FROM pg_aggregate a "
                    "WHERE a.aggfnoid = 'mlmon.page_hinkley(double precision)'::regprocedure")
        ck.equal("marker: page_hinkley's state is internal", cur.fetchone()[0], "internal")
        marker_sig, marker_expr = "mlmon.page_hinkley(double precision)", "mlmon.page_hinkley(value)"
    else:
        marker_sig, marker_expr = marker["sig"], call(marker, None)[0]
    ck.equal(f"marker: {marker_sig} (state internal) is not pushed down",
             pushed_down(explain(cur, f"SELECT {marker_expr} FROM {DIST}"), marker_sig), False)
    pushed, not_pushed, unexpected = [], [], []
    print(f"  {len(aggs)} aggregates (without {', '.join(sorted(ORDERED))} and _summarize_*):")
    for agg in aggs:
        expr, on_states = call(agg, refs, fit)
        td, tl = (SDIST, SLOCAL) if on_states else (DIST, LOCAL)
        t1 = time.time()
        try:
            down = pushed_down(explain(cur, f"SELECT {expr} FROM {td}"), agg["sig"])
        except Exception as e:
            down = None
            ck.n += 1
            ck.failures.append(f"{agg['sig']}: EXPLAIN failed: {str(e).strip()}")
        sampled = not down and REF in expr
        if sampled:
            td, tl = f"{td} WHERE id % {SAMPLE} = 0", f"{tl} WHERE id % {SAMPLE} = 0"
        try:
            how, failure = compare(cur, agg, expr, td, tl, agg["rettype"])
        except Exception as e:   # an error from mlmon on a worker or the coordinator
            how, failure = "ERROR", f"{type(e).__name__}: {str(e).strip()}"
        if sampled:
            how += f", 1 row in {SAMPLE}"
        ck.n += 1
        if failure:
            ck.failures.append(f"{agg['sig']}: distributed and local results: {failure}")
        combinable = agg["stype"] != "internal" and agg["combine"]
        (pushed if down else not_pushed).append(agg["sig"])
        if combinable:
            ck.equal(f"{agg['sig']} (state {agg['stype']}, with a combine function) is pushed down", down, True)
        elif down:
            unexpected.append(agg["sig"])
        print(f"    {agg['sig']:<70} state {agg['stype']:<20} {'pushed down' if down else 'rows gathered':<14} "
              f"{how} ({time.time() - t1:.1f} s)")

    print(f"  pushed down ({len(pushed)}): {', '.join(pushed)}")
    internal = [a["sig"] for a in aggs if a["stype"] == "internal" and a["sig"] in not_pushed]
    print(f"NOTE: {len(internal)} aggregates with an internal state are not pushed down (Citus gathers their rows "
          f"on the coordinator): {', '.join(internal)}")
    other = [s for s in not_pushed if s not in internal]
    if other:
        print(f"NOTE: not pushed down, state not internal: {', '.join(other)}")
    if unexpected:
        print(f"NOTE: pushed down although the state is internal or there is no combine function: {', '.join(unexpected)}")
    for t in (DIST, SDIST, LOCAL, SLOCAL, REF):
        cur.execute(f"DROP TABLE {t}")
    print(f"  {time.time() - t0:.1f} s in all")
    ck.finish()


if __name__ == "__main__":
    main()
