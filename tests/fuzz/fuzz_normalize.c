/*
 * fuzz_normalize.c - libFuzzer: raw audit log text -> the line reader
 * (replay.c) -> libauparse -> the normalizer -> events, each event also
 * rendered as JSON (event_json.c).  The input is fed in two reads split
 * at a point its first byte chooses, as a file or a stream would be.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "log.h"
#include "normalize.h"
#include "replay.h"
#include "util.h"

static struct ad_buf out;

static void
on_event(void *arg, struct ad_event *ev)
{
	(void)arg;
	ad_buf_reset(&out);
	ad_event_json(&out, ev);
}

/* the reader's warnings (a line per bad record) would be most of the
 * run's time and a gigabyte of log an hour */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init(1, -1);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ad_norm *n = ad_norm_new(on_event, NULL, NULL);
	struct ad_reader *r;
	size_t cut = size > 1 ? data[0] % size : size;

	if (n == NULL)
		return 0;
	r = ad_reader_new(n, "fuzz");
	ad_reader_hold_across(r, size > 0 && (data[0] & 1));
	ad_reader_input(r, (const char *)data, cut);
	ad_reader_input(r, (const char *)data + cut, size - cut);
	ad_reader_eof(r);
	ad_reader_free(r);
	ad_norm_free(n);
	return 0;
}
