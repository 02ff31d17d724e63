"""Independent references for the natural logs of mlmon's p-values, in
mpmath at 60 significant digits (used by test_log_pvalues.py and
test/core/test_log_tails.py).  None of them shares code or algorithm with
mlmon's C: the normal and chi-square tails come from mpmath's erfc and
incomplete gamma, the one-sided Smirnov tail from its finite sum summed term
by term in multiprecision, and the exact two-sample KS p-values from exact
integer counts of lattice paths."""
import math

import numpy as np
from mpmath import mp, mpf

mp.dps = 60
LN2 = mp.log(2)


def log_norm_two_sided(z):
    """log(2 (1 - Phi(|z|))) = log erfc(|z| / sqrt 2)."""
    return mp.log(mp.erfc(abs(mpf(z)) / mp.sqrt(2)))


def log_chi2_sf(x, k):
    """log Q(k/2, x/2), the chi-square survival function."""
    if x <= 0:
        return mpf(0)
    a, h = mpf(k) / 2, mpf(x) / 2
    if h < a:
        # Q >= ~1/2: log1p(-P), P from its series (no cancellation; Q itself would cancel to 1 + noise)
        # (DLMF 8.7.1 summed at 60 digits: mpmath's own lower gamma gives up at a ~ 1e5)
        term, total, n = mpf(1), mpf(1), 0
        while term > total * mpf(10) ** -62:
            n += 1
            term *= h / (a + n)
            total += term
        return mp.log1p(-mp.exp(a * mp.log(h) - h - mp.loggamma(a + 1)) * total)
    return mp.log(mp.gammainc(a, h, mp.inf, regularized=True))


def log_smirnov(n, x):
    """log P(D+_n >= x) = log of x sum_{v=0}^{floor(n(1-x))} C(n,v)
    (x+v/n)^(v-1) (1-x-v/n)^(n-v) (Smirnov 1944, Birnbaum-Tingey 1951).
    The terms are located in floating point (numpy) and those within e^-150
    of the largest are summed in mpmath."""
    X = mpf(x)
    vmax = int(mp.floor(n * (1 - X)))
    if n * (1 - X) == vmax:
        vmax -= 1               # that term is 0^(n-v) = 0
    if vmax < 0:
        return mpf("-inf")
    v = np.arange(0, vmax + 1, dtype=np.float64)
    lgn = math.lgamma(n + 1)
    lg = np.array([math.lgamma(t + 1) for t in v]) if vmax < 2000 else None
    if lg is None:
        from scipy.special import gammaln
        lg = gammaln(v + 1)
        lg2 = gammaln(n - v + 1)
    else:
        lg2 = np.array([math.lgamma(n - t + 1) for t in v])
    with np.errstate(divide="ignore"):
        lt = lgn - lg - lg2 + (v - 1) * np.log(x + v / n) + (n - v) * np.log1p(-x - v / n)
    keep = np.nonzero(lt > lt.max() - 150)[0]
    s = mpf(0)
    for vi in range(int(keep[0]), int(keep[-1]) + 1):
        u = 1 - X - mpf(vi) / n
        if u <= 0:
            continue
        s += mp.binomial(n, vi) * (X + mpf(vi) / n) ** (vi - 1) * u ** (n - vi)
    return mp.log(X * s)


def log_kstwo_tail(n, d):
    """log P(D_n >= d) where mlmon's kstwo uses a closed form: 2 (1-d)^n
    for d >= 1 - 1/n (Ruben & Gambino 1982) and 2 smirnov(n, d) for
    d >= 1/2 or n d^2 >= 2.2 (n > 140) / > 4 (n <= 140); None elsewhere."""
    D = mpf(d)
    if d >= 1:
        return mpf("-inf")
    if n * d >= n - 1.0:
        return LN2 + n * mp.log(1 - D)
    nxsq = n * d * d
    if d >= 0.5 or (n > 140 and nxsq >= 2.2) or (n <= 140 and nxsq > 4.0):
        return LN2 + log_smirnov(n, d)
    return None


def ks2_exact_log(n1, n2, h, two_sided=True):
    """log P(D >= h / lcm(n1, n2)) for two samples of sizes n1, n2 (one-sided:
    D+), from exact integer counts of the monotone lattice paths to
    (n1, n2) that keep i (n2/g) - j (n1/g) inside (-h, h) (one-sided: below
    h); p = (all - inside) / all."""
    g = math.gcd(n1, n2)
    a, b = n1 // g, n2 // g
    lo = -h if two_sided else -(10 ** 30)
    prev = None
    for i in range(n1 + 1):
        row = [0] * (n2 + 1)
        for j in range(n2 + 1):
            k = i * b - j * a
            if not (lo < k < h):
                continue
            if i == 0 and j == 0:
                row[j] = 1
                continue
            row[j] = (prev[j] if i > 0 else 0) + (row[j - 1] if j > 0 else 0)
        prev = row
    total = math.comb(n1 + n2, n1)
    out = total - prev[n2]
    if out == 0:
        return mpf("-inf")
    return mp.log(mpf(out)) - mp.log(mpf(total))


def rel(got, want):
    """Relative difference of a double from an mpmath value (0 for equal infinities)."""
    if want == mpf("-inf") or got == -math.inf:
        return 0.0 if got == -math.inf and want == mpf("-inf") else math.inf
    return float(abs((mpf(got) - want) / want)) if want != 0 else float(abs(mpf(got)))
