/*
 * store_fixture.c - synthetic findings (see store_fixture.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store_fixture.h"

#define S(lit)	((struct ad_str){ (lit), sizeof(lit) - 1 })

void
fx_make(struct fx *x, uint64_t i, int64_t sec, int in_container)
{
	struct ad_event *ev = &x->ev;
	int n;

	memset(x, 0, sizeof(*x));
	ev->serial = 1000 + i;
	ev->sec = sec;
	ev->ms = (unsigned)(i % 1000);
	ev->arch = 0xc000003e;
	ev->arch_name = "x86_64";
	ev->syscall = 59;
	ev->syscall_name = "execve";
	ev->success = 1;
	ev->exit = 0;
	ev->op = AD_OP_EXEC;
	ev->key = S("drift-exec");
	ev->proc.pid = (pid_t)(4000 + i % 1000);
	ev->proc.ppid = 3999;
	ev->proc.uid = ev->proc.euid = 0;
	ev->proc.auid = 4294967295u;
	ev->proc.ses = 4294967295u;
	ev->proc.tty = S("(none)");
	ev->proc.comm = S("curl");
	ev->proc.exe = S("/usr/bin/curl");
	n = snprintf(x->path, sizeof(x->path), "/tmp/payload-%llu",
	    (unsigned long long)i);
	x->argv[0] = S("curl");
	x->argv[1] = S("-o");
	x->argv[2] = (struct ad_str){ x->path, (size_t)n };
	ev->proc.argc = 3;
	ev->proc.argv = x->argv;
	ev->proc.cmdline = S("curl -o /tmp/payload");
	ev->proc.proctitle = S("curl -o /tmp/payload");
	ev->cwd = S("/root");
	ev->nitems = 2;
	ev->items_logged = 2;
	ev->items[0].index = 0;
	ev->items[0].name = S("/usr/bin/curl");
	ev->items[0].path = S("/usr/bin/curl");
	ev->items[0].nametype = AD_NT_NORMAL;
	ev->items[0].inode = 1234;
	ev->items[0].mode = 0100755;
	ev->items[0].has_inode = 1;
	ev->items[1].index = 1;
	ev->items[1].name = (struct ad_str){ x->path, (size_t)n };
	ev->items[1].path = (struct ad_str){ x->path, (size_t)n };
	ev->items[1].nametype = AD_NT_CREATE;
	ev->items[1].inode = 5678 + i;
	ev->items[1].mode = 0100644;
	ev->items[1].has_inode = 1;
	ev->file_idx = 1;
	ev->file2_idx = -1;
	ev->ntypes = 3;
	ev->types[0] = 1300;	/* SYSCALL */
	ev->types[1] = 1309;	/* EXECVE */
	ev->types[2] = 1302;	/* PATH */
	ev->exe_upper_layer = -1;
	ev->file_upper_layer = -1;
	if (in_container) {
		x->c.id = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b";
		x->c.runtime = "podman";
		x->c.name = "web-1";
		x->c.image = "docker.io/library/nginx:1.27";
		ev->container = &x->c;
		ev->attribution = AD_ATTR_PID;
		ev->file_upper_layer = 1;
	}
	x->tags[0] = "drift";
	x->tags[1] = "mitre:T1105";
	x->f.rule = "write-then-exec";
	x->f.severity = (i % 5) == 0 ? "critical" : "high";
	x->f.tags = x->tags;
	x->f.ntags = 2;
	n = snprintf(x->msg, sizeof(x->msg), "curl wrote %s in %s", x->path,
	    in_container ? "web-1" : "host");
	x->f.message = x->msg;
	x->f.message_len = (size_t)n;
	x->f.ev = ev;
}
