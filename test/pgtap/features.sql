-- Features read from jsonb: every logged decimal becomes the double nearest
-- to it (float8in's strtod is the oracle), absent keys and JSON null are
-- NULL, non-numbers are NaN; categories read as the ->> operator gives them.
SET client_min_messages = warning;
BEGIN;
SELECT plan(12);

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
-- the one walk over the keys against the -> and ->> operators: objects of
-- 1 to 40 keys of every JSON type (more than 32 keys takes the allocated
-- offsets), long keys, requested keys missing or repeated, non-objects
CREATE TEMP TABLE tap_objects AS
SELECT g, (SELECT jsonb_object_agg(k, v) FROM (
         SELECT (ARRAY['a', 'bb', 'c', 'dd', 'eee', 'f', 'zz', 'a1', 'x', repeat('k', 40), 'num', 's'])[1 + ((g * 7 + i * 13) % 12)] || (i % 5) AS k,
                CASE (g + i) % 7 WHEN 0 THEN to_jsonb(i * 1.5) WHEN 1 THEN to_jsonb('str' || i) WHEN 2 THEN 'null'::jsonb
                     WHEN 3 THEN to_jsonb(i % 2 = 0) WHEN 4 THEN '{"o": 1}'::jsonb WHEN 5 THEN '[1, 2]'::jsonb
                     ELSE to_jsonb(-g * 0.001) END AS v
           FROM generate_series(1, 1 + g % 40) i) q) AS f
  FROM generate_series(1, 2000) g
UNION ALL SELECT -1, '[1, 2]' UNION ALL SELECT -2, '5' UNION ALL SELECT -3, NULL;
CREATE TEMP TABLE tap_keys AS
SELECT ARRAY['a0', 'bb1', 'c2', 'dd3', 'eee4', 'f1', 'zz2', 'a13', 'x0', repeat('k', 40) || '1', 'num2', 's3', 'missing', 'a0', 'eee3'] AS k;
SELECT is((SELECT count(*) FROM tap_objects, tap_keys
            WHERE mlmon._jsonb_numbers(f, k) IS DISTINCT FROM
                  ARRAY(SELECT CASE WHEN jsonb_typeof(f) <> 'object' OR f -> kk IS NULL OR jsonb_typeof(f -> kk) = 'null' THEN NULL
                                    WHEN jsonb_typeof(f -> kk) = 'number' THEN (f ->> kk)::float8 ELSE 'NaN' END
                          FROM unnest(k) WITH ORDINALITY u(kk, o) ORDER BY o)),
          0::bigint, 'numbers agree with the -> and ->> operators on 2,003 objects');
SELECT is((SELECT count(*) FROM tap_objects, tap_keys
            WHERE mlmon._jsonb_categories(f, k) IS DISTINCT FROM
                  ARRAY(SELECT CASE WHEN jsonb_typeof(f) = 'object' AND jsonb_typeof(f -> kk) IN ('string', 'number', 'boolean')
                                    THEN f ->> kk END
                          FROM unnest(k) WITH ORDINALITY u(kk, o) ORDER BY o)),
          0::bigint, 'categories agree with the -> and ->> operators on 2,003 objects');
SELECT * FROM finish();
ROLLBACK;
