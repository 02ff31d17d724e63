/*
 * page_hinkley.c: the Page-Hinkley test for a change in the mean of a
 * stream, in river's two-sided form.
 *
 * The cumulative deviation from the running mean (less delta) and its
 * running minimum detect an increase; the deviation plus delta and its
 * running maximum detect a decrease; alpha forgets old deviations.  The
 * running maximum starts at -1, as in river, so that mlmon reports the same
 * detections.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>

#include "detectors.h"

const char *
mlm_ph_check(const mlm_ph_params *p)
{
	if (p->min_instances < 1)
		return "min_instances must be at least 1";
	if (!isfinite(p->delta) || p->delta < 0)
		return "delta must be a finite number >= 0";
	if (!isfinite(p->threshold) || p->threshold <= 0)
		return "threshold must be a finite number > 0";
	if (!(p->alpha > 0 && p->alpha <= 1))
		return "alpha must be in (0, 1]";
	return NULL;
}

static void
ph_reset(mlm_ph *d)
{
	d->reset_pending = false;
	d->cnt = 0;
	d->mean = 0.0;
	d->sum_inc = 0.0;
	d->sum_dec = 0.0;
	d->min_inc = INFINITY;
	d->max_dec = -1.0;
}

void
mlm_ph_init(mlm_ph *d, const mlm_ph_params *p)
{
	d->p = *p;
	ph_reset(d);
}

void
mlm_ph_update(mlm_ph *d, double x, mlm_detect_step *out)
{
	double		dev;

	if (d->reset_pending)
		ph_reset(d);
	d->cnt++;
	d->mean += (x - d->mean) / (double) d->cnt;
	dev = x - d->mean;
	d->sum_inc = d->p.alpha * d->sum_inc + dev - d->p.delta;
	d->sum_dec = d->p.alpha * d->sum_dec + dev + d->p.delta;
	if (d->sum_inc < d->min_inc)
		d->min_inc = d->sum_inc;
	if (d->sum_dec > d->max_dec)
		d->max_dec = d->sum_dec;

	out->warning = false;
	out->drift = false;
	out->has_statistic = false;
	out->has_estimate = true;
	out->estimate = d->mean;
	if (d->cnt >= d->p.min_instances)
	{
		double		up = d->sum_inc - d->min_inc;
		double		down = d->max_dec - d->sum_dec;

		switch (d->p.mode)
		{
			case MLM_PH_UP:
				out->statistic = up;
				break;
			case MLM_PH_DOWN:
				out->statistic = down;
				break;
			default:
				out->statistic = up > down ? up : down;
				break;
		}
		out->has_statistic = true;
		out->drift = out->statistic > d->p.threshold;
		d->reset_pending = out->drift;
	}
}
