-- sql/mlmon.sql: the install script of the current version (built into
-- sql/mlmon--<version>.sql by make).  Edit this file, never a shipped
-- upgrade script.

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION mlmon" to load this file. \quit

-- The schema must not belong to a role that could plant objects in it.
DO $$
BEGIN
  IF NOT (SELECT r.rolname = current_user OR r.rolsuper
            FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner
           WHERE n.nspname = 'mlmon') THEN
    RAISE EXCEPTION 'schema "mlmon" is owned by another role'
      USING ERRCODE = 'insufficient_privilege',
            HINT = 'Drop the schema, or have a superuser own it, before CREATE EXTENSION mlmon.';
  END IF;
END
$$;

COMMENT ON SCHEMA @extschema@ IS 'mlmon: machine-learning model monitoring';
-- The statistics are plain computations: every role may call them, as it
-- may call the built-in aggregates.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

--------------------------------------------------------------------------
-- Result types
--------------------------------------------------------------------------

CREATE TYPE @extschema@.ks_result AS (
    statistic          float8,   -- D (two-sided), D+ (greater) or D- (less)
    pvalue             float8,
    n_reference        bigint,   -- finite values used from the reference sample
    n_current          bigint,   -- finite values used from the current sample
    method             text,     -- 'exact' or 'asymp': the p-value computed
    statistic_location float8,   -- value at which the ECDF gap is attained
    statistic_sign     int,      -- +1: reference ECDF above current there, -1 below
    statistic_error    float8,   -- bound on |statistic - exact statistic|: 0 unless a sketched profile is involved
    log_pvalue         float8    -- ln(pvalue), finite where pvalue underflows to 0; NULL with pvalue
);
COMMENT ON TYPE @extschema@.ks_result IS
    'Result of mlmon.ks_2samp, the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp)';

CREATE TYPE @extschema@.chi2_result AS (
    statistic   float8,
    pvalue      float8,
    dof         int,
    n_reference bigint,
    n_current   bigint,
    method      text,            -- 'goodness_of_fit' or 'contingency'
    log_pvalue  float8           -- ln(pvalue), finite where pvalue underflows to 0; NULL with pvalue
);
COMMENT ON TYPE @extschema@.chi2_result IS
    'Result of mlmon.chi2_drift, the chi-square test of a categorical feature';

CREATE TYPE @extschema@.z_result AS (
    statistic   float8,          -- pooled z of p(reference) - p(current)
    pvalue      float8,          -- two-sided
    n_reference bigint,
    n_current   bigint,
    category    text,            -- the category whose proportion is compared
    log_pvalue  float8           -- ln(pvalue), finite where pvalue underflows to 0; NULL with pvalue
);
COMMENT ON TYPE @extschema@.z_result IS
    'Result of mlmon.z_test, the two-proportion z-test of a binary feature';

--------------------------------------------------------------------------
-- Numeric two-sample state: every finite value of both samples, a real
-- type (mlmon.sample_state) so that Citus computes the statistics partially
-- on its workers.
-- The transition functions are not STRICT: NULL values are skipped.
-- IMMUTABLE throughout: results depend on the arguments only.
--------------------------------------------------------------------------

CREATE TYPE @extschema@.sample_state;
CREATE FUNCTION @extschema@.sample_state_in(cstring) RETURNS @extschema@.sample_state
    AS 'MODULE_PATHNAME', 'mlm_sample_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_out(@extschema@.sample_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_sample_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_recv(internal) RETURNS @extschema@.sample_state
    AS 'MODULE_PATHNAME', 'mlm_sample_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.sample_state_send(@extschema@.sample_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_sample_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.sample_state (
    INPUT = @extschema@.sample_state_in, OUTPUT = @extschema@.sample_state_out,
    RECEIVE = @extschema@.sample_state_recv, SEND = @extschema@.sample_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.sample_state IS
    'Partial state of the numeric two-sample statistics and of mlmon.isotonic_calibration: every finite value of the reference and current samples (8 bytes each), the options, and the reference profile of the (value, profile) forms; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.sample_state_in(cstring) IS 'Input function of mlmon.sample_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.sample_state_out(@extschema@.sample_state) IS 'Output function of mlmon.sample_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.sample_state_recv(internal) IS 'Binary input function of mlmon.sample_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.sample_state_send(@extschema@.sample_state) IS 'Binary output function of mlmon.sample_state';

CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, int)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum_bins'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_accum_binning'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_ks_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_ks_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_combine(@extschema@.sample_state, @extschema@.sample_state)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_sample_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean) IS
    'Transition function of the two-sample numeric statistics (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, int) IS
    'Transition function of the two-sample numeric statistics with a number of bins (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of the two-sample numeric statistics with a binning (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.ks_2samp with an alternative (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(@extschema@.sample_state, float8, boolean, text, text) IS
    'Transition function of mlmon.ks_2samp with alternative and method (internal)';
COMMENT ON FUNCTION @extschema@._sample_combine(@extschema@.sample_state, @extschema@.sample_state) IS
    'Combine function of the two-sample numeric statistics (internal)';

CREATE FUNCTION @extschema@._ks_final(@extschema@.sample_state)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_normed_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_normed_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._ks_final(@extschema@.sample_state) IS 'Final function of mlmon.ks_2samp (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_final(@extschema@.sample_state) IS 'Final function of mlmon.wasserstein (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_normed_final(@extschema@.sample_state) IS 'Final function of mlmon.wasserstein_normed (internal)';
COMMENT ON FUNCTION @extschema@._psi_numeric_final(@extschema@.sample_state) IS 'Final function of mlmon.psi on float8 (internal)';
COMMENT ON FUNCTION @extschema@._js_numeric_final(@extschema@.sample_state) IS 'Final function of mlmon.jensen_shannon on float8 (internal)';

-- Kolmogorov-Smirnov
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text) (
    SFUNC = @extschema@._ks_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text, method text) (
    SFUNC = @extschema@._ks_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, boolean) IS
    'Two-sample Kolmogorov-Smirnov test of the reference (is_current false) against the current sample, two-sided, SciPy''s method choice';
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, boolean, text) IS
    'Two-sample Kolmogorov-Smirnov test with an alternative: two-sided, less or greater (method auto)';
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, boolean, text, text) IS
    'Two-sample Kolmogorov-Smirnov test; alternative two-sided|less|greater, method auto|exact|asymp as scipy.stats.ks_2samp, or none (statistic only)';

-- Wasserstein
CREATE AGGREGATE @extschema@.wasserstein(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein(float8, boolean) IS
    'First Wasserstein distance between the reference and current samples (scipy.stats.wasserstein_distance)';

CREATE AGGREGATE @extschema@.wasserstein_normed(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein_normed(float8, boolean) IS
    'Wasserstein distance divided by max(population std of the reference, 0.001), Evidently''s normed form (drift when >= 0.1)';

-- PSI and Jensen-Shannon on numbers
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean) IS
    'Population Stability Index over 10 reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean, int) IS
    'Population Stability Index over the given number of reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean, text) IS
    'Population Stability Index with binning ''quantile'' (10 reference-quantile bins) or ''evidently'' (Evidently''s bins)';

CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean) IS
    'Jensen-Shannon distance (natural log, scipy.spatial.distance.jensenshannon) over 10 reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean, int) IS
    'Jensen-Shannon distance over the given number of reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean, text) IS
    'Jensen-Shannon distance with binning ''quantile'' (10 reference-quantile bins) or ''evidently'' (Evidently''s bins)';

--------------------------------------------------------------------------
-- Categorical state: counts per category of both samples, a real type
-- (mlmon.category_state) so that Citus computes the categorical statistics
-- partially on its workers; the sliding-window forms keep an internal state.
--------------------------------------------------------------------------

CREATE TYPE @extschema@.category_state;
CREATE FUNCTION @extschema@.category_state_in(cstring) RETURNS @extschema@.category_state
    AS 'MODULE_PATHNAME', 'mlm_category_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_out(@extschema@.category_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_category_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_recv(internal) RETURNS @extschema@.category_state
    AS 'MODULE_PATHNAME', 'mlm_category_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.category_state_send(@extschema@.category_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_category_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.category_state (
    INPUT = @extschema@.category_state_in, OUTPUT = @extschema@.category_state_out,
    RECEIVE = @extschema@.category_state_recv, SEND = @extschema@.category_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.category_state IS
    'Partial state of the categorical drift statistics: the categories counted in the reference and current samples (and the reference profile of the (category, profile) forms); text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.category_state_in(cstring) IS 'Input function of mlmon.category_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.category_state_out(@extschema@.category_state) IS 'Output function of mlmon.category_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.category_state_recv(internal) IS 'Binary input function of mlmon.category_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.category_state_send(@extschema@.category_state) IS 'Binary output function of mlmon.category_state';

CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_combine(@extschema@.category_state, @extschema@.category_state)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_category_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._chi2_final(@extschema@.category_state)
    RETURNS @extschema@.chi2_result AS 'MODULE_PATHNAME', 'mlm_chi2_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._z_test_final(@extschema@.category_state)
    RETURNS @extschema@.z_result AS 'MODULE_PATHNAME', 'mlm_z_test_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- the sliding-window forms of the (category, profile) aggregates (MFINALFUNC)
CREATE FUNCTION @extschema@._chi2_final(internal)
    RETURNS @extschema@.chi2_result AS 'MODULE_PATHNAME', 'mlm_chi2_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_categorical_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_categorical_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_categorical_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_categorical_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._z_test_final(internal)
    RETURNS @extschema@.z_result AS 'MODULE_PATHNAME', 'mlm_z_test_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean) IS
    'Transition function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, text, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean) IS
    'Transition function of the categorical statistics on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, boolean, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean) IS
    'Transition function of the categorical statistics on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(@extschema@.category_state, bigint, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_combine(@extschema@.category_state, @extschema@.category_state) IS
    'Combine function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._chi2_final(@extschema@.category_state) IS 'Final function of mlmon.chi2_drift (internal)';
COMMENT ON FUNCTION @extschema@._psi_categorical_final(@extschema@.category_state) IS 'Final function of mlmon.psi on text (internal)';
COMMENT ON FUNCTION @extschema@._js_categorical_final(@extschema@.category_state) IS 'Final function of mlmon.jensen_shannon on text (internal)';
COMMENT ON FUNCTION @extschema@._z_test_final(@extschema@.category_state) IS 'Final function of mlmon.z_test (internal)';
COMMENT ON FUNCTION @extschema@._chi2_final(internal) IS 'Final function of the sliding-window form of mlmon.chi2_drift against a profile (internal)';
COMMENT ON FUNCTION @extschema@._psi_categorical_final(internal) IS 'Final function of the sliding-window form of mlmon.psi on text against a profile (internal)';
COMMENT ON FUNCTION @extschema@._js_categorical_final(internal) IS 'Final function of the sliding-window form of mlmon.jensen_shannon on text against a profile (internal)';
COMMENT ON FUNCTION @extschema@._z_test_final(internal) IS 'Final function of the sliding-window form of mlmon.z_test against a profile (internal)';

CREATE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, boolean) IS
    'Chi-square drift test of a categorical feature, Evidently''s goodness-of-fit form (expected counts from reference proportions)';
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, boolean, text) IS
    'Chi-square drift test; method goodness_of_fit (Evidently) or contingency (scipy.stats.chi2_contingency, Yates for dof 1)';
CREATE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(boolean, boolean) IS
    'Chi-square drift test of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(boolean, boolean, text) IS
    'Chi-square drift test of a boolean feature with method goodness_of_fit or contingency';
CREATE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(bigint, boolean) IS
    'Chi-square drift test of an integer-coded categorical feature';
CREATE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(bigint, boolean, text) IS
    'Chi-square drift test of an integer-coded categorical feature with method goodness_of_fit or contingency';

CREATE AGGREGATE @extschema@.psi(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(text, boolean) IS
    'Population Stability Index of a categorical feature, one bin per category, Evidently''s treatment of empty bins';

CREATE AGGREGATE @extschema@.jensen_shannon(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(text, boolean) IS
    'Jensen-Shannon distance (natural log) between the category frequencies of the reference and current samples';

CREATE AGGREGATE @extschema@.z_test(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(text, boolean) IS
    'Two-proportion z-test of a binary categorical feature (Evidently''s pooled test, p-value from erfc)';
CREATE AGGREGATE @extschema@.z_test(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(boolean, boolean) IS
    'Two-proportion z-test of a boolean feature (the proportion of f, first in byte order)';
CREATE AGGREGATE @extschema@.z_test(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(bigint, boolean) IS
    'Two-proportion z-test of a binary integer-coded feature (e.g. 0/1)';

--------------------------------------------------------------------------
-- Reference profiles
--------------------------------------------------------------------------

CREATE TYPE @extschema@.profile;
CREATE FUNCTION @extschema@.profile_in(cstring) RETURNS @extschema@.profile
    AS 'MODULE_PATHNAME', 'mlm_profile_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_out(@extschema@.profile) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_profile_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_recv(internal) RETURNS @extschema@.profile
    AS 'MODULE_PATHNAME', 'mlm_profile_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_send(@extschema@.profile) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_profile_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.profile (
    INPUT = @extschema@.profile_in,
    OUTPUT = @extschema@.profile_out,
    RECEIVE = @extschema@.profile_recv,
    SEND = @extschema@.profile_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.profile IS
    'Summary of one feature''s distribution (numeric or categorical): exact distinct values with counts up to a cap, then a mergeable sketch with an error bound; text form is JSON';
COMMENT ON FUNCTION @extschema@.profile_in(cstring) IS 'Input function of mlmon.profile (JSON)';
COMMENT ON FUNCTION @extschema@.profile_out(@extschema@.profile) IS 'Output function of mlmon.profile (JSON)';
COMMENT ON FUNCTION @extschema@.profile_recv(internal) IS 'Binary input function of mlmon.profile';
COMMENT ON FUNCTION @extschema@.profile_send(@extschema@.profile) IS 'Binary output function of mlmon.profile';

CREATE TYPE @extschema@.profile_summary AS (
    kind        text,     -- 'numeric' or 'categorical'
    mode        text,     -- 'exact' or 'sketch'
    count       bigint,   -- values summarised (finite numbers, non-NULL categories)
    nulls       bigint,
    nan         bigint,
    posinf      bigint,
    neginf      bigint,
    min         float8,
    max         float8,
    mean        float8,
    variance    float8,   -- population variance
    stddev      float8,
    entries     bigint,   -- distinct values, sketch items or categories stored
    error_bound float8,   -- largest CDF or frequency error, as a fraction of count
    cap         int,      -- exact cap the profile was built with
    size_bytes  bigint
);
COMMENT ON TYPE @extschema@.profile_summary IS 'Result of mlmon.summary: the counts and moments of a profile';

-- building
CREATE FUNCTION @extschema@._profile_accum(@extschema@.profile, float8)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_accum_number'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_accum(@extschema@.profile, float8, int)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_accum_number'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_accum(@extschema@.profile, text)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_accum(@extschema@.profile, text, int)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_combine(@extschema@.profile, @extschema@.profile)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._profile_final(@extschema@.profile)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_accum(@extschema@.profile, float8) IS 'Transition function of mlmon.profile(float8) (internal)';
COMMENT ON FUNCTION @extschema@._profile_accum(@extschema@.profile, float8, int) IS 'Transition function of mlmon.profile(float8, int) (internal)';
COMMENT ON FUNCTION @extschema@._profile_accum(@extschema@.profile, text) IS 'Transition function of mlmon.profile(text) (internal)';
COMMENT ON FUNCTION @extschema@._profile_accum(@extschema@.profile, text, int) IS 'Transition function of mlmon.profile(text, int) (internal)';
COMMENT ON FUNCTION @extschema@._profile_combine(@extschema@.profile, @extschema@.profile) IS 'Combine function of the profile aggregates (internal)';
COMMENT ON FUNCTION @extschema@._profile_final(@extschema@.profile) IS 'Final function of the profile aggregates (internal)';

CREATE AGGREGATE @extschema@.profile(value float8) (
    SFUNC = @extschema@._profile_accum, STYPE = @extschema@.profile,
    FINALFUNC = @extschema@._profile_final, COMBINEFUNC = @extschema@._profile_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.profile(value float8, cap int) (
    SFUNC = @extschema@._profile_accum, STYPE = @extschema@.profile,
    FINALFUNC = @extschema@._profile_final, COMBINEFUNC = @extschema@._profile_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.profile(category text) (
    SFUNC = @extschema@._profile_accum, STYPE = @extschema@.profile,
    FINALFUNC = @extschema@._profile_final, COMBINEFUNC = @extschema@._profile_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.profile(category text, cap int) (
    SFUNC = @extschema@._profile_accum, STYPE = @extschema@.profile,
    FINALFUNC = @extschema@._profile_final, COMBINEFUNC = @extschema@._profile_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.merge(@extschema@.profile) (
    SFUNC = @extschema@._profile_combine, STYPE = @extschema@.profile,
    FINALFUNC = @extschema@._profile_final, COMBINEFUNC = @extschema@._profile_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.profile(float8) IS
    'Profile of a numeric feature: exact up to mlmon.profile_exact_cap distinct values, then a quantile sketch';
COMMENT ON AGGREGATE @extschema@.profile(float8, int) IS
    'Profile of a numeric feature, exact up to the given number of distinct values';
COMMENT ON AGGREGATE @extschema@.profile(text) IS
    'Profile of a categorical feature: exact up to mlmon.profile_exact_cap categories, then a frequent-items summary with an "other" bucket';
COMMENT ON AGGREGATE @extschema@.profile(text, int) IS
    'Profile of a categorical feature, exact up to the given number of categories';
COMMENT ON AGGREGATE @extschema@.merge(@extschema@.profile) IS
    'Merge profiles of the same kind into the profile of all their rows';

CREATE FUNCTION @extschema@.merge(a @extschema@.profile, b @extschema@.profile)
    RETURNS @extschema@.profile AS 'MODULE_PATHNAME', 'mlm_profile_merge2'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merge(@extschema@.profile, @extschema@.profile) IS
    'The profile of the rows of both profiles (a NULL profile stands for no rows)';

-- reading
CREATE FUNCTION @extschema@.count(p @extschema@.profile) RETURNS bigint
    AS 'MODULE_PATHNAME', 'mlm_profile_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.is_exact(p @extschema@.profile) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlm_profile_is_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.error_bound(p @extschema@.profile) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_profile_error_bound' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.quantile(p @extschema@.profile, q float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_profile_quantile' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.cdf(p @extschema@.profile, x float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_profile_cdf' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.histogram(p @extschema@.profile, bins int DEFAULT 10,
        OUT bin_start float8, OUT bin_end float8, OUT count bigint, OUT frequency float8)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'mlm_profile_histogram'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION @extschema@.top_values(p @extschema@.profile, n int DEFAULT 10,
        OUT value text, OUT count bigint, OUT frequency float8)
    RETURNS SETOF record AS 'MODULE_PATHNAME', 'mlm_profile_top_values'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
CREATE FUNCTION @extschema@.summary(p @extschema@.profile) RETURNS @extschema@.profile_summary
    AS 'MODULE_PATHNAME', 'mlm_profile_summary' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.count(@extschema@.profile) IS 'Number of values a profile summarises (finite numbers or non-NULL categories)';
COMMENT ON FUNCTION @extschema@.is_exact(@extschema@.profile) IS 'Whether the profile holds its distribution exactly';
COMMENT ON FUNCTION @extschema@.error_bound(@extschema@.profile) IS 'Largest error of the profile''s CDF or category frequencies, as a fraction of its count (0 when exact)';
COMMENT ON FUNCTION @extschema@.quantile(@extschema@.profile, float8) IS 'Quantile of a numeric profile (numpy.quantile''s linear method)';
COMMENT ON FUNCTION @extschema@.cdf(@extschema@.profile, float8) IS 'Fraction of a numeric profile''s values at or below x';
COMMENT ON FUNCTION @extschema@.histogram(@extschema@.profile, int) IS 'Equal-width histogram of a numeric profile between its min and max';
COMMENT ON FUNCTION @extschema@.top_values(@extschema@.profile, int) IS 'The most frequent categories (or numbers) of a profile with counts and frequencies';
COMMENT ON FUNCTION @extschema@.summary(@extschema@.profile) IS 'Kind, mode, counts, moments, error bound and size of a profile';

-- drift between two profiles
CREATE FUNCTION @extschema@.ks_2samp(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ks_2samp(reference @extschema@.profile, current @extschema@.profile, alternative text)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.ks_2samp(reference @extschema@.profile, current @extschema@.profile, alternative text, method text)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.wasserstein(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.wasserstein_normed(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_normed_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.psi(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.psi(reference @extschema@.profile, current @extschema@.profile, bins int)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.psi(reference @extschema@.profile, current @extschema@.profile, binning text)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.jensen_shannon(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.jensen_shannon(reference @extschema@.profile, current @extschema@.profile, bins int)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.jensen_shannon(reference @extschema@.profile, current @extschema@.profile, binning text)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.chi2_drift(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.chi2_result AS 'MODULE_PATHNAME', 'mlm_chi2_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.chi2_drift(reference @extschema@.profile, current @extschema@.profile, method text)
    RETURNS @extschema@.chi2_result AS 'MODULE_PATHNAME', 'mlm_chi2_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.z_test(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.z_result AS 'MODULE_PATHNAME', 'mlm_z_test_profiles' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ks_2samp(@extschema@.profile, @extschema@.profile) IS 'Two-sample KS test between two numeric profiles (with sketches: the statistic within statistic_error, no p-value)';
COMMENT ON FUNCTION @extschema@.ks_2samp(@extschema@.profile, @extschema@.profile, text) IS 'Two-sample KS test between two numeric profiles with an alternative';
COMMENT ON FUNCTION @extschema@.ks_2samp(@extschema@.profile, @extschema@.profile, text, text) IS 'Two-sample KS test between two numeric profiles with alternative and method';
COMMENT ON FUNCTION @extschema@.wasserstein(@extschema@.profile, @extschema@.profile) IS 'Wasserstein distance between two numeric profiles';
COMMENT ON FUNCTION @extschema@.wasserstein_normed(@extschema@.profile, @extschema@.profile) IS 'Wasserstein distance between two numeric profiles divided by max(reference std, 0.001)';
COMMENT ON FUNCTION @extschema@.psi(@extschema@.profile, @extschema@.profile) IS 'PSI between two profiles (numeric: 10 reference-quantile bins; categorical: one bin per category)';
COMMENT ON FUNCTION @extschema@.psi(@extschema@.profile, @extschema@.profile, int) IS 'PSI between two numeric profiles over the given number of reference-quantile bins';
COMMENT ON FUNCTION @extschema@.psi(@extschema@.profile, @extschema@.profile, text) IS 'PSI between two numeric profiles with binning quantile or evidently';
COMMENT ON FUNCTION @extschema@.jensen_shannon(@extschema@.profile, @extschema@.profile) IS 'Jensen-Shannon distance between two profiles';
COMMENT ON FUNCTION @extschema@.jensen_shannon(@extschema@.profile, @extschema@.profile, int) IS 'Jensen-Shannon distance between two numeric profiles over reference-quantile bins';
COMMENT ON FUNCTION @extschema@.jensen_shannon(@extschema@.profile, @extschema@.profile, text) IS 'Jensen-Shannon distance between two numeric profiles with binning quantile or evidently';
COMMENT ON FUNCTION @extschema@.chi2_drift(@extschema@.profile, @extschema@.profile) IS 'Chi-square drift test between two categorical profiles (goodness of fit)';
COMMENT ON FUNCTION @extschema@.chi2_drift(@extschema@.profile, @extschema@.profile, text) IS 'Chi-square drift test between two categorical profiles with method goodness_of_fit or contingency';
COMMENT ON FUNCTION @extschema@.z_test(@extschema@.profile, @extschema@.profile) IS 'Two-proportion z-test between two binary categorical profiles';

-- live values against a stored reference profile
CREATE FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile) IS
    'Transition function of the (value, reference profile) numeric aggregates (internal)';
CREATE FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of the (value, reference profile, binning) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_profile_category_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile) IS
    'Transition function of the (category, reference profile) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile, text)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_profile_category_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(@extschema@.category_state, text, @extschema@.profile, text) IS
    'Transition function of mlmon.chi2_drift(category, reference profile, method) (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile) IS
    'Transition function of the sliding-window forms of the (category, reference profile) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile, text) IS
    'Transition function of the sliding-window form of mlmon.chi2_drift(category, reference profile, method) (internal)';
CREATE AGGREGATE @extschema@.wasserstein(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein(float8, @extschema@.profile) IS
    'Wasserstein distance of the values from a reference profile';
CREATE AGGREGATE @extschema@.wasserstein_normed(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein_normed(float8, @extschema@.profile) IS
    'Normed Wasserstein distance of the values from a reference profile';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile, text) IS
    'PSI of the values against a reference profile with binning quantile or evidently';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile, text) IS
    'Jensen-Shannon distance of the values from a reference profile with binning quantile or evidently';
CREATE FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_maccum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile) IS
    'Moving-aggregate transition of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile) IS
    'Inverse transition of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_maccum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile, text) IS
    'Moving-aggregate transition of mlmon.ks_2samp(value, reference profile) with an alternative (internal)';
CREATE FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile, text) IS
    'Inverse transition of mlmon.ks_2samp(value, reference profile) with an alternative (internal)';
CREATE FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile, text, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_maccum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_maccum(internal, float8, @extschema@.profile, text, text) IS
    'Moving-aggregate transition of mlmon.ks_2samp(value, reference profile) with alternative and method (internal)';
CREATE FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile, text, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_inv(internal, float8, @extschema@.profile, text, text) IS
    'Inverse transition of mlmon.ks_2samp(value, reference profile) with alternative and method (internal)';
CREATE FUNCTION @extschema@._bins_accum(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_accum(internal, float8, @extschema@.profile) IS
    'Transition function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_inv(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_inv(internal, float8, @extschema@.profile) IS
    'Inverse transition of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_accum(internal, float8, @extschema@.profile, int)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_accum(internal, float8, @extschema@.profile, int) IS
    'Transition function of psi and jensen_shannon (value, reference profile) with bins (internal)';
CREATE FUNCTION @extschema@._bins_inv(internal, float8, @extschema@.profile, int)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_inv(internal, float8, @extschema@.profile, int) IS
    'Inverse transition of psi and jensen_shannon (value, reference profile) with bins (internal)';
CREATE FUNCTION @extschema@._profile_category_inv(internal, text, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_inv(internal, text, @extschema@.profile) IS
    'Inverse transition of the (category, reference profile) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_inv(internal, text, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_inv'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_inv(internal, text, @extschema@.profile, text) IS
    'Inverse transition of the (category, reference profile) aggregates with a method (internal)';
CREATE FUNCTION @extschema@._ksgrid_final(internal) RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ksgrid_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_final(internal) IS 'Final function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_psi_final(internal) RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_bins_psi_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_psi_final(internal) IS 'Final function of psi(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_js_final(internal) RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_bins_js_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_js_final(internal) IS 'Final function of jensen_shannon(value, reference profile) (internal)';
--------------------------------------------------------------------------
-- The (value, reference profile) statistics that count on the profile's
-- grid or bins: their state (mlmon.profile_counts_state) is the profile and
-- the counts, a real type so that Citus computes them partially on its
-- workers; the sliding-window forms keep an internal state.
--------------------------------------------------------------------------

CREATE TYPE @extschema@.profile_counts_state;
CREATE FUNCTION @extschema@.profile_counts_state_in(cstring) RETURNS @extschema@.profile_counts_state
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_out(@extschema@.profile_counts_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_recv(internal) RETURNS @extschema@.profile_counts_state
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.profile_counts_state_send(@extschema@.profile_counts_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_profile_counts_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.profile_counts_state (
    INPUT = @extschema@.profile_counts_state_in, OUTPUT = @extschema@.profile_counts_state_out,
    RECEIVE = @extschema@.profile_counts_state_recv, SEND = @extschema@.profile_counts_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.profile_counts_state IS
    'Partial state of ks_2samp, psi and jensen_shannon (value, reference profile): the reference profile and the current values counted on its grid cells or quantile bins; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.profile_counts_state_in(cstring) IS 'Input function of mlmon.profile_counts_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_out(@extschema@.profile_counts_state) IS 'Output function of mlmon.profile_counts_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_recv(internal) IS 'Binary input function of mlmon.profile_counts_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.profile_counts_state_send(@extschema@.profile_counts_state) IS 'Binary output function of mlmon.profile_counts_state';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile) IS
    'Transition function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile, alternative) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text, text)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, text, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile, alternative, method) (internal)';
CREATE FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile) IS
    'Transition function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, int)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_bins_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_bins_accum(@extschema@.profile_counts_state, float8, @extschema@.profile, int) IS
    'Transition function of psi and jensen_shannon (value, reference profile, bins) (internal)';
CREATE FUNCTION @extschema@._profile_counts_combine(@extschema@.profile_counts_state, @extschema@.profile_counts_state)
    RETURNS @extschema@.profile_counts_state AS 'MODULE_PATHNAME', 'mlm_pcounts_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_combine(@extschema@.profile_counts_state, @extschema@.profile_counts_state) IS
    'Combine function of ks_2samp, psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_ks_final(@extschema@.profile_counts_state) RETURNS @extschema@.ks_result
    AS 'MODULE_PATHNAME', 'mlm_pcounts_ks_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_ks_final(@extschema@.profile_counts_state) IS 'Final function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_psi_final(@extschema@.profile_counts_state) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_pcounts_psi_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_psi_final(@extschema@.profile_counts_state) IS 'Final function of psi(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._profile_counts_js_final(@extschema@.profile_counts_state) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_pcounts_js_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_counts_js_final(@extschema@.profile_counts_state) IS 'Final function of jensen_shannon(value, reference profile) (internal)';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile) IS
    'KS test of the values against a reference profile: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile, text) IS
    'KS test of the values against a reference profile with an alternative: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text, method text) (
    SFUNC = @extschema@._profile_counts_ks_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_ks_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile, text, text) IS
    'KS test of the values against a reference profile with alternative and method: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_psi_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile) IS
    'PSI of the values against a reference profile over 10 reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_psi_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile, int) IS
    'PSI of the values against a reference profile over reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_js_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile) IS
    'Jensen-Shannon distance of the values against a reference profile over 10 reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._profile_counts_bins_accum, STYPE = @extschema@.profile_counts_state, SSPACE = 4096,
    FINALFUNC = @extschema@._profile_counts_js_final,
    COMBINEFUNC = @extschema@._profile_counts_combine,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile, int) IS
    'Jensen-Shannon distance of the values against a reference profile over reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, @extschema@.profile) IS
    'Chi-square drift test of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, @extschema@.profile, text) IS
    'Chi-square drift test with a method of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._psi_categorical_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(text, @extschema@.profile) IS
    'PSI of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._js_categorical_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(text, @extschema@.profile) IS
    'Jensen-Shannon distance of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.z_test(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._z_test_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(text, @extschema@.profile) IS
    'Two-proportion z-test of the categories against a reference profile; exact inverse for sliding windows';
