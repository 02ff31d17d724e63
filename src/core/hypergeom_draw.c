/*
 * hypergeom_draw.c: exact hypergeometric draws (hypergeom_draw.h).
 *
 * The algorithm: simulate the urn.  Draw the n items one at a time; with
 * m marked items left among t, the next one is marked when a uniform
 * integer below t (mlm_splitmix64_below, exact) is below m.  To keep the
 * cost at the smallest of the four counts, two symmetries of the
 * distribution are used first, both exact:
 *   - drawing n items marks as many as leaving total - n undrawn does not:
 *     X(total, marked, n) = marked - X(total, marked, total - n);
 *   - marks and draws play the same role: X(total, marked, n) =
 *     X(total, n, marked) (both count the items drawn and marked);
 * so the loop runs over s = min(n, marked) draws after n and marked are
 * each replaced by the smaller of themselves and their complement.
 */
#include "hypergeom_draw.h"

int64_t
mlm_hypergeom_draw(mlm_splitmix64 *g, int64_t total, int64_t marked, int64_t n)
{
	int			flip_n = 0;
	int			flip_marked = 0;
	int64_t		draws,
				m,
				t,
				x = 0,
				i;

	if (n > total - n)
	{
		n = total - n;
		flip_n = 1;
	}
	if (marked > total - marked)
	{
		marked = total - marked;
		flip_marked = 1;
	}
	/* X(total, marked, n) = X(total, n, marked): loop over the smaller */
	draws = n < marked ? n : marked;
	m = n < marked ? marked : n;
	for (i = 0, t = total; i < draws && m > 0; i++, t--)
	{
		/* branch-free: the outcome is a coin flip a branch would mispredict */
		int64_t		hit = (int64_t) mlm_splitmix64_below(g, (uint64_t) t) < m;

		x += hit;
		m -= hit;
	}
	/*
	 * Undo the complements: with marked' = total - marked, X counts drawn
	 * unmarked items, so marked-and-drawn = n - X; with n' = total - n, X
	 * counts undrawn marked ones: marked - X.
	 */
	if (flip_marked)
		x = n - x;
	if (flip_n)
		x = (flip_marked ? total - marked : marked) - x;
	return x;
}
