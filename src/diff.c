/*
 * diff.c - `audrift diff CONTAINER` (what changed in a container's
 * overlay upper dir since its image: the playbook's Investigate step) and
 * `audrift containers` (running containers and audrift's coverage).
 *
 * Both find containers the way the event path does: a resolver scan of
 * /proc (resolver.h).  Files are read through the layer lookup of
 * evidence.h: nothing is followed out of a layer.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libaudit.h>
#include <sqlite3.h>

#include "action.h"
#include "commands.h"
#include "diff.h"
#include "evidence.h"
#include "kernel_rules.h"
#include "log.h"
#include "pipeline.h"
#include "ruleset.h"
#include "resolver.h"
#include "util.h"

#define DIFF_DEPTH_MAX	128

/* ---- finding the container -------------------------------------------- */

const struct ad_container *
ad_diff_find_container(struct ad_resolver *r, const char *arg)
{
	const struct ad_container *c, *hit = NULL;
	size_t i, alen = strlen(arg);
	int nprefix = 0;

	for (i = 0; (c = ad_resolver_container(r, i)) != NULL; i++) {
		if (strcmp(c->id, arg) == 0 ||
		    (c->name != NULL && strcmp(c->name, arg) == 0))
			return c;
		if (alen > 0 && strncmp(c->id, arg, alen) == 0) {
			hit = c;
			nprefix++;
		}
	}
	if (nprefix == 1)
		return hit;
	if (nprefix > 1)
		log_warnx("'%s' is the start of %d container ids: give more "
		    "of the id (audrift containers lists them)", arg, nprefix);
	else
		log_warnx("no running container has the id or name '%s': "
		    "audrift containers lists the running ones (run as root "
		    "to see every container's processes)", arg);
	return NULL;
}

struct ad_resolver *
ad_diff_scan(const char *cmd)
{
	struct ad_resolver *r = ad_resolver_new("/proc", "/", 0);

	if (ad_resolver_scan(r) < 0) {
		log_warnx("%s: cannot read /proc; run it on the host, as root",
		    cmd);
		ad_resolver_free(r);
		return NULL;
	}
	return r;
}

/* Text from a container for a terminal (ad_esc_text), padded to width
 * columns and cut at max (0: no limit). */
static void
put_safe_w(FILE *f, const char *s, size_t width, size_t max)
{
	struct ad_buf b;
	size_t len = strlen(s), w;

	ad_buf_init(&b);
	if (max > 0 && len > max)
		len = max;
	w = ad_esc_text(&b, s, len);
	fwrite(b.p, 1, b.len, f);
	for (; w < width; w++)
		fputc(' ', f);
	ad_buf_free(&b);
}

static void
put_safe(FILE *f, const char *s)
{
	put_safe_w(f, s, 0, 0);
}

/* ---- diff ----------------------------------------------------------------- */

struct diff {
	const char *const *layers;	/* upper, lowers..., NULL */
	FILE *f;
	int json;
	struct ad_buf out;
	int n;			/* changes listed */
};

/* One change: what it is, the file now (st; NULL for deleted) and the
 * image's file. */
static void
diff_emit(struct diff *d, const char *change, const char *path,
    const struct stat *st)
{
	char sha[AD_EVIDENCE_TEXT], img[AD_EVIDENCE_TEXT];
	struct stat ist, cst;
	size_t at;

	strcpy(sha, "-");
	if (st != NULL && S_ISREG(st->st_mode)) {
		cst = *st;
		ad_evidence_hash(d->layers[0], path, &cst,
		    AD_EVIDENCE_MAX_BYTES, 0, sha, NULL);
	}
	strcpy(img, "absent in image");
	if (ad_layers_find(d->layers, 1, path, &ist, &at) == AD_LAYER_FOUND) {
		snprintf(img, sizeof(img), "%s in image", ad_file_kind(ist.st_mode));
		if (S_ISREG(ist.st_mode))
			ad_evidence_hash(d->layers[at], path, &ist,
			    AD_EVIDENCE_MAX_BYTES, 0, img, NULL);
	}
	d->n++;
	if (d->json) {
		ad_buf_reset(&d->out);
		ad_buf_addc(&d->out, '{');
		ad_json_member_str(&d->out, "change", change, strlen(change));
		ad_json_member_str(&d->out, "path", path, strlen(path));
		if (st != NULL) {
			ad_json_member_str(&d->out, "type",
			    ad_file_kind(st->st_mode), strlen(ad_file_kind(st->st_mode)));
			ad_json_member_int(&d->out, "mode", st->st_mode & 07777);
			ad_json_member_int(&d->out, "uid", st->st_uid);
			ad_json_member_int(&d->out, "gid", st->st_gid);
			ad_json_member_int(&d->out, "size", st->st_size);
		}
		ad_json_member_str(&d->out, "sha256", st ? sha : NULL,
		    strlen(sha));
		ad_json_member_str(&d->out, "image_sha256", img, strlen(img));
		ad_buf_addc(&d->out, '}');
		ad_buf_addc(&d->out, '\n');
		fwrite(d->out.p, 1, d->out.len, d->f);
		return;
	}
	fprintf(d->f, "%-8s %-7s ", change, st ? ad_file_kind(st->st_mode) : "-");
	if (st != NULL)
		fprintf(d->f, "%04o %5u:%-5u ", (unsigned)(st->st_mode & 07777),
		    (unsigned)st->st_uid, (unsigned)st->st_gid);
	else
		fprintf(d->f, "%4s %11s ", "-", "-");
	fprintf(d->f, "%-64s %-64s ", sha, img);
	put_safe(d->f, path);
	fputc('\n', d->f);
}

/* Walk the upper dir below rel ("" for the root), its fd dfd (owned). */
static void
diff_walk(struct diff *d, int dfd, char *rel, size_t len, int depth)
{
	struct dirent *de;
	struct stat st, ist;
	size_t nl, at;
	int cfd, opaque, in_image;
	DIR *dir;

	if ((dir = fdopendir(dfd)) == NULL) {
		close(dfd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		nl = strlen(de->d_name);
		if (len + 1 + nl + 1 > PATH_MAX) {
			log_warnx("diff: a path below /%s is too long to "
			    "show; it is skipped", rel);
			continue;
		}
		rel[len] = '/';
		memcpy(rel + len + 1, de->d_name, nl + 1);
		if (fstatat(dirfd(dir), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
			goto next;
		in_image = ad_layers_find(d->layers, 1, rel, &ist, &at) ==
		    AD_LAYER_FOUND;
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) {
			diff_emit(d, "deleted", rel, NULL);
			goto next;
		}
		if (!S_ISDIR(st.st_mode)) {
			diff_emit(d, in_image ? "modified" : "added", rel, &st);
			goto next;
		}
		cfd = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		opaque = cfd >= 0 && ad_layer_is_opaque(cfd);
		if (!in_image || !S_ISDIR(ist.st_mode))
			diff_emit(d, in_image ? "modified" : "added", rel, &st);
		else if (opaque)	/* the image's contents are hidden */
			diff_emit(d, "replaced", rel, &st);
		if (cfd >= 0 && depth < DIFF_DEPTH_MAX)
			diff_walk(d, cfd, rel, len + 1 + nl, depth + 1);
		else if (cfd >= 0)
			close(cfd);
	next:
		rel[len] = '\0';
	}
	closedir(dir);
}

int
ad_diff_layers(const char *const *layers, int json, FILE *f)
{
	struct diff d;
	char rel[PATH_MAX];
	int fd;

	if ((fd = open(layers[0], O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -1;
	memset(&d, 0, sizeof(d));
	d.layers = layers;
	d.json = json;
	d.f = f;
	ad_buf_init(&d.out);
	if (!json)
		fprintf(f, "%-8s %-7s %4s %11s %-64s %-64s %s\n", "CHANGE",
		    "TYPE", "MODE", "UID:GID", "SHA256", "IMAGE_SHA256", "PATH");
	rel[0] = '\0';
	diff_walk(&d, fd, rel, 0, 0);
	ad_buf_free(&d.out);
	return d.n;
}

static void
diff_usage(FILE *f)
{
	fprintf(f, "usage: audrift diff [--format table|json] CONTAINER\n"
	    "  CONTAINER         a running container's id, id prefix or "
	    "name\n"
	    "  --format F        table (default) or json (one object per "
	    "line)\n"
	    "Lists what changed in the container's writable (upper) layer "
	    "since its image:\nadded, modified, deleted (whiteouts) and "
	    "replaced (opaque) paths, with the\nsha256 of the file now and "
	    "of the image's file.\n");
}

int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ad_container *c;
	struct ad_resolver *r;
	const char **layers;
	size_t n = 0;
	int ch, json = 0, nch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "table") == 0)
				json = 0;
			else if (strcmp(optarg, "json") == 0)
				json = 1;
			else {
				log_warnx("diff: bad --format '%s': give table "
				    "or json", optarg);
				return 2;
			}
			break;
		case 'h':
			diff_usage(stdout);
			return 0;
		default:
			diff_usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		log_warnx("diff: give one container (id, id prefix or name); "
		    "audrift containers lists them");
		return 2;
	}
	if ((r = ad_diff_scan("diff")) == NULL)
		return 1;
	if ((c = ad_diff_find_container(r, argv[optind])) == NULL) {
		ad_resolver_free(r);
		return 1;
	}
	if (c->lowerdirs != NULL)
		while (c->lowerdirs[n] != NULL)
			n++;
	layers = xcalloc(n + 2, sizeof(*layers));
	layers[0] = c->upperdir;
	if (n > 0)
		memcpy(layers + 1, c->lowerdirs, n * sizeof(*layers));
	if (c->upperdir == NULL || c->lowerdirs == NULL ||
	    (nch = ad_diff_layers(layers, json, stdout)) < 0) {
		free(layers);
		log_warnx("diff: container %.12s has no overlay upper dir that "
		    "audrift can read (not an overlay root, or another mount "
		    "namespace): inspect it with its runtime (podman diff)",
		    c->id);
		ad_resolver_free(r);
		return 1;
	}
	fflush(stdout);
	if (!json && nch == 0)
		fprintf(stderr, "container %.12s: no change since its image\n",
		    c->id);
	free(layers);
	ad_resolver_free(r);
	return 0;
}

/* ---- containers ------------------------------------------------------- */

/* Findings the database holds for container id: count and last time. */
static int
db_seen(sqlite3 *db, const char *id, char *last, size_t cap)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	last[0] = '\0';
	if (db == NULL || sqlite3_prepare_v2(db, "SELECT count(*), max(time) "
	    "FROM findings WHERE container_id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int(st, 0);
		if (sqlite3_column_text(st, 1) != NULL)
			snprintf(last, cap, "%s",
			    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return n;
}

/* "frozen" (audrift freeze, a rule's action, podman pause), "running",
 * or "?" when its cgroup cannot be read. */
static const char *
ctr_state(const char *id)
{
	struct ad_cgtarget t;
	char why[256];
	pid_t pid;

	if (ad_cgroup_locate("/proc", "/sys/fs/cgroup", 0, id, &t, &pid, why,
	    sizeof(why)) != 0)
		return "?";
	switch (ad_cgroup_frozen(&t)) {
	case 1:
		return "frozen";
	case 0:
		return "running";
	default:
		return "?";
	}
}

static void
containers_usage(FILE *f)
{
	fprintf(f, "usage: audrift containers [--rules DIR] [--db PATH]\n"
	    "Lists running containers (runtime, id, name, image, pod) and "
	    "audrift's\ncoverage of each (armed: its root overlay is mounted "
	    "and audrift's\naudrift-ctr rules, derived from the rules in DIR "
	    "as audrift run derives\nthem, are in the kernel; no-rules: "
	    "start audrift run; unmounted), its state\n(running, or frozen: "
	    "audrift thaw resumes it) and, with --db, the findings\nrecorded "
	    "for it.\n");
}

int
cmd_containers(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ad_container *c;
	struct ad_krule_plan plan;
	struct ad_ruleset *rs;
	const char *rdir = NULL;
	struct ad_resolver *r;
	const char *dbpath = NULL;
	sqlite3 *db = NULL;
	char rules[32], seen[64], last[64];
	int ch, fd, nseen, anchored = -1, *present, k;
	size_t i;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dbpath = optarg;
			break;
		case 'r':
			rdir = optarg;
			break;
		case 'h':
			containers_usage(stdout);
			return 0;
		default:
			containers_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		containers_usage(stderr);
		return 2;
	}
	if (rdir == NULL)
		rdir = ad_default_rules_dir();
	memset(&plan, 0, sizeof(plan));
	if ((rs = ad_ruleset_load(rdir, NULL, 0,
	    getenv("AUDRIFT_INSECURE_RULES") != NULL, stderr)) == NULL ||
	    ad_krules_plan_rules(&plan, rs, NULL, 0) != 0) {
		log_warnx("containers: the rules in %s did not load; fix the "
		    "errors above (audrift check --rules %s) or name the "
		    "rules audrift run uses (--rules)", rdir, rdir);
		ad_ruleset_free(rs);
		ad_krules_plan_free(&plan);
		return 1;
	}
	ad_ruleset_free(rs);
	if (dbpath != NULL && sqlite3_open_v2(dbpath, &db,
	    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		log_warnx("containers: cannot open %s: %s; give the database "
		    "audrift run writes (--db)", dbpath, sqlite3_errmsg(db));
		sqlite3_close(db);
		ad_krules_plan_free(&plan);
		return 1;
	}
	if ((r = ad_diff_scan("containers")) == NULL) {
		ad_krules_plan_free(&plan);
		sqlite3_close(db);
		return 1;
	}
	/* coverage: the anchor's rules in the kernel (a running audrift
	 * joins every root overlay to their tree) and the container's
	 * root overlay mounted in this mount namespace */
	if ((fd = audit_open()) >= 0) {
		present = xcalloc((size_t)plan.n + 1, sizeof(*present));
		if (ad_krules_check(fd, &plan, present) >= 0)
			for (k = 0, anchored = 0; k < plan.n; k++)
				if (strcmp(plan.rules[k].key, AD_KEY_CTR) == 0)
					anchored += present[k] ? 1 : 0;
		free(present);
	} else
		log_warnx("containers: cannot open the audit control socket "
		    "(needs root): rule coverage shows as '?'");
	printf("%-10s %-12s %-20s %-28s %-10s %-9s %-7s %s\n", "RUNTIME",
	    "ID", "NAME", "IMAGE", "POD", "COVERAGE", "STATE", "FINDINGS");
	for (i = 0; (c = ad_resolver_container(r, i)) != NULL; i++) {
		if (anchored < 0)
			strcpy(rules, "?");
		else if (!c->has_root_dev || c->upperdir == NULL)
			strcpy(rules, "unmounted");
		else
			strcpy(rules, anchored > 0 ? "armed" : "no-rules");
		nseen = db_seen(db, c->id, last, sizeof(last));
		if (nseen < 0)
			strcpy(seen, "-");
		else
			snprintf(seen, sizeof(seen), "%d%s%s", nseen,
			    last[0] ? " last " : "", last);
		/* every field that came from a container, escaped */
		put_safe_w(stdout, c->runtime ? c->runtime : "-", 10, 0);
		putchar(' ');
		put_safe_w(stdout, c->id ? c->id : "-", 12, 12);
		putchar(' ');
		put_safe(stdout, c->name ? c->name : "-");
		putchar(' ');
		put_safe(stdout, c->image ? c->image : "-");
		putchar(' ');
		put_safe_w(stdout, c->pod_uid ? c->pod_uid : "-", 10, 10);
		printf(" %-9s %-7s ", rules, ctr_state(c->id));
		put_safe(stdout, seen);
		putchar('\n');
	}
	if (i == 0)
		fprintf(stderr, "no running container found (run as root to "
		    "see every container's processes)\n");
	ad_krules_plan_free(&plan);
	if (fd >= 0)
		audit_close(fd);
	ad_resolver_free(r);
	sqlite3_close(db);
	return 0;
}
