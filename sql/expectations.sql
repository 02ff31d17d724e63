-- Expectations: rules the user declares about a model's data, as Great
-- Expectations users know them, evaluated by every check.
--
-- mlmon.expect(model, feature, rule, ...) declares one; run_checks evaluates
-- every enabled expectation of the model over the window's rows in one read
-- (row_count_between from the check's summary, without reading), stores one
-- row per expectation in mlmon.expectation_results (with up to five of the
-- unexpected values: raw feature data, for feature readers only) and its
-- numbers in mlmon.check_results (check 'expectations', feature = the
-- expectation's name, method = its rule), where the alert rule of type
-- 'expectation' raises one alert per failed expectation with the
-- expectation's own severity.

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
