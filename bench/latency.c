/*
 * latency.c - syscall -> finding visible to a database reader.  For each
 * sample: create DIR/lat.I (one open(O_CREAT) syscall), then poll the
 * findings table, as another reader would, until a row with that path is
 * there.  Prints every latency sorted, then "n N p50_ms X p99_ms Y
 * max_ms Z missed N".  A benchmark tool, not a test.
 *
 *   latency DIR DB N [TIMEOUT_MS]
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* 1 when a finding names PATH, 0 when not (yet), -1 on error */
static int
seen(sqlite3_stmt *st, const char *path)
{
	int rc, found = 0;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		found = sqlite3_column_int(st, 0) > 0;
	return rc == SQLITE_DONE || rc == SQLITE_BUSY ? found : -1;
}

int
main(int argc, char **argv)
{
	const char *sql = "SELECT count(*) FROM findings WHERE path = ?1";
	double *lat, t0, timeout;
	char path[4096];
	sqlite3_stmt *st = NULL;
	sqlite3 *db;
	int i, n, got = 0, missed = 0, fd, r;

	if (argc < 4 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: latency DIR DB N [TIMEOUT_MS]\n");
		return 2;
	}
	timeout = argc > 4 ? atof(argv[4]) : 5000.0;
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 1;
	if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_busy_timeout(db, 100) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "latency: %s: %s\n", argv[2], sqlite3_errmsg(db));
		return 1;
	}
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/lat.%d", argv[1], i);
		t0 = bench_now() * 1e3;
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)) < 0) {
			perror(path);
			return 1;
		}
		close(fd);
		while ((r = seen(st, path)) == 0 &&
		    bench_now() * 1e3 - t0 < timeout)
			usleep(200);
		if (r < 0) {
			fprintf(stderr, "latency: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		if (r == 0)
			missed++;
		else
			lat[got++] = bench_now() * 1e3 - t0;
		unlink(path);
		usleep(10000);	/* samples apart, not a storm */
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	printf("n %d p50_ms %.1f p99_ms %.1f max_ms %.1f missed %d\n", got,
	    got ? lat[got / 2] : 0.0, got ? lat[(got * 99) / 100 >= got ?
	    got - 1 : (got * 99) / 100] : 0.0, got ? lat[got - 1] : 0.0,
	    missed);
	free(lat);
	return missed > 0;
}
