#!/usr/bin/python3
"""The exact Mann-Whitney p-value (src/core/mannwhitney.c) against exact
integer counts: the number of arrangements of the two samples with U <= c,
from the generating function prod_{i=1..m} (1 - x^(n+i)) / (1 - x^i) in
Python's big integers, over C(m+n, m).  Sizes up to the glue's limit of 300
values in the smaller sample (src/agg_mann_whitney.c), centre and tails,
each alternative.  Target: 1e-12 relative (p-values: 1e-9).

Run:  /usr/bin/python3 test/core/test_mwu_exact.py      (exit status 0 = pass)"""
import ctypes
import os
import sys
from fractions import Fraction
from math import comb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corelib  # noqa: E402


class Ranks(ctypes.Structure):
    _fields_ = [("n1", ctypes.c_int64), ("n2", ctypes.c_int64), ("u1x2", ctypes.c_int64),
                ("tie_term", ctypes.c_double), ("has_ties", ctypes.c_int)]


class Outcome(ctypes.Structure):
    _fields_ = [("statistic", ctypes.c_double), ("pvalue", ctypes.c_double),
                ("log_pvalue", ctypes.c_double), ("method", ctypes.c_char_p)]


terms = corelib.fn("mlm_mwu_exact_terms", ctypes.c_int64, ctypes.POINTER(Ranks), ctypes.c_int)
test = corelib.fn("mlm_mwu_test", None, ctypes.POINTER(Ranks), ctypes.c_int, ctypes.c_int, ctypes.c_void_p,
                  ctypes.POINTER(Outcome))
TWO_SIDED, LESS, GREATER = 0, 1, 2


def counts(m, n, upto):
    """Arrangements with U = k for k <= upto (exact integers)."""
    T = upto + 1
    c = [0] * T
    c[0] = 1
    for i in range(1, m + 1):
        a = n + i
        for k in range(T - 1, a - 1, -1):
            c[k] -= c[k - a]
        for k in range(i, T):
            c[k] += c[k - i]
    return c


PREFIX = {}


def cdf(m, n, c):
    """P(U <= c) exactly (U is symmetric: P(U <= c) = 1 - P(U <= mn - c - 1))."""
    mn = m * n
    if c < 0:
        return Fraction(0)
    if 2 * c > mn:
        return 1 - cdf(m, n, mn - c - 1)
    key = (min(m, n), max(m, n))
    if key not in PREFIX:
        run, acc = [], 0
        for x in counts(key[0], key[1], mn // 2):
            acc += x
            run.append(acc)
        PREFIX[key] = run
    return Fraction(PREFIX[key][c], comb(m + n, m))


def want_p(n1, n2, u1, alt):
    mn = n1 * n2
    if alt == GREATER:          # P(U1 >= u1) = P(U <= mn - u1)
        return cdf(n1, n2, mn - u1)
    if alt == LESS:             # P(U2 >= mn - u1) = P(U <= u1)
        return cdf(n1, n2, u1)
    u = max(u1, mn - u1)
    return min(2 * cdf(n1, n2, mn - u), Fraction(1))


failures = []
worst = 0.0
n_cases = 0
for n1, n2, fracs in [(9, 11, (0.5, 0.8, 0.95)), (20, 30, (0.52, 0.7, 0.9)), (11, 700, (0.55, 0.8)),
                      (50, 50, (0.5, 0.6, 0.75)), (150, 150, (0.51, 0.6)), (300, 300, (0.5, 0.55, 0.62)),
                      (120, 2000, (0.53,)), (1000, 300, (0.505,))]:
    for f in fracs:
        u1 = int(f * n1 * n2)
        for alt in (TWO_SIDED, LESS, GREATER):
            r = Ranks(n1, n2, 2 * u1, 0.0, 0)
            work = (ctypes.c_longdouble * terms(ctypes.byref(r), alt))()
            out = Outcome()
            test(ctypes.byref(r), alt, 1, ctypes.cast(work, ctypes.c_void_p), ctypes.byref(out))
            want = float(want_p(n1, n2, u1, alt))
            err = abs(out.pvalue - want) / want if want > 0 else abs(out.pvalue)
            worst = max(worst, err)
            n_cases += 1
            if out.method != b"exact" or not err <= 1e-12:
                failures.append(f"({n1}, {n2}) U1={u1} alternative {alt}: got {out.pvalue!r} "
                                f"({out.method}), want {want!r}, relative error {err:.3g}")
for f in failures:
    print("FAIL", f)
print(f"exact Mann-Whitney against integer counts: {n_cases - len(failures)}/{n_cases} passed, "
      f"largest relative error {worst:.3g}")
sys.exit(1 if failures else 0)
