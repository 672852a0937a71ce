/*
 * action.h - the playbook's Isolate and Evict steps on the host: freeze a
 * container (the cgroup freezer), evict it (kill every process of its
 * cgroup), or kill the one process that triggered a rule.
 *
 * A rule carries at most one action (`action freeze`, rules.d); `audrift
 * run` decides on the event thread, for each finding of such a rule,
 * whether it may act (the guards below, the disarmer), and hands what it
 * may do to a worker thread through a bounded, counted queue, so that a
 * freeze, a slow cgroup write or a full queue never stalls the pipeline.
 * Without --enforce (monitor mode) every decision is recorded as "would"
 * and nothing is touched.  Every decision is a record: a row of the
 * actions table (written by the worker on its own connection) and a JSON
 * line (the pipeline's sinks, on the event thread).
 *
 * Guards, in order (each refused decision says which):
 *   - a finding on the host (no container) is refused;
 *   - only a certain attribution counts: live pid, pid cache or overlay
 *     device (not the parent pid, not a replayed event, not a kind this
 *     build does not know);
 *   - never pid 1 of the host, audrift itself or its parent (auditd when
 *     audrift is its plugin), nor a cgroup that holds one of them;
 *   - kill: the pidfd is opened while the event is handled and the pid's
 *     start time (field 22 of /proc/PID/stat) is checked against the
 *     event's, so a reused pid is never hit;
 *   - the disarmer: per rule, more than N distinct containers within 60 s
 *     and the rule stops acting (an action_disarmed finding), until a
 *     minute passes with no action of that rule.
 *
 * /proc reads made here are stat and cgroup only: neither waits on a
 * frozen process (cmdline, environ or maps would, through its mm).
 *
 * Ownership: ad_actor_new returns an owned actor; ad_actor_free(NULL) is
 * a no-op; findings are borrowed for the call.
 */
#ifndef AUDRIFT_ACTION_H
#define AUDRIFT_ACTION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sink.h"

/* The one table of actions (action.c): names in rules, in rows, in
 * messages.  AD_ACT_NONE is `action none` (a site removing a shipped
 * rule's action); thaw is for the analyst only. */
enum ad_action {
	AD_ACT_NONE = 0,
	AD_ACT_FREEZE,
	AD_ACT_EVICT,
	AD_ACT_KILL,
	AD_ACT_THAW,
	AD_ACT__COUNT
};

const char *ad_action_name(enum ad_action a);	/* static, never NULL */
/* A name a rule may give (none, freeze, evict, kill): 0 ok, -1 not one.
 * list: the names, for the error message, static. */
int ad_action_rule_from_name(const char *name, enum ad_action *out);
const char *ad_action_rule_names(void);

enum ad_act_result {
	AD_AR_DONE,
	AD_AR_WOULD,		/* monitor mode: nothing touched */
	AD_AR_REFUSED,		/* a guard said no: why says which */
	AD_AR_FAILED,		/* tried: err says why */
	AD_AR__COUNT
};
const char *ad_act_result_name(enum ad_act_result r);

#define AD_ACT_ID_MAX	256

/* One decision and what came of it: one actions row, one JSON line. */
struct ad_action_rec {
	int64_t time_ms;		/* wall clock, when decided */
	enum ad_action action;
	enum ad_act_result result;
	char origin[12];		/* "rule" or "analyst" */
	char rule[128];			/* "" for the analyst */
	uint64_t serial;		/* the finding's event; 0 none */
	int64_t event_ms;		/* its audit time; 0 none */
	char ctr_id[AD_ACT_ID_MAX];	/* "" on the host */
	char ctr_name[128];
	pid_t pid;			/* the target process; 0 none */
	char cgroup[544];		/* the cgroup acted on, "" none */
	int err;			/* failed: errno */
	char why[256];			/* refused/failed: why; done: what */
};

/* Append rec as one JSON object (no newline): {"type":"action",...}. */
struct ad_buf;
void ad_action_rec_json(struct ad_buf *b, const struct ad_action_rec *r);

/* Insert rec into the actions table of db (an open connection to a
 * database at schema version >= the actions step): bound parameters
 * only.  Returns an SQLite result code. */
struct sqlite3;
int ad_action_rec_insert(struct sqlite3 *db, const struct ad_action_rec *r);

/* ---- the cgroup a container lives in ------------------------------------ */

/*
 * Where to act on a container: the cgroup directory of one hierarchy
 * that has a freezer.  v1: <cgroot>/freezer/<path> (freezer.state);
 * v2: <cgroot>/unified/<path> (hybrid) or <cgroot>/<path> (unified
 * only), with cgroup.freeze and cgroup.kill.
 */
struct ad_cgtarget {
	int v1;
	char rel[400];		/* the path in the hierarchy, "/libpod_parent/
				 * libpod-<id>": cut after the component that
				 * names the container */
	char dir[540];		/* cgroot + the hierarchy's mount + rel */
	char hier[128];		/* cgroot + mount: rel is relative to it */
};

/*
 * From the text of a /proc/PID/cgroup file (len bytes): the cgroup of
 * container ctr_id under cgroot ("/sys/fs/cgroup", or a fixture tree).
 * A v1 freezer line is taken first (what runtimes freeze on a hybrid
 * host), then the unified line.  The path must name ctr_id in one of its
 * components and not be the root.  Returns 0 and fills t, or -1 with
 * why (cap bytes) filled.  Pure but for stat()s below cgroot.
 */
int ad_cgroup_target(const char *text, size_t len, const char *cgroot,
    const char *ctr_id, struct ad_cgtarget *t, char *why, size_t cap);

/*
 * The same from procfs: pid's cgroup file when pid > 0, else (or when
 * pid's file is gone or names another container) the first process of
 * procfs whose cgroup names ctr_id.  *found_pid: the process read.
 */
int ad_cgroup_locate(const char *procfs, const char *cgroot, pid_t pid,
    const char *ctr_id, struct ad_cgtarget *t, pid_t *found_pid,
    char *why, size_t cap);

/* 1: frozen (or freezing), 0: thawed, -1: cannot tell (errno). */
int ad_cgroup_frozen(const struct ad_cgtarget *t);

/* ---- the kernel seams (tests replace them) ------------------------------ */

struct ad_action_sys {
	int (*pidfd_open)(pid_t pid);			/* fd or -1, errno */
	int (*pidfd_kill)(int pidfd, int sig);		/* 0 or -1, errno */
};
extern const struct ad_action_sys ad_action_sys_real;

/* ---- carrying actions out ------------------------------------------------ */

struct ad_action_opts {
	int enforce;		/* 0: monitor mode, rows say "would" */
	int disarm_n;		/* distinct containers per rule per 60 s
				 * allowed; 0: the default (5) */
	const char *db;		/* rows go here (the --db, which the store
				 * opened, checked and upgraded first);
				 * NULL: none */
	const char *procfs;	/* NULL: "/proc" */
	const char *cgroot;	/* NULL: "/sys/fs/cgroup" */
	const struct ad_action_sys *sys;	/* NULL: the real kernel */
	pid_t self, parent;	/* 0: getpid(), getppid() */
	int64_t boot_ms;	/* wall clock of boot; 0: the real one */
	int queue_max;		/* jobs waiting for the worker; 0: 256 */
	int sync;		/* tests: run each job at once, no thread */
};

#define AD_DISARM_DEFAULT	5
#define AD_DISARM_WINDOW_MS	60000

struct ad_actor;

/* Start the worker (call with signals blocked).  NULL after logging. */
struct ad_actor *ad_actor_new(const struct ad_action_opts *o);
/* Finish the queued jobs, join the worker, free. */
void ad_actor_free(struct ad_actor *a);

/*
 * Event thread: f is a finding of a rule with an action (action != 0);
 * now_ms: a monotonic clock for the disarmer.  Decides, and queues the
 * job (or the refusal) for the worker.  Returns 1 when this finding
 * tripped the rule's disarmer (msg, cap bytes, says why: the caller
 * raises an action_disarmed finding), 0 otherwise.
 */
int ad_actor_finding(struct ad_actor *a, const struct ad_finding *f,
    enum ad_action action, int64_t now_ms, char *msg, size_t cap);

/* Event thread: the next finished record (1), or none waiting (0). */
int ad_actor_pop(struct ad_actor *a, struct ad_action_rec *out);
/* Tests: wait until every queued job is finished. */
void ad_actor_wait(struct ad_actor *a);

struct ad_actor_stats {
	uint64_t decided, done, would, refused, failed;
	uint64_t dropped;	/* queue full: recorded nowhere but here and
				 * in the log */
	int disarmed;		/* rules disarmed now */
};
void ad_actor_stats(const struct ad_actor *a, struct ad_actor_stats *st);

/*
 * The analyst's commands (freeze, thaw, evict of a cgroup found by
 * ad_cgroup_locate), run at once on the calling thread, with the same
 * guards on audrift's own cgroup.  Fills rec (result, why, err).
 * Returns 0 done, -1 refused or failed.
 */
int ad_action_run(const struct ad_action_opts *o, enum ad_action action,
    const struct ad_cgtarget *t, struct ad_action_rec *rec);

#endif
