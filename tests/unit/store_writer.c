/*
 * store_writer.c - a helper for the store's shell tests (tests/e2e/store-*):
 * writes synthetic findings through the real sink API at a rate, so they
 * can kill -9 it, fill its disk or read beside it; and reads a database
 * back (count, integrity check, a long read transaction).
 *
 *   store_writer write DB N [-r RATE] [-a AGE_DAYS] [-R RETAIN_DAYS]
 *                           [-q QUEUE_MAX] [-b BATCH_MAX] [-c]
 *        N = 0: until killed.  Prints "committed N" after each forced
 *        flush (every 1000 findings) and "stats ..." every second.
 *   store_writer count DB         findings rows
 *   store_writer old DB DAYS      findings older than DAYS days
 *   store_writer dropped DB       sum of runs.findings_dropped
 *   store_writer check DB         PRAGMA integrity_check
 *   store_writer read DB SECONDS  hold a read transaction that long
 *   store_writer                  self-test (make check runs it so)
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "sink.h"
#include "store.h"
#include "store_fixture.h"

static int one_int(const char *db, const char *sql, const char *arg,
    long long *out);

#define SQL_OLD	"SELECT count(*) FROM findings WHERE time < " \
	"strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || ?1 || ' days')"

static int
do_write(const char *db, long long n, int argc, char **argv)
{
	struct ad_store_opts o;
	struct ad_store_stats ss;
	struct ad_run_stats rs;
	struct ad_sink *sink;
	struct fx x;
	long long i, rate = 0, age = 0;
	int ch, cont = 0;
	int64_t t0, now, last_tick = 0, last_stats = 0;
	struct timespec wall;

	ad_store_opts_default(&o);
	o.path = db;
	optind = 1;
	while ((ch = getopt(argc, argv, "r:a:R:q:b:c")) != -1) {
		switch (ch) {
		case 'r': rate = atoll(optarg); break;
		case 'a': age = atoll(optarg); break;
		case 'R': o.retain_days = atoi(optarg); break;
		case 'q': o.queue_max = atoi(optarg); break;
		case 'b': o.batch_max = atoi(optarg); break;
		case 'c': cont = 1; break;
		default: return 2;
		}
	}
	if ((sink = ad_store_open(&o)) == NULL)
		return 1;
	clock_gettime(CLOCK_REALTIME, &wall);
	memset(&rs, 0, sizeof(rs));
	rs.start_ms = (int64_t)wall.tv_sec * 1000;
	rs.version = "test";
	rs.host = "testhost";
	rs.source = "store_writer";
	rs.rules_digest = "0000";
	sink->ops->run_begin(sink->ctx, &rs);
	setvbuf(stdout, NULL, _IOLBF, 0);
	t0 = ad_store_now_ms();
	for (i = 0; n == 0 || i < n; i++) {
		fx_make(&x, (uint64_t)i, wall.tv_sec - age * 86400,
		    cont || (i & 1));
		sink->ops->write(sink->ctx, &x.f);
		if ((i + 1) % 1000 == 0 &&
		    sink->ops->flush(sink->ctx) == 0) {
			ad_store_stats(sink, &ss);
			printf("committed %llu\n",
			    (unsigned long long)ss.written);
		}
		now = ad_store_now_ms();
		if (rate > 0)
			while ((now = ad_store_now_ms()) - t0 <
			    (i + 1) * 1000 / rate)
				usleep(1000);
		if (now - last_tick >= 100) {
			ad_sink_tick_all(sink, now);
			last_tick = now;
		}
		if (now - last_stats >= 1000) {
			ad_store_stats(sink, &ss);
			printf("stats written=%llu dropped=%llu queued=%d "
			    "failing=%d\n", (unsigned long long)ss.written,
			    (unsigned long long)ss.dropped, ss.queued,
			    ss.failing);
			last_stats = now;
		}
	}
	/* Let the writer thread's retention prune finish (small batches,
	 * between batches of findings): at most 10 s. */
	if (o.retain_days > 0) {
		char days[16];
		long long old = 1;

		snprintf(days, sizeof(days), "%d", o.retain_days);
		for (i = 0; i < 1000 && old != 0; i++) {
			if (one_int(db, SQL_OLD, days, &old) != 0)
				old = 1;
			usleep(10 * 1000);
		}
	}
	sink->ops->flush(sink->ctx);
	ad_store_stats(sink, &ss);
	rs.stop_ms = rs.start_ms + 1;
	rs.findings = (uint64_t)n;
	sink->ops->run_end(sink->ctx, &rs);
	printf("done generated=%lld written=%llu dropped=%llu\n", n,
	    (unsigned long long)ss.written, (unsigned long long)ss.dropped);
	ad_sink_free_all(sink);
	return 0;
}

static int
one_int(const char *db, const char *sql, const char *arg, long long *out)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(h, 5000) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	sqlite3_close(h);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int
do_check(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int rc, bad = 0;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL)
	    != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return 1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		printf("%s\n", r);
		bad |= strcmp(r, "ok") != 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return bad || rc != SQLITE_DONE;
}

static long long
count_in(sqlite3_stmt *st)
{
	long long n = -1;

	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* Hold one read transaction for secs seconds: the counts before and
 * after must be equal (a snapshot), and the writer must not wait. */
static int
do_read(const char *db, int secs)
{
	sqlite3 *h;
	sqlite3_stmt *st;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM findings", -1, &st,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("before %lld\n", count_in(st));
	sleep((unsigned)secs);
	printf("after %lld\n", count_in(st));
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	printf("now %lld\n", count_in(st));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return 0;
}

static int
self_test(void)
{
	char dir[] = "/tmp/store_writer.XXXXXX", db[64], side[72];
	char *args[] = { "store_writer", NULL };
	long long n = -1;
	int rc;

	if (mkdtemp(dir) == NULL)
		return 99;
	snprintf(db, sizeof(db), "%s/t.db", dir);
	rc = do_write(db, 2500, 1, args);
	if (rc == 0 && (one_int(db, "SELECT count(*) FROM findings", NULL,
	    &n) != 0 || n != 2500))
		rc = 1;
	printf("self-test: %lld findings (%s)\n", n, rc ? "FAIL" : "ok");
	unlink(db);
	/* the store's WAL side files stay after its close: ours too */
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	if (rmdir(dir) != 0)
		fprintf(stderr, "self-test: cannot remove %s\n", dir);
	return rc;
}

int
main(int argc, char **argv)
{
	long long n;
	const char *sql;

	log_init(1, 0);
	if (argc < 2)
		return self_test();
	if (argc < 3) {
		fprintf(stderr, "usage: see store_writer.c\n");
		return 2;
	}
	if (strcmp(argv[1], "write") == 0 && argc >= 4)
		return do_write(argv[2], atoll(argv[3]), argc - 3, argv + 3);
	if (strcmp(argv[1], "check") == 0)
		return do_check(argv[2]);
	if (strcmp(argv[1], "read") == 0 && argc >= 4)
		return do_read(argv[2], atoi(argv[3]));
	if (strcmp(argv[1], "count") == 0)
		sql = "SELECT count(*) FROM findings";
	else if (strcmp(argv[1], "dropped") == 0)
		sql = "SELECT coalesce(sum(findings_dropped), 0) FROM runs";
	else if (strcmp(argv[1], "old") == 0 && argc >= 4)
		sql = SQL_OLD;
	else {
		fprintf(stderr, "usage: see store_writer.c\n");
		return 2;
	}
	if (one_int(argv[2], sql, argc >= 4 ? argv[3] : NULL, &n) != 0)
		return 1;
	printf("%lld\n", n);
	return 0;
}
