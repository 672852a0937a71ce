/*
 * rtstate.c - a container's identity from its runtime's state on disk.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "rtstate.h"
#include "util.h"

#define DOCKER_ROOT	"/var/lib/docker"
#define STORAGE_ROOT	"/var/lib/containers/storage"
#define STORAGE_RUN	"/run/containers/storage"
#define CONTAINERD_RUN	"/run/containerd/io.containerd.runtime.v2.task"

#define MAX_STATE	(64 * 1024 * 1024)	/* containers.json */
#define CACHE_MAX	(8 * 1024 * 1024)	/* a parse kept, at most */

int
ad_rt_id_ok(const char *s, size_t n, size_t cap)
{
	size_t i;

	if (n == 0 || n >= cap)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return 0;
	return s[0] != '.' && s[0] != '-';
}

/*
 * Split point as <root>/<mid>/<name>/<leaf>: mid must be `mid`, leaf
 * `leaf`; name goes to name (cap bytes), root to root.  1 matched.
 */
static int
shape(const char *point, const char *mid, const char *leaf, char *root,
    char *name, size_t cap)
{
	size_t n = strlen(point), ll = strlen(leaf), ml = strlen(mid);
	const char *e, *s;

	if (n < ll + 2 || strcmp(point + n - ll, leaf) != 0 ||
	    point[n - ll - 1] != '/')
		return 0;
	e = point + n - ll - 1;
	for (s = e; s > point && s[-1] != '/'; s--)
		;
	if (!ad_rt_id_ok(s, (size_t)(e - s), cap) || s - point < (long)ml + 2)
		return 0;
	if (memcmp(s - 1 - ml, mid, ml) != 0 || s[-1] != '/' ||
	    s[-2 - (long)ml] != '/')
		return 0;
	memcpy(name, s, (size_t)(e - s));
	name[e - s] = '\0';
	if ((size_t)(s - 2 - ml - point) >= PATH_MAX)
		return 0;
	memcpy(root, point, (size_t)(s - 2 - ml - point));
	root[s - 2 - ml - point] = '\0';
	return root[0] == '/' || root[0] == '\0';
}

/* A whole state file of at most max bytes, opened without following a
 * last symlink; owned JSON or NULL, and then *why (when why is not NULL)
 * says why: absent, too big, or not JSON (torn, non-UTF-8, nested too
 * deep). */
static __thread struct {
	int on;		/* ad_rtstate_cache */
	json_t *j;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
} cache;

static json_t *
load_max(const char *path, size_t max, const char **why)
{
	json_error_t jerr;
	struct stat st;
	json_t *j;
	FILE *f;
	int fd;

	if (why != NULL)
		*why = "absent";
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > max || (f = fdopen(fd, "r")) == NULL) {
		if (why != NULL)
			*why = S_ISREG(st.st_mode) ? "too big" :
			    "not a regular file";
		close(fd);
		return NULL;
	}
	/* the last file parsed on this thread, while it is the same file
	 * unchanged: containers.json is asked once per container, and a
	 * start may learn thousands (ad_rtstate_list) */
	if (cache.on && cache.j != NULL && cache.dev == st.st_dev &&
	    cache.ino == st.st_ino && cache.size == st.st_size &&
	    cache.mtim.tv_sec == st.st_mtim.tv_sec &&
	    cache.mtim.tv_nsec == st.st_mtim.tv_nsec) {
		fclose(f);
		return json_incref(cache.j);
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	fclose(f);
	if (j == NULL && why != NULL)
		*why = "not valid JSON (torn, not UTF-8, or nested too deep)";
	if (cache.on && j != NULL && (uint64_t)st.st_size <= CACHE_MAX) {
		json_decref(cache.j);
		cache.j = json_incref(j);
		cache.dev = st.st_dev;
		cache.ino = st.st_ino;
		cache.size = st.st_size;
		cache.mtim = st.st_mtim;
	}
	return j;
}

static json_t *
load(const char *path)
{
	return load_max(path, MAX_STATE, NULL);
}

static int
copy_str(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;

	if (!ad_rt_id_ok(s ? s : "", n, cap))
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* containers-storage: the container whose layer is `layer`. */
/* A containers-storage entry's runtime: CRI-O's metadata names the pod;
 * podman's does not. */
static const char *
storage_runtime(json_t *c)
{
	json_t *meta = json_object_get(c, "metadata");

	return json_is_string(meta) && strstr(json_string_value(meta),
	    "\"pod-name\"") != NULL ? "cri-o" : "podman";
}

static int
owner_storage(const char *root, const char *layer, struct ad_rt_owner *o)
{
	char path[PATH_MAX];
	json_t *all, *c;
	size_t i;
	int found = 0;

	if ((size_t)snprintf(path, sizeof(path),
	    "%s/overlay-containers/containers.json", root) >= sizeof(path) ||
	    (all = load(path)) == NULL)
		return 0;
	json_array_foreach(all, i, c) {
		const char *l = json_string_value(json_object_get(c, "layer"));

		if (l == NULL || strcmp(l, layer) != 0 ||
		    !copy_str(json_object_get(c, "id"), o->id, sizeof(o->id)))
			continue;
		o->runtime = storage_runtime(c);
		found = 1;
		break;
	}
	json_decref(all);
	return found;
}

/* The first line of a small state file (not following a last symlink)
 * into buf (cap bytes, NUL-ended, the newline dropped).  0 ok, -1 none
 * or empty. */
static int
first_line(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Docker: the container whose layerdb mount-id is `mid`. */
static int
owner_docker(const char *root, const char *mid, struct ad_rt_owner *o)
{
	char path[PATH_MAX], buf[AD_RT_ID_MAX];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if ((size_t)snprintf(path, sizeof(path),
	    "%s/image/overlay2/layerdb/mounts", root) >= sizeof(path) ||
	    (d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (!ad_rt_id_ok(de->d_name, strlen(de->d_name),
		    sizeof(o->id)) ||
		    (size_t)snprintf(path, sizeof(path), "%s/image/overlay2/"
		    "layerdb/mounts/%s/mount-id", root, de->d_name) >=
		    sizeof(path) || first_line(path, buf, sizeof(buf)) != 0)
			continue;
		if (strcmp(buf, mid) != 0)
			continue;
		strcpy(o->id, de->d_name);
		o->runtime = "docker";
		found = 1;
	}
	closedir(d);
	return found;
}

int
ad_rtstate_owner(const char *point, struct ad_rt_owner *o)
{
	char name[AD_RT_ID_MAX], ns[sizeof(o->ns)];

	memset(o, 0, sizeof(*o));
	if (shape(point, "overlay", "merged", o->root, name, sizeof(name)))
		return owner_storage(o->root, name, o);
	if (shape(point, "overlay2", "merged", o->root, name, sizeof(name)))
		return owner_docker(o->root, name, o);
	/* <state>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs */
	{
		char nsroot[PATH_MAX];
		const char *t = strstr(point, "/io.containerd.runtime.v2.task/");
		const char *p, *q;

		if (t == NULL)
			return 0;
		p = t + strlen("/io.containerd.runtime.v2.task/");
		if ((q = strchr(p, '/')) == NULL ||
		    !ad_rt_id_ok(p, (size_t)(q - p), sizeof(ns)))
			return 0;
		memcpy(ns, p, (size_t)(q - p));
		ns[q - p] = '\0';
		if (!shape(point, ns, "rootfs", nsroot, name, sizeof(name)) ||
		    strlen(nsroot) != (size_t)(t - point) +
		    strlen("/io.containerd.runtime.v2.task"))
			return 0;
		memcpy(o->root, point, (size_t)(t - point));
		o->root[t - point] = '\0';
		strcpy(o->id, name);
		strcpy(o->ns, ns);
		o->runtime = "containerd";
		return 1;
	}
}

int
ad_rtstate_knows(const char *runtime, const char *host_root,
    const char *root, const char *id)
{
	char path[PATH_MAX], def[PATH_MAX];
	struct stat st;
	int n;

	if (strcmp(runtime, "docker") == 0) {
		if (root == NULL)
			snprintf(def, sizeof(def), "%s/var/lib/docker",
			    host_root), root = def;
		n = snprintf(path, sizeof(path), "%s/containers/%s", root, id);
	} else if (strcmp(runtime, "podman") == 0 ||
	    strcmp(runtime, "cri-o") == 0) {
		if (root == NULL)
			snprintf(def, sizeof(def), "%s/var/lib/containers/"
			    "storage", host_root), root = def;
		n = snprintf(path, sizeof(path), "%s/overlay-containers/%s",
		    root, id);
	} else
		return -1;
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	if (stat(root, &st) != 0)
		return -1;
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --- name, image and pod ---------------------------------------------- */

/* An owned copy of a JSON string (a NUL in it becomes U+FFFD), or NULL
 * for anything else. */
char *
ad_rt_jstr(json_t *v)
{
	const char *s = json_string_value(v);
	size_t n, i;
	struct ad_buf b;

	if (s == NULL)
		return NULL;
	n = json_string_length(v);
	ad_buf_init(&b);
	for (i = 0; i < n; i++)
		if (s[i] == '\0')
			ad_buf_adds(&b, "\xef\xbf\xbd");
		else
			ad_buf_addc(&b, s[i]);
	ad_buf_addc(&b, '\0');
	return b.p;
}

/* Set *field to v (owned) unless it is set: the first source wins. */
static void
take(char **field, char *v)
{
	if (v == NULL)
		return;
	if (*field != NULL) {
		free(v);
		return;
	}
	*field = v;
}

json_t *
ad_rt_load(const char *host_root, size_t max, const char **why,
    const char *fmt, ...)
{
	char rel[PATH_MAX], path[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (why != NULL)
		*why = "path too long";
	if (n < 0 || (size_t)n >= sizeof(rel) ||
	    (size_t)snprintf(path, sizeof(path), "%s%s", host_root, rel) >=
	    sizeof(path))
		return NULL;
	return load_max(path, max, why);
}

#define load_at(host_root, ...) \
	ad_rt_load(host_root, MAX_STATE, NULL, __VA_ARGS__)

/* Docker: <root>/containers/<id>/config.v2.json */
static int
meta_docker(const char *host_root, const char *root, const char *id,
    struct ad_rt_meta *m)
{
	json_t *j = load_at(host_root, "%s/containers/%s/config.v2.json",
	    root ? root : DOCKER_ROOT, id);
	char *name;

	if (j == NULL)
		return 0;
	if ((name = ad_rt_jstr(json_object_get(j, "Name"))) != NULL) {
		if (name[0] == '/' && name[1] != '\0')
			memmove(name, name + 1, strlen(name));
		if (name[0] == '\0' || strcmp(name, "/") == 0) {
			free(name);
			name = NULL;
		}
		take(&m->name, name);
	}
	take(&m->image, ad_rt_jstr(json_object_get(json_object_get(j,
	    "Config"), "Image")));
	take(&m->image, ad_rt_jstr(json_object_get(j, "Image")));
	json_decref(j);
	return 1;
}

/* The annotations of an OCI config.json (CRI-O, podman, containerd). */
static int
meta_oci(json_t *j, struct ad_rt_meta *m)
{
	static const char *const name_keys[] = {
		"io.kubernetes.container.name",
		"io.kubernetes.cri.container-name",
	};
	static const char *const image_keys[] = {
		"io.kubernetes.cri-o.ImageName",
		"io.kubernetes.cri.image-name",
		"org.opencontainers.image.ref.name",
	};
	static const char *const pod_keys[] = {
		"io.kubernetes.pod.uid",
		"io.kubernetes.cri.sandbox-uid",
	};
	json_t *a;
	size_t i;

	if (j == NULL)
		return 0;
	if (json_is_object(a = json_object_get(j, "annotations"))) {
		for (i = 0; i < sizeof(name_keys) / sizeof(*name_keys); i++)
			take(&m->name, ad_rt_jstr(json_object_get(a,
			    name_keys[i])));
		for (i = 0; i < sizeof(image_keys) / sizeof(*image_keys); i++)
			take(&m->image, ad_rt_jstr(json_object_get(a,
			    image_keys[i])));
		for (i = 0; i < sizeof(pod_keys) / sizeof(*pod_keys); i++)
			take(&m->pod_uid, ad_rt_jstr(json_object_get(a,
			    pod_keys[i])));
	}
	json_decref(j);
	return 1;
}

/*
 * containers-storage (podman, CRI-O): containers.json has the names and
 * the image id; its "metadata" member is itself JSON, with the image's
 * name.  Then the OCI config.json's annotations.
 */
static int
meta_storage(const char *host_root, const char *root, const char *id,
    struct ad_rt_meta *m)
{
	json_t *all, *c, *meta;
	json_error_t jerr;
	char *image_id = NULL;
	const char *ms;
	size_t i;
	int found = 0;

	if (root == NULL)
		root = STORAGE_ROOT;
	all = load_at(host_root, "%s/overlay-containers/containers.json",
	    root);
	json_array_foreach(all, i, c) {
		const char *cid = json_string_value(json_object_get(c, "id"));

		if (cid == NULL || strcmp(cid, id) != 0)
			continue;
		found = 1;
		take(&m->name, ad_rt_jstr(json_array_get(json_object_get(c,
		    "names"), 0)));
		image_id = ad_rt_jstr(json_object_get(c, "image"));
		ms = json_string_value(json_object_get(c, "metadata"));
		if (ms != NULL && (meta = json_loads(ms,
		    JSON_REJECT_DUPLICATES, &jerr)) != NULL) {
			take(&m->image, ad_rt_jstr(json_object_get(meta,
			    "image-name")));
			take(&m->name, ad_rt_jstr(json_object_get(meta,
			    "name")));
			json_decref(meta);
		}
		break;
	}
	json_decref(all);
	if (found && !meta_oci(load_at(host_root, "%s/overlay-containers/%s/"
	    "userdata/config.json", root, id), m))
		meta_oci(load_at(host_root, "%s/overlay-containers/%s/userdata/"
		    "config.json", STORAGE_RUN, id), m);
	take(&m->image, image_id);	/* fallback: the image's id */
	return found;
}

/* containerd: the task's bundle under /run holds the OCI config.json. */
static int
meta_containerd(const char *host_root, const char *root, const char *id,
    const char *ns, struct ad_rt_meta *m)
{
	char dir[PATH_MAX];

	if (root != NULL)
		snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task",
		    root);
	if (!meta_oci(load_at(host_root, "%s/%s/%s/config.json",
	    root ? dir : CONTAINERD_RUN, ns, id), m))
		return 0;
	take(&m->ns, xstrdup(ns));
	return 1;
}

int
ad_rtstate_meta(const char *rt, const char *host_root, const char *root,
    const char *id, const char *ns, struct ad_rt_meta *m)
{
	int found = 0;

	memset(m, 0, sizeof(*m));
	if (strcmp(rt, "docker") == 0)
		found = meta_docker(host_root, root, id, m);
	else if (strcmp(rt, "podman") == 0 || strcmp(rt, "cri-o") == 0)
		found = meta_storage(host_root, root, id, m);
	else if (strcmp(rt, "containerd") == 0)
		found = meta_containerd(host_root, root, id,
		    ns ? ns : "k8s.io", m);
	else if (strcmp(rt, "cri") == 0) {
		/* the kubelet's cgroupfs layout names no runtime */
		if (meta_docker(host_root, NULL, id, m))
			m->runtime = "docker";
		else if (meta_storage(host_root, NULL, id, m))
			m->runtime = "cri-o";
		else if (meta_containerd(host_root, NULL, id, "k8s.io", m))
			m->runtime = "containerd";
		found = m->runtime != NULL;
	} else if (strcmp(rt, "lxc") == 0 || strcmp(rt, "nspawn") == 0)
		m->name = xstrdup(id);
	return found;
}

void
ad_rt_meta_clear(struct ad_rt_meta *m)
{
	free(m->name);
	free(m->image);
	free(m->pod_uid);
	free(m->ns);
	memset(m, 0, sizeof(*m));
}

/* --- every container the state knows ---------------------------------- */

void
ad_rtstate_cache(int on)
{
	cache.on = on;
	if (!on) {
		json_decref(cache.j);
		cache.j = NULL;
	}
}

int
ad_rtstate_list(const char *host_root,
    void (*fn)(void *arg, const char *runtime, const char *id), void *arg)
{
	char path[PATH_MAX];
	struct dirent *de;
	json_t *all, *c;
	DIR *d;
	size_t i;
	int n = 0;

	all = load_at(host_root, "%s/overlay-containers/containers.json",
	    STORAGE_ROOT);
	json_array_foreach(all, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));

		if (id != NULL && ad_rt_id_ok(id, strlen(id), AD_RT_ID_MAX)) {
			fn(arg, storage_runtime(c), id);
			n++;
		}
	}
	json_decref(all);
	if ((size_t)snprintf(path, sizeof(path), "%s%s/containers", host_root,
	    DOCKER_ROOT) >= sizeof(path) || (d = opendir(path)) == NULL)
		return n;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && ad_rt_id_ok(de->d_name,
		    strlen(de->d_name), AD_RT_ID_MAX)) {
			fn(arg, "docker", de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

/* --- layers without a mount ------------------------------------------- */

/* <dir>/<name>/diff and the `lower` file beside it ("l/X:l/Y", relative
 * to dir), below host_root. */
static int
layers_of(const char *host_root, const char *dir, const char *name,
    char **upper, char ***lower)
{
	char path[PATH_MAX], buf[16384], *tok, *save = NULL;
	struct stat st;
	size_t n = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s%s/%s/diff", host_root,
	    dir, name) >= sizeof(path) || lstat(path, &st) != 0 ||
	    !S_ISDIR(st.st_mode))
		return 0;
	*upper = xstrdup(path);
	*lower = NULL;
	snprintf(path, sizeof(path), "%s%s/%s/lower", host_root, dir, name);
	if (first_line(path, buf, sizeof(buf)) != 0)
		return 1;
	for (tok = strtok_r(buf, ":", &save); tok != NULL;
	    tok = strtok_r(NULL, ":", &save)) {
		if (tok[0] == '/' || strstr(tok, "..") != NULL ||
		    (size_t)snprintf(path, sizeof(path), "%s%s/%s", host_root,
		    dir, tok) >= sizeof(path))
			continue;
		*lower = xrealloc(*lower, (n + 2) * sizeof(**lower));
		(*lower)[n++] = xstrdup(path);
		(*lower)[n] = NULL;
	}
	return 1;
}

int
ad_rtstate_layers(const char *rt, const char *host_root, const char *root,
    const char *id, char **upper, char ***lower)
{
	char dir[PATH_MAX], mid[AD_RT_ID_MAX];
	json_t *all, *c;
	size_t i;
	int found = 0;

	*upper = NULL;
	*lower = NULL;
	if (strcmp(rt, "podman") == 0 || strcmp(rt, "cri-o") == 0) {
		if (root == NULL)
			root = STORAGE_ROOT;
		all = load_at(host_root, "%s/overlay-containers/"
		    "containers.json", root);
		json_array_foreach(all, i, c) {
			const char *cid = json_string_value(json_object_get(c,
			    "id"));
			const char *l = json_string_value(json_object_get(c,
			    "layer"));

			if (cid == NULL || strcmp(cid, id) != 0 || l == NULL ||
			    !ad_rt_id_ok(l, strlen(l), AD_RT_ID_MAX))
				continue;
			snprintf(dir, sizeof(dir), "%s/overlay", root);
			found = layers_of(host_root, dir, l, upper, lower);
			break;
		}
		json_decref(all);
		return found;
	}
	if (strcmp(rt, "docker") != 0)
		return 0;
	if (root == NULL)
		root = DOCKER_ROOT;
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s/image/overlay2/layerdb/"
	    "mounts/%s/mount-id", host_root, root, id) >= sizeof(dir) ||
	    first_line(dir, mid, sizeof(mid)) != 0)
		return 0;
	if (!ad_rt_id_ok(mid, strlen(mid), sizeof(mid)))
		return 0;
	snprintf(dir, sizeof(dir), "%s/overlay2", root);
	return layers_of(host_root, dir, mid, upper, lower);
}
