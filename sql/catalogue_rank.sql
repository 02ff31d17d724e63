-- The drift-test catalogue, rank tests (part of the install script, after sql/catalogue.sql).
-- Evidently's rank-based drift tests on numbers: cramer_von_mises
-- (scipy.stats.cramervonmises_2samp) and anderson_darling
-- (scipy.stats.anderson_ksamp, midrank).  They reuse the numeric
-- two-sample state, its transition and combine functions (sql/mlmon.sql);
-- new are the final functions, the transition that keeps the Cramer-von
-- Mises method, and the aggregates.  Each returns a mlmon.test_result.
-- IMMUTABLE: results depend on the arguments only; not STRICT, as the
-- other transition and final functions (NULL values are skipped; a NULL
-- state means no rows: NULL).

CREATE FUNCTION @extschema@._cvm_accum(@extschema@.sample_state, float8, boolean, text)
    RETURNS @extschema@.sample_state AS 'MODULE_PATHNAME', 'mlm_cvm_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._cvm_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_cvm_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._anderson_darling_final(@extschema@.sample_state)
    RETURNS @extschema@.test_result AS 'MODULE_PATHNAME', 'mlm_anderson_darling_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._cvm_accum(@extschema@.sample_state, float8, boolean, text) IS
    'Transition function of mlmon.cramer_von_mises with a method (internal)';
COMMENT ON FUNCTION @extschema@._cvm_final(@extschema@.sample_state) IS
    'Final function of mlmon.cramer_von_mises (internal)';
COMMENT ON FUNCTION @extschema@._anderson_darling_final(@extschema@.sample_state) IS
    'Final function of mlmon.anderson_darling (internal)';

-- Cramer-von Mises
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.cramer_von_mises(value float8, is_current boolean, method text) (
    SFUNC = @extschema@._cvm_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._cvm_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, boolean) IS
    'Two-sample Cramer-von Mises test of the reference (is_current false) against the current sample (scipy.stats.cramervonmises_2samp, method auto: exact when both samples have at most 20 values)';
COMMENT ON AGGREGATE @extschema@.cramer_von_mises(float8, boolean, text) IS
    'Two-sample Cramer-von Mises test; method auto|exact|asymptotic as scipy.stats.cramervonmises_2samp';

-- Anderson-Darling
CREATE AGGREGATE @extschema@.anderson_darling(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._anderson_darling_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.anderson_darling(float8, boolean) IS
    'Two-sample Anderson-Darling test, midrank form (scipy.stats.anderson_ksamp): standardized statistic and SciPy''s interpolated significance level, capped at 0.25 and floored at 0.001';
