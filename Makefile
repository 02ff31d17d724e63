# Makefile: build, install and regression-test mlmon with PGXS.
#   make && make install        build and install (PG_CONFIG selects the server)
#   make installcheck           pg_regress against a running server
# The full test suite (pgTAP, SciPy comparisons, a throwaway cluster) is
# scripts/test; see README.md.

EXTENSION = mlmon
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = $(EXTENSION)
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/core/*.c)))

DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# Released versions' install scripts (frozen) and the upgrade scripts between versions.
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress reads <inputdir>/sql and <inputdir>/expected: build/regress
# links them to test/regress (inputs) and expected (outputs).
REGRESS = $(patsubst test/regress/%.sql,%,$(sort $(wildcard test/regress/*.sql)))
REGRESS_OPTS = --inputdir=build/regress --outputdir=build/regress --load-extension=$(EXTENSION)
# pg_isolation_regress reads <inputdir>/specs and <inputdir>/expected: build/isolation
# links them to test/isolation and expected/isolation.
ISOLATION = $(patsubst test/isolation/%.spec,%,$(sort $(wildcard test/isolation/*.spec)))
ISOLATION_OPTS = --inputdir=build/isolation --outputdir=build/isolation --load-extension=$(EXTENSION)
EXTRA_CLEAN = build

PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter

# No LLVM bitcode: it would need clang at build time for no benefit here.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The install script: the statistics, the performance metrics, the monitoring schema, operations.
SQL_PARTS = sql/$(EXTENSION).sql sql/metrics.sql sql/detectors.sql sql/calibration.sql sql/summaries.sql \
	sql/monitoring.sql sql/concept.sql sql/operations.sql
sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS)
	cat $^ > $@

build/regress:
	mkdir -p build/regress
	ln -sfn ../../test/regress build/regress/sql
	ln -sfn ../../expected build/regress/expected

build/isolation:
	mkdir -p build/isolation
	ln -sfn ../../test/isolation build/isolation/specs
	ln -sfn ../../expected/isolation build/isolation/expected

installcheck: build/regress build/isolation

# PGXS does not track header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h src/core/*.h)
