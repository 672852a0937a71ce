/*
 * lineage.c - pid ancestry from exec records, up to the OCI runtime.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "rtstate.h"
#include "util.h"

#define CAP_DEFAULT	16384

struct lent {
	pid_t pid;		/* 0: free */
	int64_t since_ms;	/* the exec's wall time */
	int runtime_node;	/* the runtime's own process, not the
				   container's */
	const char *runtime;	/* static */
	char id[AD_LINEAGE_ID_MAX];
};

struct ad_lineage {
	struct lent *v;
	size_t cap;
};

struct ad_lineage *
ad_lineage_new(size_t cap)
{
	struct ad_lineage *l = xcalloc(1, sizeof(*l));

	l->cap = cap ? cap : CAP_DEFAULT;
	l->v = xcalloc(l->cap, sizeof(*l->v));
	return l;
}

void
ad_lineage_free(struct ad_lineage *l)
{
	if (l == NULL)
		return;
	free(l->v);
	free(l);
}

static struct lent *
slot(const struct ad_lineage *l, pid_t pid)
{
	return &l->v[(uint32_t)pid % l->cap];
}

static const struct lent *
find(const struct ad_lineage *l, pid_t pid, int64_t t)
{
	const struct lent *e;

	if (pid <= 1)
		return NULL;
	e = slot(l, pid);
	return e->pid == pid && e->id[0] && t >= e->since_ms ? e : NULL;
}


static int
is(const struct ad_str *a, const char *s)
{
	return a->s != NULL && strcmp(a->s, s) == 0;
}

/* The value of option opt (given as "-opt v", "--opt v" or "--opt=v"),
 * or NULL. */
static const struct ad_str *
opt_value(int argc, const struct ad_str *argv, const char *opt,
    struct ad_str *tmp)
{
	size_t ol = strlen(opt);
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		if ((a = argv[i].s) == NULL || a[0] != '-')
			continue;
		a += a[1] == '-' ? 2 : 1;
		if (strncmp(a, opt, ol) != 0)
			continue;
		if (a[ol] == '\0' && i + 1 < argc)
			return &argv[i + 1];
		if (a[ol] == '=') {
			tmp->s = a + ol + 1;
			tmp->len = strlen(tmp->s);
			return tmp;
		}
	}
	return NULL;
}

/* runc and its kind: options that take a value (global and of create,
 * run and exec), so that their values are not taken for the id. */
static const char *const oci_valued[] = {
	"root", "log", "log-format", "criu", "rootless", "bundle", "b",
	"console-socket", "pid-file", "preserve-fds", "process", "p", "cwd",
	"env", "e", "user", "u", "cap", "c", "apparmor", "process-label",
	"additional-gids", "g", "cgroup", NULL
};

static int
oci_id(int argc, const struct ad_str *argv, char *id, size_t cap)
{
	int i, j, sub = 0;
	const char *a, *n;

	for (i = 1; i < argc; i++) {
		if ((a = argv[i].s) == NULL)
			return 0;
		if (a[0] == '-') {
			n = a + (a[1] == '-' ? 2 : 1);
			if (strchr(n, '=') != NULL)
				continue;
			for (j = 0; oci_valued[j] != NULL; j++)
				if (strcmp(n, oci_valued[j]) == 0)
					break;
			if (oci_valued[j] != NULL)
				i++;
			continue;
		}
		if (!sub) {
			if (strcmp(a, "create") != 0 && strcmp(a, "run") != 0 &&
			    strcmp(a, "exec") != 0)
				return 0;	/* init, start, kill, ... */
			sub = 1;
			continue;
		}
		if (!ad_rt_id_ok(a, argv[i].len, AD_LINEAGE_ID_MAX) ||
		    argv[i].len >= cap)
			return 0;
		memcpy(id, a, argv[i].len + 1);
		return 1;
	}
	return 0;
}

int
ad_lineage_runtime_id(const char *exe, int argc, const struct ad_str *argv,
    char *id, size_t cap, const char **runtime)
{
	const char *b = exe ? strrchr(exe, '/') : NULL;
	const struct ad_str *v;
	struct ad_str tmp;

	b = b ? b + 1 : exe;
	if (b == NULL)
		return -1;
	*runtime = NULL;
	if (strcmp(b, "runc") == 0 || strcmp(b, "crun") == 0 ||
	    strcmp(b, "youki") == 0 || strcmp(b, "runsc") == 0) {
		/* the --root names who runs it: /run/docker/runtime-runc,
		 * /run/containerd/runc/<ns>, /run/runc (podman) */
		v = opt_value(argc, argv, "root", &tmp);
		*runtime = v && v->s && strstr(v->s, "docker") ? "docker" :
		    v && v->s && strstr(v->s, "containerd") ? "containerd" :
		    v && v->s && strstr(v->s, "crio") ? "cri-o" : "podman";
		return oci_id(argc, argv, id, cap);
	}
	if (strcmp(b, "conmon") == 0) {
		*runtime = "podman";
		if ((v = opt_value(argc, argv, "cid", &tmp)) == NULL)
			v = opt_value(argc, argv, "c", &tmp);
	} else if (strncmp(b, "containerd-shim", 15) == 0) {
		v = opt_value(argc, argv, "namespace", &tmp);
		*runtime = v && is(v, "moby") ? "docker" : "containerd";
		v = opt_value(argc, argv, "id", &tmp);
	} else
		return -1;
	if (v == NULL || v->s == NULL ||
	    !ad_rt_id_ok(v->s, v->len, AD_LINEAGE_ID_MAX) ||
	    v->len >= cap)
		return 0;
	memcpy(id, v->s, v->len + 1);
	return 1;
}

void
ad_lineage_exec(struct ad_lineage *l, const struct ad_event *ev,
    const char *ctr_id, const char *ctr_runtime)
{
	const struct lent *parent;
	struct lent *e;
	char id[AD_LINEAGE_ID_MAX];
	const char *rt = NULL;
	int rc;
	pid_t pid = ev->proc.pid;
	int64_t t = ev->sec * 1000 + ev->ms;

	if (pid <= 1)
		return;
	rc = ad_lineage_runtime_id(ev->proc.exe.s, ev->proc.argc,
	    ev->proc.argv, id, sizeof(id), &rt);
	/* runtimes run on the host: a "conmon -c <other id>" exec'd in a
	 * container is that container's process, naming nothing */
	if (ctr_id != NULL)
		rc = -1;
	parent = find(l, ev->proc.ppid, t);
	e = slot(l, pid);
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->since_ms = t;
	if (rc == 1) {			/* the runtime names the container */
		e->runtime_node = 1;
		e->runtime = rt;
		strcpy(e->id, id);
	} else if (rc == 0) {		/* runc init: its parent's */
		e->runtime_node = 1;
		if (parent != NULL) {
			e->runtime = parent->runtime;
			strcpy(e->id, parent->id);
		}
	} else if (ctr_id != NULL && strlen(ctr_id) < sizeof(e->id)) {
		e->runtime = ctr_runtime;
		strcpy(e->id, ctr_id);
	} else if (parent != NULL) {
		e->runtime = parent->runtime;
		strcpy(e->id, parent->id);
	} else
		e->pid = 0;
}

const char *
ad_lineage_lookup(const struct ad_lineage *l, pid_t pid, pid_t ppid,
    int64_t t, const char **runtime)
{
	const struct lent *e = find(l, pid, t);

	if (e != NULL && e->runtime_node)
		return NULL;		/* the runtime itself: the host's */
	if (e == NULL)
		e = find(l, ppid, t);
	if (e == NULL)
		return NULL;
	*runtime = e->runtime;
	return e->id;
}
