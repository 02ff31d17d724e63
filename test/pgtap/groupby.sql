-- GROUP BY with 10,000 groups: hash aggregation spills to disk when its
-- memory passes work_mem instead of growing without bound, and gives the
-- same answers as sorted aggregation.
SET client_min_messages = warning;
BEGIN;
SELECT plan(11);

CREATE TABLE gb AS
SELECT g % 10000 AS grp, (g * 7919 % 1000)::float8 / 10 AS value, g % 3 = 0 AS is_current,
       'c' || (g % 5) AS category
  FROM generate_series(1, 150000) g;
ANALYZE gb;

CREATE FUNCTION pg_temp.result_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE res text;
BEGIN
  EXECUTE 'SELECT md5(string_agg(t::text, E''\n'' ORDER BY t::text)) FROM (' || q || ') t' INTO res;
  RETURN res;
END $$;
CREATE FUNCTION pg_temp.plan_json(q text) RETURNS json LANGUAGE plpgsql AS $$
DECLARE res json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) ' || q INTO res;
  RETURN res;
END $$;

SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL work_mem = '1MB';
SET LOCAL enable_sort = off;
SELECT is((SELECT count(*) FROM (SELECT grp, mlmon.ks_2samp(value, is_current) FROM gb GROUP BY grp) s), 10000::bigint,
          '10,000 groups give 10,000 results');
SELECT ok((pg_temp.plan_json('SELECT grp, mlmon.ks_2samp(value, is_current), mlmon.chi2_drift(category, is_current) FROM gb GROUP BY grp')
           -> 0 -> 'Plan' ->> 'HashAgg Batches')::int > 1,
          'hash aggregation spills in batches under a 1MB work_mem');
CREATE TEMP TABLE hashed AS SELECT
  pg_temp.result_of('SELECT grp, mlmon.ks_2samp(value, is_current), mlmon.wasserstein(value, is_current), mlmon.psi(value, is_current), mlmon.chi2_drift(category, is_current) FROM gb GROUP BY grp') AS r;
SET LOCAL enable_sort = on;
SET LOCAL enable_hashagg = off;
SELECT is(pg_temp.result_of('SELECT grp, mlmon.ks_2samp(value, is_current), mlmon.wasserstein(value, is_current), mlmon.psi(value, is_current), mlmon.chi2_drift(category, is_current) FROM gb GROUP BY grp'),
          (SELECT r FROM hashed), 'sorted and hashed aggregation agree on every group');
SELECT ok((SELECT bool_and((r).n_reference + (r).n_current = 15) FROM (SELECT mlmon.ks_2samp(value, is_current) AS r FROM gb GROUP BY grp) s),
          'each group counts its own 15 values');
SELECT isnt((SELECT r FROM hashed), NULL, 'results were computed');

-- memory per group: small states (10,000 groups of 15 values each)
SET LOCAL enable_hashagg = on;
SET LOCAL enable_sort = off;
SET LOCAL work_mem = '256MB';
SELECT cmp_ok((pg_temp.plan_json('SELECT grp, mlmon.psi(category, is_current) FROM gb GROUP BY grp')
               -> 0 -> 'Plan' ->> 'Peak Memory Usage')::int, '<', 40000,
              'a categorical state takes under 4 kB per group (hash aggregation, no spill)');
SELECT cmp_ok((pg_temp.plan_json('SELECT grp, mlmon.wasserstein(value, is_current) FROM gb GROUP BY grp')
               -> 0 -> 'Plan' ->> 'Peak Memory Usage')::int, '<', 40000,
              'a numeric state takes under 4 kB per group (hash aggregation, no spill)');
SELECT cmp_ok((pg_temp.plan_json('SELECT grp, mlmon.classification_metrics(category, ''c1'', value / 100, ''c1'') FROM gb GROUP BY grp')
               -> 0 -> 'Plan' ->> 'Peak Memory Usage')::int, '<', 40000,
              'a classification state with scores takes under 4 kB per group (hash aggregation, no spill)');

-- a parallel plan's leader keeps its hash table within work_mem while it spills
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL work_mem = '1MB';
SELECT is(pg_temp.plan_json('SELECT grp, mlmon.psi(category, is_current) FROM gb GROUP BY grp') -> 0 -> 'Plan' -> 'Plans' -> 0 ->> 'Node Type',
          'Gather', 'the grouped aggregation runs in parallel');
SELECT cmp_ok((pg_temp.plan_json('SELECT grp, mlmon.psi(category, is_current) FROM gb GROUP BY grp')
               -> 0 -> 'Plan' ->> 'Peak Memory Usage')::int, '<', 8192,
              'leader memory of a spilling parallel categorical aggregation stays near work_mem');
SELECT cmp_ok((pg_temp.plan_json('SELECT grp, mlmon.ks_2samp(value, is_current) FROM gb GROUP BY grp')
               -> 0 -> 'Plan' ->> 'Peak Memory Usage')::int, '<', 8192,
              'leader memory of a spilling parallel numeric aggregation stays near work_mem');

SELECT * FROM finish();
ROLLBACK;
