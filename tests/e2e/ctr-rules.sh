#!/bin/sh
# The shipped rules.d on real events (issue 7): real podman containers,
# audrift run --source daemon, findings asserted in SQLite.  For each
# rule a scenario where it must fire and a near miss where it must not.
# A near miss only counts when audrift saw its event: a witness rule
# (99-witness.rules, added beside a copy of rules.d) records every
# successful exec in a container and every exec of this test's tools on
# the host, so "no finding" is checked against a witnessed event.
#
#   shell_spawned_in_container: fires for `podman exec C sh` and for a
#     shell the entrypoint spawns; not for the entrypoint shell itself
#     (`sh -c` as the container's pid 1: proc.vpid 1).
#   package_manager_in_container: fires for /sbin/apk and /usr/bin/dpkg,
#     which in this busybox image are symlinks to busybox (no real package
#     manager runs here: the rule matches the name the kernel logs, comm,
#     so a file named like one is the fair scenario); not for busybox.
#   exec_from_tmp_in_container: fires for a binary copied to /tmp and to
#     /dev/shm (mounted exec here: podman's default shm is noexec) and
#     run; not for /bin/busybox, which is in the image.
#   drift_binary_executed_in_container: near miss, /bin/busybox (in the
#     image, lower layer); it fires for the /tmp copy (upper layer).
#   fileless_exec: memfd-exec.c (memfd_create + fexecve, built here with
#     the configured CC) on the host and in a container; not for the same
#     program's plain execv.
#   container_filesystem_write: quiet with the default set (disabled),
#     while a kernel rule of the test's own (key adtest-ctr) on the
#     container's /etc and /tmp gives it events outside the bin dirs; fires
#     with a local override (`rule ... += { enabled true }`), which makes
#     audrift watch the container's whole root itself: the test's rule is
#     removed first, so the findings come from audrift's own coverage; a
#     /tmp write is its near miss.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin
: "${CC:=cc}"
TSTART=$(now_ms)

# the tools, built for the host and for a busybox-only container (static:
# libc.a is in libc6-dev, glibc-static on RHEL; scripts/deps installs it)
mkdir -p "$T/tools"
$CC -static -O2 -Wall -Wextra -Werror -o "$T/tools/memfd-exec" "$top_srcdir/tests/e2e/memfd-exec.c" ||
	fail "cannot build memfd-exec.c with $CC -static"
cp /bin/busybox "$T/tools/busybox"

# the image: busybox plus files named like package managers
pm_names() {
	ln -s ../bin/busybox "$1/sbin/apk" && ln -s ../../bin/busybox "$1/usr/bin/dpkg"
}
IMG=localhost/audrift-test-rules:1
ctr_image "$IMG" pm_names

# the shipped rules, and the witness
mkdir -p "$T/default"
cp "$top_srcdir"/rules.d/*.rules "$T/default/"
cat > "$T/default/99-witness.rules" <<EOF
## ctr-rules e2e only: every exec the near misses rely on, seen
rule test_ctr_exec {
	desc "witness: exec in a container"
	severity info
	tags [test]
	when in_container and spawned_process
	output "exec %proc.exe vpid %proc.vpid"
}
rule test_host_exec {
	desc "witness: exec of the test's tools on the host"
	severity info
	tags [test]
	when not in_container and spawned_process and proc.exe startswith "$T/tools/"
	output "exec %proc.exe"
}
rule test_ctr_file {
	desc "witness: a file event in a container"
	severity info
	tags [test]
	when in_container and file.op in (write, create, truncate)
	output "%file.op %file.path"
}
EOF

# the test's own kernel rules on a container's /etc and /tmp
KEY=adtest-ctr
ktest_cleanup() {
	auditctl -l 2>/dev/null | grep -q "key=$KEY" &&
	    auditctl -D -k "$KEY" >/dev/null 2>&1
	return 0
}
CTR_EXTRA_CLEANUP=ktest_cleanup
ktest_add() {	# ktest_add MERGED-DIR
	for d in etc tmp; do
		auditctl -a always,exit -F arch=b64 -S open,openat,creat,truncate \
		    -F dir="$1/$d" -F perm=wa -k "$KEY" >/dev/null ||
		    fail "auditctl -a ... dir=$1/$d"
	done
}

E="rule='shell_spawned_in_container'"
audrift_start "$T/default"

# --- the entrypoint is a shell (pid 1 in the container) --------------
# it starts a workload shell when /tmp/go appears, then sleeps
t0=$(now_ms)
ctr_run C1 --tmpfs /dev/shm:rw,exec,size=16m -v "$T/tools:/opt/tools:ro" \
    "$IMG" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.2; done; sh -c "echo workload; true"; exec sleep 600'
P1=$(podman inspect -f '{{.State.Pid}}' "$C1")
ctr_wait_armed "$C1"
echo "C1 started, its rules in place: $(( $(now_ms) - t0 )) ms"
C="container_id='$C1'"
# the entrypoint's exec was seen, as pid 1 of the container ...
wait_row "rule='test_ctr_exec' AND $C AND pid=$P1 AND comm='sh' AND message LIKE '% vpid 1'" 5000
# ... and is no shell_spawned finding
no_row "$E AND $C AND pid=$P1" "the entrypoint shell (pid 1 in its container) fired"

# fire: a shell from podman exec (its parent is the runtime)
t0=$(now_ms)
podman exec "$C1" sh -c 'echo from-exec' >/dev/null || fail "podman exec sh"
wait_row "$E AND $C AND comm='sh' AND cmdline LIKE '%from-exec%'" 5000
echo "shell from podman exec: row ${LAT} ms after exec returned ($(( $(now_ms) - t0 )) ms in all)"
n=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE $E AND $C AND cmdline LIKE '%from-exec%' AND message NOT LIKE '%(pid 1 in%'")
[ "$n" -ge 1 ] || fail "exec shell finding without its pid in the container"

# fire: the entrypoint spawns a shell (the workload's sh -c)
podman exec "$C1" /bin/busybox touch /tmp/go || fail "podman exec touch"
# (busybox's shell runs it through /proc/self/exe: comm "exe", argv[0] sh)
wait_row "$E AND $C AND ppid=$P1 AND cmdline LIKE 'sh -c %workload%'" 5000
echo "shell spawned by the workload: row ${LAT} ms after the trigger"
# the trigger (busybox touch) is no shell, and the entrypoint still not
no_row "$E AND (cmdline NOT LIKE 'sh %' OR pid=$P1)" "a non-shell or the entrypoint fired"

# --- package managers ------------------------------------------------
podman exec "$C1" /sbin/apk add curl >/dev/null 2>&1	# busybox: applet not found
podman exec "$C1" /usr/bin/dpkg -i x.deb >/dev/null 2>&1
wait_row "rule='package_manager_in_container' AND $C AND comm='apk'" 5000
wait_row "rule='package_manager_in_container' AND $C AND comm='dpkg'" 5000
echo "package managers: rows within ${LAT} ms"
# near miss: busybox itself
podman exec "$C1" /bin/busybox echo near-miss-pm >/dev/null || fail "podman exec busybox"
wait_row "rule='test_ctr_exec' AND $C AND cmdline LIKE '%near-miss-pm%'" 5000
no_row "rule='package_manager_in_container' AND comm NOT IN ('apk', 'dpkg')" \
    "package_manager_in_container fired for a non-package-manager"

# --- exec from /tmp and /dev/shm; drift's near miss ------------------
podman exec "$C1" /bin/busybox cp /bin/busybox /tmp/true || fail "cp to /tmp"
podman exec "$C1" /bin/busybox cp /bin/busybox /dev/shm/true || fail "cp to /dev/shm"
podman exec "$C1" /tmp/true >/dev/null || fail "exec /tmp/true"
podman exec "$C1" /dev/shm/true >/dev/null || fail "exec /dev/shm/true"
wait_row "rule='exec_from_tmp_in_container' AND $C AND exe='/tmp/true'" 5000
wait_row "rule='exec_from_tmp_in_container' AND $C AND exe='/dev/shm/true'" 5000
echo "exec from /tmp and /dev/shm: rows within ${LAT} ms"
# the /tmp copy is in the upper layer: drift too
wait_row "rule='drift_binary_executed_in_container' AND $C AND exe='/tmp/true'" 5000
# near miss: /bin/busybox is in the image
podman exec "$C1" /bin/busybox echo near-miss-img >/dev/null || fail "podman exec busybox"
wait_row "rule='test_ctr_exec' AND $C AND exe='/bin/busybox' AND cmdline LIKE '%near-miss-img%'" 5000
PNM=$(sqlite3 "$DB" "SELECT pid FROM findings WHERE rule='test_ctr_exec' AND $C AND cmdline LIKE '%near-miss-img%' LIMIT 1")
no_row "rule IN ('exec_from_tmp_in_container', 'drift_binary_executed_in_container') AND pid=$PNM" \
    "an exec of the image's /bin/busybox fired"
no_row "rule IN ('exec_from_tmp_in_container', 'drift_binary_executed_in_container') AND exe='/bin/busybox'" \
    "an exec of the image's /bin/busybox fired"

# --- fileless exec, on the host and in the container -----------------
"$T/tools/memfd-exec" "$T/tools/busybox" true || fail "memfd-exec on the host"
wait_row "rule='fileless_exec' AND container_id IS NULL AND exe LIKE '/memfd:audrift-test%'" 5000
echo "fileless exec on the host: row in ${LAT} ms"
podman exec "$C1" /opt/tools/memfd-exec /bin/busybox true || fail "memfd-exec in the container"
wait_row "rule='fileless_exec' AND $C AND exe LIKE '/memfd:audrift-test%'" 5000
echo "fileless exec in the container: row in ${LAT} ms"
# near misses: the same program, a plain execv
"$T/tools/memfd-exec" -n "$T/tools/busybox" echo near-miss-host >/dev/null ||
	fail "memfd-exec -n on the host"
wait_row "rule='test_host_exec' AND exe='$T/tools/busybox' AND cmdline LIKE '%near-miss-host%'" 5000
podman exec "$C1" /opt/tools/memfd-exec -n /bin/busybox echo near-miss-ctr >/dev/null ||
	fail "memfd-exec -n in the container"
wait_row "rule='test_ctr_exec' AND $C AND exe='/bin/busybox' AND cmdline LIKE '%near-miss-ctr%'" 5000
no_row "rule='fileless_exec' AND pid IN (SELECT pid FROM findings WHERE cmdline LIKE '%near-miss-%')" \
    "a plain exec was taken for a fileless one"
no_row "rule='fileless_exec' AND exe NOT LIKE '/memfd:%'" "fileless_exec without a memfd"

# --- container_filesystem_write, default set: disabled ---------------
MERGED1=$(podman inspect -f '{{.GraphDriver.Data.MergedDir}}' "$C1")
ktest_add "$MERGED1"
podman exec "$C1" /bin/busybox touch /etc/written-default /usr/bin/written-default ||
	fail "podman exec touch"
wait_row "rule='test_ctr_file' AND $C AND path='/etc/written-default'" 5000
wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/written-default'" 5000
no_row "rule='container_filesystem_write'" "container_filesystem_write fired while disabled"
echo "container_filesystem_write: quiet with the default set"

# the other rules: no finding outside this test's containers and tools
no_row "rule NOT LIKE 'test_%' AND rule != 'fileless_exec' AND (container_id IS NULL OR container_id != '$C1')" \
    "findings outside the test's container"
live_stop
sqlite3 "$DB" "SELECT 'default set: ' || rule || ' ' || count(*) FROM findings GROUP BY rule ORDER BY rule;"
sqlite3 "$DB" "SELECT 'fileless_exec on: ' || exe || ' ' || coalesce(substr(container_id, 1, 12), 'host') FROM findings WHERE rule='fileless_exec' GROUP BY exe, container_id;"

# --- container_filesystem_write, enabled by a local override ---------
mkdir -p "$T/enabled"
cp "$T/default/"*.rules "$T/enabled/"
cat > "$T/enabled/70-local.rules" <<'EOF'
## this host: container_filesystem_write on (ctr-rules e2e)
rule container_filesystem_write += { enabled true }
EOF
DB=$T/enabled.db
audrift_start "$T/enabled"
# audrift's own rule on the container's whole root, then no test rule:
# removing a kernel rule that is not audrift's is no tampering (below)
ctr_wait_armed "$C1"
grep -q 'each container.s whole filesystem is watched' "$T/err" ||
	fail "no notice of the whole-root watch: $(cat "$T/err")"
ktest_cleanup
podman exec "$C1" /bin/busybox mkdir -p /srv/app || fail "podman exec mkdir"
podman exec "$C1" /bin/busybox touch /srv/app/written-enabled || fail "podman exec touch"
wait_row "rule='container_filesystem_write' AND $C AND path='/srv/app/written-enabled'" 5000
podman exec "$C1" /bin/busybox touch /etc/written-enabled /usr/bin/written-enabled ||
	fail "podman exec touch"
wait_row "rule='container_filesystem_write' AND $C AND path='/etc/written-enabled'" 5000
wait_row "rule='container_filesystem_write' AND $C AND path='/usr/bin/written-enabled'" 5000
echo "container_filesystem_write enabled: rows within ${LAT} ms"
# near miss: a write in /tmp, seen (the witness) but not reported
podman exec "$C1" /bin/busybox touch /tmp/written-enabled || fail "podman exec touch"
wait_row "rule='test_ctr_file' AND $C AND path='/tmp/written-enabled'" 5000
no_row "rule='container_filesystem_write' AND path LIKE '/tmp/%'" \
    "container_filesystem_write fired for /tmp"

# near misses of the two rules audrift raises itself: removing a kernel
# rule that is not audrift's (the test's, key adtest-ctr, above) is not
# tampering, and neither run lost events
sleep 1	# the kernel's remove_rule records are read and judged
no_row "rule IN ('audit_rules_tampered', 'audit_events_lost')" \
    "a foreign rule's removal or a quiet run was reported"
live_stop
DB=$T/audrift.db
no_row "rule IN ('audit_rules_tampered', 'audit_events_lost')" \
    "a foreign rule added, or a quiet run, was reported"

ctr_rm "$C1"
auditctl -l | grep -q "key=$KEY" && fail "test rules left: $(auditctl -l)"
check_restored
[ -z "$(podman ps -aq)" ] || fail "containers left: $(podman ps -a)"
echo "ctr-rules: $(( $(now_ms) - TSTART )) ms"
exit 0
