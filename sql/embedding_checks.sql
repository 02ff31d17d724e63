-- Embedding drift in the checks: Evidently's distance method ---------------
--
-- A model that logs an embedding with each prediction (mlmon.predictions
-- .embedding, a source's embedding_column, a reference query's embedding
-- column) gets an embedding_drift section in its checks: the distance
-- between the mean embedding of the reference and that of the window
-- (Evidently's `distance` method, Euclidean by default, drift when it
-- exceeds 0.2).  set_reference keeps the reference's part of
-- mlmon.embedding_distance's state (counts and compensated sums per
-- component, a few kB), so a check reads only its window's embeddings.

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

CREATE TABLE @extschema@.embedding_settings (
    model     text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    enabled   boolean NOT NULL DEFAULT true,
    dist      text NOT NULL DEFAULT 'euclidean' CHECK (dist IN ('euclidean', 'cosine', 'cityblock', 'chebyshev')),
    threshold float8 NOT NULL DEFAULT 0.2 CHECK (threshold >= 0 AND threshold < 'Infinity')
);
COMMENT ON TABLE @extschema@.embedding_settings IS
    'How the checks judge a model''s embedding drift (no row: on, Euclidean distance, threshold 0.2, Evidently''s defaults)';

CREATE TABLE @extschema@.embedding_references (
    model     text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    dist      text NOT NULL,
    threshold float8 NOT NULL,
    state     float8[] NOT NULL,      -- mlmon.embedding_distance's state of the reference rows
    n_rows    bigint NOT NULL,        -- reference rows with a valid embedding
    dimension int NOT NULL,
    set_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.embedding_references IS
    'The reference embeddings of each model that logs them, summarised for the embedding drift check';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.embedding_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.embedding_references', '');

-- Summarise a model's reference embeddings (called by _set_reference).
CREATE FUNCTION @extschema@._set_embedding_reference(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    st @extschema@.embedding_settings;
    state float8[];
    res @extschema@.embedding_drift_result;
BEGIN
    DELETE FROM @extschema@.embedding_references er WHERE er.model = _set_embedding_reference.model;
    SELECT * INTO st FROM @extschema@.embedding_settings s WHERE s.model = _set_embedding_reference.model;
    IF NOT FOUND THEN
        st := ROW(model, true, 'euclidean', 0.2);
    END IF;
    IF NOT st.enabled OR r.embedding IS NULL OR r.embedding = 'NULL::real[]' THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT @extschema@._embedding_distance_state(q.e, false, $4, $5) '
                   'FROM (SELECT %s AS e %s) q WHERE q.e IS NOT NULL', r.embedding, r.from_clause)
       INTO state USING model, from_ts, to_ts, st.dist, st.threshold;
    IF state IS NULL THEN
        RETURN;
    END IF;
    SELECT (m.r).* INTO res FROM (SELECT @extschema@._embedding_distance_merge(v.x) AS r FROM (VALUES (state)) v(x)) m;
    IF coalesce(res.n_reference, 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO @extschema@.embedding_references
    VALUES (model, st.dist, st.threshold, state, res.n_reference, res.dimension, now());
END
$$;
COMMENT ON FUNCTION @extschema@._set_embedding_reference(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Summarise a model''s reference embeddings for the embedding drift check (internal)';

-- Choose how embedding drift is judged, or turn it off; applies from the
-- next set_reference (at once when the reference is a stored window).
CREATE FUNCTION @extschema@.monitor_embeddings(model text, enabled boolean DEFAULT true,
        dist text DEFAULT 'euclidean', threshold float8 DEFAULT 0.2)
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
    IF dist IS NULL OR dist NOT IN ('euclidean', 'cosine', 'cityblock', 'chebyshev') THEN
        RAISE EXCEPTION 'unknown distance "%"', dist USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Use euclidean (Evidently''s default), cosine, cityblock or chebyshev.';
    END IF;
    IF threshold IS NULL OR NOT (threshold >= 0 AND threshold < 'Infinity') THEN
        RAISE EXCEPTION 'threshold must be a finite number >= 0, not %', threshold
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.embedding_settings AS s VALUES (model, enabled, dist, threshold)
    ON CONFLICT ON CONSTRAINT embedding_settings_pkey DO UPDATE
       SET enabled = excluded.enabled, dist = excluded.dist, threshold = excluded.threshold;
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
COMMENT ON FUNCTION @extschema@.monitor_embeddings(text, boolean, text, float8) IS
    'Set how a model''s embedding drift is checked (Evidently''s distance method: distance and threshold), or turn it off; returns whether a reference summary is stored';

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
    EXECUTE format('SELECT @extschema@._embedding_distance_state(q.e, true, $4, $5) '
                   'FILTER (WHERE q.e IS NULL OR cardinality(q.e) IN (0, $6)) AS state, '
                   'count(*) FILTER (WHERE cardinality(q.e) NOT IN (0, $6)) AS wrong_length '
                   'FROM (SELECT %s AS e %s) q', r.embedding, r.from_clause)
       INTO got USING model, window_start, window_end, er.dist, er.threshold, er.dimension;
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
    IF res.n_current > 0 THEN
        RETURN QUERY VALUES
            ('embedding_drift', 'distance', NULL::text, res.statistic, er.dist),
            ('embedding_drift', 'distance_threshold', NULL, res.threshold, NULL),
            ('embedding_drift', 'drift_detected', NULL, res.drifted::int::float8, NULL);
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._embedding_results(text, timestamptz, timestamptz) IS
    'A window''s embedding drift: the distance between its mean embedding and the reference''s (internal)';

REVOKE EXECUTE ON FUNCTION @extschema@.monitor_embeddings(text, boolean, text, float8),
    @extschema@._set_embedding_reference(text, @extschema@._source_sql, timestamptz, timestamptz) FROM PUBLIC;
