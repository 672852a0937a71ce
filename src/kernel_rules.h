/*
 * kernel_rules.h - the kernel audit rules audrift needs, through libaudit.
 *
 * A plan is the list of rules audrift would install: execve/execveat for
 * every arch the kernel runs, and one `-F dir=` syscall rule per watched
 * directory and arch combining every file-changing syscall.  Every rule
 * carries a key starting with "audrift-" (AD_KEY_PREFIX): audrift removes
 * exactly the rules with that prefix and never touches another rule.
 *
 * Also here: the kernel status (enabled, pid, lost, ...) with the test
 * seam AUDRIFT_TEST_FAKE_ENABLED, so that locked-host handling is tested
 * without ever locking the machine.
 */
#ifndef AUDRIFT_KERNEL_RULES_H
#define AUDRIFT_KERNEL_RULES_H

#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "ruleset.h"

#define AD_KEY_PREFIX	"audrift-"
#define AD_KEY_EXEC	"audrift-exec"
#define AD_KEY_FILE	"audrift-file"
#define AD_KEY_CTR	"audrift-ctr"	/* every container's root (armer.h) */
#define AD_KEY_FILE32	"audrift-file32"	/* b32 file calls, any dir */

/*
 * The directory the container rules are anchored on: an empty directory
 * audrift owns, on a filesystem that is never unmounted.  Its `-F dir=`
 * rules are tree rules; each container's root overlay is joined to that
 * tree as it is mounted (AUDIT_MAKE_EQUIV, armer.h), so that one pair of
 * rules covers every container, however many run.
 */
#define AD_ANCHOR_DIR	"/run/audrift/containers"

/* The essential binary directories, watched unless --watch-dir is given. */
extern const char *const ad_default_watch_dirs[];

struct ad_krule {
	const char *arch;	/* "b64" or "b32": static */
	char *syscalls;		/* "execve,execveat": owned, comma list
				 * of the names this arch knows */
	char *dir;		/* -F dir=, NULL for none: owned */
	const char *perm;	/* -F perm=, NULL for none: static */
	const char *key;	/* static */
};

struct ad_krule_plan {
	struct ad_krule *rules;	/* owned */
	int n;
	/* what the rules were derived from (per-container rules reuse it):
	 * the watch dirs as named (before symlinks are resolved), owned;
	 * watch_user[i] set for --watch-dir ones; the file ops covered */
	char **watch;
	int *watch_user;
	int nwatch;
	uint32_t ops;
	uint32_t ctr_root_ops;	/* each container's whole root too */
	const char *anchor;	/* AD_ANCHOR_DIR, or NULL: no container rules */
	char **dirs;		/* the watched dirs as resolved (owned) */
	int ndirs;
};

/* Every file operation (bit per enum ad_op), exec excluded. */
#define AD_KOPS_ALL	(((1u << AD_OP__COUNT) - 1) & ~(1u << AD_OP_EXEC))

/*
 * Build the plan from a ruleset's kernel interest (ruleset.h; NULL: every
 * op, exec, the default dirs) and extra dirs (--watch-dir).  Its size
 * does not depend on how many containers run (docs/bench.md, "Host
 * cost"):
 *   - execve/execveat for every arch, if ki->exec;
 *   - for each dir of ki and extra (the default essential dirs when both
 *     name none, with a notice) the b64 `-F dir=` rules whose syscalls can
 *     make one of ki->ops; none when ki->ops is 0;
 *   - the same b64 rules on AD_ANCHOR_DIR, key AD_KEY_CTR: every
 *     container's root filesystem, once armed;
 *   - b32 file rules with no dir at all (key AD_KEY_FILE32; arch first):
 *     32-bit processes are rare, so their file calls are filtered here
 *     (ad_krules_covers), not by one b32 rule per dir.
 * Directories that do not exist, or are symlinks to a directory already
 * in the plan (usrmerge: /bin -> /usr/bin), are skipped and logged with
 * log_info.  Returns 0, or -1 when an extra dir is unusable (logged). */
int ad_krules_plan(struct ad_krule_plan *plan, const struct ad_kinterest *ki,
    char *const *extra, int nextra);
void ad_krules_plan_free(struct ad_krule_plan *plan);
/* The same, from rs's kernel interest (what run and `audrift rules`
 * both use, so that the printout is what gets installed). */
int ad_krules_plan_rules(struct ad_krule_plan *plan,
    const struct ad_ruleset *rs, char *const *extra, int nextra);

/* Append the `-F dir=` file rules (every arch this host runs, syscalls
 * that can make one of ops, the perm filter of the host dirs) for dir,
 * with key (static), to plan.  dir must be an absolute directory the
 * caller checked; returns the number of rules added, 0 when
 * ad_krule_dir_ok(dir) says audit rules cannot carry it. */
int ad_krules_plan_add_dir(struct ad_krule_plan *plan, const char *dir,
    uint32_t ops, const char *key);
int ad_krule_dir_ok(const char *dir);	/* 1: no = < > & ! and fits */

/* Is host path p (absolute, lexically clean) in one of the plan's watched
 * dirs, or below one?  For the events of the dir-less b32 rules. */
int ad_krules_covers(const struct ad_krule_plan *plan, const char *p,
    size_t len);

/* One rule in auditctl syntax, without newline. */
void ad_krule_print(const struct ad_krule *r, FILE *f);

/* Kernel status.  fd from audit_open().  Returns 0 and fills st, or -1
 * (logged).  AUDRIFT_TEST_FAKE_ENABLED=N replaces st->enabled: a seam for
 * tests of locked hosts (enabled 2), which must never be set for real. */
struct ad_kstatus {
	uint32_t enabled, failure, pid, backlog_limit, lost, backlog;
};
int ad_kstatus_get(int fd, struct ad_kstatus *st);

/* Add every rule of the plan.  A rule the kernel already has (EEXIST)
 * counts as present.  Returns the number of rules that are in the kernel
 * afterwards; failures are logged. */
int ad_krules_install(int fd, const struct ad_krule_plan *plan);

/* How many kernel rules carry exactly key (one of audrift's); -1 if the
 * list could not be read. */
int ad_krules_count_key(int fd, const char *key);

/* Delete every kernel rule whose key starts with AD_KEY_PREFIX (a crash's
 * leftovers at start, ours at exit).  Returns the number removed, -1 if
 * the list could not be read. */
int ad_krules_remove_ours(int fd);

/* Delete exactly the rules of plan (one container's, say).  A rule the
 * kernel no longer has (ENOENT: a dir= rule dies with its unmounted
 * tree) counts as removed.  Returns the number removed. */
int ad_krules_delete(int fd, const struct ad_krule_plan *plan);

/* Move the kernel from plan `from` to plan `to` (SIGHUP): delete the
 * rules of from that to lacks (count in *removed), install to.  Returns
 * ad_krules_install's count. */
int ad_krules_update(int fd, const struct ad_krule_plan *from,
    const struct ad_krule_plan *to, int *removed);

/* Which rules of the plan the kernel has: present[i] set to 1 or 0 (an
 * array of plan->n).  Returns the number missing, -1 on error. */
int ad_krules_check(int fd, const struct ad_krule_plan *plan, int *present);

/* Parse --watch-dir style options shared by run and rules. */
struct ad_watch_opts {
	char **dirs;		/* owned array of borrowed argv strings */
	int n;
};
void ad_watch_opts_add(struct ad_watch_opts *w, char *dir);
void ad_watch_opts_free(struct ad_watch_opts *w);

#endif
