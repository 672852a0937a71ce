/*
 * eval.c - run a compiled ruleset on events.
 *
 * Per event nothing is parsed, looked up by name or allocated: fields are
 * read through accessor pointers, sets are sorted arrays searched by
 * bisection, regexes were compiled (and JIT-compiled) at load and share
 * one match_data, and the output is rendered into one reused buffer.
 *
 * An event visits only candidate rules.  Two indexes, built at load:
 *   - by operation: the ops that can make a rule's `when` true (from
 *     `file.op == x`, `file.op in (...)` in its conjunctions);
 *   - by value: a rule whose `when` is a conjunction containing
 *     `F == "v"` or `F in (...)` on a string or path field is filed under
 *     (F, v) in a hash table, and visited only when the event's F is one
 *     of its values.  Failing those, `F startswith "p"` files it under
 *     (F prefix, p), and the event's F is looked up once per distinct
 *     prefix length of F (one pass of the hash over the value).
 * Rules with neither are visited for every event of their ops.  A
 * container_start event (no op) has its own slot, holding only the rules
 * whose `when` tests event.kind so that it can be container_start.  The
 * candidates are a bitmap in rule order, so findings keep file order.
 *
 * A ruleset holds per-evaluation scratch: evaluate it from one thread at
 * a time (each pipeline thread loads its own, or serialize).
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rules_ast.h"
#include "ruleset.h"
#include "util.h"

#define ALL_OPS		((1u << AD_OP__COUNT) - 1)
/* The index's slots: one per operation, and one more for container_start
 * events (which make no operation). */
#define NSLOTS		(AD_OP__COUNT + 1)
#define START_SLOT	(1u << AD_OP__COUNT)

struct ient {
	int field;		/* index into ad_fields; -1 empty slot */
	const char *s;		/* borrowed from the rule's cexpr */
	size_t len;
	uint64_t h;
	int *rules;
	int n, cap;
};

/* A field some rule is filed under by prefix, with the prefix lengths
 * (ascending, distinct) to try on the event's value. */
struct pfield {
	int field;
	size_t *lens;
	int nlens;
};

/* The key of a prefix entry: the field with this bit, so that (F, "ab")
 * exact and (F, "ab") prefix are two entries. */
#define KEY_PREFIX	0x10000

struct ad_rindex {
	int nwords;
	uint64_t *always;	/* NSLOTS bitmaps of nwords */
	int *ifields;		/* fields some rule is filed under */
	int nifields;
	struct pfield *pfields;	/* ... by prefix */
	int npfields;
	struct ient *tab;
	size_t cap, n;
};

struct ad_evstate {
	pcre2_match_data *md;
	struct ad_buf out;
	uint64_t *cand;
	char scratch[AD_FIELD_SCRATCH];
};

struct ectx {
	const struct ad_event *ev;
	struct ad_evstate *st;
};

/* ---- evaluation ---------------------------------------------------------- */

static int
str_search(const struct ad_cexpr *x, const char *s, size_t len)
{
	size_t lo = 0, hi = (size_t)x->nset, mid;
	const struct ad_str *e;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		e = &x->sset[mid];
		if (e->len != len)
			c = e->len < len ? -1 : 1;
		else
			c = memcmp(e->s, s, len);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
int_search(const struct ad_cexpr *x, int64_t v)
{
	size_t lo = 0, hi = (size_t)x->nset, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (x->iset[mid] == v)
			return 1;
		if (x->iset[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Is path s one of the set's paths or below one (at a component
 * boundary: /etc holds /etc and /etc/x, not /etcx)?  The set is short
 * (a list of directories): a linear walk. */
static int
under(const struct ad_cexpr *x, const char *s, size_t len)
{
	const struct ad_str *e;
	int i;

	for (i = 0; i < x->nset; i++) {
		e = &x->sset[i];
		if (e->len == 0 || e->len > len || memcmp(s, e->s, e->len) != 0)
			continue;
		if (e->len == len || s[e->len] == '/' || e->s[e->len - 1] == '/')
			return 1;
	}
	return 0;
}

/* needle is lowercased at load. */
static int
icontains(const char *s, size_t len, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen == 0)
		return 1;
	for (i = 0; i + nlen <= len; i++) {
		for (j = 0; j < nlen; j++)
			if (tolower((unsigned char)s[i + j]) !=
			    (unsigned char)needle[j])
				break;
		if (j == nlen)
			return 1;
	}
	return 0;
}

static int
int_test(const struct ad_cexpr *x, int64_t v)
{
	switch (x->cmp) {
	case AD_CMP_EQ:	return v == x->i;
	case AD_CMP_NE:	return v != x->i;
	case AD_CMP_LT:	return v < x->i;
	case AD_CMP_LE:	return v <= x->i;
	case AD_CMP_GT:	return v > x->i;
	case AD_CMP_GE:	return v >= x->i;
	case AD_CMP_IN:	return int_search(x, v);
	default:	return 0;
	}
}

/* s is NUL-terminated (fnmatch needs it); len excludes the NUL. */
static int
str_test(const struct ectx *c, const struct ad_cexpr *x, const char *s,
    size_t len)
{
	switch (x->cmp) {
	case AD_CMP_EQ:
		return len == x->len && memcmp(s, x->s, len) == 0;
	case AD_CMP_NE:
		return !(len == x->len && memcmp(s, x->s, len) == 0);
	case AD_CMP_IN:
	case AD_CMP_INTERSECTS:
		return str_search(x, s, len);
	case AD_CMP_UNDER:
		return under(x, s, len);
	case AD_CMP_STARTSWITH:
		return len >= x->len && memcmp(s, x->s, x->len) == 0;
	case AD_CMP_ENDSWITH:
		return len >= x->len &&
		    memcmp(s + len - x->len, x->s, x->len) == 0;
	case AD_CMP_CONTAINS:
		return memmem(s, len, x->s, x->len) != NULL;
	case AD_CMP_ICONTAINS:
		return icontains(s, len, x->s, x->len);
	case AD_CMP_GLOB:
		return fnmatch(x->s, s, x->field->type == AD_FT_PATH ?
		    FNM_PATHNAME : 0) == 0;
	case AD_CMP_MATCHES:
		return pcre2_match(x->re, (PCRE2_SPTR)s, len, 0, 0,
		    c->st->md, NULL) >= 0;
	default:
		return 0;
	}
}

static int
cmp_eval(const struct ectx *c, const struct ad_cexpr *x)
{
	struct ad_fval v;
	int i, ne;

	/* absent: every comparison is false; only exists tells */
	if (!x->field->get(c->ev, &v, c->st->scratch))
		return 0;
	if (x->cmp == AD_CMP_EXISTS)
		return 1;
	if (x->intcmp)
		return int_test(x, v.i);
	if (x->field->type != AD_FT_LIST)
		return str_test(c, x, v.s, v.len);
	/* a list holds when any element does; != when none is equal */
	ne = x->cmp == AD_CMP_NE;
	for (i = 0; i < v.n; i++)
		if (v.v[i].s != NULL && (ne ? !str_test(c, x, v.v[i].s,
		    v.v[i].len) : str_test(c, x, v.v[i].s, v.v[i].len)))
			return !ne;
	return ne;
}

static int
x_eval(const struct ectx *c, const struct ad_cexpr *x)
{
	switch (x->kind) {
	case AD_CX_AND:
		return x_eval(c, x->l) && x_eval(c, x->r);
	case AD_CX_OR:
		return x_eval(c, x->l) || x_eval(c, x->r);
	case AD_CX_NOT:
		return !x_eval(c, x->l);
	case AD_CX_CMP:
		return cmp_eval(c, x);
	}
	return 0;
}

int
ad_cexpr_eval(const struct ad_ruleset *rs, const struct ad_cexpr *x,
    const struct ad_event *ev)
{
	struct ectx c = { ev, rs->st };

	return x_eval(&c, x);
}

/* ---- output ----------------------------------------------------------- */

static void
render(const struct ectx *c, const struct ad_crule *r)
{
	struct ad_buf *b = &c->st->out;
	const struct ad_tseg *t;
	struct ad_fval v;
	char num[32];
	int i, k;

	ad_buf_reset(b);
	for (i = 0; i < r->ntmpl; i++) {
		t = &r->tmpl[i];
		if (t->field == NULL) {
			ad_buf_add(b, t->lit, t->len);
			continue;
		}
		if (!t->field->get(c->ev, &v, c->st->scratch)) {
			ad_buf_adds(b, "<NA>");
			continue;
		}
		switch (t->field->type) {
		case AD_FT_INTEGER:
			snprintf(num, sizeof(num), t->field->flags &
			    AD_FF_OCTAL ? "%#llo" : "%lld", (long long)v.i);
			ad_buf_adds(b, num);
			break;
		case AD_FT_BOOLEAN:
			ad_buf_adds(b, v.i ? "true" : "false");
			break;
		case AD_FT_LIST:
			for (k = 0; k < v.n; k++) {
				if (k > 0)
					ad_buf_addc(b, ' ');
				if (v.v[k].s)
					ad_buf_add(b, v.v[k].s, v.v[k].len);
			}
			break;
		default:
			ad_buf_add(b, v.s, v.len);
			break;
		}
	}
}

static int
rule_eval(const struct ectx *c, const struct ad_crule *r, ad_finding_fn fn,
    void *arg)
{
	struct ad_finding f;
	int i;

	if (!x_eval(c, r->when))
		return 0;
	for (i = 0; i < r->nexcepts; i++)
		if (x_eval(c, r->excepts[i]))
			return 0;
	render(c, r);
	f.rule = r->name;
	f.severity = r->severity;
	f.tags = (const char *const *)r->tags;
	f.ntags = r->ntags;
	f.message = c->st->out.p;
	f.message_len = c->st->out.len;
	f.ev = c->ev;
	f.action = r->action;
	f.row = NULL;
	if (fn)
		fn(arg, &f);
	return 1;
}

/* ---- the index --------------------------------------------------------- */

uint32_t
ad_cexpr_opmask(const struct ad_cexpr *x)
{
	uint32_t m = 0;
	int i;

	switch (x->kind) {
	case AD_CX_AND:
		return ad_cexpr_opmask(x->l) & ad_cexpr_opmask(x->r);
	case AD_CX_OR:
		return ad_cexpr_opmask(x->l) | ad_cexpr_opmask(x->r);
	case AD_CX_NOT:
		return ALL_OPS;
	case AD_CX_CMP:
		/* file.op is never absent, so != is an exact complement */
		if (!(x->field->flags & AD_FF_OPNAME) || !x->intcmp)
			return ALL_OPS;
		if (x->cmp == AD_CMP_EQ)
			return 1u << x->i;
		if (x->cmp == AD_CMP_NE)
			return ALL_OPS & ~(1u << x->i);
		for (i = 0; i < x->nset; i++)
			m |= 1u << x->iset[i];
		return m;
	}
	return ALL_OPS;
}

#define ALL_KINDS	((1u << AD_KIND__COUNT) - 1)
#define START_KIND	(1u << AD_KIND_CONTAINER_START)

/* Which event kinds can make x true (as ad_cexpr_opmask for ops). */
static uint32_t
kindmask(const struct ad_cexpr *x)
{
	uint32_t m = 0;
	int i;

	switch (x->kind) {
	case AD_CX_AND:
		return kindmask(x->l) & kindmask(x->r);
	case AD_CX_OR:
		return kindmask(x->l) | kindmask(x->r);
	case AD_CX_NOT:
		return ALL_KINDS;
	case AD_CX_CMP:
		if (!(x->field->flags & AD_FF_KINDNAME) || !x->intcmp)
			return ALL_KINDS;
		if (x->cmp == AD_CMP_EQ)
			return 1u << x->i;
		if (x->cmp == AD_CMP_NE)
			return ALL_KINDS & ~(1u << x->i);
		for (i = 0; i < x->nset; i++)
			m |= 1u << x->iset[i];
		return m;
	}
	return ALL_KINDS;
}

/* What filing a rule under conjunct x costs: its number of values, a
 * prefix (a lookup per prefix length at each event) after any exact
 * value; 0 when x cannot key the rule. */
static int
key_cost(const struct ad_cexpr *x)
{
	if (x->kind != AD_CX_CMP || x->intcmp ||
	    (x->field->type != AD_FT_STRING && x->field->type != AD_FT_PATH))
		return 0;
	switch (x->cmp) {
	case AD_CMP_EQ:		return 1;
	case AD_CMP_IN:		return x->nset > 0 ? x->nset : 0;
	case AD_CMP_STARTSWITH:	return 1 << 20;
	default:		return 0;
	}
}

/* The conjunct of x that keys the rule at least cost, or NULL. */
static const struct ad_cexpr *
pick_key(const struct ad_cexpr *x)
{
	const struct ad_cexpr *a, *b;

	if (x->kind == AD_CX_AND) {
		a = pick_key(x->l);
		b = pick_key(x->r);
		if (a == NULL || (b != NULL && key_cost(b) < key_cost(a)))
			return b;
		return a;
	}
	return key_cost(x) > 0 ? x : NULL;
}

/* FNV-1a over the key, seeded with its field: key_hash is
 * key_step(key_seed(field), ...) of each byte, so prefixes of one value
 * hash in one pass. */
#define key_seed(field)	(1469598103934665603ull ^ (uint64_t)(field))
#define key_step(h, c)	(((h) ^ (unsigned char)(c)) * 1099511628211ull)

static uint64_t
key_hash(int field, const char *s, size_t len)
{
	uint64_t h = key_seed(field);
	size_t i;

	for (i = 0; i < len; i++)
		h = key_step(h, s[i]);
	return h;
}

static struct ient *
ix_find(const struct ad_rindex *ix, int field, const char *s, size_t len,
    uint64_t h)
{
	size_t i;

	for (i = h & (ix->cap - 1); ix->tab[i].field >= 0;
	    i = (i + 1) & (ix->cap - 1)) {
		struct ient *e = &ix->tab[i];

		if (e->h == h && e->field == field && e->len == len &&
		    memcmp(e->s, s, len) == 0)
			return e;
	}
	return &ix->tab[i];	/* the empty slot */
}

static void
ix_grow(struct ad_rindex *ix)
{
	struct ient *old = ix->tab;
	size_t i, ocap = ix->cap;

	ix->cap = ocap ? ocap * 2 : 256;
	ix->tab = xcalloc(ix->cap, sizeof(*ix->tab));
	for (i = 0; i < ix->cap; i++)
		ix->tab[i].field = -1;
	for (i = 0; i < ocap; i++)
		if (old[i].field >= 0)
			*ix_find(ix, old[i].field, old[i].s, old[i].len,
			    old[i].h) = old[i];
	free(old);
}

/* Note that field has a prefix entry of length len. */
static void
pfield_add(struct ad_rindex *ix, int field, size_t len)
{
	struct pfield *p;
	int i, j;

	for (i = 0; i < ix->npfields && ix->pfields[i].field != field; i++)
		;
	if (i == ix->npfields) {
		ix->pfields = xrealloc(ix->pfields,
		    (size_t)(ix->npfields + 1) * sizeof(*ix->pfields));
		ix->pfields[ix->npfields++] = (struct pfield){ field, NULL, 0 };
	}
	p = &ix->pfields[i];
	for (j = 0; j < p->nlens && p->lens[j] < len; j++)
		;
	if (j < p->nlens && p->lens[j] == len)
		return;
	p->lens = xrealloc(p->lens, (size_t)(p->nlens + 1) * sizeof(size_t));
	memmove(p->lens + j + 1, p->lens + j,
	    (size_t)(p->nlens - j) * sizeof(size_t));
	p->lens[j] = len;
	p->nlens++;
}

static void
ix_add(struct ad_rindex *ix, int field, const char *s, size_t len, int rule)
{
	uint64_t h = key_hash(field, s, len);
	struct ient *e;
	int i;

	if (2 * (ix->n + 1) > ix->cap)
		ix_grow(ix);
	e = ix_find(ix, field, s, len, h);
	if (e->field < 0) {
		e->field = field;
		e->s = s;
		e->len = len;
		e->h = h;
		ix->n++;
		if (field & KEY_PREFIX)
			pfield_add(ix, field & ~KEY_PREFIX, len);
		else {
			for (i = 0; i < ix->nifields; i++)
				if (ix->ifields[i] == field)
					break;
			if (i == ix->nifields) {
				ix->ifields = xrealloc(ix->ifields,
				    (size_t)(ix->nifields + 1) * sizeof(int));
				ix->ifields[ix->nifields++] = field;
			}
		}
	}
	if (e->n > 0 && e->rules[e->n - 1] == rule)
		return;		/* (a, a) in one set */
	if (e->n == e->cap) {
		e->cap = e->cap ? 2 * e->cap : 2;
		e->rules = xrealloc(e->rules, (size_t)e->cap * sizeof(int));
	}
	e->rules[e->n++] = rule;
}

void
ad_ruleset_index(struct ad_ruleset *rs)
{
	struct ad_rindex *ix = xcalloc(1, sizeof(*ix));
	struct ad_crule *r;
	const struct ad_cexpr *k;
	uint32_t kinds;
	int i, j, op, field;

	rs->ix = ix;
	rs->st = xcalloc(1, sizeof(*rs->st));
	rs->st->md = pcre2_match_data_create(1, NULL);
	if (rs->st->md == NULL)
		fatalx("out of memory");
	ad_buf_init(&rs->st->out);
	ad_buf_reserve(&rs->st->out, 256);	/* message is never NULL */
	ix->nwords = (rs->nrules + 63) / 64;
	if (ix->nwords == 0)
		ix->nwords = 1;
	rs->st->cand = xcalloc((size_t)ix->nwords, sizeof(uint64_t));
	ix->always = xcalloc((size_t)ix->nwords * NSLOTS,
	    sizeof(uint64_t));
	ix_grow(ix);
	for (i = 0; i < rs->nrules; i++) {
		r = &rs->rules[i];
		if (!r->enabled || r->when == NULL)
			continue;
		/* container_start events are only for the rules that ask
		 * for them (event.kind): a syscall rule's negations would
		 * hold on an event with no file or process */
		kinds = kindmask(r->when);
		if (kinds == ALL_KINDS)
			kinds &= ~START_KIND;
		r->opmask = kinds & ~START_KIND ? ad_cexpr_opmask(r->when) : 0;
		r->slots = r->opmask | (kinds & START_KIND ? START_SLOT : 0);
		if ((k = pick_key(r->when)) != NULL) {
			field = (int)(k->field - ad_fields);
			if (k->cmp == AD_CMP_STARTSWITH)
				ix_add(ix, field | KEY_PREFIX, k->s, k->len,
				    i);
			else if (k->cmp == AD_CMP_EQ)
				ix_add(ix, field, k->s, k->len, i);
			else
				for (j = 0; j < k->nset; j++)
					ix_add(ix, field, k->sset[j].s,
					    k->sset[j].len, i);
			continue;
		}
		for (op = 0; op < NSLOTS; op++)
			if (r->slots & (1u << op))
				ix->always[op * ix->nwords + i / 64] |=
				    1ull << (i % 64);
	}
}

void
ad_ruleset_index_free(struct ad_ruleset *rs)
{
	struct ad_rindex *ix = rs->ix;
	size_t i;

	if (ix != NULL) {
		for (i = 0; i < ix->cap; i++)
			if (ix->tab[i].field >= 0)
				free(ix->tab[i].rules);
		free(ix->tab);
		free(ix->ifields);
		for (i = 0; i < (size_t)ix->npfields; i++)
			free(ix->pfields[i].lens);
		free(ix->pfields);
		free(ix->always);
		free(ix);
		rs->ix = NULL;
	}
	if (rs->st != NULL) {
		pcre2_match_data_free(rs->st->md);
		ad_buf_free(&rs->st->out);
		free(rs->st->cand);
		free(rs->st);
		rs->st = NULL;
	}
}

/* Mark the rules of index entry e that can match operation op. */
static void
add_cands(const struct ad_ruleset *rs, const struct ient *e, unsigned op,
    uint64_t *cand)
{
	int j;

	for (j = 0; e->field >= 0 && j < e->n; j++)
		if (rs->rules[e->rules[j]].slots & (1u << op))
			cand[e->rules[j] / 64] |= 1ull << (e->rules[j] % 64);
}

int
ad_ruleset_eval(const struct ad_ruleset *rs, const struct ad_event *ev,
    ad_finding_fn fn, void *arg)
{
	const struct ad_rindex *ix = rs->ix;
	struct ectx c = { ev, rs->st };
	uint64_t *cand = rs->st->cand, bits, h;
	const struct pfield *p;
	const struct ient *e;
	struct ad_fval v;
	unsigned op = ev->kind == AD_KIND_CONTAINER_START ? AD_OP__COUNT :
	    (unsigned)ev->op < AD_OP__COUNT ? ev->op : AD_OP_OTHER;
	size_t len;
	int i, k, w, n = 0;

	memcpy(cand, ix->always + op * (unsigned)ix->nwords,
	    (size_t)ix->nwords * sizeof(*cand));
	for (i = 0; i < ix->nifields; i++) {
		if (!ad_fields[ix->ifields[i]].get(ev, &v, rs->st->scratch))
			continue;
		e = ix_find(ix, ix->ifields[i], v.s, v.len,
		    key_hash(ix->ifields[i], v.s, v.len));
		add_cands(rs, e, op, cand);
	}
	for (i = 0; i < ix->npfields; i++) {
		p = &ix->pfields[i];
		if (!ad_fields[p->field].get(ev, &v, rs->st->scratch))
			continue;
		h = key_seed(p->field | KEY_PREFIX);
		for (k = 0, len = 0; k < p->nlens && p->lens[k] <= v.len;
		    k++) {
			for (; len < p->lens[k]; len++)
				h = key_step(h, v.s[len]);
			e = ix_find(ix, p->field | KEY_PREFIX, v.s, len, h);
			add_cands(rs, e, op, cand);
		}
	}
	for (w = 0; w < ix->nwords; w++)
		for (bits = cand[w]; bits; bits &= bits - 1)
			n += rule_eval(&c, &rs->rules[w * 64 +
			    __builtin_ctzll(bits)], fn, arg);
	return n;
}
