-- mlmon.epps_singleton: reference values from SciPy 1.10.1
-- (scipy.stats.epps_singleton_2samp), log p-values from mpmath, compared as
-- booleans so the expected output holds no number of ours; documented edge
-- results.  The SciPy comparison on random samples is
-- test/oracle/test_catalogue_epps.py.
SET extra_float_digits = 0;

CREATE TABLE es01 (value float8, is_current boolean);
INSERT INTO es01 SELECT v, false FROM unnest('{1,2,2,3,4,5,7}'::float8[]) v;
INSERT INTO es01 SELECT v, true FROM unnest('{2,2,3,3,6,7,8,9}'::float8[]) v;

-- 7 x 8 with ties (the small-sample correction): W = 2.32298706392153, p = 0.6765870929031789,
-- 4 degrees of freedom, ln p = -0.3906940992242568.  Small samples make the covariance
-- ill-conditioned: W in 50 digits is 2.3229870639218664, 5e-13 from SciPy's; W and ln p
-- are compared to 1e-12 and 1e-11
SELECT (r).n_reference, (r).n_current, (r).method,
       abs((r).statistic - 2.32298706392153) <= 1e-12 * 2.32298706392153 AS statistic_ok,
       abs((r).pvalue - 0.6765870929031789) <= 1e-9 * 0.6765870929031789 AS pvalue_ok,
       abs((r).log_pvalue + 0.3906940992242568) <= 1e-11 * 0.3906940992242568 AS log_pvalue_ok
  FROM (SELECT mlmon.epps_singleton(value, is_current) AS r FROM es01) s;

-- 30 x 30 (no correction): W = 18.842255411977277, p = 0.0008440553791818937, ln p = -7.077292450376472
SELECT (r).method, abs((r).statistic - 18.842255411977277) <= 1e-12 * 18.842255411977277 AS statistic_ok,
       abs((r).pvalue - 0.0008440553791818937) <= 1e-9 * 0.0008440553791818937 AS pvalue_ok,
       abs((r).log_pvalue + 7.077292450376472) <= 1e-12 * 7.077292450376472 AS log_pvalue_ok
  FROM (SELECT mlmon.epps_singleton(value, is_current) AS r
          FROM (SELECT g::float8 AS value, false AS is_current FROM generate_series(0, 29) g
                UNION ALL SELECT g * 1.5 + 3, true FROM generate_series(0, 29) g) t) s;

-- separated, 40 x 40: p underflows to 0, the log stays finite.  The covariance's condition
-- number is 6.5e6: W = 174298026.1248518 in 50 digits (SciPy: 174298026.12509593),
-- ln p = -87148994.7794 (mpmath)
SELECT (r).pvalue, abs((r).statistic - 174298026.1248518) <= 1e-10 * 174298026.1248518 AS statistic_ok,
       abs((r).log_pvalue + 87148994.77941795) <= 1e-9 * 87148994.77941795 AS log_pvalue_ok
  FROM (SELECT mlmon.epps_singleton(value, is_current) AS r
          FROM (SELECT g::float8 AS value, false AS is_current FROM generate_series(0, 39) g
                UNION ALL SELECT g + 1000, true FROM generate_series(0, 39) g) t) s;

-- two distinct values: the covariance has rank 1 (1 degree of freedom):
-- W = 0.1563885649977004, p = 0.6925034797206273
SELECT abs((r).statistic - 0.1563885649977004) <= 1e-12 * 0.1563885649977004 AS statistic_ok,
       abs((r).pvalue - 0.6925034797206273) <= 1e-9 * 0.6925034797206273 AS pvalue_ok,
       abs((r).log_pvalue + 0.36744201606593635) <= 1e-12 * 0.36744201606593635 AS log_pvalue_ok
  FROM (SELECT mlmon.epps_singleton(v, c) AS r
          FROM (VALUES (0::float8, false), (0, false), (0, false), (1, false), (1, false),
                       (1, true), (1, true), (0, true), (0, true), (1, true)) t(v, c)) s;

-- identical samples: W = 0, p = 1
SELECT (r).statistic, (r).pvalue, (r).log_pvalue
  FROM (SELECT mlmon.epps_singleton(v, c) AS r
          FROM generate_series(1, 5) v, (VALUES (false), (true)) b(c)) s;

-- each sample a single value (pooled IQR 1): the covariance is 0, W = 0 and SciPy's
-- p-value is NaN (0 degrees of freedom): NULL p-value and log
SELECT (mlmon.epps_singleton((g > 5)::int::float8, g > 5)).* FROM generate_series(1, 10) g;

-- NULL, NaN and infinities are skipped; the counts say how many values were used
SELECT (r).n_reference, (r).n_current,
       abs((r).statistic - 2.32298706392153) <= 1e-12 * 2.32298706392153 AS statistic_ok
  FROM (SELECT mlmon.epps_singleton(value, is_current) AS r
          FROM (SELECT * FROM es01
                UNION ALL VALUES (NULL::float8, false), ('NaN', true), ('Infinity', false),
                                 ('-Infinity', true), (1, NULL)) t) s;

-- fewer than 5 values in a sample (SciPy raises an error): NULL statistic, p-value and method
SELECT (mlmon.epps_singleton(value, is_current)).* FROM es01 WHERE value < 4 OR is_current;
-- one sample empty
SELECT (mlmon.epps_singleton(value, is_current)).* FROM es01 WHERE is_current;
-- zero pooled IQR (SciPy fails: t / 0): NULLs
SELECT (mlmon.epps_singleton(CASE WHEN g = 1 THEN 7 ELSE 3 END, g % 2 = 0)).* FROM generate_series(1, 12) g;
-- no values: NULL
SELECT mlmon.epps_singleton(value, is_current) IS NULL AS is_null FROM es01 WHERE false;
SELECT mlmon.epps_singleton('NaN'::float8, g > 2) IS NULL AS is_null FROM generate_series(1, 4) g;

-- exact profiles give the rows' result, bit for bit: (profile, profile) and (value, profile)
CREATE TABLE es_big AS
  SELECT g, round(sin(g * 1.3) * 100 + g % 7) / 4 AS value, g % 3 = 0 AS is_current
    FROM generate_series(1, 30000) g;
SELECT (SELECT mlmon.epps_singleton(value, is_current) FROM es_big)::text
     = (SELECT mlmon.epps_singleton(mlmon.profile(value) FILTER (WHERE NOT is_current),
                                    mlmon.profile(value) FILTER (WHERE is_current)) FROM es_big)::text
       AS profiles_equal_rows,
       (SELECT mlmon.epps_singleton(value, is_current) FROM es_big)::text
     = (SELECT mlmon.epps_singleton(b.value, p.ref)
          FROM es_big b, (SELECT mlmon.profile(value) AS ref FROM es_big WHERE NOT is_current) p
         WHERE b.is_current)::text AS value_profile_equals_rows,
       (SELECT mlmon.is_exact(mlmon.profile(value)) FROM es_big) AS exact;
-- a profile of no values stands for an empty sample
SELECT mlmon.count(p), (mlmon.epps_singleton(p, p)) IS NULL AS both_empty,
       (mlmon.epps_singleton(p, (SELECT mlmon.profile(value) FROM es01))).*
  FROM (SELECT mlmon.profile(NULL::float8) AS p) e;

-- a sketched reference profile: the statistic on the sketch's sample, no p-value, method 'sketch'
SELECT (r).n_reference, (r).n_current, (r).method, (r).pvalue, (r).log_pvalue, (r).statistic > 0 AS has_statistic
  FROM (SELECT mlmon.epps_singleton(b.value, p.ref) AS r
          FROM es_big b, (SELECT mlmon.profile(value * 1.001 + 0.01, 16) AS ref FROM es_big WHERE NOT is_current) p
         WHERE b.is_current) s;

-- as a window function (no moving-aggregate form: each frame is recomputed) it equals the aggregate
-- over the frame's rows
SELECT bool_and(w::text = (SELECT mlmon.epps_singleton(value, is_current) FROM es_big b2
                            WHERE b2.g BETWEEN s.g - 40 AND s.g)::text) AS window_equals_aggregate, count(*)
  FROM (SELECT g, mlmon.epps_singleton(value, is_current) OVER (ORDER BY g ROWS BETWEEN 40 PRECEDING AND CURRENT ROW) AS w
          FROM es_big WHERE g <= 200) s
 WHERE g > 150;

-- a categorical profile is refused
SELECT mlmon.epps_singleton(mlmon.profile(g::text), mlmon.profile(g::text)) FROM generate_series(1, 10) g;

-- a forced parallel plan gives the same result as the serial one
CREATE TABLE es_par AS
  SELECT sin(g * 0.7) * 3 + (g % 5) AS value, g % 2 = 0 AS is_current FROM generate_series(1, 200000) g;
ANALYZE es_par;
CREATE TEMP TABLE es_serial AS SELECT mlmon.epps_singleton(value, is_current)::text AS r FROM es_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlmon.epps_singleton(value, is_current) FROM es_par;
SELECT mlmon.epps_singleton(value, is_current)::text = (SELECT r FROM es_serial) AS parallel_equal FROM es_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP TABLE es01, es_big, es_par;
