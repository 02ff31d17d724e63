-- Partial states must agree on what every row agrees on: a plan that
-- aggregates the parts of one group separately (partitionwise aggregation,
-- parallel workers, Citus shards) and combines them must give the answer of
-- one state, or the error the rows would have given.
SET client_min_messages = warning;
BEGIN;
SELECT plan(9);

CREATE TEMP TABLE pa (v float8, c text, p mlmon.profile, q mlmon.profile, k int) PARTITION BY LIST (k);
CREATE TEMP TABLE pa1 PARTITION OF pa FOR VALUES IN (1);
CREATE TEMP TABLE pa2 PARTITION OF pa FOR VALUES IN (2);
-- p: each partition's rows carry a different reference profile; q: the same one everywhere
INSERT INTO pa
SELECT g, 'c' || (g % 3),
       (SELECT mlmon.profile(x::float8) FROM generate_series(1, 100) x),
       (SELECT mlmon.profile(x::float8) FROM generate_series(1, 100) x), 1
  FROM generate_series(1, 50) g;
INSERT INTO pa
SELECT g, 'c' || (g % 4),
       (SELECT mlmon.profile(x::float8 + 1000) FROM generate_series(1, 100) x),
       (SELECT mlmon.profile(x::float8) FROM generate_series(1, 100) x), 2
  FROM generate_series(1, 50) g;
CREATE TEMP TABLE pc AS
SELECT (SELECT mlmon.profile(c) FROM (VALUES ('c0'), ('c1')) v(c)) AS a,
       (SELECT mlmon.profile(c) FROM (VALUES ('c1'), ('c2'), ('c3')) v(c)) AS b;
ANALYZE pa;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $f$
DECLARE r text; s text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN ' || q LOOP s := s || r || E'\n'; END LOOP;
    RETURN s;
END $f$;

SET LOCAL enable_partitionwise_aggregate = on;
SELECT throws_ok($$SELECT mlmon.mann_whitney(v, p) FROM pa$$, '22023',
                 'reference profile must be the same for every row',
                 'numeric states with different reference profiles cannot be combined (partitionwise)');
SELECT throws_ok($$SELECT mlmon.g_test(c, CASE WHEN k = 1 THEN pc.a ELSE pc.b END) FROM pa, pc$$, '22023',
                 'reference profile must be the same for every row',
                 'categorical states with different reference profiles cannot be combined (partitionwise)');
CREATE TEMP TABLE pw AS SELECT mlmon.mann_whitney(v, q)::text AS mw, mlmon.energy_distance(v, q) AS ed,
                               mlmon.g_test(c, pc.a)::text AS g FROM pa, pc;
SELECT ok(pg_temp.plan_of('SELECT mlmon.mann_whitney(v, q) FROM pa') LIKE '%Partial Aggregate%',
          'the partitionwise plan aggregates each partition apart');
SET LOCAL enable_partitionwise_aggregate = off;
SELECT throws_ok($$SELECT mlmon.mann_whitney(v, p) FROM pa$$, '22023',
                 'reference profile must be the same for every row',
                 'and one state refuses them too');
SELECT is((SELECT mw FROM pw), (SELECT mlmon.mann_whitney(v, q)::text FROM pa),
          'the same reference in every partition: partitionwise equals one state (mann_whitney)');
SELECT is((SELECT ed FROM pw), (SELECT mlmon.energy_distance(v, q) FROM pa),
          'the same reference in every partition: partitionwise equals one state (energy_distance)');
SELECT is((SELECT g FROM pw), (SELECT mlmon.g_test(c, pc.a)::text FROM pa, pc),
          'the same reference in every partition: partitionwise equals one state (g_test)');

-- classification_metrics with a positive label: every row names the same one
SELECT throws_ok($$SELECT mlmon.classification_metrics(a, p, s, pl)
                     FROM (VALUES ('x', 'x', 0.9, 'x'), ('y', 'x', 0.2, 'y')) v(a, p, s, pl)$$, '22023',
                 'positive_label of mlmon.classification_metrics must be the same in every row',
                 'classification_metrics refuses a positive label that changes between rows');

-- a sketch is a sketch even before its first compaction (error bound 0): no p-value
SET LOCAL mlmon.profile_exact_cap = 10;
SELECT is((SELECT (mlmon.epps_singleton(p, p)).method || '/' || coalesce((mlmon.epps_singleton(p, p)).pvalue::text, 'null')
             FROM (SELECT mlmon.profile(x::float8) AS p FROM generate_series(1, 11) x) s),
          'sketch/null', 'epps_singleton treats any sketched profile as a sketch, as the rank tests do');

SELECT * FROM finish();
ROLLBACK;
