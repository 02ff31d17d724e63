/*
 * mlmon.c: the module's entry point.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "core/env.h"
#include "profile.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* GUC mlmon.summaries (read by the checks' SQL through current_setting). */
static bool mlm_use_summaries = true;

/* Scratch memory for the core: palloc, freed by the context reset if an error interrupts. */
static void *
pg_core_alloc(size_t size)
{
	return MemoryContextAllocHuge(CurrentMemoryContext, size);
}

static void
pg_core_release(void *p)
{
	if (p != NULL)
		pfree(p);
}

/* Let long computations be cancelled (statement_timeout, pg_cancel_backend). */
static void
pg_core_check_cancel(void)
{
	CHECK_FOR_INTERRUPTS();
}

static const mlm_env pg_core_env = {pg_core_alloc, pg_core_release, pg_core_check_cancel};

void
_PG_init(void)
{
	mlm_set_env(&pg_core_env);

	DefineCustomIntVariable("mlmon.profile_exact_cap",
							"Distinct values (or categories) a profile keeps exactly before it becomes a sketch.",
							"Applies to profiles built without an explicit cap argument.",
							&mlm_profile_exact_cap,
							PROFILE_DEFAULT_CAP, MLM_PROFILE_MIN_CAP, MLM_PROFILE_MAX_CAP,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("mlmon.summaries",
							 "Checks merge stored summaries of closed time buckets instead of reading their rows.",
							 "Off: every check reads every row of its window (and stores nothing).",
							 &mlm_use_summaries,
							 true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("mlmon");
}
