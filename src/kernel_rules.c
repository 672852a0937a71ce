/*
 * kernel_rules.c - plan, install, check and remove audrift's kernel audit
 * rules through libaudit; the kernel status; and `audrift rules`.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libaudit.h>

#include "commands.h"
#include "kernel_rules.h"
#include "log.h"
#include "pipeline.h"
#include "ruleset.h"
#include "util.h"

/*
 * libaudit keeps the state of the rule being built in globals (auditctl
 * resets them between rules): "an arch was given", "a syscall was added",
 * and the arch's ELF value that syscall names are looked up for.  They
 * are exported; reset them before each rule, as auditctl does.
 */
extern int _audit_syscalladded, _audit_permadded, _audit_archadded,
    _audit_exeadded, _audit_filterfsadded;
extern unsigned int _audit_elf;

const char *const ad_default_watch_dirs[] = {
	"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin",
	"/usr/local/sbin", NULL
};

/* The perm filter of the dir= file rules: opens only with write access
 * in their flags, and attribute changes.  The syscalls are event.c's
 * table, ad_syscalls (AD_SC_DIR; AD_SC_NOPERM ones in a rule of their
 * own without perm). */
#define FILE_PERM	"wa"

void
ad_watch_opts_add(struct ad_watch_opts *w, char *dir)
{
	w->dirs = xrealloc(w->dirs, sizeof(*w->dirs) * (size_t)(w->n + 1));
	w->dirs[w->n++] = dir;
}

void
ad_watch_opts_free(struct ad_watch_opts *w)
{
	free(w->dirs);
	w->dirs = NULL;
	w->n = 0;
}

static void
reset_libaudit_rule_state(void)
{
	_audit_syscalladded = 0;
	_audit_permadded = 0;
	_audit_archadded = 0;
	_audit_exeadded = 0;
	_audit_filterfsadded = 0;
	_audit_elf = 0;
}

/* The libaudit machine for "b64" or "b32", or -1 when this host has no
 * such arch (a 32-bit kernel, or an arch libaudit was built without). */
static int
arch_machine(const char *arch)
{
	int m = audit_determine_machine(arch);

	return m < 0 ? -1 : m;
}

/* Comma list of the names (or numbers) of syscalls known for machine:
 * file 0 the exec calls, 1 the file calls a perm filter keeps, 2 the
 * utime family (times: no perm class); file calls only when they can
 * make one of ops.  NULL when the list is empty. */
static char *
syscall_list(int machine, int file, uint32_t ops)
{
	const struct ad_syscall *sc;
	struct ad_buf b;

	ad_buf_init(&b);
	for (sc = ad_syscalls; sc->name != NULL; sc++) {
		if (file == 0 ? sc->op != AD_OP_EXEC :
		    !(sc->kernel & AD_SC_DIR) ||
		    !!(sc->kernel & AD_SC_NOPERM) != (file == 2) ||
		    !(ad_syscall_ops(sc) & ops))
			continue;
		if (audit_name_to_syscall(sc->name, machine) >= 0)
			ad_buf_printf(&b, "%s%s", b.len ? "," : "", sc->name);
		else if (sc->nr >= 0)
			ad_buf_printf(&b, "%s%d", b.len ? "," : "", sc->nr);
		/* else: this arch has no such call (b64 has no chown32,
		 * no utime on some arches): nothing to watch */
	}
	return b.p;	/* NULL when nothing was added */
}

static void
plan_add(struct ad_krule_plan *plan, const char *arch, char *syscalls,
    const char *dir, const char *perm, const char *key)
{
	struct ad_krule *r;

	plan->rules = xrealloc(plan->rules, sizeof(*plan->rules) *
	    (size_t)(plan->n + 1));
	r = &plan->rules[plan->n++];
	r->arch = arch;
	r->syscalls = syscalls;
	r->dir = dir ? xstrdup(dir) : NULL;
	r->perm = perm;
	r->key = key;
}

/* Characters libaudit's "name=value" parser would take for an operator. */
int
ad_krule_dir_ok(const char *d)
{
	return strpbrk(d, "=<>&!") == NULL && strlen(d) < PATH_MAX;
}

/* The `-F dir=` file rules of one arch for dir (NULL: no dir field). */
static int
plan_add_file(struct ad_krule_plan *plan, const char *arch, const char *dir,
    uint32_t ops, const char *key)
{
	int m = arch_machine(arch), n = 0, file;
	char *list;

	if (m < 0)
		return 0;
	for (file = 1; file <= 2; file++) {
		if ((list = syscall_list(m, file, ops)) == NULL)
			continue;
		plan_add(plan, arch, list, dir, file == 1 ? FILE_PERM : NULL,
		    key);
		n++;
	}
	return n;
}

int
ad_krules_plan_add_dir(struct ad_krule_plan *plan, const char *dir,
    uint32_t ops, const char *key)
{
	if (!ad_krule_dir_ok(dir))
		return 0;
	return plan_add_file(plan, "b64", dir, ops, key);
}

int
ad_krules_covers(const struct ad_krule_plan *plan, const char *p, size_t len)
{
	int i;
	size_t n;

	for (i = 0; i < plan->ndirs; i++) {
		n = strlen(plan->dirs[i]);
		if (len >= n && memcmp(p, plan->dirs[i], n) == 0 &&
		    (len == n || p[n] == '/' || n == 1))
			return 1;
	}
	return 0;
}

/* Add d to the plan's logical watch list unless it is there. */
static void
watch_add(struct ad_krule_plan *plan, const char *d, int user)
{
	int i;

	for (i = 0; i < plan->nwatch; i++)
		if (strcmp(plan->watch[i], d) == 0) {
			plan->watch_user[i] |= user;
			return;
		}
	plan->watch = xrealloc(plan->watch, sizeof(*plan->watch) *
	    (size_t)(plan->nwatch + 1));
	plan->watch_user = xrealloc(plan->watch_user,
	    sizeof(*plan->watch_user) * (size_t)(plan->nwatch + 1));
	plan->watch[plan->nwatch] = xstrdup(d);
	plan->watch_user[plan->nwatch++] = user;
}

/* The watch list: the rules' dirs and the extra ones, or the defaults. */
static void
plan_watch(struct ad_krule_plan *plan, const struct ad_kinterest *ki,
    char *const *extra, int nextra)
{
	int i;

	for (i = 0; ki != NULL && i < ki->ndirs; i++)
		watch_add(plan, ki->dirs[i], 0);
	for (i = 0; i < nextra; i++)
		watch_add(plan, extra[i], 1);
	if (plan->nwatch == 0) {
		if (ki != NULL && plan->ops != 0)
			log_info("the rules name no directory (file.dir, "
			    "file.path startswith ...): watching the default "
			    "essential binary dirs; name yours in a list the "
			    "rules test, or give --watch-dir");
		for (i = 0; ad_default_watch_dirs[i] != NULL; i++)
			watch_add(plan, ad_default_watch_dirs[i], 0);
	}
	if (ki != NULL && ki->undirected > 0 && plan->ops != 0)
		log_info("rule %s%s tests file operations without naming a "
		    "directory: it sees only the watched dirs", ki->
		    undirected_rule, ki->undirected > 1 ? " (and others)" : "");
	if (ki != NULL && ki->ctr_root_ops != 0)
		log_info("rule %s tests file operations in containers without "
		    "naming a directory: each container's whole filesystem is "
		    "watched for them (every such write in a container is "
		    "audited)", ki->ctr_root_rule);
}

int
ad_krules_plan(struct ad_krule_plan *plan, const struct ad_kinterest *ki,
    char *const *extra, int nextra)
{
	static const char *const arches[] = { "b64", "b32" };
	char (*real)[PATH_MAX];
	const char *d;
	struct stat st;
	int i, j, k, pass, nd = 0, rc = 0, user;
	size_t a;

	memset(plan, 0, sizeof(*plan));
	plan->ops = ki != NULL ? ki->ops : AD_KOPS_ALL;
	plan->ctr_root_ops = ki != NULL ? ki->ctr_root_ops : 0;
	plan_watch(plan, ki, extra, nextra);
	real = xcalloc((size_t)plan->nwatch + 1, sizeof(*real));
	/* real directories first, then symlinks: so that /bin -> /usr/bin
	 * is reported as the symlink it is */
	for (pass = 0; pass < 2; pass++)
	for (i = 0; i < plan->nwatch; i++) {
		d = plan->watch[i];
		user = plan->watch_user[i];
		if ((lstat(d, &st) == 0 && S_ISLNK(st.st_mode)) != pass)
			continue;
		if (d[0] != '/') {
			log_warnx("watch dir %s: not an absolute path; give "
			    "the full path", d);
			rc = -1;
			continue;
		}
		if (stat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
			if (user) {
				log_warnx("watch dir %s: not a directory; "
				    "check the path", d);
				rc = -1;
			} else
				log_info("watch dir %s: does not exist here; "
				    "not watched", d);
			continue;
		}
		if (realpath(d, real[nd]) == NULL) {
			log_warn("watch dir %s: cannot resolve", d);
			rc = -1;
			continue;
		}
		if (!ad_krule_dir_ok(real[nd])) {
			log_warnx("watch dir %s: the path holds one of = < > "
			    "& !, which audit rules cannot carry; rename it",
			    real[nd]);
			rc = -1;
			continue;
		}
		for (j = 0; j < nd; j++)
			if (strcmp(real[j], real[nd]) == 0)
				break;
		if (j < nd) {
			log_info("watch dir %s: a symlink to %s (usrmerge); "
			    "watched once, as %s", d, real[j], real[j]);
			continue;
		}
		if (strcmp(real[nd], d) != 0)
			log_info("watch dir %s: a symlink; watching %s", d,
			    real[nd]);
		nd++;
	}
	for (a = 0; (ki == NULL || ki->exec) && a < AD_ARRAY_SIZE(arches);
	    a++) {
		int m = arch_machine(arches[a]);

		if (m < 0)
			continue;
		plan_add(plan, arches[a], syscall_list(m, 0, 0), NULL, NULL,
		    AD_KEY_EXEC);
	}
	for (k = 0; k < nd && plan->ops != 0; k++) {
		ad_krules_plan_add_dir(plan, real[k], plan->ops, AD_KEY_FILE);
		plan->dirs = xrealloc(plan->dirs, sizeof(*plan->dirs) *
		    (size_t)(plan->ndirs + 1));
		plan->dirs[plan->ndirs++] = xstrdup(real[k]);
	}
	free(real);
	if ((plan->ops | plan->ctr_root_ops) != 0) {
		/* every container's root, on one tree (armer.h) */
		plan->anchor = AD_ANCHOR_DIR;
		ad_krules_plan_add_dir(plan, AD_ANCHOR_DIR,
		    plan->ops | plan->ctr_root_ops, AD_KEY_CTR);
		/* 32-bit file calls anywhere: filtered in audrift */
		plan_add_file(plan, "b32", NULL,
		    plan->ops | plan->ctr_root_ops, AD_KEY_FILE32);
	}
	return rc;
}

int
ad_krules_plan_rules(struct ad_krule_plan *plan, const struct ad_ruleset *rs,
    char *const *extra, int nextra)
{
	struct ad_kinterest ki;
	int rc;

	ad_ruleset_kinterest(rs, &ki);
	rc = ad_krules_plan(plan, &ki, extra, nextra);
	ad_kinterest_free(&ki);
	return rc;
}

void
ad_krules_plan_free(struct ad_krule_plan *plan)
{
	int i;

	for (i = 0; i < plan->n; i++) {
		free(plan->rules[i].syscalls);
		free(plan->rules[i].dir);
	}
	free(plan->rules);
	for (i = 0; i < plan->nwatch; i++)
		free(plan->watch[i]);
	free(plan->watch);
	free(plan->watch_user);
	for (i = 0; i < plan->ndirs; i++)
		free(plan->dirs[i]);
	free(plan->dirs);
	memset(plan, 0, sizeof(*plan));
}

void
ad_krule_print(const struct ad_krule *r, FILE *f)
{
	fprintf(f, "-a always,exit -F arch=%s -S %s", r->arch, r->syscalls);
	if (r->dir != NULL)
		fprintf(f, " -F dir=%s", r->dir);
	if (r->perm != NULL)
		fprintf(f, " -F perm=%s", r->perm);
	fprintf(f, " -k %s", r->key);
}

/* A field pair through libaudit; pair is copied (libaudit writes NULs
 * into it).  0 ok, else logged and -1. */
static int
fieldpair(struct audit_rule_data **rd, const char *name, const char *val)
{
	char buf[PATH_MAX + 32];
	int rc;

	snprintf(buf, sizeof(buf), "%s=%s", name, val);
	rc = audit_rule_fieldpair_data(rd, buf, AUDIT_FILTER_EXIT);
	if (rc < 0) {
		log_warnx("kernel rule: libaudit refused field %s=%s "
		    "(error %d)", name, val, rc);
		return -1;
	}
	return 0;
}

/* The libaudit form of r: owned (audit_rule_free_data), or NULL. */
static struct audit_rule_data *
krule_build(const struct ad_krule *r)
{
	struct audit_rule_data *rd = audit_rule_create_data();
	char *list, *tok, *save = NULL;
	int ok = 1;

	if (rd == NULL)
		fatalx("out of memory");
	reset_libaudit_rule_state();
	if (fieldpair(&rd, "arch", r->arch) != 0)
		goto fail;
	list = xstrdup(r->syscalls);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save))
		if (audit_rule_syscallbyname_data(rd, tok) != 0) {
			log_warnx("kernel rule: syscall %s unknown for arch "
			    "%s", tok, r->arch);
			ok = 0;
		}
	free(list);
	if (!ok)
		goto fail;
	/* the key needs "a syscall was added", which this libaudit sets
	 * only in auditctl */
	_audit_syscalladded = 1;
	if (r->dir != NULL && fieldpair(&rd, "dir", r->dir) != 0)
		goto fail;
	if (r->perm != NULL && fieldpair(&rd, "perm", r->perm) != 0)
		goto fail;
	if (fieldpair(&rd, "key", r->key) != 0)
		goto fail;
	reset_libaudit_rule_state();
	return rd;
fail:
	reset_libaudit_rule_state();
	audit_rule_free_data(rd);
	return NULL;
}

/*
 * The next reply of type `want` on fd, within timeout_ms.  Acks (error 0)
 * and other types are skipped; a netlink error sets errno and returns -1.
 * Returns 1 with rep filled, 0 on NLMSG_DONE, -1 on error or timeout.
 */
static int
get_reply(int fd, struct audit_reply *rep, int want, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0) {
			errno = rc == 0 ? ETIMEDOUT : errno;
			return -1;
		}
		rc = audit_get_reply(fd, rep, GET_REPLY_NONBLOCKING, 0);
		if (rc <= 0)
			continue;
		if (rep->type == want)
			return 1;
		if (rep->type == NLMSG_DONE)
			return 0;
		if (rep->type == NLMSG_ERROR && rep->error->error != 0) {
			errno = -rep->error->error;
			return -1;
		}
	}
}

int
ad_kstatus_get(int fd, struct ad_kstatus *st)
{
	struct audit_reply rep;
	const char *fake;

	if (audit_request_status(fd) <= 0 ||
	    get_reply(fd, &rep, AUDIT_GET, 1000) != 1) {
		log_warn("cannot read the kernel audit status");
		return -1;
	}
	st->enabled = rep.status->enabled;
	st->failure = rep.status->failure;
	st->pid = rep.status->pid;
	st->backlog_limit = rep.status->backlog_limit;
	st->lost = rep.status->lost;
	st->backlog = rep.status->backlog;
	/* test seam: pretend a locked (or other) state, never set it */
	if ((fake = getenv("AUDRIFT_TEST_FAKE_ENABLED")) != NULL &&
	    *fake != '\0')
		st->enabled = (uint32_t)strtoul(fake, NULL, 10);
	return 0;
}

/* The key of a rule the kernel listed (NUL-terminated into buf), or 0 if
 * it has none.  Multiple keys (\001-separated) are kept as they are. */
static int
rule_key(const struct audit_rule_data *rd, char *buf, size_t cap)
{
	uint32_t i, off = 0;

	for (i = 0; i < rd->field_count; i++) {
		uint32_t f = rd->fields[i] & ~AUDIT_OPERATORS;

		switch (f) {
		case AUDIT_SUBJ_USER: case AUDIT_SUBJ_ROLE:
		case AUDIT_SUBJ_TYPE: case AUDIT_SUBJ_SEN:
		case AUDIT_SUBJ_CLR: case AUDIT_OBJ_USER:
		case AUDIT_OBJ_ROLE: case AUDIT_OBJ_TYPE:
		case AUDIT_OBJ_LEV_LOW: case AUDIT_OBJ_LEV_HIGH:
		case AUDIT_WATCH: case AUDIT_DIR: case AUDIT_EXE:
		case AUDIT_FILTERKEY:
			if (off + rd->values[i] > rd->buflen)
				return 0;
			if (f == AUDIT_FILTERKEY) {
				size_t n = rd->values[i] < cap - 1 ?
				    rd->values[i] : cap - 1;

				memcpy(buf, rd->buf + off, n);
				buf[n] = '\0';
				return 1;
			}
			off += rd->values[i];
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Is any of the \001-separated keys ours? */
static int
key_is_ours(const char *key)
{
	const char *p = key;

	for (;;) {
		if (strncmp(p, AD_KEY_PREFIX, strlen(AD_KEY_PREFIX)) == 0)
			return 1;
		if ((p = strchr(p, AUDIT_KEY_SEPARATOR)) == NULL)
			return 0;
		p++;
	}
}

struct rule_list {
	struct audit_rule_data **r;
	int n;
};

static void
rule_list_free(struct rule_list *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->r[i]);
	free(l->r);
	l->r = NULL;
	l->n = 0;
}

/* Copy every kernel rule (ours only when ours is set) into l. */
static int
rules_list(int fd, struct rule_list *l, int ours)
{
	struct audit_reply rep;
	char key[AUDIT_MAX_KEY_LEN + 1];
	int rc;

	memset(l, 0, sizeof(*l));
	if (audit_request_rules_list_data(fd) <= 0) {
		log_warn("cannot list the kernel audit rules");
		return -1;
	}
	while ((rc = get_reply(fd, &rep, AUDIT_LIST_RULES, 1000)) == 1) {
		const struct audit_rule_data *rd = rep.ruledata;
		size_t sz = sizeof(*rd) + rd->buflen;

		if (ours && !(rule_key(rd, key, sizeof(key)) &&
		    key_is_ours(key)))
			continue;
		l->r = xrealloc(l->r, sizeof(*l->r) * (size_t)(l->n + 1));
		l->r[l->n] = xmalloc(sz);
		memcpy(l->r[l->n], rd, sz);
		l->n++;
	}
	if (rc < 0) {
		log_warn("listing the kernel audit rules failed");
		rule_list_free(l);
		return -1;
	}
	return 0;
}

int
ad_krules_count_key(int fd, const char *key)
{
	struct rule_list l;
	char k[AUDIT_MAX_KEY_LEN + 1];
	int i, n = 0;

	if (rules_list(fd, &l, 1) != 0)
		return -1;
	for (i = 0; i < l.n; i++)
		if (rule_key(l.r[i], k, sizeof(k)) && strcmp(k, key) == 0)
			n++;
	rule_list_free(&l);
	return n;
}

int
ad_krules_remove_ours(int fd)
{
	struct rule_list l;
	int i, rc, n = 0;

	if (rules_list(fd, &l, 1) != 0)
		return -1;
	for (i = 0; i < l.n; i++) {
		rc = audit_delete_rule_data(fd, l.r[i], (int)l.r[i]->flags,
		    (int)l.r[i]->action);
		if (rc <= 0) {
			errno = -rc;
			log_warn("could not remove an audrift kernel rule; "
			    "remove it with auditctl -D -k audrift-exec / "
			    "-k audrift-file / -k audrift-file32 / "
			    "-k audrift-ctr");
		} else
			n++;
	}
	rule_list_free(&l);
	return n;
}

/* Same rule, as the kernel lists it back (fields in order, mask, text). */
static int
rule_equal(const struct audit_rule_data *a, const struct audit_rule_data *b)
{
	return a->flags == b->flags && a->action == b->action &&
	    a->field_count == b->field_count &&
	    memcmp(a->mask, b->mask, sizeof(a->mask)) == 0 &&
	    memcmp(a->fields, b->fields, sizeof(a->fields[0]) *
		a->field_count) == 0 &&
	    memcmp(a->values, b->values, sizeof(a->values[0]) *
		a->field_count) == 0 &&
	    memcmp(a->fieldflags, b->fieldflags, sizeof(a->fieldflags[0]) *
		a->field_count) == 0 &&
	    a->buflen == b->buflen && memcmp(a->buf, b->buf, a->buflen) == 0;
}

int
ad_krules_check(int fd, const struct ad_krule_plan *plan, int *present)
{
	struct rule_list l;
	struct audit_rule_data *rd;
	int i, j, missing = 0;

	if (rules_list(fd, &l, 0) != 0)
		return -1;
	for (i = 0; i < plan->n; i++) {
		present[i] = 0;
		if ((rd = krule_build(&plan->rules[i])) == NULL) {
			missing++;
			continue;
		}
		rd->flags = AUDIT_FILTER_EXIT;
		rd->action = AUDIT_ALWAYS;
		for (j = 0; j < l.n && !present[i]; j++)
			present[i] = rule_equal(rd, l.r[j]);
		if (!present[i])
			missing++;
		audit_rule_free_data(rd);
	}
	rule_list_free(&l);
	return missing;
}

int
ad_krules_delete(int fd, const struct ad_krule_plan *plan)
{
	struct audit_rule_data *rd;
	int i, rc, n = 0;

	for (i = 0; i < plan->n; i++) {
		if ((rd = krule_build(&plan->rules[i])) == NULL)
			continue;
		rc = audit_delete_rule_data(fd, rd, AUDIT_FILTER_EXIT,
		    AUDIT_ALWAYS);
		if (rc > 0 || rc == -ENOENT)
			n++;
		else {
			fprintf(stderr, "audrift: cannot remove kernel rule: ");
			ad_krule_print(&plan->rules[i], stderr);
			fprintf(stderr, ": %s\n", strerror(-rc));
		}
		audit_rule_free_data(rd);
	}
	return n;
}

static int
krule_same(const struct ad_krule *a, const struct ad_krule *b)
{
	return strcmp(a->arch, b->arch) == 0 &&
	    strcmp(a->syscalls, b->syscalls) == 0 &&
	    strcmp(a->key, b->key) == 0 &&
	    (a->dir == NULL) == (b->dir == NULL) &&
	    (a->dir == NULL || strcmp(a->dir, b->dir) == 0) &&
	    (a->perm == NULL) == (b->perm == NULL) &&
	    (a->perm == NULL || strcmp(a->perm, b->perm) == 0);
}

int
ad_krules_update(int fd, const struct ad_krule_plan *from,
    const struct ad_krule_plan *to, int *removed)
{
	struct ad_krule_plan gone;
	int i, j;

	memset(&gone, 0, sizeof(gone));
	for (i = 0; i < from->n; i++) {
		for (j = 0; j < to->n; j++)
			if (krule_same(&from->rules[i], &to->rules[j]))
				break;
		if (j == to->n) {	/* borrowed rules: not freed below */
			gone.rules = xrealloc(gone.rules, sizeof(*gone.rules) *
			    (size_t)(gone.n + 1));
			gone.rules[gone.n++] = from->rules[i];
		}
	}
	*removed = gone.n ? ad_krules_delete(fd, &gone) : 0;
	free(gone.rules);
	return ad_krules_install(fd, to);
}

int
ad_krules_install(int fd, const struct ad_krule_plan *plan)
{
	struct audit_rule_data *rd;
	int i, rc, n = 0;

	for (i = 0; i < plan->n; i++) {
		if ((rd = krule_build(&plan->rules[i])) == NULL)
			continue;
		/* libaudit returns the sequence number, or -errno */
		rc = audit_add_rule_data(fd, rd, AUDIT_FILTER_EXIT,
		    AUDIT_ALWAYS);
		if (rc > 0 || rc == -EEXIST)
			n++;
		else {
			fprintf(stderr, "audrift: cannot add kernel rule: ");
			ad_krule_print(&plan->rules[i], stderr);
			fprintf(stderr, ": %s\n", strerror(-rc));
		}
		audit_rule_free_data(rd);
	}
	return n;
}

/* --- audrift rules ---------------------------------------------------------- */

static void
rules_usage(FILE *f)
{
	fprintf(f,
"usage: audrift rules [options]\n"
"Print the kernel audit rules `audrift run` installs for a rules\n"
"directory, in auditctl syntax: for review, or for /etc/audit/rules.d on a\n"
"host whose rules are locked (enabled 2).  They are derived from the\n"
"enabled rules: the directories they name (file.dir, file.path\n"
"startswith ...), the file operations they test, and execve/execveat if\n"
"one can match an exec (see audrift(8), KERNEL RULES).\n"
"\n"
"  -r, --rules DIR        rules directory (default %s)\n"
"  -w, --watch-dir DIR    watch DIR too (repeatable)\n"
"      --insecure-rules   skip the rules.d ownership checks (tests)\n"
"  -h, --help             this help\n", ad_default_rules_dir());
}

int
cmd_rules(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "watch-dir", required_argument, NULL, 'w' },
		{ "insecure-rules", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ad_watch_opts w = { NULL, 0 };
	struct ad_krule_plan plan;
	struct ad_ruleset *rs;
	const char *dir = NULL;
	int c, i, rc, insecure = getenv("AUDRIFT_INSECURE_RULES") != NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:w:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': dir = optarg; break;
		case 'w': ad_watch_opts_add(&w, optarg); break;
		case 'I': insecure = 1; break;
		case 'h': rules_usage(stdout); ad_watch_opts_free(&w); return 0;
		default:
			rules_usage(stderr);
			ad_watch_opts_free(&w);
			return 2;
		}
	}
	if (dir == NULL)
		dir = ad_default_rules_dir();
	if ((rs = ad_ruleset_load(dir, NULL, 0, insecure, stderr)) == NULL) {
		log_warnx("rules: the rules in %s did not load; fix the errors "
		    "above (audrift check --rules %s)", dir, dir);
		ad_watch_opts_free(&w);
		return 1;
	}
	rc = ad_krules_plan_rules(&plan, rs, w.dirs, w.n);
	ad_ruleset_free(rs);
	ad_watch_opts_free(&w);
	if (rc != 0) {
		ad_krules_plan_free(&plan);
		return 1;
	}
	printf("## audrift %s: kernel audit rules (auditctl syntax) for %s\n"
	    "## Every rule carries an audrift- key; audrift removes exactly "
	    "these.\n"
	    "## fd-based calls (fchmod, fchown, ftruncate, futimens) look "
	    "up no path,\n## so -F dir= rules do not see them.\n",
	    PACKAGE_VERSION, dir);
	for (i = 0; i < plan.n; i++) {
		ad_krule_print(&plan.rules[i], stdout);
		putchar('\n');
	}
	if (plan.anchor != NULL)
		printf("## The %s rules watch every container's root "
		    "filesystem: audrift\n## joins each container's root "
		    "overlay to the tree of %s as it\n## is mounted "
		    "(auditctl -q %s,<merged>); the rule count does\n## not "
		    "grow with the containers.  The %s rules see 32-bit "
		    "file calls\n## in every dir; audrift keeps those in "
		    "the dirs above, and in containers.\n", AD_KEY_CTR,
		    AD_ANCHOR_DIR, AD_ANCHOR_DIR, AD_KEY_FILE32);
	ad_krules_plan_free(&plan);
	return 0;
}
