-- mlmon.ks_2samp: reference values from SciPy 1.10.1 (test/data/scipy_cases.json),
-- compared as booleans so the expected output holds no number of ours.
SET extra_float_digits = 0;

CREATE TABLE ks01 (value float8, is_current boolean);
INSERT INTO ks01 SELECT v, false FROM unnest('{1,2,2,3,4,5}'::float8[]) v;
INSERT INTO ks01 SELECT v, true FROM unnest('{2,2,3,3,6,7,8}'::float8[]) v;

-- KS01_ties_small, two-sided: D = 3/7, exact p = 0.4335664335664336
SELECT (r).n_reference, (r).n_current, (r).method, (r).statistic_sign, (r).statistic_location,
       abs((r).statistic - 0.42857142857142855) <= 1e-12 * 0.42857142857142855 AS statistic_ok,
       abs((r).pvalue - 0.4335664335664336) <= 1e-9 * 0.4335664335664336 AS pvalue_ok
  FROM (SELECT mlmon.ks_2samp(value, is_current) AS r FROM ks01) s;

-- the same with SciPy's asymptotic p-value 0.5160349854227404
SELECT (r).method,
       abs((r).pvalue - 0.5160349854227404) <= 1e-9 * 0.5160349854227404 AS pvalue_ok
  FROM (SELECT mlmon.ks_2samp(value, is_current, 'two-sided', 'asymp') AS r FROM ks01) s;

-- KS12, equal sizes: statistic and p-value from the case file
CREATE TABLE ks12 (value float8, is_current boolean);
INSERT INTO ks12 SELECT v, false FROM unnest('{0.1,0.5,0.9,1.3,2.0,2.2}'::float8[]) v;
INSERT INTO ks12 SELECT v, true FROM unnest('{0.3,1.0,1.1,2.5,2.6,3.0}'::float8[]) v;
SELECT alt, (r).method, (r).statistic_sign,
       abs((r).statistic - want_d) <= 1e-12 * want_d AS statistic_ok,
       abs((r).pvalue - want_p) <= 1e-9 * want_p AS pvalue_ok
  FROM (VALUES ('two-sided', 0.5, 0.474025974025974),
               ('less', 0.0, 1.0),
               ('greater', 0.5, 0.23809523809523808)) AS w(alt, want_d, want_p),
       LATERAL (SELECT mlmon.ks_2samp(value, is_current, alt, 'exact') AS r FROM ks12) s
 ORDER BY alt;

-- identical samples: D = 0, p = 1
SELECT (mlmon.ks_2samp(v, c)).* FROM (SELECT g::float8, c FROM generate_series(1, 5) g, (VALUES (false), (true)) b(c)) s(v, c);

-- NULL values and NULL flags are skipped; NaN and infinities are ignored
SELECT (r).n_reference, (r).n_current,
       abs((r).statistic - 0.42857142857142855) <= 1e-12 AS same_statistic
  FROM (SELECT mlmon.ks_2samp(value, is_current) AS r FROM (
          SELECT value, is_current FROM ks01
          UNION ALL VALUES (NULL::float8, false), (1.0, NULL), ('NaN', true),
                           ('Infinity', false), ('-Infinity', true)) u(value, is_current)) s;

-- no rows: NULL; one empty sample: counts, no statistic
SELECT mlmon.ks_2samp(value, is_current) IS NULL AS no_rows FROM ks01 WHERE false;
SELECT (mlmon.ks_2samp(value, is_current)).* FROM ks01 WHERE NOT is_current;
SELECT (mlmon.ks_2samp(value, is_current)).* FROM ks01 WHERE value IS NULL;

-- a single row in each sample (SciPy: D = 1, p = 1)
SELECT (r).statistic, (r).pvalue, (r).method
  FROM (SELECT mlmon.ks_2samp(v, c) AS r FROM (VALUES (1.0::float8, false), (2.0, true)) x(v, c)) s;

-- bad options
SELECT mlmon.ks_2samp(value, is_current, 'sideways', 'auto') FROM ks01;
SELECT mlmon.ks_2samp(value, is_current, 'less', 'fast') FROM ks01;
SELECT mlmon.ks_2samp(value, is_current, NULL, 'auto') FROM ks01;
SELECT mlmon.ks_2samp(value, is_current, 'less', NULL) FROM ks01;
SELECT mlmon.ks_2samp(value, is_current, CASE WHEN value > 3 THEN 'less' ELSE 'greater' END, 'auto') FROM ks01;

-- an exact p-value whose lattice recursion would take minutes is refused
-- (200000 and 100000 values: lcm 200000, work 2e10)
SELECT mlmon.ks_2samp(g::float8, g > 200000, 'two-sided', 'exact') FROM generate_series(1, 300000) g;
-- while SciPy's rule sends sizes with a huge lcm to the asymptotic method
SELECT (r).method, (r).n_reference, (r).n_current
  FROM (SELECT mlmon.ks_2samp(g::float8, g > 100002, 'two-sided', 'exact') AS r
          FROM generate_series(1, 200003) g) s;

-- the alternative alone (method auto), as scipy.stats.ks_2samp(a, b, alternative)
SELECT (r).method, (r).statistic_sign,
       abs((r).statistic - 0.5) <= 1e-12 * 0.5 AS statistic_ok,
       abs((r).pvalue - 0.23809523809523808) <= 1e-9 * 0.23809523809523808 AS pvalue_ok
  FROM (SELECT mlmon.ks_2samp(value, is_current, 'greater') AS r FROM ks12) s;
SELECT mlmon.ks_2samp(value, is_current, 'two-sided') = mlmon.ks_2samp(value, is_current) AS same_as_default FROM ks12;
SELECT mlmon.ks_2samp(value, is_current, 'both') FROM ks12;

-- a long exact computation can be cancelled (here by statement_timeout)
SET statement_timeout = '300ms';
SELECT mlmon.ks_2samp(g::float8 + CASE WHEN g > 100000 THEN 0.3 ELSE 0 END, g > 100000, 'two-sided', 'exact')
  FROM generate_series(1, 199995) g;
RESET statement_timeout;
