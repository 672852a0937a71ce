/*
 * event.c - the tables of the event model: operation classes (one table,
 * syscall name -> class), nametypes, attributions; and small accessors.
 */
#include "config.h"

#include <fcntl.h>
#include <libaudit.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "util.h"

/* Operation class names, as rules and the database spell them. */
static const char *const op_names[AD_OP__COUNT] = {
	[AD_OP_OTHER] = "other",
	[AD_OP_EXEC] = "exec",
	[AD_OP_OPEN_WRITE] = "write",
	[AD_OP_CREATE] = "create",
	[AD_OP_CHMOD] = "chmod",
	[AD_OP_CHOWN] = "chown",
	[AD_OP_LINK] = "link",
	[AD_OP_SYMLINK] = "symlink",
	[AD_OP_RENAME] = "rename",
	[AD_OP_UNLINK] = "unlink",
	[AD_OP_UTIMES] = "utimes",
	[AD_OP_TRUNCATE] = "truncate",
	[AD_OP_MKDIR] = "mkdir",
	[AD_OP_MOUNT] = "mount",
	[AD_OP_BIND] = "bind",
	[AD_OP_LISTEN] = "listen",
	[AD_OP_CONNECT] = "connect",
	[AD_OP_ACCEPT] = "accept",
	[AD_OP_DUP] = "dup",
};

/*
 * THE syscall table: operation class, dirfd arguments and what the kernel
 * rules need, one row per syscall.  Names are libaudit's, so one table
 * serves every arch (b64 and b32 numbers differ, names do not; the
 * b32-only names, chown32 and the like, simply do not resolve on b64).
 * Open-like calls are refined by their flags in ad_op_classify().
 *
 * DIR: in the `-F dir=` file rules (kernel_rules.c).  The fd-based calls
 * (fchmod, fchown, ftruncate, utimensat(fd, NULL) = futimens) are listed
 * there for completeness, but a dir= rule matches the paths a syscall
 * looked up and they look up none: they are not caught (audrift(8),
 * `run`).  open_by_handle_at looks up no path either; mount and umount
 * are left out of the dir= rules.  NOPERM: the utime family is in neither
 * the kernel's write nor its attribute class (include/asm-generic/
 * audit_{write,change_attr}.h), so a perm filter would drop it: its own
 * rule, without perm.  nr: the number used when this libaudit lacks the
 * name (-1 none); calls from 403 on share their number on every arch
 * (fchmodat2 is 452 since Linux 6.6).  NET: the network calls, in
 * rules of their own with no dir (kernel_rules.c); i386 reaches them
 * through socketcall too, which is not audited (audrift(8)).
 */
#define D0	AD_SC_D0
#define D1	AD_SC_D1
#define D2	AD_SC_D2
#define DIR	AD_SC_DIR
#define NOPERM	(AD_SC_DIR | AD_SC_NOPERM)
#define NET	AD_SC_NET
const struct ad_syscall ad_syscalls[] = {
	{ "execve", AD_OP_EXEC, 0, -1, 0 },
	{ "execveat", AD_OP_EXEC, D0, -1, 0 },
	{ "open", AD_OP_OPEN_WRITE, 0, -1, DIR },
	{ "openat", AD_OP_OPEN_WRITE, D0, -1, DIR },
	{ "openat2", AD_OP_OPEN_WRITE, D0, 437, DIR },
	{ "open_by_handle_at", AD_OP_OPEN_WRITE, D0, -1, 0 },
	{ "creat", AD_OP_CREATE, 0, -1, DIR },
	{ "mknod", AD_OP_CREATE, 0, -1, DIR },
	{ "mknodat", AD_OP_CREATE, D0, -1, DIR },
	{ "truncate", AD_OP_TRUNCATE, 0, -1, DIR },
	{ "ftruncate", AD_OP_TRUNCATE, 0, -1, DIR },
	{ "truncate64", AD_OP_TRUNCATE, 0, -1, DIR },
	{ "ftruncate64", AD_OP_TRUNCATE, 0, -1, DIR },
	{ "chmod", AD_OP_CHMOD, 0, -1, DIR },
	{ "fchmod", AD_OP_CHMOD, 0, -1, DIR },
	{ "fchmodat", AD_OP_CHMOD, D0, -1, DIR },
	{ "fchmodat2", AD_OP_CHMOD, D0, 452, DIR },
	{ "chown", AD_OP_CHOWN, 0, -1, DIR },
	{ "fchown", AD_OP_CHOWN, 0, -1, DIR },
	{ "fchownat", AD_OP_CHOWN, D0, -1, DIR },
	{ "lchown", AD_OP_CHOWN, 0, -1, DIR },
	{ "chown32", AD_OP_CHOWN, 0, -1, DIR },
	{ "fchown32", AD_OP_CHOWN, 0, -1, DIR },
	{ "lchown32", AD_OP_CHOWN, 0, -1, DIR },
	{ "link", AD_OP_LINK, 0, -1, DIR },
	{ "linkat", AD_OP_LINK, D0 | D2, -1, DIR },
	{ "symlink", AD_OP_SYMLINK, 0, -1, DIR },
	{ "symlinkat", AD_OP_SYMLINK, D1, -1, DIR },
	{ "rename", AD_OP_RENAME, 0, -1, DIR },
	{ "renameat", AD_OP_RENAME, D0 | D2, -1, DIR },
	{ "renameat2", AD_OP_RENAME, D0 | D2, 316, DIR },
	{ "unlink", AD_OP_UNLINK, 0, -1, DIR },
	{ "unlinkat", AD_OP_UNLINK, D0, -1, DIR },
	{ "rmdir", AD_OP_UNLINK, 0, -1, DIR },
	{ "utime", AD_OP_UTIMES, 0, -1, NOPERM },
	{ "utimes", AD_OP_UTIMES, 0, -1, NOPERM },
	{ "utimensat", AD_OP_UTIMES, D0, -1, NOPERM },
	{ "futimesat", AD_OP_UTIMES, D0, -1, NOPERM },
	{ "utimensat_time64", AD_OP_UTIMES, D0, -1, NOPERM },
	{ "mkdir", AD_OP_MKDIR, 0, -1, DIR },
	{ "mkdirat", AD_OP_MKDIR, D0, -1, DIR },
	{ "mount", AD_OP_MOUNT, 0, -1, 0 },
	{ "umount", AD_OP_MOUNT, 0, -1, 0 },
	{ "umount2", AD_OP_MOUNT, 0, -1, 0 },
	{ "move_mount", AD_OP_MOUNT, 0, -1, 0 },
	{ "fsmount", AD_OP_MOUNT, 0, -1, 0 },
	{ "bind", AD_OP_BIND, 0, -1, NET },
	{ "listen", AD_OP_LISTEN, 0, -1, NET },
	{ "connect", AD_OP_CONNECT, 0, -1, NET },
	{ "accept", AD_OP_ACCEPT, 0, -1, NET },
	{ "accept4", AD_OP_ACCEPT, 0, -1, NET },
	{ "dup2", AD_OP_DUP, 0, -1, NET },
	{ "dup3", AD_OP_DUP, 0, -1, NET },
	{ NULL, AD_OP_OTHER, 0, -1, 0 }
};
#undef D0
#undef D1
#undef D2
#undef DIR
#undef NOPERM
#undef NET

uint32_t
ad_syscall_ops(const struct ad_syscall *sc)
{
	/* open-like calls classify as write or create (ad_op_classify) */
	if (sc->op == AD_OP_OPEN_WRITE || sc->op == AD_OP_CREATE)
		return 1u << AD_OP_OPEN_WRITE | 1u << AD_OP_CREATE;
	return 1u << sc->op;
}

static const char *const nametype_names[AD_NT__COUNT] = {
	[AD_NT_UNKNOWN] = "UNKNOWN",
	[AD_NT_NORMAL] = "NORMAL",
	[AD_NT_PARENT] = "PARENT",
	[AD_NT_CREATE] = "CREATE",
	[AD_NT_DELETE] = "DELETE",
};

static const char *const attr_names[AD_ATTR__COUNT] = {
	[AD_ATTR_NONE] = "none",
	[AD_ATTR_REPLAY] = "replay",
	[AD_ATTR_HOST] = "host",
	[AD_ATTR_PID] = "pid",
	[AD_ATTR_CACHE] = "cache",
	[AD_ATTR_DEVICE] = "device",
	[AD_ATTR_LINEAGE] = "lineage",
	[AD_ATTR_LATE] = "after_the_fact",
	[AD_ATTR_PPID] = "ppid",
	[AD_ATTR_UNKNOWN] = "unknown",
};

static const char *const net_src_names[AD_NSRC__COUNT] = {
	[AD_NSRC_NONE] = "none",
	[AD_NSRC_RECORD] = "record",
	[AD_NSRC_BIND] = "bind",
	[AD_NSRC_PROC] = "proc",
};

const char *
ad_net_src_name(enum ad_net_src s)
{
	if ((unsigned)s >= AD_NSRC__COUNT)
		s = AD_NSRC_NONE;
	return net_src_names[s];
}

const char *
ad_op_name(enum ad_op op)
{
	if ((unsigned)op >= AD_OP__COUNT)
		op = AD_OP_OTHER;
	return op_names[op];
}

int
ad_op_from_name(const char *name, enum ad_op *out)
{
	int i;

	for (i = 0; i < AD_OP__COUNT; i++)
		if (strcmp(op_names[i], name) == 0) {
			*out = (enum ad_op)i;
			return 0;
		}
	return -1;
}

const char *
ad_nametype_name(enum ad_nametype nt)
{
	if ((unsigned)nt >= AD_NT__COUNT)
		nt = AD_NT_UNKNOWN;
	return nametype_names[nt];
}

const char *
ad_attr_name(enum ad_attr a)
{
	if ((unsigned)a >= AD_ATTR__COUNT)
		a = AD_ATTR_NONE;
	return attr_names[a];
}

static const char *const kind_names[AD_KIND__COUNT] = {
	[AD_KIND_SYSCALL] = "syscall",
	[AD_KIND_AFTER] = "after_the_fact",
	[AD_KIND_CONTAINER_START] = "container_start",
};

const char *
ad_kind_name(enum ad_kind k)
{
	return (unsigned)k < AD_KIND__COUNT ? kind_names[k] : "syscall";
}

int
ad_kind_from_name(const char *name, enum ad_kind *out)
{
	int k;

	for (k = 0; k < AD_KIND__COUNT; k++)
		if (strcmp(kind_names[k], name) == 0) {
			*out = (enum ad_kind)k;
			return 0;
		}
	return -1;
}

enum ad_kind
ad_event_kind(const struct ad_event *ev)
{
	if (ev->kind != AD_KIND_SYSCALL)
		return ev->kind;
	return ev->attribution == AD_ATTR_LATE ? AD_KIND_AFTER :
	    AD_KIND_SYSCALL;
}

/*
 * Per-machine cache: syscall number -> class, built once from ad_syscalls
 * and libaudit's name table, so classifying an event is an array index.
 */
#define MAX_SYSCALL 1024
#define MAX_MACHINES 8

static struct {
	int machine;
	unsigned char op[MAX_SYSCALL];
} op_cache[MAX_MACHINES];
static int op_cache_n;

static const unsigned char *
op_cache_get(int machine)
{
	const struct ad_syscall *sc;
	const char *name;
	int c, nr;

	for (c = 0; c < op_cache_n; c++)
		if (op_cache[c].machine == machine)
			return op_cache[c].op;
	if (op_cache_n == MAX_MACHINES)
		return NULL;
	c = op_cache_n++;
	op_cache[c].machine = machine;
	memset(op_cache[c].op, AD_OP_OTHER, sizeof(op_cache[c].op));
	for (nr = 0; nr < MAX_SYSCALL; nr++) {
		name = audit_syscall_to_name(nr, machine);
		if (name == NULL)
			continue;
		for (sc = ad_syscalls; sc->name != NULL; sc++)
			if (strcmp(sc->name, name) == 0) {
				op_cache[c].op[nr] = (unsigned char)sc->op;
				break;
			}
	}
	return op_cache[c].op;
}

static int
has_nametype(const struct ad_event *ev, enum ad_nametype nt)
{
	int i;

	for (i = 0; i < ev->nitems; i++)
		if (ev->items[i].nametype == nt)
			return 1;
	return 0;
}

enum ad_op
ad_op_classify(const struct ad_event *ev)
{
	const unsigned char *tab;
	const char *name = ev->syscall_name;
	enum ad_op op;
	uint64_t flags;
	int machine;

	if (ev->syscall < 0 || ev->syscall >= MAX_SYSCALL)
		return AD_OP_OTHER;
	machine = audit_elf_to_machine(ev->arch);
	if (machine < 0 || (tab = op_cache_get(machine)) == NULL)
		return AD_OP_OTHER;
	op = (enum ad_op)tab[ev->syscall];
	if (op != AD_OP_OPEN_WRITE && op != AD_OP_CREATE)
		return op;
	/* open-like: a created item makes it a create; otherwise only an
	 * open for writing counts (a read is "other").  openat2 and
	 * open_by_handle_at keep their flags out of a[], so they count as
	 * writes only when a watch with -p w reported them. */
	if (has_nametype(ev, AD_NT_CREATE))
		return AD_OP_CREATE;
	if (op == AD_OP_CREATE)		/* creat, mknod on an existing name */
		return AD_OP_OPEN_WRITE;
	if (name != NULL && strcmp(name, "open") == 0)
		flags = ev->a[1];
	else if (name != NULL && strcmp(name, "openat") == 0)
		flags = ev->a[2];
	else
		return AD_OP_OPEN_WRITE;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return AD_OP_OPEN_WRITE;
	return AD_OP_OTHER;
}

unsigned
ad_syscall_dirfds(const struct ad_event *ev)
{
	const struct ad_syscall *sc;

	if (ev->syscall_name == NULL)
		return 0;
	for (sc = ad_syscalls; sc->name != NULL; sc++)
		if (strcmp(sc->name, ev->syscall_name) == 0)
			return sc->dirfds;
	return 0;
}

const struct ad_item *
ad_event_file(const struct ad_event *ev)
{
	if (ev->file_idx < 0 || ev->file_idx >= ev->nitems)
		return NULL;
	return &ev->items[ev->file_idx];
}

const struct ad_item *
ad_event_file2(const struct ad_event *ev)
{
	if (ev->file2_idx < 0 || ev->file2_idx >= ev->nitems)
		return NULL;
	return &ev->items[ev->file2_idx];
}

int
ad_path_dir(const struct ad_str *path, char *buf, size_t cap)
{
	const char *slash;
	size_t n;

	if (path->s == NULL)
		return -1;
	slash = memrchr(path->s, '/', path->len);
	if (slash == NULL)
		n = 0;		/* relative name with no directory */
	else if (slash == path->s)
		n = 1;		/* "/ls" -> "/" */
	else
		n = (size_t)(slash - path->s);
	if (n + 1 > cap)
		return -1;
	memcpy(buf, path->s, n);
	buf[n] = '\0';
	return (int)n;
}

void
ad_event_time(const struct ad_event *ev, char *buf, size_t cap)
{
	/* days since 1970 to a civil date (H. Hinnant's algorithm): no
	 * gmtime_r and no snprintf, which were most of the store's cost */
	int64_t sec = ev->sec, days = sec / 86400, rem = sec % 86400;
	int64_t era, doe, yoe, doy, mp, y, m, d;
	unsigned ms = ev->ms % 1000;
	char t[32];
	int v[6], w[6] = { 4, 2, 2, 2, 2, 2 }, i, j, o = 0;
	static const char sep[] = "--T::";

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	if (y < 0 || y > 9999) {	/* not a time audit logs */
		snprintf(buf, cap, "%lld", (long long)sec);
		return;
	}
	v[0] = (int)y; v[1] = (int)m; v[2] = (int)d;
	v[3] = (int)(rem / 3600); v[4] = (int)(rem / 60 % 60);
	v[5] = (int)(rem % 60);
	for (i = 0; i < 6; i++) {
		for (j = w[i] - 1; j >= 0; j--, v[i] /= 10)
			t[o + j] = (char)('0' + v[i] % 10);
		o += w[i];
		t[o++] = i < 5 ? sep[i] : '.';
	}
	t[o++] = (char)('0' + ms / 100);
	t[o++] = (char)('0' + ms / 10 % 10);
	t[o++] = (char)('0' + ms % 10);
	t[o++] = 'Z';
	t[o] = '\0';
	if ((size_t)o < cap)
		memcpy(buf, t, (size_t)o + 1);
	else if (cap > 0)
		buf[0] = '\0';
}

void
ad_event_synthetic(struct ad_event *ev, int64_t now_ms)
{
	memset(ev, 0, sizeof(*ev));
	ev->sec = now_ms / 1000;
	ev->ms = (unsigned)(now_ms % 1000);
	ev->syscall = -1;
	ev->success = -1;
	ev->proc.auid = (uint32_t)-1;
	ev->file_idx = ev->file2_idx = -1;
	ev->exe_upper_layer = ev->file_upper_layer = -1;
}

/* --- a deep copy, to hand an event to another thread ------------------- */

/* Every counted string of ev's first nitems items and the rest, for pack
 * and unpack to walk alike. */
static int
event_strs(struct ad_event *ev, int nitems, struct ad_str **out)
{
	int i, n = 0;

	out[n++] = &ev->node;
	out[n++] = &ev->proc.tty;
	out[n++] = &ev->proc.comm;
	out[n++] = &ev->proc.exe;
	out[n++] = &ev->proc.cmdline;
	out[n++] = &ev->proc.proctitle;
	out[n++] = &ev->cwd;
	out[n++] = &ev->key;
	for (i = 0; i < nitems; i++) {
		out[n++] = &ev->items[i].name;
		out[n++] = &ev->items[i].path;
	}
	return n;
}

#define PACK_STRS	(8 + 2 * AD_MAX_ITEMS)
#define PACK_ALIGN(x)	(((x) + 7) & ~(size_t)7)

/*
 * The packed event leaves out the slots it does not use: an event fills
 * one or two of its AD_MAX_ITEMS items and a few of its AD_MAX_TYPES
 * types, and the whole struct is ~1.2 KB, twice what a typical event
 * packs to with its strings (a 106 MB log packed to 167 MB, all of it
 * written to a memfd and read back).  Its fixed part: the struct up to
 * items, nitems items, file_idx up to types, ntypes types, net to the
 * end; then the argv array and the strings.
 */
#define SEG_ITEMS	offsetof(struct ad_event, items)
#define SEG_MID		offsetof(struct ad_event, file_idx)
#define SEG_TYPES	offsetof(struct ad_event, types)
#define SEG_TAIL	offsetof(struct ad_event, net)

static int
clamp(int n, int max)
{
	return n < 0 ? 0 : n > max ? max : n;
}

/* The packed fixed part of an event with ni items and nt types. */
static size_t
pack_fixed(int ni, int nt)
{
	return PACK_ALIGN(SEG_ITEMS + (size_t)ni * sizeof(struct ad_item) +
	    (SEG_TYPES - SEG_MID) + (size_t)nt * sizeof(int) +
	    (sizeof(struct ad_event) - SEG_TAIL));
}

/* Copy the fixed part of ev to (pack != 0) or from the packed form at p. */
static void
pack_segments(struct ad_event *ev, char *p, int ni, int nt, int pack)
{
	const struct { size_t at, len; } seg[] = {
		{ 0, SEG_ITEMS },
		{ SEG_ITEMS, (size_t)ni * sizeof(struct ad_item) },
		{ SEG_MID, SEG_TYPES - SEG_MID },
		{ SEG_TYPES, (size_t)nt * sizeof(int) },
		{ SEG_TAIL, sizeof(struct ad_event) - SEG_TAIL },
	};
	char *e = (char *)ev;
	size_t i;

	for (i = 0; i < sizeof(seg) / sizeof(seg[0]); i++) {
		if (pack)
			memcpy(p, e + seg[i].at, seg[i].len);
		else
			memcpy(e + seg[i].at, p, seg[i].len);
		p += seg[i].len;
	}
}

/* Append one string at the end of b; its offset from start, 0 if NULL. */
static uintptr_t
pack_str(struct ad_buf *b, size_t start, const struct ad_str *s)
{
	uintptr_t off;

	if (s->s == NULL)
		return 0;
	off = (uintptr_t)(b->len - start);
	ad_buf_add(b, s->s, s->len);
	ad_buf_addc(b, '\0');
	return off;
}

static void
pad8(struct ad_buf *b)
{
	size_t pad = PACK_ALIGN(b->len) - b->len;

	if (pad > 0) {
		ad_buf_reserve(b, pad);
		memset(b->p + b->len, 0, pad);
		b->len += pad;
		b->p[b->len] = '\0';
	}
}

size_t
ad_event_pack(struct ad_buf *b, const struct ad_event *ev)
{
	struct ad_event c = *ev;
	struct ad_str *strs[PACK_STRS], *argv = NULL;
	size_t start, fixed, argv_off = 0;
	int i, n, ni = clamp(ev->nitems, AD_MAX_ITEMS),
	    nt = clamp(ev->ntypes, AD_MAX_TYPES);

	pad8(b);
	start = b->len;
	fixed = pack_fixed(ni, nt);
	ad_buf_reserve(b, fixed);	/* its place; written last */
	memset(b->p + start, 0, fixed);
	b->len += fixed;
	if (ev->proc.argc > 0 && ev->proc.argv != NULL) {
		argv_off = b->len - start;
		argv = xcalloc((size_t)ev->proc.argc, sizeof(*argv));
		ad_buf_add(b, argv, (size_t)ev->proc.argc * sizeof(*argv));
		for (i = 0; i < ev->proc.argc; i++) {
			argv[i].len = ev->proc.argv[i].len;
			argv[i].s = (const char *)pack_str(b, start,
			    &ev->proc.argv[i]);
		}
		memcpy(b->p + start + argv_off, argv,
		    (size_t)ev->proc.argc * sizeof(*argv));
		free(argv);
	}
	c.proc.argv = (const struct ad_str *)(uintptr_t)argv_off;
	c.nitems = ni;
	c.ntypes = nt;
	n = event_strs(&c, ni, strs);
	for (i = 0; i < n; i++)
		strs[i]->s = (const char *)pack_str(b, start, strs[i]);
	pack_segments(&c, b->p + start, ni, nt, 1);
	pad8(b);
	return b->len - start;
}

struct ad_event *
ad_event_unpack(void *p, struct ad_event *ev)
{
	char *base = p;
	struct ad_str *strs[PACK_STRS], *argv;
	int i, n, ni, nt;

	/* the counts sit in the first and third segments, where they are
	 * in the struct */
	memcpy(&ni, base + offsetof(struct ad_event, nitems), sizeof(ni));
	ni = clamp(ni, AD_MAX_ITEMS);
	memcpy(&nt, base + SEG_ITEMS + (size_t)ni * sizeof(struct ad_item) +
	    (offsetof(struct ad_event, ntypes) - SEG_MID), sizeof(nt));
	nt = clamp(nt, AD_MAX_TYPES);
	memset(ev, 0, sizeof(*ev));
	pack_segments(ev, base, ni, nt, 0);
	ev->nitems = ni;
	ev->ntypes = nt;
	if (ev->proc.argv != NULL) {
		argv = (struct ad_str *)(base + (uintptr_t)ev->proc.argv);
		for (i = 0; i < ev->proc.argc; i++)
			if (argv[i].s != NULL)
				argv[i].s = base + (uintptr_t)argv[i].s;
		ev->proc.argv = argv;
	}
	n = event_strs(ev, ni, strs);
	for (i = 0; i < n; i++)
		if (strs[i]->s != NULL)
			strs[i]->s = base + (uintptr_t)strs[i]->s;
	return ev;
}
