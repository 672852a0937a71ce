#!/bin/sh
# The weekly comparison PCI DSS 11.5.2 asks for, on real podman
# containers (issue 19): `audrift diff --all` compares each running
# container with its image (one changed: a file added, one deleted; one
# untouched) and the host's essential bin dirs with its package
# database, records one comparisons row each, and the next `audrift
# report` shows them.  The machine is left as found.
. "$top_srcdir/tests/e2e/ctr-lib.sh"
IMG=localhost/audrift-compare:1
rm_image() { podman rmi -f "$IMG" >/dev/null 2>&1; }
CTR_EXTRA_CLEANUP=rm_image
ctr_begin
rm_image
ctr_image "$IMG"

ctr_run A "$IMG" /bin/busybox sleep 600
ctr_run B "$IMG" /bin/busybox sleep 600
podman exec "$A" /bin/busybox sh -c \
    'echo drift > /usr/bin/added && /bin/busybox rm /bin/sh' ||
    fail "podman exec: changing container A"

t0=$(now_ms)
"$AUDRIFT" diff --all --insecure-db --db "$DB" >"$T/cmp.out" 2>"$T/cmp.err" ||
    { cat "$T/cmp.err"; fail "audrift diff --all"; }
ms=$(( $(now_ms) - t0 ))
cat "$T/cmp.out"
row() {	# row TARGET COLUMN
	sqlite3 "$DB" "SELECT $2 FROM comparisons WHERE target = '$1'
	    ORDER BY id DESC LIMIT 1"
}
[ "$(row "$A" kind)" = container ] || fail "no comparison row for container A"
[ "$(row "$A" result)" = changed ] || fail "container A: $(row "$A" result), not changed"
[ "$(row "$A" baseline)" = image ] || fail "container A's baseline is not its image"
[ "$(row "$A" changed)" -ge 2 ] || fail "container A: $(row "$A" changed) changes, not 2"
[ "$(row "$A" "json_extract(detail, '\$') LIKE '%\"path\":\"/usr/bin/added\",\"found\":\"added\"%'
    AND detail LIKE '%\"path\":\"/bin/sh\",\"found\":\"deleted\"%'")" = 1 ] ||
    fail "container A's detail lacks the added and deleted files: $(row "$A" detail)"
[ "$(row "$B" result)" = pass ] || fail "container B: $(row "$B" result) $(row "$B" detail), not pass"
[ "$(row "$B" changed)" = 0 ] || fail "untouched container B has changes"
[ "$(row "$A" name)" = "$(podman inspect -f '{{.Name}}' "$A")" ] ||
    fail "container A's row does not carry its name"
grep -q "^container changed .* $A " "$T/cmp.out" || fail "diff --all's output lacks A"
# the host: /usr/bin against dpkg (Debian) or rpm (RHEL)
[ "$(row /usr/bin kind)" = host ] || fail "no host comparison of /usr/bin"
[ "$(row /usr/bin files_checked)" -gt 50 ] || fail "the host comparison checked few files"
case $(row /usr/bin baseline) in
dpkg|rpm|dpkg+rpm) ;;
*) fail "the host's /usr/bin had no package baseline: $(row /usr/bin baseline)" ;;
esac

# the next report shows them
"$AUDRIFT" report --db "$DB" --since 1h --format json --output "$T/r.json" ||
    fail "report"
sqlite3 :memory: "SELECT json_valid(readfile('$T/r.json'))" | grep -qx 1 ||
    fail "the report is not JSON"
grep -q "\"target\":\"$A\",[^}]*\"result\":\"changed\"" "$T/r.json" ||
    fail "the report lacks container A's comparison"
grep -q "\"target\":\"$B\",[^}]*\"result\":\"pass\"" "$T/r.json" ||
    fail "the report lacks container B's comparison"
"$AUDRIFT" report --db "$DB" --since 1h --output "$T/r.html" || fail "report html"
short=$(echo "$A" | cut -c1-12)
grep -q "<td>$short</td>" "$T/r.html" || fail "the HTML report lacks container A"
grep -q '/usr/bin/added: added' "$T/r.html" || fail "the HTML report lacks A's added file"
grep -q 'No file comparison' "$T/r.json" &&
    fail "a week with a comparison is said to have none"
echo "e2e report-compare: 2 containers and the host compared in $ms ms, rows recorded, the report shows them"
