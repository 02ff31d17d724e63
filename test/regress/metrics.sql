-- Performance metrics: results checked by hand, edge cases and bad input.
-- (The comparison with scikit-learn on random data is test/oracle/test_metrics.py.)
SET extra_float_digits = 0;
-- 5 rows, 3 right: accuracy 0.6; x: precision 2/3, recall 2/3; y: 1/2, 1/2
SELECT (m).n, (m).accuracy, round((m).f1_macro::numeric, 12) AS f1_macro, (m).confusion_matrix
  FROM (SELECT mlmon.classification_metrics(a, p) AS m
          FROM (VALUES ('x','x'), ('y','x'), ('y','y'), ('x','y'), ('x','x')) v(a, p)) s;
-- a label only predicted: its precision is 0 (zero_division = 0), its support 0
SELECT (m).classes -> 'c' AS c
  FROM (SELECT mlmon.classification_metrics(a, p) AS m
          FROM (VALUES ('a','a'), ('b','c')) v(a, p)) s;
-- scores: positives 0.6, 0.9 against negatives 0.1, 0.2, 0.7: AUC 5/6
SELECT round((m).roc_auc::numeric, 12) AS roc_auc, (m).n_scored
  FROM (SELECT mlmon.classification_metrics(a, p, s) AS m
          FROM (VALUES ('x','x',0.2), ('y','x',0.6), ('y','y',0.9), ('x','y',0.7), ('x','x',0.1)) v(a, p, s)) q;
-- one actual class: ROC AUC, log loss and Brier are NULL without a positive label
SELECT (m).roc_auc, (m).log_loss, (m).brier, (m).n_scored
  FROM (SELECT mlmon.classification_metrics(a, p, s) AS m
          FROM (VALUES ('x','x',0.2), ('x','y',0.6)) v(a, p, s)) q;
-- ... and Brier is defined with one: (0.2^2 + 0.6^2) / 2 = 0.2
SELECT (m).roc_auc, round((m).brier::numeric, 12) AS brier
  FROM (SELECT mlmon.classification_metrics(a, p, s, 'y') AS m
          FROM (VALUES ('x','x',0.2), ('x','y',0.6)) v(a, p, s)) q;
-- NULL labels are skipped; no rows give NULL
SELECT (mlmon.classification_metrics(a, p)).n
  FROM (VALUES ('x', NULL), (NULL, 'x'), ('x', 'x')) v(a, p);
SELECT mlmon.classification_metrics(a, p) IS NULL AS empty
  FROM (VALUES ('x', 'y')) v(a, p) WHERE false;
-- bad input
SELECT mlmon.classification_metrics(a, p, s) FROM (VALUES ('x', 'x', 1.5)) v(a, p, s);
SELECT mlmon.classification_metrics(a, p, s) FROM (VALUES ('x', 'x', 'NaN'::float8)) v(a, p, s);
SELECT mlmon.classification_metrics(a, p, s, NULL) FROM (VALUES ('x', 'x', 0.5)) v(a, p, s);
-- regression: errors 1, -1, 2: MAE 4/3, MSE 2, R^2 1 - 6/14 = 4/7;
-- NaN, infinite and NULL rows skipped
SELECT (m).n, round((m).mae::numeric, 12) AS mae, (m).mse, round((m).r2::numeric, 12) AS r2
  FROM (SELECT mlmon.regression_metrics(y, yhat) AS m
          FROM (VALUES (1.0::float8, 0.0::float8), (2.0, 3.0), (6.0, 4.0), ('NaN', 1.0), (1.0, 'Infinity'),
                       (NULL, 1.0)) v(y, yhat)) s;
-- one row: R^2 is undefined (NULL)
SELECT (mlmon.regression_metrics(y, yhat)).r2 FROM (VALUES (1.0::float8, 2.0::float8)) v(y, yhat);
-- internal support functions called directly: a clear error, not an internal one
SELECT mlmon._profile_accum(NULL::mlmon.profile, 1.0::float8);
SELECT mlmon._profile_combine(NULL::mlmon.profile, NULL::mlmon.profile);
