#!/bin/sh
# Container drift on the real kernel with a real podman container (issues
# 6, 7 and 12): audrift run --source daemon with the shipped rules.d joins
# the container's root overlay to the audit tree of its two audrift-ctr
# rules (a count that does not grow with the containers); each of the seven
# operations on a binary inside the container (create/write, chmod, chown,
# link, symlink, rename, unlink, utimes) is an
# essential_binary_modified_in_container finding with the container's full
# id and image; the shell from `podman exec` is shell_spawned_in_container;
# running the copied binary is drift_binary_executed_in_container; a write
# in /tmp is no finding; `podman rm` leaves the rule count as it was; a
# short-lived container is covered and attributed; SIGHUP with a rule
# naming a new dir covers it at once; tampering with the rules is
# reported and undone.  The
# machine is left as found: no container, no audrift rule, audit status
# restored.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
ctr_begin
IMG=localhost/audrift-test:1
ctr_image "$IMG"

# audrift with the shipped rules (a copy: SIGHUP below adds one)
mkdir "$T/shipped.d" && cp "$top_srcdir"/rules.d/*.rules "$T/shipped.d/" ||
	fail "cannot copy rules.d"
audrift_start "$T/shipped.d"

nr=$(ctr_rule_count)
[ "$nr" -ge 1 ] || fail "no audrift-ctr rule: $(auditctl -l)"
ctr_run CID "$IMG" /bin/busybox sleep 600
ctr_wait_armed "$CID"
echo "container armed $LAT ms after podman run returned"
auditctl -l | grep 'key=audrift-ctr' | sed 's/-S [^ ]* /-S ... /' | sort -u
[ "$(ctr_rule_count)" = "$nr" ] || fail "the rule count grew with a container: $(auditctl -l)"

in_ctr() { podman exec "$CID" sh -c "$1" || fail "podman exec: $1"; }
lat=
C="container_id='$CID'"
ebm() {	# ebm NAME WHERE: an essential_binary_modified_in_container row
	wait_row "rule='essential_binary_modified_in_container' AND $C AND $2" 5000
	lat="$lat $1=${LAT}ms"
}

in_ctr 'cp /bin/busybox /usr/bin/evil'
ebm create "op='create' AND path='/usr/bin/evil'"
in_ctr 'exec -a true /usr/bin/evil'	# busybox: argv[0] picks the applet
wait_row "rule='drift_binary_executed_in_container' AND $C AND exe='/usr/bin/evil'" 5000
lat="$lat exec=${LAT}ms"
in_ctr 'echo >> /usr/bin/evil'
ebm write "op='write' AND path='/usr/bin/evil'"
in_ctr 'chmod 700 /usr/bin/evil'
ebm chmod "op='chmod' AND path='/usr/bin/evil'"
in_ctr 'chown 1:1 /usr/bin/evil'
ebm chown "op='chown' AND path='/usr/bin/evil'"
in_ctr 'ln /usr/bin/evil /usr/bin/evil-hard'
ebm link "op='link' AND (path='/usr/bin/evil-hard' OR path2='/usr/bin/evil-hard')"
in_ctr 'ln -s /usr/bin/evil /usr/bin/evil-sym'
ebm symlink "op='symlink' AND (path='/usr/bin/evil-sym' OR path2='/usr/bin/evil-sym')"
in_ctr 'mv /usr/bin/evil-hard /usr/bin/evil-moved'
ebm rename "op='rename' AND path2='/usr/bin/evil-moved'"
in_ctr 'touch -d 2001-01-01 /usr/bin/evil'
ebm utimes "op='utimes' AND path='/usr/bin/evil'"
in_ctr 'rm /usr/bin/evil-moved'
ebm unlink "op='unlink' AND path='/usr/bin/evil-moved'"
# the other essential dirs of this image
for d in /bin /sbin /usr/sbin; do
	in_ctr "touch $d/evil"
	ebm "create:$d" "op='create' AND path='$d/evil'"
done
echo "latency (podman exec returned -> row in SQLite):$lat"

# who, what, where
n=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='essential_binary_modified_in_container' AND (container_id IS NULL OR container_id != '$CID' OR image IS NULL OR image NOT LIKE '%audrift-test%');")
[ "$n" = 0 ] || fail "$n container findings without the id or image: $(sqlite3 "$DB" "SELECT op, path, container_id, image FROM findings WHERE rule='essential_binary_modified_in_container';")"
sqlite3 "$DB" "SELECT 'attributed: ' || container_runtime || ' ' || coalesce(container_name, '?') || ' ' || coalesce(image, '?') FROM findings WHERE $C LIMIT 1;"
wait_row "rule='shell_spawned_in_container' AND $C AND comm='sh'" 5000

# near miss: a write in /tmp is not a binary change
in_ctr 'echo x > /tmp/scratch; chmod 600 /tmp/scratch'
in_ctr 'touch /usr/bin/after-tmp'
ebm marker "path='/usr/bin/after-tmp'"
n=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule LIKE 'essential_binary%' AND path LIKE '/tmp/%';")
[ "$n" = 0 ] || fail "a write in /tmp made $n essential_binary findings"
n=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='essential_binary_modified_on_host';")
[ "$n" = 0 ] || fail "container writes reported as host changes: $n"

# SIGHUP with a rule naming a dir no rule named before: the running
# container's rules move to it, and audrift's own move is no tampering
in_ctr 'mkdir -p /opt/app'
cat > "$T/shipped.d/75-sighup.rules" <<'EOF'
## ctr-drift.sh: a directory named after start
rule ctr_opt_drift {
	severity high
	when in_container and file.op in (create, write) and file.dir == "/opt/app"
	output "%file.op %file.path"
}
EOF
kill -HUP "$APID"
t0=$(now_ms)
until grep -q 'SIGHUP: reloaded' "$T/err"; do
	[ $(( $(now_ms) - t0 )) -le 5000 ] || fail "SIGHUP: no reload: $(cat "$T/err")"
	sleep 0.05
done
echo "SIGHUP: reloaded $(( $(now_ms) - t0 )) ms after the signal"
[ "$(ctr_rule_count)" = "$nr" ] || fail "SIGHUP: audrift-ctr rules $(ctr_rule_count), not $nr"
in_ctr 'touch /opt/app/new'
wait_row "rule='ctr_opt_drift' AND $C AND path='/opt/app/new'" 5000
sleep 1.2	# a tamper would show within a status poll
no_row "rule='audit_rules_tampered'" "audrift's own SIGHUP move taken for tampering"

# tamper: someone deletes the containers' rules by key; audrift puts
# them back and joins the running container's root again
auditctl -D -k audrift-ctr >/dev/null
wait_row "rule='audit_rules_tampered'" 3000
echo "tamper: finding in ${LAT} ms"
t0=$(now_ms)
until [ "$(auditctl -l | grep -c 'key=audrift-ctr')" = "$nr" ]; do
	[ $(( $(now_ms) - t0 )) -le 2000 ] || fail "container rules not reinstalled: $(auditctl -l)"
	sleep 0.05
done
in_ctr 'touch -d 2002-02-02 /usr/bin/evil-sym'
ebm after-tamper "op='utimes' AND path='/usr/bin/evil-sym'"
ntamper=$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='audit_rules_tampered';")

# the container goes: the rules stay as they are (its overlay leaves the
# tree with its unmount)
ctr_rm "$CID"
sleep 1	# the kernel's records are read and judged
[ "$(ctr_rule_count)" = "$nr" ] || fail "audrift-ctr rules $(ctr_rule_count) after podman rm, not $nr"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='audit_rules_tampered';")" = "$ntamper" ] ||
	fail "the container's own rule removal was taken for tampering: $(cat "$T/err")"

# a short-lived container: gone before any scan; covered from its first
# instruction (armed at mount), both findings attributed to its full id
ctr_run ID2 "$IMG" sh -c 'cp /bin/busybox /usr/bin/x; exec -a true /usr/bin/x'
podman wait "$ID2" >/dev/null
ctr_rm "$ID2"
wait_row "container_id='$ID2' AND rule='drift_binary_executed_in_container' AND exe='/usr/bin/x'" 5000
echo "short-lived container: drift exec attributed in ${LAT} ms after podman rm"
wait_row "container_id='$ID2' AND rule='essential_binary_modified_in_container' AND path='/usr/bin/x' AND image LIKE '%audrift-test%'" 5000
sqlite3 "$DB" "SELECT 'short-lived: ' || rule || ' by ' || attribution FROM findings WHERE container_id='$ID2';"

live_stop
grep 'audrift: container ' "$T/err"
check_restored
[ -z "$(podman ps -aq)" ] || fail "containers left: $(podman ps -a)"
exit 0
