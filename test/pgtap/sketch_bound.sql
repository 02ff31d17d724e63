-- Ten million rows against sketched profiles: the KS statistic computed
-- from the sketches lies within the error bound they report of the exact
-- statistic computed from all the rows.
SET client_min_messages = warning;
BEGIN;
SELECT plan(5);
SET LOCAL max_parallel_workers_per_gather = 0;

CREATE TEMP TABLE big AS
SELECT g % 2 = 0 AS is_current,
       -- two smooth, slightly different distributions (no randomness: the test is repeatable)
       CASE WHEN g % 2 = 0 THEN sin(g * 0.618) * 3 + 0.05 * cos(g * 0.001) ELSE sin(g * 1.618) * 3 END AS value
  FROM generate_series(1, 10000000) g;

CREATE TEMP TABLE sk AS
SELECT mlmon.profile(value) FILTER (WHERE NOT is_current) AS ref,
       mlmon.profile(value) FILTER (WHERE is_current) AS cur
  FROM big;
SELECT ok((SELECT NOT mlmon.is_exact(ref) AND NOT mlmon.is_exact(cur) FROM sk), 'both profiles of 5M distinct values are sketches');
SELECT cmp_ok((SELECT pg_column_size(ref) FROM sk), '<', 512 * 1024, 'a profile of 5M values takes under 512 kB');

CREATE TEMP TABLE exact AS SELECT mlmon.ks_2samp(value, is_current) AS r FROM big;
CREATE TEMP TABLE approx AS
SELECT mlmon.ks_2samp(ref, cur) AS both_sketched,
       (SELECT mlmon.ks_2samp(value, (SELECT ref FROM sk)) FROM big WHERE is_current) AS reference_sketched
  FROM sk;

SELECT ok((SELECT abs((a.both_sketched).statistic - (e.r).statistic) <= (a.both_sketched).statistic_error FROM approx a, exact e),
          'KS between two sketches lies within their error bound of the exact statistic');
SELECT ok((SELECT abs((a.reference_sketched).statistic - (e.r).statistic) <= (a.reference_sketched).statistic_error FROM approx a, exact e),
          'KS of the rows against a sketched reference lies within its error bound');
SELECT ok((SELECT (a.both_sketched).statistic_error < 0.01 AND (a.both_sketched).pvalue IS NULL
                  AND (a.both_sketched).method = 'sketch' FROM approx a),
          'the bound is below 1% and no p-value is claimed');

SELECT * FROM finish();
ROLLBACK;
