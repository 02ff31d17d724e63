/*
 * kswin.c: KSWIN, Kolmogorov-Smirnov windowing (Raab, Heusinger and
 * Schleif 2020), with river's parameters.
 *
 * The last window_size values are kept.  Once the window is full, every
 * update compares its newest stat_size values with stat_size values drawn
 * without replacement from the older part, by the two-sample KS test
 * (SciPy's exact p-value at these sizes): a p-value <= alpha with a
 * statistic > 0.1 is a drift, and the next update starts from an empty
 * window, as in river.  The draw uses splitmix64 seeded with seed, so that
 * results are reproducible.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>

#include "detectors.h"
#include "ks.h"
#include "sort.h"

uint64_t
mlm_splitmix64(uint64_t *state)
{
	uint64_t	z;

	*state += UINT64_C(0x9E3779B97F4A7C15);
	z = *state;
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Largest window: keeps the exact KS p-value's O(n^2) cost bounded per row. */
#define KSWIN_MAX_WINDOW 100000

const char *
mlm_kswin_check(const mlm_kswin_params *p)
{
	if (!(p->alpha > 0 && p->alpha < 1))
		return "alpha must be in (0, 1)";
	if (p->stat_size < 1)
		return "stat_size must be at least 1";
	if (p->window_size < 2 * p->stat_size || p->window_size > KSWIN_MAX_WINDOW)
		return "window_size must be at least 2 * stat_size and at most 100000";
	return NULL;
}

size_t
mlm_kswin_bytes(const mlm_kswin_params *p)
{
	return (size_t) p->window_size * sizeof(double)
		+ (size_t) (p->window_size - p->stat_size) * sizeof(int64_t)
		+ (size_t) (4 * p->stat_size) * sizeof(double);
}

static void
kswin_reset(mlm_kswin *d)
{
	d->reset_pending = false;
	d->rng = d->p.seed;
	d->len = 0;
	d->head = 0;
}

void
mlm_kswin_init(mlm_kswin *d, const mlm_kswin_params *p, void *mem)
{
	char	   *m = (char *) mem;

	d->p = *p;
	d->ring = (double *) m;
	m += (size_t) p->window_size * sizeof(double);
	d->sample = (double *) m;
	m += (size_t) (4 * p->stat_size) * sizeof(double);
	d->perm = (int64_t *) m;
	kswin_reset(d);
}

/* The i-th oldest value of the window. */
static inline double
at(const mlm_kswin *d, int64_t i)
{
	return d->ring[(d->head + i) % d->p.window_size];
}

void
mlm_kswin_update(mlm_kswin *d, double x, mlm_detect_step *out)
{
	int64_t		w = d->p.window_size,
				r = d->p.stat_size,
				m = w - r,
				i;
	double		sum = 0.0;

	if (d->reset_pending)
		kswin_reset(d);
	if (d->len < w)
		d->ring[(d->head + d->len++) % w] = x;
	else
	{
		d->ring[d->head] = x;
		d->head = (d->head + 1) % w;
	}
	for (i = 0; i < d->len; i++)
		sum += at(d, i);

	out->warning = false;
	out->drift = false;
	out->has_statistic = false;
	out->has_estimate = true;
	out->estimate = sum / (double) d->len;
	if (d->len == w)
	{
		double	   *a = d->sample,
				   *b = d->sample + r,
				   *tmp = d->sample + 2 * r,
				   *sa,
				   *sb;
		mlm_wsample wa,
					wb;
		mlm_ks_result res;

		for (i = 0; i < m; i++)
			d->perm[i] = i;
		for (i = 0; i < r; i++)
		{
			int64_t		j = i + (int64_t) (mlm_splitmix64(&d->rng) % (uint64_t) (m - i));
			int64_t		t = d->perm[i];

			d->perm[i] = d->perm[j];
			d->perm[j] = t;
			a[i] = at(d, d->perm[i]);
		}
		for (i = 0; i < r; i++)
			b[i] = at(d, m + i);
		sa = mlm_sort_doubles(a, tmp, (size_t) r);
		if (sa != a)
			for (i = 0; i < r; i++)
				a[i] = tmp[i];
		sb = mlm_sort_doubles(b, tmp, (size_t) r);
		if (sb != b)
			for (i = 0; i < r; i++)
				b[i] = tmp[i];
		wa = mlm_ws_array(a, r);
		wb = mlm_ws_array(b, r);
		mlm_ks_2samp(&wa, &wb, MLM_TWO_SIDED, MLM_KS_AUTO, &res);
		out->has_statistic = true;
		out->statistic = res.pvalue;
		if (res.pvalue <= d->p.alpha && res.statistic > 0.1)
		{
			out->drift = true;
			d->reset_pending = true;
		}
	}
}
