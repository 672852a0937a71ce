#!/bin/sh
# Golden: the live path (audrift run: reader thread, queue, records
# gathered per loop turn, EOE after PROCTITLE not parsed, open-event
# tracking) on recorded datagrams, without the kernel: the benchmark seam
# AUDRIFT_TEST_RECORDS, fed by bench/nl-records from the recorded logs.
# The same log through `audrift replay` must give the same findings
# (rule, operation, path) and the same number of events.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden/logs"
R="$top_srcdir/rules.d"
NLR="$top_builddir/bench/nl-records"
export AUDRIFT_INSECURE_RULES=1
[ -x "$NLR" ] || fail "bench/nl-records was not built"

# findings as sorted "rule op path" lines
triples() {
	sed -n 's/.*"rule":"\([^"]*\)".*"op":"\([^"]*\)".*"path":"\([^"]*\)".*/\1 \2 \3/p' \
	    "$1" | sort
}

# host-fileops moved into /usr/local/bin: findings on every operation
sed 's#/tmp/audrift-golden\.[A-Za-z0-9]*/hostbin#/usr/local/bin#g' \
    "$G/host-fileops.log" >"$T/usrlocal.log"
for log in "$T/usrlocal.log" "$G/host-exec.log" "$G/host-execveat.log" \
    "$G/host-longarg.log" "$G/host-network.log" "$G/old-daemon.log"; do
	name=$(basename "$log" .log)
	"$NLR" <"$log" >"$T/$name.nl" 2>/dev/null || fail "$name: nl-records"
	"$AUDRIFT" replay --assume-host --rules "$R" --json "$T/$name.replay" \
	    "$log" 2>"$T/$name.replay.err" ||
	    { cat "$T/$name.replay.err"; fail "$name: replay"; }
	AUDRIFT_TEST_RECORDS="$T/$name.nl" AUDRIFT_LOG=stderr \
	    "$AUDRIFT" run --source daemon --no-kernel-rules --rules "$R" \
	    --json "$T/$name.live" >/dev/null 2>"$T/$name.live.err" ||
	    { cat "$T/$name.live.err"; fail "$name: run on recorded datagrams"; }
	ev_replay=$(sed -n 's/.* \([0-9]*\) events;.*/\1/p' "$T/$name.replay.err")
	ev_live=$(sed -n 's/.*stopped: [0-9]* records, \([0-9]*\) events.*/\1/p' \
	    "$T/$name.live.err")
	[ -n "$ev_live" ] && [ "$ev_live" = "$ev_replay" ] ||
	    fail "$name: $ev_live events live, $ev_replay replayed"
	triples "$T/$name.replay" >"$T/$name.r"
	triples "$T/$name.live" >"$T/$name.l"
	diff -u "$T/$name.r" "$T/$name.l" ||
	    fail "$name: live findings differ from replay's"
done
# the fired log must have fired, or the comparison says nothing
[ "$(wc -l <"$T/usrlocal.r")" -ge 8 ] ||
    fail "usrlocal: $(wc -l <"$T/usrlocal.r") findings, expected >= 8"
echo "golden live-recorded: the live path on recorded datagrams matches replay on 6 logs"
