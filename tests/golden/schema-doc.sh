#!/bin/sh
# tests/golden/schema-doc.sh - docs/schema.md's DDL table is what
# scripts/schema-gen makes of src/schema.sql now (make schema-doc
# rewrites it), and both dialects' blocks are complete.
. "$top_srcdir/tests/lib.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cp "$top_srcdir/docs/schema.md" "$T/schema.md"
sh "$top_srcdir/scripts/schema-gen" doc "$top_srcdir/src/schema.sql" \
    "$T/schema.md" || fail "schema-gen failed"
grep -q '^<!-- ddl:begin -->$' "$T/schema.md" ||
    fail "docs/schema.md has no <!-- ddl:begin --> marker"
diff -u "$top_srcdir/docs/schema.md" "$T/schema.md" >&2 ||
    fail "docs/schema.md is out of date with src/schema.sql: run make schema-doc"
# every @sqlite has its @pg and @end, in order
awk '/^-- @sqlite/ { if (s) bad = 1; s = 1 }
    /^-- @pg/ { if (s != 1) bad = 1; s = 2 }
    /^-- @end/ { if (s != 2) bad = 1; s = 0 }
    END { exit bad || s }' "$top_srcdir/src/schema.sql" ||
    fail "src/schema.sql: an -- @sqlite / -- @pg / -- @end block is unbalanced"
n_sqlite=$(grep -c '^-- @@ [0-9]' "$top_srcdir/src/schema.sql")
n_doc=$(grep -c '^#### Version [0-9]' "$top_srcdir/docs/schema.md")
[ "$n_sqlite" = "$n_doc" ] ||
    fail "docs/schema.md shows $n_doc versions, schema.sql has $n_sqlite"
echo "ok: docs/schema.md's DDL matches schema.sql ($n_sqlite versions)"
