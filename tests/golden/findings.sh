#!/bin/sh
# Golden: the host rule essential_binary_modified_on_host on recorded
# logs, with its near misses.  The recorded host log (tests/golden/logs/
# host-fileops.log: cp, chmod, chown, ln, ln -s, mv, rm, touch in a
# temporary dir) is moved into /usr/local/bin by rewriting its quoted
# names at test time, so the recording stays what the kernel wrote.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden/logs"
R="$top_srcdir/rules.d"
export AUDRIFT_INSECURE_RULES=1

sed 's#/tmp/audrift-golden\.[A-Za-z0-9]*/hostbin#/usr/local/bin#g' \
    "$G/host-fileops.log" >"$T/usrlocal.log"
count() {	# count FILE RULE [OP]
	grep "\"rule\":\"$2\"" "$1" | grep -c "${3:+\"op\":\"$3\"}"
}

# 1. fires: each operation on /usr/local/bin by a non-package-manager
"$AUDRIFT" replay --assume-host --rules "$R" --json - "$T/usrlocal.log" \
    >"$T/fire.json" 2>"$T/fire.err" || { cat "$T/fire.err"; fail "replay"; }
json_lines_valid "$T/fire.json" || fail "findings are not valid JSON lines"
for op in create chmod chown link symlink rename unlink write; do
	[ "$(count "$T/fire.json" essential_binary_modified_on_host $op)" -ge 1 ] ||
	    fail "no essential_binary_modified_on_host finding for $op"
done
grep -q '"path":"/usr/local/bin/drift1","path2":"/usr/local/bin/drift1.moved"' \
    "$T/fire.json" || fail "the rename finding lacks its two paths"

# 2. near miss: the same writes by dpkg are the package manager's
sed 's#exe="/usr/bin/[a-z]*"#exe="/usr/bin/dpkg"#' "$T/usrlocal.log" >"$T/dpkg.log"
"$AUDRIFT" replay --assume-host --rules "$R" --json - "$T/dpkg.log" \
    >"$T/dpkg.json" 2>/dev/null || fail "replay dpkg"
[ "$(count "$T/dpkg.json" essential_binary_modified_on_host)" = 0 ] ||
    fail "dpkg's writes to /usr/local/bin were reported"

# 3. near miss: the same operations outside the bin dirs
"$AUDRIFT" replay --assume-host --rules "$R" --json - "$G/host-fileops.log" \
    >"$T/tmp.json" 2>/dev/null || fail "replay tmp"
[ ! -s "$T/tmp.json" ] || { cat "$T/tmp.json"; fail "writes in a temp dir were reported"; }

# 4. near miss: a replayed log cannot tell a container from the host, so
#    the container's /usr/bin changes are not reported as the host's
"$AUDRIFT" replay --rules "$R" --json - "$G/container-fileops.log" \
    >"$T/ctr.json" 2>/dev/null || fail "replay container"
[ "$(count "$T/ctr.json" essential_binary_modified_on_host)" = 0 ] ||
    fail "replayed container events were reported as host events"

# 5. the same findings land in SQLite with the columns analysts query
"$AUDRIFT" replay --assume-host --insecure-db --rules "$R" --db "$T/f.db" \
    "$T/usrlocal.log" 2>/dev/null || fail "replay --db"
n=$(sqlite3 "$T/f.db" "SELECT count(*) FROM findings WHERE
    rule = 'essential_binary_modified_on_host' AND path LIKE '/usr/local/bin/%'
    AND serial > 0 AND exe IS NOT NULL AND time LIKE '20%Z'
    AND container_id IS NULL")
[ "$n" -ge 8 ] || fail "only $n host findings in SQLite"
echo "golden findings: host rule fires on its 8 operations, quiet on 3 near misses"
