/*
 * hook.c - `audrift hook`: an OCI hook (createRuntime) that covers a
 * container before its first instruction.
 *
 * The armer (armer.h) joins a container's root overlay to the audit
 * tree a few ms after it is mounted, asynchronously: the runtime may
 * start the container's process first.  As a createRuntime hook
 * (podman, CRI-O: hooks.d/audrift-arm.json) audrift joins the root
 * itself, before the runtime goes on, when audrift's container rules are
 * in the kernel (an `audrift run` is there to read what they report).
 * It fails open: whatever goes wrong (no audit access, no audrift
 * running, a state it cannot read), it says so on stderr and exits 0, so
 * that a host whose audrift is down still starts its containers.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <libaudit.h>

#include "commands.h"
#include "kernel_rules.h"
#include "log.h"
#include "util.h"

#define HOOK_MAX_STATE	(1024 * 1024)	/* the OCI state on stdin */

/* The container's root from its bundle's config.json (root.path,
 * relative to the bundle), into out; 0 ok, -1 logged. */
static int
hook_rootfs(const char *bundle, char *out, size_t cap)
{
	char path[PATH_MAX];
	json_error_t jerr;
	const char *root;
	json_t *cfg;
	int n;

	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", bundle) >=
	    sizeof(path) || (cfg = json_load_file(path,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		log_warnx("hook: cannot read %s/config.json (%s); the container "
		    "starts uncovered until audrift run arms it", bundle,
		    jerr.text);
		return -1;
	}
	root = json_string_value(json_object_get(json_object_get(cfg,
	    "root"), "path"));
	if (root == NULL || root[0] == '\0')
		n = -1;
	else if (root[0] == '/')
		n = snprintf(out, cap, "%s", root);
	else
		n = snprintf(out, cap, "%s/%s", bundle, root);
	json_decref(cfg);
	if (n < 0 || (size_t)n >= cap) {
		log_warnx("hook: no usable root.path in %s; the container "
		    "starts uncovered until audrift run arms it", path);
		return -1;
	}
	return 0;
}

int
cmd_hook(int argc, char **argv)
{
	char buf[HOOK_MAX_STATE], rootfs[PATH_MAX];
	const char *id, *bundle;
	json_error_t jerr;
	json_t *st;
	size_t len;
	int fd, rc;

	if (argc > 1) {
		fprintf(stderr, "usage: audrift hook < OCI-STATE\n"
		    "An OCI createRuntime hook (hooks.d/audrift-arm.json): joins "
		    "the container's\nroot to audrift's audit tree before it "
		    "starts.  Always exits 0.\n");
		return argc == 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0) ? 0 : 2;
	}
	len = fread(buf, 1, sizeof(buf) - 1, stdin);
	buf[len] = '\0';
	if ((st = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		log_warnx("hook: the OCI state on stdin is not JSON (%s); the "
		    "container starts uncovered until audrift run arms it",
		    jerr.text);
		return 0;
	}
	id = json_string_value(json_object_get(st, "id"));
	bundle = json_string_value(json_object_get(st, "bundle"));
	if (id == NULL || bundle == NULL || hook_rootfs(bundle, rootfs,
	    sizeof(rootfs)) != 0) {
		if (id == NULL || bundle == NULL)
			log_warnx("hook: the OCI state names no id or bundle; "
			    "the container starts uncovered until audrift run "
			    "arms it");
		json_decref(st);
		return 0;
	}
	if ((fd = audit_open()) < 0) {
		log_warn("hook: container %.12s: no audit socket; it starts "
		    "uncovered until audrift run arms it", id);
		json_decref(st);
		return 0;
	}
	/* audrift's container rules in the kernel: an audrift run is up */
	if (ad_krules_count_key(fd, AD_KEY_CTR) <= 0) {
		log_warnx("hook: container %.12s: audrift run is not running "
		    "(its %s rules are not in the kernel); the container starts "
		    "unwatched", id, AD_KEY_CTR);
	} else if ((rc = audit_make_equivalent(fd, AD_ANCHOR_DIR, rootfs)) <= 0) {
		log_warnx("hook: container %.12s: joining %s to the audit tree "
		    "failed (%s); it starts uncovered until audrift run arms "
		    "it", id, rootfs, strerror(-rc));
	} else
		log_info("hook: container %.12s armed before its start: %s", id,
		    rootfs);
	audit_close(fd);
	json_decref(st);
	return 0;
}
