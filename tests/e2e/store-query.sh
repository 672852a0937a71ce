#!/bin/sh
# audrift query in each format, on a database the store wrote.
. "$top_srcdir/tests/e2e/store-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
"$AUDRIFT" query --help > "$T/help" 2>&1 ||
	skip "audrift has no query command yet: $(head -1 "$T/help")"
DB=$T/q.db
"$W" write "$DB" 20 >/dev/null || fail "seed"
for o in --db --since --rule --container --severity --format --limit \
    --help; do
	grep -q -- "$o" "$T/help" || fail "--help does not list $o"
done

"$AUDRIFT" query --db "$DB" > "$T/table" || fail "table"
head -1 "$T/table" | grep -q "^TIME  *SEVERITY  *RULE  *CONTAINER  *OP  *PATH" ||
	fail "table header: $(head -1 "$T/table")"
[ "$(wc -l < "$T/table")" = 21 ] || fail "table rows"

"$AUDRIFT" query --db "$DB" --format json --container web --since 1h \
    > "$T/json" || fail "json"
[ "$(wc -l < "$T/json")" = 10 ] || fail "json: $(wc -l < "$T/json") lines"
if command -v python3 >/dev/null; then
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert o["container_name"] == "web-1", o
    assert isinstance(o["event"], dict) and isinstance(o["tags"], list)
' "$T/json" || fail "json lines do not parse"
fi

"$AUDRIFT" query --db "$DB" --format csv --severity critical --rule \
    write-then-exec > "$T/csv" || fail "csv"
head -1 "$T/csv" | grep -q "^id,time,serial,host,rule,severity," ||
	fail "csv header"
[ "$(wc -l < "$T/csv")" = 5 ] || fail "csv: $(wc -l < "$T/csv") lines"
tr -d '\r' < "$T/csv" | tail -n +2 | cut -d, -f6 | sort -u | grep -qx critical ||
	fail "csv severity"

"$AUDRIFT" query --db "$DB" --since tomorrow 2>"$T/err" && fail "bad --since"
grep -q "bad --since" "$T/err" || fail "bad --since message"
"$AUDRIFT" query --db "$T/none.db" 2>"$T/err" && fail "missing db"
grep -q "no database" "$T/err" || fail "missing db message"
# hostile text in a row (issue 13): ESC, a C1 CSI (U+009B), a bidi
# override (U+202E), a byte that is not UTF-8; formulas for a spreadsheet
sqlite3 "$DB" "UPDATE findings SET path = '/usr/bin/a' || char(27) ||
    '[2J' || char(155) || 'b' || char(8238) || 'c' || CAST(x'ff' AS TEXT),
    cmdline = '=HYPERLINK(\"x\")', comm = '@SUM(1)', exe = '-2+3'
    WHERE id = (SELECT min(id) FROM findings);" || fail "sqlite3 update"
raw() { LC_ALL=C grep -c "$(printf "$1")" "$2"; }
"$AUDRIFT" query --db "$DB" > "$T/table" || fail "table"
grep -qF '/usr/bin/a\x1b[2J\u009bb\u202ec\xff' "$T/table" ||
	fail "table: hostile path not escaped: $(grep usr/bin/a "$T/table")"
for b in '\033' '\302\233' '\342\200\256' '\377'; do
	[ "$(raw "$b" "$T/table")" = 0 ] || fail "table: raw $b in the output"
done
"$AUDRIFT" query --db "$DB" --format csv > "$T/csv" || fail "csv"
for b in '\033' '\302\233' '\342\200\256' '\377'; do
	[ "$(raw "$b" "$T/csv")" = 0 ] || fail "csv: raw $b in the output"
done
grep -qF ",\"'=HYPERLINK(\"\"x\"\")\"," "$T/csv" ||
	fail "csv: formula not neutralised: $(grep HYPERLINK "$T/csv")"
grep -qF ",\"'@SUM(1)\"," "$T/csv" || fail "csv: @ formula: $(grep SUM "$T/csv")"
grep -qF ",\"'-2+3\"," "$T/csv" || fail "csv: - formula: $(grep 2+3 "$T/csv")"
echo "ok: table, json, csv"
