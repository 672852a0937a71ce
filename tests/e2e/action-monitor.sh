#!/bin/sh
# Monitor mode (issue 16): without --enforce nothing is touched and the
# rows (and JSON lines) say "would".
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin freeze
ctr_run CID "$IMG" /bin/busybox sleep 600
audrift_bg --source daemon --rules "$T/act.d" --json "$T/lines.json"
other "$CID" w
marker "$CID" m
wait_action "action='freeze' AND result='would' AND container_id='$CID'" 3000
echo "monitor: $WHY"
echo "$WHY" | grep -q 'would freeze' || fail "the row does not say would: $WHY"
[ "$(arows "result != 'would'")" = 0 ] || fail "rows that are not 'would': $(sqlite3 "$DB" 'SELECT * FROM actions')"
moving "$CID" w || fail "the workload stopped in monitor mode"
moving "$CID" m || fail "the marker stopped in monitor mode"
"$AUDRIFT" containers --rules "$T/act.d" | grep " $(echo "$CID" | cut -c1-12) " | grep -q ' running ' ||
	fail "containers does not say running"
live_stop
grep -q '"action":"freeze","result":"would"' "$T/lines.json" ||
	fail "no would JSON line: $(grep action "$T/lines.json")"
action_end
exit 0
