/*
 * util.c - growable buffers, JSON strings, audit value decoding.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "util.h"

/*
 * The allocation-failure seam (--enable-alloc-fail): AUDRIFT_ALLOC_FAIL=N
 * makes the Nth allocation through here fail, AUDRIFT_ALLOC_COUNT=1
 * prints the count at exit.  Without the switch it compiles to nothing.
 */
#ifdef AD_ALLOC_FAIL
static unsigned long alloc_count, alloc_fail_at;
static int alloc_ready;

static void
alloc_report(void)
{
	fprintf(stderr, "audrift: allocations: %lu\n", alloc_count);
}

static int
alloc_fails(void)
{
	const char *e;

	if (!alloc_ready) {
		alloc_ready = 1;
		if ((e = getenv("AUDRIFT_ALLOC_FAIL")) != NULL)
			alloc_fail_at = strtoul(e, NULL, 10);
		if (getenv("AUDRIFT_ALLOC_COUNT") != NULL)
			atexit(alloc_report);
	}
	if (__atomic_add_fetch(&alloc_count, 1, __ATOMIC_RELAXED) !=
	    alloc_fail_at)
		return 0;
	errno = ENOMEM;		/* as malloc would */
	return 1;
}
#define ALLOC_FAILS()	alloc_fails()
#else
#define ALLOC_FAILS()	0
#endif

void *
xmalloc(size_t n)
{
	void *p = ALLOC_FAILS() ? NULL : malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu bytes; free memory or raise "
		    "audrift's limit (ulimit -v, systemd MemoryMax=)", n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = ALLOC_FAILS() ? NULL : calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory allocating %zu x %zu bytes; free memory or "
		    "raise audrift's limit (ulimit -v, systemd MemoryMax=)", n,
		    size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = ALLOC_FAILS() ? NULL : realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory growing to %zu bytes; free memory or raise "
		    "audrift's limit (ulimit -v, systemd MemoryMax=)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
ad_buf_init(struct ad_buf *b)
{
	b->p = NULL;
	b->len = b->cap = 0;
}

void
ad_buf_free(struct ad_buf *b)
{
	if (b == NULL)
		return;
	free(b->p);
	ad_buf_init(b);
}

void
ad_buf_reset(struct ad_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
ad_buf_reserve(struct ad_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
ad_buf_add(struct ad_buf *b, const void *p, size_t n)
{
	ad_buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
ad_buf_addc(struct ad_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		ad_buf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
ad_buf_adds(struct ad_buf *b, const char *s)
{
	ad_buf_add(b, s, strlen(s));
}

void
ad_buf_printf(struct ad_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p ? b->p + b->len : NULL,
	    b->p ? b->cap - b->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->p == NULL || (size_t)n >= b->cap - b->len) {
		ad_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

void
ad_buf_add_int(struct ad_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	ad_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
ad_buf_add_base(struct ad_buf *b, uint64_t v, int shift, int width)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[72], *p = tmp + sizeof(tmp);
	uint64_t mask = ((uint64_t)1 << shift) - 1;

	do {
		*--p = digits[v & mask];
		v >>= shift;
		width--;
	} while (v != 0 || width > 0);
	ad_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 if the
 * bytes there are not valid UTF-8 (overlongs and surrogates rejected). */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Code points a terminal or a spreadsheet must not get raw: C1 controls
 * (U+009B is CSI: a whole escape sequence in one character), and the
 * invisible ones that reorder or hide text (bidi embeddings, overrides
 * and isolates, marks, zero-width characters, line separators, BOM). */
static int
cp_unsafe(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/* The code point of the valid n-byte UTF-8 sequence at s. */
static unsigned
utf8_cp(const unsigned char *s, size_t n)
{
	unsigned cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	size_t i;

	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

size_t
ad_esc_text(struct ad_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, n, w = 0;
	unsigned cp;

	while (i < len) {
		start = i;
		while (i < len && u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\')
			i++;
		w += i - start;
		if (b != NULL && i > start)
			ad_buf_add(b, s + start, i - start);
		if (i >= len)
			break;
		n = u[i] >= 0x80 ? utf8_seq(u + i, len - i) : 0;
		cp = n ? utf8_cp(u + i, n) : 0;
		if (n == 0) {		/* a control, DEL, \\, or not UTF-8 */
			if (b != NULL)
				ad_buf_printf(b, "\\x%02x", u[i]);
			w += 4;
			i++;
		} else if (cp_unsafe(cp)) {
			if (b != NULL)
				ad_buf_printf(b, "\\u%04x", cp);
			w += 6;
			i += n;
		} else {
			if (b != NULL)
				ad_buf_add(b, s + i, n);
			w++;
			i += n;
		}
	}
	return w;
}

/* The first byte of u[i..len) that a JSON string must not hold as it is
 * (below 0x20, '"', '\\', or from 0x80: maybe UTF-8), or len; eight bytes
 * at a time. */
static size_t
json_plain_end(const unsigned char *u, size_t i, size_t len)
{
	uint64_t x;

	for (; i + 8 <= len; i += 8) {
		memcpy(&x, u + i, 8);
		if ((ad_swar_below(x, 0x20) | ad_swar_has(x, '"') |
		    ad_swar_has(x, '\\') | (x & AD_SWAR_HIGH)) != 0)
			break;
	}
	while (i < len && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
	    u[i] != '\\')
		i++;
	return i;
}

int
ad_json_str(struct ad_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, n;
	int lossy = 0;
	char *p;

	/* the common case, nothing to escape: one reserve, one copy */
	i = json_plain_end(u, 0, len);
	ad_buf_reserve(b, len + 2);
	if (i == len) {
		p = b->p + b->len;
		*p++ = '"';
		memcpy(p, s, len);
		p += len;
		*p++ = '"';
		*p = '\0';
		b->len = (size_t)(p - b->p);
		return 0;
	}
	i = 0;
	ad_buf_addc(b, '"');
	while (i < len) {
		/* copy the longest run that needs no escaping in one go */
		start = i;
		i = json_plain_end(u, i, len);
		if (i > start)
			ad_buf_add(b, s + start, i - start);
		if (i >= len)
			break;
		if (u[i] >= 0x80) {
			n = utf8_seq(u + i, len - i);
			if (n == 0) {
				ad_buf_add(b, "\xef\xbf\xbd", 3);
				lossy = 1;
				i++;
			} else {
				ad_buf_add(b, s + i, n);
				i += n;
			}
			continue;
		}
		switch (u[i]) {
		case '"':  ad_buf_add(b, "\\\"", 2); break;
		case '\\': ad_buf_add(b, "\\\\", 2); break;
		case '\n': ad_buf_add(b, "\\n", 2); break;
		case '\t': ad_buf_add(b, "\\t", 2); break;
		case '\r': ad_buf_add(b, "\\r", 2); break;
		default: {
			char esc[6] = { '\\', 'u', '0', '0',
			    hex[u[i] >> 4], hex[u[i] & 15] };

			ad_buf_add(b, esc, sizeof(esc));
		}
		}
		i++;
	}
	ad_buf_addc(b, '"');
	return lossy;
}

void
ad_json_hex(struct ad_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	ad_buf_reserve(b, 2 * len + 2);
	b->p[b->len++] = '"';
	for (i = 0; i < len; i++) {
		b->p[b->len++] = hex[(unsigned char)s[i] >> 4];
		b->p[b->len++] = hex[(unsigned char)s[i] & 15];
	}
	b->p[b->len++] = '"';
	b->p[b->len] = '\0';
}

void
ad_json_key(struct ad_buf *b, const char *key, int first)
{
	size_t n = strlen(key);
	char *p;

	ad_buf_reserve(b, n + 4);
	p = b->p + b->len;
	if (!first)
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	*p = '\0';
	b->len = (size_t)(p - b->p);
}

void
ad_json_member_str(struct ad_buf *b, const char *key, const char *s,
    size_t len)
{
	ad_json_key(b, key, b->len > 0 && b->p[b->len - 1] == '{');
	if (s == NULL) {
		ad_buf_add(b, "null", 4);
		return;
	}
	if (ad_json_str(b, s, len)) {
		ad_buf_add(b, ",\"", 2);
		ad_buf_adds(b, key);
		ad_buf_add(b, "_hex\":", 6);
		ad_json_hex(b, s, len);
	}
}

void
ad_json_member_int(struct ad_buf *b, const char *key, int64_t v)
{
	ad_json_key(b, key, b->len > 0 && b->p[b->len - 1] == '{');
	ad_buf_add_int(b, v);
}

const unsigned char ad_hex_digits[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

long
ad_audit_decode(const char *val, struct ad_buf *out)
{
	size_t len, i;

	ad_buf_reset(out);
	if (val == NULL)
		return -1;
	len = strlen(val);
	if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
		ad_buf_add(out, val + 1, len - 2);
		return (long)out->len;
	}
	if (len == 0 || strcmp(val, "(null)") == 0 || strcmp(val, "?") == 0)
		return -1;
	if (len % 2 == 0) {
		/* one pass: decode, and give up at the first non-hex byte */
		ad_buf_reserve(out, len / 2);
		for (i = 0; i < len; i += 2) {
			int hi = ad_hexval(val[i]), lo = ad_hexval(val[i + 1]);

			if (hi < 0 || lo < 0)
				break;
			out->p[out->len++] = (char)(hi << 4 | lo);
		}
		if (i == len) {
			out->p[out->len] = '\0';
			return (long)out->len;
		}
		ad_buf_reset(out);
	}
	ad_buf_add(out, val, len);
	return (long)out->len;
}

void
ad_unoctal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = '\0';
}


uint64_t
ad_dec_u64(const char *s, size_t max, size_t *used)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < max && s[i] >= '0' && s[i] <= '9'; i++)
		if (v != UINT64_MAX)
			v = v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10 ?
			    UINT64_MAX : v * 10 + (uint64_t)(s[i] - '0');
	*used = i;
	return v;
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
ad_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t
ad_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int
ad_opt_word(const char *cmd, const char *opt, const char *arg,
    const char *const *words)
{
	struct ad_buf b;
	int i, n;

	for (n = 0; words[n] != NULL; n++)
		if (strcmp(arg, words[n]) == 0)
			return n;
	ad_buf_init(&b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			ad_buf_adds(&b, i == n - 1 ? " or " : ", ");
		ad_buf_adds(&b, words[i]);
	}
	ad_buf_addc(&b, '\0');
	log_warnx("%s: bad --%s '%s': give %s", cmd, opt, arg, b.p);
	ad_buf_free(&b);
	return -1;
}

int
ad_opt_count(const char *cmd, const char *opt, const char *arg,
    long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	if (errno || end == arg || *end || *out < 0) {
		log_warnx("%s: bad --%s '%s': give a number, 0 for all", cmd,
		    opt, arg);
		return -1;
	}
	return 0;
}
