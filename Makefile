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
SQL_PARTS = sql/$(EXTENSION).sql sql/metrics.sql sql/catalogue.sql sql/catalogue_location.sql sql/catalogue_rank.sql \
	sql/catalogue_distance.sql sql/catalogue_categorical.sql sql/catalogue_profiles_categorical.sql \
	sql/catalogue_epps_singleton.sql sql/catalogue_mmd.sql sql/catalogue_profiles_numeric.sql sql/embedding.sql sql/embedding_model.sql \
	sql/detectors.sql sql/calibration.sql sql/multivariate.sql sql/summaries.sql \
	sql/monitoring.sql sql/concept.sql sql/operations.sql sql/multivariate_checks.sql \
	sql/embedding_checks.sql sql/expectations.sql sql/segments.sql sql/citus.sql
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

# The PCA fit's per-row co-moment update: its loops vectorize at -O3 (element by element, no
# reassociation, and no fused multiply-adds where the target has them, so the same numbers: test/core
# builds it with the same flags, from this line); the update of a row about 40% faster.
src/core/comoments.o: override CFLAGS += -O3 -ffp-contract=off

# PGXS does not track header dependencies: rebuild every object when a header changes.
$(OBJS): $(wildcard src/*.h src/core/*.h)

# make dist: the PGXN source archive build/dist/mlmon-<version>.zip (what
# `pgxn install` builds and installs).  It holds the files git tracks at HEAD
# under mlmon-<version>/, and META.json made from HEAD's META.json.in with
# the version of HEAD's mlmon.control (the one place the version is written).
# Uncommitted changes are not in it; files make builds (the install script,
# objects, build/) are not either: `pgxn install` runs make.
DIST_DIR = build/dist
.PHONY: dist
dist:
	@top=$$(git -C "$(CURDIR)" rev-parse --show-toplevel 2>/dev/null); \
	if [ "$$top" != "$$(cd "$(CURDIR)" && pwd -P)" ]; then \
		echo "make dist: $(CURDIR) is not the top of a git checkout: the archive is made of the files git tracks at HEAD" >&2; \
		exit 1; \
	fi; \
	version=$$(git show HEAD:$(EXTENSION).control | sed -n "s/^default_version = '\(.*\)'/\1/p"); \
	if [ -z "$$version" ]; then \
		echo "make dist: no default_version in HEAD's $(EXTENSION).control" >&2; exit 1; \
	fi; \
	if ! git cat-file -e HEAD:META.json.in 2>/dev/null; then \
		echo "make dist: HEAD has no META.json.in" >&2; exit 1; \
	fi; \
	if [ -n "$$(git status --porcelain --untracked-files=no)" ]; then \
		echo "make dist: warning: uncommitted changes are not in the archive (it is HEAD)" >&2; \
	fi; \
	set -e; \
	mkdir -p $(DIST_DIR); \
	git show HEAD:META.json.in | sed "s/@VERSION@/$$version/g" > $(DIST_DIR)/META.json; \
	if grep -n '@[A-Za-z_]*@' $(DIST_DIR)/META.json >&2; then \
		echo "make dist: a placeholder of META.json.in is left in $(DIST_DIR)/META.json" >&2; exit 1; \
	fi; \
	rm -f $(DIST_DIR)/$(EXTENSION)-$$version.zip; \
	git archive --format=zip --prefix=$(EXTENSION)-$$version/ --add-file=$(DIST_DIR)/META.json \
		-o $(DIST_DIR)/$(EXTENSION)-$$version.zip HEAD; \
	echo "$(DIST_DIR)/$(EXTENSION)-$$version.zip"
