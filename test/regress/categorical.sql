-- Categorical statistics: chi2_drift (both methods), psi, jensen_shannon, z_test.
-- Reference values from test/data/scipy_cases.json, compared as booleans.
SET extra_float_digits = 0;

CREATE FUNCTION cat_sample(ref_counts int[], cur_counts int[], OUT category text, OUT is_current boolean)
RETURNS SETOF record LANGUAGE sql AS $$
  SELECT 'c' || i, false FROM generate_subscripts(ref_counts, 1) i, generate_series(1, ref_counts[i])
  UNION ALL
  SELECT 'c' || i, true FROM generate_subscripts(cur_counts, 1) i, generate_series(1, cur_counts[i])
$$;

-- CS03 (Evidently, equal sizes): statistic 4.083333333333334, p 0.12981217685543797
SELECT (r).dof, (r).n_reference, (r).n_current, (r).method,
       abs((r).statistic - 4.083333333333334) <= 1e-12 * 4.083333333333334 AS statistic_ok,
       abs((r).pvalue - 0.12981217685543797) <= 1e-9 * 0.12981217685543797 AS pvalue_ok
  FROM (SELECT mlmon.chi2_drift(category, is_current) AS r FROM cat_sample('{50,30,20}', '{40,35,25}')) s;

-- CS05: a category absent from the reference: infinite statistic, p = 0
SELECT (r).statistic, (r).pvalue, (r).dof
  FROM (SELECT mlmon.chi2_drift(category, is_current) AS r FROM cat_sample('{50,50,0}', '{45,50,5}')) s;

-- CT01 (contingency 2x2, Yates): 1.455996378814684, p 0.22756821457580642
SELECT (r).dof, (r).method,
       abs((r).statistic - 1.455996378814684) <= 1e-12 * 1.455996378814684 AS statistic_ok,
       abs((r).pvalue - 0.22756821457580642) <= 1e-9 * 0.22756821457580642 AS pvalue_ok
  FROM (SELECT mlmon.chi2_drift(category, is_current, 'contingency') AS r
          FROM cat_sample('{12,5}', '{7,9}')) s;

-- CT02: Yates' shift capped at |O - E|: statistic 0, p 1
SELECT (r).statistic, (r).pvalue
  FROM (SELECT mlmon.chi2_drift(category, is_current, 'contingency') AS r
          FROM cat_sample('{10,11}', '{10,10}')) s;

-- one category in both samples: statistic 0, p 1, dof 0 (both methods)
SELECT (mlmon.chi2_drift(category, is_current)).*, (mlmon.chi2_drift(category, is_current, 'contingency')).*
  FROM cat_sample('{7}', '{3}');

-- empty samples
SELECT mlmon.chi2_drift(category, is_current) IS NULL AS no_rows FROM cat_sample('{}', '{}');
SELECT (mlmon.chi2_drift(category, is_current)).* FROM cat_sample('{4,5}', '{}');
SELECT mlmon.psi(category, is_current) IS NULL AS psi_null, mlmon.jensen_shannon(category, is_current) IS NULL AS js_null
  FROM cat_sample('{4,5}', '{}');

-- psi and Jensen-Shannon: identical distributions give 0
SELECT mlmon.psi(category, is_current), mlmon.jensen_shannon(category, is_current)
  FROM cat_sample('{20,30,50}', '{2,3,5}');

-- JS01: disjoint supports give sqrt(ln 2)
SELECT abs(mlmon.jensen_shannon(category, is_current) - sqrt(ln(2))) <= 1e-15 AS js_ok
  FROM cat_sample('{10,0}', '{0,10}');

-- JS04: counts 10,20,30 against 20,20,20: 0.15016008250886848
SELECT abs(mlmon.jensen_shannon(category, is_current) - 0.15016008250886848) <= 1e-12 * 0.15016008250886848 AS js_ok
  FROM cat_sample('{10,20,30}', '{20,20,20}');

-- Z01: |z| 2.1239769762143665, p 0.03367206885634579
SELECT (r).category, (r).n_reference, (r).n_current,
       abs(abs((r).statistic) - 2.1239769762143665) <= 1e-12 * 2.1239769762143665 AS z_ok,
       abs((r).pvalue - 0.03367206885634579) <= 1e-9 * 0.03367206885634579 AS pvalue_ok
  FROM (SELECT mlmon.z_test(category, is_current) AS r FROM cat_sample('{60,40}', '{45,55}')) s;

-- Z02: a tiny p-value that 2 * (1 - Phi(|z|)) would round to 0: 2.5091580967637145e-280
SELECT abs((r).pvalue - 2.5091580967637145e-280) <= 1e-9 * 2.5091580967637145e-280 AS tiny_pvalue_ok
  FROM (SELECT mlmon.z_test(category, is_current) AS r FROM cat_sample('{900,100}', '{100,900}')) s;

-- z-test: one category everywhere gives z 0, p 1; more than two is an error
SELECT (mlmon.z_test(category, is_current)).* FROM cat_sample('{5}', '{6}');
SELECT mlmon.z_test(category, is_current) FROM cat_sample('{5,6,7}', '{1,1,1}');

-- NULL categories and flags are skipped; the empty string is a category
SELECT (r).n_reference, (r).n_current, (r).dof
  FROM (SELECT mlmon.chi2_drift(c, f) AS r
          FROM (VALUES ('a', false), ('', false), (NULL, true), ('a', NULL), ('a', true)) v(c, f)) s;

-- bad options
SELECT mlmon.chi2_drift(category, is_current, 'fisher') FROM cat_sample('{1}', '{1}');
SELECT mlmon.chi2_drift(category, is_current, NULL) FROM cat_sample('{1}', '{1}');

-- categories of other types than text are compared by their text output
SELECT (r).category, (r).n_reference, (r).n_current
  FROM (SELECT mlmon.z_test(g % 3 = 0, g > 50) AS r FROM generate_series(1, 100) g) s;
SELECT (mlmon.chi2_drift(g % 4, g > 50)).dof, (mlmon.chi2_drift(g % 4, g > 50, 'contingency')).dof
  FROM generate_series(1, 100) g;
-- the same counts as the text form
SELECT mlmon.chi2_drift(g % 4, g > 50) = mlmon.chi2_drift((g % 4)::text, g > 50) AS same_as_text
  FROM generate_series(1, 100) g;
SELECT mlmon.chi2_drift(g % 3 = 0, g > 50) = mlmon.chi2_drift((g % 3 = 0)::text, g > 50) AS bool_same_as_text,
       mlmon.z_test(g % 3 = 0, g > 50) = mlmon.z_test(CASE WHEN g % 3 = 0 THEN 't' ELSE 'f' END, g > 50) AS z_same
  FROM generate_series(1, 100) g;
