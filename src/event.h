/*
 * event.h - the normalized audit event.
 *
 * One audit event (all records sharing one msg=audit(sec.ms:serial) id)
 * becomes one struct ad_event.  The normalizer owns the event and every
 * string it points to: they live in a per-normalizer arena that is reset
 * before each event, so handing an event to a callback allocates nothing.
 * A consumer that keeps anything past its callback must copy it.
 *
 * Ownership rule for the whole project (see also util.h): constructors
 * return owned objects, x_free(NULL) is a no-op, inserting into a
 * container passes ownership, and a borrowed pointer is documented as such.
 */
#ifndef AUDRIFT_EVENT_H
#define AUDRIFT_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net.h"

/* Operation class, derived from the syscall (and open flags) by the one
 * table in event.c.  The names (ad_op_name) are the ones rules use. */
enum ad_op {
	AD_OP_OTHER = 0,
	AD_OP_EXEC,
	AD_OP_OPEN_WRITE,	/* "write" */
	AD_OP_CREATE,
	AD_OP_CHMOD,
	AD_OP_CHOWN,
	AD_OP_LINK,
	AD_OP_SYMLINK,
	AD_OP_RENAME,
	AD_OP_UNLINK,
	AD_OP_UTIMES,
	AD_OP_TRUNCATE,
	AD_OP_MKDIR,
	AD_OP_MOUNT,
	AD_OP_BIND,		/* the network operations (net.op) */
	AD_OP_LISTEN,
	AD_OP_CONNECT,
	AD_OP_ACCEPT,
	AD_OP_DUP,		/* dup2/dup3 onto fd 0, 1 or 2 */
	AD_OP__COUNT
};

/* The network operations.  A rule sees them only when it names them
 * (net.op or file.op): a rule that does not test the operation is not
 * tried on network events, and no kernel rule is added for it
 * (ad_cexpr_opmask, interest.c). */
#define AD_OPS_NET	(1u << AD_OP_BIND | 1u << AD_OP_LISTEN | \
	1u << AD_OP_CONNECT | 1u << AD_OP_ACCEPT | 1u << AD_OP_DUP)
#define AD_OPS_ALL	((1u << AD_OP__COUNT) - 1)

/* PATH record nametype= */
enum ad_nametype {
	AD_NT_UNKNOWN = 0,
	AD_NT_NORMAL,
	AD_NT_PARENT,
	AD_NT_CREATE,
	AD_NT_DELETE,
	AD_NT__COUNT
};

/* Where a container attribution came from (filled by the container
 * resolver; replayed events say AD_ATTR_REPLAY). */
enum ad_attr {
	AD_ATTR_NONE = 0,	/* not looked up */
	AD_ATTR_REPLAY,		/* replayed log: no /proc to read */
	AD_ATTR_HOST,		/* looked up: not in a container */
	AD_ATTR_PID,		/* live pid, start time checked */
	AD_ATTR_CACHE,		/* pid cache filled at exec / start scan */
	AD_ATTR_DEVICE,		/* overlay device of the event's files */
	AD_ATTR_PPID,		/* parent pid */
	AD_ATTR_UNKNOWN,	/* looked up, could not tell */
	AD_ATTR_LINEAGE,	/* the pid's ancestry in exec records, up to
				   the OCI runtime that named the container */
	AD_ATTR_LATE,		/* no syscall seen: found in the container's
				   upper layer when audrift learned of it */
	AD_ATTR__COUNT
};

/* What an event is.  Events from audit records are syscall events; the
 * other kinds carry no syscall (docs/events.md). */
enum ad_kind {
	AD_KIND_SYSCALL = 0,
	AD_KIND_AFTER,		/* after_the_fact: found in a container's upper
				   layer (attribution AD_ATTR_LATE) */
	AD_KIND_CONTAINER_START,	/* a container first seen: its posture */
	AD_KIND__COUNT
};

/* A counted byte string.  Decoded audit values may hold any byte except
 * NUL (file names cannot hold NUL; proctitle NULs become spaces), so s is
 * also NUL-terminated; len excludes the terminator.  s == NULL means the
 * value was absent or logged as (null). */
struct ad_str {
	const char *s;
	size_t len;
};

#define AD_MAX_ITEMS	8	/* meaningful PATH items kept per event */
#define AD_MAX_TYPES	16	/* distinct record types remembered */

struct ad_item {
	int index;		/* item= as logged */
	struct ad_str name;	/* name= decoded, as logged (may be relative) */
	struct ad_str path;	/* name resolved against cwd, lexically */
	enum ad_nametype nametype;
	uint64_t inode;
	unsigned dev_major, dev_minor;	/* dev=MM:mm (hex in the log) */
	unsigned mode;		/* st_mode, mode= (octal in the log) */
	int has_inode;		/* 0 when the item has no inode (ENOENT) */
	uint32_t ouid, ogid;
};

struct ad_proc {
	pid_t pid, ppid;
	pid_t vpid;		/* pid in its own pid namespace (the last
				   NSpid of /proc/PID/status), filled by the
				   resolver while the process lives; 0 unknown */
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid;
	uint32_t auid;		/* (uint32_t)-1 = unset */
	uint32_t ses;
	struct ad_str tty;	/* "(none)" kept as logged */
	struct ad_str comm;
	struct ad_str exe;
	int argc;		/* argc= of EXECVE; 0 when there was none */
	const struct ad_str *argv;	/* argc entries, decoded, rejoined */
	struct ad_str cmdline;	/* argv joined with spaces */
	struct ad_str proctitle;	/* PROCTITLE, NULs turned to spaces */
};

struct ad_container;		/* container.h; NULL when none */

/* Is fd 0, 1 or 2 of the process a TCP or UDP socket? */
#define AD_STDIO_UNREAD	0	/* not looked at */
#define AD_STDIO_NO	1
#define AD_STDIO_NET	2

/* Where an event's socket address came from. */
enum ad_net_src {
	AD_NSRC_NONE = 0,
	AD_NSRC_RECORD,		/* its SOCKADDR record */
	AD_NSRC_BIND,		/* the same process's bind on that fd */
	AD_NSRC_PROC,		/* /proc/PID/net of the live process */
	AD_NSRC__COUNT
};

struct ad_event {
	uint64_t serial;
	int64_t sec;		/* audit timestamp, seconds since epoch */
	unsigned ms;		/* and milliseconds */
	struct ad_str node;	/* node= prefix, if any */

	uint32_t arch;		/* AUDIT_ARCH_* value, arch= */
	const char *arch_name;	/* "x86_64", "i386", ...: static */
	int syscall;		/* -1 when the event has no SYSCALL record */
	const char *syscall_name;	/* static, NULL if unknown */
	int success;		/* 1 yes, 0 no, -1 not logged */
	int64_t exit;		/* exit= */
	uint64_t a[4];		/* a0..a3 of SYSCALL, raw */

	struct ad_proc proc;
	struct ad_str cwd;

	int nitems;		/* meaningful items kept, <= AD_MAX_ITEMS */
	int items_logged;	/* PATH records seen, null ones included */
	struct ad_item items[AD_MAX_ITEMS];
	int file_idx;		/* index into items of the primary file, -1 */
	int file2_idx;		/* rename destination, link/symlink target, -1 */

	enum ad_op op;
	struct ad_str key;	/* key= of SYSCALL, NULL if (null) */

	int ntypes;
	int types[AD_MAX_TYPES];	/* record types seen, in order */

	/* The socket address: the SOCKADDR record's (bind, connect: the
	 * address asked for; accept: the peer), or, for a listen, the
	 * address of the socket (net_src says where from); for an exec or
	 * a dup onto 0-2, the peer of a standard fd that is a TCP or UDP
	 * socket.  net.present == 0: none. */
	struct ad_net net;
	enum ad_net_src net_src;
	int stdio_net;		/* AD_STDIO_*: read live (netstate.h) */

	enum ad_kind kind;	/* set for container_start (ad_event_kind) */

	/* Filled by the container resolver; NULL / AD_ATTR_NONE before. */
	const struct ad_container *container;
	enum ad_attr attribution;
	int exe_upper_layer;	/* -1 unknown, 0 no, 1 yes */
	int file_upper_layer;	/* -1 unknown, 0 no, 1 yes */
};

/* An event audrift makes itself, with no audit record behind it (its
 * own findings, changes found after the fact, container starts): zeroed,
 * stamped with wall time now_ms, and every "not logged" marker set
 * (no syscall, success unknown, auid unset, no file items, upper-layer
 * flags unknown).  The caller fills what it knows. */
void ad_event_synthetic(struct ad_event *ev, int64_t now_ms);

/* A deep copy of ev appended to b (8-aligned): the event, its argv and
 * every string, pointers turned into offsets, the item and type slots
 * past nitems and ntypes left out; static names (arch_name,
 * syscall_name) and container are kept as they are.  For handing an
 * event owned by one thread's normalizer to another (replay_split.c).
 * Returns the bytes appended, a multiple of 8 with the padding. */
struct ad_buf;
size_t ad_event_pack(struct ad_buf *b, const struct ad_event *ev);
/* The event ad_event_pack wrote at p (8-aligned, writable) in *ev: the
 * slots it left out zeroed, its strings and argv pointing into p (argv's
 * pointers turned back in place: call once per p).  Valid while p is.
 * Returns ev. */
struct ad_event *ad_event_unpack(void *p, struct ad_event *ev);

/* Table lookups (event.c).  Names are static strings; never NULL. */
const char *ad_op_name(enum ad_op op);
int ad_op_from_name(const char *name, enum ad_op *out);	/* 0 ok, -1 no */
const char *ad_nametype_name(enum ad_nametype nt);
const char *ad_attr_name(enum ad_attr a);
const char *ad_net_src_name(enum ad_net_src s);
const char *ad_kind_name(enum ad_kind k);
int ad_kind_from_name(const char *name, enum ad_kind *out); /* 0 ok, -1 */
/* ev's kind: ev->kind, or after_the_fact for an event found late. */
enum ad_kind ad_event_kind(const struct ad_event *ev);

/* Classify syscall `nr` for `arch` (with the open flags, for open-like
 * calls, taken from the event's a[] and the created items).  Pure. */
enum ad_op ad_op_classify(const struct ad_event *ev);

/* THE syscall table (event.c): one row per syscall audrift classifies,
 * ended by a NULL name; used for events and for the kernel rules. */
#define AD_SC_D0	0x1	/* dirfds: a0 is a directory fd */
#define AD_SC_D1	0x2
#define AD_SC_D2	0x4
#define AD_SC_DIR	0x1	/* kernel: in the -F dir= file rules */
#define AD_SC_NOPERM	0x2	/* kernel: in no perm class: no perm= */
#define AD_SC_NET	0x4	/* kernel: a network rule (kernel_rules.c) */
struct ad_syscall {
	const char *name;	/* libaudit's: the same on every arch */
	enum ad_op op;		/* open-like ones refined by flags */
	unsigned dirfds;	/* AD_SC_D*: args resolving relative names */
	int nr;			/* when libaudit lacks the name; -1 none */
	unsigned kernel;	/* AD_SC_DIR, AD_SC_NOPERM, AD_SC_NET */
};
extern const struct ad_syscall ad_syscalls[];
/* The operations a row's calls can make (open-like: write or create). */
uint32_t ad_syscall_ops(const struct ad_syscall *sc);

/* Bit i set: argument a[i] of the event's syscall is a directory fd that
 * relative names are resolved against (the *at calls).  Looked up by
 * name: call only when a relative name needs it. */
unsigned ad_syscall_dirfds(const struct ad_event *ev);

/* The primary file item, the second one (rename target, link target),
 * or NULL. */
const struct ad_item *ad_event_file(const struct ad_event *ev);
const struct ad_item *ad_event_file2(const struct ad_event *ev);

/* Directory part of a path, without trailing slash ("/usr/bin" for
 * "/usr/bin/ls", "/" for "/ls"); writes at most cap bytes into buf,
 * returns the length or -1 if it did not fit. */
int ad_path_dir(const struct ad_str *path, char *buf, size_t cap);

/* Append the event as one JSON object (no newline) to b: every field of
 * the model, valid JSON for any byte in any name (event_json.c). */
struct ad_buf;
void ad_event_json(struct ad_buf *b, const struct ad_event *ev);

/* ISO-8601 UTC with milliseconds, "2026-11-23T10:58:01.123Z", into buf
 * (at least 32 bytes). */
void ad_event_time(const struct ad_event *ev, char *buf, size_t cap);

#endif
