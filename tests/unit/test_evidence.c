/*
 * test_evidence.c - digests (libcrypto wired in), the layer lookup, dpkg and
 * rpm package databases on fixture layers (tests/fixtures/evidence), the
 * evidence a finding gets, and the upper/lower diff.  The upper layer is
 * made at run time in a temp dir: a whiteout is a 0/0 char device and an
 * opaque dir a trusted.* xattr, both need root (those checks skip, with
 * the reason, when not root).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "evidence.h"
#include "finding.h"
#include "util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/evidence"
#endif

static const char L1[] = FIXTURE_DIR "/lower1";
static const char L2[] = FIXTURE_DIR "/lower2";

static void
sha_of(const char *s, size_t n, char *hex)
{
	assert_int_equal(ad_digest_buf(AD_DIGEST_SHA256, s, n, hex), 0);
}

static void
md5_of(const char *s, size_t n, char *hex)
{
	assert_int_equal(ad_digest_buf(AD_DIGEST_MD5, s, n, hex), 0);
}

/* libcrypto wired in: one known value each, and a context fed in pieces
 * gives what one buffer gives, and starts over after its digest. */
static void
test_digests(void **state)
{
	char hex[AD_SHA256_HEX], a[1000];
	struct ad_digest *d;
	size_t i;

	(void)state;
	sha_of("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	md5_of("abc", 3, hex);
	assert_string_equal(hex, "900150983cd24fb0d6963f7d28e17f72");
	memset(a, 'a', sizeof(a));
	d = ad_digest_new(AD_DIGEST_SHA256);
	assert_non_null(d);
	for (i = 0; i < 1000000; i += 997)
		ad_digest_update(d, a, i + 997 <= 1000000 ? 997 : 1000000 - i);
	assert_int_equal(ad_digest_hex(d, hex), 0);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
	ad_digest_update(d, "abc", 3);
	assert_int_equal(ad_digest_hex(d, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ad_digest_free(d);
	ad_digest_free(NULL);
}

static void
test_digest_fd_limit(void **state)
{
	char sha[AD_SHA256_HEX], md5[AD_MD5_HEX], path[] = "/tmp/adevXXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(ad_digest_fd(fd, 2, 0, sha, md5), 1);	/* too big */
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(ad_digest_fd(fd, 3, 0, sha, md5), 0);
	assert_string_equal(md5, "900150983cd24fb0d6963f7d28e17f72");
	close(fd);
	unlink(path);
}

static void
test_dpkg_lookup(void **state)
{
	const char *layers[] = { L1, L2, NULL };
	char want[AD_MD5_HEX];
	struct ad_pkg pk;

	(void)state;
	md5_of("#!/bin/sh\necho tool\n", 20, want);
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/tool", 0, &pk), 1);
	assert_string_equal(pk.name, "dpkg:tool");
	assert_string_equal(pk.algo, "md5");
	assert_string_equal(pk.digest, want);
	/* no package owns it: dpkg database there, rpm's says no too */
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/nothing", 0, &pk), 0);
	/* a prefix of a listed path is not it */
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/too", 0, &pk), 0);
}

static void
test_rpm_lookup(void **state)
{
	const char *layers[] = { L2, NULL }, *both[] = { L1, L2, NULL };
	const char *none[] = { FIXTURE_DIR "/lower1/opt", NULL };
	char want[AD_SHA256_HEX];
	struct ad_pkg pk;

	(void)state;
	sha_of("rpm tool\n", 9, want);
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/rtool", 0, &pk), 1);
	assert_string_equal(pk.name, "rpm:rtool");
	assert_string_equal(pk.algo, "sha256");
	assert_string_equal(pk.digest, want);
	assert_int_equal(ad_pkg_lookup(layers, "/etc/fstab", 0, &pk), 1);
	assert_string_equal(pk.name, "rpm:filesystem");
	/* dpkg first, then rpm, in a mixed stack */
	assert_int_equal(ad_pkg_lookup(both, "/usr/bin/rtool", 0, &pk), 1);
	assert_string_equal(pk.name, "rpm:rtool");
	assert_int_equal(ad_pkg_lookup(none, "/usr/bin/rtool", 0, &pk), -1);
}

/* ---- hostile package databases, made here ----------------------------- */

static int64_t
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/*
 * An rpm header blob naming n files dir/bNNNNNNN (all in one dir), each
 * with the digest "dNNNNNNN" (dw digits), the package "big".  Owned by
 * the caller.
 */
static unsigned char *
big_header(const char *dir, uint32_t n, int dw, size_t *len)
{
	struct ad_buf data;
	unsigned char *blob, e[16];
	uint32_t i, off[5], tag[5] = { 1000, 1117, 1118, 1116, 1035 };
	uint32_t cnt[5];
	char s[160];

	ad_buf_init(&data);
	off[0] = 0;
	ad_buf_add(&data, "big", 4);
	off[1] = (uint32_t)data.len;
	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "b%07u", i);
		ad_buf_add(&data, s, strlen(s) + 1);
	}
	off[2] = (uint32_t)data.len;
	ad_buf_add(&data, dir, strlen(dir) + 1);
	while (data.len % 4)
		ad_buf_addc(&data, '\0');
	off[3] = (uint32_t)data.len;
	for (i = 0; i < n; i++)
		ad_buf_add(&data, "\0\0\0\0", 4);	/* dir index 0 */
	off[4] = (uint32_t)data.len;
	for (i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "d%0*u", dw, i);
		ad_buf_add(&data, s, strlen(s) + 1);
	}
	cnt[0] = 1; cnt[1] = n; cnt[2] = 1; cnt[3] = n; cnt[4] = n;
	*len = 8 + 16 * 5 + data.len;
	blob = xmalloc(*len);
	be32_put(blob, 5);
	be32_put(blob + 4, (uint32_t)data.len);
	for (i = 0; i < 5; i++) {
		be32_put(e, tag[i]);
		be32_put(e + 4, i == 3 ? 4 : 8);
		be32_put(e + 8, off[i]);
		be32_put(e + 12, cnt[i]);
		memcpy(blob + 8 + 16 * i, e, 16);
	}
	memcpy(blob + 8 + 16 * 5, data.p, data.len);
	ad_buf_free(&data);
	return blob;
}

/* The last of 200,000 files of one header: one pass, not k passes
 * (the k-th-string lookup from the start took minutes here). */
static void
test_rpm_header_linear(void **state)
{
	size_t len;
	unsigned char *blob = big_header("/usr/bin/", 200000, 7, &len);
	struct ad_pkg pk;
	int64_t t0 = mono_now();

	(void)state;
	memset(&pk, 0, sizeof(pk));
	assert_int_equal(ad_rpm_header_find(blob, len, "/usr/bin/b0199999",
	    &pk), 1);
	assert_string_equal(pk.name, "rpm:big");
	assert_string_equal(pk.digest, "d0199999");
	assert_int_equal(ad_rpm_header_find(blob, len, "/usr/sbin/b0000001",
	    &pk), 0);
	assert_int_equal(ad_rpm_header_find(blob, len - 100,
	    "/usr/bin/b0000001", &pk), 0);	/* truncated: refused */
	assert_true(mono_now() - t0 < 500);
	free(blob);
}

static char hostile[64];

static void
hostile_mkdirs(const char *rel)
{
	char p[256], *s;

	snprintf(p, sizeof(p), "%s/%s", hostile, rel);
	for (s = p + strlen(hostile) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(p, 0755);
		*s = '/';
	}
	(void)mkdir(p, 0755);
}

/* A fresh rpmdb.sqlite in the hostile layer, made by sql. */
static void
hostile_rpmdb(const char *sql)
{
	char p[256];
	sqlite3 *db;

	hostile_mkdirs("var/lib/rpm");
	snprintf(p, sizeof(p), "%s/var/lib/rpm/rpmdb.sqlite", hostile);
	unlink(p);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f);

static int
hostile_setup(void **state)
{
	(void)state;
	strcpy(hostile, "/tmp/adev-hostileXXXXXX");
	return mkdtemp(hostile) ? 0 : -1;
}

static int
hostile_teardown(void **state)
{
	(void)state;
	return nftw(hostile, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The hostile layer's rpmdb, with one big_header(n, dw) blob; its path
 * in p. */
static void
big_rpmdb(uint32_t n, int dw, char *p, size_t cap)
{
	unsigned char *blob;
	sqlite3_stmt *st;
	sqlite3 *db;
	size_t len;

	hostile_rpmdb("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, "
	    "blob BLOB NOT NULL);");
	snprintf(p, cap, "%s/var/lib/rpm/rpmdb.sqlite", hostile);
	blob = big_header("/usr/bin/", n, dw, &len);
	assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO Packages(blob) "
	    "VALUES(?)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(blob);
}

/* The index over an rpmdb whose one header lists 200,000 files: all
 * read in one pass (a per-file lookup of each would be 200,000 walks). */
static void
test_pkg_index_big(void **state)
{
	const char *layers[] = { hostile, NULL }, *dirs[] = { "/usr/bin", NULL };
	struct ad_pkg_index *ix;
	struct ad_pkg pk;
	char p[256];

	(void)state;
	big_rpmdb(200000, 7, p, sizeof(p));
	ix = ad_pkg_index_load(layers, dirs, 0);
	assert_non_null(ix);
	assert_int_equal(ad_pkg_index_size(ix), 200000);
	assert_int_equal(ad_pkg_index_find(ix, "/usr/bin/b0199999", &pk), 1);
	assert_string_equal(pk.name, "rpm:big");
	assert_string_equal(pk.digest, "d0199999");
	assert_int_equal(ad_pkg_index_find(ix, "/usr/bin/b0200000", &pk), 0);
	ad_pkg_index_free(ix);
	unlink(p);
}

/* A digest longer than any: the file is the package's, with no digest,
 * for the lookup and the index alike (fuzz_pkgdb's differential check). */
static void
test_pkg_long_digest(void **state)
{
	const char *layers[] = { hostile, NULL }, *dirs[] = { "/usr/bin", NULL };
	struct ad_pkg_index *ix;
	struct ad_pkg a, b;
	char p[256];

	(void)state;
	big_rpmdb(2, 120, p, sizeof(p));
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/b0000001", 0, &a), 1);
	assert_string_equal(a.name, "rpm:big");
	assert_string_equal(a.digest, "");
	ix = ad_pkg_index_load(layers, dirs, 0);
	assert_non_null(ix);
	assert_int_equal(ad_pkg_index_find(ix, "/usr/bin/b0000001", &b), 1);
	assert_string_equal(b.name, a.name);
	assert_string_equal(b.digest, "");
	ad_pkg_index_free(ix);
	unlink(p);
}

/* Packages as a never-ending recursive view: refused, at once. */
static void
test_rpmdb_recursive_view(void **state)
{
	const char *layers[] = { hostile, NULL };
	struct ad_pkg pk;
	int64_t t0;

	(void)state;
	hostile_rpmdb("CREATE VIEW Packages AS WITH RECURSIVE r(blob) AS "
	    "(SELECT x'00' UNION ALL SELECT blob FROM r) SELECT blob FROM r;");
	t0 = mono_now();
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/x", 0, &pk), -2);
	assert_non_null(strstr(pk.why, "Packages is not a table"));
	assert_true(mono_now() - t0 < AD_EVIDENCE_WAIT_MS);
	/* a virtual table is not one either */
	hostile_rpmdb("CREATE VIRTUAL TABLE Packages USING fts4(blob);");
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/x", 0, &pk), -2);
}

/* A real table too long to read by the deadline: the progress handler
 * ends the scan there. */
static void
test_rpmdb_deadline(void **state)
{
	const char *layers[] = { hostile, NULL };
	struct ad_pkg pk;
	int64_t t0;

	(void)state;
	hostile_rpmdb("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, "
	    "blob BLOB);"
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
	    "WHERE i < 150000) INSERT INTO Packages(blob) SELECT "
	    "zeroblob(64) FROM n;");
	t0 = mono_now();
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/x", t0 + 2, &pk),
	    -2);
	assert_non_null(strstr(pk.why, "timed out"));
	assert_true(mono_now() - t0 < 100);
	/* given the time, the same table is read to its end */
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/x", t0 + 60000, &pk),
	    0);
}

/* An image whose package database stopped a lookup is skipped for a
 * while: one hostile image does not spend every finding's deadline. */
static void
test_evidence_pkg_cut(void **state)
{
	const char *lowers[] = { hostile, NULL };
	struct ad_evidence e;
	char up[96];
	int64_t t0;

	(void)state;
	snprintf(up, sizeof(up), "%s/upper", hostile);
	(void)mkdir(up, 0755);
	hostile_rpmdb("CREATE VIEW Packages AS SELECT x'00' AS blob;");
	ad_evidence_gather(up, lowers, "/usr/bin/x", NULL, &e);
	assert_non_null(strstr(e.status, "Packages is not a table"));
	t0 = mono_now();
	ad_evidence_gather(up, lowers, "/usr/bin/y", NULL, &e);
	assert_non_null(strstr(e.status, "package lookup skipped (rpmdb.sqlite "
	    "refused: Packages is not a table, less than 60 s ago)"));
	assert_true(mono_now() - t0 < 50);
	rmdir(up);
}

/* 10,000 md5sums files: the lookup stops at the deadline. */
static void
test_dpkg_many_md5sums(void **state)
{
	const char *layers[] = { hostile, NULL };
	char p[256];
	struct ad_pkg pk;
	int64_t t0;
	int i, fd;

	(void)state;
	hostile_mkdirs("var/lib/dpkg/info");
	for (i = 0; i < 10000; i++) {
		snprintf(p, sizeof(p), "%s/var/lib/dpkg/info/p%05d.md5sums",
		    hostile, i);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "00000000000000000000000000000000  "
		    "usr/share/doc/x\n", 50), 50);
		close(fd);
	}
	t0 = mono_now();
	assert_int_equal(ad_pkg_lookup(layers, "/usr/bin/x", t0 + 20, &pk),
	    -2);
	assert_non_null(strstr(pk.why, "timed out after"));
	assert_true(mono_now() - t0 < 200);
}

/* ---- an upper layer made here ----------------------------------------- */

static char upper[64];
static int have_root_fs;	/* whiteouts and opaque dirs made */

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", upper, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", upper, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static int
upper_setup(void **state)
{
	char p[256];

	(void)state;
	strcpy(upper, "/tmp/adev-upperXXXXXX");
	if (mkdtemp(upper) == NULL)
		return -1;
	mk("usr"); mk("usr/bin"); mk("opt"); mk("opt/app");
	put("usr/bin/tool", "changed\n", 0755);
	put("usr/bin/added", "added\n", 0700);
	put("usr/bin/a\nb\xff", "hostile\n", 0644);
	snprintf(p, sizeof(p), "%s/usr/bin/esc", upper);
	if (symlink("/etc/passwd", p) != 0)
		return -1;
	snprintf(p, sizeof(p), "%s/usr/lib", upper);
	if (symlink("/", p) != 0)	/* /usr/lib/etc/passwd: not the host's */
		return -1;
	snprintf(p, sizeof(p), "%s/usr/bin/gone", upper);
	have_root_fs = mknod(p, S_IFCHR | 0, makedev(0, 0)) == 0;
	snprintf(p, sizeof(p), "%s/opt/app", upper);
	if (have_root_fs && setxattr(p, "trusted.overlay.opaque", "y", 1,
	    0) != 0)
		have_root_fs = 0;
	put("opt/app/new", "new\n", 0644);
	return 0;
}

static int
upper_teardown(void **state)
{
	(void)state;
	return nftw(upper, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void
gather(const char *path, struct ad_evidence *e)
{
	const char *lowers[] = { L1, L2, NULL };
	struct ad_evidence_opts o;

	memset(&o, 0, sizeof(o));
	o.max_bytes = AD_EVIDENCE_MAX_BYTES;
	ad_evidence_gather(upper, lowers, path, &o, e);
}

static void
test_evidence_modified(void **state)
{
	struct ad_evidence e;
	char now[AD_SHA256_HEX], img[AD_SHA256_HEX];

	(void)state;
	sha_of("changed\n", 8, now);
	sha_of("#!/bin/sh\necho tool\n", 20, img);	/* lower1 wins */
	gather("/usr/bin/tool", &e);
	assert_int_equal(e.have_stat, 1);
	assert_int_equal(e.mode & 07777, 0755);
	assert_int_equal(e.size, 8);
	assert_string_equal(e.sha256, now);
	assert_string_equal(e.image_sha256, img);
	assert_string_equal(e.package, "dpkg:tool");
	assert_int_equal(e.package_ok, 0);
	assert_string_equal(e.status, "ok");
}

static void
test_evidence_untouched_and_added(void **state)
{
	struct ad_evidence e;
	char want[AD_SHA256_HEX];

	(void)state;
	sha_of("rpm tool\n", 9, want);
	gather("/usr/bin/rtool", &e);
	assert_string_equal(e.sha256, want);
	assert_string_equal(e.image_sha256, want);
	assert_string_equal(e.package, "rpm:rtool");
	assert_int_equal(e.package_ok, 1);

	gather("/usr/bin/added", &e);
	assert_string_equal(e.image_sha256, "absent in image");
	assert_string_equal(e.package, "");
	assert_int_equal(e.package_ok, -1);
	gather("/usr/bin/a\nb\xff", &e);
	assert_int_equal(e.have_stat, 1);
	assert_string_equal(e.image_sha256, "absent in image");
}

static void
test_evidence_symlinks(void **state)
{
	struct ad_evidence e;

	(void)state;
	gather("/usr/bin/esc", &e);
	assert_int_equal(e.have_stat, 1);
	assert_true(S_ISLNK(e.mode));
	assert_string_equal(e.sha256, "not hashed: symlink");
	/* through an absolute symlinked dir: resolved inside the layer */
	gather("/usr/lib/etc/passwd", &e);
	assert_int_equal(e.have_stat, 0);
	assert_non_null(strstr(e.sha256, "absent"));
	/* relative path, no overlay, gone */
	gather("usr/bin/tool", &e);
	assert_non_null(strstr(e.status, "unavailable"));
	ad_evidence_gather(NULL, NULL, "/x", NULL, &e);
	assert_non_null(strstr(e.status, "overlay dirs are unknown"));
}

static void
test_evidence_limits(void **state)
{
	const char *lowers[] = { L1, L2, NULL };
	struct ad_evidence_opts o;
	struct ad_evidence e;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.max_bytes = 4;
	ad_evidence_gather(upper, lowers, "/usr/bin/tool", &o, &e);
	assert_non_null(strstr(e.sha256, "more than the"));
	o.max_bytes = AD_EVIDENCE_MAX_BYTES;
	o.rate_limited = 1;
	ad_evidence_gather(upper, lowers, "/usr/bin/tool", &o, &e);
	assert_non_null(strstr(e.sha256, "rate limit"));
	ad_evidence_gather("/nonexistent/upper", lowers, "/usr/bin/tool", &o,
	    &e);
	assert_string_equal(e.status, "unavailable: container gone");
}

static void
test_whiteout_and_opaque(void **state)
{
	struct ad_evidence e;
	const char *layers[] = { upper, L1, L2, NULL };
	char want[AD_SHA256_HEX];
	struct stat st;
	size_t at;

	(void)state;
	if (!have_root_fs) {
		fprintf(stderr, "skipped: whiteouts (a 0/0 char device) and "
		    "opaque dirs (trusted.* xattr) need root\n");
		skip();
	}
	sha_of("gone\n", 5, want);
	gather("/usr/bin/gone", &e);
	assert_int_equal(e.have_stat, 0);
	assert_string_equal(e.sha256, "absent: deleted in the container");
	assert_string_equal(e.image_sha256, want);
	/* opaque /opt/app hides the image's /opt/app/file */
	assert_int_equal(ad_layers_find(layers, 0, "/opt/app/file", &st, &at),
	    AD_LAYER_ABSENT);
	assert_int_equal(ad_layers_find(layers, 1, "/opt/app/file", &st, &at),
	    AD_LAYER_FOUND);
	assert_int_equal(ad_layers_find(layers, 0, "/usr/bin/gone", &st, &at),
	    AD_LAYER_WHITEOUT);
}

static void
test_diff(void **state)
{
	const char *layers[] = { upper, L1, L2, NULL };
	char *text = NULL, want[AD_SHA256_HEX], line[512];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	(void)state;
	n = ad_diff_layers(layers, 1, f);
	fclose(f);
	assert_true(n >= 5);
	sha_of("changed\n", 8, want);
	snprintf(line, sizeof(line), "{\"change\":\"modified\",\"path\":"
	    "\"/usr/bin/tool\",\"type\":\"file\",\"mode\":493");
	assert_non_null(strstr(text, line));
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text, "{\"change\":\"added\",\"path\":"
	    "\"/usr/bin/added\""));
	assert_non_null(strstr(text, "\"path\":\"/usr/bin/esc\",\"type\":"
	    "\"symlink\""));
	assert_non_null(strstr(text, "\"path_hex\""));	/* non-UTF-8 name */
	if (have_root_fs) {
		sha_of("gone\n", 5, want);
		snprintf(line, sizeof(line), "{\"change\":\"deleted\",\"path\":"
		    "\"/usr/bin/gone\",\"sha256\":null,\"image_sha256\":\"%s\"}",
		    want);
		assert_non_null(strstr(text, line));
		assert_non_null(strstr(text, "{\"change\":\"replaced\","
		    "\"path\":\"/opt/app\""));
	}
	free(text);
	/* the table escapes the hostile name */
	text = NULL;
	f = open_memstream(&text, &len);
	ad_diff_layers(layers, 0, f);
	fclose(f);
	assert_non_null(strstr(text, "/usr/bin/a\\x0ab\\xff\n"));
	free(text);
}

/* The worker: rows come back with the evidence columns filled. */
static void
test_worker(void **state)
{
	const char *lowers[] = { L1, L2, NULL };
	struct ad_evq *q = ad_evq_new(2);
	struct ad_row row, out;
	int i, got = 0;

	(void)state;
	assert_non_null(q);
	ad_row_init(&row);
	ad_row_init(&out);
	ad_row_set_text(&row, "rule", "r1");
	assert_int_equal(ad_evq_push(q, &row, upper, lowers,
	    "/usr/bin/added"), 0);
	assert_int_equal(ad_evq_push(q, &row, upper, lowers,
	    "/usr/bin/tool"), 0);
	/* the queue holds 2: a third is refused, not lost by the queue */
	assert_int_equal(ad_evq_push(q, &row, upper, lowers, "/x"), -1);
	for (i = 0; i < 2; i++) {
		got += ad_evq_pop(q, &out, 1);
		assert_string_equal(ad_row_text(&out, ad_col_index("rule"),
		    NULL), "r1");
		assert_string_equal(ad_row_text(&out,
		    ad_col_index("evidence"), NULL), "ok");
		assert_false(out.v[ad_col_index("evidence_ms")].null);
	}
	assert_int_equal(got, 2);
	assert_int_equal(ad_evq_pop(q, &out, 0), 0);
	ad_row_free(&row);
	ad_row_free(&out);
	ad_evq_free(q);
}

/* The image's dpkg database says tool is "changed\n"?  No: a forged
 * md5sums in the container's upper layer is not read, and is reported. */
static void
test_evidence_upper_pkgdb(void **state)
{
	char p[256], line[128];
	struct ad_evidence e;
	char md5[AD_MD5_HEX];

	(void)state;
	md5_of("changed\n", 8, md5);
	mk("var"); mk("var/lib"); mk("var/lib/dpkg"); mk("var/lib/dpkg/info");
	snprintf(line, sizeof(line), "%s  usr/bin/tool\n", md5);
	put("var/lib/dpkg/info/tool.md5sums", line, 0644);
	gather("/usr/bin/tool", &e);
	assert_string_equal(e.package, "dpkg:tool");
	assert_int_equal(e.package_ok, 0);	/* the image's digest */
	assert_string_equal(e.status,
	    "ok; package_db: modified in container");
	snprintf(p, sizeof(p), "%s/var", upper);
	assert_int_equal(nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	gather("/usr/bin/tool", &e);
	assert_string_equal(e.status, "ok");
}

/* A job stalled in the worker: its row and the one queued behind it come
 * out "timed out" within AD_EVQ_STOP_MS, and free does not wait. */
static void
stall_hook(const char *path)
{
	if (strcmp(path, "/stall") == 0)
		usleep(2500 * 1000);
}

static void
test_worker_stalled(void **state)
{
	const char *lowers[] = { L1, L2, NULL };
	struct ad_evq *q = ad_evq_new(4);
	struct ad_evq_stats st;
	struct ad_row row, out;
	int64_t t0;
	int got = 0;

	(void)state;
	assert_non_null(q);
	ad_evq_job_hook = stall_hook;
	ad_row_init(&row);
	ad_row_init(&out);
	ad_row_set_text(&row, "rule", "r1");
	t0 = mono_now();
	assert_int_equal(ad_evq_push(q, &row, upper, lowers, "/stall"), 0);
	assert_int_equal(ad_evq_push(q, &row, upper, lowers, "/usr/bin/tool"),
	    0);
	/* without waiting: nothing until the stalled job is AD_EVQ_HARD_MS
	 * old, then both, "timed out" */
	while (got < 2 && mono_now() - t0 < 2000) {
		if (ad_evq_pop(q, &out, 0)) {
			got++;
			assert_true(mono_now() - t0 >= AD_EVQ_HARD_MS - 50);
			assert_string_equal(ad_row_text(&out,
			    ad_col_index("rule"), NULL), "r1");
			assert_non_null(strstr(ad_row_text(&out,
			    ad_col_index("evidence"), NULL), "timed out"));
		} else
			usleep(10000);
	}
	assert_int_equal(got, 2);
	/* one more, at stop: pop waits, then free gives up, all in ~1 s */
	assert_int_equal(ad_evq_push(q, &row, upper, lowers, "/usr/bin/tool"),
	    0);
	t0 = mono_now();
	assert_int_equal(ad_evq_pop(q, &out, 1), 1);
	assert_non_null(strstr(ad_row_text(&out, ad_col_index("evidence"),
	    NULL), "timed out"));
	assert_int_equal(ad_evq_pop(q, &out, 1), 0);
	ad_evq_stats(q, &st);
	assert_int_equal(st.timed_out, 3);
	ad_evq_free(q);
	assert_true(mono_now() - t0 < AD_EVQ_STOP_MS + 200);
	ad_evq_job_hook = NULL;
	ad_row_free(&row);
	ad_row_free(&out);
	usleep(1500 * 1000);	/* the worker comes back and frees q */
}

/* The package index answers as ad_pkg_lookup does, for every path below
 * its dirs, from one read of each database (dpkg, then rpm). */
static void
test_pkg_index(void **state)
{
	const char *layers[] = { L1, L2, NULL };
	const char *dirs[] = { "/usr/bin", "/etc", NULL };
	const char *bin[] = { "/usr/bin", NULL };
	const char *paths[] = { "/usr/bin/tool", "/usr/bin/rtool", "/etc/fstab",
	    "/usr/bin/nothing", "/usr/bin/too", "/usr/bin/tool/x", NULL };
	struct ad_pkg_index *ix;
	struct ad_pkg a, b;
	int i, ka, kb;

	(void)state;
	ix = ad_pkg_index_load(layers, dirs, 0);
	assert_non_null(ix);
	for (i = 0; paths[i] != NULL; i++) {
		ka = ad_pkg_lookup(layers, paths[i], 0, &a);
		kb = ad_pkg_index_find(ix, paths[i], &b);
		assert_int_equal(ka, kb);
		if (ka == 1) {
			assert_string_equal(a.name, b.name);
			assert_string_equal(a.digest, b.digest);
			assert_string_equal(a.algo, b.algo);
		}
	}
	ad_pkg_index_free(ix);
	/* only below its dirs, one level */
	ix = ad_pkg_index_load(layers, bin, 0);
	assert_non_null(ix);
	assert_int_equal(ad_pkg_index_find(ix, "/etc/fstab", &b), 0);
	assert_int_equal(ad_pkg_index_find(ix, "/usr/bin/rtool", &b), 1);
	ad_pkg_index_free(ix);
	/* no database at all: empty, not an error */
	ix = ad_pkg_index_load((const char *[]){ FIXTURE_DIR "/lower1/opt",
	    NULL }, dirs, 0);
	assert_non_null(ix);
	assert_int_equal(ad_pkg_index_size(ix), 0);
	ad_pkg_index_free(ix);
}

/* ---- the openat2 seam (evidence.h: ad_sys_openat2) ------------------ */

enum { OA_REAL, OA_EAGAIN, OA_SWAP };
static int oa_mode, oa_calls;
static char oa_from[PATH_MAX], oa_to[PATH_MAX];

/* Replaces the library's weak openat2: OA_EAGAIN answers EAGAIN 1000
 * times (a container renaming in a loop), OA_SWAP renames oa_from over
 * oa_to right after a successful lookup (the race between the check and
 * the open). */
long
ad_sys_openat2(int dirfd, const char *path, struct open_how *how, size_t size)
{
	long fd;

	oa_calls++;
	if (oa_mode == OA_EAGAIN && oa_calls <= 1000) {
		errno = EAGAIN;
		return -1;
	}
	fd = syscall(SYS_openat2, dirfd, path, how, size);
	if (oa_mode == OA_SWAP && fd >= 0 && rename(oa_from, oa_to) != 0)
		fail_msg("rename %s: %s", oa_from, strerror(errno));
	return fd;
}

/* openat2 answering EAGAIN every time: the lookup gives up after
 * AD_LAYER_RETRIES tries (it looped until the 1001st before), and so
 * does the open of a file for hashing. */
static void
test_layer_eagain_bounded(void **state)
{
	int dfd, fd;

	(void)state;
	dfd = open(L1, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	oa_mode = OA_EAGAIN;
	oa_calls = 0;
	fd = ad_layer_openat(dfd, "usr/bin/tool", O_PATH);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(oa_calls, AD_LAYER_RETRIES);
	oa_calls = 0;
	fd = ad_layer_open_file(L1, "/usr/bin/tool");
	assert_int_equal(fd, -1);
	assert_int_equal(oa_calls, AD_LAYER_RETRIES);
	oa_mode = OA_REAL;
	fd = ad_layer_openat(dfd, "usr/bin/tool", O_PATH);
	assert_true(fd >= 0);
	close(fd);
	close(dfd);
}

/* The file is swapped between the check and the open: what is read is
 * the file that was checked, not its replacement (the path was opened
 * again before). */
static void
test_layer_open_checked_fd(void **state)
{
	char buf[16];
	struct stat sa, sf;
	ssize_t n;
	int fd;

	(void)state;
	put("swap-a", "checked", 0644);
	put("swap-b", "swapped", 0644);
	snprintf(oa_from, sizeof(oa_from), "%s/swap-b", upper);
	snprintf(oa_to, sizeof(oa_to), "%s/swap-a", upper);
	assert_int_equal(stat(oa_to, &sa), 0);
	oa_mode = OA_SWAP;
	fd = ad_layer_open_file(upper, "/swap-a");
	oa_mode = OA_REAL;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sf), 0);
	assert_true(sf.st_ino == sa.st_ino);
	n = read(fd, buf, sizeof(buf));
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "checked", 7);
	close(fd);
	assert_int_equal(unlink(oa_to), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_digest_fd_limit),
		cmocka_unit_test(test_dpkg_lookup),
		cmocka_unit_test(test_rpm_lookup),
		cmocka_unit_test(test_evidence_modified),
		cmocka_unit_test(test_evidence_untouched_and_added),
		cmocka_unit_test(test_evidence_symlinks),
		cmocka_unit_test(test_evidence_limits),
		cmocka_unit_test(test_whiteout_and_opaque),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_worker),
		cmocka_unit_test(test_evidence_upper_pkgdb),
		cmocka_unit_test(test_worker_stalled),
		cmocka_unit_test(test_pkg_index),
		cmocka_unit_test(test_layer_eagain_bounded),
		cmocka_unit_test(test_layer_open_checked_fd),
	};

	const struct CMUnitTest hostile_tests[] = {
		cmocka_unit_test(test_rpm_header_linear),
		cmocka_unit_test(test_rpmdb_recursive_view),
		cmocka_unit_test(test_rpmdb_deadline),
		cmocka_unit_test(test_evidence_pkg_cut),
		cmocka_unit_test(test_dpkg_many_md5sums),
		cmocka_unit_test(test_pkg_long_digest),
		cmocka_unit_test(test_pkg_index_big),
	};

	return cmocka_run_group_tests(tests, upper_setup, upper_teardown) |
	    cmocka_run_group_tests(hostile_tests, hostile_setup,
	    hostile_teardown);
}
