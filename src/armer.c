/*
 * armer.c - join each container's root overlay to the anchor's audit
 * tree as it is mounted (armer.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "armer.h"
#include "log.h"
#include "pipeline.h"
#include "util.h"

#define QUEUE_MAX	65536	/* notices waiting for the event thread */
#define ARMER_NICE	(-10)	/* a container's first instructions race
				   this thread: it sleeps, then works briefly */

struct ad_armer {
	pthread_t thread;
	int started;
	int mfd;		/* the mount table */
	int ctl;		/* audit socket of its own, -1: join nothing */
	int efd;		/* eventfd: notices wait (event thread polls) */
	int wake;		/* eventfd: stop or rejoin (this thread polls) */
	char *anchor;

	pthread_mutex_t mu;
	struct ad_arm_notice *q;	/* under mu */
	size_t nq, capq;
	int stop, rejoin;		/* under mu */
	struct ad_armer_stats st;	/* under mu */

	struct ad_mounts known;		/* the thread's own */
	char *buf;
	size_t cap;
};

/* Queue a notice (m is moved into it).  Under a->mu. */
static void
post(struct ad_armer *a, enum ad_arm_kind kind, struct ad_mount *m,
    int64_t seen, int64_t armed, int err)
{
	struct ad_arm_notice *n;

	if (a->nq >= QUEUE_MAX) {
		a->st.dropped++;
		ad_mount_clear(m);
		return;
	}
	if (a->nq == a->capq) {
		a->capq = a->capq ? a->capq * 2 : 64;
		a->q = xrealloc(a->q, a->capq * sizeof(*a->q));
	}
	n = &a->q[a->nq++];
	n->kind = kind;
	n->m = *m;
	memset(m, 0, sizeof(*m));
	n->seen_ms = seen;
	n->armed_ms = armed;
	n->err = err;
}

/* Join mount point p to the anchor's tree: 0, or an errno. */
static int
join(struct ad_armer *a, const char *p)
{
	int rc;

	if (a->ctl < 0)
		return 0;
	rc = audit_make_equivalent(a->ctl, a->anchor, p);
	return rc > 0 ? 0 : rc < 0 ? -rc : EIO;
}

/* Read the table, join what is new (everything when all), report the
 * changes: the unmounts first, so that a device reused at once goes to
 * its new container last.  The thread's, or the starter's before the
 * thread runs. */
static void
scan(struct ad_armer *a, int all)
{
	struct ad_mounts now;
	struct ad_mount cp;
	int64_t seen;
	long len;
	size_t i, j;
	int bad, err;

	if ((len = ad_mounts_read(a->mfd, &a->buf, &a->cap)) < 0) {
		log_warn("armer: cannot read the mount table; new containers "
		    "are not covered until it can be read");
		return;
	}
	seen = ad_now_ms();
	bad = ad_mounts_parse(a->buf, (size_t)len, &now);
	for (i = 0; i < now.n; i++)
		ad_mount_identify(&now.v[i]);
	pthread_mutex_lock(&a->mu);
	a->st.wakeups++;
	a->st.torn += (uint64_t)bad;
	for (j = 0; j < a->known.n; j++) {
		for (i = 0; i < now.n; i++)
			if (ad_mount_same(&now.v[i], &a->known.v[j]))
				break;
		if (i < now.n)
			continue;
		a->st.unmounted++;
		post(a, AD_ARM_UNMOUNTED, &a->known.v[j], seen, 0, 0);
	}
	pthread_mutex_unlock(&a->mu);
	for (i = 0; i < now.n; i++) {
		for (j = 0; j < a->known.n; j++)
			if (a->known.v[j].point != NULL &&
			    ad_mount_same(&now.v[i], &a->known.v[j]))
				break;
		if (j < a->known.n && !all)
			continue;
		err = join(a, now.v[i].point);
		pthread_mutex_lock(&a->mu);
		if (err == 0)
			a->st.armed++;
		else
			a->st.failed++;
		if (j == a->known.n) {
			ad_mount_copy(&cp, &now.v[i]);
			post(a, AD_ARM_MOUNTED, &cp, seen, err == 0 &&
			    a->ctl >= 0 ? ad_now_ms() : 0, err);
		}
		pthread_mutex_unlock(&a->mu);
		if (err != 0 && err != ENOENT)
			log_warnx("armer: cannot join %s to the audit tree of "
			    "%s (%s); writes in that container go unseen",
			    now.v[i].point, a->anchor, strerror(err));
	}
	ad_mounts_free(&a->known);
	a->known = now;
	if (eventfd_write(a->efd, 1) != 0)
		log_warn("armer: eventfd");
}

static void *
armer_main(void *arg)
{
	struct ad_armer *a = arg;
	struct pollfd pfd[2];
	eventfd_t v;
	int stop = 0, all;

	/* ahead of the host's other work (a busy host delayed a join by
	 * 117 ms here), but not realtime: it must never starve the host */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), ARMER_NICE)
	    != 0)
		log_debug("armer: cannot raise its priority: %s",
		    strerror(errno));
	pfd[0].fd = a->mfd;
	pfd[0].events = POLLPRI;
	pfd[1].fd = a->wake;
	pfd[1].events = POLLIN;
	while (!stop) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_warn("armer: poll");
			break;
		}
		if (pfd[1].revents & POLLIN)
			(void)eventfd_read(a->wake, &v);
		pthread_mutex_lock(&a->mu);
		stop = a->stop;
		all = a->rejoin;
		a->rejoin = 0;
		pthread_mutex_unlock(&a->mu);
		if (!stop && (all || (pfd[0].revents & (POLLPRI | POLLERR))))
			scan(a, all);
	}
	return NULL;
}

struct ad_armer *
ad_armer_start(const char *mountinfo, const char *anchor)
{
	struct ad_armer *a = xcalloc(1, sizeof(*a));

	a->ctl = a->efd = a->wake = -1;
	pthread_mutex_init(&a->mu, NULL);
	if ((a->mfd = open(mountinfo, O_RDONLY | O_CLOEXEC)) < 0) {
		log_warn("armer: %s", mountinfo);
		goto fail;
	}
	if ((a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (a->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		log_warn("armer: eventfd");
		goto fail;
	}
	if (anchor != NULL) {
		a->anchor = xstrdup(anchor);
		if ((a->ctl = audit_open()) < 0) {
			log_warn("armer: cannot open an audit socket; "
			    "containers are not covered");
			goto fail;
		}
	}
	scan(a, 1);
	if (pthread_create(&a->thread, NULL, armer_main, a) != 0) {
		log_warnx("armer: cannot start its thread");
		goto fail;
	}
	a->started = 1;
	return a;
fail:
	ad_armer_stop(a);
	return NULL;
}

void
ad_armer_stop(struct ad_armer *a)
{
	if (a == NULL)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_mutex_unlock(&a->mu);
		(void)eventfd_write(a->wake, 1);
		pthread_join(a->thread, NULL);
	}
	if (a->ctl >= 0)
		audit_close(a->ctl);
	if (a->mfd >= 0)
		close(a->mfd);
	if (a->efd >= 0)
		close(a->efd);
	if (a->wake >= 0)
		close(a->wake);
	ad_armer_notices_free(a->q, a->nq);
	ad_mounts_free(&a->known);
	pthread_mutex_destroy(&a->mu);
	free(a->buf);
	free(a->anchor);
	free(a);
}

int
ad_armer_fd(const struct ad_armer *a)
{
	return a->efd;
}

size_t
ad_armer_take(struct ad_armer *a, struct ad_arm_notice **out)
{
	eventfd_t v;
	size_t n;

	(void)eventfd_read(a->efd, &v);
	pthread_mutex_lock(&a->mu);
	*out = a->q;
	n = a->nq;
	a->q = NULL;
	a->nq = a->capq = 0;
	pthread_mutex_unlock(&a->mu);
	return n;
}

void
ad_armer_notices_free(struct ad_arm_notice *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ad_mount_clear(&v[i].m);
	free(v);
}

void
ad_armer_rejoin(struct ad_armer *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->rejoin = 1;
	pthread_mutex_unlock(&a->mu);
	(void)eventfd_write(a->wake, 1);
}

void
ad_armer_stats(struct ad_armer *a, struct ad_armer_stats *out)
{
	pthread_mutex_lock(&a->mu);
	*out = a->st;
	pthread_mutex_unlock(&a->mu);
}
