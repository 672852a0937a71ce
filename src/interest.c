/*
 * interest.c - what the kernel must report for a ruleset: the "kernel
 * interest" that kernel_rules.c turns into audit rules.
 *
 * Derived from the compiled rules (macros and lists already expanded),
 * enabled rules only:
 *   - exec: some rule can match an exec (its op mask, eval.c, has
 *     AD_OP_EXEC: `file.op == exec`, spawned_process, or a rule that
 *     does not restrict file.op at all);
 *   - net: the network operations the rules name (net.op == listen,
 *     ...; a rule that names none is not tried on them, eval.c);
 *   - ops: the union of the rules' op masks without exec: the file
 *     operations some rule can match (every op for a rule that does not
 *     test file.op);
 *   - dirs: the directories the rules name, where a comparison holds in
 *     positive position (not under `not`):
 *         file.dir / file.target_dir  == D, in (D, ...)   -> D
 *         file.path / file.target     startswith P        -> P without its
 *                                         trailing '/', or P's directory
 *         file.path / file.target     == F, in (F, ...)   -> F's directory
 *     `-F dir=` rules cover a subtree, so each is a superset of what the
 *     comparison needs.  "/" is never derived (it would audit every
 *     file operation on the host).  Rules that can match file operations
 *     but name no directory see the events of the dirs other rules name:
 *     they are counted in `undirected`, so the caller can say so;
 *   - ctr_root_ops: unless such a rule can match only in a container (a
 *     conjunct tests a container.* field other than by !=), as
 *     container_filesystem_write does (it tests only what is *not* in
 *     /tmp): then each container's whole root is watched for its ops.
 *     A container's root is its own, so this costs what the container
 *     writes, not what the host does.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "rules_ast.h"
#include "ruleset.h"
#include "util.h"

static void
add_dir(struct ad_kinterest *ki, const char *s, size_t len, int parent)
{
	if (len == 0 || s[0] != '/')
		return;		/* relative: names no place */
	if (parent) {
		while (len > 1 && s[len - 1] != '/')
			len--;
	}
	while (len > 1 && s[len - 1] == '/')
		len--;
	if (len <= 1)
		return;		/* "/": see above */
	ki->dirs = xrealloc(ki->dirs, sizeof(*ki->dirs) *
	    (size_t)(ki->ndirs + 1));
	ki->dirs[ki->ndirs++] = xstrndup(s, len);
}

/* Collect the dirs x names in positive position; returns how many. */
static int
collect(struct ad_kinterest *ki, const struct ad_cexpr *x, int positive)
{
	const char *f;
	int i, n0 = ki->ndirs, parent, slash;

	switch (x->kind) {
	case AD_CX_AND:
	case AD_CX_OR:
		collect(ki, x->l, positive);
		collect(ki, x->r, positive);
		break;
	case AD_CX_NOT:
		collect(ki, x->l, !positive);
		break;
	case AD_CX_CMP:
		if (!positive || x->intcmp)
			break;
		f = x->field->name;
		slash = x->cmp == AD_CMP_STARTSWITH && x->len > 0 &&
		    x->s[x->len - 1] == '/';
		if (strcmp(f, "file.dir") == 0 ||
		    strcmp(f, "file.target_dir") == 0)
			parent = x->cmp == AD_CMP_STARTSWITH && !slash;
		else if (strcmp(f, "file.path") == 0 ||
		    strcmp(f, "file.target") == 0)
			parent = !slash;
		else
			break;
		if (x->cmp == AD_CMP_EQ || x->cmp == AD_CMP_STARTSWITH)
			add_dir(ki, x->s, x->len, parent);
		else if (x->cmp == AD_CMP_IN)
			for (i = 0; i < x->nset; i++)
				add_dir(ki, x->sset[i].s, x->sset[i].len,
				    parent);
		break;
	}
	return ki->ndirs - n0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Can x hold only for an event in a container: a conjunct comparing a
 * container.* field (absent on the host) other than by != ? */
static int
needs_container(const struct ad_cexpr *x)
{
	switch (x->kind) {
	case AD_CX_AND:
		return needs_container(x->l) || needs_container(x->r);
	case AD_CX_OR:
		return needs_container(x->l) && needs_container(x->r);
	case AD_CX_CMP:
		return strncmp(x->field->name, "container.", 10) == 0 &&
		    x->cmp != AD_CMP_NE;
	default:
		return 0;	/* not: holds when the field is absent */
	}
}

void
ad_ruleset_kinterest(const struct ad_ruleset *rs, struct ad_kinterest *ki)
{
	const struct ad_crule *r;
	uint32_t m;
	int i, j, named;

	memset(ki, 0, sizeof(*ki));
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (!r->enabled || r->when == NULL)
			continue;
		m = r->opmask;
		if (m & (1u << AD_OP_EXEC))
			ki->exec = 1;
		ki->net |= m & AD_OPS_NET;
		m &= ~(1u << AD_OP_EXEC) & ~AD_OPS_NET;
		ki->ops |= m;
		named = collect(ki, r->when, 1);
		if (m == 0 || named > 0)
			continue;
		if (needs_container(r->when)) {
			if (ki->ctr_root_ops == 0)
				ki->ctr_root_rule = r->name;
			ki->ctr_root_ops |= m;
		} else if (ki->undirected++ == 0)
			ki->undirected_rule = r->name;
	}
	if (ki->ndirs > 1)
		qsort(ki->dirs, (size_t)ki->ndirs, sizeof(*ki->dirs), cmp_str);
	for (i = j = 0; i < ki->ndirs; i++) {
		if (j > 0 && strcmp(ki->dirs[j - 1], ki->dirs[i]) == 0) {
			free(ki->dirs[i]);
			continue;
		}
		ki->dirs[j++] = ki->dirs[i];
	}
	ki->ndirs = j;
}

void
ad_kinterest_free(struct ad_kinterest *ki)
{
	int i;

	if (ki == NULL)
		return;
	for (i = 0; i < ki->ndirs; i++)
		free(ki->dirs[i]);
	free(ki->dirs);
	memset(ki, 0, sizeof(*ki));
}
