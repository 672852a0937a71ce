/*
 * posture.h - how a container was started, judged once from its
 * runtime's state on disk (issue 15): the image it came from and its
 * digest, whether the reference was pinned, privileges, capabilities
 * beyond the default set, host paths bind-mounted in, host namespaces,
 * read-only root, user, Kubernetes names, and the image's own config.
 *
 * Sources, all readable without a runtime socket:
 *   OCI config.json of the bundle (podman, CRI-O, containerd): process
 *       capabilities, user and args, mounts, linux.namespaces,
 *       root.readonly, annotations (CRI, CRI-O, podman);
 *   containers-storage: containers.json (the image id and the reference
 *       given), overlay-images/images.json (digest), the image's config
 *       (a big-data file of the image);
 *   Docker: containers/<id>/config.v2.json and hostconfig.json,
 *       image/overlay2/repositories.json (name@sha256 -> image id) and
 *       imagedb (the image's config).
 * A torn, hostile or huge input skips the field it would have filled
 * (it stays unknown) and adds a note; nothing in it is trusted in part.
 *
 * Ownership: ad_posture_load returns an owned posture, every string and
 * list in it owned by it; ad_posture_free(NULL) is a no-op.
 */
#ifndef AUDRIFT_POSTURE_H
#define AUDRIFT_POSTURE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ad_buf;

/* An owned list of owned strings (s NUL-terminated). */
struct ad_strv {
	struct ad_str *v;
	int n;
	int known;		/* 0: the source did not say (absent field) */
};

#define AD_POSTURE_NOTES	4	/* notes kept as text; all counted */

struct ad_posture {
	int config;		/* 1 the runtime's container config was read */
	char *image_ref;	/* the reference it was created from */
	char *image_id;		/* the image's id (config digest), no prefix */
	char *image_digest;	/* "sha256:<64 hex>", NULL unknown */
	int image_pinned;	/* 1 from name@sha256:..., 0 a tag, -1 ? */
	int privileged;		/* 1, 0, -1 unknown (every int flag) */
	int host_network, host_pid, host_ipc;
	int readonly_root;
	int64_t user_uid;	/* -1 unknown */
	struct ad_strv cap_added;	/* "SYS_ADMIN", ... (no CAP_) */
	struct ad_strv host_mounts;	/* host paths bind-mounted in */
	struct ad_strv argv;		/* the process the container runs */
	char *k8s_pod, *k8s_ns, *k8s_container;
	int64_t created_ms;	/* the runtime's creation time, 0 unknown */

	/* the image's own config */
	int image_config;	/* 1 read */
	struct ad_strv img_env, img_entrypoint, img_cmd, img_ports;
	char *img_user;
	int entrypoint_overridden, user_overridden;	/* 1, 0, -1 */

	int nnotes;
	char *notes[AD_POSTURE_NOTES];
};

/*
 * The posture of container id of runtime (the resolver's names:
 * podman, cri-o, docker, containerd, cri), below host_root ("" for /);
 * root: a data root learned from a mount, NULL for the default; ns:
 * containerd's namespace or NULL; pod_uid: the pod's uid when known
 * (its own volumes are not host mounts), or NULL.  Never NULL.
 */
struct ad_posture *ad_posture_load(const char *runtime,
    const char *host_root, const char *root, const char *id,
    const char *ns, const char *pod_uid);
void ad_posture_free(struct ad_posture *p);

/* Append p's members to b as `"key":value` pairs inside an object
 * already opened with at least one member.  NULL p: nothing. */
void ad_posture_json(struct ad_buf *b, const struct ad_posture *p);

/* The flags that are set, as words ("privileged cap_added host_pid
 * ..."), into buf; "-" when none. */
void ad_posture_flags(const struct ad_posture *p, char *buf, size_t cap);

/* The runtimes' default capability set (Docker, podman, containerd
 * agree on it): 1 when name ("CHOWN", no CAP_) is in it. */
int ad_posture_default_cap(const char *name);

#endif
