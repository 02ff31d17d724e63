/*
 * profile_check.c: size, view and validation of the flat form of a
 * reference profile (the layout is described in profile.h).
 *
 * mlm_profile_check is the gate every untrusted flat profile goes through
 * before anything else reads it: it reads the fixed header, works out the
 * exact size the header calls for with overflow-checked arithmetic and
 * compares it with the buffer length before touching any array, then checks
 * every rule of the layout (ordering, finiteness, counts adding up).
 * Messages name array items by 0-based index ("value 3 of \"values\"").
 */
#include "profile_codec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(mlm_profile_hdr) == 112, "mlm_profile_hdr must be 112 bytes");

/* *total += x rounded up to 8; returns 0 on overflow. */
static int
add_aligned(size_t *total, size_t x)
{
	if (x > SIZE_MAX - 7)
		return 0;
	return !__builtin_add_overflow(*total, MLM_ALIGN8(x), total);
}

/* *total += n * each (n may be negative, which fails); returns 0 on overflow. */
static int
add_array(size_t *total, int64_t n, size_t each, int align)
{
	size_t		part;

	if (__builtin_mul_overflow(n, each, &part))
		return 0;
	if (align)
		return add_aligned(total, part);
	return !__builtin_add_overflow(*total, part, total);
}

/*
 * Size of a flat profile: the header, then the arrays its kind and mode call
 * for (catbytes is ignored for numeric profiles); 0 on overflow, over limit,
 * negative nentries or an unknown kind or mode.
 */
size_t
mlm_profile_size(const mlm_profile_hdr *h, size_t catbytes, size_t limit)
{
	size_t		total = HDR_SIZE;

	if (h->nentries < 0)
		return 0;
	if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_EXACT)
	{
		if (!add_array(&total, h->nentries, 2 * sizeof(double), 0))
			return 0;
	}
	else if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_SKETCH)
	{
		if (!add_array(&total, (int64_t) h->nlevels, sizeof(int64_t), 0) ||
			!add_array(&total, h->nentries, sizeof(double), 0))
			return 0;
	}
	else if (h->kind == MLM_PROFILE_CATEGORICAL &&
			 (h->mode == MLM_PROFILE_EXACT || h->mode == MLM_PROFILE_SKETCH))
	{
		if (!add_array(&total, h->nentries, sizeof(int64_t), 0) ||
			!add_array(&total, h->nentries, sizeof(int32_t), 1) ||
			!add_aligned(&total, catbytes))
			return 0;
	}
	else
		return 0;
	return total > limit ? 0 : total;
}

/* Fill v with pointers into the (checked) flat profile at buf. */
void
mlm_profile_view_of(const void *buf, mlm_profile_view *v)
{
	const mlm_profile_hdr *h = (const mlm_profile_hdr *) buf;
	const char *p = (const char *) buf + HDR_SIZE;
	size_t		n = (size_t) h->nentries;

	v->h = h;
	v->values = NULL;
	v->counts = NULL;
	v->level_len = NULL;
	v->lens = NULL;
	v->bytes = NULL;
	if (h->kind == MLM_PROFILE_NUMERIC && h->mode == MLM_PROFILE_EXACT)
	{
		v->values = (const double *) (const void *) p;
		v->counts = (const int64_t *) (const void *) (p + n * sizeof(double));
	}
	else if (h->kind == MLM_PROFILE_NUMERIC)
	{
		v->level_len = (const int64_t *) (const void *) p;
		v->values = (const double *) (const void *) (p + (size_t) h->nlevels * sizeof(int64_t));
	}
	else
	{
		v->counts = (const int64_t *) (const void *) p;
		v->lens = (const int32_t *) (const void *) (p + n * sizeof(int64_t));
		v->bytes = p + n * sizeof(int64_t) + MLM_ALIGN8(n * sizeof(int32_t));
	}
}

/* The moments of a numeric profile: NaN when count = 0, else finite and consistent. */
static int
check_moments(const mlm_profile_hdr *h, char *err, size_t errlen)
{
	if (h->count == 0)
	{
		if (!isnan(h->min) || !isnan(h->max) || !isnan(h->mean) || !isnan(h->m2))
		{
			set_err(err, errlen, "min, max, mean and m2 must be NaN when count is 0");
			return -1;
		}
		if (h->nentries != 0)
		{
			set_err(err, errlen, "nentries is %lld but count is 0", (long long) h->nentries);
			return -1;
		}
		return 0;
	}
	if (!isfinite(h->min) || !isfinite(h->max))
	{
		set_err(err, errlen, "min and max must be finite when count is %lld", (long long) h->count);
		return -1;
	}
	if (!(h->min <= h->max))
	{
		set_err(err, errlen, "min %.17g is greater than max %.17g", h->min, h->max);
		return -1;
	}
	if (!isfinite(h->mean))
	{
		set_err(err, errlen, "mean must be finite when count is %lld", (long long) h->count);
		return -1;
	}
	if (!isfinite(h->m2) || !(h->m2 >= 0))
	{
		set_err(err, errlen, "m2 must be finite and not negative when count is %lld", (long long) h->count);
		return -1;
	}
	return 0;
}

/* The arrays of a numeric exact profile. */
static int
check_numeric_exact(const mlm_profile_view *v, char *err, size_t errlen)
{
	const mlm_profile_hdr *h = v->h;
	int64_t		n = h->nentries;
	int64_t		sum = 0;
	int64_t		i;

	if (h->parity != 0)
	{
		set_err(err, errlen, "parity must be 0 in an exact profile");
		return -1;
	}
	if (h->rank_error != 0 || signbit(h->rank_error))	/* +0 exactly: JSON has no rank_error here */
	{
		set_err(err, errlen, "rank_error must be 0 in an exact profile");
		return -1;
	}
	for (i = 0; i < n; i++)
	{
		double		x = v->values[i];

		maybe_cancel(i);
		if (!isfinite(x))
		{
			set_err(err, errlen, "value %lld of \"values\" is not finite", (long long) i);
			return -1;
		}
		if (i > 0 && !(x > v->values[i - 1]))
		{
			set_err(err, errlen, "value %lld of \"values\" is not greater than the one before it",
					(long long) i);
			return -1;
		}
		if (v->counts[i] <= 0)
		{
			set_err(err, errlen, "count %lld of \"counts\" is %lld, not positive",
					(long long) i, (long long) v->counts[i]);
			return -1;
		}
		if (__builtin_add_overflow(sum, v->counts[i], &sum))
		{
			set_err(err, errlen, "the counts add up to more than %lld", (long long) INT64_MAX);
			return -1;
		}
	}
	if (sum != h->count)
	{
		set_err(err, errlen, "count is %lld but the counts add up to %lld",
				(long long) h->count, (long long) sum);
		return -1;
	}
	if (n > 0 && h->min != v->values[0])
	{
		set_err(err, errlen, "min is %.17g but the smallest value is %.17g", h->min, v->values[0]);
		return -1;
	}
	if (n > 0 && h->max != v->values[n - 1])
	{
		set_err(err, errlen, "max is %.17g but the largest value is %.17g", h->max, v->values[n - 1]);
		return -1;
	}
	return 0;
}

/* The levels of a numeric sketch. */
static int
check_numeric_sketch(const mlm_profile_view *v, char *err, size_t errlen)
{
	const mlm_profile_hdr *h = v->h;
	int			nlevels = h->nlevels;
	int64_t		items = 0;
	int64_t		weight = 0;
	int64_t		i = 0;
	int			lev;

	if (!isfinite(h->rank_error) || !(h->rank_error >= 0))
	{
		set_err(err, errlen, "rank_error must be finite and not negative");
		return -1;
	}
	if ((h->parity >> nlevels) != 0)	/* nlevels <= MLM_PROFILE_MAX_LEVELS < 64 */
	{
		set_err(err, errlen, "parity has bits set at or above level %d (nlevels)", nlevels);
		return -1;
	}
	for (lev = 0; lev < nlevels; lev++)
	{
		int64_t		len = v->level_len[lev];
		int64_t		w;

		if (len < 0)
		{
			set_err(err, errlen, "level %d has a negative length (%lld)", lev, (long long) len);
			return -1;
		}
		if (__builtin_add_overflow(items, len, &items) || items > h->nentries)
		{
			set_err(err, errlen, "the level lengths add up to more than nentries (%lld)",
					(long long) h->nentries);
			return -1;
		}
		if (__builtin_mul_overflow(len, (int64_t) 1 << lev, &w) ||
			__builtin_add_overflow(weight, w, &weight))
		{
			set_err(err, errlen, "the levels stand for more than %lld values", (long long) INT64_MAX);
			return -1;
		}
	}
	if (items != h->nentries)
	{
		set_err(err, errlen, "the level lengths add up to %lld but nentries is %lld",
				(long long) items, (long long) h->nentries);
		return -1;
	}
	if (weight != h->count)
	{
		set_err(err, errlen, "count is %lld but the levels stand for %lld values",
				(long long) h->count, (long long) weight);
		return -1;
	}
	for (lev = 0; lev < nlevels; lev++)
	{
		int64_t		end = i + v->level_len[lev];
		int64_t		start = i;

		for (; i < end; i++)
		{
			double		x = v->values[i];

			maybe_cancel(i);
			if (!isfinite(x))
			{
				set_err(err, errlen, "value %lld of \"values\" (level %d) is not finite",
						(long long) i, lev);
				return -1;
			}
			if (i > start && x < v->values[i - 1])
			{
				set_err(err, errlen, "value %lld of \"values\" (level %d) is less than the one before it",
						(long long) i, lev);
				return -1;
			}
		}
	}
	return 0;
}

/* A numeric profile (header and arrays). */
static int
check_numeric(const mlm_profile_view *v, char *err, size_t errlen)
{
	const mlm_profile_hdr *h = v->h;

	if (check_moments(h, err, errlen) != 0)
		return -1;
	if (h->mode == MLM_PROFILE_EXACT)
		return check_numeric_exact(v, err, errlen);
	return check_numeric_sketch(v, err, errlen);
}

/* A categorical profile (header and arrays). */
static int
check_categorical(const mlm_profile_view *v, char *err, size_t errlen)
{
	const mlm_profile_hdr *h = v->h;
	const char *prev = NULL;
	const char *cur = v->bytes;
	size_t		prevlen = 0;
	int64_t		sum;
	int64_t		i;

	if (h->parity != 0)
	{
		set_err(err, errlen, "parity must be 0 in a categorical profile");
		return -1;
	}
	if (h->nan != 0 || h->posinf != 0 || h->neginf != 0)
	{
		set_err(err, errlen, "nan, posinf and neginf must be 0 in a categorical profile");
		return -1;
	}
	if (!isnan(h->min) || !isnan(h->max) || !isnan(h->mean) || !isnan(h->m2))
	{
		set_err(err, errlen, "min, max, mean and m2 must be NaN in a categorical profile");
		return -1;
	}
	if (h->mode == MLM_PROFILE_EXACT)
	{
		if (h->other != 0)
		{
			set_err(err, errlen, "other must be 0 in an exact profile");
			return -1;
		}
		if (h->rank_error != 0 || signbit(h->rank_error))	/* +0 exactly: JSON has no rank_error here */
		{
			set_err(err, errlen, "rank_error must be 0 in an exact profile");
			return -1;
		}
	}
	else if (!isfinite(h->rank_error) || !(h->rank_error >= 0))
	{
		set_err(err, errlen, "rank_error must be finite and not negative");
		return -1;
	}
	sum = h->other;
	for (i = 0; i < h->nentries; i++)
	{
		size_t		len = (size_t) v->lens[i];	/* >= 0, checked with the size */

		maybe_cancel(i);
		if (v->counts[i] <= 0)
		{
			set_err(err, errlen, "count %lld of \"counts\" is %lld, not positive",
					(long long) i, (long long) v->counts[i]);
			return -1;
		}
		if (__builtin_add_overflow(sum, v->counts[i], &sum))
		{
			set_err(err, errlen, "the counts and other add up to more than %lld", (long long) INT64_MAX);
			return -1;
		}
		if (memchr(cur, '\0', len) != NULL)
		{
			set_err(err, errlen, "category %lld contains a NUL byte", (long long) i);
			return -1;
		}
		if (prev != NULL)
		{
			int			c = memcmp(prev, cur, prevlen < len ? prevlen : len);

			if (c > 0 || (c == 0 && prevlen >= len))
			{
				set_err(err, errlen, "category %lld is not greater than the one before it", (long long) i);
				return -1;
			}
		}
		prev = cur;
		prevlen = len;
		cur += len;
	}
	if (sum != h->count)
	{
		set_err(err, errlen, "count is %lld but the counts and other add up to %lld",
				(long long) h->count, (long long) sum);
		return -1;
	}
	return 0;
}

/* Check every rule of the flat layout; 0 if buf[0..len) is a valid profile. */
int
mlm_profile_check(const void *buf, size_t len, char *err, size_t errlen)
{
	const mlm_profile_hdr *h = (const mlm_profile_hdr *) buf;
	mlm_profile_view v;
	size_t		catbytes = 0;
	size_t		size;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (buf == NULL)
	{
		set_err(err, errlen, "profile is missing");
		return -1;
	}
	if (((uintptr_t) buf & 7) != 0)
	{
		set_err(err, errlen, "profile buffer is not 8-byte aligned");
		return -1;
	}
	if (len < HDR_SIZE)
	{
		set_err(err, errlen, "profile is %zu bytes, shorter than its %zu-byte header", len, HDR_SIZE);
		return -1;
	}
	if (len > PROFILE_LIMIT)
	{
		set_err(err, errlen, "profile is %zu bytes, more than the limit of %zu", len, PROFILE_LIMIT);
		return -1;
	}
	if (h->version != MLM_PROFILE_VERSION)
	{
		set_err(err, errlen, "unsupported profile version %u", (unsigned) h->version);
		return -1;
	}
	if (h->kind != MLM_PROFILE_NUMERIC && h->kind != MLM_PROFILE_CATEGORICAL)
	{
		set_err(err, errlen, "unknown profile kind %u", (unsigned) h->kind);
		return -1;
	}
	if (h->mode != MLM_PROFILE_EXACT && h->mode != MLM_PROFILE_SKETCH)
	{
		set_err(err, errlen, "unknown profile mode %u", (unsigned) h->mode);
		return -1;
	}
	if (h->cap < MLM_PROFILE_MIN_CAP || h->cap > MLM_PROFILE_MAX_CAP)
	{
		set_err(err, errlen, "cap is %d, not between %d and %d",
				(int) h->cap, MLM_PROFILE_MIN_CAP, MLM_PROFILE_MAX_CAP);
		return -1;
	}
	if (h->count < 0 || h->nulls < 0 || h->nan < 0 || h->posinf < 0 || h->neginf < 0 ||
		h->nentries < 0 || h->other < 0)
	{
		set_err(err, errlen, "%s is negative",
				h->count < 0 ? "count" : h->nulls < 0 ? "nulls" : h->nan < 0 ? "nan" :
				h->posinf < 0 ? "posinf" : h->neginf < 0 ? "neginf" :
				h->nentries < 0 ? "nentries" : "other");
		return -1;
	}
	if (h->kind == MLM_PROFILE_NUMERIC)
	{
		if (h->other != 0)
		{
			set_err(err, errlen, "other must be 0 in a numeric profile");
			return -1;
		}
		if (h->mode == MLM_PROFILE_EXACT && h->nlevels != 0)
		{
			set_err(err, errlen, "nlevels is %u but an exact profile has no levels", (unsigned) h->nlevels);
			return -1;
		}
		if (h->nlevels > MLM_PROFILE_MAX_LEVELS)
		{
			set_err(err, errlen, "nlevels is %u, more than %d", (unsigned) h->nlevels, MLM_PROFILE_MAX_LEVELS);
			return -1;
		}
	}
	else
	{
		size_t		prefix = HDR_SIZE;
		const int32_t *lens;
		int64_t		i;

		if (h->nlevels != 0)
		{
			set_err(err, errlen, "nlevels must be 0 in a categorical profile");
			return -1;
		}
		/* the counts and lens must lie inside the buffer before we sum the lens */
		if (!add_array(&prefix, h->nentries, sizeof(int64_t) + sizeof(int32_t), 0) || prefix > len)
		{
			set_err(err, errlen, "profile is %zu bytes, too short for %lld categories",
					len, (long long) h->nentries);
			return -1;
		}
		lens = (const int32_t *) (const void *) ((const char *) buf + HDR_SIZE +
												 (size_t) h->nentries * sizeof(int64_t));
		for (i = 0; i < h->nentries; i++)
		{
			maybe_cancel(i);
			if (lens[i] < 0)
			{
				set_err(err, errlen, "category %lld has a negative length (%d)", (long long) i, (int) lens[i]);
				return -1;
			}
			if ((size_t) lens[i] > len - catbytes)
			{
				set_err(err, errlen, "the category lengths add up to more than the profile size (%zu bytes)", len);
				return -1;
			}
			catbytes += (size_t) lens[i];	/* stays <= len */
		}
	}
	size = mlm_profile_size(h, catbytes, PROFILE_LIMIT);
	if (size != len)
	{
		if (size == 0)
			set_err(err, errlen, "profile is %zu bytes but its header describes more than %zu",
					len, PROFILE_LIMIT);
		else
			set_err(err, errlen, "profile is %zu bytes but its header describes %zu", len, size);
		return -1;
	}
	mlm_profile_view_of(buf, &v);
	if (h->kind == MLM_PROFILE_NUMERIC)
		return check_numeric(&v, err, errlen);
	return check_categorical(&v, err, errlen);
}

void
mlm_profile_set_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void *
mlm_profile_alloc(const mlm_profile_hdr *h, size_t catbytes, size_t *size, char *err, size_t errlen)
{
	char	   *buf;

	*size = mlm_profile_size(h, catbytes, PROFILE_LIMIT);
	if (*size == 0)
	{
		set_err(err, errlen, "profile would be larger than %zu bytes", PROFILE_LIMIT);
		return NULL;
	}
	buf = mlm_core_env->alloc(*size);
	if (buf == NULL)
	{
		set_err(err, errlen, "out of memory for a profile of %zu bytes", *size);
		return NULL;
	}
	memset(buf, 0, *size);
	memcpy(buf, h, HDR_SIZE);
	return buf;
}
