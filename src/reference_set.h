/*
 * reference_set.h: a model's reference profiles decoded for per-row
 * judgements (how unusual a value is, whether a category was seen), shared
 * by anomaly_score (anomaly.c) and the summaries' anomaly counts
 * (summary_build.c).
 */
#ifndef MLMON_REFERENCE_SET_H
#define MLMON_REFERENCE_SET_H

#include "postgres.h"

#include "core/grid_index.h"
#include "core/tail.h"
#include "core/wsample.h"
#include "profile.h"

typedef struct NumericRef
{
	char	   *name;
	mlm_wsample ws;
	mlm_grid_index ix;			/* over ws.v */
	double		min;
	double		max;
} NumericRef;

typedef struct CategoricalRef
{
	char	   *name;
	int64		m;
	const char **cat;			/* ascending in byte order, as the profile lists them */
	int32	   *len;
	double	   *tail;
	double		unlisted;		/* tail of a category the profile does not list */
	bool		exact;			/* the profile lists every category */
} CategoricalRef;

/* Decode a numeric (categorical) reference profile into r, in the current memory context. */
extern void reference_load_numeric(NumericRef *r, const mlm_profile_view *v);
extern void reference_load_categorical(CategoricalRef *r, const mlm_profile_view *v);

/* The index of a category among the reference's, or -1. */
extern int64 reference_category_index(const CategoricalRef *r, const char *s, int32 len);

/* Why a number has tail probability 0 whatever the rest of the row (NULL: it has a tail). */
extern const char *reference_numeric_zero(const NumericRef *r, double x);

/* The tail probability of a category, and why ("tail" or "unseen_category"). */
extern double reference_category_tail(const CategoricalRef *r, const char *s, int32 len, const char **reason);

#endif
