/*
 * comparison.c - writes the comparisons table (comparison.h).
 */
#include "config.h"

#include <string.h>

#include <sqlite3.h>

#include "comparison.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char sql_cmp_ins[] =
	"INSERT INTO comparisons(time, kind, target, name, image, baseline,"
	" files_checked, changed, unverified, result, detail)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

void
ad_cmp_init(struct ad_comparison *c, const char *kind, const char *target)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->target = target;
	ad_buf_init(&c->detail);
	ad_buf_addc(&c->detail, '[');
}

void
ad_cmp_free(struct ad_comparison *c)
{
	ad_buf_free(&c->detail);
}

void
ad_cmp_add(struct ad_comparison *c, const char *what, const char *path)
{
	if (c->ndetail >= AD_CMP_DETAIL_MAX)
		return;
	if (c->ndetail++ > 0)
		ad_buf_addc(&c->detail, ',');
	ad_buf_addc(&c->detail, '{');
	ad_json_member_str(&c->detail, "path", path, strlen(path));
	ad_json_member_str(&c->detail, "found", what, strlen(what));
	ad_buf_addc(&c->detail, '}');
}

const char *
ad_cmp_result(const struct ad_comparison *c)
{
	return c->error ? "error" : c->changed > 0 ? "changed" : "pass";
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s != NULL)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int
ad_cmp_record(sqlite3 *db, const struct ad_comparison *c)
{
	sqlite3_stmt *st = NULL;
	struct ad_buf err;
	char now[40];
	int rc;

	ad_iso_ms(ad_now_ms(), now, sizeof(now));
	if (sqlite3_prepare_v2(db, sql_cmp_ins, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("comparisons: %s; is the database's schema damaged?",
		    sqlite3_errmsg(db));
		return -1;
	}
	ad_buf_init(&err);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	bind_opt(st, 2, c->kind);
	bind_opt(st, 3, c->target);
	bind_opt(st, 4, c->name);
	bind_opt(st, 5, c->image);
	bind_opt(st, 6, c->baseline);
	sqlite3_bind_int64(st, 7, c->files_checked);
	sqlite3_bind_int64(st, 8, c->changed);
	sqlite3_bind_int64(st, 9, c->unverified);
	sqlite3_bind_text(st, 10, ad_cmp_result(c), -1, SQLITE_STATIC);
	if (c->error != NULL) {
		ad_buf_addc(&err, '{');
		ad_json_member_str(&err, "error", c->error, strlen(c->error));
		ad_buf_addc(&err, '}');
		sqlite3_bind_text(st, 11, err.p, (int)err.len,
		    SQLITE_TRANSIENT);
	} else {
		struct ad_buf d;

		ad_buf_init(&d);
		ad_buf_add(&d, c->detail.p, c->detail.len);
		ad_buf_addc(&d, ']');
		sqlite3_bind_text(st, 11, d.p, (int)d.len, SQLITE_TRANSIENT);
		ad_buf_free(&d);
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	ad_buf_free(&err);
	if (rc != SQLITE_DONE) {
		log_warnx("comparisons: cannot record the comparison of %s: "
		    "%s; check the database (disk full, permissions)",
		    c->target, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
