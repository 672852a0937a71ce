/*
 * feed-loop.c - the ceiling for any libauparse consumer: read an audit.log
 * in 64 KiB chunks into auparse_feed and, for every event, visit every
 * record and every field (name and value).  A benchmark, not a test.
 *
 *   feed-loop FILE   prints "events N records N fields N bytes N secs S"
 */
#include <auparse.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

struct counts {
	unsigned long long events, records, fields, bytes;
};

/* Called by auparse for each complete event: walk all of it. */
static void
on_event(auparse_state_t *au, auparse_cb_event_t type, void *arg)
{
	struct counts *c = arg;
	const char *s;

	if (type != AUPARSE_CB_EVENT_READY || auparse_first_record(au) <= 0)
		return;
	c->events++;
	do {
		c->records++;
		if (auparse_first_field(au) <= 0)
			continue;
		do {
			c->fields++;
			s = auparse_get_field_name(au);
			c->bytes += s != NULL;
			s = auparse_get_field_str(au);
			c->bytes += s != NULL;
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);
}

int
main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct counts c;
	double t0, t1;
	auparse_state_t *au;
	unsigned long long size = 0;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: feed-loop FILE\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) < 0) {
		perror(argv[1]);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	if ((au = auparse_init(AUSOURCE_FEED, NULL)) == NULL)
		return 1;
	auparse_add_callback(au, on_event, &c, NULL);
	t0 = bench_now();
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size += (unsigned long long)n;
		auparse_feed(au, buf, (size_t)n);
	}
	auparse_flush_feed(au);
	t1 = bench_now();
	auparse_destroy(au);
	close(fd);
	printf("events %llu records %llu fields %llu bytes %llu secs %.3f\n",
	    c.events, c.records, c.fields, size, t1 - t0);
	return n < 0;
}
