/*
 * evidence.h - what a finding in a container carries for the remediation
 * steps (issue 6): the file as it is now (stat, sha256), the image's
 * original (sha256 from the overlay's lower dirs, or "absent in image"),
 * and, where the container has a package database, the owning package and
 * whether the file still matches it.  Also the overlay layer lookup that
 * `audrift diff` (diff.c) walks with.
 *
 * Layers are host directories: the container's overlay upper dir and its
 * lower dirs, top first (struct ad_container).  A path inside the
 * container is looked up in one layer at a time with openat2
 * RESOLVE_IN_ROOT, so a symlink in the container never leads out of the
 * layer, and the final component is never followed.
 *
 * Gathering reads files: the pipeline runs it on a worker thread
 * (ad_evq) and the event thread never waits for it.
 */
#ifndef AUDRIFT_EVIDENCE_H
#define AUDRIFT_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "digest.h"

#define AD_EVIDENCE_MAX_BYTES	(64ull << 20)	/* hash files up to this */
#define AD_EVIDENCE_RATE	(128ull << 20)	/* hashed bytes a second */
#define AD_EVIDENCE_WAIT_MS	600		/* a finding waits at most */
#define AD_EVIDENCE_TEXT	192		/* a hash, or why not */
#define AD_EVQ_HARD_MS		1000	/* a job held longer goes out without
					   its evidence ("timed out") */
#define AD_EVQ_STOP_MS		1000	/* stop waits on the worker at most */
#define AD_LAYER_RETRIES	16	/* openat2 EAGAIN (a rename raced) */

/* Package databases come from the container's image: bounds on reading
 * them, besides the job's deadline. */
#define AD_DPKG_MAX_FILES	20000u		/* *.md5sums files read */
#define AD_DPKG_MAX_BYTES	(64u << 20)	/* their bytes, in all */
#define AD_RPMDB_MAX_BYTES	(512ull << 20)	/* rpmdb.sqlite's size */
#define AD_RPMDB_MAX_ROWS	200000		/* Packages rows read */
#define AD_RPM_BLOB_MAX		(16 << 20)	/* one header, SQLite limit */
#define AD_PKG_CUT_MS		60000	/* an image whose package database
					   stopped a lookup is skipped */

/* Where a path is in a stack of layers (ad_layers_find). */
enum ad_layer_hit {
	AD_LAYER_ABSENT,	/* in no layer, or hidden by an opaque dir */
	AD_LAYER_FOUND,
	AD_LAYER_WHITEOUT	/* deleted by a whiteout */
};

/*
 * Look up path (absolute, as the container sees it) in layers[from..]
 * (NULL-ended host dirs, top first).  On AD_LAYER_FOUND, *st is its
 * lstat and *layer the index of the layer holding it.  Whiteouts (a 0/0
 * char device, or an ancestor that is one) and opaque dirs
 * (trusted.overlay.opaque or user.overlay.opaque "y") hide what is below.
 */
enum ad_layer_hit ad_layers_find(const char *const *layers, size_t from,
    const char *path, struct stat *st, size_t *layer);

/* "file", "dir", "symlink", "device", "fifo" or "socket". */
const char *ad_file_kind(mode_t mode);

/* A layer dir's opaque mark on the open dir fd (O_RDONLY).  1 opaque. */
int ad_layer_is_opaque(int fd);

/*
 * Open path in layer for reading, if it is a regular file: the final
 * component is not followed and symlinks in between resolve inside the
 * layer.  Returns an owned fd, or -1 with errno (ELOOP: a symlink,
 * EINVAL: not a regular file).
 */
int ad_layer_open_file(const char *layer, const char *path);

/* openat2 of rel below dirfd, resolved inside it, last component not
 * followed (flags: O_PATH, O_RDONLY|O_DIRECTORY, ...).  fd or -1. */
int ad_layer_openat(int dirfd, const char *rel, int flags);

/* openat2(2), the one call the layer lookups make.  Weak: the unit test
 * (tests/unit/test_evidence.c) replaces it to answer EAGAIN, as a
 * container renaming in a loop makes the kernel do, and to swap a file
 * between the check and the open. */
struct open_how;
long ad_sys_openat2(int dirfd, const char *path, struct open_how *how,
    size_t size);

struct ad_evidence_opts {
	uint64_t max_bytes;	/* AD_EVIDENCE_MAX_BYTES */
	int64_t deadline_ms;	/* CLOCK_MONOTONIC; 0: none */
	int rate_limited;	/* the caller's rate budget is spent */
};

struct ad_evidence {
	int have_stat;		/* file present now: the fields below hold */
	unsigned mode, uid, gid;
	int64_t size;
	char mtime[40];		/* ISO-8601 UTC, ms */
	char sha256[AD_EVIDENCE_TEXT];		/* hex, or why not */
	char image_sha256[AD_EVIDENCE_TEXT];	/* hex, "absent in image", or
						   why not */
	char package[AD_EVIDENCE_TEXT];		/* "dpkg:coreutils", "" none */
	int package_ok;		/* 1 matches, 0 differs, -1 unknown */
	char status[AD_EVIDENCE_TEXT];		/* "ok..." or what is missing */
	uint64_t hashed;	/* bytes read for digests */
};

/*
 * Gather evidence for path in the container whose layers are upper
 * (may be NULL) and lowers (NULL-ended); o NULL: the defaults.  Never
 * fails: what cannot be known says why in its text.
 */
void ad_evidence_gather(const char *upper, const char *const *lowers,
    const char *path, const struct ad_evidence_opts *o,
    struct ad_evidence *out);

/*
 * Hash the regular file path of layer (sha256 hex into sha, whose room
 * is AD_EVIDENCE_TEXT; md5 hex too when md5 is not NULL), or write why
 * not into sha.  Returns 1 hashed, 0 not.  st is what a lookup saw; once
 * hashed it is refreshed from the open file, so size and mtime match the
 * hash of a file being written.
 */
int ad_evidence_hash(const char *layer, const char *path,
    struct stat *st, uint64_t max_bytes, int64_t deadline_ms,
    char *sha, char *md5);

/* What a package database says about a path (ad_pkg_lookup). */
struct ad_pkg_index;

struct ad_pkg {
	char name[AD_EVIDENCE_TEXT];	/* "dpkg:NAME" / "rpm:NAME" */
	char digest[AD_SHA256_HEX];	/* recorded digest, hex, or "" */
	const char *algo;		/* "md5" or "sha256" */
	char why[AD_EVIDENCE_TEXT];	/* -2: why the lookup stopped */
};

/*
 * Package databases in the image's layers (lowers, NULL-ended, top
 * first; the container's upper layer is never passed: the container can
 * write it).  The layer that wins for the database file is the one read.
 * dpkg: var/lib/dpkg/info/<pkg>.md5sums; rpm: var/lib/rpm/rpmdb.sqlite or
 * usr/lib/sysimage/rpm/rpmdb.sqlite, opened as an untrusted file.  All
 * of it stops at deadline_ms (CLOCK_MONOTONIC; 0: AD_EVIDENCE_WAIT_MS
 * from now) and within the AD_DPKG_ and AD_RPM limits.  Returns 1 (out
 * filled) when a package owns path, 0 when none does, -1 when there is
 * no package database, -2 when the lookup stopped (out->why says why:
 * "timed out ...", "stopped: ...", "rpmdb.sqlite refused: ...").
 */
int ad_pkg_lookup(const char *const *lowers, const char *path,
    int64_t deadline_ms, struct ad_pkg *out);

/*
 * Every file digest the layers' package databases hold below dirs
 * (NULL-ended, each without its trailing '/'), read once: for comparing
 * many files (audrift diff --all's host comparison looked every file up
 * in every *.md5sums file: 17.7 s for 1,030 files here).  dpkg first,
 * then rpm, the first entry of a path kept, as ad_pkg_lookup answers.
 * NULL when a database could not be read whole (limits, deadline_ms):
 * then look each file up.  ad_pkg_index_find: 1 and out filled, or 0:
 * no package has it.
 */
struct ad_pkg_index *ad_pkg_index_load(const char *const *lowers,
    const char *const *dirs, int64_t deadline_ms);
int ad_pkg_index_find(const struct ad_pkg_index *ix, const char *path,
    struct ad_pkg *out);
size_t ad_pkg_index_size(const struct ad_pkg_index *ix);
void ad_pkg_index_free(struct ad_pkg_index *ix);

/* The readers ad_pkg_lookup uses, on bytes (the fuzz harnesses' entry
 * points).  One md5sums text: the digest of rel ("usr/bin/x") into
 * digest (dcap > 32), 1 found.  One rpm header blob: 1 found, out's name,
 * digest and algo filled.  Both are one pass over their input. */
int ad_md5sums_find(const char *text, size_t len, const char *rel,
    char *digest, size_t dcap);
int ad_rpm_header_find(const void *blob, size_t len, const char *path,
    struct ad_pkg *out);

/*
 * `audrift diff` (diff.c): every change in layers[0] (the upper dir)
 * against layers[1..] (the image), one line (json: one object) each on
 * f: added, modified, deleted (whiteout), replaced (opaque dir), with
 * the sha256 of the file now and of the image's.  Returns the number of
 * changes, or -1 when layers[0] cannot be opened.
 */
int ad_diff_layers(const char *const *layers, int json, FILE *f);

/* ---- the evidence worker ---------------------------------------------- */

struct ad_evq;
struct ad_row;

/* A worker thread with a bounded queue (cap jobs, 0: 256).  Returns an
 * owned queue, or NULL when no thread could start. */
struct ad_evq *ad_evq_new(size_t cap);
/* Stop the thread and free, waiting for it at most AD_EVQ_STOP_MS: a
 * worker stuck past that is left to free the queue itself.  Jobs not
 * popped are dropped (pop with wait first).  NULL: no-op. */
void ad_evq_free(struct ad_evq *q);

/*
 * Queue a copy of row for evidence on path in the container with those
 * layers (all copied).  Returns 0 queued, -1 the queue is full (nothing
 * copied: the caller stores the row at once, saying why).
 */
int ad_evq_push(struct ad_evq *q, const struct ad_row *row,
    const char *upper, const char *const *lowers, const char *path);

/*
 * Take one finished row (evidence columns filled) into *out (its buffer
 * reused).  Returns 1 taken, 0 none ready.  A job the worker has held for
 * AD_EVQ_HARD_MS, and the jobs queued behind it once they are that old,
 * come out without their evidence ("timed out: ..."): a finding is
 * stored whatever the worker does.  With wait set (at stop), first waits
 * for the queued jobs, but no longer than AD_EVQ_STOP_MS from the first
 * waiting call; then what is left comes out "timed out".
 */
int ad_evq_pop(struct ad_evq *q, struct ad_row *out, int wait);

/* e's values into row's evidence columns; latency_ms < 0: unknown. */
void ad_evidence_to_row(const struct ad_evidence *e, int64_t latency_ms,
    struct ad_row *row);

struct ad_evq_stats {
	uint64_t queued, done, overflow, hashed_bytes;
	uint64_t timed_out;	/* rows handed out without the worker */
	int64_t max_latency_ms;
};
void ad_evq_stats(struct ad_evq *q, struct ad_evq_stats *out);

/* Test seam (tests/unit/test_evidence.c): called by the worker with each
 * job's path before it gathers, to stand for a stalled job.  NULL. */
extern void (*ad_evq_job_hook)(const char *path);

#endif
