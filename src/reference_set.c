/*
 * reference_set.c: reference profiles decoded for per-row judgements
 * (reference_set.h).  The tail probabilities are core/tail.c's.
 */
#include "reference_set.h"

#include <math.h>

void
reference_load_numeric(NumericRef *r, const mlm_profile_view *v)
{
	r->ws = profile_view_sample(v);
	mlm_grid_index_init(&r->ix, r->ws.v, r->ws.m, palloc(mlm_grid_index_bytes(r->ws.m)));
	r->min = v->h->min;
	r->max = v->h->max;
}

void
reference_load_categorical(CategoricalRef *r, const mlm_profile_view *v)
{
	int64		m = v->h->nentries,
				i;
	const char *b = v->bytes;
	int64	   *order = (int64 *) palloc(Max(m, 1) * sizeof(int64));

	r->m = m;
	r->cat = (const char **) palloc(Max(m, 1) * sizeof(char *));
	r->len = (int32 *) palloc(Max(m, 1) * sizeof(int32));
	r->tail = (double *) palloc(Max(m, 1) * sizeof(double));
	for (i = 0; i < m; i++)
	{
		r->cat[i] = b;
		r->len[i] = v->lens[i];
		b += v->lens[i];
	}
	mlm_tail_categories(v->counts, m, v->h->count, r->tail, order);
	r->unlisted = v->h->count > 0 ? (double) v->h->other / (double) v->h->count : 0.0;
	r->exact = v->h->mode == MLM_PROFILE_EXACT;
	pfree(order);
}

int64
reference_category_index(const CategoricalRef *r, const char *s, int32 len)
{
	int64		lo = 0,
				hi = r->m - 1;

	while (lo <= hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		int32		ml = r->len[mid];
		int			c = memcmp(r->cat[mid], s, Min(ml, len));

		if (c == 0)
			c = (ml > len) - (ml < len);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

const char *
reference_numeric_zero(const NumericRef *r, double x)
{
	if (isnan(x))
		return "invalid_value";
	if (r->ws.n == 0 || x < r->min || x > r->max)
		return "out_of_range";
	return NULL;
}

double
reference_category_tail(const CategoricalRef *r, const char *s, int32 len, const char **reason)
{
	int64		idx = reference_category_index(r, s, len);

	*reason = "tail";
	if (idx >= 0)
		return r->tail[idx];
	if (r->unlisted > 0)
		return r->unlisted;
	*reason = "unseen_category";
	return 0.0;
}
