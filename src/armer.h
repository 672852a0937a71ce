/*
 * armer.h - every container's root filesystem covered as it is mounted.
 *
 * One pair of `-F dir=` rules on AD_ANCHOR_DIR (kernel_rules.h) stands
 * for every container: the kernel's audit trees (kernel/audit_tree.c)
 * tag mounts, and AUDIT_MAKE_EQUIV joins a mount to a tree.  The armer
 * is a thread that waits on the mount table (poll() on
 * /proc/self/mountinfo wakes with POLLPRI on every mount and unmount),
 * joins each new overlay root mount to the anchor's tree on its own
 * audit socket, and tells the event thread what was mounted and
 * unmounted, with times.  An unmounted overlay leaves the tree by
 * itself; the rules stay.  Nothing here depends on how many containers
 * run, except the size of the mount table it reads.
 *
 * Its requests go on a socket of its own: while the kernel's queue is
 * over backlog_limit, any audit request puts its sender to sleep for up
 * to backlog_wait_time (kernel/audit.c, audit_receive), and that must
 * not be the event thread.
 */
#ifndef AUDRIFT_ARMER_H
#define AUDRIFT_ARMER_H

#include <stdint.h>

#include "mounts.h"

enum ad_arm_kind { AD_ARM_MOUNTED, AD_ARM_UNMOUNTED };

struct ad_arm_notice {
	enum ad_arm_kind kind;
	struct ad_mount m;	/* owned by the notice */
	int64_t seen_ms;	/* wall ms: the table showed the change */
	int64_t armed_ms;	/* wall ms: the kernel acked; 0 if the join
				 * failed or the armer joins nothing */
	int err;		/* errno of a failed join, 0 ok */
};

struct ad_armer_stats {
	uint64_t wakeups;	/* mount table changes read */
	uint64_t armed;		/* mounts joined */
	uint64_t failed;	/* joins the kernel refused */
	uint64_t unmounted;
	uint64_t dropped;	/* notices over the queue's bound */
	uint64_t torn;		/* malformed table lines (a torn read) */
};

struct ad_armer;

/*
 * Start the thread.  mountinfo: the table to watch ("/proc/self/
 * mountinfo"); anchor: the tree's directory (borrowed; NULL: join
 * nothing, only report mounts).  The current overlays are joined before
 * this returns, so that a caller's scan that follows sees them covered.
 * Returns an owned armer, or NULL (logged).
 */
struct ad_armer *ad_armer_start(const char *mountinfo, const char *anchor);
/* Stops and joins the thread; frees what waits.  NULL: no-op. */
void ad_armer_stop(struct ad_armer *a);

/* A descriptor readable while notices wait (poll() it). */
int ad_armer_fd(const struct ad_armer *a);
/* Take every waiting notice: *out (owned, ad_armer_notices_free) and the
 * count. */
size_t ad_armer_take(struct ad_armer *a, struct ad_arm_notice **out);
void ad_armer_notices_free(struct ad_arm_notice *v, size_t n);

/* Join every mounted overlay again (the anchor's rules were replaced:
 * SIGHUP, tampering).  Asynchronous; returns at once. */
void ad_armer_rejoin(struct ad_armer *a);

void ad_armer_stats(struct ad_armer *a, struct ad_armer_stats *out);

#endif
