-- The drift-test catalogue against profiles, numeric tests (part of the
-- install script, after sql/catalogue_profiles_categorical.sql).  t_test,
-- mann_whitney, cramer_von_mises, anderson_darling, energy_distance,
-- hellinger and kl_div between a reference profile and a current profile,
-- and as aggregates of values against a reference profile.  Exact profiles
-- give exactly the two-sample aggregates' results on the rows they
-- summarise: the same functions walk the same distinct values with their
-- counts (src/catalogue_numeric.h), counts never expanded.  Against a
-- sketched profile the rank tests give the statistic of the sketch's
-- weighted sample with method 'sketch' and a NULL p-value; the distances
-- are computed on the sketch's sample (approximate); t_test takes a
-- sketch's count, mean and sum of squared deviations from its header (of
-- all the values).  hellinger and kl_div take profiles of either kind (two
-- categorical profiles: the categories' frequencies).  The aggregates
-- reuse mlmon.sample_state, its transition against a profile
-- (sql/mlmon.sql) and combine function, and the final functions of the
-- two-sample forms; t_test(value, reference profile) keeps the values in
-- that state too and takes their moments at its final function.
-- IMMUTABLE: results depend on the arguments only; the functions on two
-- profiles are STRICT (a NULL profile has no answer).

CREATE FUNCTION @extschema@.t_test(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.t_test(@extschema@.profile, @extschema@.profile) IS
    'Welch''s two-sample t-test between two numeric profiles (a sketch: its moments of all values)';
CREATE FUNCTION @extschema@.t_test(reference @extschema@.profile, current @extschema@.profile, variant text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.t_test(@extschema@.profile, @extschema@.profile, text) IS
    'Two-sample t-test between two numeric profiles; variant welch or student';
CREATE FUNCTION @extschema@.mann_whitney(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mann_whitney(@extschema@.profile, @extschema@.profile) IS
    'Mann-Whitney U test between two numeric profiles, two-sided (a sketch: U only, method sketch)';
CREATE FUNCTION @extschema@.mann_whitney(reference @extschema@.profile, current @extschema@.profile, method text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.mann_whitney(@extschema@.profile, @extschema@.profile, text) IS
    'Mann-Whitney U test between two numeric profiles, two-sided; method auto|exact|asymptotic';
CREATE FUNCTION @extschema@.cramer_von_mises(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cramer_von_mises(@extschema@.profile, @extschema@.profile) IS
    'Two-sample Cramer-von Mises test between two numeric profiles (a sketch: T only, method sketch)';
CREATE FUNCTION @extschema@.cramer_von_mises(reference @extschema@.profile, current @extschema@.profile, method text)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cramer_von_mises(@extschema@.profile, @extschema@.profile, text) IS
    'Two-sample Cramer-von Mises test between two numeric profiles; method auto|exact|asymptotic';
CREATE FUNCTION @extschema@.anderson_darling(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_anderson_darling_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.anderson_darling(@extschema@.profile, @extschema@.profile) IS
    'Two-sample Anderson-Darling test (midrank) between two numeric profiles (a sketch: statistic only, method sketch)';
CREATE FUNCTION @extschema@.energy_distance(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_energy_distance_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.energy_distance(@extschema@.profile, @extschema@.profile) IS
    'Energy distance between two numeric profiles (of a sketch''s sample: approximate)';
CREATE FUNCTION @extschema@.hellinger(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.hellinger(@extschema@.profile, @extschema@.profile) IS
    'Hellinger distance between two numeric profiles (Sturges bins) or two categorical profiles';
CREATE FUNCTION @extschema@.kl_div(reference @extschema@.profile, current @extschema@.profile)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_div_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.kl_div(@extschema@.profile, @extschema@.profile) IS
    'Kullback-Leibler divergence KL(reference || current) between two numeric profiles (Evidently''s bins) or two categorical profiles';

CREATE FUNCTION @extschema@._profile_method_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum_method'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_method_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of the (value, reference profile, method) aggregates (internal)';
CREATE FUNCTION @extschema@._profile_variant_accum(@extschema@.sample_state, float8, @extschema@.profile, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_profile_sample_state_accum_variant'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._profile_variant_accum(@extschema@.sample_state, float8, @extschema@.profile, text) IS
    'Transition function of mlmon.t_test(value, reference profile, variant) (internal)';
CREATE FUNCTION @extschema@._t_test_profile_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_sample_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._t_test_profile_final(@extschema@.sample_state) IS
    'Final function of mlmon.t_test(value, reference profile): the moments of the sorted values (internal)';

CREATE AGGREGATE @extschema@.t_test(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._t_test_profile_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, @extschema@.profile) IS
    'Welch''s two-sample t-test of the values against a reference profile';
CREATE AGGREGATE @extschema@.t_test(value float8, reference @extschema@.profile, variant text) (
    SFUNC = @extschema@._profile_variant_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._t_test_profile_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, @extschema@.profile, text) IS
    'Two-sample t-test of the values against a reference profile; variant welch or student';
CREATE AGGREGATE @extschema@.mann_whitney(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, @extschema@.profile) IS
    'Mann-Whitney U test of the values against a reference profile, two-sided (a sketch: U only, method sketch)';
CREATE AGGREGATE @extschema@.mann_whitney(value float8, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_method_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, @extschema@.profile, text) IS
    'Mann-Whitney U test of the values against a reference profile, two-sided; method auto|exact|asymptotic';
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, @extschema@.profile) IS
    'Two-sample Cramer-von Mises test of the values against a reference profile (a sketch: T only, method sketch)';
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, reference @extschema@.profile, method text) (
    SFUNC = @extschema@._profile_method_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, @extschema@.profile, text) IS
    'Two-sample Cramer-von Mises test of the values against a reference profile; method auto|exact|asymptotic';
CREATE AGGREGATE @extschema@.anderson_darling(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._anderson_darling_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.anderson_darling(float8, @extschema@.profile) IS
    'Two-sample Anderson-Darling test (midrank) of the values against a reference profile (a sketch: statistic only, method sketch)';
CREATE AGGREGATE @extschema@.energy_distance(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._energy_distance_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.energy_distance(float8, @extschema@.profile) IS
    'Energy distance of the values from a reference profile (a sketch: approximate)';
CREATE AGGREGATE @extschema@.hellinger(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(float8, @extschema@.profile) IS
    'Hellinger distance of the values from a numeric reference profile (Sturges bins)';
CREATE AGGREGATE @extschema@.kl_div(value float8, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(float8, @extschema@.profile) IS
    'Kullback-Leibler divergence KL(reference || values) over Evidently''s bins, against a numeric reference profile';
