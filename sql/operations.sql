--------------------------------------------------------------------------
-- Operations (part of the install script, after sql/monitoring.sql):
-- scheduling with pg_cron and metrics for Prometheus.
--------------------------------------------------------------------------

-- pg_cron is optional: these functions look it up when called.
CREATE FUNCTION @extschema@._require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regprocedure('cron.schedule(text, text, text)') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = 'undefined_function',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, '
                         'restart the server, then run CREATE EXTENSION pg_cron.';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._require_pg_cron() IS 'An error with a hint unless pg_cron is installed (internal)';

-- The pg_cron job name of a model's job of one kind.
CREATE FUNCTION @extschema@._job_name(model text, kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN 'mlmon_' || kind || ':' || model;
COMMENT ON FUNCTION @extschema@._job_name(text, text) IS 'The pg_cron job name of a model''s job (internal)';

CREATE FUNCTION @extschema@._schedule(model text, kind text, schedule text, command text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM @extschema@._model_task(model);
    PERFORM @extschema@._require_pg_cron();
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'A cron expression, e.g. ''*/15 * * * *'' for every 15 minutes.';
    END IF;
    -- (a job of the same name is replaced: pg_cron updates it)
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING @extschema@._job_name(model, kind), schedule, command;
    RETURN job;
END
$$;
COMMENT ON FUNCTION @extschema@._schedule(text, text, text, text) IS 'Create or replace a model''s pg_cron job (internal)';

CREATE FUNCTION @extschema@._unschedule(model text, kind text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found boolean;
BEGIN
    PERFORM @extschema@._require_pg_cron();
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found
        USING @extschema@._job_name(model, kind);
    IF found THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING @extschema@._job_name(model, kind);
    END IF;
    RETURN found;
END
$$;
COMMENT ON FUNCTION @extschema@._unschedule(text, text) IS 'Remove a model''s pg_cron job if there is one (internal)';

CREATE FUNCTION @extschema@.schedule_checks(model text, schedule text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._schedule(model, 'checks', schedule,
                             format('SELECT @extschema@.run_checks(%L)', model));
COMMENT ON FUNCTION @extschema@.schedule_checks(text, text) IS
    'Run mlmon.run_checks(model) on a cron schedule with pg_cron (replacing an earlier schedule); returns the job id';

CREATE FUNCTION @extschema@.unschedule_checks(model text) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._unschedule(model, 'checks');
COMMENT ON FUNCTION @extschema@.unschedule_checks(text) IS
    'Remove the model''s scheduled checks; false when there were none';

CREATE FUNCTION @extschema@.schedule_retention(model text, keep interval, schedule text DEFAULT '17 3 * * *')
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF keep IS NULL OR keep <= '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN @extschema@._schedule(model, 'retention', schedule,
        format('SELECT @extschema@.maintain_partitions(); SELECT @extschema@.apply_retention(%L, %L)', model, keep));
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_retention(text, interval, text) IS
    'Daily (by default at 03:17) partition maintenance and retention of a model''s log with pg_cron; returns the job id';

CREATE FUNCTION @extschema@.unschedule_retention(model text) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._unschedule(model, 'retention');
COMMENT ON FUNCTION @extschema@.unschedule_retention(text) IS
    'Remove the model''s scheduled retention; false when there was none';

-- Metrics for Prometheus ------------------------------------------------------

-- Latency histogram buckets (seconds, Prometheus' base unit) of the Prometheus metrics.
CREATE FUNCTION @extschema@.latency_buckets() RETURNS float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN '{0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5}'::float8[];
COMMENT ON FUNCTION @extschema@.latency_buckets() IS 'Upper bounds (seconds) of the latency histogram exported to Prometheus';

-- Every sample of the exported metrics, one row each: what
-- prometheus_metrics() prints and the exporter's queries read.  Each check's
-- model-wide results and the per-feature ones named here, from
-- mlmon.latest_results (the README's table lists them).
CREATE VIEW @extschema@.metrics AS
WITH last AS (
    SELECT DISTINCT ON (c.model) c.model, c.check_id, c.window_start, c.window_end, c.finished_at
      FROM @extschema@.checks c
     ORDER BY c.model, c.window_end DESC, c.check_id DESC
), named AS (
    SELECT r.model, r.value, r.feature, r.metric,
           -- a drift test's name labels every sample of its feature (or of the predictions)
           max(r.method) OVER (PARTITION BY r.model, r."check", r.feature) AS method,
           CASE r."check"
               WHEN 'performance' THEN 'mlmon_' || r.metric
               WHEN 'data_drift' THEN
                   CASE WHEN r.feature IS NULL THEN 'mlmon_' || r.metric
                        WHEN r.metric = 'statistic' THEN 'mlmon_feature_drift_statistic'
                        WHEN r.metric = 'drift_detected' THEN 'mlmon_feature_drift_detected'
                        WHEN r.metric IN ('p_value', 'p_value_adjusted', 'effect_size', 'log_p_value') THEN 'mlmon_feature_drift_' || r.metric END
               WHEN 'output_drift' THEN
                   CASE WHEN r.metric = 'drift_detected' THEN 'mlmon_output_drift_detected'
                        WHEN r.metric IN ('statistic', 'p_value', 'log_p_value') THEN 'mlmon_output_drift_' || r.metric
                        WHEN r.metric = 'prediction_share' THEN 'mlmon_prediction_share' END
               WHEN 'concept_drift' THEN
                   CASE r.metric WHEN 'drift_detected' THEN 'mlmon_concept_drift_detected'
                                 WHEN 'first_stream_drift_time' THEN 'mlmon_concept_drift_first_stream_drift_timestamp_seconds'
                                 ELSE 'mlmon_concept_drift_' || r.metric END
               WHEN 'anomalies' THEN 'mlmon_' || r.metric
               WHEN 'multivariate_drift' THEN
                   CASE r.metric WHEN 'drift_detected' THEN 'mlmon_multivariate_drift_detected'
                                 ELSE 'mlmon_multivariate_' || r.metric END
               WHEN 'embedding_drift' THEN
                   CASE r.metric WHEN 'drift_detected' THEN 'mlmon_embedding_drift_detected'
                                 ELSE 'mlmon_embedding_' || r.metric END
               WHEN 'expectations' THEN
                   CASE WHEN r.feature IS NULL THEN 'mlmon_expectations_' || r.metric
                        WHEN r.metric IN ('success', 'observed_value', 'unexpected_share') THEN 'mlmon_expectation_' || r.metric END
               WHEN 'estimated_performance' THEN
                   CASE WHEN r.metric LIKE 'estimated\_%' OR r.metric LIKE 'realized\_%' THEN 'mlmon_' || r.metric
                        ELSE 'mlmon_estimated_' || r.metric END
               WHEN 'data_quality' THEN
                   CASE WHEN r.feature IS NULL THEN 'mlmon_data_quality_' || replace(r.metric, 'quality_', '')
                        ELSE 'mlmon_feature_quality_rate' END
               WHEN 'volume' THEN 'mlmon_window_' || r.metric
           END AS name,
           r."check"
      FROM @extschema@.latest_results r
     WHERE r.value IS NOT NULL
)
SELECT n.name, 'gauge' AS type,
       CASE n."check"
           WHEN 'performance' THEN 'Performance in the latest check with labels'
           WHEN 'data_drift' THEN CASE WHEN n.feature IS NULL THEN 'Data drift over the features in the latest check'
                                       ELSE 'Drift of the feature in the latest check (statistic, p-value, verdict 0/1)' END
           WHEN 'output_drift' THEN 'Drift of the predictions in the latest check'
           WHEN 'concept_drift' THEN 'Concept drift in the latest check with labels: error rate (MAE) against the reference, stream detections, verdict 0/1'
           WHEN 'anomalies' THEN 'Share of anomalous rows (p-value < 0.01) in the latest check'
           WHEN 'multivariate_drift' THEN 'Multivariate drift in the latest check: mean reconstruction error (PCA), the reference''s band, share of rows with an imputed feature, verdict 0/1'
           WHEN 'embedding_drift' THEN 'Embedding drift in the latest check: drift score (distance, MMD or domain classifier ROC AUC) and its threshold, rows, missing and invalid embedding rates, verdict 0/1'
           WHEN 'expectations' THEN CASE WHEN n.feature IS NULL THEN 'Expectations (mlmon.expect) judged and failed in the latest check'
                                         ELSE 'Each expectation (mlmon.expect) in the latest check: success 0/1, the observed share or statistic, the share of unexpected values' END
           WHEN 'estimated_performance' THEN 'Performance estimated from calibrated scores (CBPE) in the latest check, and its gap to the realised'
           WHEN 'data_quality' THEN CASE WHEN n.feature IS NULL THEN 'Data quality in the latest check: the largest missing, invalid, malformed or unexpected-feature rate (issue_rate), and the malformed and unexpected-feature rates'
                                         ELSE 'Share of the rows whose feature is missing, invalid, out of range or an unseen category, in the latest check' END
           ELSE 'Rows and throughput of the latest checked window' END AS help,
       CASE WHEN n.name = 'mlmon_prediction_share' THEN jsonb_build_object('model', n.model, 'label', n.feature)
            WHEN n.name = 'mlmon_feature_quality_rate'
                THEN jsonb_build_object('model', n.model, 'feature', n.feature, 'kind', regexp_replace(n.metric, '_rate$', ''))
            WHEN n."check" = 'expectations' THEN jsonb_strip_nulls(jsonb_build_object('model', n.model, 'expectation', n.feature, 'rule', n.method))
            WHEN n."check" IN ('data_drift', 'output_drift') AND n.name NOT IN ('mlmon_prediction_share', 'mlmon_drifted_features', 'mlmon_drift_share', 'mlmon_dataset_drift')
                THEN jsonb_strip_nulls(jsonb_build_object('model', n.model, 'feature', n.feature, 'method', n.method))
            ELSE jsonb_build_object('model', n.model) END AS labels,
       n.value, NULL::float8 AS le
  FROM named n
 WHERE n.name IS NOT NULL
UNION ALL
SELECT 'mlmon_predictions_total', 'counter', 'Predictions in the log', jsonb_build_object('model', m.name),
       (SELECT count(*) FROM @extschema@.predictions pr WHERE pr.model = m.name)::float8, NULL
  FROM @extschema@.models m
UNION ALL
SELECT 'mlmon_open_alerts', 'gauge', 'Open alerts by severity', jsonb_build_object('model', m.name, 'severity', s.severity),
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open' AND a.severity = s.severity)::float8, NULL
  FROM @extschema@.models m, unnest(ARRAY['critical', 'high', 'medium', 'low']) s(severity)
UNION ALL
-- each segment (mlmon.segment_by) in the model's latest check: at most top_n + 1 per model
SELECT 'mlmon_segment_' || x.metric, 'gauge', x.help, jsonb_build_object('model', sg.model, 'segment', sg.segment),
       x.value, NULL
  FROM @extschema@.models sm
       -- the model's latest check (after mlmon.drop_segments, one without segments)
 CROSS JOIN LATERAL (SELECT lc.check_id FROM @extschema@.checks lc WHERE lc.model = sm.name
                      ORDER BY lc.window_end DESC, lc.check_id DESC LIMIT 1) l
 CROSS JOIN LATERAL (SELECT * FROM @extschema@.segment_results s WHERE s.check_id = l.check_id) sg,
       LATERAL (VALUES ('rows', sg.rows::float8, 'Rows of the segment in the latest check'),
                       ('accuracy', sg.accuracy, 'Accuracy of the segment (latest check, if labelled)'),
                       ('r2', sg.r2, 'R^2 of the segment (latest check, if labelled)'),
                       ('performance_degradation', sg.degradation,
                        'Accuracy (R^2) drop of the segment below its reference (latest check, if labelled)'),
                       ('drifted_features', sg.drifted_features, 'Drifted features of the segment in the latest check'),
                       ('output_drift_detected', sg.output_drift, 'Output drift of the segment (0/1) in the latest check'),
                       ('data_quality_issue_rate', sg.quality_issue_rate,
                        'Largest data-quality issue rate of the segment in the latest check'),
                       ('open_alerts', sg.open_alerts::float8, 'Open alerts of the segment')) x(metric, value, help)
 WHERE x.value IS NOT NULL
UNION ALL
SELECT 'mlmon_last_check_timestamp_seconds', 'gauge', 'End of the latest checked window (Unix time)',
       jsonb_build_object('model', l.model), extract(epoch FROM l.window_end)::float8, NULL
  FROM last l
UNION ALL
-- latency histogram of the latest checked window, cumulative as Prometheus wants it
SELECT 'mlmon_latency_seconds_bucket', 'histogram', 'Prediction latency (seconds) in the latest checked window',
       jsonb_build_object('model', l.model, 'le', CASE WHEN b.le = 'Infinity' THEN '+Inf' ELSE b.le::text END),
       (SELECT count(*) FROM @extschema@.predictions pr
         WHERE pr.model = l.model AND pr.ts >= l.window_start AND pr.ts < l.window_end
           AND pr.latency_ms <= 1000 * b.le)::float8, b.le
  FROM last l, unnest(@extschema@.latency_buckets() || 'Infinity'::float8) b(le)
UNION ALL
SELECT 'mlmon_latency_seconds_' || x.part, 'histogram', 'Prediction latency (seconds) in the latest checked window',
       jsonb_build_object('model', l.model), x.value, NULL
  FROM last l,
       LATERAL (SELECT count(pr.latency_ms)::float8 AS n, coalesce(sum(pr.latency_ms), 0) / 1000 AS s
                  FROM @extschema@.predictions pr
                 WHERE pr.model = l.model AND pr.ts >= l.window_start AND pr.ts < l.window_end) agg,
       LATERAL (VALUES ('count', agg.n), ('sum', agg.s)) x(part, value);
COMMENT ON VIEW @extschema@.metrics IS
    'The metrics exported to Prometheus, one sample per row (name, type, help, labels, value)';

-- A label value in the exposition format: backslash, double quote and newline escaped.
CREATE FUNCTION @extschema@._prom_escape(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN replace(replace(replace(v, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n');
COMMENT ON FUNCTION @extschema@._prom_escape(text) IS 'Escape a Prometheus label value (internal)';

CREATE FUNCTION @extschema@.prometheus_metrics() RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT coalesce(string_agg(block, ''), '')
      FROM (SELECT family,
                   format(E'# HELP %s %s\n# TYPE %s %s\n', family, min(help), family, min(type)) ||
                   string_agg(format(E'%s{%s} %s\n', name,
                                     (SELECT string_agg(format('%s="%s"', k, @extschema@._prom_escape(v)), ',' ORDER BY k)
                                        FROM jsonb_each_text(labels) j(k, v)),
                                     CASE WHEN value = 'Infinity' THEN '+Inf' WHEN value = '-Infinity' THEN '-Inf'
                                          WHEN value = 'NaN' OR value IS NULL THEN 'NaN' ELSE value::text END),
                              '' ORDER BY name, (labels - 'le')::text, le) AS block
              FROM (SELECT CASE WHEN m.type = 'histogram' THEN regexp_replace(m.name, '_(bucket|count|sum)$', '')
                                ELSE m.name END AS family, m.*
                      FROM @extschema@.metrics m) s
             GROUP BY family
             ORDER BY family) b;
END;
COMMENT ON FUNCTION @extschema@.prometheus_metrics() IS
    'The mlmon metrics in Prometheus'' text exposition format, for scrapers that read a query result';

REVOKE EXECUTE ON FUNCTION @extschema@.schedule_checks(text, text), @extschema@.unschedule_checks(text),
    @extschema@.schedule_retention(text, interval, text), @extschema@.unschedule_retention(text),
    @extschema@._schedule(text, text, text, text), @extschema@._unschedule(text, text),
    @extschema@.prometheus_metrics()
    FROM PUBLIC;
