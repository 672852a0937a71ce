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
#include "log.h"
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

/* dl (CLOCK_MONOTONIC ms, 0: none) has passed. */
static int
past(int64_t dl)
{
	return dl > 0 && ad_mono_ms() >= dl;
}

__attribute__((weak)) long
ad_sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
	return syscall(SYS_openat2, dirfd, path, how, size);
}

/*
 * openat2 below dirfd, symlinks resolved inside it, the last one not
 * followed (O_NOFOLLOW: an O_PATH fd of the link itself).  The kernel
 * answers EAGAIN when a rename raced the lookup: a container renaming in
 * a loop can make that happen every time, so the retries are bounded
 * (AD_LAYER_RETRIES) and stop at dl.
 */
static int
layer_openat(int dirfd, const char *rel, int flags, int64_t dl)
{
	struct open_how how;
	long fd;
	int tries = 0;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	for (;;) {
		fd = ad_sys_openat2(dirfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != EAGAIN || ++tries >= AD_LAYER_RETRIES ||
		    past(dl))
			break;
	}
	return (int)fd;
}

int
ad_layer_openat(int dirfd, const char *rel, int flags)
{
	return layer_openat(dirfd, rel, flags, 0);
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
ancestors_hide(int dirfd, const char *rel, int64_t dl)
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
		fd = layer_openat(dirfd, buf, O_PATH, dl);
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
		fd = layer_openat(dirfd, buf, O_RDONLY | O_DIRECTORY, dl);
		opaque = fd >= 0 && ad_layer_is_opaque(fd);
		if (fd >= 0)
			close(fd);
		if (opaque)
			return AD_LAYER_ABSENT;
		*slash = '/';
	}
	return AD_LAYER_FOUND;
}

static enum ad_layer_hit
layers_find(const char *const *layers, size_t from, const char *path,
    struct stat *st, size_t *layer, int64_t dl)
{
	const char *rel = rel_of(path);
	enum ad_layer_hit h;
	size_t i;
	int dfd, fd;

	for (i = from; layers[i] != NULL; i++) {
		dfd = open(layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		fd = layer_openat(dfd, rel, O_PATH, dl);
		if (fd >= 0) {
			h = fstat(fd, st) == 0 ? AD_LAYER_FOUND : AD_LAYER_ABSENT;
			close(fd);
			close(dfd);
			if (h == AD_LAYER_FOUND && is_whiteout(st))
				return AD_LAYER_WHITEOUT;
			*layer = i;
			return h;
		}
		h = ancestors_hide(dfd, rel, dl);
		close(dfd);
		if (h != AD_LAYER_FOUND)
			return h;
	}
	return AD_LAYER_ABSENT;
}

enum ad_layer_hit
ad_layers_find(const char *const *layers, size_t from, const char *path,
    struct stat *st, size_t *layer)
{
	return layers_find(layers, from, path, st, layer, 0);
}

/*
 * The regular file path of layer, opened for reading.  It is looked at
 * through an O_PATH fd first (reading a device node can have effects),
 * and then that very fd is reopened through /proc/self/fd/N: opening the
 * path again would resolve it again, and a container swapping the file
 * in between would get its replacement read.
 */
static int
layer_open_file(const char *layer, const char *path, int64_t dl)
{
	char proc[32];
	struct stat a, b;
	int dfd, pfd, fd = -1, e;

	if ((dfd = open(layer, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	pfd = layer_openat(dfd, rel_of(path), O_PATH, dl);
	if (pfd >= 0 && fstat(pfd, &a) == 0) {
		if (S_ISLNK(a.st_mode))
			errno = ELOOP;
		else if (!S_ISREG(a.st_mode))
			errno = EINVAL;
		else {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
			fd = open(proc, O_RDONLY | O_NONBLOCK | O_NOCTTY |
			    O_CLOEXEC);
			if (fd >= 0 && (fstat(fd, &b) != 0 ||
			    b.st_ino != a.st_ino || b.st_dev != a.st_dev)) {
				close(fd);	/* not the file looked at */
				fd = -1;
				errno = EAGAIN;
			}
		}
	}
	e = errno;
	if (pfd >= 0)
		close(pfd);
	close(dfd);
	errno = e;
	return fd;
}

int
ad_layer_open_file(const char *layer, const char *path)
{
	return layer_open_file(layer, path, 0);
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
	if (past(deadline_ms)) {
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: timed out (the "
		    "finding's %d ms deadline passed)", AD_EVIDENCE_WAIT_MS);
		return 0;
	}
	if ((fd = layer_open_file(layer, path, deadline_ms)) < 0) {
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
		snprintf(sha, AD_EVIDENCE_TEXT, "not hashed: timed out (would "
		    "delay the finding past its deadline)");
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

/*
 * The package databases the container's upper layer holds (written or
 * deleted since the image): overlayfs copies a dir up only when
 * something below it changes, so their presence there is the change.
 * Returns the first one found, or NULL.
 */
static const char *
pkgdb_in_upper(const char *upper, int64_t dl)
{
	static const char *const dbs[] = {
		"var/lib/dpkg/info", "var/lib/dpkg/status",
		"usr/lib/sysimage/rpm", "var/lib/rpm"
	};
	size_t i;
	int dfd, fd;

	if ((dfd = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return NULL;
	for (i = 0; i < AD_ARRAY_SIZE(dbs); i++) {
		if ((fd = layer_openat(dfd, dbs[i], O_PATH, dl)) >= 0) {
			close(fd);
			break;
		}
	}
	close(dfd);
	return i < AD_ARRAY_SIZE(dbs) ? dbs[i] : NULL;
}

/*
 * Images whose package database stopped a lookup (a limit or the
 * deadline), for AD_PKG_CUT_MS: their next findings skip the lookup.
 * Otherwise every finding in a container with a hostile database would
 * spend its whole deadline there, and the one worker would starve the
 * other containers' evidence.  Keyed by a hash of the lower dirs.
 */
#define PKG_CUT_SLOTS	64
static struct {
	uint64_t key;
	int64_t until;
	char why[96];
} pkg_cut[PKG_CUT_SLOTS];
static pthread_mutex_t pkg_cut_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
lowers_key(const char *const *lowers)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	const char *p;
	size_t i;

	for (i = 0; lowers[i] != NULL; i++)
		for (p = lowers[i]; ; p++) {
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
			if (*p == '\0')
				break;
		}
	return h;
}

static int
pkg_cut_recently(const char *const *lowers, struct ad_pkg *out)
{
	uint64_t key = lowers_key(lowers);
	int64_t now = ad_mono_ms();
	size_t i;
	int hit = 0;

	pthread_mutex_lock(&pkg_cut_mu);
	for (i = 0; i < PKG_CUT_SLOTS && !hit; i++)
		if (pkg_cut[i].key == key && pkg_cut[i].until > now) {
			memset(out, 0, sizeof(*out));
			out->algo = "md5";
			snprintf(out->why, sizeof(out->why), "skipped (%s, "
			    "less than %d s ago)", pkg_cut[i].why,
			    AD_PKG_CUT_MS / 1000);
			hit = 1;
		}
	pthread_mutex_unlock(&pkg_cut_mu);
	return hit;
}

static void
pkg_cut_remember(const char *const *lowers, const struct ad_pkg *pkg)
{
	uint64_t key = lowers_key(lowers);
	int64_t now = ad_mono_ms();
	size_t i, slot = 0;

	pthread_mutex_lock(&pkg_cut_mu);
	for (i = 0; i < PKG_CUT_SLOTS; i++) {
		if (pkg_cut[i].key == key || pkg_cut[i].until <= now) {
			slot = i;
			break;
		}
		if (pkg_cut[i].until < pkg_cut[slot].until)
			slot = i;	/* else the oldest goes */
	}
	pkg_cut[slot].key = key;
	pkg_cut[slot].until = now + AD_PKG_CUT_MS;
	snprintf(pkg_cut[slot].why, sizeof(pkg_cut[slot].why), "%.95s",
	    pkg->why);
	pthread_mutex_unlock(&pkg_cut_mu);
}

void
ad_evidence_gather(const char *upper, const char *const *lowers,
    const char *path, const struct ad_evidence_opts *o,
    struct ad_evidence *e)
{
	static const struct ad_evidence_opts defaults = {
		AD_EVIDENCE_MAX_BYTES, 0, 0
	};
	struct ad_evidence_opts oo;
	const char *layers[MAX_LAYERS + 2], *moddb;
	char md5[AD_MD5_HEX];
	struct ad_pkg pkg;
	struct stat st, ist;
	uint64_t budget;
	size_t n = 0, at, iat;
	enum ad_layer_hit h;
	int hashed = 0, pk, want_md5, sn;

	if (o == NULL)
		o = &defaults;
	/* every job ends: with no deadline given, the finding's own */
	oo = *o;
	if (oo.deadline_ms <= 0)
		oo.deadline_ms = ad_mono_ms() + AD_EVIDENCE_WAIT_MS;
	o = &oo;
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

	/* first: an md5 is only worth computing for dpkg's digests.  The
	 * image's databases only: the container can write its own */
	if (pkg_cut_recently(layers + 1, &pkg)) {
		pk = -2;
	} else if ((pk = ad_pkg_lookup(layers + 1, path, o->deadline_ms,
	    &pkg)) == -2)
		pkg_cut_remember(layers + 1, &pkg);
	if (pk == 1)
		snprintf(e->package, sizeof(e->package), "%s", pkg.name);
	moddb = pkgdb_in_upper(upper, o->deadline_ms);
	want_md5 = pk == 1 && strcmp(pkg.algo, "md5") == 0;
	h = layers_find(layers, 0, path, &st, &at, o->deadline_ms);
	if (h == AD_LAYER_FOUND) {
		/* hashed first: the stat is then that of the bytes hashed,
		 * even while the file is being written */
		hashed = hash_budget(layers[at], path, &st, o, &budget,
		    e->sha256, want_md5 ? md5 : NULL, &e->hashed);
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

	h = layers_find(layers, 1, path, &ist, &iat, o->deadline_ms);
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
	else if (pk == 1 && hashed && pkg.digest[0] != '\0' &&
	    (!want_md5 || md5[0] != '\0'))	/* "": no MD5 in libcrypto */
		e->package_ok = strcmp(pkg.digest,
		    want_md5 ? md5 : e->sha256) == 0;
	/* "ok", then what the reader should know: where the package
	 * verdict came from, or why there is none */
	sn = snprintf(e->status, sizeof(e->status), "ok%s%s",
	    pk == -1 ? "; no package database in the image" : "",
	    moddb != NULL ? "; package_db: modified in container" : "");
	if (pk == -2 && sn > 0 && (size_t)sn < sizeof(e->status))
		snprintf(e->status + sn, sizeof(e->status) - (size_t)sn,
		    "; package lookup %.150s", pkg.why);
}

/* ---- package databases ------------------------------------------------ */

/* A whole small file of a layer into b (NUL-terminated).  0 ok. */
static int
read_small(const char *layer, const char *path, size_t max, struct ad_buf *b,
    int64_t dl)
{
	char chunk[16384];
	ssize_t n = 0;
	int fd = layer_open_file(layer, path, dl);

	if (fd < 0)
		return -1;
	ad_buf_reset(b);
	while (b->len < max && (n = read(fd, chunk, sizeof(chunk))) > 0)
		ad_buf_add(b, chunk, (size_t)n);
	close(fd);
	ad_buf_addc(b, '\0');
	return n < 0 ? -1 : 0;
}

/*
 * The next well-formed line of an md5sums text [*p, end): 32 hex, a
 * space, spaces, the file's name ("usr/bin/x", *name and *nlen, not
 * empty).  *p moves past it.  0 at the end.
 */
static int
md5sums_next(const char **p, const char *end, const char **digest,
    const char **name, size_t *nlen)
{
	const char *s, *nl;

	for (s = *p; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if (nl - s < 34 || s[32] != ' ')
			continue;
		for (*name = s + 33; *name < nl && **name == ' '; (*name)++)
			;
		if ((*nlen = (size_t)(nl - *name)) == 0)
			continue;
		*digest = s;
		*p = nl < end ? nl + 1 : end;
		return 1;
	}
	*p = end;
	return 0;
}

int
ad_md5sums_find(const char *text, size_t len, const char *rel, char *digest,
    size_t dcap)
{
	const char *p = text, *end = text + len, *d, *name;
	size_t nlen, rlen = strlen(rel);

	while (md5sums_next(&p, end, &d, &name, &nlen))
		if (nlen == rlen && memcmp(name, rel, rlen) == 0 && dcap > 32) {
			memcpy(digest, d, 32);
			digest[32] = '\0';
			return 1;
		}
	return 0;
}

/*
 * dpkg: each var/lib/dpkg/info/<pkg>.md5sums of the layers, read from
 * the layer that wins for it, to fn (the package's name, its length,
 * the text) until fn returns non-zero.  Bounded: at most
 * AD_DPKG_MAX_FILES files and AD_DPKG_MAX_BYTES in all, and dl.
 * Returns 1 when fn stopped, 0 when every file went to it, -1 when no
 * layer has the directory, -2 when a bound stopped the walk (why).
 */
static int
dpkg_each(const char *const *layers, int64_t dl,
    int (*fn)(void *, const char *, size_t, const char *, size_t),
    void *arg, char *why, size_t wcap)
{
	static const char info[] = "/var/lib/dpkg/info";
	char file[512];
	struct ad_buf b;
	struct dirent *de;
	struct stat st;
	size_t i, at, nl, files = 0;
	uint64_t bytes = 0;
	int dfd, fd, have = 0, rc = 0;
	DIR *d;

	ad_buf_init(&b);
	for (i = 0; layers[i] != NULL && rc == 0; i++) {
		if ((dfd = open(layers[i], O_PATH | O_DIRECTORY |
		    O_CLOEXEC)) < 0)
			continue;
		fd = layer_openat(dfd, info + 1, O_RDONLY | O_DIRECTORY, dl);
		close(dfd);
		if (fd < 0 || (d = fdopendir(fd)) == NULL) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		have = 1;
		while (rc == 0 && (de = readdir(d)) != NULL) {
			nl = strlen(de->d_name);
			if (nl <= 8 || strcmp(de->d_name + nl - 8,
			    ".md5sums") != 0 || (size_t)snprintf(file,
			    sizeof(file), "%s/%s", info, de->d_name) >=
			    sizeof(file))
				continue;
			if (past(dl)) {
				snprintf(why, wcap, "timed out after %zu dpkg "
				    "*.md5sums files", files);
				rc = -2;
			} else if (++files > AD_DPKG_MAX_FILES ||
			    bytes > AD_DPKG_MAX_BYTES) {
				snprintf(why, wcap, "stopped: more than %u "
				    "dpkg *.md5sums files or %u MiB",
				    AD_DPKG_MAX_FILES, AD_DPKG_MAX_BYTES >> 20);
				rc = -2;
			} else if (layers_find(layers, 0, file, &st, &at,
			    dl) == AD_LAYER_FOUND && at == i &&
			    read_small(layers[i], file, MD5SUMS_MAX, &b,
			    dl) == 0) {
				/* this layer wins for the file: read */
				bytes += b.len;
				rc = fn(arg, de->d_name, nl - 8, b.p,
				    b.len - 1) != 0;
			}
		}
		closedir(d);
	}
	ad_buf_free(&b);
	return rc != 0 ? rc : have ? 0 : -1;
}

struct dpkg_find {
	const char *rel;
	struct ad_pkg *out;
};

static int
dpkg_find_in(void *arg, const char *pkg, size_t plen, const char *text,
    size_t len)
{
	struct dpkg_find *f = arg;

	if (!ad_md5sums_find(text, len, f->rel, f->out->digest,
	    sizeof(f->out->digest)))
		return 0;
	snprintf(f->out->name, sizeof(f->out->name), "dpkg:%.*s", (int)plen,
	    pkg);
	f->out->algo = "md5";
	return 1;
}

/* dpkg's answer for path.  Returns as ad_pkg_lookup. */
static int
dpkg_lookup(const char *const *layers, const char *path, int64_t dl,
    struct ad_pkg *out)
{
	struct dpkg_find f = { rel_of(path), out };

	return dpkg_each(layers, dl, dpkg_find_in, &f, out->why,
	    sizeof(out->why));
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
	const char *data;	/* its data store */
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

/*
 * Walk a string array of the data store: *p is at a string, *p moves to
 * the next one.  Returns the string (NUL-terminated inside the store) and
 * its length in *len, or NULL at the store's end or an unterminated one.
 */
static const char *
rpm_next(const struct rpmhdr *h, const char **p, size_t *len)
{
	const char *s = *p, *end = h->data + h->dl, *z;

	if (s >= end || (z = memchr(s, '\0', (size_t)(end - s))) == NULL)
		return NULL;
	*len = (size_t)(z - s);
	*p = z + 1;
	return s;
}

/* The package's name, or "?" (*len set). */
static const char *
rpm_name(const struct rpmhdr *h, size_t *len)
{
	uint32_t off, n;
	const char *p, *s = NULL;

	if (rpm_tag(h, RPMTAG_NAME, &off, &n) == 0) {
		p = h->data + off;
		s = rpm_next(h, &p, len);
	}
	if (s == NULL) {
		s = "?";
		*len = 1;
	}
	return s;
}

/* A file of a header, to rpm_each's fn. */
struct rpm_file {
	const char *path;	/* dirname + basename, not NUL-terminated */
	size_t plen;
	const char *digest;	/* "" when the header has none for it */
	size_t dlen;
	const char *algo;
	const struct rpmhdr *h;	/* for rpm_name */
};

/*
 * Each file of one header blob to fn, until fn returns non-zero: one
 * pass over its arrays (the dirnames by index, then basenames, dir
 * indexes and digests in step; looking up the k-th string for each file
 * from the array's start was quadratic in a crafted blob).  Returns 1
 * when fn stopped, else 0 (a blob that is not a header is empty).
 */
static int
rpm_each(const void *blob, size_t blen,
    int (*fn)(void *, const struct rpm_file *), void *arg)
{
	struct rpmhdr h;
	struct rpm_file f;
	const unsigned char *d;
	uint32_t boff, bn, doff, dn, ioff, in, goff, gn, aoff, an;
	uint32_t k, di;
	const char **dirs = NULL, *p, *g, *s;
	size_t len, dlen, *dlens = NULL;
	char path[PATH_MAX];
	int rc = 0;

	if (blob == NULL || blen < 8)
		return 0;
	h.p = blob;
	h.il = be32(h.p);
	h.dl = be32(h.p + 4);
	if (h.il > 65536 || 8 + 16 * (uint64_t)h.il + h.dl > blen)
		return 0;
	h.data = (const char *)h.p + 8 + 16 * (size_t)h.il;
	d = (const unsigned char *)h.data;
	/* each dirname takes a byte of the store at least */
	if (rpm_tag(&h, RPMTAG_BASENAMES, &boff, &bn) != 0 ||
	    rpm_tag(&h, RPMTAG_DIRNAMES, &doff, &dn) != 0 ||
	    rpm_tag(&h, RPMTAG_DIRINDEXES, &ioff, &in) != 0 || in != bn ||
	    (uint64_t)ioff + 4ull * in > h.dl || dn > h.dl || dn > (1u << 20))
		return 0;
	dirs = xcalloc(dn ? dn : 1, sizeof(*dirs));
	dlens = xcalloc(dn ? dn : 1, sizeof(*dlens));
	p = h.data + doff;
	for (k = 0; k < dn; k++)
		if ((dirs[k] = rpm_next(&h, &p, &dlens[k])) == NULL)
			goto out;
	f.algo = "md5";
	if (rpm_tag(&h, RPMTAG_FILEDIGESTALGO, &aoff, &an) == 0 && an >= 1 &&
	    (uint64_t)aoff + 4 <= h.dl && be32(d + aoff) == 8)
		f.algo = "sha256";
	f.h = &h;
	f.path = path;
	g = rpm_tag(&h, RPMTAG_FILEDIGESTS, &goff, &gn) == 0 ? h.data + goff :
	    NULL;
	p = h.data + boff;
	for (k = 0; k < bn && rc == 0; k++) {
		if ((s = rpm_next(&h, &p, &len)) == NULL)
			break;
		f.digest = "";
		f.dlen = 0;
		if (g != NULL && k < gn && (f.digest = rpm_next(&h, &g,
		    &f.dlen)) == NULL) {
			g = NULL;
			f.digest = "";
			f.dlen = 0;
		}
		di = be32(d + ioff + 4 * (size_t)k);
		if (di >= dn || (dlen = dlens[di]) + len >= sizeof(path))
			continue;
		memcpy(path, dirs[di], dlen);
		memcpy(path + dlen, s, len);
		f.plen = dlen + len;
		rc = fn(arg, &f) != 0;
	}
out:
	free(dirs);
	free(dlens);
	return rc;
}

struct rpm_find {
	const char *path;
	size_t len;
	struct ad_pkg *out;
};

static int
rpm_find_in(void *arg, const struct rpm_file *f)
{
	struct rpm_find *q = arg;
	const char *n;
	size_t nl;

	if (f->plen != q->len || memcmp(f->path, q->path, q->len) != 0)
		return 0;
	q->out->algo = f->algo;
	q->out->digest[0] = '\0';
	if (f->dlen < sizeof(q->out->digest)) {
		memcpy(q->out->digest, f->digest, f->dlen);
		q->out->digest[f->dlen] = '\0';
	}
	n = rpm_name(f->h, &nl);
	snprintf(q->out->name, sizeof(q->out->name), "rpm:%.*s", (int)nl, n);
	return 1;
}

int
ad_rpm_header_find(const void *blob, size_t len, const char *path,
    struct ad_pkg *out)
{
	struct rpm_find q = { path, strlen(path), out };

	return rpm_each(blob, len, rpm_find_in, &q);
}

/* SQLite's progress handler: non-zero interrupts the statement. */
static int
rpm_progress(void *arg)
{
	return past(*(const int64_t *)arg);
}

/*
 * Open an untrusted rpmdb.sqlite (fd: the checked file) so that reading
 * it can neither write anything, run the database's own code, nor last
 * past dl: read-only and immutable (no -wal, no locks, no journal),
 * defensive, views and triggers off, schema not trusted, a length limit,
 * a progress handler bound to dl.  Returns the handle or NULL, why set.
 */
static sqlite3 *
rpmdb_open(int fd, const int64_t *dl, char *why, size_t wcap)
{
	char uri[64];
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	int ok = 0;

	snprintf(uri, sizeof(uri), "file:/proc/self/fd/%d?immutable=1", fd);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
	    NULL) != SQLITE_OK) {
		snprintf(why, wcap, "rpmdb.sqlite refused: %s",
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_progress_handler(db, 1000, rpm_progress, (void *)dl);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, AD_RPM_BLOB_MAX);
#ifdef SQLITE_DBCONFIG_DEFENSIVE	/* 3.26 */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
#endif
#ifdef SQLITE_DBCONFIG_ENABLE_VIEW	/* 3.30 */
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
#endif
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
#ifdef SQLITE_DBCONFIG_TRUSTED_SCHEMA	/* 3.31 */
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
#endif
	if (sqlite3_exec(db, "PRAGMA trusted_schema=OFF", NULL, NULL,
	    NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE "
	    "type='table' AND name='Packages' AND sql NOT LIKE "
	    "'CREATE VIRTUAL%'", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		ok = 1;
	sqlite3_finalize(q);
	if (ok)
		return db;
	snprintf(why, wcap, "%s", past(*dl) ? "timed out opening "
	    "rpmdb.sqlite" : "rpmdb.sqlite refused: Packages is not a table");
	sqlite3_close(db);
	return NULL;
}

/*
 * rpm: each header blob of the layers' rpmdb.sqlite (the layer that
 * wins for it) to fn until fn returns non-zero.  Returns 1 when fn
 * stopped, 0 when every row went to it, -1 when there is no rpmdb,
 * -2 when it was refused or a bound stopped the walk (why).
 */
static int
rpmdb_each(const char *const *layers, int64_t dl,
    int (*fn)(void *, const void *, size_t), void *arg, char *why,
    size_t wcap)
{
	static const char *const dbs[] = {
		"/usr/lib/sysimage/rpm/rpmdb.sqlite",
		"/var/lib/rpm/rpmdb.sqlite"
	};
	struct stat st;
	sqlite3 *db;
	sqlite3_stmt *q = NULL;
	size_t i, at, rows = 0;
	int fd = -1, stopped = 0, rc = SQLITE_DONE;

	for (i = 0; i < 2 && fd < 0; i++)
		if (layers_find(layers, 0, dbs[i], &st, &at, dl) ==
		    AD_LAYER_FOUND)
			fd = layer_open_file(layers[at], dbs[i], dl);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > AD_RPMDB_MAX_BYTES) {
		snprintf(why, wcap, "rpmdb.sqlite refused: more than %llu MiB",
		    (unsigned long long)(AD_RPMDB_MAX_BYTES >> 20));
		close(fd);
		return -2;
	}
	if ((db = rpmdb_open(fd, &dl, why, wcap)) == NULL) {
		close(fd);
		return -2;
	}
	if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &q,
	    NULL) != SQLITE_OK)
		rc = SQLITE_ERROR;
	while (rc != SQLITE_ERROR && !stopped &&
	    (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (++rows > AD_RPMDB_MAX_ROWS) {
			rc = SQLITE_FULL;
			break;
		}
		stopped = fn(arg, sqlite3_column_blob(q, 0),
		    (size_t)sqlite3_column_bytes(q, 0)) != 0;
	}
	if (!stopped && rc == SQLITE_FULL)
		snprintf(why, wcap, "stopped: more than %d rpm packages",
		    AD_RPMDB_MAX_ROWS);
	else if (!stopped && rc != SQLITE_DONE)
		snprintf(why, wcap, "%s", past(dl) ?
		    "timed out reading rpmdb.sqlite" :
		    "rpmdb.sqlite refused: cannot read Packages");
	sqlite3_finalize(q);
	sqlite3_close(db);
	close(fd);
	return stopped ? 1 : rc == SQLITE_DONE ? 0 : -2;
}

static int
rpm_find_blob(void *arg, const void *blob, size_t len)
{
	struct rpm_find *q = arg;

	return rpm_each(blob, len, rpm_find_in, q);
}

static int
rpm_lookup(const char *const *layers, const char *path, int64_t dl,
    struct ad_pkg *out)
{
	struct rpm_find q = { path, strlen(path), out };

	return rpmdb_each(layers, dl, rpm_find_blob, &q, out->why,
	    sizeof(out->why));
}

int
ad_pkg_lookup(const char *const *lowers, const char *path,
    int64_t deadline_ms, struct ad_pkg *out)
{
	int d, r;

	memset(out, 0, sizeof(*out));
	out->algo = "md5";
	if (deadline_ms <= 0)
		deadline_ms = ad_mono_ms() + AD_EVIDENCE_WAIT_MS;
	if ((d = dpkg_lookup(lowers, path, deadline_ms, out)) == 1)
		return 1;
	if (d == -2)	/* out of time: rpm's would be too */
		return -2;
	if ((r = rpm_lookup(lowers, path, deadline_ms, out)) == 1)
		return 1;
	return r == -2 ? -2 : d == 0 || r == 0 ? 0 : -1;
}

/* ---- every digest at once: the package index -------------------------- */

struct pkg_ent {
	char *path;		/* "/usr/bin/x" */
	char *name;		/* "dpkg:NAME" / "rpm:NAME", shared per package */
	char digest[AD_SHA256_HEX];
	const char *algo;
	size_t seq;		/* insertion order: the first of a path wins */
};

struct ad_pkg_index {
	struct pkg_ent *v;
	size_t n, cap;
	char **names;		/* owned package names */
	size_t nnames, capnames;
	const char *const *dirs;
};

/* Is path (len bytes, '/' first) below one of ix->dirs? */
static int
ix_wanted(const struct ad_pkg_index *ix, const char *path, size_t len)
{
	size_t i, dl;

	for (i = 0; ix->dirs[i] != NULL; i++) {
		dl = strlen(ix->dirs[i]);
		if (len > dl + 1 && path[dl] == '/' &&
		    memcmp(path, ix->dirs[i], dl) == 0 &&
		    memchr(path + dl + 1, '/', len - dl - 1) == NULL)
			return 1;
	}
	return 0;
}

static char *
ix_name(struct ad_pkg_index *ix, const char *kind, const char *s, size_t len)
{
	char *n = xmalloc(strlen(kind) + len + 2);

	sprintf(n, "%s:%.*s", kind, (int)len, s);
	if (ix->nnames == ix->capnames) {
		ix->capnames = ix->capnames ? ix->capnames * 2 : 64;
		ix->names = xrealloc(ix->names, ix->capnames *
		    sizeof(*ix->names));
	}
	return ix->names[ix->nnames++] = n;
}

/* A wanted path (ix_wanted: the callers ask before they name the
 * package). */
static void
ix_add(struct ad_pkg_index *ix, const char *path, size_t plen,
    const char *digest, size_t dlen, const char *algo, char *name)
{
	struct pkg_ent *e;

	if (dlen >= AD_SHA256_HEX)	/* as the lookup: owned, no digest */
		dlen = 0;
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 1024;
		ix->v = xrealloc(ix->v, ix->cap * sizeof(*ix->v));
	}
	e = &ix->v[ix->n];
	e->path = xstrndup(path, plen);
	e->name = name;
	memcpy(e->digest, digest, dlen);
	e->digest[dlen] = '\0';
	e->algo = algo;
	e->seq = ix->n++;
}

/* dpkg: every line of one *.md5sums file. */
static int
ix_dpkg_file(void *arg, const char *pkg, size_t plen, const char *text,
    size_t len)
{
	struct ad_pkg_index *ix = arg;
	char path[PATH_MAX], *name = NULL;
	const char *p = text, *d, *fname;
	size_t flen;

	while (md5sums_next(&p, text + len, &d, &fname, &flen)) {
		if (flen + 2 > sizeof(path))
			continue;
		path[0] = '/';
		memcpy(path + 1, fname, flen);
		if (!ix_wanted(ix, path, flen + 1))
			continue;
		if (name == NULL)
			name = ix_name(ix, "dpkg", pkg, plen);
		ix_add(ix, path, flen + 1, d, 32, "md5", name);
	}
	return 0;
}

/* rpm: every file of one header; the name is made once per header. */
struct ix_rpm_hdr {
	struct ad_pkg_index *ix;
	char *name;
};

static int
ix_rpm_file(void *arg, const struct rpm_file *f)
{
	struct ix_rpm_hdr *r = arg;
	const char *n;
	size_t nl;

	if (!ix_wanted(r->ix, f->path, f->plen))
		return 0;
	if (r->name == NULL) {
		n = rpm_name(f->h, &nl);
		r->name = ix_name(r->ix, "rpm", n, nl);
	}
	ix_add(r->ix, f->path, f->plen, f->digest, f->dlen, f->algo, r->name);
	return 0;
}

static int
ix_rpm_blob(void *arg, const void *blob, size_t len)
{
	struct ix_rpm_hdr r = { arg, NULL };

	return rpm_each(blob, len, ix_rpm_file, &r);
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct pkg_ent *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c != 0 ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct ad_pkg_index *
ad_pkg_index_load(const char *const *lowers, const char *const *dirs,
    int64_t deadline_ms)
{
	struct ad_pkg_index *ix = xcalloc(1, sizeof(*ix));
	char why[AD_EVIDENCE_TEXT];
	size_t i, j;

	ix->dirs = dirs;
	if (deadline_ms <= 0)
		deadline_ms = ad_mono_ms() + AD_EVIDENCE_WAIT_MS;
	if (dpkg_each(lowers, deadline_ms, ix_dpkg_file, ix, why,
	    sizeof(why)) == -2 || rpmdb_each(lowers, deadline_ms, ix_rpm_blob,
	    ix, why, sizeof(why)) == -2) {
		ad_pkg_index_free(ix);
		return NULL;
	}
	if (ix->n > 0)
		qsort(ix->v, ix->n, sizeof(*ix->v), ent_cmp);
	for (i = j = 0; i < ix->n; i++) {	/* the first of a path */
		if (j > 0 && strcmp(ix->v[j - 1].path, ix->v[i].path) == 0) {
			free(ix->v[i].path);
			continue;
		}
		ix->v[j++] = ix->v[i];
	}
	ix->n = j;
	return ix;
}

static int
ent_path_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct pkg_ent *)ent)->path);
}

int
ad_pkg_index_find(const struct ad_pkg_index *ix, const char *path,
    struct ad_pkg *out)
{
	const struct pkg_ent *e;

	memset(out, 0, sizeof(*out));
	out->algo = "md5";
	if (ix->n == 0 || (e = bsearch(path, ix->v, ix->n, sizeof(*ix->v),
	    ent_path_cmp)) == NULL)
		return 0;
	snprintf(out->name, sizeof(out->name), "%s", e->name);
	snprintf(out->digest, sizeof(out->digest), "%s", e->digest);
	out->algo = e->algo;
	return 1;
}

size_t
ad_pkg_index_size(const struct ad_pkg_index *ix)
{
	return ix != NULL ? ix->n : 0;
}

void
ad_pkg_index_free(struct ad_pkg_index *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	for (i = 0; i < ix->n; i++)
		free(ix->v[i].path);
	for (i = 0; i < ix->nnames; i++)
		free(ix->names[i]);
	free(ix->v);
	free(ix->names);
	free(ix);
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

/*
 * A job is owned by the queue's rings while queued or done, and by the
 * worker while it gathers.  The worker gathers without the lock and
 * without touching the job's row; the consumer may meanwhile give up on
 * it (abandoned: the row is handed out with "timed out", and the worker
 * frees the job when it comes back).  So a finding is stored whatever
 * the worker does, and stopping never waits on it for long.
 */
struct evjob {
	struct ad_row row;
	char *upper, **lowers, *path;
	int64_t queued_ms;
	int abandoned;
};

struct ad_evq {
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	pthread_t thread;
	struct evjob **todo, **done;	/* rings of cap */
	struct evjob *cur;		/* the worker's, or NULL */
	size_t cap, ntodo, todo_head, ndone, done_head;
	int stop, exited, orphaned;
	int64_t stop_by;		/* a waiting pop gives up then, 0 */
	int64_t budget_sec;		/* second the budget is for */
	uint64_t budget;
	struct ad_evq_stats st;
};

void (*ad_evq_job_hook)(const char *path);

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

/* What ad_evq_new made, the thread gone or never started. */
static void
evq_release(struct ad_evq *q)
{
	while (q->ntodo > 0) {
		job_free(q->todo[q->todo_head]);
		q->todo_head = (q->todo_head + 1) % q->cap;
		q->ntodo--;
	}
	while (q->ndone > 0) {
		job_free(q->done[q->done_head]);
		q->done_head = (q->done_head + 1) % q->cap;
		q->ndone--;
	}
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv_work);
	pthread_cond_destroy(&q->cv_done);
	free(q->todo);
	free(q->done);
	free(q);
}

static void *
evq_main(void *arg)
{
	struct ad_evq *q = arg;
	struct ad_evidence_opts o;
	struct ad_evidence e;
	struct evjob *j;
	int64_t now;
	int orphaned;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->ntodo == 0 && !q->stop)
			pthread_cond_wait(&q->cv_work, &q->mu);
		if (q->ntodo == 0 || q->stop)
			break;
		j = q->todo[q->todo_head];
		q->todo_head = (q->todo_head + 1) % q->cap;
		q->ntodo--;
		q->cur = j;
		now = ad_mono_ms();
		memset(&o, 0, sizeof(o));
		o.max_bytes = AD_EVIDENCE_MAX_BYTES;
		/* one deadline for all of the job's work: the finding must be
		 * in the database within 1 s of detection */
		o.deadline_ms = j->queued_ms + AD_EVIDENCE_WAIT_MS;
		o.rate_limited = rate_spent(q, now);
		pthread_mutex_unlock(&q->mu);

		if (now >= o.deadline_ms) {
			memset(&e, 0, sizeof(e));
			e.package_ok = -1;
			snprintf(e.status, sizeof(e.status), "timed out: waited "
			    "%lld ms in the evidence queue", (long long)
			    (now - j->queued_ms));
		} else {
			if (ad_evq_job_hook != NULL)
				ad_evq_job_hook(j->path);
			ad_evidence_gather(j->upper,
			    (const char *const *)j->lowers, j->path, &o, &e);
		}
		now = ad_mono_ms();

		pthread_mutex_lock(&q->mu);
		q->cur = NULL;
		q->budget = e.hashed >= q->budget ? 0 : q->budget - e.hashed;
		q->st.hashed_bytes += e.hashed;
		q->st.done++;
		if (now - j->queued_ms > q->st.max_latency_ms)
			q->st.max_latency_ms = now - j->queued_ms;
		if (j->abandoned)	/* its row went out without us */
			job_free(j);
		else {
			ad_evidence_to_row(&e, now - j->queued_ms, &j->row);
			/* done has room: a job is in todo or here, never
			 * both */
			q->done[(q->done_head + q->ndone) % q->cap] = j;
			q->ndone++;
		}
		pthread_cond_broadcast(&q->cv_done);
	}
	q->exited = 1;
	orphaned = q->orphaned;
	pthread_cond_broadcast(&q->cv_done);
	pthread_mutex_unlock(&q->mu);
	if (orphaned)		/* ad_evq_free gave up waiting: ours now */
		evq_release(q);
	return NULL;
}

struct ad_evq *
ad_evq_new(size_t cap)
{
	struct ad_evq *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t ca;

	q->cap = cap ? cap : 256;
	q->todo = xcalloc(q->cap, sizeof(*q->todo));
	q->done = xcalloc(q->cap, sizeof(*q->done));
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv_work, NULL);
	pthread_cond_init(&q->cv_done, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&q->thread, NULL, evq_main, q) != 0) {
		evq_release(q);
		return NULL;
	}
	return q;
}

/* Wait on cv_done until ms (CLOCK_MONOTONIC).  Lock held. */
static void
wait_done_until(struct ad_evq *q, int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	(void)pthread_cond_timedwait(&q->cv_done, &q->mu, &ts);
}

void
ad_evq_free(struct ad_evq *q)
{
	int64_t until;
	int exited;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->cv_work);
	/* a waiting pop has had its second already (stop_by) */
	until = ad_mono_ms() + (q->stop_by > 0 ? 50 : AD_EVQ_STOP_MS);
	if (q->stop_by > until)
		until = q->stop_by;
	while (!q->exited && ad_mono_ms() < until)
		wait_done_until(q, until);
	exited = q->exited;
	if (!exited)
		q->orphaned = 1;
	pthread_mutex_unlock(&q->mu);
	if (!exited) {
		/* stuck in a job: it frees the queue when it comes back */
		log_warnx("the evidence thread did not stop within %d ms; left "
		    "behind (a package database or file in a container is "
		    "stalling it: see `audrift containers`)", AD_EVQ_STOP_MS);
		pthread_detach(q->thread);
		return;
	}
	pthread_join(q->thread, NULL);
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
	if (q->ntodo + q->ndone + (q->cur != NULL) >= q->cap) {
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
	j->queued_ms = ad_mono_ms();

	pthread_mutex_lock(&q->mu);
	q->todo[(q->todo_head + q->ntodo) % q->cap] = j;
	q->ntodo++;
	q->st.queued++;
	pthread_cond_signal(&q->cv_work);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* j's row into out, saying the worker did not give its evidence. */
static void
give_up(struct ad_evq *q, struct evjob *j, struct ad_row *out, int64_t now,
    const char *why)
{
	char text[AD_EVIDENCE_TEXT];

	ad_row_copy(out, &j->row);
	snprintf(text, sizeof(text), "timed out: %s after %lld ms", why,
	    (long long)(now - j->queued_ms));
	ad_row_set_text(out, "evidence", text);
	ad_row_set_int(out, "evidence_ms", now - j->queued_ms);
	q->st.timed_out++;
}

int
ad_evq_pop(struct ad_evq *q, struct ad_row *out, int wait)
{
	struct evjob *j = NULL;
	int64_t now;

	pthread_mutex_lock(&q->mu);
	now = ad_mono_ms();
	if (wait && q->stop_by == 0)
		q->stop_by = now + AD_EVQ_STOP_MS;
	while (wait && q->ndone == 0 && (q->ntodo > 0 ||
	    (q->cur != NULL && !q->cur->abandoned)) &&
	    (now = ad_mono_ms()) < q->stop_by)
		wait_done_until(q, q->stop_by);
	now = ad_mono_ms();
	if (q->ndone > 0) {
		j = q->done[q->done_head];
		q->done_head = (q->done_head + 1) % q->cap;
		q->ndone--;
		pthread_mutex_unlock(&q->mu);
		ad_row_copy(out, &j->row);
		job_free(j);
		return 1;
	}
	/* nothing done: a job the worker holds past the hard limit (or at
	 * stop) goes out without its evidence, then those waiting behind */
	if (q->cur != NULL && !q->cur->abandoned && (wait ||
	    now - q->cur->queued_ms >= AD_EVQ_HARD_MS)) {
		give_up(q, q->cur, out, now, "the evidence worker did not "
		    "finish");
		q->cur->abandoned = 1;
		pthread_mutex_unlock(&q->mu);
		return 1;
	}
	if (q->ntodo > 0 && (wait || (q->cur != NULL &&
	    now - q->todo[q->todo_head]->queued_ms >= AD_EVQ_HARD_MS))) {
		j = q->todo[q->todo_head];
		q->todo_head = (q->todo_head + 1) % q->cap;
		q->ntodo--;
		give_up(q, j, out, now, "queued behind a stalled job");
		pthread_mutex_unlock(&q->mu);
		job_free(j);
		return 1;
	}
	pthread_mutex_unlock(&q->mu);
	return 0;
}

void
ad_evq_stats(struct ad_evq *q, struct ad_evq_stats *out)
{
	pthread_mutex_lock(&q->mu);
	*out = q->st;
	pthread_mutex_unlock(&q->mu);
}
