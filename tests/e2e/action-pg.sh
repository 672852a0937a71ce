#!/bin/sh
# Actions with --db on PostgreSQL (issue 16's leftover): the action row
# goes to the server's actions table, written by the sink's thread, and
# the action_findings view joins it to its finding there.  Monitor mode
# (nothing is touched), real kernel, real podman, a server of the test's
# own.
. "$top_srcdir/tests/e2e/action-lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_require
action_begin freeze
PGD=$(mktemp -d)	# the postgres user must reach it: not $T (0700)
chmod 755 "$PGD"
trap 'action_thaw_all; ctr_cleanup; pg_stop; rm -rf "$PGD"' EXIT
pg_start "$PGD/pg" || fail "cannot start a PostgreSQL server"
$PGSU -d postgres -c "CREATE DATABASE fleet" >/dev/null || fail "createdb"
URI="postgresql://postgres@/fleet?host=$PGSOCK&port=$PGPORT"
prows() { $PGSU -d fleet -tA -c "SELECT count(*) FROM actions WHERE $1"; }
ctr_run CID "$IMG" /bin/busybox sleep 600
"$AUDRIFT" run --db "$URI" --source daemon --rules "$T/act.d" \
    --json "$T/lines.json" > "$T/out" 2> "$T/err" &
APID=$!
i=0
until grep -q 'running: source' "$T/err"; do
	kill -0 "$APID" 2>/dev/null || { cat "$T/err" >&2; fail "audrift run exited at start"; }
	i=$((i + 1)); [ $i -lt 100 ] || fail "no start in 10 s"
	sleep 0.1
done
marker "$CID" m
t0=$(now_ms)
until [ "$(prows "action = 'freeze' AND result = 'would' AND container_id = '$CID'")" = 1 ]; do
	[ $(( $(now_ms) - t0 )) -le 5000 ] || { cat "$T/err" >&2;
	    fail "no actions row in PostgreSQL within 5 s"; }
	sleep 0.1
done
echo "actions row in PostgreSQL $(( $(now_ms) - t0 )) ms after the marker started"
[ "$($PGSU -d fleet -tA -c "SELECT count(*) FROM action_findings WHERE container_id = '$CID' AND rule = 'marker_exec' AND finding_id IS NOT NULL")" -ge 1 ] ||
	fail "action_findings does not join the action to its finding: $($PGSU -d fleet -c 'SELECT * FROM action_findings')"
moving "$CID" m || fail "the marker stopped in monitor mode"
live_stop
grep -q '"action":"freeze","result":"would"' "$T/lines.json" ||
	fail "no would JSON line: $(grep action "$T/lines.json")"
[ ! -e "$T/audrift.db" ] || fail "an SQLite database appeared beside --db on PostgreSQL"
action_end
exit 0
