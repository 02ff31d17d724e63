/*
 * ddm.c: DDM, the drift detection method of Gama et al. (2004), on a stream
 * of errors (true) and correct predictions (false), as river computes it.
 *
 * The error rate p and its standard deviation s = sqrt(p(1-p)/n) are
 * followed; the point where p + s was lowest gives p_min and s_min; after
 * warm_start values, p + s above p_min + 2 s_min is a warning, above
 * p_min + 3 s_min a drift.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#include <math.h>

#include "detectors.h"

const char *
mlm_ddm_check(const mlm_ddm_params *p)
{
	if (p->warm_start < 0)
		return "warm_start must be >= 0";
	if (!isfinite(p->warning_threshold) || p->warning_threshold <= 0)
		return "warning_threshold must be a finite number > 0";
	if (!isfinite(p->drift_threshold) || p->drift_threshold < p->warning_threshold)
		return "drift_threshold must be a finite number >= warning_threshold";
	return NULL;
}

static void
ddm_reset(mlm_ddm *d)
{
	d->reset_pending = false;
	d->warning = false;
	d->cnt = 0;
	d->p_err = 0.0;
	d->p_min = INFINITY;
	d->s_min = INFINITY;
	d->ps_min = INFINITY;
}

void
mlm_ddm_init(mlm_ddm *d, const mlm_ddm_params *p)
{
	d->p = *p;
	ddm_reset(d);
}

void
mlm_ddm_update(mlm_ddm *d, bool error, mlm_detect_step *out)
{
	double		s;

	if (d->reset_pending)
		ddm_reset(d);
	d->cnt++;
	d->p_err += ((error ? 1.0 : 0.0) - d->p_err) / (double) d->cnt;
	s = sqrt(d->p_err * (1.0 - d->p_err) / (double) d->cnt);

	out->drift = false;
	out->has_statistic = false;
	out->has_estimate = true;
	out->estimate = d->p_err;
	if (d->cnt > d->p.warm_start)
	{
		double		ps = d->p_err + s;

		if (ps <= d->ps_min)
		{
			d->p_min = d->p_err;
			d->s_min = s;
			d->ps_min = d->p_min + d->s_min;
		}
		d->warning = ps > d->p_min + d->p.warning_threshold * d->s_min;
		if (ps > d->p_min + d->p.drift_threshold * d->s_min)
		{
			out->drift = true;
			d->warning = false;
			d->reset_pending = true;
		}
		out->has_statistic = true;
		out->statistic = ps;
	}
	out->warning = d->warning;
}
