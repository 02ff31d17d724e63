-- The drift-test catalogue, location tests (part of the install script, after sql/catalogue.sql).
-- mlmon.t_test (Welch's or Student's two-sample t-test) and
-- mlmon.mann_whitney (the Mann-Whitney U test).  NULL, NaN and +-Infinity
-- are skipped, as by the other numeric statistics.  Both states are real
-- types, so the aggregates run in parallel and Citus computes them
-- partially on its workers: t_test's is a float8[] of 12 numbers (count,
-- mean and sum of squared deviations of each sample, the last two as
-- double-doubles: src/ttest_state.c), mann_whitney's the mlmon.sample_state
-- of the other rank statistics (every finite value).  The transition
-- functions are not STRICT (NULL values are skipped); IMMUTABLE throughout:
-- results depend on the arguments only.

CREATE FUNCTION @extschema@._t_test_accum(float8[], float8, boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_accum(float8[], float8, boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_ttest_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_mwu_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_mwu_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._t_test_final(float8[])
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_ttest_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._mann_whitney_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_mwu_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._t_test_accum(float8[], float8, boolean) IS
    'Transition function of mlmon.t_test (internal)';
COMMENT ON FUNCTION @extschema@._t_test_accum(float8[], float8, boolean, text) IS
    'Transition function of mlmon.t_test with a variant (internal)';
COMMENT ON FUNCTION @extschema@._t_test_combine(float8[], float8[]) IS
    'Combine function of mlmon.t_test: merges the moments of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.mann_whitney with an alternative (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_accum(@extschema@.sample_state, float8, boolean, text, text) IS
    'Transition function of mlmon.mann_whitney with alternative and method (internal)';
COMMENT ON FUNCTION @extschema@._t_test_final(float8[]) IS 'Final function of mlmon.t_test (internal)';
COMMENT ON FUNCTION @extschema@._mann_whitney_final(@extschema@.sample_state) IS 'Final function of mlmon.mann_whitney (internal)';

-- t-test
CREATE AGGREGATE @extschema@.t_test(value float8, is_current boolean) (
    SFUNC = @extschema@._t_test_accum, STYPE = float8[],
    FINALFUNC = @extschema@._t_test_final,
    COMBINEFUNC = @extschema@._t_test_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.t_test(value float8, is_current boolean, variant text) (
    SFUNC = @extschema@._t_test_accum, STYPE = float8[],
    FINALFUNC = @extschema@._t_test_final,
    COMBINEFUNC = @extschema@._t_test_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.t_test(float8, boolean) IS
    'Welch''s two-sample t-test of the reference (is_current false) against the current sample, two-sided (scipy.stats.ttest_ind with equal_var=False)';
COMMENT ON AGGREGATE @extschema@.t_test(float8, boolean, text) IS
    'Two-sample t-test, two-sided; variant welch (unequal variances) or student (pooled variance, Evidently''s t_test)';

-- Mann-Whitney U
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean, alternative text) (
    SFUNC = @extschema@._mann_whitney_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.mann_whitney(value float8, is_current boolean, alternative text, method text) (
    SFUNC = @extschema@._mann_whitney_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._mann_whitney_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean) IS
    'Mann-Whitney U test of the reference (is_current false) against the current sample: U of the reference, two-sided, SciPy 1.10''s method choice (scipy.stats.mannwhitneyu)';
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean, text) IS
    'Mann-Whitney U test with an alternative: two-sided, less (Evidently''s mann_whitney) or greater (method auto)';
COMMENT ON AGGREGATE @extschema@.mann_whitney(float8, boolean, text, text) IS
    'Mann-Whitney U test; alternative two-sided|less|greater, method auto|exact|asymptotic as scipy.stats.mannwhitneyu';
