/*
 * store-bench.c - findings/s into the SQLite store, batched, with the
 * event JSON column filled: the path the pipeline takes (ad_sink write,
 * row copy, event serialization, prepared INSERT, batched COMMIT).
 * A benchmark, not a test: run `make bench-store` or bench/store.sh.
 *
 *   store-bench [N] [DIR] [BATCH]   N findings (default 500000) into a
 *   database in DIR (default /tmp), BATCH per transaction (default: the
 *   store's default)
 *   store-bench N URI [BATCH]          into PostgreSQL directly (--db URI)
 *   store-bench N DIR BATCH URI        into SQLite with run --forward URI:
 *                                      the rate until the server has all
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sink.h"
#include "store.h"
#include "store_pg.h"
#include "store_fixture.h"

/* The forwarder's sent_id in PATH.forward. */
static long
fwd_sent(const char *path)
{
	char p[4200], buf[2048];
	const char *q;
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s.forward", path);
	if ((f = fopen(p, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	q = strstr(buf, "\"sent_id\":");
	return q ? atol(q + 10) : -1;
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 500000, i;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char path[4096], side[4200];
	struct ad_store_opts o;
	struct ad_store_stats ss;
	struct ad_sink *sink, *fwd = NULL;
	const char *uri = argc > 4 ? argv[4] : NULL;
	int pg = ad_db_is_pg(dir);
	struct fx x;
	struct stat st;
	int64_t t0, t1, tf, now;
	double secs;

	log_init(1, 0);
	ad_store_init();
	snprintf(path, sizeof(path), "%s/audrift-store-bench.%ld.db", dir,
	    (long)getpid());
	ad_store_opts_default(&o);
	o.path = pg ? dir : path;
	if (argc > 3 && atoi(argv[3]) > 0)
		o.batch_max = atoi(argv[3]);
	if ((sink = pg ? ad_pg_open(&o) : ad_store_open(&o)) == NULL)
		return 1;
	if (uri != NULL && (fwd = ad_pg_forward_open(uri, path)) == NULL)
		return 1;
	t0 = ad_store_now_ms();
	for (i = 0; i < n; i++) {
		fx_make(&x, (uint64_t)i, 1795000000 + i / 1000, i & 1);
		sink->ops->write(sink->ctx, &x.f);
		if ((i & 1023) == 0) {
			now = ad_store_now_ms();
			sink->ops->tick(sink->ctx, now);
		}
	}
	sink->ops->flush(sink->ctx);
	tf = ad_store_now_ms();
	while (fwd != NULL && fwd_sent(path) < n)
		usleep(20000);
	t1 = ad_store_now_ms();
	ad_store_stats(sink, &ss);
	if (pg)
		ss.written = (unsigned long long)n;	/* flush returned 0 */
	ad_sink_free_all(sink);
	ad_sink_free_all(fwd);
	secs = (double)(t1 - t0) / 1000.0;
	if (pg || stat(path, &st) != 0)
		st.st_size = 0;
	printf("store-bench: %s%s: %ld findings (batch %d) in %.2f s: "
	    "%.0f findings/s; %llu written, %llu dropped; database %.1f MB; "
	    "stored (flush returned) at %.2f s\n",
	    pg ? "postgresql" : "sqlite", uri ? " forwarded" : "",
	    n, o.batch_max, secs, secs > 0 ? (double)n / secs : 0.0,
	    (unsigned long long)ss.written, (unsigned long long)ss.dropped,
	    (double)st.st_size / 1e6, (double)(tf - t0) / 1000.0);
	unlink(path);
	snprintf(side, sizeof(side), "%s.forward", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return ss.written == (unsigned long long)n ? 0 : 1;
}
