-- mlmon.cramer_von_mises and mlmon.anderson_darling: reference values from
-- SciPy 1.10.1 (cramervonmises_2samp, anderson_ksamp), compared as booleans
-- so the expected output holds no number of ours; documented edge results
-- and errors.  The SciPy comparison on random samples is
-- test/oracle/test_catalogue_rank.py.
SET extra_float_digits = 0;

CREATE TABLE rank01 (value float8, is_current boolean);
INSERT INTO rank01 SELECT v, false FROM unnest('{1,2,2,3,4,5}'::float8[]) v;
INSERT INTO rank01 SELECT v, true FROM unnest('{2,2,3,3,6,7,8}'::float8[]) v;

-- ties, 6 x 7: T = 0.151098901098901, exact p = 0.4376456876456876 (auto is exact up to 20 values)
SELECT meth, (r).n_reference, (r).n_current, (r).method,
       abs((r).statistic - 0.151098901098901) <= 1e-12 * 0.151098901098901 AS statistic_ok,
       abs((r).pvalue - want_p) <= 1e-9 * want_p AS pvalue_ok,
       abs((r).log_pvalue - ln(want_p)) <= 1e-9 * abs(ln(want_p)) AS log_pvalue_ok
  FROM (VALUES ('auto', 0.4376456876456876), ('exact', 0.4376456876456876),
               ('asymptotic', 0.4320693832699931)) AS w(meth, want_p),
       LATERAL (SELECT mlmon.cramer_von_mises(value, is_current, meth) AS r FROM rank01) s;
SELECT (r).method, abs((r).pvalue - 0.4376456876456876) <= 1e-9 * 0.4376456876456876 AS pvalue_ok
  FROM (SELECT mlmon.cramer_von_mises(value, is_current) AS r FROM rank01) s;

-- Anderson-Darling on the same samples: A2 = 0.1563549643299619 is below every
-- critical value: p capped at 0.25 (SciPy warns "p-value capped")
SELECT (r).n_reference, (r).n_current, (r).method, (r).pvalue, (r).log_pvalue = ln(0.25) AS log_pvalue_ok,
       abs((r).statistic - 0.1563549643299619) <= 1e-12 * 0.1563549643299619 AS statistic_ok
  FROM (SELECT mlmon.anderson_darling(value, is_current) AS r FROM rank01) s;

-- separated samples, 10 x 10: AD floored at 0.001 (A2 = 9.85747217001257);
-- CvM exact p = 1.082508822446903e-05
CREATE TABLE rank_sep (value float8, is_current boolean);
INSERT INTO rank_sep SELECT g, false FROM generate_series(0, 9) g;
INSERT INTO rank_sep SELECT g, true FROM generate_series(100, 109) g;
SELECT (r).pvalue, (r).log_pvalue = ln(0.001) AS log_pvalue_ok,
       abs((r).statistic - 9.85747217001257) <= 1e-12 * 9.85747217001257 AS statistic_ok
  FROM (SELECT mlmon.anderson_darling(value, is_current) AS r FROM rank_sep) s;
SELECT (r).method, abs((r).statistic - 1.675) <= 1e-12 * 1.675 AS statistic_ok,
       abs((r).pvalue - 1.082508822446903e-05) <= 1e-9 * 1.082508822446903e-05 AS pvalue_ok
  FROM (SELECT mlmon.cramer_von_mises(value, is_current) AS r FROM rank_sep) s;

-- 30 x 30 separated: asymptotic, T = 5.002777777777778, SciPy's p = 5.68339819650987e-11
-- (1 minus a series cut at its first term below 1e-7, whose Bessel function is good to about
-- 1e-14: compared within 1e-14 absolute); log_pvalue is the exact limiting tail's, ln p = -26.7268
-- (mpmath; SciPy's truncated series overstates that tail twenty-fold here)
SELECT (r).method, abs((r).statistic - 5.002777777777778) <= 1e-12 * 5.002777777777778 AS statistic_ok,
       abs((r).pvalue - 5.68339819650987e-11) <= 1e-14 AS pvalue_ok,
       (r).log_pvalue BETWEEN -26.73 AND -26.72 AS log_pvalue_ok
  FROM (SELECT mlmon.cramer_von_mises(value, is_current) AS r
          FROM (SELECT g::float8 AS value, false AS is_current FROM generate_series(0, 29) g
                UNION ALL SELECT g + 100, true FROM generate_series(0, 29) g) t) s;

-- N = 4, the smallest Anderson-Darling: A2 = 1.5427784316797186, p = 0.07502559142197437
SELECT abs((r).statistic - 1.5427784316797186) <= 1e-12 * 1.5427784316797186 AS statistic_ok,
       abs((r).pvalue - 0.07502559142197437) <= 1e-9 * 0.07502559142197437 AS pvalue_ok,
       abs((r).log_pvalue - ln(0.07502559142197437)) <= 1e-9 AS log_pvalue_ok
  FROM (SELECT mlmon.anderson_darling(v, c) AS r
          FROM (VALUES (1.0::float8, false), (2, false), (3, true), (4, true)) t(v, c)) s;

-- identical samples: AD below every critical value, p = 0.25 (A2 = -1.567750170851398)
SELECT (r).pvalue, abs((r).statistic + 1.567750170851398) <= 1e-12 * 1.567750170851398 AS statistic_ok
  FROM (SELECT mlmon.anderson_darling(v, c) AS r
          FROM generate_series(1, 5) v, (VALUES (false), (true)) b(c)) s;

-- all ties: CvM is defined (T = 0.06666666666666665, p = 1); AD is not (SciPy raises an error): NULLs
SELECT (r).n_reference, (r).n_current, (r).pvalue, (r).method,
       abs((r).statistic - 0.06666666666666665) <= 1e-12 * 0.06666666666666665 AS statistic_ok
  FROM (SELECT mlmon.cramer_von_mises(3.0, g > 3) AS r FROM generate_series(1, 5) g) s;
SELECT (mlmon.anderson_darling(3.0, g > 3)).* FROM generate_series(1, 5) g;

-- NULL, NaN and infinities are skipped; the counts say how many values were used
SELECT (r).n_reference, (r).n_current, (r).method,
       abs((r).statistic - 0.151098901098901) <= 1e-12 * 0.151098901098901 AS statistic_ok
  FROM (SELECT mlmon.cramer_von_mises(value, is_current) AS r
          FROM (SELECT * FROM rank01
                UNION ALL VALUES (NULL::float8, false), ('NaN', true), ('Infinity', false),
                                 ('-Infinity', true), (1, NULL)) t) s;
SELECT (r).n_reference, (r).n_current,
       abs((r).statistic - 0.1563549643299619) <= 1e-12 * 0.1563549643299619 AS statistic_ok
  FROM (SELECT mlmon.anderson_darling(value, is_current) AS r
          FROM (SELECT * FROM rank01 UNION ALL VALUES ('NaN'::float8, false), ('Infinity', true)) t) s;

-- no rows: NULL; one empty sample, or (CvM) a sample of one value: the counts, NULL test
SELECT mlmon.cramer_von_mises(value, is_current) IS NULL AS cvm_null,
       mlmon.anderson_darling(value, is_current) IS NULL AS ad_null
  FROM rank01 WHERE false;
SELECT (mlmon.cramer_von_mises(value, is_current)).* FROM rank01 WHERE NOT is_current;
SELECT (mlmon.anderson_darling(value, is_current)).* FROM rank01 WHERE NOT is_current;
SELECT (mlmon.cramer_von_mises(value, is_current)).* FROM rank01 WHERE is_current OR value = 1;
-- AD with fewer than 4 values: NULL test (SciPy's variance has no value there)
SELECT (mlmon.anderson_darling(v, c)).* FROM (VALUES (1.0::float8, false), (2, true), (3, true)) t(v, c);

-- grouped, and as a window function
SELECT g, (mlmon.cramer_von_mises(value, is_current)).method,
       (mlmon.anderson_darling(value, is_current)).n_current
  FROM (SELECT 1 AS g, * FROM rank01 UNION ALL SELECT 2, * FROM rank_sep) t GROUP BY g ORDER BY g;
SELECT count(*) FILTER (WHERE (r).pvalue BETWEEN 0 AND 1) AS with_pvalue, count(*) AS n_rows
  FROM (SELECT mlmon.cramer_von_mises(value, is_current) OVER (ORDER BY value ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS r
          FROM rank_sep) s;

-- errors
SELECT mlmon.cramer_von_mises(value, is_current, 'asymp') FROM rank01;
SELECT mlmon.cramer_von_mises(value, is_current, NULL) FROM rank01;
SELECT mlmon.cramer_von_mises(value, is_current, CASE WHEN value > 3 THEN 'exact' ELSE 'auto' END) FROM rank01;
SELECT mlmon.cramer_von_mises(g, g % 2 = 0, 'exact') FROM generate_series(1, 400) g;
-- the asymptotic method has no size limit
SELECT (mlmon.cramer_von_mises(g, g % 2 = 0, 'asymptotic')).method FROM generate_series(1, 400) g;
