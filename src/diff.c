/*
 * diff.c - `audrift diff CONTAINER` (what changed in a container's
 * overlay upper dir since its image: the playbook's Investigate step),
 * `audrift diff --all` (every running container against its image and
 * the host's essential bin dirs against the package databases, each
 * comparison recorded in the comparisons table for PCI DSS 11.5.2) and
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
#include <time.h>
#include <unistd.h>

#include <libaudit.h>
#include <sqlite3.h>

#include "action.h"
#include "commands.h"
#include "comparison.h"
#include "diff.h"
#include "evidence.h"
#include "kernel_rules.h"
#include "log.h"
#include "pipeline.h"
#include "posture.h"
#include "ruleset.h"
#include "store_pg.h"
#include "resolver.h"
#include "store.h"
#include "util.h"

#define DIFF_DEPTH_MAX	128
/* diff --all hashes host binaries up to this: off the event path, a
 * weekly comparison can afford to read a large one */
#define DIFF_ALL_HASH_MAX	(1ull << 30)

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

/* --format F of command cmd: 0 table, 1 json, -1 (logged) neither. */
static int
parse_format(const char *cmd, const char *f)
{
	return ad_opt_word(cmd, "format", f,
	    (const char *const[]){ "table", "json", NULL });
}

/* ---- diff ----------------------------------------------------------------- */

struct diff {
	const char *const *layers;	/* upper, lowers..., NULL */
	FILE *f;		/* NULL: only cmp */
	int json;
	struct ad_buf out;
	int n;			/* changes listed */
	struct ad_comparison *cmp;	/* diff --all: counts and paths */
	char **mounts;		/* the runtime's mount points in the
				 * container (NULL-ended), or NULL */
};

/* ---- what the runtime put in the upper layer ------------------------- */

/*
 * A runtime mounts /proc, /dev, /sys, /etc/hosts, /run/.containerenv ...
 * into a container, and the mount points it creates (with their parent
 * dirs, when the image lacks them) land in the upper layer: they are not
 * drift.  The container's mounts are read from the mountinfo of a process
 * whose root is the overlay with that upper dir.  Returns an owned,
 * NULL-ended list of mount points as the container sees them, or NULL
 * when no process of it could be read.
 */
static char **
ctr_mount_points(const char *upper)
{
	char path[64], *line = NULL, **mnt = NULL, *p, *u, *save;
	size_t cap = 0, n = 0, k;
	struct dirent *de;
	int found = 0, root;
	DIR *proc;
	FILE *fp;

	if (upper == NULL || (proc = opendir("/proc")) == NULL)
		return NULL;
	while (!found && (de = readdir(proc)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    (size_t)snprintf(path, sizeof(path), "/proc/%s/mountinfo",
		    de->d_name) >= sizeof(path) ||
		    (fp = fopen(path, "re")) == NULL)
			continue;
		while (getline(&line, &cap, fp) > 0) {
			/* id parent dev root MOUNTPOINT opts... - fs src super */
			root = 0;
			for (k = 0, p = strtok_r(line, " \n", &save); p != NULL;
			    p = strtok_r(NULL, " \n", &save), k++) {
				if (k == 4) {
					ad_unoctal(p);
					mnt = xrealloc(mnt, (n + 2) *
					    sizeof(*mnt));
					mnt[n++] = xstrdup(p);
					mnt[n] = NULL;
					root = strcmp(p, "/") == 0;
				} else if (k > 5 && root &&
				    (u = strstr(p, "upperdir=")) != NULL) {
					u += 9;
					u[strcspn(u, ",")] = '\0';
					ad_unoctal(u);
					found |= strcmp(u, upper) == 0;
				}
			}
		}
		fclose(fp);
		if (!found) {
			while (n > 0)
				free(mnt[--n]);
			if (mnt != NULL)
				mnt[0] = NULL;
		}
	}
	closedir(proc);
	free(line);
	if (!found) {
		free(mnt);
		return NULL;
	}
	return mnt;
}

static void
mounts_free(char **mnt)
{
	size_t i;

	for (i = 0; mnt != NULL && mnt[i] != NULL; i++)
		free(mnt[i]);
	free(mnt);
}

/* 2: rel is a mount point of the runtime's (or the /etc/mtab symlink to
 * /proc/mounts runtimes create); 1: a dir holding one; 0: neither. */
static int
runtime_made(const struct diff *d, const char *rel, const struct stat *st,
    int dirfd_, const char *name)
{
	char link[32];
	size_t i, len = strlen(rel);
	ssize_t n;
	int parent = 0;

	if (d->mounts == NULL)
		return 0;
	if (S_ISLNK(st->st_mode) && strcmp(rel, "/etc/mtab") == 0 &&
	    (n = readlinkat(dirfd_, name, link, sizeof(link) - 1)) > 0) {
		link[n] = '\0';
		if (strcmp(link, "/proc/mounts") == 0 ||
		    strcmp(link, "../proc/mounts") == 0 ||
		    strcmp(link, "../proc/self/mounts") == 0 ||
		    strcmp(link, "/proc/self/mounts") == 0)
			return 2;
	}
	for (i = 0; d->mounts[i] != NULL; i++) {
		if (strcmp(d->mounts[i], rel) == 0)
			return 2;
		if (strncmp(d->mounts[i], rel, len) == 0 &&
		    d->mounts[i][len] == '/')
			parent = 1;
	}
	return parent && S_ISDIR(st->st_mode);
}

/* One change: what it is, the file now (st; NULL for deleted) and the
 * image's file. */
static void
diff_emit(struct diff *d, const char *change, const char *path,
    const struct stat *st)
{
	char sha[AD_EVIDENCE_TEXT], img[AD_EVIDENCE_TEXT];
	struct stat ist, cst;
	size_t at;

	if (d->cmp != NULL) {
		d->cmp->changed++;
		ad_cmp_add(d->cmp, change, path);
	}
	if (d->f == NULL) {
		d->n++;
		return;
	}
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
	int cfd, opaque, in_image, rt;
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
		if (d->cmp != NULL)
			d->cmp->files_checked++;
		in_image = ad_layers_find(d->layers, 1, rel, &ist, &at) ==
		    AD_LAYER_FOUND;
		if ((rt = runtime_made(d, rel, &st, dirfd(dir),
		    de->d_name)) == 2 && !in_image)
			goto next;
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
		if (rt == 1 && !in_image)
			;	/* made for a mount: only what else is in it */
		else if (!in_image || !S_ISDIR(ist.st_mode))
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

/* ad_diff_layers, and with cmp set (f NULL: nothing printed) the counts
 * and paths of a recorded comparison. */
static int
diff_layers(const char *const *layers, int json, FILE *f,
    struct ad_comparison *cmp, char **mounts)
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
	d.cmp = cmp;
	d.mounts = mounts;
	ad_buf_init(&d.out);
	if (!json && f != NULL)
		fprintf(f, "%-8s %-7s %4s %11s %-64s %-64s %s\n", "CHANGE",
		    "TYPE", "MODE", "UID:GID", "SHA256", "IMAGE_SHA256", "PATH");
	rel[0] = '\0';
	diff_walk(&d, fd, rel, 0, 0);
	ad_buf_free(&d.out);
	return d.n;
}

int
ad_diff_layers(const char *const *layers, int json, FILE *f)
{
	return diff_layers(layers, json, f, NULL, NULL);
}

/* The layers of c, upper first, NULL-ended (an owned array of borrowed
 * strings), or NULL when c has no overlay dirs audrift can read. */
static const char **
ctr_layers(const struct ad_container *c)
{
	const char **layers;
	size_t n = 0;

	if (c->upperdir == NULL || c->lowerdirs == NULL)
		return NULL;
	while (c->lowerdirs[n] != NULL)
		n++;
	layers = xcalloc(n + 2, sizeof(*layers));
	layers[0] = c->upperdir;
	memcpy(layers + 1, c->lowerdirs, n * sizeof(*layers));
	return layers;
}

#define NO_UPPER_MSG	"no overlay upper dir that audrift can read (not " \
	"an overlay root, or another mount namespace)"

/* ---- diff --all: the scheduled comparisons (PCI DSS 11.5.2) ------------ */

static void
cmp_print(const struct ad_comparison *c)
{
	printf("%-9s %-8s %7lld %7lld %10lld  ", c->kind, ad_cmp_result(c),
	    (long long)c->files_checked, (long long)c->changed,
	    (long long)c->unverified);
	put_safe(stdout, c->target);
	if (c->name != NULL) {
		printf(" (");
		put_safe(stdout, c->name);
		putchar(')');
	}
	if (c->error != NULL)
		printf(": %s", c->error);
	putchar('\n');
}

/* Every running container of r against its image.  Returns the number
 * of comparisons that could not be recorded. */
static int
all_containers(sqlite3 *db, struct ad_resolver *r)
{
	const struct ad_container *c;
	struct ad_comparison cmp;
	const char **layers;
	char **mounts;
	size_t i;
	int bad = 0;

	for (i = 0; (c = ad_resolver_container(r, i)) != NULL; i++) {
		ad_cmp_init(&cmp, "container", c->id);
		cmp.name = c->name;
		cmp.image = c->image;
		cmp.baseline = "image";
		/* the resolver gives host-prefixed paths; mountinfo gives the
		 * kernel's: the same on a host whose root is "/" */
		mounts = ctr_mount_points(c->upperdir);
		if ((layers = ctr_layers(c)) == NULL ||
		    diff_layers(layers, 0, NULL, &cmp, mounts) < 0)
			cmp.error = NO_UPPER_MSG;
		mounts_free(mounts);
		free(layers);
		bad += ad_cmp_record(db, &cmp) != 0;
		cmp_print(&cmp);
		ad_cmp_free(&cmp);
	}
	return bad;
}

/*
 * What the host comparison knows besides the package databases: dpkg's
 * diversions (a diverted path holds another package's file, so its
 * owner's digest does not apply: not verified, said so) and merged /usr
 * (dpkg lists /bin/gzip for the file at /usr/bin/gzip when /bin is a
 * symlink to usr/bin).
 */
struct host_cmp {
	const char *layers[2];		/* root, NULL */
	struct ad_buf diversions;	/* dpkg's file: from, to, package */
	char alias_of[8][2][PATH_MAX];	/* "/usr/bin" is also "/bin" */
	int naliases;
	int kinds;			/* 1 dpkg, 2 rpm seen */
	struct ad_pkg_index *ix;	/* every digest below the dirs, or
					   NULL: each file looked up */
};

static void
host_cmp_init(struct host_cmp *h, const char *root)
{
	char link[PATH_MAX], full[PATH_MAX];
	const char *d;
	ssize_t n;
	int i, fd;

	memset(h, 0, sizeof(*h));
	h->layers[0] = root;
	/* one read of the package databases for all the files */
	h->ix = ad_pkg_index_load(h->layers, ad_default_watch_dirs,
	    ad_mono_ms() + 60000);
	ad_buf_init(&h->diversions);
	if ((fd = ad_layer_open_file(root, "/var/lib/dpkg/diversions")) >= 0) {
		char chunk[8192];

		while ((n = read(fd, chunk, sizeof(chunk))) > 0)
			ad_buf_add(&h->diversions, chunk, (size_t)n);
		close(fd);
	}
	ad_buf_addc(&h->diversions, '\0');
	for (i = 0; (d = ad_default_watch_dirs[i]) != NULL &&
	    h->naliases < 8; i++) {
		snprintf(full, sizeof(full), "%s%s", strcmp(root, "/") ? root :
		    "", d);
		if ((n = readlink(full, link + 1, sizeof(link) - 2)) <= 0)
			continue;
		link[n + 1] = '\0';
		link[0] = '/';
		/* "usr/bin" and "/usr/bin" both name /usr/bin */
		snprintf(h->alias_of[h->naliases][0], PATH_MAX, "%s",
		    link[1] == '/' ? link + 1 : link);
		snprintf(h->alias_of[h->naliases++][1], PATH_MAX, "%s", d);
	}
}

/* The package diverting path (a dpkg-divert from or to), or NULL. */
static const char *
host_diverted(const struct host_cmp *h, const char *path, char *pkg,
    size_t cap)
{
	const char *p = h->diversions.p, *l[3], *nl;
	size_t plen = strlen(path), len[3];
	int k;

	while (*p) {
		for (k = 0; k < 3; k++) {
			nl = strchr(p, '\n');
			l[k] = p;
			len[k] = nl ? (size_t)(nl - p) : strlen(p);
			p = nl ? nl + 1 : p + len[k];
		}
		if ((len[0] == plen && memcmp(l[0], path, plen) == 0) ||
		    (len[1] == plen && memcmp(l[1], path, plen) == 0)) {
			snprintf(pkg, cap, "%.*s", (int)len[2], l[2]);
			return pkg;
		}
	}
	return NULL;
}

/* One host file against the package databases of root. */
/*
 * ad_pkg_lookup on the host's own databases, into pkg and want (both
 * AD_EVIDENCE_TEXT): the host's are not a container's, so a lookup gets
 * 10 s (a container's finding gets AD_EVIDENCE_WAIT_MS).  As
 * ad_pkg_lookup; -2 (stopped) counts as unverified.
 */
static int
host_pkg(const struct host_cmp *h, const char *path, char *pkg, char *want,
    const char **algo)
{
	struct ad_pkg p;
	int k;

	if (h->ix != NULL)
		k = ad_pkg_index_find(h->ix, path, &p);
	else
		k = ad_pkg_lookup(h->layers, path, ad_mono_ms() + 10000, &p);
	snprintf(pkg, AD_EVIDENCE_TEXT, "%s", p.name);
	snprintf(want, AD_EVIDENCE_TEXT, "%s", p.digest);
	*algo = p.algo;
	return k;
}

static void
host_file(struct ad_comparison *cmp, struct host_cmp *h, const char *path,
    struct stat *st)
{
	char pkg[AD_EVIDENCE_TEXT], want[AD_EVIDENCE_TEXT], alt[PATH_MAX];
	char sha[AD_EVIDENCE_TEXT], md5[AD_MD5_HEX];
	char what[AD_EVIDENCE_TEXT + 48];
	const char *algo;
	size_t dl;
	int k, i;

	cmp->files_checked++;
	if (host_diverted(h, path, pkg, sizeof(pkg)) != NULL) {
		cmp->unverified++;
		snprintf(what, sizeof(what), "diverted by dpkg:%s: not "
		    "verified", pkg);
		ad_cmp_add(cmp, what, path);
		return;
	}
	k = host_pkg(h, path, pkg, want, &algo);
	for (i = 0; k == 0 && i < h->naliases; i++) {
		dl = strlen(h->alias_of[i][0]);
		if (strncmp(path, h->alias_of[i][0], dl) != 0 ||
		    path[dl] != '/')
			continue;
		snprintf(alt, sizeof(alt), "%s%s", h->alias_of[i][1],
		    path + dl);
		k = host_pkg(h, alt, pkg, want, &algo);
	}
	if (k < 0) {
		cmp->unverified++;
		return;
	}
	if (k == 0) {
		cmp->unverified++;
		ad_cmp_add(cmp, "not from a package", path);
		return;
	}
	h->kinds |= strncmp(pkg, "rpm:", 4) == 0 ? 2 : 1;
	if (!ad_evidence_hash(h->layers[0], path, st, DIFF_ALL_HASH_MAX, 0,
	    sha, md5)) {
		cmp->unverified++;
		ad_cmp_add(cmp, sha, path);
		return;
	}
	if (strcmp(want, strcmp(algo, "md5") == 0 ? md5 : sha) != 0) {
		cmp->changed++;
		snprintf(what, sizeof(what), "differs from %s", pkg);
		ad_cmp_add(cmp, what, path);
	}
}

/* One essential bin dir of the host (below root) against its package
 * databases.  0 compared, 1 skipped (absent, or a symlink to another
 * dir compared on its own), -1 could not be recorded. */
static int
host_dir(sqlite3 *db, struct host_cmp *h, const char *dir, const char *host)
{
	const char *root = h->layers[0];
	char path[PATH_MAX], full[PATH_MAX];
	struct ad_comparison cmp;
	struct dirent *de;
	struct stat st;
	int rc, dfd;
	DIR *d;

	snprintf(full, sizeof(full), "%s%s", strcmp(root, "/") ? root : "",
	    dir);
	if (lstat(full, &st) != 0 || S_ISLNK(st.st_mode))
		return 1;
	ad_cmp_init(&cmp, "host", dir);
	cmp.name = host;
	h->kinds = 0;
	if ((dfd = open(full, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0 || (d = fdopendir(dfd)) == NULL) {
		if (dfd >= 0)
			close(dfd);
		cmp.error = "cannot read the directory (run as root)";
	} else {
		while ((de = readdir(d)) != NULL) {
			if (fstatat(dfd, de->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
			    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			    de->d_name) >= sizeof(path))
				continue;
			host_file(&cmp, h, path, &st);
		}
		closedir(d);
	}
	cmp.baseline = h->kinds == 3 ? "dpkg+rpm" : h->kinds == 2 ? "rpm" :
	    h->kinds == 1 ? "dpkg" : "none";
	rc = ad_cmp_record(db, &cmp) != 0 ? -1 : 0;
	cmp_print(&cmp);
	ad_cmp_free(&cmp);
	return rc;
}

static int
diff_all(const char *dbpath, const char *root, int insecure, int no_ctr)
{
	struct ad_resolver *r = NULL;
	struct host_cmp h;
	char host[256];
	int bad = 0, i;
	sqlite3 *db;

	if ((db = ad_store_db_open(dbpath, 1, insecure, "diff --all")) == NULL)
		return 1;
	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = '\0';
	printf("%-9s %-8s %7s %7s %10s  %s\n", "KIND", "RESULT", "CHECKED",
	    "CHANGED", "UNVERIFIED", "TARGET");
	if (!no_ctr) {
		if ((r = ad_diff_scan("diff --all")) == NULL) {
			sqlite3_close(db);
			return 1;
		}
		bad += all_containers(db, r);
		ad_resolver_free(r);
	}
	host_cmp_init(&h, root);
	for (i = 0; ad_default_watch_dirs[i] != NULL; i++)
		bad += host_dir(db, &h, ad_default_watch_dirs[i], host) < 0;
	ad_buf_free(&h.diversions);
	ad_pkg_index_free(h.ix);
	sqlite3_close(db);
	if (bad) {
		log_warnx("diff --all: %d comparison%s could not be recorded "
		    "in %s: fix the database (see above) and run it again",
		    bad, bad == 1 ? "" : "s", dbpath);
		return 1;
	}
	return 0;
}

static void
diff_usage(FILE *f)
{
	fprintf(f, "usage: audrift diff [--format table|json] CONTAINER\n"
	    "       audrift diff --all [--db FILE] [--root DIR] "
	    "[--no-containers]\n"
	    "  CONTAINER         a running container's id, id prefix or "
	    "name\n"
	    "  --format F        table (default) or json (one object per "
	    "line)\n"
	    "Lists what changed in the container's writable (upper) layer "
	    "since its image:\nadded, modified, deleted (whiteouts) and "
	    "replaced (opaque) paths, with the\nsha256 of the file now and "
	    "of the image's file.\n\n"
	    "--all compares every running container against its image and "
	    "the host's\nessential bin dirs against the package databases "
	    "(dpkg md5sums, rpmdb), and\nrecords each comparison in the "
	    "comparisons table of --db (default ./audrift.db\nif it exists, "
	    "else " AD_STORE_DEFAULT_DB "); audrift report shows them.\n"
	    "  --root DIR        the host's root for the package comparison "
	    "(default /)\n"
	    "  --no-containers   compare the host only\n");
}

int
cmd_diff(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ "root", required_argument, NULL, 'R' },
		{ "no-containers", no_argument, NULL, 'N' },
		{ "insecure-db", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ad_container *c;
	struct ad_resolver *r;
	const char **layers;
	const char *dbpath = NULL, *root = "/";
	int ch, json = 0, nch, all = 0, insecure = 0, no_ctr = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((json = parse_format("diff", optarg)) < 0)
				return 2;
			break;
		case 'a':
			all = 1;
			break;
		case 'd':
			dbpath = optarg;
			break;
		case 'R':
			root = optarg;
			break;
		case 'N':
			no_ctr = 1;
			break;
		case 'I':
			insecure = 1;
			break;
		case 'h':
			diff_usage(stdout);
			return 0;
		default:
			diff_usage(stderr);
			return 2;
		}
	}
	if (all) {
		if (optind != argc) {
			log_warnx("diff --all compares every running "
			    "container: give no container name");
			return 2;
		}
		return diff_all(dbpath ? dbpath : ad_store_default_path(),
		    root, insecure, no_ctr);
	}
	if (optind + 1 != argc) {
		log_warnx("diff: give one container (id, id prefix or name), "
		    "or --all; audrift containers lists them");
		return 2;
	}
	if ((r = ad_diff_scan("diff")) == NULL)
		return 1;
	if ((c = ad_diff_find_container(r, argv[optind])) == NULL) {
		ad_resolver_free(r);
		return 1;
	}
	if ((layers = ctr_layers(c)) == NULL ||
	    (nch = ad_diff_layers(layers, json, stdout)) < 0) {
		free(layers);
		log_warnx("diff: container %.12s has " NO_UPPER_MSG ": inspect "
		    "it with its runtime (podman diff)", c->id);
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

/* The ports the container was seen listening on, as audrift reported
 * them (findings with net_op listen): "8080,9000", "-" for none, "?"
 * without a database. */
static void
db_ports(sqlite3 *db, const char *id, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0;

	snprintf(out, cap, "%s", db == NULL ? "?" : "-");
	if (db == NULL || sqlite3_prepare_v2(db, "SELECT DISTINCT net_port "
	    "FROM findings WHERE container_id = ? AND net_op = 'listen' AND "
	    "net_port IS NOT NULL ORDER BY net_port LIMIT 16", -1, &st,
	    NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && len + 8 < cap)
		len += (size_t)snprintf(out + len, cap - len, "%s%d",
		    len ? "," : "", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
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
	fprintf(f, "usage: audrift containers [--rules DIR] [--db PATH|URI] "
	    "[--format table|json]\n"
	    "Lists running containers (runtime, id, name, image, its digest "
	    "and whether\nthe reference was pinned, pod, their posture: "
	    "privileged, added\ncapabilities, host mounts, host namespaces, "
	    "read-only root; Kubernetes\nnamespace/pod/container) and "
	    "audrift's\ncoverage of each (armed: its root overlay is mounted "
	    "and audrift's\naudrift-ctr rules, derived from the rules in DIR "
	    "as audrift run derives\nthem, are in the kernel; no-rules: "
	    "start audrift run; unmounted), its state\n(running, or frozen: "
	    "audrift thaw resumes it) and, with --db, the ports audrift "
	    "reported it\nlistening on (findings with net_op listen) and the "
	    "findings recorded for it.\n--format json: one object per line, "
	    "with every posture field.\n");
}

/* One container as a JSON line (every string escaped). */
static void
ctr_json(const struct ad_container *c, const char *coverage,
    const char *state, int nseen, const char *last, const char *ports)
{
	struct ad_buf b;

	ad_buf_init(&b);
	ad_buf_addc(&b, '{');
	ad_json_member_str(&b, "id", c->id, strlen(c->id));
	ad_json_member_str(&b, "runtime", c->runtime, c->runtime ?
	    strlen(c->runtime) : 0);
	ad_json_member_str(&b, "name", c->name, c->name ? strlen(c->name) :
	    0);
	ad_json_member_str(&b, "image", c->image, c->image ?
	    strlen(c->image) : 0);
	ad_json_member_str(&b, "pod_uid", c->pod_uid, c->pod_uid ?
	    strlen(c->pod_uid) : 0);
	ad_json_member_str(&b, "coverage", coverage, strlen(coverage));
	ad_json_member_str(&b, "state", state, strlen(state));
	ad_posture_json(&b, c->posture);
	if (nseen >= 0) {
		ad_json_member_int(&b, "findings", nseen);
		ad_json_member_str(&b, "last_finding", last[0] ? last : NULL,
		    strlen(last));
		ad_json_member_str(&b, "ports", ports, strlen(ports));
	}
	ad_buf_adds(&b, "}\n");
	fwrite(b.p, 1, b.len, stdout);
	ad_buf_free(&b);
}

/* The table's digest column: "sha256:" and 12 hex digits, or "-". */
static void
short_digest(const struct ad_posture *p, char *buf, size_t cap)
{
	snprintf(buf, cap, "%.19s", p && p->image_digest ? p->image_digest :
	    "-");
}

/* namespace/pod/container, or "-". */
static void
put_k8s(const struct ad_posture *p)
{
	if (p == NULL || (p->k8s_ns == NULL && p->k8s_pod == NULL &&
	    p->k8s_container == NULL)) {
		putchar('-');
		return;
	}
	put_safe(stdout, p->k8s_ns ? p->k8s_ns : "?");
	putchar('/');
	put_safe(stdout, p->k8s_pod ? p->k8s_pod : "?");
	putchar('/');
	put_safe(stdout, p->k8s_container ? p->k8s_container : "?");
}

int
cmd_containers(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "rules", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ad_container *c;
	const struct ad_posture *p;
	struct ad_krule_plan plan;
	char dig[24], flags[1024];
	int json = 0;
	struct ad_ruleset *rs;
	const char *rdir = NULL;
	struct ad_resolver *r;
	const char *dbpath = NULL;
	sqlite3 *db = NULL;
	struct ad_pgr *pg = NULL;	/* --db postgresql://... */
	char rules[32], seen[64], last[64], ports[128];
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
		case 'f':
			if ((json = parse_format("containers", optarg)) < 0)
				return 2;
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
	if (ad_db_is_pg(dbpath) && (pg = ad_pgr_open(dbpath)) == NULL) {
		ad_krules_plan_free(&plan);
		return 1;
	}
	if (dbpath != NULL && pg == NULL && sqlite3_open_v2(dbpath, &db,
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
		ad_pgr_close(pg);
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
	if (!json)
		printf("%-10s %-12s %-20s %-28s %-19s %-3s %-10s %-9s %-7s "
		    "%-24s %-14s %-12s %s\n", "RUNTIME", "ID", "NAME", "IMAGE",
		    "DIGEST", "PIN", "POD", "COVERAGE", "STATE", "POSTURE",
		    "K8S", "PORTS", "FINDINGS");
	for (i = 0; (c = ad_resolver_container(r, i)) != NULL; i++) {
		if (anchored < 0)
			strcpy(rules, "?");
		else if (!c->has_root_dev || c->upperdir == NULL)
			strcpy(rules, "unmounted");
		else
			strcpy(rules, anchored > 0 ? "armed" : "no-rules");
		nseen = pg != NULL ? ad_pgr_container_seen(pg, c->id, last,
		    sizeof(last)) : db_seen(db, c->id, last, sizeof(last));
		if (nseen < 0)
			strcpy(seen, "-");
		else
			snprintf(seen, sizeof(seen), "%d%s%s", nseen,
			    last[0] ? " last " : "", last);
		if (pg != NULL)
			ad_pgr_container_ports(pg, c->id, ports, sizeof(ports));
		else
			db_ports(db, c->id, ports, sizeof(ports));
		if (json) {
			ctr_json(c, rules, ctr_state(c->id), nseen, last, ports);
			continue;
		}
		p = c->posture;
		short_digest(p, dig, sizeof(dig));
		ad_posture_flags(p, flags, sizeof(flags));
		/* every field that came from a container, escaped */
		put_safe_w(stdout, c->runtime ? c->runtime : "-", 10, 0);
		putchar(' ');
		put_safe_w(stdout, c->id ? c->id : "-", 12, 12);
		putchar(' ');
		put_safe(stdout, c->name ? c->name : "-");
		putchar(' ');
		put_safe(stdout, c->image ? c->image : "-");
		printf(" %-19s %-3s ", dig, p == NULL || p->image_pinned < 0 ?
		    "-" : p->image_pinned ? "yes" : "no");
		put_safe_w(stdout, c->pod_uid ? c->pod_uid : "-", 10, 10);
		printf(" %-9s %-7s ", rules, ctr_state(c->id));
		fputs(flags, stdout);	/* escaped by ad_posture_flags */
		putchar(' ');
		put_k8s(p);
		printf(" %-12s ", ports);
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
	ad_pgr_close(pg);
	return 0;
}
