--------------------------------------------------------------------------
-- Concept drift, anomalous rows and performance without labels (part of
-- the install script, after sql/monitoring.sql): the models' calibrations,
-- anomalous rows, and the check results of concept drift and CBPE
--------------------------------------------------------------------------

-- Calibrations of the models --------------------------------------------

CREATE TABLE @extschema@.calibrations (
    model          text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    positive_label text NOT NULL,
    negative_label text NOT NULL,
    calibration    @extschema@.calibration NOT NULL,
    n              bigint NOT NULL,
    set_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.calibrations IS
    'Per binary classifier: the isotonic calibration of its scores on the labelled reference, for confidence-based performance estimation (CBPE)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calibrations', '');
REVOKE ALL ON @extschema@.calibrations FROM PUBLIC;

-- Calibrate a binary classifier on the labelled rows of its reference (the
-- greater of its two labels is the positive one, as classification_metrics
-- has it); any other model loses its calibration.
CREATE FUNCTION @extschema@._set_calibration(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    labels text[];
    cal @extschema@.calibration;
    n bigint;
BEGIN
    DELETE FROM @extschema@.calibrations c WHERE c.model = _set_calibration.model;
    IF @extschema@._model_task(model) <> 'classification' OR r.labels_from IS NULL THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT lbl ORDER BY lbl) FROM (SELECT %s AS lbl, %s AS score %s) q '
                   'WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1', r.label, r.labels_score, r.labels_from)
       INTO labels USING model, from_ts, to_ts;
    IF cardinality(labels) IS DISTINCT FROM 2 THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT (@extschema@.isotonic_calibration(score, lbl = $4)).scores, '
                   '(@extschema@.isotonic_calibration(score, lbl = $4)).probabilities, count(*) '
                   'FROM (SELECT %s AS lbl, %s AS score %s) q WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1',
                   r.label, r.labels_score, r.labels_from)
       INTO cal.scores, cal.probabilities, n USING model, from_ts, to_ts, labels[2];
    INSERT INTO @extschema@.calibrations (model, positive_label, negative_label, calibration, n)
    VALUES (model, labels[2], labels[1], cal, n);
END
$$;
COMMENT ON FUNCTION @extschema@._set_calibration(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Calibrate a binary classifier''s scores on its labelled reference rows (internal)';

-- Anomalous rows ----------------------------------------------------------

CREATE TYPE @extschema@.anomaly_result AS (
    p_value float8,
    score float8,
    feature text,
    reason text,
    features_checked int
);
COMMENT ON TYPE @extschema@.anomaly_result IS
    'How unusual a row is under its model''s reference: the Bonferroni p-value over the features present, score = 1 - p_value, the most unusual feature and why (tail, out_of_range, unseen_category, invalid_value), the number of features checked';

CREATE FUNCTION @extschema@.anomaly_score(model text, features jsonb) RETURNS @extschema@.anomaly_result
    AS 'MODULE_PATHNAME', 'mlm_anomaly_score' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.anomaly_score(text, jsonb) IS
    'Anomaly score of a row''s features against the model''s reference profiles (see the README for the rule)';
-- The rows of [window_start, window_end) with an anomaly p-value below alpha.
CREATE FUNCTION @extschema@.anomalous_rows(model text, window_start timestamptz, window_end timestamptz,
        alpha float8 DEFAULT 0.01)
    RETURNS TABLE (ts timestamptz, request_id text, p_value float8, score float8, feature text, reason text,
                   features jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql := @extschema@._source(model);
    id text;
BEGIN
    IF alpha IS NULL OR NOT (alpha > 0 AND alpha <= 1) THEN
        RAISE EXCEPTION 'alpha must be in (0, 1]' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- no reference, nothing is unusual (anomaly_score itself refuses to score without one)
    IF NOT EXISTS (SELECT FROM @extschema@.reference_profiles p WHERE p.model = anomalous_rows.model) THEN
        RETURN;
    END IF;
    SELECT CASE WHEN s.id_column IS NULL THEN 'NULL::text' ELSE format('s.%I::text', s.id_column) END INTO id
      FROM @extschema@.sources s WHERE s.model = anomalous_rows.model;
    RETURN QUERY EXECUTE format(
        'SELECT t, rid, (a).p_value, (a).score, (a).feature, (a).reason, f FROM ('
        'SELECT %s AS t, %s AS rid, %s AS f, @extschema@.anomaly_score($1, %3$s) AS a %s) q '
        'WHERE (a).p_value < $4 ORDER BY (a).p_value, t',
        r.ts, coalesce(id, 'p.request_id'), r.feature_object, r.from_clause)
      USING model, window_start, window_end, alpha;
END
$$;
COMMENT ON FUNCTION @extschema@.anomalous_rows(text, timestamptz, timestamptz, float8) IS
    'The rows of a window whose anomaly p-value is below alpha (default 0.01), most unusual first';

CREATE VIEW @extschema@.anomalies AS
SELECT l.model, l.check_id, a.ts, a.request_id, a.p_value, a.score, a.feature, a.reason, a.features
  FROM (SELECT DISTINCT ON (c.model) c.model, c.check_id, c.window_start, c.window_end
          FROM @extschema@.checks c
         ORDER BY c.model, c.window_end DESC, c.check_id DESC) l
 CROSS JOIN LATERAL @extschema@.anomalous_rows(l.model, l.window_start, l.window_end) a;
COMMENT ON VIEW @extschema@.anomalies IS
    'The anomalous rows (p-value < 0.01) of each model''s latest checked window';

-- Concept drift -------------------------------------------------------------

-- The concept-drift results of a labelled window, from its summary: the
-- error stream in time order through a detector (ADWIN on the 0/1 errors of
-- classifiers, as DDM raises false alarms when a window starts without
-- errors; Page-Hinkley on absolute errors in units of the reference MAE
-- for regressors) and the error against the reference (a one-sided z
-- statistic, drift from 3 on).
CREATE FUNCTION @extschema@._concept_results(model text, task text, s @extschema@.check_summary, ref_perf jsonb,
        ref_labeled bigint, perf jsonb)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    detector text := CASE WHEN task = 'classification' THEN 'adwin' ELSE 'page_hinkley' END;
    stream @extschema@.detector_result;
    drifts bigint;
    first_drift timestamptz;
    span record;
    r @extschema@._source_sql;
    n bigint;
    p float8;
    p0 float8;
    z float8;
    v0 float8;
    v1 float8;
    detected boolean;
    err text := CASE WHEN task = 'classification' THEN 'error_rate' ELSE 'mae' END;
BEGIN
    IF perf IS NULL OR ref_perf IS NULL THEN
        RETURN;
    END IF;
    stream := @extschema@._summary_detector(s, detector);
    drifts := coalesce(stream.detections, 0);
    IF drifts > 0 THEN
        -- the time of the first drift: the first_drift-th error of the stream,
        -- found among the labels of the bucket that holds it
        span := @extschema@._summary_stream_locate(s, stream.first_drift);
        r := @extschema@._source(model);
        EXECUTE format('SELECT t FROM (SELECT %s AS t, %s AS e %s) q WHERE e IS NOT NULL AND e <> ''NaN'' '
                       'AND e NOT IN (''Infinity'', ''-Infinity'') ORDER BY t, e OFFSET $4 - 1 LIMIT 1',
                       r.labels_ts,
                       CASE WHEN task = 'classification'
                            THEN format('CASE WHEN %s IS NOT NULL THEN (%1$s IS DISTINCT FROM %s)::int::float8 END',
                                        r.label, r.labels_predicted_label)
                            ELSE format('abs(%s - %s) / $5', r.actual, r.labels_predicted_value) END,
                       r.labels_from)
           INTO first_drift
          USING model, span.span_start, span.span_end + interval '1 microsecond', span."offset",
                (ref_perf->>'mae')::float8;
    END IF;
    IF task = 'classification' THEN
        n := (perf->>'n')::bigint;
        p := 1 - (perf->>'accuracy')::float8;
        p0 := 1 - (ref_perf->>'accuracy')::float8;
        -- pooled two-proportion z: error rate now against the reference's
        v0 := ((p * n + p0 * ref_labeled) / (n + ref_labeled));
        v1 := v0 * (1 - v0) * (1.0 / n + 1.0 / ref_labeled);
        z := CASE WHEN v1 > 0 THEN (p - p0) / sqrt(v1) END;
    ELSE
        p0 := (ref_perf->>'mae')::float8;
        IF p0 IS NULL OR NOT p0 > 0 THEN
            RETURN;
        END IF;
        -- Welch z of the mean absolute error: var(|e|) = mse - mae^2
        p := (perf->>'mae')::float8;
        n := (perf->>'n')::bigint;
        v0 := greatest((perf->>'mse')::float8 - p * p, 0) / greatest(n, 1);
        v1 := greatest((ref_perf->>'mse')::float8 - p0 * p0, 0) / greatest(ref_labeled, 1);
        z := CASE WHEN v0 + v1 > 0 THEN (p - p0) / sqrt(v0 + v1) END;
    END IF;
    detected := drifts > 0 OR coalesce(z >= 3, false);
    RETURN QUERY VALUES
        ('concept_drift', err, NULL::text, p, NULL::text),
        ('concept_drift', 'reference_' || err, NULL, p0, NULL),
        ('concept_drift', err || '_z', NULL, z, NULL),
        ('concept_drift', 'stream_drifts', NULL, drifts::float8, detector),
        ('concept_drift', 'first_stream_drift_time', NULL, extract(epoch FROM first_drift)::float8, detector),
        ('concept_drift', 'drift_detected', NULL, detected::int::float8, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._concept_results(text, text, @extschema@.check_summary, jsonb, bigint, jsonb) IS
    'Concept-drift results of a labelled window from its summary''s error stream (internal)';

-- Estimated performance (CBPE) -----------------------------------------------

-- From the expected confusion matrix of the calibrated scores (tp, fp, fn,
-- tn as sums of probabilities), beside the realised metrics of the
-- labelled rows.
CREATE FUNCTION @extschema@._cbpe_results(cm jsonb, perf jsonb, ref_perf jsonb, positive text)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tp float8 := (cm->>'tp')::float8;
    fp float8 := (cm->>'fp')::float8;
    fn float8 := (cm->>'fn')::float8;
    tn float8 := (cm->>'tn')::float8;
    acc float8;
    f1 float8;
    real_acc float8 := (perf->>'accuracy')::float8;
    real_f1 float8 := (perf->'classes'->positive->>'f1')::float8;
BEGIN
    IF cm IS NULL OR coalesce((cm->>'n')::bigint, 0) = 0 THEN
        RETURN;
    END IF;
    acc := (tp + tn) / (tp + fp + fn + tn);
    f1 := CASE WHEN 2 * tp + fp + fn > 0 THEN 2 * tp / (2 * tp + fp + fn) ELSE 0 END;
    RETURN QUERY VALUES
        ('estimated_performance', 'estimated_accuracy', NULL::text, acc, 'cbpe'::text),
        ('estimated_performance', 'estimated_f1', NULL, f1, 'cbpe'),
        ('estimated_performance', 'estimated_accuracy_drop', NULL, (ref_perf->>'accuracy')::float8 - acc, 'cbpe'),
        ('estimated_performance', 'scored_rows', NULL, (cm->>'n')::float8, 'cbpe'),
        ('estimated_performance', 'realized_accuracy', NULL, real_acc, NULL),
        ('estimated_performance', 'realized_f1', NULL, real_f1, NULL),
        ('estimated_performance', 'accuracy_gap', NULL, acc - real_acc, NULL),
        ('estimated_performance', 'f1_gap', NULL, f1 - real_f1, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._cbpe_results(jsonb, jsonb, jsonb, text) IS
    'CBPE results from the expected confusion matrix of a window (internal)';
