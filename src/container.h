/*
 * container.h - what audrift knows about one container.
 *
 * The resolver (issue: containers) owns these records and keeps them for
 * as long as the container is known; events point at them (borrowed).
 */
#ifndef AUDRIFT_CONTAINER_H
#define AUDRIFT_CONTAINER_H

struct ad_container {
	const char *id;		/* full id, or name for LXC/nspawn */
	const char *runtime;	/* "docker", "podman", "containerd", ... */
	const char *name;	/* NULL when unknown */
	const char *image;	/* NULL when unknown */
	const char *pod_uid;	/* Kubernetes pod uid, NULL otherwise */
	const char *ns;		/* containerd namespace, NULL otherwise */
};

#endif
