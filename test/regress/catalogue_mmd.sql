-- mlmon.mmd: Evidently's empirical maximum mean discrepancy test made
-- reproducible.  Expected statistics from the NumPy implementation of
-- Evidently's formula in test/oracle/mmd_ref.py, p-values from its Python
-- reproduction of the SplitMix64 / Fisher-Yates relabellings; compared as
-- booleans where digits could differ.  Random comparisons at large:
-- test/oracle/test_catalogue_mmd.py.
SET extra_float_digits = 0;

-- u = {0,1,3}, v = {5,6,8}: MMD^2 0.2534480685162511; p 0.05 (1 of the 20 splits)
SELECT (r).n_reference, (r).n_current, (r).method, (r).pvalue, (r).log_pvalue = ln(0.05) AS log_ok,
       abs((r).statistic - 0.2534480685162511) <= 1e-12 * 0.2534480685162511 AS statistic_ok
  FROM (SELECT mlmon.mmd(v, c) AS r
          FROM (VALUES (0::float8, false), (1, false), (3, false), (5, true), (6, true), (8, true)) x(v, c)) s;

-- even n: the kernel scale is the n^2/2-th d (numpy 'nearest': 4), not the
-- mean of the two middle ones (np.median: 2.5): MMD^2 -0.002267236932648964, p 0.46
SELECT (r).pvalue, abs((r).statistic + 0.002267236932648964) <= 1e-12 * 0.002267236932648964 AS statistic_ok
  FROM (SELECT mlmon.mmd(v, c) AS r
          FROM (VALUES (0::float8, false), (1, false), (2, false), (4, false),
                       (1, true), (2, true), (5, true), (7, true), (8, true)) x(v, c)) s;

-- no rows: NULL; an empty sample, or a sample of one value (n(n-1) = 0,
-- Evidently divides by zero): the sizes, every other column NULL
SELECT mlmon.mmd(v, c) IS NULL AS null_without_rows FROM (SELECT 1::float8, true WHERE false) x(v, c);
SELECT (mlmon.mmd(v, c)).* FROM (VALUES (1::float8, false), (2, false)) x(v, c);
SELECT (mlmon.mmd(v, c)).* FROM (VALUES (1::float8, false), (2, true), (3, true)) x(v, c);
SELECT (mlmon.mmd(v, c)).* FROM (VALUES (1::float8, false), (2, false), (3, true)) x(v, c);

-- all values equal: kernel scale 1 (median 0), MMD^2 = 0, every relabelling ties: p = 1
SELECT (mlmon.mmd(4::float8, g > 5)).* FROM generate_series(1, 12) g;

-- separated samples: no relabelling reaches MMD^2 (0.855057326438184): p = 0, log_pvalue -Infinity
SELECT (r).pvalue, (r).log_pvalue, abs((r).statistic - 0.855057326438184) <= 1e-12 * 0.855057326438184 AS statistic_ok
  FROM (SELECT mlmon.mmd(g + CASE WHEN g > 40 THEN 100 ELSE 0 END, g > 40) AS r FROM generate_series(1, 80) g) s;

-- NULL, NaN and infinite values and NULL is_current are skipped
SELECT (SELECT mlmon.mmd(v, c)::text FROM (VALUES (1::float8, false), (2, false), (4, false), (3, true), (7, true),
                                                (NULL, false), ('NaN', true), ('Infinity', false), ('-Infinity', true), (5, NULL)) x(v, c))
     = (SELECT mlmon.mmd(v, c)::text FROM (VALUES (1::float8, false), (2, false), (4, false), (3, true), (7, true)) x(v, c))
       AS skipped;

-- the profile forms equal the row form exactly (exact profiles, many ties;
-- MMD^2 0.03522302072871397, p 0)
CREATE TEMP TABLE mmd_t AS
  SELECT ((g * 7919) % 23)::float8 / 4 + CASE WHEN g % 3 = 0 THEN 0.75 ELSE 0 END AS v, g % 3 = 0 AS c
    FROM generate_series(1, 300) g;
SELECT (r).pvalue, (r).n_reference, (r).n_current,
       abs((r).statistic - 0.03522302072871397) <= 1e-12 * 0.03522302072871397 AS statistic_ok
  FROM (SELECT mlmon.mmd(v, c) AS r FROM mmd_t) s;
SELECT
       (SELECT mlmon.mmd((SELECT mlmon.profile(v) FROM mmd_t WHERE NOT c), (SELECT mlmon.profile(v) FROM mmd_t WHERE c))::text)
         = (SELECT mlmon.mmd(v, c)::text FROM mmd_t) AS profile_profile_same,
       (SELECT mlmon.mmd(v, (SELECT mlmon.profile(v) FROM mmd_t WHERE NOT c))::text FROM mmd_t WHERE c)
         = (SELECT mlmon.mmd(v, c)::text FROM mmd_t) AS value_profile_same;
-- empty profiles: NULL; an empty current profile: the sizes and NULLs
SELECT mlmon.mmd((SELECT mlmon.profile(NULL::float8) FROM mmd_t), (SELECT mlmon.profile(NULL::float8) FROM mmd_t)) IS NULL AS null_empty;
SELECT (mlmon.mmd((SELECT mlmon.profile(v) FROM mmd_t), (SELECT mlmon.profile(NULL::float8) FROM mmd_t))).*;

-- a sketched profile is refused: the kernel needs every value
SELECT mlmon.mmd((SELECT mlmon.profile(g::float8, 10) FROM generate_series(1, 100) g), (SELECT mlmon.profile(v) FROM mmd_t));
SELECT mlmon.mmd(v, (SELECT mlmon.profile(g::float8, 10) FROM generate_series(1, 100) g)) FROM mmd_t;
-- a categorical profile is refused
SELECT mlmon.mmd((SELECT mlmon.profile(v::text) FROM mmd_t), (SELECT mlmon.profile(v) FROM mmd_t));

-- above the limits: an error suggesting TABLESAMPLE
SELECT mlmon.mmd(g::float8, g > 2500) FROM generate_series(1, 5001) g;
SELECT mlmon.mmd((g % 10)::float8, g > 500000) FROM generate_series(1, 1000001) g;
-- values too far apart for the kernel scale
SELECT mlmon.mmd(v, c) FROM (VALUES (1e300::float8, false), (-1e300, false), (0, false), (1, true), (2, true)) x(v, c);

-- a parallel plan gives the serial result
CREATE TABLE mmd_par AS SELECT ((g * 37) % 1000)::float8 / 10 + CASE WHEN g % 4 = 0 THEN 3 ELSE 0 END AS v, g % 4 = 0 AS c
  FROM generate_series(1, 60000) g;
ANALYZE mmd_par;
CREATE TEMP TABLE mmd_serial AS SELECT mlmon.mmd(v, c)::text AS t FROM mmd_par;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlmon.mmd(v, c) FROM mmd_par;
SELECT mlmon.mmd(v, c)::text = (SELECT t FROM mmd_serial) AS parallel_same FROM mmd_par;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;
DROP TABLE mmd_par;
