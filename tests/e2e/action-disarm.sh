#!/bin/sh
# The disarmer (issue 16): with --disarm 2, rule marker_exec freezes two
# containers; the third (N+1) is refused, the rule raises an
# action_disarmed finding, and the third container runs on.
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin freeze
ctr_run C1 "$IMG" /bin/busybox sleep 600
ctr_run C2 "$IMG" /bin/busybox sleep 600
ctr_run C3 "$IMG" /bin/busybox sleep 600
audrift_bg --source daemon --rules "$T/act.d" --enforce --disarm 2
for c in $C1 $C2; do
	marker "$c" m
	wait_action "action='freeze' AND result='done' AND container_id='$c'" 3000
done
other "$C3" w
marker "$C3" m
wait_action "result='refused' AND container_id='$C3'" 3000
echo "third container: refused: $WHY"
echo "$WHY" | grep -q 'disarmed' || fail "refused, but not by the disarmer: $WHY"
wait_row "rule='action_disarmed'" 3000
sqlite3 "$DB" "SELECT message FROM findings WHERE rule='action_disarmed';"
moving "$C3" w || fail "the third container was frozen"
"$AUDRIFT" containers --rules "$T/act.d" > "$T/ctrs" 2>&1
for c in $C1 $C2; do
	grep " $(echo "$c" | cut -c1-12) " "$T/ctrs" | grep -q ' frozen ' ||
	    fail "$c is not frozen: $(cat "$T/ctrs")"
done
grep " $(echo "$C3" | cut -c1-12) " "$T/ctrs" | grep -q ' running ' ||
	fail "$C3 is not running: $(cat "$T/ctrs")"
action_end
exit 0
