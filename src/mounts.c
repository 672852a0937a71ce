/*
 * mounts.c - the overlay mounts of a mount table.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mounts.h"
#include "util.h"

#define MAX_TABLE	(16 * 1024 * 1024)	/* 100k mounts */
#define MAX_LOWER	512			/* overlay's own limit is 500 */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE	0x00004000U	/* Linux 6.8 uapi */
#endif

void
ad_mount_clear(struct ad_mount *m)
{
	size_t i;

	free(m->point);
	free(m->upper);
	for (i = 0; m->lower != NULL && m->lower[i] != NULL; i++)
		free(m->lower[i]);
	free(m->lower);
	memset(m, 0, sizeof(*m));
}

void
ad_mounts_free(struct ad_mounts *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		ad_mount_clear(&m->v[i]);
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

void
ad_mount_copy(struct ad_mount *dst, const struct ad_mount *src)
{
	size_t i;

	*dst = *src;
	dst->point = src->point ? xstrdup(src->point) : NULL;
	dst->upper = src->upper ? xstrdup(src->upper) : NULL;
	if (src->lower != NULL) {
		dst->lower = xcalloc(src->nlower + 1, sizeof(*dst->lower));
		for (i = 0; i < src->nlower; i++)
			dst->lower[i] = xstrdup(src->lower[i]);
	}
}

int
ad_mount_identify(struct ad_mount *m)
{
	struct statx sx;

	m->uid = 0;
	if (m->point == NULL || statx(AT_FDCWD, m->point, AT_SYMLINK_NOFOLLOW |
	    AT_STATX_DONT_SYNC, STATX_MNT_ID_UNIQUE, &sx) != 0 ||
	    !(sx.stx_mask & STATX_MNT_ID_UNIQUE))
		return -1;
	m->uid = sx.stx_mnt_id;
	return 0;
}

int
ad_mount_same(const struct ad_mount *a, const struct ad_mount *b)
{
	if (a->uid != 0 && b->uid != 0)
		return a->uid == b->uid;
	return a->id == b->id && a->major == b->major && a->minor == b->minor;
}

const struct ad_mount *
ad_mounts_by_dev(const struct ad_mounts *ms, unsigned major, unsigned minor)
{
	size_t i;

	for (i = ms->n; i-- > 0;)	/* the topmost: the last line */
		if (ms->v[i].major == major && ms->v[i].minor == minor)
			return &ms->v[i];
	return NULL;
}

/* A layer path, already unescaped: relative ones joined to base (NULL:
 * no base, dropped).  Owned or NULL. */
static char *
layer_join(const char *s, const char *base)
{
	char *j;

	if (s[0] == '/')
		return xstrdup(s);
	if (base == NULL || s[0] == '\0' || strstr(s, "..") != NULL)
		return NULL;
	j = xmalloc(strlen(base) + strlen(s) + 2);
	strcpy(j, base);
	strcat(j, "/");
	strcat(j, s);
	return j;
}

/* The option value [p, p + n), octal escapes undone: owned. */
static char *
unescape(const char *p, size_t n)
{
	char *s = xstrndup(p, n);

	ad_unoctal(s);
	return s;
}

/* The overlay2-style base of a mount point <base>/<id>/merged, or NULL
 * (owned). */
static char *
relative_base(const char *point)
{
	size_t n = strlen(point);
	const char *id;

	if (n < 8 || strcmp(point + n - 7, "/merged") != 0)
		return NULL;
	n -= 7;
	for (id = point + n; id > point && id[-1] != '/'; id--)
		;
	if (id <= point + 1 || id == point + n)
		return NULL;
	return xstrndup(point, (size_t)(id - point - 1));
}

static void
lower_add(struct ad_mount *m, char *l)
{
	if (l == NULL)
		return;
	if (m->nlower >= MAX_LOWER) {
		free(l);
		return;
	}
	m->lower = xrealloc(m->lower, (m->nlower + 2) * sizeof(*m->lower));
	m->lower[m->nlower++] = l;
	m->lower[m->nlower] = NULL;
}

/* A legacy lowerdir= value, unescaped: layers split on ':' ("\:" is a
 * literal colon), "::" starts data-only layers, which are not in the
 * tree. */
static void
lower_split(struct ad_mount *m, char *v, const char *base)
{
	char *p = v, *o, *start;
	int stop = 0;

	while (*p && !stop) {
		start = o = p;
		while (*p && *p != ':') {
			if (p[0] == '\\' && p[1] == ':')
				p++;
			*o++ = *p++;
		}
		if (p[0] == ':' && p[1] == ':')
			stop = 1;
		if (*p)
			p++;
		*o = '\0';
		if (o > start)
			lower_add(m, layer_join(start, base));
	}
}

/* One line [p, e): 1 an overlay root mount filled into m, 0 another
 * mount, -1 malformed. */
static int
parse_line(const char *p, const char *e, struct ad_mount *m)
{
	const char *f[6], *sep, *fs, *src, *opt, *q, *comma;
	char *base = NULL, *num, *v;
	size_t n;
	int i;

	memset(m, 0, sizeof(*m));
	f[0] = p;
	for (i = 1; i < 6; i++) {
		f[i] = memchr(f[i - 1], ' ', (size_t)(e - f[i - 1]));
		if (f[i] == NULL)
			return -1;
		f[i]++;
	}
	for (sep = f[5]; sep + 3 <= e && memcmp(sep, " - ", 3) != 0; sep++)
		;
	if (sep + 3 > e)
		return -1;
	fs = sep + 3;
	if ((src = memchr(fs, ' ', (size_t)(e - fs))) == NULL)
		return -1;
	if ((opt = memchr(src + 1, ' ', (size_t)(e - src - 1))) == NULL)
		return -1;
	opt++;
	num = xstrndup(f[0], (size_t)(f[1] - f[0] - 1));
	m->id = (int)strtol(num, NULL, 10);
	free(num);
	num = xstrndup(f[2], (size_t)(f[3] - f[2] - 1));
	i = sscanf(num, "%u:%u", &m->major, &m->minor);
	free(num);
	if (i != 2)
		return -1;
	if ((size_t)(src - fs) != 7 || memcmp(fs, "overlay", 7) != 0 ||
	    f[4] - f[3] != 2 || f[3][0] != '/')
		return 0;
	m->point = xstrndup(f[4], (size_t)(f[5] - f[4] - 1));
	ad_unoctal(m->point);
	base = relative_base(m->point);
	for (q = opt; q < e; q = comma + 1) {
		if ((comma = memchr(q, ',', (size_t)(e - q))) == NULL)
			comma = e;
		n = (size_t)(comma - q);
		if (n > 9 && memcmp(q, "upperdir=", 9) == 0 &&
		    m->upper == NULL) {
			v = unescape(q + 9, n - 9);
			m->upper = layer_join(v, base);
			free(v);
		} else if (n > 9 && memcmp(q, "lowerdir=", 9) == 0) {
			v = unescape(q + 9, n - 9);
			lower_split(m, v, base);
			free(v);
		} else if (n > 10 && memcmp(q, "lowerdir+=", 10) == 0) {
			v = unescape(q + 10, n - 10);
			lower_add(m, layer_join(v, base));
			free(v);
		}
	}
	free(base);
	return 1;
}

int
ad_mounts_parse(const char *text, size_t len, struct ad_mounts *out)
{
	const char *p = text, *end = text + len, *e;
	struct ad_mount m;
	size_t cap = 0;
	int bad = 0, rc;

	memset(out, 0, sizeof(*out));
	for (; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if (e == p)
			continue;
		if ((rc = parse_line(p, e, &m)) < 0)
			bad++;
		if (rc <= 0) {
			ad_mount_clear(&m);
			continue;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		out->v[out->n++] = m;
	}
	return bad;
}

long
ad_mounts_read(int fd, char **buf, size_t *cap)
{
	size_t len = 0;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		if (*cap - len < 4096 + 1) {
			if (*cap >= MAX_TABLE) {
				errno = EFBIG;
				return -1;
			}
			*cap = *cap ? *cap * 2 : 64 * 1024;
			*buf = xrealloc(*buf, *cap);
		}
		r = read(fd, *buf + len, *cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	(*buf)[len] = '\0';
	return (long)len;
}
