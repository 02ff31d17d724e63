/*
 * embedding_sample.h: a deterministic, bounded, mergeable sample of
 * embedding rows (a bottom-k sample by a hash of the row's contents), the
 * input of the embedding drift methods that need rows, not sums (mmd,
 * model): Evidently's mmd builds an (m + n)^2 kernel and its model trains a
 * classifier, neither possible at 100k + 100k rows.
 *
 * THE KEY of a row x[0..d) of one side (seed 0 for the reference, 1 for the
 * current sample), a 64-bit unsigned integer:
 *     h = seed
 *     for i = 0 .. d-1:
 *         b = the IEEE-754 bits of x[i] as a double (a float4 component
 *             widened exactly), -0.0 taken as +0.0
 *         h = mix(h XOR b)
 *     key = h
 * where mix is SplitMix64's output function of a state z (splitmix64.h):
 *     z = z + 0x9e3779b97f4a7c15                        (mod 2^64)
 *     z = (z XOR (z >> 30)) * 0xbf58476d1ce4e5b9         (mod 2^64)
 *     z = (z XOR (z >> 27)) * 0x94d049bb133111eb         (mod 2^64)
 *     mix = z XOR (z >> 31)
 * The seed differs between the sides so that a row present in both samples
 * is not selected in both together.
 *
 * KEYED BY ROW: a caller that can name each row by a 64-bit number r (the
 * checks: a hash of the row's request id, time and features) passes the seed
 *     seed' = mix(seed XOR mix(r))
 * instead of seed (mlm_es_row_seed).  Copies of one vector logged as
 * different rows then get independent keys, so the sample holds them in
 * proportion to how often they were logged (a uniform sample of the rows,
 * not of the distinct vectors); without it, copies share one key and enter
 * or leave the sample together, so a vector logged thousands of times is
 * either absent or fills the sample.
 *
 * THE ORDER of rows (of one side): ascending key, ties broken by the
 * components in lexicographic order (component 0 first, compared as
 * doubles; -0.0 is stored as +0.0, so rows that compare equal are equal).
 *
 * THE SAMPLE of a side with at most k rows: the k first rows of that side's
 * valid rows in THE ORDER (all of them when there are <= k).  The keys of
 * distinct rows behave as independent uniform draws, so this is a uniform
 * sample without replacement of the distinct rows; copies of one row share
 * a key and tend to enter or leave together.  It depends on the multiset
 * of rows only: not on the order a scan meets them, nor on how a parallel
 * plan splits them (merging two samples = keeping the k first of the
 * union, the same as one pass).
 *
 * A slot holds one row: MLM_ES_SLOT(d) doubles, the key's high and low 32
 * bits (each an exact whole number, so the slot survives a float8 text
 * round trip) then the d components.  Comparing two slots as arrays of
 * doubles, lexicographically, is THE ORDER.  A side is `size` slots in a
 * row; while size < k they are in arrival order, at size == k they form a
 * max-heap in THE ORDER (the root, slot 0, is the last row of the sample),
 * so a row costs O(d) to key and test against the root, and O(d log k)
 * more when it enters (about k ln(n / k) of n rows do).
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_CORE_EMBEDDING_SAMPLE_H
#define MLM_CORE_EMBEDDING_SAMPLE_H

#include <stdint.h>

/* Doubles per slot: the key (2) and d components. */
#define MLM_ES_SLOT(d) ((int64_t) (d) + 2)

/* The sides' seeds. */
#define MLM_ES_SEED_REFERENCE 0
#define MLM_ES_SEED_CURRENT 1

/* The seed of a side's row named r, for a sample keyed by row (KEYED BY ROW). */
uint64_t	mlm_es_row_seed(uint64_t seed, uint64_t r);

/* THE KEY of x[0..d) (double or float components). */
uint64_t	mlm_es_key(const double *x, int64_t d, uint64_t seed);
uint64_t	mlm_es_key_f4(const float *x, int64_t d, uint64_t seed);

/* Fill slot with key and x (float or double; -0.0 stored as +0.0). */
void		mlm_es_slot_fill(double *slot, uint64_t key, const double *x, int64_t d);
void		mlm_es_slot_fill_f4(double *slot, uint64_t key, const float *x, int64_t d);

/* The key of a slot. */
uint64_t	mlm_es_slot_key(const double *slot);

/* <0, 0, >0: slot a before, equal to, after slot b in THE ORDER. */
int			mlm_es_cmp(const double *a, const double *b, int64_t d);

/*
 * Could a row of this key enter a side of `size` slots (k at most)?  False
 * only when the side is full and the key is above the root's (a row whose
 * key equals the root's must be offered: the contents decide).
 */
int			mlm_es_may_enter(const double *slots, int64_t size, int64_t k, uint64_t key);

/*
 * Offer the row in slot `cand` to a side: slots (room for k), *size of them
 * used.  Appends it while size < k (and makes the heap at size == k);
 * when full, it replaces the root if it comes before it in THE ORDER.
 * Returns 1 if the row entered.  cand is clobbered (used as scratch).
 */
int			mlm_es_offer(double *slots, int64_t *size, int64_t k, int64_t d, double *cand);

/*
 * Merge side b (size_b slots) into side a: the k first of the union.  tmp:
 * scratch for one slot.
 */
void		mlm_es_merge(double *a, int64_t *size_a, int64_t k, int64_t d,
						 const double *b, int64_t size_b, double *tmp);

/* order[0..size) = the slot numbers of a side in THE ORDER (ascending). */
void		mlm_es_order(const double *slots, int64_t size, int64_t d, int64_t *order);

#endif							/* MLM_CORE_EMBEDDING_SAMPLE_H */
