-- mlmon.t_test and mlmon.mann_whitney: documented edge results, errors and
-- a parallel plan.  Expected numbers come from SciPy 1.10 (ttest_ind,
-- mannwhitneyu) and are compared as booleans; test/oracle/
-- test_catalogue_location.py compares random cases.
CREATE TEMP TABLE loc (value float8, is_current boolean);
INSERT INTO loc VALUES (1.5, false), (2.25, false), (3.0, false), (4.5, false),
  (2.0, true), (3.5, true), (5.0, true), (6.5, true), (7.25, true),
  (NULL, false), (NULL, true), ('NaN', false), ('Infinity', true), ('-Infinity', false), (1.0, NULL);

-- NULL, NaN and +-Infinity are skipped, as by the other numeric statistics
SELECT n_reference, n_current, method,
       abs(statistic - -1.7649749552900262) < 1e-12 AS statistic_ok,
       abs(pvalue / 0.12346196420193015 - 1) < 1e-9 AS pvalue_ok,
       abs(log_pvalue - ln(0.12346196420193015)) < 1e-9 AS log_ok
  FROM (SELECT (mlmon.t_test(value, is_current)).* FROM loc) s;
SELECT method, abs(statistic - -1.6622395183334346) < 1e-12 AS statistic_ok,
       abs(pvalue / 0.14041773079729727 - 1) < 1e-9 AS pvalue_ok
  FROM (SELECT (mlmon.t_test(value, is_current, 'student')).* FROM loc) s;
SELECT method, statistic, abs(pvalue / 0.19047619047619047 - 1) < 1e-12 AS pvalue_ok
  FROM (SELECT (mlmon.mann_whitney(value, is_current)).* FROM loc) s;
SELECT method, statistic, abs(pvalue / 0.09523809523809523 - 1) < 1e-12 AS pvalue_ok
  FROM (SELECT (mlmon.mann_whitney(value, is_current, 'less')).* FROM loc) s;
SELECT method, statistic, abs(pvalue / 0.9444444444444445 - 1) < 1e-12 AS pvalue_ok
  FROM (SELECT (mlmon.mann_whitney(value, is_current, 'greater', 'exact')).* FROM loc) s;

-- ties: auto is asymptotic, an explicit exact truncates U as SciPy does
CREATE TEMP TABLE ties (value float8, is_current boolean);
INSERT INTO ties VALUES (1, false), (2, false), (2, false), (3, false), (2, true), (3, true), (3, true), (4, true), (5, true);
SELECT method, statistic, abs(pvalue / 0.09934224785346528 - 1) < 1e-9 AS pvalue_ok
  FROM (SELECT (mlmon.mann_whitney(value, is_current)).* FROM ties) s;
SELECT method, statistic, abs(pvalue / 0.1111111111111111 - 1) < 1e-12 AS pvalue_ok
  FROM (SELECT (mlmon.mann_whitney(value, is_current, 'two-sided', 'exact')).* FROM ties) s;
-- 'asymp' is accepted for 'asymptotic', as by mlmon.ks_2samp
SELECT (mlmon.mann_whitney(value, is_current, 'two-sided', 'asymptotic')) = (mlmon.mann_whitney(value, is_current, 'two-sided', 'asymp')) AS same
  FROM ties;

-- edge results
-- no rows: NULL; an empty sample: the counts, the rest NULL
SELECT mlmon.t_test(value, is_current) IS NULL AS t_null, mlmon.mann_whitney(value, is_current) IS NULL AS mw_null FROM loc WHERE false;
SELECT (mlmon.t_test(value, is_current)).*, (mlmon.mann_whitney(value, is_current)).* FROM loc WHERE NOT is_current;
-- a sample of one value: no t-test (SciPy: NaN); Mann-Whitney is defined
SELECT (mlmon.t_test(v, c)).* FROM (VALUES (1.0::float8, false), (2.0, true), (3.0, true)) t(v, c);
SELECT (mlmon.mann_whitney(v, c)).* FROM (VALUES (1.0::float8, false), (2.0, true), (3.0, true)) t(v, c);
-- both samples constant: equal means give no t (SciPy: NaN), different means t = -inf and p = 0 as SciPy
SELECT (mlmon.t_test(v, c)).* FROM (VALUES (1.0::float8, false), (1.0, false), (1.0, true), (1.0, true)) t(v, c);
SELECT (mlmon.t_test(v, c)).* FROM (VALUES (1.0::float8, false), (1.0, false), (2.0, true), (2.0, true)) t(v, c);
-- one sample constant: Welch's df from the other one (SciPy: -4, p 0.05719095841793663)
SELECT abs(statistic + 4) < 1e-12 AS statistic_ok, abs(pvalue / 0.05719095841793663 - 1) < 1e-9 AS pvalue_ok
  FROM (SELECT (mlmon.t_test(v, c)).* FROM (VALUES (1.0::float8, false), (1.0, false), (1.0, false), (2.0, true), (2.0, true), (3.0, true)) t(v, c)) s;
-- squares beyond float8: NULL (SciPy's variance overflows to inf and gives t = -0, p = 1), no error
SELECT * FROM (SELECT (mlmon.t_test(v, c)).* FROM (VALUES (1e200::float8, false), (-1e200, false), (1e300, true), (-1e300, true), (1.0, true)) t(v, c)) s;
-- every value tied: p = 1
SELECT (mlmon.mann_whitney(v, c)).* FROM (VALUES (1.0::float8, false), (1.0, false), (1.0, false), (1.0, true), (1.0, true)) t(v, c);
-- p underflows to 0, its log stays finite (mpmath: -4330.62000708991 and -2254.0564089619)
SELECT pvalue, round(log_pvalue::numeric, 6) AS log_pvalue
  FROM (SELECT (mlmon.t_test(g + CASE WHEN g % 2 = 0 THEN 1e4 ELSE 0 END, g % 2 = 0)).* FROM generate_series(1, 2000) g) s;
SELECT method, pvalue, round(log_pvalue::numeric, 6) AS log_pvalue
  FROM (SELECT (mlmon.mann_whitney(g::float8, g > 3000)).* FROM generate_series(1, 6000) g) s;

-- errors
SELECT mlmon.t_test(value, is_current, 'pooled') FROM loc;
SELECT mlmon.t_test(value, is_current, NULL) FROM loc;
SELECT mlmon.mann_whitney(value, is_current, 'two_sided') FROM loc;
SELECT mlmon.mann_whitney(value, is_current, 'less', 'permutation') FROM loc;
SELECT mlmon.mann_whitney(value, is_current, 'less', NULL) FROM loc;
SELECT mlmon.mann_whitney(value, is_current, CASE WHEN value > 3 THEN 'less' ELSE 'greater' END) FROM loc;
-- the t-test's state (a float8[]) is checked where a user can pass one
SELECT mlmon._t_test_final('{1,2,3}');
SELECT mlmon._t_test_final('{1,0,2.5,0,0,0,0,3,0,0,1,0}');
SELECT mlmon._t_test_final('{1,0,-1,0,0,0,0,3,0,0,1,0}');
SELECT mlmon._t_test_final('{1,0,2,0,0,0,0,3,0,0,-1,0}');
-- a valid state: Student's test of (1, 2) against (3, 4) (SciPy: -2.82842712474619, p 0.10557280900008413)
SELECT n_reference, n_current, method, abs(statistic / -2.82842712474619 - 1) < 1e-12 AS statistic_ok,
       abs(pvalue / 0.10557280900008413 - 1) < 1e-9 AS pvalue_ok
  FROM (SELECT (mlmon._t_test_final('{1,1,2,1.5,0,0.5,0,2,3.5,0,0.5,0}')).*) s;
SELECT mlmon._t_test_combine('{1,1,2,1.5,0,0.5,0,2,3.5,0,0.5,0}', NULL);
-- no exact p-value past 300 values in the smaller sample (its precision would suffer)
SELECT mlmon.mann_whitney(g::float8, g % 2 = 0, 'two-sided', 'exact') FROM generate_series(1, 10000) g;
SELECT mlmon.mann_whitney(g::float8, g % 2 = 0, 'two-sided', 'exact') FROM generate_series(1, 602) g;
-- nor past the work limit
SELECT mlmon.mann_whitney(g::float8, g % 101 = 0, 'two-sided', 'exact') FROM generate_series(1, 30300) g;
-- within the limits it can take seconds, and a cancel stops it (here statement_timeout)
SET statement_timeout = '300ms';
SELECT mlmon.mann_whitney(g::float8, g % 21 = 0, 'two-sided', 'exact') FROM generate_series(1, 6300) g;
RESET statement_timeout;
-- 'auto' with a small sample stays exact at sizes SciPy cannot handle (7, 5000)
SELECT method, statistic, pvalue < 1e-10 AS tiny
  FROM (SELECT (mlmon.mann_whitney(CASE WHEN g <= 7 THEN g + 1e6 ELSE g END::float8, g > 7)).* FROM generate_series(1, 5007) g) s;

-- a parallel plan gives the serial result
CREATE TABLE loc_par AS SELECT (g * 0.37) % 11 + CASE WHEN g % 3 = 0 THEN 0.4 ELSE 0 END AS value, g % 3 = 0 AS is_current
  FROM generate_series(1, 60000) g;
ANALYZE loc_par;
CREATE TEMP TABLE serial AS SELECT mlmon.t_test(value, is_current) AS t, mlmon.mann_whitney(value, is_current, 'greater') AS m FROM loc_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlmon.t_test(value, is_current), mlmon.mann_whitney(value, is_current, 'greater') FROM loc_par;
SELECT (p.t).statistic = (s.t).statistic OR abs((p.t).statistic / (s.t).statistic - 1) < 1e-12 AS t_same,
       abs((p.t).pvalue / (s.t).pvalue - 1) < 1e-9 AS t_p_same, p.m = s.m AS m_same
  FROM (SELECT mlmon.t_test(value, is_current) AS t, mlmon.mann_whitney(value, is_current, 'greater') AS m FROM loc_par) p, serial s;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
DROP TABLE loc_par;
