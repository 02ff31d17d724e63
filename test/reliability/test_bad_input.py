#!/usr/bin/python3
"""The bad-input matrix of every public function and aggregate of schema
mlmon (and of the internal ones that take a mlmon.check_summary: anyone
may call them), generated from the catalog, and the same functions (with plausible
arguments) and every view under a hostile search_path (pg_cron's style: a
schema first in the path whose functions and operators shadow the built-in
ones and raise): each argument in turn takes NULL and the
awkward values of its type (NaN, +-Infinity, 0, -1, 2^31-1, '', a long
string, an unknown name, an empty or malformed jsonb or profile, a
truncated, corrupted, empty or other plan's summary), the others plausible
values.  Every call must return, or fail with a proper error: never an
internal error (SQLSTATE XX000), a lost connection nor a statement timeout.
The text and binary inputs of mlmon.check_summary and of the aggregate state
types (mlmon.category_state, regression_state, profile_counts_state,
sample_state, classification_state, embedding_ratio_state) refuse broken forms with their own SQLSTATE.
Aggregates run over 0, 1 and 3 rows.  The summary's binary input runs the
same bad values through COPY (FORMAT binary).  The statistics' expected errors and results are
checked one by one in test/regress; this sweeps the whole API."""
import base64
import io
import os
import struct
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
cur.execute("SELECT count(*) FROM mlmon.models WHERE name = 'badin_reg'")
if cur.fetchone()[0] == 0:
    # a regressor with other features: its summaries are of another plan
    cur.execute("SELECT mlmon.register_model('badin_reg', '1', 'regression')")
    cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_value, latency_ms)
                   SELECT 'badin_reg', now() - g * interval '50 seconds', 'r-' || g,
                          jsonb_build_object('c', 'k' || g % 3, 'd', g % 17), g % 11, g % 7
                     FROM generate_series(1, 300) g""")
    cur.execute("SELECT mlmon.record_label('badin_reg', 'r-' || g, (g % 13)::float8) FROM generate_series(1, 300) g")
    cur.execute("SELECT mlmon.set_reference('badin_reg', now() - interval '5 hours', now() - interval '2 hours')")
# the summaries of the closed buckets: a whole bucket's (rows and labels) of each model
summary = {}
for m in ("badin", "badin_reg"):
    cur.execute("SELECT mlmon.summarize(%s, now() - interval '6 hours', now())", (m,))
    cur.execute("""SELECT mlmon.merge(s.rows_part, s.labels_part)::text FROM mlmon.summaries s
                    WHERE s.model = %s AND s.rows_part IS NOT NULL AND s.labels_part IS NOT NULL
                    ORDER BY s.bucket_start LIMIT 1""", (m,))
    summary[m] = cur.fetchone()[0]
good_wire = base64.b64decode(summary["badin"])


def patched(wire, at, data):
    return wire[:at] + data + wire[at + len(data):]


def flipped(wire, at):
    return patched(wire, at, bytes([wire[at] ^ 0xA5]))

def sweep_state(typname, good, bad):
    """Every broken form in bad through typname's text input and binary input
    (COPY FORMAT binary): each refused with its own SQLSTATE (22P02, 22P03),
    no lost connection; the good form reads back as it was."""
    global conn, cur
    refused = {"text": {}, "binary": {}}
    lost = []
    cur.execute(f"CREATE TEMP TABLE bin_states (s mlmon.{typname})")
    for what, wire in bad.items():
        for form in ("text", "binary"):
            try:
                if form == "text":
                    cur.execute(f"SELECT %s::mlmon.{typname}::text", (base64.b64encode(wire).decode(),))
                else:
                    cur.copy_expert("COPY bin_states FROM STDIN (FORMAT binary)", io.BytesIO(copy_row(wire)))
                refused[form][what] = None
            except psycopg2.Error as e:
                if e.pgcode is None:
                    lost.append(f"{form} {what}: connection lost: {e}")
                    conn = connect()
                    cur = conn.cursor()
                    cur.execute(f"CREATE TEMP TABLE bin_states (s mlmon.{typname})")
                    continue
                refused[form][what] = e.pgcode
            cur.execute("TRUNCATE bin_states")
    chk.equal(f"{typname}: no lost connection", lost, [])
    chk.equal(f"text input refuses every broken {typname} as invalid text (22P02)",
              refused["text"], {w: "22P02" for w in bad})
    chk.equal(f"binary input refuses every broken {typname} as invalid binary (22P03)",
              refused["binary"], {w: "22P03" for w in bad})
    cur.copy_expert("COPY bin_states FROM STDIN (FORMAT binary)", io.BytesIO(copy_row(good)))
    cur.execute("SELECT s::text FROM bin_states")
    chk.equal(f"binary input: a good {typname} reads back as it was", base64.b64decode(cur.fetchone()[0]), good)
    cur.execute("DROP TABLE bin_states")


def copy_row(wire):
    """A binary COPY stream of one row of one column holding wire."""
    return (b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + struct.pack(">hi", 1, len(wire)) + wire
            + struct.pack(">h", -1))



# the wire form: version, 0, 0 (4 bytes), nsections (4), then per section id (4), kind (1), 0 (3),
# payload length (8), payload (core/summary.h)
BAD_WIRES = {"empty": struct.pack(">BBHI", 1, 0, 0, 0),
             "truncated": good_wire[:len(good_wire) // 2],
             "header only": good_wire[:8],
             "no sections but counted": struct.pack(">BBHI", 1, 0, 0, 0xFFFFFFFF),
             "version 2": patched(good_wire, 0, b"\x02"),
             "unknown kind": patched(good_wire, 12, b"\x63"),
             "huge payload length": patched(good_wire, 16, b"\xff" * 8),
             "huge count": patched(good_wire, 24, b"\x7f" + b"\xff" * 7),
             "trailing byte": good_wire + b"\x00",
             "negative rows": patched(good_wire, 32, struct.pack(">q", -5))}
for k in (1, 2, 3, 5, 7):
    BAD_WIRES[f"flipped at {k}/8"] = flipped(good_wire, len(good_wire) * k // 8)


def sections(wire):
    """(offset of the payload, kind, payload length) of each section of a wire form."""
    at, out = 8, []
    for _ in range(struct.unpack(">I", wire[4:8])[0]):
        kind, length = wire[at + 4], struct.unpack(">Q", wire[at + 8:at + 16])[0]
        out.append((at + 16, kind, length))
        at += 16 + length
    return out


def last_label_byte(wire):
    """The offset of the last byte of the last label of the scores section (kind 8: overflow, labels,
    6 zero bytes, then per label uint32 len, its bytes, int64 rows, 4 x 16 bytes of sums, uint64
    profile length and the profile).  The labels must stay ascending, so only the last one's last byte
    may become 0xff; found by walking the sections, not by searching the bytes, since a timestamp or a
    double may hold the same bytes, and since which labels a bucket holds depends on the data."""
    for at, kind, _ in sections(wire):
        if kind == 8 and wire[at + 1] > 0:
            p, last = at + 8, None
            for _ in range(wire[at + 1]):
                n = struct.unpack(">I", wire[p:p + 4])[0]
                last = p + 4 + n - 1 if n > 0 else None
                p += 4 + n + 8 + 64
                p += 8 + struct.unpack(">Q", wire[p:p + 8])[0]
            if last is not None:
                return last
    raise AssertionError("the good summary has no scores section whose last label is not empty")


# a label (of the scores section) that is not UTF-8
BAD_WIRES["invalid UTF-8 label"] = patched(good_wire, last_label_byte(good_wire), b"\xff")
# a grid (the first section of kind 4) of 2^40 + 1 cells: valid, but no check keeps one so large
at = next(at for at, kind, _ in sections(good_wire) if kind == 4)
BAD_WIRES["a grid of 2^40 + 1 cells"] = patched(good_wire, at, struct.pack(">Q", 2**40 + 1))
# the summary's text input (check_summary_in) and binary input (check_summary_recv, through COPY (FORMAT
# binary)) refuse every structurally broken wire form with their own SQLSTATE; a byte flipped inside a
# number may leave a valid summary
cur.execute("CREATE TEMP TABLE bin_summaries (s mlmon.check_summary)")


def copy_binary(payload):
    data = (b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + struct.pack(">hi", 1, len(payload)) + payload
            + struct.pack(">h", -1))
    cur.copy_expert("COPY bin_summaries FROM STDIN (FORMAT binary)", io.BytesIO(data))


input_failures = []
refused = {"text": {}, "binary": {}}
for what, wire in BAD_WIRES.items():
    for form in ("text", "binary"):
        try:
            if form == "text":
                cur.execute("SELECT mlmon.check_summary_json(%s::mlmon.check_summary)", (base64.b64encode(wire).decode(),))
            else:
                copy_binary(wire)
                cur.execute("SELECT mlmon.check_summary_json(s) FROM bin_summaries")
            cur.fetchall()
        except UnicodeDecodeError as e:
            input_failures.append(f"{form} {what}: the server sent text that is not UTF-8: {e}")
        except psycopg2.Error as e:
            if e.pgcode is None:
                input_failures.append(f"{form} {what}: connection lost: {e}")
                conn = connect()
                cur = conn.cursor()
                cur.execute("CREATE TEMP TABLE bin_summaries (s mlmon.check_summary)")
                continue
            if e.pgcode == "XX000" or e.pgcode.startswith("53"):
                input_failures.append(f"{form} {what}: {e.pgcode}: {e.diag.message_primary}")
            refused[form][what] = e.pgcode
        cur.execute("TRUNCATE bin_summaries")
chk.equal("text and binary input of bad summaries: no lost connection, internal error or out of memory",
          input_failures, [])
broken = [w for w in BAD_WIRES if w not in ("empty", "negative rows", "invalid UTF-8 label", "a grid of 2^40 + 1 cells")
          and not w.startswith("flipped")]
chk.equal("text input refuses every broken summary as invalid text (22P02)",
          {w: refused["text"].get(w) for w in broken}, {w: "22P02" for w in broken})
chk.equal("binary input refuses every broken summary as invalid binary (22P03)",
          {w: refused["binary"].get(w) for w in broken}, {w: "22P03" for w in broken})
chk.equal("an empty summary is accepted", "empty" in refused["text"] or "empty" in refused["binary"], False)
chk.equal("a label that is not UTF-8 is refused as such (22021)",
          (refused["text"].get("invalid UTF-8 label"), refused["binary"].get("invalid UTF-8 label")), ("22021", "22021"))
copy_binary(good_wire)
copy_binary(BAD_WIRES["empty"])
out = io.BytesIO()
cur.copy_expert("COPY (SELECT s FROM bin_summaries) TO STDOUT (FORMAT binary)", out)
cur.execute("SELECT s::text FROM bin_summaries")
chk.equal("binary input: a good and an empty summary read back as they were",
          [base64.b64decode(r[0]) for r in cur.fetchall()], [good_wire, BAD_WIRES["empty"]])
chk.equal("binary output: check_summary_send writes the wire form", good_wire in out.getvalue(), True)
cur.execute("DROP TABLE bin_summaries")
# the matrix takes every bad summary the input accepts (to the functions that read it) and two it refuses
accepted = [w for w in BAD_WIRES if w not in refused["text"]]
print(f"  bad summaries accepted by the input functions: {', '.join(accepted)}")

# the categorical statistics' state (mlmon.category_state): the same through its text and binary inputs
cur.execute("CREATE AGGREGATE pg_temp.cat_state(text, boolean) (SFUNC = mlmon._category_accum, "
            "STYPE = mlmon.category_state)")
cur.execute("SELECT pg_temp.cat_state(c, g % 3 = 0)::text FROM generate_series(1, 40) g, "
            "LATERAL (SELECT 'c' || (g % 5) AS c) x")
good_state = base64.b64decode(cur.fetchone()[0])
BAD_STATES = {"empty": b"", "header cut": good_state[:20], "truncated": good_state[:len(good_state) - 3],
              "version 9": patched(good_state, 0, b"\x09"), "method 7": patched(good_state, 1, b"\x07"),
              "kind 5": patched(good_state, 2, b"\x05"), "huge count": patched(good_state, 4, b"\x7f" + b"\xff" * 7),
              "huge profile": patched(good_state, 28, b"\xff" * 8), "trailing byte": good_state + b"\x00",
              "total off by one": patched(good_state, 12, struct.pack(">q", struct.unpack(">q", good_state[12:20])[0] + 1)),
              "negative count": patched(good_state, 36 + 4 + 2, struct.pack(">q", -1)),
              "categories swapped": good_state[:36] + good_state[36 + 22:36 + 44] + good_state[36:36 + 22] + good_state[36 + 44:],
              # version 2: tvd's number of permutations after the header
              "version 2, 0 permutations": b"\x02" + good_state[1:36] + struct.pack(">I", 0) + good_state[36:],
              "version 2, 1000001 permutations": b"\x02" + good_state[1:36] + struct.pack(">I", 1000001) + good_state[36:],
              "version 2 header cut": b"\x02" + good_state[1:36] + b"\x00\x00"}
sweep_state("category_state", good_state, BAD_STATES)
# the regression metrics' state (mlmon.regression_state, 80 bytes): the same
cur.execute("CREATE AGGREGATE pg_temp.reg_state(float8, float8) (SFUNC = mlmon._regression_accum, "
            "STYPE = mlmon.regression_state)")
cur.execute("SELECT pg_temp.reg_state(g, g * 1.5)::text FROM generate_series(1, 40) g")
good_reg = base64.b64decode(cur.fetchone()[0])
BAD_REG = {"empty": b"", "short": good_reg[:79], "long": good_reg + b"\x00", "version 3": patched(good_reg, 0, b"\x03"),
           "negative rows": patched(good_reg, 8, b"\xff" * 8), "NaN mean": patched(good_reg, 64, b"\x7f\xf8" + b"\x00" * 6),
           "negative error sum": patched(good_reg, 16, b"\xbf\xf0" + b"\x00" * 6)}
sweep_state("regression_state", good_reg, BAD_REG)
# the state of ks_2samp, psi and jensen_shannon (value, reference profile): profile and counts
cur.execute("CREATE AGGREGATE pg_temp.counts_state(float8, mlmon.profile) (SFUNC = mlmon._profile_counts_ks_accum, "
            "STYPE = mlmon.profile_counts_state)")
cur.execute("SELECT pg_temp.counts_state(g % 7 + 0.5, p)::text FROM generate_series(1, 40) g, "
            "(SELECT mlmon.profile(x::float8) AS p FROM generate_series(1, 6) x) r")
good_counts = base64.b64decode(cur.fetchone()[0])
plen = struct.unpack(">q", good_counts[24:32])[0]
at_counts = 32 + plen
BAD_COUNTS = {"empty": b"", "header cut": good_counts[:20], "truncated": good_counts[:len(good_counts) - 3],
              "version 9": patched(good_counts, 0, b"\x09"), "kind 5": patched(good_counts, 1, b"\x05"),
              "alternative 7": patched(good_counts, 2, b"\x07"), "bins on KS": patched(good_counts, 4, b"\x00\x00\x00\x05"),
              "n2 off by one": patched(good_counts, 8, struct.pack(">q", struct.unpack(">q", good_counts[8:16])[0] + 1)),
              "huge n2": patched(good_counts, 8, b"\xff" * 8), "huge ncounts": patched(good_counts, 16, b"\x7f" + b"\xff" * 7),
              "even ncounts": patched(good_counts, 16, struct.pack(">q", 12)),
              "huge profile": patched(good_counts, 24, b"\xff" * 8), "profile cut": patched(good_counts, 24, struct.pack(">q", plen - 8)),
              "profile corrupted": flipped(good_counts, 40), "trailing byte": good_counts + b"\x00",
              "non-minimal varint": good_counts[:at_counts] + b"\x80\x00" + good_counts[at_counts + 1:],
              "maximum outside its cell": good_counts[:-8] + struct.pack(">d", -1e9),
              "NaN maximum": good_counts[:-8] + b"\x7f\xf8" + b"\x00" * 6}
sweep_state("profile_counts_state", good_counts, BAD_COUNTS)
# the numeric statistics' state (mlmon.sample_state: 36-byte header, sorted values): the same
cur.execute("CREATE AGGREGATE pg_temp.smp_state(float8, boolean) (SFUNC = mlmon._sample_accum, "
            "STYPE = mlmon.sample_state)")
cur.execute("SELECT pg_temp.smp_state(g, g % 3 = 0)::text FROM generate_series(1, 40) g")
good_smp = base64.b64decode(cur.fetchone()[0])
BAD_SMP = {"empty": b"", "header cut": good_smp[:20], "truncated": good_smp[:len(good_smp) - 3],
           "trailing byte": good_smp + b"\x00", "version 9": patched(good_smp, 0, b"\x09"),
           "alternative 7": patched(good_smp, 1, b"\x07"), "method 9": patched(good_smp, 2, b"\x09"),
           "binning 5": patched(good_smp, 3, b"\x05"), "bins 0": patched(good_smp, 4, b"\x00" * 4),
           "reserved 1": patched(good_smp, 8, b"\x00\x00\x00\x01"),
           "huge count": patched(good_smp, 12, b"\x7f" + b"\xff" * 7),
           "count off by one": patched(good_smp, 12, struct.pack(">q", struct.unpack(">q", good_smp[12:20])[0] + 1)),
           "huge profile": patched(good_smp, 28, b"\xff" * 8),
           "NaN value": patched(good_smp, 36, b"\x7f\xf8" + b"\x00" * 6),
           "-0 value": patched(good_smp, 36, b"\x80" + b"\x00" * 7),
           "values swapped": good_smp[:36] + good_smp[44:52] + good_smp[36:44] + good_smp[52:]}
sweep_state("sample_state", good_smp, BAD_SMP)
# classification_metrics' state (mlmon.classification_state: 32-byte header, positive label 'b', then
# 18-byte pairs of one-letter labels, then the negatives' and positives' sorted scores): the same
cur.execute("CREATE AGGREGATE pg_temp.cls_state(text, text, float8, text) (SFUNC = mlmon._classification_accum, "
            "STYPE = mlmon.classification_state)")
cur.execute("SELECT pg_temp.cls_state(chr(97 + g % 3), chr(97 + g % 2), g / 41.0, 'b')::text FROM generate_series(1, 40) g")
good_cls = base64.b64decode(cur.fetchone()[0])
BAD_CLS = {"empty": b"", "header cut": good_cls[:20], "truncated": good_cls[:len(good_cls) - 3],
           "trailing byte": good_cls + b"\x00", "version 9": patched(good_cls, 0, b"\x09"),
           "form 7": patched(good_cls, 1, b"\x07"), "flags 4": patched(good_cls, 2, b"\x04"),
           "3 score labels": patched(good_cls, 3, b"\x03"), "huge pairs": patched(good_cls, 4, b"\x7f" + b"\xff" * 7),
           "rows off by one": patched(good_cls, 12, struct.pack(">q", struct.unpack(">q", good_cls[12:20])[0] + 1)),
           "huge scored": patched(good_cls, 20, b"\xff" * 8), "huge positive label": patched(good_cls, 28, b"\xff" * 4),
           "NUL in a label": patched(good_cls, 37, b"\x00"), "zero count": patched(good_cls, 43, b"\x00" * 8),
           "pairs swapped": good_cls[:33] + good_cls[51:69] + good_cls[33:51] + good_cls[69:],
           "NaN score": good_cls[:-8] + b"\x7f\xf8" + b"\x00" * 6, "score 2": good_cls[:-8] + struct.pack(">d", 2.0),
           "negative zero score": good_cls[:-8] + struct.pack(">d", -0.0),
           "scores unsorted": good_cls[:-16] + good_cls[-8:] + good_cls[-16:-8]}
sweep_state("classification_state", good_cls, BAD_CLS)
# embedding_ratio's state (mlmon.embedding_ratio_state: 64-byte header, then every valid row, row after
# row, 8 bytes a float8 component): the same
cur.execute("CREATE AGGREGATE pg_temp.ratio_state(float8[], boolean) (SFUNC = mlmon._embedding_ratio_accum, "
            "STYPE = mlmon.embedding_ratio_state)")
cur.execute("SELECT pg_temp.ratio_state(ARRAY[g, g * 0.5], g % 3 = 0)::text FROM generate_series(1, 40) g")
good_ratio = base64.b64decode(cur.fetchone()[0])
BAD_RATIO = {"empty": b"", "header cut": good_ratio[:20], "truncated": good_ratio[:len(good_ratio) - 3],
             "trailing byte": good_ratio + b"\x00", "version 9": patched(good_ratio, 0, b"\x09"),
             "element size 3": patched(good_ratio, 1, b"\x03"), "reserved 1": patched(good_ratio, 2, b"\x01"),
             "dimension 16001": patched(good_ratio, 4, struct.pack(">i", 16001)),
             "negative dimension": patched(good_ratio, 4, b"\xff" * 4),
             "NaN threshold": patched(good_ratio, 16, b"\x7f\xf8" + b"\x00" * 6),
             "huge count": patched(good_ratio, 24, b"\x7f" + b"\xff" * 7),
             "negative count": patched(good_ratio, 32, b"\xff" * 8),
             "count off by one": patched(good_ratio, 24, struct.pack(">q", struct.unpack(">q", good_ratio[24:32])[0] + 1)),
             "NaN component": patched(good_ratio, 64, b"\x7f\xf8" + b"\x00" * 6),
             "infinite component": patched(good_ratio, 72, b"\x7f\xf0" + b"\x00" * 6)}
sweep_state("embedding_ratio_state", good_ratio, BAD_RATIO)

cur.execute("SELECT mlmon.profile(x) FROM generate_series(1, 50) x")
num_prof = cur.fetchone()[0]
cur.execute("SELECT mlmon.profile('c' || (x % 4)) FROM generate_series(1, 50) x")
cat_prof = cur.fetchone()[0]

GOOD = {"double precision": "1.5::float8", "boolean": "true", "text": "'badin'", "integer": "10",
        "bigint": "3::bigint", "jsonb": "'{\"a\": 1}'::jsonb", "interval": "'1 hour'::interval",
        "timestamp with time zone": "pg_catalog.now()", "mlmon.profile": f"'{num_prof}'::mlmon.profile",
        "regclass": "'mlmon.models'::regclass", "name": "'features'::name", "name[]": "ARRAY['a']::name[]",
        "text[]": "ARRAY['a']", "regrole": "'pg_monitor'::regrole", "bigint[]": "ARRAY[1]::bigint[]",
        "mlmon.calibration": "ROW('{0.1, 0.5, 0.9}', '{0, 0.5, 1}')::mlmon.calibration",
        "mlmon.check_summary": f"'{summary['badin']}'::mlmon.check_summary",
        "mlmon._summary_plan": "(mlmon._check_plan('badin')).summary",
        "mlmon._check_plan": "mlmon._check_plan('badin')",
        "double precision[]": "ARRAY[1.5, -2.5, 0.25]::float8[]", "real[]": "ARRAY[1.5, -2.5, 0.25]::real[]"}
BAD = {"double precision": ["'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", "0::float8", "-1::float8",
                            "1e308::float8"],
       "boolean": [],
       "text": ["''", "repeat('x', 100000)", "'no such thing'", "'two-sided'", "E'\\\\'''"],
       "integer": ["0", "-1", "2147483647"],
       "bigint": ["0::bigint", "-1::bigint", "9223372036854775807::bigint"],
       "jsonb": ["'{}'::jsonb", "'[]'::jsonb", "'null'::jsonb", "'\"x\"'::jsonb",
                 # numbers beyond double precision, both ways
                 "'{\"a\": 1e400, \"b\": -1e400}'::jsonb", "'{\"a\": 1e-400}'::jsonb"],
       "interval": ["'0'::interval", "'-1 day'::interval", "'1000 years'::interval"],
       "timestamp with time zone": ["'infinity'::timestamptz", "'-infinity'::timestamptz"],
       "mlmon.profile": [f"'{cat_prof}'::mlmon.profile", "(SELECT mlmon.profile(x) FROM generate_series(1, 0) x)"],
       "regclass": ["'pg_class'::regclass"], "name": ["'no_such_column'::name"], "name[]": ["'{}'::name[]"],
       "text[]": ["'{}'::text[]", "ARRAY[NULL]::text[]"], "regrole": [], "bigint[]": [],
       "mlmon.calibration": ["ROW(NULL, NULL)::mlmon.calibration", "ROW('{}', '{}')::mlmon.calibration",
                             "ROW('{0.5, 0.1}', '{0, 1}')::mlmon.calibration", "ROW('{0.1}', '{0, 1}')::mlmon.calibration",
                             "ROW('{NaN}', '{0}')::mlmon.calibration", "ROW('{{0.1}}', '{{0}}')::mlmon.calibration",
                             "ROW('{0.1, NULL}', '{0, 1}')::mlmon.calibration"],
       "mlmon.check_summary": [f"'{summary['badin_reg']}'::mlmon.check_summary", "'not base64!'::mlmon.check_summary",
                               f"'{base64.b64encode(BAD_WIRES['truncated']).decode()}'::mlmon.check_summary"]
                              + [f"'{base64.b64encode(BAD_WIRES[w]).decode()}'::mlmon.check_summary" for w in accepted],
       "mlmon._summary_plan": ["(mlmon._check_plan('badin_reg')).summary",
                               "ROW('classification', '{a,b}', '{numeric}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
                               "NULL, NULL, NULL, NULL)::mlmon._summary_plan",
                               "ROW('classification', '{b,a}', '{numeric,numeric}', ARRAY[mlmon.profile(1::float8), "
                               "mlmon.profile(2::float8)], '{3,3}', NULL, NULL, NULL, NULL, NULL, 'NaN', true, NULL, "
                               "0)::mlmon._summary_plan",
                               "ROW('regression', '{a}', '{categorical}', ARRAY[mlmon.profile(1::float8)], '{-1}', "
                               "mlmon.profile('x'::text), -1, NULL, NULL, NULL, 2, NULL, 'NaN', NULL)::mlmon._summary_plan"],
       "mlmon._check_plan": ["mlmon._check_plan('badin_reg')"],
       "double precision[]": ["'{}'::float8[]", "ARRAY[NULL]::float8[]", "ARRAY['NaN', 'Infinity', '-Infinity']::float8[]",
                              "'{{1,2},{3,4}}'::float8[]", "array_fill(1::float8, ARRAY[1001])",
                              "ARRAY[1e308, -1e308, 1e308]::float8[]"]}
# embeddings: empty, NaN/infinite/NULL components, not one-dimensional, too long, another lower bound
for t, c in (("double precision[]", "float8"), ("real[]", "real")):
    BAD[t] = BAD.get(t, []) + [v for v in [
        f"'{{}}'::{c}[]", f"'{{NaN,1}}'::{c}[]", f"'{{-Infinity,1}}'::{c}[]", f"'{{NULL,1}}'::{c}[]",
        f"'{{{{1,2}},{{3,4}}}}'::{c}[]", f"array_fill(1::{c}, ARRAY[16001])", f"'[0:2]={{1,2,3}}'::{c}[]",
        f"array_fill(1e30::{c}, ARRAY[3])"] if v not in BAD.get(t, [])]

cur.execute("""SELECT p.oid::regprocedure::text, p.proname, p.prokind,
                      array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t)
                 FROM pg_proc p WHERE p.pronamespace = 'mlmon'::regnamespace
                  AND (p.proname !~ '^_' OR 'mlmon.check_summary'::regtype = ANY (p.proargtypes::oid[]))
                  AND p.proname NOT IN ('grant_reader', 'grant_writer', 'grant_feature_reader', 'apply_retention',
                                        'maintain_partitions', 'category_state_in', 'category_state_out',
                                        'category_state_recv', 'category_state_send', 'regression_state_in',
                                        'regression_state_out', 'regression_state_recv', 'regression_state_send',
                                        'profile_counts_state_in', 'profile_counts_state_out',
                                        'profile_counts_state_recv', 'profile_counts_state_send',
                                        'sample_state_in', 'sample_state_out', 'sample_state_recv', 'sample_state_send',
                                        'classification_state_in', 'classification_state_out',
                                        'classification_state_recv', 'classification_state_send',
                                        'embedding_ratio_state_in', 'embedding_ratio_state_out',
                                        'embedding_ratio_state_recv', 'embedding_ratio_state_send',
                                        'schedule_checks', 'unschedule_checks', 'schedule_retention',
                                        'unschedule_retention', 'profile_in', 'profile_out', 'profile_recv',
                                        'profile_send', 'check_summary_in', 'check_summary_out',
                                        'check_summary_recv', 'check_summary_send')
                ORDER BY 1""")
functions = cur.fetchall()
calls = 0
failures = []
outcomes = {}
# MLMON_BAD_INPUT_LOG=file: every call with its outcome, for reading by hand
trace = open(os.environ["MLMON_BAD_INPUT_LOG"], "w") if os.environ.get("MLMON_BAD_INPUT_LOG") else None
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
                if trace:
                    trace.write(f"ok\t{stmt}\n")
            except psycopg2.extensions.QueryCanceledError:
                failures.append(f"{stmt[:150]}: still running after 10 s")
            except UnicodeDecodeError as e:
                failures.append(f"{stmt[:150]}: the server sent text that is not UTF-8: {e}")
            except psycopg2.Error as e:
                if e.pgcode is None:
                    failures.append(f"{stmt[:150]}: connection lost: {e}")
                    conn = connect()
                    cur = conn.cursor()
                    continue
                outcomes[e.pgcode] = outcomes.get(e.pgcode, 0) + 1
                if trace:
                    trace.write(f"{e.pgcode}\t{stmt}\t{e.diag.message_primary}\n")
                # an internal error; or out of memory (class 53), which no argument here is large enough to cause
                if e.pgcode == "XX000" or e.pgcode.startswith("53"):
                    failures.append(f"{stmt[:150]}: {e.pgcode}: {e.diag.message_primary}")
chk.equal("calls that lost the connection, hung, ran out of memory or hit an internal error", failures, [])


# expectations of every kind on badin: the checks under a hostile search_path evaluate them too
for args in ("'a', 'between', min_value => 0, max_value => 1", "'b', 'in_set', value_set => '{x,y}'",
             "'b', 'matches_regex', pattern => '^k'", "'a', 'length_between', min_value => 1",
             "'a', 'unique_share_between', min_value => 0.5", "'a', 'mean_between', max_value => 10",
             "'a', 'stddev_between', max_value => 10", "'a', 'quantile_between', quantile => 0.5, min_value => 0",
             "'a', 'not_null', mostly => 0.5", "NULL, 'row_count_between', min_value => 1"):
    cur.execute(f"SELECT mlmon.expect('badin', {args})")
# and segments (by the sign of b; each run_checks below checks them too)
cur.execute("""SELECT mlmon.segment_by('badin', expression => $$CASE WHEN jsonb_typeof(features->'b') <> 'number' THEN NULL
                                                                 WHEN (features->>'b')::float8 < 0 THEN 'neg' ELSE 'pos' END$$)""")
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
# (the sweep above may have dropped them: declared again, then checked under the hostile path)
cur.execute("""SELECT mlmon.segment_by('badin', expression => $$CASE WHEN jsonb_typeof(features->'b') <> 'number' THEN NULL
                                                                 WHEN (features->>'b')::float8 < 0 THEN 'neg' ELSE 'pos' END$$)""")
cur.execute("SET search_path = evil, pg_catalog, public")
cur.execute("SELECT mlmon.run_checks('badin', pg_catalog.now() - interval '2 hours', pg_catalog.now())")
cid = cur.fetchone()[0]
cur.execute("RESET search_path")
cur.execute("SELECT array_agg(DISTINCT segment ORDER BY segment) FROM mlmon.check_results WHERE segment IS NOT NULL AND check_id = %s", (cid,))
chk.equal("under it, the segments are checked", cur.fetchone()[0], ["neg", "pos"])
cur.execute("SET search_path = evil, pg_catalog")
try:
    cur.execute("SELECT 'a' = 'a'")
    chk.equal("the hostile schema really shadows pg_catalog", False, True)
except psycopg2.Error as e:
    chk.equal("the hostile schema really shadows pg_catalog", "hijacked" in e.diag.message_primary, True)
cur.execute("RESET search_path")
cur.execute("DROP SCHEMA evil CASCADE")
cur.execute("SELECT count(*), count(error) FROM mlmon.expectation_results r JOIN mlmon.checks c USING (check_id) "
            "WHERE c.model = 'badin' AND c.check_id = (SELECT max(check_id) FROM mlmon.checks WHERE model = 'badin')")
chk.equal("under it, the check evaluated its 10 expectations without an error", cur.fetchone(), (10, 0))

# a logged number beyond double precision (both ways) is a value that is not a number: the
# reference and the checks go on and count it as invalid
cur.execute("""INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
               VALUES ('badin', now() - interval '20 minutes', 'huge-1', '{"a": 1e400, "b": -1e400}', '1'),
                      ('badin', now() - interval '21 minutes', 'huge-2', '{"a": 1e-400, "b": 2}', '1')""")
cur.execute("SELECT mlmon.run_checks('badin', now() - interval '1 hour', now())")
cid = cur.fetchone()[0]
cur.execute("""SELECT value FROM mlmon.check_results WHERE check_id = %s AND "check" = 'data_quality'
                AND feature = 'a' AND metric = 'invalid_rate'""", (cid,))
chk.equal("a number beyond double precision: the check runs and counts it invalid", (cur.fetchone() or [0])[0] > 0, True)
cur.execute("SELECT mlmon._jsonb_numbers('{\"a\": 1e400, \"b\": -1e400, \"c\": 1e-400, \"d\": 1.5}', '{a,b,c,d}')")
got = cur.fetchone()[0]
chk.equal("_jsonb_numbers: beyond the range NaN (not a number), below it 0", (got[0] != got[0], got[1] != got[1], got[2:]),
          (True, True, [0.0, 1.5]))
print(f"  {len(functions)} functions and aggregates, {calls} calls, {hostile} under a hostile search_path; outcomes by SQLSTATE: "
      + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1])))
chk.equal("most calls succeed (plausible arguments)", outcomes.get("ok", 0) > calls // 2, True)
chk.finish()
