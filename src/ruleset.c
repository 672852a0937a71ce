/*
 * ruleset.c - load rules.d: read files safely, parse them, resolve names
 * (lists, macros, rules, appends), check types, and compile every rule
 * into the form eval.c runs (struct ad_crule).
 *
 * Stages, each reporting every error it finds:
 *   1. read and parse every file (grammar/);
 *   2. register lists, macros and rules (duplicates are errors), attach
 *      `list X +=`, `rule X +=` and `disable rule X` to what they extend;
 *   3. resolve lists (lists may include lists; a cycle is an error);
 *   4. check macros once (macros may use macros; a cycle is an error);
 *   5. compile rules, inlining macros and pre-resolving lists into sorted
 *      sets, compiling regexes once.
 * Any error in any file: print them all, load nothing.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "diag.h"
#include "digest.h"
#include "log.h"
#include "rules_ast.h"
#include "ruleset.h"
#include "util.h"

#define AD_RULES_MAX_SIZE	(16u << 20)	/* one rule file, bytes */

/* ---- AST helpers (used by grammar/parser.y) ----------------------------- */

void
ad_words_push(struct ad_words *w, struct ad_word word)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->v = xrealloc(w->v, (size_t)w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = word;
}

void
ad_words_free(struct ad_words *w)
{
	int i;

	for (i = 0; i < w->n; i++)
		free(w->v[i].s);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

struct ad_expr *
ad_expr_new(enum ad_expr_kind kind, const struct ad_loc *loc)
{
	struct ad_expr *x = xcalloc(1, sizeof(*x));

	x->kind = kind;
	x->loc = *loc;
	return x;
}

void
ad_expr_free(struct ad_expr *x)
{
	if (x == NULL)
		return;
	ad_expr_free(x->l);
	ad_expr_free(x->r);
	free(x->name.s);
	free(x->op.s);
	free(x->val.s);
	ad_words_free(&x->set);
	free(x);
}

struct ad_ritem *
ad_ritem_new(enum ad_ritem_kind kind, const struct ad_loc *loc)
{
	struct ad_ritem *r = xcalloc(1, sizeof(*r));

	r->kind = kind;
	r->loc = *loc;
	return r;
}

void
ad_ritems_free(struct ad_ritem *r)
{
	struct ad_ritem *next;

	for (; r != NULL; r = next) {
		next = r->next;
		free(r->w.s);
		ad_words_free(&r->words);
		ad_expr_free(r->expr);
		free(r);
	}
}

struct ad_ritem *
ad_ritems_reverse(struct ad_ritem *r)
{
	struct ad_ritem *prev = NULL, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		r->next = prev;
		prev = r;
	}
	return prev;
}

const char *
ad_ritem_name(enum ad_ritem_kind kind)
{
	static const char *const names[AD_RI__COUNT] = {
		[AD_RI_DESC] = "desc",
		[AD_RI_SEVERITY] = "severity",
		[AD_RI_TAGS] = "tags",
		[AD_RI_WHEN] = "when",
		[AD_RI_EXCEPT] = "except",
		[AD_RI_OUTPUT] = "output",
		[AD_RI_ENABLED] = "enabled",
		[AD_RI_ACTION] = "action",
	};

	return (unsigned)kind < AD_RI__COUNT ? names[kind] : "?";
}

struct ad_stmt *
ad_stmt_new(enum ad_stmt_kind kind, const struct ad_loc *loc)
{
	struct ad_stmt *s = xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->loc = *loc;
	return s;
}

void
ad_stmts_free(struct ad_stmt *s)
{
	struct ad_stmt *next;

	for (; s != NULL; s = next) {
		next = s->next;
		free(s->name.s);
		ad_words_free(&s->words);
		ad_expr_free(s->expr);
		ad_ritems_free(s->items);
		free(s);
	}
}

void
ad_parse_add(struct ad_parse *p, struct ad_stmt *s)
{
	*p->tail = s;
	p->tail = &s->next;
}

/* ---- name maps --------------------------------------------------------- */

struct ad_map {
	const char **k;
	int *v;
	size_t cap, n;
};

static uint64_t
map_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int
map_get(const struct ad_map *m, const char *k)
{
	size_t i;

	if (m->cap == 0)
		return -1;
	for (i = map_hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		if (strcmp(m->k[i], k) == 0)
			return m->v[i];
	return -1;
}

/* k is borrowed: it must outlive the map. */
static void
map_put(struct ad_map *m, const char *k, int v)
{
	size_t i;

	if (2 * (m->n + 1) > m->cap) {
		struct ad_map old = *m;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->k = xcalloc(m->cap, sizeof(*m->k));
		m->v = xcalloc(m->cap, sizeof(*m->v));
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.k[i])
				map_put(m, old.k[i], old.v[i]);
		free(old.k);
		free(old.v);
	}
	for (i = map_hash(k) & (m->cap - 1); m->k[i]; i = (i + 1) & (m->cap - 1))
		;
	m->k[i] = k;
	m->v[i] = v;
	m->n++;
}

static void
map_free(struct ad_map *m)
{
	free(m->k);
	free(m->v);
}

/* ---- the loader --------------------------------------------------------- */

struct def {
	struct ad_stmt *s;		/* the definition */
	struct ad_stmt **app;		/* appends, in load order */
	int napp;
	int state;			/* 1 while being expanded */
	int checked, bad;
	const struct ad_word **vals;	/* lists: resolved items, borrowed */
	int nvals;
};

struct defs {
	struct def *v;
	int n;
	struct ad_map map;
};

struct loader {
	struct ad_diags *d;
	struct ad_src **srcs;
	int nsrcs, order;
	struct ad_stmt *stmts;
	struct defs lists, macros, rules;
	const char **stack;		/* names being expanded, for cycles */
	int depth;
	struct ad_digest *sha;	/* of every file's text, in order */
};

#define ERR(L, loc, ...)	ad_diag_error((L)->d, (loc), __VA_ARGS__)

static struct def *
defs_add(struct defs *ds, struct ad_stmt *s)
{
	struct def *d;

	if ((ds->n & (ds->n - 1)) == 0)
		ds->v = xrealloc(ds->v, (size_t)(ds->n ? 2 * ds->n : 1) *
		    sizeof(*ds->v));
	d = &ds->v[ds->n];
	memset(d, 0, sizeof(*d));
	d->s = s;
	map_put(&ds->map, s->name.s, ds->n++);
	return d;
}

static struct def *
defs_get(const struct defs *ds, const char *name)
{
	int i = map_get(&ds->map, name);

	return i < 0 ? NULL : &ds->v[i];
}

static void
defs_free(struct defs *ds)
{
	int i;

	for (i = 0; i < ds->n; i++) {
		free(ds->v[i].app);
		free(ds->v[i].vals);
	}
	free(ds->v);
	map_free(&ds->map);
}

static void
stack_push(struct loader *L, const char *name)
{
	L->stack = xrealloc(L->stack, (size_t)(L->depth + 1) *
	    sizeof(*L->stack));
	L->stack[L->depth++] = name;
}

/* "a -> b -> a" for the names being expanded from `from` on. */
static char *
stack_path(struct loader *L, const char *again)
{
	struct ad_buf b;
	int i, start = 0;

	for (i = 0; i < L->depth; i++)
		if (strcmp(L->stack[i], again) == 0)
			start = i;
	ad_buf_init(&b);
	for (i = start; i < L->depth; i++) {
		ad_buf_adds(&b, L->stack[i]);
		ad_buf_adds(&b, " -> ");
	}
	ad_buf_adds(&b, again);
	return b.p;
}

/* Levenshtein distance, capped: for "did you mean" hints. */
static int
edit_distance(const char *a, const char *b)
{
	int prev[64], cur[64], i, j, la = (int)strlen(a), lb = (int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			int c = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < c)
				c = prev[j] + 1;
			if (cur[j - 1] + 1 < c)
				c = cur[j - 1] + 1;
			cur[j] = c;
		}
		memcpy(prev, cur, sizeof(int) * (size_t)(lb + 1));
	}
	return prev[lb];
}

static void
field_hint(const char *name, char *buf, size_t cap)
{
	int i, best = 3, d;
	const char *hit = NULL;

	for (i = 0; i < ad_nfields; i++)
		if ((d = edit_distance(name, ad_fields[i].name)) < best) {
			best = d;
			hit = ad_fields[i].name;
		}
	if (hit)
		snprintf(buf, cap, "; did you mean '%s'?", hit);
	else
		snprintf(buf, cap, "; 'audrift fields' lists them");
}

/* ---- stage 1: read files ------------------------------------------------ */

static int
insecure_env(void)
{
	const char *e = getenv("AUDRIFT_INSECURE_RULES");

	return e != NULL && strcmp(e, "1") == 0;
}

/* Who may change this decides what is reported: root only. */
static int
check_owner(struct loader *L, const char *name, const struct stat *st)
{
	if (st->st_uid != 0) {
		ad_diag_file(L->d, name, L->order, "refusing to load: owned by "
		    "uid %u, not root (chown root; tests: --insecure-rules)",
		    (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		ad_diag_file(L->d, name, L->order, "refusing to load: writable "
		    "by group or others (mode %04o; chmod go-w)",
		    (unsigned)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

static void
add_src(struct loader *L, const char *name, char *text, size_t len)
{
	struct ad_src *src = ad_src_new(name, text, len, L->order);

	L->srcs = xrealloc(L->srcs, (size_t)(L->nsrcs + 1) * sizeof(*L->srcs));
	L->srcs[L->nsrcs++] = src;
	if (L->sha != NULL)
		ad_digest_update(L->sha, text, len);
	ad_parse_src(src, L->d, &L->stmts);
}

/* Read one rule file relative to dfd (O_NOFOLLOW: never a symlink). */
static void
load_file(struct loader *L, int dfd, const char *path, const char *name,
    int insecure)
{
	struct stat st;
	struct ad_buf b;
	char chunk[8192];
	ssize_t n;
	int fd;

	L->order++;
	fd = openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ad_diag_file(L->d, name, L->order, errno == ELOOP ?
		    "refusing to load a symbolic link: name the file itself" :
		    "cannot open: %s", strerror(errno));
		return;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ad_diag_file(L->d, name, L->order, "not a regular file");
		close(fd);
		return;
	}
	if (!insecure && check_owner(L, name, &st) != 0) {
		close(fd);
		return;
	}
	ad_buf_init(&b);
	ad_buf_reserve(&b, 1);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ad_diag_file(L->d, name, L->order, "cannot read: %s",
			    strerror(errno));
			break;
		}
		ad_buf_add(&b, chunk, (size_t)n);
		if (b.len > AD_RULES_MAX_SIZE) {
			ad_diag_file(L->d, name, L->order, "larger than %u "
			    "bytes: not a rule file?", AD_RULES_MAX_SIZE);
			n = -1;
			break;
		}
	}
	close(fd);
	if (n != 0) {
		ad_buf_free(&b);
		return;
	}
	add_src(L, name, b.p, b.len);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.rules file of dir, in lexical (byte) order. */
static void
load_dir(struct loader *L, const char *dir, int insecure)
{
	struct dirent *de;
	struct stat st;
	char **names = NULL, *full;
	size_t len, dlen = strlen(dir);
	int dfd, n = 0, i;
	DIR *dp;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		ad_diag_file(L->d, dir, 0, "cannot open rules directory: %s",
		    strerror(errno));
		return;
	}
	if (fstat(dfd, &st) == 0 && !insecure && check_owner(L, dir, &st)) {
		close(dfd);
		return;
	}
	if ((dp = fdopendir(dup(dfd))) == NULL) {
		ad_diag_file(L->d, dir, 0, "cannot read rules directory: %s",
		    strerror(errno));
		close(dfd);
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len < 7 ||
		    strcmp(de->d_name + len - 6, ".rules") != 0)
			continue;
		names = xrealloc(names, (size_t)(n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n == 0)
		log_warnx("%s holds no *.rules files: no rule is evaluated "
		    "and no kernel rule is derived; put rules there (the "
		    "shipped rules.d) or point --rules at a directory that "
		    "has them", dir);
	if (n > 1)
		qsort(names, (size_t)n, sizeof(*names), name_cmp);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	for (i = 0; i < n; i++) {
		full = xmalloc(dlen + strlen(names[i]) + 2);
		sprintf(full, "%.*s/%s", (int)dlen, dir, names[i]);
		load_file(L, dfd, names[i], full, insecure);
		free(full);
		free(names[i]);
	}
	free(names);
	close(dfd);
}

/* ---- stage 2: definitions and appends ----------------------------------- */

static const char *
stmt_what(enum ad_stmt_kind k)
{
	return k == AD_S_LIST || k == AD_S_LIST_APPEND ? "list" :
	    k == AD_S_MACRO ? "macro" : "rule";
}

static void
define(struct loader *L, struct defs *ds, struct ad_stmt *s)
{
	struct def *old = defs_get(ds, s->name.s);
	char at[256];

	if (old != NULL) {
		ad_loc_format(&old->s->name.loc, at, sizeof(at));
		ERR(L, &s->name.loc, "%s '%s' is already defined at %s%s",
		    stmt_what(s->kind), s->name.s, at, s->kind == AD_S_MACRO ||
		    s->kind == AD_S_LIST ? "" : "; to change it from a later "
		    "file use 'rule NAME += { ... }' or 'disable rule NAME'");
		return;
	}
	defs_add(ds, s);
}

static void
attach(struct loader *L, struct defs *ds, struct ad_stmt *s)
{
	struct def *d = defs_get(ds, s->name.s);

	if (d == NULL) {
		ERR(L, &s->name.loc, "%s '%s' is not defined: cannot %s it",
		    stmt_what(s->kind), s->name.s, s->kind == AD_S_DISABLE ?
		    "disable" : "append to");
		return;
	}
	d->app = xrealloc(d->app, (size_t)(d->napp + 1) * sizeof(*d->app));
	d->app[d->napp++] = s;
}

static void
register_all(struct loader *L)
{
	struct ad_stmt *s;

	for (s = L->stmts; s; s = s->next)
		switch (s->kind) {
		case AD_S_LIST:
			define(L, &L->lists, s);
			break;
		case AD_S_MACRO:
			define(L, &L->macros, s);
			break;
		case AD_S_RULE:
			define(L, &L->rules, s);
			break;
		default:
			break;
		}
	for (s = L->stmts; s; s = s->next)
		switch (s->kind) {
		case AD_S_LIST_APPEND:
			attach(L, &L->lists, s);
			break;
		case AD_S_RULE_APPEND:
		case AD_S_DISABLE:
			attach(L, &L->rules, s);
			break;
		default:
			break;
		}
}

/* ---- stage 3: lists ----------------------------------------------------- */

static void list_resolve(struct loader *L, struct def *d);

static void
list_push(struct def *d, const struct ad_word *w)
{
	if ((d->nvals & (d->nvals - 1)) == 0)
		d->vals = xrealloc(d->vals, (size_t)(d->nvals ? 2 * d->nvals :
		    1) * sizeof(*d->vals));
	d->vals[d->nvals++] = w;
}

/* Append the items of ws to d; a bare word naming a list stands for its
 * items.  Reports cycles. */
static void
list_add_words(struct loader *L, struct def *d, const struct ad_words *ws)
{
	struct def *sub;
	char *path;
	int i, j;

	for (i = 0; i < ws->n; i++) {
		const struct ad_word *w = &ws->v[i];

		if (w->quoted || (sub = defs_get(&L->lists, w->s)) == NULL) {
			list_push(d, w);
			continue;
		}
		if (sub->state == 1) {
			path = stack_path(L, w->s);
			ERR(L, &w->loc, "list '%s' includes itself: %s",
			    w->s, path);
			free(path);
			d->bad = sub->bad = 1;
			continue;
		}
		list_resolve(L, sub);
		if (sub->bad)
			d->bad = 1;
		for (j = 0; j < sub->nvals; j++)
			list_push(d, sub->vals[j]);
	}
}

static void
list_resolve(struct loader *L, struct def *d)
{
	int i;

	if (d->checked)
		return;
	d->state = 1;
	stack_push(L, d->s->name.s);
	list_add_words(L, d, &d->s->words);
	for (i = 0; i < d->napp; i++)
		list_add_words(L, d, &d->app[i]->words);
	L->depth--;
	d->state = 0;
	d->checked = 1;
}

/* ---- stage 4/5: expressions --------------------------------------------- */

static struct ad_cexpr *compile(struct loader *L, const struct ad_expr *x,
    int report);

static struct ad_cexpr *
cx_new(enum ad_cx_kind kind)
{
	struct ad_cexpr *c = xcalloc(1, sizeof(*c));

	c->kind = kind;
	return c;
}

static int
is_word(const char *s, const char *w)
{
	return strcmp(s, w) == 0;
}

/* Convert w to the integer view of field f (integer, boolean, file.op). */
static int
conv_int(struct loader *L, const struct ad_field *f, const struct ad_word *w,
    int64_t *out, int report)
{
	enum ad_kind kind;
	enum ad_op op;
	char *end;
	long long v;

	if (f->flags & AD_FF_NETOP) {
		if (ad_op_from_name(w->s, &op) == 0 &&
		    ((1u << op) & AD_OPS_NET)) {
			*out = op;
			return 0;
		}
		if (report)
			ERR(L, &w->loc, "unknown network operation '%s' for "
			    "%s (bind, listen, connect, accept, dup)", w->s,
			    f->name);
		return -1;
	}
	if (f->flags & AD_FF_KINDNAME) {
		if (ad_kind_from_name(w->s, &kind) == 0) {
			*out = kind;
			return 0;
		}
		if (report)
			ERR(L, &w->loc, "unknown event kind '%s' for %s "
			    "(syscall, after_the_fact, container_start)", w->s,
			    f->name);
		return -1;
	}
	if (f->flags & AD_FF_OPNAME) {
		if (ad_op_from_name(w->s, &op) == 0) {
			*out = op;
			return 0;
		}
		if (report)
			ERR(L, &w->loc, "unknown operation '%s' for %s (exec, "
			    "write, create, chmod, chown, link, symlink, rename, "
			    "unlink, utimes, truncate, mkdir, mount, other, "
			    "bind, listen, connect, accept, dup)", w->s,
			    f->name);
		return -1;
	}
	if (f->type == AD_FT_BOOLEAN) {
		if (is_word(w->s, "true") || is_word(w->s, "false")) {
			*out = is_word(w->s, "true");
			return 0;
		}
		if (report)
			ERR(L, &w->loc, "'%s' is not true or false (%s is a "
			    "boolean)", w->s, f->name);
		return -1;
	}
	errno = 0;
	v = strtoll(w->s, &end, 0);
	if (w->s[0] == '\0' || *end != '\0' || errno != 0) {
		if (report)
			ERR(L, &w->loc, "'%s' is not an integer (%s is an "
			    "integer)", w->s, f->name);
		return -1;
	}
	*out = v;
	return 0;
}

static int
int_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The order eval.c searches sets in: by length, then bytes. */
static int
str_cmp(const void *a, const void *b)
{
	const struct ad_str *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->s, y->s, x->len);
}

/* The values of a set operand: (a, b, ...) with lists expanded, or the
 * named list.  Borrowed pointers into the AST; NULL and *n = -1 on error. */
static const struct ad_word **
set_values(struct loader *L, const struct ad_expr *x, int *n, int report)
{
	struct def tmp, *d;

	*n = -1;
	if (x->opd == AD_OPD_VALUE) {
		if (x->val.quoted) {
			if (report)
				ERR(L, &x->val.loc, "'%s' needs (a, b, ...) or "
				    "a list name, not a string", x->op.s);
			return NULL;
		}
		if ((d = defs_get(&L->lists, x->val.s)) == NULL) {
			if (report)
				ERR(L, &x->val.loc, "undefined list '%s'",
				    x->val.s);
			return NULL;
		}
		list_resolve(L, d);
		if (d->bad)
			return NULL;
		*n = d->nvals;
		return d->vals;
	}
	memset(&tmp, 0, sizeof(tmp));
	list_add_words(L, &tmp, &x->set);
	if (tmp.bad) {
		free(tmp.vals);
		return NULL;
	}
	*n = tmp.nvals;
	return tmp.vals;	/* caller frees (see compile_cmp) */
}

static int
compile_regex(struct loader *L, struct ad_cexpr *c, const struct ad_word *w,
    int report)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	struct ad_loc at;
	int code;

	c->re = pcre2_compile((PCRE2_SPTR)w->s, strlen(w->s), 0, &code, &off,
	    NULL);
	if (c->re == NULL) {
		if (report) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			if (w->quoted)
				ad_diag_string_loc(&w->loc, off, 1, &at);
			else
				at = w->loc;
			ERR(L, &at, "bad regular expression: %s", (char *)msg);
		}
		return -1;
	}
	/* JIT where the platform has it; the interpreter otherwise. */
	(void)pcre2_jit_compile(c->re, PCRE2_JIT_COMPLETE);
	return 0;
}

/* The networks of an address comparison: one value (==, !=) or a set
 * (in), each an address or a CIDR network; every bad one reported at
 * its own place (in a list, where the list gives it). */
static int
compile_addr(struct loader *L, struct ad_cexpr *c, const struct ad_expr *x,
    int report)
{
	const struct ad_word **vals, *one = &x->val;
	char err[200];
	int i, n, bad = 0;

	if (x->opd == AD_OPD_VALUE && c->cmp != AD_CMP_IN) {
		vals = &one;
		n = 1;
	} else if ((vals = set_values(L, x, &n, report)) == NULL && n < 0)
		return -1;
	c->nset = n;
	c->cset = xcalloc((size_t)n + 1, sizeof(*c->cset));
	for (i = 0; i < n; i++)
		if (ad_cidr_parse(vals[i]->s, &c->cset[i], err,
		    sizeof(err)) != 0) {
			if (report)
				ERR(L, &vals[i]->loc, "%s", err);
			bad = 1;
		}
	if (x->opd == AD_OPD_SET)
		free(vals);
	return bad ? -1 : 0;
}

static struct ad_cexpr *
compile_cmp(struct loader *L, const struct ad_expr *x, int report)
{
	const struct ad_field *f = ad_field_find(x->name.s);
	const struct ad_operator *op = ad_operator_find(x->op.s);
	const struct ad_word **vals;
	struct ad_cexpr *c;
	char hint[128];
	int i, n, bad = 0;

	if (f == NULL) {
		if (report) {
			field_hint(x->name.s, hint, sizeof(hint));
			ERR(L, &x->name.loc, "unknown field '%s'%s", x->name.s,
			    hint);
		}
		bad = 1;
	}
	if (op == NULL) {
		if (report) {
			struct ad_buf names;

			ad_buf_init(&names);
			for (i = 0; i < ad_noperators; i++)
				ad_buf_printf(&names, "%s%s", i ? ", " : "",
				    ad_operators[i].name);
			ERR(L, &x->op.loc, "unknown operator '%s' (%s)",
			    x->op.s, names.p);
			ad_buf_free(&names);
		}
		return NULL;
	}
	if (bad)
		return NULL;
	if (!(op->types & AD_FT_BIT(f->type))) {
		if (report)
			ERR(L, &x->op.loc, "operator '%s' does not apply to %s "
			    "field '%s'", op->name, ad_ftype_name(f->type),
			    f->name);
		return NULL;
	}
	if (op->shape == AD_SHAPE_NONE && x->opd != AD_OPD_NONE) {
		if (report)
			ERR(L, &x->val.loc, "'%s' takes no value", op->name);
		return NULL;
	}
	if (op->shape != AD_SHAPE_NONE && x->opd == AD_OPD_NONE) {
		if (report)
			ERR(L, &x->op.loc, "operator '%s' needs a value%s",
			    op->name, op->shape == AD_SHAPE_SET ?
			    ": (a, b, ...) or a list name" : "");
		return NULL;
	}
	if (op->shape == AD_SHAPE_VALUE && x->opd == AD_OPD_SET) {
		if (report)
			ERR(L, &x->val.loc, "operator '%s' takes one value, "
			    "not a set (use 'in')", op->name);
		return NULL;
	}

	c = cx_new(AD_CX_CMP);
	c->cmp = op->cmp;
	c->field = f;
	c->intcmp = f->type == AD_FT_INTEGER || f->type == AD_FT_BOOLEAN ||
	    ((f->flags & (AD_FF_OPNAME | AD_FF_KINDNAME)) &&
	    (op->cmp == AD_CMP_EQ ||
	    op->cmp == AD_CMP_NE || op->cmp == AD_CMP_IN));
	if (f->type == AD_FT_ADDR && op->shape != AD_SHAPE_NONE) {
		if (compile_addr(L, c, x, report) != 0) {
			ad_cexpr_free(c);
			return NULL;
		}
		return c;
	}
	switch (op->shape) {
	case AD_SHAPE_NONE:
		return c;
	case AD_SHAPE_VALUE:
		if (c->intcmp) {
			if (conv_int(L, f, &x->val, &c->i, report) != 0)
				bad = 1;
		} else if (op->cmp == AD_CMP_MATCHES) {
			if (compile_regex(L, c, &x->val, report) != 0)
				bad = 1;
		} else {
			c->s = xstrdup(x->val.s);
			c->len = strlen(c->s);
			if (op->cmp == AD_CMP_ICONTAINS)
				for (i = 0; i < (int)c->len; i++)
					c->s[i] = (char)tolower(
					    (unsigned char)c->s[i]);
		}
		break;
	case AD_SHAPE_SET:
		vals = set_values(L, x, &n, report);
		if (n < 0) {
			bad = 1;
			break;
		}
		c->nset = n;
		if (c->intcmp) {
			c->iset = xcalloc((size_t)n + 1, sizeof(*c->iset));
			for (i = 0; i < n; i++)
				if (conv_int(L, f, vals[i], &c->iset[i],
				    report) != 0)
					bad = 1;
			qsort(c->iset, (size_t)n, sizeof(*c->iset), int_cmp);
		} else {
			c->sset = xcalloc((size_t)n + 1, sizeof(*c->sset));
			for (i = 0; i < n; i++) {
				c->sset[i].s = xstrdup(vals[i]->s);
				c->sset[i].len = strlen(vals[i]->s);
			}
			qsort(c->sset, (size_t)n, sizeof(*c->sset), str_cmp);
		}
		if (x->opd == AD_OPD_SET)
			free(vals);
		break;
	}
	if (bad) {
		ad_cexpr_free(c);
		return NULL;
	}
	return c;
}

/* A bare name: a boolean field (true when true), or a macro (inlined). */
static struct ad_cexpr *
compile_ref(struct loader *L, const struct ad_expr *x, int report)
{
	const struct ad_field *f = ad_field_find(x->name.s);
	struct ad_cexpr *c;
	struct def *m;
	char *path;

	if (f != NULL) {
		if (f->type != AD_FT_BOOLEAN) {
			if (report)
				ERR(L, &x->name.loc, "field '%s' needs an "
				    "operator (e.g. '%s exists')", f->name,
				    f->name);
			return NULL;
		}
		c = cx_new(AD_CX_CMP);
		c->cmp = AD_CMP_EQ;
		c->field = f;
		c->intcmp = 1;
		c->i = 1;
		return c;
	}
	if ((m = defs_get(&L->macros, x->name.s)) == NULL) {
		if (report)
			ERR(L, &x->name.loc, "undefined macro '%s'%s",
			    x->name.s, defs_get(&L->lists, x->name.s) ?
			    " (it is a list: use 'FIELD in LIST')" :
			    strchr(x->name.s, '.') ? " (or unknown field)" : "");
		return NULL;
	}
	if (m->state == 1) {
		if (report) {
			path = stack_path(L, x->name.s);
			ERR(L, &x->name.loc, "macro '%s' uses itself: %s",
			    x->name.s, path);
			free(path);
		}
		m->bad = 1;
		return NULL;
	}
	if (m->bad)
		return NULL;
	m->state = 1;
	stack_push(L, m->s->name.s);
	c = compile(L, m->s->expr, report && !m->checked);
	L->depth--;
	m->state = 0;
	m->checked = 1;
	if (c == NULL)
		m->bad = 1;
	return c;
}

static struct ad_cexpr *
compile(struct loader *L, const struct ad_expr *x, int report)
{
	struct ad_cexpr *c, *l, *r;

	switch (x->kind) {
	case AD_X_AND:
	case AD_X_OR:
		l = compile(L, x->l, report);
		r = compile(L, x->r, report);
		if (l == NULL || r == NULL) {
			ad_cexpr_free(l);
			ad_cexpr_free(r);
			return NULL;
		}
		c = cx_new(x->kind == AD_X_AND ? AD_CX_AND : AD_CX_OR);
		c->l = l;
		c->r = r;
		return c;
	case AD_X_NOT:
		if ((l = compile(L, x->l, report)) == NULL)
			return NULL;
		c = cx_new(AD_CX_NOT);
		c->l = l;
		return c;
	case AD_X_REF:
		return compile_ref(L, x, report);
	case AD_X_CMP:
		return compile_cmp(L, x, report);
	}
	return NULL;
}

/* ---- stage 5: rules ------------------------------------------------------ */

static const char *const severities[] = {
	"info", "low", "medium", "high", "critical",
};

/* Parse an output template: %field.name (a trailing '.' is text), %%. */
static int
tmpl_parse(struct loader *L, struct ad_crule *r, const struct ad_word *w)
{
	const char *s = w->s, *lit = s, *p = s, *q;
	const struct ad_field *f;
	struct ad_loc at;
	char name[64];
	int bad = 0;
	size_t n;

	r->tmpl = xcalloc(strlen(s) + 1, sizeof(*r->tmpl));
#define LIT(from, to) do {						\
		if ((to) > (from)) {					\
			r->tmpl[r->ntmpl].lit = xstrndup((from),	\
			    (size_t)((to) - (from)));			\
			r->tmpl[r->ntmpl++].len = (size_t)((to) - (from)); \
		}							\
	} while (0)
	while ((p = strchr(p, '%')) != NULL) {
		if (p[1] == '%') {
			LIT(lit, p + 1);
			lit = p += 2;
			continue;
		}
		for (q = p + 1; isalnum((unsigned char)*q) || *q == '_' ||
		    *q == '.'; q++)
			;
		while (q > p + 1 && q[-1] == '.')
			q--;
		n = (size_t)(q - p - 1);
		if (n == 0) {
			p++;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)n, p + 1);
		if ((f = ad_field_find(name)) == NULL) {
			ad_diag_string_loc(&w->loc, (size_t)(p - s), n + 1, &at);
			ERR(L, &at, "unknown field '%s' in output", name);
			bad = 1;
		} else {
			LIT(lit, p);
			r->tmpl[r->ntmpl++].field = f;
		}
		lit = p = q;
	}
	LIT(lit, s + strlen(s));
#undef LIT
	return bad ? -1 : 0;
}

/*
 * One `action` item of rule r, in statement s: a name of the action
 * table (action.c).  One per rule: the rule's own, which one append may
 * replace (a site's override of a shipped rule); a second one in the
 * rule, or in a second append, is an error.  *app: the append's item
 * seen so far.  0 ok, -1 reported.
 */
static int
rule_action(struct loader *L, struct ad_crule *r, const struct ad_stmt *s,
    const struct ad_ritem *it, const struct ad_ritem **app)
{
	enum ad_action a;
	char at[256];

	if (s->kind == AD_S_RULE && r->action_loc.src != NULL) {
		ad_loc_format(&r->action_loc, at, sizeof(at));
		ERR(L, &it->loc, "'action' given twice in rule '%s' (first at "
		    "%s): a rule carries one action", r->name, at);
		return -1;
	}
	if (s->kind == AD_S_RULE_APPEND && *app != NULL) {
		ad_loc_format(&(*app)->loc, at, sizeof(at));
		ERR(L, &it->loc, "rule '%s' already had its action replaced "
		    "at %s: a rule carries one action; keep one of the two",
		    r->name, at);
		return -1;
	}
	if (ad_action_rule_from_name(it->w.s, &a) != 0) {
		ERR(L, &it->w.loc, "unknown action '%s' (%s)", it->w.s,
		    ad_action_rule_names());
		return -1;
	}
	if (s->kind == AD_S_RULE_APPEND)
		*app = it;
	r->action = (int)a;
	r->action_loc = it->loc;
	ad_loc_format(&it->loc, at, sizeof(at));
	free(r->action_at);
	r->action_at = xstrdup(at);
	return 0;
}

/* Collect a rule's items (and those its appends add), check them, and
 * compile it into r. */
static int
rule_build(struct loader *L, struct def *d, struct ad_crule *r)
{
	const struct ad_ritem *it, *seen[AD_RI__COUNT] = { 0 };
	const struct ad_ritem **ex = NULL, *app_action = NULL;
	struct ad_cexpr *c;
	char at[256];
	int i, k, nex = 0, bad = 0, ntags = 0;

	r->name = xstrdup(d->s->name.s);
	r->enabled = 1;
	for (i = -1; i < d->napp; i++) {
		const struct ad_stmt *s = i < 0 ? d->s : d->app[i];

		if (s->kind == AD_S_DISABLE) {
			r->enabled = 0;
			continue;
		}
		for (it = s->items; it; it = it->next) {
			if (s->kind == AD_S_RULE_APPEND &&
			    it->kind != AD_RI_EXCEPT && it->kind != AD_RI_TAGS &&
			    it->kind != AD_RI_ENABLED &&
			    it->kind != AD_RI_ACTION) {
				ERR(L, &it->loc, "'%s' cannot be added to rule "
				    "'%s' (only except, tags, enabled and "
				    "action)", ad_ritem_name(it->kind), r->name);
				bad = 1;
				continue;
			}
			if (it->kind == AD_RI_ACTION) {
				if (rule_action(L, r, s, it, &app_action) != 0)
					bad = 1;
				continue;
			}
			if (it->kind == AD_RI_EXCEPT) {
				ex = xrealloc(ex, (size_t)(nex + 1) *
				    sizeof(*ex));
				ex[nex++] = it;
				continue;
			}
			if (it->kind == AD_RI_TAGS) {
				ntags += it->words.n;
				if (s->kind == AD_S_RULE_APPEND)
					continue;
			}
			if (seen[it->kind] != NULL && s->kind == AD_S_RULE) {
				ad_loc_format(&seen[it->kind]->loc, at,
				    sizeof(at));
				ERR(L, &it->loc, "'%s' given twice in rule '%s' "
				    "(first at %s)", ad_ritem_name(it->kind),
				    r->name, at);
				bad = 1;
				continue;
			}
			if (it->kind == AD_RI_ENABLED) {
				if (is_word(it->w.s, "true") ||
				    is_word(it->w.s, "false"))
					r->enabled = is_word(it->w.s, "true");
				else {
					ERR(L, &it->w.loc, "enabled must be true "
					    "or false, not '%s'", it->w.s);
					bad = 1;
				}
			}
			if (s->kind == AD_S_RULE)
				seen[it->kind] = it;
		}
	}

	/* tags, in order: the rule's, then the appended ones */
	r->tags = xcalloc((size_t)ntags + 1, sizeof(*r->tags));
	for (i = -1; i < d->napp; i++)
		for (it = (i < 0 ? d->s : d->app[i])->items; it; it = it->next)
			if (it->kind == AD_RI_TAGS)
				for (k = 0; k < it->words.n; k++)
					r->tags[r->ntags++] =
					    xstrdup(it->words.v[k].s);

	if ((it = seen[AD_RI_SEVERITY]) != NULL) {
		for (k = 0; k < (int)AD_ARRAY_SIZE(severities); k++)
			if (is_word(it->w.s, severities[k]))
				r->severity = severities[k];
		if (r->severity == NULL) {
			ERR(L, &it->w.loc, "unknown severity '%s' (info, low, "
			    "medium, high, critical)", it->w.s);
			bad = 1;
		}
	} else {
		ERR(L, &d->s->name.loc, "rule '%s' has no severity (info, low, "
		    "medium, high, critical)", r->name);
		bad = 1;
	}
	if ((it = seen[AD_RI_WHEN]) == NULL) {
		ERR(L, &d->s->name.loc, "rule '%s' has no 'when'", r->name);
		bad = 1;
	} else if ((r->when = compile(L, it->expr, 1)) == NULL)
		bad = 1;
	r->excepts = xcalloc((size_t)nex + 1, sizeof(*r->excepts));
	for (i = 0; i < nex; i++) {
		if ((c = compile(L, ex[i]->expr, 1)) == NULL)
			bad = 1;
		else
			r->excepts[r->nexcepts++] = c;
	}
	free(ex);
	if ((it = seen[AD_RI_OUTPUT]) != NULL) {
		if (tmpl_parse(L, r, &it->w) != 0)
			bad = 1;
	} else {
		/* no output: the desc, else the rule's name */
		const char *s = seen[AD_RI_DESC] ? seen[AD_RI_DESC]->w.s :
		    r->name;

		r->tmpl = xcalloc(1, sizeof(*r->tmpl));
		r->tmpl[0].lit = xstrdup(s);
		r->tmpl[0].len = strlen(s);
		r->ntmpl = 1;
	}
	return bad ? -1 : 0;
}

static void
crule_free(struct ad_crule *r)
{
	int i;

	free(r->name);
	free(r->action_at);
	for (i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	ad_cexpr_free(r->when);
	for (i = 0; i < r->nexcepts; i++)
		ad_cexpr_free(r->excepts[i]);
	free(r->excepts);
	for (i = 0; i < r->ntmpl; i++)
		free(r->tmpl[i].lit);
	free(r->tmpl);
}

void
ad_cexpr_free(struct ad_cexpr *x)
{
	int i;

	if (x == NULL)
		return;
	ad_cexpr_free(x->l);
	ad_cexpr_free(x->r);
	free(x->s);
	free(x->iset);
	if (x->sset)
		for (i = 0; i < x->nset; i++)
			free((char *)x->sset[i].s);
	free(x->sset);
	free(x->cset);
	if (x->re)
		pcre2_code_free(x->re);
	free(x);
}

static struct ad_ruleset *
build(struct loader *L)
{
	struct ad_ruleset *rs;
	int i;

	register_all(L);
	for (i = 0; i < L->lists.n; i++)
		list_resolve(L, &L->lists.v[i]);
	for (i = 0; i < L->macros.n; i++) {
		struct def *m = &L->macros.v[i];
		struct ad_cexpr *c;

		if (m->checked || m->bad)
			continue;
		m->state = 1;
		stack_push(L, m->s->name.s);
		c = compile(L, m->s->expr, 1);
		L->depth--;
		m->state = 0;
		m->checked = 1;
		if (c == NULL)
			m->bad = 1;
		ad_cexpr_free(c);
	}

	rs = xcalloc(1, sizeof(*rs));
	rs->rules = xcalloc((size_t)L->rules.n + 1, sizeof(*rs->rules));
	for (i = 0; i < L->rules.n; i++) {
		rule_build(L, &L->rules.v[i], &rs->rules[rs->nrules]);
		if (!rs->rules[rs->nrules].enabled)
			rs->ndisabled++;
		rs->nrules++;
	}
	rs->nfiles = L->nsrcs;
	rs->nlists = L->lists.n;
	rs->nmacros = L->macros.n;
	if (L->sha == NULL || ad_digest_hex(L->sha, rs->digest) != 0)
		snprintf(rs->digest, sizeof(rs->digest), "unavailable");
	return rs;
}

static void
loader_init(struct loader *L)
{
	memset(L, 0, sizeof(*L));
	L->d = ad_diags_new();
	L->sha = ad_digest_new(AD_DIGEST_SHA256);
}

/* Build the ruleset, print the errors if any, free the loader. */
static struct ad_ruleset *
loader_finish(struct loader *L, FILE *errout)
{
	struct ad_ruleset *rs = NULL;
	int i;

	/* After a syntax or file error, names and types are not checked:
	 * what error recovery skipped would only cause false reports. */
	if (ad_diags_count(L->d) == 0)
		rs = build(L);
	if (ad_diags_count(L->d) > 0) {
		ad_diags_print(L->d, errout);
		ad_ruleset_free(rs);
		rs = NULL;
	} else
		ad_ruleset_index(rs);
	ad_stmts_free(L->stmts);
	defs_free(&L->lists);
	defs_free(&L->macros);
	defs_free(&L->rules);
	free(L->stack);
	for (i = 0; i < L->nsrcs; i++)
		ad_src_free(L->srcs[i]);
	free(L->srcs);
	ad_diags_free(L->d);
	ad_digest_free(L->sha);
	return rs;
}

struct ad_ruleset *
ad_ruleset_load(const char *dir, char *const *files, int nfiles,
    int insecure, FILE *errout)
{
	struct loader L;
	int i;

	loader_init(&L);
	insecure = insecure || insecure_env();
	if (dir != NULL)
		load_dir(&L, dir, insecure);
	for (i = 0; i < nfiles; i++)
		load_file(&L, AT_FDCWD, files[i], files[i], insecure);
	return loader_finish(&L, errout);
}

struct ad_ruleset *
ad_ruleset_load_mem(const char *const *names, const char *const *texts,
    int n, FILE *errout)
{
	struct loader L;
	int i;

	loader_init(&L);
	for (i = 0; i < n; i++) {
		L.order++;
		add_src(&L, names[i], xstrdup(texts[i]), strlen(texts[i]));
	}
	return loader_finish(&L, errout);
}

void
ad_ruleset_free(struct ad_ruleset *rs)
{
	int i;

	if (rs == NULL)
		return;
	ad_ruleset_index_free(rs);
	for (i = 0; i < rs->nrules; i++)
		crule_free(&rs->rules[i]);
	free(rs->rules);
	free(rs);
}

void
ad_ruleset_counts(const struct ad_ruleset *rs, int *files, int *rules,
    int *lists, int *macros)
{
	if (files)
		*files = rs->nfiles;
	if (rules)
		*rules = rs->nrules;
	if (lists)
		*lists = rs->nlists;
	if (macros)
		*macros = rs->nmacros;
}

const char *
ad_ruleset_digest(const struct ad_ruleset *rs)
{
	return rs->digest;
}

int
ad_ruleset_rule(const struct ad_ruleset *rs, int i, struct ad_rule_info *out)
{
	const struct ad_crule *r;

	if (i < 0 || i >= rs->nrules)
		return -1;
	r = &rs->rules[i];
	out->name = r->name;
	out->enabled = r->enabled;
	out->action = r->action;
	out->action_at = r->action_at;
	return 0;
}
