"""Independent references for mlmon.epps_singleton (used by
test_catalogue_epps.py and test/core/test_epps_core.py): SciPy 1.10's
scipy.stats.epps_singleton_2samp, its intermediate covariance, and the
statistic in 50-digit mpmath where SciPy's own rounding shows.

SciPy's W loses digits in two ways that are not mlmon's to copy:
- an ill-conditioned covariance (a sample of 5 to 10 values, or heavy ties)
  amplifies the rounding of g(x) and of NumPy's sums by its condition
  number: differences from SciPy beyond 1e-12 are then judged against the
  50-digit W, to 4 cond * 2^-52;
- with k <= 4 distinct pooled values the covariance has rank k - 1 exactly,
  but np.cov's rounding noise can pass pinv's cutoff (1e-15 max|lambda|)
  for thousands of values, and SciPy then counts an extra degree of freedom
  (and adds the noise's share to W).  The reference there is the 50-digit
  W over the k - 1 largest eigenvalues, with k - 1 degrees of freedom."""
import warnings

import mpmath as mp
import numpy as np
from scipy import stats

T = (0.4, 0.8)


def scipy_result(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = stats.epps_singleton_2samp(x, y)
    return float(r.statistic), float(r.pvalue)


def scipy_est_cov(x, y):
    """SciPy's estimated covariance matrix (its code, step by step)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x) + len(y)
    sigma = stats.iqr(np.hstack((x, y))) / 2
    ts = np.reshape(np.asarray(T), (-1, 1)) / sigma
    gx = np.vstack((np.cos(ts * x), np.sin(ts * x))).T
    gy = np.vstack((np.cos(ts * y), np.sin(ts * y))).T
    return (n / len(x)) * np.cov(gx.T, bias=True) + (n / len(y)) * np.cov(gy.T, bias=True)


def scipy_rank(x, y):
    """The degrees of freedom SciPy uses."""
    return int(np.linalg.matrix_rank(np.linalg.pinv(scipy_est_cov(x, y))))


def exact_rank(x, y):
    """Rank of the covariance in exact arithmetic: k - 1 for k <= 4 distinct values."""
    return min(4, len(np.unique(np.hstack((np.asarray(x, float), np.asarray(y, float))))) - 1)


def cond_kept(x, y, r):
    """Condition number of the covariance over its r largest eigenvalues."""
    e = np.sort(np.abs(np.linalg.eigvalsh(scipy_est_cov(x, y))))[::-1][:r]
    return float(e[0] / e[-1])


def es_mp(x, y, r):
    """W in 50-digit arithmetic on the same inputs, from the point where
    SciPy's floating-point steps are exact or one rounding: the IQR is
    scipy.stats.iqr's, each angle ts * x is rounded to a double as NumPy
    rounds it; means, covariances and the pseudo-inverse over the r largest
    eigenvalues are then exact to 50 digits."""
    mp.mp.dps = 50
    x, y = np.asarray(x, float), np.asarray(y, float)
    n1, n2 = len(x), len(y)
    n = n1 + n2
    sigma = stats.iqr(np.hstack((x, y))) / 2
    ts = [T[0] / sigma, T[1] / sigma]

    def moments(s):
        u, c = np.unique(s, return_counts=True)
        g = [[mp.cos(mp.mpf(ts[0] * v)), mp.cos(mp.mpf(ts[1] * v)),
              mp.sin(mp.mpf(ts[0] * v)), mp.sin(mp.mpf(ts[1] * v))] for v in u]
        m = [mp.fsum(int(w) * row[j] for row, w in zip(g, c)) / len(s) for j in range(4)]
        cov = mp.matrix(4, 4)
        for j in range(4):
            for k in range(4):
                cov[j, k] = mp.fsum(int(w) * (row[j] - m[j]) * (row[k] - m[k]) for row, w in zip(g, c)) / len(s)
        return m, cov

    m1, c1 = moments(x)
    m2, c2 = moments(y)
    est = c1 * (mp.mpf(n) / n1) + c2 * (mp.mpf(n) / n2)
    d = [m1[j] - m2[j] for j in range(4)]
    e, q = mp.eigsy(est)
    kept = sorted(range(4), key=lambda i: -abs(e[i]))[:r]
    w = n * mp.fsum(mp.fsum(q[k, i] * d[k] for k in range(4)) ** 2 / e[i] for i in kept)
    if max(n1, n2) < 25:
        w *= 1 / (1 + mp.mpf(n) ** mp.mpf(-0.45)
                  + mp.mpf(10.1) * (mp.mpf(n1) ** mp.mpf(-1.7) + mp.mpf(n2) ** mp.mpf(-1.7)))
    return float(w)


def expected(x, y, got_w, stat_rtol=1e-12, p_rtol=1e-9, stat_atol=1e-13):
    """(W, p, rank, W's relative tolerance, p's relative tolerance, source)
    to compare got_w with: SciPy's when it has the exact rank and agrees
    with got_w to stat_rtol, else the 50-digit W (and the chi-square p of
    it) with a tolerance of max(stat_rtol, 4 cond 2^-52) on W, and on p
    that times W (d log p / dW is at most 1/2 in absolute value past the
    mode).  source is "scipy", "50 digits (ill-conditioned)" or "50 digits
    (SciPy's rank from rounding noise)"."""
    w, p = scipy_result(x, y)
    k, kx = scipy_rank(x, y), exact_rank(x, y)
    if k == kx and got_w is not None and abs(got_w - w) <= stat_rtol * abs(w) + stat_atol:
        return w, p, k, stat_rtol, p_rtol, "scipy"
    ref = es_mp(x, y, kx)
    tol = max(stat_rtol, 4 * cond_kept(x, y, kx) * 2.0 ** -52)
    why = "ill-conditioned" if k == kx else "SciPy's rank from rounding noise"
    return ref, float(stats.chi2.sf(ref, kx)), kx, tol, max(p_rtol, tol * max(1.0, ref)), f"50 digits ({why})"
