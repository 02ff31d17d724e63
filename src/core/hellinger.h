/*
 * hellinger.h: the bins of Evidently's Hellinger distance on numbers.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_HELLINGER_H
#define MLM_HELLINGER_H

#include "wsample.h"

/*
 * numpy.histogram_bin_edges(keys, bins='sturges') where keys are the
 * distinct values of the sorted samples a and b together (not both empty):
 * Sturges' rule on the number of distinct values, not of values (unlike
 * PSI's pooled bins).  Writes nbins+1 edges (room for
 * MLM_STURGES_MAX_BINS + 1) and returns nbins, or -1 when the values span
 * more than the largest float8.
 */
int			mlm_hellinger_edges(const mlm_wsample *a, const mlm_wsample *b, double *edges);

#endif
