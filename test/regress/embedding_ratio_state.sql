-- mlmon.embedding_ratio_state: embedding_ratio's partial state as a real
-- type (what parallel workers send to the leader and Citus ships between
-- its workers and the coordinator as text).  Partial states made on parts
-- of a table, sent through their text form and combined, give the result of
-- the whole table; bad text forms are refused with a reason.
SET extra_float_digits = 0;
SELECT setseed(0.25);
CREATE TEMP TABLE ers AS
SELECT g, CASE WHEN g % 101 = 0 THEN NULL
               WHEN g % 103 = 0 THEN ARRAY[1, 'NaN', 2]::float8[]
               WHEN g % 107 = 0 THEN ARRAY[1, 2]::float8[]
               ELSE ARRAY[round((random() * 10 + (g % 3))::numeric, 3), random() * 2 + (g % 2), random()]::float8[] END AS e,
       g % 5 < 2 AS c
  FROM generate_series(1, 3000) g;

-- aggregates that stop at the state (no final function), and a coordinator
-- that combines states and finishes, as Citus does
CREATE AGGREGATE pg_temp.state_of(float8[], boolean) (SFUNC = mlmon._embedding_ratio_accum, STYPE = mlmon.embedding_ratio_state);
CREATE AGGREGATE pg_temp.state_of(float4[], boolean) (SFUNC = mlmon._embedding_ratio_accum, STYPE = mlmon.embedding_ratio_state);
CREATE AGGREGATE pg_temp.state_of(float8[], boolean, float8, float8) (SFUNC = mlmon._embedding_ratio_accum, STYPE = mlmon.embedding_ratio_state);
CREATE AGGREGATE pg_temp.ratio_of(mlmon.embedding_ratio_state) (SFUNC = mlmon._embedding_ratio_combine,
    STYPE = mlmon.embedding_ratio_state, FINALFUNC = mlmon._embedding_ratio_final);

-- the text form round-trips; the binary form is the decoded text: a 64-byte
-- header and the valid rows, 8 bytes a component (4 for float4[])
SELECT s::text::mlmon.embedding_ratio_state::text = s::text AS round_trip,
       mlmon.embedding_ratio_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text,
       length(mlmon.embedding_ratio_state_send(s)) = 64 + 3 * 8 * (SELECT count(*) FROM ers WHERE cardinality(e) = 3 AND NOT 'NaN' = ANY(e)) AS size_float8,
       length(mlmon.embedding_ratio_state_send(s4)) = 64 + 3 * 4 * (SELECT count(*) FROM ers WHERE cardinality(e) = 3 AND NOT 'NaN' = ANY(e)) AS size_float4
  FROM (SELECT pg_temp.state_of(e, c ORDER BY g) AS s, pg_temp.state_of(e::float4[], c ORDER BY g) AS s4 FROM ers) x;

-- partial states of 7 parts, through text, combined in any order: the whole table's result
WITH parts AS (SELECT g % 7 AS part, pg_temp.state_of(e, c)::text AS s, pg_temp.state_of(e::float4[], c)::text AS s4,
                      pg_temp.state_of(e, c, 0.05, 0.5)::text AS so
                 FROM ers GROUP BY 1)
SELECT (SELECT pg_temp.ratio_of(s::mlmon.embedding_ratio_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.embedding_ratio(e, c) FROM ers)::text AS float8_equal,
       (SELECT pg_temp.ratio_of(s4::mlmon.embedding_ratio_state ORDER BY part) FROM parts)::text
           = (SELECT mlmon.embedding_ratio(e::float4[], c) FROM ers)::text AS float4_equal,
       (SELECT pg_temp.ratio_of(so::mlmon.embedding_ratio_state) FROM parts)::text
           = (SELECT mlmon.embedding_ratio(e, c, 0.05, 0.5) FROM ers)::text AS options_travel,
       (SELECT pg_temp.ratio_of(s::mlmon.embedding_ratio_state) FROM parts)::text AS result;

-- the exact bits of every component survive the text form
WITH t(e, c) AS (VALUES ('{0.1, 1e-300}'::float8[], false), ('{5e-324, 1.7976931348623157e308}', false),
                        ('{-0.1, -1e-300}', true), ('{2.5, 3}', true)),
     st AS (SELECT pg_temp.state_of(e, c) AS s FROM t)
SELECT (SELECT pg_temp.ratio_of(s::text::mlmon.embedding_ratio_state) FROM st)::text
           = (SELECT mlmon.embedding_ratio(e, c) FROM t)::text AS exact,
       (SELECT encode(mlmon.embedding_ratio_state_send(s), 'hex') FROM st) AS binary_form;

-- a part whose rows have another dimension: its rows are counted as of the wrong length
WITH parts(s) AS (SELECT pg_temp.state_of(e, c)::text FROM (VALUES ('{1,2}'::float8[], false), ('{2,3}', true)) t(e, c)
                  UNION ALL SELECT pg_temp.state_of(e, c)::text FROM (VALUES ('{1,2,3}'::float8[], false)) t(e, c))
SELECT n_reference + n_current AS rows, dimension, n_skipped_length
  FROM (SELECT (pg_temp.ratio_of(s::mlmon.embedding_ratio_state ORDER BY s)).* FROM parts) x;
-- parts with other options cannot be combined
WITH parts(s) AS (SELECT pg_temp.state_of(e, c)::text FROM ers WHERE g < 10
                  UNION ALL SELECT pg_temp.state_of(e, c, 0.2, 0.2)::text FROM ers WHERE g >= 10)
SELECT pg_temp.ratio_of(s::mlmon.embedding_ratio_state) FROM parts;

-- bad text and binary forms are refused, with the reason
SELECT ''::mlmon.embedding_ratio_state;
SELECT 'not base64!'::mlmon.embedding_ratio_state;
-- a header alone with a row count and no rows
SELECT encode(decode('01040000000000033fb999999999999a3fc999999999999a00000000000000010000000000000000000000000000000000000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- version 2
SELECT encode(decode('02000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- element size 3
SELECT encode(decode('01030000000000013fb999999999999a3fc999999999999a00000000000000010000000000000000000000000000000000000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- a NaN component
SELECT encode(decode('01040000000000013fb999999999999a3fc999999999999a000000000000000100000000000000000000000000000000000000000000000000000000000000007fc00000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- a negative count
SELECT encode(decode('01000000000000003fb999999999999a3fc999999999999affffffffffffffff0000000000000000000000000000000000000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- a dimension without rows
SELECT encode(decode('01040000000000023fb999999999999a3fc999999999999a00000000000000000000000000000000000000000000000000000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state;
-- an empty state (no rows, one skipped NULL) is valid and gives a NULL statistic
SELECT (r).statistic IS NULL AS no_statistic, (r).n_reference, (r).n_skipped_null, (r).threshold
  FROM (SELECT pg_temp.ratio_of(encode(decode('01000000000000003fb999999999999a3fc999999999999a00000000000000000000000000000000000000000000000100000000000000000000000000000000', 'hex'), 'base64')::mlmon.embedding_ratio_state) AS r) x;

-- the transition and combine functions only run in their aggregate
SELECT mlmon._embedding_ratio_combine(NULL, NULL);

-- The embedding samples of mmd and model are stored in a canonical form:
-- the same array whatever the order of the rows (so serial, parallel and
-- Citus plans store the same state), and a stored state merges on.  The
-- checks' samples are keyed by row (the last argument, a bigint per row).
SELECT (SELECT mlmon._embedding_mmd_state(e::float4[], c, 0.015, false, 0.95, 50, g ORDER BY g) FROM ers)
         = (SELECT mlmon._embedding_mmd_state(e::float4[], c, 0.015, false, 0.95, 50, g ORDER BY g DESC) FROM ers) AS mmd_canonical,
       (SELECT mlmon._embedding_model_state(e::float4[], c, 0.55, false, 0.95, 40, g ORDER BY g) FROM ers)
         = (SELECT mlmon._embedding_model_state(e::float4[], c, 0.55, false, 0.95, 40, g ORDER BY g DESC) FROM ers) AS model_canonical,
       (SELECT cardinality(mlmon._embedding_mmd_state(e::float4[], c, 0.015, false, 0.95, 50, g)) FROM ers)
         = 17 + (50 + 50) * 5 AS no_spare_room;
-- states of parts merged, in any order: the state of the whole table, its
-- result the one of a single state
WITH parts AS (SELECT g % 4 AS part, mlmon._embedding_mmd_state(e::float4[], c, 0.015, false, 0.95, 50, g) AS m,
                      mlmon._embedding_model_state(e::float4[], c, 0.55, false, 0.95, 40, g) AS d
                 FROM ers GROUP BY 1),
     whole AS (SELECT mlmon._embedding_mmd_state(e::float4[], c, 0.015, false, 0.95, 50, g) AS m,
                      mlmon._embedding_model_state(e::float4[], c, 0.55, false, 0.95, 40, g) AS d FROM ers)
SELECT (SELECT mlmon._embedding_mmd_merge(m ORDER BY part) FROM parts)::text
         = (SELECT mlmon._embedding_mmd_merge(m) FROM whole)::text AS mmd_merged,
       (SELECT mlmon._embedding_model_merge(d ORDER BY part DESC) FROM parts)::text
         = (SELECT mlmon._embedding_model_merge(d) FROM whole)::text AS model_merged,
       (SELECT (mlmon._embedding_mmd_merge(m)).n_current FROM whole) = (SELECT count(*) FROM ers WHERE c AND cardinality(e) = 3
                                                                         AND NOT 'NaN' = ANY (e)) AS all_rows_counted;
-- Keyed by row, the keys are those of test/oracle's re-implementation
-- (domain_classifier_ref.row_key(x, row_seed(side, r))): reference {0,0}
-- with row key 7: 737605651 * 2^32 + 1240253710; current {6,8} with row
-- key -3: 3563396715 * 2^32 + 2169008545; a NULL row key is 0: {6,8}
-- 674167533 * 2^32 + 471232912.  Option 4 is the keyed flag (1).
SELECT mlmon._embedding_mmd_state(e, c, 0.015, false, 0.05, 4, k)
  FROM (VALUES ('{0,0}'::float4[], false, 7::bigint), ('{6,8}', true, -3)) v(e, c, k);
SELECT (mlmon._embedding_mmd_state('{6,8}'::float4[], true, 0.015, false, 0.05, 4, NULL))[18:19];
-- copies of one vector: in the sample of rows keyed by row, about as many as
-- a uniform sample of the rows takes (half the rows are copies of {1,2,3});
-- keyed by contents (the aggregate's own sample), all or none of them
CREATE TEMP TABLE copies AS
SELECT g, CASE WHEN g % 2 = 0 THEN ARRAY[1, 2, 3]::float4[] ELSE ARRAY[g, g % 7, g % 11]::float4[] END AS e
  FROM generate_series(1, 2000) g;
CREATE AGGREGATE pg_temp.unkeyed(float4[], boolean, float8, boolean, float8, integer) (
    SFUNC = mlmon._embedding_mmd_accum, STYPE = float8[], FINALFUNC = mlmon._embedding_sample_canonical);
WITH st AS (SELECT mlmon._embedding_mmd_state(e, true, 0.015, false, 0.05, 40, g) AS keyed,
                   pg_temp.unkeyed(e, true, 0.015, false, 0.05, 40) AS unkeyed FROM copies)
SELECT (SELECT count(*) FROM generate_series(0, 39) i WHERE keyed[20 + 5 * i:22 + 5 * i] = '{1,2,3}') BETWEEN 10 AND 30
         AS keyed_holds_about_half,
       (SELECT count(*) FROM generate_series(0, 39) i WHERE unkeyed[20 + 5 * i:22 + 5 * i] = '{1,2,3}') IN (0, 40)
         AS unkeyed_all_or_none,
       keyed[8] AS keyed_flag, unkeyed[8] AS unkeyed_flag
  FROM st;
-- a keyed and an unkeyed state do not merge; a flag other than 0 or 1 is refused
SELECT mlmon._embedding_mmd_merge(s)
  FROM (SELECT mlmon._embedding_mmd_state(e, true, 0.015, false, 0.05, 40, g) FROM copies
        UNION ALL SELECT pg_temp.unkeyed(e, true, 0.015, false, 0.05, 40) FROM copies) x(s);
SELECT mlmon._embedding_mmd_merge(s[1:7] || 2::float8 || s[9:])
  FROM (SELECT mlmon._embedding_mmd_state(e, true, 0.015, false, 0.05, 40, g) FROM copies) x(s);
