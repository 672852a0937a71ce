/*
 * null-daemon.c - the audit channel's ceiling: registers as the audit
 * daemon (audit_set_pid), reads every record the kernel sends and
 * discards it.  Whatever consumer does real work can only be slower.
 * SIGTERM or SIGINT: releases the audit pid and prints
 * "records N enobufs N".  A benchmark tool, not a test.
 */
#include <errno.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(void)
{
	static char buf[1 << 16];
	unsigned long long records = 0, enobufs = 0;
	struct pollfd pfd[2];
	struct nlmsghdr *nh;
	sigset_t mask;
	int fd, sfd, sz = 32 << 20, done = 0;
	ssize_t n;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		perror("signalfd");
		return 1;
	}
	if ((fd = audit_open()) < 0) {
		perror("audit_open");
		return 1;
	}
	/* SO_RCVBUFFORCE needs CAP_NET_ADMIN; fall back to the capped size */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (audit_set_pid(fd, (uint32_t)getpid(), WAIT_YES) <= 0) {
		fprintf(stderr, "null-daemon: audit_set_pid failed (another "
		    "audit daemon registered?)\n");
		return 1;
	}
	pfd[0].fd = fd;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	while (!done) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN)
			done = 1;
		/* drain what is queued, then poll again */
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
			if (n < 0) {
				if (errno == ENOBUFS) {
					enobufs++;
					continue;
				}
				if (errno != EINTR)
					break;
				continue;
			}
			for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
			    nh = NLMSG_NEXT(nh, n))
				records += nh->nlmsg_type >= AUDIT_FIRST_USER_MSG;
		}
	}
	audit_set_pid(fd, 0, WAIT_NO);
	audit_close(fd);
	printf("records %llu enobufs %llu\n", records, enobufs);
	return 0;
}
