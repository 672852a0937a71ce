#!/bin/sh
# Allocation failure (issue 13): with the --enable-alloc-fail seam (on in
# a sanitizer build), make the Nth allocation fail for every N along a
# rules load (`audrift check`) and along a replay of a small golden log
# into a database.  Each run must end with exit 0 (N past the last
# allocation) or with the clear "out of memory" error and exit 1: never a
# crash, a sanitizer report or a leak.  Skips when the seam is not built.
. "$top_srcdir/tests/lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
AUDRIFT_INSECURE_RULES=1; export AUDRIFT_INSECURE_RULES
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86; export ASAN_OPTIONS
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:exitcode=87; export UBSAN_OPTIONS
LOG=$top_srcdir/tests/golden/logs/host-exec.log
RULES=$top_srcdir/rules.d

# every_n NAME CMD...: CMD once to count, then with each N failing
every_n() {
	name=$1; shift
	AUDRIFT_ALLOC_COUNT=1 "$@" > /dev/null 2> "$T/count" ||
		{ cat "$T/count" >&2; fail "$name: fails without injection"; }
	total=$(sed -n 's/^audrift: allocations: //p' "$T/count")
	[ -n "$total" ] || skip "audrift built without --enable-alloc-fail"
	n=1 oom=0
	while [ "$n" -le "$total" ]; do
		rm -f "$T/db" "$T/db-wal" "$T/db-shm"
		AUDRIFT_ALLOC_FAIL=$n "$@" > /dev/null 2> "$T/err"
		rc=$?
		if grep -Eq 'Sanitizer|runtime error' "$T/err"; then
			cat "$T/err" >&2; fail "$name: allocation $n: sanitizer report"
		fi
		case $rc in
		0) ;;
		1) grep -q 'out of memory .*; free memory' "$T/err" ||
			{ cat "$T/err" >&2; fail "$name: allocation $n: exit 1 without the out-of-memory error"; }
		   oom=$((oom + 1)) ;;
		*) cat "$T/err" >&2; fail "$name: allocation $n: exit $rc" ;;
		esac
		n=$((n + 1))
	done
	echo "$name: $total allocations, each failed once: $oom clear out-of-memory exits, no crash, no leak"
}

every_n "rules load" "$AUDRIFT" check --rules "$RULES"
every_n "replay" "$AUDRIFT" replay --rules "$RULES" --db "$T/db" "$LOG"
