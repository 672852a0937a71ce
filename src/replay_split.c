/*
 * replay_split.c - one audit.log file replayed on several cores.
 *
 * The file is mapped and cut into chunks at event boundaries
 * (ad_split_find).  Worker processes normalize chunks (libauparse and
 * the normalizer: the costly, stateless part) and hand back each
 * chunk's events, packed (ad_event_pack), with the reader's problems
 * and counts, in a memfd passed over a socket.  This process takes the
 * chunks in file order and gives their events to the caller, whose
 * attribution, rules and sinks carry state from event to event.
 *
 * Processes, not threads: libauparse 3.0.9 keeps parser state in
 * process-wide statics (audit_strsplit's cursor, used for every line's
 * timestamp; the interpretation list), so two threads in one process
 * corrupt each other's parse.
 *
 * Exactness: a chunk that starts where nothing is open gives what one
 * reader over the whole file gives from there.  A worker checks this at
 * its chunk's end (ad_reader_boundary); if libauparse still builds an
 * event there, it goes on past the end, line by line, to the first
 * place where nothing is open, and says where it stopped; the chunks it
 * covered are dropped and the part of the next one after that place is
 * normalized again here.  Correct in every case; slower only when it
 * happens (it did not, on the bench log).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "replay_split.h"
#include "util.h"

#define READ_BLOCK	(256 * 1024)	/* replay.c's read size: same feeds */
#define SPLIT_BACK	(512 * 1024)	/* walked before a cut's window */
#define CREDITS		2	/* chunks ordered of a worker and not
				   yet merged */
/* A worker's results go through shared slots, reused: one per chunk
 * ordered of it (a chunk is ordered when the one CREDITS before it was
 * merged, so its slot is free).  A fresh memfd per
 * chunk cost ~8% of a replay in the kernel (its pages allocated,
 * zeroed, copied into by write, faulted in and freed by the parent);
 * results larger than a slot still go that way. */
#define NSLOT		CREDITS

/* --- where to cut ---------------------------------------------------------- */

static size_t
line_end(const char *p, size_t len, size_t at)
{
	const char *nl = memchr(p + at, '\n', len - at);

	return nl != NULL ? (size_t)(nl - p) : len;
}

/* Start of the line ending (with its newline) just before `at`. */
static size_t
line_start_before(const char *p, size_t at)
{
	size_t i = at - 1;	/* p[at - 1] is that line's newline */

	while (i > 0 && p[i - 1] != '\n')
		i--;
	return i;
}

/*
 * The cut at line start `at` gives a fresh reader the state a reader
 * over the whole file has there, once nothing is open: the record
 * before is fed and the one from `at` is of another event (another key:
 * the held enders go out; another serial: the same serial ring).
 */
static int
cut_exact(const char *p, size_t len, size_t at, uint64_t *k0, uint64_t *k1,
    int *ender)
{
	uint64_t s0, s1;
	size_t ps, ne;
	int e1;

	if (at == 0 || at >= len || p[at - 1] != '\n')
		return 0;
	ps = line_start_before(p, at);
	if (!ad_record_route(p + ps, at - 1 - ps, k0, &s0, ender))
		return 0;
	ne = line_end(p, len, at);
	if (ne == len)		/* a last line without newline: no cut */
		return 0;
	if (!ad_record_route(p + at, ne - at, k1, &s1, &e1))
		return 0;
	return *k0 != *k1 && s0 != s1;
}

/*
 * Events open at each line: a forward walk (an approximation of
 * libauparse's own state: an event is open from its first record to a
 * record that ends it, PROCTITLE or EOE, or a one-record type).
 */
#define OPEN_SLOTS	(1u << 15)
struct open_set {
	uint64_t key[OPEN_SLOTS];
	unsigned char open[OPEN_SLOTS];
	size_t used, nopen;
};

/* 1 if a record of this type ends its event in libauparse's view. */
static int
type_ends(const char *line, size_t len, int ender)
{
	const char *t = memmem(line, len, "type=", 5);
	int v;

	if (ender)
		return 1;
	if (t == NULL)
		return 0;
	t += 5;
	/* one-record kinds (audit numbers below 1300 and from 1700 on) */
	if (strncmp(t, "USER", 4) == 0 || strncmp(t, "DAEMON", 6) == 0 ||
	    strncmp(t, "ANOM", 4) == 0 || strncmp(t, "LOGIN", 5) == 0 ||
	    strncmp(t, "CRED", 4) == 0 || strncmp(t, "SERVICE", 7) == 0)
		return 1;
	if (strncmp(t, "UNKNOWN[", 8) == 0) {
		v = atoi(t + 8);
		return v < 1300 || v >= 1700;
	}
	return 0;
}

/* One record of event `key` into the set.  -1 if the set is full. */
static int
open_add(struct open_set *o, uint64_t key, int ends)
{
	size_t i = (size_t)(key ^ (key >> 29)) & (OPEN_SLOTS - 1);

	while (o->key[i] != 0 && o->key[i] != key)
		i = (i + 1) & (OPEN_SLOTS - 1);
	if (o->key[i] == 0) {
		if (o->used++ > OPEN_SLOTS / 2)
			return -1;
		o->key[i] = key;
	}
	if (o->open[i] && ends)
		o->nopen--;
	else if (!o->open[i] && !ends)
		o->nopen++;
	o->open[i] = !ends;
	return 0;
}

size_t
ad_split_find(const char *p, size_t len, size_t from, size_t window)
{
	struct open_set *o;
	size_t at, limit, le, fallback = 0, found = 0;
	uint64_t key, serial, k0, k1;
	int ender, e;

	if (from >= len)
		return 0;
	limit = window < len - from ? from + window : len;
	/* the walk starts a little before, so that events open at `from`
	 * are seen open */
	at = from > SPLIT_BACK ? from - SPLIT_BACK : 0;
	if (at > 0 && p[at - 1] != '\n')
		at = line_end(p, len, at) + 1;
	o = xcalloc(1, sizeof(*o));
	while (at < limit) {
		if (at > from && cut_exact(p, len, at, &k0, &k1, &ender)) {
			if (o->nopen == 0) {
				found = at;	/* nothing open: the cut */
				break;
			}
			if (fallback == 0)
				fallback = at;
		}
		le = line_end(p, len, at);
		if (le == len)
			break;
		if (ad_record_route(p + at, le - at, &key, &serial, &e) &&
		    open_add(o, key, type_ends(p + at, le - at, e)) != 0)
			break;		/* too many events: give up */
		at = le + 1;
	}
	free(o);
	return found != 0 ? found : fallback;
}

/* --- one chunk, normalized ------------------------------------------------- */

enum { ITEM_EVENT = 1, ITEM_SAY = 2 };

struct item {
	uint32_t kind;
	uint32_t len;		/* payload bytes, padded to 8 */
	uint64_t line;		/* ITEM_SAY: chunk line, 0 none */
};

struct chunk {
	size_t start, end;	/* given: [start, end) of the map */
	/* results */
	size_t stop;		/* where it ended: >= end */
	uint64_t lines, records, malformed, untimed;
	uint64_t outlen;	/* bytes of items */
};

struct worker {
	const char *map;
	size_t size;
	const char *label;
	enum ad_attr attribution;
	struct ad_norm *norm;
	struct ad_reader *r;	/* the chunk's reader */
	struct ad_buf out;	/* the chunk's items */
	char *slot[NSLOT];	/* this worker's, shared with the parent */
	size_t slot_size;
	size_t sent;		/* chunks sent: the next uses slot sent % NSLOT */
};

static void
item_begin(struct ad_buf *b, uint32_t kind, uint64_t line, size_t *at)
{
	struct item it = { kind, 0, line };

	*at = b->len;
	ad_buf_add(b, &it, sizeof(it));
}

static void
item_end(struct ad_buf *b, size_t at)
{
	struct item it;

	while (b->len % 8 != 0)
		ad_buf_addc(b, '\0');
	memcpy(&it, b->p + at, sizeof(it));
	it.len = (uint32_t)(b->len - at - sizeof(it));
	memcpy(b->p + at, &it, sizeof(it));
}

static void
on_event(void *arg, struct ad_event *ev)
{
	struct worker *w = arg;
	size_t at;

	item_begin(&w->out, ITEM_EVENT, 0, &at);
	ad_event_pack(&w->out, ev);
	item_end(&w->out, at);
}

static void
on_error(void *arg, uint64_t serial, const char *msg)
{
	struct worker *w = arg;

	ad_reader_event_error(w->r, serial, msg);
}

static void
on_say(void *arg, uint64_t line, const char *what)
{
	struct worker *w = arg;
	size_t at;

	item_begin(&w->out, ITEM_SAY, line, &at);
	ad_buf_adds(&w->out, what);
	ad_buf_addc(&w->out, '\0');
	item_end(&w->out, at);
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ	22	/* Linux 5.14 */
#endif

/* The map's pages of [start, end) in this process's page tables at
 * once, not faulted in 64 KiB at a time as they are read (the page
 * cache has them: a replayed file was just written, or is read again).
 * An older kernel refuses it: then they fault in as before. */
static void
populate(const char *map, size_t start, size_t end)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t lo = start & ~(pg - 1);

	if (end > lo)
		(void)madvise((void *)(map + lo), end - lo,
		    MADV_POPULATE_READ);
}

/*
 * Normalize c into w->out, fed in the same pieces a reader of the whole
 * file gets (READ_BLOCK-aligned reads), and go on past c->end until
 * nothing is open (see the top of the file).
 */
static void
chunk_run(struct worker *w, struct chunk *c)
{
	size_t pos = c->start, pe;
	int ender;
	uint64_t k0, k1;

	ad_buf_reset(&w->out);
	populate(w->map, c->start, c->end);
	w->r = ad_reader_new(w->norm, w->label);
	ad_reader_hold_across(w->r, 1);
	ad_reader_set_report(w->r, on_say, w);
	while (pos < c->end) {
		pe = (pos / READ_BLOCK + 1) * READ_BLOCK;
		if (pe > c->end)
			pe = c->end;
		ad_reader_input(w->r, w->map + pos, pe - pos);
		pos = pe;
	}
	c->stop = c->end;
	if (c->end == w->size) {
		ad_reader_eof(w->r);
	} else if (!ad_reader_boundary(w->r)) {
		for (;;) {
			pe = line_end(w->map, w->size, pos);
			pe = pe < w->size ? pe + 1 : pe;
			ad_reader_input(w->r, w->map + pos, pe - pos);
			pos = pe;
			if (pos == w->size) {
				ad_reader_eof(w->r);
				break;
			}
			if (cut_exact(w->map, w->size, pos, &k0, &k1,
			    &ender) && ad_reader_boundary(w->r))
				break;
		}
		c->stop = pos;
	}
	ad_norm_flush(w->norm);		/* nothing is open: hands out none */
	c->lines = ad_reader_lines(w->r);
	c->records = ad_reader_records(w->r);
	c->malformed = ad_reader_malformed(w->r);
	c->untimed = ad_reader_untimed(w->r);
	c->outlen = w->out.len;
	ad_reader_free(w->r);
	w->r = NULL;
}

/* --- the worker processes -------------------------------------------------- */

struct msg {
	size_t index;
	struct chunk c;
	int slot;		/* the items are in this slot; -1: in the
				   memfd passed with it */
};

/* Send c's results: the items in the next slot, or in a memfd if they
 * do not fit.  0 ok, -1 failed. */
static int
send_chunk(int sock, size_t index, const struct chunk *c, struct worker *w)
{
	const struct ad_buf *out = &w->out;
	struct msg m = { index, *c, -1 };
	struct iovec iov = { &m, sizeof(m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct cmsghdr *cm;
	size_t done = 0;
	ssize_t n;
	int fd = -1, rc = -1;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (out->len <= w->slot_size && w->slot[w->sent % NSLOT] != NULL) {
		m.slot = (int)(w->sent % NSLOT);
		memcpy(w->slot[m.slot], out->p, out->len);
	} else {
		if ((fd = memfd_create("audrift-chunk", MFD_CLOEXEC)) < 0)
			return -1;
		while (done < out->len) {
			n = write(fd, out->p + done, out->len - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				goto out;
			done += (size_t)n;
		}
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	w->sent++;
	while ((n = sendmsg(sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	rc = n == (ssize_t)sizeof(m) ? 0 : -1;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The whole pages of the map in [start, end): read, not needed again.
 * Each process that touched them does this (a worker's chunks stayed
 * resident: 430 MiB peak RSS replaying an 861 MB log). */
static void
release_pages(const char *map, size_t start, size_t end)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t lo = (start + pg - 1) & ~(pg - 1), hi = end & ~(pg - 1);

	if (hi > lo)
		(void)madvise((void *)(map + lo), hi - lo, MADV_DONTNEED);
}

/* A chunk handed to a worker: which, and where. */
struct order {
	size_t index;
	size_t start, end;
};

/* A worker process: the chunks the parent orders, in turn, until it
 * closes the socket.  Never returns. */
static void
worker_main(struct worker *w, int sock)
{
	struct order o;
	struct chunk c;
	ssize_t got;

	w->norm = ad_norm_new(on_event, on_error, w);
	if (w->norm == NULL)
		_exit(1);
	ad_norm_set_attribution(w->norm, w->attribution);
	ad_buf_init(&w->out);
	for (;;) {
		while ((got = read(sock, &o, sizeof(o))) < 0 && errno == EINTR)
			;
		if (got == 0)
			_exit(0);	/* the parent is done with us */
		if (got != (ssize_t)sizeof(o) || o.start >= o.end ||
		    o.end > w->size)
			_exit(1);
		memset(&c, 0, sizeof(c));
		c.start = o.start;
		c.end = o.end;
		chunk_run(w, &c);
		if (send_chunk(sock, o.index, &c, w) != 0)
			_exit(1);
		release_pages(w->map, c.start, c.stop);
	}
}

/* Receive the next results of worker w: 0 with *p the items (*fd the
 * memfd they are mapped from, to unmap and close after, or -1: a slot);
 * -1 if the worker is gone or sent something else. */
static int
recv_chunk(int sock, const struct worker *w, size_t index, struct chunk *c,
    char **p, int *fd)
{
	struct msg m;
	struct iovec iov = { &m, sizeof(m) };
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr mh;
	struct cmsghdr *cm;
	ssize_t n;

	*p = NULL;
	*fd = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	while ((n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 &&
	    errno == EINTR)
		;
	if (n != (ssize_t)sizeof(m))
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (cm != NULL && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	if (m.index != index || m.c.start != c->start || m.c.end != c->end ||
	    (m.slot < 0 && *fd < 0) || (m.slot >= 0 && (*fd >= 0 ||
	    m.slot >= NSLOT || w->slot[m.slot] == NULL ||
	    m.c.outlen > w->slot_size)))
		goto bad;
	*c = m.c;
	if (m.slot >= 0)
		*p = w->slot[m.slot];
	else if (c->outlen > 0 && (*p = mmap(NULL, c->outlen, PROT_READ |
	    PROT_WRITE, MAP_SHARED, *fd, 0)) == MAP_FAILED)
		goto bad;
	return 0;
bad:
	*p = NULL;
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return -1;
}

/* --- in file order ---------------------------------------------------------- */

struct merge {
	struct ad_reader *r;	/* the file's: label, counts, budget */
	ad_event_fn fn;
	void *arg;
	size_t cursor;		/* bytes handed out, exactly */
	uint64_t base;		/* lines before cursor */
	size_t redone;		/* parts normalized again here */
	struct worker self;	/* for a part normalized here */
	struct ad_event ev;	/* the event handed out */
};

/* Hand out one chunk's items; c->start is m->cursor. */
static void
merge_items(struct merge *m, const struct chunk *c, char *p)
{
	char *end = p + c->outlen;
	struct item it;

	while (p + sizeof(it) <= end) {
		memcpy(&it, p, sizeof(it));
		p += sizeof(it);
		if (it.kind == ITEM_EVENT)
			m->fn(m->arg, ad_event_unpack(p, &m->ev));
		else if (it.kind == ITEM_SAY)
			ad_reader_say(m->r, it.line ? m->base + it.line : 0,
			    p);
		p += it.len;
	}
	ad_reader_absorb(m->r, c->lines, c->records, c->malformed,
	    c->untimed);
	m->cursor = c->stop;
	m->base += c->lines;
}

/* Normalize [m->cursor, end) here and hand it out. */
static void
merge_here(struct merge *m, size_t end)
{
	struct chunk c;

	log_debug("%s: bytes %zu-%zu normalized here (a chunk before ran on)",
	    m->self.label, m->cursor, end);
	memset(&c, 0, sizeof(c));
	c.start = m->cursor;
	c.end = end;
	if (m->self.norm == NULL) {
		m->self.norm = ad_norm_new(on_event, on_error, &m->self);
		if (m->self.norm == NULL)
			fatal("cannot start libauparse (feed mode) for %s",
			    m->self.label);
		ad_norm_set_attribution(m->self.norm, m->self.attribution);
	}
	chunk_run(&m->self, &c);
	merge_items(m, &c, m->self.out.p);
	m->redone++;
}

/* Chunk c in order: its items p from a worker (have), or none (its
 * worker failed, or there are no workers). */
static void
merge_chunk(struct merge *m, struct chunk *c, int have, char *p)
{
	if (c->end <= m->cursor)
		return;		/* covered by an earlier chunk's run-on */
	if (c->start == m->cursor && have)
		merge_items(m, c, p);
	else
		merge_here(m, c->end);
}

/* The chunks, planned as they are handed out: the cut after each is
 * found (ad_split_find, a walk of 512 KiB or more) while the workers
 * normalize the ones before; planning them all first kept both workers
 * waiting ~40 ms on a 106 MB log. */
struct plan {
	const char *map;
	size_t size, chunk;
	int jobs;
	size_t at;		/* where the next chunk starts */
	struct chunk *c;
	size_t n, cap;
};

/* Plan the next chunk; 0 if the file is all planned. */
static int
plan_next(struct plan *pl)
{
	size_t next, want = pl->chunk, left = pl->size - pl->at;

	if (pl->at >= pl->size)
		return 0;
	/* smaller towards the end, down to an eighth: the workers end
	 * together (with 4 MiB chunks to the end, one worker finished
	 * ~50 ms before the other on a 106 MB log) */
	if (pl->jobs > 0 && left / (2 * (size_t)pl->jobs) < want)
		want = left / (2 * (size_t)pl->jobs);
	if (want < pl->chunk / 8)
		want = pl->chunk / 8;
	next = pl->at + want < pl->size ? ad_split_find(pl->map,
	    pl->size, pl->at + want, want) : 0;
	if (pl->n == pl->cap)
		pl->c = xrealloc(pl->c, (pl->cap = pl->cap ? pl->cap * 2 :
		    16) * sizeof(*pl->c));
	memset(&pl->c[pl->n], 0, sizeof(pl->c[pl->n]));
	pl->c[pl->n].start = pl->at;
	pl->c[pl->n].end = next != 0 ? next : pl->size;
	pl->at = pl->c[pl->n++].end;
	/* the cut finder read 512 KiB before the cut: an eighth of the
	 * file stayed resident here (136 MiB peak replaying an 861 MB
	 * log) */
	release_pages(pl->map, pl->c[pl->n - 1].start, pl->at);
	return 1;
}

/* Order chunk i of its worker; 0 ok, -1 the worker is gone. */
static int
order(int sock, const struct plan *pl, size_t i)
{
	struct order o = { i, pl->c[i].start, pl->c[i].end };

	return send(sock, &o, sizeof(o), MSG_NOSIGNAL) == (ssize_t)sizeof(o) ?
	    0 : -1;
}

/* A file being replayed on workers (replay_split.h). */
struct ad_split {
	struct plan pl;		/* its map and size: the file's */
	int jobs;		/* 0: all of it here */
	int socks[AD_SPLIT_JOBS_MAX], dead[AD_SPLIT_JOBS_MAX];
	pid_t pids[AD_SPLIT_JOBS_MAX];
	struct worker self;	/* what the workers inherit */
	struct worker wk[AD_SPLIT_JOBS_MAX];	/* each one's, with its slots */
};

struct ad_split *
ad_split_start(int fd, size_t size, const char *label,
    const struct ad_split_opts *o)
{
	struct ad_split *sp;
	char *map;
	size_t i;
	int j, k;

	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return NULL;
	(void)madvise(map, size, MADV_WILLNEED);
	sp = xcalloc(1, sizeof(*sp));
	sp->jobs = o->jobs > AD_SPLIT_JOBS_MAX ? AD_SPLIT_JOBS_MAX : o->jobs;
	sp->pl.map = map;
	sp->pl.size = size;
	sp->pl.chunk = o->chunk;
	sp->pl.jobs = sp->jobs;
	(void)plan_next(&sp->pl);
	if (sp->pl.at >= size)
		sp->jobs = 0;	/* no cut found: all of it here */
	sp->self.map = map;
	sp->self.size = size;
	sp->self.label = label;
	sp->self.attribution = o->attribution;
	ad_buf_init(&sp->self.out);
	fflush(NULL);		/* nothing buffered is written twice */
	for (j = 0; j < sp->jobs; j++) {
		int sv[2];

		sp->wk[j] = sp->self;
		/* twice a chunk: a chunk's items take ~0.8 of it (pages
		 * are only taken as they are written) */
		sp->wk[j].slot_size = 2 * o->chunk;
		for (k = 0; k < NSLOT; k++)
			if ((sp->wk[j].slot[k] = mmap(NULL,
			    sp->wk[j].slot_size, PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
				sp->wk[j].slot[k] = NULL;

		sp->dead[j] = 1;
		sp->pids[j] = -1;
		sp->socks[j] = -1;
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
		    sv) != 0)
			continue;
		if ((sp->pids[j] = fork()) == 0) {
			close(sv[0]);
			for (k = 0; k < j; k++)
				if (sp->socks[k] >= 0)
					close(sp->socks[k]);
			worker_main(&sp->wk[j], sv[1]);
		}
		close(sv[1]);
		if (sp->pids[j] < 0) {
			close(sv[0]);
			continue;
		}
		sp->socks[j] = sv[0];
		sp->dead[j] = 0;
	}
	/* CREDITS chunks out per worker: chunk i goes to worker i % jobs,
	 * ordered when chunk i - jobs * CREDITS was merged */
	for (i = 0; sp->jobs > 0 && i < (size_t)sp->jobs * CREDITS; i++) {
		if (i >= sp->pl.n && !plan_next(&sp->pl))
			break;
		j = (int)(i % (size_t)sp->jobs);
		if (!sp->dead[j] && order(sp->socks[j], &sp->pl, i) != 0)
			sp->dead[j] = 1;
	}
	return sp;
}

/* The workers told to stop (closed) and reaped; sp freed. */
static void
split_free(struct ad_split *sp)
{
	int j, k;

	for (j = 0; j < sp->jobs; j++) {
		if (sp->socks[j] >= 0)
			close(sp->socks[j]);
		if (sp->pids[j] > 0)
			while (waitpid(sp->pids[j], NULL, 0) < 0 &&
			    errno == EINTR)
				;
	}
	for (j = 0; j < sp->jobs; j++)
		for (k = 0; k < NSLOT; k++)
			if (sp->wk[j].slot[k] != NULL)
				munmap(sp->wk[j].slot[k], sp->wk[j].slot_size);
	ad_norm_free(sp->self.norm);
	ad_buf_free(&sp->self.out);
	free(sp->pl.c);
	munmap((void *)sp->pl.map, sp->pl.size);
	free(sp);
}

void
ad_split_cancel(struct ad_split *sp)
{
	int j;

	if (sp == NULL)
		return;
	/* they hold nothing but their chunk: not waited for */
	for (j = 0; j < sp->jobs; j++)
		if (sp->pids[j] > 0)
			(void)kill(sp->pids[j], SIGKILL);
	split_free(sp);
}

void
ad_split_finish(struct ad_split *sp, struct ad_reader *r, ad_event_fn fn,
    void *arg)
{
	struct plan *pl = &sp->pl;
	struct merge m;
	size_t i;
	int j, efd, have, jobs = sp->jobs;
	char *p;

	memset(&m, 0, sizeof(m));
	m.r = r;
	m.fn = fn;
	m.arg = arg;
	m.self = sp->self;	/* a part normalized here, with its own norm */
	ad_buf_init(&m.self.out);
	for (i = 0; i < pl->n; i++) {
		j = jobs > 0 ? (int)(i % (size_t)jobs) : -1;
		p = NULL;
		efd = -1;
		have = j >= 0 && !sp->dead[j] && recv_chunk(sp->socks[j],
		    &sp->wk[j], i, &pl->c[i], &p, &efd) == 0;
		if (!have && j >= 0 && !sp->dead[j]) {
			sp->dead[j] = 1;
			log_warnx("%s: a replay worker stopped; its part of the "
			    "file is read here, on one core (check memory and "
			    "the process limit)", ad_reader_label(r));
		}
		/* its last chunk: told to go now, so that it exits (~2 ms
		 * unmapping) while this merges */
		if (j >= 0 && pl->at >= pl->size && i + (size_t)jobs >= pl->n &&
		    sp->socks[j] >= 0) {
			close(sp->socks[j]);
			sp->socks[j] = -1;
			sp->dead[j] = 1;
		}
		merge_chunk(&m, &pl->c[i], have, p);
		if (efd >= 0) {
			if (p != NULL)
				munmap(p, pl->c[i].outlen);
			close(efd);
		}
		/* its slot is free: the worker's next order */
		if (j >= 0 && i + (size_t)jobs * CREDITS >= pl->n &&
		    plan_next(pl) && !sp->dead[j] &&
		    order(sp->socks[j], pl, pl->n - 1) != 0)
			sp->dead[j] = 1;
		/* what is handed out is not read again: keep RSS small */
		if (pl->c[i].end <= m.cursor)
			release_pages(pl->map, pl->c[i].start, pl->c[i].end);
	}
	log_debug("%s: %zu chunks on %d workers, %zu normalized again here",
	    ad_reader_label(r), pl->n, jobs, m.redone);
	ad_norm_free(m.self.norm);
	ad_buf_free(&m.self.out);
	split_free(sp);
}
