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

#endif
