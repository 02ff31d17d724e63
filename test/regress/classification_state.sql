-- mlmon.classification_state: classification_metrics' partial state as a
-- real type (what Citus ships between its workers and the coordinator as
-- text).  Partial states made on parts of a table, sent through their text
-- form and combined, give the metrics of the whole table in every form;
-- bad text forms are refused with a reason and errcode 22P02.
SET extra_float_digits = 0;
SELECT setseed(0.5);
CREATE TEMP TABLE cls AS
SELECT g, (ARRAY['cat', 'dog', 'bird'])[1 + floor(random() * 3)::int] AS actual,
       (ARRAY['cat', 'dog', 'bird'])[1 + floor(random() * 3)::int] AS predicted,
       (ARRAY['no', 'yes'])[1 + floor(random() * 2)::int] AS y,
       (ARRAY['no', 'yes'])[1 + floor(random() * 2)::int] AS yhat,
       CASE WHEN random() < 0.05 THEN NULL ELSE round(random()::numeric, 3)::float8 END AS score
  FROM generate_series(1, 20000) g;
UPDATE cls SET actual = NULL WHERE g % 101 = 0;
UPDATE cls SET score = 0 WHERE g % 97 = 0;
UPDATE cls SET score = '-0' WHERE g % 89 = 0;

-- aggregates that stop at the state (no final function), and a coordinator
-- that combines states and finishes, as Citus does
CREATE AGGREGATE pg_temp.state_of(text, text) (SFUNC = mlmon._classification_accum, STYPE = mlmon.classification_state);
CREATE AGGREGATE pg_temp.state_of(text, text, float8) (SFUNC = mlmon._classification_accum,
    STYPE = mlmon.classification_state);
CREATE AGGREGATE pg_temp.state_of(text, text, float8, text) (SFUNC = mlmon._classification_accum,
    STYPE = mlmon.classification_state);
CREATE AGGREGATE pg_temp.metrics_of(mlmon.classification_state) (SFUNC = mlmon._classification_combine,
    STYPE = mlmon.classification_state, FINALFUNC = mlmon._classification_final);

-- the text form round-trips and is canonical (the same rows in any order give the same text)
SELECT s::text::mlmon.classification_state::text = s::text AS round_trip,
       (SELECT pg_temp.state_of(actual, predicted ORDER BY g DESC) FROM cls)::text = s::text AS canonical,
       mlmon.classification_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text
  FROM (SELECT pg_temp.state_of(actual, predicted) AS s FROM cls) x;
SELECT s::text::mlmon.classification_state::text = s::text AS round_trip,
       (SELECT pg_temp.state_of(y, yhat, score ORDER BY g DESC) FROM cls)::text = s::text AS canonical,
       mlmon.classification_state_send(s) = decode(s::text, 'base64') AS binary_is_the_decoded_text
  FROM (SELECT pg_temp.state_of(y, yhat, score) AS s FROM cls) x;
SELECT s::text::mlmon.classification_state::text = s::text AS round_trip,
       (SELECT pg_temp.state_of(actual, predicted, score, 'dog' ORDER BY g DESC) FROM cls)::text = s::text AS canonical,
       (SELECT pg_temp.state_of(actual, predicted, score, 'dog' ORDER BY score, g) FROM cls)::text = s::text AS canonical_by_score
  FROM (SELECT pg_temp.state_of(actual, predicted, score, 'dog') AS s FROM cls) x;
-- more than two scored labels: the scores are dropped whatever the order (n_scored counts them all)
SELECT (SELECT pg_temp.state_of(actual, predicted, score ORDER BY g DESC) FROM cls)::text = s::text AS canonical,
       length(s::text) < 1000 AS scores_dropped
  FROM (SELECT pg_temp.state_of(actual, predicted, score) AS s FROM cls) x;

-- partial states of 7 parts, through text, combined: the whole table's metrics, in every form
WITH parts AS (SELECT g % 7 AS part, pg_temp.state_of(actual, predicted)::text AS s FROM cls GROUP BY 1)
SELECT (SELECT pg_temp.metrics_of(s::mlmon.classification_state ORDER BY part DESC) FROM parts)::text
           = (SELECT mlmon.classification_metrics(actual, predicted) FROM cls)::text AS labels_equal;
WITH parts AS (SELECT g % 7 AS part, pg_temp.state_of(y, yhat, score)::text AS s FROM cls GROUP BY 1),
     combined AS (SELECT pg_temp.metrics_of(s::mlmon.classification_state ORDER BY part DESC) AS m FROM parts),
     whole AS (SELECT mlmon.classification_metrics(y, yhat, score) AS m FROM cls)
SELECT (c.m).confusion_matrix = (w.m).confusion_matrix AS matrix_equal, (c.m).roc_auc = (w.m).roc_auc AS auc_equal,
       (c.m).n_scored = (w.m).n_scored AS n_scored_equal, (w.m).n_scored = (SELECT count(score) FROM cls) AS n_scored_is_count,
       abs((c.m).log_loss - (w.m).log_loss) < 1e-15 AS log_loss_equal, abs((c.m).brier - (w.m).brier) < 1e-15 AS brier_equal
  FROM combined c, whole w;
WITH parts AS (SELECT g % 5 AS part, pg_temp.state_of(actual, predicted, score, 'dog')::text AS s FROM cls GROUP BY 1),
     combined AS (SELECT pg_temp.metrics_of(s::mlmon.classification_state) AS m FROM parts),
     whole AS (SELECT mlmon.classification_metrics(actual, predicted, score, 'dog') AS m FROM cls)
SELECT (c.m).classes = (w.m).classes AS classes_equal, (c.m).roc_auc = (w.m).roc_auc AS auc_equal,
       (c.m).n_scored = (w.m).n_scored AS n_scored_equal,
       abs((c.m).log_loss - (w.m).log_loss) < 1e-15 AS log_loss_equal, abs((c.m).brier - (w.m).brier) < 1e-15 AS brier_equal
  FROM combined c, whole w;
-- three scored labels in different parts: the combined score metrics are NULL, n_scored counts every scored row
WITH parts AS (SELECT actual, pg_temp.state_of(actual, predicted, score)::text AS s FROM cls GROUP BY 1)
SELECT (m).roc_auc, (m).log_loss, (m).n_scored = (SELECT count(*) FROM cls WHERE actual IS NOT NULL AND score IS NOT NULL)
           AS n_scored_all
  FROM (SELECT pg_temp.metrics_of(s::mlmon.classification_state) AS m FROM parts) x;
-- NULL states are skipped; no rows, or only rows with a NULL label, give NULL
SELECT pg_temp.metrics_of(s) IS NULL AS no_rows
  FROM (VALUES (NULL::mlmon.classification_state)) v(s);
SELECT (pg_temp.metrics_of(s)).n
  FROM (VALUES (NULL::mlmon.classification_state), ((SELECT pg_temp.state_of(y, yhat) FROM cls WHERE g < 10))) v(s);
SELECT pg_temp.metrics_of(s) IS NULL AS only_null_labels
  FROM (SELECT pg_temp.state_of(NULL::text, predicted, score) AS s FROM cls) x;
-- states of two forms or two positive labels are not combined
SELECT pg_temp.metrics_of(s) FROM (SELECT pg_temp.state_of(y, yhat) FROM cls
                                    UNION ALL SELECT pg_temp.state_of(y, yhat, score) FROM cls) x(s);
SELECT pg_temp.metrics_of(s) FROM (SELECT pg_temp.state_of(y, yhat, score, 'yes') FROM cls
                                    UNION ALL SELECT pg_temp.state_of(y, yhat, score, 'no') FROM cls) x(s);

-- bad text forms: the errcode and the reason
CREATE FUNCTION pg_temp.try(hex text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
    msg text;
    detail text;
BEGIN
    PERFORM encode(decode(hex, 'hex'), 'base64')::mlmon.classification_state;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN st || ': ' || msg || ': ' || detail;
END $$;
SELECT 'not base64!'::mlmon.classification_state;
SELECT ''::mlmon.classification_state;
-- header: version, form, flags, score labels; pairs, rows, scored rows; positive label length
SELECT t, pg_temp.try(hex) FROM (VALUES
  ('valid: one pair (a, b) once', '01000000' || '0000000000000001' || '0000000000000001' || '0000000000000000' || '00000000'
     || '0000000161' || '0000000162' || '0000000000000001'),
  ('valid: form 2, positive label a, one negative score 0.5', '01020000' || '0000000000000001' || '0000000000000001'
     || '0000000000000001' || '00000001' || '61' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000000000001' || '3fe0000000000000' || '0000000000000000'),
  ('valid: form 1, label b with score 1', '01010001' || '0000000000000001' || '0000000000000001' || '0000000000000001'
     || '00000000' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000162' || '0000000000000001' || '3ff0000000000000'),
  ('short', '0100'),
  ('version 2', '02000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '00000000'),
  ('form 3', '01030000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '00000000'),
  ('flags in form 0', '01000100' || '0000000000000000' || '0000000000000000' || '0000000000000003' || '00000000'),
  ('rows not the sum', '01000000' || '0000000000000001' || '0000000000000002' || '0000000000000000' || '00000000'
     || '0000000161' || '0000000162' || '0000000000000001'),
  ('zero count', '01000000' || '0000000000000001' || '0000000000000000' || '0000000000000000' || '00000000'
     || '0000000161' || '0000000162' || '0000000000000000'),
  ('NUL in a label', '01000000' || '0000000000000001' || '0000000000000001' || '0000000000000000' || '00000000'
     || '0000000100' || '0000000162' || '0000000000000001'),
  ('pairs out of order', '01000000' || '0000000000000002' || '0000000000000002' || '0000000000000000' || '00000000'
     || '0000000162' || '0000000161' || '0000000000000001' || '0000000161' || '0000000162' || '0000000000000001'),
  ('pair cut short', '01000000' || '0000000000000001' || '0000000000000001' || '0000000000000000' || '00000000'
     || '7fffffff61'),
  ('too many pairs', '01000000' || '00000000ffffffff' || '0000000000000001' || '0000000000000000' || '00000000'
     || '0000000161' || '0000000162' || '0000000000000001'),
  ('score 1.5', '01010001' || '0000000000000001' || '0000000000000001' || '0000000000000001'
     || '00000000' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000162' || '0000000000000001' || '3ff8000000000000'),
  ('score of a label with no row', '01010001' || '0000000000000001' || '0000000000000001' || '0000000000000001'
     || '00000000' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000161' || '0000000000000001' || '3fe0000000000000'),
  ('scored rows off', '01020000' || '0000000000000001' || '0000000000000001'
     || '0000000000000002' || '00000001' || '61' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000000000001' || '3fe0000000000000' || '0000000000000000'),
  ('trailing byte', '01000000' || '0000000000000000' || '0000000000000000' || '0000000000000000' || '00000000' || '00')
) v(t, hex);
-- the valid form-2 state above: its metrics (no positive row: ROC AUC NULL, log loss of 0.5 on a negative)
SELECT (m).n, (m).n_scored, (m).roc_auc, round((m).log_loss::numeric, 12) AS log_loss, (m).brier
  FROM (SELECT pg_temp.metrics_of(encode(decode('01020000' || '0000000000000001' || '0000000000000001'
     || '0000000000000001' || '00000001' || '61' || '0000000162' || '0000000161' || '0000000000000001'
     || '0000000000000001' || '3fe0000000000000' || '0000000000000000', 'hex'), 'base64')::mlmon.classification_state) AS m) x;
-- the support functions outside their aggregate
SELECT mlmon._classification_accum(NULL::mlmon.classification_state, 'a', 'b');
SELECT mlmon._classification_combine(NULL::mlmon.classification_state, NULL::mlmon.classification_state);
