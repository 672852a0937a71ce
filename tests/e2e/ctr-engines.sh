#!/bin/sh
# Real engines beside podman (issue 12): Docker (dockerd with its own
# containerd) and containerd alone (ctr), each started by this test on
# private roots and sockets (no /etc, no host network: --bridge=none,
# --network none), stopped by its pid.  For each engine: a container
# started after audrift is armed (its root overlay joined to the
# audit-ctr tree), the seven operations on a binary in /usr/bin and the
# drift exec are findings on its full id and runtime (Docker: with name
# and image), and a container that drops a binary and runs it as its
# entrypoint, exiting at once, gets both findings.  Docker: a container
# started --cap-add SYS_PTRACE --pid host -v /etc:/host-etc:ro gets each posture
# finding once, the plain one none.  The kernel rule count stays as it
# was.  Nothing is left behind.
. "$top_srcdir/tests/e2e/ctr-lib.sh"

[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
e2e_begin
for b in dockerd containerd ctr runc docker; do
	command -v $b >/dev/null 2>&1 ||
	    skip_kernel "$b not installed (scripts/deps installs docker.io containerd)"
done
[ -x /bin/busybox ] || skip_kernel "busybox-static not installed"
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered (pid $(kstat pid))"
live_setup
DPID= CPID= DCIDS= KCIDS=
engines_cleanup() {
	for c in $DCIDS; do docker rm -f "$c" >/dev/null 2>&1; done
	for c in $KCIDS; do
		ctr -a "$KS" -n audrift task kill -s KILL "$c" >/dev/null 2>&1
		sleep 0.2
		ctr -a "$KS" -n audrift task rm -f "$c" >/dev/null 2>&1
		ctr -a "$KS" -n audrift containers rm "$c" >/dev/null 2>&1
	done
	for p in $DPID $CPID; do
		kill -TERM "$p" 2>/dev/null
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -KILL "$p" 2>/dev/null
	done
	DPID= CPID=
	# what the engines left mounted below the test's dir
	grep " $T/" /proc/self/mountinfo | awk '{ print $5 }' | sort -r |
	    while read -r m; do umount "$m" 2>/dev/null; done
	live_cleanup
}
trap engines_cleanup EXIT

# --- the image: busybox, as an OCI layout (containerd) and a tar (Docker)
R=$T/imgroot
mkdir -p "$R/bin" "$R/usr/bin" "$R/sbin" "$R/usr/sbin" "$R/tmp"
cp /bin/busybox "$R/bin/" && ln -s busybox "$R/bin/sh" || fail "image root"
O=$T/oci
mkdir -p "$O/blobs/sha256"
blob() {	# blob FILE: moved into the layout; prints "DIGEST SIZE"
	_d=$(sha256sum "$1" | cut -d' ' -f1); _s=$(stat -c %s "$1")
	mv "$1" "$O/blobs/sha256/$_d"; echo "$_d $_s"
}
tar -C "$R" -cf "$T/layer.tar" . || fail "layer"
set -- $(blob "$T/layer.tar"); L=$1 LS=$2
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$L" > "$T/cfg.json"
set -- $(blob "$T/cfg.json"); CF=$1 CS=$2
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' "$CF" "$CS" "$L" "$LS" > "$T/man.json"
set -- $(blob "$T/man.json"); M=$1 MS=$2
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"localhost/audrift-test:1"}}]}' "$M" "$MS" > "$O/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$O/oci-layout"
tar -C "$O" -cf "$T/oci.tar" . || fail "oci tar"

mkdir -p "$T/rules.d.shipped"
cp "$top_srcdir"/rules.d/*.rules "$T/rules.d.shipped/"
audrift_start "$T/rules.d.shipped"
C0=$(auditctl -l | grep -c 'key=audrift-')

# seven SQL conditions: one per operation, all on /usr/bin/evil*
OPS="op='create' AND path='/usr/bin/evil'
op='chmod' AND path='/usr/bin/evil'
op='chown' AND path='/usr/bin/evil'
op='utimes' AND path='/usr/bin/evil'
op='link' AND (path='/usr/bin/evil2' OR path2='/usr/bin/evil2')
op='rename' AND path2='/usr/bin/evil3'
op='unlink' AND path='/usr/bin/evil3'"
SEVEN='B=/bin/busybox; $B cp /bin/busybox /usr/bin/evil; $B chmod 700 /usr/bin/evil; $B chown 1:1 /usr/bin/evil; $B touch -d 2001-01-01 /usr/bin/evil; $B ln /usr/bin/evil /usr/bin/evil2; $B mv /usr/bin/evil2 /usr/bin/evil3; $B rm /usr/bin/evil3; exec -a true /usr/bin/evil'
# scenario ENGINE ID: the seven operations and the drift exec, on ID
scenario() {
	C="container_id='$2' AND container_runtime='$1'"
	echo "$OPS" | while read -r w; do
		wait_row "rule='essential_binary_modified_in_container' AND $C AND $w" 5000
	done
	wait_row "rule='drift_binary_executed_in_container' AND $C AND exe='/usr/bin/evil'" 5000
	echo "$1: the seven operations and the drift exec on ${2%${2#????????????}}"
}
SHORT='cp /bin/busybox /usr/bin/x; exec -a true /usr/bin/x'
short_lived() {	# short_lived ENGINE ID
	C="container_id='$2' AND container_runtime='$1'"
	wait_row "rule='essential_binary_modified_in_container' AND $C AND path='/usr/bin/x'" 5000
	wait_row "rule='drift_binary_executed_in_container' AND $C AND exe='/usr/bin/x'" 5000
	sqlite3 "$DB" "SELECT '$1 short-lived: ' || rule || ' by ' || attribution FROM findings WHERE $C;"
}

# --- Docker ------------------------------------------------------------
D=$T/docker
mkdir -p "$D"
dockerd --bridge=none --iptables=false --ip6tables=false \
    --data-root "$D/root" --exec-root "$D/exec" -H "unix://$D/docker.sock" \
    --pidfile "$D/docker.pid" > "$D/dockerd.log" 2>&1 &
DPID=$!
DOCKER_HOST=unix://$D/docker.sock; export DOCKER_HOST
i=0
until docker info >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -le 150 ] || { cat "$D/dockerd.log" >&2; fail "dockerd did not start"; }
	kill -0 "$DPID" 2>/dev/null || { cat "$D/dockerd.log" >&2; fail "dockerd exited"; }
	sleep 0.1
done
tar -C "$R" -c . | docker import - audrift-test:1 >/dev/null || fail "docker import"
DID=$(docker run -d --network none --name web1 audrift-test:1 /bin/busybox sleep 600) ||
	fail "docker run"
DCIDS="$DID"
wait_armed "$DID" "web1, docker"
docker exec "$DID" /bin/busybox sh -c "$SEVEN" || fail "docker exec"
scenario docker "$DID"
n=$(nrows "container_id='$DID' AND (container_name != 'web1' OR image != 'audrift-test:1')")
[ "$n" = 0 ] || fail "docker findings without name web1 and image audrift-test:1: $(sqlite3 "$DB" "SELECT container_name, image FROM findings WHERE container_id='$DID' LIMIT 3;")"
DID2=$(docker run -d --network none audrift-test:1 /bin/sh -c "$SHORT") || fail "docker run (short)"
DCIDS="$DCIDS $DID2"
docker wait "$DID2" >/dev/null
docker rm -f "$DID" "$DID2" >/dev/null
DCIDS=
short_lived docker "$DID2"
# posture (issue 15), from config.v2.json and hostconfig.json: judged once
# (not --privileged: dockerd asks for capabilities this VM's bounding set
# lacks, and runc refuses; podman's ctr-posture.sh and the fixtures cover
# privileged)
DP=$(docker run -d --network none --cap-add SYS_PTRACE --pid host -v /etc:/host-etc:ro \
    audrift-test:1 /bin/busybox sleep 600) || fail "docker run (posture)"
DCIDS="$DP"
wait_armed "$DP" ".*, docker"
docker exec "$DP" /bin/busybox true && docker exec "$DP" /bin/busybox true ||
	fail "docker exec (posture)"
for r in container_added_capabilities sensitive_host_mount_in_container \
    container_host_namespace; do
	wait_row "rule='$r' AND container_id='$DP' AND kind='container_start'" 5000
done
sleep 0.5
for r in container_added_capabilities sensitive_host_mount_in_container \
    container_host_namespace; do
	[ "$(nrows "rule='$r' AND container_id='$DP'")" = 1 ] ||
		fail "docker: $r not once: $(nrows "rule='$r' AND container_id='$DP'")"
done
n=$(nrows "kind='container_start' AND container_id='$DID' AND rule <> 'container_image_not_pinned'")
[ "$n" = 0 ] || fail "docker: the plain container web1 has $n posture findings"
docker rm -f "$DP" >/dev/null
DCIDS=
no_row "rule='privileged_container_started'" "docker: privileged reported"
echo "docker posture: $(nrows "kind='container_start' AND container_id='$DP'") findings on the container with SYS_PTRACE, host pid and /etc"
kill -TERM "$DPID"; wait "$DPID" 2>/dev/null; DPID=
unset DOCKER_HOST

# --- containerd alone (ctr) ---------------------------------------------
K=$T/containerd
mkdir -p "$K"
KS=$K/containerd.sock
cat > "$K/config.toml" <<EOC
version = 2
root = "$K/root"
state = "$K/state"
[grpc]
  address = "$KS"
[plugins."io.containerd.grpc.v1.cri"]
  disable = true
EOC
containerd --config "$K/config.toml" > "$K/containerd.log" 2>&1 &
CPID=$!
i=0
until ctr -a "$KS" version >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -le 150 ] || { cat "$K/containerd.log" >&2; fail "containerd did not start"; }
	sleep 0.1
done
ctr -a "$KS" -n audrift images import "$T/oci.tar" >/dev/null || fail "ctr import"
KID=$(printf 'audrift-ctr-engines-1' | sha256sum | cut -c1-64)
KID2=$(printf 'audrift-ctr-engines-2' | sha256sum | cut -c1-64)
ctr -a "$KS" -n audrift run -d localhost/audrift-test:1 "$KID" /bin/busybox sleep 600 >/dev/null ||
	fail "ctr run"
KCIDS=$KID
wait_armed "$KID" ".*, containerd"
ctr -a "$KS" -n audrift task exec --exec-id seven "$KID" /bin/busybox sh -c "$SEVEN" ||
	fail "ctr task exec"
scenario containerd "$KID"
ctr -a "$KS" -n audrift run -d localhost/audrift-test:1 "$KID2" /bin/sh -c "$SHORT" >/dev/null ||
	fail "ctr run (short)"
KCIDS="$KID $KID2"
short_lived containerd "$KID2"

[ "$(auditctl -l | grep -c 'key=audrift-')" = "$C0" ] ||
	fail "the kernel rule count moved from $C0: $(auditctl -l)"
# the engines down first (their containers, then the daemon), then audrift
for c in $KCIDS; do
	ctr -a "$KS" -n audrift task kill -s KILL "$c" >/dev/null 2>&1
done
sleep 0.5
for c in $KCIDS; do
	ctr -a "$KS" -n audrift task rm -f "$c" >/dev/null 2>&1
	ctr -a "$KS" -n audrift containers rm "$c" >/dev/null 2>&1 ||
	    fail "ctr containers rm $c"
done
KCIDS=
kill -TERM "$CPID"; wait "$CPID" 2>/dev/null; CPID=
live_stop
check_restored
pgrep -x dockerd >/dev/null && fail "a dockerd is still running"
pgrep -x containerd >/dev/null && fail "a containerd is still running"
exit 0
