# bench/lib.sh - shared by bench/gen-log.sh and scripts/bench: the kernel
# audit state saved and restored, auditd from a private config dir, the
# benchmark's own kernel rules (key audrift-bench), podman without /etc.
# Callers hold /tmp/audrift-kernel.lock while they use the kernel, set
# BT (their temp dir) and call bench_restore from their EXIT trap.

. "$(dirname "${BASH_SOURCE[0]}")/../scripts/podman-conf.sh"

BENCH_KEY=audrift-bench
AUDITD_PID=
BENCH_CIDS=

kstat() { auditctl -s | awk -v k="$1" '$1 == k { print $2; exit }'; }

# remember enabled/backlog_limit; refuse an immutable or owned channel
bench_save() {
	SAVED_ENABLED=$(kstat enabled)
	SAVED_BACKLOG=$(kstat backlog_limit)
	[ "$SAVED_ENABLED" != 2 ] || { echo "bench: audit is immutable (enabled 2)" >&2; return 1; }
	[ "$(kstat pid)" = 0 ] || { echo "bench: an audit daemon is registered (pid $(kstat pid))" >&2; return 1; }
}

# only what the benchmark started, by pid and id; only its rules, by key
bench_restore() {
	local c
	stop_pid "$AUDITD_PID"; AUDITD_PID=
	for c in $BENCH_CIDS; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
	BENCH_CIDS=
	auditctl -l 2>/dev/null | grep -q "key=$BENCH_KEY" &&
	    auditctl -D -k "$BENCH_KEY" >/dev/null 2>&1
	[ -n "${SAVED_BACKLOG:-}" ] && [ "$(kstat backlog_limit)" != "$SAVED_BACKLOG" ] &&
	    auditctl -b "$SAVED_BACKLOG" >/dev/null
	[ -n "${SAVED_ENABLED:-}" ] && [ "$SAVED_ENABLED" != 2 ] &&
	    [ "$(kstat enabled)" != "$SAVED_ENABLED" ] &&
	    auditctl -e "$SAVED_ENABLED" >/dev/null
	return 0
}

# stop_pid PID: TERM, wait up to 5 s, then KILL; a pid we started
stop_pid() {
	local i=0
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
	kill -TERM "$1" 2>/dev/null
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	return 0
}

# wait_audit_pid PID: until the kernel names PID as its audit daemon
wait_audit_pid() {
	local i=0
	until [ "$(kstat pid)" = "$1" ]; do
		kill -0 "$1" 2>/dev/null || return 1
		i=$((i + 1)); [ $i -lt 100 ] || return 1
		sleep 0.1
	done
}

# bench_rules WATCHDIR...: audrift's own kernel rules for these dirs
# (what `audrift run --watch-dir` installs), under the benchmark's key
bench_rules() {
	local a=
	for d in "$@"; do a="$a --watch-dir $d"; done
	# the anchor dir's rules need it to exist (audrift run makes it the
	# same way; on a fresh machine nothing has yet)
	mkdir -p -m 0755 /run/audrift && mkdir -p -m 0700 /run/audrift/containers
	# shellcheck disable=SC2086
	"$AUDRIFT" rules $a 2>/dev/null | grep '^-a' |
	    sed "s/-k audrift-[a-z]*/-k $BENCH_KEY/" > "$BT/bench.rules"
	auditctl -R "$BT/bench.rules" >/dev/null
}

# start_auditd DIR: auditd writing DIR/audit.log (RAW), no plugins
start_auditd() {
	local c=$1
	mkdir -p "$c/plugins"
	rm -f "$c/audit.log"*
	awk -v logf="$c/audit.log" -v pd="$c/plugins" '
		BEGIN { want["log_file"] = logf; want["log_format"] = "RAW"
			want["plugin_dir"] = pd; want["flush"] = "incremental_async"
			want["freq"] = "50"; want["write_logs"] = "yes"
			want["max_log_file"] = "4096"; want["num_logs"] = "2"
			want["max_log_file_action"] = "ignore"
			want["space_left_action"] = "ignore"
			want["admin_space_left_action"] = "ignore"
			want["disk_full_action"] = "ignore" }
		{ split($0, f, /[ \t]*=[ \t]*/); k = f[1]; gsub(/^[ \t]+/, "", k)
		  if (k in want) { print k " = " want[k]; seen[k] = 1; next } print }
		END { for (k in want) if (!(k in seen)) print k " = " want[k] }
	' /etc/audit/auditd.conf > "$c/auditd.conf"
	chmod 0640 "$c/auditd.conf"
	auditd -n -c "$c" > "$c/auditd.out" 2>&1 &
	AUDITD_PID=$!
	wait_audit_pid "$AUDITD_PID" || { cat "$c/auditd.out" >&2; return 1; }
}

# podman without touching /etc (shared notes); a busybox image built
# locally: no registry is needed
podman_setup() {
	podman_conf "$BT"
	IMG=localhost/audrift-test:1
	podman image exists "$IMG" && return 0
	local r=$BT/imgroot
	mkdir -p "$r/bin" "$r/usr/bin" "$r/sbin" "$r/usr/sbin" "$r/tmp"
	cp /bin/busybox "$r/bin/" && ln -s busybox "$r/bin/sh" &&
	    tar -C "$r" -cf "$BT/root.tar" . &&
	    podman import -q "$BT/root.tar" "$IMG" >/dev/null
	rm -rf "$r" "$BT/root.tar"
}

# audrift_up RULES-DIR DB: audrift run --source daemon in the background
# (pid in APID, output in $BT/run.out and run.err) until it runs
audrift_up() {
	"$AUDRIFT" run --source daemon --rules "$1" --db "$2" --insecure-db \
	    > "$BT/run.out" 2> "$BT/run.err" &
	APID=$!
	until grep -q 'running: source' "$BT/run.err"; do
		kill -0 "$APID" 2>/dev/null || { cat "$BT/run.err" >&2; exit 1; }
		sleep 0.05
	done
}
