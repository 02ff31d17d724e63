-- The drift-test catalogue, categorical tests (part of the install script, after sql/catalogue.sql):
-- mlmon.g_test, mlmon.fisher_exact and mlmon.tvd, Evidently's categorical
-- p-value tests, on the counts per category every categorical aggregate
-- keeps (mlmon.category_state, sql/mlmon.sql), for text, boolean and bigint
-- categories like mlmon.chi2_drift and mlmon.z_test.  Their final functions
-- are IMMUTABLE: tvd's permutations come from a generator restarted at seed
-- 0 on every call, so its p-value depends on the counts alone (and, for
-- _tvd_permutations_final, on the number of permutations the rows gave,
-- the same for every row, which the state keeps).

CREATE FUNCTION @extschema@._g_test_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_g_test_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._g_test_final(@extschema@.category_state) IS
    'Final function of mlmon.g_test (internal)';

CREATE FUNCTION @extschema@._fisher_exact_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_fisher_exact_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._fisher_exact_final(@extschema@.category_state) IS
    'Final function of mlmon.fisher_exact (internal)';

CREATE FUNCTION @extschema@._tvd_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_final(@extschema@.category_state) IS
    'Final function of mlmon.tvd with 1000 permutations (internal)';

CREATE FUNCTION @extschema@._tvd_permutations_final(@extschema@.category_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_tvd_permutations_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_permutations_final(@extschema@.category_state) IS
    'Final function of mlmon.tvd with a number of permutations, kept in the state (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, text, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_text'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, text, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on text (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, boolean, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_bool'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, boolean, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on booleans (internal)';

CREATE FUNCTION @extschema@._tvd_accum(@extschema@.category_state, bigint, boolean, integer)
    RETURNS @extschema@.category_state AS 'MODULE_PATHNAME', 'mlm_tvd_accum_int8'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._tvd_accum(@extschema@.category_state, bigint, boolean, integer) IS
    'Transition function of mlmon.tvd with a number of permutations on integers (internal)';

CREATE AGGREGATE @extschema@.g_test(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(text, boolean) IS
    'G-test (log-likelihood ratio) drift test of a categorical feature: scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.g_test(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(boolean, boolean) IS
    'G-test (log-likelihood ratio) drift test of a boolean feature (categories f and t): scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.g_test(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._g_test_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.g_test(bigint, boolean) IS
    'G-test (log-likelihood ratio) drift test of an integer-coded categorical feature: scipy.stats.power_divergence(current counts, reference counts scaled to the current size, lambda_=''log-likelihood'') over the union of the categories, p from the chi-square distribution with k-1 degrees of freedom (Evidently''s g_test)';

CREATE AGGREGATE @extschema@.fisher_exact(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(text, boolean) IS
    'Fisher''s exact drift test of a categorical feature with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.fisher_exact(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(boolean, boolean) IS
    'Fisher''s exact drift test of a boolean feature (categories f and t) with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.fisher_exact(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._fisher_exact_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.fisher_exact(bigint, boolean) IS
    'Fisher''s exact drift test of an integer-coded categorical feature with at most two categories: table rows (current, reference), columns in byte order; odds ratio and two-sided p as scipy.stats.fisher_exact (Evidently''s fisher_exact, without its equal-size restriction)';

CREATE AGGREGATE @extschema@.tvd(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, boolean) IS
    'Total variation distance drift test of a categorical feature, p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(boolean, boolean) IS
    'Total variation distance drift test of a boolean feature (categories f and t), p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(bigint, boolean) IS
    'Total variation distance drift test of an integer-coded categorical feature, p-value from 1000 relabellings of the rows (Evidently''s tvd) drawn by a generator restarted at seed 0 on every call, so it is reproducible';

CREATE AGGREGATE @extschema@.tvd(category text, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(text, boolean, integer) IS
    'Total variation distance drift test of a categorical feature with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';

CREATE AGGREGATE @extschema@.tvd(category boolean, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(boolean, boolean, integer) IS
    'Total variation distance drift test of a boolean feature (categories f and t) with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';

CREATE AGGREGATE @extschema@.tvd(category bigint, is_current boolean, permutations integer) (
    SFUNC = @extschema@._tvd_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._tvd_permutations_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tvd(bigint, boolean, integer) IS
    'Total variation distance drift test of an integer-coded categorical feature with the given number of relabellings (1 to 1000000, the same for every row), reproducible (seed 0 on every call)';
