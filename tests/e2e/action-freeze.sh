#!/bin/sh
# Isolate (issue 16): with `audrift run --enforce` and a site override
# giving rule marker_exec `action freeze`, the marker program run in a
# container freezes it within 1 s (the counter its workload writes, read
# from the upper dir, stops moving); `audrift containers` says frozen; `audrift thaw`
# resumes it; `audrift freeze` / `thaw` by the analyst do the same, each
# an actions row; a JSON line per action.
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin freeze
ctr_run CID "$IMG" /bin/busybox sleep 600
audrift_bg --source daemon --rules "$T/act.d" --enforce --json "$T/lines.json"
ID12=$(echo "$CID" | cut -c1-12)

other "$CID" w
moving "$CID" w || fail "the workload does not count"
t0=$(now_ms)
marker "$CID" m
wait_action "action='freeze' AND result='done' AND container_id='$CID'" 3000
echo "frozen: row $(( $(now_ms) - t0 )) ms after the marker started; event -> decision ${ALAT} ms; $WHY"
[ "$ALAT" -le 1000 ] || fail "the freeze was decided ${ALAT} ms after the event"
still "$CID" w || fail "the counter still moves after the freeze"
c1=$(counter "$CID" w)
"$AUDRIFT" containers --rules "$T/act.d" > "$T/ctrs" 2>&1 || fail "audrift containers: $(cat "$T/ctrs")"
grep " $ID12 " "$T/ctrs" | grep -q ' frozen ' || fail "containers does not say frozen: $(cat "$T/ctrs")"

# the pipeline is not stalled: audrift still stores findings
"$AUDRIFT" thaw --db "$DB" "$CID" > "$T/thaw" || fail "audrift thaw: $(cat "$T/thaw")"
grep -q "thawed container $ID12" "$T/thaw" || fail "thaw says: $(cat "$T/thaw")"
grep -q "Next:" "$T/thaw" || fail "thaw says nothing to do next: $(cat "$T/thaw")"
moving "$CID" w || fail "the counter does not move after audrift thaw"
[ "$(counter "$CID" w)" -gt "$c1" ] || fail "the counter went back"
"$AUDRIFT" containers --rules "$T/act.d" | grep " $ID12 " | grep -q ' running ' ||
	fail "containers does not say running after thaw"
[ "$(arows "origin='analyst' AND action='thaw' AND result='done' AND container_id='$CID'")" = 1 ] ||
	fail "no analyst thaw row"

# the analyst's own freeze, by name prefix
"$AUDRIFT" freeze --db "$DB" "$ID12" > "$T/freeze" || fail "audrift freeze: $(cat "$T/freeze")"
grep -q "froze container $ID12" "$T/freeze" || fail "freeze says: $(cat "$T/freeze")"
still "$CID" w || fail "the counter moves after audrift freeze"
"$AUDRIFT" thaw --db "$DB" "$ID12" > /dev/null || fail "second thaw"
moving "$CID" w || fail "the counter does not move after the second thaw"
[ "$(arows "origin='analyst' AND container_id='$CID'")" = 3 ] || fail "analyst rows: $(sqlite3 "$DB" 'SELECT * FROM actions')"

# findings still flow (the event thread never waited on the frozen one)
marker "$CID" m2
t0=$(now_ms)
until [ "$(arows "origin='rule' AND action='freeze' AND result='done'")" = 2 ]; do
	[ $(( $(now_ms) - t0 )) -le 3000 ] || fail "no second freeze: $(sqlite3 "$DB" 'SELECT * FROM actions')"
	sleep 0.05
done
still "$CID" w || fail "the counter moves after the second freeze by the rule"
"$AUDRIFT" thaw --db "$DB" "$CID" > /dev/null || fail "third thaw"
moving "$CID" w || fail "the counter does not move after the third thaw"
wait_row "rule='marker_exec' AND container_id='$CID' AND id > 1" 3000
sqlite3 "$DB" "SELECT finding_id IS NOT NULL FROM action_findings WHERE action='freeze' AND rule='marker_exec' LIMIT 1;" | grep -qx 1 ||
	fail "action_findings does not join the finding: $(sqlite3 "$DB" 'SELECT * FROM action_findings')"
live_stop
grep -q '"type":"action","time":"[^"]*","action":"freeze","result":"done"' "$T/lines.json" ||
	fail "no JSON line for the freeze: $(grep action "$T/lines.json")"
json_lines_valid "$T/lines.json" || fail "invalid JSON lines"
action_end
exit 0
