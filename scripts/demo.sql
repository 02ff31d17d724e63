-- scripts/demo.sql: the drift statistics on a reference sample and a
-- shifted one.  Run by scripts/demo on a throwaway cluster.
\set ON_ERROR_STOP 1
\pset footer off
SET client_min_messages = warning;
CREATE EXTENSION mlmon;

-- A model's logged inputs: 5,000 reference rows (last month) and 5,000
-- current rows (today).  In the current window 'income' has shifted,
-- 'age' has widened, 'tenure' is unchanged and 'channel' moved towards 'web'.
SELECT setseed(0.7) \g /dev/null
CREATE TABLE predictions_log AS
WITH rows AS (
  SELECT g, g > 5000 AS is_current,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z1,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z2,
         sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z3,
         random() AS u
    FROM generate_series(1, 10000) g)
SELECT g AS request_id, is_current,
       50000 + 12000 * z1 + CASE WHEN is_current THEN 6000 ELSE 0 END AS income,
       40 + (CASE WHEN is_current THEN 14 ELSE 10 END) * z2 AS age,
       24 + 6 * z3 AS tenure,
       CASE WHEN u < (CASE WHEN is_current THEN 0.55 ELSE 0.35 END) THEN 'web'
            WHEN u < 0.85 THEN 'store' ELSE 'phone' END AS channel
  FROM rows;

\echo
\echo 'Numeric features: reference (is_current = false) against current'
SELECT feature,
       round((ks).statistic::numeric, 4) AS ks_d,
       to_char((ks).pvalue, '9.99EEEE') AS ks_p,
       round(psi::numeric, 4) AS psi,
       round(wd::numeric, 4) AS wasserstein_normed,
       round(js::numeric, 4) AS jensen_shannon,
       CASE WHEN (ks).pvalue < 0.05 THEN 'DRIFT' ELSE 'ok' END AS ks_verdict,
       CASE WHEN psi >= 0.25 THEN 'major shift' WHEN psi >= 0.1 THEN 'moderate shift' ELSE 'stable' END AS psi_verdict
  FROM (
    SELECT 'income' AS feature, mlmon.ks_2samp(income, is_current) AS ks, mlmon.psi(income, is_current) AS psi,
           mlmon.wasserstein_normed(income, is_current) AS wd, mlmon.jensen_shannon(income, is_current) AS js
      FROM predictions_log
    UNION ALL
    SELECT 'age', mlmon.ks_2samp(age, is_current), mlmon.psi(age, is_current),
           mlmon.wasserstein_normed(age, is_current), mlmon.jensen_shannon(age, is_current)
      FROM predictions_log
    UNION ALL
    SELECT 'tenure', mlmon.ks_2samp(tenure, is_current), mlmon.psi(tenure, is_current),
           mlmon.wasserstein_normed(tenure, is_current), mlmon.jensen_shannon(tenure, is_current)
      FROM predictions_log) s
 ORDER BY feature;

\echo 'Categorical feature: channel'
SELECT round((chi2).statistic::numeric, 2) AS chi2, (chi2).dof, to_char((chi2).pvalue, '9.99EEEE') AS chi2_p,
       round(psi::numeric, 4) AS psi, round(js::numeric, 4) AS jensen_shannon,
       CASE WHEN (chi2).pvalue < 0.05 THEN 'DRIFT' ELSE 'ok' END AS verdict
  FROM (SELECT mlmon.chi2_drift(channel, is_current) AS chi2, mlmon.psi(channel, is_current) AS psi,
               mlmon.jensen_shannon(channel, is_current) AS js
          FROM predictions_log) s;

\echo 'The same statistics as a window function: KS p-value of income over the last 1,000 rows'
SELECT request_id, (ks).n_reference, (ks).n_current, to_char((ks).pvalue, '9.99EEEE') AS ks_p_last_1000_rows
  FROM (SELECT request_id,
               mlmon.ks_2samp(income, is_current) OVER (ORDER BY request_id ROWS BETWEEN 999 PRECEDING AND CURRENT ROW) AS ks
          FROM (SELECT * FROM predictions_log WHERE NOT is_current AND request_id > 4000
                UNION ALL SELECT * FROM predictions_log WHERE is_current) w) s
 WHERE request_id % 200 = 0 AND request_id BETWEEN 5000 AND 5800
 ORDER BY request_id;
