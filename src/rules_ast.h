/*
 * rules_ast.h - the rule language inside the rules module: what the parser
 * builds (statements, rule items, expressions, with source spans) and
 * what the compiler turns them into (struct ad_cexpr, struct ad_crule).
 * Private to grammar/, ruleset.c and eval.c; the pipeline sees ruleset.h.
 *
 * Pipeline: scanner.l + parser.y (text -> struct ad_stmt list),
 * ruleset.c (names, lists, macros, types -> compiled rules), eval.c
 * (index by what can make a rule fire; evaluate; render output).
 *
 * Ownership: constructors return owned objects; every _free(NULL) is a
 * no-op; putting a node into a parent passes ownership to the parent.
 */
#ifndef AUDRIFT_RULES_AST_H
#define AUDRIFT_RULES_AST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "event.h"
#include "fields.h"
#include "util.h"

struct ad_src;
struct ad_diags;

/* A source span: 1-based lines and byte columns, last_* inclusive. */
struct ad_loc {
	const struct ad_src *src;
	int first_line, first_column;
	int last_line, last_column;
};

/* A word or a string as written.  Only bare (unquoted) words may name a
 * list inside a list or a set. */
struct ad_word {
	char *s;
	int quoted;
	struct ad_loc loc;
};

struct ad_words {
	struct ad_word *v;
	int n, cap;
};

void ad_words_push(struct ad_words *w, struct ad_word word);	/* takes */
void ad_words_free(struct ad_words *w);		/* frees items, keeps struct */

enum ad_expr_kind {
	AD_X_AND,
	AD_X_OR,
	AD_X_NOT,
	AD_X_REF,	/* a macro, or a boolean field on its own */
	AD_X_CMP,	/* field operator [value | (set)] */
};

enum ad_operand {
	AD_OPD_NONE,
	AD_OPD_VALUE,
	AD_OPD_SET,
};

struct ad_expr {
	enum ad_expr_kind kind;
	struct ad_loc loc;
	struct ad_expr *l, *r;		/* and/or: both; not: l */
	struct ad_word name;		/* ref: the name; cmp: the field */
	struct ad_word op;		/* cmp: the operator as written */
	enum ad_operand opd;
	struct ad_word val;		/* AD_OPD_VALUE */
	struct ad_words set;		/* AD_OPD_SET */
};

struct ad_expr *ad_expr_new(enum ad_expr_kind kind, const struct ad_loc *loc);
void ad_expr_free(struct ad_expr *x);

enum ad_ritem_kind {
	AD_RI_DESC,
	AD_RI_SEVERITY,
	AD_RI_TAGS,
	AD_RI_WHEN,
	AD_RI_EXCEPT,
	AD_RI_OUTPUT,
	AD_RI_ENABLED,
	AD_RI_ACTION,
	AD_RI__COUNT
};

struct ad_ritem {
	enum ad_ritem_kind kind;
	struct ad_loc loc;		/* the keyword */
	struct ad_word w;		/* desc, severity, output, enabled,
					   action */
	struct ad_words words;		/* tags */
	struct ad_expr *expr;		/* when, except */
	struct ad_ritem *next;
};

struct ad_ritem *ad_ritem_new(enum ad_ritem_kind kind,
    const struct ad_loc *loc);
void ad_ritems_free(struct ad_ritem *list);	/* the whole chain */
struct ad_ritem *ad_ritems_reverse(struct ad_ritem *list);
const char *ad_ritem_name(enum ad_ritem_kind kind);

enum ad_stmt_kind {
	AD_S_LIST,		/* list NAME = [...] */
	AD_S_LIST_APPEND,	/* list NAME += [...] */
	AD_S_MACRO,		/* macro NAME = expr */
	AD_S_RULE,		/* rule NAME { ... } */
	AD_S_RULE_APPEND,	/* rule NAME += { except / tags / enabled /
				   action } */
	AD_S_DISABLE,		/* disable rule NAME */
};

struct ad_stmt {
	enum ad_stmt_kind kind;
	struct ad_loc loc;		/* the statement keyword */
	struct ad_word name;
	struct ad_words words;		/* lists */
	struct ad_expr *expr;		/* macro */
	struct ad_ritem *items;		/* rules, in source order */
	struct ad_stmt *next;
};

struct ad_stmt *ad_stmt_new(enum ad_stmt_kind kind, const struct ad_loc *loc);
void ad_stmts_free(struct ad_stmt *list);	/* the whole chain */

/* Parser and scanner state for one file (no globals). */
struct ad_parse {
	const struct ad_src *src;
	struct ad_diags *diags;
	struct ad_stmt *head, **tail;
	int line, column;		/* scanner position */
	int end_line, end_column;	/* end of the last token */
	int lexerr;			/* the scanner reported this token */
	char tok[48];			/* last token's text, for messages */
};

void ad_parse_add(struct ad_parse *p, struct ad_stmt *s);	/* takes */

/* Parse src; append its statements to *out (a chain the caller owns and
 * frees, complete or not) and queue every error in d.  Returns the number
 * of errors queued for this file.  grammar/scanner.l. */
int ad_parse_src(const struct ad_src *src, struct ad_diags *d,
    struct ad_stmt **out);

/* ---- compiled form (ruleset.c builds it, eval.c runs it) ---------------- */

enum ad_cx_kind {
	AD_CX_AND,
	AD_CX_OR,
	AD_CX_NOT,
	AD_CX_CMP,
};

struct ad_cexpr {
	enum ad_cx_kind kind;
	enum ad_cmp cmp;
	const struct ad_field *field;
	int intcmp;		/* compare the field's integer value */
	struct ad_cexpr *l, *r;
	int64_t i;		/* integer operand */
	char *s;		/* string operand (icontains: lowercased) */
	size_t len;
	int64_t *iset;		/* in: sorted integers */
	struct ad_str *sset;	/* in: sorted by (len, bytes), owned */
	int nset;
	pcre2_code *re;		/* matches */
};

void ad_cexpr_free(struct ad_cexpr *x);

/* One piece of an output template: literal bytes, or a field. */
struct ad_tseg {
	const struct ad_field *field;	/* NULL: literal */
	char *lit;
	size_t len;
};

struct ad_crule {
	char *name;
	const char *severity;		/* static */
	char **tags;
	int ntags;
	struct ad_cexpr *when;
	struct ad_cexpr **excepts;
	int nexcepts;
	struct ad_tseg *tmpl;
	int ntmpl;
	int enabled;
	int action;			/* enum ad_action (action.h) */
	struct ad_loc action_loc;	/* where it was given: its src only
					   while loading */
	char *action_at;		/* "file:line:col" of it, owned */
	uint32_t opmask;		/* ops that can make `when` true on a
					   syscall event (0: it never can) */
	uint32_t slots;			/* opmask, and bit AD_OP__COUNT when
					   it can match container_start */
};

struct ad_rindex;	/* eval.c */
struct ad_evstate;	/* eval.c: per-ruleset scratch reused per event */

struct ad_ruleset {
	struct ad_crule *rules;
	int nrules, ndisabled;
	int nfiles, nlists, nmacros;
	char digest[65];
	struct ad_rindex *ix;
	struct ad_evstate *st;
};

/* eval.c: build the index and the scratch state; free them. */
void ad_ruleset_index(struct ad_ruleset *rs);
void ad_ruleset_index_free(struct ad_ruleset *rs);
/* eval.c: does x hold for ev? (tests and the evaluator) */
int ad_cexpr_eval(const struct ad_ruleset *rs, const struct ad_cexpr *x,
    const struct ad_event *ev);
/* eval.c: which ops can make x true (bit per enum ad_op). */
uint32_t ad_cexpr_opmask(const struct ad_cexpr *x);

/* ruleset.c: load from memory (tests, benchmark): n named texts, no
 * file system, no ownership checks.  Same contract as ad_ruleset_load. */
struct ad_ruleset *ad_ruleset_load_mem(const char *const *names,
    const char *const *texts, int n, FILE *errout);

#endif
