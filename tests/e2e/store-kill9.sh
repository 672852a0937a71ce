#!/bin/sh
# kill -9 of the writer mid-burst: the database opens, passes
# integrity_check, and holds every finding reported committed.
. "$top_srcdir/tests/e2e/store-lib.sh"
DB=$T/k.db
base=0
for round in 1 2 3; do
	"$W" write "$DB" 0 > "$T/out" 2>&1 &
	pid=$!
	sleep 1.5
	kill -9 $pid
	wait $pid 2>/dev/null
	last=$(sed -n 's/^committed //p' "$T/out" | tail -1)
	[ -n "$last" ] || fail "round $round: nothing committed in 1.5 s"
	"$W" check "$DB" > "$T/check" || fail "integrity: $(cat "$T/check")"
	n=$("$W" count "$DB") || fail "count"
	[ "$n" -ge $((base + last)) ] ||
		fail "round $round: $n rows < $base before + $last committed"
	base=$n
	echo "round $round: killed after $last committed, $n rows, integrity ok"
done
