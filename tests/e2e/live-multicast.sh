#!/bin/sh
# audrift run beside a real auditd (started here with its config in a temp
# dir, stopped by its pid): auto picks multicast; findings in SQLite within
# 2 s; at SIGTERM audrift removes its rules and leaves auditd registered.
. "$top_srcdir/tests/e2e/live-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
command -v auditd >/dev/null || skip_kernel "auditd not installed"
[ -r /etc/audit/auditd.conf ] || skip_kernel "no /etc/audit/auditd.conf to copy"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is already registered"
live_setup
A=$T/auditd
mkdir -p "$A/plugins.d"
sed -e "s|^log_file *=.*|log_file = $A/audit.log|" \
    -e "s|^plugin_dir *=.*|plugin_dir = $A/plugins.d|" \
    /etc/audit/auditd.conf > "$A/auditd.conf"
chmod 0640 "$A/auditd.conf"
auditd -n -c "$A" > "$A/out" 2>&1 &
AUDITD_PID=$!
i=0
until [ "$(kstat pid)" = "$AUDITD_PID" ]; do
	i=$((i + 1)); [ $i -le 50 ] || fail "auditd did not register: $(cat "$A/out")"
	sleep 0.1
done
live_start < /dev/null
grep -q 'source auto: an audit daemon is registered' "$T/err" ||
	fail "auto did not pick multicast: $(cat "$T/err")"
lat=
cp /bin/true "$BIN/mc"
wait_row "rule='live_file_drift' AND op='create' AND path='$BIN/mc'"; lat="$lat create=${LAT}ms"
chmod 700 "$BIN/mc"
wait_row "rule='live_file_drift' AND op='chmod' AND path='$BIN/mc'"; lat="$lat chmod=${LAT}ms"
"$BIN/mc"
wait_row "rule='live_exec_drift' AND exe='$BIN/mc'"; lat="$lat exec=${LAT}ms"
rm "$BIN/mc"
wait_row "rule='live_file_drift' AND op='unlink' AND path='$BIN/mc'"; lat="$lat unlink=${LAT}ms"
echo "multicast latency:$lat"
grep -q "$BIN/mc" "$A/audit.log" || fail "auditd did not log the events beside us"
live_stop
auditctl -l | grep -q 'audrift-' && fail "audrift rules left"
[ "$(kstat pid)" = "$AUDITD_PID" ] || fail "auditd lost its registration"
kill -TERM "$AUDITD_PID"; wait "$AUDITD_PID"; AUDITD_PID=
i=0
until [ "$(kstat pid)" = 0 ]; do
	i=$((i + 1)); [ $i -le 50 ] || fail "auditd pid not released"
	sleep 0.1
done
[ "$(kstat enabled)" != "$SAVED_ENABLED" ] && auditctl -e "$SAVED_ENABLED" >/dev/null
check_restored
exit 0
