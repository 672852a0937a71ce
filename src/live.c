/*
 * live.c - `audrift run`: live capture in the foreground.
 *
 * Threads: a reader thread receives netlink records into a bounded queue
 * (source_netlink.c: full, it waits for the daemon source and drops,
 * counted, for multicast); this, the main thread, does everything else with
 * one poll() loop: the queue's eventfd, a signalfd (SIGTERM, SIGINT,
 * SIGHUP) and timers (sink ticks 100 ms, normalizer ageing 500 ms, kernel
 * status and loss 1 s).  The plugin source (auditd's stream on stdin) is
 * read here directly: auditd buffers for its plugins.
 *
 * Kernel state audrift changes (daemon source: audit pid, backlog limit,
 * enabled; every source: its own rules) is put back at exit; rules are
 * removed by their audrift- key only.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libaudit.h>

#include "commands.h"
#include "armer.h"
#include "discover.h"
#include "kernel_rules.h"
#include "live.h"
#include "log.h"
#include "netstate.h"
#include "normalize.h"
#include "pipeline.h"
#include "posture.h"
#include "replay.h"
#include "action.h"
#include "resolver.h"
#include "ruleset.h"
#include "store.h"
#include "store_pg.h"
#include "util.h"

enum src {
	SRC_AUTO,
	SRC_DAEMON,
	SRC_MULTICAST,
	SRC_PLUGIN
};

static const char *const src_names[] = {
	[SRC_AUTO] = "auto",
	[SRC_DAEMON] = "daemon",
	[SRC_MULTICAST] = "multicast",
	[SRC_PLUGIN] = "plugin",
};

#define TICK_MS		100	/* sinks */
#define AGE_MS		500	/* events whose EOE never came */
#define STATUS_MS	1000	/* kernel lost/backlog, enabled */
#define BATCH		4096	/* records per loop turn, then timers */
#define ERRORS_SHOWN	20
#define OPEN_MAX	64	/* events without EOE tracked */
#define GC_MS		60000	/* forget containers gone this long */
#define SCAN_MS		2000	/* /proc scan: the pid cache */
#define LATE_MAX	256	/* after-the-fact changes per container */
#define EXAMINE_TICK	16	/* unarmed containers examined per tick */
#define QUIET_MS	100	/* no record for this long: complete */
#define FEED_BYTES	(64 * 1024)	/* records gathered per libauparse feed */

/* An event the kernel has sent records of, but no EOE yet. */
struct open_ev {
	uint64_t serial;
	char stamp[32];		/* "SEC.MS" as in msg=audit(...) */
	int64_t last_ms;	/* monotonic: when its last record came */
};

/*
 * The kernel status (lost, backlog, enabled), read once a second on a
 * thread of its own with a control socket of its own.  Any netlink
 * request to audit puts the sending thread to sleep for up to
 * backlog_wait_time (60 s by default) when the kernel's queue is over
 * backlog_limit ("penalize the sender", kernel/audit.c audit_receive),
 * which a storm makes routine.  Asked from the main thread, that sleep
 * stopped the consumer itself: the reader's queue filled, the socket,
 * the kernel's retry queue, and a 100k-chmod storm took 63 s instead of
 * 1.3 (1 run in 6 here).  Asked from here, only the figures wait.
 */
struct kpoll {
	int fd;			/* audit_open(), this thread's own */
	pthread_t thread;
	int running, inited;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;		/* under mu */
	int ok;			/* st holds a reading; under mu */
	struct ad_kstatus st;	/* under mu */
};

struct live {
	struct ad_pipeline pipe;
	struct ad_norm *norm;
	struct ad_resolver *res;	/* pid -> container */
	struct ad_netstate *net;	/* bind -> listen, sockets' fds */
	struct ad_armer *arm;		/* containers' roots joined to the
					   anchor's tree as they mount */
	uint64_t filtered32;		/* b32 file events outside every
					   watched dir, dropped here */
	uint64_t late;			/* changes found after the fact */
	uint64_t late_known;		/* ... and reported by an earlier run */
	int stored_learned;		/* stopped containers looked for */
	struct ad_store_seen *seen;	/* the --db's findings, for those */
	struct ad_reader *preader;	/* plugin: line-checked stdin */
	struct ad_nl_reader *nlr;	/* netlink: reader thread */
	enum src src;
	const char *rules_dir;
	int insecure_rules;

	int ctl;			/* audit_open(): rules, setup */
	struct kpoll kp;		/* the status, read off this thread */
	int nlfd;			/* the netlink source, -1 none */
	struct ad_krule_plan plan;	/* derived from pipe.rs + extra */
	char *const *extra;		/* --watch-dir */
	int nextra;
	int manage_rules;		/* install and remove ours */
	long stall_ms;			/* AUDRIFT_TEST_STALL_MS: the main
					   thread sleeps once, after the
					   turn that made the first finding */
	int recorded;			/* AUDRIFT_TEST_RECORDS: a file, and
					   its end stops the run */
	int locked;			/* enabled 2 at start */

	struct ad_kstatus start;	/* as found */
	int set_backlog, set_enabled, registered;

	uint64_t kernel_lost_base;	/* kernel `lost` at start */
	uint64_t kernel_lost;		/* since start */
	uint64_t lost_reported;		/* total reported in findings */
	uint64_t enobufs, overflow, nl_records;
	int64_t armed_ms;		/* wall ms: our own setup is done */
	int tamper;			/* a tamper seen this turn */
	char tamper_why[256];
	uint64_t norm_errors;
	struct open_ev open[OPEN_MAX];
	int nopen;
	struct ad_buf eoe;		/* a synthetic EOE line */
	struct ad_buf feed;		/* records of this loop turn, fed to
					   libauparse at once */
	uint64_t pt_serial;		/* the last record was this event's
					   PROCTITLE (0: it was not) */
};

/* --- findings audrift makes itself --------------------------------------- */

static void
synthetic(struct live *lv, const char *rule, const char *severity,
    const char *msg)
{
	static const char *const tags[] = { "audrift", "integrity" };
	struct ad_event ev;
	struct ad_finding f;
	int64_t now = ad_now_ms();

	ad_event_synthetic(&ev, now);
	memset(&f, 0, sizeof(f));
	f.rule = rule;
	f.severity = severity;
	f.tags = tags;
	f.ntags = 2;
	f.message = msg;
	f.message_len = strlen(msg);
	f.ev = &ev;
	ad_pipeline_finding(&lv->pipe, &f);
	log_warnx("%s: %s", rule, msg);
}

/* --- events in ------------------------------------------------------------ */

/* Each container first seen (at its start, or at audrift's for one
 * already running) is judged once: a container_start event through the
 * rules (issue 15, posture.h). */
static void
container_starts(struct live *lv)
{
	const struct ad_container *c;
	char flags[512];

	while (lv->res != NULL &&
	    (c = ad_resolver_next_start(lv->res)) != NULL) {
		ad_posture_flags(c->posture, flags, sizeof(flags));
		log_info("container %.12s (%s): judged at start: %s", c->id,
		    c->name ? c->name : "?", flags);
		ad_pipeline_container_start(&lv->pipe, c, ad_now_ms());
	}
}

static void
live_event(void *arg, struct ad_event *ev)
{
	struct live *lv = arg;

	const struct ad_item *f;

	if (lv->res != NULL) {
		ad_resolve_event(lv->res, ev);
		container_starts(lv);	/* before its first event */
	}
	ad_netstate_event(lv->net, ev);
	/* the b32 file rules name no dir (kernel_rules.h): keep what the
	 * per-dir b64 rules would have seen, and all of a container's */
	if (ev->container == NULL && ev->key.s != NULL &&
	    strcmp(ev->key.s, AD_KEY_FILE32) == 0 &&
	    !((f = ad_event_file(ev)) != NULL && f->path.s != NULL &&
	    ad_krules_covers(&lv->plan, f->path.s, f->path.len)) &&
	    !((f = ad_event_file2(ev)) != NULL && f->path.s != NULL &&
	    ad_krules_covers(&lv->plan, f->path.s, f->path.len))) {
		lv->filtered32++;
		return;
	}
	ad_pipeline_event(&lv->pipe, ev);
}

static void
live_error(void *arg, uint64_t serial, const char *msg)
{
	struct live *lv = arg;

	lv->pipe.stats.malformed++;
	if (lv->preader != NULL) {
		ad_reader_event_error(lv->preader, serial, msg);
		return;
	}
	if (lv->norm_errors++ < ERRORS_SHOWN)
		log_warnx("event %llu: %s; the field is left unset",
		    (unsigned long long)serial, msg);
}

/* A record's "msg=audit(", NULL if none: right after its type, where
 * the netlink source and auditd put it, else anywhere (strstr over
 * every record was 3% of the main thread in a storm). */
static const char *
msg_stamp(const char *line)
{
	const char *p;

	if (strncmp(line, "type=", 5) == 0 &&
	    (p = strchr(line + 5, ' ')) != NULL &&
	    strncmp(p + 1, "msg=audit(", 10) == 0)
		return p + 1;
	return strstr(line, "msg=audit(");
}

/* Wall-clock ms of a record's msg=audit(SEC.MS:...), or -1. */
static int64_t
record_ms(const char *line)
{
	const char *p = msg_stamp(line);
	char *end;
	long long sec;
	long ms;

	if (p == NULL)
		return -1;
	sec = strtoll(p + 10, &end, 10);
	if (*end != '.')
		return -1;
	ms = strtol(end + 1, NULL, 10);
	return (int64_t)sec * 1000 + ms;
}

/*
 * A CONFIG_CHANGE that removes one of our rules, or turns auditing off,
 * after our setup: tampering.  audrift itself removes rules only at exit
 * (after the last record is read) and stale ones before it starts
 * listening, so every such record after armed_ms is someone else's.
 */
static void
check_config_change(struct live *lv, const char *line)
{
	const char *why = NULL;

	if (strstr(line, " op=remove_rule") != NULL &&
	    strstr(line, " key=\"" AD_KEY_PREFIX) != NULL)
		why = "an audrift kernel rule was removed";
	else if (strstr(line, "audit_enabled=0 ") != NULL &&
	    strstr(line, " res=1") != NULL)
		why = "auditing was disabled (enabled 0)";
	if (why == NULL || record_ms(line) < lv->armed_ms)
		return;
	if (!lv->tamper)
		snprintf(lv->tamper_why, sizeof(lv->tamper_why), "%s", why);
	lv->tamper = 1;
}

/*
 * The plugin stream gets the same tamper check as netlink: auditd passes
 * CONFIG_CHANGE records on (ENRICHED or RAW: the raw fields come first).
 * part holds an incomplete last line between reads.
 */
static void
plugin_config_changes(struct live *lv, struct ad_buf *part, const char *p,
    size_t len)
{
	const char *nl;
	size_t n;

	while (len > 0) {
		nl = memchr(p, '\n', len);
		n = nl ? (size_t)(nl - p) : len;
		if (part->len < 8192)	/* a CONFIG_CHANGE line is short */
			ad_buf_add(part, p, n);
		if (nl == NULL)
			return;
		if (strncmp(part->p ? part->p : "", "type=CONFIG_CHANGE ",
		    19) == 0)
			check_config_change(lv, part->p);
		ad_buf_reset(part);
		p += n + 1;
		len -= n + 1;
	}
}

/*
 * Records the kernel sends outside a syscall's context (CONFIG_CHANGE from
 * a netlink request, AVCs of kernel threads, ...) never get an EOE, and
 * libauparse hands out events in order: one such record held every later
 * event back until its 2 s ageing.  The kernel emits all records of an
 * event at once, so an event without EOE that got no record for QUIET_MS
 * is complete: feed its EOE.  Types libauparse completes by itself (user
 * messages below 1300, AUDIT_KERNEL and up, PROCTITLE) are not tracked.
 */
static void feed_flush(struct live *lv);

static void
open_feed_eoe(struct live *lv, int i)
{
	feed_flush(lv);
	ad_buf_reset(&lv->eoe);
	ad_buf_printf(&lv->eoe, "type=EOE msg=audit(%s:%llu): \n",
	    lv->open[i].stamp, (unsigned long long)lv->open[i].serial);
	ad_norm_feed(lv->norm, lv->eoe.p, lv->eoe.len);
	lv->open[i] = lv->open[--lv->nopen];
}

/* A record's msg=audit(SEC.MS:SERIAL): the serial (0: none) and the
 * SEC.MS stamp, at *stamp for *n bytes. */
static uint64_t
record_serial(const char *line, const char **stamp, size_t *n)
{
	const char *p = msg_stamp(line), *colon;
	size_t used;

	if (p == NULL || (colon = strchr(p, ':')) == NULL)
		return 0;
	*stamp = p + strlen("msg=audit(");
	*n = (size_t)(colon - *stamp);
	/* (strtoull was a fifth of this file's own instructions) */
	return ad_dec_u64(colon + 1, SIZE_MAX, &used);
}

static void
open_track(struct live *lv, int type, uint64_t serial, const char *stamp,
    size_t n)
{
	int i;

	for (i = 0; i < lv->nopen; i++)
		if (lv->open[i].serial == serial)
			break;
	if (type == AUDIT_EOE || type == AUDIT_PROCTITLE) {
		if (i < lv->nopen)
			lv->open[i] = lv->open[--lv->nopen];
		return;
	}
	if (type < AUDIT_FIRST_EVENT || type >= AUDIT_KERNEL)
		return;
	if (i == lv->nopen) {
		if (lv->nopen == OPEN_MAX)
			open_feed_eoe(lv, 0);	/* oldest-ish: let it go */
		i = lv->nopen++;
		lv->open[i].serial = serial;
		if (n >= sizeof(lv->open[i].stamp))
			n = sizeof(lv->open[i].stamp) - 1;
		memcpy(lv->open[i].stamp, stamp, n);
		lv->open[i].stamp[n] = '\0';
	}
	lv->open[i].last_ms = ad_store_now_ms();
}

/* Close the events quiet for QUIET_MS, and hand out what that completed
 * (libauparse holds the last event a feed completes until the next feed:
 * here, the 500 ms ageing, seen as the first finding after start coming
 * 730 ms late, behind audrift's own CONFIG_CHANGE records). */
static void
open_expire(struct live *lv, int64_t now)
{
	int i = 0, fed = 0;

	while (i < lv->nopen)
		if (now - lv->open[i].last_ms >= QUIET_MS) {
			open_feed_eoe(lv, i);
			fed = 1;
		} else
			i++;
	if (fed)
		ad_norm_release(lv->norm);
}

/* The records gathered this turn to libauparse: one feed call for many
 * records (each call walks libauparse's event table; per record, that
 * was a fifth of the main thread's time in a storm). */
static void
feed_flush(struct live *lv)
{
	if (lv->feed.len == 0)
		return;
	ad_norm_feed(lv->norm, lv->feed.p, lv->feed.len);
	ad_buf_reset(&lv->feed);
}

static void
netlink_line(struct live *lv, int type, struct ad_buf *line)
{
	const char *stamp = NULL;
	uint64_t serial;
	size_t n = 0;

	lv->pipe.stats.records_read++;
	if (type == AUDIT_CONFIG_CHANGE)
		check_config_change(lv, line->p);
	if ((serial = record_serial(line->p, &stamp, &n)) == 0)
		stamp = NULL;
	/* The kernel ends a syscall's records with PROCTITLE, then EOE.
	 * libauparse completes the event at the PROCTITLE and would parse
	 * the EOE only to drop it: a fifth of a file event's records. */
	if (type == AUDIT_EOE && serial != 0 && serial == lv->pt_serial) {
		lv->pt_serial = 0;
		return;
	}
	lv->pt_serial = type == AUDIT_PROCTITLE ? serial : 0;
	ad_buf_add(&lv->feed, line->p, line->len);
	if (lv->feed.len >= FEED_BYTES)
		feed_flush(lv);
	if (stamp != NULL)
		open_track(lv, type, serial, stamp, n);
}

/* --- kernel state ---------------------------------------------------------- */

static void
reinstall(struct live *lv)
{
	char msg[512];
	int n;

	if (lv->manage_rules && !lv->locked) {
		n = ad_krules_install(lv->ctl, &lv->plan);
		/* a re-added anchor rule is a new tree: join every root */
		ad_armer_rejoin(lv->arm);
		snprintf(msg, sizeof(msg), "audit configuration tampered "
		    "with: %s; audrift reinstalled its kernel rules "
		    "(%d of %d in place)", lv->tamper_why, n, lv->plan.n);
	} else
		snprintf(msg, sizeof(msg), "audit configuration tampered "
		    "with: %s", lv->tamper_why);
	if (lv->src == SRC_DAEMON && !lv->locked &&
	    audit_set_enabled(lv->ctl, 1) <= 0)
		log_warn("cannot re-enable auditing");
	synthetic(lv, "audit_rules_tampered", "critical", msg);
	lv->tamper = 0;
}

static void *
kpoll_main(void *arg)
{
	struct kpoll *kp = arg;
	struct ad_kstatus st;
	struct timespec ts;
	int ok;

	pthread_mutex_lock(&kp->mu);
	while (!kp->stop) {
		pthread_mutex_unlock(&kp->mu);
		ok = ad_kstatus_get(kp->fd, &st) == 0;
		pthread_mutex_lock(&kp->mu);
		if (ok) {
			kp->st = st;
			kp->ok = 1;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += STATUS_MS / 1000;
		while (!kp->stop && pthread_cond_timedwait(&kp->cv, &kp->mu,
		    &ts) == 0)
			;
	}
	pthread_mutex_unlock(&kp->mu);
	return NULL;
}

/* Start reading the status off the main thread (the first reading comes
 * at once).  Without a socket or a thread there is no reading, and
 * status_poll goes without.  Signals must be blocked already (they are,
 * in cmd_run). */
static void
kpoll_start(struct kpoll *kp)
{
	pthread_mutex_init(&kp->mu, NULL);
	pthread_cond_init(&kp->cv, NULL);
	kp->inited = 1;
	if ((kp->fd = audit_open()) < 0) {
		log_warn("cannot open a second audit control socket: the "
		    "kernel's lost count is not followed");
		return;
	}
	if ((errno = pthread_create(&kp->thread, NULL, kpoll_main, kp))
	    != 0) {
		log_warn("cannot start the status thread: the kernel's lost "
		    "count is not followed");
		return;
	}
	kp->running = 1;
}

/* The latest reading; 0, or -1 when there is none. */
static int
kpoll_get(struct kpoll *kp, struct ad_kstatus *st)
{
	int ok;

	if (!kp->running)
		return -1;
	pthread_mutex_lock(&kp->mu);
	ok = kp->ok;
	*st = kp->st;
	pthread_mutex_unlock(&kp->mu);
	return ok ? 0 : -1;
}

/* Stop and join the thread (it may finish a kernel wait first); safe
 * whether or not kpoll_start ran (fd -1 before it). */
static void
kpoll_stop(struct kpoll *kp)
{
	if (kp->running) {
		pthread_mutex_lock(&kp->mu);
		kp->stop = 1;
		pthread_cond_signal(&kp->cv);
		pthread_mutex_unlock(&kp->mu);
		pthread_join(kp->thread, NULL);
		kp->running = 0;
	}
	if (kp->inited) {
		pthread_cond_destroy(&kp->cv);
		pthread_mutex_destroy(&kp->mu);
		kp->inited = 0;
	}
	if (kp->fd >= 0)
		audit_close(kp->fd);
	kp->fd = -1;
}

/* Once a second: loss (kernel, multicast ENOBUFS, queue overflow) and
 * whether auditing was turned off under us. */
static void
status_poll(struct live *lv)
{
	struct ad_kstatus st;
	uint64_t total, records, newl;
	char msg[512];

	if (lv->nlr != NULL)
		ad_nl_reader_counts(lv->nlr, &records, &lv->enobufs,
		    &lv->overflow, NULL);
	if (lv->ctl >= 0 && kpoll_get(&lv->kp, &st) == 0) {
		if (st.lost < lv->kernel_lost_base)	/* reset by someone */
			lv->kernel_lost_base = st.lost;
		lv->kernel_lost = st.lost - lv->kernel_lost_base;
		if (lv->src == SRC_DAEMON && !lv->locked && st.enabled == 0 &&
		    !lv->tamper) {
			snprintf(lv->tamper_why, sizeof(lv->tamper_why),
			    "auditing was disabled (enabled 0)");
			lv->tamper = 1;
		}
	} else
		st.backlog = st.backlog_limit = 0;
	total = lv->kernel_lost + lv->enobufs + lv->overflow;
	lv->pipe.stats.events_lost = total;
	if (total > lv->lost_reported) {
		newl = total - lv->lost_reported;
		snprintf(msg, sizeof(msg), "%llu audit records lost (kernel "
		    "lost %llu, multicast ENOBUFS %llu, queue overflow %llu "
		    "since start; backlog %u of %u): raise --backlog or "
		    "--queue, or find what floods the audit channel",
		    (unsigned long long)newl,
		    (unsigned long long)lv->kernel_lost,
		    (unsigned long long)lv->enobufs,
		    (unsigned long long)lv->overflow, st.backlog,
		    st.backlog_limit);
		lv->lost_reported = total;
		synthetic(lv, "audit_events_lost", "high", msg);
	}
	if (lv->tamper)
		reinstall(lv);
}

/* Put the kernel back as found: our rules out, status restored, pid
 * released.  Safe to call after a partial setup. */
static void
kernel_restore(struct live *lv)
{
	int n;

	if (lv->ctl < 0)
		return;
	if (lv->manage_rules && !lv->locked) {
		n = ad_krules_remove_ours(lv->ctl);
		if (n > 0)
			log_info("removed %d audrift kernel rule(s)", n);
	}
	if (lv->set_enabled &&
	    audit_set_enabled(lv->ctl, lv->start.enabled) <= 0)
		log_warn("cannot restore enabled %u; run auditctl -e %u",
		    lv->start.enabled, lv->start.enabled);
	if (lv->set_backlog &&
	    audit_set_backlog_limit(lv->ctl, lv->start.backlog_limit) <= 0)
		log_warn("cannot restore backlog_limit %u; run auditctl -b %u",
		    lv->start.backlog_limit, lv->start.backlog_limit);
	if (lv->registered && audit_set_pid(lv->ctl, 0, WAIT_YES) <= 0)
		log_warn("cannot release the audit pid");
	lv->set_enabled = lv->set_backlog = lv->registered = 0;
}

static enum src
pick_source(const struct live *lv, int have_status)
{
	struct stat st;

	if (!isatty(STDIN_FILENO) && fstat(STDIN_FILENO, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		log_info("source auto: stdin is a pipe or socket: reading "
		    "auditd's plugin stream (plugin)");
		return SRC_PLUGIN;
	}
	if (have_status && lv->start.pid != 0) {
		log_info("source auto: an audit daemon is registered (pid "
		    "%u): reading beside it (multicast)", lv->start.pid);
		return SRC_MULTICAST;
	}
	log_info("source auto: no audit daemon registered: audrift "
	    "registers itself (daemon)");
	return SRC_DAEMON;
}

/* Report which planned rules a locked kernel lacks. */
static void
report_locked(struct live *lv)
{
	int *present, missing, i;

	log_warnx("the kernel audit configuration is locked (enabled 2): "
	    "audrift cannot add or remove rules until reboot and runs with "
	    "the rules in place");
	if (!lv->manage_rules)
		return;
	present = xcalloc((size_t)lv->plan.n + 1, sizeof(*present));
	missing = ad_krules_check(lv->ctl, &lv->plan, present);
	if (missing > 0) {
		log_warnx("%d of %d audrift rules are missing from the locked "
		    "set; events they would catch go unseen:", missing,
		    lv->plan.n);
		for (i = 0; i < lv->plan.n; i++)
			if (!present[i]) {
				fprintf(stderr, "audrift:   missing: ");
				ad_krule_print(&lv->plan.rules[i], stderr);
				fputc('\n', stderr);
			}
		log_warnx("for the next boot: audrift rules > "
		    "/etc/audit/rules.d/50-audrift.rules");
	} else if (missing == 0)
		log_info("all %d audrift rules are in the locked set",
		    lv->plan.n);
	free(present);
}

/*
 * The anchor of the container rules (kernel_rules.h): an empty directory
 * of audrift's own, on a filesystem that stays mounted.  0 ok, -1 logged.
 */
static int
anchor_make(const char *dir)
{
	char parent[PATH_MAX], *slash;
	struct stat st;

	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
			log_warn("cannot make %s for the container rules' "
			    "anchor; containers are not covered", parent);
			return -1;
		}
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_warn("cannot make %s, the container rules' anchor; "
		    "containers are not covered", dir);
		return -1;
	}
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0) {
		log_warnx("%s, the container rules' anchor, is not a directory "
		    "owned by root; remove it and restart audrift", dir);
		return -1;
	}
	return 0;
}

/* Set up the kernel side for the chosen source.  0 ok, -1 logged. */
static int
kernel_setup(struct live *lv, uint32_t backlog)
{
	int n;

	if (lv->locked)
		report_locked(lv);
	else if (lv->manage_rules && lv->ctl >= 0) {
		/* before listening: their removal is not tampering */
		n = ad_krules_remove_ours(lv->ctl);
		if (n > 0)
			log_warnx("removed %d stale audrift kernel rule(s): a "
			    "previous run did not exit cleanly", n);
	}
	if (lv->src == SRC_DAEMON) {
		if ((lv->nlfd = ad_nl_open_daemon()) < 0) {
			if (errno == EEXIST)
				log_warnx("another audit daemon is registered; "
				    "use --source multicast (beside it) or "
				    "plugin (under auditd)");
			else
				log_warn("cannot register as the audit daemon "
				    "(needs CAP_AUDIT_CONTROL)");
			return -1;
		}
		lv->registered = 1;
		if (!lv->locked && backlog != lv->start.backlog_limit) {
			if (audit_set_backlog_limit(lv->ctl, backlog) <= 0)
				log_warn("cannot set backlog_limit %u",
				    backlog);
			else
				lv->set_backlog = 1;
		}
	} else if (lv->src == SRC_MULTICAST) {
		if ((lv->nlfd = ad_nl_open_multicast()) < 0)
			return -1;
	}
	if (lv->src != SRC_PLUGIN && !lv->locked && lv->start.enabled == 0) {
		if (audit_set_enabled(lv->ctl, 1) <= 0) {
			log_warn("cannot enable auditing");
			return -1;
		}
		lv->set_enabled = 1;
	}
	if (lv->manage_rules && !lv->locked && lv->ctl >= 0) {
		if (lv->plan.anchor != NULL && anchor_make(lv->plan.anchor) != 0)
			lv->plan.anchor = NULL;
		n = ad_krules_install(lv->ctl, &lv->plan);
		log_info("%d of %d kernel rules installed", n, lv->plan.n);
	}
	lv->armed_ms = ad_now_ms();
	return 0;
}

/*
 * Containers: a /proc scan every SCAN_MS fills the pid cache (a process
 * that exits before its event is read is still attributed).  Coverage
 * needs no scan: the armer joins each root overlay as it is mounted.
 */
static void
containers_poll(struct live *lv, int64_t now, int64_t *next_scan)
{
	if (lv->res == NULL || now < *next_scan)
		return;
	ad_resolver_scan(lv->res);
	*next_scan = now + SCAN_MS;
}

/* One change found after the fact (discover.h): an event with no
 * syscall, through the rules like any other. */
struct late_ctx {
	struct live *lv;
	const struct ad_container *c;
	int known;		/* reported by an earlier run: not again */
};

static void
late_change(void *arg, const char *path, const struct stat *st,
    enum ad_op op)
{
	struct late_ctx *lc = arg;
	struct ad_event ev;
	int64_t now = ad_now_ms();
	const char *slash = strrchr(path, '/');

	if (ad_store_seen(lc->lv->seen, lc->c->id, path, ad_op_name(op), st)) {
		lc->known++;
		lc->lv->late_known++;
		return;
	}
	ad_event_synthetic(&ev, now);
	ev.op = op;
	ev.nitems = 2;
	ev.items[0].index = 0;
	ev.items[0].name.s = ev.items[0].path.s = xstrndup(path,
	    (size_t)(slash - path + 1));
	ev.items[0].name.len = ev.items[0].path.len = (size_t)(slash -
	    path + 1);
	ev.items[0].nametype = AD_NT_PARENT;
	ev.items[1].index = 1;
	ev.items[1].name.s = ev.items[1].path.s = path;
	ev.items[1].name.len = ev.items[1].path.len = strlen(path);
	ev.items[1].nametype = op == AD_OP_UNLINK ? AD_NT_DELETE :
	    op == AD_OP_CREATE ? AD_NT_CREATE : AD_NT_NORMAL;
	ev.items[1].inode = st->st_ino;
	ev.items[1].has_inode = op != AD_OP_UNLINK;
	ev.items[1].mode = st->st_mode;
	ev.items[1].ouid = st->st_uid;
	ev.items[1].ogid = st->st_gid;
	ev.file_idx = 1;
	ev.container = lc->c;
	ev.attribution = AD_ATTR_LATE;
	ev.file_upper_layer = op == AD_OP_UNLINK ? -1 : 1;
	lc->lv->late++;
	ad_pipeline_event(&lc->lv->pipe, &ev);
	free((char *)ev.items[0].name.s);
}

/* Report what c's upper layer changed in the watched dirs before
 * since_ms (0: all of it) as after_the_fact events. */
static void
examine(struct live *lv, const struct ad_container *c, int64_t since_ms)
{
	struct late_ctx lc;
	int found;

	lc.lv = lv;
	lc.c = c;
	lc.known = 0;
	found = ad_discover_upper(c, lv->plan.watch, lv->plan.nwatch,
	    since_ms, LATE_MAX, late_change, &lc);
	if (found > lc.known)
		log_info("container %.12s: %d change(s) in its upper layer made "
		    "before audrift covered it (reported as after_the_fact)",
		    c->id, found - lc.known);
	if (lc.known > 0)
		log_info("container %.12s: %d change(s) in its upper layer "
		    "reported before, by an earlier run (not again)", c->id,
		    lc.known);
}

/* What the armer saw: the resolver learns each root overlay from the
 * host's table, and a container's upper layer is examined for what it
 * changed before it was covered. */
static void
arm_notices(struct live *lv)
{
	struct ad_arm_notice *v;
	const struct ad_container *c;
	size_t i, n = ad_armer_take(lv->arm, &v);

	for (i = 0; i < n && lv->res != NULL; i++) {
		if (v[i].kind == AD_ARM_UNMOUNTED) {
			if ((c = ad_resolver_unmount(lv->res, v[i].m.major,
			    v[i].m.minor, v[i].seen_ms)) != NULL)
				log_debug("container %.12s: root overlay "
				    "unmounted", c->id);
			continue;
		}
		if ((c = ad_resolver_mount(lv->res, &v[i].m,
		    v[i].seen_ms)) == NULL)
			continue;
		if (v[i].err == 0 && v[i].armed_ms == 0) {
			/* the armer joins nothing here (a locked host, no
			 * rules of audrift's, or the test seam that leaves it
			 * to `audrift hook`) */
			log_info("container %.12s (%s, %s) seen, not joined by "
			    "audrift: root %s", c->id, c->name ? c->name : "?",
			    c->runtime ? c->runtime : "?", v[i].m.point);
			ad_resolver_examined(lv->res, c);
			examine(lv, c, 0);
			continue;
		}
		if (v[i].err != 0) {
			log_warnx("container %.12s (%s): its root %s could not "
			    "be joined to the audit tree (%s): its writes go "
			    "unseen; see audrift(8), CONTAINERS", c->id,
			    c->name ? c->name : "?", v[i].m.point,
			    strerror(v[i].err));
			continue;
		}
		log_info("container %.12s (%s, %s) armed: root %s", c->id,
		    c->name ? c->name : "?", c->runtime ? c->runtime : "?",
		    v[i].m.point);
		ad_resolver_examined(lv->res, c);
		examine(lv, c, v[i].armed_ms);
	}
	ad_armer_notices_free(v, n);
}

/* Containers learned without their mount (exec records, /proc): their
 * upper layer, whole, once. */
static void
examine_unarmed(struct live *lv)
{
	const struct ad_container *c;
	int n;

	/* a few per tick: a start may find thousands stopped, and events
	 * wait while this thread reads their layers */
	for (n = 0; n < EXAMINE_TICK && lv->res != NULL &&
	    (c = ad_resolver_take_unexamined(lv->res)) != NULL; n++)
		examine(lv, c, 0);
}

/* Once, at the first tick (the first /proc scan and mount notices are
 * in): the containers the runtimes' state knows and nothing running
 * showed, stopped ones, whose upper layers are examined like any other:
 * what one changed while audrift was not running is reported. */
static void
learn_stored(struct live *lv)
{
	size_t n;

	if (lv->stored_learned || lv->res == NULL)
		return;
	lv->stored_learned = 1;
	if ((n = ad_resolver_learn_stored(lv->res)) > 0)
		log_info("%zu container(s) not running found in the runtimes' "
		    "state: their upper layers are examined", n);
}

/* SIGHUP: a new ruleset and the kernel rules derived from it, or the
 * old ones kept. */
static void
reload(struct live *lv)
{
	struct ad_ruleset *rs;
	struct ad_krule_plan plan;
	int files, rules, lists, macros, n, removed;

	ad_sink_reopen_all(lv->pipe.sinks);	/* logrotate */
	rs = ad_ruleset_load(lv->rules_dir, NULL, 0, lv->insecure_rules,
	    stderr);
	if (rs == NULL) {
		log_warnx("SIGHUP: the rules in %s did not load (errors "
		    "above); the running rules stay in force",
		    lv->rules_dir);
		return;
	}
	if (ad_krules_plan_rules(&plan, rs, lv->extra, lv->nextra) != 0) {
		log_warnx("SIGHUP: the kernel rules for %s cannot be built "
		    "(above); the running rules stay in force",
		    lv->rules_dir);
		ad_krules_plan_free(&plan);
		ad_ruleset_free(rs);
		return;
	}
	if (lv->manage_rules && !lv->locked && lv->ctl >= 0) {
		n = ad_krules_update(lv->ctl, &lv->plan, &plan, &removed);
		/* our own removals are not tampering */
		lv->armed_ms = ad_now_ms() + 1;
		log_info("SIGHUP: kernel rules: %d removed, %d of %d in "
		    "place", removed, n, plan.n);
	}
	ad_krules_plan_free(&lv->plan);
	lv->plan = plan;
	/* the anchor's rules may be new ones: a new tree to join */
	ad_armer_rejoin(lv->arm);
	ad_ruleset_free(lv->pipe.rs);
	lv->pipe.rs = rs;
	lv->pipe.stats.rules_digest = ad_ruleset_digest(rs);
	ad_ruleset_counts(rs, &files, &rules, &lists, &macros);
	log_info("SIGHUP: reloaded %s: %d rules from %d files",
	    lv->rules_dir, rules, files);
}

/* --- the loop ---------------------------------------------------------- */

/* The test seam AUDRIFT_TEST_STALL_MS: the main thread busy elsewhere
 * (a checkpoint, a reload) while records arrive, once. */
static void
test_stall(struct live *lv)
{
	struct timespec ts;

	log_info("test: the main thread stalls for %ld ms", lv->stall_ms);
	ts.tv_sec = lv->stall_ms / 1000;
	ts.tv_nsec = (lv->stall_ms % 1000) * 1000000L;
	lv->stall_ms = 0;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int
loop(struct live *lv, int sfd)
{
	static char buf[256 * 1024];
	struct pollfd pfd[4];
	struct signalfd_siginfo si;
	struct ad_buf line;
	int64_t now, next_tick, next_age, next_status, next_gc, next_scan;
	int type, i, n, queued, stop = 0;
	ssize_t r;

	ad_buf_init(&line);
	ad_buf_init(&lv->eoe);
	ad_buf_init(&lv->feed);
	pfd[0].fd = sfd;
	pfd[0].events = POLLIN;
	pfd[1].fd = lv->src == SRC_PLUGIN ? STDIN_FILENO :
	    ad_nl_reader_fd(lv->nlr);
	pfd[1].events = POLLIN;
	pfd[2].fd = lv->arm != NULL ? ad_armer_fd(lv->arm) : -1;
	pfd[2].events = POLLIN;
	pfd[3].fd = -1;		/* the socket, while this thread reads it */
	pfd[3].events = POLLIN;
	now = ad_store_now_ms();
	next_tick = now + TICK_MS;
	next_age = now + AGE_MS;
	next_status = now + STATUS_MS;
	next_gc = now + GC_MS;
	next_scan = now + SCAN_MS;
	while (!stop) {
		queued = 0;
		if (lv->nlr != NULL) {
			pfd[3].fd = ad_nl_reader_sock(lv->nlr);
			queued = ad_nl_reader_queued(lv->nlr);
		}
		n = poll(pfd, 4, queued ? 0 : TICK_MS);
		if (n < 0 && errno != EINTR) {
			log_warn("poll");
			break;
		}
		if (n > 0 && (pfd[0].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGHUP)
				reload(lv);
			else {
				log_info("signal %u: stopping", si.ssi_signo);
				stop = 1;
			}
		}
		if (n > 0 && lv->src == SRC_PLUGIN && pfd[1].revents) {
			r = read(STDIN_FILENO, buf, sizeof(buf));
			if (r > 0) {
				plugin_config_changes(lv, &line, buf,
				    (size_t)r);
				ad_reader_input(lv->preader, buf, (size_t)r);
			} else if (r == 0 || (errno != EINTR &&
			    errno != EAGAIN)) {
				log_info("end of the plugin stream: stopping");
				stop = 1;
			}
		} else if (queued || (n > 0 && (pfd[1].revents ||
		    pfd[3].revents))) {
			if (n > 0 && pfd[3].revents)
				ad_nl_reader_readable(lv->nlr);
			for (i = 0; i < BATCH &&
			    ad_nl_reader_pop(lv->nlr, &type, &line); i++)
				netlink_line(lv, type, &line);
			feed_flush(lv);
			if (lv->recorded && ad_nl_reader_done(lv->nlr))
				stop = 1;
			/* what the last record completed, out now, and
			 * the sinks told, so that a quiet host's finding
			 * does not wait for the next timer tick */
			if (i > 0) {
				ad_norm_release(lv->norm);
				ad_pipeline_tick(&lv->pipe,
				    ad_store_now_ms());
			}
			if (lv->stall_ms > 0 && lv->pipe.stats.findings > 0)
				test_stall(lv);
		}
		if (n > 0 && (pfd[2].revents & POLLIN))
			arm_notices(lv);
		if (lv->tamper)
			reinstall(lv);
		now = ad_store_now_ms();
		if (lv->nopen > 0)
			open_expire(lv, now);
		if (now >= next_tick) {
			learn_stored(lv);
			examine_unarmed(lv);
			ad_pipeline_tick(&lv->pipe, now);
			next_tick = now + TICK_MS;
		}
		if (now >= next_age) {
			ad_norm_age(lv->norm);
			next_age = now + AGE_MS;
		}
		if (now >= next_status) {
			status_poll(lv);
			next_status = now + STATUS_MS;
		}
		if (now >= next_gc && lv->res != NULL) {
			/* between events: no event holds a container now */
			ad_resolver_gc(lv->res, ad_now_ms() - GC_MS);
			next_gc = now + GC_MS;
		}
		containers_poll(lv, now, &next_scan);
		container_starts(lv);
	}
	/* what the reader queued before the signal is still ours */
	if (lv->nlr != NULL) {
		ad_nl_reader_stop(lv->nlr);
		while (ad_nl_reader_pop(lv->nlr, &type, &line))
			netlink_line(lv, type, &line);
		feed_flush(lv);
	}
	if (lv->preader != NULL)
		ad_reader_eof(lv->preader);
	else
		ad_norm_flush(lv->norm);
	status_poll(lv);
	ad_buf_free(&line);
	ad_buf_free(&lv->eoe);
	ad_buf_free(&lv->feed);
	return 0;
}

static void
run_usage(FILE *f)
{
	fprintf(f,
"usage: audrift run [options]\n"
"Live capture in the foreground: read kernel audit events, evaluate the\n"
"rules, write findings.  SIGHUP reloads the rules; SIGTERM/SIGINT stop,\n"
"removing audrift's kernel rules and restoring the audit status.\n"
"\n"
"  -r, --rules DIR        rules directory (default: ./rules.d if present,\n"
"                         else " SYSCONFDIR "/audrift/rules.d)\n"
"  -d, --db FILE          findings database (default " AD_STORE_DEFAULT_DB
"\n"
"                         unless --json is given)\n"
"  -j, --json FILE|-      findings as JSON lines (- = stdout)\n"
"      --forward URI      send the --db's findings to PostgreSQL too\n"
"  -s, --source SRC       auto (default), daemon, multicast or plugin\n"
"  -n, --no-kernel-rules  do not install (or remove) kernel rules\n"
"  -b, --backlog N        kernel backlog limit, daemon source (8192)\n"
"  -w, --watch-dir DIR    watch DIR too, beside the dirs the rules name\n"
"                         (repeatable; see audrift rules)\n"
"  -q, --queue N          records queued between reader and rules (%d);\n"
"                         when full, daemon waits, multicast drops\n"
"      --insecure-rules   accept rule files not owned by root (tests)\n"
"      --insecure-db      accept a database in a world-writable place (tests)\n"
"      --enforce          carry out the rules' actions (default: record what\n"
"                         would be done); --disarm N: a rule stops acting\n"
"                         past N containers a minute (5)\n"
"  -h, --help             this help\n"
"\n"
"Sources: plugin reads auditd's plugin stream on stdin (plugin/audrift.conf);\n"
"multicast reads beside a running auditd; daemon registers audrift as the\n"
"audit daemon.  auto picks plugin when stdin is a pipe or socket, then\n"
"multicast when an audit daemon is registered, else daemon.\n", AD_LIVE_QUEUE_DEFAULT);
}

int
cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "json", required_argument, NULL, 'j' },
		{ "source", required_argument, NULL, 's' },
		{ "no-kernel-rules", no_argument, NULL, 'n' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "watch-dir", required_argument, NULL, 'w' },
		{ "queue", required_argument, NULL, 'q' },
		{ "insecure-rules", no_argument, NULL, 'I' },
		{ "insecure-db", no_argument, NULL, 'D' },
		{ "enforce", no_argument, NULL, 'E' },
		{ "disarm", required_argument, NULL, 'A' },
		{ "forward", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ad_watch_opts w = { NULL, 0 };
	struct ad_action_opts ao = { 0 };
	const char *db = NULL, *json = NULL, *fwd = NULL;
	unsigned long backlog = 8192, qmax = AD_LIVE_QUEUE_DEFAULT;
	int insecure_db = 0, have_status = 0, c, sfd = -1, rc = 1;
	struct live lv;
	sigset_t mask;
	char *end;
	size_t k;

	memset(&lv, 0, sizeof(lv));
	lv.ctl = lv.nlfd = lv.kp.fd = -1;
	lv.manage_rules = 1;
	lv.src = SRC_AUTO;
	if (getenv("AUDRIFT_INSECURE_RULES") != NULL)
		lv.insecure_rules = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:j:s:nb:w:q:h", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'r': lv.rules_dir = optarg; break;
		case 'd': db = optarg; break;
		case 'j': json = optarg; break;
		case 's':
			for (k = 0; k < AD_ARRAY_SIZE(src_names); k++)
				if (strcmp(optarg, src_names[k]) == 0)
					break;
			if (k == AD_ARRAY_SIZE(src_names)) {
				log_warnx("run: unknown source '%s'; use auto, "
				    "daemon, multicast or plugin", optarg);
				ad_watch_opts_free(&w);
				return 2;
			}
			lv.src = (enum src)k;
			break;
		case 'n': lv.manage_rules = 0; break;
		case 'b':
		case 'q':
			errno = 0;
			if (c == 'b')
				backlog = strtoul(optarg, &end, 10);
			else
				qmax = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg ||
			    (c == 'q' && (qmax == 0 || qmax > 1u << 22)) ||
			    (c == 'b' && backlog > UINT32_MAX)) {
				log_warnx("run: --%s %s: give a positive "
				    "number", c == 'b' ? "backlog" : "queue",
				    optarg);
				ad_watch_opts_free(&w);
				return 2;
			}
			break;
		case 'w': ad_watch_opts_add(&w, optarg); break;
		case 'I': lv.insecure_rules = 1; break;
		case 'D': insecure_db = 1; break;
		case 'E': ao.enforce = 1; break;
		case 'F': fwd = optarg; break;
		case 'A':
			if ((ao.disarm_n = atoi(optarg)) > 0)
				break;
			log_warnx("run: --disarm %s: give a positive number "
			    "of containers", optarg);
			ad_watch_opts_free(&w);
			return 2;
		case 'h':
			run_usage(stdout);
			ad_watch_opts_free(&w);
			return 0;
		default:
			run_usage(stderr);
			ad_watch_opts_free(&w);
			return 2;
		}
	}
	if (optind < argc) {
		log_warnx("run: unexpected argument '%s' (see audrift run "
		    "--help)", argv[optind]);
		ad_watch_opts_free(&w);
		return 2;
	}
	if (db == NULL && json == NULL)
		db = AD_STORE_DEFAULT_DB;
	if (lv.rules_dir == NULL)
		lv.rules_dir = ad_default_rules_dir();

	ad_pipeline_init(&lv.pipe);
	lv.pipe.forward = fwd;
	lv.pipe.rs = ad_ruleset_load(lv.rules_dir, NULL, 0, lv.insecure_rules,
	    stderr);
	if (lv.pipe.rs == NULL) {
		log_warnx("run: the rules in %s did not load; fix the errors "
		    "above (audrift check --rules %s)", lv.rules_dir,
		    lv.rules_dir);
		goto out;
	}
	lv.extra = w.dirs;
	lv.nextra = w.n;
	if (ad_krules_plan_rules(&lv.plan, lv.pipe.rs, w.dirs, w.n) != 0)
		goto out;
	if (ad_pipeline_add_sinks(&lv.pipe, db, json, insecure_db) != 0)
		goto out;
	if (db != NULL && !ad_db_is_pg(db))
		lv.seen = ad_store_seen_open(db, insecure_db ||
		    getenv("AUDRIFT_INSECURE_DB") != NULL);

	/* signals: blocked before the reader thread starts, so that only
	 * the signalfd sees them */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		log_warn("signalfd");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	ad_pipeline_evidence(&lv.pipe);	/* after the mask: no signals there */
	/* actions rows: the actor writes SQLite's, the PostgreSQL sink the
	 * server's (store_pg.c, pgs_action) */
	ao.db = ad_db_is_pg(db) ? NULL : db;
	if (ad_pipeline_actions(&lv.pipe, &ao) != 0)
		goto out;

	if ((lv.ctl = audit_open()) < 0)
		log_warn("cannot open the audit control socket");
	else if (ad_kstatus_get(lv.ctl, &lv.start) == 0)
		have_status = 1;
	if (lv.src == SRC_AUTO)
		lv.src = pick_source(&lv, have_status);
	if (lv.src != SRC_PLUGIN && !have_status) {
		log_warnx("run: the kernel audit subsystem is not available "
		    "(needs root: CAP_AUDIT_CONTROL, CAP_AUDIT_READ)");
		goto out;
	}
	if (!have_status)
		lv.manage_rules = 0;	/* plugin without kernel access */
	lv.locked = have_status && lv.start.enabled == 2;
	lv.kernel_lost_base = lv.start.lost;
	if (getenv("AUDRIFT_TEST_STALL_MS") != NULL)
		lv.stall_ms = strtol(getenv("AUDRIFT_TEST_STALL_MS"), NULL, 10);
	if (getenv("AUDRIFT_TEST_RECORDS") != NULL) {
		/* the benchmark seam: recorded datagrams, no kernel */
		lv.recorded = 1;
		lv.src = SRC_DAEMON;
		lv.manage_rules = have_status = 0;
	}
	if (have_status && kernel_setup(&lv, (uint32_t)backlog) != 0)
		goto out;

	lv.norm = ad_norm_new(live_event, live_error, &lv);
	if (lv.norm == NULL)
		goto out;
	/* Containers: every process seen once now, so an exec that exits
	 * before its event is read is still attributed (by cache, device
	 * or parent).  A plugin reading a recorded stream still resolves:
	 * its pids are live when auditd runs beside it. */
	lv.res = ad_resolver_new("/proc", "/", 0);
	lv.net = ad_netstate_new("/proc", 1, 0);
	if (lv.res != NULL) {
		int nc = ad_resolver_scan(lv.res);

		if (nc < 0)
			log_warnx("cannot read /proc: events will not be "
			    "attributed to containers; check that /proc is "
			    "mounted and readable");
		else
			log_info("%d processes found in containers", nc);
		/* join every root overlay now and as they mount; where
		 * audrift cannot add rules, still learn the mounts */
		lv.arm = ad_armer_start("/proc/self/mountinfo",
		    lv.manage_rules && !lv.locked && lv.ctl >= 0 &&
		    lv.plan.anchor != NULL &&
		    getenv("AUDRIFT_TEST_NO_ARM") == NULL ?
		    lv.plan.anchor : NULL);
	}
	if (lv.src == SRC_PLUGIN)
		lv.preader = ad_reader_new(lv.norm, "<plugin stdin>");
	else if ((lv.nlr = ad_nl_reader_start(lv.nlfd, (int)qmax,
	    lv.src == SRC_DAEMON)) == NULL)
		goto out;
	if (have_status)
		kpoll_start(&lv.kp);
	log_info("running: source %s, rules %s, %d kernel rules%s",
	    src_names[lv.src], lv.rules_dir, lv.manage_rules ? lv.plan.n : 0,
	    lv.locked ? " (locked host)" : "");
	ad_pipeline_begin(&lv.pipe, src_names[lv.src]);
	rc = loop(&lv, sfd);
	if (lv.preader != NULL) {
		lv.pipe.stats.records_read += ad_reader_records(lv.preader);
		lv.pipe.stats.malformed += ad_reader_malformed(lv.preader);
	}
	ad_pipeline_end(&lv.pipe);
	if (lv.arm != NULL) {
		struct ad_armer_stats as;

		ad_armer_stats(lv.arm, &as);
		log_info("containers: %llu root overlays joined, %llu joins "
		    "refused, %llu unmounted, %llu changes found after the "
		    "fact (and %llu reported by an earlier run); %llu 32-bit "
		    "file events outside the watched dirs dropped",
		    (unsigned long long)as.armed,
		    (unsigned long long)as.failed,
		    (unsigned long long)as.unmounted,
		    (unsigned long long)lv.late,
		    (unsigned long long)lv.late_known,
		    (unsigned long long)lv.filtered32);
	}
	if (lv.plan.net != 0) {
		struct ad_netstate_stats ns;

		ad_netstate_stats(lv.net, &ns);
		log_info("network: %llu listens placed by their bind, %llu by "
		    "/proc, %llu without an address; %llu processes gone "
		    "before their fds were read",
		    (unsigned long long)ns.listen_from_bind,
		    (unsigned long long)ns.listen_from_proc,
		    (unsigned long long)ns.listen_unknown,
		    (unsigned long long)ns.proc_gone);
	}
	if (lv.nlr != NULL) {
		uint64_t rec, enb, ovf, ho[3];

		ad_nl_reader_counts(lv.nlr, &rec, &enb, &ovf, ho);
		log_info("netlink: the socket went to the main thread %llu "
		    "time(s) (a low rate), back to the reader thread %llu "
		    "time(s) (bursts, or the main thread busy); the reader "
		    "slept through %llu quiet spell(s)",
		    (unsigned long long)ho[0], (unsigned long long)ho[1],
		    (unsigned long long)ho[2]);
	}
	log_info("stopped: %llu records, %llu events, %llu findings, %llu "
	    "events lost, %llu malformed",
	    (unsigned long long)lv.pipe.stats.records_read,
	    (unsigned long long)lv.pipe.stats.events_read,
	    (unsigned long long)lv.pipe.stats.findings,
	    (unsigned long long)lv.pipe.stats.events_lost,
	    (unsigned long long)lv.pipe.stats.malformed);
out:
	ad_armer_stop(lv.arm);
	kpoll_stop(&lv.kp);
	ad_nl_reader_stop(lv.nlr);
	kernel_restore(&lv);
	ad_nl_reader_free(lv.nlr);
	if (lv.nlfd >= 0)
		close(lv.nlfd);
	if (lv.ctl >= 0)
		audit_close(lv.ctl);
	if (sfd >= 0)
		close(sfd);
	ad_reader_free(lv.preader);
	ad_norm_free(lv.norm);
	ad_store_seen_close(lv.seen);
	ad_pipeline_free(&lv.pipe);
	ad_resolver_free(lv.res);
	ad_netstate_free(lv.net);
	ad_krules_plan_free(&lv.plan);
	ad_watch_opts_free(&w);
	return rc;
}
