# tests/pg-lib.sh - a PostgreSQL server of the test's own (tests and
# scripts/bench): initdb in a temp dir as the postgres user, loopback on a
# free port, its socket in that dir; stopped by pg_stop (call it from the
# test's EXIT trap).  Needs root (runuser) and Debian's or RHEL's server.
#   pg_start DIR   sets PGBIN PGPORT PGDATA PGSOCK PGURI (superuser URI)
#   pg_stop

# Where the server binaries are, or nothing.
pg_bindir() {
	for d in /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
	done
}

# Skip (77) where the server is missing, unless CI requires everything.
pg_require() {
	PGBIN=$(pg_bindir)
	[ -n "$PGBIN" ] && [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 &&
	    return 0
	echo "SKIP: no PostgreSQL server here (initdb, pg_ctl, the postgres" \
	    "user, root): install it with scripts/deps" >&2
	if [ "${AUDRIFT_REQUIRE_KERNEL:-0}" = 1 ]; then
		echo "FAIL: AUDRIFT_REQUIRE_KERNEL=1, so this skip is a failure" >&2
		exit 1
	fi
	exit 77
}

pg_free_port() {
	p=$((20000 + $$ % 20000))
	while :; do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"; return
		fi
		p=$((p + 1))
	done
}

pg_start() {
	PGBIN=${PGBIN:-$(pg_bindir)}
	PGDIR=$1
	PGDATA=$PGDIR/data
	PGSOCK=$PGDIR/sock
	mkdir -p "$PGSOCK"
	chown postgres "$PGDIR" "$PGSOCK"
	chmod 755 "$PGDIR"
	runuser -u postgres -- "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres \
	    -E UTF8 --locale=C.UTF-8 >"$PGDIR/initdb.log" 2>&1 ||
	    { cat "$PGDIR/initdb.log" >&2; return 1; }
	# md5/scram for TCP (the tests' passwords), trust on the socket
	cat >"$PGDATA/pg_hba.conf" <<HBA
local all postgres trust
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
HBA
	PGPORT=${PGPORT:-$(pg_free_port)}
	pg_ctl_start
	PGSU="psql -X -q -v ON_ERROR_STOP=1 -h $PGSOCK -p $PGPORT -U postgres"
}

# (Re)start the server of pg_start's data dir.
pg_ctl_start() {
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 30 \
	    -l "$PGDIR/server.log" \
	    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGSOCK ${PG_OPTS--c fsync=off}" \
	    start >/dev/null || { cat "$PGDIR/server.log" >&2; return 1; }
}

pg_stop() {
	[ -n "${PGDATA:-}" ] && [ -f "$PGDATA/postmaster.pid" ] &&
	    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w \
	    stop >/dev/null 2>&1
	return 0
}
