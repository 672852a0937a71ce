#!/bin/sh
# Golden: `replay --jobs N` gives byte for byte what --jobs 1 gives: the
# --events output, the findings (JSON) and every problem reported on
# stderr, on every recorded log and on a synthetic log of ~24 MB.  Tiny
# chunks (AUDRIFT_REPLAY_CHUNK) make the small logs split at many
# places, events interleaved across cuts included (reordered.log); a
# log of one-record events passes its results by memfd, not the slots.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden/logs"
R="$top_srcdir/rules.d"
export AUDRIFT_INSECURE_RULES=1

# run TAG FILE ARGS...: events, findings, stderr into $T/TAG.*
run() {
	tag=$1 f=$2
	shift 2
	"$AUDRIFT" replay "$@" --events "$f" >"$T/$tag.ev" 2>"$T/$tag.err" ||
		fail "$tag: replay --events exited non-zero: $(cat "$T/$tag.err")"
	"$AUDRIFT" replay "$@" --assume-host --rules "$R" --json - "$f" \
	    >"$T/$tag.fi" 2>/dev/null ||
		fail "$tag: replay --json exited non-zero"
}
same() {	# same A B: the outputs of runs A and B are identical
	for k in ev fi err; do
		cmp -s "$T/$1.$k" "$T/$2.$k" || {
			diff "$T/$1.$k" "$T/$2.$k" | head -20 >&2
			fail "$2 differs from $1 ($k)"
		}
	done
}

# the host log moved into /usr/local/bin, so that findings are made
sed 's#/tmp/audrift-golden\.[A-Za-z0-9]*/hostbin#/usr/local/bin#g' \
    "$G/host-fileops.log" >"$T/usrlocal.log"
# a log with problems in it: garbage, an over-long line, a bad field
{ head -n 20 "$G/host-exec.log"; printf 'garbage\001\n'
  head -c 70000 /dev/zero | tr '\0' A; echo
  sed 's/ pid=\([0-9]*\) / pid=x\1 /' "$G/host-fileops.log"; } >"$T/bad.log"
n=0
for f in "$G"/*.log "$T/usrlocal.log" "$T/bad.log"; do
	name=$(basename "$f" .log)
	run "$name.1" "$f" --jobs 1
	for j in 2 3; do
		for c in 1 700 4000; do
			AUDRIFT_REPLAY_CHUNK=$c run "$name.$j.$c" "$f" --jobs "$j"
			same "$name.1" "$name.$j.$c"
			n=$((n + 1))
		done
	done
done
[ -s "$T/usrlocal.1.fi" ] || fail "usrlocal: no findings to compare"
grep -q "binary data" "$T/bad.1.err" || fail "bad: the garbage is not reported"

# synthetic: the recorded logs over and over, serials moved on each
# time, ~24 MB: split into ~2 MB chunks at real event boundaries
awk -v copies=12 '
	{ line[NR] = $0 }
	END {
		for (c = 0; c < copies; c++)
			for (i = 1; i <= NR; i++) {
				s = line[i]
				if (match(s, /:[0-9]+\)/)) {
					v = substr(s, RSTART + 1, RLENGTH - 2) + c * 1000000
					s = substr(s, 1, RSTART) v substr(s, RSTART + RLENGTH - 1)
				}
				print s
			}
	}' "$G/container-fileops.log" "$G/host-longarg.log" \
    "$G/host-fileops.log" "$G/container-exec.log" "$G/reordered.log" \
    "$G/network-enriched.log" "$T/usrlocal.log" "$T/usrlocal.log" \
    "$T/usrlocal.log" "$T/usrlocal.log" "$T/usrlocal.log" \
    "$T/usrlocal.log" "$T/usrlocal.log" "$T/usrlocal.log" >"$T/synth1.log"
for i in 1 2 3; do
	cat "$T/synth1.log"
done >"$T/synth.log"
rm -f "$T/synth1.log"
size=$(wc -c <"$T/synth.log")
[ "$size" -gt 20000000 ] || fail "synthetic log is only $size bytes"
run synth.1 "$T/synth.log" --jobs 1
AUDRIFT_REPLAY_CHUNK=2000000 run synth.2 "$T/synth.log" --jobs 2
same synth.1 synth.2
AUDRIFT_REPLAY_CHUNK=3000000 run synth.3 "$T/synth.log" --jobs 3
same synth.1 synth.3
[ "$(wc -l <"$T/synth.1.ev")" -gt 10000 ] || fail "synthetic: too few events"
# events of one short record each: a chunk's packed events outgrow the
# worker's shared slots (twice a chunk), so they come by memfd instead
awk 'BEGIN { for (i = 1; i <= 60000; i++) printf "type=USER_START " \
    "msg=audit(1700000000.%03d:%d): pid=%d\n", i % 1000, i, i % 300 + 1 }' \
    >"$T/tiny.log"
run tiny.1 "$T/tiny.log" --jobs 1
AUDRIFT_REPLAY_CHUNK=400000 run tiny.2 "$T/tiny.log" --jobs 2
same tiny.1 tiny.2
[ "$(wc -l <"$T/tiny.1.ev")" = 60000 ] || fail "tiny: not 60000 events"
# a named FIFO as the first file: read once, whole (replay opens a first
# file early for its workers; a FIFO opened and closed there would lose
# what its writer wrote)
mkfifo "$T/fifo"
cat "$G/host-fileops.log" >"$T/fifo" &
timeout 20 "$AUDRIFT" replay --jobs 2 --events "$T/fifo" >"$T/fifo.ev" \
    2>"$T/fifo.err" || fail "replay of a FIFO: $(cat "$T/fifo.err")"
wait
"$AUDRIFT" replay --jobs 1 --events "$G/host-fileops.log" >"$T/file.ev" \
    2>/dev/null
cmp -s "$T/fifo.ev" "$T/file.ev" || fail "replay of a FIFO lost events"
echo "replay --jobs: $n small-log runs, the $size-byte synthetic log and 60000 one-record events match --jobs 1"
