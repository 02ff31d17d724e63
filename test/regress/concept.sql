-- Calibration, anomaly scores and their errors, on data small enough to
-- check by hand.  (Against scikit-learn and on the seed scenario:
-- test/oracle/test_scenario.py and test_calibration.py.)
SET extra_float_digits = 0;

-- Pool-adjacent-violators by hand: outcomes 0 1 0 1 1 at scores .1 .. .5:
-- (.2, 1) and (.3, 0) pool to 0.5, (.4, 1) and (.5, 1) to 1.
CREATE TEMP TABLE cal AS
SELECT mlmon.isotonic_calibration(s, o) AS c
  FROM (VALUES (0.1::float8, false), (0.2, true), (0.3, false), (0.4, true), (0.5, true),
               (NULL, true), (0.6, NULL), ('NaN', true)) t(s, o);
SELECT (c).scores, (c).probabilities FROM cal;
SELECT x, mlmon.calibrate(c, x) FROM cal, unnest(ARRAY[-1, 0.1, 0.25, 0.35, 0.45, 2]::float8[]) x;
SELECT mlmon.calibrate(c, 'NaN') IS NULL AS nan_is_null FROM cal;
-- one class only, and no rows at all
SELECT mlmon.isotonic_calibration(s, false) FROM (VALUES (0.2::float8), (0.7)) t(s);
SELECT mlmon.isotonic_calibration(s, o) FROM (VALUES (0.2::float8, true)) t(s, o) WHERE false;
-- malformed calibrations
SELECT mlmon.calibrate(ROW('{0.5, 0.1}', '{0, 1}')::mlmon.calibration, 0.3);
SELECT mlmon.calibrate(ROW('{0.1, 0.5}', '{0}')::mlmon.calibration, 0.3);
SELECT mlmon.calibrate(ROW(NULL, '{0}')::mlmon.calibration, 0.3);
SELECT mlmon.calibrate(ROW('{}', '{}')::mlmon.calibration, 0.3);

-- Anomaly scores: x takes 1 .. 100 once each, c is 'a' 90 times and 'b' 10 times.
SELECT mlmon.register_model('anom', '1', 'classification');
INSERT INTO mlmon.predictions (model, ts, features, predicted_label)
SELECT 'anom', '2026-01-01 00:00:00+00'::timestamptz + make_interval(secs => i),
       jsonb_build_object('x', i, 'c', CASE WHEN i % 10 = 0 THEN 'b' ELSE 'a' END), 'yes'
  FROM generate_series(1, 100) i;
SELECT mlmon.set_reference('anom', '2026-01-01 00:00+00', '2026-01-02 00:00+00');
SELECT f, (mlmon.anomaly_score('anom', f::jsonb)).*
  FROM (VALUES ('{"x": 50, "c": "a"}'), ('{"x": 1, "c": "b"}'), ('{"x": 100}'), ('{"x": 101, "c": "a"}'),
               ('{"c": "z"}'), ('{"x": "abc"}'), ('{}'), ('[1, 2]'), ('{"x": null, "c": 7}')) t(f);
-- a model without a reference checks nothing
SELECT (mlmon.anomaly_score('no such model', '{"x": 1}')).features_checked;
-- the rows of a window below alpha, most unusual first
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label) VALUES
    ('anom', '2026-01-03 00:00:01+00', 'r1', '{"x": 5000, "c": "a"}', 'yes'),
    ('anom', '2026-01-03 00:00:02+00', 'r2', '{"x": 60, "c": "a"}', 'yes'),
    ('anom', '2026-01-03 00:00:03+00', 'r3', '{"x": 60, "c": "new"}', 'yes');
SELECT request_id, p_value, feature, reason FROM mlmon.anomalous_rows('anom', '2026-01-03 00:00+00', '2026-01-04 00:00+00');
SELECT count(*) FROM mlmon.anomalous_rows('anom', '2026-01-03 00:00+00', '2026-01-04 00:00+00', 1);
SELECT * FROM mlmon.anomalous_rows('anom', '2026-01-03 00:00+00', '2026-01-04 00:00+00', 0);
-- the check reports the anomaly rate (2 of 3 rows) and raises the alert
SELECT mlmon.run_checks('anom', '2026-01-03 00:00+00', '2026-01-04 00:00+00') > 0 AS checked;
SELECT value FROM mlmon.check_results WHERE model = 'anom' AND "check" = 'anomalies';
SELECT type, severity, details->>'anomaly_rate' AS rate FROM mlmon.alerts WHERE model = 'anom' AND type = 'anomalies';
SELECT model, request_id, reason FROM mlmon.anomalies ORDER BY request_id;
SELECT action, reason FROM mlmon.recommendations WHERE model = 'anom' AND reason LIKE '%reference (see%';
