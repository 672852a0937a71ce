/*
 * query.c - `audrift query`: the analyst's common questions without SQL.
 *
 * One static SELECT with every filter a bound parameter (NULL = no
 * filter); rows come back through the finding column table (finding.c),
 * so --format json prints the same objects as the JSON-lines sink.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "commands.h"
#include "finding.h"
#include "log.h"
#include "net.h"
#include "store.h"
#include "store_pg.h"
#include "util.h"

#define QUERY_LIMIT	100

/* Severities, lowest first: --severity S keeps S and above. */
static const char *const severities[] = {
	"info", "low", "medium", "high", "critical"
};

static const char sql_query[] =
	"SELECT * FROM (SELECT id, " AD_FINDING_COLUMNS " FROM findings"
	" WHERE (?1 IS NULL OR time >= ?1)"
	" AND (?2 IS NULL OR rule = ?2)"
	" AND (?3 IS NULL OR substr(container_id, 1, length(?3)) = ?3"
	"  OR substr(container_name, 1, length(?3)) = ?3)"
	" AND (?4 IS NULL OR (CASE severity WHEN 'info' THEN 0"
	"  WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3"
	"  WHEN 'critical' THEN 4 ELSE 0 END) >= ?4)"
	" AND (?6 IS NULL OR net_port = ?6)"
	" AND (?7 IS NULL OR audrift_in_net(net_addr, ?7))"
	" ORDER BY time DESC, id DESC LIMIT ?5)"
	" ORDER BY time, id";

/* audrift_in_net(addr, net): is the address text addr in the network
 * net (an address or a CIDR, checked before the query)?  0 for NULL or
 * text that is not an address. */
static void
sql_in_net(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	const unsigned char *a = sqlite3_value_text(argv[0]);
	const unsigned char *n = sqlite3_value_text(argv[1]);
	struct ad_cidr c, one;
	struct ad_net addr;
	char err[200];

	(void)argc;
	if (a == NULL || n == NULL ||
	    ad_cidr_parse((const char *)n, &c, err, sizeof(err)) != 0 ||
	    ad_cidr_parse((const char *)a, &one, err, sizeof(err)) != 0) {
		sqlite3_result_int(cx, 0);
		return;
	}
	ad_net_clear(&addr);
	addr.present = 1;
	addr.family = one.family;
	addr.addrlen = one.family == AF_INET ? 4 : 16;
	memcpy(addr.addr, one.addr, sizeof(addr.addr));
	sqlite3_result_int(cx, ad_cidr_match(&c, &addr));
}

enum qfmt { FMT_TABLE, FMT_JSON, FMT_CSV };

/* Columns of the table format (full rows: json; csv: all but event). */
static const struct {
	const char *head;
	const char *col;
	int max;		/* width cap; the last column is not padded */
} table_cols[] = {
	{ "TIME", "time", 24 },
	{ "SEVERITY", "severity", 8 },
	{ "RULE", "rule", 32 },
	{ "CONTAINER", "container_name", 24 },
	{ "OP", "op", 8 },
	{ "PATH", "path", 48 },
	{ "COMM", "comm", 16 },
	{ "MESSAGE", "message", 0 },
};

static void
query_usage(FILE *f)
{
	fprintf(f,
	    "usage: audrift query [--db FILE|URI] [--since 1h|2d|30m|ISO-8601]\n"
	    "                     [--rule RULE] [--container ID-OR-NAME]\n"
	    "                     [--severity info|low|medium|high|critical]\n"
	    "                     [--port N] [--addr ADDRESS|NETWORK]\n"
	    "                     [--format table|json|csv] [--limit N]\n"
	    "\n"
	    "  --db FILE|URI     the findings database (default ./audrift.db "
	    "if it\n"
	    "                    exists and is safe, else " AD_STORE_DEFAULT_DB "),\n"
	    "                    or a PostgreSQL URI postgresql://HOST/DB\n"
	    "  --since WHEN      findings at or after WHEN: N followed by s, "
	    "m, h, d\n"
	    "                    or w (ago), or a UTC time 2026-11-23[T10:00"
	    "[:00[.000]]][Z]\n"
	    "  --rule RULE       only this rule\n"
	    "  --container C     only containers whose id or name starts with "
	    "C\n"
	    "  --severity S      S and more severe\n"
	    "  --port N          only findings whose socket port (net_port) is "
	    "N\n"
	    "  --addr A          only findings whose address (net_addr) is A, "
	    "or in\n"
	    "                    the network A (10.0.0.0/8, fc00::/7)\n"
	    "  --format F        table (default), json (one object per line, "
	    "the\n"
	    "                    columns of findings with the event), csv "
	    "(RFC 4180)\n"
	    "  --limit N         the N most recent findings (default %d; 0: "
	    "all)\n"
	    "  --help            this help\n"
	    "\nOutput is oldest first.  For anything else: sqlite3 DB "
	    "(docs/schema.md).\n", QUERY_LIMIT);
}

static int
severity_rank(const char *s)
{
	size_t i;

	for (i = 0; i < AD_ARRAY_SIZE(severities); i++)
		if (strcmp(severities[i], s) == 0)
			return (int)i;
	return -1;
}

/* For the terminal: a file name must not drive it (ad_esc_text). */
static void
table_cell(struct ad_buf *b, const char *s, size_t len, size_t width,
    int pad)
{
	size_t w = ad_esc_text(b, s, len);

	for (; pad && w < width; w++)
		ad_buf_addc(b, ' ');
}

static size_t
cell_width(const char *s, size_t len)
{
	return ad_esc_text(NULL, s, len);
}

/* Value of table column k of row r, "-" when null; the container column
 * falls back to the short id. */
static const char *
table_value(const struct ad_row *r, size_t k, size_t *len, char *tmp,
    size_t cap)
{
	const char *s = ad_row_text(r, ad_col_index(table_cols[k].col), len);

	if (s == NULL && strcmp(table_cols[k].col, "container_name") == 0 &&
	    (s = ad_row_text(r, ad_col_index("container_id"), len)) != NULL &&
	    *len > 12)
		*len = 12;
	if (s == NULL) {
		snprintf(tmp, cap, "-");
		*len = 1;
		return tmp;
	}
	if (table_cols[k].max && *len > (size_t)table_cols[k].max * 4)
		*len = (size_t)table_cols[k].max * 4;
	return s;
}

static void
print_table(struct ad_row *rows, int n, FILE *out)
{
	size_t w[AD_ARRAY_SIZE(table_cols)], k, len;
	struct ad_buf b;
	char tmp[8];
	const char *s;
	int i;

	for (k = 0; k < AD_ARRAY_SIZE(table_cols); k++)
		w[k] = strlen(table_cols[k].head);
	for (i = 0; i < n; i++)
		for (k = 0; k < AD_ARRAY_SIZE(table_cols); k++) {
			s = table_value(&rows[i], k, &len, tmp, sizeof(tmp));
			if (cell_width(s, len) > w[k])
				w[k] = cell_width(s, len);
		}
	ad_buf_init(&b);
	for (k = 0; k < AD_ARRAY_SIZE(table_cols); k++) {
		int last = k + 1 == AD_ARRAY_SIZE(table_cols);

		table_cell(&b, table_cols[k].head, strlen(table_cols[k].head),
		    w[k], !last);
		ad_buf_adds(&b, last ? "\n" : "  ");
	}
	for (i = 0; i < n; i++) {
		for (k = 0; k < AD_ARRAY_SIZE(table_cols); k++) {
			int last = k + 1 == AD_ARRAY_SIZE(table_cols);

			s = table_value(&rows[i], k, &len, tmp, sizeof(tmp));
			table_cell(&b, s, len, w[k], !last);
			ad_buf_adds(&b, last ? "\n" : "  ");
		}
		fwrite(b.p, 1, b.len, out);
		ad_buf_reset(&b);
	}
	if (b.len)
		fwrite(b.p, 1, b.len, out);
	ad_buf_free(&b);
}

/*
 * RFC 4180, for a spreadsheet: the text escaped as for a terminal
 * (ad_esc_text: ESC, CR, LF and other controls become \xNN), a field
 * starting like a formula (= + - @, tab, CR) gets a leading ' so that it
 * stays text, and a field holding a comma, a quote or that ' is quoted.
 */
static void
csv_field(struct ad_buf *b, const char *s, size_t len)
{
	struct ad_buf e;
	size_t i;
	int formula = len > 0 && s[0] != '\0' &&
	    strchr("=+-@\t\r", s[0]) != NULL;

	ad_buf_init(&e);
	if (formula)
		ad_buf_addc(&e, '\'');
	ad_esc_text(&e, s, len);
	if (e.len == 0 || (!formula && strcspn(e.p, ",\"") >= e.len)) {
		ad_buf_add(b, e.p, e.len);
		ad_buf_free(&e);
		return;
	}
	ad_buf_addc(b, '"');
	for (i = 0; i < e.len; i++) {
		if (e.p[i] == '"')
			ad_buf_addc(b, '"');
		ad_buf_addc(b, e.p[i]);
	}
	ad_buf_addc(b, '"');
	ad_buf_free(&e);
}

static void
print_csv_row(struct ad_buf *b, const struct ad_row *r, int64_t id)
{
	int i, ev = ad_col_index("event");
	const char *s;
	size_t len;

	if (r == NULL) {
		ad_buf_adds(b, "id");
		for (i = 0; i < AD_FINDING_NCOLS; i++)
			if (i != ev)
				ad_buf_printf(b, ",%s", ad_finding_cols[i].name);
	} else {
		ad_buf_printf(b, "%lld", (long long)id);
		for (i = 0; i < AD_FINDING_NCOLS; i++) {
			if (i == ev)
				continue;
			ad_buf_addc(b, ',');
			if (r->v[i].null)
				continue;
			if (ad_finding_cols[i].kind == AD_COL_INT)
				ad_buf_printf(b, "%lld", (long long)r->v[i].i);
			else if ((s = ad_row_text(r, i, &len)) != NULL)
				csv_field(b, s, len);
		}
	}
	ad_buf_add(b, "\r\n", 2);
}

/* What cmd_query prints, row by row, whichever database the rows come
 * from (ad_row_cb). */
struct qout {
	enum qfmt fmt;
	struct ad_buf b;
	struct ad_row *rows;	/* table: kept to size the columns */
	int n, cap;
};

static int
qout_row(void *ctx, int64_t id, const struct ad_row *r)
{
	struct qout *o = ctx;

	if (o->fmt == FMT_TABLE) {
		if (o->n == o->cap) {
			o->cap = o->cap ? o->cap * 2 : 64;
			o->rows = xrealloc(o->rows, (size_t)o->cap *
			    sizeof(*o->rows));
		}
		ad_row_init(&o->rows[o->n]);
		ad_row_copy(&o->rows[o->n++], r);
		return 0;
	}
	if (o->fmt == FMT_JSON) {
		ad_row_json(&o->b, r, id);
		ad_buf_addc(&o->b, '\n');
	} else
		print_csv_row(&o->b, r, id);
	if (o->b.len > 65536) {
		fwrite(o->b.p, 1, o->b.len, stdout);
		ad_buf_reset(&o->b);
	}
	return 0;
}

/* The forward block (table format): how far behind the forwarder is,
 * from DB.forward (store_pg.c) and the database.  Nothing without it. */
static void
print_forward(sqlite3 *h, const char *db)
{
	char path[4096], buf[2048], sent_time[40] = "";
	long long sent = -1, behind = -1;
	const char *p;
	sqlite3_stmt *st = NULL;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s.forward", db);
	if ((f = fopen(path, "re")) == NULL)
		return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strstr(buf, "\"sent_id\":")) != NULL)
		sent = strtoll(p + 10, NULL, 10);
	if (sent >= 0 && sqlite3_prepare_v2(h, "SELECT count(*), min(time)"
	    " FROM findings WHERE id > ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, sent);
		if (sqlite3_step(st) == SQLITE_ROW) {
			behind = sqlite3_column_int64(st, 0);
			if (sqlite3_column_text(st, 1) != NULL)
				snprintf(sent_time, sizeof(sent_time), "%s",
				    (const char *)sqlite3_column_text(st, 1));
		}
	}
	sqlite3_finalize(st);
	printf("\nforward: %lld findings not yet sent%s%s (sent up to id "
	    "%lld)\n  state: ", behind, sent_time[0] ? ", oldest " : "",
	    sent_time, sent);
	for (p = buf; *p && *p != '\n'; p++)
		putchar((unsigned char)*p < 0x20 ? '?' : *p);
	putchar('\n');
	if ((p = strstr(buf, "\"refused\":")) != NULL)
		printf("  refused by the server: %lld findings, skipped (they "
		    "stay in this database; the last, its reason: see state)\n",
		    strtoll(p + 10, NULL, 10));
}

int
cmd_query(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "rule", required_argument, NULL, 'r' },
		{ "container", required_argument, NULL, 'c' },
		{ "severity", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ "port", required_argument, NULL, 'p' },
		{ "addr", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *rule = NULL, *cont = NULL;
	char since[96] = "", *end, addr[INET6_ADDRSTRLEN + 8] = "", err[200];
	int ch, sev = -1, ret = 1, rc, i;
	long port = -1;
	struct ad_cidr net;
	enum qfmt fmt = FMT_TABLE;
	long long limit = QUERY_LIMIT;
	int64_t since_ms;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	struct ad_row row;
	struct qout o;
	struct stat sb;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 's':
			if (ad_parse_time(optarg, ad_now_ms(), &since_ms) !=
			    0) {
				log_warnx("query: bad --since '%s': give 30m, "
				    "1h, 2d, 1w or a UTC time like "
				    "2026-11-23T10:00:00Z", optarg);
				return 2;
			}
			ad_iso_ms(since_ms, since, sizeof(since));
			break;
		case 'r':
			rule = optarg;
			break;
		case 'c':
			cont = optarg;
			break;
		case 'S':
			if ((sev = severity_rank(optarg)) < 0) {
				log_warnx("query: bad --severity '%s': give "
				    "info, low, medium, high or critical",
				    optarg);
				return 2;
			}
			break;
		case 'f':	/* in enum qfmt's order */
			if ((i = ad_opt_word("query", "format", optarg,
			    (const char *const[]){ "table", "json", "csv",
			    NULL })) < 0)
				return 2;
			fmt = (enum qfmt)i;
			break;
		case 'n':
			if (ad_opt_count("query", "limit", optarg, &limit) != 0)
				return 2;
			break;
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || port < 0 ||
			    port > 65535) {
				log_warnx("query: bad --port '%s': give a "
				    "number from 0 to 65535", optarg);
				return 2;
			}
			break;
		case 'a':
			if (ad_cidr_parse(optarg, &net, err, sizeof(err)) != 0) {
				log_warnx("query: bad --addr: %s", err);
				return 2;
			}
			/* canonical, so PostgreSQL's cidr reads it too */
			inet_ntop(net.family, net.addr, addr, sizeof(addr));
			snprintf(addr + strlen(addr), sizeof(addr) -
			    strlen(addr), "/%d", net.prefix);
			break;
		case 'h':
			query_usage(stdout);
			return 0;
		default:
			query_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		log_warnx("query: unexpected argument '%s'; see audrift query "
		    "--help", argv[optind]);
		return 2;
	}
	/* ./audrift.db only when safe (ad_store_default_path) */
	if (db == NULL)
		db = ad_store_default_path();
	memset(&o, 0, sizeof(o));
	o.fmt = fmt;
	ad_buf_init(&o.b);
	if (fmt == FMT_CSV)
		print_csv_row(&o.b, NULL, 0);
	if (ad_db_is_pg(db)) {
		struct ad_query_filter q = { since[0] ? since : NULL, rule,
		    cont, sev, limit, (int)port, addr[0] ? addr : NULL };
		struct ad_pgr *pg = ad_pgr_open(db);

		rc = pg != NULL ? ad_pgr_findings(pg, &q, qout_row, &o) : -1;
		ad_pgr_close(pg);
		ret = rc == 0 ? 0 : 1;
		goto print;
	}
	if (stat(db, &sb) == -1) {
		log_warn("query: no database %s: give --db FILE, or let "
		    "audrift create it with --db", db);
		ad_buf_free(&o.b);
		return 1;
	}
	if (ad_store_check_path(db, getenv("AUDRIFT_INSECURE_DB") != NULL,
	    0) != 0)
		return 1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(h, 5000) != SQLITE_OK ||
	    sqlite3_create_function(h, "audrift_in_net", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_in_net, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql_query, -1, &st, NULL) != SQLITE_OK) {
		sqlite3_stmt *v = NULL;
		int ver = -1;

		if (h && sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &v,
		    NULL) == SQLITE_OK && sqlite3_step(v) == SQLITE_ROW)
			ver = sqlite3_column_int(v, 0);
		sqlite3_finalize(v);
		if (ver > 0 && ver < ad_schema_version())
			log_warnx("query: database %s has schema version %d: "
			    "run audrift once with --db %s to upgrade it to "
			    "%d", db, ver, db, ad_schema_version());
		else
			log_warnx("query: database %s: %s; is it an audrift "
			    "database?", db, h ? sqlite3_errmsg(h) :
			    "cannot open");
		ad_buf_free(&o.b);
		goto out;
	}
	if (since[0])
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	if (rule)
		sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	if (cont)
		sqlite3_bind_text(st, 3, cont, -1, SQLITE_STATIC);
	if (sev >= 0)
		sqlite3_bind_int(st, 4, sev);
	sqlite3_bind_int64(st, 5, limit ? limit : -1);
	if (port >= 0)
		sqlite3_bind_int(st, 6, (int)port);
	if (addr[0])
		sqlite3_bind_text(st, 7, addr, -1, SQLITE_STATIC);

	ad_row_init(&row);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ad_row_from_stmt(&row, st, 1);
		qout_row(&o, sqlite3_column_int64(st, 0), &row);
	}
	ad_row_free(&row);
	if (rc != SQLITE_DONE)
		log_warnx("query: database %s: %s", db, sqlite3_errmsg(h));
	else
		ret = 0;
print:
	if (o.b.len)
		fwrite(o.b.p, 1, o.b.len, stdout);
	ad_buf_free(&o.b);
	if (ret == 0 && fmt == FMT_TABLE) {
		print_table(o.rows, o.n, stdout);
		if (h != NULL)
			print_forward(h, db);
	}
	for (i = 0; i < o.n; i++)
		ad_row_free(&o.rows[i]);
	free(o.rows);
	if (fflush(stdout) == EOF) {
		log_warn("query: write");
		ret = 1;
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ret;
}
