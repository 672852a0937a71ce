/*
 * source_netlink.c - audit records from the kernel: the unicast daemon
 * socket and the read-only multicast group, and the reader thread with
 * its bounded queue.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <linux/netlink.h>
#include <libaudit.h>

#include "live.h"
#include "log.h"

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A big receive buffer: SO_RCVBUFFORCE passes rmem_max (CAP_NET_ADMIN);
 * without it SO_RCVBUF gets what rmem_max allows. */
static void
big_rcvbuf(int fd, int bytes)
{
	socklen_t len = sizeof(bytes);
	int got = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
	    sizeof(bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) != 0)
		log_warn("cannot raise the netlink receive buffer");
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) == 0)
		log_debug("netlink receive buffer: %d bytes", got);
}

int
ad_nl_open_daemon(void)
{
	int fd, rc, e, one = 1;

	if ((fd = audit_open()) < 0)
		return -1;
	rc = audit_set_pid(fd, (uint32_t)getpid(), WAIT_YES);
	if (rc <= 0) {
		e = rc < 0 ? -rc : EIO;
		audit_close(fd);
		errno = e;
		return -1;
	}
	big_rcvbuf(fd, AD_LIVE_RCVBUF / 4);
	/* What the kernel cannot hand the daemon socket (full for 100 ms)
	 * goes to its retry queue, not away, and what that cannot hold it
	 * counts in `lost`: an ENOBUFS here would count records twice or
	 * count records that come later. */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one,
	    sizeof(one)) != 0)
		log_warn("cannot set NETLINK_NO_ENOBUFS on the audit socket");
	if (set_nonblock(fd) != 0) {
		e = errno;
		audit_close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
ad_nl_open_multicast(void)
{
	struct sockaddr_nl sa;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    NETLINK_AUDIT);
	if (fd < 0) {
		log_warn("cannot open a NETLINK_AUDIT socket");
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		log_warn("cannot join the audit multicast group (needs "
		    "CAP_AUDIT_READ and Linux >= 3.16)");
		close(fd);
		return -1;
	}
	big_rcvbuf(fd, AD_LIVE_RCVBUF);
	return fd;
}

/*
 * One datagram holds one record.  Its nlmsg_len differs by path: unicast
 * (the daemon socket) carries the payload length only, a quirk auditd
 * depends on; multicast carries the full length, header included.  So
 * the datagram's own size n is used, less the header, and trailing NULs
 * and newlines are trimmed: the same text either way.  Returns 1 with
 * line and *type set, 0 for what is not a record (acks, replies).
 */
static int
nl_line(const char *buf, size_t n, struct ad_buf *line, int *type)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	const char *text, *name;
	size_t len;
	char unk[32];

	if (n < NLMSG_HDRLEN || nh->nlmsg_type < AUDIT_FIRST_USER_MSG)
		return 0;
	text = buf + NLMSG_HDRLEN;
	len = n - NLMSG_HDRLEN;
	while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n'))
		len--;
	if (len == 0)
		return 0;
	if ((name = audit_msg_type_to_name(nh->nlmsg_type)) == NULL) {
		snprintf(unk, sizeof(unk), "UNKNOWN[%u]", nh->nlmsg_type);
		name = unk;
	}
	ad_buf_reset(line);
	ad_buf_adds(line, "type=");
	ad_buf_adds(line, name);
	ad_buf_adds(line, " msg=");
	ad_buf_add(line, text, len);
	ad_buf_addc(line, '\n');
	*type = nh->nlmsg_type;
	return 1;
}

/* --- the reader thread -------------------------------------------------- */

/*
 * The queue is a ring the two threads share without copying: the reader
 * receives straight into free slots and the main thread swaps texts out
 * of full ones.  The lock covers only head and count, taken once per
 * burst on each side: the reader publishes up to READ_BURST records at a
 * time, the main thread releases the slots it took when it comes back
 * for more.  Slots [head, head + count) belong to the main thread, the
 * rest to the reader.
 */
#define READ_BURST	256
#define RECV_MSGS	64	/* datagrams per recvmmsg */
/*
 * When to wake the main thread.  Each wakeup is a context switch each
 * way, on a VM the dearest part of a record, so it should carry a whole
 * event at a low rate and hundreds of records in a storm:
 * - at once when WAKE_RECORDS wait, or when the queue's last record ends
 *   an event (its EOE, or a record that stands alone) and the last
 *   wakeup is WAKE_NS old;
 * - an event's first records wait up to PART_NS for the rest (the kernel
 *   sends them back to back), and in a storm at most WAKE_NS pass
 *   between wakeups.
 */
#define WAKE_RECORDS	512
#define WAKE_NS		250000
#define PART_NS		100000
/*
 * Who reads the socket.  At a low rate the main thread reads it itself
 * when it waits (one thread woken per event, not two: the handoff was
 * half of audrift's CPU per exec here); the reader thread reads it from
 * the first burst of BIG_BURST records on, so that a storm's socket is
 * drained while the main thread works.  It hands the socket back after
 * QUIET_NS without such a burst, when the main thread waits on an empty
 * queue, and takes it again when the main thread has not read it for
 * STALL_NS while records wait (the main thread is busy elsewhere: a
 * reload, a scan).  One owner at a time, changed under mu; a side only
 * reads while it owns, so the order of records is kept.
 *
 * Solo: on a host of two CPUs or fewer the daemon source's main thread
 * keeps the socket through a storm too, and the reader only bridges a
 * STALL_NS stall, giving the socket back as soon as the main thread
 * waits on an empty queue.  The storm's process and kauditd already
 * keep both CPUs busy, so a second thread of audrift's only adds
 * switches and a second cache for each record (bench, 2 cores: 12% less
 * CPU per chmod event).  The kernel waits for the daemon source (its
 * backlog), so nothing is lost by it; the multicast source keeps the
 * split, since nothing waits for a multicast reader.
 * AUDRIFT_TEST_READER=split or solo forces one (tests).
 *
 * The stall check is a timed wait every STALL_NS while the main thread
 * owns the socket: half of audrift's CPU on an idle host.  After
 * QUIET_CHECKS checks in a row found no read and nothing to read, the
 * reader sleeps in poll on the socket instead, with no timeout: it wakes
 * when a record waits (the main thread wakes too, and normally takes
 * it), when the main thread hands it the socket (kickfd) or at stop, and
 * then checks every STALL_NS again.  A record that arrives while the
 * main thread is busy wakes it, so the rescue is as quick after a quiet
 * spell as during traffic.
 */
#define BIG_BURST	32
#define QUIET_NS	200000000
#define STALL_NS	20000000
#define QUIET_CHECKS	10

enum owner { OWN_READER, OWN_MAIN };
/* one datagram's room, a multiple of 16: each starts with an nlmsghdr */
#define RECV_SIZE	((MAX_AUDIT_MESSAGE_LENGTH + NLMSG_HDRLEN + 79) & ~15)

struct slot {
	int type;
	struct ad_buf text;
};

struct ad_nl_reader {
	int fd;			/* netlink, borrowed */
	int evfd;		/* eventfd: the queue is not empty */
	int stopfd;		/* eventfd: stop the thread */
	int kickfd;		/* eventfd: the socket is the reader's (it
				   sleeps in poll, below STALL_NS) */
	int block;		/* full queue: wait (1) or drop (0) */
	FILE *recorded;		/* datagrams from a file (a seam), or NULL */
	int at_eof;		/* under mu: the file has ended */
	pthread_t thread;
	int running;

	pthread_mutex_t mu;
	pthread_cond_t space;	/* the main thread released slots */
	struct slot *q;
	int qmax, head, count;	/* shared, under mu */
	int stopping;		/* under mu */
	int armed;		/* under mu: the main thread found the queue
				   empty and waits for the eventfd */
	int64_t last_wake;	/* under mu: CLOCK_MONOTONIC ns */
	int64_t pending;	/* under mu: when the first record the main
				   thread was not woken for came, 0 none */
	int ends;		/* under mu: the last record queued ends
				   its event */
	enum owner owner;	/* under mu: who reads the socket */
	int solo;		/* bursts stay with the main thread (above) */
	pthread_cond_t own;	/* to the reader: the socket is its own
				   again, or stop */
	int64_t last_big;	/* under mu: the last BIG_BURST burst */
	int64_t last_pump;	/* under mu: the main thread's last read */
	uint64_t to_main, to_reader;	/* under mu: handoffs */
	int asleep;		/* under mu: the reader sleeps in poll */
	uint64_t sleeps;	/* under mu: how often it did */
	uint64_t records, enobufs, overflow;
	int failed;		/* recv failed for good (errno in err) */
	int err;

	/* the reader's own: one recvmmsg's datagrams */
	struct mmsghdr mm[RECV_MSGS];
	struct iovec iov[RECV_MSGS];
	char *rbuf;		/* RECV_MSGS * RECV_SIZE */

	/* the main thread's own: slots taken since it last locked; the
	 * socket polled readable and not yet drained (while it owns it) */
	int c_head, c_avail, c_taken;
	int c_sock;
	int drained;		/* under mu: the last burst emptied the socket */
	int ev_set;		/* under mu: the eventfd was written, not read */
	struct ad_buf drop;	/* the owner's: a record not queued */
};

/* Under mu: make the eventfd readable (the main thread's poll wakes). */
static void
ev_signal(struct ad_nl_reader *r)
{
	if (write(r->evfd, &(uint64_t){ 1 }, sizeof(uint64_t)) < 0 &&
	    errno != EAGAIN)
		log_warn("reader: eventfd write");
	r->ev_set = 1;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Under mu: wake the main thread if it waits, records are queued and it
 * is time (above; force: now).  Returns the ns until a deferred wakeup is
 * due, 0 when none is pending.
 */
static int64_t
reader_wake(struct ad_nl_reader *r, int force)
{
	int64_t now, due;

	if (!r->armed || r->count == 0)
		return 0;
	now = mono_ns();
	if (r->pending == 0)
		r->pending = now;
	if (!force && r->count < WAKE_RECORDS) {
		due = r->last_wake + WAKE_NS;
		if (!r->ends && due < r->pending + PART_NS)
			due = r->pending + PART_NS;
		if (now < due)
			return due - now;
	}
	r->armed = 0;
	r->pending = 0;
	r->last_wake = now;
	ev_signal(r);
	return 0;
}

/* The record ends its event: EOE, or one outside a syscall's records
 * (user messages, AVCs, ... below 1300 or from 1400), which get no EOE.
 * A CONFIG_CHANGE (1305) has none either: PART_NS lets it go. */
static int
ends_event(int type)
{
	return type == AUDIT_EOE || type < AUDIT_FIRST_EVENT ||
	    type >= AUDIT_FIRST_EVENT + 100;
}

/*
 * Under mu, released while asleep: a quiet host (above).  Sleep in poll
 * until a record waits in the socket, the main thread hands it over, or
 * stop.
 */
static void
reader_sleep(struct ad_nl_reader *r)
{
	struct pollfd pfd[3] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = r->stopfd, .events = POLLIN },
		{ .fd = r->kickfd, .events = POLLIN },
	};
	uint64_t v;

	r->asleep = 1;
	r->sleeps++;
	pthread_mutex_unlock(&r->mu);
	while (poll(pfd, 3, -1) < 0 && errno == EINTR)
		;
	if ((pfd[2].revents & POLLIN) && read(r->kickfd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		log_warn("reader: eventfd read");
	pthread_mutex_lock(&r->mu);
	r->asleep = 0;
}

/*
 * Wait until the queue has a free slot, or stop is asked.  Returns the
 * first free slot's index and how many are free (contiguity is not
 * needed: the ring wraps by index), or -1 to stop; *due: ns until a
 * deferred wakeup of the main thread, 0 none.
 */
static int
reader_space(struct ad_nl_reader *r, int *tail, int64_t *due)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	struct timespec ts;
	int64_t now, quiet, seen;
	int nfree, idle = 0;

	pthread_mutex_lock(&r->mu);
	now = mono_ns();
	/* quiet, and the main thread waits with nothing queued: its own */
	if (r->recorded == NULL && r->owner == OWN_READER && r->armed &&
	    r->count == 0 && (r->solo || now - r->last_big >= QUIET_NS) &&
	    !r->stopping) {
		r->owner = OWN_MAIN;
		r->last_pump = now;
		r->to_main++;
		/* the main thread polls the eventfd: wake it to poll the
		 * socket instead */
		ev_signal(r);
	}
	seen = r->last_pump;
	while (r->owner == OWN_MAIN && !r->stopping) {
		if (idle >= QUIET_CHECKS) {
			reader_sleep(r);
			idle = 0;
			seen = r->last_pump;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);	/* own's clock */
		ts.tv_nsec += STALL_NS;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&r->own, &r->mu, &ts) == 0)
			continue;
		/* the main thread has not read for STALL_NS and records
		 * wait: it is busy elsewhere; drain the socket here */
		if (r->owner == OWN_MAIN && mono_ns() - r->last_pump >=
		    STALL_NS && poll(&pfd, 1, 0) > 0) {
			r->owner = OWN_READER;
			r->last_big = mono_ns();
			r->to_reader++;
		} else if (r->last_pump == seen)
			idle++;		/* no read, nothing to read */
		else {
			seen = r->last_pump;
			idle = 0;
		}
	}
	while (r->count == r->qmax && r->block && !r->stopping) {
		(void)reader_wake(r, 1);
		pthread_cond_wait(&r->space, &r->mu);
	}
	nfree = r->stopping ? -1 : r->qmax - r->count;
	*tail = (r->head + r->count) % r->qmax;
	*due = reader_wake(r, 0);
	/* while it reads, it looks again when the quiet is long enough to
	 * hand the socket over, and then every QUIET_NS / 4 */
	if (r->recorded == NULL && r->owner == OWN_READER) {
		quiet = r->last_big + QUIET_NS - mono_ns();
		if (quiet < QUIET_NS / 4)
			quiet = QUIET_NS / 4;
		if (*due == 0 || quiet < *due)
			*due = quiet;
	}
	pthread_mutex_unlock(&r->mu);
	return nfree;
}

/* The n records a burst put into the slots after the tail join the
 * queue, with what else it counted (mu held, by either thread). */
static void
queue_add(struct ad_nl_reader *r, int n, uint64_t enobufs, uint64_t overflow)
{
	if (n > 0)
		r->ends = ends_event(r->q[(r->head + r->count + n - 1) %
		    r->qmax].type);
	r->count += n;
	r->records += (uint64_t)n + overflow;
	r->enobufs += enobufs;
	r->overflow += overflow;
}

/* The reader's burst joins the queue; wake the main thread if it
 * waits (above). */
static void
reader_publish(struct ad_nl_reader *r, int n, uint64_t enobufs,
    uint64_t overflow)
{
	pthread_mutex_lock(&r->mu);
	queue_add(r, n, enobufs, overflow);
	if (n >= BIG_BURST)
		r->last_big = mono_ns();
	(void)reader_wake(r, 0);
	pthread_mutex_unlock(&r->mu);
}

/*
 * Receive up to want datagrams in one recvmmsg.  Returns how many came
 * (0: nothing pending), -1 on a lasting error (errno).  An ENOBUFS (a
 * multicast socket overran; reported once per overrun) counts in
 * *enobufs, and what is still queued is read.
 */
/*
 * The benchmark seam (AUDRIFT_TEST_RECORDS): datagrams from a file, each
 * an nlmsghdr whose nlmsg_len is the datagram's size, then its payload,
 * padded to NLMSG_ALIGN, as bench/nl-records writes them.  They go
 * through the same conversion and queue as the socket's.
 */
static int
recorded_recv(struct ad_nl_reader *r, int want)
{
	struct nlmsghdr nh;
	size_t len;
	int i;

	for (i = 0; i < want; i++) {
		if (fread(&nh, sizeof(nh), 1, r->recorded) != 1)
			break;
		len = NLMSG_ALIGN(nh.nlmsg_len);
		if (nh.nlmsg_len < NLMSG_HDRLEN || len > RECV_SIZE) {
			errno = EINVAL;
			return -1;
		}
		memcpy(r->rbuf + (size_t)i * RECV_SIZE, &nh, sizeof(nh));
		if (len > NLMSG_HDRLEN && fread(r->rbuf + (size_t)i *
		    RECV_SIZE + NLMSG_HDRLEN, len - NLMSG_HDRLEN, 1,
		    r->recorded) != 1)
			break;
		r->mm[i].msg_len = nh.nlmsg_len;
	}
	if (i < want) {
		pthread_mutex_lock(&r->mu);
		r->at_eof = 1;
		pthread_mutex_unlock(&r->mu);
	}
	return i;
}

static int
reader_recv(struct ad_nl_reader *r, int want, uint64_t *enobufs)
{
	int i, got;

	if (r->recorded != NULL)
		return recorded_recv(r, want);

	for (i = 0; i < want; i++) {
		r->iov[i].iov_base = r->rbuf + (size_t)i * RECV_SIZE;
		r->iov[i].iov_len = RECV_SIZE;
		memset(&r->mm[i].msg_hdr, 0, sizeof(r->mm[i].msg_hdr));
		r->mm[i].msg_hdr.msg_iov = &r->iov[i];
		r->mm[i].msg_hdr.msg_iovlen = 1;
	}
	for (;;) {
		got = recvmmsg(r->fd, r->mm, (unsigned)want, MSG_DONTWAIT,
		    NULL);
		if (got >= 0)
			return got;
		if (errno == ENOBUFS)
			(*enobufs)++;
		else if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR)
			return 0;
		else
			return -1;
	}
}

/*
 * One bounded burst from the socket into the free slots after tail
 * (nfree of them), by whichever thread owns it: how many records were
 * queued; *got: the last recvmmsg's count (-1: failed, errno in *err).
 * A multicast record with no slot left is counted in *overflow.
 */
static int
reader_burst(struct ad_nl_reader *r, int nfree, int tail, uint64_t *enobufs,
    uint64_t *overflow, int *got, int *err)
{
	struct slot *s;
	int n, want, i, type;

	*got = 0;
	r->drained = 0;
	for (n = 0; n + (int)*overflow < READ_BURST;) {
		want = READ_BURST - n - (int)*overflow;
		if (r->block)
			want = want < nfree - n ? want : nfree - n;
		if (want <= 0)
			break;
		if (want > RECV_MSGS)
			want = RECV_MSGS;
		if ((*got = reader_recv(r, want, enobufs)) < 0) {
			*err = errno;
			break;
		}
		for (i = 0; i < *got; i++) {
			if (n < nfree) {
				s = &r->q[(tail + n) % r->qmax];
				n += nl_line(r->rbuf + (size_t)i * RECV_SIZE,
				    r->mm[i].msg_len, &s->text, &s->type);
			} else
				/* multicast, queue full: the kernel would
				 * drop it anyway; ours */
				*overflow += nl_line(r->rbuf + (size_t)i *
				    RECV_SIZE, r->mm[i].msg_len, &r->drop,
				    &type);
		}
		if (*got < want) {		/* drained */
			r->drained = 1;
			break;
		}
	}
	return n;
}

static void *
reader_main(void *arg)
{
	struct ad_nl_reader *r = arg;
	struct pollfd pfd[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = r->stopfd, .events = POLLIN },
	};
	struct timespec ts;
	uint64_t enobufs, overflow;
	int64_t due;
	int nfree, tail, got, n, rc, err = 0;

	for (;;) {
		if ((nfree = reader_space(r, &tail, &due)) < 0)
			break;
		ts.tv_sec = due / 1000000000;
		ts.tv_nsec = due % 1000000000;
		if (r->recorded != NULL)	/* a file is always readable */
			rc = 1;
		else if ((rc = ppoll(pfd, 2, due > 0 ? &ts : NULL, NULL)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (rc == 0)		/* a deferred wakeup is due */
			continue;
		if (pfd[1].revents)
			break;
		/* a bounded burst, then publish and look at stop again */
		enobufs = overflow = 0;
		n = reader_burst(r, nfree, tail, &enobufs, &overflow, &got,
		    &err);
		reader_publish(r, n, enobufs, overflow);
		if (r->recorded != NULL && r->at_eof) {
			pthread_mutex_lock(&r->mu);
			(void)reader_wake(r, 1);
			pthread_mutex_unlock(&r->mu);
			break;
		}
		if (got < 0) {
			pthread_mutex_lock(&r->mu);
			r->failed = 1;
			r->err = err;
			pthread_mutex_unlock(&r->mu);
			break;
		}
	}
	return NULL;
}

/* Solo (above) for a blocking source on at most two usable CPUs. */
static int
solo_mode(int block)
{
	const char *force = getenv("AUDRIFT_TEST_READER");
	cpu_set_t set;
	int n;

	if (force != NULL && strcmp(force, "split") == 0)
		return 0;
	if (force != NULL && strcmp(force, "solo") == 0)
		return 1;
	if (!block)
		return 0;
	n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) :
	    (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 && n <= 2;
}

struct ad_nl_reader *
ad_nl_reader_start(int fd, int qmax, int block)
{
	struct ad_nl_reader *r = xcalloc(1, sizeof(*r));
	const char *recorded = getenv("AUDRIFT_TEST_RECORDS");
	int i;

	if (recorded != NULL && (r->recorded = fopen(recorded, "re")) == NULL)
		log_warn("AUDRIFT_TEST_RECORDS: %s", recorded);
	r->fd = fd;
	r->block = block;
	r->solo = solo_mode(block);
	r->qmax = qmax > 0 ? qmax : AD_LIVE_QUEUE_DEFAULT;
	r->q = xcalloc((size_t)r->qmax, sizeof(*r->q));
	r->rbuf = xmalloc((size_t)RECV_MSGS * RECV_SIZE);
	for (i = 0; i < r->qmax; i++)
		ad_buf_init(&r->q[i].text);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->space, NULL);
	{
		pthread_condattr_t ca;	/* a clock step must not stall it */

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->own, &ca);
		pthread_condattr_destroy(&ca);
	}
	ad_buf_init(&r->drop);
	r->owner = OWN_READER;
	r->last_big = mono_ns();
	r->armed = 1;
	r->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->kickfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->evfd < 0 || r->stopfd < 0 || r->kickfd < 0) {
		log_warn("eventfd");
		ad_nl_reader_free(r);
		return NULL;
	}
	if ((errno = pthread_create(&r->thread, NULL, reader_main, r)) != 0) {
		log_warn("cannot start the reader thread");
		ad_nl_reader_free(r);
		return NULL;
	}
	r->running = 1;
	return r;
}

int
ad_nl_reader_fd(const struct ad_nl_reader *r)
{
	return r->evfd;
}

int
ad_nl_reader_sock(struct ad_nl_reader *r)
{
	int fd;

	pthread_mutex_lock(&r->mu);
	fd = r->owner == OWN_MAIN && !r->stopping ? r->fd : -1;
	pthread_mutex_unlock(&r->mu);
	return fd;
}

int
ad_nl_reader_queued(const struct ad_nl_reader *r)
{
	return r->c_avail > 0;
}

void
ad_nl_reader_readable(struct ad_nl_reader *r)
{
	r->c_sock = 1;
}

/*
 * The main thread's read while it owns the socket: a burst into the
 * queue (empty: the main thread took everything), under mu so that the
 * reader takes the socket back only between two.  A BIG_BURST burst is
 * a storm starting: the socket goes to the reader before these records
 * are worked on.
 */
static void
main_pump(struct ad_nl_reader *r)
{
	uint64_t enobufs = 0, overflow = 0;
	int n, got, err = 0;

	pthread_mutex_lock(&r->mu);
	if (r->owner != OWN_MAIN || r->stopping) {
		pthread_mutex_unlock(&r->mu);
		return;
	}
	n = reader_burst(r, r->qmax - r->count, (r->head + r->count) %
	    r->qmax, &enobufs, &overflow, &got, &err);
	queue_add(r, n, enobufs, overflow);
	r->last_pump = mono_ns();
	if (got < 0) {		/* the reader meets it too, and stops */
		r->failed = 1;
		r->err = err;
	}
	/* no eventfd: this thread knows what it read (ad_nl_reader_queued),
	 * and a drained socket is not read again before poll says so */
	if (r->drained || got < 0)
		r->c_sock = 0;
	if ((n >= BIG_BURST && !r->solo) || got < 0) {
		r->owner = OWN_READER;
		r->last_big = r->last_pump;
		r->to_reader++;
		pthread_cond_signal(&r->own);
		if (r->asleep && write(r->kickfd, &(uint64_t){ 1 },
		    sizeof(uint64_t)) < 0 && errno != EAGAIN)
			log_warn("reader: eventfd write");
	}
	r->c_avail = r->count;
	pthread_mutex_unlock(&r->mu);
}

/*
 * Give back the slots taken since the last call and see how many the
 * reader published since.  When none, drain the eventfd while holding
 * the lock: a publish after this unlock writes it again.
 */
static void
reader_refill(struct ad_nl_reader *r)
{
	uint64_t v;

	pthread_mutex_lock(&r->mu);
	if (r->c_taken > 0) {
		r->head = r->c_head;
		r->count -= r->c_taken;
		r->c_taken = 0;
		pthread_cond_signal(&r->space);
	}
	r->c_avail = r->count;
	if (r->count == 0) {
		if (r->ev_set && read(r->evfd, &v, sizeof(v)) < 0 &&
		    errno != EAGAIN)
			log_warn("reader: eventfd read");
		r->ev_set = 0;
		r->armed = 1;
	}
	pthread_mutex_unlock(&r->mu);
}

int
ad_nl_reader_pop(struct ad_nl_reader *r, int *type, struct ad_buf *line)
{
	struct ad_buf tmp;
	struct slot *s;

	if (r->c_avail == 0) {
		reader_refill(r);
		if (r->c_avail == 0 && r->c_sock)
			main_pump(r);
		if (r->c_avail == 0)
			return 0;
	}
	s = &r->q[r->c_head];
	*type = s->type;
	tmp = s->text;
	s->text = *line;
	*line = tmp;
	r->c_head = (r->c_head + 1) % r->qmax;
	r->c_avail--;
	r->c_taken++;
	return 1;
}

int
ad_nl_reader_done(struct ad_nl_reader *r)
{
	int done;

	pthread_mutex_lock(&r->mu);
	done = r->at_eof && r->count == 0 && r->c_avail == 0;
	pthread_mutex_unlock(&r->mu);
	return done;
}

void
ad_nl_reader_counts(struct ad_nl_reader *r, uint64_t *records,
    uint64_t *enobufs, uint64_t *overflow, uint64_t *handoffs)
{
	pthread_mutex_lock(&r->mu);
	*records = r->records;
	*enobufs = r->enobufs;
	*overflow = r->overflow;
	if (handoffs != NULL) {
		handoffs[0] = r->to_main;
		handoffs[1] = r->to_reader;
		handoffs[2] = r->sleeps;
	}
	if (r->failed) {
		r->failed = 0;
		errno = r->err;
		log_warn("reading audit records failed; the reader stopped");
	}
	pthread_mutex_unlock(&r->mu);
}

void
ad_nl_reader_stop(struct ad_nl_reader *r)
{
	uint64_t one = 1;

	if (r == NULL || !r->running)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = 1;
	pthread_cond_signal(&r->space);
	pthread_cond_signal(&r->own);
	pthread_mutex_unlock(&r->mu);
	if (write(r->stopfd, &one, sizeof(one)) < 0)
		log_warn("reader: stop");
	pthread_join(r->thread, NULL);
	r->running = 0;
}

void
ad_nl_reader_free(struct ad_nl_reader *r)
{
	int i;

	if (r == NULL)
		return;
	ad_nl_reader_stop(r);
	for (i = 0; i < r->qmax; i++)
		ad_buf_free(&r->q[i].text);
	free(r->q);
	free(r->rbuf);
	if (r->recorded != NULL)
		fclose(r->recorded);
	if (r->evfd >= 0)
		close(r->evfd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	if (r->kickfd >= 0)
		close(r->kickfd);
	ad_buf_free(&r->drop);
	pthread_cond_destroy(&r->space);
	pthread_cond_destroy(&r->own);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
