#!/bin/sh
# Golden: audrift report over a three-week fixture database (tests/
# fixtures/report/fixture.sql: gaps, a killed run, losses, dropped
# findings, a replay, tamper and loss findings, findings with evidence,
# reviews, comparisons) against the expected html, json and md in
# tests/golden/report/, dates pinned with --since/--until/--now.  Then a
# hostile fixture renders as text, bad input is refused or said, and
# audrift ack / diff --all write the rows the report reads.
# AUDRIFT_RECORD=1 rewrites the expected files (review the diff).
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
FX="$top_srcdir/tests/fixtures/report"
EXP="$top_srcdir/tests/golden/report"
VERSION=$("$AUDRIFT" --version | sed 's/^audrift //')
PERIOD="--since 2026-11-02 --until 2026-11-23 --now 2026-11-23T06:00:00Z"

# A database of audrift's own schema (diff --all over an empty root
# creates it and records nothing), then the fixture's rows.
mkdb() {	# mkdb DB SQL
	mkdir -p "$T/empty"
	"$AUDRIFT" diff --all --no-containers --root "$T/empty" --insecure-db \
	    --db "$1" >/dev/null || fail "diff --all could not create $1"
	[ "$(sqlite3 "$1" 'SELECT count(*) FROM comparisons')" = 0 ] ||
	    fail "diff --all over an empty root recorded comparisons"
	sqlite3 "$1" <"$2" || fail "loading $2"
}
cd "$T" || exit 1
mkdb fixture.db "$FX/fixture.sql"

# 1. the three formats, byte for byte (the version is a placeholder)
for f in html json md; do
	"$AUDRIFT" report --db fixture.db $PERIOD --format $f --output "out.$f" \
	    2>err || { cat err; fail "report --format $f"; }
	sed "s/audrift $VERSION/audrift @VERSION@/; s/\"audrift_version\":\"$VERSION\"/\"audrift_version\":\"@VERSION@\"/" \
	    "out.$f" >"got.$f"
	if [ "${AUDRIFT_RECORD:-0}" = 1 ]; then
		cp "got.$f" "$EXP/fixture.$f"
		continue
	fi
	diff -u "$EXP/fixture.$f" "got.$f" >"diff.$f" ||
	    { head -60 "diff.$f"; fail "report --format $f differs from $EXP/fixture.$f"; }
done
sqlite3 :memory: "SELECT json_valid(readfile('out.json'))" | grep -qx 1 ||
    fail "the JSON report is not valid JSON"
# stdout is the default output, html the default format
"$AUDRIFT" report --db fixture.db $PERIOD >stdout.html || fail "report to stdout"
cmp -s stdout.html out.html || fail "report to stdout differs from --output"

# 2. facts the expected files must hold (so a re-record cannot lose them)
for want in "No audrift run from 2026-11-05 09:30 to 2026-11-06 14:00 UTC" \
    "Run 3 (started 2026-11-12 03:05 UTC) has no stop time" \
    "Run 2 lost 350 audit events" "Run 4 dropped 12 findings" \
    "No file comparison (audrift diff --all) was recorded from 2026-11-16" \
    "2 findings of the period have no container attribution"; do
	grep -qF "$want" out.json || fail "the report does not say: $want"
done
grep -q '"findings":9,' out.json || fail "JSON: not 9 findings in the period"
grep -q '"findings_reviewed":3,' out.json || fail "JSON: not 3 reviewed"
grep -q 'before the period' out.json && fail "a finding before --since is listed"
for id in plot-coverage plot-findings plot-read plot-lost; do
	grep -q "<svg [^>]*id=\"$id\"" out.html || fail "no $id plot"
done
grep -q '<script\|<link\|src=\|href=\|url(' out.html &&
    fail "the HTML fetches or runs something"

# --limit lists the newest only, says so, and keeps the counts
"$AUDRIFT" report --db fixture.db $PERIOD --format json --limit 2 >lim.json ||
    fail "report --limit 2"
grep -q '"findings_listed":2,' lim.json || fail "--limit 2 listed more"
grep -q '"findings":9,' lim.json || fail "--limit changed the counts"
grep -q '"kind":"truncated",.*"count":7,' lim.json || fail "--limit is not said"
[ "$(sqlite3 :memory: "SELECT json_array_length(readfile('lim.json'),
    '\$.integrity_findings')")" = 2 ] || fail "tamper findings are cut by --limit"

# 3. hostile text renders as text
mkdb hostile.db "$FX/hostile.sql"
for f in html md; do
	"$AUDRIFT" report --db hostile.db --since 2026-11-02 --until 2026-11-03 \
	    --now 2026-11-03T00:00:00Z --format $f --output "h.$f" ||
	    fail "hostile report --format $f"
done
"$AUDRIFT" report --db hostile.db --since 2026-11-02 --until 2026-11-03 \
    --now 2026-11-03T00:00:00Z --format json --output h.json
sqlite3 :memory: "SELECT json_valid(readfile('h.json'))" | grep -qx 1 ||
    fail "the hostile JSON report is not valid JSON"
grep -qi '<script\|<img\|<svg onload\|<b>mallory\|<i>\|</td><td>x' h.html &&
    fail "hostile markup reached the HTML"
grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' h.html ||
    fail "the <script> file name is not shown as text"
grep -q '<span class="esc">\\u202e</span>gpj.exe' h.html ||
    fail "U+202E is not shown as a visible escape"
grep -q 'line<span class="esc">\\n</span>break' h.html ||
    fail "a newline in a file name is not shown as \\n"
grep -q 'b<span class="esc">\\xff</span>ad' h.html ||
    fail "invalid UTF-8 is not shown as \\xff"
grep -q '<span class="esc">\\x5c</span>x41' h.html ||
    fail "a backslash in a name could forge an escape"
grep -q 'alert(5)' h.html || fail "the comparison's hostile path is missing"
for f in h.html h.md; do
	LC_ALL=C grep -q "$(printf '\342\200\256')\|$(printf '\342\201\246')\|$(printf '\342\200\213')" "$f" &&
	    fail "$f holds a raw bidi or zero-width character"
done
grep -q 'db\\u202egpj.exe' h.md || fail "md: U+202E is not escaped"
grep -q '\\<script\\>' h.md || fail "md: <script> is not escaped"

# 4. bad input
"$AUDRIFT" report --db fixture.db --since 2025-01-01 --until 2025-01-08 \
    --now 2026-11-23T06:00:00Z --format md >empty.md || fail "empty period"
grep -q "holds no run, no finding and no comparison in this period" empty.md ||
    fail "an empty period does not say so"
grep -q "No audrift run from 2025-01-01 00:00 to 2025-01-08 00:00" empty.md ||
    fail "an empty period is not shown as a gap"
# a period with no run, inside the fixture: a gap, not "no findings"
"$AUDRIFT" report --db fixture.db --since 2026-11-05T10:00 \
    --until 2026-11-06T12:00 --now 2026-11-23T06:00:00Z --format json >gap.json
grep -q '"coverage":\[$' gap.json && grep -q '"kind":"gap","from":"2026-11-05T10:00:00.000Z","to":"2026-11-06T12:00:00.000Z"' gap.json ||
    fail "a period with no run is not one gap"
grep -q '"covered_ms":0,' gap.json || fail "a period with no run is covered"
cp fixture.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99'
"$AUDRIFT" report --db newer.db $PERIOD >/dev/null 2>err && fail "a newer schema was read"
grep -q "schema version 99, newer than this audrift's" err ||
    { cat err; fail "no clear message for a newer schema"; }
cp fixture.db older.db
sqlite3 older.db 'PRAGMA user_version = 3'
"$AUDRIFT" report --db older.db $PERIOD >/dev/null 2>err && fail "an older schema was read"
grep -q "older than this audrift's .*upgrade it first" err || { cat err; fail "older schema"; }
"$AUDRIFT" report --db nosuch.db $PERIOD >/dev/null 2>err && fail "a missing database"
[ ! -e nosuch.db ] || fail "report created a database"
grep -q "no database nosuch.db" err || fail "no message for a missing database"
"$AUDRIFT" report --db fixture.db --since 2026-11-10 --until 2026-11-01 2>err &&
    fail "an inverted period was accepted"
"$AUDRIFT" report --db fixture.db --since yesterday 2>err && fail "a bad --since"
grep -q "bad --since 'yesterday'" err || fail "no message for a bad --since"

# 5. ack: all ids or none; the next report shows the review
cp fixture.db ack.db
"$AUDRIFT" ack --db ack.db --insecure-db --by carol --note "seen" 2 99 2>err &&
    fail "ack of an unknown id succeeded"
[ "$(sqlite3 ack.db 'SELECT count(*) FROM reviews')" = 4 ] ||
    fail "a failed ack recorded reviews"
"$AUDRIFT" ack --db ack.db --insecure-db 2 2>err && fail "ack without --by"
"$AUDRIFT" ack --db ack.db --insecure-db --by carol --note "image rebuilt" 2 7 \
    >/dev/null || fail "ack 2 7"
"$AUDRIFT" report --db ack.db $PERIOD --format json >ack.json
grep -q '"findings_reviewed":5,' ack.json || fail "the acks are not in the report"
grep -q '"reviewed_by":"carol","reviewed_at":"20[0-9-]*T[0-9:.]*Z","review_note":"image rebuilt"' ack.json ||
    fail "the review's reviewer and note are not in the report"

# 6. diff --all's host comparison against a package database (the
#    evidence fixture's dpkg md5sums), changed and not; the report shows it
cp -R "$top_srcdir/tests/fixtures/evidence/lower1" root
chmod -R u+w root
"$AUDRIFT" diff --all --no-containers --root root --insecure-db --db ack.db \
    >cmp1.out || fail "diff --all --root"
printf 'tampered' >>root/usr/bin/tool
"$AUDRIFT" diff --all --no-containers --root root --insecure-db --db ack.db \
    >cmp2.out || fail "diff --all --root (changed)"
grep -q '^host *pass .* /usr/bin ' cmp1.out || { cat cmp1.out; fail "untouched root did not pass"; }
grep -q '^host *changed .* /usr/bin ' cmp2.out || { cat cmp2.out; fail "a changed file passed"; }
[ "$(sqlite3 ack.db "SELECT count(*) FROM comparisons WHERE kind = 'host'
    AND target = '/usr/bin' AND result = 'changed' AND changed = 1
    AND json_extract(detail, '\$[0].found') = 'differs from dpkg:tool'")" = 1 ] ||
    fail "the changed comparison's row is wrong"
"$AUDRIFT" report --db ack.db --format md --since 1h --output now.md || fail "report now"
grep -q '/usr/bin/tool: differs from dpkg:tool' now.md ||
    fail "the report does not show the new comparison"
echo "golden report: 3 formats match, hostile text escaped, bad input said, ack and diff --all recorded"
