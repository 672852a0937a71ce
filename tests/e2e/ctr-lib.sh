# tests/e2e/ctr-lib.sh - shared by the ctr-*.sh tests (audrift run on
# the real kernel with real podman containers).  Sourced instead of
# live-lib.sh, which it sources.  Containers are started through ctr_run
# and removed by id (ctr_rm, or the EXIT trap); podman runs without
# touching /etc (shared/notes/machine.md: cgroupfs, runc, no default
# ulimits since CAP_SYS_RESOURCE is missing here).
. "$top_srcdir/tests/e2e/live-lib.sh"
. "$top_srcdir/scripts/podman-conf.sh"

CIDS=

# ctr_begin: the checks every container test makes, live_setup, the EXIT
# trap, and podman's configuration.  Skips (exit 77) when the real kernel
# or podman is not there.
ctr_begin() {
	[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
	command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
	e2e_begin
	command -v podman >/dev/null 2>&1 ||
	    skip_kernel "podman not installed (scripts/deps installs podman runc busybox-static)"
	command -v runc >/dev/null 2>&1 || skip_kernel "runc not installed"
	[ -x /bin/busybox ] || skip_kernel "busybox-static not installed"
	[ "$(kstat pid)" = 0 ] ||
	    skip "an audit daemon is registered (pid $(kstat pid)); the daemon source needs none"
	live_setup
	trap ctr_cleanup EXIT
	podman_conf "$T"
}

ctr_cleanup() {
	for c in $CIDS; do
		podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	auditctl -l 2>/dev/null | grep -q 'key=audrift-ctr' &&
	    auditctl -D -k audrift-ctr >/dev/null 2>&1
	[ -n "$CTR_EXTRA_CLEANUP" ] && $CTR_EXTRA_CLEANUP
	live_cleanup
}

# ctr_image NAME [HOOK]: a tiny local image from busybox-static (no
# registry is reachable here), built once; HOOK, a function, is called
# with the root dir to add to it.  Change NAME's tag when HOOK changes.
ctr_image() {
	podman image exists "$1" && return 0
	R=$T/imgroot
	mkdir -p "$R/bin" "$R/usr/bin" "$R/sbin" "$R/usr/sbin" "$R/tmp"
	cp /bin/busybox "$R/bin/" && ln -s busybox "$R/bin/sh" ||
	    fail "cannot build $1 from busybox-static"
	[ -z "$2" ] || "$2" "$R" || fail "cannot build $1: $2"
	tar -C "$R" -cf "$T/root.tar" . &&
	    podman import -q "$T/root.tar" "$1" >/dev/null ||
	    fail "cannot build $1 from busybox-static"
	rm -rf "$R" "$T/root.tar"
}

# ctr_run VAR PODMAN-RUN-ARGS...: podman run -d --network none ...; the
# container's full id goes into VAR and onto the cleanup list
ctr_run() {
	_v=$1; shift
	_id=$(podman run -d --network none "$@") || fail "podman run $*"
	echo "$_id" | grep -Eq '^[0-9a-f]{64}$' || fail "container id '$_id'"
	CIDS="$CIDS $_id"
	eval "$_v=\$_id"
}

# ctr_rm ID: remove one container now, and from the cleanup list
ctr_rm() {
	podman rm -f -t 0 "$1" >/dev/null || fail "podman rm $1"
	CIDS=$(echo "$CIDS" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' ')
}

# audrift_start RULES-DIR: audrift run --source daemon with those rules
# and $DB; waits until it says it runs
audrift_start() { audrift_bg --source daemon --rules "$1"; }

# wait_armed ID [WHAT]: audrift's log says "container <id> (WHAT) armed"
# (WHAT a grep pattern for "name, runtime"; any by default) within 10 s;
# sets LAT
wait_armed() {
	_s=$(echo "$1" | cut -c1-12)
	t0=$(now_ms)
	until grep -q "container $_s (${2:-.*}) armed" "$T/err"; do
		[ $(( $(now_ms) - t0 )) -le 10000 ] || { cat "$T/err" >&2;
		    fail "container $_s (${2:-any}) not armed within 10 s"; }
		sleep 0.02
	done
	LAT=$(( $(now_ms) - t0 ))
}

# ctr_wait_armed ID: wait_armed for a podman container; sets MERGED too
ctr_wait_armed() {
	MERGED=$(podman inspect -f '{{.GraphDriver.Data.MergedDir}}' "$1")
	wait_armed "$1"
}

# ctr_rule_count: how many audrift-ctr kernel rules there are
ctr_rule_count() { auditctl -l | grep -c 'key=audrift-ctr'; }

# nrows WHERE: how many findings rows match
nrows() { sqlite3 "$DB" "SELECT count(*) FROM findings WHERE $1;"; }

# no_row WHERE WHY: fail when any findings row matches
no_row() {
	_n=$(nrows "$1")
	[ "$_n" = 0 ] || fail "$2: $_n row(s): $(sqlite3 "$DB" \
	    "SELECT rule, pid, exe, path, cmdline FROM findings WHERE $1;")"
}
