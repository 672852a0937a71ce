/*
 * evidence.c - evidence for findings in containers, the overlay layer
 * lookup it stands on, package databases, and the worker thread.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "evidence.h"
#include "finding.h"
#include "util.h"

#define MAX_LAYERS	512
#define MD5SUMS_MAX	(8u << 20)	/* one dpkg *.md5sums file */

/* ---- layers ----------------------------------------------------------- */

/* path inside the container -> relative to a layer ("." for "/"). */
static const char *
rel_of(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* openat2 below dirfd, symlinks resolved inside it, the last one not
 * followed (O_NOFOLLOW: an O_PATH fd of the link itself). */
int
ad_layer_openat(int dirfd, const char *rel, int flags)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	do
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return (int)fd;
}

static int
is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

/* Opaque dir of an overlay layer (fd open O_RDONLY). */
int
ad_layer_is_opaque(int fd)
{
	static const char *const names[] = {
		"trusted.overlay.opaque", "user.overlay.opaque"
	};
	char v[4];
	size_t i;
	ssize_t n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = fgetxattr(fd, names[i], v, sizeof(v));
		if (n >= 1 && v[0] == 'y')
			return 1;
	}
	return 0;
}

/*
 * rel is not in the layer at dirfd: does an ancestor hide the layers
 * below?  Returns AD_LAYER_WHITEOUT (an ancestor is deleted),
 * AD_LAYER_ABSENT (an opaque dir or a non-dir hides them), or
 * AD_LAYER_FOUND meaning "not hidden: look further down".
 */
static enum ad_layer_hit
ancestors_hide(int dirfd, const char *rel)
{
	char buf[4096];
	struct stat st;
	char *slash;
	int fd, opaque;
	size_t len = strlen(rel);

	if (len >= sizeof(buf))
		return AD_LAYER_FOUND;
	memcpy(buf, rel, len + 1);
	for (slash = strchr(buf, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		fd = ad_layer_openat(dirfd, buf, O_PATH);
		if (fd < 0)
			return AD_LAYER_FOUND;
		if (fstat(fd, &st) != 0) {
			close(fd);
			return AD_LAYER_FOUND;
		}
		close(fd);
		if (is_whiteout(&st))
			return AD_LAYER_WHITEOUT;
		if (!S_ISDIR(st.st_mode))
			return AD_LAYER_ABSENT;
		fd = ad_layer_openat(dirfd, buf, O_RDONLY | O_DIRECTORY);
		opaque = fd >= 0 && ad_layer_is_opaque(fd);
		if (fd >= 0)
			close(fd);
		if (opaque)
			return AD_LAYER_ABSENT;
		*slash = '/';
	}
	return AD_LAYER_FOUND;
}

enum ad_layer_hit
ad_layers_find(const char *const *layers, size_t from, const char *path,
    struct stat *st, size_t *layer)
{
	const char *rel = rel_of(path);
	enum ad_layer_hit h;
	size_t i;
	int dfd, fd;

	for (i = from; layers[i] != NULL; i++) {
		dfd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		fd = ad_layer_openat(dfd, rel, O_PATH);
		if (fd >= 0) {
			h = fstat(fd, st) == 0 ? AD_LAYER_FOUND : AD_LAYER_ABSENT;
			close(fd);
			close(dfd);
			if (h == AD_LAYER_FOUND && is_whiteout(st))
				return AD_LAYER_WHITEOUT;
			*layer = i;
			return h;
		}
		h = ancestors_hide(dfd, rel);
		close(dfd);
		if (h != AD_LAYER_FOUND)
			return h;
	}
	return AD_LAYER_ABSENT;
}

int
ad_layer_open_file(const char *layer, const char *path)
{
	struct stat a, b;
	int dfd, pfd, fd = -1, e;

	if ((dfd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	/* look before opening: reading a device node can have effects */
	pfd = ad_layer_openat(dfd, rel_of(path), O_PATH);
	if (pfd >= 0 && fstat(pfd, &a) == 0) {
		if (S_ISLNK(a.st_mode))
			errno = ELOOP;
		else if (!S_ISREG(a.st_mode))
			errno = EINVAL;
		else if ((fd = ad_layer_openat(dfd, rel_of(path),
		    O_RDONLY | O_NONBLOCK | O_NOCTTY)) >= 0 &&
		    (fstat(fd, &b) != 0 || b.st_ino != a.st_ino ||
		    b.st_dev != a.st_dev)) {
			close(fd);	/* swapped under us */
			fd = -1;
			errno = EAGAIN;
		}
	}
	e = errno;
	if (pfd >= 0)
		close(pfd);
	close(dfd);
	errno = e;
	return fd;
}

/* ---- evidence --------------------------------------------------------- */

const char *
ad_file_kind(mode_t m)
{
	if (S_ISREG(m))
		return "file";
	if (S_ISLNK(m))
		return "symlink";
	if (S_ISDIR(m))
		return "dir";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "device";
	if (S_ISFIFO(m))
		return "fifo";
	return "socket";
}

int
ad_evidence_hash(const char *layer, const char *path, struct stat *st,
    uint64_t max_bytes, int64_t deadline_ms, char *sha, char *md5)
{
	int fd, rc;

	if (!S_ISREG(st->st_mode)) {
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: %s",
		    ad_file_kind(st->st_mode));
		return 0;
	}
	if ((uint64_t)st->st_size > max_bytes) {
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: %lld bytes, more "
		    "than the %llu MiB limit", (long long)st->st_size,
		    (unsigned long long)(max_bytes >> 20));
		return 0;
	}
	if ((fd = ad_layer_open_file(layer, path)) < 0) {
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: %s",
		    strerror(errno));
		return 0;
	}
	rc = ad_digest_fd(fd, max_bytes, deadline_ms, sha, md5);
	if (rc == 0)
		(void)fstat(fd, st);	/* the file hashed, not the one seen */
	close(fd);
	if (rc == 0)
		return 1;
	if (rc == 1)
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: grew past the "
		    "%llu MiB limit", (unsigned long long)(max_bytes >> 20));
	else if (rc == 2)
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: would delay the "
		    "finding past its deadline");
	else
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: %s",
		    strerror(errno));
	return 0;
}

/* ad_evidence_hash within the rate budget (*budget bytes left). */
static int
hash_budget(const char *layer, const char *path, struct stat *st,
    const struct ad_evidence_opts *o, uint64_t *budget, char *sha,
    char *md5, uint64_t *hashed)
{
	uint64_t sz = S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0;

	if (sz > *budget && sz <= o->max_bytes) {
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: hash rate limit "
		    "(%llu MiB/s) reached", (unsigned long long)
		    (AD_EVIDENCE_RATE >> 20));
		return 0;
	}
	*budget -= sz <= *budget ? sz : *budget;
	*hashed += sz;
	return ad_evidence_hash(layer, path, st, o->max_bytes, o->deadline_ms,
	    sha, md5);
}

static void
all_text(struct ad_evidence *e, const char *why)
{
	snprintf(e->sha256, sizeof(e->sha256), "%s", why);
	snprintf(e->image_sha256, sizeof(e->image_sha256), "%s", why);
	snprintf(e->status, sizeof(e->status), "%s", why);
}

static void
iso_time(const struct timespec *ts, char *buf, size_t cap)
{
	struct tm tm;
	char t[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, cap, "%.19s.%03dZ", t, (int)(ts->tv_nsec / 1000000) % 1000);
}

void
ad_evidence_gather(const char *upper, const char *const *lowers,
    const char *path, const struct ad_evidence_opts *o,
    struct ad_evidence *e)
{
	static const struct ad_evidence_opts defaults = {
		AD_EVIDENCE_MAX_BYTES, 0, 0
	};
	const char *layers[MAX_LAYERS + 2], *algo = NULL;
	char md5[AD_MD5_HEX], pkgdigest[AD_SHA256_HEX];
	struct stat st, ist;
	uint64_t budget;
	size_t n = 0, at, iat;
	enum ad_layer_hit h;
	int hashed = 0, pk;

	if (o == NULL)
		o = &defaults;
	budget = o->max_bytes * 2;
	memset(e, 0, sizeof(*e));
	e->package_ok = -1;
	md5[0] = '\0';
	if (o->rate_limited)
		budget = 0;
	if (path == NULL || path[0] != '/') {
		all_text(e, "unavailable: no absolute path in the event");
		return;
	}
	if (upper == NULL || lowers == NULL) {
		all_text(e, "unavailable: the container's overlay dirs are "
		    "unknown");
		return;
	}
	if (access(upper, F_OK) != 0) {
		all_text(e, "unavailable: container gone");
		return;
	}
	layers[n++] = upper;
	while (n <= MAX_LAYERS && lowers[n - 1] != NULL) {
		layers[n] = lowers[n - 1];
		n++;
	}
	layers[n] = NULL;

	/* first: an md5 is only worth computing for dpkg's digests */
	pk = ad_pkg_lookup(layers, path, e->package, sizeof(e->package),
	    pkgdigest, sizeof(pkgdigest), &algo);
	h = ad_layers_find(layers, 0, path, &st, &at);
	if (h == AD_LAYER_FOUND) {
		/* hashed first: the stat is then that of the bytes hashed,
		 * even while the file is being written */
		hashed = hash_budget(layers[at], path, &st, o, &budget,
		    e->sha256, pk == 1 && strcmp(algo, "md5") == 0 ? md5 :
		    NULL, &e->hashed);
		e->have_stat = 1;
		e->mode = (unsigned)st.st_mode;
		e->uid = (unsigned)st.st_uid;
		e->gid = (unsigned)st.st_gid;
		e->size = (int64_t)st.st_size;
		iso_time(&st.st_mtim, e->mtime, sizeof(e->mtime));
	} else
		snprintf(e->sha256, sizeof(e->sha256), "absent: %s",
		    h == AD_LAYER_WHITEOUT ? "deleted in the container" :
		    "not in the container now");

	h = ad_layers_find(layers, 1, path, &ist, &iat);
	if (h != AD_LAYER_FOUND)
		snprintf(e->image_sha256, sizeof(e->image_sha256),
		    "absent in image");
	else if (hashed && at == iat)	/* the image's file, untouched */
		memcpy(e->image_sha256, e->sha256, sizeof(e->sha256));
	else
		hash_budget(layers[iat], path, &ist, o, &budget,
		    e->image_sha256, NULL, &e->hashed);

	if (pk == 1 && !e->have_stat)
		e->package_ok = 0;
	else if (pk == 1 && hashed)
		e->package_ok = strcmp(pkgdigest,
		    strcmp(algo, "md5") == 0 ? md5 : e->sha256) == 0;
	snprintf(e->status, sizeof(e->status), "%s",
	    pk < 0 ? "ok; no package database in the container" : "ok");
}

/* ---- package databases ------------------------------------------------ */

/* A whole small file of a layer into b (NUL-terminated).  0 ok. */
static int
read_small(const char *layer, const char *path, size_t max, struct ad_buf *b)
{
	char chunk[16384];
	ssize_t n;
	int fd = ad_layer_open_file(layer, path);

	if (fd < 0)
		return -1;
	ad_buf_reset(b);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && b->len < max)
		ad_buf_add(b, chunk, (size_t)n);
	close(fd);
	ad_buf_addc(b, '\0');
	return n < 0 ? -1 : 0;
}

/* In one md5sums text: the digest of rel ("usr/bin/x").  1 found. */
static int
md5sums_find(const char *text, size_t len, const char *rel, char *digest,
    size_t dcap)
{
	const char *p = text, *end = text + len, *nl, *name;
	size_t rlen = strlen(rel);

	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p < 34 || p[32] != ' ')
			continue;
		name = p + 33;
		while (name < nl && *name == ' ')
			name++;
		if ((size_t)(nl - name) == rlen &&
		    memcmp(name, rel, rlen) == 0 && dcap > 32) {
			memcpy(digest, p, 32);
			digest[32] = '\0';
			return 1;
		}
	}
	return 0;
}

static int
dpkg_lookup(const char *const *layers, const char *path, char *pkg,
    size_t cap, char *digest, size_t dcap)
{
	static const char info[] = "/var/lib/dpkg/info";
	char file[512];
	struct ad_buf b;
	struct dirent *de;
	struct stat st;
	size_t i, at, nl;
	int dfd, fd, have = 0, found = 0;
	DIR *d;

	ad_buf_init(&b);
	for (i = 0; layers[i] != NULL && !found; i++) {
		if ((dfd = open(layers[i], O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			continue;
		fd = ad_layer_openat(dfd, info + 1, O_RDONLY | O_DIRECTORY);
		close(dfd);
		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		have = 1;
		while (!found && (de = readdir(d)) != NULL) {
			nl = strlen(de->d_name);
			if (nl <= 8 || strcmp(de->d_name + nl - 8,
			    ".md5sums") != 0 || (size_t)snprintf(file,
			    sizeof(file), "%s/%s", info, de->d_name) >=
			    sizeof(file))
				continue;
			/* the layer that wins for this file is this one */
			if (ad_layers_find(layers, 0, file, &st, &at) !=
			    AD_LAYER_FOUND || at != i)
				continue;
			if (read_small(layers[i], file, MD5SUMS_MAX, &b) != 0)
				continue;
			if (md5sums_find(b.p, b.len - 1, rel_of(path),
			    digest, dcap)) {
				snprintf(pkg, cap, "dpkg:%.*s", (int)(nl - 8),
				    de->d_name);
				found = 1;
			}
		}
		closedir(d);
	}
	ad_buf_free(&b);
	return found ? 1 : have ? 0 : -1;
}

/* ---- rpm: header blobs of rpmdb.sqlite -------------------------------- */

#define RPMTAG_NAME		1000
#define RPMTAG_FILEDIGESTS	1035
#define RPMTAG_DIRINDEXES	1116
#define RPMTAG_BASENAMES	1117
#define RPMTAG_DIRNAMES		1118
#define RPMTAG_FILEDIGESTALGO	5011

struct rpmhdr {
	const unsigned char *p;	/* blob */
	size_t len;
	uint32_t il, dl;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* Tag's data: *off into the data store, *count.  0 ok, -1 absent/bad. */
static int
rpm_tag(const struct rpmhdr *h, uint32_t tag, uint32_t *off, uint32_t *count)
{
	const unsigned char *e;
	uint32_t i;

	for (i = 0; i < h->il; i++) {
		e = h->p + 8 + 16 * (size_t)i;
		if (be32(e) != tag)
			continue;
		*off = be32(e + 8);
		*count = be32(e + 12);
		return *off < h->dl ? 0 : -1;
	}
	return -1;
}

/* The idx-th NUL-terminated string from data offset off, or NULL. */
static const char *
rpm_str(const struct rpmhdr *h, uint32_t off, uint32_t idx)
{
	const char *d = (const char *)h->p + 8 + 16 * (size_t)h->il;
	const char *p = d + off, *end = d + h->dl, *z;

	for (;;) {
		if (p >= end || (z = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return NULL;
		if (idx-- == 0)
			return p;
		p = z + 1;
	}
}

/* The digest of path in one header blob.  1 found. */
static int
rpm_hdr_find(const struct rpmhdr *h, const char *path, char *pkg, size_t cap,
    char *digest, size_t dcap, const char **algo)
{
	const unsigned char *d = h->p + 8 + 16 * (size_t)h->il;
	uint32_t boff, bn, doff, dn, ioff, in, goff, gn, aoff, an, noff, nn;
	uint32_t k, di;
	const char *base, *dir, *dg, *name;
	size_t dl;

	if (rpm_tag(h, RPMTAG_BASENAMES, &boff, &bn) != 0 ||
	    rpm_tag(h, RPMTAG_DIRNAMES, &doff, &dn) != 0 ||
	    rpm_tag(h, RPMTAG_DIRINDEXES, &ioff, &in) != 0 || in != bn ||
	    (uint64_t)ioff + 4ull * in > h->dl)
		return 0;
	base = NULL;
	for (k = 0; k < bn; k++) {
		if ((base = rpm_str(h, boff, k)) == NULL)
			return 0;
		if ((di = be32(d + ioff + 4 * k)) >= dn ||
		    (dir = rpm_str(h, doff, di)) == NULL)
			continue;
		dl = strlen(dir);
		if (strncmp(path, dir, dl) == 0 && strcmp(path + dl, base) == 0)
			break;
	}
	if (k == bn)
		return 0;
	*algo = "md5";
	if (rpm_tag(h, RPMTAG_FILEDIGESTALGO, &aoff, &an) == 0 && an >= 1 &&
	    (uint64_t)aoff + 4 <= h->dl && be32(d + aoff) == 8)
		*algo = "sha256";
	digest[0] = '\0';
	if (rpm_tag(h, RPMTAG_FILEDIGESTS, &goff, &gn) == 0 && k < gn &&
	    (dg = rpm_str(h, goff, k)) != NULL && strlen(dg) < dcap)
		strcpy(digest, dg);
	name = rpm_tag(h, RPMTAG_NAME, &noff, &nn) == 0 ?
	    rpm_str(h, noff, 0) : NULL;
	snprintf(pkg, cap, "rpm:%s", name ? name : "?");
	return 1;
}

static int
rpm_lookup(const char *const *layers, const char *path, char *pkg,
    size_t cap, char *digest, size_t dcap, const char **algo)
{
	static const char *const dbs[] = {
		"/usr/lib/sysimage/rpm/rpmdb.sqlite",
		"/var/lib/rpm/rpmdb.sqlite"
	};
	char uri[64];
	struct stat st;
	struct rpmhdr h;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	size_t i, at;
	int fd = -1, found = 0, n;

	for (i = 0; i < 2 && fd < 0; i++)
		if (ad_layers_find(layers, 0, dbs[i], &st, &at) ==
		    AD_LAYER_FOUND)
			fd = ad_layer_open_file(layers[at], dbs[i]);
	if (fd < 0)
		return -1;
	/* SQLite opens the file we checked, read-only, never its -wal */
	snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d?immutable=1", fd);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) == SQLITE_OK && sqlite3_prepare_v2(db,
	    "SELECT blob FROM Packages", -1, &q, NULL) == SQLITE_OK) {
		while (!found && sqlite3_step(q) == SQLITE_ROW) {
			h.p = sqlite3_column_blob(q, 0);
			n = sqlite3_column_bytes(q, 0);
			if (h.p == NULL || n < 8)
				continue;
			h.len = (size_t)n;
			h.il = be32(h.p);
			h.dl = be32(h.p + 4);
			if (h.il > 65536 || 8 + 16 * (uint64_t)h.il + h.dl >
			    h.len)
				continue;
			found = rpm_hdr_find(&h, path, pkg, cap, digest, dcap,
			    algo);
		}
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	close(fd);
	return found;
}

int
ad_pkg_lookup(const char *const *layers, const char *path, char *pkg,
    size_t cap, char *digest, size_t dcap, const char **algo)
{
	int d, r;

	pkg[0] = '\0';
	*algo = "md5";
	if ((d = dpkg_lookup(layers, path, pkg, cap, digest, dcap)) == 1)
		return 1;
	if ((r = rpm_lookup(layers, path, pkg, cap, digest, dcap, algo)) == 1)
		return 1;
	return d == 0 || r == 0 ? 0 : -1;
}

/* ---- into a finding's row --------------------------------------------- */

void
ad_evidence_to_row(const struct ad_evidence *e, int64_t latency_ms,
    struct ad_row *row)
{
	if (e->have_stat) {
		ad_row_set_int(row, "file_mode", e->mode);
		ad_row_set_int(row, "file_uid", e->uid);
		ad_row_set_int(row, "file_gid", e->gid);
		ad_row_set_int(row, "file_size", e->size);
		ad_row_set_text(row, "file_mtime", e->mtime);
	}
	ad_row_set_text(row, "file_sha256", e->sha256[0] ? e->sha256 : NULL);
	ad_row_set_text(row, "image_sha256",
	    e->image_sha256[0] ? e->image_sha256 : NULL);
	ad_row_set_text(row, "package", e->package[0] ? e->package : NULL);
	if (e->package_ok >= 0)
		ad_row_set_int(row, "package_ok", e->package_ok);
	ad_row_set_text(row, "evidence", e->status);
	if (latency_ms >= 0)
		ad_row_set_int(row, "evidence_ms", latency_ms);
}

/* ---- the worker ------------------------------------------------------- */

struct evjob {
	struct ad_row row;
	char *upper, **lowers, *path;
	int64_t queued_ms;
};

struct ad_evq {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	pthread_t thread;
	struct evjob **todo, **done;	/* rings of cap */
	size_t cap, ntodo, todo_head, ndone, done_head;
	int busy, stop;
	int64_t budget_sec;		/* second the budget is for */
	uint64_t budget;
	struct ad_evq_stats st;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
job_free(struct evjob *j)
{
	size_t i;

	if (j == NULL)
		return;
	ad_row_free(&j->row);
	free(j->upper);
	for (i = 0; j->lowers != NULL && j->lowers[i] != NULL; i++)
		free(j->lowers[i]);
	free(j->lowers);
	free(j->path);
	free(j);
}

/* Budget: AD_EVIDENCE_RATE bytes per wall second of monotonic time. */
static int
rate_spent(struct ad_evq *q, int64_t now)
{
	if (now / 1000 != q->budget_sec) {
		q->budget_sec = now / 1000;
		q->budget = AD_EVIDENCE_RATE;
	}
	return q->budget == 0;
}

static void *
evq_main(void *arg)
{
	struct ad_evq *q = arg;
	struct ad_evidence_opts o;
	struct ad_evidence e;
	struct evjob *j;
	int64_t now;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->ntodo == 0 && !q->stop)
			pthread_cond_wait(&q->cv_work, &q->mu);
		if (q->ntodo == 0)
			break;
		j = q->todo[q->todo_head];
		q->todo_head = (q->todo_head + 1) % q->cap;
		q->ntodo--;
		q->busy = 1;
		now = mono_ms();
		memset(&o, 0, sizeof(o));
		o.max_bytes = AD_EVIDENCE_MAX_BYTES;
		/* the finding must be in the database within 1 s */
		o.deadline_ms = j->queued_ms + AD_EVIDENCE_WAIT_MS;
		o.rate_limited = rate_spent(q, now);
		pthread_mutex_unlock(&q->mu);

		ad_evidence_gather(j->upper, (const char *const *)j->lowers,
		    j->path, &o, &e);
		now = mono_ms();
		ad_evidence_to_row(&e, now - j->queued_ms, &j->row);

		pthread_mutex_lock(&q->mu);
		q->budget = e.hashed >= q->budget ? 0 : q->budget - e.hashed;
		q->st.hashed_bytes += e.hashed;
		q->st.done++;
		if (now - j->queued_ms > q->st.max_latency_ms)
			q->st.max_latency_ms = now - j->queued_ms;
		/* done has room: a job is in todo or here, never both */
		q->done[(q->done_head + q->ndone) % q->cap] = j;
		q->ndone++;
		q->busy = 0;
		pthread_cond_broadcast(&q->cv_done);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* What ad_evq_new made, the thread already gone. */
static void
evq_release(struct ad_evq *q)
{
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv_work);
	pthread_cond_destroy(&q->cv_done);
	free(q->todo);
	free(q->done);
	free(q);
}

struct ad_evq *
ad_evq_new(size_t cap)
{
	struct ad_evq *q = xcalloc(1, sizeof(*q));

	q->cap = cap ? cap : 256;
	q->todo = xcalloc(q->cap, sizeof(*q->todo));
	q->done = xcalloc(q->cap, sizeof(*q->done));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv_work, NULL);
	pthread_cond_init(&q->cv_done, NULL);
	if (pthread_create(&q->thread, NULL, evq_main, q) != 0) {
		evq_release(q);
		return NULL;
	}
	return q;
}

void
ad_evq_free(struct ad_evq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	while (q->ndone > 0) {
		job_free(q->done[q->done_head]);
		q->done_head = (q->done_head + 1) % q->cap;
		q->ndone--;
	}
	evq_release(q);
}

int
ad_evq_push(struct ad_evq *q, const struct ad_row *row, const char *upper,
    const char *const *lowers, const char *path)
{
	struct evjob *j;
	size_t n, i;

	pthread_mutex_lock(&q->mu);
	/* a job holds a done slot from push to pop: count both */
	if (q->ntodo + q->ndone + (size_t)q->busy >= q->cap) {
		q->st.overflow++;
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	pthread_mutex_unlock(&q->mu);

	j = xcalloc(1, sizeof(*j));
	ad_row_init(&j->row);
	ad_row_copy(&j->row, row);
	j->upper = upper ? xstrdup(upper) : NULL;
	for (n = 0; lowers != NULL && lowers[n] != NULL; n++)
		;
	if (lowers != NULL) {
		j->lowers = xcalloc(n + 1, sizeof(*j->lowers));
		for (i = 0; i < n; i++)
			j->lowers[i] = xstrdup(lowers[i]);
	}
	j->path = xstrdup(path);
	j->queued_ms = mono_ms();

	pthread_mutex_lock(&q->mu);
	q->todo[(q->todo_head + q->ntodo) % q->cap] = j;
	q->ntodo++;
	q->st.queued++;
	pthread_cond_signal(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int
ad_evq_pop(struct ad_evq *q, struct ad_row *out, int wait)
{
	struct evjob *j = NULL;

	pthread_mutex_lock(&q->mu);
	while (wait && (q->ntodo > 0 || q->busy))
		pthread_cond_wait(&q->cv_done, &q->mu);
	if (q->ndone > 0) {
		j = q->done[q->done_head];
		q->done_head = (q->done_head + 1) % q->cap;
		q->ndone--;
	}
	pthread_mutex_unlock(&q->mu);
	if (j == NULL)
		return 0;
	ad_row_copy(out, &j->row);
	job_free(j);
	return 1;
}

void
ad_evq_stats(struct ad_evq *q, struct ad_evq_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}
