# scripts/lib.sh: shared steps of scripts/test and scripts/demo (sourced).
#
# Installs what is missing with apt-get, builds and installs mlmon, and runs a
# throwaway PostgreSQL 15 cluster: data and socket in a fresh temporary
# directory, no TCP listener, a random port, the server run as the postgres
# user when we are root.  The cluster is stopped and removed on exit, also
# when a step fails.

set -euo pipefail

MLMON_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=15
# MLMON_PGBIN: the bin directory of another copy of the server (development:
# install into and test against a private copy of /usr/lib/postgresql/15).
PGBIN=${MLMON_PGBIN:-/usr/lib/postgresql/$PG_MAJOR/bin}
export PATH="$PGBIN:$PATH"
PY=/usr/bin/python3

log() { printf '\n== %s\n' "$*"; }

# Run a command as root: directly when we are root, otherwise through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install the given Debian packages unless they are all installed already.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Packages every job needs: the server, its headers, a compiler.
BASE_PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR postgresql-client-$PG_MAJOR
	gcc make libc6-dev)

# Build mlmon and install it into the server's directories.
build_and_install() {
	log "building mlmon"
	make -C "$MLMON_ROOT" -s -j2 PG_CONFIG="$PGBIN/pg_config"
	as_root make -C "$MLMON_ROOT" -s install PG_CONFIG="$PGBIN/pg_config" >/dev/null
}

CLUSTER_DIR=
CLUSTER_RUNAS=()
# Set CLUSTER_VALGRIND=(valgrind option ...) before cluster_start to run the
# postmaster, and every process it forks, under valgrind; each process logs to
# $CLUSTER_DIR/valgrind/vg.<pid>.log.  A script that needs a second cluster
# starts it in a subshell: the globals and the EXIT trap stay the subshell's.
CLUSTER_VALGRIND=()
# CLUSTER_PORT: the port to use (default: a random one); CLUSTER_EXTRA_CONF:
# lines appended to postgresql.conf (a later line overrides an earlier one).
CLUSTER_PORT=
# Start a throwaway cluster and export PGHOST, PGPORT, PGUSER for it.
cluster_start() {
	local runas=() user port postgres=() timeout=60
	CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mlmon-pg.XXXXXX")
	trap cluster_stop EXIT
	if [ "$(id -u)" -eq 0 ]; then
		user=postgres
		chown postgres:postgres "$CLUSTER_DIR"
		chmod 755 "$CLUSTER_DIR"
		runas=(runuser -u postgres --)
	else
		user=$(id -un)
	fi
	CLUSTER_RUNAS=("${runas[@]}")
	port=${CLUSTER_PORT:-$((20000 + RANDOM % 30000))}
	log "starting a throwaway PostgreSQL $PG_MAJOR cluster in $CLUSTER_DIR (port $port)"
	# the server's tools run from a directory the postgres user can enter
	(cd "$CLUSTER_DIR" && "${runas[@]}" "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U "$user" -A trust -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$CLUSTER_DIR/initdb.log" 2>&1) ||
		{ cat "$CLUSTER_DIR/initdb.log"; return 1; }
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CLUSTER_DIR'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_parallel_workers_per_gather = 2
shared_buffers = 256MB
${CLUSTER_EXTRA_CONF:-}
CONF
	if [ ${#CLUSTER_VALGRIND[@]} -gt 0 ]; then
		# pg_ctl starts this script, which execs valgrind, which runs the server
		# in the same process: pg_ctl finds the pid it expects in postmaster.pid.
		# Valgrind's temporary files go where the server's user may write, and
		# it reads copies of the suppression files (it may not read the checkout).
		local opt vgopts=()
		mkdir "$CLUSTER_DIR/valgrind"
		for opt in "${CLUSTER_VALGRIND[@]}"; do
			if [[ $opt == --suppressions=* ]]; then
				cp "${opt#*=}" "$CLUSTER_DIR/valgrind/" || return 1
				opt=--suppressions=$CLUSTER_DIR/valgrind/$(basename "${opt#*=}")
			fi
			vgopts+=("$opt")
		done
		chown -R --reference="$CLUSTER_DIR" "$CLUSTER_DIR/valgrind"
		printf '#!/bin/sh\nTMPDIR=%q exec %q' "$CLUSTER_DIR/valgrind" "$(command -v valgrind)" >"$CLUSTER_DIR/postgres-valgrind"
		printf ' %q' "${vgopts[@]}" "--log-file=$CLUSTER_DIR/valgrind/vg.%p.log" "$PGBIN/postgres" >>"$CLUSTER_DIR/postgres-valgrind"
		printf ' "$@"\n' >>"$CLUSTER_DIR/postgres-valgrind"
		chmod 755 "$CLUSTER_DIR/postgres-valgrind"
		postgres=(-p "$CLUSTER_DIR/postgres-valgrind")
		timeout=600
	fi
	if [ -n "${CLUSTER_WITH_CRON:-}" ]; then
		# pg_cron's scheduler works in the postgres database and reaches the
		# socket-only server through its socket directory
		cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.host = '$CLUSTER_DIR'
CONF
	fi
	(cd "$CLUSTER_DIR" && "${runas[@]}" "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" "${postgres[@]}" -w -t $timeout start >/dev/null) ||
		{ cat "$CLUSTER_DIR/server.log"; return 1; }
	export PGHOST="$CLUSTER_DIR" PGPORT="$port" PGUSER="$user" PGDATABASE=postgres
}

# Shut the throwaway cluster down cleanly (every process exits normally and,
# under valgrind, writes its summary) and wait for the postmaster to be gone:
# its valgrind log is complete only after it has removed postmaster.pid.
# The directory stays until cluster_stop.
cluster_shutdown() {
	local pid
	pid=$(head -n1 "$CLUSTER_DIR/data/postmaster.pid" 2>/dev/null) || return 0
	(cd "$CLUSTER_DIR" && "${CLUSTER_RUNAS[@]}" "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w -t 600 stop >/dev/null) || return 1
	while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
}

# Stop the throwaway cluster and remove its directory.
cluster_stop() {
	local rc=$?
	if [ -n "$CLUSTER_DIR" ] && [ -d "$CLUSTER_DIR" ]; then
		(cd "$CLUSTER_DIR" && "${CLUSTER_RUNAS[@]}" "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1) || true
		rm -rf "$CLUSTER_DIR"
		CLUSTER_DIR=
	fi
	return $rc
}

# psql with the options scripts want: quiet, stop on error, no psqlrc.
run_psql() {
	"$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Citus: three small clusters on 127.0.0.1 (a coordinator and two workers,
# Citus preloaded, no pg_cron), citus and mlmon created in database
# $CITUS_DB on each, the workers registered.  citus_start exports PGHOST,
# PGPORT and PGDATABASE for the coordinator and CITUS_WORKER_HOST and
# CITUS_WORKER_PORTS for the workers; call it in a subshell (it sets the
# EXIT trap that stops the three).  citus_available: is Citus installed for
# the server (MLMON_CITUS_SO overrides the file looked for, to test a skip)?
CITUS_DB=mlmon_citus
CITUS_DIRS=()
citus_available() {
	[ -f "${MLMON_CITUS_SO:-$("$PGBIN/pg_config" --pkglibdir)/citus.so}" ]
}
citus_stop() {
	local d
	for d in "${CITUS_DIRS[@]}"; do CLUSTER_DIR=$d; cluster_stop; done
}
citus_start() {
	local node st ports=()
	trap citus_stop EXIT
	unset CLUSTER_WITH_CRON
	CLUSTER_EXTRA_CONF="listen_addresses = '127.0.0.1'
shared_preload_libraries = 'citus'
shared_buffers = 64MB
max_connections = 100
citus.enable_statistics_collection = off
${CITUS_EXTRA_CONF:-}"
	for node in coordinator worker1 worker2; do
		CLUSTER_PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		CLUSTER_DIR=
		st=0; cluster_start || st=1
		trap citus_stop EXIT   # cluster_start set its own, for this node alone
		[ -n "$CLUSTER_DIR" ] && CITUS_DIRS+=("$CLUSTER_DIR")
		[ $st -eq 0 ] || return 1
		ports+=("$PGPORT")
		echo "$node: port $PGPORT"
		run_psql -d postgres -c "CREATE DATABASE $CITUS_DB" || return 1
		run_psql -d "$CITUS_DB" -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" -c "CREATE EXTENSION mlmon" || return 1
	done
	export PGHOST=${CITUS_DIRS[0]} PGPORT=${ports[0]} PGDATABASE=$CITUS_DB
	export CITUS_WORKER_HOST=127.0.0.1 CITUS_WORKER_PORTS="${ports[1]} ${ports[2]}"
	run_psql -c "SET client_min_messages = warning" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" \
		-c "SELECT citus_add_node('127.0.0.1', ${ports[1]})" -c "SELECT citus_add_node('127.0.0.1', ${ports[2]})" >/dev/null || return 1
	run_psql -c "SELECT 'citus ' || extversion || ', ' || (SELECT count(*) FROM citus_get_active_worker_nodes()) || ' workers' FROM pg_extension WHERE extname = 'citus'" -At || return 1
}
