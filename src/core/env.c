/*
 * env.c: default host services of the numerics core (malloc, free, no
 * cancellation), replaced by the PostgreSQL module at load time.
 */
#include "env.h"

#include <stdlib.h>

/* Never cancel. */
static void
no_cancel(void)
{
}

static const mlm_env default_env = {malloc, free, no_cancel};

const mlm_env *mlm_core_env = &default_env;

void
mlm_set_env(const mlm_env *env)
{
	mlm_core_env = env;
}
