/*
 * adwin.c: ADWIN, adaptive windowing (Bifet and Gavalda, "Learning from
 * time-changing data with adaptive windowing", 2007: ADWIN2), with river's
 * parameters.
 *
 * The window is kept as an exponential histogram: row i holds up to
 * max_buckets buckets of 2^i values each (their total and the sum of
 * squared deviations from their mean); when a row overflows, its two
 * oldest buckets merge into one bucket of the next row.  Every clock
 * values, each cut of the window into an older and a newer part is tested:
 * when their means differ by more than the Hoeffding-style bound eps_cut,
 * the oldest bucket is dropped and the window tested again.
 *
 * As in river's current core, every cut but the one after the newest value
 * is tested.  After a drift the detector restarts with an empty window, as
 * river's ADWIN does (restart true, the default); with restart false it
 * keeps its shrunk window, as the paper and MOA do.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>
#include <string.h>

#include "detectors.h"

const char *
mlm_adwin_check(const mlm_adwin_params *p)
{
	if (!(p->delta > 0 && p->delta < 1))
		return "delta must be in (0, 1)";
	if (p->clock < 1)
		return "clock must be at least 1";
	if (p->max_buckets < 1 || p->max_buckets > MLM_ADWIN_MAX_BUCKETS)
		return "max_buckets must be between 1 and 1024";
	if (p->min_window_length < 1)
		return "min_window_length must be at least 1";
	if (p->grace_period < 0)
		return "grace_period must be >= 0";
	return NULL;
}

size_t
mlm_adwin_cells(const mlm_adwin_params *p)
{
	return (size_t) MLM_ADWIN_MAX_ROWS * (size_t) (p->max_buckets + 1);
}

/* An empty window. */
static void
clear_window(mlm_adwin *d)
{
	d->nrows = 1;
	memset(d->row_len, 0, sizeof(d->row_len));
	d->tick = 0;
	d->width = 0.0;
	d->sum = 0.0;
	d->var = 0.0;
}

void
mlm_adwin_init(mlm_adwin *d, const mlm_adwin_params *p, double *total, double *variance)
{
	d->p = *p;
	d->nrows = 1;
	memset(d->row_len, 0, sizeof(d->row_len));
	d->total = total;
	d->variance = variance;
	d->tick = 0;
	d->width = 0.0;
	d->sum = 0.0;
	d->var = 0.0;
}

#define CELL(d, row, k) ((size_t) (row) * (size_t) ((d)->p.max_buckets + 1) + (size_t) (k))

/* Append a bucket (total t, variance v) to row r. */
static void
row_push(mlm_adwin *d, int r, double t, double v)
{
	d->total[CELL(d, r, d->row_len[r])] = t;
	d->variance[CELL(d, r, d->row_len[r])] = v;
	d->row_len[r]++;
}

/* Remove the k oldest buckets of row r. */
static void
row_shift(mlm_adwin *d, int r, int k)
{
	int			len = d->row_len[r] - k;

	memmove(&d->total[CELL(d, r, 0)], &d->total[CELL(d, r, k)], (size_t) len * sizeof(double));
	memmove(&d->variance[CELL(d, r, 0)], &d->variance[CELL(d, r, k)], (size_t) len * sizeof(double));
	d->row_len[r] = len;
}

static void
compress(mlm_adwin *d)
{
	int			r;

	for (r = 0; r < d->nrows; r++)
	{
		double		n,
					mu1,
					mu2;

		if (d->row_len[r] <= d->p.max_buckets)
			break;
		if (r + 1 == d->nrows)
		{
			if (d->nrows == MLM_ADWIN_MAX_ROWS)
				break;			/* 2^64 values: cannot happen */
			d->row_len[d->nrows++] = 0;
		}
		n = ldexp(1.0, r);
		mu1 = d->total[CELL(d, r, 0)] / n;
		mu2 = d->total[CELL(d, r, 1)] / n;
		row_push(d, r + 1,
				 d->total[CELL(d, r, 0)] + d->total[CELL(d, r, 1)],
				 d->variance[CELL(d, r, 0)] + d->variance[CELL(d, r, 1)]
				 + n * n * (mu1 - mu2) * (mu1 - mu2) / (n + n));
		row_shift(d, r, 2);
	}
}

/* Drop the oldest bucket of the window. */
static void
drop_oldest(mlm_adwin *d)
{
	int			r = d->nrows - 1;
	double		n = ldexp(1.0, r);
	double		u = d->total[CELL(d, r, 0)];
	double		v = d->variance[CELL(d, r, 0)];
	double		mu = u / n;
	double		mu_w;

	d->width -= n;
	d->sum -= u;
	mu_w = d->sum / d->width;
	d->var -= v + n * d->width * (mu - mu_w) * (mu - mu_w) / (n + d->width);
	row_shift(d, r, 1);
	/* with max_buckets = 1 a merge can empty a row: drop every empty row at the top */
	while (d->nrows > 1 && d->row_len[d->nrows - 1] == 0)
		d->nrows--;
}

/* Whether the cut into n0 older and n1 newer values holds (dd: log(2 log(width) / delta), the same for every cut). */
static inline bool
cut_holds(const mlm_adwin *d, double n0, double n1, double diff, double dd)
{
	double		mwl = (double) d->p.min_window_length;
	double		m = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
	double		eps = sqrt(2.0 * m * (d->var / d->width) * dd) + 2.0 / 3.0 * dd * m;

	return fabs(diff) > eps;
}

/* One scan of the cuts; true if a cut held and the oldest bucket was dropped. */
static bool
scan_once(mlm_adwin *d)
{
	double		n0 = 0.0,
				n1 = d->width,
				u0 = 0.0,
				u1 = d->sum;
	double		mwl = (double) d->p.min_window_length;
	double		dd = log(2.0 * log(d->width) / d->p.delta);
	int			r,
				k;

	for (r = d->nrows - 1; r >= 0; r--)
	{
		double		size = ldexp(1.0, r);

		for (k = 0; k < d->row_len[r]; k++)
		{
			double		t = d->total[CELL(d, r, k)];

			n0 += size;
			n1 -= size;
			u0 += t;
			u1 -= t;
			if (n1 <= 0.0)
				return false;	/* the newer part would be empty */
			if (n0 >= mwl && n1 >= mwl && cut_holds(d, n0, n1, u0 / n0 - u1 / n1, dd))
			{
				drop_oldest(d);
				return true;
			}
		}
	}
	return false;
}

void
mlm_adwin_update(mlm_adwin *d, double x, mlm_detect_step *out)
{
	bool		drift = false;

	/* insert x as a bucket of one value */
	row_push(d, 0, x, 0.0);
	d->width += 1.0;
	if (d->width > 1.0)
	{
		double		dx = x - d->sum / (d->width - 1.0);

		d->var += (d->width - 1.0) * dx * dx / d->width;
	}
	d->sum += x;
	compress(d);

	d->tick++;
	if (d->tick % d->p.clock == 0 && d->width > (double) d->p.grace_period)
	{
		while (d->width > 0 && scan_once(d))
			drift = true;
	}
	out->warning = false;
	out->drift = drift;
	out->has_statistic = true;
	out->statistic = d->width;
	out->has_estimate = d->width > 0;
	out->estimate = d->width > 0 ? d->sum / d->width : 0.0;
	/* river: the update after a drift starts from a new detector */
	if (drift && d->p.restart)
		clear_window(d);
}
