#!/bin/sh
# Container posture (issue 15) with real podman containers and the
# shipped rules.d: each container is judged once, at start (or at
# audrift's start for one already running), on its container_start event.
#
#   --pid host, started BEFORE audrift: container_host_namespace, once
#   --privileged: privileged_container_started, once (and its added
#     capabilities: container_added_capabilities)
#   -v /etc:/host-etc:ro: sensitive_host_mount_in_container, once
#   --cap-add SYS_ADMIN: container_added_capabilities, once
#   plain, from a tag: no posture finding (only container_image_not_pinned)
#   pinned, from image@sha256:<podman image inspect's digest>: pinned, no
#     finding at all
#   another image: container_image_not_approved, with the test image's
#     digest approved in 70-local.rules (the rule enabled there)
# Every container also runs a few execs: their events must not repeat the
# posture findings.  The findings carry the image digest podman reports,
# and `audrift containers --format json` shows it, pinned or not.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin

IMG=localhost/audrift-test:1
ctr_image "$IMG"
other_file() { echo other > "$1/tmp/other"; }
OTHER=localhost/audrift-posture-other:1
ctr_image "$OTHER" other_file
DIGEST=$(podman image inspect --format '{{.Digest}}' "$IMG")
echo "$DIGEST" | grep -Eq '^sha256:[0-9a-f]{64}$' ||
	fail "podman image inspect digest '$DIGEST'"
ODIGEST=$(podman image inspect --format '{{.Digest}}' "$OTHER")
[ "$ODIGEST" != "$DIGEST" ] || fail "the two test images share a digest"

mkdir -p "$T/rules.d"
cp "$top_srcdir"/rules.d/*.rules "$T/rules.d/"
cat >> "$T/rules.d/70-local.rules" <<EOF
## ctr-posture e2e: the test image is the approved manifest
list approved_image_digests += [$DIGEST]
rule container_image_not_approved += { enabled true }
EOF

SLEEP="/bin/busybox sleep 300"
ctr_run CPID --pid host "$IMG" $SLEEP
audrift_start "$T/rules.d"
ctr_run CPRIV --privileged "$IMG" $SLEEP
ctr_run CETC -v /etc:/host-etc:ro "$IMG" $SLEEP
ctr_run CCAP --cap-add SYS_ADMIN "$IMG" $SLEEP
ctr_run CPLAIN "$IMG" $SLEEP
ctr_run CPIN "localhost/audrift-test@$DIGEST" $SLEEP
ctr_run COTHER "$OTHER" $SLEEP
for c in $CPRIV $CETC $CCAP $CPLAIN $CPIN $COTHER; do
	ctr_wait_armed "$c"
done
# events in each container after its start: the posture must not repeat
for c in $CPID $CPRIV $CETC $CCAP $CPLAIN $CPIN $COTHER; do
	for i in 1 2 3; do
		podman exec "$c" /bin/busybox true || fail "podman exec $c"
	done
done
# every container judged (the log says so once per container)
t0=$(now_ms)
for c in $CPID $CPRIV $CETC $CCAP $CPLAIN $CPIN $COTHER; do
	s=$(echo "$c" | cut -c1-12)
	until grep -q "container $s (.*): judged at start" "$T/err"; do
		[ $(( $(now_ms) - t0 )) -le 10000 ] || { cat "$T/err" >&2;
		    fail "container $s not judged within 10 s"; }
		sleep 0.05
	done
	[ "$(grep -c "container $s (.*): judged at start" "$T/err")" = 1 ] ||
		fail "container $s judged more than once"
done
sleep 1
"$AUDRIFT" containers --rules "$T/rules.d" --format json > "$T/ctrs.json" ||
	fail "audrift containers --format json"
"$AUDRIFT" containers --rules "$T/rules.d" > "$T/ctrs" ||
	fail "audrift containers"
live_stop

# once per container: n ROWS RULE CONTAINER
once() {
	_n=$(nrows "rule = '$1' AND container_id = '$2'")
	[ "$_n" = 1 ] || fail "$1 on $2: $_n rows, want 1: $(sqlite3 "$DB" \
	    "SELECT rule, container_id, kind, message FROM findings WHERE rule = '$1'")"
}
once container_host_namespace "$CPID"
once privileged_container_started "$CPRIV"
once container_added_capabilities "$CPRIV"
once sensitive_host_mount_in_container "$CETC"
once container_added_capabilities "$CCAP"
once container_image_not_approved "$COTHER"
for c in $CPID $CPRIV $CETC $CCAP $CPLAIN $COTHER; do
	once container_image_not_pinned "$c"
done
no_row "container_id = '$CPLAIN' AND kind = 'container_start' AND rule <> 'container_image_not_pinned'" \
	"a plain container has posture findings"
no_row "container_id = '$CPIN' AND kind = 'container_start'" \
	"a pinned plain container has posture findings"
no_row "rule = 'privileged_container_started' AND container_id <> '$CPRIV'" \
	"privileged on another container"
no_row "rule = 'sensitive_host_mount_in_container' AND container_id <> '$CETC'" \
	"a sensitive mount on another container"
no_row "rule = 'container_host_namespace' AND container_id <> '$CPID'" \
	"a host namespace on another container"
no_row "rule = 'container_image_not_approved' AND container_id <> '$COTHER'" \
	"an approved image reported"
no_row "rule LIKE 'container_%' AND kind <> 'container_start'" \
	"a posture finding from a syscall event"
no_row "rule = 'container_image_not_pinned' AND image_digest <> '$DIGEST' AND container_id <> '$COTHER'" \
	"the digest podman reports is not the findings'"
[ "$(nrows "rule = 'container_image_not_approved' AND image_digest = '$ODIGEST'")" = 1 ] ||
	fail "the unapproved finding lacks the other image's digest"
sqlite3 "$DB" "SELECT message FROM findings WHERE rule = 'sensitive_host_mount_in_container'" |
	grep -q 'host paths /etc mounted in' || fail "the mount finding does not name /etc"

# audrift containers: digest and pinned
P12=$(echo "$CPIN" | cut -c1-12)
grep "\"id\":\"$CPIN\"" "$T/ctrs.json" | grep -q "\"image_digest\":\"$DIGEST\",\"image_pinned\":true" ||
	fail "containers json: pinned container: $(grep "$CPIN" "$T/ctrs.json")"
grep "\"id\":\"$CPLAIN\"" "$T/ctrs.json" | grep -q '"image_pinned":false' ||
	fail "containers json: plain container not unpinned"
grep "\"id\":\"$CPRIV\"" "$T/ctrs.json" | grep -q '"privileged":true' ||
	fail "containers json: privileged container"
grep " $P12 " "$T/ctrs" | grep -q "$(echo "$DIGEST" | cut -c1-19) yes" ||
	fail "containers table: $(cat "$T/ctrs")"
grep " $(echo "$CETC" | cut -c1-12) " "$T/ctrs" | grep -q 'mount:/etc' ||
	fail "containers table has no mount flag: $(cat "$T/ctrs")"
echo "posture findings: $(nrows "kind = 'container_start'") over 7 containers"
for c in $CPID $CPRIV $CETC $CCAP $CPLAIN $CPIN $COTHER; do
	ctr_rm "$c"
done
check_restored
[ -z "$(podman ps -aq)" ] || fail "containers left: $(podman ps -a)"
exit 0
