"""Build the numerics core (src/core/*.c, no PostgreSQL headers) into a shared
library and load it with ctypes, so the core can be checked against SciPy
without a server.  Used by the test/core/test_*.py scripts."""
import atexit
import ctypes
import glob
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFLAGS = ["-std=gnu99", "-O2", "-Wall", "-Wextra", "-Werror",
          "-Wmissing-prototypes", "-Wdeclaration-after-statement",
          "-fexcess-precision=standard", "-fwrapv", "-fno-strict-aliasing",
          "-fPIC", "-shared"]
_lib = None


def makefile_flags():
    """The extra flags the Makefile gives single core files ("src/core/x.o: override CFLAGS += ..."),
    by source path: the tests build each file as the extension does."""
    flags = {}
    with open(os.path.join(ROOT, "Makefile")) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not (line.startswith("src/core/") and "CFLAGS" in line):
                continue
            m = re.match(r"^(src/core/\w+)\.o:\s*override\s+CFLAGS\s*\+=\s*([-\w=. ]+)$", line)
            if m is None:
                # a rule this parser does not read would build the file here with other flags than the extension's
                raise RuntimeError(f"corelib cannot read this Makefile rule: {line}")
            flags[os.path.join(ROOT, m.group(1) + ".c")] = m.group(2).split()
    return flags


def compile_sources(cc, sources, outdir, tag):
    """sources as gcc arguments: the files the Makefile gives extra flags compiled alone with them
    (cc, then those flags) into objects in outdir, the others as they are."""
    extra = makefile_flags()
    args = []
    for src in sources:
        if src in extra:
            obj = os.path.join(outdir, f"{tag}_{os.path.basename(src)[:-2]}.o")
            subprocess.run(cc + ["-c", "-o", obj, src] + extra[src], check=True)
            args.append(obj)
        else:
            args.append(src)
    return args


def load():
    """Compile every src/core/*.c into one shared object (once) and return it."""
    global _lib
    if _lib is not None:
        return _lib
    sources = sorted(glob.glob(os.path.join(ROOT, "src", "core", "*.c")))
    outdir = tempfile.mkdtemp(prefix="mlmon-core-")
    atexit.register(shutil.rmtree, outdir, True)
    so = os.path.join(outdir, "libmlmcore.so")
    objs = compile_sources(["gcc"] + [f for f in CFLAGS if f != "-shared"], sources, outdir, "lib")
    subprocess.run(["gcc"] + CFLAGS + ["-o", so] + objs + ["-lm"], check=True)
    _lib = ctypes.CDLL(so)
    return _lib


def fn(name, restype, *argtypes):
    """Return the core function `name` with its ctypes signature set."""
    f = getattr(load(), name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


PROGRAM_CFLAGS = ["gcc", "-std=gnu99", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-Wmissing-prototypes",
                  "-Wdeclaration-after-statement", "-fexcess-precision=standard", "-fwrapv",
                  "-I", os.path.join(ROOT, "src", "core")]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"]


def sanitizers_work(outdir):
    """Can gcc here build and run a program with AddressSanitizer and UBSan?"""
    probe_c = os.path.join(outdir, "probe.c")
    with open(probe_c, "w") as f:
        f.write("int main(void) { return 0; }\n")
    exe = os.path.join(outdir, "probe")
    probe = subprocess.run(["gcc"] + SANITIZE + ["-o", exe, probe_c], capture_output=True)
    return probe.returncode == 0 and subprocess.run([exe]).returncode == 0


def build_programs(name, sources, outdir):
    """Build a test program from `sources` (test files and src/core/*.c names)
    with sanitizers (when gcc has them) and plainly; return [(label, exe)]."""
    srcs = [s if os.path.isabs(s) else os.path.join(ROOT, "src", "core", s) for s in sources]
    builds = []
    if sanitizers_work(outdir):
        exe = os.path.join(outdir, name + "_asan")
        objs = compile_sources(PROGRAM_CFLAGS + SANITIZE, srcs, outdir, name + "_asan")
        subprocess.run(PROGRAM_CFLAGS + SANITIZE + ["-o", exe] + objs + ["-lm"], check=True)
        builds.append(("asan+ubsan", exe))
    else:
        print("note: gcc cannot build with -fsanitize=address,undefined here; plain build only")
    exe = os.path.join(outdir, name + "_plain")
    objs = compile_sources(PROGRAM_CFLAGS, srcs, outdir, name + "_plain")
    subprocess.run(PROGRAM_CFLAGS + ["-o", exe] + objs + ["-lm"], check=True)
    builds.append(("plain -O2", exe))
    return builds


class WSample(ctypes.Structure):
    """src/core/wsample.h's mlm_wsample."""
    _fields_ = [("v", ctypes.POINTER(ctypes.c_double)), ("w", ctypes.POINTER(ctypes.c_int64)),
                ("cum", ctypes.POINTER(ctypes.c_int64)), ("m", ctypes.c_int64), ("n", ctypes.c_int64)]


def wsample(values, counts=None):
    """An mlm_wsample over ascending `values` (raw: ties repeated) or over
    distinct ascending values with `counts`; the arrays stay referenced by it."""
    m = len(values)
    v = (ctypes.c_double * max(m, 1))(*values)
    s = WSample()
    s.v = ctypes.cast(v, ctypes.POINTER(ctypes.c_double))
    s.m = m
    s._keep = [v]
    if counts is None:
        s.n = m
    else:
        w = (ctypes.c_int64 * max(m, 1))(*counts)
        cum, total = [], 0
        for c in counts:
            total += c
            cum.append(total)
        cu = (ctypes.c_int64 * max(m, 1))(*cum)
        s.w = ctypes.cast(w, ctypes.POINTER(ctypes.c_int64))
        s.cum = ctypes.cast(cu, ctypes.POINTER(ctypes.c_int64))
        s.n = total
        s._keep += [w, cu]
    return s
