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
