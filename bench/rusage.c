/*
 * rusage.c - run a command and report what it cost: wall seconds, user
 * and system CPU seconds, peak RSS.  Portable where GNU time is absent.
 *
 *   rusage OUTFILE CMD [ARG...]   appends "wall S user S sys S maxrss_kb N
 *   status N" to OUTFILE; the command's own output is untouched
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static double
tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	double t0, t1;
	struct rusage ru;
	FILE *out;
	pid_t pid;
	int st;

	if (argc < 3) {
		fprintf(stderr, "usage: rusage OUTFILE CMD [ARG...]\n");
		return 2;
	}
	t0 = bench_now();
	if ((pid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	if (wait4(pid, &st, 0, &ru) < 0) {
		perror("wait4");
		return 1;
	}
	t1 = bench_now();
	if ((out = fopen(argv[1], "a")) == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "wall %.3f user %.3f sys %.3f maxrss_kb %ld status %d\n",
	    t1 - t0, tv(ru.ru_utime),
	    tv(ru.ru_stime), ru.ru_maxrss,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	fclose(out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
