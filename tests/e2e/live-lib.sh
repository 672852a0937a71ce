# tests/e2e/live-lib.sh - shared by the live-*.sh tests (audrift run on
# the real kernel).  Sourced after tests/lib.sh.  Every test leaves the
# machine as found: the trap stops only the pids this test started,
# removes rules by their audrift keys, and restores enabled and
# backlog_limit as they were.
. "$top_srcdir/tests/lib.sh"

AUDRIFT_INSECURE_RULES=1; export AUDRIFT_INSECURE_RULES
AUDRIFT_INSECURE_DB=1; export AUDRIFT_INSECURE_DB
APID=
AUDITD_PID=

# kernel status field $1 (enabled, pid, backlog_limit, lost)
kstat() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }

# the temp dir, the bin-like dir it watches, and a rules.d for it
live_setup() {
	T=$(mktemp -d /tmp/audrift-live.XXXXXX) || fail "mktemp"
	BIN=$T/bin
	mkdir -p "$BIN" "$T/rules.d"
	DB=$T/audrift.db
	cat > "$T/rules.d/50-live-test.rules" <<EOF
## live e2e: drift in a temporary bin-like directory
rule live_file_drift {
	desc "file changed in the test bin dir"
	severity high
	tags [test]
	when file.op in (write, create, chmod, chown, rename, unlink, link, symlink, utimes, truncate) and file.dir == "$BIN"
	output "%file.op %file.path by %proc.exe"
}
rule live_exec_drift {
	desc "exec from the test bin dir"
	severity critical
	tags [test]
	when file.op == exec and proc.exe startswith "$BIN/"
	output "exec %proc.exe"
}
EOF
	SAVED_ENABLED=$(kstat enabled)
	SAVED_BACKLOG=$(kstat backlog_limit)
	SAVED_PID=$(kstat pid)
	trap live_cleanup EXIT
	trap 'exit 1' INT TERM
}

live_cleanup() {
	if [ -n "$APID" ] && kill -0 "$APID" 2>/dev/null; then
		kill -TERM "$APID" 2>/dev/null
		sleep 2
		kill -KILL "$APID" 2>/dev/null
		wait "$APID" 2>/dev/null
	fi
	if [ -n "$AUDITD_PID" ] && kill -0 "$AUDITD_PID" 2>/dev/null; then
		kill -TERM "$AUDITD_PID" 2>/dev/null
		wait "$AUDITD_PID" 2>/dev/null
	fi
	# only audrift's rules, by key (a leftover means a failed test)
	auditctl -l 2>/dev/null | grep -q 'key=audrift-file' &&
	    auditctl -D -k audrift-file >/dev/null 2>&1
	auditctl -l 2>/dev/null | grep -q "key=audrift-file32" &&
	    auditctl -D -k audrift-file32 >/dev/null 2>&1
	auditctl -l 2>/dev/null | grep -q 'key=audrift-exec' &&
	    auditctl -D -k audrift-exec >/dev/null 2>&1
	auditctl -l 2>/dev/null | grep -q 'key=audrift-net' &&
	    auditctl -D -k audrift-net >/dev/null 2>&1
	[ -n "$SAVED_BACKLOG" ] && [ "$(kstat backlog_limit)" != "$SAVED_BACKLOG" ] &&
	    auditctl -b "$SAVED_BACKLOG" >/dev/null
	[ -n "$SAVED_ENABLED" ] && [ "$(kstat enabled)" != "$SAVED_ENABLED" ] &&
	    [ "$SAVED_ENABLED" != 2 ] && auditctl -e "$SAVED_ENABLED" >/dev/null
	[ -n "$T" ] && [ -z "$KEEP_T" ] && rm -rf "$T"
	return 0
}

# start audrift run in the background with the test's rules, DB and
# watch dir (none when BIN is empty: the rules' dirs only), plus any
# extra arguments; wait until it reports running
live_start() {
	audrift_bg --rules "$T/rules.d" ${BIN:+--watch-dir "$BIN"} "$@"
}

# audrift_bg ARGS...: audrift run --db $DB ARGS in the background (pid in
# APID, output in $T/out and $T/err); wait until it reports running
audrift_bg() {
	# emptied here: the child's own redirection may come after the
	# first grep below, which would then read an earlier run's lines
	: > "$T/out"
	: > "$T/err"
	"$AUDRIFT" run --db "$DB" "$@" > "$T/out" 2> "$T/err" &
	APID=$!
	i=0
	until grep -q 'running: source' "$T/err"; do
		kill -0 "$APID" 2>/dev/null || { cat "$T/err" >&2;
		    fail "audrift run exited at start"; }
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$T/err" >&2; fail "no start in 10 s"; }
		sleep 0.1
	done
}

# SIGTERM; must exit 0 within 2 s
live_stop() {
	kill -TERM "$APID"
	i=0
	while kill -0 "$APID" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 20 ] || fail "audrift run still alive 2 s after SIGTERM"
		sleep 0.1
	done
	wait "$APID"; rc=$?
	APID=
	[ "$rc" = 0 ] || { cat "$T/err" >&2; fail "audrift run exit status $rc"; }
}

now_ms() { date +%s%3N; }

# wait_row WHERE [timeout ms]: a findings row matching WHERE within the
# timeout (2 s by default); sets LAT to the ms it took
wait_row() {
	t0=$(now_ms)
	lim=${2:-2000}
	while :; do
		n=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE $1;" \
		    2>/dev/null)
		[ "${n:-0}" -gt 0 ] && break
		LAT=$(( $(now_ms) - t0 ))
		[ $LAT -le "$lim" ] || { cat "$T/err" >&2;
		    sqlite3 "$DB" "SELECT rule, op, path FROM findings;" >&2;
		    fail "no finding WHERE $1 within $lim ms"; }
		sleep 0.02
	done
	LAT=$(( $(now_ms) - t0 ))
}

# the machine as found: no audrift rule, status as saved
check_restored() {
	auditctl -l | grep -q 'audrift-' && fail "audrift rules left: $(auditctl -l)"
	[ "$(kstat enabled)" = "$SAVED_ENABLED" ] ||
	    fail "enabled $(kstat enabled), was $SAVED_ENABLED"
	[ "$(kstat backlog_limit)" = "$SAVED_BACKLOG" ] ||
	    fail "backlog_limit $(kstat backlog_limit), was $SAVED_BACKLOG"
	[ "$(kstat pid)" = "$SAVED_PID" ] ||
	    fail "audit pid $(kstat pid), was $SAVED_PID"
}
