/* codegen.c: from the checked model (sema.h) to the VM's tables and code.
 *
 * Each offer becomes one straight run of instructions: its valid window and
 * currency restrictions as filters, then per clause a filter of the
 * condition and a REWARD.  A condition is compiled for a wanted truth value:
 * gen_filter(e, 1) keeps the rows where e is true, gen_filter(e, 0) those
 * where it is false, so `not` costs nothing and unknown rows fall out of
 * both.  Values that a comparison needs are computed by gen_value into
 * registers; registers are reused from one offer to the next, so a context's
 * memory grows with the largest offer, not with the number of offers.
 *
 * Every constant is converted to the scale of the register it is compared
 * with at compile time when that is exact; otherwise the comparison is made
 * between two registers, which the VM does exactly across scales. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/codegen.h"
#include "compiler/sema.h"
#include "stdlib/currency.h"
#include "stdlib/date.h"
#include "stdlib/text.h"
#include "vm/program.h"

typedef struct gen {
    cbr_compiler *c;
    const cbrsema *m;
    cbrx_program *p;
    cbr_error *err;
    bool failed;
    uint32_t cap_bytes, cap_strings, cap_consts, cap_sets, cap_regs, cap_code, cap_clauses,
        cap_limits, cap_conds;
    uint32_t *shash;          /* open addressing over string indexes, CBRX_NONE = empty */
    uint32_t shcap;
    uint8_t *reg_used;        /* in the offer being generated */
    uint32_t depth;           /* selection stack depth at this point */
    const cbroffer *offer;    /* for messages */
} gen;

static const uint64_t pow10u[19] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL};

static bool oom(gen *g)
{
    if (!g->failed)
        cbrx_fail(g->err, CBR_ERR_NOMEM, "out of memory while generating code");
    g->failed = true;
    return false;
}

/* Grows a program array to hold one more element. */
static bool grow(gen *g, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    if (n < *cap)
        return true;
    uint32_t nc = *cap ? *cap * 2 : 16;
    void *q = cbrx_realloc(g->p, *arr, (size_t)nc * elem);
    if (!q)
        return oom(g);
    *arr = q;
    *cap = nc;
    return true;
}
#define GROW(g, field, capf) grow((g), (void **)&(g)->p->field, (g)->p->n##field, &(g)->capf, sizeof *(g)->p->field)

static bool rehash(gen *g)
{
    uint32_t nc = g->shcap ? g->shcap * 2 : 256;
    uint32_t *t = cbrx_realloc(g->p, NULL, (size_t)nc * sizeof *t);
    if (!t)
        return oom(g);
    for (uint32_t i = 0; i < nc; i++)
        t[i] = CBRX_NONE;
    for (uint32_t i = 0; i < g->p->nstrings; i++) {
        const cbrx_string *s = &g->p->strings[i];
        uint32_t h = cbrhash_fnv32(g->p->bytes + s->off, s->len) & (nc - 1);
        while (t[h] != CBRX_NONE)
            h = (h + 1) & (nc - 1);
        t[h] = i;
    }
    cbrx_dealloc(g->p, g->shash);
    g->shash = t;
    g->shcap = nc;
    return true;
}

/* The index of string s[0..n) in the program's table, adding it once. */
static uint32_t intern(gen *g, const char *s, size_t n)
{
    cbrx_program *p = g->p;
    if (g->failed)
        return 0;
    if ((p->nstrings + 1) * 2 > g->shcap && !rehash(g))
        return 0;
    uint32_t h = cbrhash_fnv32(s, n) & (g->shcap - 1);
    for (; g->shash[h] != CBRX_NONE; h = (h + 1) & (g->shcap - 1)) {
        const cbrx_string *e = &p->strings[g->shash[h]];
        if (e->len == n && memcmp(p->bytes + e->off, s, n) == 0)
            return g->shash[h];
    }
    if (n > UINT32_MAX / 2 || p->nbytes + n + 1 < p->nbytes) {
        cbrx_fail(g->err, CBR_ERR_LIMIT, "the program's strings exceed 4 GiB");
        g->failed = true;
        return 0;
    }
    while (p->nbytes + n + 1 > g->cap_bytes) {
        uint32_t nc = g->cap_bytes ? g->cap_bytes * 2 : 4096;
        char *q = cbrx_realloc(p, p->bytes, nc);
        if (!q)
            return oom(g), 0;
        p->bytes = q;
        g->cap_bytes = nc;
    }
    if (!GROW(g, strings, cap_strings))
        return 0;
    memcpy(p->bytes + p->nbytes, s, n);
    p->bytes[p->nbytes + n] = '\0';
    p->strings[p->nstrings] = (cbrx_string){p->nbytes, (uint32_t)n};
    p->nbytes += (uint32_t)n + 1;
    g->shash[h] = p->nstrings;
    return p->nstrings++;
}

static uint32_t intern_str(gen *g, cbrstr s) { return intern(g, s.s, s.n); }

/* String constants are compared with NFC-normalised input, so they are
 * stored in NFC too. */
static uint32_t intern_nfc(gen *g, cbrstr s)
{
    cbrtext_buf b;
    uint32_t id = 0;
    if (cbrtext_nfc(s.s, s.n, &b))
        id = intern(g, b.p, b.n);
    else
        oom(g); /* the lexer lets only valid UTF-8 through */
    cbrtext_buf_free(&b);
    return id;
}

static uint32_t intern_fold(gen *g, cbrstr s)
{
    cbrtext_buf b;
    uint32_t id = 0;
    if (cbrtext_fold(s.s, s.n, &b))
        id = intern(g, b.p, b.n);
    else
        oom(g);
    cbrtext_buf_free(&b);
    return id;
}

static uint32_t add_const(gen *g, int64_t v)
{
    if (g->failed || !GROW(g, consts, cap_consts))
        return 0;
    g->p->consts[g->p->nconsts] = v;
    return g->p->nconsts++;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* A set for IN: the values sorted, duplicates dropped. */
static uint32_t add_set(gen *g, int64_t *vals, uint32_t n)
{
    qsort(vals, n, sizeof *vals, cmp_i64);
    if (g->failed || !GROW(g, sets, cap_sets))
        return 0;
    uint32_t first = g->p->nconsts, k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (i == 0 || vals[i] != vals[i - 1]) {
            add_const(g, vals[i]);
            k++;
        }
    g->p->sets[g->p->nsets] = (cbrx_set){first, k};
    return g->p->nsets++;
}

/* A limit of the VM that the checker does not know: msg, then `name` quoted. */
static void error_at(gen *g, cbrloc loc, const char *msg, const char *name)
{
    unsigned line, col;
    cbrdiag_linecol(g->c, loc.file, loc.start, &line, &col);
    cbrx_fail(g->err, CBR_ERR_COMPILE, "%s:%u:%u: error: %s%s%s", g->c->src[loc.file].name, line,
              col, msg, name ? name : "", name ? "`" : "");
    g->failed = true;
}

/* ---- registers and instructions ---- */

static uint16_t new_reg(gen *g, cbrx_type t, unsigned scale)
{
    cbrx_program *p = g->p;
    for (uint32_t i = 0; i < p->nregs; i++)
        if (!g->reg_used[i] && p->regs[i].type == t && p->regs[i].scale == scale) {
            g->reg_used[i] = 1;
            return (uint16_t)i;
        }
    if (p->nregs >= CBRX_MAX_REGS) {
        cbrx_fail(g->err, CBR_ERR_LIMIT, "offer \"%s\" needs more than %d registers",
                  g->offer ? g->offer->id.s : "(a tally)",
                  CBRX_MAX_REGS);
        g->failed = true;
        return 0;
    }
    uint32_t oldcap = g->cap_regs;
    if (g->failed || !GROW(g, regs, cap_regs))
        return 0;
    if (g->cap_regs != oldcap) {
        uint8_t *u = cbrx_realloc(p, g->reg_used, g->cap_regs);
        if (!u)
            return oom(g), 0;
        memset(u + oldcap, 0, g->cap_regs - oldcap);
        g->reg_used = u;
    }
    p->regs[p->nregs] = (cbrx_reg){(uint8_t)t, (uint8_t)scale};
    g->reg_used[p->nregs] = 1;
    return (uint16_t)p->nregs++;
}

static void emit(gen *g, cbrx_opcode op, uint16_t d, uint16_t a, uint16_t b, uint32_t k)
{
    if (g->failed || !GROW(g, code, cap_code))
        return;
    g->p->code[g->p->ncode++] = (cbrx_insn){(uint16_t)op, d, a, b, k};
    if (op == XOP_PUSH && ++g->depth > g->p->max_depth)
        g->p->max_depth = g->depth;
    if (op == XOP_OREND || op == XOP_POP || op == XOP_NEXTCLAUSE)
        g->depth--;
}

static cbrx_type xtype(cbrtype t) { return (cbrx_type)T_BASE(t); }
/* After an error, generation goes on quietly to the end with register 0,
 * which may not exist: these stay in bounds. */
static uint8_t rtype(gen *g, uint16_t r) { return r < g->p->nregs ? g->p->regs[r].type : X_INT; }
static uint8_t rscale(gen *g, uint16_t r) { return r < g->p->nregs ? g->p->regs[r].scale : 0; }

/* ---- constants ---- */

static cbrdec const_dec(const cbrval *v) { return cbrdec_trim(cbrsema_const_dec(v)); }

/* v's mantissa at `scale`, when that is exact. */
static bool dec_at(cbrdec d, unsigned scale, int64_t *out)
{
    d = cbrdec_trim(d);
    if (d.scale > scale)
        return false;
    __int128 x = (__int128)d.m * (__int128)pow10u[scale - d.scale];
    if (x > INT64_MAX || x < INT64_MIN)
        return false;
    *out = (int64_t)x;
    return true;
}

/* The run-time value of a non-numeric or numeric constant at scale. */
static bool const_raw(gen *g, const cbrval *v, unsigned scale, int64_t *out)
{
    switch (v->type) {
    case T_BOOL: *out = v->u.b; return true;
    case T_INT: case T_DECIMAL: case T_MONEY: return dec_at(const_dec(v), scale, out);
    case T_STRING: *out = intern_nfc(g, v->u.s); return true;
    case T_DATE: *out = v->u.date; return true;
    case T_INSTANT: *out = v->u.inst.secs; return true;
    case T_WEEKDAY: *out = v->u.weekday; return true;
    default: return false;
    }
}

static bool money_tagged(const cbrval *v) { return v->type == T_MONEY && v->u.m.cur[0]; }

static uint16_t gen_const(gen *g, const cbrval *v)
{
    unsigned scale = T_IS_NUM(v->type) ? const_dec(v).scale : 0;
    uint16_t r = new_reg(g, xtype(v->type), scale);
    int64_t raw = 0;
    const_raw(g, v, scale, &raw);
    uint32_t k = add_const(g, raw);
    if (money_tagged(v)) {
        add_const(g, intern(g, v->u.m.cur, 3));
        emit(g, XOP_CONSTM, r, 0, 0, k);
    } else {
        emit(g, XOP_CONST, r, 0, 0, k);
    }
    return r;
}

/* ---- values ---- */

static uint16_t gen_value(gen *g, const cbrexpr *e);
static void gen_filter(gen *g, const cbrexpr *e, int want);

static unsigned field_scale(cbrtype t)
{
    return t == T_MONEY ? CBRX_MONEY_SCALE : t == T_DECIMAL ? CBRX_DECIMAL_SCALE : 0;
}

static uint16_t gen_field(gen *g, uint32_t idx)
{
    const cbrfield *f = &g->m->fields[idx];
    uint16_t r = new_reg(g, xtype(f->type), field_scale(f->type));
    emit(g, XOP_LOAD, r, 0, 0, idx);
    return r;
}

static const cbrexpr *let_expr(gen *g, const cbrexpr *e)
{
    while (e->kind == E_NAME && e->sym == SYM_LET)
        e = g->m->lets[e->sym_index].item->u.let_expr;
    return e;
}

/* A bool value computed from its filters: true rows, then false rows, the
 * rest stays missing. */
static uint16_t gen_bool(gen *g, const cbrexpr *e)
{
    uint16_t r = new_reg(g, X_BOOL, 0);
    emit(g, XOP_SETNULL, r, 0, 0, 0);
    emit(g, XOP_PUSH, 0, 0, 0, 0);
    gen_filter(g, e, 1);
    emit(g, XOP_MARK, r, 0, 0, 1);
    emit(g, XOP_RESTORE, 0, 0, 0, 0);
    gen_filter(g, e, 0);
    emit(g, XOP_MARK, r, 0, 0, 0);
    emit(g, XOP_POP, 0, 0, 0, 0);
    return r;
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

static uint16_t gen_arith(gen *g, const cbrexpr *e)
{
    uint16_t a = gen_value(g, e->u.kids.a), b = gen_value(g, e->u.kids.b);
    unsigned sa = rscale(g, a), sb = rscale(g, b), sd;
    cbrx_opcode op;
    switch (e->op) {
    case OP_ADD: op = XOP_ADD; sd = umax(sa, sb); break;
    case OP_SUB: op = XOP_SUB; sd = umax(sa, sb); break;
    case OP_MUL:
        op = XOP_MUL;
        sd = sa + sb;
        if (sd > CBRDEC_MAX_SCALE) {
            error_at(g, e->op_loc, "this product needs more than 18 decimal places", NULL);
            return 0;
        }
        break;
    default:
        /* A quotient keeps at least 6 decimal places (more when an operand
         * has more); the VM rounds it toward zero. */
        op = XOP_DIV;
        sd = umax(6, umax(sa, sb));
        if (sd > CBRDEC_MAX_SCALE)
            sd = CBRDEC_MAX_SCALE;
        if (sd + sb - sa > 18 && sd + sb >= sa) {
            error_at(g, e->op_loc, "this division needs more than 18 decimal places", NULL);
            return 0;
        }
        break;
    }
    uint16_t d = new_reg(g, xtype(e->type), sd);
    emit(g, op, d, a, b, 0);
    return d;
}

static uint16_t gen_minmax(gen *g, const cbrexpr *e, cbrx_opcode op)
{
    uint16_t acc = gen_value(g, e->args.items[0]);
    for (uint32_t i = 1; i < e->args.n && !g->failed; i++) {
        uint16_t x = gen_value(g, e->args.items[i]);
        uint16_t d = new_reg(g, xtype(e->type), umax(rscale(g, acc), rscale(g, x)));
        emit(g, op, d, acc, x, 0);
        acc = d;
    }
    return acc;
}

static uint16_t gen_call(gen *g, const cbrexpr *e)
{
    cbrexpr *const *a = e->args.items;
    uint16_t x, y, d;
    if (e->sym == SYM_EXTERN) {
        /* The argument registers are listed in the constants. */
        uint16_t regs[CBRX_MAX_PARAMS];
        for (uint32_t i = 0; i < e->args.n && i < CBRX_MAX_PARAMS; i++)
            regs[i] = gen_value(g, a[i]);
        uint32_t first = g->p->nconsts;
        for (uint32_t i = 0; i < e->args.n && i < CBRX_MAX_PARAMS; i++)
            add_const(g, regs[i]);
        cbrx_type t = xtype(e->type);
        d = new_reg(g, t, t == X_MONEY ? CBRX_MONEY_SCALE : t == X_DECIMAL ? CBRX_DECIMAL_SCALE : 0);
        emit(g, XOP_CALL, d, (uint16_t)e->args.n, (uint16_t)e->sym_index, first);
        return d;
    }
    switch ((bfn)e->sym_index) {
    case B_LOWER: case B_UPPER: case B_CASEFOLD:
        x = gen_value(g, a[0]);
        d = new_reg(g, X_STRING, 0);
        emit(g, e->sym_index == B_LOWER ? XOP_LOWER : e->sym_index == B_UPPER ? XOP_UPPER : XOP_FOLD,
             d, x, 0, 0);
        return d;
    case B_LEN:
        x = gen_value(g, a[0]);
        d = new_reg(g, X_INT, 0);
        emit(g, XOP_LEN, d, x, 0, 0);
        return d;
    case B_STARTS_WITH: case B_ENDS_WITH: case B_CONTAINS:
        x = gen_value(g, a[0]);
        y = gen_value(g, a[1]);
        d = new_reg(g, X_BOOL, 0);
        emit(g, e->sym_index == B_STARTS_WITH ? XOP_STARTS : e->sym_index == B_ENDS_WITH ? XOP_ENDS
                                                                                    : XOP_CONTAINS,
             d, x, y, 0);
        return d;
    case B_EXISTS:
        x = gen_value(g, a[0]);
        d = new_reg(g, X_BOOL, 0);
        emit(g, XOP_EXISTS, d, x, 0, 0);
        return d;
    case B_DAYS_BETWEEN:
        /* days_between(d1, d2) is d2 - d1: a date minus a date is days. */
        x = gen_value(g, a[0]);
        y = gen_value(g, a[1]);
        d = new_reg(g, X_INT, 0);
        emit(g, XOP_SUB, d, y, x, 0);
        return d;
    case B_MIN: return gen_minmax(g, e, XOP_MIN);
    case B_MAX: return gen_minmax(g, e, XOP_MAX);
    case B_ABS:
        x = gen_value(g, a[0]);
        d = new_reg(g, rtype(g, x), rscale(g, x));
        emit(g, XOP_ABS, d, x, 0, 0);
        return d;
    case B_ROUND: case B_FLOOR: case B_CEIL: {
        x = gen_value(g, a[0]);
        unsigned digits = e->args.n == 2 ? (unsigned)a[1]->value.u.i : 0;
        cbrround mode = e->sym_index == B_ROUND ? CBR_ROUND_HALF_UP
                      : e->sym_index == B_FLOOR ? CBR_ROUND_FLOOR : CBR_ROUND_CEIL;
        d = new_reg(g, rtype(g, x), digits < rscale(g, x) ? digits : rscale(g, x));
        emit(g, XOP_ROUND, d, x, 0, (uint32_t)mode);
        return d;
    }
    }
    return 0;
}

/* T[k]: the value at the table's scale, missing when k is not a key. */
static uint16_t gen_index(gen *g, const cbrexpr *e)
{
    const cbrx_table *t = &g->p->tables[e->sym_index];
    uint16_t a = gen_value(g, e->u.kids.b);
    uint16_t d = new_reg(g, (cbrx_type)t->value, t->scale);
    emit(g, XOP_TGET, d, a, 0, e->sym_index);
    return d;
}

static uint16_t gen_value(gen *g, const cbrexpr *e)
{
    if (g->failed)
        return 0;
    if (e->is_const && !T_IS_LIST(e->type))
        return gen_const(g, &e->value);
    switch (e->kind) {
    case E_INDEX:
        return gen_index(g, e);
    case E_IN:
        if (e->sym == SYM_TABLE && !e->negated) {
            uint16_t a = gen_value(g, e->u.kids.a);
            uint16_t d = new_reg(g, X_BOOL, 0);
            emit(g, XOP_TIN, d, a, 0, e->sym_index);
            return d;
        }
        return gen_bool(g, e);
    case E_NAME:
        if (e->sym == SYM_LET)
            return gen_value(g, let_expr(g, e));
        if (e->sym == SYM_TALLY) {
            const cbrtally *t = &g->m->tallies[e->sym_index];
            uint16_t r = new_reg(g, xtype(t->type), field_scale(t->type));
            emit(g, XOP_TALLY, r, 0, 0, e->sym_index);
            return r;
        }
        return gen_field(g, e->sym_index);
    case E_NEG: {
        uint16_t a = gen_value(g, e->u.kids.a);
        uint16_t d = new_reg(g, rtype(g, a), rscale(g, a));
        emit(g, XOP_NEG, d, a, 0, 0);
        return d;
    }
    case E_BIN:
        if (e->op <= OP_DIV)
            return gen_arith(g, e);
        return gen_bool(g, e);
    case E_CALL:
        return gen_call(g, e);
    default:
        return gen_bool(g, e);
    }
}

/* ---- filters ---- */

static unsigned cmp_code(cbrbinop op)
{
    switch (op) {
    case OP_EQ: return XC_EQ;
    case OP_NE: return XC_NE;
    case OP_LT: return XC_LT;
    case OP_LE: return XC_LE;
    case OP_GT: return XC_GT;
    default: return XC_GE;
    }
}

static unsigned cmp_swap(unsigned c)
{
    switch (c) {
    case XC_LT: return XC_GT;
    case XC_LE: return XC_GE;
    case XC_GT: return XC_LT;
    case XC_GE: return XC_LE;
    default: return c;
    }
}

/* Keeps the rows where (ra <cmp> b) == want. */
static void filter_cmp(gen *g, uint16_t ra, unsigned cmp, const cbrexpr *b, int want)
{
    int64_t raw;
    if (b->is_const && !money_tagged(&b->value) && const_raw(g, &b->value, rscale(g, ra), &raw)) {
        emit(g, XOP_FCMPK, XF_MAKE(cmp, want), ra, 0, add_const(g, raw));
        return;
    }
    uint16_t rb = gen_value(g, b);
    emit(g, XOP_FCMP, XF_MAKE(cmp, want), ra, rb, 0);
}

/* The items of an `in` list, a literal or a let naming one. */
static const cbrexpr *in_list(gen *g, const cbrexpr *e) { return let_expr(g, e); }

static void filter_in(gen *g, const cbrexpr *e, int want)
{
    if (e->sym == SYM_TABLE) {
        uint16_t ra = gen_value(g, e->u.kids.a);
        emit(g, XOP_FTIN, XF_MAKE(0, e->negated ? !want : want), ra, 0, e->sym_index);
        return;
    }
    const cbrexpr *list = in_list(g, e->u.kids.b);
    uint16_t ra = gen_value(g, e->u.kids.a);
    if (e->negated)
        want = !want;
    bool simple = true;
    for (uint32_t i = 0; i < list->u.list.n; i++)
        if (money_tagged(&list->u.list.items[i]->value))
            simple = false;
    if (!simple) {
        /* Tagged money needs the currency check of each element, so `in` is
         * spelt out: an `or` of equalities (true rows), or an `and` of them
         * all being false (false rows). */
        if (want) {
            emit(g, XOP_PUSH, 0, 0, 0, 0);
            for (uint32_t i = 0; i < list->u.list.n; i++) {
                if (i)
                    emit(g, XOP_ORNEXT, 0, 0, 0, 0);
                filter_cmp(g, ra, XC_EQ, list->u.list.items[i], 1);
            }
            emit(g, XOP_OREND, 0, 0, 0, 0);
        } else {
            for (uint32_t i = 0; i < list->u.list.n; i++)
                filter_cmp(g, ra, XC_EQ, list->u.list.items[i], 0);
        }
        return;
    }
    int64_t *vals = cbrx_alloc(g->p, (list->u.list.n + 1) * sizeof *vals);
    if (!vals) {
        oom(g);
        return;
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < list->u.list.n; i++) {
        int64_t raw;
        /* An element that cannot be held at the register's scale (5.5 for
         * an int field) can never be equal to it. */
        if (const_raw(g, &list->u.list.items[i]->value, rscale(g, ra), &raw))
            vals[n++] = raw;
    }
    uint32_t set = add_set(g, vals, n);
    cbrx_dealloc(g->p, vals);
    emit(g, XOP_FIN, XF_MAKE(0, want), ra, 0, set);
}

/* Opens an `or` (of true filters) or an `and` (of false filters) over items. */
static void filter_any(gen *g, cbrexpr *const *items, uint32_t n, int want)
{
    emit(g, XOP_PUSH, 0, 0, 0, 0);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            emit(g, XOP_ORNEXT, 0, 0, 0, 0);
        gen_filter(g, items[i], want);
    }
    emit(g, XOP_OREND, 0, 0, 0, 0);
}

static void gen_filter(gen *g, const cbrexpr *e, int want)
{
    if (g->failed)
        return;
    if (e->is_const) {
        if ((e->value.u.b ? 1 : 0) != want)
            emit(g, XOP_NONE, 0, 0, 0, 0);
        return;
    }
    switch (e->kind) {
    case E_NOT:
        gen_filter(g, e->u.kids.a, !want);
        return;
    case E_AND:
    case E_OR:
        if ((e->kind == E_AND) == (want == 1)) {
            for (uint32_t i = 0; i < e->u.list.n; i++)
                gen_filter(g, e->u.list.items[i], want);
        } else {
            filter_any(g, e->u.list.items, e->u.list.n, want);
        }
        return;
    case E_NAME:
        if (e->sym == SYM_LET) {
            gen_filter(g, let_expr(g, e), want);
            return;
        }
        emit(g, XOP_FBOOL, XF_MAKE(0, want), gen_field(g, e->sym_index), 0, 0);
        return;
    case E_BIN:
        if (e->op == OP_FEQ) {
            uint16_t fa = new_reg(g, X_STRING, 0);
            emit(g, XOP_FOLD, fa, gen_value(g, e->u.kids.a), 0, 0);
            const cbrexpr *b = e->u.kids.b;
            if (b->is_const) {
                emit(g, XOP_FCMPK, XF_MAKE(XC_EQ, want), fa, 0, add_const(g, intern_fold(g, b->value.u.s)));
            } else {
                uint16_t fb = new_reg(g, X_STRING, 0);
                emit(g, XOP_FOLD, fb, gen_value(g, b), 0, 0);
                emit(g, XOP_FCMP, XF_MAKE(XC_EQ, want), fa, fb, 0);
            }
            return;
        }
        if (e->op >= OP_EQ) {
            const cbrexpr *a = e->u.kids.a, *b = e->u.kids.b;
            unsigned cmp = cmp_code(e->op);
            if (a->is_const && !b->is_const) {
                const cbrexpr *t = a;
                a = b;
                b = t;
                cmp = cmp_swap(cmp);
            }
            filter_cmp(g, gen_value(g, a), cmp, b, want);
            return;
        }
        break;
    case E_IN:
        filter_in(g, e, want);
        return;
    case E_BETWEEN: {
        uint16_t ra = gen_value(g, e->u.kids.a);
        if (want) {
            filter_cmp(g, ra, XC_GE, e->u.kids.b, 1);
            filter_cmp(g, ra, XC_LE, e->u.kids.c, 1);
        } else {
            emit(g, XOP_PUSH, 0, 0, 0, 0);
            filter_cmp(g, ra, XC_GE, e->u.kids.b, 0);
            emit(g, XOP_ORNEXT, 0, 0, 0, 0);
            filter_cmp(g, ra, XC_LE, e->u.kids.c, 0);
            emit(g, XOP_OREND, 0, 0, 0, 0);
        }
        return;
    }
    case E_CALL:
        if (e->sym == SYM_BUILTIN && e->sym_index == B_EXISTS) {
            emit(g, XOP_FNULL, XF_MAKE(0, want), gen_value(g, e->args.items[0]), 0, 0);
            return;
        }
        break;
    default:
        break;
    }
    emit(g, XOP_FBOOL, XF_MAKE(0, want), gen_value(g, e), 0, 0);
}

/* ---- offers ---- */

/* Kept as written (20.00, not 20): listings show what the author wrote. */
static cbrx_amount amount_of(const cbramount *a)
{
    cbrx_amount x = {0};
    x.m = a->value.m;
    x.scale = a->value.scale;
    memcpy(x.cur, a->cur, 4);
    return x;
}

/* ---- conditions: what explain and coverage name ---- */

/* Records the instructions emitted since `from` as one condition of offer
 * x; text is a string index.  A condition that emitted nothing (a constant
 * true) cannot fail and is not recorded. */
static void add_cond(gen *g, cbrx_offer *x, uint32_t from, uint32_t clause, uint32_t text,
                     const cbrloc *loc)
{
    if (g->failed || g->p->ncode == from || !GROW(g, conds, cap_conds))
        return;
    cbrx_cond *k = &g->p->conds[g->p->nconds++];
    memset(k, 0, sizeof *k);
    k->code = from;
    k->ncode = g->p->ncode - from;
    k->clause = clause;
    k->text = text;
    k->file = CBRX_NONE;
    if (loc) {
        unsigned line, col;
        cbrdiag_linecol(g->c, loc->file, loc->start, &line, &col);
        /* The base name: a bundle's bytes and hash must not depend on the
         * directory it was compiled from. */
        const char *name = g->c->src[loc->file].name, *slash = strrchr(name, '/');
        name = slash ? slash + 1 : name;
        k->file = intern(g, name, strlen(name));
        k->line = line;
        k->col = col;
    }
    x->nconds++;
}

/* Steps over a string literal or a comment starting at src[i], if one does,
 * so that a parenthesis or a blank inside it is not taken for syntax.
 * Returns the index after it, or i. */
static size_t skip_literal(const char *src, size_t i, size_t end)
{
    if (src[i] == '#') {
        while (i < end && src[i] != '\n')
            i++;
        return i;
    }
    if (src[i] != '"')
        return i;
    for (i++; i < end && src[i] != '"'; i++)
        if (src[i] == '\\' && i + 1 < end)
            i++;
    return i < end ? i + 1 : end;
}

static bool blank(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

/* The span of an expression as written, its parentheses balanced.  The
 * parser keeps a parenthesised operand's location without its parentheses,
 * so `a or (b and c)` spans up to `c` and `(a and b) or c` starts at `a`:
 * the ones left open or closed are taken back in from around the span. */
static cbrloc written_span(gen *g, const cbrloc *loc)
{
    const char *src = g->c->src[loc->file].text;
    size_t len = g->c->src[loc->file].len;
    cbrloc w = *loc;
    long depth = 0, low = 0;
    for (size_t i = w.start; i < w.end;) {
        size_t j = skip_literal(src, i, w.end);
        if (j != i) {
            i = j;
            continue;
        }
        depth += src[i] == '(' ? 1 : src[i] == ')' ? -1 : 0;
        if (depth < low)
            low = depth;
        i++;
    }
    for (size_t i = w.start; low < 0;) {
        while (i > 0 && blank(src[i - 1]))
            i--;
        if (i == 0 || src[i - 1] != '(')
            break;
        w.start = (uint32_t)--i;
        low++;
        depth++;
    }
    for (size_t i = w.end; depth > 0;) {
        while (i < len && (blank(src[i]) || src[i] == '#'))
            i = src[i] == '#' ? skip_literal(src, i, len) : i + 1;
        if (i >= len || src[i] != ')')
            break;
        w.end = (uint32_t)++i;
        depth--;
    }
    return w;
}

/* The source text of an expression on one line: outside string literals,
 * runs of white space, line breaks included, become one space and comments
 * are left out; a string is kept exactly as written. */
static uint32_t source_text(gen *g, const cbrloc *loc)
{
    const char *src = g->c->src[loc->file].text;
    size_t n = loc->end - loc->start, k = 0;
    char *t = cbrx_alloc(g->p, n + 1);
    if (!t)
        return oom(g), 0;
    for (size_t i = loc->start; i < loc->end;) {
        size_t j = skip_literal(src, i, loc->end);
        if (j != i && src[i] == '"') {
            memcpy(t + k, src + i, j - i);
            k += j - i;
            i = j;
        } else if (j != i || blank(src[i])) {
            if (k && t[k - 1] != ' ')
                t[k++] = ' ';
            i = j != i ? j : i + 1;
        } else {
            t[k++] = src[i++];
        }
    }
    while (k && t[k - 1] == ' ')
        k--;
    uint32_t s = intern(g, t, k);
    cbrx_dealloc(g->p, t);
    return s;
}

/* A clause's `when`: each operand of a top-level `and` is a condition of
 * its own, filtered in turn exactly as gen_filter would. */
static void gen_when(gen *g, cbrx_offer *x, uint32_t clause, const cbrexpr *cond)
{
    bool split = !cond->is_const && cond->kind == E_AND;
    uint32_t n = split ? cond->u.list.n : 1;
    for (uint32_t i = 0; i < n && !g->failed; i++) {
        const cbrexpr *e = split ? cond->u.list.items[i] : cond;
        uint32_t from = g->p->ncode;
        gen_filter(g, e, 1);
        cbrloc w = written_span(g, &e->loc);
        add_cond(g, x, from, clause, source_text(g, &w), &w);
    }
}

/* A reward or cap written as an expression is computed on the rows the
 * clause selected, just before its REWARD reads it. */
static void gen_reward(gen *g, uint32_t ci, const cbrreward *rw)
{
    if (rw->kind != R_EXPR && !rw->cap)
        return;
    uint16_t reg = rw->kind == R_EXPR ? gen_value(g, rw->expr) : CBRX_NO_REG;
    uint16_t cap = rw->cap ? gen_value(g, rw->cap) : CBRX_NO_REG;
    uint32_t text = source_text(g, &rw->loc);
    if (g->failed)
        return;
    cbrx_clause *xc = &g->p->clauses[ci]; /* the table may have moved: index again */
    xc->reg = reg;
    xc->cap_reg = cap;
    xc->text = text;
}

static void filter_valid(gen *g, cbrx_offer *x, int32_t from, int32_t to, const cbrcampaign *cp)
{
    uint32_t at = g->p->ncode;
    uint16_t r = gen_field(g, FIELD_DATE);
    emit(g, XOP_FCMPK, XF_MAKE(XC_GE, 1), r, 0, add_const(g, from));
    emit(g, XOP_FCMPK, XF_MAKE(XC_LE, 1), r, 0, add_const(g, to));
    char a[16], b[16], text[320];
    cbrdate_format(from, a);
    cbrdate_format(to, b);
    if (cp)
        snprintf(text, sizeof text, "campaign \"%.*s\" valid %s to %s", (int)cp->id.n, cp->id.s, a, b);
    else
        snprintf(text, sizeof text, "valid %s to %s", a, b);
    add_cond(g, x, at, CBRX_NONE, intern(g, text, strlen(text)), NULL);
}

/* A money limit or budget with a currency lets only that currency earn. */
static void filter_currency(gen *g, cbrx_offer *x, const char *cur, const char *what)
{
    if (!cur[0])
        return;
    uint32_t at = g->p->ncode;
    uint16_t r = gen_field(g, FIELD_CURRENCY);
    emit(g, XOP_FCMPK, XF_MAKE(XC_EQ, 1), r, 0, add_const(g, intern(g, cur, 3)));
    char text[96];
    snprintf(text, sizeof text, "currency == \"%s\" (%s is in %s)", cur, what, cur);
    add_cond(g, x, at, CBRX_NONE, intern(g, text, strlen(text)), NULL);
}

static uint32_t tz_index(gen *g, cbrstr name)
{
    uint32_t s = name.s ? intern_str(g, name) : intern(g, "UTC", 3);
    for (uint32_t i = 0; i < g->p->ntzs; i++)
        if (g->p->tzs[i] == s)
            return i;
    uint32_t cap = g->p->ntzs;
    uint32_t *t = cbrx_realloc(g->p, g->p->tzs, (cap + 1) * sizeof *t);
    if (!t)
        return oom(g), 0;
    g->p->tzs = t;
    t[g->p->ntzs] = s;
    return g->p->ntzs++;
}

static void gen_offer(gen *g, const cbroffer *o, cbrx_offer *x)
{
    g->offer = o;
    if (g->reg_used)
        memset(g->reg_used, 0, g->cap_regs);
    g->depth = 0;
    memset(x, 0, sizeof *x);
    x->id = intern_str(g, o->id);
    x->title = o->title.s ? intern_str(g, o->title) : CBRX_NONE;
    x->campaign = o->campaign >= 0 ? (uint32_t)o->campaign : CBRX_NONE;
    x->group = o->exclusive.s ? intern_str(g, o->exclusive) : CBRX_NONE;
    x->tz = tz_index(g, o->timezone);
    x->priority = o->priority;
    x->rounding = (uint8_t)o->rounding;
    x->has_valid = o->has_valid;
    x->valid_from = o->valid_from;
    x->valid_to = o->valid_to;
    x->has_budget = o->has_budget;
    if (o->has_budget) {
        x->budget = amount_of(&o->budget);
        x->budget_period = (uint8_t)o->budget_period;
    }
    x->flags = (o->no_partial ? XO_NO_PARTIAL : 0) | (o->best && x->group != CBRX_NONE ? XO_BEST : 0) |
               (o->refund_full ? XO_REFUND_FULL : 0);
    x->code = g->p->ncode;
    x->first_cond = g->p->nconds;

    if (o->has_valid)
        filter_valid(g, x, o->valid_from, o->valid_to, NULL);
    const cbrcampaign *cp = o->campaign >= 0 ? &g->m->campaigns[o->campaign] : NULL;
    if (cp && cp->has_valid)
        filter_valid(g, x, cp->valid_from, cp->valid_to, cp);
    if (o->has_budget)
        filter_currency(g, x, o->budget.cur, "the offer's budget");
    if (cp && cp->has_budget)
        filter_currency(g, x, cp->budget.cur, "the campaign's budget");

    x->first_limit = g->p->nlimits;
    for (unsigned i = 0; i < o->nlimits && !g->failed; i++) {
        const cbrlimit *l = &o->limits[i];
        if (!GROW(g, limits, cap_limits))
            return;
        cbrx_limit *xl = &g->p->limits[g->p->nlimits++];
        memset(xl, 0, sizeof *xl);
        xl->kind = l->total ? XL_TOTAL : l->is_count ? XL_COUNT : XL_MONEY;
        xl->period = (uint8_t)l->period;
        xl->count = l->count;
        if (!l->is_count) {
            xl->amount = amount_of(&l->amount);
            filter_currency(g, x, l->amount.cur, "a limit");
        }
        x->nlimits++;
    }

    x->first_clause = g->p->nclauses;
    for (unsigned i = 0; i < o->nclauses && !g->failed; i++) {
        const cbrclause *cl = o->clauses[i];
        if (!GROW(g, clauses, cap_clauses))
            return;
        uint32_t ci = g->p->nclauses++;
        cbrx_clause *xc = &g->p->clauses[ci];
        memset(xc, 0, sizeof *xc);
        const cbrreward *rw = &cl->reward;
        xc->kind = rw->kind == R_PERCENT ? XR_PERCENT : rw->kind == R_FIXED ? XR_FIXED : XR_EXPR;
        cbrdec pct = cbrdec_trim(rw->percent);
        xc->pct_m = pct.m;
        xc->pct_scale = pct.scale;
        xc->has_cap = rw->has_cap && !rw->cap;
        if (rw->kind == R_FIXED || xc->has_cap)
            xc->amount = amount_of(&rw->amount);
        xc->reg = xc->cap_reg = xc->vest_reg = CBRX_NO_REG;
        xc->text = CBRX_NONE;
        unsigned line, col;
        cbrdiag_linecol(g->c, cl->loc.file, cl->loc.start, &line, &col);
        xc->line = line;
        x->nclauses++;

        bool last = i + 1 == o->nclauses;
        if (!last)
            emit(g, XOP_PUSH, 0, 0, 0, 0);
        gen_when(g, x, ci, cl->cond);
        gen_reward(g, ci, rw);
        if (o->vest) {
            /* The days a pending award waits, on the rows the clause pays. */
            uint16_t vr = gen_value(g, o->vest);
            if (!g->failed)
                g->p->clauses[ci].vest_reg = vr;
        }
        emit(g, XOP_REWARD, 0, 0, 0, ci);
        if (!last)
            emit(g, XOP_NEXTCLAUSE, 0, 0, 0, 0);
    }
    x->ncode = g->p->ncode - x->code;
}

/* Each tally's condition, after every offer's code, as a filter of the rows
 * it counts; its zone is that of its period and derived fields. */
static void gen_tallies(gen *g)
{
    cbrx_program *p = g->p;
    unsigned n = g->m->ntallies;
    if (!n)
        return;
    p->tallies = cbrx_alloc(p, n * sizeof *p->tallies);
    if (!p->tallies) {
        oom(g);
        return;
    }
    for (unsigned i = 0; i < n && !g->failed; i++) {
        const cbrtally *t = &g->m->tallies[i];
        cbrx_tally *x = &p->tallies[i];
        memset(x, 0, sizeof *x);
        x->name = intern_str(g, t->item->name);
        x->kind = t->kind == TALLY_SUM ? XT_SUM : XT_COUNT;
        x->period = (uint8_t)t->period;
        x->tz = tz_index(g, t->timezone);
        x->code = p->ncode;
        if (g->reg_used)
            memset(g->reg_used, 0, g->cap_regs);
        g->depth = 0;
        if (t->item->u.tally.cond)
            gen_filter(g, t->item->u.tally.cond, 1);
        x->ncode = p->ncode - x->code;
        p->ntallies = i + 1;
    }
}

/* Evaluation order: priority, highest first; ties by id bytes. */
typedef struct offer_key {
    int64_t priority;
    const char *id;
    uint32_t n;
    unsigned index;
} offer_key;

/* ---- tables ---- */

static int row_order(const void *a, const void *b)
{
    const int64_t *x = a, *y = b;
    return (x[0] > y[0]) - (x[0] < y[0]);
}

/* The checked tables as the VM holds them: keys as ints or string indexes
 * (the strings are NFC already), sorted again since string indexes do not
 * follow the bytes; values at the table's scale. */
static void gen_tables(gen *g)
{
    cbrx_program *p = g->p;
    unsigned n = g->m->ntables;
    if (!n)
        return;
    p->tables = cbrx_alloc(p, n * sizeof *p->tables);
    if (!p->tables) {
        oom(g);
        return;
    }
    memset(p->tables, 0, n * sizeof *p->tables);
    p->ntables = n;
    /* Room for every string of the tables at once: a million keys would
     * otherwise copy the string arrays over at every doubling. */
    uint64_t nstr = 0, nbytes = 0;
    for (unsigned i = 0; i < n; i++) {
        const cbrtable *st = &g->m->tables[i];
        for (uint32_t j = 0; st->key == T_STRING && j < st->n; j++)
            nstr++, nbytes += st->keys[j].s.n + 1;
        for (uint32_t j = 0; st->value == T_STRING && j < st->n; j++)
            nstr++, nbytes += st->vals[j].s.n + 1;
    }
    if (nstr && p->nstrings + nstr < CBRX_MAX_STRINGS && p->nbytes + nbytes < CBRX_MAX_STRING_BYTES) {
        uint32_t want = p->nbytes + (uint32_t)nbytes, wants = p->nstrings + (uint32_t)nstr;
        if (want > g->cap_bytes) {
            char *q = cbrx_realloc(p, p->bytes, want);
            if (!q) {
                oom(g);
                return;
            }
            p->bytes = q;
            g->cap_bytes = want;
        }
        if (wants > g->cap_strings) {
            cbrx_string *q = cbrx_realloc(p, p->strings, (size_t)wants * sizeof *q);
            if (!q) {
                oom(g);
                return;
            }
            p->strings = q;
            g->cap_strings = wants;
        }
        while ((uint64_t)wants * 2 > g->shcap)
            if (!rehash(g))
                return;
    }
    for (unsigned i = 0; i < n && !g->failed; i++) {
        const cbrtable *st = &g->m->tables[i];
        cbrx_table *t = &p->tables[i];
        t->name = intern_str(g, st->item->name);
        t->key = (uint8_t)xtype(st->key);
        t->value = st->value == T_NOTHING ? 0 : (uint8_t)xtype(st->value);
        t->scale = (uint8_t)st->scale;
        int64_t *pairs = cbrx_alloc(p, ((size_t)st->n + 1) * 2 * sizeof *pairs);
        t->keys = cbrx_alloc(p, ((size_t)st->n + 1) * sizeof *t->keys);
        t->vals = t->value ? cbrx_alloc(p, ((size_t)st->n + 1) * sizeof *t->vals) : NULL;
        if (!pairs || !t->keys || (t->value && !t->vals)) {
            cbrx_dealloc(p, pairs);
            oom(g);
            return;
        }
        for (uint32_t j = 0; j < st->n; j++) {
            const cbrtabval *k = &st->keys[j];
            pairs[2 * j] = st->key == T_STRING ? (int64_t)intern_str(g, k->s) : k->i;
            int64_t v = 0;
            if (st->value == T_DECIMAL || st->value == T_MONEY)
                v = st->vals[j].d.m;
            else if (st->value == T_STRING)
                v = intern_str(g, st->vals[j].s);
            else if (st->value != T_NOTHING)
                v = st->vals[j].i;
            pairs[2 * j + 1] = v;
        }
        bool sorted = true;
        for (uint32_t j = 1; j < st->n && sorted; j++)
            sorted = pairs[2 * (j - 1)] < pairs[2 * j];
        if (!sorted)
            qsort(pairs, st->n, 2 * sizeof *pairs, row_order);
        for (uint32_t j = 0; j < st->n; j++) {
            t->keys[j] = pairs[2 * j];
            if (t->vals)
                t->vals[j] = pairs[2 * j + 1];
        }
        t->n = st->n;
        cbrx_dealloc(p, pairs);
    }
}

static int offer_order(const void *a, const void *b)
{
    const offer_key *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority > y->priority ? -1 : 1;
    int c = memcmp(x->id, y->id, x->n < y->n ? x->n : y->n);
    if (c)
        return c;
    return (x->n > y->n) - (x->n < y->n);
}

static void gen_fields(gen *g)
{
    cbrx_program *p = g->p;
    p->fields = cbrx_alloc(p, (g->m->nfields + 1) * sizeof *p->fields);
    if (!p->fields) {
        oom(g);
        return;
    }
    for (unsigned i = 0; i < g->m->nfields; i++) {
        const cbrfield *f = &g->m->fields[i];
        p->fields[i] = (cbrx_field){intern(g, f->name, strlen(f->name)), (uint8_t)xtype(f->type),
                                    (uint8_t)field_scale(f->type), f->origin == FIELD_DERIVED};
    }
    p->nfields = g->m->nfields;
}

static void gen_externs(gen *g)
{
    cbrx_program *p = g->p;
    p->externs = cbrx_alloc(p, (g->m->nexterns + 1) * sizeof *p->externs);
    if (!p->externs) {
        oom(g);
        return;
    }
    for (unsigned i = 0; i < g->m->nexterns; i++) {
        const cbrextern *e = &g->m->externs[i];
        cbrx_extern *x = &p->externs[i];
        memset(x, 0, sizeof *x);
        x->name = intern_str(g, e->item->name);
        x->ret = (uint8_t)xtype(e->ret);
        x->nparams = (uint8_t)e->nparams;
        for (unsigned k = 0; k < e->nparams; k++)
            x->params[k] = (uint8_t)xtype(e->params[k]);
    }
    p->nexterns = g->m->nexterns;
}

static void gen_campaigns(gen *g)
{
    cbrx_program *p = g->p;
    p->campaigns = cbrx_alloc(p, (g->m->ncampaigns + 1) * sizeof *p->campaigns);
    if (!p->campaigns) {
        oom(g);
        return;
    }
    for (unsigned i = 0; i < g->m->ncampaigns; i++) {
        const cbrcampaign *c = &g->m->campaigns[i];
        cbrx_campaign *x = &p->campaigns[i];
        memset(x, 0, sizeof *x);
        x->id = intern_str(g, c->id);
        x->title = c->title.s ? intern_str(g, c->title) : CBRX_NONE;
        x->has_budget = c->has_budget;
        if (c->has_budget) {
            x->budget = amount_of(&c->budget);
            x->budget_period = (uint8_t)c->budget_period;
        }
        x->tz = tz_index(g, c->timezone);
        x->has_valid = c->has_valid;
        x->valid_from = c->valid_from;
        x->valid_to = c->valid_to;
    }
    p->ncampaigns = g->m->ncampaigns;
}

bool cbrx_generate(cbr_compiler *c, cbrx_program *p, cbr_error *err)
{
    gen g = {.c = c, .m = cbrsema_get(c), .p = p, .err = err};
    memset(p, 0, sizeof *p);
    p->cfg = c->cfg;
    if (!g.m)
        return cbrx_fail(err, CBR_ERR_STATE, "the program has not been checked");
    /* The first strings have fixed meanings the VM relies on. */
    intern(&g, "", 0);
    tz_index(&g, (cbrstr){NULL, 0});
    gen_fields(&g);
    gen_externs(&g);
    gen_campaigns(&g);
    gen_tables(&g);

    unsigned n = g.m->noffers;
    offer_key *order = cbrx_alloc(p, (n + 1) * sizeof *order);
    p->offers = cbrx_alloc(p, (n + 1) * sizeof *p->offers);
    if (!order || !p->offers) {
        cbrx_dealloc(p, order);
        oom(&g);
    } else {
        for (unsigned i = 0; i < n; i++) {
            const cbroffer *o = &g.m->offers[i];
            order[i] = (offer_key){o->priority, o->id.s, o->id.n, i};
        }
        qsort(order, n, sizeof *order, offer_order);
        for (unsigned i = 0; i < n && !g.failed; i++)
            gen_offer(&g, &g.m->offers[order[i].index], &p->offers[i]);
        p->noffers = n;
        cbrx_dealloc(p, order);
    }
    gen_tallies(&g);
    cbrx_dealloc(p, g.shash);
    cbrx_dealloc(p, g.reg_used);
    if (g.failed) {
        cbrx_program_release(p);
        return false;
    }
    return true;
}
