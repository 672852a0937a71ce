#!/bin/sh
# Evict (issue 16): `action evict` ends every process of the container
# (here v1: frozen, each pid SIGKILLed through a pidfd, thawed; cgroup.kill
# on v2), and podman reports it exited.  Then `audrift evict` does the same
# for the analyst.
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin evict
ctr_run CID "$IMG" /bin/busybox sleep 600
ctr_run CID2 "$IMG" /bin/busybox sleep 600
audrift_bg --source daemon --rules "$T/act.d" --enforce
other "$CID" w
t0=$(now_ms)
marker "$CID" m
wait_action "action='evict' AND result='done' AND container_id='$CID'" 3000
echo "evicted: row $(( $(now_ms) - t0 )) ms after the marker started; event -> decision ${ALAT} ms; $WHY"
t1=$(now_ms)
until [ "$(podman inspect -f '{{.State.Status}}' "$CID")" = exited ]; do
	[ $(( $(now_ms) - t1 )) -le 5000 ] || fail "podman says $(podman inspect -f '{{.State.Status}}' "$CID") 5 s after the evict"
	sleep 0.1
done
echo "podman: exited $(( $(now_ms) - t1 )) ms after the row"
[ "$(podman inspect -f '{{.State.Status}}' "$CID2")" = running ] || fail "the other container was hit"

# the analyst's evict, by name
NAME2=$(podman inspect -f '{{.Name}}' "$CID2")
"$AUDRIFT" evict --db "$DB" "$NAME2" > "$T/evict" || fail "audrift evict: $(cat "$T/evict")"
grep -q "evicted container" "$T/evict" || fail "evict says: $(cat "$T/evict")"
t1=$(now_ms)
until [ "$(podman inspect -f '{{.State.Status}}' "$CID2")" = exited ]; do
	[ $(( $(now_ms) - t1 )) -le 5000 ] || fail "audrift evict: podman says $(podman inspect -f '{{.State.Status}}' "$CID2")"
	sleep 0.1
done
[ "$(arows "origin='analyst' AND action='evict' AND result='done' AND container_id='$CID2'")" = 1 ] ||
	fail "no analyst evict row"
action_end
exit 0
