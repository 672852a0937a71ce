# ctr-lib.sh - what the ctr-*.sh e2e tests share (sourced after
# live-lib.sh and e2e_begin): the podman preflight, podman without
# touching /etc (shared/notes/machine.md), audrift run with the shipped
# rules, and waiting for a container's audrift-ctr rules.

ctr_preflight() {
	command -v podman >/dev/null 2>&1 ||
		skip_kernel "podman not installed (scripts/deps installs podman runc busybox-static)"
	command -v runc >/dev/null 2>&1 || skip_kernel "runc not installed"
	[ -x /bin/busybox ] || skip_kernel "busybox-static not installed"
	[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered (pid $(kstat pid)); the daemon source needs none"
}

# cgroupfs, runc, no default ulimits (CAP_SYS_RESOURCE is missing here)
ctr_podman_conf() {
	cat > "$T/containers.conf" <<'EOF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
	CONTAINERS_CONF=$T/containers.conf; export CONTAINERS_CONF
}

# audrift run --source daemon with rules.d into $DB; APID its pid
ctr_start_audrift() {
	"$AUDRIFT" run --source daemon --rules "$top_srcdir/rules.d" \
	    --db "$DB" > "$T/out" 2> "$T/err" &
	APID=$!
	i=0
	until grep -q 'running: source' "$T/err"; do
		kill -0 "$APID" 2>/dev/null || { cat "$T/err" >&2; fail "audrift run exited at start"; }
		i=$((i + 1)); [ $i -lt 100 ] || fail "no start in 10 s"
		sleep 0.1
	done
}

# ctr_wait_rules MERGED: its audrift-ctr rules are in within 10 s
ctr_wait_rules() {
	t0=$(now_ms)
	until auditctl -l | grep 'key=audrift-ctr' | grep -q "dir=$1/usr/bin "; do
		[ $(( $(now_ms) - t0 )) -le 10000 ] || { cat "$T/err" >&2;
		    auditctl -l >&2;
		    fail "no audrift-ctr rules for $1 within 10 s"; }
		sleep 0.1
	done
}
