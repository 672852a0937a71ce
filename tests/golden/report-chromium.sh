#!/bin/sh
# Golden: the fixture's HTML report in headless Chromium (Debian's
# chromium package).  It loads from file:// with no console message (an
# error, or a Content-Security-Policy refusal) and no network request
# (Chromium's own net log, --log-net-log: a request made for the page
# carries the file:// site), its four plots are SVG with marks in them,
# and a screenshot is taken: tests/golden/report-screenshot.png in the
# build tree, to look at.  A page built to fail (a console error, an
# image fetched from loopback) is checked first: the checks must catch it.
# Skipped (77) only where chromium is not installed.
. "$top_srcdir/tests/lib.sh"
CHROMIUM=
for c in chromium chromium-browser; do
	command -v "$c" >/dev/null 2>&1 && { CHROMIUM=$c; break; }
done
[ -n "$CHROMIUM" ] || skip "chromium not installed (scripts/deps installs it on Debian)"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
HOME=$T; export HOME	# its profile and crash dirs stay here

chrome() {	# chrome NAME ARGS... : a fresh profile per run
	_p=$1
	shift
	timeout 120 "$CHROMIUM" --headless --disable-gpu --no-sandbox \
	    --user-data-dir="$T/profile-$_p" --no-first-run \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --disable-default-apps --no-default-browser-check \
	    "$@"
}

# load URL; leaves NAME.dom, NAME.log (stderr), NAME.net (net log)
load() {	# load NAME URL
	chrome "$1" --enable-logging=stderr --v=0 --log-net-log="$T/$1.net" \
	    --dump-dom "$2" >"$1.dom" 2>"$1.log" || fail "chromium failed on $2"
	[ -s "$1.dom" ] || fail "chromium dumped no DOM for $2"
	sqlite3 :memory: "SELECT json_valid(readfile('$1.net'))" | grep -qx 1 ||
	    fail "chromium's net log for $2 is not JSON"
}
console() {	# console NAME: the page's console messages
	grep ':CONSOLE[:(]' "$1.log"
}
requests() {	# requests NAME: URLs requested for the page (file:// site)
	sqlite3 :memory: "SELECT DISTINCT json_extract(value, '\$.params.url')
	    FROM json_each(readfile('$1.net'), '\$.events')
	    WHERE json_extract(value, '\$.params.site_for_cookies')
	        LIKE '%site=file://%'
	    OR json_extract(value, '\$.params.network_isolation_key')
	        LIKE 'file://%'"
}
# marks (rect elements) inside the svg with id $2 of dump $1
marks() {
	tr '\n' ' ' <"$1.dom" | sed 's#<svg #\n<svg #g; s#</svg>#</svg>\n#g' |
	    grep "^<svg [^>]*id=\"$2\"" | grep -o '<rect ' | wc -l
}

# 1. the checks catch a page that errs and fetches
cat >bad.html <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<img src="http://127.0.0.1:9/audrift-test.png">
<script>console.error("audrift test error")</script></body></html>
HTML
load bad "file://$T/bad.html"
console bad | grep -q 'audrift test error' ||
    fail "the console check does not see a console error (chromium's log format changed?)"
requests bad | grep -q '127.0.0.1:9' ||
    fail "the network check does not see a request (net log format changed?)"

# 2. the fixture's report
mkdir empty
"$AUDRIFT" diff --all --no-containers --root empty --insecure-db --db fx.db \
    >/dev/null || fail "creating the database"
sqlite3 fx.db <"$top_srcdir/tests/fixtures/report/fixture.sql" || fail "fixture"
"$AUDRIFT" report --db fx.db --since 2026-11-02 --until 2026-11-23 \
    --now 2026-11-23T06:00:00Z --output report.html || fail "report"
load report "file://$T/report.html"
if console report >console.txt; then
	cat console.txt >&2
	fail "the report logs to the console"
fi
requests report >requests.txt
grep -v '^file://' requests.txt | grep -q . &&
    { cat requests.txt >&2; fail "the report made network requests"; }
grep -q 'What this report cannot vouch for' report.dom ||
    fail "the rendered page lacks its first section"
# bars: 5 legend marks + at least one bar; coverage: band + legend + spans
for p in plot-findings:6 plot-read:2 plot-lost:2 plot-coverage:8; do
	n=$(marks report "${p%:*}")
	[ "$n" -ge "${p#*:}" ] ||
	    fail "plot ${p%:*} has $n marks, fewer than ${p#*:}: empty?"
done

# 3. a screenshot, kept in the build tree to look at
shot="$top_builddir/tests/golden/report-screenshot.png"
mkdir -p "$(dirname "$shot")"
chrome shot --hide-scrollbars --window-size=1200,3000 --screenshot="$shot" \
    "file://$T/report.html" >/dev/null 2>&1 || fail "chromium --screenshot"
[ "$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "the screenshot is not a PNG"
[ "$(wc -c <"$shot")" -gt 50000 ] || fail "the screenshot is nearly blank"
echo "golden report-chromium: no console message, no request, 4 plots drawn; screenshot $shot"
