/*
 * pipeline.c - event -> --events / rules -> sinks.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
on_finding(void *arg, const struct ad_finding *f)
{
	struct ad_pipeline *p = arg;
	struct ad_sink *s;

	p->stats.findings++;
	for (s = p->sinks; s != NULL; s = s->next)
		if (s->ops->write(s->ctx, f) != 0)
			p->sink_failed = 1;
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
	ad_sink_free_all(p->sinks);
	p->sinks = NULL;
	ad_ruleset_free(p->rs);
	p->rs = NULL;
	ad_buf_free(&p->line);
}
