#!/bin/sh
# A full disk (a small tmpfs): the writer keeps running, logs the
# condition once with what to do, queues, counts what overflows, and
# writes everything queued when space returns.
. "$top_srcdir/tests/e2e/store-lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to mount a tmpfs"
M=$T/mnt
mkdir "$M"
mount -t tmpfs -o size=24m,mode=0750 tmpfs "$M" 2>"$T/mount.err" ||
	skip "cannot mount a tmpfs: $(cat "$T/mount.err")"
cleanup_extra() {
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null
	umount "$M" 2>/dev/null || umount -l "$M"
}
DB=$M/full.db
"$W" write "$DB" 10 >/dev/null || fail "create"
dd if=/dev/zero of="$M/filler" bs=1M count=22 2>/dev/null
# 500 findings/s for 12 s, at most 1000 waiting in memory
"$W" write "$DB" 6000 -r 500 -q 1000 > "$T/out" 2> "$T/err" &
wpid=$!
i=0
until grep -q "failing=13" "$T/out"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the disk never filled: $(tail -2 "$T/out")"
	kill -0 $wpid 2>/dev/null || fail "writer died: $(cat "$T/err")"
	sleep 0.1
done
sleep 3
kill -0 $wpid 2>/dev/null || fail "writer stopped on a full disk"
rm -f "$M/filler"		# space returns
wait $wpid || fail "writer failed: $(cat "$T/err")"
wpid=
cat "$T/err"
tail -1 "$T/out"
[ "$(grep -c 'is full: free space on its filesystem' "$T/err")" = 1 ] ||
	fail "the full disk was not logged exactly once"
grep -q "writable again" "$T/err" || fail "recovery not logged"
grep -q "new findings are dropped and counted" "$T/err" ||
	fail "overflow not logged"
set -- $(sed -n 's/^done generated=\([0-9]*\) written=\([0-9]*\) dropped=\([0-9]*\)$/\1 \2 \3/p' "$T/out")
[ $# = 3 ] || fail "no summary"
[ $(($2 + $3)) = "$1" ] || fail "written $2 + dropped $3 != $1"
[ "$3" -gt 0 ] || fail "expected an overflow in this test"
n=$("$W" count "$DB")
[ "$n" = $(($2 + 10)) ] || fail "count $n, want $(($2 + 10))"
d=$("$W" dropped "$DB")
[ "$d" = "$3" ] || fail "runs.findings_dropped $d, want $3"
"$W" check "$DB" >/dev/null || fail "integrity"
echo "ok: $2 written, $3 dropped and counted, database intact"
