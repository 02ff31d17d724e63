/*
 * profile_codec.h: what the profile's checker and its JSON and wire codecs
 * (profile_check.c, profile_json.c, profile_wire.c) share.  Internal to the
 * numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_PROFILE_CODEC_H
#define MLM_PROFILE_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "profile.h"

/* No profile may be larger than this (the largest PostgreSQL allocation). */
#define PROFILE_LIMIT ((size_t) 1073741823)
#define HDR_SIZE (sizeof(mlm_profile_hdr))

/* Write a formatted message into err (truncated to errlen, NUL-terminated; nothing if err is NULL). */
void		mlm_profile_set_err(char *err, size_t errlen, const char *fmt,...) __attribute__((format(printf, 3, 4)));

#define set_err mlm_profile_set_err

/*
 * A zeroed profile buffer for header h with catbytes category bytes, the
 * header copied in, its size in *size; NULL with err set when it would pass
 * PROFILE_LIMIT or the host has no memory.
 */
void	   *mlm_profile_alloc(const mlm_profile_hdr *h, size_t catbytes, size_t *size, char *err, size_t errlen);

/* Give the host a chance to cancel every MLM_CANCEL_INTERVAL iterations. */
static inline void
maybe_cancel(int64_t i)
{
	if (i % MLM_CANCEL_INTERVAL == MLM_CANCEL_INTERVAL - 1)
		mlm_core_env->check_cancel();
}

#endif
