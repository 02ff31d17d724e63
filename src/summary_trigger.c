/*
 * summary_trigger.c: _summary_changed(), the row trigger that tells the
 * checks which stored summaries a change made stale, and
 * _bucket_widths_changed(), which makes every backend read the models'
 * bucket widths again.
 *
 * A bucket's summary is built once it is closed; rows written into it later
 * (late rows, a backfill, an edit, a delete) and labels recorded for its
 * rows change what a full read would count.  For each row the trigger sees
 * it takes the row's model and time, the model's bucket width, and, when the
 * bucket has already closed by the clock at that moment, records (model,
 * bucket start, part) in mlmon.summary_invalidations; the next check of a
 * window holding the bucket rebuilds that part of its summary.  Rows of the
 * bucket still open cost a hash lookup and a clock reading.
 *
 * Why the clock suffices: the transaction id is assigned before the clock
 * is read, so a row that was not recorded came from a transaction that had
 * an id before the bucket closed.  A check stores a bucket's summary only
 * when no such transaction is still running (sql/monitoring.sql,
 * _summary_horizon): every row the trigger let through is then committed
 * (or gone) and in the check's snapshot, and every later one is recorded.
 *
 * Arguments: the model ('' for the model column of the row), the time
 * column's name, and the table's kind: 'rows' (the log, or a source) or
 * 'labels'.  A row inserted into a closed bucket is recorded as 'rows' (the
 * rows part is stale), a label as 'labels'; an updated or deleted row as
 * 'edit' whether its bucket is closed or not: the labels copied from it
 * (mlmon.labels.predicted_label, ...) are matched again by the next check.  Each (model, bucket,
 * part) is recorded once per transaction (forgotten when a subtransaction
 * aborts, which may have taken the record with it).  The function runs as
 * its owner (SECURITY DEFINER): a writer needs no privilege on the tables.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "common/hashfn.h"
#include "catalog/namespace.h"
#include "catalog/pg_type_d.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(mlm_summary_changed);
PG_FUNCTION_INFO_V1(mlm_bucket_widths_changed);
PG_FUNCTION_INFO_V1(mlm_track_changes);

#define MODEL_KEY_LEN NAMEDATALEN
#define DEFAULT_WIDTH USECS_PER_HOUR

/* A model's bucket width, cached per backend until mlmon.models is invalidated. */
typedef struct WidthEntry
{
	char		model[MODEL_KEY_LEN];	/* a hash of longer names (see width_key) */
	char	   *name;			/* the full name */
	int64		width;			/* microseconds */
} WidthEntry;

/* A (model, bucket, part) recorded in this transaction. */
typedef struct RecordedKey
{
	char		model[MODEL_KEY_LEN];
	TimestampTz bucket;
	char		part;
} RecordedKey;

static HTAB *widths = NULL;
static HTAB *recorded = NULL;
static bool suspended = false;	/* _track_changes(false): rows are moving, not changing */
static Oid	models_relid = InvalidOid;
static bool callbacks_registered = false;

static void
widths_invalidate(Datum arg, Oid relid)
{
	if (widths != NULL && (relid == InvalidOid || relid == models_relid))
	{
		hash_destroy(widths);
		widths = NULL;
	}
}

static void
recorded_forget(void)
{
	if (recorded != NULL)
	{
		hash_destroy(recorded);
		recorded = NULL;
	}
}

static void
xact_end(XactEvent event, void *arg)
{
	recorded_forget();
	suspended = false;
}

static void
subxact_end(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		recorded_forget();
		suspended = false;
	}
}

static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	CacheRegisterRelcacheCallback(widths_invalidate, (Datum) 0);
	RegisterXactCallback(xact_end, NULL);
	RegisterSubXactCallback(subxact_end, NULL);
	callbacks_registered = true;
}

/* The hash key of a model name: the name itself, or for long names a digest of it. */
static void
width_key(const char *model, int len, char *key)
{
	memset(key, 0, MODEL_KEY_LEN);
	if (len < MODEL_KEY_LEN)
		memcpy(key, model, len);
	else
		snprintf(key, MODEL_KEY_LEN, "\x01%08x%08x%d", (unsigned) hash_bytes((const unsigned char *) model, len),
				 (unsigned) hash_bytes_extended((const unsigned char *) model, len, 1), len);
}

/* The bucket width of a model (an unregistered one: an hour, the default). */
static int64
bucket_width(const char *model, int len)
{
	char		key[MODEL_KEY_LEN];
	WidthEntry *e;
	bool		found;

	register_callbacks();
	if (widths == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MODEL_KEY_LEN;
		ctl.entrysize = sizeof(WidthEntry);
		ctl.hcxt = TopMemoryContext;
		widths = hash_create("mlmon bucket widths", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		models_relid = get_relname_relid("models", get_namespace_oid("mlmon", false));
	}
	width_key(model, len, key);
	e = hash_search(widths, key, HASH_FIND, NULL);
	if (e != NULL && strlen(e->name) == (size_t) len && memcmp(e->name, model, len) == 0)
		return e->width;
	{
		Oid			argtypes[1] = {TEXTOID};
		Datum		args[1] = {PointerGetDatum(cstring_to_text_with_len(model, len))};
		int64		width = DEFAULT_WIDTH;
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		rc = SPI_execute_with_args("SELECT (extract(epoch FROM m.bucket_width) OPERATOR(pg_catalog.*) 1000000)::pg_catalog.int8 "
								   "FROM mlmon.models m WHERE m.name OPERATOR(pg_catalog.=) $1",
								   1, argtypes, args, NULL, true, 1);
		if (rc == SPI_OK_SELECT && SPI_processed == 1)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull && DatumGetInt64(d) > 0)
				width = DatumGetInt64(d);
		}
		SPI_finish();
		if (widths == NULL)		/* the query above may have processed an invalidation */
			return width;
		e = hash_search(widths, key, HASH_ENTER, &found);
		e->name = MemoryContextStrdup(TopMemoryContext, pnstrdup(model, len));
		e->width = width;
		return width;
	}
}

/* The start of the bucket of width w holding t (buckets from 2000-01-01 00:00 UTC, date_bin's origin 0). */
static TimestampTz
bucket_start(TimestampTz t, int64 w)
{
	int64		q = t / w;

	if (t % w < 0)
		q--;
	return q * w;
}

/* Record (model, bucket, part) in mlmon.summary_invalidations, once per transaction. */
static void
record(const char *model, int len, TimestampTz bucket, char part)
{
	RecordedKey key;
	bool		found;

	if (recorded == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(RecordedKey);
		ctl.entrysize = sizeof(RecordedKey);
		ctl.hcxt = TopTransactionContext;
		recorded = hash_create("mlmon recorded invalidations", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	memset(&key, 0, sizeof(key));
	width_key(model, len, key.model);
	key.bucket = bucket;
	key.part = part;
	hash_search(recorded, &key, HASH_ENTER, &found);
	if (found)
		return;
	{
		Oid			argtypes[3] = {TEXTOID, TIMESTAMPTZOID, TEXTOID};
		Datum		args[3] = {PointerGetDatum(cstring_to_text_with_len(model, len)),
							   TimestampTzGetDatum(bucket),
		PointerGetDatum(cstring_to_text(part == 'r' ? "rows" : part == 'e' ? "edit" : "labels"))};

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute_with_args("INSERT INTO mlmon.summary_invalidations (model, bucket_start, part) "
								  "VALUES ($1, $2, $3)", 3, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "recording a summary invalidation failed");
		SPI_finish();
	}
}

/*
 * The time of a row's time column as timestamptz (false when NULL or of
 * another type).  A timestamp without time zone is read as UTC, and a date
 * as its midnight in UTC, as the checks read them (sql/monitoring.sql,
 * _source): whatever the session's TimeZone, both see the same bucket.
 */
static bool
row_time(HeapTuple tup, TupleDesc td, int attno, TimestampTz *t)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, td, &isnull);

	if (isnull)
		return false;
	switch (TupleDescAttr(td, attno - 1)->atttypid)
	{
		case TIMESTAMPTZOID:
			*t = DatumGetTimestampTz(d);
			break;
		case TIMESTAMPOID:
			/* the same microseconds since 2000-01-01: UTC */
			*t = (TimestampTz) DatumGetTimestamp(d);
			break;
		case DATEOID:
			if (DATE_NOT_FINITE(DatumGetDateADT(d)) ||
				DatumGetDateADT(d) > (DateADT) (PG_INT64_MAX / USECS_PER_DAY) ||
				DatumGetDateADT(d) < (DateADT) (PG_INT64_MIN / USECS_PER_DAY))
				return false;
			*t = (TimestampTz) DatumGetDateADT(d) * USECS_PER_DAY;
			break;
		default:
			return false;
	}
	return !TIMESTAMP_NOT_FINITE(*t);
}

/*
 * Look at one row version: record its bucket when closed by `now` (an
 * edit, always: labels copied from the row must be matched again).
 */
static void
consider(HeapTuple tup, TupleDesc td, const char *model_arg, int model_attno, int time_attno, char part,
		 TimestampTz now)
{
	TimestampTz t,
				b;
	const char *model;
	int			len;
	int64		w;

	if (!row_time(tup, td, time_attno, &t))
		return;
	if (model_attno > 0)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, model_attno, td, &isnull);
		text	   *m;

		if (isnull)
			return;
		m = DatumGetTextPP(d);
		model = VARDATA_ANY(m);
		len = VARSIZE_ANY_EXHDR(m);
	}
	else
	{
		model = model_arg;
		len = (int) strlen(model_arg);
	}
	w = bucket_width(model, len);
	b = bucket_start(t, w);
	if (part != 'e' && b > now - w) /* the bucket ends after now: still open */
		return;
	record(model, len, b, part);
}

/* _summary_changed() returns trigger: a BEFORE ROW trigger for INSERT, UPDATE and DELETE. */
Datum
mlm_summary_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	TupleDesc	desc;
	const char *model_arg;
	int			model_attno = 0,
				time_attno;
	char		part;
	TimestampTz now;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("_summary_changed can only be called as a trigger")));
	tg = td->tg_trigger;
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) || tg->tgnargs != 3)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("_summary_changed must be a BEFORE ROW trigger with three arguments")));
	desc = RelationGetDescr(td->tg_relation);
	model_arg = tg->tgargs[0];
	if (model_arg[0] == '\0')
	{
		model_attno = SPI_fnumber(desc, "model");
		if (model_attno <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("relation \"%s\" has no column \"model\"", RelationGetRelationName(td->tg_relation))));
	}
	time_attno = SPI_fnumber(desc, tg->tgargs[1]);
	if (time_attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("relation \"%s\" has no column \"%s\"", RelationGetRelationName(td->tg_relation),
						tg->tgargs[1])));
	part = strcmp(tg->tgargs[2], "labels") == 0 ? 'l' :
		TRIGGER_FIRED_BY_INSERT(td->tg_event) ? 'r' : 'e';

	if (suspended)
		return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
	/* the transaction's id first, the clock after it (see the file's comment) */
	(void) GetCurrentTransactionId();
	now = GetCurrentTimestamp();
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		consider(td->tg_trigtuple, desc, model_arg, model_attno, time_attno, part, now);
		return PointerGetDatum(td->tg_trigtuple);
	}
	consider(td->tg_trigtuple, desc, model_arg, model_attno, time_attno, part, now);
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		consider(td->tg_newtuple, desc, model_arg, model_attno, time_attno, part, now);
		return PointerGetDatum(td->tg_newtuple);
	}
	return PointerGetDatum(td->tg_trigtuple);
}

/* _bucket_widths_changed() returns void: every backend reads the models' bucket widths again. */
Datum
mlm_bucket_widths_changed(PG_FUNCTION_ARGS)
{
	Oid			relid = get_relname_relid("models", get_namespace_oid("mlmon", false));

	if (OidIsValid(relid))
		CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}

/*
 * _track_changes(enabled boolean) returns void: false while rows move
 * between tables without changing (maintain_partitions moving rows out of
 * the default partition), true again after; reset at the end of the
 * (sub)transaction whatever happens.
 */
Datum
mlm_track_changes(PG_FUNCTION_ARGS)
{
	register_callbacks();
	suspended = !PG_GETARG_BOOL(0);
	PG_RETURN_VOID();
}
