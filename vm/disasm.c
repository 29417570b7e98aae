/* disasm.c: a readable listing of a program, for `cbrc disasm` and for
 * anyone reading what the compiler made of their rules. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/date.h"
#include "vm/program.h"

static const char *const op_names[] = {
#define CBRX_NAME(name, shape) #name,
    CBRX_OPCODES(CBRX_NAME)
#undef CBRX_NAME
};

const char *cbrx_opname(unsigned op) { return op < XOP_COUNT ? op_names[op] : "?"; }

typedef struct out {
    char *b;
    size_t n, cap;
    bool oom;
} out;

static void say(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(out *o, const char *fmt, ...)
{
    if (o->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(o->b + o->n, o->cap - o->n, fmt, ap);
        va_end(ap);
        if (k < 0) {
            o->oom = true;
            return;
        }
        if ((size_t)k < o->cap - o->n) {
            o->n += (size_t)k;
            return;
        }
        size_t nc = o->cap * 2 + (size_t)k + 1;
        char *q = realloc(o->b, nc);
        if (!q) {
            o->oom = true;
            return;
        }
        o->b = q;
        o->cap = nc;
    }
}

static const char *const types[] = {"?", "bool", "int", "decimal", "money", "string", "date", "instant", "weekday"};
static const char *const cmps[] = {"==", "!=", "<", "<=", ">", ">=", "?", "?"};
static const char *const modes[] = {"down", "up", "half-up", "half-even", "floor", "ceil"};

static void amount(out *o, const cbrx_amount *a)
{
    char buf[32];
    cbrdec_format((cbrdec){a->m, a->scale}, buf, sizeof buf);
    say(o, "%s%s%s", buf, a->cur[0] ? " " : "", a->cur);
}

/* A constant as its register type reads it. */
static void constant(out *o, const cbrx_program *p, int64_t v, uint8_t type, uint8_t scale)
{
    char buf[32];
    static const char *const days[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    if (type == X_STRING && v >= 0 && v < p->nstrings)
        say(o, "\"%s\"", cbrx_str(p, (uint32_t)v));
    else if (type == X_WEEKDAY && v >= 1 && v <= 7)
        say(o, "%s", days[v - 1]);
    else if (type == X_DATE && v >= -719162 && v <= 2932896) {
        cbrdate_format((int32_t)v, buf);
        say(o, "%s", buf);
    }
    else if (X_IS_NUM(type)) {
        cbrdec_format((cbrdec){v, scale}, buf, sizeof buf);
        say(o, "%s", buf);
    } else
        say(o, "%lld", (long long)v);
}

static void insn(out *o, const cbrx_program *p, const cbrx_insn *in)
{
    const cbrx_reg *R = p->regs;
    say(o, "%-10s", cbrx_opname(in->op));
    switch ((cbrx_opcode)in->op) {
    case XOP_LOAD:
        say(o, " r%u, %s", in->d, cbrx_str(p, p->fields[in->k].name));
        break;
    case XOP_CONST:
        say(o, " r%u, ", in->d);
        constant(o, p, p->consts[in->k], R[in->d].type, R[in->d].scale);
        break;
    case XOP_CONSTM:
        say(o, " r%u, ", in->d);
        constant(o, p, p->consts[in->k], X_MONEY, R[in->d].scale);
        say(o, " %s", cbrx_str(p, (uint32_t)p->consts[in->k + 1]));
        break;
    case XOP_CMP:
        say(o, " r%u, r%u %s r%u", in->d, in->a, cmps[in->k & 7], in->b);
        break;
    case XOP_ROUND:
        say(o, " r%u, r%u, %s", in->d, in->a, modes[in->k]);
        break;
    case XOP_IN:
    case XOP_FIN: {
        const cbrx_set *s = &p->sets[in->k];
        if (in->op == XOP_IN)
            say(o, " r%u, r%u in [", in->d, in->a);
        else
            say(o, " r%u %s [", in->a, XF_WANT(in->d) ? "in" : "not in");
        for (uint32_t i = 0; i < s->n; i++) {
            say(o, i ? ", " : "");
            constant(o, p, p->consts[s->first + i], R[in->a].type, R[in->a].scale);
        }
        say(o, "]");
        break;
    }
    case XOP_FCMP:
        say(o, " %sr%u %s r%u", XF_WANT(in->d) ? "" : "not ", in->a, cmps[XF_CMP(in->d)], in->b);
        break;
    case XOP_FCMPK:
        say(o, " %sr%u %s ", XF_WANT(in->d) ? "" : "not ", in->a, cmps[XF_CMP(in->d)]);
        constant(o, p, p->consts[in->k], R[in->a].type, R[in->a].scale);
        break;
    case XOP_FBOOL:
        say(o, " r%u is %s", in->a, XF_WANT(in->d) ? "true" : "false");
        break;
    case XOP_FNULL:
        say(o, " r%u %s", in->a, XF_WANT(in->d) ? "exists" : "is missing");
        break;
    case XOP_MARK:
        say(o, " r%u, %s", in->d, in->k ? "true" : "false");
        break;
    case XOP_SETNULL:
        say(o, " r%u", in->d);
        break;
    case XOP_CALL:
        say(o, " r%u, %s(", in->d, cbrx_str(p, p->externs[in->b].name));
        for (unsigned i = 0; i < in->a; i++)
            say(o, "%sr%lld", i ? ", " : "", (long long)p->consts[in->k + i]);
        say(o, ")");
        break;
    case XOP_REWARD:
        say(o, " clause %u", in->k);
        break;
    case XOP_NEG: case XOP_ABS: case XOP_EXISTS: case XOP_LOWER: case XOP_UPPER: case XOP_FOLD:
    case XOP_LEN:
        say(o, " r%u, r%u", in->d, in->a);
        break;
    case XOP_ADD: case XOP_SUB: case XOP_MUL: case XOP_DIV: case XOP_MIN: case XOP_MAX:
    case XOP_STARTS: case XOP_ENDS: case XOP_CONTAINS:
        say(o, " r%u, r%u, r%u", in->d, in->a, in->b);
        break;
    default:
        break;
    }
    say(o, "\n");
}

char *cbr_program_disasm(const cbr_program *prog)
{
    if (!prog)
        return NULL;
    const cbrx_program *p = &prog->x;
    out o = {malloc(4096), 0, 4096, false};
    if (!o.b)
        return NULL;
    o.b[0] = '\0';
    say(&o, "; cbr bundle %s: %u offers, %u campaigns, %u fields, %u registers, %u instructions\n",
        p->hash, p->noffers, p->ncampaigns, p->nfields, p->nregs, p->ncode);
    say(&o, "\n; registers\n");
    for (uint32_t i = 0; i < p->nregs; i++) {
        say(&o, ";   r%u %s", i, types[p->regs[i].type]);
        if (X_IS_NUM(p->regs[i].type))
            say(&o, " scale %u", p->regs[i].scale);
        say(&o, "\n");
    }
    if (p->ncampaigns)
        say(&o, "\n; campaigns\n");
    for (uint32_t i = 0; i < p->ncampaigns; i++) {
        const cbrx_campaign *c = &p->campaigns[i];
        say(&o, "campaign \"%s\"", cbrx_str(p, c->id));
        static const char *const per[] = {"", " per day", " per week", " per month", " per year"};
        if (c->has_budget) {
            say(&o, " budget ");
            amount(&o, &c->budget);
            say(&o, "%s", c->budget_period <= XP_YEAR ? per[c->budget_period] : "");
        }
        if (c->tz)
            say(&o, " zone %s", cbrx_str(p, p->tzs[c->tz]));
        say(&o, "\n");
    }
    for (uint32_t i = 0; i < p->noffers; i++) {
        const cbrx_offer *of = &p->offers[i];
        say(&o, "\noffer %u \"%s\" priority %lld zone %s rounding %s", i, cbrx_str(p, of->id),
            (long long)of->priority, cbrx_str(p, p->tzs[of->tz]), modes[of->rounding]);
        if (of->campaign != CBRX_NONE)
            say(&o, " campaign \"%s\"", cbrx_str(p, p->campaigns[of->campaign].id));
        if (of->group != CBRX_NONE)
            say(&o, " exclusive \"%s\"", cbrx_str(p, of->group));
        if (of->flags & XO_NO_PARTIAL)
            say(&o, " no partial");
        say(&o, "\n");
        for (uint32_t c = 0; c < of->nclauses; c++) {
            const cbrx_clause *cl = &p->clauses[of->first_clause + c];
            say(&o, "  ; clause %u (line %u): cashback ", of->first_clause + c, cl->line);
            if (cl->kind == XR_PERCENT) {
                char buf[32];
                cbrdec_format((cbrdec){cl->pct_m, cl->pct_scale}, buf, sizeof buf);
                say(&o, "%s%%", buf);
                if (cl->has_cap) {
                    say(&o, " up to ");
                    amount(&o, &cl->amount);
                }
            } else {
                amount(&o, &cl->amount);
            }
            say(&o, "\n");
        }
        for (uint32_t c = of->first_cond; c < of->first_cond + of->nconds; c++) {
            const cbrx_cond *k = &p->conds[c];
            say(&o, "  ; condition %u-%u", k->code - of->code, k->code - of->code + k->ncode - 1);
            if (k->file != CBRX_NONE)
                say(&o, " (%s:%u:%u)", cbrx_str(p, k->file), k->line, k->col);
            say(&o, ": %s\n", cbrx_str(p, k->text));
        }
        for (uint32_t pc = of->code; pc < of->code + of->ncode; pc++) {
            say(&o, "  %4u  ", pc - of->code);
            insn(&o, p, &p->code[pc]);
        }
    }
    if (o.oom) {
        free(o.b);
        return NULL;
    }
    return o.b;
}
