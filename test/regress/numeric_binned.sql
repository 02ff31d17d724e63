-- Wasserstein, PSI and Jensen-Shannon on numbers.
-- Reference values from test/data/scipy_cases.json, compared as booleans.
SET extra_float_digits = 0;

CREATE TABLE wd (value float8, is_current boolean);
-- WDN01 (Evidently's normed Wasserstein): 1.1475000000000002, normed 1.2113601233424225
INSERT INTO wd SELECT v, false FROM unnest('{-1.2,-0.8,-0.3,0.1,0.4,0.9,1.3,1.7}'::float8[]) v;
INSERT INTO wd SELECT v, true FROM unnest('{-0.5,0.2,0.6,0.8,1.1,1.5,1.9,2.4,2.8,3.3}'::float8[]) v;
SELECT abs(mlmon.wasserstein(value, is_current) - 1.1475000000000002) <= 1e-12 * 1.1475 AS wd_ok,
       abs(mlmon.wasserstein_normed(value, is_current) - 1.2113601233424225) <= 1e-12 * 1.2113601233424225 AS normed_ok
  FROM wd;

-- WD01: u = {0,1,3}, v = {5,6,8}: 5
SELECT mlmon.wasserstein(v, c) FROM (VALUES (0::float8, false), (1, false), (3, false), (5, true), (6, true), (8, true)) x(v, c);

-- a constant reference: the normed form divides by 0.001
SELECT mlmon.wasserstein_normed(v, c) FROM (VALUES (1::float8, false), (1, false), (1.5, true)) x(v, c);

-- PSI03 (Evidently's Sturges binning): psi 2.645816293592776, js 0.39215710609372806
CREATE TABLE psi03 (value float8, is_current boolean);
INSERT INTO psi03 SELECT g, false FROM generate_series(0, 29) g;
INSERT INTO psi03 SELECT g, true FROM generate_series(5, 44) g;
SELECT abs(mlmon.psi(value, is_current, 'evidently') - 2.645816293592776) <= 1e-12 * 2.645816293592776 AS psi_ok,
       abs(mlmon.jensen_shannon(value, is_current, 'evidently') - 0.39215710609372806) <= 1e-12 * 0.39215710609372806 AS js_ok
  FROM psi03;

-- identical samples: every binning gives 0
SELECT mlmon.psi(g::float8, b), mlmon.psi(g::float8, b, 3), mlmon.psi(g::float8, b, 'evidently'),
       mlmon.jensen_shannon(g::float8, b), mlmon.jensen_shannon(g::float8, b, 'evidently')
  FROM generate_series(1, 100) g, (VALUES (true), (false)) v(b);

-- one bin: PSI and JS are 0 whatever the samples
SELECT mlmon.psi(value, is_current, 1), mlmon.jensen_shannon(value, is_current, 1) FROM psi03;

-- empty samples give NULL
SELECT mlmon.wasserstein(value, is_current) IS NULL AS wd_null,
       mlmon.wasserstein_normed(value, is_current) IS NULL AS normed_null,
       mlmon.psi(value, is_current) IS NULL AS psi_null,
       mlmon.jensen_shannon(value, is_current) IS NULL AS js_null
  FROM psi03 WHERE is_current;

-- bad bins and binnings
SELECT mlmon.psi(value, is_current, 0) FROM psi03;
SELECT mlmon.psi(value, is_current, -3) FROM psi03;
SELECT mlmon.psi(value, is_current, 1000000) FROM psi03;
SELECT mlmon.jensen_shannon(value, is_current, 'sturges') FROM psi03;
SELECT mlmon.psi(value, is_current, NULL::int) FROM psi03;

-- neighbours more than DBL_MAX apart: the median edge of {-1e308, 1e308}
-- is 0 as for {-1e8, 1e8} (NumPy's interpolation would give NaN), so the
-- bins separate the samples as they do for the same data scaled down
SELECT mlmon.psi(v, c, 2) > 1 AS psi_sees_drift,
       mlmon.psi(v, c, 2) = mlmon.psi(v * 1e-300, c, 2) AS same_as_scaled,
       mlmon.jensen_shannon(v, c, 2) = mlmon.jensen_shannon(v * 1e-300, c, 2) AS js_same_as_scaled
  FROM (VALUES (-1e308::float8, false), (1e308, false), (5, true), (6, true)) x(v, c);
-- and equal-width bins cannot span them
SELECT mlmon.psi(v, c, 'evidently')
  FROM (SELECT g * 1.6e307, false FROM generate_series(-10, 10) g
        UNION ALL VALUES (0::float8, true)) x(v, c);
