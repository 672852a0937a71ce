/*
 * test_posture.c - a container's posture from runtime state on disk
 * (posture.h), over the fixture trees of tests/fixtures/posture
 * (make-fixtures.sh): podman, CRI-O, Docker, containerd, and hostile
 * state that must skip a field with a note, never crash; and the rule
 * language's side: event.kind, the container_start slot, intersects and
 * under.
 */
#include "config.h"

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
#include "posture.h"
#include "rules_ast.h"
#include "ruleset.h"
#include "util.h"

#define PLAIN	"49011eeee23487a913c91f774e5b3337556a6c9c16ee76e53106529a98cd45c3"
#define PRIV	"30a045dd831cd9de2c8a006d2f4de3ac1c4272d9a184469152ad791cc213cdff"
#define HARD	"e6b0949b7e30951dad699acea2ac1fa1ca3d5e3e50a91c5f95c742c71a2b2253"
#define CRIO	"a6096b8f677941d7d2b0a6f0a3939ade48f461e03eb96621e2987a0b7f42afd0"
#define DOCKER	"50b3c11b8c4f8b9f04ef040c8561739f672c0939eb240cc5b1d343d23e7ad8a2"
#define CTRD	"04b6527ac075b74203ee1ec93a80b51cf4ba3d712d92c051ada2767fe02f5893"
#define TORN	"00cc10cc5ab0a89fbf4d84a229bf234e739ba6294a832d2c042ce8d9a1949cf7"
#define HUGE	"5e580eee1a39851ef636172a5b2939d4a51eeeeaa62dd4e01128d5ab0dc008ea"
#define DEEP	"74611c1d6455b534323a21f8133a6f43dc3a8188e7b946f96dcc28dde932fcb2"
#define UTF8	"941b7ecd47e5a3d6066847def67a662f539afe44c5bdf95d962f9dc785dd96f3"
#define TYPES	"8d8460221bf4eb295f964884b40a9ba6302a9c2af2f9b1997cbed42fda139de8"
#define PODMAN_DIGEST \
	"sha256:f891e3c7d2a09c136d14e9714e977734eb0a403c3157057c8ac732b8f4e13182"
#define CRIO_DIGEST \
	"sha256:7cb1221411310a91da1655d012e44cf72be6bb606510747c7e39fa88bd5958f0"
#define DOCKER_DIGEST \
	"sha256:8681c395f47a809fefc0e2ef0f85b61e3886bc273ceac84f75b2ba2a116c096c"
#define CTRD_DIGEST \
	"sha256:c642424309de69bf8f3478c2e9d84acd64acbbca053ad5867c8e7ebf7c69f77a"
#define POD	"0c5dbe5b-7e52-4d0a-b7a8-0123456789ab"

static struct ad_posture *
load(const char *layout, const char *rt, const char *id, const char *pod)
{
	char root[4096];

	snprintf(root, sizeof(root), "%s/%s/root", FIXTURE_DIR, layout);
	return ad_posture_load(rt, root, NULL, id, NULL, pod);
}

static void
assert_strv(const struct ad_strv *v, const char *const *want, int n)
{
	int i;

	assert_true(v->known);
	assert_int_equal(v->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(v->v[i].s, want[i]);
}

static void
test_podman(void **state)
{
	static const char *const ports[] = { "53/udp", "8080/tcp" };
	static const char *const caps[] = { "NET_ADMIN", "SYS_ADMIN" };
	static const char *const mounts[] = { "/etc", "/run/podman/podman.sock",
	    "/home/data" };
	struct ad_posture *p;

	(void)state;
	p = load("podman", "podman", PLAIN, NULL);
	assert_int_equal(p->config, 1);
	assert_string_equal(p->image_digest, PODMAN_DIGEST);
	assert_string_equal(p->image_ref, "localhost/audrift-test:1");
	assert_int_equal(p->image_pinned, 0);
	assert_int_equal(p->privileged, 0);
	assert_strv(&p->cap_added, NULL, 0);
	/* its hosts and shm, and a named volume, are the runtime's */
	assert_strv(&p->host_mounts, NULL, 0);
	assert_int_equal(p->host_network, 0);
	assert_int_equal(p->host_pid, 0);
	assert_int_equal(p->host_ipc, 0);
	assert_int_equal(p->readonly_root, 0);
	assert_int_equal(p->user_uid, 0);
	assert_strv(&p->img_ports, ports, 2);
	assert_int_equal(p->img_env.n, 2);
	assert_int_equal(p->entrypoint_overridden, 0);
	assert_int_equal(p->user_overridden, 0);
	assert_true(p->created_ms == 1796112000500LL);
	assert_int_equal(p->nnotes, 0);
	ad_posture_free(p);

	p = load("podman", "podman", PRIV, NULL);
	assert_int_equal(p->privileged, 1);
	assert_true(p->cap_added.n > 20);
	assert_int_equal(p->entrypoint_overridden, 1);	/* /bin/sh */
	ad_posture_free(p);

	p = load("podman", "podman", HARD, NULL);
	assert_int_equal(p->image_pinned, 1);
	assert_string_equal(p->image_digest, PODMAN_DIGEST);
	assert_int_equal(p->privileged, 0);
	assert_strv(&p->cap_added, caps, 2);
	assert_strv(&p->host_mounts, mounts, 3);	/* trailing / gone */
	assert_int_equal(p->host_pid, 1);
	assert_int_equal(p->host_network, 0);
	assert_int_equal(p->readonly_root, 1);
	assert_int_equal(p->user_uid, 1000);
	assert_int_equal(p->user_overridden, 1);
	assert_int_equal(p->nnotes, 0);
	ad_posture_free(p);
}

static void
test_crio(void **state)
{
	static const char *const mounts[] = { "/var/lib/kubelet" };
	struct ad_posture *p;

	(void)state;
	p = load("crio", "cri-o", CRIO, POD);
	assert_string_equal(p->k8s_pod, "web-7d4");
	assert_string_equal(p->k8s_ns, "shop");
	assert_string_equal(p->k8s_container, "web");
	assert_string_equal(p->image_ref, "quay.io/app/web:2");
	assert_string_equal(p->image_digest, CRIO_DIGEST);
	assert_int_equal(p->image_pinned, 0);
	/* its own pod's volumes are not host mounts; the kubelet dir is */
	assert_strv(&p->host_mounts, mounts, 1);
	/* joined namespaces (the pod's) are not the host's */
	assert_int_equal(p->host_network, 0);
	assert_int_equal(p->host_ipc, 0);
	assert_int_equal(p->user_uid, 1001);
	assert_int_equal(p->user_overridden, 0);
	assert_int_equal(p->entrypoint_overridden, 0);	/* Cmd /web */
	assert_true(p->img_ports.known);
	assert_int_equal(p->img_ports.n, 0);
	ad_posture_free(p);
	/* without the pod's uid its volumes count */
	p = load("crio", "cri-o", CRIO, NULL);
	assert_int_equal(p->host_mounts.n, 3);
	ad_posture_free(p);
}

static void
test_docker(void **state)
{
	static const char *const caps[] = { "SYS_PTRACE" };
	static const char *const mounts[] = { "/var/run/docker.sock" };
	static const char *const ports[] = { "80/tcp" };
	struct ad_posture *p;

	(void)state;
	p = load("docker", "docker", DOCKER, NULL);
	assert_int_equal(p->config, 1);
	assert_string_equal(p->image_ref, "nginx:1.25");
	/* the digest of the repository the reference names */
	assert_string_equal(p->image_digest, DOCKER_DIGEST);
	assert_int_equal(p->image_pinned, 0);
	assert_int_equal(p->privileged, 0);
	assert_strv(&p->cap_added, caps, 1);	/* NET_RAW is a default */
	assert_strv(&p->host_mounts, mounts, 1);
	assert_int_equal(p->host_network, 1);
	assert_int_equal(p->host_pid, 0);
	assert_int_equal(p->host_ipc, 0);
	assert_int_equal(p->readonly_root, 1);
	assert_int_equal(p->user_uid, 0);
	assert_string_equal(p->k8s_pod, "edge");
	assert_string_equal(p->k8s_container, "nginx");
	assert_strv(&p->img_ports, ports, 1);
	assert_int_equal(p->entrypoint_overridden, 1);	/* /bin/sh */
	assert_int_equal(p->user_overridden, 0);
	assert_int_equal(p->nnotes, 0);
	ad_posture_free(p);
}

static void
test_containerd(void **state)
{
	static const char *const caps[] = { "BPF" };
	static const char *const mounts[] = { "/" };
	struct ad_posture *p;
	char root[4096];

	(void)state;
	snprintf(root, sizeof(root), "%s/containerd/root", FIXTURE_DIR);
	p = ad_posture_load("containerd", root, NULL, CTRD, "k8s.io", "u-1");
	assert_int_equal(p->config, 1);
	assert_string_equal(p->k8s_pod, "agent-x1");
	assert_string_equal(p->k8s_ns, "kube-system");
	assert_string_equal(p->k8s_container, "agent");
	assert_int_equal(p->image_pinned, 1);
	assert_string_equal(p->image_digest, CTRD_DIGEST);
	assert_strv(&p->cap_added, caps, 1);
	assert_strv(&p->host_mounts, mounts, 1);
	assert_int_equal(p->host_network, 1);	/* joins /proc/1/ns/net */
	assert_int_equal(p->host_pid, 0);
	assert_int_equal(p->user_uid, 65534);
	assert_int_equal(p->image_config, 0);	/* no content store read */
	assert_int_equal(p->entrypoint_overridden, -1);
	ad_posture_free(p);
}

/* Each hostile input: no crash (ASan), the field unknown, a note. */
static void
test_hostile(void **state)
{
	struct ad_posture *p;
	char dir[] = "/tmp/audrift-posture.XXXXXX", path[4096], *slash;
	FILE *f;
	int i;

	(void)state;
	p = load("hostile", "podman", TORN, NULL);
	assert_int_equal(p->config, 0);
	assert_true(p->nnotes >= 1);
	assert_non_null(strstr(p->notes[0], "config.json: not valid JSON") != NULL);
	assert_int_equal(p->privileged, -1);
	assert_false(p->host_mounts.known);
	assert_null(p->image_digest);	/* md5:abc is not a digest */
	ad_posture_free(p);

	p = load("hostile", "podman", HUGE, NULL);
	assert_int_equal(p->config, 1);
	assert_false(p->cap_added.known);
	assert_false(p->host_mounts.known);
	assert_true(p->nnotes >= 2);
	assert_int_equal(p->host_pid, 0);	/* what was sound is kept */
	ad_posture_free(p);

	p = load("hostile", "podman", DEEP, NULL);
	assert_int_equal(p->config, 0);
	assert_true(p->nnotes >= 1);
	ad_posture_free(p);

	p = load("hostile", "podman", UTF8, NULL);
	assert_int_equal(p->config, 0);
	assert_non_null(strstr(p->notes[0], "not UTF-8"));
	ad_posture_free(p);

	p = load("hostile", "podman", TYPES, NULL);
	assert_int_equal(p->config, 1);
	assert_int_equal(p->user_uid, -1);
	assert_false(p->argv.known);
	assert_false(p->cap_added.known);
	assert_false(p->host_mounts.known);
	assert_int_equal(p->readonly_root, -1);
	assert_int_equal(p->host_pid, -1);
	assert_null(p->k8s_pod);
	assert_null(p->k8s_ns);
	/* the image config's Env, Entrypoint and ports are skipped too */
	assert_false(p->img_env.known && p->img_env.n > 0);
	assert_false(p->img_ports.known);
	assert_int_equal(p->entrypoint_overridden, -1);
	assert_true(p->nnotes >= 8);
	for (i = 0; i < AD_POSTURE_NOTES; i++)
		assert_non_null(p->notes[i]);
	ad_posture_free(p);

	/* over the size limit: not read at all */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/containerd/io.containerd."
	    "runtime.v2.task/k8s.io/big", dir);
	for (i = (int)strlen(dir) + 1; path[i]; i++)
		if (path[i] == '/') {
			path[i] = '\0';
			mkdir(path, 0755);
			path[i] = '/';
		}
	mkdir(path, 0755);
	strcat(path, "/config.json");
	assert_non_null(f = fopen(path, "w"));
	fputs("{\"pad\":\"", f);
	for (i = 0; i < 5 * 1024 * 1024 / 16; i++)
		fputs("0123456789abcdef", f);
	fputs("\"}", f);
	fclose(f);
	p = ad_posture_load("containerd", dir, NULL, "big", "k8s.io", NULL);
	assert_int_equal(p->config, 0);
	assert_non_null(strstr(p->notes[0], "too big"));
	ad_posture_free(p);
	unlink(path);
	ad_posture_free(ad_posture_load("lxc", dir, NULL, "x", NULL, NULL));
	ad_posture_free(NULL);
	/* the dirs made above, deepest first, then dir itself */
	while ((slash = strrchr(path, '/')) != NULL &&
	    (size_t)(slash - path) > strlen(dir)) {
		*slash = '\0';
		assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* --- rules ------------------------------------------------------------ */

struct hits {
	int n;
	char names[8][64];
};

static void
on_hit(void *arg, const struct ad_finding *f)
{
	struct hits *h = arg;

	if (h->n < 8)
		snprintf(h->names[h->n], sizeof(h->names[0]), "%s", f->rule);
	h->n++;
}

static void
test_rules(void **state)
{
	static const char *const names[] = { "r.rules" };
	static const char *const texts[] = {
		"list caps = [SYS_ADMIN, BPF]\n"
		"list paths = [/etc, /run/podman]\n"
		"rule start_caps { severity high when event.kind == "
		"container_start and container.cap_added intersects caps "
		"output \"%container.cap_added\" }\n"
		"rule start_paths { severity high when event.kind == "
		"container_start and container.host_mounts under paths "
		"output \"x\" }\n"
		"rule start_root { severity high when event.kind == "
		"container_start and container.host_mounts in (\"/\") "
		"output \"x\" }\n"
		/* a syscall rule with a negation: never on container_start */
		"rule not_shell { severity low when container.id exists and "
		"not proc.name in (sh) output \"x\" }\n"
		"rule any_kind { severity low when event.kind != syscall "
		"output \"x\" }\n"
	};
	struct ad_ruleset *rs = ad_ruleset_load_mem(names, texts, 1, stderr);
	struct ad_posture *p = load("podman", "podman", HARD, NULL);
	struct ad_container c;
	struct ad_event ev;
	struct ad_str comm = { "evil", 4 };
	struct hits h;

	(void)state;
	assert_non_null(rs);
	memset(&c, 0, sizeof(c));
	c.id = HARD;
	c.posture = p;
	memset(&ev, 0, sizeof(ev));
	ev.kind = AD_KIND_CONTAINER_START;
	ev.container = &c;
	ev.syscall = -1;
	memset(&h, 0, sizeof(h));
	ad_ruleset_eval(rs, &ev, on_hit, &h);
	/* HARD: SYS_ADMIN added, /etc and /run/podman/podman.sock bound */
	assert_int_equal(h.n, 3);
	assert_string_equal(h.names[0], "start_caps");
	assert_string_equal(h.names[1], "start_paths");
	assert_string_equal(h.names[2], "any_kind");

	/* the same container's syscall event: only the syscall rule */
	ev.kind = AD_KIND_SYSCALL;
	ev.proc.comm = comm;
	ev.op = AD_OP_EXEC;
	memset(&h, 0, sizeof(h));
	ad_ruleset_eval(rs, &ev, on_hit, &h);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.names[0], "not_shell");
	ad_posture_free(p);

	/* "/" bound: in ("/") holds; under /etc does not hold for /etcx */
	p = ad_posture_load(NULL, "", NULL, NULL, NULL, NULL);
	c.posture = p;
	ev.kind = AD_KIND_CONTAINER_START;
	p->host_mounts.known = 1;
	p->host_mounts.v = xcalloc(2, sizeof(struct ad_str));
	p->host_mounts.v[0].s = xstrdup("/etcx");
	p->host_mounts.v[0].len = 5;
	p->host_mounts.v[1].s = xstrdup("/");
	p->host_mounts.v[1].len = 1;
	p->host_mounts.n = 2;
	memset(&h, 0, sizeof(h));
	ad_ruleset_eval(rs, &ev, on_hit, &h);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.names[0], "start_root");
	assert_string_equal(h.names[1], "any_kind");
	ad_posture_free(p);
	ad_ruleset_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_containerd),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
