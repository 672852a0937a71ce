/*
 * lineage.h - container attribution from the audit stream itself.
 *
 * An OCI runtime's own exec record names the container it starts:
 * `runc|crun|youki create|run|exec ... <id>`, `conmon ... -c <id>`,
 * `containerd-shim-runc-v2 ... -id <id>`.  Every exec record gives a
 * pid and its parent, so the container's processes descend from that
 * runtime process: a process that is gone before any /proc read is
 * still attributed by its ancestry.  Entries are kept per pid in a
 * fixed table (a colliding pid evicts the older entry); the resolver
 * asks only when /proc, its cache and the overlay device cannot answer.
 */
#ifndef AUDRIFT_LINEAGE_H
#define AUDRIFT_LINEAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

#define AD_LINEAGE_ID_MAX	72

struct ad_lineage;

struct ad_lineage *ad_lineage_new(size_t cap);	/* 0: the default */
void ad_lineage_free(struct ad_lineage *l);	/* NULL: no-op */

/*
 * Learn from exec event ev: a runtime process naming a container
 * becomes that container's runtime node; any other process inherits
 * its parent's container.  ctr_id: the container the resolver already
 * attributed ev to (NULL: none or not known), recorded for the
 * descendants; an exec attributed to a container is never a runtime
 * node, whatever its name (a fake `conmon -c <other id>` in a container
 * names nothing).
 */
void ad_lineage_exec(struct ad_lineage *l, const struct ad_event *ev,
    const char *ctr_id, const char *ctr_runtime);

/* The container pid (else its parent ppid) descends from, for an event
 * at wall time t_ms (an entry only speaks for events at or after the
 * exec that made it: an older event had another process under that
 * pid): its id and the runtime the records suggest (static), or NULL. */
const char *ad_lineage_lookup(const struct ad_lineage *l, pid_t pid,
    pid_t ppid, int64_t t_ms, const char **runtime);

/*
 * Pure, for tests: does an exec of exe (its basename) with argv name a
 * container?  1 with id (cap bytes) and *runtime set; 0 a runtime's
 * process naming none (`runc init`, `runc --version`); -1 not a
 * runtime's.
 */
int ad_lineage_runtime_id(const char *exe, int argc,
    const struct ad_str *argv, char *id, size_t cap, const char **runtime);

#endif
