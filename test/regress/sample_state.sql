-- mlmon.sample_state: the numeric two-sample statistics' (and
-- isotonic_calibration's) partial state as a real type (what Citus ships
-- between its workers and the coordinator as text).  Partial states made on
-- parts of a table, sent through their text form and combined, give the
-- statistics of the whole table; GROUP BY with many groups and parallel
-- plans give the same results; bad text forms are refused with a reason.
SET extra_float_digits = 0;
SELECT setseed(0.5);
CREATE TEMP TABLE ss AS
SELECT g, CASE WHEN g % 97 = 0 THEN NULL ELSE round((random() * 10 + (g % 3))::numeric, 2)::float8 END AS v,
       random() < 0.4 AS is_current
  FROM generate_series(1, 20000) g;

-- aggregates that stop at the state (no final function), and a coordinator
-- that combines states and finishes, as Citus does
CREATE AGGREGATE pg_temp.state_of(float8, boolean) (SFUNC = mlmon._sample_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.state_of(float8, boolean, int) (SFUNC = mlmon._sample_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.state_of(float8, boolean, text) (SFUNC = mlmon._sample_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.ks_state_of(float8, boolean, text, text) (SFUNC = mlmon._ks_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.state_of(float8, mlmon.profile, text) (SFUNC = mlmon._profile_sample_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.state_of(float8, mlmon.profile) (SFUNC = mlmon._profile_sample_accum, STYPE = mlmon.sample_state);
CREATE AGGREGATE pg_temp.ks_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._ks_final);
CREATE AGGREGATE pg_temp.w_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._wasserstein_final);
CREATE AGGREGATE pg_temp.wn_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._wasserstein_normed_final);
CREATE AGGREGATE pg_temp.psi_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._psi_numeric_final);
CREATE AGGREGATE pg_temp.js_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._js_numeric_final);
CREATE AGGREGATE pg_temp.iso_of(mlmon.sample_state) (SFUNC = mlmon._sample_combine, STYPE = mlmon.sample_state,
    FINALFUNC = mlmon._isotonic_final);

-- the text form round-trips and is canonical (the same values in any row order give the same text)
SELECT s::text::mlmon.sample_state::text = s::text AS round_trip,
       (SELECT pg_temp.state_of(v, is_current ORDER BY g DESC) FROM ss)::text = s::text AS canonical,
       mlmon.sample_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text,
       length(mlmon.sample_state_send(s)) = 36 + 8 * (SELECT count(v) FROM ss) AS eight_bytes_a_value
  FROM (SELECT pg_temp.state_of(v, is_current) AS s FROM ss) x;
-- exact values: the bits of every float survive (-0 is stored as 0)
WITH t(x, c) AS (VALUES (0.1::float8, false), (1e-300, false), (-0.0, true), (5e-324, true), (1.7976931348623157e308, true)),
     st AS (SELECT pg_temp.state_of(x, c) AS s FROM t)
SELECT (SELECT pg_temp.w_of(s::text::mlmon.sample_state) FROM st) = (SELECT mlmon.wasserstein(x, c) FROM t) AS exact,
       (SELECT encode(mlmon.sample_state_send(s), 'hex') FROM st) AS binary_form;

-- partial states of 7 parts, through text, combined: the whole table's statistics
WITH parts AS (SELECT g % 7 AS part, pg_temp.state_of(v, is_current)::text AS s FROM ss GROUP BY 1)
SELECT (SELECT pg_temp.ks_of(s::mlmon.sample_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.ks_2samp(v, is_current) FROM ss)::text AS ks_equal,
       (SELECT pg_temp.w_of(s::mlmon.sample_state) FROM parts) = (SELECT mlmon.wasserstein(v, is_current) FROM ss) AS w_equal,
       (SELECT pg_temp.wn_of(s::mlmon.sample_state) FROM parts)
           = (SELECT mlmon.wasserstein_normed(v, is_current) FROM ss) AS wn_equal,
       (SELECT pg_temp.psi_of(s::mlmon.sample_state) FROM parts) = (SELECT mlmon.psi(v, is_current) FROM ss) AS psi_equal,
       (SELECT pg_temp.js_of(s::mlmon.sample_state) FROM parts) = (SELECT mlmon.jensen_shannon(v, is_current) FROM ss) AS js_equal,
       (SELECT pg_temp.iso_of(s::mlmon.sample_state) FROM parts)::text
           = (SELECT mlmon.isotonic_calibration(v, is_current) FROM ss)::text AS isotonic_equal;
-- the options travel in the state
WITH parts AS (SELECT g % 5 AS part, pg_temp.state_of(v, is_current, 7)::text AS s FROM ss GROUP BY 1)
SELECT (SELECT pg_temp.psi_of(s::mlmon.sample_state) FROM parts) = (SELECT mlmon.psi(v, is_current, 7) FROM ss) AS bins_equal;
WITH parts AS (SELECT g % 5 AS part, pg_temp.state_of(v, is_current, 'evidently')::text AS s FROM ss GROUP BY 1)
SELECT (SELECT pg_temp.js_of(s::mlmon.sample_state) FROM parts) = (SELECT mlmon.jensen_shannon(v, is_current, 'evidently') FROM ss) AS binning_equal;
WITH parts AS (SELECT g % 5 AS part, pg_temp.ks_state_of(v, is_current, 'less', 'asymp')::text AS s FROM ss GROUP BY 1)
SELECT (SELECT pg_temp.ks_of(s::mlmon.sample_state) FROM parts)::text
           = (SELECT mlmon.ks_2samp(v, is_current, 'less', 'asymp') FROM ss)::text AS ks_options_equal;
-- against a reference profile: the profile travels in the state
WITH ref AS (SELECT mlmon.profile(v) AS p FROM ss WHERE NOT is_current),
     parts AS (SELECT g % 4 AS part, pg_temp.state_of(ss.v, ref.p)::text AS s FROM ss, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.w_of(s::mlmon.sample_state) FROM parts)
           = (SELECT mlmon.wasserstein(ss.v, ref.p) FROM ss, ref WHERE is_current) AS w_vs_profile_equal,
       (SELECT pg_temp.wn_of(s::mlmon.sample_state) FROM parts)
           = (SELECT mlmon.wasserstein_normed(ss.v, ref.p) FROM ss, ref WHERE is_current) AS wn_vs_profile_equal;
WITH ref AS (SELECT mlmon.profile(v) AS p FROM ss WHERE NOT is_current),
     parts AS (SELECT g % 4 AS part, pg_temp.state_of(ss.v, ref.p, 'evidently')::text AS s FROM ss, ref WHERE is_current GROUP BY 1)
SELECT (SELECT pg_temp.psi_of(s::mlmon.sample_state) FROM parts)
           = (SELECT mlmon.psi(ss.v, ref.p, 'evidently') FROM ss, ref WHERE is_current) AS psi_vs_profile_equal;
-- combining states of different options is refused
WITH parts AS (SELECT pg_temp.state_of(v, is_current, 7) AS s FROM ss
               UNION ALL SELECT pg_temp.state_of(v, is_current) FROM ss)
SELECT pg_temp.psi_of(s) FROM parts;

-- GROUP BY with many groups: each group's state is small
SELECT count(*) AS groups, round(sum((ks).statistic)::numeric, 6) AS sum_statistic, round(sum(w)::numeric, 6) AS sum_w
  FROM (SELECT g % 2000 AS k, mlmon.ks_2samp(v, is_current) AS ks, mlmon.wasserstein(v, is_current) AS w
          FROM ss GROUP BY 1) x;

-- a parallel plan (partial states combined by the leader) gives the same results
CREATE TABLE sample_state_par AS SELECT * FROM ss;
ANALYZE sample_state_par;
CREATE TEMP TABLE serial_results AS
SELECT mlmon.ks_2samp(v, is_current)::text AS ks, mlmon.wasserstein(v, is_current) AS w, mlmon.psi(v, is_current, 'evidently') AS psi,
       mlmon.isotonic_calibration(v, is_current)::text AS iso
  FROM sample_state_par;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT mlmon.ks_2samp(v, is_current) FROM sample_state_par;
SELECT (SELECT ks FROM serial_results) = mlmon.ks_2samp(v, is_current)::text AS ks_equal,
       (SELECT w FROM serial_results) = mlmon.wasserstein(v, is_current) AS w_equal,
       (SELECT psi FROM serial_results) = mlmon.psi(v, is_current, 'evidently') AS psi_equal,
       (SELECT iso FROM serial_results) = mlmon.isotonic_calibration(v, is_current)::text AS iso_equal
  FROM sample_state_par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE sample_state_par;

-- bad text forms
SELECT 'not base64!'::mlmon.sample_state;
SELECT ''::mlmon.sample_state;
SELECT encode('\x0100'::bytea, 'base64')::mlmon.sample_state;
-- a valid state: version 1, two-sided, auto, quantile, 10 bins; reference 1.0, current 1.0 and 2.0
SELECT pg_temp.ks_of(encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000001' || '0000000000000002' || '0000000000000000'
               || '3ff0000000000000' || '3ff0000000000000' || '4000000000000000')::bytea, 'base64')::mlmon.sample_state) AS valid;
-- unknown version, alternative, method, binning; bins 0 and too many; reserved bytes not 0
SELECT encode(('\x02000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01030000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000400' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000002' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '00000000' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || 'ffffffff' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000001' || '0000000000000000' || '0000000000000000' || '0000000000000000')::bytea, 'base64')::mlmon.sample_state;
-- counts that do not match the bytes (a huge forged count, a value cut short)
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '7fffffffffffffff' || '0000000000000000' || '0000000000000000'
               || '3ff0000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || 'ffffffffffffffff' || '0000000000000002' || '0000000000000000'
               || '3ff0000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000001' || '0000000000000000' || '0000000000000000'
               || '3ff00000000000')::bytea, 'base64')::mlmon.sample_state;
-- values out of order, NaN, infinite, -0
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000002' || '0000000000000000'
               || '4000000000000000' || '3ff0000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000001' || '0000000000000000' || '0000000000000000'
               || '7ff8000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000001' || '0000000000000000' || '0000000000000000'
               || 'fff0000000000000')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000001' || '0000000000000000'
               || '8000000000000000')::bytea, 'base64')::mlmon.sample_state;
-- a profile longer than the value, a profile that is not one, a categorical profile, a profile with reference values
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '00000000000000ff')::bytea,
              'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000' || '0000000000000003'
               || '010203')::bytea, 'base64')::mlmon.sample_state;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000000' || '0000000000000000'
               || lpad(to_hex(length(mlmon.profile_send(p))), 16, '0'))::bytea || mlmon.profile_send(p), 'base64')::mlmon.sample_state
  FROM (SELECT mlmon.profile(g::text) AS p FROM generate_series(1, 10) g) x;
SELECT encode(('\x01000000' || '0000000a' || '00000000' || '0000000000000001' || '0000000000000000'
               || lpad(to_hex(length(mlmon.profile_send(p))), 16, '0'))::bytea || '\x3ff0000000000000'::bytea || mlmon.profile_send(p),
              'base64')::mlmon.sample_state
  FROM (SELECT mlmon.profile(g::float8) AS p FROM generate_series(1, 10) g) x;
