-- Embedding drift (mlmon.embedding_distance): edge cases, bad rows counted,
-- every error.  Expected values come from scipy.spatial.distance on the means
-- (reference rows {1,2,3} and {2,3,4}, current {5,5,5}): euclidean
-- 4.55521678957215, cosine 0.0494136242132831, cityblock 7.5, chebyshev 3.5;
-- the bootstrap percentiles from test/oracle/splitmix64.py's draws (54 of the
-- 100 replicate pairs differ, so the chebyshev percentiles are 1 at 0.95 and
-- 0.5, 0 at 0.3).  test/oracle/test_embedding_drift.py compares random cases.
CREATE TEMP TABLE emb (e float8[], c boolean);
INSERT INTO emb VALUES ('{1,2,3}', false), ('{2,3,4}', false), ('{5,5,5}', true),
  (NULL, true),              -- missing embedding
  ('{1,2,3}', NULL),         -- missing is_current
  ('{}', false),             -- empty array
  ('{1,2}', true),           -- wrong length
  ('{{1,2,3},{4,5,6}}', false), -- not one-dimensional
  ('{1,NaN,2}', false),      -- NaN component
  ('{1,NULL,2}', true),      -- NULL component
  ('{-Infinity,1,2}', true); -- infinite component

SELECT method, abs(statistic - 4.55521678957215) < 1e-14 AS statistic_ok, threshold, drifted,
       n_reference, n_current, dimension, n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_distance(e, c)).* FROM emb) s;
SELECT abs(statistic - 0.0494136242132831) < 1e-15 AS statistic_ok, threshold, drifted
  FROM (SELECT (mlmon.embedding_distance(e, c, 'cosine')).* FROM emb) s;
SELECT statistic, threshold, drifted
  FROM (SELECT (mlmon.embedding_distance(e, c, 'cityblock', 7.5)).* FROM emb) s;
SELECT statistic, threshold, drifted
  FROM (SELECT (mlmon.embedding_distance(e, c, 'chebyshev', 3.4)).* FROM emb) s;
-- float4[] input (the same values are exact in float4)
SELECT abs(statistic - 4.55521678957215) < 1e-14 AS statistic_ok, n_reference, n_current,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_distance(e::float4[], c)).* FROM emb) s;
-- bootstrap: the threshold is the percentile of 100 reference-only resamples
SELECT q, statistic, threshold, drifted
  FROM (VALUES (0.95), (0.5), (0.3)) v(q),
       LATERAL (SELECT (mlmon.embedding_distance(e, c, 'chebyshev', 0.2, true, v.q)).* FROM emb) s;

-- the first valid embedding fixes the dimension
SELECT dimension, n_reference, n_current, n_skipped_length
  FROM (SELECT (mlmon.embedding_distance(e, c ORDER BY o)).*
          FROM (VALUES (1, '{1,2}'::float8[], false), (2, '{1,2,3}', true), (3, '{3,4}', true)) t(o, e, c)) s;

-- a sample without valid rows: NULL statistic and drifted, the counts (in the
-- second query {1,2} fixes the dimension, so the 3-component rows with a NaN
-- or NULL count as of the wrong length)
SELECT method, statistic, threshold, drifted, n_reference, n_current, dimension, n_skipped_null
  FROM (SELECT (mlmon.embedding_distance(e, c)).* FROM emb WHERE c) s;
SELECT statistic, drifted, dimension, n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_distance(e, c)).* FROM emb WHERE e IS NULL OR cardinality(e) <> 3 OR e::text LIKE '%N%') s;
-- no rows at all: NULL
SELECT mlmon.embedding_distance(e, c) IS NULL AS is_null FROM emb WHERE false;
-- cosine of a zero mean is undefined (SciPy: NaN): NULL statistic
SELECT statistic, drifted FROM (SELECT (mlmon.embedding_distance(e, c, 'cosine')).*
  FROM (VALUES ('{0,0}'::float8[], false), ('{1,1}', true)) t(e, c)) s;
-- as a window function, rows stay rows
SELECT o, (mlmon.embedding_distance(e, c) OVER (ORDER BY o)).n_reference
  FROM (VALUES (1, '{1,2}'::float8[], false), (2, NULL, true), (3, '{2,3}', true)) t(o, e, c);

-- errors
SELECT mlmon.embedding_distance(e, c, 'minkowski') FROM emb;
SELECT mlmon.embedding_distance(e, c, NULL) FROM emb;
SELECT mlmon.embedding_distance(e, c, 'euclidean', 'NaN') FROM emb;
SELECT mlmon.embedding_distance(e, c, 'euclidean', 0.2, true, 1.5) FROM emb;
SELECT mlmon.embedding_distance(e, c, 'euclidean', 0.2, NULL, 0.95) FROM emb;
SELECT mlmon.embedding_distance(e, c, CASE WHEN c THEN 'cosine' ELSE 'euclidean' END) FROM emb;
SELECT mlmon._embedding_distance_accum(NULL, '{1}'::float8[], true);
SELECT mlmon._embedding_distance_combine('{1}', '{1}');
SELECT mlmon._embedding_distance_final('{1,2,3}');
SELECT mlmon._embedding_distance_final('{2,0,0,0.2,0,0.95,0,0,0,0,0,0}');
SELECT mlmon._embedding_distance_final('{1,2,0,0.2,0,0.95,1,1,0,0,0,0,1,1,0,0,1,1,0,0}');
SELECT mlmon._embedding_distance_final('{1,2,0,0.2,0,0.95,1,1,0,0,0,0,1,1,0,0,1,1,0}');
SELECT (mlmon._embedding_distance_final('{1,1,0,0.2,0,0.95,1,1,0,0,0,0,2,0,3,0}')).statistic;

-- combining partial states (as parallel workers and Citus do), driven by an
-- aggregate whose transition function is the combine function: a NULL state
-- either side is skipped; when two states fixed different dimensions, the
-- rows of the later one are counted as of the wrong length.  States (header:
-- version, dimension, distance, threshold, bootstrap, quantile, n_reference,
-- n_current, skipped null/length/component, bootstrap capacity; then the
-- sums and compensations of each sample, then the bootstrap rows):
-- s0 no dimension, one row of the wrong length; s3 reference {1,2,3},
-- current {2,3,4}; s2 reference {1,2} twice, current {5,5}, one NULL row.
-- sqrt(3) = 1.7320508075688772 (dimension 3 first); sqrt(4^2 + 3^2) = 5
-- (dimension 2 first).
CREATE TABLE emb_states (o int, s float8[], b float8[]);
INSERT INTO emb_states VALUES
  (1, '{1,0,0,0.2,0,0.95,0,0,0,1,0,0}', '{1,0,0,0.2,1,0.95,0,0,0,1,0,0}'),
  (2, NULL, NULL),
  (3, '{1,3,0,0.2,0,0.95,1,1,0,0,0,0, 1,2,3,0,0,0, 2,3,4,0,0,0}',
      '{1,3,0,0.2,1,0.95,1,1,0,0,0,1, 1,2,3,0,0,0, 2,3,4,0,0,0, 1,2,3}'),
  (4, '{1,2,0,0.2,0,0.95,2,1,1,0,0,0, 2,4,0,0, 5,5,0,0}',
      '{1,2,0,0.2,1,0.95,2,1,1,0,0,2, 2,4,0,0, 5,5,0,0, 1,2, 1,2}');
CREATE AGGREGATE public.emb_combine_states(float8[]) (
    SFUNC = mlmon._embedding_distance_combine, STYPE = float8[],
    FINALFUNC = mlmon._embedding_distance_final);
SELECT 'dimension 3 first' AS what, statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.emb_combine_states(s ORDER BY o)).* FROM emb_states) x
UNION ALL
SELECT 'dimension 2 first', statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.emb_combine_states(s ORDER BY o DESC)).* FROM emb_states) x
UNION ALL
-- with bootstrap rows: one reference row left, so every resample is that row (threshold 0)
SELECT 'bootstrap, dimension 3 first', statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.emb_combine_states(b ORDER BY o)).* FROM emb_states) x
UNION ALL
SELECT 'bootstrap, dimension 2 first', statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.emb_combine_states(b ORDER BY o DESC)).* FROM emb_states) x;
-- only NULL states, and states of other options
SELECT public.emb_combine_states(s) IS NULL AS is_null FROM emb_states WHERE o = 2;
SELECT public.emb_combine_states(CASE WHEN o = 3 THEN b ELSE s END) FROM emb_states;
SELECT public.emb_combine_states(s || 0::float8) FROM emb_states;
DROP AGGREGATE public.emb_combine_states(float8[]);
DROP TABLE emb_states;
-- a state from another aggregate's INITCOND is checked before it is written:
-- a bootstrap state with no room for rows grows, a broken one is refused
CREATE AGGREGATE public.emb_initcond(float8[], boolean, text, float8, boolean, float8) (
    SFUNC = mlmon._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = mlmon._embedding_distance_final,
    INITCOND = '{1,3,0,0.2,1,0.95,0,0,0,0,0,0, 0,0,0,0,0,0, 0,0,0,0,0,0}');
SELECT n_reference, n_current, dimension, n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.emb_initcond(e, c, 'euclidean', 0.2, true, 0.95)).* FROM emb) x;
DROP AGGREGATE public.emb_initcond(float8[], boolean, text, float8, boolean, float8);
CREATE AGGREGATE public.emb_initcond(float8[], boolean, text, float8, boolean, float8) (
    SFUNC = mlmon._embedding_distance_accum, STYPE = float8[],
    INITCOND = '{1,3,0,0.2,1,0.95,5,0,0,0,0,0, 0,0,0,0,0,0, 0,0,0,0,0,0}');
SELECT public.emb_initcond(e, c, 'euclidean', 0.2, true, 0.95) FROM emb;
DROP AGGREGATE public.emb_initcond(float8[], boolean, text, float8, boolean, float8);

-- mlmon.embedding_ratio: each component's normed Wasserstein distance
-- (W1 / max(std of the reference, 0.001)) against 0.1.  Reference {1,2,3},
-- {2,3,4}; current {5,5,3}, {1,2,3.1}: component 1: W1 1.5 / std 0.5 = 3;
-- component 2: W1 (|2-2| + |5-3|)/2 = 1 / 0.5 = 2; component 3: W1 0.45 / 0.5
-- = 0.9: all three drift at 0.1 and at 0.5; at 1 only the first two (2/3).
CREATE TEMP TABLE embr (e float8[], c boolean);
INSERT INTO embr VALUES ('{1,2,3}', false), ('{2,3,4}', false), ('{5,5,3}', true), ('{1,2,3.1}', true),
  (NULL, true), ('{}', false), ('{1,2}', true), ('{1,NaN,2}', false), ('{1,NULL,2}', true);
SELECT method, statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_ratio(e, c)).* FROM embr) s;
SELECT statistic, threshold, drifted FROM (SELECT (mlmon.embedding_ratio(e::float4[], c, 1)).* FROM embr) s;
SELECT statistic, threshold, drifted FROM (SELECT (mlmon.embedding_ratio(e, c, 1, 0.7)).* FROM embr) s;
-- constant reference component: the std floor 0.001 (W1 2e-4 / 0.001 = 0.2
-- drifts, W1 5e-5 / 0.001 = 0.05 does not)
SELECT statistic, drifted FROM (SELECT (mlmon.embedding_ratio(e, c)).*
  FROM (VALUES ('{1,1}'::float8[], false), ('{1,1}', false), ('{1.0002,1.00005}', true)) t(e, c)) s;
-- a sample without valid rows, and no rows
SELECT statistic, drifted, n_reference, n_current FROM (SELECT (mlmon.embedding_ratio(e, c)).* FROM embr WHERE c) s;
SELECT mlmon.embedding_ratio(e, c) IS NULL AS is_null FROM embr WHERE false;
-- errors
SELECT mlmon.embedding_ratio(e, c, NULL) FROM embr;
SELECT mlmon.embedding_ratio(e, c, 'Infinity') FROM embr;
SELECT mlmon.embedding_ratio(e, c, 0.1, 'NaN') FROM embr;
SELECT mlmon.embedding_ratio(e, c, CASE WHEN c THEN 0.1 ELSE 0.2 END) FROM embr;

-- mlmon.embedding_model: a domain classifier (sklearn's SGD logistic
-- regression) trained on the odd rows of each side's sample (canonical
-- order), its ROC AUC on the even rows.  Reference rows near 0, current
-- rows near 10 in both components: every test pair is ordered, AUC 1.
CREATE TEMP TABLE embm (e float8[], c boolean, o int);
INSERT INTO embm SELECT ARRAY[(g % 3) * 0.1, (g % 5) * 0.1], false, g FROM generate_series(1, 12) g;
INSERT INTO embm SELECT ARRAY[10 + (g % 4) * 0.1, 10 - (g % 3) * 0.1], true, 100 + g FROM generate_series(1, 10) g;
INSERT INTO embm VALUES (NULL, true, 200), ('{}', false, 201), ('{1,2,3}', true, 202), ('{1,NaN}', false, 203),
  ('{NULL,1}', true, 204), ('{1,2}', NULL, 205);
SELECT method, statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_model(e, c)).* FROM embm) s;
SELECT statistic, threshold, drifted FROM (SELECT (mlmon.embedding_model(e::float4[], c, 0.99)).* FROM embm) s;
-- bootstrap: the 95th percentile of 100 random classifiers' AUCs on the 6 + 5 test rows
SELECT statistic, round(threshold::numeric, 6) AS threshold, drifted
  FROM (SELECT (mlmon.embedding_model(e, c, 0.55, true, 0.95)).* FROM embm) s;
-- max_rows 2: one training and one test row a side
SELECT statistic, drifted, n_reference, n_current
  FROM (SELECT (mlmon.embedding_model(e, c, 0.55, false, 0.95, 2)).* FROM embm) s;
-- the same rows on both sides: every score tied, AUC 1/2
SELECT statistic, drifted FROM (SELECT (mlmon.embedding_model(e, c)).*
  FROM (SELECT ARRAY[1.5, -2]::float8[], g > 6 FROM generate_series(1, 12) g) t(e, c)) s;
-- fewer than 2 valid rows in a side: NULL statistic and decision, never an error
SELECT statistic, drifted, n_reference, n_current
  FROM (SELECT (mlmon.embedding_model(e, c)).* FROM embm WHERE o IN (1, 101, 102, 103, 203)) s;
SELECT statistic, drifted, n_reference, n_current FROM (SELECT (mlmon.embedding_model(e, c)).* FROM embm WHERE c) s;
SELECT mlmon.embedding_model(e, c) IS NULL AS is_null FROM embm WHERE false;
-- as a window function: the early frames have too few rows (NULL), then a statistic
SELECT o, (r).statistic, (r).n_reference, (r).n_current
  FROM (SELECT o, mlmon.embedding_model(e, c) OVER (ORDER BY o) r
          FROM embm WHERE o <= 3 OR o BETWEEN 101 AND 103) s
 ORDER BY o;
-- errors
SELECT mlmon.embedding_model(e, c, NULL) FROM embm;
SELECT mlmon.embedding_model(e, c, 'NaN') FROM embm;
SELECT mlmon.embedding_model(e, c, 0.55, true, 1.5) FROM embm;
SELECT mlmon.embedding_model(e, c, 0.55, true, 0.95, 1) FROM embm;
SELECT mlmon.embedding_model(e, c, 0.55, true, 0.95, 1000001) FROM embm;
SELECT mlmon.embedding_model(e, c, CASE WHEN c THEN 0.5 ELSE 0.6 END) FROM embm;
DROP TABLE embm;
-- mlmon.embedding_mmd: Evidently's MMD^2_u with the rbf kernel, gamma = 1 /
-- sigma^2, sigma the median reference x current distance, on a sample of at
-- most max_rows rows per side.  Values from numpy/SciPy (cdist, numpy.median,
-- the MMD2u formula; bootstrap draws from test/oracle/splitmix64.py into the
-- reference rows in the sample's order), for reference {0,0} {3,0} {0,4}
-- {1,2} {2,2} {4,1}, current {0,0} {6,8} {1,1}: sigma^2 9.49341649025257,
-- MMD^2_u -0.025876549306697916 (statistic 0, no drift at 0.015, drift at
-- -0.03); bootstrap percentiles -0.44972929202933615 (q 0.05),
-- -0.06441314829576328 (0.5), 1.1181151046135909 (0.95); max_rows 2:
-- samples {1,2} {2,2} and {1,1} {0,0}, MMD^2_u 0.48789108102007994; max_rows
-- 4: -0.11886249661927806.  test/oracle/test_embedding_mmd.py compares
-- random cases with Evidently's formulas.
CREATE TEMP TABLE embm (e float8[], c boolean);
INSERT INTO embm VALUES ('{0,0}', false), ('{3,0}', false), ('{0,4}', false), ('{1,2}', false), ('{2,2}', false),
  ('{4,1}', false), ('{0,0}', true), ('{6,8}', true), ('{1,1}', true),
  (NULL, true), ('{0,0}', NULL), ('{}', false),  -- missing
  ('{1,2,3}', true), ('{{1,2},{3,4}}', false),   -- wrong length
  ('{1,NaN}', false), ('{NULL,2}', true), ('{Infinity,1}', true);  -- bad components
SELECT method, statistic, threshold, drifted, n_reference, n_current, dimension,
       n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (mlmon.embedding_mmd(e, c)).* FROM embm) s;
-- the decision is on MMD^2_u itself, not on the statistic max(MMD^2_u, 0)
SELECT t, statistic, threshold, drifted
  FROM (VALUES (-0.03), (-0.02)) v(t), LATERAL (SELECT (mlmon.embedding_mmd(e, c, v.t)).* FROM embm) s;
-- float4[] input (the same values are exact in float4): the same result
SELECT (SELECT mlmon.embedding_mmd(e::float4[], c) FROM embm) = (SELECT mlmon.embedding_mmd(e, c) FROM embm) AS same;
-- bootstrap: the threshold is the percentile of 100 reference-only resamples
SELECT q, abs(threshold - want) < 1e-14 AS threshold_ok, drifted
  FROM (VALUES (0.05, -0.44972929202933615), (0.5, -0.06441314829576328), (0.95, 1.1181151046135909)) v(q, want),
       LATERAL (SELECT (mlmon.embedding_mmd(e, c, 0.015, true, v.q)).* FROM embm) s;
-- max_rows: the statistic is that of the samples, the counts are every valid
-- row (max_rows 4: MMD^2_u -0.11886249661927806 is pinned by the decision)
SELECT abs(statistic - 0.48789108102007994) < 1e-14 AS statistic_ok, n_reference, n_current
  FROM (SELECT (mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 2)).* FROM embm) s;
SELECT t, statistic, drifted, n_reference, n_current
  FROM (VALUES (-0.11886249661929), (-0.11886249661927)) v(t),
       LATERAL (SELECT (mlmon.embedding_mmd(e, c, v.t, false, 0.05, 4)).* FROM embm) s;
-- sigma^2 = 0 (most cross pairs identical): the kernel's limit, 1 for equal
-- rows and 0 otherwise: reference {1,1} x 4, current {1,1} x 3 and {2,2} x 2:
-- 12/12 + 8/20 - 2 * 12/20 = 0.2
SELECT abs(statistic - 0.2) < 1e-15 AS statistic_ok, drifted, n_reference, n_current
  FROM (SELECT (mlmon.embedding_mmd(e, c)).*
          FROM (VALUES ('{1,1}'::float8[], false), ('{1,1}', false), ('{1,1}', false), ('{1,1}', false),
                       ('{1,1}', true), ('{1,1}', true), ('{1,1}', true), ('{2,2}', true), ('{2,2}', true)) t(e, c)) s;
-- every row identical: 0
SELECT statistic, drifted FROM (SELECT (mlmon.embedding_mmd(e, c)).*
  FROM (VALUES ('{-0.0,1}'::float8[], false), ('{0,1}', false), ('{0,1}', true), ('{0,1}', true)) t(e, c)) s;
-- fewer than 2 rows on a side: NULL statistic and drifted, the counts
SELECT method, statistic, threshold, drifted, n_reference, n_current, dimension
  FROM (SELECT (mlmon.embedding_mmd(e, c)).* FROM embm WHERE c OR e = '{0,0}') s;
-- bootstrap draws of fewer than 2 rows (2 reference rows against 3): the
-- statistic, a NaN threshold and no decision (Evidently divides by zero)
SELECT statistic IS NOT NULL AS has_statistic, threshold, drifted
  FROM (SELECT (mlmon.embedding_mmd(e, c, 0.015, true, 0.5)).* FROM embm WHERE c OR e IN ('{0,0}', '{3,0}')) s;
-- no rows at all: NULL; no valid row: no dimension
SELECT mlmon.embedding_mmd(e, c) IS NULL AS is_null FROM embm WHERE false;
SELECT statistic, drifted, n_reference, n_current, dimension, n_skipped_null
  FROM (SELECT (mlmon.embedding_mmd(e, c)).* FROM embm WHERE e IS NULL) s;
-- the sample does not depend on the order of the rows (three shuffles, one
-- result; the 3-component row left out: the first valid row fixes the dimension)
SELECT count(DISTINCT r::text) AS distinct_results
  FROM (SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 2 ORDER BY o) r
          FROM (SELECT e, c, o, seed FROM embm, LATERAL (VALUES (1), (2), (3)) w(seed),
                       LATERAL (SELECT hashtext(e::text || c::text || seed) AS o) h
                 WHERE cardinality(e) IS DISTINCT FROM 3) t
         GROUP BY seed) s;

-- errors
SELECT mlmon.embedding_mmd(e, c, 'NaN') FROM embm;
SELECT mlmon.embedding_mmd(e, c, NULL) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, NULL, 0.05) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, true, 1.5) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, true, -0.1) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 1) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 5001) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, NULL) FROM embm;
SELECT mlmon.embedding_mmd(e, c, CASE WHEN c THEN 0.1 ELSE 0.2 END) FROM embm;
SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, CASE WHEN c THEN 10 ELSE 20 END) FROM embm;
SELECT mlmon._embedding_mmd_accum(NULL, '{1}'::float8[], true);
SELECT mlmon._embedding_sample_combine('{1}', '{1}');

-- the state (a float8[]: version, dimension, max_rows, method, 4 options,
-- n_reference, n_current, skipped null/length/component, sample sizes,
-- capacities; then per side its rows: the key's two 32-bit halves and the
-- components), read back with an aggregate that has no final function, and
-- combined (as parallel workers and Citus do) by an aggregate whose
-- transition function is the combine function
CREATE AGGREGATE public.mmd_state(float8[], boolean, float8, boolean, float8, integer) (
    SFUNC = mlmon._embedding_mmd_accum, STYPE = float8[]);
CREATE AGGREGATE public.mmd_combine_states(float8[]) (
    SFUNC = mlmon._embedding_sample_combine, STYPE = float8[], FINALFUNC = mlmon._embedding_mmd_final);
SELECT public.mmd_state(e, c, 0.015, false, 0.05, 2) FROM embm WHERE e IN ('{0,0}', '{3,0}', '{6,8}');
CREATE TEMP TABLE mmd_states AS
  SELECT g, public.mmd_state(e, c, 0.015, false, 0.05, 4) s
    FROM (SELECT e, c, CASE WHEN cardinality(e) = 3 THEN 3 ELSE (row_number() OVER ()) % 3 END g FROM embm) t
   GROUP BY g;
-- combined in either order: the result of one pass (the 3-component part's
-- rows count as of the wrong length, as in one pass where {0,0} came first;
-- with that part first, its dimension is kept: 9 valid 2-component rows and
-- the 2-D array are then of the wrong length).  The states' keys are those
-- of test/oracle's re-implementation: {0,0} reference 2802244911 * 2^32 +
-- 1293516399, {3,0} 2429973008 * 2^32 + 1448351381, current {6,8}
-- 1737127391 * 2^32 + 2862060320, {0,0} 1581361928 * 2^32 + 1949917470
-- (the heap's root, the larger key, first)
SELECT (SELECT public.mmd_combine_states(s ORDER BY g) FROM mmd_states)
     = (SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 4) FROM embm) AS one_pass,
       (SELECT public.mmd_combine_states(s ORDER BY g DESC) FROM mmd_states WHERE g < 3)
     = (SELECT mlmon.embedding_mmd(e, c, 0.015, false, 0.05, 4) FROM embm WHERE cardinality(e) IS DISTINCT FROM 3)
       AS reversed_without_the_3_component_part;
SELECT n_reference, n_current, dimension, n_skipped_null, n_skipped_length, n_skipped_component
  FROM (SELECT (public.mmd_combine_states(s ORDER BY g DESC)).* FROM mmd_states) x;
-- NULL states are skipped; states of other options or methods, and broken states, are refused
SELECT public.mmd_combine_states(NULL::float8[]) IS NULL AS is_null;
SELECT public.mmd_combine_states(s) FROM (SELECT public.mmd_state(e, c, 0.015, false, 0.05, 4) s FROM embm
  UNION ALL SELECT public.mmd_state(e, c, 0.015, false, 0.05, 3) FROM embm) t;
SELECT mlmon._embedding_mmd_final('{1,2,3}');
SELECT mlmon._embedding_mmd_final('{2,0,1000,1,0.015,0,0.05,0,0,0,0,0,0,0,0,0,0}');
SELECT mlmon._embedding_mmd_final('{1,0,1000,2,0.55,0,0.95,0,0,0,0,0,0,0,0,0,0}');
SELECT mlmon._embedding_mmd_final('{1,0,1000,1,0.015,0,0.05,0,1,0,0,0,0,1,0,1,0}');
SELECT mlmon._embedding_mmd_final('{1,1,2,1,0.015,0,0.05,0,3,0,0,0,0,0,0,0,0}');
SELECT mlmon._embedding_mmd_final('{1,1,2,1,0.015,0,0.05,0,0,2,0,0,0,0,2,0,2,0,1,5,0,2}');
SELECT mlmon._embedding_mmd_final('{1,1,2,1,0.015,0,0.05,0,0,2,0,0,0,0,2,0,2,0,1,5,5e9,2,6}');
SELECT mlmon._embedding_mmd_final('{1,1,2,1,0.015,0,0.05,0,0,2,0,0,0,0,2,0,2,0,1,5,0,2,NaN}');
SELECT mlmon._embedding_mmd_final('{1,1,6000,1,0.015,0,0.05,0,0,2,0,0,0,0,2,0,2,0,1,5,0,2,6}');
-- a valid hand-made state: two current rows {5} and {6}, no reference row
SELECT method, statistic, drifted, n_reference, n_current, dimension
  FROM (SELECT (mlmon._embedding_mmd_final('{1,1,2,1,0.015,0,0.05,0,0,2,0,0,0,0,2,0,2,0,1,5,0,2,6}')).*) s;
DROP AGGREGATE public.mmd_combine_states(float8[]);
DROP AGGREGATE public.mmd_state(float8[], boolean, float8, boolean, float8, integer);
-- a hand-made model state whose bootstrap quantile is out of range: refused, as mmd's
SELECT (mlmon._embedding_model_final('{1,2,2,2,0.55,0.5,1e300,0,2,2,0,0,0,2,2,2,2, 0,1,0,0, 0,2,1,1, 0,3,5,5, 0,4,6,6}'::float8[])).threshold;
