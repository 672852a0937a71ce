/*
 * util.h - growable byte buffers and JSON string output.
 *
 * Ownership: ad_buf owns its bytes; ad_buf_free(NULL) is a no-op.  Every
 * append keeps the buffer NUL-terminated.  Growth doubles, so a buffer
 * reused across events stops allocating once it has reached its working
 * size: reset with ad_buf_reset(), do not free, on hot paths.
 * Allocation failure is fatal (xmalloc style): audrift cannot do useful
 * work without memory and must not drop events silently.
 */
#ifndef AUDRIFT_UTIL_H
#define AUDRIFT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define AD_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct ad_buf {
	char *p;
	size_t len;
	size_t cap;
};

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Undo /proc mountinfo's octal escapes (\040 \011 \012 \134 \054
 * \072) in place. */
void ad_unoctal(char *s);

void ad_buf_init(struct ad_buf *b);
void ad_buf_free(struct ad_buf *b);		/* frees bytes, keeps struct */
void ad_buf_reset(struct ad_buf *b);		/* len = 0, keeps capacity */
void ad_buf_reserve(struct ad_buf *b, size_t extra);
void ad_buf_add(struct ad_buf *b, const void *p, size_t n);
void ad_buf_addc(struct ad_buf *b, char c);
void ad_buf_adds(struct ad_buf *b, const char *s);
void ad_buf_printf(struct ad_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Decimal, and base-2^shift (3: octal, 4: hex) with at least width
 * digits, without printf: the store's hot path writes many numbers. */
void ad_buf_add_int(struct ad_buf *b, int64_t v);
void ad_buf_add_base(struct ad_buf *b, uint64_t v, int shift, int width);

/*
 * Text from an event or a container, made safe for a terminal, a table
 * or a spreadsheet: printable ASCII and valid UTF-8 pass; control bytes
 * (C0, DEL), '\\' and bytes that are not valid UTF-8 become \xNN; C1
 * controls (U+0080-U+009F), bidi embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069) and other invisible format characters
 * become \uXXXX.  Appends to b (NULL: only measure); returns the width in
 * terminal columns (one per code point).  The one escaper for text
 * output: query's table and csv, diff, containers.
 */
size_t ad_esc_text(struct ad_buf *b, const char *s, size_t len);

/* JSON output.  ad_json_str appends a quoted JSON string for any bytes:
 * valid UTF-8 is kept, control characters are escaped, and each byte that
 * is not part of valid UTF-8 becomes U+FFFD.  Returns 1 if the string was
 * lossy (had invalid UTF-8), 0 otherwise: callers that must keep exact
 * bytes then add a "<name>_hex" member with ad_json_hex. */
int ad_json_str(struct ad_buf *b, const char *s, size_t len);
void ad_json_hex(struct ad_buf *b, const char *s, size_t len);
/* Append "key": (with a leading comma unless first is set). */
void ad_json_key(struct ad_buf *b, const char *key, int first);
/* "key":"value" or "key":null when s is NULL; hex twin when lossy. */
void ad_json_member_str(struct ad_buf *b, const char *key,
    const char *s, size_t len);
void ad_json_member_int(struct ad_buf *b, const char *key, int64_t v);

/* Value of a hex digit (either case), or -1: a table (one load per
 * character; the audit decoder reads every byte of a hex proctitle). */
extern const unsigned char ad_hex_digits[256];	/* value + 1, 0: none */
static inline int
ad_hexval(int c)
{
	return (int)ad_hex_digits[(unsigned char)c] - 1;
}

/*
 * Eight bytes at a time (SWAR): the scans of replay's record check, JSON
 * escaping and the PostgreSQL text encoder.  ad_swar_below(w, c) has bit
 * 7 set in some byte iff some byte of w is below c (c <= 0x80; bytes
 * from 0x80 never count): per byte, b - c borrows into bit 7 there.  A
 * borrow can mark a byte above a true one, so the answer is only "is
 * there one", not which.  ad_swar_has(w, c): some byte equals c.
 */
#define AD_SWAR_ONES	0x0101010101010101ull
#define AD_SWAR_HIGH	(AD_SWAR_ONES << 7)
static inline uint64_t
ad_swar_below(uint64_t w, unsigned c)
{
	return (w - c * AD_SWAR_ONES) & ~w & AD_SWAR_HIGH;
}
static inline uint64_t
ad_swar_has(uint64_t w, unsigned c)
{
	return ad_swar_below(w ^ (c * AD_SWAR_ONES), 1);
}

/* Decode an audit value as logged (quoted "text", hex, or (null)) into
 * out.  Returns the decoded length, or -1 for (null)/empty-unquoted.
 * Hex is decoded when the value is unquoted, of even length and all hex
 * digits; anything else unquoted is kept as is.  Pure; used by the
 * normalizer. */
long ad_audit_decode(const char *val, struct ad_buf *out);

/* Wall-clock time (CLOCK_REALTIME), ms since the epoch. */
int64_t ad_now_ms(void);

/* CLOCK_MONOTONIC, ms: for deadlines and intervals. */
int64_t ad_mono_ms(void);

/* Decimal digits at s, at most max of them, as a number; more than
 * fit: UINT64_MAX (strtoull's answer, without its locale and errno).
 * *used: how many digits were read. */
uint64_t ad_dec_u64(const char *s, size_t max, size_t *used);

/*
 * Command-line values, checked once for every command.  ad_opt_word: the
 * index of arg in words (NULL-ended), or -1 after "CMD: bad --OPT 'ARG':
 * give a, b or c".  ad_opt_count: a count >= 0 into *out, or -1 after
 * "CMD: bad --OPT 'ARG': give a number, 0 for all".
 */
int ad_opt_word(const char *cmd, const char *opt, const char *arg,
    const char *const *words);
int ad_opt_count(const char *cmd, const char *opt, const char *arg,
    long long *out);

#endif
