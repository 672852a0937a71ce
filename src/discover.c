/*
 * discover.c - a container's upper layer, examined after the fact.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "discover.h"
#include "evidence.h"

static int
changed_before(const struct stat *st, int64_t since_ms)
{
	int64_t c = (int64_t)st->st_ctim.tv_sec * 1000 +
	    st->st_ctim.tv_nsec / 1000000;

	return since_ms <= 0 || c < since_ms;
}

int
ad_discover_upper(const struct ad_container *c, char *const *dirs,
    int ndirs, int64_t since_ms, int max,
    void (*fn)(void *, const char *, const struct stat *, enum ad_op),
    void *arg)
{
	char path[PATH_MAX], low[PATH_MAX];
	struct dirent *de;
	struct stat st;
	enum ad_op op;
	DIR *d;
	int i, n = 0, ufd, dfd, j;

	if (c == NULL || c->upperdir == NULL)
		return -1;
	if ((ufd = open(c->upperdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (i = 0; i < ndirs && n < max; i++) {
		if (dirs[i][0] != '/')
			continue;
		/* a dir named twice (the image's /bin -> usr/bin) once */
		for (j = 0; j < i && strcmp(dirs[j], dirs[i]) != 0; j++)
			;
		if (j < i)
			continue;
		dfd = dirs[i][1] == '\0' ? -1 : ad_layer_openat(ufd,
		    dirs[i] + 1, O_RDONLY | O_DIRECTORY);
		if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
			if (dfd >= 0)
				close(dfd);
			continue;
		}
		while (n < max && (de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (fstatat(dirfd(d), de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0 || S_ISDIR(st.st_mode) ||
			    !changed_before(&st, since_ms))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    dirs[i], de->d_name) >= sizeof(path))
				continue;
			if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
				op = AD_OP_UNLINK;
			else if (ad_container_lower_find(c, path, low,
			    sizeof(low)) == 1)
				op = AD_OP_OPEN_WRITE;
			else
				op = AD_OP_CREATE;
			fn(arg, path, &st, op);
			n++;
		}
		closedir(d);
	}
	close(ufd);
	return n;
}
