--------------------------------------------------------------------------
-- Check summaries (part of the install script, after sql/calibration.sql):
-- the mergeable state of a model's rows in a time bucket, the aggregates
-- that build it and the functions that read it.  The checks
-- (sql/monitoring.sql) store one per closed bucket and merge them.
--------------------------------------------------------------------------

CREATE TYPE @extschema@.check_summary;
CREATE FUNCTION @extschema@.check_summary_in(cstring) RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summary_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.check_summary_out(@extschema@.check_summary) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_summary_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.check_summary_recv(internal) RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summary_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.check_summary_send(@extschema@.check_summary) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_summary_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.check_summary (
    INPUT = @extschema@.check_summary_in,
    OUTPUT = @extschema@.check_summary_out,
    RECEIVE = @extschema@.check_summary_recv,
    SEND = @extschema@.check_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = int4,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.check_summary IS
    'The mergeable summary of a model''s rows (features, predictions, scores, latency, labels) in a time span: what a check reads instead of the rows; text form: base64 of the binary form';
COMMENT ON FUNCTION @extschema@.check_summary_in(cstring) IS 'Input function of mlmon.check_summary (base64 of the binary form, checked)';
COMMENT ON FUNCTION @extschema@.check_summary_out(@extschema@.check_summary) IS 'Output function of mlmon.check_summary';
COMMENT ON FUNCTION @extschema@.check_summary_recv(internal) IS 'Binary input function of mlmon.check_summary (checked)';
COMMENT ON FUNCTION @extschema@.check_summary_send(@extschema@.check_summary) IS 'Binary output function of mlmon.check_summary';

-- Merging ---------------------------------------------------------------------

CREATE FUNCTION @extschema@._summary_combine(@extschema@.check_summary, @extschema@.check_summary)
    RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summary_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_combine(@extschema@.check_summary, @extschema@.check_summary) IS
    'Combine function of the summary aggregates and transition of mlmon.merge(mlmon.check_summary) (internal)';
CREATE FUNCTION @extschema@._summary_final(@extschema@.check_summary) RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summary_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_final(@extschema@.check_summary) IS
    'Final function of the summary aggregates: the flat form, its error stream put in time order (internal)';

CREATE AGGREGATE @extschema@.merge(@extschema@.check_summary) (
    SFUNC = @extschema@._summary_combine, STYPE = @extschema@.check_summary,
    FINALFUNC = @extschema@._summary_final,
    COMBINEFUNC = @extschema@._summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.merge(@extschema@.check_summary) IS
    'The summary of all the inputs'' rows (summaries of the same check; time spans disjoint)';

CREATE FUNCTION @extschema@.merge(a @extschema@.check_summary, b @extschema@.check_summary)
    RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summary_merge2' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merge(@extschema@.check_summary, @extschema@.check_summary) IS
    'The summary of both inputs'' rows; NULL stands for no rows';

CREATE FUNCTION @extschema@.check_summary_json(s @extschema@.check_summary) RETURNS jsonb
    AS 'MODULE_PATHNAME', 'mlm_summary_json' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.check_summary_json(@extschema@.check_summary) IS
    'A readable rendering of a summary: every section by id and kind (profiles in their JSON form)';

-- Building ------------------------------------------------------------------

-- What a summary is built for: the check's plan (sql/monitoring.sql,
-- _check_plan).  The C code reads its attributes by position.
CREATE TYPE @extschema@._summary_plan AS (
    task text,                          -- classification | regression
    features text[],                    -- the reference's features, in byte order
    kinds text[],                       -- numeric | categorical
    refs @extschema@.profile[],         -- their reference profiles
    parts int[],                        -- what to keep beside a numeric profile: 1 the KS grid, 2 the quantile bins
    prediction_ref @extschema@.profile, -- the predictions' reference profile (NULL: none)
    prediction_parts int,
    calibration @extschema@.calibration, -- CBPE's calibration (NULL: none)
    positive_label text,
    negative_label text,
    anomaly_alpha float8,               -- rows with an anomaly p-value below it count as anomalous (NULL: none)
    unexpected boolean,                 -- count feature keys outside the reference's
    error_scale float8,                 -- regression: the error stream is |error| / error_scale
    cap int                             -- exact cap of the profiles of the window's values
);
COMMENT ON TYPE @extschema@._summary_plan IS 'What a check''s summary is built for (internal)';

CREATE FUNCTION @extschema@._summarize_rows_accum(@extschema@.check_summary, @extschema@._summary_plan,
        jsonb, text, float8, float8, float8)
    RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summarize_rows' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summarize_rows_accum(@extschema@.check_summary, @extschema@._summary_plan, jsonb, text, float8, float8, float8) IS
    'Transition function of mlmon._summarize_rows (internal)';
CREATE AGGREGATE @extschema@._summarize_rows(plan @extschema@._summary_plan, features jsonb, predicted_label text,
        predicted_value float8, score float8, latency float8) (
    SFUNC = @extschema@._summarize_rows_accum, STYPE = @extschema@.check_summary,
    FINALFUNC = @extschema@._summary_final,
    COMBINEFUNC = @extschema@._summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._summarize_rows(@extschema@._summary_plan, jsonb, text, float8, float8, float8) IS
    'The rows part of a check''s summary: data quality, profiles, grids and bins of the features and predictions, latency, anomalies, CBPE (internal)';

CREATE FUNCTION @extschema@._summarize_labels_accum(@extschema@.check_summary, @extschema@._summary_plan,
        timestamptz, text, float8, text, float8, float8)
    RETURNS @extschema@.check_summary
    AS 'MODULE_PATHNAME', 'mlm_summarize_labels' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summarize_labels_accum(@extschema@.check_summary, @extschema@._summary_plan, timestamptz, text, float8, text, float8, float8) IS
    'Transition function of mlmon._summarize_labels (internal)';
CREATE AGGREGATE @extschema@._summarize_labels(plan @extschema@._summary_plan, ts timestamptz, label text,
        actual float8, predicted_label text, predicted_value float8, score float8) (
    SFUNC = @extschema@._summarize_labels_accum, STYPE = @extschema@.check_summary,
    FINALFUNC = @extschema@._summary_final,
    COMBINEFUNC = @extschema@._summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._summarize_labels(@extschema@._summary_plan, timestamptz, text, float8, text, float8, float8) IS
    'The labels part of a check''s summary: performance, the score metrics and the error stream in time order (internal)';

-- Reading -------------------------------------------------------------------

CREATE FUNCTION @extschema@._summary_totals(s @extschema@.check_summary, OUT rows bigint, OUT malformed bigint,
        OUT unexpected bigint, OUT anomaly_judged bigint, OUT anomalous bigint, OUT scored bigint, OUT labeled bigint)
    AS 'MODULE_PATHNAME', 'mlm_summary_totals' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_totals(@extschema@.check_summary) IS
    'Rows, malformed rows, rows with unexpected features, rows judged and found anomalous, rows scored by CBPE, labelled rows of a summary (zeros for NULL: no rows) (internal)';
CREATE FUNCTION @extschema@._summary_unexpected(s @extschema@.check_summary)
    RETURNS TABLE (feature text, rows bigint)
    AS 'MODULE_PATHNAME', 'mlm_summary_unexpected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_unexpected(@extschema@.check_summary) IS
    'The feature keys outside the reference with their rows (at most the first 1,000 in byte order) (internal)';
CREATE FUNCTION @extschema@._summary_profile(s @extschema@.check_summary, col int) RETURNS @extschema@.profile
    AS 'MODULE_PATHNAME', 'mlm_summary_profile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_profile(@extschema@.check_summary, int) IS
    'The profile of a column''s values: 0 the prediction, i feature i of the plan, -1 the latency (internal)';
CREATE FUNCTION @extschema@._summary_quality(s @extschema@.check_summary, col int) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'mlm_summary_quality' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_quality(@extschema@.check_summary, int) IS
    'Feature i''s values: {numbers or categories, missing, invalid, outside the reference} (internal)';
CREATE FUNCTION @extschema@._summary_ks(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@.ks_result
    AS 'MODULE_PATHNAME', 'mlm_summary_ks' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_ks(@extschema@.check_summary, @extschema@.profile, int) IS
    'KS of a numeric column against its reference: exact from the grid when the summary kept one (internal)';
CREATE FUNCTION @extschema@._summary_binned(s @extschema@.check_summary, reference @extschema@.profile, col int,
        divergence text) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_summary_binned' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_binned(@extschema@.check_summary, @extschema@.profile, int, text) IS
    'PSI or Jensen-Shannon of a numeric column over the reference''s 10 quantile bins (internal)';
CREATE FUNCTION @extschema@._summary_cbpe(s @extschema@.check_summary, OUT tp float8, OUT fp float8, OUT fn float8,
        OUT tn float8, OUT n bigint)
    AS 'MODULE_PATHNAME', 'mlm_summary_cbpe' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_cbpe(@extschema@.check_summary) IS
    'The expected confusion matrix of the calibrated scores and the rows scored (internal)';
CREATE FUNCTION @extschema@._summary_classification(s @extschema@.check_summary)
    RETURNS @extschema@.classification_result
    AS 'MODULE_PATHNAME', 'mlm_summary_classification' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_classification(@extschema@.check_summary) IS
    'classification_metrics(label, predicted, score) of the labelled rows (internal)';
CREATE FUNCTION @extschema@._summary_regression(s @extschema@.check_summary)
    RETURNS @extschema@.regression_result
    AS 'MODULE_PATHNAME', 'mlm_summary_regression' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_regression(@extschema@.check_summary) IS
    'regression_metrics(actual, predicted) of the labelled rows (internal)';
CREATE FUNCTION @extschema@._summary_detector(s @extschema@.check_summary, detector text)
    RETURNS @extschema@.detector_result
    AS 'MODULE_PATHNAME', 'mlm_summary_detector' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_detector(@extschema@.check_summary, text) IS
    'adwin or page_hinkley, river''s defaults, over the error stream in time order (internal)';
CREATE FUNCTION @extschema@._summary_stream_locate(s @extschema@.check_summary, k bigint,
        OUT span_start timestamptz, OUT span_end timestamptz, OUT "offset" bigint)
    AS 'MODULE_PATHNAME', 'mlm_summary_stream_locate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._summary_stream_locate(@extschema@.check_summary, bigint) IS
    'The time span (first and last error of a bucket) holding the k-th value of the error stream, and k''s place in it (internal)';
