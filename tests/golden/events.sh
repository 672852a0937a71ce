#!/bin/sh
# Golden: every recorded log in tests/golden/logs replays to exactly the
# events in tests/golden/events/NAME.jsonl.  AUDRIFT_GOLDEN_UPDATE=1
# rewrites the expected files (review the diff before committing).
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden"
rc=0
for log in "$G"/logs/*.log; do
	name=$(basename "$log" .log)
	exp="$G/events/$name.jsonl"
	out="$T/$name.jsonl"
	if ! "$AUDRIFT" replay --events "$log" >"$out" 2>"$T/$name.err"; then
		cat "$T/$name.err" >&2
		fail "$name: audrift replay exited non-zero"
	fi
	json_lines_valid "$out" || fail "$name: output is not valid JSON lines"
	if [ "${AUDRIFT_GOLDEN_UPDATE:-0}" = 1 ]; then
		cp "$out" "$exp"
		echo "updated $exp"
		continue
	fi
	if ! cmp -s "$exp" "$out"; then
		echo "golden mismatch: $name (expected $exp)" >&2
		diff -u "$exp" "$out" | head -60 >&2
		rc=1
	fi
done
[ "$rc" = 0 ] || exit 1

# Real-world logs (issue 13): nothing in them is malformed; the msg=?
# records are ignored and counted, as libauparse ignores them.
for name in reordered old-daemon unknown-type no-final-newline; do
	grep -q " 0 malformed skipped" "$T/$name.err" ||
		fail "$name: records reported malformed: $(cat "$T/$name.err")"
done
grep -q "2 record(s) without a timestamp (msg=?) ignored" "$T/unknown-type.err" ||
	fail "unknown-type: the msg=? records are not counted: $(cat "$T/unknown-type.err")"

# The container log shows all eight file operations as distinct classes,
# with the container-side path of each.
C="$T/container-fileops.jsonl"
for pair in create:/usr/bin/drift1 chmod:/usr/bin/drift1 \
    chown:/usr/bin/drift1 link:/usr/bin/drift1.hard \
    symlink:/usr/bin/drift1.sym rename:/usr/bin/drift1 \
    unlink:/usr/bin/drift1.hard utimes:/usr/bin/drift1.moved; do
	op=${pair%%:*} path=${pair#*:}
	grep -q "\"op\":\"$op\",.*\"path\":\"$path\"" "$C" ||
	    fail "container-fileops: no $op event on $path"
done
grep -q '"op":"rename",.*"path2":"/usr/bin/drift1.moved"' "$C" ||
    fail "container-fileops: rename does not carry its new name"
# The exec of the copied binary inside the container: container-side
# exe, path and argv.
grep -q '"exe":"/usr/bin/evil","argv":\["true"\]' "$T/container-exec.jsonl" ||
    fail "container-exec: exec of /usr/bin/evil not seen with its argv"
# Hostile names: a newline and non-UTF-8 bytes survive exactly.
grep -q 'hostbin/new\\nline' "$T/host-fileops.jsonl" ||
    fail "host-fileops: the name with a newline is not exact"
grep -q '"path_hex":"[0-9a-f]*626164fffe6e616d65"' "$T/host-fileops.jsonl" ||
    fail "host-fileops: the non-UTF-8 name has no exact hex twin"
echo "golden events: all logs match"
