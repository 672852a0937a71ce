/*
 * rtstate.h - which container a root overlay belongs to, from the
 * runtimes' state on disk (which outlives the container's processes).
 *
 * Mount point shapes, wherever their storage root is:
 *   containers-storage (podman, CRI-O):  <S>/overlay/<layer>/merged,
 *       the container whose "layer" is <layer> in
 *       <S>/overlay-containers/containers.json;
 *   Docker (overlay2):  <D>/overlay2/<mount-id>/merged, the container
 *       whose <D>/image/overlay2/layerdb/mounts/<id>/mount-id holds it;
 *   containerd:  <state>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs.
 * Runtime state is parsed with jansson; a torn or hostile file is
 * skipped (the mount stays unattributed), never trusted in part.
 */
#ifndef AUDRIFT_RTSTATE_H
#define AUDRIFT_RTSTATE_H

#include <limits.h>
#include <stddef.h>

#define AD_RT_ID_MAX	256

struct ad_rt_owner {
	const char *runtime;		/* static: "podman", "cri-o", ... */
	char id[AD_RT_ID_MAX];		/* full container id */
	char ns[64];			/* containerd namespace, or "" */
	char root[PATH_MAX];		/* the storage or data root */
};

/* Is s (n bytes) a plausible container id or namespace: 1..cap-1 bytes
 * of [0-9A-Za-z_.-], not starting with '.' or '-'?  Ids from runtime
 * state and from exec records become paths: nothing else passes. */
int ad_rt_id_ok(const char *s, size_t n, size_t cap);

/* 1 found (out filled), 0 no container of a known runtime. */
int ad_rtstate_owner(const char *mount_point, struct ad_rt_owner *out);

/*
 * Does the runtime's state on disk know container id (a cgroup path is
 * only believed when it does)?  root: the storage/data root learned from
 * a mount, or NULL for the runtime's default below host_root ("" for /).
 * 1 yes, 0 no, -1 no state to ask (the runtime keeps none where audrift
 * can read).
 */
int ad_rtstate_knows(const char *runtime, const char *host_root,
    const char *root, const char *id);

/*
 * The layers of container id from its runtime's state alone, for a
 * container whose root overlay audrift never saw mounted (it learned of
 * it from exec records after it exited): the upper dir and the lower
 * dirs, below host_root.  containers-storage: its layer's diff and the
 * layer's `lower` file; Docker: its layerdb mount-id's dir in overlay2.
 * 1 found (*upper and *lower owned; *lower may be NULL), 0 not.
 */
int ad_rtstate_layers(const char *runtime, const char *host_root,
    const char *root, const char *id, char **upper, char ***lower);

/*
 * Every container the runtimes' state below host_root knows, running or
 * not, in their default roots: containers-storage's containers.json
 * (podman, CRI-O) and Docker's containers/ dir.  fn(arg, runtime, id)
 * for each id that passes ad_rt_id_ok; how many.  For a start: what a
 * stopped container changed while nothing watched is still in its upper
 * layer.
 */
int ad_rtstate_list(const char *host_root,
    void (*fn)(void *arg, const char *runtime, const char *id), void *arg);
/* While on (this thread), a state file unchanged since its last parse
 * (device, inode, size, mtime) is not parsed again: containers.json is
 * read once per container, and ad_rtstate_list may give thousands.  Off
 * frees the parse kept. */
void ad_rtstate_cache(int on);

/* What the runtime's state says of a container: owned strings, NULL
 * when it does not say. */
struct ad_rt_meta {
	char *name, *image, *pod_uid, *ns;
	const char *runtime;	/* static: the runtime whose state answered
				 * (a kubelet cgroup names none), or NULL */
};

/*
 * Name, image and pod of container id, from the state of runtime (the
 * cgroup table's name: docker, podman, cri-o, containerd, cri for the
 * kubelet's layout, which names no runtime), below host_root ("" for /);
 * root: a data root learned from a mount (Docker's --data-root), NULL
 * for the default; ns: containerd's namespace or NULL.  Unreadable,
 * torn or hostile state is no error: what it would have said stays
 * NULL.  Fills out (ad_rt_meta_clear frees); returns 1 when some state
 * knew the container.
 */
int ad_rtstate_meta(const char *runtime, const char *host_root,
    const char *root, const char *id, const char *ns,
    struct ad_rt_meta *out);
void ad_rt_meta_clear(struct ad_rt_meta *m);

/*
 * For posture.c: the JSON of host_root + the formatted path, opened
 * without following a last symlink, at most max bytes: owned, or NULL
 * with *why (why may be NULL) saying why (absent, too big, not JSON).
 * ad_rt_jstr: an owned copy of a JSON string (a NUL in it becomes
 * U+FFFD), NULL for anything else.
 */
struct json_t;
struct json_t *ad_rt_load(const char *host_root, size_t max,
    const char **why, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
char *ad_rt_jstr(struct json_t *v);

#endif
