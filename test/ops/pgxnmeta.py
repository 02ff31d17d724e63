"""A validator of META.json against the PGXN Meta Spec 1.0.0
(https://pgxn.org/meta/spec.txt), written here from the spec's text.

validate(meta, files) returns a list of error strings, each starting with
the path of the offending key (e.g. "provides.mlmon.version: ..."); an
empty list means the document is valid.  files, when given, is the set of
paths in the distribution (relative to its top directory, directories
ending in "/"): the paths that provides and no_index name must be in it.

Where the spec leaves room, this validator is strict:
- Version: the spec asks for Semantic Versioning (its 1.0.0 text points at
  SemVer 1.0): three dot-separated non-negative integers, then optionally a
  "special version", an ASCII string of letters, digits and dashes.  SemVer
  1.0 writes it after a dash (1.0.0-beta1); the spec's own examples write it
  straight after the patch number (2.0.0beta), so both are accepted, the
  latter only when it starts with a letter (else 1.2.34 would be ambiguous).
  Leading zeros (01.2.3) are refused: a version is compared as integers, so
  they would make two spellings of one version.
- Version Range: "0" (any version; also the number 0, as in the spec's
  examples), or clauses joined by commas, each a Version with an optional
  operator <, <=, >, >=, ==, !=.
- Paths: relative, unix separators, no "..", no empty component.
"""
import re

REQUIRED = {"name", "abstract", "maintainer", "license", "provides", "meta-spec", "version"}
OPTIONAL = {"description", "generated_by", "tags", "no_index", "prereqs", "release_status", "resources"}

# The license strings the spec lists as valid in the List form.
LICENSE_STRINGS = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
    "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
    "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
    "sun", "zlib",
    "open_source", "restricted", "unrestricted", "unknown",
}
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
RELEASE_STATUSES = {"stable", "testing", "unstable"}

VERSION_RE = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
                        r"(?:-[0-9A-Za-z-]+|[A-Za-z][0-9A-Za-z-]*)?")
RANGE_CLAUSE_RE = re.compile(r"\s*(<=|>=|==|!=|<|>)?\s*(\S+)\s*")
URI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
EMAIL_RE = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")
CUSTOM_RE = re.compile(r"x_", re.IGNORECASE)


def _control(s):
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in s)


class _Validator:
    def __init__(self, files):
        self.files = files
        self.errors = []

    def err(self, path, msg):
        self.errors.append(f"{path}: {msg}")

    # primitive types
    def string(self, path, v):
        if not isinstance(v, str) or v == "":
            self.err(path, f"must be a non-empty String, got {v!r}")
            return False
        return True

    def list_of(self, path, v, item, min_items=0):
        """A List; a String counts as a List of one (the spec's rule for consumers)."""
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list):
            self.err(path, f"must be a List, got {type(v).__name__}")
            return
        if len(v) < min_items:
            self.err(path, f"must hold at least {min_items} element(s)")
        for i, x in enumerate(v):
            item(f"{path}[{i}]", x)

    def map(self, path, v):
        if not isinstance(v, dict):
            self.err(path, f"must be a Map, got {type(v).__name__}")
            return False
        return True

    def keys(self, path, m, required, optional):
        for k in sorted(required - m.keys()):
            self.err(f"{path}.{k}" if path else k, "required key missing")
        for k in sorted(m.keys() - required - optional):
            if not CUSTOM_RE.match(k):
                self.err(f"{path}.{k}" if path else k, "unknown key (custom keys must start with x_ or X_)")

    def term(self, path, v):
        if not self.string(path, v):
            return
        if len(v) < 2:
            self.err(path, f"a Term must be at least two characters long, got {v!r}")
        if "/" in v or "\\" in v or _control(v) or any(c.isspace() for c in v):
            self.err(path, f"a Term must contain no slash, backslash, control or space character, got {v!r}")

    def tag(self, path, v):
        if not self.string(path, v):
            return
        if len(v) >= 256:
            self.err(path, "a Tag must be fewer than 256 characters long")
        if "/" in v or "\\" in v or _control(v):
            self.err(path, f"a Tag must contain no slash, backslash or control character, got {v!r}")

    def uri(self, path, v):
        if self.string(path, v) and not URI_RE.fullmatch(v):
            self.err(path, f"must be a URI (scheme:...), got {v!r}")

    def version(self, path, v):
        if not isinstance(v, str) or not VERSION_RE.fullmatch(v):
            self.err(path, f"must be a semantic version such as 1.2.3 or 1.2.3-beta1, got {v!r}")

    def version_range(self, path, v):
        if (type(v) is int and v == 0) or v == "0":
            return
        if not isinstance(v, str) or not v.strip():
            self.err(path, f"must be a Version Range (a String, or 0), got {v!r}")
            return
        for clause in v.split(","):
            m = RANGE_CLAUSE_RE.fullmatch(clause)
            if not m or not VERSION_RE.fullmatch(m.group(2)):
                self.err(path, f"bad clause {clause.strip()!r} in the Version Range {v!r}")

    def rel_path(self, path, v, kind=None):
        if not self.string(path, v):
            return
        parts = v.split("/")
        if v.startswith("/") or "\\" in v or re.match(r"[A-Za-z]:", v) or "" in parts or ".." in parts:
            self.err(path, f"must be a relative path with unix separators, got {v!r}")
            return
        if self.files is not None:
            if kind == "file" and v not in self.files:
                self.err(path, f"{v!r} is not a file of the distribution")
            if kind == "directory" and v.rstrip("/") + "/" not in self.files:
                self.err(path, f"{v!r} is not a directory of the distribution")

    # the structure
    def document(self, meta):
        if not self.map("(document)", meta):
            return
        self.keys("", meta, REQUIRED, OPTIONAL)
        if "meta-spec" in meta:
            self.meta_spec("meta-spec", meta["meta-spec"])
        if "name" in meta:
            self.term("name", meta["name"])
        if "version" in meta:
            self.version("version", meta["version"])
        for k in ("abstract", "description", "generated_by"):
            if k in meta:
                self.string(k, meta[k])
        if "maintainer" in meta:
            self.list_of("maintainer", meta["maintainer"], self.string, min_items=1)
        if "license" in meta:
            self.license("license", meta["license"])
        if "provides" in meta:
            self.provides("provides", meta["provides"])
        if "tags" in meta:
            self.list_of("tags", meta["tags"], self.tag)
        if "no_index" in meta:
            self.no_index("no_index", meta["no_index"])
        if "prereqs" in meta:
            self.prereqs("prereqs", meta["prereqs"])
        if "release_status" in meta and meta["release_status"] not in RELEASE_STATUSES:
            self.err("release_status", f"must be one of {sorted(RELEASE_STATUSES)}, got {meta['release_status']!r}")
        if "resources" in meta:
            self.resources("resources", meta["resources"])

    def meta_spec(self, path, v):
        if not self.map(path, v):
            return
        self.keys(path, v, {"version"}, {"url"})
        # 1.0.x revisions of the spec change no semantics; any other version is not this spec.
        if "version" in v and not (isinstance(v["version"], str) and re.fullmatch(r"1\.0\.[0-9]+", v["version"])):
            self.err(f"{path}.version", f"this validator knows the PGXN Meta Spec 1.0.x, got {v['version']!r}")
        if "url" in v:
            self.uri(f"{path}.url", v["url"])

    def license(self, path, v):
        if isinstance(v, dict):
            if not v:
                self.err(path, "must name at least one license")
            for name, url in v.items():
                self.string(f"{path} (a license name)", name)
                self.uri(f"{path}.{name}", url)
            return

        def known(p, s):
            if s not in LICENSE_STRINGS:
                self.err(p, f"{s!r} is not a License String of the spec")
        self.list_of(path, v, known, min_items=1)

    def provides(self, path, v):
        if not self.map(path, v):
            return
        if not v:
            self.err(path, "must describe at least one extension")
        for name, ext in v.items():
            p = f"{path}.{name}"
            self.term(f"{path} (an extension name)", name)
            if not self.map(p, ext):
                continue
            self.keys(p, ext, {"file", "version"}, {"abstract", "docfile"})
            if "file" in ext:
                self.rel_path(f"{p}.file", ext["file"], "file")
            if "docfile" in ext:
                self.rel_path(f"{p}.docfile", ext["docfile"], "file")
            if "version" in ext:
                self.version(f"{p}.version", ext["version"])
            if "abstract" in ext:
                self.string(f"{p}.abstract", ext["abstract"])

    def no_index(self, path, v):
        if not self.map(path, v):
            return
        self.keys(path, v, set(), {"file", "directory"})
        for kind in ("file", "directory"):
            if kind in v:
                self.list_of(f"{path}.{kind}", v[kind], lambda p, x, kind=kind: self.rel_path(p, x, kind))

    def prereqs(self, path, v):
        if not self.map(path, v):
            return
        for phase, rels in v.items():
            p = f"{path}.{phase}"
            if phase not in PHASES:
                if not CUSTOM_RE.match(phase):
                    self.err(p, f"unknown phase (phases: {sorted(PHASES)})")
                continue
            if not self.map(p, rels):
                continue
            for rel, exts in rels.items():
                q = f"{p}.{rel}"
                if rel not in RELATIONS:
                    if not CUSTOM_RE.match(rel):
                        self.err(q, f"unknown relationship (relationships: {sorted(RELATIONS)})")
                    continue
                if not self.map(q, exts):
                    continue
                for ext, rng in exts.items():
                    self.term(f"{q} (an extension name)", ext)
                    self.version_range(f"{q}.{ext}", rng)

    def resources(self, path, v):
        if not self.map(path, v):
            return
        self.keys(path, v, set(), {"homepage", "bugtracker", "repository"})
        if "homepage" in v:
            self.uri(f"{path}.homepage", v["homepage"])
        bt = v.get("bugtracker")
        if bt is not None and self.map(f"{path}.bugtracker", bt):
            self.keys(f"{path}.bugtracker", bt, set(), {"web", "mailto"})
            if "web" in bt:
                self.uri(f"{path}.bugtracker.web", bt["web"])
            if "mailto" in bt and not (isinstance(bt["mailto"], str) and EMAIL_RE.fullmatch(bt["mailto"])):
                self.err(f"{path}.bugtracker.mailto", f"must be an email address, got {bt['mailto']!r}")
        repo = v.get("repository")
        if repo is not None and self.map(f"{path}.repository", repo):
            self.keys(f"{path}.repository", repo, set(), {"url", "web", "type"})
            for k in ("url", "web"):
                if k in repo:
                    self.uri(f"{path}.repository.{k}", repo[k])
            if "type" in repo and self.string(f"{path}.repository.type", repo["type"]) \
                    and repo["type"] != repo["type"].lower():
                self.err(f"{path}.repository.type", f"must be lowercase, got {repo['type']!r}")


def validate(meta, files=None):
    v = _Validator(files)
    v.document(meta)
    return v.errors
