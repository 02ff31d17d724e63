-- Values against a reference profile as window functions: the moving
-- aggregates (exact inverse transitions) give, in every frame, what the
-- plain aggregate gives over the frame's rows.
SET client_min_messages = warning;
BEGIN;
SELECT plan(10);

CREATE TEMP TABLE ref AS
SELECT round((sin(g) * 10)::numeric, 1)::float8 AS value, 'c' || (g % 5) AS category
  FROM generate_series(1, 500) g;
CREATE TEMP TABLE profiles AS
SELECT mlmon.profile(value) AS num, mlmon.profile(category) AS cat,
       mlmon.profile(value, 20) AS sketch FROM ref;
SELECT ok((SELECT mlmon.is_exact(num) AND NOT mlmon.is_exact(sketch) FROM profiles), 'one exact and one sketched reference');

CREATE TEMP TABLE live AS
SELECT g AS ts,
       CASE WHEN g % 13 = 0 THEN NULL ELSE round((sin(g * 0.7) * 10 + g / 100.0)::numeric, 1)::float8 END AS value,
       'c' || (g % 7 % 5) AS category
  FROM generate_series(1, 700) g;

-- KS, sliding ROWS frame (moving aggregate) against the plain aggregate of the frame
SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.ks_2samp(value, (SELECT num FROM profiles)) OVER w AS r
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)) m
     JOIN LATERAL (SELECT mlmon.ks_2samp(value, (SELECT num FROM profiles)) AS r
                     FROM live l2 WHERE l2.ts BETWEEN m.ts - 99 AND m.ts) p ON true
   WHERE ((m.r).statistic, (m.r).pvalue, (m.r).n_reference, (m.r).n_current, (m.r).method, (m.r).statistic_sign)
         IS DISTINCT FROM ((p.r).statistic, (p.r).pvalue, (p.r).n_reference, (p.r).n_current, (p.r).method, (p.r).statistic_sign)
      OR ((m.r).statistic_location IS NOT NULL AND (m.r).statistic_location <> (p.r).statistic_location)),
  0::bigint, 'ks_2samp(value, profile) over a sliding frame equals the aggregate of the frame');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.ks_2samp(value, (SELECT num FROM profiles), 'less', 'exact') OVER w AS r
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 30 PRECEDING AND 20 FOLLOWING)) m
     JOIN LATERAL (SELECT mlmon.ks_2samp(value, (SELECT num FROM profiles), 'less', 'exact') AS r
                     FROM live l2 WHERE l2.ts BETWEEN m.ts - 30 AND m.ts + 20) p ON true
   WHERE ((m.r).statistic, (m.r).pvalue, (m.r).method) IS DISTINCT FROM ((p.r).statistic, (p.r).pvalue, (p.r).method)),
  0::bigint, 'one-sided exact KS over a centred frame equals the aggregate of the frame');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.ks_2samp(value, (SELECT sketch FROM profiles)) OVER w AS r
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 199 PRECEDING AND CURRENT ROW)) m
     JOIN LATERAL (SELECT mlmon.ks_2samp(value, (SELECT sketch FROM profiles)) AS r
                     FROM live l2 WHERE l2.ts BETWEEN m.ts - 199 AND m.ts) p ON true
   WHERE ((m.r).statistic, (m.r).statistic_error, (m.r).method) IS DISTINCT FROM ((p.r).statistic, (p.r).statistic_error, (p.r).method)),
  0::bigint, 'against a sketched reference too');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.psi(value, (SELECT num FROM profiles)) OVER w AS p1,
            mlmon.jensen_shannon(value, (SELECT num FROM profiles), 4) OVER w AS j1
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)) m
     JOIN LATERAL (SELECT mlmon.psi(value, (SELECT num FROM profiles)) AS p1,
                          mlmon.jensen_shannon(value, (SELECT num FROM profiles), 4) AS j1
                     FROM live l2 WHERE l2.ts BETWEEN m.ts - 99 AND m.ts) p ON true
   WHERE (m.p1, m.j1) IS DISTINCT FROM (p.p1, p.j1)),
  0::bigint, 'psi and jensen_shannon (value, profile) over a sliding frame equal the aggregate of the frame');

SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, mlmon.chi2_drift(category, (SELECT cat FROM profiles)) OVER w AS c1,
            mlmon.psi(category, (SELECT cat FROM profiles)) OVER w AS p1,
            mlmon.jensen_shannon(category, (SELECT cat FROM profiles)) OVER w AS j1
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 49 PRECEDING AND CURRENT ROW)) m
     JOIN LATERAL (SELECT mlmon.chi2_drift(category, (SELECT cat FROM profiles)) AS c1,
                          mlmon.psi(category, (SELECT cat FROM profiles)) AS p1,
                          mlmon.jensen_shannon(category, (SELECT cat FROM profiles)) AS j1
                     FROM live l2 WHERE l2.ts BETWEEN m.ts - 49 AND m.ts) p ON true
   WHERE ROW(m.c1, m.p1, m.j1) IS DISTINCT FROM ROW(p.c1, p.p1, p.j1)),
  0::bigint, 'categorical statistics against a profile over a sliding frame equal the aggregate of the frame');

-- method 'none': the statistic alone, the same as the asymptotic method's
SELECT is(
  (SELECT count(*) FROM (
     SELECT mlmon.ks_2samp(value, (SELECT num FROM profiles), 'two-sided', 'none') OVER w AS r,
            mlmon.ks_2samp(value, (SELECT num FROM profiles), 'two-sided', 'asymp') OVER w AS a
       FROM live WINDOW w AS (ORDER BY ts ROWS BETWEEN 99 PRECEDING AND CURRENT ROW)) m
   WHERE (m.r).pvalue IS NOT NULL OR (m.r).method <> 'none'
      OR ((m.r).statistic, (m.r).statistic_location, (m.r).statistic_sign, (m.r).n_current)
         IS DISTINCT FROM ((m.a).statistic, (m.a).statistic_location, (m.a).statistic_sign, (m.a).n_current)),
  0::bigint, 'method none gives the statistic without a p-value in every frame');
SELECT is(
  (SELECT ((r).statistic, (r).pvalue IS NULL, (r).method)::text
     FROM (SELECT mlmon.ks_2samp(value, ts > 350, 'greater', 'none') AS r FROM live) s),
  (SELECT ((r).statistic, true, 'none')::text
     FROM (SELECT mlmon.ks_2samp(value, ts > 350, 'greater', 'asymp') AS r FROM live) s),
  'method none in the two-sample aggregate');

-- the same with RANGE frames and partitions
SELECT is(
  (SELECT count(*) FROM (
     SELECT ts, ts % 2 AS part, mlmon.ks_2samp(value, (SELECT num FROM profiles)) OVER w AS r
       FROM live WINDOW w AS (PARTITION BY ts % 2 ORDER BY ts RANGE BETWEEN 60 PRECEDING AND CURRENT ROW)) m
     JOIN LATERAL (SELECT mlmon.ks_2samp(value, (SELECT num FROM profiles)) AS r
                     FROM live l2 WHERE l2.ts % 2 = m.part AND l2.ts BETWEEN m.ts - 60 AND m.ts) p ON true
   WHERE ((m.r).statistic, (m.r).pvalue, (m.r).n_current) IS DISTINCT FROM ((p.r).statistic, (p.r).pvalue, (p.r).n_current)),
  0::bigint, 'ks_2samp(value, profile) over partitioned RANGE frames');

-- the plain aggregate equals the two-sample aggregate on the reference's rows
SELECT is((SELECT mlmon.ks_2samp(value, (SELECT num FROM profiles))::text FROM live),
          (SELECT mlmon.ks_2samp(value, cur)::text FROM (SELECT value, false AS cur FROM ref UNION ALL SELECT value, true FROM live) u),
          'ks_2samp(value, exact profile) equals the two-sample test');

SELECT * FROM finish();
ROLLBACK;
