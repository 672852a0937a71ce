/*
 * synth-log.c - a synthetic raw audit.log for the memory benchmark: N
 * events spread over P distinct pids and C containers (each container an
 * overlay device, dev=00:XX, and its own cwd), two thirds execs, one
 * third chmods; one event in 1000 changes /usr/bin (a finding).  Record
 * layout copied from what this kernel writes (see bench/gen-log.sh for
 * the real thing).  A benchmark tool, not a test.
 *
 *   synth-log N P C > audit.log
 */
#include <stdio.h>
#include <stdlib.h>

#define HDR	"msg=audit(%ld.%03ld:%ld): "

/* One PATH record of event I: item ITEM is NAME on overlay device DEV. */
static void
path(long t, long ms, long i, int item, const char *name, long inode,
    long dev)
{
	printf("type=PATH " HDR "item=%d name=\"%s\" inode=%ld dev=00:%02lx "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
	    "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\n", t, ms, i, item,
	    name, inode, dev);
}

int
main(int argc, char **argv)
{
	char name[64];
	long n, p, c, i, t, ms, pid, ct;

	if (argc != 4 || (n = atol(argv[1])) <= 0 ||
	    (p = atol(argv[2])) <= 0 || (c = atol(argv[3])) <= 0 || c > 200) {
		fprintf(stderr, "usage: synth-log EVENTS PIDS CONTAINERS "
		    "(<= 200)\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		t = 1790000000 + i / 10000;
		ms = (i / 10) % 1000;
		pid = 20000 + (i * 7919) % p;
		ct = pid % c;
		if (i % 3 != 2) {
			printf("type=SYSCALL " HDR "arch=c000003e syscall=59 "
			    "success=yes exit=0 a0=55d0c0 a1=55d0d0 a2=55d0e0 "
			    "a3=0 items=2 ppid=%ld pid=%ld auid=4294967295 "
			    "uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "
			    "fsgid=0 tty=(none) ses=4294967295 comm=\"worker%ld\" "
			    "exe=\"/usr/bin/worker%ld\" subj=unconfined "
			    "key=\"audrift-exec\"\n", t, ms, i, pid - 1, pid,
			    i % 50, i % 50);
			printf("type=EXECVE " HDR "argc=3 a0=\"worker%ld\" "
			    "a1=\"--job\" a2=\"%ld\"\n", t, ms, i, i % 50, i);
			printf("type=CWD " HDR "cwd=\"/srv/ct%ld\"\n", t, ms, i,
			    ct);
			snprintf(name, sizeof(name), "/usr/bin/worker%ld",
			    i % 50);
			path(t, ms, i, 0, name, 1000 + i % 50, 0x30 + ct);
			path(t, ms, i, 1, "/lib64/ld-linux-x86-64.so.2", 77,
			    0x30 + ct);
			printf("type=PROCTITLE " HDR "proctitle=776F726B6572002D"
			    "2D6A6F62\n", t, ms, i);
		} else {
			printf("type=SYSCALL " HDR "arch=c000003e syscall=90 "
			    "success=yes exit=0 a0=7ffd a1=1ed a2=0 a3=0 "
			    "items=1 ppid=%ld pid=%ld auid=4294967295 uid=0 "
			    "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
			    "tty=(none) ses=4294967295 comm=\"chmod\" "
			    "exe=\"/bin/busybox\" subj=unconfined "
			    "key=\"audrift-file\"\n", t, ms, i, pid - 1, pid);
			printf("type=CWD " HDR "cwd=\"/srv/ct%ld\"\n", t, ms, i,
			    ct);
			snprintf(name, sizeof(name), "%s%ld", i % 1000 == 2 ?
			    "/usr/bin/tool" : "/srv/data/f", i % 100);
			path(t, ms, i, 0, name, 5000 + i % 100, 0x30 + ct);
			printf("type=PROCTITLE " HDR "proctitle=63686D6F64\n", t,
			    ms, i);
		}
	}
	return ferror(stdout) ? 1 : 0;
}
