-- Citus (part of the install script, after sql/embedding_checks.sql): the
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
