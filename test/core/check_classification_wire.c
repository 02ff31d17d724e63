/*
 * check_classification_wire.c: runs mlm_class_wire_check over inputs read
 * from a file (each a big-endian u32 length, then the bytes), every input
 * copied to an allocation of exactly its length so that AddressSanitizer
 * sees any read past it, and walks the pairs and scores of each accepted
 * one.  Prints one line per input: "ok <form> <npairs> <n> <n_scored>" or
 * "err <message>".  Built and run by test_classification_codec.py.
 */
#include "classification_wire.h"

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
		fprintf(stderr, "usage: check_classification_wire INPUTS\n");
		return 2;
	}
	while (fread(lenbuf, 1, 4, f) == 4)
	{
		size_t		len = ((size_t) lenbuf[0] << 24) | ((size_t) lenbuf[1] << 16) | ((size_t) lenbuf[2] << 8) | lenbuf[3];
		unsigned char *buf = malloc(len > 0 ? len : 1);
		mlm_class_wire w;
		char		err[256];

		if (buf == NULL || fread(buf, 1, len, f) != len)
			return 2;
		if (mlm_class_wire_check(buf, len, &w, err, sizeof(err)) == 0)
		{
			const unsigned char *p = w.pairs;
			int64_t		i,
						rows = 0,
						scored = 0;
			int			s;

			for (i = 0; i < w.npairs; i++)
			{
				const char *a,
						   *pr;
				uint32_t	alen,
							plen;
				int64_t		c;

				p = mlm_class_wire_pair(p, &a, &alen, &pr, &plen, &c);
				rows += c;
			}
			for (s = 0; s < w.nslots; s++)
				for (i = 0; i < w.nscores[s]; i++)
				{
					double		v = mlm_class_wire_score(&w, s, i);

					if (!(v >= 0.0 && v <= 1.0))
					{
						printf("bad score\n");
						return 1;
					}
					scored++;
				}
			if (rows != w.n || (!w.multiclass && scored != w.n_scored))
			{
				printf("mismatch\n");
				return 1;
			}
			printf("ok %u %lld %lld %lld\n", (unsigned) w.form, (long long) w.npairs, (long long) w.n,
				   (long long) w.n_scored);
		}
		else
			printf("err %s\n", err);
		free(buf);
	}
	fclose(f);
	return 0;
}
