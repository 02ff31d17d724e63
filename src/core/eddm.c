/*
 * eddm.c: EDDM, the early drift detection method of Baena-Garcia et al.
 * (2006), on a stream of errors and correct predictions, as river computes
 * it.
 *
 * It follows the distance between consecutive errors: its mean p' and
 * standard deviation s' (sample form).  Once warm_start values and errors
 * have been seen, (p' + 2 s') falling below alpha (0.95) of its maximum is
 * a warning, below beta (0.9) a drift.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>

#include "detectors.h"

const char *
mlm_eddm_check(const mlm_eddm_params *p)
{
	if (p->warm_start < 0)
		return "warm_start must be >= 0";
	if (!(p->beta > 0 && p->beta <= p->alpha && p->alpha <= 1))
		return "alpha and beta must satisfy 0 < beta <= alpha <= 1";
	return NULL;
}

static void
eddm_reset(mlm_eddm *d)
{
	d->reset_pending = false;
	d->warning = false;
	d->cnt = 0;
	d->errors = 0;
	d->last_error = 0;
	d->dist_mean = 0.0;
	d->dist_m2 = 0.0;
	d->p2s_max = -1.0;
}

void
mlm_eddm_init(mlm_eddm *d, const mlm_eddm_params *p)
{
	d->p = *p;
	eddm_reset(d);
}

void
mlm_eddm_update(mlm_eddm *d, bool error, mlm_detect_step *out)
{
	if (d->reset_pending)
		eddm_reset(d);
	d->cnt++;
	out->drift = false;
	out->has_statistic = false;
	if (error)
	{
		double		dist = (double) (d->cnt - d->last_error);
		double		old = d->dist_mean;

		d->errors++;
		d->dist_mean += (dist - old) / (double) d->errors;
		d->dist_m2 += (dist - old) * (dist - d->dist_mean);
		if (d->cnt > d->p.warm_start)
		{
			double		var = d->errors >= 2 ? d->dist_m2 / (double) (d->errors - 1) : 0.0;
			double		p2s = d->dist_mean + 2.0 * sqrt(var);

			if (p2s > d->p2s_max)
				d->p2s_max = p2s;
			else if (d->errors > d->p.warm_start)
			{
				double		level = p2s / d->p2s_max;

				out->has_statistic = true;
				out->statistic = level;
				if (level < d->p.beta)
				{
					out->drift = true;
					d->reset_pending = true;
				}
				else
					d->warning = level < d->p.alpha;
			}
		}
		d->last_error = d->cnt;
	}
	out->warning = d->warning;
	out->has_estimate = d->errors > 0;
	out->estimate = d->dist_mean;
}
