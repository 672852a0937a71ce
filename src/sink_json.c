/*
 * sink_json.c - findings as JSON lines, for shippers (Filebeat, Fluent
 * Bit, Vector): one object per finding with the columns of the findings
 * table (finding.c), the event embedded as an object.
 *
 * Lines collect in a buffer written with write(2) per batch or tick, so a
 * reader never sees half a line from us unless the disk filled mid-write;
 * what could not be written stays buffered (up to JSONL_BUF_MAX) and is
 * retried, and what overflows is counted and logged once.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "action.h"
#include "finding.h"
#include "log.h"
#include "sink.h"
#include "store.h"
#include "util.h"

#define JSONL_BATCH	512
#define JSONL_BATCH_MS	1	/* lines a storm gathers before a write; the
				   event loop's tick after each turn writes
				   what is pending, however young */
#define JSONL_BUF_MAX	(8u << 20)
#define JSONL_RETRY_MS	1000

struct jsonl {
	char *path;
	int fd;
	int own_fd;
	struct ad_row row;
	struct ad_buf out;	/* complete lines not yet written */
	int nlines;		/* lines in out */
	int64_t first_ms;	/* when the first of them came */
	int failing;		/* errno being retried, 0 none */
	int64_t retry_ms;
	int overflow_logged;
	uint64_t dropped;
	char *host;
	char hostbuf[256];
};

/* Write out what is buffered.  0 all written, -1 some left (logged once). */
static int
jsonl_drain(struct jsonl *j, int64_t now, int force)
{
	size_t done = 0;
	ssize_t n;

	if (j->out.len == 0)
		return 0;
	if (j->failing && !force && now < j->retry_ms)
		return -1;
	while (done < j->out.len) {
		n = write(j->fd, j->out.p + done, j->out.len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n == 0 ? EIO : errno;

			/* Keep the unwritten tail: the file stays whole
			 * lines once it is written. */
			memmove(j->out.p, j->out.p + done, j->out.len - done);
			j->out.len -= done;
			j->out.p[j->out.len] = '\0';
			j->retry_ms = now + JSONL_RETRY_MS;
			if (e != j->failing) {
				errno = e;
				log_warn("JSON lines %s: cannot write; free "
				    "space or fix the reader; %d findings are "
				    "kept in memory and retried", j->path,
				    j->nlines);
				j->failing = e;
			}
			return -1;
		}
		done += (size_t)n;
	}
	if (j->failing)
		log_info("JSON lines %s: writable again", j->path);
	j->failing = 0;
	j->overflow_logged = 0;
	ad_buf_reset(&j->out);
	j->nlines = 0;
	return 0;
}

/* Room for one more line: 0, or -1 when the buffer is at its bound and
 * will not drain (the line is dropped and counted). */
static int
jsonl_room(struct jsonl *j, int64_t now)
{
	if (j->out.len < JSONL_BUF_MAX)
		return 0;
	jsonl_drain(j, now, 0);
	if (j->out.len < JSONL_BUF_MAX)
		return 0;
	j->dropped++;
	if (!j->overflow_logged) {
		log_warnx("JSON lines %s: %u bytes wait in memory, the most "
		    "allowed: new findings are dropped and counted until it "
		    "takes writes again", j->path, JSONL_BUF_MAX);
		j->overflow_logged = 1;
	}
	return -1;
}

/* A line was appended to out: end it, write the batch when due. */
static void
jsonl_line_done(struct jsonl *j, int64_t now)
{
	ad_buf_addc(&j->out, '\n');
	if (j->nlines++ == 0)
		j->first_ms = now;
	if (j->nlines >= JSONL_BATCH || now - j->first_ms >= JSONL_BATCH_MS)
		jsonl_drain(j, now, 0);
}

static int
jsonl_write(void *ctx, const struct ad_finding *f)
{
	struct jsonl *j = ctx;
	int64_t now = ad_store_now_ms();

	if (jsonl_room(j, now) != 0)
		return -1;
	if (f->row == NULL)
		ad_row_fill(&j->row, f, j->host);
	ad_row_json(&j->out, f->row ? f->row : &j->row, -1);
	jsonl_line_done(j, now);
	return 0;
}

/* An action record: a line of its own, "type":"action" first. */
static int
jsonl_action(void *ctx, const struct ad_action_rec *a)
{
	struct jsonl *j = ctx;
	int64_t now = ad_store_now_ms();

	if (jsonl_room(j, now) != 0)
		return -1;
	ad_action_rec_json(&j->out, a);
	jsonl_line_done(j, now);
	return 0;
}

static int
jsonl_flush(void *ctx)
{
	return jsonl_drain(ctx, ad_store_now_ms(), 1);
}

static int
jsonl_tick(void *ctx, int64_t now_ms)
{
	struct jsonl *j = ctx;

	/* not waiting for JSONL_BATCH_MS here: the finding of the turn's
	 * last event came in this same millisecond, and the next tick may
	 * be the 100 ms timer (a JSON line's p99 was 35 ms) */
	if (j->nlines > 0)
		return jsonl_drain(j, now_ms, 0);
	return 0;
}

static void
jsonl_run_begin(void *ctx, const struct ad_run_stats *st)
{
	struct jsonl *j = ctx;

	if (st->host != NULL) {
		free(j->host == j->hostbuf ? NULL : j->host);
		j->host = xstrdup(st->host);
	}
}

static void
jsonl_run_end(void *ctx, const struct ad_run_stats *st)
{
	jsonl_flush(ctx);
}

static void
jsonl_close(void *ctx)
{
	struct jsonl *j = ctx;

	if (jsonl_drain(j, ad_store_now_ms(), 1) != 0 || j->dropped)
		log_warnx("JSON lines %s: %d findings could not be written "
		    "and %llu were dropped", j->path, j->nlines,
		    (unsigned long long)j->dropped);
	if (j->own_fd && close(j->fd) == -1)
		log_warn("JSON lines %s: close", j->path);
	ad_row_free(&j->row);
	ad_buf_free(&j->out);
	if (j->host != j->hostbuf)
		free(j->host);
	free(j->path);
	free(j);
}

/* Open path for appending, 0640, without following a symlink; -1 logged. */
static int
jsonl_open_fd(const char *path)
{
	mode_t omask = umask(027);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	umask(omask);
	if (fd == -1) {
		if (errno == ELOOP)
			log_warnx("JSON lines %s is a symlink: refusing "
			    "to follow it; give the real path", path);
		else
			log_warn("JSON lines %s: cannot open it", path);
	}
	return fd;
}

/* SIGHUP (logrotate moved the file): write what is buffered to the old
 * file, then append to a new one at the path.  If it cannot be opened,
 * the old one stays in use. */
static int
jsonl_reopen(void *ctx)
{
	struct jsonl *j = ctx;
	int fd;

	if (!j->own_fd)
		return 0;
	jsonl_drain(j, ad_store_now_ms(), 1);
	if ((fd = jsonl_open_fd(j->path)) == -1) {
		log_warnx("JSON lines %s: still writing to the file opened "
		    "before; fix the path's directory and send SIGHUP again",
		    j->path);
		return -1;
	}
	if (close(j->fd) == -1)
		log_warn("JSON lines %s: close", j->path);
	j->fd = fd;
	return 0;
}

void
ad_sink_reopen_all(struct ad_sink *list)
{
	for (; list != NULL; list = list->next)
		if (list->ops->reopen != NULL)
			list->ops->reopen(list->ctx);
}

static const struct ad_sink_ops jsonl_ops = {
	.name = "jsonl",
	.write = jsonl_write,
	.flush = jsonl_flush,
	.run_begin = jsonl_run_begin,
	.run_end = jsonl_run_end,
	.close = jsonl_close,
	.tick = jsonl_tick,
	.action = jsonl_action,
	.reopen = jsonl_reopen,
};

struct ad_sink *
ad_jsonl_open(const char *path)
{
	struct jsonl *j;
	struct ad_sink *sink;

	if (path == NULL || *path == '\0') {
		log_warnx("no JSON lines file given: use --json FILE or "
		    "--json - for stdout");
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(path);
	if (strcmp(path, "-") == 0)
		j->fd = STDOUT_FILENO;
	else {
		if ((j->fd = jsonl_open_fd(path)) == -1) {
			free(j->path);
			free(j);
			return NULL;
		}
		j->own_fd = 1;
	}
	ad_row_init(&j->row);
	ad_buf_init(&j->out);
	if (gethostname(j->hostbuf, sizeof(j->hostbuf) - 1) == -1)
		strcpy(j->hostbuf, "localhost");
	j->host = j->hostbuf;

	sink = xcalloc(1, sizeof(*sink));
	sink->ops = &jsonl_ops;
	sink->ctx = j;
	return sink;
}
