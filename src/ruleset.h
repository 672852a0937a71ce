/*
 * ruleset.h - a loaded, compiled rules.d (interface used by the pipeline).
 *
 * Owned by the rules module (ruleset.c, eval.c, grammar/).  A ruleset is
 * immutable once loaded, so a reload builds a new one and swaps it in.
 */
#ifndef AUDRIFT_RULESET_H
#define AUDRIFT_RULESET_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "sink.h"

struct ad_ruleset;

/* Load every *.rules file of dir (lexical order; dir may be NULL) and then
 * the extra files, compile them, and return the ruleset.  On any error,
 * print every diagnostic (file:line:col: error: ..., source line, carets)
 * to errout and return NULL: a rules.d with an error never half-loads.
 * insecure: skip the root-owned / not group-or-world-writable check
 * (tests only, AUDRIFT_INSECURE_RULES=1 or --insecure-rules). */
struct ad_ruleset *ad_ruleset_load(const char *dir, char *const *files,
    int nfiles, int insecure, FILE *errout);
void ad_ruleset_free(struct ad_ruleset *rs);

/* Counts for the summary line and the runs table. */
void ad_ruleset_counts(const struct ad_ruleset *rs, int *files, int *rules,
    int *lists, int *macros);
/* sha256 (hex) over the files loaded, in order: borrowed. */
const char *ad_ruleset_digest(const struct ad_ruleset *rs);

/* Rule i (from 0) of rs, in load order: 0, or -1 past the end.  Names
 * borrowed from rs.  action: enum ad_action (action.h), 0 none, and
 * where it was given (the override's place when a site replaced it). */
struct ad_rule_info {
	const char *name;
	int enabled;
	int action;
	const char *action_at;		/* "file:line:col", NULL none */
};
int ad_ruleset_rule(const struct ad_ruleset *rs, int i,
    struct ad_rule_info *out);

/* Evaluate every candidate rule on ev; call fn once per matching rule.
 * The finding is borrowed for the call.  Returns the number of matches. */
typedef void (*ad_finding_fn)(void *arg, const struct ad_finding *f);
int ad_ruleset_eval(const struct ad_ruleset *rs, const struct ad_event *ev,
    ad_finding_fn fn, void *arg);

/*
 * The kernel interest of a ruleset (interest.c): which directories, file
 * operations and execs the enabled rules can match, so that audrift asks
 * the kernel for exactly those (kernel_rules.c).  ops: bit per enum ad_op,
 * exec excluded.  dirs: absolute, sorted, unique, owned.  undirected:
 * rules that can match file operations but name no directory (the first
 * one's name borrowed from rs).
 */
struct ad_kinterest {
	char **dirs;
	int ndirs;
	uint32_t ops;
	int exec;
	int undirected;
	const char *undirected_rule;
	/* ops of rules that name no directory but can match only in a
	 * container (a positive container.* test): watched on each
	 * container's whole root; the first such rule's name */
	uint32_t ctr_root_ops;
	const char *ctr_root_rule;
};
void ad_ruleset_kinterest(const struct ad_ruleset *rs,
    struct ad_kinterest *ki);
void ad_kinterest_free(struct ad_kinterest *ki);	/* keeps the struct */

#endif
