/*
 * test_container.c - the container resolver against fixture /proc trees.
 *
 * tests/fixtures/cgroup/<layout>/proc is a procfs root shaped like the
 * kernel's (cgroup, stat, mountinfo per pid) and <layout>/root the host
 * root with the runtime's state; make-fixtures.sh there rebuilds them.
 * Tests that make pids exit work on a copy in a temp dir.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "resolver.h"
#include "util.h"

#ifndef FIXTURE_DIR
#define FIXTURE_DIR "tests/fixtures/cgroup"
#endif

/* The fixtures' clock: boot, "now", and the events' time (ms). */
#define BOOT_MS		1700000000000LL
#define NOW_MS		(BOOT_MS + 2100 * 1000LL)
#define EVENT_MS	(BOOT_MS + 2000 * 1000LL)

static char *
fx(const char *layout, const char *what)
{
	static char buf[4][PATH_MAX];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, PATH_MAX, "%s/%s/%s", FIXTURE_DIR, layout, what);
	return p;
}

static struct ad_resolver *
open_layout(const char *base, const char *layout)
{
	char proc[PATH_MAX], root[PATH_MAX];
	struct ad_resolver *r;

	snprintf(proc, sizeof(proc), "%s/%s/proc", base, layout);
	snprintf(root, sizeof(root), "%s/%s/root", base, layout);
	r = ad_resolver_new(proc, root, 0);
	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	return r;
}

static void
ev_init(struct ad_event *ev, pid_t pid, pid_t ppid, enum ad_op op,
    int64_t t)
{
	memset(ev, 0, sizeof(*ev));
	ev->sec = t / 1000;
	ev->ms = (unsigned)(t % 1000);
	ev->proc.pid = pid;
	ev->proc.ppid = ppid;
	ev->op = op;
	ev->syscall = -1;
	ev->file_idx = ev->file2_idx = -1;
}

static void
ev_file(struct ad_event *ev, const char *path, unsigned maj, unsigned min)
{
	struct ad_item *it = &ev->items[ev->nitems];

	it->name.s = it->path.s = path;
	it->name.len = it->path.len = strlen(path);
	it->nametype = AD_NT_NORMAL;
	it->has_inode = 1;
	it->inode = 1234;
	it->dev_major = maj;
	it->dev_minor = min;
	ev->file_idx = ev->nitems++;
}

static void
ev_exe(struct ad_event *ev, const char *exe)
{
	ev->proc.exe.s = exe;
	ev->proc.exe.len = strlen(exe);
}

/* --- a temp copy of a layout, for pids that exit ---------------------- */

static char tmpbase[512];
static size_t srclen;

static int
copy_one(const char *src, const struct stat *st, int type, struct FTW *f)
{
	char dst[PATH_MAX], buf[8192];
	ssize_t n;
	int in, out;

	snprintf(dst, sizeof(dst), "%s%s", tmpbase, src + srclen);
	if (type == FTW_D)
		return mkdir(dst, 0755) != 0 && errno != EEXIST;
	if (type == FTW_SL) {
		n = readlink(src, buf, sizeof(buf) - 1);
		if (n < 0)
			return 1;
		buf[n] = '\0';
		return symlink(buf, dst) != 0;
	}
	if ((in = open(src, O_RDONLY)) < 0)
		return 1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		close(in);
		return 1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	close(out);
	return n != 0;
}

static int
rm_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	return remove(p);
}

static void
rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copy layout into a new temp dir (tmpbase/<layout>). */
static void
copy_layout(const char *layout)
{
	char src[PATH_MAX];

	snprintf(tmpbase, sizeof(tmpbase), "/tmp/audrift-ct.XXXXXX");
	assert_non_null(mkdtemp(tmpbase));
	snprintf(src, sizeof(src), "%s/%s", FIXTURE_DIR, layout);
	srclen = strlen(src);
	strcat(tmpbase, "/");
	strcat(tmpbase, layout);
	assert_int_equal(nftw(src, copy_one, 16, FTW_PHYS), 0);
	tmpbase[strlen(tmpbase) - strlen(layout) - 1] = '\0';
}

static void
kill_pid(const char *layout, pid_t pid)
{
	char p[PATH_MAX + 600];

	snprintf(p, sizeof(p), "%s/%s/proc/%d", tmpbase, layout, (int)pid);
	rm_tree(p);
}

/* copy pid's file what from pid from, in the temp copy of layout */
static void
copy_file(const char *layout, pid_t from, pid_t pid, const char *what)
{
	char src[PATH_MAX + 600], dst[PATH_MAX + 600], buf[8192];
	ssize_t n;
	int in, out;

	snprintf(src, sizeof(src), "%s/%s/proc/%d/%s", tmpbase, layout,
	    (int)from, what);
	snprintf(dst, sizeof(dst), "%s/%s/proc/%d/%s", tmpbase, layout,
	    (int)pid, what);
	assert_true((in = open(src, O_RDONLY)) >= 0);
	assert_true((out = open(dst, O_WRONLY | O_TRUNC)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

/* --- the pure matcher -------------------------------------------------- */

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct mcase {
	const char *cgroup;
	int match, helper;
	const char *runtime, *id, *pod, *ns;
};

static const struct mcase mcases[] = {
	{ "0::/docker/" H64 "\n", 1, 0, "docker", H64, "", "" },
	{ "0::/system.slice/docker-" H64 ".scope\n", 1, 0, "docker", H64, "", "" },
	{ "0::/docker/" H64 "/init.scope\n", 1, 0, "docker", H64, "", "" },
	{ "0::/system.slice/docker.service\n", 0, 0, NULL, "", "", "" },
	{ "0::/docker/abc\n", 0, 0, NULL, "", "", "" },
	{ "0::/docker/" H64 "0\n", 0, 0, NULL, "", "", "" },
	{ "0::/kubepods.slice/kubepods-burstable.slice/"
	  "kubepods-burstable-pod5d3c2b1a_9f8e_4d7c_a6b5_0c1d2e3f4a5b.slice/"
	  "cri-containerd-" H64 ".scope\n", 1, 0, "containerd", H64,
	  "5d3c2b1a-9f8e-4d7c-a6b5-0c1d2e3f4a5b", "" },
	{ "0::/kubepods.slice/kubepods-pod5d3c2b1a_9f8e_4d7c_a6b5_0c1d2e3f4a5b"
	  ".slice/cri-containerd-" H64 ".scope\n", 1, 0, "containerd", H64,
	  "5d3c2b1a-9f8e-4d7c-a6b5-0c1d2e3f4a5b", "" },
	{ "3:memory:/kubepods-besteffort-pod0a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d"
	  ".slice:cri-containerd:" H64 "\n", 1, 0, "containerd", H64,
	  "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "" },
	{ "0::/kubepods/besteffort/pod11111111-2222-4333-8444-555555555555/"
	  H64 "\n", 1, 0, "cri", H64, "11111111-2222-4333-8444-555555555555", "" },
	/* static pod: the uid is 32 hex */
	{ "0::/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" H64
	  "\n", 1, 0, "cri", H64, "0123456789abcdef0123456789abcdef", "" },
	{ "0::/kubepods/besteffort/pod11111111-2222-4333-8444-555555555555\n",
	  0, 0, NULL, "", "", "" },
	{ "0::/k8s.io/" H64 "\n", 1, 0, "containerd", H64, "", "k8s.io" },
	{ "0::/k8s.io/" H64 "/init.scope\n", 1, 0, "containerd", H64, "",
	  "k8s.io" },
	{ "0::/system.slice/" H64 "\n", 0, 0, NULL, "", "", "" },
	{ "0::/a/b/" H64 "\n", 0, 0, NULL, "", "", "" },
	{ "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-"
	  "pod9a8b7c6d_5e4f_4a3b_9c2d_1e0f9a8b7c6d.slice/crio-" H64 ".scope\n",
	  1, 0, "cri-o", H64, "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", "" },
	{ "0::/kubepods/burstable/pod11111111-2222-4333-8444-555555555555/crio-"
	  H64 "\n", 1, 0, "cri-o", H64, "11111111-2222-4333-8444-555555555555",
	  "" },
	{ "0::/kubepods.slice/crio-conmon-" H64 ".scope\n", 1, 1, NULL, H64, "",
	  "" },
	{ "0::/libpod_parent/libpod-" H64 "\n", 1, 0, "podman", H64, "", "" },
	{ "0::/machine.slice/libpod-" H64 ".scope/container\n", 1, 0, "podman",
	  H64, "", "" },
	{ "0::/machine.slice/libpod-conmon-" H64 ".scope\n", 1, 1, NULL, H64,
	  "", "" },
	{ "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-"
	  H64 ".scope\n", 1, 0, "podman", H64, "", "" },
	{ "0::/user.slice/user-1000.slice/user@1000.service/user.slice/"
	  "podman-4242.scope\n", 0, 0, NULL, "", "", "" },
	{ "0::/libpod_parent/libpod-" H64 "/libpod-payload-" H64 "\n", 1, 0,
	  "podman", H64, "", "" },
	{ "0::/machine.slice/machine-libpod_pod_" H64 ".slice/libpod-" H64
	  ".scope\n", 1, 0, "podman", H64, "", "" },
	{ "4:memory:/lxc/web01\n", 1, 0, "lxc", "web01", "", "" },
	{ "0::/lxc.payload.db01/system.slice/cron.service\n", 1, 0, "lxc",
	  "db01", "", "" },
	{ "0::/lxc.monitor.db01\n", 1, 1, NULL, "db01", "", "" },
	/* the outermost container wins: a nested or forged child cgroup
	 * never moves a process to another container, or to the host */
	{ "0::/lxc.payload.c1/docker/" H64 "\n", 1, 0, "lxc", "c1", "", "" },
	{ "0::/docker/" H64 "/docker-fedcba9876543210fedcba9876543210fedcba98"
	  "76543210fedcba9876543210.scope\n", 1, 0, "docker", H64, "", "" },
	{ "0::/docker/" H64 "/lxc.monitor.x\n", 1, 0, "docker", H64, "", "" },
	{ "0::/libpod_parent/libpod-" H64 "/libpod-conmon-fedcba9876543210"
	  "fedcba9876543210fedcba9876543210fedcba9876543210\n", 1, 0, "podman",
	  H64, "", "" },
	{ "0::/machine.slice/machine-build\\x2dbox.scope/payload\n", 1, 0,
	  "nspawn", "build-box", "", "" },
	{ "0::/machine.slice/machine-build\\x2dbox.scope/supervisor\n", 1, 1,
	  NULL, "", "", "" },
	{ "0::/machine.slice/machine-qemu\\x2d1\\x2dwin11.scope/libvirt\n", 1, 1,
	  NULL, "1\\x2dwin11", "", "" },
	{ "0::/machine.slice/machine-a\\x2fb.scope\n", 0, 0, NULL, "", "", "" },
	{ "0::/init.scope\n", 0, 0, NULL, "", "", "" },
	{ "4:memory:/process_api/9f3a39b9fc94db86c0ca022ddc79d3f4\n0::/\n", 0, 0,
	  NULL, "", "", "" },
	/* the unified line is looked at first */
	{ "4:memory:/docker/" H64 "\n0::/system.slice/crio-" H64 ".scope\n", 1,
	  0, "cri-o", H64, "", "" },
	/* no trailing newline, empty lines, junk */
	{ "\n\ngarbage\n0::/docker/" H64, 1, 0, "docker", H64, "", "" },
	{ "", 0, 0, NULL, "", "", "" },
};

static void
test_matcher(void **state)
{
	struct ad_cgroup_match m;
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(mcases); i++) {
		const struct mcase *c = &mcases[i];
		int rc = ad_cgroup_match(c->cgroup, strlen(c->cgroup), &m);

		if (rc != c->match)
			fail_msg("case %zu: %s: got %d", i, c->cgroup, rc);
		assert_int_equal(m.helper, c->helper);
		if (c->runtime)
			assert_string_equal(m.runtime, c->runtime);
		else
			assert_null(m.runtime);
		if (c->helper && c->id[0] == '\0')
			continue;
		assert_string_equal(m.id, c->id);
		assert_string_equal(m.pod_uid, c->pod);
		assert_string_equal(m.ns, c->ns);
	}
}

/* --- one fixture per layout -------------------------------------------- */

struct layout_case {
	const char *layout;
	pid_t pid;
	enum ad_attr want;	/* AD_ATTR_PID or AD_ATTR_HOST */
	const char *runtime, *id, *name, *image, *pod, *ns;
	unsigned dev_minor;	/* root overlay 0:N, 0 for none */
};

/* The 64-hex id in a fixture's cgroup file (the last one on its line). */
static const char *
fixture_id(const char *layout, pid_t pid)
{
	static char buf[8][65];
	static int n;
	char path[PATH_MAX], line[1024], *p = buf[n++ % 8];
	size_t i, run;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/proc/%d/cgroup", FIXTURE_DIR,
	    layout, (int)pid);
	p[0] = '\0';
	if ((f = fopen(path, "r")) == NULL)
		return p;
	while (fgets(line, sizeof(line), f))
		for (i = run = 0; line[i]; i++) {
			run = ((line[i] >= '0' && line[i] <= '9') ||
			    (line[i] >= 'a' && line[i] <= 'f')) ? run + 1 : 0;
			if (run == 64) {
				memcpy(p, line + i - 63, 64);
				p[64] = '\0';
			}
		}
	fclose(f);
	return p;
}

#define HEXID	"*"	/* take the id from the fixture's cgroup file */
#define HOSTCASE(l, p) \
	{ l, p, AD_ATTR_HOST, NULL, NULL, NULL, NULL, NULL, NULL, 0 }

static const struct layout_case layouts[] = {
	{ "docker-cgroupfs-v1", 4242, AD_ATTR_PID, "docker", HEXID, "web",
	  "nginx:1.25", NULL, NULL, 45 },
	{ "docker-systemd", 5120, AD_ATTR_PID, "docker", HEXID, "cache",
	  "redis:7-alpine", NULL, NULL, 46 },
	{ "containerd-cri-systemd", 6301, AD_ATTR_PID, "containerd", HEXID,
	  "coredns", "registry.k8s.io/coredns/coredns:v1.11.1",
	  "5d3c2b1a-9f8e-4d7c-a6b5-0c1d2e3f4a5b", "k8s.io", 47 },
	{ "containerd-cri-v1", 6402, AD_ATTR_PID, "containerd", HEXID, NULL,
	  NULL, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", NULL, 48 },
	{ "kubepods-cgroupfs", 7001, AD_ATTR_PID, "containerd", HEXID, "app",
	  "docker.io/library/app:2.0", "11111111-2222-4333-8444-555555555555",
	  "k8s.io", 49 },
	{ "kubepods-cgroupfs", 7002, AD_ATTR_PID, "cri", HEXID, NULL, NULL,
	  "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", NULL, 55 },
	{ "containerd-ns", 8101, AD_ATTR_PID, "containerd", HEXID, NULL, NULL,
	  NULL, "k8s.io", 56 },
	{ "containerd-ns", 8102, AD_ATTR_PID, "containerd", HEXID, NULL, NULL,
	  NULL, "default", 57 },
	{ "crio-systemd", 9201, AD_ATTR_PID, "cri-o", HEXID,
	  "k8s_postgres_db-0_prod_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d_0",
	  "docker.io/library/postgres:16",
	  "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d", NULL, 58 },
	HOSTCASE("crio-systemd", 9190),		/* conmon */
	{ "podman-cgroupfs", 4242, AD_ATTR_PID, "podman", HEXID, "sweet_bell",
	  "localhost/audrift-test:1", NULL, NULL, 39 },
	HOSTCASE("podman-cgroupfs", 4230),	/* conmon */
	HOSTCASE("podman-cgroupfs", 3000),	/* a login shell */
	{ "podman-systemd", 10501, AD_ATTR_PID, "podman", HEXID, NULL, NULL,
	  NULL, NULL, 60 },
	HOSTCASE("podman-systemd", 10490),	/* conmon */
	{ "podman-rootless", 11001, AD_ATTR_PID, "podman", HEXID, NULL, NULL,
	  NULL, NULL, 61 },
	HOSTCASE("podman-rootless", 10990),	/* conmon */
	{ "podman-payload", 12001, AD_ATTR_PID, "podman", HEXID, NULL, NULL,
	  NULL, NULL, 62 },
	{ "lxc-legacy", 13001, AD_ATTR_PID, "lxc", "web01", "web01", NULL,
	  NULL, NULL, 0 },
	{ "lxc-payload", 14001, AD_ATTR_PID, "lxc", "db01", "db01", NULL, NULL,
	  NULL, 0 },
	HOSTCASE("lxc-payload", 13990),		/* lxc monitor */
	{ "nspawn", 15001, AD_ATTR_PID, "nspawn", "build-box", "build-box",
	  NULL, NULL, NULL, 0 },
	HOSTCASE("nspawn", 14990),		/* nspawn itself */
	HOSTCASE("nspawn", 16001),		/* a qemu VM */
	HOSTCASE("host", 2001),
	HOSTCASE("host", 2002),			/* dockerd */
	HOSTCASE("host", 2003),
	HOSTCASE("host", 2004),			/* pod slice itself */
	HOSTCASE("host", 1),
};

static void
str_is(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void
test_layout(void **state)
{
	const struct layout_case *lc = *state;
	struct ad_resolver *r = open_layout(FIXTURE_DIR, lc->layout);
	const struct ad_container *c;
	struct ad_event ev;

	ev_init(&ev, lc->pid, 0, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), lc->want == AD_ATTR_PID);
	assert_int_equal(ev.attribution, lc->want);
	c = ev.container;
	if (lc->want == AD_ATTR_HOST) {
		assert_null(c);
		ad_resolver_free(r);
		return;
	}
	assert_non_null(c);
	str_is(c->runtime, lc->runtime);
	str_is(c->id, strcmp(lc->id, HEXID) == 0 ?
	    fixture_id(lc->layout, lc->pid) : lc->id);
	assert_int_equal(strlen(c->id), strcmp(lc->id, HEXID) == 0 ? 64 :
	    strlen(lc->id));
	str_is(c->name, lc->name);
	str_is(c->image, lc->image);
	str_is(c->pod_uid, lc->pod);
	str_is(c->ns, lc->ns);
	assert_int_equal(c->has_root_dev, lc->dev_minor != 0);
	if (lc->dev_minor) {
		assert_int_equal(c->root_dev_major, 0);
		assert_int_equal(c->root_dev_minor, lc->dev_minor);
		assert_non_null(c->upperdir);
		assert_non_null(c->lowerdirs);
		assert_non_null(c->lowerdirs[0]);
		assert_non_null(c->lowerdirs[1]);
		assert_null(c->lowerdirs[2]);
	}
	/* the same pid again: the cache answers, the record is the same */
	ev_init(&ev, lc->pid, 0, AD_OP_OPEN_WRITE, EVENT_MS + 5);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_CACHE);
	assert_ptr_equal(ev.container, c);
	ad_resolver_free(r);
}

/* A pid found gone is not read again for events no later than that; an
 * event after it (a reused pid) is. */
static void
test_gone(void **state)
{
	struct ad_resolver *r = open_layout(FIXTURE_DIR, "podman-cgroupfs");
	struct ad_resolver_stats st;
	struct ad_event ev;
	uint64_t reads;

	ev_init(&ev, 999999, 0, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);
	ad_resolver_stats(r, &st);
	reads = st.proc_reads;
	assert_int_equal(st.gone_skipped, 0);
	ev_init(&ev, 999999, 0, AD_OP_CHMOD, EVENT_MS + 1);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.proc_reads, reads);
	assert_int_equal(st.gone_skipped, 1);
	/* later than it was found gone: read again */
	ev_init(&ev, 999999, 0, AD_OP_CHMOD, NOW_MS + 1);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.proc_reads, reads + 1);
	ad_resolver_free(r);
}

/* Every layout found by a scan, and the helpers left out. */
static void
test_scan(void **state)
{
	struct ad_resolver *r = open_layout(FIXTURE_DIR, "podman-cgroupfs");
	struct ad_resolver_stats st;
	struct ad_event ev;
	uint64_t reads;

	/* 4242 and 4243; 5003 starts after the fixed "now" */
	assert_int_equal(ad_resolver_scan(r), 2);
	assert_non_null(ad_resolver_container(r, 0));
	assert_null(ad_resolver_container(r, 1));
	ad_resolver_stats(r, &st);
	reads = st.proc_reads;
	/* a host event and a container event after the scan: no /proc read */
	ev_init(&ev, 3000, 2990, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_HOST);
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_CACHE);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.proc_reads, reads);
	assert_int_equal(st.containers, 1);
	ad_resolver_free(r);

	r = ad_resolver_new(FIXTURE_DIR "/no-such-layout/proc", "/", 0);
	assert_int_equal(ad_resolver_scan(r), -1);
	ad_resolver_free(r);
}

/* --- pid reuse and the attribution order --------------------------------- */

/* A live pid that started after the event is another process. */
/* proc.vpid: the last NSpid entry, read from the fixture's status files
 * at attribution and kept in the pid cache; 0 (absent) when unknown. */
static void
test_vpid(void **state)
{
	static const struct { const char *text; int want; } cases[] = {
		{ "Name:\tsh\nNStgid:\t4242\t1\nNSpid:\t4242\t1\n", 1 },
		{ "NSpid:\t9001\t4711\t3\n", 3 },	/* nested */
		{ "Pid:\t3000\nNSpid:\t3000\n", 3000 },	/* host */
		{ "NSpid:\t88\t12", 12 },		/* no final newline */
		{ "NSpid: 88 12  \n", 12 },		/* spaces */
		{ "Name:\tsh\nPid:\t12\n", 0 },	/* before Linux 4.1 */
		{ "NSpid:\n", 0 },
		{ "NSpid:\t12x\n", 0 },
		{ "NSpid:\t-1\n", 0 },
		{ "NSpid:\t99999999999\n", 0 },
		{ "XNSpid:\t5\n", 0 },
		{ "", 0 },
	};
	struct ad_resolver *r;
	struct ad_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < AD_ARRAY_SIZE(cases); i++)
		assert_int_equal(ad_status_vpid(cases[i].text,
		    strlen(cases[i].text)), cases[i].want);
	/* the text ends where len says, not at a NUL */
	assert_int_equal(ad_status_vpid("NSpid:\t4242\t17", 13), 1);

	r = open_layout(FIXTURE_DIR, "podman-cgroupfs");
	ev_init(&ev, 4242, 0, AD_OP_EXEC, EVENT_MS);	/* the init */
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.proc.vpid, 1);
	ev_init(&ev, 4243, 4242, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.proc.vpid, 7);
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS + 5);	/* cached */
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_CACHE);
	assert_int_equal(ev.proc.vpid, 7);
	/* host: not read (no /proc read a rule cannot use) */
	ev_init(&ev, 3000, 2990, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.proc.vpid, 0);
	/* no status file: unknown, even though the pid is attributed */
	ev_init(&ev, 5003, 0, AD_OP_EXEC, BOOT_MS + 3000 * 1000LL + 1);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.proc.vpid, 0);
	/* a gone pid, placed by its parent: not the parent's vpid */
	ev_init(&ev, 4999, 4243, AD_OP_EXEC, EVENT_MS);
	ev.proc.vpid = 99;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PPID);
	assert_int_equal(ev.proc.vpid, 0);
	ad_resolver_free(r);
}

static void
test_pid_reuse(void **state)
{
	struct ad_resolver *r = open_layout(FIXTURE_DIR, "podman-cgroupfs");
	struct ad_resolver_stats st;
	struct ad_event ev;

	ev_init(&ev, 5003, 0, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);
	assert_null(ev.container);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.pid_reused, 1);
	/* the same pid for an event after it started is attributed */
	ev_init(&ev, 5003, 0, AD_OP_EXEC, BOOT_MS + 3000 * 1000LL + 1);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PID);
	/* and the cache does not lend it to the older event */
	ev_init(&ev, 5003, 0, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);
	/* nor to a process with another parent (a reused pid that never
	 * exec'd): /proc is asked again */
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	ev_init(&ev, 4243, 777, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PID);
	ad_resolver_free(r);
}

/*
 * A second scan reads no cgroup of a pid the cache has right (the same
 * start time): a host process whose cgroup changed stays the host's
 * until it execs.  A reused pid (another start time) is read whole.
 */
static void
test_scan_kept(void **state)
{
	const char *L = "podman-cgroupfs";
	struct ad_resolver *r;
	struct ad_resolver_stats st;
	struct ad_event ev;

	copy_layout(L);
	r = open_layout(tmpbase, L);
	assert_int_equal(ad_resolver_scan(r), 2);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.scan_kept, 0);

	/* 3000 (bash, host) now shows the container's cgroup: kept */
	copy_file(L, 4242, 3000, "cgroup");
	assert_int_equal(ad_resolver_scan(r), 2);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.scan_kept, 5);	/* 1 3000 4230 4242 4243 */
	ev_init(&ev, 3000, 2990, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_HOST);

	/* ... until it execs: read live */
	ev_init(&ev, 3000, 2990, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PID);

	/* 4243's pid reused by a process of 4242's start time (150000
	 * ticks, not 150100) on the host's cgroup: read whole */
	copy_file(L, 4242, 4243, "stat");
	copy_file(L, 1, 4243, "cgroup");
	assert_int_equal(ad_resolver_scan(r), 2);	/* 3000 and 4242 */
	ad_resolver_stats(r, &st);
	assert_int_equal(st.scan_kept, 5 + 4);
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_HOST);
	ad_resolver_free(r);
	rm_tree(tmpbase);
}

/* live pid -> cache -> device -> parent, on a copy whose pids exit. */
static void
test_order(void **state)
{
	const char *L = "podman-cgroupfs";
	struct ad_resolver *r;
	struct ad_event ev;
	const struct ad_container *c;
	struct ad_resolver_stats st;

	copy_layout(L);
	r = open_layout(tmpbase, L);
	assert_int_equal(ad_resolver_scan(r), 2);

	/* 1. live pid */
	ev_init(&ev, 4242, 4230, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PID);
	c = ev.container;

	/* 2. the pid exited: the cache (filled by the scan) */
	kill_pid(L, 4243);
	ev_init(&ev, 4243, 4242, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_CACHE);
	assert_ptr_equal(ev.container, c);

	/* 3. never seen, gone: the overlay device of its file (00:27 in the
	 * audit record is 0:39 in mountinfo) */
	ev_init(&ev, 9999, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/usr/bin/evil", 0, 0x27);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_DEVICE);
	assert_ptr_equal(ev.container, c);

	/* a host device does not name a container */
	ev_init(&ev, 9997, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/usr/bin/ls", 254, 1);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);

	/* 4. gone, no device: the parent */
	ev_init(&ev, 9998, 4242, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/dev/null", 0, 5);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_PPID);
	assert_ptr_equal(ev.container, c);

	/* a host parent says nothing (runc, conmon and shims are on the
	 * host and have container children) */
	ev_init(&ev, 9997, 4230, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);

	/* the container goes: an event after it was last seen alive does
	 * not get its device (another overlay may have that number now) */
	kill_pid(L, 4242);
	kill_pid(L, 5003);
	ev_init(&ev, 9996, 0, AD_OP_EXEC, NOW_MS + 1000);
	ev_file(&ev, "/usr/bin/evil", 0, 0x27);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_UNKNOWN);
	ad_resolver_stats(r, &st);
	assert_int_equal(st.device_stale, 1);
	/* but an event from while it was alive still does */
	ev_init(&ev, 9996, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/usr/bin/evil", 0, 0x27);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_DEVICE);

	/* gc drops it, and its cache entries */
	assert_int_equal(ad_resolver_gc(r, NOW_MS + 1), 1);
	assert_null(ad_resolver_container(r, 0));
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS);
	ad_resolve_event(r, &ev);
	assert_int_not_equal(ev.attribution, AD_ATTR_CACHE);
	/* only the exec records remember it (lineage.h) */
	assert_int_equal(ev.attribution, AD_ATTR_LINEAGE);

	/* replayed events are left alone */
	ev_init(&ev, 4242, 0, AD_OP_EXEC, EVENT_MS);
	ev.attribution = AD_ATTR_REPLAY;
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	assert_int_equal(ev.attribution, AD_ATTR_REPLAY);

	ad_resolver_free(r);
	rm_tree(tmpbase);
}

/* A new container on a freed overlay device takes it from the old one. */
static void
test_device_reuse(void **state)
{
	struct ad_resolver *r;
	struct ad_event ev;
	const struct ad_container *a;
	char mi[PATH_MAX];
	FILE *f;

	copy_layout("podman-systemd");
	assert_true(strlen(tmpbase) < 256);
	r = open_layout(tmpbase, "podman-systemd");
	ev_init(&ev, 10501, 0, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	a = ev.container;
	assert_int_equal(a->root_dev_minor, 60);
	/* another container (docker) now mounted on 0:60 */
	snprintf(mi, sizeof(mi), "%s/podman-systemd/proc/20001", tmpbase);
	assert_int_equal(mkdir(mi, 0755), 0);
	strcat(mi, "/cgroup");
	f = fopen(mi, "w");
	fprintf(f, "0::/system.slice/docker-%s.scope\n", H64);
	fclose(f);
	strcpy(strrchr(mi, '/'), "/stat");
	f = fopen(mi, "w");
	fprintf(f, "20001 (sh) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "150000 0 0\n");
	fclose(f);
	strcpy(strrchr(mi, '/'), "/mountinfo");
	f = fopen(mi, "w");
	fprintf(f, "900 800 0:60 / / rw - overlay overlay rw,lowerdir=/l,"
	    "upperdir=/u/diff,workdir=/u/work\n");
	fclose(f);
	ev_init(&ev, 20001, 0, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_string_equal(ev.container->runtime, "docker");
	assert_int_equal(ev.container->root_dev_minor, 60);
	assert_int_equal(a->has_root_dev, 0);
	ev_init(&ev, 9999, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/x", 0, 60);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_string_equal(ev.container->runtime, "docker");
	ad_resolver_free(r);
	rm_tree(tmpbase);
}

/* A cache smaller than the host: entries are evicted, answers stay right. */
static void
test_cache_bound(void **state)
{
	struct ad_resolver *r = ad_resolver_new(fx("podman-cgroupfs", "proc"),
	    fx("podman-cgroupfs", "root"), 2);
	struct ad_resolver_stats st;
	struct ad_event ev;
	int round;

	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	ad_resolver_scan(r);
	for (round = 0; round < 3; round++) {
		ev_init(&ev, 4242, 4230, AD_OP_CHMOD, EVENT_MS);
		assert_int_equal(ad_resolve_event(r, &ev), 1);
		ev_init(&ev, 3000, 2990, AD_OP_CHMOD, EVENT_MS);
		assert_int_equal(ad_resolve_event(r, &ev), 0);
		assert_int_equal(ev.attribution, AD_ATTR_HOST);
		ev_init(&ev, 4230, 1, AD_OP_CHMOD, EVENT_MS);
		assert_int_equal(ad_resolve_event(r, &ev), 0);
		assert_int_equal(ev.attribution, AD_ATTR_HOST);
	}
	ad_resolver_stats(r, &st);
	assert_true(st.cache_evictions > 0);
	ad_resolver_free(r);
}

/* --- upper and lower layers ---------------------------------------------- */

static void
test_upper_fixture(void **state)
{
	struct ad_resolver *r = open_layout(FIXTURE_DIR, "podman-cgroupfs");
	const struct ad_container *c;
	struct ad_event ev;
	char buf[PATH_MAX];

	ev_init(&ev, 4242, 4230, AD_OP_EXEC, EVENT_MS);
	ev_exe(&ev, "/usr/bin/evil");
	ev_file(&ev, "/usr/bin/evil", 0, 0x27);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.exe_upper_layer, 1);
	assert_int_equal(ev.file_upper_layer, 1);
	c = ev.container;

	assert_int_equal(ad_container_upper_has(c, "/usr/bin/evil"),
	    AD_UPPER_YES);
	assert_int_equal(ad_container_upper_has(c, "/usr/bin/busybox"),
	    AD_UPPER_YES);		/* modified: copied up */
	assert_int_equal(ad_container_upper_has(c, "/etc/passwd"),
	    AD_UPPER_NO);
	assert_int_equal(ad_container_upper_has(c, "/bin/sh"), AD_UPPER_NO);
	assert_int_equal(ad_container_upper_has(c, "/nope"), -1);
	assert_int_equal(ad_container_upper_has(c, "usr/bin/evil"), -1);
	assert_int_equal(ad_container_upper_has(NULL, "/x"), -1);

	assert_int_equal(ad_container_lower_find(c, "/usr/bin/busybox", buf,
	    sizeof(buf)), 1);
	assert_non_null(strstr(buf, "/overlay/l/QZ7UMYJ3XN/usr/bin/busybox"));
	assert_int_equal(ad_container_lower_find(c, "/usr/bin/base-only", buf,
	    sizeof(buf)), 1);
	assert_non_null(strstr(buf, "/overlay/l/HF2LOA5RT6/usr/bin/base-only"));
	assert_int_equal(ad_container_lower_find(c, "/usr/bin/evil", buf,
	    sizeof(buf)), 0);
	assert_int_equal(ad_container_lower_find(c, "/usr/bin/busybox", buf,
	    8), -1);

	/* the image's file, not in the upper layer */
	ev_init(&ev, 4243, 4242, AD_OP_CHMOD, EVENT_MS);
	ev_exe(&ev, "/usr/bin/evil");
	ev_file(&ev, "/etc/passwd", 0, 0x27);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.exe_upper_layer, 1);
	assert_int_equal(ev.file_upper_layer, 0);
	ad_resolver_free(r);
}

static void
put(const char *base, const char *rel, const char *text)
{
	char p[PATH_MAX], *s;
	FILE *f;

	mkdir(base, 0755);
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	for (s = p + strlen(base) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (text != NULL) {
		f = fopen(p, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	} else
		mkdir(p, 0755);
}

/* Whiteouts (char device 0:0) and opaque dirs need root: built at run
 * time in a temp dir, since git keeps neither. */
static void
test_whiteouts(void **state)
{
	char base[] = "/tmp/audrift-wh.XXXXXX", up[64], l1[64], l2[64],
	    p[PATH_MAX], buf[PATH_MAX];
	const char *lowers[3];
	struct ad_container c;

	assert_non_null(mkdtemp(base));
	snprintf(up, sizeof(up), "%s/upper", base);
	snprintf(l1, sizeof(l1), "%s/l1", base);
	snprintf(l2, sizeof(l2), "%s/l2", base);
	put(l2, "usr/bin/gone", "image\n");
	put(l2, "usr/sbin/old", "image\n");
	put(l2, "opt/app/bin/tool", "image\n");
	put(l2, "usr/local/bin/x", "image\n");
	put(l1, "usr/bin/keep", "image\n");
	put(up, "usr/bin/new", "added\n");
	put(l1, "opt/app", NULL);
	snprintf(p, sizeof(p), "%s/usr/bin/gone", up);
	if (mknod(p, S_IFCHR | 0000, makedev(0, 0)) != 0) {
		rm_tree(base);
		skip();		/* not root */
	}
	snprintf(p, sizeof(p), "%s/usr/sbin", l1);
	mkdir(p, 0755);
	strcat(p, "/old");
	assert_int_equal(mknod(p, S_IFCHR, makedev(0, 0)), 0);
	put(up, "usr/local", NULL);
	snprintf(p, sizeof(p), "%s/usr/local", up);
	rmdir(p);
	assert_int_equal(mknod(p, S_IFCHR, makedev(0, 0)), 0);

	memset(&c, 0, sizeof(c));
	c.upperdir = up;
	lowers[0] = l1;
	lowers[1] = l2;
	lowers[2] = NULL;
	c.lowerdirs = lowers;

	assert_int_equal(ad_container_upper_has(&c, "/usr/bin/new"),
	    AD_UPPER_YES);
	assert_int_equal(ad_container_upper_has(&c, "/usr/bin/gone"),
	    AD_UPPER_WHITEOUT);
	/* under a deleted directory */
	assert_int_equal(ad_container_upper_has(&c, "/usr/local/bin/x"),
	    AD_UPPER_WHITEOUT);
	assert_int_equal(ad_container_upper_has(&c, "/usr/bin/keep"),
	    AD_UPPER_NO);
	/* the image's original of a deleted file is still in the image */
	assert_int_equal(ad_container_lower_find(&c, "/usr/bin/gone", buf,
	    sizeof(buf)), 1);
	assert_string_equal(buf + strlen(l2), "/usr/bin/gone");
	/* a whiteout in a higher image layer: absent from the image */
	assert_int_equal(ad_container_lower_find(&c, "/usr/sbin/old", buf,
	    sizeof(buf)), 0);
	assert_int_equal(ad_container_upper_has(&c, "/usr/sbin/old"), -1);
	/* an opaque dir in a higher layer hides the layers below it */
	assert_int_equal(ad_container_lower_find(&c, "/opt/app/bin/tool", buf,
	    sizeof(buf)), 1);
	snprintf(p, sizeof(p), "%s/opt/app", l1);
	if (lsetxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0)
		assert_int_equal(ad_container_lower_find(&c,
		    "/opt/app/bin/tool", buf, sizeof(buf)), 0);
	rm_tree(base);
}

/* mountinfo's escapes and the lowerdir+= form of newer kernels. */
static void
test_mountinfo_forms(void **state)
{
	struct ad_resolver *r;
	struct ad_event ev;
	const struct ad_container *c;
	char d[] = "/tmp/audrift-mi.XXXXXX", proc[64];

	assert_non_null(mkdtemp(d));
	snprintf(proc, sizeof(proc), "%s/proc", d);
	/* the layers come from the host's table (pid 1's), by device; the
	 * container's own view names other dirs, which are not believed */
	put(proc, "1/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
	    "40 1 0:71 / /var/lib/up\\040dir/merged rw - overlay overlay rw,"
	    "lowerdir+=/var/lib/a\\054b,lowerdir+=/var/lib/c\\072d,"
	    "datadir+=/data,upperdir=/var/lib/up\\040dir/diff,workdir=/w\n"
	    "41 1 0:73 / /var/lib/l/merged rw - overlay overlay rw,lowerdir=/l1:"
	    "/l\\134:2::/data,upperdir=/u,workdir=/w\n");
	put(proc, "77/cgroup", "0::/k8s.io/" H64 "\n");
	put(proc, "77/stat", "77 (a b) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
	    "1 0 150000 0 0\n");
	put(proc, "77/mountinfo",
	    "10 9 0:70 / /old rw - overlay overlay rw,lowerdir=/x,upperdir=/y\n"
	    "11 9 0:71 / / rw shared:5 - overlay overlay rw,"
	    "lowerdir=/,upperdir=/etc,workdir=/w\n"
	    "12 11 0:72 / /proc rw - proc proc rw\n");
	put(proc, "78/cgroup", "0::/k8s.io/" H64 "\n");
	put(proc, "78/stat", "78 (c) S 1 78 78 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
	    "1 0 150000 0 0\n");
	r = ad_resolver_new(proc, "/", 0);
	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	ev_init(&ev, 77, 1, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	c = ev.container;
	assert_int_equal(c->root_dev_minor, 71);
	assert_string_equal(c->upperdir, "/var/lib/up dir/diff");
	assert_string_equal(c->lowerdirs[0], "/var/lib/a,b");
	assert_string_equal(c->lowerdirs[1], "/var/lib/c:d");
	assert_null(c->lowerdirs[2]);
	assert_null(c->name);	/* no containerd state under "/" here (its runtime keeps no id to confirm) */
	ad_resolver_free(r);

	/* legacy lowerdir= with an escaped colon and data-only layers */
	put(proc, "77/mountinfo",
	    "11 9 0:73 / / rw - overlay overlay rw,lowerdir=/evil,upperdir=/,"
	    "workdir=/w\n");
	r = ad_resolver_new(proc, "/", 0);
	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	ev_init(&ev, 77, 1, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	c = ev.container;
	assert_string_equal(c->lowerdirs[0], "/l1");
	assert_string_equal(c->lowerdirs[1], "/l:2");
	assert_null(c->lowerdirs[2]);
	/* another process of the container shares its record */
	ev_init(&ev, 78, 1, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_ptr_equal(ev.container, c);
	ad_resolver_free(r);

	/* a root that is not an overlay is no device key */
	put(proc, "77/mountinfo", "11 9 8:1 / / rw - ext4 /dev/sda1 rw\n");
	r = ad_resolver_new(proc, "/", 0);
	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	ev_init(&ev, 77, 1, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.container->has_root_dev, 0);
	assert_null(ev.container->upperdir);
	assert_int_equal(ev.exe_upper_layer, -1);
	ad_resolver_free(r);
	rm_tree(d);
}

/* A container's own tmpfs (its /dev/shm) names it once the pid is gone;
 * a host tmpfs bind-mounted in (a file of /run) never does. */
static void
test_private_tmpfs(void **state)
{
	struct ad_resolver *r;
	struct ad_event ev;
	const struct ad_container *c;
	char d[] = "/tmp/audrift-shm.XXXXXX", proc[64];

	assert_non_null(mkdtemp(d));
	snprintf(proc, sizeof(proc), "%s/proc", d);
	put(proc, "1/mountinfo",
	    "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
	    "2 1 0:25 / /run rw - tmpfs tmpfs rw\n"
	    "3 1 0:26 / /var/lib/containers/storage/overlay-containers/"
	    H64 "/userdata/shm rw - tmpfs shm rw\n");
	put(proc, "77/cgroup", "0::/k8s.io/" H64 "\n");
	put(proc, "77/stat", "77 (sh) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 "
	    "1 0 150000 0 0\n");
	put(proc, "77/mountinfo",
	    "11 9 0:71 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u\n"
	    "12 11 0:80 / /dev rw - tmpfs tmpfs rw\n"
	    "13 12 0:26 / /dev/shm rw - tmpfs shm rw\n"
	    "14 11 0:25 /containers/x/hosts /etc/hosts rw - tmpfs tmpfs rw\n"
	    "15 11 0:25 / /run/host rw - tmpfs tmpfs rw\n"
	    "16 11 0:81 / /scratch rw - tmpfs tmpfs rw\n");
	r = ad_resolver_new(proc, "/", 0);
	ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
	ev_init(&ev, 77, 1, AD_OP_EXEC, EVENT_MS);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	c = ev.container;

	/* gone, never seen: an exec from its /dev/shm, /dev, --tmpfs */
	ev_init(&ev, 9999, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/dev/shm/x", 0, 26);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_DEVICE);
	assert_ptr_equal(ev.container, c);
	ev_init(&ev, 9999, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/scratch/x", 0, 81);
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_ptr_equal(ev.container, c);
	ev_init(&ev, 9999, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/dev/x", 0, 80);
	assert_int_equal(ad_resolve_event(r, &ev), 1);

	/* the host's /run, whole or a file of it: not the container's */
	ev_init(&ev, 9995, 0, AD_OP_EXEC, EVENT_MS);
	ev_file(&ev, "/run/x", 0, 25);
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	ad_resolver_free(r);
	rm_tree(d);
}

/* Broken runtime state is not an error: name and image stay unknown. */
static void
test_bad_state(void **state)
{
	static const char *const bad[] = {
		"", "{", "[", "{\"ID\":", "{\"Name\":12,\"Config\":[]}",
		"{\"Name\":\"\\u00e9t\\ud83d\\ude00\\u0000\",\"Config\":{\"Image\":"
		"\"a\\\"b\"}}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
		"]]]]]]]]]]]]]]]]]]],\"Name\":\"/x\"}",
		"{\"Name\":\"/x\" , \"Config\" : { \"Image\" : \"img\" } }",
	};
	char d[] = "/tmp/audrift-js.XXXXXX", proc[64], rel[256];
	struct ad_resolver *r;
	struct ad_event ev;
	size_t i;

	assert_non_null(mkdtemp(d));
	snprintf(proc, sizeof(proc), "%s/proc", d);
	put(proc, "77/cgroup", "0::/docker/" H64 "\n");
	put(proc, "77/stat", "77 (x) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 "
	    "0 150000 0 0\n");
	snprintf(rel, sizeof(rel), "var/lib/docker/containers/%s/config.v2.json",
	    H64);
	for (i = 0; i < AD_ARRAY_SIZE(bad); i++) {
		put(d, rel, bad[i]);
		r = ad_resolver_new(proc, d, 0);
		ad_resolver_set_clock(r, BOOT_MS, NOW_MS);
		ev_init(&ev, 77, 1, AD_OP_EXEC, EVENT_MS);
		assert_int_equal(ad_resolve_event(r, &ev), 1);
		if (i == 5) {
			assert_string_equal(ev.container->name,
			    "\xc3\xa9t\xf0\x9f\x98\x80\xef\xbf\xbd");
			assert_string_equal(ev.container->image, "a\"b");
		} else if (i == 7) {
			assert_string_equal(ev.container->name, "x");
			assert_string_equal(ev.container->image, "img");
		} else
			assert_null(ev.container->name);
		ad_resolver_free(r);
	}
	rm_tree(d);
}

int
main(void)
{
	struct CMUnitTest tests[AD_ARRAY_SIZE(layouts) + 16];
	static char names[AD_ARRAY_SIZE(layouts)][80];
	size_t n = 0, i;

	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_matcher);
	for (i = 0; i < AD_ARRAY_SIZE(layouts); i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(test_layout,
		    (void *)&layouts[i]);

		snprintf(names[i], sizeof(names[i]), "layout %s pid %d",
		    layouts[i].layout, (int)layouts[i].pid);
		t.name = names[i];
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scan);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scan_kept);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gone);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_pid_reuse);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_vpid);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_order);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_device_reuse);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_cache_bound);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_upper_fixture);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_whiteouts);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mountinfo_forms);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_private_tmpfs);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_bad_state);
	return _cmocka_run_group_tests("container", tests, n, NULL, NULL);
}
