/*
 * test_mounts.c - the host's overlay mounts (mounts.h), a mount's
 * container from runtime state (rtstate.h), the resolver's use of both,
 * and attribution by exec lineage (lineage.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "container.h"
#include "lineage.h"
#include "mounts.h"
#include "resolver.h"
#include "rtstate.h"
#include "util.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define L64 "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static char tmp[64];

static void
put(const char *rel, const char *text)
{
	char p[PATH_MAX], *s;

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	for (s = p + strlen(tmp) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	strcpy(tmp, "/tmp/audrift-mounts.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* --- mounts.c ------------------------------------------------------------ */

static void
test_parse(void **state)
{
	static const char table[] =
	    "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
	    /* Docker with many layers: relative paths from its overlay2 dir */
	    "300 22 0:46 / /var/lib/docker/overlay2/abc/merged rw - overlay "
	    "overlay rw,lowerdir=l/AAA:l/BBB,upperdir=abc/diff,workdir=abc/work\n"
	    /* relative, but no overlay2 shape to resolve against: dropped */
	    "301 22 0:47 / /mnt/x rw - overlay overlay rw,lowerdir=l/CCC,"
	    "upperdir=up,workdir=w\n"
	    /* a bind of part of an overlay: not a root mount */
	    "302 22 0:46 /etc /srv/etc rw - overlay overlay rw,lowerdir=/a,"
	    "upperdir=/b\n"
	    /* escapes: a space in the mount point, a comma in a layer */
	    "303 22 0:48 / /var/lib/x\\040y/merged rw - overlay overlay rw,"
	    "lowerdir+=/l\\054one,lowerdir+=/l2,datadir+=/d,upperdir=/u\n"
	    /* torn lines, as a table changing while read can give */
	    "304 22 0:49 / /var/lib/z/mer\n"
	    "garbage\n"
	    /* ../ in a relative layer never leaves the base */
	    "305 22 0:50 / /var/lib/docker/overlay2/def/merged rw - overlay "
	    "overlay rw,lowerdir=../../../etc,upperdir=def/diff\n";
	struct ad_mounts ms;
	const struct ad_mount *m;
	int bad;

	bad = ad_mounts_parse(table, sizeof(table) - 1, &ms);
	assert_int_equal(bad, 2);
	assert_int_equal(ms.n, 4);
	m = ad_mounts_by_dev(&ms, 0, 46);
	assert_non_null(m);
	assert_int_equal(m->id, 300);
	assert_string_equal(m->point, "/var/lib/docker/overlay2/abc/merged");
	assert_string_equal(m->upper, "/var/lib/docker/overlay2/abc/diff");
	assert_int_equal(m->nlower, 2);
	assert_string_equal(m->lower[0], "/var/lib/docker/overlay2/l/AAA");
	assert_string_equal(m->lower[1], "/var/lib/docker/overlay2/l/BBB");
	assert_null(m->lower[2]);
	m = ad_mounts_by_dev(&ms, 0, 47);
	assert_non_null(m);
	assert_null(m->upper);
	assert_null(m->lower);
	m = ad_mounts_by_dev(&ms, 0, 48);
	assert_string_equal(m->point, "/var/lib/x y/merged");
	assert_string_equal(m->lower[0], "/l,one");
	assert_string_equal(m->lower[1], "/l2");
	assert_string_equal(m->upper, "/u");
	m = ad_mounts_by_dev(&ms, 0, 50);
	assert_null(m->lower);
	assert_string_equal(m->upper, "/var/lib/docker/overlay2/def/diff");
	assert_null(ad_mounts_by_dev(&ms, 0, 49));
	/* a mount id and a device reused at once: told apart by the
	 * kernel's unique id when both are known */
	{
		struct ad_mount a = ms.v[0], b = ms.v[0];

		assert_true(ad_mount_same(&a, &b));
		a.uid = 7;
		b.uid = 8;
		assert_false(ad_mount_same(&a, &b));
		b.uid = 7;
		b.minor++;
		assert_true(ad_mount_same(&a, &b));
		/* this kernel gives one for /, or says it cannot */
		a.point = "/";
		a.uid = 0;
		if (ad_mount_identify(&a) == 0)
			assert_int_not_equal(a.uid, 0);
	}
	ad_mounts_free(&ms);
	ad_mounts_free(NULL);
	assert_int_equal(ad_mounts_parse("", 0, &ms), 0);
	assert_int_equal(ms.n, 0);
}

/* --- rtstate.c ----------------------------------------------------------- */

static void
test_owner(void **state)
{
	char point[PATH_MAX];
	struct ad_rt_owner o;

	/* containers-storage: the container whose layer it is */
	put("s/overlay-containers/containers.json",
	    "[{\"id\":\"" L64 "\",\"layer\":\"other\"},"
	    "{\"id\":\"" H64 "\",\"layer\":\"lay1\",\"names\":[\"web\"],"
	    "\"metadata\":\"{\\\"image-name\\\":\\\"img:1\\\"}\"}]");
	snprintf(point, sizeof(point), "%s/s/overlay/lay1/merged", tmp);
	assert_int_equal(ad_rtstate_owner(point, &o), 1);
	assert_string_equal(o.runtime, "podman");
	assert_string_equal(o.id, H64);
	snprintf(point, sizeof(point), "%s/s/overlay/nolayer/merged", tmp);
	assert_int_equal(ad_rtstate_owner(point, &o), 0);
	/* CRI-O: its metadata names the pod */
	put("c/overlay-containers/containers.json",
	    "[{\"id\":\"" H64 "\",\"layer\":\"lay2\",\"metadata\":"
	    "\"{\\\"pod-name\\\":\\\"db-0\\\"}\"}]");
	snprintf(point, sizeof(point), "%s/c/overlay/lay2/merged", tmp);
	assert_int_equal(ad_rtstate_owner(point, &o), 1);
	assert_string_equal(o.runtime, "cri-o");
	/* Docker, any data root: layerdb's mount-id names the mount */
	put("d/image/overlay2/layerdb/mounts/" L64 "/mount-id", "m1");
	put("d/image/overlay2/layerdb/mounts/" H64 "/mount-id", "m2\n");
	snprintf(point, sizeof(point), "%s/d/overlay2/m2/merged", tmp);
	assert_int_equal(ad_rtstate_owner(point, &o), 1);
	assert_string_equal(o.runtime, "docker");
	assert_string_equal(o.id, H64);
	snprintf(point, sizeof(point), "%s/d", tmp);
	assert_string_equal(o.root, point);
	/* containerd: the task dir names namespace and id */
	assert_int_equal(ad_rtstate_owner("/run/containerd/io.containerd."
	    "runtime.v2.task/k8s.io/" H64 "/rootfs", &o), 1);
	assert_string_equal(o.runtime, "containerd");
	assert_string_equal(o.ns, "k8s.io");
	assert_string_equal(o.id, H64);
	/* hostile or torn state: nobody's */
	put("t/overlay-containers/containers.json",
	    "[{\"id\":\"" H64 "\",\"layer\":\"lay3\"");
	snprintf(point, sizeof(point), "%s/t/overlay/lay3/merged", tmp);
	assert_int_equal(ad_rtstate_owner(point, &o), 0);
	put("t/overlay-containers/containers.json",
	    "[{\"id\":\"../../etc\",\"layer\":\"lay3\"}]");
	assert_int_equal(ad_rtstate_owner(point, &o), 0);
	put("t/overlay-containers/containers.json",
	    "[{\"id\":{\"a\":1},\"layer\":\"lay3\"},\"x\",7,null]");
	assert_int_equal(ad_rtstate_owner(point, &o), 0);
	put("t/overlay-containers/containers.json",
	    "[{\"id\":\"\xff\xfe\",\"layer\":\"lay3\"}]");
	assert_int_equal(ad_rtstate_owner(point, &o), 0);
	/* shapes that name no container */
	assert_int_equal(ad_rtstate_owner("/", &o), 0);
	assert_int_equal(ad_rtstate_owner("/merged", &o), 0);
	assert_int_equal(ad_rtstate_owner("overlay/x/merged", &o), 0);
	assert_int_equal(ad_rtstate_owner("/run/containerd/io.containerd."
	    "runtime.v2.task/k8s.io/../rootfs", &o), 0);
}

static void
test_meta_hostile(void **state)
{
	struct ad_rt_meta m;
	char deep[20010];
	int i;

	/* wrong types, a NUL, nesting past jansson's limit: no crash, no
	 * half-trusted value */
	put("h/var/lib/docker/containers/" H64 "/config.v2.json",
	    "{\"Name\":{\"x\":1},\"Config\":[1,2],\"Image\":7}");
	assert_int_equal(ad_rtstate_meta("docker", "", NULL, H64, NULL, &m), 0);
	{
		char root[PATH_MAX];

		snprintf(root, sizeof(root), "%s/h", tmp);
		assert_int_equal(ad_rtstate_meta("docker", root, NULL, H64,
		    NULL, &m), 1);
		assert_null(m.name);
		assert_null(m.image);
		ad_rt_meta_clear(&m);
		put("h/var/lib/docker/containers/" H64 "/config.v2.json",
		    "{\"Name\":\"/a\\u0000b\",\"Config\":{\"Image\":\"i\"}}");
		assert_int_equal(ad_rtstate_meta("docker", root, NULL, H64,
		    NULL, &m), 1);
		assert_string_equal(m.name, "a\xef\xbf\xbd" "b");
		assert_string_equal(m.image, "i");
		ad_rt_meta_clear(&m);
		for (i = 0; i < 10000; i++)
			deep[i] = '[';
		for (; i < 20000; i++)
			deep[i] = ']';
		deep[i] = '\0';
		put("h/var/lib/docker/containers/" H64 "/config.v2.json", deep);
		assert_int_equal(ad_rtstate_meta("docker", root, NULL, H64,
		    NULL, &m), 0);
		assert_null(m.name);
		ad_rt_meta_clear(&m);
	}
}

/* --- the resolver fed by mounts ------------------------------------------ */

static void
test_resolver_mount(void **state)
{
	struct ad_resolver *r;
	struct ad_mount m;
	const struct ad_container *c;
	struct ad_event ev;
	char proc[PATH_MAX], point[PATH_MAX];

	put("s/overlay-containers/containers.json",
	    "[{\"id\":\"" H64 "\",\"layer\":\"lay1\",\"names\":[\"web\"],"
	    "\"metadata\":\"{\\\"image-name\\\":\\\"img:1\\\"}\"}]");
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	mkdir(proc, 0755);
	r = ad_resolver_new(proc, "/", 0);
	memset(&m, 0, sizeof(m));
	snprintf(point, sizeof(point), "%s/s/overlay/lay1/merged", tmp);
	m.point = point;
	m.major = 0;
	m.minor = 77;
	m.upper = "/up";
	c = ad_resolver_mount(r, &m, 1000);
	assert_non_null(c);
	assert_string_equal(c->id, H64);
	assert_string_equal(c->runtime, "podman");
	assert_string_equal(c->upperdir, "/up");
	assert_int_equal(c->has_root_dev, 1);
	/* a process gone before any /proc read: its file's device */
	memset(&ev, 0, sizeof(ev));
	ev.proc.pid = 4242;
	ev.sec = 5;
	ev.op = AD_OP_CREATE;
	ev.nitems = 1;
	ev.items[0].has_inode = 1;
	ev.items[0].dev_minor = 77;
	ev.file_idx = -1;
	ev.file2_idx = -1;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_DEVICE);
	assert_ptr_equal(ev.container, c);
	/* unmounted at 9 s: an event of 8 s is its; one of 20 s is not */
	assert_ptr_equal(ad_resolver_unmount(r, 0, 77, 9000), c);
	ev.sec = 8;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	ev.sec = 20;
	ev.proc.pid = 4243;
	assert_int_equal(ad_resolve_event(r, &ev), 0);
	/* a mount no runtime claims: no container */
	snprintf(point, sizeof(point), "%s/elsewhere/merged", tmp);
	m.minor = 78;
	assert_null(ad_resolver_mount(r, &m, 1000));
	ad_resolver_free(r);
}

/* The container's own pid namespace, not the innermost: a process that
 * made a pid namespace of its own inside the container (unshare -pf sh)
 * is not the container's pid 1. */
static void
test_vpid_level(void **state)
{
	struct ad_resolver *r;
	struct ad_event ev;
	char proc[PATH_MAX];
	int depth;

	assert_int_equal(ad_status_nspid("NSpid:\t90\t7\t1\n", 15, 2, &depth),
	    7);
	assert_int_equal(depth, 3);
	assert_int_equal(ad_status_nspid("NSpid:\t90\t7\t1\n", 15, 0, &depth),
	    1);
	assert_int_equal(ad_status_nspid("NSpid:\t90\n", 9, 2, &depth), 90);
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	put("proc/1/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
	put("proc/77/cgroup", "0::/k8s.io/" H64 "\n");
	put("proc/77/stat", "77 (sh) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "150000 0 0\n");
	put("proc/77/status", "Name:\tsh\nNSpid:\t77\t1\n");
	put("proc/78/cgroup", "0::/k8s.io/" H64 "\n");
	put("proc/78/stat", "78 (sh) S 77 78 78 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "150000 0 0\n");
	put("proc/78/status", "Name:\tsh\nNSpid:\t78\t5\t1\n");
	r = ad_resolver_new(proc, "/", 0);
	ad_resolver_set_clock(r, 1700000000000LL, 1700000000000LL + 2100000);
	memset(&ev, 0, sizeof(ev));
	ev.op = AD_OP_EXEC;
	ev.file_idx = ev.file2_idx = -1;
	ev.sec = 1700000000 + 2000;
	ev.proc.pid = 77;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.proc.vpid, 1);
	ev.proc.pid = 78;
	ev.proc.ppid = 77;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.proc.vpid, 5);
	ad_resolver_free(r);
}

/* Layer checks resolve inside the layer: a container's symlink never
 * makes audrift answer from the host's files. */
static void
test_layer_symlink(void **state)
{
	struct ad_container c;
	char up[PATH_MAX], low[PATH_MAX], link[PATH_MAX + 8], buf[PATH_MAX];
	const char *lowers[2];

	snprintf(up, sizeof(up), "%s/up", tmp);
	snprintf(low, sizeof(low), "%s/low", tmp);
	put("up/etc/.keep", "");
	put("low/bin/sh", "image");
	snprintf(link, sizeof(link), "%s/up/usr", tmp);
	assert_int_equal(symlink("/etc", link), 0);
	lowers[0] = low;
	lowers[1] = NULL;
	memset(&c, 0, sizeof(c));
	c.upperdir = up;
	c.lowerdirs = lowers;
	/* the host has /etc/passwd; the layer has no etc/passwd */
	assert_int_equal(access("/etc/passwd", F_OK), 0);
	assert_int_not_equal(ad_container_upper_has(&c, "/usr/passwd"),
	    AD_UPPER_YES);
	assert_int_equal(ad_container_lower_find(&c, "/usr/passwd", buf,
	    sizeof(buf)), 0);
	/* the checks still work inside the layer */
	assert_int_equal(ad_container_upper_has(&c, "/bin/sh"), AD_UPPER_NO);
	assert_int_equal(ad_container_upper_has(&c, "/usr"), AD_UPPER_YES);
	assert_int_equal(ad_container_lower_find(&c, "/bin/sh", buf,
	    sizeof(buf)), 1);
}

static void exec_ev(struct ad_event *ev, pid_t pid, pid_t ppid, int64_t ms,
    const char *exe, const char *argv);

/* A container learned only from exec records, after it exited: its
 * layers from the runtime's state, examined once. */
static void
test_learned_late(void **state)
{
	struct ad_resolver *r;
	struct ad_event ev;
	const struct ad_container *c;
	char proc[PATH_MAX], want[PATH_MAX];

	put("var/lib/containers/storage/overlay-containers/containers.json",
	    "[{\"id\":\"" H64 "\",\"layer\":\"lay9\",\"names\":[\"gone\"]}]");
	put("var/lib/containers/storage/overlay-containers/" H64 "/.keep", "");
	put("var/lib/containers/storage/overlay/lay9/diff/usr/bin/x", "x");
	put("var/lib/containers/storage/overlay/lay9/lower", "l/AAA:l/BBB\n");
	put("proc/1/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	r = ad_resolver_new(proc, tmp, 0);
	exec_ev(&ev, 100, 1, 1000, "/usr/bin/conmon", "conmon -c " H64);
	ad_resolve_event(r, &ev);
	assert_null(ad_resolver_take_unexamined(r));
	exec_ev(&ev, 102, 100, 1003, "/bin/sh", "sh -c x");
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_int_equal(ev.attribution, AD_ATTR_LINEAGE);
	c = ev.container;
	assert_string_equal(c->id, H64);
	assert_string_equal(c->name, "gone");
	snprintf(want, sizeof(want), "%s/var/lib/containers/storage/overlay/"
	    "lay9/diff", tmp);
	assert_string_equal(c->upperdir, want);
	snprintf(want, sizeof(want), "%s/var/lib/containers/storage/overlay/"
	    "l/BBB", tmp);
	assert_string_equal(c->lowerdirs[1], want);
	assert_ptr_equal(ad_resolver_take_unexamined(r), c);
	assert_null(ad_resolver_take_unexamined(r));
	ad_resolver_free(r);
}

/* Containers the state knows, running or not (ad_rtstate_list): a
 * podman and a CRI-O entry, a Docker dir; ids that could not be paths
 * and entries of the wrong type skipped.  The resolver learns the ones it
 * does not know, with their layers, and gives no container_start. */
struct listed {
	char got[8][128];
	int n;
};

static void
listed_one(void *arg, const char *runtime, const char *id)
{
	struct listed *l = arg;

	assert_true(l->n < 8);
	snprintf(l->got[l->n++], sizeof(l->got[0]), "%s %.8s", runtime, id);
}

#define H64B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define H64C "aaaabbbbccccddddaaaabbbbccccddddaaaabbbbccccddddaaaabbbbccccdddd"
static void
test_rtstate_list(void **state)
{
	struct ad_resolver *r;
	const struct ad_container *c;
	struct ad_event ev;
	struct listed l = { .n = 0 };
	char proc[PATH_MAX];

	(void)state;
	put("var/lib/containers/storage/overlay-containers/containers.json",
	    "[{\"id\":\"" H64 "\",\"layer\":\"lay1\",\"names\":[\"stopped\"]},"
	    "{\"id\":\"" H64B "\",\"metadata\":\"{\\\"pod-name\\\":\\\"p\\\"}\"},"
	    "{\"id\":\"../../etc\"},{\"id\":7},\"x\",{\"id\":\"\"}]");
	put("var/lib/containers/storage/overlay/lay1/diff/usr/bin/x", "x");
	put("var/lib/docker/containers/" H64C "/config.v2.json", "{}");
	put("var/lib/docker/containers/.tmp-x/config.v2.json", "{}");
	assert_int_equal(ad_rtstate_list(tmp, listed_one, &l), 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.got[0], "podman 01234567");
	assert_string_equal(l.got[1], "cri-o fedcba98");
	assert_string_equal(l.got[2], "docker aaaabbbb");

	put("proc/1/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n");
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	r = ad_resolver_new(proc, tmp, 0);
	assert_int_equal(ad_resolver_learn_stored(r), 3);
	assert_int_equal(ad_resolver_learn_stored(r), 0);	/* known */
	assert_null(ad_resolver_next_start(r));		/* not running */
	c = ad_resolver_take_unexamined(r);		/* the one with layers */
	assert_non_null(c);
	assert_string_equal(c->id, H64);
	assert_string_equal(c->name, "stopped");
	assert_null(ad_resolver_take_unexamined(r));
	/* it starts: a process of it is seen, and its start is judged */
	put("proc/90/cgroup", "0::/libpod_parent/libpod-" H64 "\n");
	put("proc/90/stat", "90 (sh) S 1 90 90 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
	    "150000 0 0\n");
	ad_resolver_set_clock(r, 1700000000000LL, 1700000000000LL + 2100000);
	memset(&ev, 0, sizeof(ev));
	ev.op = AD_OP_EXEC;
	ev.file_idx = ev.file2_idx = -1;
	ev.sec = 1700000000 + 2000;
	ev.proc.pid = 90;
	assert_int_equal(ad_resolve_event(r, &ev), 1);
	assert_ptr_equal(ev.container, c);
	ad_resolver_set_clock(r, 1700000000000LL, 1700000000000LL + 2100000 +
	    AD_START_WAIT_MS + 1);
	assert_ptr_equal(ad_resolver_next_start(r), c);
	assert_null(ad_resolver_next_start(r));
	ad_resolver_free(r);
}

/* --- lineage.c ----------------------------------------------------------- */

static struct ad_str argv_buf[16];

static int
argv_of(const char *line)
{
	static char copy[1024];
	char *p, *save = NULL;
	int n = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (p = strtok_r(copy, " ", &save); p && n < 16;
	    p = strtok_r(NULL, " ", &save)) {
		argv_buf[n].s = p;
		argv_buf[n++].len = strlen(p);
	}
	return n;
}

static void
test_runtime_id(void **state)
{
	static const struct {
		const char *exe, *argv;
		int rc;
		const char *id, *rt;
	} cases[] = {
		{ "/usr/sbin/runc", "runc --root /run/runc create --bundle /b "
		  "--pid-file /p " H64, 1, H64, "podman" },
		{ "/usr/bin/runc", "runc --root /run/docker/runtime-runc/moby "
		  "--log /l --log-format json create --bundle /b " H64, 1, H64,
		  "docker" },
		{ "/usr/bin/crun", "crun --root=/run/crun run -b /b " H64, 1, H64,
		  "podman" },
		{ "/usr/bin/runc", "runc exec --process /tmp/p.json -d " H64
		  " /bin/sh", 1, H64, "podman" },
		{ "/usr/bin/runc", "runc init", 0, NULL, NULL },
		{ "/usr/bin/runc", "runc --version", 0, NULL, NULL },
		{ "/usr/bin/conmon", "conmon --api-version 1 -c " H64 " -u " H64
		  " -r /usr/bin/runc", 1, H64, "podman" },
		{ "/usr/bin/conmon", "conmon --cid=" H64, 1, H64, "podman" },
		{ "/usr/bin/containerd-shim-runc-v2", "containerd-shim-runc-v2 "
		  "-namespace moby -id " H64 " -address /run/c.sock", 1, H64,
		  "docker" },
		{ "/usr/bin/containerd-shim-runc-v2", "containerd-shim-runc-v2 "
		  "-namespace k8s.io -id " H64, 1, H64, "containerd" },
		{ "/usr/bin/runc", "runc create --bundle /b ../../etc", 0, NULL,
		  NULL },
		{ "/bin/sh", "sh -c runc create x", -1, NULL, NULL },
	};
	char id[AD_LINEAGE_ID_MAX];
	const char *rt;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int argc = argv_of(cases[i].argv);
		int rc = ad_lineage_runtime_id(cases[i].exe, argc, argv_buf,
		    id, sizeof(id), &rt);

		if (rc != cases[i].rc)
			fail_msg("case %zu (%s): %d", i, cases[i].argv, rc);
		if (rc == 1) {
			assert_string_equal(id, cases[i].id);
			assert_string_equal(rt, cases[i].rt);
		}
	}
}

static void
exec_ev(struct ad_event *ev, pid_t pid, pid_t ppid, int64_t ms,
    const char *exe, const char *argv)
{
	memset(ev, 0, sizeof(*ev));
	ev->proc.pid = pid;
	ev->proc.ppid = ppid;
	ev->sec = ms / 1000;
	ev->ms = (unsigned)(ms % 1000);
	ev->op = AD_OP_EXEC;
	ev->proc.exe.s = exe;
	ev->proc.exe.len = strlen(exe);
	ev->proc.argc = argv_of(argv);
	ev->proc.argv = argv_buf;
}

static void
test_lineage(void **state)
{
	struct ad_lineage *l = ad_lineage_new(64);
	struct ad_event ev;
	const char *rt = NULL, *id;

	/* conmon names the container; runc is its child, the runtime's */
	exec_ev(&ev, 100, 1, 1000, "/usr/bin/conmon", "conmon -c " H64);
	ad_lineage_exec(l, &ev, NULL, NULL);
	exec_ev(&ev, 101, 100, 1001, "/usr/bin/runc", "runc create " H64);
	ad_lineage_exec(l, &ev, NULL, NULL);
	assert_null(ad_lineage_lookup(l, 100, 1, 1002, &rt));
	assert_null(ad_lineage_lookup(l, 101, 100, 1002, &rt));
	/* the entrypoint, reparented to conmon, and its child */
	exec_ev(&ev, 102, 100, 1003, "/bin/sh", "sh -c x");
	ad_lineage_exec(l, &ev, NULL, NULL);
	id = ad_lineage_lookup(l, 102, 100, 1004, &rt);
	assert_non_null(id);
	assert_string_equal(id, H64);
	assert_string_equal(rt, "podman");
	exec_ev(&ev, 103, 102, 1005, "/usr/bin/x", "x");
	ad_lineage_exec(l, &ev, NULL, NULL);
	assert_string_equal(ad_lineage_lookup(l, 103, 102, 1006, &rt), H64);
	/* a fork that never exec'd: by its parent */
	assert_string_equal(ad_lineage_lookup(l, 104, 103, 1007, &rt), H64);
	/* an event older than the exec had another process under the pid */
	assert_null(ad_lineage_lookup(l, 103, 0, 900, &rt));
	/* the pid reused on the host: forgotten */
	exec_ev(&ev, 103, 50, 2000, "/usr/bin/ls", "ls");
	ad_lineage_exec(l, &ev, NULL, NULL);
	assert_null(ad_lineage_lookup(l, 103, 50, 2001, &rt));
	/* what the resolver attributed otherwise is kept for descendants */
	exec_ev(&ev, 200, 50, 3000, "/bin/sh", "sh");
	ad_lineage_exec(l, &ev, L64, "docker");
	assert_string_equal(ad_lineage_lookup(l, 201, 200, 3001, &rt), L64);
	assert_string_equal(rt, "docker");
	/* a fake runtime in a container names no other container */
	exec_ev(&ev, 300, 200, 4000, "/usr/bin/conmon", "conmon -c " H64);
	ad_lineage_exec(l, &ev, L64, "docker");
	assert_string_equal(ad_lineage_lookup(l, 301, 300, 4001, &rt), L64);
	ad_lineage_free(l);
	ad_lineage_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_hostile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resolver_mount, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vpid_level, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_layer_symlink, setup,
		    teardown),
		cmocka_unit_test(test_runtime_id),
		cmocka_unit_test_setup_teardown(test_learned_late, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rtstate_list, setup,
		    teardown),
		cmocka_unit_test(test_lineage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
