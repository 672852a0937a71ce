/*
 * sink.h - where findings go.
 *
 * The pipeline hands each finding to every sink in a list without knowing
 * what they are (SQLite store, JSON lines, ...).  A sink copies what it
 * keeps: the finding and its event are borrowed for the call only.
 * Return values: 0 ok, -1 the sink could not take it (it counted the loss
 * and logged why; the pipeline goes on).
 */
#ifndef AUDRIFT_SINK_H
#define AUDRIFT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ad_row;
struct ad_action_rec;		/* action.h */

struct ad_finding {
	const char *rule;		/* borrowed from the ruleset */
	const char *severity;		/* "info" .. "critical" */
	const char *const *tags;
	int ntags;
	const char *message;		/* rendered output template */
	size_t message_len;
	const struct ad_event *ev;	/* borrowed */
	int action;			/* the rule's enum ad_action, 0 none */
	/* Set instead of the above: the finding's row, already filled
	 * (findings that waited for evidence, pipeline.c); borrowed. */
	const struct ad_row *row;
};

/* What a run saw, for the runs table and the end-of-run report. */
struct ad_run_stats {
	int64_t start_ms, stop_ms;	/* wall clock, ms since epoch */
	const char *version;
	const char *host;
	const char *source;		/* "replay", "daemon", "multicast", ... */
	const char *rules_digest;	/* sha256 hex of the loaded rules.d */
	uint64_t records_read;
	uint64_t events_read;
	uint64_t events_lost;		/* kernel lost + ENOBUFS + overflow */
	uint64_t malformed;		/* malformed records skipped */
	uint64_t findings;
	uint64_t findings_dropped;	/* sink overflow, counted */
};

struct ad_sink_ops {
	const char *name;
	int (*write)(void *ctx, const struct ad_finding *f);
	int (*flush)(void *ctx);	/* commit what is pending */
	void (*run_begin)(void *ctx, const struct ad_run_stats *st);
	void (*run_end)(void *ctx, const struct ad_run_stats *st);
	void (*close)(void *ctx);	/* flushes, then frees ctx */
	/* Optional (may be NULL): called about every 100 ms with
	 * ad_store_now_ms() (CLOCK_MONOTONIC ms), for sinks that keep no
	 * time of their own: commits a batch older than its time limit,
	 * retries after errors.  0 ok, -1 failing. */
	int (*tick)(void *ctx, int64_t now_ms);
	/* Optional: an action record (action.h), borrowed for the call;
	 * the JSON lines sink writes it as a line of its own.  0 ok. */
	int (*action)(void *ctx, const struct ad_action_rec *a);
	/* Optional: reopen the output file at its path (SIGHUP, after
	 * logrotate moved it).  0 ok, -1 logged (the old file kept). */
	int (*reopen)(void *ctx);
};

struct ad_sink {
	const struct ad_sink_ops *ops;
	void *ctx;
	struct ad_sink *next;
};

#endif
