/*
 * check_sample_wire.c: runs mlm_sample_wire_check over inputs read from a
 * file (each a big-endian u32 length, then the bytes), every input copied to
 * an allocation of exactly its length so that AddressSanitizer sees any read
 * past it, and reads the values of each accepted one.  Prints one line per
 * input: "ok <n_ref> <n_cur> <profile_len>" or "err <message>".  Built and
 * run by test_sample_codec.py.
 */
#include "sample_wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	FILE	   *f;
	unsigned char lenbuf[4];

	if (argc != 2 || (f = fopen(argv[1], "rb")) == NULL)
	{
		fprintf(stderr, "usage: check_sample_wire INPUTS\n");
		return 2;
	}
	while (fread(lenbuf, 1, 4, f) == 4)
	{
		size_t		len = ((size_t) lenbuf[0] << 24) | ((size_t) lenbuf[1] << 16) | ((size_t) lenbuf[2] << 8) | lenbuf[3];
		unsigned char *buf = malloc(len > 0 ? len : 1);
		mlm_sample_wire w;
		char		err[256];

		if (buf == NULL || fread(buf, 1, len, f) != len)
			return 2;
		if (mlm_sample_wire_check(buf, len, 10000, &w, err, sizeof(err)) == 0)
		{
			double	   *v = malloc(sizeof(double) * (size_t) (w.n_ref + w.n_cur + 1));
			int64_t		i;

			if (v == NULL)
				return 2;
			mlm_sample_wire_get_values(w.ref, v, w.n_ref);
			mlm_sample_wire_get_values(w.cur, v + w.n_ref, w.n_cur);
			for (i = 0; i < w.n_ref + w.n_cur; i++)
				if (!isfinite(v[i]) || (i > 0 && i != w.n_ref && v[i] < v[i - 1]))
				{
					printf("mismatch\n");
					return 1;
				}
			printf("ok %lld %lld %zu\n", (long long) w.n_ref, (long long) w.n_cur, w.profile_len);
			free(v);
		}
		else
			printf("err %s\n", err);
		free(buf);
	}
	fclose(f);
	return 0;
}
