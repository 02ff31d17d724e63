-- Multivariate drift (part of the install script, after sql/calibration.sql):
-- NannyML's data reconstruction drift.  mlmon.pca_fit fits the model on
-- reference rows (mean imputation of missing values, StandardScaler, PCA
-- keeping the components that explain a share of the variance, 0.65 by
-- default) and returns it as jsonb; mlmon.reconstruction_error gives one
-- row's error against it and the aggregate mlmon.reconstruction_drift a
-- window's mean error.  Both aggregates' states are float8[] (real types:
-- parallel query and Citus combine them): the fit's holds the co-moments
-- (src/pca_state.c), the window's counts, the errors' compensated sum and
-- the model's 64-bit hash, so that states of different models are never
-- merged (src/pca_model.c).  The transition functions are not STRICT: NULL
-- rows are counted.  IMMUTABLE throughout: results depend on the arguments
-- only.

CREATE TYPE @extschema@.reconstruction_result AS (
    mean_error    float8,   -- mean reconstruction error of the rows scored; NULL when none was
    n_rows        bigint,   -- rows scored (their error is in the mean)
    rows_imputed  bigint,   -- of those, rows with a NULL, NaN or +-Infinity element, imputed with the model's mean
    rows_invalid  bigint    -- rows skipped: a NULL array, or one that is not of the model's length
);
COMMENT ON TYPE @extschema@.reconstruction_result IS
    'Result of mlmon.reconstruction_drift: a window''s mean reconstruction error (NannyML''s data reconstruction drift) and its row counts';

CREATE FUNCTION @extschema@._pca_fit_accum(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_accum(float8[], float8[], float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_pca_fit_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._pca_fit_final(float8[])
    RETURNS jsonb AS 'MODULE_PATHNAME', 'mlm_pca_fit_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._pca_fit_accum(float8[], float8[]) IS
    'Transition function of mlmon.pca_fit (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_accum(float8[], float8[], float8) IS
    'Transition function of mlmon.pca_fit with a variance share (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_combine(float8[], float8[]) IS
    'Combine function of mlmon.pca_fit: merges the co-moments of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._pca_fit_final(float8[]) IS
    'Final function of mlmon.pca_fit: the fitted model as jsonb (internal)';

CREATE AGGREGATE @extschema@.pca_fit(features float8[]) (
    SFUNC = @extschema@._pca_fit_accum, STYPE = float8[],
    FINALFUNC = @extschema@._pca_fit_final,
    COMBINEFUNC = @extschema@._pca_fit_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.pca_fit(features float8[], variance float8) (
    SFUNC = @extschema@._pca_fit_accum, STYPE = float8[],
    FINALFUNC = @extschema@._pca_fit_final,
    COMBINEFUNC = @extschema@._pca_fit_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.pca_fit(float8[]) IS
    'Fits NannyML''s data reconstruction drift model on reference rows: missing values imputed with the mean, StandardScaler, PCA keeping the components that explain 65% of the variance; returns it as jsonb';
COMMENT ON AGGREGATE @extschema@.pca_fit(float8[], float8) IS
    'Fits NannyML''s data reconstruction drift model keeping the components that explain the given share (0 < variance <= 1) of the variance; returns it as jsonb';

CREATE FUNCTION @extschema@.reconstruction_error(model jsonb, features float8[])
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_reconstruction_error'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.reconstruction_error(jsonb, float8[]) IS
    'NannyML''s reconstruction error of one row against a model of mlmon.pca_fit: the Euclidean distance between the standardized row (missing values imputed with the mean) and its PCA reconstruction';

CREATE FUNCTION @extschema@._reconstruction_accum(float8[], float8[], jsonb)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_reconstruction_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._reconstruction_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_reconstruction_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._reconstruction_final(float8[])
    RETURNS @extschema@.reconstruction_result AS 'MODULE_PATHNAME', 'mlm_reconstruction_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._reconstruction_accum(float8[], float8[], jsonb) IS
    'Transition function of mlmon.reconstruction_drift (internal)';
COMMENT ON FUNCTION @extschema@._reconstruction_combine(float8[], float8[]) IS
    'Combine function of mlmon.reconstruction_drift: adds two partial states of the same model (internal)';
COMMENT ON FUNCTION @extschema@._reconstruction_final(float8[]) IS
    'Final function of mlmon.reconstruction_drift (internal)';

CREATE AGGREGATE @extschema@.reconstruction_drift(features float8[], model jsonb) (
    SFUNC = @extschema@._reconstruction_accum, STYPE = float8[],
    FINALFUNC = @extschema@._reconstruction_final,
    COMBINEFUNC = @extschema@._reconstruction_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.reconstruction_drift(float8[], jsonb) IS
    'A window''s mean reconstruction error against a model of mlmon.pca_fit (NannyML''s data reconstruction drift), with the rows scored, imputed and skipped as invalid';
