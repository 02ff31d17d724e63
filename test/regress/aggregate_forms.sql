-- The statistics in every aggregate form SQL offers: FILTER, DISTINCT,
-- ORDER BY inside the call, GROUPING SETS / ROLLUP, subquery grouping.
-- Each form is checked against the plain aggregate over the rows it stands for.
CREATE TABLE af AS
SELECT g, g % 3 AS grp, (g * 37 % 101)::float8 AS value, g % 2 = 0 AS is_current, 'c' || (g % 4) AS category
  FROM generate_series(1, 600) g;

-- FILTER equals a WHERE clause
SELECT mlmon.ks_2samp(value, is_current) FILTER (WHERE grp = 1)
       = (SELECT mlmon.ks_2samp(value, is_current) FROM af WHERE grp = 1) AS filter_ks,
       mlmon.psi(category, is_current) FILTER (WHERE g > 100)
       = (SELECT mlmon.psi(category, is_current) FROM af WHERE g > 100) AS filter_psi
  FROM af;

-- DISTINCT removes duplicate (value, is_current) pairs first
SELECT mlmon.wasserstein(DISTINCT value, is_current)
       = (SELECT mlmon.wasserstein(value, is_current) FROM (SELECT DISTINCT value, is_current FROM af) d) AS distinct_ok,
       (mlmon.ks_2samp(DISTINCT value, is_current)).n_reference AS distinct_n_reference
  FROM af;

-- ORDER BY inside the call does not change the result
SELECT mlmon.ks_2samp(value, is_current ORDER BY value DESC) = mlmon.ks_2samp(value, is_current) AS order_ok,
       mlmon.chi2_drift(category, is_current ORDER BY g) = mlmon.chi2_drift(category, is_current) AS order_chi2_ok
  FROM af;

-- ROLLUP: each grouping set equals the aggregate of its rows
SELECT grp, (mlmon.ks_2samp(value, is_current)).n_reference,
       mlmon.ks_2samp(value, is_current)
       = (SELECT mlmon.ks_2samp(value, is_current) FROM af a2 WHERE a2.grp = a.grp OR a.grp IS NULL) AS rollup_ok
  FROM af a GROUP BY ROLLUP (grp) ORDER BY grp NULLS LAST;

-- GROUPING SETS: per group the counts of its rows (categories c0 and c2
-- only occur in the current sample, c1 and c3 only in the reference)
SELECT grp, category, (r).n_reference, (r).n_current, (r).dof
  FROM (SELECT grp, category, mlmon.chi2_drift(category, is_current) AS r
          FROM af GROUP BY GROUPING SETS ((grp), (category))) s
 ORDER BY grp NULLS LAST, category NULLS LAST;
