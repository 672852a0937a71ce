/*
 * ctr_rules.c - install and remove the kernel rules of each container's
 * essential bin dirs, through its merged overlay dir on the host.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctr_rules.h"
#include "kernel_rules.h"
#include "log.h"
#include "util.h"

#define FIND_TRIES	3	/* syncs that look for an unfound mount */

struct ctr_ent {
	char *id;		/* owned: the container's full id */
	char *upper;		/* owned: upperdir as mountinfo spells it, or
				 * NULL (match by device only) */
	unsigned major, minor;	/* root overlay device */
	int has_dev;
	char *merged;		/* owned: mount point, NULL until found */
	int tries;		/* syncs that did not find the mount */
	struct ad_krule_plan plan;	/* rules in the kernel (n 0: none) */
	int seen;		/* this sync: still in the resolver */
};

struct ad_ctr_rules {
	int fd;
	char *mountinfo;
	char *root;		/* host root without trailing slash; "" for / */
	struct ctr_ent *v;
	size_t n, cap;
	const struct ad_krule_plan *host;	/* dirs and ops; borrowed */
};

void
ad_ctr_rules_scope(struct ad_ctr_rules *cr, const struct ad_krule_plan *host)
{
	if (cr != NULL)
		cr->host = host;
}

struct ad_ctr_rules *
ad_ctr_rules_new(int fd, const char *mountinfo, const char *host_root)
{
	struct ad_ctr_rules *cr = xcalloc(1, sizeof(*cr));
	size_t len;

	cr->fd = fd;
	cr->mountinfo = xstrdup(mountinfo);
	cr->root = xstrdup(host_root != NULL ? host_root : "/");
	len = strlen(cr->root);
	while (len > 0 && cr->root[len - 1] == '/')
		cr->root[--len] = '\0';
	return cr;
}

static void
ent_clear(struct ctr_ent *e)
{
	free(e->id);
	free(e->upper);
	free(e->merged);
	ad_krules_plan_free(&e->plan);
}

void
ad_ctr_rules_free(struct ad_ctr_rules *cr)
{
	size_t i;

	if (cr == NULL)
		return;
	for (i = 0; i < cr->n; i++)
		ent_clear(&cr->v[i]);
	free(cr->v);
	free(cr->mountinfo);
	free(cr->root);
	free(cr);
}

static struct ctr_ent *
ent_find(const struct ad_ctr_rules *cr, const char *id)
{
	size_t i;

	for (i = 0; i < cr->n; i++)
		if (strcmp(cr->v[i].id, id) == 0)
			return &cr->v[i];
	return NULL;
}

int
ad_ctr_rules_known(const struct ad_ctr_rules *cr, const char *id)
{
	return ent_find(cr, id) != NULL;
}

/*
 * The mount point of e's overlay in mountinfo text (one line per mount,
 * NUL-terminated copy we may write into): an overlay whose super options
 * hold upperdir=e->upper, or whose device is e's root device.  The last
 * such line wins (the topmost mount).  Returns owned, or NULL.
 */
static char *
find_merged(char *text, const struct ctr_ent *e)
{
	char *line, *save = NULL, *found = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *f[6], *p, *sep, *fstype, *opts, *tok, *s2 = NULL;
		unsigned maj, min;
		int i, match = 0;

		/* id parent maj:min root mountpoint opts [opt...] - fs src so */
		p = line;
		for (i = 0; i < 6 && p != NULL; i++) {
			f[i] = p;
			if ((p = strchr(p, ' ')) != NULL)
				*p++ = '\0';
		}
		if (i < 6 || p == NULL || (sep = strstr(p, "- ")) == NULL)
			continue;
		fstype = sep + 2;
		if ((p = strchr(fstype, ' ')) == NULL)
			continue;
		*p++ = '\0';
		if (strcmp(fstype, "overlay") != 0 || strcmp(f[3], "/") != 0)
			continue;
		if ((opts = strchr(p, ' ')) == NULL)	/* skip the source */
			continue;
		opts++;
		if (e->has_dev && sscanf(f[2], "%u:%u", &maj, &min) == 2 &&
		    maj == e->major && min == e->minor)
			match = 1;
		for (tok = strtok_r(opts, ",", &s2); tok != NULL && !match &&
		    e->upper != NULL; tok = strtok_r(NULL, ",", &s2))
			if (strncmp(tok, "upperdir=", 9) == 0) {
				ad_unoctal(tok + 9);
				match = strcmp(tok + 9, e->upper) == 0;
			}
		if (!match)
			continue;
		ad_unoctal(f[4]);
		free(found);
		found = xstrdup(f[4]);
	}
	return found;
}

/* The whole mountinfo file, NUL-terminated (owned), or NULL (logged). */
static char *
read_mountinfo(const struct ad_ctr_rules *cr)
{
	FILE *fp = fopen(cr->mountinfo, "re");
	struct ad_buf b;
	char chunk[8192];
	size_t n;

	if (fp == NULL) {
		log_warn("%s: cannot read the mount table; container kernel "
		    "rules not installed", cr->mountinfo);
		return NULL;
	}
	ad_buf_init(&b);
	ad_buf_addc(&b, '\0');		/* allocated even when empty */
	b.len = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		ad_buf_add(&b, chunk, n);
	fclose(fp);
	return b.p;
}

/*
 * The plan for e: every host watch dir (derived from the rules, see
 * ad_ctr_rules_scope; else the essential bin dirs) that exists in the
 * container as a real directory, reached through no symlink (realpath of
 * the host path is itself): a symlink in the image (/bin -> usr/bin) is
 * covered by its target, and an absolute one must not lead a rule out of
 * the container.
 */
static void
plan_for(const struct ad_ctr_rules *cr, struct ctr_ent *e)
{
	const struct ad_krule_plan *h = cr->host;
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int i, n = h ? h->nwatch : 0;

	for (i = 0; h ? i < n : ad_default_watch_dirs[i] != NULL; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s%s", e->merged,
		    h ? h->watch[i] : ad_default_watch_dirs[i]) >=
		    sizeof(path))
			continue;
		if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) ||
		    realpath(path, real) == NULL || strcmp(real, path) != 0)
			continue;
		ad_krules_plan_add_dir(&e->plan, path, h ? h->ops :
		    AD_KOPS_ALL, AD_KEY_CTR);
	}
	/* rules that watch every file of a container (ctr_root_ops) */
	if (h != NULL && h->ctr_root_ops != 0)
		ad_krules_plan_add_dir(&e->plan, e->merged, h->ctr_root_ops,
		    AD_KEY_CTR);
}

static void
ent_remove_rules(struct ad_ctr_rules *cr, struct ctr_ent *e, const char *why)
{
	int n;

	if (e->plan.n == 0)
		return;
	n = ad_krules_delete(cr->fd, &e->plan);
	log_info("container %.12s %s: removed %d of its %d kernel rules",
	    e->id, why, n, e->plan.n);
	ad_krules_plan_free(&e->plan);
}

/* A fresh mountinfo copy for each search (find_merged writes into it). */
static int
ent_install(struct ad_ctr_rules *cr, struct ctr_ent *e, const char *mi)
{
	char *text = xstrdup(mi), path[PATH_MAX];
	struct stat st;
	int n;

	e->merged = find_merged(text, e);
	free(text);
	if (e->merged == NULL) {
		/* a container that already exited has no upper dir left:
		 * nothing to say; one that has is mounted elsewhere */
		if (++e->tries == FIND_TRIES && e->upper != NULL &&
		    (size_t)snprintf(path, sizeof(path), "%s%s", cr->root,
		    e->upper) < sizeof(path) && stat(path, &st) == 0)
			log_warnx("container %.12s: its overlay is not mounted "
			    "in audrift's mount namespace; no kernel rules for "
			    "it (its writes in bin dirs go unseen)", e->id);
		return 0;
	}
	plan_for(cr, e);
	if (e->plan.n == 0) {
		log_info("container %.12s: no essential bin dir under %s",
		    e->id, e->merged);
		return 0;
	}
	n = ad_krules_install(cr->fd, &e->plan);
	log_info("container %.12s: %d of %d kernel rules installed on %s",
	    e->id, n, e->plan.n, e->merged);
	return 1;
}

/* Is e's merged dir still a mount point in mi? */
static int
still_mounted(const struct ctr_ent *e, const char *mi)
{
	char *text = xstrdup(mi), *m = find_merged(text, e);
	int ok = m != NULL && strcmp(m, e->merged) == 0;

	free(m);
	free(text);
	return ok;
}

/* What the resolver knows of c that finds its mount: upper dir (as the
 * mount table spells it, host root stripped) and root device. */
static void
ent_learn(const struct ad_ctr_rules *cr, struct ctr_ent *e,
    const struct ad_container *c)
{
	size_t rlen = strlen(cr->root);

	if (e->upper == NULL && c->upperdir != NULL &&
	    strncmp(c->upperdir, cr->root, rlen) == 0)
		e->upper = xstrdup(c->upperdir + rlen);
	if (!e->has_dev && c->has_root_dev) {
		e->major = c->root_dev_major;
		e->minor = c->root_dev_minor;
		e->has_dev = 1;
	}
}

int
ad_ctr_rules_coverage(struct ad_ctr_rules *cr, const struct ad_container *c,
    char **merged, int *present)
{
	struct ctr_ent e;
	char *mi;
	int *have, i, n;

	*merged = NULL;
	*present = 0;
	if ((mi = read_mountinfo(cr)) == NULL)
		return -1;
	memset(&e, 0, sizeof(e));
	ent_learn(cr, &e, c);
	e.merged = find_merged(mi, &e);
	free(mi);
	if (e.merged != NULL)
		plan_for(cr, &e);
	n = e.plan.n;
	if (n > 0) {
		have = xcalloc((size_t)n, sizeof(*have));
		if (ad_krules_check(cr->fd, &e.plan, have) < 0)
			n = -1;
		for (i = 0; n > 0 && i < n; i++)
			*present += have[i];
		free(have);
	}
	*merged = e.merged;
	e.merged = NULL;
	ent_clear(&e);
	return n;
}

int
ad_ctr_rules_sync(struct ad_ctr_rules *cr, struct ad_resolver *res)
{
	const struct ad_container *c;
	struct ctr_ent *e;
	char *mi;
	size_t i, j;
	int changed = 0;

	if (cr->n == 0 && ad_resolver_container(res, 0) == NULL)
		return 0;		/* no container: no mount table read */
	if ((mi = read_mountinfo(cr)) == NULL)
		return 0;
	for (i = 0; i < cr->n; i++)
		cr->v[i].seen = 0;
	for (i = 0; (c = ad_resolver_container(res, i)) != NULL; i++) {
		if ((e = ent_find(cr, c->id)) == NULL) {
			if (cr->n == cr->cap) {
				cr->cap = cr->cap ? cr->cap * 2 : 8;
				cr->v = xrealloc(cr->v, cr->cap *
				    sizeof(*cr->v));
			}
			e = &cr->v[cr->n++];
			memset(e, 0, sizeof(*e));
			e->id = xstrdup(c->id);
		}
		e->seen = 1;
		ent_learn(cr, e, c);
		if (e->merged == NULL && e->tries < FIND_TRIES &&
		    (e->upper != NULL || e->has_dev))
			changed += ent_install(cr, e, mi);
	}
	for (i = j = 0; i < cr->n; i++) {
		e = &cr->v[i];
		if (!e->seen) {
			ent_remove_rules(cr, e, "is gone");
			ent_clear(e);
			changed++;
			continue;
		}
		if (e->merged != NULL && !still_mounted(e, mi)) {
			ent_remove_rules(cr, e, "was unmounted");
			free(e->merged);
			e->merged = NULL;
			e->tries = FIND_TRIES;	/* stopped: do not look again */
			changed++;
		}
		cr->v[j++] = *e;
	}
	cr->n = j;
	free(mi);
	return changed;
}

int
ad_ctr_rules_rescope(struct ad_ctr_rules *cr)
{
	struct ad_krule_plan old;
	struct ctr_ent *e;
	size_t i;
	int n, removed, moved = 0;

	if (cr == NULL)
		return 0;
	for (i = 0; i < cr->n; i++) {
		e = &cr->v[i];
		if (e->merged == NULL)
			continue;	/* gets the new plan when found */
		old = e->plan;
		memset(&e->plan, 0, sizeof(e->plan));
		plan_for(cr, e);
		n = ad_krules_update(cr->fd, &old, &e->plan, &removed);
		log_info("container %.12s: kernel rules moved with the rules: "
		    "%d removed, %d of %d in place", e->id, removed, n,
		    e->plan.n);
		ad_krules_plan_free(&old);
		moved++;
	}
	return moved;
}

int
ad_ctr_rules_verify(struct ad_ctr_rules *cr)
{
	int *present, missing, total = 0;
	size_t i;
	char *mi;

	if ((mi = read_mountinfo(cr)) == NULL)
		return -1;
	for (i = 0; i < cr->n; i++) {
		struct ctr_ent *e = &cr->v[i];

		if (e->plan.n == 0)
			continue;
		if (!still_mounted(e, mi)) {
			/* the kernel drops a dir= rule with its tree */
			ent_remove_rules(cr, e, "was unmounted");
			free(e->merged);
			e->merged = NULL;
			e->tries = FIND_TRIES;
			continue;
		}
		present = xcalloc((size_t)e->plan.n, sizeof(*present));
		missing = ad_krules_check(cr->fd, &e->plan, present);
		free(present);
		if (missing < 0) {
			free(mi);
			return -1;
		}
		if (missing > 0) {
			ad_krules_install(cr->fd, &e->plan);
			total += missing;
		}
	}
	free(mi);
	return total;
}
