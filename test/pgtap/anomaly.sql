-- The checks' anomaly decision (in the summary's transition: two cut-offs
-- per feature) is the same as anomaly_score's p_value < alpha, on exact and
-- sketched profiles, ties, categories (exact and sketched), rows with
-- features missing and several alphas; and the anomaly rate of run_checks is
-- the share of such rows.
SET client_min_messages = warning;
BEGIN;
SELECT plan(10);

SELECT setseed(0.42);
SELECT mlmon.register_model('an', '1', 'classification');
-- reference: e exact with ties (200 values), s sketched (50,000 distinct values),
-- c categorical exact (5 categories), w categorical sketched (40,000 categories)
INSERT INTO mlmon.predictions (model, ts, features, predicted_label)
SELECT 'an', '2026-02-01 00:00+00'::timestamptz + make_interval(secs => i),
       jsonb_build_object('e', (i % 200) / 7.0, 's', random() * 1000,
                          'c', (ARRAY['a', 'b', 'b', 'c', 'c', 'c', 'd', 'e', 'e', 'e'])[1 + i % 10],
                          'w', CASE WHEN i % 3 = 0 THEN 'common' ELSE 'w' || i END), 'x'
  FROM generate_series(1, 60000) i;
SELECT mlmon.set_reference('an', '2026-02-01 00:00+00', '2026-02-02 00:00+00');
SELECT is((SELECT array_agg((mlmon.summary(profile)).mode ORDER BY feature) FROM mlmon.reference_profiles
            WHERE model = 'an' AND role = 'feature'), ARRAY['exact', 'exact', 'sketch', 'sketch'],
          'profiles: c and e exact, s and w sketched');

-- current rows: values inside, at, between and beyond the reference's, categories seen and not,
-- features missing at random
CREATE TEMP TABLE cur AS
SELECT i, jsonb_strip_nulls(jsonb_build_object(
           'e', CASE WHEN i % 500 = 0 THEN to_jsonb('bad'::text)
                     WHEN random() < 0.45 THEN to_jsonb(round((random() * 32 - 2)::numeric, 2))
                     -- exactly the reference's values (and a few beyond): the cut-offs' boundaries
                     WHEN random() < 0.8 THEN to_jsonb((floor(random() * 230)::int - 15) / 7.0) END,
           's', CASE WHEN random() < 0.9 THEN (random() * 1010 - 5) END,
           'c', CASE WHEN random() < 0.9 THEN (ARRAY['a', 'b', 'c', 'd', 'e', 'z'])[1 + (random() * 5.99)::int] END,
           'w', CASE WHEN random() < 0.9 THEN CASE WHEN random() < 0.5 THEN 'common' ELSE 'w' || (random() * 80000)::int END END
       )) AS f
  FROM generate_series(1, 20000) i;
-- the plan of the model's checks, at four alphas
CREATE TEMP TABLE plans AS
SELECT a.alpha, jsonb_populate_record(p.summary, jsonb_build_object('anomaly_alpha', a.alpha)) AS p
  FROM (SELECT (mlmon._check_plan('an')).summary) p, (VALUES (0.01::float8), (0.05), (0.3), (1)) a(alpha);

SELECT is((SELECT count(*) FROM plans,
                  LATERAL (SELECT (mlmon._summary_totals(mlmon._summarize_rows(plans.p, f, NULL, NULL, NULL, NULL))).anomalous
                             FROM cur) s(n),
                  LATERAL (SELECT count(*) FILTER (WHERE (mlmon.anomaly_score('an', f)).p_value < plans.alpha) FROM cur) a(n)
            WHERE s.n IS DISTINCT FROM a.n), 0::bigint,
          'the summaries count as many anomalous rows as anomaly_score finds on 20,000 rows at 4 alphas');
SELECT is((SELECT count(*) FROM (SELECT i, f FROM cur WHERE i % 20 = 0) c, plans,
                  LATERAL (SELECT t.anomalous, t.anomaly_judged
                             FROM (SELECT mlmon._summarize_rows(plans.p, r.f, NULL, NULL, NULL, NULL) AS s
                                     FROM (SELECT c.f) r) x,
                                  mlmon._summary_totals(x.s) t) s(n, judged)
            WHERE CASE WHEN s.judged > 0 THEN s.n = 1 END
                  IS DISTINCT FROM ((mlmon.anomaly_score('an', c.f)).p_value < plans.alpha)), 0::bigint,
          'row by row, the summaries'' decision is anomaly_score''s (1,000 rows at 4 alphas)');
SELECT cmp_ok((SELECT count(*) FROM cur WHERE (mlmon.anomaly_score('an', f)).p_value < 0.01), '>', 1000::bigint,
              'many rows are anomalous at 0.01 (the comparison is not vacuous)');
SELECT cmp_ok((SELECT count(*) FROM cur WHERE (mlmon.anomaly_score('an', f)).p_value BETWEEN 0.01 AND 0.3), '>', 1000::bigint,
              'many rows lie between the alphas');
SELECT cmp_ok((SELECT count(DISTINCT (mlmon.anomaly_score('an', f)).reason) FROM cur), '=', 4::bigint,
              'every reason occurs: tail, out_of_range, unseen_category, invalid_value');

-- the check's anomaly rate is the share of anomalous rows among rows with a feature
INSERT INTO mlmon.predictions (model, ts, features, predicted_label)
SELECT 'an', '2026-02-03 00:00+00'::timestamptz + make_interval(secs => i), f, 'x' FROM cur;
INSERT INTO mlmon.predictions (model, ts, features, predicted_label)
VALUES ('an', '2026-02-03 12:00+00', '{"e": "text"}', 'x'), ('an', '2026-02-03 12:00:01+00', '{}', 'x');
SELECT lives_ok($$SELECT mlmon.run_checks('an', '2026-02-03 00:00+00', '2026-02-04 00:00+00')$$, 'run_checks');
SELECT is((SELECT value FROM mlmon.check_results WHERE model = 'an' AND "check" = 'anomalies'),
          (SELECT avg(((mlmon.anomaly_score('an', features)).p_value < 0.01)::int)::float8 FROM mlmon.predictions
            WHERE model = 'an' AND ts >= '2026-02-03 00:00+00' AND (mlmon.anomaly_score('an', features)).features_checked > 0),
          'anomaly_rate = share of rows with p_value < 0.01');

-- a model without a reference checks nothing (on a Citus worker, where the
-- reference is not, it is an error: test/citus/test_anomaly.py), and anomalous_rows has no rows
SELECT mlmon.register_model('an_noref', '1', 'classification');
SELECT is((SELECT (a).features_checked::text || ' ' || coalesce((a).p_value::text, 'null')
             FROM (SELECT mlmon.anomaly_score('an_noref', '{"x": 1}') AS a) s), '0 null',
          'anomaly_score of a model without a reference: 0 features checked, no p-value');
SELECT is((SELECT count(*) FROM mlmon.anomalous_rows('an_noref', now() - interval '1 day', now())), 0::bigint,
          'anomalous_rows of a model without a reference: no rows');

SELECT * FROM finish();
ROLLBACK;
