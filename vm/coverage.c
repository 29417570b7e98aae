/* coverage.c: which clauses paid and which conditions were true and false,
 * over every evaluation of the contexts a coverage is attached to.
 *
 * A coverage is the same per-instruction trace explain reads, summed: the
 * rows selected before and after each instruction.  The conditions code
 * generation recorded (cbrx_cond) turn it back into the author's terms: a
 * condition reached by R rows held for the rows still selected after its
 * last instruction, and a clause paid the rows its REWARD saw. */
#include "config.h"
#include <string.h>
#include "vm/vmint.h"

typedef struct cov_item {
    uint32_t offer;
    uint32_t clause;            /* offer-relative, CBRX_NONE for offer-wide */
    uint32_t cond;              /* program condition index, or CBRX_NONE: the clause itself */
    uint32_t reward;            /* the clause's REWARD instruction */
} cov_item;

struct cbr_coverage {
    const cbr_program *prog;
    cbrx_trace *trace;
    cov_item *items;
    size_t nitems;
};

static uint32_t reward_pc(const cbrx_program *x, const cbrx_offer *of, uint32_t clause)
{
    for (uint32_t pc = of->code; pc < of->code + of->ncode; pc++)
        if (x->code[pc].op == XOP_REWARD && x->code[pc].k == of->first_clause + clause)
            return pc;
    return CBRX_NONE;
}

cbr_status cbr_coverage_new(const cbr_program *p, cbr_coverage **out, cbr_error *err)
{
    if (out)
        *out = NULL;
    if (!p || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_coverage_new: no program or no place for the counts");
    const cbrx_program *x = &p->x;
    cbr_coverage *cov = cbrx_alloc(x, sizeof *cov);
    if (!cov)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory counting coverage");
    memset(cov, 0, sizeof *cov);
    cov->prog = p;
    cov->trace = cbrx_alloc(x, (x->ncode + 1) * sizeof *cov->trace);
    cov->items = cbrx_alloc(x, ((size_t)x->nconds + x->nclauses + 1) * sizeof *cov->items);
    if (!cov->trace || !cov->items) {
        cbr_coverage_free(cov);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory counting coverage");
    }
    memset(cov->trace, 0, (x->ncode + 1) * sizeof *cov->trace);
    for (uint32_t o = 0; o < x->noffers; o++) {
        const cbrx_offer *of = &x->offers[o];
        uint32_t end = of->first_cond + of->nconds;
        for (uint32_t c = of->first_cond; c < end; c++)
            if (x->conds[c].clause == CBRX_NONE)
                cov->items[cov->nitems++] = (cov_item){o, CBRX_NONE, c, CBRX_NONE};
        for (uint32_t k = 0; k < of->nclauses; k++) {
            uint32_t pc = reward_pc(x, of, k);
            cov->items[cov->nitems++] = (cov_item){o, k, CBRX_NONE, pc};
            for (uint32_t c = of->first_cond; c < end; c++)
                if (x->conds[c].clause == of->first_clause + k)
                    cov->items[cov->nitems++] = (cov_item){o, k, c, pc};
        }
    }
    *out = cov;
    return CBR_OK;
}

void cbr_coverage_free(cbr_coverage *cov)
{
    if (!cov)
        return;
    const cbrx_program *x = &cov->prog->x;
    cbrx_dealloc(x, cov->trace);
    cbrx_dealloc(x, cov->items);
    cbrx_dealloc(x, cov);
}

cbr_status cbr_context_set_coverage(cbr_context *ctx, cbr_coverage *cov, cbr_error *err)
{
    if (!ctx)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_context_set_coverage: no context");
    if (cov && cov->prog != ctx->prog)
        return cbrx_status(err, CBR_ERR_ARG, "the coverage was made for another program");
    ctx->trace = cov ? cov->trace : NULL;
    return CBR_OK;
}

size_t cbr_coverage_count(const cbr_coverage *cov) { return cov ? cov->nitems : 0; }

cbr_status cbr_coverage_get(const cbr_coverage *cov, size_t i, cbr_coverage_item *out, cbr_error *err)
{
    if (!cov || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_coverage_get: no counts or no item");
    if (i >= cov->nitems)
        return cbrx_status(err, CBR_ERR_ARG, "coverage item %zu of %zu", i, cov->nitems);
    if (out->size < sizeof *out)
        return cbrx_status(err, CBR_ERR_ARG, "the coverage item is %zu bytes; this library needs %zu",
                           out->size, sizeof *out);
    const cbrx_program *x = &cov->prog->x;
    const cov_item *it = &cov->items[i];
    const cbrx_offer *of = &x->offers[it->offer];
    memset(out, 0, sizeof *out);
    out->size = sizeof *out;
    out->offer_id = cbrx_str(x, of->id);
    out->clause = it->clause == CBRX_NONE ? -1 : (int)it->clause;
    if (it->cond == CBRX_NONE) {
        const cbrx_clause *cl = &x->clauses[of->first_clause + it->clause];
        out->is_clause = 1;
        out->line = cl->line;
        /* Rows reach a clause where its first condition starts, or, with
         * no condition, where it pays. */
        uint32_t first = it->reward;
        for (uint32_t c = of->first_cond; c < of->first_cond + of->nconds; c++)
            if (x->conds[c].clause == of->first_clause + it->clause) {
                first = x->conds[c].code;
                break;
            }
        if (it->reward != CBRX_NONE) {
            out->held = cov->trace[it->reward].in;
            out->reached = first != CBRX_NONE ? cov->trace[first].in : out->held;
        }
        return CBR_OK;
    }
    const cbrx_cond *k = &x->conds[it->cond];
    out->text = cbrx_str(x, k->text);
    out->file = k->file == CBRX_NONE ? NULL : cbrx_str(x, k->file);
    out->line = k->line;
    out->column = k->col;
    out->reached = cov->trace[k->code].in;
    out->held = cov->trace[k->code + k->ncode - 1].out;
    return CBR_OK;
}
