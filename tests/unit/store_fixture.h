/*
 * store_fixture.h - synthetic findings for the store tests, the
 * store-writer helper and bench/store-bench: a realistic event (exec of a
 * file written in a container, argv, two items) without the normalizer.
 */
#ifndef AUDRIFT_STORE_FIXTURE_H
#define AUDRIFT_STORE_FIXTURE_H

#include <stdint.h>

#include "container.h"
#include "event.h"
#include "sink.h"

struct fx {
	struct ad_event ev;
	struct ad_container c;
	struct ad_finding f;
	struct ad_str argv[3];
	const char *tags[2];
	char path[128];
	char msg[256];
};

/* Finding number i at time sec (seconds since epoch), in a container when
 * in_container.  fx owns everything; nothing to free. */
void fx_make(struct fx *x, uint64_t i, int64_t sec, int in_container);

#endif
