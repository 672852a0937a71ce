/*
 * report.c - `audrift report`: the auditor's evidence for a period, in
 * one self-contained file (html, json or md).  PCI DSS 11.5 asks for
 * evidence that a change-detection mechanism ran the whole period, that
 * it alerted on changes to critical files, that critical files were
 * compared at least weekly (11.5.2) and that the alerts were reviewed.
 * The database holds each fact (runs, findings with their evidence,
 * comparisons, reviews); this puts them together and says first, in
 * plain words, what it cannot vouch for.
 *
 * Reading: every query is static SQL with the period bound as ?1 (since)
 * and ?2 (until), on a read-only connection.  Each result is a grid of
 * cells (text or NULL, with SQLite's type for JSON), so the three
 * writers share the data and differ only in syntax.
 *
 * Writing: every string that came from an event or a container is passed
 * through text_out(), which escapes for the format and shows control,
 * invisible and bidirectional-override characters as visible escapes
 * (\x0a, \u202e): a file named "<script>" or one whose name reorders the
 * line it is shown on renders as the bytes it is.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "commands.h"
#include "log.h"
#include "store.h"
#include "svg.h"
#include "util.h"

#define DAY_MS		86400000LL
#define WEEK_MS		(7 * DAY_MS)
#define REPORT_DAYS_MAX	400		/* a longer period: refused */
#define REPORT_LIMIT	500		/* findings listed in full */

enum fmt { FMT_HTML, FMT_JSON, FMT_MD };

static const char *const sev_names[] = {
	"info", "low", "medium", "high", "critical"
};
static const char *const sev_colors[] = {
	"#8a94a0", "#3b82c4", "#d4a017", "#e0662b", "#b3261e"
};
#define NSEV	5

/* ---- grids: query results ------------------------------------------ */

struct cell {
	char *s;		/* NULL: SQL NULL */
	int type;		/* SQLITE_INTEGER, SQLITE_TEXT, ... */
};

struct grid {
	int ncols;
	char **names;
	struct cell *c;		/* nrows * ncols */
	size_t nrows, cap;
};

#define CELL(g, r, k)	((g)->c[(r) * (size_t)(g)->ncols + (size_t)(k)].s)

static void
grid_free(struct grid *g)
{
	size_t i;
	int k;

	for (i = 0; i < g->nrows * (size_t)g->ncols; i++)
		free(g->c[i].s);
	for (k = 0; k < g->ncols; k++)
		free(g->names[k]);
	free(g->names);
	free(g->c);
	memset(g, 0, sizeof(*g));
}

/* Column index of name in g (a programming error if absent). */
static int
gcol(const struct grid *g, const char *name)
{
	int k;

	for (k = 0; k < g->ncols; k++)
		if (strcmp(g->names[k], name) == 0)
			return k;
	fatalx("report: no column %s", name);
}

static const char *
gval(const struct grid *g, size_t r, const char *name)
{
	return CELL(g, r, gcol(g, name));
}

static long long
gint(const struct grid *g, size_t r, const char *name)
{
	const char *s = gval(g, r, name);

	return s ? strtoll(s, NULL, 10) : 0;
}

/* Run sql with ?1 = since, ?2 = until (ISO text), ?3 = limit into g.
 * 0, -1 logged. */
static int
grid_load(sqlite3 *db, const char *sql, const char *since, const char *until,
    int64_t limit, struct grid *g)
{
	sqlite3_stmt *st = NULL;
	int rc, k;

	memset(g, 0, sizeof(*g));
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_warnx("report: %s; is it an audrift database?",
		    sqlite3_errmsg(db));
		return -1;
	}
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_text(st, 2, until, -1, SQLITE_STATIC);
	if (sqlite3_bind_parameter_count(st) >= 3)
		sqlite3_bind_int64(st, 3, limit);
	g->ncols = sqlite3_column_count(st);
	g->names = xcalloc((size_t)g->ncols, sizeof(*g->names));
	for (k = 0; k < g->ncols; k++)
		g->names[k] = xstrdup(sqlite3_column_name(st, k));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (g->nrows == g->cap) {
			g->cap = g->cap ? g->cap * 2 : 16;
			g->c = xrealloc(g->c, g->cap * (size_t)g->ncols *
			    sizeof(*g->c));
		}
		for (k = 0; k < g->ncols; k++) {
			struct cell *c = &g->c[g->nrows * (size_t)g->ncols +
			    (size_t)k];
			const unsigned char *t = sqlite3_column_text(st, k);

			c->type = sqlite3_column_type(st, k);
			c->s = t ? xstrndup((const char *)t,
			    (size_t)sqlite3_column_bytes(st, k)) : NULL;
		}
		g->nrows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		log_warnx("report: reading the database: %s",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- the queries --------------------------------------------------- */

/* All runs that began before the period's end: coverage needs the run
 * after a killed one, even past the period. */
static const char sql_runs[] =
	"SELECT id, start, stop, source, host, version, rules_digest,"
	" records_read, events_read, events_lost, malformed, findings,"
	" findings_dropped FROM runs WHERE start < ?2 ORDER BY start, id";

/* Findings: the severity rank in SQL, so every listing sorts alike. */
#define SEV_RANK(c) "(CASE " c " WHEN 'critical' THEN 4 WHEN 'high' THEN 3" \
	" WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)"
#define IN_PERIOD	" time >= ?1 AND time < ?2 "
/* Where a finding happened: a container, the host, or not known (a
 * replayed log, or a container audrift could not find). */
#define PLACE	"(CASE WHEN container_id IS NOT NULL THEN 'container'" \
	" WHEN attribution IN ('replay', 'unknown') THEN 'unknown'" \
	" ELSE 'host' END)"
#define REVIEWED(f)	"EXISTS(SELECT 1 FROM reviews v" \
	" WHERE v.finding_id = " f ".id)"

static const char sql_totals[] =
	"SELECT count(*) AS findings,"
	" coalesce(sum(" REVIEWED("f") "), 0) AS reviewed,"
	" coalesce(sum(rule = 'audit_rules_tampered'), 0) AS tamper,"
	" coalesce(sum(rule = 'audit_events_lost'), 0) AS loss,"
	" coalesce(sum(attribution IN ('replay', 'unknown')), 0)"
	"  AS unattributed,"
	" count(DISTINCT container_id) AS containers"
	" FROM findings f WHERE" IN_PERIOD;

static const char sql_by_rule[] =
	"SELECT rule, severity, count(*) AS findings,"
	" count(DISTINCT container_id) AS containers,"
	" sum(" PLACE " = 'host') AS host,"
	" sum(" PLACE " = 'unknown') AS unknown,"
	" sum(NOT " REVIEWED("f") ") AS unreviewed,"
	" min(time) AS first, max(time) AS last"
	" FROM findings f WHERE" IN_PERIOD
	" GROUP BY rule, severity"
	" ORDER BY " SEV_RANK("severity") " DESC, findings DESC, rule";

static const char sql_by_container[] =
	"SELECT " PLACE " AS place, container_id,"
	" max(container_name) AS container_name,"
	" max(image) AS image, count(*) AS findings,"
	" count(DISTINCT rule) AS rules,"
	" sum(upper_layer = 1) AS upper_layer,"
	" sum(NOT " REVIEWED("f") ") AS unreviewed,"
	" max(" SEV_RANK("severity") ") AS worst,"
	" min(time) AS first, max(time) AS last"
	" FROM findings f WHERE" IN_PERIOD
	" GROUP BY place, container_id"
	" ORDER BY worst DESC, findings DESC, container_id";

/* The listed findings, newest first, with the latest review of each
 * (FINDING_COLS), at most ?3; and every tamper and loss finding, which
 * the coverage section lists whatever the limit. */
#define FINDING_COLS \
	"SELECT id, time, severity, rule, " PLACE " AS place, container_id," \
	" container_name, image," \
	" op, path, path2, exe, comm, message, attribution, upper_layer," \
	" file_sha256, image_sha256, package, package_ok, evidence," \
	" (SELECT count(*) FROM reviews v WHERE v.finding_id = f.id)" \
	"  AS reviews," \
	" (SELECT reviewer FROM reviews v WHERE v.finding_id = f.id" \
	"  ORDER BY v.time DESC, v.id DESC LIMIT 1) AS reviewed_by," \
	" (SELECT v.time FROM reviews v WHERE v.finding_id = f.id" \
	"  ORDER BY v.time DESC, v.id DESC LIMIT 1) AS reviewed_at," \
	" (SELECT note FROM reviews v WHERE v.finding_id = f.id" \
	"  ORDER BY v.time DESC, v.id DESC LIMIT 1) AS review_note"
static const char sql_findings[] =
	FINDING_COLS " FROM findings f WHERE" IN_PERIOD
	" ORDER BY time DESC, id DESC LIMIT ?3";
static const char sql_integrity[] =
	FINDING_COLS " FROM findings f WHERE" IN_PERIOD
	" AND rule IN ('audit_rules_tampered', 'audit_events_lost')"
	" ORDER BY time DESC, id DESC";

static const char sql_per_day[] =
	"SELECT substr(time, 1, 10) AS day, " SEV_RANK("severity") " AS sev,"
	" count(*) AS n FROM findings WHERE" IN_PERIOD
	" GROUP BY day, sev";

/* The rules that raised findings under each digest: the digest of the
 * live run that was running at the finding's time (NULL: none was).
 * Runs store the digest of their rules.d, not its rules. */
static const char sql_digest_rules[] =
	"SELECT (SELECT r.rules_digest FROM runs r WHERE r.start <= f.time"
	"  AND coalesce(r.source, '') != 'replay'"
	"  AND (r.stop IS NULL OR r.stop >= f.time)"
	"  ORDER BY r.start DESC, r.id DESC LIMIT 1) AS digest,"
	" f.rule, f.severity, count(*) AS findings"
	" FROM findings f WHERE f.time >= ?1 AND f.time < ?2"
	" GROUP BY digest, f.rule, f.severity"
	" ORDER BY digest IS NULL, digest, " SEV_RANK("f.severity") " DESC,"
	" f.rule";

static const char sql_comparisons[] =
	"SELECT id, time, kind, target, name, image, baseline, files_checked,"
	" changed, unverified, result,"
	" CASE WHEN json_valid(detail) THEN json(detail) END AS detail"
	" FROM comparisons WHERE" IN_PERIOD " ORDER BY time DESC, id DESC";

/* ---- the model ----------------------------------------------------- */

enum span_kind { SPAN_RUN, SPAN_OPEN, SPAN_UNKNOWN, SPAN_GAP };
static const char *const span_json[] = { "run", "open", "unknown", "gap" };

struct span {
	int64_t from, to;
	enum span_kind kind;
	size_t run;		/* row of runs; not for gaps */
	int lossy;		/* that run lost events or findings */
};

/* A statement of what the report cannot vouch for. */
struct caveat {
	int order;		/* when it was said: ties keep that order */
	const char *kind;	/* gap, unclean, loss, dropped, unattributed,
				 * replay, no_comparison, empty, truncated */
	int64_t from, to;	/* -1 when not a time span */
	long long run_id, count;	/* -1 when none */
	char *text;
};

struct report {
	const char *dbpath;
	int64_t since, until, now;
	char s_since[32], s_until[32], s_now[32];
	struct grid runs, totals, by_rule, by_ctr, findings, integrity,
	    per_day, digest_rules, cmps;
	struct span *spans;
	size_t nspans;
	int64_t *run_from, *run_to;	/* per runs row; -1 none */
	int *run_replay, *run_in;	/* a replay; overlaps the period */
	size_t ndays;
	int64_t day0;
	char (*days)[11];
	double *sev_day[NSEV], *read_day, *lost_day;
	int64_t covered_ms, unknown_ms, gap_ms;
	long long nruns, lossy_runs, events_read, events_lost, dropped;
	long long ncmp, ncmp_changed;
	struct caveat *cav;
	size_t ncav;
	size_t limit;
};

static void
caveat(struct report *rp, const char *kind, int64_t from, int64_t to,
    long long run_id, long long count, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static void
caveat(struct report *rp, const char *kind, int64_t from, int64_t to,
    long long run_id, long long count, const char *fmt, ...)
{
	struct caveat *c;
	va_list ap;
	int n;

	rp->cav = xrealloc(rp->cav, (rp->ncav + 1) * sizeof(*rp->cav));
	c = &rp->cav[rp->ncav];
	c->order = (int)rp->ncav++;
	c->kind = kind;
	c->from = from;
	c->to = to;
	c->run_id = run_id;
	c->count = count;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	c->text = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(c->text, (size_t)n + 1, fmt, ap);
	va_end(ap);
}

/* "2026-11-03 14:00" (minutes: what a timeline needs). */
static void
short_time(int64_t ms, char *buf, size_t cap)
{
	char iso[32];

	ad_iso_ms(ms, iso, sizeof(iso));
	snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

static int64_t
iso_ms_of(const char *s)
{
	int64_t ms;

	return s != NULL && ad_parse_time(s, 0, &ms) == 0 ? ms : -1;
}

static int64_t
clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void
add_span(struct report *rp, int64_t from, int64_t to, enum span_kind k,
    size_t run, int lossy)
{
	struct span *s;

	from = clamp(from, rp->since, rp->until);
	to = clamp(to, rp->since, rp->until);
	if (to <= from)
		return;
	rp->spans = xrealloc(rp->spans, (rp->nspans + 1) * sizeof(*rp->spans));
	s = &rp->spans[rp->nspans++];
	s->from = from;
	s->to = to;
	s->kind = k;
	s->run = run;
	s->lossy = lossy;
}

static int
span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

/*
 * Coverage: each live run covers start..stop.  A run with no stop is
 * still running when it is the last one (covered up to now), else it was
 * killed: from its start to the next run nothing vouches for coverage.
 * Replayed logs are not coverage (their run is the replay's time, not
 * the logged period).  What no span covers is a gap.
 */
static void
coverage(struct report *rp)
{
	const struct grid *g = &rp->runs;
	int64_t a, b, cursor, end;
	size_t i, j, n = rp->nspans;
	long long lost, dropped, id;
	char t1[32], t2[32], dur[48];
	const char *src;

	rp->run_from = xcalloc(g->nrows + 1, sizeof(*rp->run_from));
	rp->run_to = xcalloc(g->nrows + 1, sizeof(*rp->run_to));
	rp->run_replay = xcalloc(g->nrows + 1, sizeof(*rp->run_replay));
	rp->run_in = xcalloc(g->nrows + 1, sizeof(*rp->run_in));
	for (i = 0; i < g->nrows; i++) {
		src = gval(g, i, "source");
		rp->run_replay[i] = src != NULL && strcmp(src, "replay") == 0;
		a = iso_ms_of(gval(g, i, "start"));
		b = iso_ms_of(gval(g, i, "stop"));
		id = gint(g, i, "id");
		lost = gint(g, i, "events_lost");
		dropped = gint(g, i, "findings_dropped");
		rp->run_from[i] = a;
		rp->run_to[i] = b;
		if (b < 0) {
			/* the next live run's start, if any */
			for (j = i + 1; j < g->nrows; j++)
				if (!rp->run_replay[j])
					break;
			end = j < g->nrows ? iso_ms_of(gval(g, j, "start")) :
			    -1;
		} else
			end = b;
		rp->run_in[i] = a < rp->until &&
		    (b < 0 ? (end < 0 || end > rp->since) : b > rp->since);
		if (!rp->run_in[i])
			continue;
		if (rp->run_replay[i]) {
			caveat(rp, "replay", -1, -1, id, -1, "Run %lld "
			    "replayed audit logs: its findings carry the "
			    "logged times, but a replay is not coverage, and "
			    "its events have no container attribution beyond "
			    "what the log says.", id);
			continue;
		}
		rp->nruns++;
		rp->events_lost += lost;
		rp->dropped += dropped;
		if (lost > 0 || dropped > 0)
			rp->lossy_runs++;
		if (b < 0 && end >= 0) {
			add_span(rp, a, end, SPAN_UNKNOWN, i, 0);
			short_time(a, t1, sizeof(t1));
			short_time(end, t2, sizeof(t2));
			caveat(rp, "unclean", clamp(a, rp->since, rp->until),
			    clamp(end, rp->since, rp->until), id, -1,
			    "Run %lld (started %s UTC) has no stop time and "
			    "another run started after it (%s UTC): it was "
			    "killed or crashed, so coverage between the two "
			    "is not vouched for, and its event counts were "
			    "never recorded.", id, t1, t2);
			continue;
		}
		if (b < 0) {
			end = rp->now < rp->until ? rp->now : rp->until;
			add_span(rp, a, end, SPAN_OPEN, i, lost || dropped);
			short_time(a, t1, sizeof(t1));
			caveat(rp, "open", clamp(a, rp->since, rp->until), end,
			    id, -1, "Run %lld (started %s UTC) has no stop "
			    "time: it is taken as running up to the end of "
			    "the report.  If it was killed instead, coverage "
			    "after its last finding is not vouched for.",
			    id, t1);
		} else
			add_span(rp, a, b, SPAN_RUN, i, lost || dropped);
		if (lost > 0)
			caveat(rp, "loss", -1, -1, id, lost, "Run %lld lost "
			    "%lld audit event%s (kernel loss or socket "
			    "overflow): changes in that run may have gone "
			    "unseen.", id, lost, lost == 1 ? "" : "s");
		if (dropped > 0)
			caveat(rp, "dropped", -1, -1, id, dropped, "Run %lld "
			    "dropped %lld finding%s it could not write to the "
			    "database.", id, dropped, dropped == 1 ? "" : "s");
	}
	/* gaps: what the sorted spans leave uncovered */
	if ((n = rp->nspans) > 0)
		qsort(rp->spans, n, sizeof(*rp->spans), span_cmp);
	cursor = rp->since;
	for (i = 0; i < n; i++) {
		if (rp->spans[i].from > cursor)
			add_span(rp, cursor, rp->spans[i].from, SPAN_GAP, 0, 0);
		if (rp->spans[i].to > cursor)
			cursor = rp->spans[i].to;
	}
	if (cursor < rp->until)
		add_span(rp, cursor, rp->until, SPAN_GAP, 0, 0);
	if (rp->nspans > 0)
		qsort(rp->spans, rp->nspans, sizeof(*rp->spans), span_cmp);
	/* covered time: union of run spans (runs may overlap) */
	cursor = rp->since;
	for (i = 0; i < rp->nspans; i++) {
		const struct span *s = &rp->spans[i];
		int64_t from = s->from > cursor ? s->from : cursor;

		if (s->to <= from)
			continue;
		if (s->kind == SPAN_GAP)
			rp->gap_ms += s->to - from;
		else if (s->kind == SPAN_UNKNOWN)
			rp->unknown_ms += s->to - from;
		else
			rp->covered_ms += s->to - from;
		cursor = s->to;
	}
	for (i = 0; i < rp->nspans; i++) {
		const struct span *s = &rp->spans[i];

		if (s->kind != SPAN_GAP)
			continue;
		short_time(s->from, t1, sizeof(t1));
		short_time(s->to, t2, sizeof(t2));
		if (s->to - s->from < 2 * 3600000)
			snprintf(dur, sizeof(dur), "%lld minutes",
			    (long long)((s->to - s->from + 59999) / 60000));
		else
			snprintf(dur, sizeof(dur), "%.1f hours",
			    (double)(s->to - s->from) / 3600000.0);
		caveat(rp, "gap", s->from, s->to, -1, -1, "No audrift run "
		    "from %s to %s UTC (%s): nothing was watched, so no "
		    "finding there means nothing, not \"no change\".", t1, t2,
		    dur);
	}
}

/* Per day: findings by severity (SQL), events spread over run time. */
static void
per_day(struct report *rp)
{
	const struct grid *g = &rp->per_day;
	size_t i, d;
	int k;

	rp->day0 = rp->since - ((rp->since % DAY_MS) + DAY_MS) % DAY_MS;
	rp->ndays = (size_t)((rp->until - rp->day0 + DAY_MS - 1) / DAY_MS);
	rp->days = xcalloc(rp->ndays + 1, sizeof(*rp->days));
	for (k = 0; k < NSEV; k++)
		rp->sev_day[k] = xcalloc(rp->ndays + 1, sizeof(double));
	rp->read_day = xcalloc(rp->ndays + 1, sizeof(double));
	rp->lost_day = xcalloc(rp->ndays + 1, sizeof(double));
	for (d = 0; d < rp->ndays; d++) {
		char iso[32];

		ad_iso_ms(rp->day0 + (int64_t)d * DAY_MS, iso, sizeof(iso));
		memcpy(rp->days[d], iso, 10);
	}
	for (i = 0; i < g->nrows; i++) {
		int64_t ms = iso_ms_of(gval(g, i, "day"));

		k = (int)gint(g, i, "sev");
		if (ms < rp->day0 || k < 0 || k >= NSEV)
			continue;
		d = (size_t)((ms - rp->day0) / DAY_MS);
		if (d < rp->ndays)
			rp->sev_day[k][d] += (double)gint(g, i, "n");
	}
	/* a run stores totals only: spread them over its time, in
	 * proportion to its time in each day of the period */
	for (i = 0; i < rp->runs.nrows; i++) {
		int64_t a = rp->run_from[i], b = rp->run_to[i], len, lo, hi;
		double rd, lo_ev;

		if (!rp->run_in[i] || rp->run_replay[i] || a < 0 || b < 0)
			continue;
		rd = (double)gint(&rp->runs, i, "events_read");
		lo_ev = (double)gint(&rp->runs, i, "events_lost");
		len = b - a > 0 ? b - a : 1;
		for (d = 0; d < rp->ndays; d++) {
			lo = rp->day0 + (int64_t)d * DAY_MS;
			hi = lo + DAY_MS;
			lo = lo > a ? lo : a;
			hi = hi < b ? hi : b;
			lo = lo > rp->since ? lo : rp->since;
			hi = hi < rp->until ? hi : rp->until;
			if (b == a && a >= rp->day0 + (int64_t)d * DAY_MS &&
			    a < rp->day0 + (int64_t)(d + 1) * DAY_MS)
				hi = lo + 1;
			if (hi <= lo)
				continue;
			rp->read_day[d] += rd * (double)(hi - lo) /
			    (double)len;
			rp->lost_day[d] += lo_ev * (double)(hi - lo) /
			    (double)len;
		}
	}
	for (d = 0; d < rp->ndays; d++) {
		rp->events_read += (long long)(rp->read_day[d] + 0.5);
		rp->read_day[d] = (double)(long long)(rp->read_day[d] + 0.5);
		rp->lost_day[d] = (double)(long long)(rp->lost_day[d] + 0.5);
	}
}

/* 11.5.2: a comparison at least once a week.  The period is cut into
 * weeks from its start; each without one is said. */
static void
weekly(struct report *rp)
{
	const struct grid *g = &rp->cmps;
	int64_t w, we;
	char t1[32], t2[32];
	size_t i;
	int have;

	rp->ncmp = (long long)g->nrows;
	for (i = 0; i < g->nrows; i++)
		rp->ncmp_changed += strcmp(gval(g, i, "result"), "pass") != 0;
	for (w = rp->since; w < rp->until; w = we) {
		we = w + WEEK_MS < rp->until ? w + WEEK_MS : rp->until;
		for (have = 0, i = 0; i < g->nrows && !have; i++) {
			int64_t t = iso_ms_of(gval(g, i, "time"));

			have = t >= w && t < we;
		}
		if (have)
			continue;
		short_time(w, t1, sizeof(t1));
		short_time(we, t2, sizeof(t2));
		caveat(rp, "no_comparison", w, we, -1, -1, "No file "
		    "comparison (audrift diff --all) was recorded from %s to "
		    "%s UTC: PCI DSS 11.5.2 asks for one at least weekly.",
		    t1, t2);
	}
}

static void
report_free(struct report *rp)
{
	size_t i;
	int k;

	grid_free(&rp->runs);
	grid_free(&rp->totals);
	grid_free(&rp->by_rule);
	grid_free(&rp->by_ctr);
	grid_free(&rp->findings);
	grid_free(&rp->integrity);
	grid_free(&rp->per_day);
	grid_free(&rp->digest_rules);
	grid_free(&rp->cmps);
	free(rp->spans);
	free(rp->run_from);
	free(rp->run_to);
	free(rp->run_replay);
	free(rp->run_in);
	free(rp->days);
	for (k = 0; k < NSEV; k++)
		free(rp->sev_day[k]);
	free(rp->read_day);
	free(rp->lost_day);
	for (i = 0; i < rp->ncav; i++)
		free(rp->cav[i].text);
	free(rp->cav);
}

/* Caveats by weight for an auditor: nothing at all, time not watched,
 * then what was watched badly, then what is missing beside it. */
static int
caveat_rank(const char *kind)
{
	static const char *const order[] = {
		"empty", "gap", "unclean", "open", "loss", "dropped",
		"unattributed", "replay", "no_comparison", "truncated"
	};
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(order); i++)
		if (strcmp(order[i], kind) == 0)
			return (int)i;
	return (int)i;
}

static int
caveat_cmp(const void *a, const void *b)
{
	const struct caveat *x = a, *y = b;
	int rx = caveat_rank(x->kind), ry = caveat_rank(y->kind);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Read everything.  0, -1 logged. */
static int
report_load(struct report *rp, sqlite3 *db)
{
	const char *s = rp->s_since, *u = rp->s_until;
	long long n, una;

	int64_t lim = rp->limit == (size_t)-1 ? -1 : (int64_t)rp->limit;

	if (grid_load(db, sql_runs, s, u, 0, &rp->runs) != 0 ||
	    grid_load(db, sql_totals, s, u, 0, &rp->totals) != 0 ||
	    grid_load(db, sql_by_rule, s, u, 0, &rp->by_rule) != 0 ||
	    grid_load(db, sql_by_container, s, u, 0, &rp->by_ctr) != 0 ||
	    grid_load(db, sql_findings, s, u, lim, &rp->findings) != 0 ||
	    grid_load(db, sql_integrity, s, u, 0, &rp->integrity) != 0 ||
	    grid_load(db, sql_per_day, s, u, 0, &rp->per_day) != 0 ||
	    grid_load(db, sql_digest_rules, s, u, 0, &rp->digest_rules) !=
	    0 || grid_load(db, sql_comparisons, s, u, 0, &rp->cmps) != 0)
		return -1;
	coverage(rp);
	per_day(rp);
	weekly(rp);
	n = gint(&rp->totals, 0, "findings");
	if ((una = gint(&rp->totals, 0, "unattributed")) > 0)
		caveat(rp, "unattributed", -1, -1, -1, una, "%lld finding%s "
		    "of the period %s no container attribution (replayed, "
		    "or the container could not be found): whether %s in a "
		    "container or on the host is not known.", una,
		    una == 1 ? "" : "s", una == 1 ? "has" : "have",
		    una == 1 ? "it was" : "they were");
	if ((size_t)n > rp->limit)
		caveat(rp, "truncated", -1, -1, -1, n - (long long)rp->limit,
		    "Only the %zu newest of %lld findings are listed in full "
		    "(--limit); the counts cover all of them, and the rest "
		    "are in the database (audrift query, or SQL on the ids).",
		    rp->limit, n);
	if (rp->nruns == 0 && n == 0 && rp->ncmp == 0)
		caveat(rp, "empty", rp->since, rp->until, -1, -1, "The "
		    "database holds no run, no finding and no comparison in "
		    "this period: audrift cannot vouch for anything in it.  "
		    "Check the period (--since, --until) and the database "
		    "(--db).");
	if (rp->ncav > 0)
		qsort(rp->cav, rp->ncav, sizeof(*rp->cav), caveat_cmp);
	return 0;
}

/* ---- text escaping ------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (at most len), its code point
 * in *cp; 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; c &= 0x07; min = 0x10000;
	} else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters shown as an escape, never as themselves: C0/C1 controls,
 * DEL, bidirectional embeddings, overrides, isolates and marks (they can
 * make a name read as another), zero-width and BOM. */
static int
invisible(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

/*
 * s (any bytes) as text of format f: html escapes markup and shows
 * escapes in <span class="esc">; md backslash-escapes what Markdown
 * would read.  A backslash of the data is itself shown as \x5c, so an
 * escape cannot be forged.  A NULL s is "-".
 */
static void
text_out(struct ad_buf *b, enum fmt f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, n;
	unsigned cp;

	if (s == NULL) {
		ad_buf_adds(b, "-");
		return;
	}
	len = strlen(s);
	while (len > 0) {
		n = utf8_seq(p, len, &cp);
		if (n == 0 || invisible(cp)) {
			if (f == FMT_HTML)
				ad_buf_adds(b, "<span class=\"esc\">");
			if (n == 0)
				ad_buf_printf(b, "\\x%02x", p[0]);
			else if (cp == '\n')
				ad_buf_adds(b, "\\n");
			else if (cp == '\t')
				ad_buf_adds(b, "\\t");
			else if (cp < 0x80)
				ad_buf_printf(b, "\\x%02x", cp);
			else
				ad_buf_printf(b, "\\u%04x", cp);
			if (f == FMT_HTML)
				ad_buf_adds(b, "</span>");
			n = n ? n : 1;
		} else if (f == FMT_HTML && strchr("&<>\"'", (int)cp) && cp) {
			ad_buf_adds(b, cp == '&' ? "&amp;" : cp == '<' ?
			    "&lt;" : cp == '>' ? "&gt;" : cp == '"' ?
			    "&quot;" : "&#39;");
		} else if (cp == '\\') {	/* never read as an escape */
			ad_buf_adds(b, f == FMT_HTML ?
			    "<span class=\"esc\">\\x5c</span>" : "\\x5c");
		} else if (f == FMT_MD && cp &&
		    strchr("`*_[]<>|&#!~{}()+", (int)cp)) {
			ad_buf_addc(b, '\\');
			ad_buf_addc(b, (char)cp);
		} else
			ad_buf_add(b, p, n);
		p += n;
		len -= n;
	}
}

/* ---- shared pieces of the writers ---------------------------------- */

static const char *
pct(char *buf, size_t cap, int64_t part, int64_t whole)
{
	snprintf(buf, cap, "%.1f%%", whole > 0 ? 100.0 * (double)part /
	    (double)whole : 0.0);
	return buf;
}

/* Short digests and ids, as a reader compares them. */
static const char *
short_id(const char *s, char *buf, size_t cap)
{
	if (s == NULL)
		return NULL;
	snprintf(buf, cap, "%.12s", s);
	return buf;
}

static void
comma_int(struct ad_buf *b, long long v)
{
	char tmp[32];
	int n, i;

	n = snprintf(tmp, sizeof(tmp), "%lld", v < 0 ? -v : v);
	if (v < 0)
		ad_buf_addc(b, '-');
	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			ad_buf_addc(b, ',');
		ad_buf_addc(b, tmp[i]);
	}
}

static void
thousands(char *buf, size_t cap, long long v)
{
	struct ad_buf b;

	ad_buf_init(&b);
	comma_int(&b, v);
	snprintf(buf, cap, "%s", b.p);
	ad_buf_free(&b);
}

/* One key figure of the summary: label, value text. */
struct figure {
	const char *label;
	char value[96];
	int bad;		/* draws the eye: a gap, a loss */
};

static size_t
figures(const struct report *rp, struct figure *f)
{
	const struct grid *t = &rp->totals;
	long long n = gint(t, 0, "findings"), rev = gint(t, 0, "reviewed");
	int64_t period = rp->until - rp->since;
	char p1[16];
	size_t k = 0;

	f[k].label = "Coverage (live runs)";
	snprintf(f[k].value, sizeof(f[k].value), "%s of the period",
	    pct(p1, sizeof(p1), rp->covered_ms, period));
	f[k++].bad = rp->covered_ms < period;
	f[k].label = "Time with no run";
	snprintf(f[k].value, sizeof(f[k].value), "%.1f hours",
	    (double)rp->gap_ms / 3600000.0);
	f[k++].bad = rp->gap_ms > 0;
	f[k].label = "Time not vouched for (killed runs)";
	snprintf(f[k].value, sizeof(f[k].value), "%.1f hours",
	    (double)rp->unknown_ms / 3600000.0);
	f[k++].bad = rp->unknown_ms > 0;
	f[k].label = "Runs";
	snprintf(f[k].value, sizeof(f[k].value), "%lld (%lld with losses)",
	    rp->nruns, rp->lossy_runs);
	f[k++].bad = rp->lossy_runs > 0;
	f[k].label = "Events read";
	thousands(f[k].value, sizeof(f[k].value), rp->events_read);
	f[k++].bad = 0;
	f[k].label = "Events lost";
	thousands(f[k].value, sizeof(f[k].value), rp->events_lost);
	f[k++].bad = rp->events_lost > 0;
	f[k].label = "Findings";
	snprintf(f[k].value, sizeof(f[k].value), "%lld in %lld container%s "
	    "and the host", n, gint(t, 0, "containers"),
	    gint(t, 0, "containers") == 1 ? "" : "s");
	f[k++].bad = 0;
	f[k].label = "Tamper findings";
	snprintf(f[k].value, sizeof(f[k].value), "%lld", gint(t, 0, "tamper"));
	f[k++].bad = gint(t, 0, "tamper") > 0;
	f[k].label = "Reviewed";
	snprintf(f[k].value, sizeof(f[k].value), "%lld of %lld (%lld not "
	    "reviewed)", rev, n, n - rev);
	f[k++].bad = rev < n;
	f[k].label = "Comparisons (11.5.2)";
	snprintf(f[k].value, sizeof(f[k].value), "%lld (%lld not passed)",
	    rp->ncmp, rp->ncmp_changed);
	f[k++].bad = rp->ncmp == 0 || rp->ncmp_changed > 0;
	return k;
}

/* Evidence of a finding in one line: now vs image, package check. */
static void
evidence_text(const struct grid *g, size_t r, struct ad_buf *b)
{
	const char *now = gval(g, r, "file_sha256"),
	    *img = gval(g, r, "image_sha256"), *pkg = gval(g, r, "package"),
	    *ok = gval(g, r, "package_ok"), *ev = gval(g, r, "evidence");
	char s1[16], s2[16];

	ad_buf_reset(b);
	if (now != NULL || img != NULL) {
		ad_buf_printf(b, "now %s, image %s",
		    now && strlen(now) == 64 ? short_id(now, s1, sizeof(s1)) :
		    now ? now : "-",
		    img && strlen(img) == 64 ? short_id(img, s2, sizeof(s2)) :
		    img ? img : "-");
		if (now && img && strlen(now) == 64 && strcmp(now, img) == 0)
			ad_buf_adds(b, " (same)");
		else if (now && img && strlen(now) == 64 && strlen(img) == 64)
			ad_buf_adds(b, " (differ)");
	}
	if (pkg != NULL)
		ad_buf_printf(b, "%s%s %s", b->len ? "; " : "", pkg,
		    ok == NULL ? "not checked" : strcmp(ok, "1") == 0 ?
		    "verified" : "DOES NOT MATCH");
	if (gint(g, r, "upper_layer") == 1)
		ad_buf_printf(b, "%swritable layer", b->len ? "; " : "");
	if (ev != NULL && strncmp(ev, "ok", 2) != 0)
		ad_buf_printf(b, "%s%s", b->len ? "; " : "", ev);
	if (b->len == 0)
		ad_buf_adds(b, "-");
}

static void
review_text(const struct grid *g, size_t r, struct ad_buf *b)
{
	const char *by = gval(g, r, "reviewed_by");

	ad_buf_reset(b);
	if (by == NULL) {
		ad_buf_adds(b, "NOT REVIEWED");
		return;
	}
	ad_buf_printf(b, "%s, %.10s", by, gval(g, r, "reviewed_at"));
	if (gval(g, r, "review_note") != NULL)
		ad_buf_printf(b, ": %s", gval(g, r, "review_note"));
	if (gint(g, r, "reviews") > 1)
		ad_buf_printf(b, " (%lld reviews)", gint(g, r, "reviews"));
}

static const char *
ctr_text(const struct grid *g, size_t r, char *buf, size_t cap)
{
	const char *name = gval(g, r, "container_name"),
	    *id = gval(g, r, "container_id");

	if (id == NULL)
		return strcmp(gval(g, r, "place"), "unknown") == 0 ?
		    "unknown (no attribution)" : "host";
	if (name != NULL)
		return name;
	return short_id(id, buf, cap);
}


/* ---- tables: one description, written by each format --------------- */

enum ck {
	CK_TEXT,	/* the column as text (escaped) */
	CK_TIME,	/* a time, kept on one line */
	CK_NUM,		/* a number, right-aligned */
	CK_SHORT,	/* 12 characters of an id or digest */
	CK_SEV,		/* a severity, marked */
	CK_CTR,		/* container name, short id, or host */
	CK_WHAT,	/* op path [-> path2] by exe */
	CK_EVIDENCE,	/* now vs image hashes, package check */
	CK_REVIEW,	/* latest review, or NOT REVIEWED */
	CK_RESULT,	/* pass, changed, error: marked */
	CK_DETAIL,	/* comparison detail: the paths found */
	CK_TARGET	/* a host dir, or a container's short id */
};

struct col {
	const char *head;
	const char *name;	/* grid column, for CK_TEXT/NUM/SHORT/SEV */
	enum ck kind;
};

static const struct col cols_by_rule[] = {
	{ "Severity", "severity", CK_SEV }, { "Rule", "rule", CK_TEXT },
	{ "Findings", "findings", CK_NUM },
	{ "Containers", "containers", CK_NUM }, { "Host", "host", CK_NUM },
	{ "Unknown place", "unknown", CK_NUM },
	{ "Not reviewed", "unreviewed", CK_NUM },
	{ "First", "first", CK_TIME }, { "Last", "last", CK_TIME },
};
static const struct col cols_by_ctr[] = {
	{ "Container", NULL, CK_CTR }, { "Id", "container_id", CK_SHORT },
	{ "Image", "image", CK_TEXT }, { "Findings", "findings", CK_NUM },
	{ "Rules", "rules", CK_NUM }, { "In writable layer", "upper_layer",
	    CK_NUM }, { "Not reviewed", "unreviewed", CK_NUM },
	{ "Last", "last", CK_TIME },
};
static const struct col cols_findings[] = {
	{ "Id", "id", CK_NUM }, { "Time (UTC)", "time", CK_TIME },
	{ "Severity", "severity", CK_SEV }, { "Rule", "rule", CK_TEXT },
	{ "Where", NULL, CK_CTR }, { "What", NULL, CK_WHAT },
	{ "Evidence", NULL, CK_EVIDENCE }, { "Review", NULL, CK_REVIEW },
};
static const struct col cols_cmps[] = {
	{ "Id", "id", CK_NUM }, { "Time (UTC)", "time", CK_TIME },
	{ "Kind", "kind", CK_TEXT }, { "Target", "target", CK_TARGET },
	{ "Name", "name", CK_TEXT }, { "Baseline", "baseline", CK_TEXT },
	{ "Checked", "files_checked", CK_NUM },
	{ "Changed", "changed", CK_NUM },
	{ "Unverified", "unverified", CK_NUM },
	{ "Result", "result", CK_RESULT }, { "Found", NULL, CK_DETAIL },
};
static const struct col cols_runs[] = {
	{ "Run", "id", CK_NUM }, { "Start (UTC)", "start", CK_TIME },
	{ "Stop (UTC)", "stop", CK_TIME }, { "Source", "source", CK_TEXT },
	{ "Host", "host", CK_TEXT }, { "Rules digest", "rules_digest",
	    CK_SHORT }, { "Events read", "events_read", CK_NUM },
	{ "Events lost", "events_lost", CK_NUM },
	{ "Findings", "findings", CK_NUM },
	{ "Findings dropped", "findings_dropped", CK_NUM },
};
static const struct col cols_rules[] = {
	{ "Rules digest", "digest", CK_SHORT },
	{ "Severity", "severity", CK_SEV }, { "Rule", "rule", CK_TEXT },
	{ "Findings", "findings", CK_NUM },
};

/* The paths a comparison's detail names (JSON written by comparison.c),
 * as "found: path" lines: read back with SQLite, not a JSON parser. */
static void
detail_text(const char *json, struct ad_buf *b)
{
	sqlite3 *m = NULL;
	sqlite3_stmt *st = NULL;
	int n = 0;

	ad_buf_reset(b);
	/* an array of {path, found}, or {error} */
	if (json == NULL || sqlite3_open(":memory:", &m) != SQLITE_OK ||
	    sqlite3_prepare_v2(m, "SELECT json_extract(value, '$.found'),"
	    " json_extract(value, '$.path') FROM json_each(?1)"
	    " WHERE json_type(?1) = 'array'"
	    " UNION ALL SELECT 'error: ' || json_extract(?1, '$.error'), NULL"
	    " WHERE json_type(?1) = 'object'", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		sqlite3_close(m);
		ad_buf_adds(b, "-");
		return;
	}
	sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *f = (const char *)sqlite3_column_text(st, 0),
		    *p = (const char *)sqlite3_column_text(st, 1);

		if (n++ > 0)
			ad_buf_addc(b, '\0');
		ad_buf_printf(b, "%s%s%s", p ? p : "", p ? ": " : "",
		    f ? f : "");
	}
	sqlite3_finalize(st);
	sqlite3_close(m);
	if (n == 0)
		ad_buf_adds(b, "-");
}

static const char *
cell_build(const struct grid *g, size_t r, const struct col *c,
    struct ad_buf *b)
{
	const char *v = c->name ? gval(g, r, c->name) : NULL, *op, *path;
	char tmp[32];

	ad_buf_reset(b);
	switch (c->kind) {
	case CK_TARGET:
		if (v != NULL && strcmp(gval(g, r, "kind"), "container") != 0)
			return v;
		/* FALLTHROUGH */
	case CK_SHORT:
		if (v == NULL)
			return NULL;
		ad_buf_adds(b, short_id(v, tmp, sizeof(tmp)));
		return b->p;
	case CK_CTR:
		ad_buf_adds(b, ctr_text(g, r, tmp, sizeof(tmp)));
		return b->p;
	case CK_WHAT:
		op = gval(g, r, "op");
		path = gval(g, r, "path");
		/* audrift's own findings (tamper, loss) have no file or
		 * process: their message says it all */
		if (path != NULL || gval(g, r, "exe") != NULL ||
		    gval(g, r, "message") == NULL) {
			ad_buf_printf(b, "%s %s", op ? op : "-",
			    path ? path : "-");
			if (gval(g, r, "path2") != NULL)
				ad_buf_printf(b, " -> %s", gval(g, r, "path2"));
			if (gval(g, r, "exe") != NULL)
				ad_buf_printf(b, " by %s", gval(g, r, "exe"));
			if (gval(g, r, "message") != NULL)
				ad_buf_addc(b, '\0');
		}
		if (gval(g, r, "message") != NULL)
			ad_buf_adds(b, gval(g, r, "message"));
		return b->p;
	case CK_EVIDENCE:
		evidence_text(g, r, b);
		return b->p;
	case CK_REVIEW:
		review_text(g, r, b);
		return b->p;
	case CK_DETAIL:
		detail_text(gval(g, r, "detail"), b);
		return b->p;
	default:
		return v;
	}
}

/*
 * The text of cell (row r, column c), NULL for SQL NULL; *len its bytes.
 * Composite cells are built in b with their lines separated by NUL,
 * which no text from the database holds (it is read as C strings): a
 * newline in a file name stays data, shown as \n, never a line break.
 */
static const char *
cell_text(const struct grid *g, size_t r, const struct col *c,
    struct ad_buf *b, size_t *len)
{
	const char *t = cell_build(g, r, c, b);

	*len = t == NULL ? 0 : t == b->p ? b->len : strlen(t);
	return t;
}

/* Cell text of len bytes, its NUL-separated lines escaped and joined by
 * sep. */
static void
lines_out(struct ad_buf *b, enum fmt f, const char *s, size_t len,
    const char *sep)
{
	const char *end;

	if (s == NULL) {
		text_out(b, f, NULL);
		return;
	}
	for (end = s + len;;) {
		text_out(b, f, s);
		s += strlen(s) + 1;
		if (s >= end)
			break;
		ad_buf_adds(b, sep);
	}
}

static int
sev_rank(const char *s)
{
	int k;

	for (k = 0; s != NULL && k < NSEV; k++)
		if (strcmp(sev_names[k], s) == 0)
			return k;
	return -1;
}

/* Is cell the one to mark: a severity, a failed result, a review due. */
static const char *
cell_class(const struct grid *g, size_t r, const struct col *c)
{
	static const char *const sev_cls[] = {
		"sev sev-info", "sev sev-low", "sev sev-medium", "sev sev-high",
		"sev sev-critical"
	};
	const char *v = c->name ? gval(g, r, c->name) : NULL;
	int k;

	switch (c->kind) {
	case CK_NUM:
		return "num";
	case CK_TIME:
		return "time";
	case CK_SEV:
		return (k = sev_rank(v)) >= 0 ? sev_cls[k] : "sev";
	case CK_RESULT:
		return v && strcmp(v, "pass") == 0 ? "pass" : "fail";
	case CK_REVIEW:
		return gval(g, r, "reviewed_by") ? "rev" : "unrev";
	case CK_WHAT:
		return "mono what";
	case CK_EVIDENCE:
	case CK_DETAIL:
		return "mono";
	default:
		return NULL;
	}
}

static void
html_table(struct ad_buf *b, const struct grid *g, const struct col *cols,
    size_t ncols, size_t limit, const char *empty, const int *keep)
{
	struct ad_buf cell;
	const char *cls, *t;
	size_t r, k, shown = 0, tlen;

	ad_buf_init(&cell);
	ad_buf_adds(b, "<table><thead><tr>");
	for (k = 0; k < ncols; k++)
		ad_buf_printf(b, "<th>%s</th>", cols[k].head);
	ad_buf_adds(b, "</tr></thead><tbody>\n");
	for (r = 0; r < g->nrows && shown < limit; r++) {
		if (keep != NULL && !keep[r])
			continue;
		shown++;
		ad_buf_adds(b, "<tr>");
		for (k = 0; k < ncols; k++) {
			cls = cell_class(g, r, &cols[k]);
			if (cls != NULL)
				ad_buf_printf(b, "<td class=\"%s\">", cls);
			else
				ad_buf_adds(b, "<td>");
			t = cell_text(g, r, &cols[k], &cell, &tlen);
			lines_out(b, FMT_HTML, t, tlen, "<br>");
			ad_buf_adds(b, "</td>");
		}
		ad_buf_adds(b, "</tr>\n");
	}
	if (shown == 0)
		ad_buf_printf(b, "<tr><td colspan=\"%zu\" class=\"none\">%s"
		    "</td></tr>\n", ncols, empty);
	ad_buf_adds(b, "</tbody></table>\n");
	ad_buf_free(&cell);
}

static void
md_table(struct ad_buf *b, const struct grid *g, const struct col *cols,
    size_t ncols, size_t limit, const char *empty, const int *keep)
{
	struct ad_buf cell;
	size_t r, k, shown = 0, tlen;
	const char *t;

	ad_buf_init(&cell);
	for (k = 0; k < ncols; k++)
		ad_buf_printf(b, "| %s ", cols[k].head);
	ad_buf_adds(b, "|\n");
	for (k = 0; k < ncols; k++)
		ad_buf_adds(b, cols[k].kind == CK_NUM ? "| ---: " : "| --- ");
	ad_buf_adds(b, "|\n");
	for (r = 0; r < g->nrows && shown < limit; r++) {
		if (keep != NULL && !keep[r])
			continue;
		shown++;
		for (k = 0; k < ncols; k++) {
			ad_buf_adds(b, "| ");
			t = cell_text(g, r, &cols[k], &cell, &tlen);
			lines_out(b, FMT_MD, t, tlen, "<br>");
			ad_buf_addc(b, ' ');
		}
		ad_buf_adds(b, "|\n");
	}
	if (shown == 0) {
		ad_buf_printf(b, "| %s ", empty);
		for (k = 1; k < ncols; k++)
			ad_buf_adds(b, "| ");
		ad_buf_adds(b, "|\n");
	}
	ad_buf_addc(b, '\n');
	ad_buf_free(&cell);
}

/* ---- the plots ----------------------------------------------------- */

static void
plots_svg(const struct report *rp, struct ad_buf *b, int which)
{
	struct ad_svg_series s[NSEV];
	const char **labels = xcalloc(rp->ndays + 1, sizeof(*labels));
	size_t d;
	int k;

	for (d = 0; d < rp->ndays; d++)
		labels[d] = rp->days[d] + 5;	/* MM-DD */
	if (which == 0) {
		for (k = 0; k < NSEV; k++) {
			s[k].name = sev_names[k];
			s[k].color = sev_colors[k];
			s[k].v = rp->sev_day[k];
		}
		ad_svg_bars(b, "plot-findings", "Findings per day by severity",
		    labels, rp->ndays, s, NSEV);
	} else if (which == 1) {
		s[0].name = "events read";
		s[0].color = "#3b82c4";
		s[0].v = rp->read_day;
		ad_svg_bars(b, "plot-read", "Events read per day", labels,
		    rp->ndays, s, 1);
	} else {
		s[0].name = "events lost";
		s[0].color = "#b3261e";
		s[0].v = rp->lost_day;
		ad_svg_bars(b, "plot-lost", "Events lost per day", labels,
		    rp->ndays, s, 1);
	}
	free(labels);
}

static const char *const span_colors[] = {
	"#2e8b57", "#5fb38a", "#9aa0a6", "#b3261e"
};
#define LOSSY_COLOR	"#d4a017"

static void
timeline_svg(const struct report *rp, struct ad_buf *b)
{
	static const char *const lg[][2] = {
		{ "run", "#2e8b57" }, { "run with losses", LOSSY_COLOR },
		{ "no stop recorded", "#5fb38a" },
		{ "killed: not vouched for", "#9aa0a6" },
		{ "no run", "#b3261e" },
	};
	struct ad_svg_span *sp = xcalloc(rp->nspans + 1, sizeof(*sp));
	const char **ticks = xcalloc(rp->ndays + 2, sizeof(*ticks));
	double *pos = xcalloc(rp->ndays + 2, sizeof(*pos));
	size_t i, nt = 0, step = rp->ndays > 12 ? (rp->ndays + 6) / 7 : 1;

	for (i = 0; i < rp->nspans; i++) {
		sp[i].from = (double)(rp->spans[i].from - rp->since);
		sp[i].to = (double)(rp->spans[i].to - rp->since);
		sp[i].color = rp->spans[i].lossy ? LOSSY_COLOR :
		    span_colors[rp->spans[i].kind];
	}
	for (i = 0; i < rp->ndays; i += step) {
		int64_t t = rp->day0 + (int64_t)i * DAY_MS;

		if (t < rp->since)
			continue;
		ticks[nt] = rp->days[i] + 5;
		pos[nt++] = (double)(t - rp->since);
	}
	ad_svg_timeline(b, "plot-coverage", "Coverage: runs and gaps", 0,
	    (double)(rp->until - rp->since), sp, rp->nspans, ticks, pos, nt,
	    lg, AD_ARRAY_SIZE(lg));
	free(sp);
	free(ticks);
	free(pos);
}

/* The text of span i: kind, times, run. */
static void
span_line(const struct report *rp, size_t i, char *kind, size_t kcap,
    char *from, char *to, size_t cap)
{
	const struct span *s = &rp->spans[i];

	short_time(s->from, from, cap);
	short_time(s->to, to, cap);
	if (s->kind == SPAN_GAP)
		snprintf(kind, kcap, "no run");
	else if (s->kind == SPAN_RUN)
		snprintf(kind, kcap, "run %lld%s", gint(&rp->runs, s->run,
		    "id"), s->lossy ? ", with losses" : "");
	else if (s->kind == SPAN_OPEN)
		snprintf(kind, kcap, "run %lld, no stop recorded%s",
		    gint(&rp->runs, s->run, "id"),
		    s->lossy ? ", with losses" : "");
	else
		snprintf(kind, kcap, "run %lld killed: not vouched for",
		    gint(&rp->runs, s->run, "id"));
}

/* ---- html ---------------------------------------------------------- */

static const char html_css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:#1d232a;margin:2em auto;max-width:1180px;padding:0 1.5em}"
	"h1{font-size:1.7em;margin:0 0 .2em}"
	"h2{font-size:1.3em;border-bottom:2px solid #d8dde3;"
	"padding-bottom:.2em;"
	"margin-top:2em}"
	"h3{font-size:1.05em;margin:1.4em 0 .4em}"
	".meta{color:#56606b}"
	"table{border-collapse:collapse;width:100%;margin:.4em 0 1em;"
	"font-size:.92em}"
	"th,td{border:1px solid #d8dde3;padding:.25em .5em;text-align:left;"
	"vertical-align:top}"
	"th{background:#eef1f4}"
	"td.num{text-align:right;font-variant-numeric:tabular-nums}"
	"td.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
	"font-size:.9em;overflow-wrap:anywhere}"
	"td.none{color:#56606b;font-style:italic}"
	"td.time{white-space:nowrap}td.what{min-width:18em}"
	".sev{font-weight:600}.sev-critical{color:#b3261e}"
	".sev-high{color:#c2541c}.sev-medium{color:#8a6a00}"
	".sev-low{color:#2a6aa8}.sev-info{color:#56606b}"
	"td.fail,td.unrev{color:#b3261e;font-weight:600}"
	"td.pass,td.rev{color:#2e7a50}"
	".esc{background:#fde2e1;color:#8c1d18;border-radius:2px;"
	"font-family:ui-monospace,monospace;padding:0 .1em}"
	".caveats{background:#fff6e0;border:1px solid #e6c96b;"
	"border-radius:4px;padding:.2em 1.2em .6em}"
	".caveats h2{border:none;margin-top:.6em}"
	".caveats li{margin:.3em 0}"
	".caveats p.ok{color:#2e7a50}"
	".figures{display:grid;grid-template-columns:repeat(auto-fill,"
	"minmax(200px,1fr));gap:.6em;margin:0}"
	".figures div{border:1px solid #d8dde3;border-radius:4px;"
	"padding:.4em .7em}"
	".figures dt{color:#56606b;font-size:.85em}"
	".figures dd{margin:0;font-size:1.15em;font-weight:600}"
	".figures div.bad{border-color:#e6a19b;background:#fdf1f0}"
	"figure{margin:.6em 0 1.4em;display:grid;"
	"grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1em;"
	"align-items:start}"
	"figure.wide{display:block}"
	"figure .charts{min-width:0}"
	"figure table{font-size:.8em;margin:0}"
	"figure table td,figure table th{padding:.1em .4em;white-space:nowrap}"
	"figcaption{grid-column:1/-1;color:#56606b;font-size:.9em}"
	".plot{width:100%;height:auto;display:block}"
	".plot text{font:11px system-ui,sans-serif;fill:#1d232a}"
	".plot .xl{text-anchor:middle}.plot .yl{text-anchor:end}"
	".plot .none{text-anchor:middle;fill:#56606b;font-style:italic}"
	".plot .grid{stroke:#e3e7eb}.plot .axis{stroke:#56606b}"
	".plot .band{fill:#f3f5f7;stroke:#d8dde3}"
	".tablewrap{max-height:none}"
	"footer{margin-top:3em;color:#56606b;font-size:.85em}"
	"@media print{body{margin:0;max-width:none;font-size:9.5pt;padding:0}"
	"@page{size:A4;margin:14mm}"
	"h2{break-after:avoid}table,figure,.figures div{break-inside:auto}"
	"tr,svg,li{break-inside:avoid}"
	"thead{display:table-header-group}"
	"figure{display:block}figure table{margin-top:.4em}"
	"table{font-size:8pt}td.time{white-space:normal}"
	"td,th{padding:.15em .3em}td{overflow-wrap:anywhere}"
	"td.sev,td.num,td.pass,td.fail{overflow-wrap:normal;white-space:nowrap}"
	"td.what{min-width:0}"
	".caveats{border-width:2px}"
	"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void
html_period(const struct report *rp, struct ad_buf *b)
{
	ad_buf_printf(b, "%.10s %.5s to %.10s %.5s", rp->s_since,
	    rp->s_since + 11, rp->s_until, rp->s_until + 11);
}

static void
html_caveats(const struct report *rp, struct ad_buf *b)
{
	size_t i;

	ad_buf_adds(b, "<section id=\"caveats\" class=\"caveats\">"
	    "<h2>What this report cannot vouch for</h2>\n");
	if (rp->ncav == 0) {
		ad_buf_adds(b, "<p class=\"ok\">Nothing: audrift ran the "
		    "whole period without losses, and a comparison was "
		    "recorded every week.</p>\n</section>\n");
		return;
	}
	ad_buf_adds(b, "<ul>\n");
	for (i = 0; i < rp->ncav; i++) {
		ad_buf_printf(b, "<li class=\"cav-%s\">", rp->cav[i].kind);
		text_out(b, FMT_HTML, rp->cav[i].text);
		ad_buf_adds(b, "</li>\n");
	}
	ad_buf_adds(b, "</ul>\n</section>\n");
}

static void
html_summary(const struct report *rp, struct ad_buf *b)
{
	struct figure f[16];
	size_t i, n = figures(rp, f);

	ad_buf_adds(b, "<section id=\"summary\"><h2>Summary</h2>"
	    "<dl class=\"figures\">\n");
	for (i = 0; i < n; i++) {
		ad_buf_printf(b, "<div%s><dt>%s</dt><dd>", f[i].bad ?
		    " class=\"bad\"" : "", f[i].label);
		text_out(b, FMT_HTML, f[i].value);
		ad_buf_adds(b, "</dd></div>\n");
	}
	ad_buf_adds(b, "</dl></section>\n");
}

/* Digests of the live runs in the period: first start, last stop. */
static void
digest_rows(const struct report *rp, struct ad_buf *b, enum fmt f)
{
	size_t i, j;
	const char *d, *first, *last;
	int runs, seen;
	char sd[16];

	for (i = 0; i < rp->runs.nrows; i++) {
		if (!rp->run_in[i] || rp->run_replay[i])
			continue;
		d = gval(&rp->runs, i, "rules_digest");
		for (seen = 0, j = 0; j < i && !seen; j++)
			seen = rp->run_in[j] && !rp->run_replay[j] &&
			    ((d == NULL && gval(&rp->runs, j, "rules_digest") ==
			    NULL) || (d != NULL && gval(&rp->runs, j,
			    "rules_digest") != NULL && strcmp(d, gval(&rp->runs,
			    j, "rules_digest")) == 0));
		if (seen)
			continue;
		first = gval(&rp->runs, i, "start");
		last = NULL;
		runs = 0;
		for (j = i; j < rp->runs.nrows; j++) {
			const char *dj = gval(&rp->runs, j, "rules_digest");

			if (!rp->run_in[j] || rp->run_replay[j] ||
			    (d == NULL) != (dj == NULL) ||
			    (d != NULL && strcmp(d, dj) != 0))
				continue;
			runs++;
			last = gval(&rp->runs, j, "stop");
		}
		if (f == FMT_HTML) {
			ad_buf_adds(b, "<tr><td class=\"mono\">");
			text_out(b, f, short_id(d, sd, sizeof(sd)));
			ad_buf_adds(b, "</td><td>");
			text_out(b, f, first);
			ad_buf_adds(b, "</td><td>");
			text_out(b, f, last ? last : "(no stop recorded)");
			ad_buf_printf(b, "</td><td class=\"num\">%d</td>"
			    "</tr>\n", runs);
		} else {
			ad_buf_adds(b, "| ");
			text_out(b, f, short_id(d, sd, sizeof(sd)));
			ad_buf_adds(b, " | ");
			text_out(b, f, first);
			ad_buf_adds(b, " | ");
			text_out(b, f, last ? last : "(no stop recorded)");
			ad_buf_printf(b, " | %d |\n", runs);
		}
	}
}

static void
html_coverage(const struct report *rp, struct ad_buf *b)
{
	char kind[96], from[32], to[32];
	size_t i;

	ad_buf_adds(b, "<section id=\"coverage\"><h2>Coverage</h2>\n"
	    "<figure class=\"wide\"><div class=\"charts\">");
	timeline_svg(rp, b);
	ad_buf_adds(b, "</div><figcaption>Each live run from its start to "
	    "its stop; red is time with no run.  Replays are not "
	    "coverage.</figcaption></figure>\n<table><thead><tr><th>From "
	    "(UTC)</th><th>To (UTC)</th><th>What</th></tr></thead><tbody>\n");
	for (i = 0; i < rp->nspans; i++) {
		span_line(rp, i, kind, sizeof(kind), from, to, sizeof(from));
		ad_buf_printf(b, "<tr class=\"span-%s\"><td>%s</td><td>%s</td>"
		    "<td%s>%s</td></tr>\n", span_json[rp->spans[i].kind],
		    from, to, rp->spans[i].kind == SPAN_GAP ||
		    rp->spans[i].kind == SPAN_UNKNOWN ? " class=\"fail\"" : "",
		    kind);
	}
	ad_buf_adds(b, "</tbody></table>\n<h3>Runs</h3>\n");
	html_table(b, &rp->runs, cols_runs, AD_ARRAY_SIZE(cols_runs),
	    (size_t)-1, "no run in the period", rp->run_in);
	ad_buf_adds(b, "<h3>Tamper and loss findings</h3>\n<p>Raised by "
	    "audrift itself: its kernel rules removed or auditing disabled "
	    "(audit_rules_tampered), events the kernel or the socket "
	    "dropped (audit_events_lost).</p>\n");
	html_table(b, &rp->integrity, cols_findings,
	    AD_ARRAY_SIZE(cols_findings), (size_t)-1,
	    "no tamper or loss finding in the period", NULL);
	ad_buf_adds(b, "<h3>Rules in force</h3>\n<p>Each run records the "
	    "sha256 digest of the rules.d it loaded.  The rules listed are "
	    "those that raised findings under each digest (the database "
	    "keeps digests, not rule texts).</p>\n<table><thead><tr><th>Rules "
	    "digest</th><th>First run start</th><th>Last run stop</th>"
	    "<th>Runs</th></tr></thead><tbody>\n");
	digest_rows(rp, b, FMT_HTML);
	ad_buf_adds(b, "</tbody></table>\n");
	html_table(b, &rp->digest_rules, cols_rules, AD_ARRAY_SIZE(cols_rules),
	    (size_t)-1, "no finding under any digest", NULL);
	ad_buf_adds(b, "</section>\n");
}

static void
html_plots(const struct report *rp, struct ad_buf *b)
{
	size_t d;
	int k;

	ad_buf_adds(b, "<section id=\"plots\"><h2>Per day</h2>\n<figure>"
	    "<div class=\"charts\">");
	plots_svg(rp, b, 0);
	ad_buf_adds(b, "</div><table class=\"plot-data\"><thead><tr><th>Day"
	    "</th>");
	for (k = 0; k < NSEV; k++)
		ad_buf_printf(b, "<th>%s</th>", sev_names[k]);
	ad_buf_adds(b, "</tr></thead><tbody>\n");
	for (d = 0; d < rp->ndays; d++) {
		ad_buf_printf(b, "<tr><td>%s</td>", rp->days[d]);
		for (k = 0; k < NSEV; k++)
			ad_buf_printf(b, "<td class=\"num\">%.0f</td>",
			    rp->sev_day[k][d]);
		ad_buf_adds(b, "</tr>\n");
	}
	ad_buf_adds(b, "</tbody></table><figcaption>Findings per day (UTC) by "
	    "severity.</figcaption></figure>\n<figure><div class=\"charts\">");
	plots_svg(rp, b, 1);
	plots_svg(rp, b, 2);
	ad_buf_adds(b, "</div><table class=\"plot-data\"><thead><tr><th>Day"
	    "</th><th>read</th><th>lost</th></tr></thead><tbody>\n");
	for (d = 0; d < rp->ndays; d++) {
		ad_buf_printf(b, "<tr><td>%s</td><td class=\"num\">",
		    rp->days[d]);
		comma_int(b, (long long)rp->read_day[d]);
		ad_buf_adds(b, "</td><td class=\"num\">");
		comma_int(b, (long long)rp->lost_day[d]);
		ad_buf_adds(b, "</td></tr>\n");
	}
	ad_buf_adds(b, "</tbody></table><figcaption>Events read and lost per "
	    "day.  A run records totals only: they are spread over the days "
	    "it ran, in proportion to its time in each.  A run with no stop "
	    "recorded has none yet, or was killed.</figcaption></figure>\n"
	    "</section>\n");
}

static void
html_findings(const struct report *rp, struct ad_buf *b)
{
	long long n = gint(&rp->totals, 0, "findings");

	ad_buf_adds(b, "<section id=\"findings\"><h2>Findings</h2>\n"
	    "<h3>By rule and severity</h3>\n");
	html_table(b, &rp->by_rule, cols_by_rule, AD_ARRAY_SIZE(cols_by_rule),
	    (size_t)-1, "no finding in the period", NULL);
	ad_buf_adds(b, "<h3>By container</h3>\n");
	html_table(b, &rp->by_ctr, cols_by_ctr, AD_ARRAY_SIZE(cols_by_ctr),
	    (size_t)-1, "no finding in the period", NULL);
	ad_buf_printf(b, "<h3>Every finding, newest first</h3>\n<p>%lld "
	    "finding%s%s.  Id is <code>findings.id</code>: <code>sqlite3 DB "
	    "'SELECT * FROM findings WHERE id = N'</code> gives all of a "
	    "finding; <code>audrift ack N --by NAME --note TEXT</code> "
	    "records its review.</p>\n", n, n == 1 ? "" : "s",
	    (size_t)n > rp->limit ? " (the newest are listed: --limit)" : "");
	html_table(b, &rp->findings, cols_findings,
	    AD_ARRAY_SIZE(cols_findings), rp->limit,
	    "no finding in the period", NULL);
	ad_buf_adds(b, "</section>\n");
}

static void
html_comparisons(const struct report *rp, struct ad_buf *b)
{
	ad_buf_adds(b, "<section id=\"comparisons\"><h2>File comparisons "
	    "(PCI DSS 11.5.2)</h2>\n<p><code>audrift diff --all</code> "
	    "compares each running container with its image, and the host's "
	    "essential bin dirs with the package databases.  Unverified: "
	    "files no package vouches for (not from a package, diverted, or "
	    "not hashed).</p>\n");
	html_table(b, &rp->cmps, cols_cmps, AD_ARRAY_SIZE(cols_cmps),
	    (size_t)-1, "no comparison in the period", NULL);
	ad_buf_adds(b, "</section>\n");
}

static void
write_html(const struct report *rp, struct ad_buf *b)
{
	ad_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
	    "Policy\" content=\"default-src 'none'; style-src "
	    "'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width="
	    "device-width\">\n<title>audrift evidence report, ");
	html_period(rp, b);
	ad_buf_adds(b, " UTC</title>\n<style>");
	ad_buf_adds(b, html_css);
	ad_buf_adds(b, "</style></head>\n<body>\n<header><h1>audrift evidence "
	    "report</h1>\n<p class=\"period\">Period: <b>");
	html_period(rp, b);
	ad_buf_printf(b, " UTC</b></p>\n<p class=\"meta\">Generated %.10s "
	    "%.8s UTC by audrift " PACKAGE_VERSION " from the database ",
	    rp->s_now, rp->s_now + 11);
	text_out(b, FMT_HTML, rp->dbpath);
	ad_buf_printf(b, " (schema version %d).</p></header>\n",
	    ad_schema_version());
	html_caveats(rp, b);
	html_summary(rp, b);
	html_coverage(rp, b);
	html_plots(rp, b);
	html_findings(rp, b);
	html_comparisons(rp, b);
	ad_buf_adds(b, "<footer>Times are UTC.  The JSON form of this report "
	    "(<code>--format json</code>) is described in docs/schema.md."
	    "</footer>\n</body></html>\n");
}

/* ---- markdown ------------------------------------------------------ */

static void
write_md(const struct report *rp, struct ad_buf *b)
{
	struct figure f[16];
	char kind[96], from[32], to[32];
	size_t i, n, d;
	int k;

	ad_buf_printf(b, "# audrift evidence report\n\nPeriod: **%.10s %.5s "
	    "to %.10s %.5s UTC**\n\nGenerated %.10s %.8s UTC by audrift "
	    PACKAGE_VERSION " from the database ", rp->s_since,
	    rp->s_since + 11, rp->s_until, rp->s_until + 11, rp->s_now,
	    rp->s_now + 11);
	text_out(b, FMT_MD, rp->dbpath);
	ad_buf_printf(b, " (schema version %d).\n\n## What this report cannot "
	    "vouch for\n\n", ad_schema_version());
	if (rp->ncav == 0)
		ad_buf_adds(b, "Nothing: audrift ran the whole period without "
		    "losses, and a comparison was recorded every week.\n");
	for (i = 0; i < rp->ncav; i++) {
		ad_buf_adds(b, "- ");
		text_out(b, FMT_MD, rp->cav[i].text);
		ad_buf_addc(b, '\n');
	}
	ad_buf_adds(b, "\n## Summary\n\n| | |\n| --- | ---: |\n");
	n = figures(rp, f);
	for (i = 0; i < n; i++) {
		ad_buf_printf(b, "| %s%s%s | ", f[i].bad ? "**" : "",
		    f[i].label, f[i].bad ? "**" : "");
		text_out(b, FMT_MD, f[i].value);
		ad_buf_adds(b, " |\n");
	}
	ad_buf_adds(b, "\n## Coverage\n\n| From (UTC) | To (UTC) | What |\n"
	    "| --- | --- | --- |\n");
	for (i = 0; i < rp->nspans; i++) {
		span_line(rp, i, kind, sizeof(kind), from, to, sizeof(from));
		ad_buf_printf(b, "| %s | %s | %s%s%s |\n", from, to,
		    rp->spans[i].kind >= SPAN_UNKNOWN ? "**" : "", kind,
		    rp->spans[i].kind >= SPAN_UNKNOWN ? "**" : "");
	}
	ad_buf_adds(b, "\n### Runs\n\n");
	md_table(b, &rp->runs, cols_runs, AD_ARRAY_SIZE(cols_runs),
	    (size_t)-1, "no run in the period", rp->run_in);
	ad_buf_adds(b, "### Tamper and loss findings\n\n");
	md_table(b, &rp->integrity, cols_findings,
	    AD_ARRAY_SIZE(cols_findings), (size_t)-1,
	    "no tamper or loss finding in the period", NULL);
	ad_buf_adds(b, "### Rules in force\n\nThe rules listed are those that "
	    "raised findings under each digest (the database keeps digests, "
	    "not rule texts).\n\n| Rules digest | First run start | Last run "
	    "stop | Runs |\n| --- | --- | --- | ---: |\n");
	digest_rows(rp, b, FMT_MD);
	ad_buf_addc(b, '\n');
	md_table(b, &rp->digest_rules, cols_rules, AD_ARRAY_SIZE(cols_rules),
	    (size_t)-1, "no finding under any digest", NULL);
	ad_buf_adds(b, "## Per day\n\nEvents: a run records totals only; they "
	    "are spread over the days it ran.\n\n| Day |");
	for (k = 0; k < NSEV; k++)
		ad_buf_printf(b, " %s |", sev_names[k]);
	ad_buf_adds(b, " events read | events lost |\n| --- |");
	for (k = 0; k < NSEV + 2; k++)
		ad_buf_adds(b, " ---: |");
	ad_buf_addc(b, '\n');
	for (d = 0; d < rp->ndays; d++) {
		ad_buf_printf(b, "| %s |", rp->days[d]);
		for (k = 0; k < NSEV; k++)
			ad_buf_printf(b, " %.0f |", rp->sev_day[k][d]);
		ad_buf_printf(b, " %.0f | %.0f |\n", rp->read_day[d],
		    rp->lost_day[d]);
	}
	ad_buf_adds(b, "\n## Findings\n\n### By rule and severity\n\n");
	md_table(b, &rp->by_rule, cols_by_rule, AD_ARRAY_SIZE(cols_by_rule),
	    (size_t)-1, "no finding in the period", NULL);
	ad_buf_adds(b, "### By container\n\n");
	md_table(b, &rp->by_ctr, cols_by_ctr, AD_ARRAY_SIZE(cols_by_ctr),
	    (size_t)-1, "no finding in the period", NULL);
	ad_buf_adds(b, "### Every finding, newest first\n\nId is `findings.id`;"
	    " `audrift ack ID --by NAME --note TEXT` records a review.\n\n");
	md_table(b, &rp->findings, cols_findings,
	    AD_ARRAY_SIZE(cols_findings), rp->limit,
	    "no finding in the period", NULL);
	ad_buf_adds(b, "## File comparisons (PCI DSS 11.5.2)\n\n");
	md_table(b, &rp->cmps, cols_cmps, AD_ARRAY_SIZE(cols_cmps),
	    (size_t)-1, "no comparison in the period", NULL);
}

/* ---- json ---------------------------------------------------------- */

/* Rows of g as objects: integers as numbers, columns named in raw as
 * JSON text (SQLite's json() output), the rest as strings. */
static void
json_grid(struct ad_buf *b, const struct grid *g, size_t limit,
    const int *keep, const char *raw)
{
	size_t r, shown = 0;
	int k;

	ad_buf_addc(b, '[');
	for (r = 0; r < g->nrows && shown < limit; r++) {
		if (keep != NULL && !keep[r])
			continue;
		ad_buf_adds(b, shown++ ? ",\n{" : "\n{");
		for (k = 0; k < g->ncols; k++) {
			const struct cell *c = &g->c[r * (size_t)g->ncols +
			    (size_t)k];

			if (c->s == NULL || c->type == SQLITE_NULL) {
				ad_json_key(b, g->names[k], k == 0);
				ad_buf_adds(b, "null");
			} else if (c->type == SQLITE_INTEGER ||
			    c->type == SQLITE_FLOAT ||
			    (raw != NULL && strcmp(raw, g->names[k]) == 0)) {
				ad_json_key(b, g->names[k], k == 0);
				ad_buf_adds(b, c->s);
			} else
				ad_json_member_str(b, g->names[k], c->s,
				    strlen(c->s));
		}
		ad_buf_addc(b, '}');
	}
	ad_buf_addc(b, ']');
}

static void
json_time(struct ad_buf *b, const char *key, int64_t ms, int first)
{
	char iso[32];

	ad_json_key(b, key, first);
	if (ms < 0) {
		ad_buf_adds(b, "null");
		return;
	}
	ad_iso_ms(ms, iso, sizeof(iso));
	ad_json_str(b, iso, strlen(iso));
}

static void
write_json(const struct report *rp, struct ad_buf *b)
{
	size_t i, d;
	int k;

	ad_buf_adds(b, "{\"report\":\"audrift-evidence\",\"format_version\":1");
	ad_json_member_str(b, "generated", rp->s_now, strlen(rp->s_now));
	ad_json_member_str(b, "audrift_version", PACKAGE_VERSION,
	    strlen(PACKAGE_VERSION));
	ad_json_member_str(b, "database", rp->dbpath, strlen(rp->dbpath));
	ad_json_member_int(b, "schema_version", ad_schema_version());
	ad_buf_adds(b, ",\n\"period\":{");
	ad_json_member_str(b, "since", rp->s_since, strlen(rp->s_since));
	ad_json_member_str(b, "until", rp->s_until, strlen(rp->s_until));
	ad_buf_adds(b, "},\n\"cannot_vouch\":[");
	for (i = 0; i < rp->ncav; i++) {
		const struct caveat *c = &rp->cav[i];

		ad_buf_adds(b, i ? ",\n{" : "\n{");
		ad_json_member_str(b, "kind", c->kind, strlen(c->kind));
		json_time(b, "from", c->from, 0);
		json_time(b, "to", c->to, 0);
		ad_json_key(b, "run_id", 0);
		if (c->run_id < 0)
			ad_buf_adds(b, "null");
		else
			ad_buf_add_int(b, c->run_id);
		ad_json_key(b, "count", 0);
		if (c->count < 0)
			ad_buf_adds(b, "null");
		else
			ad_buf_add_int(b, c->count);
		ad_json_member_str(b, "text", c->text, strlen(c->text));
		ad_buf_addc(b, '}');
	}
	ad_buf_adds(b, "],\n\"summary\":{");
	ad_json_member_int(b, "period_ms", rp->until - rp->since);
	ad_json_member_int(b, "covered_ms", rp->covered_ms);
	ad_json_member_int(b, "unknown_ms", rp->unknown_ms);
	ad_json_member_int(b, "gap_ms", rp->gap_ms);
	ad_json_member_int(b, "runs", rp->nruns);
	ad_json_member_int(b, "runs_with_losses", rp->lossy_runs);
	ad_json_member_int(b, "events_read", rp->events_read);
	ad_json_member_int(b, "events_lost", rp->events_lost);
	ad_json_member_int(b, "findings_dropped", rp->dropped);
	ad_json_member_int(b, "findings", gint(&rp->totals, 0, "findings"));
	ad_json_member_int(b, "findings_reviewed",
	    gint(&rp->totals, 0, "reviewed"));
	ad_json_member_int(b, "tamper_findings", gint(&rp->totals, 0,
	    "tamper"));
	ad_json_member_int(b, "loss_findings", gint(&rp->totals, 0, "loss"));
	ad_json_member_int(b, "unattributed_findings", gint(&rp->totals, 0,
	    "unattributed"));
	ad_json_member_int(b, "comparisons", rp->ncmp);
	ad_json_member_int(b, "comparisons_not_passed", rp->ncmp_changed);
	ad_buf_adds(b, "},\n\"coverage\":[");
	for (i = 0; i < rp->nspans; i++) {
		const struct span *s = &rp->spans[i];

		ad_buf_adds(b, i ? ",\n{" : "\n{");
		ad_json_member_str(b, "kind", span_json[s->kind],
		    strlen(span_json[s->kind]));
		json_time(b, "from", s->from, 0);
		json_time(b, "to", s->to, 0);
		ad_json_key(b, "run_id", 0);
		if (s->kind == SPAN_GAP)
			ad_buf_adds(b, "null");
		else
			ad_buf_add_int(b, gint(&rp->runs, s->run, "id"));
		ad_json_key(b, "losses", 0);
		ad_buf_adds(b, s->lossy ? "true" : "false");
		ad_buf_addc(b, '}');
	}
	ad_buf_adds(b, "],\n\"runs\":");
	json_grid(b, &rp->runs, (size_t)-1, rp->run_in, NULL);
	ad_buf_adds(b, ",\n\"integrity_findings\":");
	json_grid(b, &rp->integrity, (size_t)-1, NULL, NULL);
	ad_buf_adds(b, ",\n\"rules_in_force\":");
	json_grid(b, &rp->digest_rules, (size_t)-1, NULL, NULL);
	ad_buf_adds(b, ",\n\"per_day\":[");
	for (d = 0; d < rp->ndays; d++) {
		ad_buf_adds(b, d ? ",\n{" : "\n{");
		ad_json_member_str(b, "day", rp->days[d], 10);
		ad_buf_adds(b, ",\"findings\":{");
		for (k = 0; k < NSEV; k++)
			ad_json_member_int(b, sev_names[k],
			    (int64_t)rp->sev_day[k][d]);
		ad_buf_addc(b, '}');
		ad_json_member_int(b, "events_read", (int64_t)rp->read_day[d]);
		ad_json_member_int(b, "events_lost", (int64_t)rp->lost_day[d]);
		ad_buf_addc(b, '}');
	}
	ad_buf_adds(b, "],\n\"findings_by_rule\":");
	json_grid(b, &rp->by_rule, (size_t)-1, NULL, NULL);
	ad_buf_adds(b, ",\n\"findings_by_container\":");
	json_grid(b, &rp->by_ctr, (size_t)-1, NULL, NULL);
	ad_buf_adds(b, ",\n\"findings_listed\":");
	ad_buf_add_int(b, (int64_t)rp->findings.nrows);
	ad_buf_adds(b, ",\n\"findings\":");
	json_grid(b, &rp->findings, rp->limit, NULL, NULL);
	ad_buf_adds(b, ",\n\"comparisons\":");
	json_grid(b, &rp->cmps, (size_t)-1, NULL, "detail");
	ad_buf_adds(b, "}\n");
}

/* ---- the command -------------------------------------------------- */

static void
report_usage(FILE *f)
{
	fprintf(f,
	    "usage: audrift report [--db FILE] [--since WHEN] [--until WHEN]\n"
	    "                      [--format html|json|md] [--output FILE]\n"
	    "                      [--limit N] [--now WHEN]\n"
	    "  --db FILE         the findings database (default ./audrift.db "
	    "if it\n"
	    "                    exists, else " AD_STORE_DEFAULT_DB ")\n"
	    "  --since WHEN      start of the period (default: 30 days before "
	    "--until):\n"
	    "                    a UTC time 2026-11-01[T10[:00[:00]]][Z], or "
	    "N s/m/h/d/w\n"
	    "                    before now\n"
	    "  --until WHEN      end of the period, exclusive (default: now)\n"
	    "  --format F        html (default), json (docs/schema.md) or md\n"
	    "  --output FILE     write there (default: stdout)\n"
	    "  --limit N         findings listed in full (default %d; 0: "
	    "all); counts\n"
	    "                    always cover every finding\n"
	    "  --now WHEN        the report's time (default: the clock): for "
	    "reproducible\n"
	    "                    reports and tests\n"
	    "Monthly: audrift report --since 2026-11-01 --until 2026-12-01 "
	    "--output nov.html\n", REPORT_LIMIT);
}

static int
write_out(const char *path, const struct ad_buf *b)
{
	FILE *f = stdout;

	if (path != NULL && strcmp(path, "-") != 0 &&
	    (f = fopen(path, "w")) == NULL) {
		log_warn("report: cannot write %s; check the path", path);
		return -1;
	}
	if (fwrite(b->p, 1, b->len, f) != b->len ||
	    (f == stdout ? fflush(f) : fclose(f)) == EOF) {
		log_warn("report: writing %s", path ? path : "stdout");
		return -1;
	}
	return 0;
}

int
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'n' },
		{ "now", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *since = NULL, *until = NULL, *now = NULL, *out = NULL;
	enum fmt fmt = FMT_HTML;
	struct report rp;
	struct ad_buf b;
	long long limit = REPORT_LIMIT;
	sqlite3 *db;
	int ch, rc, i;

	memset(&rp, 0, sizeof(rp));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			rp.dbpath = optarg;
			break;
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'N':
			now = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'f':	/* in enum fmt's order */
			if ((i = ad_opt_word("report", "format", optarg,
			    (const char *const[]){ "html", "json", "md",
			    NULL })) < 0)
				return 2;
			fmt = (enum fmt)i;
			break;
		case 'n':
			if (ad_opt_count("report", "limit", optarg, &limit) != 0)
				return 2;
			break;
		case 'h':
			report_usage(stdout);
			return 0;
		default:
			report_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_warnx("report: unexpected argument '%s'; see audrift "
		    "report --help", argv[optind]);
		return 2;
	}
	rp.now = ad_now_ms();
	if (now != NULL && ad_parse_time(now, rp.now, &rp.now) != 0) {
		log_warnx("report: bad --now '%s': give a UTC time like "
		    "2026-12-01T00:00:00Z", now);
		return 2;
	}
	rp.until = rp.now;
	if (until != NULL && ad_parse_time(until, rp.now, &rp.until) != 0) {
		log_warnx("report: bad --until '%s': give a UTC time like "
		    "2026-12-01 or 2026-12-01T00:00:00Z, or 1d (ago)", until);
		return 2;
	}
	rp.since = rp.until - 30 * DAY_MS;
	if (since != NULL && ad_parse_time(since, rp.now, &rp.since) != 0) {
		log_warnx("report: bad --since '%s': give a UTC time like "
		    "2026-11-01 or 2026-11-01T00:00:00Z, or 30d (ago)", since);
		return 2;
	}
	if (rp.since >= rp.until) {
		log_warnx("report: the period is empty (--since is not before "
		    "--until): give a start before the end");
		return 2;
	}
	if (rp.until - rp.since > REPORT_DAYS_MAX * DAY_MS) {
		log_warnx("report: the period is longer than %d days: report "
		    "on a shorter one (a month, a quarter)", REPORT_DAYS_MAX);
		return 2;
	}
	rp.limit = limit ? (size_t)limit : (size_t)-1;
	ad_iso_ms(rp.since, rp.s_since, sizeof(rp.s_since));
	ad_iso_ms(rp.until, rp.s_until, sizeof(rp.s_until));
	ad_iso_ms(rp.now, rp.s_now, sizeof(rp.s_now));
	if (rp.dbpath == NULL)
		rp.dbpath = ad_store_default_path();
	if ((db = ad_store_db_open(rp.dbpath, 0, 0, "report")) == NULL)
		return 1;
	rc = report_load(&rp, db);
	sqlite3_close(db);
	if (rc != 0) {
		report_free(&rp);
		return 1;
	}
	ad_buf_init(&b);
	if (fmt == FMT_HTML)
		write_html(&rp, &b);
	else if (fmt == FMT_MD)
		write_md(&rp, &b);
	else
		write_json(&rp, &b);
	rc = write_out(out, &b) == 0 ? 0 : 1;
	ad_buf_free(&b);
	report_free(&rp);
	return rc;
}
