/*
 * event_json.c - one normalized event as one JSON object.
 *
 * The member names are the model's (event.h); strings are valid JSON for
 * any bytes (a lossy string gets an exact "<name>_hex" twin).
 */
#include "config.h"

#include <libaudit.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "posture.h"
#include "event.h"
#include "util.h"

static void
member_s(struct ad_buf *b, const char *key, const struct ad_str *s)
{
	ad_json_member_str(b, key, s->s, s->len);
}

static void
member_cs(struct ad_buf *b, const char *key, const char *s)
{
	ad_json_member_str(b, key, s, s ? strlen(s) : 0);
}

/* uid-like: (uint32_t)-1 is "unset", printed as -1 like audit does. */
static void
member_id(struct ad_buf *b, const char *key, uint32_t v)
{
	ad_json_member_int(b, key, v == UINT32_MAX ? -1 : (int64_t)v);
}

static void
member_tri(struct ad_buf *b, const char *key, int v)
{
	ad_json_key(b, key, 0);
	ad_buf_adds(b, v < 0 ? "null" : v ? "true" : "false");
}

static void
item_json(struct ad_buf *b, const struct ad_item *it)
{
	ad_buf_addc(b, '{');
	ad_json_member_int(b, "item", it->index);
	member_s(b, "name", &it->name);
	member_s(b, "path", &it->path);
	member_cs(b, "nametype", ad_nametype_name(it->nametype));
	if (it->has_inode) {
		ad_json_member_int(b, "inode", (int64_t)it->inode);
		ad_json_key(b, "dev", 0);
		ad_buf_addc(b, '"');
		ad_buf_add_base(b, it->dev_major, 4, 2);
		ad_buf_addc(b, ':');
		ad_buf_add_base(b, it->dev_minor, 4, 2);
		ad_buf_add(b, "\",\"mode\":\"", 10);
		ad_buf_add_base(b, it->mode, 3, 1);
		ad_buf_addc(b, '"');
		member_id(b, "ouid", it->ouid);
		member_id(b, "ogid", it->ogid);
	}
	ad_buf_addc(b, '}');
}

void
ad_event_json(struct ad_buf *b, const struct ad_event *ev)
{
	const struct ad_item *f;
	char tbuf[40];
	int i;

	ad_event_time(ev, tbuf, sizeof(tbuf));
	ad_buf_addc(b, '{');
	ad_json_member_int(b, "serial", (int64_t)ev->serial);
	member_cs(b, "time", tbuf);
	ad_json_member_int(b, "sec", ev->sec);
	ad_json_member_int(b, "ms", ev->ms);
	if (ev->node.s != NULL)
		member_s(b, "node", &ev->node);
	member_cs(b, "arch", ev->arch_name);
	ad_json_member_int(b, "syscall_nr", ev->syscall);
	member_cs(b, "syscall", ev->syscall_name);
	member_tri(b, "success", ev->success);
	ad_json_member_int(b, "exit", ev->exit);
	member_cs(b, "op", ad_op_name(ev->op));
	member_s(b, "key", &ev->key);

	ad_json_key(b, "proc", 0);
	ad_buf_addc(b, '{');
	ad_json_member_int(b, "pid", ev->proc.pid);
	ad_json_member_int(b, "ppid", ev->proc.ppid);
	if (ev->proc.vpid > 0)	/* known only live (resolver.h) */
		ad_json_member_int(b, "vpid", ev->proc.vpid);
	member_id(b, "uid", ev->proc.uid);
	member_id(b, "euid", ev->proc.euid);
	member_id(b, "gid", ev->proc.gid);
	member_id(b, "egid", ev->proc.egid);
	member_id(b, "auid", ev->proc.auid);
	member_id(b, "ses", ev->proc.ses);
	member_s(b, "tty", &ev->proc.tty);
	member_s(b, "comm", &ev->proc.comm);
	member_s(b, "exe", &ev->proc.exe);
	ad_json_key(b, "argv", 0);
	if (ev->proc.argc > 0) {
		ad_buf_addc(b, '[');
		for (i = 0; i < ev->proc.argc; i++) {
			if (i)
				ad_buf_addc(b, ',');
			/* exact bytes of a lossy argument: argv_hex below */
			ad_json_str(b, ev->proc.argv[i].s, ev->proc.argv[i].len);
		}
		ad_buf_addc(b, ']');
	} else
		ad_buf_adds(b, "null");
	if (ev->proc.argc > 0)
		member_s(b, "cmdline", &ev->proc.cmdline);
	member_s(b, "proctitle", &ev->proc.proctitle);
	ad_buf_addc(b, '}');

	member_s(b, "cwd", &ev->cwd);
	f = ad_event_file(ev);
	ad_json_member_str(b, "path", f ? f->path.s : NULL, f ? f->path.len : 0);
	f = ad_event_file2(ev);
	ad_json_member_str(b, "path2", f ? f->path.s : NULL, f ? f->path.len : 0);
	ad_json_key(b, "items", 0);
	ad_buf_addc(b, '[');
	for (i = 0; i < ev->nitems; i++) {
		if (i)
			ad_buf_addc(b, ',');
		item_json(b, &ev->items[i]);
	}
	ad_buf_addc(b, ']');
	ad_json_member_int(b, "items_logged", ev->items_logged);

	ad_json_key(b, "records", 0);
	ad_buf_addc(b, '[');
	for (i = 0; i < ev->ntypes; i++) {
		const char *tn = audit_msg_type_to_name(ev->types[i]);

		if (i)
			ad_buf_addc(b, ',');
		if (tn != NULL) {
			ad_buf_addc(b, '"');
			ad_buf_adds(b, tn);
			ad_buf_addc(b, '"');
		} else
			ad_buf_printf(b, "\"UNKNOWN[%d]\"", ev->types[i]);
	}
	ad_buf_addc(b, ']');

	member_cs(b, "kind", ad_kind_name(ad_event_kind(ev)));
	member_cs(b, "attribution", ad_attr_name(ev->attribution));
	ad_json_key(b, "container", 0);
	if (ev->container != NULL) {
		const struct ad_container *c = ev->container;

		ad_buf_addc(b, '{');
		member_cs(b, "id", c->id);
		member_cs(b, "runtime", c->runtime);
		member_cs(b, "name", c->name);
		member_cs(b, "image", c->image);
		member_cs(b, "pod_uid", c->pod_uid);
		if (c->started_ms > 0) {
			int64_t t = ev->sec * 1000 + ev->ms;

			ad_json_member_int(b, "age", t > c->started_ms ?
			    (t - c->started_ms) / 1000 : 0);
		}
		ad_posture_json(b, c->posture);
		ad_buf_addc(b, '}');
	} else
		ad_buf_adds(b, "null");
	member_tri(b, "exe_upper_layer", ev->exe_upper_layer);
	member_tri(b, "file_upper_layer", ev->file_upper_layer);
	ad_buf_addc(b, '}');
}
