/*
 * clip.h: clipping a computed probability into [0, 1].
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CLIP_H
#define MLM_CLIP_H

/* p clipped to [0, 1] (rounding can leave a probability an ulp outside); NaN passes through, as numpy.clip. */
static inline double
mlm_clip_unit(double p)
{
	if (p < 0.0)
		return 0.0;
	if (p > 1.0)
		return 1.0;
	return p;
}

#endif
