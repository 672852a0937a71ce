#!/bin/sh
# Evidence and `audrift diff` on a real podman container (issue 6).  The
# image has a busybox, /usr/bin/tool (a copy, owned by a dpkg package
# "tool" through var/lib/dpkg/info/tool.md5sums) and /usr/bin/tool2.  In
# the running container: tool is appended to, a binary is added and run,
# tool2 is removed, a symlink points out of the container.  Each finding
# carries the evidence the worker gathered: the sha256 of the file now
# and of the image's file ("absent in image" for the added one), the
# owning package and that it no longer matches, visible in SQLite within
# 1 s.  `audrift diff` lists the added, modified and deleted files with
# those hashes; `audrift containers` shows the container and its rules.
# The machine is left as found.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
IMG=localhost/audrift-evidence:1
rm_image() { podman rmi -f "$IMG" >/dev/null 2>&1; }
CTR_EXTRA_CLEANUP=rm_image
ctr_begin

# the image: busybox's tree plus tool (owned by dpkg package "tool") and tool2
evidence_tree() {
	mkdir -p "$1/var/lib/dpkg/info" &&
	    cp /bin/busybox "$1/usr/bin/tool" && echo two > "$1/usr/bin/tool2" &&
	    chmod 755 "$1/usr/bin/tool2" &&
	    echo "$(md5sum < "$1/usr/bin/tool" | cut -c1-32)  usr/bin/tool" \
		> "$1/var/lib/dpkg/info/tool.md5sums"
}
rm_image
ctr_image "$IMG" evidence_tree
BB=$(sha256sum < /bin/busybox | cut -c1-64)
TWO=$(echo two | sha256sum | cut -c1-64)

audrift_start "$top_srcdir/rules.d"
ctr_run CID "$IMG" /bin/busybox sleep 600
UPPER=$(podman inspect -f '{{.GraphDriver.Data.UpperDir}}' "$CID")
ctr_wait_armed "$CID"
in_ctr() { podman exec "$CID" sh -c "$1" || fail "podman exec: $1"; }
C="container_id='$CID' AND evidence IS NOT NULL"
col() { sqlite3 "$DB" "SELECT $1 FROM findings WHERE $C AND $2 ORDER BY id DESC LIMIT 1;"; }

# modified: the image's tool, appended to
in_ctr 'echo x >> /usr/bin/tool'
wait_row "$C AND op='write' AND path='/usr/bin/tool'" 1000
echo "modified: row with evidence in ${LAT} ms"
W="op='write' AND path='/usr/bin/tool'"
NOW=$(sha256sum < "$UPPER/usr/bin/tool" | cut -c1-64)
[ "$(col file_sha256 "$W")" = "$NOW" ] || fail "file_sha256 '$(col file_sha256 "$W")' is not the file now ($NOW)"
[ "$(col image_sha256 "$W")" = "$BB" ] || fail "image_sha256 '$(col image_sha256 "$W")' is not the image's ($BB)"
[ "$NOW" != "$BB" ] || fail "the modified file hashes like the image's"
[ "$(col package "$W")" = "dpkg:tool" ] || fail "package '$(col package "$W")'"
[ "$(col package_ok "$W")" = 0 ] || fail "package_ok '$(col package_ok "$W")' for a changed file"
[ "$(col file_size "$W")" = "$(stat -c %s "$UPPER/usr/bin/tool")" ] || fail "file_size"
[ "$(col evidence "$W")" = ok ] || fail "evidence '$(col evidence "$W")'"

# added and run: absent in image
in_ctr 'cp /bin/busybox /usr/bin/added; exec -a true /usr/bin/added'
wait_row "$C AND rule='drift_binary_executed_in_container' AND exe='/usr/bin/added'" 1000
echo "added+exec: row with evidence in ${LAT} ms"
E="rule='drift_binary_executed_in_container' AND exe='/usr/bin/added'"
[ "$(col image_sha256 "$E")" = "absent in image" ] || fail "added file: image_sha256 '$(col image_sha256 "$E")'"
[ "$(col file_sha256 "$E")" = "$BB" ] || fail "added file: file_sha256 '$(col file_sha256 "$E")'"

# deleted: the image's tool2
in_ctr 'rm /usr/bin/tool2'
wait_row "$C AND op='unlink' AND path='/usr/bin/tool2'" 1000
D="op='unlink' AND path='/usr/bin/tool2'"
[ "$(col image_sha256 "$D")" = "$TWO" ] || fail "deleted: image_sha256 '$(col image_sha256 "$D")'"
col file_sha256 "$D" | grep -q '^absent' || fail "deleted: file_sha256 '$(col file_sha256 "$D")'"

# a symlink out of the container, a hostile name: never followed, no crash
in_ctr 'ln -s /etc/shadow /usr/bin/esc; touch "$(printf "/usr/bin/a\nb\377")"'
wait_row "$C AND op='symlink'" 1000
col file_sha256 "op='symlink'" | grep -q 'not hashed: symlink' ||
	fail "symlink: file_sha256 '$(col file_sha256 "op='symlink'")'"
wait_row "$C AND path LIKE '/usr/bin/a%b%'" 1000
echo "evidence latency (ms, max over findings): $(sqlite3 "$DB" "SELECT max(evidence_ms) FROM findings WHERE evidence_ms IS NOT NULL;")"

# audrift diff: the Investigate step
"$AUDRIFT" diff --format json "${CID%${CID#????????????}}" > "$T/diff.json" 2> "$T/diff.err" ||
	{ cat "$T/diff.err" >&2; fail "audrift diff"; }
json_lines_valid "$T/diff.json" || fail "diff --format json: bad JSON"
grep '"path":"/usr/bin/tool"' "$T/diff.json" | grep '"change":"modified"' |
    grep "\"sha256\":\"$NOW\"" | grep -q "\"image_sha256\":\"$BB\"" ||
	fail "diff: tool not modified with both hashes: $(cat "$T/diff.json")"
grep '"path":"/usr/bin/added"' "$T/diff.json" | grep '"change":"added"' |
    grep -q '"image_sha256":"absent in image"' ||
	fail "diff: added file missing: $(cat "$T/diff.json")"
grep '"path":"/usr/bin/tool2"' "$T/diff.json" | grep '"change":"deleted"' |
    grep -q "\"image_sha256\":\"$TWO\"" ||
	fail "diff: deleted file missing: $(cat "$T/diff.json")"
grep '"path":"/usr/bin/esc"' "$T/diff.json" | grep -q '"type":"symlink"' ||
	fail "diff: symlink missing"
"$AUDRIFT" diff "$CID" > "$T/diff.txt" || fail "audrift diff (table)"
grep -q '^modified .* /usr/bin/tool$' "$T/diff.txt" || fail "diff table: $(cat "$T/diff.txt")"
grep -q '/usr/bin/a\\x0ab\\xff$' "$T/diff.txt" || fail "diff table: hostile name not escaped: $(cat "$T/diff.txt")"
echo "audrift diff: $(wc -l < "$T/diff.json") changes"
"$AUDRIFT" diff no-such-container 2> "$T/diff.err" && fail "diff of an unknown container succeeded"
grep -q 'audrift containers' "$T/diff.err" || fail "diff error says nothing to do: $(cat "$T/diff.err")"

# audrift containers: it is there, with its rules and findings
"$AUDRIFT" containers --rules "$top_srcdir/rules.d" --db "$DB" > "$T/ctrs" || fail "audrift containers"
cat "$T/ctrs"
line=$(grep " $(echo "$CID" | cut -c1-12) " "$T/ctrs") || fail "containers: $CID not listed"
echo "$line" | grep -q ' armed ' || fail "containers: not armed: $line"
echo "$line" | grep -q 'audrift-evidence' || fail "containers: no image: $line"

ctr_rm "$CID"
live_stop
check_restored
[ -z "$(podman ps -aq)" ] || fail "containers left: $(podman ps -a)"
exit 0
