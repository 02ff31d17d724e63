-- Ten million rows: odd numbers as the reference, even numbers as the
-- current sample.  The answers are known in closed form: the ECDFs differ by
-- at most one value in five million (D = 2e-7, p = 1), and every reference
-- value is one below a current value (Wasserstein distance 1).
SET client_min_messages = warning;
BEGIN;
SELECT plan(6);
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE big_result AS
SELECT mlmon.ks_2samp(g::float8, g % 2 = 0) AS ks, mlmon.wasserstein(g::float8, g % 2 = 0) AS wd,
       mlmon.psi(g::float8, g % 2 = 0) AS psi
  FROM generate_series(1, 10000000) g;
SELECT is((SELECT (ks).n_reference FROM big_result), 5000000::bigint, '5,000,000 reference values');
SELECT is((SELECT (ks).n_current FROM big_result), 5000000::bigint, '5,000,000 current values');
-- D is computed as SciPy does, cdf1 - cdf2 in floating point, which near
-- 0.5 - 0.4999998 carries a rounding error of order 1e-16 (SciPy 1.10 reports
-- 2.0000000000575113e-07 for these samples).
SELECT ok((SELECT abs((ks).statistic - 2e-7) < 1e-15 FROM big_result), 'D = 1 / 5,000,000 up to rounding');
SELECT is((SELECT (ks).method FROM big_result), 'asymp', 'more than 10,000 values per sample: asymptotic p-value');
SELECT is((SELECT (ks).pvalue FROM big_result), 1.0::float8, 'p = 1');
SELECT ok((SELECT abs(wd - 1) < 1e-9 AND psi < 1e-9 FROM big_result), 'Wasserstein distance 1, PSI 0');
SELECT * FROM finish();
ROLLBACK;
