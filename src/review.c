/*
 * review.c - `audrift ack FINDING_ID... --by NAME [--note TEXT]`: a human
 * records that findings were reviewed (the reviews table, schema v5).
 * `audrift report` shows each finding reviewed or not: the "alerts were
 * reviewed" evidence of PCI DSS 11.5.
 *
 * All ids are checked first and recorded in one transaction: an unknown
 * id records nothing, so a typo never leaves half a review.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "commands.h"
#include "log.h"
#include "store.h"
#include "util.h"

static const char sql_exists[] = "SELECT 1 FROM findings WHERE id = ?1";
static const char sql_review_ins[] =
	"INSERT INTO reviews(finding_id, time, reviewer, note)"
	" VALUES(?1, ?2, ?3, ?4)";

static void
ack_usage(FILE *f)
{
	fprintf(f, "usage: audrift ack [--db FILE] --by NAME [--note TEXT] "
	    "FINDING_ID...\n"
	    "  FINDING_ID        a findings.id (audrift report and audrift "
	    "query --format json\n"
	    "                    show them)\n"
	    "  --by NAME         who reviewed them (required)\n"
	    "  --note TEXT       what was found or done\n"
	    "  --db FILE         the findings database (default ./audrift.db "
	    "if it exists,\n"
	    "                    else " AD_STORE_DEFAULT_DB ")\n"
	    "Records one review per finding; audrift report lists reviewed "
	    "and unreviewed\nfindings.\n");
}

/* Each argument a positive id into ids.  0 ok, -1 logged. */
static int
parse_ids(int argc, char **argv, long long *ids)
{
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		errno = 0;
		ids[i] = strtoll(argv[i], &end, 10);
		if (errno || end == argv[i] || *end || ids[i] <= 0) {
			log_warnx("ack: '%s' is not a finding id: give the "
			    "numbers in the id column of audrift report",
			    argv[i]);
			return -1;
		}
	}
	return 0;
}

static int
exec1(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	log_warnx("ack: %s: %s", sql, sqlite3_errmsg(db));
	return -1;
}

/* Record the reviews (all ids known, or none).  0, 1 unknown id, -1. */
static int
ack_record(sqlite3 *db, const long long *ids, int n, const char *by,
    const char *note)
{
	sqlite3_stmt *ex = NULL, *ins = NULL;
	char now[40];
	int i, bad = 0, rc = -1;

	ad_iso_ms(ad_now_ms(), now, sizeof(now));
	if (sqlite3_prepare_v2(db, sql_exists, -1, &ex, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql_review_ins, -1, &ins, NULL) !=
	    SQLITE_OK) {
		log_warnx("ack: %s; is it an audrift database?",
		    sqlite3_errmsg(db));
		goto out;
	}
	if (exec1(db, "BEGIN IMMEDIATE") != 0)
		goto out;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(ex, 1, ids[i]);
		if (sqlite3_step(ex) != SQLITE_ROW) {
			log_warnx("ack: no finding has id %lld (retention may "
			    "have pruned it): nothing was recorded; check the "
			    "ids with audrift report", ids[i]);
			bad = 1;
		}
		sqlite3_reset(ex);
	}
	for (i = 0; i < n && !bad; i++) {
		sqlite3_bind_int64(ins, 1, ids[i]);
		sqlite3_bind_text(ins, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, by, -1, SQLITE_STATIC);
		if (note != NULL)
			sqlite3_bind_text(ins, 4, note, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 4);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			log_warnx("ack: cannot record the review of %lld: %s; "
			    "nothing was recorded", ids[i], sqlite3_errmsg(db));
			exec1(db, "ROLLBACK");
			goto out;
		}
		sqlite3_reset(ins);
	}
	if (bad) {
		exec1(db, "ROLLBACK");
		rc = 1;
	} else if (exec1(db, "COMMIT") == 0)
		rc = 0;
out:
	sqlite3_finalize(ex);
	sqlite3_finalize(ins);
	return rc;
}

int
cmd_ack(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "insecure-db", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *by = NULL, *note = NULL;
	long long *ids;
	int ch, insecure = 0, n, rc;
	struct stat st;
	sqlite3 *db;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			path = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 'I':
			insecure = 1;
			break;
		case 'h':
			ack_usage(stdout);
			return 0;
		default:
			ack_usage(stderr);
			return 2;
		}
	}
	if (by == NULL || *by == '\0') {
		log_warnx("ack: say who reviewed the findings with --by NAME");
		return 2;
	}
	if ((n = argc - optind) < 1) {
		log_warnx("ack: give the id of at least one finding (the id "
		    "column of audrift report)");
		return 2;
	}
	ids = calloc((size_t)n, sizeof(*ids));
	if (ids == NULL || parse_ids(n, argv + optind, ids) != 0) {
		free(ids);
		return 2;
	}
	if (path == NULL)
		path = ad_store_default_path();
	if (stat(path, &st) == -1) {
		log_warn("ack: no database %s: give the one audrift run "
		    "writes with --db", path);
		free(ids);
		return 1;
	}
	if ((db = ad_store_db_open(path, 1, insecure, "ack")) == NULL) {
		free(ids);
		return 1;
	}
	rc = ack_record(db, ids, n, by, note);
	sqlite3_close(db);
	free(ids);
	if (rc == 0)
		printf("%d finding%s marked reviewed by %s\n", n,
		    n == 1 ? "" : "s", by);
	return rc == 0 ? 0 : 1;
}
