/*
 * comparison.h - the comparisons table (schema v5): one row per
 * comparison `audrift diff --all` performed, the evidence PCI DSS 11.5.2
 * asks for ("critical file comparisons at least weekly"), read back by
 * `audrift report` (report.c).
 */
#ifndef AUDRIFT_COMPARISON_H
#define AUDRIFT_COMPARISON_H

#include <stdint.h>

#include "util.h"

struct sqlite3;

#define AD_CMP_DETAIL_MAX	100	/* paths kept in detail */

/* One comparison; strings are borrowed (NULL: SQL NULL). */
struct ad_comparison {
	const char *kind;	/* "container" or "host" */
	const char *target;	/* container id, or the host dir */
	const char *name;	/* container name, or the host's name */
	const char *image;
	const char *baseline;	/* image, dpkg, rpm, dpkg+rpm, none */
	int64_t files_checked, changed, unverified;
	const char *error;	/* non-NULL: result "error", this in detail */
	struct ad_buf detail;	/* JSON array being built (ad_cmp_add) */
	int ndetail;		/* paths in detail so far */
};

/* Start c (zeroed, its detail array empty) for kind and target. */
void ad_cmp_init(struct ad_comparison *c, const char *kind,
    const char *target);
void ad_cmp_free(struct ad_comparison *c);	/* frees detail only */

/* Note one path and what was found ("modified", "added", "deleted",
 * "replaced", "differs from dpkg:coreutils", "not from a package", ...)
 * in detail; past AD_CMP_DETAIL_MAX paths only the counts grow. */
void ad_cmp_add(struct ad_comparison *c, const char *what,
    const char *path);

/* "error", "changed" or "pass". */
const char *ad_cmp_result(const struct ad_comparison *c);

/* INSERT c, time = now.  0 ok, -1 logged. */
int ad_cmp_record(struct sqlite3 *db, const struct ad_comparison *c);

#endif
