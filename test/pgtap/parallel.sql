-- Parallel aggregation: every aggregate runs as a Partial Aggregate under a
-- Gather, workers really launch, and the results equal the serial ones exactly.
SET client_min_messages = warning;
DROP TABLE IF EXISTS tap_par;
CREATE TABLE tap_par AS
SELECT g % 7 AS grp,
       CASE WHEN g % 3 = 0 THEN NULL ELSE sin(g) * 100 + (g % 2) * 5 END AS value,
       g % 2 = 0 AS is_current,
       'cat' || (g * 7919 % 13) AS category
  FROM generate_series(1, 200000) g;
ANALYZE tap_par;
-- stored once: a sketched profile built by parallel workers may differ from
-- run to run (within its bound), so both plans must read the same one
DROP TABLE IF EXISTS tap_par_ref;
CREATE TABLE tap_par_ref AS
SELECT mlmon.profile(value) AS num, mlmon.profile(category) AS cat FROM tap_par WHERE grp = 1;

-- a check's plan: exact references, so that the grid (KS), the bins (PSI,
-- Jensen-Shannon) and the categories are exact in every plan
DROP TABLE IF EXISTS tap_par_plan;
CREATE TABLE tap_par_plan AS
SELECT ROW('classification', ARRAY['c', 'v'], ARRAY['categorical', 'numeric'],
           ARRAY[mlmon.profile(category), mlmon.profile(round(value))], ARRAY[0, 3],
           NULL, NULL, NULL, NULL, NULL, 0.01, true, NULL, NULL)::mlmon._summary_plan AS p
  FROM tap_par WHERE grp = 1;

BEGIN;
SELECT plan(35);

CREATE FUNCTION pg_temp.plan_of(q text, with_analyze boolean DEFAULT false) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; out text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF' || CASE WHEN with_analyze THEN ', ANALYZE, TIMING OFF' ELSE '' END || ') ' || q
  LOOP out := out || r || E'\n'; END LOOP;
  RETURN out;
END $$;
CREATE FUNCTION pg_temp.result_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE res text;
BEGIN
  EXECUTE 'SELECT string_agg(t::text, E''\n'' ORDER BY t::text) FROM (' || q || ') t' INTO res;
  RETURN res;
END $$;

-- an error stream with many ties in time: labels 'high' are errors against the prediction 'low'
CREATE TEMP VIEW tap_stream AS
  SELECT '2026-01-01 00:00+00'::timestamptz + grp * interval '1 s' AS ts,
         CASE WHEN value > 40 THEN 'high' WHEN value IS NOT NULL THEN 'low' END AS lbl,
         (value > 40)::int::float8 AS e, value FROM tap_par;
CREATE TEMP TABLE queries (name text, q text);
INSERT INTO queries VALUES
 ('ks_2samp', $$SELECT mlmon.ks_2samp(value, is_current) FROM tap_par$$),
 ('ks_2samp with options', $$SELECT mlmon.ks_2samp(value, is_current, 'less', 'asymp') FROM tap_par$$),
 ('wasserstein', $$SELECT mlmon.wasserstein(value, is_current), mlmon.wasserstein_normed(value, is_current) FROM tap_par$$),
 ('psi and js on numbers', $$SELECT mlmon.psi(value, is_current), mlmon.psi(value, is_current, 'evidently'), mlmon.jensen_shannon(value, is_current, 20) FROM tap_par$$),
 ('categorical', $$SELECT mlmon.chi2_drift(category, is_current), mlmon.chi2_drift(category, is_current, 'contingency'), mlmon.psi(category, is_current), mlmon.jensen_shannon(category, is_current) FROM tap_par$$),
 ('z_test', $$SELECT mlmon.z_test(CASE WHEN value > 0 THEN 'pos' ELSE 'neg' END, is_current) FROM tap_par$$),
 ('booleans and integers', $$SELECT mlmon.z_test(value > 0, is_current), mlmon.chi2_drift(grp, is_current), mlmon.chi2_drift(value > 0, is_current, 'contingency') FROM tap_par$$),
 ('values against a reference profile', $$SELECT mlmon.ks_2samp(value, (SELECT num FROM tap_par_ref)), mlmon.psi(value, (SELECT num FROM tap_par_ref)), mlmon.wasserstein(value, (SELECT num FROM tap_par_ref)), mlmon.chi2_drift(category, (SELECT cat FROM tap_par_ref)) FROM tap_par$$),
 ('profiles', $$SELECT (s).count, (s).nulls, (s).min, (s).max, (s).entries, (s).mode, t FROM (SELECT mlmon.summary(mlmon.profile(value)) AS s, mlmon.profile(category) AS c FROM tap_par) x, mlmon.top_values(c, 3) t$$),
 ('several statistics sharing a state', $$SELECT mlmon.ks_2samp(value, is_current), mlmon.wasserstein(value, is_current), mlmon.psi(value, is_current), mlmon.jensen_shannon(value, is_current) FROM tap_par$$),
 ('check summaries of rows', $$SELECT t.*, mlmon._summary_quality(s, 1) AS q1, mlmon._summary_quality(s, 2) AS q2, mlmon._summary_ks(s, (p).refs[2], 2) AS ks, mlmon._summary_binned(s, (p).refs[2], 2, 'psi') AS psi, mlmon._summary_binned(s, (p).refs[2], 2, 'jensen_shannon') AS js, mlmon.top_values(mlmon._summary_profile(s, 1), 20) AS cats FROM (SELECT mlmon._summarize_rows((SELECT p FROM tap_par_plan), jsonb_build_object('v', round(value), 'c', category), NULL, NULL, NULL, NULL) AS s FROM tap_par) x, tap_par_plan, mlmon._summary_totals(s) t$$),
 ('check summaries of labels', $$SELECT mlmon._summary_detector(s, 'adwin') AS adwin, mlmon._summary_classification(s) AS perf, mlmon._summary_totals(s) AS t FROM (SELECT mlmon._summarize_labels((SELECT p FROM tap_par_plan), ts, lbl, NULL, 'low', NULL, round(abs(sin(value))::numeric, 2)::float8) AS s FROM tap_stream) x$$),
 ('grouped', $$SELECT grp, mlmon.ks_2samp(value, is_current), mlmon.chi2_drift(category, is_current) FROM tap_par GROUP BY grp$$),
 ('classification_metrics', $$SELECT (m1).*, (m2).n, (m2).confusion_matrix, (m2).n_scored, (m2).roc_auc, round((m2).log_loss::numeric, 12) AS ll2, round((m2).brier::numeric, 12) AS b2, (m3).classes, (m3).n_scored, (m3).roc_auc, round((m3).log_loss::numeric, 12) AS ll3, round((m3).brier::numeric, 12) AS b3 FROM (SELECT mlmon.classification_metrics(category, CASE WHEN value > 0 THEN 'cat1' ELSE 'cat2' END) AS m1, mlmon.classification_metrics(CASE WHEN is_current THEN 'y' ELSE 'n' END, CASE WHEN value > 0 THEN 'y' ELSE 'n' END, abs(sin(value))) AS m2, mlmon.classification_metrics(category, 'cat3', abs(cos(value)), 'cat3') AS m3 FROM tap_par) x$$);

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial AS SELECT name, pg_temp.result_of(q) AS result FROM queries;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;

SELECT ok(pg_temp.plan_of(q) ~ 'Partial (Hash|Group)?Aggregate' AND pg_temp.plan_of(q) ~ 'Gather',
          name || ': plan has a Partial Aggregate under a Gather')
  FROM queries ORDER BY name;
SELECT ok(pg_temp.plan_of('SELECT mlmon.ks_2samp(value, is_current) FROM tap_par', true) ~ 'Workers Launched: [1-9]',
          'parallel workers are launched');
SELECT is(pg_temp.result_of(q), serial.result, name || ': parallel result equals the serial one')
  FROM queries JOIN serial USING (name) ORDER BY name;
SELECT isnt(serial.result, NULL, 'serial results are not empty') FROM serial WHERE name = 'ks_2samp';
-- a summary's error stream is replayed in (time, error) order: what the
-- ordered aggregates give with that order (ties in time are many here)
SELECT is((SELECT mlmon._summary_detector(mlmon._summarize_labels((SELECT p FROM tap_par_plan), ts, lbl, NULL, 'low', NULL, NULL),
                                          'adwin')::text FROM tap_stream),
          (SELECT mlmon.adwin(e ORDER BY ts, e)::text FROM tap_stream WHERE e IS NOT NULL),
          'ADWIN over a summary''s error stream equals adwin(e ORDER BY ts, e)');
SELECT is((SELECT mlmon._summary_detector(mlmon._summarize_labels(jsonb_populate_record((SELECT p FROM tap_par_plan),
                                              '{"task": "regression", "error_scale": 1}'), ts, NULL, value, NULL, 0, NULL),
                                          'page_hinkley')::text FROM tap_stream),
          (SELECT mlmon.page_hinkley(abs(value) ORDER BY ts, abs(value))::text FROM tap_stream WHERE value IS NOT NULL),
          'Page-Hinkley over a summary''s error stream equals page_hinkley(|error| ORDER BY ts, |error|)');
SELECT isnt((SELECT (mlmon._summary_detector(mlmon._summarize_labels((SELECT p FROM tap_par_plan), ts, lbl, NULL, 'low', NULL, NULL),
                                             'adwin')).detections FROM tap_stream), 0::bigint,
            'the stream drifts (the comparison is not vacuous)');
-- partitionwise aggregation: 24 partial states combined (more than a sample keeps as runs)
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE tap_parts (k int, value float8, is_current boolean, category text) PARTITION BY LIST (k);
SELECT format('CREATE TEMP TABLE tap_parts_%s PARTITION OF tap_parts FOR VALUES IN (%s)', i, i) FROM generate_series(0, 23) i \gexec
INSERT INTO tap_parts SELECT (hashfloat8(coalesce(value, 0)) & 1023) % 24, value, is_current, category FROM tap_par;
ANALYZE tap_parts;
CREATE TEMP TABLE parts_serial AS
  SELECT pg_temp.result_of($$SELECT mlmon.ks_2samp(value, is_current), mlmon.wasserstein(value, is_current), mlmon.psi(value, is_current), mlmon.chi2_drift(category, is_current) FROM tap_parts$$) AS r;
SET LOCAL enable_partitionwise_aggregate = on;
SELECT ok(pg_temp.plan_of($$SELECT mlmon.ks_2samp(value, is_current) FROM tap_parts$$) ~ 'Partial Aggregate',
          'partitionwise aggregation plans partial aggregates per partition');
SELECT is(pg_temp.result_of($$SELECT mlmon.ks_2samp(value, is_current), mlmon.wasserstein(value, is_current), mlmon.psi(value, is_current), mlmon.chi2_drift(category, is_current) FROM tap_parts$$),
          (SELECT r FROM parts_serial), 'partitionwise aggregation over 24 partitions equals plain aggregation');

SELECT * FROM finish();
ROLLBACK;
DROP TABLE tap_par, tap_par_ref, tap_par_plan;
