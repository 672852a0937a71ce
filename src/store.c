/*
 * store.c - findings into SQLite.
 *
 * Shape (OpenSMTPD's queue backend): a struct ad_sink whose write copies
 * the finding into a row of an in-memory queue, and a writer thread that
 * owns the connection and writes the queue in one transaction (BEGIN
 * IMMEDIATE .. COMMIT, prepared statements only) when batch_max rows wait
 * or the oldest waited batch_ms.  The queue is a ring of rows under one
 * mutex: the pipeline thread appends rows (building each with its event
 * JSON), the writer takes all that wait as its batch and commits it while
 * the next rows are built, so row building and SQLite's work run on both
 * cores.  The mutex is never held across an SQLite call: the pipeline
 * waits for the writer only when the queue is full (bounded,
 * STORE_FULL_WAIT_MS) and in the calls that promise a commit (flush,
 * run_begin, run_end, close).
 *
 * The writer runs no checkpoints itself (they were a third of its time,
 * mostly waiting in fsync): a checkpointer thread with its own connection
 * copies the WAL into the database (PASSIVE) while the writer goes on;
 * store_ckpt_after keeps the WAL bounded.  Each connection is used by one
 * thread only; the writer's is opened and migrated by ad_store_open before
 * the writer starts.
 *
 * The queue is the retry buffer too: when SQLite says BUSY, FULL, IOERR or
 * worse, the transaction is rolled back, the batch stays at the head of
 * the ring, the condition is logged once with what to do, and the writer
 * retries it with what came since.  Rows that do not fit in queue_max
 * (the batch and those waiting behind it) are counted
 * (runs.findings_dropped), never silently lost.  Retention pruning runs on
 * the writer too, between batches.
 *
 * WAL with synchronous=NORMAL: readers never block the writer, and a
 * kill -9 loses nothing committed (the WAL is in the page cache).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "finding.h"
#include "log.h"
#include "schema_sql.h"
#include "sink.h"
#include "store.h"
#include "util.h"

#define STORE_BUSY_MS		50	/* the writer retries rather than
					 * wait long with a batch */
#define STORE_OPEN_BUSY_MS	5000	/* opening and migrating may */
#define STORE_RETRY_BUSY_MS	100
#define STORE_RETRY_MS		1000
#define STORE_PRUNE_BATCH	1000	/* rows per DELETE (in the SQL) */
#define STORE_PRUNE_EVERY_MS	60000
/* A full queue while the database works: how long write() waits. */
#define STORE_FULL_WAIT_MS	1000
/* WAL bytes between checkpoints; past the second the writer waits for
 * one, so that the WAL restarts (store_ckpt_after).  Turned into frames
 * of the database's page size (an older one may differ from
 * STORE_PAGE_SIZE). */
#define STORE_CKPT_BYTES	(8 << 20)
#define STORE_WAL_MAX_BYTES	(48 << 20)
#ifndef STORE_PAGE_SIZE
/* New databases only.  Rows with their event JSON are ~1.5 KB; with
 * the writer on its own thread, 32 KB pages cost it a quarter less than
 * 8 KB (fewer WAL frames, pwrites and page splits).  The price is more
 * WAL per small commit (the last page of the table and of each index is
 * rewritten): at most ~7 MB/s at one commit per batch_ms (5 ms), only
 * while findings keep coming one by one. */
#define STORE_PAGE_SIZE		"32768"
#endif

/*
 * The queue: a ring of queue_max row slots, rows allocated on first use
 * and reused warm.  From head: nout rows the writer is writing (or
 * retrying), then nin rows waiting, filled by write().  The writer reads
 * its rows without mu: write() fills only slots past them, and rows never
 * move.
 */
struct ring {
	struct ad_row **r;	/* queue_max slots */
	int head, nout, nin;
};

/* What the pipeline asks the writer to do and waits for (store_call). */
enum store_req {
	REQ_NONE,
	REQ_FLUSH,
	REQ_RUN_BEGIN,
	REQ_RUN_END,
};

/*
 * Three owners.  The connection, its statements and the fields marked
 * "writer" belong to the writer thread once it runs (ad_store_open opens
 * and migrates before starting it); "pipeline" fields to the thread that
 * calls the sink ops; the rest is guarded by mu.
 */
struct store {
	char *path;
	struct ad_store_opts o;
	sqlite3 *db;

	sqlite3_stmt *st_begin, *st_commit, *st_rollback;
	sqlite3_stmt *st_ins, *st_ins_n, *st_cins, *st_cupd;
	sqlite3_stmt *st_run_ins, *st_run_upd;
	sqlite3_stmt *st_prune, *st_prune_c;

	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv_work;	/* to the writer: rows, a request, stop,
				 * a checkpoint done */
	pthread_cond_t cv_done;	/* to the pipeline: room, request done */

	/* the checkpointer: its own connection and thread */
	sqlite3 *cdb;
	pthread_t cthread;
	int cstarted;
	pthread_cond_t cv_ckpt;	/* to it: a checkpoint wanted, stop */

	/* mu */
	struct ring q;
	int64_t first_ms;	/* when the first of q.nin was queued */
	int cond;		/* SQLite error being retried, 0 none */
	int overflow_logged;
	uint64_t written, dropped;
	int stop;
	enum store_req req;
	const struct ad_run_stats *req_st;	/* borrowed meanwhile */
	int req_rc;
	uint64_t req_seq, done_seq;
	uint64_t ckpt_want;	/* checkpoints asked for, a sequence */
	uint64_t ckpt_done;	/* ckpt_want when the last one started */
	int ckpt_stop;

	/* writer */
	int wal_frames;		/* in the WAL after the last commit */
	int wal_last;		/* after the one before */
	int ckpt_frames;	/* STORE_CKPT_BYTES in frames */
	int wal_max_frames;	/* STORE_WAL_MAX_BYTES in frames */
	int wal_next;		/* ask for a checkpoint at this many */
	int wal_wait;		/* wait for one at this many */
	int64_t retry_ms;	/* no automatic retry before this */
	int64_t prune_ms;	/* next prune */
	/* runs row: inserted with the next commit while run_pending */
	int run_pending;
	int64_t run_id;		/* -1 none */
	int64_t run_start_ms;
	char *run_version, *run_host, *run_source, *run_digest;

	/* pipeline */
	char host[256];
	char *fill_host;	/* the run's host name, for rows */
};

static const struct ad_sink_ops store_ops;

void
ad_store_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

void
ad_store_opts_default(struct ad_store_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->path = AD_STORE_DEFAULT_DB;
	o->batch_max = 512;
	/* a finding is committed within ~5 ms of being made when findings
	 * are few; under load batch_max fills first (512 rows), so the
	 * commit rate stays bounded either way */
	o->batch_ms = 5;
	o->queue_max = 16384;
	o->retain_days = 0;
	o->insecure = 0;
}

int64_t
ad_store_now_ms(void)
{
	return ad_mono_ms();
}

/* Wall-clock ms as ISO-8601 UTC with ms, into buf (>= 32 bytes). */
void
ad_iso_ms(int64_t ms, char *buf, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

int
ad_parse_time(const char *s, int64_t now_ms, int64_t *ms)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.ddd";
	size_t len = strlen(s), i;
	long long n, mult;
	int v[7] = { 0, 1, 1, 0, 0, 0, 0 };
	struct tm tm;
	char *end;

	n = strtoll(s, &end, 10);
	if (end != s && n >= 0 && end[0] != '\0' && end[1] == '\0' &&
	    strchr("smhdw", end[0]) != NULL) {
		mult = end[0] == 's' ? 1 : end[0] == 'm' ? 60 :
		    end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 604800;
		*ms = now_ms - (int64_t)n * mult * 1000;
		return 0;
	}
	/* ISO: a prefix of pat cut at a field boundary; optional Z */
	if (len > 0 && s[len - 1] == 'Z')
		len--;
	if (len < 10 || len > sizeof(pat) - 1 || (len != 10 && len != 13 &&
	    len != 16 && len != 19 && len != 21 && len != 22 && len != 23))
		return -1;
	for (i = 0; i < len; i++) {
		char c = s[i] == ' ' ? 'T' : s[i];

		if (pat[i] == 'd' ? (c < '0' || c > '9') : c != pat[i])
			return -1;
	}
	sscanf(s, "%4d-%2d-%2d", &v[0], &v[1], &v[2]);
	if (len >= 13)
		v[3] = atoi(s + 11);
	if (len >= 16)
		v[4] = atoi(s + 14);
	if (len >= 19)
		v[5] = atoi(s + 17);
	for (i = 20; i < len; i++)	/* .1 is 100 ms */
		v[6] += (s[i] - '0') * (i == 20 ? 100 : i == 21 ? 10 : 1);
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 ||
	    v[4] > 59 || v[5] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*ms = (int64_t)timegm(&tm) * 1000 + v[6];
	return 0;
}


/* ---- schema ------------------------------------------------------- */

#define BLOCK_MARK	"\n-- @@ "

/* Find migration block n of schema_sql: its text (from the marker) and
 * length.  Returns 0, or -1 when there is none. */
static int
schema_block(int n, const char **start, size_t *len)
{
	const char *p = schema_sql, *next;

	while ((p = strstr(p, BLOCK_MARK)) != NULL) {
		p++;
		if (atoi(p + strlen(BLOCK_MARK) - 1) == n) {
			next = strstr(p, BLOCK_MARK);
			*start = p;
			*len = next ? (size_t)(next - p) + 1 : strlen(p);
			return 0;
		}
	}
	return -1;
}

int
ad_schema_version(void)
{
	const char *s;
	size_t len;
	int n = 0;

	while (schema_block(n + 1, &s, &len) == 0)
		n++;
	return n;
}

static int
user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Exec static SQL (schema text, pragmas); log failures. */
static int
exec_static(sqlite3 *db, const char *sql, const char *path)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_warnx("database %s: %s", path, err ? err : "error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/*
 * Run the migration blocks the database lacks, up to version upto, each
 * in its own transaction; each block ends by setting user_version.
 */
int
ad_schema_apply(sqlite3 *db, int upto, const char *path)
{
	int cur, n, want = ad_schema_version(), after;
	const char *s;
	size_t len;
	char *block;

	if (user_version(db, &cur) != SQLITE_OK) {
		log_warnx("database %s: cannot read its schema version: %s; "
		    "is it an SQLite database?", path, sqlite3_errmsg(db));
		return -1;
	}
	if (cur > want) {
		log_warnx("database %s has schema version %d, newer than "
		    "this audrift's %d: use a newer audrift", path, cur, want);
		return -1;
	}
	for (n = cur + 1; n <= upto && n <= want; n++) {
		if (schema_block(n, &s, &len) != 0)
			return -1;
		block = xstrndup(s, len);
		if (exec_static(db, "BEGIN IMMEDIATE", path) != 0) {
			free(block);
			return -1;
		}
		if (exec_static(db, block, path) != 0 ||
		    user_version(db, &after) != SQLITE_OK || after != n) {
			free(block);
			log_warnx("database %s: upgrade to schema version %d "
			    "failed; the database is left at version %d",
			    path, n, n - 1);
			exec_static(db, "ROLLBACK", path);
			return -1;
		}
		free(block);
		if (exec_static(db, "COMMIT", path) != 0)
			return -1;
		if (cur > 0)
			log_info("database %s upgraded to schema version %d",
			    path, n);
	}
	return 0;
}

/* ---- path safety -------------------------------------------------- */

/*
 * Why st (of what, "database", "database directory", ...) would let
 * someone else rewrite findings or plant triggers for root's writer:
 * owned by a user who is neither root nor us, or group- or
 * world-writable.  NULL when safe.
 */
static const char *
unsafe_owner(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "owned by another user";
	if (st->st_mode & S_IWOTH)
		return "world-writable";
	if (st->st_mode & S_IWGRP)
		return "group-writable";
	return NULL;
}

/*
 * The -wal and -shm files beside path, if present: regular files, not
 * symlinks, and safe owners (unsafe_owner).  SQLite reads a -wal it finds
 * (a forged one would add findings) and maps the -shm.  0 ok, -1 logged.
 */
static int
store_check_sides(const char *path)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	char side[PATH_MAX + 8];
	const char *why;
	struct stat st;
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(sfx); i++) {
		snprintf(side, sizeof(side), "%s%s", path, sfx[i]);
		if (lstat(side, &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
			log_warnx("%s is %s: refusing to open database %s; "
			    "remove it", side, S_ISLNK(st.st_mode) ?
			    "a symlink" : "not a regular file", path);
			return -1;
		}
		if ((why = unsafe_owner(&st)) != NULL) {
			log_warnx("%s is %s: refusing to open database %s; "
			    "remove it (with the database closed) or chown "
			    "and chmod g-w,o-w it", side, why, path);
			return -1;
		}
	}
	return 0;
}

int
ad_store_check_path(const char *path, int insecure, int create)
{
	char dir[PATH_MAX];
	const char *slash, *why;
	struct stat st;

	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);

	if (stat(dir, &st) == -1) {
		if (!create || errno != ENOENT || mkdir(dir, 0750) == -1) {
			log_warn("database directory %s: cannot %s it; "
			    "create it (mode 0750) or choose another --db", dir,
			    create ? "create" : "read");
			return -1;
		}
	} else if (!S_ISDIR(st.st_mode)) {
		log_warnx("database directory %s is not a directory", dir);
		return -1;
	} else if (!insecure && (why = unsafe_owner(&st)) != NULL) {
		log_warnx("database directory %s is %s: someone else could "
		    "replace the database or plant its -wal; choose a --db in "
		    "a directory owned by root or you, mode 0750 (or chmod "
		    "g-w,o-w it)", dir, why);
		return -1;
	}
	if (insecure)
		return 0;
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			log_warnx("database %s is a symlink: refusing to "
			    "follow it; give the real path with --db", path);
			return -1;
		}
		if (!S_ISREG(st.st_mode)) {
			log_warnx("database %s is not a regular file", path);
			return -1;
		}
		if ((why = unsafe_owner(&st)) != NULL) {
			log_warnx("database %s is %s: its owner could rewrite "
			    "the evidence or plant triggers; chown root and "
			    "chmod g-w,o-w %s, or choose another --db", path,
			    why, path);
			return -1;
		}
	}
	return store_check_sides(path);
}

/* Create the file 0640 without following a symlink. */
static int
store_create(const char *path, int insecure)
{
	int fd, flags = O_RDWR | O_CREAT | O_CLOEXEC;
	struct stat st;

	if (!insecure)
		flags |= O_NOFOLLOW;
	if ((fd = open(path, flags, 0640)) == -1) {
		if (errno == ELOOP)
			log_warnx("database %s is a symlink: refusing to "
			    "follow it; give the real path with --db", path);
		else
			log_warn("database %s: cannot open it; check the "
			    "path and its permissions", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("database %s is not a regular file", path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* ---- statements --------------------------------------------------- */

static const char sql_cins[] =
	"INSERT OR IGNORE INTO containers"
	"(id, runtime, name, image, pod, first_seen, last_seen)"
	" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?6)";
static const char sql_cupd[] =
	"UPDATE containers SET last_seen = max(last_seen, ?6),"
	" first_seen = min(first_seen, ?6),"
	" runtime = coalesce(?2, runtime), name = coalesce(?3, name),"
	" image = coalesce(?4, image), pod = coalesce(?5, pod)"
	" WHERE id = ?1";
static const char sql_run_ins[] =
	"INSERT INTO runs(start, version, host, source, rules_digest)"
	" VALUES(?, ?, ?, ?, ?)";
static const char sql_run_upd[] =
	"UPDATE runs SET stop = ?, records_read = ?, events_read = ?,"
	" events_lost = ?, malformed = ?, findings = ?, findings_dropped = ?"
	" WHERE id = ?";
/* Small batches: each DELETE is its own short transaction. */
/* A findings insert's rows at a time (STORE_INS_ROWS * AD_FINDING_NCOLS
 * parameters: SQLite allows 32766 since 3.32, 999 before) */
#define STORE_INS_ROWS	16
static const char sql_values_row[] =
	",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
	"?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
_Static_assert(sizeof(sql_values_row) == 2 * AD_FINDING_NCOLS + 3,
    "sql_values_row: one ? per findings column");
/* The newest finding stays, however old: SQLite gives a new row the
 * largest id + 1, and 1 in an empty table, so pruning them all would hand
 * out ids already used (by the forwarder's server, host_finding_id, and
 * reviews.finding_id) */
static const char sql_prune[] =
	"DELETE FROM findings WHERE id IN (SELECT id FROM findings"
	" WHERE time < ?1 AND id < (SELECT max(id) FROM findings)"
	" ORDER BY time LIMIT 1000)";
static const char sql_prune_c[] =
	"DELETE FROM containers WHERE last_seen < ?1";

static int
store_prepare(struct store *s)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} t[] = {
		{ &s->st_begin, "BEGIN IMMEDIATE" },
		{ &s->st_commit, "COMMIT" },
		{ &s->st_rollback, "ROLLBACK" },
		{ &s->st_ins, AD_FINDING_INSERT_SQL },
		{ &s->st_cins, sql_cins },
		{ &s->st_cupd, sql_cupd },
		{ &s->st_run_ins, sql_run_ins },
		{ &s->st_run_upd, sql_run_upd },
		{ &s->st_prune, sql_prune },
		{ &s->st_prune_c, sql_prune_c },
	};
	struct ad_buf b;
	size_t i;
	int k, rc;

	for (i = 0; i < AD_ARRAY_SIZE(t); i++) {
		if (sqlite3_prepare_v3(s->db, t[i].sql, -1,
		    SQLITE_PREPARE_PERSISTENT, t[i].st, NULL) != SQLITE_OK) {
			log_warnx("database %s: cannot prepare \"%s\": %s; is "
			    "its schema damaged?", s->path, t[i].sql,
			    sqlite3_errmsg(s->db));
			return -1;
		}
	}
	/* the insert of STORE_INS_ROWS rows: AD_FINDING_INSERT_SQL's VALUES
	 * list that many times (placeholders only).  OR FAIL: a statement
	 * of many rows that may abort halfway keeps a statement journal of
	 * every page it changes (8x the writes, 12% slower than one row a
	 * statement); a failure here rolls the whole transaction back
	 * anyway (store_commit), so there is nothing for one to undo */
	ad_buf_init(&b);
	ad_buf_adds(&b, "INSERT OR FAIL" AD_FINDING_INSERT_INTO);
	for (k = 1; k < STORE_INS_ROWS; k++)
		ad_buf_adds(&b, sql_values_row);
	rc = sqlite3_prepare_v3(s->db, b.p, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st_ins_n, NULL);
	ad_buf_free(&b);
	if (rc != SQLITE_OK) {
		log_warnx("database %s: cannot prepare the insert of %d rows: "
		    "%s; is its schema damaged?", s->path, STORE_INS_ROWS,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* Step a statement to completion and reset it; returns the step code
 * (SQLITE_DONE on success). */
static int
step_reset(sqlite3_stmt *st)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc;
}

/* ---- commit and failure (the writer thread) ----------------------- */

/* A new failure condition: logged once, with what to do.  mu held. */
static void
store_fail(struct store *s, int rc, int64_t now)
{
	int prim = rc & 0xff, queued = s->q.nout + s->q.nin;

	s->retry_ms = now + (prim == SQLITE_BUSY ? STORE_RETRY_BUSY_MS :
	    STORE_RETRY_MS);
	if (prim == s->cond)
		return;
	s->cond = prim;
	switch (prim) {
	case SQLITE_FULL:
		log_warnx("database %s is full: free space on its filesystem; "
		    "%d findings are queued in memory (at most %d) and will "
		    "be retried", s->path, queued, s->o.queue_max);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warnx("database %s is locked by another writer: stop it "
		    "(readers are fine); %d findings are queued in memory (at "
		    "most %d) and will be retried", s->path, queued,
		    s->o.queue_max);
		break;
	case SQLITE_IOERR:
		log_warnx("database %s: I/O error (%s): check the disk and the "
		    "kernel log; %d findings are queued in memory (at most %d) "
		    "and will be retried", s->path, sqlite3_errmsg(s->db),
		    queued, s->o.queue_max);
		break;
	default:
		log_warnx("database %s: %s: check the file and its "
		    "filesystem; %d findings are queued in memory (at most %d) "
		    "and will be retried", s->path, sqlite3_errstr(rc), queued,
		    s->o.queue_max);
		break;
	}
}

static int
bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(st, i);
}

static int
store_run_insert(struct store *s)
{
	char t[96];

	ad_iso_ms(s->run_start_ms, t, sizeof(t));
	sqlite3_bind_text(s->st_run_ins, 1, t, -1, SQLITE_TRANSIENT);
	bind_text_or_null(s->st_run_ins, 2, s->run_version);
	bind_text_or_null(s->st_run_ins, 3, s->run_host);
	bind_text_or_null(s->st_run_ins, 4, s->run_source);
	bind_text_or_null(s->st_run_ins, 5, s->run_digest);
	return step_reset(s->st_run_ins);
}

/* Columns of the containers upsert, in its parameter order. */
static const char *const ctr_col_names[6] = { "container_id",
    "container_runtime", "container_name", "image", "pod_uid", "time" };

/* Their indices; first called by ad_store_open, before any writer runs. */
static const int *
ctr_cols(void)
{
	static int cols[6] = { -1 };
	int i;

	if (cols[0] == -1)
		for (i = 0; i < 6; i++)
			cols[i] = ad_col_index(ctr_col_names[i]);
	return cols;
}

/* Upsert the container of row r, at the time of row t. */
static int
store_container(struct store *s, const struct ad_row *r,
    const struct ad_row *t)
{
	sqlite3_stmt *sts[2] = { s->st_cins, s->st_cupd };
	const int *cols = ctr_cols();
	int i, j, rc = SQLITE_DONE;

	for (j = 0; j < 2 && rc == SQLITE_DONE; j++) {
		for (i = 0; i < 6; i++)
			bind_text_or_null(sts[j], i + 1, ad_row_text(i < 5 ?
			    r : t, cols[i], NULL));
		rc = step_reset(sts[j]);
	}
	return rc;
}

static int
str_eq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Same container metadata (id, runtime, name, image, pod)? */
static int
ctr_same(const struct ad_row *a, const struct ad_row *b)
{
	const int *cols = ctr_cols();
	int i;

	for (i = 0; i < 5; i++)
		if (!str_eq(ad_row_text(a, cols[i], NULL),
		    ad_row_text(b, cols[i], NULL)))
			return 0;
	return 1;
}

/* Row i of the writer's batch. */
static const struct ad_row *
out_row(const struct store *s, int i)
{
	return s->q.r[(s->q.head + i) % s->o.queue_max];
}

/*
 * The containers of the batch: one upsert per distinct container (and
 * metadata) at its earliest and latest time in the batch, not one per
 * finding (they were 11% of the insert cost).  Past STORE_CTR_DISTINCT
 * distinct ones in a batch, the rest go row by row.
 */
#define STORE_CTR_DISTINCT	64
static int
store_containers(struct store *s)
{
	struct { int row, tmin, tmax; } d[STORE_CTR_DISTINCT];
	const int tcol = ctr_cols()[5], idcol = ctr_cols()[0];
	const struct ad_row *r;
	const char *t;
	int i, k, nd = 0, rc = SQLITE_DONE;

	for (i = 0; i < s->q.nout && rc == SQLITE_DONE; i++) {
		r = out_row(s, i);
		if (ad_row_text(r, idcol, NULL) == NULL)
			continue;
		for (k = 0; k < nd && !ctr_same(out_row(s, d[k].row), r); k++)
			;
		if (k == nd && nd == STORE_CTR_DISTINCT) {
			rc = store_container(s, r, r);
			continue;
		}
		if (k == nd) {
			d[nd].row = d[nd].tmin = d[nd].tmax = i;
			nd++;
			continue;
		}
		t = ad_row_text(r, tcol, NULL);
		if (strcmp(t, ad_row_text(out_row(s, d[k].tmin), tcol,
		    NULL)) < 0)
			d[k].tmin = i;
		if (strcmp(t, ad_row_text(out_row(s, d[k].tmax), tcol,
		    NULL)) > 0)
			d[k].tmax = i;
	}
	for (k = 0; k < nd && rc == SQLITE_DONE; k++) {
		r = out_row(s, d[k].row);
		rc = store_container(s, r, out_row(s, d[k].tmin));
		if (rc == SQLITE_DONE && d[k].tmax != d[k].tmin)
			rc = store_container(s, r, out_row(s, d[k].tmax));
	}
	return rc;
}

/*
 * Write the batch (out) and a pending runs row in one transaction; mu not
 * held (out is the writer's).  Returns SQLITE_DONE, or the code that
 * failed, rolled back; *run_id gets the new runs row's id.
 */
static int
store_commit(struct store *s, int64_t *run_id)
{
	int rc, i, k;

	if ((rc = step_reset(s->st_begin)) != SQLITE_DONE)
		goto fail;
	if (s->run_pending) {
		if ((rc = store_run_insert(s)) != SQLITE_DONE)
			goto fail;
		*run_id = sqlite3_last_insert_rowid(s->db);
	}
	/* STORE_INS_ROWS rows a statement, then the rest one by one: a
	 * statement's own work (its cursors, its end) was a quarter of the
	 * writer's per row */
	for (i = 0; i + STORE_INS_ROWS <= s->q.nout; i += STORE_INS_ROWS) {
		for (k = 0, rc = SQLITE_OK; k < STORE_INS_ROWS &&
		    rc == SQLITE_OK; k++)
			rc = ad_row_bind(s->st_ins_n, out_row(s, i + k),
			    1 + k * (int)AD_FINDING_NCOLS);
		if (rc != SQLITE_OK || (rc = step_reset(s->st_ins_n)) !=
		    SQLITE_DONE)
			goto fail;
	}
	for (; i < s->q.nout; i++)
		if ((rc = ad_row_bind(s->st_ins, out_row(s, i), 1)) !=
		    SQLITE_OK || (rc = step_reset(s->st_ins)) != SQLITE_DONE)
			goto fail;
	if ((rc = store_containers(s)) != SQLITE_DONE ||
	    (rc = step_reset(s->st_commit)) != SQLITE_DONE)
		goto fail;
	sqlite3_clear_bindings(s->st_ins);	/* rows point into out */
	sqlite3_clear_bindings(s->st_ins_n);
	return SQLITE_DONE;
fail:
	if (!sqlite3_get_autocommit(s->db))
		step_reset(s->st_rollback);
	sqlite3_clear_bindings(s->st_ins);
	sqlite3_clear_bindings(s->st_ins_n);
	return rc;
}

static void
ring_free(struct ring *q, int cap)
{
	int i;

	for (i = 0; q->r != NULL && i < cap; i++)
		if (q->r[i] != NULL) {
			ad_row_free(q->r[i]);
			free(q->r[i]);
		}
	free(q->r);
	memset(q, 0, sizeof(*q));
}

/* ---- checkpoints -------------------------------------------------- */

/* SQLite's WAL hook on the writer's connection, in place of its automatic
 * checkpoints (which ran on the writer, fsyncs included): the WAL's size
 * in frames after each commit. */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *s = arg;

	(void)db;
	(void)name;
	s->wal_frames = frames;
	return SQLITE_OK;
}

/*
 * After a commit: every ckpt_frames new WAL frames (STORE_CKPT_BYTES), ask
 * the
 * checkpointer thread to copy them into the database.  It copies while
 * the writer appends, so alone it never reaches the end of the WAL, and
 * the WAL restarts from its beginning only when a transaction starts with
 * everything copied.  So past wal_max_frames the writer waits for a
 * checkpoint that starts after this commit (short: most frames are copied
 * already); the next commit restarts the WAL.  If a reader's snapshot kept
 * that one from finishing, wait again only wal_max_frames later.
 * mu held.
 */
static void
store_ckpt_after(struct store *s)
{
	uint64_t seq;

	if (s->wal_frames < s->wal_last) {
		/* restarted (between restarts the WAL only grows) */
		s->wal_next = s->ckpt_frames;
		s->wal_wait = s->wal_max_frames;
	}
	s->wal_last = s->wal_frames;
	if (s->wal_frames < s->wal_next)
		return;
	s->wal_next = s->wal_frames + s->ckpt_frames;
	seq = ++s->ckpt_want;
	pthread_cond_signal(&s->cv_ckpt);
	if (s->wal_frames < s->wal_wait)
		return;
	while (s->ckpt_done < seq && !s->ckpt_stop)
		pthread_cond_wait(&s->cv_work, &s->mu);
	s->wal_wait = s->wal_frames + s->wal_max_frames;
}

/* The checkpointer thread: a PASSIVE checkpoint (never waits for readers
 * or the writer) each time one is asked for; closes its connection last,
 * which checkpoints what is left and removes the WAL. */
static void *
store_ckpt_main(void *arg)
{
	struct store *s = arg;
	uint64_t seq;
	int rc;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->ckpt_want > s->ckpt_done) {
			seq = s->ckpt_want;
			pthread_mutex_unlock(&s->mu);
			rc = sqlite3_wal_checkpoint_v2(s->cdb, NULL,
			    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
			if (rc != SQLITE_OK)
				log_debug("database %s: checkpoint: %s",
				    s->path, sqlite3_errstr(rc));
			pthread_mutex_lock(&s->mu);
			s->ckpt_done = seq;
			pthread_cond_signal(&s->cv_work);
			continue;
		}
		if (s->ckpt_stop)
			break;
		pthread_cond_wait(&s->cv_ckpt, &s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	if (sqlite3_close(s->cdb) != SQLITE_OK)
		log_warnx("database %s: close: %s", s->path,
		    sqlite3_errmsg(s->cdb));
	s->cdb = NULL;
	return NULL;
}

/*
 * Take the queue and write it (with a pending runs row) in one
 * transaction, releasing mu meanwhile.  Unless force, a failing store
 * waits for retry_ms.  0 written (or nothing to do), -1 failed: rows kept
 * in out, condition logged once.  mu held on entry and return.
 */
static int
store_batch(struct store *s, int force)
{
	int64_t run_id = -1;
	int rc;

	if (s->cond && !force && ad_store_now_ms() < s->retry_ms)
		return -1;
	s->q.nout += s->q.nin;	/* take what waits, behind any retried */
	s->q.nin = 0;
	if (s->q.nout == 0 && !s->run_pending)
		return 0;
	pthread_mutex_unlock(&s->mu);
	rc = store_commit(s, &run_id);
	pthread_mutex_lock(&s->mu);
	if (rc != SQLITE_DONE) {
		store_fail(s, rc, ad_store_now_ms());
		/* a write() waiting for room drops */
		pthread_cond_broadcast(&s->cv_done);
		return -1;
	}
	s->written += (uint64_t)s->q.nout;
	if (s->cond)
		log_info("database %s is writable again: %d queued findings "
		    "written%s", s->path, s->q.nout, s->dropped ?
		    "; findings dropped meanwhile are counted in "
		    "runs.findings_dropped" : "");
	s->q.head = (s->q.head + s->q.nout) % s->o.queue_max;
	s->q.nout = 0;
	s->cond = 0;
	s->overflow_logged = 0;
	if (s->run_pending) {
		s->run_pending = 0;
		s->run_id = run_id;
	}
	pthread_cond_broadcast(&s->cv_done);		/* room */
	/* last: it may wait for the checkpointer (mu released), and the
	 * batch's slots and the failure state must be free by then */
	store_ckpt_after(s);
	return 0;
}

/* One small DELETE of findings older than retain_days (by event time),
 * then, when done, of containers not seen since.  mu not held. */
static void
store_prune(struct store *s, int64_t now)
{
	char cut[96];
	int rc, n;

	ad_iso_ms(ad_now_ms() - (int64_t)s->o.retain_days * 86400000, cut,
	    sizeof(cut));
	sqlite3_bind_text(s->st_prune, 1, cut, -1, SQLITE_TRANSIENT);
	rc = step_reset(s->st_prune);
	if (rc != SQLITE_DONE) {
		log_debug("database %s: prune deferred: %s", s->path,
		    sqlite3_errstr(rc));
		s->prune_ms = now + STORE_RETRY_MS;
		return;
	}
	n = sqlite3_changes(s->db);
	if (n >= STORE_PRUNE_BATCH) {
		s->prune_ms = now;	/* more, after the next batch */
		return;
	}
	sqlite3_bind_text(s->st_prune_c, 1, cut, -1, SQLITE_TRANSIENT);
	step_reset(s->st_prune_c);
	s->prune_ms = now + STORE_PRUNE_EVERY_MS;
}

/* Copy the run's description for its runs row (the writer's fields). */
static void
store_run_set(struct store *s, const struct ad_run_stats *st)
{
	free(s->run_version);
	free(s->run_host);
	free(s->run_source);
	free(s->run_digest);
	s->run_version = st->version ? xstrdup(st->version) : NULL;
	s->run_host = st->host ? xstrdup(st->host) : NULL;
	s->run_source = st->source ? xstrdup(st->source) : NULL;
	s->run_digest = st->rules_digest ? xstrdup(st->rules_digest) : NULL;
	s->run_start_ms = st->start_ms ? st->start_ms : ad_now_ms();
	s->run_pending = 1;
	s->run_id = -1;
}

/* Write what waits (rows, a runs row) in up to three tries, pause_ms
 * apart (mu released meanwhile).  mu held. */
static void
store_batch_tries(struct store *s, int pause_ms)
{
	int tries;

	for (tries = 0; tries < 3 && (s->q.nout || s->q.nin ||
	    s->run_pending); tries++)
		if (store_batch(s, 1) != 0) {
			pthread_mutex_unlock(&s->mu);
			usleep((useconds_t)pause_ms * 1000);
			pthread_mutex_lock(&s->mu);
		}
}

/*
 * Write what waits (three tries), then close the runs row.
 * findings_dropped is the pipeline's count plus the store's own overflow
 * (which the pipeline must not count again).  0 ok, -1 logged.  mu held
 * on entry and return.
 */
static int
store_run_close(struct store *s, const struct ad_run_stats *st)
{
	sqlite3_stmt *u = s->st_run_upd;
	char t[96];
	int rc;

	store_batch_tries(s, 100);
	if (s->run_id < 0) {
		log_warnx("database %s: the runs row of this run could not be "
		    "written", s->path);
		return -1;
	}
	ad_iso_ms(st->stop_ms ? st->stop_ms : ad_now_ms(), t, sizeof(t));
	sqlite3_bind_text(u, 1, t, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(u, 2, (sqlite3_int64)st->records_read);
	sqlite3_bind_int64(u, 3, (sqlite3_int64)st->events_read);
	sqlite3_bind_int64(u, 4, (sqlite3_int64)st->events_lost);
	sqlite3_bind_int64(u, 5, (sqlite3_int64)st->malformed);
	sqlite3_bind_int64(u, 6, (sqlite3_int64)st->findings);
	sqlite3_bind_int64(u, 7,
	    (sqlite3_int64)(st->findings_dropped + s->dropped));
	sqlite3_bind_int64(u, 8, s->run_id);
	pthread_mutex_unlock(&s->mu);
	rc = step_reset(u);
	pthread_mutex_lock(&s->mu);
	if (rc != SQLITE_DONE) {
		log_warnx("database %s: cannot close the runs row of this "
		    "run: %s; its stop stays empty", s->path,
		    sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

/* Do what the pipeline asked (store_call) and tell it.  mu held. */
static void
store_serve(struct store *s)
{
	enum store_req req = s->req;
	int rc = 0;

	s->req = REQ_NONE;
	switch (req) {
	case REQ_FLUSH:
		rc = store_batch(s, 1);
		break;
	case REQ_RUN_BEGIN:
		store_run_set(s, s->req_st);
		rc = store_batch(s, 1);
		break;
	case REQ_RUN_END:
		rc = store_run_close(s, s->req_st);
		break;
	case REQ_NONE:
		break;
	}
	s->req_rc = rc;
	s->done_seq = s->req_seq;
	pthread_cond_broadcast(&s->cv_done);
}

/* Closing: write what waits (three tries); count and log what cannot
 * be.  mu held. */
static void
store_drain(struct store *s)
{
	int n;

	store_batch_tries(s, 200);
	if ((n = s->q.nout + s->q.nin) > 0) {
		s->dropped += (uint64_t)n;
		log_warnx("database %s: %d findings could not be written "
		    "before exit and are lost (%llu dropped in all); fix the "
		    "condition logged above", s->path, n,
		    (unsigned long long)s->dropped);
		s->q.nout = s->q.nin = 0;
	}
}

/* A batch to write now?  mu held. */
static int
store_due(const struct store *s, int64_t now)
{
	if (s->cond)
		return (s->q.nout || s->q.nin || s->run_pending) &&
		    now >= s->retry_ms;
	return s->q.nin >= s->o.batch_max ||
	    (s->q.nin > 0 && now - s->first_ms >= s->o.batch_ms);
}

/* When the writer must wake by itself (CLOCK_MONOTONIC ms), or -1 when
 * only a signal will do.  mu held. */
static int64_t
store_deadline(const struct store *s)
{
	int64_t t = -1;

	if (s->cond) {
		if (s->q.nout || s->q.nin || s->run_pending)
			t = s->retry_ms;
	} else {
		if (s->q.nin > 0)
			t = s->first_ms + s->o.batch_ms;
		if (s->o.retain_days > 0 && (t < 0 || s->prune_ms < t))
			t = s->prune_ms;
	}
	return t;
}

void
ad_store_ms_timespec(int64_t ms, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ms / 1000);
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}

static void store_db_close(struct store *s);

/*
 * The writer thread: serves requests, writes due batches, retries after
 * errors and prunes between batches; on stop, drains the queue and closes
 * the connection, which no other thread touches meanwhile.
 */
static void *
store_main(void *arg)
{
	struct store *s = arg;
	struct timespec ts;
	int64_t now, t;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		if (s->req != REQ_NONE) {
			store_serve(s);
			continue;
		}
		if (s->stop)
			break;
		now = ad_store_now_ms();
		if (store_due(s, now)) {
			store_batch(s, 0);
			continue;
		}
		if (s->o.retain_days > 0 && !s->cond && now >= s->prune_ms) {
			pthread_mutex_unlock(&s->mu);
			store_prune(s, now);
			pthread_mutex_lock(&s->mu);
			continue;
		}
		if ((t = store_deadline(s)) < 0)
			pthread_cond_wait(&s->cv_work, &s->mu);
		else {
			ad_store_ms_timespec(t, &ts);
			pthread_cond_timedwait(&s->cv_work, &s->mu, &ts);
		}
	}
	store_drain(s);
	pthread_mutex_unlock(&s->mu);
	store_db_close(s);
	return NULL;
}

/* ---- sink ops (the pipeline thread) ------------------------------- */

/* Ask the writer for req and wait until it is done; its result. */
static int
store_call(struct store *s, enum store_req req, const struct ad_run_stats *st)
{
	uint64_t seq;
	int rc;

	pthread_mutex_lock(&s->mu);
	s->req = req;
	s->req_st = st;
	seq = ++s->req_seq;
	pthread_cond_signal(&s->cv_work);
	while (s->done_seq != seq)
		pthread_cond_wait(&s->cv_done, &s->mu);
	rc = s->req_rc;
	s->req_st = NULL;
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
store_full(const struct store *s)
{
	return s->q.nout + s->q.nin >= s->o.queue_max;
}

static int
store_write(void *ctx, const struct ad_finding *f)
{
	struct store *s = ctx;
	int64_t now = ad_store_now_ms();
	struct timespec ts;
	struct ad_row **slot;

	pthread_mutex_lock(&s->mu);
	if (store_full(s) && !s->cond) {
		/* the database works but lags: wait a little for room */
		pthread_cond_signal(&s->cv_work);
		ad_store_ms_timespec(now + STORE_FULL_WAIT_MS, &ts);
		while (store_full(s) && !s->cond)
			if (pthread_cond_timedwait(&s->cv_done, &s->mu, &ts)
			    != 0)
				break;
	}
	if (store_full(s)) {
		s->dropped++;
		if (!s->overflow_logged) {
			log_warnx("database %s: %d findings wait in memory, "
			    "the most allowed: new findings are dropped and "
			    "counted in runs.findings_dropped until the "
			    "database takes writes again%s", s->path,
			    s->q.nout + s->q.nin, s->cond ? "" :
			    " (it is too slow for this rate of findings: "
			    "check the disk)");
			s->overflow_logged = 1;
		}
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	slot = &s->q.r[(s->q.head + s->q.nout + s->q.nin) % s->o.queue_max];
	if (*slot == NULL) {
		*slot = xcalloc(1, sizeof(**slot));
		ad_row_init(*slot);
	}
	if (f->row != NULL)
		ad_row_copy(*slot, f->row);
	else
		ad_row_fill(*slot, f, s->fill_host ? s->fill_host : s->host);
	if (s->q.nin++ == 0) {
		s->first_ms = now;
		pthread_cond_signal(&s->cv_work);	/* start the clock */
	} else if (s->q.nin == s->o.batch_max)
		pthread_cond_signal(&s->cv_work);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static int
store_flush(void *ctx)
{
	return store_call(ctx, REQ_FLUSH, NULL);
}

/* The writer keeps its own time (batches, retries, pruning): a tick
 * only reports whether the database is failing. */
static int
store_tick(void *ctx, int64_t now_ms)
{
	struct store *s = ctx;
	int failing;

	(void)now_ms;
	pthread_mutex_lock(&s->mu);
	failing = s->cond != 0;
	pthread_mutex_unlock(&s->mu);
	return failing ? -1 : 0;
}

static void
store_run_begin(void *ctx, const struct ad_run_stats *st)
{
	struct store *s = ctx;

	free(s->fill_host);
	s->fill_host = st->host ? xstrdup(st->host) : NULL;
	store_call(s, REQ_RUN_BEGIN, st);
}

static void
store_run_end(void *ctx, const struct ad_run_stats *st)
{
	store_call(ctx, REQ_RUN_END, st);
}

/* Finalize the statements and close the connection (once). */
static void
store_db_close(struct store *s)
{
	sqlite3_stmt **sts[] = { &s->st_begin, &s->st_commit, &s->st_rollback,
	    &s->st_ins, &s->st_ins_n, &s->st_cins, &s->st_cupd, &s->st_run_ins,
	    &s->st_run_upd, &s->st_prune, &s->st_prune_c };
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(sts); i++) {
		sqlite3_finalize(*sts[i]);
		*sts[i] = NULL;
	}
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		log_warnx("database %s: close: %s", s->path,
		    sqlite3_errmsg(s->db));
	s->db = NULL;
}

/* Free s; its threads are not running (joined, or never started). */
static void
store_free(struct store *s)
{
	store_db_close(s);
	if (s->cdb != NULL)
		sqlite3_close(s->cdb);
	ring_free(&s->q, s->o.queue_max);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv_work);
	pthread_cond_destroy(&s->cv_done);
	pthread_cond_destroy(&s->cv_ckpt);
	free(s->run_version);
	free(s->run_host);
	free(s->run_source);
	free(s->run_digest);
	free(s->fill_host);
	free(s->path);
	free(s);
}

/* Set *stop (under mu), wake the thread waiting on cv, join it. */
static void
store_join(struct store *s, int *stop, pthread_cond_t *cv, pthread_t t)
{
	pthread_mutex_lock(&s->mu);
	*stop = 1;
	pthread_cond_signal(cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(t, NULL);
}

/* Stop the writer (it writes what it can, counts and logs the rest),
 * then the checkpointer (its close checkpoints the rest); free. */
static void
store_close(void *ctx)
{
	struct store *s = ctx;

	if (s->started)
		store_join(s, &s->stop, &s->cv_work, s->thread);
	if (s->cstarted)
		store_join(s, &s->ckpt_stop, &s->cv_ckpt, s->cthread);
	store_free(s);
}

static const struct ad_sink_ops store_ops = {
	.name = "sqlite",
	.write = store_write,
	.flush = store_flush,
	.run_begin = store_run_begin,
	.run_end = store_run_end,
	.close = store_close,
	.tick = store_tick,
};

/* Start fn(s) as thread *t with every signal blocked: signals are for
 * the threads that wait for them (live.c's signalfd).  0 ok, -1 logged. */
static int
store_thread(struct store *s, pthread_t *t, void *(*fn)(void *),
    const char *what)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		log_warn("database %s: cannot start its %s thread", s->path,
		    what);
		return -1;
	}
	return 0;
}

/* The database's page size in bytes, or -1 logged. */
static int
store_page_size(struct store *s)
{
	sqlite3_stmt *st;
	int page = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		page = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (page < 512)
		log_warnx("database %s: cannot read its page size: %s",
		    s->path, sqlite3_errmsg(s->db));
	return page < 512 ? -1 : page;
}

/* The checkpointer's connection (same checks as the writer's), then both
 * threads.  0 ok, -1 logged (nothing started). */
static int
store_start(struct store *s, int flags)
{
	int rc, page;

	if ((rc = sqlite3_open_v2(s->path, &s->cdb, flags, NULL)) != SQLITE_OK
	    || exec_static(s->cdb, "PRAGMA synchronous=NORMAL", s->path) != 0) {
		log_warnx("database %s: cannot open it for checkpoints: %s",
		    s->path, s->cdb ? sqlite3_errmsg(s->cdb) :
		    sqlite3_errstr(rc));
		return -1;
	}
	sqlite3_wal_hook(s->db, store_wal_hook, s);
	if ((page = store_page_size(s)) < 0)
		return -1;
	s->wal_next = s->ckpt_frames = STORE_CKPT_BYTES / page;
	s->wal_wait = s->wal_max_frames = STORE_WAL_MAX_BYTES / page;
	if (store_thread(s, &s->cthread, store_ckpt_main, "checkpoint") != 0)
		return -1;
	s->cstarted = 1;
	if (store_thread(s, &s->thread, store_main, "writer") != 0)
		return -1;
	s->started = 1;
	return 0;
}

static void
store_init_sync(struct store *s)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	/* deadlines in ad_store_now_ms() time */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv_work, &ca);
	pthread_cond_init(&s->cv_done, &ca);
	pthread_cond_init(&s->cv_ckpt, &ca);
	pthread_condattr_destroy(&ca);
}

struct ad_sink *
ad_store_open(const struct ad_store_opts *o)
{
	struct store *s;
	struct ad_sink *sink;
	mode_t omask;
	/* NOMUTEX: one thread at a time uses the connection (this one, then
	 * the writer's), so SQLite's per-call mutexes were pure cost */
	int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	if (o->path == NULL || *o->path == '\0') {
		log_warnx("no database path given");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	store_init_sync(s);
	s->path = xstrdup(o->path);
	s->o = *o;
	s->o.path = s->path;
	if (s->o.batch_max < 1)
		s->o.batch_max = 1;
	if (s->o.batch_ms < 0)
		s->o.batch_ms = 0;
	if (s->o.queue_max < s->o.batch_max)
		s->o.queue_max = s->o.batch_max;
	s->q.r = xcalloc((size_t)s->o.queue_max, sizeof(*s->q.r));
	s->run_id = -1;
	if (gethostname(s->host, sizeof(s->host) - 1) == -1)
		snprintf(s->host, sizeof(s->host), "localhost");
	ctr_cols();

	omask = umask(027);
	if (ad_store_check_path(s->path, o->insecure, 1) != 0 ||
	    store_create(s->path, o->insecure) != 0)
		goto fail;
#ifdef SQLITE_OPEN_NOFOLLOW
	if (!o->insecure)
		flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if ((rc = sqlite3_open_v2(s->path, &s->db, flags, NULL)) != SQLITE_OK) {
		log_warnx("database %s: cannot open it: %s", s->path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_OPEN_BUSY_MS);
	/* page_size only takes on a new, empty database (before WAL) */
	if (exec_static(s->db, "PRAGMA page_size=" STORE_PAGE_SIZE, s->path)
	    != 0 ||
	    exec_static(s->db, "PRAGMA journal_mode=WAL", s->path) != 0 ||
	    exec_static(s->db, "PRAGMA synchronous=NORMAL;"
	    "PRAGMA journal_size_limit=67108864;"
	    "PRAGMA cache_size=-32768", s->path) != 0 ||
	    ad_schema_apply(s->db, ad_schema_version(), s->path) != 0 ||
	    /* the -wal and -shm SQLite has made or opened by now */
	    (!o->insecure && store_check_sides(s->path) != 0) ||
	    store_prepare(s) != 0)
		goto fail;
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	umask(omask);
	if (store_start(s, flags) != 0) {
		store_close(s);
		return NULL;
	}

	sink = xcalloc(1, sizeof(*sink));
	sink->ops = &store_ops;
	sink->ctx = s;
	return sink;
fail:
	umask(omask);
	store_free(s);
	return NULL;
}

const char *
ad_store_default_path(void)
{
	struct stat st;

	if (stat(AD_STORE_LOCAL_DB, &st) != 0)
		return AD_STORE_DEFAULT_DB;
	/* whoever can write the cwd could hand root a crafted database:
	 * ./audrift.db only when it, its -wal/-shm and the cwd are safe */
	if (ad_store_check_path(AD_STORE_LOCAL_DB, 0, 0) != 0) {
		log_warnx("not reading %s by default (above); reading %s: "
		    "give --db to choose", AD_STORE_LOCAL_DB,
		    AD_STORE_DEFAULT_DB);
		return AD_STORE_DEFAULT_DB;
	}
	return AD_STORE_LOCAL_DB;
}

/*
 * The commands beside the daemon (report, ack, diff --all) use one plain
 * connection: no threads, WAL as the daemon's, a 5 s busy wait so a
 * commit of the daemon's never fails them.  Read-only never creates nor
 * upgrades: an auditor may run it on a copy of the evidence.
 */
struct sqlite3 *
ad_store_db_open(const char *path, int write, int insecure, const char *cmd)
{
	int rc, ver = -1, want = ad_schema_version();
	int flags = write ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	struct stat st;
	sqlite3 *db = NULL;
	mode_t omask;

	if (!write && stat(path, &st) == -1) {
		log_warn("%s: no database %s: give the one audrift run writes "
		    "with --db", cmd, path);
		return NULL;
	}
	if (write) {
		omask = umask(027);
		rc = ad_store_check_path(path, insecure, 1) != 0 ||
		    store_create(path, insecure) != 0;
		umask(omask);
		if (rc)
			return NULL;
#ifdef SQLITE_OPEN_NOFOLLOW
		if (!insecure)
			flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	}
	if ((rc = sqlite3_open_v2(path, &db, flags, NULL)) != SQLITE_OK) {
		log_warnx("%s: database %s: cannot open it: %s; check the path "
		    "and its permissions", cmd, path,
		    db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, STORE_OPEN_BUSY_MS);
	if (user_version(db, &ver) != SQLITE_OK) {
		log_warnx("%s: database %s: cannot read its schema version: "
		    "%s; is it an audrift database?", cmd, path,
		    sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	if (ver > want) {
		log_warnx("%s: database %s has schema version %d, newer than "
		    "this audrift's %d: read it with the audrift that wrote it "
		    "(or a newer one); this one will not guess at columns it "
		    "does not know", cmd, path, ver, want);
		sqlite3_close(db);
		return NULL;
	}
	if (write) {
		if (exec_static(db, "PRAGMA journal_mode=WAL", path) != 0 ||
		    ad_schema_apply(db, want, path) != 0) {
			sqlite3_close(db);
			return NULL;
		}
	} else if (ver < want) {
		log_warnx("%s: database %s has schema version %d, older than "
		    "this audrift's %d: upgrade it first (audrift ack or "
		    "audrift diff --all with --db %s, or the next audrift run, "
		    "upgrades it in place)", cmd, path, ver, want, path);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

void
ad_store_stats(const struct ad_sink *sink, struct ad_store_stats *st)
{
	struct store *s;

	memset(st, 0, sizeof(*st));
	if (sink == NULL || sink->ops != &store_ops)
		return;
	s = sink->ctx;
	pthread_mutex_lock(&s->mu);
	st->written = s->written;
	st->dropped = s->dropped;
	st->queued = s->q.nout + s->q.nin;
	st->failing = s->cond;
	pthread_mutex_unlock(&s->mu);
}

/* ---- what an earlier run reported -------------------------------------- */

struct ad_store_seen {
	sqlite3 *db;
	sqlite3_stmt *st;
};

/*
 * By findings_path; the rest of the row is checked in it.  Mode, owner,
 * size and mtime are the container's to set (touch -r), so the file's
 * last change (its ctime, which only the kernel sets) must also be no
 * later than the finding's evidence was taken (its time + evidence_ms,
 * plus AD_SEEN_TICK_MS for the kernel's coarse clock): a file changed
 * again while audrift was stopped is newer than every finding of it.
 */
#define AD_SEEN_TICK_MS	20
static const char sql_seen[] =
	"SELECT 1 FROM findings WHERE path = ?1 AND container_id = ?2 AND"
	" (julianday(time) - 2440587.5) * 86400000.0 +"
	" coalesce(evidence_ms, 0) + ?10 >= ?9 AND"
	" CASE WHEN ?3 = 'unlink' THEN op = 'unlink' ELSE file_mtime = ?4"
	" AND file_size = ?5 AND file_mode = ?6 AND file_uid = ?7 AND"
	" file_gid = ?8 END LIMIT 1";

struct ad_store_seen *
ad_store_seen_open(const char *path, int insecure)
{
	struct ad_store_seen *sn;
	sqlite3 *db;

	if (path == NULL || (db = ad_store_db_open(path, 0, insecure,
	    "run")) == NULL)
		return NULL;
	sn = xcalloc(1, sizeof(*sn));
	sn->db = db;
	if (sqlite3_prepare_v2(db, sql_seen, -1, &sn->st, NULL) != SQLITE_OK) {
		log_warnx("database %s: %s; changes found in upper layers may "
		    "be reported again", path, sqlite3_errmsg(db));
		ad_store_seen_close(sn);
		return NULL;
	}
	return sn;
}

int
ad_store_seen(struct ad_store_seen *sn, const char *container_id,
    const char *path, const char *op, const struct stat *st)
{
	char mtime[40];
	int rc;

	if (sn == NULL || container_id == NULL)
		return 0;
	ad_iso_ms((int64_t)st->st_mtim.tv_sec * 1000 +
	    st->st_mtim.tv_nsec / 1000000, mtime, sizeof(mtime));

	sqlite3_bind_text(sn->st, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(sn->st, 2, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(sn->st, 3, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(sn->st, 4, mtime, -1, SQLITE_STATIC);
	sqlite3_bind_int64(sn->st, 5, (sqlite3_int64)st->st_size);
	sqlite3_bind_int64(sn->st, 6, (sqlite3_int64)st->st_mode);
	sqlite3_bind_int64(sn->st, 7, (sqlite3_int64)st->st_uid);
	sqlite3_bind_int64(sn->st, 8, (sqlite3_int64)st->st_gid);
	sqlite3_bind_int64(sn->st, 9, (sqlite3_int64)st->st_ctim.tv_sec * 1000 +
	    st->st_ctim.tv_nsec / 1000000);
	sqlite3_bind_int(sn->st, 10, AD_SEEN_TICK_MS);
	rc = sqlite3_step(sn->st);
	sqlite3_reset(sn->st);
	sqlite3_clear_bindings(sn->st);
	return rc == SQLITE_ROW;
}

void
ad_store_seen_close(struct ad_store_seen *sn)
{
	if (sn == NULL)
		return;
	sqlite3_finalize(sn->st);
	sqlite3_close(sn->db);
	free(sn);
}

void
ad_sink_free_all(struct ad_sink *list)
{
	struct ad_sink *next;

	for (; list != NULL; list = next) {
		next = list->next;
		list->ops->close(list->ctx);
		free(list);
	}
}

void
ad_sink_tick_all(struct ad_sink *list, int64_t now_ms)
{
	for (; list != NULL; list = list->next)
		if (list->ops->tick != NULL)
			list->ops->tick(list->ctx, now_ms);
}
