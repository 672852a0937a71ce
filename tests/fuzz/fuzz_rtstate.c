/*
 * fuzz_rtstate.c - libFuzzer: runtime state files (what a runtime, or
 * whoever can write its state dir, leaves on disk) -> the readers of
 * rtstate.c.  The first byte picks the file the input becomes:
 *   0: containers-storage containers.json (owner of a mount, name,
 *      image, layers),
 *   1: Docker config.v2.json (name, image),
 *   2: an OCI config.json of a containerd task (annotations),
 *   3: a containers-storage layer's `lower` file (layers without a mount).
 * The rest of the input is the file.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtstate.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char root[96];

static void
mkdirs(const char *rel)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
	mkdir(p, 0700);
}

static void
setup(void)
{
	if (root[0])
		return;
	snprintf(root, sizeof(root), "%.40s/fuzz_rtstate.%d",
	    getenv("FUZZ_TMPDIR") ? getenv("FUZZ_TMPDIR") : "/tmp",
	    (int)getpid());
	mkdir(root, 0700);
	mkdirs("var/lib/containers/storage/overlay-containers/" ID);
	mkdirs("var/lib/containers/storage/overlay/lay1/diff");
	mkdirs("var/lib/docker/containers/" ID);
	mkdirs("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID);
}

static void
put(const char *rel, const uint8_t *d, size_t n)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return;
	if (write(fd, d, n) < 0) {
		/* nothing to do: the readers see what is there */
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ad_rt_owner o;
	struct ad_rt_meta m;
	char point[PATH_MAX], *upper, **lower;
	size_t i;

	setup();
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		put("var/lib/containers/storage/overlay-containers/"
		    "containers.json", data + 1, size - 1);
		snprintf(point, sizeof(point), "%s/var/lib/containers/storage/"
		    "overlay/lay1/merged", root);
		(void)ad_rtstate_owner(point, &o);
		(void)ad_rtstate_meta("podman", root, NULL, ID, NULL, &m);
		ad_rt_meta_clear(&m);
		break;
	case 1:
		put("var/lib/docker/containers/" ID "/config.v2.json", data + 1,
		    size - 1);
		(void)ad_rtstate_meta("docker", root, NULL, ID, NULL, &m);
		ad_rt_meta_clear(&m);
		break;
	case 2:
		put("run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID
		    "/config.json", data + 1, size - 1);
		(void)ad_rtstate_meta("containerd", root, NULL, ID, "k8s.io",
		    &m);
		ad_rt_meta_clear(&m);
		break;
	default:
		put("var/lib/containers/storage/overlay/lay1/lower", data + 1,
		    size - 1);
		if (ad_rtstate_layers("podman", root, NULL, ID, &upper,
		    &lower)) {
			for (i = 0; lower != NULL && lower[i] != NULL; i++)
				free(lower[i]);
			free(lower);
			free(upper);
		}
		break;
	}
	return 0;
}
