# tests/e2e/action-lib.sh - shared by the action-*.sh tests (issue 16):
# audrift run on the real kernel with real podman containers and site
# rules that carry actions.  Sourced instead of ctr-lib.sh, which it
# sources.
#
# The marker program is busybox copied into the image as /usr/bin/marker
# (an image file, so no drift rule fires on it), run as `sh` (busybox
# picks the applet by argv[0]) with a loop that writes a counter into the
# container's /counter-NAME.  The counter is read from the container's
# upper dir on the host: `podman exec` into a frozen container blocks.
. "$top_srcdir/tests/e2e/ctr-lib.sh"

IMG=localhost/audrift-action:1

action_img_hook() { cp /bin/busybox "$1/usr/bin/marker"; }

# action_begin ACTION: ctr_begin, the image, and a rules.d where rule
# marker_exec (an exec of /usr/bin/marker in a container) carries ACTION
# through a site override (rule += { action ... }), as a site would add it
action_begin() {
	ctr_begin
	trap 'action_thaw_all; ctr_cleanup' EXIT
	ctr_image "$IMG" action_img_hook
	mkdir -p "$T/act.d"
	cat > "$T/act.d/30-test.rules" <<'EOF'
## action e2e: the marker program started in a container
rule marker_exec {
	desc "the test's marker program ran in a container"
	severity high
	when file.op == exec and proc.exe == "/usr/bin/marker" and container.id exists
	output "marker in %container.id pid %proc.pid"
}
EOF
	cat > "$T/act.d/70-local.rules" <<EOF
rule marker_exec += { action $1 }
EOF
	"$AUDRIFT" check --rules "$T/act.d" > "$T/check" ||
	    fail "the test rules do not load: $(cat "$T/check")"
	grep -q "marker_exec .*action $1 .*70-local.rules" "$T/check" ||
	    fail "audrift check does not list the action: $(cat "$T/check")"
}

# upper ID: the container's overlay upper dir on the host
upper() { podman inspect -f '{{.GraphDriver.Data.UpperDir}}' "$1"; }

# marker ID NAME: start the marker in container ID; it writes
# /counter-NAME every 50 ms, if an action lets it (it may be frozen or
# killed before its first write)
marker() {
	podman exec -d "$1" /bin/sh -c \
	    "exec -a sh /usr/bin/marker -c 'i=0; while :; do i=\$((i+1)); echo \$i > /counter-$2; usleep 50000; done'" ||
	    fail "podman exec marker in $1"
}

# other ID NAME: the container's workload: the same loop under
# /bin/busybox (no rule matches it); waits (5 s) for its first write
other() {
	podman exec -d "$1" /bin/sh -c \
	    "i=0; while :; do i=\$((i+1)); echo \$i > /counter-$2; usleep 50000; done" ||
	    fail "podman exec other loop in $1"
	_f=$(upper "$1")/counter-$2
	_t0=$(now_ms)
	until [ -s "$_f" ]; do
		[ $(( $(now_ms) - _t0 )) -le 5000 ] || fail "loop $2 in $1 does not count"
		sleep 0.05
	done
}

# counter ID NAME: its value now; 0 before the first write.  The loop's
# `echo > file` truncates before it writes, so a read can fall between
# the two and see an empty file: such a read is tried again (up to 0.5 s,
# for a loop frozen or killed right there, which then reads 0).
counter() {
	_cf=$(upper "$1")/counter-$2
	_ci=0
	while [ "$_ci" -lt 50 ]; do
		_cv=$(cat "$_cf" 2>/dev/null) || { echo 0; return; }
		case $_cv in
		''|*[!0-9]*) ;;
		*) echo "$_cv"; return ;;
		esac
		_ci=$((_ci + 1))
		sleep 0.01
	done
	echo 0
}

# moving ID NAME: 0 when the counter moves within 1 s
moving() {
	_a=$(counter "$1" "$2")
	_t0=$(now_ms)
	while [ $(( $(now_ms) - _t0 )) -le 1000 ]; do
		sleep 0.1
		[ "$(counter "$1" "$2")" != "$_a" ] && return 0
	done
	return 1
}

# still ID NAME: 0 when the counter does not move for 1 s
still() { ! moving "$1" "$2"; }

# arows WHERE: actions rows matching
arows() { sqlite3 "$DB" "SELECT count(*) FROM actions WHERE $1;"; }

# wait_action WHERE MS: an actions row within MS ms (its why in WHY)
wait_action() {
	_t0=$(now_ms)
	until [ "$(arows "$1" 2>/dev/null)" -gt 0 ] 2>/dev/null; do
		[ $(( $(now_ms) - _t0 )) -le "$2" ] || { cat "$T/err" >&2;
		    sqlite3 "$DB" "SELECT * FROM actions;" >&2;
		    fail "no actions row $1 within $2 ms"; }
		sleep 0.05
	done
	WHY=$(sqlite3 "$DB" "SELECT why FROM actions WHERE $1 LIMIT 1;")
	# the action's own latency: decision time - event time, in ms
	ALAT=$(sqlite3 "$DB" "SELECT CAST(round((julianday(time) - julianday(event_time)) * 86400000) AS INTEGER) FROM actions WHERE $1 LIMIT 1;")
}

# action_end: no container left behind, audit restored
action_end() {
	for c in $CIDS; do ctr_rm "$c"; done
	[ -z "$APID" ] || live_stop
	check_restored
}

# On any exit: thaw what a test froze (by the cgroup paths, not through
# audrift), so that podman rm can end it.
action_thaw_all() {
	for c in $CIDS; do
		for f in /sys/fs/cgroup/freezer/libpod_parent/libpod-$c/freezer.state; do
			[ -w "$f" ] && echo THAWED > "$f"
		done
		for f in /sys/fs/cgroup/unified/libpod_parent/libpod-$c/cgroup.freeze; do
			[ -w "$f" ] && echo 0 > "$f"
		done
	done 2>/dev/null
	return 0
}
