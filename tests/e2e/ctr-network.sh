#!/bin/sh
# Network drift on real podman containers (issue 14): audrift run
# --source daemon with the shipped rules.d, containers with --network
# none (loopback only: no other address is ever used here), findings
# asserted in SQLite.
#
#   listening_port_in_container: a listener opened long after the
#     container started is a finding with its port; one opened by the
#     entrypoint at start is not (the start-up grace, container_startup in
#     10-lists.rules, which this test sets to 3 s as a site can); nor is
#     one on a port the image declares (EXPOSE 7004: podman import
#     --change), while another port of the same container is.
#   reverse_shell_in_container and netcat_exec_in_container:
#     `nc 127.0.0.1 PORT -e /bin/sh` against a listener in the same
#     container; near miss: a shell from `podman exec` with ordinary
#     pipes.
#   The kernel rules for the network operations are per arch, with no
#     container in them: their count is the same before and after the
#     containers start.  A kernel that refuses -F saddr_fam (the seam
#     AUDRIFT_TEST_NO_SADDR_FAM=1) gets them without it, logged.
# A witness rule (99-witness.rules) records every listen in a container,
# so "no finding" is checked against an event audrift saw.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin

IMG=localhost/audrift-test:1
ctr_image "$IMG"
mkdir -p "$T/default"
cp "$top_srcdir"/rules.d/*.rules "$T/default/"
# the start-up grace, as a site changes it: 3 s instead of 30
sed -i 's/^macro container_startup = container.age < 30$/macro container_startup = container.age < 3/' \
    "$T/default/10-lists.rules"
grep -q 'container\.age < 3$' "$T/default/10-lists.rules" ||
    fail "10-lists.rules has no container_startup macro to change"
# an image that declares port 7004
IMGX=localhost/audrift-test-expose:1
if ! podman image exists "$IMGX"; then
	R=$T/xroot
	mkdir -p "$R/bin" "$R/tmp"
	cp /bin/busybox "$R/bin/" && ln -s busybox "$R/bin/sh"
	tar -C "$R" -cf "$T/x.tar" . &&
	    podman import -q --change 'EXPOSE 7004' "$T/x.tar" "$IMGX" >/dev/null ||
	    fail "cannot build $IMGX"
	rm -rf "$R" "$T/x.tar"
fi
podman image inspect -f '{{.Config.ExposedPorts}}' "$IMGX" | grep -q 7004 ||
    fail "$IMGX does not declare 7004: $(podman image inspect -f '{{.Config.ExposedPorts}}' "$IMGX")"
cat > "$T/default/99-witness.rules" <<'EOF2'
## ctr-network e2e only: every listen in a container, seen
rule test_ctr_listen {
	desc "witness: listen in a container"
	severity info
	tags [test]
	when in_container and net.op == listen
	output "listen %net.addr %net.port"
}
EOF2
audrift_start "$T/default"
nnet=$(auditctl -l | grep -c 'key=audrift-net')
[ "$nnet" -ge 2 ] || fail "no network kernel rules: $(auditctl -l | grep audrift-net)"
auditctl -l | grep -q -- '-S bind -F saddr_fam!=1 -F saddr_fam!=16' ||
    fail "the bind rule lacks its saddr_fam filter: $(auditctl -l | grep audrift-net)"

# the entrypoint listens on 7001 at start, then sleeps
t0=$(now_ms)
ctr_run C1 "$IMG" sh -c 'sleep 600 | busybox nc -l -p 7001 & exec sleep 600'
ctr_wait_armed "$C1"
C="container_id='$C1'"
wait_row "rule='test_ctr_listen' AND $C AND net_port=7001" 5000
echo "listener at start: seen ${LAT} ms after the wait"
no_row "rule='listening_port_in_container' AND $C AND net_port=7001" \
    "the entrypoint's listener at start was reported"
# what follows is past the grace
sleep 3

# a listener opened later, by podman exec: a finding with its port
podman exec -d "$C1" sh -c 'sleep 600 | busybox nc -l -p 7002' >/dev/null ||
    fail "podman exec nc -l"
wait_row "rule='listening_port_in_container' AND $C AND net_op='listen' AND net_port=7002 AND net_addr IN ('0.0.0.0', '::')" 5000
echo "listener later: row ${LAT} ms after podman exec returned"
wait_row "rule='test_ctr_listen' AND $C AND net_port=7002 AND message LIKE '%7002%'" 1000

# a reverse shell: nc -e /bin/sh to a listener in the same container
podman exec -d "$C1" sh -c 'sleep 600 | busybox nc -l -p 7003 >/dev/null' >/dev/null ||
    fail "podman exec nc -l 7003"
wait_row "rule='test_ctr_listen' AND $C AND net_port=7003" 5000
t0=$(now_ms)
podman exec -d "$C1" busybox nc 127.0.0.1 7003 -e /bin/sh >/dev/null ||
    fail "podman exec nc -e"
wait_row "rule='netcat_exec_in_container' AND $C AND cmdline LIKE 'busybox nc 127.0.0.1 7003 -e /bin/sh'" 5000
echo "netcat -e: row in ${LAT} ms"
wait_row "rule='reverse_shell_in_container' AND $C AND net_addr='127.0.0.1' AND net_port=7003" 5000
echo "reverse shell: row $(( $(now_ms) - t0 )) ms after podman exec returned"
sqlite3 "$DB" "SELECT 'reverse shell: ' || syscall || ' ' || comm || ' fd to ' || net_addr || ':' || net_port FROM findings WHERE rule='reverse_shell_in_container' AND $C"

# near miss: a shell from podman exec with ordinary pipes
podman exec "$C1" sh -c 'echo near-miss-pipes | cat' >/dev/null || fail "podman exec sh"
wait_row "rule='shell_spawned_in_container' AND $C AND cmdline LIKE '%near-miss-pipes%'" 5000
no_row "rule='reverse_shell_in_container' AND cmdline LIKE '%near-miss-pipes%'" \
    "a shell with ordinary pipes was a reverse shell"

# a second container, from the image that declares 7004: past the grace,
# a listener on 7004 is not a finding, one on 7005 is
ctr_run C2 "$IMGX" sh -c "exec sleep 600"
ctr_wait_armed "$C2"
sleep 3
podman exec -d "$C2" sh -c 'sleep 600 | busybox nc -l -p 7004' >/dev/null ||
    fail "podman exec nc -l 7004"
podman exec -d "$C2" sh -c 'sleep 600 | busybox nc -l -p 7005' >/dev/null ||
    fail "podman exec nc -l 7005"
wait_row "rule='listening_port_in_container' AND container_id='$C2' AND net_port=7005" 5000
wait_row "rule='test_ctr_listen' AND container_id='$C2' AND net_port=7004" 5000
no_row "rule='listening_port_in_container' AND container_id='$C2' AND net_port=7004" \
    "a listener on the port the image declares was reported"
echo "exposed port 7004: not reported; 7005 in the same container: reported"

# the network rules did not grow with the containers
[ "$(auditctl -l | grep -c 'key=audrift-net')" = "$nnet" ] ||
    fail "network kernel rules grew with the containers: $(auditctl -l | grep audrift-net)"
no_row "rule IN ('reverse_shell_in_container', 'netcat_exec_in_container') AND (container_id IS NULL OR container_id != '$C1')" \
    "network findings outside the test's container"
no_row "rule='listening_port_in_container' AND (container_id IS NULL OR container_id NOT IN ('$C1', '$C2'))" \
    "network findings outside the test's container"
no_row "rule='outbound_connection_from_container'" "the disabled outbound rule fired"
live_stop
grep 'network:' "$T/err" || fail "no network summary at exit"
# audrift containers: the ports audrift saw C1 and C2 listening on
"$AUDRIFT" containers --rules "$T/default" --db "$DB" > "$T/ctrs" 2>&1 ||
    { cat "$T/ctrs"; fail "audrift containers"; }
# (the witness rule records every listen, so every port is there)
grep "$(echo "$C1" | cut -c1-12)" "$T/ctrs" | grep -q ' 7001,7002,7003 ' ||
    { cat "$T/ctrs"; fail "audrift containers: C1's listening ports not shown"; }
grep "$(echo "$C2" | cut -c1-12)" "$T/ctrs" | grep -q ' 7004,7005 ' ||
    { cat "$T/ctrs"; fail "audrift containers: C2's listening ports not shown"; }
grep -E '^(RUNTIME|podman)' "$T/ctrs"
sqlite3 "$DB" "SELECT 'findings: ' || rule || ' ' || count(*) FROM findings GROUP BY rule ORDER BY rule;"
ctr_rm "$C1"
ctr_rm "$C2"
check_restored

# a kernel that refuses -F saddr_fam (before 5.3; the seam makes install
# see its EINVAL): logged, the same rules without it, no tamper
AUDRIFT_TEST_NO_SADDR_FAM=1; export AUDRIFT_TEST_NO_SADDR_FAM
audrift_start "$T/default"
unset AUDRIFT_TEST_NO_SADDR_FAM
grep -q 'the kernel refused -F saddr_fam' "$T/err" ||
    { cat "$T/err"; fail "no log line for the saddr_fam fallback"; }
auditctl -l | grep 'key=audrift-net' | grep -q saddr_fam &&
    fail "saddr_fam installed after the refusal: $(auditctl -l | grep audrift-net)"
auditctl -l | grep -q -- '-S bind -F key=audrift-net' ||
    fail "no bind rule after the fallback: $(auditctl -l | grep audrift-net)"
[ "$(auditctl -l | grep -c 'key=audrift-net')" = "$nnet" ] ||
    fail "the fallback changed the number of network rules"
sleep 2		# a rule check or two: the fallback rules are ours
no_row "rule='audit_rules_tampered'" "the fallback rules were taken for tampering"
live_stop
check_restored
echo "ctr-network: listen (not at start, not an exposed port), reverse shell, netcat -e in a container; near misses quiet; $nnet network kernel rules"
