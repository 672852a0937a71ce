/*
 * fuzz_cgroup.c - libFuzzer: a /proc/PID/cgroup text -> the container
 * cgroup matcher (ad_cgroup_match, resolver.h), and a /proc/PID/status
 * text -> the NSpid reader.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "resolver.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ad_cgroup_match m;

	memset(&m, 0, sizeof(m));
	(void)ad_cgroup_match((const char *)data, size, &m);
	(void)ad_status_vpid((const char *)data, size);
	return 0;
}
