-- The drift-test catalogue, the Epps-Singleton test (part of the install
-- script, after sql/catalogue_categorical.sql).  Evidently's "es" drift test
-- on numbers: scipy.stats.epps_singleton_2samp with t = (0.4, 0.8), drift
-- when p < 0.05.  The aggregates reuse the numeric two-sample state, its
-- transition and combine functions (sql/mlmon.sql); new are the final
-- function, the function of two profiles and the aggregates.  Each returns
-- a mlmon.test_result.  IMMUTABLE: results depend on the arguments only;
-- the final function is not STRICT, as the other final functions (a NULL
-- state means no rows: NULL).

CREATE FUNCTION @extschema@._epps_singleton_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_epps_singleton_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._epps_singleton_final(@extschema@.sample_state) IS
    'Final function of mlmon.epps_singleton (internal)';

CREATE AGGREGATE @extschema@.epps_singleton(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._epps_singleton_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.epps_singleton(float8, boolean) IS
    'Epps-Singleton two-sample test of the reference (is_current false) against the current sample (scipy.stats.epps_singleton_2samp, t = (0.4, 0.8)): statistic W and its chi-square p-value';

CREATE AGGREGATE @extschema@.epps_singleton(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._epps_singleton_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.epps_singleton(float8, @extschema@.profile) IS
    'Epps-Singleton test of the values against a reference profile (a sketched profile: the statistic on its sample, no p-value)';

CREATE FUNCTION @extschema@.epps_singleton(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_epps_singleton_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.epps_singleton(@extschema@.profile, @extschema@.profile) IS
    'Epps-Singleton test between two numeric profiles (exact profiles: the result on their rows; with a sketch: the statistic on its sample, no p-value)';
