-- The monitoring layer: errors for unknown models, the prediction log never
-- loses a row (default partition, bad features), data-quality findings,
-- retention, sources read in place, least privilege, hostile search_path.
-- (Numbers against SciPy/scikit-learn: test/oracle/test_scenario.py.)
SET client_min_messages = warning;
BEGIN;
SELECT plan(66);

-- unknown models and missing references
SELECT throws_ok($$SELECT mlmon.run_checks('nope')$$, '42704', 'model "nope" is not registered',
                 'run_checks: unknown model');
SELECT throws_ok($$SELECT mlmon.set_reference('nope', now() - '1 day'::interval, now())$$, '42704', NULL,
                 'set_reference: unknown model');
SELECT throws_ok($$SELECT mlmon.apply_retention('nope', '30 days')$$, '42704', NULL, 'apply_retention: unknown model');
SELECT throws_ok($$SELECT mlmon.report('nope')$$, '42704', NULL, 'report: unknown model');
SELECT throws_ok($$SELECT mlmon.register_model('m', '1', 'clustering')$$, '22023', 'unknown task "clustering"',
                 'register_model: unknown task');
SELECT is(mlmon.register_model('m', '1', 'classification', '{"run": "r1"}'), 'm', 'register_model returns the name');
SELECT is((SELECT metadata FROM mlmon.models WHERE name = 'm'), '{"run": "r1"}'::jsonb, 'metadata stored');
SELECT lives_ok($$SELECT mlmon.register_model('m', '2', 'classification', '{"registry": "models:/m/2"}')$$,
                'registering again updates the version');
SELECT is((SELECT version || ' ' || metadata::text FROM mlmon.models WHERE name = 'm'),
          '2 {"run": "r1", "registry": "models:/m/2"}', 'version replaced, metadata merged');
SELECT throws_ok($$SELECT mlmon.run_checks('m')$$, '55000', 'model "m" has no reference', 'run_checks before set_reference');
SELECT throws_ok($$SELECT mlmon.set_reference('m', now(), now() - '1 day'::interval)$$, '22023', NULL,
                 'set_reference: empty window');
SELECT throws_ok($$SELECT mlmon.set_reference('m', now() - '1 day'::interval, now())$$, 'P0002', NULL,
                 'set_reference: a window without rows');

-- the log: rows of any day are kept (a day without partition goes to the default one)
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
SELECT 'm', now() - '2 hours'::interval + g * '1 second'::interval, 'r' || g,
       jsonb_build_object('x', (g % 50) / 10.0, 'y', (g * 7 % 31) / 3.0, 'c', 'k' || (g % 3)),
       (g % 2)::text
  FROM generate_series(1, 300) g;
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
VALUES ('m', '2031-01-01 12:00+00', 'future', '{"x": 1}', '1'),
       ('m', '1999-06-01 12:00+00', 'past', '{"x": 1}', '1');
SELECT is((SELECT count(*) FROM mlmon.predictions_default), 2::bigint, 'rows of days without a partition wait in the default partition');
SELECT is(mlmon.maintain_partitions(), 2, 'maintain_partitions creates the two missing days only');
SELECT is((SELECT count(*) FROM mlmon.predictions_default), 0::bigint, '... and moves their rows out of the default partition');
SELECT is((SELECT count(*) FROM mlmon.predictions WHERE model = 'm'), 302::bigint, 'no row lost');
SELECT is((SELECT tableoid::regclass::text FROM mlmon.predictions WHERE request_id = 'future'), 'mlmon.predictions_p20310101',
          'a moved row lives in its day''s partition');

-- labels arrive late, and can be corrected
SELECT mlmon.record_label('m', 'r' || g, ((g + (g % 10 = 0)::int) % 2)::text) FROM generate_series(1, 300) g;
SELECT mlmon.record_label('m', 'r1', '1');
SELECT mlmon.record_label('m', 'r1', '0');
SELECT is((SELECT label FROM mlmon.labels WHERE model = 'm' AND request_id = 'r1'), '0', 'record_label corrects a label');
SELECT mlmon.record_label('m', 'r1', '1');

SELECT is(mlmon.set_reference('m', now() - '3 hours'::interval, now()), 300::bigint, 'set_reference reads the window');
SELECT is((SELECT array_agg(feature || ':' || kind ORDER BY feature) FROM mlmon.reference_profiles
            WHERE model = 'm' AND role = 'feature'),
          ARRAY['c:categorical', 'x:numeric', 'y:numeric'], 'feature kinds: numbers with >5 values are numeric');
SELECT is((SELECT (performance->>'accuracy')::float8 FROM mlmon.reference_windows WHERE model = 'm'), 0.9::float8,
          'baseline accuracy (30 of 300 labels differ)');

-- bad features are data-quality findings, never lost rows
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label) VALUES
    ('m', now() - '10 minutes'::interval, 'q1', '{"x": 1.5, "y": 2, "c": "k1"}', '1'),
    ('m', now() - '10 minutes'::interval, 'q2', '{"x": "oops", "y": 2, "c": "k1"}', '1'),   -- not a number
    ('m', now() - '10 minutes'::interval, 'q3', '{"y": 2, "c": "k1", "extra": 1}', '1'),   -- x missing, extra key
    ('m', now() - '10 minutes'::interval, 'q4', NULL, '0'),                                 -- no features at all
    ('m', now() - '10 minutes'::interval, 'q5', '[1, 2]', '0'),                             -- not an object
    ('m', now() - '10 minutes'::interval, 'q6', '{"x": 1, "y": 2, "c": "new"}', '0'),       -- unseen category
    ('m', now() - '10 minutes'::interval, 'q7', '{"x": 99, "y": 2, "c": "k2"}', '0'),       -- out of range
    ('m', now() - '10 minutes'::interval, 'q8', '{"x": 1, "y": 2, "c": "k0", "x''); DROP TABLE mlmon.models; --": 1}', '0');
SELECT isnt(mlmon.run_checks('m', now() - '20 minutes'::interval, now()), NULL::bigint, 'run_checks on bad features');
CREATE TEMP VIEW last_results AS
SELECT "check", metric, coalesce(feature, '') AS feature, value FROM mlmon.check_results
 WHERE check_id = (SELECT max(check_id) FROM mlmon.checks);
SELECT is((SELECT value FROM last_results WHERE metric = 'rows'), 8::float8, 'every row was read');
SELECT is((SELECT value FROM last_results WHERE metric = 'invalid_rate' AND feature = 'x'), 1 / 8.0::float8, 'x: one non-number');
SELECT is((SELECT value FROM last_results WHERE metric = 'missing_rate' AND feature = 'x'), 3 / 8.0::float8,
          'x: missing in 3 rows (absent key, NULL features, array)');
SELECT is((SELECT value FROM last_results WHERE metric = 'malformed_rate'), 2 / 8.0::float8, 'two rows without a feature object');
SELECT is((SELECT value FROM last_results WHERE metric = 'unexpected_features_rate'), 2 / 8.0::float8, 'two rows with unexpected keys');
SELECT is((SELECT array_agg(feature ORDER BY feature) FROM last_results WHERE metric = 'unexpected_feature_rows'),
          ARRAY['extra', 'x''); DROP TABLE mlmon.models; --'], 'the unexpected keys are named, and nothing executes');
SELECT is((SELECT value FROM last_results WHERE metric = 'unseen_category_rate' AND feature = 'c'), 1 / 6.0::float8,
          'c: one unseen category among 6 values');
SELECT is((SELECT value FROM last_results WHERE metric = 'out_of_range_rate' AND feature = 'x'), 1 / 4.0::float8,
          'x: one of 4 numbers outside the reference range');
SELECT is((SELECT count(*) FROM mlmon.alerts WHERE model = 'm' AND type = 'data_quality' AND status = 'open'), 1::bigint,
          'a data_quality alert opens');
SELECT is((SELECT count(*) FROM mlmon.models), 1::bigint, 'the injected key did not run');

-- a window without rows leaves the open alerts open
SELECT isnt(mlmon.run_checks('m', now() - '10 days'::interval, now() - '9 days'::interval), NULL::bigint,
            'run_checks on an empty window');
SELECT is((SELECT count(*) FROM mlmon.alerts WHERE model = 'm' AND type = 'data_quality' AND status = 'open'), 1::bigint,
          'the data_quality alert is still open');

-- retention
SELECT is(mlmon.apply_retention('m', '30 days'), 1::bigint, 'apply_retention deletes the 1999 row');
SELECT is(to_regclass('mlmon.predictions_p19990601'), NULL, '... and drops its empty partition');

-- a team's own table, read in place: features as columns, labels in the table; hostile names
CREATE TABLE "My Preds" (at timestamptz, "amount;drop" float8, country text, "y""hat" text, truth text);
INSERT INTO "My Preds" SELECT now() - '1 hour'::interval + g * '15 seconds'::interval, g % 17, 'c' || (g % 3),
                              (g % 2)::text, ((g + 1) % 2)::text FROM generate_series(1, 200) g;
SELECT mlmon.register_model('own''s', '1', 'classification');
SELECT lives_ok($$SELECT mlmon.register_source('own''s', '"My Preds"', 'at', feature_columns => ARRAY['amount;drop', 'country'],
                                               prediction_column => 'y"hat', label_column => 'truth')$$,
                'register_source with columns');
SELECT throws_ok($$SELECT mlmon.register_source('own''s', '"My Preds"', 'nope', features_column => 'x')$$, '42703', NULL,
                 'register_source: unknown column');
SELECT is(mlmon.set_reference('own''s', now() - '2 hours'::interval, now() - '30 minutes'::interval), 119::bigint,
          'set_reference on the team''s table');
SELECT isnt(mlmon.run_checks('own''s', now() - '30 minutes'::interval, now()), NULL::bigint, 'run_checks on the team''s table');
SELECT is((SELECT value FROM last_results WHERE metric = 'accuracy'), 0::float8, 'accuracy from the label column');
SELECT is((SELECT count(*) FROM last_results WHERE "check" = 'data_drift' AND metric = 'statistic'), 2::bigint,
          'both feature columns checked');

-- multiple-testing corrections (hand-computed)
SELECT is(mlmon._adjust_pvalues(ARRAY[0.01, 0.04, 0.03, NULL], 'bonferroni'), ARRAY[0.03, 0.12, 0.09, NULL]::float8[],
          'Bonferroni: p times the number of tests');
SELECT is((SELECT array_agg(round(x::numeric, 12)) FROM unnest(mlmon._adjust_pvalues(ARRAY[0.01, 0.04, 0.03], 'benjamini_hochberg')) x),
          ARRAY[0.03, 0.04, 0.04]::numeric[], 'Benjamini-Hochberg: step-up adjusted p-values');
SELECT is(mlmon._adjust_pvalues(ARRAY[0.5, 0.9], 'bonferroni'), ARRAY[1, 1]::float8[], 'adjusted p-values stop at 1');

-- the drift test of a feature can be chosen
INSERT INTO mlmon.drift_settings VALUES ('m', 'x', 'psi', 0.2), ('m', '*', NULL, 0.01);
SELECT isnt(mlmon.run_checks('m', now() - '3 hours'::interval, now()), NULL::bigint, 'run_checks with drift settings');
SELECT is((SELECT method || ' ' || value FROM mlmon.check_results WHERE check_id = (SELECT max(check_id) FROM mlmon.checks)
             AND feature = 'x' AND metric = 'threshold'), 'psi 0.2', 'x: PSI with threshold 0.2');
SELECT is((SELECT method || ' ' || value FROM mlmon.check_results WHERE check_id = (SELECT max(check_id) FROM mlmon.checks)
             AND feature = 'y' AND metric = 'threshold'), 'ks 0.01', 'y: Evidently''s test, the model-wide threshold');
SELECT is((SELECT method FROM mlmon.check_results WHERE check_id = (SELECT max(check_id) FROM mlmon.checks)
             AND feature IS NULL AND "check" = 'output_drift' AND metric = 'p_value'), 'z_test',
          'the predictions keep the default test');
UPDATE mlmon.drift_settings SET test = 'ks' WHERE feature = '*';
SELECT mlmon.run_checks('m', now() - '3 hours'::interval, now()) AS wildcard_check \gset
SELECT is((SELECT array_agg(feature || ':' || method ORDER BY feature) FROM mlmon.check_results
            WHERE check_id = :wildcard_check AND metric = 'threshold' AND "check" = 'data_drift'),
          ARRAY['c:chi2', 'x:psi', 'y:ks'], 'a ''*'' test that does not fit a categorical feature leaves it to the default');
INSERT INTO mlmon.drift_settings VALUES ('m', 'c', 'ks', NULL);
SELECT throws_ok($$SELECT mlmon.run_checks('m', now() - '3 hours'::interval, now())$$, '22023',
                 'drift test "ks" does not apply to categorical feature "c"', 'a numeric test on a categorical feature');
DELETE FROM mlmon.drift_settings;

-- a regression model
SELECT mlmon.register_model('r', '1', 'regression');
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_value)
SELECT 'r', now() - '1 hour'::interval + g * '1 second'::interval, 'r' || g, jsonb_build_object('x', g % 7 + g / 100.0), g
  FROM generate_series(1, 100) g;
SELECT mlmon.record_label('r', 'r' || g, g + (g % 2) * 2 - 1.0) FROM generate_series(1, 100) g;   -- errors of +-1
SELECT is(mlmon.set_reference('r', now() - '2 hours'::interval, now() - '1 hour'::interval + '60 seconds'::interval),
          59::bigint, 'set_reference of a regression model');
SELECT isnt(mlmon.run_checks('r', now() - '1 hour'::interval + '60 seconds'::interval, now()), NULL::bigint,
            'run_checks of a regression model');
SELECT is((SELECT array_agg(metric || '=' || value ORDER BY metric) FROM last_results
            WHERE "check" = 'performance' AND metric IN ('mae', 'rmse')),
          ARRAY['mae=1', 'rmse=1'], 'regression errors of +-1');
SELECT is((SELECT array_agg(value ORDER BY metric) FROM last_results WHERE metric LIKE 'prediction_p%'),
          ARRAY[70, 80, 90]::float8[], 'quartiles of the predicted values 60..100');
SELECT is((SELECT sum(value) FROM mlmon.check_results WHERE model = 'm' AND metric = 'prediction_share'
             AND check_id = (SELECT max(check_id) FROM mlmon.checks WHERE model = 'm')), 1::float8,
          'the classes'' prediction shares add up to 1');

-- a reference from a query (the training set, say)
CREATE TEMP TABLE training AS
SELECT jsonb_build_object('x', (g % 50) / 10.0, 'y', (g * 7 % 31) / 3.0, 'c', 'k' || (g % 3)) AS features,
       (g % 2)::text AS predicted_label, ((g + (g % 10 = 0)::int) % 2)::text AS label
  FROM generate_series(1, 400) g;
SELECT is(mlmon.set_reference('m', 'SELECT * FROM training'), 400::bigint, 'set_reference from a query');
SELECT is((SELECT (window_start, window_end, n_labeled, (performance->>'accuracy')::float8)::text
             FROM mlmon.reference_windows WHERE model = 'm'), '(,,400,0.9)', 'no window; labels and accuracy from the query');
SELECT is((SELECT count(*) FROM mlmon.reference_profiles WHERE model = 'm'), 4::bigint, '3 features and the predictions');
SELECT throws_ok($$SELECT mlmon.set_reference('m', 'SELECT 1 AS x')$$, '42703',
                 'the reference query must return a jsonb column named "features"', 'a query without features');
SELECT isnt(mlmon.run_checks('m', now() - '3 hours'::interval, now()), NULL::bigint, 'run_checks against it');

-- a hostile search_path changes nothing: functions pin theirs
CREATE SCHEMA evil;
CREATE FUNCTION evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
CREATE FUNCTION evil.count(anyelement) RETURNS bigint LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
CREATE FUNCTION evil.texteq_evil(text, text) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq_evil);
SET LOCAL search_path = evil, pg_catalog, public;
CREATE TEMP TABLE hostile AS
SELECT mlmon.run_checks('m', now() - '20 minutes'::interval, now()) AS check_id, mlmon.report('m') AS report;
RESET search_path;
SELECT isnt((SELECT check_id FROM hostile), NULL::bigint, 'run_checks under a hostile search_path');
SELECT is((SELECT report->'model'->>'name' FROM hostile), 'm', 'report under a hostile search_path');

-- Citus: without it, distribute_log refuses with a hint; the log's summaries' triggers stay
SELECT is(mlmon._log_tracked(), true, 'the summaries'' triggers watch the log and the labels');
SELECT throws_ok($$SELECT mlmon.distribute_log()$$, '0A000',
                 'mlmon.distribute_log needs the citus extension in this database', 'distribute_log without Citus');
SELECT is(mlmon._log_tracked(), true, 'the triggers are still there');

SELECT * FROM finish();
ROLLBACK;
