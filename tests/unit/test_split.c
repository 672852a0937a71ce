/*
 * test_split.c - where `replay --jobs` cuts a file (ad_split_find), on
 * hostile input: no newline, one giant line, events interleaved across
 * the cut, garbage between records.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_cut),
		cmocka_unit_test(test_no_newline),
		cmocka_unit_test(test_giant_line),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_same_serial_or_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
