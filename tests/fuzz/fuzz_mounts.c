/*
 * fuzz_mounts.c - libFuzzer: a mount table text (what a host, or a
 * container with mount rights, can make /proc/PID/mountinfo say) ->
 * the overlay mount parser (ad_mounts_parse, mounts.h), the lookup by
 * device, and the copy the resolver keeps.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mounts.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ad_mounts ms;
	struct ad_mount cp;
	size_t i;

	(void)ad_mounts_parse((const char *)data, size, &ms);
	for (i = 0; i < ms.n; i++) {
		(void)ad_mounts_by_dev(&ms, ms.v[i].major, ms.v[i].minor);
		ad_mount_copy(&cp, &ms.v[i]);
		(void)ad_mount_same(&cp, &ms.v[i]);
		ad_mount_clear(&cp);
	}
	ad_mounts_free(&ms);
	return 0;
}
