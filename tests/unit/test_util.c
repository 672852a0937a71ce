/*
 * test_util.c - JSON strings for any bytes, audit value decoding, and the
 * line check of the replay reader.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "replay.h"
#include "util.h"

static void
json_is(const char *in, size_t len, const char *want, int want_lossy)
{
	struct ad_buf b;
	int lossy;

	ad_buf_init(&b);
	lossy = ad_json_str(&b, in, len);
	assert_string_equal(b.p, want);
	assert_int_equal(lossy, want_lossy);
	ad_buf_free(&b);
}

static void
test_json_plain(void **state)
{
	json_is("/usr/bin/ls", 11, "\"/usr/bin/ls\"", 0);
	json_is("", 0, "\"\"", 0);
}

static void
test_json_escapes(void **state)
{
	json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\"", 0);
	json_is("new\nline\ttab\r", 13, "\"new\\nline\\ttab\\r\"", 0);
	json_is("\x01\x1f\x1d", 3, "\"\\u0001\\u001f\\u001d\"", 0);
}

/* Each byte to escape, at every place in a 21-byte string (the scan
 * reads eight bytes at a time): escaped there, and nothing else touched;
 * 0x7f and 0x20 stay as they are. */
static void
test_json_escape_anywhere(void **state)
{
	static const struct { char c; const char *esc; } e[] = {
		{ '"', "\\\"" }, { '\\', "\\\\" }, { '\n', "\\n" },
		{ '\x1f', "\\u001f" }, { '\x01', "\\u0001" },
		{ '\x7f', "\x7f" }, { ' ', " " },
	};
	char in[22], want[40];
	size_t k, at;

	for (k = 0; k < sizeof(e) / sizeof(e[0]); k++)
		for (at = 0; at < 21; at++) {
			memset(in, 'a', 21);
			in[21] = '\0';
			in[at] = e[k].c;
			snprintf(want, sizeof(want), "\"%.*s%s%s\"", (int)at,
			    in, e[k].esc, in + at + 1);
			json_is(in, 21, want, 0);
		}
	/* a UTF-8 sequence across a word's end, and a bad byte there */
	json_is("abcdefg\xc3\xa9hij", 12, "\"abcdefg\xc3\xa9hij\"", 0);
	json_is("abcdefgh\xffij", 11, "\"abcdefgh\xef\xbf\xbdij\"", 1);
}

static void
test_json_utf8(void **state)
{
	/* valid UTF-8 kept as is */
	json_is("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"", 0);
	/* invalid bytes become U+FFFD, and the call says it was lossy */
	json_is("bad\xff\xfename", 9, "\"bad\xef\xbf\xbd\xef\xbf\xbdname\"", 1);
	/* overlong encoding of '/' and a lone surrogate are invalid */
	json_is("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 1);
	json_is("\xed\xa0\x80", 3,
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 1);
	/* truncated sequence at the end */
	json_is("a\xe2\x82", 3, "\"a\xef\xbf\xbd\xef\xbf\xbd\"", 1);
}

static void
test_json_member_hex_twin(void **state)
{
	struct ad_buf b;

	ad_buf_init(&b);
	ad_buf_addc(&b, '{');
	ad_json_member_str(&b, "path", "/x\xff", 3);
	ad_json_member_str(&b, "none", NULL, 0);
	ad_json_member_int(&b, "n", -1);
	ad_buf_addc(&b, '}');
	assert_string_equal(b.p, "{\"path\":\"/x\xef\xbf\xbd\","
	    "\"path_hex\":\"2f78ff\",\"none\":null,\"n\":-1}");
	ad_buf_free(&b);
}

static void
decode_is(const char *raw, const char *want, long want_len)
{
	struct ad_buf b;
	long n;

	ad_buf_init(&b);
	n = ad_audit_decode(raw, &b);
	assert_int_equal(n, want_len);
	if (want != NULL)
		assert_memory_equal(b.p, want, (size_t)want_len);
	ad_buf_free(&b);
}

/* The printf-free number writers and the event time, edges included. */
static void
test_numbers_time(void **state)
{
	struct ad_buf b;
	struct ad_event ev;
	char t[40];

	ad_buf_init(&b);
	ad_buf_add_int(&b, 0);
	ad_buf_addc(&b, ' ');
	ad_buf_add_int(&b, -42);
	ad_buf_addc(&b, ' ');
	ad_buf_add_int(&b, INT64_MIN);
	ad_buf_addc(&b, ' ');
	ad_buf_add_base(&b, 0x27, 4, 2);
	ad_buf_addc(&b, ' ');
	ad_buf_add_base(&b, 0, 4, 2);
	ad_buf_addc(&b, ' ');
	ad_buf_add_base(&b, 0100755, 3, 1);
	assert_string_equal(b.p,
	    "0 -42 -9223372036854775808 27 00 100755");
	ad_buf_free(&b);

	memset(&ev, 0, sizeof(ev));
	ev.sec = 0;
	ad_event_time(&ev, t, sizeof(t));
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	ev.sec = 951782400 + 86399;	/* leap day 2000, last second */
	ev.ms = 999;
	ad_event_time(&ev, t, sizeof(t));
	assert_string_equal(t, "2000-02-29T23:59:59.999Z");
	ev.sec = 1795000000;
	ev.ms = 7;
	ad_event_time(&ev, t, sizeof(t));
	assert_string_equal(t, "2026-11-18T11:06:40.007Z");
	ev.sec = 4102444800;		/* 2100-01-01, not a leap year */
	ev.ms = 0;
	ad_event_time(&ev, t, sizeof(t));
	assert_string_equal(t, "2100-01-01T00:00:00.000Z");
}

static void
test_decode(void **state)
{
	decode_is("\"/usr/bin/ls\"", "/usr/bin/ls", 11);
	decode_is("2F746D702F6E65770A6C696E65", "/tmp/new\nline", 13);
	decode_is("2f62616dfffe", "/bam\xff\xfe", 6);
	decode_is("(null)", NULL, -1);
	decode_is("?", NULL, -1);
	decode_is("\"\"", "", 0);
	/* odd length or non-hex unquoted: kept as logged */
	decode_is("abc", "abc", 3);
	decode_is("(none)", "(none)", 6);
}

static void
check_ok(const char *line, uint64_t want_serial)
{
	const char *why = NULL;
	uint64_t serial = 0;

	assert_int_equal(ad_record_check(line, strlen(line), &serial, &why), 0);
	assert_int_equal(serial, want_serial);
}

static void
check_bad(const char *line, size_t len, const char *want_why)
{
	const char *why = NULL;
	uint64_t serial = 0;

	assert_int_equal(ad_record_check(line, len, &serial, &why), -1);
	assert_non_null(why);
	assert_non_null(strstr(why, want_why));
}

/* Digits in place: bounded by max, saturating as strtoull does. */
static void
test_dec_u64(void **state)
{
	size_t n;

	(void)state;
	assert_true(ad_dec_u64("1234x", 10, &n) == 1234 && n == 4);
	assert_true(ad_dec_u64("1234", 2, &n) == 12 && n == 2);
	assert_true(ad_dec_u64("x", 10, &n) == 0 && n == 0);
	assert_true(ad_dec_u64("18446744073709551615", 99, &n) == UINT64_MAX);
	assert_true(ad_dec_u64("184467440737095516160", 99, &n) ==
	    UINT64_MAX && n == 21);
}

static void
test_record_check(void **state)
{
	check_ok("type=SYSCALL msg=audit(1700000000.123:42): arch=c000003e", 42);
	check_ok("node=web-1 type=PATH msg=audit(1.002:7): item=0", 7);
	check_ok("type=UNKNOWN[1334] msg=audit(1.002:8): x=1", 8);
	check_ok("type=PATH msg=audit(1.0:9): a=1\x1dUID=\"root\"", 9);
	/* old daemon records: no colon after the stamp */
	check_ok("type=DAEMON_START msg=audit(1.5:10) auditd start, ver=1.7", 10);
	check_ok("type=DAEMON_END msg=audit(1.5:11)", 11);
	check_ok("type=X msg=audit(1.5:18446744073709551615): a=1",
	    UINT64_MAX);
	check_ok("type=X msg=audit(1.5:99999999999999999999999): a=1",
	    UINT64_MAX);	/* as strtoull says */
	check_ok("type=X msg=audit(1.5:00000000000000000000042): a=1", 42);
	check_bad("type=X msg=audit(1.5:11)x", 25, "bad serial");
	/* fuzz_normalize: libauparse leaks a second cwd= (crash-e0cb42f5) */
	check_bad("type=CWD msg=audit(1.012:5): cwd=v cwd=D", 40, "cwd=");
	/* ... however its type is spelled (crash-349b76b4) */
	check_bad("type=CWd msg=audit(19.604:0) cwd=b cwd=1", 40, "cwd=");
	check_bad("type=1307 msg=audit(19.604:0): cwd=b cwd=1", 42, "cwd=");
	check_ok("type=SYSCALL msg=audit(19.604:3): cwd=b cwd=1", 3);
	check_ok("type=CWD msg=audit(1.012:5): cwd=2F61206377643D62", 5);
	/* a name libauparse cuts "(" or "msg='" off (leak-7d7f91b5) */
	check_bad("type=CWD msg=audit(179598.964:588): (cwd=:5>): cwd=ep", 53,
	    "cwd=");
	check_bad("type=CWD msg=audit(1.0:5): msg='cwd=a cwd=b", 43, "cwd=");
	check_bad("type=CWD msg=audit(1.0:5): msg='(cwd=a cwd=b", 44, "cwd=");
	/* a directory named cwd=x is one field, as the kernel logs it */
	check_ok("type=CWD msg=audit(1.0:5): cwd=\"/tmp/cwd=x/(cwd=y\"", 5);
	/* libauparse drops what follows the enriched separator */
	check_ok("type=CWD msg=audit(1.0:5): cwd=\"/\"\x1d cwd=\"/\"", 5);
	/* and one whose type holds the enriched separator (crash-8de7c871) */
	check_bad("type=\x1d msg=audit(2.64:8):o", 26, "bad record type");
	check_bad("type=a-b msg=audit(2.64:8): x=1", 31, "bad record type");
	{
		const char *why = NULL;
		uint64_t serial = 0;

		assert_int_equal(ad_record_check("type=UNKNOWN[1329] msg=?",
		    24, &serial, &why), 1);
	}
	check_bad("hello world", 11, "no type=");
	check_bad("type=SYSCALL arch=c000003e", 26, "timestamp");
	check_bad("type=SYSCALL msg=audit(1.2:x): a", 32, "serial");
	check_bad("type=SYSCALL msg=audit(1.2:3)\0: a", 33, "NUL");
	check_bad("type=SYSCALL msg=audit(1.2:3):\x07", 31, "control");
	check_bad("node=x", 6, "node=");
	/* the scan eight bytes at a time: every control byte at every
	 * offset of a 40-byte tail is found; tab, 0x1d, 0x7e, 0x80-0xff
	 * pass, 0x7f does not */
	{
		static const unsigned char bad[] = { 0x00, 0x01, 0x07, 0x0a,
		    0x1b, 0x1f, 0x7f }, good[] = { '\t', 0x1d, 0x20, 0x7e,
		    0x80, 0xc2, 0xfe, 0xff };
		char line[128];
		const char *why;
		uint64_t serial;
		size_t b, off, base;

		base = (size_t)snprintf(line, sizeof(line),
		    "type=PATH msg=audit(1.2:3): ");
		for (off = 0; off < 40; off++) {
			for (b = 0; b < sizeof(bad); b++) {
				memset(line + base, 'x', 40);
				line[base + off] = (char)bad[b];
				why = NULL;
				assert_int_equal(ad_record_check(line, base + 40,
				    &serial, &why), -1);
				assert_non_null(strstr(why, "binary data"));
			}
			for (b = 0; b < sizeof(good); b++) {
				memset(line + base, 'x', 40);
				line[base + off] = (char)good[b];
				assert_int_equal(ad_record_check(line, base + 40,
				    &serial, &why), 0);
			}
		}
	}
}

/* Terminal and spreadsheet text: what a file name could use to drive a
 * terminal or hide itself is escaped; other UTF-8 passes. */
static void
test_esc_text(void **state)
{
	static const struct {
		const char *in, *out;
		size_t width;
	} t[] = {
		{ "/usr/bin/ls", "/usr/bin/ls", 11 },
		{ "a\033[2Jb", "a\\x1b[2Jb", 9 },
		{ "\xc2\x9b" "1m", "\\u009b1m", 8 },		/* C1 CSI */
		{ "x\xe2\x80\xaetxt.exe", "x\\u202etxt.exe", 14 },	/* RLO */
		{ "\xe2\x81\xa6i\xe2\x81\xa9", "\\u2066i\\u2069", 13 },
		{ "caf\xc3\xa9 \xe6\x97\xa5", "caf\xc3\xa9 \xe6\x97\xa5", 6 },
		{ "bad\xff\xc3", "bad\\xff\\xc3", 11 },
		{ "back\\slash\x7f", "back\\x5cslash\\x7f", 17 },
	};
	struct ad_buf b;
	size_t i;

	(void)state;
	ad_buf_init(&b);
	for (i = 0; i < AD_ARRAY_SIZE(t); i++) {
		ad_buf_reset(&b);
		assert_int_equal(ad_esc_text(&b, t[i].in, strlen(t[i].in)),
		    t[i].width);
		assert_string_equal(b.p ? b.p : "", t[i].out);
		assert_int_equal(ad_esc_text(NULL, t[i].in, strlen(t[i].in)),
		    t[i].width);
	}
	ad_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_plain),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_escape_anywhere),
		cmocka_unit_test(test_json_utf8),
		cmocka_unit_test(test_json_member_hex_twin),
		cmocka_unit_test(test_numbers_time),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_dec_u64),
		cmocka_unit_test(test_record_check),
		cmocka_unit_test(test_esc_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
