-- scripts/demo.sql: the drift statistics on a reference sample and a
-- shifted one.  Run by scripts/demo on a throwaway cluster.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION mlmon;

-- A model's logged inputs: 5,000 reference rows (last month) and 5,000
-- current rows (today).  In the current window 'income' has shifted,
-- 'age' has widened, 'tenure' is unchanged and 'channel' moved towards 'web'.
SELECT setseed(0.7) \g /dev/null
CREATE TABLE predictions_log AS
WITH rows AS (
  SELECT g, g > 5000 AS is_current,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z3,
         random() AS u
    FROM generate_series(1, 10000) g)
SELECT g AS request_id, is_current,
       50000 + 12000 * z1 + CASE WHEN is_current THEN 6000 ELSE 0 END AS income,
       40 + (CASE WHEN is_current THEN 14 ELSE 10 END) * z2 AS age,
       24 + 6 * z3 AS tenure,
       CASE WHEN u < (CASE WHEN is_current THEN 0.55 ELSE 0.35 END) THEN 'web'
            WHEN u < 0.85 THEN 'store' ELSE 'phone' END AS channel
  FROM rows;

\echo
\echo 'Numeric features: reference (is_current = false) against current'
SELECT feature,
       round((ks).statistic::numeric, 4) AS ks_d,
       to_char((ks).pvalue, '9.99EEEE') AS ks_p,
       round(psi::numeric, 4) AS psi,
       round(wd::numeric, 4) AS wasserstein_normed,
       round(js::numeric, 4) AS jensen_shannon,
       CASE WHEN (ks).pvalue < 0.05 THEN 'DRIFT' ELSE 'ok' END AS ks_verdict,
       CASE WHEN psi >= 0.25 THEN 'major shift' WHEN psi >= 0.1 THEN 'moderate shift' ELSE 'stable' END AS psi_verdict
  FROM (
    SELECT 'income' AS feature, mlmon.ks_2samp(income, is_current) AS ks, mlmon.psi(income, is_current) AS psi,
           mlmon.wasserstein_normed(income, is_current) AS wd, mlmon.jensen_shannon(income, is_current) AS js
      FROM predictions_log
    UNION ALL
    SELECT 'age', mlmon.ks_2samp(age, is_current), mlmon.psi(age, is_current),
           mlmon.wasserstein_normed(age, is_current), mlmon.jensen_shannon(age, is_current)
      FROM predictions_log
    UNION ALL
    SELECT 'tenure', mlmon.ks_2samp(tenure, is_current), mlmon.psi(tenure, is_current),
           mlmon.wasserstein_normed(tenure, is_current), mlmon.jensen_shannon(tenure, is_current)
      FROM predictions_log) s
 ORDER BY feature;

\echo 'Categorical feature: channel'
SELECT round((chi2).statistic::numeric, 2) AS chi2, (chi2).dof, to_char((chi2).pvalue, '9.99EEEE') AS chi2_p,
       round(psi::numeric, 4) AS psi, round(js::numeric, 4) AS jensen_shannon,
       CASE WHEN (chi2).pvalue < 0.05 THEN 'DRIFT' ELSE 'ok' END AS verdict
  FROM (SELECT mlmon.chi2_drift(channel, is_current) AS chi2, mlmon.psi(channel, is_current) AS psi,
               mlmon.jensen_shannon(channel, is_current) AS js
          FROM predictions_log) s;

\echo 'Evidently''s other drift tests on income (ln_p stays finite where p underflows to 0)'
SELECT t.test, round((t.r).statistic::numeric, 4) AS statistic, to_char((t.r).pvalue, '9.99EEEE') AS p,
       round((t.r).log_pvalue::numeric, 1) AS ln_p, (t.r).method
  FROM (SELECT mlmon.t_test(income, is_current) AS t, mlmon.mann_whitney(income, is_current) AS mw,
               mlmon.cramer_von_mises(income, is_current) AS cvm, mlmon.anderson_darling(income, is_current) AS ad,
               mlmon.epps_singleton(income, is_current) AS es
          FROM predictions_log) s,
       LATERAL (VALUES ('t_test', s.t), ('mann_whitney', s.mw), ('cramer_von_mises', s.cvm),
                       ('anderson_darling', s.ad), ('epps_singleton', s.es)) t(test, r);
\echo 'and MMD (on one row in ten: its cost grows with the square of the rows), the distances, and channel'
SELECT round((mlmon.mmd(income, is_current) FILTER (WHERE request_id % 10 = 0)).pvalue::numeric, 2) AS mmd_p,
       round(mlmon.energy_distance(income, is_current)::numeric, 1) AS energy_distance,
       round(mlmon.hellinger(income, is_current)::numeric, 4) AS hellinger,
       round(mlmon.kl_div(income, is_current)::numeric, 4) AS kl_div,
       round((mlmon.g_test(channel, is_current)).statistic::numeric, 1) AS channel_g,
       round((mlmon.tvd(channel, is_current)).statistic::numeric, 4) AS channel_tvd
  FROM predictions_log;

\echo 'The same statistics as a window function: KS p-value of income over the last 1,000 rows'
SELECT request_id, (ks).n_reference, (ks).n_current, to_char((ks).pvalue, '9.99EEEE') AS ks_p_last_1000_rows
  FROM (SELECT request_id,
               mlmon.ks_2samp(income, is_current) OVER (ORDER BY request_id ROWS BETWEEN 999 PRECEDING AND CURRENT ROW) AS ks
          FROM (SELECT * FROM predictions_log WHERE NOT is_current AND request_id > 4000
                UNION ALL SELECT * FROM predictions_log WHERE is_current) w) s
 WHERE request_id % 200 = 0 AND request_id BETWEEN 5000 AND 5800
 ORDER BY request_id;

\echo
\echo '== Monitoring a model: the seed scenario'
\echo 'A classifier with 20 features: a 1,000-row baseline three days ago, then six hourly'
\echo 'production batches of 500 rows: three normal, then three whose features are all scaled'
\echo 'by 2 and whose labels no longer follow the model.'
SELECT mlmon.register_model('churn', '1.0', 'classification', '{"mlflow_run_id": "demo"}') \g /dev/null
UPDATE mlmon.models SET drift_correction = 'benjamini_hochberg' WHERE name = 'churn';
-- two features get other tests of the registry (mlmon.drift_tests) than Evidently's rule's KS
INSERT INTO mlmon.drift_settings (model, feature, test) VALUES ('churn', 'f01', 'anderson_darling'), ('churn', 'f02', 't_test');
-- and the first five features together: NannyML's data reconstruction (PCA), fitted with the
-- reference (1,000 rows are too few for all 20: see the README, Multivariate drift)
SELECT mlmon.monitor_multivariate('churn', features => ARRAY['f01', 'f02', 'f03', 'f04', 'f05']) \g /dev/null
-- and rules the data must follow (Great Expectations' rules, mlmon.expect): f07 present in 99% of
-- the rows, f01 within [-4, 4] in 99.5% of them, f13 always a number within [-10, 10], its mean
-- within [-0.25, 0.25], and 400 to 600 rows an hour
SELECT mlmon.expect('churn', 'f07', 'not_null', mostly => 0.99, severity => 'high') \g /dev/null
SELECT mlmon.expect('churn', 'f01', 'between', min_value => -4, max_value => 4, mostly => 0.995) \g /dev/null
SELECT mlmon.expect('churn', 'f13', 'between', min_value => -10, max_value => 10, severity => 'low') \g /dev/null
SELECT mlmon.expect('churn', 'f13', 'mean_between', min_value => -0.25, max_value => 0.25) \g /dev/null
SELECT mlmon.expect('churn', NULL, 'row_count_between', min_value => 400, max_value => 600) \g /dev/null
-- checked per segment too: the sign of f20 (an expression over the features; the cast is guarded)
SELECT mlmon.segment_by('churn', expression => $$CASE WHEN jsonb_typeof(features->'f20') <> 'number' THEN NULL
                                                      WHEN (features->>'f20')::float8 < 0 THEN 'f20 < 0'
                                                      ELSE 'f20 >= 0' END$$) \g /dev/null
SELECT setseed(0.42) \g /dev/null
CREATE TEMP TABLE batches AS
SELECT b.name, b.hours_ago, g, b.scale, b.concept,
       (SELECT array_agg(sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) * b.scale ORDER BY j)
          FROM generate_series(1, 20) j WHERE g > 0) AS x
  FROM (VALUES ('baseline', 72, 1.0, true),
               ('batch1', 6, 1.0, true), ('batch2', 5, 1.0, true), ('batch3', 4, 1.0, true),
               ('batch4', 3, 2.0, false), ('batch5', 2, 2.0, false), ('batch6', 1, 2.0, false))
       b(name, hours_ago, scale, concept),
       generate_series(1, CASE WHEN b.name = 'baseline' THEN 1000 ELSE 500 END) g;
-- the model: the sign of a weighted sum, wrong 5% of the time
CREATE TEMP TABLE scored AS
SELECT name, hours_ago, g, x, concept, (s > 0)::int AS truth,
       CASE WHEN random() < 0.05 THEN (s <= 0)::int ELSE (s > 0)::int END AS predicted,
       1 / (1 + exp(-s)) AS score
  FROM (SELECT *, (SELECT sum(x[j] * (1 + (j % 5)) * CASE WHEN j % 2 = 0 THEN 1 ELSE -1 END)
                     FROM generate_series(1, 20) j) AS s FROM batches) q;
SELECT date_trunc('hour', now()) AS base \gset
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label, score, latency_ms, embedding)
SELECT 'churn', :'base'::timestamptz - make_interval(hours => hours_ago) + make_interval(secs => g * 3),
       name || '-' || g,
       -- and data-quality trouble in the last two hours: f07 missing in 4% of batch6's rows, f13 not a number in 2% of batch5's
       (SELECT jsonb_object_agg('f' || lpad(j::text, 2, '0'), round(x[j]::numeric, 6)) FROM generate_series(1, 20) j)
         - CASE WHEN name = 'batch6' AND g % 25 = 0 THEN 'f07' ELSE '' END
         || CASE WHEN name = 'batch5' AND g % 50 = 0 THEN '{"f13": "n/a"}'::jsonb ELSE '{}' END,
       predicted::text, score, 5 + 20 * random() + CASE WHEN concept THEN 0 ELSE 30 * random() END,
       -- an 8-dimensional embedding of the input (real[]; pgvector's vector would be cast with ::real[])
       (SELECT array_agg((abs(x[j]) / 2)::real ORDER BY j) FROM generate_series(1, 8) j)
  FROM scored;
SELECT mlmon.maintain_partitions() \g /dev/null
-- labels arrive later; in the drifted batches the relationship changed (labels are coin flips)
SELECT count(mlmon.record_label('churn', name || '-' || g,
                                (CASE WHEN concept THEN truth ELSE (random() < 0.5)::int END)::text)) AS labels
  FROM scored \g /dev/null
SELECT mlmon.set_reference('churn', :'base'::timestamptz - interval '73 hours', :'base'::timestamptz - interval '71 hours')
    AS reference_rows;
-- one check per hour, as the scheduled job would have run them
SELECT count(mlmon.run_checks('churn', :'base'::timestamptz - make_interval(hours => h),
                              :'base'::timestamptz - make_interval(hours => h - 1))) AS checks
  FROM generate_series(6, 1, -1) h;

\echo 'Scheduled from now on with pg_cron (every hour):'
SELECT mlmon.schedule_checks('churn', '0 * * * *') AS job \gset
SELECT jobname, schedule, command FROM cron.job WHERE jobid = :job;

\echo 'Performance per check (mlmon.performance_history)'
SELECT check_id, to_char(time, 'HH24:MI') AS window_end, round(accuracy::numeric, 3) AS accuracy,
       round(f1::numeric, 3) AS f1, round(roc_auc::numeric, 3) AS roc_auc, round(degradation::numeric, 3) AS accuracy_drop
  FROM mlmon.performance_history WHERE model = 'churn' ORDER BY check_id;
\echo 'Drifted features per check (BH-adjusted p-values <= 0.05: KS, Anderson-Darling for f01, t-test for f02)'
SELECT check_id, count(*) FILTER (WHERE metric = 'drift_detected' AND value = 1 AND feature IS NOT NULL) AS drifted_features,
       max(value) FILTER (WHERE "check" = 'output_drift' AND metric = 'drift_detected') AS output_drift
  FROM mlmon.check_results WHERE model = 'churn' GROUP BY check_id ORDER BY check_id;
\echo 'Concept drift, anomalous rows and accuracy estimated before labels arrive (CBPE), per check'
SELECT check_id,
       round(max(value) FILTER (WHERE "check" = 'concept_drift' AND metric = 'error_rate')::numeric, 3) AS error_rate,
       round(max(value) FILTER (WHERE "check" = 'concept_drift' AND metric = 'error_rate_z')::numeric, 1) AS error_z,
       max(value) FILTER (WHERE "check" = 'concept_drift' AND metric = 'drift_detected') AS concept_drift,
       round(max(value) FILTER (WHERE "check" = 'anomalies')::numeric, 3) AS anomaly_rate,
       round(max(value) FILTER (WHERE metric = 'estimated_accuracy')::numeric, 3) AS estimated_accuracy,
       round(max(value) FILTER (WHERE metric = 'realized_accuracy')::numeric, 3) AS realized_accuracy
  FROM mlmon.check_results WHERE model = 'churn' GROUP BY check_id ORDER BY check_id;
\echo 'Multivariate drift per check: the mean PCA reconstruction error against the band of the reference''s chunks'
SELECT check_id, round(max(value) FILTER (WHERE metric = 'reconstruction_error')::numeric, 3) AS reconstruction_error,
       round(max(value) FILTER (WHERE metric = 'lower_threshold')::numeric, 3) AS lower_threshold,
       round(max(value) FILTER (WHERE metric = 'upper_threshold')::numeric, 3) AS upper_threshold,
       max(value) FILTER (WHERE metric = 'drift_detected') AS multivariate_drift
  FROM mlmon.check_results WHERE model = 'churn' AND "check" = 'multivariate_drift' GROUP BY check_id ORDER BY check_id;
\echo 'Embedding drift per check: distance between the mean embeddings (Evidently''s distance method, threshold 0.2)'
SELECT check_id, round(max(value) FILTER (WHERE metric = 'drift_score')::numeric, 3) AS embedding_drift_score,
       max(value) FILTER (WHERE metric = 'drift_threshold') AS threshold,
       max(value) FILTER (WHERE metric = 'drift_detected') AS embedding_drift
  FROM mlmon.check_results WHERE model = 'churn' AND "check" = 'embedding_drift' GROUP BY check_id ORDER BY check_id;
\echo 'The same hours by Evidently''s other embedding methods, as aggregates over the log (mmd: MMD^2_u, drift above 0.015; model: a domain classifier''s ROC AUC, drift above 0.55; monitor_embeddings(model, method => ...) makes either the check''s method)'
SELECT h AS hours_ago, round((e.mmd).statistic::numeric, 4) AS mmd, (e.mmd).drifted AS mmd_drift,
       round((e.clf).statistic::numeric, 3) AS model_auc, (e.clf).drifted AS model_drift
  FROM generate_series(6, 1, -1) h,
       LATERAL (SELECT mlmon.embedding_mmd(p.embedding, p.ts >= :'base'::timestamptz - make_interval(hours => h)) AS mmd,
                       mlmon.embedding_model(p.embedding, p.ts >= :'base'::timestamptz - make_interval(hours => h)) AS clf
                  FROM mlmon.predictions p
                 WHERE p.model = 'churn'
                   AND (p.ts >= :'base'::timestamptz - interval '73 hours' AND p.ts < :'base'::timestamptz - interval '71 hours'
                        OR p.ts >= :'base'::timestamptz - make_interval(hours => h)
                           AND p.ts < :'base'::timestamptz - make_interval(hours => h - 1))) e
 ORDER BY h DESC;
\echo 'Data quality per check (the data_quality alert rule fires above 10%)'
SELECT check_id, round(max(value) FILTER (WHERE metric = 'quality_issue_rate')::numeric, 3) AS largest_issue_rate,
       string_agg(format('%s %s %s', feature, replace(metric, '_rate', ''), round(value::numeric, 3)), ', ' ORDER BY feature)
           FILTER (WHERE feature IS NOT NULL AND metric IN ('missing_rate', 'invalid_rate') AND value > 0) AS issues
  FROM mlmon.check_results WHERE model = 'churn' AND "check" = 'data_quality' GROUP BY check_id ORDER BY check_id;
\echo 'Expectations per check (mlmon.expect; each failed one raises an alert of type expectation with its own severity)'
SELECT check_id, count(*) FILTER (WHERE success) AS passed,
       coalesce(string_agg(format('%s (%s)', name, round(observed_value::numeric, 4)), ', ' ORDER BY name)
                    FILTER (WHERE NOT success), '') AS failed_expectations
  FROM mlmon.expectation_results WHERE model = 'churn' GROUP BY check_id ORDER BY check_id;
\echo 'Segments (mlmon.segment_by: the sign of f20): each one checked against its own reference, per check'
SELECT check_id, segment, rows, round(accuracy::numeric, 3) AS accuracy, round(degradation::numeric, 3) AS accuracy_drop,
       drifted_features, output_drift
  FROM mlmon.segment_results WHERE model = 'churn' ORDER BY check_id, segment;
\echo 'The error stream through the detectors (labelled rows of the last six hours, in time order)'
SELECT (d).detections AS adwin_drifts, to_char(first_ts, 'HH24:MI:SS') AS first_adwin_drift_at,
       (dd).detections AS ddm_drifts, (dd).first_warning AS ddm_first_warning_row
  FROM (SELECT mlmon.adwin(e ORDER BY ts) AS d, mlmon.ddm(e > 0 ORDER BY ts) AS dd FROM (
          SELECT p.ts, (l.label IS DISTINCT FROM p.predicted_label)::int::float8 AS e
            FROM mlmon.predictions p JOIN mlmon.labels l USING (model, request_id)
           WHERE p.model = 'churn' AND p.ts >= :'base'::timestamptz - interval '6 hours') q) s,
       LATERAL (SELECT min(ts) AS first_ts FROM (
          SELECT p.ts, mlmon.adwin((l.label IS DISTINCT FROM p.predicted_label)::int::float8)
                       OVER (ORDER BY p.ts ROWS UNBOUNDED PRECEDING) AS w
            FROM mlmon.predictions p JOIN mlmon.labels l USING (model, request_id)
           WHERE p.model = 'churn' AND p.ts >= :'base'::timestamptz - interval '6 hours') x WHERE (w).drift) f;
\echo 'The most unusual rows of the last window (mlmon.anomalies)'
SELECT request_id, round(p_value::numeric, 6) AS p_value, feature, reason, features->>feature AS value
  FROM mlmon.anomalies WHERE model = 'churn' ORDER BY p_value, request_id LIMIT 5;
\echo 'Alerts (mlmon.alerts)'
SELECT alert_id, severity, type, segment, status, occurrences, coalesce(feature, array_length(features, 1) || ' features') AS about
  FROM mlmon.alerts ORDER BY alert_id;
\echo 'Recommendations (mlmon.recommendations)'
SELECT action, segment, reason FROM mlmon.recommendations WHERE model = 'churn' ORDER BY priority, segment NULLS FIRST, reason;
\echo 'The monitoring report (mlmon.report, alerts and recommendations left out here)'
SELECT jsonb_pretty(mlmon.report('churn') - 'alerts' - 'recommendations') AS report;
\echo 'Prometheus metrics (mlmon.prometheus_metrics(), a few lines)'
SELECT line FROM regexp_split_to_table(mlmon.prometheus_metrics(), E'\n') line
 WHERE line ~ '^mlmon_(accuracy|f1|open_alerts|predictions_total|output_drift_detected|multivariate_drift_detected|embedding_drift_detected|expectations_failed|segment_accuracy)\{' ORDER BY line;
