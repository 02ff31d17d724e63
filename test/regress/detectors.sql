-- Streaming drift detectors: call forms, skipped inputs, parameters and errors.
-- (Their numbers are checked against independent implementations in
-- test/oracle/test_detectors.py.)
SET extra_float_digits = 0;
CREATE TEMP TABLE stream AS
SELECT i, CASE WHEN i <= 300 THEN (i % 7) / 7.0 ELSE 3 + (i % 7) / 7.0 END AS v,
       (i % 10 = 0) OR (i > 300 AND i % 3 = 0) AS err
  FROM generate_series(1, 600) AS i;

-- an empty stream: nothing taken, no drift
SELECT (mlmon.page_hinkley(v ORDER BY i)).* FROM stream WHERE false;
SELECT (mlmon.ddm(err ORDER BY i)).* FROM stream WHERE false;

-- the aggregate's summary equals the last row of the window form
SELECT a = w AS same
  FROM (SELECT mlmon.adwin(v ORDER BY i) AS a FROM stream) x,
       (SELECT mlmon.adwin(v) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS w
          FROM stream ORDER BY i DESC LIMIT 1) y;

-- the mean steps up by 3 at row 301: every numeric detector sees it after it
SELECT 'page_hinkley' AS detector, (r).first_drift > 300 AND (r).first_drift < 340 AS found FROM
  (SELECT mlmon.page_hinkley(v ORDER BY i) AS r FROM stream) s
UNION ALL
SELECT 'adwin', (r).first_drift > 300 AND (r).first_drift < 340 FROM
  (SELECT mlmon.adwin(v ORDER BY i) AS r FROM stream) s
UNION ALL
SELECT 'kswin', (r).first_drift > 300 AND (r).first_drift < 340 FROM
  (SELECT mlmon.kswin(v ORDER BY i) AS r FROM stream) s;

-- rows drift exactly where the summary says, and only there
SELECT count(*) FILTER (WHERE (r).drift) = max((r).detections) AS consistent
  FROM (SELECT mlmon.page_hinkley(v) OVER (ORDER BY i) AS r FROM stream) s;

-- NULL, NaN and infinite values are skipped: not counted, no drift on them
SELECT i, (r).n, (r).drift, (r).statistic IS NULL AS no_test
  FROM (SELECT i, mlmon.page_hinkley(x) OVER (ORDER BY i) AS r
          FROM (VALUES (1, 1.0::float8), (2, NULL), (3, 'NaN'), (4, 'Infinity'), (5, 2.0)) t(i, x)) s
 ORDER BY i;
SELECT (mlmon.ddm(e ORDER BY i)).n FROM (VALUES (1, true), (2, NULL), (3, false)) t(i, e);

-- independent streams per partition
SELECT g, (mlmon.ddm(err ORDER BY i)).n FROM stream, (VALUES (1), (2)) p(g)
 WHERE i <= 100 * g GROUP BY g ORDER BY g;

-- parameters
SELECT (mlmon.page_hinkley(v, 30, 0.005, 50, 0.9999, 'down' ORDER BY i)).detections FROM stream;
SELECT (mlmon.ddm(err, 30, 2, 3 ORDER BY i)) = (mlmon.ddm(err ORDER BY i)) AS defaults_match FROM stream;
SELECT (mlmon.eddm(err, 30, 0.95, 0.9 ORDER BY i)) = (mlmon.eddm(err ORDER BY i)) AS defaults_match FROM stream;
SELECT (mlmon.adwin(v, 0.002, 32, 5, 5, 10 ORDER BY i)) = (mlmon.adwin(v ORDER BY i)) AS defaults_match FROM stream;
SELECT (mlmon.kswin(v, 0.005, 100, 30, 42 ORDER BY i)) = (mlmon.kswin(v ORDER BY i)) AS defaults_match FROM stream;

-- errors: no order, bad parameters
SELECT mlmon.ddm(err) FROM stream;
SELECT mlmon.kswin(v) OVER (PARTITION BY i % 2) FROM stream LIMIT 1;
SELECT mlmon.page_hinkley(v, 30, 0.005, 50, 0.9999, 'sideways' ORDER BY i) FROM stream;
SELECT mlmon.page_hinkley(v, 0, 0.005, 50, 0.9999, 'both' ORDER BY i) FROM stream;
SELECT mlmon.page_hinkley(v, 30, 0.005, -1, 0.9999, 'both' ORDER BY i) FROM stream;
SELECT mlmon.page_hinkley(v, 30, 0.005, 50, 1.5, 'both' ORDER BY i) FROM stream;
SELECT mlmon.ddm(err, 30, 3, 2 ORDER BY i) FROM stream;
SELECT mlmon.ddm(err, NULL, 2, 3 ORDER BY i) FROM stream;
SELECT mlmon.eddm(err, 30, 0.9, 0.95 ORDER BY i) FROM stream;
SELECT mlmon.adwin(v, 0, 32, 5, 5, 10 ORDER BY i) FROM stream;
SELECT mlmon.adwin(v, 0.002, 0, 5, 5, 10 ORDER BY i) FROM stream;
SELECT mlmon.adwin(v, 0.002, 32, 5000, 5, 10 ORDER BY i) FROM stream;
SELECT mlmon.kswin(v, 0.005, 50, 30, 1 ORDER BY i) FROM stream;
SELECT mlmon.kswin(v, 'NaN', 100, 30, 1 ORDER BY i) FROM stream;
