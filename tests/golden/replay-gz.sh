#!/bin/sh
# Golden: `replay` reads gzip files (logrotate's .gz) directly, told by
# their magic bytes whatever the name: the same events as the plain log;
# members one after another (cat a.gz b.gz) are the logs one after
# another; a truncated or corrupt file says so with the offset, keeps
# every event before the damage and exits 3.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden/logs"
command -v gzip >/dev/null || skip "gzip is not installed"
L="$G/container-fileops.log"
"$AUDRIFT" replay --events "$L" >"$T/plain.ev" 2>/dev/null || fail "plain replay"

gzip -c "$L" >"$T/log.1"	# no .gz in the name: told by the magic
"$AUDRIFT" replay --events "$T/log.1" >"$T/gz.ev" 2>"$T/gz.err" ||
	fail "gz replay exited non-zero: $(cat "$T/gz.err")"
cmp -s "$T/plain.ev" "$T/gz.ev" || fail "gz: events differ from the plain log"
# stdin too
"$AUDRIFT" replay --events - <"$T/log.1" >"$T/stdin.ev" 2>/dev/null ||
	fail "gz on stdin exited non-zero"
cmp -s "$T/plain.ev" "$T/stdin.ev" || fail "gz on stdin: events differ"

# concatenated members
H="$G/host-exec.log"
cat "$L" "$H" >"$T/both.log"
"$AUDRIFT" replay --events "$T/both.log" >"$T/both.ev" 2>/dev/null
{ gzip -c "$L"; gzip -c "$H"; } >"$T/both.gz"
"$AUDRIFT" replay --events "$T/both.gz" >"$T/both-gz.ev" 2>"$T/both.err" ||
	fail "two members: exited non-zero: $(cat "$T/both.err")"
cmp -s "$T/both.ev" "$T/both-gz.ev" || fail "two members: events differ"

# truncated: exit 3, the offset, the events before the cut kept
size=$(wc -c <"$T/log.1")
head -c $((size / 2)) "$T/log.1" >"$T/cut.gz"
rc=0
"$AUDRIFT" replay --events "$T/cut.gz" >"$T/cut.ev" 2>"$T/cut.err" || rc=$?
[ "$rc" = 3 ] || fail "truncated: exit $rc, want 3"
grep -q "cut.gz: the compressed data ends early, at byte $((size / 2)) .*truncated" \
    "$T/cut.err" || fail "truncated: no message with the offset: $(cat "$T/cut.err")"
n=$(wc -l <"$T/cut.ev")
[ "$n" -gt 0 ] || fail "truncated: no event kept"
# every event kept is the plain log's, in order, but the last one (the
# cut may end inside it)
head -n $((n - 1)) "$T/plain.ev" >"$T/cut.want"
head -n $((n - 1)) "$T/cut.ev" | cmp -s - "$T/cut.want" ||
	fail "truncated: the events before the cut are not the log's"

# corrupt: bytes overwritten in the middle of the deflate stream
cp "$T/log.1" "$T/bad.gz"
printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' |
	dd of="$T/bad.gz" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
rc=0
"$AUDRIFT" replay --events "$T/bad.gz" >"$T/bad.ev" 2>"$T/bad.err" || rc=$?
[ "$rc" = 3 ] || fail "corrupt: exit $rc, want 3"
grep -Eq "bad.gz: the compressed data (is corrupt at byte [0-9]+|ends early)" \
    "$T/bad.err" || fail "corrupt: no message: $(cat "$T/bad.err")"
[ -s "$T/bad.ev" ] || fail "corrupt: no event kept from before the damage"

# trailing garbage after the last member is damage too
{ cat "$T/log.1"; echo garbage; } >"$T/trail.gz"
rc=0
"$AUDRIFT" replay --events "$T/trail.gz" >"$T/trail.ev" 2>"$T/trail.err" || rc=$?
[ "$rc" = 3 ] || fail "trailing garbage: exit $rc, want 3"
cmp -s "$T/plain.ev" "$T/trail.ev" || fail "trailing garbage: events lost"
echo "replay .gz: plain, stdin, two members, truncated, corrupt, trailing garbage"
