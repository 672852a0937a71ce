/*
 * rules-bench.c - events/s through ad_ruleset_eval with 10, 100 and 1000
 * generated rules over the same events (a benchmark, not a test: run
 * `make bench-rules`).  Target: 1000 rules at >= 50% of the 10-rule rate.
 *
 * Each ruleset is 5 fixed rules shaped like the shipped ones (visited on
 * every event of their operations) plus generated rules shaped like site
 * rules: each watches one file, directory or program (`file.path == ...`,
 * `file.dir in (...)`, `proc.exe == ...`) for some operations.  A second
 * pass ("prefix") generates rules keyed only by `file.path startswith`,
 * which the prefix index files (some match the events); a third
 * ("unkeyed") rules with only `endswith` conditions, which no index can
 * key, to show the linear worst case.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "container.h"
#include "rules_ast.h"
#include "ruleset.h"
#include "util.h"

#define NEV	64

static const char fixed[] =
    "list bins = [/bin, /sbin, /usr/bin, /usr/sbin]\n"
    "list pkgs = [apt, apt-get, dpkg, rpm, pip]\n"
    "macro in_ct = container.id exists\n"
    "rule f1 { severity medium when in_ct and file.op in (chmod, chown, "
    "write, rename, unlink) and file.dir in bins except proc.name in pkgs "
    "output \"%file.op of %file.path by %proc.exe in %container.name\" }\n"
    "rule f2 { severity high when in_ct and file.op == exec and "
    "proc.exe_upper_layer output \"%proc.exe ran\" }\n"
    "rule f3 { severity low when in_ct and file.op == exec and proc.name in "
    "(sh, bash, dash) and not proc.tty exists }\n"
    "rule f4 { severity info when file.op == exec and proc.cmdline matches "
    "\"https?://[^ ]+\" }\n"
    "rule f5 { severity low when file.op in (write, unlink) and file.path "
    "glob \"/etc/*.conf\" and not proc.name in pkgs }\n";

enum pass { KEYED, PREFIX, UNKEYED };
static const char *const pass_names[] = { "keyed (site-like)",
    "prefix (startswith)", "unkeyed (worst case)" };

static void
gen_rules(struct ad_buf *b, int n, enum pass pass)
{
	int i;

	ad_buf_reset(b);
	ad_buf_adds(b, fixed);
	for (i = 0; i < n - 5; i++) {
		if (pass == PREFIX)
			ad_buf_printf(b, "rule g%d { severity low when file.op "
			    "in (write, chmod) and file.path startswith "
			    "\"/var/lib/app%d/\" }\n", i, i * 5);
		else if (pass == UNKEYED)
			ad_buf_printf(b, "rule g%d { severity low when file.op "
			    "in (write, chmod) and file.path endswith "
			    "\"/app%d.conf\" }\n", i, i);
		else if (i % 3 == 0)
			ad_buf_printf(b, "rule g%d { severity low when in_ct and "
			    "file.op in (write, chmod, unlink) and file.path == "
			    "\"/srv/app/%d.conf\" output \"%%file.path changed\" "
			    "}\n", i, i);
		else if (i % 3 == 1)
			ad_buf_printf(b, "rule g%d { severity medium when file.op "
			    "== exec and proc.exe == /opt/tool/%d except proc.uid "
			    "== 0 }\n", i, i);
		else
			ad_buf_printf(b, "rule g%d { severity low when file.op "
			    "in (create, write) and file.dir in (/var/lib/app%d, "
			    "/var/cache/app%d) }\n", i, i, i);
	}
}

struct bev {
	struct ad_event ev;
	char path[64], exe[64];
};

static struct ad_container ct = { .id = "0123456789ab", .runtime = "podman",
    .name = "web", .image = "registry.internal/web:1" };

static void
make_events(struct bev *e)
{
	static const struct ad_str args[2] = { { "curl", 4 },
	    { "http://x/y", 10 } };
	static const enum ad_op ops[] = { AD_OP_OPEN_WRITE, AD_OP_EXEC,
	    AD_OP_CHMOD, AD_OP_CREATE, AD_OP_UNLINK, AD_OP_OTHER };
	int i;

	for (i = 0; i < NEV; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].ev.op = ops[i % 6];
		switch (i % 4) {
		case 0:
			snprintf(e[i].path, sizeof(e[i].path), "/usr/bin/x%d", i);
			break;
		case 1:
			snprintf(e[i].path, sizeof(e[i].path),
			    "/srv/app/%d.conf", i * 7);
			break;
		case 2:
			snprintf(e[i].path, sizeof(e[i].path),
			    "/var/lib/app%d/db", i * 5);
			break;
		default:
			snprintf(e[i].path, sizeof(e[i].path), "/etc/app.conf");
		}
		snprintf(e[i].exe, sizeof(e[i].exe), i % 5 ? "/opt/tool/%d" :
		    "/bin/busybox", i * 3);
		e[i].ev.items[0].path.s = e[i].path;
		e[i].ev.items[0].path.len = strlen(e[i].path);
		e[i].ev.items[0].has_inode = 1;
		e[i].ev.items[0].mode = 0100755;
		e[i].ev.nitems = 1;
		e[i].ev.file_idx = 0;
		e[i].ev.file2_idx = -1;
		e[i].ev.proc.pid = 1000 + i;
		e[i].ev.proc.uid = i % 2 ? 1000 : 0;
		e[i].ev.proc.comm.s = i % 7 ? "busybox" : "sh";
		e[i].ev.proc.comm.len = strlen(e[i].ev.proc.comm.s);
		e[i].ev.proc.exe.s = e[i].exe;
		e[i].ev.proc.exe.len = strlen(e[i].exe);
		e[i].ev.proc.tty.s = "(none)";
		e[i].ev.proc.tty.len = 6;
		e[i].ev.proc.argc = 2;
		e[i].ev.proc.argv = args;
		e[i].ev.proc.cmdline.s = "curl http://x/y";
		e[i].ev.proc.cmdline.len = 15;
		e[i].ev.container = i % 3 ? &ct : NULL;
		e[i].ev.exe_upper_layer = i % 2;
		e[i].ev.file_upper_layer = -1;
		e[i].ev.success = 1;
	}
}

static void
count(void *arg, const struct ad_finding *f)
{
	(*(uint64_t *)arg) += f->message_len > 0;
}

/* Events per second over about `secs` seconds. */
static double
measure(const struct ad_ruleset *rs, const struct bev *e, double secs,
    uint64_t *findings)
{
	double t0 = bench_now(), t;
	uint64_t n = 0;
	int i;

	*findings = 0;
	do {
		for (i = 0; i < NEV; i++)
			ad_ruleset_eval(rs, &e[i].ev, count, findings);
		n += NEV;
	} while ((t = bench_now() - t0) < secs);
	return (double)n / t;
}

int
main(int argc, char **argv)
{
	static const int sizes[] = { 10, 100, 1000 };
	double secs = argc > 1 ? atof(argv[1]) : 1.0, rate[3];
	struct bev *e = calloc(NEV, sizeof(*e));
	const char *name = "bench.rules";
	struct ad_ruleset *rs;
	struct ad_buf b;
	uint64_t findings;
	int pass, i;

	if (e == NULL)
		return 1;
	make_events(e);
	ad_buf_init(&b);
	for (pass = KEYED; pass <= UNKEYED; pass++) {
		printf("%s rules:\n", pass_names[pass]);
		for (i = 0; i < 3; i++) {
			const char *text;

			gen_rules(&b, sizes[i], (enum pass)pass);
			text = b.p;
			rs = ad_ruleset_load_mem(&name, &text, 1, stderr);
			if (rs == NULL)
				return 1;
			rate[i] = measure(rs, e, secs, &findings);
			printf("  %5d rules: %10.0f events/s  (%.2f of 10-rule "
			    "rate, %.2f findings/event)\n", sizes[i], rate[i],
			    rate[i] / rate[0], (double)findings /
			    (rate[i] * secs));
			ad_ruleset_free(rs);
		}
	}
	ad_buf_free(&b);
	free(e);
	return 0;
}
