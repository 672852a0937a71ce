/*
 * nl-records.c - a raw audit.log as the datagrams the kernel sends the
 * audit daemon, for audrift's benchmark seam (AUDRIFT_TEST_RECORDS, see
 * src/live.h): each record an nlmsghdr (type from the record's name,
 * nlmsg_len the datagram's size) and the text after "msg=", padded to
 * NLMSG_ALIGN.  A log keeps no EOE records (auditd drops them); the
 * kernel sends one after every PROCTITLE, so one is added there.  A
 * benchmark tool, not a test.
 *
 *   nl-records < audit.log > records.nl
 */
#include <libaudit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>

static void
put(int type, const char *text, size_t len)
{
	static const char pad[NLMSG_ALIGNTO];
	struct nlmsghdr nh;

	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = (unsigned short)type;
	nh.nlmsg_len = (unsigned)(NLMSG_HDRLEN + len);
	fwrite(&nh, sizeof(nh), 1, stdout);
	fwrite(text, 1, len, stdout);
	fwrite(pad, 1, NLMSG_ALIGN(nh.nlmsg_len) - nh.nlmsg_len, stdout);
}

int
main(void)
{
	static char line[MAX_AUDIT_MESSAGE_LENGTH * 2];
	char name[64], eoe[128];
	const char *msg, *close;
	size_t n, len;
	int type;
	long records = 0;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		while (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, "type=", 5) != 0 ||
		    (msg = strstr(line, " msg=")) == NULL)
			continue;
		n = (size_t)(msg - line - 5);
		if (n >= sizeof(name))
			continue;
		memcpy(name, line + 5, n);
		name[n] = '\0';
		if ((type = audit_name_to_msg_type(name)) <= 0)
			continue;
		msg += 5;
		put(type, msg, len - (size_t)(msg - line));
		records++;
		if (type == AUDIT_PROCTITLE &&
		    (close = strchr(msg, ')')) != NULL &&
		    (size_t)(close - msg) + 4 < sizeof(eoe)) {
			n = (size_t)(close - msg) + 1;
			memcpy(eoe, msg, n);
			memcpy(eoe + n, ": ", 3);
			put(AUDIT_EOE, eoe, n + 2);
			records++;
		}
	}
	fprintf(stderr, "nl-records: %ld records\n", records);
	return ferror(stdout) ? 1 : 0;
}
