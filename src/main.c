/*
 * main.c - audrift: container drift detection through the kernel audit
 * subsystem.  The one table of subcommands.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"
#include "store.h"

static const struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "replay", cmd_replay, "read audit.log files, report findings" },
	{ "check", cmd_check, "check rules.d and report every error" },
	{ "fields", cmd_fields, "list the fields rules can use" },
	{ "query", cmd_query, "ask the findings database common questions" },
	{ "run", cmd_run, "live capture from the kernel audit subsystem" },
	{ "rules", cmd_rules, "print the kernel audit rules run installs" },
	{ "containers", cmd_containers,
	    "list running containers and audrift's coverage" },
	{ "diff", cmd_diff, "what changed in a container since its image "
	    "(--all: every one\n             and the host, recorded)" },
	{ "report", cmd_report, "the auditor's evidence for a period (html, "
	    "json, md)" },
	{ "ack", cmd_ack, "record that findings were reviewed" },
	{ "hook", cmd_hook, "OCI hook: cover a container before it starts" },
	{ "freeze", cmd_freeze, "stop every process of a container (isolate)" },
	{ "thaw", cmd_thaw, "resume a frozen container" },
	{ "evict", cmd_evict, "kill every process of a container" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: audrift [-v] COMMAND [options]\n"
	    "       audrift --version | --help\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
	fprintf(f, "\n'audrift COMMAND --help' lists a command's options; "
	    "see audrift(8).\n");
}

int
main(int argc, char **argv)
{
	int verbose = 0, i = 1;
	size_t c;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0) {
			printf("audrift %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--verbose") == 0) {
			verbose++;
			continue;
		}
		fprintf(stderr, "audrift: unknown option %s; see audrift "
		    "--help\n", argv[i]);
		return 2;
	}
	/* The daemon logs to syslog when not on a terminal (a service);
	 * AUDRIFT_LOG=stderr keeps stderr (tests, containers, journald). */
	log_init(i >= argc || strcmp(argv[i], "run") != 0 ||
	    isatty(STDERR_FILENO) || (getenv("AUDRIFT_LOG") != NULL &&
	    strcmp(getenv("AUDRIFT_LOG"), "stderr") == 0), verbose);
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	ad_store_init();
	for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (strcmp(argv[i], commands[c].name) == 0)
			return commands[c].fn(argc - i, argv + i);
	fprintf(stderr, "audrift: unknown command '%s'; see audrift --help\n",
	    argv[i]);
	return 2;
}
