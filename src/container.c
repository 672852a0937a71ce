/*
 * container.c - the container resolver: cgroup patterns, the pid cache,
 * container records, runtime state on disk, and the overlay layers.
 *
 * Ownership: the resolver owns every record (struct crec, whose first
 * member is the public struct ad_container) and every string in it.
 * Events and cache entries borrow records.  The pid cache is one array
 * allocated by ad_resolver_new, so a cache hit allocates nothing; /proc is
 * read only on a miss.  Files read on a miss go through one reused buffer.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "evidence.h"
#include "lineage.h"
#include "log.h"
#include "mounts.h"
#include "posture.h"
#include "resolver.h"
#include "rtstate.h"
#include "util.h"

#define CACHE_DEFAULT	8192
#define CG_MAX_COMPS	32		/* cgroup path components looked at */
#define MAX_STAT	4096		/* /proc/PID/stat */
#define MAX_STATUS	(64 * 1024)	/* /proc/PID/status */
#define MAX_CGROUP	(64 * 1024)	/* /proc/PID/cgroup */
#define MAX_MOUNTINFO	(4 * 1024 * 1024)
#define MOUNT_TRIES	3	/* mountinfo reads per record before giving up */
#define MAX_PRIV_DEVS	8	/* private tmpfs devices kept per container */
#define MAX_ROOTS	8	/* runtimes' data roots learned from mounts */
#define GONE_SLOTS	256	/* pids remembered gone (direct-mapped) */

/* --- the cgroup pattern table ------------------------------------------ */

enum cg_role {
	CG_CONTAINER,		/* the container's own processes */
	CG_HELPER,		/* a runtime's helper or a VM: never attributed */
	CG_POD,			/* a Kubernetes pod slice: gives the pod uid */
};

enum cg_idkind {
	ID_HEX64,		/* 64 lowercase hex digits */
	ID_NAME,		/* a name: no '/', printable, 1..255 bytes */
	ID_NONE,		/* the component is exactly `pre` */
	ID_POD,			/* pod uid, dashed (or 32 hex for static pods) */
	ID_POD_US,		/* pod uid with '_' for '-' (systemd slices) */
};

#define CG_INFIX	0x01	/* pre is a marker inside the component */
#define CG_SUF_OPT	0x02	/* suf is stripped when present, not required */
#define CG_PARENT_PFX	0x04	/* parent is a prefix of the component above */
#define CG_PARENT_POD	0x08	/* the component above is a pod (CG_POD row) */
#define CG_NS_CHILD	0x10	/* /<ns>/<id>: the top component is the ns */
#define CG_UNESCAPE	0x20	/* systemd \xNN escapes in the id */

struct cg_pattern {
	const char *runtime;	/* NULL for helper and pod rows */
	enum cg_role role;
	const char *parent;	/* component above must be this; NULL: any */
	const char *pre;	/* component starts with (contains: CG_INFIX) */
	const char *suf;	/* component ends with; NULL: nothing after id */
	enum cg_idkind idk;
	unsigned flags;
};

/*
 * The one table.  Each cgroup path is looked at from its deepest
 * component up (podman's `libpod-<id>.scope/container`, systemd inside a
 * container's `init.scope`), and at each component the first row that
 * matches wins: helper rows come before the container rows sharing their
 * prefix.  docs/containers.md shows the same table with examples.
 */
static const struct cg_pattern cg_table[] = {
	/* helpers: the runtime's own process, not the container */
	{ NULL, CG_HELPER, NULL, "libpod-conmon-", ".scope", ID_HEX64, CG_SUF_OPT },
	{ NULL, CG_HELPER, NULL, "crio-conmon-", ".scope", ID_HEX64, CG_SUF_OPT },
	{ NULL, CG_HELPER, NULL, "lxc.monitor.", NULL, ID_NAME, 0 },
	{ NULL, CG_HELPER, "machine-", "supervisor", NULL, ID_NONE, CG_PARENT_PFX },
	/* libvirt's qemu machines are VMs: their processes are on the host */
	{ NULL, CG_HELPER, NULL, "machine-qemu\\x2d", ".scope", ID_NAME, 0 },

	/* podman: cgroupfs (/libpod_parent/libpod-<id>), systemd
	 * (machine.slice/libpod-<id>.scope), rootless (user@UID.service/...) */
	{ "podman", CG_CONTAINER, NULL, "libpod-payload-", ".scope", ID_HEX64, CG_SUF_OPT },
	{ "podman", CG_CONTAINER, NULL, "libpod-", ".scope", ID_HEX64, CG_SUF_OPT },
	/* CRI-O */
	{ "cri-o", CG_CONTAINER, NULL, "crio-", ".scope", ID_HEX64, CG_SUF_OPT },
	{ "cri-o", CG_CONTAINER, NULL, ":crio:", NULL, ID_HEX64, CG_INFIX },
	/* containerd CRI, systemd driver; and its v1 "slice:prefix:id" form */
	{ "containerd", CG_CONTAINER, NULL, "cri-containerd-", ".scope", ID_HEX64, CG_SUF_OPT },
	{ "containerd", CG_CONTAINER, NULL, ":cri-containerd:", NULL, ID_HEX64, CG_INFIX },
	/* Docker: systemd driver, cgroupfs driver */
	{ "docker", CG_CONTAINER, NULL, "docker-", ".scope", ID_HEX64, 0 },
	{ "docker", CG_CONTAINER, "docker", "", NULL, ID_HEX64, 0 },
	/* Kubernetes, cgroupfs driver: /kubepods/<qos>/pod<uid>/<id>; the
	 * runtime is found from its state on disk ("cri" if none is) */
	{ "cri", CG_CONTAINER, NULL, "", NULL, ID_HEX64, CG_PARENT_POD },
	/* LXC 4+ (and LXD), older LXC */
	{ "lxc", CG_CONTAINER, NULL, "lxc.payload.", NULL, ID_NAME, 0 },
	{ "lxc", CG_CONTAINER, "lxc", "", NULL, ID_NAME, 0 },
	/* systemd-nspawn and other machined machines */
	{ "nspawn", CG_CONTAINER, NULL, "machine-", ".scope", ID_NAME, CG_UNESCAPE },
	/* plain containerd namespaces, cgroupfs: /k8s.io/<id>, /default/<id> */
	{ "containerd", CG_CONTAINER, NULL, "", NULL, ID_HEX64, CG_NS_CHILD },

	/* Kubernetes pod slices: the pod uid */
	{ NULL, CG_POD, NULL, "kubepods-burstable-pod", ".slice", ID_POD_US, 0 },
	{ NULL, CG_POD, NULL, "kubepods-besteffort-pod", ".slice", ID_POD_US, 0 },
	{ NULL, CG_POD, NULL, "kubepods-pod", ".slice", ID_POD_US, 0 },
	{ NULL, CG_POD, NULL, "pod", NULL, ID_POD, 0 },
};

struct cg_comp {
	const char *p;
	size_t len;
};

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int
has_prefix(const char *p, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && memcmp(p, pre, n) == 0;
}

static int
has_suffix(const char *p, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(p + len - n, suf, n) == 0;
}

/* A pod uid: 8-4-4-4-12 hex with `dash` as separator, or 32 hex (static
 * pods' uid is a hash of the manifest).  Written with dashes into out. */
static int
pod_uid_ok(const char *p, size_t len, char dash, char *out, size_t cap)
{
	size_t i;

	if (len + 1 > cap)
		return 0;
	if (len == 32) {
		for (i = 0; i < len; i++)
			if (!is_hex(p[i]))
				return 0;
	} else if (len == 36) {
		for (i = 0; i < len; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23) {
				if (p[i] != dash)
					return 0;
			} else if (!is_hex(p[i]))
				return 0;
		}
	} else
		return 0;
	for (i = 0; i < len; i++)
		out[i] = p[i] == dash ? '-' : p[i];
	out[len] = '\0';
	return 1;
}

/* Copy id p[0..len) into out (cap bytes) as idk requires; 1 if valid. */
static int
id_ok(const struct cg_pattern *pt, const char *p, size_t len, char *out,
    size_t cap)
{
	size_t i, n;

	switch (pt->idk) {
	case ID_NONE:
		if (len != 0)
			return 0;
		out[0] = '\0';
		return 1;
	case ID_HEX64:
		if (len != 64 || cap < 65)
			return 0;
		for (i = 0; i < len; i++)
			if (!is_hex(p[i]))
				return 0;
		memcpy(out, p, len);
		out[len] = '\0';
		return 1;
	case ID_POD:
		return pod_uid_ok(p, len, '-', out, cap);
	case ID_POD_US:
		return pod_uid_ok(p, len, '_', out, cap);
	case ID_NAME:
		for (i = n = 0; i < len; i++) {
			int c = (unsigned char)p[i];

			if ((pt->flags & CG_UNESCAPE) && c == '\\' &&
			    i + 3 < len && p[i + 1] == 'x' &&
			    ad_hexval(p[i + 2]) >= 0 && ad_hexval(p[i + 3]) >= 0) {
				c = ad_hexval(p[i + 2]) * 16 + ad_hexval(p[i + 3]);
				i += 3;
			}
			if (c < 0x20 || c == 0x7f || c == '/' || n + 1 >= cap)
				return 0;
			out[n++] = (char)c;
		}
		out[n] = '\0';
		return n > 0 && n <= 255 && strcmp(out, ".") != 0 &&
		    strcmp(out, "..") != 0;
	}
	return 0;
}

/* A containerd namespace name: [A-Za-z0-9._-], not a systemd unit. */
static int
ns_ok(const struct cg_comp *c)
{
	size_t i;

	if (c->len == 0 || c->len >= 64 || c->p[0] == '.' ||
	    has_suffix(c->p, c->len, ".slice") ||
	    has_suffix(c->p, c->len, ".scope") ||
	    has_suffix(c->p, c->len, ".service"))
		return 0;
	for (i = 0; i < c->len; i++)
		if (!isalnum((unsigned char)c->p[i]) && c->p[i] != '.' &&
		    c->p[i] != '_' && c->p[i] != '-')
			return 0;
	return 1;
}

static int cg_match_pod(const struct cg_comp *c, char *uid, size_t cap);

/*
 * Does row pt match component comps[i]?  On a match the id goes into
 * out (cap bytes) and *marker is set to where an infix marker starts
 * (the pod slice may be the part before it), else to the component end.
 */
static int
cg_match_row(const struct cg_pattern *pt, const struct cg_comp *comps,
    int i, char *out, size_t cap, size_t *marker)
{
	const struct cg_comp *c = &comps[i];
	const char *p = c->p, *at;
	size_t len = c->len, plen = strlen(pt->pre);
	char tmp[40];

	*marker = len;
	if (pt->flags & CG_NS_CHILD) {
		if (i != 1 || !ns_ok(&comps[0]))
			return 0;
	} else if (pt->flags & CG_PARENT_POD) {
		if (i == 0 || !cg_match_pod(&comps[i - 1], tmp, sizeof(tmp)))
			return 0;
	} else if (pt->parent != NULL) {
		if (i == 0)
			return 0;
		if (pt->flags & CG_PARENT_PFX) {
			if (!has_prefix(comps[i - 1].p, comps[i - 1].len,
			    pt->parent))
				return 0;
		} else if (comps[i - 1].len != strlen(pt->parent) ||
		    memcmp(comps[i - 1].p, pt->parent, comps[i - 1].len) != 0)
			return 0;
	}
	if (pt->flags & CG_INFIX) {
		at = plen ? memmem(p, len, pt->pre, plen) : NULL;
		if (at == NULL)
			return 0;
		*marker = (size_t)(at - p);
		len -= (size_t)(at - p) + plen;
		p = at + plen;
	} else {
		if (!has_prefix(p, len, pt->pre))
			return 0;
		p += plen;
		len -= plen;
	}
	if (pt->suf != NULL) {
		if (has_suffix(p, len, pt->suf))
			len -= strlen(pt->suf);
		else if (!(pt->flags & CG_SUF_OPT))
			return 0;
	}
	return id_ok(pt, p, len, out, cap);
}

static int
cg_match_pod(const struct cg_comp *c, char *uid, size_t cap)
{
	size_t i, marker;

	for (i = 0; i < AD_ARRAY_SIZE(cg_table); i++)
		if (cg_table[i].role == CG_POD &&
		    cg_match_row(&cg_table[i], c, 0, uid, cap, &marker))
			return 1;
	return 0;
}

/* Match one cgroup path (not NUL-terminated).  1 on a match. */
static int
cg_match_path(const char *path, size_t len, struct ad_cgroup_match *out)
{
	struct cg_comp comps[CG_MAX_COMPS + 1];
	const char *p = path, *end = path + len, *slash;
	char tmpid[AD_CG_ID_MAX];
	int n = 0, i, j;
	size_t k, marker;

	while (p < end && n < CG_MAX_COMPS) {
		slash = memchr(p, '/', (size_t)(end - p));
		if (slash == NULL)
			slash = end;
		if (slash > p) {
			comps[n].p = p;
			comps[n].len = (size_t)(slash - p);
			n++;
		}
		p = slash + 1;
	}
	/* the outermost component wins: a process that can write its own
	 * cgroupfs can make any child it likes (docker-<other id>.scope,
	 * lxc.monitor.x), never a parent */
	for (i = 0; i < n; i++) {
		for (k = 0; k < AD_ARRAY_SIZE(cg_table); k++) {
			const struct cg_pattern *pt = &cg_table[k];

			if (pt->role == CG_POD)
				continue;
			if (!cg_match_row(pt, comps, i, out->id,
			    sizeof(out->id), &marker))
				continue;
			out->helper = pt->role == CG_HELPER;
			/* a helper named as the container's direct child
			 * (nspawn's machine-X.scope/supervisor) */
			for (j = 0; !out->helper && i + 1 < n &&
			    j < (int)AD_ARRAY_SIZE(cg_table); j++)
				if (cg_table[j].role == CG_HELPER &&
				    (cg_table[j].flags & CG_PARENT_PFX) &&
				    cg_match_row(&cg_table[j], comps, i + 1,
				    tmpid, sizeof(tmpid), &marker))
					out->helper = 1;
			out->runtime = out->helper ? NULL : pt->runtime;
			out->pod_uid[0] = out->ns[0] = '\0';
			if (out->helper)
				return 1;
			if (pt->flags & CG_NS_CHILD)
				snprintf(out->ns, sizeof(out->ns), "%.*s",
				    (int)comps[0].len, comps[0].p);
			/* the pod: the part of this component before an
			 * infix marker, then the components above */
			if (marker < comps[i].len) {
				struct cg_comp head = { comps[i].p, marker };

				if (cg_match_pod(&head, out->pod_uid,
				    sizeof(out->pod_uid)))
					return 1;
			}
			for (j = i - 1; j >= 0; j--)
				if (cg_match_pod(&comps[j], out->pod_uid,
				    sizeof(out->pod_uid)))
					break;
			return 1;
		}
	}
	return 0;
}

int
ad_cgroup_match(const char *text, size_t len, struct ad_cgroup_match *out)
{
	const char *end = text + len;
	int pass;

	memset(out, 0, sizeof(*out));
	/* pass 0: the unified "0::" line; 1: name=systemd; 2: the rest */
	for (pass = 0; pass < 3; pass++) {
		const char *line = text;

		while (line < end) {
			const char *eol = memchr(line, '\n', (size_t)(end - line));
			const char *c1, *c2;
			int v2, sd;

			if (eol == NULL)
				eol = end;
			c1 = memchr(line, ':', (size_t)(eol - line));
			c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
			if (c2 != NULL) {
				v2 = c1 - line == 1 && line[0] == '0' &&
				    c2 == c1 + 1;
				sd = memmem(c1, (size_t)(c2 - c1),
				    "name=systemd", 12) != NULL;
				if (((pass == 0 && v2) || (pass == 1 && sd) ||
				    (pass == 2 && !v2 && !sd)) &&
				    cg_match_path(c2 + 1, (size_t)(eol - c2 - 1),
				    out))
					return 1;
			}
			line = eol + 1;
		}
	}
	memset(out, 0, sizeof(*out));
	return 0;
}

/* --- records and the resolver ------------------------------------------ */

struct crec {
	struct ad_container c;	/* first: ev->container points here */
	const char *key_runtime;	/* the matching row's runtime (static) */
	char *id, *name, *image, *pod_uid, *ns, *upperdir;
	char **lowerdirs;
	int mount_tries;	/* mountinfo reads that found no root */
	/* liveness: the overlay device is only trusted for events at or
	 * before the last time a process of the container was seen alive */
	int64_t alive_ms;
	pid_t witness;		/* oldest process seen in it */
	uint64_t witness_ticks;	/* its start time (field 22) */
	/* tmpfs mounts only this container has (its /dev/shm, --tmpfs):
	 * an exec from there is the container's even once the pid is gone */
	unsigned priv_dev[MAX_PRIV_DEVS][2];
	int npriv;
	/* learned from the host's mount table (ad_resolver_mount): the root
	 * overlay's device names the container while it is mounted, and
	 * for events up to its unmount */
	int mounted;
	int64_t unmount_ms;
	int examined;		/* its upper layer read (discover.h) */
	int pidns_depth;	/* NSpid levels of the container's own pid
				 * namespace (its fewest seen), 0 unknown */
	char *state_root;	/* the runtime's data root, NULL: default */
	struct ad_posture *posture;	/* owned; c.posture points here */
	int announced;		/* its container_start was handed out */
	int stored;		/* learned from the state, not running
				   (ad_resolver_learn_stored) */
	int64_t made_ms;	/* when the record was made */
	int64_t posture_ms;	/* when its posture was last read */
};

struct pent {
	pid_t pid;		/* 0: free */
	pid_t ppid;
	uint64_t ticks;		/* start time, clock ticks since boot */
	int64_t start_ms;	/* the same, wall clock when filled */
	struct crec *rec;	/* NULL: host */
	pid_t vpid;		/* pid in its own pid namespace, 0 unknown */
	int exe_upper;		/* -2 not computed, else as exe_upper_layer */
	int unsure;		/* a container's cgroup not (yet) confirmed:
				   the scan reads it again */
	int32_t hnext;		/* hash chain */
	int32_t prev, next;	/* LRU list, most recent first */
};

struct ad_resolver {
	char *procfs;		/* no trailing slash */
	char *root;		/* host root, "" for "/" */
	long hz;
	int64_t fixed_boot_ms, fixed_now_ms;
	int64_t slack_ms;

	struct crec **recs;
	size_t nrecs, caprecs;
	size_t nunannounced;	/* records whose container_start is due */

	struct pent *ents;
	int32_t *buckets;
	uint32_t nbuckets;	/* power of two */
	size_t cap;
	int32_t head, tail, free_list;

	int host_dev_known;
	unsigned host_dev_major, host_dev_minor;

	struct ad_lineage *lin;		/* ancestry from exec records */
	/* storage and data roots learned from mounts (rtstate.h), for
	 * confirming a cgroup's id: runtime (static), root (owned) */
	struct { const char *runtime; char *root; } roots[MAX_ROOTS];
	int nroots;
	struct ad_mounts hmounts;	/* the host's overlays (mounts.h) */
	int hmounts_fed;		/* kept by ad_resolver_mount */

	struct ad_buf file;	/* the file being read, reused */
	struct ad_buf tmp;	/* JSON strings, reused */
	char path[PATH_MAX];
	struct ad_resolver_stats st;
	/* pids found gone, and when: an event no later than that can only
	 * be the dead process's (a reused pid starts after it), so its
	 * /proc is not read again.  Direct-mapped by pid. */
	struct gone { pid_t pid; int64_t ms; } gone[GONE_SLOTS];
};

static int64_t now_ms(const struct ad_resolver *r);

/* pid was found gone at or after t: reading its /proc again for an
 * event at t tells nothing new. */
static int
known_gone(const struct ad_resolver *r, pid_t pid, int64_t t)
{
	const struct gone *g = &r->gone[(uint32_t)pid % GONE_SLOTS];

	return g->pid == pid && t <= g->ms;
}

static void
mark_gone(struct ad_resolver *r, pid_t pid)
{
	struct gone *g = &r->gone[(uint32_t)pid % GONE_SLOTS];

	g->pid = pid;
	g->ms = now_ms(r);
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_ms(const struct ad_resolver *r)
{
	return r->fixed_now_ms ? r->fixed_now_ms : clock_ms(CLOCK_REALTIME);
}

/* Wall-clock time of boot, computed afresh (NTP may have moved it). */
static int64_t
boot_ms(const struct ad_resolver *r)
{
	if (r->fixed_boot_ms)
		return r->fixed_boot_ms;
	return clock_ms(CLOCK_REALTIME) - clock_ms(CLOCK_BOOTTIME);
}

static int64_t
ticks_ms(const struct ad_resolver *r, uint64_t ticks)
{
	return boot_ms(r) + (int64_t)(ticks * 1000 / (uint64_t)r->hz);
}

/*
 * Read a whole file (at most max bytes) into r->file, NUL-terminated.
 * READ_NOFOLLOW for runtime state files.  READ_ONE: a read that fills
 * less than it asked for is the whole file, so no read is spent on the
 * end (/proc/PID/stat, status and cgroup: the kernel renders each whole
 * at the first read; mountinfo comes in pieces).  0 ok, -1 with errno.
 */
#define READ_NOFOLLOW	1
#define READ_ONE	2

static int
read_into(struct ad_resolver *r, const char *path, size_t max, int flags)
{
	int fd, e;
	ssize_t n;
	size_t want;

	ad_buf_reset(&r->file);
	fd = open(path, O_RDONLY | O_CLOEXEC |
	    ((flags & READ_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (fd < 0)
		return -1;
	for (;;) {
		ad_buf_reserve(&r->file, 4096);
		want = r->file.cap - r->file.len - 1;
		n = read(fd, r->file.p + r->file.len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->file.len += (size_t)n;
		if (r->file.len > max) {
			n = -1;
			errno = EFBIG;
			break;
		}
		if ((flags & READ_ONE) && (size_t)n < want)
			break;
	}
	e = errno;
	close(fd);
	r->file.p[r->file.len] = '\0';
	if (n < 0) {
		errno = e;
		return -1;
	}
	return 0;
}

static const char *
proc_path(struct ad_resolver *r, pid_t pid, const char *what)
{
	snprintf(r->path, sizeof(r->path), "%s/%d/%s", r->procfs, (int)pid,
	    what);
	return r->path;
}

/*
 * /proc/PID/stat: ppid (field 4) and start time (field 22, ticks since
 * boot).  comm (field 2) may hold spaces and ')': fields are counted
 * from the last ')'.  1 ok, 0 gone or unreadable.
 */
static int
proc_stat(struct ad_resolver *r, pid_t pid, pid_t *ppid, uint64_t *ticks)
{
	const char *p;
	char *end;
	int field;

	r->st.proc_reads++;
	if (read_into(r, proc_path(r, pid, "stat"), MAX_STAT, READ_ONE) != 0)
		return 0;
	p = strrchr(r->file.p, ')');
	if (p == NULL)
		return 0;
	p++;
	for (field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		if (field == 4)
			*ppid = (pid_t)strtol(p, NULL, 10);
		if (field == 22) {
			errno = 0;
			*ticks = strtoull(p, &end, 10);
			return end != p && errno == 0;
		}
		while (*p != ' ' && *p != '\0')
			p++;
	}
	return 0;
}

int
ad_status_nspid(const char *text, size_t len, int level, int *depth)
{
	const char *p = text, *end = text + len, *eol, *v;
	long n = 0, want = 0;
	int d;

	*depth = 0;
	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((size_t)(eol - p) < 6 || memcmp(p, "NSpid:", 6) != 0)
			continue;
		for (v = p + 6, d = 0; v < eol;) {
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (v == eol)
				break;
			if (!isdigit((unsigned char)*v))
				return 0;
			for (n = 0; v < eol && isdigit((unsigned char)*v); v++)
				if ((n = n * 10 + (*v - '0')) > INT32_MAX)
					return 0;
			if (v < eol && *v != ' ' && *v != '\t')
				return 0;
			if (++d == level)
				want = n;
		}
		*depth = d;
		return (int)(level > 0 && level <= d ? want : n);
	}
	return 0;
}

int
ad_status_vpid(const char *text, size_t len)
{
	int depth;

	return ad_status_nspid(text, len, 0, &depth);
}

/*
 * The pid of live process pid in its container's pid namespace: the
 * NSpid entry at the container's level, the fewest levels seen in any
 * of its processes (c->pidns_depth).  Not the innermost: `unshare -pf
 * sh` inside a container is pid 1 of a namespace of its own, not the
 * container's entrypoint.  0 when gone or not told (kernels before 4.1
 * have no NSpid line).
 */
static pid_t
proc_vpid(struct ad_resolver *r, struct crec *c, pid_t pid)
{
	int depth;

	if (read_into(r, proc_path(r, pid, "status"), MAX_STATUS, READ_ONE) != 0)
		return 0;
	ad_status_nspid(r->file.p, r->file.len, 0, &depth);
	if (depth > 0 && (c->pidns_depth == 0 || depth < c->pidns_depth))
		c->pidns_depth = depth;
	return ad_status_nspid(r->file.p, r->file.len, c->pidns_depth,
	    &depth);
}

/* --- mountinfo: the root overlay ---------------------------------------- */

static char *
root_join(const struct ad_resolver *r, const char *p, size_t n)
{
	size_t rl = strlen(r->root);
	char *s = xmalloc(rl + n + 1);

	memcpy(s, r->root, rl);
	memcpy(s + rl, p, n);
	s[rl + n] = '\0';
	ad_unoctal(s + rl);
	return s;
}

static void
strv_free(char **v)
{
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

struct rootmnt {
	int found, overlay;
	unsigned major, minor;
};

/*
 * The root mount ("/", the last such line: the topmost) of the mountinfo
 * text in r->file: its st_dev, and for overlay its upper and lower dirs.
 */
static void
parse_root_mount(struct ad_resolver *r, struct rootmnt *m)
{
	char *line = r->file.p, *eol;
	const char *best = NULL;

	memset(m, 0, sizeof(*m));
	for (; line && *line; line = eol ? eol + 1 : NULL) {
		char *f[6];
		int i;

		eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		f[0] = line;
		for (i = 1; i < 6 && f[i - 1]; i++) {
			f[i] = strchr(f[i - 1], ' ');
			if (f[i])
				f[i]++;
		}
		/* f[4] is the mount point, "/ " when it is the root */
		if (i == 6 && f[4] && f[4][0] == '/' && f[4][1] == ' ')
			best = line;
		if (eol)
			*eol = '\n';	/* keep the buffer intact */
	}
	if (best == NULL)
		return;
	{
		char dev[32];
		const char *p = best, *sep, *fstype, *src, *end;
		unsigned a, b;
		int i;

		for (i = 0; i < 2 && p; i++)
			p = strchr(p, ' '), p = p ? p + 1 : NULL;
		if (p == NULL || sscanf(p, "%31s", dev) != 1 ||
		    sscanf(dev, "%u:%u", &a, &b) != 2)
			return;
		m->found = 1;
		m->major = a;
		m->minor = b;
		end = strchr(best, '\n');
		if (end == NULL)
			end = best + strlen(best);
		sep = strstr(best, " - ");
		if (sep == NULL || sep > end)
			return;
		fstype = sep + 3;
		src = memchr(fstype, ' ', (size_t)(end - fstype));
		if (src == NULL)
			return;
		if ((size_t)(src - fstype) == 7 &&
		    memcmp(fstype, "overlay", 7) == 0)
			m->overlay = 1;
		else if (has_prefix(fstype, (size_t)(src - fstype),
		    "fuse.fuse-overlayfs"))
			m->overlay = 2;	/* a key, but no dirs to look at */
		/* the layers are the host table's to say (host_layers) */
	}
}

/* The host's root device, to refuse a "container" sharing it. */
static void
host_dev(struct ad_resolver *r)
{
	struct rootmnt m;

	if (r->host_dev_known)
		return;
	r->host_dev_known = 1;
	if (read_into(r, proc_path(r, 1, "mountinfo"), MAX_MOUNTINFO, 0) != 0)
		return;
	parse_root_mount(r, &m);
	if (m.found) {
		r->host_dev_major = m.major;
		r->host_dev_minor = m.minor;
	} else
		r->host_dev_known = 2;	/* unknown: compare nothing */
}

/* One mountinfo line, split: its device, root, mount point and type. */
struct mline {
	unsigned major, minor;
	const char *root, *mnt, *fstype;
	size_t rootlen, mntlen, fstypelen;
};

/* Split line [p, e) of mountinfo(5); 0 when malformed. */
static int
mline_parse(const char *p, const char *e, struct mline *m)
{
	const char *f[5], *sep;
	int i;

	f[0] = p;
	for (i = 1; i < 5; i++) {
		f[i] = memchr(f[i - 1], ' ', (size_t)(e - f[i - 1]));
		if (f[i] == NULL)
			return 0;
		f[i]++;
	}
	if (sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
		return 0;
	m->root = f[3];
	m->rootlen = (size_t)(f[4] - f[3] - 1);
	m->mnt = f[4];
	if ((sep = memchr(f[4], ' ', (size_t)(e - f[4]))) == NULL)
		return 0;
	m->mntlen = (size_t)(sep - f[4]);
	for (sep = f[4]; sep + 3 <= e && memcmp(sep, " - ", 3) != 0; sep++)
		;
	if (sep + 3 > e)
		return 0;
	m->fstype = sep + 3;
	sep = memchr(m->fstype, ' ', (size_t)(e - m->fstype));
	m->fstypelen = sep ? (size_t)(sep - m->fstype) : (size_t)(e - m->fstype);
	return 1;
}

/*
 * The whole tmpfs mounts (root "/", an anonymous device) of the
 * container's mountinfo in r->file that the host does not share: absent
 * from the host's mount table, or there only at a path naming the
 * container (podman's userdata/shm).  A bind mount of a host tmpfs (a
 * file of /run) has another root or a host mount point, and is left out:
 * a device must never name a container wrongly.
 */
static void
rec_load_private(struct ad_resolver *r, struct crec *c)
{
	unsigned cand[MAX_PRIV_DEVS][2];
	const char *p, *e, *end;
	struct mline m;
	int n = 0, i, keep;
	size_t idlen = strlen(c->c.id);

	end = r->file.p + r->file.len;
	for (p = r->file.p; p < end && n < MAX_PRIV_DEVS; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if (!mline_parse(p, e, &m) || m.major != 0 ||
		    m.rootlen != 1 || m.fstypelen != 5 ||
		    memcmp(m.fstype, "tmpfs", 5) != 0)
			continue;
		for (i = 0; i < n; i++)
			if (cand[i][1] == m.minor)
				break;
		if (i == n) {
			cand[n][0] = m.major;
			cand[n++][1] = m.minor;
		}
	}
	if (n == 0 || read_into(r, proc_path(r, 1, "mountinfo"),
	    MAX_MOUNTINFO, 0) != 0)
		return;
	end = r->file.p + r->file.len;
	for (p = r->file.p; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		if (!mline_parse(p, e, &m) || m.major != 0)
			continue;
		for (i = 0; i < n; i++) {
			if (cand[i][1] != m.minor)
				continue;
			keep = idlen > 0 && m.mntlen >= idlen &&
			    memmem(m.mnt, m.mntlen, c->c.id, idlen) != NULL;
			if (!keep) {
				cand[i][0] = cand[n - 1][0];
				cand[i][1] = cand[--n][1];
			}
			break;
		}
	}
	for (i = 0; i < n; i++) {
		c->priv_dev[i][0] = cand[i][0];
		c->priv_dev[i][1] = cand[i][1];
	}
	c->npriv = n;
}

/* Whether device major:minor is one of c's own tmpfs mounts. */
static int
priv_has(const struct crec *c, unsigned major, unsigned minor)
{
	int i;

	for (i = 0; i < c->npriv; i++)
		if (c->priv_dev[i][0] == major && c->priv_dev[i][1] == minor)
			return 1;
	return 0;
}

/* A device now mounted for c is no longer o's: o has gone. */
static void
priv_drop(struct crec *o, const struct crec *c)
{
	int i = 0;

	while (i < o->npriv)
		if (priv_has(c, o->priv_dev[i][0], o->priv_dev[i][1])) {
			o->priv_dev[i][0] = o->priv_dev[o->npriv - 1][0];
			o->priv_dev[i][1] = o->priv_dev[--o->npriv][1];
		} else
			i++;
}

/* Give c the layers of mount m (the host's view; c's device is m's),
 * below the host root. */
static void
set_layers(const struct ad_resolver *r, struct crec *c,
    const struct ad_mount *m)
{
	size_t i;

	free(c->upperdir);
	strv_free(c->lowerdirs);
	c->upperdir = m->upper ? root_join(r, m->upper, strlen(m->upper)) :
	    NULL;
	c->lowerdirs = NULL;
	if (m->lower != NULL) {
		c->lowerdirs = xcalloc(m->nlower + 1, sizeof(*c->lowerdirs));
		for (i = 0; i < m->nlower; i++)
			c->lowerdirs[i] = root_join(r, m->lower[i],
			    strlen(m->lower[i]));
	}
	c->c.upperdir = c->upperdir;
	c->c.lowerdirs = (const char *const *)c->lowerdirs;
}

/* c's layers from the host's mount table: the one the armer feeds, else
 * pid 1's (read here: `audrift containers`, tests, no armer). */
static void
host_layers(struct ad_resolver *r, struct crec *c)
{
	const struct ad_mount *m = ad_mounts_by_dev(&r->hmounts,
	    c->c.root_dev_major, c->c.root_dev_minor);
	struct ad_mounts t;

	if (m != NULL) {
		set_layers(r, c, m);
		return;
	}
	if (r->hmounts_fed || read_into(r, proc_path(r, 1, "mountinfo"),
	    MAX_MOUNTINFO, 0) != 0)
		return;
	ad_mounts_parse(r->file.p, r->file.len, &t);
	if ((m = ad_mounts_by_dev(&t, c->c.root_dev_major,
	    c->c.root_dev_minor)) != NULL)
		set_layers(r, c, m);
	ad_mounts_free(&t);
}

static void
rec_load_mounts(struct ad_resolver *r, struct crec *c, pid_t pid)
{
	struct rootmnt m;
	size_t i;

	if (c->c.has_root_dev || c->mount_tries >= MOUNT_TRIES)
		return;
	host_dev(r);
	c->mount_tries++;
	if (read_into(r, proc_path(r, pid, "mountinfo"), MAX_MOUNTINFO, 0) != 0)
		return;
	parse_root_mount(r, &m);
	/* only an overlay's anonymous device names one container */
	if (m.found && m.overlay && m.major == 0 && !(r->host_dev_known == 1 &&
	    m.major == r->host_dev_major && m.minor == r->host_dev_minor)) {
		c->c.root_dev_major = m.major;
		c->c.root_dev_minor = m.minor;
		c->c.has_root_dev = 1;
		/* a mounted overlay's device is its own: an older record
		 * holding it is for a container that has gone */
		for (i = 0; i < r->nrecs; i++) {
			struct crec *o = r->recs[i];

			if (o != c && o->c.has_root_dev &&
			    o->c.root_dev_major == m.major &&
			    o->c.root_dev_minor == m.minor)
				o->c.has_root_dev = 0;
		}
	}
	/* the layers come from the host's table, matched by device: the
	 * container's own view may hide mounts (a chroot) or show an
	 * overlay it stacked itself, whose upperdir= names any path */
	if (c->c.has_root_dev && c->upperdir == NULL)
		host_layers(r, c);
	if (c->c.has_root_dev) {
		rec_load_private(r, c);	/* reads the host's table */
		for (i = 0; i < r->nrecs; i++)
			if (r->recs[i] != c)
				priv_drop(r->recs[i], c);
	}
}

static void
set_str(char **field, const char **pub, char *v)
{
	if (v == NULL)
		return;
	if (*field != NULL) {
		free(v);
		return;
	}
	*field = v;
	*pub = v;
}

/* (Re)read c's posture (posture.h). */
static void
rec_load_posture(struct ad_resolver *r, struct crec *c)
{
	ad_posture_free(c->posture);
	c->posture = ad_posture_load(c->c.runtime, r->root, c->state_root,
	    c->id, c->c.ns, c->c.pod_uid);
	c->c.posture = c->posture;
	c->posture_ms = now_ms(r);
	r->st.posture_notes += (uint64_t)c->posture->nnotes;
}

/* Once per record, when it is made (rtstate.h).  Unreadable state is not
 * an error: name and image stay NULL. */
static void
rec_load_meta(struct ad_resolver *r, struct crec *c)
{
	struct ad_rt_meta m;

	ad_rtstate_meta(c->key_runtime, r->root, c->state_root, c->id, c->ns,
	    &m);
	if (m.runtime != NULL)
		c->c.runtime = m.runtime;
	set_str(&c->name, &c->c.name, m.name);
	set_str(&c->image, &c->c.image, m.image);
	set_str(&c->pod_uid, &c->c.pod_uid, m.pod_uid);
	set_str(&c->ns, &c->c.ns, m.ns);
	m.name = m.image = m.pod_uid = m.ns = NULL;
	ad_rt_meta_clear(&m);
	rec_load_posture(r, c);
}

static struct crec *
rec_find(struct ad_resolver *r, const char *runtime, const char *id)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++)
		if (strcmp(r->recs[i]->key_runtime, runtime) == 0 &&
		    strcmp(r->recs[i]->id, id) == 0)
			return r->recs[i];
	return NULL;
}

/* A new record, registered (meta is the caller's to load). */
static struct crec *
rec_new(struct ad_resolver *r, const char *runtime, const char *id)
{
	struct crec *c = xcalloc(1, sizeof(*c));

	c->key_runtime = runtime;
	c->c.runtime = runtime;
	c->id = xstrdup(id);
	c->c.id = c->id;
	if (r->nrecs == r->caprecs) {
		r->caprecs = r->caprecs ? r->caprecs * 2 : 16;
		r->recs = xrealloc(r->recs, r->caprecs * sizeof(*r->recs));
	}
	r->recs[r->nrecs++] = c;
	r->st.containers++;
	c->made_ms = now_ms(r);
	r->nunannounced++;
	return c;
}

/* A record learned from the state while its container was stopped, now
 * seen running (a process, a mount): its start is judged like any. */
static void
rec_revive(struct ad_resolver *r, struct crec *c)
{
	if (!c->stored)
		return;
	c->stored = 0;
	c->announced = 0;
	r->nunannounced++;
	c->made_ms = now_ms(r);
}

/* The record for a matched container seen in live process pid. */
static struct crec *
rec_get(struct ad_resolver *r, const struct ad_cgroup_match *m, pid_t pid,
    uint64_t ticks)
{
	struct crec *c = rec_find(r, m->runtime, m->id);

	if (c == NULL) {
		c = rec_new(r, m->runtime, m->id);
		if (m->pod_uid[0])
			set_str(&c->pod_uid, &c->c.pod_uid,
			    xstrdup(m->pod_uid));
		if (m->ns[0])
			set_str(&c->ns, &c->c.ns, xstrdup(m->ns));
		c->witness = pid;
		c->witness_ticks = ticks;
		rec_load_meta(r, c);
	} else {
		rec_revive(r, c);
		if (ticks < c->witness_ticks || c->witness == 0) {
			c->witness = pid;
			c->witness_ticks = ticks;
		}
	}
	if (c->c.started_ms == 0 || ticks_ms(r, ticks) < c->c.started_ms)
		c->c.started_ms = ticks_ms(r, ticks);
	rec_load_mounts(r, c, pid);
	c->alive_ms = now_ms(r);
	return c;
}

static void
rec_free(struct crec *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->pod_uid);
	free(c->ns);
	free(c->upperdir);
	strv_free(c->lowerdirs);
	free(c->state_root);
	ad_posture_free(c->posture);
	free(c);
}

/* --- the pid cache: a fixed array, hashed, LRU-ordered ------------------ */

static uint32_t
pid_hash(const struct ad_resolver *r, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (r->nbuckets - 1);
}

static void
lru_unlink(struct ad_resolver *r, int32_t i)
{
	struct pent *e = &r->ents[i];

	if (e->prev >= 0)
		r->ents[e->prev].next = e->next;
	else
		r->head = e->next;
	if (e->next >= 0)
		r->ents[e->next].prev = e->prev;
	else
		r->tail = e->prev;
	e->prev = e->next = -1;
}

static void
lru_push(struct ad_resolver *r, int32_t i)
{
	struct pent *e = &r->ents[i];

	e->prev = -1;
	e->next = r->head;
	if (r->head >= 0)
		r->ents[r->head].prev = i;
	r->head = i;
	if (r->tail < 0)
		r->tail = i;
}

static struct pent *
cache_get(struct ad_resolver *r, pid_t pid)
{
	int32_t i;

	for (i = r->buckets[pid_hash(r, pid)]; i >= 0; i = r->ents[i].hnext)
		if (r->ents[i].pid == pid)
			return &r->ents[i];
	return NULL;
}

static void
cache_remove(struct ad_resolver *r, int32_t i)
{
	int32_t *pp = &r->buckets[pid_hash(r, r->ents[i].pid)];

	while (*pp != i)
		pp = &r->ents[*pp].hnext;
	*pp = r->ents[i].hnext;
	lru_unlink(r, i);
	r->ents[i].pid = 0;
	r->ents[i].rec = NULL;
	r->ents[i].hnext = r->free_list;
	r->free_list = i;
}

static struct pent *
cache_put(struct ad_resolver *r, pid_t pid, pid_t ppid, uint64_t ticks,
    struct crec *rec)
{
	struct pent *e = cache_get(r, pid);
	int32_t i;

	if (e == NULL) {
		if (r->free_list < 0) {
			cache_remove(r, r->tail);
			r->st.cache_evictions++;
		}
		i = r->free_list;
		r->free_list = r->ents[i].hnext;
		e = &r->ents[i];
		e->pid = pid;
		e->hnext = r->buckets[pid_hash(r, pid)];
		r->buckets[pid_hash(r, pid)] = i;
	} else {
		i = (int32_t)(e - r->ents);
		lru_unlink(r, i);
	}
	lru_push(r, i);
	e->ppid = ppid;
	e->ticks = ticks;
	e->start_ms = ticks_ms(r, ticks);
	e->rec = rec;
	e->exe_upper = -2;
	return e;
}

/*
 * The cache's answer for pid at time t: the entry must be for a process
 * started by then and, when both are known, with the same parent (a
 * reused pid that did not exec would otherwise inherit the entry).
 */
static struct pent *
cache_find(struct ad_resolver *r, pid_t pid, pid_t ppid, int64_t t)
{
	struct pent *e = cache_get(r, pid);

	if (e == NULL || e->start_ms > t + r->slack_ms ||
	    (ppid > 0 && e->ppid > 0 && ppid != e->ppid)) {
		r->st.cache_misses++;
		return NULL;
	}
	r->st.cache_hits++;
	lru_unlink(r, (int32_t)(e - r->ents));
	lru_push(r, (int32_t)(e - r->ents));
	return e;
}

/* --- attribution --------------------------------------------------------- */

/*
 * A cgroup path is the process's word: one that can write its cgroupfs
 * can name any id.  Believe a new container's id only where its runtime
 * keeps no state audrift can read, or the state knows it (rtstate.h).
 */
static int
cg_confirmed(struct ad_resolver *r, const struct ad_cgroup_match *m)
{
	int i, k, any = -1;

	if (rec_find(r, m->runtime, m->id) != NULL)
		return 1;
	for (i = -1; i < r->nroots; i++) {
		if (i >= 0 && strcmp(r->roots[i].runtime, m->runtime) != 0)
			continue;
		k = ad_rtstate_knows(m->runtime, r->root, i < 0 ? NULL :
		    r->roots[i].root, m->id);
		if (k == 1)
			return 1;
		if (k == 0)
			any = 0;
	}
	if (any == 0)
		r->st.unconfirmed++;
	return any != 0;
}

/* proc_stat, and a pid found gone remembered so (known_gone) */
static int
stat_or_gone(struct ad_resolver *r, pid_t pid, pid_t *ppid, uint64_t *ticks)
{
	errno = 0;
	if (proc_stat(r, pid, ppid, ticks))
		return 1;
	if (errno == ENOENT || errno == ESRCH)
		mark_gone(r, pid);
	return 0;
}

/*
 * Ask /proc about pid as of time t.  1: live, started by t, and *rec set
 * (NULL for the host), the cache refilled; 0: gone, unreadable, or
 * started after t (a reused pid).
 */
static int
live_pid(struct ad_resolver *r, pid_t pid, int64_t t, struct crec **rec,
    struct pent **ent)
{
	struct ad_cgroup_match m;
	uint64_t ticks;
	pid_t ppid = 0;
	int unsure;

	*rec = NULL;
	*ent = NULL;
	if (pid <= 0)
		return 0;
	if (known_gone(r, pid, t)) {
		r->st.gone_skipped++;
		return 0;
	}
	if (!stat_or_gone(r, pid, &ppid, &ticks))
		return 0;
	if (ticks_ms(r, ticks) > t + r->slack_ms) {
		r->st.pid_reused++;
		return 0;
	}
	if (read_into(r, proc_path(r, pid, "cgroup"), MAX_CGROUP, READ_ONE) != 0)
		return 0;
	unsure = 0;
	if (ad_cgroup_match(r->file.p, r->file.len, &m) && !m.helper) {
		if (cg_confirmed(r, &m))
			*rec = rec_get(r, &m, pid, ticks);
		else
			unsure = 1;
	}
	*ent = cache_put(r, pid, ppid, ticks, *rec);
	(*ent)->unsure = unsure;
	/* one more /proc read, only where a rule can use it: in containers */
	(*ent)->vpid = *rec != NULL ? proc_vpid(r, *rec, pid) : 0;
	return 1;
}

/* Is the record's container still there?  Its witness, else any live
 * process the cache knows in it. */
static int
rec_alive(struct ad_resolver *r, struct crec *c)
{
	uint64_t ticks;
	pid_t ppid;
	size_t i, tried = 0;

	if (c->witness > 0 && proc_stat(r, c->witness, &ppid, &ticks) &&
	    ticks == c->witness_ticks)
		return 1;
	c->witness = 0;
	for (i = 0; i < r->cap && tried < 8; i++) {
		struct pent *e = &r->ents[i];

		if (e->pid == 0 || e->rec != c)
			continue;
		tried++;
		if (proc_stat(r, e->pid, &ppid, &ticks) && ticks == e->ticks) {
			c->witness = e->pid;
			c->witness_ticks = ticks;
			return 1;
		}
	}
	return 0;
}

/*
 * The overlay device of the event's file items, or a tmpfs only that
 * container mounts (its /dev/shm: an exec from there by a process gone
 * before its event is read has no other trace).  Anonymous devices are
 * reused as soon as they are freed, so a record's device only counts for
 * events no later than the last time the container was seen alive.
 */
static struct crec *
by_device(struct ad_resolver *r, const struct ad_event *ev, int64_t t)
{
	int i;
	size_t k;

	for (i = 0; i < ev->nitems && i < AD_MAX_ITEMS; i++) {
		const struct ad_item *it = &ev->items[i];

		if (!it->has_inode || it->dev_major != 0)
			continue;
		for (k = 0; k < r->nrecs; k++) {
			struct crec *c = r->recs[k];

			if (!(c->c.has_root_dev &&
			    c->c.root_dev_major == it->dev_major &&
			    c->c.root_dev_minor == it->dev_minor) &&
			    !priv_has(c, it->dev_major, it->dev_minor))
				continue;
			if (t <= c->alive_ms || c->mounted ||
			    (c->unmount_ms && t <= c->unmount_ms + r->slack_ms))
				return c;
			if (rec_alive(r, c)) {
				c->alive_ms = now_ms(r);
				return c;
			}
			r->st.device_stale++;
			return NULL;
		}
	}
	return NULL;
}

/* The parent's container: only a container counts (a host parent such
 * as runc, conmon or a shim has container children). */
static struct crec *
by_ppid(struct ad_resolver *r, pid_t ppid, int64_t t)
{
	struct pent *e;
	struct crec *rec;

	if (ppid <= 1)
		return NULL;
	if ((e = cache_find(r, ppid, 0, t)) != NULL)
		return e->rec;
	if (live_pid(r, ppid, t, &rec, &e))
		return rec;
	return NULL;
}

/* The container the exec records' ancestry names (lineage.h): its
 * record, made from the runtime's state on disk if need be. */
/* c's layers from its runtime's state, when no mount gave them. */
static void
state_layers(struct ad_resolver *r, struct crec *c)
{
	char *upper, **lower;

	if (c->upperdir != NULL || !ad_rtstate_layers(c->key_runtime, r->root,
	    c->state_root, c->id, &upper, &lower))
		return;
	c->upperdir = upper;
	c->lowerdirs = lower;
	c->c.upperdir = c->upperdir;
	c->c.lowerdirs = (const char *const *)c->lowerdirs;
}

static struct crec *
by_lineage(struct ad_resolver *r, const struct ad_event *ev, int64_t t)
{
	const char *rt = NULL, *id;
	size_t i;
	struct crec *c;

	id = ad_lineage_lookup(r->lin, ev->proc.pid, ev->proc.ppid, t, &rt);
	if (id == NULL)
		return NULL;
	for (i = 0; i < r->nrecs; i++)
		if (strcmp(r->recs[i]->id, id) == 0)
			return r->recs[i];
	if (rt == NULL || strlen(id) != 64)
		return NULL;
	c = rec_new(r, rt, id);
	rec_load_meta(r, c);
	state_layers(r, c);	/* gone: no mount to read them from */
	return c;
}

static enum ad_attr
lookup(struct ad_resolver *r, pid_t pid, pid_t ppid, int64_t t, int live_first,
    struct crec **rec, struct pent **ent)
{
	*rec = NULL;
	*ent = NULL;
	if (!live_first && (*ent = cache_find(r, pid, ppid, t)) != NULL) {
		*rec = (*ent)->rec;
		return *rec ? AD_ATTR_CACHE : AD_ATTR_HOST;
	}
	if (live_pid(r, pid, t, rec, ent))
		return *rec ? AD_ATTR_PID : AD_ATTR_HOST;
	if (live_first && (*ent = cache_find(r, pid, ppid, t)) != NULL) {
		*rec = (*ent)->rec;
		return *rec ? AD_ATTR_CACHE : AD_ATTR_HOST;
	}
	return AD_ATTR_UNKNOWN;
}

static int
upper_flag(const struct crec *c, const struct ad_str *path)
{
	int u;

	/* "/" is no file: the kernel logs exe="/" for a process whose
	 * executable is outside its root (a runtime's hook, run while the
	 * container's root is being set up) */
	if (path->s == NULL || path->s[0] != '/' || path->len < 2 ||
	    path->s[path->len - 1] == '/' || strlen(path->s) != path->len)
		return -1;
	u = ad_container_upper_has(&c->c, path->s);
	return u < 0 ? -1 : u != AD_UPPER_NO;
}

int
ad_resolve_event(struct ad_resolver *r, struct ad_event *ev)
{
	struct crec *rec = NULL;
	struct pent *ent = NULL;
	const struct ad_item *f;
	enum ad_attr a;
	int64_t t;

	if (r == NULL || ev == NULL || ev->attribution == AD_ATTR_REPLAY)
		return 0;
	r->st.lookups++;
	ev->container = NULL;
	ev->exe_upper_layer = ev->file_upper_layer = -1;
	t = ev->sec * 1000 + ev->ms;
	a = lookup(r, ev->proc.pid, ev->proc.ppid, t, ev->op == AD_OP_EXEC,
	    &rec, &ent);
	if (a == AD_ATTR_UNKNOWN) {
		if ((rec = by_device(r, ev, t)) != NULL)
			a = AD_ATTR_DEVICE;
		else if ((rec = by_ppid(r, ev->proc.ppid, t)) != NULL)
			a = AD_ATTR_PPID;
		else if ((rec = by_lineage(r, ev, t)) != NULL)
			a = AD_ATTR_LINEAGE;
	}
	if (ev->op == AD_OP_EXEC)
		ad_lineage_exec(r->lin, ev, rec ? rec->id : NULL,
		    rec ? rec->key_runtime : NULL);
	ev->attribution = a;
	ev->proc.vpid = ent != NULL ? ent->vpid : 0;
	r->st.by_attr[a]++;
	if (rec == NULL)
		return 0;
	ev->container = &rec->c;
	if (rec->upperdir != NULL) {
		if (ev->op == AD_OP_EXEC || ent == NULL || ent->exe_upper == -2)
			ev->exe_upper_layer = upper_flag(rec, &ev->proc.exe);
		else
			ev->exe_upper_layer = ent->exe_upper;
		if (ent != NULL)
			ent->exe_upper = ev->exe_upper_layer;
		if ((f = ad_event_file(ev)) != NULL)
			ev->file_upper_layer = upper_flag(rec, &f->path);
	}
	return 1;
}

enum ad_attr
ad_resolve_pid(struct ad_resolver *r, pid_t pid, pid_t ppid,
    int64_t not_after_ms, const struct ad_container **out)
{
	struct crec *rec;
	struct pent *ent;
	enum ad_attr a;

	a = lookup(r, pid, ppid, not_after_ms, 1, &rec, &ent);
	r->st.lookups++;
	r->st.by_attr[a]++;
	*out = rec ? &rec->c : NULL;
	return a;
}

/* --- upper and lower layers ---------------------------------------------- */

static int
is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

/*
 * lstat of path (absolute, as the container sees it) inside layer dir,
 * resolved in the layer (openat2 RESOLVE_IN_ROOT, evidence.h): a symlink
 * in the container (upper/usr -> /etc) never makes audrift answer from
 * the host.  The last component is not followed.  0, or -1 with errno.
 */
static int
layer_lstat(const char *dir, const char *path, struct stat *st)
{
	int dfd, fd, rc, e;

	if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	while (*path == '/')
		path++;
	fd = *path ? ad_layer_openat(dfd, path, O_PATH) : dfd;
	e = errno;
	rc = fd >= 0 ? fstat(fd, st) : -1;
	if (fd >= 0)
		e = errno;
	if (fd >= 0 && fd != dfd)
		close(fd);
	close(dfd);
	errno = e;
	return rc;
}

/* An ancestor of path (below the layer's root) is a whiteout in dir. */
static int
ancestor_whiteout(const char *dir, const char *path)
{
	char buf[PATH_MAX], *slash;
	struct stat st;

	if (strlen(path) >= sizeof(buf))
		return 0;
	strcpy(buf, path);
	while ((slash = strrchr(buf, '/')) != NULL && slash > buf) {
		*slash = '\0';
		if (layer_lstat(dir, buf, &st) == 0)
			return is_whiteout(&st);
	}
	return 0;
}

/* An existing ancestor dir of path in layer dir is opaque: layers below
 * it are hidden there. */
static int
ancestor_opaque(const char *dir, const char *path)
{
	static const char *const names[] = {
		"trusted.overlay.opaque", "user.overlay.opaque",
	};
	char buf[PATH_MAX], proc[64], v[2], *slash;
	size_t i;
	int dfd, fd, hit = 0;

	if (strlen(path) >= sizeof(buf) ||
	    (dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	strcpy(buf, path);
	while (!hit && (slash = strrchr(buf, '/')) != NULL) {
		*slash = '\0';
		fd = buf[0] ? ad_layer_openat(dfd, buf + 1, O_PATH) : dfd;
		if (fd < 0)
			continue;
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (i = 0; i < AD_ARRAY_SIZE(names) && !hit; i++)
			hit = getxattr(proc, names[i], v, sizeof(v)) == 1 &&
			    v[0] == 'y';
		if (fd != dfd)
			close(fd);
	}
	close(dfd);
	return hit;
}

/* 1 present (*wh set for a whiteout), 0 absent, -1 cannot tell. */
static int
layer_has(const char *dir, const char *path, int *wh)
{
	struct stat st;
	int n;

	*wh = 0;
	if (layer_lstat(dir, path, &st) == 0) {
		*wh = is_whiteout(&st);
		return 1;
	}
	n = errno;
	if (n == ENOTDIR && ancestor_whiteout(dir, path)) {
		*wh = 1;
		return 1;
	}
	return n == ENOENT || n == ENOTDIR ? 0 : -1;
}

int
ad_container_upper_has(const struct ad_container *c,
    const char *path_in_container)
{
	size_t i;
	int wh, rc;

	if (c == NULL || c->upperdir == NULL || path_in_container == NULL ||
	    path_in_container[0] != '/')
		return -1;
	rc = layer_has(c->upperdir, path_in_container, &wh);
	if (rc != 0)
		return rc < 0 ? -1 : wh ? AD_UPPER_WHITEOUT : AD_UPPER_YES;
	/* not in the upper dir: the image's file if a lower dir has it,
	 * unless an opaque dir in the upper one hides the lower dirs */
	if (ancestor_opaque(c->upperdir, path_in_container))
		return -1;
	for (i = 0; c->lowerdirs != NULL && c->lowerdirs[i] != NULL; i++) {
		rc = layer_has(c->lowerdirs[i], path_in_container, &wh);
		if (rc < 0 || (rc == 1 && wh))
			return -1;
		if (rc == 1)
			return AD_UPPER_NO;
	}
	return -1;
}

int
ad_container_lower_find(const struct ad_container *c,
    const char *path_in_container, char *buf, size_t cap)
{
	char tmp[PATH_MAX];
	size_t i;
	int wh, rc;

	if (c == NULL || c->lowerdirs == NULL || path_in_container == NULL ||
	    path_in_container[0] != '/' || cap == 0)
		return -1;
	for (i = 0; c->lowerdirs[i] != NULL; i++) {
		rc = layer_has(c->lowerdirs[i], path_in_container, &wh);
		if (rc < 0)
			return -1;
		if (rc == 1) {
			if (wh)
				return 0;	/* deleted by this layer */
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s",
			    c->lowerdirs[i], path_in_container) >= sizeof(tmp) ||
			    strlen(tmp) >= cap)
				return -1;
			memcpy(buf, tmp, strlen(tmp) + 1);
			return 1;
		}
		if (ancestor_opaque(c->lowerdirs[i], path_in_container))
			return 0;	/* the layers below are hidden */
	}
	return 0;
}

/* --- lifetime, scan, gc, stats ------------------------------------------- */

struct ad_resolver *
ad_resolver_new(const char *procfs_root, const char *host_root,
    size_t cache_size)
{
	struct ad_resolver *r = xcalloc(1, sizeof(*r));
	size_t n, i;

	n = procfs_root ? strlen(procfs_root) : 0;
	while (n > 1 && procfs_root[n - 1] == '/')
		n--;
	r->procfs = n ? xstrndup(procfs_root, n) : xstrdup("/proc");
	n = host_root ? strlen(host_root) : 0;
	while (n > 0 && host_root[n - 1] == '/')
		n--;
	r->root = xstrndup(host_root ? host_root : "", n);
	r->hz = sysconf(_SC_CLK_TCK);
	if (r->hz <= 0)
		r->hz = 100;
	/* field 22 is floored to a tick and audit's clock is coarse */
	r->slack_ms = 2 * (1000 / r->hz) + 10;

	r->cap = cache_size ? cache_size : CACHE_DEFAULT;
	if (r->cap > INT32_MAX / 2)
		r->cap = INT32_MAX / 2;
	for (r->nbuckets = 16; r->nbuckets < r->cap; r->nbuckets <<= 1)
		;
	r->ents = xcalloc(r->cap, sizeof(*r->ents));
	r->buckets = xmalloc(r->nbuckets * sizeof(*r->buckets));
	for (i = 0; i < r->nbuckets; i++)
		r->buckets[i] = -1;
	for (i = 0; i < r->cap; i++) {
		r->ents[i].prev = r->ents[i].next = -1;
		r->ents[i].hnext = i + 1 < r->cap ? (int32_t)(i + 1) : -1;
	}
	r->free_list = 0;
	r->head = r->tail = -1;
	r->lin = ad_lineage_new(0);
	ad_buf_init(&r->file);
	ad_buf_init(&r->tmp);
	return r;
}

void
ad_resolver_free(struct ad_resolver *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrecs; i++)
		rec_free(r->recs[i]);
	free(r->recs);
	free(r->ents);
	free(r->buckets);
	ad_mounts_free(&r->hmounts);
	ad_lineage_free(r->lin);
	for (i = 0; i < (size_t)r->nroots; i++)
		free(r->roots[i].root);
	ad_buf_free(&r->file);
	ad_buf_free(&r->tmp);
	free(r->procfs);
	free(r->root);
	free(r);
}

/*
 * The scan's check of a pid the cache holds: still the process of the
 * entry (the same start time)?  Then only its parent is refreshed (a
 * parent's death reparents it) and its cgroup is not read again: a
 * process's container changes only where it execs (a runtime's child
 * joins the container's cgroup, then execs: the exec event reads it
 * live), and the cgroup read was most of the scan's cost (bench: 30-42
 * ms of CPU per 10 s idle with 2,000 processes).  A container cgroup
 * its runtime did not confirm yet is read again.  -1: read it whole; 0
 * gone or the host's; 1 in a container.
 */
static int
scan_cached(struct ad_resolver *r, pid_t pid)
{
	struct pent *e = cache_get(r, pid);
	uint64_t ticks;
	pid_t ppid = 0;

	if (e == NULL || e->unsure)
		return -1;
	if (!stat_or_gone(r, pid, &ppid, &ticks))
		return 0;
	if (ticks != e->ticks)
		return -1;	/* a reused pid */
	e->ppid = ppid;
	lru_unlink(r, (int32_t)(e - r->ents));
	lru_push(r, (int32_t)(e - r->ents));
	r->st.scan_kept++;
	return e->rec != NULL;
}

int
ad_resolver_scan(struct ad_resolver *r)
{
	DIR *d;
	struct dirent *de;
	struct crec *rec;
	struct pent *ent;
	int n = 0, k;
	int64_t t = now_ms(r);

	if ((d = opendir(r->procfs)) == NULL) {
		log_warn("cannot read %s to find running containers", r->procfs);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 0 || pid > INT32_MAX)
			continue;
		if ((k = scan_cached(r, (pid_t)pid)) < 0)
			k = live_pid(r, (pid_t)pid, t, &rec, &ent) && rec != NULL;
		n += k;
	}
	closedir(d);
	return n;
}

/* Drop hmounts entries of device major:minor. */
static void
hmounts_drop(struct ad_resolver *r, unsigned major, unsigned minor)
{
	size_t i = 0;

	while (i < r->hmounts.n)
		if (r->hmounts.v[i].major == major &&
		    r->hmounts.v[i].minor == minor) {
			ad_mount_clear(&r->hmounts.v[i]);
			r->hmounts.v[i] = r->hmounts.v[--r->hmounts.n];
		} else
			i++;
}

const struct ad_container *
ad_resolver_mount(struct ad_resolver *r, const struct ad_mount *m,
    int64_t ms)
{
	struct ad_rt_owner o;
	struct crec *c;
	size_t i;

	r->hmounts_fed = 1;
	hmounts_drop(r, m->major, m->minor);
	r->hmounts.v = xrealloc(r->hmounts.v, (r->hmounts.n + 1) *
	    sizeof(*r->hmounts.v));
	ad_mount_copy(&r->hmounts.v[r->hmounts.n++], m);
	if (m->point == NULL || !ad_rtstate_owner(m->point, &o))
		return NULL;
	for (i = 0; i < (size_t)r->nroots; i++)
		if (strcmp(r->roots[i].root, o.root) == 0)
			break;
	if (i == (size_t)r->nroots && r->nroots < MAX_ROOTS && o.root[0]) {
		r->roots[r->nroots].runtime = o.runtime;
		r->roots[r->nroots++].root = xstrdup(o.root);
	}
	if ((c = rec_find(r, o.runtime, o.id)) == NULL) {
		c = rec_new(r, o.runtime, o.id);
		if (o.ns[0])
			set_str(&c->ns, &c->c.ns, xstrdup(o.ns));
		if (o.root[0] && strcmp(o.runtime, "docker") == 0)
			c->state_root = xstrdup(o.root);
		rec_load_meta(r, c);
	} else
		rec_revive(r, c);
	/* a device mounted now is this container's: not an older one's */
	for (i = 0; i < r->nrecs; i++)
		if (r->recs[i] != c && r->recs[i]->c.has_root_dev &&
		    r->recs[i]->c.root_dev_major == m->major &&
		    r->recs[i]->c.root_dev_minor == m->minor) {
			r->recs[i]->c.has_root_dev = 0;
			r->recs[i]->mounted = 0;
		}
	c->c.root_dev_major = m->major;
	c->c.root_dev_minor = m->minor;
	c->c.has_root_dev = 1;
	c->mounted = 1;
	c->unmount_ms = 0;
	if (ms > c->alive_ms)
		c->alive_ms = ms;
	if (c->c.started_ms == 0 || ms < c->c.started_ms)
		c->c.started_ms = ms;
	set_layers(r, c, m);
	return &c->c;
}

struct learn_ctx {
	struct ad_resolver *r;
	size_t n;
};

static void
learn_one(void *arg, const char *runtime, const char *id)
{
	struct learn_ctx *lc = arg;
	struct ad_resolver *r = lc->r;
	struct crec *c;
	size_t i;

	for (i = 0; i < r->nrecs; i++)	/* any runtime's name for it */
		if (strcmp(r->recs[i]->id, id) == 0)
			return;
	c = rec_new(r, runtime, id);
	c->announced = 1;		/* not running: no container_start */
	c->stored = 1;			/* ... until it runs (rec_revive) */
	r->nunannounced--;
	rec_load_meta(r, c);
	state_layers(r, c);
	lc->n++;
}

size_t
ad_resolver_learn_stored(struct ad_resolver *r)
{
	struct learn_ctx lc = { r, 0 };

	ad_rtstate_cache(1);	/* one parse of containers.json, not 2N */
	ad_rtstate_list(r->root, learn_one, &lc);
	ad_rtstate_cache(0);
	return lc.n;
}

const struct ad_container *
ad_resolver_take_unexamined(struct ad_resolver *r)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++) {
		struct crec *c = r->recs[i];

		if (c->examined || c->mounted || c->upperdir == NULL)
			continue;
		c->examined = 1;
		return &c->c;
	}
	return NULL;
}

void
ad_resolver_examined(struct ad_resolver *r, const struct ad_container *c)
{
	size_t i;

	for (i = 0; i < r->nrecs; i++)
		if (&r->recs[i]->c == c)
			r->recs[i]->examined = 1;
}

const struct ad_container *
ad_resolver_unmount(struct ad_resolver *r, unsigned major, unsigned minor,
    int64_t ms)
{
	size_t i;

	hmounts_drop(r, major, minor);
	for (i = 0; i < r->nrecs; i++) {
		struct crec *c = r->recs[i];

		if (c->mounted && c->c.has_root_dev &&
		    c->c.root_dev_major == major &&
		    c->c.root_dev_minor == minor) {
			c->mounted = 0;
			c->unmount_ms = ms;
			return &c->c;
		}
	}
	return NULL;
}

int
ad_resolver_gc(struct ad_resolver *r, int64_t older_than_ms)
{
	size_t i, j, k;
	int dropped = 0;

	for (i = j = 0; i < r->nrecs; i++) {
		struct crec *c = r->recs[i];

		if (c->alive_ms >= older_than_ms || c->mounted ||
		    c->unmount_ms >= older_than_ms || rec_alive(r, c)) {
			r->recs[j++] = c;
			continue;
		}
		for (k = 0; k < r->cap; k++)
			if (r->ents[k].pid != 0 && r->ents[k].rec == c)
				cache_remove(r, (int32_t)k);
		if (!c->announced)
			r->nunannounced--;
		rec_free(c);
		dropped++;
	}
	r->nrecs = j;
	return dropped;
}

const struct ad_container *
ad_resolver_next_start(struct ad_resolver *r)
{
	int64_t now;
	size_t i;

	if (r->nunannounced == 0)
		return NULL;
	now = now_ms(r);
	for (i = 0; i < r->nrecs; i++) {
		struct crec *c = r->recs[i];

		if (c->announced)
			continue;
		/* a runtime mounts the root before it writes the bundle */
		if (!c->posture->config && now - c->made_ms < AD_START_WAIT_MS) {
			if (now - c->posture_ms < AD_START_RETRY_MS)
				continue;
			rec_load_posture(r, c);
			if (!c->posture->config)
				continue;
		}
		c->announced = 1;
		r->nunannounced--;
		return &c->c;
	}
	return NULL;
}

const struct ad_container *
ad_resolver_container(const struct ad_resolver *r, size_t i)
{
	return i < r->nrecs ? &r->recs[i]->c : NULL;
}

void
ad_resolver_stats(const struct ad_resolver *r, struct ad_resolver_stats *out)
{
	*out = r->st;
}

void
ad_resolver_set_clock(struct ad_resolver *r, int64_t boot, int64_t now)
{
	r->fixed_boot_ms = boot;
	r->fixed_now_ms = now;
}
