/*
 * diag.h - diagnostics as data (nftables' erec style).
 *
 * Every error found while loading rules is queued as a record (source
 * span + message) and printed once, at the end, sorted by file and
 * position:
 *
 *	rules.d/30-drift.rules:14:9: error: unknown field 'proc.exec'
 *	    when proc.exec == "/bin/sh"
 *	         ^^^^^^^^^
 *
 * A struct ad_src is one rule file's text; records borrow it, so sources
 * live until the queue is printed.
 */
#ifndef AUDRIFT_DIAG_H
#define AUDRIFT_DIAG_H

#include <stddef.h>
#include <stdio.h>

struct ad_loc;

struct ad_src {
	char *name;		/* as given ("rules.d/30-drift.rules") */
	char *text;		/* whole file, NUL-terminated */
	size_t len;
	int order;		/* load order, for sorting the records */
};

/* Takes ownership of text (len bytes, NUL-terminated). */
struct ad_src *ad_src_new(const char *name, char *text, size_t len,
    int order);
void ad_src_free(struct ad_src *src);

struct ad_diags;

struct ad_diags *ad_diags_new(void);
void ad_diags_free(struct ad_diags *d);
int ad_diags_count(const struct ad_diags *d);

/* Queue an error at loc (which names its source). */
void ad_diag_error(struct ad_diags *d, const struct ad_loc *loc,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Queue an error about a whole file or directory (no position). */
void ad_diag_file(struct ad_diags *d, const char *name, int order,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Print every record, sorted by (source order, line, column). */
void ad_diags_print(const struct ad_diags *d, FILE *out);

/* The source location of byte off of the decoded contents of the string
 * literal at loc (undoing \" and \\), so a PCRE2 offset or a template
 * position points at the right column.  Returns a one-column span. */
void ad_diag_string_loc(const struct ad_loc *str, size_t off,
    size_t span, struct ad_loc *out);

/* "file:line:col" of loc into buf, for "first defined at" notes. */
void ad_loc_format(const struct ad_loc *loc, char *buf, size_t cap);

#endif
