--------------------------------------------------------------------------
-- Calibration of a binary classifier's scores (part of the install script,
-- after sql/detectors.sql): the type, the aggregate that fits it and the
-- function that applies it
--------------------------------------------------------------------------

CREATE TYPE @extschema@.calibration AS (
    scores float8[],
    probabilities float8[]
);
COMMENT ON TYPE @extschema@.calibration IS
    'An isotonic calibration map: ascending scores and the calibrated probability at each (scikit-learn''s X_thresholds_, y_thresholds_)';

CREATE FUNCTION @extschema@._isotonic_final(@extschema@.sample_state) RETURNS @extschema@.calibration
    AS 'MODULE_PATHNAME', 'mlm_isotonic_state_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._isotonic_final(@extschema@.sample_state) IS 'Final function of mlmon.isotonic_calibration (internal)';

-- The scores of negative rows are kept as the two-sample statistics keep
-- their reference, those of positive rows as their current sample.
CREATE AGGREGATE @extschema@.isotonic_calibration(score float8, outcome boolean) (
    SFUNC = @extschema@._sample_accum, STYPE = @extschema@.sample_state, SSPACE = 1024,
    FINALFUNC = @extschema@._isotonic_final,
    COMBINEFUNC = @extschema@._sample_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.isotonic_calibration(float8, boolean) IS
    'Isotonic calibration of scores against binary outcomes (scikit-learn''s IsotonicRegression, out_of_bounds = clip); rows with a NULL, NaN or infinite score or a NULL outcome are skipped';

CREATE FUNCTION @extschema@.calibrate(calibration @extschema@.calibration, score float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'mlm_calibrate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.calibrate(@extschema@.calibration, float8) IS
    'The calibrated probability of a score: linear interpolation between the knots, clipped at both ends (IsotonicRegression.predict)';

