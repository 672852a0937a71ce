/*
 * fields.c - the one table of rule fields and the one table of operators.
 *
 * Accessors read the normalized event only: no allocation, no system
 * call, no lookup by name.  A field is absent (accessor returns 0) when
 * the event does not carry it; every comparison on an absent field is
 * false and only `exists` tells presence.
 */
#include "config.h"

#include <string.h>

#include "container.h"
#include "fields.h"
#include "posture.h"
#include "util.h"

static int
put_str(struct ad_fval *o, const struct ad_str *s)
{
	if (s->s == NULL)
		return 0;
	o->s = s->s;
	o->len = s->len;
	return 1;
}

static int
put_cstr(struct ad_fval *o, const char *s)
{
	if (s == NULL)
		return 0;
	o->s = s;
	o->len = strlen(s);
	return 1;
}

static int
put_int(struct ad_fval *o, int64_t i)
{
	o->i = i;
	return 1;
}

static int
put_bool(struct ad_fval *o, int b)
{
	if (b < 0)
		return 0;
	o->i = b != 0;
	o->s = b ? "true" : "false";
	o->len = strlen(o->s);
	return 1;
}

static int
put_auid(struct ad_fval *o, uint32_t auid)
{
	if (auid == (uint32_t)-1)
		return 0;
	return put_int(o, auid);
}

static int
put_base(struct ad_fval *o, const struct ad_str *path)
{
	const char *slash;

	if (path == NULL || path->s == NULL)
		return 0;
	slash = memrchr(path->s, '/', path->len);
	o->s = slash ? slash + 1 : path->s;
	o->len = path->len - (size_t)(o->s - path->s);
	return 1;
}

static int
put_dir(struct ad_fval *o, const struct ad_item *it, char *scratch)
{
	int n;

	if (it == NULL || (n = ad_path_dir(&it->path, scratch,
	    AD_FIELD_SCRATCH)) <= 0)
		return 0;
	o->s = scratch;
	o->len = (size_t)n;
	return 1;
}

#define GET(fn)	static int fn(const struct ad_event *ev, struct ad_fval *o, \
    char *scratch)

/* A container_start event has no process and no file. */
#define NOPROC	(ev->kind == AD_KIND_CONTAINER_START)

GET(proc_pid)	{ return NOPROC ? 0 : put_int(o, ev->proc.pid); }
GET(proc_ppid)	{ return NOPROC ? 0 : put_int(o, ev->proc.ppid); }
GET(proc_vpid)	{ return ev->proc.vpid > 0 ? put_int(o, ev->proc.vpid) : 0; }
GET(proc_uid)	{ return NOPROC ? 0 : put_int(o, ev->proc.uid); }
GET(proc_euid)	{ return NOPROC ? 0 : put_int(o, ev->proc.euid); }
GET(proc_auid)	{ return put_auid(o, ev->proc.auid); }
GET(proc_name)	{ return put_str(o, &ev->proc.comm); }
GET(proc_exe)	{ return put_str(o, &ev->proc.exe); }
GET(proc_absent) { return 0; }

GET(proc_cmdline)
{
	if (ev->proc.cmdline.s != NULL)
		return put_str(o, &ev->proc.cmdline);
	return put_str(o, &ev->proc.proctitle);
}

GET(proc_args)
{
	if (ev->proc.argc <= 0 || ev->proc.argv == NULL)
		return 0;
	o->v = ev->proc.argv;
	o->n = ev->proc.argc;
	return 1;
}

/* argv[0]'s last path component: a multi-call binary (busybox) runs the
 * applet it names, whatever the exe and comm say. */
GET(proc_argv0)
{
	if (ev->proc.argc <= 0 || ev->proc.argv == NULL)
		return 0;
	return put_base(o, &ev->proc.argv[0]);
}

GET(proc_tty)
{
	if (ev->proc.tty.s == NULL || strcmp(ev->proc.tty.s, "(none)") == 0)
		return 0;
	return put_str(o, &ev->proc.tty);
}

GET(proc_exe_upper) { return put_bool(o, ev->exe_upper_layer); }

GET(file_path)
{
	const struct ad_item *it = ad_event_file(ev);

	return it ? put_str(o, &it->path) : 0;
}

GET(file_name)
{
	const struct ad_item *it = ad_event_file(ev);

	return put_base(o, it ? &it->path : NULL);
}
GET(file_dir)	{ return put_dir(o, ad_event_file(ev), scratch); }

GET(file_op)
{
	if (NOPROC)
		return 0;
	o->s = ad_op_name(ev->op);
	o->len = strlen(o->s);
	o->i = ev->op;
	return 1;
}

GET(file_mode)
{
	const struct ad_item *it = ad_event_file(ev);

	if (it == NULL || !it->has_inode)
		return 0;
	return put_int(o, it->mode);
}

GET(file_target)
{
	const struct ad_item *it = ad_event_file2(ev);

	return it ? put_str(o, &it->path) : 0;
}

GET(file_target_dir) { return put_dir(o, ad_event_file2(ev), scratch); }
GET(file_upper)	{ return put_bool(o, ev->file_upper_layer); }

GET(event_syscall) { return put_cstr(o, ev->syscall_name); }
GET(event_success) { return put_bool(o, ev->success); }
GET(event_key)	{ return put_str(o, &ev->key); }
GET(event_time)	{ return put_int(o, ev->sec); }
GET(event_arch)	{ return put_cstr(o, ev->arch_name); }
GET(event_attribution) { return put_cstr(o, ad_attr_name(ev->attribution)); }

#define CONTAINER(fn, member) GET(fn) \
	{ return ev->container ? put_cstr(o, ev->container->member) : 0; }

CONTAINER(container_id, id)
CONTAINER(container_runtime, runtime)
CONTAINER(container_name, name)
CONTAINER(container_image, image)
CONTAINER(container_pod, pod_uid)

GET(event_kind)
{
	o->i = ad_event_kind(ev);
	o->s = ad_kind_name((enum ad_kind)o->i);
	o->len = strlen(o->s);
	return 1;
}

/* The posture (posture.h) of the event's container, or NULL. */
#define POSTURE	(ev->container ? ev->container->posture : NULL)

static int
put_strv(struct ad_fval *o, const struct ad_posture *p,
    const struct ad_strv *v)
{
	if (p == NULL || !v->known)
		return 0;
	o->v = v->v;
	o->n = v->n;
	return 1;
}

#define PSTR(fn, member) GET(fn) \
	{ return POSTURE ? put_cstr(o, POSTURE->member) : 0; }
#define PBOOL(fn, member) GET(fn) \
	{ return POSTURE ? put_bool(o, POSTURE->member) : 0; }
#define PLIST(fn, member) GET(fn) \
	{ return put_strv(o, POSTURE, POSTURE ? &POSTURE->member : NULL); }

PSTR(ctr_digest, image_digest)
PSTR(ctr_image_ref, image_ref)
PBOOL(ctr_pinned, image_pinned)
PBOOL(ctr_privileged, privileged)
PLIST(ctr_cap_added, cap_added)
PLIST(ctr_host_mounts, host_mounts)
PBOOL(ctr_host_network, host_network)
PBOOL(ctr_host_pid, host_pid)
PBOOL(ctr_host_ipc, host_ipc)
PBOOL(ctr_readonly_root, readonly_root)
PBOOL(ctr_ep_over, entrypoint_overridden)
PBOOL(ctr_user_over, user_overridden)
PLIST(ctr_img_ports, img_ports)
PLIST(ctr_img_env, img_env)
PLIST(ctr_img_entrypoint, img_entrypoint)
PLIST(ctr_img_cmd, img_cmd)
PSTR(ctr_img_user, img_user)
PSTR(k8s_pod_name, k8s_pod)
PSTR(k8s_ns_name, k8s_ns)
PSTR(k8s_container_name, k8s_container)

GET(ctr_user_uid)
{
	return POSTURE && POSTURE->user_uid >= 0 ?
	    put_int(o, POSTURE->user_uid) : 0;
}

/* Seconds from the container's start to the event (0 for an event
 * stamped before it: clocks of two sources). */
GET(ctr_age)
{
	int64_t t = ev->sec * 1000 + ev->ms;

	if (ev->container == NULL || ev->container->started_ms <= 0)
		return 0;
	return put_int(o, t > ev->container->started_ms ?
	    (t - ev->container->started_ms) / 1000 : 0);
}

#define S	AD_FT_STRING
#define P	AD_FT_PATH
#define I	AD_FT_INTEGER
#define B	AD_FT_BOOLEAN
#define L	AD_FT_LIST

/* The one table.  Keep the doc to one line: `audrift fields` and
 * docs/rules.md print it as is. */
const struct ad_field ad_fields[] = {
	{ "proc.pid", I, 0, "process id", proc_pid },
	{ "proc.ppid", I, 0, "parent process id", proc_ppid },
	{ "proc.vpid", I, 0, "pid in its own pid namespace (1: a "
	    "container's init); absent on the host, when the process was gone, "
	    "or replayed",
	    proc_vpid },
	{ "proc.uid", I, 0, "real user id", proc_uid },
	{ "proc.euid", I, 0, "effective user id", proc_euid },
	{ "proc.auid", I, 0, "login (audit) user id; absent when unset",
	    proc_auid },
	{ "proc.name", S, 0, "command name (comm, at most 15 bytes)",
	    proc_name },
	{ "proc.exe", P, 0, "executable path", proc_exe },
	{ "proc.cmdline", S, 0, "arguments joined by spaces (exec), else "
	    "the proctitle", proc_cmdline },
	{ "proc.args", L, 0, "arguments of an exec, argv[0] first",
	    proc_args },
	{ "proc.argv0", S, 0, "last path component of argv[0] of an exec "
	    "(the applet a busybox runs)", proc_argv0 },
	{ "proc.tty", S, 0, "controlling terminal; absent when (none)",
	    proc_tty },
	{ "proc.pname", S, 0, "parent's command name (not known yet: "
	    "always absent)", proc_absent },
	{ "proc.pexe", P, 0, "parent's executable (not known yet: always "
	    "absent)", proc_absent },
	{ "proc.exe_upper_layer", B, 0, "executable is in the container's "
	    "upper layer (added after the image)", proc_exe_upper },
	{ "file.path", P, 0, "path of the file acted on", file_path },
	{ "file.name", S, 0, "last component of file.path", file_name },
	{ "file.dir", P, 0, "directory of file.path", file_dir },
	{ "file.op", S, AD_FF_OPNAME, "operation: exec, write, create, "
	    "chmod, chown, link, symlink, rename, unlink, utimes, truncate, "
	    "mkdir, mount, other", file_op },
	{ "file.mode", I, AD_FF_OCTAL, "file mode bits (st_mode) as logged; "
	    "write 0755 for octal", file_mode },
	{ "file.target", P, 0, "second path: rename destination, link "
	    "target", file_target },
	{ "file.target_dir", P, 0, "directory of file.target",
	    file_target_dir },
	{ "file.upper_layer", B, 0, "file is in the container's upper layer",
	    file_upper },
	{ "event.syscall", S, 0, "system call name (openat, renameat2, ...)",
	    event_syscall },
	{ "event.success", B, 0, "the system call succeeded",
	    event_success },
	{ "event.key", S, 0, "audit rule key (key=)", event_key },
	{ "event.time", I, 0, "event time, seconds since the epoch",
	    event_time },
	{ "event.arch", S, 0, "system call architecture (x86_64, i386, ...)",
	    event_arch },
	{ "event.kind", S, AD_FF_KINDNAME, "syscall (from audit records), "
	    "after_the_fact (found in an upper layer), container_start (a "
	    "container first seen: posture fields, no file or proc fields)",
	    event_kind },
	{ "event.attribution", S, 0, "how the event was placed: host, pid, "
	    "cache, device, ppid, lineage (in a container), after_the_fact "
	    "(found in its upper layer, no syscall seen), unknown, replay",
	    event_attribution },
	{ "container.id", S, 0, "container id; absent on the host",
	    container_id },
	{ "container.runtime", S, 0, "docker, podman, containerd, ...",
	    container_runtime },
	{ "container.name", S, 0, "container name, when known",
	    container_name },
	{ "container.image", S, 0, "container image, when known",
	    container_image },
	{ "container.pod", S, 0, "Kubernetes pod uid, when known",
	    container_pod },
	{ "container.image_ref", S, 0, "the image reference the container "
	    "was created from, as the runtime records it", ctr_image_ref },
	{ "container.image_digest", S, 0, "manifest digest of its image "
	    "(sha256:...), as the runtime records it", ctr_digest },
	{ "container.image_pinned", B, 0, "created from a digest reference "
	    "(name@sha256:...), not a tag", ctr_pinned },
	{ "container.privileged", B, 0, "started privileged (--privileged: "
	    "every capability, nothing masked)", ctr_privileged },
	{ "container.cap_added", L, 0, "capabilities beyond the runtimes' "
	    "default set, without CAP_ (SYS_ADMIN, ...)", ctr_cap_added },
	{ "container.host_mounts", L, 0, "host paths bind-mounted in (not "
	    "the runtime's own files, named volumes, its pod's volumes)",
	    ctr_host_mounts },
	{ "container.host_network", B, 0, "shares the host's network "
	    "namespace", ctr_host_network },
	{ "container.host_pid", B, 0, "shares the host's pid namespace",
	    ctr_host_pid },
	{ "container.host_ipc", B, 0, "shares the host's IPC namespace",
	    ctr_host_ipc },
	{ "container.readonly_root", B, 0, "its root filesystem is "
	    "read-only", ctr_readonly_root },
	{ "container.user_uid", I, 0, "uid its process was started as",
	    ctr_user_uid },
	{ "container.age", I, 0, "seconds from the container's start to "
	    "the event", ctr_age },
	{ "container.entrypoint_overridden", B, 0, "started with another "
	    "program than its image's Entrypoint (or Cmd)", ctr_ep_over },
	{ "container.user_overridden", B, 0, "started as another user than "
	    "its image's User", ctr_user_over },
	{ "container.image_exposed_ports", L, 0, "its image's ExposedPorts "
	    "(80/tcp, ...)", ctr_img_ports },
	{ "container.image_env", L, 0, "its image's Env (NAME=value)",
	    ctr_img_env },
	{ "container.image_entrypoint", L, 0, "its image's Entrypoint",
	    ctr_img_entrypoint },
	{ "container.image_cmd", L, 0, "its image's Cmd", ctr_img_cmd },
	{ "container.image_user", S, 0, "its image's User (\"\" for root)",
	    ctr_img_user },
	{ "k8s.pod.name", S, 0, "Kubernetes pod name (CRI annotations)",
	    k8s_pod_name },
	{ "k8s.ns.name", S, 0, "Kubernetes namespace of the pod",
	    k8s_ns_name },
	{ "k8s.container.name", S, 0, "Kubernetes container name",
	    k8s_container_name },
	{ "user.uid", I, 0, "real user id (same as proc.uid)", proc_uid },
	{ "user.auid", I, 0, "login user id (same as proc.auid)", proc_auid },
};

const int ad_nfields = (int)AD_ARRAY_SIZE(ad_fields);

const struct ad_field *
ad_field_find(const char *name)
{
	int i;

	for (i = 0; i < ad_nfields; i++)
		if (strcmp(ad_fields[i].name, name) == 0)
			return &ad_fields[i];
	return NULL;
}

const char *
ad_ftype_name(enum ad_ftype t)
{
	static const char *const names[AD_FT__COUNT] = {
		[AD_FT_STRING] = "string",
		[AD_FT_PATH] = "path",
		[AD_FT_INTEGER] = "integer",
		[AD_FT_BOOLEAN] = "boolean",
		[AD_FT_LIST] = "list",
	};

	return (unsigned)t < AD_FT__COUNT ? names[t] : "?";
}

#define STRS	(AD_FT_BIT(S) | AD_FT_BIT(P) | AD_FT_BIT(L))
#define ALL	(STRS | AD_FT_BIT(I) | AD_FT_BIT(B))

/* The one table of operators.  On a list field (proc.args) every
 * operator but exists holds when it holds for any element. */
const struct ad_operator ad_operators[] = {
	{ "==", AD_CMP_EQ, ALL, AD_SHAPE_VALUE, "equal" },
	{ "!=", AD_CMP_NE, ALL, AD_SHAPE_VALUE, "not equal" },
	{ "<", AD_CMP_LT, AD_FT_BIT(I), AD_SHAPE_VALUE, "less than" },
	{ "<=", AD_CMP_LE, AD_FT_BIT(I), AD_SHAPE_VALUE, "less or equal" },
	{ ">", AD_CMP_GT, AD_FT_BIT(I), AD_SHAPE_VALUE, "greater than" },
	{ ">=", AD_CMP_GE, AD_FT_BIT(I), AD_SHAPE_VALUE,
	    "greater or equal" },
	{ "in", AD_CMP_IN, STRS | AD_FT_BIT(I), AD_SHAPE_SET,
	    "one of (a, b, ...) or of a list" },
	{ "startswith", AD_CMP_STARTSWITH, STRS, AD_SHAPE_VALUE,
	    "begins with" },
	{ "endswith", AD_CMP_ENDSWITH, STRS, AD_SHAPE_VALUE, "ends with" },
	{ "contains", AD_CMP_CONTAINS, STRS, AD_SHAPE_VALUE,
	    "has the substring" },
	{ "icontains", AD_CMP_ICONTAINS, STRS, AD_SHAPE_VALUE,
	    "has the substring, ignoring ASCII case" },
	{ "glob", AD_CMP_GLOB, STRS, AD_SHAPE_VALUE,
	    "shell pattern (fnmatch; on paths * and ? do not match /)" },
	{ "matches", AD_CMP_MATCHES, STRS, AD_SHAPE_VALUE,
	    "PCRE2 regular expression, unanchored" },
	{ "exists", AD_CMP_EXISTS, ALL, AD_SHAPE_NONE, "the field is present" },
	{ "intersects", AD_CMP_INTERSECTS, AD_FT_BIT(L), AD_SHAPE_SET,
	    "a list field has an element in (a, b, ...) or in a list" },
	{ "under", AD_CMP_UNDER, AD_FT_BIT(P) | AD_FT_BIT(L), AD_SHAPE_SET,
	    "a path (or an element of a list) is one of (a, b, ...) or of "
	    "a list, or below one: /etc holds /etc/x, not /etcx" },
};

const int ad_noperators = (int)AD_ARRAY_SIZE(ad_operators);

const struct ad_operator *
ad_operator_find(const char *name)
{
	int i;

	for (i = 0; i < ad_noperators; i++)
		if (strcmp(ad_operators[i].name, name) == 0)
			return &ad_operators[i];
	return NULL;
}
