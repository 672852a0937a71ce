/*
 * diff.h - finding a running container the way `audrift diff` does, for
 * the commands that name one (diff.c; freeze, thaw, evict in
 * cmd_action.c).
 */
#ifndef AUDRIFT_DIFF_H
#define AUDRIFT_DIFF_H

#include "container.h"

struct ad_resolver;

/* A resolver that has scanned /proc (owned: ad_resolver_free), or NULL
 * after logging why, cmd naming the command. */
struct ad_resolver *ad_diff_scan(const char *cmd);

/*
 * The running container named by arg: its full id, a unique id prefix, or
 * its name.  Returns a record of r, or NULL (logged, with what to do).
 */
const struct ad_container *ad_diff_find_container(struct ad_resolver *r,
    const char *arg);

#endif
