--------------------------------------------------------------------------
-- Performance metrics (part of the install script, after sql/mlmon.sql)
--------------------------------------------------------------------------

CREATE TYPE @extschema@.classification_result AS (
    n bigint,
    accuracy float8,
    precision_macro float8,
    recall_macro float8,
    f1_macro float8,
    precision_weighted float8,
    recall_weighted float8,
    f1_weighted float8,
    classes jsonb,
    confusion_matrix jsonb,
    n_scored bigint,
    roc_auc float8,
    log_loss float8,
    brier float8
);
COMMENT ON TYPE @extschema@.classification_result IS
    'Result of mlmon.classification_metrics: scikit-learn''s metrics (zero_division = 0); classes holds precision, recall, f1, support per label; confusion_matrix rows are actual labels, columns predicted, in label byte order';

CREATE TYPE @extschema@.regression_result AS (
    n bigint,
    mae float8,
    mse float8,
    rmse float8,
    r2 float8,
    mape float8
);
COMMENT ON TYPE @extschema@.regression_result IS
    'Result of mlmon.regression_metrics: scikit-learn''s mean_absolute_error, mean_squared_error, its root, r2_score and mean_absolute_percentage_error';

-- The classification metrics' state: the rows counted per (actual,
-- predicted) pair and the scores by actual label, a real type (an expanded
-- object updated in place during aggregation) so that Citus computes the
-- aggregate partially on its workers.
CREATE TYPE @extschema@.classification_state;
CREATE FUNCTION @extschema@.classification_state_in(cstring) RETURNS @extschema@.classification_state
    AS 'MODULE_PATHNAME', 'mlm_classification_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_out(@extschema@.classification_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_classification_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_recv(internal) RETURNS @extschema@.classification_state
    AS 'MODULE_PATHNAME', 'mlm_classification_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.classification_state_send(@extschema@.classification_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_classification_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.classification_state (
    INPUT = @extschema@.classification_state_in, OUTPUT = @extschema@.classification_state_out,
    RECEIVE = @extschema@.classification_state_recv, SEND = @extschema@.classification_state_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE @extschema@.classification_state IS
    'Partial state of mlmon.classification_metrics: the rows counted per (actual, predicted) pair of labels and, for the score forms, the scores by actual label (and the positive label); text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.classification_state_in(cstring) IS 'Input function of mlmon.classification_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.classification_state_out(@extschema@.classification_state) IS 'Output function of mlmon.classification_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.classification_state_recv(internal) IS 'Binary input function of mlmon.classification_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.classification_state_send(@extschema@.classification_state) IS 'Binary output function of mlmon.classification_state';

CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum_score'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8, text)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_accum_positive'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_combine(@extschema@.classification_state, @extschema@.classification_state)
    RETURNS @extschema@.classification_state AS 'MODULE_PATHNAME', 'mlm_classification_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._classification_final(@extschema@.classification_state)
    RETURNS @extschema@.classification_result AS 'MODULE_PATHNAME', 'mlm_classification_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text) IS
    'Transition function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8) IS
    'Transition function of mlmon.classification_metrics with scores (internal)';
COMMENT ON FUNCTION @extschema@._classification_accum(@extschema@.classification_state, text, text, float8, text) IS
    'Transition function of mlmon.classification_metrics with scores and a positive label (internal)';
COMMENT ON FUNCTION @extschema@._classification_combine(@extschema@.classification_state, @extschema@.classification_state) IS
    'Combine function of mlmon.classification_metrics (internal)';
COMMENT ON FUNCTION @extschema@._classification_final(@extschema@.classification_state) IS
    'Final function of mlmon.classification_metrics, all forms: the state knows its form (internal)';

CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 1024,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.classification_metrics(actual text, predicted text, score float8, positive_label text) (
    SFUNC = @extschema@._classification_accum, STYPE = @extschema@.classification_state, SSPACE = 4096,
    FINALFUNC = @extschema@._classification_final,
    COMBINEFUNC = @extschema@._classification_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text) IS
    'Accuracy, precision, recall and F1 (macro, weighted, per class) and the confusion matrix of a classifier, as scikit-learn computes them';
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text, float8) IS
    'Classification metrics plus ROC AUC, log loss and Brier score of a binary classifier; score is the probability of the greater label (scikit-learn''s positive class)';
COMMENT ON AGGREGATE @extschema@.classification_metrics(text, text, float8, text) IS
    'Classification metrics plus ROC AUC, log loss and Brier score; score is the probability of positive_label (one against the rest)';

-- The regression metrics' state: the running sums themselves, a real type
-- (fixed length, updated in place) so that Citus computes the aggregate
-- partially on its workers.
CREATE TYPE @extschema@.regression_state;
CREATE FUNCTION @extschema@.regression_state_in(cstring) RETURNS @extschema@.regression_state
    AS 'MODULE_PATHNAME', 'mlm_regression_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_out(@extschema@.regression_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'mlm_regression_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_recv(internal) RETURNS @extschema@.regression_state
    AS 'MODULE_PATHNAME', 'mlm_regression_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.regression_state_send(@extschema@.regression_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'mlm_regression_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE @extschema@.regression_state (
    INPUT = @extschema@.regression_state_in, OUTPUT = @extschema@.regression_state_out,
    RECEIVE = @extschema@.regression_state_recv, SEND = @extschema@.regression_state_send,
    INTERNALLENGTH = 72, ALIGNMENT = double, STORAGE = plain
);
COMMENT ON TYPE @extschema@.regression_state IS
    'Partial state of mlmon.regression_metrics: the row count and the compensated sums of absolute, squared and percentage errors, the mean and squared deviations of the actual values; text form: base64 of the portable binary form';
COMMENT ON FUNCTION @extschema@.regression_state_in(cstring) IS 'Input function of mlmon.regression_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.regression_state_out(@extschema@.regression_state) IS 'Output function of mlmon.regression_state (base64 of the binary form)';
COMMENT ON FUNCTION @extschema@.regression_state_recv(internal) IS 'Binary input function of mlmon.regression_state (the portable binary form, checked)';
COMMENT ON FUNCTION @extschema@.regression_state_send(@extschema@.regression_state) IS 'Binary output function of mlmon.regression_state';

CREATE FUNCTION @extschema@._regression_accum(@extschema@.regression_state, float8, float8)
    RETURNS @extschema@.regression_state AS 'MODULE_PATHNAME', 'mlm_regression_state_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_combine(@extschema@.regression_state, @extschema@.regression_state)
    RETURNS @extschema@.regression_state AS 'MODULE_PATHNAME', 'mlm_regression_state_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._regression_final(@extschema@.regression_state)
    RETURNS @extschema@.regression_result AS 'MODULE_PATHNAME', 'mlm_regression_state_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._regression_accum(@extschema@.regression_state, float8, float8) IS
    'Transition function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_combine(@extschema@.regression_state, @extschema@.regression_state) IS
    'Combine function of mlmon.regression_metrics (internal)';
COMMENT ON FUNCTION @extschema@._regression_final(@extschema@.regression_state) IS
    'Final function of mlmon.regression_metrics (internal)';

CREATE AGGREGATE @extschema@.regression_metrics(actual float8, predicted float8) (
    SFUNC = @extschema@._regression_accum, STYPE = @extschema@.regression_state,
    FINALFUNC = @extschema@._regression_final,
    COMBINEFUNC = @extschema@._regression_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.regression_metrics(float8, float8) IS
    'MAE, MSE, RMSE, R^2 and MAPE of a regression model, as scikit-learn computes them; rows with NULL, NaN or infinite values are skipped';
