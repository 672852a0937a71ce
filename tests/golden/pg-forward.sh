#!/bin/bash
# tests/golden/pg-forward.sh - audrift run --forward against a real
# PostgreSQL server this test starts: a storm of findings (a recorded log
# replicated with new serials, paced over ~40 s through the plugin
# source, so no kernel is needed) with the server stopped for 30 s in the
# middle loses nothing and duplicates nothing; then findings spooled in
# SQLite while the server is down survive kill -9 of audrift and arrive,
# once, from the next run; and the direct sink (--db URI) keeps what it
# holds in memory through a short outage.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_require
T=$(mktemp -d)
chmod 755 "$T"
RUNPID=
trap '[ -n "$RUNPID" ] && kill -9 "$RUNPID" 2>/dev/null; pg_stop; rm -rf "$T"' EXIT
export AUDRIFT_INSECURE_RULES=1
# every statement logged, after its backend's pid and database: the
# catch-up after the outage goes over two connections (copiers)
PG_OPTS="-c fsync=off -c log_min_duration_statement=0 -c log_line_prefix=%p:%d:"
# copiers DB FROM: the backends that ran COPY findings in DB, in the
# server log from line FROM
copiers() {
	tail -n +"$2" "$PGDIR/server.log" |
	    awk -F: -v db="$1" '$2 == db && /COPY findings/ { p[$1] = 1 }
	    END { n = 0; for (k in p) n++; print n }'
}
pg_start "$T/pg" || fail "cannot start a PostgreSQL server"
$PGSU -d postgres -c "CREATE ROLE fwd LOGIN PASSWORD 'f-secret'" \
    -c "CREATE DATABASE fleet OWNER fwd" >/dev/null || fail "roles"
printf '127.0.0.1:%s:*:fwd:f-secret\n' "$PGPORT" >"$T/pgpass"
chmod 600 "$T/pgpass"
export PGPASSFILE="$T/pgpass"
URI="postgresql://fwd@127.0.0.1:$PGPORT/fleet?sslmode=disable"
sed 's#/tmp/audrift-golden\.[A-Za-z0-9]*/hostbin#/usr/local/bin#g' \
    "$top_srcdir/tests/golden/logs/host-fileops.log" >"$T/a.log"
# copies FROM TO: the log again with serials and times moved per copy
# (serials past 2^31: %.0f, where mawk's %d stops at 2147483647)
copies() {
	awk -v from="$1" -v to="$2" '{ line[NR] = $0 } END {
	    for (k = from; k < to; k++) for (i = 1; i <= NR; i++) {
		l = line[i]
		if (match(l, /audit\([0-9]+\.[0-9]+:[0-9]+\)/)) {
			s = substr(l, RSTART + 6, RLENGTH - 7)
			split(s, a, /[.:]/)
			l = substr(l, 1, RSTART - 1) sprintf("audit(%d.%s:%.0f)",
			    a[1] + k, a[2], a[3] + k * 1000000) \
			    substr(l, RSTART + RLENGTH)
		}
		print l
	    } }' "$T/a.log"
}
pgcount() { $PGSU -d fleet -tA -c "SELECT count(*) FROM findings" 2>/dev/null; }
lcount() { sqlite3 "$T/l.db" "SELECT count(*) FROM findings"; }
start_run() {	# start_run INPUT
	AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
	    --rules "$top_srcdir/rules.d" --db "$T/l.db" --insecure-db \
	    --forward "$URI" <"$1" 2>>"$T/run.err" &
	RUNPID=$!
}
# wait_sent N SECONDS: the server holds N findings
wait_sent() {
	i=0
	while [ "$(pgcount)" != "$1" ] && [ $i -lt $(($2 * 5)) ]; do
		sleep 0.2; i=$((i + 1))
	done
	[ "$(pgcount)" = "$1" ]
}

# 1. the storm, the server stopped from 5 s to 35 s
mkfifo "$T/in"
start_run "$T/in"
exec 3>"$T/in"
for s in $(seq 0 39); do
	copies $((s * 25)) $((s * 25 + 25)) >&3
	[ "$s" = 5 ] && { pg_stop 3>&-; stopped_at=$(lcount); }
	[ "$s" = 35 ] && { pg_ctl_start 3>&- || fail "cannot restart the server"; }
	sleep 1
done
# the run may still be storing the last copies' findings: the server
# must come level with the local database as it grows, not with a count
# read once
i=0
until n=$(lcount); [ "$(pgcount)" = "$n" ] || [ $i -ge 150 ]; do
	sleep 0.2; i=$((i + 1))
done
[ "$(pgcount)" = "$n" ] ||
    fail "the server has $(pgcount) of $n findings 30 s after it came back"
[ "$n" -ge 7000 ] || fail "only $n findings from the storm"
[ "$n" -gt "$((stopped_at + 5000))" ] ||
    fail "too few findings ($n, $stopped_at at the stop) while the server was down"
"$AUDRIFT" query --db "$T/l.db" --limit 1 >"$T/q" || fail "query"
grep -q "^forward: 0 findings not yet sent" "$T/q" ||
    { cat "$T/q"; fail "query's forward block does not say 0 behind"; }
exec 3>&-
wait "$RUNPID" || fail "audrift run exited $?"
RUNPID=
grep -q "findings wait in the local database" "$T/run.err" ||
    fail "the outage was not logged"
grep -q "the server is back" "$T/run.err" || fail "the return was not logged"
# nothing lost, nothing twice: the same ids, each once
sqlite3 "$T/l.db" "SELECT id FROM findings ORDER BY id" >"$T/ids.l"
$PGSU -d fleet -tA -c "SELECT host_finding_id FROM findings ORDER BY 1" >"$T/ids.p"
cmp -s "$T/ids.l" "$T/ids.p" || fail "the ids sent differ from the local ones"
[ "$($PGSU -d fleet -tA -c "SELECT count(DISTINCT host_id) FROM findings")" = 1 ] ||
    fail "more than one host id"
# the server's ids follow the spool's order (each batch takes its ids in
# turn), however many connections sent the backlog
[ "$($PGSU -d fleet -tA -c "SELECT count(*) FROM (SELECT host_finding_id h,
    lag(host_finding_id) OVER (ORDER BY id) p FROM findings) q WHERE p > h")" = 0 ] ||
    fail "the server's ids are not in the spool's order"
! grep -q "a second connection failed" "$T/run.err" ||
    fail "the second connection failed"

# 2. spooled, kill -9, next run sends them once
pg_stop
copies 1000 1100 >"$T/more.log"
mkfifo "$T/in2"
start_run "$T/in2"
exec 3>"$T/in2"
cat "$T/more.log" >&3
i=0
while [ "$(lcount)" -lt $((n + 700)) ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
m=$(lcount)
[ "$m" -ge $((n + 700)) ] || fail "the second run stored $((m - n)) findings"
kill -9 "$RUNPID"; wait "$RUNPID" 2>/dev/null; RUNPID=
exec 3>&-
pg_ctl_start || fail "cannot restart the server"
: >"$T/empty"
start_run "$T/empty"
wait "$RUNPID"; RUNPID=
m=$(lcount)
wait_sent "$m" 15 || fail "after kill -9 the server has $(pgcount) of $m findings"
dups=$($PGSU -d fleet -tA -c "SELECT count(*) - count(DISTINCT host_finding_id) FROM findings")
[ "$dups" = 0 ] || fail "$dups findings arrived twice"

# 3. the direct sink (--db URI, no SQLite) through a 6 s outage: the
# findings wait in memory (fewer than its 16384) and all arrive, once
$PGSU -d postgres -c "CREATE DATABASE direct OWNER fwd" >/dev/null
DURI="postgresql://fwd@127.0.0.1:$PGPORT/direct?sslmode=disable"
copies 2000 2100 >"$T/direct.log"
mkfifo "$T/in3"
AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
    --rules "$top_srcdir/rules.d" --db "$DURI" <"$T/in3" 2>"$T/direct.err" &
RUNPID=$!
exec 3>"$T/in3"
for s in $(seq 0 9); do
	sed -n "$((s * $(wc -l <"$T/direct.log") / 10 + 1)),$(((s + 1) * $(wc -l <"$T/direct.log") / 10))p" "$T/direct.log" >&3
	[ "$s" = 2 ] && pg_stop 3>&-
	[ "$s" = 8 ] && { pg_ctl_start 3>&- || fail "cannot restart the server"; }
	sleep 1
done
exec 3>&-
wait "$RUNPID" || { cat "$T/direct.err"; fail "audrift run (direct) exited $?"; }
RUNPID=
# what the run made (its summary), against what the server holds
want=$(sed -n 's/.*stopped: .* events, \([0-9]*\) findings,.*/\1/p' "$T/direct.err")
[ "${want:-0}" -ge 500 ] || { cat "$T/direct.err"; fail "the direct run made ${want:-no} findings"; }
got=$($PGSU -d direct -tA -c "SELECT count(*) FROM findings")
[ "$got" = "$want" ] || { cat "$T/direct.err"; fail "direct sink through the outage: $got of $want findings"; }
grep -q "findings wait in memory" "$T/direct.err" || fail "the direct sink's outage was not logged"
grep -q "writing again" "$T/direct.err" || fail "the direct sink's return was not logged"
[ "$($PGSU -d direct -tA -c "SELECT findings_dropped FROM runs ORDER BY id DESC LIMIT 1")" = 0 ] ||
    fail "the direct sink counted drops through a short outage"

# 4. findings made faster than one connection takes them (a COPY there
# takes 0.2 s at least: a trigger): the direct sink and the forwarder
# send over two, all arrive, and in the stream's order (ids taken in
# turn: serials, and host_finding_id, never go back by id)
slow() {	# slow DB: the trigger, once audrift made the schema there
	$PGSU -d "$1" -c "CREATE FUNCTION slow() RETURNS trigger
	    LANGUAGE plpgsql AS \$\$ BEGIN PERFORM pg_sleep(0.2); RETURN NULL;
	    END \$\$" -c "CREATE TRIGGER slow AFTER INSERT ON findings FOR
	    EACH STATEMENT EXECUTE FUNCTION slow()" >/dev/null ||
	    fail "the slow trigger in $1"
}
in_order() {	# in_order DB COLUMN: of the log's findings (serials from
	# 3e9: copies 3000 on), by id (a run also reports what it finds in
	# the host's containers, and make -j2 runs container tests beside)
	[ "$($PGSU -d "$1" -tA -c "SELECT count(*) FROM (SELECT $2 s,
	    lag($2) OVER (ORDER BY id) p FROM findings
	    WHERE serial >= 3000000000) q WHERE p > s")" = 0 ]
}
$PGSU -d postgres -c "CREATE DATABASE lanes OWNER fwd" \
    -c "CREATE DATABASE lanesf OWNER fwd" >/dev/null
LURI="postgresql://fwd@127.0.0.1:$PGPORT/lanes?sslmode=disable"
FURI="postgresql://fwd@127.0.0.1:$PGPORT/lanesf?sslmode=disable"
copies 3000 5500 >"$T/lanes.log"
"$AUDRIFT" run --source plugin --no-kernel-rules --rules "$top_srcdir/rules.d" \
    --db "$LURI" </dev/null 2>/dev/null || fail "run (the schema)"
"$AUDRIFT" run --source plugin --no-kernel-rules --rules "$top_srcdir/rules.d" \
    --db "$T/f.db" --insecure-db --forward "$FURI" </dev/null 2>/dev/null ||
    fail "run --forward (the schema)"
slow lanes
slow lanesf
base=$($PGSU -d lanes -tA -c "SELECT count(*) FROM findings")
mark=$(wc -l <"$PGDIR/server.log")
AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
    --rules "$top_srcdir/rules.d" --db "$LURI" <"$T/lanes.log" \
    2>"$T/lanes.err" || { cat "$T/lanes.err"; fail "run into PostgreSQL"; }
lwant=$(sed -n 's/.*stopped: .* events, \([0-9]*\) findings,.*/\1/p' "$T/lanes.err")
nl=$(($($PGSU -d lanes -tA -c "SELECT count(*) FROM findings") - base))
[ "${lwant:-0}" -ge 15000 ] || fail "the run made only ${lwant:-no} findings"
[ "$nl" = "$lwant" ] || fail "PostgreSQL holds $nl of $lwant findings"
in_order lanes serial || fail "the ids are not in the stream's order"
k=$(copiers lanes "$((mark + 1))")
[ "$k" = 2 ] || fail "the direct sink wrote over $k connection(s), not two"
# the forwarder (its close waits 5 s at most: a next run sends the rest)
mark=$(wc -l <"$PGDIR/server.log")
"$AUDRIFT" run --source plugin --no-kernel-rules --rules "$top_srcdir/rules.d" \
    --db "$T/f.db" --insecure-db --forward "$FURI" <"$T/lanes.log" \
    2>"$T/lanesf.err" || { cat "$T/lanesf.err"; fail "run --forward"; }
k=$(copiers lanesf "$((mark + 1))")
# (each run also reports what it finds in the host's containers: the
# spool's count is read again each time)
fwant=$(sqlite3 "$T/f.db" "SELECT count(*) FROM findings")
i=0
until [ "$($PGSU -d lanesf -tA -c "SELECT count(*) FROM findings")" = "$fwant" ] ||
    [ $i -ge 10 ]; do
	"$AUDRIFT" run --source plugin --no-kernel-rules \
	    --rules "$top_srcdir/rules.d" --db "$T/f.db" --insecure-db \
	    --forward "$FURI" </dev/null 2>/dev/null
	fwant=$(sqlite3 "$T/f.db" "SELECT count(*) FROM findings")
	i=$((i + 1))
done
nf=$($PGSU -d lanesf -tA -c "SELECT count(*) FROM findings")
[ "$nf" = "$fwant" ] || fail "the forwarder sent $nf of $fwant findings"
[ "$($PGSU -d lanesf -tA -c "SELECT count(*) - count(DISTINCT host_finding_id) FROM findings")" = 0 ] ||
    fail "a forwarded finding arrived twice"
in_order lanesf host_finding_id || fail "forwarded ids are not in the spool's order"
in_order lanesf serial || fail "forwarded rows are not in the stream's order"
[ "$k" = 2 ] || fail "the forwarder sent over $k connection(s), not two"
echo "ok: $n findings through a 30 s outage, then $((m - n)) across kill -9: each once; direct sink: $got of $want through a 6 s outage; $nl written and $nf forwarded over two connections, in order"
