"""Build the numerics core (src/core/*.c, no PostgreSQL headers) into a shared
library and load it with ctypes, so the core can be checked against SciPy
without a server.  Used by the test/core/test_*.py scripts."""
import atexit
import ctypes
import glob
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFLAGS = ["-std=gnu99", "-O2", "-Wall", "-Wextra", "-Werror",
          "-Wmissing-prototypes", "-Wdeclaration-after-statement",
          "-fexcess-precision=standard", "-fwrapv", "-fno-strict-aliasing",
          "-fPIC", "-shared"]
_lib = None


def load():
    """Compile every src/core/*.c into one shared object (once) and return it."""
    global _lib
    if _lib is not None:
        return _lib
    sources = sorted(glob.glob(os.path.join(ROOT, "src", "core", "*.c")))
    outdir = tempfile.mkdtemp(prefix="mlmon-core-")
    atexit.register(shutil.rmtree, outdir, True)
    so = os.path.join(outdir, "libmlmcore.so")
    subprocess.run(["gcc"] + CFLAGS + ["-o", so] + sources + ["-lm"], check=True)
    _lib = ctypes.CDLL(so)
    return _lib


def fn(name, restype, *argtypes):
    """Return the core function `name` with its ctypes signature set."""
    f = getattr(load(), name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f
