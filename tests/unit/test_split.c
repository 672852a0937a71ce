/*
 * test_split.c - where `replay --jobs` cuts a file (ad_split_find), on
 * hostile input: no newline, one giant line, events interleaved across
 * the cut, garbage between records; and the packed form an event takes
 * from a worker to the merge (ad_event_pack, ad_event_unpack).
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

#include "event.h"
#include "replay_split.h"
#include "util.h"

/* Records of event `serial`: SYSCALL, CWD, then PROCTITLE (its end). */
static void
event(struct ad_buf *b, int serial, int with_end)
{
	ad_buf_printf(b, "type=SYSCALL msg=audit(1700000000.000:%d): "
	    "arch=c000003e syscall=59 success=yes exit=0 pid=1\n", serial);
	ad_buf_printf(b, "type=CWD msg=audit(1700000000.000:%d): cwd=\"/\"\n",
	    serial);
	if (with_end)
		ad_buf_printf(b, "type=PROCTITLE msg=audit(1700000000.000:%d): "
		    "proctitle=6C73\n", serial);
}

/* The serial of the record starting at off. */
static int
serial_at(const char *p, size_t off)
{
	const char *c = strchr(p + off, ':');

	return atoi(c + 1);
}

static void
test_plain_cut(void **state)
{
	struct ad_buf b;
	size_t at;
	int i;

	(void)state;
	ad_buf_init(&b);
	for (i = 1; i <= 100; i++)
		event(&b, i, 1);
	at = ad_split_find(b.p, b.len, b.len / 2, b.len);
	assert_true(at > b.len / 2 && at < b.len);
	assert_int_equal(b.p[at - 1], '\n');
	/* the cut is at an event's first record, after a PROCTITLE */
	assert_memory_equal(b.p + at, "type=SYSCALL", 12);
	assert_true(serial_at(b.p, at) > 1);
	ad_buf_free(&b);
}

static void
test_no_newline(void **state)
{
	char *p = malloc(1 << 20);

	(void)state;
	memset(p, 'x', 1 << 20);
	assert_int_equal(ad_split_find(p, 1 << 20, 1000, 1 << 20), 0);
	assert_int_equal(ad_split_find(p, 1 << 20, 0, 1 << 20), 0);
	assert_int_equal(ad_split_find(p, 10, 10, 100), 0);	/* at the end */
	free(p);
}

static void
test_giant_line(void **state)
{
	struct ad_buf b;
	size_t at, giant_end;
	int i;

	(void)state;
	ad_buf_init(&b);
	for (i = 1; i <= 10; i++)
		event(&b, i, 1);
	for (i = 0; i < 200000; i++)	/* one line, longer than a record */
		ad_buf_addc(&b, 'A');
	ad_buf_addc(&b, '\n');
	giant_end = b.len;
	for (i = 11; i <= 20; i++)
		event(&b, i, 1);
	/* never right after the giant line: it is no record */
	at = ad_split_find(b.p, b.len, 500, b.len);
	assert_true(at != giant_end);
	if (at != 0)
		assert_memory_equal(b.p + at, "type=SYSCALL", 12);
	/* from inside the giant line: a cut after it, not in it */
	at = ad_split_find(b.p, b.len, giant_end - 1000, b.len);
	assert_true(at > giant_end);
	assert_memory_equal(b.p + at, "type=SYSCALL", 12);
	/* a window that ends inside the giant line: no cut */
	assert_int_equal(ad_split_find(b.p, b.len, giant_end - 150000, 1000),
	    0);
	ad_buf_free(&b);
}

static void
test_interleaved(void **state)
{
	struct ad_buf b;
	size_t at, late;
	int i;

	(void)state;
	ad_buf_init(&b);
	for (i = 1; i <= 20; i++)
		event(&b, i, 1);
	/* event 500 opens, 40 events go by, then its PROCTITLE comes */
	event(&b, 500, 0);
	for (i = 21; i <= 60; i++)
		event(&b, i, 1);
	ad_buf_printf(&b, "type=PROCTITLE msg=audit(1700000000.000:500): "
	    "proctitle=6C73\n");
	late = b.len;
	for (i = 61; i <= 100; i++)
		event(&b, i, 1);
	/* looking from inside the open stretch: the cut comes after 500
	 * has ended, not while it is open */
	at = ad_split_find(b.p, b.len, late - 2000, b.len);
	assert_true(at >= late);
	assert_memory_equal(b.p + at, "type=SYSCALL", 12);
	ad_buf_free(&b);
}

static void
test_same_serial_or_garbage(void **state)
{
	struct ad_buf b;

	(void)state;
	ad_buf_init(&b);
	/* only garbage and blank lines: no cut */
	ad_buf_adds(&b, "garbage\n\n\nmore garbage\n\x01\x02\n");
	assert_int_equal(ad_split_find(b.p, b.len, 1, b.len), 0);
	/* events of one serial on two nodes: the same serial on both
	 * sides is no cut (the reader would not count a new serial) */
	ad_buf_reset(&b);
	ad_buf_adds(&b, "node=a type=SYSCALL msg=audit(1.000:7): pid=1\n"
	    "node=a type=PROCTITLE msg=audit(1.000:7): proctitle=6C73\n"
	    "node=b type=SYSCALL msg=audit(1.000:7): pid=1\n"
	    "node=b type=PROCTITLE msg=audit(1.000:7): proctitle=6C73\n");
	assert_int_equal(ad_split_find(b.p, b.len, 1, b.len), 0);
	ad_buf_free(&b);
}

#define STR(x)	((struct ad_str){ (x), sizeof(x) - 1 })

static void
assert_str(struct ad_str a, struct ad_str b)
{
	if (b.s == NULL) {
		assert_null(a.s);
		return;
	}
	assert_non_null(a.s);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.s, b.s, b.len);
	assert_int_equal(a.s[a.len], '\0');
}

/* An event with two of its eight items, three types, argv and a
 * socket address comes back whole from its packed form, the slots it
 * did not use zeroed, at a shifted, 8-aligned place in the buffer (as
 * events after the first of a chunk are), in less room than the struct
 * alone. */
static void
test_pack_roundtrip(void **state)
{
	struct ad_str argv[3] = { STR("sh"), STR("-c"), STR("id; x\001") };
	struct ad_event ev, back, *u;
	struct ad_buf b;
	size_t n, n2;
	int i;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.serial = 123456789;
	ev.sec = 1700000000;
	ev.ms = 42;
	ev.arch_name = "x86_64";
	ev.syscall = 59;
	ev.syscall_name = "execve";
	ev.node = STR("web-1");
	ev.proc.pid = 4242;
	ev.proc.comm = STR("sh");
	ev.proc.exe = STR("/usr/bin/dash");
	ev.proc.argc = 3;
	ev.proc.argv = argv;
	ev.proc.cmdline = STR("sh -c id; x\001");
	ev.cwd = STR("/root");
	ev.key = (struct ad_str){ NULL, 0 };
	ev.nitems = 2;
	ev.items_logged = 3;
	ev.items[0].name = STR("/usr/bin/sh");
	ev.items[0].path = STR("/usr/bin/sh");
	ev.items[0].inode = 77;
	ev.items[1].name = STR("ld.so");
	ev.items[1].path = STR("/lib64/ld.so");
	ev.items[1].mode = 0100755;
	ev.file_idx = 0;
	ev.file2_idx = -1;
	ev.ntypes = 3;
	ev.types[0] = 1300;
	ev.types[1] = 1309;
	ev.types[2] = 1327;
	ev.net.present = 1;
	ev.exe_upper_layer = 1;
	ev.file_upper_layer = -1;

	ad_buf_init(&b);
	ad_buf_addc(&b, 'x');		/* not at an aligned start */
	n = ad_event_pack(&b, &ev);
	n2 = ad_event_pack(&b, &ev);
	assert_int_equal(n, n2);
	assert_int_equal(n % 8, 0);
	assert_int_equal(b.len, 8 + 2 * n);
	assert_true(n < sizeof(ev));	/* strings and argv included */
	for (i = 0; i < 2; i++) {
		memset(&back, 0x5a, sizeof(back));
		u = ad_event_unpack(b.p + 8 + (size_t)i * n, &back);
		assert_ptr_equal(u, &back);
		assert_int_equal(u->serial, ev.serial);
		assert_int_equal(u->sec, ev.sec);
		assert_int_equal(u->ms, ev.ms);
		assert_ptr_equal(u->arch_name, ev.arch_name);
		assert_ptr_equal(u->syscall_name, ev.syscall_name);
		assert_str(u->node, ev.node);
		assert_int_equal(u->proc.pid, 4242);
		assert_str(u->proc.comm, ev.proc.comm);
		assert_str(u->proc.exe, ev.proc.exe);
		assert_null(u->proc.tty.s);
		assert_int_equal(u->proc.argc, 3);
		assert_str(u->proc.argv[0], argv[0]);
		assert_str(u->proc.argv[2], argv[2]);
		assert_str(u->proc.cmdline, ev.proc.cmdline);
		assert_str(u->cwd, ev.cwd);
		assert_null(u->key.s);
		assert_int_equal(u->nitems, 2);
		assert_int_equal(u->items_logged, 3);
		assert_str(u->items[0].path, ev.items[0].path);
		assert_int_equal(u->items[0].inode, 77);
		assert_str(u->items[1].name, ev.items[1].name);
		assert_str(u->items[1].path, ev.items[1].path);
		assert_int_equal(u->items[1].mode, 0100755);
		assert_null(u->items[2].path.s);
		assert_int_equal(u->items[7].inode, 0);
		assert_int_equal(u->file_idx, 0);
		assert_int_equal(u->file2_idx, -1);
		assert_int_equal(u->ntypes, 3);
		assert_int_equal(u->types[2], 1327);
		assert_int_equal(u->types[3], 0);
		assert_int_equal(u->net.present, 1);
		assert_int_equal(u->exe_upper_layer, 1);
		assert_int_equal(u->file_upper_layer, -1);
	}
	ad_buf_free(&b);
}

/* Counts out of range in a packed event (it came from a worker of the
 * same binary, but is read as data) are held to the slots there are. */
static void
test_pack_counts_clamped(void **state)
{
	struct ad_event ev, back;
	struct ad_buf b;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.nitems = 99;
	ev.ntypes = -5;
	ev.items[7].path = STR("/last");
	ad_buf_init(&b);
	ad_event_pack(&b, &ev);
	ad_event_unpack(b.p, &back);
	assert_int_equal(back.nitems, AD_MAX_ITEMS);
	assert_int_equal(back.ntypes, 0);
	assert_str(back.items[7].path, ev.items[7].path);
	ad_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_cut),
		cmocka_unit_test(test_no_newline),
		cmocka_unit_test(test_giant_line),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_same_serial_or_garbage),
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_pack_counts_clamped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
