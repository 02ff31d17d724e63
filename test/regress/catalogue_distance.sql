-- Evidently's distance drift tests: energy_distance, hellinger, kl_div.
-- Expected numbers from SciPy, compared as booleans; the random comparisons
-- are in test/oracle/test_catalogue_distance.py.  Here: the documented edge
-- results and the errors.
SET extra_float_digits = 0;

-- u = {0,1,3}, v = {5,6,8}: scipy.stats.energy_distance 2.7080128015453204
SELECT abs(mlmon.energy_distance(v, c) - 2.7080128015453204) <= 1e-12 * 2.7080128015453204 AS ed_ok
  FROM (VALUES (0::float8, false), (1, false), (3, false), (5, true), (6, true), (8, true)) x(v, c);

-- one value each: sqrt(2 |x - y|) (scipy: 2.4494897427831783 for 1 and 4)
SELECT abs(mlmon.energy_distance(v, c) - 2.4494897427831783) <= 1e-12 * 2.4494897427831783 AS ed_single_ok
  FROM (VALUES (1::float8, false), (4, true)) x(v, c);

-- categories {a, b} against {a, b, b, b}: KL = scipy.stats.entropy([.5, .5], [.25, .75])
-- = 0.14384103622589042; Hellinger = 0.1845919112825145
SELECT abs(mlmon.kl_div(v, c) - 0.14384103622589042) <= 1e-12 * 0.14384103622589042 AS kl_ok,
       abs(mlmon.hellinger(v, c) - 0.1845919112825145) <= 1e-12 * 0.1845919112825145 AS hellinger_ok
  FROM (VALUES ('a', false), ('b', false), ('a', true), ('b', true), ('b', true), ('b', true)) x(v, c);

-- identical samples, all ties, a single value on each side: exactly 0
SELECT mlmon.energy_distance(g::float8, b), mlmon.hellinger(g::float8, b), mlmon.kl_div(g::float8, b),
       mlmon.hellinger(g::text, b), mlmon.kl_div(g::text, b),
       mlmon.hellinger(g::bigint, b), mlmon.kl_div(g::bigint, b),
       mlmon.hellinger(g > 50, b), mlmon.kl_div(g > 50, b)
  FROM generate_series(1, 100) g, (VALUES (true), (false)) v(b);
SELECT mlmon.energy_distance(7::float8, b), mlmon.hellinger(7::float8, b), mlmon.kl_div(7::float8, b)
  FROM generate_series(1, 30) g, (VALUES (true), (false)) v(b);
SELECT mlmon.energy_distance(v, c), mlmon.hellinger(v, c), mlmon.kl_div(v, c)
  FROM (VALUES (2.5::float8, false), (2.5, true)) x(v, c);

-- disjoint categories: Hellinger 1; KL large but finite (empty categories
-- are filled: each side's smallest proportion / 1e6, or 1e-4)
SELECT mlmon.hellinger(v, c), mlmon.kl_div(v, c) > 5 AS kl_large
  FROM (VALUES ('x', false), ('y', true)) x(v, c);
SELECT mlmon.hellinger(v, c), mlmon.kl_div(v, c) > 5 AS kl_large
  FROM (VALUES (true, false), (false, true)) x(v, c);

-- NULL values and NULL is_current are skipped; NaN and infinities too
SELECT mlmon.energy_distance(v, c), mlmon.hellinger(v, c), mlmon.kl_div(v, c)
  FROM (VALUES (1::float8, false), (NULL, true), (1, NULL), ('NaN', true), ('Infinity', false),
               ('-Infinity', true), (1, true)) x(v, c);
SELECT mlmon.hellinger(v, c), mlmon.kl_div(v, c)
  FROM (VALUES ('a', false), (NULL, true), ('b', NULL), ('a', true)) x(v, c);

-- an empty side gives NULL (no rows at all, only one side, only NaN on one side)
SELECT mlmon.energy_distance(v, c) IS NULL AS ed_null, mlmon.hellinger(v, c) IS NULL AS h_null,
       mlmon.kl_div(v, c) IS NULL AS kl_null
  FROM (VALUES (1::float8, false)) x(v, c) WHERE v > 5;
SELECT mlmon.energy_distance(v, c) IS NULL AS ed_null, mlmon.hellinger(v, c) IS NULL AS h_null,
       mlmon.kl_div(v, c) IS NULL AS kl_null
  FROM (VALUES (1::float8, false), ('NaN', true)) x(v, c);
SELECT mlmon.hellinger(v, c) IS NULL AS h_null, mlmon.kl_div(v, c) IS NULL AS kl_null
  FROM (VALUES ('a', true), ('b', true)) x(v, c);
SELECT mlmon.hellinger(v, c) IS NULL AS h_null, mlmon.kl_div(v, c) IS NULL AS kl_null
  FROM (VALUES (42::bigint, false)) x(v, c);

-- values more than the largest float8 apart: the energy distance stays
-- finite (SciPy gives inf); equal-width bins cannot be made
SELECT mlmon.energy_distance(v, c) FROM (VALUES ('-1e308'::float8, false), ('1e308', true)) x(v, c);
SELECT mlmon.hellinger(v, c) FROM (VALUES ('-1e308'::float8, false), ('1e308', true)) x(v, c);
-- at most 20 distinct reference values: KL bins by value and needs no equal-width bins
SELECT mlmon.kl_div(v, c) > 5 AS kl_large
  FROM (VALUES ('-1e308'::float8, false), ('1e308', true)) x(v, c);
SELECT mlmon.kl_div(v, c) FROM (SELECT g::float8 * 4e306, false FROM generate_series(-20, 0) g
                                UNION ALL SELECT '1e308', true) x(v, c);

-- a state from elsewhere: the final functions read it, bad text is refused
SELECT mlmon._energy_distance_final(NULL), mlmon._hellinger_categorical_final(NULL);
SELECT mlmon._kl_numeric_final('not base64!'::text::mlmon.sample_state);
