/*
 * test_action.c - the actions' guards, the disarmer, pid reuse and the
 * cgroup writes, against the fixture procfs of tests/fixtures/action
 * (README there) and cgroup trees made in a temp dir, with the kernel's
 * pidfd calls replaced by a recorder.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "action.h"
#include "container.h"
#include "event.h"
#include "store.h"
#include "util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/action"
#endif

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define ID_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* Boot, and the events' time: after pids 100/101 started (tick 200000 =
 * 2000 s), before pid 102 did (tick 900000). */
#define BOOT_MS		1700000000000LL
#define EVENT_MS	(BOOT_MS + 3000 * 1000LL)
#define SELF		200
#define PARENT		300

/* ---- the recorded kernel ------------------------------------------------ */

static struct {
	pid_t fd_pid[1024];	/* pid of each fake pidfd */
	pid_t killed[64];
	int sigs[64];
	int nkilled;
	int nopened;
} k;

static int
fake_open(pid_t pid)
{
	int fd;

	/* pids with a stat file in the fixture live; others have exited */
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/proc/%d/stat", FIXTURE_DIR, (int)pid);
	if (access(path, F_OK) != 0) {
		errno = ESRCH;
		return -1;
	}
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || fd >= 1024)
		return -1;
	k.fd_pid[fd] = pid;
	k.nopened++;
	return fd;
}

static int
fake_kill(int fd, int sig)
{
	if (fd < 0 || fd >= 1024 || k.fd_pid[fd] == 0) {
		errno = EBADF;
		return -1;
	}
	if (sig != 0 && k.nkilled < 64) {
		k.killed[k.nkilled] = k.fd_pid[fd];
		k.sigs[k.nkilled++] = sig;
	}
	return 0;
}

static const struct ad_action_sys fake_sys = { fake_open, fake_kill };

/* ---- the cgroup trees ---------------------------------------------------- */

static char cgroot[256];

static void
put(const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cgroot, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + strlen(cgroot) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static const char *
get(const char *rel)
{
	static char buf[256];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", cgroot, rel);
	if ((f = fopen(path, "r")) == NULL)
		return "(absent)";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

#define V1A	"freezer/libpod_parent/libpod-" ID_A
#define V2B	"unified/machine.slice/libpod-" ID_B ".scope"
#define V1C	"freezer/libpod_parent/libpod-" ID_C

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

static int
setup(void **state)
{
	(void)state;
	memset(&k, 0, sizeof(k));
	snprintf(cgroot, sizeof(cgroot), "%s/audrift-action.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(cgroot));
	put(V1A "/freezer.state", "THAWED\n");
	put(V1A "/cgroup.procs", "100\n101\n1\n200\n");
	put("unified/libpod_parent/libpod-" ID_A "/cgroup.freeze", "0\n");
	put(V2B "/cgroup.freeze", "0\n");
	put(V2B "/cgroup.kill", "");
	put(V2B "/cgroup.events", "populated 1\nfrozen 0\n");
	put(V1C "/freezer.state", "THAWED\n");
	put(V1C "/audrift/freezer.state", "THAWED\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	nftw(cgroot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void
opts(struct ad_action_opts *o, int enforce)
{
	memset(o, 0, sizeof(*o));
	o->enforce = enforce;
	o->procfs = FIXTURE_DIR "/proc";
	o->cgroot = cgroot;
	o->sys = &fake_sys;
	o->self = SELF;
	o->parent = PARENT;
	o->boot_ms = BOOT_MS;
	o->sync = 1;
	o->disarm_n = 2;
}

/* ---- findings ------------------------------------------------------------ */

struct fx {
	struct ad_container c;
	struct ad_event ev;
	struct ad_finding f;
};

static void
fx_make(struct fx *x, const char *id, pid_t pid, enum ad_attr at)
{
	memset(x, 0, sizeof(*x));
	x->c.id = id;
	x->c.name = "web-1";
	x->ev.serial = 42;
	x->ev.sec = EVENT_MS / 1000;
	x->ev.ms = 0;
	x->ev.proc.pid = pid;
	x->ev.container = id ? &x->c : NULL;
	x->ev.attribution = at;
	x->f.rule = "drift_exec";
	x->f.severity = "high";
	x->f.ev = &x->ev;
}

/* Decide on x with action; the record that came of it into rec. */
static int
decide(struct ad_actor *a, struct fx *x, enum ad_action action,
    int64_t now, struct ad_action_rec *rec)
{
	char msg[512];
	int tripped = ad_actor_finding(a, &x->f, action, now, msg,
	    sizeof(msg));

	ad_actor_wait(a);
	assert_int_equal(ad_actor_pop(a, rec), 1);
	assert_int_equal(ad_actor_pop(a, rec + 1), 0);
	return tripped;
}

static void
assert_has(const char *s, const char *sub)
{
	if (strstr(s, sub) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", s, sub);
}

/* ---- the cgroup of a container ------------------------------------------ */

static void
test_target(void **state)
{
	const char *v1 = "6:freezer:/libpod_parent/libpod-" ID_A "\n"
	    "0::/libpod_parent/libpod-" ID_A "\n";
	const char *v2 = "0::/machine.slice/libpod-" ID_B ".scope/container\n";
	struct ad_cgtarget t;
	char why[256], want[PATH_MAX];

	(void)state;
	assert_int_equal(ad_cgroup_target(v1, strlen(v1), cgroot, ID_A, &t,
	    why, sizeof(why)), 0);
	assert_int_equal(t.v1, 1);
	snprintf(want, sizeof(want), "%s/" V1A, cgroot);
	assert_string_equal(t.dir, want);
	/* v2: cut after the component naming the container */
	assert_int_equal(ad_cgroup_target(v2, strlen(v2), cgroot, ID_B, &t,
	    why, sizeof(why)), 0);
	assert_int_equal(t.v1, 0);
	assert_string_equal(t.rel, "/machine.slice/libpod-" ID_B ".scope");
	snprintf(want, sizeof(want), "%s/" V2B, cgroot);
	assert_string_equal(t.dir, want);
}

static void
test_target_refused(void **state)
{
	static const char *const bad[] = {
		"6:freezer:/\n0::/\n",				/* the root */
		"0::/system.slice/sshd.service\n",		/* no id */
		"0::/libpod_parent/../libpod-" ID_A "\n",	/* .. */
		"",
	};
	struct ad_cgtarget t;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < AD_ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		assert_int_equal(ad_cgroup_target(bad[i], strlen(bad[i]),
		    cgroot, ID_A, &t, why, sizeof(why)), -1);
		assert_true(why[0] != '\0');
	}
}

static void
test_locate(void **state)
{
	struct ad_cgtarget t;
	char why[256];
	pid_t found;

	(void)state;
	/* by pid, then (pid gone) by scanning procfs for the id */
	assert_int_equal(ad_cgroup_locate(FIXTURE_DIR "/proc", cgroot, 101,
	    ID_A, &t, &found, why, sizeof(why)), 0);
	assert_int_equal(found, 101);
	assert_int_equal(ad_cgroup_locate(FIXTURE_DIR "/proc", cgroot, 9999,
	    ID_B, &t, &found, why, sizeof(why)), 0);
	assert_int_equal(found, 110);
	/* a pid of another container is not taken for this one */
	assert_int_equal(ad_cgroup_locate(FIXTURE_DIR "/proc", cgroot, 110,
	    ID_A, &t, &found, why, sizeof(why)), 0);
	assert_true(found == 100 || found == 101 || found == 102);
	assert_int_equal(ad_cgroup_locate(FIXTURE_DIR "/proc", cgroot, 0,
	    "dddd", &t, &found, why, sizeof(why)), -1);
	assert_has(why, "no process of container");
}

/* ---- guards ------------------------------------------------------------- */

static void
test_guard_host_and_attribution(void **state)
{
	static const struct {
		const char *id;
		enum ad_attr at;
		const char *why;
	} cases[] = {
		{ NULL, AD_ATTR_HOST, "a host process" },
		{ NULL, AD_ATTR_UNKNOWN, "a host process" },
		{ ID_A, AD_ATTR_PPID, "attributed by ppid only" },
		{ ID_A, AD_ATTR_REPLAY, "a replayed event" },
		{ ID_A, AD_ATTR_UNKNOWN, "not with certainty" },
		{ ID_A, (enum ad_attr)(AD_ATTR__COUNT + 3), "not with "
		    "certainty" },
	};
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor *a;
	struct fx x;
	size_t i;

	(void)state;
	opts(&o, 1);
	assert_non_null(a = ad_actor_new(&o));
	for (i = 0; i < AD_ARRAY_SIZE(cases); i++) {
		fx_make(&x, cases[i].id, 100, cases[i].at);
		decide(a, &x, AD_ACT_FREEZE, 1000, rec);
		assert_int_equal(rec[0].result, AD_AR_REFUSED);
		assert_has(rec[0].why, cases[i].why);
	}
	assert_string_equal(get(V1A "/freezer.state"), "THAWED");
	assert_int_equal(k.nopened, 0);
	ad_actor_free(a);
}

static void
test_guard_processes(void **state)
{
	static const struct {
		pid_t pid;
		const char *why;
	} cases[] = {
		{ 1, "pid 1 of the host" },
		{ SELF, "audrift itself" },
		{ PARENT, "audrift's parent" },
	};
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor *a;
	struct fx x;
	size_t i;

	(void)state;
	opts(&o, 1);
	o.disarm_n = 10;
	assert_non_null(a = ad_actor_new(&o));
	for (i = 0; i < AD_ARRAY_SIZE(cases); i++) {
		fx_make(&x, ID_A, cases[i].pid, AD_ATTR_PID);
		decide(a, &x, AD_ACT_KILL, 1000, rec);
		assert_int_equal(rec[0].result, AD_AR_REFUSED);
		assert_has(rec[0].why, cases[i].why);
	}
	assert_int_equal(k.nkilled, 0);
	/* a container whose cgroup holds audrift (pid 121 here) */
	o.self = 121;
	ad_actor_free(a);
	assert_non_null(a = ad_actor_new(&o));
	fx_make(&x, ID_C, 120, AD_ATTR_CACHE);
	decide(a, &x, AD_ACT_FREEZE, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	assert_has(rec[0].why, "holds audrift itself");
	assert_string_equal(get(V1C "/freezer.state"), "THAWED");
	ad_actor_free(a);
}

/* ---- pid reuse between event and action --------------------------------- */

static void
test_kill_pid_reuse(void **state)
{
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor *a;
	struct fx x;

	(void)state;
	opts(&o, 1);
	assert_non_null(a = ad_actor_new(&o));
	/* pid 102 started at 9000 s, the event was at 3000 s */
	fx_make(&x, ID_A, 102, AD_ATTR_PID);
	decide(a, &x, AD_ACT_KILL, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	assert_has(rec[0].why, "pid 102 was reused");
	assert_int_equal(k.nkilled, 0);
	/* gone: nothing to open */
	fx_make(&x, ID_A, 4242, AD_ATTR_DEVICE);
	decide(a, &x, AD_ACT_KILL, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	assert_has(rec[0].why, "has exited");
	/* pid 100 is the event's process: killed through its pidfd */
	fx_make(&x, ID_A, 100, AD_ATTR_PID);
	decide(a, &x, AD_ACT_KILL, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_DONE);
	assert_int_equal(k.nkilled, 1);
	assert_int_equal(k.killed[0], 100);
	assert_int_equal(k.sigs[0], SIGKILL);
	assert_string_equal(get(V1A "/freezer.state"), "THAWED");
	ad_actor_free(a);
}

/* ---- freeze, evict, monitor mode ----------------------------------------- */

static void
test_freeze_monitor_then_enforce(void **state)
{
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor *a;
	struct fx x;

	(void)state;
	opts(&o, 0);
	assert_non_null(a = ad_actor_new(&o));
	fx_make(&x, ID_A, 100, AD_ATTR_PID);
	decide(a, &x, AD_ACT_FREEZE, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_WOULD);
	assert_has(rec[0].why, "would freeze");
	assert_has(rec[0].cgroup, V1A);
	assert_string_equal(get(V1A "/freezer.state"), "THAWED");
	fx_make(&x, ID_A, 100, AD_ATTR_PID);
	decide(a, &x, AD_ACT_KILL, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_WOULD);
	assert_int_equal(k.nkilled, 0);
	ad_actor_free(a);

	opts(&o, 1);
	assert_non_null(a = ad_actor_new(&o));
	/* the event's process has exited: found by the container's id */
	fx_make(&x, ID_A, 4242, AD_ATTR_DEVICE);
	decide(a, &x, AD_ACT_FREEZE, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_DONE);
	assert_string_equal(get(V1A "/freezer.state"), "FROZEN");
	assert_string_equal(rec[0].ctr_id, ID_A);
	assert_int_equal(rec[0].serial, 42);
	/* v2 */
	fx_make(&x, ID_B, 110, AD_ATTR_CACHE);
	decide(a, &x, AD_ACT_FREEZE, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_DONE);
	assert_string_equal(get(V2B "/cgroup.freeze"), "1");
	ad_actor_free(a);
}

static void
test_evict(void **state)
{
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor *a;
	struct fx x;

	(void)state;
	opts(&o, 1);
	assert_non_null(a = ad_actor_new(&o));
	/* v1: frozen, each pid but 1 and audrift killed, thawed */
	fx_make(&x, ID_A, 100, AD_ATTR_PID);
	decide(a, &x, AD_ACT_EVICT, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_DONE);
	assert_int_equal(k.nkilled, 2);
	assert_int_equal(k.killed[0], 100);
	assert_int_equal(k.killed[1], 101);
	assert_string_equal(get(V1A "/freezer.state"), "THAWED");
	/* v2: cgroup.kill */
	fx_make(&x, ID_B, 110, AD_ATTR_PID);
	decide(a, &x, AD_ACT_EVICT, 1000, rec);
	assert_int_equal(rec[0].result, AD_AR_DONE);
	assert_string_equal(get(V2B "/cgroup.kill"), "1");
	assert_int_equal(k.nkilled, 2);
	ad_actor_free(a);
}

/* ---- the disarmer --------------------------------------------------------- */

static void
test_disarmer(void **state)
{
	static const char *const ids[] = { ID_A, ID_B, ID_C, "dddd" };
	struct ad_action_opts o;
	struct ad_action_rec rec[2];
	struct ad_actor_stats st;
	struct ad_actor *a;
	struct fx x;
	int64_t t = 1000000;

	(void)state;
	opts(&o, 0);		/* monitor mode counts too */
	o.disarm_n = 2;
	assert_non_null(a = ad_actor_new(&o));
	fx_make(&x, ids[0], 100, AD_ATTR_PID);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t, rec), 0);
	/* the same container again is not a new one */
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 1, rec), 0);
	fx_make(&x, ids[1], 110, AD_ATTR_PID);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 2, rec), 0);
	assert_int_equal(rec[0].result, AD_AR_WOULD);
	/* N + 1 = 3 distinct containers: trips */
	fx_make(&x, ids[2], 120, AD_ATTR_PID);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 3, rec), 1);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	assert_has(rec[0].why, "disarmed");
	ad_actor_stats(a, &st);
	assert_int_equal(st.disarmed, 1);
	/* disarmed: even a container seen before is refused, and each
	 * decision restarts the quiet minute */
	fx_make(&x, ids[0], 100, AD_ATTR_PID);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 50000, rec), 0);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 100000, rec), 0);
	assert_int_equal(rec[0].result, AD_AR_REFUSED);
	/* another rule is not disarmed by this one */
	x.f.rule = "other";
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 100001, rec), 0);
	assert_int_equal(rec[0].result, AD_AR_WOULD);
	/* a quiet minute: re-armed, the window starts empty */
	x.f.rule = "drift_exec";
	fx_make(&x, ids[3], 100, AD_ATTR_PID);
	assert_int_equal(decide(a, &x, AD_ACT_KILL, t + 160000, rec), 0);
	assert_int_equal(rec[0].result, AD_AR_WOULD);
	ad_actor_stats(a, &st);
	assert_int_equal(st.disarmed, 0);
	ad_actor_free(a);
}

/* ---- records -------------------------------------------------------------- */

static void
test_records(void **state)
{
	struct ad_action_rec r;
	struct ad_buf b;
	sqlite3 *db;
	sqlite3_stmt *st;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.time_ms = BOOT_MS;
	r.action = AD_ACT_FREEZE;
	r.result = AD_AR_REFUSED;
	snprintf(r.origin, sizeof(r.origin), "rule");
	snprintf(r.rule, sizeof(r.rule), "drift_exec");
	snprintf(r.ctr_id, sizeof(r.ctr_id), ID_A);
	snprintf(r.why, sizeof(r.why), "a \"host\" process");
	r.pid = 100;
	ad_buf_init(&b);
	ad_action_rec_json(&b, &r);
	ad_buf_addc(&b, '\0');
	assert_string_equal(b.p, "{\"type\":\"action\",\"time\":"
	    "\"2023-11-14T22:13:20.000Z\",\"action\":\"freeze\",\"result\":"
	    "\"refused\",\"origin\":\"rule\",\"rule\":\"drift_exec\","
	    "\"container_id\":\"" ID_A "\",\"pid\":100,\"why\":"
	    "\"a \\\"host\\\" process\"}");
	ad_buf_free(&b);

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(ad_schema_apply(db, ad_schema_version(), ":memory:"),
	    0);
	assert_int_equal(ad_action_rec_insert(db, &r), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT action, result, "
	    "container_id, pid, why, serial FROM actions", -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
	    "freeze");
	assert_string_equal((const char *)sqlite3_column_text(st, 1),
	    "refused");
	assert_int_equal(sqlite3_column_int(st, 3), 100);
	assert_int_equal(sqlite3_column_type(st, 5), SQLITE_NULL);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
test_names(void **state)
{
	enum ad_action a;

	(void)state;
	assert_int_equal(ad_action_rule_from_name("freeze", &a), 0);
	assert_int_equal(a, AD_ACT_FREEZE);
	assert_int_equal(ad_action_rule_from_name("none", &a), 0);
	assert_int_equal(a, AD_ACT_NONE);
	assert_int_equal(ad_action_rule_from_name("thaw", &a), -1);
	assert_string_equal(ad_action_rule_names(),
	    "none, freeze, evict, kill");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_target_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_locate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_host_and_attribution,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_guard_processes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill_pid_reuse, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_freeze_monitor_then_enforce,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_evict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disarmer, setup, teardown),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
