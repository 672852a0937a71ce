/*
 * fuzz_diff.c - libFuzzer: `audrift diff` (ad_diff_layers) over a layer
 * tree the input describes: an upper and two lower layers holding dirs,
 * files, symlinks (out of the tree too), whiteouts (0/0 char devices)
 * and opaque dirs (trusted.overlay.opaque; whiteouts and opaque dirs
 * need root, made when possible).  Both output formats are written to
 * /dev/null.  The tree is made under $FUZZ_TMPDIR (default /tmp) and
 * removed after each input.
 *
 * Every entry is made with the *at() calls from its parent's fd, opened
 * O_NOFOLLOW one component at a time, and no name is "..": a symlink the
 * input planted (to /, to /usr/bin) is never gone through.  (The first
 * version built paths as strings: its writes followed those symlinks and
 * left files, fifos, whiteouts and opaque xattrs on the host's /, /usr
 * and /usr/bin.)
 */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "evidence.h"
#include "util.h"

static const char *const names[] = {
	"usr", "bin", "a", "b", "x y", "\xff\xfe", "...", ".wh.a", "lib"
};
static const char *const targets[] = {
	"/", "/etc/passwd", "..", "../../..", "a", "/usr/bin", "bin/a", ""
};
static char root[64], lay[3][96];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *layers[4] = { lay[0], lay[1], lay[2], NULL };
	static FILE *null;
	const char *name = NULL;
	size_t i, k, depth;
	int fd, dfd;

	if (root[0] == '\0')
		snprintf(root, sizeof(root), "%.40s/fuzz_diff.%d",
		    getenv("FUZZ_TMPDIR") ? getenv("FUZZ_TMPDIR") : "/tmp",
		    (int)getpid());
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		return 0;
	mkdir(root, 0700);
	for (i = 0; i < 3; i++) {
		snprintf(lay[i], sizeof(lay[i]), "%s/%zu", root, i);
		mkdir(lay[i], 0755);
	}
	/* records of 4 bytes: op+layer, depth, two name picks */
	for (i = 0; i + 4 <= size && i < 4 * 64; i += 4) {
		depth = 1 + data[i + 1] % 3;
		/* the parent: existing dirs only, never through a symlink */
		if ((dfd = open(lay[data[i] % 3], O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0)
			continue;
		for (k = 0; k < depth; k++) {
			name = names[(k ? data[i + 3] >> (k * 3) : data[i + 2]) %
			    AD_ARRAY_SIZE(names)];
			if (k + 1 == depth)
				break;
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
			close(dfd);
			if ((dfd = fd) < 0)
				break;
		}
		if (dfd < 0)
			continue;
		switch ((data[i] / 3) % 6) {
		case 0:
			mkdirat(dfd, name, 0755);
			break;
		case 1:
			/* O_NONBLOCK: a fifo made before must not block */
			if ((fd = openat(dfd, name, O_WRONLY | O_CREAT |
			    O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			    0644)) >= 0) {
				(void)write(fd, data + i, 4);
				close(fd);
			}
			break;
		case 2:
			(void)symlinkat(targets[data[i + 3] %
			    AD_ARRAY_SIZE(targets)], dfd, name);
			break;
		case 3:
			(void)mknodat(dfd, name, S_IFCHR | 0, makedev(0, 0));
			break;
		case 4:
			mkdirat(dfd, name, 0755);
			if ((fd = openat(dfd, name, O_RDONLY | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC)) >= 0) {
				(void)fsetxattr(fd, "trusted.overlay.opaque",
				    "y", 1, 0);
				close(fd);
			}
			break;
		default:
			(void)mknodat(dfd, name, S_IFIFO | 0644, 0);
			break;
		}
		close(dfd);
	}
	(void)ad_diff_layers(layers, 0, null);
	(void)ad_diff_layers(layers, 1, null);
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
