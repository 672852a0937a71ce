/*
 * fuzz_pkgdb.c - libFuzzer: the package database readers of evidence.c
 * on container-controlled bytes.  The first byte picks the reader:
 *   0: a dpkg *.md5sums text (ad_md5sums_find),
 *   1: an rpm header blob (ad_rpm_header_find),
 *   2: a whole rpmdb.sqlite file, in a layer dir, through ad_pkg_lookup
 *      (the untrusted-SQLite open, Packages checks, row walk).
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *layers[2] = { layer, NULL };
	char path[256] = "/usr/bin/x", digest[AD_SHA256_HEX];
	const uint8_t *nul;
	struct ad_pkg pkg;
	size_t plen;
	int fd, which;

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
		(void)ad_pkg_lookup(layers, path, 0, &pkg);
		break;
	}
	return 0;
}
