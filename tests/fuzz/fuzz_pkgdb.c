/*
 * fuzz_pkgdb.c - libFuzzer: the package database readers of evidence.c
 * on container-controlled bytes.  The first byte picks the reader:
 *   0: a dpkg *.md5sums text (ad_md5sums_find),
 *   1: an rpm header blob (ad_rpm_header_find),
 *   2: a whole rpmdb.sqlite file, in a layer dir, through ad_pkg_lookup
 *      (the untrusted-SQLite open, Packages checks, row walk), and
 *      through ad_pkg_index_load, whose answer must be the lookup's.
 * Then the path looked up, up to a NUL (when short; else /usr/bin/x),
 * so that matches happen, then the database.
 */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence.h"

static char layer[64], dbfile[128];

static void
setup(void)
{
	char p[128];

	if (layer[0])
		return;
	snprintf(layer, sizeof(layer), "%.40s/fuzz_pkgdb.%d", getenv("FUZZ_TMPDIR") ?
	    getenv("FUZZ_TMPDIR") : "/tmp", (int)getpid());
	mkdir(layer, 0700);
	snprintf(p, sizeof(p), "%s/var", layer);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/var/lib", layer);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/var/lib/rpm", layer);
	mkdir(p, 0700);
	snprintf(dbfile, sizeof(dbfile), "%s/var/lib/rpm/rpmdb.sqlite", layer);
}

/*
 * The package index (ad_pkg_index_load, read once for many files) and
 * the one-file lookup read the same databases: where both answer, they
 * answer the same (a differential check; a disagreement aborts).
 */
static void
index_agrees(const char *const *layers, const char *path, int one,
    const struct ad_pkg *want)
{
	char dir[256];
	const char *dirs[2] = { dir, NULL }, *slash = strrchr(path, '/');
	struct ad_pkg_index *ix;
	struct ad_pkg got;
	int r;

	if (path[0] != '/' || slash == NULL || slash == path || one < 0)
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if ((ix = ad_pkg_index_load(layers, dirs, 0)) == NULL)
		return;
	r = ad_pkg_index_find(ix, path, &got);
	if (r != one || (r == 1 && (strcmp(got.name, want->name) != 0 ||
	    strcmp(got.digest, want->digest) != 0 ||
	    strcmp(got.algo, want->algo) != 0))) {
		fprintf(stderr, "fuzz_pkgdb: index %d %s %s %s, lookup %d %s "
		    "%s %s for %s\n", r, got.name, got.digest, got.algo, one,
		    want->name, want->digest, want->algo, path);
		abort();
	}
	ad_pkg_index_free(ix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *layers[2] = { layer, NULL };
	char path[256] = "/usr/bin/x", digest[AD_SHA256_HEX];
	const uint8_t *nul;
	struct ad_pkg pkg;
	size_t plen;
	int fd, which, one;

	if (size < 1)
		return 0;
	setup();
	which = data[0];
	data++, size--;
	if ((nul = memchr(data, '\0', size < 200 ? size : 200)) != NULL &&
	    nul != data) {
		plen = (size_t)(nul - data);
		memcpy(path, data, plen);
		path[plen] = '\0';
		size -= plen + 1;	/* the database is what follows */
		data = nul + 1;
	}
	memset(&pkg, 0, sizeof(pkg));
	switch (which % 3) {
	case 0:
		(void)ad_md5sums_find((const char *)data, size, path[0] == '/' ?
		    path + 1 : path, digest, sizeof(digest));
		break;
	case 1:
		(void)ad_rpm_header_find(data, size, path, &pkg);
		break;
	default:
		if ((fd = open(dbfile, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
			return 0;
		if (write(fd, data, size) != (ssize_t)size) {
			close(fd);
			return 0;
		}
		close(fd);
		one = ad_pkg_lookup(layers, path, 0, &pkg);
		index_agrees(layers, path, one, &pkg);
		break;
	}
	return 0;
}
