-- Segments: a model checked per value of a feature (or of an expression over
-- its features), beside the whole.
--
-- mlmon.segment_by(model, feature | expression, top_n) declares how a row's
-- segment is found.  The reference (set_reference) names the segments: its
-- top_n values by rows, and '(other)' for every other value (and rows
-- without one); each gets its own reference (a profile per feature and of the
-- predictions, and its baseline performance) from the same rows.  Every
-- check then reads its window once more, grouped by segment, and stores each
-- segment's volume, latency, performance, data drift, output drift and data
-- quality in mlmon.check_results with the segment's name in its segment
-- column (NULL: the whole model), where the alert rules judge each segment as
-- they judge the whole, with their own dedup and cooldown.

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
