#!/usr/bin/python3
"""mlmon.cramer_von_mises and mlmon.anderson_darling against SciPy 1.10
(scipy.stats.cramervonmises_2samp, scipy.stats.anderson_ksamp with
midrank=True) on seeded random samples: tiny samples (exact Cramer-von
Mises, up to the switch at 20 values and past it), ties, unequal sizes,
5000 x 5000, strong drift with tiny p-values, identical samples, the
Anderson-Darling cap (0.25) and floor (0.001).

Expected numbers come from SciPy, or from the tests' formulas evaluated
here independently in exact or high-precision arithmetic:
- the Cramer-von Mises T, exactly with Fractions (SciPy's float form loses
  digits to cancellation at large sizes: SciPy is held to the bound of
  that cancellation);
- the Anderson-Darling statistic, with mpmath at 40 digits (SciPy's form
  subtracts 1 from a sum near 1);
- log_pvalue of the asymptotic Cramer-von Mises test: the log of the exact
  tail of the limiting distribution, with mpmath (Smirnov's integral by
  mpmath's quadrature, and the Csorgo-Faraway series at high precision
  where the tail is not tiny, which also checks the two against each other).
SciPy's asymptotic p-value is 1 minus a series whose terms use a Bessel
function good to about 1e-14: it is compared within 1e-9 relative or
1e-14 absolute."""
import math
import warnings
from fractions import Fraction

import mpmath as mp
import numpy as np
from scipy import stats

from common import P_RTOL, STAT_RTOL, Checker, connect, load_samples

warnings.simplefilter("ignore")   # SciPy's "p-value capped/floored" warnings are expected here
rng = np.random.default_rng(20261204)
chk = Checker("rank drift tests against SciPy")
conn = connect()
cur = conn.cursor()
ASYMP_P_ATOL = 1e-14


def trials():
    t = []
    for m, n in ((2, 2), (2, 5), (3, 4), (5, 5), (7, 3), (10, 12), (13, 20), (19, 20), (20, 20),
                 (20, 21), (21, 5), (30, 30), (100, 80), (250, 260), (1000, 900)):
        t.append(("normal-shift", rng.normal(0, 1, m), rng.normal(rng.uniform(0, 1), 1.3, n)))
        t.append(("ties", rng.integers(0, 5, m).astype(float), rng.integers(0, 6, n).astype(float)))
    for m, n in ((4, 4), (15, 17), (20, 20), (60, 50), (400, 300)):
        t.append(("separated", rng.uniform(0, 1, m), rng.uniform(0.7 + rng.uniform(0, 0.5), 2, n)))
    for n in (4, 12, 300):
        x = rng.normal(size=n)
        t.append(("identical", x, x.copy()))
    t.append(("strong", rng.normal(0, 1, 800), rng.normal(0.8, 1, 700)))
    t.append(("disjoint", rng.uniform(0, 1, 300), rng.uniform(5, 6, 200)))
    t.append(("large", rng.normal(0, 1, 5000), rng.normal(0.02, 1, 5000)))
    t.append(("large-ties", rng.integers(0, 40, 5000).astype(float), rng.integers(0, 41, 4000).astype(float)))
    return t


def midranks(a, b):
    z = np.concatenate([a, b])
    return stats.rankdata(z, method="average")


def cvm_exact_t(a, b):
    """T = U/(mnN) - (4mn-1)/(6N) in exact rational arithmetic."""
    m, n = len(a), len(b)
    r = [Fraction(int(round(2 * v)), 2) for v in midranks(np.sort(a), np.sort(b))]
    u = m * sum((r[i] - (i + 1)) ** 2 for i in range(m)) + n * sum((r[m + j] - (j + 1)) ** 2 for j in range(n))
    k, N = m * n, m + n
    return u / (k * N) - Fraction(4 * k - 1, 6 * N), u


def cvm_tn(t, m, n):
    """SciPy's normalized statistic, from the exact T, with mpmath."""
    k, N = m * n, m + n
    mp.mp.dps = 40
    et = (1 + mp.mpf(1) / N) / 6
    vt = mp.mpf((N + 1) * (4 * k * N - 3 * (m * m + n * n) - 2 * k)) / (45 * N * N * 4 * k)
    return mp.mpf(1) / 6 + (mp.mpf(t.numerator) / t.denominator - et) / mp.sqrt(45 * vt)


def log_sf_smirnov(x, dps):
    """ln P(omega^2 > x): Smirnov's integral, u = pi (1 - cos th) / 2 so the
    endpoint singularities vanish; the peak near th = 0 is split finely."""
    mp.mp.dps = dps
    x = mp.mpf(x)
    s = mp.mpf(0)
    for k in range(1, 6):
        a = (2 * k - 1) * mp.pi
        if k > 1 and x * ((2 * k - 1) ** 2 - 1) * mp.pi ** 2 / 2 > 2.31 * dps + 5:
            break   # relative size exp(-x ((2k-1)^2 - 1) pi^2 / 2): below the precision

        def f(th):
            u = mp.pi * mp.sin(th / 2) ** 2          # pi (1 - cos th) / 2
            v = mp.pi * mp.cos(th / 2) ** 2          # pi - u
            su = mp.sin(min(u, v))
            if su <= 0:
                return mp.mpf(0)
            return (mp.exp(-x * ((a + u) ** 2 - mp.pi ** 2) / 2) / mp.sqrt((a + u) * su)
                    * mp.pi / 2 * mp.sin(th))
        w = 1 / mp.sqrt(x * a + 1)
        pts = [mp.mpf(0)] + [w * 4 ** j for j in range(-2, 3) if w * 4 ** j < mp.pi] + [mp.pi]
        part = mp.quad(f, pts)
        s += part if k % 2 == 1 else -part
    return -x * mp.pi ** 2 / 2 + mp.log(2 / mp.pi * s)


def log_sf_series(x, dps):
    """ln(1 - Csorgo-Faraway series), all terms, at dps digits."""
    mp.mp.dps = dps
    x = mp.mpf(x)
    tot = mp.mpf(0)
    for k in range(0, 400):
        y = 4 * k + 1
        q = mp.mpf(y) ** 2 / (16 * x)
        z = (mp.gamma(k + mp.mpf(1) / 2) / mp.gamma(k + 1) / (mp.pi ** mp.mpf(1.5) * mp.sqrt(x))
             * mp.sqrt(y) * mp.exp(-q) * mp.besselk(mp.mpf(1) / 4, q))
        tot += z
        if z < mp.mpf(10) ** (-dps - 5):
            break
    return mp.log(1 - tot)


def ad_reference(a, b):
    """anderson_ksamp's midrank statistic in mpmath at 40 digits (SciPy's formulas)."""
    mp.mp.dps = 40
    z = np.sort(np.concatenate([a, b]))
    zs, lj = np.unique(z, return_counts=True)
    N = len(z)
    left = np.searchsorted(z, zs, "left")
    sa = np.sort(a)
    ma2 = 2 * np.searchsorted(sa, zs, "right") - (np.searchsorted(sa, zs, "right") - np.searchsorted(sa, zs, "left"))
    tot = mp.mpf(0)
    for j in range(len(zs)):
        B2 = 2 * int(left[j]) + int(lj[j])
        num = N * int(ma2[j]) - B2 * len(a)            # 2 (N M_1j - B_j m)
        den = B2 * (2 * N - B2) - N * int(lj[j])         # 4 (B_j (N - B_j) - N l_j / 4)
        tot += mp.mpf(int(lj[j]) * num * num) / den
    H = mp.mpf(1) / len(a) + mp.mpf(1) / len(b)
    a2kn = tot * H / N * (N - 1) / N
    hs, g = mp.mpf(0), mp.mpf(0)
    for kk in range(N - 1, 1, -1):
        hs += mp.mpf(1) / kk
        g += hs / (N + 1 - kk)
    h = hs + 1
    k = 2
    ca = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H
    cb = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6
    cc = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h
    cd = (2 * h + 6) * k ** 2 - 4 * h * k
    sig2 = (ca * N ** 3 + cb * N ** 2 + cc * N + cd) / ((N - 1) * (N - 2) * (N - 3))
    return float((a2kn - 1) / mp.sqrt(sig2)), float(a2kn)


cases = trials()
rows = []
for g, (_, a, b) in enumerate(cases):
    rows += [(g, float(v), False) for v in a] + [(g, float(v), True) for v in b]
# values every test skips
rows += [(0, float("nan"), False), (0, float("inf"), True), (0, None, True), (1, float("-inf"), False)]
load_samples(cur, "rank", rows)


def parse(s):
    f = s.strip("()").split(",")
    num = lambda v: None if v == "" else float(v)
    return num(f[0]), num(f[1]), int(f[2]), int(f[3]), f[4] or None, num(f[5])


def fetch(sql):
    cur.execute(sql)
    return {g: parse(r) for g, r in cur.fetchall()}


cvm_auto = fetch("SELECT grp, mlmon.cramer_von_mises(value, is_current) FROM rank GROUP BY grp")
cvm_asym = fetch("SELECT grp, mlmon.cramer_von_mises(value, is_current, 'asymptotic') FROM rank GROUP BY grp")
small = [g for g, (_, a, b) in enumerate(cases) if len(a) * len(b) * (len(a) // math.gcd(len(a), len(b))) * len(b) <= 2e6
         and max(len(a), len(b)) <= 30]
cur.execute("SELECT grp, mlmon.cramer_von_mises(value, is_current, 'exact') FROM rank WHERE grp = ANY(%s) GROUP BY grp",
            (small,))
cvm_exact = {g: parse(r) for g, r in cur.fetchall()}
ad = fetch("SELECT grp, mlmon.anderson_darling(value, is_current) FROM rank GROUP BY grp")

switches = set()
mp_checked = 0
lowest_log_p = 0.0
for g, (kind, a, b) in enumerate(cases):
    m, n = len(a), len(b)
    lbl = f"{kind}[{m}x{n}]"
    texact, _ = cvm_exact_t(a, b)
    for meth, res in (("auto", cvm_auto), ("asymptotic", cvm_asym), ("exact", cvm_exact)):
        if g not in res:
            continue
        s, p, nr, nc, used, lp = res[g]
        chk.equal(f"{lbl} cvm {meth}:counts", (nr, nc), (m, n))
        want = stats.cramervonmises_2samp(a, b, method=meth)
        want_used = ("exact" if max(m, n) <= 20 else "asymp") if meth == "auto" else \
            ("exact" if meth == "exact" else "asymp")
        chk.equal(f"{lbl} cvm {meth}:method", used, want_used)
        switches.add((meth, used, max(m, n) <= 20))
        chk.close(f"{lbl} cvm {meth}:statistic", s, float(texact), STAT_RTOL)
        # SciPy: U/(mnN) and (4mn-1)/(6N) each rounded, then subtracted
        k, N = m * n, m + n
        bound = 4 * 2.0 ** -52 * ((4 * k - 1) / (6 * N) + abs(float(texact)))
        chk.close(f"{lbl} cvm {meth} vs SciPy's float form:statistic", s, float(want.statistic), 0, bound)
        if used == "exact":
            chk.close(f"{lbl} cvm {meth}:pvalue", p, float(want.pvalue), P_RTOL)
            chk.close(f"{lbl} cvm {meth}:log_pvalue", lp, math.log(want.pvalue), P_RTOL)
        else:
            chk.close(f"{lbl} cvm {meth}:pvalue", p, float(want.pvalue), P_RTOL, ASYMP_P_ATOL)
            tn = cvm_tn(texact, m, n)
            if tn < 0.003:
                chk.equal(f"{lbl} cvm {meth}:log_pvalue", lp, 0.0)
            elif meth == "asymptotic" or max(m, n) > 20:
                if tn >= 0.2:
                    ref = log_sf_smirnov(tn, 25)
                    if mp_checked % 8 == 0:
                        chk.close(f"{lbl} mpmath's Smirnov integral at 25 vs 40 digits:log_pvalue_oracle",
                                  float(ref), float(log_sf_smirnov(tn, 40)), 1e-13)
                    if tn < 3 and mp_checked % 4 == 0:
                        chk.close(f"{lbl} Smirnov's integral vs the series:log_pvalue_oracle",
                                  float(ref), float(log_sf_series(tn, 60)), 1e-11)
                else:
                    ref = log_sf_series(tn, 40)
                chk.close(f"{lbl} cvm {meth}:log_pvalue", lp, float(ref), P_RTOL)
                mp_checked += 1
                lowest_log_p = min(lowest_log_p, float(ref))
    s, p, nr, nc, used, lp = ad[g]
    chk.equal(f"{lbl} ad:counts", (nr, nc), (m, n))
    want = stats.anderson_ksamp([a, b], midrank=True)
    ref_stat, a2kn = ad_reference(a, b)
    chk.close(f"{lbl} ad:statistic", s, ref_stat, STAT_RTOL, 1e-15)
    # SciPy's A2kN carries about N ulps of rounding, which the subtraction of 1 amplifies
    chk.close(f"{lbl} ad vs SciPy:statistic", s, float(want.statistic), STAT_RTOL,
              (m + n) * 2.0 ** -52 * a2kn)
    chk.close(f"{lbl} ad:pvalue", p, float(want.significance_level), P_RTOL)
    chk.close(f"{lbl} ad:log_pvalue", lp, math.log(want.significance_level), P_RTOL)
    chk.equal(f"{lbl} ad:method", used, "midrank")
    if want.significance_level in (0.25, 0.001):
        switches.add(("ad", want.significance_level, None))

for need in (("auto", "exact", True), ("auto", "asymp", False), ("exact", "exact", False),
             ("asymptotic", "asymp", True), ("ad", 0.25, None), ("ad", 0.001, None)):
    chk.equal(f"covered {need}", need in switches, True)
print(f"  method switches covered: {sorted(map(str, switches))}; log tails checked with mpmath: {mp_checked}, "
      f"down to ln p = {lowest_log_p:.6g}")

# a parallel plan gives the same rows (partial states combined); temp tables are not scanned in parallel
PG = len(cases) - 2
cur.execute(f"DROP TABLE IF EXISTS rank_parallel; CREATE TABLE rank_parallel AS SELECT * FROM rank WHERE grp = {PG};"
            "ANALYZE rank_parallel")
cur.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
            "SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off")
for q in ("mlmon.cramer_von_mises(value, is_current)", "mlmon.cramer_von_mises(value, is_current, 'asymptotic')",
          "mlmon.anderson_darling(value, is_current)"):
    cur.execute(f"EXPLAIN SELECT {q} FROM rank_parallel")
    plan = "\n".join(r[0] for r in cur.fetchall())
    cur.execute(f"SELECT {q}::text FROM rank_parallel")
    par = cur.fetchone()[0]
    serial = {"mlmon.cramer_von_mises(value, is_current)": cvm_auto,
              "mlmon.cramer_von_mises(value, is_current, 'asymptotic')": cvm_asym,
              "mlmon.anderson_darling(value, is_current)": ad}[q][PG]
    chk.equal(f"parallel {q}: partial aggregate", "Partial Aggregate" in plan, True)
    chk.equal(f"parallel {q}: same result", parse(par), serial)
cur.execute("DROP TABLE rank_parallel")
chk.finish()
