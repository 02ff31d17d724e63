-- Embedding drift (issue 17), Evidently's `model` method: a domain
-- classifier (src/embedding_model.c, src/core/domain_classifier.c).  The
-- state is the shared embedding sample (a float8[], per side a bottom-k
-- sample of the valid rows by a content hash, combined by
-- _embedding_sample_combine), so the aggregate runs in parallel and under
-- Citus; the classifier is trained in the final function.  Bad rows are
-- counted as by the other embedding methods.  IMMUTABLE: the result depends
-- on the arguments only (the split, the SGD's shuffle and the bootstrap
-- draw from SplitMix64 restarted at fixed seeds on every call).

CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer)
    RETURNS float8[] AS 'MODULE_PATHNAME', 'mlm_embedding_model_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._embedding_model_final(float8[])
    RETURNS @extschema@.embedding_drift_result AS 'MODULE_PATHNAME', 'mlm_embedding_model_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float8[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_accum(float8[], float4[], boolean, float8, boolean, float8, integer) IS
    'Transition function of mlmon.embedding_model (internal)';
COMMENT ON FUNCTION @extschema@._embedding_model_final(float8[]) IS
    'Final function of mlmon.embedding_model: trains the classifier on the sample (internal)';

CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float8[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float8[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8, boolean, float8) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
CREATE AGGREGATE @extschema@.embedding_model(embedding float4[], is_current boolean, threshold float8, bootstrap boolean, quantile_probability float8, max_rows integer) (
    SFUNC = @extschema@._embedding_model_accum, STYPE = float8[],
    FINALFUNC = @extschema@._embedding_model_final,
    COMBINEFUNC = @extschema@._embedding_sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.embedding_model(float4[], boolean, float8, boolean, float8, integer) IS
    'Evidently''s embedding drift method model: a logistic regression (scikit-learn''s SGDClassifier, log loss, its defaults) trained on half of the sampled rows (max_rows per side, 5000) to tell reference (is_current false) from current rows; the statistic is its ROC AUC on the other half; drift when it exceeds threshold (0.55), or with bootstrap the quantile_probability (0.95) percentile of 100 random classifiers'' AUCs. Deterministic: split, shuffle and bootstrap from documented seeds';
