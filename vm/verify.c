/* verify.c: nothing runs until every part of a program is checked.
 *
 * Like the verifiers of eBPF and WebAssembly, this is one linear pass that
 * needs no trust in whoever wrote the bundle: every string, constant, set,
 * field, zone, campaign, clause and limit index is in range; every register
 * has a type and a scale the VM can compute with; every instruction names a
 * known opcode, registers of the types it works on, written before they are
 * read in the same offer; the selection stack is balanced in each offer and
 * never deeper than declared; and the offers' code ranges tile the code.
 * Since the code has no jumps, that is enough to know each offer ends, and
 * that a batch costs at most (instructions x rows).
 *
 * Each refusal names the part and the reason: "offer 3 (\"friday\"),
 * instruction 12 (FCMPK): register r7 is string, expected a number". */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "stdlib/currency.h"
#include "stdlib/text.h"
#include "vm/program.h"

static const char *const type_names[] = {"?", "bool", "int", "decimal", "money", "string",
                                         "date", "instant", "weekday"};

static const struct { const char *name; uint8_t type; } standard[XF_FIRST_DECLARED] = {
    {"tid", X_STRING}, {"user_id", X_STRING}, {"amount", X_MONEY}, {"currency", X_STRING},
    {"merchant", X_STRING}, {"mcc", X_INT}, {"country", X_STRING}, {"channel", X_STRING},
    {"timestamp", X_INSTANT}, {"weekday", X_WEEKDAY}, {"hour", X_INT}, {"minute", X_INT},
    {"date", X_DATE}, {"day", X_INT}, {"month", X_INT}, {"year", X_INT}};

typedef struct vctx {
    const cbrx_program *p;
    cbr_error *err;
    uint32_t offer;
    uint32_t tally;      /* the tally whose condition is checked, or CBRX_NONE: an offer's code */
    uint32_t pc;
    uint8_t *written;    /* registers written so far in this offer */
} vctx;

static bool str_ok(const cbrx_program *p, uint32_t i) { return i < p->nstrings; }
static bool str_or_none(const cbrx_program *p, uint32_t i) { return i == CBRX_NONE || i < p->nstrings; }

static bool check_strings(const cbrx_program *p, cbr_error *err)
{
    for (uint32_t i = 0; i < p->nstrings; i++) {
        const cbrx_string *s = &p->strings[i];
        if (s->off > p->nbytes || s->len >= p->nbytes - s->off || p->bytes[s->off + s->len] != '\0')
            return cbrx_fail(err, CBR_ERR_BUNDLE, "string %u lies outside the string bytes", i);
        if (!cbrtext_valid(p->bytes + s->off, s->len, NULL) || memchr(p->bytes + s->off, 0, s->len))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "string %u is not valid UTF-8 text", i);
    }
    return true;
}

static bool amount_ok(const cbrx_amount *a)
{
    if (a->scale > CBRDEC_MAX_SCALE)
        return false;
    return a->cur[0] == '\0' || cbrcur_exponent(a->cur, 3) >= 0;
}

/* The sizes of the tables against the limits of program.h, before any
 * table is read. */
static bool check_sizes(const cbrx_program *p, cbr_error *err)
{
    const struct { uint32_t n, max; const char *what; } t[] = {
        {p->nbytes, CBRX_MAX_STRING_BYTES, "bytes of strings"}, {p->nstrings, CBRX_MAX_STRINGS, "strings"},
        {p->nconsts, CBRX_MAX_CONSTS, "constants"}, {p->nsets, CBRX_MAX_SETS, "sets"},
        {p->ncampaigns, CBRX_MAX_CAMPAIGNS, "campaigns"}, {p->noffers, CBRX_MAX_OFFERS, "offers"},
        {p->nclauses, CBRX_MAX_CLAUSES, "clauses"}, {p->nlimits, CBRX_MAX_LIMITS, "limits"},
        {p->ncode, CBRX_MAX_CODE, "instructions"}, {p->nexterns, CBRX_MAX_EXTERNS, "externs"},
        {p->ntzs, CBRX_MAX_ZONES, "time zones"}, {p->nregs, CBRX_MAX_REGS, "registers"},
        /* each condition has at least one instruction of its own */
        {p->nconds, CBRX_MAX_CODE, "conditions"}, {p->ntallies, CBRX_MAX_TALLIES, "tallies"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].n > t[i].max)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "%u %s; at most %u", t[i].n, t[i].what, t[i].max);
    if (p->nfields < XF_FIRST_DECLARED || p->nfields > CBRX_MAX_FIELDS)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "the program has %u fields, expected %d to %d", p->nfields,
                         XF_FIRST_DECLARED, CBRX_MAX_FIELDS);
    if (p->max_depth > CBRX_MAX_DEPTH)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "selection depth %u; at most %d", p->max_depth, CBRX_MAX_DEPTH);
    return true;
}

static bool check_tables(const cbrx_program *p, cbr_error *err)
{
    if (!check_sizes(p, err) || !check_strings(p, err))
        return false;
    for (uint32_t i = 0; i < p->nsets; i++) {
        const cbrx_set *s = &p->sets[i];
        if (s->first > p->nconsts || s->n > p->nconsts - s->first)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "set %u lies outside the constants", i);
        for (uint32_t j = 1; j < s->n; j++)
            if (p->consts[s->first + j - 1] >= p->consts[s->first + j])
                return cbrx_fail(err, CBR_ERR_BUNDLE, "set %u is not sorted", i);
    }
    for (uint32_t i = 0; i < p->nfields; i++) {
        const cbrx_field *f = &p->fields[i];
        if (!str_ok(p, f->name))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "field %u: name is string %u of %u", i, f->name, p->nstrings);
        bool derived = XF_IS_DERIVED(i);
        if (i < XF_FIRST_DECLARED &&
            (strcmp(cbrx_str(p, f->name), standard[i].name) || f->type != standard[i].type))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "field %u should be the standard field `%s`", i,
                             standard[i].name);
        if (i >= XF_FIRST_DECLARED && (f->type < X_BOOL || f->type > X_INSTANT || f->type == X_MONEY))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "field %u (`%s`) has a type no field may have", i,
                             cbrx_str(p, f->name));
        unsigned scale = f->type == X_MONEY ? CBRX_MONEY_SCALE : f->type == X_DECIMAL ? CBRX_DECIMAL_SCALE : 0;
        if (f->derived != derived || f->scale != scale)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "field %u (`%s`) has a wrong scale or kind", i,
                             cbrx_str(p, f->name));
    }
    if (p->ntzs == 0 || !str_ok(p, p->tzs[0]) || strcmp(cbrx_str(p, p->tzs[0]), "UTC"))
        return cbrx_fail(err, CBR_ERR_BUNDLE, "the first time zone must be UTC");
    for (uint32_t i = 0; i < p->ntzs; i++)
        if (!str_ok(p, p->tzs[i]))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "time zone %u: name is string %u of %u", i, p->tzs[i], p->nstrings);
    for (uint32_t i = 0; i < p->ncampaigns; i++) {
        const cbrx_campaign *c = &p->campaigns[i];
        if (!str_ok(p, c->id) || !str_or_none(p, c->title) || !amount_ok(&c->budget))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "campaign %u: bad id, title or budget", i);
        if (c->tz >= p->ntzs || c->budget_period > XP_YEAR || (c->budget_period && !c->has_budget))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "campaign %u: bad time zone or budget period", i);
    }
    for (uint32_t i = 0; i < p->nclauses; i++) {
        const cbrx_clause *c = &p->clauses[i];
        if (c->kind > XR_EXPR || c->has_cap > 1 || c->pct_scale > CBRDEC_MAX_SCALE || !amount_ok(&c->amount))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "clause %u: bad reward", i);
        /* A register reward belongs to XR_EXPR, a cap register to a reward
         * that can be capped, never both a literal cap and a register one;
         * the registers themselves are checked where REWARD reads them. */
        if ((c->kind == XR_EXPR) != (c->reg != CBRX_NO_REG) ||
            (c->cap_reg != CBRX_NO_REG && (c->kind == XR_FIXED || c->has_cap)) ||
            (c->text != CBRX_NONE && !str_ok(p, c->text)) ||
            ((c->reg != CBRX_NO_REG || c->cap_reg != CBRX_NO_REG) && c->text == CBRX_NONE))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "clause %u: bad reward registers or text", i);
    }
    for (uint32_t i = 0; i < p->nlimits; i++) {
        const cbrx_limit *l = &p->limits[i];
        if (l->kind > XL_TOTAL || l->period > XP_YEAR || (l->kind != XL_MONEY && l->count < 1) ||
            !amount_ok(&l->amount))
            return cbrx_fail(err, CBR_ERR_BUNDLE, "limit %u: bad kind, period or amount", i);
    }
    for (uint32_t i = 0; i < p->nexterns; i++) {
        const cbrx_extern *e = &p->externs[i];
        bool ok = str_ok(p, e->name) && e->ret >= X_BOOL && e->ret <= X_WEEKDAY &&
                  e->nparams <= CBRX_MAX_PARAMS;
        for (unsigned k = 0; ok && k < CBRX_MAX_PARAMS; k++)
            ok = k < e->nparams ? e->params[k] >= X_BOOL && e->params[k] <= X_WEEKDAY : e->params[k] == 0;
        if (!ok)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "extern %u: bad name or signature", i);
    }
    for (uint32_t i = 0; i < p->nregs; i++) {
        const cbrx_reg *r = &p->regs[i];
        if (r->type < X_BOOL || r->type > X_WEEKDAY)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "register r%u has unknown type %u", i, r->type);
        if (X_IS_NUM(r->type) ? r->scale > CBRDEC_MAX_SCALE : r->scale != 0)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "register r%u (%s) has scale %u", i, type_names[r->type], r->scale);
    }
    return cbrx_tables_verify(p, err);
}

/* ---- instructions ---- */

static bool bad(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool bad(vctx *v, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const cbrx_program *p = v->p;
    const cbrx_insn *in = &p->code[v->pc];
    if (v->tally != CBRX_NONE)
        return cbrx_fail(v->err, CBR_ERR_BUNDLE, "tally %u (\"%s\"), instruction %u (%s): %s", v->tally,
                         cbrx_str(p, p->tallies[v->tally].name), v->pc - p->tallies[v->tally].code,
                         cbrx_opname(in->op), msg);
    return cbrx_fail(v->err, CBR_ERR_BUNDLE, "offer %u (\"%s\"), instruction %u (%s): %s", v->offer,
                     cbrx_str(p, p->offers[v->offer].id), v->pc - p->offers[v->offer].code,
                     cbrx_opname(in->op), msg);
}

/* Register r exists and was written earlier in this offer. */
static bool rd(vctx *v, uint16_t r)
{
    if (r >= v->p->nregs)
        return bad(v, "register r%u does not exist (%u registers)", r, v->p->nregs);
    if (!v->written[r])
        return bad(v, "reads register r%u before writing it", r);
    return true;
}

static bool wr(vctx *v, uint16_t r)
{
    if (r >= v->p->nregs)
        return bad(v, "register r%u does not exist (%u registers)", r, v->p->nregs);
    v->written[r] = 1;
    return true;
}

static uint8_t T(vctx *v, uint16_t r) { return v->p->regs[r].type; }
static uint8_t S(vctx *v, uint16_t r) { return v->p->regs[r].scale; }

static bool want_type(vctx *v, uint16_t r, uint8_t t)
{
    if (T(v, r) != t)
        return bad(v, "register r%u is %s, expected %s", r, type_names[T(v, r)], type_names[t]);
    return true;
}

/* The money registers a clause's reward reads: written by now. */
static bool reward_regs(vctx *v, const cbrx_clause *c)
{
    if (c->reg != CBRX_NO_REG && (!rd(v, c->reg) || !want_type(v, c->reg, X_MONEY)))
        return false;
    if (c->cap_reg != CBRX_NO_REG && (!rd(v, c->cap_reg) || !want_type(v, c->cap_reg, X_MONEY)))
        return false;
    /* The days a pending award waits: a whole number. */
    if (c->vest_reg != CBRX_NO_REG && (!rd(v, c->vest_reg) || !want_type(v, c->vest_reg, X_INT)))
        return false;
    return true;
}

static bool want_num(vctx *v, uint16_t r)
{
    if (!X_IS_NUM(T(v, r)))
        return bad(v, "register r%u is %s, expected a number", r, type_names[T(v, r)]);
    return true;
}

static bool comparable(vctx *v, uint16_t a, uint16_t b, unsigned cmp)
{
    uint8_t ta = T(v, a), tb = T(v, b);
    if (!(X_IS_NUM(ta) && X_IS_NUM(tb)) && ta != tb)
        return bad(v, "cannot compare r%u (%s) with r%u (%s)", a, type_names[ta], b, type_names[tb]);
    if (cmp >= XC_COUNT)
        return bad(v, "unknown comparison %u", cmp);
    if (cmp > XC_NE && (ta == X_STRING || ta == X_BOOL))
        return bad(v, "%s values are not ordered", type_names[ta]);
    return true;
}

static bool flags_ok(vctx *v, uint16_t flags, bool has_cmp)
{
    if (flags & ~0xf || (!has_cmp && XF_CMP(flags)))
        return bad(v, "bad flags 0x%x", flags);
    return true;
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

/* The shape check shared by all: unused operands are zero. */
static bool unused(vctx *v, const cbrx_insn *in, bool d, bool a, bool b, bool k)
{
    if ((!d && in->d) || (!a && in->a) || (!b && in->b) || (!k && in->k))
        return bad(v, "an unused operand is not zero");
    return true;
}

static bool check_insn(vctx *v, const cbrx_insn *in, uint32_t *depth)
{
    const cbrx_program *p = v->p;
    switch ((cbrx_opcode)in->op) {
    case XOP_LOAD:
        if (!unused(v, in, 1, 0, 0, 1))
            return false;
        if (in->k >= p->nfields)
            return bad(v, "field %u does not exist (%u fields)", in->k, p->nfields);
        if (!wr(v, in->d) || !want_type(v, in->d, p->fields[in->k].type))
            return false;
        if (S(v, in->d) != p->fields[in->k].scale)
            return bad(v, "register r%u has scale %u, the field %u", in->d, S(v, in->d), p->fields[in->k].scale);
        return true;
    case XOP_CONST:
    case XOP_CONSTM:
        if (!unused(v, in, 1, 0, 0, 1) || !wr(v, in->d))
            return false;
        if (in->k >= p->nconsts || (in->op == XOP_CONSTM && in->k + 1 >= p->nconsts))
            return bad(v, "constant %u does not exist (%u constants)", in->k, p->nconsts);
        if (T(v, in->d) == X_STRING && (p->consts[in->k] < 0 || p->consts[in->k] >= p->nstrings))
            return bad(v, "constant %u is not a string index", in->k);
        if (in->op == XOP_CONSTM) {
            int64_t c = p->consts[in->k + 1];
            if (!want_type(v, in->d, X_MONEY))
                return false;
            if (c < 0 || c >= p->nstrings || cbrcur_exponent(cbrx_str(p, (uint32_t)c), p->strings[c].len) < 0)
                return bad(v, "constant %u is not a currency code", in->k + 1);
        }
        return true;
    case XOP_ADD: case XOP_SUB: case XOP_MUL: case XOP_DIV: case XOP_MIN: case XOP_MAX: {
        if (!unused(v, in, 1, 1, 1, 0) || !rd(v, in->a) || !rd(v, in->b) || !wr(v, in->d))
            return false;
        bool minmax = in->op == XOP_MIN || in->op == XOP_MAX;
        if (in->op == XOP_SUB && T(v, in->a) == X_DATE) {
            /* days_between: date - date is the int number of days. */
            if (T(v, in->b) != X_DATE || T(v, in->d) != X_INT || S(v, in->d) != 0)
                return bad(v, "a date minus a date is an int of days; found %s - %s into %s",
                           type_names[T(v, in->a)], type_names[T(v, in->b)], type_names[T(v, in->d)]);
            return true;
        }
        if (minmax && !X_IS_NUM(T(v, in->a))) {
            if (T(v, in->a) != T(v, in->b) || T(v, in->d) != T(v, in->a) ||
                (T(v, in->a) != X_DATE && T(v, in->a) != X_INSTANT))
                return bad(v, "min and max take numbers, dates or instants of one type");
            return true;
        }
        if (!want_num(v, in->a) || !want_num(v, in->b) || !want_num(v, in->d))
            return false;
        unsigned sa = S(v, in->a), sb = S(v, in->b), sd = S(v, in->d);
        bool ok;
        if (in->op == XOP_MUL)
            ok = sd == sa + sb;
        else if (in->op == XOP_DIV)
            ok = sd >= sa && sd - sa + sb <= 18;
        else
            ok = sd == umax(sa, sb);
        if (!ok)
            return bad(v, "result scale %u does not follow from scales %u and %u", sd, sa, sb);
        return true;
    }
    case XOP_NEG: case XOP_ABS: case XOP_ROUND:
        if (!unused(v, in, 1, 1, 0, in->op == XOP_ROUND) || !rd(v, in->a) || !wr(v, in->d) ||
            !want_num(v, in->a) || !want_type(v, in->d, T(v, in->a)))
            return false;
        if (in->op == XOP_ROUND ? S(v, in->d) > S(v, in->a) || in->k > CBR_ROUND_CEIL : S(v, in->d) != S(v, in->a))
            return bad(v, "bad scale or rounding mode");
        return true;
    case XOP_CMP:
        if (!unused(v, in, 1, 1, 1, 1) || !rd(v, in->a) || !rd(v, in->b) || !wr(v, in->d) ||
            !want_type(v, in->d, X_BOOL))
            return false;
        return comparable(v, in->a, in->b, in->k);
    case XOP_IN:
    case XOP_FIN:
        if (in->op == XOP_IN ? !unused(v, in, 1, 1, 0, 1) || !wr(v, in->d) || !want_type(v, in->d, X_BOOL)
                             : !unused(v, in, 1, 1, 0, 1) || !flags_ok(v, in->d, false))
            return false;
        if (!rd(v, in->a))
            return false;
        if (in->k >= p->nsets)
            return bad(v, "set %u does not exist (%u sets)", in->k, p->nsets);
        return true;
    case XOP_EXISTS:
        return unused(v, in, 1, 1, 0, 0) && rd(v, in->a) && wr(v, in->d) && want_type(v, in->d, X_BOOL);
    case XOP_LOWER: case XOP_UPPER: case XOP_FOLD: case XOP_LEN:
        return unused(v, in, 1, 1, 0, 0) && rd(v, in->a) && want_type(v, in->a, X_STRING) && wr(v, in->d) &&
               want_type(v, in->d, in->op == XOP_LEN ? X_INT : X_STRING);
    case XOP_STARTS: case XOP_ENDS: case XOP_CONTAINS:
        return unused(v, in, 1, 1, 1, 0) && rd(v, in->a) && rd(v, in->b) && want_type(v, in->a, X_STRING) &&
               want_type(v, in->b, X_STRING) && wr(v, in->d) && want_type(v, in->d, X_BOOL);
    case XOP_CALL: {
        if (in->b >= p->nexterns)
            return bad(v, "extern %u does not exist (%u externs)", in->b, p->nexterns);
        const cbrx_extern *e = &p->externs[in->b];
        if (in->a != e->nparams)
            return bad(v, "passes %u arguments to a function of %u", in->a, e->nparams);
        if (in->k > p->nconsts || in->a > p->nconsts - in->k)
            return bad(v, "argument list %u+%u lies outside the constants", in->k, in->a);
        for (unsigned i = 0; i < in->a; i++) {
            int64_t r = p->consts[in->k + i];
            if (r < 0 || r >= p->nregs)
                return bad(v, "argument %u is register %lld, which does not exist", i + 1, (long long)r);
            if (!rd(v, (uint16_t)r))
                return false;
            uint8_t want = e->params[i], t = T(v, (uint16_t)r);
            /* Numbers cross as decimal text, whatever their scale. */
            bool fits = t == want || ((want == X_DECIMAL || want == X_MONEY) && X_IS_NUM(t));
            if (!fits)
                return bad(v, "argument %u is %s, the function takes %s", i + 1, type_names[t], type_names[want]);
        }
        if (!wr(v, in->d) || !want_type(v, in->d, e->ret))
            return false;
        return true;
    }
    case XOP_SETNULL:
        return unused(v, in, 1, 0, 0, 0) && wr(v, in->d);
    case XOP_MARK:
        if (!unused(v, in, 1, 0, 0, 1) || !rd(v, in->d) || !want_type(v, in->d, X_BOOL))
            return false;
        if (in->k > 1)
            return bad(v, "marks a bool with %u", in->k);
        return true;
    case XOP_FCMP:
        return unused(v, in, 1, 1, 1, 0) && flags_ok(v, in->d, true) && rd(v, in->a) && rd(v, in->b) &&
               comparable(v, in->a, in->b, XF_CMP(in->d));
    case XOP_FCMPK:
        if (!unused(v, in, 1, 1, 0, 1) || !flags_ok(v, in->d, true) || !rd(v, in->a))
            return false;
        if (XF_CMP(in->d) >= XC_COUNT)
            return bad(v, "unknown comparison %u", XF_CMP(in->d));
        if (in->k >= p->nconsts)
            return bad(v, "constant %u does not exist (%u constants)", in->k, p->nconsts);
        if (XF_CMP(in->d) > XC_NE && (T(v, in->a) == X_STRING || T(v, in->a) == X_BOOL))
            return bad(v, "%s values are not ordered", type_names[T(v, in->a)]);
        return true;
    case XOP_FBOOL:
        return unused(v, in, 1, 1, 0, 0) && flags_ok(v, in->d, false) && rd(v, in->a) &&
               want_type(v, in->a, X_BOOL);
    case XOP_FNULL:
        return unused(v, in, 1, 1, 0, 0) && flags_ok(v, in->d, false) && rd(v, in->a);
    case XOP_NONE:
        return unused(v, in, 0, 0, 0, 0);
    case XOP_PUSH:
        if (!unused(v, in, 0, 0, 0, 0))
            return false;
        if (++*depth > p->max_depth)
            return bad(v, "the selection stack grows past the declared depth %u", p->max_depth);
        return true;
    case XOP_ORNEXT: case XOP_RESTORE:
    case XOP_OREND: case XOP_POP: case XOP_NEXTCLAUSE:
        if (!unused(v, in, 0, 0, 0, 0))
            return false;
        if (*depth == 0)
            return bad(v, "no saved selection to use");
        if (in->op != XOP_ORNEXT && in->op != XOP_RESTORE)
            --*depth;
        return true;
    case XOP_TALLY: {
        if (!unused(v, in, 1, 0, 0, 1))
            return false;
        if (v->tally != CBRX_NONE)
            return bad(v, "a tally's condition reads a tally");
        if (in->k >= p->ntallies)
            return bad(v, "tally %u does not exist (%u tallies)", in->k, p->ntallies);
        bool sum = p->tallies[in->k].kind == XT_SUM;
        if (!wr(v, in->d) || !want_type(v, in->d, sum ? X_MONEY : X_INT))
            return false;
        if (S(v, in->d) != (sum ? CBRX_MONEY_SCALE : 0))
            return bad(v, "register r%u has scale %u, the tally %u", in->d, S(v, in->d), sum ? CBRX_MONEY_SCALE : 0);
        return true;
    }
    case XOP_REWARD: {
        if (!unused(v, in, 0, 0, 0, 1))
            return false;
        if (v->tally != CBRX_NONE)
            return bad(v, "a tally's condition holds a reward");
        const cbrx_offer *o = &p->offers[v->offer];
        if (in->k < o->first_clause || in->k - o->first_clause >= o->nclauses)
            return bad(v, "clause %u is not one of this offer's", in->k);
        return reward_regs(v, &v->p->clauses[in->k]);
    case XOP_TGET: case XOP_TIN: case XOP_FTIN: {
        if (!unused(v, in, 1, 1, 0, 1) || !rd(v, in->a))
            return false;
        if (in->k >= p->ntables)
            return bad(v, "table %u does not exist (%u tables)", in->k, p->ntables);
        const cbrx_table *t = &p->tables[in->k];
        if (!want_type(v, in->a, t->key))
            return false;
        if (in->op == XOP_FTIN)
            return flags_ok(v, in->d, false);
        if (!wr(v, in->d))
            return false;
        if (in->op == XOP_TIN)
            return want_type(v, in->d, X_BOOL);
        if (!t->value)
            return bad(v, "table `%s` is a set: it has no values to read", cbrx_str(p, t->name));
        if (!want_type(v, in->d, t->value))
            return false;
        if (S(v, in->d) != t->scale)
            return bad(v, "register r%u has scale %u; table `%s` holds scale %u", in->d, S(v, in->d),
                       cbrx_str(p, t->name), t->scale);
        return true;
    }
    }
    case XOP_COUNT:
        break;
    }
    return bad(v, "unknown opcode %u", in->op);
}

/* An offer's conditions follow the previous offer's, lie inside its code in
 * order without overlapping, and name its own clauses and real strings.
 * (What they say is only read by explain and coverage; the code runs the
 * same whatever they say.) */
static bool check_conds(const cbrx_program *p, uint32_t i, const cbrx_offer *o, uint32_t *next,
                        cbr_error *err)
{
    if (o->first_cond != *next || o->nconds > p->nconds - o->first_cond)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): conditions at %u+%u, expected to start at %u",
                         i, cbrx_str(p, o->id), o->first_cond, o->nconds, *next);
    uint32_t at = o->code;
    for (uint32_t c = o->first_cond; c < o->first_cond + o->nconds; c++) {
        const cbrx_cond *k = &p->conds[c];
        bool in_code = k->code >= at && k->ncode >= 1 && k->ncode <= o->code + o->ncode - k->code;
        bool clause_ok = k->clause == CBRX_NONE ||
                         (k->clause >= o->first_clause && k->clause - o->first_clause < o->nclauses);
        if (!in_code || !clause_ok || !str_ok(p, k->text) || !str_or_none(p, k->file))
            return cbrx_fail(err, CBR_ERR_BUNDLE,
                             "offer %u (\"%s\"): condition %u has bad code, clause or text", i,
                             cbrx_str(p, o->id), c);
        at = k->code + k->ncode;
    }
    *next += o->nconds;
    return true;
}

/* The tallies' conditions follow the offers' code and tile the rest of it. */
static bool check_tallies(vctx *v, uint32_t *at)
{
    const cbrx_program *p = v->p;
    for (uint32_t i = 0; i < p->ntallies; i++) {
        const cbrx_tally *t = &p->tallies[i];
        v->tally = CBRX_NONE;
        if (!str_ok(p, t->name))
            return cbrx_fail(v->err, CBR_ERR_BUNDLE, "tally %u: name is string %u of %u", i, t->name, p->nstrings);
        const char *name = cbrx_str(p, t->name);
        if (t->kind > XT_SUM || t->period > XP_YEAR || t->tz >= p->ntzs)
            return cbrx_fail(v->err, CBR_ERR_BUNDLE, "tally %u (\"%s\"): bad kind, period or time zone", i, name);
        if (t->code != *at || t->ncode > p->ncode - *at)
            return cbrx_fail(v->err, CBR_ERR_BUNDLE, "tally %u (\"%s\"): code at %u+%u, expected to start at %u",
                             i, name, t->code, t->ncode, *at);
        v->tally = i;
        memset(v->written, 0, p->nregs + 1);
        uint32_t depth = 0;
        for (v->pc = t->code; v->pc < t->code + t->ncode; v->pc++) {
            if (p->code[v->pc].op >= XOP_COUNT)
                return bad(v, "unknown opcode %u", p->code[v->pc].op);
            if (!check_insn(v, &p->code[v->pc], &depth))
                return false;
        }
        if (depth != 0)
            return cbrx_fail(v->err, CBR_ERR_BUNDLE, "tally %u (\"%s\"): %u saved selections left at the end", i,
                             name, depth);
        *at += t->ncode;
    }
    v->tally = CBRX_NONE;
    return true;
}

static bool check_offers(const cbrx_program *p, cbr_error *err)
{
    vctx v = {.p = p, .err = err, .tally = CBRX_NONE};
    v.written = cbrx_alloc(p, p->nregs + 1);
    if (!v.written)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory verifying the program");
    uint32_t at = 0, catc = 0;
    bool ok = true;
    for (uint32_t i = 0; ok && i < p->noffers; i++) {
        const cbrx_offer *o = &p->offers[i];
        v.offer = i;
        if (!str_ok(p, o->id) || !str_or_none(p, o->title) || !str_or_none(p, o->group))
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u: bad id, title or group string", i);
        else if (o->campaign != CBRX_NONE && o->campaign >= p->ncampaigns)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): campaign %u does not exist", i,
                           cbrx_str(p, o->id), o->campaign);
        else if (o->tz >= p->ntzs || o->rounding > CBR_ROUND_CEIL || !amount_ok(&o->budget) ||
                 o->budget_period > XP_YEAR || (o->budget_period && !o->has_budget))
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): bad time zone, rounding or budget", i,
                           cbrx_str(p, o->id));
        else if (o->flags & ~XO_ALL_FLAGS)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): unknown flags 0x%x", i, cbrx_str(p, o->id),
                           o->flags);
        else if (o->first_clause > p->nclauses || o->nclauses > p->nclauses - o->first_clause ||
                 o->first_limit > p->nlimits || o->nlimits > p->nlimits - o->first_limit)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): clauses or limits out of range", i,
                           cbrx_str(p, o->id));
        else if (o->code != at || o->ncode > p->ncode - at)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): code at %u+%u, expected to start at %u", i,
                           cbrx_str(p, o->id), o->code, o->ncode, at);
        if (ok)
            ok = check_conds(p, i, o, &catc, err);
        if (!ok)
            break;
        memset(v.written, 0, p->nregs + 1);
        uint32_t depth = 0;
        for (v.pc = o->code; ok && v.pc < o->code + o->ncode; v.pc++) {
            if (p->code[v.pc].op >= XOP_COUNT)
                ok = bad(&v, "unknown opcode %u", p->code[v.pc].op);
            else
                ok = check_insn(&v, &p->code[v.pc], &depth);
        }
        if (ok && depth != 0)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): %u saved selections left at the end", i,
                           cbrx_str(p, o->id), depth);
        at += o->ncode;
    }
    if (ok)
        ok = check_tallies(&v, &at);
    if (ok && at != p->ncode)
        ok = cbrx_fail(err, CBR_ERR_BUNDLE, "%u instructions belong to no offer or tally", p->ncode - at);
    if (ok && catc != p->nconds)
        ok = cbrx_fail(err, CBR_ERR_BUNDLE, "%u conditions belong to no offer", p->nconds - catc);
    cbrx_dealloc(p, v.written);
    return ok;
}

/* A best-of group is settled at its first member as a whole, so every
 * member must say `best` or none; and `best` needs a group.  Groups are
 * string indexes, as settling compares them. */
static bool check_best(const cbrx_program *p, cbr_error *err)
{
    uint32_t *first = NULL;
    bool ok = true;
    for (uint32_t i = 0; ok && i < p->noffers; i++) {
        const cbrx_offer *o = &p->offers[i];
        if (o->group == CBRX_NONE) {
            if (o->flags & XO_BEST)
                ok = cbrx_fail(err, CBR_ERR_BUNDLE, "offer %u (\"%s\"): best-of flag without an exclusive group", i,
                               cbrx_str(p, o->id));
            continue;
        }
        if (!first) {
            first = cbrx_alloc(p, (size_t)p->nstrings * sizeof *first);
            if (!first)
                return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory verifying the program");
            memset(first, 0xff, (size_t)p->nstrings * sizeof *first);
        }
        uint32_t f = first[o->group];
        if (f == CBRX_NONE)
            first[o->group] = i;
        else if ((p->offers[f].flags ^ o->flags) & XO_BEST)
            ok = cbrx_fail(err, CBR_ERR_BUNDLE,
                           "offers %u (\"%s\") and %u (\"%s\") of exclusive group \"%s\" disagree on best-of", f,
                           cbrx_str(p, p->offers[f].id), i, cbrx_str(p, o->id), cbrx_str(p, o->group));
    }
    cbrx_dealloc(p, first);
    return ok;
}

bool cbrx_verify(const cbrx_program *p, cbr_error *err)
{
    return check_tables(p, err) && check_offers(p, err) && check_best(p, err);
}
