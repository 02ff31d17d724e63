-- The drift-test catalogue against profiles, categorical tests (part of the
-- install script, after sql/catalogue_categorical.sql).  g_test,
-- fisher_exact and tvd between a reference profile and a current profile,
-- and as aggregates of categories against a reference profile.  Exact
-- profiles give exactly the two-sample aggregates' results on the rows they
-- summarise; a sketched categorical profile's unlisted categories count as
-- one more category ("other"), as for chi2_drift.  The aggregates reuse
-- the categorical state mlmon.category_state and its transition against a
-- profile (sql/mlmon.sql) and the final functions of the two-sample forms
-- (sql/catalogue_categorical.sql).  IMMUTABLE STRICT: results depend on
-- the arguments only, and a NULL profile has no answer.

CREATE FUNCTION @extschema@.g_test(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_g_test_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.g_test(@extschema@.profile, @extschema@.profile) IS
    'G-test (log-likelihood ratio) drift test between two categorical profiles (Evidently''s g_test)';
CREATE FUNCTION @extschema@.fisher_exact(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_fisher_exact_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fisher_exact(@extschema@.profile, @extschema@.profile) IS
    'Fisher''s exact test between two categorical profiles of at most two categories (Evidently''s fisher_exact)';
CREATE FUNCTION @extschema@.tvd(reference @extschema@.profile, current @extschema@.profile)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tvd(@extschema@.profile, @extschema@.profile) IS
    'Total variation distance between two categorical profiles with a reproducible permutation p-value (1000 relabellings, Evidently''s tvd)';
CREATE FUNCTION @extschema@.tvd(reference @extschema@.profile, current @extschema@.profile, permutations int)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_profiles'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tvd(@extschema@.profile, @extschema@.profile, int) IS
    'Total variation distance between two categorical profiles with a reproducible permutation p-value over the given number of relabellings';

CREATE AGGREGATE @extschema@.g_test(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(text, @extschema@.profile) IS
    'G-test (log-likelihood ratio) drift test of the categories against a reference profile';
CREATE AGGREGATE @extschema@.fisher_exact(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(text, @extschema@.profile) IS
    'Fisher''s exact test of the categories (at most two) against a reference profile';
CREATE AGGREGATE @extschema@.tvd(category text, reference @extschema@.profile) (
    SFUNC = @extschema@._profile_category_accum, STYPE = @extschema@.category_state, SSPACE = 4096,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, @extschema@.profile) IS
    'Total variation distance of the categories against a reference profile with a reproducible permutation p-value (1000 relabellings)';
