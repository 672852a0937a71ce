/*
 * normalize.c - assemble audit records into struct ad_event (libauparse,
 * feed mode).
 *
 * Values are read raw (auparse_get_field_str) and decoded here: audit
 * logs untrusted strings either "quoted" or hex-encoded, and decoding the
 * hex exactly is what AUPARSE_ESC_RAW means: the bytes of the name, not an
 * escaped rendering.  Every string of an event lives in one arena that is
 * reserved, before the event is assembled, to a size the event cannot
 * outgrow, so pointers into it stay valid and no event allocates once the
 * arena has reached its working size.
 */
#include "config.h"

#include <auparse.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "normalize.h"
#include "util.h"

#ifndef AUDIT_PROCTITLE
#define AUDIT_PROCTITLE 1327
#endif

/* How a PATH item is kept: named items only (overlay copy-up adds many
 * name=(null) items that say nothing about what the syscall touched). */

struct ad_norm {
	auparse_state_t *au;
	ad_event_fn fn;
	ad_norm_error_fn efn;
	void *arg;
	enum ad_attr attribution;

	struct ad_event ev;
	struct ad_buf arena;	/* every string of the current event */
	struct ad_buf tmp;	/* one decoded value */
	struct ad_str *argv;	/* reused argv array */
	int argv_cap;
	int argv_n;		/* arguments collected so far */
	int argv_bad;		/* argv did not fit: skip the rest */
	int arg_join;		/* index of the argument being rejoined */
	int fresh_want;		/* the table held many: renew when empty */
	uint64_t fresh_at;	/* stats.events at the last renewal */
	int fresh_skip;		/* chances to let pass: something was open */
	int fresh_partial;	/* the last feed ended inside a line */
	struct ad_norm_stats stats;
};

/* --- arena -------------------------------------------------------------- */

/*
 * Copy len bytes into the arena, NUL-terminated.  The arena was reserved
 * for the whole event, so this never reallocates; if a pathological event
 * outgrows the estimate the string is dropped (returns NULL) rather than
 * moving the strings already handed out.
 */
static const char *
arena_put(struct ad_norm *n, const char *s, size_t len)
{
	struct ad_buf *a = &n->arena;
	char *p;

	if (a->len + len + 1 > a->cap)
		return NULL;
	p = a->p + a->len;
	memcpy(p, s, len);
	p[len] = '\0';
	a->len += len + 1;
	return p;
}

static void
set_str(struct ad_norm *n, struct ad_str *dst, const char *s, size_t len)
{
	dst->s = arena_put(n, s, len);
	dst->len = dst->s ? len : 0;
}

/* Decode an encoded value (quoted, hex or (null)) into dst. */
static void
set_decoded(struct ad_norm *n, struct ad_str *dst, const char *raw)
{
	long len = ad_audit_decode(raw, &n->tmp);

	if (len < 0) {
		dst->s = NULL;
		dst->len = 0;
		return;
	}
	set_str(n, dst, n->tmp.p, (size_t)len);
}

/* --- number parsing, with errors reported --------------------------------- */

static void
bad_field(struct ad_norm *n, const char *rtype, const char *field,
    const char *val)
{
	char msg[256];

	n->stats.bad_fields++;
	if (n->efn == NULL)
		return;
	snprintf(msg, sizeof(msg), "%s record: field %s=%.40s is not valid",
	    rtype, field, val);
	n->efn(n->arg, n->ev.serial, msg);
}

/* c's value as a digit of base (8, 10 or 16), or -1. */
static int
digit(char c, int base)
{
	int d = ad_hexval((unsigned char)c);

	return d >= 0 && d < base ? d : -1;
}

/*
 * The kernel writes plain digits: those are read here, a field of a
 * SYSCALL record at a time being a tenth of the main thread's work with
 * strtoull's locale and errno.  Anything else (a sign, 0x, overflow,
 * garbage) gets strtoull's answer, as before.
 */
static int
parse_u64(const char *val, int base, uint64_t *out)
{
	const char *p;
	char *end;
	unsigned long long v;
	uint64_t f = 0, lim;
	int d;

	/* below lim, f * base + d cannot overflow: one division a call, not
	 * one a digit (a tenth of the normalizer's own instructions) */
	lim = UINT64_MAX / (uint64_t)base - 1;
	if (val == NULL || *val == '\0' || *val == '-')
		return -1;
	for (p = val; (d = digit(*p, base)) >= 0; p++) {
		if (f >= lim && f > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			break;
		f = f * (uint64_t)base + (uint64_t)d;
	}
	if (*p == '\0') {
		*out = f;
		return 0;
	}
	errno = 0;
	v = strtoull(val, &end, base);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int
parse_i64(const char *val, int64_t *out)
{
	char *end;
	long long v;
	uint64_t u;

	if (val == NULL || *val == '\0')
		return -1;
	if (val[0] != '-' && parse_u64(val, 10, &u) == 0) {
		if (u > INT64_MAX)
			return -1;
		*out = (int64_t)u;
		return 0;
	}
	errno = 0;
	v = strtoll(val, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* One hex number of at most 8 digits, up to stop (or the end). */
static const char *
hex32(const char *p, char stop, unsigned *out)
{
	unsigned v = 0;
	int d, i;

	for (i = 0; p[i] != '\0' && p[i] != stop; i++) {
		if (i == 8 || (d = ad_hexval((unsigned char)p[i])) < 0)
			return NULL;
		v = v << 4 | (unsigned)d;
	}
	*out = v;
	return i > 0 ? p + i : NULL;
}

/* dev=MAJ:MIN, hex, as the kernel writes it (%02x:%02x). */
static int
parse_dev(const char *val, unsigned *maj, unsigned *min)
{
	const char *p;

	if ((p = hex32(val, ':', maj)) == NULL || *p != ':' ||
	    (p = hex32(p + 1, '\0', min)) == NULL)
		return -1;
	return 0;
}

/* Unsigned id field; "-1" and 4294967295 both mean unset. */
static void
get_id(struct ad_norm *n, const char *rtype, const char *field,
    const char *val, uint32_t *out)
{
	uint64_t v;
	int64_t s;

	if (parse_u64(val, 10, &v) == 0 && v <= UINT32_MAX) {
		*out = (uint32_t)v;
		return;
	}
	if (parse_i64(val, &s) == 0 && s == -1) {
		*out = UINT32_MAX;
		return;
	}
	bad_field(n, rtype, field, val);
}

static void
get_pid(struct ad_norm *n, const char *rtype, const char *field,
    const char *val, pid_t *out)
{
	int64_t v;

	if (parse_i64(val, &v) == 0 && v >= 0 && v <= INT32_MAX)
		*out = (pid_t)v;
	else
		bad_field(n, rtype, field, val);
}

/* --- records -------------------------------------------------------------- */

static void
do_syscall(struct ad_norm *n)
{
	struct ad_event *ev = &n->ev;
	const char *name, *val;
	uint64_t v;
	int64_t s;

	auparse_first_field(n->au);
	do {
		name = auparse_get_field_name(n->au);
		val = auparse_get_field_str(n->au);
		if (name == NULL || val == NULL)
			continue;
		switch (name[0]) {
		case 'a':
			if (strcmp(name, "arch") == 0) {
				if (parse_u64(val, 16, &v) == 0 &&
				    v <= UINT32_MAX)
					ev->arch = (uint32_t)v;
				else
					bad_field(n, "SYSCALL", name, val);
			} else if (name[1] >= '0' && name[1] <= '3' &&
			    name[2] == '\0') {
				if (parse_u64(val, 16, &v) == 0)
					ev->a[name[1] - '0'] = v;
				else
					bad_field(n, "SYSCALL", name, val);
			} else if (strcmp(name, "auid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.auid);
			break;
		case 'c':
			if (strcmp(name, "comm") == 0)
				set_decoded(n, &ev->proc.comm, val);
			break;
		case 'e':
			if (strcmp(name, "exit") == 0) {
				if (parse_i64(val, &s) == 0)
					ev->exit = s;
				else
					bad_field(n, "SYSCALL", name, val);
			} else if (strcmp(name, "exe") == 0)
				set_decoded(n, &ev->proc.exe, val);
			else if (strcmp(name, "euid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.euid);
			else if (strcmp(name, "egid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.egid);
			break;
		case 'f':
			if (strcmp(name, "fsuid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.fsuid);
			break;
		case 'g':
			if (strcmp(name, "gid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.gid);
			break;
		case 'k':
			if (strcmp(name, "key") == 0)
				set_decoded(n, &ev->key, val);
			break;
		case 'p':
			if (strcmp(name, "pid") == 0)
				get_pid(n, "SYSCALL", name, val, &ev->proc.pid);
			else if (strcmp(name, "ppid") == 0)
				get_pid(n, "SYSCALL", name, val, &ev->proc.ppid);
			break;
		case 's':
			if (strcmp(name, "syscall") == 0) {
				if (parse_i64(val, &s) == 0 && s >= 0 &&
				    s < 100000)
					ev->syscall = (int)s;
				else
					bad_field(n, "SYSCALL", name, val);
			} else if (strcmp(name, "success") == 0)
				ev->success = strcmp(val, "yes") == 0;
			else if (strcmp(name, "ses") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.ses);
			else if (strcmp(name, "suid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.suid);
			break;
		case 't':
			if (strcmp(name, "tty") == 0)
				set_str(n, &ev->proc.tty, val, strlen(val));
			break;
		case 'u':
			if (strcmp(name, "uid") == 0)
				get_id(n, "SYSCALL", name, val, &ev->proc.uid);
			break;
		}
	} while (auparse_next_field(n->au) > 0);
}

static int
argv_reserve(struct ad_norm *n, int want)
{
	if (want > 65536)
		return -1;
	if (want > n->argv_cap) {
		int cap = n->argv_cap ? n->argv_cap : 16;

		while (cap < want)
			cap *= 2;
		n->argv = xrealloc(n->argv, (size_t)cap * sizeof(*n->argv));
		n->argv_cap = cap;
	}
	return 0;
}

/*
 * EXECVE: argc=N a0=.. a1=..; a long argument is split as aK_len=L then
 * aK[0]=.. aK[1]=.. (each piece encoded on its own), possibly across
 * several EXECVE records.  Pieces are appended to the argument's arena
 * string, which is the last thing written to the arena while it grows.
 */
static void
do_execve(struct ad_norm *n)
{
	struct ad_event *ev = &n->ev;
	const char *name, *val, *br;
	char *end;
	long k;
	int64_t argc;

	auparse_first_field(n->au);
	do {
		name = auparse_get_field_name(n->au);
		val = auparse_get_field_str(n->au);
		if (name == NULL || val == NULL || n->argv_bad)
			continue;
		if (strcmp(name, "argc") == 0) {
			if (parse_i64(val, &argc) != 0 || argc < 0 ||
			    argv_reserve(n, (int)argc) != 0) {
				bad_field(n, "EXECVE", name, val);
				n->argv_bad = 1;
			} else
				ev->proc.argc = (int)argc;
			continue;
		}
		if (name[0] != 'a')
			continue;
		k = strtol(name + 1, &end, 10);
		if (end == name + 1 || k < 0 || k >= ev->proc.argc) {
			bad_field(n, "EXECVE", name, val);
			continue;
		}
		if (strcmp(end, "_len") == 0) {
			/* start of a split argument: empty, pieces follow */
			if (k != n->argv_n) {
				bad_field(n, "EXECVE", name, val);
				continue;
			}
			n->argv[k].s = arena_put(n, "", 0);
			n->argv[k].len = 0;
			n->arg_join = (int)k;
			n->argv_n++;
			continue;
		}
		if (*end == '[') {
			br = end;
			if (k != n->arg_join || n->argv[k].s == NULL ||
			    strchr(br, ']') == NULL) {
				bad_field(n, "EXECVE", name, val);
				continue;
			}
			if (ad_audit_decode(val, &n->tmp) < 0)
				continue;
			/* extend in place: the argument is the arena's tail */
			if (n->arena.len + n->tmp.len > n->arena.cap) {
				n->stats.args_truncated++;
				continue;
			}
			memcpy(n->arena.p + n->arena.len - 1, n->tmp.p,
			    n->tmp.len);
			n->arena.len += n->tmp.len;
			n->arena.p[n->arena.len - 1] = '\0';
			n->argv[k].len += n->tmp.len;
			continue;
		}
		if (*end != '\0' || k != n->argv_n) {
			bad_field(n, "EXECVE", name, val);
			continue;
		}
		set_decoded(n, &n->argv[k], val);
		if (n->argv[k].s == NULL)
			set_str(n, &n->argv[k], "", 0);
		n->arg_join = -1;
		n->argv_n++;
	} while (auparse_next_field(n->au) > 0);
}

static enum ad_nametype
nametype_parse(const char *val)
{
	static const struct {
		const char *name;
		enum ad_nametype nt;
	} tab[] = {
		{ "NORMAL", AD_NT_NORMAL },
		{ "PARENT", AD_NT_PARENT },
		{ "CREATE", AD_NT_CREATE },
		{ "DELETE", AD_NT_DELETE },
	};
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(tab); i++)
		if (strcmp(val, tab[i].name) == 0)
			return tab[i].nt;
	return AD_NT_UNKNOWN;
}

static void
do_path(struct ad_norm *n)
{
	struct ad_event *ev = &n->ev;
	struct ad_item it;
	const char *name, *val;
	unsigned maj, min;
	uint64_t v;
	int64_t s;
	int named = 0;

	memset(&it, 0, sizeof(it));
	it.index = -1;
	ev->items_logged++;
	auparse_first_field(n->au);
	do {
		name = auparse_get_field_name(n->au);
		val = auparse_get_field_str(n->au);
		if (name == NULL || val == NULL)
			continue;
		/* by first letter: a PATH record has 15 fields, most of
		 * them (cap_*, rdev) not read */
		switch (name[0]) {
		case 'i':
			if (strcmp(name, "item") == 0) {
				if (parse_i64(val, &s) == 0 && s >= 0 &&
				    s < 100000)
					it.index = (int)s;
				else
					bad_field(n, "PATH", name, val);
			} else if (strcmp(name, "inode") == 0) {
				if (parse_u64(val, 10, &v) == 0) {
					it.inode = v;
					it.has_inode = 1;
				} else
					bad_field(n, "PATH", name, val);
			}
			break;
		case 'n':
			if (strcmp(name, "name") == 0) {
				if (strcmp(val, "(null)") == 0)
					continue;
				named = 1;
				if (ev->nitems < AD_MAX_ITEMS)
					set_decoded(n, &it.name, val);
			} else if (strcmp(name, "nametype") == 0)
				it.nametype = nametype_parse(val);
			break;
		case 'd':
			if (strcmp(name, "dev") != 0)
				break;
			if (parse_dev(val, &maj, &min) == 0) {
				it.dev_major = maj;
				it.dev_minor = min;
			} else
				bad_field(n, "PATH", name, val);
			break;
		case 'm':
			if (strcmp(name, "mode") != 0)
				break;
			if (parse_u64(val, 8, &v) == 0 && v <= UINT32_MAX)
				it.mode = (unsigned)v;
			else
				bad_field(n, "PATH", name, val);
			break;
		case 'o':
			if (strcmp(name, "ouid") == 0)
				get_id(n, "PATH", name, val, &it.ouid);
			else if (strcmp(name, "ogid") == 0)
				get_id(n, "PATH", name, val, &it.ogid);
			break;
		}
	} while (auparse_next_field(n->au) > 0);

	if (!named) {
		n->stats.null_items++;
		return;
	}
	if (ev->nitems >= AD_MAX_ITEMS) {
		n->stats.items_dropped++;
		return;
	}
	ev->items[ev->nitems++] = it;
}

/* SOCKADDR: saddr= is the struct sockaddr in hex in both log formats
 * (ENRICHED adds an interpreted SADDR= beside it, which is not read). */
static void
do_sockaddr(struct ad_norm *n)
{
	const char *val;

	if (auparse_find_field(n->au, "saddr") == NULL ||
	    (val = auparse_get_field_str(n->au)) == NULL) {
		bad_field(n, "SOCKADDR", "saddr", "(missing)");
		return;
	}
	if (ad_sockaddr_decode(val, strlen(val), &n->ev.net) < 0) {
		bad_field(n, "SOCKADDR", "saddr", val);
		return;
	}
	n->ev.net_src = AD_NSRC_RECORD;
}

/* Is the current field named name?  A record of no fields has a current
 * field with no name (fuzz_normalize: a bare PROCTITLE). */
static int
field_is(struct ad_norm *n, const char *name)
{
	const char *f = auparse_get_field_name(n->au);

	return f != NULL && strcmp(f, name) == 0;
}

static void
do_cwd(struct ad_norm *n)
{
	const char *val;

	auparse_first_field(n->au);
	do {
		if (field_is(n, "cwd")) {
			val = auparse_get_field_str(n->au);
			set_decoded(n, &n->ev.cwd, val);
			return;
		}
	} while (auparse_next_field(n->au) > 0);
}

/* PROCTITLE: argv joined by NULs (hex when it has them): NULs become
 * spaces, trailing ones are dropped. */
static void
do_proctitle(struct ad_norm *n)
{
	struct ad_str *pt = &n->ev.proc.proctitle;
	char *p;
	size_t i;

	auparse_first_field(n->au);
	do {
		if (!field_is(n, "proctitle"))
			continue;
		set_decoded(n, pt, auparse_get_field_str(n->au));
		if (pt->s == NULL)
			return;
		p = (char *)pt->s;	/* ours: in the arena */
		while (pt->len > 0 && p[pt->len - 1] == '\0')
			pt->len--;
		p[pt->len] = '\0';
		for (i = 0; i < pt->len; i++)
			if (p[i] == '\0')
				p[i] = ' ';
		return;
	} while (auparse_next_field(n->au) > 0);
}

/* --- finishing an event --------------------------------------------------- */

/*
 * Resolve name against cwd lexically: "." and ".." segments and repeated
 * slashes are folded; symlinks are not followed (the file may be gone,
 * and the names are the container's, not ours).
 */
/* Relative names are relative to cwd unless the call took a directory fd
 * other than AT_FDCWD: then the base is unknown (an fd we cannot read). */
static int
relative_to_cwd(const struct ad_event *ev)
{
	unsigned dirfds = ad_syscall_dirfds(ev);
	int i;

	for (i = 0; i < 4; i++)
		if ((dirfds & (1u << i)) &&
		    (int32_t)(uint32_t)ev->a[i] != AT_FDCWD)
			return 0;
	return 1;
}

static void
resolve_path(struct ad_norm *n, struct ad_item *it)
{
	const struct ad_str *cwd = &n->ev.cwd;
	struct ad_buf *t = &n->tmp;
	const char *seg, *p, *end;
	size_t seglen, start;

	ad_buf_reset(t);
	if (it->name.len == 0)		/* AT_EMPTY_PATH: the fd itself */
		return;
	if (it->name.s[0] != '/') {
		/* the kernel's cwd is absolute; one that is not (a hostile
		 * log) is no base: folding needs a '/' before every segment
		 * (it wrote past the buffer: fuzz_normalize) */
		if (cwd->s == NULL || cwd->len == 0 || cwd->s[0] != '/' ||
		    !relative_to_cwd(&n->ev))
			return;		/* unknown base: no path */
		ad_buf_add(t, cwd->s, cwd->len);
	}
	ad_buf_addc(t, '/');
	ad_buf_add(t, it->name.s, it->name.len);

	/* fold in place: read from p, write at out (out <= p) */
	{
		char *s = t->p, *out = t->p;

		p = t->p;
		end = t->p + t->len;
		while (p < end) {
			while (p < end && *p == '/')
				p++;
			seg = p;
			while (p < end && *p != '/')
				p++;
			seglen = (size_t)(p - seg);
			if (seglen == 0 || (seglen == 1 && seg[0] == '.'))
				continue;
			if (seglen == 2 && seg[0] == '.' && seg[1] == '.') {
				while (out > s && *--out != '/')
					;
				continue;
			}
			*out++ = '/';
			memmove(out, seg, seglen);
			out += seglen;
		}
		if (out == s)
			*out++ = '/';
		start = 0;
		set_str(n, &it->path, t->p + start, (size_t)(out - s));
	}
}

static int
find_item(const struct ad_event *ev, enum ad_nametype nt, int skip)
{
	int i;

	for (i = 0; i < ev->nitems; i++)
		if (ev->items[i].nametype == nt && skip-- == 0)
			return i;
	return -1;
}

/*
 * Which items are "the file" and "the other file", by operation:
 *   rename:        the DELETE (old name) -> the CREATE (new name)
 *   link, symlink: the CREATE (new name) -> the NORMAL (what it points to)
 *   unlink:        the DELETE
 *   create:        the CREATE
 *   exec, others:  the first NORMAL, else CREATE, DELETE, else any.
 */
static void
pick_items(struct ad_event *ev)
{
	static const enum ad_nametype fallback[] = {
		AD_NT_NORMAL, AD_NT_CREATE, AD_NT_DELETE, AD_NT_UNKNOWN,
		AD_NT_PARENT,
	};
	size_t i;

	ev->file_idx = ev->file2_idx = -1;
	switch (ev->op) {
	case AD_OP_RENAME:
		ev->file_idx = find_item(ev, AD_NT_DELETE, 0);
		ev->file2_idx = find_item(ev, AD_NT_CREATE, 0);
		break;
	case AD_OP_LINK:
	case AD_OP_SYMLINK:
		ev->file_idx = find_item(ev, AD_NT_CREATE, 0);
		ev->file2_idx = find_item(ev, AD_NT_NORMAL, 0);
		if (ev->file2_idx < 0)
			ev->file2_idx = find_item(ev, AD_NT_UNKNOWN, 0);
		break;
	case AD_OP_UNLINK:
		ev->file_idx = find_item(ev, AD_NT_DELETE, 0);
		break;
	case AD_OP_CREATE:
	case AD_OP_MKDIR:
		ev->file_idx = find_item(ev, AD_NT_CREATE, 0);
		break;
	default:
		break;
	}
	for (i = 0; ev->file_idx < 0 && i < AD_ARRAY_SIZE(fallback); i++)
		ev->file_idx = find_item(ev, fallback[i], 0);
}

/*
 * PATH items by item number: records of an event may come in any order
 * (forwarders reorder them), and what an item is (an exec's file is item
 * 0, the loader item 1) is decided by number and nametype, never by
 * record order.  Insertion sort: a handful of items, usually in order.
 */
static void
sort_items(struct ad_event *ev)
{
	struct ad_item t;
	int i, j;

	for (i = 1; i < ev->nitems; i++) {
		if ((unsigned)ev->items[i - 1].index <=
		    (unsigned)ev->items[i].index)
			continue;
		t = ev->items[i];
		for (j = i; j > 0 && (unsigned)ev->items[j - 1].index >
		    (unsigned)t.index; j--)
			ev->items[j] = ev->items[j - 1];
		ev->items[j] = t;
	}
}

static void
finish_event(struct ad_norm *n)
{
	struct ad_event *ev = &n->ev;
	struct ad_buf *t = &n->tmp;
	int i, machine;

	if (ev->syscall >= 0 && ev->arch != 0 &&
	    (machine = audit_elf_to_machine(ev->arch)) >= 0) {
		ev->syscall_name = audit_syscall_to_name(ev->syscall, machine);
		ev->arch_name = audit_machine_to_name(machine);
	}
	sort_items(ev);
	for (i = 0; i < ev->nitems; i++)
		if (ev->items[i].name.s != NULL)
			resolve_path(n, &ev->items[i]);
	ev->op = ad_op_classify(ev);
	pick_items(ev);

	if (n->argv_n < ev->proc.argc) {
		/* records lost or cut: keep what came, say so */
		if (n->argv_n > 0 || ev->proc.argc > 0)
			n->stats.args_truncated++;
		ev->proc.argc = n->argv_n;
	}
	ev->proc.argv = ev->proc.argc > 0 ? n->argv : NULL;
	if (ev->proc.argc > 0) {
		ad_buf_reset(t);
		for (i = 0; i < ev->proc.argc; i++) {
			if (i)
				ad_buf_addc(t, ' ');
			ad_buf_add(t, n->argv[i].s ? n->argv[i].s : "",
			    n->argv[i].len);
		}
		set_str(n, &ev->proc.cmdline, t->p, t->len);
	}
	ev->attribution = n->attribution;
}

static void
reset_event(struct ad_norm *n, size_t text_bytes)
{
	struct ad_event *ev = &n->ev;

	memset(ev, 0, sizeof(*ev));
	ev->syscall = -1;
	ev->success = -1;
	ev->file_idx = ev->file2_idx = -1;
	ev->exe_upper_layer = ev->file_upper_layer = -1;
	ev->net.port = -1;
	ev->proc.auid = UINT32_MAX;
	ev->proc.ses = UINT32_MAX;
	n->argv_n = 0;
	n->argv_bad = 0;
	n->arg_join = -1;
	/* Decoded values are never longer than the text they come from;
	 * paths resolved against cwd and the joined cmdline at most add
	 * the cwd per item and the argv once more. */
	ad_buf_reset(&n->arena);
	ad_buf_reserve(&n->arena, 3 * text_bytes + 4096);
}

static void
add_type(struct ad_event *ev, int type)
{
	int i;

	for (i = 0; i < ev->ntypes; i++)
		if (ev->types[i] == type)
			return;
	if (ev->ntypes < AD_MAX_TYPES)
		ev->types[ev->ntypes++] = type;
}

static void
on_event(auparse_state_t *au, auparse_cb_event_t type, void *data)
{
	struct ad_norm *n = data;
	struct ad_event *ev = &n->ev;
	const au_event_t *ts;
	const char *text;
	size_t bytes = 0;
	int rtype;

	if (type != AUPARSE_CB_EVENT_READY || auparse_first_record(au) <= 0)
		return;
	do {
		text = auparse_get_record_text(au);
		bytes += text ? strlen(text) : 0;
	} while (auparse_next_record(au) > 0);
	reset_event(n, bytes);

	ts = auparse_get_timestamp(au);
	if (ts != NULL) {
		ev->sec = ts->sec;
		ev->ms = ts->milli;
		ev->serial = ts->serial;
		if (ts->host != NULL)
			set_str(n, &ev->node, ts->host, strlen(ts->host));
	}
	auparse_first_record(au);
	do {
		rtype = auparse_get_type(au);
		add_type(ev, rtype);
		switch (rtype) {
		case AUDIT_SYSCALL:
			do_syscall(n);
			break;
		case AUDIT_EXECVE:
			do_execve(n);
			break;
		case AUDIT_PATH:
			do_path(n);
			break;
		case AUDIT_CWD:
			do_cwd(n);
			break;
		case AUDIT_PROCTITLE:
			do_proctitle(n);
			break;
		case AUDIT_SOCKADDR:
			do_sockaddr(n);
			break;
		default:
			break;
		}
	} while (auparse_next_record(au) > 0);

	finish_event(n);
	if (ev->syscall < 0 && ev->net.present) {
		/* a SOCKADDR with no SYSCALL: no process, no operation */
		n->stats.orphan_records++;
		if (n->efn != NULL)
			n->efn(n->arg, ev->serial, "SOCKADDR record without a "
			    "SYSCALL record: event dropped (records lost or "
			    "reordered; check the kernel's lost counter)");
		return;
	}
	n->stats.events++;
	n->fn(n->arg, ev);
}

/* --- the parser state ------------------------------------------------------ */

static auparse_state_t *
norm_parser(struct ad_norm *n)
{
	auparse_state_t *au = auparse_init(AUSOURCE_FEED, NULL);

	if (au == NULL)
		return NULL;
	auparse_set_escape_mode(au, AUPARSE_ESC_RAW);
	auparse_add_callback(au, on_event, n, NULL);
	return au;
}

/*
 * libauparse (3.0.9) keeps the events it builds in a table and walks it,
 * from the first slot to the highest ever used, three times for each
 * record and twice more for each event handed out; the mark never comes
 * down.  It hands out events in timestamp order, so one exec whose
 * records the kernel spread over 5,000 lines of a chmod storm (the bench
 * log, two cores) parks every event after it: 1,290 slots, walked for
 * every record of the rest of the file, 71% of a replay's time.  When
 * nothing is open, a new state is the same state with the mark at zero
 * (the callers feed whole lines: nothing is left in its buffer).
 *
 * Renewing costs what auparse_init does, reading auditd.conf among it,
 * so it is done only after the table may have held many: when one feed
 * handed out NORM_FRESH_BURST events or more (parked events go out
 * together when the one before them ends; a live turn's feed does too),
 * at most once per NORM_FRESH_MIN events, at the first chance where the
 * table can be empty: after a feed whose last record ends its event, or
 * a release.  While something stays open, at every NORM_FRESH_SKIP + 1st
 * such chance (a look costs about one feed).  auparse_init also sets
 * libauparse's process-wide end-of-event timeout from auditd.conf: an
 * edited auditd.conf takes effect at the next renewal.  Replay of the bench log,
 * --jobs 1: renewing at most every 0 / 512 / 2,048 / 8,192 events took
 * 0.91-1.00 / 0.73-0.88 / 0.84-0.99 / 1.08-1.20 s of user CPU; the live
 * path's table stays small (23 slots: audrift's own rule records at
 * start), and is renewed about once per 512 events of a storm.
 */
#define NORM_FRESH_BURST	16
#define NORM_FRESH_SKIP		3
#define NORM_FRESH_MIN		512	/* events between renewals, at least */

/* 1 if data ends with a whole line that is a PROCTITLE or an EOE. */
static int
ends_event(const char *data, size_t len)
{
	const char *p, *end;

	if (len < 2 || data[len - 1] != '\n')
		return 0;
	end = data + len - 1;	/* at the last newline */
	p = memrchr(data, '\n', len - 1);
	p = p != NULL ? p + 1 : data;
	if (end - p > 5 && memcmp(p, "node=", 5) == 0) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (p == NULL)
			return 0;
		p++;
	}
	return ad_norm_type_ends(p, (size_t)(end - p));
}

static void
norm_refresh(struct ad_norm *n, uint64_t before, int chance)
{
	auparse_state_t *au;

	if (n->stats.events - before >= NORM_FRESH_BURST)
		n->fresh_want = 1;
	if (!n->fresh_want || !chance || n->fresh_partial ||
	    (n->stats.parser_renewed > 0 &&
	    n->stats.events < n->fresh_at + NORM_FRESH_MIN))
		return;
	if (n->fresh_skip > 0) {
		n->fresh_skip--;
		return;
	}
	/* an empty feed hands out what is complete, as the next feed would
	 * first: the order of events is the same */
	(void)auparse_feed(n->au, "", 0);
	if (auparse_feed_has_data(n->au)) {
		n->fresh_skip = NORM_FRESH_SKIP;
		return;
	}
	if ((au = norm_parser(n)) == NULL)
		return;		/* keep the old one: slower, not wrong */
	auparse_destroy_ext(n->au, AUPARSE_DESTROY_COMMON);
	n->au = au;
	n->fresh_want = 0;
	n->fresh_at = n->stats.events;
	n->stats.parser_renewed++;
}

/* --- public --------------------------------------------------------------- */

int
ad_norm_type_ends(const char *type, size_t n)
{
	return (n >= 15 && memcmp(type, "type=PROCTITLE ", 15) == 0) ||
	    (n >= 9 && memcmp(type, "type=EOE ", 9) == 0);
}

struct ad_norm *
ad_norm_new(ad_event_fn fn, ad_norm_error_fn efn, void *arg)
{
	struct ad_norm *n = xcalloc(1, sizeof(*n));

	n->au = norm_parser(n);
	if (n->au == NULL) {
		log_warn("cannot start libauparse (feed mode); check that "
		    "libauparse is installed and memory is available");
		free(n);
		return NULL;
	}
	n->fn = fn;
	n->efn = efn;
	n->arg = arg;
	ad_buf_init(&n->arena);
	ad_buf_init(&n->tmp);
	return n;
}

void
ad_norm_free(struct ad_norm *n)
{
	if (n == NULL)
		return;
	auparse_destroy(n->au);
	ad_buf_free(&n->arena);
	ad_buf_free(&n->tmp);
	free(n->argv);
	free(n);
}

void
ad_norm_set_attribution(struct ad_norm *n, enum ad_attr a)
{
	n->attribution = a;
}

int
ad_norm_feed(struct ad_norm *n, const char *data, size_t len)
{
	uint64_t before = n->stats.events;
	int rc = auparse_feed(n->au, data, len) == 0 ? 0 : -1;

	/* a line cut short stays in libauparse's buffer, which a new state
	 * would not have: no renewal until a feed ends a line (the callers
	 * feed whole lines; this keeps a future one that does not safe) */
	if (len > 0)
		n->fresh_partial = data[len - 1] != '\n';
	norm_refresh(n, before, ends_event(data, len));
	return rc;
}

/*
 * libauparse (3.0.9) keeps the last complete event of a multi-line feed
 * until its next feed call; from a stream (the auditd plugin) that is the
 * next ageing tick, 500 ms later.  An empty feed hands it out now.
 */
void
ad_norm_release(struct ad_norm *n)
{
	uint64_t before = n->stats.events;

	(void)auparse_feed(n->au, "", 0);
	norm_refresh(n, before, 1);
}

void
ad_norm_flush(struct ad_norm *n)
{
	auparse_flush_feed(n->au);
}

void
ad_norm_age(struct ad_norm *n)
{
	auparse_feed_age_events(n->au);
}

int
ad_norm_pending(struct ad_norm *n)
{
	return auparse_feed_has_data(n->au);
}

const struct ad_norm_stats *
ad_norm_stats(const struct ad_norm *n)
{
	return &n->stats;
}
