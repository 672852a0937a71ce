/*
 * store_pg.h - the PostgreSQL backend (store_pg.c), beside the SQLite
 * store (store.c) behind the same two faces: a sink (sink.h) that takes
 * findings, and a reader for `audrift query` and `audrift containers`.
 *
 * A --db that is a PostgreSQL URI (ad_db_is_pg) picks this backend; any
 * other --db is an SQLite file.  Credentials come from libpq's own places
 * (PGPASSFILE, ~/.pgpass, a pg_service.conf service): a URI carrying a
 * password is refused.  TLS is libpq's: sslmode= in the URI.
 */
#ifndef AUDRIFT_STORE_PG_H
#define AUDRIFT_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include "sink.h"
#include "store.h"

struct ad_row;

/* Is db a PostgreSQL URI (postgresql://, postgres://, or service=)? */
int ad_db_is_pg(const char *db);

/* The findings sink into PostgreSQL: a writer thread commits batches by
 * COPY, keeps them while the server is down (o->queue_max, then counts
 * drops) and reconnects.  Fails (NULL, logged) when the first connection
 * or the schema fails. */
struct ad_sink *ad_pg_open(const struct ad_store_opts *o);

/* The forwarder (run --forward URI): a thread that reads the findings
 * committed to the SQLite database db and sends them, in id order, to
 * uri, each once: (host_id, host_finding_id) is unique there and the
 * forwarder resumes after the highest id the server holds from this
 * host.  While the server is down, findings wait in SQLite.  Its state
 * goes to DB.forward (read by audrift query).  A sink whose close sends
 * what is committed (5 s at most) and stops the thread. */
struct ad_sink *ad_pg_forward_open(const char *uri, const char *db);

/* This host's id: sha256 of /etc/machine-id (hex, 32 chars), else a
 * random one kept in DB.host-id.  0 ok, -1 logged. */
int ad_host_id(const char *db, char out[33]);

/* Reading (query, containers). */
struct ad_pgr;
struct ad_query_filter {
	const char *since;	/* ISO-8601 UTC lower bound, or NULL */
	const char *rule;	/* or NULL */
	const char *container;	/* id or name prefix, or NULL */
	int severity;		/* rank 0..4, or -1 */
	long long limit;	/* 0: all */
};
typedef int (*ad_row_cb)(void *ctx, int64_t id, const struct ad_row *r);
struct ad_pgr *ad_pgr_open(const char *uri);	/* NULL: logged */
/* Rows of the filter, oldest first, to cb.  0 ok, -1 logged. */
int ad_pgr_findings(struct ad_pgr *p, const struct ad_query_filter *q,
    ad_row_cb cb, void *ctx);
/* Findings of container id: their count (or -1) and the last time. */
int ad_pgr_container_seen(struct ad_pgr *p, const char *id, char *last,
    size_t cap);
void ad_pgr_close(struct ad_pgr *p);

#endif
