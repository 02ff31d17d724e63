/*
 * check_category_wire.c: runs mlm_category_wire_check over inputs read from
 * a file (each a big-endian u32 length, then the bytes), every input copied
 * to an allocation of exactly its length so that AddressSanitizer sees any
 * read past it, and walks the entries of each accepted one.  Prints one
 * line per input: "ok <ncat> <n_ref> <n_cur> <profile_len>" or
 * "err <message>".  Built and run by test_category_codec.py.
 */
#include "category_wire.h"

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
		fprintf(stderr, "usage: check_category_wire INPUTS\n");
		return 2;
	}
	while (fread(lenbuf, 1, 4, f) == 4)
	{
		size_t		len = ((size_t) lenbuf[0] << 24) | ((size_t) lenbuf[1] << 16) | ((size_t) lenbuf[2] << 8) | lenbuf[3];
		unsigned char *buf = malloc(len > 0 ? len : 1);
		mlm_category_wire w;
		char		err[256];

		if (buf == NULL || fread(buf, 1, len, f) != len)
			return 2;
		if (mlm_category_wire_check(buf, len, 1, &w, err, sizeof(err)) == 0)
		{
			const unsigned char *p = w.entries;
			int64_t		i,
						sref = 0,
						scur = 0;

			for (i = 0; i < w.ncat; i++)
			{
				const char *data;
				uint32_t	clen;
				int64_t		ref,
							cur;

				p = mlm_category_wire_entry(p, &data, &clen, &ref, &cur);
				sref += ref;
				scur += cur;
			}
			if (sref != w.n_ref || scur != w.n_cur)
			{
				printf("mismatch\n");
				return 1;
			}
			printf("ok %lld %lld %lld %zu\n", (long long) w.ncat, (long long) w.n_ref, (long long) w.n_cur, w.profile_len);
		}
		else
			printf("err %s\n", err);
		free(buf);
	}
	fclose(f);
	return 0;
}
