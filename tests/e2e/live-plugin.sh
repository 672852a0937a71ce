#!/bin/sh
# audrift run --source plugin: auditd's plugin stream on stdin (here a
# recorded log piped in), line-checked like replay; EOF ends the run.
# The same findings as `audrift replay` of the same log; auto picks the
# plugin source when stdin is a pipe; a CONFIG_CHANGE removing an audrift
# rule is an audit_rules_tampered finding.  No kernel rules (--no-kernel-rules):
# nothing here changes the kernel.
. "$top_srcdir/tests/lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
T=$(mktemp -d /tmp/audrift-plugin.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT
AUDRIFT_INSECURE_RULES=1; export AUDRIFT_INSECURE_RULES
LOG=$top_srcdir/tests/golden/logs/host-fileops.log
dir=$(sed -n 's/.*-w \(\/tmp\/[^ ]*hostbin\).*/\1/p' \
    "$top_srcdir/tests/golden/logs/host-fileops.txt" | head -1)
[ -n "$dir" ] || fail "cannot find the recorded dir in host-fileops.txt"
mkdir "$T/rules.d"
cat > "$T/rules.d/50-plugin.rules" <<EOF2
rule plugin_file_drift {
	desc "file changed in the recorded dir"
	severity high
	when file.op in (write, create, chmod, chown, rename, unlink, link, symlink, utimes, truncate) and file.dir == "$dir"
	output "%file.op %file.path"
}
EOF2
"$AUDRIFT" replay --rules "$T/rules.d" --json "$T/replay.jsonl" "$LOG" \
    2>"$T/replay.err" || fail "replay: $(cat "$T/replay.err")"
want=$(wc -l < "$T/replay.jsonl")
[ "$want" -gt 0 ] || fail "replay found nothing"

# explicit source, and a bad line in the stream reported with its line
{ cat "$LOG"; printf 'garbage line\n'; } |
    "$AUDRIFT" run --source plugin --no-kernel-rules --rules "$T/rules.d" \
    --json "$T/plugin.jsonl" 2>"$T/err" || fail "run: $(cat "$T/err")"
[ "$(wc -l < "$T/plugin.jsonl")" = "$want" ] ||
	fail "plugin: $(wc -l < "$T/plugin.jsonl") findings, replay $want"
grep -q '<plugin stdin>:[0-9]*: not an audit record' "$T/err" ||
	fail "bad line not reported: $(cat "$T/err")"
grep -q 'end of the plugin stream' "$T/err" || fail "no EOF stop"

# auto: stdin is a pipe -> plugin
cat "$LOG" | "$AUDRIFT" run --no-kernel-rules --rules "$T/rules.d" \
    --json "$T/auto.jsonl" 2>"$T/err2" || fail "auto: $(cat "$T/err2")"
grep -q 'source auto: stdin is a pipe' "$T/err2" || fail "auto did not pick plugin"
[ "$(wc -l < "$T/auto.jsonl")" = "$want" ] || fail "auto findings"
json_lines_valid "$T/plugin.jsonl" || fail "invalid JSON lines"

# tamper through the plugin stream: auditd passes on the CONFIG_CHANGE of
# an audrift rule's removal (stamped after audrift armed itself)
now=$(( $(date +%s) + 5 ))
printf 'type=CONFIG_CHANGE msg=audit(%s.000:4242): auid=0 ses=1 op=remove_rule key="audrift-file" list=4 res=1\n' "$now" |
    "$AUDRIFT" run --source plugin --no-kernel-rules --rules "$T/rules.d" \
    --json "$T/tamper.jsonl" 2>"$T/err3" || fail "tamper run: $(cat "$T/err3")"
grep -q '"rule":"audit_rules_tampered"' "$T/tamper.jsonl" ||
	fail "plugin: no audit_rules_tampered finding: $(cat "$T/tamper.jsonl" "$T/err3")"
exit 0
