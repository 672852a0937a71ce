/*
 * action.c - freeze, evict, kill: the guards, the disarmer, the worker
 * thread that carries actions out, and the cgroup writes (action.h).
 *
 * Threads: ad_actor_finding and ad_actor_pop run on the event thread;
 * they take the queue's mutex for a push or a pop only.  Everything that
 * touches a cgroup, signals a process or writes the database runs on the
 * worker.  The event thread's own work per action is one pidfd_open and
 * one read of /proc/PID/stat: the pidfd must be taken while the event is
 * handled (the process may exit, and its pid be reused, by the time the
 * worker runs).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "action.h"
#include "container.h"
#include "event.h"
#include "log.h"
#include "resolver.h"
#include "util.h"

/* ---- the table ------------------------------------------------------------ */

static const struct {
	const char *name;
	int in_rules;		/* a rule may give it */
	const char *past;	/* "froze" ... for messages */
} actions[AD_ACT__COUNT] = {
	[AD_ACT_NONE] = { "none", 1, "did nothing to" },
	[AD_ACT_FREEZE] = { "freeze", 1, "froze" },
	[AD_ACT_EVICT] = { "evict", 1, "evicted" },
	[AD_ACT_KILL] = { "kill", 1, "killed" },
	[AD_ACT_THAW] = { "thaw", 0, "thawed" },
};

static const char *const results[AD_AR__COUNT] = {
	[AD_AR_DONE] = "done",
	[AD_AR_WOULD] = "would",
	[AD_AR_REFUSED] = "refused",
	[AD_AR_FAILED] = "failed",
};

const char *
ad_action_name(enum ad_action a)
{
	return (unsigned)a < AD_ACT__COUNT ? actions[a].name : "?";
}

int
ad_action_rule_from_name(const char *name, enum ad_action *out)
{
	int i;

	for (i = 0; i < AD_ACT__COUNT; i++)
		if (actions[i].in_rules && strcmp(name, actions[i].name) == 0) {
			*out = (enum ad_action)i;
			return 0;
		}
	return -1;
}

const char *
ad_action_rule_names(void)
{
	static char buf[128];
	size_t len = 0;
	int i;

	if (buf[0] != '\0')
		return buf;
	for (i = 0; i < AD_ACT__COUNT; i++)
		if (actions[i].in_rules)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len,
			    "%s%s", len ? ", " : "", actions[i].name);
	return buf;
}

const char *
ad_act_result_name(enum ad_act_result r)
{
	return (unsigned)r < AD_AR__COUNT ? results[r] : "?";
}

/* ---- records ---------------------------------------------------------- */

/* The findings' time format (ad_event_time), so rows join on it. */
static void
ms_time(int64_t ms, char *buf, size_t cap)
{
	struct ad_event ev;

	ev.sec = ms / 1000;
	ev.ms = (unsigned)(ms % 1000);
	ad_event_time(&ev, buf, cap);
}

static void
json_opt(struct ad_buf *b, const char *key, const char *s)
{
	if (s[0] != '\0')
		ad_json_member_str(b, key, s, strlen(s));
}

void
ad_action_rec_json(struct ad_buf *b, const struct ad_action_rec *r)
{
	char t[40];

	ad_buf_addc(b, '{');
	ad_json_key(b, "type", 1);
	ad_json_str(b, "action", 6);
	ms_time(r->time_ms, t, sizeof(t));
	ad_json_member_str(b, "time", t, strlen(t));
	json_opt(b, "action", ad_action_name(r->action));
	json_opt(b, "result", ad_act_result_name(r->result));
	ad_json_member_str(b, "origin", r->origin, strlen(r->origin));
	json_opt(b, "rule", r->rule);
	if (r->serial != 0)
		ad_json_member_int(b, "serial", (int64_t)r->serial);
	if (r->event_ms != 0) {
		ms_time(r->event_ms, t, sizeof(t));
		ad_json_member_str(b, "event_time", t, strlen(t));
	}
	json_opt(b, "container_id", r->ctr_id);
	json_opt(b, "container_name", r->ctr_name);
	if (r->pid > 0)
		ad_json_member_int(b, "pid", r->pid);
	json_opt(b, "cgroup", r->cgroup);
	if (r->err != 0)
		ad_json_member_int(b, "errno", r->err);
	json_opt(b, "why", r->why);
	ad_buf_addc(b, '}');
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s[0] != '\0')
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int
ad_action_rec_insert(sqlite3 *db, const struct ad_action_rec *r)
{
	sqlite3_stmt *st = NULL;
	char t[40], et[40];
	int rc;

	rc = sqlite3_prepare_v2(db, "INSERT INTO actions(time, action, "
	    "result, origin, rule, serial, event_time, container_id, "
	    "container_name, pid, cgroup, errno, why) "
	    "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	ms_time(r->time_ms, t, sizeof(t));
	sqlite3_bind_text(st, 1, t, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ad_action_name(r->action), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ad_act_result_name(r->result), -1,
	    SQLITE_STATIC);
	bind_opt(st, 4, r->origin);
	bind_opt(st, 5, r->rule);
	if (r->serial != 0)
		sqlite3_bind_int64(st, 6, (sqlite3_int64)r->serial);
	if (r->event_ms != 0) {
		ms_time(r->event_ms, et, sizeof(et));
		sqlite3_bind_text(st, 7, et, -1, SQLITE_STATIC);
	}
	bind_opt(st, 8, r->ctr_id);
	bind_opt(st, 9, r->ctr_name);
	if (r->pid > 0)
		sqlite3_bind_int(st, 10, r->pid);
	bind_opt(st, 11, r->cgroup);
	if (r->err != 0)
		sqlite3_bind_int(st, 12, r->err);
	bind_opt(st, 13, r->why);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- small file helpers ------------------------------------------------ */

/* Read at most cap-1 bytes of path, NUL-terminated.  Length, or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	while ((size_t)len < cap - 1) {
		n = read(fd, buf + len, cap - 1 - (size_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

/* Write s to the cgroup control file dir/name.  0, or -1 with errno. */
static int
cg_write(const char *dir, const char *name, const char *s)
{
	char path[600];
	ssize_t n;
	int fd, e;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	do
		n = write(fd, s, strlen(s));
	while (n < 0 && errno == EINTR);
	e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* ---- the cgroup of a container ----------------------------------------- */

/* 1 when dir/name exists. */
static int
has_file(const char *dir, const char *name)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/*
 * The path of one /proc/PID/cgroup line, cut after the component naming
 * id ("/libpod_parent/libpod-<id>/sub" -> "/libpod_parent/libpod-<id>").
 * 0 ok, -1 no component names id, or the path is unsafe.
 */
static int
cut_at_id(const char *path, size_t len, const char *id, char *out,
    size_t cap)
{
	const char *p = path, *end = path + len, *c;
	size_t idlen = strlen(id);

	if (idlen == 0 || len == 0 || path[0] != '/')
		return -1;
	while (p < end) {
		p++;				/* the '/' */
		c = memchr(p, '/', (size_t)(end - p));
		if (c == NULL)
			c = end;
		if ((c - p == 2 && p[0] == '.' && p[1] == '.') ||
		    (c - p == 1 && p[0] == '.'))
			return -1;
		if ((size_t)(c - p) >= idlen &&
		    memmem(p, (size_t)(c - p), id, idlen) != NULL) {
			if ((size_t)(c - path) >= cap)
				return -1;
			memcpy(out, path, (size_t)(c - path));
			out[c - path] = '\0';
			return 0;
		}
		p = c;
	}
	return -1;
}

/* The path of the line of a /proc/PID/cgroup text for the v1 freezer
 * (v1 set) or the unified hierarchy.  Pointer into text, or NULL. */
static const char *
cg_line(const char *text, size_t len, int v1, size_t *plen)
{
	const char *p = text, *end = text + len, *eol, *c1, *c2;

	for (; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		if ((c1 = memchr(p, ':', (size_t)(eol - p))) == NULL ||
		    (c2 = memchr(c1 + 1, ':', (size_t)(eol - c1 - 1))) == NULL)
			continue;
		if (v1) {
			const char *q = c1 + 1;
			int hit = 0;

			/* the controller list: "freezer" or "a,freezer,b" */
			while (q < c2) {
				const char *cm = memchr(q, ',',
				    (size_t)(c2 - q));

				if (cm == NULL)
					cm = c2;
				if (cm - q == 7 && memcmp(q, "freezer", 7) == 0)
					hit = 1;
				q = cm + 1;
			}
			if (!hit)
				continue;
		} else if (!(c1 - p == 1 && p[0] == '0' && c2 == c1 + 1))
			continue;
		*plen = (size_t)(eol - c2 - 1);
		return c2 + 1;
	}
	return NULL;
}

int
ad_cgroup_target(const char *text, size_t len, const char *cgroot,
    const char *ctr_id, struct ad_cgtarget *t, char *why, size_t cap)
{
	static const char *const v2mounts[] = { "/unified", "" };
	const char *path;
	size_t plen;
	size_t i;

	memset(t, 0, sizeof(*t));
	if ((path = cg_line(text, len, 1, &plen)) != NULL &&
	    cut_at_id(path, plen, ctr_id, t->rel, sizeof(t->rel)) == 0) {
		snprintf(t->hier, sizeof(t->hier), "%s/freezer", cgroot);
		snprintf(t->dir, sizeof(t->dir), "%s%s", t->hier, t->rel);
		if (has_file(t->dir, "freezer.state")) {
			t->v1 = 1;
			return 0;
		}
	}
	if ((path = cg_line(text, len, 0, &plen)) == NULL) {
		snprintf(why, cap, "no freezer: the process is in no v1 "
		    "freezer cgroup and no cgroup v2 hierarchy");
		return -1;
	}
	if (cut_at_id(path, plen, ctr_id, t->rel, sizeof(t->rel)) != 0) {
		snprintf(why, cap, "the process's cgroup (%.*s) does not name "
		    "container %.12s", (int)(plen > 120 ? 120 : plen), path,
		    ctr_id);
		return -1;
	}
	for (i = 0; i < AD_ARRAY_SIZE(v2mounts); i++) {
		snprintf(t->hier, sizeof(t->hier), "%s%s", cgroot,
		    v2mounts[i]);
		snprintf(t->dir, sizeof(t->dir), "%s%s", t->hier, t->rel);
		if (has_file(t->dir, "cgroup.freeze"))
			return 0;
	}
	snprintf(why, cap, "no freezer: %.100s%.100s has no cgroup.freeze (kernel "
	    "before 5.2?) and no v1 freezer holds it", cgroot, t->rel);
	return -1;
}

static int
pid_cgroup(const char *procfs, pid_t pid, char *buf, size_t cap)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%d/cgroup", procfs, (int)pid);
	return read_small(path, buf, cap) < 0 ? -1 : 0;
}

/* 1 when buf (a /proc/PID/cgroup text) puts the process in container id,
 * and not in one of its runtime's helpers. */
static int
cg_names(const char *buf, const char *id)
{
	struct ad_cgroup_match m;

	return ad_cgroup_match(buf, strlen(buf), &m) == 1 && !m.helper &&
	    strcmp(m.id, id) == 0;
}

int
ad_cgroup_locate(const char *procfs, const char *cgroot, pid_t pid,
    const char *ctr_id, struct ad_cgtarget *t, pid_t *found_pid,
    char *why, size_t cap)
{
	char buf[4096];
	struct dirent *de;
	DIR *d;
	char *end;
	long n;

	*found_pid = 0;
	if (pid > 0 && pid_cgroup(procfs, pid, buf, sizeof(buf)) == 0 &&
	    cg_names(buf, ctr_id)) {
		*found_pid = pid;
		return ad_cgroup_target(buf, strlen(buf), cgroot, ctr_id, t,
		    why, cap);
	}
	if ((d = opendir(procfs)) == NULL) {
		snprintf(why, cap, "cannot read %s: %s", procfs,
		    strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		n = strtol(de->d_name, &end, 10);
		if (*end != '\0' || n <= 0 ||
		    pid_cgroup(procfs, (pid_t)n, buf, sizeof(buf)) != 0 ||
		    !cg_names(buf, ctr_id))
			continue;
		closedir(d);
		*found_pid = (pid_t)n;
		return ad_cgroup_target(buf, strlen(buf), cgroot, ctr_id, t,
		    why, cap);
	}
	closedir(d);
	snprintf(why, cap, "no process of container %.12s is running (it "
	    "exited, or audrift cannot read %s)", ctr_id, procfs);
	return -1;
}

int
ad_cgroup_frozen(const struct ad_cgtarget *t)
{
	char path[600], buf[512];
	const char *p;

	if (t->v1) {
		snprintf(path, sizeof(path), "%s/freezer.state", t->dir);
		if (read_small(path, buf, sizeof(buf)) < 0)
			return -1;
		return strncmp(buf, "THAWED", 6) != 0;
	}
	snprintf(path, sizeof(path), "%s/cgroup.freeze", t->dir);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	if (buf[0] == '1')
		return 1;
	/* cgroup.freeze is what was asked; cgroup.events says whether an
	 * ancestor froze it */
	snprintf(path, sizeof(path), "%s/cgroup.events", t->dir);
	if (read_small(path, buf, sizeof(buf)) >= 0 &&
	    (p = strstr(buf, "frozen ")) != NULL)
		return p[7] == '1';
	return 0;
}

/* Is pid's cgroup, in t's hierarchy, t's cgroup or below it?  A process
 * that cannot be read is not in it. */
static int
cg_holds(const char *procfs, pid_t pid, const struct ad_cgtarget *t)
{
	char buf[4096];
	const char *path;
	size_t plen, rl = strlen(t->rel);

	if (pid <= 0 || pid_cgroup(procfs, pid, buf, sizeof(buf)) != 0 ||
	    (path = cg_line(buf, strlen(buf), t->v1, &plen)) == NULL)
		return 0;
	return plen >= rl && memcmp(path, t->rel, rl) == 0 &&
	    (plen == rl || path[rl] == '/');
}

/* ---- the kernel seams ------------------------------------------------- */

static int
real_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int
real_pidfd_kill(int fd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

const struct ad_action_sys ad_action_sys_real = {
	real_pidfd_open, real_pidfd_kill
};

/* ---- options resolved ----------------------------------------------------- */

struct aopts {
	int enforce, disarm_n, queue_max, sync;
	char *db;
	char procfs[256], cgroot[256];
	const struct ad_action_sys *sys;
	pid_t self, parent;
	int64_t boot_ms;	/* 0: computed when needed */
	long hz;
};

static void
aopts_set(struct aopts *a, const struct ad_action_opts *o)
{
	memset(a, 0, sizeof(*a));
	a->enforce = o->enforce;
	a->disarm_n = o->disarm_n > 0 ? o->disarm_n : AD_DISARM_DEFAULT;
	a->queue_max = o->queue_max > 0 ? o->queue_max : 256;
	a->sync = o->sync;
	a->db = o->db ? xstrdup(o->db) : NULL;
	snprintf(a->procfs, sizeof(a->procfs), "%s", o->procfs ? o->procfs :
	    "/proc");
	snprintf(a->cgroot, sizeof(a->cgroot), "%s", o->cgroot ? o->cgroot :
	    "/sys/fs/cgroup");
	a->sys = o->sys ? o->sys : &ad_action_sys_real;
	a->self = o->self ? o->self : getpid();
	a->parent = o->parent ? o->parent : getppid();
	a->boot_ms = o->boot_ms;
	a->hz = sysconf(_SC_CLK_TCK);
	if (a->hz <= 0)
		a->hz = 100;
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wall-clock start of pid (field 22 of procfs/PID/stat, which counts
 * clock ticks since boot).  comm (field 2) may hold spaces and ')':
 * fields are counted from the last ')'.  0 ok, -1 gone or unreadable.
 */
static int
pid_start_ms(const struct aopts *a, pid_t pid, int64_t *out)
{
	char path[300], buf[1024], *end;
	const char *p;
	unsigned long long ticks;
	int field;

	snprintf(path, sizeof(path), "%s/%d/stat", a->procfs, (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	for (p++, field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return -1;
		if (field == 22) {
			errno = 0;
			ticks = strtoull(p, &end, 10);
			if (end == p || errno != 0)
				return -1;
			*out = (a->boot_ms ? a->boot_ms :
			    clock_ms(CLOCK_REALTIME) -
			    clock_ms(CLOCK_BOOTTIME)) +
			    (int64_t)(ticks * 1000 / (unsigned long long)a->hz);
			return 0;
		}
		while (*p != ' ' && *p != '\0')
			p++;
	}
	return -1;
}

/* ---- carrying one action out (the worker, and the analyst) ----------------- */

/* Refuse a cgroup that holds pid 1, audrift or its parent. */
static int
cg_guard(const struct aopts *a, const struct ad_cgtarget *t, char *why,
    size_t cap)
{
	if (t->rel[0] == '\0' || strcmp(t->rel, "/") == 0) {
		snprintf(why, cap, "the root cgroup is the whole host");
		return -1;
	}
	if (cg_holds(a->procfs, 1, t)) {
		snprintf(why, cap, "cgroup %.160s holds pid 1 of the host", t->rel);
		return -1;
	}
	if (cg_holds(a->procfs, a->self, t)) {
		snprintf(why, cap, "cgroup %.160s holds audrift itself", t->rel);
		return -1;
	}
	if (cg_holds(a->procfs, a->parent, t)) {
		snprintf(why, cap, "cgroup %.160s holds audrift's parent (pid %d)",
		    t->rel, (int)a->parent);
		return -1;
	}
	return 0;
}

static int
cg_freeze(const struct ad_cgtarget *t, int on)
{
	if (t->v1)
		return cg_write(t->dir, "freezer.state", on ? "FROZEN" :
		    "THAWED");
	return cg_write(t->dir, "cgroup.freeze", on ? "1" : "0");
}

/* Wait (bounded: 100 x 10 ms) until t reads frozen.  0, or -1. */
static int
cg_wait_frozen(const struct ad_cgtarget *t)
{
	char path[600], buf[64];
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 100; i++) {
		if (t->v1) {
			snprintf(path, sizeof(path), "%s/freezer.state",
			    t->dir);
			if (read_small(path, buf, sizeof(buf)) >= 0 &&
			    strncmp(buf, "FROZEN", 6) == 0)
				return 0;
		} else if (ad_cgroup_frozen(t) == 1) {
			char ev[600], eb[512];
			const char *p;

			snprintf(ev, sizeof(ev), "%s/cgroup.events", t->dir);
			if (read_small(ev, eb, sizeof(eb)) < 0 ||
			    ((p = strstr(eb, "frozen ")) != NULL &&
			    p[7] == '1'))
				return 0;
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

/*
 * Evict: cgroup.kill where the kernel has it (v2, 5.14); else freeze, so
 * that nothing forks while cgroup.procs is read, SIGKILL each process
 * through a pidfd (never pid 1, audrift or its parent), and thaw, which
 * lets the signals land.  *killed: processes signalled.  0, or -1 with
 * why filled.
 */
static int
cg_evict(const struct aopts *a, const struct ad_cgtarget *t, int *killed,
    int *err, char *why, size_t cap)
{
	char path[600], *buf, *p, *end;
	long pid;
	int fd;

	*killed = 0;
	if (!t->v1 && cg_write(t->dir, "cgroup.kill", "1") == 0) {
		*killed = -1;
		return 0;
	}
	if (cg_freeze(t, 1) != 0) {
		*err = errno;
		snprintf(why, cap, "cannot freeze %.160s before the kill: %s",
		    t->dir, strerror(errno));
		return -1;
	}
	if (cg_wait_frozen(t) != 0)
		log_warnx("evict: %s did not read frozen within 1 s; killing "
		    "what it holds now", t->dir);
	buf = xmalloc(1 << 16);
	snprintf(path, sizeof(path), "%s/cgroup.procs", t->dir);
	/* one pass: frozen, nothing forks; a killed process stays in
	 * cgroup.procs until the thaw lets its SIGKILL land */
	if (read_small(path, buf, 1 << 16) >= 0)
		for (p = buf; *p != '\0'; p = end) {
			pid = strtol(p, &end, 10);
			if (end == p)
				break;
			while (*end == '\n')
				end++;
			if (pid <= 1 || (pid_t)pid == a->self ||
			    (pid_t)pid == a->parent)
				continue;
			if ((fd = a->sys->pidfd_open((pid_t)pid)) < 0)
				continue;
			if (a->sys->pidfd_kill(fd, SIGKILL) == 0)
				(*killed)++;
			close(fd);
		}
	free(buf);
	if (cg_freeze(t, 0) != 0) {
		*err = errno;
		snprintf(why, cap, "killed %d processes but cannot thaw %.160s: "
		    "%s; thaw it by hand (audrift thaw)", *killed, t->dir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Carry out action on t (freeze, thaw, evict): fills rec's result, why
 * and err.  The guards on t first. */
static void
act_on_cgroup(const struct aopts *a, enum ad_action action,
    const struct ad_cgtarget *t, struct ad_action_rec *rec)
{
	int killed;

	snprintf(rec->cgroup, sizeof(rec->cgroup), "%s", t->dir);
	if (cg_guard(a, t, rec->why, sizeof(rec->why)) != 0) {
		rec->result = AD_AR_REFUSED;
		return;
	}
	if (action == AD_ACT_EVICT) {
		if (cg_evict(a, t, &killed, &rec->err, rec->why,
		    sizeof(rec->why)) != 0) {
			rec->result = AD_AR_FAILED;
			return;
		}
		rec->result = AD_AR_DONE;
		if (killed < 0)
			snprintf(rec->why, sizeof(rec->why), "cgroup.kill: "
			    "every process of the cgroup killed");
		else
			snprintf(rec->why, sizeof(rec->why), "%d processes "
			    "killed through pidfds (frozen, killed, thawed)",
			    killed);
		return;
	}
	if (cg_freeze(t, action == AD_ACT_FREEZE) != 0) {
		rec->result = AD_AR_FAILED;
		rec->err = errno;
		snprintf(rec->why, sizeof(rec->why), "cannot write %.160s/%s: %s",
		    t->dir, t->v1 ? "freezer.state" : "cgroup.freeze",
		    strerror(errno));
		return;
	}
	rec->result = AD_AR_DONE;
	snprintf(rec->why, sizeof(rec->why), "%s the cgroup (%s)",
	    actions[action].past, t->v1 ? "v1 freezer.state" :
	    "cgroup.freeze");
}

int
ad_action_run(const struct ad_action_opts *o, enum ad_action action,
    const struct ad_cgtarget *t, struct ad_action_rec *rec)
{
	struct aopts a;

	aopts_set(&a, o);
	rec->action = action;
	if (rec->time_ms == 0)
		rec->time_ms = clock_ms(CLOCK_REALTIME);
	if (rec->origin[0] == '\0')
		snprintf(rec->origin, sizeof(rec->origin), "analyst");
	act_on_cgroup(&a, action, t, rec);
	free(a.db);
	return rec->result == AD_AR_DONE ? 0 : -1;
}

/* ---- the actor: queue, worker, disarmer ------------------------------------ */

struct job {
	struct ad_action_rec rec;
	int pidfd;		/* kill, freeze, evict: -1 none */
};

/* Per rule: the containers it acted on in the window, for the disarmer. */
#define DISARM_MAX_SEEN	64
struct rulestate {
	char *rule;
	int disarmed;
	int64_t last_ms;		/* its last decision */
	int nseen;
	struct {
		char id[AD_ACT_ID_MAX];
		int64_t ms;
	} seen[DISARM_MAX_SEEN];
};

struct ring {
	struct job *v;
	int cap, head, n;
};

struct ad_actor {
	struct aopts o;
	pthread_mutex_t mu;
	pthread_cond_t cv, idle;
	pthread_t th;
	int started, stop, busy;
	struct ring todo, done;
	sqlite3 *db;
	int db_failed;
	struct rulestate *rules;
	int nrules;
	struct ad_actor_stats st;
};

static int
ring_push(struct ring *r, const struct job *j)
{
	if (r->n == r->cap)
		return -1;
	r->v[(r->head + r->n++) % r->cap] = *j;
	return 0;
}

static int
ring_pop(struct ring *r, struct job *j)
{
	if (r->n == 0)
		return 0;
	*j = r->v[r->head];
	r->head = (r->head + 1) % r->cap;
	r->n--;
	return 1;
}

static void
db_write(struct ad_actor *a, const struct ad_action_rec *rec)
{
	int rc;

	if (a->o.db == NULL)
		return;
	if (a->db == NULL && !a->db_failed) {
		if (sqlite3_open_v2(a->o.db, &a->db, SQLITE_OPEN_READWRITE |
		    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
			log_warnx("actions: cannot open %s: %s; actions are "
			    "logged and sent as JSON lines only", a->o.db,
			    sqlite3_errmsg(a->db));
			sqlite3_close(a->db);
			a->db = NULL;
			a->db_failed = 1;
			return;
		}
		sqlite3_busy_timeout(a->db, 5000);
	}
	if (a->db == NULL)
		return;
	if ((rc = ad_action_rec_insert(a->db, rec)) != SQLITE_OK)
		log_warnx("actions: cannot insert into %s: %s; the action "
		    "(%s %s) is in the log and the JSON lines only",
		    a->o.db, sqlite3_errstr(rc), ad_action_name(rec->action),
		    ad_act_result_name(rec->result));
}

/*
 * The cgroup of a job's container: read through the event's process
 * while its pidfd (checked after the read) says it lives, so that its
 * pid cannot have been reused; else through any process of the
 * container.  0, or -1 with why (cap bytes).
 */
static int
job_target(struct ad_actor *a, const struct job *j, struct ad_cgtarget *t,
    char *why, size_t cap)
{
	pid_t pid = j->pidfd >= 0 ? j->rec.pid : 0, found;

	if (ad_cgroup_locate(a->o.procfs, a->o.cgroot, pid, j->rec.ctr_id, t,
	    &found, why, cap) != 0)
		return -1;
	if (pid == 0 || found != pid || a->o.sys->pidfd_kill(j->pidfd, 0) == 0)
		return 0;
	return ad_cgroup_locate(a->o.procfs, a->o.cgroot, 0, j->rec.ctr_id, t,
	    &found, why, cap);
}

/* kill: the signal through the pidfd the event thread opened. */
static void
job_kill(struct ad_actor *a, struct job *j)
{
	struct ad_action_rec *rec = &j->rec;

	if (rec->result == AD_AR_WOULD) {
		snprintf(rec->why, sizeof(rec->why), "monitor mode: would kill "
		    "process %d; run with --enforce to act", (int)rec->pid);
		return;
	}
	if (a->o.sys->pidfd_kill(j->pidfd, SIGKILL) != 0) {
		rec->result = AD_AR_FAILED;
		rec->err = errno;
		snprintf(rec->why, sizeof(rec->why), "pidfd_send_signal: %s",
		    strerror(errno));
	} else
		snprintf(rec->why, sizeof(rec->why), "SIGKILL through the "
		    "pidfd opened at the event");
}

/* freeze, evict: the container's cgroup found, guarded, written (or, in
 * monitor mode, named in the row). */
static void
job_cgroup(struct ad_actor *a, struct job *j)
{
	struct ad_action_rec *rec = &j->rec;
	struct ad_cgtarget t;
	char why[sizeof(rec->why)];

	if (job_target(a, j, &t, why, sizeof(why)) != 0) {
		rec->result = AD_AR_FAILED;
		rec->err = ESRCH;
		snprintf(rec->why, sizeof(rec->why), "%s", why);
		return;
	}
	if (rec->result == AD_AR_DONE) {
		act_on_cgroup(&a->o, rec->action, &t, rec);
		return;
	}
	snprintf(rec->cgroup, sizeof(rec->cgroup), "%s", t.dir);
	if (cg_guard(&a->o, &t, why, sizeof(why)) != 0) {
		rec->result = AD_AR_REFUSED;
		snprintf(rec->why, sizeof(rec->why), "%s", why);
	} else
		snprintf(rec->why, sizeof(rec->why), "monitor mode: would %s "
		    "the container; run with --enforce to act",
		    ad_action_name(rec->action));
}

/* The worker's part of one job: act (when the event thread's guards let
 * it), record. */
static void
job_run(struct ad_actor *a, struct job *j)
{
	struct ad_action_rec *rec = &j->rec;

	if (rec->result == AD_AR_DONE || rec->result == AD_AR_WOULD) {
		if (rec->action == AD_ACT_KILL)
			job_kill(a, j);
		else
			job_cgroup(a, j);
	}
	if (j->pidfd >= 0) {
		close(j->pidfd);
		j->pidfd = -1;
	}
	if (rec->result == AD_AR_DONE || rec->result == AD_AR_FAILED)
		log_warnx("action %s %s: container %.12s pid %d: %s",
		    ad_action_name(rec->action), ad_act_result_name(rec->result),
		    rec->ctr_id[0] ? rec->ctr_id : "-", (int)rec->pid,
		    rec->why);
	db_write(a, rec);
}

/* Count the result and hand the record back to the event thread. */
static void
job_finish(struct ad_actor *a, struct job *j)
{
	switch (j->rec.result) {
	case AD_AR_DONE: a->st.done++; break;
	case AD_AR_WOULD: a->st.would++; break;
	case AD_AR_REFUSED: a->st.refused++; break;
	default: a->st.failed++; break;
	}
	if (ring_push(&a->done, j) != 0)
		a->st.dropped++;	/* its JSON line; the row is written */
}

static void *
worker(void *arg)
{
	struct ad_actor *a = arg;
	struct job j;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (!ring_pop(&a->todo, &j)) {
			if (a->stop)
				goto out;
			pthread_cond_broadcast(&a->idle);
			pthread_cond_wait(&a->cv, &a->mu);
		}
		a->busy = 1;
		pthread_mutex_unlock(&a->mu);
		job_run(a, &j);
		pthread_mutex_lock(&a->mu);
		a->busy = 0;
		job_finish(a, &j);
	}
out:
	pthread_cond_broadcast(&a->idle);
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

struct ad_actor *
ad_actor_new(const struct ad_action_opts *o)
{
	struct ad_actor *a = xcalloc(1, sizeof(*a));

	aopts_set(&a->o, o);
	a->todo.cap = a->done.cap = a->o.queue_max;
	a->todo.v = xcalloc((size_t)a->todo.cap, sizeof(*a->todo.v));
	a->done.v = xcalloc((size_t)a->done.cap, sizeof(*a->done.v));
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	pthread_cond_init(&a->idle, NULL);
	if (!a->o.sync) {
		if (pthread_create(&a->th, NULL, worker, a) != 0) {
			log_warnx("cannot start the action thread: no action "
			    "will be taken; check the thread limits "
			    "(ulimit -u)");
			ad_actor_free(a);
			return NULL;
		}
		a->started = 1;
	}
	return a;
}

void
ad_actor_free(struct ad_actor *a)
{
	struct job j;
	int i;

	if (a == NULL)
		return;
	if (a->started) {
		pthread_mutex_lock(&a->mu);
		a->stop = 1;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->th, NULL);
	}
	while (ring_pop(&a->todo, &j))	/* sync mode, or never started */
		if (j.pidfd >= 0)
			close(j.pidfd);
	if (a->st.decided > 0)
		log_info("actions: %llu decided: %llu done, %llu would, %llu "
		    "refused, %llu failed, %llu dropped (queue full)",
		    (unsigned long long)a->st.decided,
		    (unsigned long long)a->st.done,
		    (unsigned long long)a->st.would,
		    (unsigned long long)a->st.refused,
		    (unsigned long long)a->st.failed,
		    (unsigned long long)a->st.dropped);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	pthread_cond_destroy(&a->idle);
	if (a->db != NULL)
		sqlite3_close(a->db);
	for (i = 0; i < a->nrules; i++)
		free(a->rules[i].rule);
	free(a->rules);
	free(a->todo.v);
	free(a->done.v);
	free(a->o.db);
	free(a);
}

void
ad_actor_wait(struct ad_actor *a)
{
	pthread_mutex_lock(&a->mu);
	while (a->started && (a->todo.n > 0 || a->busy))
		pthread_cond_wait(&a->idle, &a->mu);
	pthread_mutex_unlock(&a->mu);
}

int
ad_actor_pop(struct ad_actor *a, struct ad_action_rec *out)
{
	struct job j;
	int got;

	pthread_mutex_lock(&a->mu);
	got = ring_pop(&a->done, &j);
	pthread_mutex_unlock(&a->mu);
	if (got)
		*out = j.rec;
	return got;
}

void
ad_actor_stats(const struct ad_actor *a, struct ad_actor_stats *st)
{
	int i;

	pthread_mutex_lock((pthread_mutex_t *)&a->mu);
	*st = a->st;
	pthread_mutex_unlock((pthread_mutex_t *)&a->mu);
	st->disarmed = 0;
	for (i = 0; i < a->nrules; i++)
		st->disarmed += a->rules[i].disarmed;
}

static struct rulestate *
rule_state(struct ad_actor *a, const char *rule)
{
	int i;

	for (i = 0; i < a->nrules; i++)
		if (strcmp(a->rules[i].rule, rule) == 0)
			return &a->rules[i];
	a->rules = xrealloc(a->rules, (size_t)(a->nrules + 1) *
	    sizeof(*a->rules));
	memset(&a->rules[a->nrules], 0, sizeof(*a->rules));
	a->rules[a->nrules].rule = xstrdup(rule);
	return &a->rules[a->nrules++];
}

/*
 * The disarmer: may rule r act on container id at now?  Containers seen
 * longer ago than the window are forgotten; a disarmed rule re-arms
 * after a window with no decision of its own.  Returns 0 may act, 1
 * refused (disarmed), 2 this decision tripped it.
 */
static int
disarm_check(struct ad_actor *a, struct rulestate *r, const char *id,
    int64_t now)
{
	int i, k;

	if (r->disarmed && now - r->last_ms >= AD_DISARM_WINDOW_MS) {
		r->disarmed = 0;
		r->nseen = 0;
		log_info("rule %s re-armed: no action for a minute", r->rule);
	}
	r->last_ms = now;
	if (r->disarmed)
		return 1;
	for (i = k = 0; i < r->nseen; i++)
		if (now - r->seen[i].ms < AD_DISARM_WINDOW_MS)
			r->seen[k++] = r->seen[i];
	r->nseen = k;
	for (i = 0; i < r->nseen; i++)
		if (strcmp(r->seen[i].id, id) == 0) {
			r->seen[i].ms = now;
			return 0;
		}
	if (r->nseen >= a->o.disarm_n) {
		r->disarmed = 1;
		return 2;
	}
	if (r->nseen < DISARM_MAX_SEEN) {
		snprintf(r->seen[r->nseen].id, sizeof(r->seen[0].id), "%s", id);
		r->seen[r->nseen++].ms = now;
	}
	return 0;
}

static int
attribution_certain(enum ad_attr at)
{
	return at == AD_ATTR_PID || at == AD_ATTR_CACHE ||
	    at == AD_ATTR_DEVICE;
}

static void
refuse(struct ad_action_rec *rec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
refuse(struct ad_action_rec *rec, const char *fmt, ...)
{
	va_list ap;

	rec->result = AD_AR_REFUSED;
	va_start(ap, fmt);
	vsnprintf(rec->why, sizeof(rec->why), fmt, ap);
	va_end(ap);
}

/* The event-thread guards: which processes and which attributions. */
static void
guard(struct ad_actor *a, const struct ad_event *ev,
    struct ad_action_rec *rec)
{
	pid_t pid = ev->proc.pid;

	if (ev->attribution == AD_ATTR_REPLAY)
		refuse(rec, "a replayed event: its processes are not the "
		    "ones running now");
	else if (ev->container == NULL)
		refuse(rec, "a host process (attribution %s): actions are "
		    "for containers only", ad_attr_name(ev->attribution));
	else if (!attribution_certain(ev->attribution))
		refuse(rec, "container attributed by %s only, not with "
		    "certainty (live pid, pid cache or overlay device)",
		    ad_attr_name(ev->attribution));
	else if (pid == 1)
		refuse(rec, "pid 1 of the host");
	else if (pid == a->o.self)
		refuse(rec, "audrift itself");
	else if (pid == a->o.parent)
		refuse(rec, "audrift's parent (pid %d)", (int)pid);
}

/*
 * The pidfd of the event's process, opened now, and checked: the
 * process living at that pid must have started no later than the event
 * (field 22 is floored to a tick, audit's clock is coarse: 2 ticks and
 * 10 ms of slack).  Returns the fd, or -1 with why in rec (gone, or the
 * pid was reused).
 */
static int
event_pidfd(struct ad_actor *a, const struct ad_event *ev,
    struct ad_action_rec *rec)
{
	int64_t start, ev_ms = ev->sec * 1000 + ev->ms;
	int64_t slack = 2 * (1000 / a->o.hz) + 10;
	int fd;

	if (ev->proc.pid <= 0 ||
	    (fd = a->o.sys->pidfd_open(ev->proc.pid)) < 0) {
		snprintf(rec->why, sizeof(rec->why), "process %d has exited",
		    (int)ev->proc.pid);
		rec->err = ev->proc.pid <= 0 ? ESRCH : errno;
		return -1;
	}
	if (pid_start_ms(&a->o, ev->proc.pid, &start) != 0) {
		close(fd);
		snprintf(rec->why, sizeof(rec->why), "process %d has exited",
		    (int)ev->proc.pid);
		rec->err = ESRCH;
		return -1;
	}
	if (start > ev_ms + slack) {
		close(fd);
		snprintf(rec->why, sizeof(rec->why), "pid %d was reused: the "
		    "process there now started %lld ms after the event",
		    (int)ev->proc.pid, (long long)(start - ev_ms));
		rec->err = ESRCH;
		return -1;
	}
	return fd;
}

static void
queue_job(struct ad_actor *a, struct job *j)
{
	int full;

	pthread_mutex_lock(&a->mu);
	a->st.decided++;
	full = ring_push(&a->todo, j) != 0;
	if (full)
		a->st.dropped++;
	else
		pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (full) {
		log_warnx("actions: the action queue is full (%d waiting): "
		    "%s on container %.12s for rule %s was dropped; check "
		    "the log for a stuck cgroup write", a->todo.cap,
		    ad_action_name(j->rec.action), j->rec.ctr_id, j->rec.rule);
		if (j->pidfd >= 0)
			close(j->pidfd);
		return;
	}
	if (a->o.sync) {
		struct job w;

		pthread_mutex_lock(&a->mu);
		ring_pop(&a->todo, &w);
		pthread_mutex_unlock(&a->mu);
		job_run(a, &w);
		pthread_mutex_lock(&a->mu);
		job_finish(a, &w);
		pthread_mutex_unlock(&a->mu);
	}
}

int
ad_actor_finding(struct ad_actor *a, const struct ad_finding *f,
    enum ad_action action, int64_t now_ms, char *msg, size_t cap)
{
	const struct ad_event *ev = f->ev;
	const struct ad_container *c = ev ? ev->container : NULL;
	struct rulestate *rs;
	struct job j;
	int tripped = 0, d;

	if (ev == NULL || action == AD_ACT_NONE || action >= AD_ACT__COUNT)
		return 0;
	memset(&j, 0, sizeof(j));
	j.pidfd = -1;
	j.rec.time_ms = clock_ms(CLOCK_REALTIME);
	j.rec.action = action;
	j.rec.result = a->o.enforce ? AD_AR_DONE : AD_AR_WOULD;
	snprintf(j.rec.origin, sizeof(j.rec.origin), "rule");
	snprintf(j.rec.rule, sizeof(j.rec.rule), "%s", f->rule);
	j.rec.serial = ev->serial;
	j.rec.event_ms = ev->sec * 1000 + ev->ms;
	j.rec.pid = ev->proc.pid;
	if (c != NULL) {
		snprintf(j.rec.ctr_id, sizeof(j.rec.ctr_id), "%s", c->id);
		if (c->name != NULL)
			snprintf(j.rec.ctr_name, sizeof(j.rec.ctr_name), "%s",
			    c->name);
	}
	guard(a, ev, &j.rec);
	if (j.rec.result != AD_AR_REFUSED) {
		rs = rule_state(a, f->rule);
		d = disarm_check(a, rs, c->id, now_ms);
		if (d != 0) {
			refuse(&j.rec, "rule %s is disarmed: its actions would "
			    "hit more than %d containers within 60 s; it "
			    "re-arms after a minute without one",
			    f->rule, a->o.disarm_n);
			if (d == 2) {
				tripped = 1;
				snprintf(msg, cap, "rule %s stopped acting: its "
				    "%s actions would hit more than %d "
				    "distinct containers within 60 s (the "
				    "last: %.12s); it re-arms after a quiet "
				    "minute.  Look at its findings (audrift "
				    "query --rule %s): a rule this broad "
				    "should not carry an action",
				    f->rule, ad_action_name(action),
				    a->o.disarm_n, c->id, f->rule);
			}
		}
	}
	if (j.rec.result != AD_AR_REFUSED) {
		j.pidfd = event_pidfd(a, ev, &j.rec);
		/* freeze and evict find the container from its id too: only
		 * a kill needs the process itself */
		if (j.pidfd < 0 && action == AD_ACT_KILL) {
			j.rec.result = AD_AR_REFUSED;
		} else if (j.pidfd < 0) {
			j.rec.why[0] = '\0';
			j.rec.err = 0;
		}
	}
	queue_job(a, &j);
	return tripped;
}
