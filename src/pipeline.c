/*
 * pipeline.c - event -> --events / rules -> sinks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "evidence.h"
#include "finding.h"
#include "log.h"
#include "pipeline.h"
#include "store.h"

int64_t
ad_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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
	if (p->evq == NULL || c == NULL || f->row != NULL) {
		to_sinks(p, f);
		return;
	}
	ad_row_fill(p->row, f, p->stats.host);
	path = evidence_path(f->ev, pbuf, sizeof(pbuf));
	if (c->upperdir == NULL || path == NULL)
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
		if ((s = ad_store_open(&so)) == NULL)
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
	/* sinks commit by age too: a cheap clock read every 1024 events
	 * (live sources also tick from their poll loop) */
	if ((p->stats.events_read & 1023) == 0)
		ad_sink_tick_all(p->sinks, ad_store_now_ms());
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
