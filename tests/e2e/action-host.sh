#!/bin/sh
# Guards on the real kernel (issue 16): a host process matching a rule
# that carries `action kill` is refused, with a row saying why, and lives
# on.
. "$top_srcdir/tests/e2e/action-lib.sh"
action_begin kill
cat > "$T/act.d/40-host.rules" <<EOF
rule marker_on_host {
	desc "the test's marker program ran on the host"
	severity high
	when file.op == exec and proc.exe == "$BIN/marker-host"
	action kill
}
EOF
cp /bin/busybox "$BIN/marker-host" || fail "cp busybox"
audrift_bg --source daemon --rules "$T/act.d" --enforce
(exec -a sleep "$BIN/marker-host" 30) &
HPID=$!
wait_action "rule='marker_on_host' AND result='refused'" 3000
echo "host process: refused: $WHY"
echo "$WHY" | grep -q 'a host process' || fail "refused for another reason: $WHY"
kill -0 "$HPID" || fail "the host process was killed"
kill "$HPID"; wait "$HPID" 2>/dev/null
action_end
exit 0
