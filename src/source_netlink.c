/*
 * source_netlink.c - audit records from the kernel: the unicast daemon
 * socket and the read-only multicast group, and the reader thread with
 * its bounded queue.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
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
	int fd, rc, e;

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
 * the datagram's own size is used, less the header, and trailing NULs
 * and newlines are trimmed: the same text either way.
 */
int
ad_nl_recv(int fd, struct ad_buf *line, int *type, uint64_t *enobufs)
{
	static __thread union {
		struct nlmsghdr nh;
		char b[MAX_AUDIT_MESSAGE_LENGTH + NLMSG_HDRLEN + 64];
	} u;
	const struct nlmsghdr *nh = &u.nh;
	const char *buf = u.b;
	const char *text, *name;
	ssize_t n;
	size_t len;
	char unk[32];

	n = recv(fd, u.b, sizeof(u.b), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		if (errno == ENOBUFS) {
			(*enobufs)++;
			return 0;
		}
		return -1;
	}
	if ((size_t)n < NLMSG_HDRLEN)
		return 0;
	if (nh->nlmsg_type < AUDIT_FIRST_USER_MSG)
		return 0;	/* acks, replies to requests */
	text = buf + NLMSG_HDRLEN;
	len = (size_t)n - NLMSG_HDRLEN;
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

struct slot {
	int type;
	struct ad_buf text;
};

struct ad_nl_reader {
	int fd;			/* netlink, borrowed */
	int evfd;		/* eventfd: the queue is not empty */
	int stopfd;		/* eventfd: stop the thread */
	pthread_t thread;
	int running;

	pthread_mutex_t mu;
	struct slot *q;
	int qmax, head, count;
	uint64_t records, enobufs, overflow;
	int failed;		/* recv failed for good (errno in err) */
	int err;
};

static void
push(struct ad_nl_reader *r, int type, struct ad_buf *line)
{
	struct ad_buf tmp;
	struct slot *s;
	int wake = 0;

	pthread_mutex_lock(&r->mu);
	r->records++;
	if (r->count == r->qmax)
		r->overflow++;
	else {
		s = &r->q[(r->head + r->count) % r->qmax];
		s->type = type;
		/* swap buffers: no copy, and both stay warm */
		tmp = s->text;
		s->text = *line;
		*line = tmp;
		wake = r->count++ == 0;
	}
	pthread_mutex_unlock(&r->mu);
	if (wake) {
		uint64_t one = 1;

		if (write(r->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("reader: eventfd write");
	}
}

static void *
reader_main(void *arg)
{
	struct ad_nl_reader *r = arg;
	struct pollfd pfd[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = r->stopfd, .events = POLLIN },
	};
	struct ad_buf line;
	uint64_t enobufs;
	int type, rc, i;

	ad_buf_init(&line);
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		/* a bounded burst, then look at the stop fd again */
		for (i = 0; i < 256; i++) {
			enobufs = 0;
			rc = ad_nl_recv(r->fd, &line, &type, &enobufs);
			if (enobufs) {
				pthread_mutex_lock(&r->mu);
				r->enobufs += enobufs;
				pthread_mutex_unlock(&r->mu);
				continue;
			}
			if (rc == 1)
				push(r, type, &line);
			else if (rc == 0)
				break;
			else {
				pthread_mutex_lock(&r->mu);
				r->failed = 1;
				r->err = errno;
				pthread_mutex_unlock(&r->mu);
				goto out;
			}
		}
	}
out:
	ad_buf_free(&line);
	return NULL;
}

struct ad_nl_reader *
ad_nl_reader_start(int fd, int qmax)
{
	struct ad_nl_reader *r = xcalloc(1, sizeof(*r));
	int i;

	r->fd = fd;
	r->qmax = qmax > 0 ? qmax : AD_LIVE_QUEUE_DEFAULT;
	r->q = xcalloc((size_t)r->qmax, sizeof(*r->q));
	for (i = 0; i < r->qmax; i++)
		ad_buf_init(&r->q[i].text);
	pthread_mutex_init(&r->mu, NULL);
	r->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->evfd < 0 || r->stopfd < 0) {
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
ad_nl_reader_pop(struct ad_nl_reader *r, int *type, struct ad_buf *line)
{
	struct ad_buf tmp;
	struct slot *s;
	uint64_t v;

	pthread_mutex_lock(&r->mu);
	if (r->count == 0) {
		/* drain the eventfd while holding the lock: a push after
		 * this unlock writes it again */
		if (read(r->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_warn("reader: eventfd read");
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	s = &r->q[r->head];
	*type = s->type;
	tmp = s->text;
	s->text = *line;
	*line = tmp;
	r->head = (r->head + 1) % r->qmax;
	r->count--;
	pthread_mutex_unlock(&r->mu);
	return 1;
}

void
ad_nl_reader_counts(struct ad_nl_reader *r, uint64_t *records,
    uint64_t *enobufs, uint64_t *overflow)
{
	pthread_mutex_lock(&r->mu);
	*records = r->records;
	*enobufs = r->enobufs;
	*overflow = r->overflow;
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
	if (r->evfd >= 0)
		close(r->evfd);
	if (r->stopfd >= 0)
		close(r->stopfd);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
