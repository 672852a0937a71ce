/*
 * replay.c - read audit.log text: check each line, feed the good ones to
 * the normalizer, report the bad ones with file and line; and the
 * `audrift replay` command.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "commands.h"
#include "log.h"
#include "netstate.h"
#include "pipeline.h"
#include "replay.h"
#include "replay_split.h"
#include "ruleset.h"
#include "store.h"
#include "util.h"

#define ERRORS_SHOWN	20	/* per input; the rest are counted */
#define SERIAL_RING	512	/* serial -> first line, for error lines */

struct ad_reader {
	struct ad_norm *norm;
	const char *label;
	uint64_t lineno;	/* lines completed so far */
	uint64_t records;
	uint64_t malformed;
	uint64_t shown;
	struct ad_buf part;	/* a line split across reads */
	int skipping;		/* inside an over-long line */
	struct {
		uint64_t serial, line;
	} ring[SERIAL_RING];
	unsigned ring_pos;
	uint64_t last_serial;
	uint64_t untimed;	/* msg=? records, ignored as auparse does */
	/* Records of one event can come in any order (forwarders): the
	 * event-ending ones (PROCTITLE, EOE) are held until the next event's
	 * first record, so what follows them still joins their event */
	struct ad_buf held;
	uint64_t key;		/* node + stamp of the current event */
	int hold_across;	/* keep held records across reads (files) */
	/* A reader in a worker (replay_split.c) hands its problems to
	 * report_fn instead of printing them */
	ad_reader_report_fn report_fn;
	void *report_arg;
};

struct ad_reader *
ad_reader_new(struct ad_norm *norm, const char *label)
{
	struct ad_reader *r = xcalloc(1, sizeof(*r));

	r->norm = norm;
	r->label = label;
	ad_buf_init(&r->part);
	ad_buf_init(&r->held);
	r->last_serial = UINT64_MAX;
	return r;
}

void
ad_reader_hold_across(struct ad_reader *r, int on)
{
	r->hold_across = on;
}

uint64_t
ad_reader_untimed(const struct ad_reader *r)
{
	return r->untimed;
}

void
ad_reader_free(struct ad_reader *r)
{
	if (r == NULL)
		return;
	ad_buf_free(&r->part);
	ad_buf_free(&r->held);
	free(r);
}

uint64_t
ad_reader_records(const struct ad_reader *r)
{
	return r->records;
}

uint64_t
ad_reader_malformed(const struct ad_reader *r)
{
	return r->malformed;
}

void
ad_reader_set_report(struct ad_reader *r, ad_reader_report_fn fn, void *arg)
{
	r->report_fn = fn;
	r->report_arg = arg;
}

const char *
ad_reader_label(const struct ad_reader *r)
{
	return r->label;
}

uint64_t
ad_reader_lines(const struct ad_reader *r)
{
	return r->lineno;
}

void
ad_reader_absorb(struct ad_reader *r, uint64_t lines, uint64_t records,
    uint64_t malformed, uint64_t untimed)
{
	r->lineno += lines;
	r->records += records;
	r->malformed += malformed;
	r->untimed += untimed;
}

void
ad_reader_say(struct ad_reader *r, uint64_t line, const char *what)
{
	if (line == 0) {
		/* an event whose line is no longer known */
		if (r->shown++ < ERRORS_SHOWN)
			log_warnx("%s: %s", r->label, what);
		return;
	}
	if (r->shown++ < ERRORS_SHOWN)
		log_warnx("%s:%llu: %s", r->label, (unsigned long long)line,
		    what);
	else if (r->shown == ERRORS_SHOWN + 1)
		log_warnx("%s: more problems follow; they are counted but "
		    "not shown", r->label);
}

static void
report(struct ad_reader *r, uint64_t line, const char *what)
{
	if (r->report_fn != NULL)
		r->report_fn(r->report_arg, line, what);
	else
		ad_reader_say(r, line, what);
}

static int
is_digits(const char **pp, const char *end)
{
	const char *p = *pp;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == *pp)
		return 0;
	*pp = p;
	return 1;
}

static int
lit(const char **pp, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *pp) < n || memcmp(*pp, s, n) != 0)
		return 0;
	*pp += n;
	return 1;
}

/* A field named cwd starts at c, the way libauparse 3.0.9 splits a
 * record: on spaces, a token's name is what precedes its '=', after
 * a leading "msg='" and then one '(' are cut off. */
static int
cwd_field_at(const char *start, const char *c)
{
	if (c > start && c[-1] == '(')
		c--;
	if (c - start >= 5 && memcmp(c - 5, "msg='", 5) == 0)
		c -= 5;
	return c > start && c[-1] == ' ';
}

/* [p, end) has two fields named cwd before the interpretation
 * separator, which libauparse cuts off (memmem: the common line has
 * no "cwd=" at all). */
static int
two_cwd(const char *p, const char *end)
{
	const char *sep = memchr(p, AUDIT_INTERP_SEPARATOR, (size_t)(end - p));
	const char *c = p;
	int n = 0;

	if (sep != NULL)
		end = sep;
	while ((c = memmem(c, (size_t)(end - c), "cwd=", 4)) != NULL) {
		if (cwd_field_at(p, c) && ++n == 2)
			return 1;
		c += 4;
	}
	return 0;
}

/* The record type is CWD the way libauparse reads it: by libaudit's
 * name lookup, which ignores case and takes numbers ("cwd", "1307"). */
static int
is_cwd_type(const char *type, size_t len)
{
	char name[64];

	if (len >= sizeof(name))
		return 0;
	memcpy(name, type, len);
	name[len] = '\0';
	return audit_name_to_msg_type(name) == AUDIT_CWD;
}

/* Some byte of w is below 0x20 or is 0x7f (may say so of a tab or 0x1d,
 * which the byte test then lets through); bytes from 0x80 (UTF-8) are
 * not. */
static int
ctl_in_word(uint64_t w)
{
	return (ad_swar_below(w, 0x20) | ad_swar_has(w, 0x7f)) != 0;
}

int
ad_record_check(const char *line, size_t len, uint64_t *serial,
    const char **why)
{
	const char *p = line, *end = line + len, *s, *type;
	size_t i, n, type_len;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		/* eight bytes at a time while none is below 0x20 or 0x7f
		 * (the scan was a tenth of a replay) */
		if (i + 8 <= len && (i & 7) == 0) {
			uint64_t w;

			memcpy(&w, line + i, 8);
			if (!ctl_in_word(w)) {
				i += 7;
				continue;
			}
		}
		if ((c < 0x20 && c != '\t' && c != 0x1d) || c == 0x7f) {
			*why = c == 0 ? "binary data (NUL byte)" :
			    "binary data (control character)";
			return -1;
		}
	}
	if (lit(&p, end, "node=")) {
		/* a host's name: libauparse 3.0.9 loses an event's memory on
		 * one holding the \x1d separator (fuzz_normalize, 1152 bytes
		 * a record), and no name holds a control character */
		for (; p < end && *p != ' '; p++)
			if ((unsigned char)*p < 0x20) {
				*why = "bad node= name (control character)";
				return -1;
			}
		if (!lit(&p, end, " ")) {
			*why = "node= is not followed by a record";
			return -1;
		}
	}
	if (!lit(&p, end, "type=")) {
		*why = "not an audit record (no type=)";
		return -1;
	}
	type = s = p;
	while (p < end && *p != ' ')
		p++;
	if (p == s) {
		*why = "empty record type";
		return -1;
	}
	/* a name (SYSCALL) or UNKNOWN[1334]: libauparse 3.0.9 loses an
	 * event's memory on a type holding the \x1d separator (fuzz) */
	for (; s < p; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '[' ||
		    *s == ']')) {
			*why = "bad record type";
			return -1;
		}
	type_len = (size_t)(p - type);
	if ((size_t)(end - p) == 6 && memcmp(p, " msg=?", 6) == 0) {
		*why = "no timestamp (msg=?)";
		return 1;
	}
	if (!lit(&p, end, " msg=audit(") || !is_digits(&p, end) ||
	    !lit(&p, end, ".") || !is_digits(&p, end) ||
	    !lit(&p, end, ":")) {
		*why = "no msg=audit(SECONDS.MS:SERIAL) timestamp";
		return -1;
	}
	s = p;
	/* "):" since audit 2.x; older daemon records have no colon */
	if (!is_digits(&p, end) || !lit(&p, end, ")") ||
	    (p < end && *p != ':' && *p != ' ')) {
		*why = "bad serial in msg=audit(...)";
		return -1;
	}
	*serial = ad_dec_u64(s, (size_t)(p - 1 - s), &n);	/* checked */
	/* CWD, cwd, UNKNOWN[1307], 1307: libaudit's spellings of it */
	if ((type[0] == 'C' || type[0] == 'c' || type[0] == 'U' ||
	    (type[0] >= '0' && type[0] <= '9')) &&
	    is_cwd_type(type, type_len) && two_cwd(p, end)) {
		/* libauparse 3.0.9 keeps the first and loses the others'
		 * memory (fuzz_normalize found it): never a kernel record */
		*why = "CWD record with more than one cwd= field";
		return -1;
	}
	return 0;
}

static void
remember_serial(struct ad_reader *r, uint64_t serial)
{
	if (serial == r->last_serial)
		return;
	r->last_serial = serial;
	r->ring[r->ring_pos].serial = serial;
	r->ring[r->ring_pos].line = r->lineno;
	r->ring_pos = (r->ring_pos + 1) % SERIAL_RING;
}

void
ad_reader_event_error(struct ad_reader *r, uint64_t serial, const char *msg)
{
	char buf[512];
	unsigned i, slot;

	r->malformed++;
	snprintf(buf, sizeof(buf), "event %llu: %s; the field is left unset",
	    (unsigned long long)serial, msg);
	/* the newest line of that serial: the event just assembled, and
	 * the same answer for a reader that began mid-file (replay_split) */
	for (i = 1; i <= SERIAL_RING; i++) {
		slot = (r->ring_pos + SERIAL_RING - i) % SERIAL_RING;
		if (r->ring[slot].serial == serial && r->ring[slot].line != 0) {
			report(r, r->ring[slot].line, buf);
			return;
		}
	}
	report(r, 0, buf);
}

/* One complete line (no newline), numbered r->lineno.  Returns 1 if it
 * should be fed, 0 if it was reported and skipped. */
static int
check_line(struct ad_reader *r, const char *line, size_t len)
{
	const char *why;
	uint64_t serial;
	char buf[128];
	int rc;

	if (len == 0)
		return 0;	/* blank lines carry nothing */
	if (len > AD_LINE_MAX) {
		snprintf(buf, sizeof(buf), "line of %zu bytes is longer than "
		    "%d: not an audit record; skipped", len, AD_LINE_MAX);
		r->malformed++;
		report(r, r->lineno, buf);
		return 0;
	}
	if ((rc = ad_record_check(line, len, &serial, &why)) == 1) {
		r->untimed++;	/* libauparse ignores them: so do we */
		return 0;
	}
	if (rc != 0) {
		snprintf(buf, sizeof(buf), "%s; skipped", why);
		r->malformed++;
		report(r, r->lineno, buf);
		return 0;
	}
	r->records++;
	remember_serial(r, serial);
	return 1;
}

/*
 * The event a checked record belongs to (its node= and msg=audit(...)
 * stamp, hashed), and whether libauparse ends the event at it.
 */
static uint64_t
record_key(const char *line, size_t len, int *ender)
{
	const char *p = line, *end = line + len;
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	if (len >= 5 && memcmp(p, "node=", 5) == 0)
		for (; p < end && *p != ' '; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	while (p < end && *p == ' ')
		p++;
	*ender = ad_norm_type_ends(p, (size_t)(end - p));
	while (p < end && *p != '(')	/* checked: msg=audit( is there */
		p++;
	for (; p < end && *p != ')'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

int
ad_record_route(const char *line, size_t len, uint64_t *key,
    uint64_t *serial, int *ender)
{
	const char *why;

	if (len == 0 || len > AD_LINE_MAX ||
	    ad_record_check(line, len, serial, &why) != 0)
		return 0;
	*key = record_key(line, len, ender);
	return 1;
}

/* The held records of the last event go to the normalizer. */
static void
release_held(struct ad_reader *r)
{
	if (r->held.len == 0)
		return;
	ad_norm_feed(r->norm, r->held.p, r->held.len);
	ad_buf_reset(&r->held);
}

/* The run of good lines [*run, upto) to the normalizer (run NULL: a line
 * of r->part, no run). */
static void
feed_run(struct ad_reader *r, const char **run, const char *upto)
{
	if (run != NULL && *run != NULL) {
		ad_norm_feed(r->norm, *run, (size_t)(upto - *run));
		*run = NULL;
	}
}

/*
 * One checked line (len with its newline) on its way to the normalizer:
 * added to the caller's run of lines (*run, lines of the input buffer),
 * fed at once (run NULL), or held when it ends its event.  What is held
 * goes out when the next event starts, after the run before it.
 */
static void
route_line(struct ad_reader *r, const char *line, size_t len,
    const char **run)
{
	int ender;
	uint64_t key = record_key(line, len - 1, &ender);

	if (key != r->key) {
		feed_run(r, run, line);
		release_held(r);
		r->key = key;
	}
	if (ender) {
		feed_run(r, run, line);
		ad_buf_add(&r->held, line, len);
	} else if (run == NULL)
		ad_norm_feed(r->norm, line, len);
	else if (*run == NULL)
		*run = line;
}

void
ad_reader_input(struct ad_reader *r, const char *p, size_t len)
{
	const char *end = p + len, *nl, *run = NULL;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			/* keep the partial line, unless it is already too
			 * long to be a record: then skip to its end */
			if (!r->skipping && r->part.len + (size_t)(end - p) >
			    AD_LINE_MAX) {
				r->skipping = 1;
				r->part.len += (size_t)(end - p);
			} else if (r->skipping)
				r->part.len += (size_t)(end - p);
			else
				ad_buf_add(&r->part, p, (size_t)(end - p));
			break;
		}
		r->lineno++;
		if (r->part.len > 0 || r->skipping) {
			/* the line began in an earlier read */
			if (run != NULL) {
				ad_norm_feed(r->norm, run, (size_t)(p - run));
				run = NULL;
			}
			if (r->skipping) {
				size_t total = r->part.len + (size_t)(nl - p);
				char buf[128];

				snprintf(buf, sizeof(buf), "line of %zu bytes "
				    "is longer than %d: not an audit record; "
				    "skipped", total, AD_LINE_MAX);
				r->malformed++;
				report(r, r->lineno, buf);
				r->skipping = 0;
			} else {
				ad_buf_add(&r->part, p, (size_t)(nl - p) + 1);
				if (check_line(r, r->part.p, r->part.len - 1))
					route_line(r, r->part.p, r->part.len,
					    NULL);
			}
			ad_buf_reset(&r->part);
			r->part.len = 0;
		} else if (check_line(r, p, (size_t)(nl - p))) {
			/* good lines in a row are fed in one call */
			route_line(r, p, (size_t)(nl - p) + 1, &run);
		} else if (run != NULL) {
			ad_norm_feed(r->norm, run, (size_t)(p - run));
			run = NULL;
		}
		p = nl + 1;
	}
	if (run != NULL)
		ad_norm_feed(r->norm, run, (size_t)(p - run));
	if (!r->hold_across)
		release_held(r);	/* a stream: its event is complete */
	ad_norm_release(r->norm);	/* live from a stream: no waiting */
}

int
ad_reader_boundary(struct ad_reader *r)
{
	release_held(r);
	ad_norm_release(r->norm);
	return !ad_norm_pending(r->norm);
}

/* A last line without newline that was cut while being written: it ends
 * inside a quoted value, or its last word is no name=value. */
static int
line_cut(const char *s, size_t len)
{
	size_t i, quotes = 0, last = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			quotes++;
		else if (s[i] == ' ' && !(quotes & 1))
			last = i + 1;
	}
	return (quotes & 1) || memchr(s + last, '=', len - last) == NULL;
}

void
ad_reader_eof(struct ad_reader *r)
{
	char buf[128];

	if (r->skipping) {
		r->lineno++;
		snprintf(buf, sizeof(buf), "line of %zu bytes is longer than "
		    "%d: not an audit record; skipped", r->part.len,
		    AD_LINE_MAX);
		r->malformed++;
		report(r, r->lineno, buf);
		r->skipping = 0;
	} else if (r->part.len > 0 && line_cut(r->part.p, r->part.len)) {
		r->lineno++;
		snprintf(buf, sizeof(buf), "last line has no newline and ends "
		    "mid-field (%zu bytes): the file was cut while being "
		    "written; skipped", r->part.len);
		r->malformed++;
		report(r, r->lineno, buf);
	} else if (r->part.len > 0) {
		/* a last line without its newline is a record all the
		 * same (libauparse needs the newline) */
		r->lineno++;
		ad_buf_addc(&r->part, '\n');
		if (check_line(r, r->part.p, r->part.len - 1))
			route_line(r, r->part.p, r->part.len, NULL);
	}
	ad_buf_reset(&r->part);
	r->part.len = 0;
	release_held(r);
	ad_norm_flush(r->norm);
}

/* --- audrift replay -------------------------------------------------------- */

struct replay {
	struct ad_pipeline pipe;
	struct ad_reader *reader;	/* the input being read */
	struct ad_netstate *net;	/* bind -> listen (no /proc) */
	struct ad_split_opts split;	/* jobs 1: one core */
	/* the first file, its workers started before the rules and sinks
	 * were set up (they take 10-30 ms: the schema of a new database) */
	struct ad_split *early;
	const char *early_path;
	int early_fd;
};

static void
replay_event(void *arg, struct ad_event *ev)
{
	struct replay *rp = arg;

	ad_netstate_event(rp->net, ev);
	ad_pipeline_event(&rp->pipe, ev);
}

#define REPLAY_DAMAGED	3	/* exit status: an input was read in part */
#define GZ_MAGIC(p)	((unsigned char)(p)[0] == 0x1f && \
	(unsigned char)(p)[1] == 0x8b)

static ssize_t
read_some(int fd, char *buf, size_t cap)
{
	ssize_t n;

	while ((n = read(fd, buf, cap)) < 0 && errno == EINTR)
		;
	return n;
}

/*
 * A gzip file (logrotate's .gz; members one after another, as `cat a.gz
 * b.gz` makes them), inflated into the reader; in[0, n) is what was read
 * already.  Returns 0, -1 if nothing could be read, or REPLAY_DAMAGED:
 * corrupt or cut short, said with the offset, and everything inflated
 * before the damage is replayed.
 */
static int
replay_gz(struct replay *rp, int fd, const char *label, char *in, size_t cap,
    ssize_t n)
{
	static char out[256 * 1024];
	uint64_t off = 0;	/* compressed bytes read from fd */
	z_stream z;
	int zr = Z_OK, ended = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		log_warnx("%s: cannot start zlib: skipped; check memory", label);
		return -1;
	}
	for (;;) {
		if (z.avail_in == 0) {
			if (n == 0)
				n = read_some(fd, in, cap);
			if (n < 0) {
				log_warn("%s: read failed at byte %llu of the "
				    "compressed file: the rest is skipped",
				    label, (unsigned long long)off);
				inflateEnd(&z);
				return REPLAY_DAMAGED;
			}
			if (n == 0)
				break;
			off += (uint64_t)n;
			z.next_in = (unsigned char *)in;
			z.avail_in = (unsigned)n;
			n = 0;
		}
		if (ended) {	/* another member follows */
			inflateReset(&z);
			ended = 0;
		}
		z.next_out = (unsigned char *)out;
		z.avail_out = sizeof(out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (z.avail_out < sizeof(out))
			ad_reader_input(rp->reader, out,
			    sizeof(out) - z.avail_out);
		if (zr == Z_STREAM_END)
			ended = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			break;
	}
	inflateEnd(&z);
	if (zr == Z_STREAM_END || (ended && z.avail_in == 0))
		return 0;
	if (zr == Z_OK || zr == Z_BUF_ERROR)
		log_warnx("%s: the compressed data ends early, at byte %llu "
		    "(%llu bytes of log): the file is truncated; the events "
		    "before the cut are replayed; replay an intact copy for "
		    "the rest", label, (unsigned long long)off,
		    (unsigned long long)z.total_out);
	else
		log_warnx("%s: the compressed data is corrupt at byte %llu "
		    "(%llu bytes of log; zlib: %s): the events before it are "
		    "replayed, the rest of the file is skipped; replay an "
		    "intact copy for the rest", label,
		    (unsigned long long)(off - z.avail_in),
		    (unsigned long long)z.total_out,
		    z.msg != NULL ? z.msg : "bad data");
	return REPLAY_DAMAGED;
}

/* Is the file open on fd a regular file, not gzip, big enough to share
 * out on several cores (replay_split.c)?  Its size in *size. */
static int
splittable(const struct replay *rp, int fd, size_t *size)
{
	struct stat st;
	char magic[2];

	if (rp->split.jobs < 2 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size < 2 * (uint64_t)rp->split.chunk ||
	    (uint64_t)st.st_size > SIZE_MAX ||
	    pread(fd, magic, 2, 0) != 2 || GZ_MAGIC(magic))
		return 0;
	*size = (size_t)st.st_size;
	return 1;
}

/* Replay fd on several cores if it can be: 1 done, 0 read it the
 * ordinary way. */
static int
replay_split(struct replay *rp, int fd)
{
	struct ad_split *sp = NULL;
	size_t size;

	if (rp->early != NULL && fd == rp->early_fd) {
		sp = rp->early;
		rp->early = NULL;
	} else if (splittable(rp, fd, &size))
		sp = ad_split_start(fd, size, ad_reader_label(rp->reader),
		    &rp->split);
	if (sp == NULL)
		return 0;
	ad_split_finish(sp, rp->reader, replay_event, rp);
	return 1;
}

/* The first file's workers, started before the set-up (replay_split.c,
 * ad_split_start); nothing if it is not splittable, or cannot be opened
 * (replay_file says so in its turn). */
static void
early_start(struct replay *rp, const char *path)
{
	struct stat st;
	size_t size;
	int fd;

	/* a FIFO is not opened here: opened and closed again before it is
	 * read, its writer would lose what it wrote (and O_NONBLOCK in
	 * case one replaces the file before the open) */
	if (rp->split.jobs < 2 || strcmp(path, "-") == 0 ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return;
	if (splittable(rp, fd, &size) &&
	    (rp->early = ad_split_start(fd, size, path, &rp->split)) != NULL) {
		rp->early_path = path;
		rp->early_fd = fd;
	} else
		close(fd);
}

/* The set-up failed: the early workers stopped. */
static void
early_cancel(struct replay *rp)
{
	if (rp->early == NULL)
		return;
	ad_split_cancel(rp->early);
	close(rp->early_fd);
	rp->early = NULL;
}

static void
replay_error(void *arg, uint64_t serial, const char *msg)
{
	struct replay *rp = arg;

	if (rp->reader != NULL)
		ad_reader_event_error(rp->reader, serial, msg);
}

/* Read one input through a reader.  Returns 0, -1 if it could not be
 * opened or read at all, or REPLAY_DAMAGED if it was read in part. */
static int
replay_file(struct replay *rp, struct ad_norm *norm, const char *path)
{
	static char buf[256 * 1024];
	const char *label = strcmp(path, "-") == 0 ? "<stdin>" : path;
	ssize_t n;
	int fd, rc = 0;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if (rp->early != NULL && path == rp->early_path)
		fd = rp->early_fd;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("cannot open %s: skipped; check the path and that "
		    "it is readable by this user", path);
		return -1;
	}
	rp->reader = ad_reader_new(norm, label);
	ad_reader_hold_across(rp->reader, 1);	/* a file: reads split events */
	if (replay_split(rp, fd))
		goto done;
	n = read_some(fd, buf, sizeof(buf));
	if (n == 1) {		/* a pipe may give one byte: the magic is 2 */
		ssize_t m = read_some(fd, buf + 1, sizeof(buf) - 1);

		n = m < 0 ? m : 1 + m;
	}
	if (n >= 2 && GZ_MAGIC(buf)) {
		rc = replay_gz(rp, fd, label, buf, sizeof(buf), n);
		goto done;
	}
	for (;;) {
		if (n < 0) {
			log_warn("%s:%llu: read failed; the rest of the file is "
			    "skipped", label,
			    (unsigned long long)rp->reader->lineno + 1);
			rc = rp->reader->lineno == 0 ? -1 : REPLAY_DAMAGED;
			break;
		}
		if (n == 0)
			break;
		ad_reader_input(rp->reader, buf, (size_t)n);
		n = read_some(fd, buf, sizeof(buf));
	}
done:
	ad_reader_eof(rp->reader);
	rp->pipe.stats.records_read += rp->reader->records;
	rp->pipe.stats.malformed += rp->reader->malformed;
	if (rp->reader->malformed > 0)
		log_warnx("%s: %llu malformed record(s) skipped of %llu lines; "
		    "events around them may be incomplete: check the file was "
		    "not cut or corrupted", label,
		    (unsigned long long)rp->reader->malformed,
		    (unsigned long long)rp->reader->lineno);
	if (ad_reader_untimed(rp->reader) > 0)
		log_info("%s: %llu record(s) without a timestamp (msg=?) "
		    "ignored, as libauparse does", label, (unsigned long long)
		    ad_reader_untimed(rp->reader));
	ad_reader_free(rp->reader);
	rp->reader = NULL;
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

static void
replay_usage(FILE *f)
{
	fprintf(f,
"usage: audrift replay [options] FILE...\n"
"Read audit.log files (raw or ENRICHED format, with or without node=),\n"
"normalize their events and evaluate the rules on them.  FILE - reads stdin.\n"
"\n"
"  -r, --rules DIR        rules directory (default: ./rules.d if present,\n"
"                         else " SYSCONFDIR "/audrift/rules.d)\n"
"  -d, --db FILE          write findings to this SQLite database\n"
"  -j, --json FILE|-      write findings as JSON lines (- = stdout)\n"
"  -e, --events           print every normalized event as a JSON line on\n"
"                         stdout (no rules unless --rules is given)\n"
"      --insecure-rules   accept rule files not owned by root (tests)\n"
"      --insecure-db      accept a database in a world-writable place (tests)\n"
"      --assume-host      the logs come from a host without containers:\n"
"                         attribute every event to the host\n"
"      --jobs N           normalize on N worker processes (default: the\n"
"                         online CPUs, at most 8; 1: one core, no workers)\n"
"  -h, --help             this help\n"
"\n"
"With no --db, --json or --events, findings are printed as JSON lines.\n"
"Replayed events carry no container attribution: there is no /proc to\n"
"read for a past event (attribution \"replay\"), so neither container nor\n"
"host rules fire on them unless --assume-host is given.\n"
"FILE may be gzip-compressed (as logrotate leaves it; told by its first\n"
"bytes, not its name).  Output is the same whatever --jobs is.\n"
"Exit status: 0; 1 if an input could not be read at all or the rules\n"
"did not load; 3 if an input was read only in part (a corrupt or truncated\n"
".gz, a read error): what came before the damage was replayed.\n");
}

const char *
ad_default_rules_dir(void)
{
	if (access("rules.d", F_OK) == 0)
		return "rules.d";
	return SYSCONFDIR "/audrift/rules.d";
}

int
cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'e' },
		{ "insecure-rules", no_argument, NULL, 'I' },
		{ "insecure-db", no_argument, NULL, 'D' },
		{ "assume-host", no_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *rules = NULL, *db = NULL, *json = NULL;
	int events = 0, insecure_rules = 0, insecure_db = 0, host = 0;
	struct replay rp;
	struct ad_norm *norm;
	int c, i, rc = 0, frc;
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	const char *chunk = getenv("AUDRIFT_REPLAY_CHUNK");
	char *end;

	if (jobs < 1)
		jobs = 1;
	if (jobs > AD_SPLIT_JOBS_MAX)
		jobs = AD_SPLIT_JOBS_MAX;
	if (getenv("AUDRIFT_INSECURE_RULES") != NULL)
		insecure_rules = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:j:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rules = optarg; break;
		case 'd': db = optarg; break;
		case 'j': json = optarg; break;
		case 'e': events = 1; break;
		case 'I': insecure_rules = 1; break;
		case 'D': insecure_db = 1; break;
		case 'H': host = 1; break;
		case 'J':
			jobs = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || jobs < 1 ||
			    jobs > AD_SPLIT_JOBS_MAX) {
				log_warnx("replay: --jobs %s: give a number of "
				    "worker processes from 1 to %d (1: one "
				    "core, no workers)", optarg,
				    AD_SPLIT_JOBS_MAX);
				return 2;
			}
			break;
		case 'h': replay_usage(stdout); return 0;
		default:
			replay_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		log_warnx("replay: no input file; give audit.log paths, or - "
		    "for stdin (see audrift replay --help)");
		return 2;
	}
	if (db == NULL && json == NULL && !events)
		json = "-";

	memset(&rp, 0, sizeof(rp));
	rp.split.jobs = (int)jobs;
	rp.split.chunk = AD_SPLIT_CHUNK;
	if (chunk != NULL && strtoul(chunk, &end, 10) > 0 && *end == '\0')
		rp.split.chunk = strtoul(chunk, NULL, 10);	/* tests */
	rp.split.attribution = host ? AD_ATTR_HOST : AD_ATTR_REPLAY;
	early_start(&rp, argv[optind]);
	ad_pipeline_init(&rp.pipe);
	if (rules != NULL || db != NULL || json != NULL) {
		if (rules == NULL)
			rules = ad_default_rules_dir();
		rp.pipe.rs = ad_ruleset_load(rules, NULL, 0, insecure_rules,
		    stderr);
		if (rp.pipe.rs == NULL) {
			log_warnx("replay: the rules in %s did not load; fix "
			    "the errors above (audrift check --rules %s)",
			    rules, rules);
			ad_pipeline_free(&rp.pipe);
			early_cancel(&rp);
			return 1;
		}
	}
	if (ad_pipeline_add_sinks(&rp.pipe, db, json, insecure_db) != 0) {
		ad_pipeline_free(&rp.pipe);
		early_cancel(&rp);
		return 1;
	}
	if (events)
		rp.pipe.events_out = stdout;

	norm = ad_norm_new(replay_event, replay_error, &rp);
	if (norm == NULL) {
		ad_pipeline_free(&rp.pipe);
		early_cancel(&rp);
		return 1;
	}
	ad_norm_set_attribution(norm, host ? AD_ATTR_HOST : AD_ATTR_REPLAY);
	rp.net = ad_netstate_new(NULL, 0, 0);
	ad_pipeline_begin(&rp.pipe, "replay");
	for (i = optind; i < argc; i++) {
		frc = replay_file(&rp, norm, argv[i]);
		if (frc < 0)
			rc = 1;
		else if (frc == REPLAY_DAMAGED && rc == 0)
			rc = REPLAY_DAMAGED;
	}
	early_cancel(&rp);	/* used by then: nothing */
	ad_pipeline_end(&rp.pipe);
	log_info("replayed %llu records, %llu events; %llu malformed "
	    "skipped; %llu findings",
	    (unsigned long long)rp.pipe.stats.records_read,
	    (unsigned long long)rp.pipe.stats.events_read,
	    (unsigned long long)rp.pipe.stats.malformed,
	    (unsigned long long)rp.pipe.stats.findings);
	ad_norm_free(norm);
	ad_netstate_free(rp.net);
	ad_pipeline_free(&rp.pipe);
	return rc;
}
