/*
 * store.h - the sinks of findings: the SQLite store (store.c) and JSON
 * lines (sink_json.c), both behind struct ad_sink (sink.h).
 *
 * Time: the store batches by CLOCK_MONOTONIC milliseconds
 * (ad_store_now_ms()).  Its writer thread keeps that time itself: it
 * commits a batch older than batch_ms, retries findings queued after an
 * error and prunes old rows without being ticked; its ops->tick only says
 * whether the database is failing.  The JSON-lines sink flushes on ticks.
 */
#ifndef AUDRIFT_STORE_H
#define AUDRIFT_STORE_H

#include <stdint.h>

#include "sink.h"

struct ad_store_opts {
	const char *path;	/* the database file */
	int batch_max;		/* commit after this many findings (512) */
	int batch_ms;		/* or when the oldest waited this long (5) */
	int queue_max;		/* findings kept in memory (waiting and
				 * being written) while the database fails
				 * or lags, then counted as dropped
				 * (16384) */
	int retain_days;	/* prune findings older than this; 0 keeps */
	int insecure;		/* skip the path checks: tests only */
};

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR		"/var"
#endif
/* configure's --localstatedir (default /var) */
#define AD_STORE_DEFAULT_DB	LOCALSTATEDIR "/lib/audrift/audrift.db"
#define AD_STORE_LOCAL_DB	"./audrift.db"

/* The database the read commands use without --db: ./audrift.db if it
 * exists, else AD_STORE_DEFAULT_DB. */
const char *ad_store_default_path(void);

/*
 * Refuse a database path someone else could use to rewrite findings or
 * plant triggers: a symlink (the database or its -wal/-shm), not a
 * regular file, or a file or its directory owned by a user who is
 * neither root nor the caller, or group- or world-writable.  With create
 * set, a missing directory is made 0750.  insecure (tests): only the
 * directory's existence is checked.  0 ok, -1 logged with what to do.
 */
int ad_store_check_path(const char *path, int insecure, int create);

void ad_store_opts_default(struct ad_store_opts *o);

/* Open (creating and upgrading) the database, checking the path first,
 * and start its writer and checkpointer threads (every signal blocked in
 * them).  Returns an owned sink, or NULL after logging why and what to
 * do.  The sink's ops are for one thread (the pipeline's); its close joins
 * the threads. */
struct ad_sink *ad_store_open(const struct ad_store_opts *o);

/* JSON lines appended to path ("-": stdout).  Owned sink, or NULL after
 * logging why. */
struct ad_sink *ad_jsonl_open(const char *path);

/* Close (flush, then free) every sink of a list linked by next. */
void ad_sink_free_all(struct ad_sink *list);
/* Call ops->reopen of every sink that has one (SIGHUP). */
void ad_sink_reopen_all(struct ad_sink *list);
/* Call ops->tick of every sink that has one. */
void ad_sink_tick_all(struct ad_sink *list, int64_t now_ms);

int64_t ad_store_now_ms(void);		/* CLOCK_MONOTONIC, ms */
struct timespec;
/* ad_store_now_ms() time ms as a deadline for pthread_cond_timedwait on
 * a condition made with CLOCK_MONOTONIC (the store's writer threads). */
void ad_store_ms_timespec(int64_t ms, struct timespec *ts);
/* ms since the epoch as the database's time text:
 * 2026-11-23T10:58:01.123Z (cap >= 25). */
void ad_iso_ms(int64_t ms, char *buf, size_t cap);
/* A time given on the command line: N followed by s, m, h, d or w (that
 * long before now_ms), or a UTC time 2026-11-23[T10[:00[:00[.000]]]][Z].
 * 0 and *ms, or -1 when s is neither. */
int ad_parse_time(const char *s, int64_t now_ms, int64_t *ms);

/* SQLite set up for the process; call before its first connection
 * (main).  No memory statistics: they are a global mutex around every
 * SQLite allocation, which the store's writer, the forwarder and the
 * evidence worker took in turn (7% of a forwarded storm's samples). */
void ad_store_init(void);

/* Counters of a store sink (for the run summary and tests). */
struct ad_store_stats {
	uint64_t written;	/* committed to the database */
	uint64_t dropped;	/* queue overflow, never written */
	int queued;		/* in memory now: waiting or being written */
	int failing;		/* 0, or the SQLite error code being retried */
};
void ad_store_stats(const struct ad_sink *sink, struct ad_store_stats *st);

/*
 * What an earlier run reported, for a restarted one: a container's upper
 * layer still holds the changes found before, and examining it again
 * would report each once more.  A change is known when the SQLite
 * database holds a finding of that container and path with the same
 * file mode, owner, size and mtime (an unlink: the same op), whose
 * evidence was taken no earlier than the file's ctime (the container
 * cannot set a ctime: a file changed again while audrift was stopped is
 * newer).  Open after
 * the store (the schema is current); NULL when there is none.
 * ad_store_seen: 1 known, 0 not (or the lookup failed).
 */
struct stat;
struct ad_store_seen;
struct ad_store_seen *ad_store_seen_open(const char *path, int insecure);
int ad_store_seen(struct ad_store_seen *sn, const char *container_id,
    const char *path, const char *op, const struct stat *st);
void ad_store_seen_close(struct ad_store_seen *sn);

/* Schema (schema.sql): the newest version, and for tests, bring db up to
 * version upto (0 < upto <= ad_schema_version()).  0 ok, -1 logged. */
struct sqlite3;
int ad_schema_version(void);
int ad_schema_apply(struct sqlite3 *db, int upto, const char *path);

/*
 * A plain connection (no writer thread) for the commands that add rows
 * beside the daemon (write: path checks as ad_store_open, created and
 * upgraded) or only read (never created; a schema older than this
 * audrift's is refused, saying how to upgrade).  A newer schema is always
 * refused.  cmd prefixes messages.  Owned handle (sqlite3_close), or
 * NULL logged.
 */
struct sqlite3 *ad_store_db_open(const char *path, int write, int insecure,
    const char *cmd);

#endif
