/*
 * mounts.h - the overlay mounts of a mount table (mountinfo(5)).
 *
 * The host's mount table is the one authority on a container's layers:
 * a container's own /proc/PID/mountinfo is what it chose to show (a
 * chrooted process hides mounts outside its root, and a container with
 * mount rights can stack an overlay whose upperdir= names any host
 * path).  The armer (armer.h) reads audrift's own table, which is the
 * host's when audrift runs on the host.
 */
#ifndef AUDRIFT_MOUNTS_H
#define AUDRIFT_MOUNTS_H

#include <stddef.h>
#include <stdint.h>

struct ad_mount {
	int id;			/* mount id, field 1: reused once freed */
	uint64_t uid;		/* the kernel's unique mount id (statx
				 * STATX_MNT_ID_UNIQUE, Linux 6.8), never
				 * reused; 0 unknown (ad_mount_identify) */
	unsigned major, minor;	/* st_dev of the mount */
	char *point;		/* mount point, unescaped (owned) */
	char *upper;		/* upperdir, absolute, or NULL (owned) */
	char **lower;		/* lower dirs, top first, NULL-ended, or
				 * NULL when none could be resolved (owned) */
	size_t nlower;
};

struct ad_mounts {
	struct ad_mount *v;	/* owned */
	size_t n;
};

/*
 * The root overlay mounts of a mountinfo text (len bytes): fstype
 * "overlay" with root "/".  Layer paths given relative (Docker mounts
 * with relative paths when the layer list would not fit a page: it
 * chdirs into its overlay2 dir first) are resolved against the
 * overlay2 dir of the mount point, <dir>/<id>/merged, and dropped when
 * the mount point has no such shape: never against audrift's cwd.
 * Malformed lines are skipped.  Fills out (owned by the caller:
 * ad_mounts_free); returns the number of malformed lines.
 */
int ad_mounts_parse(const char *text, size_t len, struct ad_mounts *out);
void ad_mounts_free(struct ad_mounts *m);	/* NULL: no-op */
void ad_mount_clear(struct ad_mount *m);	/* frees the strings */
/* A deep copy of src into dst. */
void ad_mount_copy(struct ad_mount *dst, const struct ad_mount *src);

/*
 * Fill m->uid from the mount at m->point.  Mount ids (field 1) and
 * anonymous devices are both reused at once: a container stopped and
 * another (or the same one, restarted) mounted before the table is read
 * again would look unchanged.  The unique id tells them apart.  0 ok,
 * -1 when the kernel has none to give (before 6.8) or the point is gone.
 */
int ad_mount_identify(struct ad_mount *m);

/* Same mount: the unique ids when both are known, else id and device. */
int ad_mount_same(const struct ad_mount *a, const struct ad_mount *b);

/* The mount of device major:minor in ms, or NULL. */
const struct ad_mount *ad_mounts_by_dev(const struct ad_mounts *ms,
    unsigned major, unsigned minor);

/* Read a whole mount table file (e.g. /proc/self/mountinfo) through an
 * open fd from its start, into *buf (grown as needed, NUL-terminated).
 * Returns the length, or -1 with errno. */
long ad_mounts_read(int fd, char **buf, size_t *cap);

#endif
