-- sql/mlmon--0.2.0--0.3.0.sql: upgrade mlmon 0.2.0 to 0.3.0.
-- What changed since 0.2.0, as the install script of 0.3.0 has it (the
-- parts in the Makefile's SQL_PARTS; test/reliability/test_upgrade.py checks
-- that an updated database equals a fresh one, with the same data and
-- privileges):
--   - check summaries: the type mlmon.check_summary, the aggregates that
--     build it and the functions that read it (sql/summaries.sql);
--   - checks read their window through summaries, stored per closed time
--     bucket of a model (mlmon.summaries, mlmon.models.bucket_width) and
--     made stale by triggers on the log, the labels and tracked sources
--     (mlmon.summary_invalidations); run_checks is split into a plan and
--     one function per measure; the internal aggregates the old run_checks
--     used (_feature_counts, _adwin_by_time, _page_hinkley_by_time,
--     _anomalous) are gone;
--   - drift tests are rows of the registry mlmon.drift_tests, which
--     mlmon.drift_settings.test now references;
--   - a label carries its prediction's time and outputs (mlmon.labels.ts,
--     predicted_label, predicted_value, score), found when it is recorded;
--     record_label has forms with the prediction's time;
--   - register_source takes track_changes (mlmon.sources.tracked).
--   - multivariate drift: pca_fit, reconstruction_error, reconstruction_drift
--     (sql/multivariate.sql);
--   - embedding drift: embedding_distance, embedding_ratio (sql/embedding.sql);
--   - multivariate and embedding drift in the checks (sql/multivariate_checks.sql,
--     sql/embedding_checks.sql): mlmon.predictions.embedding, mlmon.sources.embedding_column,
--     register_source's embedding_column, two alert types with their default rules;
--
-- What the update does to existing data:
--   - labels: ts, predicted_label, predicted_value and score are filled from
--     the prediction each label belongs to, by the lookup 0.3.0 makes when a
--     label is recorded (mlmon._match_labels: the latest prediction with the
--     label's request id, in mlmon.predictions or in a registered source's
--     table through its id_column).  Labels whose prediction is not found
--     (not logged yet, removed by retention, or of a model whose labels are
--     not kept in mlmon.labels) wait with ts NULL, as in 0.3.0; the checks
--     match them when their prediction arrives.  0.3.0 matches a label once,
--     when it is recorded: where one request id was logged more than once, a
--     label recorded before a later prediction with its id keeps the earlier
--     one there, whereas the update takes the latest.
--   - the existing daily partitions of the log get what maintain_partitions
--     now gives a new one: the (model, request_id) index (built here, one
--     read of each partition) and the TRUNCATE trigger.
--   - sources registered in 0.2.0 stay untracked (tracked = false): their
--     checks read every row of their window, as in 0.2.0, until
--     mlmon.register_source is called again for them by the owner of their
--     table (track_changes => true, the default, adds the trigger that lets
--     checks store summaries of their closed buckets).  The update does not
--     create triggers on the users' tables.
--   - every model gets bucket_width '1 hour', the default; no summary is
--     stored yet: the first checks after the update build them.
--   - roles granted EXECUTE on record_label (mlmon.grant_writer) get the
--     forms with prediction_time; grants on register_source pass to its new
--     form.

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION mlmon UPDATE TO '0.3.0'" to load this file. \quit

-- log_pvalue: the natural log of the p-value, finite where the p-value
-- underflows to 0, as the last column of the three older result types (the
-- library fills it; it also keeps building the shorter rows for the 0.2.0
-- declarations until this update has run).
ALTER TYPE @extschema@.ks_result ADD ATTRIBUTE log_pvalue float8;
ALTER TYPE @extschema@.chi2_result ADD ATTRIBUTE log_pvalue float8;
ALTER TYPE @extschema@.z_result ADD ATTRIBUTE log_pvalue float8;

--------------------------------------------------------------------------
-- Check summaries (sql/summaries.sql, new in 0.3.0)
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

--------------------------------------------------------------------------
-- Removed: the aggregates the checks of 0.2.0 read their window with
--------------------------------------------------------------------------

DROP AGGREGATE @extschema@._feature_counts(float8[], float8[], float8[]);
DROP FUNCTION @extschema@._feature_counts_accum(internal, float8[], float8[], float8[]);
DROP FUNCTION @extschema@._feature_counts_combine(internal, internal);
DROP FUNCTION @extschema@._feature_counts_serialize(internal);
DROP FUNCTION @extschema@._feature_counts_deserialize(bytea, internal);
DROP FUNCTION @extschema@._feature_counts_final(internal);
DROP AGGREGATE @extschema@._adwin_by_time(timestamptz, float8);
DROP AGGREGATE @extschema@._page_hinkley_by_time(timestamptz, float8);
DROP FUNCTION @extschema@._adwin_by_time_final(internal);
DROP FUNCTION @extschema@._page_hinkley_by_time_final(internal);
DROP FUNCTION @extschema@._time_stream_accum(internal, timestamptz, float8);
DROP FUNCTION @extschema@._time_stream_combine(internal, internal);
DROP FUNCTION @extschema@._time_stream_serialize(internal);
DROP FUNCTION @extschema@._time_stream_deserialize(bytea, internal);
DROP FUNCTION @extschema@._anomalous(text, float8[], text[], float8);

--------------------------------------------------------------------------
-- Tables: new columns
--------------------------------------------------------------------------

-- models: the width of the time buckets the checks summarise.  A fresh
-- install declares it before registered_at and updated_at, so these two move
-- after it (added again, filled, the old columns dropped): the table then has
-- a fresh install's columns in a fresh install's order.  Column privileges
-- granted on them move along.
ALTER TABLE @extschema@.models
    ADD COLUMN bucket_width  interval NOT NULL DEFAULT '1 hour'
                  CHECK (bucket_width >= '1 minute' AND bucket_width <= '31 days'
                         AND date_part('month', bucket_width) = 0 AND date_part('year', bucket_width) = 0),
    ADD COLUMN registered_at_new timestamptz,
    ADD COLUMN updated_at_new timestamptz;
UPDATE @extschema@.models SET registered_at_new = registered_at, updated_at_new = updated_at;
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT a.attname, x.privilege_type, x.is_grantable,
                    CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
               FROM pg_catalog.pg_attribute a
              CROSS JOIN LATERAL pg_catalog.aclexplode(a.attacl) x
               LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
              WHERE a.attrelid = '@extschema@.models'::regclass AND a.attname IN ('registered_at', 'updated_at')
    LOOP
        EXECUTE format('GRANT %s (%I) ON @extschema@.models TO %s%s', g.privilege_type, g.attname || '_new',
                       g.grantee, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    -- (grants are the users': not initial privileges of the extension, which pg_dump would leave out)
    DELETE FROM pg_catalog.pg_init_privs i
     WHERE i.classoid = 'pg_catalog.pg_class'::regclass AND i.objoid = '@extschema@.models'::regclass
       AND i.objsubid IN (SELECT a.attnum FROM pg_catalog.pg_attribute a
                           WHERE a.attrelid = '@extschema@.models'::regclass
                             AND a.attname IN ('registered_at_new', 'updated_at_new'));
END
$$;
ALTER TABLE @extschema@.models DROP COLUMN registered_at, DROP COLUMN updated_at;
ALTER TABLE @extschema@.models RENAME COLUMN registered_at_new TO registered_at;
ALTER TABLE @extschema@.models RENAME COLUMN updated_at_new TO updated_at;
ALTER TABLE @extschema@.models
    ALTER COLUMN registered_at SET DEFAULT now(), ALTER COLUMN registered_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now(), ALTER COLUMN updated_at SET NOT NULL;

-- labels: the prediction's time and outputs (filled below, under "Data")
ALTER TABLE @extschema@.labels
    ADD COLUMN ts           timestamptz,     -- the prediction's time; NULL while no prediction of this request id is known
    ADD COLUMN predicted_label text,         -- the prediction's, copied
    ADD COLUMN predicted_value float8,
    ADD COLUMN score        float8;

COMMENT ON TABLE @extschema@.labels IS
    'Ground truth arriving after the prediction, matched to the log by (model, request_id): the prediction''s time, label, value and score are copied beside it (ts NULL while unmatched)';

-- sources: whether a trigger reports changes (the sources of 0.2.0 have none),
-- and an embedding column (none in 0.2.0)
ALTER TABLE @extschema@.sources
    ADD COLUMN tracked          boolean NOT NULL DEFAULT false,  -- a trigger reports changes to closed buckets: summaries are stored
    ADD COLUMN embedding_column name;        -- an embedding per row (real[], float8[] or pgvector's vector)

-- predictions: an embedding of the input, if logged (every partition gets
-- the column; no row is rewritten)
ALTER TABLE @extschema@.predictions
    ADD COLUMN embedding       real[];       -- an embedding of the input, if logged (pgvector's vector: embedding::real[])

--------------------------------------------------------------------------
-- How a model's rows and labels are read: mlmon._source_sql changed
--------------------------------------------------------------------------

-- The type's attributes changed: it and the functions that take or return
-- it are made again.
DROP FUNCTION @extschema@._concept_results(text, @extschema@._source_sql, text, timestamptz, timestamptz, jsonb,
    bigint, jsonb, jsonb);
DROP FUNCTION @extschema@._set_calibration(text, @extschema@._source_sql, timestamptz, timestamptz);
DROP FUNCTION @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean);
DROP FUNCTION @extschema@._feature_names(text, @extschema@._source_sql, timestamptz, timestamptz);
DROP FUNCTION @extschema@._source(text);
DROP TYPE @extschema@._source_sql;

-- SQL fragments reading a model's rows and labels: FROM clauses (parameters
-- $1 model, $2 window start, $3 window end) and expressions over them.
-- Identifiers are quoted with format's %I.
CREATE TYPE @extschema@._source_sql AS (
    from_clause text,            -- FROM and WHERE of the rows in [$2, $3)
    ts text,
    request_id text,             -- (NULL: the rows have no request id)
    all_features text,           -- the logged feature object (NULL for column sources)
    feature_object text,         -- the features as one jsonb object (built for column sources)
    feature_columns name[],
    predicted_label text,
    predicted_value text,
    score text,
    latency text,
    labels_from text,            -- FROM and WHERE of the labels of the rows in [$2, $3) (NULL: none)
    labels_ts text,
    label text,
    actual text,
    labels_predicted_label text,
    labels_predicted_value text,
    labels_score text,
    in_labels_table boolean,     -- the labels are rows of mlmon.labels, matched to the rows by request id
    tracked boolean,             -- changes to the rows reach mlmon.summary_invalidations (summaries may be stored)
    embedding text               -- the row's embedding as real[] (NULL::real[]: none)
);
COMMENT ON TYPE @extschema@._source_sql IS 'How to read a model''s rows and labels (internal)';

-- Whether the log's changes reach the stored summaries: the triggers on the log
-- and the labels are there (mlmon.distribute_log drops them: Citus refuses triggers).
CREATE FUNCTION @extschema@._log_tracked() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT count(*) = 2 FROM pg_catalog.pg_trigger t
         WHERE t.tgname OPERATOR(pg_catalog.=) 'summary_changed'
           AND t.tgrelid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.predictions'::pg_catalog.regclass,
                                                           '@extschema@.labels'::pg_catalog.regclass]::pg_catalog.oid[]));
COMMENT ON FUNCTION @extschema@._log_tracked() IS
    'Whether the summaries'' triggers watch the prediction log and the labels (internal)';

CREATE FUNCTION @extschema@._source(model text) RETURNS @extschema@._source_sql
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s @extschema@.sources;
    r @extschema@._source_sql;
    time_type regtype;
BEGIN
    PERFORM @extschema@._model_task(model);
    SELECT * INTO s FROM @extschema@.sources src WHERE src.model = _source.model;
    IF NOT FOUND THEN
        r.from_clause := 'FROM @extschema@.predictions p WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3';
        r.ts := 'p.ts';
        r.request_id := 'p.request_id';
        r.all_features := 'p.features';
        r.feature_object := 'p.features';
        r.predicted_label := 'p.predicted_label';
        r.predicted_value := 'p.predicted_value';
        r.score := 'p.score';
        r.latency := 'p.latency_ms';
        r.embedding := 'p.embedding';
        r.in_labels_table := true;
        r.tracked := @extschema@._log_tracked();
    ELSE
        -- a time column without a zone is read as UTC (as the summaries' trigger reads it), whatever the session's TimeZone
        time_type := (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = s.relation AND a.attname = s.time_column);
        IF time_type = 'timestamp'::regtype THEN
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND s.%2$I >= ($2 AT TIME ZONE ''UTC'') '
                                    'AND s.%2$I < ($3 AT TIME ZONE ''UTC'')', s.relation, s.time_column);
            r.ts := format('(s.%I AT TIME ZONE ''UTC'')', s.time_column);
        ELSIF time_type = 'date'::regtype THEN
            r.ts := format('(s.%I::timestamp AT TIME ZONE ''UTC'')', s.time_column);
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND %2$s >= $2 AND %2$s < $3', s.relation, r.ts);
        ELSE
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND s.%2$I >= $2 AND s.%2$I < $3', s.relation, s.time_column);
            r.ts := format('s.%I', s.time_column);
        END IF;
        r.request_id := CASE WHEN s.id_column IS NOT NULL THEN format('s.%I::text', s.id_column) END;
        IF s.features_column IS NOT NULL THEN
            r.all_features := format('s.%I', s.features_column);
            r.feature_object := r.all_features;
        ELSE
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
        r.embedding := CASE WHEN s.embedding_column IS NULL THEN 'NULL::real[]'
                            ELSE format('s.%I::real[]', s.embedding_column) END;
        r.in_labels_table := s.label_column IS NULL AND s.id_column IS NOT NULL;
        -- (labels in mlmon.labels: their changes must reach the summaries too)
        r.tracked := s.tracked AND (NOT r.in_labels_table OR @extschema@._log_tracked());
        IF s.label_column IS NOT NULL THEN
            -- ground truth in the same rows
            r.labels_from := r.from_clause || format(' AND s.%I IS NOT NULL', s.label_column);
            r.labels_ts := r.ts;
            r.label := format('s.%I::text', s.label_column);
            r.actual := format('s.%I::float8', s.label_column);
            r.labels_predicted_label := r.predicted_label;
            r.labels_predicted_value := r.predicted_value;
            r.labels_score := r.score;
            RETURN r;
        END IF;
    END IF;
    IF r.in_labels_table THEN
        r.labels_from := 'FROM @extschema@.labels l WHERE l.model = $1 AND l.ts >= $2 AND l.ts < $3';
        r.labels_ts := 'l.ts';
        r.label := 'l.label';
        r.actual := 'l.actual_value';
        r.labels_predicted_label := 'l.predicted_label';
        r.labels_predicted_value := 'l.predicted_value';
        r.labels_score := 'l.score';
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@._source(text) IS 'SQL fragments that read a model''s rows and labels (internal)';

-- The prediction a label belongs to: the one at prediction_time when given,
-- else the latest with this request id (no row: none is known, or the
-- model's labels are not kept in mlmon.labels).
CREATE FUNCTION @extschema@._find_prediction(model text, request_id text, prediction_time timestamptz)
    RETURNS TABLE (ts timestamptz, predicted_label text, predicted_value float8, score float8)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql := @extschema@._source(model);
    src record;
BEGIN
    IF NOT r.in_labels_table THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.sources s WHERE s.model = _find_prediction.model) THEN
        RETURN QUERY SELECT p.ts, p.predicted_label, p.predicted_value, p.score FROM @extschema@.predictions p
                      WHERE p.model = _find_prediction.model AND p.request_id = _find_prediction.request_id
                        AND (prediction_time IS NULL OR p.ts = prediction_time)
                      ORDER BY p.ts DESC LIMIT 1;
        RETURN;
    END IF;
    -- a source: compare with the id column in its own type, so that its index serves
    SELECT s.*, format_type(a.atttypid, a.atttypmod) AS id_type INTO src
      FROM @extschema@.sources s JOIN pg_attribute a ON a.attrelid = s.relation AND a.attname = s.id_column
     WHERE s.model = _find_prediction.model;
    BEGIN
        RETURN QUERY EXECUTE format('SELECT %1$s, %2$s, %3$s, %4$s FROM %5$s s '
                                    'WHERE s.%6$I = $1::%7$s AND ($2 IS NULL OR %1$s = $2) ORDER BY 1 DESC LIMIT 1',
                                    r.ts, r.predicted_label, r.predicted_value, r.score, src.relation,
                                    src.id_column, src.id_type)
            USING request_id, prediction_time;
    EXCEPTION WHEN data_exception THEN
        -- a request id that cannot be of the id column's type matches no row
        RETURN;
    END;
END
$$;
COMMENT ON FUNCTION @extschema@._find_prediction(text, text, timestamptz) IS
    'The logged prediction a label belongs to: its time, label, value and score (internal)';

-- The names of the features in [from, to).
CREATE FUNCTION @extschema@._feature_names(model text, r @extschema@._source_sql, from_ts timestamptz, to_ts timestamptz)
    RETURNS text[] LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    names text[];
BEGIN
    IF r.feature_columns IS NOT NULL THEN
        SELECT array_agg(c ORDER BY c) INTO names FROM unnest(r.feature_columns::text[]) c;
        RETURN names;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT k ORDER BY k) FROM (SELECT jsonb_object_keys(%1$s) AS k %2$s
                     AND jsonb_typeof(%1$s) = ''object'') q', r.all_features, r.from_clause)
       INTO names USING model, from_ts, to_ts;
    RETURN coalesce(names, '{}');
END
$$;
COMMENT ON FUNCTION @extschema@._feature_names(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'The feature names present in a window (internal)';

-- Build and store the reference of a model from the rows r reads in [from_ts, to_ts).
CREATE FUNCTION @extschema@._set_reference(model text, r @extschema@._source_sql, from_ts timestamptz,
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
    labels_part @extschema@.check_summary;
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
    -- one pass over the rows: numeric profiles, counts of numbers and of other values, predictions
    q := format('SELECT count(*), %s, %s, %s, %s FROM (SELECT %s AS plabel, %s AS pvalue, '
                '@extschema@._jsonb_numbers(%s, $4) AS nv, @extschema@._fence() AS fence %s) q',
        CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel)' ELSE '@extschema@.profile(pvalue)' END,
        'ARRAY[' || coalesce((SELECT string_agg(format('@extschema@.profile(nv[%s])', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::@extschema@.profile[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] <> ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] = ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        r.predicted_label, r.predicted_value, r.feature_object, r.from_clause);
    EXECUTE q INTO n, pred_profile, num_profiles, numbers, scalars USING model, from_ts, to_ts, names;
    IF n = 0 THEN
        RAISE EXCEPTION 'the reference window of model "%" holds no predictions', model
            USING ERRCODE = 'no_data_found', DETAIL = format('Window [%s, %s).', from_ts, to_ts);
    END IF;
    -- the baseline performance: the labels' summary, as the checks read theirs
    IF r.labels_from IS NOT NULL THEN
        EXECUTE format('SELECT @extschema@._summarize_labels($4, %s, %s, %s, %s, %s, %s) %s',
                       r.labels_ts, r.label, r.actual, r.labels_predicted_label, r.labels_predicted_value,
                       r.labels_score, r.labels_from)
           INTO labels_part
          USING model, from_ts, to_ts,
                ROW(task, '{}', '{}', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL)::@extschema@._summary_plan;
        perf := @extschema@._summary_performance(task, labels_part);
        n_labeled := CASE WHEN task = 'classification' THEN (@extschema@._summary_totals(labels_part)).labeled
                          ELSE (perf->>'n')::bigint END;
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
    -- the stored summaries were counted against the old reference
    DELETE FROM @extschema@.summaries su WHERE su.model = _set_reference.model;
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
    PERFORM @extschema@._set_multivariate(model, r, from_ts, to_ts);
    PERFORM @extschema@._set_embedding_reference(model, r, from_ts, to_ts);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean) IS
    'Build and store a model''s reference from the rows of a source (internal)';

CREATE OR REPLACE FUNCTION @extschema@.set_reference(model text, from_ts timestamptz, to_ts timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR from_ts >= to_ts THEN
        RAISE EXCEPTION 'the reference window must have from_ts < to_ts' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@._match_labels(model);
    RETURN @extschema@._set_reference(model, @extschema@._source(model), from_ts, to_ts, true);
END
$$;

-- The reference from a query (or a table: 'SELECT * FROM training_set'), e.g.
-- the training data: columns features (jsonb, required), and any of
-- predicted_label, predicted_value, score, label, actual.
CREATE OR REPLACE FUNCTION @extschema@.set_reference(model text, query text)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql;
    cols text[];
    n bigint;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF query IS NULL THEN
        RAISE EXCEPTION 'the reference query must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    DROP VIEW IF EXISTS pg_temp._mlmon_reference_input;
    EXECUTE format('CREATE TEMP VIEW _mlmon_reference_input AS %s', query);
    SELECT array_agg(a.attname::text) INTO cols FROM pg_attribute a
     WHERE a.attrelid = 'pg_temp._mlmon_reference_input'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT 'features' = ANY (cols) OR (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = 'pg_temp._mlmon_reference_input'::regclass
                                          AND a.attname = 'features') <> 'jsonb'::regtype THEN
        RAISE EXCEPTION 'the reference query must return a jsonb column named "features"'
            USING ERRCODE = 'undefined_column',
                  HINT = 'Optional columns: predicted_label, predicted_value, score, label, actual, embedding, request_id.';
    END IF;
    r.from_clause := 'FROM pg_temp._mlmon_reference_input s WHERE $1 IS NOT NULL AND $2 < $3';
    r.ts := 'NULL::timestamptz';
    -- an optional request id keys the rows of the embedding sample (_embedding_row_key)
    r.request_id := CASE WHEN 'request_id' = ANY (cols) THEN 's.request_id::text' END;
    r.all_features := 's.features';
    r.feature_object := 's.features';
    r.predicted_label := CASE WHEN 'predicted_label' = ANY (cols) THEN 's.predicted_label::text' ELSE 'NULL::text' END;
    r.predicted_value := CASE WHEN 'predicted_value' = ANY (cols) THEN 's.predicted_value::float8' ELSE 'NULL::float8' END;
    r.score := CASE WHEN 'score' = ANY (cols) THEN 's.score::float8' ELSE 'NULL::float8' END;
    r.latency := 'NULL::float8';
    r.embedding := CASE WHEN 'embedding' = ANY (cols) THEN 's.embedding::real[]' ELSE 'NULL::real[]' END;
    -- ground truth in the same rows
    r.labels_from := r.from_clause;
    r.labels_ts := 'NULL::timestamptz';
    r.label := CASE WHEN 'label' = ANY (cols) THEN 's.label::text' ELSE 'NULL::text' END;
    r.actual := CASE WHEN 'actual' = ANY (cols) THEN 's.actual::float8' ELSE 'NULL::float8' END;
    r.labels_predicted_label := r.predicted_label;
    r.labels_predicted_value := r.predicted_value;
    r.labels_score := r.score;
    n := @extschema@._set_reference(model, r, '-infinity', 'infinity', false);
    DROP VIEW pg_temp._mlmon_reference_input;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.set_reference(text, text) IS
    'Freeze the rows of a query (or table) as the model''s reference, e.g. the training set: columns features (jsonb) and optionally predicted_label, predicted_value, score, label, actual, embedding (real[]), request_id (keys the rows of the embedding sample)';

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

--------------------------------------------------------------------------
-- Registration and logging
--------------------------------------------------------------------------

-- The name of the trigger that reports a source's changes to the checks.
CREATE FUNCTION @extschema@._source_trigger(model text) RETURNS name
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ('mlmon_summaries_' || substr(md5(model), 1, 16))::name;
COMMENT ON FUNCTION @extschema@._source_trigger(text) IS
    'The name of the trigger on a source''s table that reports its changes to the checks (internal)';

CREATE FUNCTION @extschema@.register_source(model text, relation regclass, time_column name,
        features_column name DEFAULT NULL, feature_columns name[] DEFAULT NULL,
        prediction_column name DEFAULT NULL, score_column name DEFAULT NULL,
        label_column name DEFAULT NULL, id_column name DEFAULT NULL, latency_column name DEFAULT NULL,
        track_changes boolean DEFAULT true, embedding_column name DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col name;
    cols name[];
    old @extschema@.sources;
    kind "char";
    tracked boolean := false;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF (features_column IS NULL) = (feature_columns IS NULL) THEN
        RAISE EXCEPTION 'give exactly one of features_column and feature_columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cols := ARRAY[time_column, features_column, prediction_column, score_column, label_column, id_column,
                  latency_column, embedding_column] || coalesce(feature_columns, '{}');
    FOREACH col IN ARRAY cols LOOP
        CONTINUE WHEN col IS NULL;
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" does not exist in relation %', col, relation
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF features_column IS NOT NULL AND (SELECT a.atttypid FROM pg_attribute a
            WHERE a.attrelid = relation AND a.attname = features_column) <> 'jsonb'::regtype THEN
        RAISE EXCEPTION 'features column "%" must be of type jsonb', features_column
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF embedding_column IS NOT NULL AND (SELECT a.atttypid::regtype::text FROM pg_attribute a
            WHERE a.attrelid = relation AND a.attname = embedding_column) NOT IN ('real[]', 'double precision[]')
       AND (SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
             WHERE a.attrelid = relation AND a.attname = embedding_column) <> 'vector' THEN
        RAISE EXCEPTION 'embedding column "%" must be of type real[], double precision[] or vector', embedding_column
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = relation AND a.attname = time_column)
       NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
        RAISE EXCEPTION 'time column "%" must be of type timestamptz, timestamp or date', time_column
            USING ERRCODE = 'datatype_mismatch',
                  HINT = 'A timestamp without time zone is read as UTC, a date as its midnight in UTC.';
    END IF;
    -- the earlier registration's trigger goes with it
    SELECT * INTO old FROM @extschema@.sources s WHERE s.model = register_source.model;
    IF FOUND AND old.tracked THEN
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', @extschema@._source_trigger(model), old.relation);
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', @extschema@._source_trigger(model) || '_truncate',
                       old.relation);
    END IF;
    -- a table (not a view) with the trigger reporting changes to closed buckets: its summaries can be stored
    SELECT c.relkind INTO kind FROM pg_class c WHERE c.oid = relation;
    IF track_changes AND kind IN ('r', 'p') THEN
        BEGIN
            EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW '
                           'EXECUTE FUNCTION @extschema@._summary_changed(%L, %L, %L)',
                           @extschema@._source_trigger(model), relation, model, time_column, 'rows');
            EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT '
                           'EXECUTE FUNCTION @extschema@._summaries_truncated(%L)',
                           @extschema@._source_trigger(model) || '_truncate', relation, model);
            -- (also on a logical replication subscriber, which applies changes as a replica)
            EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', relation, @extschema@._source_trigger(model));
            EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', relation,
                           @extschema@._source_trigger(model) || '_truncate');
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'cannot create the trigger that reports changes of % to the checks', relation
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Register it as the table''s owner, or with track_changes => false: checks then read every row of their window.';
        END;
        tracked := true;
    END IF;
    INSERT INTO @extschema@.sources AS s VALUES (model, relation, time_column, features_column, feature_columns,
        prediction_column, score_column, label_column, id_column, latency_column, tracked, embedding_column)
    ON CONFLICT ON CONSTRAINT sources_pkey DO UPDATE
       SET relation = excluded.relation, time_column = excluded.time_column,
           features_column = excluded.features_column, feature_columns = excluded.feature_columns,
           prediction_column = excluded.prediction_column, score_column = excluded.score_column,
           label_column = excluded.label_column, id_column = excluded.id_column,
           latency_column = excluded.latency_column, tracked = excluded.tracked,
           embedding_column = excluded.embedding_column;
    DELETE FROM @extschema@.summaries su WHERE su.model = register_source.model;
END
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name, boolean, name) IS
    'Monitor a model whose predictions live in a table of its own, read in place (no copy); track_changes adds the trigger that lets checks store summaries of its closed buckets; embedding_column, an embedding per row for the embedding drift check';

-- The upsert behind the record_label forms: the given column is set, the
-- other kept.  The label is matched to its prediction now (the prediction
-- at prediction_time when given, else the latest with this request id):
-- its time and what it predicted are copied beside it.  A label whose
-- prediction is not logged yet waits (ts NULL) until a check finds it.
CREATE FUNCTION @extschema@._store_label(model text, request_id text, label text, actual float8,
        prediction_time timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m record;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF request_id IS NULL THEN
        RAISE EXCEPTION 'request_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO m FROM @extschema@._find_prediction(model, request_id, prediction_time);
    INSERT INTO @extschema@.labels AS l (model, request_id, label, actual_value, ts, predicted_label,
                                         predicted_value, score)
    VALUES (_store_label.model, _store_label.request_id, _store_label.label, _store_label.actual,
            m.ts, m.predicted_label, m.predicted_value, m.score)
    ON CONFLICT ON CONSTRAINT labels_pkey DO UPDATE
       SET label = coalesce(excluded.label, l.label), actual_value = coalesce(excluded.actual_value, l.actual_value),
           labeled_at = excluded.labeled_at,
           ts = CASE WHEN excluded.ts IS NOT NULL THEN excluded.ts ELSE l.ts END,
           predicted_label = CASE WHEN excluded.ts IS NOT NULL THEN excluded.predicted_label ELSE l.predicted_label END,
           predicted_value = CASE WHEN excluded.ts IS NOT NULL THEN excluded.predicted_value ELSE l.predicted_value END,
           score = CASE WHEN excluded.ts IS NOT NULL THEN excluded.score ELSE l.score END;
END
$$;
COMMENT ON FUNCTION @extschema@._store_label(text, text, text, float8, timestamptz) IS
    'Insert or correct a label, matched to its prediction (internal)';

-- The writer role adds labels through these without any privilege on the table.
CREATE OR REPLACE FUNCTION @extschema@.record_label(model text, request_id text, label text)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, label, NULL, NULL);

CREATE OR REPLACE FUNCTION @extschema@.record_label(model text, request_id text, actual float8)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, NULL, actual, NULL);

CREATE FUNCTION @extschema@.record_label(model text, request_id text, label text, prediction_time timestamptz)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, label, NULL, prediction_time);
COMMENT ON FUNCTION @extschema@.record_label(text, text, text, timestamptz) IS
    'Record (or correct) the true label of the classification logged at prediction_time: matched to the prediction with this request id at that time (else it waits, and checks match it by request id)';

CREATE FUNCTION @extschema@.record_label(model text, request_id text, actual float8, prediction_time timestamptz)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, NULL, actual, prediction_time);
COMMENT ON FUNCTION @extschema@.record_label(text, text, float8, timestamptz) IS
    'Record (or correct) the true value of the regression prediction logged at prediction_time: matched to the prediction with this request id at that time (else it waits, and checks match it by request id)';

DROP FUNCTION @extschema@._store_label(text, text, text, float8);

CREATE OR REPLACE FUNCTION @extschema@.maintain_partitions(days_ahead int DEFAULT 3)
    RETURNS int LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d date;
    today date := (now() AT TIME ZONE 'UTC')::date;
    part text;
    lo timestamptz;
    hi timestamptz;
    created int := 0;
BEGIN
    IF days_ahead IS NULL OR days_ahead < 0 OR days_ahead > 366 THEN
        RAISE EXCEPTION 'days_ahead must be between 0 and 366' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- serialize concurrent maintenance, and let inserts of days without a
    -- partition that are in flight commit first (new ones wait until the
    -- partitions exist): the rows moved below are then all the rows there are
    PERFORM pg_advisory_xact_lock(hashtext('mlmon.maintain_partitions'));
    LOCK TABLE @extschema@.predictions_default IN SHARE ROW EXCLUSIVE MODE;
    -- yesterday (rows logged late around midnight), today and the days ahead,
    -- and every day that has rows waiting in the default partition
    FOR d IN
        SELECT g::date FROM generate_series(today - 1, today + days_ahead, interval '1 day') g
        UNION
        SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM @extschema@.predictions_default
        ORDER BY 1
    LOOP
        part := 'predictions_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(format('@extschema@.%I', part)) IS NULL THEN
            lo := d::timestamp AT TIME ZONE 'UTC';
            hi := (d + 1)::timestamp AT TIME ZONE 'UTC';
            EXECUTE format('CREATE TABLE @extschema@.%I (LIKE @extschema@.predictions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format('CREATE INDEX %I ON @extschema@.%I (model, ts)', part || '_model_ts', part);
            EXECUTE format('CREATE INDEX %I ON @extschema@.%I (model, request_id)', part || '_model_request', part);
            -- (a partition's TRUNCATE fires its own statement triggers, not the log's;
            -- a log distributed by Citus has none: mlmon.distribute_log)
            IF @extschema@._log_tracked() THEN
                EXECUTE format('CREATE TRIGGER summaries_truncated AFTER TRUNCATE ON @extschema@.%I '
                               'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._summaries_truncated(%L)', part, '');
                EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ALWAYS TRIGGER summaries_truncated', part);
            END IF;
            -- rows that waited in the default partition move in the same transaction: none is lost
            -- (nor changed: the summaries' trigger pauses for the move)
            PERFORM @extschema@._track_changes(false);
            EXECUTE format('WITH moved AS (DELETE FROM @extschema@.predictions_default WHERE ts >= $1 AND ts < $2 RETURNING *)
                            INSERT INTO @extschema@.%I SELECT * FROM moved', part) USING lo, hi;
            PERFORM @extschema@._track_changes(true);
            EXECUTE format('ALTER TABLE @extschema@.predictions ATTACH PARTITION @extschema@.%I FOR VALUES FROM (%L) TO (%L)',
                           part, lo, hi);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;

CREATE OR REPLACE FUNCTION @extschema@.apply_retention(model text, keep interval)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cutoff timestamptz := now() - keep;
    deleted bigint;
    p record;
    empty boolean;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF keep IS NULL OR keep <= '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.models m SET retention = keep WHERE m.name = apply_retention.model;
    -- (the log's trigger tells the checks which summarised buckets lost rows)
    DELETE FROM @extschema@.predictions pr WHERE pr.model = apply_retention.model AND pr.ts < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- labels of the deleted predictions, and labels that never found theirs
    DELETE FROM @extschema@.labels l WHERE l.model = apply_retention.model
       AND (l.ts < cutoff OR (l.ts IS NULL AND l.labeled_at < cutoff));
    -- summaries of buckets that ended before the cutoff (their rows are gone)
    DELETE FROM @extschema@.summaries s USING @extschema@.models m
     WHERE s.model = apply_retention.model AND m.name = s.model AND s.bucket_start + m.bucket_width <= cutoff;
    -- daily partitions left empty before the cutoff are dropped
    FOR p IN
        SELECT c.oid::regclass AS part
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '@extschema@.predictions'::regclass AND c.relname ~ '^predictions_p[0-9]{8}$'
           AND to_date(substr(c.relname, 14), 'YYYYMMDD') + 1 <= (cutoff AT TIME ZONE 'UTC')::date
    LOOP
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', p.part) INTO STRICT empty;
        IF empty THEN
            EXECUTE format('DROP TABLE %s', p.part);
        END IF;
    END LOOP;
    RETURN deleted;
END
$$;
COMMENT ON FUNCTION @extschema@.apply_retention(text, interval) IS
    'Delete a model''s predictions (and their labels and summaries) older than keep, and drop daily partitions left empty; returns the rows deleted';

--------------------------------------------------------------------------
-- Drift tests: a registry
--------------------------------------------------------------------------

-- What a drift test returns to the checks.
CREATE TYPE @extschema@._drift_value AS (statistic float8, p_value float8, log_p_value float8);
COMMENT ON TYPE @extschema@._drift_value IS 'A drift test''s statistic, p-value and its natural log (NULL for distances) (internal)';

-- The tests on a column of a summary: (summary, the column's reference
-- profile, the column: 0 the prediction, i feature i) -> _drift_value.
CREATE FUNCTION @extschema@._drift_ks(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT ROW((k).statistic, (k).pvalue, (k).log_pvalue)::@extschema@._drift_value
          FROM (SELECT @extschema@._summary_ks(s, reference, col) AS k) x);
COMMENT ON FUNCTION @extschema@._drift_ks(@extschema@.check_summary, @extschema@.profile, int) IS
    'Two-sample KS against the reference (exact from the grid while the reference is exact) (internal)';

CREATE FUNCTION @extschema@._drift_wasserstein(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(@extschema@.wasserstein_normed(reference, @extschema@._summary_profile(s, col)), NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_wasserstein(@extschema@.check_summary, @extschema@.profile, int) IS
    'Evidently''s normed Wasserstein distance between the reference and the window''s profile (internal)';

CREATE FUNCTION @extschema@._drift_psi(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(CASE WHEN (@extschema@.summary(reference)).kind = 'numeric'
                THEN @extschema@._summary_binned(s, reference, col, 'psi')
                ELSE @extschema@.psi(reference, @extschema@._summary_profile(s, col)) END,
           NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_psi(@extschema@.check_summary, @extschema@.profile, int) IS
    'PSI: over the reference''s 10 quantile bins, or one bin per category (internal)';

CREATE FUNCTION @extschema@._drift_jensen_shannon(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(CASE WHEN (@extschema@.summary(reference)).kind = 'numeric'
                THEN @extschema@._summary_binned(s, reference, col, 'jensen_shannon')
                ELSE @extschema@.jensen_shannon(reference, @extschema@._summary_profile(s, col)) END,
           NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_jensen_shannon(@extschema@.check_summary, @extschema@.profile, int) IS
    'Jensen-Shannon distance: over the reference''s 10 quantile bins, or one bin per category (internal)';

CREATE FUNCTION @extschema@._drift_chi2(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT ROW((c).statistic, (c).pvalue, (c).log_pvalue)::@extschema@._drift_value
          FROM (SELECT @extschema@.chi2_drift(reference, @extschema@._summary_profile(s, col)) AS c) x);
COMMENT ON FUNCTION @extschema@._drift_chi2(@extschema@.check_summary, @extschema@.profile, int) IS
    'Evidently''s chi-square goodness of fit of the window''s categories to the reference''s (internal)';

CREATE FUNCTION @extschema@._drift_z_test(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT ROW((z).statistic, (z).pvalue, (z).log_pvalue)::@extschema@._drift_value
          FROM (SELECT @extschema@.z_test(reference, @extschema@._summary_profile(s, col)) AS z) x);
COMMENT ON FUNCTION @extschema@._drift_z_test(@extschema@.check_summary, @extschema@.profile, int) IS
    'Evidently''s two-proportion z-test of a binary feature (internal)';

-- The registry: what the checks know of each drift test.  A test is one row
-- and its functions; mlmon.drift_settings names tests from here.
CREATE TABLE @extschema@.drift_tests (
    name                 text PRIMARY KEY,
    numeric_function     regprocedure,      -- (summary, reference profile, column) -> _drift_value; NULL: not for numbers
    categorical_function regprocedure,      -- the same for categories
    p_value              boolean NOT NULL,  -- drift when the (adjusted) p-value <= threshold; else when the statistic >= threshold
    default_threshold    float8 NOT NULL CHECK (default_threshold > 0),
    keeps                text CHECK (keeps IN ('grid', 'bins')),  -- what a summary keeps for it beside a numeric profile
    description          text NOT NULL,
    CHECK (numeric_function IS NOT NULL OR categorical_function IS NOT NULL)
);
COMMENT ON TABLE @extschema@.drift_tests IS
    'The drift tests the checks run: the kinds of feature each applies to, p-value or distance, default threshold, the functions computing it';

INSERT INTO @extschema@.drift_tests VALUES
    ('ks', '@extschema@._drift_ks(@extschema@.check_summary, @extschema@.profile, int)', NULL, true, 0.05, 'grid',
     'two-sample Kolmogorov-Smirnov test (SciPy''s ks_2samp, method auto)'),
    ('wasserstein', '@extschema@._drift_wasserstein(@extschema@.check_summary, @extschema@.profile, int)', NULL,
     false, 0.1, NULL, 'Wasserstein distance normed by the reference''s standard deviation (Evidently)'),
    ('psi', '@extschema@._drift_psi(@extschema@.check_summary, @extschema@.profile, int)',
     '@extschema@._drift_psi(@extschema@.check_summary, @extschema@.profile, int)', false, 0.1, 'bins',
     'Population Stability Index: 10 reference-quantile bins, or one per category'),
    ('jensen_shannon', '@extschema@._drift_jensen_shannon(@extschema@.check_summary, @extschema@.profile, int)',
     '@extschema@._drift_jensen_shannon(@extschema@.check_summary, @extschema@.profile, int)', false, 0.1, 'bins',
     'Jensen-Shannon distance: 10 reference-quantile bins, or one per category'),
    ('chi2', NULL, '@extschema@._drift_chi2(@extschema@.check_summary, @extschema@.profile, int)', true, 0.05, NULL,
     'chi-square goodness of fit to the reference''s category shares (Evidently)'),
    ('z_test', NULL, '@extschema@._drift_z_test(@extschema@.check_summary, @extschema@.profile, int)', true, 0.05, NULL,
     'two-proportion z-test of a binary feature (Evidently)');

REVOKE ALL ON @extschema@.drift_tests FROM PUBLIC;

-- drift_settings names a test of the registry (the old CHECK listed the same six)
ALTER TABLE @extschema@.drift_settings DROP CONSTRAINT drift_settings_test_check,
    ADD CONSTRAINT drift_settings_test_fkey FOREIGN KEY (test) REFERENCES @extschema@.drift_tests (name);

COMMENT ON TABLE @extschema@.drift_settings IS
    'Drift test (a name of mlmon.drift_tests) and threshold per model and feature (''*'': all features), overriding Evidently''s rule; NULL keeps the default';

-- The drift test of a feature by Evidently's rule (numerics.md), unless
-- mlmon.drift_settings names one: returns (test, threshold).
CREATE OR REPLACE FUNCTION @extschema@._drift_test(model text, feature text, kind text, n_reference bigint,
        distinct_values bigint, OUT test text, OUT threshold float8)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ds record;
    fits boolean;
BEGIN
    IF kind = 'numeric' THEN
        test := CASE WHEN n_reference <= 1000 THEN 'ks' ELSE 'wasserstein' END;
    ELSE
        test := CASE WHEN n_reference > 1000 THEN 'jensen_shannon'
                     WHEN distinct_values = 2 THEN 'z_test' ELSE 'chi2' END;
    END IF;
    -- the feature's own row, else the model's '*' row (which does not cover
    -- the predictions, feature ''); a '*' test that does not fit the
    -- feature's kind leaves that feature to the default rule
    SELECT d.test, d.threshold, d.feature = '*' AS wildcard INTO ds FROM @extschema@.drift_settings d
     WHERE d.model = _drift_test.model
       AND (d.feature = _drift_test.feature OR (d.feature = '*' AND _drift_test.feature <> ''))
     ORDER BY d.feature = '*' LIMIT 1;
    IF FOUND AND ds.test IS NOT NULL THEN
        SELECT CASE WHEN kind = 'numeric' THEN t.numeric_function IS NOT NULL ELSE t.categorical_function IS NOT NULL END
          INTO fits FROM @extschema@.drift_tests t WHERE t.name = ds.test;
        IF NOT fits THEN
            IF NOT ds.wildcard THEN
                RAISE EXCEPTION 'drift test "%" does not apply to % feature "%"', ds.test, kind, feature
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSE
            test := ds.test;
        END IF;
    END IF;
    SELECT coalesce(ds.threshold, t.default_threshold) INTO threshold FROM @extschema@.drift_tests t WHERE t.name = test;
END
$$;

--------------------------------------------------------------------------
-- Plans and stored summaries
--------------------------------------------------------------------------

-- What a check of a model computes: its summary's plan (what to count) and
-- the decisions on top (which test and threshold per feature).
CREATE TYPE @extschema@._check_plan AS (
    summary @extschema@._summary_plan,
    tests text[],                 -- per feature of the summary plan
    thresholds float8[],
    prediction_test text,
    prediction_threshold float8,
    bucket_width interval,
    fingerprint text              -- what a stored summary must have been built for
);
COMMENT ON TYPE @extschema@._check_plan IS 'What a check of a model computes (internal)';

CREATE FUNCTION @extschema@._check_plan(model text) RETURNS @extschema@._check_plan
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    p @extschema@._check_plan;
    sp @extschema@._summary_plan;
    r @extschema@._source_sql := @extschema@._source(model);
    rw @extschema@.reference_windows;
    cal @extschema@.calibrations;
    t record;
    pred record;
BEGIN
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = _check_plan.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no reference', model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Freeze a reference window first with mlmon.set_reference(model, from_ts, to_ts).';
    END IF;
    SELECT * INTO cal FROM @extschema@.calibrations c WHERE c.model = _check_plan.model;
    sp.task := task;
    -- features in byte order, as the summary's C code reads them
    SELECT coalesce(array_agg(rp.feature ORDER BY rp.feature COLLATE "C"), '{}'),
           coalesce(array_agg(rp.kind ORDER BY rp.feature COLLATE "C"), '{}'),
           coalesce(array_agg(rp.profile ORDER BY rp.feature COLLATE "C"), '{}'),
           coalesce(array_agg(CASE WHEN rp.kind = 'categorical' THEN 0 WHEN dt.keeps = 'grid' THEN 1
                                   WHEN dt.keeps = 'bins' THEN 2 ELSE 0 END ORDER BY rp.feature COLLATE "C"), '{}'),
           coalesce(array_agg(ft.test ORDER BY rp.feature COLLATE "C"), '{}'),
           coalesce(array_agg(ft.threshold ORDER BY rp.feature COLLATE "C"), '{}')
      INTO sp.features, sp.kinds, sp.refs, sp.parts, p.tests, p.thresholds
      FROM @extschema@.reference_profiles rp
     CROSS JOIN LATERAL @extschema@._drift_test(_check_plan.model, rp.feature, rp.kind, rp.n, rp.distinct_values) ft
      JOIN @extschema@.drift_tests dt ON dt.name = ft.test
     WHERE rp.model = _check_plan.model AND rp.role = 'feature';
    SELECT rp.kind, rp.profile, rp.n, rp.distinct_values INTO pred FROM @extschema@.reference_profiles rp
     WHERE rp.model = _check_plan.model AND rp.role = 'prediction';
    IF pred.profile IS NOT NULL THEN
        SELECT * INTO t FROM @extschema@._drift_test(model, '', pred.kind, pred.n, pred.distinct_values);
        sp.prediction_ref := pred.profile;
        sp.prediction_parts := (SELECT CASE WHEN pred.kind = 'categorical' THEN 0
                                            WHEN dt.keeps = 'grid' THEN 1 WHEN dt.keeps = 'bins' THEN 2 ELSE 0 END
                                  FROM @extschema@.drift_tests dt WHERE dt.name = t.test);
        p.prediction_test := t.test;
        p.prediction_threshold := t.threshold;
    END IF;
    sp.calibration := cal.calibration;
    sp.positive_label := cal.positive_label;
    sp.negative_label := cal.negative_label;
    sp.anomaly_alpha := CASE WHEN cardinality(sp.features) > 0 THEN 0.01 END;
    sp.unexpected := r.all_features IS NOT NULL;
    sp.error_scale := CASE WHEN task = 'regression' THEN (rw.performance->>'mae')::float8 END;
    sp.cap := coalesce(current_setting('mlmon.profile_exact_cap', true)::int, 10000);
    p.summary := sp;
    SELECT m.bucket_width INTO p.bucket_width FROM @extschema@.models m WHERE m.name = _check_plan.model;
    -- the references are named by when they were set (set_reference also drops the stored summaries)
    -- (numbers and times in forms no session setting changes)
    p.fingerprint := md5(concat_ws('|', task, sp.features::text, sp.kinds::text, sp.parts::text,
                                   pred.kind, sp.prediction_parts, extract(epoch FROM rw.set_at), rw.n_rows,
                                   extract(epoch FROM cal.set_at), cal.n, encode(float8send(sp.anomaly_alpha), 'hex'),
                                   sp.unexpected, encode(float8send(sp.error_scale), 'hex'), sp.cap,
                                   extract(epoch FROM p.bucket_width), r.from_clause, r.labels_from));
    RETURN p;
END
$$;
COMMENT ON FUNCTION @extschema@._check_plan(text) IS
    'The plan of a model''s checks: features, references, tests, thresholds, and a fingerprint of what its summaries hold (internal)';

-- One row per closed time bucket of a model that a check has summarised.  A
-- cache: not dumped (after a restore the checks build them again), rebuilt
-- when the plan changes, when rows arrive late, when labels arrive.
CREATE TABLE @extschema@.summaries (
    model        text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    bucket_start timestamptz NOT NULL,
    fingerprint  text NOT NULL,           -- of the plan it was built for
    rows_part    @extschema@.check_summary,  -- NULL: the bucket has no rows
    labels_part  @extschema@.check_summary,  -- NULL: its rows have no labels
    labels_valid boolean NOT NULL DEFAULT true,  -- false: labels were recorded since it was built
    built_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, bucket_start)
);
COMMENT ON TABLE @extschema@.summaries IS
    'The summary of each closed time bucket a check has read, per model: what later checks merge instead of reading the rows again';
-- a summary is mostly doubles, which pglz does not shrink: out of line without trying (40 ms a bucket)
ALTER TABLE @extschema@.summaries ALTER COLUMN rows_part SET STORAGE EXTERNAL,
    ALTER COLUMN labels_part SET STORAGE EXTERNAL;

-- What changed in closed buckets since their summaries were built, written
-- by the trigger mlmon._summary_changed on the log, the labels and tracked
-- sources; read and emptied by the checks.
CREATE TABLE @extschema@.summary_invalidations (
    model        text NOT NULL,
    bucket_start timestamptz NOT NULL,
    part         text NOT NULL CHECK (part IN ('rows', 'edit', 'labels')),
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.summary_invalidations IS
    'Closed buckets whose rows (rows: inserted, edit: updated or deleted) or labels changed after they closed; the next check rebuilds their summaries';

CREATE INDEX summary_invalidations_model ON @extschema@.summary_invalidations (model, bucket_start);

REVOKE ALL ON @extschema@.summaries, @extschema@.summary_invalidations FROM PUBLIC;

CREATE FUNCTION @extschema@._summary_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'mlm_summary_changed' LANGUAGE C VOLATILE SECURITY DEFINER;
COMMENT ON FUNCTION @extschema@._summary_changed() IS
    'Trigger function: record in mlmon.summary_invalidations the closed buckets a row change touches (internal)';

-- TRUNCATE skips row triggers: whatever a truncated table held is forgotten
-- (the summaries it fed; labels matched to truncated predictions wait again).
CREATE FUNCTION @extschema@._summaries_truncated() RETURNS trigger
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m text := TG_ARGV[0];      -- a source's model, or '' for the log and the labels (every model)
BEGIN
    IF TG_TABLE_NAME = 'labels' AND TG_TABLE_SCHEMA = '@extschema@' THEN
        DELETE FROM @extschema@.summaries;
    ELSE
        DELETE FROM @extschema@.summaries s WHERE m = '' OR s.model = m;
        UPDATE @extschema@.labels l SET ts = NULL, predicted_label = NULL, predicted_value = NULL, score = NULL
         WHERE l.ts IS NOT NULL AND (m = '' OR l.model = m)
           AND (m = '' OR EXISTS (SELECT 1 FROM @extschema@.sources s WHERE s.model = m AND s.id_column IS NOT NULL));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._summaries_truncated() IS
    'Trigger function: forget the summaries (and label matches) a truncated table fed (internal)';

-- (their triggers are created under "Data", once the labels are filled)

CREATE FUNCTION @extschema@.forget_summaries(model text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM @extschema@._model_task(model);
    DELETE FROM @extschema@.summaries s WHERE s.model = forget_summaries.model;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.forget_summaries(text) IS
    'Drop a model''s stored summaries (after changes no trigger sees: a dropped or detached partition of the log); the next checks build them again; returns how many';

CREATE FUNCTION @extschema@._track_changes(enabled boolean) RETURNS void
    AS 'MODULE_PATHNAME', 'mlm_track_changes' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@._track_changes(boolean) IS
    'Pause (false) or resume (true) the summaries'' trigger in this session while rows only move between partitions (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@._track_changes(boolean) FROM PUBLIC;

CREATE FUNCTION @extschema@._bucket_widths_changed() RETURNS void
    AS 'MODULE_PATHNAME', 'mlm_bucket_widths_changed' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION @extschema@._bucket_widths_changed() IS
    'Make every session read the models'' bucket widths again (at commit) (internal)';

CREATE FUNCTION @extschema@.set_bucket_width(model text, width interval) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._model_task(model);
    IF width IS NULL OR width < '1 minute' OR width > '31 days' OR date_part('month', width) <> 0
       OR date_part('year', width) <> 0 THEN
        RAISE EXCEPTION 'bucket width must be between 1 minute and 31 days, without months'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.models m SET bucket_width = width, updated_at = now() WHERE m.name = set_bucket_width.model;
    DELETE FROM @extschema@.summaries s WHERE s.model = set_bucket_width.model;
    DELETE FROM @extschema@.summary_invalidations i WHERE i.model = set_bucket_width.model;
    PERFORM @extschema@._bucket_widths_changed();
END
$$;
COMMENT ON FUNCTION @extschema@.set_bucket_width(text, interval) IS
    'Set the width of the time buckets a model''s checks summarise (default 1 hour); its stored summaries are dropped';

-- The time before which every bucket can be summarised: no transaction that
-- may still write rows into an earlier bucket without recording it is
-- running (see src/summary_trigger.c).  Runs as the extension's owner to
-- see every session's transaction.
CREATE FUNCTION @extschema@._summary_horizon() RETURNS timestamptz
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_prepared_xacts x WHERE x.database = current_database())
                THEN '-infinity'::timestamptz
                ELSE least(clock_timestamp(),
                           (SELECT min(a.xact_start) FROM pg_stat_activity a
                             WHERE a.datname = current_database() AND a.backend_xid IS NOT NULL
                               -- autovacuum's ANALYZE takes an xid but writes no row of a log
                               AND a.backend_type <> 'autovacuum worker'
                               AND a.pid <> pg_backend_pid())) END;
END;
COMMENT ON FUNCTION @extschema@._summary_horizon() IS
    'Buckets ending before this time are complete: every row that will not be reported as late is committed (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@._summary_horizon() FROM PUBLIC;

-- Labels matched to the rows of [from, to) again, after rows there were
-- updated or deleted: copies refreshed, labels of vanished rows unmatched.
CREATE FUNCTION @extschema@._sync_labels(model text, r @extschema@._source_sql, from_ts timestamptz, to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET enable_nestloop = off
AS $$
BEGIN
    IF NOT r.in_labels_table THEN
        RETURN;
    END IF;
    EXECUTE format('UPDATE @extschema@.labels l SET ts = x.t, predicted_label = x.pl, predicted_value = x.pv, score = x.sc '
                   'FROM (SELECT DISTINCT ON (rid) %s AS rid, %s AS t, %s AS pl, %s AS pv, %s AS sc %s ORDER BY rid, t DESC) x '
                   'WHERE l.model = $1 AND l.request_id = x.rid AND (l.ts IS NULL OR (l.ts >= $2 AND l.ts < $3)) '
                   'AND (l.ts, l.predicted_label, l.predicted_value, l.score) IS DISTINCT FROM (x.t, x.pl, x.pv, x.sc)',
                   r.request_id, r.ts, r.predicted_label, r.predicted_value, r.score, r.from_clause)
        USING model, from_ts, to_ts;
    EXECUTE format('UPDATE @extschema@.labels l SET ts = NULL, predicted_label = NULL, predicted_value = NULL, score = NULL '
                   'WHERE l.model = $1 AND l.ts >= $2 AND l.ts < $3 '
                   'AND NOT EXISTS (SELECT 1 %s AND %s = l.request_id AND %s = l.ts)',
                   r.from_clause, r.request_id, r.ts)
        USING model, from_ts, to_ts;
END
$$;
COMMENT ON FUNCTION @extschema@._sync_labels(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Match the labels of a time span again to its rows after edits (internal)';

-- Labels still waiting for their prediction (recorded before it was logged,
-- or loaded into mlmon.labels directly): look them up again, by index for a
-- few, by one join for many.
CREATE FUNCTION @extschema@._match_labels(model text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    l record;
    m record;
    waiting bigint;
    matched bigint := 0;
BEGIN
    SELECT count(*) INTO waiting FROM @extschema@.labels x WHERE x.model = _match_labels.model AND x.ts IS NULL;
    IF waiting = 0 THEN
        RETURN 0;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.sources s WHERE s.model = _match_labels.model) THEN
        IF waiting < 10000 THEN
            UPDATE @extschema@.labels x
               SET (ts, predicted_label, predicted_value, score) =
                   (SELECT p.ts, p.predicted_label, p.predicted_value, p.score FROM @extschema@.predictions p
                     WHERE p.model = x.model AND p.request_id = x.request_id ORDER BY p.ts DESC LIMIT 1)
             WHERE x.model = _match_labels.model AND x.ts IS NULL
               AND EXISTS (SELECT 1 FROM @extschema@.predictions p WHERE p.model = x.model AND p.request_id = x.request_id);
        ELSE
            UPDATE @extschema@.labels x SET ts = p.ts, predicted_label = p.predicted_label,
                   predicted_value = p.predicted_value, score = p.score
              FROM (SELECT DISTINCT ON (q.request_id) q.request_id, q.ts, q.predicted_label, q.predicted_value, q.score
                      FROM @extschema@.predictions q WHERE q.model = _match_labels.model AND q.request_id IS NOT NULL
                     ORDER BY q.request_id, q.ts DESC) p
             WHERE x.model = _match_labels.model AND x.ts IS NULL AND x.request_id = p.request_id;
        END IF;
        GET DIAGNOSTICS matched = ROW_COUNT;
        RETURN matched;
    END IF;
    FOR l IN SELECT x.request_id FROM @extschema@.labels x WHERE x.model = _match_labels.model AND x.ts IS NULL LOOP
        SELECT * INTO m FROM @extschema@._find_prediction(model, l.request_id, NULL);
        IF m.ts IS NOT NULL THEN
            UPDATE @extschema@.labels x SET ts = m.ts, predicted_label = m.predicted_label,
                   predicted_value = m.predicted_value, score = m.score
             WHERE x.model = _match_labels.model AND x.request_id = l.request_id;
            matched := matched + 1;
        END IF;
    END LOOP;
    RETURN matched;
END
$$;
COMMENT ON FUNCTION @extschema@._match_labels(text) IS
    'Match the labels recorded before their prediction was logged (internal)';

-- The parts of a window read from its rows and labels in one scan each,
-- grouped by part: a row at ts belongs to the head [window_start,
-- first_bucket) (key window_start), to the tail [stored_end, ...) (key
-- stored_end) or to its bucket (key the bucket's start).  The span [from_ts,
-- to_ts) is made of the parts in row_keys (label_keys), adjacent: every row
-- of it belongs to one of them.  A part without rows is absent (NULL).
CREATE FUNCTION @extschema@._read_parts(r @extschema@._source_sql, model text, plan @extschema@._summary_plan,
        from_ts timestamptz, to_ts timestamptz, window_start timestamptz, width interval,
        first_bucket timestamptz, stored_end timestamptz, row_keys timestamptz[], label_keys timestamptz[])
    RETURNS TABLE (k timestamptz, rows_part @extschema@.check_summary, labels_part @extschema@.check_summary)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    -- a few parts, whatever the planner guesses of the key's distinct values: hashed, never sorted
    SET enable_sort = off
AS $$
DECLARE
    key_sql constant text := 'CASE WHEN %1$s < $6 THEN $9 WHEN %1$s >= $7 THEN $7 '
                             'ELSE date_bin($5, %1$s, timestamptz ''2000-01-01 00:00:00+00'') END';
    keys_r timestamptz[] := '{}';
    parts_r @extschema@.check_summary[] := '{}';
    keys_l timestamptz[] := '{}';
    parts_l @extschema@.check_summary[] := '{}';
BEGIN
    IF cardinality(row_keys) > 0 THEN
        EXECUTE format('SELECT coalesce(array_agg(x.k), ''{}''), coalesce(array_agg(x.s), ''{}'') FROM ('
                       'SELECT %1$s AS k, @extschema@._summarize_rows($4, %2$s, %3$s, %4$s, %5$s, %6$s) AS s '
                       '%7$s GROUP BY 1) x',
                       format(key_sql, r.ts), r.feature_object, r.predicted_label, r.predicted_value, r.score,
                       r.latency, r.from_clause)
           INTO keys_r, parts_r
          USING model, from_ts, to_ts, plan, width, first_bucket, stored_end, row_keys, window_start;
    END IF;
    IF r.labels_from IS NOT NULL AND cardinality(label_keys) > 0 THEN
        EXECUTE format('SELECT coalesce(array_agg(x.k), ''{}''), coalesce(array_agg(x.s), ''{}'') FROM ('
                       'SELECT %1$s AS k, @extschema@._summarize_labels($4, %2$s, %3$s, %4$s, %5$s, %6$s, %7$s) AS s '
                       '%8$s GROUP BY 1) x',
                       format(key_sql, r.labels_ts), r.labels_ts, r.label, r.actual, r.labels_predicted_label,
                       r.labels_predicted_value, r.labels_score, r.labels_from)
           INTO keys_l, parts_l
          USING model, from_ts, to_ts, plan, width, first_bucket, stored_end, label_keys, window_start;
    END IF;
    RETURN QUERY
        SELECT u.k, parts_r[array_position(keys_r, u.k)], parts_l[array_position(keys_l, u.k)]
          FROM (SELECT DISTINCT x FROM unnest(row_keys || label_keys) x) u(k);
END
$$;
COMMENT ON FUNCTION @extschema@._read_parts(@extschema@._source_sql, text, @extschema@._summary_plan, timestamptz, timestamptz, timestamptz, interval, timestamptz, timestamptz, timestamptz[], timestamptz[]) IS
    'Summarise the rows and labels of a window''s edges and buckets, one grouped read of each (internal)';

-- Bring the stored summaries of a model up to date with what changed: edits
-- re-match labels, stale parts go, summaries of another plan go.
CREATE FUNCTION @extschema@._apply_invalidations(model text, r @extschema@._source_sql, plan @extschema@._check_plan)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e record;
BEGIN
    DELETE FROM @extschema@.summaries s WHERE s.model = _apply_invalidations.model AND s.fingerprint <> (plan).fingerprint;
    -- edits first: re-matching labels records 'labels' changes of its own
    FOR e IN SELECT DISTINCT i.bucket_start FROM @extschema@.summary_invalidations i
              WHERE i.model = _apply_invalidations.model AND i.part = 'edit' LOOP
        PERFORM @extschema@._sync_labels(model, r, e.bucket_start, e.bucket_start + (plan).bucket_width);
    END LOOP;
    PERFORM @extschema@._match_labels(model);
    -- what is recorded now (committed, or ours) is in the snapshot of every
    -- read that follows: the rows behind it are too
    WITH done AS (
        DELETE FROM @extschema@.summary_invalidations i WHERE i.model = _apply_invalidations.model
        RETURNING i.bucket_start, i.part
    ), hit AS (
        SELECT date_bin((plan).bucket_width, d.bucket_start, timestamptz '2000-01-01 00:00:00+00') AS b,
               bool_or(d.part <> 'labels') AS rows_changed
          FROM done d GROUP BY 1
    ), gone AS (
        DELETE FROM @extschema@.summaries s USING hit h
         WHERE s.model = _apply_invalidations.model AND s.bucket_start = h.b AND h.rows_changed
        RETURNING s.bucket_start
    )
    UPDATE @extschema@.summaries s SET labels_valid = false
      FROM hit h
     WHERE s.model = _apply_invalidations.model AND s.bucket_start = h.b AND NOT h.rows_changed;
END
$$;
COMMENT ON FUNCTION @extschema@._apply_invalidations(text, @extschema@._source_sql, @extschema@._check_plan) IS
    'Drop or mark the stored summaries that changes since they were built made stale (internal)';

-- The summary of a model's window [window_start, window_end): the stored
-- summaries of its closed buckets (built by the first check that needs
-- them), and the rows of the parts of buckets at its edges and of buckets
-- that may still change.  With mlmon.summaries off, every row is read.
CREATE FUNCTION @extschema@._window_summary(model text, plan @extschema@._check_plan, window_start timestamptz,
        window_end timestamptz)
    RETURNS @extschema@.check_summary LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql := @extschema@._source(model);
    w interval := (plan).bucket_width;
    origin timestamptz := timestamptz '2000-01-01 00:00:00+00';
    first_bucket timestamptz;
    stored_end timestamptz;
    horizon timestamptz;
    row_keys timestamptz[] := '{}';     -- the parts read from rows: the edges, the buckets not stored
    label_keys timestamptz[] := '{}';   -- the parts whose labels are read: those, and buckets with stale labels
    from_ts timestamptz;
    to_ts timestamptz;
    head_rows @extschema@.check_summary;
    head_labels @extschema@.check_summary;
    tail_rows @extschema@.check_summary;
    tail_labels @extschema@.check_summary;
    result @extschema@.check_summary;
    p record;
    pass int;
    keys timestamptz[];
    i int;
    j int;
    k timestamptz;
    row_part_keys timestamptz[] := '{}';
    row_parts @extschema@.check_summary[] := '{}';
    label_part_keys timestamptz[] := '{}';
    label_parts @extschema@.check_summary[] := '{}';
    got_rows @extschema@.check_summary;
    got_labels @extschema@.check_summary;
    lo timestamptz := window_start;     -- the buckets considered: those of [lo, hi)
    hi timestamptz := window_end;
BEGIN
    IF coalesce(current_setting('mlmon.summaries', true), 'on')::boolean AND r.tracked THEN
        IF NOT isfinite(window_start) OR NOT isfinite(window_end) OR window_end - window_start > w * 1000 THEN
            -- a wide window: its buckets are those of its rows (not one per bucket width since the epoch)
            EXECUTE format('SELECT min(%1$s), max(%1$s) %2$s', r.ts, r.from_clause)
               INTO lo, hi USING model, window_start, window_end;
            IF lo IS NULL THEN
                lo := window_end;       -- no rows: no bucket
                hi := window_end;
            ELSE
                lo := greatest(window_start, date_bin(w, lo, origin));
                hi := least(window_end, date_bin(w, hi, origin) + w);
            END IF;
        END IF;
        -- whole buckets inside the window, closed, and with every row they will get committed; while
        -- a transaction older than the model's last change of bucket width runs, none
        first_bucket := date_bin(w, lo, origin);
        IF first_bucket < lo THEN
            first_bucket := first_bucket + w;
        END IF;
        horizon := @extschema@._summary_horizon();
        IF horizon < (SELECT m.updated_at FROM @extschema@.models m WHERE m.name = _window_summary.model) THEN
            horizon := '-infinity';
        END IF;
        stored_end := greatest(date_bin(w, least(hi, horizon), origin), first_bucket);
    END IF;
    IF first_bucket IS NULL OR stored_end <= first_bucket THEN
        -- no whole bucket to store: the window is read as one part
        first_bucket := window_end;
        stored_end := window_end;
    END IF;
    -- changes since the last check: edits re-match labels, stale summaries go, waiting labels are matched
    PERFORM @extschema@._apply_invalidations(model, r, plan);
    IF stored_end > first_bucket THEN
        -- what is missing or stale is built once: later checks read it
        SELECT coalesce(array_agg(g.b ORDER BY g.b) FILTER (WHERE s.model IS NULL), '{}'),
               coalesce(array_agg(g.b ORDER BY g.b), '{}')
          INTO row_keys, label_keys
          FROM generate_series(first_bucket, stored_end - w, w) g(b)
          LEFT JOIN @extschema@.summaries s ON s.model = _window_summary.model AND s.bucket_start = g.b
         WHERE s.model IS NULL OR NOT s.labels_valid;
    END IF;
    IF window_start < first_bucket THEN
        row_keys := window_start || row_keys;
        label_keys := window_start || label_keys;
    END IF;
    IF stored_end < window_end THEN
        row_keys := row_keys || stored_end;
        label_keys := label_keys || stored_end;
    END IF;
    -- each run of adjacent parts is read in one scan of its span, rows and labels apart
    FOR pass IN 1..2 LOOP
        keys := CASE pass WHEN 1 THEN row_keys ELSE label_keys END;
        i := 1;
        WHILE i <= cardinality(keys) LOOP
            j := i;
            WHILE j < cardinality(keys) AND
                  CASE WHEN keys[j] = window_start AND window_start < first_bucket THEN first_bucket
                       ELSE keys[j] + w END = keys[j + 1] LOOP
                j := j + 1;
            END LOOP;
            from_ts := keys[i];
            to_ts := CASE WHEN keys[j] = stored_end AND stored_end < window_end THEN window_end
                          WHEN keys[j] = window_start AND window_start < first_bucket THEN first_bucket
                          ELSE keys[j] + w END;
            FOR p IN SELECT * FROM @extschema@._read_parts(r, model, (plan).summary, from_ts, to_ts, window_start, w,
                                                              first_bucket, stored_end,
                                                              CASE pass WHEN 1 THEN keys[i:j] ELSE '{}' END,
                                                              CASE pass WHEN 2 THEN keys[i:j] ELSE '{}' END) LOOP
                IF pass = 1 THEN
                    row_part_keys := row_part_keys || p.k;
                    row_parts := row_parts || p.rows_part;
                ELSE
                    label_part_keys := label_part_keys || p.k;
                    label_parts := label_parts || p.labels_part;
                END IF;
            END LOOP;
            i := j + 1;
        END LOOP;
    END LOOP;
    -- (label_keys lists every part read, row_keys those whose rows were read)
    FOR i IN 1..cardinality(label_keys) LOOP
        k := label_keys[i];
        got_rows := row_parts[array_position(row_part_keys, k)];
        got_labels := label_parts[array_position(label_part_keys, k)];
        IF k = window_start AND window_start < first_bucket THEN
            head_rows := got_rows;
            head_labels := got_labels;
        ELSIF k = stored_end AND stored_end < window_end THEN
            tail_rows := got_rows;
            tail_labels := got_labels;
        ELSIF k = ANY(row_keys) THEN
            INSERT INTO @extschema@.summaries AS s (model, bucket_start, fingerprint, rows_part, labels_part)
            VALUES (model, k, (plan).fingerprint, got_rows, got_labels)
            ON CONFLICT ON CONSTRAINT summaries_pkey DO UPDATE
               SET fingerprint = excluded.fingerprint, rows_part = excluded.rows_part,
                   labels_part = excluded.labels_part, labels_valid = true, built_at = excluded.built_at;
        ELSE
            UPDATE @extschema@.summaries s SET labels_part = got_labels, labels_valid = true,
                   built_at = now()
             WHERE s.model = _window_summary.model AND s.bucket_start = k;
        END IF;
    END LOOP;
    SELECT @extschema@.merge(x.p) INTO result
      FROM (SELECT s.rows_part AS p FROM @extschema@.summaries s
             WHERE s.model = _window_summary.model AND s.bucket_start >= first_bucket AND s.bucket_start < stored_end
            UNION ALL
            SELECT s.labels_part FROM @extschema@.summaries s
             WHERE s.model = _window_summary.model AND s.bucket_start >= first_bucket AND s.bucket_start < stored_end
            UNION ALL
            SELECT unnest(ARRAY[head_rows, head_labels, tail_rows, tail_labels])) x
     WHERE x.p IS NOT NULL;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@._window_summary(text, @extschema@._check_plan, timestamptz, timestamptz) IS
    'The summary of a window: stored summaries of its closed buckets, rows at its edges (internal)';

CREATE FUNCTION @extschema@.summarize(model text, from_ts timestamptz, to_ts timestamptz) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    plan @extschema@._check_plan := @extschema@._check_plan(model);
    n bigint;
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR from_ts >= to_ts THEN
        RAISE EXCEPTION 'the time span must have from_ts < to_ts' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@._window_summary(model, plan, from_ts, to_ts);
    SELECT count(*) INTO n FROM @extschema@.summaries s
     WHERE s.model = summarize.model AND s.bucket_start >= from_ts AND s.bucket_start < to_ts;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.summarize(text, timestamptz, timestamptz) IS
    'Build the stored summaries of a model''s closed buckets in [from_ts, to_ts) ahead of the checks (a backfill); returns the buckets stored there';

--------------------------------------------------------------------------
-- Checks from summaries
--------------------------------------------------------------------------

-- One column's drift: its test (from the registry) and effect size.
CREATE FUNCTION @extschema@._column_drift(test text, is_numeric boolean, reference @extschema@.profile,
        s @extschema@.check_summary, col int, OUT is_p boolean, OUT statistic float8, OUT p_value float8,
        OUT effect float8, OUT log_p_value float8)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fn regprocedure;
    d @extschema@._drift_value;
BEGIN
    SELECT t.p_value, CASE WHEN is_numeric THEN t.numeric_function ELSE t.categorical_function END INTO is_p, fn
      FROM @extschema@.drift_tests t WHERE t.name = test;
    -- a test the window's data does not allow (fisher_exact on a third
    -- category, mmd past its size) leaves this column undecided, with a
    -- warning, rather than failing the whole check
    BEGIN
        EXECUTE format('SELECT * FROM %I.%I($1, $2, $3)',
                       (SELECT n.nspname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = fn),
                       (SELECT p.proname FROM pg_proc p WHERE p.oid = fn))
           INTO d USING s, reference, col;
    EXCEPTION WHEN invalid_parameter_value OR numeric_value_out_of_range OR program_limit_exceeded
                   OR feature_not_supported THEN
        RAISE WARNING 'drift test "%" could not be computed on column % of the window: %', test, col, SQLERRM
            USING ERRCODE = SQLSTATE;
        d := NULL;
    END;
    statistic := d.statistic;
    p_value := d.p_value;
    log_p_value := d.log_p_value;
    -- the effect size: the normed Wasserstein distance (numbers) or the Jensen-Shannon distance (categories)
    IF is_numeric AND test <> 'wasserstein' THEN
        effect := (@extschema@._drift_wasserstein(s, reference, col)).statistic;
    ELSIF NOT is_numeric AND test <> 'jensen_shannon' THEN
        effect := @extschema@.jensen_shannon(reference, @extschema@._summary_profile(s, col));
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._column_drift(text, boolean, @extschema@.profile, @extschema@.check_summary, int) IS
    'The drift test of a column of a summary against its reference, with its effect size (internal)';

-- Data drift per feature, and over the features.
CREATE FUNCTION @extschema@._drift_results(plan @extschema@._check_plan, s @extschema@.check_summary, correction text)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH f AS (
        SELECT i, ((plan).summary).features[i] AS feature, (plan).tests[i] AS test, (plan).thresholds[i] AS threshold,
               d.*, (@extschema@._summary_quality(s, i))[1] AS n
          FROM generate_subscripts(((plan).summary).features, 1) i,
               LATERAL @extschema@._column_drift((plan).tests[i], ((plan).summary).kinds[i] = 'numeric',
                                                 ((plan).summary).refs[i], s, i) d
    ), a AS (
        SELECT f.*, (@extschema@._adjust_pvalues(array_agg(f.p_value) OVER w, correction))[f.i] AS p_adj
          FROM f WINDOW w AS (ORDER BY f.i ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ), d AS (
        SELECT a.*, (CASE WHEN a.is_p THEN a.p_adj <= a.threshold ELSE a.statistic >= a.threshold END)::int::float8 AS drift
          FROM a
    )
    SELECT 'data_drift', x.metric, d.feature, x.value, d.test
      FROM d, LATERAL (VALUES (1, 'statistic', d.statistic), (2, 'p_value', d.p_value), (3, 'p_value_adjusted', d.p_adj),
                              (4, 'effect_size', coalesce(d.effect, d.statistic)), (5, 'threshold', d.threshold),
                              (6, 'drift_detected', d.drift), (7, 'n', d.n::float8),
                              (8, 'log_p_value', d.log_p_value)) x(o, metric, value)
    UNION ALL
    SELECT 'data_drift', x.metric, NULL, x.value, NULL
      FROM (SELECT count(*)::float8 AS nf, coalesce(sum(d.drift), 0) AS drifted FROM d) t,
           LATERAL (VALUES ('drifted_features', t.drifted), ('drift_share', t.drifted / t.nf),
                           ('dataset_drift', (t.drifted / t.nf >= 0.5)::int::float8)) x(metric, value)
     WHERE t.nf > 0;
END;
COMMENT ON FUNCTION @extschema@._drift_results(@extschema@._check_plan, @extschema@.check_summary, text) IS
    'The data-drift results of a check: each feature''s test, p-values adjusted for multiple testing, and the share drifted (internal)';

-- Data quality per feature and of the rows as a whole.
CREATE FUNCTION @extschema@._quality_results(plan @extschema@._check_plan, s @extschema@.check_summary)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH t AS (SELECT * FROM @extschema@._summary_totals(s)),
    q AS (
        SELECT ((plan).summary).features[i] AS feature, ((plan).summary).kinds[i] AS kind,
               @extschema@._summary_quality(s, i) AS c,
               (@extschema@.summary(((plan).summary).refs[i])).mode = 'exact' AS exact_ref
          FROM generate_subscripts(((plan).summary).features, 1) i
    ), r AS (
        -- unseen categories are counted against a reference that lists every category
        SELECT q.feature, q.kind, q.c[2]::float8 / greatest(t.rows, 1) AS missing,
               q.c[3]::float8 / greatest(t.rows, 1) AS invalid,
               CASE WHEN q.c[1] > 0 AND (q.kind = 'numeric' OR q.exact_ref) THEN q.c[4]::float8 / q.c[1] END AS outside
          FROM q, t
    )
    SELECT 'data_quality', x.metric, r.feature, x.value, NULL::text
      FROM r, LATERAL (VALUES ('missing_rate', r.missing), ('invalid_rate', r.invalid),
                              (CASE WHEN r.kind = 'numeric' THEN 'out_of_range_rate' ELSE 'unseen_category_rate' END,
                               r.outside)) x(metric, value)
    UNION ALL
    SELECT 'data_quality', x.metric, NULL, x.value, NULL
      FROM t, LATERAL (VALUES
            ('malformed_rate', CASE WHEN t.rows > 0 THEN t.malformed::float8 / t.rows END),
            ('unexpected_features_rate', CASE WHEN t.rows > 0 THEN t.unexpected::float8 / t.rows END),
            ('quality_issue_rate', CASE WHEN t.rows > 0 THEN
                greatest(t.malformed::float8 / t.rows, t.unexpected::float8 / t.rows,
                         (SELECT max(greatest(r.missing, r.invalid)) FROM r), 0) END)) x(metric, value)
    UNION ALL
    SELECT 'data_quality', 'unexpected_feature_rows', u.feature, u.rows::float8, NULL
      FROM (SELECT * FROM @extschema@._summary_unexpected(s) ORDER BY 1 LIMIT 100) u;
END;
COMMENT ON FUNCTION @extschema@._quality_results(@extschema@._check_plan, @extschema@.check_summary) IS
    'The data-quality results of a check: missing, invalid, out-of-range or unseen values per feature, malformed rows, unexpected features (internal)';

-- The predictions: their drift and their distribution (for dashboards).
CREATE FUNCTION @extschema@._output_results(plan @extschema@._check_plan, s @extschema@.check_summary)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH p AS (SELECT @extschema@._summary_profile(s, 0) AS cur),
    d AS (
        SELECT c.*, (CASE WHEN c.is_p THEN c.p_value <= (plan).prediction_threshold
                          ELSE c.statistic >= (plan).prediction_threshold END)::int::float8 AS drift
          FROM p, LATERAL @extschema@._column_drift((plan).prediction_test, ((plan).summary).task = 'regression',
                                                    ((plan).summary).prediction_ref, s, 0) c
         WHERE (plan).prediction_test IS NOT NULL AND @extschema@.count(p.cur) > 0
    )
    SELECT 'output_drift', x.metric, NULL::text, x.value, (plan).prediction_test
      FROM d, LATERAL (VALUES ('statistic', d.statistic), ('p_value', d.p_value), ('log_p_value', d.log_p_value),
                              ('threshold', (plan).prediction_threshold), ('drift_detected', d.drift)) x(metric, value)
    UNION ALL
    -- each class's share, or the predicted values' quartiles
    SELECT 'output_drift', 'prediction_share', tv.value, tv.frequency, NULL
      FROM p, LATERAL @extschema@.top_values(p.cur, 100) tv
     WHERE ((plan).summary).task = 'classification'
    UNION ALL
    SELECT 'output_drift', x.metric, NULL, x.value, NULL
      FROM p, LATERAL (VALUES ('prediction_p25', @extschema@.quantile(p.cur, 0.25)),
                              ('prediction_p50', @extschema@.quantile(p.cur, 0.5)),
                              ('prediction_p75', @extschema@.quantile(p.cur, 0.75))) x(metric, value)
     WHERE ((plan).summary).task = 'regression' AND @extschema@.count(p.cur) > 0;
END;
COMMENT ON FUNCTION @extschema@._output_results(@extschema@._check_plan, @extschema@.check_summary) IS
    'The output-drift results of a check: the predictions'' test and their distribution (internal)';

-- Volume, latency, anomalies.
CREATE FUNCTION @extschema@._volume_results(s @extschema@.check_summary, labeled bigint, window_start timestamptz,
        window_end timestamptz)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'volume', x.metric, NULL::text, x.value, NULL::text
      FROM (SELECT * FROM @extschema@._summary_totals(s)) t,
           LATERAL (VALUES ('rows', t.rows::float8), ('labeled_rows', labeled::float8),
                           ('throughput_per_second', t.rows / extract(epoch FROM window_end - window_start)::float8)) x(metric, value)
    UNION ALL
    SELECT 'latency', x.metric, NULL, x.value, NULL
      FROM (SELECT @extschema@._summary_profile(s, -1) AS l) p,
           LATERAL (VALUES ('p50_ms', @extschema@.quantile(p.l, 0.5)), ('p90_ms', @extschema@.quantile(p.l, 0.9)),
                           ('p95_ms', @extschema@.quantile(p.l, 0.95)), ('p99_ms', @extschema@.quantile(p.l, 0.99)),
                           ('mean_ms', (@extschema@.summary(p.l)).mean)) x(metric, value)
     WHERE @extschema@.count(p.l) > 0
    UNION ALL
    SELECT 'anomalies', 'anomaly_rate', NULL, t.anomalous::float8 / t.anomaly_judged, NULL
      FROM @extschema@._summary_totals(s) t
     WHERE t.anomaly_judged > 0;
END;
COMMENT ON FUNCTION @extschema@._volume_results(@extschema@.check_summary, bigint, timestamptz, timestamptz) IS
    'The volume, latency and anomaly-rate results of a check (internal)';

-- Performance against the reference.
CREATE FUNCTION @extschema@._performance_results(task text, perf jsonb, ref_perf jsonb)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'performance', x.k, NULL::text, x.v, NULL::text
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
     WHERE task = 'classification' AND x.v IS NOT NULL
    UNION ALL
    SELECT 'performance', x.k, NULL, x.v, NULL
      FROM (VALUES (1, 'mae', (perf->>'mae')::float8), (2, 'mse', (perf->>'mse')::float8),
                   (3, 'rmse', (perf->>'rmse')::float8), (4, 'r2', (perf->>'r2')::float8),
                   (5, 'mape', (perf->>'mape')::float8),
                   (6, 'reference_r2', (ref_perf->>'r2')::float8),
                   (7, 'r2_drop', (ref_perf->>'r2')::float8 - (perf->>'r2')::float8)) x(o, k, v)
     WHERE task = 'regression' AND x.v IS NOT NULL;
END;
COMMENT ON FUNCTION @extschema@._performance_results(text, jsonb, jsonb) IS
    'The performance results of a check against its reference (internal)';

-- The performance of a summary's labelled rows, as classification_metrics or regression_metrics give it.
CREATE FUNCTION @extschema@._summary_performance(task text, s @extschema@.check_summary) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN task = 'classification' THEN to_jsonb(@extschema@._summary_classification(s))
            ELSE to_jsonb(@extschema@._summary_regression(s)) END;
COMMENT ON FUNCTION @extschema@._summary_performance(text, @extschema@.check_summary) IS
    'The performance of a summary''s labelled rows as JSON (internal)';

-- The labelled rows of a summary: rows with a label (classification), rows
-- with an actual and a predicted value (regression).
CREATE FUNCTION @extschema@._labeled_rows(task text, s @extschema@.check_summary) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN coalesce(CASE WHEN task = 'classification' THEN (@extschema@._summary_totals(s)).labeled
                     ELSE (@extschema@._summary_regression(s)).n END, 0);
COMMENT ON FUNCTION @extschema@._labeled_rows(text, @extschema@.check_summary) IS
    'The labelled rows of a summary (internal)';

-- Every result of a check: plan, then measure (each part its own function).
CREATE FUNCTION @extschema@._check_results(model text, plan @extschema@._check_plan, s @extschema@.check_summary,
        window_start timestamptz, window_end timestamptz)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := ((plan).summary).task;
    m @extschema@.models;
    rw @extschema@.reference_windows;
    perf jsonb := @extschema@._summary_performance(task, s);
    labeled bigint := @extschema@._labeled_rows(task, s);
    cm jsonb;
BEGIN
    SELECT * INTO m FROM @extschema@.models mm WHERE mm.name = _check_results.model;
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = _check_results.model;
    IF labeled = 0 THEN
        perf := NULL;
    END IF;
    SELECT to_jsonb(c) INTO cm FROM @extschema@._summary_cbpe(s) c;
    RETURN QUERY
        SELECT * FROM @extschema@._volume_results(s, labeled, window_start, window_end)
        UNION ALL SELECT * FROM @extschema@._performance_results(task, perf, rw.performance)
        UNION ALL SELECT * FROM @extschema@._drift_results(plan, s, m.drift_correction)
        UNION ALL SELECT * FROM @extschema@._output_results(plan, s)
        UNION ALL SELECT * FROM @extschema@._quality_results(plan, s)
        UNION ALL SELECT * FROM @extschema@._concept_results(model, task, s, rw.performance, rw.n_labeled, perf)
        UNION ALL SELECT * FROM @extschema@._cbpe_results(cm, perf, rw.performance, (plan).summary.positive_label)
        UNION ALL SELECT * FROM @extschema@._multivariate_results(model, window_start, window_end)
        UNION ALL SELECT * FROM @extschema@._embedding_results(model, window_start, window_end);
END
$$;
COMMENT ON FUNCTION @extschema@._check_results(text, @extschema@._check_plan, @extschema@.check_summary, timestamptz, timestamptz) IS
    'Every result of a check from its window''s summary (internal)';

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

CREATE OR REPLACE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    plan @extschema@._check_plan;
    s @extschema@.check_summary;
    cid bigint;
BEGIN
    IF window_start IS NULL OR window_end IS NULL OR window_start >= window_end THEN
        RAISE EXCEPTION 'the check window must have window_start < window_end' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT isfinite(window_start) OR NOT isfinite(window_end) THEN
        RAISE EXCEPTION 'the check window must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plan := @extschema@._check_plan(model);
    s := @extschema@._window_summary(model, plan, window_start, window_end);
    INSERT INTO @extschema@.checks (model, window_start, window_end, n_rows, n_labeled, finished_at)
    VALUES (model, window_start, window_end, (@extschema@._summary_totals(s)).rows,
            @extschema@._labeled_rows(((plan).summary).task, s), clock_timestamp())
    RETURNING check_id INTO cid;
    -- one statement writes every result: the alert trigger sees the whole check
    INSERT INTO @extschema@.check_results (check_id, time, model, "check", metric, feature, value, method)
    SELECT cid, window_end, model, x."check", x.metric, x.feature, x.value, x.method
      FROM @extschema@._check_results(model, plan, s, window_start, window_end) x
     WHERE x.value IS NOT NULL OR x."check" IN ('data_drift', 'output_drift', 'data_quality');
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, timestamptz, timestamptz) IS
    'Check [window_start, window_end) of a model against its reference: performance, drift per feature, output drift, data quality, latency, volume, concept drift, anomalies, estimated performance, from the window''s summary; returns the check id';

--------------------------------------------------------------------------
-- Privileges
--------------------------------------------------------------------------

-- The new functions that are private to the extension's owner, as in the
-- install script (the roles that may use them are granted below)
REVOKE EXECUTE ON FUNCTION
    @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name, boolean, name),
    @extschema@.record_label(text, text, text, timestamptz), @extschema@.record_label(text, text, float8, timestamptz),
    @extschema@._store_label(text, text, text, float8, timestamptz), @extschema@.set_bucket_width(text, interval),
    @extschema@.summarize(text, timestamptz, timestamptz), @extschema@.forget_summaries(text),
    @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean)
    FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.grant_writer(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT INSERT ON @extschema@.predictions TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.record_label(text, text, text), '
                   '@extschema@.record_label(text, text, float8), @extschema@.record_label(text, text, text, timestamptz), '
                   '@extschema@.record_label(text, text, float8, timestamptz) TO %s', role);
END
$$;

-- Who could record labels (mlmon.grant_writer in 0.2.0) may use the forms
-- with prediction_time; who could register sources may use the new form.
-- These grants are the users' own, like the ones they copy: pg_init_privs
-- keeps the install script's privileges (GRANT inside an extension script
-- would record them as the extension's, and pg_dump would leave them out).
DO $$
DECLARE
    f record;
    g record;
    init aclitem[];
BEGIN
    FOR f IN SELECT v.o::regprocedure AS old_fn, v.n::regprocedure AS new_fn FROM (VALUES
                 ('@extschema@.record_label(text, text, text)',
                  '@extschema@.record_label(text, text, text, timestamptz)'),
                 ('@extschema@.record_label(text, text, float8)',
                  '@extschema@.record_label(text, text, float8, timestamptz)'),
                 ('@extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name)',
                  '@extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name, boolean, name)')
             ) v(o, n)
    LOOP
        SELECT i.initprivs INTO init FROM pg_catalog.pg_init_privs i
         WHERE i.classoid = 'pg_catalog.pg_proc'::regclass AND i.objoid = f.new_fn AND i.objsubid = 0;
        FOR g IN SELECT x.is_grantable, CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
                   FROM pg_catalog.pg_proc p
                  CROSS JOIN LATERAL pg_catalog.aclexplode(p.proacl) x
                   LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
                  WHERE p.oid = f.old_fn AND x.privilege_type = 'EXECUTE' AND x.grantee <> p.proowner
                  ORDER BY 2
        LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s%s', f.new_fn, g.grantee,
                           CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
        UPDATE pg_catalog.pg_init_privs i SET initprivs = init
         WHERE i.classoid = 'pg_catalog.pg_proc'::regclass AND i.objoid = f.new_fn AND i.objsubid = 0;
    END LOOP;
END
$$;
DROP FUNCTION @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name);

--------------------------------------------------------------------------
-- Data
--------------------------------------------------------------------------

-- The existing partitions of the log get what maintain_partitions gives a new
-- one: the (model, request_id) index that finds a label's prediction (built
-- first: the labels are matched through it below), the TRUNCATE trigger (the
-- row trigger comes from the log's, below).
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT c.oid::regclass AS part, c.relname FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = '@extschema@.predictions'::regclass
                AND c.oid <> '@extschema@.predictions_default'::regclass
              ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s (model, request_id)', p.relname || '_model_request', p.part);
    END LOOP;
END
$$;

CREATE INDEX predictions_default_model_request ON @extschema@.predictions_default (model, request_id);

-- Every label is matched to its prediction as record_label matches one in
-- 0.3.0 (labels whose prediction is not found wait with ts NULL).
DO $$
DECLARE
    m text;
BEGIN
    FOR m IN SELECT mo.name FROM @extschema@.models mo
              WHERE EXISTS (SELECT 1 FROM @extschema@.labels l WHERE l.model = mo.name)
              ORDER BY mo.name LOOP
        PERFORM @extschema@._match_labels(m);
    END LOOP;
END
$$;

CREATE INDEX labels_model_ts ON @extschema@.labels (model, ts);

-- The triggers that make stored summaries stale (as in the install script),
-- and the TRUNCATE trigger of each existing daily partition (as
-- maintain_partitions creates it).

CREATE TRIGGER summary_changed BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.predictions
    FOR EACH ROW EXECUTE FUNCTION @extschema@._summary_changed('', 'ts', 'rows');

COMMENT ON TRIGGER summary_changed ON @extschema@.predictions IS
    'Rows written into a closed bucket make its summary stale';

CREATE TRIGGER summary_changed BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.labels
    FOR EACH ROW EXECUTE FUNCTION @extschema@._summary_changed('', 'ts', 'labels');

COMMENT ON TRIGGER summary_changed ON @extschema@.labels IS
    'Labels of rows in a closed bucket make the labels part of its summary stale';

ALTER TABLE @extschema@.predictions ENABLE ALWAYS TRIGGER summary_changed;

ALTER TABLE @extschema@.labels ENABLE ALWAYS TRIGGER summary_changed;

CREATE TRIGGER summaries_truncated AFTER TRUNCATE ON @extschema@.predictions
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._summaries_truncated('');

COMMENT ON TRIGGER summaries_truncated ON @extschema@.predictions IS
    'A truncated log leaves no summary or label match behind';

CREATE TRIGGER summaries_truncated AFTER TRUNCATE ON @extschema@.labels
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._summaries_truncated('');

COMMENT ON TRIGGER summaries_truncated ON @extschema@.labels IS
    'Truncated labels leave no summary behind';

CREATE TRIGGER summaries_truncated AFTER TRUNCATE ON @extschema@.predictions_default
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._summaries_truncated('');

COMMENT ON TRIGGER summaries_truncated ON @extschema@.predictions_default IS
    'A truncated partition of the log leaves no summary or label match behind';

ALTER TABLE @extschema@.predictions ENABLE ALWAYS TRIGGER summaries_truncated;

ALTER TABLE @extschema@.labels ENABLE ALWAYS TRIGGER summaries_truncated;

ALTER TABLE @extschema@.predictions_default ENABLE ALWAYS TRIGGER summaries_truncated;

DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT c.oid::regclass AS part FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = '@extschema@.predictions'::regclass
                AND c.oid <> '@extschema@.predictions_default'::regclass
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t
                                 WHERE t.tgrelid = c.oid AND t.tgname = 'summaries_truncated')
              ORDER BY c.relname
    LOOP
        EXECUTE format('CREATE TRIGGER summaries_truncated AFTER TRUNCATE ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._summaries_truncated(%L)', p.part, '');
        EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER summaries_truncated', p.part);
    END LOOP;
END
$$;


-- Every check where users look (0.3.0): the latest results of every check
-- (mlmon.latest_results, the owner's; readers see them through
-- monitoring_report, report() and metrics), the report and the Prometheus
-- metrics of all checks, the alert counts of concept drift, anomalies and
-- estimated performance, and grant_feature_reader for the dashboard's
-- most-unusual-rows panel.
-- The headline of each model's monitoring now: every check's results of the
-- model's latest check, and performance and concept drift (which need
-- labels) of its latest check with labelled rows.
CREATE VIEW @extschema@.latest_results AS
WITH last AS (
    SELECT m.name AS model,
           (SELECT c.check_id FROM @extschema@.checks c WHERE c.model = m.name
             ORDER BY c.window_end DESC, c.check_id DESC LIMIT 1) AS check_id,
           (SELECT c.check_id FROM @extschema@.checks c WHERE c.model = m.name AND c.n_labeled > 0
             ORDER BY c.window_end DESC, c.check_id DESC LIMIT 1) AS labelled_check_id
      FROM @extschema@.models m
)
SELECT l.model, c.check_id, c.window_start, c.window_end, r."check", r.metric, r.feature, r.value, r.method
  FROM last l
  JOIN @extschema@.checks c ON c.check_id = l.check_id
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" NOT IN ('performance', 'concept_drift')
UNION ALL
SELECT l.model, c.check_id, c.window_start, c.window_end, r."check", r.metric, r.feature, r.value, r.method
  FROM last l
  JOIN @extschema@.checks c ON c.check_id = l.labelled_check_id
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" IN ('performance', 'concept_drift');
COMMENT ON VIEW @extschema@.latest_results IS
    'Each model''s latest results: every check of its latest check, performance and concept drift of its latest check with labels';

REVOKE ALL ON @extschema@.latest_results FROM PUBLIC;

-- monitoring_report gains four columns at its end
CREATE OR REPLACE VIEW @extschema@.monitoring_report AS
SELECT m.name AS model, m.version, m.task,
       min(c.window_start) AS period_start, max(c.window_end) AS period_end,
       count(c.check_id) AS n_checks,
       (SELECT avg(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_accuracy,
       (SELECT min(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS min_accuracy,
       (SELECT max(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS max_accuracy,
       (SELECT stddev_samp(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS std_accuracy,
       (SELECT avg(p.f1) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_f1,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name) AS total_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type IN ('data_drift', 'feature_drift')) AS data_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'output_drift') AS output_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'performance_degradation') AS performance_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'data_quality') AS data_quality_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open') AS open_alerts,
       (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'model' ORDER BY a.time DESC, a.alert_id DESC), '[]')
          FROM (SELECT * FROM @extschema@.alerts a WHERE a.model = m.name
                 ORDER BY a.time DESC, a.alert_id DESC LIMIT 10) a) AS last_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'concept_drift') AS concept_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'anomalies') AS anomaly_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'estimated_performance') AS estimated_performance_alerts,
       -- every check's model-wide results in the latest check (per-feature ones: feature_drift, results_view)
       (SELECT jsonb_build_object(
                   'check_id', max(x.check_id) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'window_end', max(x.window_end) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'labelled_check_id', max(x.check_id) FILTER (WHERE x."check" IN ('performance', 'concept_drift')))
               || coalesce(jsonb_object_agg(x."check", x.results), '{}')
          FROM (SELECT y."check", max(y.check_id) AS check_id, max(y.window_end) AS window_end,
                       jsonb_object_agg(y.metric, y.value) AS results
                  FROM @extschema@.latest_results y
                 WHERE y.model = m.name AND y.feature IS NULL
                 GROUP BY y."check") x) AS latest_check,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'multivariate_drift') AS multivariate_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'embedding_drift') AS embedding_drift_alerts
  FROM @extschema@.models m
  LEFT JOIN @extschema@.checks c ON c.model = m.name
 GROUP BY m.name;
COMMENT ON VIEW @extschema@.monitoring_report IS
    'Per model: the monitored period, number of checks, accuracy summary, alert counts by type, the last 10 alerts, and every check''s model-wide results of the latest check';

CREATE OR REPLACE FUNCTION @extschema@.report(model text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.monitoring_report;
BEGIN
    -- read through the views only, so that readers may call it
    SELECT * INTO r FROM @extschema@.monitoring_report x WHERE x.model = report.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN jsonb_build_object(
        'model', jsonb_build_object('name', r.model, 'version', r.version, 'task', r.task),
        'monitoring_period', jsonb_build_object('start', r.period_start, 'end', r.period_end, 'n_batches', r.n_checks),
        'performance_summary', jsonb_build_object('avg_accuracy', r.avg_accuracy, 'min_accuracy', r.min_accuracy,
            'max_accuracy', r.max_accuracy, 'std_accuracy', r.std_accuracy, 'avg_f1', r.avg_f1),
        'drift_summary', jsonb_build_object('total_alerts', r.total_alerts, 'data_drift_alerts', r.data_drift_alerts,
            'output_drift_alerts', r.output_drift_alerts, 'performance_alerts', r.performance_alerts,
            'data_quality_alerts', r.data_quality_alerts, 'concept_drift_alerts', r.concept_drift_alerts,
            'anomaly_alerts', r.anomaly_alerts, 'estimated_performance_alerts', r.estimated_performance_alerts,
            'multivariate_drift_alerts', r.multivariate_drift_alerts, 'embedding_drift_alerts', r.embedding_drift_alerts,
            'open_alerts', r.open_alerts),
        'latest_check', r.latest_check,
        'alerts', r.last_alerts,
        'recommendations', (SELECT coalesce(jsonb_agg(to_jsonb(x) - 'model' ORDER BY x.priority), '[]')
                              FROM @extschema@.recommendations x WHERE x.model = report.model));
END
$$;

COMMENT ON FUNCTION @extschema@.report(text) IS
    'The monitoring report of a model as JSON: period, performance summary, drift summary (alerts by type), every check''s model-wide results of the latest check, last 10 alerts, recommendations';

CREATE FUNCTION @extschema@.grant_feature_reader(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- mlmon.anomalies shows the logged features of the unusual rows: it reads the log
    -- (and a registered source table, which its owner grants) and the references
    EXECUTE format('GRANT SELECT ON @extschema@.anomalies, @extschema@.predictions, @extschema@.sources, '
                   '@extschema@.models, @extschema@.reference_profiles TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_feature_reader(regrole) IS
    'Let a role also read logged features: the log and mlmon.anomalies (Grafana''s most-unusual-rows panel), on top of grant_reader';
REVOKE EXECUTE ON FUNCTION @extschema@.grant_feature_reader(regrole) FROM PUBLIC;

-- Every sample of the exported metrics, one row each: what
-- prometheus_metrics() prints and the exporter's queries read.  Each check's
-- model-wide results and the per-feature ones named here, from
-- mlmon.latest_results (the README's table lists them).
CREATE OR REPLACE VIEW @extschema@.metrics AS
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
           WHEN 'estimated_performance' THEN 'Performance estimated from calibrated scores (CBPE) in the latest check, and its gap to the realised'
           WHEN 'data_quality' THEN CASE WHEN n.feature IS NULL THEN 'Data quality in the latest check: the largest missing, invalid, malformed or unexpected-feature rate (issue_rate), and the malformed and unexpected-feature rates'
                                         ELSE 'Share of the rows whose feature is missing, invalid, out of range or an unseen category, in the latest check' END
           ELSE 'Rows and throughput of the latest checked window' END AS help,
       CASE WHEN n.name = 'mlmon_prediction_share' THEN jsonb_build_object('model', n.model, 'label', n.feature)
            WHEN n.name = 'mlmon_feature_quality_rate'
                THEN jsonb_build_object('model', n.model, 'feature', n.feature, 'kind', regexp_replace(n.metric, '_rate$', ''))
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





-- The categorical drift statistics get a real state type (0.3.0): mlmon.category_state,
-- so that Citus computes them partially on its workers.  CREATE OR REPLACE
-- AGGREGATE changes the state type in place (views of users that call them
-- stay); the internal-state support functions go.
CREATE TYPE @extschema@.category_state;
CREATE FUNCTION @extschema@.category_state_in(cstring) RETURNS @extschema@.category_state
    AS 'MODULE_PATHNAME', 'mlm_category_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_out(@extschema@.category_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_category_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_recv(internal) RETURNS @extschema@.category_state
    AS 'MODULE_PATHNAME', 'mlm_category_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_send(@extschema@.category_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_category_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.category_state (
    INPUT = @extschema@.category_state_in, OUTPUT = @extschema@.category_state_out,
    RECEIVE = @extschema@.category_state_recv, SEND = @extschema@.category_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.category_state IS
    'Partial state of the categorical drift statistics: the categories counted in the reference and current samples (and the reference profile of the (category, profile) forms); text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.category_state_in(cstring) IS 'Input function of mlmon.category_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.category_state_out(@extschema@.category_state) IS 'Output function of mlmon.category_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.category_state_recv(internal) IS 'Binary input function of mlmon.category_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.category_state_send(@extschema@.category_state) IS 'Binary output function of mlmon.category_state';

CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_combine(@extschema@.category_state, @extschema@.category_state)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._chi2_final(@extschema@.category_state)
    RETURNS @extschema@.chi2_result AS 'MODULE_PATHNAME', 'mlm_chi2_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._z_test_final(@extschema@.category_state)
    RETURNS @extschema@.z_result AS 'MODULE_PATHNAME', 'mlm_z_test_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_profile_category_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile) IS
    'Transition function of the (category, reference profile) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_profile_category_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile, text) IS
    'Transition function of mlmon.chi2_drift(category, reference profile, method) (internal)';
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile) IS
    'Transition function of the sliding-window forms of the (category, reference profile) aggregates (internal)';
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile, text) IS
    'Transition function of the sliding-window form of mlmon.chi2_drift(category, reference profile, method) (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean) IS
    'Transition function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean) IS
    'Transition function of the categorical statistics on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean) IS
    'Transition function of the categorical statistics on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_combine(@extschema@.category_state, @extschema@.category_state) IS
    'Combine function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._chi2_final(@extschema@.category_state) IS 'Final function of mlmon.chi2_drift (internal)';
COMMENT ON FUNCTION @extschema@._psi_categorical_final(@extschema@.category_state) IS 'Final function of mlmon.psi on text (internal)';
COMMENT ON FUNCTION @extschema@._js_categorical_final(@extschema@.category_state) IS 'Final function of mlmon.jensen_shannon on text (internal)';
COMMENT ON FUNCTION @extschema@._z_test_final(@extschema@.category_state) IS 'Final function of mlmon.z_test (internal)';
COMMENT ON FUNCTION @extschema@._chi2_final(internal) IS 'Final function of the sliding-window form of mlmon.chi2_drift against a profile (internal)';
COMMENT ON FUNCTION @extschema@._psi_categorical_final(internal) IS 'Final function of the sliding-window form of mlmon.psi on text against a profile (internal)';
COMMENT ON FUNCTION @extschema@._js_categorical_final(internal) IS 'Final function of the sliding-window form of mlmon.jensen_shannon on text against a profile (internal)';
COMMENT ON FUNCTION @extschema@._z_test_final(internal) IS 'Final function of the sliding-window form of mlmon.z_test against a profile (internal)';

CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.z_test(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.z_test(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.z_test(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._psi_categorical_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._js_categorical_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.z_test(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._z_test_final,
    PARALLEL = SAFE
);
DROP FUNCTION @extschema@._category_accum(internal, text, boolean), @extschema@._category_accum(internal, text, boolean, text),
    @extschema@._category_accum(internal, boolean, boolean), @extschema@._category_accum(internal, boolean, boolean, text),
    @extschema@._category_accum(internal, bigint, boolean), @extschema@._category_accum(internal, bigint, boolean, text),
    @extschema@._category_combine(internal, internal), @extschema@._category_serialize(internal),
    @extschema@._category_deserialize(bytea, internal);

-- ks_2samp, psi and jensen_shannon (value, reference profile) get a real state
-- type (0.3.0): mlmon.profile_counts_state, the profile and the counts on its
-- grid or bins, so that Citus computes them partially on its workers instead
-- of gathering every row with a copy of the profile.  The sliding-window
-- forms keep their internal state; the internal-state support functions of
-- the plain aggregates go.
CREATE TYPE @extschema@.profile_counts_state;
CREATE FUNCTION @extschema@.profile_counts_state_in(cstring) RETURNS @extschema@.profile_counts_state
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_out(@extschema@.profile_counts_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_recv(internal) RETURNS @extschema@.profile_counts_state
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_send(@extschema@.profile_counts_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.profile_counts_state (
    INPUT = @extschema@.profile_counts_state_in, OUTPUT = @extschema@.profile_counts_state_out,
    RECEIVE = @extschema@.profile_counts_state_recv, SEND = @extschema@.profile_counts_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.profile_counts_state IS
    'Partial state of ks_2samp, psi and jensen_shannon (value, reference profile): the reference profile and the current values counted on its grid cells or quantile bins; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.profile_counts_state_in(cstring) IS 'Input function of mlmon.profile_counts_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_out(@extschema@.profile_counts_state) IS 'Output function of mlmon.profile_counts_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_recv(internal) IS 'Binary input function of mlmon.profile_counts_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_send(@extschema@.profile_counts_state) IS 'Binary output function of mlmon.profile_counts_state';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile) IS
    'Transition function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile, alternative) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text, text)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile, alternative, method) (internal)';
CREATE FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile) IS
    'Transition function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, int)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, int) IS
    'Transition function of psi and jensen_shannon (value, reference profile, bins) (internal)';
CREATE FUNCTION @extschema@._profile_counts_combine(@extschema@.profile_counts_state, @extschema@.profile_counts_state)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_combine(@extschema@.profile_counts_state, @extschema@.profile_counts_state) IS
    'Combine function of ks_2samp, psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_final(@extschema@.profile_counts_state) RETURNS @extschema@.ks_result
    AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_final(@extschema@.profile_counts_state) IS 'Final function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_psi_final(@extschema@.profile_counts_state) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_pcounts_psi_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_psi_final(@extschema@.profile_counts_state) IS 'Final function of psi(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_js_final(@extschema@.profile_counts_state) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_pcounts_js_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_js_final(@extschema@.profile_counts_state) IS 'Final function of jensen_shannon(value, reference profile) (internal)';

CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text, method text) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_psi_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_psi_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_js_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_js_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
DROP FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile), @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text),
    @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text, text), @extschema@._ksgrid_combine(internal, internal),
    @extschema@._ksgrid_serialize(internal), @extschema@._ksgrid_deserialize(bytea, internal),
    @extschema@._bins_combine(internal, internal), @extschema@._bins_serialize(internal), @extschema@._bins_deserialize(bytea, internal);

-- anomalous_rows: no rows for a model without a reference (anomaly_score refuses
-- to score without one now, instead of returning NULLs).
CREATE OR REPLACE FUNCTION @extschema@.anomalous_rows(model text, window_start timestamptz, window_end timestamptz,
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

-- mlmon.regression_metrics gets a real state type too (0.3.0).
-- The regression metrics' state: the running sums themselves, a real type
-- (fixed length, updated in place) so that Citus computes the aggregate
-- partially on its workers.
CREATE TYPE @extschema@.regression_state;
CREATE FUNCTION @extschema@.regression_state_in(cstring) RETURNS @extschema@.regression_state
    AS 'MODULE_PATHNAME', 'mlm_regression_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_out(@extschema@.regression_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_regression_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_recv(internal) RETURNS @extschema@.regression_state
    AS 'MODULE_PATHNAME', 'mlm_regression_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_send(@extschema@.regression_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_regression_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.regression_state (
    INPUT = @extschema@.regression_state_in, OUTPUT = @extschema@.regression_state_out,
    RECEIVE = @extschema@.regression_state_recv, SEND = @extschema@.regression_state_send,
    INTERNALLENGTH = 72, ALIGNMENT = double, STORAGE = plain
);
COMMENT ON TYPE @extschema@.regression_state IS
    'Partial state of mlmon.regression_metrics: the row count and the compensated sums of absolute, squared and percentage errors, the mean and squared deviations of the actual values; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.regression_state_in(cstring) IS 'Input function of mlmon.regression_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.regression_state_out(@extschema@.regression_state) IS 'Output function of mlmon.regression_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.regression_state_recv(internal) IS 'Binary input function of mlmon.regression_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.regression_state_send(@extschema@.regression_state) IS 'Binary output function of mlmon.regression_state';

CREATE FUNCTION @extschema@._regression_accum(@extschema@.regression_state, float8, float8)
    RETURNS @extschema@.regression_state AS 'MODULE_PATHNAME', 'mlm_regression_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_combine(@extschema@.regression_state, @extschema@.regression_state)
    RETURNS @extschema@.regression_state AS 'MODULE_PATHNAME', 'mlm_regression_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_final(@extschema@.regression_state)
    RETURNS @extschema@.regression_result AS 'MODULE_PATHNAME', 'mlm_regression_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._regression_accum(@extschema@.regression_state, float8, float8) IS
    'Transition function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_combine(@extschema@.regression_state, @extschema@.regression_state) IS
    'Combine function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_final(@extschema@.regression_state) IS
    'Final function of mlmon.regression_metrics (internal)';

CREATE OR REPLACE AGGREGATE @extschema@.regression_metrics(actual float8, predicted float8) (
    SFUNC = @extschema@._regression_accum, STYPE = @extschema@.regression_state,
    FINALFUNC = @extschema@._regression_final,
    COMBINEFUNC = @extschema@._regression_combine,
    PARALLEL = SAFE
);
DROP FUNCTION @extschema@._regression_accum(internal, float8, float8), @extschema@._regression_combine(internal, internal),
    @extschema@._regression_serialize(internal), @extschema@._regression_deserialize(bytea, internal),
    @extschema@._regression_final(internal);

-- sample_state (issue 15)
-- The numeric two-sample statistics and mlmon.isotonic_calibration get a
-- real state type (0.3.0): mlmon.sample_state, so that Citus computes them
-- partially on its workers.  CREATE OR REPLACE AGGREGATE changes the state
-- type in place (views of users that call them stay); the internal-state
-- support functions go.
CREATE TYPE @extschema@.sample_state;
CREATE FUNCTION @extschema@.sample_state_in(cstring) RETURNS @extschema@.sample_state
    AS 'MODULE_PATHNAME', 'mlm_sample_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_out(@extschema@.sample_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_sample_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_recv(internal) RETURNS @extschema@.sample_state
    AS 'MODULE_PATHNAME', 'mlm_sample_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_send(@extschema@.sample_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_sample_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.sample_state (
    INPUT = @extschema@.sample_state_in, OUTPUT = @extschema@.sample_state_out,
    RECEIVE = @extschema@.sample_state_recv, SEND = @extschema@.sample_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.sample_state IS
    'Partial state of the numeric two-sample statistics and of mlmon.isotonic_calibration: every finite value of the reference and current samples (8 bytes each), the options, and the reference profile of the (value, profile) forms; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.sample_state_in(cstring) IS 'Input function of mlmon.sample_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.sample_state_out(@extschema@.sample_state) IS 'Output function of mlmon.sample_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.sample_state_recv(internal) IS 'Binary input function of mlmon.sample_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.sample_state_send(@extschema@.sample_state) IS 'Binary output function of mlmon.sample_state';

CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, int)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum_bins'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum_binning'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_ks_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_ks_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_combine(@extschema@.sample_state, @extschema@.sample_state)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean) IS
    'Transition function of the two-sample numeric statistics (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, int) IS
    'Transition function of the two-sample numeric statistics with a number of bins (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of the two-sample numeric statistics with a binning (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.ks_2samp with an alternative (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text, text) IS
    'Transition function of mlmon.ks_2samp with alternative and method (internal)';
COMMENT ON FUNCTION @extschema@._sample_combine(@extschema@.sample_state, @extschema@.sample_state) IS
    'Combine function of the two-sample numeric statistics (internal)';

CREATE FUNCTION @extschema@._ks_final(@extschema@.sample_state)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_normed_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_normed_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._ks_final(@extschema@.sample_state) IS 'Final function of mlmon.ks_2samp (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_final(@extschema@.sample_state) IS 'Final function of mlmon.wasserstein (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_normed_final(@extschema@.sample_state) IS 'Final function of mlmon.wasserstein_normed (internal)';
COMMENT ON FUNCTION @extschema@._psi_numeric_final(@extschema@.sample_state) IS 'Final function of mlmon.psi on float8 (internal)';
COMMENT ON FUNCTION @extschema@._js_numeric_final(@extschema@.sample_state) IS 'Final function of mlmon.jensen_shannon on float8 (internal)';
CREATE FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile) IS
    'Transition function of the (value, reference profile) numeric aggregates (internal)';
CREATE FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of the (value, reference profile, binning) aggregates (internal)';
CREATE FUNCTION @extschema@._isotonic_final(@extschema@.sample_state) RETURNS @extschema@.calibration
    AS 'MODULE_PATHNAME', 'mlm_isotonic_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._isotonic_final(@extschema@.sample_state) IS 'Final function of mlmon.isotonic_calibration (internal)';

CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text) (
    SFUNC = @extschema@._ks_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text, method text) (
    SFUNC = @extschema@._ks_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.wasserstein(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.wasserstein_normed(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.wasserstein(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.wasserstein_normed(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.isotonic_calibration(score float8, outcome boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._isotonic_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
DROP FUNCTION @extschema@._sample_accum(internal, float8, boolean), @extschema@._sample_accum(internal, float8, boolean, int),
    @extschema@._sample_accum(internal, float8, boolean, text), @extschema@._ks_accum(internal, float8, boolean, text),
    @extschema@._ks_accum(internal, float8, boolean, text, text),
    @extschema@._profile_sample_accum(internal, float8, @extschema@.profile), @extschema@._profile_sample_accum(internal, float8, @extschema@.profile, text),
    @extschema@._sample_combine(internal, internal), @extschema@._sample_serialize(internal), @extschema@._sample_deserialize(bytea, internal),
    @extschema@._ks_final(internal), @extschema@._wasserstein_final(internal), @extschema@._wasserstein_normed_final(internal),
    @extschema@._psi_numeric_final(internal), @extschema@._js_numeric_final(internal), @extschema@._isotonic_final(internal);

-- The drift-test catalogue (sql/catalogue*.sql).

CREATE TYPE @extschema@.test_result AS (
    statistic   float8,
    pvalue      float8,
    n_reference bigint,   -- values used from the reference sample
    n_current   bigint,   -- values used from the current sample
    method      text,     -- how the p-value was computed (e.g. 'exact', 'asymp')
    log_pvalue  float8    -- natural log of pvalue, finite where pvalue underflows to 0
);
COMMENT ON TYPE @extschema@.test_result IS
    'Result of the drift tests with a p-value added in 0.3.0 (t_test, mann_whitney, cramer_von_mises, anderson_darling, g_test, fisher_exact, tvd): statistic, p-value, sample sizes, method and the natural log of the p-value';

-- ADWIN restarts after a drift, as river does; after_drift 'shrink' keeps MOA's way.
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, text) IS 'Transition function of mlmon.adwin with after_drift (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer, text) IS 'Transition function of mlmon.adwin with parameters and after_drift (internal)';
CREATE AGGREGATE @extschema@.adwin(value float8, after_drift text) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, delta float8, clock integer, max_buckets integer,
                                   min_window_length integer, grace_period integer, after_drift text) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.adwin(float8) IS
    'ADWIN adaptive-window change detector (river''s defaults: delta 0.002, clock 32, max_buckets 5, min_window_length 5, grace_period 10; a new window after each drift, as river); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length and grace_period (restarts after a drift, as river)';
COMMENT ON AGGREGATE @extschema@.adwin(float8, text) IS
    'ADWIN change detector with river''s defaults; after_drift restart (river: a new window after each drift) or shrink (MOA and the paper: keep the shrunk window)';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer, text) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length, grace_period and after_drift (restart as river, or shrink as MOA)';

-- mlmon.t_test (Welch's or Student's two-sample t-test) and
-- mlmon.mann_whitney (the Mann-Whitney U test).  NULL, NaN and +-Infinity
-- are skipped, as by the other numeric statistics.  Both states are real
-- types, so the aggregates run in parallel and Citus computes them
-- partially on its workers: t_test's is a float8[] of 12 numbers (count,
-- mean and sum of squared deviations of each sample, the last two as
-- double-doubles: src/ttest_state.c), mann_whitney's the mlmon.sample_state
-- of the other rank statistics (every finite value).  The transition
-- functions are not STRICT (NULL values are skipped); IMMUTABLE throughout:
-- results depend on the arguments only.

CREATE FUNCTION @extschema@._t_test_accum(float8[], float8, boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_accum(float8[], float8, boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_mwu_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_mwu_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_final(float8[])
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._t_test_accum(float8[], float8, boolean) IS
    'Transition function of mlmon.t_test (internal)';
COMMENT ON FUNCTION @extschema@._t_test_accum(float8[], float8, boolean, text) IS
    'Transition function of mlmon.t_test with a variant (internal)';
COMMENT ON FUNCTION @extschema@._t_test_combine(float8[], float8[]) IS
    'Combine function of mlmon.t_test: merges the moments of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.mann_whitney with an alternative (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text, text) IS
    'Transition function of mlmon.mann_whitney with alternative and method (internal)';
COMMENT ON FUNCTION @extschema@._t_test_final(float8[]) IS 'Final function of mlmon.t_test (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_final(@extschema@.sample_state) IS 'Final function of mlmon.mann_whitney (internal)';

-- t-test
CREATE AGGREGATE @extschema@.t_test(value float8, is_current boolean) (
    SFUNC = @extschema@._t_test_accum, STYPE = float8[],
    FINALFUNC = @extschema@._t_test_final,
    COMBINEFUNC = @extschema@._t_test_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.t_test(value float8, is_current boolean, variant text) (
    SFUNC = @extschema@._t_test_accum, STYPE = float8[],
    FINALFUNC = @extschema@._t_test_final,
    COMBINEFUNC = @extschema@._t_test_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, boolean) IS
    'Welch''s two-sample t-test of the reference (is_current false) against the current sample, two-sided (scipy.stats.ttest_ind with equal_var=False)';
COMMENT ON AGGREGATE @extschema@.t_test(float8, boolean, text) IS
    'Two-sample t-test, two-sided; variant welch (unequal variances) or student (pooled variance, Evidently''s t_test)';

-- Mann-Whitney U
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean, alternative text) (
    SFUNC = @extschema@._mann_whitney_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean, alternative text, method text) (
    SFUNC = @extschema@._mann_whitney_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean) IS
    'Mann-Whitney U test of the reference (is_current false) against the current sample: U of the reference, two-sided, SciPy 1.10''s method choice (scipy.stats.mannwhitneyu)';
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean, text) IS
    'Mann-Whitney U test with an alternative: two-sided, less (Evidently''s mann_whitney) or greater (method auto)';
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean, text, text) IS
    'Mann-Whitney U test; alternative two-sided|less|greater, method auto|exact|asymptotic as scipy.stats.mannwhitneyu';

-- Evidently's distance drift tests: energy_distance (numbers), hellinger and
-- kl_div (numbers, and categories as text, boolean or bigint).  They reuse
-- the two-sample states and their transition and combine functions
-- (sql/mlmon.sql): only final functions and aggregates are new.  Each
-- returns a float8 distance (no p-value), NULL when either sample is
-- empty.  IMMUTABLE: results depend on the arguments only; not STRICT, as
-- the other final functions (a NULL state means no rows: NULL).

CREATE FUNCTION @extschema@._energy_distance_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_energy_distance_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._hellinger_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kl_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._hellinger_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kl_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._energy_distance_final(@extschema@.sample_state) IS
    'Final function of mlmon.energy_distance (internal)';
COMMENT ON FUNCTION @extschema@._hellinger_numeric_final(@extschema@.sample_state) IS
    'Final function of mlmon.hellinger on float8 (internal)';
COMMENT ON FUNCTION @extschema@._kl_numeric_final(@extschema@.sample_state) IS
    'Final function of mlmon.kl_div on float8 (internal)';
COMMENT ON FUNCTION @extschema@._hellinger_categorical_final(@extschema@.category_state) IS
    'Final function of mlmon.hellinger on categories (internal)';
COMMENT ON FUNCTION @extschema@._kl_categorical_final(@extschema@.category_state) IS
    'Final function of mlmon.kl_div on categories (internal)';

-- Energy distance
CREATE AGGREGATE @extschema@.energy_distance(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._energy_distance_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.energy_distance(float8, boolean) IS
    'Energy distance between the reference (is_current false) and current samples (scipy.stats.energy_distance; Evidently''s "ed", drift when > 0.1)';

-- Hellinger distance
CREATE AGGREGATE @extschema@.hellinger(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(float8, boolean) IS
    'Hellinger distance over Sturges bins of the distinct values of both samples (Evidently''s hellinger, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.hellinger(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(text, boolean) IS
    'Hellinger distance between the category frequencies of the reference and current samples (Evidently''s hellinger, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.hellinger(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(boolean, boolean) IS
    'Hellinger distance of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.hellinger(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(bigint, boolean) IS
    'Hellinger distance of an integer-coded categorical feature';

-- Kullback-Leibler divergence
CREATE AGGREGATE @extschema@.kl_div(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(float8, boolean) IS
    'Kullback-Leibler divergence KL(reference || current) over Evidently''s bins, empty bins filled as PSI does (Evidently''s kl_div, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.kl_div(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(text, boolean) IS
    'Kullback-Leibler divergence KL(reference || current) of the category frequencies, empty categories filled as PSI does (Evidently''s kl_div)';
CREATE AGGREGATE @extschema@.kl_div(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(boolean, boolean) IS
    'Kullback-Leibler divergence of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.kl_div(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(bigint, boolean) IS
    'Kullback-Leibler divergence of an integer-coded categorical feature';

-- mlmon.g_test, mlmon.fisher_exact and mlmon.tvd, Evidently's categorical
-- p-value tests, on the counts per category every categorical aggregate
-- keeps (mlmon.category_state, sql/mlmon.sql), for text, boolean and bigint
-- categories like mlmon.chi2_drift and mlmon.z_test.  Their final functions
-- are IMMUTABLE: tvd's permutations come from a generator restarted at seed
-- 0 on every call, so its p-value depends on the counts alone (and, for
-- _tvd_permutations_final, on the number of permutations the rows gave,
-- the same for every row, which the state keeps).

CREATE FUNCTION @extschema@._g_test_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_g_test_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._g_test_final(@extschema@.category_state) IS
    'Final function of mlmon.g_test (internal)';

CREATE FUNCTION @extschema@._fisher_exact_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_fisher_exact_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._fisher_exact_final(@extschema@.category_state) IS
    'Final function of mlmon.fisher_exact (internal)';

CREATE FUNCTION @extschema@._tvd_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_final(@extschema@.category_state) IS
    'Final function of mlmon.tvd with 1000 permutations (internal)';

CREATE FUNCTION @extschema@._tvd_permutations_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_permutations_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_permutations_final(@extschema@.category_state) IS
    'Final function of mlmon.tvd with a number of permutations, kept in the state (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, text, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, text, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on text (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, boolean, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, boolean, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on booleans (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, bigint, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, bigint, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on integers (internal)';

CREATE AGGREGATE @extschema@.g_test(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(text, boolean) IS
    'G-test (log-likelihood ratio) drift test of a categorical feature: scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.g_test(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(boolean, boolean) IS
    'G-test (log-likelihood ratio) drift test of a boolean feature (categories f and t): scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.g_test(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(bigint, boolean) IS
    'G-test (log-likelihood ratio) drift test of an integer-coded categorical feature: scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.fisher_exact(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(text, boolean) IS
    'Fisher''s exact drift test of a categorical feature with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.fisher_exact(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(boolean, boolean) IS
    'Fisher''s exact drift test of a boolean feature (categories f and t) with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.fisher_exact(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(bigint, boolean) IS
    'Fisher''s exact drift test of an integer-coded categorical feature with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.tvd(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, boolean) IS
    'Total variation distance drift test of a categorical feature, p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(boolean, boolean) IS
    'Total variation distance drift test of a boolean feature (categories f and t), p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(bigint, boolean) IS
    'Total variation distance drift test of an integer-coded categorical feature, p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category text, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, boolean, integer) IS
    'Total variation distance drift test of a categorical feature with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';

CREATE AGGREGATE @extschema@.tvd(category boolean, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(boolean, boolean, integer) IS
    'Total variation distance drift test of a boolean feature (categories f and t) with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';

CREATE AGGREGATE @extschema@.tvd(category bigint, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(bigint, boolean, integer) IS
    'Total variation distance drift test of an integer-coded categorical feature with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';

-- Evidently's rank-based drift tests on numbers: cramer_von_mises
-- (scipy.stats.cramervonmises_2samp) and anderson_darling
-- (scipy.stats.anderson_ksamp, midrank).  They reuse the numeric
-- two-sample state, its transition and combine functions (sql/mlmon.sql);
-- new are the final functions, the transition that keeps the Cramer-von
-- Mises method, and the aggregates.  Each returns a mlmon.test_result.
-- IMMUTABLE: results depend on the arguments only; not STRICT, as the
-- other transition and final functions (NULL values are skipped; a NULL
-- state means no rows: NULL).

CREATE FUNCTION @extschema@._cvm_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_cvm_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._cvm_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._anderson_darling_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_anderson_darling_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._cvm_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.cramer_von_mises with a method (internal)';
COMMENT ON FUNCTION @extschema@._cvm_final(@extschema@.sample_state) IS
    'Final function of mlmon.cramer_von_mises (internal)';
COMMENT ON FUNCTION @extschema@._anderson_darling_final(@extschema@.sample_state) IS
    'Final function of mlmon.anderson_darling (internal)';

-- Cramer-von Mises
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, is_current boolean, method text) (
    SFUNC = @extschema@._cvm_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, boolean) IS
    'Two-sample Cramer-von Mises test of the reference (is_current false) against the current sample (scipy.stats.cramervonmises_2samp, method auto: exact when both samples have at most 20 values)';
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, boolean, text) IS
    'Two-sample Cramer-von Mises test; method auto|exact|asymptotic as scipy.stats.cramervonmises_2samp';

-- Anderson-Darling
CREATE AGGREGATE @extschema@.anderson_darling(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._anderson_darling_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.anderson_darling(float8, boolean) IS
    'Two-sample Anderson-Darling test, midrank form (scipy.stats.anderson_ksamp): standardized statistic and SciPy''s interpolated significance level, capped at 0.25 and floored at 0.001';

-- The checks store each drift test's log p-value (metric log_p_value), the
-- feature_drift view shows it, and the data-drift alert lists its drifted
-- features strongest first by it.
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
                            -- strongest first: by log p-value (finite where the p-value underflows), then
                            -- the distances by statistic
                            'drifted_features', (SELECT jsonb_agg(jsonb_build_object('feature', d.feature, 'method', d.method,
                                                     'statistic', d.value, 'p_value', p.value, 'log_p_value', lp.value)
                                                     ORDER BY lp.value NULLS LAST, d.value DESC, d.feature)
                                                   FROM new_results d LEFT JOIN new_results p
                                                     ON p.check_id = d.check_id AND p.feature = d.feature
                                                    AND p."check" = 'data_drift' AND p.metric = 'p_value'
                                                   LEFT JOIN new_results lp
                                                     ON lp.check_id = d.check_id AND lp.feature = d.feature
                                                    AND lp."check" = 'data_drift' AND lp.metric = 'log_p_value'
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
                                                                  AND p.metric = 'p_value'),
                                                   'log_p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'log_p_value')),
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
            ELSIF rule.alert_type IN ('concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                                      'embedding_drift') THEN
                -- one number against the threshold; its check's other results are the details
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = rule.alert_type
                   AND nr.metric = CASE rule.alert_type WHEN 'concept_drift' THEN 'drift_detected'
                                                        WHEN 'multivariate_drift' THEN 'drift_detected'
                                                        WHEN 'embedding_drift' THEN 'drift_detected'
                                                        WHEN 'anomalies' THEN 'anomaly_rate'
                                                        ELSE 'estimated_accuracy_drop' END;
                IF v IS NULL THEN
                    CONTINUE;      -- no labels, scores or features to judge by in this window
                ELSIF (rule.alert_type IN ('concept_drift', 'multivariate_drift', 'embedding_drift') AND v >= rule.threshold)
                      OR (rule.alert_type NOT IN ('concept_drift', 'multivariate_drift', 'embedding_drift')
                          AND v > rule.threshold) THEN
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
CREATE OR REPLACE VIEW @extschema@.feature_drift AS
SELECT DISTINCT ON (c.model, r.feature)
       c.model, r.feature, c.check_id, c.window_end AS time, r.method,
       r.value AS statistic,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'p_value') AS p_value,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'p_value_adjusted') AS p_value_adjusted,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'effect_size') AS effect_size,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'threshold') AS threshold,
       (SELECT x.value = 1 FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'drift_detected') AS drift_detected,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'log_p_value') AS log_p_value
  FROM @extschema@.checks c
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" = 'data_drift' AND r.metric = 'statistic'
 ORDER BY c.model, r.feature, c.window_end DESC, c.check_id DESC;
COMMENT ON VIEW @extschema@.feature_drift IS 'The latest drift result of each feature of each model (rank the drifted ones by log_p_value: it stays finite where p_value underflows to 0)';

-- The drift-test catalogue against profiles, categorical tests (part of the
-- install script, after sql/catalogue_categorical.sql).  g_test,
-- fisher_exact and tvd between a reference profile and a current profile,
-- and as aggregates of categories against a reference profile.  Exact
-- profiles give exactly the two-sample aggregates' results on the rows they
-- summarise; a sketched categorical profile's unlisted categories count as
-- one more category ("other"), as for chi2_drift.  The aggregates reuse
-- the categorical state mlmon.category_state and its transition against a
-- profile (sql/mlmon.sql) and the final functions of the two-sample forms
-- (sql/catalogue_categorical.sql).  IMMUTABLE STRICT: results depend on
-- the arguments only, and a NULL profile has no answer.

CREATE FUNCTION @extschema@.g_test(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_g_test_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.g_test(@extschema@.profile, @extschema@.profile) IS
    'G-test (log-likelihood ratio) drift test between two categorical profiles (Evidently''s g_test)';
CREATE FUNCTION @extschema@.fisher_exact(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_fisher_exact_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fisher_exact(@extschema@.profile, @extschema@.profile) IS
    'Fisher''s exact test between two categorical profiles of at most two categories (Evidently''s fisher_exact)';
CREATE FUNCTION @extschema@.tvd(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tvd(@extschema@.profile, @extschema@.profile) IS
    'Total variation distance between two categorical profiles with a reproducible permutation p-value (1000 relabellings, Evidently''s tvd)';
CREATE FUNCTION @extschema@.tvd(reference @extschema@.profile, current @extschema@.profile, permutations int)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tvd(@extschema@.profile, @extschema@.profile, int) IS
    'Total variation distance between two categorical profiles with a reproducible permutation p-value over the given number of relabellings';

CREATE AGGREGATE @extschema@.g_test(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(text, @extschema@.profile) IS
    'G-test (log-likelihood ratio) drift test of the categories against a reference profile';
CREATE AGGREGATE @extschema@.fisher_exact(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(text, @extschema@.profile) IS
    'Fisher''s exact test of the categories (at most two) against a reference profile';
CREATE AGGREGATE @extschema@.tvd(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, @extschema@.profile) IS
    'Total variation distance of the categories against a reference profile with a reproducible permutation p-value (1000 relabellings)';

-- The drift-test catalogue, the Epps-Singleton test (part of the install
-- script, after sql/catalogue_categorical.sql).  Evidently's "es" drift test
-- on numbers: scipy.stats.epps_singleton_2samp with t = (0.4, 0.8), drift
-- when p < 0.05.  The aggregates reuse the numeric two-sample state, its
-- transition and combine functions (sql/mlmon.sql); new are the final
-- function, the function of two profiles and the aggregates.  Each returns
-- a mlmon.test_result.  IMMUTABLE: results depend on the arguments only;
-- the final function is not STRICT, as the other final functions (a NULL
-- state means no rows: NULL).

CREATE FUNCTION @extschema@._epps_singleton_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_epps_singleton_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._epps_singleton_final(@extschema@.sample_state) IS
    'Final function of mlmon.epps_singleton (internal)';

CREATE AGGREGATE @extschema@.epps_singleton(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._epps_singleton_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.epps_singleton(float8, boolean) IS
    'Epps-Singleton two-sample test of the reference (is_current false) against the current sample (scipy.stats.epps_singleton_2samp, t = (0.4, 0.8)): statistic W and its chi-square p-value';

CREATE AGGREGATE @extschema@.epps_singleton(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._epps_singleton_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.epps_singleton(float8, @extschema@.profile) IS
    'Epps-Singleton test of the values against a reference profile (a sketched profile: the statistic on its sample, no p-value)';

CREATE FUNCTION @extschema@.epps_singleton(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_epps_singleton_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.epps_singleton(@extschema@.profile, @extschema@.profile) IS
    'Epps-Singleton test between two numeric profiles (exact profiles: the result on their rows; with a sketch: the statistic on its sample, no p-value)';

-- The drift-test catalogue, maximum mean discrepancy (part of the install
-- script, after sql/catalogue_categorical.sql).  Evidently's emperical_mmd on
-- numbers, made reproducible: the statistic is MMD^2 with a Gaussian kernel
-- scaled by the median squared difference of the reference values; the
-- p-value is the share of 100 relabellings of the pooled rows (SplitMix64
-- from seed 0, Fisher-Yates over the rows in canonical order) whose MMD^2
-- is at least the observed one.  The aggregates reuse the numeric
-- two-sample state and its transition and combine functions
-- (sql/mlmon.sql).  IMMUTABLE: the relabellings restart at the same seed on
-- every call, so results depend on the arguments only.  The final function
-- is not STRICT, as the others (a NULL state means no rows: NULL); the
-- (profile, profile) function is STRICT.

CREATE FUNCTION @extschema@._mmd_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mmd_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._mmd_final(@extschema@.sample_state) IS
    'Final function of mlmon.mmd (internal)';

CREATE AGGREGATE @extschema@.mmd(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mmd_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mmd(float8, boolean) IS
    'Maximum mean discrepancy test between the reference (is_current false) and current samples: MMD^2 and the p-value of 100 reproducible relabellings (Evidently''s emperical_mmd, drift when p < 0.1)';

CREATE AGGREGATE @extschema@.mmd(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mmd_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mmd(float8, @extschema@.profile) IS
    'Maximum mean discrepancy test of the values against an exact reference profile';

CREATE FUNCTION @extschema@.mmd(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mmd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mmd(@extschema@.profile, @extschema@.profile) IS
    'Maximum mean discrepancy test between two exact numeric profiles';

-- The drift-test catalogue against profiles, numeric tests (part of the
-- install script, after sql/catalogue_profiles_categorical.sql).  t_test,
-- mann_whitney, cramer_von_mises, anderson_darling, energy_distance,
-- hellinger and kl_div between a reference profile and a current profile,
-- and as aggregates of values against a reference profile.  Exact profiles
-- give exactly the two-sample aggregates' results on the rows they
-- summarise: the same functions walk the same distinct values with their
-- counts (src/catalogue_numeric.h), counts never expanded.  Against a
-- sketched profile the rank tests give the statistic of the sketch's
-- weighted sample with method 'sketch' and a NULL p-value; the distances
-- are computed on the sketch's sample (approximate); t_test takes a
-- sketch's count, mean and sum of squared deviations from its header (of
-- all the values).  hellinger and kl_div take profiles of either kind (two
-- categorical profiles: the categories' frequencies).  The aggregates
-- reuse mlmon.sample_state, its transition against a profile
-- (sql/mlmon.sql) and combine function, and the final functions of the
-- two-sample forms; t_test(value, reference profile) keeps the values in
-- that state too and takes their moments at its final function.
-- IMMUTABLE: results depend on the arguments only; the functions on two
-- profiles are STRICT (a NULL profile has no answer).

CREATE FUNCTION @extschema@.t_test(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.t_test(@extschema@.profile, @extschema@.profile) IS
    'Welch''s two-sample t-test between two numeric profiles (a sketch: its moments of all values)';
CREATE FUNCTION @extschema@.t_test(reference @extschema@.profile, current @extschema@.profile, variant text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.t_test(@extschema@.profile, @extschema@.profile, text) IS
    'Two-sample t-test between two numeric profiles; variant welch or student';
CREATE FUNCTION @extschema@.mann_whitney(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mann_whitney(@extschema@.profile, @extschema@.profile) IS
    'Mann-Whitney U test between two numeric profiles, two-sided (a sketch: U only, method sketch)';
CREATE FUNCTION @extschema@.mann_whitney(reference @extschema@.profile, current @extschema@.profile, method text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mann_whitney(@extschema@.profile, @extschema@.profile, text) IS
    'Mann-Whitney U test between two numeric profiles, two-sided; method auto|exact|asymptotic';
CREATE FUNCTION @extschema@.cramer_von_mises(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cramer_von_mises(@extschema@.profile, @extschema@.profile) IS
    'Two-sample Cramer-von Mises test between two numeric profiles (a sketch: T only, method sketch)';
CREATE FUNCTION @extschema@.cramer_von_mises(reference @extschema@.profile, current @extschema@.profile, method text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cramer_von_mises(@extschema@.profile, @extschema@.profile, text) IS
    'Two-sample Cramer-von Mises test between two numeric profiles; method auto|exact|asymptotic';
CREATE FUNCTION @extschema@.anderson_darling(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_anderson_darling_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.anderson_darling(@extschema@.profile, @extschema@.profile) IS
    'Two-sample Anderson-Darling test (midrank) between two numeric profiles (a sketch: statistic only, method sketch)';
CREATE FUNCTION @extschema@.energy_distance(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_energy_distance_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.energy_distance(@extschema@.profile, @extschema@.profile) IS
    'Energy distance between two numeric profiles (of a sketch''s sample: approximate)';
CREATE FUNCTION @extschema@.hellinger(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.hellinger(@extschema@.profile, @extschema@.profile) IS
    'Hellinger distance between two numeric profiles (Sturges bins) or two categorical profiles';
CREATE FUNCTION @extschema@.kl_div(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_div_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kl_div(@extschema@.profile, @extschema@.profile) IS
    'Kullback-Leibler divergence KL(reference || current) between two numeric profiles (Evidently''s bins) or two categorical profiles';

CREATE FUNCTION @extschema@._profile_method_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum_method'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_method_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of the (value, reference profile, method) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_variant_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum_variant'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_variant_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of mlmon.t_test(value, reference profile, variant) (internal)';
CREATE FUNCTION @extschema@._t_test_profile_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_sample_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._t_test_profile_final(@extschema@.sample_state) IS
    'Final function of mlmon.t_test(value, reference profile): the moments of the sorted values (internal)';

CREATE AGGREGATE @extschema@.t_test(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._t_test_profile_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, @extschema@.profile) IS
    'Welch''s two-sample t-test of the values against a reference profile';
CREATE AGGREGATE @extschema@.t_test(value float8, reference @extschema@.profile, variant text) (
    SFUNC = @extschema@._profile_variant_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._t_test_profile_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, @extschema@.profile, text) IS
    'Two-sample t-test of the values against a reference profile; variant welch or student';
CREATE AGGREGATE @extschema@.mann_whitney(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, @extschema@.profile) IS
    'Mann-Whitney U test of the values against a reference profile, two-sided (a sketch: U only, method sketch)';
CREATE AGGREGATE @extschema@.mann_whitney(value float8, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_method_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, @extschema@.profile, text) IS
    'Mann-Whitney U test of the values against a reference profile, two-sided; method auto|exact|asymptotic';
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, @extschema@.profile) IS
    'Two-sample Cramer-von Mises test of the values against a reference profile (a sketch: T only, method sketch)';
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_method_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, @extschema@.profile, text) IS
    'Two-sample Cramer-von Mises test of the values against a reference profile; method auto|exact|asymptotic';
CREATE AGGREGATE @extschema@.anderson_darling(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._anderson_darling_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.anderson_darling(float8, @extschema@.profile) IS
    'Two-sample Anderson-Darling test (midrank) of the values against a reference profile (a sketch: statistic only, method sketch)';
CREATE AGGREGATE @extschema@.energy_distance(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._energy_distance_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.energy_distance(float8, @extschema@.profile) IS
    'Energy distance of the values from a reference profile (a sketch: approximate)';
CREATE AGGREGATE @extschema@.hellinger(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(float8, @extschema@.profile) IS
    'Hellinger distance of the values from a numeric reference profile (Sturges bins)';
CREATE AGGREGATE @extschema@.kl_div(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(float8, @extschema@.profile) IS
    'Kullback-Leibler divergence KL(reference || values) over Evidently''s bins, against a numeric reference profile';

-- mlmon.classification_metrics gets a real state type (0.3.0):
-- mlmon.classification_state, so that Citus computes it partially on its
-- workers.  CREATE OR REPLACE AGGREGATE changes the state type in place
-- (views of users that call it stay); the score forms' final function reads
-- the form from the state (no FINALFUNC_EXTRA); the internal-state support
-- functions go.
-- The classification metrics' state: the rows counted per (actual,
-- predicted) pair and the scores by actual label, a real type (an expanded
-- object updated in place during aggregation) so that Citus computes the
-- aggregate partially on its workers.
CREATE TYPE @extschema@.classification_state;
CREATE FUNCTION @extschema@.classification_state_in(cstring) RETURNS @extschema@.classification_state
    AS 'MODULE_PATHNAME', 'mlm_classification_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_out(@extschema@.classification_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_classification_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_recv(internal) RETURNS @extschema@.classification_state
    AS 'MODULE_PATHNAME', 'mlm_classification_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_send(@extschema@.classification_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_classification_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.classification_state (
    INPUT = @extschema@.classification_state_in, OUTPUT = @extschema@.classification_state_out,
    RECEIVE = @extschema@.classification_state_recv, SEND = @extschema@.classification_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.classification_state IS
    'Partial state of mlmon.classification_metrics: the rows counted per (actual, predicted) pair of labels and, for the score forms, the scores by actual label (and the positive label); text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.classification_state_in(cstring) IS 'Input function of mlmon.classification_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.classification_state_out(@extschema@.classification_state) IS 'Output function of mlmon.classification_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.classification_state_recv(internal) IS 'Binary input function of mlmon.classification_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.classification_state_send(@extschema@.classification_state) IS 'Binary output function of mlmon.classification_state';

CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum_score'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8, text)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum_positive'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_combine(@extschema@.classification_state, @extschema@.classification_state)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_final(@extschema@.classification_state)
    RETURNS @extschema@.classification_result AS 'MODULE_PATHNAME', 'mlm_classification_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text) IS
    'Transition function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8) IS
    'Transition function of mlmon.classification_metrics with scores (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8, text) IS
    'Transition function of mlmon.classification_metrics with scores and a positive label (internal)';
COMMENT ON FUNCTION @extschema@._classification_combine(@extschema@.classification_state, @extschema@.classification_state) IS
    'Combine function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_final(@extschema@.classification_state) IS
    'Final function of mlmon.classification_metrics, all forms: the state knows its form (internal)';

CREATE OR REPLACE AGGREGATE @extschema@.classification_metrics(actual text, predicted text) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 1024,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
CREATE OR REPLACE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8, positive_label text) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
DROP FUNCTION @extschema@._classification_accum(internal, text, text),
    @extschema@._classification_accum(internal, text, text, float8),
    @extschema@._classification_accum(internal, text, text, float8, text),
    @extschema@._classification_combine(internal, internal),
    @extschema@._classification_serialize(internal), @extschema@._classification_deserialize(bytea, internal),
    @extschema@._classification_final(internal), @extschema@._classification_final(internal, text, text, float8),
    @extschema@._classification_final(internal, text, text, float8, text);

-- The checks run the catalogue's tests: each is a row of the registry and its function.
-- The tests of the catalogue (0.3.0), on the window's profile of the column
-- against its reference profile: exact while both profiles are (the window
-- has at most mlmon.profile_exact_cap distinct values).
CREATE FUNCTION @extschema@._drift_of(r @extschema@.test_result) RETURNS @extschema@._drift_value
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW((r).statistic, (r).pvalue, (r).log_pvalue)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_of(@extschema@.test_result) IS
    'A test result as the checks keep it: statistic, p-value and its log (internal)';
CREATE FUNCTION @extschema@._drift_g_test(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.g_test(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_g_test(@extschema@.check_summary, @extschema@.profile, int) IS
    'Evidently''s G-test of the window''s categories against the reference''s (internal)';
CREATE FUNCTION @extschema@._drift_fisher_exact(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.fisher_exact(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_fisher_exact(@extschema@.check_summary, @extschema@.profile, int) IS
    'Fisher''s exact test of a feature with two categories against the reference (internal)';
CREATE FUNCTION @extschema@._drift_tvd(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.tvd(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_tvd(@extschema@.check_summary, @extschema@.profile, int) IS
    'Total variation distance with its permutation p-value against the reference''s categories (internal)';
CREATE FUNCTION @extschema@._drift_epps_singleton(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.epps_singleton(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_epps_singleton(@extschema@.check_summary, @extschema@.profile, int) IS
    'Epps-Singleton test of the window''s values against the reference (internal)';
CREATE FUNCTION @extschema@._drift_mmd(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.mmd(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_mmd(@extschema@.check_summary, @extschema@.profile, int) IS
    'Maximum mean discrepancy with its reproducible permutation p-value against the reference (internal)';
CREATE FUNCTION @extschema@._drift_t_test(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.t_test(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_t_test(@extschema@.check_summary, @extschema@.profile, int) IS
    'Welch''s t-test of the window''s mean against the reference''s (internal)';
CREATE FUNCTION @extschema@._drift_mann_whitney(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.mann_whitney(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_mann_whitney(@extschema@.check_summary, @extschema@.profile, int) IS
    'Two-sided Mann-Whitney U test of the window''s values against the reference (internal)';
CREATE FUNCTION @extschema@._drift_cramer_von_mises(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.cramer_von_mises(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_cramer_von_mises(@extschema@.check_summary, @extschema@.profile, int) IS
    'Two-sample Cramer-von Mises test of the window''s values against the reference (internal)';
CREATE FUNCTION @extschema@._drift_anderson_darling(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._drift_of(@extschema@.anderson_darling(reference, @extschema@._summary_profile(s, col)));
COMMENT ON FUNCTION @extschema@._drift_anderson_darling(@extschema@.check_summary, @extschema@.profile, int) IS
    'Two-sample Anderson-Darling test of the window''s values against the reference (internal)';
CREATE FUNCTION @extschema@._drift_energy_distance(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(@extschema@.energy_distance(reference, @extschema@._summary_profile(s, col)), NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_energy_distance(@extschema@.check_summary, @extschema@.profile, int) IS
    'Energy distance between the reference and the window''s profile (internal)';
CREATE FUNCTION @extschema@._drift_hellinger(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(@extschema@.hellinger(reference, @extschema@._summary_profile(s, col)), NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_hellinger(@extschema@.check_summary, @extschema@.profile, int) IS
    'Hellinger distance over Evidently''s bins, or one bin per category (internal)';
CREATE FUNCTION @extschema@._drift_kl_div(s @extschema@.check_summary, reference @extschema@.profile, col int)
    RETURNS @extschema@._drift_value LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN ROW(@extschema@.kl_div(reference, @extschema@._summary_profile(s, col)), NULL, NULL)::@extschema@._drift_value;
COMMENT ON FUNCTION @extschema@._drift_kl_div(@extschema@.check_summary, @extschema@.profile, int) IS
    'Kullback-Leibler divergence KL(reference || window) over Evidently''s bins, or one bin per category (internal)';

INSERT INTO @extschema@.drift_tests VALUES
    ('g_test', NULL, '@extschema@._drift_g_test(@extschema@.check_summary, @extschema@.profile, int)', true, 0.1, NULL,
     'G-test (log-likelihood ratio) of the category counts (Evidently''s g_test)'),
    ('fisher_exact', NULL, '@extschema@._drift_fisher_exact(@extschema@.check_summary, @extschema@.profile, int)', true, 0.1,
     NULL, 'Fisher''s exact test of a feature with two categories (Evidently''s fisher_exact)'),
    ('tvd', NULL, '@extschema@._drift_tvd(@extschema@.check_summary, @extschema@.profile, int)', true, 0.1, NULL,
     'total variation distance with a reproducible permutation p-value, 1000 relabellings (Evidently''s TVD)'),
    ('epps_singleton', '@extschema@._drift_epps_singleton(@extschema@.check_summary, @extschema@.profile, int)', NULL, true, 0.05,
     NULL, 'Epps-Singleton test of the empirical characteristic functions (SciPy''s epps_singleton_2samp; Evidently''s es)'),
    ('mmd', '@extschema@._drift_mmd(@extschema@.check_summary, @extschema@.profile, int)', NULL, true, 0.1, NULL,
     'maximum mean discrepancy, Gaussian kernel, p-value from 100 reproducible relabellings (Evidently''s empirical MMD)'),
    ('t_test', '@extschema@._drift_t_test(@extschema@.check_summary, @extschema@.profile, int)', NULL, true, 0.05, NULL,
     'Welch''s two-sample t-test (SciPy''s ttest_ind, equal_var=False; Evidently''s t_test)'),
    ('mann_whitney', '@extschema@._drift_mann_whitney(@extschema@.check_summary, @extschema@.profile, int)', NULL, true, 0.05,
     NULL, 'two-sided Mann-Whitney U test (SciPy 1.10''s mannwhitneyu, method auto; Evidently''s mannw)'),
    ('cramer_von_mises', '@extschema@._drift_cramer_von_mises(@extschema@.check_summary, @extschema@.profile, int)', NULL, true,
     0.1, NULL, 'two-sample Cramer-von Mises test (SciPy''s cramervonmises_2samp, method auto; Evidently''s cramer_von_mises)'),
    ('anderson_darling', '@extschema@._drift_anderson_darling(@extschema@.check_summary, @extschema@.profile, int)', NULL, true,
     0.1, NULL, 'two-sample Anderson-Darling test, midrank (SciPy''s anderson_ksamp; Evidently''s anderson)'),
    ('energy_distance', '@extschema@._drift_energy_distance(@extschema@.check_summary, @extschema@.profile, int)', NULL, false,
     0.1, NULL, 'energy distance (SciPy''s energy_distance; Evidently''s ed)'),
    ('hellinger', '@extschema@._drift_hellinger(@extschema@.check_summary, @extschema@.profile, int)',
     '@extschema@._drift_hellinger(@extschema@.check_summary, @extschema@.profile, int)', false, 0.1, NULL,
     'Hellinger distance: Sturges bins over both samples, or one per category (Evidently''s hellinger)'),
    ('kl_div', '@extschema@._drift_kl_div(@extschema@.check_summary, @extschema@.profile, int)',
     '@extschema@._drift_kl_div(@extschema@.check_summary, @extschema@.profile, int)', false, 0.1, NULL,
     'Kullback-Leibler divergence KL(reference || current) over Evidently''s bins, or one per category (Evidently''s kl_div)');

-- Multivariate drift (part of the install script, after sql/calibration.sql):
-- NannyML's data reconstruction drift.  mlmon.pca_fit fits the model on
-- reference rows (mean imputation of missing values, StandardScaler, PCA
-- keeping the components that explain a share of the variance, 0.65 by
-- default) and returns it as jsonb; mlmon.reconstruction_error gives one
-- row's error against it and the aggregate mlmon.reconstruction_drift a
-- window's mean error.  Both aggregates' states are float8[] (real types:
-- parallel query and Citus combine them): the fit's holds the co-moments
-- (src/pca_state.c), the window's counts, the errors' compensated sum and
-- the model's 64-bit hash, so that states of different models are never
-- merged (src/pca_model.c).  The transition functions are not STRICT: NULL
-- rows are counted.  IMMUTABLE throughout: results depend on the arguments
-- only.

CREATE TYPE @extschema@.reconstruction_result AS (
    mean_error    float8,   -- mean reconstruction error of the rows scored; NULL when none was
    n_rows        bigint,   -- rows scored (their error is in the mean)
    rows_imputed  bigint,   -- of those, rows with a NULL, NaN or +-Infinity element, imputed with the model's mean
    rows_invalid  bigint    -- rows skipped: a NULL array, or one that is not of the model's length
);
COMMENT ON TYPE @extschema@.reconstruction_result IS
    'Result of mlmon.reconstruction_drift: a window''s mean reconstruction error (NannyML''s data reconstruction drift) and its row counts';

CREATE FUNCTION @extschema@._pca_fit_accum(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_accum(float8[], float8[], float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_final(float8[])
    RETURNS jsonb AS 'MODULE_PATHNAME', 'mlm_pca_fit_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._pca_fit_accum(float8[], float8[]) IS
    'Transition function of mlmon.pca_fit (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_accum(float8[], float8[], float8) IS
    'Transition function of mlmon.pca_fit with a variance share (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_combine(float8[], float8[]) IS
    'Combine function of mlmon.pca_fit: merges the co-moments of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_final(float8[]) IS
    'Final function of mlmon.pca_fit: the fitted model as jsonb (internal)';

CREATE AGGREGATE @extschema@.pca_fit(features float8[]) (
    SFUNC = @extschema@._pca_fit_accum, STYPE = float8[],
    FINALFUNC = @extschema@._pca_fit_final,
    COMBINEFUNC = @extschema@._pca_fit_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.pca_fit(features float8[], variance float8) (
    SFUNC = @extschema@._pca_fit_accum, STYPE = float8[],
    FINALFUNC = @extschema@._pca_fit_final,
    COMBINEFUNC = @extschema@._pca_fit_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pca_fit(float8[]) IS
    'Fits NannyML''s data reconstruction drift model on reference rows: missing values imputed with the mean, StandardScaler, PCA keeping the components that explain 65% of the variance; returns it as jsonb';
COMMENT ON AGGREGATE @extschema@.pca_fit(float8[], float8) IS
    'Fits NannyML''s data reconstruction drift model keeping the components that explain the given share (0 < variance <= 1) of the variance; returns it as jsonb';

CREATE FUNCTION @extschema@.reconstruction_error(model jsonb, features float8[])
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_reconstruction_error'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.reconstruction_error(jsonb, float8[]) IS
    'NannyML''s reconstruction error of one row against a model of mlmon.pca_fit: the Euclidean distance between the standardized row (missing values imputed with the mean) and its PCA reconstruction';

CREATE FUNCTION @extschema@._reconstruction_accum(float8[], float8[], jsonb)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_reconstruction_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._reconstruction_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_reconstruction_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._reconstruction_final(float8[])
    RETURNS @extschema@.reconstruction_result AS 'MODULE_PATHNAME', 'mlm_reconstruction_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._reconstruction_accum(float8[], float8[], jsonb) IS
    'Transition function of mlmon.reconstruction_drift (internal)';
COMMENT ON FUNCTION @extschema@._reconstruction_combine(float8[], float8[]) IS
    'Combine function of mlmon.reconstruction_drift: adds two partial states of the same model (internal)';
COMMENT ON FUNCTION @extschema@._reconstruction_final(float8[]) IS
    'Final function of mlmon.reconstruction_drift (internal)';

CREATE AGGREGATE @extschema@.reconstruction_drift(features float8[], model jsonb) (
    SFUNC = @extschema@._reconstruction_accum, STYPE = float8[],
    FINALFUNC = @extschema@._reconstruction_final,
    COMBINEFUNC = @extschema@._reconstruction_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.reconstruction_drift(float8[], jsonb) IS
    'A window''s mean reconstruction error against a model of mlmon.pca_fit (NannyML''s data reconstruction drift), with the rows scored, imputed and skipped as invalid';

-- Multivariate drift in the checks (sql/multivariate_checks.sql, new in
-- 0.3.0): the alert type multivariate_drift and its default rule, the
-- recommendation for it, the settings and fitted references, and the
-- section of the checks.
ALTER TABLE @extschema@.alert_rules DROP CONSTRAINT alert_rules_alert_type_check,
    ADD CONSTRAINT alert_rules_alert_type_check
    CHECK (alert_type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality',
                          'concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                          'embedding_drift'));
INSERT INTO @extschema@.alert_rules (rule_id, model, alert_type, severity, threshold, description)
OVERRIDING SYSTEM VALUE VALUES
    (-4, NULL, 'multivariate_drift', 'medium', 1,
     'the mean reconstruction error of the features (PCA, NannyML''s data reconstruction) left the reference''s band'),
    (-5, NULL, 'embedding_drift', 'medium', 1,
     'the embeddings moved away from the reference''s (Evidently''s distance, mmd or model method: drift score above its threshold)');
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
    UNION ALL
    SELECT o.model, 'investigate',
           format('the features moved together away from the reference: mean reconstruction error %s outside [%s, %s] (see mlmon.feature_drift for single features)',
                  round((o.details->>'reconstruction_error')::numeric, 4), round((o.details->>'lower_threshold')::numeric, 4),
                  round((o.details->>'upper_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'multivariate_drift'
    UNION ALL
    SELECT o.model, 'investigate',
           format('the embeddings moved away from the reference''s: drift score %s, above its threshold %s (method: mlmon.embedding_settings)',
                  round((o.details->>'drift_score')::numeric, 4), round((o.details->>'drift_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'embedding_drift'
)
SELECT rec.model, rec.action, p.priority, rec.reason, rec.features, p.steps AS playbook
  FROM rec JOIN @extschema@.playbook p ON p.action = rec.action;
COMMENT ON VIEW @extschema@.recommendations IS
    'What to do about each model''s open alerts: retrain, investigate or watch, with the reason and the playbook''s steps';

-- Multivariate drift in the checks: NannyML's data reconstruction ------------
--
-- When a model's multivariate monitoring is on (mlmon.monitor_multivariate),
-- setting its reference also fits NannyML's DataReconstructionDriftCalculator
-- on the reference rows: categorical features imputed with their most
-- frequent category and count-encoded (the category's share of the reference
-- rows), numeric ones imputed with their mean (mlmon.pca_fit), standardized,
-- PCA keeping the components that explain `variance` of the variance.  The
-- reference is cut into `chunks` chunks in time order; the band is the mean
-- of the chunks' mean reconstruction errors +- 3 of their standard deviations
-- (NannyML's StandardDeviationThreshold: np.std, n; the lower end at least
-- 0).  Each check compares its window's mean error with the band.

CREATE TABLE @extschema@.multivariate_settings (
    model    text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    features text[],                      -- NULL: every feature of the reference
    variance float8 NOT NULL DEFAULT 0.65 CHECK (variance > 0 AND variance <= 1),
    chunks   int NOT NULL DEFAULT 10 CHECK (chunks BETWEEN 2 AND 10000)
);
COMMENT ON TABLE @extschema@.multivariate_settings IS
    'Models whose checks include multivariate drift (NannyML''s data reconstruction with PCA), and how it is fitted';

CREATE TABLE @extschema@.multivariate_references (
    model           text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    features        text[] NOT NULL,      -- the order of the vectors' components
    encodings       jsonb NOT NULL,       -- per feature: null (numeric) or {category: share of the reference rows}
    missing_shares  float8[] NOT NULL,    -- per feature: what a missing category encodes to (NULL: numeric)
    pca             jsonb NOT NULL,       -- mlmon.pca_fit's model
    chunk_errors    float8[] NOT NULL,    -- the mean reconstruction error of each reference chunk
    lower_threshold float8,
    upper_threshold float8,
    n_rows          bigint NOT NULL,
    set_at          timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.multivariate_references IS
    'The data reconstruction fitted on each model''s reference: encodings, PCA, the reference chunks'' errors and the band';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.multivariate_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.multivariate_references', '');

-- The SQL expression of a row's vector: over q.nv (the numbers under every
-- feature name, $4) and q.cv (the categories under the categorical names,
-- $5), with the encodings in $6 and the missing shares in $7.
CREATE FUNCTION @extschema@._multivariate_vector(encodings jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 'ARRAY[' || string_agg(
               CASE WHEN e.value = 'null'::jsonb THEN format('q.nv[%s]', e.i)
                    ELSE format('coalesce(($6->%s->>q.cv[%s])::float8, CASE WHEN q.cv[%s] IS NULL THEN $7[%s] ELSE 0 END)',
                                e.i - 1, e.c, e.c, e.i) END, ', ' ORDER BY e.i) || ']::float8[]'
      FROM (SELECT x.value, x.i::int AS i,
                   (count(*) FILTER (WHERE x.value <> 'null'::jsonb) OVER (ORDER BY x.i))::int AS c
              FROM jsonb_array_elements(encodings) WITH ORDINALITY x(value, i)) e;
END;
COMMENT ON FUNCTION @extschema@._multivariate_vector(jsonb) IS
    'The SQL expression that builds a row''s vector for the data reconstruction (internal)';

-- The FROM list of the rows' vectors from a source's rows in [$2, $3).
CREATE FUNCTION @extschema@._multivariate_rows(r @extschema@._source_sql, encodings jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN format('(SELECT %s AS v, q.ts, array_position(q.cv, NULL) IS NOT NULL AS cat_missing '
              'FROM (SELECT @extschema@._jsonb_numbers(%s, $4) AS nv, '
              '@extschema@._jsonb_categories(%s, $5) AS cv, %s AS ts, @extschema@._fence() AS fence %s) q) rows',
              @extschema@._multivariate_vector(encodings), r.feature_object, r.feature_object, r.ts, r.from_clause);
COMMENT ON FUNCTION @extschema@._multivariate_rows(@extschema@._source_sql, jsonb) IS
    'A subquery of the vectors of a source''s rows for the data reconstruction (internal)';

-- Fit the data reconstruction on a model's reference rows (called by
-- _set_reference after the reference profiles are stored).
CREATE FUNCTION @extschema@._set_multivariate(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st @extschema@.multivariate_settings;
    names text[];
    cat_names text[] := '{}';
    encodings jsonb := '[]';
    missing float8[] := '{}';
    n_ref bigint;
    f record;
    enc jsonb;
    fitted jsonb;
    cands text[];
    non_numbers bigint[];
    left_out text[] := '{}';
    errors float8[];
    lo float8;
    hi float8;
BEGIN
    DELETE FROM @extschema@.multivariate_references mr WHERE mr.model = _set_multivariate.model;
    SELECT * INTO st FROM @extschema@.multivariate_settings s WHERE s.model = _set_multivariate.model;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT rw.n_rows INTO n_ref FROM @extschema@.reference_windows rw WHERE rw.model = _set_multivariate.model;
    -- NannyML's rule is the column's type: numbers are continuous, whatever their number of
    -- values.  A feature with few values has a categorical profile: it is continuous when
    -- every reference value was a JSON number (one read of the reference for those).
    SELECT coalesce(array_agg(rp.feature ORDER BY rp.feature COLLATE "C"), '{}') INTO cands
      FROM @extschema@.reference_profiles rp
     WHERE rp.model = _set_multivariate.model AND rp.role = 'feature' AND rp.kind = 'categorical'
       AND (st.features IS NULL OR rp.feature = ANY (st.features)) AND @extschema@.is_exact(rp.profile)
       AND NOT EXISTS (SELECT FROM @extschema@.top_values(rp.profile, 2147483647) t
                        WHERE t.value !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$');
    IF cardinality(cands) > 0 THEN
        EXECUTE format('SELECT ARRAY[%s]::bigint[] FROM (SELECT @extschema@._jsonb_numbers(%s, $4) AS nv %s) q',
                       (SELECT string_agg(format('count(*) FILTER (WHERE q.nv[%s] = ''NaN'')', k), ', ')
                          FROM generate_series(1, cardinality(cands)) k),
                       r.feature_object, r.from_clause)
           INTO non_numbers USING model, from_ts, to_ts, cands;
    END IF;
    FOR f IN SELECT rp.feature, rp.kind, rp.profile, rp.n
               FROM @extschema@.reference_profiles rp
              WHERE rp.model = _set_multivariate.model AND rp.role = 'feature'
                AND (st.features IS NULL OR rp.feature = ANY (st.features))
              ORDER BY rp.feature COLLATE "C" LOOP
        IF f.kind = 'categorical' AND NOT @extschema@.is_exact(f.profile) THEN
            -- a sketch lists only its most frequent categories: the others' shares are unknown
            left_out := left_out || f.feature;
            CONTINUE;
        END IF;
        names := names || f.feature;
        IF f.kind = 'numeric' OR non_numbers[array_position(cands, f.feature)] = 0 THEN
            encodings := encodings || 'null'::jsonb;
            missing := missing || NULL::float8;
        ELSE
            -- missing values take the most frequent category (the first in byte order among equals),
            -- then every category encodes to its share of all the reference rows
            SELECT jsonb_object_agg(t.value, (t.count + CASE WHEN t.rn = 1 THEN n_ref - f.n ELSE 0 END)::float8 / n_ref),
                   max((t.count + n_ref - f.n)::float8 / n_ref) FILTER (WHERE t.rn = 1)
              INTO enc, lo
              FROM (SELECT tv.value, tv.count,
                           row_number() OVER (ORDER BY tv.count DESC, tv.value COLLATE "C") AS rn
                      FROM @extschema@.top_values(f.profile, 2147483647) tv) t;
            encodings := encodings || jsonb_build_array(coalesce(enc, '{}'));
            missing := missing || lo;
            cat_names := cat_names || f.feature;
        END IF;
    END LOOP;
    IF cardinality(left_out) > 0 THEN
        RAISE WARNING 'multivariate drift of model "%": categorical features with more distinct values than mlmon.profile_exact_cap are left out: %',
            model, left_out;
    END IF;
    IF st.features IS NOT NULL AND coalesce(cardinality(names), 0) + cardinality(left_out) < cardinality(st.features) THEN
        RAISE WARNING 'multivariate drift of model "%": features not in the reference are left out: %', model,
            (SELECT array_agg(x) FROM unnest(st.features) x WHERE NOT x = ANY (names || left_out));
    END IF;
    IF coalesce(cardinality(names), 0) < 2 THEN
        RAISE WARNING 'multivariate drift of model "%" needs at least 2 features in the reference; it is not checked', model;
        RETURN;
    END IF;
    EXECUTE format('SELECT @extschema@.pca_fit(rows.v, $8) FROM %s', @extschema@._multivariate_rows(r, encodings))
       INTO fitted USING model, from_ts, to_ts, names, cat_names, encodings, missing, st.variance;
    IF fitted IS NULL THEN
        RAISE WARNING 'multivariate drift of model "%" needs at least 2 reference rows; it is not checked', model;
        RETURN;
    END IF;
    -- the chunks of the reference in time order (np.array_split's sizes), their mean errors and the band
    EXECUTE format('SELECT array_agg(e ORDER BY c) FROM (SELECT c, avg(err) AS e FROM '
                   '(SELECT ntile($8) OVER (ORDER BY rows.ts) AS c, @extschema@.reconstruction_error($9, rows.v) AS err '
                   'FROM %s) x GROUP BY c) y', @extschema@._multivariate_rows(r, encodings))
       INTO errors USING model, from_ts, to_ts, names, cat_names, encodings, missing, st.chunks, fitted;
    IF coalesce(cardinality(errors), 0) < 2 THEN
        RAISE WARNING 'multivariate drift of model "%" needs at least 2 reference chunks; it is not checked', model;
        RETURN;
    END IF;
    SELECT greatest(avg(e) - 3 * stddev_pop(e), 0), avg(e) + 3 * stddev_pop(e) INTO lo, hi FROM unnest(errors) e;
    INSERT INTO @extschema@.multivariate_references
    VALUES (model, names, encodings, missing, fitted, errors, lo, hi, n_ref, now());
END
$$;
COMMENT ON FUNCTION @extschema@._set_multivariate(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Fit the data reconstruction (encodings, PCA, band) on a model''s reference rows (internal)';

-- Turn multivariate drift on (or off) for a model.  Takes effect at the next
-- set_reference; refits at once when the reference is a stored window.
CREATE FUNCTION @extschema@.monitor_multivariate(model text, enabled boolean DEFAULT true,
        features text[] DEFAULT NULL, variance float8 DEFAULT 0.65, chunks int DEFAULT 10)
    RETURNS boolean LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rw @extschema@.reference_windows;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'enabled must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT enabled THEN
        DELETE FROM @extschema@.multivariate_settings s WHERE s.model = monitor_multivariate.model;
        DELETE FROM @extschema@.multivariate_references mr WHERE mr.model = monitor_multivariate.model;
        RETURN false;
    END IF;
    IF variance IS NULL OR NOT (variance > 0 AND variance <= 1) THEN
        RAISE EXCEPTION 'variance must be in (0, 1], not %', variance USING ERRCODE = 'invalid_parameter_value',
            HINT = 'It is the share of the variance the kept principal components explain; NannyML''s default is 0.65.';
    END IF;
    IF chunks IS NULL OR chunks < 2 OR chunks > 10000 THEN
        RAISE EXCEPTION 'chunks must be between 2 and 10000, not %', chunks USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF cardinality(features) < 2 OR array_position(features, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'features must name at least 2 features, without NULLs' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.multivariate_settings AS s VALUES (model, features, variance, chunks)
    ON CONFLICT ON CONSTRAINT multivariate_settings_pkey DO UPDATE
       SET features = excluded.features, variance = excluded.variance, chunks = excluded.chunks;
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = monitor_multivariate.model;
    IF rw.window_start IS NOT NULL THEN
        PERFORM @extschema@._set_multivariate(model, @extschema@._source(model), rw.window_start, rw.window_end);
        RETURN EXISTS (SELECT FROM @extschema@.multivariate_references mr WHERE mr.model = monitor_multivariate.model);
    END IF;
    IF FOUND THEN
        RAISE NOTICE 'the reference of model "%" was set from a query: call mlmon.set_reference again to fit the data reconstruction', model;
    END IF;
    RETURN false;
END
$$;
COMMENT ON FUNCTION @extschema@.monitor_multivariate(text, boolean, text[], float8, int) IS
    'Check a model''s multivariate drift (NannyML''s data reconstruction with PCA) from its next reference on, or stop (enabled false); fits at once on a reference window; returns whether a fit is stored';

-- The multivariate_drift results of a window.
CREATE FUNCTION @extschema@._multivariate_results(model text, window_start timestamptz, window_end timestamptz)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    mr @extschema@.multivariate_references;
    res @extschema@.reconstruction_result;
    imputed bigint;
    got record;
BEGIN
    SELECT * INTO mr FROM @extschema@.multivariate_references x WHERE x.model = _multivariate_results.model;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- rows with a missing feature: a number (imputed by reconstruction_drift) or a category
    -- (imputed with the most frequent one in the vector already)
    EXECUTE format('SELECT s.r, s.imputed FROM (SELECT @extschema@.reconstruction_drift(rows.v, $8) AS r, '
                   'count(*) FILTER (WHERE rows.cat_missing OR array_position(rows.v, NULL) IS NOT NULL '
                   'OR rows.v OPERATOR(pg_catalog.&&) ''{NaN,Infinity,-Infinity}''::float8[]) AS imputed FROM %s) s',
                   @extschema@._multivariate_rows(@extschema@._source(model), mr.encodings))
       INTO got
      USING model, window_start, window_end, mr.features,
            (SELECT coalesce(array_agg(mr.features[i] ORDER BY i), '{}') FROM generate_series(1, cardinality(mr.features)) i
              WHERE mr.encodings->(i - 1) <> 'null'::jsonb),
            mr.encodings, mr.missing_shares, mr.pca;
    res := got.r;
    imputed := got.imputed;
    IF res.mean_error IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY VALUES
        ('multivariate_drift', 'reconstruction_error', NULL::text, res.mean_error, 'pca_reconstruction'),
        ('multivariate_drift', 'lower_threshold', NULL, mr.lower_threshold, NULL),
        ('multivariate_drift', 'upper_threshold', NULL, mr.upper_threshold, NULL),
        ('multivariate_drift', 'rows_imputed_rate', NULL, imputed::float8 / nullif(res.n_rows + res.rows_invalid, 0), NULL),
        ('multivariate_drift', 'drift_detected', NULL,
         (res.mean_error > mr.upper_threshold OR res.mean_error < mr.lower_threshold)::int::float8, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._multivariate_results(text, timestamptz, timestamptz) IS
    'A window''s multivariate drift: mean reconstruction error against the reference''s band (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@.monitor_multivariate(text, boolean, text[], float8, int),
    @extschema@._set_multivariate(text, @extschema@._source_sql, timestamptz, timestamptz) FROM PUBLIC;

-- Embedding drift (issue 17), Evidently's embedding drift methods (part of
-- the install script, after the catalogue).  The aggregates take an
-- embedding (float8[] or float4[]; pgvector's vector through its cast to
-- real[]) and is_current.  Bad rows are skipped and counted in the result:
-- a NULL embedding or is_current or an empty array (n_skipped_null), an
-- array of another length than the first valid one's (n_skipped_length), a
-- NULL, NaN or infinite component (n_skipped_component).  The transition
-- functions are not STRICT (those rows are counted); IMMUTABLE throughout:
-- results depend on the arguments only (the bootstrap's generator restarts
-- at seed 0 on every call).

CREATE TYPE @extschema@.embedding_drift_result AS (
    method text,
    statistic float8,
    threshold float8,
    drifted boolean,
    n_reference bigint,
    n_current bigint,
    dimension integer,
    n_skipped_null bigint,
    n_skipped_length bigint,
    n_skipped_component bigint
);
COMMENT ON TYPE @extschema@.embedding_drift_result IS
    'Result of the embedding drift methods: Evidently''s method name, drift score and threshold (the bootstrap percentile when bootstrap is on), drifted (statistic > threshold), the valid rows of each sample, the dimension, and the rows skipped as missing, of the wrong length, or with a NULL, NaN or infinite component';

-- distance: the state is a float8[] (src/embedding_distance.c): a header
-- and the compensated per-component sums of each sample (4 d numbers), and
-- with bootstrap every valid reference row.
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_distance_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_combine(float8[], float8[]) IS
    'Combine function of mlmon.embedding_distance: adds the sums (and the bootstrap rows) of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_final(float8[]) IS
    'Final function of mlmon.embedding_distance (internal)';

CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text, threshold float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text, float8, boolean, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text, threshold float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text, float8, boolean, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';

-- ratio: the state keeps every valid row: mlmon.embedding_ratio_state, a
-- real type (src/embedding_ratio.c), so parallel query and Citus combine it.
CREATE TYPE @extschema@.embedding_ratio_state;
CREATE FUNCTION @extschema@.embedding_ratio_state_in(cstring) RETURNS @extschema@.embedding_ratio_state
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_out(@extschema@.embedding_ratio_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_recv(internal) RETURNS @extschema@.embedding_ratio_state
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_send(@extschema@.embedding_ratio_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.embedding_ratio_state (
    INPUT = @extschema@.embedding_ratio_state_in, OUTPUT = @extschema@.embedding_ratio_state_out,
    RECEIVE = @extschema@.embedding_ratio_state_recv, SEND = @extschema@.embedding_ratio_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.embedding_ratio_state IS
    'Partial state of mlmon.embedding_ratio: every valid reference and current row (4 or 8 bytes a component), the options and the skipped rows; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_in(cstring) IS 'Input function of mlmon.embedding_ratio_state (base64 of the binary form, checked)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_out(@extschema@.embedding_ratio_state) IS 'Output function of mlmon.embedding_ratio_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_recv(internal) IS 'Binary input function of mlmon.embedding_ratio_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_send(@extschema@.embedding_ratio_state) IS 'Binary output function of mlmon.embedding_ratio_state';

CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The combine function is declared dear (COST 1e9): a partial state holds
-- every row its worker read, and the rows squeeze through the tuple queues
-- (64 kB a worker) far slower than one backend scans them, so a parallel
-- plan is several times slower than the serial one, whatever the size
-- (bench/results/embedding.md).  The cost steers the planner to the serial
-- plan; the combine stays correct for the plans that still use it (Citus,
-- partitionwise aggregation).
CREATE FUNCTION @extschema@._embedding_ratio_combine(@extschema@.embedding_ratio_state, @extschema@.embedding_ratio_state)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000000000;
CREATE FUNCTION @extschema@._embedding_ratio_final(@extschema@.embedding_ratio_state)
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_combine(@extschema@.embedding_ratio_state, @extschema@.embedding_ratio_state) IS
    'Combine function of mlmon.embedding_ratio: appends the rows of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_final(@extschema@.embedding_ratio_state) IS
    'Final function of mlmon.embedding_ratio (internal)';

CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean, component_threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean, component_threshold float8, threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean, float8, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean, component_threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean, component_threshold float8, threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean, float8, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';

-- The embedding sample (src/embedding_sample.c): the state of the methods
-- that need rows (mmd, model), a float8[] holding at most max_rows rows of
-- each side, chosen by a hash of their contents (a bottom-k sample: the
-- same rows whatever the scan order or the parallel plan), and the counts.
-- The combine function is shared by those methods.
-- Declared dear (COST 1e9), as the ratio's combine: each worker ships its
-- whole sample (31 MB at 5000 + 5000 rows of 384) through the tuple queues,
-- and a parallel plan of embedding_model was 1.5-2x slower than the serial
-- one, of embedding_mmd no faster (bench/results/embedding.md).
CREATE FUNCTION @extschema@._embedding_sample_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_sample_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000000000;
COMMENT ON FUNCTION @extschema@._embedding_sample_combine(float8[], float8[]) IS
    'Combine function of the embedding drift aggregates that keep a sample of rows (the mmd and model methods): the max_rows first rows of each side of the union, by the rows'' hash keys, and the sums of the counts (internal)';

-- mmd: Evidently's MMD^2_u with the median-distance rbf kernel on the samples.

CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_final(float8[]) IS
    'Final function of mlmon.embedding_mmd (internal)';

CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';

-- Embedding drift (issue 17), Evidently's `model` method: a domain
-- classifier (src/embedding_model.c, src/core/domain_classifier.c).  The
-- state is the shared embedding sample (a float8[], per side a bottom-k
-- sample of the valid rows by a content hash, combined by
-- _embedding_sample_combine), so the aggregate runs in parallel and under
-- Citus; the classifier is trained in the final function.  Bad rows are
-- counted as by the other embedding methods.  IMMUTABLE: the result depends
-- on the arguments only (the split, the SGD's shuffle and the bootstrap
-- draw from SplitMix64 restarted at fixed seeds on every call).

CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_model_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_final(float8[]) IS
    'Final function of mlmon.embedding_model: trains the classifier on the sample (internal)';

CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';

-- Embedding drift in the checks: Evidently's distance, mmd and model methods
--
-- A model that logs an embedding with each prediction (mlmon.predictions
-- .embedding, a source's embedding_column, a reference query's embedding
-- column) gets an embedding_drift section in its checks, judged by the
-- method monitor_embeddings chose: `distance` (the default: the distance
-- between the mean embedding of the reference and that of the window,
-- Euclidean, drift above 0.2), `mmd` (MMD^2_u on the samples, above 0.015)
-- or `model` (a domain classifier's ROC AUC, above 0.55).  set_reference
-- keeps the reference's part of the method's state (for distance the counts
-- and compensated sums per component, a few kB; for mmd and model the
-- reference's sample of at most max_rows rows), so a check reads only its
-- window's embeddings.

-- The state of mlmon.embedding_distance over rows, and the result of a set of
-- states (the reference's and a window's).
CREATE AGGREGATE @extschema@._embedding_distance_state(embedding float4[], is_current boolean, dist text, threshold float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_distance_state(float4[], boolean, text, float8) IS
    'The state of mlmon.embedding_distance over the rows, for storing (internal)';
CREATE AGGREGATE @extschema@._embedding_distance_merge(float8[]) (
    SFUNC = @extschema@._embedding_distance_combine, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_distance_merge(float8[]) IS
    'mlmon.embedding_distance''s result from stored states: the first state''s dimension is the reference''s (internal)';

-- The same for mmd and model: their states are embedding samples.
-- Stored in their canonical form (no spare room, rows in a fixed order), so
-- that every plan stores the same array.
CREATE FUNCTION @extschema@._embedding_sample_canonical(float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_sample_canonical'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_sample_canonical(float8[]) IS
    'The canonical form of an embedding sample state: no spare capacity, each side''s rows in descending order of their key (internal)';
-- The checks' samples are keyed by row (src/core/embedding_sample.h, KEYED BY
-- ROW): a vector logged many times enters the sample as often as a uniform
-- sample of the rows would take it, not all or nothing.  A row's key is a
-- hash of its request id, its time and its features (rows logged without a
-- request id in one transaction share their time), the same whenever the
-- row is read, so a window's sample does not depend on the plan.
CREATE FUNCTION @extschema@._embedding_row_key(request_id text, ts timestamptz, features jsonb)
    RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN pg_catalog.hashtextextended(coalesce(request_id, ''),
           coalesce(pg_catalog.hash_numeric_extended(extract(epoch FROM ts),
                                                     coalesce(pg_catalog.jsonb_hash_extended(features, 0), 0)),
                    pg_catalog.jsonb_hash_extended(features, 0), 0));
COMMENT ON FUNCTION @extschema@._embedding_row_key(text, timestamptz, jsonb) IS
    'The key of a logged row in the checks'' embedding samples: a hash of its request id, time and features (internal)';
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer, bigint)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer, bigint) IS
    'Transition function of the checks'' mmd state: the sample keyed by row (internal)';
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer, bigint)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer, bigint) IS
    'Transition function of the checks'' model state: the sample keyed by row (internal)';
CREATE AGGREGATE @extschema@._embedding_mmd_state(embedding float4[], is_current boolean, threshold float8,
        bootstrap boolean, quantile_probability float8, max_rows integer, row_key bigint) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_sample_canonical,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_mmd_state(float4[], boolean, float8, boolean, float8, integer, bigint) IS
    'The state of mlmon.embedding_mmd over the rows, its sample keyed by row_key, for storing (internal)';
-- The merge aggregates' transition: the sample's combine under another name,
-- of ordinary cost (the combine is declared dear to keep parallel plans away;
-- a transition of that cost would make every plan that merges stored states
-- look dear, and so be JIT-compiled for two rows).
CREATE FUNCTION @extschema@._embedding_sample_merge(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_sample_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_sample_merge(float8[], float8[]) IS
    'Transition function of the aggregates that merge stored embedding samples: the sample''s combine, of ordinary cost (internal)';
CREATE AGGREGATE @extschema@._embedding_mmd_merge(float8[]) (
    SFUNC = @extschema@._embedding_sample_merge, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_mmd_merge(float8[]) IS
    'mlmon.embedding_mmd''s result from stored states (internal)';
CREATE AGGREGATE @extschema@._embedding_model_state(embedding float4[], is_current boolean, threshold float8,
        bootstrap boolean, quantile_probability float8, max_rows integer, row_key bigint) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_sample_canonical,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_model_state(float4[], boolean, float8, boolean, float8, integer, bigint) IS
    'The state of mlmon.embedding_model over the rows, its sample keyed by row_key, for storing (internal)';
CREATE AGGREGATE @extschema@._embedding_model_merge(float8[]) (
    SFUNC = @extschema@._embedding_sample_merge, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._embedding_model_merge(float8[]) IS
    'mlmon.embedding_model''s result from stored states (internal)';

CREATE TABLE @extschema@.embedding_settings (
    model     text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    enabled   boolean NOT NULL DEFAULT true,
    dist      text NOT NULL DEFAULT 'euclidean' CHECK (dist IN ('euclidean', 'cosine', 'cityblock', 'chebyshev')),
    threshold float8 CHECK (threshold >= 0 AND threshold < 'Infinity'),   -- NULL: the method's default
    method    text NOT NULL DEFAULT 'distance' CHECK (method IN ('distance', 'mmd', 'model')),
    bootstrap boolean NOT NULL DEFAULT false,
    max_rows  integer,                                                     -- NULL: the method's default
    CHECK (max_rows IS NULL OR (method <> 'distance'
                                AND max_rows BETWEEN 2 AND CASE method WHEN 'mmd' THEN 5000 ELSE 1000000 END))
);
COMMENT ON TABLE @extschema@.embedding_settings IS
    'How the checks judge a model''s embedding drift (no row: on, Evidently''s distance method, Euclidean, threshold 0.2); threshold and max_rows NULL: the method''s defaults';

CREATE TABLE @extschema@.embedding_references (
    model     text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    dist      text NOT NULL,
    threshold float8 NOT NULL,        -- the threshold in force (the method's default when not set)
    state     float8[] NOT NULL,      -- mlmon.embedding_distance's state of the reference rows
    n_rows    bigint NOT NULL,        -- reference rows with a valid embedding
    dimension int NOT NULL,
    set_at    timestamptz NOT NULL DEFAULT now(),
    method    text NOT NULL DEFAULT 'distance',
    bootstrap boolean NOT NULL DEFAULT false,
    max_rows  integer,                -- mmd, model: rows per side of the samples
    sample    float8[],               -- mmd, model: the method's state (sample) of the reference rows
    quantile_probability float8       -- the bootstrap's quantile the sample was made with
);
COMMENT ON TABLE @extschema@.embedding_references IS
    'The reference embeddings of each model that logs them, summarised for the embedding drift check';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.embedding_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.embedding_references', '');

-- A method's defaults (Evidently's): threshold, bootstrap quantile, sample rows per side.
CREATE FUNCTION @extschema@._embedding_defaults(method text, OUT threshold float8, OUT quantile_probability float8,
        OUT max_rows integer)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT ROW(d.t, d.q, d.k) FROM (VALUES ('distance', 0.2::float8, 0.95::float8, NULL::integer),
                                                ('mmd', 0.015, 0.05, 1000),
                                                ('model', 0.55, 0.95, 5000)) d(m, t, q, k)
         WHERE d.m = method);
COMMENT ON FUNCTION @extschema@._embedding_defaults(text) IS
    'Evidently''s defaults of an embedding drift method: threshold, bootstrap quantile, sample rows per side (internal)';

-- Summarise a model's reference embeddings (called by _set_reference).
CREATE FUNCTION @extschema@._set_embedding_reference(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st @extschema@.embedding_settings;
    dflt record;
    got record;
    res @extschema@.embedding_drift_result;
BEGIN
    DELETE FROM @extschema@.embedding_references er WHERE er.model = _set_embedding_reference.model;
    SELECT * INTO st FROM @extschema@.embedding_settings s WHERE s.model = _set_embedding_reference.model;
    IF NOT FOUND THEN
        st := ROW(model, true, 'euclidean', NULL, 'distance', false, NULL);
    END IF;
    IF NOT st.enabled OR r.embedding IS NULL OR r.embedding = 'NULL::real[]' THEN
        RETURN;
    END IF;
    SELECT * INTO dflt FROM @extschema@._embedding_defaults(st.method);
    st.threshold := coalesce(st.threshold, dflt.threshold);
    st.max_rows := coalesce(st.max_rows, dflt.max_rows);
    -- the distance state always (it counts the rows and fixes the dimension), the sample for mmd and model
    EXECUTE format('SELECT @extschema@._embedding_distance_state(q.e, false, $4, '
                   '       CASE WHEN $6 = ''distance'' THEN $5 ELSE 0.2 END) AS state, '
                   '   @extschema@._embedding_mmd_state(q.e, false, $5, $7, $8, $9, q.k) FILTER (WHERE $6 = ''mmd'') AS mmd, '
                   '   @extschema@._embedding_model_state(q.e, false, $5, $7, $8, $9, q.k) FILTER (WHERE $6 = ''model'') AS model '
                   'FROM (SELECT %s AS e, @extschema@._embedding_row_key(%s, %s, %s) AS k %s) q WHERE q.e IS NOT NULL',
                   r.embedding, coalesce(r.request_id, 'NULL::text'), r.ts, r.feature_object, r.from_clause)
       INTO got USING model, from_ts, to_ts, st.dist, st.threshold, st.method, st.bootstrap,
                      dflt.quantile_probability, coalesce(st.max_rows, 2);
    IF got.state IS NULL THEN
        RETURN;
    END IF;
    SELECT (m.r).* INTO res FROM (SELECT @extschema@._embedding_distance_merge(v.x) AS r FROM (VALUES (got.state)) v(x)) m;
    IF coalesce(res.n_reference, 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO @extschema@.embedding_references
           (model, dist, threshold, state, n_rows, dimension, set_at, method, bootstrap, max_rows, sample,
            quantile_probability)
    VALUES (model, st.dist, st.threshold, got.state, res.n_reference, res.dimension, now(), st.method, st.bootstrap,
            st.max_rows, CASE st.method WHEN 'mmd' THEN got.mmd WHEN 'model' THEN got.model END,
            dflt.quantile_probability);
END
$$;
COMMENT ON FUNCTION @extschema@._set_embedding_reference(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Summarise a model''s reference embeddings for the embedding drift check (internal)';

-- Choose how embedding drift is judged, or turn it off; applies from the
-- next set_reference (at once when the reference is a stored window).
CREATE FUNCTION @extschema@.monitor_embeddings(model text, enabled boolean DEFAULT true,
        dist text DEFAULT 'euclidean', threshold float8 DEFAULT NULL, method text DEFAULT 'distance',
        bootstrap boolean DEFAULT false, max_rows integer DEFAULT NULL)
    RETURNS boolean LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rw @extschema@.reference_windows;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF enabled IS NULL OR bootstrap IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', CASE WHEN enabled IS NULL THEN 'enabled' ELSE 'bootstrap' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF method IS NULL OR method NOT IN ('distance', 'mmd', 'model') THEN
        RAISE EXCEPTION 'unknown embedding drift method "%"', method USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use distance (the default), mmd or model, Evidently''s methods.';
    END IF;
    IF dist IS NULL OR dist NOT IN ('euclidean', 'cosine', 'cityblock', 'chebyshev') THEN
        RAISE EXCEPTION 'unknown distance "%"', dist USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use euclidean (Evidently''s default), cosine, cityblock or chebyshev.';
    END IF;
    IF NOT (threshold >= 0 AND threshold < 'Infinity') THEN
        RAISE EXCEPTION 'threshold must be a finite number >= 0, not %', threshold
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF max_rows IS NOT NULL AND (method = 'distance' OR NOT max_rows BETWEEN 2 AND CASE method WHEN 'mmd' THEN 5000 ELSE 1000000 END) THEN
        RAISE EXCEPTION 'max_rows must be NULL for the distance method, between 2 and 5000 for mmd and between 2 and 1000000 for model, not %', max_rows
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.embedding_settings AS s (model, enabled, dist, threshold, method, bootstrap, max_rows)
    VALUES (model, enabled, dist, threshold, method, bootstrap, max_rows)
    ON CONFLICT ON CONSTRAINT embedding_settings_pkey DO UPDATE
       SET enabled = excluded.enabled, dist = excluded.dist, threshold = excluded.threshold,
           method = excluded.method, bootstrap = excluded.bootstrap, max_rows = excluded.max_rows;
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = monitor_embeddings.model;
    IF rw.window_start IS NOT NULL THEN
        PERFORM @extschema@._set_embedding_reference(model, @extschema@._source(model), rw.window_start, rw.window_end);
    ELSIF NOT enabled THEN
        DELETE FROM @extschema@.embedding_references er WHERE er.model = monitor_embeddings.model;
    ELSIF FOUND THEN
        RAISE NOTICE 'the reference of model "%" was set from a query: call mlmon.set_reference again to apply this', model;
    END IF;
    RETURN EXISTS (SELECT FROM @extschema@.embedding_references er WHERE er.model = monitor_embeddings.model);
END
$$;
COMMENT ON FUNCTION @extschema@.monitor_embeddings(text, boolean, text, float8, text, boolean, integer) IS
    'Set how a model''s embedding drift is checked (Evidently''s distance, mmd or model method, its threshold (NULL: the method''s default), bootstrap, the samples'' rows per side), or turn it off; returns whether a reference summary is stored';

-- The embedding_drift results of a window.
CREATE FUNCTION @extschema@._embedding_results(model text, window_start timestamptz, window_end timestamptz)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    er @extschema@.embedding_references;
    r @extschema@._source_sql;
    got record;
    res @extschema@.embedding_drift_result;
    verdict @extschema@.embedding_drift_result;
    wrong_length bigint;
    invalid bigint;
    total bigint;
BEGIN
    SELECT * INTO er FROM @extschema@.embedding_references x WHERE x.model = _embedding_results.model;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    r := @extschema@._source(model);
    -- rows of another length than the reference's are counted here, so that none of them can fix
    -- the window state's dimension (the first valid row does)
    EXECUTE format('SELECT @extschema@._embedding_distance_state(q.e, true, $4, '
                   '       CASE WHEN $7 = ''distance'' THEN $5 ELSE 0.2 END) '
                   'FILTER (WHERE q.e IS NULL OR cardinality(q.e) IN (0, $6)) AS state, '
                   '@extschema@._embedding_mmd_state(q.e, true, $5, $8, $9, $10, q.k) '
                   'FILTER (WHERE $7 = ''mmd'' AND cardinality(q.e) = $6) AS mmd, '
                   '@extschema@._embedding_model_state(q.e, true, $5, $8, $9, $10, q.k) '
                   'FILTER (WHERE $7 = ''model'' AND cardinality(q.e) = $6) AS model, '
                   'count(*) FILTER (WHERE cardinality(q.e) NOT IN (0, $6)) AS wrong_length '
                   'FROM (SELECT %s AS e, @extschema@._embedding_row_key(%s, %s, %s) AS k %s) q',
                   r.embedding, coalesce(r.request_id, 'NULL::text'), r.ts, r.feature_object, r.from_clause)
       INTO got USING model, window_start, window_end, er.dist, er.threshold, er.dimension, er.method,
                      er.bootstrap, coalesce(er.quantile_probability, 0.95),
                      coalesce(er.max_rows, 2);
    wrong_length := got.wrong_length;
    -- the reference's state first: its dimension is the one the window's rows must have
    SELECT (m.r).* INTO res
      FROM (SELECT @extschema@._embedding_distance_merge(v.x ORDER BY v.o) AS r
              FROM (VALUES (1, er.state), (2, got.state)) v(o, x)) m;
    invalid := res.n_skipped_length + res.n_skipped_component + wrong_length;
    total := res.n_current + res.n_skipped_null + invalid;
    IF total = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY VALUES
        ('embedding_drift', 'rows', NULL::text, res.n_current::float8, NULL::text),
        ('embedding_drift', 'missing_rate', NULL, res.n_skipped_null::float8 / total, NULL),
        ('embedding_drift', 'invalid_rate', NULL, invalid::float8 / total, NULL);
    IF res.n_current = 0 THEN
        RETURN;
    END IF;
    IF er.method = 'mmd' THEN
        SELECT (m.r).* INTO verdict
          FROM (SELECT @extschema@._embedding_mmd_merge(v.x ORDER BY v.o) AS r
                  FROM (VALUES (1, er.sample), (2, got.mmd)) v(o, x)) m;
    ELSIF er.method = 'model' THEN
        SELECT (m.r).* INTO verdict
          FROM (SELECT @extschema@._embedding_model_merge(v.x ORDER BY v.o) AS r
                  FROM (VALUES (1, er.sample), (2, got.model)) v(o, x)) m;
    ELSE
        verdict := res;
    END IF;
    RETURN QUERY VALUES
        ('embedding_drift', 'drift_score', NULL::text, verdict.statistic,
         CASE er.method WHEN 'distance' THEN er.dist ELSE er.method END),
        ('embedding_drift', 'drift_threshold', NULL, verdict.threshold, NULL),
        ('embedding_drift', 'drift_detected', NULL, verdict.drifted::int::float8, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._embedding_results(text, timestamptz, timestamptz) IS
    'A window''s embedding drift by the model''s method: distance between the mean embeddings, MMD or a domain classifier''s ROC AUC (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@.monitor_embeddings(text, boolean, text, float8, text, boolean, integer),
    @extschema@._set_embedding_reference(text, @extschema@._source_sql, timestamptz, timestamptz) FROM PUBLIC;

-- Citus (part of the install script, after sql/operations.sql): the
-- prediction log and the labels distributed over the workers, co-located by
-- request id.  Citus refuses triggers on a distributed table, so the log
-- loses the triggers that report late changes to the stored summaries: its
-- checks then read every row of their window (on the workers, in parallel),
-- as for a source registered with track_changes => false.

CREATE FUNCTION @extschema@.distribute_log(shard_count int DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    SET client_min_messages = warning   -- Citus's notices of copying (done here) and of local data (removed here)
AS $$
DECLARE
    t record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'mlmon.distribute_log needs the citus extension in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'CREATE EXTENSION citus, add the workers, then call it (README, Running on Citus).';
    END IF;
    IF shard_count IS NOT NULL AND (shard_count < 1 OR shard_count > 64000) THEN
        RAISE EXCEPTION 'shard_count must be between 1 and 64000' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    LOCK TABLE @extschema@.predictions, @extschema@.labels IN ACCESS EXCLUSIVE MODE;
    IF (SELECT count(*) FROM pg_dist_partition d
         WHERE d.logicalrelid IN ('@extschema@.predictions'::regclass, '@extschema@.labels'::regclass)) = 2 THEN
        RETURN;                 -- distributed already
    END IF;
    IF EXISTS (SELECT 1 FROM @extschema@.predictions p WHERE p.request_id IS NULL) THEN
        RAISE EXCEPTION 'the prediction log has rows without a request id'
            USING ERRCODE = 'not_null_violation',
                  DETAIL = 'Citus distributes the log by request id and refuses a NULL one.',
                  HINT = 'Give those rows a request id (or delete them) first.';
    END IF;
    -- the summaries' triggers on the log, its partitions and the labels go (a
    -- partition's copy of the log's row trigger with the log's)
    FOR t IN
        SELECT tg.tgname, tg.tgrelid::regclass AS rel
          FROM pg_trigger tg
         WHERE tg.tgname IN ('summary_changed', 'summaries_truncated') AND NOT tg.tgisinternal
           AND tg.tgparentid = 0
           AND (tg.tgrelid IN ('@extschema@.predictions'::regclass, '@extschema@.labels'::regclass)
                OR tg.tgrelid IN (SELECT i.inhrelid FROM pg_inherits i
                                   WHERE i.inhparent = '@extschema@.predictions'::regclass))
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
    END LOOP;
    -- a row logged without a request id gets one (Citus refuses a NULL one)
    ALTER TABLE @extschema@.predictions ALTER COLUMN request_id SET DEFAULT gen_random_uuid()::text;
    -- stored summaries of the log, and of sources whose labels are in mlmon.labels, can
    -- no longer be kept up to date: forgotten
    DELETE FROM @extschema@.summaries s
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.sources src
                        WHERE src.model = s.model AND (src.label_column IS NOT NULL OR src.id_column IS NULL));
    DELETE FROM @extschema@.summary_invalidations s
     WHERE NOT EXISTS (SELECT 1 FROM @extschema@.sources src
                        WHERE src.model = s.model AND (src.label_column IS NOT NULL OR src.id_column IS NULL));
    IF NOT EXISTS (SELECT 1 FROM pg_dist_partition d WHERE d.logicalrelid = '@extschema@.predictions'::regclass) THEN
        EXECUTE 'SELECT create_distributed_table($1, ''request_id'', shard_count => $2)'
          USING '@extschema@.predictions'::regclass, shard_count;
    END IF;
    EXECUTE 'SELECT create_distributed_table($1, ''request_id'', colocate_with => $2)'
      USING '@extschema@.labels'::regclass, '@extschema@.predictions';
    -- the rows now live in the shards: the coordinator's copies go
    FOR t IN
        SELECT '@extschema@.labels'::regclass AS rel
        UNION ALL
        SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = '@extschema@.predictions'::regclass
    LOOP
        EXECUTE 'SELECT truncate_local_data_after_distributing_table($1)' USING t.rel;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.distribute_log(int) IS
    'Distribute the prediction log and the labels with Citus, co-located by request id (shard_count: Citus''s default when NULL); the log''s checks then read every row of their window instead of stored summaries';
REVOKE EXECUTE ON FUNCTION @extschema@.distribute_log(int) FROM PUBLIC;

-- Expectations (sql/expectations.sql, new in 0.3.0): rules the user declares
-- (mlmon.expect), evaluated by every check; the alert type expectation and
-- its default rule; run_checks, the alert rules, the report, the
-- recommendations, the metrics and the grants learn about them.
ALTER TABLE @extschema@.alert_rules DROP CONSTRAINT alert_rules_alert_type_check,
    ADD CONSTRAINT alert_rules_alert_type_check
    CHECK (alert_type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality',
                                     'concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                                     'embedding_drift', 'expectation'));
INSERT INTO @extschema@.alert_rules (rule_id, model, alert_type, severity, threshold, description)
OVERRIDING SYSTEM VALUE VALUES
    (-6, NULL, 'expectation', 'medium', 1,
     'an expectation (mlmon.expect) failed: one alert per expectation, with the expectation''s own severity (threshold not used)');

CREATE TABLE @extschema@.expectations (
    model     text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    name      text NOT NULL CHECK (name <> ''),
    feature   text,                  -- NULL for row_count_between
    rule      text NOT NULL CHECK (rule IN ('not_null', 'between', 'in_set', 'matches_regex', 'length_between',
                                            'unique_share_between', 'mean_between', 'stddev_between',
                                            'quantile_between', 'row_count_between')),
    min_value float8,                -- between, length_between and the *_between statistics (NULL: no lower bound)
    max_value float8,                -- (NULL: no upper bound)
    value_set text[],                -- in_set
    pattern   text,                  -- matches_regex (PostgreSQL's ~: found anywhere in the value unless anchored)
    quantile  float8,                -- quantile_between
    mostly    float8 NOT NULL DEFAULT 1 CHECK (mostly > 0 AND mostly <= 1),
    severity  text NOT NULL DEFAULT 'medium' CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    enabled   boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, name),
    CHECK ((rule = 'row_count_between') = (feature IS NULL)),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value <= max_value)
);
COMMENT ON TABLE @extschema@.expectations IS
    'Rules a model''s data must follow (declared with mlmon.expect), evaluated by every check';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.expectations', '');

CREATE TABLE @extschema@.expectation_results (
    check_id         bigint NOT NULL REFERENCES @extschema@.checks ON DELETE CASCADE,
    model            text NOT NULL,
    name             text NOT NULL,
    feature          text,
    rule             text NOT NULL,
    severity         text NOT NULL,
    success          boolean,        -- NULL: nothing to judge (no value in the window) or the rule failed to run
    observed_value   float8,         -- the share of values that follow the rule, or the statistic
    element_count    bigint,         -- rows in the window
    missing_count    bigint,         -- rows without the feature (absent or null)
    unexpected_count bigint,
    unexpected_share float8,         -- of the rows with the feature (not_null: of every row)
    unexpected_values text[],        -- up to 5 distinct unexpected values, 200 characters at most: raw feature data
    error            text,           -- why the rule could not be evaluated
    PRIMARY KEY (check_id, name)
);
COMMENT ON TABLE @extschema@.expectation_results IS
    'Each check''s outcome of each expectation, with a few unexpected values (raw data: readers see mlmon.expectation_results_view)';
CREATE INDEX expectation_results_model ON @extschema@.expectation_results (model, check_id);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.expectation_results', '');

CREATE VIEW @extschema@.expectation_results_view AS
SELECT r.check_id, c.window_start, c.window_end, r.model, r.name, r.feature, r.rule, r.severity, r.success,
       r.observed_value, r.element_count, r.missing_count, r.unexpected_count, r.unexpected_share, r.error
  FROM @extschema@.expectation_results r JOIN @extschema@.checks c ON c.check_id = r.check_id;
COMMENT ON VIEW @extschema@.expectation_results_view IS
    'Each check''s outcome of each expectation, without the unexpected values, for readers';


-- A few distinct values of a column (the unexpected values an expectation reports).
CREATE FUNCTION @extschema@._first_values_accum(text[], text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'mlm_first_values_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._first_values_accum(text[], text) IS
    'Transition function of mlmon._first_values (internal)';
CREATE FUNCTION @extschema@._first_values_combine(text[], text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'mlm_first_values_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._first_values_combine(text[], text[]) IS
    'Combine function of mlmon._first_values (internal)';
CREATE AGGREGATE @extschema@._first_values(text) (
    SFUNC = @extschema@._first_values_accum, STYPE = text[], INITCOND = '{}',
    COMBINEFUNC = @extschema@._first_values_combine, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._first_values(text) IS
    'Up to 5 distinct non-null values of the input, each cut to 200 characters (which ones depends on the scan) (internal)';

-- Declare (or replace) an expectation.
CREATE FUNCTION @extschema@.expect(model text, feature text, rule text, min_value float8 DEFAULT NULL,
        max_value float8 DEFAULT NULL, value_set text[] DEFAULT NULL, pattern text DEFAULT NULL,
        quantile float8 DEFAULT NULL, mostly float8 DEFAULT 1, severity text DEFAULT 'medium', name text DEFAULT NULL)
    RETURNS text LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    nm text;
    bounded boolean := rule IN ('between', 'length_between', 'unique_share_between', 'mean_between', 'stddev_between',
                                'quantile_between', 'row_count_between');
BEGIN
    PERFORM @extschema@._model_task(model);
    IF rule IS NULL OR rule NOT IN ('not_null', 'between', 'in_set', 'matches_regex', 'length_between',
                                    'unique_share_between', 'mean_between', 'stddev_between', 'quantile_between',
                                    'row_count_between') THEN
        RAISE EXCEPTION 'unknown expectation rule "%"', rule USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use not_null, between, in_set, matches_regex, length_between, unique_share_between, mean_between, '
                   'stddev_between, quantile_between or row_count_between.';
    END IF;
    IF (rule = 'row_count_between') <> (feature IS NULL) THEN
        RAISE EXCEPTION '%', CASE WHEN feature IS NULL THEN format('rule %s needs a feature', rule)
                                  ELSE 'rule row_count_between is about the window, not a feature: pass feature NULL' END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF feature = '' THEN
        RAISE EXCEPTION 'the feature name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF bounded AND min_value IS NULL AND max_value IS NULL THEN
        RAISE EXCEPTION 'rule % needs min_value, max_value or both', rule USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT bounded AND (min_value IS NOT NULL OR max_value IS NOT NULL) THEN
        RAISE EXCEPTION 'rule % takes no min_value or max_value', rule USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF min_value = 'NaN' OR max_value = 'NaN' THEN
        RAISE EXCEPTION 'min_value and max_value must not be NaN' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF min_value > max_value THEN
        RAISE EXCEPTION 'min_value % is above max_value %', min_value, max_value USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (rule = 'in_set') <> (value_set IS NOT NULL) THEN
        RAISE EXCEPTION '%', CASE WHEN rule = 'in_set' THEN 'rule in_set needs a value_set'
                                  ELSE format('rule %s takes no value_set', rule) END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(value_set, NULL) IS NOT NULL OR cardinality(value_set) = 0 THEN
        RAISE EXCEPTION 'value_set must hold at least one value and no NULL' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF (rule = 'matches_regex') <> (pattern IS NOT NULL) THEN
        RAISE EXCEPTION '%', CASE WHEN rule = 'matches_regex' THEN 'rule matches_regex needs a pattern'
                                  ELSE format('rule %s takes no pattern', rule) END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pattern IS NOT NULL THEN
        BEGIN
            PERFORM '' ~ pattern;
        EXCEPTION WHEN invalid_regular_expression THEN
            RAISE EXCEPTION 'invalid regular expression %', quote_literal(pattern)
                USING ERRCODE = 'invalid_regular_expression', DETAIL = SQLERRM;
        END;
    END IF;
    IF (rule = 'quantile_between') <> (quantile IS NOT NULL) THEN
        RAISE EXCEPTION '%', CASE WHEN rule = 'quantile_between' THEN 'rule quantile_between needs a quantile'
                                  ELSE format('rule %s takes no quantile', rule) END
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT (quantile >= 0 AND quantile <= 1) THEN
        RAISE EXCEPTION 'quantile must be between 0 and 1, not %', quantile USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF mostly IS NULL OR NOT (mostly > 0 AND mostly <= 1) THEN
        RAISE EXCEPTION 'mostly must be above 0 and at most 1, not %', coalesce(mostly::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF mostly < 1 AND rule IN ('unique_share_between', 'mean_between', 'stddev_between', 'quantile_between',
                               'row_count_between') THEN
        RAISE EXCEPTION 'rule % is about the whole window: mostly must be 1', rule
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'mostly applies to the rules that judge each value: not_null, between, in_set, matches_regex, length_between.';
    END IF;
    IF severity IS NULL OR severity NOT IN ('critical', 'high', 'medium', 'low') THEN
        RAISE EXCEPTION 'unknown severity "%"', severity USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use critical, high, medium or low.';
    END IF;
    nm := coalesce(name, CASE WHEN feature IS NULL THEN rule ELSE feature || '_' || rule END);
    IF nm = '' THEN
        RAISE EXCEPTION 'the expectation''s name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF feature IS NOT NULL AND EXISTS (SELECT FROM @extschema@.reference_profiles rp WHERE rp.model = expect.model
                                                                                    AND rp.role = 'feature')
       AND NOT EXISTS (SELECT FROM @extschema@.reference_profiles rp WHERE rp.model = expect.model
                                                                       AND rp.role = 'feature' AND rp.feature = expect.feature) THEN
        RAISE NOTICE 'model "%" has no feature "%" in its reference: the expectation will judge only the rows that have it', model, feature;
    END IF;
    INSERT INTO @extschema@.expectations AS e (model, name, feature, rule, min_value, max_value, value_set, pattern,
                                               quantile, mostly, severity)
    VALUES (model, nm, feature, rule, min_value, max_value, value_set, pattern, quantile, mostly, severity)
    ON CONFLICT ON CONSTRAINT expectations_pkey DO UPDATE
       SET feature = excluded.feature, rule = excluded.rule, min_value = excluded.min_value,
           max_value = excluded.max_value, value_set = excluded.value_set, pattern = excluded.pattern,
           quantile = excluded.quantile, mostly = excluded.mostly, severity = excluded.severity, enabled = true;
    RETURN nm;
END
$$;
COMMENT ON FUNCTION @extschema@.expect(text, text, text, float8, float8, text[], text, float8, float8, text, text) IS
    'Declare (or replace) an expectation about a model''s data, Great Expectations'' rules: not_null, between, in_set, matches_regex, length_between (each with a mostly fraction), unique_share_between, mean_between, stddev_between, quantile_between, row_count_between; returns its name (default: feature_rule)';

CREATE FUNCTION @extschema@.drop_expectation(model text, name text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._model_task(model);
    DELETE FROM @extschema@.expectations e WHERE e.model = drop_expectation.model AND e.name = drop_expectation.name;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_expectation(text, text) IS
    'Remove an expectation (its past results stay); false when there was none';

-- One expectation's outcome in a check.
CREATE TYPE @extschema@._expectation_outcome AS (
    name text, feature text, rule text, severity text, success boolean, observed_value float8,
    element_count bigint, missing_count bigint, unexpected_count bigint, unexpected_share float8,
    unexpected_values text[], error text
);
COMMENT ON TYPE @extschema@._expectation_outcome IS 'One expectation''s outcome in a check (internal)';

-- The aggregates of one expectation over the rows q (q.nv: the features as
-- numbers, NULL when missing, NaN when not a number; q.cv: as text), i its
-- feature's place in them, j its place in the query's parameter $5 (the
-- expectations: their bounds, sets and patterns are read from there, never
-- written into the query): a jsonb object of counts and the statistic.
CREATE FUNCTION @extschema@._expectation_sql(e @extschema@.expectations, i int, j int) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN (
    WITH x AS (
        SELECT format('q.nv[%s]', i) AS n, format('q.cv[%s]', i) AS c, format('($5[%s])', j) AS p,
               format('(q.nv[%s] IS NOT NULL)', i) AS present,
               format('(q.nv[%s] IS NOT NULL AND q.nv[%s] <> ''NaN''::float8)', i, i) AS isnum
    ), u AS (
        -- when a present value is unexpected
        SELECT x.*, CASE e.rule
            WHEN 'between' THEN format('NOT coalesce(%s %s %s, false)', x.isnum,
                                       CASE WHEN e.min_value IS NOT NULL THEN format('AND %s >= %s.min_value', x.n, x.p) ELSE '' END,
                                       CASE WHEN e.max_value IS NOT NULL THEN format('AND %s <= %s.max_value', x.n, x.p) ELSE '' END)
            WHEN 'in_set' THEN format('NOT coalesce(%s = ANY (%s.value_set), false)', x.c, x.p)
            WHEN 'matches_regex' THEN format('NOT coalesce(%s ~ %s.pattern, false)', x.c, x.p)
            WHEN 'length_between' THEN format('NOT coalesce(%s IS NOT NULL %s %s, false)', x.c,
                                              CASE WHEN e.min_value IS NOT NULL THEN format('AND char_length(%s) >= %s.min_value', x.c, x.p) ELSE '' END,
                                              CASE WHEN e.max_value IS NOT NULL THEN format('AND char_length(%s) <= %s.max_value', x.c, x.p) ELSE '' END)
            WHEN 'unique_share_between' THEN 'false'
            ELSE format('NOT %s', x.isnum)          -- the statistics: a value that is not a number
            END AS unexpected
          FROM x
    )
    SELECT format('jsonb_build_object(''n'', count(*), ''present'', count(*) FILTER (WHERE %s), '
                  '''unexpected'', count(*) FILTER (WHERE %s AND %s), '
                  '''values'', @extschema@._first_values(%s) FILTER (WHERE %s AND %s), ''stat'', %s)',
                  u.present, u.present, u.unexpected, u.c, u.present, u.unexpected,
                  CASE e.rule
                      WHEN 'unique_share_between' THEN format('ARRAY[count(DISTINCT %1$s) FILTER (WHERE %2$s), count(%1$s) FILTER (WHERE %2$s)]', u.c, u.present)
                      WHEN 'mean_between' THEN format('avg(%s) FILTER (WHERE %s)', u.n, u.isnum)
                      WHEN 'stddev_between' THEN format('stddev_samp(%s) FILTER (WHERE %s)', u.n, u.isnum)
                      WHEN 'quantile_between' THEN format('percentile_disc(%s.quantile) WITHIN GROUP (ORDER BY %s) FILTER (WHERE %s)',
                                                          u.p, u.n, u.isnum)
                      ELSE 'NULL::float8' END)
      FROM u);
COMMENT ON FUNCTION @extschema@._expectation_sql(@extschema@.expectations, int, int) IS
    'The aggregates that evaluate one expectation over a window''s rows (internal)';

-- An expectation's outcome from its aggregates (got: _expectation_sql's object; rows: the window's rows).
CREATE FUNCTION @extschema@._expectation_outcome(e @extschema@.expectations, got jsonb, rows bigint, err text)
    RETURNS @extschema@._expectation_outcome
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o @extschema@._expectation_outcome;
    present bigint;
    stat float8;
BEGIN
    o.name := e.name; o.feature := e.feature; o.rule := e.rule; o.severity := e.severity; o.error := err;
    IF err IS NOT NULL THEN
        RETURN o;
    END IF;
    IF e.rule = 'row_count_between' THEN
        o.element_count := rows;
        o.observed_value := rows;
        o.success := (e.min_value IS NULL OR rows >= e.min_value) AND (e.max_value IS NULL OR rows <= e.max_value);
        RETURN o;
    END IF;
    o.element_count := (got->>'n')::bigint;
    present := (got->>'present')::bigint;
    o.missing_count := o.element_count - present;
    IF e.rule = 'not_null' THEN
        o.unexpected_count := o.missing_count;
        IF o.element_count > 0 THEN
            o.unexpected_share := o.missing_count::float8 / o.element_count;
            -- the share of expected values divided as Great Expectations does (1 - share can round below mostly)
            o.observed_value := present::float8 / o.element_count;
            o.success := o.observed_value >= e.mostly;
        END IF;
        o.unexpected_values := '{}';
        RETURN o;
    END IF;
    o.unexpected_count := (got->>'unexpected')::bigint;
    o.unexpected_values := ARRAY(SELECT jsonb_array_elements_text(got->'values'));
    IF present > 0 THEN
        o.unexpected_share := o.unexpected_count::float8 / present;
    END IF;
    IF e.rule IN ('between', 'in_set', 'matches_regex', 'length_between') THEN
        IF present > 0 THEN
            o.observed_value := (present - o.unexpected_count)::float8 / present;
            o.success := o.observed_value >= e.mostly;
        END IF;
        RETURN o;
    END IF;
    -- the statistics: judged on the values that are numbers (unique share: distinct values over
    -- the present values that have one, arrays and objects left out of both)
    stat := CASE WHEN e.rule = 'unique_share_between'
                 THEN CASE WHEN (got->'stat'->>1)::bigint > 0 THEN (got->'stat'->>0)::float8 / (got->'stat'->>1)::bigint END
                 ELSE (got->>'stat')::float8 END;
    o.observed_value := stat;
    IF stat IS NOT NULL THEN
        o.success := stat <> 'NaN' AND (e.min_value IS NULL OR stat >= e.min_value) AND (e.max_value IS NULL OR stat <= e.max_value);
    END IF;
    RETURN o;
END
$$;
COMMENT ON FUNCTION @extschema@._expectation_outcome(@extschema@.expectations, jsonb, bigint, text) IS
    'An expectation''s outcome from its aggregates over the window (internal)';

-- Every enabled expectation of a model over [window_start, window_end): one
-- read of the window's rows for all of them (none when only row counts are
-- expected; rows: the window's rows, from the check's summary).  One that
-- fails to run is reported with its error and never stops the others.
CREATE FUNCTION @extschema@._evaluate_expectations(model text, rows bigint, window_start timestamptz,
        window_end timestamptz)
    RETURNS SETOF @extschema@._expectation_outcome
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
    -- the statistics pass through jsonb as text: with every digit
    SET extra_float_digits = 3
AS $$
DECLARE
    exps @extschema@.expectations[];
    readers @extschema@.expectations[];
    e @extschema@.expectations;
    r @extschema@._source_sql;
    keys text[];
    got jsonb[];
    single jsonb[];
    one jsonb;
    err text;
    -- (the fences keep each row's feature arrays computed once: not once per reference to them)
    q text := 'SELECT ARRAY[%s]::jsonb[] FROM (SELECT @extschema@._jsonb_numbers(q0.fo, $4) AS nv, '
              '@extschema@._jsonb_categories(q0.fo, $4) AS cv, @extschema@._fence() AS fence '
              'FROM (SELECT %s AS fo, @extschema@._fence() AS fence %s) q0) q';
BEGIN
    exps := ARRAY(SELECT x FROM @extschema@.expectations x
                   WHERE x.model = _evaluate_expectations.model AND x.enabled ORDER BY x.name);
    -- the expectations that read rows, in the order of the query's results and of $5
    readers := ARRAY(SELECT x FROM unnest(exps) x WHERE x.rule <> 'row_count_between' ORDER BY x.name);
    keys := ARRAY(SELECT DISTINCT x.feature FROM unnest(readers) x ORDER BY 1);
    IF cardinality(readers) > 0 THEN
        r := @extschema@._source(model);
        BEGIN
            EXECUTE format(q, (SELECT string_agg(@extschema@._expectation_sql(readers[k], array_position(keys, (readers[k]).feature), k),
                                                 ', ' ORDER BY k)
                                 FROM generate_subscripts(readers, 1) k),
                           r.feature_object, r.from_clause)
               INTO got USING model, window_start, window_end, keys, readers;
        EXCEPTION WHEN OTHERS THEN
            got := NULL;        -- evaluated one by one below, so that one rule cannot break the others
        END;
    END IF;
    FOREACH e IN ARRAY exps LOOP
        one := NULL;
        err := NULL;
        IF e.rule <> 'row_count_between' THEN
            IF got IS NOT NULL THEN
                one := got[array_position(ARRAY(SELECT x.name FROM unnest(readers) x), e.name)];
            ELSE
                BEGIN
                    EXECUTE format(q, @extschema@._expectation_sql(e, array_position(keys, e.feature), 1),
                                   r.feature_object, r.from_clause)
                       INTO single USING model, window_start, window_end, keys, ARRAY[e];
                    one := single[1];
                EXCEPTION WHEN OTHERS THEN
                    err := SQLERRM;
                    RAISE WARNING 'expectation "%" of model "%" could not be evaluated: %', e.name, model, SQLERRM;
                END;
            END IF;
        END IF;
        RETURN NEXT @extschema@._expectation_outcome(e, one, rows, err);
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@._evaluate_expectations(text, bigint, timestamptz, timestamptz) IS
    'Evaluate every enabled expectation of a model over a window, in one read of its rows (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@.expect(text, text, text, float8, float8, text[], text, float8, float8, text, text),
    @extschema@.drop_expectation(text, text) FROM PUBLIC;

CREATE OR REPLACE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    plan @extschema@._check_plan;
    s @extschema@.check_summary;
    cid bigint;
    ex @extschema@._expectation_outcome[];
BEGIN
    IF window_start IS NULL OR window_end IS NULL OR window_start >= window_end THEN
        RAISE EXCEPTION 'the check window must have window_start < window_end' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT isfinite(window_start) OR NOT isfinite(window_end) THEN
        RAISE EXCEPTION 'the check window must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plan := @extschema@._check_plan(model);
    s := @extschema@._window_summary(model, plan, window_start, window_end);
    -- the expectations (one read of the window for all of them); never a reason for the check to fail
    BEGIN
        ex := ARRAY(SELECT x FROM @extschema@._evaluate_expectations(model, (@extschema@._summary_totals(s)).rows,
                                                                     window_start, window_end) x);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'the expectations of model "%" could not be evaluated: %', model, SQLERRM;
        ex := '{}';
    END;
    INSERT INTO @extschema@.checks (model, window_start, window_end, n_rows, n_labeled, finished_at)
    VALUES (model, window_start, window_end, (@extschema@._summary_totals(s)).rows,
            @extschema@._labeled_rows(((plan).summary).task, s), clock_timestamp())
    RETURNING check_id INTO cid;
    INSERT INTO @extschema@.expectation_results (check_id, model, name, feature, rule, severity, success, observed_value,
                                                 element_count, missing_count, unexpected_count, unexpected_share,
                                                 unexpected_values, error)
    SELECT cid, model, x.name, x.feature, x.rule, x.severity, x.success, x.observed_value, x.element_count,
           x.missing_count, x.unexpected_count, x.unexpected_share, x.unexpected_values, x.error
      FROM unnest(ex) x;
    -- one statement writes every result: the alert trigger sees the whole check
    INSERT INTO @extschema@.check_results (check_id, time, model, "check", metric, feature, value, method)
    SELECT cid, window_end, model, x."check", x.metric, x.feature, x.value, x.method
      FROM @extschema@._check_results(model, plan, s, window_start, window_end) x
     WHERE x.value IS NOT NULL OR x."check" IN ('data_drift', 'output_drift', 'data_quality')
    UNION ALL
    -- each expectation's numbers, under its name
    SELECT cid, window_end, model, 'expectations', m.metric, x.name, m.value, x.rule
      FROM unnest(ex) x,
           LATERAL (VALUES ('success', x.success::int::float8), ('observed_value', x.observed_value),
                           ('unexpected_count', x.unexpected_count::float8), ('unexpected_share', x.unexpected_share),
                           ('element_count', x.element_count::float8)) m(metric, value)
     WHERE m.value IS NOT NULL
    UNION ALL
    -- and how many were judged and failed
    SELECT cid, window_end, model, 'expectations', m.metric, NULL, m.value, NULL
      FROM (SELECT count(*) FILTER (WHERE x.success IS NOT NULL) AS evaluated,
                   count(*) FILTER (WHERE NOT x.success) AS failed
              FROM unnest(ex) x) t,
           LATERAL (VALUES ('evaluated', t.evaluated::float8), ('failed', t.failed::float8)) m(metric, value)
     WHERE cardinality(ex) > 0;
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, timestamptz, timestamptz) IS
    'Check [window_start, window_end) of a model against its reference: performance, drift per feature, output drift, data quality, latency, volume, concept drift, anomalies, estimated performance, from the window''s summary, and its expectations; returns the check id';

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
    empty boolean;
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
        -- a window without rows says nothing (open alerts stay as they are), but to the
        -- expectations (no rows may be what one of them forbids)
        empty := coalesce((SELECT nr.value FROM new_results nr WHERE nr.check_id = c.check_id
                              AND nr."check" = 'volume' AND nr.metric = 'rows'), 0) = 0;
        SELECT array_agg(nr.feature ORDER BY nr.feature) INTO drifted FROM new_results nr
         WHERE nr.check_id = c.check_id AND nr."check" = 'data_drift' AND nr.metric = 'drift_detected' AND nr.value = 1;
        drifted := coalesce(drifted, '{}');
        data_drift_fired := false;
        FOR rule IN SELECT * FROM @extschema@.effective_alert_rules(c.model) ORDER BY
                CASE alert_type WHEN 'data_drift' THEN 0 ELSE 1 END LOOP
            IF NOT rule.enabled OR (empty AND rule.alert_type <> 'expectation') THEN
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
                            -- strongest first: by log p-value (finite where the p-value underflows), then
                            -- the distances by statistic
                            'drifted_features', (SELECT jsonb_agg(jsonb_build_object('feature', d.feature, 'method', d.method,
                                                     'statistic', d.value, 'p_value', p.value, 'log_p_value', lp.value)
                                                     ORDER BY lp.value NULLS LAST, d.value DESC, d.feature)
                                                   FROM new_results d LEFT JOIN new_results p
                                                     ON p.check_id = d.check_id AND p.feature = d.feature
                                                    AND p."check" = 'data_drift' AND p.metric = 'p_value'
                                                   LEFT JOIN new_results lp
                                                     ON lp.check_id = d.check_id AND lp.feature = d.feature
                                                    AND lp."check" = 'data_drift' AND lp.metric = 'log_p_value'
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
                                                                  AND p.metric = 'p_value'),
                                                   'log_p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'log_p_value')),
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
            ELSIF rule.alert_type = 'expectation' THEN
                -- one alert per failed expectation (its name is the alert's feature), with the
                -- expectation's own severity; an expectation that passed, or is gone, resolves its alert,
                -- one that could not be judged (no value, an error) leaves it as it is, and so do they
                -- all when none could be evaluated
                IF NOT EXISTS (SELECT FROM @extschema@.expectation_results er WHERE er.check_id = c.check_id)
                   AND EXISTS (SELECT FROM @extschema@.expectations ex WHERE ex.model = c.model AND ex.enabled) THEN
                    CONTINUE;
                END IF;
                PERFORM @extschema@._raise_alert(c.model, rule.alert_type, er.severity, er.name,
                            CASE WHEN er.feature IS NOT NULL THEN ARRAY[er.feature] END,
                            jsonb_strip_nulls(jsonb_build_object('rule', er.rule, 'feature', er.feature,
                                'observed_value', er.observed_value, 'element_count', er.element_count,
                                'missing_count', er.missing_count, 'unexpected_count', er.unexpected_count,
                                'unexpected_share', er.unexpected_share, 'mostly', ex.mostly,
                                'min_value', ex.min_value, 'max_value', ex.max_value, 'quantile', ex.quantile)),
                            c.check_id, rule.cooldown)
                   FROM @extschema@.expectation_results er
                   LEFT JOIN @extschema@.expectations ex ON ex.model = er.model AND ex.name = er.name
                  WHERE er.check_id = c.check_id AND NOT er.success;
                PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type,
                            ARRAY(SELECT er.name FROM @extschema@.expectation_results er
                                   WHERE er.check_id = c.check_id AND er.success IS NOT TRUE));
            ELSIF rule.alert_type IN ('concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                                      'embedding_drift') THEN
                -- one number against the threshold; its check's other results are the details
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = rule.alert_type
                   AND nr.metric = CASE rule.alert_type WHEN 'concept_drift' THEN 'drift_detected'
                                                        WHEN 'multivariate_drift' THEN 'drift_detected'
                                                        WHEN 'embedding_drift' THEN 'drift_detected'
                                                        WHEN 'anomalies' THEN 'anomaly_rate'
                                                        ELSE 'estimated_accuracy_drop' END;
                IF v IS NULL THEN
                    CONTINUE;      -- no labels, scores or features to judge by in this window
                ELSIF (rule.alert_type IN ('concept_drift', 'multivariate_drift', 'embedding_drift') AND v >= rule.threshold)
                      OR (rule.alert_type NOT IN ('concept_drift', 'multivariate_drift', 'embedding_drift')
                          AND v > rule.threshold) THEN
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
COMMENT ON FUNCTION @extschema@._apply_alert_rules() IS
    'Trigger function: apply the alert rules to the results of each new check (internal)';

CREATE OR REPLACE VIEW @extschema@.monitoring_report AS
SELECT m.name AS model, m.version, m.task,
       min(c.window_start) AS period_start, max(c.window_end) AS period_end,
       count(c.check_id) AS n_checks,
       (SELECT avg(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_accuracy,
       (SELECT min(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS min_accuracy,
       (SELECT max(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS max_accuracy,
       (SELECT stddev_samp(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS std_accuracy,
       (SELECT avg(p.f1) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_f1,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name) AS total_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type IN ('data_drift', 'feature_drift')) AS data_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'output_drift') AS output_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'performance_degradation') AS performance_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'data_quality') AS data_quality_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open') AS open_alerts,
       (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'model' ORDER BY a.time DESC, a.alert_id DESC), '[]')
          FROM (SELECT * FROM @extschema@.alerts a WHERE a.model = m.name
                 ORDER BY a.time DESC, a.alert_id DESC LIMIT 10) a) AS last_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'concept_drift') AS concept_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'anomalies') AS anomaly_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'estimated_performance') AS estimated_performance_alerts,
       -- every check's model-wide results in the latest check (per-feature ones: feature_drift, results_view)
       (SELECT jsonb_build_object(
                   'check_id', max(x.check_id) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'window_end', max(x.window_end) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'labelled_check_id', max(x.check_id) FILTER (WHERE x."check" IN ('performance', 'concept_drift')))
               || coalesce(jsonb_object_agg(x."check", x.results), '{}')
          FROM (SELECT y."check", max(y.check_id) AS check_id, max(y.window_end) AS window_end,
                       jsonb_object_agg(y.metric, y.value) AS results
                  FROM @extschema@.latest_results y
                 WHERE y.model = m.name AND y.feature IS NULL
                 GROUP BY y."check") x) AS latest_check,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'multivariate_drift') AS multivariate_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'embedding_drift') AS embedding_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'expectation') AS expectation_alerts,
       -- the expectations' outcomes in the latest check that judged them
       (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('name', e.name, 'feature', e.feature, 'rule', e.rule,
                                                       'severity', e.severity, 'success', e.success,
                                                       'observed_value', e.observed_value,
                                                       'unexpected_count', e.unexpected_count,
                                                       'unexpected_share', e.unexpected_share, 'error', e.error))
                                  ORDER BY e.name), '[]')
          FROM @extschema@.expectation_results_view e
         WHERE e.model = m.name
           AND e.check_id = (SELECT max(e2.check_id) FROM @extschema@.expectation_results_view e2
                              WHERE e2.model = m.name)) AS latest_expectations
  FROM @extschema@.models m
  LEFT JOIN @extschema@.checks c ON c.model = m.name
 GROUP BY m.name;
COMMENT ON VIEW @extschema@.monitoring_report IS
    'Per model: the monitored period, number of checks, accuracy summary, alert counts by type, the last 10 alerts, every check''s model-wide results of the latest check, and the outcome of each expectation in the latest check';

CREATE OR REPLACE FUNCTION @extschema@.report(model text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.monitoring_report;
BEGIN
    -- read through the views only, so that readers may call it
    SELECT * INTO r FROM @extschema@.monitoring_report x WHERE x.model = report.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN jsonb_build_object(
        'model', jsonb_build_object('name', r.model, 'version', r.version, 'task', r.task),
        'monitoring_period', jsonb_build_object('start', r.period_start, 'end', r.period_end, 'n_batches', r.n_checks),
        'performance_summary', jsonb_build_object('avg_accuracy', r.avg_accuracy, 'min_accuracy', r.min_accuracy,
            'max_accuracy', r.max_accuracy, 'std_accuracy', r.std_accuracy, 'avg_f1', r.avg_f1),
        'drift_summary', jsonb_build_object('total_alerts', r.total_alerts, 'data_drift_alerts', r.data_drift_alerts,
            'output_drift_alerts', r.output_drift_alerts, 'performance_alerts', r.performance_alerts,
            'data_quality_alerts', r.data_quality_alerts, 'concept_drift_alerts', r.concept_drift_alerts,
            'anomaly_alerts', r.anomaly_alerts, 'estimated_performance_alerts', r.estimated_performance_alerts,
            'multivariate_drift_alerts', r.multivariate_drift_alerts, 'embedding_drift_alerts', r.embedding_drift_alerts,
            'expectation_alerts', r.expectation_alerts, 'open_alerts', r.open_alerts),
        'latest_check', r.latest_check,
        'expectations', r.latest_expectations,
        'alerts', r.last_alerts,
        'recommendations', (SELECT coalesce(jsonb_agg(to_jsonb(x) - 'model' ORDER BY x.priority), '[]')
                              FROM @extschema@.recommendations x WHERE x.model = report.model));
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
    UNION ALL
    SELECT o.model, 'investigate',
           format('the features moved together away from the reference: mean reconstruction error %s outside [%s, %s] (see mlmon.feature_drift for single features)',
                  round((o.details->>'reconstruction_error')::numeric, 4), round((o.details->>'lower_threshold')::numeric, 4),
                  round((o.details->>'upper_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'multivariate_drift'
    UNION ALL
    SELECT o.model, 'investigate',
           format('the embeddings moved away from the reference''s: drift score %s, above its threshold %s (method: mlmon.embedding_settings)',
                  round((o.details->>'drift_score')::numeric, 4), round((o.details->>'drift_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'embedding_drift'
    UNION ALL
    SELECT o.model, CASE WHEN o.severity IN ('critical', 'high') THEN 'investigate' ELSE 'watch' END,
           format('expectation "%s" failed (%s%s): %s', o.feature, o.details->>'rule',
                  CASE WHEN o.details ? 'feature' THEN ' of ' || (o.details->>'feature') ELSE '' END,
                  CASE WHEN o.details ? 'unexpected_count' AND o.details->>'rule' NOT IN
                                ('unique_share_between', 'mean_between', 'stddev_between', 'quantile_between')
                       THEN format('%s unexpected values (%s%%)', o.details->>'unexpected_count',
                                   round((o.details->>'unexpected_share')::numeric * 100, 2))
                       ELSE 'observed ' || coalesce(round((o.details->>'observed_value')::numeric, 6)::text, 'nothing') END),
           CASE WHEN o.details ? 'feature' THEN ARRAY[o.details->>'feature'] END
      FROM open o WHERE o.type = 'expectation'
)
SELECT rec.model, rec.action, p.priority, rec.reason, rec.features, p.steps AS playbook
  FROM rec JOIN @extschema@.playbook p ON p.action = rec.action;
COMMENT ON VIEW @extschema@.recommendations IS
    'What to do about each model''s open alerts: retrain, investigate or watch, with the reason and the playbook''s steps';

COMMENT ON FUNCTION @extschema@.report(text) IS
    'The monitoring report of a model as JSON: period, performance summary, drift summary (alerts by type), every check''s model-wide results of the latest check, the expectations'' outcomes, last 10 alerts, recommendations';

CREATE OR REPLACE FUNCTION @extschema@.grant_reader(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT SELECT ON @extschema@.performance_history, @extschema@.feature_drift, '
                   '@extschema@.monitoring_report, @extschema@.recommendations, @extschema@.alerts_view, '
                   '@extschema@.results_view, @extschema@.metrics, @extschema@.expectation_results_view, '
                   '@extschema@.expectations TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.report(text), @extschema@.prometheus_metrics() TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_reader(regrole) IS
    'Let a role (e.g. Grafana''s) read the report views (expectation outcomes without their unexpected values), and nothing else';

CREATE OR REPLACE FUNCTION @extschema@.grant_feature_reader(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- mlmon.anomalies shows the logged features of the unusual rows: it reads the log
    -- (and a registered source table, which its owner grants) and the references
    EXECUTE format('GRANT SELECT ON @extschema@.anomalies, @extschema@.predictions, @extschema@.sources, '
                   '@extschema@.models, @extschema@.reference_profiles TO %s', role);
    -- the expectations' unexpected values are logged feature values too
    EXECUTE format('GRANT SELECT ON @extschema@.expectation_results TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_feature_reader(regrole) IS
    'Let a role also read logged features: the log, mlmon.anomalies (Grafana''s most-unusual-rows panel) and the expectations'' unexpected values (mlmon.expectation_results), on top of grant_reader';

CREATE OR REPLACE VIEW @extschema@.metrics AS
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

-- private to the owner, as the install script leaves every table of the schema
REVOKE ALL ON @extschema@.expectations, @extschema@.expectation_results, @extschema@.expectation_results_view FROM PUBLIC;

-- Roles given grant_reader (or grant_feature_reader) before the update read the new tables as a
-- role given it now would.  These grants are the users' own: pg_init_privs keeps the install
-- script's privileges (GRANT inside an extension script would record them as the extension's,
-- and pg_dump would leave them out).
DO $$
DECLARE
    t record;
    g record;
    init aclitem[];
BEGIN
    FOR t IN SELECT v.rel::regclass AS rel, v.model::regclass AS model FROM (VALUES
                 ('@extschema@.expectation_results_view', '@extschema@.results_view'),
                 ('@extschema@.expectations', '@extschema@.results_view'),
                 ('@extschema@.expectation_results', '@extschema@.anomalies')) v(rel, model)
    LOOP
        SELECT i.initprivs INTO init FROM pg_catalog.pg_init_privs i
         WHERE i.classoid = 'pg_catalog.pg_class'::regclass AND i.objoid = t.rel AND i.objsubid = 0;
        FOR g IN SELECT DISTINCT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
                   FROM pg_catalog.pg_class c
                  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) x
                   LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
                  WHERE c.oid = t.model AND x.privilege_type = 'SELECT' AND x.grantee <> c.relowner
                  ORDER BY 1
        LOOP
            EXECUTE format('GRANT SELECT ON %s TO %s', t.rel, g.grantee);
        END LOOP;
        UPDATE pg_catalog.pg_init_privs i SET initprivs = init
         WHERE i.classoid = 'pg_catalog.pg_class'::regclass AND i.objoid = t.rel AND i.objsubid = 0;
    END LOOP;
END
$$;

-- a classifier's prediction and label columns are read as text only: labels that are not numbers
-- no longer fail its checks
CREATE OR REPLACE FUNCTION @extschema@._source(model text) RETURNS @extschema@._source_sql
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s @extschema@.sources;
    r @extschema@._source_sql;
    time_type regtype;
    -- a classifier's prediction and label columns are read as text only (its labels need not be numbers)
    numeric_target boolean := @extschema@._model_task(model) = 'regression';
BEGIN
    SELECT * INTO s FROM @extschema@.sources src WHERE src.model = _source.model;
    IF NOT FOUND THEN
        r.from_clause := 'FROM @extschema@.predictions p WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3';
        r.ts := 'p.ts';
        r.request_id := 'p.request_id';
        r.all_features := 'p.features';
        r.feature_object := 'p.features';
        r.predicted_label := 'p.predicted_label';
        r.predicted_value := 'p.predicted_value';
        r.score := 'p.score';
        r.latency := 'p.latency_ms';
        r.embedding := 'p.embedding';
        r.in_labels_table := true;
        r.tracked := @extschema@._log_tracked();
    ELSE
        -- a time column without a zone is read as UTC (as the summaries' trigger reads it), whatever the session's TimeZone
        time_type := (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = s.relation AND a.attname = s.time_column);
        IF time_type = 'timestamp'::regtype THEN
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND s.%2$I >= ($2 AT TIME ZONE ''UTC'') '
                                    'AND s.%2$I < ($3 AT TIME ZONE ''UTC'')', s.relation, s.time_column);
            r.ts := format('(s.%I AT TIME ZONE ''UTC'')', s.time_column);
        ELSIF time_type = 'date'::regtype THEN
            r.ts := format('(s.%I::timestamp AT TIME ZONE ''UTC'')', s.time_column);
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND %2$s >= $2 AND %2$s < $3', s.relation, r.ts);
        ELSE
            r.from_clause := format('FROM %s s WHERE $1 IS NOT NULL AND s.%2$I >= $2 AND s.%2$I < $3', s.relation, s.time_column);
            r.ts := format('s.%I', s.time_column);
        END IF;
        r.request_id := CASE WHEN s.id_column IS NOT NULL THEN format('s.%I::text', s.id_column) END;
        IF s.features_column IS NOT NULL THEN
            r.all_features := format('s.%I', s.features_column);
            r.feature_object := r.all_features;
        ELSE
            r.feature_columns := s.feature_columns;
            r.feature_object := 'jsonb_build_object(' || (SELECT string_agg(format('%L, s.%I', c, c), ', ')
                                                            FROM unnest(s.feature_columns) c) || ')';
        END IF;
        r.predicted_label := CASE WHEN s.prediction_column IS NULL THEN 'NULL::text'
                                  ELSE format('s.%I::text', s.prediction_column) END;
        r.predicted_value := CASE WHEN s.prediction_column IS NULL OR NOT numeric_target THEN 'NULL::float8'
                                  ELSE format('s.%I::float8', s.prediction_column) END;
        r.score := CASE WHEN s.score_column IS NULL THEN 'NULL::float8' ELSE format('s.%I::float8', s.score_column) END;
        r.latency := CASE WHEN s.latency_column IS NULL THEN 'NULL::float8'
                          ELSE format('s.%I::float8', s.latency_column) END;
        r.embedding := CASE WHEN s.embedding_column IS NULL THEN 'NULL::real[]'
                            ELSE format('s.%I::real[]', s.embedding_column) END;
        r.in_labels_table := s.label_column IS NULL AND s.id_column IS NOT NULL;
        -- (labels in mlmon.labels: their changes must reach the summaries too)
        r.tracked := s.tracked AND (NOT r.in_labels_table OR @extschema@._log_tracked());
        IF s.label_column IS NOT NULL THEN
            -- ground truth in the same rows
            r.labels_from := r.from_clause || format(' AND s.%I IS NOT NULL', s.label_column);
            r.labels_ts := r.ts;
            r.label := format('s.%I::text', s.label_column);
            r.actual := CASE WHEN numeric_target THEN format('s.%I::float8', s.label_column) ELSE 'NULL::float8' END;
            r.labels_predicted_label := r.predicted_label;
            r.labels_predicted_value := r.predicted_value;
            r.labels_score := r.score;
            RETURN r;
        END IF;
    END IF;
    IF r.in_labels_table THEN
        r.labels_from := 'FROM @extschema@.labels l WHERE l.model = $1 AND l.ts >= $2 AND l.ts < $3';
        r.labels_ts := 'l.ts';
        r.label := 'l.label';
        r.actual := 'l.actual_value';
        r.labels_predicted_label := 'l.predicted_label';
        r.labels_predicted_value := 'l.predicted_value';
        r.labels_score := 'l.score';
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@._source(text) IS 'SQL fragments that read a model''s rows and labels (internal)';

-- Segments (sql/segments.sql, new in 0.3.0): a model checked per segment (mlmon.segment_by).
-- check_results and alerts learn a segment column (NULL: the whole model), the
-- alerts' dedup key takes it; the alert functions take a segment; run_checks,
-- set_reference, the alert rules, the views, the report, the recommendations
-- and the metrics learn about segments.

ALTER TABLE @extschema@.check_results ADD COLUMN segment text;
ALTER TABLE @extschema@.alerts ADD COLUMN segment text;
DROP INDEX @extschema@.alerts_one_open;
CREATE UNIQUE INDEX alerts_one_open ON @extschema@.alerts (model, coalesce(segment, ''), type, coalesce(feature, ''))
    WHERE status = 'open';
COMMENT ON TABLE @extschema@.alerts IS
    'Alerts raised by the rules: at most one open alert per model, segment, type and feature';

CREATE TABLE @extschema@.segments (
    model      text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    feature    text,                 -- the feature whose value names the segment, or
    expression text,                 -- an expression over features (jsonb), IMMUTABLE, its value as text
    top_n      int NOT NULL DEFAULT 20 CHECK (top_n BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((feature IS NULL) <> (expression IS NULL))
);
COMMENT ON TABLE @extschema@.segments IS
    'How each model''s rows fall into segments (mlmon.segment_by): a feature or an expression over the features, and how many segments';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.segments', '');

-- The segments the reference named, with their baseline (rank top_n + 1: '(other)').
CREATE TABLE @extschema@.segment_references (
    model       text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    segment     text NOT NULL,
    rank        int NOT NULL,
    n_rows      bigint NOT NULL,
    n_labeled   bigint NOT NULL,
    performance jsonb,
    set_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, segment)
);
COMMENT ON TABLE @extschema@.segment_references IS
    'The segments of each model''s reference: its top_n segment values by rows, then (other), with their rows and baseline performance';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.segment_references', '');

CREATE TABLE @extschema@.segment_profiles (
    model    text NOT NULL,
    segment  text NOT NULL,
    role     text NOT NULL CHECK (role IN ('feature', 'prediction')),
    feature  text NOT NULL,
    kind     text NOT NULL CHECK (kind IN ('numeric', 'categorical')),
    profile  @extschema@.profile NOT NULL,
    n        bigint NOT NULL,
    distinct_values bigint,
    categories text[],
    PRIMARY KEY (model, segment, role, feature),
    FOREIGN KEY (model, segment) REFERENCES @extschema@.segment_references ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE @extschema@.segment_profiles IS
    'Each segment''s reference: a profile per feature (of the model''s kind) and of the predictions';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.segment_profiles', '');
-- The segments' summaries of each closed bucket a check has summarised (a
-- cache beside mlmon.summaries: gone with the bucket's summary, and when the
-- bucket's labels change).
CREATE TABLE @extschema@.segment_summaries (
    model        text NOT NULL,
    bucket_start timestamptz NOT NULL,
    fingerprint  text NOT NULL,                      -- of the segments' plans they were built for
    rows_parts   @extschema@.check_summary[] NOT NULL,  -- per segment (its rank), NULL: no rows
    labels_parts @extschema@.check_summary[] NOT NULL,
    PRIMARY KEY (model, bucket_start),
    FOREIGN KEY (model, bucket_start) REFERENCES @extschema@.summaries ON DELETE CASCADE ON UPDATE CASCADE
);
COMMENT ON TABLE @extschema@.segment_summaries IS
    'Each segment''s summary of each closed bucket a check has summarised: what later checks of the segments merge instead of reading the rows again';
ALTER TABLE @extschema@.segment_summaries ALTER COLUMN rows_parts SET STORAGE EXTERNAL,
    ALTER COLUMN labels_parts SET STORAGE EXTERNAL;
REVOKE ALL ON @extschema@.segments, @extschema@.segment_references, @extschema@.segment_profiles,
    @extschema@.segment_summaries FROM PUBLIC;

-- The name of the segment of the rows of no named segment.
CREATE FUNCTION @extschema@._other_segment() RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN '(other)';
COMMENT ON FUNCTION @extschema@._other_segment() IS
    'The segment of every row whose value is not among the reference''s top segments, or is NULL: (other) (internal)';

-- A model's segment as an SQL expression over a jsonb column named features (NULL: no segments).
CREATE FUNCTION @extschema@._segment_sql(model text) RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
RETURN (SELECT CASE WHEN s.feature IS NOT NULL THEN format('(features ->> %L)', s.feature)
                    ELSE format('((%s)::text)', s.expression) END
          FROM @extschema@.segments s WHERE s.model = _segment_sql.model);
COMMENT ON FUNCTION @extschema@._segment_sql(text) IS
    'The SQL expression (over a jsonb column features) of a model''s segment value (internal)';

-- The columns a segment read needs, named, from the rows r reads: features,
-- the outputs, the row's request id and time, and (labels in the same rows)
-- the labels and whether the row has one.
CREATE FUNCTION @extschema@._segment_rows_sql(r @extschema@._source_sql) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
RETURN format('SELECT %s AS features, %s AS pl, %s AS pv, %s AS sc, %s AS lat, %s AS rid, %s AS rts, %s %s',
              r.feature_object, r.predicted_label, r.predicted_value, r.score, r.latency,
              coalesce(r.request_id, 'NULL::text'), r.ts,
              CASE WHEN r.labels_from IS NOT NULL AND NOT coalesce(r.in_labels_table, false)
                   -- labels in the same rows: r.labels_from is r.from_clause and a condition
                   THEN format('(true %s) AS labelled, %s AS lts, %s AS lab, %s AS act, %s AS lpl, %s AS lpv, %s AS lsc',
                               substr(r.labels_from, length(r.from_clause) + 1), r.labels_ts, r.label, r.actual,
                               r.labels_predicted_label, r.labels_predicted_value, r.labels_score)
                   ELSE 'false AS labelled, NULL::timestamptz AS lts, NULL::text AS lab, NULL::float8 AS act, '
                        'NULL::text AS lpl, NULL::float8 AS lpv, NULL::float8 AS lsc' END,
              r.from_clause);
COMMENT ON FUNCTION @extschema@._segment_rows_sql(@extschema@._source_sql) IS
    'The query of the named columns a segment read groups (internal)';

-- Summaries of the rows r reads in [from_ts, to_ts), one per segment (the
-- index into segments, or cardinality(segments) + 1 for '(other)') and, with
-- a width, per bucket of that width (k; NULL without), each built for its own
-- plan (plans[index]): one read.  Labels kept in mlmon.labels are joined to
-- their rows by request id (a source's id in its own type) and time.
-- Whether a text is a value of a type (a source's id type): a label's
-- request id that is not belongs to no row of the source.
CREATE FUNCTION @extschema@._is_of_type(value text, type regtype) RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('SELECT $1::%s', type) USING value;
    RETURN true;
EXCEPTION WHEN data_exception THEN
    RETURN false;
END
$$;
COMMENT ON FUNCTION @extschema@._is_of_type(text, regtype) IS
    'Whether a text is a valid value of a type (internal)';

CREATE FUNCTION @extschema@._segment_parts(model text, r @extschema@._source_sql, segment_sql text,
        plans @extschema@._summary_plan[], segments text[], from_ts timestamptz, to_ts timestamptz,
        width interval DEFAULT NULL)
    RETURNS TABLE (k timestamptz, seg int, rows_part @extschema@.check_summary, labels_part @extschema@.check_summary)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
    SET enable_sort = off
AS $$
DECLARE
    labelled boolean := coalesce(r.in_labels_table, false);
    id_type regtype;
    label_id text;
    label_join text := '';
BEGIN
    IF labelled THEN
        -- the labels of the span alone: fewer and narrower than the rows, what the join hashes
        SELECT a.atttypid::regtype INTO id_type
          FROM @extschema@.sources so
          JOIN pg_catalog.pg_attribute a ON a.attrelid = so.relation AND a.attname = so.id_column
         WHERE so.model = _segment_parts.model
           AND a.atttypid NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'name'::regtype);
        IF id_type IS NULL THEN
            label_join := 'LEFT JOIN (SELECT * FROM @extschema@.labels l0 WHERE l0.model = $1 AND l0.ts >= $2 AND l0.ts < $3) l '
                          '       ON l.request_id = q.rid AND l.ts = q.rts';
        ELSE
            -- a source's id of another type: compared in that type, as record_label matched the label
            -- ('007' is the row of id 7, '4000.00' the row of numeric 4000); a request id not of that
            -- type (a label matched before the source was registered, say) belongs to no row; two labels
            -- of one row count once (the latest recorded)
            BEGIN
                EXECUTE format('SELECT count(l0.request_id::%s) FROM @extschema@.labels l0 '
                               ' WHERE l0.model = $1 AND l0.ts >= $2 AND l0.ts < $3', id_type)
                   USING model, from_ts, to_ts;
                label_id := format('l0.request_id::%s', id_type);
            EXCEPTION WHEN data_exception THEN
                label_id := format('CASE WHEN @extschema@._is_of_type(l0.request_id, %L) THEN l0.request_id::%s END',
                                   id_type, id_type);
            END;
            label_join := format('LEFT JOIN (SELECT DISTINCT ON (l1.rid, l1.ts) * FROM '
                                 '             (SELECT l0.*, %1$s AS rid FROM @extschema@.labels l0 '
                                 '               WHERE l0.model = $1 AND l0.ts >= $2 AND l0.ts < $3) l1 '
                                 '            WHERE l1.rid IS NOT NULL ORDER BY l1.rid, l1.ts, l1.labeled_at DESC) l '
                                 '       ON l.rid = q.rid::%2$s AND l.ts = q.rts', label_id, id_type);
        END IF;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT q.k, q.seg, @extschema@._summarize_rows($4[q.seg], q.features, q.pl, q.pv, q.sc, q.lat), '
        '       @extschema@._summarize_labels($8[q.seg], %1$s) FILTER (WHERE %2$s) '
        '  FROM (SELECT CASE WHEN $7::interval IS NOT NULL '
        '                    THEN pg_catalog.date_bin($7, q0.rts, timestamptz ''2000-01-01 00:00:00+00'') END AS k, '
        '               coalesce(pg_catalog.array_position($5, %3$s), $6) AS seg, q0.* FROM (%4$s) q0) q %5$s '
        ' GROUP BY q.k, q.seg',
        CASE WHEN labelled THEN 'l.ts, l.label, l.actual_value, l.predicted_label, l.predicted_value, l.score'
             ELSE 'q.lts, q.lab, q.act, q.lpl, q.lpv, q.lsc' END,
        CASE WHEN labelled THEN 'l.request_id IS NOT NULL' ELSE 'q.labelled' END,
        segment_sql, @extschema@._segment_rows_sql(r), label_join)
    USING model, from_ts, to_ts, plans, segments, cardinality(segments) + 1, width,
          -- the labels' plans: without the features' references, which labels do not use (each group's
          -- aggregate decodes its plan: the references would be decoded once more per segment for nothing)
          ARRAY(SELECT ROW(u.task, '{}', '{}', '{}', '{}', NULL, NULL, u.calibration, u.positive_label,
                           u.negative_label, NULL, false, u.error_scale, u.cap)::@extschema@._summary_plan
                  FROM unnest(plans) WITH ORDINALITY u ORDER BY u.ordinality);
END
$$;
COMMENT ON FUNCTION @extschema@._segment_parts(text, @extschema@._source_sql, text, @extschema@._summary_plan[], text[], timestamptz, timestamptz, interval) IS
    'Summaries of a span''s rows and labels per segment (and per bucket), each for its own plan, in one read (internal)';

-- Forget a model's segments: their references and stored summaries go, and
-- the open alerts of every segment not in keep (the segments that a new
-- reference names again) are resolved: nothing judges them now.
CREATE FUNCTION @extschema@._forget_segments(model text, keep text[] DEFAULT '{}') RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    DELETE FROM @extschema@.segment_references sr WHERE sr.model = _forget_segments.model;
    DELETE FROM @extschema@.segment_summaries ss WHERE ss.model = _forget_segments.model;
    UPDATE @extschema@.alerts a SET status = 'resolved', resolved_at = now()
     WHERE a.model = _forget_segments.model AND a.segment IS NOT NULL AND a.status = 'open'
       AND a.segment <> ALL (keep);
END;
COMMENT ON FUNCTION @extschema@._forget_segments(text, text[]) IS
    'Drop a model''s segment references and stored segment summaries, and resolve the open alerts of the segments not kept (internal)';

-- Build and store the segments of a model's reference from the rows r reads
-- in [from_ts, to_ts) (set_reference calls it after the model's own).
CREATE FUNCTION @extschema@._set_segment_references(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    seg_sql text := @extschema@._segment_sql(model);
    top int;
    names text[];
    num_names text[];
    cat_names text[];
    k record;
    q text;
    x record;
    i int;
    s @extschema@.profile_summary;
    pl @extschema@._summary_plan;
    perf jsonb;
    nl bigint;
BEGIN
    IF seg_sql IS NULL THEN
        PERFORM @extschema@._forget_segments(model);
        RETURN;
    END IF;
    SELECT sg.top_n INTO top FROM @extschema@.segments sg WHERE sg.model = _set_segment_references.model;
    -- the top segments: most rows first, then by value
    EXECUTE format('SELECT coalesce(array_agg(v ORDER BY n DESC, v), ''{}'') FROM ('
                   'SELECT v, count(*) AS n FROM (SELECT %1$s AS v FROM (%2$s) q0) q '
                   ' WHERE v IS NOT NULL AND v <> '''' AND v <> @extschema@._other_segment() GROUP BY v ORDER BY n DESC, v LIMIT $4) t',
                   seg_sql, @extschema@._segment_rows_sql(r))
       INTO names USING model, from_ts, to_ts, top;
    -- the segments this reference no longer names keep no open alert
    PERFORM @extschema@._forget_segments(model, names || @extschema@._other_segment());
    -- the model's features, by kind (as the model's reference found them)
    SELECT coalesce(array_agg(rp.feature ORDER BY rp.feature) FILTER (WHERE rp.kind = 'numeric'), '{}'),
           coalesce(array_agg(rp.feature ORDER BY rp.feature) FILTER (WHERE rp.kind = 'categorical'), '{}')
      INTO num_names, cat_names
      FROM @extschema@.reference_profiles rp WHERE rp.model = _set_segment_references.model AND rp.role = 'feature';
    -- one read: each segment's rows, prediction profile and feature profiles
    q := format('SELECT q.seg, count(*) AS n, %1$s AS pred, ARRAY[%2$s]::@extschema@.profile[] AS nums, '
                '       ARRAY[%3$s]::@extschema@.profile[] AS cats '
                '  FROM (SELECT coalesce(pg_catalog.array_position($4, %4$s), $5) AS seg, q0.pl, q0.pv, '
                '               @extschema@._jsonb_numbers(q0.features, $6) AS nv, '
                '               @extschema@._jsonb_categories(q0.features, $7) AS cv '
                '          FROM (%5$s) q0) q GROUP BY q.seg',
        CASE WHEN task = 'classification' THEN '@extschema@.profile(q.pl)' ELSE '@extschema@.profile(q.pv)' END,
        coalesce((SELECT string_agg(format('@extschema@.profile(q.nv[%s])', j), ', ')
                    FROM generate_series(1, cardinality(num_names)) j), ''),
        coalesce((SELECT string_agg(format('@extschema@.profile(q.cv[%s])', j), ', ')
                    FROM generate_series(1, cardinality(cat_names)) j), ''),
        seg_sql, @extschema@._segment_rows_sql(r));
    -- every named segment and (other) has a row, with or without reference rows
    INSERT INTO @extschema@.segment_references (model, segment, rank, n_rows, n_labeled)
    SELECT model, coalesce(names[o], @extschema@._other_segment()), o, 0, 0
      FROM generate_series(1, cardinality(names) + 1) o;
    FOR x IN EXECUTE q USING model, from_ts, to_ts, names, cardinality(names) + 1, num_names, cat_names LOOP
        UPDATE @extschema@.segment_references sr SET n_rows = x.n
         WHERE sr.model = _set_segment_references.model AND sr.rank = x.seg;
        FOR i IN 1 .. cardinality(num_names) LOOP
            CONTINUE WHEN x.nums[i] IS NULL;
            s := @extschema@.summary(x.nums[i]);
            INSERT INTO @extschema@.segment_profiles
            SELECT sr.model, sr.segment, 'feature', num_names[i], 'numeric', x.nums[i], s.count,
                   CASE WHEN s.mode = 'exact' THEN s.entries END, NULL
              FROM @extschema@.segment_references sr WHERE sr.model = _set_segment_references.model AND sr.rank = x.seg;
        END LOOP;
        FOR i IN 1 .. cardinality(cat_names) LOOP
            CONTINUE WHEN x.cats[i] IS NULL;
            s := @extschema@.summary(x.cats[i]);
            INSERT INTO @extschema@.segment_profiles
            SELECT sr.model, sr.segment, 'feature', cat_names[i], 'categorical', x.cats[i], s.count,
                   CASE WHEN s.mode = 'exact' THEN s.entries END,
                   CASE WHEN s.mode = 'exact' THEN
                       (SELECT array_agg(t.value ORDER BY t.value) FROM @extschema@.top_values(x.cats[i], s.entries::int) t) END
              FROM @extschema@.segment_references sr WHERE sr.model = _set_segment_references.model AND sr.rank = x.seg;
        END LOOP;
        IF x.pred IS NOT NULL THEN
            s := @extschema@.summary(x.pred);
            INSERT INTO @extschema@.segment_profiles
            SELECT sr.model, sr.segment, 'prediction', '', CASE WHEN task = 'classification' THEN 'categorical' ELSE 'numeric' END,
                   x.pred, s.count, CASE WHEN s.mode = 'exact' THEN s.entries END, NULL
              FROM @extschema@.segment_references sr WHERE sr.model = _set_segment_references.model AND sr.rank = x.seg;
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT FROM @extschema@.segment_references sr
                    WHERE sr.model = _set_segment_references.model AND sr.n_rows > 0) THEN
        RAISE NOTICE 'the reference of model "%" has no rows: its segments have no reference', model
            USING HINT = 'Every segment is judged against an empty reference (no drift test, no baseline) until mlmon.set_reference finds rows.';
    END IF;
    -- the baseline performance of each segment: its labels' summary, as the model's
    IF r.labels_from IS NOT NULL THEN
        pl := ROW(task, '{}', '{}', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL)::@extschema@._summary_plan;
        FOR x IN SELECT * FROM @extschema@._segment_parts(model, r, seg_sql,
                                  array_fill(pl, ARRAY[cardinality(names) + 1]), names, from_ts, to_ts) LOOP
            CONTINUE WHEN x.labels_part IS NULL;
            perf := @extschema@._summary_performance(task, x.labels_part);
            nl := @extschema@._labeled_rows(task, x.labels_part);
            UPDATE @extschema@.segment_references sr SET n_labeled = nl, performance = CASE WHEN nl > 0 THEN perf END
             WHERE sr.model = _set_segment_references.model AND sr.rank = x.seg;
        END LOOP;
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._set_segment_references(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Name a model''s segments from its reference rows and store each one''s reference (internal)';

-- Declare how a model's rows fall into segments.
CREATE FUNCTION @extschema@.segment_by(model text, feature text DEFAULT NULL, expression text DEFAULT NULL,
        top_n int DEFAULT 20)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rw @extschema@.reference_windows;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF (feature IS NULL) = (expression IS NULL) THEN
        RAISE EXCEPTION 'segment_by needs either a feature or an expression' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'mlmon.segment_by(model, feature => ''country'') or mlmon.segment_by(model, expression => ''...'').';
    END IF;
    IF feature = '' OR btrim(expression) = '' THEN
        RAISE EXCEPTION 'the segment''s feature or expression must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF top_n IS NULL OR top_n < 1 OR top_n > 100 THEN
        RAISE EXCEPTION 'top_n must be between 1 and 100, not %', coalesce(top_n::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Prometheus and the dashboard show every segment: their number stays bounded.';
    END IF;
    IF expression IS NOT NULL THEN
        -- one expression over features: it must parse alone, as a prepared statement (one command; planned,
        -- never run) ...
        BEGIN
            -- (OFFSET 0 keeps features a column: nothing over it is evaluated while planning; the
            -- one-argument call refuses what closes the parentheses to make two expressions of it)
            EXECUTE format('EXPLAIN SELECT pg_catalog.length(((%s)::text)) FROM (SELECT $1::jsonb AS features OFFSET 0) q',
                           expression)
               USING NULL::jsonb;
        EXCEPTION WHEN OTHERS THEN
            RAISE EXCEPTION 'invalid segment expression: %', SQLERRM USING ERRCODE = 'invalid_parameter_value',
                DETAIL = format('Expression: %s', expression),
                HINT = 'An expression over the jsonb column "features", e.g. features->>''country''; '
                       'name other schemas'' functions with their schema.';
        END;
        -- ... and be IMMUTABLE, without subqueries: what an index expression may be
        IF to_regclass('pg_temp._mlmon_segment_probe') IS NOT NULL THEN
            DROP TABLE pg_temp._mlmon_segment_probe;
        END IF;
        CREATE TEMP TABLE _mlmon_segment_probe (features jsonb);
        BEGIN
            EXECUTE format('CREATE INDEX ON pg_temp._mlmon_segment_probe (((%s)::text))', expression);
        EXCEPTION WHEN OTHERS THEN
            DROP TABLE pg_temp._mlmon_segment_probe;
            RAISE EXCEPTION 'invalid segment expression: %', SQLERRM USING ERRCODE = 'invalid_parameter_value',
                DETAIL = format('Expression: %s', expression),
                HINT = 'A segment expression must be IMMUTABLE and read nothing but the row''s features.';
        END;
        DROP TABLE pg_temp._mlmon_segment_probe;
    END IF;
    INSERT INTO @extschema@.segments AS s (model, feature, expression, top_n)
    VALUES (model, feature, expression, top_n)
    ON CONFLICT ON CONSTRAINT segments_pkey DO UPDATE
       SET feature = excluded.feature, expression = excluded.expression, top_n = excluded.top_n,
           created_at = excluded.created_at;
    -- the segments are named by the reference: a reference over a time window is built again now
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = segment_by.model;
    IF FOUND AND rw.window_start IS NOT NULL THEN
        PERFORM @extschema@._match_labels(model);
        PERFORM @extschema@._set_segment_references(model, @extschema@._source(model), rw.window_start, rw.window_end);
    ELSIF FOUND THEN
        -- no segment is judged until the next reference
        PERFORM @extschema@._forget_segments(model);
        RAISE NOTICE 'the segments of model "%" are named by its next reference', model
            USING HINT = 'Its reference came from a query: call mlmon.set_reference again.';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.segment_by(text, text, text, int) IS
    'Check a model per segment too: the value of a feature, or of an IMMUTABLE expression over the jsonb column features; the reference''s top_n values by rows are the segments, the rest (other)';

CREATE FUNCTION @extschema@.drop_segments(model text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._model_task(model);
    -- no segment is judged any more
    PERFORM @extschema@._forget_segments(model);
    DELETE FROM @extschema@.segments s WHERE s.model = drop_segments.model;
    RETURN FOUND;
END
$$;
COMMENT ON FUNCTION @extschema@.drop_segments(text) IS
    'Stop checking a model per segment (its past segment results stay; its open segment alerts are resolved); returns whether it had segments';

-- Each segment's plan: the model's, with the segment's reference profiles,
-- and the tests their sizes call for; features the segment's reference never
-- had are left out.  (No anomalies or CBPE per segment.)
CREATE FUNCTION @extschema@._segment_plan(model text, plan @extschema@._check_plan, segment text)
    RETURNS @extschema@._check_plan LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p @extschema@._check_plan := plan;
    sp @extschema@._summary_plan := (plan).summary;
    t record;
    pred record;
BEGIN
    SELECT coalesce(array_agg(f.feature ORDER BY f.o), '{}'), coalesce(array_agg(f.kind ORDER BY f.o), '{}'),
           coalesce(array_agg(sp_.profile ORDER BY f.o), '{}'),
           coalesce(array_agg(CASE WHEN sp_.kind = 'categorical' THEN 0 WHEN dt.keeps = 'grid' THEN 1
                                   WHEN dt.keeps = 'bins' THEN 2 ELSE 0 END ORDER BY f.o), '{}'),
           coalesce(array_agg(ft.test ORDER BY f.o), '{}'), coalesce(array_agg(ft.threshold ORDER BY f.o), '{}')
      INTO sp.features, sp.kinds, sp.refs, sp.parts, p.tests, p.thresholds
      FROM unnest(((plan).summary).features, ((plan).summary).kinds) WITH ORDINALITY f(feature, kind, o)
      JOIN @extschema@.segment_profiles sp_ ON sp_.model = _segment_plan.model AND sp_.segment = _segment_plan.segment
                                           AND sp_.role = 'feature' AND sp_.feature = f.feature
     CROSS JOIN LATERAL @extschema@._drift_test(_segment_plan.model, f.feature, f.kind, sp_.n, sp_.distinct_values) ft
      JOIN @extschema@.drift_tests dt ON dt.name = ft.test;
    SELECT x.kind, x.profile, x.n, x.distinct_values INTO pred FROM @extschema@.segment_profiles x
     WHERE x.model = _segment_plan.model AND x.segment = _segment_plan.segment AND x.role = 'prediction';
    sp.prediction_ref := NULL;
    sp.prediction_parts := NULL;
    p.prediction_test := NULL;
    p.prediction_threshold := NULL;
    IF pred.profile IS NOT NULL THEN
        SELECT * INTO t FROM @extschema@._drift_test(model, '', pred.kind, pred.n, pred.distinct_values);
        sp.prediction_ref := pred.profile;
        sp.prediction_parts := (SELECT CASE WHEN pred.kind = 'categorical' THEN 0
                                            WHEN dt.keeps = 'grid' THEN 1 WHEN dt.keeps = 'bins' THEN 2 ELSE 0 END
                                  FROM @extschema@.drift_tests dt WHERE dt.name = t.test);
        p.prediction_test := t.test;
        p.prediction_threshold := t.threshold;
    END IF;
    sp.calibration := NULL;
    sp.positive_label := NULL;
    sp.negative_label := NULL;
    sp.anomaly_alpha := NULL;
    -- a feature left out is not an unexpected one
    sp.unexpected := false;
    p.summary := sp;
    RETURN p;
END
$$;
COMMENT ON FUNCTION @extschema@._segment_plan(text, @extschema@._check_plan, text) IS
    'The plan of one segment''s checks: the model''s, with the segment''s references and tests (internal)';

CREATE TYPE @extschema@._segment_result AS (segment text, "check" text, metric text, feature text, value float8,
                                            method text);
COMMENT ON TYPE @extschema@._segment_result IS 'One result of a segment''s check (internal)';

-- Every segment's results in [window_start, window_end): the stored
-- segment summaries of the window's closed buckets that have a valid stored
-- summary of the whole model (built by the check's _window_summary just
-- before), and one read grouped by segment of the rest: the buckets whose
-- segment summaries are missing (stored now) and the window's edges.  The
-- results are those a check of the segment's rows alone gives (volume,
-- latency, performance, data drift, output drift, data quality).
CREATE FUNCTION @extschema@._segment_results(model text, plan @extschema@._check_plan, window_start timestamptz,
        window_end timestamptz)
    RETURNS SETOF @extschema@._segment_result
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := ((plan).summary).task;
    seg_sql text := @extschema@._segment_sql(model);
    src @extschema@._source_sql;
    w interval := (plan).bucket_width;
    correction text;
    names text[];
    plans @extschema@._check_plan[];
    splans @extschema@._summary_plan[];
    fp text;
    stored timestamptz[];      -- closed buckets of the window with a valid stored summary of the model
    have timestamptz[];        -- those whose segment summaries are stored for these plans
    spans_from timestamptz[] := '{}';   -- what is read: [from, to), per bucket when width is set
    spans_to timestamptz[] := '{}';
    spans_width interval[] := '{}';
    pos timestamptz := window_start;
    b timestamptz;
    i int;
    j int;
    x record;
    nseg int;
    got_k timestamptz[] := '{}';       -- the parts read: bucket (NULL: an edge), segment, parts
    got_seg int[] := '{}';
    got_rows @extschema@.check_summary[] := '{}';
    got_labels @extschema@.check_summary[] := '{}';
    sr record;
    s @extschema@.check_summary;
    perf jsonb;
    labeled bigint;
BEGIN
    IF seg_sql IS NULL OR NOT EXISTS (SELECT FROM @extschema@.segment_references sref WHERE sref.model = _segment_results.model) THEN
        RETURN;
    END IF;
    src := @extschema@._source(model);
    SELECT m.drift_correction INTO correction FROM @extschema@.models m WHERE m.name = _segment_results.model;
    SELECT array_agg(sref.segment ORDER BY sref.rank) FILTER (WHERE sref.segment <> @extschema@._other_segment()),
           array_agg(@extschema@._segment_plan(_segment_results.model, plan, sref.segment) ORDER BY sref.rank),
           -- what the stored segment summaries must have been built for
           md5(concat_ws('|', (plan).fingerprint, seg_sql, string_agg(sref.segment || ':' || sref.rank, ',' ORDER BY sref.rank),
                         max(extract(epoch FROM sref.set_at))))
      INTO names, plans, fp
      FROM @extschema@.segment_references sref WHERE sref.model = _segment_results.model;
    names := coalesce(names, '{}');
    nseg := cardinality(plans);
    splans := ARRAY(SELECT (p).summary FROM unnest(plans) p);
    fp := md5(fp || (SELECT string_agg(concat_ws(';', (p).features::text, (p).kinds::text, (p).parts::text,
                                                 (p).prediction_parts), '|') FROM unnest(splans) p));
    -- the closed buckets of the window whose summary the check just used or built
    SELECT coalesce(array_agg(su.bucket_start ORDER BY su.bucket_start), '{}'),
           coalesce(array_agg(su.bucket_start ORDER BY su.bucket_start) FILTER (WHERE ss.fingerprint = fp), '{}')
      INTO stored, have
      FROM @extschema@.summaries su
      LEFT JOIN @extschema@.segment_summaries ss ON ss.model = su.model AND ss.bucket_start = su.bucket_start
     WHERE su.model = _segment_results.model AND su.fingerprint = (plan).fingerprint AND su.labels_valid
       AND su.bucket_start >= window_start AND su.bucket_start + w <= window_end;
    -- the spans to read: between stored buckets (edges) by themselves, runs of buckets to store per bucket
    i := 1;
    WHILE i <= cardinality(stored) LOOP
        b := stored[i];
        IF b = ANY (have) THEN
            IF pos < b THEN
                spans_from := spans_from || pos; spans_to := spans_to || b; spans_width := spans_width || NULL::interval;
            END IF;
            pos := b + w;
            i := i + 1;
            CONTINUE;
        END IF;
        j := i;
        WHILE j < cardinality(stored) AND stored[j + 1] = stored[j] + w AND NOT stored[j + 1] = ANY (have) LOOP
            j := j + 1;
        END LOOP;
        IF pos < b THEN
            spans_from := spans_from || pos; spans_to := spans_to || b; spans_width := spans_width || NULL::interval;
        END IF;
        spans_from := spans_from || b; spans_to := spans_to || (stored[j] + w); spans_width := spans_width || w;
        pos := stored[j] + w;
        i := j + 1;
    END LOOP;
    IF pos < window_end THEN
        spans_from := spans_from || pos; spans_to := spans_to || window_end; spans_width := spans_width || NULL::interval;
    END IF;
    FOR i IN 1 .. cardinality(spans_from) LOOP
        FOR x IN SELECT * FROM @extschema@._segment_parts(model, src, seg_sql, splans, names, spans_from[i], spans_to[i],
                                                           spans_width[i]) LOOP
            got_k := got_k || x.k;
            got_seg := got_seg || x.seg;
            got_rows := got_rows || x.rows_part;
            got_labels := got_labels || x.labels_part;
        END LOOP;
        -- store the buckets read whole (every one of them: a bucket without rows stores NULLs)
        IF spans_width[i] IS NOT NULL THEN
            INSERT INTO @extschema@.segment_summaries AS t (model, bucket_start, fingerprint, rows_parts, labels_parts)
            SELECT model, g.b,  fp,
                   ARRAY(SELECT got_rows[o] FROM generate_series(1, nseg) sg
                           LEFT JOIN LATERAL (SELECT u.o FROM unnest(got_k, got_seg) WITH ORDINALITY u(k, seg, o)
                                               WHERE u.k = g.b AND u.seg = sg) z ON true ORDER BY sg),
                   ARRAY(SELECT got_labels[o] FROM generate_series(1, nseg) sg
                           LEFT JOIN LATERAL (SELECT u.o FROM unnest(got_k, got_seg) WITH ORDINALITY u(k, seg, o)
                                               WHERE u.k = g.b AND u.seg = sg) z ON true ORDER BY sg)
              FROM generate_series(spans_from[i], spans_to[i] - w, w) g(b)
            ON CONFLICT ON CONSTRAINT segment_summaries_pkey DO UPDATE
               SET fingerprint = excluded.fingerprint, rows_parts = excluded.rows_parts,
                   labels_parts = excluded.labels_parts;
        END IF;
    END LOOP;
    FOR x IN SELECT u.seg, @extschema@.merge(u.p) AS s
               FROM (SELECT t.seg, t.p FROM unnest(got_seg, got_rows) t(seg, p)
                     UNION ALL SELECT t.seg, t.p FROM unnest(got_seg, got_labels) t(seg, p)
                     UNION ALL SELECT t.seg, t.p FROM @extschema@.segment_summaries ss,
                                      unnest(ss.rows_parts) WITH ORDINALITY t(p, seg)
                                WHERE ss.model = _segment_results.model AND ss.bucket_start = ANY (have)
                     UNION ALL SELECT t.seg, t.p FROM @extschema@.segment_summaries ss,
                                      unnest(ss.labels_parts) WITH ORDINALITY t(p, seg)
                                WHERE ss.model = _segment_results.model AND ss.bucket_start = ANY (have)) u
              WHERE u.p IS NOT NULL
              GROUP BY u.seg ORDER BY u.seg LOOP
        SELECT * INTO sr FROM @extschema@.segment_references y WHERE y.model = _segment_results.model AND y.rank = x.seg;
        s := x.s;
        perf := @extschema@._summary_performance(task, s);
        labeled := @extschema@._labeled_rows(task, s);
        IF labeled = 0 THEN
            perf := NULL;
        END IF;
        RETURN QUERY
            SELECT sr.segment, v.* FROM @extschema@._volume_results(s, labeled, window_start, window_end) v
            UNION ALL SELECT sr.segment, v.* FROM @extschema@._performance_results(task, perf, sr.performance) v
            UNION ALL SELECT sr.segment, v.* FROM @extschema@._drift_results(plans[x.seg], s, correction) v
            UNION ALL SELECT sr.segment, v.* FROM @extschema@._output_results(plans[x.seg], s) v
            UNION ALL SELECT sr.segment, v.* FROM @extschema@._quality_results(plans[x.seg], s) v;
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@._segment_results(text, @extschema@._check_plan, timestamptz, timestamptz) IS
    'Each segment''s check results in a window, from the stored segment summaries of its closed buckets and one grouped read of the rest (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@.segment_by(text, text, text, int), @extschema@.drop_segments(text),
    @extschema@._set_segment_references(text, @extschema@._source_sql, timestamptz, timestamptz),
    @extschema@._forget_segments(text, text[])
    FROM PUBLIC;

-- the alert functions take a segment
DROP FUNCTION @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval);
DROP FUNCTION @extschema@._resolve_alerts(text, text, text[]);
CREATE FUNCTION @extschema@._raise_alert(model text, alert_type text, severity text, feature text,
        features text[], details jsonb, check_id bigint, cooldown interval, segment text DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a @extschema@.alerts;
    opened boolean := false;
BEGIN
    UPDATE @extschema@.alerts x
       SET last_seen = now(), occurrences = x.occurrences + 1, details = _raise_alert.details,
           severity = _raise_alert.severity, features = _raise_alert.features, check_id = _raise_alert.check_id
     WHERE x.model = _raise_alert.model AND x.type = alert_type
       AND coalesce(x.segment, '') = coalesce(_raise_alert.segment, '')
       AND coalesce(x.feature, '') = coalesce(_raise_alert.feature, '') AND x.status = 'open'
    RETURNING * INTO a;
    IF NOT FOUND THEN
        UPDATE @extschema@.alerts x
           SET status = 'open', resolved_at = NULL, last_seen = now(), occurrences = x.occurrences + 1,
               details = _raise_alert.details, severity = _raise_alert.severity, features = _raise_alert.features,
               check_id = _raise_alert.check_id
         WHERE x.alert_id = (SELECT y.alert_id FROM @extschema@.alerts y
                              WHERE y.model = _raise_alert.model AND y.type = alert_type
                                AND coalesce(y.segment, '') = coalesce(_raise_alert.segment, '')
                                AND coalesce(y.feature, '') = coalesce(_raise_alert.feature, '')
                                AND y.status = 'resolved' AND y.resolved_at > now() - cooldown
                              ORDER BY y.resolved_at DESC LIMIT 1)
        RETURNING * INTO a;
        IF NOT FOUND THEN
            INSERT INTO @extschema@.alerts (model, type, severity, feature, features, details, check_id, segment)
            VALUES (model, alert_type, severity, feature, features, details, check_id, segment)
            RETURNING * INTO a;
        END IF;
        opened := true;
    END IF;
    IF opened THEN
        PERFORM pg_notify('mlmon_alerts', jsonb_build_object(
            'alert_id', a.alert_id, 'time', a.time, 'model', a.model, 'type', a.type, 'severity', a.severity,
            'feature', a.feature, 'features', a.features, 'details', a.details, 'check_id', a.check_id,
            'segment', a.segment)::text);
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval, text) IS
    'Open or refresh one alert, deduplicated per model, segment, type and feature, with cooldown (internal)';

CREATE FUNCTION @extschema@._resolve_alerts(model text, alert_type text, keep_features text[] DEFAULT NULL,
        segment text DEFAULT NULL)
    RETURNS void LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE @extschema@.alerts x SET status = 'resolved', resolved_at = now()
     WHERE x.model = _resolve_alerts.model AND x.type = _resolve_alerts.alert_type AND x.status = 'open'
       AND x.segment IS NOT DISTINCT FROM _resolve_alerts.segment
       AND (keep_features IS NULL OR x.feature IS NULL OR x.feature <> ALL (keep_features));
END;
COMMENT ON FUNCTION @extschema@._resolve_alerts(text, text, text[], text) IS
    'Resolve the open alerts of a type (of the whole model, or of a segment) whose condition cleared (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval, text),
    @extschema@._resolve_alerts(text, text, text[], text) FROM PUBLIC;

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
    empty boolean;
    seg text;
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
        -- the whole model (segment NULL) first, then each segment (mlmon.segment_by), under the same rules
        FOR seg IN SELECT DISTINCT nr.segment FROM new_results nr WHERE nr.check_id = c.check_id
                    ORDER BY 1 NULLS FIRST LOOP
        -- a window without rows says nothing (open alerts stay as they are), but to the
        -- expectations (no rows may be what one of them forbids)
        empty := coalesce((SELECT nr.value FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg
                              AND nr."check" = 'volume' AND nr.metric = 'rows'), 0) = 0;
        SELECT array_agg(nr.feature ORDER BY nr.feature) INTO drifted FROM new_results nr
         WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = 'data_drift' AND nr.metric = 'drift_detected' AND nr.value = 1;
        drifted := coalesce(drifted, '{}');
        data_drift_fired := false;
        FOR rule IN SELECT * FROM @extschema@.effective_alert_rules(c.model) ORDER BY
                CASE alert_type WHEN 'data_drift' THEN 0 ELSE 1 END LOOP
            IF NOT rule.enabled OR (empty AND rule.alert_type <> 'expectation') THEN
                CONTINUE;
            END IF;
            -- a segment's results: performance, drift, output drift and data quality
            IF seg IS NOT NULL AND rule.alert_type NOT IN ('performance_degradation', 'data_drift', 'feature_drift',
                                                           'output_drift', 'data_quality') THEN
                CONTINUE;
            END IF;
            IF rule.alert_type = 'performance_degradation' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = 'performance'
                   AND nr.metric IN ('accuracy_drop', 'r2_drop');
                IF v IS NULL THEN
                    CONTINUE;      -- no labels in this window: the condition is unknown
                ELSIF v > rule.threshold THEN
                    SELECT nr.value INTO v2 FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = 'performance'
                       AND nr.metric IN ('accuracy', 'r2');
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        jsonb_build_object('current', v2, 'reference', v2 + v, 'degradation', v, 'threshold', rule.threshold),
                        c.check_id, rule.cooldown, seg);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                END IF;
            ELSIF rule.alert_type = 'data_drift' THEN
                IF cardinality(drifted) >= rule.threshold THEN
                    data_drift_fired := true;
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, drifted,
                        jsonb_build_object('n_drifted', cardinality(drifted), 'threshold', rule.threshold,
                            -- strongest first: by log p-value (finite where the p-value underflows), then
                            -- the distances by statistic
                            'drifted_features', (SELECT jsonb_agg(jsonb_build_object('feature', d.feature, 'method', d.method,
                                                     'statistic', d.value, 'p_value', p.value, 'log_p_value', lp.value)
                                                     ORDER BY lp.value NULLS LAST, d.value DESC, d.feature)
                                                   FROM new_results d LEFT JOIN new_results p
                                                     ON p.check_id = d.check_id AND p.feature = d.feature AND p.segment IS NOT DISTINCT FROM d.segment
                                                    AND p."check" = 'data_drift' AND p.metric = 'p_value'
                                                   LEFT JOIN new_results lp
                                                     ON lp.check_id = d.check_id AND lp.feature = d.feature AND lp.segment IS NOT DISTINCT FROM d.segment
                                                    AND lp."check" = 'data_drift' AND lp.metric = 'log_p_value'
                                                  WHERE d.check_id = c.check_id AND d.segment IS NOT DISTINCT FROM seg AND d."check" = 'data_drift'
                                                    AND d.metric = 'statistic' AND d.feature = ANY (drifted))),
                        c.check_id, rule.cooldown, seg);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                END IF;
            ELSIF rule.alert_type = 'feature_drift' THEN
                -- single features, while the data_drift rule has not fired
                IF data_drift_fired THEN
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                ELSE
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, d.feature, ARRAY[d.feature],
                                jsonb_build_object('method', d.method, 'statistic', d.value,
                                                   'p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id AND p.segment IS NOT DISTINCT FROM seg
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'p_value'),
                                                   'log_p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id AND p.segment IS NOT DISTINCT FROM seg
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'log_p_value')),
                                c.check_id, rule.cooldown, seg)
                       FROM new_results d
                      WHERE d.check_id = c.check_id AND d.segment IS NOT DISTINCT FROM seg AND d."check" = 'data_drift' AND d.metric = 'statistic'
                        AND d.feature = ANY (drifted);
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, drifted, seg);
                END IF;
            ELSIF rule.alert_type = 'output_drift' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg
                   AND nr."check" = 'output_drift' AND nr.metric = 'drift_detected';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v >= rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) || jsonb_build_object('method', min(nr.method))
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = 'output_drift'),
                        c.check_id, rule.cooldown, seg);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                END IF;
            ELSIF rule.alert_type = 'data_quality' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg
                   AND nr."check" = 'data_quality' AND nr.metric = 'quality_issue_rate';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v > rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(coalesce(nr.feature || '.', '') || nr.metric, nr.value)
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = 'data_quality'
                            AND nr.value > 0 AND nr.metric <> 'out_of_range_rate' AND nr.metric <> 'unseen_category_rate')
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown, seg);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                END IF;
            ELSIF rule.alert_type = 'expectation' THEN
                -- one alert per failed expectation (its name is the alert's feature), with the
                -- expectation's own severity; an expectation that passed, or is gone, resolves its alert,
                -- one that could not be judged (no value, an error) leaves it as it is, and so do they
                -- all when none could be evaluated
                IF NOT EXISTS (SELECT FROM @extschema@.expectation_results er WHERE er.check_id = c.check_id)
                   AND EXISTS (SELECT FROM @extschema@.expectations ex WHERE ex.model = c.model AND ex.enabled) THEN
                    CONTINUE;
                END IF;
                PERFORM @extschema@._raise_alert(c.model, rule.alert_type, er.severity, er.name,
                            CASE WHEN er.feature IS NOT NULL THEN ARRAY[er.feature] END,
                            jsonb_strip_nulls(jsonb_build_object('rule', er.rule, 'feature', er.feature,
                                'observed_value', er.observed_value, 'element_count', er.element_count,
                                'missing_count', er.missing_count, 'unexpected_count', er.unexpected_count,
                                'unexpected_share', er.unexpected_share, 'mostly', ex.mostly,
                                'min_value', ex.min_value, 'max_value', ex.max_value, 'quantile', ex.quantile)),
                            c.check_id, rule.cooldown, seg)
                   FROM @extschema@.expectation_results er
                   LEFT JOIN @extschema@.expectations ex ON ex.model = er.model AND ex.name = er.name
                  WHERE er.check_id = c.check_id AND NOT er.success;
                PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type,
                            ARRAY(SELECT er.name FROM @extschema@.expectation_results er
                                   WHERE er.check_id = c.check_id AND er.success IS NOT TRUE));
            ELSIF rule.alert_type IN ('concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                                      'embedding_drift') THEN
                -- one number against the threshold; its check's other results are the details
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg
                   AND nr."check" = rule.alert_type
                   AND nr.metric = CASE rule.alert_type WHEN 'concept_drift' THEN 'drift_detected'
                                                        WHEN 'multivariate_drift' THEN 'drift_detected'
                                                        WHEN 'embedding_drift' THEN 'drift_detected'
                                                        WHEN 'anomalies' THEN 'anomaly_rate'
                                                        ELSE 'estimated_accuracy_drop' END;
                IF v IS NULL THEN
                    CONTINUE;      -- no labels, scores or features to judge by in this window
                ELSIF (rule.alert_type IN ('concept_drift', 'multivariate_drift', 'embedding_drift') AND v >= rule.threshold)
                      OR (rule.alert_type NOT IN ('concept_drift', 'multivariate_drift', 'embedding_drift')
                          AND v > rule.threshold) THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) FROM new_results nr
                          WHERE nr.check_id = c.check_id AND nr.segment IS NOT DISTINCT FROM seg AND nr."check" = rule.alert_type)
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown, seg);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, NULL, seg);
                END IF;
            END IF;
        END LOOP;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._apply_alert_rules() IS
    'Trigger function: apply the alert rules to the results of each new check (internal)';

CREATE OR REPLACE FUNCTION @extschema@._apply_invalidations(model text, r @extschema@._source_sql, plan @extschema@._check_plan)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    e record;
BEGIN
    DELETE FROM @extschema@.summaries s WHERE s.model = _apply_invalidations.model AND s.fingerprint <> (plan).fingerprint;
    -- edits first: re-matching labels records 'labels' changes of its own
    FOR e IN SELECT DISTINCT i.bucket_start FROM @extschema@.summary_invalidations i
              WHERE i.model = _apply_invalidations.model AND i.part = 'edit' LOOP
        PERFORM @extschema@._sync_labels(model, r, e.bucket_start, e.bucket_start + (plan).bucket_width);
    END LOOP;
    PERFORM @extschema@._match_labels(model);
    -- what is recorded now (committed, or ours) is in the snapshot of every
    -- read that follows: the rows behind it are too
    WITH done AS (
        DELETE FROM @extschema@.summary_invalidations i WHERE i.model = _apply_invalidations.model
        RETURNING i.bucket_start, i.part
    ), hit AS (
        SELECT date_bin((plan).bucket_width, d.bucket_start, timestamptz '2000-01-01 00:00:00+00') AS b,
               bool_or(d.part <> 'labels') AS rows_changed
          FROM done d GROUP BY 1
    ), gone AS (
        DELETE FROM @extschema@.summaries s USING hit h
         WHERE s.model = _apply_invalidations.model AND s.bucket_start = h.b AND h.rows_changed
        RETURNING s.bucket_start
    ), segments_gone AS (
        -- (with the rows, the summary's delete takes them; with the labels, they go here)
        DELETE FROM @extschema@.segment_summaries ss USING hit h
         WHERE ss.model = _apply_invalidations.model AND ss.bucket_start = h.b
        RETURNING ss.bucket_start
    )
    UPDATE @extschema@.summaries s SET labels_valid = false
      FROM hit h
     WHERE s.model = _apply_invalidations.model AND s.bucket_start = h.b AND NOT h.rows_changed;
END
$$;
COMMENT ON FUNCTION @extschema@._apply_invalidations(text, @extschema@._source_sql, @extschema@._check_plan) IS
    'Drop or mark the stored summaries that changes since they were built made stale (internal)';

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
    labels_part @extschema@.check_summary;
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
    -- one pass over the rows: numeric profiles, counts of numbers and of other values, predictions
    q := format('SELECT count(*), %s, %s, %s, %s FROM (SELECT %s AS plabel, %s AS pvalue, '
                '@extschema@._jsonb_numbers(%s, $4) AS nv, @extschema@._fence() AS fence %s) q',
        CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel)' ELSE '@extschema@.profile(pvalue)' END,
        'ARRAY[' || coalesce((SELECT string_agg(format('@extschema@.profile(nv[%s])', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::@extschema@.profile[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] <> ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] = ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        r.predicted_label, r.predicted_value, r.feature_object, r.from_clause);
    EXECUTE q INTO n, pred_profile, num_profiles, numbers, scalars USING model, from_ts, to_ts, names;
    IF n = 0 THEN
        RAISE EXCEPTION 'the reference window of model "%" holds no predictions', model
            USING ERRCODE = 'no_data_found', DETAIL = format('Window [%s, %s).', from_ts, to_ts);
    END IF;
    -- the baseline performance: the labels' summary, as the checks read theirs
    IF r.labels_from IS NOT NULL THEN
        EXECUTE format('SELECT @extschema@._summarize_labels($4, %s, %s, %s, %s, %s, %s) %s',
                       r.labels_ts, r.label, r.actual, r.labels_predicted_label, r.labels_predicted_value,
                       r.labels_score, r.labels_from)
           INTO labels_part
          USING model, from_ts, to_ts,
                ROW(task, '{}', '{}', '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL)::@extschema@._summary_plan;
        perf := @extschema@._summary_performance(task, labels_part);
        n_labeled := CASE WHEN task = 'classification' THEN (@extschema@._summary_totals(labels_part)).labeled
                          ELSE (perf->>'n')::bigint END;
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
    -- the stored summaries were counted against the old reference
    DELETE FROM @extschema@.summaries su WHERE su.model = _set_reference.model;
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
    PERFORM @extschema@._set_multivariate(model, r, from_ts, to_ts);
    PERFORM @extschema@._set_embedding_reference(model, r, from_ts, to_ts);
    PERFORM @extschema@._set_segment_references(model, r, from_ts, to_ts);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean) IS
    'Build and store a model''s reference from the rows of a source (internal)';

CREATE OR REPLACE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    plan @extschema@._check_plan;
    s @extschema@.check_summary;
    cid bigint;
    ex @extschema@._expectation_outcome[];
    segs @extschema@._segment_result[];
BEGIN
    IF window_start IS NULL OR window_end IS NULL OR window_start >= window_end THEN
        RAISE EXCEPTION 'the check window must have window_start < window_end' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT isfinite(window_start) OR NOT isfinite(window_end) THEN
        RAISE EXCEPTION 'the check window must be finite' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    plan := @extschema@._check_plan(model);
    s := @extschema@._window_summary(model, plan, window_start, window_end);
    -- the expectations (one read of the window for all of them); never a reason for the check to fail
    BEGIN
        ex := ARRAY(SELECT x FROM @extschema@._evaluate_expectations(model, (@extschema@._summary_totals(s)).rows,
                                                                     window_start, window_end) x);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'the expectations of model "%" could not be evaluated: %', model, SQLERRM;
        ex := '{}';
    END;
    -- each segment (mlmon.segment_by): one more read of the window, grouped; never a reason for the check to fail
    BEGIN
        segs := ARRAY(SELECT x FROM @extschema@._segment_results(model, plan, window_start, window_end) x);
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'the segments of model "%" could not be checked: %', model, SQLERRM;
        segs := '{}';
    END;
    INSERT INTO @extschema@.checks (model, window_start, window_end, n_rows, n_labeled, finished_at)
    VALUES (model, window_start, window_end, (@extschema@._summary_totals(s)).rows,
            @extschema@._labeled_rows(((plan).summary).task, s), clock_timestamp())
    RETURNING check_id INTO cid;
    INSERT INTO @extschema@.expectation_results (check_id, model, name, feature, rule, severity, success, observed_value,
                                                 element_count, missing_count, unexpected_count, unexpected_share,
                                                 unexpected_values, error)
    SELECT cid, model, x.name, x.feature, x.rule, x.severity, x.success, x.observed_value, x.element_count,
           x.missing_count, x.unexpected_count, x.unexpected_share, x.unexpected_values, x.error
      FROM unnest(ex) x;
    -- one statement writes every result: the alert trigger sees the whole check (and its segments)
    INSERT INTO @extschema@.check_results (check_id, time, model, "check", metric, feature, value, method, segment)
    SELECT cid, window_end, model, x."check", x.metric, x.feature, x.value, x.method, NULL
      FROM @extschema@._check_results(model, plan, s, window_start, window_end) x
     WHERE x.value IS NOT NULL OR x."check" IN ('data_drift', 'output_drift', 'data_quality')
    UNION ALL
    -- each expectation's numbers, under its name
    SELECT cid, window_end, model, 'expectations', m.metric, x.name, m.value, x.rule, NULL
      FROM unnest(ex) x,
           LATERAL (VALUES ('success', x.success::int::float8), ('observed_value', x.observed_value),
                           ('unexpected_count', x.unexpected_count::float8), ('unexpected_share', x.unexpected_share),
                           ('element_count', x.element_count::float8)) m(metric, value)
     WHERE m.value IS NOT NULL
    UNION ALL
    -- and how many were judged and failed
    SELECT cid, window_end, model, 'expectations', m.metric, NULL, m.value, NULL, NULL
      FROM (SELECT count(*) FILTER (WHERE x.success IS NOT NULL) AS evaluated,
                   count(*) FILTER (WHERE NOT x.success) AS failed
              FROM unnest(ex) x) t,
           LATERAL (VALUES ('evaluated', t.evaluated::float8), ('failed', t.failed::float8)) m(metric, value)
     WHERE cardinality(ex) > 0
    UNION ALL
    -- each segment's
    SELECT cid, window_end, model, x."check", x.metric, x.feature, x.value, x.method, x.segment
      FROM unnest(segs) x
     WHERE x.value IS NOT NULL OR x."check" IN ('data_drift', 'output_drift', 'data_quality');
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, timestamptz, timestamptz) IS
    'Check [window_start, window_end) of a model against its reference: performance, drift per feature, output drift, data quality, latency, volume, concept drift, anomalies, estimated performance, from the window''s summary, its expectations, and each segment''s volume, performance, drift and data quality (mlmon.segment_by); returns the check id';

CREATE OR REPLACE VIEW @extschema@.performance_history AS
SELECT c.check_id, c.model, c.window_start, c.window_end AS time,
       CASE WHEN r.segment IS NULL THEN c.n_rows
            ELSE max(r.value) FILTER (WHERE r."check" = 'volume' AND r.metric = 'rows')::bigint END AS n_rows,
       CASE WHEN r.segment IS NULL THEN c.n_labeled
            ELSE max(r.value) FILTER (WHERE r."check" = 'volume' AND r.metric = 'labeled_rows')::bigint END AS n_labeled,
       max(r.value) FILTER (WHERE r.metric = 'accuracy') AS accuracy,
       max(r.value) FILTER (WHERE r.metric = 'precision') AS precision,
       max(r.value) FILTER (WHERE r.metric = 'recall') AS recall,
       max(r.value) FILTER (WHERE r.metric = 'f1') AS f1,
       max(r.value) FILTER (WHERE r.metric = 'f1_macro') AS f1_macro,
       max(r.value) FILTER (WHERE r.metric = 'roc_auc') AS roc_auc,
       max(r.value) FILTER (WHERE r.metric = 'log_loss') AS log_loss,
       max(r.value) FILTER (WHERE r.metric = 'brier') AS brier,
       max(r.value) FILTER (WHERE r.metric = 'mae') AS mae,
       max(r.value) FILTER (WHERE r.metric = 'rmse') AS rmse,
       max(r.value) FILTER (WHERE r.metric = 'r2') AS r2,
       max(r.value) FILTER (WHERE r.metric = 'mape') AS mape,
       max(r.value) FILTER (WHERE r.metric IN ('accuracy_drop', 'r2_drop')) AS degradation,
       r.segment
  FROM @extschema@.checks c
  -- the whole model's performance, and each segment's volume and performance
  -- (every check has the whole model's volume results: its row stays when only segments had labels)
  LEFT JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" IN ('performance', 'volume')
 GROUP BY c.check_id, c.model, c.window_start, c.window_end, r.segment;
COMMENT ON VIEW @extschema@.performance_history IS
    'Performance per check over time (NULL where the window had no labels): the whole model (segment NULL) and each segment (mlmon.segment_by)';

CREATE OR REPLACE VIEW @extschema@.feature_drift AS
SELECT DISTINCT ON (c.model, r.segment, r.feature)
       c.model, r.feature, c.check_id, c.window_end AS time, r.method,
       r.value AS statistic,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'p_value') AS p_value,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'p_value_adjusted') AS p_value_adjusted,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'effect_size') AS effect_size,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'threshold') AS threshold,
       (SELECT x.value = 1 FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'drift_detected') AS drift_detected,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature AND x.segment IS NOT DISTINCT FROM r.segment
           AND x."check" = 'data_drift' AND x.metric = 'log_p_value') AS log_p_value,
       r.segment
  FROM @extschema@.checks c
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" = 'data_drift' AND r.metric = 'statistic'
 ORDER BY c.model, r.segment, r.feature, c.window_end DESC, c.check_id DESC;
COMMENT ON VIEW @extschema@.feature_drift IS 'The latest drift result of each feature of each model, of the whole model (segment NULL) and of each segment (rank the drifted ones by log_p_value: it stays finite where p_value underflows to 0)';

CREATE OR REPLACE VIEW @extschema@.latest_results AS
WITH last AS (
    SELECT m.name AS model,
           (SELECT c.check_id FROM @extschema@.checks c WHERE c.model = m.name
             ORDER BY c.window_end DESC, c.check_id DESC LIMIT 1) AS check_id,
           (SELECT c.check_id FROM @extschema@.checks c WHERE c.model = m.name AND c.n_labeled > 0
             ORDER BY c.window_end DESC, c.check_id DESC LIMIT 1) AS labelled_check_id
      FROM @extschema@.models m
)
SELECT l.model, c.check_id, c.window_start, c.window_end, r."check", r.metric, r.feature, r.value, r.method
  FROM last l
  JOIN @extschema@.checks c ON c.check_id = l.check_id
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" NOT IN ('performance', 'concept_drift')
                                 AND r.segment IS NULL
UNION ALL
SELECT l.model, c.check_id, c.window_start, c.window_end, r."check", r.metric, r.feature, r.value, r.method
  FROM last l
  JOIN @extschema@.checks c ON c.check_id = l.labelled_check_id
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" IN ('performance', 'concept_drift')
                                 AND r.segment IS NULL;
COMMENT ON VIEW @extschema@.latest_results IS
    'Each model''s latest results of the whole model: every check of its latest check, performance and concept drift of its latest check with labels (segments: mlmon.segment_results)';

-- Each segment's headline per check (mlmon.segment_by).
CREATE VIEW @extschema@.segment_results AS
SELECT c.check_id, c.model, c.window_start, c.window_end, r.segment,
       max(r.value) FILTER (WHERE r."check" = 'volume' AND r.metric = 'rows')::bigint AS rows,
       max(r.value) FILTER (WHERE r."check" = 'volume' AND r.metric = 'labeled_rows')::bigint AS labeled_rows,
       max(r.value) FILTER (WHERE r."check" = 'performance' AND r.metric = 'accuracy') AS accuracy,
       max(r.value) FILTER (WHERE r."check" = 'performance' AND r.metric = 'f1') AS f1,
       max(r.value) FILTER (WHERE r."check" = 'performance' AND r.metric = 'r2') AS r2,
       max(r.value) FILTER (WHERE r."check" = 'performance' AND r.metric = 'mae') AS mae,
       max(r.value) FILTER (WHERE r."check" = 'performance' AND r.metric IN ('accuracy_drop', 'r2_drop')) AS degradation,
       max(r.value) FILTER (WHERE r."check" = 'data_drift' AND r.metric = 'drifted_features' AND r.feature IS NULL) AS drifted_features,
       max(r.value) FILTER (WHERE r."check" = 'data_drift' AND r.metric = 'drift_share' AND r.feature IS NULL) AS drift_share,
       max(r.value) FILTER (WHERE r."check" = 'output_drift' AND r.metric = 'drift_detected') AS output_drift,
       max(r.value) FILTER (WHERE r."check" = 'data_quality' AND r.metric = 'quality_issue_rate' AND r.feature IS NULL) AS quality_issue_rate,
       (SELECT count(*) FROM @extschema@.alerts a
         WHERE a.model = c.model AND a.segment = r.segment AND a.status = 'open') AS open_alerts
  FROM @extschema@.checks c
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r.segment IS NOT NULL
 GROUP BY c.check_id, c.model, c.window_start, c.window_end, r.segment;
COMMENT ON VIEW @extschema@.segment_results IS
    'Each segment''s headline per check (mlmon.segment_by): rows, performance, drifted features, output drift, data quality, open alerts now';

CREATE OR REPLACE VIEW @extschema@.monitoring_report AS
SELECT m.name AS model, m.version, m.task,
       min(c.window_start) AS period_start, max(c.window_end) AS period_end,
       count(c.check_id) AS n_checks,
       (SELECT avg(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name AND p.segment IS NULL) AS avg_accuracy,
       (SELECT min(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name AND p.segment IS NULL) AS min_accuracy,
       (SELECT max(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name AND p.segment IS NULL) AS max_accuracy,
       (SELECT stddev_samp(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name AND p.segment IS NULL) AS std_accuracy,
       (SELECT avg(p.f1) FROM @extschema@.performance_history p WHERE p.model = m.name AND p.segment IS NULL) AS avg_f1,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name) AS total_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type IN ('data_drift', 'feature_drift')) AS data_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'output_drift') AS output_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'performance_degradation') AS performance_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'data_quality') AS data_quality_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open') AS open_alerts,
       (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'model' ORDER BY a.time DESC, a.alert_id DESC), '[]')
          FROM (SELECT * FROM @extschema@.alerts a WHERE a.model = m.name
                 ORDER BY a.time DESC, a.alert_id DESC LIMIT 10) a) AS last_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'concept_drift') AS concept_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'anomalies') AS anomaly_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'estimated_performance') AS estimated_performance_alerts,
       -- every check's model-wide results in the latest check (per-feature ones: feature_drift, results_view)
       (SELECT jsonb_build_object(
                   'check_id', max(x.check_id) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'window_end', max(x.window_end) FILTER (WHERE x."check" NOT IN ('performance', 'concept_drift')),
                   'labelled_check_id', max(x.check_id) FILTER (WHERE x."check" IN ('performance', 'concept_drift')))
               || coalesce(jsonb_object_agg(x."check", x.results), '{}')
          FROM (SELECT y."check", max(y.check_id) AS check_id, max(y.window_end) AS window_end,
                       jsonb_object_agg(y.metric, y.value) AS results
                  FROM @extschema@.latest_results y
                 WHERE y.model = m.name AND y.feature IS NULL
                 GROUP BY y."check") x) AS latest_check,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'multivariate_drift') AS multivariate_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'embedding_drift') AS embedding_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'expectation') AS expectation_alerts,
       -- the expectations' outcomes in the latest check that judged them
       (SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('name', e.name, 'feature', e.feature, 'rule', e.rule,
                                                       'severity', e.severity, 'success', e.success,
                                                       'observed_value', e.observed_value,
                                                       'unexpected_count', e.unexpected_count,
                                                       'unexpected_share', e.unexpected_share, 'error', e.error))
                                  ORDER BY e.name), '[]')
          FROM @extschema@.expectation_results_view e
         WHERE e.model = m.name
           AND e.check_id = (SELECT max(e2.check_id) FROM @extschema@.expectation_results_view e2
                              WHERE e2.model = m.name)) AS latest_expectations,
       -- each segment in the latest check
       (SELECT coalesce(jsonb_agg(to_jsonb(sg) - 'model' - 'check_id' - 'window_start' - 'window_end' ORDER BY sg.rows DESC, sg.segment), '[]')
          FROM @extschema@.segment_results sg
         WHERE sg.check_id = (SELECT lc.check_id FROM @extschema@.checks lc WHERE lc.model = m.name
                               ORDER BY lc.window_end DESC, lc.check_id DESC LIMIT 1)) AS segments
  FROM @extschema@.models m
  LEFT JOIN @extschema@.checks c ON c.model = m.name
 GROUP BY m.name;
COMMENT ON VIEW @extschema@.monitoring_report IS
    'Per model: the monitored period, number of checks, accuracy summary, alert counts by type (segments'' included), the last 10 alerts, every check''s model-wide results of the latest check, the outcome of each expectation in the latest check, and each segment''s headline in the latest check';

CREATE OR REPLACE FUNCTION @extschema@.report(model text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.monitoring_report;
BEGIN
    -- read through the views only, so that readers may call it
    SELECT * INTO r FROM @extschema@.monitoring_report x WHERE x.model = report.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN jsonb_build_object(
        'model', jsonb_build_object('name', r.model, 'version', r.version, 'task', r.task),
        'monitoring_period', jsonb_build_object('start', r.period_start, 'end', r.period_end, 'n_batches', r.n_checks),
        'performance_summary', jsonb_build_object('avg_accuracy', r.avg_accuracy, 'min_accuracy', r.min_accuracy,
            'max_accuracy', r.max_accuracy, 'std_accuracy', r.std_accuracy, 'avg_f1', r.avg_f1),
        'drift_summary', jsonb_build_object('total_alerts', r.total_alerts, 'data_drift_alerts', r.data_drift_alerts,
            'output_drift_alerts', r.output_drift_alerts, 'performance_alerts', r.performance_alerts,
            'data_quality_alerts', r.data_quality_alerts, 'concept_drift_alerts', r.concept_drift_alerts,
            'anomaly_alerts', r.anomaly_alerts, 'estimated_performance_alerts', r.estimated_performance_alerts,
            'multivariate_drift_alerts', r.multivariate_drift_alerts, 'embedding_drift_alerts', r.embedding_drift_alerts,
            'expectation_alerts', r.expectation_alerts, 'open_alerts', r.open_alerts),
        'latest_check', r.latest_check,
        'expectations', r.latest_expectations,
        'segments', r.segments,
        'alerts', r.last_alerts,
        'recommendations', (SELECT coalesce(jsonb_agg(to_jsonb(x) - 'model' ORDER BY x.priority), '[]')
                              FROM @extschema@.recommendations x WHERE x.model = report.model));
END
$$;
COMMENT ON FUNCTION @extschema@.report(text) IS
    'The monitoring report of a model as JSON: period, performance summary, drift summary (alerts by type), every check''s model-wide results of the latest check, the expectations'' outcomes, each segment''s headline, last 10 alerts, recommendations';

CREATE OR REPLACE VIEW @extschema@.recommendations AS
WITH open AS (
    SELECT a.model, a.type, a.severity, a.feature, a.features, a.details
      FROM @extschema@.alerts a WHERE a.status = 'open' AND a.segment IS NULL
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
    UNION ALL
    SELECT o.model, 'investigate',
           format('the features moved together away from the reference: mean reconstruction error %s outside [%s, %s] (see mlmon.feature_drift for single features)',
                  round((o.details->>'reconstruction_error')::numeric, 4), round((o.details->>'lower_threshold')::numeric, 4),
                  round((o.details->>'upper_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'multivariate_drift'
    UNION ALL
    SELECT o.model, 'investigate',
           format('the embeddings moved away from the reference''s: drift score %s, above its threshold %s (method: mlmon.embedding_settings)',
                  round((o.details->>'drift_score')::numeric, 4), round((o.details->>'drift_threshold')::numeric, 4)), NULL
      FROM open o WHERE o.type = 'embedding_drift'
    UNION ALL
    SELECT o.model, CASE WHEN o.severity IN ('critical', 'high') THEN 'investigate' ELSE 'watch' END,
           format('expectation "%s" failed (%s%s): %s', o.feature, o.details->>'rule',
                  CASE WHEN o.details ? 'feature' THEN ' of ' || (o.details->>'feature') ELSE '' END,
                  CASE WHEN o.details ? 'unexpected_count' AND o.details->>'rule' NOT IN
                                ('unique_share_between', 'mean_between', 'stddev_between', 'quantile_between')
                       THEN format('%s unexpected values (%s%%)', o.details->>'unexpected_count',
                                   round((o.details->>'unexpected_share')::numeric * 100, 2))
                       ELSE 'observed ' || coalesce(round((o.details->>'observed_value')::numeric, 6)::text, 'nothing') END),
           CASE WHEN o.details ? 'feature' THEN ARRAY[o.details->>'feature'] END
      FROM open o WHERE o.type = 'expectation'
), seg_rec AS (
    -- a segment's alerts: what holds for one segment only is investigated (its performance: retrained for)
    SELECT a.model, CASE WHEN a.type = 'performance_degradation' THEN 'retrain'
                         WHEN a.type IN ('data_drift', 'output_drift') THEN 'investigate' ELSE 'watch' END AS action,
           format('segment %s: %s', a.segment,
                  CASE a.type WHEN 'performance_degradation'
                                   THEN format('accuracy %s points below the segment''s reference (%s -> %s)',
                                               round(((a.details->>'degradation')::numeric) * 100, 1),
                                               round((a.details->>'reference')::numeric, 4),
                                               round((a.details->>'current')::numeric, 4))
                              WHEN 'data_drift' THEN format('drift in %s features', a.details->>'n_drifted')
                              WHEN 'feature_drift' THEN 'drift in feature ' || a.feature
                              WHEN 'output_drift' THEN 'the prediction distribution drifted'
                              ELSE 'data quality: ' || (a.details - 'threshold')::text END) AS reason,
           a.features, a.segment
      FROM @extschema@.alerts a WHERE a.status = 'open' AND a.segment IS NOT NULL
)
SELECT x.model, x.action, p.priority, x.reason, x.features, p.steps AS playbook, x.segment
  FROM (SELECT rec.*, NULL::text AS segment FROM rec UNION ALL SELECT * FROM seg_rec) x
  JOIN @extschema@.playbook p ON p.action = x.action;
COMMENT ON VIEW @extschema@.recommendations IS
    'What to do about each model''s open alerts: retrain, investigate or watch, with the reason and the playbook''s steps (segment: the alert''s segment, NULL for the whole model)';

CREATE OR REPLACE VIEW @extschema@.alerts_view AS
SELECT a.alert_id, a.time, a.model, a.type, a.severity, a.feature, a.features, a.details, a.status,
       a.last_seen, a.occurrences, a.resolved_at, a.segment
  FROM @extschema@.alerts a;
COMMENT ON VIEW @extschema@.alerts_view IS 'The alerts, for readers (the table itself is writable by the owner only)';

CREATE OR REPLACE VIEW @extschema@.results_view AS
SELECT r.check_id, r.time, r.model, r."check", r.metric, r.feature, r.value, r.method, r.segment
  FROM @extschema@.check_results r;
COMMENT ON VIEW @extschema@.results_view IS 'Check results in long format, for readers (e.g. Grafana panels)';

CREATE OR REPLACE FUNCTION @extschema@.grant_reader(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT SELECT ON @extschema@.performance_history, @extschema@.feature_drift, '
                   '@extschema@.monitoring_report, @extschema@.recommendations, @extschema@.alerts_view, '
                   '@extschema@.results_view, @extschema@.metrics, @extschema@.expectation_results_view, '
                   '@extschema@.expectations, @extschema@.segment_results, @extschema@.segments TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.report(text), @extschema@.prometheus_metrics() TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_reader(regrole) IS
    'Let a role (e.g. Grafana''s) read the report views (expectation outcomes without their unexpected values), and nothing else';

CREATE OR REPLACE VIEW @extschema@.metrics AS
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

-- private to the owner, as the install script leaves every table of the schema
REVOKE ALL ON @extschema@.segment_results FROM PUBLIC;

-- Roles given grant_reader before the update read the new view and table as a role given it now would
-- (their own grants: pg_init_privs keeps the install script's privileges).
DO $$
DECLARE
    t record;
    g record;
    init aclitem[];
BEGIN
    FOR t IN SELECT v.rel::regclass AS rel, v.model::regclass AS model FROM (VALUES
                 ('@extschema@.segment_results', '@extschema@.results_view'),
                 ('@extschema@.segments', '@extschema@.results_view')) v(rel, model)
    LOOP
        SELECT i.initprivs INTO init FROM pg_catalog.pg_init_privs i
         WHERE i.classoid = 'pg_catalog.pg_class'::regclass AND i.objoid = t.rel AND i.objsubid = 0;
        FOR g IN SELECT DISTINCT CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
                   FROM pg_catalog.pg_class c
                  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) x
                   LEFT JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
                  WHERE c.oid = t.model AND x.privilege_type = 'SELECT' AND x.grantee <> c.relowner
                  ORDER BY 1
        LOOP
            EXECUTE format('GRANT SELECT ON %s TO %s', t.rel, g.grantee);
        END LOOP;
        UPDATE pg_catalog.pg_init_privs i SET initprivs = init
         WHERE i.classoid = 'pg_catalog.pg_class'::regclass AND i.objoid = t.rel AND i.objsubid = 0;
    END LOOP;
END
$$;
