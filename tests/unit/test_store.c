/*
 * test_store.c - the SQLite store, the JSON-lines sink and `audrift query`
 * through their headers: schema creation and migration, batched insert and
 * read back, the column table against the INSERT and the schema, BUSY with
 * a bounded queue, retention, path safety, query formats.
 */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "commands.h"
#include "comparison.h"
#include "finding.h"
#include "log.h"
#include "store.h"
#include "store_fixture.h"
#include "util.h"

static char tmpdir[64];
static char dbpath[128];

static int
setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_store.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/f.db", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[160];

	/* Our own mkdtemp directory only. */
	snprintf(cmd, sizeof(cmd), "%s/f.db", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/f.db-wal", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/f.db-shm", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/out", tmpdir);
	unlink(cmd);
	snprintf(cmd, sizeof(cmd), "%s/link.db", tmpdir);
	unlink(cmd);
	rmdir(tmpdir);
	return 0;
}

static struct ad_sink *
open_store_ms(int batch_max, int batch_ms, int queue_max, int retain)
{
	struct ad_store_opts o;
	struct ad_sink *s;

	ad_store_opts_default(&o);
	o.path = dbpath;
	o.batch_max = batch_max;
	if (batch_ms >= 0)
		o.batch_ms = batch_ms;
	o.queue_max = queue_max;
	o.retain_days = retain;
	s = ad_store_open(&o);
	assert_non_null(s);
	return s;
}

static struct ad_sink *
open_store(int batch_max, int queue_max, int retain)
{
	return open_store_ms(batch_max, -1, queue_max, retain);
}

/* The writer thread commits on its own: wait (at most 5 s) until it
 * wrote at least n findings; the stats then. */
static void
wait_written(struct ad_sink *s, uint64_t n, struct ad_store_stats *ss)
{
	int i;

	for (i = 0; i < 500; i++) {
		ad_store_stats(s, ss);
		if (ss->written >= n)
			return;
		usleep(10 * 1000);
	}
	fail_msg("the writer wrote %llu findings in 5 s, want %llu",
	    (unsigned long long)ss->written, (unsigned long long)n);
}

static long long
sql_int(const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void
write_n(struct ad_sink *s, int n, int64_t sec)
{
	struct fx x;
	int i;

	for (i = 0; i < n; i++) {
		fx_make(&x, (uint64_t)i, sec, i & 1);
		assert_int_equal(s->ops->write(s->ctx, &x.f), 0);
	}
}

static void
test_schema_create(void **state)
{
	struct ad_sink *s = open_store(512, 1024, 0);

	ad_sink_free_all(s);
	assert_int_equal(sql_int("PRAGMA user_version"), ad_schema_version());
	assert_true(ad_schema_version() >= 2);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name IN ('findings', 'containers', 'runs')"), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'view' AND name IN ('recent_findings', "
	    "'drift_by_container', 'findings_by_rule')"), 3);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'index' AND tbl_name = 'findings'"), 4);
	/* 0640, and WAL */
	{
		struct stat st;

		assert_int_equal(stat(dbpath, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0640);
	}
	assert_int_equal(sql_int("SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode"), 1);
}

/* A version-1 database with rows is upgraded in place, rows kept. */
static void
test_migrate_v1(void **state)
{
	sqlite3 *h;
	struct ad_sink *s;

	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(ad_schema_apply(h, 1, dbpath), 0);
	assert_int_equal(sqlite3_exec(h,
	    "INSERT INTO findings(time, rule, path) VALUES"
	    " ('2026-01-01T00:00:00.000Z', 'old-rule', '/old');"
	    "INSERT INTO runs(start, findings) VALUES"
	    " ('2026-01-01T00:00:00.000Z', 1);",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sql_int("PRAGMA user_version"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM pragma_table_info("
	    "'findings') WHERE name = 'attribution'"), 0);

	s = open_store(512, 1024, 0);
	write_n(s, 3, time(NULL));
	ad_sink_free_all(s);
	assert_int_equal(sql_int("PRAGMA user_version"), ad_schema_version());
	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "rule = 'old-rule' AND path = '/old' AND attribution IS NULL"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "evidence IS NULL AND evidence_ms IS NULL"), 4);	/* v3 */
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 4);
	assert_int_equal(sql_int("SELECT count(*) FROM runs WHERE "
	    "findings = 1 AND findings_dropped IS NULL"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "attribution = 'pid'"), 1);
}

/* A newer database than we know is refused, not damaged. */
static void
test_newer_refused(void **state)
{
	struct ad_store_opts o;
	sqlite3 *h;

	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 99", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	ad_store_opts_default(&o);
	o.path = dbpath;
	assert_null(ad_store_open(&o));
	assert_int_equal(sql_int("PRAGMA user_version"), 99);
}

static void
test_batch_insert_read(void **state)
{
	struct ad_sink *s = open_store_ms(100, 60000, 1000, 0);
	struct ad_store_stats ss;
	int64_t sec = 1795000000;	/* 2026-11-18T11:06:40Z */
	int i;

	write_n(s, 250, sec);
	/* batches of at least 100 committed (the writer takes all that
	 * waits: 250 at once, or 100 + 150, or 198 leaving 52, ...), fewer
	 * than 100 left waiting for the batch time (60 s) */
	wait_written(s, 100, &ss);
	for (i = 0; i < 500 && ss.queued >= 100; i++) {
		usleep(10 * 1000);
		ad_store_stats(s, &ss);
	}
	assert_true(ss.queued < 100);
	assert_int_equal(ss.written + (uint64_t)ss.queued, 250);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"),
	    (long long)ss.written);
	assert_int_equal(s->ops->flush(s->ctx), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 250);
	ad_sink_free_all(s);

	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "time = '2026-11-18T11:06:40.007Z' AND serial = 1007 AND "
	    "rule = 'write-then-exec' AND op = 'exec' AND "
	    "syscall = 'execve' AND success = 1 AND path = '/tmp/payload-7' "
	    "AND path2 IS NULL AND exe = '/usr/bin/curl' AND comm = 'curl' "
	    "AND cmdline = 'curl -o /tmp/payload' AND pid = 4007 AND "
	    "auid = 4294967295 AND container_name = 'web-1' AND "
	    "container_runtime = 'podman' AND tags = "
	    "'[\"drift\",\"mitre:T1105\"]' AND upper_layer = 1 AND "
	    "json_extract(event, '$.proc.argv[2]') = '/tmp/payload-7'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "serial = 1008 AND container_id IS NULL AND image IS NULL AND "
	    "container_name IS NULL AND attribution IS NULL"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM containers WHERE "
	    "name = 'web-1' AND first_seen = '2026-11-18T11:06:40.001Z' AND "
	    "last_seen = '2026-11-18T11:06:40.249Z'"), 1);
	assert_int_equal(sql_int("SELECT findings FROM drift_by_container"),
	    125);
	assert_int_equal(sql_int("SELECT sum(findings) FROM findings_by_rule"),
	    250);
}

/* The one column table, the INSERT and the schema agree. */
static void
test_columns_match(void **state)
{
	struct ad_buf b;
	struct ad_sink *s;
	sqlite3 *h;
	sqlite3_stmt *st;
	const char *sql = AD_FINDING_INSERT_SQL, *p;
	int i, n = 0;

	ad_buf_init(&b);
	for (i = 0; i < AD_FINDING_NCOLS; i++) {
		if (i)
			ad_buf_adds(&b, ", ");
		ad_buf_adds(&b, ad_finding_cols[i].name);
	}
	assert_string_equal(b.p, AD_FINDING_COLUMNS);
	ad_buf_free(&b);
	for (p = sql; *p; p++)
		n += *p == '?';
	assert_int_equal(n, AD_FINDING_NCOLS);

	s = open_store(512, 1024, 0);
	ad_sink_free_all(s);
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_parameter_count(st), AD_FINDING_NCOLS);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT name, type FROM "
	    "pragma_table_info('findings') ORDER BY cid", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "id");
	for (i = 0; i < AD_FINDING_NCOLS; i++) {
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal(sqlite3_column_text(st, 0),
		    ad_finding_cols[i].name);
		assert_string_equal(sqlite3_column_text(st, 1),
		    ad_finding_cols[i].sqltype);
	}
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[1 << 20];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* JSON lines: same names, event embedded, bytes kept via _hex. */
static void
test_jsonl(void **state)
{
	char out[128];
	struct ad_sink *s;
	struct fx x;
	char *text;
	static char bad[] = "/tmp/\xff\xfe\"x\n";

	snprintf(out, sizeof(out), "%s/out", tmpdir);
	assert_non_null(s = ad_jsonl_open(out));
	fx_make(&x, 1, 1795000000, 1);
	x.ev.items[1].path = (struct ad_str){ bad, sizeof(bad) - 1 };
	assert_int_equal(s->ops->write(s->ctx, &x.f), 0);
	fx_make(&x, 2, 1795000000, 0);
	assert_int_equal(s->ops->write(s->ctx, &x.f), 0);
	ad_sink_free_all(s);
	text = slurp(out);
	assert_non_null(strstr(text, "{\"time\":\"2026-11-18T11:06:40.001Z\","
	    "\"serial\":1001,"));
	assert_non_null(strstr(text, ",\"path\":\"/tmp/\xef\xbf\xbd\xef\xbf"
	    "\xbd\\\"x\\n\",\"path_hex\":\"2f746d702ffffe22780a\","));
	assert_non_null(strstr(text, ",\"tags\":[\"drift\",\"mitre:T1105\"],"));
	assert_non_null(strstr(text, ",\"event\":{\"serial\":1001,"));
	assert_non_null(strstr(text, ",\"container_id\":null,"));
	/* two lines, each one object */
	assert_non_null(strchr(text, '\n'));
	assert_int_equal(strchr(strchr(text, '\n') + 1, '\n')[1], '\0');
}

/* Begin a run on s, then lock the database from another connection (as
 * another writer would); that connection, to COMMIT and close. */
static sqlite3 *
run_locked(struct ad_sink *s, struct ad_run_stats *rs)
{
	sqlite3 *h;

	memset(rs, 0, sizeof(*rs));
	rs->source = "test";
	s->ops->run_begin(s->ctx, rs);
	assert_int_equal(sqlite3_open(dbpath, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	return h;
}

/* Another writer holds the lock: findings wait in the bounded queue, the
 * overflow is counted, and all queued ones land once it lets go. */
static void
test_busy_queue(void **state)
{
	struct ad_sink *s = open_store(10, 50, 0);
	struct ad_store_stats ss;
	struct ad_run_stats rs;
	sqlite3 *h;
	struct fx x;
	int i, rc;

	h = run_locked(s, &rs);
	for (i = 0; i < 80; i++) {
		fx_make(&x, (uint64_t)i, 1795000000, 0);
		rc = s->ops->write(s->ctx, &x.f);
		assert_int_equal(rc, i < 50 ? 0 : -1);
	}
	ad_store_stats(s, &ss);
	assert_int_equal(ss.written, 0);
	assert_int_equal(ss.queued, 50);
	assert_int_equal(ss.dropped, 30);
	assert_int_equal(ss.failing, SQLITE_BUSY);
	assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	/* the writer retries by itself */
	wait_written(s, 50, &ss);
	assert_int_equal(ss.written, 50);
	assert_int_equal(ss.failing, 0);
	assert_int_equal(s->ops->tick(s->ctx, ad_store_now_ms()), 0);
	rs.findings = 80;
	s->ops->run_end(s->ctx, &rs);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 50);
	assert_int_equal(sql_int("SELECT findings_dropped FROM runs"), 30);
	assert_int_equal(sql_int("SELECT stop IS NOT NULL FROM runs"), 1);
}

/* Wait (5 s at most) until the writer pruned down to left findings: it
 * prunes by itself, in batches of 1000. */
static void
wait_pruned(int left)
{
	int i;

	for (i = 0; i < 500 && sql_int("SELECT count(*) FROM findings") >
	    left; i++)
		usleep(10 * 1000);
}

static void
test_retention(void **state)
{
	struct ad_sink *s = open_store(512, 8192, 0);
	int64_t now = time(NULL);

	write_n(s, 2500, now - 10 * 86400);
	write_n(s, 7, now);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 2507);
	s = open_store(512, 8192, 5);
	wait_pruned(7);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 7);
	assert_int_equal(sql_int("SELECT count(*) FROM containers"), 1);
}

/* Everything older than the retention: the newest finding stays, so the
 * next one's id is after every id given out (an empty table would start
 * again at 1, ids the forwarder's server holds already). */
static void
test_retention_keeps_ids(void **state)
{
	struct ad_sink *s = open_store(512, 8192, 0);
	int64_t now = time(NULL);

	write_n(s, 30, now - 10 * 86400);
	ad_sink_free_all(s);
	s = open_store(512, 8192, 5);
	wait_pruned(1);
	write_n(s, 2, now);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 3);
	assert_int_equal(sql_int("SELECT min(id) FROM findings"), 30);
	assert_int_equal(sql_int("SELECT max(id) FROM findings"), 32);
}

/*
 * The writer thread and the checkpointer: many findings through a small
 * queue, so that write() fills it while the writer commits and waits for
 * room.  Every finding lands once, in order; the WAL stays bounded
 * (checkpoints keep up and it restarts: about 48 MB at most, plus a
 * batch); the database is intact.
 */
static void
test_writer_thread(void **state)
{
	struct ad_sink *s = open_store(64, 512, 0);
	struct ad_store_stats ss;
	char wal[160];
	struct stat st;
	off_t wal_max = 0;
	struct fx x;
	int i, n = 50000;

	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	for (i = 0; i < n; i++) {
		fx_make(&x, (uint64_t)i, 1795000000 + i / 1000, i & 1);
		assert_int_equal(s->ops->write(s->ctx, &x.f), 0);
		if (i % 500 == 0 && stat(wal, &st) == 0 && st.st_size > wal_max)
			wal_max = st.st_size;
	}
	assert_int_equal(s->ops->flush(s->ctx), 0);
	ad_store_stats(s, &ss);
	assert_int_equal(ss.written, n);
	assert_int_equal(ss.dropped, 0);
	assert_int_equal(ss.queued, 0);
	/* more than one WAL's worth went through: checkpoints ran */
	assert_true(sql_int("PRAGMA page_count") * sql_int("PRAGMA page_size")
	    > 64LL << 20);
	assert_true(wal_max < 56LL << 20);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), n);
	assert_int_equal(sql_int("SELECT count(*) FROM findings WHERE "
	    "serial != id + 999"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM pragma_integrity_check "
	    "WHERE integrity_check != 'ok'"), 0);
	assert_int_equal(access(wal, F_OK), -1);	/* checkpointed, gone */
}

/* Close with findings waiting (batch time 60 s): the writer writes them
 * before it stops. */
static void
test_close_pending(void **state)
{
	struct ad_sink *s = open_store_ms(1000, 60000, 1000, 0);
	struct ad_store_stats ss;

	write_n(s, 300, 1795000000);
	ad_store_stats(s, &ss);
	assert_int_equal(ss.written, 0);
	assert_int_equal(ss.queued, 300);
	ad_sink_free_all(s);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 300);
}

/* Close while another writer holds the lock: what cannot be written is
 * counted (the runs row says so), and close returns. */
static void
test_close_failing(void **state)
{
	struct ad_sink *s = open_store_ms(1000, 60000, 1000, 0);
	struct ad_store_stats ss;
	struct ad_run_stats rs;
	sqlite3 *h = run_locked(s, &rs);

	write_n(s, 40, 1795000000);
	assert_int_equal(s->ops->flush(s->ctx), -1);
	ad_store_stats(s, &ss);
	assert_int_equal(ss.failing, SQLITE_BUSY);
	assert_int_equal(ss.queued, 40);
	ad_sink_free_all(s);		/* three tries, then counted */
	assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(sql_int("SELECT count(*) FROM findings"), 0);
	assert_int_equal(sql_int("SELECT count(*) FROM runs"), 1);
}

static void
test_refuse_unsafe(void **state)
{
	char link[128];
	struct ad_store_opts o;
	struct ad_sink *sk;

	snprintf(link, sizeof(link), "%s/link.db", tmpdir);
	assert_int_equal(symlink("f.db", link), 0);
	ad_store_opts_default(&o);
	o.path = link;
	assert_null(ad_store_open(&o));
	assert_int_equal(access(dbpath, F_OK), -1);	/* not created */
	o.insecure = 1;
	ad_sink_free_all(ad_store_open(&o));
	assert_int_equal(access(dbpath, F_OK), 0);

	assert_int_equal(chmod(tmpdir, 0777), 0);
	o.path = dbpath;
	o.insecure = 0;
	assert_null(ad_store_open(&o));
	/* sticky or group-writable: someone else could plant the -wal */
	assert_int_equal(chmod(tmpdir, 01777), 0);
	assert_null(ad_store_open(&o));
	assert_int_equal(chmod(tmpdir, 0770), 0);
	assert_null(ad_store_open(&o));
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(chmod(dbpath, 0666), 0);
	assert_null(ad_store_open(&o));
	assert_int_equal(chmod(dbpath, 0660), 0);	/* group-writable */
	assert_null(ad_store_open(&o));
	assert_int_equal(chmod(dbpath, 0640), 0);
	sk = ad_store_open(&o);				/* safe: opens */
	assert_non_null(sk);
	ad_sink_free_all(sk);
	if (geteuid() == 0) {
		char wal[160];
		int fd;

		/* owned by another user: the file, then a -wal planted */
		assert_int_equal(chown(dbpath, 65534, 0), 0);
		assert_null(ad_store_open(&o));
		assert_int_equal(chown(dbpath, 0, 0), 0);
		snprintf(wal, sizeof(wal), "%s-wal", dbpath);
		fd = open(wal, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(chown(wal, 65534, 0), 0);
		assert_null(ad_store_open(&o));
		assert_int_equal(unlink(wal), 0);
		/* and the dir */
		assert_int_equal(chown(tmpdir, 65534, 0), 0);
		assert_null(ad_store_open(&o));
		assert_int_equal(chown(tmpdir, 0, 0), 0);
	}
	ad_sink_free_all(ad_store_open(&o));
}

/* Run cmd_query with args, stdout into a file; returns its text. */
static char *
query(int *ret, ...)
{
	char out[128], *argv[16];
	va_list ap;
	int argc = 0, fd, saved;

	argv[argc++] = "query";
	argv[argc++] = "--db";
	argv[argc++] = dbpath;
	va_start(ap, ret);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	snprintf(out, sizeof(out), "%s/out", tmpdir);
	fflush(stdout);
	saved = dup(1);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	*ret = cmd_query(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return slurp(out);
}

static void
test_query_formats(void **state)
{
	struct ad_sink *s = open_store(512, 1024, 0);
	char *t;
	int ret;
	struct fx x;

	write_n(s, 10, 1795000000);
	fx_make(&x, 99, 1795000100, 0);
	x.ev.items[1].path = (struct ad_str){ "/a,b\"c", 6 };
	s->ops->write(s->ctx, &x.f);
	ad_sink_free_all(s);

	t = query(&ret, "--format", "table", NULL);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "TIME                      SEVERITY  RULE"));
	assert_non_null(strstr(t, "2026-11-18T11:06:40.001Z  high      "
	    "write-then-exec  web-1"));
	assert_non_null(strstr(t, "/a,b\"c"));

	t = query(&ret, "--format", "json", "--container", "web", NULL);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "{\"id\":2,\"time\":"
	    "\"2026-11-18T11:06:40.001Z\","));
	assert_non_null(strstr(t, "\"event\":{\"serial\":1001"));
	assert_null(strstr(t, "\"id\":1,"));

	t = query(&ret, "--format", "csv", "--severity", "critical",
	    "--since", "2026-11-18T11:06:40.000Z", NULL);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "id,time,serial,host,rule,severity,"));
	assert_non_null(strstr(t, "\r\n1,2026-11-18T11:06:40.000Z,1000,"));
	assert_non_null(strstr(t, "\r\n6,2026-11-18T11:06:40.005Z,1005,"));
	assert_null(strstr(t, "\r\n2,"));

	t = query(&ret, "--format", "csv", "--limit", "1", NULL);
	assert_non_null(strstr(t, "\r\n11,"));
	assert_non_null(strstr(t, ",\"/a,b\"\"c\","));	/* RFC 4180 */
	assert_null(strstr(t, "\r\n10,"));
	t = query(&ret, "--since", "1h", NULL);
	assert_int_equal(ret, 0);
	assert_null(strstr(t, "2026-11-18"));
	t = query(&ret, "--since", "yesterday", NULL);
	assert_int_equal(ret, 2);
	t = query(&ret, "--help", NULL);
	assert_int_equal(ret, 0);
	assert_non_null(strstr(t, "--severity"));
}

/* Times on the command line (query, report): ISO prefixes and ago. */
static void
test_parse_time(void **state)
{
	int64_t ms;
	char iso[32];

	(void)state;
	assert_int_equal(ad_parse_time("2026-11-02", 0, &ms), 0);
	ad_iso_ms(ms, iso, sizeof(iso));
	assert_string_equal(iso, "2026-11-02T00:00:00.000Z");
	assert_int_equal(ad_parse_time("2026-11-02T10:05:07.25Z", 0, &ms), 0);
	ad_iso_ms(ms, iso, sizeof(iso));
	assert_string_equal(iso, "2026-11-02T10:05:07.250Z");
	assert_int_equal(ad_parse_time("2026-11-02 10", 0, &ms), 0);
	ad_iso_ms(ms, iso, sizeof(iso));
	assert_string_equal(iso, "2026-11-02T10:00:00.000Z");
	assert_int_equal(ad_parse_time("2d", 1000000000000LL, &ms), 0);
	assert_int_equal(ms, 1000000000000LL - 2 * 86400000LL);
	assert_int_equal(ad_parse_time("2026-13-01", 0, &ms), -1);
	assert_int_equal(ad_parse_time("2026-11-02T1", 0, &ms), -1);
	assert_int_equal(ad_parse_time("yesterday", 0, &ms), -1);
	assert_int_equal(ad_parse_time("-1d", 0, &ms), -1);
}

/* v5: the comparisons and reviews tables, written through their API. */
static void
test_schema_v4(void **state)
{
	struct ad_comparison c;
	sqlite3 *h;

	(void)state;
	assert_non_null(h = ad_store_db_open(dbpath, 1, 1, "test"));
	ad_cmp_init(&c, "host", "/usr/bin");
	c.baseline = "dpkg";
	c.files_checked = 3;
	c.changed = 1;
	ad_cmp_add(&c, "differs from dpkg:x", "/usr/bin/\"q\"");
	assert_int_equal(ad_cmp_record(h, &c), 0);
	ad_cmp_free(&c);
	ad_cmp_init(&c, "container", "abc");
	c.error = "no upper dir";
	assert_int_equal(ad_cmp_record(h, &c), 0);
	ad_cmp_free(&c);
	sqlite3_close(h);
	assert_int_equal(sql_int("SELECT count(*) FROM comparisons WHERE "
	    "result = 'changed' AND json_extract(detail, '$[0].path') = "
	    "'/usr/bin/\"q\"'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM comparisons WHERE "
	    "result = 'error' AND json_extract(detail, '$.error') = "
	    "'no upper dir'"), 1);
	assert_int_equal(sql_int("SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'reviews'"), 1);
	/* read-only never creates */
	assert_null(ad_store_db_open("/nonexistent/x.db", 0, 1, "test"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_create, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_migrate_v1, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_newer_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batch_insert_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_columns_match, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_jsonl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_retention_keeps_ids, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_writer_thread, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_pending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_close_failing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unsafe, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_query_formats, setup,
		    teardown),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test_setup_teardown(test_schema_v4, setup,
		    teardown),
	};

	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
