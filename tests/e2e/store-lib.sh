# store-lib.sh - sourced by tests/e2e/store-*.sh: the writer helper, a
# scratch directory removed on exit, and skip/fail helpers.
: "${top_builddir:?run through make check}"
W="$top_builddir/tests/unit/store_writer"
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$W" ] || skip "$W not built (make check builds it)"
T=$(mktemp -d /tmp/audrift-store-test.XXXXXX) || fail "mktemp"
cleanup_extra() { :; }
trap 'cleanup_extra; rm -rf "$T"' EXIT
