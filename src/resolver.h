/*
 * resolver.h - which container an audit event came from.
 *
 * The resolver reads /proc/PID/cgroup (one table of cgroup patterns, in
 * container.c), keeps a bounded LRU cache pid -> container, and owns one
 * struct ad_container record per container seen.  Events get a borrowed
 * pointer to a record: it stays valid until ad_resolver_gc() drops the
 * record or ad_resolver_free().
 *
 * Attribution order for one event (issue 6; docs/containers.md):
 *   exec events:   live pid -> cache -> overlay device -> parent pid
 *   other events:  cache -> live pid -> overlay device -> parent pid
 * An exec is where a pid may have become another process, so it always
 * asks /proc first and refills the cache; other events cost no /proc read
 * and no allocation when the cache answers.  A live pid only counts when
 * its start time (field 22 of /proc/PID/stat) is not after the event's
 * time, so a reused pid cannot lend its container to an older event.
 *
 * Not thread-safe: one resolver per event thread.
 */
#ifndef AUDRIFT_RESOLVER_H
#define AUDRIFT_RESOLVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "container.h"
#include "event.h"

struct ad_resolver;

/*
 * procfs_root: "/proc" (or a fixture tree).  host_root: the host's root
 * as audrift sees it, "/" normally (or a fixture tree, or "/host" when
 * audrift itself runs in a container): runtime state
 * (var/lib/containers, var/lib/docker, run/containerd) and the overlay
 * dirs named in mountinfo are read below it.  cache_size: pid cache
 * entries, 0 for the default (8192).  Returns an owned resolver; the
 * pid cache is allocated here and never again.
 */
struct ad_resolver *ad_resolver_new(const char *procfs_root,
    const char *host_root, size_t cache_size);
void ad_resolver_free(struct ad_resolver *r);		/* NULL: no-op */

/*
 * Attribute ev (its pid, ppid, time, op and file items) to a container:
 * sets ev->container (borrowed, NULL for the host or when unknown),
 * ev->attribution, ev->proc.vpid (0 unless the pid was found live or
 * cached), and ev->exe_upper_layer / ev->file_upper_layer
 * (exec and file events in a container with a known overlay; -1
 * otherwise).  Events marked AD_ATTR_REPLAY are left alone.  Returns 1
 * in a container, 0 not (host or unknown).
 */
int ad_resolve_event(struct ad_resolver *r, struct ad_event *ev);

/*
 * The same lookup for a bare pid: not_after_ms is the wall-clock time
 * (ms since the epoch) the pid is known to have existed at (the event's
 * time, or its exec time).  Returns the attribution (AD_ATTR_PID,
 * AD_ATTR_CACHE, AD_ATTR_HOST or AD_ATTR_UNKNOWN) and sets *out.
 */
enum ad_attr ad_resolve_pid(struct ad_resolver *r, pid_t pid, pid_t ppid,
    int64_t not_after_ms, const struct ad_container **out);

/*
 * Walk procfs_root once and fill the cache with every process (host ones
 * too: a host event then costs no /proc read).  Call at start.  Returns
 * the number of processes found in containers, or -1 if procfs_root
 * cannot be read.
 */
int ad_resolver_scan(struct ad_resolver *r);

/*
 * Drop records of containers that are gone: not seen alive since
 * older_than_ms (wall clock) and whose witness process has exited.  Cache
 * entries pointing at them go too.  Pointers to dropped records held by
 * earlier events become invalid: call between events.  Returns the
 * number of records dropped.
 */
int ad_resolver_gc(struct ad_resolver *r, int64_t older_than_ms);

/*
 * The host's mount table changed (armer.h): root overlay m was mounted
 * at wall time ms.  If the runtimes' state on disk names its container
 * (rtstate.h), that container's record (made now if need be) takes m's
 * device, upper and lower dirs: the host's table, not a container's own
 * mountinfo, is the authority on its layers, and the device names the
 * container for every event while it is mounted, even once its
 * processes are gone.  Returns that container (borrowed), or NULL.
 */
struct ad_mount;
const struct ad_container *ad_resolver_mount(struct ad_resolver *r,
    const struct ad_mount *m, int64_t ms);
/* ... and the overlay of device major:minor was unmounted at ms: its
 * device still names the container for events up to then.  Returns the
 * container it was the root of, or NULL. */
const struct ad_container *ad_resolver_unmount(struct ad_resolver *r,
    unsigned major, unsigned minor, int64_t ms);

/*
 * The next container whose container_start is due, marked as handed
 * out, or NULL: each record is handed out once, when its posture is
 * read (its runtime's config for it found on disk, retried every
 * AD_START_RETRY_MS: a runtime mounts the root before it writes the
 * bundle) or AD_START_WAIT_MS after it was first seen, whatever was
 * found.  O(1) when none is due.
 */
#define AD_START_WAIT_MS	2000
#define AD_START_RETRY_MS	100
const struct ad_container *ad_resolver_next_start(struct ad_resolver *r);

/*
 * A container whose upper layer is known but has not been examined
 * (discover.h), and that no mount notice brings: one learned from /proc
 * or from exec records, not from the mount table (it exited before its
 * mount was seen, or it is mounted where audrift cannot see).  Marks it
 * examined; NULL when there is none.  ad_resolver_examined marks one
 * examined by the caller (at its arming).
 */
const struct ad_container *ad_resolver_take_unexamined(struct ad_resolver *r);
/*
 * Learn the containers the runtimes' state knows and the resolver does
 * not (ad_rtstate_list): stopped ones, at a start.  Each gets its layers
 * from that state and is left for ad_resolver_take_unexamined; none gets
 * a container_start (it is not running).  Call after the first scan and
 * mount notices, so that a running container is known by then.  How
 * many were learned.
 */
size_t ad_resolver_learn_stored(struct ad_resolver *r);
void ad_resolver_examined(struct ad_resolver *r, const struct ad_container *c);

/* Containers known, in the order first seen (for `audrift containers`).
 * i from 0; NULL past the end. */
const struct ad_container *ad_resolver_container(const struct ad_resolver *r,
    size_t i);

struct ad_resolver_stats {
	uint64_t lookups;		/* ad_resolve_event/pid calls */
	uint64_t by_attr[AD_ATTR__COUNT];
	uint64_t cache_hits, cache_misses, cache_evictions;
	uint64_t proc_reads;		/* /proc/PID/stat reads */
	uint64_t pid_reused;		/* live pid started after the event */
	uint64_t gone_skipped;		/* lookups of a pid already seen gone */
	uint64_t scan_kept;		/* scanned pids the cache had right:
					   no cgroup read */
	uint64_t device_stale;		/* device matched a container not seen
					   alive at the event's time */
	uint64_t containers;		/* records created */
	uint64_t unconfirmed;		/* cgroup ids the runtime's state
					   does not know: not believed */
	uint64_t posture_notes;		/* fields of runtime state skipped
					   (posture.h), over every read */
};
void ad_resolver_stats(const struct ad_resolver *r,
    struct ad_resolver_stats *out);

/*
 * Tests (and replays of a frozen /proc): fix the clocks.  boot_ms is
 * the wall-clock time of boot (what field 22 counts from), now_ms the
 * time to use as "now"; 0 for either means the real clock.
 */
void ad_resolver_set_clock(struct ad_resolver *r, int64_t boot_ms,
    int64_t now_ms);

/*
 * The pure cgroup matcher, for tests and `audrift containers`: text is a
 * /proc/PID/cgroup file (len bytes).  The unified ("0::") line is looked
 * at first, then name=systemd, then the others; in each path the
 * outermost component that matches a pattern wins (a process that can
 * write its cgroupfs makes children, never parents).  Returns 1 on a match (helper
 * says whether it is a runtime's helper such as conmon, not the
 * container), 0 for none.
 */
/*
 * The pure NSpid reader, for tests: text is a /proc/PID/status file (len
 * bytes).  Returns the last number of its NSpid line (the pid in the
 * process's own, innermost, pid namespace: 1 for a container's init), or
 * 0 when there is no such line (kernels before 4.1) or it is malformed.
 */
int ad_status_vpid(const char *text, size_t len);
/* The same line's entry at level (1: the host's pid; 0: the last), and
 * in *depth the number of levels; 0 when absent or malformed. */
int ad_status_nspid(const char *text, size_t len, int level, int *depth);

#define AD_CG_ID_MAX	256
struct ad_cgroup_match {
	const char *runtime;		/* static; NULL for a helper */
	int helper;			/* conmon, lxc monitor, nspawn, VM */
	char id[AD_CG_ID_MAX];		/* full id, or name (LXC, nspawn) */
	char pod_uid[40];		/* "" when none */
	char ns[64];			/* containerd namespace, "" when none */
};
int ad_cgroup_match(const char *text, size_t len, struct ad_cgroup_match *out);

#endif
