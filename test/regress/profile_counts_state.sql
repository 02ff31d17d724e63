-- mlmon.profile_counts_state: the state of ks_2samp, psi and jensen_shannon
-- (value, reference profile) as a real type (what Citus ships between its
-- workers and the coordinator as text).  Partial states made on parts of a
-- table, sent through their text form and combined, give the statistics of
-- the whole table; bad text and binary forms are refused with a reason.
SET extra_float_digits = 0;
SELECT setseed(0.5);
CREATE TEMP TABLE pv AS
SELECT g, round((random() * 50)::numeric, 1)::float8 AS v, random() < 0.5 AS is_current
  FROM generate_series(1, 20000) g;
UPDATE pv SET v = NULL WHERE g % 97 = 0;
UPDATE pv SET v = 'NaN' WHERE g % 101 = 0;
CREATE TEMP TABLE ref AS SELECT mlmon.profile(v) AS p FROM pv WHERE NOT is_current;
-- a sketch profile too (a cap below the distinct values)
CREATE TEMP TABLE ref_sketch AS SELECT mlmon.profile(v, 64) AS p FROM pv WHERE NOT is_current;

-- aggregates that stop at the state (no final function), and a coordinator
-- that combines states and finishes, as Citus does
CREATE AGGREGATE pg_temp.ks_state(float8, mlmon.profile) (SFUNC = mlmon._profile_counts_ks_accum, STYPE = mlmon.profile_counts_state);
CREATE AGGREGATE pg_temp.ks_state(float8, mlmon.profile, text, text) (SFUNC = mlmon._profile_counts_ks_accum, STYPE = mlmon.profile_counts_state);
CREATE AGGREGATE pg_temp.bins_state(float8, mlmon.profile) (SFUNC = mlmon._profile_counts_bins_accum, STYPE = mlmon.profile_counts_state);
CREATE AGGREGATE pg_temp.bins_state(float8, mlmon.profile, int) (SFUNC = mlmon._profile_counts_bins_accum, STYPE = mlmon.profile_counts_state);
CREATE AGGREGATE pg_temp.ks_of(mlmon.profile_counts_state) (SFUNC = mlmon._profile_counts_combine,
    STYPE = mlmon.profile_counts_state, FINALFUNC = mlmon._profile_counts_ks_final);
CREATE AGGREGATE pg_temp.psi_of(mlmon.profile_counts_state) (SFUNC = mlmon._profile_counts_combine,
    STYPE = mlmon.profile_counts_state, FINALFUNC = mlmon._profile_counts_psi_final);
CREATE AGGREGATE pg_temp.js_of(mlmon.profile_counts_state) (SFUNC = mlmon._profile_counts_combine,
    STYPE = mlmon.profile_counts_state, FINALFUNC = mlmon._profile_counts_js_final);

-- the text form round-trips and is canonical (any row order gives the same text)
SELECT s::text::mlmon.profile_counts_state::text = s::text AS round_trip,
       (SELECT pg_temp.ks_state(v, ref.p ORDER BY g DESC) FROM pv, ref WHERE is_current)::text = s::text AS canonical,
       mlmon.profile_counts_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text,
       length(mlmon.profile_counts_state_send(s)) < 2 * length(mlmon.profile_send((SELECT p FROM ref))) AS compact
  FROM (SELECT pg_temp.ks_state(v, ref.p) AS s FROM pv, ref WHERE is_current) x;

-- partial states of 7 parts, through text, combined: the whole table's statistics
WITH parts AS (SELECT g % 7 AS part, pg_temp.ks_state(v, ref.p)::text AS s FROM pv, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.ks_of(s::mlmon.profile_counts_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.ks_2samp(v, ref.p) FROM pv, ref WHERE is_current)::text AS ks_equal;
WITH parts AS (SELECT g % 7 AS part, pg_temp.ks_state(v, ref.p, 'greater', 'exact')::text AS s
                 FROM pv, ref_sketch ref WHERE is_current AND g < 2000 GROUP BY 1)
SELECT (SELECT pg_temp.ks_of(s::mlmon.profile_counts_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.ks_2samp(v, ref.p, 'greater', 'exact') FROM pv, ref_sketch ref WHERE is_current AND g < 2000)::text
           AS ks_sketch_options_equal;
WITH parts AS (SELECT g % 5 AS part, pg_temp.bins_state(v, ref.p)::text AS s FROM pv, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.psi_of(s::mlmon.profile_counts_state) FROM parts) = (SELECT mlmon.psi(v, ref.p) FROM pv, ref WHERE is_current) AS psi_equal,
       (SELECT pg_temp.js_of(s::mlmon.profile_counts_state) FROM parts)
           = (SELECT mlmon.jensen_shannon(v, ref.p) FROM pv, ref WHERE is_current) AS js_equal;
WITH parts AS (SELECT g % 3 AS part, pg_temp.bins_state(v, ref.p, 25)::text AS s FROM pv, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.psi_of(s::mlmon.profile_counts_state) FROM parts) = (SELECT mlmon.psi(v, ref.p, 25) FROM pv, ref WHERE is_current) AS psi_25_equal;

-- the statistics in a parallel plan, and grouped into many groups, equal the serial ones
CREATE TEMP TABLE serial AS
SELECT g % 500 AS grp, mlmon.ks_2samp(v, ref.p)::text AS ks, mlmon.psi(v, ref.p) AS psi
  FROM pv, ref WHERE is_current GROUP BY 1;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
CREATE TABLE pv_big AS SELECT * FROM pv;
ALTER TABLE pv_big SET (parallel_workers = 2);
SELECT count(*) AS groups,
       count(*) FILTER (WHERE s.ks = x.ks AND s.psi = x.psi) AS equal
  FROM serial s JOIN (SELECT g % 500 AS grp, mlmon.ks_2samp(v, ref.p)::text AS ks, mlmon.psi(v, ref.p) AS psi
                        FROM pv_big, ref WHERE is_current GROUP BY 1) x USING (grp);
SELECT (SELECT mlmon.ks_2samp(v, ref.p)::text FROM pv_big, ref WHERE is_current)
           = (SELECT mlmon.ks_2samp(v, ref.p)::text FROM pv, ref WHERE is_current) AS parallel_ks_equal;
EXPLAIN (COSTS OFF) SELECT mlmon.ks_2samp(v, (SELECT p FROM ref)) FROM pv_big WHERE is_current;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
DROP TABLE pv_big;

-- combining states of different options, statistics or references is refused
SELECT pg_temp.ks_of(s) FROM (SELECT pg_temp.ks_state(v, ref.p) AS s FROM pv, ref
                               UNION ALL SELECT pg_temp.ks_state(v, ref.p, 'less', 'auto') FROM pv, ref) x;
SELECT pg_temp.ks_of(s) FROM (SELECT pg_temp.ks_state(v, ref.p) AS s FROM pv, ref
                               UNION ALL SELECT pg_temp.bins_state(v, ref.p) FROM pv, ref) x;
SELECT pg_temp.psi_of(s) FROM (SELECT pg_temp.bins_state(v, ref.p) AS s FROM pv, ref
                               UNION ALL SELECT pg_temp.bins_state(v, ref.p) FROM pv, ref_sketch ref) x;
SELECT pg_temp.psi_of(s) FROM (SELECT pg_temp.ks_state(v, ref.p) AS s FROM pv, ref) x;

-- bad text and binary forms
SELECT 'not base64!'::mlmon.profile_counts_state;
SELECT ''::mlmon.profile_counts_state;
-- header: version, kind, options, bins, n2, ncounts, profile bytes
CREATE FUNCTION pg_temp.form(head text, counts text, tail text DEFAULT '') RETURNS bytea LANGUAGE sql AS $$
  SELECT decode(head, 'hex') || decode(lpad(to_hex(length(mlmon.profile_send(p))), 16, '0'), 'hex')
         || mlmon.profile_send(p) || decode(counts || tail, 'hex')
    FROM (SELECT mlmon.profile(g::float8) AS p FROM generate_series(1, 3) g) x $$;
-- valid: grid 1, 2, 3 (7 cells), values 1.5 (cell 2) and 3 (cell 5); maximum 1.5
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state IS NOT NULL AS valid;
SELECT mlmon._profile_counts_ks_final(encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007',
              '00000100000100', '3ff8000000000000'), 'base64')::mlmon.profile_counts_state)::text
       = (SELECT mlmon.ks_2samp(x, (SELECT mlmon.profile(g::float8) FROM generate_series(1, 3) g))::text
            FROM (VALUES (1.5::float8), (3)) v(x)) AS equals_the_aggregate;
SELECT encode(pg_temp.form('0201000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0103000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101070000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
-- an even number of counts, counts that do not fit the grid, counts not adding up, a non-minimal varint
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000006', '000001000001', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000005', '0001000100'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000003' || '0000000000000007', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '0000810000000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
-- a cell maximum missing, outside its cell, not finite; bytes left over; a huge count of counts
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '00000100000100'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '4004000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '7ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '0000000000000007', '00000100000100', '3ff800000000000000'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0101000000000000' || '0000000000000002' || '7fffffffffffffff', '00000100000100', '3ff8000000000000'),
              'base64')::mlmon.profile_counts_state;
-- bins: valid (3 bins of the 3-value profile), bins 0, bins out of range, options set
SELECT encode(pg_temp.form('0102000000000003' || '0000000000000002' || '0000000000000003', '010001'),
              'base64')::mlmon.profile_counts_state IS NOT NULL AS valid_bins;
SELECT encode(pg_temp.form('0102000000000000' || '0000000000000002' || '0000000000000003', '010001'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('010200000000ffff' || '0000000000000002' || '0000000000000003', '010001'),
              'base64')::mlmon.profile_counts_state;
SELECT encode(pg_temp.form('0102010000000003' || '0000000000000002' || '0000000000000003', '010001'),
              'base64')::mlmon.profile_counts_state;
-- a profile that is not one, a categorical profile
SELECT encode(('\x0101000000000000' || '0000000000000000' || '0000000000000001' || '0000000000000003' || '010203' || '00')::bytea,
              'base64')::mlmon.profile_counts_state;
SELECT encode(decode('0101000000000000' || '0000000000000000' || '0000000000000001', 'hex')
              || decode(lpad(to_hex(length(mlmon.profile_send(p))), 16, '0'), 'hex') || mlmon.profile_send(p) || '\x00'::bytea,
              'base64')::mlmon.profile_counts_state
  FROM (SELECT mlmon.profile(g::text) AS p FROM generate_series(1, 3) g) x;
