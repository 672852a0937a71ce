#!/bin/sh
# --retain: findings older than the limit go, in batches, newer stay.
. "$top_srcdir/tests/e2e/store-lib.sh"
DB=$T/r.db
"$W" write "$DB" 3500 -a 40 >/dev/null || fail "old findings"
"$W" write "$DB" 200 -a 3 >/dev/null || fail "recent findings"
[ "$("$W" old "$DB" 30)" = 3500 ] || fail "setup"
"$W" write "$DB" 100 -R 30 >/dev/null || fail "writer with retention"
old=$("$W" old "$DB" 30)
n=$("$W" count "$DB")
[ "$old" = 0 ] || fail "$old findings older than 30 days left"
[ "$n" = 300 ] || fail "count $n, want 300"
"$W" check "$DB" >/dev/null || fail "integrity"
echo "ok: 3500 old findings pruned, 300 kept"
