/*
 * summary.h: the mlmon.check_summary type inside PostgreSQL.  Its varlena holds
 * the portable wire form (core/summary.h); while an aggregate builds or
 * merges summaries it holds an expanded object, a SummaryBuilder, that
 * every row or partial state updates in place.
 */
#ifndef MLMON_SUMMARY_H
#define MLMON_SUMMARY_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/expandeddatum.h"

#include "catcount.h"
#include "core/summary.h"
#include "profile_builder.h"
#include "time_stream.h"

/* One section while it is built or merged. */
typedef struct SectionBuilder
{
	uint32		id;
	uint8		kind;
	int64		n;				/* COUNTS, SUMS: length; STREAM (closed): values */
	int64	   *counts;			/* COUNTS */
	mlm_ksum   *sums;			/* SUMS */
	ProfileBuilder *profile;	/* PROFILE */
	/* GRID, dense: ncells counts, ncells / 2 + 1 open-cell maxima (-inf: none) */
	int64		ncells;
	int64	   *cells;
	double	   *cellmax;
	/* KEYS: arity 1 keys as they are, arity 2 as uint32 length, part 1, part 2 */
	int			arity;
	bool		truncated;
	int64		cap;
	CatCounter	keys;
	/* REGRESSION */
	mlm_regression_acc reg;
	/* STREAM: open pairs, or closed values with segments */
	bool		closed;
	TimeStream	open;
	double	   *values;
	int64		values_cap;
	int64		nseg;
	int64		seg_cap;
	int64	   *seg_first;
	int64	   *seg_last;
	int64	   *seg_n;
	/* SCORES */
	bool		overflow;
	int			nlabels;
	char	   *label[2];
	int32		labellen[2];
	int64		rows[2];
	mlm_ksum	ssums[2][MLM_SCORE_SUMS];
	ProfileBuilder *scores[2];
} SectionBuilder;

typedef struct SummaryBuilder
{
	ExpandedObjectHeader hdr;
	MemoryContext cxt;
	int			nsec;
	int			seccap;
	SectionBuilder **sec;		/* ids ascending; each allocated on its own, so pointers to them stay valid */
	void	   *rowplan;		/* the building transition's decoded plan (summary_build.c) */
	void		(*flush) (struct SummaryBuilder *b);	/* count what the transition holds back, before reading */
	struct varlena *flat;		/* cached flat form, or NULL */
} SummaryBuilder;

/* A new, empty builder in a child of parent. */
extern SummaryBuilder *summary_builder_new(MemoryContext parent);

/* The builder behind a mlmon.check_summary datum we may modify, or NULL if the datum is not one. */
extern SummaryBuilder *summary_builder_from_datum(Datum d);

/* The read-write datum of a builder (its cached flat form is dropped: it is being changed). */
extern Datum summary_builder_datum(SummaryBuilder *b);

/* Add an empty section (ids must come in ascending order); returns it. */
extern SectionBuilder *summary_builder_add(SummaryBuilder *b, uint32 id, uint8 kind);

/* The section with this id, or NULL. */
extern SectionBuilder *summary_builder_find(SummaryBuilder *b, uint32 id);

/* Section initialisers for a builder made from a plan. */
extern void section_init_counts(SummaryBuilder *b, SectionBuilder *s, int64 n);
extern void section_init_sums(SummaryBuilder *b, SectionBuilder *s, int64 n);
extern void section_init_profile(SummaryBuilder *b, SectionBuilder *s, int kind, int cap);
extern void section_init_grid(SummaryBuilder *b, SectionBuilder *s, int64 gridpoints);
extern void section_init_keys(SummaryBuilder *b, SectionBuilder *s, int arity, int64 cap);
extern void section_init_stream(SummaryBuilder *b, SectionBuilder *s);
extern void section_init_scores(SummaryBuilder *b, SectionBuilder *s);

/* Count a key of one or two parts in a KEYS section. */
extern void section_add_key(SectionBuilder *s, const char *a, int32 alen, const char *b2, int32 blen, int64 count);

/* Add a row's score under its actual label to a SCORES section. */
extern void section_add_score(SummaryBuilder *b, SectionBuilder *s, const char *label, int32 len, double score);

/* Merge a summary into the builder (sections matched by id; new ones added). */
extern void summary_builder_merge(SummaryBuilder *b, const mlm_summary_wire *w);

/* Close every open stream: sort its pairs by (time, value) and keep the values. */
extern void summary_builder_close(SummaryBuilder *b);

/* The builder's summary as a new varlena in the current memory context. */
extern struct varlena *summary_builder_flat(SummaryBuilder *b);

/*
 * Open summary argument argno (any mlmon.check_summary datum: flat, toasted or a
 * builder) in the current memory context.
 */
extern void summary_arg(FunctionCallInfo fcinfo, int argno, mlm_summary_wire *w);

/* Open a flat summary varlena (already detoasted); errors are reported as corrupted data. */
extern void summary_open_varlena(struct varlena *vl, mlm_summary_wire *w);

/* Decode the section with this id into *out; false when there is none. */
extern bool summary_section(const mlm_summary_wire *w, uint32 id, mlm_section *out);

#endif
