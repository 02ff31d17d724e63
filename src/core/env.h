/*
 * env.h: the services the numerics core takes from its host: scratch memory
 * and a chance to cancel long loops.
 *
 * Inside PostgreSQL the host allocates with palloc and cancels with
 * CHECK_FOR_INTERRUPTS, which may not return (it raises an error and the
 * memory context reset frees the scratch memory), so a cancelled query stops
 * promptly even inside an O(n1 n2) recursion.  Elsewhere (the ctypes test
 * harness) the defaults are malloc, free and never cancel.
 *
 * Part of the numerics core: plain C, no PostgreSQL headers.
 */
#ifndef MLM_ENV_H
#define MLM_ENV_H

#include <stddef.h>

typedef struct mlm_env
{
	void	   *(*alloc) (size_t size);	/* NULL on failure, or does not return */
	void		(*release) (void *p);
	void		(*check_cancel) (void);	/* may not return */
} mlm_env;

/* The services in use: set once by the host before any computation. */
extern const mlm_env *mlm_core_env;

/* Install the host's services (called once, at module load). */
void		mlm_set_env(const mlm_env *env);

/* Loop iterations between two calls of check_cancel. */
#define MLM_CANCEL_INTERVAL 1024

#endif
