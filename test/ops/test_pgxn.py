#!/usr/bin/python3
"""The PGXN package: `make dist` builds build/dist/mlmon-<version>.zip from
the files git tracks at HEAD plus META.json; its META.json is valid under
the PGXN Meta Spec 1.0.0 (test/ops/pgxnmeta.py, whose own verdicts on
broken documents are checked here too); make dist refuses to run outside a
git checkout; and Debian's pgxnclient builds and installs the archive
(`pgxn install`) and loads the extension from it into a new database
(`pgxn load`).

Runs as root (pgxn install writes into the server's directories, as `make
install` does: what it installs is HEAD's build; with uncommitted changes
to the sources, run `make install` again afterwards).  Needs the server of
PGHOST/PGPORT only for the last step.  PG_CONFIG is $PGBIN/pg_config
(PGBIN defaults to /usr/lib/postgresql/15/bin)."""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "oracle"))
from common import Checker  # noqa: E402
from pgxnmeta import validate  # noqa: E402

ROOT = os.path.realpath(os.path.join(HERE, "..", ".."))
PGBIN = os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin")
PG_CONFIG = os.path.join(PGBIN, "pg_config")

chk = Checker("PGXN package")


def run(cmd, cwd=ROOT, **kw):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **kw)


def git(*args):
    r = run(["git", *args])
    if r.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {r.stderr}")
    return r.stdout


def control_version(text):
    m = re.search(r"^default_version = '(.*)'$", text, re.M)
    return m.group(1) if m else None


def blob_sha(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


version = control_version(git("show", "HEAD:mlmon.control"))
if version is None:
    sys.exit("no default_version in HEAD's mlmon.control")
if control_version(open(os.path.join(ROOT, "mlmon.control")).read()) != version:
    print(f"note: the working tree's mlmon.control differs from HEAD's ({version}): the archive is HEAD's")
top = f"mlmon-{version}/"
zip_path = os.path.join(ROOT, "build", "dist", f"mlmon-{version}.zip")

# -- make dist, with the build's products in the tree: they must stay out of the archive
r = run(["make", "-s", "-j2", f"PG_CONFIG={PG_CONFIG}"])
if r.returncode != 0:
    sys.exit(f"make failed:\n{r.stdout}{r.stderr}")
built = [f"sql/mlmon--{version}.sql", "mlmon.so"]
for f in built:
    chk.equal(f"make built {f} in the tree", os.path.exists(os.path.join(ROOT, f)), True)
if os.path.exists(zip_path):
    os.unlink(zip_path)
r = run(["make", "-s", "dist", f"PG_CONFIG={PG_CONFIG}"])
if r.returncode != 0 or not os.path.exists(zip_path):
    sys.exit(f"make dist failed (exit {r.returncode}) or made no {zip_path}:\n{r.stdout}{r.stderr}")

# -- the archive's layout: HEAD's files under mlmon-<version>/, and META.json
tracked = {}   # path -> (mode, blob sha)
for line in git("ls-tree", "-r", "HEAD").splitlines():
    meta_part, path = line.split("\t", 1)
    mode, _type, sha = meta_part.split()
    tracked[path] = (mode, sha)
chk.equal("META.json is generated, not tracked", "META.json" in tracked, False)
chk.equal("META.json.in is tracked", "META.json.in" in tracked, True)

with zipfile.ZipFile(zip_path) as zf:
    infos = zf.infolist()
    names = [i.filename for i in infos]
    outside = [n for n in names if not n.startswith(top)]
    chk.equal(f"every entry under {top}", outside, [])
    files = {i.filename[len(top):]: i for i in infos if i.filename.startswith(top) and not i.is_dir()}
    dirs = {i.filename[len(top):] for i in infos if i.filename.startswith(top) and i.is_dir()}
    chk.equal("the archive's files are HEAD's and META.json",
              sorted(set(files) ^ (set(tracked) | {"META.json"})), [])
    artefacts = [f for f in files if f.startswith(("build/", "results/")) or f.endswith((".o", ".so", ".bc"))
                 or f in built or f.startswith("regression.")]
    chk.equal("no build artefact in the archive", artefacts, [])
    # pgxnclient reads the first entry whose name ends in META.json
    chk.equal("one entry named *META.json", [n for n in names if n.endswith("META.json")], [top + "META.json"])
    differ = [f for f in tracked if f in files and blob_sha(zf.read(files[f])) != tracked[f][1]]
    chk.equal("each file's content is HEAD's", differ, [])
    exec_bits = [f for f in tracked if f in files
                 and ((files[f].external_attr >> 16) & 0o100 != 0) != (tracked[f][0] == "100755")]
    chk.equal("executable bits as in git", exec_bits, [])
    contents = {f: zf.read(i) for f, i in files.items()}
archive_paths = set(files) | dirs

meta_text = contents["META.json"].decode("utf-8")
chk.equal("no placeholder left in META.json", re.findall(r"@[A-Za-z_]+@", meta_text), [])
meta = json.loads(meta_text)
errors = validate(meta, archive_paths)
chk.equal("META.json valid under the PGXN Meta Spec 1.0.0", errors, [])
chk.equal("name", meta.get("name"), "mlmon")
chk.equal("version is mlmon.control's", meta.get("version"), version)
chk.equal("the archive's mlmon.control has that version",
          control_version(contents["mlmon.control"].decode()), version)
chk.equal("provides mlmon at that version", meta.get("provides", {}).get("mlmon", {}).get("version"), version)
template = json.loads(git("show", "HEAD:META.json.in").replace("@VERSION@", version))
chk.equal("META.json is META.json.in with the version", meta, template)

# -- the validator says no to broken documents (each must be reported at its key) ...
def broken(label, mutate, where):
    m = copy.deepcopy(meta)
    mutate(m)
    errs = validate(m, archive_paths)
    at = re.compile(re.escape(where) + r"(\[\d+\])?: ")   # a String stands for a List of one: license[0]
    if not chk.equal(f"validator rejects {label} at {where}", any(at.match(e) for e in errs), True):
        print(f"  validator said: {errs}")


def setp(path, value):
    def f(m):
        *head, last = path
        for k in head:
            m = m[k]
        m[last] = value
    return f


def delp(path):
    def f(m):
        *head, last = path
        for k in head:
            m = m[k]
        del m[last]
    return f


broken("a two-part version", setp(["version"], "0.3"), "version")
broken("a version with a v", setp(["version"], "v0.3.0"), "version")
broken("a leading zero", setp(["version"], "0.03.0"), "version")
broken("a bad extension version", setp(["provides", "mlmon", "version"], "0.3.0.1"), "provides.mlmon.version")
broken("a missing abstract", delp(["abstract"]), "abstract")
broken("an empty abstract", setp(["abstract"], ""), "abstract")
broken("a missing meta-spec", delp(["meta-spec"]), "meta-spec")
broken("meta-spec 2.0.0", setp(["meta-spec", "version"], "2.0.0"), "meta-spec.version")
broken("a name with a space", setp(["name"], "ml mon"), "name")
broken("a one-letter name", setp(["name"], "m"), "name")
broken("a name with a slash", setp(["name"], "ml/mon"), "name")
broken("a license string not in the spec", setp(["license"], "PostgreSQL License"), "license")
broken("an empty license list", setp(["license"], []), "license")
broken("a license map value that is no URI", setp(["license"], {"PostgreSQL": "see LICENSE"}), "license.PostgreSQL")
broken("no maintainer", setp(["maintainer"], []), "maintainer")
broken("an unknown top-level key", setp(["homepage"], "https://example.org/"), "homepage")
broken("an unknown key in provides", setp(["provides", "mlmon", "x-file"], "a"), "provides.mlmon.x-file")
broken("a provided file not in the archive", setp(["provides", "mlmon", "file"], f"sql/mlmon--{version}.sql"),
       "provides.mlmon.file")
broken("a provided file as an absolute path", setp(["provides", "mlmon", "file"], "/sql/mlmon.sql"),
       "provides.mlmon.file")
broken("a provided file with ..", setp(["provides", "mlmon", "file"], "sql/../mlmon.control"), "provides.mlmon.file")
broken("a docfile not in the archive", setp(["provides", "mlmon", "docfile"], "doc/mlmon.md"),
       "provides.mlmon.docfile")
broken("an extension without a file", delp(["provides", "mlmon", "file"]), "provides.mlmon.file")
broken("an empty provides", setp(["provides"], {}), "provides")
broken("an unknown phase", setp(["prereqs", "install"], {"requires": {"pgtap": 0}}), "prereqs.install")
broken("an unknown relationship", setp(["prereqs", "test", "needs"], {"pgtap": 0}), "prereqs.test.needs")
broken("a range operator the spec lacks", setp(["prereqs", "runtime", "requires", "PostgreSQL"], "~> 15.0.0"),
       "prereqs.runtime.requires.PostgreSQL")
broken("a two-part version in a range", setp(["prereqs", "runtime", "requires", "PostgreSQL"], ">= 15.0"),
       "prereqs.runtime.requires.PostgreSQL")
broken("a range as a number", setp(["prereqs", "runtime", "requires", "PostgreSQL"], 15),
       "prereqs.runtime.requires.PostgreSQL")
broken("release_status beta", setp(["release_status"], "beta"), "release_status")
broken("a tag with a slash", setp(["tags"], ["ml/ops"]), "tags[0]")
broken("a no_index directory not in the archive", setp(["no_index", "directory"], ["benchmarks"]),
       "no_index.directory[0]")
broken("an unknown resources key", setp(["resources"], {"issues": "https://example.org/"}), "resources.issues")
broken("an uppercase repository type", setp(["resources"], {"repository": {"type": "Git"}}),
       "resources.repository.type")


# ... and yes to what the spec allows
def allowed(label, mutate):
    m = copy.deepcopy(meta)
    mutate(m)
    chk.equal(f"validator accepts {label}", validate(m, archive_paths), [])


allowed("custom keys x_ and X_", lambda m: m.update(x_ci={"anything": [1]}, X_Note="n"))
allowed("a pre-release version after a dash", setp(["version"], "1.0.0-beta1"))
allowed("a special version right after the patch number (the spec's 2.0.0beta)", setp(["version"], "2.0.0beta"))
allowed("a maintainer as a String", setp(["maintainer"], "Someone <someone@example.org>"))
allowed("a license List", setp(["license"], ["postgresql", "mit"]))
allowed("a license Map", setp(["license"], {"PostgreSQL": "https://www.postgresql.org/about/licence"}))
allowed("the number 0 as a range", setp(["prereqs", "test", "requires", "pgtap"], 0))
allowed("a range of clauses", setp(["prereqs", "runtime", "requires", "PostgreSQL"], ">= 1.2.0, != 1.5.0, < 2.0.0"))
allowed("no optional key", lambda m: [m.pop(k) for k in ("description", "prereqs", "no_index", "tags",
                                                          "release_status", "generated_by")])

# -- make dist outside a git checkout fails, and says why
with tempfile.TemporaryDirectory() as tmp:
    nested = os.path.join(ROOT, "build", "pgxn-unpacked")   # inside this checkout's work tree, but not its top
    shutil.rmtree(nested, ignore_errors=True)
    try:
        for label, where in (("a directory outside git", tmp), ("a subdirectory of a checkout", nested)):
            with zipfile.ZipFile(zip_path) as zf:
                zf.extractall(where)
            src = os.path.join(where, top)
            r = run(["make", "-s", "dist", f"PG_CONFIG={PG_CONFIG}"], cwd=src)
            chk.equal(f"make dist in {label} fails", r.returncode != 0, True)
            chk.equal(f"make dist in {label} says why", "not the top of a git checkout" in r.stderr, True)
            chk.equal(f"make dist in {label} made no archive", os.path.exists(os.path.join(src, "build", "dist")), False)
    finally:
        shutil.rmtree(nested, ignore_errors=True)

# -- pgxn install builds and installs from the archive
def pg_config(opt):
    return run([PG_CONFIG, opt]).stdout.strip()


installed = {
    "library": os.path.join(pg_config("--pkglibdir"), "mlmon.so"),
    "control file": os.path.join(pg_config("--sharedir"), "extension", "mlmon.control"),
    "install script": os.path.join(pg_config("--sharedir"), "extension", f"mlmon--{version}.sql"),
}
t0 = time.time() - 0.05   # file times come from a coarser clock
cmd = ["pgxn", "install", "--pg_config", PG_CONFIG]
if os.geteuid() != 0:
    cmd.append("--sudo")
r = run(cmd + [zip_path], cwd=tempfile.gettempdir())
if not chk.equal("pgxn install succeeds", r.returncode, 0):
    print(r.stdout[-3000:], r.stderr[-3000:])
for what, path in installed.items():
    chk.equal(f"pgxn install wrote the {what} ({path})",
              os.path.exists(path) and os.stat(path).st_mtime >= t0, True)
if os.path.exists(installed["control file"]):
    chk.equal("the installed control file is the archive's",
              open(installed["control file"], "rb").read(), contents["mlmon.control"])
if os.path.exists(installed["install script"]):
    chk.equal("the installed install script begins with the archive's sql/mlmon.sql",
              open(installed["install script"], "rb").read().startswith(contents["sql/mlmon.sql"]), True)
for f in sorted(f for f in contents if re.fullmatch(r"sql/mlmon--.*\.sql", f)):
    dest = os.path.join(pg_config("--sharedir"), "extension", os.path.basename(f))
    chk.equal(f"installed {os.path.basename(f)} is the archive's",
              os.path.exists(dest) and open(dest, "rb").read() == contents[f], True)

# -- pgxn load reads META.json's provides and creates the extension in a new database
import psycopg2  # noqa: E402

db = "mlmon_pgxn"
conn = psycopg2.connect(dbname=os.environ.get("PGDATABASE", "postgres"))
conn.autocommit = True
cur = conn.cursor()
cur.execute("SET client_min_messages = warning")
cur.execute(f"DROP DATABASE IF EXISTS {db}")
cur.execute(f"CREATE DATABASE {db}")
try:
    r = run(["pgxn", "load", "--yes", "--pg_config", PG_CONFIG, "-d", db, zip_path], cwd=tempfile.gettempdir())
    if not chk.equal("pgxn load succeeds", r.returncode, 0):
        print(r.stdout[-3000:], r.stderr[-3000:])
    with psycopg2.connect(dbname=db) as c2, c2.cursor() as cur2:
        cur2.execute("SELECT extversion FROM pg_extension WHERE extname = 'mlmon'")
        chk.equal("pgxn load created mlmon at the archive's version", cur2.fetchall(), [(version,)])
    c2.close()
finally:
    cur.execute(f"DROP DATABASE IF EXISTS {db}")
chk.finish()
