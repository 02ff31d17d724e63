-- mlmon.regression_state: regression_metrics' partial state as a real type
-- (what Citus ships as text).  Partial states of parts, sent through text
-- and combined, give the metrics of the whole; bad forms are refused.
SET extra_float_digits = 0;
SELECT setseed(0.5);
CREATE TEMP TABLE rs AS
SELECT g, 100 * random() AS y, CASE WHEN g % 97 <> 0 THEN 100 * random() END AS yhat
  FROM generate_series(1, 20000) g;
CREATE AGGREGATE pg_temp.state_of(float8, float8) (SFUNC = mlmon._regression_accum, STYPE = mlmon.regression_state);
CREATE AGGREGATE pg_temp.metrics_of(mlmon.regression_state) (SFUNC = mlmon._regression_combine,
    STYPE = mlmon.regression_state, FINALFUNC = mlmon._regression_final);

SELECT s::text::mlmon.regression_state::text = s::text AS round_trip,
       mlmon.regression_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text,
       length(decode(s::text, 'base64')) AS bytes
  FROM (SELECT pg_temp.state_of(y, yhat) AS s FROM rs) x;
-- 8 parts through text: the same count and sums of errors, the same metrics to rounding of the merge order
WITH parts AS (SELECT g % 8 AS part, pg_temp.state_of(y, yhat)::text AS s FROM rs GROUP BY 1),
     combined AS (SELECT pg_temp.metrics_of(s::mlmon.regression_state) AS m FROM parts),
     whole AS (SELECT mlmon.regression_metrics(y, yhat) AS m FROM rs)
SELECT (c.m).n = (w.m).n AS n_equal,
       abs((c.m).mae - (w.m).mae) <= 1e-12 * (w.m).mae AS mae_equal,
       abs((c.m).mse - (w.m).mse) <= 1e-12 * (w.m).mse AS mse_equal,
       abs((c.m).r2 - (w.m).r2) <= 1e-12 * abs((w.m).r2) AS r2_equal,
       abs((c.m).mape - (w.m).mape) <= 1e-12 * (w.m).mape AS mape_equal
  FROM combined c, whole w;
-- no rows: NULL state, NULL metrics
SELECT pg_temp.state_of(y, yhat) IS NULL AS no_state, mlmon.regression_metrics(y, yhat) IS NULL AS no_metrics
  FROM rs WHERE false;

-- bad forms: base64 of 80 bytes, version 1, 7 zero bytes, n, then 8 doubles
SELECT 'not base64!'::mlmon.regression_state;
SELECT encode('\x01'::bytea, 'base64')::mlmon.regression_state;
SELECT encode(('\x02' || repeat('00', 79))::bytea, 'base64')::mlmon.regression_state;
SELECT encode(('\x0100000000000001' || repeat('00', 72))::bytea, 'base64')::mlmon.regression_state;
-- a negative row count; sums without rows
SELECT encode(('\x0100000000000000' || 'ffffffffffffffff' || repeat('00', 64))::bytea, 'base64')::mlmon.regression_state;
SELECT encode(('\x0100000000000000' || '0000000000000000' || '3ff0000000000000' || repeat('00', 56))::bytea,
              'base64')::mlmon.regression_state;
-- a negative sum of absolute errors, a NaN one, the compensation of a finite sum infinite, a NaN mean
SELECT encode(('\x0100000000000000' || '0000000000000001' || 'bff0000000000000' || repeat('00', 56))::bytea,
              'base64')::mlmon.regression_state;
SELECT encode(('\x0100000000000000' || '0000000000000001' || '7ff8000000000000' || repeat('00', 56))::bytea,
              'base64')::mlmon.regression_state;
SELECT encode(('\x0100000000000000' || '0000000000000001' || '3ff0000000000000' || '7ff0000000000000' || repeat('00', 48))::bytea,
              'base64')::mlmon.regression_state;
SELECT encode(('\x0100000000000000' || '0000000000000001' || repeat('00', 48) || '7ff8000000000000' || repeat('00', 8))::bytea,
              'base64')::mlmon.regression_state;
-- a sum past the float range is +infinity with any compensation: accepted, as a transition makes it
SELECT encode(('\x0100000000000000' || '0000000000000001' || repeat('00', 16) || '7ff0000000000000' || '7ff8000000000000'
               || repeat('00', 32))::bytea, 'base64')::mlmon.regression_state IS NOT NULL AS overflowed_sum_accepted;
