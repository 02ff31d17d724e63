-- SQL injection attempts through every name mlmon puts into dynamic SQL:
-- model names, feature names (jsonb keys and column names), relation and
-- column names of a source.  None executes: the tables the payloads would
-- drop are still there, and the checks read the data as data.
SET client_min_messages = warning;
BEGIN;
SELECT plan(12);

CREATE TABLE canary (x int);
-- a model name, and jsonb feature keys, that are SQL
SELECT mlmon.register_model($m$x'); DROP TABLE canary; --$m$, '1', 'classification');
INSERT INTO mlmon.predictions (model, ts, request_id, features, predicted_label)
SELECT $m$x'); DROP TABLE canary; --$m$, now() - '3 hours'::interval + g * '1 second'::interval, 'r' || g,
       jsonb_build_object($k$a'); DROP TABLE canary; --$k$, g % 13, $k$"b"; DROP TABLE canary; --$k$, 'c' || (g % 3),
                          'e$$; DROP TABLE canary; $$', g % 7),
       (g % 2)::text
  FROM generate_series(1, 600) g;
SELECT lives_ok($$SELECT mlmon.set_reference($m$x'); DROP TABLE canary; --$m$, now() - '4 hours'::interval,
                                             now() - '150 minutes'::interval)$$, 'set_reference with a hostile model name and keys');
SELECT lives_ok($$SELECT mlmon.run_checks($m$x'); DROP TABLE canary; --$m$, now() - '150 minutes'::interval, now())$$,
                'run_checks with a hostile model name and keys');
SELECT is((SELECT count(DISTINCT feature) FROM mlmon.check_results
            WHERE model = $m$x'); DROP TABLE canary; --$m$ AND "check" = 'data_drift' AND feature IS NOT NULL), 3::bigint,
          'the three hostile keys are checked as features');
SELECT lives_ok($$SELECT * FROM mlmon.anomalous_rows($m$x'); DROP TABLE canary; --$m$, now() - '1 day'::interval, now())$$,
                'anomalous_rows');
SELECT lives_ok($$SELECT mlmon.report($m$x'); DROP TABLE canary; --$m$)$$, 'report');

-- a source whose relation, time, feature and label columns are SQL
CREATE TABLE "t""; DROP TABLE canary; --" ("at""; DROP TABLE canary; --" timestamptz, "f'); DROP TABLE canary; --" float8,
                                          "y$$; DROP TABLE canary; $$" text, "lbl""" text, "id'" text);
INSERT INTO "t""; DROP TABLE canary; --"
SELECT now() - '3 hours'::interval + g * '10 seconds'::interval, g % 11, (g % 2)::text, ((g / 3) % 2)::text, 'i' || g
  FROM generate_series(1, 900) g;
SELECT mlmon.register_model($m$s'; DROP TABLE canary; --$m$, '1', 'classification');
SELECT lives_ok($t$SELECT mlmon.register_source($m$s'; DROP TABLE canary; --$m$, '"t""; DROP TABLE canary; --"',
                    'at"; DROP TABLE canary; --', feature_columns => ARRAY[$c$f'); DROP TABLE canary; --$c$],
                    prediction_column => 'y$$; DROP TABLE canary; $$', label_column => 'lbl"', id_column => $c$id'$c$)$t$,
                'register_source with hostile relation and column names');
SELECT lives_ok($$SELECT mlmon.set_reference($m$s'; DROP TABLE canary; --$m$, now() - '4 hours'::interval,
                                             now() - '90 minutes'::interval)$$, 'set_reference on the hostile source');
SELECT lives_ok($$SELECT mlmon.run_checks($m$s'; DROP TABLE canary; --$m$, now() - '90 minutes'::interval, now())$$,
                'run_checks on the hostile source');
SELECT isnt((SELECT value FROM mlmon.check_results WHERE model = $m$s'; DROP TABLE canary; --$m$
               AND "check" = 'performance' AND metric = 'accuracy'), NULL, 'the label column was read');
SELECT lives_ok($$SELECT * FROM mlmon.anomalous_rows($m$s'; DROP TABLE canary; --$m$, now() - '1 day'::interval, now(), 1)$$,
                'anomalous_rows on the hostile source');

SELECT has_table('canary', 'no payload ran: the canary table is still there');
SELECT is((SELECT count(*) FROM mlmon.models), 2::bigint, 'and the models are the two registered');

SELECT * FROM finish();
ROLLBACK;
