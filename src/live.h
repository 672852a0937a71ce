/*
 * live.h - live capture: the netlink sources and their reader thread
 * (source_netlink.c), used by `audrift run` (live.c).
 *
 * The reader thread only receives: it turns each netlink record into an
 * audit.log line ("type=NAME msg=audit(...): ...\n") straight into a
 * bounded queue, and never waits on rule evaluation or SQLite.  When the
 * queue is full, the daemon source stops reading, as auditd does when it
 * falls behind: the kernel keeps what follows (the socket buffer, its
 * queue, where audited callers wait up to backlog_wait_time once
 * backlog_limit is reached, then its retry queue) and counts in `lost`
 * what it cannot keep.  The multicast source goes on reading (the kernel
 * keeps nothing for a multicast reader) and counts what does not fit as
 * overflow, as it counts every ENOBUFS (records the kernel dropped for us
 * and does not count in its `lost`).
 */
#ifndef AUDRIFT_LIVE_H
#define AUDRIFT_LIVE_H

#include <stdint.h>

#include "util.h"

#define AD_LIVE_QUEUE_DEFAULT	16384	/* records between reader and main */
#define AD_LIVE_RCVBUF		(32 * 1024 * 1024)

/* A NETLINK_AUDIT socket registered as the audit daemon (audit_set_pid
 * with this process), non-blocking.  Returns the fd, or -1 with errno
 * (EEXIST: another daemon is registered). */
int ad_nl_open_daemon(void);

/* A NETLINK_AUDIT socket bound to the AUDIT_NLGRP_READLOG multicast group
 * with a large receive buffer, non-blocking.  Returns the fd or -1
 * (logged). */
int ad_nl_open_multicast(void);

struct ad_nl_reader;

/* Start the reader thread on fd (borrowed: closed by the caller after
 * ad_nl_reader_stop).  qmax: queue capacity in records; block: when it
 * is full, wait (the daemon source) rather than drop and count.
 * AUDRIFT_TEST_RECORDS=FILE (benchmarks): read recorded datagrams from
 * FILE instead of fd (bench/nl-records.c writes them). */
struct ad_nl_reader *ad_nl_reader_start(int fd, int qmax, int block);
/* The main thread waits on both: an fd readable while the queue holds
 * records, and the socket itself (-1 when not) while the main thread
 * reads it (a low rate: source_netlink.c, "Who reads the socket"); ask
 * for the socket before each wait. */
int ad_nl_reader_fd(const struct ad_nl_reader *r);
int ad_nl_reader_sock(struct ad_nl_reader *r);
/* Records already in the main thread's hands (its last read of the
 * socket, or what a loop turn left): wait with no timeout then. */
int ad_nl_reader_queued(const struct ad_nl_reader *r);
/* poll found the socket readable: the next pop reads it (a pop reads
 * the socket only after this, until a read drains it). */
void ad_nl_reader_readable(struct ad_nl_reader *r);
/* Take the oldest record: 1 with its type and text (swapped into line,
 * whose old bytes the queue reuses), 0 if the queue is empty (and, when
 * the main thread owns the socket, nothing could be read from it). */
int ad_nl_reader_pop(struct ad_nl_reader *r, int *type, struct ad_buf *line);
/* The recorded file has ended and every record was taken. */
int ad_nl_reader_done(struct ad_nl_reader *r);
/* Counters so far: records queued, multicast ENOBUFS, queue overflow;
 * handoffs (NULL: not wanted): [0] the socket to the main thread, [1]
 * back to the reader, [2] the reader's sleeps through a quiet spell. */
void ad_nl_reader_counts(struct ad_nl_reader *r, uint64_t *records,
    uint64_t *enobufs, uint64_t *overflow, uint64_t *handoffs);
/* Stop and join the thread; the queue stays readable. */
void ad_nl_reader_stop(struct ad_nl_reader *r);
void ad_nl_reader_free(struct ad_nl_reader *r);

#endif
