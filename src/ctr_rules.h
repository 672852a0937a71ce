/*
 * ctr_rules.h - per-container kernel rules (issue 6).
 *
 * A rule on the host's /usr/bin does not see writes inside a container:
 * its /usr/bin is another inode on an overlay mount.  For every container
 * the resolver knows, audrift finds that overlay's mount point in its own
 * mount namespace (the "merged" dir: the overlay line of
 * /proc/self/mountinfo with the container's upperdir, or its root device)
 * and installs the same `-F dir=` file rules as for the host's bin dirs on
 * <merged>/bin, /sbin, /usr/bin, ... with key AD_KEY_CTR.  The kernel then
 * reports container-side names (name=/usr/bin/evil) on the overlay's
 * device, which the resolver attributes.
 *
 * A container's rules go when it leaves the resolver (gc) or its merged
 * dir is no longer mounted, and move with the host's plan on SIGHUP; all of them go at exit with every other
 * audrift- rule (ad_krules_remove_ours).  Not thread-safe: the event
 * thread owns it, like the resolver.
 */
#ifndef AUDRIFT_CTR_RULES_H
#define AUDRIFT_CTR_RULES_H

#include <stdint.h>

#include "resolver.h"

struct ad_ctr_rules;

/*
 * fd: audit_open() control socket (borrowed).  mountinfo: the mount table
 * the rules' paths resolve in, "/proc/self/mountinfo" normally.  host_root
 * as given to the resolver ("/" normally): stripped from the resolver's
 * upperdir before comparing.  Returns an owned object.
 */
struct ad_ctr_rules *ad_ctr_rules_new(int fd, const char *mountinfo,
    const char *host_root);
/* The host's plan (borrowed, kept alive by the caller): containers get
 * its watch dirs and ops under their merged root.  Without one, the
 * default essential dirs and every op.  Applies to containers whose
 * rules are installed after the call. */
struct ad_krule_plan;
void ad_ctr_rules_scope(struct ad_ctr_rules *cr,
    const struct ad_krule_plan *host);
/*
 * The host's plan changed (SIGHUP; the same object ad_ctr_rules_scope was
 * given, now holding the new plan): move every covered container's rules
 * to the new dirs and ops, touching only what changed.  Returns the
 * number of containers whose rules were moved.
 */
int ad_ctr_rules_rescope(struct ad_ctr_rules *cr);
/* Frees; the kernel rules stay (kernel_restore removes them by key). */
void ad_ctr_rules_free(struct ad_ctr_rules *cr);	/* NULL: no-op */

/* Does cr know container id (rules installed, or tried)?  For the
 * "first event of a new container" hook; a strcmp per known container. */
int ad_ctr_rules_known(const struct ad_ctr_rules *cr, const char *id);

/*
 * Bring the kernel in line with res: install rules for containers new to
 * cr whose merged dir is mounted (a container whose mount is not found is
 * tried again on the next few syncs), remove those of containers gone
 * from res or unmounted.  Call between events.  Returns the number of
 * containers whose rules changed.
 */
int ad_ctr_rules_sync(struct ad_ctr_rules *cr, struct ad_resolver *res);

/*
 * For `audrift containers`: c's merged dir (owned into *merged, NULL when
 * not mounted here) and how many of the audrift-ctr rules it should have
 * the kernel has (*present).  Returns the number it should have (0: not
 * mounted, or no bin dir), or -1 when the mount table or the kernel's
 * rule list could not be read.
 */
int ad_ctr_rules_coverage(struct ad_ctr_rules *cr,
    const struct ad_container *c, char **merged, int *present);

/*
 * After someone (or the kernel, when an overlay is unmounted) removed
 * audrift-ctr rules: put back the rules of containers still mounted.
 * Returns the number of rules that were missing for such containers
 * (tampering), or -1 when the kernel's list could not be read.
 */
int ad_ctr_rules_verify(struct ad_ctr_rules *cr);

#endif
