#!/bin/sh
# audrift rules: the kernel rules in auditctl syntax, derived from the
# rules.d (the dirs its enabled rules name, the file ops they test, exec
# only if a rule can match one) plus --watch-dir; every one keyed
# audrift-*, exec for b64 (and b32 on x86_64), dir= rules per watched dir
# and arch, usrmerge symlinks and missing dirs skipped.  Then, on the
# real kernel: audrift run installs the derived rule, a write in the
# rules' dir is a finding, and SIGHUP after the list changed moves the
# kernel rule.
. "$top_srcdir/tests/e2e/live-lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
T=$(mktemp -d /tmp/audrift-rules.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT
mkdir "$T/a" "$T/b" "$T/c" "$T/r1" "$T/r2" "$T/r3"
ln -s a "$T/link"
# r1: every file op and exec, no dir named: --watch-dir decides
cat > "$T/r1/x.rules" <<'EOF'
rule any { severity low when proc.pid > 0 }
EOF
"$AUDRIFT" rules --rules "$T/r1" --watch-dir "$T/a" --watch-dir "$T/link" \
    --watch-dir "$T/b" > "$T/out" 2> "$T/err" || fail "rules: $(cat "$T/err")"
grep -v '^##' "$T/out" | grep -v -- '-k audrift-' && fail "a rule without an audrift key"
grep -q -- '-a always,exit -F arch=b64 -S execve,execveat -k audrift-exec' "$T/out" ||
	fail "no b64 exec rule"
if [ "$(uname -m)" = x86_64 ]; then
	grep -q -- '-F arch=b32 -S execve,execveat -k audrift-exec' "$T/out" ||
		fail "no b32 exec rule"
	# the i386-only calls (one syscall table for events and rules),
	# in two b32 rules naming no dir (their events are filtered in
	# audrift): a constant count of b32 rules, arch first
	for c in chown32 lchown32 truncate64; do
		grep -- "-F arch=b32 -S .*[,]$c[,].* -F perm=wa -k audrift-file32" "$T/out" >/dev/null ||
			fail "b32 file rule without $c: $(cat "$T/out")"
	done
	grep -q -- "-F arch=b32 -S [a-z0-9,]*utimensat_time64 -k audrift-file32" "$T/out" ||
		fail "b32 utimes rule without utimensat_time64"
	[ "$(grep -c -- '-F arch=b32' "$T/out")" = 3 ] ||
		fail "not 3 b32 rules (exec, file, utimes): $(grep -- '-F arch=b32' "$T/out")"
	grep -- "-F arch=b32 .*-F dir=" "$T/out" && fail "a b32 rule per dir"
	grep -- "-F arch=b64 .*chown32" "$T/out" && fail "chown32 in a b64 rule"
fi
for c in rmdir mknod; do
	grep -q -- "-F arch=b64 -S [a-z0-9,]*[,]$c[,].* -F dir=$T/a -F perm=wa" "$T/out" ||
		fail "b64 file rule without $c"
done
for d in a b; do
	grep -q -- "-F arch=b64 -S open,openat,.*chmod,.*rename,.*unlink.* -F dir=$T/$d -F perm=wa -k audrift-file" \
	    "$T/out" || fail "no file rule for $d: $(cat "$T/out")"
	# the utime family is in no perm class: its own rule, no perm=
	grep -q -- "-F arch=b64 -S utime,utimes,utimensat,futimesat -F dir=$T/$d -k audrift-file" \
	    "$T/out" || fail "no utimes rule for $d: $(cat "$T/out")"
done
[ "$(grep -c "dir=$T/a " "$T/out")" = "$(grep -c "dir=$T/b " "$T/out")" ] ||
	fail "the symlink was not folded into its target"
grep -q "$T/link: a symlink to $T/a" "$T/err" || fail "symlink not reported"
"$AUDRIFT" rules --rules "$T/r1" --watch-dir "$T/nope" >/dev/null 2>"$T/err" &&
	fail "a missing --watch-dir accepted"
grep -q 'not a directory' "$T/err" || fail "missing dir message"
# no dir named anywhere: the default essential dirs, with a notice
"$AUDRIFT" rules --rules "$T/r1" > "$T/out" 2> "$T/err" || fail "default dirs"
grep -q 'dir=/usr/bin ' "$T/out" || fail "no default dir: $(cat "$T/out")"
grep -q 'the rules name no directory' "$T/err" || fail "no notice: $(cat "$T/err")"

# r2: a list names the dir; chmod only, no exec rule
cat > "$T/r2/x.rules" <<EOF
list my_dirs = [$T/c, /nonexistent/audrift-test]
rule c_chmod { severity low when file.op == chmod and file.dir in my_dirs }
EOF
"$AUDRIFT" rules --rules "$T/r2" > "$T/out" 2> "$T/err" || fail "rules r2: $(cat "$T/err")"
grep -v '^##' "$T/out" > "$T/rules"
[ "$(wc -l < "$T/rules")" -ge 1 ] || fail "r2: no rule"
grep -q 'audrift-exec' "$T/rules" && fail "r2: exec rule without an exec rule"
grep -v -e "-F dir=$T/c " -e '-k audrift-ctr' -e '-k audrift-file32' "$T/rules" &&
	fail "r2: a rule on another dir"
# every container's root: one tree, two rules, whatever runs
[ "$(grep -c -- '-F dir=/run/audrift/containers .*-k audrift-ctr' "$T/rules")" = 1 ] ||
	fail "r2: not 1 container anchor rule (chmod only): $(cat "$T/rules")"
grep -q -- "-S chmod,fchmod,fchmodat,[a-z0-9,]* -F dir=$T/c -F perm=wa" "$T/rules" ||
	fail "r2: no chmod rule: $(cat "$T/rules")"
grep -E -- '-S [^ ]*(open|unlink|utime)' "$T/rules" && fail "r2: ops the rules do not test"
grep -q '/nonexistent/audrift-test: does not exist' "$T/err" || fail "r2: missing dir not logged"

# the shipped rules.d: the essential bin dirs and exec
"$AUDRIFT" rules --rules "$top_srcdir/rules.d" > "$T/out" 2> "$T/err" ||
	fail "shipped rules.d: $(cat "$T/err")"
grep -q -- '-F dir=/usr/bin ' "$T/out" && grep -q audrift-exec "$T/out" ||
	fail "shipped rules.d: $(cat "$T/out")"
rm -rf "$T"
trap - EXIT

# ---- real kernel: derived rules installed, SIGHUP moves them ----------
[ "${AUDRIFT_E2E:-1}" = 0 ] && exit 0
command -v sqlite3 >/dev/null || skip "sqlite3 CLI not installed"
e2e_begin
[ "$(kstat pid)" = 0 ] || skip "an audit daemon is registered (pid $(kstat pid)); the daemon source needs none"
live_setup
BIN=	# no --watch-dir: the rules' list only
mkdir "$T/x" "$T/y"
rules() {
	cat > "$T/rules.d/50-live-test.rules" <<EOF
list drift_dirs = [$1]
rule derived_dir_drift {
	severity high
	when file.op in (create, write) and file.dir in drift_dirs
	output "%file.op %file.path"
}
EOF
}
rules "$T/x"
live_start --source daemon
auditctl -l > "$T/krules"
grep 'key=audrift-file' "$T/krules" | grep -q "dir=$T/x " ||
	fail "no kernel rule for the list's dir: $(cat "$T/krules")"
grep -q 'key=audrift-exec' "$T/krules" && fail "exec rules without an exec rule"
echo x > "$T/x/f"
wait_row "rule='derived_dir_drift' AND path='$T/x/f'"
lat1=$LAT
rules "$T/y"
kill -HUP "$APID"
i=0
until auditctl -l | grep -q "dir=$T/y "; do
	i=$((i + 1))
	[ $i -lt 40 ] || fail "SIGHUP: no rule for $T/y: $(auditctl -l)"
	sleep 0.05
done
auditctl -l | grep -q "dir=$T/x " && fail "SIGHUP: the rule for $T/x stayed"
echo y > "$T/y/g"
wait_row "rule='derived_dir_drift' AND path='$T/y/g'"
sleep 1.2	# a tamper would show within a status poll
[ "$(sqlite3 "$DB" "SELECT count(*) FROM findings WHERE rule='audit_rules_tampered';")" = 0 ] ||
	fail "audrift's own SIGHUP update reported as tampering"
live_stop
check_restored
echo "derived dir finding ${lat1}ms, after SIGHUP ${LAT}ms"
exit 0
