--------------------------------------------------------------------------
-- Streaming drift detectors (part of the install script, after
-- sql/metrics.sql; added in 0.2.0, also in sql/mlmon--0.1.0--0.2.0.sql)
--------------------------------------------------------------------------

CREATE TYPE @extschema@.detector_result AS (
    n bigint,
    warning boolean,
    drift boolean,
    statistic float8,
    estimate float8,
    detections bigint,
    first_warning bigint,
    first_drift bigint,
    last_drift bigint
);
COMMENT ON TYPE @extschema@.detector_result IS
    'State of a streaming drift detector after a row: values taken (n), warning zone, drift at this row, the decision statistic computed at this row, the running estimate, drifts so far and the positions (n) of the first warning, first and last drift';

CREATE FUNCTION @extschema@._detector_final(internal)
    RETURNS @extschema@.detector_result AS 'MODULE_PATHNAME', 'mlm_detector_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._detector_final(internal) IS 'Final function of the streaming drift detectors (internal)';

CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_page_hinkley_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_ddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_eddm_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer, text)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_adwin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint)
    RETURNS internal AS 'MODULE_PATHNAME', 'mlm_kswin_accum'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8) IS 'Transition function of mlmon.page_hinkley (internal)';
COMMENT ON FUNCTION @extschema@._page_hinkley_accum(internal, float8, integer, float8, float8, float8, text) IS 'Transition function of mlmon.page_hinkley with parameters (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean) IS 'Transition function of mlmon.ddm (internal)';
COMMENT ON FUNCTION @extschema@._ddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.ddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean) IS 'Transition function of mlmon.eddm (internal)';
COMMENT ON FUNCTION @extschema@._eddm_accum(internal, boolean, integer, float8, float8) IS 'Transition function of mlmon.eddm with parameters (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8) IS 'Transition function of mlmon.adwin (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer) IS 'Transition function of mlmon.adwin with parameters (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, text) IS 'Transition function of mlmon.adwin with after_drift (internal)';
COMMENT ON FUNCTION @extschema@._adwin_accum(internal, float8, float8, integer, integer, integer, integer, text) IS 'Transition function of mlmon.adwin with parameters and after_drift (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8) IS 'Transition function of mlmon.kswin (internal)';
COMMENT ON FUNCTION @extschema@._kswin_accum(internal, float8, float8, integer, integer, bigint) IS 'Transition function of mlmon.kswin with parameters (internal)';

-- The detectors depend on the order of every row: no combine function, so
-- no partial aggregation (an aggregate called with ORDER BY never has one).
-- The final function only reads the state, so they work as window functions
-- over growing frames.
CREATE AGGREGATE @extschema@.page_hinkley(value float8) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.page_hinkley(value float8, min_instances integer, delta float8,
                                          threshold float8, alpha float8, mode text) (
    SFUNC = @extschema@._page_hinkley_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.ddm(error boolean, warm_start integer, warning_threshold float8,
                                 drift_threshold float8) (
    SFUNC = @extschema@._ddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.eddm(error boolean, warm_start integer, alpha float8, beta float8) (
    SFUNC = @extschema@._eddm_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, delta float8, clock integer, max_buckets integer,
                                   min_window_length integer, grace_period integer) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, after_drift text) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.adwin(value float8, delta float8, clock integer, max_buckets integer,
                                   min_window_length integer, grace_period integer, after_drift text) (
    SFUNC = @extschema@._adwin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.kswin(value float8, alpha float8, window_size integer, stat_size integer,
                                   seed bigint) (
    SFUNC = @extschema@._kswin_accum, STYPE = internal,
    FINALFUNC = @extschema@._detector_final, FINALFUNC_MODIFY = READ_ONLY,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8) IS
    'Page-Hinkley change detector (river''s defaults: min_instances 30, delta 0.005, threshold 50, alpha 0.9999, both directions); needs ORDER BY, in the call or its window';
COMMENT ON AGGREGATE @extschema@.page_hinkley(float8, integer, float8, float8, float8, text) IS
    'Page-Hinkley change detector with min_instances, delta, threshold, alpha and mode both|up|down';
COMMENT ON AGGREGATE @extschema@.ddm(boolean) IS
    'DDM drift detector on an error stream (true = wrong prediction; river''s defaults: warm start 30, warning 2 sigma, drift 3 sigma); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.ddm(boolean, integer, float8, float8) IS
    'DDM drift detector with warm_start, warning_threshold and drift_threshold';
COMMENT ON AGGREGATE @extschema@.eddm(boolean) IS
    'EDDM drift detector on an error stream (river''s defaults: warm start 30, alpha 0.95, beta 0.9); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.eddm(boolean, integer, float8, float8) IS
    'EDDM drift detector with warm_start, alpha (warning) and beta (drift)';
COMMENT ON AGGREGATE @extschema@.adwin(float8) IS
    'ADWIN adaptive-window change detector (river''s defaults: delta 0.002, clock 32, max_buckets 5, min_window_length 5, grace_period 10; a new window after each drift, as river); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length and grace_period (restarts after a drift, as river)';
COMMENT ON AGGREGATE @extschema@.adwin(float8, text) IS
    'ADWIN change detector with river''s defaults; after_drift restart (river: a new window after each drift) or shrink (MOA and the paper: keep the shrunk window)';
COMMENT ON AGGREGATE @extschema@.adwin(float8, float8, integer, integer, integer, integer, text) IS
    'ADWIN change detector with delta, clock, max_buckets, min_window_length, grace_period and after_drift (restart as river, or shrink as MOA)';
COMMENT ON AGGREGATE @extschema@.kswin(float8) IS
    'KSWIN Kolmogorov-Smirnov windowing change detector (river''s defaults: alpha 0.005, window 100, stat size 30; seed 42); needs ORDER BY';
COMMENT ON AGGREGATE @extschema@.kswin(float8, float8, integer, integer, bigint) IS
    'KSWIN change detector with alpha, window_size, stat_size and the seed of its sample draw';
