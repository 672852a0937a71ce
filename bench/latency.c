/*
 * latency.c - syscall -> finding visible to a database reader, or written
 * as a JSON line.  For each sample: create DIR/lat.I (one open(O_CREAT)
 * syscall), then poll the findings table, as another reader would, or
 * the JSON lines file audrift run --json appends to, until the finding
 * with that path is there.  Prints "n N p50_ms X p99_ms Y max_ms Z
 * missed N".  A benchmark tool, not a test.
 *
 *   latency DIR DB|FILE.json N [TIMEOUT_MS]
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The JSON lines file, read as it grows: 1 once a line names path. */
struct tail {
	int fd;
	char buf[1 << 16];
	size_t len;
};

static int
json_seen(struct tail *t, const char *path)
{
	char want[4200];
	ssize_t n;
	char *nl;

	snprintf(want, sizeof(want), "\"%s\"", path);
	for (;;) {
		n = read(t->fd, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
		if (n > 0)
			t->len += (size_t)n;
		t->buf[t->len] = '\0';
		if (strstr(t->buf, want) != NULL) {
			t->len = 0;
			return 1;
		}
		/* keep the last, maybe partial, line */
		if ((nl = strrchr(t->buf, '\n')) != NULL) {
			t->len -= (size_t)(nl + 1 - t->buf);
			memmove(t->buf, nl + 1, t->len);
		} else if (t->len == sizeof(t->buf) - 1)
			t->len = 0;
		if (n <= 0)
			return 0;
	}
}

int
main(int argc, char **argv)
{
	const char *sql = "SELECT count(*) FROM findings WHERE path = ?1";
	double *lat, t0, timeout;
	char path[4096];
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	struct tail tl;
	size_t alen;
	int i, n, got = 0, missed = 0, fd, r, json;

	if (argc < 4 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: latency DIR DB N [TIMEOUT_MS]\n");
		return 2;
	}
	timeout = argc > 4 ? atof(argv[4]) : 5000.0;
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL)
		return 1;
	alen = strlen(argv[2]);
	json = alen > 5 && strcmp(argv[2] + alen - 5, ".json") == 0;
	tl.len = 0;
	if (json && (tl.fd = open(argv[2], O_RDONLY)) < 0) {
		perror(argv[2]);
		return 1;
	}
	if (json)
		(void)lseek(tl.fd, 0, SEEK_END);
	else if (sqlite3_open_v2(argv[2], &db, SQLITE_OPEN_READONLY, NULL) !=
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
		while ((r = json ? json_seen(&tl, path) : seen(st, path)) ==
		    0 && bench_now() * 1e3 - t0 < timeout)
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
	if (json)
		close(tl.fd);
	qsort(lat, (size_t)got, sizeof(*lat), cmp);
	printf("n %d p50_ms %.1f p99_ms %.1f max_ms %.1f missed %d\n", got,
	    got ? lat[got / 2] : 0.0, got ? lat[(got * 99) / 100 >= got ?
	    got - 1 : (got * 99) / 100] : 0.0, got ? lat[got - 1] : 0.0,
	    missed);
	free(lat);
	return missed > 0;
}
