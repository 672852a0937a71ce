/*
 * netstate.c - bind -> listen linking and the /proc reads of network
 * events (netstate.h).
 *
 * The bind table is open addressing over (pid, fd), a probe window of
 * PROBE slots: a new entry takes a free or same-key slot, else the
 * oldest in the window (counted as evicted).  An entry stays until it
 * is replaced: a socket's close is not audited, so a pid that binds fd 3,
 * closes it and listens on a new, unbound fd 3 would get the old
 * address; /proc is asked first for a live process whose table entry
 * holds port 0 (the kernel chose), which is the common case of that.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netstate.h"
#include "util.h"

#define PROBE	8

struct slot {
	int32_t pid;		/* 0: free */
	int32_t fd;
	uint64_t seq;		/* insertion order: the oldest goes */
	int family, addrlen, port;
	uint8_t addr[16];
};

struct ad_netstate {
	char *procfs;
	int live;
	struct slot *tab;
	size_t n;
	uint64_t seq;
	struct ad_netstate_stats st;
};

struct ad_netstate *
ad_netstate_new(const char *procfs, int live, size_t slots)
{
	struct ad_netstate *ns = xcalloc(1, sizeof(*ns));

	ns->procfs = xstrdup(procfs ? procfs : "/proc");
	ns->live = live;
	ns->n = slots ? slots : 4096;
	ns->tab = xcalloc(ns->n, sizeof(*ns->tab));
	return ns;
}

void
ad_netstate_free(struct ad_netstate *ns)
{
	if (ns == NULL)
		return;
	free(ns->procfs);
	free(ns->tab);
	free(ns);
}

static size_t
slot_hash(const struct ad_netstate *ns, int32_t pid, int32_t fd)
{
	uint64_t h = (uint64_t)(uint32_t)pid * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)(uint32_t)fd * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h >> 17) % ns->n;
}

static struct slot *
slot_find(struct ad_netstate *ns, int32_t pid, int32_t fd)
{
	size_t i, h = slot_hash(ns, pid, fd);
	struct slot *s;

	for (i = 0; i < PROBE && i < ns->n; i++) {
		s = &ns->tab[(h + i) % ns->n];
		if (s->pid == pid && s->fd == fd)
			return s;
	}
	return NULL;
}

static void
slot_put(struct ad_netstate *ns, int32_t pid, int32_t fd,
    const struct ad_net *n)
{
	size_t i, h = slot_hash(ns, pid, fd);
	struct slot *s, *pick = NULL;

	for (i = 0; i < PROBE && i < ns->n; i++) {
		s = &ns->tab[(h + i) % ns->n];
		if (s->pid == 0 || (s->pid == pid && s->fd == fd)) {
			pick = s;
			break;
		}
		if (pick == NULL || s->seq < pick->seq)
			pick = s;
	}
	if (pick->pid != 0 && !(pick->pid == pid && pick->fd == fd))
		ns->st.evicted++;
	pick->pid = pid;
	pick->fd = fd;
	pick->seq = ++ns->seq;
	pick->family = n->family;
	pick->addrlen = n->addrlen;
	pick->port = n->port;
	memcpy(pick->addr, n->addr, sizeof(pick->addr));
	ns->st.binds++;
}

/* The inet socket behind fd of pid: 1 and local/remote; 0 not an inet
 * socket (an AF_UNIX one: 2 and local says so when unix is set); -1
 * gone. */
static int
proc_socket(struct ad_netstate *ns, pid_t pid, int fd, int tcp_only,
    int unix_too, struct ad_net *local, struct ad_net *remote)
{
	const char *proto;
	uint64_t ino;
	int rc;

	if ((rc = ad_proc_fd_socket(ns->procfs, pid, fd, &ino)) <= 0)
		return rc;
	rc = ad_proc_socket_find(ns->procfs, pid, ino, tcp_only, local,
	    remote, &proto);
	if (rc == 0 && unix_too &&
	    ad_proc_unix_find(ns->procfs, pid, ino, local) == 1)
		return 2;
	return rc;
}

static void
do_listen(struct ad_netstate *ns, struct ad_event *ev)
{
	struct ad_net local, remote;
	struct slot *s;
	int rc;

	if (ev->a[0] > INT32_MAX)
		return;
	s = slot_find(ns, ev->proc.pid, (int32_t)ev->a[0]);
	if (s != NULL) {
		ad_net_clear(&ev->net);
		ev->net.present = 1;
		ev->net.family = s->family;
		ev->net.addrlen = s->addrlen;
		ev->net.port = s->port;
		memcpy(ev->net.addr, s->addr, sizeof(s->addr));
		ev->net_src = AD_NSRC_BIND;
		if (s->port > 0) {
			ns->st.listen_from_bind++;
			return;
		}
	}
	/* no bind seen, or the kernel chose the port: the live socket */
	if (ns->live) {
		rc = proc_socket(ns, ev->proc.pid, (int)ev->a[0], 1, 1,
		    &local, &remote);
		if (rc == 1 || rc == 2) {	/* inet, or AF_UNIX */
			ev->net = local;
			ev->net_src = AD_NSRC_PROC;
			ns->st.listen_from_proc++;
			return;
		}
		if (rc < 0)
			ns->st.proc_gone++;
	}
	if (s != NULL) {
		ev->net.port = -1;	/* bound to port 0: not known */
		ns->st.listen_from_bind++;
	} else
		ns->st.listen_unknown++;
}

/* fds 0..2 of the event's process (an exec), or only fd (a dup onto
 * it): the first TCP or UDP socket's peer goes to ev->net. */
static void
do_stdio(struct ad_netstate *ns, struct ad_event *ev, int from, int to)
{
	struct ad_net local, remote;
	int fd, rc, seen = 0;

	ns->st.stdio_reads++;
	for (fd = from; fd <= to; fd++) {
		rc = proc_socket(ns, ev->proc.pid, fd, 0, 0, &local, &remote);
		if (rc < 0)
			continue;	/* closed fd, or the process is gone */
		seen = 1;
		if (rc == 1) {
			ev->stdio_net = AD_STDIO_NET;
			ev->net = remote;
			ev->net_src = AD_NSRC_PROC;
			return;
		}
	}
	if (seen)
		ev->stdio_net = AD_STDIO_NO;
	else
		ns->st.proc_gone++;
}

void
ad_netstate_event(struct ad_netstate *ns, struct ad_event *ev)
{
	struct ad_net local, remote;

	if (ns == NULL || ev->success != 1 || ev->proc.pid <= 0)
		return;
	switch (ev->op) {
	case AD_OP_BIND:
		if (ev->net.present && ev->net.addrlen > 0 &&
		    ev->a[0] <= INT32_MAX)
			slot_put(ns, ev->proc.pid, (int32_t)ev->a[0], &ev->net);
		break;
	case AD_OP_LISTEN:
		do_listen(ns, ev);
		break;
	case AD_OP_ACCEPT:
		/* accept(fd, NULL, NULL) logs no peer: the new fd's */
		if (!ev->net.present && ns->live && ev->exit >= 0 &&
		    ev->exit <= INT32_MAX && proc_socket(ns, ev->proc.pid,
		    (int)ev->exit, 1, 0, &local, &remote) == 1) {
			ev->net = remote;
			ev->net_src = AD_NSRC_PROC;
		}
		break;
	case AD_OP_DUP:
		/* shells dup onto 0-2 for every redirection: containers
		 * only, as for the exec */
		if (ns->live && ev->container != NULL && ev->a[1] <= 2)
			do_stdio(ns, ev, (int)ev->a[1], (int)ev->a[1]);
		break;
	case AD_OP_EXEC:
		if (ns->live && ev->container != NULL)
			do_stdio(ns, ev, 0, 2);
		break;
	default:
		break;
	}
}

void
ad_netstate_stats(const struct ad_netstate *ns, struct ad_netstate_stats *out)
{
	if (ns == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = ns->st;
}
