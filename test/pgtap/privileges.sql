-- Least privilege: a writer role logs predictions and labels only; a reader
-- role (Grafana's) reads the report views only; neither changes rules or
-- alerts, runs checks, or reads the raw log; grant_feature_reader adds the
-- log and the anomalous rows, and nothing that writes.
SET client_min_messages = warning;
BEGIN;
SELECT plan(30);

SELECT mlmon.register_model('p', '1', 'classification');
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
SELECT 'p', now() - '1 hour'::interval + g * '1 second'::interval, 'r' || g, jsonb_build_object('x', g % 13), (g % 2)::text
  FROM generate_series(1, 100) g;
SELECT mlmon.set_reference('p', now() - '2 hours'::interval, now());
SELECT mlmon.run_checks('p', now() - '2 hours'::interval, now());

CREATE ROLE mlmon_tap_writer;
CREATE ROLE mlmon_tap_reader;
SELECT mlmon.grant_writer('mlmon_tap_writer');
SELECT mlmon.grant_reader('mlmon_tap_reader');

SET LOCAL ROLE mlmon_tap_writer;
SELECT lives_ok($$INSERT INTO mlmon.predictions (model, request_id, features, predicted_label) VALUES ('p', 'w1', '{"x": 1}', '1')$$,
                'writer: logs a prediction');
SELECT lives_ok($$SELECT mlmon.record_label('p', 'w1', '1')$$, 'writer: records a label');
SELECT lives_ok($$SELECT mlmon.record_label('p', 'w1', '0')$$, 'writer: corrects a label');
SELECT throws_ok($$SELECT count(*) FROM mlmon.predictions$$, '42501', NULL, 'writer: cannot read the log');
SELECT throws_ok($$SELECT count(*) FROM mlmon.monitoring_report$$, '42501', NULL, 'writer: cannot read the report');
SELECT throws_ok($$SELECT mlmon.run_checks('p')$$, '42501', NULL, 'writer: cannot run checks');
SELECT throws_ok($$SELECT mlmon.prometheus_metrics()$$, '42501', NULL, 'writer: cannot read the metrics');
SELECT throws_ok($$UPDATE mlmon.alert_rules SET threshold = 1$$, '42501', NULL, 'writer: cannot change rules');
SELECT throws_ok($$DELETE FROM mlmon.alerts$$, '42501', NULL, 'writer: cannot change alerts');
SELECT throws_ok($$DELETE FROM mlmon.predictions$$, '42501', NULL, 'writer: cannot delete predictions');
RESET ROLE;

SET LOCAL ROLE mlmon_tap_reader;
SELECT is((SELECT count(*) FROM mlmon.monitoring_report WHERE model = 'p'), 1::bigint, 'reader: reads monitoring_report');
SELECT is((SELECT count(*) FROM mlmon.performance_history WHERE model = 'p'), 1::bigint, 'reader: reads performance_history');
SELECT lives_ok($$SELECT * FROM mlmon.feature_drift, mlmon.recommendations, mlmon.alerts_view, mlmon.results_view$$,
                'reader: reads the other views');
SELECT is(mlmon.report('p')->'model'->>'name', 'p', 'reader: calls report()');
SELECT ok(mlmon.prometheus_metrics() LIKE '%mlmon_predictions_total{model="p"} 101%', 'reader: reads the Prometheus metrics');
SELECT throws_ok($$SELECT mlmon.schedule_checks('p', '* * * * *')$$, '42501', NULL, 'reader: cannot schedule checks');
SELECT throws_ok($$SELECT count(*) FROM mlmon.predictions$$, '42501', NULL, 'reader: cannot read the raw log');
SELECT throws_ok($$INSERT INTO mlmon.predictions (model) VALUES ('p')$$, '42501', NULL, 'reader: cannot log');
SELECT throws_ok($$UPDATE mlmon.alerts SET status = 'resolved'$$, '42501', NULL, 'reader: cannot change alerts');
SELECT throws_ok($$INSERT INTO mlmon.alert_rules (alert_type, severity, threshold) VALUES ('data_drift', 'low', 1)$$,
                 '42501', NULL, 'reader: cannot change rules');
SELECT throws_ok($$SELECT mlmon.set_reference('p', now() - '1 day'::interval, now())$$, '42501', NULL,
                 'reader: cannot set the reference');
SELECT throws_ok($$SELECT count(*) FROM mlmon.anomalies$$, '42501', NULL, 'reader: cannot read the anomalous rows'' features');
SELECT throws_ok($$SELECT count(*) FROM mlmon.latest_results$$, '42501', NULL, 'reader: latest_results is the owner''s');
SELECT ok(mlmon.report('p')->'latest_check' ? 'data_drift', 'reader: the latest results through report()');
SELECT ok((SELECT latest_check ? 'volume' FROM mlmon.monitoring_report WHERE model = 'p'),
          'reader: the latest results through monitoring_report');
RESET ROLE;
SELECT mlmon.grant_feature_reader('mlmon_tap_reader');
SET LOCAL ROLE mlmon_tap_reader;
SELECT lives_ok($$SELECT count(*) FROM mlmon.anomalies$$, 'feature reader: reads the anomalous rows');
SELECT is((SELECT count(*) FROM mlmon.predictions WHERE model = 'p'), 101::bigint, 'feature reader: reads the log');
SELECT throws_ok($$DELETE FROM mlmon.predictions$$, '42501', NULL, 'feature reader: cannot delete predictions');
RESET ROLE;

-- the statistics stay usable by every role
SET LOCAL ROLE mlmon_tap_reader;
SELECT is((SELECT (mlmon.ks_2samp(g::float8, g > 5)).n_current FROM generate_series(1, 10) g), 5::bigint,
          'any role: the statistics');
RESET ROLE;
SELECT is((SELECT count(*) FROM mlmon.predictions WHERE request_id = 'w1'), 1::bigint, 'the writer''s row is there');
SELECT * FROM finish();
ROLLBACK;
