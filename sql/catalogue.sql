--------------------------------------------------------------------------
-- The drift-test catalogue: Evidently's remaining drift tests (part of the
-- install script, after sql/metrics.sql).  Each family of tests has its
-- own part: catalogue_location.sql, catalogue_rank.sql,
-- catalogue_distance.sql, catalogue_categorical.sql.
--------------------------------------------------------------------------

CREATE TYPE @extschema@.test_result AS (
    statistic   float8,
    pvalue      float8,
    n_reference bigint,   -- values used from the reference sample
    n_current   bigint,   -- values used from the current sample
    method      text,     -- how the p-value was computed (e.g. 'exact', 'asymp')
    log_pvalue  float8    -- natural log of pvalue, finite where pvalue underflows to 0
);
COMMENT ON TYPE @extschema@.test_result IS
    'Result of the drift tests with a p-value added in 0.3.0 (t_test, mann_whitney, cramer_von_mises, anderson_darling, g_test, fisher_exact, tvd): statistic, p-value, sample sizes, method and the natural log of the p-value';
