/*
 * test_normalize.c - records in, normalized events out.
 *
 * Each test feeds audit text shaped like what this machine's kernel
 * logged (tests/golden/logs/) and checks the event the callback saw.
 * Events are borrowed during the callback, so the test copies what it
 * checks into `struct seen`.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "normalize.h"
#include "util.h"

#define MAXSEEN 8

struct seen {
	uint64_t serial;
	int64_t sec;
	unsigned ms;
	enum ad_op op;
	char *syscall, *exe, *comm, *cwd, *key, *cmdline, *proctitle;
	char *path, *path2, *node;
	size_t path_len;
	int argc, nitems, items_logged, success;
	char *argv[8];
	size_t argv_len[8];
	pid_t pid;
	uint32_t auid, uid;
	unsigned dev_major, dev_minor;
	uint64_t inode;
};

static struct seen seen[MAXSEEN];
static int nseen;
static int nerrors;
static uint64_t order[1024];	/* every serial handed out, in order */
static int norder;

static char *
dup_str(const struct ad_str *s)
{
	return s->s ? xstrndup(s->s, s->len) : NULL;
}

static void
on_event(void *arg, struct ad_event *ev)
{
	struct seen *s;
	const struct ad_item *f;
	int i;

	if (norder < (int)(sizeof(order) / sizeof(order[0])))
		order[norder++] = ev->serial;
	if (nseen == MAXSEEN)
		return;
	s = &seen[nseen++];
	memset(s, 0, sizeof(*s));
	s->serial = ev->serial;
	s->sec = ev->sec;
	s->ms = ev->ms;
	s->op = ev->op;
	s->syscall = ev->syscall_name ? xstrdup(ev->syscall_name) : NULL;
	s->exe = dup_str(&ev->proc.exe);
	s->comm = dup_str(&ev->proc.comm);
	s->cwd = dup_str(&ev->cwd);
	s->key = dup_str(&ev->key);
	s->node = dup_str(&ev->node);
	s->cmdline = dup_str(&ev->proc.cmdline);
	s->proctitle = dup_str(&ev->proc.proctitle);
	s->argc = ev->proc.argc;
	for (i = 0; i < ev->proc.argc && i < 8; i++) {
		s->argv[i] = dup_str(&ev->proc.argv[i]);
		s->argv_len[i] = ev->proc.argv[i].len;
	}
	if ((f = ad_event_file(ev)) != NULL) {
		s->path = dup_str(&f->path);
		s->path_len = f->path.len;
		s->dev_major = f->dev_major;
		s->dev_minor = f->dev_minor;
		s->inode = f->inode;
	}
	if ((f = ad_event_file2(ev)) != NULL)
		s->path2 = dup_str(&f->path);
	s->nitems = ev->nitems;
	s->items_logged = ev->items_logged;
	s->success = ev->success;
	s->pid = ev->proc.pid;
	s->auid = ev->proc.auid;
	s->uid = ev->proc.uid;
}

static void
on_error(void *arg, uint64_t serial, const char *msg)
{
	nerrors++;
}

static void
clear_seen(void)
{
	int i, j;

	for (i = 0; i < nseen; i++) {
		struct seen *s = &seen[i];

		free(s->syscall); free(s->exe); free(s->comm); free(s->cwd);
		free(s->key); free(s->cmdline); free(s->proctitle);
		free(s->path); free(s->path2); free(s->node);
		for (j = 0; j < 8; j++)
			free(s->argv[j]);
	}
	nseen = 0;
	nerrors = 0;
	norder = 0;
}

static void
feed(const char *text)
{
	struct ad_norm *n = ad_norm_new(on_event, on_error, NULL);

	clear_seen();
	assert_non_null(n);
	assert_int_equal(ad_norm_feed(n, text, strlen(text)), 0);
	ad_norm_flush(n);
	ad_norm_free(n);
}

#define SC(serial, rest) "type=SYSCALL msg=audit(1795432701.360:" #serial \
	"): arch=c000003e " rest "\n"
#define REC(type, serial, rest) "type=" type " msg=audit(1795432701.360:" \
	#serial "): " rest "\n"

static int
teardown(void **state)
{
	clear_seen();
	return 0;
}

static void
test_rename_in_container(void **state)
{
	/* the shape logged for busybox mv inside a podman container:
	 * copy-up adds name=(null) items; the DELETE is on the upper fs */
	feed(SC(723, "syscall=82 success=yes exit=0 a0=7ffd a1=7ffe a2=0 a3=0 "
	    "items=7 ppid=7443 pid=7455 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=14 "
	    "comm=\"busybox\" exe=\"/bin/busybox\" key=\"audrift-file\"")
	    REC("CWD", 723, "cwd=\"/\"")
	    REC("PATH", 723, "item=0 name=\"/usr/bin/\" inode=1 dev=00:27 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 723, "item=1 name=\"/usr/bin/\" inode=1 dev=00:27 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 723, "item=2 name=\"/usr/bin/drift1\" inode=2 "
	    "dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=DELETE")
	    REC("PATH", 723, "item=3 name=\"/usr/bin/drift1.moved\" inode=2 "
	    "dev=00:27 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=CREATE")
	    REC("PATH", 723, "item=4 name=(null) inode=3 dev=fe:00 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 723, "item=5 name=(null) inode=3 dev=fe:00 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 723, "item=6 name=(null) inode=3 dev=fe:00 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PROCTITLE", 723, "proctitle=6D76002F7573722F62696E2F647269667431"));
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].serial, 723);
	assert_int_equal(seen[0].sec, 1795432701);
	assert_int_equal(seen[0].ms, 360);
	assert_int_equal(seen[0].op, AD_OP_RENAME);
	assert_string_equal(seen[0].syscall, "rename");
	assert_string_equal(seen[0].path, "/usr/bin/drift1");
	assert_string_equal(seen[0].path2, "/usr/bin/drift1.moved");
	assert_int_equal(seen[0].nitems, 4);	/* null items dropped */
	assert_int_equal(seen[0].items_logged, 7);
	assert_string_equal(seen[0].key, "audrift-file");
	assert_string_equal(seen[0].proctitle, "mv /usr/bin/drift1");
	assert_int_equal(seen[0].pid, 7455);
	assert_int_equal(seen[0].success, 1);
}

static void
test_hex_names(void **state)
{
	/* "/tmp/d/new\nline" and "/tmp/d/bad\xff\xfe" are logged in hex */
	feed(SC(10, "syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=941 "
	    "a3=1b6 items=2 ppid=1 pid=2 auid=4294967295 uid=0 gid=0 euid=0 "
	    "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=4294967295 "
	    "comm=\"touch\" exe=\"/usr/bin/touch\" key=(null)")
	    REC("CWD", 10, "cwd=\"/tmp\"")
	    REC("PATH", 10, "item=0 name=\"/tmp/d/\" inode=5 dev=fe:00 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 10, "item=1 name=2F746D702F642F6E65770A6C696E65 "
	    "inode=6 dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=CREATE")
	    SC(11, "syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=941 "
	    "a3=1b6 items=2 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"touch\" "
	    "exe=\"/usr/bin/touch\" key=(null)")
	    REC("CWD", 11, "cwd=\"/tmp\"")
	    REC("PATH", 11, "item=0 name=\"d/\" inode=5 dev=fe:00 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 11, "item=1 name=642F626164FFFE inode=7 dev=fe:00 "
	    "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=CREATE"));
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].op, AD_OP_CREATE);
	assert_string_equal(seen[0].path, "/tmp/d/new\nline");
	assert_null(seen[0].key);
	assert_int_equal(seen[0].auid, UINT32_MAX);
	/* relative name resolved against cwd, bytes exact */
	assert_int_equal(seen[1].path_len, 12);
	assert_memory_equal(seen[1].path, "/tmp/d/bad\xff\xfe", 12);
}

/* A cwd that is not absolute (no kernel writes one) is no base for a
 * relative name: the path is unknown, and nothing is written past the
 * buffer (fuzz_normalize: the fold wrote one byte past it under ASan). */
static void
test_relative_cwd(void **state)
{
	(void)state;
	feed(SC(12, "syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=941 "
	    "a3=1b6 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=1 comm=\"touch\" "
	    "exe=\"/usr/bin/touch\" key=(null)")
	    REC("CWD", 12, "cwd=\"tmpdir/with/segments\"")
	    REC("PATH", 12, "item=0 name=\"abcdefghijklmnopqrstuvwxyz\" inode=6 "
	    "dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 "
	    "nametype=CREATE"));
	assert_int_equal(nseen, 1);
	assert_null(seen[0].path);
}

static void
test_execve_split(void **state)
{
	/* a1 split as a1_len/a1[i] across two EXECVE records, a quoted
	 * argument and a hex one */
	feed(SC(948, "syscall=59 success=yes exit=0 a0=1 a1=2 a2=3 a3=4 "
	    "items=1 ppid=1 pid=9 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
	    "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"true\" "
	    "exe=\"/usr/bin/true\" key=\"audrift-exec\"")
	    REC("EXECVE", 948, "argc=4 a0=\"/bin/true\" a1_len=8 a1[0]=4142")
	    REC("EXECVE", 948, " a1[1]=4344 a2=782079 "
	    "a3=697427732061202271756F7465642220617267")
	    REC("CWD", 948, "cwd=\"/root\"")
	    REC("PATH", 948, "item=0 name=\"/bin/true\" inode=8 dev=fe:00 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"));
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].op, AD_OP_EXEC);
	assert_int_equal(seen[0].argc, 4);
	assert_string_equal(seen[0].argv[0], "/bin/true");
	assert_string_equal(seen[0].argv[1], "ABCD");
	assert_string_equal(seen[0].argv[2], "x y");
	assert_string_equal(seen[0].argv[3], "it's a \"quoted\" arg");
	assert_string_equal(seen[0].cmdline,
	    "/bin/true ABCD x y it's a \"quoted\" arg");
	assert_string_equal(seen[0].path, "/bin/true");
	assert_int_equal(nerrors, 0);
}

static void
test_interleaved_no_eoe(void **state)
{
	/* two events interleaved, no EOE records (as in audit.log) */
	feed(SC(1, "syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 a3=0 "
	    "items=1 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
	    "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"chmod\" "
	    "exe=\"/bin/chmod\" key=\"k1\"")
	    SC(2, "syscall=87 success=no exit=-2 a0=1 a1=0 a2=0 a3=0 "
	    "items=2 ppid=1 pid=6 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
	    "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"rm\" "
	    "exe=\"/bin/rm\" key=\"k2\"")
	    REC("PATH", 1, "item=0 name=\"/usr/bin/x\" inode=8 dev=00:27 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL")
	    REC("PATH", 2, "item=0 name=\"/usr/bin/\" inode=8 dev=00:27 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 2, "item=1 name=\"/usr/bin/y\" nametype=DELETE"));
	assert_int_equal(nseen, 2);
	/* both complete, whichever order auparse hands them over */
	{
		struct seen *a = seen[0].serial == 1 ? &seen[0] : &seen[1];
		struct seen *b = seen[0].serial == 1 ? &seen[1] : &seen[0];

		assert_int_equal(a->op, AD_OP_CHMOD);
		assert_string_equal(a->path, "/usr/bin/x");
		assert_int_equal(a->dev_major, 0);
		assert_int_equal(a->dev_minor, 0x27);
		assert_int_equal(b->op, AD_OP_UNLINK);
		assert_int_equal(b->success, 0);
		assert_string_equal(b->path, "/usr/bin/y");
	}
}

/* A stream (the auditd plugin) is fed a chunk of records at once: an
 * event whose EOE is in the chunk comes out at once after
 * ad_norm_release, not at the next ageing tick. */
static void
test_batch_released(void **state)
{
	static const char text[] =
	    SC(30, "syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 a3=0 "
	    "items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
	    "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"chmod\" "
	    "exe=\"/bin/busybox\" key=\"audrift-file\"")
	    REC("PATH", 30, "item=0 name=\"/usr/bin/x\" inode=8 dev=00:27 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL")
	    REC("PROCTITLE", 30, "proctitle=63686D6F64")
	    REC("EOE", 30, "");
	struct ad_norm *n = ad_norm_new(on_event, on_error, NULL);

	clear_seen();
	assert_non_null(n);
	assert_int_equal(ad_norm_feed(n, text, strlen(text)), 0);
	ad_norm_release(n);
	assert_int_equal(nseen, 1);	/* before any flush or ageing */
	assert_int_equal(seen[0].op, AD_OP_CHMOD);
	ad_norm_flush(n);
	assert_int_equal(nseen, 1);
	ad_norm_free(n);
}

/*
 * normalize.c renews libauparse's state when nothing is open.  Events
 * parked behind an open one (libauparse hands out in timestamp order)
 * must survive it: serial 1 stays open over 199 complete events, serials
 * 800 and 900 over 50 each, each line fed on its own as a reader feeds;
 * every serial comes out once, in order, and the state was renewed after
 * the first two parks only (the third drains within 512 events of the
 * second: renewing reads auditd.conf).  Needs auditd.conf's default
 * end_of_event_timeout (or none): all the events have one timestamp.
 */
static void
chmod_line(struct ad_buf *b, unsigned serial, const char *type)
{
	ad_buf_printf(b, "type=%s msg=audit(1795432701.360:%u): ", type,
	    serial);
	if (strcmp(type, "SYSCALL") == 0)
		ad_buf_printf(b, "arch=c000003e syscall=90 success=yes exit=0 "
		    "a0=1 a1=1ed a2=0 a3=0 items=1 ppid=1 pid=%u auid=0 "
		    "uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "
		    "fsgid=0 tty=(none) ses=1 comm=\"chmod\" "
		    "exe=\"/bin/chmod\" key=\"k\"\n", serial);
	else if (strcmp(type, "PATH") == 0)
		ad_buf_printf(b, "item=0 name=\"/usr/bin/x\" inode=8 "
		    "dev=00:27 mode=0100755 ouid=0 ogid=0 rdev=00:00 "
		    "nametype=NORMAL\n");
	else
		ad_buf_printf(b, "proctitle=63686D6F64\n");
}

static void
test_parser_renewed(void **state)
{
	struct ad_norm *n = ad_norm_new(on_event, on_error, NULL);
	struct ad_buf b;
	unsigned s, head[] = { 1, 800, 900 }, tail[] = { 200, 850, 950 };
	size_t i, at, nl;
	int k;

	clear_seen();
	assert_non_null(n);
	ad_buf_init(&b);
	for (s = 1; s <= 1000; s++) {
		chmod_line(&b, s, "SYSCALL");
		chmod_line(&b, s, "PATH");
		for (k = 0; k < 3; k++)
			if (s == tail[k])	/* the open one ends */
				chmod_line(&b, head[k], "PROCTITLE");
		if (s != head[0] && s != head[1] && s != head[2])
			chmod_line(&b, s, "PROCTITLE");
	}
	for (at = 0; at < b.len; at = nl + 1) {
		nl = (size_t)((const char *)memchr(b.p + at, '\n',
		    b.len - at) - b.p);
		assert_int_equal(ad_norm_feed(n, b.p + at, nl + 1 - at), 0);
	}
	ad_norm_flush(n);
	assert_int_equal(norder, 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(order[i], i + 1);
	assert_int_equal(ad_norm_stats(n)->parser_renewed, 2);
	assert_int_equal(ad_norm_stats(n)->events, 1000);
	ad_buf_free(&b);
	ad_norm_free(n);
}

static void
test_open_flags(void **state)
{
	/* openat read-only of an existing file is not a write */
	feed(SC(20, "syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=0 "
	    "a3=0 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cp\" "
	    "exe=\"/bin/busybox\" key=\"audrift-file\"")
	    REC("PATH", 20, "item=0 name=\"/bin/busybox\" inode=8 dev=00:27 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL")
	    SC(21, "syscall=257 success=yes exit=3 a0=ffffff9c a1=1 a2=241 "
	    "a3=1ed items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"cp\" "
	    "exe=\"/bin/busybox\" key=\"audrift-file\"")
	    REC("PATH", 21, "item=0 name=\"/usr/bin/x\" inode=8 dev=00:27 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL"));
	assert_int_equal(nseen, 2);
	assert_int_equal(seen[0].op, AD_OP_OTHER);
	assert_int_equal(seen[1].op, AD_OP_OPEN_WRITE);
}

static void
test_enriched_and_node(void **state)
{
	feed("node=web-1 type=SYSCALL msg=audit(1795432701.360:30): "
	    "arch=c000003e syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 "
	    "a3=0 items=1 ppid=1 pid=5 auid=0 uid=0 gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"chmod\" "
	    "exe=\"/bin/chmod\" key=\"k1\"\x1d" "ARCH=x86_64 SYSCALL=chmod "
	    "AUID=\"root\" UID=\"root\"\n"
	    "node=web-1 type=PATH msg=audit(1795432701.360:30): item=0 "
	    "name=\"/usr/bin/x\" inode=8 dev=00:27 mode=0100755 ouid=0 "
	    "ogid=0 rdev=00:00 nametype=NORMAL\x1dOUID=\"root\" OGID=\"root\"\n");
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].op, AD_OP_CHMOD);
	assert_string_equal(seen[0].exe, "/bin/chmod");
	assert_string_equal(seen[0].key, "k1");
	assert_string_equal(seen[0].node, "web-1");
	assert_string_equal(seen[0].path, "/usr/bin/x");
}

static void
test_bad_field(void **state)
{
	/* pid=abc: reported, the event still delivered with pid unset */
	feed(SC(40, "syscall=90 success=yes exit=0 a0=1 a1=1ed a2=0 a3=0 "
	    "items=0 ppid=1 pid=abc auid=0 uid=zz gid=0 euid=0 suid=0 "
	    "fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"chmod\" "
	    "exe=\"/bin/chmod\" key=\"k1\""));
	assert_int_equal(nseen, 1);
	assert_int_equal(nerrors, 2);
	assert_int_equal(seen[0].pid, 0);
	assert_string_equal(seen[0].comm, "chmod");
}

/*
 * Numbers: the kernel's plain digits take the fast path; a sign, an
 * overflow, a 0x or trailing bytes get what strtoull says, as before it;
 * dev= is hex MAJ:MIN and nothing else.
 */
static void
test_numbers(void **state)
{
	feed(SC(41, "syscall=90 success=yes exit=-2 a0=1 items=1 ppid=1 "
	    "pid=+7 auid=4294967295 uid=18446744073709551616 gid=0 "
	    "euid=-1 suid=0 fsuid=0 egid=0 ses=1 comm=\"c\" exe=\"/e\" "
	    "key=(null)")
	    REC("PATH", 41, "item=0 name=\"/f\" inode=99 dev=fd:0a1 "
	    "mode=0100644 ouid=0 ogid=0 nametype=NORMAL"));
	assert_int_equal(nseen, 1);
	assert_int_equal(seen[0].pid, 7);		/* strtoll's "+7" */
	assert_int_equal(seen[0].auid, UINT32_MAX);
	assert_int_equal(seen[0].uid, 0);		/* overflow: unset */
	assert_int_equal(nerrors, 1);
	assert_int_equal(seen[0].dev_major, 0xfd);
	assert_int_equal(seen[0].dev_minor, 0xa1);

	/* dev= with trailing bytes, a sign or 9 digits: not a device */
	feed(SC(42, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 42, "item=0 name=\"/f\" inode=1 dev=fd:00x")
	    SC(43, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 43, "item=0 name=\"/f\" inode=1 dev=-1:00")
	    SC(44, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 44, "item=0 name=\"/f\" inode=1 dev=123456789:0"));
	assert_int_equal(nseen, 3);
	assert_int_equal(nerrors, 3);
	assert_int_equal(seen[0].dev_major, 0);
	assert_int_equal(seen[2].dev_minor, 0);

	/* the largest inode there is, and one more (parse_u64's bound) */
	feed(SC(45, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 45, "item=0 name=\"/f\" inode=18446744073709551615 "
	    "dev=fd:00")
	    SC(46, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 46, "item=0 name=\"/f\" inode=18446744073709551616 "
	    "dev=fd:00")
	    SC(47, "syscall=90 success=yes exit=0 items=1 ppid=1 pid=2 "
	    "auid=0 uid=0 comm=\"c\" exe=\"/e\"")
	    REC("PATH", 47, "item=0 name=\"/f\" inode=1844674407370955161 "
	    "dev=fd:00"));
	assert_int_equal(nseen, 3);
	assert_true(seen[0].inode == UINT64_MAX);
	assert_true(seen[1].inode == 0);		/* overflow: unset */
	assert_true(seen[2].inode == 1844674407370955161ull);
}

static void
test_path_folding(void **state)
{
	feed(SC(50, "syscall=87 success=yes exit=0 a0=1 a1=0 a2=0 a3=0 "
	    "items=2 ppid=1 pid=6 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
	    "egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm=\"rm\" "
	    "exe=\"/bin/rm\" key=\"k2\"")
	    REC("CWD", 50, "cwd=\"/usr/lib\"")
	    REC("PATH", 50, "item=0 name=\"../bin/\" inode=8 dev=00:27 "
	    "mode=040755 ouid=0 ogid=0 rdev=00:00 nametype=PARENT")
	    REC("PATH", 50, "item=1 name=\".././bin//ls\" inode=9 dev=00:27 "
	    "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=DELETE"));
	assert_int_equal(nseen, 1);
	assert_string_equal(seen[0].path, "/usr/bin/ls");
	assert_string_equal(seen[0].cwd, "/usr/lib");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rename_in_container, teardown),
		cmocka_unit_test_teardown(test_hex_names, teardown),
		cmocka_unit_test_teardown(test_relative_cwd, teardown),
		cmocka_unit_test_teardown(test_execve_split, teardown),
		cmocka_unit_test_teardown(test_interleaved_no_eoe, teardown),
		cmocka_unit_test_teardown(test_open_flags, teardown),
		cmocka_unit_test_teardown(test_enriched_and_node, teardown),
		cmocka_unit_test_teardown(test_bad_field, teardown),
		cmocka_unit_test_teardown(test_numbers, teardown),
		cmocka_unit_test_teardown(test_path_folding, teardown),
		cmocka_unit_test_teardown(test_batch_released, teardown),
		cmocka_unit_test_teardown(test_parser_renewed, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
