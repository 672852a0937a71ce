#!/bin/sh
# audrift rules: the kernel rules in auditctl syntax, every one keyed
# audrift-*, exec for b64 (and b32 on x86_64), one dir= rule per watched
# dir and arch, usrmerge symlinks and missing dirs skipped.  No kernel.
. "$top_srcdir/tests/lib.sh"
[ -x "$AUDRIFT" ] || skip "$AUDRIFT not built"
T=$(mktemp -d /tmp/audrift-rules.XXXXXX) || fail "mktemp"
trap 'rm -rf "$T"' EXIT
mkdir "$T/a" "$T/b"
ln -s a "$T/link"
"$AUDRIFT" rules --watch-dir "$T/a" --watch-dir "$T/link" \
    --watch-dir "$T/b" > "$T/out" 2> "$T/err" || fail "rules: $(cat "$T/err")"
grep -v '^##' "$T/out" | grep -v -- '-k audrift-' && fail "a rule without an audrift key"
grep -q -- '-a always,exit -F arch=b64 -S execve,execveat -k audrift-exec' "$T/out" ||
	fail "no b64 exec rule"
if [ "$(uname -m)" = x86_64 ]; then
	grep -q -- '-F arch=b32 -S execve,execveat -k audrift-exec' "$T/out" ||
		fail "no b32 exec rule"
fi
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
"$AUDRIFT" rules --watch-dir "$T/nope" >/dev/null 2>"$T/err" &&
	fail "a missing --watch-dir accepted"
grep -q 'not a directory' "$T/err" || fail "missing dir message"
"$AUDRIFT" rules >/dev/null 2>&1 || fail "default dirs"
exit 0
