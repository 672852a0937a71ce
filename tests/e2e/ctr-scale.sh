#!/bin/sh
# Containers at scale (issue 12), real kernel, real podman:
#   - a container started BEFORE audrift, with a binary dropped into its
#     /usr/bin before audrift ran: reported on discovery as
#     after_the_fact, with the container's id and image; then the seven
#     operations inside it are findings; a container that changed its
#     /usr/bin and exited before audrift started is reported too; audrift
#     restarted reports what changed while it was down, not again what
#     it reported before;
#   - 50 containers started at once (N_AT_ONCE), each armed, and the
#     kernel rule count the same at 0 and at 50 containers;
#   - a container whose entrypoint writes /usr/bin and exits within
#     100 ms, and one removed while its event is in flight: attributed;
#   - SIGTERM with them running: gone and the kernel as found in 2 s.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin
IMG=localhost/audrift-test:1
ctr_image "$IMG"
N=${N_AT_ONCE:-50}
mkdir "$T/shipped.d" && cp "$top_srcdir"/rules.d/*.rules "$T/shipped.d/" ||
	fail "cannot copy rules.d"

# --- before audrift: a change made while nothing watched ---------------
ctr_run C0 "$IMG" /bin/busybox sleep 600
podman exec "$C0" /bin/busybox cp /bin/busybox /usr/bin/planted ||
	fail "podman exec (before audrift)"
# ... and one that changed its /usr/bin and exited (not removed)
ctr_run S0 "$IMG" /bin/busybox cp /bin/busybox /usr/bin/dropped-stopped
podman wait "$S0" >/dev/null || fail "podman wait"
audrift_start "$T/shipped.d"
R0=$(ctr_rule_count); K0=$(auditctl -l | grep -c 'key=audrift-')
ctr_wait_armed "$C0"
C="container_id='$C0'"
wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/planted' AND attribution='after_the_fact' AND image LIKE '%audrift-test%'" 5000
echo "found after the fact: /usr/bin/planted, ${LAT} ms after arming"
wait_row "rule='essential_binary_modified_in_container' AND container_id='$S0' AND path='/usr/bin/dropped-stopped' AND attribution='after_the_fact' AND image LIKE '%audrift-test%'" 5000
grep -q "container(s) not running found in the runtimes' state" "$T/err" ||
	fail "no notice of the stopped containers: $(cat "$T/err")"
echo "a container stopped before audrift started: its /usr/bin/dropped-stopped found after the fact"
grep -q "container ${C0%${C0#????????????}}: 1 change(s) in its upper layer" "$T/err" ||
	fail "no notice of the change found after the fact: $(cat "$T/err")"
# ... and the seven operations, live, in the container started before
podman exec "$C0" /bin/busybox sh -c 'B=/bin/busybox; $B cp /bin/busybox /usr/bin/evil; $B chmod 700 /usr/bin/evil; $B chown 1:1 /usr/bin/evil; $B touch -d 2001-01-01 /usr/bin/evil; $B ln /usr/bin/evil /usr/bin/evil2; $B mv /usr/bin/evil2 /usr/bin/evil3; $B rm /usr/bin/evil3' ||
	fail "podman exec (seven)"
for w in "op='create' AND path='/usr/bin/evil'" "op='chmod' AND path='/usr/bin/evil'" \
    "op='chown' AND path='/usr/bin/evil'" "op='utimes' AND path='/usr/bin/evil'" \
    "op='link' AND (path='/usr/bin/evil2' OR path2='/usr/bin/evil2')" \
    "op='rename' AND path2='/usr/bin/evil3'" "op='unlink' AND path='/usr/bin/evil3'"; do
	wait_row "rule='essential_binary_modified_in_container' AND $C AND attribution != 'after_the_fact' AND $w" 5000
done
echo "the seven operations in the container started before audrift: found"
# what was live is not reported again as after the fact
[ "$(nrows "$C AND attribution='after_the_fact'")" = 1 ] ||
	fail "after_the_fact rows: $(sqlite3 "$DB" "SELECT path FROM findings WHERE $C AND attribution='after_the_fact';")"

# --- audrift restarted: what the upper layer still shows from before is
# not reported again (evil); what changed while it was down is: a new
# file, and planted changed in place with its size, mode, owner and
# mtime kept (touch -r): only its ctime, which the kernel sets, tells
live_stop
podman exec "$C0" /bin/busybox cp /bin/busybox /usr/bin/while-down ||
	fail "podman exec (audrift down)"
podman exec "$C0" /bin/busybox sh -c 'B=/bin/busybox; $B touch -r /usr/bin/planted /tmp/ref &&
    $B dd if=/dev/zero of=/usr/bin/planted bs=1 count=1 seek=100 conv=notrunc 2>/dev/null &&
    $B touch -r /tmp/ref /usr/bin/planted' || fail "podman exec (planted forged)"
late0=$(nrows "$C AND attribution='after_the_fact'")
audrift_start "$T/shipped.d"
ctr_wait_armed "$C0"
wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/while-down' AND attribution='after_the_fact'" 5000
wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/planted' AND attribution='after_the_fact' AND id > (SELECT min(id) FROM findings WHERE $C AND path='/usr/bin/planted' AND attribution='after_the_fact')" 5000
[ "$(nrows "$C AND attribution='after_the_fact'")" = $((late0 + 2)) ] ||
	fail "after audrift restarted, after_the_fact rows: $(sqlite3 "$DB" "SELECT path FROM findings WHERE $C AND attribution='after_the_fact';")"
i=0
until grep -q "container ${S0%${S0#????????????}}: 1 change(s) in its upper layer reported before" "$T/err"; do
	i=$((i + 1)); [ $i -le 100 ] || fail "the stopped container's change was not looked up again: $(grep "${S0%${S0#????????????}}" "$T/err")"
	sleep 0.05
done
[ "$(nrows "container_id='$S0' AND attribution='after_the_fact'")" = 1 ] ||
	fail "the stopped container's change reported again after the restart"
grep -q "container ${C0%${C0#????????????}}: 1 change(s) in its upper layer reported before, by an earlier run (not again)" "$T/err" ||
	fail "no notice of the change known from the earlier run: $(grep 'upper layer' "$T/err")"
echo "audrift restarted: /usr/bin/while-down and the forged /usr/bin/planted found after the fact, evil (reported before) not again"

# a restart usually unmounts the root and mounts it again (the mount id
# and the device may both be reused: audrift tells them apart by the
# kernel's unique mount id), unless podman's cleanup has not unmounted it
# yet when the start comes (then it is the same, joined mount): covered
# either way
n0=$(grep -c "container ${C0%${C0#????????????}} (.*) armed" "$T/err")
podman restart -t 0 "$C0" >/dev/null || fail "podman restart"
podman exec "$C0" /bin/busybox touch /usr/bin/after-restart || fail "podman exec (restart)"
wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/after-restart' AND attribution != 'after_the_fact'" 5000
echo "restarted: covered (armed $(( $(grep -c "container ${C0%${C0#????????????}} (.*) armed" "$T/err") - n0 )) more time(s))"

# --- N containers at once ------------------------------------------------
t0=$(now_ms)
seq "$N" | xargs -P 8 -I{} podman run -d --network none "$IMG" \
    /bin/busybox sleep 600 > "$T/many.ids" 2> "$T/many.err" ||
	{ CIDS="$CIDS $(cat "$T/many.ids")"; fail "podman run x$N: $(cat "$T/many.err")"; }
CIDS="$CIDS $(tr '\n' ' ' < "$T/many.ids")"
[ "$(wc -l < "$T/many.ids")" = "$N" ] || fail "$N containers wanted, $(wc -l < "$T/many.ids") started"
for id in $(cat "$T/many.ids"); do
	s=$(echo "$id" | cut -c1-12)
	until grep -q "container $s (.*) armed" "$T/err"; do
		[ $(( $(now_ms) - t0 )) -le 60000 ] || fail "container $s not armed within 60 s"
		sleep 0.05
	done
done
echo "$N containers started at once, each armed, in $(( $(now_ms) - t0 )) ms"
[ "$(ctr_rule_count)" = "$R0" ] && [ "$(auditctl -l | grep -c 'key=audrift-')" = "$K0" ] ||
	fail "kernel rules: $(auditctl -l | grep -c 'key=audrift-') with $N containers, $K0 with 1"
echo "kernel rules: $K0 with 1 container, $(auditctl -l | grep -c 'key=audrift-') with $((N + 1))"
# one of them, chosen at random, is covered
pick=$(shuf -n 1 "$T/many.ids")
podman exec "$pick" /bin/busybox touch /usr/sbin/among-many || fail "podman exec"
wait_row "rule='essential_binary_modified_in_container' AND container_id='$pick' AND path='/usr/sbin/among-many'" 5000

# --- gone within 100 ms; removed with its event in flight ---------------
ctr_run Q "$IMG" /bin/busybox touch /usr/bin/quick
podman wait "$Q" >/dev/null
ctr_rm "$Q"
wait_row "rule='essential_binary_modified_in_container' AND container_id='$Q' AND path='/usr/bin/quick'" 5000
echo "a container gone at once: attributed by $(sqlite3 "$DB" "SELECT attribution FROM findings WHERE container_id='$Q' AND path='/usr/bin/quick';")"
ctr_run F "$IMG" /bin/busybox sh -c 'cp /bin/busybox /usr/bin/inflight; exec -a true /usr/bin/inflight'
ctr_rm "$F"	# at once: the container and its overlay go while its records wait
wait_row "rule='essential_binary_modified_in_container' AND container_id='$F' AND path='/usr/bin/inflight'" 5000
wait_row "rule='drift_binary_executed_in_container' AND container_id='$F'" 5000
echo "removed while in flight: attributed"

# --- SIGTERM with them all running --------------------------------------
t0=$(now_ms)
live_stop
echo "SIGTERM with $((N + 1)) containers: gone in $(( $(now_ms) - t0 )) ms"
check_restored
no_row "rule='audit_rules_tampered'" "audrift's own rules taken for tampering"
exit 0
