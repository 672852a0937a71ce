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

/*
 * Package databases in the layers (the layer that wins for the database
 * file is the one read).  dpkg: var/lib/dpkg/info/<pkg>.md5sums; rpm:
 * var/lib/rpm/rpmdb.sqlite or usr/lib/sysimage/rpm/rpmdb.sqlite.
 * Returns 1 and fills pkg ("dpkg:NAME" / "rpm:NAME") and the recorded
 * digest (hex; *algo "md5" or "sha256") when a package owns path, 0 when
 * none does, -1 when the container has no package database.
 */
int ad_pkg_lookup(const char *const *layers, const char *path, char *pkg,
    size_t cap, char *digest, size_t dcap, const char **algo);

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
/* Wait for every queued job, stop the thread, free.  NULL: no-op. */
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
 * reused).  Returns 1 taken, 0 none ready.  With wait set, first waits
 * until every queued job is done.
 */
int ad_evq_pop(struct ad_evq *q, struct ad_row *out, int wait);

/* e's values into row's evidence columns; latency_ms < 0: unknown. */
void ad_evidence_to_row(const struct ad_evidence *e, int64_t latency_ms,
    struct ad_row *row);

struct ad_evq_stats {
	uint64_t queued, done, overflow, hashed_bytes;
	int64_t max_latency_ms;
};
void ad_evq_stats(struct ad_evq *q, struct ad_evq_stats *out);

#endif
