--------------------------------------------------------------------------
-- The monitoring schema (part of the install script, after sql/metrics.sql)
--
-- Policy lives here (which test, which threshold, which alert); the C
-- aggregates compute.  Every function pins its search_path and names
-- objects with their schema, so a hostile search_path cannot redirect it.
--------------------------------------------------------------------------

-- Models ----------------------------------------------------------------

CREATE TABLE @extschema@.models (
    name          text PRIMARY KEY CHECK (name <> ''),
    version       text NOT NULL DEFAULT '',
    task          text NOT NULL CHECK (task IN ('classification', 'regression')),
    metadata      jsonb NOT NULL DEFAULT '{}',
    -- drift test selection and thresholds, see mlmon.drift_settings
    drift_correction text NOT NULL DEFAULT 'none'
                  CHECK (drift_correction IN ('none', 'bonferroni', 'benjamini_hochberg')),
    default_window interval NOT NULL DEFAULT '1 day' CHECK (default_window > '0'),
    retention     interval CHECK (retention > '0'),
    -- checks summarise closed buckets of this width (mlmon.set_bucket_width)
    bucket_width  interval NOT NULL DEFAULT '1 hour'
                  CHECK (bucket_width >= '1 minute' AND bucket_width <= '31 days'
                         AND date_part('month', bucket_width) = 0 AND date_part('year', bucket_width) = 0),
    registered_at timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.models IS
    'Registered models: name, version, task (classification | regression), metadata (e.g. an MLflow run id), drift settings';

-- The prediction log ----------------------------------------------------

CREATE TABLE @extschema@.predictions (
    model           text NOT NULL,
    ts              timestamptz NOT NULL DEFAULT now(),
    request_id      text,
    features        jsonb,
    predicted_label text,
    predicted_value float8,
    score           float8,      -- probability of the positive class (binary)
    scores          jsonb,       -- per-class probabilities, if logged
    latency_ms      float8,
    embedding       real[]       -- an embedding of the input, if logged (pgvector's vector: embedding::real[])
) PARTITION BY RANGE (ts);
COMMENT ON TABLE @extschema@.predictions IS
    'The prediction log, partitioned by day (UTC); rows outside every daily partition land in predictions_default and are moved by mlmon.maintain_partitions';
CREATE TABLE @extschema@.predictions_default PARTITION OF @extschema@.predictions DEFAULT;
COMMENT ON TABLE @extschema@.predictions_default IS
    'Predictions whose day has no partition yet (mlmon.maintain_partitions moves them)';
-- Each partition gets its own (model, ts) and (model, request_id) indexes
-- (maintain_partitions), not partitioned indexes: pg_dump can then restore
-- partitions and their indexes under the extension's parent table.  The
-- second finds a label's prediction when the label is recorded.
CREATE INDEX predictions_default_model_ts ON @extschema@.predictions_default (model, ts);
CREATE INDEX predictions_default_model_request ON @extschema@.predictions_default (model, request_id);

-- Labels arrive late: a separate table, so the log is never updated in place.
-- A label carries its prediction's time and what it predicted (found once,
-- when the label is recorded or when a check meets its prediction), so a
-- check reads the labels of its window by time, without a lookup per row.
CREATE TABLE @extschema@.labels (
    model        text NOT NULL,
    request_id   text NOT NULL,
    label        text,
    actual_value float8,
    labeled_at   timestamptz NOT NULL DEFAULT now(),
    ts           timestamptz,     -- the prediction's time; NULL while no prediction of this request id is known
    predicted_label text,         -- the prediction's, copied
    predicted_value float8,
    score        float8,
    PRIMARY KEY (model, request_id)
);
COMMENT ON TABLE @extschema@.labels IS
    'Ground truth arriving after the prediction, matched to the log by (model, request_id): the prediction''s time, label, value and score are copied beside it (ts NULL while unmatched)';
CREATE INDEX labels_model_ts ON @extschema@.labels (model, ts);

-- Sources: a team's own prediction table, read in place.
CREATE TABLE @extschema@.sources (
    model            text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    relation         regclass NOT NULL,
    time_column      name NOT NULL,
    features_column  name,        -- a jsonb column of features, or
    feature_columns  name[],      -- one column per feature
    prediction_column name,
    score_column     name,
    label_column     name,        -- ground truth in the same table, or
    id_column        name,        -- request id joined to mlmon.labels
    latency_column   name,
    tracked          boolean NOT NULL DEFAULT false,  -- a trigger reports changes to closed buckets: summaries are stored
    embedding_column name,        -- an embedding per row (real[], float8[] or pgvector's vector)
    CHECK ((features_column IS NULL) <> (feature_columns IS NULL))
);
COMMENT ON TABLE @extschema@.sources IS
    'Models whose predictions live in a table of their own (mlmon.register_source)';

-- References ------------------------------------------------------------

CREATE TABLE @extschema@.reference_profiles (
    model    text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    role     text NOT NULL CHECK (role IN ('feature', 'prediction')),
    feature  text NOT NULL,
    kind     text NOT NULL CHECK (kind IN ('numeric', 'categorical')),
    profile  @extschema@.profile NOT NULL,
    n        bigint NOT NULL,
    distinct_values bigint,
    categories text[],   -- categorical: the reference categories (for unseen-category checks)
    PRIMARY KEY (model, role, feature)
);
COMMENT ON TABLE @extschema@.reference_profiles IS
    'The reference window of each model: a profile per feature and of the predictions';

CREATE TABLE @extschema@.reference_windows (
    model        text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    window_start timestamptz,
    window_end   timestamptz,
    n_rows       bigint NOT NULL,
    n_labeled    bigint NOT NULL,
    performance  jsonb,         -- accuracy, f1 ... (classification) or mae, rmse ... (regression)
    set_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.reference_windows IS 'The reference window of each model and its baseline performance';

-- Checks and results ----------------------------------------------------

CREATE TABLE @extschema@.checks (
    check_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model        text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at  timestamptz,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    n_rows       bigint,
    n_labeled    bigint,
    -- set once the alert rules have seen the check's results (a restored
    -- dump's checks are not alerted on again)
    alerts_applied boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.checks IS 'One row per mlmon.run_checks call';
CREATE INDEX checks_model_time ON @extschema@.checks (model, window_end);

CREATE TABLE @extschema@.check_results (
    check_id bigint NOT NULL REFERENCES @extschema@.checks ON DELETE CASCADE,
    time     timestamptz NOT NULL,
    model    text NOT NULL,
    "check"  text NOT NULL,      -- performance, data_drift, output_drift, data_quality, volume, ..., expectations
    metric   text NOT NULL,
    feature  text,               -- NULL for model-level metrics
    value    float8,
    method   text,               -- the drift test that produced the row, if any
    segment  text                -- the segment (mlmon.segment_by) the row is about; NULL: the whole model
);
COMMENT ON TABLE @extschema@.check_results IS
    'Check results in long format (time, model, check, metric, feature, value), as Grafana reads them';
CREATE INDEX check_results_model_time ON @extschema@.check_results (model, time);
CREATE INDEX check_results_check ON @extschema@.check_results (check_id);

-- Alerts ----------------------------------------------------------------

CREATE TABLE @extschema@.alert_rules (
    rule_id    int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model      text REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,  -- NULL: every model
    alert_type text NOT NULL
               CHECK (alert_type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality',
                                     'concept_drift', 'anomalies', 'estimated_performance', 'multivariate_drift',
                                     'embedding_drift', 'expectation')),
    severity   text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    threshold  float8 NOT NULL,
    cooldown   interval NOT NULL DEFAULT '1 hour',
    enabled    boolean NOT NULL DEFAULT true,
    description text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alert_rules_model_type ON @extschema@.alert_rules (coalesce(model, ''), alert_type);
COMMENT ON TABLE @extschema@.alert_rules IS
    'Alert rules: defaults (model NULL) and per-model overrides; see the README for what each threshold means';
INSERT INTO @extschema@.alert_rules (model, alert_type, severity, threshold, description) VALUES
    (NULL, 'performance_degradation', 'critical', 0.05,
     'accuracy (regression: R^2) dropped more than threshold below the reference'),
    (NULL, 'data_drift', 'high', 3, 'drift in at least threshold features'),
    (NULL, 'output_drift', 'medium', 1, 'the prediction distribution drifted'),
    (NULL, 'feature_drift', 'low', 1, 'drift in a feature, fewer than the data_drift rule''s count'),
    (NULL, 'data_quality', 'low', 0.1,
     'share of rows with a missing, non-numeric or malformed feature above threshold');
-- Default rules added after 0.1.0 take negative ids: a database updated from
-- 0.1.0 already numbers its users' rules from 6, and a dump of those must
-- restore into a fresh install without a collision.
INSERT INTO @extschema@.alert_rules (rule_id, model, alert_type, severity, threshold, description)
OVERRIDING SYSTEM VALUE VALUES
    (-1, NULL, 'concept_drift', 'high', 1,
     'concept drift detected: the error stream drifted (ADWIN; Page-Hinkley for regression) or the error rose 3 standard errors above the reference'),
    (-2, NULL, 'anomalies', 'medium', 0.05, 'share of anomalous rows (p-value < 0.01) above threshold'),
    (-3, NULL, 'estimated_performance', 'high', 0.05,
     'accuracy estimated from calibrated scores (CBPE) dropped more than threshold below the reference'),
    (-4, NULL, 'multivariate_drift', 'medium', 1,
     'the mean reconstruction error of the features (PCA, NannyML''s data reconstruction) left the reference''s band'),
    (-5, NULL, 'embedding_drift', 'medium', 1,
     'the embeddings moved away from the reference''s (Evidently''s distance, mmd or model method: drift score above its threshold)'),
    (-6, NULL, 'expectation', 'medium', 1,
     'an expectation (mlmon.expect) failed: one alert per expectation, with the expectation''s own severity (threshold not used)');

CREATE TABLE @extschema@.alerts (
    alert_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time        timestamptz NOT NULL DEFAULT now(),
    model       text NOT NULL,
    type        text NOT NULL,
    severity    text NOT NULL,
    feature     text,
    features    text[],
    details     jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    check_id    bigint,
    last_seen   timestamptz NOT NULL DEFAULT now(),
    occurrences int NOT NULL DEFAULT 1,
    resolved_at timestamptz,
    segment     text              -- the segment (mlmon.segment_by) the alert is about; NULL: the whole model
);
COMMENT ON TABLE @extschema@.alerts IS
    'Alerts raised by the rules: at most one open alert per model, segment, type and feature';
CREATE UNIQUE INDEX alerts_one_open ON @extschema@.alerts (model, coalesce(segment, ''), type, coalesce(feature, ''))
    WHERE status = 'open';
CREATE INDEX alerts_model_time ON @extschema@.alerts (model, time);

-- The action playbook ----------------------------------------------------

CREATE TABLE @extschema@.playbook (
    action   text PRIMARY KEY CHECK (action IN ('retrain', 'investigate', 'watch')),
    priority int NOT NULL,
    steps    text NOT NULL
);
COMMENT ON TABLE @extschema@.playbook IS 'What to do for each recommendation (editable)';
INSERT INTO @extschema@.playbook VALUES
    ('retrain', 1, 'Accuracy dropped or most inputs moved: confirm with the labelled window, retrain on recent data '
                   '(include the drifted period), validate against the reference, deploy, then call mlmon.set_reference.'),
    ('investigate', 2, 'The inputs or outputs moved but performance holds: check upstream pipelines and feature '
                       'encodings for the listed features, compare segments, decide whether the shift is real.'),
    ('watch', 3, 'A single feature or data-quality signal: log it, keep the schedule, and re-check the next windows.');

-- Expectations ----------------------------------------------------------
-- (declared with mlmon.expect and evaluated by run_checks: sql/expectations.sql)

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

-- The tables hold the users' data: pg_dump keeps their rows.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.predictions_default', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.labels', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reference_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reference_windows', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.checks', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.check_results', '');
-- (the default rules and the playbook are created by CREATE EXTENSION: only
-- per-model rules are dumped, so that a restore does not insert the defaults twice)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_rules', 'WHERE model IS NOT NULL');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alerts', '');
-- identity sequences keep their position across a dump and restore
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.checks', 'check_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alert_rules', 'rule_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alerts', 'alert_id'), '');

-- Helpers ---------------------------------------------------------------

CREATE FUNCTION @extschema@._model_task(model text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t text;
BEGIN
    SELECT m.task INTO t FROM @extschema@.models m WHERE m.name = model;
    IF t IS NULL THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN t;
END
$$;
COMMENT ON FUNCTION @extschema@._model_task(text) IS 'The task of a registered model, or an error (internal)';

-- Registration ------------------------------------------------------------

CREATE FUNCTION @extschema@.register_model(name text, version text, task text, metadata jsonb DEFAULT '{}')
    RETURNS text LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF task IS NULL OR task NOT IN ('classification', 'regression') THEN
        RAISE EXCEPTION 'unknown task "%"', task
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The task is classification or regression.';
    END IF;
    IF metadata IS NULL OR jsonb_typeof(metadata) <> 'object' THEN
        RAISE EXCEPTION 'model metadata must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.models AS m (name, version, task, metadata)
    VALUES (register_model.name, coalesce(register_model.version, ''), register_model.task, register_model.metadata)
    ON CONFLICT ON CONSTRAINT models_pkey DO UPDATE
        SET version = excluded.version, task = excluded.task,
            metadata = m.metadata || excluded.metadata, updated_at = now();
    PERFORM @extschema@.maintain_partitions();
    RETURN name;
END
$$;
COMMENT ON FUNCTION @extschema@.register_model(text, text, text, jsonb) IS
    'Register a model (or update its version, task and metadata); returns its name';

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

-- Logging -----------------------------------------------------------------

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
CREATE FUNCTION @extschema@.record_label(model text, request_id text, label text)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, label, NULL, NULL);
COMMENT ON FUNCTION @extschema@.record_label(text, text, text) IS
    'Record (or correct) the true label of a logged classification';
CREATE FUNCTION @extschema@.record_label(model text, request_id text, actual float8)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, NULL, actual, NULL);
COMMENT ON FUNCTION @extschema@.record_label(text, text, float8) IS
    'Record (or correct) the true value of a logged regression prediction';
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

-- Partitions and retention ------------------------------------------------

CREATE FUNCTION @extschema@.maintain_partitions(days_ahead int DEFAULT 3)
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
COMMENT ON FUNCTION @extschema@.maintain_partitions(int) IS
    'Create the daily partitions of the prediction log up to days_ahead days from today (UTC), moving waiting rows out of the default partition';

CREATE FUNCTION @extschema@.apply_retention(model text, keep interval)
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

-- Where a model's rows come from ------------------------------------------

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

-- The features of a row as arrays, one call per row for every feature (C).
CREATE FUNCTION @extschema@._jsonb_numbers(features jsonb, keys text[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'mlm_jsonb_numbers' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._jsonb_numbers(jsonb, text[]) IS
    'The numbers under keys of a jsonb object: NULL when absent or null, NaN when not a number (internal)';
CREATE FUNCTION @extschema@._jsonb_categories(features jsonb, keys text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'mlm_jsonb_categories' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._jsonb_has_other_keys(features jsonb, keys text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlm_jsonb_has_other_keys' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._jsonb_has_other_keys(jsonb, text[]) IS
    'Whether a jsonb object has a key outside keys (internal)';
CREATE FUNCTION @extschema@._fence() RETURNS int
    AS 'MODULE_PATHNAME', 'mlm_fence' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._fence() IS
    'Returns 0; VOLATILE on purpose, so that the subquery computing a row''s feature arrays is not flattened (internal)';
COMMENT ON FUNCTION @extschema@._jsonb_categories(jsonb, text[]) IS
    'The scalars under keys of a jsonb object as text, NULL when absent, null, an array or an object (internal)';

-- Reference ---------------------------------------------------------------

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
    PERFORM @extschema@._set_segment_references(model, r, from_ts, to_ts);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean) IS
    'Build and store a model''s reference from the rows of a source (internal)';

CREATE FUNCTION @extschema@.set_reference(model text, from_ts timestamptz, to_ts timestamptz)
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
COMMENT ON FUNCTION @extschema@.set_reference(text, timestamptz, timestamptz) IS
    'Freeze [from_ts, to_ts) as the model''s reference: a profile per feature and of the predictions, and the baseline performance; returns the rows read';

-- The reference from a query (or a table: 'SELECT * FROM training_set'), e.g.
-- the training data: columns features (jsonb, required), and any of
-- predicted_label, predicted_value, score, label, actual, embedding,
-- request_id.
CREATE FUNCTION @extschema@.set_reference(model text, query text)
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

-- Drift tests -------------------------------------------------------------

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
     'two-proportion z-test of a binary feature (Evidently)'),
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

-- Per-feature choice of drift test (overrides Evidently's rule).
CREATE TABLE @extschema@.drift_settings (
    model     text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    feature   text NOT NULL,   -- a feature name, or '*' for every feature of the model
    test      text REFERENCES @extschema@.drift_tests (name),
    threshold float8 CHECK (threshold > 0),
    PRIMARY KEY (model, feature)
);
COMMENT ON TABLE @extschema@.drift_settings IS
    'Drift test (a name of mlmon.drift_tests) and threshold per model and feature (''*'': all features), overriding Evidently''s rule; NULL keeps the default';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.drift_settings', '');
REVOKE ALL ON @extschema@.drift_tests, @extschema@.drift_settings FROM PUBLIC;

-- The drift test of a feature by Evidently's rule (README.md, References and checks), unless
-- mlmon.drift_settings names one: returns (test, threshold).
CREATE FUNCTION @extschema@._drift_test(model text, feature text, kind text, n_reference bigint,
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
COMMENT ON FUNCTION @extschema@._drift_test(text, text, text, bigint, bigint) IS
    'Drift test and threshold of a feature: mlmon.drift_settings, else Evidently''s rule (internal)';

-- Plans ---------------------------------------------------------------------

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

-- Summaries -------------------------------------------------------------------

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
CREATE TRIGGER summary_changed BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.predictions
    FOR EACH ROW EXECUTE FUNCTION @extschema@._summary_changed('', 'ts', 'rows');
COMMENT ON TRIGGER summary_changed ON @extschema@.predictions IS
    'Rows written into a closed bucket make its summary stale';
CREATE TRIGGER summary_changed BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.labels
    FOR EACH ROW EXECUTE FUNCTION @extschema@._summary_changed('', 'ts', 'labels');
COMMENT ON TRIGGER summary_changed ON @extschema@.labels IS
    'Labels of rows in a closed bucket make the labels part of its summary stale';
-- (also on a logical replication subscriber, which applies changes as a replica)
ALTER TABLE @extschema@.predictions ENABLE ALWAYS TRIGGER summary_changed;
ALTER TABLE @extschema@.labels ENABLE ALWAYS TRIGGER summary_changed;

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

-- Measures: each part of a check as rows (check, metric, feature, value, method) --------

-- Adjusted p-values of one check: Bonferroni or Benjamini-Hochberg.
CREATE FUNCTION @extschema@._adjust_pvalues(p float8[], method text) RETURNS float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH v AS (SELECT x, i, count(x) OVER () AS m FROM unnest(p) WITH ORDINALITY u(x, i)),
         r AS (SELECT x, i, m, row_number() OVER (ORDER BY x NULLS LAST, i) AS k FROM v),
         bh AS (SELECT i, x, least(1.0::float8, min(x * m / k) OVER (ORDER BY k DESC)) AS q FROM r)
    SELECT array_agg(CASE WHEN x IS NULL THEN NULL
                          WHEN method = 'bonferroni' THEN least(1.0::float8, x * (SELECT max(m) FROM v))
                          WHEN method = 'benjamini_hochberg' THEN q
                          ELSE x END ORDER BY i)
      FROM bh;
END;
COMMENT ON FUNCTION @extschema@._adjust_pvalues(float8[], text) IS
    'p-values adjusted for multiple testing: none, bonferroni or benjamini_hochberg (internal)';

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

-- Checks --------------------------------------------------------------------

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

CREATE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
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

CREATE FUNCTION @extschema@.run_checks(model text, "window" interval DEFAULT NULL)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w interval;
BEGIN
    PERFORM @extschema@._model_task(model);
    SELECT coalesce(run_checks."window", m.default_window) INTO w FROM @extschema@.models m WHERE m.name = model;
    RETURN @extschema@.run_checks(model, now() - w, now());
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, interval) IS
    'Check the last window (default: the model''s default_window, 1 day) of a model; returns the check id';

-- Alerts ----------------------------------------------------------------

-- Raise (or refresh) the alert of one key; a key resolved less than the
-- rule's cooldown ago is reopened instead of raised anew.  Notifies the
-- channel mlmon_alerts when an alert opens.
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

-- The rules in force for a model: its own, else the defaults.
CREATE FUNCTION @extschema@.effective_alert_rules(model text)
    RETURNS SETOF @extschema@.alert_rules LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT DISTINCT ON (r.alert_type) r.*
      FROM @extschema@.alert_rules r
     WHERE r.model = effective_alert_rules.model OR r.model IS NULL
     ORDER BY r.alert_type, r.model NULLS LAST;
END;
COMMENT ON FUNCTION @extschema@.effective_alert_rules(text) IS
    'The alert rules in force for a model: its own rules, else the defaults';

-- Statement trigger on mlmon.check_results: applies the rules to each new check.
CREATE FUNCTION @extschema@._apply_alert_rules() RETURNS trigger
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
CREATE TRIGGER apply_alert_rules AFTER INSERT ON @extschema@.check_results
    REFERENCING NEW TABLE AS new_results
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._apply_alert_rules();
COMMENT ON TRIGGER apply_alert_rules ON @extschema@.check_results IS
    'Raise, refresh and resolve alerts from each new check''s results';

CREATE FUNCTION @extschema@.acknowledge_alert(alert_id bigint)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE @extschema@.alerts a SET status = 'resolved', resolved_at = now()
     WHERE a.alert_id = acknowledge_alert.alert_id AND a.status = 'open';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no open alert with id %', alert_id USING ERRCODE = 'undefined_object';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.acknowledge_alert(bigint) IS 'Resolve an open alert by hand';

-- Report views --------------------------------------------------------------

CREATE VIEW @extschema@.performance_history AS
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

CREATE VIEW @extschema@.feature_drift AS
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

CREATE VIEW @extschema@.monitoring_report AS
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

CREATE FUNCTION @extschema@.report(model text) RETURNS jsonb
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

CREATE VIEW @extschema@.recommendations AS
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
COMMENT ON FUNCTION @extschema@.report(text) IS
    'The monitoring report of a model as JSON: period, performance summary, drift summary (alerts by type), every check''s model-wide results of the latest check, the expectations'' outcomes, each segment''s headline, last 10 alerts, recommendations';

-- Privileges ----------------------------------------------------------------

-- Monitoring data is private by default; these give a role exactly what the
-- README's least-privilege setup describes.
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.register_model(text, text, text, jsonb),
    @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name, boolean, name),
    @extschema@.record_label(text, text, text), @extschema@.record_label(text, text, float8),
    @extschema@.record_label(text, text, text, timestamptz), @extschema@.record_label(text, text, float8, timestamptz),
    @extschema@._store_label(text, text, text, float8, timestamptz), @extschema@.maintain_partitions(int),
    @extschema@.apply_retention(text, interval), @extschema@.set_bucket_width(text, interval),
    @extschema@.summarize(text, timestamptz, timestamptz), @extschema@.forget_summaries(text),
    @extschema@.set_reference(text, timestamptz, timestamptz), @extschema@.set_reference(text, text),
    @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean),
    @extschema@.run_checks(text, timestamptz, timestamptz), @extschema@.run_checks(text, interval),
    @extschema@.acknowledge_alert(bigint), @extschema@.report(text),
    @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval, text),
    @extschema@._resolve_alerts(text, text, text[], text)
    FROM PUBLIC;

CREATE FUNCTION @extschema@.grant_writer(role regrole) RETURNS void
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
COMMENT ON FUNCTION @extschema@.grant_writer(regrole) IS
    'Let a role log predictions and record labels, and nothing else';

CREATE FUNCTION @extschema@.grant_reader(role regrole) RETURNS void
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
CREATE FUNCTION @extschema@.grant_feature_reader(role regrole) RETURNS void
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
REVOKE EXECUTE ON FUNCTION @extschema@.grant_writer(regrole), @extschema@.grant_reader(regrole),
    @extschema@.grant_feature_reader(regrole) FROM PUBLIC;

-- Read-only views of the alerts and the results, for readers.
CREATE VIEW @extschema@.alerts_view AS
SELECT a.alert_id, a.time, a.model, a.type, a.severity, a.feature, a.features, a.details, a.status,
       a.last_seen, a.occurrences, a.resolved_at, a.segment
  FROM @extschema@.alerts a;
COMMENT ON VIEW @extschema@.alerts_view IS 'The alerts, for readers (the table itself is writable by the owner only)';
CREATE VIEW @extschema@.results_view AS
SELECT r.check_id, r.time, r.model, r."check", r.metric, r.feature, r.value, r.method, r.segment
  FROM @extschema@.check_results r;
COMMENT ON VIEW @extschema@.results_view IS 'Check results in long format, for readers (e.g. Grafana panels)';
