/*
 * pipeline.c - event -> --events / rules -> sinks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "action.h"
#include "container.h"
#include "evidence.h"
#include "finding.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"
#include "store_pg.h"
#include "util.h"

void
ad_pipeline_init(struct ad_pipeline *p)
{
	memset(p, 0, sizeof(*p));
	ad_buf_init(&p->line);
	p->stats.version = PACKAGE_VERSION;
}

static void
to_sinks(struct ad_pipeline *p, const struct ad_finding *f)
{
	struct ad_sink *s;

	for (s = p->sinks; s != NULL; s = s->next)
		if (s->ops->write(s->ctx, f) != 0)
			p->sink_failed = 1;
}

/* The container file a finding's evidence is about: where the file is
 * now (a rename's destination), else the executable. */
static const char *
evidence_path(const struct ad_event *ev, char *buf, size_t cap)
{
	const struct ad_item *it = NULL;
	const struct ad_str *s;

	if (ev->op == AD_OP_RENAME)
		it = ad_event_file2(ev);
	if (it == NULL)
		it = ad_event_file(ev);
	s = it != NULL && it->path.len > 0 ? &it->path : &ev->proc.exe;
	if (s->s == NULL || s->len == 0 || s->len >= cap ||
	    memchr(s->s, '\0', s->len) != NULL)
		return NULL;
	memcpy(buf, s->s, s->len);
	buf[s->len] = '\0';
	return buf;
}

static void on_finding(void *arg, const struct ad_finding *f);

/*
 * A finding of a rule with an action: the actor decides now, while the
 * event is handled (its pidfd is opened here, before the process can
 * exit and its pid be reused), and acts on its own thread.  This is the
 * hook and not a sink: sinks see rows that may have waited for
 * evidence, long after the event.  A decision that trips the rule's
 * disarmer raises an action_disarmed finding about the same event.
 */
static void
act(struct ad_pipeline *p, const struct ad_finding *f)
{
	static const char *const tags[] = { "audrift", "action" };
	struct ad_finding d;
	char msg[512];

	if (ad_actor_finding(p->actor, f, (enum ad_action)f->action,
	    ad_store_now_ms(), msg, sizeof(msg)) != 1)
		return;
	memset(&d, 0, sizeof(d));
	d.rule = "action_disarmed";
	d.severity = "high";
	d.tags = tags;
	d.ntags = 2;
	d.message = msg;
	d.message_len = strlen(msg);
	d.ev = f->ev;
	log_warnx("action_disarmed: %s", msg);
	on_finding(p, &d);
}

/* Finished action records to the sinks that take them (JSON lines; the
 * actor wrote the database row itself). */
static void
actions_drain(struct ad_pipeline *p)
{
	struct ad_action_rec rec;
	struct ad_sink *s;

	if (p->actor == NULL)
		return;
	while (ad_actor_pop(p->actor, &rec))
		for (s = p->sinks; s != NULL; s = s->next)
			if (s->ops->action != NULL &&
			    s->ops->action(s->ctx, &rec) != 0)
				p->sink_failed = 1;
}

int
ad_pipeline_actions(struct ad_pipeline *p, const struct ad_action_opts *o)
{
	if (p->actor != NULL)
		return 0;
	return (p->actor = ad_actor_new(o)) != NULL ? 0 : -1;
}

/*
 * A finding in a container waits for its evidence on the worker; the
 * others go to the sinks now.  When the worker's queue is full the
 * finding is stored at once, saying why it has no evidence: never lost.
 */
static void
on_finding(void *arg, const struct ad_finding *f)
{
	struct ad_pipeline *p = arg;
	const struct ad_container *c = f->ev ? f->ev->container : NULL;
	const char *path;
	char pbuf[4096];
	struct ad_finding rf;

	p->stats.findings++;
	if (p->actor != NULL && f->action != AD_ACT_NONE && f->row == NULL)
		act(p, f);
	if (p->evq == NULL || c == NULL || f->row != NULL) {
		to_sinks(p, f);
		return;
	}
	ad_row_fill(p->row, f, p->stats.host);
	path = evidence_path(f->ev, pbuf, sizeof(pbuf));
	if (f->ev->kind == AD_KIND_CONTAINER_START)
		ad_row_set_text(p->row, "evidence", "posture: the event's "
		    "container member (read from the runtime's state)");
	else if (c->upperdir == NULL || path == NULL)
		ad_row_set_text(p->row, "evidence", c->upperdir == NULL ?
		    "unavailable: the container's overlay dirs are unknown" :
		    "unavailable: no file in the event");
	else if (ad_evq_push(p->evq, p->row, c->upperdir, c->lowerdirs,
	    path) == 0) {
		p->ev_pending++;
		return;
	}
	else
		ad_row_set_text(p->row, "evidence", "skipped: evidence queue "
		    "full (counted as evidence overflow)");
	memset(&rf, 0, sizeof(rf));
	rf.row = p->row;
	to_sinks(p, &rf);
}

/* Finished evidence rows to the sinks (wait: all of them, at the end).
 * Called per event: with nothing pushed, no lock is taken. */
static void
evidence_drain(struct ad_pipeline *p, int wait)
{
	struct ad_finding rf;

	if (p->evq == NULL || p->ev_pending == 0)
		return;
	memset(&rf, 0, sizeof(rf));
	rf.row = p->row;
	while (p->ev_pending > 0 && ad_evq_pop(p->evq, p->row, wait)) {
		p->ev_pending--;
		to_sinks(p, &rf);
	}
}

int
ad_pipeline_evidence(struct ad_pipeline *p)
{
	if (p->evq != NULL)
		return 0;
	if ((p->evq = ad_evq_new(0)) == NULL) {
		log_warnx("cannot start the evidence thread: findings in "
		    "containers are stored without evidence; check the "
		    "process and thread limits (ulimit -u)");
		return -1;
	}
	p->row = xcalloc(1, sizeof(*p->row));
	ad_row_init(p->row);
	return 0;
}

void
ad_pipeline_tick(struct ad_pipeline *p, int64_t now)
{
	evidence_drain(p, 0);
	actions_drain(p);
	ad_sink_tick_all(p->sinks, now);
}

void
ad_pipeline_finding(struct ad_pipeline *p, const struct ad_finding *f)
{
	on_finding(p, f);
}

int
ad_pipeline_add_sinks(struct ad_pipeline *p, const char *db,
    const char *json, int insecure_db)
{
	struct ad_store_opts so;
	struct ad_sink *s;

	if (db != NULL) {
		ad_store_opts_default(&so);
		so.path = db;
		so.insecure = insecure_db ||
		    getenv("AUDRIFT_INSECURE_DB") != NULL;
		s = ad_db_is_pg(db) ? ad_pg_open(&so) : ad_store_open(&so);
		if (s == NULL)
			return -1;
		s->next = p->sinks;
		p->sinks = s;
	}
	if (json != NULL) {
		if ((s = ad_jsonl_open(json)) == NULL)
			return -1;
		s->next = p->sinks;
		p->sinks = s;
	}
	if (p->forward != NULL) {
		struct ad_sink **tail = &p->sinks;

		if ((s = ad_pg_forward_open(p->forward, db)) == NULL)
			return -1;
		while (*tail != NULL)
			tail = &(*tail)->next;
		*tail = s;
	}
	return 0;
}

void
ad_pipeline_event(struct ad_pipeline *p, struct ad_event *ev)
{
	p->stats.events_read++;
	if (p->events_out != NULL) {
		ad_buf_reset(&p->line);
		ad_event_json(&p->line, ev);
		ad_buf_addc(&p->line, '\n');
		fwrite(p->line.p, 1, p->line.len, p->events_out);
	}
	if (p->rs != NULL)
		ad_ruleset_eval(p->rs, ev, on_finding, p);
	evidence_drain(p, 0);
	actions_drain(p);
	/* sinks commit by age too: a cheap clock read every 1024 events
	 * (live sources also tick from their poll loop) */
	if ((p->stats.events_read & 1023) == 0)
		ad_sink_tick_all(p->sinks, ad_store_now_ms());
}

void
ad_pipeline_container_start(struct ad_pipeline *p,
    const struct ad_container *c, int64_t now_ms)
{
	struct ad_event ev;

	ad_event_synthetic(&ev, now_ms);
	ev.kind = AD_KIND_CONTAINER_START;
	ev.container = c;
	ev.attribution = c->has_root_dev ? AD_ATTR_DEVICE : AD_ATTR_PID;
	p->container_starts++;
	ad_pipeline_event(p, &ev);
}

void
ad_pipeline_begin(struct ad_pipeline *p, const char *source)
{
	static char host[256];
	struct ad_sink *s;

	if (gethostname(host, sizeof(host) - 1) != 0)
		strcpy(host, "unknown");
	p->stats.host = host;
	p->stats.source = source;
	p->stats.start_ms = ad_now_ms();
	p->stats.rules_digest = p->rs ? ad_ruleset_digest(p->rs) : NULL;
	for (s = p->sinks; s != NULL; s = s->next)
		if (s->ops->run_begin != NULL)
			s->ops->run_begin(s->ctx, &p->stats);
}

void
ad_pipeline_end(struct ad_pipeline *p)
{
	struct ad_sink *s;

	evidence_drain(p, 1);
	if (p->actor != NULL) {
		ad_actor_wait(p->actor);
		actions_drain(p);
	}
	p->stats.stop_ms = ad_now_ms();
	for (s = p->sinks; s != NULL; s = s->next) {
		if (s->ops->flush != NULL)
			s->ops->flush(s->ctx);
		if (s->ops->run_end != NULL)
			s->ops->run_end(s->ctx, &p->stats);
	}
	if (p->events_out != NULL)
		fflush(p->events_out);
}

void
ad_pipeline_free(struct ad_pipeline *p)
{
	evidence_drain(p, 1);
	ad_actor_free(p->actor);
	p->actor = NULL;
	ad_evq_free(p->evq);
	p->evq = NULL;
	ad_row_free(p->row);
	free(p->row);
	p->row = NULL;
	ad_sink_free_all(p->sinks);
	p->sinks = NULL;
	ad_ruleset_free(p->rs);
	p->rs = NULL;
	ad_buf_free(&p->line);
}
