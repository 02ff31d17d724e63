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
