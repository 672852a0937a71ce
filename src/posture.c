/*
 * posture.c - how a container was started, from its runtime's state on
 * disk (posture.h).  Every input is hostile until checked: a field whose
 * value is of the wrong type, too long, too many, or not what such a
 * value looks like is skipped whole (it stays unknown) with a note.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "posture.h"
#include "rtstate.h"
#include "util.h"

#define DOCKER_ROOT	"/var/lib/docker"
#define STORAGE_ROOT	"/var/lib/containers/storage"
#define STORAGE_RUN	"/run/containers/storage"
#define CONTAINERD_RUN	"/run/containerd/io.containerd.runtime.v2.task"

#define MAX_CONFIG	(4 * 1024 * 1024)	/* one container's files */
#define MAX_INDEX	(64 * 1024 * 1024)	/* images.json, ... */
#define MAX_LIST	1024	/* entries of one list field */
#define MAX_ITEM	4096	/* bytes of one entry */
/* A bounding set this full, with no masked paths, is --privileged:
 * Linux 4.x has 38 capabilities, 5.9 and later 41. */
#define FULL_CAPS	38

static void note(struct ad_posture *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(struct ad_posture *p, const char *fmt, ...)
{
	char t[256];
	va_list ap;

	if (p->nnotes++ >= AD_POSTURE_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(t, sizeof(t), fmt, ap);
	va_end(ap);
	p->notes[p->nnotes - 1] = xstrdup(t);
}

static void
strv_add(struct ad_strv *v, const char *s, size_t n)
{
	v->v = xrealloc(v->v, (size_t)(v->n + 1) * sizeof(*v->v));
	v->v[v->n].s = xstrndup(s, n);
	v->v[v->n].len = n;
	v->n++;
	v->known = 1;
}

static void
strv_clear(struct ad_strv *v)
{
	int i;

	for (i = 0; i < v->n; i++)
		free((char *)v->v[i].s);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static int
strv_has(const struct ad_strv *v, const char *s)
{
	int i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->v[i].s, s) == 0)
			return 1;
	return 0;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ad_str *)a)->s,
	    ((const struct ad_str *)b)->s);
}

static void
strv_sort(struct ad_strv *v)
{
	if (v->n > 1)
		qsort(v->v, (size_t)v->n, sizeof(*v->v), str_cmp);
}

/* Checks one entry of a list field: 1 acceptable. */
typedef int (*item_ok)(const char *s, size_t n);

static int
any_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) == NULL;
}

/* The JSON string array a into out, every entry checked; a missing a
 * leaves out unknown, a bad one too, with a note naming what. */
static void
str_array(struct ad_posture *p, json_t *a, const char *what, item_ok ok,
    struct ad_strv *out)
{
	json_t *e;
	size_t i;

	if (a == NULL || json_is_null(a))
		return;
	if (!json_is_array(a)) {
		note(p, "%s: not an array: skipped", what);
		return;
	}
	if (json_array_size(a) > MAX_LIST) {
		note(p, "%s: %zu entries, over %d: skipped", what,
		    json_array_size(a), MAX_LIST);
		return;
	}
	json_array_foreach(a, i, e) {
		const char *s = json_string_value(e);
		size_t n = s ? json_string_length(e) : 0;

		if (s == NULL || n > MAX_ITEM || !ok(s, n)) {
			note(p, "%s: entry %zu is not an acceptable string: "
			    "skipped", what, i);
			strv_clear(out);
			return;
		}
		strv_add(out, s, n);
	}
	out->known = 1;
}

/* A JSON string into an owned C string, or NULL (with a note when it
 * is there but not an acceptable string). */
static char *
str_get(struct ad_posture *p, json_t *v, const char *what, size_t max)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;

	if (v == NULL || json_is_null(v))
		return NULL;
	if (s == NULL || n > max || memchr(s, '\0', n) != NULL) {
		note(p, "%s: not an acceptable string: skipped", what);
		return NULL;
	}
	return xstrndup(s, n);
}

static int
bool_get(struct ad_posture *p, json_t *v, const char *what)
{
	if (v == NULL || json_is_null(v))
		return -1;
	if (!json_is_boolean(v)) {
		note(p, "%s: not a boolean: skipped", what);
		return -1;
	}
	return json_is_true(v);
}

/* "2026-12-01T07:40:02.758899663Z" (or with +hh:mm): ms since the
 * epoch, 0 when it is not such a time. */
static int64_t
iso_ms(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, ms = 0, k;
	const char *q;
	time_t t;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &sec, &n) != 6 || n == 0)
		return 0;
	q = s + n;
	if (*q == '.') {
		for (q++, k = 0; *q >= '0' && *q <= '9'; q++, k++)
			if (k < 3)
				ms = ms * 10 + (*q - '0');
		for (; k < 3; k++)
			ms *= 10;	/* ".5" is 500 ms */
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1 || y < 1970)
		return 0;
	if ((*q == '+' || *q == '-') && sscanf(q + 1, "%2d:%2d", &h, &mi) ==
	    2)
		t -= (*q == '+' ? 1 : -1) * (h * 3600 + mi * 60);
	return (int64_t)t * 1000 + ms;
}

/* --- capabilities ------------------------------------------------------ */

/* The default set of Docker, podman and containerd (moby's
 * DefaultCapabilities, containers.conf default_capabilities). */
static const char *const default_caps[] = {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
	"MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID",
	"SETPCAP", "SETUID", "SYS_CHROOT",
};

int
ad_posture_default_cap(const char *name)
{
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(default_caps); i++)
		if (strcmp(default_caps[i], name) == 0)
			return 1;
	return 0;
}

/* "CAP_SYS_ADMIN", "SYS_ADMIN" or "sys_admin": [A-Za-z0-9_], at most 32
 * bytes. */
static int
cap_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* Add the capabilities of v (checked) beyond the default set to out,
 * without duplicates; returns how many v held, -1 when it was bad. */
static int
caps_add(struct ad_posture *p, json_t *v, const char *what,
    struct ad_strv *out)
{
	struct ad_strv t;
	const char *s;
	size_t k;
	int i, n;

	memset(&t, 0, sizeof(t));
	str_array(p, v, what, cap_ok, &t);
	if (!t.known)
		return v == NULL || json_is_null(v) ? 0 : -1;
	for (i = 0; i < t.n; i++) {
		for (k = 0; k < t.v[i].len; k++)	/* Docker keeps "sys_admin" */
			((char *)t.v[i].s)[k] = (char)toupper(
			    (unsigned char)t.v[i].s[k]);
		s = t.v[i].s;
		if (strncmp(s, "CAP_", 4) == 0)
			s += 4;
		if (!ad_posture_default_cap(s) && !strv_has(out, s))
			strv_add(out, s, strlen(s));
	}
	out->known = 1;
	n = t.n;
	strv_clear(&t);
	return n;
}

/* --- mounts ------------------------------------------------------------- */

/* Is source one of the runtime's own files for this container (its
 * hosts, resolv.conf, shm, secrets), a named volume, or its own pod's
 * volumes, rather than a host path someone chose to bind in? */
static int
runtime_managed(const char *src, const char *id, const char *pod_uid)
{
	static const char *const prefixes[] = {
		"/var/lib/containers/storage/volumes/",
		"/var/lib/docker/volumes/",
		"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/",
		"/run/containerd/io.containerd.grpc.v1.cri/sandboxes/",
		"/var/run/containerd/io.containerd.grpc.v1.cri/sandboxes/",
	};
	char mark[AD_RT_ID_MAX + 64];
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(prefixes); i++)
		if (strncmp(src, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	/* its own state dirs carry its full id */
	snprintf(mark, sizeof(mark), "/overlay-containers/%s/userdata/", id);
	if (strstr(src, mark) != NULL)
		return 1;
	snprintf(mark, sizeof(mark), "/containers/%s/", id);
	if (strstr(src, mark) != NULL)
		return 1;
	snprintf(mark, sizeof(mark), "/io.containerd.grpc.v1.cri/"
	    "containers/%s/", id);
	if (strstr(src, mark) != NULL)
		return 1;
	if (pod_uid != NULL) {
		snprintf(mark, sizeof(mark), "/var/lib/kubelet/pods/%s/",
		    pod_uid);
		if (strncmp(src, mark, strlen(mark)) == 0)
			return 1;
	}
	return 0;
}

static int
path_ok(const char *s, size_t n)
{
	return n > 0 && n < 4096 && s[0] == '/' && any_ok(s, n);
}

/* Add host path src (checked) to the host mounts unless the runtime
 * manages it; 0 ok, -1 not a path. */
static int
host_mount(struct ad_posture *p, const char *src, size_t n, const char *id,
    const char *pod_uid)
{
	if (!path_ok(src, n))
		return -1;
	/* one spelling: no trailing slash but on "/" itself */
	while (n > 1 && src[n - 1] == '/')
		n--;
	if (!runtime_managed(src, id, pod_uid)) {
		char *c = xstrndup(src, n);

		if (!strv_has(&p->host_mounts, c))
			strv_add(&p->host_mounts, c, n);
		free(c);
	}
	return 0;
}

/* OCI mounts[]: the bind mounts' sources. */
static void
oci_mounts(struct ad_posture *p, json_t *ms, const char *id,
    const char *pod_uid)
{
	json_t *m, *o;
	size_t i, k;

	if (ms == NULL)
		return;
	if (!json_is_array(ms) || json_array_size(ms) > MAX_LIST) {
		note(p, "config.json mounts: not an array of at most %d: "
		    "skipped", MAX_LIST);
		return;
	}
	json_array_foreach(ms, i, m) {
		const char *type = json_string_value(json_object_get(m,
		    "type"));
		json_t *src = json_object_get(m, "source");
		int bind = type != NULL && strcmp(type, "bind") == 0;

		if (!json_is_object(m)) {
			note(p, "config.json mounts: entry %zu is not an "
			    "object: host_mounts skipped", i);
			strv_clear(&p->host_mounts);
			return;
		}
		json_array_foreach(json_object_get(m, "options"), k, o)
			if (json_is_string(o) && (strcmp(json_string_value(o),
			    "bind") == 0 || strcmp(json_string_value(o),
			    "rbind") == 0))
				bind = 1;
		if (!bind)
			continue;
		if (!json_is_string(src) || host_mount(p,
		    json_string_value(src), json_string_length(src), id,
		    pod_uid) != 0) {
			note(p, "config.json mounts: entry %zu has no "
			    "acceptable source: host_mounts skipped", i);
			strv_clear(&p->host_mounts);
			return;
		}
	}
	p->host_mounts.known = 1;
}

/* --- the OCI config.json ------------------------------------------------ */

/* A namespace type shared with the host: no entry of that type, or one
 * joining pid 1's. */
static int
ns_host(json_t *nss, const char *type)
{
	char host[64];
	json_t *e;
	size_t i;

	snprintf(host, sizeof(host), "/proc/1/ns/%s", strcmp(type,
	    "network") == 0 ? "net" : type);
	json_array_foreach(nss, i, e) {
		const char *t = json_string_value(json_object_get(e, "type"));
		const char *path = json_string_value(json_object_get(e,
		    "path"));

		if (t != NULL && strcmp(t, type) == 0)
			return path != NULL && strcmp(path, host) == 0;
	}
	return 1;
}

static int
k8s_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The first of keys of object a that is an acceptable name. */
static char *
k8s_name(struct ad_posture *p, json_t *a, const char *const *keys, int n)
{
	json_t *v;
	int i;

	for (i = 0; i < n; i++) {
		if ((v = json_object_get(a, keys[i])) == NULL)
			continue;
		if (!json_is_string(v) || !k8s_ok(json_string_value(v),
		    json_string_length(v))) {
			note(p, "%s: not a Kubernetes name: skipped", keys[i]);
			continue;
		}
		return xstrdup(json_string_value(v));
	}
	return NULL;
}

/* Pod, namespace and container names from CRI annotations (or Docker's
 * labels, which carry the same keys). */
static void
k8s_names(struct ad_posture *p, json_t *a)
{
	static const char *const pod[] = {
		"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name",
	};
	static const char *const ns[] = {
		"io.kubernetes.pod.namespace",
		"io.kubernetes.cri.sandbox-namespace",
	};
	static const char *const ctr[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri.container-name",
	};

	if (!json_is_object(a))
		return;
	if (p->k8s_pod == NULL)
		p->k8s_pod = k8s_name(p, a, pod, 2);
	if (p->k8s_ns == NULL)
		p->k8s_ns = k8s_name(p, a, ns, 2);
	if (p->k8s_container == NULL)
		p->k8s_container = k8s_name(p, a, ctr, 2);
}

static void
take_str(char **field, char *v)
{
	if (*field == NULL)
		*field = v;
	else
		free(v);
}

/* Everything an OCI runtime spec says (j borrowed). */
static void
from_oci(struct ad_posture *p, json_t *j, const char *id,
    const char *pod_uid)
{
	static const char *const ref_keys[] = {
		"io.kubernetes.cri-o.ImageName",
		"io.kubernetes.cri.image-name",
	};
	json_t *proc = json_object_get(j, "process"), *caps, *lin, *a, *v;
	const char *priv;
	size_t i;
	int nb;

	p->config = 1;
	a = json_object_get(j, "annotations");
	if (json_is_object(a)) {
		k8s_names(p, a);
		for (i = 0; i < AD_ARRAY_SIZE(ref_keys); i++)
			take_str(&p->image_ref, str_get(p, json_object_get(a,
			    ref_keys[i]), ref_keys[i], MAX_ITEM));
	}
	caps = json_object_get(proc, "capabilities");
	nb = caps_add(p, json_object_get(caps, "bounding"),
	    "capabilities.bounding", &p->cap_added);
	if (nb < 0 || caps_add(p, json_object_get(caps, "effective"),
	    "capabilities.effective", &p->cap_added) < 0 ||
	    caps_add(p, json_object_get(caps, "permitted"),
	    "capabilities.permitted", &p->cap_added) < 0) {
		strv_clear(&p->cap_added);
		nb = -1;
	} else if (json_is_object(proc))
		p->cap_added.known = 1;	/* no capabilities: none added */
	strv_sort(&p->cap_added);
	v = json_object_get(json_object_get(proc, "user"), "uid");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 0xffffffffLL)
		p->user_uid = json_integer_value(v);
	else if (v != NULL)
		note(p, "process.user.uid: not a uid: skipped");
	str_array(p, json_object_get(proc, "args"), "process.args", any_ok,
	    &p->argv);
	oci_mounts(p, json_object_get(j, "mounts"), id, pod_uid);
	lin = json_object_get(j, "linux");
	v = json_object_get(lin, "namespaces");
	if (json_is_array(v) && json_array_size(v) <= 64) {
		p->host_network = ns_host(v, "network");
		p->host_pid = ns_host(v, "pid");
		p->host_ipc = ns_host(v, "ipc");
	} else if (v != NULL)
		note(p, "linux.namespaces: not an array of at most 64: "
		    "skipped");
	p->readonly_root = bool_get(p, json_object_get(json_object_get(j,
	    "root"), "readonly"), "root.readonly");
	if (json_is_object(json_object_get(j, "root")) &&
	    json_object_get(json_object_get(j, "root"), "readonly") == NULL)
		p->readonly_root = 0;	/* not said: writable */
	/* podman says; for others, a full bounding set and nothing masked
	 * is what --privileged makes */
	priv = json_string_value(json_object_get(a,
	    "io.podman.annotations.privileged"));
	if (priv != NULL)
		p->privileged = strcmp(priv, "TRUE") == 0;
	else if (nb >= 0 && json_is_object(proc)) {
		v = json_object_get(lin, "maskedPaths");
		p->privileged = nb >= FULL_CAPS && (v == NULL ||
		    json_array_size(v) == 0);
	}
}

/* --- the image ----------------------------------------------------------- */

static int
port_ok(const char *s, size_t n)
{
	size_t i = 0;
	long v = 0;

	while (i < n && s[i] >= '0' && s[i] <= '9' && i < 5)
		v = v * 10 + (s[i++] - '0');
	if (i == 0 || v == 0 || v > 65535)
		return 0;
	if (i == n)
		return 1;
	return (n - i == 4 && (memcmp(s + i, "/tcp", 4) == 0 ||
	    memcmp(s + i, "/udp", 4) == 0)) ||
	    (n - i == 5 && memcmp(s + i, "/sctp", 5) == 0);
}

/* An image config ({"config": {"Env", "Entrypoint", "Cmd", "User",
 * "ExposedPorts"}}), j borrowed. */
static void
from_image(struct ad_posture *p, json_t *j)
{
	json_t *c = json_object_get(j, "config"), *ports, *v;
	const char *k;

	if (!json_is_object(j))
		return;
	p->image_config = 1;
	if (c == NULL || json_is_null(c)) {
		/* an image with no config runs what it is given, as root */
		p->img_env.known = p->img_entrypoint.known =
		    p->img_cmd.known = p->img_ports.known = 1;
		p->img_user = xstrdup("");
		return;
	}
	if (!json_is_object(c)) {
		note(p, "image config: not an object: skipped");
		return;
	}
	str_array(p, json_object_get(c, "Env"), "image Env", any_ok,
	    &p->img_env);
	str_array(p, json_object_get(c, "Entrypoint"), "image Entrypoint",
	    any_ok, &p->img_entrypoint);
	str_array(p, json_object_get(c, "Cmd"), "image Cmd", any_ok,
	    &p->img_cmd);
	p->img_env.known = p->img_entrypoint.known = p->img_cmd.known = 1;
	if ((v = json_object_get(c, "User")) == NULL)
		p->img_user = xstrdup("");
	else
		p->img_user = str_get(p, v, "image User", 256);
	ports = json_object_get(c, "ExposedPorts");
	if (ports == NULL || json_is_null(ports))
		p->img_ports.known = 1;
	else if (!json_is_object(ports) || json_object_size(ports) >
	    MAX_LIST)
		note(p, "image ExposedPorts: not an object of at most %d: "
		    "skipped", MAX_LIST);
	else {
		p->img_ports.known = 1;
		json_object_foreach(ports, k, v) {
			if (!port_ok(k, strlen(k))) {
				note(p, "image ExposedPorts: '%.32s' is not "
				    "a port: skipped", k);
				strv_clear(&p->img_ports);
				break;
			}
			strv_add(&p->img_ports, k, strlen(k));
		}
		strv_sort(&p->img_ports);
	}
}

/* A numeric user ("1000", "1000:1000"): the uid, else -1 (a name). */
static int64_t
numeric_uid(const char *u)
{
	char *end;
	long long v;

	if (u == NULL)
		return -1;
	if (u[0] == '\0' || u[0] == ':')
		return 0;		/* none given: root */
	v = strtoll(u, &end, 10);
	if (end == u || (*end != '\0' && *end != ':') || v < 0 ||
	    v > 0xffffffffLL)
		return -1;
	return v;
}

/* Started as the image says?  argv against Entrypoint (or, when the
 * image has none, the program of its Cmd); the uid against its User. */
static void
overrides(struct ad_posture *p)
{
	const struct ad_str *a = p->argv.v;
	int n = p->argv.n, i;
	int64_t iu;

	if (!p->image_config || !p->argv.known || !p->img_entrypoint.known)
		return;
	/* an init the runtime put in front (--init) is not the workload */
	if (n >= 2 && strcmp(a[1].s, "--") == 0 && (strcmp(a[0].s,
	    "/dev/init") == 0 || strcmp(a[0].s, "/run/podman-init") == 0 ||
	    strstr(a[0].s, "docker-init") != NULL)) {
		a += 2;
		n -= 2;
	}
	if (p->img_entrypoint.n > 0) {
		p->entrypoint_overridden = n < p->img_entrypoint.n;
		for (i = 0; !p->entrypoint_overridden &&
		    i < p->img_entrypoint.n; i++)
			p->entrypoint_overridden = strcmp(a[i].s,
			    p->img_entrypoint.v[i].s) != 0;
	} else if (p->img_cmd.n > 0)
		p->entrypoint_overridden = n == 0 || strcmp(a[0].s,
		    p->img_cmd.v[0].s) != 0;
	if (p->user_uid >= 0 && (iu = numeric_uid(p->img_user)) >= 0)
		p->user_overridden = p->user_uid != iu;
}

/* "sha256:<64 hex>" */
static int
digest_ok(const char *s)
{
	size_t i;

	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
hex64_ok(const char *s)
{
	char d[80];

	snprintf(d, sizeof(d), "sha256:%s", s);
	return strlen(s) == 64 && digest_ok(d);
}

/* The pinned state and the digest a reference gives. */
static void
judge_ref(struct ad_posture *p)
{
	const char *at;

	if (p->image_ref == NULL)
		return;
	at = strstr(p->image_ref, "@sha256:");
	p->image_pinned = at != NULL;
	if (at != NULL && p->image_digest == NULL && digest_ok(at + 1))
		p->image_digest = xstrdup(at + 1);
}

/* --- containers-storage (podman, CRI-O) --------------------------------- */

static void
b64(const char *s, char *out, size_t cap)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	    "opqrstuvwxyz0123456789+/";
	size_t n = strlen(s), i, o = 0;
	unsigned v;

	for (i = 0; i < n && o + 5 < cap; i += 3) {
		v = (unsigned char)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static void
from_storage(struct ad_posture *p, const char *host_root, const char *root,
    const char *id, const char *pod_uid)
{
	json_t *all, *c, *j, *meta;
	json_error_t jerr;
	const char *why, *ms;
	char key[128], enc[200];
	size_t i;

	if (root == NULL)
		root = STORAGE_ROOT;
	all = ad_rt_load(host_root, MAX_INDEX, &why,
	    "%s/overlay-containers/containers.json", root);
	if (all == NULL && strcmp(why, "absent") != 0)
		note(p, "containers.json: %s: skipped", why);
	json_array_foreach(all, i, c) {
		const char *cid = json_string_value(json_object_get(c, "id"));

		if (cid == NULL || strcmp(cid, id) != 0)
			continue;
		p->image_id = str_get(p, json_object_get(c, "image"),
		    "containers.json image", 128);
		p->created_ms = iso_ms(json_string_value(json_object_get(c,
		    "created")));
		ms = json_string_value(json_object_get(c, "metadata"));
		if (ms != NULL && strlen(ms) < MAX_CONFIG && (meta =
		    json_loads(ms, JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
			take_str(&p->image_ref, str_get(p,
			    json_object_get(meta, "image-name"),
			    "containers.json image-name", MAX_ITEM));
			json_decref(meta);
		}
		break;
	}
	json_decref(all);
	if ((j = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/overlay-containers/%s/userdata/config.json", root, id)) ==
	    NULL && strcmp(why, "absent") == 0)
		j = ad_rt_load(host_root, MAX_CONFIG, &why,
		    "%s/overlay-containers/%s/userdata/config.json",
		    STORAGE_RUN, id);
	if (j != NULL)
		from_oci(p, j, id, pod_uid);
	else if (strcmp(why, "absent") != 0)
		note(p, "config.json: %s: skipped", why);
	json_decref(j);
	if (p->image_id != NULL && !hex64_ok(p->image_id)) {
		note(p, "containers.json image: not an image id: skipped");
		free(p->image_id);
		p->image_id = NULL;
	}
	if (p->image_id == NULL)
		return;
	if ((all = ad_rt_load(host_root, MAX_INDEX, &why,
	    "%s/overlay-images/images.json", root)) == NULL &&
	    strcmp(why, "absent") != 0)
		note(p, "images.json: %s: skipped", why);
	json_array_foreach(all, i, c) {
		const char *iid = json_string_value(json_object_get(c, "id"));
		const char *d = json_string_value(json_object_get(c,
		    "digest"));

		if (iid == NULL || strcmp(iid, p->image_id) != 0)
			continue;
		if (d != NULL && digest_ok(d))
			p->image_digest = xstrdup(d);
		else if (d != NULL)
			note(p, "images.json digest: not a sha256 digest: "
			    "skipped");
		break;
	}
	json_decref(all);
	/* the image's config is its big-data item "sha256:<id>", in a
	 * file named "=" + base64 of the key */
	snprintf(key, sizeof(key), "sha256:%s", p->image_id);
	b64(key, enc, sizeof(enc));
	if ((j = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/overlay-images/%s/=%s", root, p->image_id, enc)) != NULL)
		from_image(p, j);
	else if (strcmp(why, "absent") != 0)
		note(p, "image config: %s: skipped", why);
	json_decref(j);
}

/* --- Docker ------------------------------------------------------------- */

/* repositories.json: the repo digest ("sha256:...") naming image id,
 * preferring one of the repository the reference names. */
static void
docker_digest(struct ad_posture *p, const char *host_root, const char *root)
{
	json_t *all, *repos, *tags, *v;
	const char *why, *name, *tag;
	char want[80];
	size_t rl;

	if ((all = ad_rt_load(host_root, MAX_INDEX, &why,
	    "%s/image/overlay2/repositories.json", root)) == NULL) {
		if (strcmp(why, "absent") != 0)
			note(p, "repositories.json: %s: skipped", why);
		return;
	}
	snprintf(want, sizeof(want), "sha256:%s", p->image_id);
	repos = json_object_get(all, "Repositories");
	json_object_foreach(repos, name, tags) {
		rl = strlen(name);
		json_object_foreach(tags, tag, v) {
			const char *at = strstr(tag, "@sha256:");
			const char *iv = json_string_value(v);

			if (at == NULL || iv == NULL || strcmp(iv, want) != 0 ||
			    !digest_ok(at + 1))
				continue;
			if (p->image_digest == NULL || (p->image_ref != NULL &&
			    strncmp(p->image_ref, name, rl) == 0 &&
			    (p->image_ref[rl] == '@' ||
			    p->image_ref[rl] == ':'))) {
				free(p->image_digest);
				p->image_digest = xstrdup(at + 1);
			}
		}
	}
	json_decref(all);
}

/* Docker's MountPoints: {"/dst": {"Source": "/etc", "Type": "bind"}}. */
static void
docker_mounts(struct ad_posture *p, json_t *mps, const char *id)
{
	const char *dst;
	json_t *m, *src;

	if (mps == NULL || json_is_null(mps)) {
		p->host_mounts.known = 1;
		return;
	}
	if (!json_is_object(mps) || json_object_size(mps) > MAX_LIST) {
		note(p, "config.v2.json MountPoints: not an object of at most "
		    "%d: skipped", MAX_LIST);
		return;
	}
	json_object_foreach(mps, dst, m) {
		const char *type = json_string_value(json_object_get(m,
		    "Type"));

		if (type == NULL || strcmp(type, "bind") != 0)
			continue;
		src = json_object_get(m, "Source");
		if (!json_is_string(src) || host_mount(p,
		    json_string_value(src), json_string_length(src), id,
		    NULL) != 0) {
			note(p, "config.v2.json MountPoints: %.64s has no "
			    "acceptable Source: host_mounts skipped", dst);
			strv_clear(&p->host_mounts);
			return;
		}
	}
	p->host_mounts.known = 1;
}

static int
docker_mode_host(json_t *hc, const char *key)
{
	const char *m = json_string_value(json_object_get(hc, key));

	return m != NULL && strcmp(m, "host") == 0;
}

static void
from_docker(struct ad_posture *p, const char *host_root, const char *root,
    const char *id)
{
	json_t *j, *hc, *cfg, *v, *args;
	const char *why, *img;
	char *user;
	size_t i;

	if (root == NULL)
		root = DOCKER_ROOT;
	if ((j = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/containers/%s/config.v2.json", root, id)) == NULL) {
		if (strcmp(why, "absent") != 0)
			note(p, "config.v2.json: %s: skipped", why);
		return;
	}
	p->config = 1;
	cfg = json_object_get(j, "Config");
	p->image_ref = str_get(p, json_object_get(cfg, "Image"),
	    "Config.Image", MAX_ITEM);
	img = json_string_value(json_object_get(j, "Image"));
	if (img != NULL && strncmp(img, "sha256:", 7) == 0 &&
	    hex64_ok(img + 7))
		p->image_id = xstrdup(img + 7);
	p->created_ms = iso_ms(json_string_value(json_object_get(j,
	    "Created")));
	k8s_names(p, json_object_get(cfg, "Labels"));
	user = str_get(p, json_object_get(cfg, "User"), "Config.User", 256);
	p->user_uid = numeric_uid(user ? user : "");
	/* the process: Path then Args */
	v = json_object_get(j, "Path");
	args = json_object_get(j, "Args");
	if (json_is_string(v) && any_ok(json_string_value(v),
	    json_string_length(v))) {
		strv_add(&p->argv, json_string_value(v),
		    json_string_length(v));
		str_array(p, args, "Args", any_ok, &p->argv);
		if (args != NULL && !p->argv.known)
			strv_clear(&p->argv);
		else
			p->argv.known = 1;
	}
	docker_mounts(p, json_object_get(j, "MountPoints"), id);
	json_decref(j);

	if ((hc = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/containers/%s/hostconfig.json", root, id)) == NULL) {
		if (strcmp(why, "absent") != 0)
			note(p, "hostconfig.json: %s: skipped", why);
	} else {
		p->privileged = bool_get(p, json_object_get(hc, "Privileged"),
		    "Privileged");
		p->readonly_root = bool_get(p, json_object_get(hc,
		    "ReadonlyRootfs"), "ReadonlyRootfs");
		p->host_network = docker_mode_host(hc, "NetworkMode");
		p->host_pid = docker_mode_host(hc, "PidMode");
		p->host_ipc = docker_mode_host(hc, "IpcMode");
		if (caps_add(p, json_object_get(hc, "CapAdd"), "CapAdd",
		    &p->cap_added) >= 0)
			p->cap_added.known = 1;
		for (i = 0; i < (size_t)p->cap_added.n; i++)
			if (strcmp(p->cap_added.v[i].s, "ALL") == 0)
				p->privileged = 1;
		strv_sort(&p->cap_added);
		json_decref(hc);
	}
	if (p->image_id == NULL) {
		free(user);
		return;
	}
	docker_digest(p, host_root, root);
	if ((j = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/image/overlay2/imagedb/content/sha256/%s", root,
	    p->image_id)) != NULL) {
		from_image(p, j);
		/* Docker copies the image's User into the container's:
		 * compare the words */
		if (user != NULL && p->img_user != NULL)
			p->user_overridden = strcmp(user, p->img_user) != 0;
	} else if (strcmp(why, "absent") != 0)
		note(p, "image config: %s: skipped", why);
	json_decref(j);
	free(user);
}

/* --- containerd ------------------------------------------------------------ */

static void
from_containerd(struct ad_posture *p, const char *host_root,
    const char *root, const char *id, const char *ns, const char *pod_uid)
{
	char dir[PATH_MAX];
	const char *why;
	json_t *j;

	if (root != NULL)
		snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task",
		    root);
	if ((j = ad_rt_load(host_root, MAX_CONFIG, &why,
	    "%s/%s/%s/config.json", root ? dir : CONTAINERD_RUN,
	    ns ? ns : "k8s.io", id)) == NULL) {
		if (strcmp(why, "absent") != 0)
			note(p, "config.json: %s: skipped", why);
		return;
	}
	from_oci(p, j, id, pod_uid);
	json_decref(j);
}

struct ad_posture *
ad_posture_load(const char *rt, const char *host_root, const char *root,
    const char *id, const char *ns, const char *pod_uid)
{
	struct ad_posture *p = xcalloc(1, sizeof(*p));

	p->image_pinned = p->privileged = p->host_network = p->host_pid =
	    p->host_ipc = p->readonly_root = p->entrypoint_overridden =
	    p->user_overridden = -1;
	p->user_uid = -1;
	if (rt == NULL || id == NULL)
		return p;
	if (strcmp(rt, "docker") == 0)
		from_docker(p, host_root, root, id);
	else if (strcmp(rt, "podman") == 0 || strcmp(rt, "cri-o") == 0)
		from_storage(p, host_root, root, id, pod_uid);
	else if (strcmp(rt, "containerd") == 0)
		from_containerd(p, host_root, root, id, ns, pod_uid);
	judge_ref(p);
	overrides(p);
	return p;
}

void
ad_posture_free(struct ad_posture *p)
{
	int i;

	if (p == NULL)
		return;
	free(p->image_ref);
	free(p->image_id);
	free(p->image_digest);
	strv_clear(&p->cap_added);
	strv_clear(&p->host_mounts);
	strv_clear(&p->argv);
	free(p->k8s_pod);
	free(p->k8s_ns);
	free(p->k8s_container);
	strv_clear(&p->img_env);
	strv_clear(&p->img_entrypoint);
	strv_clear(&p->img_cmd);
	strv_clear(&p->img_ports);
	free(p->img_user);
	for (i = 0; i < p->nnotes && i < AD_POSTURE_NOTES; i++)
		free(p->notes[i]);
	free(p);
}

/* --- output ------------------------------------------------------------ */

static void
j_str(struct ad_buf *b, const char *k, const char *v)
{
	ad_json_member_str(b, k, v, v ? strlen(v) : 0);
}

static void
j_tri(struct ad_buf *b, const char *k, int v)
{
	ad_json_key(b, k, 0);
	ad_buf_adds(b, v < 0 ? "null" : v ? "true" : "false");
}

static void
j_strv(struct ad_buf *b, const char *k, const struct ad_strv *v)
{
	int i;

	ad_json_key(b, k, 0);
	if (!v->known) {
		ad_buf_adds(b, "null");
		return;
	}
	ad_buf_addc(b, '[');
	for (i = 0; i < v->n; i++) {
		if (i > 0)
			ad_buf_addc(b, ',');
		ad_json_str(b, v->v[i].s, v->v[i].len);
	}
	ad_buf_addc(b, ']');
}

void
ad_posture_json(struct ad_buf *b, const struct ad_posture *p)
{
	int i;

	if (p == NULL)
		return;
	j_str(b, "image_ref", p->image_ref);
	j_str(b, "image_digest", p->image_digest);
	j_tri(b, "image_pinned", p->image_pinned);
	j_tri(b, "privileged", p->privileged);
	j_strv(b, "cap_added", &p->cap_added);
	j_strv(b, "host_mounts", &p->host_mounts);
	j_tri(b, "host_network", p->host_network);
	j_tri(b, "host_pid", p->host_pid);
	j_tri(b, "host_ipc", p->host_ipc);
	j_tri(b, "readonly_root", p->readonly_root);
	ad_json_key(b, "user_uid", 0);
	if (p->user_uid < 0)
		ad_buf_adds(b, "null");
	else
		ad_buf_add_int(b, p->user_uid);
	j_str(b, "k8s_pod_name", p->k8s_pod);
	j_str(b, "k8s_ns_name", p->k8s_ns);
	j_str(b, "k8s_container_name", p->k8s_container);
	j_strv(b, "image_exposed_ports", &p->img_ports);
	j_strv(b, "image_entrypoint", &p->img_entrypoint);
	j_strv(b, "image_cmd", &p->img_cmd);
	j_str(b, "image_user", p->img_user);
	j_tri(b, "entrypoint_overridden", p->entrypoint_overridden);
	j_tri(b, "user_overridden", p->user_overridden);
	ad_json_key(b, "posture_notes", 0);
	ad_buf_addc(b, '[');
	for (i = 0; i < p->nnotes && i < AD_POSTURE_NOTES; i++) {
		if (i > 0)
			ad_buf_addc(b, ',');
		ad_json_str(b, p->notes[i], strlen(p->notes[i]));
	}
	ad_buf_addc(b, ']');
	ad_json_member_int(b, "posture_notes_count", p->nnotes);
}

void
ad_posture_flags(const struct ad_posture *p, char *buf, size_t cap)
{
	struct ad_buf b;
	size_t o;
	int i;

	ad_buf_init(&b);
	if (p != NULL) {
		if (p->privileged > 0)
			ad_buf_adds(&b, "privileged,");
		for (i = 0; i < p->cap_added.n; i++)
			ad_buf_printf(&b, "+%s,", p->cap_added.v[i].s);
		for (i = 0; i < p->host_mounts.n; i++)
			ad_buf_printf(&b, "mount:%s,", p->host_mounts.v[i].s);
		if (p->host_network > 0)
			ad_buf_adds(&b, "host_network,");
		if (p->host_pid > 0)
			ad_buf_adds(&b, "host_pid,");
		if (p->host_ipc > 0)
			ad_buf_adds(&b, "host_ipc,");
		if (p->readonly_root > 0)
			ad_buf_adds(&b, "readonly_root,");
		if (p->nnotes > 0)
			ad_buf_printf(&b, "notes:%d,", p->nnotes);
	}
	if (b.len > 0)
		b.p[--b.len] = '\0';
	/* paths come from the container's config: no control bytes out */
	for (i = 0, o = 0; i < (int)b.len && o + 5 < cap; i++) {
		unsigned char ch = (unsigned char)b.p[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	if (b.len == 0 && cap > 1)
		buf[o++] = '-';
	buf[o < cap ? o : cap - 1] = '\0';
	ad_buf_free(&b);
}
