#!/bin/sh
# rules.sh - golden tests of the rule language.
#
#  - every tests/golden/rules-bad/X.rules makes `audrift check X.rules`
#    exit 1 with exactly the text of X.expected (carets included);
#  - tests/golden/rules-good/ loads as one rules.d (appends across files)
#    and prints the summary line of rules-good.expected;
#  - the field table of docs/rules.md is what `audrift fields --markdown`
#    prints (the docs are checked against the one table in fields.c).
#
# Uses $AUDRIFT (the binary) and $top_srcdir, as the harness sets them.
# Regenerate an expected file after a deliberate change with
#   (cd tests/golden/rules-bad && AUDRIFT_INSECURE_RULES=1 audrift check \
#     X.rules > X.expected 2>&1)
set -u
: "${AUDRIFT:?set AUDRIFT to the audrift binary}"
: "${top_srcdir:?set top_srcdir to the source tree}"

# The checkout's owner and mode are not root's 0644 on every machine.
AUDRIFT_INSECURE_RULES=1
export AUDRIFT_INSECURE_RULES

g=$top_srcdir/tests/golden
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rules-golden.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
n=0

for f in "$g"/rules-bad/*.rules; do
	name=$(basename "$f")
	want=${f%.rules}.expected
	n=$((n + 1))
	(cd "$g/rules-bad" && "$AUDRIFT" check "$name") >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "FAIL rules-bad/$name: exit status $rc, want 1"
		fail=1
	fi
	if ! diff -u "$want" "$tmp/out"; then
		echo "FAIL rules-bad/$name: error text differs (above)"
		fail=1
	fi
done

n=$((n + 1))
(cd "$g" && "$AUDRIFT" check --rules rules-good) >"$tmp/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || ! diff -u "$g/rules-good.expected" "$tmp/out"; then
	echo "FAIL rules-good: exit status $rc"
	cat "$tmp/out"
	fail=1
fi

# Each good file that stands alone loads alone too.
n=$((n + 1))
if ! (cd "$g/rules-good" && "$AUDRIFT" check 10-lists.rules) >"$tmp/out" 2>&1
then
	echo "FAIL rules-good/10-lists.rules alone"
	cat "$tmp/out"
	fail=1
fi

# docs/rules.md's field table is the source table.
n=$((n + 1))
sed -n '/<!-- fields:begin -->/,/<!-- fields:end -->/p' \
    "$top_srcdir/docs/rules.md" | sed '1d;$d' >"$tmp/doc"
"$AUDRIFT" fields --markdown >"$tmp/fields"
if ! diff -u "$tmp/doc" "$tmp/fields"; then
	echo "FAIL docs/rules.md field table differs from 'audrift fields"
	echo "     --markdown' (above): paste that output between the markers"
	fail=1
fi

# docs/rules.md's table of shipped rules names every rule of rules.d with
# its severity and tags, and every test the docs name exists.
n=$((n + 1))
awk '/^rule [a-z_0-9]+ \{/ { name = $2 }
     name != "" && $1 == "severity" { sev = $2 }
     name != "" && $1 == "tags" { sub(/^[ \t]*tags[ \t]*\[/, ""); sub(/\].*/, "");
         tags = $0 }
     name != "" && /^\}/ { printf "| `%s` | %s | %s |\n", name, sev, tags;
         name = "" }' "$top_srcdir"/rules.d/*.rules >"$tmp/shipped"
[ -s "$tmp/shipped" ] || { echo "FAIL no rule found in rules.d"; fail=1; }
sed -n '/<!-- rules:begin -->/,/<!-- rules:end -->/p' \
    "$top_srcdir/docs/rules.md" >"$tmp/docrules"
while IFS= read -r row; do
	grep -qF -- "$row" "$tmp/docrules" ||
	    { echo "FAIL docs/rules.md lacks the row: $row"; fail=1; }
done <"$tmp/shipped"
[ "$(grep -c '^| `' "$tmp/docrules")" = "$(wc -l <"$tmp/shipped")" ] ||
    { echo "FAIL docs/rules.md lists rules that rules.d does not ship"; fail=1; }
for t in $(grep -o 'tests/[a-z0-9_/.-]*\.[a-z]*' "$top_srcdir/docs/rules.md" | sort -u); do
	[ -f "$top_srcdir/$t" ] || { echo "FAIL docs/rules.md names $t"; fail=1; }
done

# The man page names every field too.
n=$((n + 1))
"$AUDRIFT" fields | while read -r field rest; do
	grep -q -- "^\\.B $field\$" "$top_srcdir/man/audrift.rules.5" ||
	    echo "$field"
done >"$tmp/missing"
if [ -s "$tmp/missing" ]; then
	echo "FAIL man/audrift.rules.5 lacks fields:"
	cat "$tmp/missing"
	fail=1
fi

# --help lists every option.
n=$((n + 1))
for o in --rules --insecure-rules --help; do
	"$AUDRIFT" check --help | grep -q -- "$o" ||
	    { echo "FAIL check --help lacks $o"; fail=1; }
done

[ "$fail" -eq 0 ] && echo "rules.sh: $n checks passed"
exit "$fail"
