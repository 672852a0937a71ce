/*
 * replay.h - audit.log text in, through the normalizer, line-checked.
 *
 * The reader splits input into lines, refuses the ones that are not audit
 * records (binary garbage, over-long, truncated), reports each with its
 * file and line, and feeds the rest to the normalizer.  Shared by
 * `audrift replay` and the plugin source (auditd's stream on stdin).
 */
#ifndef AUDRIFT_REPLAY_H
#define AUDRIFT_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "normalize.h"

#define AD_LINE_MAX	(64 * 1024)	/* audit caps a record near 9 KiB */

struct ad_reader;

struct ad_reader *ad_reader_new(struct ad_norm *norm, const char *label);
void ad_reader_free(struct ad_reader *r);
/* Feed bytes as read (any split); complete lines are checked and fed. */
void ad_reader_input(struct ad_reader *r, const char *p, size_t len);
/* End of input: a last line without its newline is a record too. */
void ad_reader_eof(struct ad_reader *r);
/* Records of one event may come in any order: the ones libauparse ends
 * an event at (PROCTITLE, EOE) are held until the next event's first
 * record.  A stream (default) releases them at the end of each input
 * call; a file (on) holds them across reads. */
void ad_reader_hold_across(struct ad_reader *r, int on);
/* Records without a timestamp ("type=UNKNOWN[1329] msg=?"): ignored, as
 * libauparse does, and counted here. */
uint64_t ad_reader_untimed(const struct ad_reader *r);
/* A normalizer problem in event `serial`: printed with file and line. */
void ad_reader_event_error(struct ad_reader *r, uint64_t serial,
    const char *msg);
uint64_t ad_reader_records(const struct ad_reader *r);
uint64_t ad_reader_malformed(const struct ad_reader *r);

/* A reader in a worker (replay_split.c): its problems go to fn (line 0:
 * an event whose line is no longer known) instead of stderr. */
typedef void (*ad_reader_report_fn)(void *arg, uint64_t line,
    const char *what);
void ad_reader_set_report(struct ad_reader *r, ad_reader_report_fn fn,
    void *arg);
/* Print one problem as the reader would, within its budget of shown
 * problems ("FILE:LINE: what"; line 0: "FILE: what"). */
void ad_reader_say(struct ad_reader *r, uint64_t line, const char *what);
/* Add a worker's counts for a part of this reader's input. */
void ad_reader_absorb(struct ad_reader *r, uint64_t lines, uint64_t records,
    uint64_t malformed, uint64_t untimed);
uint64_t ad_reader_lines(const struct ad_reader *r);
const char *ad_reader_label(const struct ad_reader *r);
/* At a line boundary of a file where the next record begins another
 * event: hand out what is held and complete.  Returns 1 if nothing is
 * left open (a fresh reader from here would do exactly the same), 0 if
 * libauparse still builds an event. */
int ad_reader_boundary(struct ad_reader *r);

/* Would the reader feed this line (without its newline)?  1 with the
 * key of its event (node and stamp, hashed), its serial, and whether
 * libauparse ends an event at it (PROCTITLE, EOE); 0 if it is skipped.
 * Pure. */
int ad_record_route(const char *line, size_t len, uint64_t *key,
    uint64_t *serial, int *ender);

/* Check one line (without its newline): 0 if it is an audit record
 * ("):" or, in old daemon records, ")" after the serial), 1 if it is one
 * without a timestamp (msg=?), else -1 with a static reason.  Pure;
 * unit-tested. */
int ad_record_check(const char *line, size_t len, uint64_t *serial,
    const char **why);

#endif
