/*
 * replay_split.h - one audit.log file replayed on several cores: cut at
 * event boundaries into chunks, each normalized by a worker process, the
 * events handed to the caller on its own thread in file order, exactly
 * as a single reader would hand them out (replay_split.c).
 */
#ifndef AUDRIFT_REPLAY_SPLIT_H
#define AUDRIFT_REPLAY_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "normalize.h"
#include "replay.h"

#define AD_SPLIT_CHUNK	(4u << 20)	/* bytes a worker takes at a time */
#define AD_SPLIT_JOBS_MAX	8

/*
 * A place to cut p[0, len) at or after `from` (looking at most `window`
 * bytes on): the offset of a line start where the line before is a
 * record the reader feeds, ends its event (PROCTITLE, EOE) if one such
 * place is near, and the line from it is a record of another event
 * (another key and serial) that none of the few records before it
 * shares, nor the record before with the few after.  Returns the
 * offset, or 0 if there is none.  Pure; unit-tested.
 */
size_t ad_split_find(const char *p, size_t len, size_t from, size_t window);

struct ad_split_opts {
	int jobs;		/* worker processes, >= 2 */
	size_t chunk;		/* bytes per chunk */
	enum ad_attr attribution;
};

/*
 * Replay the regular file open on fd (size bytes; label names it in
 * messages), in two steps, so that the workers start on the first
 * chunks while the caller loads its rules and opens its sinks.
 * ad_split_start maps the file and starts the workers: NULL if it could
 * not be mapped (nothing was read: read it the ordinary way).
 * ad_split_finish hands the events to fn(arg, ev) on this thread, in
 * the order one reader over the whole file would give them, problems
 * printed through r (its counters and budget of shown problems) in the
 * same order.  ad_split_cancel stops the workers unread (the caller
 * failed to set up).  Both free sp; fd stays open.
 */
struct ad_split;
struct ad_split *ad_split_start(int fd, size_t size, const char *label,
    const struct ad_split_opts *o);
void ad_split_finish(struct ad_split *sp, struct ad_reader *r,
    ad_event_fn fn, void *arg);
void ad_split_cancel(struct ad_split *sp);

#endif
