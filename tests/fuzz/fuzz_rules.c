/*
 * fuzz_rules.c - libFuzzer: rules.d text -> the scanner, the parser, name
 * resolution, type checks and compilation (ad_ruleset_load_mem).  Errors
 * are printed to /dev/null, as `audrift check` would print them.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_ast.h"
#include "ruleset.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	const char *names[1] = { "fuzz.rules" }, *texts[1];
	char *text = malloc(size + 1);

	if (null == NULL)
		null = fopen("/dev/null", "w");
	if (text == NULL || null == NULL) {
		free(text);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	texts[0] = text;
	ad_ruleset_free(ad_ruleset_load_mem(names, texts, 1, null));
	free(text);
	return 0;
}
