/*
 * null-daemon.c - the audit channel's ceiling: registers as the audit
 * daemon (audit_set_pid), reads every record the kernel sends and
 * discards it, up to 64 datagrams per recvmmsg (the cheapest way to
 * read them: one syscall per record was 4 times the CPU on this VM).
 * Whatever consumer does real work can only be slower.
 * SIGTERM or SIGINT: releases the audit pid and prints
 * "records N enobufs N".  A benchmark tool, not a test.
 *
 * --cgroup, --stat: the least a consumer that attributes execs must do
 * on top.  For each execve SYSCALL record, read /proc/PID/cgroup (whose
 * process is it?) and /proc/PID/stat (its start time: is it still the
 * process of the record?), each whole, and look at none of it.  The
 * floor under a target for CPU per exec (scripts/bench).
 */
#define _GNU_SOURCE	/* recvmmsg */
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_STAT	1
#define READ_CGROUP	2

/* read /proc/PID/what whole; its bytes are not looked at */
static void
slurp(long pid, const char *what)
{
	static char scratch[8192];
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while (read(fd, scratch, sizeof(scratch)) > 0)
		;
	close(fd);
}

/* text (len bytes, not NUL-terminated) is a SYSCALL record: if an
 * execve's, read what its process's files */
static void
attribute(const char *text, size_t len, int what)
{
	const char *p, *end = text + len;
	long pid = 0;

	if ((memmem(text, len, " syscall=59 ", 12) == NULL &&
	    memmem(text, len, " syscall=322 ", 13) == NULL) ||
	    (p = memmem(text, len, " pid=", 5)) == NULL)
		return;
	for (p += 5; p < end && *p >= '0' && *p <= '9'; p++)
		pid = pid * 10 + (*p - '0');
	if (pid <= 0)
		return;
	if (what & READ_STAT)
		slurp(pid, "stat");
	if (what & READ_CGROUP)
		slurp(pid, "cgroup");
}

int
main(int argc, char **argv)
{
	enum { NMSG = 64, MSGSZ = (MAX_AUDIT_MESSAGE_LENGTH + 256) & ~15 };
	static char buf[NMSG][MSGSZ];
	struct mmsghdr mm[NMSG];
	struct iovec iov[NMSG];
	unsigned long long records = 0, enobufs = 0;
	struct pollfd pfd[2];
	struct nlmsghdr *nh;
	sigset_t mask;
	int fd, sfd, sz = 32 << 20, done = 0;
	int n, i, what = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stat") == 0)
			what |= READ_STAT;
		else if (strcmp(argv[i], "--cgroup") == 0)
			what |= READ_CGROUP;
		else {
			fprintf(stderr, "usage: null-daemon [--stat] "
			    "[--cgroup]\n");
			return 2;
		}
	}
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
		for (;;) {
			memset(mm, 0, sizeof(mm));
			for (i = 0; i < NMSG; i++) {
				iov[i].iov_base = buf[i];
				iov[i].iov_len = MSGSZ;
				mm[i].msg_hdr.msg_iov = &iov[i];
				mm[i].msg_hdr.msg_iovlen = 1;
			}
			n = recvmmsg(fd, mm, NMSG, MSG_DONTWAIT, NULL);
			if (n < 0) {
				if (errno == ENOBUFS) {
					enobufs++;
					continue;
				}
				if (errno == EINTR)
					continue;
				break;
			}
			for (i = 0; i < n; i++) {
				nh = (struct nlmsghdr *)buf[i];
				records += mm[i].msg_len >= NLMSG_HDRLEN &&
				    nh->nlmsg_type >= AUDIT_FIRST_USER_MSG;
				if (what && mm[i].msg_len > NLMSG_HDRLEN &&
				    nh->nlmsg_type == AUDIT_SYSCALL)
					attribute(NLMSG_DATA(nh),
					    mm[i].msg_len - NLMSG_HDRLEN, what);
			}
			if (n < NMSG)
				break;
		}
	}
	audit_set_pid(fd, 0, WAIT_NO);
	audit_close(fd);
	printf("records %llu enobufs %llu\n", records, enobufs);
	return 0;
}
