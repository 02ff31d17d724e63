-- mlmon.category_state: the categorical drift statistics' partial state as a
-- real type (what Citus ships between its workers and the coordinator as
-- text).  Partial states made on parts of a table, sent through their text
-- form and combined, give the statistics of the whole table; bad text and
-- binary forms are refused with a reason.
SET extra_float_digits = 0;
SELECT setseed(0.25);
CREATE TEMP TABLE cs AS
SELECT g, (ARRAY['web', 'store', 'phone', 'mail', ''])[1 + floor(random() * 5)::int] AS category,
       random() < 0.4 AS is_current, random() < 0.3 AS flag, floor(random() * 4)::bigint AS n
  FROM generate_series(1, 20000) g;

-- aggregates that stop at the state (no final function), and a coordinator
-- that combines states and finishes, as Citus does
CREATE AGGREGATE pg_temp.state_of(text, boolean) (SFUNC = mlmon._category_accum, STYPE = mlmon.category_state);
CREATE AGGREGATE pg_temp.state_of(boolean, boolean) (SFUNC = mlmon._category_accum, STYPE = mlmon.category_state);
CREATE AGGREGATE pg_temp.state_of(bigint, boolean, text) (SFUNC = mlmon._category_accum, STYPE = mlmon.category_state);
CREATE AGGREGATE pg_temp.state_of(text, mlmon.profile) (SFUNC = mlmon._profile_category_accum, STYPE = mlmon.category_state);
CREATE AGGREGATE pg_temp.chi2_of(mlmon.category_state) (SFUNC = mlmon._category_combine, STYPE = mlmon.category_state,
    FINALFUNC = mlmon._chi2_final);
CREATE AGGREGATE pg_temp.psi_of(mlmon.category_state) (SFUNC = mlmon._category_combine, STYPE = mlmon.category_state,
    FINALFUNC = mlmon._psi_categorical_final);
CREATE AGGREGATE pg_temp.js_of(mlmon.category_state) (SFUNC = mlmon._category_combine, STYPE = mlmon.category_state,
    FINALFUNC = mlmon._js_categorical_final);
CREATE AGGREGATE pg_temp.z_of(mlmon.category_state) (SFUNC = mlmon._category_combine, STYPE = mlmon.category_state,
    FINALFUNC = mlmon._z_test_final);

-- the text form round-trips and is canonical (the same counts in any row order give the same text)
SELECT s::text::mlmon.category_state::text = s::text AS round_trip,
       (SELECT pg_temp.state_of(category, is_current ORDER BY g DESC) FROM cs)::text = s::text AS canonical,
       mlmon.category_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text
  FROM (SELECT pg_temp.state_of(category, is_current) AS s FROM cs) x;

-- partial states of 7 parts, through text, combined: the whole table's statistics
WITH parts AS (SELECT g % 7 AS part, pg_temp.state_of(category, is_current)::text AS s FROM cs GROUP BY 1)
SELECT (SELECT pg_temp.chi2_of(s::mlmon.category_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.chi2_drift(category, is_current) FROM cs)::text AS chi2_equal,
       (SELECT pg_temp.psi_of(s::mlmon.category_state) FROM parts) = (SELECT mlmon.psi(category, is_current) FROM cs) AS psi_equal,
       (SELECT pg_temp.js_of(s::mlmon.category_state) FROM parts)
           = (SELECT mlmon.jensen_shannon(category, is_current) FROM cs) AS js_equal;
WITH parts AS (SELECT g % 5 AS part, pg_temp.state_of(flag, is_current)::text AS s FROM cs GROUP BY 1)
SELECT (SELECT pg_temp.z_of(s::mlmon.category_state) FROM parts)::text
           = (SELECT mlmon.z_test(flag, is_current) FROM cs)::text AS z_test_equal;
WITH parts AS (SELECT g % 3 AS part, pg_temp.state_of(n, is_current, 'contingency')::text AS s FROM cs GROUP BY 1)
SELECT (SELECT pg_temp.chi2_of(s::mlmon.category_state) FROM parts)::text
           = (SELECT mlmon.chi2_drift(n, is_current, 'contingency') FROM cs)::text AS contingency_equal;
-- against a reference profile: the profile travels in the state
WITH ref AS (SELECT mlmon.profile(category) AS p FROM cs WHERE NOT is_current),
     parts AS (SELECT g % 4 AS part, pg_temp.state_of(cs.category, ref.p)::text AS s FROM cs, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.chi2_of(s::mlmon.category_state) FROM parts)::text
           = (SELECT mlmon.chi2_drift(cs.category, ref.p) FROM cs, ref WHERE is_current)::text AS chi2_vs_profile_equal,
       (SELECT pg_temp.psi_of(s::mlmon.category_state) FROM parts)
           = (SELECT mlmon.psi(cs.category, ref.p) FROM cs, ref WHERE is_current) AS psi_vs_profile_equal;
-- combining states of different chi-square methods is refused
WITH parts AS (SELECT pg_temp.state_of(n, is_current, 'contingency') AS s FROM cs
               UNION ALL SELECT pg_temp.state_of(n::text, is_current) FROM cs)
SELECT pg_temp.chi2_of(s) FROM parts;

-- bad text and binary forms
SELECT 'not base64!'::mlmon.category_state;
SELECT ''::mlmon.category_state;
SELECT encode('\x0100'::bytea, 'base64')::mlmon.category_state;
-- a valid state: version 1, method 0, text, no profile; categories 'a' (1, 1) and 'b' (1, 0)
SELECT encode(('\x01000000' || '0000000000000002' || '0000000000000002' || '0000000000000001' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000001'
               || '0000000162' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state IS NOT NULL AS valid;
SELECT encode(('\x03000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea,
              'base64')::mlmon.category_state;
-- version 2 (tvd's number of permutations) has 4 more header bytes
SELECT encode(('\x02000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea,
              'base64')::mlmon.category_state;
SELECT encode(('\x02000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000'
               || '000003e8')::bytea, 'base64')::mlmon.category_state IS NOT NULL AS valid_v2;
SELECT encode(('\x01070000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea,
              'base64')::mlmon.category_state;
SELECT encode(('\x01000300' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea,
              'base64')::mlmon.category_state;
SELECT encode(('\x01000001' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea,
              'base64')::mlmon.category_state;
-- categories out of order, repeated, empty on both sides
SELECT encode(('\x01000000' || '0000000000000002' || '0000000000000002' || '0000000000000000' || '0000000000000000'
               || '0000000162' || '0000000000000001' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000002' || '0000000000000002' || '0000000000000000' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000001' || '0000000000000000' || '0000000000000000' || '0000000000000000'
               || '0000000161' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
-- totals that are not the sums, a negative count, a count of 2^63
SELECT encode(('\x01000000' || '0000000000000001' || '0000000000000005' || '0000000000000000' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000001' || 'ffffffffffffffff' || '0000000000000000' || '0000000000000000'
               || '0000000161' || 'ffffffffffffffff' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000001' || '8000000000000000' || '0000000000000000' || '0000000000000000'
               || '0000000161' || '8000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
-- too many categories for the bytes, a category longer than the rest, bytes left over
SELECT encode(('\x01000000' || '00000000ffffffff' || '0000000000000000' || '0000000000000000' || '0000000000000000'
               || '0000000161' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000001' || '0000000000000001' || '0000000000000000' || '0000000000000000'
               || '7fffffff61' || '0000000000000001' || '0000000000000000')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000000'
               || '00')::bytea, 'base64')::mlmon.category_state;
-- a profile longer than the value, a profile that is not one, a numeric profile
SELECT encode(('\x01000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '00000000000000ff')::bytea,
              'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '0000000000000003'
               || '010203')::bytea, 'base64')::mlmon.category_state;
SELECT encode(('\x01000000' || '0000000000000000' || '0000000000000000' || '0000000000000000'
               || lpad(to_hex(length(mlmon.profile_send(p))), 16, '0'))::bytea || mlmon.profile_send(p), 'base64')::mlmon.category_state
  FROM (SELECT mlmon.profile(g::float8) AS p FROM generate_series(1, 10) g) x;
