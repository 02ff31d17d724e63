/*
 * check_detectors.c: the streaming drift detectors (src/core/detectors.h)
 * on random streams with random parameters, built with AddressSanitizer and
 * UBSan by test/core/test_search_structures.py.  Checks what must hold
 * whatever the stream:
 * - ADWIN's histogram: every row holds at most max_buckets + 1 buckets, the
 *   window width is the sum of bucket sizes, the kept total the sum of the
 *   bucket totals (to rounding), and the window never exceeds the stream;
 * - KSWIN's window holds min(values since its reset, window_size) values;
 * - every detector's statistic, when reported, is finite (p-values in
 *   [0, 1]), and only DDM and EDDM report a warning;
 * - detectors restart after a drift: a drift right after a drift needs the
 *   warm-up again (Page-Hinkley: min_instances updates; DDM: warm_start).
 * Usage: check_detectors <cases> <seed>
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "detectors.h"
#include "xorshift.h"

static int	failures = 0;

#define CHECK(cond, ...) \
	do { if (!(cond)) { failures++; if (failures < 20) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

static double
uniform(void)
{
	return (double) (xorshift_next() >> 11) / 9007199254740992.0;
}

/* A stream value: a few regimes, sometimes ties, sometimes a jump. */
static double
stream_value(int64_t i, int64_t change, int kind)
{
	double		base = i < change ? 0.0 : 3.0;

	switch (kind)
	{
		case 0:
			return base + uniform();
		case 1:
			return (double) (xorshift_next() % 3) + base;	/* ties */
		case 2:
			return uniform() < (i < change ? 0.1 : 0.6) ? 1.0 : 0.0;	/* error stream */
		default:
			return base * 1e6 + uniform() * 1e-3;
	}
}

static void
check_adwin(int64_t n, int kind)
{
	mlm_adwin_params p;
	mlm_adwin	d;
	double	   *tot,
			   *var;
	int64_t		i,
				change = 1 + (int64_t) (xorshift_next() % (uint64_t) n);

	p.delta = 0.0001 + 0.5 * uniform();
	p.clock = 1 + (int64_t) (xorshift_next() % 40);
	p.max_buckets = 1 + (int64_t) (xorshift_next() % 8);
	p.min_window_length = 1 + (int64_t) (xorshift_next() % 8);
	p.grace_period = (int64_t) (xorshift_next() % 20);
	p.restart = (xorshift_next() & 1) != 0;
	CHECK(mlm_adwin_check(&p) == NULL, "adwin params rejected");
	tot = calloc(mlm_adwin_cells(&p), sizeof(double));
	var = calloc(mlm_adwin_cells(&p), sizeof(double));
	mlm_adwin_init(&d, &p, tot, var);
	for (i = 0; i < n; i++)
	{
		mlm_detect_step o;
		double		w = 0,
					t = 0,
					absum = 0;
		int			r,
					k;

		mlm_adwin_update(&d, stream_value(i, change, kind), &o);
		for (r = 0; r < d.nrows; r++)
		{
			CHECK(d.row_len[r] >= 0 && d.row_len[r] <= p.max_buckets + 1, "adwin row %d holds %d", r, d.row_len[r]);
			for (k = 0; k < d.row_len[r]; k++)
			{
				w += ldexp(1.0, r);
				t += d.total[(size_t) r * (size_t) (p.max_buckets + 1) + (size_t) k];
				absum += fabs(d.total[(size_t) r * (size_t) (p.max_buckets + 1) + (size_t) k]);
			}
		}
		CHECK(w == d.width, "adwin width %g, buckets hold %g", d.width, w);
		CHECK(fabs(t - d.sum) <= 1e-9 * (absum + 1.0), "adwin total %g, buckets hold %g", d.sum, t);
		if (o.drift && p.restart)
		{
			/* river: a new, empty window after a drift */
			CHECK(d.width == 0 && d.nrows == 1 && d.row_len[0] == 0 && d.tick == 0, "adwin did not restart");
			CHECK(o.has_statistic && o.statistic >= 1 && o.statistic <= (double) (i + 1) && !o.warning, "adwin step");
		}
		else
		{
			CHECK(d.width >= 1 && d.width <= (double) (i + 1), "adwin width %g after %lld values", d.width, (long long) i + 1);
			CHECK(o.has_statistic && o.statistic == d.width && !o.warning, "adwin step");
		}
		CHECK(isfinite(o.estimate), "adwin estimate not finite");
	}
	free(tot);
	free(var);
}

static void
check_kswin(int64_t n, int kind)
{
	mlm_kswin_params p;
	mlm_kswin	d;
	void	   *mem;
	int64_t		i,
				since = 0,
				change = 1 + (int64_t) (xorshift_next() % (uint64_t) n);

	p.stat_size = 1 + (int64_t) (xorshift_next() % 40);
	p.window_size = 2 * p.stat_size + (int64_t) (xorshift_next() % 60);
	p.alpha = 0.0001 + 0.2 * uniform();
	p.seed = xorshift_next();
	CHECK(mlm_kswin_check(&p) == NULL, "kswin params rejected");
	mem = malloc(mlm_kswin_bytes(&p));
	mlm_kswin_init(&d, &p, mem);
	for (i = 0; i < n; i++)
	{
		mlm_detect_step o;

		mlm_kswin_update(&d, stream_value(i, change, kind), &o);
		since++;
		CHECK(d.len == (since < p.window_size ? since : p.window_size), "kswin holds %lld, expected %lld",
			  (long long) d.len, (long long) (since < p.window_size ? since : p.window_size));
		CHECK(o.has_statistic == (d.len == p.window_size), "kswin tested with %lld values", (long long) d.len);
		if (o.has_statistic)
			CHECK(o.statistic >= 0 && o.statistic <= 1, "kswin p-value %g", o.statistic);
		CHECK(!o.warning, "kswin warning");
		if (o.drift)
			since = 0;
	}
	free(mem);
}

static void
check_ph_ddm_eddm(int64_t n, int kind)
{
	mlm_ph_params pp = {1 + (int64_t) (xorshift_next() % 50), 0.01 * uniform(), 1.0 + 60.0 * uniform(),
	0.9 + 0.1 * uniform(), (mlm_ph_mode) (xorshift_next() % 3)};
	mlm_ddm_params dp = {(int64_t) (xorshift_next() % 50), 1.0 + uniform(), 2.0 + 2.0 * uniform()};
	mlm_eddm_params ep = {(int64_t) (xorshift_next() % 50), 0.95, 0.9};
	mlm_ph		ph;
	mlm_ddm		ddm;
	mlm_eddm	eddm;
	int64_t		i,
				ph_since = 0,
				ddm_since = 0,
				change = 1 + (int64_t) (xorshift_next() % (uint64_t) n);

	CHECK(pp.alpha <= 1 && mlm_ph_check(&pp) == NULL, "ph params rejected");
	CHECK(mlm_ddm_check(&dp) == NULL, "ddm params rejected");
	CHECK(mlm_eddm_check(&ep) == NULL, "eddm params rejected");
	mlm_ph_init(&ph, &pp);
	mlm_ddm_init(&ddm, &dp);
	mlm_eddm_init(&eddm, &ep);
	for (i = 0; i < n; i++)
	{
		double		x = stream_value(i, change, kind);
		mlm_detect_step o;

		mlm_ph_update(&ph, x, &o);
		ph_since++;
		CHECK(o.has_statistic == (ph_since >= pp.min_instances), "ph tested after %lld", (long long) ph_since);
		CHECK(!o.has_statistic || (isfinite(o.statistic) && o.statistic >= 0), "ph statistic %g", o.statistic);
		CHECK(!o.warning, "ph warning");
		if (o.drift)
			ph_since = 0;

		mlm_ddm_update(&ddm, x >= 1.0, &o);
		ddm_since++;
		CHECK(o.has_statistic == (ddm_since > dp.warm_start), "ddm tested after %lld", (long long) ddm_since);
		CHECK(!o.drift || !o.warning, "ddm drift and warning at once");
		CHECK(o.has_estimate && o.estimate >= 0 && o.estimate <= 1, "ddm error rate %g", o.estimate);
		if (o.drift)
			ddm_since = 0;

		mlm_eddm_update(&eddm, x >= 1.0, &o);
		CHECK(!o.has_statistic || (isfinite(o.statistic) && o.statistic > 0 && o.statistic <= 1),
			  "eddm level %g", o.statistic);
		CHECK(!o.has_estimate || o.estimate >= 1, "eddm mean distance %g", o.estimate);
	}
}

int
main(int argc, char **argv)
{
	long		cases = argc > 1 ? atol(argv[1]) : 1000,
				c;

	if (argc > 2)
		xorshift_seed(argv[2]);
	for (c = 0; c < cases; c++)
	{
		int64_t		n = 1 + (int64_t) (xorshift_next() % 2000);
		int			kind = (int) (xorshift_next() % 4);

		check_adwin(n, kind);
		check_kswin(n / 4 + 1, kind);
		check_ph_ddm_eddm(n, kind);
	}
	if (failures)
	{
		printf("%d failures in %ld random streams\n", failures, cases);
		return 1;
	}
	printf("%ld random streams per detector, every invariant held\n", cases);
	return 0;
}
