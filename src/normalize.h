/*
 * normalize.h - audit records in, normalized events out (libauparse feed).
 *
 * Feed raw audit text (whole lines) with ad_norm_feed(); each completed
 * event is handed to the callback as a struct ad_event owned by the
 * normalizer and valid only during the call (the callback may fill the
 * container fields).  ad_norm_flush() completes what is pending (end of
 * a file, shutdown); ad_norm_age() completes events whose EOE never came
 * (live sources call it about once a second).
 */
#ifndef AUDRIFT_NORMALIZE_H
#define AUDRIFT_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ad_norm;

struct ad_norm_stats {
	uint64_t events;		/* events handed to the callback */
	uint64_t bad_fields;		/* fields that did not parse */
	uint64_t null_items;		/* PATH items with name=(null) skipped */
	uint64_t items_dropped;		/* named items past AD_MAX_ITEMS */
	uint64_t args_truncated;	/* events whose argv did not fit */
	uint64_t orphan_records;	/* events dropped: a SOCKADDR and no
					   SYSCALL to say whose */
	uint64_t parser_renewed;	/* libauparse states replaced while
					   empty (normalize.c) */
};

typedef void (*ad_event_fn)(void *arg, struct ad_event *ev);
/* A problem in the event with this serial: msg says which record and
 * field.  The event is still delivered, with that field unset. */
typedef void (*ad_norm_error_fn)(void *arg, uint64_t serial, const char *msg);

struct ad_norm *ad_norm_new(ad_event_fn fn, ad_norm_error_fn efn, void *arg);
void ad_norm_free(struct ad_norm *n);
/* Attribution stamped on every event before the callback (replay sets
 * AD_ATTR_REPLAY; live sources leave AD_ATTR_NONE for the resolver). */
void ad_norm_set_attribution(struct ad_norm *n, enum ad_attr a);
/* 0 ok, -1 auparse refused the data. */
int ad_norm_feed(struct ad_norm *n, const char *data, size_t len);
/* Hand out a complete event libauparse holds after a multi-line feed. */
void ad_norm_release(struct ad_norm *n);
/* 1 if a record, from its "type=" on (n bytes), is one libauparse ends
 * its event at: a PROCTITLE or an EOE.  Pure. */
int ad_norm_type_ends(const char *type, size_t n);
void ad_norm_flush(struct ad_norm *n);
void ad_norm_age(struct ad_norm *n);
/* 1 if libauparse holds records of an event not yet handed out. */
int ad_norm_pending(struct ad_norm *n);
const struct ad_norm_stats *ad_norm_stats(const struct ad_norm *n);

#endif
