/*
 * agg_detectors.c: the streaming drift detectors (core/detectors.h) as
 * ordered aggregates and window functions: mlmon.page_hinkley, ddm, eddm,
 * adwin and kswin.
 *
 * A detector needs its stream in order, so every call must say which:
 * mlmon.ddm(err ORDER BY ts) returns the state after the last row, and
 * mlmon.ddm(err) OVER (ORDER BY ts) each row's state.  Without ORDER BY
 * the call fails.  The state depends on the order of every row, so there
 * is no combine function: these aggregates never run partially in parallel
 * workers (an aggregate with ORDER BY never does).
 *
 * NULL, NaN and infinite values are skipped: they are not counted, report
 * no drift and leave the detector as it was.  The parameters are read from
 * the first row.
 *
 * For run_checks, ADWIN and Page-Hinkley (with their defaults) also come as
 * final functions over a time stream (time_stream.c): the pairs are
 * collected in any order, even by parallel workers, and replayed in
 * (time, value) order, sorted only when they did not come in that order.
 */
#include "postgres.h"

#include "agg_detectors.h"

#include <math.h>

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "utils/builtins.h"

#include "core/detectors.h"
#include "core/env.h"
#include "result_desc.h"
#include "time_stream.h"

PG_FUNCTION_INFO_V1(mlm_page_hinkley_accum);
PG_FUNCTION_INFO_V1(mlm_ddm_accum);
PG_FUNCTION_INFO_V1(mlm_eddm_accum);
PG_FUNCTION_INFO_V1(mlm_adwin_accum);
PG_FUNCTION_INFO_V1(mlm_kswin_accum);
PG_FUNCTION_INFO_V1(mlm_detector_final);
PG_FUNCTION_INFO_V1(mlm_adwin_by_time_final);
PG_FUNCTION_INFO_V1(mlm_page_hinkley_by_time_final);

#define DETECTOR_RESULT_NATTS 9

typedef enum DetectorKind
{
	DET_PAGE_HINKLEY,
	DET_DDM,
	DET_EDDM,
	DET_ADWIN,
	DET_KSWIN
} DetectorKind;

typedef struct DetectorState
{
	DetectorKind kind;
	union
	{
		mlm_ph		ph;
		mlm_ddm		ddm;
		mlm_eddm	eddm;
		mlm_adwin	adwin;
		mlm_kswin	kswin;
	}			d;
	int64		n;				/* values taken */
	int64		detections;
	int64		first_warning;	/* 0: none */
	int64		first_drift;
	int64		last_drift;
	bool		stepped;		/* last is the outcome of the last row */
	mlm_detect_step last;
} DetectorState;

static const char *const detector_names[] = {
	"page_hinkley", "ddm", "eddm", "adwin", "kswin"
};

/* The call must order its rows: ORDER BY in the aggregate or in the window. */
static void
require_order(FunctionCallInfo fcinfo, DetectorKind kind)
{
	bool		ordered = false;
	Aggref	   *aggref = AggGetAggref(fcinfo);

	if (aggref != NULL)
		ordered = aggref->aggorder != NIL;
	else if (fcinfo->context && IsA(fcinfo->context, WindowAggState))
	{
		WindowAgg  *plan = (WindowAgg *) ((PlanState *) fcinfo->context)->plan;

		ordered = plan->ordNumCols > 0;
	}
	if (!ordered)
		ereport(ERROR,
				(errcode(ERRCODE_WINDOWING_ERROR),
				 errmsg("mlmon.%s needs its rows in order", detector_names[kind]),
				 errhint("Write mlmon.%s(x ORDER BY ts) or mlmon.%s(x) OVER (ORDER BY ts).",
						 detector_names[kind], detector_names[kind])));
}

static void
check_params(DetectorKind kind, const char *problem)
{
	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid parameter of mlmon.%s: %s", detector_names[kind], problem)));
}

/* ADWIN's after_drift argument: true for 'restart' (river), false for 'shrink' (MOA). */
static bool
adwin_restart(text *arg)
{
	char	   *v = text_to_cstring(arg);

	if (strcmp(v, "restart") == 0)
		return true;
	if (strcmp(v, "shrink") == 0)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid after_drift of mlmon.adwin: \"%s\"", v),
			 errhint("Valid values are \"restart\" (river's ADWIN) and \"shrink\" (MOA's).")));
	return true;				/* not reached */
}

static void
require_args(FunctionCallInfo fcinfo, DetectorKind kind)
{
	int			i;

	for (i = 2; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("parameters of mlmon.%s must not be null", detector_names[kind])));
}

/*
 * Set up detector s of the given kind: with the parameters of the call's
 * arguments 2.. when full, else with the defaults (fcinfo unused).  Memory
 * comes from CurrentMemoryContext.
 */
static void
detector_setup(DetectorState *s, DetectorKind kind, FunctionCallInfo fcinfo, bool full)
{
	s->kind = kind;
	switch (kind)
	{
		case DET_PAGE_HINKLEY:
			{
				mlm_ph_params p = {30, 0.005, 50.0, 1.0 - 0.0001, MLM_PH_BOTH};

				if (full)
				{
					char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(6));

					p.min_instances = PG_GETARG_INT32(2);
					p.delta = PG_GETARG_FLOAT8(3);
					p.threshold = PG_GETARG_FLOAT8(4);
					p.alpha = PG_GETARG_FLOAT8(5);
					if (strcmp(mode, "both") == 0)
						p.mode = MLM_PH_BOTH;
					else if (strcmp(mode, "up") == 0)
						p.mode = MLM_PH_UP;
					else if (strcmp(mode, "down") == 0)
						p.mode = MLM_PH_DOWN;
					else
						ereport(ERROR,
								(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
								 errmsg("invalid mode of mlmon.page_hinkley: \"%s\"", mode),
								 errhint("Valid modes are \"both\", \"up\" and \"down\".")));
				}
				check_params(kind, mlm_ph_check(&p));
				mlm_ph_init(&s->d.ph, &p);
				break;
			}
		case DET_DDM:
			{
				mlm_ddm_params p = {30, 2.0, 3.0};

				if (full)
				{
					p.warm_start = PG_GETARG_INT32(2);
					p.warning_threshold = PG_GETARG_FLOAT8(3);
					p.drift_threshold = PG_GETARG_FLOAT8(4);
				}
				check_params(kind, mlm_ddm_check(&p));
				mlm_ddm_init(&s->d.ddm, &p);
				break;
			}
		case DET_EDDM:
			{
				mlm_eddm_params p = {30, 0.95, 0.9};

				if (full)
				{
					p.warm_start = PG_GETARG_INT32(2);
					p.alpha = PG_GETARG_FLOAT8(3);
					p.beta = PG_GETARG_FLOAT8(4);
				}
				check_params(kind, mlm_eddm_check(&p));
				mlm_eddm_init(&s->d.eddm, &p);
				break;
			}
		case DET_ADWIN:
			{
				mlm_adwin_params p = {0.002, 32, 5, 5, 10, true};
				size_t		cells;

				/* (value, after_drift) or (value, delta, ..., grace_period [, after_drift]) */
				if (full && PG_NARGS() > 3)
				{
					p.delta = PG_GETARG_FLOAT8(2);
					p.clock = PG_GETARG_INT32(3);
					p.max_buckets = PG_GETARG_INT32(4);
					p.min_window_length = PG_GETARG_INT32(5);
					p.grace_period = PG_GETARG_INT32(6);
				}
				if (full && (PG_NARGS() == 3 || PG_NARGS() == 8))
					p.restart = adwin_restart(PG_GETARG_TEXT_PP(PG_NARGS() - 1));
				check_params(kind, mlm_adwin_check(&p));
				cells = mlm_adwin_cells(&p);
				mlm_adwin_init(&s->d.adwin, &p,
							   (double *) palloc(cells * sizeof(double)),
							   (double *) palloc(cells * sizeof(double)));
				break;
			}
		case DET_KSWIN:
			{
				mlm_kswin_params p = {0.005, 100, 30, 42};

				if (full)
				{
					p.alpha = PG_GETARG_FLOAT8(2);
					p.window_size = PG_GETARG_INT32(3);
					p.stat_size = PG_GETARG_INT32(4);
					p.seed = (uint64) PG_GETARG_INT64(5);
				}
				check_params(kind, mlm_kswin_check(&p));
				mlm_kswin_init(&s->d.kswin, &p, palloc(mlm_kswin_bytes(&p)));
				break;
			}
	}
}

/* The state of this call, created and set up on the first row. */
static DetectorState *
detector_state(FunctionCallInfo fcinfo, DetectorKind kind)
{
	MemoryContext aggcxt,
				old;
	DetectorState *s;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("mlmon.%s's transition function can only be called as part of an aggregate",
						detector_names[kind])));
	if (!PG_ARGISNULL(0))
		return (DetectorState *) PG_GETARG_POINTER(0);

	require_order(fcinfo, kind);
	require_args(fcinfo, kind);
	old = MemoryContextSwitchTo(aggcxt);
	s = (DetectorState *) palloc0(sizeof(DetectorState));
	detector_setup(s, kind, fcinfo, PG_NARGS() > 2);
	MemoryContextSwitchTo(old);
	return s;
}

/* Record the outcome of a row the detector took. */
static void
record_step(DetectorState *s)
{
	s->n++;
	s->stepped = true;
	if (s->last.warning && s->first_warning == 0)
		s->first_warning = s->n;
	if (s->last.drift)
	{
		s->detections++;
		if (s->first_drift == 0)
			s->first_drift = s->n;
		s->last_drift = s->n;
	}
}

/* Shared by the detectors of a float8 stream. */
static Datum
value_stream_accum(FunctionCallInfo fcinfo, DetectorKind kind)
{
	DetectorState *s = detector_state(fcinfo, kind);
	double		x;

	s->stepped = false;
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	x = PG_GETARG_FLOAT8(1);
	if (!isfinite(x))
		PG_RETURN_POINTER(s);
	switch (kind)
	{
		case DET_PAGE_HINKLEY:
			mlm_ph_update(&s->d.ph, x, &s->last);
			break;
		case DET_ADWIN:
			mlm_adwin_update(&s->d.adwin, x, &s->last);
			break;
		case DET_KSWIN:
			mlm_kswin_update(&s->d.kswin, x, &s->last);
			break;
		default:
			elog(ERROR, "unexpected detector %d", (int) kind);
	}
	record_step(s);
	PG_RETURN_POINTER(s);
}

/* Shared by the detectors of an error stream. */
static Datum
error_stream_accum(FunctionCallInfo fcinfo, DetectorKind kind)
{
	DetectorState *s = detector_state(fcinfo, kind);
	bool		err;

	s->stepped = false;
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(s);
	err = PG_GETARG_BOOL(1);
	if (kind == DET_DDM)
		mlm_ddm_update(&s->d.ddm, err, &s->last);
	else
		mlm_eddm_update(&s->d.eddm, err, &s->last);
	record_step(s);
	PG_RETURN_POINTER(s);
}

Datum
mlm_page_hinkley_accum(PG_FUNCTION_ARGS)
{
	return value_stream_accum(fcinfo, DET_PAGE_HINKLEY);
}

Datum
mlm_adwin_accum(PG_FUNCTION_ARGS)
{
	return value_stream_accum(fcinfo, DET_ADWIN);
}

Datum
mlm_kswin_accum(PG_FUNCTION_ARGS)
{
	return value_stream_accum(fcinfo, DET_KSWIN);
}

Datum
mlm_ddm_accum(PG_FUNCTION_ARGS)
{
	return error_stream_accum(fcinfo, DET_DDM);
}

Datum
mlm_eddm_accum(PG_FUNCTION_ARGS)
{
	return error_stream_accum(fcinfo, DET_EDDM);
}

/* The mlmon.detector_result of state s (NULL: no rows). */
static Datum
detector_result_datum(FunctionCallInfo fcinfo, const DetectorState *s)
{
	TupleDesc	tupdesc = (TupleDesc) fcinfo->flinfo->fn_extra;
	Datum		values[DETECTOR_RESULT_NATTS];
	bool		nulls[DETECTOR_RESULT_NATTS];

	/* as a window function this runs for every row: look the row type up once */
	if (tupdesc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		tupdesc = CreateTupleDescCopy(result_desc(fcinfo, DETECTOR_RESULT_NATTS));
		tupdesc = BlessTupleDesc(tupdesc);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = tupdesc;
	}
	memset(nulls, 0, sizeof(nulls));
	if (s == NULL)
	{
		values[0] = Int64GetDatum(0);
		values[1] = BoolGetDatum(false);
		values[2] = BoolGetDatum(false);
		nulls[3] = nulls[4] = true;
		values[5] = Int64GetDatum(0);
		nulls[6] = nulls[7] = nulls[8] = true;
	}
	else
	{
		bool		seen = s->n > 0;

		values[0] = Int64GetDatum(s->n);
		values[1] = BoolGetDatum(seen && s->last.warning);
		values[2] = BoolGetDatum(s->stepped && s->last.drift);
		values[3] = Float8GetDatum(s->last.statistic);
		nulls[3] = !(s->stepped && s->last.has_statistic);
		values[4] = Float8GetDatum(s->last.estimate);
		nulls[4] = !(seen && s->last.has_estimate);
		values[5] = Int64GetDatum(s->detections);
		values[6] = Int64GetDatum(s->first_warning);
		nulls[6] = s->first_warning == 0;
		values[7] = Int64GetDatum(s->first_drift);
		nulls[7] = s->first_drift == 0;
		values[8] = Int64GetDatum(s->last_drift);
		nulls[8] = s->last_drift == 0;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* _detector_final(internal) returns mlmon.detector_result; reads the state only. */
Datum
mlm_detector_final(PG_FUNCTION_ARGS)
{
	return detector_result_datum(fcinfo, PG_ARGISNULL(0) ? NULL : (DetectorState *) PG_GETARG_POINTER(0));
}

/* The detector of the given kind, with its defaults, over n values (each `stride` bytes after the last). */
static Datum
replay_values(FunctionCallInfo fcinfo, DetectorKind kind, const double *v, int64 n, size_t stride)
{
	DetectorState *s = NULL;
	int64		i;

	if (n > 0)
	{
		s = (DetectorState *) palloc0(sizeof(DetectorState));
		detector_setup(s, kind, NULL, false);
		for (i = 0; i < n; i++)
		{
			double		x = *(const double *) ((const char *) v + i * stride);

			if (kind == DET_ADWIN)
				mlm_adwin_update(&s->d.adwin, x, &s->last);
			else
				mlm_ph_update(&s->d.ph, x, &s->last);
			record_step(s);
			if (i % MLM_CANCEL_INTERVAL == 0)
				CHECK_FOR_INTERRUPTS();
		}
	}
	return detector_result_datum(fcinfo, s);
}

Datum
detector_replay_datum(FunctionCallInfo fcinfo, bool adwin, const double *v, int64 n)
{
	return replay_values(fcinfo, adwin ? DET_ADWIN : DET_PAGE_HINKLEY, v, n, sizeof(double));
}

/*
 * The detector of the given kind, with its defaults, over a time stream's
 * values in time order (time_stream.c): what detector(value ORDER BY ts,
 * value) returns, from an aggregate that can run in parallel workers.
 */
static Datum
replay_final(FunctionCallInfo fcinfo, DetectorKind kind)
{
	TimeStream *ts = PG_ARGISNULL(0) ? NULL : (TimeStream *) PG_GETARG_POINTER(0);

	if (ts == NULL || ts->n == 0)
		return detector_result_datum(fcinfo, NULL);
	time_stream_sort(ts);
	return replay_values(fcinfo, kind, &ts->p[0].v, ts->n, sizeof(TimeStreamPair));
}

/* _adwin_by_time_final(internal) returns mlmon.detector_result */
Datum
mlm_adwin_by_time_final(PG_FUNCTION_ARGS)
{
	return replay_final(fcinfo, DET_ADWIN);
}

/* _page_hinkley_by_time_final(internal) returns mlmon.detector_result */
Datum
mlm_page_hinkley_by_time_final(PG_FUNCTION_ARGS)
{
	return replay_final(fcinfo, DET_PAGE_HINKLEY);
}
