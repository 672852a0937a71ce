/*
 * commands.h - the audrift subcommands.  Each takes the argv that starts
 * at its own name (argv[0] is "replay", "check", ...) and returns the
 * process exit status.  main.c holds the one table of commands.
 */
#ifndef AUDRIFT_COMMANDS_H
#define AUDRIFT_COMMANDS_H

int cmd_replay(int argc, char **argv);	/* replay.c */
int cmd_check(int argc, char **argv);	/* cmd_rules.c */
int cmd_fields(int argc, char **argv);	/* cmd_rules.c */
int cmd_query(int argc, char **argv);	/* query.c */
int cmd_run(int argc, char **argv);	/* live.c */
int cmd_rules(int argc, char **argv);	/* kernel_rules.c */
int cmd_diff(int argc, char **argv);	/* diff.c */
int cmd_containers(int argc, char **argv);	/* diff.c */
int cmd_hook(int argc, char **argv);	/* hook.c */
int cmd_freeze(int argc, char **argv);	/* cmd_action.c */
int cmd_thaw(int argc, char **argv);	/* cmd_action.c */
int cmd_evict(int argc, char **argv);	/* cmd_action.c */
int cmd_report(int argc, char **argv);	/* report.c */
int cmd_ack(int argc, char **argv);	/* review.c */

#endif
