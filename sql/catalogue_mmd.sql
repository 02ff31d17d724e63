-- The drift-test catalogue, maximum mean discrepancy (part of the install
-- script, after sql/catalogue_categorical.sql).  Evidently's emperical_mmd on
-- numbers, made reproducible: the statistic is MMD^2 with a Gaussian kernel
-- scaled by the median squared difference of the reference values; the
-- p-value is the share of 100 relabellings of the pooled rows (SplitMix64
-- from seed 0, Fisher-Yates over the rows in canonical order) whose MMD^2
-- is at least the observed one.  The aggregates reuse the numeric
-- two-sample state and its transition and combine functions
-- (sql/mlmon.sql).  IMMUTABLE: the relabellings restart at the same seed on
-- every call, so results depend on the arguments only.  The final function
-- is not STRICT, as the others (a NULL state means no rows: NULL); the
-- (profile, profile) function is STRICT.

CREATE FUNCTION @extschema@._mmd_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mmd_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._mmd_final(@extschema@.sample_state) IS
    'Final function of mlmon.mmd (internal)';

CREATE AGGREGATE @extschema@.mmd(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mmd_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mmd(float8, boolean) IS
    'Maximum mean discrepancy test between the reference (is_current false) and current samples: MMD^2 and the p-value of 100 reproducible relabellings (Evidently''s emperical_mmd, drift when p < 0.1)';

CREATE AGGREGATE @extschema@.mmd(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mmd_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mmd(float8, @extschema@.profile) IS
    'Maximum mean discrepancy test of the values against an exact reference profile';

CREATE FUNCTION @extschema@.mmd(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mmd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mmd(@extschema@.profile, @extschema@.profile) IS
    'Maximum mean discrepancy test between two exact numeric profiles';
