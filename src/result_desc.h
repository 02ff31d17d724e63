/*
 * result_desc.h: the row descriptor of a function that returns one of
 * mlmon's composite result types.
 */
#ifndef MLMON_RESULT_DESC_H
#define MLMON_RESULT_DESC_H

#include "postgres.h"

#include "access/tupdesc.h"
#include "fmgr.h"

/* The blessed descriptor of fcinfo's composite result, checked to have natts columns. */
extern TupleDesc result_desc(FunctionCallInfo fcinfo, int natts);

/*
 * The same for a result type that gained trailing columns: natts columns,
 * or min_natts..natts (the type as an older install script declared it,
 * until ALTER EXTENSION UPDATE adds the rest).  The caller fills natts
 * values; heap_form_tuple reads only the descriptor's.
 */
extern TupleDesc result_desc_grown(FunctionCallInfo fcinfo, int min_natts, int natts);

#endif
