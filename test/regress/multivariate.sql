-- mlmon.pca_fit, mlmon.reconstruction_error, mlmon.reconstruction_drift
-- (NannyML's data reconstruction drift): edge cases and every error.
-- Expected numbers come from scikit-learn 1.2 (SimpleImputer(strategy=
-- "mean"), StandardScaler, PCA(n_components=0.65)) and are compared as
-- booleans; test/oracle/test_multivariate.py compares random cases.
SET extra_float_digits = 0;
-- the SQLSTATE, message, detail and hint of a statement's error
CREATE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  st text; msg text; det text; hin text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hin = PG_EXCEPTION_HINT;
  RETURN st || ': ' || msg || coalesce(nullif(' | ' || det, ' | '), '') || coalesce(nullif(' | ' || hin, ' | '), '');
END $$;

CREATE TEMP TABLE mv (id int, f float8[]);
INSERT INTO mv VALUES (1, '{1,2,3}'), (2, '{2,4.5,1}'), (3, '{3,5.5,2}'), (4, '{4,8,0}'),
  (5, '{NULL,7,1}'), (6, '{5,NaN,3}'), (7, NULL), (8, '{6,Infinity,2}');

-- NULL elements, NaN and +-Infinity are imputed with the mean; a NULL array is counted, not fitted
SELECT m->'n_rows' AS n_rows, m->'rows_null' AS rows_null, m->'rows_incomplete' AS rows_incomplete,
       m->'values_imputed' AS values_imputed, m->'values_infinite' AS values_infinite,
       m->'n_features' AS n_features, m->'n_components' AS n_components, m->'variance' AS variance,
       m->'pca_mean' AS pca_mean, m->'empty_features' AS empty_features, m->'version' AS version,
       abs((m->'mean'->>0)::float8 - 3.5) < 1e-15 AND abs((m->'mean'->>1)::float8 - 5.4) < 1e-14
         AND abs((m->'mean'->>2)::float8 - 1.7142857142857142) < 1e-15 AS mean_ok,
       abs((m->'scale'->>0)::float8 / 1.5811388300841898 - 1) < 1e-14
         AND abs((m->'scale'->>1)::float8 / 1.7606816861659009 - 1) < 1e-14
         AND abs((m->'scale'->>2)::float8 / 1.0301575072754254 - 1) < 1e-14 AS scale_ok,
       abs((m->'explained_variance_ratio'->>0)::float8 / 0.64981636 - 1) < 1e-8
         AND abs((m->'explained_variance_ratio'->>1)::float8 / 0.31916806 - 1) < 1e-7 AS ratio_ok,
       jsonb_array_length(m->'components') AS components, jsonb_array_length(m->'components'->0) AS component_length
  FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s;
-- errors of rows against it: a complete row, every value missing (0: the mean row), a far row, a partial one
SELECT id, abs(mlmon.reconstruction_error(m, f) - e) < 1e-12 * greatest(e, 1) AS error_ok
  FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s,
       (VALUES (1, '{1,2,3}'::float8[], 0.01805387201193483), (2, '{NULL,NULL,NaN}', 0.0),
               (3, '{10,0,5}', 2.1517907555638907), (4, '{NULL,3,-Infinity}', 0.9747633139518633)) r(id, f, e)
 ORDER BY id;
-- the window: the mean of those errors (scikit-learn's, the second taken as 0), counts of imputed and invalid rows
SELECT abs((r).mean_error - 0.7861519853819222) < 1e-12 AS mean_ok, (r).n_rows, (r).rows_imputed, (r).rows_invalid
  FROM (SELECT mlmon.reconstruction_drift(f, m) AS r
          FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s,
               (VALUES ('{1,2,3}'::float8[]), ('{NULL,NULL,NaN}'), ('{10,0,5}'), ('{NULL,3,-Infinity}'),
                       (NULL), ('{1,2}'), ('{1,2,3,4}'), ('{}'), ('{{1,2,3}}')) r(f)) t;
-- STRICT: a NULL model or NULL features give NULL
SELECT mlmon.reconstruction_error(NULL, '{1,2,3}') IS NULL AS null_model,
       mlmon.reconstruction_error(m, NULL) IS NULL AS null_features
  FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s;

-- fewer than 2 rows with features: NULL
SELECT mlmon.pca_fit(f) IS NULL AS no_rows FROM mv WHERE false;
SELECT mlmon.pca_fit(f) IS NULL AS one_row FROM mv WHERE id = 1;
SELECT mlmon.pca_fit(f) IS NULL AS only_null_rows FROM mv WHERE id = 7;
SELECT mlmon.pca_fit(f) IS NULL AS one_row_and_a_null FROM mv WHERE id IN (1, 7);
SELECT mlmon.reconstruction_drift(f, '{}') IS NULL AS empty_window FROM mv WHERE false;
-- a feature present in no row: SimpleImputer drops it; listed in empty_features, ignored by the error
SELECT m->'empty_features' AS empty_features, m->'mean'->1 AS mean, m->'scale'->1 AS scale,
       m->'n_components' AS n_components,
       mlmon.reconstruction_error(m, '{1,NULL,3}') = mlmon.reconstruction_error(m, '{1,1e6,3}') AS ignored
  FROM (SELECT mlmon.pca_fit(ARRAY[x, NULL, x * x]) AS m FROM generate_series(1, 5) x) s;
-- every feature constant: no variance, no component; scale 1 (StandardScaler's rule), error = |x - mean|
SELECT m->'n_components' AS n_components, m->'scale' AS scale, m->'components' AS components,
       m->'explained_variance_ratio' AS ratio, mlmon.reconstruction_error(m, '{5,5}') AS error
  FROM (SELECT mlmon.pca_fit(ARRAY[2, 1]::float8[]) AS m FROM generate_series(1, 4) x) s;
-- one feature: one component that explains everything; error 0
SELECT m->'n_components' AS n_components, m->'explained_variance_ratio' AS ratio,
       mlmon.reconstruction_error(m, '{100}') < 1e-12 AS error_zero
  FROM (SELECT mlmon.pca_fit(ARRAY[x]) AS m FROM generate_series(1, 4) x) s;
-- variance 1 keeps every component
SELECT m->'n_components' AS n_components
  FROM (SELECT mlmon.pca_fit(f, 1) AS m FROM mv) s;
-- the model's text form reads back to the same numbers
SELECT m::text::jsonb = m AS round_trip FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s;

-- the caller's mistakes in a fit: errors
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f) FROM (VALUES ('{1,2,3}'::float8[]), ('{1,2}')) v(f)$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f) FROM (VALUES ('{}'::float8[])) v(f)$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f) FROM (VALUES ('{{1,2},{3,4}}'::float8[])) v(f)$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(array_fill(1::float8, ARRAY[1001]))$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f, 0) FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f, 1.5) FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f, 'NaN') FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f, NULL) FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(f, 0.5 + id / 100.0) FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.pca_fit(ARRAY[x * 1e300, x]) FROM generate_series(1, 3) x$$);
SELECT pg_temp.error_of($$SELECT mlmon._pca_fit_accum(NULL, '{1}')$$);

-- reconstruction_error: wrong length, malformed models
SELECT pg_temp.error_of($$SELECT mlmon.reconstruction_error(m, '{1,2}') FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s$$);
SELECT pg_temp.error_of($$SELECT mlmon.reconstruction_error(m, '{{1,2,3}}') FROM (SELECT mlmon.pca_fit(f) AS m FROM mv) s$$);
SELECT pg_temp.error_of(format('SELECT mlmon.reconstruction_error(%L, %L)', m, '{1,2,3}'))
  FROM (VALUES ('[]'), ('{}'), ('{"version": 2}'), ('{"version": 1, "n_features": 0}'),
               ('{"version": 1, "n_features": 2, "n_components": 3}'),
               ('{"version": 1, "n_features": 3, "n_components": 0, "mean": [0, 0]}'),
               ('{"version": 1, "n_features": 3, "n_components": 0, "mean": [0, "x", 0]}'),
               ('{"version": 1, "n_features": 3, "n_components": 0, "mean": [0, 0, 0], "scale": [1, 0, 1]}'),
               ('{"version": 1, "n_features": 3, "n_components": 1, "mean": [0, 0, 0], "scale": [1, 1, 1], "pca_mean": [0, 0, 0]}'),
               ('{"version": 1, "n_features": 3, "n_components": 1, "mean": [0, 0, 0], "scale": [1, 1, 1], "pca_mean": [0, 0, 0], "components": [[1, 0]]}'),
               ('{"version": 1, "n_features": 3, "n_components": 1, "mean": [0, 0, 0], "scale": [1, 1, 1], "pca_mean": [0, 0, 0], "components": [1]}'),
               ('{"version": 1, "n_features": 3, "n_components": 0, "mean": [0, 0, 0], "scale": [1, 1, 1], "pca_mean": [0, 0, 0], "components": [], "empty_features": [4]}'),
               ('{"version": 1, "n_features": 3, "n_components": 0, "mean": [0, 0, null], "scale": [1, 1, 1], "pca_mean": [0, 0, 0], "components": []}')) v(m);
-- the smallest valid model: no component, error = |(x - mean) / scale|
SELECT mlmon.reconstruction_error('{"version": 1, "n_features": 2, "n_components": 0, "mean": [1, 1], "scale": [1, 2], "pca_mean": [0, 0], "components": []}', '{4,5}') AS error;

-- reconstruction_drift: the model must be given and the same on every row
SELECT pg_temp.error_of($$SELECT mlmon.reconstruction_drift(f, NULL) FROM mv$$);
SELECT pg_temp.error_of($$SELECT mlmon.reconstruction_drift(f, CASE WHEN id < 4 THEN a ELSE b END)
  FROM mv, (SELECT mlmon.pca_fit(f) AS a, mlmon.pca_fit(f, 0.9) AS b FROM mv) s$$);
SELECT pg_temp.error_of($$SELECT mlmon._reconstruction_accum(NULL, '{1}', '{}')$$);
-- a state made by hand: refused by the final function
SELECT pg_temp.error_of($$SELECT mlmon._reconstruction_final('{1,0,0,-1,0,0,0,0}')$$);
SELECT pg_temp.error_of($$SELECT mlmon._reconstruction_final('{1,2,3}')$$);
SELECT pg_temp.error_of($$SELECT mlmon._pca_fit_final('{1,2,0.65,0,0,0,0,0,0}')$$);
SELECT pg_temp.error_of($$SELECT mlmon._pca_fit_final('{2,0,0.65,0,0,0,0,0,0}')$$);
SELECT pg_temp.error_of($$SELECT mlmon._pca_fit_final('{1,0,0.65,0,0.5,0,0,0,0}')$$);
-- one model per group is fine
SELECT g, (mlmon.reconstruction_drift(f, m)).n_rows
  FROM (SELECT id % 2 AS g, f FROM mv) r
  JOIN (SELECT 0 AS g, mlmon.pca_fit(f) AS m FROM mv UNION ALL SELECT 1, mlmon.pca_fit(f, 0.9) FROM mv) s USING (g)
 GROUP BY g ORDER BY g;

-- parallel plans: Partial Aggregate, same results as serial
CREATE TABLE mlmon_regress_mv AS
  SELECT g, ARRAY[sin(g), cos(g) + sin(g) * 0.5, (g % 7)::float8, CASE WHEN g % 11 = 0 THEN NULL ELSE g % 5 END] AS f
    FROM generate_series(1, 5000) g;
ANALYZE mlmon_regress_mv;
CREATE TEMP TABLE mv_serial AS SELECT mlmon.pca_fit(f) AS m FROM mlmon_regress_mv;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT mlmon.pca_fit(f) FROM mlmon_regress_mv;
EXPLAIN (COSTS OFF) SELECT mlmon.reconstruction_drift(f, '{}') FROM mlmon_regress_mv;
SELECT (p.m->'n_components') = (s.m->'n_components') AS same_k,
       abs((p.m->'explained_variance_ratio'->>0)::float8 - (s.m->'explained_variance_ratio'->>0)::float8) < 1e-13 AS same_ratio,
       abs(((SELECT (mlmon.reconstruction_drift(f, s.m)).mean_error FROM mlmon_regress_mv) /
            (SELECT avg(mlmon.reconstruction_error(s.m, f)) FROM mlmon_regress_mv)) - 1) < 1e-12 AS same_mean
  FROM (SELECT mlmon.pca_fit(f) AS m FROM mlmon_regress_mv) p, mv_serial s;
RESET ALL;
DROP TABLE mlmon_regress_mv;
