-- Window use: every statistic gives, in every frame, the same answer as
-- the plain aggregate over that frame's rows.
SET client_min_messages = warning;
BEGIN;
SELECT plan(8);

CREATE TEMP TABLE w AS
SELECT g AS ts, g % 3 AS part,
       CASE WHEN g % 11 = 0 THEN NULL ELSE round((sin(g) * 10)::numeric, 1)::float8 END AS value,
       (g / 40) % 2 = 1 AS is_current,
       'c' || (g % 4) AS category
  FROM generate_series(1, 600) g;

-- sliding ROWS frame
SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.ks_2samp(value, is_current) OVER (ORDER BY ts ROWS BETWEEN 59 PRECEDING AND CURRENT ROW) AS r
       FROM w) a
   WHERE r IS DISTINCT FROM (SELECT mlmon.ks_2samp(value, is_current) FROM w w2 WHERE w2.ts BETWEEN a.ts - 59 AND a.ts)),
  0::bigint, 'ks_2samp over a sliding ROWS frame equals the aggregate of the frame');

-- growing frame (exercises sorting only the appended tail)
SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.wasserstein(value, is_current) OVER (ORDER BY ts) AS r,
            mlmon.ks_2samp(value, is_current) OVER (ORDER BY ts) AS k
       FROM w) a
   WHERE ROW(r, k) IS DISTINCT FROM (SELECT ROW(mlmon.wasserstein(value, is_current), mlmon.ks_2samp(value, is_current)) FROM w w2 WHERE w2.ts <= a.ts)),
  0::bigint, 'wasserstein and ks_2samp over a growing frame equal the aggregate of the frame');

-- PARTITION BY with a RANGE frame
SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, part, mlmon.psi(value, is_current, 4) OVER (PARTITION BY part ORDER BY ts RANGE BETWEEN 120 PRECEDING AND 30 FOLLOWING) AS r
       FROM w) a
   WHERE r IS DISTINCT FROM (SELECT mlmon.psi(value, is_current, 4) FROM w w2 WHERE w2.part = a.part AND w2.ts BETWEEN a.ts - 120 AND a.ts + 30)),
  0::bigint, 'psi over PARTITION BY ... RANGE frames equals the aggregate of the frame');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.jensen_shannon(value, is_current, 'evidently') OVER (ORDER BY ts ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING) AS r,
            mlmon.wasserstein_normed(value, is_current) OVER (ORDER BY ts ROWS BETWEEN 100 PRECEDING AND 100 FOLLOWING) AS n
       FROM w) a
   WHERE ROW(r, n) IS DISTINCT FROM (SELECT ROW(mlmon.jensen_shannon(value, is_current, 'evidently'), mlmon.wasserstein_normed(value, is_current))
                                    FROM w w2 WHERE w2.ts BETWEEN a.ts - 100 AND a.ts + 100)),
  0::bigint, 'jensen_shannon and wasserstein_normed over centred frames equal the aggregate of the frame');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.chi2_drift(category, is_current) OVER (ORDER BY ts ROWS BETWEEN 79 PRECEDING AND CURRENT ROW) AS r,
            mlmon.psi(category, is_current) OVER (ORDER BY ts ROWS BETWEEN 79 PRECEDING AND CURRENT ROW) AS p,
            mlmon.jensen_shannon(category, is_current) OVER (ORDER BY ts ROWS BETWEEN 79 PRECEDING AND CURRENT ROW) AS j
       FROM w) a
   WHERE ROW(r, p, j) IS DISTINCT FROM (SELECT ROW(mlmon.chi2_drift(category, is_current), mlmon.psi(category, is_current), mlmon.jensen_shannon(category, is_current))
                                       FROM w w2 WHERE w2.ts BETWEEN a.ts - 79 AND a.ts)),
  0::bigint, 'categorical statistics over a sliding frame equal the aggregate of the frame');

CREATE TEMP TABLE wz AS
SELECT row_number() OVER (ORDER BY ts) AS rn, CASE WHEN value > 0 THEN 'p' ELSE 'n' END AS sign, is_current
  FROM w WHERE value IS NOT NULL;
SELECT is(
  (SELECT count(*) FROM (
     SELECT rn, mlmon.z_test(sign, is_current) OVER (ORDER BY rn ROWS BETWEEN 49 PRECEDING AND CURRENT ROW) AS r
       FROM wz) a
   WHERE r IS DISTINCT FROM (SELECT mlmon.z_test(sign, is_current) FROM wz w2 WHERE w2.rn BETWEEN a.rn - 49 AND a.rn)),
  0::bigint, 'z_test over a sliding frame equals the aggregate of the frame');

-- the same aggregate twice in one query shares its state
SELECT is(
  (SELECT count(*) FROM (
     SELECT mlmon.ks_2samp(value, is_current) OVER win AS a, mlmon.ks_2samp(value, is_current) OVER win AS b,
            mlmon.wasserstein(value, is_current) OVER win AS c
       FROM w WINDOW win AS (ORDER BY ts ROWS BETWEEN 30 PRECEDING AND CURRENT ROW)) s
   WHERE a IS DISTINCT FROM b),
  0::bigint, 'aggregates sharing a state agree');

SELECT is((SELECT count(*) FROM (SELECT mlmon.ks_2samp(value, is_current) OVER (ORDER BY ts) AS r FROM w) s
            WHERE (r).statistic IS NULL AND (r).n_reference > 0 AND (r).n_current = 0),
          39::bigint, 'frames holding only the reference sample give counts and no statistic');

SELECT * FROM finish();
ROLLBACK;
