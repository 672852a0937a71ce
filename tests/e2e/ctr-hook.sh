#!/bin/sh
# audrift hook (issue 12): an OCI createRuntime hook that joins a
# container's root to audrift's audit tree before the runtime starts it.
# With the armer held back (AUDRIFT_TEST_NO_ARM: only the hook joins), a
# container whose entrypoint writes /usr/bin at once is seen live when
# the hook runs, and only after the fact when it does not; with no
# audrift running the hook fails open and the container starts.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin
IMG=localhost/audrift-test:1
ctr_image "$IMG"
mkdir -p "$T/hooks" "$T/nohooks" "$T/shipped.d"
cp "$top_srcdir"/rules.d/*.rules "$T/shipped.d/" || fail "rules.d"
cat > "$T/hooks/audrift-arm.json" <<EOF
{ "version": "1.0.0",
  "hook": { "path": "$AUDRIFT", "args": ["audrift", "hook"], "timeout": 5 },
  "when": { "always": true }, "stages": ["createRuntime"] }
EOF
AUDRIFT_TEST_NO_ARM=1; export AUDRIFT_TEST_NO_ARM
audrift_start "$T/shipped.d"
unset AUDRIFT_TEST_NO_ARM

ctr_run H --hooks-dir "$T/hooks" "$IMG" /bin/busybox sh -c \
    '/bin/busybox touch /usr/bin/hooked; exec /bin/busybox sleep 600'
wait_row "rule='essential_binary_modified_in_container' AND container_id='$H' AND path='/usr/bin/hooked' AND attribution != 'after_the_fact'" 5000
echo "with the hook: the entrypoint's write seen live ($(sqlite3 "$DB" "SELECT attribution FROM findings WHERE container_id='$H' AND path='/usr/bin/hooked';"))"

ctr_run U --hooks-dir "$T/nohooks" "$IMG" /bin/busybox sh -c \
    '/bin/busybox touch /usr/bin/unhooked; exec /bin/busybox sleep 600'
# the near miss: nothing joined this one (its upper layer was examined
# at its mount, before the write): the write is not seen
podman exec "$U" /bin/busybox touch /usr/bin/witness-u || fail "podman exec"
sleep 1
no_row "container_id='$U' AND path IN ('/usr/bin/unhooked', '/usr/bin/witness-u')" \
    "a container no hook and no armer joined was covered"
podman exec "$H" /bin/busybox touch /usr/bin/witness-h || fail "podman exec"
wait_row "container_id='$H' AND path='/usr/bin/witness-h'" 5000
echo "without the hook (and the armer held back): not covered; with it, still covered"
no_row "rule='drift_binary_executed_in_container'" \
    "the hook's own exec (exe=\"/\" in the container's cgroup) taken for drift"
sqlite3 "$DB" "SELECT 'row: ' || rule || ' ' || coalesce(exe, '-') || ' ' || coalesce(path, '-') || ' ' || attribution FROM findings;"
ctr_rm "$H"
ctr_rm "$U"
live_stop
check_restored

# fail open: no audrift, the container still starts and runs
out=$(podman run --rm --network none --hooks-dir "$T/hooks" "$IMG" \
    /bin/busybox echo started 2> "$T/hook.err") ||
	fail "the hook blocked a container with audrift down: $(cat "$T/hook.err")"
[ "$out" = started ] || fail "container output: $out"
echo "audrift down: the hook failed open"
exit 0
