/*
 * cmd_rules.c - `audrift check` (load rules.d, report every error or one
 * summary line) and `audrift fields` (the field table).
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "action.h"
#include "commands.h"
#include "fields.h"
#include "ruleset.h"

#define DEFAULT_RULES_DIR	SYSCONFDIR "/audrift/rules.d"

/* "rules.d" in the current directory if there is one, else the system's. */
static const char *
default_rules_dir(void)
{
	struct stat st;

	if (stat("rules.d", &st) == 0 && S_ISDIR(st.st_mode))
		return "rules.d";
	return DEFAULT_RULES_DIR;
}

static void
check_usage(FILE *f)
{
	fprintf(f,
	    "usage: audrift check [--rules DIR] [--insecure-rules] [FILE...]\n"
	    "\n"
	    "Load the rules in DIR (every *.rules file, in lexical order) and\n"
	    "then each FILE, and report every error; exit 0 and print one\n"
	    "summary line when they all load.  With FILEs and no --rules, only\n"
	    "the FILEs are checked.\n"
	    "\n"
	    "  -r, --rules DIR       rules directory (default: ./rules.d if it\n"
	    "                        exists, else %s)\n"
	    "      --insecure-rules  do not require rule files to be owned by\n"
	    "                        root and not group/world-writable (tests;\n"
	    "                        also AUDRIFT_INSECURE_RULES=1)\n"
	    "  -h, --help            this help\n"
	    "\n"
	    "The language: audrift.rules(5), docs/rules.md.\n",
	    DEFAULT_RULES_DIR);
}

static const char *
plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The rules that carry an action: what `audrift run --enforce` would do
 * to a container, so a reviewer sees it before it is armed. */
static void
print_actions(const struct ad_ruleset *rs)
{
	struct ad_rule_info ri;
	int i, n = 0;

	for (i = 0; ad_ruleset_rule(rs, i, &ri) == 0; i++) {
		if (ri.action == AD_ACT_NONE)
			continue;
		if (n++ == 0)
			printf("rules with actions (carried out only by "
			    "audrift run --enforce):\n");
		printf("  %-40s action %-6s %s%s\n", ri.name,
		    ad_action_name((enum ad_action)ri.action), ri.action_at,
		    ri.enabled ? "" : " (disabled)");
	}
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "insecure-rules", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *label;
	struct ad_ruleset *rs;
	int c, insecure = 0, files, rules, lists, macros;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			dir = optarg;
			break;
		case 'I':
			insecure = 1;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			check_usage(stderr);
			return 2;
		}
	}
	if (dir == NULL && optind == argc)
		dir = default_rules_dir();
	rs = ad_ruleset_load(dir, argv + optind, argc - optind, insecure,
	    stderr);
	if (rs == NULL)
		return 1;
	ad_ruleset_counts(rs, &files, &rules, &lists, &macros);
	label = dir ? dir : argc - optind == 1 ? argv[optind] : "rules";
	printf("%s: %d %s, %d %s, %d %s, %d %s: OK\n", label,
	    files, plural(files, "file", "files"),
	    rules, plural(rules, "rule", "rules"),
	    lists, plural(lists, "list", "lists"),
	    macros, plural(macros, "macro", "macros"));
	print_actions(rs);
	ad_ruleset_free(rs);
	return 0;
}

static void
fields_usage(FILE *f)
{
	fprintf(f,
	    "usage: audrift fields [--markdown]\n"
	    "\n"
	    "List every field rules can use, with its type and meaning.\n"
	    "\n"
	    "  -m, --markdown  print the table docs/rules.md holds\n"
	    "  -h, --help      this help\n");
}

int
cmd_fields(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "markdown", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, i, md = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "mh", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			md = 1;
			break;
		case 'h':
			fields_usage(stdout);
			return 0;
		default:
			fields_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fields_usage(stderr);
		return 2;
	}
	if (md)
		printf("| field | type | description |\n| --- | --- | --- |\n");
	for (i = 0; i < ad_nfields; i++) {
		const struct ad_field *f = &ad_fields[i];

		if (md)
			printf("| `%s` | %s | %s |\n", f->name,
			    ad_ftype_name(f->type), f->doc);
		else
			printf("%-22s %-8s %s\n", f->name,
			    ad_ftype_name(f->type), f->doc);
	}
	return 0;
}
