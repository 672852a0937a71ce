/*
 * arm-delay.c - how long after a root overlay is mounted audrift covers
 * it.  Each round mounts a fresh overlay (lower, upper, work under DIR),
 * notes the time mount() returned, then creates probe files in
 * <merged>/usr/bin every ~100 us for 200 ms, noting each one's time, and
 * unmounts.  The first probe audrift reports (its findings name the
 * probe) bounds the delay from mount to covered.
 *
 *   arm-delay DIR ROUNDS  ->  one line per probe:
 *       round R mount_us T0 probe I at_us T
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROBE_US	100
#define WINDOW_US	200000

static long long
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
mk(const char *p)
{
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		perror(p);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	char low[1024], up[1024], work[1024], merged[1024], opts[4096],
	    p[2048], base[512];
	struct timespec nap = { 0, PROBE_US * 1000 };
	long long t0, t;
	int rounds, r, i, fd;

	if (argc != 3 || (rounds = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: arm-delay DIR ROUNDS\n");
		return 2;
	}
	for (r = 0; r < rounds; r++) {
		snprintf(base, sizeof(base), "%s/%d", argv[1], r);
		snprintf(low, sizeof(low), "%s/lower", base);
		snprintf(up, sizeof(up), "%s/upper", base);
		snprintf(work, sizeof(work), "%s/work", base);
		snprintf(merged, sizeof(merged), "%s/merged", base);
		mk(base); mk(low); mk(up); mk(work); mk(merged);
		snprintf(p, sizeof(p), "%s/usr", low); mk(p);
		snprintf(p, sizeof(p), "%s/usr/bin", low); mk(p);
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,"
		    "workdir=%s", low, up, work);
		if (mount("overlay", merged, "overlay", 0, opts) != 0) {
			perror("mount overlay");
			return 1;
		}
		t0 = wall_us();
		for (i = 0; (t = wall_us()) - t0 < WINDOW_US; i++) {
			snprintf(p, sizeof(p), "%s/usr/bin/probe-%d-%d", merged,
			    r, i);
			if ((fd = open(p, O_CREAT | O_WRONLY, 0644)) >= 0)
				close(fd);
			printf("round %d mount_us %lld probe %d at_us %lld\n", r,
			    t0, i, t);
			nanosleep(&nap, NULL);
		}
		if (umount(merged) != 0) {
			perror("umount");
			return 1;
		}
	}
	return 0;
}
