#!/bin/bash
# tests/golden/pg-store.sh - the PostgreSQL backend against a real server
# this test starts (tests/pg-lib.sh): replay into PostgreSQL gives the
# same rows as into SQLite, column by column, and audrift query the same
# answers over both; a wrong password, an unreachable host, a read-only
# role, a password in the URI and a newer schema each give an error that
# names the problem and what to do.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg-lib.sh"
pg_require
T=$(mktemp -d)
chmod 755 "$T"
trap 'pg_stop; rm -rf "$T"' EXIT
export AUDRIFT_INSECURE_RULES=1
pg_start "$T/pg" || fail "cannot start a PostgreSQL server"
$PGSU -d postgres -c "CREATE ROLE writer LOGIN PASSWORD 'w-secret'" \
    -c "CREATE DATABASE fleet OWNER writer" \
    -c "CREATE ROLE reader LOGIN PASSWORD 'r-secret'" ||
    fail "cannot create the roles"
printf '127.0.0.1:%s:*:writer:w-secret\n127.0.0.1:%s:*:reader:r-secret\n127.0.0.1:%s:*:nobody:bad\n' \
    "$PGPORT" "$PGPORT" "$PGPORT" >"$T/pgpass"
chmod 600 "$T/pgpass"
export PGPASSFILE="$T/pgpass"
URI="postgresql://writer@127.0.0.1:$PGPORT/fleet?sslmode=disable"

G="$top_srcdir/tests/golden/logs"
R="$top_srcdir/rules.d"
sed 's#/tmp/audrift-golden\.[A-Za-z0-9]*/hostbin#/usr/local/bin#g' \
    "$G/host-fileops.log" >"$T/a.log"
cat "$T/a.log" "$G/host-exec.log" "$G/container-fileops.log" >"$T/all.log"

# 1. replay into both
"$AUDRIFT" replay --assume-host --rules "$R" --db "$T/l.db" --insecure-db \
    "$T/all.log" 2>"$T/r1.err" || { cat "$T/r1.err"; fail "replay sqlite"; }
"$AUDRIFT" replay --assume-host --rules "$R" --db "$URI" "$T/all.log" \
    2>"$T/r2.err" || { cat "$T/r2.err"; fail "replay into PostgreSQL"; }
n=$(sqlite3 "$T/l.db" "SELECT count(*) FROM findings")
[ "$n" -ge 5 ] || fail "only $n findings in the SQLite db"
m=$($PGSU -d fleet -tA -c "SELECT count(*) FROM findings")
[ "$n" = "$m" ] || fail "SQLite has $n findings, PostgreSQL $m"
[ "$($PGSU -d fleet -tA -c "SELECT max(version) FROM audrift_schema")" = \
    "$(sqlite3 "$T/l.db" "PRAGMA user_version")" ] ||
    fail "schema versions differ"
$PGSU -d fleet -tA -c "SELECT data_type FROM information_schema.columns
    WHERE table_name = 'findings' AND column_name IN ('time', 'event', 'pid')
    ORDER BY column_name" | tr '\n' ' ' | grep -qx 'json bigint timestamp with time zone ' ||
    fail "PostgreSQL's column types are not timestamptz/json/bigint"

# 2. column by column, every row: query --format json prints every column
for args in "--limit 0" "--limit 3" "--rule essential_binary_modified_on_host --limit 0" \
    "--severity high --limit 0" "--since 2000-01-01 --limit 0" \
    "--since 2099-01-01" "--container zz"; do
	# shellcheck disable=SC2086
	"$AUDRIFT" query --db "$T/l.db" --format json $args >"$T/q1" ||
	    fail "query sqlite $args"
	# shellcheck disable=SC2086
	"$AUDRIFT" query --db "$URI" --format json $args >"$T/q2" 2>"$T/q2.err" ||
	    { cat "$T/q2.err"; fail "query PostgreSQL $args"; }
	cmp -s "$T/q1" "$T/q2" || { diff "$T/q1" "$T/q2" | head -5;
	    fail "query $args differs between SQLite and PostgreSQL"; }
done
"$AUDRIFT" query --db "$T/l.db" --format csv --limit 0 >"$T/c1"
"$AUDRIFT" query --db "$URI" --format csv --limit 0 >"$T/c2"
cmp -s "$T/c1" "$T/c2" || fail "query --format csv differs"
"$AUDRIFT" query --db "$T/l.db" --limit 0 | head -n $((n + 1)) >"$T/t1"
"$AUDRIFT" query --db "$URI" --limit 0 >"$T/t2"
cmp -s "$T/t1" "$T/t2" || fail "query --format table differs"
# the views answer the same
for v in findings_by_rule; do
	a=$(sqlite3 -csv "$T/l.db" "SELECT rule, severity, findings FROM $v ORDER BY 1, 2")
	b=$($PGSU -d fleet --csv -t -c "SELECT rule, severity, findings FROM $v ORDER BY 1, 2")
	[ "$a" = "$b" ] || fail "view $v differs: $a / $b"
done

# 2a. --addr and --port answer the same over both (a recorded log of
# loopback sockets, v4 and v6, with the golden network rules)
$PGSU -d postgres -c "CREATE DATABASE net OWNER writer" >/dev/null
NURI="postgresql://writer@127.0.0.1:$PGPORT/net?sslmode=disable"
"$AUDRIFT" replay --assume-host --rules "$top_srcdir/tests/golden/network" \
    --db "$T/net.db" --insecure-db "$G/host-network.log" 2>/dev/null ||
    fail "replay the network log into SQLite"
"$AUDRIFT" replay --assume-host --rules "$top_srcdir/tests/golden/network" \
    --db "$NURI" "$G/host-network.log" 2>/dev/null ||
    fail "replay the network log into PostgreSQL"
for args in "--addr 127.0.0.1" "--addr 127.0.0.0/8" "--addr ::1" \
    "--addr ::/0" "--addr 10.0.0.0/8" "--port 40303" "--addr ::1 --port 40303"; do
	# shellcheck disable=SC2086
	"$AUDRIFT" query --db "$T/net.db" --format json --limit 0 $args >"$T/n1" ||
	    fail "query sqlite $args"
	# shellcheck disable=SC2086
	"$AUDRIFT" query --db "$NURI" --format json --limit 0 $args >"$T/n2" 2>"$T/n2.err" ||
	    { cat "$T/n2.err"; fail "query PostgreSQL $args"; }
	cmp -s "$T/n1" "$T/n2" || { diff "$T/n1" "$T/n2" | head -5;
	    fail "query $args differs between SQLite and PostgreSQL"; }
done
[ "$("$AUDRIFT" query --db "$NURI" --format csv --limit 0 --addr 127.0.0.0/8 | wc -l)" -ge 3 ] ||
    fail "query --addr 127.0.0.0/8 over PostgreSQL found fewer than 2 findings"

# 2b. the bytes COPY carries, in binary (replay) and in text (forwarded,
# a batch holding a time without ms goes in text): tab, newline and
# backslash kept; bytes that are not UTF-8, and NUL, as the characters \xHH
$PGSU -d postgres -c "CREATE DATABASE odd1 OWNER writer" \
    -c "CREATE DATABASE odd2 OWNER writer"
sed -E 's/comm="[^"]*"/comm=6109625C630A64FF65C3A966/
    s/ exe="[^"]*"/ exe=2F7573722F62696E2F00FFC3A9/' "$T/all.log" >"$T/odd.log"
odd_check() {	# odd_check DB WHAT
	r=$($PGSU -d "$1" -tA -c "SELECT count(*), count(*) FILTER (WHERE
	    comm = 'a' || chr(9) || 'b\c' || chr(10) || 'd\xffe' || chr(233) || 'f'
	    AND exe = '/usr/bin/\x00\xff' || chr(233)) FROM findings")
	[ "${r%|*}" -ge 5 ] && [ "${r%|*}" = "${r#*|}" ] ||
	    fail "$2: $r findings (all, with the bytes kept as expected)"
}
"$AUDRIFT" replay --assume-host --rules "$R" --db \
    "postgresql://writer@127.0.0.1:$PGPORT/odd1?sslmode=disable" \
    "$T/odd.log" 2>"$T/r3.err" || { cat "$T/r3.err"; fail "replay odd bytes"; }
odd_check odd1 "replay (binary COPY)"
"$AUDRIFT" replay --assume-host --rules "$R" --db "$T/odd.db" --insecure-db \
    "$T/odd.log" 2>"$T/r4.err" || { cat "$T/r4.err"; fail "replay odd bytes into SQLite"; }
sqlite3 "$T/odd.db" "UPDATE findings SET time = substr(time, 1, 19) || 'Z' WHERE id = 2"
AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
    --rules "$R" --db "$T/odd.db" --insecure-db --forward \
    "postgresql://writer@127.0.0.1:$PGPORT/odd2?sslmode=disable" \
    </dev/null 2>"$T/r5.err" || { cat "$T/r5.err"; fail "forward odd bytes"; }
odd_check odd2 "forwarded (text COPY)"
[ "$($PGSU -d odd2 -tA -c "SELECT time FROM findings WHERE host_finding_id = 2")" = \
    "$(sqlite3 "$T/odd.db" "SELECT replace(replace(time, 'T', ' '), 'Z', '+00') FROM findings WHERE id = 2")" ] ||
    fail "a time without ms was not kept"

# 2c. rows the server refuses (a CHECK a DBA added; a trigger would do the
# same): skipped, counted and named; the rows around them still arrive,
# and neither writer retries the batch forever
refuse_check() {	# refuse_check DB: findings of the most common path refused
	$PGSU -d "$1" -c "ALTER TABLE findings ADD CONSTRAINT no_such_path
	    CHECK (path IS DISTINCT FROM '$rpath')" >/dev/null ||
	    fail "cannot add the constraint in $1"
}
rpath=$(sqlite3 "$T/l.db" "SELECT path FROM findings WHERE path IS NOT NULL
    GROUP BY path ORDER BY count(*) DESC, path LIMIT 1")
k=$(sqlite3 "$T/l.db" "SELECT count(*) FROM findings WHERE path = '$rpath'")
[ "$k" -ge 1 ] && [ "$k" -lt "$n" ] || fail "no path to refuse ($k of $n)"
$PGSU -d postgres -c "CREATE DATABASE refuse1 OWNER writer" \
    -c "CREATE DATABASE refuse2 OWNER writer" >/dev/null
RURI1="postgresql://writer@127.0.0.1:$PGPORT/refuse1?sslmode=disable"
RURI2="postgresql://writer@127.0.0.1:$PGPORT/refuse2?sslmode=disable"
"$AUDRIFT" replay --assume-host --rules "$R" --db "$RURI1" /dev/null \
    2>"$T/r6.err" || { cat "$T/r6.err"; fail "schema into refuse1"; }
refuse_check refuse1
t0=$(date +%s)
"$AUDRIFT" replay --assume-host --rules "$R" --db "$RURI1" "$T/all.log" \
    2>"$T/r6.err" || { cat "$T/r6.err"; fail "replay with refused rows"; }
[ "$(($(date +%s) - t0))" -le 20 ] || fail "replay with refused rows took $(($(date +%s) - t0)) s"
[ "$($PGSU -d refuse1 -tA -c "SELECT count(*) FROM findings")" = $((n - k)) ] ||
    fail "direct: $($PGSU -d refuse1 -tA -c "SELECT count(*) FROM findings") findings, want $((n - k)) ($k refused)"
[ "$(grep -c 'the server refused a finding (rule .*no_such_path.*counted in runs.findings_dropped' "$T/r6.err")" = "$k" ] ||
    { cat "$T/r6.err"; fail "direct: the $k refused findings are not each named"; }
[ "$($PGSU -d refuse1 -tA -c "SELECT findings_dropped FROM runs ORDER BY id DESC LIMIT 1")" = "$k" ] ||
    fail "direct: runs.findings_dropped is not $k"
sqlite3 "$T/empty.db" "SELECT 1" >/dev/null
AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
    --rules "$R" --db "$T/empty.db" --insecure-db --forward "$RURI2" \
    </dev/null 2>"$T/r7.err" || { cat "$T/r7.err"; fail "schema into refuse2"; }
refuse_check refuse2
cp "$T/l.db" "$T/spool.db"
AUDRIFT_LOG=stderr "$AUDRIFT" run --source plugin --no-kernel-rules \
    --rules "$R" --db "$T/spool.db" --insecure-db --forward "$RURI2" \
    </dev/null 2>"$T/r7.err" || { cat "$T/r7.err"; fail "forward with refused rows"; }
$PGSU -d refuse2 -tA -c "SELECT host_finding_id FROM findings ORDER BY 1" >"$T/ids.p"
sqlite3 "$T/spool.db" "SELECT id FROM findings WHERE path IS NOT '$rpath' ORDER BY id" >"$T/ids.l"
cmp -s "$T/ids.l" "$T/ids.p" ||
    { cat "$T/r7.err"; fail "forwarded: the server holds $(wc -l <"$T/ids.p") findings, want the $((n - k)) not refused"; }
[ "$(grep -c 'the server refused finding [0-9]*: .*no_such_path' "$T/r7.err")" = "$k" ] ||
    { cat "$T/r7.err"; fail "forwarded: the $k refused findings are not each named"; }
"$AUDRIFT" query --db "$T/spool.db" --limit 1 >"$T/q" || fail "query the spool"
grep -q "^forward: 0 findings not yet sent" "$T/q" &&
    grep -q "refused by the server: $k findings" "$T/q" ||
    { cat "$T/q"; fail "query's forward block does not count $k refused"; }
echo "refused by a CHECK: $k of $n findings, direct and forwarded; the others arrived. Said:"
grep -m1 'refused a finding' "$T/r6.err"
grep -m1 'refused finding' "$T/r7.err"

# 3. errors: each names the problem and what to do
err() {	# err PATTERN URI
	"$AUDRIFT" query --db "$2" >/dev/null 2>"$T/e" && fail "query $2 worked"
	grep -q "$1" "$T/e" || { cat "$T/e"; fail "no '$1' for $2"; }
}
printf '127.0.0.1:%s:*:writer:wrong\n' "$PGPORT" >"$T/badpass"
chmod 600 "$T/badpass"
PGPASSFILE="$T/badpass" err "wrong or missing password: put it in ~/.pgpass" "$URI"
err "the server cannot be reached: check the host and port" \
    "postgresql://writer@127.0.0.1:1/fleet?sslmode=disable"
err "the URI holds a password: remove it" \
    "postgresql://writer:w-secret@127.0.0.1:$PGPORT/fleet"
# a read-only role: it may query, it may not write
$PGSU -d fleet -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader"
RURI="postgresql://reader@127.0.0.1:$PGPORT/fleet?sslmode=disable"
"$AUDRIFT" query --db "$RURI" --limit 1 >/dev/null 2>"$T/e" ||
    { cat "$T/e"; fail "a read-only role cannot query"; }
"$AUDRIFT" replay --assume-host --rules "$R" --db "$RURI" "$T/a.log" \
    >/dev/null 2>"$T/e" && fail "a read-only role could write"
grep -q "this role may not write there: give it INSERT" "$T/e" ||
    { cat "$T/e"; fail "no clear error for a read-only role"; }
# a schema newer than this audrift
$PGSU -d fleet -c "UPDATE audrift_schema SET version = version + 1"
err "newer than this audrift's .*: upgrade audrift on this host" "$URI"
"$AUDRIFT" replay --assume-host --rules "$R" --db "$URI" "$T/a.log" \
    >/dev/null 2>"$T/e" && fail "replay into a newer schema worked"
grep -q "upgrade audrift on this host" "$T/e" || fail "replay: no newer-schema error"
echo "ok: $n findings, same rows and answers in SQLite and PostgreSQL; errors clear"
