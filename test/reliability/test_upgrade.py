#!/usr/bin/python3
"""Upgrading mlmon in place: ALTER EXTENSION mlmon UPDATE from every released
version must keep the users' data and privileges and give the same catalog
as a fresh CREATE EXTENSION of the default version.

The released versions are the frozen install scripts sql/mlmon--X.Y.Z.sql
other than the default version's (built by make).  For each one:

1. old SQL, new library: CREATE EXTENSION mlmon VERSION 'X.Y.Z' (with
   check_function_bodies on, so every C symbol it names is looked up in the
   installed mlmon.so), then every C function and aggregate of that version
   is called on the same rows as in a fresh install of the default version:
   same results or the same errors, never an internal error or a crash; the
   profile type's binary input and output round-trip.
2. data survives the update: a classification model with features, a few
   thousand predictions over six days (some waiting in the default
   partition), late and corrected labels, a reference, drift settings,
   per-model alert rules, checks and their alerts (one acknowledged), a
   regression model read in place from a table of its own with a reference
   from a query, a reader and a writer role (grant_reader, grant_writer) that
   use their rights.  Every table of schema mlmon is fingerprinted (row count
   and md5 of the ordered rows, on the columns it had before) and the
   identity sequences' positions are read, then ALTER EXTENSION mlmon UPDATE:
   the version is the default one; every fingerprint is unchanged (tables
   new in the new version excepted; rows the update adds must be default rows
   a fresh install ships, and an identity sequence moves by them only).
3. checks after the update, step by step next to a database that ran the
   default version from the start on the same data: run_checks right away
   (every result it gives equals that database's; results it cannot give
   yet, for want of what the default version stores with a reference, are
   listed as a note), then with the reference frozen again (all results
   equal), a re-check of the last window checked before the update; each
   check agrees with the log (rows, labelled rows, accuracy counted in SQL,
   a verdict per feature); the open alerts are the same, report() has the
   same shape, model, period end and recommendations.
4. privileges: the reader and writer granted before the update can do
   exactly what roles granted after it can, and what the same roles can in
   a fresh install (has_*_privilege over every relation, column set,
   function, type and the schema), and still work (log, label, report).
5. pg_dump of the updated database restores into a fresh CREATE EXTENSION
   with every row (as a dump of a database on the default version does).
6. the catalog: an updated database (empty, and the one with data) against a
   fresh CREATE EXTENSION: member objects, functions (full definition,
   markings, ACL), aggregates, types and their attributes, tables and
   columns in order, constraints, indexes, views, triggers, rules, policies,
   sequences, comments, privileges and initial privileges, config tables,
   the rows the extension ships, operators, casts, operator classes, objects
   left outside the extension.  Any difference is printed as a diff, with
   what to add to the upgrade script and where the install script defines
   the object, and fails the test.

Run by scripts/test (suite reliability) with PGHOST/PGPORT/PGUSER set; it
creates and drops its own databases (upg_*) and roles (upg_*).  On failure
the databases are kept for inspection (dropped by the next run)."""
import collections
import datetime
import difflib
import glob
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import traceback

import psycopg2

T0 = time.time()
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
EXT = "mlmon"


def makefile_sql_parts():
    """The parts of the development version's install script, as the Makefile concatenates them."""
    with open(os.path.join(ROOT, "Makefile")) as f:
        m = re.search(r"^SQL_PARTS\s*=\s*(.*)$", f.read(), re.M)
    return [p.replace("$(EXTENSION)", EXT) for p in m.group(1).split()] if m else []


SQL_PARTS = makefile_sql_parts()

ROLES = {"reader_before": "upg_reader_before", "writer_before": "upg_writer_before",
         "reader_after": "upg_reader_after", "writer_after": "upg_writer_after"}
PRISTINE_DB = "upg_fresh_empty"       # the default version, nothing else

failures = []      # (section, message)
notes = []


def fail(section, msg):
    failures.append((section, msg))
    print(f"FAIL [{section}] {msg}", flush=True)


def check(section, label, ok, detail=""):
    if not ok:
        fail(section, f"{label}{': ' + detail if detail else ''}")
    return ok


def log(msg):
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


def connect(dbname):
    # fixed output formats; serial plans, so that two databases compute exactly the same floats
    conn = psycopg2.connect(dbname=dbname, options="-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1 "
                                                   "-c client_min_messages=warning -c search_path=pg_catalog "
                                                   "-c max_parallel_workers_per_gather=0")
    conn.autocommit = True
    return conn


def rows(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchall()


def one(cur, sql, args=None):
    cur.execute(sql, args)
    return cur.fetchone()[0]


# --------------------------------------------------------------------------
# versions

def control_default_version():
    with open(os.path.join(ROOT, f"{EXT}.control")) as f:
        m = re.search(r"^default_version\s*=\s*'([^']+)'", f.read(), re.M)
    return m.group(1)


DEFAULT = control_default_version()
RELEASED = sorted((m.group(1) for m in (re.fullmatch(rf"{EXT}--(\d+\.\d+\.\d+)\.sql", os.path.basename(p))
                                        for p in glob.glob(os.path.join(ROOT, "sql", f"{EXT}--*.sql"))) if m
                   and m.group(1) != DEFAULT), key=lambda v: tuple(int(x) for x in v.split(".")))


def dbname_for(kind, version):
    return f"upg_{kind}_{version.replace('.', '_')}"


# per released version: its data updated, the same data on the default version from the start, their
# restored dumps, an empty database updated
ALL_DBS = [PRISTINE_DB] + [dbname_for(k, v) + r for v in RELEASED for k in ("data", "fresh") for r in ("", "_restored")] \
    + [dbname_for("empty", v) for v in RELEASED]

admin = connect(os.environ.get("PGDATABASE", "postgres"))
acur = admin.cursor()


def drop_everything():
    for d in ALL_DBS:
        acur.execute(f"DROP DATABASE IF EXISTS {d} WITH (FORCE)")
    for r in ROLES.values():
        # grants left to the role in databases of an interrupted run (under other names): revoked there
        for (db,) in rows(acur, """SELECT DISTINCT d.datname FROM pg_shdepend s JOIN pg_database d ON d.oid = s.dbid
                                   JOIN pg_roles r ON r.oid = s.refobjid WHERE r.rolname = %s""", (r,)):
            c = connect(db)
            c.cursor().execute(f"DROP OWNED BY {r}")
            c.close()
        acur.execute(f"DROP ROLE IF EXISTS {r}")


def create_db(name):
    acur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    acur.execute(f"CREATE DATABASE {name}")
    return connect(name).cursor()


# --------------------------------------------------------------------------
# where an object is defined, for the hints of the catalog diff

_part_text = {}


def part_lines(path):
    if path not in _part_text:
        with open(os.path.join(ROOT, path)) as f:
            _part_text[path] = f.read().split("\n")
    return _part_text[path]


def defined_at(kind_re, name):
    """file:line of the statements of the install script's parts that match
    e.g. CREATE FUNCTION @extschema@.name( (QNAME: the name with its schema)."""
    rx = re.compile(kind_re.replace("QNAME", r"(@extschema@|mlmon)\.\"?" + re.escape(name) + r"\"?")
                    .replace("NAME", r"(@extschema@\.|mlmon\.)?\"?" + re.escape(name) + r"\"?"), re.I)
    out = []
    for p in SQL_PARTS:
        if not os.path.exists(os.path.join(ROOT, p)):
            continue
        for i, line in enumerate(part_lines(p), 1):
            if rx.search(line):
                out.append(f"{p}:{i}")
    return out


def locate(category, key):
    """file:line of the install script's statements about the object of a diff key."""
    if ": " in key and category in ("constraints", "indexes", "triggers", "rules", "policies"):
        table, obj = key.split(": ", 1)
        table = table.replace("mlmon.", "")
    else:
        m = re.search(r'mlmon\.("?)(\w+)\1', key)
        obj = m.group(2) if m else key.split()[-1]
        table = None
    kinds = {"functions": r"CREATE (OR REPLACE )?(FUNCTION|PROCEDURE) NAME\s*\(",
             "aggregates": r"CREATE (OR REPLACE )?AGGREGATE NAME\s*\(",
             "types": r"CREATE TYPE NAME\b",
             "relations": r"CREATE (UNLOGGED )?(TABLE|VIEW|OR REPLACE VIEW|MATERIALIZED VIEW|SEQUENCE) (IF NOT EXISTS )?NAME\b",
             "views": r"CREATE (OR REPLACE )?VIEW NAME\b",
             "indexes": r"CREATE (UNIQUE )?INDEX (CONCURRENTLY )?(IF NOT EXISTS )?NAME\b",
             "triggers": r"CREATE (OR REPLACE )?(CONSTRAINT )?TRIGGER NAME\b",
             "comments": r"COMMENT ON \w+( \w+)? QNAME\b",
             "privileges": r"(GRANT|REVOKE) .*QNAME\b",
             "initial privileges": r"(GRANT|REVOKE) .*QNAME\b",
             "config tables": r"pg_extension_config_dump.*QNAME\b"}
    hits = defined_at(kinds[category], obj) if category in kinds else []
    if not hits and category in ("member objects", "comments", "privileges", "initial privileges"):
        for k in ("functions", "aggregates", "types", "relations", "indexes", "triggers"):
            hits += defined_at(kinds[k], obj)
    if not hits and table:
        hits = defined_at(kinds["relations"], table)
    return hits


# --------------------------------------------------------------------------
# 1. old SQL against the new library

SAMPLE_SQL = """
CREATE TEMP TABLE upg_sample AS
SELECT g,
       round((10 * sin(g * 0.7) + CASE WHEN g > 120 THEN 2.5 ELSE 0 END + (g % 7) * 0.25)::numeric, 4)::float8 AS value,
       g > 120 AS is_current,
       'c' || (CASE WHEN g > 120 THEN g % 5 ELSE g % 4 END) AS category,
       (g % 3 = 0) AS cat_bool,
       (g % 4)::bigint AS cat_int,
       ((g * 7) % 3)::text AS actual_label,
       ((g * 5) % 3)::text AS predicted_label,
       round(((g * 37) % 100) / 100.0, 2)::float8 AS score,
       ((g * 13) % 2)::text AS bin_actual,
       ((g * 11) % 2)::text AS bin_predicted,
       (g % 17)::float8 * 1.5 AS actual_value,
       (g % 17)::float8 * 1.4 + 0.3 AS predicted_value,
       jsonb_build_object('a', g % 9, 'b', 'x' || (g % 3), 'c', CASE WHEN g % 10 = 0 THEN 'bad' END) AS features
  FROM generate_series(1, 240) g
"""
REF_NUM = "(SELECT mlmon.profile(value) FROM upg_sample WHERE NOT is_current)"
CUR_NUM = "(SELECT mlmon.profile(value) FROM upg_sample WHERE is_current)"
REF_CAT = "(SELECT mlmon.profile(category) FROM upg_sample WHERE NOT is_current)"
CUR_CAT = "(SELECT mlmon.profile(category) FROM upg_sample WHERE is_current)"
OPTIONS = {"alternative": ["'two-sided'", "'less'", "'greater'"],
           "method": ["'auto'", "'exact'", "'asymp'", "'none'", "'goodness_of_fit'", "'contingency'"],
           "binning": ["'quantile'", "'evidently'"], "positive_label": ["'1'", "'2'"],
           "bins": ["5", "10"], "cap": ["50", "3"], "n": ["3", "10"], "q": ["0.25", "0.5"], "x": ["1.5", "-100"],
           "keys": ["ARRAY['a', 'b', 'c']"], "features": ["features"]}


def binding_calls(cur):
    """Every C function and aggregate of the installed version of schema mlmon
    (with arguments callable from SQL), called on upg_sample: signature ->
    list of (call, outcome)."""
    cur.execute(SAMPLE_SQL)
    fns = rows(cur, """
        SELECT p.oid::regprocedure::text, p.proname, p.prokind = 'a',
               array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t),
               coalesce(p.proargnames, '{}'), p.proargmodes::text[]
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = 'mlmon'::regnamespace AND (l.lanname = 'c' OR p.prokind = 'a')
           AND NOT p.proargtypes::oid[] && ARRAY['internal'::regtype, 'cstring'::regtype]::oid[]
         ORDER BY 1""")
    out = {}
    for sig, name, is_agg, types, names, modes in fns:
        if modes:       # (proargnames names the OUT arguments too; proargtypes has the input ones only)
            names = [n for n, m in zip(names, modes) if m in ("i", "b", "v")]
        names = list(names) + [""] * (len(types) - len(names))
        variants = []
        for flavour in ("numeric", "categorical"):
            base = []
            for t, n in zip(types, names):
                if t == "mlmon.profile":
                    cur_side = n in ("current", "b")
                    base.append({("numeric", False): REF_NUM, ("numeric", True): CUR_NUM,
                                 ("categorical", False): REF_CAT, ("categorical", True): CUR_CAT}[(flavour, cur_side)])
                elif n in OPTIONS:
                    base.append(OPTIONS[n][0])
                elif is_agg:
                    # an aggregate reads the sample's columns
                    base.append({"double precision": {"actual": "actual_value", "predicted": "predicted_value",
                                                      "score": "score"}.get(n, "value"),
                                 "boolean": "cat_bool" if n == "category" else "is_current",
                                 "bigint": "cat_int",
                                 "text": {"actual": "actual_label", "predicted": "predicted_label"}.get(n, "category"),
                                 "integer": "10", "double precision[]": "ARRAY[value, score]",
                                 "text[]": "ARRAY[category]", "jsonb": "features"}.get(t, f"NULL::{t}"))
                else:
                    base.append({"double precision": "0.5", "boolean": "true", "bigint": "3::bigint", "text": "'c1'",
                                 "integer": "10", "double precision[]": "ARRAY[0.5, 1.5]::float8[]",
                                 "text[]": "ARRAY['a', 'b']", "jsonb": "features"}.get(t, f"NULL::{t}"))
            variants.append(base)
            for i, n in enumerate(names):
                for alt in OPTIONS.get(n, [])[1:]:
                    v = list(base)
                    v[i] = alt
                    variants.append(v)
        # the binary tests on binary categories
        if name == "z_test":
            variants.append([{"text": "bin_actual", "bigint": "(g % 2)::bigint", "boolean": "is_current"}.get(t, t)
                             if t != "mlmon.profile" else
                             f"(SELECT mlmon.profile(bin_actual) FROM upg_sample WHERE {'' if n in ('current', 'b') else 'NOT '}is_current)"
                             for t, n in zip(types, names)])
            if is_agg and types[0] != "mlmon.profile":
                variants[-1][0] = {"text": "bin_actual", "bigint": "(g % 2)::bigint", "boolean": "cat_bool"}[types[0]]
        # score-based classification metrics on a binary problem, too
        if name == "classification_metrics" and len(types) >= 3:
            v = ["bin_actual", "bin_predicted", "score"] + (["'1'"] if len(types) == 4 else [])
            variants.append(v)
        seen = set()
        results = []
        for args in variants:
            call = f"mlmon.{name}({', '.join(args)})"
            if call in seen:
                continue
            seen.add(call)
            if is_agg:       # in a fixed order (the streaming detectors need one)
                stmt = f"SELECT mlmon.{name}({', '.join(args)} ORDER BY g)::text FROM upg_sample"
            elif "features" in args:
                stmt = f"SELECT {call}::text FROM upg_sample WHERE g IN (1, 2, 10, 50, 121, 200) ORDER BY g"
            else:
                stmt = f"SELECT {call}::text"
            try:
                cur.execute(stmt)
                res = "ok: " + " | ".join(str(r[0]) for r in cur.fetchall())
            except psycopg2.Error as e:
                # a lost connection has no SQLSTATE (an error of class 54, 55, 57 or 58 has one
                # and is an OperationalError too)
                if e.pgcode is None or cur.connection.closed:
                    raise RuntimeError(f"{stmt}: the server connection was lost ({e}): crash of old SQL on the new library")
                res = f"error {e.pgcode}: {e.diag.message_primary}"
            results.append((call, res))
        out[sig] = results
    return out


def profile_binary_roundtrip(cur):
    """profile_send and profile_recv through COPY BINARY: the profiles come back equal."""
    cur.execute("CREATE TEMP TABLE upg_profiles AS SELECT k, p FROM (VALUES (1, " + REF_NUM + "), (2, " + CUR_CAT
                + "), (3, (SELECT mlmon.profile(value, 16) FROM upg_sample))) v(k, p)")
    buf = io.BytesIO()
    cur.copy_expert("COPY (SELECT k, p FROM upg_profiles ORDER BY k) TO STDOUT (FORMAT binary)", buf)
    buf.seek(0)
    cur.execute("CREATE TEMP TABLE upg_profiles_back (k int, p mlmon.profile)")
    cur.copy_expert("COPY upg_profiles_back FROM STDIN (FORMAT binary)", buf)
    return rows(cur, """SELECT a.k, a.p::text = b.p::text FROM upg_profiles a LEFT JOIN upg_profiles_back b USING (k)
                         ORDER BY 1""")


# Result types that gained trailing attributes since a released version (ALTER TYPE ... ADD ATTRIBUTE in
# the upgrade script): until the update, the old declarations give the row without them.
GROWN_TYPES_ATTRS = 1     # ks_result, chi2_result, z_result: log_pvalue in 0.3.0
GROWN_TYPES = ["ks_result", "chi2_result", "z_result"]


def grown_row(old, fresh):
    """old is fresh without its last GROWN_TYPES_ATTRS columns, for every row of the result ("ok: (..) | (..)")."""
    if not (old.startswith("ok: (") and fresh.startswith("ok: (")):
        return False
    olds, freshs = old[4:].split(" | "), fresh[4:].split(" | ")
    if len(olds) != len(freshs):
        return False
    for o, f in zip(olds, freshs):
        cut = f
        for _ in range(GROWN_TYPES_ATTRS):
            cut = cut[:cut.rfind(",")] + ")" if "," in cut else cut
        if o != cut:
            return False
    return True


def check_old_sql_new_library(version, cur_old, fresh_calls):
    section = f"{version} SQL on the installed library"
    c_funcs = rows(cur_old, """SELECT p.oid::regprocedure::text, p.probin, p.prosrc FROM pg_proc p
                                JOIN pg_language l ON l.oid = p.prolang
                               WHERE p.pronamespace = 'mlmon'::regnamespace AND l.lanname = 'c' ORDER BY 1""")
    check(section, "C functions of the old install script", len(c_funcs) > 0)
    bad_bin = [f"{s} ({b})" for s, b, _ in c_funcs if b != "$libdir/mlmon"]
    check(section, "every C function links $libdir/mlmon", not bad_bin, ", ".join(bad_bin))
    old_calls = binding_calls(cur_old)
    # the functions and aggregates of the old script that return a type that grew since
    grown = {r[0] for r in rows(cur_old, """SELECT p.oid::regprocedure::text FROM pg_proc p
                                             WHERE p.pronamespace = 'mlmon'::regnamespace
                                               AND p.prorettype IN (SELECT t.oid FROM pg_type t
                                                                     WHERE t.typnamespace = 'mlmon'::regnamespace
                                                                       AND t.typname = ANY (%s))""",
                          (list(GROWN_TYPES),))}
    n_calls = sum(len(v) for v in old_calls.values())
    internal = [f"{c}: {r}" for v in old_calls.values() for c, r in v if r.startswith("error XX")]
    check(section, "no internal error calling the old functions on the new library", not internal,
          "\n    " + "\n    ".join(internal[:20]))
    diffs = []
    only_old = []
    for sig, calls in sorted(old_calls.items()):
        if sig not in fresh_calls:
            only_old.append(sig)
            continue
        fresh = dict(fresh_calls[sig])
        for call, res in calls:
            if call in fresh and fresh[call] != res and not (sig in grown and grown_row(res, fresh[call])):
                diffs.append(f"{call}\n      {version}: {res[:300]}\n      {DEFAULT}: {fresh[call][:300]}")
    check(section, f"the {version} declarations give the results of a fresh {DEFAULT} install on the same rows "
          "(a C function whose arguments or state changed needs the upgrade script to redeclare it, and the old "
          "declaration must keep working until the update)", not diffs, "\n    " + "\n    ".join(diffs[:15]))
    if only_old:
        notes.append(f"{version}: {len(only_old)} C functions/aggregates absent from {DEFAULT} were still called "
                     f"(no internal error): {', '.join(only_old[:5])}{' ...' if len(only_old) > 5 else ''}")
    rt = profile_binary_roundtrip(cur_old)
    check(section, "profile binary send/receive round trip (COPY BINARY)", rt == [(1, True), (2, True), (3, True)], str(rt))
    log(f"{version} on the installed library: {len(c_funcs)} C symbols resolved at CREATE EXTENSION, "
        f"{n_calls} calls compared with a fresh {DEFAULT} install")


# --------------------------------------------------------------------------
# 2. realistic data through the public API of the released version

class Data:
    """The same rows, built once, loaded into each database."""

    def __init__(self, base):
        self.base = base        # the end of the logged period (an hour boundary, UTC)
        rnd = random.Random(20261127)
        start = base - datetime.timedelta(days=6)
        drift_from = base - datetime.timedelta(hours=36)
        self.churn = []
        n = 4200
        step = datetime.timedelta(days=6) / n
        for i in range(n):
            ts = start + step * i + datetime.timedelta(microseconds=1357)
            drifted = ts >= drift_from
            age = max(18, min(90, int(rnd.gauss(44 if drifted else 41, 12))))
            income = round(rnd.lognormvariate(10.8 + (0.25 if drifted else 0.0), 0.35), 2)
            tenure = max(0, int(rnd.expovariate(1 / 30)))
            u = rnd.random()
            plan = ("basic" if u < (0.35 if drifted else 0.55) else "pro" if u < 0.9 else "enterprise")
            mobile = rnd.random() < (0.7 if drifted else 0.45)
            country = rnd.choice(["de", "fr", "us", "uk", "es", "it", "pl"])
            feats = {"age": age, "income": income, "tenure": tenure, "plan": plan, "mobile": mobile,
                     "country": country}
            r = rnd.random()
            if r < 0.01:
                del feats["age"]                     # missing
            elif r < 0.016:
                feats["income"] = "n/a"              # not a number
            elif r < 0.03 and drifted:
                feats["debug"] = True                # unexpected (new in production)
            z = -2.5 + 0.04 * (age - 40) + 0.6 * (plan == "basic") - 0.02 * tenure + 0.3 * mobile + rnd.gauss(0, 0.8)
            score = round(1 / (1 + pow(2.718281828459045, -z)), 6)
            pred = "1" if score >= 0.5 else "0"
            agree = rnd.random() < (0.62 if drifted else 0.91)
            label = pred if agree else ("0" if pred == "1" else "1")
            labelled = ts < base - datetime.timedelta(hours=8) and rnd.random() < 0.85
            self.churn.append(dict(rid=f"c{i:05d}", ts=ts, features=feats, pred=pred, score=score,
                                   latency=round(rnd.uniform(3, 40) + (rnd.random() < 0.03) * 400, 3),
                                   label=label if labelled else None))
        # some labels are corrected later
        self.corrections = [(r["rid"], "1" if r["label"] == "0" else "0")
                            for r in self.churn[::97] if r["label"] is not None]
        self.eta = []
        for i in range(720):
            ts = start + datetime.timedelta(minutes=12 * i, seconds=7)
            dist = round(rnd.uniform(0.5, 25.0) * (1.3 if ts >= drift_from else 1.0), 3)
            hour = ts.hour
            vehicle = rnd.choice(["bike", "car", "scooter"])
            actual = round(4 + 2.2 * dist + (3 if 7 <= hour <= 9 else 0) + rnd.gauss(0, 2), 3)
            self.eta.append((ts, dist, hour, vehicle, round(actual + rnd.gauss(0, 3), 3), actual,
                             round(rnd.uniform(1, 9), 3)))
        self.eta_training = []
        for i in range(500):
            dist = round(rnd.uniform(0.5, 25.0), 3)
            hour = rnd.randrange(24)
            vehicle = rnd.choice(["bike", "car", "scooter"])
            actual = round(4 + 2.2 * dist + rnd.gauss(0, 2), 3)
            self.eta_training.append((dist, hour, vehicle, round(actual + rnd.gauss(0, 3), 3), actual))
        # the windows checked before the update and the one checked again after it
        self.windows = [(base - datetime.timedelta(days=3), base - datetime.timedelta(days=2)),
                        (base - datetime.timedelta(days=2), base - datetime.timedelta(days=1)),
                        (base - datetime.timedelta(hours=36), base - datetime.timedelta(hours=12)),
                        (base - datetime.timedelta(hours=24), base)]
        self.after_window = (base - datetime.timedelta(hours=30), base - datetime.timedelta(hours=6))


def copy_rows(cur, table, cols, data):
    buf = io.StringIO()
    for r in data:
        buf.write("\t".join("\\N" if v is None else (v.isoformat() if isinstance(v, datetime.datetime) else
                                                      str(v).replace("\\", "\\\\")) for v in r) + "\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN", buf)


def load_data(cur, d, reader, writer, extra_grants=()):
    """Everything a team does in the first days, through the public API."""
    cur.execute("SELECT mlmon.register_model('churn', '1.4', 'classification', "
                "'{\"mlflow_run_id\": \"upg-4f2a\", \"owner\": \"risk\"}')")
    cur.execute("UPDATE mlmon.models SET drift_correction = 'benjamini_hochberg', default_window = '12 hours' "
                "WHERE name = 'churn'")
    cur.execute("""INSERT INTO mlmon.drift_settings (model, feature, test, threshold) VALUES
                   ('churn', 'income', 'psi', 0.2), ('churn', 'country', 'chi2', 0.01),
                   ('churn', '*', NULL, 0.12), ('churn', '', NULL, 0.15)""")
    cur.execute("""INSERT INTO mlmon.alert_rules (model, alert_type, severity, threshold, cooldown, description)
                   VALUES ('churn', 'data_drift', 'critical', 2, '30 minutes', 'two drifted inputs are enough for churn'),
                          ('churn', 'data_quality', 'medium', 0.005, '2 hours', 'churn inputs must be clean')""")
    cur.execute("CREATE TEMP TABLE upg_stage (rid text, ts timestamptz, features jsonb, pred text, score float8, "
                "latency float8)")
    stage = [(r["rid"], r["ts"], json.dumps(r["features"], sort_keys=True), r["pred"], r["score"], r["latency"])
             for r in d.churn]
    copy_rows(cur, "upg_stage", ["rid", "ts", "features", "pred", "score", "latency"], stage)
    # the service logs: the first four days, partitions maintained, then the rest (waits in the default partition)
    cut = d.base - datetime.timedelta(days=2)
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
                   SELECT 'churn', ts, rid, features, pred, score, latency FROM upg_stage WHERE ts < %s ORDER BY rid""",
                (cut,))
    cur.execute("SELECT mlmon.maintain_partitions(2)")
    # labels arrive later, through record_label; some are corrected after the reference was set
    cur.execute("CREATE TEMP TABLE upg_labels (rid text, label text, k int)")
    copy_rows(cur, "upg_labels", ["rid", "label", "k"],
              [(r["rid"], r["label"], 1 if r["ts"] < cut else 2) for r in d.churn if r["label"] is not None]
              + [(rid, lab, 3) for rid, lab in d.corrections])
    cur.execute("SELECT count(mlmon.record_label('churn', rid, label)) FROM upg_labels WHERE k = 1")
    cur.execute("SELECT mlmon.set_reference('churn', %s, %s)",
                (d.base - datetime.timedelta(days=6), d.base - datetime.timedelta(days=3)))

    # a regression model read in place from the team's own table, its reference from the training set
    cur.execute("CREATE TABLE public.eta_log (ts timestamptz NOT NULL, distance_km float8, hour int, vehicle text, "
                "predicted_min float8, actual_min float8, latency float8)")
    copy_rows(cur, "public.eta_log", ["ts", "distance_km", "hour", "vehicle", "predicted_min", "actual_min", "latency"],
              d.eta)
    cur.execute("CREATE TABLE public.eta_training (distance_km float8, hour int, vehicle text, predicted_min float8, "
                "actual_min float8)")
    copy_rows(cur, "public.eta_training", ["distance_km", "hour", "vehicle", "predicted_min", "actual_min"],
              d.eta_training)
    cur.execute("SELECT mlmon.register_model('eta', '2.0', 'regression')")
    cur.execute("""SELECT mlmon.register_source('eta', 'public.eta_log', 'ts',
                       feature_columns => ARRAY['distance_km', 'hour', 'vehicle']::name[],
                       prediction_column => 'predicted_min', label_column => 'actual_min', latency_column => 'latency')""")
    cur.execute("""SELECT mlmon.set_reference('eta', 'SELECT jsonb_build_object(''distance_km'', distance_km, ''hour'', hour,
                       ''vehicle'', vehicle) AS features, predicted_min AS predicted_value, actual_min AS actual
                       FROM public.eta_training')""")
    # the last two days' rows arrive now: their days have no partition yet (the default partition keeps them)
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
                   SELECT 'churn', ts, rid, features, pred, score, latency FROM upg_stage WHERE ts >= %s ORDER BY rid""",
                (cut,))
    cur.execute("SELECT count(mlmon.record_label('churn', rid, label)) FROM upg_labels WHERE k = 2")
    cur.execute("SELECT count(mlmon.record_label('churn', rid, label)) FROM upg_labels WHERE k = 3")
    cur.execute("INSERT INTO mlmon.alert_rules (model, alert_type, severity, threshold, enabled) "
                "VALUES ('eta', 'output_drift', 'low', 1, false)")
    cur.execute("SELECT mlmon.apply_retention('eta', '400 days')")

    # checks, as the schedule would have run them; one alert acknowledged by hand in between
    for i, (ws, we) in enumerate(d.windows):
        cur.execute("SELECT mlmon.run_checks('churn', %s, %s)", (ws, we))
        if i == 1:
            cur.execute("""SELECT mlmon.acknowledge_alert(alert_id) FROM mlmon.alerts
                            WHERE model = 'churn' AND status = 'open' ORDER BY type, feature NULLS FIRST LIMIT 1""")
    cur.execute("SELECT mlmon.run_checks('eta', %s, %s)", (d.base - datetime.timedelta(days=1), d.base))

    # least privilege: a writer for the service, a reader for Grafana
    for r in [reader] + [x for x in extra_grants if "reader" in x]:
        cur.execute("SELECT mlmon.grant_reader(%s)", (r,))
    for w in [writer] + [x for x in extra_grants if "writer" in x]:
        cur.execute("SELECT mlmon.grant_writer(%s)", (w,))
    use_roles(cur, d, reader, writer, "w-before", d.base + datetime.timedelta(minutes=1))


def use_roles(cur, d, reader, writer, rid, ts):
    """The writer logs and labels, the reader reads: (report model name, rows
    the reader saw), or (the error, 0)."""
    try:
        return _use_roles(cur, reader, writer, rid, ts)
    except psycopg2.Error as e:
        return f"{e.pgcode}: {e.diag.message_primary}", 0


def _use_roles(cur, reader, writer, rid, ts):
    cur.execute(f"SET ROLE {writer}")
    try:
        cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms)
                       VALUES ('churn', %s, %s, '{"age": 30, "income": 51000.5, "tenure": 3, "plan": "pro",
                               "mobile": true, "country": "de"}', '1', 0.73, 11.5)""", (ts, rid))
        cur.execute("SELECT mlmon.record_label('churn', %s, '1')", (rid,))
    finally:
        cur.execute("RESET ROLE")
    cur.execute(f"SET ROLE {reader}")
    try:
        name = one(cur, "SELECT mlmon.report('churn') -> 'model' ->> 'name'")
        seen = one(cur, "SELECT (SELECT count(*) FROM mlmon.performance_history) + (SELECT count(*) FROM mlmon.feature_drift)"
                        " + (SELECT count(*) FROM mlmon.alerts_view) + (SELECT count(*) FROM mlmon.results_view)")
    finally:
        cur.execute("RESET ROLE")
    return name, seen


# --------------------------------------------------------------------------
# fingerprints

def table_columns(cur):
    """Tables of schema mlmon (ordinary, partitioned, partitions) -> their columns."""
    out = {}
    for rel, cols, ident in rows(cur, """
            SELECT c.oid::regclass::text,
                   array_agg(quote_ident(a.attname) ORDER BY a.attnum),
                   array_agg(quote_ident(a.attname) ORDER BY a.attnum) FILTER (WHERE a.attidentity <> '')
              FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p')
             GROUP BY 1 ORDER BY 1"""):
        out[rel] = (list(cols), list(ident or []))
    return out


def fingerprint(cur, rel, cols):
    return tuple(rows(cur, f"""SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r COLLATE "C"), ''))
                                 FROM (SELECT ROW({', '.join(cols)})::text AS r FROM {rel}) s""")[0])


def row_texts(cur, rel, cols):
    return [r[0] for r in rows(cur, f"SELECT ROW({', '.join(cols)})::text FROM {rel}")]


def sequences(cur):
    """The sequences of schema mlmon: position, owning table and column."""
    return {r[0]: (r[1], r[2], r[3]) for r in rows(cur, """
        SELECT c.oid::regclass::text, pg_sequence_last_value(c.oid), d.refobjid::regclass::text, quote_ident(a.attname)
          FROM pg_class c
          LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
                               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind = 'S'""")}


# --------------------------------------------------------------------------
# privileges as has_*_privilege sees them

REL_PRIVS = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"]


def privileges(cur, role):
    """What role may do in schema mlmon: object -> sorted privileges."""
    out = collections.defaultdict(list)
    q = """
    SELECT 'relation ' || c.oid::regclass::text, p
      FROM pg_class c, unnest(%(rel)s::text[]) p
     WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND has_table_privilege(%(role)s, c.oid, p)
    UNION ALL
    SELECT 'relation ' || c.oid::regclass::text, 'ANY COLUMN ' || p
      FROM pg_class c, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
     WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
       AND has_any_column_privilege(%(role)s, c.oid, p)
    UNION ALL
    SELECT 'sequence ' || c.oid::regclass::text, p
      FROM pg_class c, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
     WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind = 'S' AND has_sequence_privilege(%(role)s, c.oid, p)
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text, 'EXECUTE'
      FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace AND has_function_privilege(%(role)s, p.oid, 'EXECUTE')
    UNION ALL
    SELECT 'type ' || format_type(t.oid, NULL), 'USAGE'
      FROM pg_type t WHERE t.typnamespace = 'mlmon'::regnamespace AND has_type_privilege(%(role)s, t.oid, 'USAGE')
    UNION ALL
    SELECT 'schema mlmon', p FROM unnest(ARRAY['USAGE', 'CREATE']) p WHERE has_schema_privilege(%(role)s, 'mlmon', p)
    """
    for obj, p in rows(cur, q, {"rel": REL_PRIVS, "role": role}):
        out[obj].append(p)
    objs = [r[0] for r in rows(cur, """
        SELECT CASE WHEN c.relkind = 'S' THEN 'sequence ' ELSE 'relation ' END || c.oid::regclass::text
          FROM pg_class c WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
        UNION ALL SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace
        UNION ALL SELECT 'type ' || format_type(t.oid, NULL) FROM pg_type t WHERE t.typnamespace = 'mlmon'::regnamespace
        UNION ALL SELECT 'schema mlmon'""")]
    return {o: ",".join(sorted(out.get(o, []))) or "-" for o in objs}


def compare_privileges(section, what, a_name, a, b_name, b, only_common=False):
    keys = sorted(set(a) & set(b)) if only_common else sorted(set(a) | set(b))
    diffs = [f"{k}: {a_name} {a.get(k, '(no such object)')}, {b_name} {b.get(k, '(no such object)')}"
             for k in keys if a.get(k) != b.get(k)]
    check(section, f"{what}: {a_name} and {b_name} have the same privileges", not diffs,
          "\n    " + "\n    ".join(diffs[:40]) + (
              f"\n    (a role granted by mlmon.grant_reader / grant_writer before the update must end up with exactly "
              f"what they give in {DEFAULT}: the upgrade script grants what is missing to the roles that hold the "
              f"old grants, and revokes what a fresh install does not give)" if diffs else ""))


# --------------------------------------------------------------------------
# the catalog

def catalog(cur):
    """category -> {key: value} describing everything the extension installs."""
    cat = collections.defaultdict(dict)
    ext = "(SELECT oid FROM pg_extension WHERE extname = 'mlmon')"
    mem = f"""(SELECT classid, objid, objsubid FROM pg_depend
                WHERE refclassid = 'pg_extension'::regclass AND refobjid = {ext} AND deptype = 'e')"""

    def acl(v):
        return "{" + ",".join(sorted(v)) + "}" if v is not None else "default (NULL)"

    # the extension itself
    for nsp, reloc, owner in rows(cur, f"SELECT extnamespace::regnamespace::text, extrelocatable, "
                                       f"extowner::regrole::text FROM pg_extension WHERE oid = {ext}"):
        cat["extension"]["mlmon"] = f"schema {nsp}, relocatable {reloc}, owner {owner}"
    # member objects
    for desc, cls in rows(cur, f"SELECT pg_describe_object(classid, objid, objsubid), classid::regclass::text FROM {mem} m"):
        cat["member objects"][desc] = cls
    classes = {r[0] for r in rows(cur, f"SELECT DISTINCT classid::regclass::text FROM {mem} m")}
    handled = {"pg_proc", "pg_type", "pg_class", "pg_namespace", "pg_operator", "pg_cast", "pg_opclass",
               "pg_opfamily", "pg_event_trigger", "pg_collation", "pg_ts_config", "pg_ts_dict",
               "pg_foreign_data_wrapper", "pg_foreign_server", "pg_conversion", "pg_transform", "pg_language"}
    for c in sorted(classes - handled):
        notes.append(f"extension members in {c} are compared by existence and comment only")

    # functions and aggregates
    for sig, kind, fdef, vol, strict, par, secdef, leak, cost, nrows, cfg, pacl, owner, lang, args, res, retset in rows(cur, f"""
            SELECT p.oid::regprocedure::text, p.prokind,
                   CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END,
                   p.provolatile, p.proisstrict, p.proparallel, p.prosecdef, p.proleakproof, p.procost, p.prorows,
                   p.proconfig, p.proacl::text[], p.proowner::regrole::text, l.lanname,
                   pg_get_function_arguments(p.oid), pg_get_function_result(p.oid), p.proretset
              FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
             WHERE p.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_proc'::regclass)"""):
        head = (f"kind {kind}, language {lang}, volatility {vol}, strict {strict}, parallel {par}, "
                f"security definer {secdef}, leakproof {leak}, cost {cost}, rows {nrows}, returns set {retset}\n"
                f"arguments: {args}\nresult: {res}\nproconfig: {cfg}\nACL: {acl(pacl)}\nowner: {owner}")
        cat["functions"][sig] = head + ("\n" + fdef.rstrip() if fdef else "")
    for r in rows(cur, f"""
            SELECT a.aggfnoid::regprocedure::text, a.aggkind, a.aggnumdirectargs,
                   a.aggtransfn::regprocedure::text, nullif(a.aggfinalfn, 0)::regprocedure::text,
                   nullif(a.aggcombinefn, 0)::regprocedure::text, nullif(a.aggserialfn, 0)::regprocedure::text,
                   nullif(a.aggdeserialfn, 0)::regprocedure::text, nullif(a.aggmtransfn, 0)::regprocedure::text,
                   nullif(a.aggminvtransfn, 0)::regprocedure::text, nullif(a.aggmfinalfn, 0)::regprocedure::text,
                   a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify, a.aggmfinalmodify,
                   nullif(a.aggsortop, 0)::regoperator::text, format_type(a.aggtranstype, NULL), a.aggtransspace,
                   format_type(nullif(a.aggmtranstype, 0), NULL), a.aggmtransspace, a.agginitval, a.aggminitval
              FROM pg_aggregate a
             WHERE a.aggfnoid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_proc'::regclass)"""):
        names = ["aggkind", "aggnumdirectargs", "aggtransfn", "aggfinalfn", "aggcombinefn", "aggserialfn",
                 "aggdeserialfn", "aggmtransfn", "aggminvtransfn", "aggmfinalfn", "aggfinalextra", "aggmfinalextra",
                 "aggfinalmodify", "aggmfinalmodify", "aggsortop", "aggtranstype", "aggtransspace", "aggmtranstype",
                 "aggmtransspace", "agginitval", "aggminitval"]
        cat["aggregates"][r[0]] = "\n".join(f"{n}: {v}" for n, v in zip(names, r[1:]))

    # types (and their array types) with composite attributes
    for r in rows(cur, f"""
            SELECT format_type(t.oid, NULL), t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred,
                   t.typalign, t.typstorage, t.typinput::regprocedure::text, t.typoutput::regprocedure::text,
                   nullif(t.typreceive, 0)::regprocedure::text, nullif(t.typsend, 0)::regprocedure::text,
                   nullif(t.typmodin, 0)::regprocedure::text, nullif(t.typmodout, 0)::regprocedure::text,
                   nullif(t.typanalyze, 0)::regprocedure::text, nullif(t.typsubscript, 0)::regprocedure::text,
                   format_type(nullif(t.typelem, 0), NULL), format_type(nullif(t.typarray, 0), NULL), t.typdelim,
                   t.typnotnull, format_type(nullif(t.typbasetype, 0), NULL), t.typdefault, t.typcollation::regcollation::text,
                   t.typacl::text[], t.typowner::regrole::text,
                   (SELECT string_agg(format('%s %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                                             CASE WHEN a.attcollation <> 0 AND a.attcollation <> 100
                                                  THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END),
                                      E'\\n    ' ORDER BY a.attnum)
                      FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
                   (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                   (SELECT string_agg(pg_get_constraintdef(c.oid), ', ' ORDER BY c.conname) FROM pg_constraint c
                     WHERE c.contypid = t.oid)
              FROM pg_type t
             WHERE t.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_type'::regclass)
                OR t.oid IN (SELECT typarray FROM pg_type WHERE oid IN (SELECT objid FROM {mem} m
                                                                      WHERE classid = 'pg_type'::regclass))"""):
        names = ["typtype", "typlen", "typbyval", "typcategory", "typispreferred", "typalign", "typstorage",
                 "input", "output", "receive", "send", "typmodin", "typmodout", "analyze", "subscript", "element",
                 "array type", "delimiter", "not null", "base type", "default", "collation"]
        v = "\n".join(f"{n}: {x}" for n, x in zip(names, r[1:23]))
        v += f"\nACL: {acl(r[23])}\nowner: {r[24]}"
        if r[25]:
            v += "\nattributes:\n    " + r[25]
        if r[26]:
            v += "\nlabels: " + r[26]
        if r[27]:
            v += "\nconstraints: " + r[27]
        cat["types"][r[0]] = v

    # relations: member relations and the sequences of their identity / serial columns
    rel_q = f"""(SELECT objid FROM {mem} m WHERE classid = 'pg_class'::regclass
                 UNION SELECT d.objid FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                    AND d.refobjid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_class'::regclass)
                    AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S')"""
    for r in rows(cur, f"""
            SELECT c.oid::regclass::text, c.relkind, c.relpersistence, c.reloptions, c.relispartition,
                   pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid),
                   (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno) FROM pg_inherits i
                     WHERE i.inhrelid = c.oid),
                   c.relreplident, c.relrowsecurity, c.relforcerowsecurity, c.relacl::text[], c.relowner::regrole::text,
                   c.reloftype::regtype::text, am.amname,
                   (SELECT string_agg(format('%s %s%s%s%s%s%s%s', quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                              CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                              CASE WHEN ad.adbin IS NOT NULL AND a.attgenerated = '' THEN ' DEFAULT ' || pg_get_expr(ad.adbin, c.oid) ELSE '' END,
                              CASE WHEN a.attgenerated <> '' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, c.oid) || ') STORED' ELSE '' END,
                              CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END,
                              CASE WHEN a.attcollation <> 0 AND a.attcollation <> (SELECT typcollation FROM pg_type WHERE oid = a.atttypid)
                                   THEN ' COLLATE ' || a.attcollation::regcollation::text ELSE '' END,
                              CASE WHEN a.attstattarget <> -1 OR a.attstorage <> (SELECT typstorage FROM pg_type WHERE oid = a.atttypid)
                                        OR a.attcompression <> ''
                                   THEN format(' [statistics %s, storage %s, compression %s]', a.attstattarget, a.attstorage, a.attcompression)
                                   ELSE '' END)
                              || CASE WHEN a.attacl IS NOT NULL THEN ' ACL ' || a.attacl::text ELSE '' END,
                              E'\\n    ' ORDER BY a.attnum)
                      FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
              FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
             WHERE c.oid IN {rel_q}"""):
        (name, kind, pers, opts, ispart, pkey, bound, parents, repl, rls, frls, racl, owner, oftype, am, cols) = r
        v = (f"relkind {kind}, persistence {pers}, access method {am}, options {opts}, of type {oftype}\n"
             f"partition: {ispart}, key {pkey}, bound {bound}, parents {parents}\n"
             f"replica identity {repl}, row security {rls}, forced {frls}\nowner: {owner}\n"
             f"columns:\n    {cols}")
        cat["relations"][name] = v
    for name, typ, start, inc, mx, mn, cache, cycle, owned in rows(cur, f"""
            SELECT c.oid::regclass::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, s.seqmin,
                   s.seqcache, s.seqcycle,
                   (SELECT d.refobjid::regclass::text || '.' || a.attname || ' (' || d.deptype::text || ')'
                      FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                     WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                       AND d.deptype IN ('a', 'i'))
              FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid WHERE c.oid IN {rel_q}"""):
        cat["sequences"][name] = (f"type {typ}, start {start}, increment {inc}, max {mx}, min {mn}, cache {cache}, "
                                  f"cycle {cycle}, owned by {owned}")
    member_tables = f"(SELECT oid FROM pg_class WHERE oid IN {rel_q} AND relkind IN ('r', 'p', 'v', 'm', 'f'))"
    for tbl, name, ctype, cdef, defer, initdef, valid, noinh, islocal in rows(cur, f"""
            SELECT co.conrelid::regclass::text, co.conname, co.contype, pg_get_constraintdef(co.oid), co.condeferrable,
                   co.condeferred, co.convalidated, co.connoinherit, co.conislocal
              FROM pg_constraint co WHERE co.conrelid IN {member_tables}"""):
        cat["constraints"][f"{tbl}: {name}"] = (f"{ctype} {cdef} (deferrable {defer}, initially deferred {initdef}, "
                                                f"validated {valid}, no inherit {noinh}, local {islocal})")
    for tbl, name, idef, prim, uniq, excl, clustered, replident, valid, cons in rows(cur, f"""
            SELECT i.indrelid::regclass::text, ic.relname, pg_get_indexdef(i.indexrelid), i.indisprimary, i.indisunique,
                   i.indisexclusion, i.indisclustered, i.indisreplident, i.indisvalid,
                   (SELECT conname FROM pg_constraint WHERE conindid = i.indexrelid AND conrelid = i.indrelid)
              FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid WHERE i.indrelid IN {member_tables}"""):
        cat["indexes"][f"{tbl}: {name}"] = (f"{idef}\nprimary {prim}, unique {uniq}, exclusion {excl}, clustered {clustered}, "
                                            f"replica identity {replident}, valid {valid}, constraint {cons}")
    for name, vdef, chk in rows(cur, f"""
            SELECT c.oid::regclass::text, pg_get_viewdef(c.oid, true), c.reloptions FROM pg_class c
             WHERE c.oid IN {member_tables} AND c.relkind IN ('v', 'm')"""):
        cat["views"][name] = f"options {chk}\n{vdef.rstrip()}"
    for tbl, name, tdef, enabled in rows(cur, f"""
            SELECT t.tgrelid::regclass::text, t.tgname, pg_get_triggerdef(t.oid, true), t.tgenabled
              FROM pg_trigger t WHERE t.tgrelid IN {member_tables} AND NOT t.tgisinternal"""):
        cat["triggers"][f"{tbl}: {name}"] = f"{tdef} (enabled {enabled})"
    for tbl, name, rdef in rows(cur, f"""
            SELECT r.ev_class::regclass::text, r.rulename, pg_get_ruledef(r.oid, true) FROM pg_rewrite r
             WHERE r.ev_class IN {member_tables} AND r.rulename <> '_RETURN'"""):
        cat["rules"][f"{tbl}: {name}"] = rdef
    for tbl, name, cmd, perm, roles_, qual, wchk in rows(cur, f"""
            SELECT p.polrelid::regclass::text, p.polname, p.polcmd, p.polpermissive,
                   array(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END FROM unnest(p.polroles) r ORDER BY 1),
                   pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
              FROM pg_policy p WHERE p.polrelid IN {member_tables}"""):
        cat["policies"][f"{tbl}: {name}"] = f"command {cmd}, permissive {perm}, roles {roles_}, using {qual}, check {wchk}"
    for r in rows(cur, f"""
            SELECT o.oid::regoperator::text, o.oprkind, o.oprcanmerge, o.oprcanhash, o.oprcode::regprocedure::text,
                   nullif(o.oprcom, 0)::regoperator::text, nullif(o.oprnegate, 0)::regoperator::text,
                   nullif(o.oprrest, 0)::regprocedure::text, nullif(o.oprjoin, 0)::regprocedure::text,
                   format_type(o.oprresult, NULL)
              FROM pg_operator o WHERE o.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_operator'::regclass)"""):
        cat["operators"][r[0]] = ", ".join(str(x) for x in r[1:])
    for r in rows(cur, f"""
            SELECT format('(%s AS %s)', format_type(c.castsource, NULL), format_type(c.casttarget, NULL)),
                   nullif(c.castfunc, 0)::regprocedure::text, c.castcontext, c.castmethod
              FROM pg_cast c WHERE c.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_cast'::regclass)"""):
        cat["casts"][r[0]] = ", ".join(str(x) for x in r[1:])
    for r in rows(cur, f"""
            SELECT format('%s USING %s', oc.opcname, am.amname), format_type(oc.opcintype, NULL), oc.opcdefault,
                   format_type(nullif(oc.opckeytype, 0), NULL), of.opfname,
                   (SELECT string_agg(format('%s %s', ao.amopstrategy, ao.amopopr::regoperator), ', ' ORDER BY ao.amopstrategy)
                      FROM pg_amop ao WHERE ao.amopfamily = oc.opcfamily),
                   (SELECT string_agg(format('%s %s', ap.amprocnum, ap.amproc::regprocedure), ', ' ORDER BY ap.amprocnum)
                      FROM pg_amproc ap WHERE ap.amprocfamily = oc.opcfamily)
              FROM pg_opclass oc JOIN pg_am am ON am.oid = oc.opcmethod JOIN pg_opfamily of ON of.oid = oc.opcfamily
             WHERE oc.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_opclass'::regclass)"""):
        cat["operator classes"][r[0]] = ", ".join(str(x) for x in r[1:])
    for r in rows(cur, f"""
            SELECT e.evtname, e.evtevent, e.evtfoid::regprocedure::text, e.evtenabled, e.evttags
              FROM pg_event_trigger e WHERE e.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_event_trigger'::regclass)"""):
        cat["event triggers"][r[0]] = ", ".join(str(x) for x in r[1:])

    # comments of the members and of what belongs to them (columns, constraints, indexes, triggers, rules, policies)
    for desc, comment in rows(cur, f"""
            WITH objs(classid, objid, objsubid) AS (
                SELECT classid, objid, 0 FROM {mem} m
                UNION SELECT 'pg_class'::regclass, a.attrelid, a.attnum FROM pg_attribute a
                       WHERE a.attrelid IN {member_tables} AND a.attnum > 0 AND NOT a.attisdropped
                UNION SELECT 'pg_class'::regclass, a.attrelid, a.attnum FROM pg_attribute a JOIN pg_type t ON t.typrelid = a.attrelid
                       WHERE t.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_type'::regclass) AND a.attnum > 0
                UNION SELECT 'pg_constraint'::regclass, co.oid, 0 FROM pg_constraint co WHERE co.conrelid IN {member_tables}
                UNION SELECT 'pg_class'::regclass, i.indexrelid, 0 FROM pg_index i WHERE i.indrelid IN {member_tables}
                UNION SELECT 'pg_trigger'::regclass, t.oid, 0 FROM pg_trigger t
                       WHERE t.tgrelid IN {member_tables} AND NOT t.tgisinternal
                UNION SELECT 'pg_rewrite'::regclass, r.oid, 0 FROM pg_rewrite r
                       WHERE r.ev_class IN {member_tables} AND r.rulename <> '_RETURN'
                UNION SELECT 'pg_policy'::regclass, p.oid, 0 FROM pg_policy p WHERE p.polrelid IN {member_tables})
            SELECT pg_describe_object(o.classid, o.objid, o.objsubid), d.description
              FROM objs o LEFT JOIN pg_description d ON d.classoid = o.classid AND d.objoid = o.objid AND d.objsubid = o.objsubid"""):
        cat["comments"][desc] = comment if comment is not None else "(no comment)"

    # privileges: the ACLs (sorted), and the initial privileges pg_dump compares them with
    for desc, a in rows(cur, f"""
            SELECT 'schema ' || n.nspname, n.nspacl::text[] FROM pg_namespace n
             WHERE n.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_namespace'::regclass)
                OR n.oid = (SELECT extnamespace FROM pg_extension WHERE oid = {ext})
            UNION ALL SELECT 'relation ' || c.oid::regclass::text, c.relacl::text[] FROM pg_class c WHERE c.oid IN {rel_q}
            UNION ALL SELECT 'type ' || format_type(t.oid, NULL), t.typacl::text[] FROM pg_type t
                       WHERE t.oid IN (SELECT objid FROM {mem} m WHERE classid = 'pg_type'::regclass)
            """):
        cat["privileges"][desc] = acl(a)
    for desc, a in rows(cur, f"""
            SELECT format('%s in %s on %s', d.defaclrole::regrole, d.defaclnamespace::regnamespace, d.defaclobjtype),
                   d.defaclacl::text[]
              FROM pg_default_acl d WHERE d.defaclnamespace = (SELECT extnamespace FROM pg_extension WHERE oid = {ext})"""):
        cat["default privileges"][desc] = acl(a)
    for desc, kind, a in rows(cur, f"""
            SELECT pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs::text[]
              FROM pg_init_privs i
             WHERE (i.classoid, i.objoid) IN (SELECT classid, objid FROM {mem} m)
                OR (i.classoid = 'pg_class'::regclass AND i.objoid IN {rel_q})"""):
        cat["initial privileges"][desc] = f"{kind} {acl(a)}"

    # configuration tables dumped by pg_dump
    for name, cond in rows(cur, f"""
            SELECT c::regclass::text, cond FROM pg_extension e,
                   unnest(e.extconfig::oid[], e.extcondition) u(c, cond) WHERE e.oid = {ext}"""):
        cat["config tables"][name] = repr(cond)
    return cat


def nonmembers(cur):
    """Objects in schema mlmon that do not belong to the extension."""
    return {r[0]: "" for r in rows(cur, """
        SELECT pg_describe_object(x.classid, x.objid, 0) FROM (
            SELECT 'pg_class'::regclass AS classid, c.oid AS objid FROM pg_class c
             WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
            UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace
            UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t
             WHERE t.typnamespace = 'mlmon'::regnamespace AND t.typtype <> 'c' AND t.typelem = 0 AND t.typrelid = 0) x
         WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = x.classid AND d.objid = x.objid
                              AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e')""")}


def shipped_rows(cur, columns):
    """The rows of the extension's tables in a database without data: what the
    install (or upgrade) script inserted, on the given columns (identity
    columns left out)."""
    out = {}
    for rel, cols in sorted(columns.items()):
        try:
            for r, n in rows(cur, f"SELECT ROW({', '.join(cols)})::text, count(*) FROM ONLY {rel} GROUP BY 1"):
                out[f"{rel}: {r}"] = f"{n} row(s)"
        except psycopg2.Error as e:
            out[f"{rel}: (unreadable)"] = e.diag.message_primary
    return out


def shipped_columns(cur):
    return {r[0]: list(r[1]) for r in rows(cur, """
        SELECT c.oid::regclass::text, array_agg(quote_ident(a.attname) ORDER BY a.attnum)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                              AND a.attidentity = ''
         WHERE c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
                    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mlmon'))
         GROUP BY 1""")}


AUTO_NAME = re.compile(r"^(.*_(?:idx|key|pkey|excl|fkey|check|not_null))\d*$")


def normalize_indexes(upg, fresh):
    """Indexes whose only difference is the counter PostgreSQL appends to a
    generated name (t_a_idx vs t_a_idx1: the name was taken when the upgrade
    created it) are matched by definition; returns notes."""
    out = []
    only_u = {k: v for k, v in upg.items() if k not in fresh}
    only_f = {k: v for k, v in fresh.items() if k not in upg}
    for ku, vu in list(only_u.items()):
        tu, nu = ku.split(": ", 1)
        mu = AUTO_NAME.match(nu)
        if not mu:
            continue
        for kf, vf in list(only_f.items()):
            tf, nf = kf.split(": ", 1)
            mf = AUTO_NAME.match(nf)
            if tf == tu and mf and mf.group(1) == mu.group(1) and vu.replace(nu, "#") == vf.replace(nf, "#"):
                upg[kf] = upg.pop(ku).replace(nu, nf)
                only_f.pop(kf)
                out.append(f"index {ku} is named {nf} in a fresh install (generated names; same definition)")
                break
    return out


HINTS = {
    "extension": "the extension's schema, relocatability or owner differ",
    "member objects": "objects created by the install script but not by the upgrade script, or left behind by it",
    "functions": "CREATE OR REPLACE FUNCTION as in the install script (ALTER FUNCTION for markings, "
                 "DROP and CREATE when the result type or argument names change), with its COMMENT and GRANT/REVOKE",
    "aggregates": "DROP AGGREGATE and CREATE AGGREGATE as in the install script (support functions first)",
    "types": "CREATE TYPE / ALTER TYPE ... ADD ATTRIBUTE as in the install script",
    "relations": "CREATE TABLE / VIEW, or ALTER TABLE (columns added by ALTER TABLE ADD COLUMN go last: declare "
                 "them last in the install script too), with COMMENT and GRANT/REVOKE",
    "sequences": "the sequence's options as in the install script",
    "constraints": "ALTER TABLE ... ADD/DROP CONSTRAINT as in the install script",
    "indexes": "CREATE INDEX / DROP INDEX as in the install script",
    "views": "CREATE OR REPLACE VIEW as in the install script (DROP and CREATE when its columns change)",
    "triggers": "CREATE OR REPLACE TRIGGER as in the install script",
    "rules": "CREATE OR REPLACE RULE as in the install script",
    "policies": "CREATE / ALTER POLICY as in the install script",
    "operators": "CREATE OPERATOR as in the install script",
    "casts": "CREATE CAST as in the install script",
    "operator classes": "CREATE OPERATOR CLASS as in the install script",
    "event triggers": "CREATE EVENT TRIGGER as in the install script",
    "comments": "COMMENT ON ... IS '...' exactly as in the install script",
    "privileges": "GRANT / REVOKE as in the install script (functions' ACLs are under functions, columns' under "
                  "relations)",
    "default privileges": "ALTER DEFAULT PRIVILEGES as in the install script",
    "initial privileges": "GRANT / REVOKE inside the upgrade script, as the install script does (pg_dump compares "
                          "ACLs with these)",
    "config tables": "SELECT pg_catalog.pg_extension_config_dump('@extschema@.<table>', '<condition>') "
                     "as in the install script",
    "rows the extension ships": "INSERT (or UPDATE, DELETE) the default rows of the install script, e.g. new default "
                                "alert rules or playbook entries",
    "objects in schema mlmon that are not extension members": "objects the upgrade script left outside the extension "
                                                              "(or a fresh install does)",
}


def diff_catalogs(upg, fresh, label_u):
    """[(category, key, text)] of the differences."""
    items = []
    for category in sorted(set(upg) | set(fresh)):
        a, b = dict(upg.get(category, {})), dict(fresh.get(category, {}))
        if category == "indexes":
            for n in normalize_indexes(a, b):
                notes.append(n)
        for key in sorted(set(a) | set(b)):
            if (key not in a or key not in b) and category in ("comments", "privileges"):
                continue        # the object itself is missing on one side: reported under its own category
            if key not in b:
                items.append((category, key, f"only in {label_u} (the upgrade leaves it; a fresh install has none):\n"
                                             + indent(a[key])))
            elif key not in a:
                items.append((category, key, "missing after the update (a fresh install has it):\n" + indent(b[key])))
            elif a[key] != b[key]:
                d = difflib.unified_diff(b[key].split("\n"), a[key].split("\n"), f"fresh {DEFAULT} install",
                                         label_u, lineterm="", n=2)
                items.append((category, key, "differs:\n" + indent("\n".join(d))))
    return items


def indent(text, pad="        "):
    lines = text.split("\n")
    if len(lines) > 60:
        lines = lines[:60] + [f"... ({len(lines) - 60} more lines)"]
    return "\n".join(pad + line for line in lines)


def print_catalog_diff(section, items, upgrade_script):
    by_cat = collections.defaultdict(list)
    for category, key, text in items:
        by_cat[category].append((key, text))
    out = [f"the catalog after ALTER EXTENSION {EXT} UPDATE differs from a fresh CREATE EXTENSION {EXT} "
           f"({len(items)} differences).  Fix {upgrade_script} so that it does what the install script does:"]
    for category in sorted(by_cat):
        out.append(f"  == {category}: {HINTS.get(category, '')}")
        for key, text in by_cat[category]:
            where = locate(category, key)
            out.append(f"    * {key}" + (f"   [install script: {', '.join(where[:3])}]" if where else ""))
            out.append(text)
    fail(section, "\n".join(out))


# --------------------------------------------------------------------------
# checks after the update

def check_results(cur, cid):
    return sorted((r[0], r[1], r[2] or "", repr(r[3]), r[4] or "") for r in rows(cur, """
        SELECT "check", metric, feature, value, method FROM mlmon.check_results WHERE check_id = %s""", (cid,)))


def open_alerts(cur):
    return sorted(tuple(str(x) for x in r) for r in rows(cur, """
        SELECT model, type, severity, coalesce(feature, ''), coalesce(features, '{}') FROM mlmon.alerts
         WHERE status = 'open'"""))


def keys_of(j):
    if isinstance(j, dict):
        return {k: keys_of(v) for k, v in j.items()}
    if isinstance(j, list):
        return [keys_of(j[0])] if j else []
    return type(j).__name__ if j is not None else "null"


def consistency(section, cur, cid, model, ws, we):
    """A check's results agree with the log they were computed from."""
    n, nl, applied, cws, cwe = rows(cur, "SELECT n_rows, n_labeled, alerts_applied, window_start, window_end "
                                         "FROM mlmon.checks WHERE check_id = %s", (cid,))[0]
    check(section, f"{model} check {cid}: window recorded", (cws, cwe) == (ws, we), f"{(cws, cwe)}")
    check(section, f"{model} check {cid}: the alert rules saw it", applied is True)
    res = {(r[0], r[1]): r[3] for r in rows(cur, """SELECT "check", metric, feature, value FROM mlmon.check_results
                                                     WHERE check_id = %s AND feature IS NULL""", (cid,))}
    if model == "churn":
        want_n, want_l, correct = rows(cur, """
            SELECT count(*), count(l.label), count(*) FILTER (WHERE l.label = p.predicted_label)
              FROM mlmon.predictions p LEFT JOIN mlmon.labels l ON l.model = p.model AND l.request_id = p.request_id
             WHERE p.model = 'churn' AND p.ts >= %s AND p.ts < %s""", (ws, we))[0]
        check(section, f"churn check {cid}: accuracy = correct / labelled rows counted in SQL",
              want_l > 0 and abs(res.get(("performance", "accuracy"), -1) - correct / want_l) <= 1e-12,
              f"{res.get(('performance', 'accuracy'))} vs {correct}/{want_l}")
        feats = one(cur, """SELECT count(DISTINCT feature) FROM mlmon.check_results
                             WHERE check_id = %s AND "check" = 'data_drift' AND metric = 'drift_detected'
                               AND feature IS NOT NULL""", (cid,))
        nref = one(cur, "SELECT count(*) FROM mlmon.reference_profiles WHERE model = 'churn' AND role = 'feature'")
        check(section, f"churn check {cid}: a drift verdict for every reference feature", feats == nref and nref == 6,
              f"{feats} verdicts, {nref} features")
    else:
        want_n, want_l = rows(cur, "SELECT count(*), count(actual_min) FROM public.eta_log WHERE ts >= %s AND ts < %s",
                              (ws, we))[0]
    check(section, f"{model} check {cid}: rows = the log's rows in the window",
          (n, res.get(("volume", "rows"))) == (want_n, float(want_n)), f"{n}, {res.get(('volume', 'rows'))} vs {want_n}")
    check(section, f"{model} check {cid}: labelled rows = the labels joined in SQL",
          (nl, res.get(("volume", "labeled_rows"))) == (want_l, float(want_l)), f"{nl} vs {want_l}")


def steps_after_update(cur, d):
    """What a team does after the update, the same in the updated database and
    in the one that ran the default version from the start: check ids."""
    ids = {}
    eta_window = (d.base - datetime.timedelta(hours=30), d.base)
    # 1. checks right away, on the reference frozen before the update
    ids["churn"] = one(cur, "SELECT mlmon.run_checks('churn', %s, %s)", d.after_window)
    ids["eta"] = one(cur, "SELECT mlmon.run_checks('eta', %s, %s)", eta_window)
    ids["again_old"] = one(cur, "SELECT mlmon.run_checks('churn', %s, %s)", d.windows[-1])
    # 2. the reference frozen again (the default version may store more with it), and the same checks
    cur.execute("SELECT mlmon.set_reference('churn', %s, %s)",
                (d.base - datetime.timedelta(days=6), d.base - datetime.timedelta(days=3)))
    cur.execute("""SELECT mlmon.set_reference('eta', 'SELECT jsonb_build_object(''distance_km'', distance_km, ''hour'', hour,
                       ''vehicle'', vehicle) AS features, predicted_min AS predicted_value, actual_min AS actual
                       FROM public.eta_training')""")
    ids["churn_re"] = one(cur, "SELECT mlmon.run_checks('churn', %s, %s)", d.after_window)
    ids["eta_re"] = one(cur, "SELECT mlmon.run_checks('eta', %s, %s)", eta_window)
    # 3. the last window checked before the update, again
    ids["again"] = one(cur, "SELECT mlmon.run_checks('churn', %s, %s)", d.windows[-1])
    return ids


def count_rows(cur):
    return dict(rows(cur, """
        SELECT 'alerts', count(*) FROM mlmon.alerts UNION ALL SELECT 'checks', count(*) FROM mlmon.checks
        UNION ALL SELECT 'predictions', count(*) FROM mlmon.predictions
        UNION ALL SELECT 'in default partition', count(*) FROM mlmon.predictions_default
        UNION ALL SELECT 'labels', count(*) FROM mlmon.labels
        UNION ALL SELECT 'open alerts', count(*) FROM mlmon.alerts WHERE status = 'open'
        UNION ALL SELECT 'resolved alerts', count(*) FROM mlmon.alerts WHERE status = 'resolved'
        UNION ALL SELECT 'check results', count(*) FROM mlmon.check_results
        UNION ALL SELECT 'per-model alert rules', count(*) FROM mlmon.alert_rules WHERE model IS NOT NULL"""))


# Tables of derived state that pg_dump leaves out by design (sql/monitoring.sql): the checks' stored
# summaries and the record of what made them stale; after a restore the checks build them again.
CACHE_TABLES = {"mlmon.summaries", "mlmon.summary_invalidations"}


def dump_and_restore(section, src_db, dst_db, bindir):
    """pg_dump src_db, restore it into a new dst_db with psql: stderr of the
    restore ('' when clean), and the table fingerprints of both (identity
    columns left out: a fresh CREATE EXTENSION numbers its own default rows)."""
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "dump.sql")
        r = subprocess.run([os.path.join(bindir, "pg_dump"), "-f", dump, src_db], capture_output=True, text=True)
        if r.returncode != 0:
            return f"pg_dump failed: {r.stderr.strip()}", {}, {}
        create_db(dst_db)
        # (on through errors, as a user restoring would: the tables then show what was lost)
        r = subprocess.run([os.path.join(bindir, "psql"), "-X", "-q", "-d", dst_db, "-f", dump],
                           capture_output=True, text=True)
    err = "\n        ".join(line for line in r.stderr.strip().split("\n") if line) if r.returncode or r.stderr.strip() else ""
    out = []
    for db in (src_db, dst_db):
        cur = connect(db).cursor()
        fp = {}
        for rel, (c, ident) in table_columns(cur).items():
            keep = sorted(x for x in c if x not in ident)      # (by name: the column order may differ)
            fp[rel] = fingerprint(cur, rel, keep)
        out.append(fp)
        cur.connection.close()
    return err, out[0], out[1]


# A check of a source that the update left untracked reads every row of its window; the same check of a
# tracked source (a database on the default version from the start) merges stored summaries, whose sums
# round differently: equal within 1e-12 relative, as test/oracle/test_summaries.py has it (counts and
# decisions, being integers, stay exact).
REL = 1e-12


def same_result(a, b):
    """(value repr, method) pairs: equal, or the values within REL of each other."""
    if a == b:
        return True
    try:
        x, y = float(a[0]), float(b[0])
    except ValueError:
        return False
    return a[1:] == b[1:] and abs(x - y) <= REL * max(abs(x), abs(y))


def same_results(got, want):
    return len(got) == len(want) and all(g[:3] == w[:3] and same_result(g[3:], w[3:]) for g, w in zip(got, want))


def subset_of(got, want):
    """got's results all in want, with the same values: (missing keys, differing)."""
    g = {r[:3]: r[3:] for r in got}
    w = {r[:3]: r[3:] for r in want}
    differing = [f"{k}: {g[k]} vs {w[k]}" for k in g if k in w and not same_result(g[k], w[k])]
    extra = [k for k in g if k not in w]
    missing = sorted({k[0] for k in w if k not in g})
    return missing, differing + [f"{k}: only after the update" for k in extra]


def upgrade_one(version, d, fresh_calls):
    section = f"update from {version}"
    upgrade_script = (f"sql/{EXT}--{version}--{DEFAULT}.sql"
                      if os.path.exists(os.path.join(ROOT, "sql", f"{EXT}--{version}--{DEFAULT}.sql"))
                      else f"the upgrade scripts from {version}")
    src_db, fresh_db = dbname_for("data", version), dbname_for("fresh", version)
    cur = create_db(src_db)
    cur.execute("SET check_function_bodies = on")   # every C symbol is looked up in the installed library
    cur.execute(f"CREATE EXTENSION {EXT} VERSION %s", (version,))
    check(section, "installed version", one(cur, "SELECT extversion FROM pg_extension WHERE extname = 'mlmon'") == version)
    check_old_sql_new_library(version, cur, fresh_calls)
    cur.connection.close()
    cur = connect(src_db).cursor()      # (without the temporary tables of the calls)

    # the same data in the old version and in the default version
    load_data(cur, d, ROLES["reader_before"], ROLES["writer_before"])
    fcur = create_db(fresh_db)
    fcur.execute(f"CREATE EXTENSION {EXT}")
    load_data(fcur, d, ROLES["reader_before"], ROLES["writer_before"],
              extra_grants=(ROLES["reader_after"], ROLES["writer_after"]))
    counts = count_rows(cur)
    log(f"{version}: data loaded: {counts}")
    for k in ("open alerts", "resolved alerts", "in default partition", "check results", "per-model alert rules"):
        check(section, f"the {version} data has {k}", counts[k] > 0, str(counts))
    before_results = check_results(cur, one(cur, "SELECT max(check_id) FROM mlmon.checks WHERE model = 'churn'"))
    priv_before = {k: privileges(cur, ROLES[k]) for k in ("reader_before", "writer_before")}

    # fingerprints, on the columns the tables have now
    cols = table_columns(cur)
    fps = {rel: fingerprint(cur, rel, c) for rel, (c, _) in cols.items()}
    texts = {rel: row_texts(cur, rel, c) for rel, (c, _) in cols.items()}
    seqs = sequences(cur)
    log(f"{version}: {len(fps)} tables fingerprinted ({sum(v[0] for v in fps.values())} rows), {len(seqs)} sequences")

    t = time.time()
    cur.execute(f"ALTER EXTENSION {EXT} UPDATE")
    log(f"{version}: ALTER EXTENSION {EXT} UPDATE took {time.time() - t:.2f} s")
    got = one(cur, "SELECT extversion FROM pg_extension WHERE extname = 'mlmon'")
    check(section, "the version after ALTER EXTENSION UPDATE is the default one", got == DEFAULT, f"{got}, want {DEFAULT}")

    # the data is untouched: rows the update adds must be rows a fresh install ships
    cols_after = table_columns(cur)
    pristine = connect(PRISTINE_DB).cursor()
    for rel, (c, ident) in sorted(cols.items()):
        if rel not in cols_after:
            fail(section, f"table {rel} is gone after the update (with its {fps[rel][0]} rows)")
            continue
        missing = [x for x in c if x not in cols_after[rel][0]]
        if missing:
            fail(section, f"table {rel}: columns {missing} are gone after the update")
            continue
        fp = fingerprint(cur, rel, c)
        if fp == fps[rel]:
            continue
        now_rows = collections.Counter(row_texts(cur, rel, c))
        old_rows = collections.Counter(texts[rel])
        lost, added = old_rows - now_rows, now_rows - old_rows
        if lost:
            fail(section, f"table {rel}: {sum(lost.values())} rows changed or deleted by the update (count, md5 before "
                          f"{fps[rel]}, after {fp}); e.g.:\n        " + "\n        ".join(list(lost)[:5]))
        if added:
            keep = [x for x in c if x not in ident] or c
            added_k = collections.Counter(r[0] for r in rows(cur, f"""SELECT ROW({', '.join(keep)})::text FROM {rel}
                                                                     WHERE ROW({', '.join(c)})::text = ANY (%s)""",
                                                             (list(added),)))
            try:
                shipped = collections.Counter(row_texts(pristine, rel, keep))
            except psycopg2.Error:
                shipped = collections.Counter()
            extra = added_k - shipped
            if extra:
                fail(section, f"table {rel}: the update added {sum(extra.values())} rows a fresh install does not have:"
                              "\n        " + "\n        ".join(list(extra)[:5]))
            else:
                notes.append(f"{version}: the update added to {rel} the {sum(added.values())} default rows a fresh "
                             f"install ships: " + "; ".join(list(added_k)[:5]))
    new_tables = sorted(set(cols_after) - set(cols))
    if new_tables:
        notes.append(f"{version}: tables new in {DEFAULT} (not fingerprinted): {', '.join(new_tables)}")
    seqs_after = sequences(cur)
    for sq, (pos, owner, col) in seqs.items():
        after = seqs_after.get(sq, (None,))[0]
        # an identity sequence moves only by the default rows the update added to its table
        new_ids = one(cur, f"SELECT count(*) FROM {owner} WHERE {col} > %s", (pos or 0,)) if owner and col else 0
        want = (pos or 0) + new_ids if new_ids else pos
        check(section, f"sequence {sq} keeps its position (or moves by the rows the update added to {owner})",
              after == want, f"{pos} -> {after}, want {want}")

    def after_update_checks():
        # An update from a version without calibrations calibrates the references frozen from the log (CBPE)
        # with the labels known now; the database on the default version from the start calibrated them when
        # it froze them, before late labels arrived.  Calibrate it again now: both must then hold the same
        # calibrations.  A version that had calibrations keeps the ones it made when it froze them.
        if one(fcur, "SELECT to_regclass('mlmon.calibrations') IS NOT NULL"):
            if "mlmon.calibrations" not in cols:
                for m, ws, we in rows(fcur, "SELECT model, window_start, window_end FROM mlmon.reference_windows "
                                            "WHERE window_start IS NOT NULL ORDER BY model"):
                    fcur.execute("SELECT mlmon._set_calibration(%s, mlmon._source(%s), %s, %s)", (m, m, ws, we))
            cal_sql = ("SELECT model, positive_label, negative_label, calibration::text, n FROM mlmon.calibrations "
                       "ORDER BY model")
            check(section, "the update calibrates every reference frozen from the log as the default version does",
                  rows(cur, cal_sql) == rows(fcur, cal_sql) and len(rows(cur, cal_sql)) > 0,
                  diff_lists(rows(cur, cal_sql), rows(fcur, cal_sql)))
        # run_checks and report after the update, step by step with the database that ran the default version
        ids = steps_after_update(cur, d)
        fids = steps_after_update(fcur, d)
        eta_window = (d.base - datetime.timedelta(hours=30), d.base)
        for model, window in (("churn", d.after_window), ("eta", eta_window)):
            got, want = check_results(cur, ids[model]), check_results(fcur, fids[model])
            missing, differing = subset_of(got, want)
            check(section, f"run_checks('{model}') right after the update, on the reference frozen before it: every "
                  f"result as the default version's on the same data", not differing and len(got) > 10,
                  "\n        " + "\n        ".join(differing[:12]))
            if missing:
                notes.append(f"{version}: right after the update, before the reference is frozen again, run_checks('{model}') "
                             f"gives no {', '.join(missing)} results that a database on {DEFAULT} from the start gives "
                             f"({len(want) - len(got)} results; what {DEFAULT} stores with a reference is not built for "
                             f"references frozen before the update)")
            consistency(section, cur, ids[model], model, *window)
            got, want = check_results(cur, ids[model + "_re"]), check_results(fcur, fids[model + "_re"])
            check(section, f"run_checks('{model}') after the update, reference frozen again: the default version's "
                  f"results on the same data", same_results(got, want) and len(got) > 10, diff_lists(got, want))
            consistency(section, cur, ids[model + "_re"], model, *window)
        got, want = check_results(cur, ids["again"]), check_results(fcur, fids["again"])
        check(section, "re-check of the last window checked before the update: the default version's results",
              same_results(got, want), diff_lists(got, want))
        consistency(section, cur, ids["again"], "churn", *d.windows[-1])
        got = check_results(cur, ids["again_old"])
        missing, differing = subset_of(got, check_results(fcur, fids["again_old"]))
        check(section, "re-check of the last window checked before the update, on the old reference: every result as "
              "the default version's", not differing, "\n        " + "\n        ".join(differing[:12]))
        if got != before_results:
            notes.append(f"{version}: the last window checked before the update, checked again right after it, gives "
                         f"other results (the checks changed in {DEFAULT}):"
                         f"{diff_lists(got, before_results, 'the re-check', 'the check before the update')}")
        check(section, "open alerts after the checks: the default version's on the same data",
              open_alerts(cur) == open_alerts(fcur), diff_lists(open_alerts(cur), open_alerts(fcur)))
        dup = rows(cur, """SELECT model, type, feature, count(*) FROM mlmon.alerts WHERE status = 'open'
                            GROUP BY 1, 2, 3 HAVING count(*) > 1""")
        check(section, "at most one open alert per model, type and feature", not dup, str(dup))
        rep, rep_f = one(cur, "SELECT mlmon.report('churn')"), one(fcur, "SELECT mlmon.report('churn')")
        shape = {k: keys_of(v) for k, v in rep.items() if k not in ("alerts", "recommendations")}
        shape_f = {k: keys_of(v) for k, v in rep_f.items() if k not in ("alerts", "recommendations")}
        check(section, "report('churn') after the update has the default version's shape",
              (sorted(rep), shape) == (sorted(rep_f), shape_f), f"{json.dumps(shape)[:400]} vs {json.dumps(shape_f)[:400]}")
        check(section, "report('churn') after the update: model, period end and recommendations as the default version's",
              (rep.get("model"), rep.get("monitoring_period", {}).get("end"), rep.get("recommendations")) ==
              (rep_f.get("model"), rep_f.get("monitoring_period", {}).get("end"), rep_f.get("recommendations")),
              f"\n        updated: {json.dumps(rep)[:600]}\n        fresh:   {json.dumps(rep_f)[:600]}")
        n_checks = one(cur, "SELECT count(*) FROM mlmon.checks WHERE model = 'churn'")
        check(section, "report counts the checks made before and after the update",
              rep.get("monitoring_period", {}).get("n_batches") == n_checks, f"{rep.get('monitoring_period')} vs {n_checks}")
        default_cid = one(cur, "SELECT mlmon.run_checks('churn')")
        ws, we = rows(cur, "SELECT window_start, window_end FROM mlmon.checks WHERE check_id = %s", (default_cid,))[0]
        check(section, "run_checks('churn') with the model's default window (12 hours) after the update",
              we - ws == datetime.timedelta(hours=12), f"{ws} .. {we}")
        consistency(section, cur, default_cid, "churn", ws, we)
        fcur.execute("SELECT mlmon.run_checks('churn')")

    def privileges_after_update():
        # privileges: roles granted before the update against roles granted after it, and in a fresh install
        for k in ("reader_after", "writer_after"):
            cur.execute(f"SELECT mlmon.grant_{k.split('_')[0]}(%s)", (ROLES[k],))
        for kind in ("reader", "writer"):
            b = privileges(cur, ROLES[f"{kind}_before"])
            a = privileges(cur, ROLES[f"{kind}_after"])
            compare_privileges(section, f"{kind}s in the updated database", f"{kind} granted before the update", b,
                               f"{kind} granted after it", a)
            compare_privileges(section, f"{kind}s", f"{kind} granted in {version}, updated", b,
                               f"the same role granted in a fresh {DEFAULT} install", privileges(fcur, ROLES[f"{kind}_before"]),
                               only_common=True)
            ch = [k for k in sorted(set(b) & set(priv_before[f"{kind}_before"]))
                  if b[k] != priv_before[f"{kind}_before"][k]]
            if ch:
                notes.append(f"{version}: the update changed what the {kind} may do on: {', '.join(ch[:10])}")
            granted = [k for k, v in b.items() if v != "-" and k != "schema mlmon"]
            check(section, f"the {kind} granted before the update still has grants", len(granted) >= 2, str(granted))
        for c_ in (cur, fcur):
            res = [use_roles(c_, d, ROLES["reader_before"], ROLES["writer_before"], "w-after-1",
                             d.base + datetime.timedelta(minutes=2)),
                   use_roles(c_, d, ROLES["reader_after"], ROLES["writer_after"], "w-after-2",
                             d.base + datetime.timedelta(minutes=3))]
            if c_ is cur:
                check(section, "the reader and writer granted before the update, and those granted after it, work "
                      "(log, label, report, views)", all(n == "churn" and s > 0 for n, s in res), str(res))
        lab = rows(cur, "SELECT request_id, label FROM mlmon.labels WHERE request_id LIKE 'w-%' ORDER BY 1")
        check(section, "the writers' labels are there", lab == [("w-after-1", "1"), ("w-after-2", "1"), ("w-before", "1")],
              str(lab))

    def dump_and_restore_updated():
        # pg_dump of the updated database restores into a fresh install, as one of the default version does
        bindir = one(acur, "SELECT setting FROM pg_config WHERE name = 'BINDIR'")
        for db, label in ((fresh_db, f"a database on {DEFAULT} from the start"), (src_db, f"the database updated from {version}")):
            err, fp_src, fp_dst = dump_and_restore(section, db, f"{db}_restored", bindir)
            diffs = [f"{t}: {fp_src[t]} -> {fp_dst.get(t)}" for t in sorted(fp_src)
                     if fp_src[t] != fp_dst.get(t) and t not in CACHE_TABLES]
            check(section, f"pg_dump of {label} restores into a fresh CREATE EXTENSION without error and with every row",
                  not err and not diffs,
                  (f"\n        restore: {err[:800]}" if err else "") + ("\n        tables (rows, md5 on non-identity columns) "
                                                                      "source -> restored:\n          "
                                                                      + "\n          ".join(diffs[:12]) if diffs else ""))

    def catalog_against_fresh():
        # the catalog: an updated empty database, then this one with its data, against fresh installs
        ecur = create_db(dbname_for("empty", version))
        ecur.execute(f"CREATE EXTENSION {EXT} VERSION %s", (version,))
        ecur.execute(f"ALTER EXTENSION {EXT} UPDATE")
        upg_cat = catalog(ecur)
        upg_cat["objects in schema mlmon that are not extension members"] = nonmembers(ecur)
        fresh_cat = catalog(pristine)
        fresh_cat["objects in schema mlmon that are not extension members"] = nonmembers(pristine)
        scols = shipped_columns(pristine)
        upg_cat["rows the extension ships"] = shipped_rows(ecur, scols)
        fresh_cat["rows the extension ships"] = shipped_rows(pristine, scols)
        n_items = sum(len(v) for v in fresh_cat.values())
        check(section, "the catalog snapshot sees the extension", len(fresh_cat["functions"]) > 100
              and len(fresh_cat["relations"]) > 10 and len(fresh_cat["comments"]) > 100,
              str({k: len(v) for k, v in fresh_cat.items()}))
        items = diff_catalogs(upg_cat, fresh_cat, f"{version} updated to {DEFAULT}")
        log(f"{version}: catalog of an updated empty database against a fresh install: {n_items} items compared, "
            f"{len(items)} differences")
        if items:
            print_catalog_diff(f"{section}: catalog", items, upgrade_script)
        # the database with data (its roles' grants made in the same way in the fresh one)
        items_d = diff_catalogs(catalog(cur), catalog(fcur), f"{version} with data updated to {DEFAULT}")
        seen_keys = {(c_, k) for c_, k, _ in items}
        items_d = [x for x in items_d if (x[0], x[1]) not in seen_keys]
        log(f"{version}: catalog of the updated database with data against a fresh one with the same data: "
            f"{len(items_d)} further differences")
        if items_d:
            print_catalog_diff(f"{section}: catalog with data", items_d, upgrade_script)

    # the phases are independent: one that breaks (an exception) does not hide the others
    for phase in (after_update_checks, privileges_after_update, dump_and_restore_updated, catalog_against_fresh):
        try:
            phase()
        except Exception as ex:      # reported as a failure of its phase, with where it happened
            tb = traceback.extract_tb(ex.__traceback__)[-1]
            fail(section, f"{phase.__name__} stopped: {type(ex).__name__}: {str(ex).strip()} (line {tb.lineno}: {tb.line})")


def diff_lists(got, want, got_name="the updated database", want_name="the default version's"):
    if got == want:
        return ""
    g, w = collections.Counter(got), collections.Counter(want)
    only_g, only_w = list((g - w).elements()), list((w - g).elements())
    return (f"\n        {len(only_g)} only in {got_name}, e.g. {only_g[:6]}"
            f"\n        {len(only_w)} only in {want_name}, e.g. {only_w[:6]}")


def installed_files():
    """The installed extension files (size, mtime): the other sessions' make install shows here."""
    share = one(acur, "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")
    lib = one(acur, "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'")
    out = {}
    for p in sorted(glob.glob(os.path.join(share, "extension", f"{EXT}*")) + [os.path.join(lib, f"{EXT}.so")]):
        st = os.stat(p)
        out[p] = (st.st_size, st.st_mtime_ns)
    return share, out


# --------------------------------------------------------------------------

def main():
    log(f"released versions: {', '.join(RELEASED) or '(none)'}; default version {DEFAULT}")
    if not check("setup", "a released version to update from", bool(RELEASED)):
        return
    avail = {r[0] for r in rows(acur, "SELECT version FROM pg_available_extension_versions WHERE name = %s", (EXT,))}
    srv_default = one(acur, "SELECT default_version FROM pg_available_extensions WHERE name = %s", (EXT,))
    check("setup", "the server's default version is the repository's (make install)", srv_default == DEFAULT,
          f"server {srv_default}, mlmon.control {DEFAULT}")
    for v in RELEASED:
        check("setup", f"version {v} is installed on the server", v in avail, f"available: {sorted(avail)}")
        path = one(acur, "SELECT path FROM pg_extension_update_paths(%s) WHERE source = %s AND target = %s",
                   (EXT, v, DEFAULT))
        check("setup", f"an update path from {v} to {DEFAULT}", path is not None)
    if failures:
        return
    sharedir, files = installed_files()
    for p in sorted(glob.glob(os.path.join(ROOT, "sql", f"{EXT}--*.sql"))):
        inst = os.path.join(sharedir, "extension", os.path.basename(p))
        if not os.path.exists(inst) or open(inst, "rb").read() != open(p, "rb").read():
            notes.append(f"the installed {inst} is not the repository's {os.path.relpath(p, ROOT)} "
                         "(make install): the server's copy is what was tested")

    drop_everything()
    for r in ROLES.values():
        acur.execute(f"CREATE ROLE {r} NOLOGIN")
    base = one(acur, "SELECT date_trunc('hour', now())")
    d = Data(base)
    pcur = create_db(PRISTINE_DB)
    pcur.execute(f"CREATE EXTENSION {EXT}")
    bcur = connect(PRISTINE_DB).cursor()
    fresh_calls = binding_calls(bcur)      # (temporary tables, in a session of its own)
    bcur.connection.close()
    for v in RELEASED:
        upgrade_one(v, d, fresh_calls)
    if installed_files()[1] != files:
        fail("setup", "the installed extension files changed during the test (make install by another session): "
                      "the comparisons mixed two builds; run the test again")


try:
    main()
except Exception as e:     # an unexpected error is a failure with its traceback
    traceback.print_exc()
    failures.append(("error", f"{type(e).__name__}: {e}"))

for n in dict.fromkeys(notes):      # (each once, in order)
    print("NOTE", n)
elapsed = time.time() - T0
if failures:
    print(f"upgrade: {len(failures)} failures in {elapsed:.1f} s; databases kept for inspection: {', '.join(ALL_DBS)}")
    sys.exit(1)
drop_everything()
print(f"upgrade: every check passed for {', '.join(RELEASED)} -> {DEFAULT} in {elapsed:.1f} s")
