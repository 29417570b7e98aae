/* symbols.c: what a checked program names and where, for editors
 * (cbr_compiler_symbol, cbr_compiler_reference in cbr.h).
 *
 * Built on the first call after a check, from the checked model (sema.h)
 * and the names the checker resolved in the syntax tree, so an editor asks
 * the one compiler for its answers and never parses again.  A program with
 * errors has symbols too: whatever was declared and resolved is there, which
 * is what a half-written file in an editor needs. */
#include <stdio.h>
#include <string.h>
#include "compiler/semaint.h"

typedef struct symtab {
    cbr_symbol *syms;
    unsigned nsym, symcap;
    cbr_reference *refs;
    unsigned nref, refcap;
    /* where each table of the model starts among syms */
    unsigned fields, lets, tallies, tables, externs, funcs, weekdays, campaigns, offers, tests;
    cbrmap campaign_ids, offer_ids;
} symtab;

struct cbrsymbols {
    symtab t;
};

static cbr_span span_of(cbr_compiler *c, cbrloc loc)
{
    cbr_span sp = {.file = c->src[loc.file].name};
    cbrdiag_linecol(c, loc.file, loc.start, &sp.line, &sp.column);
    cbrdiag_linecol(c, loc.file, loc.end > loc.start ? loc.end : loc.start, &sp.end_line, &sp.end_column);
    return sp;
}

static cbr_symbol *add_sym(cbr_compiler *c, symtab *t, cbr_symbol_kind kind, const char *name,
                           const char *type, const char *what, const cbritem *decl)
{
    cbr_symbol *arr = cbrarena_grow(&c->arena, t->syms, sizeof *arr, &t->symcap, t->nsym + 1);
    if (!arr) {
        cbrcomp_oom(c);
        return NULL;
    }
    t->syms = arr;
    cbr_symbol *s = &arr[t->nsym++];
    *s = (cbr_symbol){.kind = kind, .name = name, .type = type ? type : "", .what = what};
    if (decl) {
        s->name_at = span_of(c, decl->name_loc.end > decl->name_loc.start ? decl->name_loc : decl->loc);
        s->decl = span_of(c, decl->loc);
    }
    return s;
}

static void add_ref(cbr_compiler *c, symtab *t, unsigned sym, cbrloc loc)
{
    if (loc.end <= loc.start)
        return;
    cbr_reference *arr = cbrarena_grow(&c->arena, t->refs, sizeof *arr, &t->refcap, t->nref + 1);
    if (!arr) {
        cbrcomp_oom(c);
        return;
    }
    t->refs = arr;
    arr[t->nref++] = (cbr_reference){.symbol = sym, .at = span_of(c, loc)};
}

/* "f(string, int) -> bool" for an extern, "string -> decimal" for a table. */
static const char *extern_type(cbr_compiler *c, const cbrextern *x)
{
    char buf[512];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s(", x->item->name.s);
    for (unsigned i = 0; i < x->nparams && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", cbrtype_name(x->params[i]));
    if (n < sizeof buf)
        snprintf(buf + n, sizeof buf - n, ") -> %s", cbrtype_name(x->ret));
    return cbrcomp_strdup(c, buf, strlen(buf));
}

static const char *table_type(cbr_compiler *c, const cbrtable *tb)
{
    char buf[96];
    if (tb->value == T_NOTHING)
        snprintf(buf, sizeof buf, "set of %s", cbrtype_name(tb->key));
    else
        snprintf(buf, sizeof buf, "%s -> %s", cbrtype_name(tb->key), cbrtype_name(tb->value));
    return cbrcomp_strdup(c, buf, strlen(buf));
}

/* ---- references: every name the checker resolved ---- */

static void walk_expr(cbr_compiler *c, symtab *t, const cbrexpr *e);

static void walk_list(cbr_compiler *c, symtab *t, cbrexpr *const *items, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        walk_expr(c, t, items[i]);
}

static void walk_expr(cbr_compiler *c, symtab *t, const cbrexpr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case E_NAME: {
        unsigned base = e->sym == SYM_FIELD ? t->fields : e->sym == SYM_LET ? t->lets
                      : e->sym == SYM_TALLY ? t->tallies : e->sym == SYM_TABLE ? t->tables
                      : e->sym == SYM_WEEKDAY ? t->weekdays - 1 : UINT32_MAX;
        if (base != UINT32_MAX)
            add_ref(c, t, base + e->sym_index, e->loc);
        return;
    }
    case E_CALL:
        if (e->sym == SYM_EXTERN || e->sym == SYM_BUILTIN) {
            cbrloc at = e->loc;
            at.end = at.start + e->u.name.n; /* the call starts with its name */
            add_ref(c, t, (e->sym == SYM_EXTERN ? t->externs : t->funcs) + e->sym_index, at);
        }
        walk_list(c, t, e->args.items, e->args.n);
        return;
    case E_LIST: case E_AND: case E_OR:
        walk_list(c, t, e->u.list.items, e->u.list.n);
        return;
    case E_NOT: case E_NEG: case E_BIN: case E_IN: case E_BETWEEN: case E_INDEX:
        walk_expr(c, t, e->u.kids.a);
        walk_expr(c, t, e->u.kids.b);
        if (e->kind == E_BETWEEN)
            walk_expr(c, t, e->u.kids.c);
        return;
    case E_LIT:
        return;
    }
}

static void walk_clause(cbr_compiler *c, symtab *t, const cbrclause *cl)
{
    walk_expr(c, t, cl->cond);
    walk_expr(c, t, cl->reward.expr);
    walk_expr(c, t, cl->reward.cap);
}

/* The quoted id of `campaign "X"`: from its opening quote to the end. */
static cbrloc quoted_after(const cbr_compiler *c, cbrloc kw, cbrloc whole)
{
    const cbrsource *s = &c->src[whole.file];
    cbrloc at = {whole.file, kw.end, whole.end};
    while (at.start < at.end && s->text[at.start] != '"')
        at.start++;
    return at;
}

static void walk_attrs(cbr_compiler *c, symtab *t, const cbrattrs *as)
{
    for (uint32_t i = 0; i < as->n; i++) {
        const cbrattr *a = &as->items[i];
        if (a->kind == A_CLAUSE) {
            walk_clause(c, t, &a->u.clause);
        } else if (a->kind == A_VEST) {
            walk_expr(c, t, a->u.vest.e);
        } else if (a->kind == A_CAMPAIGN && a->u.str.s) {
            int k = cbrmap_get(&t->campaign_ids, a->u.str.s, a->u.str.n);
            if (k >= 0)
                add_ref(c, t, t->campaigns + (unsigned)k, quoted_after(c, a->kw_loc, a->loc));
        }
    }
}

static int field_named(const cbrsema *m, const char *name, size_t n)
{
    for (unsigned i = 0; i < m->nfields; i++)
        if (strlen(m->fields[i].name) == n && memcmp(m->fields[i].name, name, n) == 0)
            return (int)i;
    return -1;
}

static void walk_item(cbr_compiler *c, symtab *t, const cbrsema *m, const cbritem *it)
{
    switch (it->kind) {
    case I_LET:
        walk_expr(c, t, it->u.let_expr);
        break;
    case I_CAMPAIGN: case I_OFFER:
        walk_attrs(c, t, &it->u.attrs);
        break;
    case I_RULE:
        walk_clause(c, t, &it->u.rule);
        break;
    case I_TALLY:
        if (it->u.tally.what.s) {
            int f = field_named(m, it->u.tally.what.s, it->u.tally.what.n);
            if (f >= 0)
                add_ref(c, t, t->fields + (unsigned)f, it->u.tally.what_loc);
        }
        walk_expr(c, t, it->u.tally.cond);
        break;
    case I_TEST:
        for (uint32_t i = 0; i < it->u.test.n; i++) {
            const cbrstep *st = &it->u.test.items[i];
            for (uint32_t k = 0; k < st->nkv; k++) {
                int f = field_named(m, st->kvs[k].key.s, st->kvs[k].key.n);
                if (f >= 0)
                    add_ref(c, t, t->fields + (unsigned)f, st->kvs[k].key_loc);
            }
            if (st->kind == STEP_STUB && st->call && st->call->sym == SYM_EXTERN) {
                cbrloc at = st->call->loc;
                at.end = at.start + st->call->u.name.n;
                add_ref(c, t, t->externs + st->call->sym_index, at);
            } else if (st->kind == STEP_ALREADY_SPENT && st->offer.s) {
                int k = cbrmap_get(&t->campaign_ids, st->offer.s, st->offer.n);
                if (k >= 0)
                    add_ref(c, t, t->campaigns + (unsigned)k, st->offer_loc);
            } else if (st->kind == STEP_ALREADY_COUNTED && st->offer.s) {
                for (unsigned k = 0; k < m->ntallies; k++)
                    if (m->tallies[k].item->name.n == st->offer.n &&
                        !memcmp(m->tallies[k].item->name.s, st->offer.s, st->offer.n))
                        add_ref(c, t, t->tallies + k, st->offer_loc);
            } else if (st->offer.s) {
                int o = cbrmap_get(&t->offer_ids, st->offer.s, st->offer.n);
                if (o >= 0)
                    add_ref(c, t, t->offers + (unsigned)o, st->offer_loc);
            }
        }
        break;
    case I_FIELD: case I_EXTERN: case I_TABLE:
        break;
    }
}

/* ---- the declarations ---- */

static void build(cbr_compiler *c, symtab *t)
{
    const cbrsema *m = cbrsema_get(c);
    if (!m)
        return;
    static const char *const origin[] = {"standard field", "derived field", "declared field"};
    t->fields = t->nsym;
    for (unsigned i = 0; i < m->nfields; i++)
        add_sym(c, t, CBR_SYMBOL_FIELD, m->fields[i].name, cbrtype_name(m->fields[i].type),
                origin[m->fields[i].origin], m->fields[i].decl);
    t->lets = t->nsym;
    for (unsigned i = 0; i < m->nlets; i++)
        add_sym(c, t, CBR_SYMBOL_LET, m->lets[i].item->name.s, cbrtype_name(m->lets[i].type), "let",
                m->lets[i].item);
    t->tallies = t->nsym;
    for (unsigned i = 0; i < m->ntallies; i++)
        add_sym(c, t, CBR_SYMBOL_TALLY, m->tallies[i].item->name.s, cbrtype_name(m->tallies[i].type),
                "tally", m->tallies[i].item);
    t->tables = t->nsym;
    for (unsigned i = 0; i < m->ntables; i++)
        add_sym(c, t, CBR_SYMBOL_TABLE, m->tables[i].item->name.s, table_type(c, &m->tables[i]),
                m->tables[i].path ? "table from a file" : "table", m->tables[i].item);
    t->externs = t->nsym;
    for (unsigned i = 0; i < m->nexterns; i++)
        add_sym(c, t, CBR_SYMBOL_EXTERN, m->externs[i].item->name.s, extern_type(c, &m->externs[i]),
                "extern function", m->externs[i].item);
    t->funcs = t->nsym;
    const char *sig;
    for (unsigned i = 0; cbrtc_builtin(i, &sig); i++)
        add_sym(c, t, CBR_SYMBOL_FUNCTION, cbrtc_builtin(i, NULL), sig, "built-in function", NULL);
    t->weekdays = t->nsym;
    static const char *const days[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    for (unsigned i = 0; i < 7; i++)
        add_sym(c, t, CBR_SYMBOL_WEEKDAY, days[i], "weekday", "weekday", NULL);
    t->campaigns = t->nsym;
    for (unsigned i = 0; i < m->ncampaigns; i++) {
        add_sym(c, t, CBR_SYMBOL_CAMPAIGN, m->campaigns[i].id.s, "", "campaign", m->campaigns[i].item);
        if (!cbrmap_put(c, &t->campaign_ids, m->campaigns[i].id.s, m->campaigns[i].id.n, (int)i))
            return;
    }
    t->offers = t->nsym;
    for (unsigned i = 0; i < m->noffers; i++) {
        const cbroffer *o = &m->offers[i];
        cbr_symbol *s = add_sym(c, t, CBR_SYMBOL_OFFER, o->id.s, "", o->bare ? "bare rule" : "offer", o->item);
        if (s && o->campaign >= 0)
            s->campaign = m->campaigns[o->campaign].id.s;
        if (!cbrmap_put(c, &t->offer_ids, o->id.s, o->id.n, (int)i))
            return;
    }
    t->tests = t->nsym;
    for (unsigned i = 0; i < m->ntests; i++)
        add_sym(c, t, CBR_SYMBOL_TEST, m->tests[i].item->name.s, "", "test", m->tests[i].item);
    for (uint32_t f = 0; f < c->nsrc && !c->oom; f++)
        for (const cbritem *it = c->src[f].items; it; it = it->next)
            walk_item(c, t, m, it);
}

static symtab *symbols(cbr_compiler *c)
{
    if (!c || !c->checked || c->oom)
        return NULL;
    if (!c->symbols) {
        c->symbols = cbrcomp_alloc(c, sizeof *c->symbols);
        if (!c->symbols)
            return NULL;
        build(c, &c->symbols->t);
    }
    return c->oom ? NULL : &c->symbols->t;
}

size_t cbr_compiler_symbol_count(cbr_compiler *c)
{
    symtab *t = symbols(c);
    return t ? t->nsym : 0;
}

const cbr_symbol *cbr_compiler_symbol(cbr_compiler *c, size_t index)
{
    symtab *t = symbols(c);
    return t && index < t->nsym ? &t->syms[index] : NULL;
}

size_t cbr_compiler_reference_count(cbr_compiler *c)
{
    symtab *t = symbols(c);
    return t ? t->nref : 0;
}

const cbr_reference *cbr_compiler_reference(cbr_compiler *c, size_t index)
{
    symtab *t = symbols(c);
    return t && index < t->nref ? &t->refs[index] : NULL;
}
