#!/bin/sh
# bench/store.sh - findings/s into the SQLite store (a benchmark, not a
# test).  Run from a configured build directory: builds bench/store-bench
# without sanitizers' cost only if you configured without them.
#   bench/store.sh [N] [DIR] [BATCH]
set -e
make -s bench/store-bench
exec ./bench/store-bench "$@"
