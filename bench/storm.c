/*
 * storm.c - fixed-count syscall storms for the live benchmark, timed as
 * the caller sees them (a slow audit consumer makes the kernel throttle
 * the caller once its backlog is full).
 *
 *   storm chmod FILE N      N chmod() calls on FILE, alternating modes
 *   storm exec PROG N       N fork + execve(PROG, argv[0] "true") + wait
 *   storm create DIR N      N create+unlink of DIR/storm.N (open O_CREAT)
 * prints "ops N secs S rate R"
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int
do_chmod(const char *file, long n)
{
	long i;

	for (i = 0; i < n; i++)
		if (chmod(file, (i & 1) ? 0755 : 0750) != 0) {
			perror(file);
			return -1;
		}
	return 0;
}

static int
do_exec(const char *prog, long n)
{
	/* argv[0] "true": busybox runs its true applet, /bin/true ignores it */
	char *const argv[] = { (char *)"true", NULL };
	char *const envp[] = { NULL };
	long i;
	pid_t pid;
	int st;

	for (i = 0; i < n; i++) {
		if ((pid = fork()) < 0) {
			perror("fork");
			return -1;
		}
		if (pid == 0) {
			execve(prog, argv, envp);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st) == 127) {
			fprintf(stderr, "storm: %s did not run\n", prog);
			return -1;
		}
	}
	return 0;
}

static int
do_create(const char *dir, long n)
{
	char path[4096];
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/storm.%ld", dir, i);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
			perror(path);
			return -1;
		}
		close(fd);
		unlink(path);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	double t0, secs;
	long n;
	int rc;

	if (argc != 4 || (n = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: storm chmod|exec|create TARGET N\n");
		return 2;
	}
	t0 = bench_now();
	if (strcmp(argv[1], "chmod") == 0)
		rc = do_chmod(argv[2], n);
	else if (strcmp(argv[1], "exec") == 0)
		rc = do_exec(argv[2], n);
	else if (strcmp(argv[1], "create") == 0)
		rc = do_create(argv[2], n);
	else {
		fprintf(stderr, "storm: unknown storm '%s'\n", argv[1]);
		return 2;
	}
	secs = bench_now() - t0;
	if (rc != 0)
		return 1;
	printf("ops %ld secs %.3f rate %.0f\n", n, secs, (double)n / secs);
	return 0;
}
