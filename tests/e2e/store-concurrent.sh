#!/bin/sh
# A reader holding a long read transaction during a write burst: the
# writer is not blocked, the reader sees one snapshot, nothing is lost.
. "$top_srcdir/tests/e2e/store-lib.sh"
DB=$T/c.db
"$W" write "$DB" 1000 >/dev/null || fail "seed"
"$W" read "$DB" 4 > "$T/reader" &
rpid=$!
sleep 0.5
start=$(date +%s)
"$W" write "$DB" 50000 > "$T/writer" 2> "$T/writer.err" || fail "writer failed"
took=$(( $(date +%s) - start ))
wait $rpid || fail "reader failed"
cat "$T/reader"
before=$(sed -n 's/^before //p' "$T/reader")
after=$(sed -n 's/^after //p' "$T/reader")
now=$(sed -n 's/^now //p' "$T/reader")
[ "$before" = 1000 ] || fail "reader saw $before before, want 1000"
[ "$after" = 1000 ] || fail "reader's snapshot moved: $after"
[ "$now" -ge 1000 ] || fail "reader after commit saw $now"
grep -q "done generated=50000 written=50000 dropped=0" "$T/writer" ||
	fail "writer: $(tail -1 "$T/writer")"
[ ! -s "$T/writer.err" ] || fail "writer logged: $(cat "$T/writer.err")"
n=$("$W" count "$DB")
[ "$n" = 51000 ] || fail "count $n, want 51000"
echo "ok: 50000 findings written in ${took}s beside a 4 s read transaction"
