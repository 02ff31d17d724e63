-- Embedding drift (issue 17), Evidently's embedding drift methods (part of
-- the install script, after the catalogue).  The aggregates take an
-- embedding (float8[] or float4[]; pgvector's vector through its cast to
-- real[]) and is_current.  Bad rows are skipped and counted in the result:
-- a NULL embedding or is_current or an empty array (n_skipped_null), an
-- array of another length than the first valid one's (n_skipped_length), a
-- NULL, NaN or infinite component (n_skipped_component).  The transition
-- functions are not STRICT (those rows are counted); IMMUTABLE throughout:
-- results depend on the arguments only (the bootstrap's generator restarts
-- at seed 0 on every call).

CREATE TYPE @extschema@.embedding_drift_result AS (
    method text,
    statistic float8,
    threshold float8,
    drifted boolean,
    n_reference bigint,
    n_current bigint,
    dimension integer,
    n_skipped_null bigint,
    n_skipped_length bigint,
    n_skipped_component bigint
);
COMMENT ON TYPE @extschema@.embedding_drift_result IS
    'Result of the embedding drift methods: Evidently''s method name, drift score and threshold (the bootstrap percentile when bootstrap is on), drifted (statistic > threshold), the valid rows of each sample, the dimension, and the rows skipped as missing, of the wrong length, or with a NULL, NaN or infinite component';

-- distance: the state is a float8[] (src/embedding_distance.c): a header
-- and the compensated per-component sums of each sample (4 d numbers), and
-- with bootstrap every valid reference row.
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_distance_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_distance_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_distance_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float8[], boolean, text, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_accum(float8[], float4[], boolean, text, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_distance (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_combine(float8[], float8[]) IS
    'Combine function of mlmon.embedding_distance: adds the sums (and the bootstrap rows) of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._embedding_distance_final(float8[]) IS
    'Final function of mlmon.embedding_distance (internal)';

CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text, threshold float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float8[], is_current boolean, dist text, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float8[], boolean, text, float8, boolean, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text, threshold float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';
CREATE AGGREGATE @extschema@.embedding_distance(embedding float4[], is_current boolean, dist text, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_distance_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_distance_final,
    COMBINEFUNC = @extschema@._embedding_distance_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_distance(float4[], boolean, text, float8, boolean, float8) IS
    'Evidently''s embedding drift method distance: the distance (euclidean by default; cosine, cityblock, chebyshev) between the mean reference (is_current false) and mean current embeddings; drift when it exceeds threshold (0.2), or with bootstrap the quantile_probability (0.95) percentile of 100 reference-only resamples (SplitMix64, seed 0)';

-- ratio: the state keeps every valid row: mlmon.embedding_ratio_state, a
-- real type (src/embedding_ratio.c), so parallel query and Citus combine it.
CREATE TYPE @extschema@.embedding_ratio_state;
CREATE FUNCTION @extschema@.embedding_ratio_state_in(cstring) RETURNS @extschema@.embedding_ratio_state
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_out(@extschema@.embedding_ratio_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_recv(internal) RETURNS @extschema@.embedding_ratio_state
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.embedding_ratio_state_send(@extschema@.embedding_ratio_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.embedding_ratio_state (
    INPUT = @extschema@.embedding_ratio_state_in, OUTPUT = @extschema@.embedding_ratio_state_out,
    RECEIVE = @extschema@.embedding_ratio_state_recv, SEND = @extschema@.embedding_ratio_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.embedding_ratio_state IS
    'Partial state of mlmon.embedding_ratio: every valid reference and current row (4 or 8 bytes a component), the options and the skipped rows; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_in(cstring) IS 'Input function of mlmon.embedding_ratio_state (base64 of the binary form, checked)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_out(@extschema@.embedding_ratio_state) IS 'Output function of mlmon.embedding_ratio_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_recv(internal) IS 'Binary input function of mlmon.embedding_ratio_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.embedding_ratio_state_send(@extschema@.embedding_ratio_state) IS 'Binary output function of mlmon.embedding_ratio_state';

CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8, float8)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
-- The combine function is declared dear (COST 1e9): a partial state holds
-- every row its worker read, and the rows squeeze through the tuple queues
-- (64 kB a worker) far slower than one backend scans them, so a parallel
-- plan is several times slower than the serial one, whatever the size
-- (bench/results/embedding.md).  The cost steers the planner to the serial
-- plan; the combine stays correct for the plans that still use it (Citus,
-- partitionwise aggregation).
CREATE FUNCTION @extschema@._embedding_ratio_combine(@extschema@.embedding_ratio_state, @extschema@.embedding_ratio_state)
    RETURNS @extschema@.embedding_ratio_state AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000000000;
CREATE FUNCTION @extschema@._embedding_ratio_final(@extschema@.embedding_ratio_state)
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_ratio_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float8[], boolean, float8, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_accum(@extschema@.embedding_ratio_state, float4[], boolean, float8, float8) IS
    'Transition function of mlmon.embedding_ratio (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_combine(@extschema@.embedding_ratio_state, @extschema@.embedding_ratio_state) IS
    'Combine function of mlmon.embedding_ratio: appends the rows of two partial states (internal)';
COMMENT ON FUNCTION @extschema@._embedding_ratio_final(@extschema@.embedding_ratio_state) IS
    'Final function of mlmon.embedding_ratio (internal)';

CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean, component_threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float8[], is_current boolean, component_threshold float8, threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float8[], boolean, float8, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean, component_threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';
CREATE AGGREGATE @extschema@.embedding_ratio(embedding float4[], is_current boolean, component_threshold float8, threshold float8) (
    SFUNC = @extschema@._embedding_ratio_accum, STYPE = @extschema@.embedding_ratio_state,
    FINALFUNC = @extschema@._embedding_ratio_final,
    COMBINEFUNC = @extschema@._embedding_ratio_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_ratio(float4[], boolean, float8, float8) IS
    'Evidently''s embedding drift method ratio: the share of components whose normed Wasserstein distance (W1 / max(std of the reference, 0.001), Evidently''s default component test) reaches component_threshold (0.1); drift when the share exceeds threshold (0.2)';

-- The embedding sample (src/embedding_sample.c): the state of the methods
-- that need rows (mmd, model), a float8[] holding at most max_rows rows of
-- each side, chosen by a hash of their contents (a bottom-k sample: the
-- same rows whatever the scan order or the parallel plan), and the counts.
-- The combine function is shared by those methods.
-- Declared dear (COST 1e9), as the ratio's combine: each worker ships its
-- whole sample (31 MB at 5000 + 5000 rows of 384) through the tuple queues,
-- and a parallel plan of embedding_model was 1.5-2x slower than the serial
-- one, of embedding_mmd no faster (bench/results/embedding.md).
CREATE FUNCTION @extschema@._embedding_sample_combine(float8[], float8[])
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_sample_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE COST 1000000000;
COMMENT ON FUNCTION @extschema@._embedding_sample_combine(float8[], float8[]) IS
    'Combine function of the embedding drift aggregates that keep a sample of rows (the mmd and model methods): the max_rows first rows of each side of the union, by the rows'' hash keys, and the sums of the counts (internal)';

-- mmd: Evidently's MMD^2_u with the median-distance rbf kernel on the samples.

CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_mmd_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_mmd_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float8[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_accum(float8[], float4[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_mmd (internal)';
COMMENT ON FUNCTION @extschema@._embedding_mmd_final(float8[]) IS
    'Final function of mlmon.embedding_mmd (internal)';

CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float8[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
CREATE AGGREGATE @extschema@.embedding_mmd(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_mmd_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_mmd_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_mmd(float4[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method mmd: the unbiased squared maximum mean discrepancy (MMD^2_u) between the reference (is_current false) and current embeddings, rbf kernel with sigma^2 the squared median reference-current distance, reported as max(MMD^2_u, 0); drift when MMD^2_u exceeds threshold (0.015), or with bootstrap the quantile_probability (0.05) percentile of 100 reference-only resamples (SplitMix64, seed 0). Computed on a deterministic sample of at most max_rows (1000) rows per side (all of them, and then Evidently''s value, when there are no more)';
