/*
 * discover.h - what changed in a container before audrift covered it.
 *
 * A container whose arming lost the race (its entrypoint wrote before
 * its root overlay joined the audit tree), that was running before
 * audrift started, or that audrift learned of only after it exited, is
 * still examined: its upper layer holds every change since the image.
 * The files there under the watched dirs are reported as events with
 * attribution AD_ATTR_LATE and no syscall (docs/containers.md).
 */
#ifndef AUDRIFT_DISCOVER_H
#define AUDRIFT_DISCOVER_H

#include <stdint.h>
#include <sys/stat.h>

#include "container.h"
#include "event.h"

/*
 * Walk c's upper dir under each of dirs (paths as the container sees
 * them: "/usr/bin"), resolved inside the layer (a symlink in it never
 * leads out), one level deep, at most max entries.  Entries changed
 * (ctime) at or after since_ms are left out: those were covered by the
 * kernel rules, and their events come from the kernel.  fn gets the
 * path in the container, its stat, and the operation that best names
 * the change: AD_OP_UNLINK for a whiteout, AD_OP_CREATE for a file the
 * image lacks, AD_OP_OPEN_WRITE for one it has.  Returns the number of
 * entries reported, or -1 when c has no known upper dir.
 */
int ad_discover_upper(const struct ad_container *c, char *const *dirs,
    int ndirs, int64_t since_ms, int max,
    void (*fn)(void *arg, const char *path, const struct stat *st,
    enum ad_op op), void *arg);

#endif
