/*
 * test_rules.c - the rule language: scanner, parser, every operator on
 * every type, lists and macros, cycles, append/disable/except, the
 * indexes, output rendering, file safety checks, and evaluation against
 * hand-built normalized events.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "container.h"
#include "diag.h"
#include "fields.h"
#include "rules_ast.h"
#include "ruleset.h"
#include "posture.h"
#include "parser.h"
#define YYSTYPE ADRSTYPE
#define YYLTYPE ADRLTYPE
#include "scanner.h"

/* ---- helpers ----------------------------------------------------------- */

#define S(lit)	((struct ad_str){ (lit), sizeof(lit) - 1 })

struct tev {
	struct ad_event ev;
	struct ad_container ct;
	struct ad_str argv[3];
};

/* A write of /usr/bin/evil by busybox in a podman container. */
static void
tev_init(struct tev *t)
{
	memset(t, 0, sizeof(*t));
	t->ct.id = "0123456789abcdef";
	t->ct.runtime = "podman";
	t->ct.name = "web";
	t->ct.image = "registry.internal/web:1";
	t->argv[0] = S("cp");
	t->argv[1] = S("/tmp/x");
	t->argv[2] = S("/usr/bin/evil");
	t->ev.sec = 1700000000;
	t->ev.arch_name = "x86_64";
	t->ev.syscall = 257;
	t->ev.syscall_name = "openat";
	t->ev.success = 1;
	t->ev.proc.pid = 4242;
	t->ev.proc.ppid = 1;
	t->ev.proc.uid = 0;
	t->ev.proc.euid = 0;
	t->ev.proc.auid = 1000;
	t->ev.proc.tty = S("pts0");
	t->ev.proc.comm = S("busybox");
	t->ev.proc.exe = S("/bin/busybox");
	t->ev.proc.argc = 3;
	t->ev.proc.argv = t->argv;
	t->ev.proc.cmdline = S("cp /tmp/x /usr/bin/evil");
	t->ev.nitems = 1;
	t->ev.items[0].path = S("/usr/bin/evil");
	t->ev.items[0].name = S("/usr/bin/evil");
	t->ev.items[0].nametype = AD_NT_CREATE;
	t->ev.items[0].mode = 0100755;
	t->ev.items[0].has_inode = 1;
	t->ev.file_idx = 0;
	t->ev.file2_idx = -1;
	t->ev.op = AD_OP_OPEN_WRITE;
	t->ev.key = S("audrift-file");
	t->ev.container = &t->ct;
	t->ev.exe_upper_layer = 0;
	t->ev.file_upper_layer = 1;
}

/* Load one text; *err gets the error output (caller frees). */
static struct ad_ruleset *
load2(const char *a, const char *b, char **err)
{
	const char *names[2] = { "a.rules", "b.rules" };
	const char *texts[2] = { a, b };
	struct ad_ruleset *rs;
	size_t len;
	FILE *f = open_memstream(err, &len);

	assert_non_null(f);
	rs = ad_ruleset_load_mem(names, texts, b ? 2 : 1, f);
	fclose(f);
	return rs;
}

static struct ad_ruleset *
load_ok(const char *text)
{
	char *err = NULL;
	struct ad_ruleset *rs = load2(text, NULL, &err);

	if (rs == NULL)
		fail_msg("did not load:\n%s\n%s", text, err);
	free(err);
	return rs;
}

/* The error text loading text gives (the ruleset must not load). */
static char *
load_err(const char *a, const char *b)
{
	char *err = NULL;
	struct ad_ruleset *rs = load2(a, b, &err);

	if (rs != NULL)
		fail_msg("loaded but should not:\n%s", a);
	return err;
}

static void
err_is(const char *text, const char *want)
{
	char *err = load_err(text, NULL);

	assert_string_equal(err, want);
	free(err);
}

static void
err_has(const char *a, const char *b, const char *want)
{
	char *err = load_err(a, b);

	if (strstr(err, want) == NULL)
		fail_msg("error output lacks \"%s\":\n%s", want, err);
	free(err);
}

struct got {
	char names[512];
	char msg[512];
	char tags[128];
	const char *sev;
	int n;
};

static void
collect(void *arg, const struct ad_finding *f)
{
	struct got *g = arg;
	int i;

	if (g->n++ > 0)
		strcat(g->names, " ");
	strcat(g->names, f->rule);
	snprintf(g->msg, sizeof(g->msg), "%.*s", (int)f->message_len,
	    f->message);
	g->tags[0] = '\0';
	for (i = 0; i < f->ntags; i++) {
		if (i)
			strcat(g->tags, ",");
		strcat(g->tags, f->tags[i]);
	}
	g->sev = f->severity;
	assert_ptr_equal(f->ev, f->ev);
}

static int
run(const struct ad_ruleset *rs, const struct ad_event *ev, struct got *g)
{
	int n;

	memset(g, 0, sizeof(*g));
	n = ad_ruleset_eval(rs, ev, collect, g);
	assert_int_equal(n, g->n);
	return n;
}

/* Does `when expr` hold for ev? */
static int
holds(const char *expr, const struct ad_event *ev)
{
	char text[1024];
	struct ad_ruleset *rs;
	struct got g;
	int n;

	snprintf(text, sizeof(text), "list bins = [/bin, /usr/bin]\n"
	    "list nums = [1, 4242]\n"
	    "list nets = [10.0.0.0/8, 172.16.0.0/12, fc00::/7]\n"
	    "rule t { severity low when %s }\n", expr);
	rs = load_ok(text);
	n = run(rs, ev, &g);
	ad_ruleset_free(rs);
	return n;
}

#define HOLDS(expr, ev)	do { if (!holds(expr, ev)) \
	fail_msg("expected true: %s", expr); } while (0)
#define FAILS(expr, ev)	do { if (holds(expr, ev)) \
	fail_msg("expected false: %s", expr); } while (0)

/* Network events: CIDR membership, the net fields, and that a rule not
 * naming a network operation is not tried on one. */
static void
test_net_eval(void **state)
{
	struct tev t;
	const char *v4 = "02000050AC1F0001";	/* 172.31.0.1:80 */
	const char *v6 = "0A0001BB00000000FD0000000000000000000000000000010000"
	    "0000";				/* [fd00::1]:443 */
	const char *pub = "0200005008080808";	/* 8.8.8.8:80 */

	(void)state;
	tev_init(&t);
	t.ev.op = AD_OP_CONNECT;
	t.ev.syscall_name = "connect";
	t.ev.nitems = 0;
	t.ev.file_idx = -1;
	assert_int_equal(ad_sockaddr_decode(v4, strlen(v4), &t.ev.net), 0);
	HOLDS("net.op == connect and net.addr in nets", &t.ev);
	HOLDS("net.op == connect and net.addr == 172.16.0.0/12 and "
	    "net.port == 80", &t.ev);
	HOLDS("net.op == connect and net.addr != 10.0.0.0/8 and "
	    "net.family == inet", &t.ev);
	HOLDS("net.op == connect and net.public == false", &t.ev);
	FAILS("net.op == connect and net.addr in (10.0.0.0/8, fc00::/7)",
	    &t.ev);
	FAILS("net.op == connect and net.addr == 172.31.0.2", &t.ev);
	/* a rule that names no network operation does not see it */
	FAILS("net.addr in nets", &t.ev);
	FAILS("proc.pid == 4242", &t.ev);
	HOLDS("file.op == connect and proc.pid == 4242", &t.ev);
	assert_int_equal(ad_sockaddr_decode(v6, strlen(v6), &t.ev.net), 0);
	HOLDS("net.op == connect and net.addr in nets and net.port == 443",
	    &t.ev);
	HOLDS("net.op == connect and net.addr == fd00::1", &t.ev);
	FAILS("net.op == connect and net.addr == 10.0.0.0/8", &t.ev);
	assert_int_equal(ad_sockaddr_decode(pub, strlen(pub), &t.ev.net), 0);
	HOLDS("net.op == connect and net.public", &t.ev);
	FAILS("net.op == connect and net.addr in nets", &t.ev);
	/* absent: every comparison false, != too; exists tells */
	ad_net_clear(&t.ev.net);
	FAILS("net.op == connect and net.addr != 10.0.0.0/8", &t.ev);
	FAILS("net.op == connect and net.port exists", &t.ev);
	HOLDS("net.op == connect and not net.addr exists", &t.ev);
	/* not a network event: net.op absent */
	t.ev.op = AD_OP_OPEN_WRITE;
	FAILS("net.op exists", &t.ev);
	FAILS("net.op != bind", &t.ev);
}

/* ---- scanner ------------------------------------------------------------- */

static void
test_scanner_tokens(void **state)
{
	static const char text[] =
	    "list x += [/usr/bin, apt-get, pci-dss-11.5, \"q\\\"s\\d\"] # c\n"
	    "## prose\nrule r { when a == b and not c != 1 <= >= < > }\n"
	    "list n = [10.0.0.0/8, fc00::/7, ::1, ::ffff:10.0.0.0/104]";
	static const struct { int tok; const char *s; } want[] = {
		{ LIST, NULL }, { WORD, "x" }, { PLUSEQ, NULL }, { '[', NULL },
		{ WORD, "/usr/bin" }, { ',', NULL }, { WORD, "apt-get" },
		{ ',', NULL }, { WORD, "pci-dss-11.5" }, { ',', NULL },
		{ STRING, "q\"s\\d" }, { ']', NULL },
		{ RULE, NULL }, { WORD, "r" }, { '{', NULL }, { WHEN, NULL },
		{ WORD, "a" }, { OP, "==" }, { WORD, "b" }, { AND, NULL },
		{ NOT, NULL }, { WORD, "c" }, { OP, "!=" }, { WORD, "1" },
		{ OP, "<=" }, { OP, ">=" }, { OP, "<" }, { OP, ">" },
		{ '}', NULL },
		/* addresses and networks are plain words: ':' and '/' are
		 * word characters, so no token of their own is needed */
		{ LIST, NULL }, { WORD, "n" }, { '=', NULL }, { '[', NULL },
		{ WORD, "10.0.0.0/8" }, { ',', NULL }, { WORD, "fc00::/7" },
		{ ',', NULL }, { WORD, "::1" }, { ',', NULL },
		{ WORD, "::ffff:10.0.0.0/104" }, { ']', NULL }, { 0, NULL },
	};
	struct ad_src *src = ad_src_new("t", strdup(text), strlen(text), 1);
	struct ad_diags *d = ad_diags_new();
	struct ad_parse p;
	YY_BUFFER_STATE buf;
	ADRSTYPE v;
	struct ad_loc loc;
	yyscan_t sc;
	size_t i;
	int tok;

	memset(&p, 0, sizeof(p));
	p.src = src;
	p.diags = d;
	p.line = p.column = 1;
	assert_int_equal(adrlex_init_extra(&p, &sc), 0);
	buf = adr_scan_bytes(src->text, (int)src->len, sc);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		memset(&v, 0, sizeof(v));
		tok = adrlex(&v, &loc, sc);
		assert_int_equal(tok, want[i].tok);
		if (want[i].s) {
			assert_string_equal(v.word.s, want[i].s);
			free(v.word.s);
		}
		if (i == 4) {	/* /usr/bin: line 1, columns 12-19 */
			assert_int_equal(loc.first_line, 1);
			assert_int_equal(loc.first_column, 12);
			assert_int_equal(loc.last_column, 19);
		}
		if (i == 12)	/* rule: after two comment lines */
			assert_int_equal(loc.first_line, 3);
	}
	assert_int_equal(ad_diags_count(d), 0);
	adr_delete_buffer(buf, sc);
	adrlex_destroy(sc);
	ad_diags_free(d);
	ad_src_free(src);
}

static void
test_scanner_errors(void **state)
{
	err_is("list x = [a, $b]\n",
	    "a.rules:1:14: error: unexpected character '$'\n"
	    "list x = [a, $b]\n"
	    "             ^\n");
	err_is("rule r { desc \"open\n}\n",
	    "a.rules:1:15: error: unterminated string: add the closing \"\n"
	    "rule r { desc \"open\n"
	    "              ^^^^^\n");
}

/* ---- parser --------------------------------------------------------------- */

static void
test_parser_statements(void **state)
{
	static const char text[] =
	    "list l = [a, \"b c\", ]\nlist l += []\nmacro m = x exists\n"
	    "rule r { desc \"d\" severity low tags [t1, t2] when m\n"
	    "  except proc.pid in (1, 2) except not (a or b) output \"o\"\n"
	    "  enabled false }\n"
	    "rule r += { except m }\ndisable rule r\n";
	struct ad_src *src = ad_src_new("t", strdup(text), strlen(text), 1);
	struct ad_diags *d = ad_diags_new();
	struct ad_stmt *s = NULL, *it;
	struct ad_ritem *ri;
	static const int kinds[] = { AD_S_LIST, AD_S_LIST_APPEND, AD_S_MACRO,
	    AD_S_RULE, AD_S_RULE_APPEND, AD_S_DISABLE };
	static const int ritems[] = { AD_RI_DESC, AD_RI_SEVERITY, AD_RI_TAGS,
	    AD_RI_WHEN, AD_RI_EXCEPT, AD_RI_EXCEPT, AD_RI_OUTPUT,
	    AD_RI_ENABLED };
	int i;

	assert_int_equal(ad_parse_src(src, d, &s), 0);
	for (it = s, i = 0; it; it = it->next, i++) {
		assert_int_equal(it->kind, kinds[i]);
		assert_string_equal(it->name.s, i < 2 ? "l" : i == 2 ? "m" :
		    "r");
	}
	assert_int_equal(i, 6);
	assert_int_equal(s->words.n, 2);
	assert_true(s->words.v[1].quoted);
	assert_string_equal(s->words.v[1].s, "b c");
	assert_int_equal(s->next->words.n, 0);
	assert_int_equal(s->next->next->expr->kind, AD_X_CMP);
	for (ri = s->next->next->next->items, i = 0; ri; ri = ri->next, i++)
		assert_int_equal(ri->kind, ritems[i]);
	assert_int_equal(i, 8);
	ri = s->next->next->next->items->next->next->next->next->next;
	assert_int_equal(ri->expr->kind, AD_X_NOT);
	assert_int_equal(ri->expr->l->kind, AD_X_OR);
	ad_stmts_free(s);
	ad_diags_free(d);
	ad_src_free(src);
}

static void
test_parser_precedence(void **state)
{
	static const char text[] = "macro m = not a or b and c\n";
	struct ad_src *src = ad_src_new("t", strdup(text), strlen(text), 1);
	struct ad_diags *d = ad_diags_new();
	struct ad_stmt *s = NULL;
	struct ad_expr *x;

	assert_int_equal(ad_parse_src(src, d, &s), 0);
	x = s->expr;		/* (not a) or (b and c) */
	assert_int_equal(x->kind, AD_X_OR);
	assert_int_equal(x->l->kind, AD_X_NOT);
	assert_int_equal(x->r->kind, AD_X_AND);
	ad_stmts_free(s);
	ad_diags_free(d);
	ad_src_free(src);
}

static void
test_parser_recovers(void **state)
{
	/* every syntax error of every file, then nothing loads */
	err_is("rule a { severity low when proc.pid == }\n"
	    "list x [a]\n"
	    "rule b { severity low when proc.pid == 1 }\n",
	    "a.rules:1:40: error: syntax error: unexpected '}', expected a "
	    "word, a string or '('\n"
	    "rule a { severity low when proc.pid == }\n"
	    "                                       ^\n"
	    "a.rules:2:8: error: syntax error: unexpected '[', expected '+=' or "
	    "'='\n"
	    "list x [a]\n"
	    "       ^\n"
	    "2 errors\n");
	err_has("rule a { severity low when x", "list y = ]",
	    "a.rules:1:29: error: syntax error: unexpected end of file");
	err_has("rule a { severity low when x", "list y = ]",
	    "b.rules:1:10: error: syntax error: unexpected ']', expected '['");
}

/* ---- operators on every type ---------------------------------------------- */

static void
test_ops_string(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("proc.name == busybox", &t.ev);
	HOLDS("proc.name == \"busybox\"", &t.ev);
	FAILS("proc.name == busy", &t.ev);
	HOLDS("proc.name != busy", &t.ev);
	FAILS("proc.name != busybox", &t.ev);
	HOLDS("proc.name in (sh, busybox)", &t.ev);
	FAILS("proc.name in (sh, bash)", &t.ev);
	HOLDS("proc.name startswith busy", &t.ev);
	FAILS("proc.name startswith box", &t.ev);
	HOLDS("proc.name endswith box", &t.ev);
	FAILS("proc.name endswith busy", &t.ev);
	HOLDS("proc.name contains sybo", &t.ev);
	FAILS("proc.name contains xyz", &t.ev);
	HOLDS("proc.name icontains SYBO", &t.ev);
	HOLDS("proc.name icontains \"\"", &t.ev);
	FAILS("proc.name icontains XYZ", &t.ev);
	HOLDS("proc.name glob \"busy*\"", &t.ev);
	FAILS("proc.name glob \"b?x\"", &t.ev);
	HOLDS("proc.name matches \"^bus+y\"", &t.ev);
	HOLDS("proc.name matches \"(b)(u)(s)\"", &t.ev);
	FAILS("proc.name matches \"^box\"", &t.ev);
	HOLDS("proc.name exists", &t.ev);
	HOLDS("container.image startswith \"registry.internal/\"", &t.ev);
	HOLDS("proc.cmdline contains \"/usr/bin/evil\"", &t.ev);
}

static void
test_ops_path(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("file.path == /usr/bin/evil", &t.ev);
	HOLDS("file.dir == /usr/bin", &t.ev);
	HOLDS("file.dir in bins", &t.ev);
	HOLDS("file.name == evil", &t.ev);
	HOLDS("file.path glob \"/usr/*/evil\"", &t.ev);
	/* FNM_PATHNAME: * does not cross / on a path field */
	FAILS("file.path glob \"/*/evil\"", &t.ev);
	HOLDS("proc.cmdline glob \"cp*evil\"", &t.ev);	/* string: it does */
	HOLDS("file.path startswith /usr/", &t.ev);
	HOLDS("file.path endswith /evil", &t.ev);
	HOLDS("file.path matches \"^/usr/(s)?bin/[a-z]+$\"", &t.ev);
	HOLDS("file.path icontains BIN/E", &t.ev);
	HOLDS("file.path != /bin/sh", &t.ev);
	FAILS("file.target exists", &t.ev);
	t.ev.nitems = 2;
	t.ev.items[1].path = S("/usr/sbin/x");
	t.ev.file2_idx = 1;
	HOLDS("file.target == /usr/sbin/x and file.target_dir == /usr/sbin",
	    &t.ev);
	t.ev.items[0].path = S("/ls");
	HOLDS("file.dir == / and file.name == ls", &t.ev);
}

static void
test_ops_integer(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("proc.pid == 4242", &t.ev);
	HOLDS("proc.pid == 0x1092", &t.ev);
	HOLDS("proc.pid != 1", &t.ev);
	HOLDS("proc.pid < 5000 and proc.pid <= 4242", &t.ev);
	FAILS("proc.pid < 4242", &t.ev);
	HOLDS("proc.pid > 4000 and proc.pid >= 4242", &t.ev);
	FAILS("proc.pid > 4242", &t.ev);
	HOLDS("proc.pid in (1, 2, 4242)", &t.ev);
	HOLDS("proc.pid in nums", &t.ev);
	FAILS("proc.pid in (1, 2)", &t.ev);
	HOLDS("proc.uid == 0 and proc.euid == 0 and user.uid == 0", &t.ev);
	HOLDS("proc.auid == 1000 and user.auid == 1000", &t.ev);
	HOLDS("file.mode == 0100755", &t.ev);
	HOLDS("event.time >= 1700000000", &t.ev);
	HOLDS("proc.ppid == 1", &t.ev);
	t.ev.proc.auid = (uint32_t)-1;	/* unset: absent */
	FAILS("proc.auid exists", &t.ev);
	FAILS("proc.auid != 5", &t.ev);
	HOLDS("not proc.auid == 5", &t.ev);
	/* proc.vpid: 0 is unknown (absent), so `except proc.vpid == 1` does
	 * not hide an event whose process was gone */
	FAILS("proc.vpid exists", &t.ev);
	FAILS("proc.vpid == 1 or proc.vpid != 1", &t.ev);
	t.ev.proc.vpid = 1;
	HOLDS("proc.vpid == 1", &t.ev);
	t.ev.proc.vpid = 7;
	HOLDS("proc.vpid exists and proc.vpid != 1", &t.ev);
}

static void
test_ops_boolean(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("file.upper_layer", &t.ev);
	HOLDS("file.upper_layer == true", &t.ev);
	HOLDS("proc.exe_upper_layer == false", &t.ev);
	HOLDS("proc.exe_upper_layer != true", &t.ev);
	FAILS("proc.exe_upper_layer", &t.ev);
	HOLDS("event.success", &t.ev);
	t.ev.file_upper_layer = -1;
	FAILS("file.upper_layer exists", &t.ev);
	FAILS("file.upper_layer == false", &t.ev);
	FAILS("file.upper_layer", &t.ev);
}

static void
test_ops_list(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("proc.args == /tmp/x", &t.ev);
	HOLDS("proc.args in (/usr/bin/evil, nothing)", &t.ev);
	HOLDS("proc.args startswith /usr", &t.ev);
	HOLDS("proc.args contains evi", &t.ev);
	HOLDS("proc.args glob \"/tmp/*\"", &t.ev);
	HOLDS("proc.args matches \"^c.$\"", &t.ev);
	HOLDS("proc.args exists", &t.ev);
	/* != on a list: no element is equal */
	HOLDS("proc.args != rm", &t.ev);
	FAILS("proc.args != cp", &t.ev);
	t.ev.proc.argc = 0;
	FAILS("proc.args exists", &t.ev);
	FAILS("proc.args != cp", &t.ev);
}

static void
test_ops_opname(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("file.op == write", &t.ev);
	HOLDS("file.op in (chmod, write)", &t.ev);
	FAILS("file.op in (chmod, exec)", &t.ev);
	HOLDS("file.op != exec", &t.ev);
	HOLDS("file.op startswith wr", &t.ev);
	HOLDS("event.syscall == openat and event.arch == x86_64", &t.ev);
	HOLDS("event.key == audrift-file", &t.ev);
	t.ev.op = AD_OP_EXEC;
	HOLDS("file.op == exec", &t.ev);
}

/* proc.argv0: argv[0]'s last component, as busybox picks its applet. */
static void
test_argv0(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("proc.argv0 == cp", &t.ev);
	t.argv[0] = S("/bin/sh");
	HOLDS("proc.argv0 == sh and proc.argv0 in (sh, ash)", &t.ev);
	t.argv[0] = S("sh/");
	HOLDS("proc.argv0 == \"\"", &t.ev);
	t.argv[0] = S("");
	HOLDS("proc.argv0 exists and proc.argv0 == \"\"", &t.ev);
}

static void
test_absent_fields(void **state)
{
	struct tev t;

	tev_init(&t);
	t.ev.container = NULL;
	t.ev.file_idx = -1;
	t.ev.proc.tty = S("(none)");
	FAILS("container.id exists", &t.ev);
	FAILS("container.name == web", &t.ev);
	FAILS("container.name != web", &t.ev);
	HOLDS("not container.name == web", &t.ev);
	FAILS("file.path startswith /", &t.ev);
	FAILS("file.dir in bins", &t.ev);
	FAILS("proc.tty exists", &t.ev);
	FAILS("proc.pname exists or proc.pexe exists", &t.ev);
	t.ev.proc.argc = 0;	/* not an exec */
	FAILS("proc.argv0 exists", &t.ev);
	HOLDS("not file.mode exists", &t.ev);
}

static void
test_and_or_not(void **state)
{
	struct tev t;

	tev_init(&t);
	HOLDS("proc.pid == 1 or proc.pid == 4242", &t.ev);
	FAILS("proc.pid == 1 and proc.pid == 4242", &t.ev);
	HOLDS("not (proc.pid == 1 or proc.name == sh)", &t.ev);
	HOLDS("(proc.pid == 1 or proc.name == busybox) and file.op == write",
	    &t.ev);
	FAILS("not proc.pid == 4242 or proc.pid == 1", &t.ev);
}

/* ---- type errors ----------------------------------------------------------- */

static void
test_type_errors(void **state)
{
	err_is("rule r { severity low when proc.pid startswith \"x\" }\n",
	    "a.rules:1:37: error: operator 'startswith' does not apply to "
	    "integer field 'proc.pid'\n"
	    "rule r { severity low when proc.pid startswith \"x\" }\n"
	    "                                    ^^^^^^^^^^\n");
	err_has("rule r { severity low when proc.pid == abc }", NULL,
	    "error: 'abc' is not an integer (proc.pid is an integer)");
	err_has("rule r { severity low when file.upper_layer == yes }", NULL,
	    "error: 'yes' is not true or false");
	err_has("rule r { severity low when file.op in (write, wrtie) }", NULL,
	    "a.rules:1:47: error: unknown operation 'wrtie' for file.op");
	err_has("rule r { severity low when proc.name in \"x\" }", NULL,
	    "error: 'in' needs (a, b, ...) or a list name, not a string");
	err_has("rule r { severity low when proc.name == (a, b) }", NULL,
	    "error: operator '==' takes one value, not a set (use 'in')");
	err_has("rule r { severity low when proc.name exists x }", NULL,
	    "error: 'exists' takes no value");
	err_has("rule r { severity low when proc.name startswith }", NULL,
	    "error: operator 'startswith' needs a value");
	err_has("rule r { severity low when proc.name like x }", NULL,
	    "error: unknown operator 'like'");
	err_has("rule r { severity low when file.upper_layer < 1 }", NULL,
	    "error: operator '<' does not apply to boolean field");
	err_has("rule r { severity low when proc.pname }", NULL,
	    "error: field 'proc.pname' needs an operator");
	err_has("rule r { severity low when proc.name matches \"a[\" }", NULL,
	    "a.rules:1:49: error: bad regular expression: missing terminating ]");
	/* the regex column counts the source, escapes included */
	err_has("rule r { severity low when proc.name matches \"\\\\\\\"(\" }",
	    NULL, "a.rules:1:52: error: bad regular expression");
}

/* ---- lists, macros, cycles ------------------------------------------------- */

static void
test_lists_macros(void **state)
{
	struct tev t;
	struct ad_ruleset *rs;
	struct got g;

	tev_init(&t);
	rs = load_ok(
	    "list inner = [/usr/bin]\n"
	    "list outer = [/bin, inner, \"inner\"]\n"
	    "list outer += [/opt/bin]\n"
	    "macro in_ct = container.id exists\n"
	    "macro drift = in_ct and file.dir in outer\n"
	    "rule r { severity high when drift and not proc.name in (inner) }\n");
	assert_int_equal(run(rs, &t.ev, &g), 1);
	ad_ruleset_free(rs);
	t.ev.items[0].path = S("/opt/bin/x");
	rs = load_ok("list a = [/bin]\nrule r { severity low when file.dir in a"
	    " }\nlist a += [/opt/bin]\n");
	assert_int_equal(run(rs, &t.ev, &g), 1);	/* appended later */
	ad_ruleset_free(rs);
	t.ev.items[0].path = S("/x/inner");
	/* a quoted word is never a list name */
	rs = load_ok("list inner = [q]\nrule r { severity low when file.name "
	    "in (\"inner\") }\n");
	assert_int_equal(run(rs, &t.ev, &g), 1);
	ad_ruleset_free(rs);
}

static void
test_cycles(void **state)
{
	err_is("list a = [x, b]\nlist b = [c]\nlist c = [a]\n",
	    "a.rules:3:11: error: list 'a' includes itself: a -> b -> c -> a\n"
	    "list c = [a]\n"
	    "          ^\n");
	err_is("macro m = m\n",
	    "a.rules:1:11: error: macro 'm' uses itself: m -> m\n"
	    "macro m = m\n"
	    "          ^\n");
	err_has("macro a = proc.pid == 1 and b\nmacro b = not a\n"
	    "rule r { severity low when a }\n", NULL,
	    "a.rules:2:15: error: macro 'a' uses itself: a -> b -> a");
}

static void
test_undefined(void **state)
{
	err_has("rule r { severity low when nomacro }", NULL,
	    "a.rules:1:28: error: undefined macro 'nomacro'");
	err_has("list l = [a]\nrule r { severity low when l }", NULL,
	    "error: undefined macro 'l' (it is a list: use 'FIELD in LIST')");
	err_has("rule r { severity low when proc.name in nolist }", NULL,
	    "a.rules:1:41: error: undefined list 'nolist'");
	err_has("list x += [a]\n", NULL,
	    "error: list 'x' is not defined: cannot append to it");
	err_has("disable rule nope\n", NULL,
	    "error: rule 'nope' is not defined: cannot disable it");
	err_has("rule r { when proc.pid == 1 }", NULL,
	    "error: rule 'r' has no severity");
	err_has("rule r { severity low }", NULL, "error: rule 'r' has no 'when'");
	err_has("rule r { severity urgent when proc.pid == 1 }", NULL,
	    "a.rules:1:19: error: unknown severity 'urgent'");
	err_has("rule r { severity low severity high when proc.pid == 1 }",
	    NULL, "error: 'severity' given twice in rule 'r' (first at "
	    "a.rules:1:10)");
	err_has("rule r { severity low when proc.pid == 1 enabled maybe }",
	    NULL, "error: enabled must be true or false, not 'maybe'");
	err_has("rule r { severity low when proc.pid == 1 output \"%proc.nope\" }",
	    NULL, "a.rules:1:50: error: unknown field 'proc.nope' in output");
}

static void
test_duplicates_across_files(void **state)
{
	err_has("rule r { severity low when proc.pid == 1 }",
	    "rule r { severity low when proc.pid == 2 }",
	    "b.rules:1:6: error: rule 'r' is already defined at a.rules:1:6");
	err_has("list l = [a]\nmacro m = proc.pid == 1",
	    "list l = [b]\nmacro m = proc.pid == 2",
	    "b.rules:2:7: error: macro 'm' is already defined at a.rules:2:7");
}

/* ---- append / disable / except --------------------------------------------- */

static const char base_rules[] =
    "rule drift {\n"
    "  desc \"binary changed\"\n"
    "  severity medium\n"
    "  tags [drift, pci-dss-11.5]\n"
    "  when container.id exists and file.op in (write, chmod)\n"
    "       and file.dir in (/bin, /usr/bin)\n"
    "  except proc.name in (apt, dpkg)\n"
    "  output \"%file.op of %file.path by %proc.exe (pid %proc.pid) in "
    "%container.name, mode %file.mode, 100%%.\"\n"
    "}\n"
    "rule second { severity low when proc.pid == 4242 }\n";

static void
test_rule_findings(void **state)
{
	struct ad_ruleset *rs = load_ok(base_rules);
	struct tev t;
	struct got g;
	int files, rules, lists, macros;

	tev_init(&t);
	assert_int_equal(run(rs, &t.ev, &g), 2);
	assert_string_equal(g.names, "drift second");	/* file order */
	assert_string_equal(g.sev, "low");
	ad_ruleset_counts(rs, &files, &rules, &lists, &macros);
	assert_int_equal(files, 1);
	assert_int_equal(rules, 2);
	assert_int_equal(strlen(ad_ruleset_digest(rs)), 64);
	t.ev.proc.pid = 1;
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_string_equal(g.msg, "write of /usr/bin/evil by /bin/busybox "
	    "(pid 1) in web, mode 0100755, 100%.");
	assert_string_equal(g.tags, "drift,pci-dss-11.5");
	assert_string_equal(g.sev, "medium");
	t.ct.name = NULL;
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_non_null(strstr(g.msg, "in <NA>,"));
	t.ev.proc.comm = S("dpkg");	/* except */
	assert_int_equal(run(rs, &t.ev, &g), 0);
	t.ev.proc.comm = S("busybox");
	t.ev.op = AD_OP_UNLINK;		/* not an op of the rule */
	assert_int_equal(run(rs, &t.ev, &g), 0);
	ad_ruleset_free(rs);
}

static void
test_append_disable(void **state)
{
	struct ad_ruleset *rs;
	struct tev t;
	struct got g;
	char *err = NULL;

	tev_init(&t);
	rs = load2(base_rules, "rule drift += {\n  except container.image "
	    "startswith \"registry.internal/\"\n  tags [local]\n}\n"
	    "disable rule second\n", &err);
	assert_non_null(rs);
	assert_int_equal(run(rs, &t.ev, &g), 0);
	t.ct.image = "docker.io/x";
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_string_equal(g.names, "drift");
	assert_string_equal(g.tags, "drift,pci-dss-11.5,local");
	ad_ruleset_free(rs);
	free(err);

	rs = load2(base_rules, "rule drift += { enabled false }\n"
	    "rule second += { enabled true }\n", &err);
	assert_non_null(rs);
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_string_equal(g.names, "second");
	ad_ruleset_free(rs);
	free(err);

	rs = load_ok("rule off { severity low when proc.pid == 4242 "
	    "enabled false }\n");
	assert_int_equal(run(rs, &t.ev, &g), 0);
	ad_ruleset_free(rs);

	err_has(base_rules, "rule drift += { severity high }\n",
	    "b.rules:1:17: error: 'severity' cannot be added to rule 'drift' "
	    "(only except, tags, enabled and action)");
}

/* ---- the indexes ------------------------------------------------------------ */

static void
test_opmask(void **state)
{
	struct ad_ruleset *rs = load_ok(
	    "rule a { severity low when file.op in (write, chmod) and "
	    "proc.pid > 1 }\n"
	    "rule b { severity low when file.op == exec or file.op == mount }\n"
	    "rule c { severity low when not file.op == exec }\n"
	    "rule d { severity low when file.op != exec }\n"
	    "rule e { severity low when proc.pid > 1 }\n"
	    "rule f { severity low when net.op == listen }\n"
	    "rule g { severity low when net.op != bind }\n"
	    "rule h { severity low when net.op exists and proc.pid > 1 }\n"
	    "rule i { severity low when file.op in (connect, exec) }\n");
	/* a rule that names no network operation never sees one */
	uint32_t all = AD_OPS_ALL & ~AD_OPS_NET;

	assert_int_equal(rs->rules[0].opmask,
	    (1u << AD_OP_OPEN_WRITE) | (1u << AD_OP_CHMOD));
	assert_int_equal(rs->rules[1].opmask,
	    (1u << AD_OP_EXEC) | (1u << AD_OP_MOUNT));
	assert_int_equal(rs->rules[2].opmask, all);
	assert_int_equal(rs->rules[3].opmask, all & ~(1u << AD_OP_EXEC));
	assert_int_equal(rs->rules[4].opmask, all);
	assert_int_equal(rs->rules[5].opmask, 1u << AD_OP_LISTEN);
	assert_int_equal(rs->rules[6].opmask, AD_OPS_NET & ~(1u << AD_OP_BIND));
	assert_int_equal(rs->rules[7].opmask, AD_OPS_NET);
	assert_int_equal(rs->rules[8].opmask,
	    (1u << AD_OP_CONNECT) | (1u << AD_OP_EXEC));
	ad_ruleset_free(rs);
}

/* Kernel interest: dirs named in positive position (lists and macros
 * expanded), ops, exec; disabled rules and negations name nothing. */
static void
test_kinterest(void **state)
{
	static const char *const want[] = { "/data/bin", "/opt/x", "/srv/app",
	    "/usr/lib/y" };
	struct ad_kinterest ki;
	struct ad_ruleset *rs = load_ok(
	    "list bins = [/data/bin, /data/bin/]\n"
	    "macro in_bins = file.dir in bins\n"
	    "rule a { severity low when file.op == chmod and in_bins }\n"
	    "rule b { severity low when file.op == write and\n"
	    "    (file.path startswith \"/opt/x/\" or\n"
	    "     file.path == /srv/app/run.sh or\n"
	    "     file.target_dir == /usr/lib/y) }\n"
	    "rule c { severity low when file.op == write and\n"
	    "    not file.path startswith /tmp/ }\n"
	    "rule d { severity low when file.op == exec and proc.pid > 1 }\n"
	    "rule e { severity low enabled false when file.op == unlink and\n"
	    "    file.dir == /nope }\n");
	size_t i;

	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.ndirs, AD_ARRAY_SIZE(want));
	for (i = 0; i < AD_ARRAY_SIZE(want); i++)
		assert_string_equal(ki.dirs[i], want[i]);
	assert_int_equal(ki.ops, (1u << AD_OP_CHMOD) |
	    (1u << AD_OP_OPEN_WRITE));
	assert_int_equal(ki.exec, 1);
	assert_int_equal(ki.undirected, 1);
	assert_string_equal(ki.undirected_rule, "c");
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);

	/* no exec rule, no file op: nothing for the kernel */
	rs = load_ok("rule a { severity low when file.op == mount }\n");
	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.exec, 0);
	assert_int_equal(ki.ndirs, 0);
	assert_int_equal(ki.ops, 1u << AD_OP_MOUNT);
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);

	/* a rule not testing file.op may match anything, exec included */
	rs = load_ok("rule a { severity low when proc.name == sh }\n");
	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.exec, 1);
	assert_int_equal(ki.ops, AD_OPS_ALL & ~(1u << AD_OP_EXEC) &
	    ~AD_OPS_NET);
	assert_int_equal(ki.net, 0);	/* network ops only when named */
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);

	/* network operations: only those named, and no file op */
	rs = load_ok("rule a { severity low when net.op == listen and "
	    "container.id exists }\n"
	    "rule b { severity low when net.op in (dup, connect) }\n"
	    "rule c { severity low when net.op == accept enabled false }\n");
	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.exec, 0);
	assert_int_equal(ki.ops, 0);
	assert_int_equal(ki.ctr_root_ops, 0);
	assert_int_equal(ki.net, (1u << AD_OP_LISTEN) | (1u << AD_OP_DUP) |
	    (1u << AD_OP_CONNECT));
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);
	/* no dir named, containers only: their whole root, for the ops of
	 * such rules; a negated or one-sided container test is not that */
	rs = load_ok(
	    "rule a { severity low when container.id exists and\n"
	    "    file.op in (write, create) and not file.path startswith /tmp/ }\n"
	    "rule b { severity low when container.name == web and\n"
	    "    file.op == chmod }\n"
	    "rule c { severity low when not container.id exists and\n"
	    "    file.op == unlink }\n"
	    "rule d { severity low when file.op == rename and\n"
	    "    (container.id exists or proc.uid == 0) }\n"
	    "rule e { severity low when container.image != x and\n"
	    "    file.op == link }\n");
	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.ctr_root_ops, (1u << AD_OP_OPEN_WRITE) |
	    (1u << AD_OP_CREATE) | (1u << AD_OP_CHMOD));
	assert_string_equal(ki.ctr_root_rule, "a");
	assert_int_equal(ki.undirected, 3);
	assert_string_equal(ki.undirected_rule, "c");
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);
}

/* The shipped rules.d derives the essential bin dirs, exec, and the
 * binary-change ops. */
static void
test_kinterest_rules_d(void **state)
{
	static const char *const want[] = { "/bin", "/sbin", "/usr/bin",
	    "/usr/local/bin", "/usr/local/sbin", "/usr/sbin" };
	char dir[4096];
	struct ad_kinterest ki;
	struct ad_ruleset *rs;
	const char *src = getenv("srcdir");
	size_t i;

	snprintf(dir, sizeof(dir), "%s/rules.d", src ? src : ".");
	rs = ad_ruleset_load(dir, NULL, 0, 1, stderr);
	assert_non_null(rs);
	ad_ruleset_kinterest(rs, &ki);
	assert_int_equal(ki.ndirs, AD_ARRAY_SIZE(want));
	for (i = 0; i < AD_ARRAY_SIZE(want); i++)
		assert_string_equal(ki.dirs[i], want[i]);
	assert_int_equal(ki.exec, 1);
	assert_true(ki.ops & (1u << AD_OP_UTIMES));
	assert_false(ki.ops & (1u << AD_OP_MOUNT));
	/* listen and dup for the network rules; no connect: the outbound
	 * rule is disabled */
	assert_int_equal(ki.net, (1u << AD_OP_LISTEN) | (1u << AD_OP_DUP));
	ad_kinterest_free(&ki);
	ad_ruleset_free(rs);
}

/* The shipped listening_port_in_container on a listen in a container:
 * reported past the start-up grace, not within it, not on a port the
 * image declares, not for an AF_UNIX socket. */
static void
test_listening_port_rules_d(void **state)
{
	static struct ad_str ports[] = { { "8080/tcp", 8 }, { "53/udp", 6 } };
	char dir[4096];
	struct ad_ruleset *rs;
	struct ad_posture post;
	struct tev t;
	struct got g;
	const char *src = getenv("srcdir");
	const char *v4 = "02001F917F000001";	/* 127.0.0.1:8081 */

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rules.d", src ? src : ".");
	rs = ad_ruleset_load(dir, NULL, 0, 1, stderr);
	assert_non_null(rs);
	tev_init(&t);
	memset(&post, 0, sizeof(post));
	post.img_ports.v = ports;
	post.img_ports.n = 2;
	post.img_ports.known = 1;
	t.ct.posture = &post;
	t.ct.started_ms = (t.ev.sec - 60) * 1000;	/* a minute ago */
	t.ev.op = AD_OP_LISTEN;
	t.ev.syscall_name = "listen";
	t.ev.nitems = 0;
	t.ev.file_idx = -1;
	assert_int_equal(ad_sockaddr_decode(v4, strlen(v4), &t.ev.net), 0);
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_string_equal(g.names, "listening_port_in_container");
	/* within the first 30 s: the workload's start-up */
	t.ct.started_ms = (t.ev.sec - 10) * 1000;
	assert_int_equal(run(rs, &t.ev, &g), 0);
	/* start unknown: reported */
	t.ct.started_ms = 0;
	assert_int_equal(run(rs, &t.ev, &g), 1);
	/* 8080/tcp is declared; 53 only as udp */
	t.ct.started_ms = (t.ev.sec - 60) * 1000;
	t.ev.net.port = 8080;
	assert_int_equal(run(rs, &t.ev, &g), 0);
	t.ev.net.port = 53;
	assert_int_equal(run(rs, &t.ev, &g), 1);
	/* AF_UNIX */
	ad_net_clear(&t.ev.net);
	t.ev.net.present = 1;
	t.ev.net.family = AF_UNIX;
	assert_int_equal(run(rs, &t.ev, &g), 0);
	/* on the host: not this rule */
	assert_int_equal(ad_sockaddr_decode(v4, strlen(v4), &t.ev.net), 0);
	t.ev.container = NULL;
	assert_int_equal(run(rs, &t.ev, &g), 0);
	ad_ruleset_free(rs);
}

/* Many rules filed under file.path: exactly the right one fires, and a
 * rule with both an op and a key obeys both. */
static void
test_value_index(void **state)
{
	struct ad_buf b;
	struct ad_ruleset *rs;
	struct tev t;
	struct got g;
	int i;

	ad_buf_init(&b);
	for (i = 0; i < 300; i++)
		ad_buf_printf(&b, "rule r%d { severity low when file.op == %s "
		    "and file.path == /srv/f%d }\n", i, i % 2 ? "chmod" : "write",
		    i);
	ad_buf_adds(&b, "rule name { severity low when proc.name in (x, "
	    "busybox) and file.name in (f10, f11) }\n");
	rs = load_ok(b.p);
	tev_init(&t);
	t.ev.items[0].path = S("/srv/f10");
	assert_int_equal(run(rs, &t.ev, &g), 2);
	assert_string_equal(g.names, "r10 name");
	t.ev.items[0].path = S("/srv/f11");	/* r11 is a chmod rule */
	assert_int_equal(run(rs, &t.ev, &g), 1);
	assert_string_equal(g.names, "name");
	t.ev.op = AD_OP_CHMOD;
	assert_int_equal(run(rs, &t.ev, &g), 2);
	assert_string_equal(g.names, "r11 name");
	t.ev.items[0].path = S("/srv/f1000");
	assert_int_equal(run(rs, &t.ev, &g), 0);
	ad_ruleset_free(rs);
	ad_buf_free(&b);
}

/* Rules filed by prefix: every prefix length is tried, a prefix equal to
 * the whole value and the empty prefix match, an exact key on the same
 * field beats a prefix, ops still filter, and nothing else fires. */
static void
test_prefix_index(void **state)
{
	static const struct {
		const char *path;
		const char *names;
	} cases[] = {
		{ "/srv/app7/bin/x", "p7 pall" },
		{ "/srv/app77/x", "p77 pall" },
		{ "/srv/app7", "pall" },	/* shorter than "/srv/app7/" */
		{ "/srv/app1/", "p1 pall" },	/* the whole value */
		{ "/srv/app2/y", "p2 pall exact" },
		{ "/srv/app2/z", "p2 pall" },
		{ "/srv/other", "pall" },
		{ "", "pall" },
	};
	struct ad_buf b;
	struct ad_ruleset *rs;
	struct tev t;
	struct got g;
	size_t i;

	(void)state;
	ad_buf_init(&b);
	for (i = 0; i < 100; i++)
		ad_buf_printf(&b, "rule p%zu { severity low when file.op == "
		    "write and file.path startswith \"/srv/app%zu/\" }\n", i,
		    i);
	ad_buf_adds(&b, "rule pall { severity low when file.path startswith "
	    "\"\" }\n"
	    "rule exact { severity low when file.path startswith \"/srv/\" "
	    "and file.path == /srv/app2/y }\n"
	    "rule chm { severity low when file.op == chmod and file.path "
	    "startswith /srv/app3/ }\n");
	rs = load_ok(b.p);
	tev_init(&t);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t.ev.items[0].path.s = cases[i].path;
		t.ev.items[0].path.len = strlen(cases[i].path);
		run(rs, &t.ev, &g);
		assert_string_equal(g.names, cases[i].names);
	}
	t.ev.items[0].path = S("/srv/app3/z");	/* p3 is a write rule */
	t.ev.op = AD_OP_CHMOD;
	assert_int_equal(run(rs, &t.ev, &g), 2);
	assert_string_equal(g.names, "pall chm");
	ad_ruleset_free(rs);
	ad_buf_free(&b);
}

/* ---- files: order, safety ----------------------------------------------------- */

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_load_dir(void **state)
{
	char dir[] = "/tmp/test_rules.XXXXXX", p[256], *err = NULL;
	struct ad_ruleset *rs;
	size_t len;
	FILE *f;
	int files, rules;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/20-b.rules", dir);
	write_file(p, "rule b { severity low when x }\n", 0644);
	snprintf(p, sizeof(p), "%s/10-a.rules", dir);
	write_file(p, "macro x = proc.pid == 1\n", 0644);
	snprintf(p, sizeof(p), "%s/README", dir);
	write_file(p, "not rules\n", 0644);

	f = open_memstream(&err, &len);
	rs = ad_ruleset_load(dir, NULL, 0, 1, f);
	fclose(f);
	assert_non_null(rs);
	ad_ruleset_counts(rs, &files, &rules, NULL, NULL);
	assert_int_equal(files, 2);
	assert_int_equal(rules, 1);
	ad_ruleset_free(rs);
	free(err);

	/* group-writable: refused unless insecure (skip when not root) */
	snprintf(p, sizeof(p), "%s/10-a.rules", dir);
	assert_int_equal(chmod(p, 0664), 0);
	if (geteuid() == 0 && getenv("AUDRIFT_INSECURE_RULES") == NULL) {
		f = open_memstream(&err, &len);
		rs = ad_ruleset_load(dir, NULL, 0, 0, f);
		fclose(f);
		assert_null(rs);
		assert_non_null(strstr(err, "10-a.rules: error: refusing to "
		    "load: writable by group or others (mode 0664; chmod go-w)"));
		free(err);
	}
	/* a symlink is never followed */
	snprintf(p, sizeof(p), "%s/30-link.rules", dir);
	assert_int_equal(symlink("10-a.rules", p), 0);
	f = open_memstream(&err, &len);
	rs = ad_ruleset_load(dir, NULL, 0, 1, f);
	fclose(f);
	assert_null(rs);
	assert_non_null(strstr(err, "30-link.rules: error: refusing to load a "
	    "symbolic link"));
	free(err);
	unlink(p);
	snprintf(p, sizeof(p), "%s/10-a.rules", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/20-b.rules", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/README", dir);
	unlink(p);
	rmdir(dir);
}

static void
test_fields_table(void **state)
{
	int i, j;

	for (i = 0; i < ad_nfields; i++) {
		assert_non_null(ad_fields[i].get);
		assert_ptr_equal(ad_field_find(ad_fields[i].name), &ad_fields[i]);
		for (j = i + 1; j < ad_nfields; j++)
			assert_string_not_equal(ad_fields[i].name,
			    ad_fields[j].name);
	}
	for (i = 0; i < ad_noperators; i++)
		assert_ptr_equal(ad_operator_find(ad_operators[i].name),
		    &ad_operators[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_eval),
		cmocka_unit_test(test_scanner_tokens),
		cmocka_unit_test(test_scanner_errors),
		cmocka_unit_test(test_parser_statements),
		cmocka_unit_test(test_parser_precedence),
		cmocka_unit_test(test_parser_recovers),
		cmocka_unit_test(test_ops_string),
		cmocka_unit_test(test_ops_path),
		cmocka_unit_test(test_ops_integer),
		cmocka_unit_test(test_ops_boolean),
		cmocka_unit_test(test_ops_list),
		cmocka_unit_test(test_ops_opname),
		cmocka_unit_test(test_absent_fields),
		cmocka_unit_test(test_argv0),
		cmocka_unit_test(test_and_or_not),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_lists_macros),
		cmocka_unit_test(test_cycles),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_duplicates_across_files),
		cmocka_unit_test(test_rule_findings),
		cmocka_unit_test(test_append_disable),
		cmocka_unit_test(test_opmask),
		cmocka_unit_test(test_kinterest),
		cmocka_unit_test(test_kinterest_rules_d),
		cmocka_unit_test(test_listening_port_rules_d),
		cmocka_unit_test(test_value_index),
		cmocka_unit_test(test_prefix_index),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_fields_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
