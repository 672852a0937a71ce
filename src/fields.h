/*
 * fields.h - the fields and operators of the rule language: one table
 * each (fields.c), used by the parser's type checker, the evaluator,
 * `audrift fields` and docs/rules.md (checked by tests/golden/rules.sh).
 */
#ifndef AUDRIFT_FIELDS_H
#define AUDRIFT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Scratch an accessor may write into (file.dir): one per evaluation. */
#define AD_FIELD_SCRATCH	4096

enum ad_ftype {
	AD_FT_STRING,
	AD_FT_PATH,
	AD_FT_INTEGER,
	AD_FT_BOOLEAN,
	AD_FT_LIST,
	AD_FT__COUNT
};

#define AD_FT_BIT(t)	(1u << (t))

#define AD_FF_OCTAL	0x1	/* integer printed in octal (file.mode) */
#define AD_FF_OPNAME	0x2	/* values are operation names (file.op) */
#define AD_FF_KINDNAME	0x4	/* values are event kinds (event.kind) */

/* A field's value on one event, borrowed from the event (or the scratch).
 * Strings: s/len (NUL-terminated); integer and boolean: i; list: v/n.
 * file.op fills both s (the name) and i (enum ad_op). */
struct ad_fval {
	const char *s;
	size_t len;
	int64_t i;
	const struct ad_str *v;
	int n;
};

/* Returns 1 and fills out when the field is present, 0 when absent. */
typedef int (*ad_field_get)(const struct ad_event *ev, struct ad_fval *out,
    char *scratch);

struct ad_field {
	const char *name;
	enum ad_ftype type;
	unsigned flags;
	const char *doc;
	ad_field_get get;
};

extern const struct ad_field ad_fields[];
extern const int ad_nfields;

const struct ad_field *ad_field_find(const char *name);
const char *ad_ftype_name(enum ad_ftype t);

enum ad_cmp {
	AD_CMP_EQ,
	AD_CMP_NE,
	AD_CMP_LT,
	AD_CMP_LE,
	AD_CMP_GT,
	AD_CMP_GE,
	AD_CMP_IN,
	AD_CMP_STARTSWITH,
	AD_CMP_ENDSWITH,
	AD_CMP_CONTAINS,
	AD_CMP_ICONTAINS,
	AD_CMP_GLOB,
	AD_CMP_MATCHES,
	AD_CMP_EXISTS,
	AD_CMP_INTERSECTS,
	AD_CMP_UNDER,
	AD_CMP__COUNT
};

enum ad_operand_shape {
	AD_SHAPE_NONE,		/* exists */
	AD_SHAPE_VALUE,		/* one value */
	AD_SHAPE_SET,		/* (a, b, ...) or a list name */
};

struct ad_operator {
	const char *name;
	enum ad_cmp cmp;
	unsigned types;		/* AD_FT_BIT()s it applies to */
	enum ad_operand_shape shape;
	const char *doc;
};

extern const struct ad_operator ad_operators[];
extern const int ad_noperators;

const struct ad_operator *ad_operator_find(const char *name);

#endif
