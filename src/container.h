/*
 * container.h - what audrift knows about one container.
 *
 * The resolver (issue: containers) owns these records and keeps them for
 * as long as the container is known; events point at them (borrowed).
 */
#ifndef AUDRIFT_CONTAINER_H
#define AUDRIFT_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

struct ad_posture;		/* posture.h */

struct ad_container {
	const char *id;		/* full id, or name for LXC/nspawn */
	const char *runtime;	/* "docker", "podman", "containerd", ... */
	const char *name;	/* NULL when unknown */
	const char *image;	/* NULL when unknown */
	const char *pod_uid;	/* Kubernetes pod uid, NULL otherwise */
	const char *ns;		/* containerd namespace, NULL otherwise */
	/* How it was started (posture.h), read once when the record is
	 * made (retried until its config is on disk); never NULL once
	 * made by the resolver.  started_ms: wall clock of its start (its
	 * root mounted, or its oldest process seen), 0 unknown. */
	const struct ad_posture *posture;
	int64_t started_ms;

	/* Filled by the resolver (resolver.h) from /proc/PID/mountinfo of a
	 * process in the container; host paths, already prefixed with the
	 * resolver's host root.  NULL / 0 when unknown. */
	const char *upperdir;	/* overlay upper dir: changes after the image */
	const char *const *lowerdirs;	/* image layers, top first, NULL-ended */
	unsigned root_dev_major, root_dev_minor;	/* root overlay st_dev */
	int has_root_dev;	/* 1 when root_dev_* name the root overlay */
};

/*
 * Upper-layer drift (Falco's proc.is_exe_upper_layer).  path is the
 * absolute path as the container sees it ("/usr/bin/evil").  Returns
 * AD_UPPER_YES (present in the upper dir: added or changed after the
 * image), AD_UPPER_WHITEOUT (deleted after the image), AD_UPPER_NO (not
 * in the upper dir but in a lower dir: the image's file, untouched), or
 * -1 when it cannot tell (no overlay known, relative path, or the path
 * is in no layer as written, e.g. through a symlinked directory).
 * One lstat per layer looked at; no allocation.
 */
#define AD_UPPER_NO		0
#define AD_UPPER_YES		1
#define AD_UPPER_WHITEOUT	2
int ad_container_upper_has(const struct ad_container *c,
    const char *path_in_container);

/*
 * The image's original of path_in_container: the host path of the file in
 * the first (topmost) lower dir holding it, written into buf (cap bytes).
 * Returns 1 found, 0 absent from the image (in no lower dir, or deleted
 * by a whiteout in a higher lower dir), -1 when it cannot tell (no lower
 * dirs known, relative path, or buf too small).
 */
int ad_container_lower_find(const struct ad_container *c,
    const char *path_in_container, char *buf, size_t cap);

#endif
