/*
 * finding.h - the columns of a finding: one table (finding.c) used to bind
 * the SQLite INSERT, to write a JSON-lines object and to read rows back for
 * `audrift query`, so the database and the JSON lines carry the same fields
 * under the same names.
 *
 * A row is a flat copy of one finding's column values: it owns its bytes
 * (in r->buf), so it outlives the event it came from.  Rows are reused:
 * ad_row_fill resets and refills, allocating nothing once warm.
 */
#ifndef AUDRIFT_FINDING_H
#define AUDRIFT_FINDING_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "util.h"

struct sqlite3_stmt;

/* Kind of a column's value.  JSON columns hold JSON text (tags, event):
 * stored as TEXT in SQLite, embedded as is in JSON lines. */
enum ad_col_kind {
	AD_COL_INT,
	AD_COL_TEXT,
	AD_COL_JSON
};

struct ad_val {
	int null;
	int64_t i;		/* AD_COL_INT */
	size_t off, len;	/* text: bytes at row->buf.p + off */
};

#define AD_FINDING_NCOLS	48

struct ad_row {
	struct ad_buf buf;
	struct ad_val v[AD_FINDING_NCOLS];
};

struct ad_row_src;		/* finding.c: finding + host, for getters */

struct ad_col {
	const char *name;
	const char *sqltype;	/* as in schema.sql: "TEXT", "INTEGER" */
	enum ad_col_kind kind;
	void (*get)(const struct ad_row_src *, struct ad_row *, struct ad_val *);
};

extern const struct ad_col ad_finding_cols[AD_FINDING_NCOLS];

/* The column list of findings, in table order, without id: one fixed
 * identifier list, spelled once, used by the INSERT and the query SELECT.
 * test_store.c checks it against ad_finding_cols and against the schema. */
#define AD_FINDING_COLUMNS \
	"time, serial, host, rule, severity, tags, message, syscall, op, " \
	"success, path, path2, exe, comm, cmdline, pid, ppid, uid, euid, " \
	"auid, container_id, container_runtime, container_name, image, " \
	"pod_uid, event, attribution, upper_layer, file_mode, file_uid, " \
	"file_gid, file_size, file_mtime, file_sha256, image_sha256, " \
	"package, package_ok, evidence, evidence_ms, kind, image_digest, " \
	"k8s_pod_name, k8s_ns_name, k8s_container_name, net_op, " \
	"net_family, net_addr, net_port"
#define AD_FINDING_INSERT_SQL	"INSERT" AD_FINDING_INSERT_INTO
/* ... its text after the verb (store.c's INSERT OR FAIL of many rows) */
#define AD_FINDING_INSERT_INTO \
	" INTO findings(" AD_FINDING_COLUMNS ") VALUES(" \
	"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?," \
	"?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?," \
	"?,?,?,?,?,?,?,?)"

/* Column index by name, or -1. */
int ad_col_index(const char *name);

void ad_row_init(struct ad_row *r);
void ad_row_free(struct ad_row *r);	/* frees bytes, keeps struct */
/* Fill r from f (borrowed for the call); host is the run's host name,
 * used when the event has no node=. */
void ad_row_fill(struct ad_row *r, const struct ad_finding *f,
    const char *host);
/* Set column name of r (the evidence columns, filled after the row by
 * evidence.c): text s copied (NULL: null).  Unknown names: no-op. */
void ad_row_set_text(struct ad_row *r, const char *name, const char *s);
void ad_row_set_int(struct ad_row *r, const char *name, int64_t i);
/* Every column null (the buffer kept for reuse). */
void ad_row_clear(struct ad_row *r);
/* Set column i from its text (another database's result): an integer
 * column parses it; s NULL: null. */
void ad_row_set_value(struct ad_row *r, int i, const char *s, size_t len);
/* Copy src into dst (dst's buffer reused). */
void ad_row_copy(struct ad_row *dst, const struct ad_row *src);
/* Text of column i (NUL-terminated), NULL when null or an integer. */
const char *ad_row_text(const struct ad_row *r, int i, size_t *lenp);

/* Append r as one JSON object, no newline.  Text members keep any bytes
 * valid (a "<name>_hex" twin when lossy); JSON columns are embedded.
 * With id >= 0 an "id" member comes first. */
void ad_row_json(struct ad_buf *out, const struct ad_row *r, int64_t id);

/* Bind r's values as parameters first..first+AD_FINDING_NCOLS-1 of st
 * (an INSERT of AD_FINDING_INSERT_SQL's columns, 1 for its first row).
 * Returns an SQLite result code. */
int ad_row_bind(struct sqlite3_stmt *st, const struct ad_row *r, int first);
/* Fill r from the current result row of st, columns first..first+NCOLS-1
 * in AD_FINDING_COLUMNS order. */
void ad_row_from_stmt(struct ad_row *r, struct sqlite3_stmt *st, int first);

#endif
