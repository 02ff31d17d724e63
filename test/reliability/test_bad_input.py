#!/usr/bin/python3
"""The bad-input matrix of every public function and aggregate of schema
mlmon, generated from the catalog, and the same functions (with plausible
arguments) and every view under a hostile search_path (pg_cron's style: a
schema first in the path whose functions and operators shadow the built-in
ones and raise): each argument in turn takes NULL and the
awkward values of its type (NaN, +-Infinity, 0, -1, 2^31-1, '', a long
string, an unknown name, an empty or malformed jsonb or profile), the others
plausible values.  Every call must return, or fail with a proper error: never
an internal error (SQLSTATE XX000) nor a lost connection.  Aggregates run
over 0, 1 and 3 rows.  The statistics' expected errors and results are
checked one by one in test/regress; this sweeps the whole API."""
import os
import sys

import psycopg2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))
from common import Checker  # noqa: E402
from opslib import connect, set_up_model  # noqa: E402

chk = Checker("bad-input matrix")
conn = connect()
cur = conn.cursor()
cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'badin'")
if cur.fetchone()[0] == 0:
    now, _ = set_up_model(cur, "badin")
    cur.execute("SELECT mlmon.run_checks('badin', %s - interval '1 hour', %s)", (now, now))
cur.execute("SELECT mlmon.profile(x) FROM generate_series(1, 50) x")
num_prof = cur.fetchone()[0]
cur.execute("SELECT mlmon.profile('c' || (x % 4)) FROM generate_series(1, 50) x")
cat_prof = cur.fetchone()[0]

GOOD = {"double precision": "1.5::float8", "boolean": "true", "text": "'badin'", "integer": "10",
        "bigint": "3::bigint", "jsonb": "'{\"a\": 1}'::jsonb", "interval": "'1 hour'::interval",
        "timestamp with time zone": "pg_catalog.now()", "mlmon.profile": f"'{num_prof}'::mlmon.profile",
        "regclass": "'mlmon.models'::regclass", "name": "'features'::name", "name[]": "ARRAY['a']::name[]",
        "text[]": "ARRAY['a']", "regrole": "'pg_monitor'::regrole", "bigint[]": "ARRAY[1]::bigint[]",
        "mlmon.calibration": "ROW('{0.1, 0.5, 0.9}', '{0, 0.5, 1}')::mlmon.calibration"}
BAD = {"double precision": ["'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", "0::float8", "-1::float8",
                            "1e308::float8"],
       "boolean": [],
       "text": ["''", "repeat('x', 100000)", "'no such thing'", "'two-sided'", "E'\\\\'''"],
       "integer": ["0", "-1", "2147483647"],
       "bigint": ["0::bigint", "-1::bigint", "9223372036854775807::bigint"],
       "jsonb": ["'{}'::jsonb", "'[]'::jsonb", "'null'::jsonb", "'\"x\"'::jsonb"],
       "interval": ["'0'::interval", "'-1 day'::interval", "'1000 years'::interval"],
       "timestamp with time zone": ["'infinity'::timestamptz", "'-infinity'::timestamptz"],
       "mlmon.profile": [f"'{cat_prof}'::mlmon.profile", "(SELECT mlmon.profile(x) FROM generate_series(1, 0) x)"],
       "regclass": ["'pg_class'::regclass"], "name": ["'no_such_column'::name"], "name[]": ["'{}'::name[]"],
       "text[]": ["'{}'::text[]", "ARRAY[NULL]::text[]"], "regrole": [], "bigint[]": [],
       "mlmon.calibration": ["ROW(NULL, NULL)::mlmon.calibration", "ROW('{}', '{}')::mlmon.calibration",
                             "ROW('{0.5, 0.1}', '{0, 1}')::mlmon.calibration", "ROW('{0.1}', '{0, 1}')::mlmon.calibration",
                             "ROW('{NaN}', '{0}')::mlmon.calibration", "ROW('{{0.1}}', '{{0}}')::mlmon.calibration",
                             "ROW('{0.1, NULL}', '{0, 1}')::mlmon.calibration"]}

cur.execute("""SELECT p.oid::regprocedure::text, p.proname, p.prokind,
                      array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t)
                 FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace AND p.proname !~ '^_'
                  AND p.proname NOT IN ('grant_reader', 'grant_writer', 'apply_retention', 'maintain_partitions',
                                        'schedule_checks', 'unschedule_checks', 'schedule_retention',
                                        'unschedule_retention', 'profile_in', 'profile_out', 'profile_recv',
                                        'profile_send')
                ORDER BY 1""")
functions = cur.fetchall()
calls = 0
failures = []
outcomes = {}
for sig, name, kind, types in functions:
    unknown = [t for t in types if t not in GOOD]
    if unknown:
        failures.append(f"{sig}: no test values for {unknown}")
        continue
    variants = [[GOOD[t] for t in types]]
    for i, t in enumerate(types):
        for v in ["NULL::" + ("float8" if t == "double precision" else t)] + BAD[t]:
            args = [GOOD[x] for x in types]
            args[i] = v
            variants.append(args)
    for args in variants:
        if kind == "a":
            # an aggregate over 0, 1 and 3 rows of the same arguments
            stmts = [f"SELECT mlmon.{name}({', '.join(args)}) FROM generate_series(1, {n}) g" for n in (0, 1, 3)]
        else:
            stmts = [f"SELECT * FROM mlmon.{name}({', '.join(args)})"]
        for stmt in stmts:
            calls += 1
            try:
                cur.execute("SET statement_timeout = '10s'")
                cur.execute(stmt)
                cur.fetchall()
                outcomes["ok"] = outcomes.get("ok", 0) + 1
            except psycopg2.OperationalError as e:
                failures.append(f"{stmt}: connection lost: {e}")
                conn = connect()
                cur = conn.cursor()
            except psycopg2.Error as e:
                outcomes[e.pgcode] = outcomes.get(e.pgcode, 0) + 1
                if e.pgcode == "XX000" or e.pgcode is None:
                    failures.append(f"{stmt[:150]}: internal error {e.pgcode}: {e.diag.message_primary}")
chk.equal("calls that lost the connection or hit an internal error", failures, [])

# a hostile search_path: every shadowing function raises 'hijacked'
cur.execute("DROP SCHEMA IF EXISTS evil CASCADE")
cur.execute("CREATE SCHEMA evil")
cur.execute("GRANT USAGE ON SCHEMA evil TO PUBLIC")
for fn, args, rettype in (("jsonb_typeof", "jsonb", "text"), ("now", "", "timestamptz"),
                          ("quote_literal", "text", "text"), ("quote_ident", "text", "text"),
                          ("to_jsonb", "anyelement", "jsonb"), ("hashtext", "text", "integer"),
                          ("lower", "text", "text"), ("replace", "text, text, text", "text"),
                          ("regexp_replace", "text, text, text", "text"), ("pg_notify", "text, text", "void"),
                          ("pg_advisory_xact_lock", "integer, integer", "void"),
                          ("array_to_string", "anyarray, text", "text"), ("cardinality", "anyarray", "integer")):
    cur.execute(f"CREATE FUNCTION evil.{fn}({args}) RETURNS {rettype} LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'hijacked'; END$$")
cur.execute("CREATE FUNCTION evil.texteq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$")
cur.execute("CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq)")
cur.execute("CREATE FUNCTION evil.jsonbeq(jsonb, text) RETURNS jsonb LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$")
cur.execute("CREATE OPERATOR evil.-> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.jsonbeq)")
hijacked = []
hostile = 0
hostile_ok = set()
cur.execute("SELECT c.oid::regclass::text FROM pg_class c WHERE c.relnamespace = 'mlmon'::regnamespace AND c.relkind = 'v'")
views = [r[0] for r in cur.fetchall()]
stmts = [f"SELECT * FROM {v}" for v in views]
for sig, name, kind, types in functions:
    if all(t in GOOD for t in types):
        args = ", ".join(GOOD[t] for t in types)
        stmts.append(f"SELECT mlmon.{name}({args}) FROM generate_series(1, 3) g" if kind == "a"
                     else f"SELECT * FROM mlmon.{name}({args})")
stmts.append("SELECT mlmon.run_checks('badin', pg_catalog.now() - interval '2 hours', pg_catalog.now())")
for stmt in stmts:
    hostile += 1
    try:
        cur.execute("SET search_path = evil, pg_catalog, public")
        cur.execute(stmt)
        cur.fetchall()
        hostile_ok.add(stmt)
    except psycopg2.Error as e:
        if "hijacked" in (e.diag.message_primary or ""):
            hijacked.append(stmt[:120])
    finally:
        cur.execute("RESET search_path")
chk.equal("a hostile search_path redirects nothing", hijacked, [])
required = [f"SELECT * FROM {v}" for v in views] + [stmts[-1]]
chk.equal("under it, every view reads and run_checks runs", [x for x in required if x not in hostile_ok], [])
cur.execute("SET search_path = evil, pg_catalog")
try:
    cur.execute("SELECT 'a' = 'a'")
    chk.equal("the hostile schema really shadows pg_catalog", False, True)
except psycopg2.Error as e:
    chk.equal("the hostile schema really shadows pg_catalog", "hijacked" in e.diag.message_primary, True)
cur.execute("RESET search_path")
cur.execute("DROP SCHEMA evil CASCADE")
print(f"  {len(functions)} functions and aggregates, {calls} calls, {hostile} under a hostile search_path; outcomes by SQLSTATE: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1])))
chk.equal("most calls succeed (plausible arguments)", outcomes.get("ok", 0) > calls // 2, True)
chk.finish()
