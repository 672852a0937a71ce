/*
 * rtstate.c - a container's identity from its runtime's state on disk.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "rtstate.h"
#include "util.h"

#define MAX_STATE	(64 * 1024 * 1024)	/* containers.json */

/* Is s a plausible id: 1..n-1 bytes, [0-9A-Za-z_.-]? */
static int
id_ok(const char *s, size_t n, size_t cap)
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
	return s[0] != '.';
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
	if (!id_ok(s, (size_t)(e - s), cap) || s - point < (long)ml + 2)
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

/* A whole state file, opened without following a last symlink; owned
 * JSON or NULL. */
static json_t *
load(const char *path)
{
	json_error_t jerr;
	struct stat st;
	json_t *j;
	FILE *f;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > MAX_STATE || (f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return NULL;
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	return j;
}

static int
copy_str(json_t *v, char *out, size_t cap)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;

	if (!id_ok(s ? s : "", n, cap))
		return 0;
	memcpy(out, s, n);
	out[n] = '\0';
	return 1;
}

/* containers-storage: the container whose layer is `layer`. */
static int
owner_storage(const char *root, const char *layer, struct ad_rt_owner *o)
{
	char path[PATH_MAX];
	json_t *all, *c, *meta;
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
		/* CRI-O's metadata names the pod; podman's does not */
		meta = json_object_get(c, "metadata");
		o->runtime = json_is_string(meta) &&
		    strstr(json_string_value(meta), "\"pod-name\"") != NULL ?
		    "cri-o" : "podman";
		found = 1;
		break;
	}
	json_decref(all);
	return found;
}

/* Docker: the container whose layerdb mount-id is `mid`. */
static int
owner_docker(const char *root, const char *mid, struct ad_rt_owner *o)
{
	char path[PATH_MAX], buf[AD_RT_ID_MAX];
	struct dirent *de;
	DIR *d;
	ssize_t n;
	int fd, found = 0;

	if ((size_t)snprintf(path, sizeof(path),
	    "%s/image/overlay2/layerdb/mounts", root) >= sizeof(path) ||
	    (d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (!id_ok(de->d_name, strlen(de->d_name), sizeof(o->id)) ||
		    (size_t)snprintf(path, sizeof(path), "%s/image/overlay2/"
		    "layerdb/mounts/%s/mount-id", root, de->d_name) >=
		    sizeof(path) ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
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
		    !id_ok(p, (size_t)(q - p), sizeof(ns)))
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
