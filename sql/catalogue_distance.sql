-- The drift-test catalogue, distance tests (part of the install script, after sql/catalogue.sql).
-- Evidently's distance drift tests: energy_distance (numbers), hellinger and
-- kl_div (numbers, and categories as text, boolean or bigint).  They reuse
-- the two-sample states and their transition and combine functions
-- (sql/mlmon.sql): only final functions and aggregates are new.  Each
-- returns a float8 distance (no p-value), NULL when either sample is
-- empty.  IMMUTABLE: results depend on the arguments only; not STRICT, as
-- the other final functions (a NULL state means no rows: NULL).

CREATE FUNCTION @extschema@._energy_distance_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_energy_distance_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._hellinger_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kl_numeric_final(@extschema@.sample_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_numeric_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._hellinger_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_hellinger_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kl_categorical_final(@extschema@.category_state)
    RETURNS float8 AS 'MODULE_PATHNAME', 'mlm_kl_categorical_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@._energy_distance_final(@extschema@.sample_state) IS
    'Final function of mlmon.energy_distance (internal)';
COMMENT ON FUNCTION @extschema@._hellinger_numeric_final(@extschema@.sample_state) IS
    'Final function of mlmon.hellinger on float8 (internal)';
COMMENT ON FUNCTION @extschema@._kl_numeric_final(@extschema@.sample_state) IS
    'Final function of mlmon.kl_div on float8 (internal)';
COMMENT ON FUNCTION @extschema@._hellinger_categorical_final(@extschema@.category_state) IS
    'Final function of mlmon.hellinger on categories (internal)';
COMMENT ON FUNCTION @extschema@._kl_categorical_final(@extschema@.category_state) IS
    'Final function of mlmon.kl_div on categories (internal)';

-- Energy distance
CREATE AGGREGATE @extschema@.energy_distance(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._energy_distance_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.energy_distance(float8, boolean) IS
    'Energy distance between the reference (is_current false) and current samples (scipy.stats.energy_distance; Evidently''s "ed", drift when > 0.1)';

-- Hellinger distance
CREATE AGGREGATE @extschema@.hellinger(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(float8, boolean) IS
    'Hellinger distance over Sturges bins of the distinct values of both samples (Evidently''s hellinger, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.hellinger(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(text, boolean) IS
    'Hellinger distance between the category frequencies of the reference and current samples (Evidently''s hellinger, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.hellinger(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(boolean, boolean) IS
    'Hellinger distance of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.hellinger(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._hellinger_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.hellinger(bigint, boolean) IS
    'Hellinger distance of an integer-coded categorical feature';

-- Kullback-Leibler divergence
CREATE AGGREGATE @extschema@.kl_div(value float8, is_current boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_numeric_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(float8, boolean) IS
    'Kullback-Leibler divergence KL(reference || current) over Evidently''s bins, empty bins filled as PSI does (Evidently''s kl_div, drift when >= 0.1)';
CREATE AGGREGATE @extschema@.kl_div(category text, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(text, boolean) IS
    'Kullback-Leibler divergence KL(reference || current) of the category frequencies, empty categories filled as PSI does (Evidently''s kl_div)';
CREATE AGGREGATE @extschema@.kl_div(category boolean, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(boolean, boolean) IS
    'Kullback-Leibler divergence of a boolean feature, categories t and f';
CREATE AGGREGATE @extschema@.kl_div(category bigint, is_current boolean) (
    SFUNC = @extschema@._category_accum, STYPE = @extschema@.category_state, SSPACE = 1024,
    FINALFUNC = @extschema@._kl_categorical_final,
    COMBINEFUNC = @extschema@._category_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.kl_div(bigint, boolean) IS
    'Kullback-Leibler divergence of an integer-coded categorical feature';
