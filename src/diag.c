/*
 * diag.c - queued error records, printed once with the source line and
 * carets under the span.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "rules_ast.h"
#include "util.h"

struct ad_diag {
	char *file;		/* owned copy: the name printed */
	const struct ad_src *src;	/* borrowed; NULL for file errors */
	struct ad_loc loc;
	int order;
	int seq;		/* queue order, for a stable sort */
	char *msg;
};

struct ad_diags {
	struct ad_diag *v;
	int n, cap;
};

struct ad_src *
ad_src_new(const char *name, char *text, size_t len, int order)
{
	struct ad_src *src = xcalloc(1, sizeof(*src));

	src->name = xstrdup(name);
	src->text = text;
	src->len = len;
	src->order = order;
	return src;
}

void
ad_src_free(struct ad_src *src)
{
	if (src == NULL)
		return;
	free(src->name);
	free(src->text);
	free(src);
}

struct ad_diags *
ad_diags_new(void)
{
	return xcalloc(1, sizeof(struct ad_diags));
}

void
ad_diags_free(struct ad_diags *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	free(d);
}

int
ad_diags_count(const struct ad_diags *d)
{
	return d->n;
}

static struct ad_diag *diag_push(struct ad_diags *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static struct ad_diag *
diag_push(struct ad_diags *d, const char *fmt, va_list ap)
{
	struct ad_diag *r;
	va_list aq;
	int len;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, (size_t)d->cap * sizeof(*d->v));
	}
	r = &d->v[d->n];
	memset(r, 0, sizeof(*r));
	r->seq = d->n++;
	va_copy(aq, ap);
	len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	r->msg = xmalloc((size_t)len + 1);
	vsnprintf(r->msg, (size_t)len + 1, fmt, ap);
	return r;
}

void
ad_diag_error(struct ad_diags *d, const struct ad_loc *loc,
    const char *fmt, ...)
{
	struct ad_diag *r;
	va_list ap;

	va_start(ap, fmt);
	r = diag_push(d, fmt, ap);
	va_end(ap);
	r->loc = *loc;
	r->src = loc->src;
	r->file = xstrdup(loc->src ? loc->src->name : "?");
	r->order = loc->src ? loc->src->order : 0;
}

void
ad_diag_file(struct ad_diags *d, const char *name, int order,
    const char *fmt, ...)
{
	struct ad_diag *r;
	va_list ap;

	va_start(ap, fmt);
	r = diag_push(d, fmt, ap);
	va_end(ap);
	r->file = xstrdup(name);
	r->order = order;
}

static int
diag_cmp(const void *a, const void *b)
{
	const struct ad_diag *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->loc.first_line != y->loc.first_line)
		return x->loc.first_line < y->loc.first_line ? -1 : 1;
	if (x->loc.first_column != y->loc.first_column)
		return x->loc.first_column < y->loc.first_column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Start and length of line `line` (1-based) of src, or NULL. */
static const char *
src_line(const struct ad_src *src, int line, size_t *len)
{
	const char *p = src->text, *end = src->text + src->len, *nl;

	while (--line > 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

static void
diag_print_one(const struct ad_diag *r, FILE *out)
{
	const char *line;
	size_t len, i, from, to;

	if (r->src == NULL) {
		fprintf(out, "%s: error: %s\n", r->file, r->msg);
		return;
	}
	fprintf(out, "%s:%d:%d: error: %s\n", r->file, r->loc.first_line,
	    r->loc.first_column, r->msg);
	line = src_line(r->src, r->loc.first_line, &len);
	if (line == NULL)
		return;
	fprintf(out, "%.*s\n", (int)len, line);
	from = r->loc.first_column > 0 ? (size_t)r->loc.first_column - 1 : 0;
	to = r->loc.last_line == r->loc.first_line &&
	    r->loc.last_column >= r->loc.first_column ?
	    (size_t)r->loc.last_column : len;
	if (to <= from)
		to = from + 1;
	/* Keep tabs so the carets line up under any tab width. */
	for (i = 0; i < from; i++)
		fputc(i < len && line[i] == '\t' ? '\t' : ' ', out);
	for (; i < to; i++)
		fputc('^', out);
	fputc('\n', out);
}

void
ad_diags_print(const struct ad_diags *d, FILE *out)
{
	struct ad_diag *v;
	int i;

	if (d->n == 0)
		return;
	v = xmalloc((size_t)d->n * sizeof(*v));
	memcpy(v, d->v, (size_t)d->n * sizeof(*v));
	qsort(v, (size_t)d->n, sizeof(*v), diag_cmp);
	for (i = 0; i < d->n; i++)
		diag_print_one(&v[i], out);
	if (d->n > 1)
		fprintf(out, "%d errors\n", d->n);
	free(v);
}

void
ad_diag_string_loc(const struct ad_loc *str, size_t off, size_t span,
    struct ad_loc *out)
{
	const char *line;
	size_t len, j, k;

	*out = *str;
	if (str->src == NULL || (line = src_line(str->src, str->first_line,
	    &len)) == NULL || str->first_column < 1)
		return;
	/* j walks the source after the opening quote, k the decoded bytes */
	j = (size_t)str->first_column;
	for (k = 0; k < off && j < len; k++)
		j += line[j] == '\\' && j + 1 < len &&
		    (line[j + 1] == '"' || line[j + 1] == '\\') ? 2 : 1;
	out->first_line = out->last_line = str->first_line;
	out->first_column = (int)j + 1;
	out->last_column = (int)(j + (span ? span : 1));
}

void
ad_loc_format(const struct ad_loc *loc, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s:%d:%d", loc->src ? loc->src->name : "?",
	    loc->first_line, loc->first_column);
}
