/*
 * finding.c - the one table of finding columns.
 *
 * Each column has a name (as in schema.sql and the JSON lines), an SQL type,
 * a kind and a getter that reads it from the finding and its event.  The
 * store binds rows to AD_FINDING_INSERT_SQL, the JSON-lines sink prints
 * them with ad_row_json, and `audrift query` reads them back with
 * ad_row_from_stmt: adding a column is one line here, one in
 * AD_FINDING_COLUMNS and a migration block in schema.sql.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "container.h"
#include "event.h"
#include "fields.h"
#include "finding.h"
#include "posture.h"
#include "sink.h"
#include "util.h"

struct ad_row_src {
	const struct ad_finding *f;
	const struct ad_event *ev;
	const char *host;
};

static void
set_null(struct ad_val *v)
{
	v->null = 1;
	v->i = 0;
	v->off = v->len = 0;
}

static void
set_int(struct ad_val *v, int64_t i)
{
	v->null = 0;
	v->i = i;
	v->off = v->len = 0;
}

/* Copy len bytes of s (NULL: null) into the row's buffer. */
static void
set_text(struct ad_row *r, struct ad_val *v, const char *s, size_t len)
{
	if (s == NULL) {
		set_null(v);
		return;
	}
	v->null = 0;
	v->i = 0;
	v->off = r->buf.len;
	v->len = len;
	ad_buf_add(&r->buf, s, len);
	ad_buf_addc(&r->buf, '\0');
}

static void
set_cstr(struct ad_row *r, struct ad_val *v, const char *s)
{
	set_text(r, v, s, s ? strlen(s) : 0);
}

static void
set_str(struct ad_row *r, struct ad_val *v, const struct ad_str *s)
{
	set_text(r, v, s->s, s->len);
}

/* Open a text value that the caller appends to r->buf; end it with
 * text_end. */
static void
text_begin(struct ad_row *r, struct ad_val *v)
{
	v->null = 0;
	v->i = 0;
	v->off = r->buf.len;
}

static void
text_end(struct ad_row *r, struct ad_val *v)
{
	v->len = r->buf.len - v->off;
	ad_buf_addc(&r->buf, '\0');
}

#define GETTER(fn) \
	static void fn(const struct ad_row_src *src, struct ad_row *r, \
	    struct ad_val *v)

GETTER(get_null)
{
	set_null(v);
}

GETTER(get_time)
{
	char t[40];

	ad_event_time(src->ev, t, sizeof(t));
	set_cstr(r, v, t);
}

GETTER(get_serial)
{
	set_int(v, (int64_t)src->ev->serial);
}

GETTER(get_host)
{
	if (src->ev->node.s != NULL && src->ev->node.len > 0)
		set_str(r, v, &src->ev->node);
	else
		set_cstr(r, v, src->host);
}

GETTER(get_rule)
{
	set_cstr(r, v, src->f->rule ? src->f->rule : "");
}

GETTER(get_severity)
{
	set_cstr(r, v, src->f->severity);
}

GETTER(get_tags)
{
	int i;

	text_begin(r, v);
	ad_buf_addc(&r->buf, '[');
	for (i = 0; i < src->f->ntags; i++) {
		const char *t = src->f->tags[i];

		if (i > 0)
			ad_buf_addc(&r->buf, ',');
		ad_json_str(&r->buf, t, strlen(t));
	}
	ad_buf_addc(&r->buf, ']');
	text_end(r, v);
}

GETTER(get_message)
{
	const char *m = src->f->message;

	set_text(r, v, m, m ? (src->f->message_len ? src->f->message_len :
	    strlen(m)) : 0);
}

GETTER(get_syscall)
{
	char num[24];

	if (src->ev->syscall_name != NULL)
		set_cstr(r, v, src->ev->syscall_name);
	else if (src->ev->syscall >= 0) {
		snprintf(num, sizeof(num), "%d", src->ev->syscall);
		set_cstr(r, v, num);
	} else
		set_null(v);
}

GETTER(get_op)
{
	set_cstr(r, v, ad_op_name(src->ev->op));
}

GETTER(get_success)
{
	if (src->ev->success < 0)
		set_null(v);
	else
		set_int(v, src->ev->success);
}

GETTER(get_path)
{
	const struct ad_item *it = ad_event_file(src->ev);

	if (it == NULL)
		set_null(v);
	else
		set_str(r, v, &it->path);
}

GETTER(get_path2)
{
	const struct ad_item *it = ad_event_file2(src->ev);

	if (it == NULL)
		set_null(v);
	else
		set_str(r, v, &it->path);
}

GETTER(get_exe)
{
	set_str(r, v, &src->ev->proc.exe);
}

GETTER(get_comm)
{
	set_str(r, v, &src->ev->proc.comm);
}

GETTER(get_cmdline)
{
	set_str(r, v, &src->ev->proc.cmdline);
}

GETTER(get_pid)
{
	set_int(v, src->ev->proc.pid);
}

GETTER(get_ppid)
{
	set_int(v, src->ev->proc.ppid);
}

GETTER(get_uid)
{
	set_int(v, src->ev->proc.uid);
}

GETTER(get_euid)
{
	set_int(v, src->ev->proc.euid);
}

/* auid keeps the logged value: 4294967295 means unset, as in the log. */
GETTER(get_auid)
{
	set_int(v, src->ev->proc.auid);
}

#define CONTAINER_GETTER(fn, member) \
	GETTER(fn) \
	{ \
		const struct ad_container *c = src->ev->container; \
		set_cstr(r, v, c ? c->member : NULL); \
	}

CONTAINER_GETTER(get_container_id, id)
CONTAINER_GETTER(get_container_runtime, runtime)
CONTAINER_GETTER(get_container_name, name)
CONTAINER_GETTER(get_image, image)
CONTAINER_GETTER(get_pod_uid, pod_uid)

/* Posture columns (posture.h): what an analyst filters findings on. */
#define POSTURE_GETTER(fn, member) \
	GETTER(fn) \
	{ \
		const struct ad_container *c = src->ev->container; \
		set_cstr(r, v, c && c->posture ? c->posture->member : NULL); \
	}

POSTURE_GETTER(get_image_digest, image_digest)
POSTURE_GETTER(get_k8s_pod, k8s_pod)
POSTURE_GETTER(get_k8s_ns, k8s_ns)
POSTURE_GETTER(get_k8s_container, k8s_container)

GETTER(get_kind)
{
	set_cstr(r, v, ad_kind_name(ad_event_kind(src->ev)));
}

GETTER(get_event)
{
	text_begin(r, v);
	ad_event_json(&r->buf, src->ev);
	text_end(r, v);
}

GETTER(get_attribution)
{
	if (src->ev->attribution == AD_ATTR_NONE)
		set_null(v);
	else
		set_cstr(r, v, ad_attr_name(src->ev->attribution));
}

/* The file's layer; for an event without a file, the executable's. */
GETTER(get_upper_layer)
{
	if (src->ev->file_upper_layer >= 0)
		set_int(v, src->ev->file_upper_layer);
	else if (src->ev->exe_upper_layer >= 0)
		set_int(v, src->ev->exe_upper_layer);
	else
		set_null(v);
}

/* The network columns: the fields of the same names (fields.c), so a
 * row says what a rule saw. */
enum { NET_OP, NET_FAMILY, NET_ADDR, NET_PORT, NET__N };
static const struct ad_field *net_fields[NET__N];
static pthread_once_t net_once = PTHREAD_ONCE_INIT;

static void
net_fields_find(void)
{
	static const char *const names[NET__N] = { "net.op", "net.family",
	    "net.addr", "net.port" };
	int i;

	for (i = 0; i < NET__N; i++)
		net_fields[i] = ad_field_find(names[i]);
}

static void
net_col(const struct ad_row_src *src, struct ad_row *r, struct ad_val *v,
    int which)
{
	const struct ad_field *f;
	char scratch[AD_FIELD_SCRATCH];
	struct ad_fval fv;

	pthread_once(&net_once, net_fields_find);
	f = net_fields[which];
	memset(&fv, 0, sizeof(fv));
	if (f == NULL || !f->get(src->ev, &fv, scratch))
		set_null(v);
	else if (f->type == AD_FT_INTEGER)
		set_int(v, fv.i);
	else
		set_text(r, v, fv.s, fv.len);
}

GETTER(get_net_op)	{ net_col(src, r, v, NET_OP); }
GETTER(get_net_family)	{ net_col(src, r, v, NET_FAMILY); }
GETTER(get_net_addr)	{ net_col(src, r, v, NET_ADDR); }
GETTER(get_net_port)	{ net_col(src, r, v, NET_PORT); }

/* In AD_FINDING_COLUMNS order.  The evidence columns after upper_layer
 * are NULL here: the evidence worker (evidence.c) fills them in the row,
 * off the event thread, with ad_row_set_*. */
const struct ad_col ad_finding_cols[AD_FINDING_NCOLS] = {
	{ "time",		"TEXT",		AD_COL_TEXT,	get_time },
	{ "serial",		"INTEGER",	AD_COL_INT,	get_serial },
	{ "host",		"TEXT",		AD_COL_TEXT,	get_host },
	{ "rule",		"TEXT",		AD_COL_TEXT,	get_rule },
	{ "severity",		"TEXT",		AD_COL_TEXT,	get_severity },
	{ "tags",		"TEXT",		AD_COL_JSON,	get_tags },
	{ "message",		"TEXT",		AD_COL_TEXT,	get_message },
	{ "syscall",		"TEXT",		AD_COL_TEXT,	get_syscall },
	{ "op",			"TEXT",		AD_COL_TEXT,	get_op },
	{ "success",		"INTEGER",	AD_COL_INT,	get_success },
	{ "path",		"TEXT",		AD_COL_TEXT,	get_path },
	{ "path2",		"TEXT",		AD_COL_TEXT,	get_path2 },
	{ "exe",		"TEXT",		AD_COL_TEXT,	get_exe },
	{ "comm",		"TEXT",		AD_COL_TEXT,	get_comm },
	{ "cmdline",		"TEXT",		AD_COL_TEXT,	get_cmdline },
	{ "pid",		"INTEGER",	AD_COL_INT,	get_pid },
	{ "ppid",		"INTEGER",	AD_COL_INT,	get_ppid },
	{ "uid",		"INTEGER",	AD_COL_INT,	get_uid },
	{ "euid",		"INTEGER",	AD_COL_INT,	get_euid },
	{ "auid",		"INTEGER",	AD_COL_INT,	get_auid },
	{ "container_id",	"TEXT",		AD_COL_TEXT,	get_container_id },
	{ "container_runtime",	"TEXT",		AD_COL_TEXT,	get_container_runtime },
	{ "container_name",	"TEXT",		AD_COL_TEXT,	get_container_name },
	{ "image",		"TEXT",		AD_COL_TEXT,	get_image },
	{ "pod_uid",		"TEXT",		AD_COL_TEXT,	get_pod_uid },
	{ "event",		"TEXT",		AD_COL_JSON,	get_event },
	{ "attribution",	"TEXT",		AD_COL_TEXT,	get_attribution },
	{ "upper_layer",	"INTEGER",	AD_COL_INT,	get_upper_layer },
	{ "file_mode",		"INTEGER",	AD_COL_INT,	get_null },
	{ "file_uid",		"INTEGER",	AD_COL_INT,	get_null },
	{ "file_gid",		"INTEGER",	AD_COL_INT,	get_null },
	{ "file_size",		"INTEGER",	AD_COL_INT,	get_null },
	{ "file_mtime",		"TEXT",		AD_COL_TEXT,	get_null },
	{ "file_sha256",	"TEXT",		AD_COL_TEXT,	get_null },
	{ "image_sha256",	"TEXT",		AD_COL_TEXT,	get_null },
	{ "package",		"TEXT",		AD_COL_TEXT,	get_null },
	{ "package_ok",		"INTEGER",	AD_COL_INT,	get_null },
	{ "evidence",		"TEXT",		AD_COL_TEXT,	get_null },
	{ "evidence_ms",	"INTEGER",	AD_COL_INT,	get_null },
	{ "kind",		"TEXT",		AD_COL_TEXT,	get_kind },
	{ "image_digest",	"TEXT",		AD_COL_TEXT,	get_image_digest },
	{ "k8s_pod_name",	"TEXT",		AD_COL_TEXT,	get_k8s_pod },
	{ "k8s_ns_name",	"TEXT",		AD_COL_TEXT,	get_k8s_ns },
	{ "k8s_container_name",	"TEXT",		AD_COL_TEXT,	get_k8s_container },
	{ "net_op",		"TEXT",		AD_COL_TEXT,	get_net_op },
	{ "net_family",		"TEXT",		AD_COL_TEXT,	get_net_family },
	{ "net_addr",		"TEXT",		AD_COL_TEXT,	get_net_addr },
	{ "net_port",		"INTEGER",	AD_COL_INT,	get_net_port },
};

int
ad_col_index(const char *name)
{
	size_t i;

	for (i = 0; i < AD_FINDING_NCOLS; i++)
		if (strcmp(ad_finding_cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

void
ad_row_init(struct ad_row *r)
{
	size_t i;

	ad_buf_init(&r->buf);
	for (i = 0; i < AD_FINDING_NCOLS; i++)
		set_null(&r->v[i]);
}

void
ad_row_free(struct ad_row *r)
{
	if (r == NULL)
		return;
	ad_buf_free(&r->buf);
}

void
ad_row_fill(struct ad_row *r, const struct ad_finding *f, const char *host)
{
	struct ad_row_src src = { f, f->ev, host };
	size_t i;

	ad_buf_reset(&r->buf);
	for (i = 0; i < AD_FINDING_NCOLS; i++)
		ad_finding_cols[i].get(&src, r, &r->v[i]);
}

void
ad_row_set_text(struct ad_row *r, const char *name, const char *s)
{
	int i = ad_col_index(name);

	if (i >= 0)
		set_cstr(r, &r->v[i], s);
}

void
ad_row_set_int(struct ad_row *r, const char *name, int64_t i)
{
	int c = ad_col_index(name);

	if (c >= 0)
		set_int(&r->v[c], i);
}

void
ad_row_clear(struct ad_row *r)
{
	size_t i;

	ad_buf_reset(&r->buf);
	for (i = 0; i < AD_FINDING_NCOLS; i++)
		set_null(&r->v[i]);
}

void
ad_row_set_value(struct ad_row *r, int i, const char *s, size_t len)
{
	if (i < 0 || i >= AD_FINDING_NCOLS)
		return;
	if (s != NULL && ad_finding_cols[i].kind == AD_COL_INT)
		set_int(&r->v[i], strtoll(s, NULL, 10));
	else
		set_text(r, &r->v[i], s, len);
}

void
ad_row_copy(struct ad_row *dst, const struct ad_row *src)
{
	ad_buf_reset(&dst->buf);
	ad_buf_add(&dst->buf, src->buf.p, src->buf.len);
	memcpy(dst->v, src->v, sizeof(dst->v));
}

const char *
ad_row_text(const struct ad_row *r, int i, size_t *lenp)
{
	const struct ad_val *v = &r->v[i];

	if (v->null || ad_finding_cols[i].kind == AD_COL_INT)
		return NULL;
	if (lenp != NULL)
		*lenp = v->len;
	return r->buf.p + v->off;
}

void
ad_row_json(struct ad_buf *out, const struct ad_row *r, int64_t id)
{
	size_t i;

	ad_buf_addc(out, '{');
	if (id >= 0)
		ad_json_member_int(out, "id", id);
	for (i = 0; i < AD_FINDING_NCOLS; i++) {
		const struct ad_col *c = &ad_finding_cols[i];
		const struct ad_val *v = &r->v[i];
		int first = out->p[out->len - 1] == '{';

		if (c->kind == AD_COL_TEXT) {
			ad_json_member_str(out, c->name,
			    v->null ? NULL : r->buf.p + v->off, v->len);
			continue;
		}
		ad_json_key(out, c->name, first);
		if (v->null || (c->kind == AD_COL_JSON && v->len == 0))
			ad_buf_adds(out, "null");
		else if (c->kind == AD_COL_INT)
			ad_buf_add_int(out, v->i);
		else
			ad_buf_add(out, r->buf.p + v->off, v->len);
	}
	ad_buf_addc(out, '}');
}

int
ad_row_bind(sqlite3_stmt *st, const struct ad_row *r, int first)
{
	int i, rc = SQLITE_OK;

	for (i = 0; i < AD_FINDING_NCOLS && rc == SQLITE_OK; i++) {
		const struct ad_val *v = &r->v[i];

		if (v->null)
			rc = sqlite3_bind_null(st, first + i);
		else if (ad_finding_cols[i].kind == AD_COL_INT)
			rc = sqlite3_bind_int64(st, first + i, v->i);
		else
			rc = sqlite3_bind_text(st, first + i, r->buf.p + v->off,
			    (int)v->len, SQLITE_STATIC);
	}
	return rc;
}

void
ad_row_from_stmt(struct ad_row *r, sqlite3_stmt *st, int first)
{
	int i;

	ad_buf_reset(&r->buf);
	for (i = 0; i < AD_FINDING_NCOLS; i++) {
		struct ad_val *v = &r->v[i];
		int col = first + i;
		const unsigned char *t;

		if (ad_finding_cols[i].kind == AD_COL_INT) {
			if (sqlite3_column_type(st, col) == SQLITE_NULL)
				set_null(v);
			else
				set_int(v, sqlite3_column_int64(st, col));
		} else if ((t = sqlite3_column_text(st, col)) == NULL)
			set_null(v);	/* NULL (column_text's NULL) */
		else
			set_text(r, v, (const char *)t,
			    (size_t)sqlite3_column_bytes(st, col));
	}
}
