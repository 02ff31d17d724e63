-- Features read from jsonb: every logged decimal becomes the double nearest
-- to it (float8in's strtod is the oracle), absent keys and JSON null are
-- NULL, non-numbers are NaN; categories read as the ->> operator gives them.
SET client_min_messages = warning;
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE decimals AS
SELECT d FROM (
  -- 1 to 20 significant digits, exponents from -30 to 30, both signs
  SELECT (CASE WHEN random() < 0.5 THEN '-' ELSE '' END) ||
         substr(floor(random() * 1e10)::bigint::text || floor(random() * 1e10)::bigint::text, 1, 1 + (g % 20)) ||
         'e' || ((g * 7) % 61 - 30) AS d
    FROM generate_series(1, 200000) g
  UNION ALL
  SELECT x FROM unnest(ARRAY['0', '-0', '0.1', '0.3', '1e22', '1e23', '9007199254740993', '9007199254740992',
                             '123456789012345678901234567890', '4.9e-324', '2.2250738585072014e-308',
                             '1.7976931348623157e308', '0.000001', '3.14159265358979323846264338327950288']) x) s;
SELECT is((SELECT count(*) FROM decimals
            WHERE (mlmon._jsonb_numbers(jsonb_build_object('x', d::numeric), '{x}'))[1] IS DISTINCT FROM d::float8),
          0::bigint, 'every decimal converts to the nearest double');
SELECT is(mlmon._jsonb_numbers('{"a": 1.5, "b": null, "c": "x", "d": [1], "e": true}', '{a,b,c,d,e,missing}'),
          ARRAY[1.5, NULL, 'NaN', 'NaN', 'NaN', NULL]::float8[], 'numbers, NULLs and NaN markers');
SELECT is(mlmon._jsonb_numbers('[1, 2]', '{a}'), ARRAY[NULL]::float8[], 'not an object: NULL');
SELECT is(mlmon._jsonb_numbers(NULL, '{a,b}'), ARRAY[NULL, NULL]::float8[], 'NULL features: NULLs');
SELECT is(mlmon._jsonb_numbers('{"a": 1}', '{}'), '{}'::float8[], 'no keys: empty array');
SELECT is(mlmon._jsonb_categories('{"a": "x", "b": 2.50, "c": true, "d": null, "e": {"k": 1}}', '{a,b,c,d,e,f}'),
          ARRAY['x', '2.50', 'true', NULL, NULL, NULL], 'categories as ->> gives them');
SELECT throws_ok($$SELECT mlmon._jsonb_numbers('{}', ARRAY['a', NULL])$$, '22004', NULL, 'a NULL key is an error');
SELECT is((SELECT count(*) FROM (SELECT mlmon._jsonb_numbers(jsonb_build_object('k' || g, g), ARRAY['k' || g, 'k1']) AS a
                                   FROM generate_series(1, 1000) g) s WHERE a[1] <> a[1] OR a[1] IS NULL), 0::bigint,
          'keys that change from row to row');
SELECT is(ARRAY(SELECT mlmon._jsonb_has_other_keys(f, '{a,bb,c}') FROM unnest(ARRAY[
            '{}', '{"a": 1}', '{"c": 1, "bb": 2, "a": 3}', '{"b": 1}', '{"a": 1, "bb": 2, "c": 3, "d": 4}',
            '{"aa": 1}', '[1]', 'null']::jsonb[]) f),
          ARRAY[false, false, false, true, true, true, false, false], 'other keys than the features');
SELECT is((SELECT count(*) FROM generate_series(1, 2000) g,
                  LATERAL (SELECT jsonb_object_agg('k' || (g * j % 37), j) AS f FROM generate_series(1, 1 + g % 9) j) o
            WHERE mlmon._jsonb_has_other_keys(o.f, ARRAY['k1', 'k2', 'k3', 'k5', 'k8', 'k13', 'k21', 'k34'])
                  IS DISTINCT FROM ((o.f - ARRAY['k1', 'k2', 'k3', 'k5', 'k8', 'k13', 'k21', 'k34']) <> '{}')),
          0::bigint, 'agrees with the jsonb - text[] operator');
SELECT * FROM finish();
ROLLBACK;
