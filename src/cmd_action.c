/*
 * cmd_action.c - `audrift freeze|thaw|evict CONTAINER`: the analyst's
 * Isolate and Evict steps, with the same cgroup writes and guards as
 * `audrift run --enforce` (action.c), each logged as an actions row.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "action.h"
#include "commands.h"
#include "diff.h"
#include "log.h"
#include "resolver.h"
#include "store.h"

static void
usage(FILE *f, const char *cmd)
{
	fprintf(f, "usage: audrift %s [--db PATH] CONTAINER\n"
	    "  CONTAINER   a running container's id, id prefix or name\n"
	    "  --db PATH   log the action in this database (default %s,\n"
	    "              when it exists)\n"
	    "freeze stops every process of the container (cgroup freezer),\n"
	    "thaw resumes them, evict kills them all.  See audrift(8).\n",
	    cmd, AD_STORE_DEFAULT_DB);
}

/* The actions row: into db (created and brought to the newest schema
 * when given explicitly), or a note that there is none. */
static void
log_row(const char *db, int explicit_db, const struct ad_action_rec *rec)
{
	struct stat st;
	sqlite3 *h = NULL;
	int rc;

	if (!explicit_db && stat(db, &st) != 0) {
		fprintf(stderr, "(no actions row: %s does not exist; give the "
		    "database audrift run writes with --db)\n", db);
		return;
	}
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
	    ad_schema_apply(h, ad_schema_version(), db) != 0) {
		log_warnx("cannot log the action in %s: %s; the action was "
		    "taken, note it by hand", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return;
	}
	sqlite3_busy_timeout(h, 5000);
	if ((rc = ad_action_rec_insert(h, rec)) != SQLITE_OK)
		log_warnx("cannot log the action in %s: %s; the action was "
		    "taken, note it by hand", db, sqlite3_errstr(rc));
	sqlite3_close(h);
}

static int
cmd_act(int argc, char **argv, enum ad_action action)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = ad_action_name(action), *db = AD_STORE_DEFAULT_DB;
	const struct ad_container *c;
	struct ad_action_opts o;
	struct ad_action_rec rec;
	struct ad_cgtarget t;
	struct ad_resolver *r;
	char id12[16];
	int ch, explicit_db = 0, rc, was;
	pid_t pid;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			explicit_db = 1;
			break;
		case 'h':
			usage(stdout, cmd);
			return 0;
		default:
			usage(stderr, cmd);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, cmd);
		return 2;
	}
	if ((r = ad_diff_scan(cmd)) == NULL)
		return 1;
	if ((c = ad_diff_find_container(r, argv[optind])) == NULL) {
		ad_resolver_free(r);
		return 1;
	}
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.origin, sizeof(rec.origin), "analyst");
	snprintf(rec.ctr_id, sizeof(rec.ctr_id), "%s", c->id);
	if (c->name != NULL)
		snprintf(rec.ctr_name, sizeof(rec.ctr_name), "%s", c->name);
	snprintf(id12, sizeof(id12), "%.12s", c->id);
	ad_resolver_free(r);
	memset(&o, 0, sizeof(o));
	o.enforce = 1;
	if (ad_cgroup_locate("/proc", "/sys/fs/cgroup", 0, rec.ctr_id, &t,
	    &pid, rec.why, sizeof(rec.why)) != 0) {
		rec.action = action;
		rec.result = AD_AR_FAILED;
		log_warnx("%s %s: %s; nothing was done", cmd, id12, rec.why);
		log_row(db, explicit_db, &rec);
		return 1;
	}
	was = ad_cgroup_frozen(&t);
	rc = ad_action_run(&o, action, &t, &rec);
	log_row(db, explicit_db, &rec);
	if (rc != 0) {
		log_warnx("%s %s: %s %s; nothing more was done", cmd, id12,
		    ad_act_result_name(rec.result), rec.why);
		return 1;
	}
	switch (action) {
	case AD_ACT_FREEZE:
		printf("froze container %s (%s)%s: %s\n"
		    "Its processes are stopped; their connections stay open "
		    "but silent.\nNext: audrift diff %s (what changed), "
		    "audrift thaw %s (resume), audrift evict %s (end it).\n",
		    id12, rec.ctr_name[0] ? rec.ctr_name : "-",
		    was == 1 ? " (it was frozen already)" : "", t.dir, id12,
		    id12, id12);
		break;
	case AD_ACT_THAW:
		printf("thawed container %s (%s)%s: %s\nNext: audrift "
		    "containers (its state), audrift diff %s.\n", id12,
		    rec.ctr_name[0] ? rec.ctr_name : "-",
		    was == 0 ? " (it was not frozen)" : "", t.dir, id12);
		break;
	default:
		printf("evicted container %s (%s): %s\nIts runtime sees it "
		    "exit (podman ps -a); the findings stay in the "
		    "database: audrift query --container %s.\n", id12,
		    rec.ctr_name[0] ? rec.ctr_name : "-", rec.why, id12);
		break;
	}
	return 0;
}

int
cmd_freeze(int argc, char **argv)
{
	return cmd_act(argc, argv, AD_ACT_FREEZE);
}

int
cmd_thaw(int argc, char **argv)
{
	return cmd_act(argc, argv, AD_ACT_THAW);
}

int
cmd_evict(int argc, char **argv)
{
	return cmd_act(argc, argv, AD_ACT_EVICT);
}
