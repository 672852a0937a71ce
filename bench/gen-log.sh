#!/usr/bin/env bash
# bench/gen-log.sh - record the replay benchmark's audit.log on the real
# kernel, once: auditd (private config, RAW) writes it while fixed storms
# run: fork+exec of a static binary, chmod on a file in a watched dir, and
# two podman containers copying, chmod-ing and running busybox in their
# watched /usr/bin.  The kernel rules are audrift's own (audrift rules),
# under the key audrift-bench.  Everything is restored at exit.
#
#   AUDRIFT=... BENCHBIN=... bench/gen-log.sh OUT [CHMODS] [EXECS]
# (BENCHBIN: the directory with the built storm; scripts/bench sets both
# and holds /tmp/audrift-kernel.lock, otherwise this script takes it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
OUT=${1:?usage: gen-log.sh OUT [CHMODS] [EXECS]}
CHMODS=${2:-125000}
EXECS=${3:-4000}
: "${AUDRIFT:?set AUDRIFT}" "${BENCHBIN:?set BENCHBIN}"

if [ -z "${BENCH_LOCKED:-}" ]; then
	exec 9>/tmp/audrift-kernel.lock
	flock 9
fi
BT=$(mktemp -d /tmp/audrift-genlog.XXXXXX)
chmod 755 "$BT"
cleanup() {
	set +e
	bench_restore
	rm -rf "$BT"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
bench_save

mkdir -p "$BT/bin" "$BT/auditd"
: > "$BT/bin/target"
podman_setup
dirs="$BT/bin"
for i in 1 2; do
	cid=$(podman run -d --network none "$IMG" /bin/busybox sleep 600)
	BENCH_CIDS="$BENCH_CIDS $cid"
	dirs="$dirs $(podman inspect -f '{{.GraphDriver.Data.MergedDir}}' "$cid")/usr/bin"
done
# shellcheck disable=SC2086
bench_rules $dirs
start_auditd "$BT/auditd"
auditctl -e 1 >/dev/null
auditctl -b 8192 >/dev/null
lost0=$(kstat lost)

# wait for these pids only: auditd is a background child too
pids=
for cid in $BENCH_CIDS; do
	podman exec "$cid" sh -c 'i=0; while [ $i -lt 400 ]; do
	    cp /bin/busybox /usr/bin/x$i; chmod 700 /usr/bin/x$i;
	    (exec -a true /usr/bin/x$i); rm /usr/bin/x$i; i=$((i + 1));
	    done' > /dev/null 2>&1 &
	pids="$pids $!"
done
"$BENCHBIN/storm" exec /bin/busybox "$EXECS" >&2 &
pids="$pids $!"
"$BENCHBIN/storm" chmod "$BT/bin/target" "$CHMODS" >&2
# shellcheck disable=SC2086
wait $pids
sleep 1
lost=$(( $(kstat lost) - lost0 ))
stop_pid "$AUDITD_PID"; AUDITD_PID=
mkdir -p "$(dirname "$OUT")"
mv "$BT/auditd/audit.log" "$OUT"
echo "gen-log: $OUT: $(wc -l < "$OUT") records, $(du -m "$OUT" | cut -f1) MB, kernel lost $lost" >&2
