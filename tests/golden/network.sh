#!/bin/sh
# Golden: network events of a recorded log (tests/golden/logs/
# host-network.log: loopback bind/listen/connect/accept over TCP v4, v6
# and UDP, a listen with no bind, dup2 onto 0 and 1 before an exec) under
# rules that test net.op, net.addr with CIDR lists, net.family and
# net.public; the findings' net_* columns in SQLite, and audrift query
# --port and --addr over them.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
G="$top_srcdir/tests/golden"
export AUDRIFT_INSECURE_RULES=1

"$AUDRIFT" replay --assume-host --insecure-db --rules "$G/network" \
    --db "$T/n.db" --json "$T/n.json" "$G/logs/host-network.log" \
    2>"$T/err" || { cat "$T/err"; fail "replay"; }
json_lines_valid "$T/n.json" || fail "findings are not valid JSON lines"
q() { sqlite3 "$T/n.db" "$1"; }
# every listen of the log: 4, placed by its bind (v4, v6), the one with no
# bind (python's socket().listen()) took the UDP socket's fd number: the
# bind table cannot tell a reused fd (docs/rules.md, net.addr)
n=$(q "SELECT count(*) FROM findings WHERE rule = 'host_listen'
    AND net_op = 'listen' AND net_addr IN ('127.0.0.1', '::1')
    AND net_port IS NULL")
[ "$n" = 4 ] || fail "host_listen: $n findings, want 4 with their address and no port (bound to port 0)"
n=$(q "SELECT count(*) FROM findings WHERE rule = 'host_connect_v6'
    AND net_family = 'inet6' AND net_addr = '::1' AND net_port > 0")
[ "$n" = 1 ] || fail "host_connect_v6: $n findings, want 1"
n=$(q "SELECT count(*) FROM findings WHERE rule = 'host_accept_udp_miss'")
[ "$n" = 0 ] || fail "an accept from loopback was outside loopback_nets"
n=$(q "SELECT count(*) FROM findings WHERE rule = 'host_dup_stdio'
    AND net_op = 'dup' AND net_addr IS NULL")
[ "$n" = 2 ] || fail "host_dup_stdio: $n findings, want 2 (onto 1, onto 0)"
# the JSON lines carry the same columns
grep -q '"net_op":"listen","net_family":"inet6","net_addr":"::1"' "$T/n.json" ||
    fail "JSON lines lack the net columns"

# query: --port and --addr (an address or a network)
port=$(q "SELECT net_port FROM findings WHERE rule = 'host_connect_v6'")
"$AUDRIFT" query --db "$T/n.db" --port "$port" --format csv >"$T/p.csv" ||
    fail "query --port"
[ "$(grep -c host_connect_v6 "$T/p.csv")" = 1 ] && [ "$(wc -l <"$T/p.csv")" = 2 ] ||
    { cat "$T/p.csv"; fail "query --port $port: want the one connect"; }
"$AUDRIFT" query --db "$T/n.db" --addr 127.0.0.0/8 --limit 0 --format csv \
    >"$T/a.csv" || fail "query --addr"
[ "$(grep -c host_listen "$T/a.csv")" = 3 ] && ! grep -q '::1' "$T/a.csv" ||
    { cat "$T/a.csv"; fail "query --addr 127.0.0.0/8: want the 3 v4 listens"; }
"$AUDRIFT" query --db "$T/n.db" --addr ::1 --format csv >"$T/b.csv" ||
    fail "query --addr ::1"
[ "$(grep -c '::1' "$T/b.csv")" = 2 ] ||
    { cat "$T/b.csv"; fail "query --addr ::1: want the v6 listen and connect"; }
"$AUDRIFT" query --db "$T/n.db" --addr 10.0.0.1/8 >"$T/bad.out" 2>&1 &&
    fail "query --addr 10.0.0.1/8 was accepted"
grep -q "write 10.0.0.0/8" "$T/bad.out" || fail "bad --addr: no fix given"
"$AUDRIFT" query --db "$T/n.db" --port 70000 >/dev/null 2>&1 &&
    fail "query --port 70000 was accepted"
echo "golden network: listen/connect/dup findings with net columns; query --port/--addr"
