/*
 * memfd-exec.c - the fileless_exec scenario of tests/e2e/ctr-rules.sh.
 *
 *     memfd-exec FILE ARG0 [ARG...]     copy FILE into a memfd named
 *                                       "audrift-test", fexecve it
 *     memfd-exec -n FILE ARG0 [ARG...]  execv FILE itself (the near miss)
 *
 * Built by the test with the configured CC, statically, so that it also
 * runs in a busybox-only container.  Exits 127 when the exec fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern char **environ;

static int
copy_to_memfd(const char *path)
{
	char buf[65536];
	ssize_t n, w, off;
	int in, fd;

	if ((in = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		perror(path);
		return -1;
	}
	if ((fd = memfd_create("audrift-test", MFD_CLOEXEC)) < 0) {
		perror("memfd_create");
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		for (off = 0; off < n; off += w)
			if ((w = write(fd, buf + off, (size_t)(n - off))) < 0)
				goto fail;
	}
	close(in);
	return fd;
fail:
	perror("copy");
	close(in);
	close(fd);
	return -1;
}

int
main(int argc, char **argv)
{
	int plain = argc > 1 && strcmp(argv[1], "-n") == 0;
	int fd;

	if (argc < 3 + plain) {
		fprintf(stderr, "usage: memfd-exec [-n] FILE ARG0 [ARG...]\n");
		return 2;
	}
	if (plain) {
		execv(argv[2], argv + 3);
		perror(argv[2]);
		return 127;
	}
	if ((fd = copy_to_memfd(argv[1])) < 0)
		return 127;
	fexecve(fd, argv + 2, environ);
	perror("fexecve");
	return 127;
}
