/*
 * pipeline.h - what happens to each normalized event: --events output,
 * rule evaluation, findings to every sink; and the run's counters.
 * Sources (replay, live) push events in; they do not know the sinks.
 */
#ifndef AUDRIFT_PIPELINE_H
#define AUDRIFT_PIPELINE_H

#include <stdio.h>

#include "event.h"
#include "ruleset.h"
#include "sink.h"
#include "util.h"

struct ad_pipeline {
	struct ad_ruleset *rs;		/* owned; NULL: no rules */
	struct ad_sink *sinks;		/* owned list; NULL: none */
	FILE *events_out;		/* --events: JSON lines, borrowed */
	struct ad_run_stats stats;
	struct ad_buf line;		/* reused for --events output */
	int sink_failed;		/* a sink refused since last report */
	/* Evidence (evidence.h): findings on a container's file wait for it
	 * on a worker thread; NULL: none (ad_pipeline_evidence turns it on).
	 * row is reused to hand finished rows to the sinks. */
	struct ad_evq *evq;
	size_t ev_pending;	/* pushed to evq, not yet popped */
	struct ad_row *row;
	/* Actions (action.h): findings of rules with an action go to the
	 * actor first; NULL: none (ad_pipeline_actions turns it on). */
	struct ad_actor *actor;
	/* run --forward: a PostgreSQL URI the SQLite --db's findings are
	 * sent to (store_pg.h); borrowed; NULL: none */
	const char *forward;
	uint64_t container_starts;	/* container_start events made */
};

void ad_pipeline_init(struct ad_pipeline *p);
void ad_pipeline_event(struct ad_pipeline *p, struct ad_event *ev);
/* A container first seen (resolver.h, ad_resolver_next_start): one
 * synthetic container_start event (no file, no process; the container's
 * posture) through the rules, stamped now_ms.  c borrowed for the call. */
struct ad_container;
void ad_pipeline_container_start(struct ad_pipeline *p,
    const struct ad_container *c, int64_t now_ms);
/* A finding made outside the rules (live.c: audit_events_lost,
 * audit_rules_tampered): counted and sent to every sink; borrowed. */
void ad_pipeline_finding(struct ad_pipeline *p, const struct ad_finding *f);
/* Open the --db and --json sinks (either may be NULL) onto p->sinks, as
 * replay and run both do; a --db that is a PostgreSQL URI is that
 * backend (store_pg.h), and p->forward adds the forwarder last, so that
 * it closes after the store's last commit.  0 ok, -1 logged. */
int ad_pipeline_add_sinks(struct ad_pipeline *p, const char *db,
    const char *json, int insecure_db);
/* Gather evidence for findings in containers (a worker thread; start
 * it with signals blocked).  0 ok, -1 logged (no evidence then). */
int ad_pipeline_evidence(struct ad_pipeline *p);
/* Carry out the actions rules carry (or record what would be done):
 * a worker thread; start it with signals blocked.  0 ok, -1 logged. */
struct ad_action_opts;
int ad_pipeline_actions(struct ad_pipeline *p,
    const struct ad_action_opts *o);
/* Hand finished evidence rows to the sinks, then tick them (live's
 * 100 ms timer; now: ad_store_now_ms()). */
void ad_pipeline_tick(struct ad_pipeline *p, int64_t now);
/* Tell every sink the run began / ended (the runs table). */
void ad_pipeline_begin(struct ad_pipeline *p, const char *source);
void ad_pipeline_end(struct ad_pipeline *p);
/* Close the sinks, free the ruleset. */
void ad_pipeline_free(struct ad_pipeline *p);
/* ./rules.d when it exists, else SYSCONFDIR/audrift/rules.d (replay.c). */
const char *ad_default_rules_dir(void);

#endif
