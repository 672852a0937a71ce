#!/bin/sh
# Kill (issue 16): `action kill` ends the process that triggered the rule
# within 1 s, through a pidfd opened while the event was handled, while
# the container's other processes run on.
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin kill
ctr_run CID "$IMG" /bin/busybox sleep 600
audrift_bg --source daemon --rules "$T/act.d" --enforce
other "$CID" w
t0=$(now_ms)
marker "$CID" m
wait_action "action='kill' AND result='done' AND container_id='$CID'" 3000
echo "killed: row $(( $(now_ms) - t0 )) ms after the marker started; event -> decision ${ALAT} ms; $WHY"
[ "$ALAT" -le 1000 ] || fail "the kill was decided ${ALAT} ms after the event"
pid=$(sqlite3 "$DB" "SELECT pid FROM actions WHERE action='kill' AND container_id='$CID';")
t1=$(now_ms)
while kill -0 "$pid" 2>/dev/null; do
	[ $(( $(now_ms) - t1 )) -le 1000 ] || fail "pid $pid still alive 1 s after the kill row"
	sleep 0.05
done
# the marker's counter (if it wrote at all) stops, the workload runs on
still "$CID" m || fail "the marker still counts"
moving "$CID" w || fail "the container's other process stopped"
[ "$(podman inspect -f '{{.State.Status}}' "$CID")" = running ] || fail "the container is not running"
action_end
exit 0
