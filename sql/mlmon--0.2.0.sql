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
    statistic_error    float8    -- bound on |statistic - exact statistic|: 0 unless a sketched profile is involved
);
COMMENT ON TYPE @extschema@.ks_result IS
    'Result of mlmon.ks_2samp, the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp)';

CREATE TYPE @extschema@.chi2_result AS (
    statistic   float8,
    pvalue      float8,
    dof         int,
    n_reference bigint,
    n_current   bigint,
    method      text             -- 'goodness_of_fit' or 'contingency'
);
COMMENT ON TYPE @extschema@.chi2_result IS
    'Result of mlmon.chi2_drift, the chi-square test of a categorical feature';

CREATE TYPE @extschema@.z_result AS (
    statistic   float8,          -- pooled z of p(reference) - p(current)
    pvalue      float8,          -- two-sided
    n_reference bigint,
    n_current   bigint,
    category    text             -- the category whose proportion is compared
);
COMMENT ON TYPE @extschema@.z_result IS
    'Result of mlmon.z_test, the two-proportion z-test of a binary feature';

--------------------------------------------------------------------------
-- Numeric two-sample state: every finite value of both samples.
-- The transition functions are not STRICT: NULL values are skipped.
-- IMMUTABLE throughout: results depend on the arguments only.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@._sample_accum(internal, float8, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_sample_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(internal, float8, boolean, int)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_sample_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_accum(internal, float8, boolean, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_sample_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(internal, float8, boolean, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ks_accum(internal, float8, boolean, text, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ks_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_sample_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_serialize(internal)
    RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_sample_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._sample_deserialize(bytea, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_sample_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._sample_accum(internal, float8, boolean) IS
    'Transition function of the two-sample numeric statistics (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(internal, float8, boolean, int) IS
    'Transition function of the two-sample numeric statistics with a number of bins (internal)';
COMMENT ON FUNCTION @extschema@._sample_accum(internal, float8, boolean, text) IS
    'Transition function of the two-sample numeric statistics with a binning (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(internal, float8, boolean, text) IS
    'Transition function of mlmon.ks_2samp with an alternative (internal)';
COMMENT ON FUNCTION @extschema@._ks_accum(internal, float8, boolean, text, text) IS
    'Transition function of mlmon.ks_2samp with alternative and method (internal)';
COMMENT ON FUNCTION @extschema@._sample_combine(internal, internal) IS
    'Combine function of the two-sample numeric statistics (internal)';
COMMENT ON FUNCTION @extschema@._sample_serialize(internal) IS
    'Serialize function of the two-sample numeric statistics (internal)';
COMMENT ON FUNCTION @extschema@._sample_deserialize(bytea, internal) IS
    'Deserialize function of the two-sample numeric statistics (internal)';

CREATE FUNCTION @extschema@._ks_final(internal)
    RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ks_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._wasserstein_normed_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_wasserstein_normed_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._psi_numeric_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_psi_numeric_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._js_numeric_final(internal)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_js_numeric_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._ks_final(internal) IS 'Final function of mlmon.ks_2samp (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_final(internal) IS 'Final function of mlmon.wasserstein (internal)';
COMMENT ON FUNCTION @extschema@._wasserstein_normed_final(internal) IS 'Final function of mlmon.wasserstein_normed (internal)';
COMMENT ON FUNCTION @extschema@._psi_numeric_final(internal) IS 'Final function of mlmon.psi on float8 (internal)';
COMMENT ON FUNCTION @extschema@._js_numeric_final(internal) IS 'Final function of mlmon.jensen_shannon on float8 (internal)';

-- Kolmogorov-Smirnov
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text) (
    SFUNC = @extschema@._ks_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ks_2samp(value float8, is_current boolean, alternative text, method text) (
    SFUNC = @extschema@._ks_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._ks_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
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
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein(float8, boolean) IS
    'First Wasserstein distance between the reference and current samples (scipy.stats.wasserstein_distance)';

CREATE AGGREGATE @extschema@.wasserstein_normed(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein_normed(float8, boolean) IS
    'Wasserstein distance divided by max(population std of the reference, 0.001), Evidently''s normed form (drift when >= 0.1)';

-- PSI and Jensen-Shannon on numbers
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.psi(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean) IS
    'Population Stability Index over 10 reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean, int) IS
    'Population Stability Index over the given number of reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.psi(float8, boolean, text) IS
    'Population Stability Index with binning ''quantile'' (10 reference-quantile bins) or ''evidently'' (Evidently''s bins)';

CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, bins int) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, is_current boolean, binning text) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean) IS
    'Jensen-Shannon distance (natural log, scipy.spatial.distance.jensenshannon) over 10 reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean, int) IS
    'Jensen-Shannon distance over the given number of reference-quantile bins';
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, boolean, text) IS
    'Jensen-Shannon distance with binning ''quantile'' (10 reference-quantile bins) or ''evidently'' (Evidently''s bins)';

--------------------------------------------------------------------------
-- Categorical state: counts per category of both samples.
--------------------------------------------------------------------------

CREATE FUNCTION @extschema@._category_accum(internal, text, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(internal, text, boolean, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(internal, boolean, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(internal, boolean, boolean, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(internal, bigint, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_accum(internal, bigint, boolean, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_serialize(internal)
    RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_category_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._category_deserialize(bytea, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_category_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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

COMMENT ON FUNCTION @extschema@._category_accum(internal, text, boolean) IS
    'Transition function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(internal, text, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(internal, boolean, boolean) IS
    'Transition function of the categorical statistics on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(internal, boolean, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on booleans (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(internal, bigint, boolean) IS
    'Transition function of the categorical statistics on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_accum(internal, bigint, boolean, text) IS
    'Transition function of mlmon.chi2_drift with a method on integers (internal)';
COMMENT ON FUNCTION @extschema@._category_combine(internal, internal) IS
    'Combine function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._category_serialize(internal) IS
    'Serialize function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._category_deserialize(bytea, internal) IS
    'Deserialize function of the categorical statistics (internal)';
COMMENT ON FUNCTION @extschema@._chi2_final(internal) IS 'Final function of mlmon.chi2_drift (internal)';
COMMENT ON FUNCTION @extschema@._psi_categorical_final(internal) IS 'Final function of mlmon.psi on text (internal)';
COMMENT ON FUNCTION @extschema@._js_categorical_final(internal) IS 'Final function of mlmon.jensen_shannon on text (internal)';
COMMENT ON FUNCTION @extschema@._z_test_final(internal) IS 'Final function of mlmon.z_test (internal)';

CREATE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.chi2_drift(category text, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, boolean) IS
    'Chi-square drift test of a categorical feature, Evidently''s goodness-of-fit form (expected counts from reference proportions)';
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, boolean, text) IS
    'Chi-square drift test; method goodness_of_fit (Evidently) or contingency (scipy.stats.chi2_contingency, Yates for dof 1)';
CREATE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(boolean, boolean) IS
    'Chi-square drift test of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.chi2_drift(category boolean, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(boolean, boolean, text) IS
    'Chi-square drift test of a boolean feature with method goodness_of_fit or contingency';
CREATE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(bigint, boolean) IS
    'Chi-square drift test of an integer-coded categorical feature';
CREATE AGGREGATE @extschema@.chi2_drift(category bigint, is_current boolean, method text) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(bigint, boolean, text) IS
    'Chi-square drift test of an integer-coded categorical feature with method goodness_of_fit or contingency';

CREATE AGGREGATE @extschema@.psi(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(text, boolean) IS
    'Population Stability Index of a categorical feature, one bin per category, Evidently''s treatment of empty bins';

CREATE AGGREGATE @extschema@.jensen_shannon(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(text, boolean) IS
    'Jensen-Shannon distance (natural log) between the category frequencies of the reference and current samples';

CREATE AGGREGATE @extschema@.z_test(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(text, boolean) IS
    'Two-proportion z-test of a binary categorical feature (Evidently''s pooled test, p-value from erfc)';
CREATE AGGREGATE @extschema@.z_test(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(boolean, boolean) IS
    'Two-proportion z-test of a boolean feature (the proportion of f, first in byte order)';
CREATE AGGREGATE @extschema@.z_test(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
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
CREATE FUNCTION @extschema@._profile_sample_accum(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_sample_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(internal, float8, @extschema@.profile) IS
    'Transition function of the (value, reference profile) numeric aggregates (internal)';
CREATE FUNCTION @extschema@._profile_sample_accum(internal, float8, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_sample_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_sample_accum(internal, float8, @extschema@.profile, text) IS
    'Transition function of the (value, reference profile, binning) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile) IS
    'Transition function of the (category, reference profile) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_profile_category_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_category_accum(internal, text, @extschema@.profile, text) IS
    'Transition function of mlmon.chi2_drift(category, reference profile, method) (internal)';
CREATE AGGREGATE @extschema@.wasserstein(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein(float8, @extschema@.profile) IS
    'Wasserstein distance of the values from a reference profile';
CREATE AGGREGATE @extschema@.wasserstein_normed(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._wasserstein_normed_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.wasserstein_normed(float8, @extschema@.profile) IS
    'Normed Wasserstein distance of the values from a reference profile';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._psi_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile, text) IS
    'PSI of the values against a reference profile with binning quantile or evidently';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, binning text) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._js_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize,
    DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile, text) IS
    'Jensen-Shannon distance of the values from a reference profile with binning quantile or evidently';
CREATE FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile) IS
    'Transition function of mlmon.ks_2samp(value, reference profile) (internal)';
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
CREATE FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile) with an alternative (internal)';
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
CREATE FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_accum(internal, float8, @extschema@.profile, text, text) IS
    'Transition function of mlmon.ks_2samp(value, reference profile) with alternative and method (internal)';
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
CREATE FUNCTION @extschema@._ksgrid_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_combine(internal, internal) IS
    'Combine function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._ksgrid_serialize(internal) RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_ksgrid_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_serialize(internal) IS 'Serialize function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._ksgrid_deserialize(bytea, internal) RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ksgrid_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_deserialize(bytea, internal) IS 'Deserialize function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._ksgrid_final(internal) RETURNS @extschema@.ks_result AS 'MODULE_PATHNAME', 'mlm_ksgrid_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._ksgrid_final(internal) IS 'Final function of mlmon.ks_2samp(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_combine(internal, internal) IS
    'Combine function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_serialize(internal) RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_bins_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_serialize(internal) IS 'Serialize function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_deserialize(bytea, internal) RETURNS internal AS 'MODULE_PATHNAME', 'mlm_bins_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_deserialize(bytea, internal) IS 'Deserialize function of psi and jensen_shannon (value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_psi_final(internal) RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_bins_psi_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_psi_final(internal) IS 'Final function of psi(value, reference profile) (internal)';
CREATE FUNCTION @extschema@._bins_js_final(internal) RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_bins_js_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._bins_js_final(internal) IS 'Final function of jensen_shannon(value, reference profile) (internal)';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._ksgrid_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._ksgrid_final,
    COMBINEFUNC = @extschema@._ksgrid_combine,
    SERIALFUNC = @extschema@._ksgrid_serialize,
    DESERIALFUNC = @extschema@._ksgrid_deserialize,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile) IS
    'KS test of the values against a reference profile: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text) (
    SFUNC = @extschema@._ksgrid_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._ksgrid_final,
    COMBINEFUNC = @extschema@._ksgrid_combine,
    SERIALFUNC = @extschema@._ksgrid_serialize,
    DESERIALFUNC = @extschema@._ksgrid_deserialize,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile, text) IS
    'KS test of the values against a reference profile with an alternative: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.ks_2samp(value float8, reference @extschema@.profile, alternative text, method text) (
    SFUNC = @extschema@._ksgrid_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._ksgrid_final,
    COMBINEFUNC = @extschema@._ksgrid_combine,
    SERIALFUNC = @extschema@._ksgrid_serialize,
    DESERIALFUNC = @extschema@._ksgrid_deserialize,
    MSFUNC = @extschema@._ksgrid_maccum, MINVFUNC = @extschema@._ksgrid_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._ksgrid_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ks_2samp(float8, @extschema@.profile, text, text) IS
    'KS test of the values against a reference profile with alternative and method: counts on the reference grid, exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._bins_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._bins_psi_final,
    COMBINEFUNC = @extschema@._bins_combine,
    SERIALFUNC = @extschema@._bins_serialize,
    DESERIALFUNC = @extschema@._bins_deserialize,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile) IS
    'PSI of the values against a reference profile over 10 reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._bins_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._bins_psi_final,
    COMBINEFUNC = @extschema@._bins_combine,
    SERIALFUNC = @extschema@._bins_serialize,
    DESERIALFUNC = @extschema@._bins_deserialize,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_psi_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(float8, @extschema@.profile, int) IS
    'PSI of the values against a reference profile over reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._bins_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._bins_js_final,
    COMBINEFUNC = @extschema@._bins_combine,
    SERIALFUNC = @extschema@._bins_serialize,
    DESERIALFUNC = @extschema@._bins_deserialize,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile) IS
    'Jensen-Shannon distance of the values against a reference profile over 10 reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(value float8, reference @extschema@.profile, bins int) (
    SFUNC = @extschema@._bins_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._bins_js_final,
    COMBINEFUNC = @extschema@._bins_combine,
    SERIALFUNC = @extschema@._bins_serialize,
    DESERIALFUNC = @extschema@._bins_deserialize,
    MSFUNC = @extschema@._bins_accum, MINVFUNC = @extschema@._bins_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._bins_js_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(float8, @extschema@.profile, int) IS
    'Jensen-Shannon distance of the values against a reference profile over reference-quantile bins; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, @extschema@.profile) IS
    'Chi-square drift test of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.chi2_drift(category text, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_category_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._chi2_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._chi2_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.chi2_drift(text, @extschema@.profile, text) IS
    'Chi-square drift test with a method of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.psi(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._psi_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._psi_categorical_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.psi(text, @extschema@.profile) IS
    'PSI of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.jensen_shannon(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._js_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._js_categorical_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.jensen_shannon(text, @extschema@.profile) IS
    'Jensen-Shannon distance of the categories against a reference profile; exact inverse for sliding windows';
CREATE AGGREGATE @extschema@.z_test(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._z_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    SERIALFUNC = @extschema@._category_serialize,
    DESERIALFUNC = @extschema@._category_deserialize,
    MSFUNC = @extschema@._profile_category_accum, MINVFUNC = @extschema@._profile_category_inv, MSTYPE = internal, MSSPACE = 4096,
    MFINALFUNC = @extschema@._z_test_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.z_test(text, @extschema@.profile) IS
    'Two-proportion z-test of the categories against a reference profile; exact inverse for sliding windows';
--------------------------------------------------------------------------
-- Performance metrics (part of the install script, after sql/mlmon.sql)
--------------------------------------------------------------------------

CREATE TYPE @extschema@.classification_result AS (
    n bigint,
    accuracy float8,
    precision_macro float8,
    recall_macro float8,
    f1_macro float8,
    precision_weighted float8,
    recall_weighted float8,
    f1_weighted float8,
    classes jsonb,
    confusion_matrix jsonb,
    n_scored bigint,
    roc_auc float8,
    log_loss float8,
    brier float8
);
COMMENT ON TYPE @extschema@.classification_result IS
    'Result of mlmon.classification_metrics: scikit-learn''s metrics (zero_division = 0); classes holds precision, recall, f1, support per label; confusion_matrix rows are actual labels, columns predicted, in label byte order';

CREATE TYPE @extschema@.regression_result AS (
    n bigint,
    mae float8,
    mse float8,
    rmse float8,
    r2 float8,
    mape float8
);
COMMENT ON TYPE @extschema@.regression_result IS
    'Result of mlmon.regression_metrics: scikit-learn''s mean_absolute_error, mean_squared_error, its root, r2_score and mean_absolute_percentage_error';

CREATE FUNCTION @extschema@._classification_accum(internal, text, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_classification_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(internal, text, text, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_classification_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(internal, text, text, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_classification_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_classification_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_serialize(internal)
    RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_classification_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_deserialize(bytea, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_classification_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_final(internal)
    RETURNS @extschema@.classification_result AS 'MODULE_PATHNAME', 'mlm_classification_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_final(internal, text, text, float8)
    RETURNS @extschema@.classification_result AS 'MODULE_PATHNAME', 'mlm_classification_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_final(internal, text, text, float8, text)
    RETURNS @extschema@.classification_result AS 'MODULE_PATHNAME', 'mlm_classification_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._classification_accum(internal, text, text) IS
    'Transition function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(internal, text, text, float8) IS
    'Transition function of mlmon.classification_metrics with scores (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(internal, text, text, float8, text) IS
    'Transition function of mlmon.classification_metrics with scores and a positive label (internal)';
COMMENT ON FUNCTION @extschema@._classification_combine(internal, internal) IS
    'Combine function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_serialize(internal) IS
    'Serialize function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_deserialize(bytea, internal) IS
    'Deserialize function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_final(internal) IS
    'Final function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_final(internal, text, text, float8) IS
    'Final function of mlmon.classification_metrics with scores (internal)';
COMMENT ON FUNCTION @extschema@._classification_final(internal, text, text, float8, text) IS
    'Final function of mlmon.classification_metrics with scores and a positive label (internal)';

CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text) (
    SFUNC = @extschema@._classification_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    SERIALFUNC = @extschema@._classification_serialize,
    DESERIALFUNC = @extschema@._classification_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8) (
    SFUNC = @extschema@._classification_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final, FINALFUNC_EXTRA,
    COMBINEFUNC = @extschema@._classification_combine,
    SERIALFUNC = @extschema@._classification_serialize,
    DESERIALFUNC = @extschema@._classification_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8, positive_label text) (
    SFUNC = @extschema@._classification_accum, STYPE = internal, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final, FINALFUNC_EXTRA,
    COMBINEFUNC = @extschema@._classification_combine,
    SERIALFUNC = @extschema@._classification_serialize,
    DESERIALFUNC = @extschema@._classification_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text) IS
    'Accuracy, precision, recall and F1 (macro, weighted, per class) and the confusion matrix of a classifier, as scikit-learn computes them';
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text, float8) IS
    'Classification metrics plus ROC AUC, log loss and Brier score of a binary classifier; score is the probability of the greater label (scikit-learn''s positive class)';
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text, float8, text) IS
    'Classification metrics plus ROC AUC, log loss and Brier score; score is the probability of positive_label (one against the rest)';

CREATE FUNCTION @extschema@._regression_accum(internal, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_regression_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_combine(internal, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_regression_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_serialize(internal)
    RETURNS bytea AS 'MODULE_PATHNAME', 'mlm_regression_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_deserialize(bytea, internal)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_regression_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_final(internal)
    RETURNS @extschema@.regression_result AS 'MODULE_PATHNAME', 'mlm_regression_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._regression_accum(internal, float8, float8) IS
    'Transition function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_combine(internal, internal) IS
    'Combine function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_serialize(internal) IS
    'Serialize function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_deserialize(bytea, internal) IS
    'Deserialize function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_final(internal) IS
    'Final function of mlmon.regression_metrics (internal)';

CREATE AGGREGATE @extschema@.regression_metrics(actual float8, predicted float8) (
    SFUNC = @extschema@._regression_accum, STYPE = internal, SSPACE = 96,
    FINALFUNC = @extschema@._regression_final,
    COMBINEFUNC = @extschema@._regression_combine,
    SERIALFUNC = @extschema@._regression_serialize,
    DESERIALFUNC = @extschema@._regression_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.regression_metrics(float8, float8) IS
    'MAE, MSE, RMSE, R^2 and MAPE of a regression model, as scikit-learn computes them; rows with NULL, NaN or infinite values are skipped';
--------------------------------------------------------------------------
-- Streaming drift detectors (part of the install script, after
-- sql/metrics.sql; added in 0.2.0, also in sql/mlmon--0.1.0--0.2.0.sql)
--------------------------------------------------------------------------

CREATE TYPE @extschema@.detector_result AS (
    n bigint,
    warning boolean,
    drift boolean,
    statistic float8,
    estimate float8,
    detections bigint,
    first_warning bigint,
    first_drift bigint,
    last_drift bigint
);
COMMENT ON TYPE @extschema@.detector_result IS
    'State of a streaming drift detector after a row: values taken (n), warning zone, drift at this row, the decision statistic computed at this row, the running estimate, drifts so far and the positions (n) of the first warning, first and last drift';

CREATE FUNCTION @extschema@._detector_final(internal)
    RETURNS @extschema@.detector_result AS 'MODULE_PATHNAME', 'mlm_detector_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._detector_final(internal) IS 'Final function of the streaming drift detectors (internal)';

CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8) IS 'Transition function of mlmon.page_hinkley (internal)';
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text) IS 'Transition function of mlmon.page_hinkley with parameters (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean) IS 'Transition function of mlmon.ddm (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.ddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean) IS 'Transition function of mlmon.eddm (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.eddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8) IS 'Transition function of mlmon.adwin (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer) IS 'Transition function of mlmon.adwin with parameters (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8) IS 'Transition function of mlmon.kswin (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint) IS 'Transition function of mlmon.kswin with parameters (internal)';

-- The detectors depend on the order of every row: no combine function, so
-- no partial aggregation (an aggregate called with ORDER BY never has one).
-- The final function only reads the state, so they work as window functions
-- over growing frames.
CREATE AGGREGATE @extschema@.page_hinkley(value float8) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.page_hinkley(value float8, min_instances integer, delta float8,
                                          threshold float8, alpha float8, mode text) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean, warm_start integer, warning_threshold float8,
                                 drift_threshold float8) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean, warm_start integer, alpha float8, beta float8) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, delta float8, clock integer, max_buckets integer,
                                   min_window_length integer, grace_period integer) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8, alpha float8, window_size integer, stat_size integer,
                                   seed bigint) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8) IS
    'Page-Hinkley change detector (river''s defaults: min_instances 30, delta 0.005, threshold 50, alpha 0.9999, both directions); needs ORDER BY, in the call or its window';
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8, integer, float8, float8, float8, text) IS
    'Page-Hinkley change detector with min_instances, delta, threshold, alpha and mode both|up|down';
COMMENT ON AGGREGATE @extschema@.ddm(boolean) IS
    'DDM drift detector on an error stream (true = wrong prediction; river''s defaults: warm start 30, warning 2 sigma, drift 3 sigma); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.ddm(boolean, integer, float8, float8) IS
    'DDM drift detector with warm_start, warning_threshold and drift_threshold';
COMMENT ON AGGREGATE @extschema@.eddm(boolean) IS
    'EDDM drift detector on an error stream (river''s defaults: warm start 30, alpha 0.95, beta 0.9); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.eddm(boolean, integer, float8, float8) IS
    'EDDM drift detector with warm_start, alpha (warning) and beta (drift)';
COMMENT ON AGGREGATE @extschema@.adwin(float8) IS
    'ADWIN adaptive-window change detector (river''s defaults: delta 0.002, clock 32, max_buckets 5, min_window_length 5, grace_period 10); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length and grace_period';
COMMENT ON AGGREGATE @extschema@.kswin(float8) IS
    'KSWIN Kolmogorov-Smirnov windowing change detector (river''s defaults: alpha 0.005, window 100, stat size 30; seed 42); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.kswin(float8, float8, integer, integer, bigint) IS
    'KSWIN change detector with alpha, window_size, stat_size and the seed of its sample draw';

-- ADWIN and Page-Hinkley with their defaults over (time, value) pairs taken
-- in any order, replayed in (time, value) order by the final function: the
-- forms run_checks uses.  Unlike an aggregate with ORDER BY they sort only
-- when the rows did not come in time order, and can run in parallel workers.
CREATE FUNCTION @extschema@._time_stream_accum(internal, timestamptz, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_time_stream_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._time_stream_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_time_stream_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_by_time_final(internal) RETURNS @extschema@.detector_result
    AS 'MODULE_PATHNAME', 'mlm_adwin_by_time_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._page_hinkley_by_time_final(internal) RETURNS @extschema@.detector_result
    AS 'MODULE_PATHNAME', 'mlm_page_hinkley_by_time_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._time_stream_accum(internal, timestamptz, float8) IS
    'Transition function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_combine(internal, internal) IS
    'Combine function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_serialize(internal) IS
    'Serialize function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._time_stream_deserialize(bytea, internal) IS
    'Deserialize function of the time-ordered detector forms (internal)';
COMMENT ON FUNCTION @extschema@._adwin_by_time_final(internal) IS
    'Final function of mlmon._adwin_by_time: ADWIN over the values in time order (internal)';
COMMENT ON FUNCTION @extschema@._page_hinkley_by_time_final(internal) IS
    'Final function of mlmon._page_hinkley_by_time: Page-Hinkley over the values in time order (internal)';
CREATE AGGREGATE @extschema@._adwin_by_time(ts timestamptz, value float8) (
    SFUNC = @extschema@._time_stream_accum, STYPE = internal,
    FINALFUNC = @extschema@._adwin_by_time_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@._time_stream_combine,
    SERIALFUNC = @extschema@._time_stream_serialize,
    DESERIALFUNC = @extschema@._time_stream_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@._page_hinkley_by_time(ts timestamptz, value float8) (
    SFUNC = @extschema@._time_stream_accum, STYPE = internal,
    FINALFUNC = @extschema@._page_hinkley_by_time_final, FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = @extschema@._time_stream_combine,
    SERIALFUNC = @extschema@._time_stream_serialize,
    DESERIALFUNC = @extschema@._time_stream_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._adwin_by_time(timestamptz, float8) IS
    'mlmon.adwin(value ORDER BY ts, value) with the defaults, in a form parallel workers can compute in parts (internal)';
COMMENT ON AGGREGATE @extschema@._page_hinkley_by_time(timestamptz, float8) IS
    'mlmon.page_hinkley(value ORDER BY ts, value) with the defaults, in a form parallel workers can compute in parts (internal)';
--------------------------------------------------------------------------
-- The monitoring schema (part of the install script, after sql/metrics.sql)
--
-- Policy lives here (which test, which threshold, which alert); the C
-- aggregates compute.  Every function pins its search_path and names
-- objects with their schema, so a hostile search_path cannot redirect it.
--------------------------------------------------------------------------

-- Models ----------------------------------------------------------------

CREATE TABLE @extschema@.models (
    name          text PRIMARY KEY CHECK (name <> ''),
    version       text NOT NULL DEFAULT '',
    task          text NOT NULL CHECK (task IN ('classification', 'regression')),
    metadata      jsonb NOT NULL DEFAULT '{}',
    -- drift test selection and thresholds, see mlmon.drift_settings
    drift_correction text NOT NULL DEFAULT 'none'
                  CHECK (drift_correction IN ('none', 'bonferroni', 'benjamini_hochberg')),
    default_window interval NOT NULL DEFAULT '1 day' CHECK (default_window > '0'),
    retention     interval CHECK (retention > '0'),
    registered_at timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.models IS
    'Registered models: name, version, task (classification | regression), metadata (e.g. an MLflow run id), drift settings';

-- Per-feature choice of drift test (overrides Evidently''s rule).
CREATE TABLE @extschema@.drift_settings (
    model     text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    feature   text NOT NULL,   -- a feature name, or '*' for every feature of the model
    test      text CHECK (test IN ('ks', 'wasserstein', 'psi', 'jensen_shannon', 'chi2', 'z_test')),
    threshold float8 CHECK (threshold > 0),
    PRIMARY KEY (model, feature)
);
COMMENT ON TABLE @extschema@.drift_settings IS
    'Drift test and threshold per model and feature (''*'': all features), overriding Evidently''s rule; NULL keeps the default';

-- The prediction log ----------------------------------------------------

CREATE TABLE @extschema@.predictions (
    model           text NOT NULL,
    ts              timestamptz NOT NULL DEFAULT now(),
    request_id      text,
    features        jsonb,
    predicted_label text,
    predicted_value float8,
    score           float8,      -- probability of the positive class (binary)
    scores          jsonb,       -- per-class probabilities, if logged
    latency_ms      float8
) PARTITION BY RANGE (ts);
COMMENT ON TABLE @extschema@.predictions IS
    'The prediction log, partitioned by day (UTC); rows outside every daily partition land in predictions_default and are moved by mlmon.maintain_partitions';
CREATE TABLE @extschema@.predictions_default PARTITION OF @extschema@.predictions DEFAULT;
COMMENT ON TABLE @extschema@.predictions_default IS
    'Predictions whose day has no partition yet (mlmon.maintain_partitions moves them)';
-- Each partition gets its own (model, ts) index (maintain_partitions), not a
-- partitioned index: pg_dump can then restore partitions and their indexes
-- under the extension's parent table.
CREATE INDEX predictions_default_model_ts ON @extschema@.predictions_default (model, ts);

-- Labels arrive late: a separate table, so the log is never updated in place.
CREATE TABLE @extschema@.labels (
    model        text NOT NULL,
    request_id   text NOT NULL,
    label        text,
    actual_value float8,
    labeled_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, request_id)
);
COMMENT ON TABLE @extschema@.labels IS
    'Ground truth arriving after the prediction, joined to the log by (model, request_id)';

-- Sources: a team's own prediction table, read in place.
CREATE TABLE @extschema@.sources (
    model            text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    relation         regclass NOT NULL,
    time_column      name NOT NULL,
    features_column  name,        -- a jsonb column of features, or
    feature_columns  name[],      -- one column per feature
    prediction_column name,
    score_column     name,
    label_column     name,        -- ground truth in the same table, or
    id_column        name,        -- request id joined to mlmon.labels
    latency_column   name,
    CHECK ((features_column IS NULL) <> (feature_columns IS NULL))
);
COMMENT ON TABLE @extschema@.sources IS
    'Models whose predictions live in a table of their own (mlmon.register_source)';

-- References ------------------------------------------------------------

CREATE TABLE @extschema@.reference_profiles (
    model    text NOT NULL REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    role     text NOT NULL CHECK (role IN ('feature', 'prediction')),
    feature  text NOT NULL,
    kind     text NOT NULL CHECK (kind IN ('numeric', 'categorical')),
    profile  @extschema@.profile NOT NULL,
    n        bigint NOT NULL,
    distinct_values bigint,
    categories text[],   -- categorical: the reference categories (for unseen-category checks)
    PRIMARY KEY (model, role, feature)
);
COMMENT ON TABLE @extschema@.reference_profiles IS
    'The reference window of each model: a profile per feature and of the predictions';

CREATE TABLE @extschema@.reference_windows (
    model        text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    window_start timestamptz,
    window_end   timestamptz,
    n_rows       bigint NOT NULL,
    n_labeled    bigint NOT NULL,
    performance  jsonb,         -- accuracy, f1 ... (classification) or mae, rmse ... (regression)
    set_at       timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.reference_windows IS 'The reference window of each model and its baseline performance';

-- Checks and results ----------------------------------------------------

CREATE TABLE @extschema@.checks (
    check_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model        text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at  timestamptz,
    window_start timestamptz NOT NULL,
    window_end   timestamptz NOT NULL,
    n_rows       bigint,
    n_labeled    bigint,
    -- set once the alert rules have seen the check's results (a restored
    -- dump's checks are not alerted on again)
    alerts_applied boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.checks IS 'One row per mlmon.run_checks call';
CREATE INDEX checks_model_time ON @extschema@.checks (model, window_end);

CREATE TABLE @extschema@.check_results (
    check_id bigint NOT NULL REFERENCES @extschema@.checks ON DELETE CASCADE,
    time     timestamptz NOT NULL,
    model    text NOT NULL,
    "check"  text NOT NULL,      -- performance, data_drift, output_drift, data_quality, latency, volume
    metric   text NOT NULL,
    feature  text,               -- NULL for model-level metrics
    value    float8,
    method   text                -- the drift test that produced the row, if any
);
COMMENT ON TABLE @extschema@.check_results IS
    'Check results in long format (time, model, check, metric, feature, value), as Grafana reads them';
CREATE INDEX check_results_model_time ON @extschema@.check_results (model, time);
CREATE INDEX check_results_check ON @extschema@.check_results (check_id);

-- Alerts ----------------------------------------------------------------

CREATE TABLE @extschema@.alert_rules (
    rule_id    int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    model      text REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,  -- NULL: every model
    alert_type text NOT NULL
               CHECK (alert_type IN ('performance_degradation', 'data_drift', 'feature_drift', 'output_drift', 'data_quality',
                                     'concept_drift', 'anomalies', 'estimated_performance')),
    severity   text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low')),
    threshold  float8 NOT NULL,
    cooldown   interval NOT NULL DEFAULT '1 hour',
    enabled    boolean NOT NULL DEFAULT true,
    description text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alert_rules_model_type ON @extschema@.alert_rules (coalesce(model, ''), alert_type);
COMMENT ON TABLE @extschema@.alert_rules IS
    'Alert rules: defaults (model NULL) and per-model overrides; see the README for what each threshold means';
INSERT INTO @extschema@.alert_rules (model, alert_type, severity, threshold, description) VALUES
    (NULL, 'performance_degradation', 'critical', 0.05,
     'accuracy (regression: R^2) dropped more than threshold below the reference'),
    (NULL, 'data_drift', 'high', 3, 'drift in at least threshold features'),
    (NULL, 'output_drift', 'medium', 1, 'the prediction distribution drifted'),
    (NULL, 'feature_drift', 'low', 1, 'drift in a feature, fewer than the data_drift rule''s count'),
    (NULL, 'data_quality', 'low', 0.1,
     'share of rows with a missing, non-numeric or malformed feature above threshold');
-- Default rules added after 0.1.0 take negative ids: a database updated from
-- 0.1.0 already numbers its users' rules from 6, and a dump of those must
-- restore into a fresh install without a collision.
INSERT INTO @extschema@.alert_rules (rule_id, model, alert_type, severity, threshold, description)
OVERRIDING SYSTEM VALUE VALUES
    (-1, NULL, 'concept_drift', 'high', 1,
     'concept drift detected: the error stream drifted (ADWIN; Page-Hinkley for regression) or the error rose 3 standard errors above the reference'),
    (-2, NULL, 'anomalies', 'medium', 0.05, 'share of anomalous rows (p-value < 0.01) above threshold'),
    (-3, NULL, 'estimated_performance', 'high', 0.05,
     'accuracy estimated from calibrated scores (CBPE) dropped more than threshold below the reference');

CREATE TABLE @extschema@.alerts (
    alert_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time        timestamptz NOT NULL DEFAULT now(),
    model       text NOT NULL,
    type        text NOT NULL,
    severity    text NOT NULL,
    feature     text,
    features    text[],
    details     jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    check_id    bigint,
    last_seen   timestamptz NOT NULL DEFAULT now(),
    occurrences int NOT NULL DEFAULT 1,
    resolved_at timestamptz
);
COMMENT ON TABLE @extschema@.alerts IS
    'Alerts raised by the rules: at most one open alert per model, type and feature';
CREATE UNIQUE INDEX alerts_one_open ON @extschema@.alerts (model, type, coalesce(feature, ''))
    WHERE status = 'open';
CREATE INDEX alerts_model_time ON @extschema@.alerts (model, time);

-- The action playbook ----------------------------------------------------

CREATE TABLE @extschema@.playbook (
    action   text PRIMARY KEY CHECK (action IN ('retrain', 'investigate', 'watch')),
    priority int NOT NULL,
    steps    text NOT NULL
);
COMMENT ON TABLE @extschema@.playbook IS 'What to do for each recommendation (editable)';
INSERT INTO @extschema@.playbook VALUES
    ('retrain', 1, 'Accuracy dropped or most inputs moved: confirm with the labelled window, retrain on recent data '
                   '(include the drifted period), validate against the reference, deploy, then call mlmon.set_reference.'),
    ('investigate', 2, 'The inputs or outputs moved but performance holds: check upstream pipelines and feature '
                       'encodings for the listed features, compare segments, decide whether the shift is real.'),
    ('watch', 3, 'A single feature or data-quality signal: log it, keep the schedule, and re-check the next windows.');

-- The tables hold the users' data: pg_dump keeps their rows.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.models', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.drift_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.predictions_default', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.labels', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.sources', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reference_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.reference_windows', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.checks', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.check_results', '');
-- (the default rules and the playbook are created by CREATE EXTENSION: only
-- per-model rules are dumped, so that a restore does not insert the defaults twice)
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alert_rules', 'WHERE model IS NOT NULL');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alerts', '');
-- identity sequences keep their position across a dump and restore
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.checks', 'check_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alert_rules', 'rule_id'), '');
SELECT pg_catalog.pg_extension_config_dump(pg_catalog.pg_get_serial_sequence('@extschema@.alerts', 'alert_id'), '');

-- Helpers ---------------------------------------------------------------

CREATE FUNCTION @extschema@._model_task(model text) RETURNS text
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t text;
BEGIN
    SELECT m.task INTO t FROM @extschema@.models m WHERE m.name = model;
    IF t IS NULL THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN t;
END
$$;
COMMENT ON FUNCTION @extschema@._model_task(text) IS 'The task of a registered model, or an error (internal)';

-- Registration ------------------------------------------------------------

CREATE FUNCTION @extschema@.register_model(name text, version text, task text, metadata jsonb DEFAULT '{}')
    RETURNS text LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'model name must not be empty' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF task IS NULL OR task NOT IN ('classification', 'regression') THEN
        RAISE EXCEPTION 'unknown task "%"', task
            USING ERRCODE = 'invalid_parameter_value', HINT = 'The task is classification or regression.';
    END IF;
    IF metadata IS NULL OR jsonb_typeof(metadata) <> 'object' THEN
        RAISE EXCEPTION 'model metadata must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.models AS m (name, version, task, metadata)
    VALUES (register_model.name, coalesce(register_model.version, ''), register_model.task, register_model.metadata)
    ON CONFLICT ON CONSTRAINT models_pkey DO UPDATE
        SET version = excluded.version, task = excluded.task,
            metadata = m.metadata || excluded.metadata, updated_at = now();
    PERFORM @extschema@.maintain_partitions();
    RETURN name;
END
$$;
COMMENT ON FUNCTION @extschema@.register_model(text, text, text, jsonb) IS
    'Register a model (or update its version, task and metadata); returns its name';

CREATE FUNCTION @extschema@.register_source(model text, relation regclass, time_column name,
        features_column name DEFAULT NULL, feature_columns name[] DEFAULT NULL,
        prediction_column name DEFAULT NULL, score_column name DEFAULT NULL,
        label_column name DEFAULT NULL, id_column name DEFAULT NULL, latency_column name DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col name;
    cols name[];
BEGIN
    PERFORM @extschema@._model_task(model);
    IF (features_column IS NULL) = (feature_columns IS NULL) THEN
        RAISE EXCEPTION 'give exactly one of features_column and feature_columns'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    cols := ARRAY[time_column, features_column, prediction_column, score_column, label_column, id_column,
                  latency_column] || coalesce(feature_columns, '{}');
    FOREACH col IN ARRAY cols LOOP
        CONTINUE WHEN col IS NULL;
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column "%" does not exist in relation %', col, relation
                USING ERRCODE = 'undefined_column';
        END IF;
    END LOOP;
    IF features_column IS NOT NULL AND (SELECT a.atttypid FROM pg_attribute a
            WHERE a.attrelid = relation AND a.attname = features_column) <> 'jsonb'::regtype THEN
        RAISE EXCEPTION 'features column "%" must be of type jsonb', features_column
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    INSERT INTO @extschema@.sources AS s VALUES (model, relation, time_column, features_column, feature_columns,
        prediction_column, score_column, label_column, id_column, latency_column)
    ON CONFLICT ON CONSTRAINT sources_pkey DO UPDATE
       SET relation = excluded.relation, time_column = excluded.time_column,
           features_column = excluded.features_column, feature_columns = excluded.feature_columns,
           prediction_column = excluded.prediction_column, score_column = excluded.score_column,
           label_column = excluded.label_column, id_column = excluded.id_column,
           latency_column = excluded.latency_column;
END
$$;
COMMENT ON FUNCTION @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name) IS
    'Monitor a model whose predictions live in a table of its own, read in place (no copy)';

-- Logging -----------------------------------------------------------------

-- The upsert behind both record_label forms: the given column is set, the other kept.
CREATE FUNCTION @extschema@._store_label(model text, request_id text, label text, actual float8)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._model_task(model);
    IF request_id IS NULL THEN
        RAISE EXCEPTION 'request_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO @extschema@.labels AS l (model, request_id, label, actual_value)
    VALUES (_store_label.model, _store_label.request_id, _store_label.label, _store_label.actual)
    ON CONFLICT ON CONSTRAINT labels_pkey DO UPDATE
       SET label = coalesce(excluded.label, l.label), actual_value = coalesce(excluded.actual_value, l.actual_value),
           labeled_at = now();
END
$$;
COMMENT ON FUNCTION @extschema@._store_label(text, text, text, float8) IS 'Insert or correct a label (internal)';

-- The writer role adds labels through these without any privilege on the table.
CREATE FUNCTION @extschema@.record_label(model text, request_id text, label text)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, label, NULL);
COMMENT ON FUNCTION @extschema@.record_label(text, text, text) IS
    'Record (or correct) the true label of a logged classification';
CREATE FUNCTION @extschema@.record_label(model text, request_id text, actual float8)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._store_label(model, request_id, NULL, actual);
COMMENT ON FUNCTION @extschema@.record_label(text, text, float8) IS
    'Record (or correct) the true value of a logged regression prediction';

-- Partitions and retention ------------------------------------------------

CREATE FUNCTION @extschema@.maintain_partitions(days_ahead int DEFAULT 3)
    RETURNS int LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    d date;
    today date := (now() AT TIME ZONE 'UTC')::date;
    part text;
    lo timestamptz;
    hi timestamptz;
    created int := 0;
BEGIN
    IF days_ahead IS NULL OR days_ahead < 0 OR days_ahead > 366 THEN
        RAISE EXCEPTION 'days_ahead must be between 0 and 366' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- serialize concurrent maintenance, and let inserts of days without a
    -- partition that are in flight commit first (new ones wait until the
    -- partitions exist): the rows moved below are then all the rows there are
    PERFORM pg_advisory_xact_lock(hashtext('mlmon.maintain_partitions'));
    LOCK TABLE @extschema@.predictions_default IN SHARE ROW EXCLUSIVE MODE;
    -- today and the days ahead, and every day that has rows waiting in the default partition
    FOR d IN
        SELECT g::date FROM generate_series(today, today + days_ahead, interval '1 day') g
        UNION
        SELECT DISTINCT (ts AT TIME ZONE 'UTC')::date FROM @extschema@.predictions_default
        ORDER BY 1
    LOOP
        part := 'predictions_p' || to_char(d, 'YYYYMMDD');
        IF to_regclass(format('@extschema@.%I', part)) IS NULL THEN
            lo := d::timestamp AT TIME ZONE 'UTC';
            hi := (d + 1)::timestamp AT TIME ZONE 'UTC';
            EXECUTE format('CREATE TABLE @extschema@.%I (LIKE @extschema@.predictions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
            EXECUTE format('CREATE INDEX %I ON @extschema@.%I (model, ts)', part || '_model_ts', part);
            -- rows that waited in the default partition move in the same transaction: none is lost
            EXECUTE format('WITH moved AS (DELETE FROM @extschema@.predictions_default WHERE ts >= $1 AND ts < $2 RETURNING *)
                            INSERT INTO @extschema@.%I SELECT * FROM moved', part) USING lo, hi;
            EXECUTE format('ALTER TABLE @extschema@.predictions ATTACH PARTITION @extschema@.%I FOR VALUES FROM (%L) TO (%L)',
                           part, lo, hi);
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$$;
COMMENT ON FUNCTION @extschema@.maintain_partitions(int) IS
    'Create the daily partitions of the prediction log up to days_ahead days from today (UTC), moving waiting rows out of the default partition';

CREATE FUNCTION @extschema@.apply_retention(model text, keep interval)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cutoff timestamptz := now() - keep;
    deleted bigint;
    p record;
    empty boolean;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF keep IS NULL OR keep <= '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE @extschema@.models m SET retention = keep WHERE m.name = apply_retention.model;
    DELETE FROM @extschema@.predictions pr WHERE pr.model = apply_retention.model AND pr.ts < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM @extschema@.labels l WHERE l.model = apply_retention.model AND l.labeled_at < cutoff
       AND NOT EXISTS (SELECT 1 FROM @extschema@.predictions pr
                        WHERE pr.model = l.model AND pr.request_id = l.request_id);
    -- daily partitions left empty before the cutoff are dropped
    FOR p IN
        SELECT c.oid::regclass AS part
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '@extschema@.predictions'::regclass AND c.relname ~ '^predictions_p[0-9]{8}$'
           AND to_date(substr(c.relname, 14), 'YYYYMMDD') + 1 <= (cutoff AT TIME ZONE 'UTC')::date
    LOOP
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %s)', p.part) INTO STRICT empty;
        IF empty THEN
            EXECUTE format('DROP TABLE %s', p.part);
        END IF;
    END LOOP;
    RETURN deleted;
END
$$;
COMMENT ON FUNCTION @extschema@.apply_retention(text, interval) IS
    'Delete a model''s predictions (and their labels) older than keep, and drop daily partitions left empty; returns the rows deleted';

-- Where a model's rows come from ------------------------------------------

-- SQL fragments reading a model's rows: the FROM clause (parameters $1 model,
-- $2 window start, $3 window end), and expressions for the time, the
-- logged feature object (NULL for column sources), the predicted label and
-- value, the score, the true label and value, the latency, and the features
-- as one jsonb object.  Identifiers are quoted with format's %I.
CREATE TYPE @extschema@._source_sql AS (
    from_clause text, ts text, all_features text,
    predicted_label text, predicted_value text, score text,
    label text, actual text, latency text, feature_columns name[],
    feature_object text           -- the features as one jsonb object (built for column sources)
);
COMMENT ON TYPE @extschema@._source_sql IS 'How to read a model''s rows (internal)';

CREATE FUNCTION @extschema@._source(model text) RETURNS @extschema@._source_sql
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    s @extschema@.sources;
    r @extschema@._source_sql;
    lbl text;
BEGIN
    PERFORM @extschema@._model_task(model);
    SELECT * INTO s FROM @extschema@.sources src WHERE src.model = _source.model;
    IF NOT FOUND THEN
        -- labels: one primary-key lookup per row (LIMIT 1 keeps the planner from
        -- turning it into a join, which stale statistics of a partition being
        -- filled can make scan every label of the model for every row; it also
        -- keeps the read out of parallel workers: a join that planner settings
        -- force to a nested loop can still rescan all of the model's labels per
        -- row, as the load test showed)
        r.from_clause := 'FROM @extschema@.predictions p LEFT JOIN LATERAL (SELECT l0.label, l0.actual_value '
                         'FROM @extschema@.labels l0 WHERE l0.model = p.model AND l0.request_id = p.request_id LIMIT 1) l '
                         'ON true WHERE p.model = $1 AND p.ts >= $2 AND p.ts < $3';
        r.ts := 'p.ts';
        r.all_features := 'p.features';
        r.predicted_label := 'p.predicted_label';
        r.predicted_value := 'p.predicted_value';
        r.score := 'p.score';
        r.label := 'l.label';
        r.actual := 'l.actual_value';
        r.latency := 'p.latency_ms';
        r.feature_object := 'p.features';
        RETURN r;
    END IF;
    r.from_clause := format('FROM %s s ', s.relation);
    IF s.label_column IS NULL AND s.id_column IS NOT NULL THEN
        r.from_clause := r.from_clause ||
            format('LEFT JOIN LATERAL (SELECT l0.label, l0.actual_value FROM @extschema@.labels l0 '
                   'WHERE l0.model = $1 AND l0.request_id = s.%I::text LIMIT 1) l ON true ', s.id_column);
        r.label := 'l.label';
        r.actual := 'l.actual_value';
    ELSIF s.label_column IS NOT NULL THEN
        r.label := format('s.%I::text', s.label_column);
        r.actual := format('s.%I::float8', s.label_column);
    ELSE
        r.label := 'NULL::text';
        r.actual := 'NULL::float8';
    END IF;
    r.from_clause := r.from_clause || format('WHERE $1 IS NOT NULL AND s.%1$I >= $2 AND s.%1$I < $3', s.time_column);
    r.ts := format('s.%I', s.time_column);
    IF s.features_column IS NOT NULL THEN
        r.all_features := format('s.%I', s.features_column);
        r.feature_object := r.all_features;
    ELSE
        r.all_features := NULL;
        r.feature_columns := s.feature_columns;
        r.feature_object := 'jsonb_build_object(' || (SELECT string_agg(format('%L, s.%I', c, c), ', ')
                                                        FROM unnest(s.feature_columns) c) || ')';
    END IF;
    r.predicted_label := CASE WHEN s.prediction_column IS NULL THEN 'NULL::text'
                              ELSE format('s.%I::text', s.prediction_column) END;
    r.predicted_value := CASE WHEN s.prediction_column IS NULL THEN 'NULL::float8'
                              ELSE format('s.%I::float8', s.prediction_column) END;
    r.score := CASE WHEN s.score_column IS NULL THEN 'NULL::float8' ELSE format('s.%I::float8', s.score_column) END;
    r.latency := CASE WHEN s.latency_column IS NULL THEN 'NULL::float8'
                      ELSE format('s.%I::float8', s.latency_column) END;
    RETURN r;
END
$$;
COMMENT ON FUNCTION @extschema@._source(text) IS 'SQL fragments that read a model''s rows (internal)';

-- The features of a row as arrays, one call per row for every feature (C).
CREATE FUNCTION @extschema@._jsonb_numbers(features jsonb, keys text[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'mlm_jsonb_numbers' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._jsonb_numbers(jsonb, text[]) IS
    'The numbers under keys of a jsonb object: NULL when absent or null, NaN when not a number (internal)';
CREATE FUNCTION @extschema@._jsonb_categories(features jsonb, keys text[]) RETURNS text[]
    AS 'MODULE_PATHNAME', 'mlm_jsonb_categories' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._jsonb_has_other_keys(features jsonb, keys text[]) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlm_jsonb_has_other_keys' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._jsonb_has_other_keys(jsonb, text[]) IS
    'Whether a jsonb object has a key outside keys (internal)';
CREATE FUNCTION @extschema@._fence() RETURNS int
    AS 'MODULE_PATHNAME', 'mlm_fence' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._fence() IS
    'Returns 0; VOLATILE on purpose, so that the subquery computing a row''s feature arrays is not flattened (internal)';
COMMENT ON FUNCTION @extschema@._jsonb_categories(jsonb, text[]) IS
    'The scalars under keys of a jsonb object as text, NULL when absent, null, an array or an object (internal)';

-- Data-quality counts of every numeric feature in one transition per row (C).
CREATE FUNCTION @extschema@._feature_counts_accum(internal, float8[], float8[], float8[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_feature_counts_accum' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._feature_counts_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_feature_counts_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._feature_counts_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_feature_counts_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._feature_counts_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'mlm_feature_counts_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@._feature_counts_final(internal) RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'mlm_feature_counts_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._feature_counts_accum(internal, float8[], float8[], float8[]) IS
    'Transition function of mlmon._feature_counts (internal)';
COMMENT ON FUNCTION @extschema@._feature_counts_combine(internal, internal) IS 'Combine function of mlmon._feature_counts (internal)';
COMMENT ON FUNCTION @extschema@._feature_counts_serialize(internal) IS 'Serialize function of mlmon._feature_counts (internal)';
COMMENT ON FUNCTION @extschema@._feature_counts_deserialize(bytea, internal) IS 'Deserialize function of mlmon._feature_counts (internal)';
COMMENT ON FUNCTION @extschema@._feature_counts_final(internal) IS 'Final function of mlmon._feature_counts (internal)';
CREATE AGGREGATE @extschema@._feature_counts(float8[], float8[], float8[]) (
    SFUNC = @extschema@._feature_counts_accum, STYPE = internal,
    FINALFUNC = @extschema@._feature_counts_final,
    COMBINEFUNC = @extschema@._feature_counts_combine,
    SERIALFUNC = @extschema@._feature_counts_serialize,
    DESERIALFUNC = @extschema@._feature_counts_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@._feature_counts(float8[], float8[], float8[]) IS
    'Per numeric feature: numbers, missing values, non-numbers, numbers outside [min, max] (internal)';

-- Reference ---------------------------------------------------------------

-- The drift test of a feature by Evidently's rule (numerics.md), unless
-- mlmon.drift_settings names one: returns (test, threshold).
CREATE FUNCTION @extschema@._drift_test(model text, feature text, kind text, n_reference bigint,
        distinct_values bigint, OUT test text, OUT threshold float8)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ds record;
BEGIN
    IF kind = 'numeric' THEN
        test := CASE WHEN n_reference <= 1000 THEN 'ks' ELSE 'wasserstein' END;
    ELSE
        test := CASE WHEN n_reference > 1000 THEN 'jensen_shannon'
                     WHEN distinct_values = 2 THEN 'z_test' ELSE 'chi2' END;
    END IF;
    -- the feature's own row, else the model's '*' row (which does not cover
    -- the predictions, feature ''); a '*' test that does not fit the
    -- feature's kind leaves that feature to the default rule
    SELECT d.test, d.threshold, d.feature = '*' AS wildcard INTO ds FROM @extschema@.drift_settings d
     WHERE d.model = _drift_test.model
       AND (d.feature = _drift_test.feature OR (d.feature = '*' AND _drift_test.feature <> ''))
     ORDER BY d.feature = '*' LIMIT 1;
    IF FOUND AND ds.test IS NOT NULL THEN
        IF kind = 'numeric' AND ds.test IN ('chi2', 'z_test') OR kind = 'categorical' AND ds.test IN ('ks', 'wasserstein') THEN
            IF NOT ds.wildcard THEN
                RAISE EXCEPTION 'drift test "%" does not apply to % feature "%"', ds.test, kind, feature
                    USING ERRCODE = 'invalid_parameter_value';
            END IF;
        ELSE
            test := ds.test;
        END IF;
    END IF;
    threshold := coalesce(ds.threshold, CASE WHEN test IN ('ks', 'chi2', 'z_test') THEN 0.05 ELSE 0.1 END);
END
$$;
COMMENT ON FUNCTION @extschema@._drift_test(text, text, text, bigint, bigint) IS
    'Drift test and threshold of a feature: mlmon.drift_settings, else Evidently''s rule (internal)';

-- The names of the features in [from, to).
CREATE FUNCTION @extschema@._feature_names(model text, r @extschema@._source_sql, from_ts timestamptz, to_ts timestamptz)
    RETURNS text[] LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    names text[];
BEGIN
    IF r.feature_columns IS NOT NULL THEN
        SELECT array_agg(c ORDER BY c) INTO names FROM unnest(r.feature_columns::text[]) c;
        RETURN names;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT k ORDER BY k) FROM (SELECT jsonb_object_keys(%1$s) AS k %2$s
                     AND jsonb_typeof(%1$s) = ''object'') q', r.all_features, r.from_clause)
       INTO names USING model, from_ts, to_ts;
    RETURN coalesce(names, '{}');
END
$$;
COMMENT ON FUNCTION @extschema@._feature_names(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'The feature names present in a window (internal)';

-- Build and store the reference of a model from the rows r reads in [from_ts, to_ts).
CREATE FUNCTION @extschema@._set_reference(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz, keep_window boolean)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    names text[];
    f text;
    i int;
    q text;
    n bigint;
    n_labeled bigint;
    perf jsonb;
    num_profiles @extschema@.profile[];
    numbers bigint[];
    scalars bigint[];
    pred_profile @extschema@.profile;
    kinds text[] := '{}';
    cat_profiles @extschema@.profile[];
    cat_idx int[] := '{}';
    s @extschema@.profile_summary;
BEGIN
    names := @extschema@._feature_names(model, r, from_ts, to_ts);
    -- one pass: numeric profiles, counts of numbers and of other values, predictions, performance
    q := format('SELECT count(*), count(lbl), %s, %s, %s, %s, %s FROM (SELECT %s AS lbl, %s AS act, %s AS plabel, %s AS pvalue, %s AS score, '
                '@extschema@._jsonb_numbers(%s, $4) AS nv, @extschema@._fence() AS fence %s) q',
        CASE WHEN task = 'classification'
             THEN 'to_jsonb(@extschema@.classification_metrics(lbl, plabel, CASE WHEN score >= 0 AND score <= 1 THEN score END))'
             ELSE 'to_jsonb(@extschema@.regression_metrics(act, pvalue))' END,
        CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel)' ELSE '@extschema@.profile(pvalue)' END,
        'ARRAY[' || coalesce((SELECT string_agg(format('@extschema@.profile(nv[%s])', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::@extschema@.profile[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] <> ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        'ARRAY[' || coalesce((SELECT string_agg(format('count(*) FILTER (WHERE nv[%s] = ''NaN'')', k), ', ')
                                FROM generate_series(1, array_length(names, 1)) k), '') || ']::bigint[]',
        CASE WHEN task = 'classification' THEN r.label ELSE 'NULL::text' END, r.actual,
        r.predicted_label, r.predicted_value, r.score, r.feature_object,
        r.from_clause);
    EXECUTE q INTO n, n_labeled, perf, pred_profile, num_profiles, numbers, scalars USING model, from_ts, to_ts, names;
    IF n = 0 THEN
        RAISE EXCEPTION 'the reference window of model "%" holds no predictions', model
            USING ERRCODE = 'no_data_found', DETAIL = format('Window [%s, %s).', from_ts, to_ts);
    END IF;
    IF task = 'regression' THEN
        n_labeled := (perf ->> 'n')::bigint;
    END IF;

    -- numeric features with more than 5 distinct values are numeric; the rest categorical (Evidently's rule)
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        s := @extschema@.summary(num_profiles[i]);
        IF numbers[i] > 0 AND numbers[i] >= scalars[i] AND (s.mode = 'sketch' OR s.entries > 5) THEN
            kinds := kinds || 'numeric'::text;
        ELSE
            kinds := kinds || 'categorical'::text;
            cat_idx := cat_idx || i;
        END IF;
    END LOOP;
    IF array_length(cat_idx, 1) > 0 THEN
        q := format('SELECT ARRAY[%s]::@extschema@.profile[] FROM (SELECT @extschema@._jsonb_categories(%s, $4) AS cv, @extschema@._fence() AS fence %s) q',
            (SELECT string_agg(format('@extschema@.profile(cv[%s])', j), ', ') FROM generate_series(1, cardinality(cat_idx)) j),
            r.feature_object, r.from_clause);
        EXECUTE q INTO cat_profiles USING model, from_ts, to_ts, (SELECT array_agg(names[j] ORDER BY o) FROM unnest(cat_idx) WITH ORDINALITY u(j, o));
    END IF;

    DELETE FROM @extschema@.reference_profiles rp WHERE rp.model = _set_reference.model;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        IF kinds[i] = 'numeric' THEN
            s := @extschema@.summary(num_profiles[i]);
            INSERT INTO @extschema@.reference_profiles VALUES
                (model, 'feature', names[i], 'numeric', num_profiles[i], s.count,
                 CASE WHEN s.mode = 'exact' THEN s.entries END, NULL);
        ELSE
            s := @extschema@.summary(cat_profiles[array_position(cat_idx, i)]);
            INSERT INTO @extschema@.reference_profiles VALUES
                (model, 'feature', names[i], 'categorical', cat_profiles[array_position(cat_idx, i)], s.count,
                 CASE WHEN s.mode = 'exact' THEN s.entries END,
                 CASE WHEN s.mode = 'exact' THEN
                     (SELECT array_agg(t.value ORDER BY t.value)
                        FROM @extschema@.top_values(cat_profiles[array_position(cat_idx, i)], s.entries::int) t) END);
        END IF;
    END LOOP;
    IF pred_profile IS NOT NULL THEN
        s := @extschema@.summary(pred_profile);
        INSERT INTO @extschema@.reference_profiles VALUES
            (model, 'prediction', '', CASE WHEN task = 'classification' THEN 'categorical' ELSE 'numeric' END,
             pred_profile, s.count, CASE WHEN s.mode = 'exact' THEN s.entries END, NULL);
    END IF;
    INSERT INTO @extschema@.reference_windows AS rf VALUES (model, CASE WHEN keep_window THEN from_ts END,
        CASE WHEN keep_window THEN to_ts END, n, coalesce(n_labeled, 0),
        CASE WHEN coalesce(n_labeled, 0) > 0 THEN perf END, now())
    ON CONFLICT ON CONSTRAINT reference_windows_pkey DO UPDATE
       SET window_start = excluded.window_start, window_end = excluded.window_end, n_rows = excluded.n_rows,
           n_labeled = excluded.n_labeled, performance = excluded.performance, set_at = excluded.set_at;
    PERFORM @extschema@._set_calibration(model, r, from_ts, to_ts);
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean) IS
    'Build and store a model''s reference from the rows of a source (internal)';

CREATE FUNCTION @extschema@.set_reference(model text, from_ts timestamptz, to_ts timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF from_ts IS NULL OR to_ts IS NULL OR from_ts >= to_ts THEN
        RAISE EXCEPTION 'the reference window must have from_ts < to_ts' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN @extschema@._set_reference(model, @extschema@._source(model), from_ts, to_ts, true);
END
$$;
COMMENT ON FUNCTION @extschema@.set_reference(text, timestamptz, timestamptz) IS
    'Freeze [from_ts, to_ts) as the model''s reference: a profile per feature and of the predictions, and the baseline performance; returns the rows read';

-- The reference from a query (or a table: 'SELECT * FROM training_set'), e.g.
-- the training data: columns features (jsonb, required), and any of
-- predicted_label, predicted_value, score, label, actual.
CREATE FUNCTION @extschema@.set_reference(model text, query text)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql;
    cols text[];
    n bigint;
BEGIN
    PERFORM @extschema@._model_task(model);
    IF query IS NULL THEN
        RAISE EXCEPTION 'the reference query must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    DROP VIEW IF EXISTS pg_temp._mlmon_reference_input;
    EXECUTE format('CREATE TEMP VIEW _mlmon_reference_input AS %s', query);
    SELECT array_agg(a.attname::text) INTO cols FROM pg_attribute a
     WHERE a.attrelid = 'pg_temp._mlmon_reference_input'::regclass AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT 'features' = ANY (cols) OR (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = 'pg_temp._mlmon_reference_input'::regclass
                                          AND a.attname = 'features') <> 'jsonb'::regtype THEN
        RAISE EXCEPTION 'the reference query must return a jsonb column named "features"'
            USING ERRCODE = 'undefined_column',
                  HINT = 'Optional columns: predicted_label, predicted_value, score, label, actual.';
    END IF;
    r.from_clause := 'FROM pg_temp._mlmon_reference_input s WHERE $1 IS NOT NULL AND $2 < $3';
    r.ts := 'NULL::timestamptz';
    r.all_features := 's.features';
    r.feature_object := 's.features';
    r.predicted_label := CASE WHEN 'predicted_label' = ANY (cols) THEN 's.predicted_label::text' ELSE 'NULL::text' END;
    r.predicted_value := CASE WHEN 'predicted_value' = ANY (cols) THEN 's.predicted_value::float8' ELSE 'NULL::float8' END;
    r.score := CASE WHEN 'score' = ANY (cols) THEN 's.score::float8' ELSE 'NULL::float8' END;
    r.label := CASE WHEN 'label' = ANY (cols) THEN 's.label::text' ELSE 'NULL::text' END;
    r.actual := CASE WHEN 'actual' = ANY (cols) THEN 's.actual::float8' ELSE 'NULL::float8' END;
    r.latency := 'NULL::float8';
    n := @extschema@._set_reference(model, r, '-infinity', 'infinity', false);
    DROP VIEW pg_temp._mlmon_reference_input;
    RETURN n;
END
$$;
COMMENT ON FUNCTION @extschema@.set_reference(text, text) IS
    'Freeze the rows of a query (or table) as the model''s reference, e.g. the training set: columns features (jsonb) and optionally predicted_label, predicted_value, score, label, actual';

-- Checks ------------------------------------------------------------------

-- Adjusted p-values of one check: Bonferroni or Benjamini-Hochberg.
CREATE FUNCTION @extschema@._adjust_pvalues(p float8[], method text) RETURNS float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    WITH v AS (SELECT x, i, count(x) OVER () AS m FROM unnest(p) WITH ORDINALITY u(x, i)),
         r AS (SELECT x, i, m, row_number() OVER (ORDER BY x NULLS LAST, i) AS k FROM v),
         bh AS (SELECT i, x, least(1.0::float8, min(x * m / k) OVER (ORDER BY k DESC)) AS q FROM r)
    SELECT array_agg(CASE WHEN x IS NULL THEN NULL
                          WHEN method = 'bonferroni' THEN least(1.0::float8, x * (SELECT max(m) FROM v))
                          WHEN method = 'benjamini_hochberg' THEN q
                          ELSE x END ORDER BY i)
      FROM bh;
END;
COMMENT ON FUNCTION @extschema@._adjust_pvalues(float8[], text) IS
    'p-values adjusted for multiple testing: none, bonferroni or benjamini_hochberg (internal)';

CREATE FUNCTION @extschema@.run_checks(model text, window_start timestamptz, window_end timestamptz)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    task text := @extschema@._model_task(model);
    r @extschema@._source_sql := @extschema@._source(model);
    m @extschema@.models;
    rw @extschema@.reference_windows;
    names text[];
    kinds text[];
    profiles @extschema@.profile[];
    ref_n bigint[];
    ref_distinct bigint[];
    cats text[];
    pred_kind text;
    pred_profile @extschema@.profile;
    pred_n bigint;
    pred_distinct bigint;
    i int;
    nf int;
    tests text[] := '{}';
    thresholds float8[] := '{}';
    t record;
    inner_items text[] := '{}';
    fobj text;
    vexpr text;
    num_names text[] := '{}';
    cat_names text[] := '{}';
    num_min float8[] := '{}';
    num_max float8[] := '{}';
    counts bigint[];
    nk int;
    pred_now @extschema@.profile;
    shares record;
    outer_items text[] := '{}';
    s @extschema@.profile_summary;
    agg text;
    q text;
    n bigint;
    n_labeled bigint;
    malformed bigint;
    unexpected bigint;
    perf jsonb;
    lat jsonb;
    feats jsonb[];
    pred jsonb;
    fj jsonb;
    stat float8[] := '{}';
    pval float8[] := '{}';
    padj float8[];
    drifted int := 0;
    quality float8 := 0;
    res_check text[] := '{}';
    res_metric text[] := '{}';
    res_feature text[] := '{}';
    res_value float8[] := '{}';
    res_method text[] := '{}';
    cid bigint;
    secs float8;
    pt text;
    pth float8;
    pstat float8;
    pp float8;
    ref_perf jsonb;
    cal @extschema@.calibrations;
    cm jsonb;
    anom float8;
    stream jsonb;
BEGIN
    IF window_start IS NULL OR window_end IS NULL OR window_start >= window_end THEN
        RAISE EXCEPTION 'the check window must have window_start < window_end' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO m FROM @extschema@.models mm WHERE mm.name = run_checks.model;
    SELECT * INTO rw FROM @extschema@.reference_windows x WHERE x.model = run_checks.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" has no reference', model
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Freeze a reference window first with mlmon.set_reference(model, from_ts, to_ts).';
    END IF;
    SELECT array_agg(rp.feature ORDER BY rp.feature), array_agg(rp.kind ORDER BY rp.feature),
           array_agg(rp.profile ORDER BY rp.feature), array_agg(rp.n ORDER BY rp.feature),
           array_agg(rp.distinct_values ORDER BY rp.feature)
      INTO names, kinds, profiles, ref_n, ref_distinct
      FROM @extschema@.reference_profiles rp WHERE rp.model = run_checks.model AND rp.role = 'feature';
    SELECT rp.kind, rp.profile, rp.n, rp.distinct_values INTO pred_kind, pred_profile, pred_n, pred_distinct
      FROM @extschema@.reference_profiles rp WHERE rp.model = run_checks.model AND rp.role = 'prediction';
    nf := coalesce(array_length(names, 1), 0);
    SELECT * INTO cal FROM @extschema@.calibrations c WHERE c.model = run_checks.model;

    -- one query reads the window once for every feature, the predictions and the metrics:
    -- the feature object is looked up once per row for all numeric and all categorical features
    fobj := r.feature_object;
    FOR i IN 1 .. nf LOOP
        SELECT * INTO t FROM @extschema@._drift_test(model, names[i], kinds[i], ref_n[i], ref_distinct[i]);
        tests := tests || t.test;
        thresholds := thresholds || t.threshold;
        agg := CASE t.test WHEN 'ks' THEN '@extschema@.ks_2samp' WHEN 'wasserstein' THEN '@extschema@.wasserstein_normed'
                           WHEN 'psi' THEN '@extschema@.psi' WHEN 'jensen_shannon' THEN '@extschema@.jensen_shannon'
                           WHEN 'chi2' THEN '@extschema@.chi2_drift' ELSE '@extschema@.z_test' END;
        s := @extschema@.summary(profiles[i]);
        IF kinds[i] = 'numeric' THEN
            num_names := num_names || names[i];
            vexpr := format('nv[%s]', cardinality(num_names));
            num_min := num_min || s.min;
            num_max := num_max || s.max;
            -- (counts come from _feature_counts, for all numeric features at once)
            outer_items := outer_items || format(
                'jsonb_build_object(''test'', to_jsonb(%1$s(%2$s, ($4)[%3$s])), ''effect'', %4$s)',
                agg, vexpr, i,
                CASE WHEN t.test = 'wasserstein' THEN 'NULL::float8'
                     ELSE format('@extschema@.wasserstein_normed(%s, ($4)[%s])', vexpr, i) END);
        ELSE
            cat_names := cat_names || names[i];
            vexpr := format('cv[%s]', cardinality(cat_names));
            SELECT rp.categories INTO cats FROM @extschema@.reference_profiles rp
             WHERE rp.model = run_checks.model AND rp.role = 'feature' AND rp.feature = names[i];
            inner_items := inner_items || format('jsonb_typeof(%s -> %L) AS t%s', fobj, names[i], i);
            outer_items := outer_items || format(
                'jsonb_build_object(''test'', to_jsonb(%1$s(%2$s, ($4)[%3$s])), ''effect'', %4$s, '
                '''n'', count(%2$s), ''missing'', count(*) FILTER (WHERE t%3$s IS NULL OR t%3$s = ''null''), '
                '''invalid'', count(*) FILTER (WHERE t%3$s IN (''object'', ''array'')), '
                '''outside'', %5$s)',
                agg, vexpr, i,
                CASE WHEN t.test = 'jensen_shannon' THEN 'NULL::float8'
                     ELSE format('@extschema@.jensen_shannon(%s, ($4)[%s])', vexpr, i) END,
                CASE WHEN cats IS NULL THEN 'NULL::bigint'
                     ELSE format('count(*) FILTER (WHERE %s <> ALL (%L::text[]))', vexpr, cats) END);
        END IF;
    END LOOP;
    IF pred_profile IS NOT NULL THEN
        SELECT * INTO t FROM @extschema@._drift_test(model, '', pred_kind, pred_n, pred_distinct);
        pt := t.test;
        pth := t.threshold;
        agg := CASE pt WHEN 'ks' THEN '@extschema@.ks_2samp' WHEN 'wasserstein' THEN '@extschema@.wasserstein_normed'
                       WHEN 'psi' THEN '@extschema@.psi' WHEN 'jensen_shannon' THEN '@extschema@.jensen_shannon'
                       WHEN 'chi2' THEN '@extschema@.chi2_drift' ELSE '@extschema@.z_test' END;
    END IF;
    q := 'SELECT count(*), count(lbl), count(*) FILTER (WHERE ftype IS DISTINCT FROM ''object''), '
         || CASE WHEN r.all_features IS NULL THEN '0::bigint' ELSE 'count(*) FILTER (WHERE extra)' END || ', '
         || CASE WHEN task = 'classification'
                 THEN 'to_jsonb(@extschema@.classification_metrics(lbl, plabel, score))'
                 ELSE 'to_jsonb(@extschema@.regression_metrics(act, pvalue))' END || ', '
         || 'CASE WHEN count(lat) > 0 THEN jsonb_build_object('
         || '''p50'', @extschema@.quantile(@extschema@.profile(lat), 0.5), '
         || '''p90'', @extschema@.quantile(@extschema@.profile(lat), 0.9), '
         || '''p95'', @extschema@.quantile(@extschema@.profile(lat), 0.95), '
         || '''p99'', @extschema@.quantile(@extschema@.profile(lat), 0.99), ''mean'', avg(lat)) END, '
         || CASE WHEN pred_profile IS NULL THEN 'NULL::jsonb'
                 ELSE format('jsonb_build_object(''test'', to_jsonb(%s(%s, $5)), ''n'', count(%2$s))', agg,
                             CASE WHEN task = 'classification' THEN 'plabel' ELSE 'pvalue' END) END || ', '
         || 'ARRAY[' || array_to_string(outer_items, ', ') || ']::jsonb[], '
         || '@extschema@._feature_counts(nv, $8, $9), '
         || 'avg(@extschema@._anomalous($1, nv, cv, 0.01)::int), '
         || 'jsonb_build_object(''tp'', sum(cq) FILTER (WHERE plabel = $12), ''fp'', sum(1 - cq) FILTER (WHERE plabel = $12), '
         || '''fn'', sum(cq) FILTER (WHERE plabel = $13), ''tn'', sum(1 - cq) FILTER (WHERE plabel = $13), '
         || '''n'', count(cq) FILTER (WHERE plabel IN ($12, $13))), '
         -- the error stream of the labelled rows in time order (concept drift): a
         -- (time, error) pair per row, sorted only if the rows came out of order
         || CASE WHEN task = 'classification'
                 THEN 'to_jsonb(@extschema@._adwin_by_time(t, CASE WHEN lbl IS NOT NULL THEN (lbl IS DISTINCT FROM plabel)::int::float8 END)), '
                 ELSE 'to_jsonb(@extschema@._page_hinkley_by_time(t, abs(act - pvalue) / $14)), ' END
         || CASE WHEN task = 'classification' THEN '@extschema@.profile(plabel) ' ELSE '@extschema@.profile(pvalue) ' END
         || format('FROM (SELECT %s AS lbl, %s AS act, %s AS plabel, %s AS pvalue, '
                   'CASE WHEN %s >= 0 AND %5$s <= 1 THEN %5$s END AS score, %s AS lat, %s AS ftype, %s AS extra, @extschema@._fence() AS fence%s %s) q',
                   CASE WHEN task = 'classification' THEN r.label ELSE 'NULL::text' END, r.actual,
                   r.predicted_label, r.predicted_value, r.score, r.latency,
                   coalesce('jsonb_typeof(' || r.all_features || ')', '''object''::text'),
                   CASE WHEN r.all_features IS NULL THEN 'false'
                        ELSE format('@extschema@._jsonb_has_other_keys(%s, $10)', r.all_features) END,
                   format(', @extschema@._jsonb_numbers(%1$s, $6) AS nv, @extschema@._jsonb_categories(%1$s, $7) AS cv', fobj)
                   || format(', @extschema@.calibrate($11, CASE WHEN %1$s >= 0 AND %1$s <= 1 THEN %1$s END) AS cq', r.score)
                   || format(', %s AS t', r.ts)
                   || CASE WHEN cardinality(inner_items) > 0 THEN ', ' || array_to_string(inner_items, ', ') ELSE '' END,
                   r.from_clause);
    EXECUTE q INTO n, n_labeled, malformed, unexpected, perf, lat, pred, feats, counts, anom, cm, stream, pred_now
        USING model, window_start, window_end, profiles, pred_profile, num_names, cat_names, num_min, num_max,
              coalesce(names, '{}'), cal.calibration, cal.positive_label, cal.negative_label,
              (rw.performance->>'mae')::float8;
    -- the numeric features' counts join their results
    nk := 0;
    FOR i IN 1 .. nf LOOP
        IF kinds[i] = 'numeric' THEN
            feats[i] := feats[i] || jsonb_build_object('n', coalesce(counts[4 * nk + 1], 0),
                'missing', coalesce(counts[4 * nk + 2], n), 'invalid', coalesce(counts[4 * nk + 3], 0),
                'outside', coalesce(counts[4 * nk + 4], 0));
            nk := nk + 1;
        END IF;
    END LOOP;
    IF task = 'regression' THEN
        n_labeled := coalesce((perf ->> 'n')::bigint, 0);
    END IF;
    secs := extract(epoch FROM window_end - window_start);

    -- volume and latency
    res_check := res_check || ARRAY['volume', 'volume', 'volume'];
    res_metric := res_metric || ARRAY['rows', 'labeled_rows', 'throughput_per_second'];
    res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
    res_value := res_value || ARRAY[n, n_labeled, n / secs]::float8[];
    res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    IF lat IS NOT NULL THEN
        res_check := res_check || ARRAY['latency', 'latency', 'latency', 'latency', 'latency'];
        res_metric := res_metric || ARRAY['p50_ms', 'p90_ms', 'p95_ms', 'p99_ms', 'mean_ms'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[(lat->>'p50')::float8, (lat->>'p90')::float8, (lat->>'p95')::float8,
                                        (lat->>'p99')::float8, (lat->>'mean')::float8];
        res_method := res_method || ARRAY[NULL, NULL, NULL, NULL, NULL]::text[];
    END IF;

    -- performance against the reference
    ref_perf := rw.performance;
    IF perf IS NOT NULL AND task = 'classification' THEN
        SELECT res_check || array_agg('performance'::text ORDER BY o), res_metric || array_agg(k ORDER BY o),
               res_feature || array_agg(NULL::text ORDER BY o), res_value || array_agg(v ORDER BY o),
               res_method || array_agg(NULL::text ORDER BY o)
          INTO res_check, res_metric, res_feature, res_value, res_method
          FROM (VALUES (1, 'accuracy', (perf->>'accuracy')::float8),
                       (2, 'precision', (perf->>'precision_weighted')::float8),
                       (3, 'recall', (perf->>'recall_weighted')::float8),
                       (4, 'f1', (perf->>'f1_weighted')::float8),
                       (5, 'precision_macro', (perf->>'precision_macro')::float8),
                       (6, 'recall_macro', (perf->>'recall_macro')::float8),
                       (7, 'f1_macro', (perf->>'f1_macro')::float8),
                       (8, 'roc_auc', (perf->>'roc_auc')::float8),
                       (9, 'log_loss', (perf->>'log_loss')::float8),
                       (10, 'brier', (perf->>'brier')::float8),
                       (11, 'reference_accuracy', (ref_perf->>'accuracy')::float8),
                       (12, 'accuracy_drop', (ref_perf->>'accuracy')::float8 - (perf->>'accuracy')::float8)) x(o, k, v)
         WHERE v IS NOT NULL;
    ELSIF perf IS NOT NULL THEN
        SELECT res_check || array_agg('performance'::text ORDER BY o), res_metric || array_agg(k ORDER BY o),
               res_feature || array_agg(NULL::text ORDER BY o), res_value || array_agg(v ORDER BY o),
               res_method || array_agg(NULL::text ORDER BY o)
          INTO res_check, res_metric, res_feature, res_value, res_method
          FROM (VALUES (1, 'mae', (perf->>'mae')::float8), (2, 'mse', (perf->>'mse')::float8),
                       (3, 'rmse', (perf->>'rmse')::float8), (4, 'r2', (perf->>'r2')::float8),
                       (5, 'mape', (perf->>'mape')::float8),
                       (6, 'reference_r2', (ref_perf->>'r2')::float8),
                       (7, 'r2_drop', (ref_perf->>'r2')::float8 - (perf->>'r2')::float8)) x(o, k, v)
         WHERE v IS NOT NULL;
    END IF;

    -- data drift per feature
    FOR i IN 1 .. nf LOOP
        fj := feats[i];
        IF jsonb_typeof(fj->'test') = 'object' THEN
            stat := stat || (fj->'test'->>'statistic')::float8;
            pval := pval || (fj->'test'->>'pvalue')::float8;
        ELSE
            stat := stat || (fj->>'test')::float8;
            pval := pval || NULL::float8;
        END IF;
    END LOOP;
    padj := @extschema@._adjust_pvalues(pval, m.drift_correction);
    FOR i IN 1 .. nf LOOP
        fj := feats[i];
        DECLARE
            is_p boolean := tests[i] IN ('ks', 'chi2', 'z_test');
            d float8 := CASE WHEN is_p THEN (padj[i] <= thresholds[i])::int
                             ELSE (stat[i] >= thresholds[i])::int END;
            nn float8 := (fj->>'n')::float8;
            miss float8 := (fj->>'missing')::float8 / greatest(n, 1);
            inval float8 := (fj->>'invalid')::float8 / greatest(n, 1);
            outside float8 := (fj->>'outside')::float8 / greatest(nn, 1);
        BEGIN
            drifted := drifted + coalesce(d, 0)::int;
            quality := greatest(quality, miss, inval);
            res_check := res_check || ARRAY['data_drift', 'data_drift', 'data_drift', 'data_drift', 'data_drift',
                                            'data_drift', 'data_drift',
                                            'data_quality', 'data_quality', 'data_quality'];
            res_metric := res_metric || ARRAY['statistic', 'p_value', 'p_value_adjusted', 'effect_size', 'threshold',
                                              'drift_detected', 'n',
                                              'missing_rate', 'invalid_rate',
                                              CASE WHEN kinds[i] = 'numeric' THEN 'out_of_range_rate' ELSE 'unseen_category_rate' END];
            res_feature := res_feature || array_fill(names[i], ARRAY[10]);
            res_value := res_value || ARRAY[stat[i], pval[i], padj[i], coalesce((fj->>'effect')::float8, stat[i]),
                                            thresholds[i], d, nn,
                                            miss, inval, CASE WHEN nn > 0 THEN outside END];
            res_method := res_method || array_fill(tests[i], ARRAY[7]) || ARRAY[NULL, NULL, NULL]::text[];
        END;
    END LOOP;
    IF nf > 0 THEN
        res_check := res_check || ARRAY['data_drift', 'data_drift', 'data_drift'];
        res_metric := res_metric || ARRAY['drifted_features', 'drift_share', 'dataset_drift'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[drifted, drifted::float8 / nf, (drifted::float8 / nf >= 0.5)::int]::float8[];
        res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    END IF;

    -- output drift
    IF pred IS NOT NULL AND (pred->>'n')::bigint > 0 THEN
        IF jsonb_typeof(pred->'test') = 'object' THEN
            pstat := (pred->'test'->>'statistic')::float8;
            pp := (pred->'test'->>'pvalue')::float8;
        ELSE
            pstat := (pred->>'test')::float8;
        END IF;
        res_check := res_check || ARRAY['output_drift', 'output_drift', 'output_drift', 'output_drift'];
        res_metric := res_metric || ARRAY['statistic', 'p_value', 'threshold', 'drift_detected'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[pstat, pp, pth,
            CASE WHEN pt IN ('ks', 'chi2', 'z_test') THEN (pp <= pth)::int ELSE (pstat >= pth)::int END]::float8[];
        res_method := res_method || ARRAY[pt, pt, pt, pt];
    END IF;

    -- the prediction distribution of the window (for dashboards): each
    -- class's share, or the predicted values' quartiles
    IF pred_now IS NOT NULL AND task = 'classification' THEN
        FOR shares IN SELECT tv.value, tv.frequency FROM @extschema@.top_values(pred_now, 100) tv LOOP
            res_check := res_check || 'output_drift'::text;
            res_metric := res_metric || 'prediction_share'::text;
            res_feature := res_feature || shares.value;
            res_value := res_value || shares.frequency;
            res_method := res_method || NULL::text;
        END LOOP;
    ELSIF pred_now IS NOT NULL AND @extschema@.count(pred_now) > 0 THEN
        res_check := res_check || ARRAY['output_drift', 'output_drift', 'output_drift'];
        res_metric := res_metric || ARRAY['prediction_p25', 'prediction_p50', 'prediction_p75'];
        res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
        res_value := res_value || ARRAY[@extschema@.quantile(pred_now, 0.25), @extschema@.quantile(pred_now, 0.5),
                                        @extschema@.quantile(pred_now, 0.75)];
        res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    END IF;

    -- data quality of the rows as a whole
    quality := greatest(quality, malformed::float8 / greatest(n, 1), unexpected::float8 / greatest(n, 1));
    res_check := res_check || ARRAY['data_quality', 'data_quality', 'data_quality'];
    res_metric := res_metric || ARRAY['malformed_rate', 'unexpected_features_rate', 'quality_issue_rate'];
    res_feature := res_feature || ARRAY[NULL, NULL, NULL]::text[];
    res_value := res_value || ARRAY[CASE WHEN n > 0 THEN malformed::float8 / n END,
                                    CASE WHEN n > 0 THEN unexpected::float8 / n END,
                                    CASE WHEN n > 0 THEN quality END];
    res_method := res_method || ARRAY[NULL, NULL, NULL]::text[];
    IF unexpected > 0 THEN
        -- which unexpected features, and in how many rows
        EXECUTE format('SELECT array_agg(k ORDER BY k), array_agg(c ORDER BY k) FROM (
                          SELECT k, count(*)::float8 AS c FROM (SELECT jsonb_object_keys(%1$s) AS k %2$s
                             AND jsonb_typeof(%1$s) = ''object'') q0 WHERE k <> ALL ($4) GROUP BY k ORDER BY k LIMIT 100) q',
                       r.all_features, r.from_clause)
           INTO cats, stat USING model, window_start, window_end, coalesce(names, '{}');
        res_check := res_check || array_fill('data_quality'::text, ARRAY[array_length(cats, 1)]);
        res_metric := res_metric || array_fill('unexpected_feature_rows'::text, ARRAY[array_length(cats, 1)]);
        res_feature := res_feature || cats;
        res_value := res_value || stat;
        res_method := res_method || array_fill(NULL::text, ARRAY[array_length(cats, 1)]);
    END IF;

    -- anomalous rows, concept drift (labelled rows), estimated performance (calibrated scores)
    IF anom IS NOT NULL THEN
        res_check := res_check || 'anomalies'::text;
        res_metric := res_metric || 'anomaly_rate'::text;
        res_feature := res_feature || NULL::text;
        res_value := res_value || anom;
        res_method := res_method || NULL::text;
    END IF;
    SELECT res_check || coalesce(array_agg(x."check"), '{}'), res_metric || coalesce(array_agg(x.metric), '{}'),
           res_feature || coalesce(array_agg(x.feature), '{}'), res_value || coalesce(array_agg(x.value), '{}'),
           res_method || coalesce(array_agg(x.method), '{}')
      INTO res_check, res_metric, res_feature, res_value, res_method
      FROM (SELECT * FROM @extschema@._concept_results(model, r, task, window_start, window_end, ref_perf,
                                                       rw.n_labeled, CASE WHEN n_labeled > 0 THEN perf END, stream)
            UNION ALL
            SELECT * FROM @extschema@._cbpe_results(cm, CASE WHEN n_labeled > 0 THEN perf END, ref_perf,
                                                    cal.positive_label)) x
     WHERE x.value IS NOT NULL;

    -- one statement writes every result: the alert trigger sees the whole check
    INSERT INTO @extschema@.checks (model, window_start, window_end, n_rows, n_labeled, finished_at)
    VALUES (model, window_start, window_end, n, n_labeled, clock_timestamp())
    RETURNING check_id INTO cid;
    INSERT INTO @extschema@.check_results (check_id, time, model, "check", metric, feature, value, method)
    SELECT cid, window_end, model, c, mt, f, v, me
      FROM unnest(res_check, res_metric, res_feature, res_value, res_method) u(c, mt, f, v, me);
    RETURN cid;
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, timestamptz, timestamptz) IS
    'Check [window_start, window_end) of a model against its reference in one read: performance, drift per feature, output drift, data quality, latency, volume; returns the check id';

CREATE FUNCTION @extschema@.run_checks(model text, "window" interval DEFAULT NULL)
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w interval;
BEGIN
    PERFORM @extschema@._model_task(model);
    SELECT coalesce(run_checks."window", m.default_window) INTO w FROM @extschema@.models m WHERE m.name = model;
    RETURN @extschema@.run_checks(model, now() - w, now());
END
$$;
COMMENT ON FUNCTION @extschema@.run_checks(text, interval) IS
    'Check the last window (default: the model''s default_window, 1 day) of a model; returns the check id';

-- Alerts ----------------------------------------------------------------

-- Raise (or refresh) the alert of one key; a key resolved less than the
-- rule's cooldown ago is reopened instead of raised anew.  Notifies the
-- channel mlmon_alerts when an alert opens.
CREATE FUNCTION @extschema@._raise_alert(model text, alert_type text, severity text, feature text,
        features text[], details jsonb, check_id bigint, cooldown interval)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a @extschema@.alerts;
    opened boolean := false;
BEGIN
    UPDATE @extschema@.alerts x
       SET last_seen = now(), occurrences = x.occurrences + 1, details = _raise_alert.details,
           severity = _raise_alert.severity, features = _raise_alert.features, check_id = _raise_alert.check_id
     WHERE x.model = _raise_alert.model AND x.type = alert_type
       AND coalesce(x.feature, '') = coalesce(_raise_alert.feature, '') AND x.status = 'open'
    RETURNING * INTO a;
    IF NOT FOUND THEN
        UPDATE @extschema@.alerts x
           SET status = 'open', resolved_at = NULL, last_seen = now(), occurrences = x.occurrences + 1,
               details = _raise_alert.details, severity = _raise_alert.severity, features = _raise_alert.features,
               check_id = _raise_alert.check_id
         WHERE x.alert_id = (SELECT y.alert_id FROM @extschema@.alerts y
                              WHERE y.model = _raise_alert.model AND y.type = alert_type
                                AND coalesce(y.feature, '') = coalesce(_raise_alert.feature, '')
                                AND y.status = 'resolved' AND y.resolved_at > now() - cooldown
                              ORDER BY y.resolved_at DESC LIMIT 1)
        RETURNING * INTO a;
        IF NOT FOUND THEN
            INSERT INTO @extschema@.alerts (model, type, severity, feature, features, details, check_id)
            VALUES (model, alert_type, severity, feature, features, details, check_id)
            RETURNING * INTO a;
        END IF;
        opened := true;
    END IF;
    IF opened THEN
        PERFORM pg_notify('mlmon_alerts', jsonb_build_object(
            'alert_id', a.alert_id, 'time', a.time, 'model', a.model, 'type', a.type, 'severity', a.severity,
            'feature', a.feature, 'features', a.features, 'details', a.details, 'check_id', a.check_id)::text);
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval) IS
    'Open or refresh one alert, deduplicated per model, type and feature, with cooldown (internal)';

CREATE FUNCTION @extschema@._resolve_alerts(model text, alert_type text, keep_features text[] DEFAULT NULL)
    RETURNS void LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    UPDATE @extschema@.alerts x SET status = 'resolved', resolved_at = now()
     WHERE x.model = _resolve_alerts.model AND x.type = _resolve_alerts.alert_type AND x.status = 'open'
       AND (keep_features IS NULL OR x.feature IS NULL OR x.feature <> ALL (keep_features));
END;
COMMENT ON FUNCTION @extschema@._resolve_alerts(text, text, text[]) IS
    'Resolve the open alerts of a type whose condition cleared (internal)';

-- The rules in force for a model: its own, else the defaults.
CREATE FUNCTION @extschema@.effective_alert_rules(model text)
    RETURNS SETOF @extschema@.alert_rules LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT DISTINCT ON (r.alert_type) r.*
      FROM @extschema@.alert_rules r
     WHERE r.model = effective_alert_rules.model OR r.model IS NULL
     ORDER BY r.alert_type, r.model NULLS LAST;
END;
COMMENT ON FUNCTION @extschema@.effective_alert_rules(text) IS
    'The alert rules in force for a model: its own rules, else the defaults';

-- Statement trigger on mlmon.check_results: applies the rules to each new check.
CREATE FUNCTION @extschema@._apply_alert_rules() RETURNS trigger
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c record;
    rule record;
    v float8;
    v2 float8;
    drifted text[];
    data_drift_fired boolean;
BEGIN
    FOR c IN SELECT DISTINCT nr.check_id, nr.model FROM new_results nr ORDER BY nr.check_id LOOP
        -- one rule evaluation at a time per model: no duplicate or lost alerts
        PERFORM pg_advisory_xact_lock(hashtext('mlmon.alerts'), hashtext(c.model));
        -- each check once (rows restored from a dump, or added later, raise nothing again)
        UPDATE @extschema@.checks ck SET alerts_applied = true
         WHERE ck.check_id = c.check_id AND NOT ck.alerts_applied;
        IF NOT FOUND THEN
            CONTINUE;
        END IF;
        -- a window without rows says nothing: open alerts stay as they are
        IF coalesce((SELECT nr.value FROM new_results nr WHERE nr.check_id = c.check_id
                        AND nr."check" = 'volume' AND nr.metric = 'rows'), 0) = 0 THEN
            CONTINUE;
        END IF;
        SELECT array_agg(nr.feature ORDER BY nr.feature) INTO drifted FROM new_results nr
         WHERE nr.check_id = c.check_id AND nr."check" = 'data_drift' AND nr.metric = 'drift_detected' AND nr.value = 1;
        drifted := coalesce(drifted, '{}');
        data_drift_fired := false;
        FOR rule IN SELECT * FROM @extschema@.effective_alert_rules(c.model) ORDER BY
                CASE alert_type WHEN 'data_drift' THEN 0 ELSE 1 END LOOP
            IF NOT rule.enabled THEN
                CONTINUE;
            END IF;
            IF rule.alert_type = 'performance_degradation' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'performance'
                   AND nr.metric IN ('accuracy_drop', 'r2_drop');
                IF v IS NULL THEN
                    CONTINUE;      -- no labels in this window: the condition is unknown
                ELSIF v > rule.threshold THEN
                    SELECT nr.value INTO v2 FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'performance'
                       AND nr.metric IN ('accuracy', 'r2');
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        jsonb_build_object('current', v2, 'reference', v2 + v, 'degradation', v, 'threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'data_drift' THEN
                IF cardinality(drifted) >= rule.threshold THEN
                    data_drift_fired := true;
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, drifted,
                        jsonb_build_object('n_drifted', cardinality(drifted), 'threshold', rule.threshold,
                            'drifted_features', (SELECT jsonb_agg(jsonb_build_object('feature', d.feature, 'method', d.method,
                                                     'statistic', d.value, 'p_value', p.value) ORDER BY d.feature)
                                                   FROM new_results d LEFT JOIN new_results p
                                                     ON p.check_id = d.check_id AND p.feature = d.feature
                                                    AND p."check" = 'data_drift' AND p.metric = 'p_value'
                                                  WHERE d.check_id = c.check_id AND d."check" = 'data_drift'
                                                    AND d.metric = 'statistic' AND d.feature = ANY (drifted))),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'feature_drift' THEN
                -- single features, while the data_drift rule has not fired
                IF data_drift_fired THEN
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                ELSE
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, d.feature, ARRAY[d.feature],
                                jsonb_build_object('method', d.method, 'statistic', d.value,
                                                   'p_value', (SELECT p.value FROM new_results p WHERE p.check_id = c.check_id
                                                                  AND p.feature = d.feature AND p."check" = 'data_drift'
                                                                  AND p.metric = 'p_value')),
                                c.check_id, rule.cooldown)
                       FROM new_results d
                      WHERE d.check_id = c.check_id AND d."check" = 'data_drift' AND d.metric = 'statistic'
                        AND d.feature = ANY (drifted);
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type, drifted);
                END IF;
            ELSIF rule.alert_type = 'output_drift' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = 'output_drift' AND nr.metric = 'drift_detected';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v >= rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) || jsonb_build_object('method', min(nr.method))
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'output_drift'),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type = 'data_quality' THEN
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = 'data_quality' AND nr.metric = 'quality_issue_rate';
                IF v IS NULL THEN
                    CONTINUE;
                ELSIF v > rule.threshold THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(coalesce(nr.feature || '.', '') || nr.metric, nr.value)
                           FROM new_results nr WHERE nr.check_id = c.check_id AND nr."check" = 'data_quality'
                            AND nr.value > 0 AND nr.metric <> 'out_of_range_rate' AND nr.metric <> 'unseen_category_rate')
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            ELSIF rule.alert_type IN ('concept_drift', 'anomalies', 'estimated_performance') THEN
                -- one number against the threshold; its check's other results are the details
                SELECT nr.value INTO v FROM new_results nr WHERE nr.check_id = c.check_id
                   AND nr."check" = rule.alert_type
                   AND nr.metric = CASE rule.alert_type WHEN 'concept_drift' THEN 'drift_detected'
                                                        WHEN 'anomalies' THEN 'anomaly_rate'
                                                        ELSE 'estimated_accuracy_drop' END;
                IF v IS NULL THEN
                    CONTINUE;      -- no labels, scores or features to judge by in this window
                ELSIF (rule.alert_type = 'concept_drift' AND v >= rule.threshold)
                      OR (rule.alert_type <> 'concept_drift' AND v > rule.threshold) THEN
                    PERFORM @extschema@._raise_alert(c.model, rule.alert_type, rule.severity, NULL, NULL,
                        (SELECT jsonb_object_agg(nr.metric, nr.value) FROM new_results nr
                          WHERE nr.check_id = c.check_id AND nr."check" = rule.alert_type)
                        || jsonb_build_object('threshold', rule.threshold),
                        c.check_id, rule.cooldown);
                ELSE
                    PERFORM @extschema@._resolve_alerts(c.model, rule.alert_type);
                END IF;
            END IF;
        END LOOP;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@._apply_alert_rules() IS
    'Trigger function: apply the alert rules to the results of each new check (internal)';
CREATE TRIGGER apply_alert_rules AFTER INSERT ON @extschema@.check_results
    REFERENCING NEW TABLE AS new_results
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._apply_alert_rules();
COMMENT ON TRIGGER apply_alert_rules ON @extschema@.check_results IS
    'Raise, refresh and resolve alerts from each new check''s results';

CREATE FUNCTION @extschema@.acknowledge_alert(alert_id bigint)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE @extschema@.alerts a SET status = 'resolved', resolved_at = now()
     WHERE a.alert_id = acknowledge_alert.alert_id AND a.status = 'open';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no open alert with id %', alert_id USING ERRCODE = 'undefined_object';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@.acknowledge_alert(bigint) IS 'Resolve an open alert by hand';

-- Report views --------------------------------------------------------------

CREATE VIEW @extschema@.performance_history AS
SELECT c.check_id, c.model, c.window_start, c.window_end AS time, c.n_rows, c.n_labeled,
       max(r.value) FILTER (WHERE r.metric = 'accuracy') AS accuracy,
       max(r.value) FILTER (WHERE r.metric = 'precision') AS precision,
       max(r.value) FILTER (WHERE r.metric = 'recall') AS recall,
       max(r.value) FILTER (WHERE r.metric = 'f1') AS f1,
       max(r.value) FILTER (WHERE r.metric = 'f1_macro') AS f1_macro,
       max(r.value) FILTER (WHERE r.metric = 'roc_auc') AS roc_auc,
       max(r.value) FILTER (WHERE r.metric = 'log_loss') AS log_loss,
       max(r.value) FILTER (WHERE r.metric = 'brier') AS brier,
       max(r.value) FILTER (WHERE r.metric = 'mae') AS mae,
       max(r.value) FILTER (WHERE r.metric = 'rmse') AS rmse,
       max(r.value) FILTER (WHERE r.metric = 'r2') AS r2,
       max(r.value) FILTER (WHERE r.metric = 'mape') AS mape,
       max(r.value) FILTER (WHERE r.metric IN ('accuracy_drop', 'r2_drop')) AS degradation
  FROM @extschema@.checks c
  LEFT JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" = 'performance'
 GROUP BY c.check_id;
COMMENT ON VIEW @extschema@.performance_history IS
    'Performance per check over time (NULL where the window had no labels)';

CREATE VIEW @extschema@.feature_drift AS
SELECT DISTINCT ON (c.model, r.feature)
       c.model, r.feature, c.check_id, c.window_end AS time, r.method,
       r.value AS statistic,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'p_value') AS p_value,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'p_value_adjusted') AS p_value_adjusted,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'effect_size') AS effect_size,
       (SELECT x.value FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'threshold') AS threshold,
       (SELECT x.value = 1 FROM @extschema@.check_results x WHERE x.check_id = c.check_id AND x.feature = r.feature
           AND x."check" = 'data_drift' AND x.metric = 'drift_detected') AS drift_detected
  FROM @extschema@.checks c
  JOIN @extschema@.check_results r ON r.check_id = c.check_id AND r."check" = 'data_drift' AND r.metric = 'statistic'
 ORDER BY c.model, r.feature, c.window_end DESC, c.check_id DESC;
COMMENT ON VIEW @extschema@.feature_drift IS 'The latest drift result of each feature of each model';

CREATE VIEW @extschema@.monitoring_report AS
SELECT m.name AS model, m.version, m.task,
       min(c.window_start) AS period_start, max(c.window_end) AS period_end,
       count(c.check_id) AS n_checks,
       (SELECT avg(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_accuracy,
       (SELECT min(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS min_accuracy,
       (SELECT max(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS max_accuracy,
       (SELECT stddev_samp(p.accuracy) FROM @extschema@.performance_history p WHERE p.model = m.name) AS std_accuracy,
       (SELECT avg(p.f1) FROM @extschema@.performance_history p WHERE p.model = m.name) AS avg_f1,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name) AS total_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type IN ('data_drift', 'feature_drift')) AS data_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'output_drift') AS output_drift_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'performance_degradation') AS performance_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.type = 'data_quality') AS data_quality_alerts,
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open') AS open_alerts,
       (SELECT coalesce(jsonb_agg(to_jsonb(a) - 'model' ORDER BY a.time DESC, a.alert_id DESC), '[]')
          FROM (SELECT * FROM @extschema@.alerts a WHERE a.model = m.name
                 ORDER BY a.time DESC, a.alert_id DESC LIMIT 10) a) AS last_alerts
  FROM @extschema@.models m
  LEFT JOIN @extschema@.checks c ON c.model = m.name
 GROUP BY m.name;
COMMENT ON VIEW @extschema@.monitoring_report IS
    'Per model: the monitored period, number of checks, accuracy summary, alert counts by type and the last 10 alerts';

CREATE FUNCTION @extschema@.report(model text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@.monitoring_report;
BEGIN
    -- read through the views only, so that readers may call it
    SELECT * INTO r FROM @extschema@.monitoring_report x WHERE x.model = report.model;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'model "%" is not registered', model
            USING ERRCODE = 'undefined_object', HINT = 'Register it with mlmon.register_model(name, version, task).';
    END IF;
    RETURN jsonb_build_object(
        'model', jsonb_build_object('name', r.model, 'version', r.version, 'task', r.task),
        'monitoring_period', jsonb_build_object('start', r.period_start, 'end', r.period_end, 'n_batches', r.n_checks),
        'performance_summary', jsonb_build_object('avg_accuracy', r.avg_accuracy, 'min_accuracy', r.min_accuracy,
            'max_accuracy', r.max_accuracy, 'std_accuracy', r.std_accuracy, 'avg_f1', r.avg_f1),
        'drift_summary', jsonb_build_object('total_alerts', r.total_alerts, 'data_drift_alerts', r.data_drift_alerts,
            'output_drift_alerts', r.output_drift_alerts, 'performance_alerts', r.performance_alerts,
            'data_quality_alerts', r.data_quality_alerts, 'open_alerts', r.open_alerts),
        'alerts', r.last_alerts,
        'recommendations', (SELECT coalesce(jsonb_agg(to_jsonb(x) - 'model' ORDER BY x.priority), '[]')
                              FROM @extschema@.recommendations x WHERE x.model = report.model));
END
$$;

CREATE VIEW @extschema@.recommendations AS
WITH open AS (
    SELECT a.model, a.type, a.severity, a.feature, a.features, a.details
      FROM @extschema@.alerts a WHERE a.status = 'open'
), rec AS (
    SELECT o.model, 'retrain'::text AS action,
           format('accuracy %s below the reference (%s -> %s)',
                  round(((o.details->>'degradation')::numeric) * 100, 1) || ' points',
                  round((o.details->>'reference')::numeric, 4), round((o.details->>'current')::numeric, 4)) AS reason,
           NULL::text[] AS features
      FROM open o WHERE o.type = 'performance_degradation'
    UNION ALL
    SELECT o.model, CASE WHEN (o.details->>'n_drifted')::int * 2 >=
                              (SELECT count(*) FROM @extschema@.reference_profiles rp
                                WHERE rp.model = o.model AND rp.role = 'feature')
                         THEN 'retrain' ELSE 'investigate' END,
           format('drift in %s features', o.details->>'n_drifted'), o.features
      FROM open o WHERE o.type = 'data_drift'
    UNION ALL
    SELECT o.model, 'investigate', 'the prediction distribution drifted', NULL FROM open o WHERE o.type = 'output_drift'
    UNION ALL
    SELECT o.model, 'investigate', 'data quality: ' || (o.details - 'threshold')::text, NULL
      FROM open o WHERE o.type = 'data_quality'
    UNION ALL
    SELECT o.model, 'watch', 'drift in feature ' || o.feature, ARRAY[o.feature] FROM open o WHERE o.type = 'feature_drift'
    UNION ALL
    SELECT o.model, 'retrain',
           CASE WHEN o.details ? 'error_rate'
                THEN format('concept drift: error rate %s against %s in the reference',
                            round((o.details->>'error_rate')::numeric, 4), round((o.details->>'reference_error_rate')::numeric, 4))
                ELSE format('concept drift: mean absolute error %s against %s in the reference',
                            round((o.details->>'mae')::numeric, 4), round((o.details->>'reference_mae')::numeric, 4)) END,
           NULL
      FROM open o WHERE o.type = 'concept_drift'
    UNION ALL
    SELECT o.model, 'investigate',
           format('%s%% of the rows look like nothing in the reference (see mlmon.anomalies)',
                  round((o.details->>'anomaly_rate')::numeric * 100, 1)), NULL
      FROM open o WHERE o.type = 'anomalies'
    UNION ALL
    SELECT o.model, 'investigate',
           format('estimated accuracy %s, %s points below the reference, before labels arrive (CBPE)',
                  round((o.details->>'estimated_accuracy')::numeric, 4),
                  round((o.details->>'estimated_accuracy_drop')::numeric * 100, 1)), NULL
      FROM open o WHERE o.type = 'estimated_performance'
)
SELECT rec.model, rec.action, p.priority, rec.reason, rec.features, p.steps AS playbook
  FROM rec JOIN @extschema@.playbook p ON p.action = rec.action;
COMMENT ON VIEW @extschema@.recommendations IS
    'What to do about each model''s open alerts: retrain, investigate or watch, with the reason and the playbook''s steps';
COMMENT ON FUNCTION @extschema@.report(text) IS
    'The monitoring report of a model as JSON: period, performance summary, drift summary, last 10 alerts, recommendations';

-- Privileges ----------------------------------------------------------------

-- Monitoring data is private by default; these give a role exactly what the
-- README's least-privilege setup describes.
REVOKE ALL ON ALL TABLES IN SCHEMA @extschema@ FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION @extschema@.register_model(text, text, text, jsonb),
    @extschema@.register_source(text, regclass, name, name, name[], name, name, name, name, name),
    @extschema@.record_label(text, text, text), @extschema@.record_label(text, text, float8),
    @extschema@._store_label(text, text, text, float8), @extschema@.maintain_partitions(int), @extschema@.apply_retention(text, interval),
    @extschema@.set_reference(text, timestamptz, timestamptz), @extschema@.set_reference(text, text),
    @extschema@._set_reference(text, @extschema@._source_sql, timestamptz, timestamptz, boolean),
    @extschema@.run_checks(text, timestamptz, timestamptz), @extschema@.run_checks(text, interval),
    @extschema@.acknowledge_alert(bigint), @extschema@.report(text),
    @extschema@._raise_alert(text, text, text, text, text[], jsonb, bigint, interval),
    @extschema@._resolve_alerts(text, text, text[])
    FROM PUBLIC;

CREATE FUNCTION @extschema@.grant_writer(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT INSERT ON @extschema@.predictions TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.record_label(text, text, text), '
                   '@extschema@.record_label(text, text, float8) TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_writer(regrole) IS
    'Let a role log predictions and record labels, and nothing else';

CREATE FUNCTION @extschema@.grant_reader(role regrole) RETURNS void
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    EXECUTE format('GRANT SELECT ON @extschema@.performance_history, @extschema@.feature_drift, '
                   '@extschema@.monitoring_report, @extschema@.recommendations, @extschema@.alerts_view, '
                   '@extschema@.results_view, @extschema@.metrics TO %s', role);
    EXECUTE format('GRANT EXECUTE ON FUNCTION @extschema@.report(text), @extschema@.prometheus_metrics() TO %s', role);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_reader(regrole) IS
    'Let a role (e.g. Grafana''s) read the report views, and nothing else';
REVOKE EXECUTE ON FUNCTION @extschema@.grant_writer(regrole), @extschema@.grant_reader(regrole) FROM PUBLIC;

-- Read-only views of the alerts and the results, for readers.
CREATE VIEW @extschema@.alerts_view AS
SELECT a.alert_id, a.time, a.model, a.type, a.severity, a.feature, a.features, a.details, a.status,
       a.last_seen, a.occurrences, a.resolved_at
  FROM @extschema@.alerts a;
COMMENT ON VIEW @extschema@.alerts_view IS 'The alerts, for readers (the table itself is writable by the owner only)';
CREATE VIEW @extschema@.results_view AS
SELECT r.check_id, r.time, r.model, r."check", r.metric, r.feature, r.value, r.method
  FROM @extschema@.check_results r;
COMMENT ON VIEW @extschema@.results_view IS 'Check results in long format, for readers (e.g. Grafana panels)';
--------------------------------------------------------------------------
-- Concept drift, anomalous rows and performance without labels (part of
-- the install script, after sql/monitoring.sql; added in 0.2.0, also in
-- sql/mlmon--0.1.0--0.2.0.sql)
--------------------------------------------------------------------------

-- Calibration of a binary classifier's scores ----------------------------

CREATE TYPE @extschema@.calibration AS (
    scores float8[],
    probabilities float8[]
);
COMMENT ON TYPE @extschema@.calibration IS
    'An isotonic calibration map: ascending scores and the calibrated probability at each (scikit-learn''s X_thresholds_, y_thresholds_)';

CREATE FUNCTION @extschema@._isotonic_final(internal) RETURNS @extschema@.calibration
    AS 'MODULE_PATHNAME', 'mlm_isotonic_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._isotonic_final(internal) IS 'Final function of mlmon.isotonic_calibration (internal)';

-- The scores of negative rows are kept as the two-sample statistics keep
-- their reference, those of positive rows as their current sample.
CREATE AGGREGATE @extschema@.isotonic_calibration(score float8, outcome boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = internal, SSPACE = 1024,
    FINALFUNC = @extschema@._isotonic_final,
    COMBINEFUNC = @extschema@._sample_combine,
    SERIALFUNC = @extschema@._sample_serialize, DESERIALFUNC = @extschema@._sample_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.isotonic_calibration(float8, boolean) IS
    'Isotonic calibration of scores against binary outcomes (scikit-learn''s IsotonicRegression, out_of_bounds = clip); rows with a NULL, NaN or infinite score or a NULL outcome are skipped';

CREATE FUNCTION @extschema@.calibrate(calibration @extschema@.calibration, score float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_calibrate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(@extschema@.calibration, float8) IS
    'The calibrated probability of a score: linear interpolation between the knots, clipped at both ends (IsotonicRegression.predict)';

CREATE TABLE @extschema@.calibrations (
    model          text PRIMARY KEY REFERENCES @extschema@.models (name) ON DELETE CASCADE ON UPDATE CASCADE,
    positive_label text NOT NULL,
    negative_label text NOT NULL,
    calibration    @extschema@.calibration NOT NULL,
    n              bigint NOT NULL,
    set_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @extschema@.calibrations IS
    'Per binary classifier: the isotonic calibration of its scores on the labelled reference, for confidence-based performance estimation (CBPE)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.calibrations', '');
REVOKE ALL ON @extschema@.calibrations FROM PUBLIC;

-- Calibrate a binary classifier on the labelled rows of its reference (the
-- greater of its two labels is the positive one, as classification_metrics
-- has it); any other model loses its calibration.
CREATE FUNCTION @extschema@._set_calibration(model text, r @extschema@._source_sql, from_ts timestamptz,
        to_ts timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    labels text[];
    cal @extschema@.calibration;
    n bigint;
BEGIN
    DELETE FROM @extschema@.calibrations c WHERE c.model = _set_calibration.model;
    IF @extschema@._model_task(model) <> 'classification' THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT array_agg(DISTINCT lbl ORDER BY lbl) FROM (SELECT %s AS lbl, %s AS score %s) q '
                   'WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1', r.label, r.score, r.from_clause)
       INTO labels USING model, from_ts, to_ts;
    IF cardinality(labels) IS DISTINCT FROM 2 THEN
        RETURN;
    END IF;
    EXECUTE format('SELECT (@extschema@.isotonic_calibration(score, lbl = $4)).scores, '
                   '(@extschema@.isotonic_calibration(score, lbl = $4)).probabilities, count(*) '
                   'FROM (SELECT %s AS lbl, %s AS score %s) q WHERE lbl IS NOT NULL AND score >= 0 AND score <= 1',
                   r.label, r.score, r.from_clause)
       INTO cal.scores, cal.probabilities, n USING model, from_ts, to_ts, labels[2];
    INSERT INTO @extschema@.calibrations (model, positive_label, negative_label, calibration, n)
    VALUES (model, labels[2], labels[1], cal, n);
END
$$;
COMMENT ON FUNCTION @extschema@._set_calibration(text, @extschema@._source_sql, timestamptz, timestamptz) IS
    'Calibrate a binary classifier''s scores on its labelled reference rows (internal)';

-- Anomalous rows ----------------------------------------------------------

CREATE TYPE @extschema@.anomaly_result AS (
    p_value float8,
    score float8,
    feature text,
    reason text,
    features_checked int
);
COMMENT ON TYPE @extschema@.anomaly_result IS
    'How unusual a row is under its model''s reference: the Bonferroni p-value over the features present, score = 1 - p_value, the most unusual feature and why (tail, out_of_range, unseen_category, invalid_value), the number of features checked';

CREATE FUNCTION @extschema@.anomaly_score(model text, features jsonb) RETURNS @extschema@.anomaly_result
    AS 'MODULE_PATHNAME', 'mlm_anomaly_score' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.anomaly_score(text, jsonb) IS
    'Anomaly score of a row''s features against the model''s reference profiles (see the README for the rule)';
CREATE FUNCTION @extschema@._anomalous(model text, nv float8[], cv text[], alpha float8) RETURNS boolean
    AS 'MODULE_PATHNAME', 'mlm_anomalous' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._anomalous(text, float8[], text[], float8) IS
    'Whether a row''s anomaly p-value is below alpha, from its numeric and categorical feature arrays in the checks'' order (internal)';

-- The rows of [window_start, window_end) with an anomaly p-value below alpha.
CREATE FUNCTION @extschema@.anomalous_rows(model text, window_start timestamptz, window_end timestamptz,
        alpha float8 DEFAULT 0.01)
    RETURNS TABLE (ts timestamptz, request_id text, p_value float8, score float8, feature text, reason text,
                   features jsonb)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r @extschema@._source_sql := @extschema@._source(model);
    id text;
BEGIN
    IF alpha IS NULL OR NOT (alpha > 0 AND alpha <= 1) THEN
        RAISE EXCEPTION 'alpha must be in (0, 1]' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT CASE WHEN s.id_column IS NULL THEN 'NULL::text' ELSE format('s.%I::text', s.id_column) END INTO id
      FROM @extschema@.sources s WHERE s.model = anomalous_rows.model;
    RETURN QUERY EXECUTE format(
        'SELECT t, rid, (a).p_value, (a).score, (a).feature, (a).reason, f FROM ('
        'SELECT %s AS t, %s AS rid, %s AS f, @extschema@.anomaly_score($1, %3$s) AS a %s) q '
        'WHERE (a).p_value < $4 ORDER BY (a).p_value, t',
        r.ts, coalesce(id, 'p.request_id'), r.feature_object, r.from_clause)
      USING model, window_start, window_end, alpha;
END
$$;
COMMENT ON FUNCTION @extschema@.anomalous_rows(text, timestamptz, timestamptz, float8) IS
    'The rows of a window whose anomaly p-value is below alpha (default 0.01), most unusual first';

CREATE VIEW @extschema@.anomalies AS
SELECT l.model, l.check_id, a.ts, a.request_id, a.p_value, a.score, a.feature, a.reason, a.features
  FROM (SELECT DISTINCT ON (c.model) c.model, c.check_id, c.window_start, c.window_end
          FROM @extschema@.checks c
         ORDER BY c.model, c.window_end DESC, c.check_id DESC) l
 CROSS JOIN LATERAL @extschema@.anomalous_rows(l.model, l.window_start, l.window_end) a;
COMMENT ON VIEW @extschema@.anomalies IS
    'The anomalous rows (p-value < 0.01) of each model''s latest checked window';

-- Concept drift -------------------------------------------------------------

-- The concept-drift results of a labelled window: the error stream in time
-- order through a detector (computed by run_checks' read of the window:
-- ADWIN on the 0/1 errors of classifiers, as DDM raises false alarms when a
-- window starts without errors; Page-Hinkley on absolute errors in units of
-- the reference MAE for regressors) and the error against the reference
-- (a one-sided z statistic, drift from 3 on).
CREATE FUNCTION @extschema@._concept_results(model text, r @extschema@._source_sql, task text,
        window_start timestamptz, window_end timestamptz, ref_perf jsonb, ref_labeled bigint, perf jsonb,
        stream jsonb)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
    drifts bigint := coalesce((stream->>'detections')::bigint, 0);
    first_drift timestamptz;
    p float8;
    p0 float8;
    z float8;
    v0 float8;
    v1 float8;
    detected boolean;
    detector text := CASE WHEN task = 'classification' THEN 'adwin' ELSE 'page_hinkley' END;
    err text := CASE WHEN task = 'classification' THEN 'error_rate' ELSE 'mae' END;
BEGIN
    IF perf IS NULL OR ref_perf IS NULL THEN
        RETURN;
    END IF;
    IF drifts > 0 THEN
        -- the time of the first drift: the first_drift-th row the detector took
        EXECUTE format('SELECT t FROM (SELECT %s AS t, %s AS e %s) q WHERE e IS NOT NULL AND e <> ''NaN'' '
                       'AND e NOT IN (''Infinity'', ''-Infinity'') ORDER BY t OFFSET $4 - 1 LIMIT 1',
                       r.ts,
                       CASE WHEN task = 'classification' THEN format('CASE WHEN %s IS NOT NULL THEN 0::float8 END', r.label)
                            ELSE format('abs(%s - %s)', r.actual, r.predicted_value) END,
                       r.from_clause)
           INTO first_drift USING model, window_start, window_end, (stream->>'first_drift')::bigint;
    END IF;
    IF task = 'classification' THEN
        n := (perf->>'n')::bigint;
        p := 1 - (perf->>'accuracy')::float8;
        p0 := 1 - (ref_perf->>'accuracy')::float8;
        -- pooled two-proportion z: error rate now against the reference's
        v0 := ((p * n + p0 * ref_labeled) / (n + ref_labeled));
        v1 := v0 * (1 - v0) * (1.0 / n + 1.0 / ref_labeled);
        z := CASE WHEN v1 > 0 THEN (p - p0) / sqrt(v1) END;
    ELSE
        p0 := (ref_perf->>'mae')::float8;
        IF p0 IS NULL OR NOT p0 > 0 THEN
            RETURN;
        END IF;
        -- Welch z of the mean absolute error: var(|e|) = mse - mae^2
        p := (perf->>'mae')::float8;
        n := (perf->>'n')::bigint;
        v0 := greatest((perf->>'mse')::float8 - p * p, 0) / greatest(n, 1);
        v1 := greatest((ref_perf->>'mse')::float8 - p0 * p0, 0) / greatest(ref_labeled, 1);
        z := CASE WHEN v0 + v1 > 0 THEN (p - p0) / sqrt(v0 + v1) END;
    END IF;
    detected := drifts > 0 OR coalesce(z >= 3, false);
    RETURN QUERY VALUES
        ('concept_drift', err, NULL::text, p, NULL::text),
        ('concept_drift', 'reference_' || err, NULL, p0, NULL),
        ('concept_drift', err || '_z', NULL, z, NULL),
        ('concept_drift', 'stream_drifts', NULL, drifts::float8, detector),
        ('concept_drift', 'first_stream_drift_time', NULL, extract(epoch FROM first_drift)::float8, detector),
        ('concept_drift', 'drift_detected', NULL, detected::int::float8, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._concept_results(text, @extschema@._source_sql, text, timestamptz, timestamptz, jsonb, bigint, jsonb, jsonb) IS
    'Concept-drift results of a labelled window from its error stream''s detector summary (internal)';

-- Estimated performance (CBPE) -----------------------------------------------

-- From the expected confusion matrix of the calibrated scores (tp, fp, fn,
-- tn as sums of probabilities), beside the realised metrics of the
-- labelled rows.
CREATE FUNCTION @extschema@._cbpe_results(cm jsonb, perf jsonb, ref_perf jsonb, positive text)
    RETURNS TABLE ("check" text, metric text, feature text, value float8, method text)
    LANGUAGE plpgsql IMMUTABLE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tp float8 := (cm->>'tp')::float8;
    fp float8 := (cm->>'fp')::float8;
    fn float8 := (cm->>'fn')::float8;
    tn float8 := (cm->>'tn')::float8;
    acc float8;
    f1 float8;
    real_acc float8 := (perf->>'accuracy')::float8;
    real_f1 float8 := (perf->'classes'->positive->>'f1')::float8;
BEGIN
    IF cm IS NULL OR coalesce((cm->>'n')::bigint, 0) = 0 THEN
        RETURN;
    END IF;
    acc := (tp + tn) / (tp + fp + fn + tn);
    f1 := CASE WHEN 2 * tp + fp + fn > 0 THEN 2 * tp / (2 * tp + fp + fn) ELSE 0 END;
    RETURN QUERY VALUES
        ('estimated_performance', 'estimated_accuracy', NULL::text, acc, 'cbpe'::text),
        ('estimated_performance', 'estimated_f1', NULL, f1, 'cbpe'),
        ('estimated_performance', 'estimated_accuracy_drop', NULL, (ref_perf->>'accuracy')::float8 - acc, 'cbpe'),
        ('estimated_performance', 'scored_rows', NULL, (cm->>'n')::float8, 'cbpe'),
        ('estimated_performance', 'realized_accuracy', NULL, real_acc, NULL),
        ('estimated_performance', 'realized_f1', NULL, real_f1, NULL),
        ('estimated_performance', 'accuracy_gap', NULL, acc - real_acc, NULL),
        ('estimated_performance', 'f1_gap', NULL, f1 - real_f1, NULL);
END
$$;
COMMENT ON FUNCTION @extschema@._cbpe_results(jsonb, jsonb, jsonb, text) IS
    'CBPE results from the expected confusion matrix of a window (internal)';
--------------------------------------------------------------------------
-- Operations (part of the install script, after sql/monitoring.sql):
-- scheduling with pg_cron and metrics for Prometheus.
--------------------------------------------------------------------------

-- pg_cron is optional: these functions look it up when called.
CREATE FUNCTION @extschema@._require_pg_cron() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF to_regprocedure('cron.schedule(text, text, text)') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = 'undefined_function',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database, '
                         'restart the server, then run CREATE EXTENSION pg_cron.';
    END IF;
END
$$;
COMMENT ON FUNCTION @extschema@._require_pg_cron() IS 'An error with a hint unless pg_cron is installed (internal)';

-- The pg_cron job name of a model's job of one kind.
CREATE FUNCTION @extschema@._job_name(model text, kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN 'mlmon_' || kind || ':' || model;
COMMENT ON FUNCTION @extschema@._job_name(text, text) IS 'The pg_cron job name of a model''s job (internal)';

CREATE FUNCTION @extschema@._schedule(model text, kind text, schedule text, command text) RETURNS bigint
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    job bigint;
BEGIN
    PERFORM @extschema@._model_task(model);
    PERFORM @extschema@._require_pg_cron();
    IF schedule IS NULL THEN
        RAISE EXCEPTION 'schedule must not be NULL' USING ERRCODE = 'null_value_not_allowed',
            HINT = 'A cron expression, e.g. ''*/15 * * * *'' for every 15 minutes.';
    END IF;
    -- (a job of the same name is replaced: pg_cron updates it)
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING @extschema@._job_name(model, kind), schedule, command;
    RETURN job;
END
$$;
COMMENT ON FUNCTION @extschema@._schedule(text, text, text, text) IS 'Create or replace a model''s pg_cron job (internal)';

CREATE FUNCTION @extschema@._unschedule(model text, kind text) RETURNS boolean
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found boolean;
BEGIN
    PERFORM @extschema@._require_pg_cron();
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM cron.job WHERE jobname = $1)' INTO found
        USING @extschema@._job_name(model, kind);
    IF found THEN
        EXECUTE 'SELECT cron.unschedule($1)' USING @extschema@._job_name(model, kind);
    END IF;
    RETURN found;
END
$$;
COMMENT ON FUNCTION @extschema@._unschedule(text, text) IS 'Remove a model''s pg_cron job if there is one (internal)';

CREATE FUNCTION @extschema@.schedule_checks(model text, schedule text) RETURNS bigint
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._schedule(model, 'checks', schedule,
                             format('SELECT @extschema@.run_checks(%L)', model));
COMMENT ON FUNCTION @extschema@.schedule_checks(text, text) IS
    'Run mlmon.run_checks(model) on a cron schedule with pg_cron (replacing an earlier schedule); returns the job id';

CREATE FUNCTION @extschema@.unschedule_checks(model text) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._unschedule(model, 'checks');
COMMENT ON FUNCTION @extschema@.unschedule_checks(text) IS
    'Remove the model''s scheduled checks; false when there were none';

CREATE FUNCTION @extschema@.schedule_retention(model text, keep interval, schedule text DEFAULT '17 3 * * *')
    RETURNS bigint LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF keep IS NULL OR keep <= '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN @extschema@._schedule(model, 'retention', schedule,
        format('SELECT @extschema@.maintain_partitions(); SELECT @extschema@.apply_retention(%L, %L)', model, keep));
END
$$;
COMMENT ON FUNCTION @extschema@.schedule_retention(text, interval, text) IS
    'Daily (by default at 03:17) partition maintenance and retention of a model''s log with pg_cron; returns the job id';

CREATE FUNCTION @extschema@.unschedule_retention(model text) RETURNS boolean
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
RETURN @extschema@._unschedule(model, 'retention');
COMMENT ON FUNCTION @extschema@.unschedule_retention(text) IS
    'Remove the model''s scheduled retention; false when there was none';

-- Metrics for Prometheus ------------------------------------------------------

-- Latency histogram buckets (seconds, Prometheus' base unit) of the Prometheus metrics.
CREATE FUNCTION @extschema@.latency_buckets() RETURNS float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN '{0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5}'::float8[];
COMMENT ON FUNCTION @extschema@.latency_buckets() IS 'Upper bounds (seconds) of the latency histogram exported to Prometheus';

-- Every sample of the exported metrics, one row each: what
-- prometheus_metrics() prints and the exporter's queries read.
CREATE VIEW @extschema@.metrics AS
WITH last AS (
    SELECT DISTINCT ON (c.model) c.model, c.check_id, c.window_start, c.window_end, c.finished_at
      FROM @extschema@.checks c
     ORDER BY c.model, c.window_end DESC, c.check_id DESC
), perf AS (
    -- the latest value of each performance metric (windows without labels have none)
    SELECT DISTINCT ON (r.model, r.metric) r.model, r.metric, r.value
      FROM @extschema@.check_results r
     WHERE r."check" = 'performance' AND r.metric IN ('accuracy', 'f1', 'precision', 'recall', 'roc_auc', 'mae', 'rmse', 'r2')
     ORDER BY r.model, r.metric, r.time DESC, r.check_id DESC
)
SELECT 'mlmon_' || p.metric AS name, 'gauge' AS type, 'Latest ' || p.metric || ' of the model' AS help,
       jsonb_build_object('model', p.model) AS labels, p.value, NULL::float8 AS le
  FROM perf p
UNION ALL
SELECT 'mlmon_predictions_total', 'counter', 'Predictions in the log', jsonb_build_object('model', m.name),
       (SELECT count(*) FROM @extschema@.predictions pr WHERE pr.model = m.name)::float8, NULL
  FROM @extschema@.models m
UNION ALL
SELECT 'mlmon_feature_drift_statistic', 'gauge', 'Drift statistic of the feature in the latest check',
       jsonb_build_object('model', f.model, 'feature', f.feature, 'method', f.method), f.statistic, NULL
  FROM @extschema@.feature_drift f
UNION ALL
SELECT 'mlmon_feature_drift_detected', 'gauge', '1 when the feature drifted in the latest check',
       jsonb_build_object('model', f.model, 'feature', f.feature), f.drift_detected::int::float8, NULL
  FROM @extschema@.feature_drift f
UNION ALL
SELECT 'mlmon_output_drift_detected', 'gauge', '1 when the predictions drifted in the latest check',
       jsonb_build_object('model', l.model), r.value, NULL
  FROM last l JOIN @extschema@.check_results r
    ON r.check_id = l.check_id AND r."check" = 'output_drift' AND r.metric = 'drift_detected'
UNION ALL
SELECT 'mlmon_' || CASE r."check" WHEN 'concept_drift' THEN 'concept_drift_detected' ELSE r.metric END, 'gauge',
       CASE r."check" WHEN 'concept_drift' THEN '1 when concept drift was detected in the latest check'
                      WHEN 'anomalies' THEN 'Share of anomalous rows (p-value < 0.01) in the latest check'
                      ELSE 'Accuracy estimated from calibrated scores (CBPE) in the latest check' END,
       jsonb_build_object('model', l.model), r.value, NULL
  FROM last l JOIN @extschema@.check_results r
    ON r.check_id = l.check_id
   AND ((r."check" = 'concept_drift' AND r.metric = 'drift_detected')
        OR (r."check" = 'anomalies' AND r.metric = 'anomaly_rate')
        OR (r."check" = 'estimated_performance' AND r.metric = 'estimated_accuracy'))
UNION ALL
SELECT 'mlmon_open_alerts', 'gauge', 'Open alerts by severity', jsonb_build_object('model', m.name, 'severity', s.severity),
       (SELECT count(*) FROM @extschema@.alerts a WHERE a.model = m.name AND a.status = 'open' AND a.severity = s.severity)::float8, NULL
  FROM @extschema@.models m, unnest(ARRAY['critical', 'high', 'medium', 'low']) s(severity)
UNION ALL
SELECT 'mlmon_last_check_timestamp_seconds', 'gauge', 'End of the latest checked window (Unix time)',
       jsonb_build_object('model', l.model), extract(epoch FROM l.window_end)::float8, NULL
  FROM last l
UNION ALL
-- latency histogram of the latest checked window, cumulative as Prometheus wants it
SELECT 'mlmon_latency_seconds_bucket', 'histogram', 'Prediction latency (seconds) in the latest checked window',
       jsonb_build_object('model', l.model, 'le', CASE WHEN b.le = 'Infinity' THEN '+Inf' ELSE b.le::text END),
       (SELECT count(*) FROM @extschema@.predictions pr
         WHERE pr.model = l.model AND pr.ts >= l.window_start AND pr.ts < l.window_end
           AND pr.latency_ms <= 1000 * b.le)::float8, b.le
  FROM last l, unnest(@extschema@.latency_buckets() || 'Infinity'::float8) b(le)
UNION ALL
SELECT 'mlmon_latency_seconds_' || x.part, 'histogram', 'Prediction latency (seconds) in the latest checked window',
       jsonb_build_object('model', l.model), x.value, NULL
  FROM last l,
       LATERAL (SELECT count(pr.latency_ms)::float8 AS n, coalesce(sum(pr.latency_ms), 0) / 1000 AS s
                  FROM @extschema@.predictions pr
                 WHERE pr.model = l.model AND pr.ts >= l.window_start AND pr.ts < l.window_end) agg,
       LATERAL (VALUES ('count', agg.n), ('sum', agg.s)) x(part, value);
COMMENT ON VIEW @extschema@.metrics IS
    'The metrics exported to Prometheus, one sample per row (name, type, help, labels, value)';

-- A label value in the exposition format: backslash, double quote and newline escaped.
CREATE FUNCTION @extschema@._prom_escape(v text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
RETURN replace(replace(replace(v, E'\\', E'\\\\'), '"', E'\\"'), E'\n', E'\\n');
COMMENT ON FUNCTION @extschema@._prom_escape(text) IS 'Escape a Prometheus label value (internal)';

CREATE FUNCTION @extschema@.prometheus_metrics() RETURNS text
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT coalesce(string_agg(block, ''), '')
      FROM (SELECT family,
                   format(E'# HELP %s %s\n# TYPE %s %s\n', family, min(help), family, min(type)) ||
                   string_agg(format(E'%s{%s} %s\n', name,
                                     (SELECT string_agg(format('%s="%s"', k, @extschema@._prom_escape(v)), ',' ORDER BY k)
                                        FROM jsonb_each_text(labels) j(k, v)),
                                     CASE WHEN value = 'Infinity' THEN '+Inf' WHEN value = '-Infinity' THEN '-Inf'
                                          WHEN value = 'NaN' OR value IS NULL THEN 'NaN' ELSE value::text END),
                              '' ORDER BY name, (labels - 'le')::text, le) AS block
              FROM (SELECT CASE WHEN m.type = 'histogram' THEN regexp_replace(m.name, '_(bucket|count|sum)$', '')
                                ELSE m.name END AS family, m.*
                      FROM @extschema@.metrics m) s
             GROUP BY family
             ORDER BY family) b;
END;
COMMENT ON FUNCTION @extschema@.prometheus_metrics() IS
    'The mlmon metrics in Prometheus'' text exposition format, for scrapers that read a query result';

REVOKE EXECUTE ON FUNCTION @extschema@.schedule_checks(text, text), @extschema@.unschedule_checks(text),
    @extschema@.schedule_retention(text, interval, text), @extschema@.unschedule_retention(text),
    @extschema@._schedule(text, text, text, text), @extschema@._unschedule(text, text),
    @extschema@.prometheus_metrics()
    FROM PUBLIC;
