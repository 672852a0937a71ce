# tests/lib.sh - shared by the shell tests (golden and e2e tiers).
# The harness (Makefile.am) exports top_srcdir, top_builddir and AUDRIFT.
: "${top_srcdir:?run through make check}" "${AUDRIFT:?run through make check}"
# audrift run logs to syslog off a terminal; tests read its stderr.
AUDRIFT_LOG=stderr; export AUDRIFT_LOG

fail() { echo "FAIL: $*" >&2; exit 1; }

# A test that cannot run here exits 77 (automake's SKIP) and says why.
skip() { echo "SKIP: $*" >&2; exit 77; }

# The real-kernel tier: a skip is a failure when CI requires the kernel.
skip_kernel() {
	echo "SKIP: $*" >&2
	if [ "${AUDRIFT_REQUIRE_KERNEL:-0}" = 1 ]; then
		echo "FAIL: AUDRIFT_REQUIRE_KERNEL=1, so this skip is a failure" >&2
		exit 1
	fi
	exit 77
}

# Start of a real-kernel test: skipped (never failed) inside make
# distcheck, which sets AUDRIFT_E2E=0 (the tier already ran on the real
# build); needs root and the audit subsystem.
e2e_begin() {
	if [ "${AUDRIFT_E2E:-1}" = 0 ]; then
		echo "SKIP: AUDRIFT_E2E=0 (make distcheck)" >&2
		exit 77
	fi
	[ "$(id -u)" = 0 ] || skip_kernel "the real-kernel tier needs root"
	command -v auditctl >/dev/null 2>&1 ||
	    skip_kernel "auditctl not found: install auditd (scripts/deps)"
	auditctl -s >/dev/null 2>&1 ||
	    skip_kernel "the kernel audit subsystem is not available here"
	kernel_lock
}

# One real-kernel test at a time, even under make -j check: the audit
# pid is one per host.
kernel_lock() {
	exec 9>/tmp/audrift-kernel.lock
	flock 9
}

# Every line of file $1 is valid JSON (sqlite3's json_valid; no python).
json_lines_valid() {
	bad=$(sqlite3 :memory: \
	    "CREATE TABLE t(l TEXT);" \
	    ".mode ascii" '.separator "\037" "\n"' \
	    ".import '$1' t" ".mode list" \
	    "SELECT count(*) FROM t WHERE json_valid(l) = 0;")
	[ "$bad" = 0 ]
}
