/*
 * profile_ref.c: keeping the reference profile argument of an aggregate.
 *
 * The reference is the same for every row, but arrives as a fresh datum
 * per row in joins (a profile column repeated on every row), possibly a
 * TOAST pointer to a few hundred kilobytes: detoasting and comparing it per
 * row would cost more than the statistic.  The argument as passed is
 * compared instead, which for a stored profile is its TOAST pointer (or the
 * small profile itself).
 */
#include "profile_ref.h"

#include "utils/memutils.h"

/*
 * Largest argument (as passed) kept for the comparison: a TOAST pointer or
 * a profile stored inline.  A larger argument is a profile computed in the
 * query (not from a table), whose datum stays put while rows go by: it is
 * recognised by its address.
 */
#define RAW_KEEP_MAX 4096

bool
profile_ref_arg(ProfileRef *ref, FunctionCallInfo fcinfo, int argno, MemoryContext mcxt)
{
	Pointer		p;
	struct varlena *vl;
	Size		rawsize;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("reference profile must not be null")));
	p = PG_GETARG_POINTER(argno);
	rawsize = VARSIZE_ANY(p);
	if (ref->profile != NULL)
	{
		if (ref->raw == NULL && p == ref->last)
			return false;
		if (ref->raw != NULL && rawsize == VARSIZE_ANY(ref->raw) && memcmp(p, ref->raw, rawsize) == 0)
			return false;
		vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
		if (VARSIZE(vl) != VARSIZE(ref->profile) || memcmp(vl, ref->profile, VARSIZE(vl)) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("reference profile must be the same for every row")));
		ref->last = p;
		return false;
	}

	vl = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	ref->profile = (struct varlena *) MemoryContextAlloc(mcxt, VARSIZE(vl));
	memcpy(ref->profile, vl, VARSIZE(vl));
	if (rawsize <= RAW_KEEP_MAX)
	{
		ref->raw = (struct varlena *) MemoryContextAlloc(mcxt, rawsize);
		memcpy(ref->raw, p, rawsize);
	}
	ref->last = p;
	return true;
}

struct varlena *
profile_ref_copy(const void *profile, MemoryContext mcxt)
{
	uint32		vlhdr;
	struct varlena *copy;

	memcpy(&vlhdr, profile, sizeof(vlhdr));
	copy = (struct varlena *) MemoryContextAlloc(mcxt, VARSIZE(&vlhdr));
	memcpy(copy, profile, VARSIZE(&vlhdr));
	return copy;
}

/*
 * The same profile, compared by its canonical portable form (the flat form
 * of a profile that went through a serialized state may differ from the
 * original's in padding bytes, never in its wire form).
 */
static bool
same_profile(const struct varlena *a, const struct varlena *b)
{
	size_t		alen,
				blen;
	void	   *aw,
			   *bw;
	bool		same;

	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	aw = mlm_profile_to_wire(PROFILE_PAYLOAD(a), PROFILE_PAYLOAD_SIZE(a), &alen);
	bw = mlm_profile_to_wire(PROFILE_PAYLOAD(b), PROFILE_PAYLOAD_SIZE(b), &blen);
	same = alen == blen && memcmp(aw, bw, alen) == 0;
	pfree(aw);
	pfree(bw);
	return same;
}

void
profile_ref_merge(struct varlena **mine, const void *other, MemoryContext mcxt)
{
	struct varlena *copy;

	if (other == NULL)
		return;
	if (*mine == NULL)
	{
		*mine = profile_ref_copy(other, mcxt);
		return;
	}
	copy = profile_ref_copy(other, CurrentMemoryContext);
	if (!same_profile(*mine, copy))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("reference profile must be the same for every row"),
				 errdetail("Partial aggregates of the same group were given different reference profiles.")));
	pfree(copy);
}
