/*
 * parser.y - the rule language grammar (pure, reentrant).
 *
 *	list NAME = [a, b, c]		list NAME += [d]
 *	macro NAME = <expr>
 *	rule NAME { desc "..." severity S tags [..] when <expr>
 *	            except <expr> output "..." enabled false
 *	            action freeze }
 *	rule NAME += { except <expr> }	disable rule NAME
 *
 * Expressions: field OPERATOR [value | (a, b) | listname], a macro name,
 * (a symbol operator always takes a value: `proc.pid ==` is a syntax
 * error; a word operator may take none, like `exists`),
 * and/or/not, parentheses.  Field names and operators are plain words
 * (and symbols) checked against the tables in fields.c later, so the
 * grammar stays this small.  Every statement is handed to the parse
 * context as soon as it is reduced; on a syntax error the parser skips
 * to the next rule item or statement and goes on, so every error in the
 * file is reported.
 */
%require "3.6"
%define api.pure full
%define api.prefix {adr}
%define api.location.type {struct ad_loc}
%define parse.error custom
%locations
%expect 0
%param {void *scanner}
%parse-param {struct ad_parse *p}

%code requires {
#include "rules_ast.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)					\
	do {								\
		if (N) {						\
			(Cur).src = YYRHSLOC(Rhs, 1).src;		\
			(Cur).first_line = YYRHSLOC(Rhs, 1).first_line;	\
			(Cur).first_column = YYRHSLOC(Rhs, 1).first_column; \
			(Cur).last_line = YYRHSLOC(Rhs, N).last_line;	\
			(Cur).last_column = YYRHSLOC(Rhs, N).last_column; \
		} else {						\
			(Cur).src = YYRHSLOC(Rhs, 0).src;		\
			(Cur).first_line = (Cur).last_line =		\
			    YYRHSLOC(Rhs, 0).last_line;			\
			(Cur).first_column = (Cur).last_column =	\
			    YYRHSLOC(Rhs, 0).last_column;		\
		}							\
	} while (0)
}

%code {
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "util.h"

int adrlex(ADRSTYPE *lval, struct ad_loc *lloc, void *scanner);
static void adrerror(struct ad_loc *loc, void *scanner, struct ad_parse *p,
    const char *msg);

static struct ad_expr *
bin(enum ad_expr_kind k, const struct ad_loc *loc, struct ad_expr *l,
    struct ad_expr *r)
{
	struct ad_expr *x = ad_expr_new(k, loc);

	x->l = l;
	x->r = r;
	return x;
}

static struct ad_expr *
cmp(const struct ad_loc *loc, struct ad_word field, struct ad_word op)
{
	struct ad_expr *x = ad_expr_new(AD_X_CMP, loc);

	x->name = field;
	x->op = op;
	x->opd = AD_OPD_NONE;
	return x;
}

static void
stmt_words(struct ad_parse *p, enum ad_stmt_kind k, const struct ad_loc *loc,
    struct ad_word name, struct ad_words words)
{
	struct ad_stmt *s = ad_stmt_new(k, loc);

	s->name = name;
	s->words = words;
	ad_parse_add(p, s);
}

static void
stmt_rule(struct ad_parse *p, enum ad_stmt_kind k, const struct ad_loc *loc,
    struct ad_word name, struct ad_ritem *items)
{
	struct ad_stmt *s = ad_stmt_new(k, loc);

	s->name = name;
	s->items = ad_ritems_reverse(items);
	ad_parse_add(p, s);
}
}

%union {
	struct ad_word word;
	struct ad_words words;
	struct ad_expr *expr;
	struct ad_ritem *ritem;
}

%token <word> WORD "word" STRING "string" OP "operator"
%token RULE "rule" LIST "list" MACRO "macro" DISABLE "disable"
%token DESC "desc" SEVERITY "severity" TAGS "tags" WHEN "when"
%token EXCEPT "except" OUTPUT "output" ENABLED "enabled" ACTION "action"
%token AND "and" OR "or" NOT "not" PLUSEQ "+=" LEXERR "invalid token"

%type <word> item value opname
%type <words> items itemlist
%type <expr> expr
%type <ritem> ritems ritem

%destructor { free($$.s); } <word>
%destructor { ad_words_free(&$$); } <words>
%destructor { ad_expr_free($$); } <expr>
%destructor { ad_ritems_free($$); } <ritem>

%left OR
%left AND
%precedence NOT

%%

file:	  %empty
	| file stmt
	| file error
	;

stmt:	  LIST WORD '=' '[' items ']'
		{ stmt_words(p, AD_S_LIST, &@1, $2, $5); }
	| LIST WORD "+=" '[' items ']'
		{ stmt_words(p, AD_S_LIST_APPEND, &@1, $2, $5); }
	| MACRO WORD '=' expr
		{
			struct ad_stmt *s = ad_stmt_new(AD_S_MACRO, &@1);

			s->name = $2;
			s->expr = $4;
			ad_parse_add(p, s);
		}
	| RULE WORD '{' ritems '}'
		{ stmt_rule(p, AD_S_RULE, &@1, $2, $4); }
	| RULE WORD "+=" '{' ritems '}'
		{ stmt_rule(p, AD_S_RULE_APPEND, &@1, $2, $5); }
	| DISABLE RULE WORD
		{ stmt_rule(p, AD_S_DISABLE, &@1, $3, NULL); }
	;

ritems:	  %empty		{ $$ = NULL; }
	| ritems ritem		{ $2->next = $1; $$ = $2; }
	| ritems error		{ $$ = $1; }
	;

ritem:	  DESC STRING
		{ $$ = ad_ritem_new(AD_RI_DESC, &@1); $$->w = $2; }
	| SEVERITY WORD
		{ $$ = ad_ritem_new(AD_RI_SEVERITY, &@1); $$->w = $2; }
	| TAGS '[' items ']'
		{ $$ = ad_ritem_new(AD_RI_TAGS, &@1); $$->words = $3; }
	| WHEN expr
		{ $$ = ad_ritem_new(AD_RI_WHEN, &@1); $$->expr = $2; }
	| EXCEPT expr
		{ $$ = ad_ritem_new(AD_RI_EXCEPT, &@1); $$->expr = $2; }
	| OUTPUT STRING
		{ $$ = ad_ritem_new(AD_RI_OUTPUT, &@1); $$->w = $2; }
	| ENABLED WORD
		{ $$ = ad_ritem_new(AD_RI_ENABLED, &@1); $$->w = $2; }
	| ACTION WORD
		{ $$ = ad_ritem_new(AD_RI_ACTION, &@1); $$->w = $2; }
	;

items:	  %empty		{ memset(&$$, 0, sizeof($$)); }
	| itemlist		{ $$ = $1; }
	| itemlist ','		{ $$ = $1; }
	;

itemlist: item
		{ memset(&$$, 0, sizeof($$)); ad_words_push(&$$, $1); }
	| itemlist ',' item	{ $$ = $1; ad_words_push(&$$, $3); }
	;

item:	  WORD | STRING ;
value:	  WORD | STRING ;
opname:	  WORD | OP ;

expr:	  expr AND expr		{ $$ = bin(AD_X_AND, &@$, $1, $3); }
	| expr OR expr		{ $$ = bin(AD_X_OR, &@$, $1, $3); }
	| NOT expr		{ $$ = bin(AD_X_NOT, &@$, $2, NULL); }
	| '(' expr ')'		{ $$ = $2; }
	| WORD
		{ $$ = ad_expr_new(AD_X_REF, &@$); $$->name = $1; }
	| WORD WORD		{ $$ = cmp(&@$, $1, $2); }
	| WORD opname value
		{
			$$ = cmp(&@$, $1, $2);
			$$->opd = AD_OPD_VALUE;
			$$->val = $3;
		}
	| WORD opname '(' items ')'
		{
			$$ = cmp(&@$, $1, $2);
			$$->opd = AD_OPD_SET;
			$$->set = $4;
			$$->val.loc = @3;
			$$->val.loc.last_line = @5.last_line;
			$$->val.loc.last_column = @5.last_column;
		}
	;

%%

static void
adrerror(struct ad_loc *loc, void *scanner, struct ad_parse *p,
    const char *msg)
{
	ad_diag_error(p->diags, loc, "%s", msg);
}

/* How a token reads in a message: keywords and symbols quoted. */
static void
sym_name(yysymbol_kind_t k, char *buf, size_t cap)
{
	const char *n = yysymbol_name(k);

	switch (k) {
	case YYSYMBOL_YYEOF:
		snprintf(buf, cap, "end of file");
		return;
	case YYSYMBOL_WORD:
		snprintf(buf, cap, "a word");
		return;
	case YYSYMBOL_STRING:
		snprintf(buf, cap, "a string");
		return;
	case YYSYMBOL_OP:
		snprintf(buf, cap, "an operator");
		return;
	default:
		break;
	}
	if (n[0] == '\'')
		snprintf(buf, cap, "%s", n);
	else if (n[0] == '"')
		snprintf(buf, cap, "'%.*s'", (int)strlen(n) - 2, n + 1);
	else
		snprintf(buf, cap, "'%s'", n);
}

static int
yyreport_syntax_error(const yypcontext_t *ctx, void *scanner,
    struct ad_parse *p)
{
	yysymbol_kind_t exp[6], la = yypcontext_token(ctx);
	char msg[400], name[64];
	int i, n;
	size_t len;

	if (la == YYSYMBOL_LEXERR || p->lexerr) {
		p->lexerr = 0;		/* the scanner said what was wrong */
		return 0;
	}
	if (la == YYSYMBOL_YYEOF)
		len = (size_t)snprintf(msg, sizeof(msg), "unexpected end of file");
	else
		len = (size_t)snprintf(msg, sizeof(msg), "unexpected '%s'",
		    p->tok);
	n = yypcontext_expected_tokens(ctx, exp, (int)AD_ARRAY_SIZE(exp));
	for (i = 0; i < n && len < sizeof(msg); i++) {
		sym_name(exp[i], name, sizeof(name));
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s%s",
		    i == 0 ? ", expected " : i == n - 1 ? " or " : ", ", name);
	}
	ad_diag_error(p->diags, yypcontext_location(ctx), "syntax error: %s",
	    msg);
	return 0;
}
