-- sql/mlmon--0.1.0--0.2.0.sql: upgrade mlmon 0.1.0 to 0.2.0.
-- Every object added or changed since 0.1.0, as in the install script of
-- 0.2.0 (test/reliability/test_upgrade.py checks that an upgraded database
-- equals a fresh one).

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION mlmon UPDATE TO '0.2.0'" to load this file. \quit

--------------------------------------------------------------------------
-- Streaming drift detectors (as in sql/detectors.sql)
--------------------------------------------------------------------------

CREATE TYPE @extschema@.detector_result AS (
    n bigint,
    warning boolean,
    drift boolean,
    statistic float8,
    estimate float8,
    detections bigint,
    first_warning bigint,
    first_drift bigint,
    last_drift bigint
);
COMMENT ON TYPE @extschema@.detector_result IS
    'State of a streaming drift detector after a row: values taken (n), warning zone, drift at this row, the decision statistic computed at this row, the running estimate, drifts so far and the positions (n) of the first warning, first and last drift';

CREATE FUNCTION @extschema@._detector_final(internal)
    RETURNS @extschema@.detector_result AS 'MODULE_PATHNAME', 'mlm_detector_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._detector_final(internal) IS 'Final function of the streaming drift detectors (internal)';

CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8) IS 'Transition function of mlmon.page_hinkley (internal)';
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text) IS 'Transition function of mlmon.page_hinkley with parameters (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean) IS 'Transition function of mlmon.ddm (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.ddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean) IS 'Transition function of mlmon.eddm (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.eddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8) IS 'Transition function of mlmon.adwin (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer) IS 'Transition function of mlmon.adwin with parameters (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8) IS 'Transition function of mlmon.kswin (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint) IS 'Transition function of mlmon.kswin with parameters (internal)';

-- The detectors depend on the order of every row: no combine function, so
-- no partial aggregation (an aggregate called with ORDER BY never has one).
-- The final function only reads the state, so they work as window functions
-- over growing frames.
CREATE AGGREGATE @extschema@.page_hinkley(value float8) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.page_hinkley(value float8, min_instances integer, delta float8,
                                          threshold float8, alpha float8, mode text) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean, warm_start integer, warning_threshold float8,
                                 drift_threshold float8) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean, warm_start integer, alpha float8, beta float8) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, delta float8, clock integer, max_buckets integer,
                                   min_window_length integer, grace_period integer) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8, alpha float8, window_size integer, stat_size integer,
                                   seed bigint) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8) IS
    'Page-Hinkley change detector (river''s defaults: min_instances 30, delta 0.005, threshold 50, alpha 0.9999, both directions); needs ORDER BY, in the call or its window';
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8, integer, float8, float8, float8, text) IS
    'Page-Hinkley change detector with min_instances, delta, threshold, alpha and mode both|up|down';
COMMENT ON AGGREGATE @extschema@.ddm(boolean) IS
    'DDM drift detector on an error stream (true = wrong prediction; river''s defaults: warm start 30, warning 2 sigma, drift 3 sigma); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.ddm(boolean, integer, float8, float8) IS
    'DDM drift detector with warm_start, warning_threshold and drift_threshold';
COMMENT ON AGGREGATE @extschema@.eddm(boolean) IS
    'EDDM drift detector on an error stream (river''s defaults: warm start 30, alpha 0.95, beta 0.9); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.eddm(boolean, integer, float8, float8) IS
    'EDDM drift detector with warm_start, alpha (warning) and beta (drift)';
COMMENT ON AGGREGATE @extschema@.adwin(float8) IS
    'ADWIN adaptive-window change detector (river''s defaults: delta 0.002, clock 32, max_buckets 5, min_window_length 5, grace_period 10); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length and grace_period';
COMMENT ON AGGREGATE @extschema@.kswin(float8) IS
    'KSWIN Kolmogorov-Smirnov windowing change detector (river''s defaults: alpha 0.005, window 100, stat size 30; seed 42); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.kswin(float8, float8, integer, integer, bigint) IS
    'KSWIN change detector with alpha, window_size, stat_size and the seed of its sample draw';

-- ADWIN and Page-Hinkley with their defaults over (time, value) pairs taken
-- in any order, replayed in (time, value) order by the final function: the
-- forms run_checks uses.  Unlike an aggregate with ORDER BY they sort only
-- when the rows did not come in time order, and can run in parallel workers.
CREATE FUNCTION @extschema@._time_stream_accum(internal, timestamptz, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_time_stream_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_by_time_final(internal) RETURNS @extschema@.detector_result
    AS 'MODULE_PATHNAME', 'mlm_adwin_by_time_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._page_hinkley_by_time_final(internal) RETURNS @extschema@.detector_result
    AS 'MODULE_PATHNAME', 'mlm_page_hinkley_by_time_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._time_stream_accum(internal, timestamptz, float8) IS
    'Transition function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_combine(internal, internal) IS
    'Combine function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_serialize(internal) IS
    'Serialize function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_deserialize(bytea, internal) IS
    'Deserialize function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._adwin_by_time_final(internal) IS
    'Final function of mlmon._adwin_by_time: ADWIN over the values in time order (internal)';
COMMENT ON FUNCTION @extschema@._page_hinkley_by_time_final(internal) IS
    'Final function of mlmon._page_hinkley_by_time: Page-Hinkley over the values in time order (internal)';
CREATE AGGREGATE @extschema@._adwin_by_time(ts timestamptz, value float8) (
    SFUNC = @extschema@._time_stream_accum, STYPE = internal,
    FINALFUNC = @extschema@._adwin_by_time_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@._time_stream_combine,
    SERIALFUNC = @extschema@._time_stream_serialize,
    DESERIALFUNC = @extschema@._time_stream_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@._page_hinkley_by_time(ts timestamptz, value float8) (
    SFUNC = @extschema@._time_stream_accum, STYPE = internal,
    FINALFUNC = @extschema@._page_hinkley_by_time_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@._time_stream_combine,
    SERIALFUNC = @extschema@._time_stream_serialize,
    DESERIALFUNC = @extschema@._time_stream_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._adwin_by_time(timestamptz, float8) IS
    'mlmon.adwin(value ORDER BY ts, value) with the defaults, in a form parallel workers can compute in parts (internal)';
COMMENT ON AGGREGATE @extschema@._page_hinkley_by_time(timestamptz, float8) IS
    'mlmon.page_hinkley(value ORDER BY ts, value) with the defaults, in a form parallel workers can compute in parts (internal)';

--------------------------------------------------------------------------
-- Concept drift, anomalous rows and performance without labels (as in
-- sql/concept.sql), and the monitoring objects that changed for them
--------------------------------------------------------------------------

-- New alert types and their default rules.
ALTER TABLE @extschema@.alert_rules DROP CONSTRAINT alert_rules_alert_type_check;
ALTER TABLE @extschema@.alert_rules ADD CONSTRAINT alert_rules_alert_type_check
               CHECK (alert_type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality',
                                     'concept_drift', 'anomalies', 'estimated_performance'));
-- Default rules added after 0.1.0 take negative ids: a database updated from
-- 0.1.0 already numbers its users' rules from 6, and a dump of those must
-- restore into a fresh install without a collision.
INSERT INTO @extschema@.alert_rules (rule_id, model, alert_type, severity, threshold, description)
OVERRIDING SYSTEM VALUE VALUES
    (-1, NULL, 'concept_drift', 'high', 1,
     'concept drift detected: the error stream drifted (ADWIN; Page-Hinkley for regression) or the error rose 3 standard errors above the reference'),
    (-2, NULL, 'anomalies', 'medium', 0.05, 'share of anomalous rows (p-value < 0.01) above threshold'),
    (-3, NULL, 'estimated_performance', 'high', 0.05,
     'accuracy estimated from calibrated scores (CBPE) dropped more than threshold below the reference');

-- Calibration of a binary classifier's scores ----------------------------

CREATE TYPE @extschema@.calibration AS (
    scores float8[],
    probabilities float8[]
);
COMMENT ON TYPE @extschema@.calibration IS
    'An isotonic calibration map: ascending scores and the calibrated probability at each (scikit-learn''s X_thresholds_, y_thresholds_)';

CREATE FUNCTION @extschema@._isotonic_final(internal) RETURNS @extschema@.calibration
    AS 'MODULE_PATHNAME', 'mlm_isotonic_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._isotonic_final(internal) IS 'Final function of mlmon.isotonic_calibration (internal)';

-- The scores of negative rows are kept as the two-sample statistics keep
-- their reference, those of positive rows as their current sample.
CREATE AGGREGATE @extschema@.isotonic_calibration(score float8, outcome boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._isotonic_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize, DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.isotonic_calibration(float8, boolean) IS
    'Isotonic calibration of scores against binary outcomes (scikit-learn''s IsotonicRegression, out_of_bounds = clip); rows with a NULL, NaN or infinite score or a NULL outcome are skipped';

CREATE FUNCTION @extschema@.calibrate(calibration @extschema@.calibration, score float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_calibrate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(@extschema@.calibration, float8) IS
    'The calibrated probability of a score: linear interpolation between the knots, clipped at both ends (IsotonicRegression.predict)';

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
    IF @extschema@._model_task(model) <> 'classification' THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT lbl ORDER BY lbl) FROM (SELECT %s AS lbl, %s AS score %s) q '
                   'WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1', r.label, r.score, r.from_clause)
       INTO labels USING model, from_ts, to_ts;
    IF cardinality(labels) IS DISTINCT FROM 2 THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT (@extschema@.isotonic_calibration(score, lbl = $4)).scores, '
                   '(@extschema@.isotonic_calibration(score, lbl = $4)).probabilities, count(*) '
                   'FROM (SELECT %s AS lbl, %s AS score %s) q WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1',
                   r.label, r.score, r.from_clause)
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
CREATE FUNCTION @extschema@._anomalous(model text, nv float8[], cv text[], alpha float8) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlm_anomalous' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._anomalous(text, float8[], text[], float8) IS
    'Whether a row''s anomaly p-value is below alpha, from its numeric and categorical feature arrays in the checks'' order (internal)';

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

-- The concept-drift results of a labelled window: the error stream in time
-- order through a detector (computed by run_checks' read of the window:
-- ADWIN on the 0/1 errors of classifiers, as DDM raises false alarms when a
-- window starts without errors; Page-Hinkley on absolute errors in units of
-- the reference MAE for regressors) and the error against the reference
-- (a one-sided z statistic, drift from 3 on).
CREATE FUNCTION @extschema@._concept_results(model text, r @extschema@._source_sql, task text,
        window_start timestamptz, window_end timestamptz, ref_perf jsonb, ref_labeled bigint, perf jsonb,
        stream jsonb)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    drifts bigint := coalesce((stream->>'detections')::bigint, 0);
    first_drift timestamptz;
    p float8;
    p0 float8;
    z float8;
    v0 float8;
    v1 float8;
    detected boolean;
    detector text := CASE WHEN task = 'classification' THEN 'adwin' ELSE 'page_hinkley' END;
    err text := CASE WHEN task = 'classification' THEN 'error_rate' ELSE 'mae' END;
BEGIN
    IF perf IS NULL OR ref_perf IS NULL THEN
        RETURN;
    END IF;
    IF drifts > 0 THEN
        -- the time of the first drift: the first_drift-th row the detector took
        EXECUTE format('SELECT t FROM (SELECT %s AS t, %s AS e %s) q WHERE e IS NOT NULL AND e <> ''NaN'' '
                       'AND e NOT IN (''Infinity'', ''-Infinity'') ORDER BY t OFFSET $4 - 1 LIMIT 1',
                       r.ts,
                       CASE WHEN task = 'classification' THEN format('CASE WHEN %s IS NOT NULL THEN 0::float8 END', r.label)
                            ELSE format('abs(%s - %s)', r.actual, r.predicted_value) END,
                       r.from_clause)
           INTO first_drift USING model, window_start, window_end, (stream->>'first_drift')::bigint;
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
COMMENT ON FUNCTION @extschema@._concept_results(text, @extschema@._source_sql, text, timestamptz, timestamptz, jsonb, bigint, jsonb, jsonb) IS
    'Concept-drift results of a labelled window from its error stream''s detector summary (internal)';

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

CREATE OR REPLACE FUNCTION @extschema@._source(model text) RETURNS @extschema@._source_sql
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s @extschema@.sources;
    r @extschema@._source_sql;
    lbl text;
BEGIN
    PERFORM @extschema@._model_task(model);
    SELECT * INTO s FROM @extschema@.sources src WHERE src.model = _source.model;
    IF NOT FOUND THEN
        -- labels: one primary-key lookup per row (LIMIT 1 keeps the planner from
        -- turning it into a join, which stale statistics of a partition being
        -- filled can make scan every label of the model for every row; it also
        -- keeps the read out of parallel workers: a join that planner settings
        -- force to a nested loop can still rescan all of the model's labels per
        -- row, as the load test showed)
        r.from_clause := 'FROM @extschema@.predictions p LEFT JOIN LATERAL (SELECT l0.label, l0.actual_value '
                         'FROM @extschema@.labels l0 WHERE l0.model = p.model AND l0.request_id = p.request_id LIMIT 1) l '
                         'ON true WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3';
        r.ts := 'p.ts';
        r.all_features := 'p.features';
        r.predicted_label := 'p.predicted_label';
        r.predicted_value := 'p.predicted_value';
        r.score := 'p.score';
        r.label := 'l.label';
        r.actual := 'l.actual_value';
        r.latency := 'p.latency_ms';
        r.feature_object := 'p.features';
        RETURN r;
    END IF;
    r.from_clause := format('FROM %s s ', s.relation);
    IF s.label_column IS NULL AND s.id_column IS NOT NULL THEN
        r.from_clause := r.from_clause ||
            format('LEFT JOIN LATERAL (SELECT l0.label, l0.actual_value FROM @extschema@.labels l0 '
                   'WHERE l0.model = $1 AND l0.request_id = s.%I::text LIMIT 1) l ON true ', s.id_column);
        r.label := 'l.label';
        r.actual := 'l.actual_value';
    ELSIF s.label_column IS NOT NULL THEN
        r.label := format('s.%I::text', s.label_column);
        r.actual := format('s.%I::float8', s.label_column);
    ELSE
        r.label := 'NULL::text';
        r.actual := 'NULL::float8';
    END IF;
    r.from_clause := r.from_clause || format('WHERE $1 IS NOT NULL AND s.%1$I >= $2 AND s.%1$I < $3', s.time_column);
    r.ts := format('s.%I', s.time_column);
    IF s.features_column IS NOT NULL THEN
        r.all_features := format('s.%I', s.features_column);
        r.feature_object := r.all_features;
    ELSE
        r.all_features := NULL;
        r.feature_columns := s.feature_columns;
        r.feature_object := 'jsonb_build_object(' || (SELECT string_agg(format('%L, s.%I', c, c), ', ')
                                                        FROM unnest(s.feature_columns) c) || ')';
    END IF;
    r.predicted_label := CASE WHEN s.prediction_column IS NULL THEN 'NULL::text'
                              ELSE format('s.%I::text', s.prediction_column) END;
    r.predicted_value := CASE WHEN s.prediction_column IS NULL THEN 'NULL::float8'
                              ELSE format('s.%I::float8', s.prediction_column) END;
    r.score := CASE WHEN s.score_column IS NULL THEN 'NULL::float8' ELSE format('s.%I::float8', s.score_column) END;
    r.latency := CASE WHEN s.latency_column IS NULL THEN 'NULL::float8'
                      ELSE format('s.%I::float8', s.latency_column) END;
    RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@._set_reference(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz, keep_window boolean)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    names text[];
    f text;
    i int;
    q text;
    n bigint;
    n_labeled bigint;
    perf jsonb;
    num_profiles @extschema@.profile[];
    numbers bigint[];
    scalars bigint[];
    pred_profile @extschema@.profile;
    kinds text[] := '{}';
    cat_profiles @extschema@.profile[];
    cat_idx int[] := '{}';
    s @extschema@.profile_summary;
BEGIN
    names := @extschema@._feature_names(model, r, from_ts, to_ts);
    -- one pass: numeric profiles, counts of numbers and of other values, predictions, performance
    q := format('SELECT count(*), count(lbl), %s, %s, %s, %s, %s FROM (SELECT %s AS lbl, %s AS act, %s AS plabel, %s AS pvalue, %s AS score, '
                '@extschema@._jsonb_numbers(%s, $4) AS nv, @extschema@._fence() AS fence %s) q',
        CASE WHEN task = 'classification'
             THEN 'to_jsonb(@extschema@.classification_metrics(lbl, plabel, CASE WHEN score >= 0 AND score <= 1 THEN score END))'
             ELSE 'to_jsonb(@extschema@.regression_metrics(act, pvalue))' END,
        CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel)' ELSE '@extschema@.profile(pvalue)' END,
        'ARRAY[' || coalesce((SELECT string_agg(format('@extschema@.profile(nv[%s])', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::@extschema@.profile[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] <> ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] = ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        CASE WHEN task = 'classification' THEN r.label ELSE 'NULL::text' END, r.actual,
        r.predicted_label, r.predicted_value, r.score, r.feature_object,
        r.from_clause);
    EXECUTE q INTO n, n_labeled, perf, pred_profile, num_profiles, numbers, scalars USING model, from_ts, to_ts, names;
    IF n = 0 THEN
        RAISE EXCEPTION 'the reference window of model "%" holds no predictions', model
            USING ERRCODE = 'no_data_found', DETAIL = format('Window [%s, %s).', from_ts, to_ts);
    END IF;
    IF task = 'regression' THEN
        n_labeled := (perf ->> 'n')::bigint;
    END IF;

    -- numeric features with more than 5 distinct values are numeric; the rest categorical (Evidently's rule)
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        s := @extschema@.summary(num_profiles[i]);
        IF numbers[i] > 0 AND numbers[i] >= scalars[i] AND (s.mode = 'sketch' OR s.entries > 5) THEN
            kinds := kinds || 'numeric'::text;
        ELSE
            kinds := kinds || 'categorical'::text;
            cat_idx := cat_idx || i;
        END IF;
    END LOOP;
    IF array_length(cat_idx, 1) > 0 THEN
        q := format('SELECT ARRAY[%s]::@extschema@.profile[] FROM (SELECT @extschema@._jsonb_categories(%s, $4) AS cv, @extschema@._fence() AS fence %s) q',
            (SELECT string_agg(format('@extschema@.profile(cv[%s])', j), ', ') FROM generate_series(1, cardinality(cat_idx)) j),
            r.feature_object, r.from_clause);
        EXECUTE q INTO cat_profiles USING model, from_ts, to_ts, (SELECT array_agg(names[j] ORDER BY o) FROM unnest(cat_idx) WITH ORDINALITY u(j, o));
    END IF;

    DELETE FROM @extschema@.reference_profiles rp WHERE rp.model = _set_reference.model;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        IF kinds[i] = 'numeric' THEN
            s := @extschema@.summary(num_profiles[i]);
            INSERT INTO @extschema@.reference_profiles VALUES
                (model, 'feature', names[i], 'numeric', num_profiles[i], s.count,
                 CASE WHEN s.mode = 'exact' THEN s.entries END, NULL);
        ELSE
            s := @extschema@.summary(cat_profiles[array_position(cat_idx, i)]);
            INSERT INTO @extschema@.reference_profiles VALUES
                (model, 'feature', names[i], 'categorical', cat_profiles[array_position(cat_idx, i)], s.count,
                 CASE WHEN s.mode = 'exact' THEN s.entries END,
                 CASE WHEN s.mode = 'exact' THEN
                     (SELECT array_agg(t.value ORDER BY t.value)
                        FROM @extschema@.top_values(cat_profiles[array_position(cat_idx, i)], s.entries::int) t) END);
        END IF;
    END LOOP;
    IF pred_profile IS NOT NULL THEN
        s := @extschema@.summary(pred_profile);
        INSERT INTO @extschema@.reference_profiles VALUES
            (model, 'prediction', '', CASE WHEN task = 'classification' THEN 'categorical' ELSE 'numeric' END,
             pred_profile, s.count, CASE WHEN s.mode = 'exact' THEN s.entries END, NULL);
    END IF;
    INSERT INTO @extschema@.reference_windows AS rf VALUES (model, CASE WHEN keep_window THEN from_ts END,
        CASE WHEN keep_window THEN to_ts END, n, coalesce(n_labeled, 0),
        CASE WHEN coalesce(n_labeled, 0) > 0 THEN perf END, now())
    ON CONFLICT ON CONSTRAINT reference_windows_pkey DO UPDATE
       SET window_start = excluded.window_start, window_end = excluded.window_end, n_rows = excluded.n_rows,
           n_labeled = excluded.n_labeled, performance = excluded.performance, set_at = excluded.set_at;
    PERFORM @extschema@._set_calibration(model, r, from_ts, to_ts);
    RETURN n;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    r @extschema@._source_sql := @extschema@._source(model);
    m @extschema@.models;
    rw @extschema@.reference_windows;
    names text[];
    kinds text[];
    profiles @extschema@.profile[];
    ref_n bigint[];
    ref_distinct bigint[];
    cats text[];
    pred_kind text;
    pred_profile @extschema@.profile;
    pred_n bigint;
    pred_distinct bigint;
    i int;
    nf int;
    tests text[] := '{}';
    thresholds float8[] := '{}';
    t record;
    inner_items text[] := '{}';
    fobj text;
    vexpr text;
    num_names text[] := '{}';
    cat_names text[] := '{}';
    num_min float8[] := '{}';
    num_max float8[] := '{}';
    counts bigint[];
    nk int;
    pred_now @extschema@.profile;
    shares record;
    outer_items text[] := '{}';
    s @extschema@.profile_summary;
    agg text;
    q text;
    n bigint;
    n_labeled bigint;
    malformed bigint;
    unexpected bigint;
    perf jsonb;
    lat jsonb;
    feats jsonb[];
    pred jsonb;
    fj jsonb;
    stat float8[] := '{}';
    pval float8[] := '{}';
    padj float8[];
    drifted int := 0;
    quality float8 := 0;
    res_check text[] := '{}';
    res_metric text[] := '{}';
    res_feature text[] := '{}';
    res_value float8[] := '{}';
    res_method text[] := '{}';
    cid bigint;
    secs float8;
    pt text;
    pth float8;
    pstat float8;
    pp float8;
    ref_perf jsonb;
    cal @extschema@.calibrations;
    cm jsonb;
    anom float8;
    stream jsonb;
BEGIN
    IF window_start IS NULL OR window_end IS NULL OR window_start >= window_end THEN
        RAISE EXCEPTION 'the check window must have window_start < window_end' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO m FROM @extschema@.models mm WHERE mm.name = run_checks.model;
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = run_checks.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no reference', model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Freeze a reference window first with mlmon.set_reference(model, from_ts, to_ts).';
    END IF;
    SELECT array_agg(rp.feature ORDER BY rp.feature), array_agg(rp.kind ORDER BY rp.feature),
           array_agg(rp.profile ORDER BY rp.feature), array_agg(rp.n ORDER BY rp.feature),
           array_agg(rp.distinct_values ORDER BY rp.feature)
      INTO names, kinds, profiles, ref_n, ref_distinct
      FROM @extschema@.reference_profiles rp WHERE rp.model = run_checks.model AND rp.role = 'feature';
    SELECT rp.kind, rp.profile, rp.n, rp.distinct_values INTO pred_kind, pred_profile, pred_n, pred_distinct
      FROM @extschema@.reference_profiles rp WHERE rp.model = run_checks.model AND rp.role = 'prediction';
    nf := coalesce(array_length(names, 1), 0);
    SELECT * INTO cal FROM @extschema@.calibrations c WHERE c.model = run_checks.model;

    -- one query reads the window once for every feature, the predictions and the metrics:
    -- the feature object is looked up once per row for all numeric and all categorical features
    fobj := r.feature_object;
    FOR i IN 1 .. nf LOOP
        SELECT * INTO t FROM @extschema@._drift_test(model, names[i], kinds[i], ref_n[i], ref_distinct[i]);
        tests := tests || t.test;
        thresholds := thresholds || t.threshold;
        agg := CASE t.test WHEN 'ks' THEN '@extschema@.ks_2samp' WHEN 'wasserstein' THEN '@extschema@.wasserstein_normed'
                           WHEN 'psi' THEN '@extschema@.psi' WHEN 'jensen_shannon' THEN '@extschema@.jensen_shannon'
                           WHEN 'chi2' THEN '@extschema@.chi2_drift' ELSE '@extschema@.z_test' END;
        s := @extschema@.summary(profiles[i]);
        IF kinds[i] = 'numeric' THEN
            num_names := num_names || names[i];
            vexpr := format('nv[%s]', cardinality(num_names));
            num_min := num_min || s.min;
            num_max := num_max || s.max;
            -- (counts come from _feature_counts, for all numeric features at once)
            outer_items := outer_items || format(
                'jsonb_build_object(''test'', to_jsonb(%1$s(%2$s, ($4)[%3$s])), ''effect'', %4$s)',
                agg, vexpr, i,
                CASE WHEN t.test = 'wasserstein' THEN 'NULL::float8'
                     ELSE format('@extschema@.wasserstein_normed(%s, ($4)[%s])', vexpr, i) END);
        ELSE
            cat_names := cat_names || names[i];
            vexpr := format('cv[%s]', cardinality(cat_names));
            SELECT rp.categories INTO cats FROM @extschema@.reference_profiles rp
             WHERE rp.model = run_checks.model AND rp.role = 'feature' AND rp.feature = names[i];
            inner_items := inner_items || format('jsonb_typeof(%s -> %L) AS t%s', fobj, names[i], i);
            outer_items := outer_items || format(
                'jsonb_build_object(''test'', to_jsonb(%1$s(%2$s, ($4)[%3$s])), ''effect'', %4$s, '
                '''n'', count(%2$s), ''missing'', count(*) FILTER (WHERE t%3$s IS NULL OR t%3$s = ''null''), '
                '''invalid'', count(*) FILTER (WHERE t%3$s IN (''object'', ''array'')), '
                '''outside'', %5$s)',
                agg, vexpr, i,
                CASE WHEN t.test = 'jensen_shannon' THEN 'NULL::float8'
                     ELSE format('@extschema@.jensen_shannon(%s, ($4)[%s])', vexpr, i) END,
                CASE WHEN cats IS NULL THEN 'NULL::bigint'
                     ELSE format('count(*) FILTER (WHERE %s <> ALL (%L::text[]))', vexpr, cats) END);
        END IF;
    END LOOP;
    IF pred_profile IS NOT NULL THEN
        SELECT * INTO t FROM @extschema@._drift_test(model, '', pred_kind, pred_n, pred_distinct);
        pt := t.test;
        pth := t.threshold;
        agg := CASE pt WHEN 'ks' THEN '@extschema@.ks_2samp' WHEN 'wasserstein' THEN '@extschema@.wasserstein_normed'
                       WHEN 'psi' THEN '@extschema@.psi' WHEN 'jensen_shannon' THEN '@extschema@.jensen_shannon'
                       WHEN 'chi2' THEN '@extschema@.chi2_drift' ELSE '@extschema@.z_test' END;
    END IF;
    q := 'SELECT count(*), count(lbl), count(*) FILTER (WHERE ftype IS DISTINCT FROM ''object''), '
         || CASE WHEN r.all_features IS NULL THEN '0::bigint' ELSE 'count(*) FILTER (WHERE extra)' END || ', '
         || CASE WHEN task = 'classification'
                 THEN 'to_jsonb(@extschema@.classification_metrics(lbl, plabel, score))'
                 ELSE 'to_jsonb(@extschema@.regression_metrics(act, pvalue))' END || ', '
         || 'CASE WHEN count(lat) > 0 THEN jsonb_build_object('
         || '''p50'', @extschema@.quantile(@extschema@.profile(lat), 0.5), '
         || '''p90'', @extschema@.quantile(@extschema@.profile(lat), 0.9), '
         || '''p95'', @extschema@.quantile(@extschema@.profile(lat), 0.95), '
         || '''p99'', @extschema@.quantile(@extschema@.profile(lat), 0.99), ''mean'', avg(lat)) END, '
         || CASE WHEN pred_profile IS NULL THEN 'NULL::jsonb'
                 ELSE format('jsonb_build_object(''test'', to_jsonb(%s(%s, $5)), ''n'', count(%2$s))', agg,
                             CASE WHEN task = 'classification' THEN 'plabel' ELSE 'pvalue' END) END || ', '
         || 'ARRAY[' || array_to_string(outer_items, ', ') || ']::jsonb[], '
         || '@extschema@._feature_counts(nv, $8, $9), '
         || 'avg(@extschema@._anomalous($1, nv, cv, 0.01)::int), '
         || 'jsonb_build_object(''tp'', sum(cq) FILTER (WHERE plabel = $12), ''fp'', sum(1 - cq) FILTER (WHERE plabel = $12), '
         || '''fn'', sum(cq) FILTER (WHERE plabel = $13), ''tn'', sum(1 - cq) FILTER (WHERE plabel = $13), '
         || '''n'', count(cq) FILTER (WHERE plabel IN ($12, $13))), '
         -- the error stream of the labelled rows in time order (concept drift): a
         -- (time, error) pair per row, sorted only if the rows came out of order
         || CASE WHEN task = 'classification'
                 THEN 'to_jsonb(@extschema@._adwin_by_time(t, CASE WHEN lbl IS NOT NULL THEN (lbl IS DISTINCT FROM plabel)::int::float8 END)), '
                 ELSE 'to_jsonb(@extschema@._page_hinkley_by_time(t, abs(act - pvalue) / $14)), ' END
         || CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel) ' ELSE '@extschema@.profile(pvalue) ' END
         || format('FROM (SELECT %s AS lbl, %s AS act, %s AS plabel, %s AS pvalue, '
                   'CASE WHEN %s >= 0 AND %5$s <= 1 THEN %5$s END AS score, %s AS lat, %s AS ftype, %s AS extra, @extschema@._fence() AS fence%s %s) q',
                   CASE WHEN task = 'classification' THEN r.label ELSE 'NULL::text' END, r.actual,
                   r.predicted_label, r.predicted_value, r.score, r.latency,
                   coalesce('jsonb_typeof(' || r.all_features || ')', '''object''::text'),
                   CASE WHEN r.all_features IS NULL THEN 'false'
                        ELSE format('@extschema@._jsonb_has_other_keys(%s, $10)', r.all_features) END,
                   format(', @extschema@._jsonb_numbers(%1$s, $6) AS nv, @extschema@._jsonb_categories(%1$s, $7) AS cv', fobj)
                   || format(', @extschema@.calibrate($11, CASE WHEN %1$s >= 0 AND %1$s <= 1 THEN %1$s END) AS cq', r.score)
                   || format(', %s AS t', r.ts)
                   || CASE WHEN cardinality(inner_items) > 0 THEN ', ' || array_to_string(inner_items, ', ') ELSE '' END,
                   r.from_clause);
    EXECUTE q INTO n, n_labeled, malformed, unexpected, perf, lat, pred, feats, counts, anom, cm, stream, pred_now
        USING model, window_start, window_end, profiles, pred_profile, num_names, cat_names, num_min, num_max,
              coalesce(names, '{}'), cal.calibration, cal.positive_label, cal.negative_label,
              (rw.performance->>'mae')::float8;
    -- the numeric features' counts join their results
    nk := 0;
    FOR i IN 1 .. nf LOOP
        IF kinds[i] = 'numeric' THEN
            feats[i] := feats[i] || jsonb_build_object('n', coalesce(counts[4 * nk + 1], 0),
                'missing', coalesce(counts[4 * nk + 2], n), 'invalid', coalesce(counts[4 * nk + 3], 0),
                'outside', coalesce(counts[4 * nk + 4], 0));
            nk := nk + 1;
        END IF;
    END LOOP;
    IF task = 'regression' THEN
        n_labeled := coalesce((perf ->> 'n')::bigint, 0);
    END IF;
    secs := extract(epoch FROM window_end - window_start);

    -- volume and latency
    res_check := res_check || ARRAY['volume', 'volume', 'volume'];
    res_metric := res_metric || ARRAY['rows', 'labeled_rows', 'throughput_per_second'];
    res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
    res_value := res_value || ARRAY[n, n_labeled, n / secs]::float8[];
    res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    IF lat IS NOT NULL THEN
        res_check := res_check || ARRAY['latency', 'latency', 'latency', 'latency', 'latency'];
        res_metric := res_metric || ARRAY['p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'mean_ms'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[(lat->>'p50')::float8, (lat->>'p90')::float8, (lat->>'p95')::float8,
                                        (lat->>'p99')::float8, (lat->>'mean')::float8];
        res_method := res_method || ARRAY[NULL, NULL, NULL, NULL, NULL]::text[];
    END IF;

    -- performance against the reference
    ref_perf := rw.performance;
    IF perf IS NOT NULL AND task = 'classification' THEN
        SELECT res_check || array_agg('performance'::text ORDER BY o), res_metric || array_agg(k ORDER BY o),
               res_feature || array_agg(NULL::text ORDER BY o), res_value || array_agg(v ORDER BY o),
               res_method || array_agg(NULL::text ORDER BY o)
          INTO res_check, res_metric, res_feature, res_value, res_method
          FROM (VALUES (1, 'accuracy', (perf->>'accuracy')::float8),
                       (2, 'precision', (perf->>'precision_weighted')::float8),
                       (3, 'recall', (perf->>'recall_weighted')::float8),
                       (4, 'f1', (perf->>'f1_weighted')::float8),
                       (5, 'precision_macro', (perf->>'precision_macro')::float8),
                       (6, 'recall_macro', (perf->>'recall_macro')::float8),
                       (7, 'f1_macro', (perf->>'f1_macro')::float8),
                       (8, 'roc_auc', (perf->>'roc_auc')::float8),
                       (9, 'log_loss', (perf->>'log_loss')::float8),
                       (10, 'brier', (perf->>'brier')::float8),
                       (11, 'reference_accuracy', (ref_perf->>'accuracy')::float8),
                       (12, 'accuracy_drop', (ref_perf->>'accuracy')::float8 - (perf->>'accuracy')::float8)) x(o, k, v)
         WHERE v IS NOT NULL;
    ELSIF perf IS NOT NULL THEN
        SELECT res_check || array_agg('performance'::text ORDER BY o), res_metric || array_agg(k ORDER BY o),
               res_feature || array_agg(NULL::text ORDER BY o), res_value || array_agg(v ORDER BY o),
               res_method || array_agg(NULL::text ORDER BY o)
          INTO res_check, res_metric, res_feature, res_value, res_method
          FROM (VALUES (1, 'mae', (perf->>'mae')::float8), (2, 'mse', (perf->>'mse')::float8),
                       (3, 'rmse', (perf->>'rmse')::float8), (4, 'r2', (perf->>'r2')::float8),
                       (5, 'mape', (perf->>'mape')::float8),
                       (6, 'reference_r2', (ref_perf->>'r2')::float8),
                       (7, 'r2_drop', (ref_perf->>'r2')::float8 - (perf->>'r2')::float8)) x(o, k, v)
         WHERE v IS NOT NULL;
    END IF;

    -- data drift per feature
    FOR i IN 1 .. nf LOOP
        fj := feats[i];
        IF jsonb_typeof(fj->'test') = 'object' THEN
            stat := stat || (fj->'test'->>'statistic')::float8;
            pval := pval || (fj->'test'->>'pvalue')::float8;
        ELSE
            stat := stat || (fj->>'test')::float8;
            pval := pval || NULL::float8;
        END IF;
    END LOOP;
    padj := @extschema@._adjust_pvalues(pval, m.drift_correction);
    FOR i IN 1 .. nf LOOP
        fj := feats[i];
        DECLARE
            is_p boolean := tests[i] IN ('ks', 'chi2', 'z_test');
            d float8 := CASE WHEN is_p THEN (padj[i] <= thresholds[i])::int
                             ELSE (stat[i] >= thresholds[i])::int END;
            nn float8 := (fj->>'n')::float8;
            miss float8 := (fj->>'missing')::float8 / greatest(n, 1);
            inval float8 := (fj->>'invalid')::float8 / greatest(n, 1);
            outside float8 := (fj->>'outside')::float8 / greatest(nn, 1);
        BEGIN
            drifted := drifted + coalesce(d, 0)::int;
            quality := greatest(quality, miss, inval);
            res_check := res_check || ARRAY['data_drift', 'data_drift', 'data_drift', 'data_drift', 'data_drift',
                                            'data_drift', 'data_drift',
                                            'data_quality', 'data_quality', 'data_quality'];
            res_metric := res_metric || ARRAY['statistic', 'p_value', 'p_value_adjusted', 'effect_size', 'threshold',
                                              'drift_detected', 'n',
                                              'missing_rate', 'invalid_rate',
                                              CASE WHEN kinds[i] = 'numeric' THEN 'out_of_range_rate' ELSE 'unseen_category_rate' END];
            res_feature := res_feature || array_fill(names[i], ARRAY[10]);
            res_value := res_value || ARRAY[stat[i], pval[i], padj[i], coalesce((fj->>'effect')::float8, stat[i]),
                                            thresholds[i], d, nn,
                                            miss, inval, CASE WHEN nn > 0 THEN outside END];
            res_method := res_method || array_fill(tests[i], ARRAY[7]) || ARRAY[NULL, NULL, NULL]::text[];
        END;
    END LOOP;
    IF nf > 0 THEN
        res_check := res_check || ARRAY['data_drift', 'data_drift', 'data_drift'];
        res_metric := res_metric || ARRAY['drifted_features', 'drift_share', 'dataset_drift'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[drifted, drifted::float8 / nf, (drifted::float8 / nf >= 0.5)::int]::float8[];
        res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    END IF;

    -- output drift
    IF pred IS NOT NULL AND (pred->>'n')::bigint > 0 THEN
        IF jsonb_typeof(pred->'test') = 'object' THEN
            pstat := (pred->'test'->>'statistic')::float8;
            pp := (pred->'test'->>'pvalue')::float8;
        ELSE
            pstat := (pred->>'test')::float8;
        END IF;
        res_check := res_check || ARRAY['output_drift', 'output_drift', 'output_drift', 'output_drift'];
        res_metric := res_metric || ARRAY['statistic', 'p_value', 'threshold', 'drift_detected'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[pstat, pp, pth,
            CASE WHEN pt IN ('ks', 'chi2', 'z_test') THEN (pp <= pth)::int ELSE (pstat >= pth)::int END]::float8[];
        res_method := res_method || ARRAY[pt, pt, pt, pt];
    END IF;

    -- the prediction distribution of the window (for dashboards): each
    -- class's share, or the predicted values' quartiles
    IF pred_now IS NOT NULL AND task = 'classification' THEN
        FOR shares IN SELECT tv.value, tv.frequency FROM @extschema@.top_values(pred_now, 100) tv LOOP
            res_check := res_check || 'output_drift'::text;
            res_metric := res_metric || 'prediction_share'::text;
            res_feature := res_feature || shares.value;
            res_value := res_value || shares.frequency;
            res_method := res_method || NULL::text;
        END LOOP;
    ELSIF pred_now IS NOT NULL AND @extschema@.count(pred_now) > 0 THEN
        res_check := res_check || ARRAY['output_drift', 'output_drift', 'output_drift'];
        res_metric := res_metric || ARRAY['prediction_p25', 'prediction_p50', 'prediction_p75'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[@extschema@.quantile(pred_now, 0.25), @extschema@.quantile(pred_now, 0.5),
                                        @extschema@.quantile(pred_now, 0.75)];
        res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    END IF;

    -- data quality of the rows as a whole
    quality := greatest(quality, malformed::float8 / greatest(n, 1), unexpected::float8 / greatest(n, 1));
    res_check := res_check || ARRAY['data_quality', 'data_quality', 'data_quality'];
    res_metric := res_metric || ARRAY['malformed_rate', 'unexpected_features_rate', 'quality_issue_rate'];
    res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
    res_value := res_value || ARRAY[CASE WHEN n > 0 THEN malformed::float8 / n END,
                                    CASE WHEN n > 0 THEN unexpected::float8 / n END,
                                    CASE WHEN n > 0 THEN quality END];
    res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    IF unexpected > 0 THEN
        -- which unexpected features, and in how many rows
        EXECUTE format('SELECT array_agg(k ORDER BY k), array_agg(c ORDER BY k) FROM (
                          SELECT k, count(*)::float8 AS c FROM (SELECT jsonb_object_keys(%1$s) AS k %2$s
                             AND jsonb_typeof(%1$s) = ''object'') q0 WHERE k <> ALL ($4) GROUP BY k ORDER BY k LIMIT 100) q',
                       r.all_features, r.from_clause)
           INTO cats, stat USING model, window_start, window_end, coalesce(names, '{}');
        res_check := res_check || array_fill('data_quality'::text, ARRAY[array_length(cats, 1)]);
        res_metric := res_metric || array_fill('unexpected_feature_rows'::text, ARRAY[array_length(cats, 1)]);
        res_feature := res_feature || cats;
        res_value := res_value || stat;
        res_method := res_method || array_fill(NULL::text, ARRAY[array_length(cats, 1)]);
    END IF;

    -- anomalous rows, concept drift (labelled rows), estimated performance (calibrated scores)
    IF anom IS NOT NULL THEN
        res_check := res_check || 'anomalies'::text;
        res_metric := res_metric || 'anomaly_rate'::text;
        res_feature := res_feature || NULL::text;
        res_value := res_value || anom;
        res_method := res_method || NULL::text;
    END IF;
    SELECT res_check || coalesce(array_agg(x."check"), '{}'), res_metric || coalesce(array_agg(x.metric), '{}'),
           res_feature || coalesce(array_agg(x.feature), '{}'), res_value || coalesce(array_agg(x.value), '{}'),
           res_method || coalesce(array_agg(x.method), '{}')
      INTO res_check, res_metric, res_feature, res_value, res_method
      FROM (SELECT * FROM @extschema@._concept_results(model, r, task, window_start, window_end, ref_perf,
                                                       rw.n_labeled, CASE WHEN n_labeled > 0 THEN perf END, stream)
            UNION ALL
            SELECT * FROM @extschema@._cbpe_results(cm, CASE WHEN n_labeled > 0 THEN perf END, ref_perf,
                                                    cal.positive_label)) x
     WHERE x.value IS NOT NULL;

    -- one statement writes every result: the alert trigger sees the whole check
    INSERT INTO @extschema@.checks (model, window_start, window_end, n_rows, n_labeled, finished_at)
    VALUES (model, window_start, window_end, n, n_labeled, clock_timestamp())
    RETURNING check_id INTO cid;
    INSERT INTO @extschema@.check_results (check_id, time, model, "check", metric, feature, value, method)
    SELECT cid, window_end, model, c, mt, f, v, me
      FROM unnest(res_check, res_metric, res_feature, res_value, res_method) u(c, mt, f, v, me);
    RETURN cid;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@._apply_alert_rules() RETURNS trigger
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    rule record;
    v float8;
    v2 float8;
    drifted text[];
    data_drift_fired boolean;
BEGIN
    FOR c IN SELECT DISTINCT nr.check_id, nr.model FROM new_results nr ORDER BY nr.check_id LOOP
        -- one rule evaluation at a time per model: no duplicate or lost alerts
        PERFORM pg_advisory_xact_lock(hashtext('mlmon.alerts'), hashtext(c.model));
        -- each check once (rows restored from a dump, or added later, raise nothing again)
        UPDATE @extschema@.checks ck SET alerts_applied = true
         WHERE ck.check_id = c.check_id AND NOT ck.alerts_applied;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        -- a window without rows says nothing: open alerts stay as they are
        IF coalesce((SELECT nr.value FROM new_results nr WHERE nr.check_id = c.check_id
                        AND nr."check" = 'volume' AND nr.metric = 'rows'), 0) = 0 THEN
            CONTINUE;
        END IF;
        SELECT array_agg(nr.feature ORDER BY nr.feature) INTO drifted FROM new_results nr
         WHERE nr.check_id = c.check_id AND nr."check" = 'data_drift' AND nr.metric = 'drift_detected' AND nr.value = 1;
        drifted := coalesce(drifted, '{}');
        data_drift_fired := false;
        FOR rule IN SELECT * FROM @extschema@.effective_alert_rules(c.model) ORDER BY
                CASE alert_type WHEN 'data_drift' THEN 0 ELSE 1 END LOOP
            IF NOT rule.enabled THEN
                CONTINUE;
            END IF;
            IF rule.alert_type = 'performance_degradation' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'performance'
                   AND nr.metric IN ('accuracy_drop', 'r2_drop');
                IF v IS NULL THEN
                    CONTINUE;      -- no labels in this window: the condition is unknown
                ELSIF v > rule.threshold THEN
                    SELECT nr.value INTO v2 FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'performance'
                       AND nr.metric IN ('accuracy', 'r2');
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        jsonb_build_object('current', v2, 'reference', v2 + v, 'degradation', v, 'threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'data_drift' THEN
                IF cardinality(drifted) >= rule.threshold THEN
                    data_drift_fired := true;
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, drifted,
                        jsonb_build_object('n_drifted', cardinality(drifted), 'threshold', rule.threshold,
                            'drifted_features', (SELECT jsonb_agg(jsonb_build_object('feature', d.feature, 'method', d.method,
                                                     'statistic', d.value, 'p_value', p.value) ORDER BY d.feature)
                                                   FROM new_results d LEFT JOIN new_results p
                                                     ON p.check_id = d.check_id AND p.feature = d.feature
                                                    AND p."check" = 'data_drift' AND p.metric = 'p_value'
                                                  WHERE d.check_id = c.check_id AND d."check" = 'data_drift'
                                                    AND d.metric = 'statistic' AND d.feature = ANY (drifted))),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'feature_drift' THEN
                -- single features, while the data_drift rule has not fired
                IF data_drift_fired THEN
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                ELSE
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, d.feature, ARRAY[d.feature],
                                jsonb_build_object('method', d.method, 'statistic', d.value,
                                                   'p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'p_value')),
                                c.check_id, rule.cooldown)
                       FROM new_results d
                      WHERE d.check_id = c.check_id AND d."check" = 'data_drift' AND d.metric = 'statistic'
                        AND d.feature = ANY (drifted);
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, drifted);
                END IF;
            ELSIF rule.alert_type = 'output_drift' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = 'output_drift' AND nr.metric = 'drift_detected';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v >= rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) || jsonb_build_object('method', min(nr.method))
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'output_drift'),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'data_quality' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = 'data_quality' AND nr.metric = 'quality_issue_rate';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v > rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(coalesce(nr.feature || '.', '') || nr.metric, nr.value)
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'data_quality'
                            AND nr.value > 0 AND nr.metric <> 'out_of_range_rate' AND nr.metric <> 'unseen_category_rate')
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type IN ('concept_drift', 'anomalies', 'estimated_performance') THEN
                -- one number against the threshold; its check's other results are the details
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = rule.alert_type
                   AND nr.metric = CASE rule.alert_type WHEN 'concept_drift' THEN 'drift_detected'
                                                        WHEN 'anomalies' THEN 'anomaly_rate'
                                                        ELSE 'estimated_accuracy_drop' END;
                IF v IS NULL THEN
                    CONTINUE;      -- no labels, scores or features to judge by in this window
                ELSIF (rule.alert_type = 'concept_drift' AND v >= rule.threshold)
                      OR (rule.alert_type <> 'concept_drift' AND v > rule.threshold) THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) FROM new_results nr
                          WHERE nr.check_id = c.check_id AND nr."check" = rule.alert_type)
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;

CREATE OR REPLACE VIEW @extschema@.recommendations AS
WITH open AS (
    SELECT a.model, a.type, a.severity, a.feature, a.features, a.details
      FROM @extschema@.alerts a WHERE a.status = 'open'
), rec AS (
    SELECT o.model, 'retrain'::text AS action,
           format('accuracy %s below the reference (%s -> %s)',
                  round(((o.details->>'degradation')::numeric) * 100, 1) || ' points',
                  round((o.details->>'reference')::numeric, 4), round((o.details->>'current')::numeric, 4)) AS reason,
           NULL::text[] AS features
      FROM open o WHERE o.type = 'performance_degradation'
    UNION ALL
    SELECT o.model, CASE WHEN (o.details->>'n_drifted')::int * 2 >=
                              (SELECT count(*) FROM @extschema@.reference_profiles rp
                                WHERE rp.model = o.model AND rp.role = 'feature')
                         THEN 'retrain' ELSE 'investigate' END,
           format('drift in %s features', o.details->>'n_drifted'), o.features
      FROM open o WHERE o.type = 'data_drift'
    UNION ALL
    SELECT o.model, 'investigate', 'the prediction distribution drifted', NULL FROM open o WHERE o.type = 'output_drift'
    UNION ALL
    SELECT o.model, 'investigate', 'data quality: ' || (o.details - 'threshold')::text, NULL
      FROM open o WHERE o.type = 'data_quality'
    UNION ALL
    SELECT o.model, 'watch', 'drift in feature ' || o.feature, ARRAY[o.feature] FROM open o WHERE o.type = 'feature_drift'
    UNION ALL
    SELECT o.model, 'retrain',
           CASE WHEN o.details ? 'error_rate'
                THEN format('concept drift: error rate %s against %s in the reference',
                            round((o.details->>'error_rate')::numeric, 4), round((o.details->>'reference_error_rate')::numeric, 4))
                ELSE format('concept drift: mean absolute error %s against %s in the reference',
                            round((o.details->>'mae')::numeric, 4), round((o.details->>'reference_mae')::numeric, 4)) END,
           NULL
      FROM open o WHERE o.type = 'concept_drift'
    UNION ALL
    SELECT o.model, 'investigate',
           format('%s%% of the rows look like nothing in the reference (see mlmon.anomalies)',
                  round((o.details->>'anomaly_rate')::numeric * 100, 1)), NULL
      FROM open o WHERE o.type = 'anomalies'
    UNION ALL
    SELECT o.model, 'investigate',
           format('estimated accuracy %s, %s points below the reference, before labels arrive (CBPE)',
                  round((o.details->>'estimated_accuracy')::numeric, 4),
                  round((o.details->>'estimated_accuracy_drop')::numeric * 100, 1)), NULL
      FROM open o WHERE o.type = 'estimated_performance'
)
SELECT rec.model, rec.action, p.priority, rec.reason, rec.features, p.steps AS playbook
  FROM rec JOIN @extschema@.playbook p ON p.action = rec.action;

CREATE OR REPLACE VIEW @extschema@.metrics AS
WITH last AS (
    SELECT DISTINCT ON (c.model) c.model, c.check_id, c.window_start, c.window_end, c.finished_at
      FROM @extschema@.checks c
     ORDER BY c.model, c.window_end DESC, c.check_id DESC
), perf AS (
    -- the latest value of each performance metric (windows without labels have none)
    SELECT DISTINCT ON (r.model, r.metric) r.model, r.metric, r.value
      FROM @extschema@.check_results r
     WHERE r."check" = 'performance' AND r.metric IN ('accuracy', 'f1', 'precision', 'recall', 'roc_auc', 'mae', 'rmse', 'r2')
     ORDER BY r.model, r.metric, r.time DESC, r.check_id DESC
)
SELECT 'mlmon_' || p.metric AS name, 'gauge' AS type, 'Latest ' || p.metric || ' of the model' AS help,
       jsonb_build_object('model', p.model) AS labels, p.value, NULL::float8 AS le
  FROM perf p
UNION ALL
SELECT 'mlmon_predictions_total', 'counter', 'Predictions in the log', jsonb_build_object('model', m.name),
       (SELECT count(*) FROM @extschema@.predictions pr WHERE pr.model = m.name)::float8, NULL
  FROM @extschema@.models m
UNION ALL
SELECT 'mlmon_feature_drift_statistic', 'gauge', 'Drift statistic of the feature in the latest check',
       jsonb_build_object('model', f.model, 'feature', f.feature, 'method', f.method), f.statistic, NULL
  FROM @extschema@.feature_drift f
UNION ALL
SELECT 'mlmon_feature_drift_detected', 'gauge', '1 when the feature drifted in the latest check',
       jsonb_build_object('model', f.model, 'feature', f.feature), f.drift_detected::int::float8, NULL
  FROM @extschema@.feature_drift f
UNION ALL
SELECT 'mlmon_output_drift_detected', 'gauge', '1 when the predictions drifted in the latest check',
       jsonb_build_object('model', l.model), r.value, NULL
  FROM last l JOIN @extschema@.check_results r
    ON r.check_id = l.check_id AND r."check" = 'output_drift' AND r.metric = 'drift_detected'
UNION ALL
SELECT 'mlmon_' || CASE r."check" WHEN 'concept_drift' THEN 'concept_drift_detected' ELSE r.metric END, 'gauge',
       CASE r."check" WHEN 'concept_drift' THEN '1 when concept drift was detected in the latest check'
                      WHEN 'anomalies' THEN 'Share of anomalous rows (p-value < 0.01) in the latest check'
                      ELSE 'Accuracy estimated from calibrated scores (CBPE) in the latest check' END,
       jsonb_build_object('model', l.model), r.value, NULL
  FROM last l JOIN @extschema@.check_results r
    ON r.check_id = l.check_id
   AND ((r."check" = 'concept_drift' AND r.metric = 'drift_detected')
        OR (r."check" = 'anomalies' AND r.metric = 'anomaly_rate')
        OR (r."check" = 'estimated_performance' AND r.metric = 'estimated_accuracy'))
UNION ALL
SELECT 'mlmon_open_alerts', 'gauge', 'Open alerts by severity', jsonb_build_object('model', m.name, 'severity', s.severity),
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open' AND a.severity = s.severity)::float8, NULL
  FROM @extschema@.models m, unnest(ARRAY['critical', 'high', 'medium', 'low']) s(severity)
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

-- References frozen from the log get their calibration now; those set from
-- a query need set_reference again (the CHANGELOG says so).
DO $$
DECLARE
    w record;
BEGIN
    FOR w IN SELECT rw.model, rw.window_start, rw.window_end FROM @extschema@.reference_windows rw
              WHERE rw.window_start IS NOT NULL ORDER BY rw.model LOOP
        PERFORM @extschema@._set_calibration(w.model, @extschema@._source(w.model), w.window_start, w.window_end);
    END LOOP;
END
$$;
