/* disasm.c: a readable listing of a program, for `cbrc disasm` and for
 * anyone reading what the compiler made of their rules. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/date.h"
#include "stdlib/textbuf.h"
#include "vm/program.h"

static const char *const op_names[] = {
#define CBRX_NAME(name, shape) #name,
    CBRX_OPCODES(CBRX_NAME)
#undef CBRX_NAME
};

const char *cbrx_opname(unsigned op) { return op < XOP_COUNT ? op_names[op] : "?"; }

static const char *const types[] = {"?", "bool", "int", "decimal", "money", "string", "date", "instant", "weekday"};
static const char *const cmps[] = {"==", "!=", "<", "<=", ">", ">=", "?", "?"};
static const char *const modes[] = {"down", "up", "half-up", "half-even", "floor", "ceil"};

static void amount(cbrtb *o, const cbrx_amount *a)
{
    char buf[32];
    cbrdec_format((cbrdec){a->m, a->scale}, buf, sizeof buf);
    cbrtb_printf(o, "%s%s%s", buf, a->cur[0] ? " " : "", a->cur);
}

/* A constant as its register type reads it. */
static void constant(cbrtb *o, const cbrx_program *p, int64_t v, uint8_t type, uint8_t scale)
{
    char buf[32];
    static const char *const days[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    if (type == X_STRING && v >= 0 && v < p->nstrings)
        cbrtb_printf(o, "\"%s\"", cbrx_str(p, (uint32_t)v));
    else if (type == X_WEEKDAY && v >= 1 && v <= 7)
        cbrtb_printf(o, "%s", days[v - 1]);
    else if (type == X_DATE && v >= -719162 && v <= 2932896) {
        cbrdate_format((int32_t)v, buf);
        cbrtb_printf(o, "%s", buf);
    }
    else if (X_IS_NUM(type)) {
        cbrdec_format((cbrdec){v, scale}, buf, sizeof buf);
        cbrtb_printf(o, "%s", buf);
    } else
        cbrtb_printf(o, "%lld", (long long)v);
}

static void insn(cbrtb *o, const cbrx_program *p, const cbrx_insn *in)
{
    const cbrx_reg *R = p->regs;
    cbrtb_printf(o, "%-10s", cbrx_opname(in->op));
    switch ((cbrx_opcode)in->op) {
    case XOP_LOAD:
        cbrtb_printf(o, " r%u, %s", in->d, cbrx_str(p, p->fields[in->k].name));
        break;
    case XOP_CONST:
        cbrtb_printf(o, " r%u, ", in->d);
        constant(o, p, p->consts[in->k], R[in->d].type, R[in->d].scale);
        break;
    case XOP_CONSTM:
        cbrtb_printf(o, " r%u, ", in->d);
        constant(o, p, p->consts[in->k], X_MONEY, R[in->d].scale);
        cbrtb_printf(o, " %s", cbrx_str(p, (uint32_t)p->consts[in->k + 1]));
        break;
    case XOP_CMP:
        cbrtb_printf(o, " r%u, r%u %s r%u", in->d, in->a, cmps[in->k & 7], in->b);
        break;
    case XOP_ROUND:
        cbrtb_printf(o, " r%u, r%u, %s", in->d, in->a, modes[in->k]);
        break;
    case XOP_IN:
    case XOP_FIN: {
        const cbrx_set *s = &p->sets[in->k];
        if (in->op == XOP_IN)
            cbrtb_printf(o, " r%u, r%u in [", in->d, in->a);
        else
            cbrtb_printf(o, " r%u %s [", in->a, XF_WANT(in->d) ? "in" : "not in");
        for (uint32_t i = 0; i < s->n; i++) {
            cbrtb_printf(o, i ? ", " : "");
            constant(o, p, p->consts[s->first + i], R[in->a].type, R[in->a].scale);
        }
        cbrtb_printf(o, "]");
        break;
    }
    case XOP_TGET:
        cbrtb_printf(o, " r%u, %s[r%u]", in->d, cbrx_str(p, p->tables[in->k].name), in->a);
        break;
    case XOP_TIN:
        cbrtb_printf(o, " r%u, r%u in %s", in->d, in->a, cbrx_str(p, p->tables[in->k].name));
        break;
    case XOP_FTIN:
        cbrtb_printf(o, " r%u %s %s", in->a, XF_WANT(in->d) ? "in" : "not in", cbrx_str(p, p->tables[in->k].name));
        break;
    case XOP_FCMP:
        cbrtb_printf(o, " %sr%u %s r%u", XF_WANT(in->d) ? "" : "not ", in->a, cmps[XF_CMP(in->d)], in->b);
        break;
    case XOP_FCMPK:
        cbrtb_printf(o, " %sr%u %s ", XF_WANT(in->d) ? "" : "not ", in->a, cmps[XF_CMP(in->d)]);
        constant(o, p, p->consts[in->k], R[in->a].type, R[in->a].scale);
        break;
    case XOP_FBOOL:
        cbrtb_printf(o, " r%u is %s", in->a, XF_WANT(in->d) ? "true" : "false");
        break;
    case XOP_FNULL:
        cbrtb_printf(o, " r%u %s", in->a, XF_WANT(in->d) ? "exists" : "is missing");
        break;
    case XOP_MARK:
        cbrtb_printf(o, " r%u, %s", in->d, in->k ? "true" : "false");
        break;
    case XOP_SETNULL:
        cbrtb_printf(o, " r%u", in->d);
        break;
    case XOP_CALL:
        cbrtb_printf(o, " r%u, %s(", in->d, cbrx_str(p, p->externs[in->b].name));
        for (unsigned i = 0; i < in->a; i++)
            cbrtb_printf(o, "%sr%lld", i ? ", " : "", (long long)p->consts[in->k + i]);
        cbrtb_printf(o, ")");
        break;
    case XOP_REWARD:
        cbrtb_printf(o, " clause %u", in->k);
        break;
    case XOP_TALLY:
        cbrtb_printf(o, " r%u, %s", in->d, cbrx_str(p, p->tallies[in->k].name));
        break;
    case XOP_NEG: case XOP_ABS: case XOP_EXISTS: case XOP_LOWER: case XOP_UPPER: case XOP_FOLD:
    case XOP_LEN:
        cbrtb_printf(o, " r%u, r%u", in->d, in->a);
        break;
    case XOP_ADD: case XOP_SUB: case XOP_MUL: case XOP_DIV: case XOP_MIN: case XOP_MAX:
    case XOP_STARTS: case XOP_ENDS: case XOP_CONTAINS:
        cbrtb_printf(o, " r%u, r%u, r%u", in->d, in->a, in->b);
        break;
    default:
        break;
    }
    cbrtb_printf(o, "\n");
}

/* The cross-offer index (index.c): which fields offers hang on, and how
 * many run on every row. */
static void index_summary(cbrtb *o, const cbrx_program *p)
{
    const cbrx_index *ix = &p->index;
    if (!ix->built || !p->noffers)
        return;
    cbrtb_printf(o, "\n; index: %u of %u offer%s hang on %u value%s", ix->nhung, p->noffers,
                 p->noffers == 1 ? "" : "s", ix->nvalues, ix->nvalues == 1 ? "" : "s");
    for (uint32_t i = 0; i < ix->nfields; i++) {
        uint32_t offers = 0;
        for (uint32_t k = 0; k < p->noffers; k++)
            offers += ix->on[k] == ix->fields[i];
        cbrtb_printf(o, "%s%s %u", i ? ", " : ": ", cbrx_str(p, p->fields[ix->fields[i]].name), offers);
    }
    cbrtb_printf(o, "\n; index: %u run%s on every row\n", ix->nalways, ix->nalways == 1 ? "s" : "");
}

/* What the index knows of offer i. */
static void index_of(cbrtb *o, const cbrx_program *p, uint32_t i)
{
    const cbrx_index *ix = &p->index;
    if (!ix->built)
        return;
    uint32_t on = ix->on[i];
    if (on == CBRX_NONE) {
        cbrtb_printf(o, "  ; index: every row (no `==` or `in` on a field that every reward needs)\n");
        return;
    }
    if (on == CBRX_IX_NEVER) {
        cbrtb_printf(o, "  ; index: no row (no reward can be reached)\n");
        return;
    }
    const cbrx_field *f = &p->fields[on];
    cbrtb_printf(o, "  ; index: rows with %s in [", cbrx_str(p, f->name));
    for (uint32_t k = 0; k < ix->vn[i] && k < 8; k++) {
        cbrtb_printf(o, k ? ", " : "");
        constant(o, p, ix->vals[ix->vfirst[i] + k], f->type, 0);
    }
    cbrtb_printf(o, "%s]\n", ix->vn[i] > 8 ? ", ..." : "");
}

cbr_status cbr_program_disasm(const cbr_program *prog, char **text, size_t *len, cbr_error *err)
{
    if (!prog || !text)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_program_disasm: no program or no place for the listing");
    *text = NULL;
    const cbrx_program *p = &prog->x;
    cbrtb o = {.alloc = p->cfg.alloc, .ud = p->cfg.alloc_ud};
    cbrtb_printf(&o, "; cbr bundle %s: %u offers, %u campaigns, %u fields, %u registers, %u instructions\n",
        p->hash, p->noffers, p->ncampaigns, p->nfields, p->nregs, p->ncode);
    cbrtb_printf(&o, "\n; registers\n");
    for (uint32_t i = 0; i < p->nregs; i++) {
        cbrtb_printf(&o, ";   r%u %s", i, types[p->regs[i].type]);
        if (X_IS_NUM(p->regs[i].type))
            cbrtb_printf(&o, " scale %u", p->regs[i].scale);
        cbrtb_printf(&o, "\n");
    }
    if (p->ntables)
        cbrtb_printf(&o, "\n; tables\n");
    for (uint32_t i = 0; i < p->ntables; i++) {
        const cbrx_table *t = &p->tables[i];
        cbrtb_printf(&o, ";   %s: %s", cbrx_str(p, t->name), types[t->key < 9 ? t->key : 0]);
        if (t->value)
            cbrtb_printf(&o, " -> %s", types[t->value < 9 ? t->value : 0]);
        if (t->value == X_DECIMAL || t->value == X_MONEY)
            cbrtb_printf(&o, " scale %u", t->scale);
        cbrtb_printf(&o, ", %u rows", t->n);
        for (uint32_t j = 0; j < t->n && j < 3; j++) {
            cbrtb_printf(&o, j ? ", " : ": ");
            constant(&o, p, t->keys[j], t->key, 0);
            if (t->value) {
                cbrtb_printf(&o, " ");
                constant(&o, p, t->vals[j], t->value, t->scale);
            }
        }
        cbrtb_printf(&o, t->n > 3 ? ", ...\n" : "\n");
    }
    if (p->ncampaigns)
        cbrtb_printf(&o, "\n; campaigns\n");
    for (uint32_t i = 0; i < p->ncampaigns; i++) {
        const cbrx_campaign *c = &p->campaigns[i];
        cbrtb_printf(&o, "campaign \"%s\"", cbrx_str(p, c->id));
        static const char *const per[] = {"", " per day", " per week", " per month", " per year"};
        if (c->has_budget) {
            cbrtb_printf(&o, " budget ");
            amount(&o, &c->budget);
            cbrtb_printf(&o, "%s", c->budget_period <= XP_YEAR ? per[c->budget_period] : "");
        }
        if (c->tz)
            cbrtb_printf(&o, " zone %s", cbrx_str(p, p->tzs[c->tz]));
        cbrtb_printf(&o, "\n");
    }
    index_summary(&o, p);
    for (uint32_t i = 0; i < p->noffers; i++) {
        const cbrx_offer *of = &p->offers[i];
        cbrtb_printf(&o, "\noffer %u \"%s\" priority %lld zone %s rounding %s", i, cbrx_str(p, of->id),
            (long long)of->priority, cbrx_str(p, p->tzs[of->tz]), modes[of->rounding]);
        if (of->campaign != CBRX_NONE)
            cbrtb_printf(&o, " campaign \"%s\"", cbrx_str(p, p->campaigns[of->campaign].id));
        if (of->group != CBRX_NONE)
            cbrtb_printf(&o, " exclusive \"%s\"", cbrx_str(p, of->group));
        if (of->flags & XO_BEST)
            cbrtb_printf(&o, " best");
        if (of->flags & XO_NO_PARTIAL)
            cbrtb_printf(&o, " no partial");
        if (of->flags & XO_REFUND_FULL)
            cbrtb_printf(&o, " refund full");
        cbrtb_printf(&o, "\n");
        for (uint32_t c = 0; c < of->nclauses; c++) {
            const cbrx_clause *cl = &p->clauses[of->first_clause + c];
            cbrtb_printf(&o, "  ; clause %u (line %u): ", of->first_clause + c, cl->line);
            if (cl->kind == XR_EXPR || cl->cap_reg != CBRX_NO_REG) {
                cbrtb_printf(&o, "%s", cbrx_str(p, cl->text));
                if (cl->reg != CBRX_NO_REG && cl->cap_reg != CBRX_NO_REG)
                    cbrtb_printf(&o, " (r%u, cap r%u)", cl->reg, cl->cap_reg);
                else if (cl->reg != CBRX_NO_REG)
                    cbrtb_printf(&o, " (r%u)", cl->reg);
                else
                    cbrtb_printf(&o, " (cap r%u)", cl->cap_reg);
            } else if (cl->kind == XR_PERCENT) {
                cbrtb_printf(&o, "cashback ");
                char buf[32];
                cbrdec_format((cbrdec){cl->pct_m, cl->pct_scale}, buf, sizeof buf);
                cbrtb_printf(&o, "%s%%", buf);
                if (cl->has_cap) {
                    cbrtb_printf(&o, " up to ");
                    amount(&o, &cl->amount);
                }
            } else {
                cbrtb_printf(&o, "cashback ");
                amount(&o, &cl->amount);
            }
            if (cl->vest_reg != CBRX_NO_REG)
                cbrtb_printf(&o, ", vests after r%u days", cl->vest_reg);
            cbrtb_printf(&o, "\n");
        }
        for (uint32_t c = of->first_cond; c < of->first_cond + of->nconds; c++) {
            const cbrx_cond *k = &p->conds[c];
            cbrtb_printf(&o, "  ; condition %u-%u", k->code - of->code, k->code - of->code + k->ncode - 1);
            if (k->file != CBRX_NONE)
                cbrtb_printf(&o, " (%s:%u:%u)", cbrx_str(p, k->file), k->line, k->col);
            cbrtb_printf(&o, ": %s\n", cbrx_str(p, k->text));
        }
        index_of(&o, p, i);
        for (uint32_t pc = of->code; pc < of->code + of->ncode; pc++) {
            cbrtb_printf(&o, "  %4u  ", pc - of->code);
            insn(&o, p, &p->code[pc]);
        }
    }
    static const char *const tper[] = {"", " per day", " per week", " per month", " per year"};
    for (uint32_t i = 0; i < p->ntallies; i++) {
        const cbrx_tally *tl = &p->tallies[i];
        cbrtb_printf(&o, "\ntally %u \"%s\" %s per user%s zone %s%s\n", i, cbrx_str(p, tl->name),
                     tl->kind == XT_SUM ? "sum amount" : "count", tl->period <= XP_YEAR ? tper[tl->period] : "",
                     cbrx_str(p, p->tzs[tl->tz]), tl->ncode ? "" : " (every purchase)");
        for (uint32_t pc = tl->code; pc < tl->code + tl->ncode; pc++) {
            cbrtb_printf(&o, "  %4u  ", pc - tl->code);
            insn(&o, p, &p->code[pc]);
        }
    }
    char *t = o.oom ? NULL : cbrx_buf_copy(p->cfg.alloc, p->cfg.alloc_ud, o.p, o.n);
    size_t n = o.n;
    cbrtb_free(&o);
    if (!t)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory listing the program");
    *text = t;
    if (len)
        *len = n;
    return CBR_OK;
}
