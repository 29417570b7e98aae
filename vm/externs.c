/* externs.c: host functions for `extern fn`, called through libffi.
 *
 * A host registers each function with its signature (cbr_externs_add).
 * When a program is made, each extern it declares is looked up by name and
 * its signature compared with the declaration; the libffi call interface is
 * prepared then, once, since preparing costs far more than calling.  A
 * program whose externs are not all registered can be saved and listed but
 * not evaluated (cbr_program_runnable says why).
 *
 * Decimals and money cross the boundary as exact decimal text: a double
 * would round 0.1, and money must never be rounded by accident. */
#include "config.h"
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/alloc.h"
#include "stdlib/text.h"
#include "vm/vmint.h"

typedef struct cbrx_native {
    char *name;
    cbr_native_fn fn;
    uint8_t ret, nparams;
    uint8_t params[CBRX_MAX_PARAMS];
} cbrx_native;

struct cbr_externs {
    cbr_alloc_fn alloc;         /* the config's at cbr_externs_new */
    void *ud;
    cbrx_native *fns;
    size_t n, cap;
};

/* What linking leaves per extern of a program. */
struct cbrx_link {
    cbr_native_fn fn;           /* NULL: not registered */
    ffi_cif cif;
    ffi_type *args[CBRX_MAX_PARAMS];
};

static const char *const type_names[] = {"?", "bool", "int", "decimal", "money", "string",
                                         "date", "instant", "weekday"};

cbr_status cbr_externs_new(const cbr_config *cfg, cbr_externs **out, cbr_error *err)
{
    if (!out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_externs_new: no place for the registry");
    cbr_config c;
    cbrx_config_copy(cfg, &c);
    cbr_alloc_fn alloc = c.alloc ? c.alloc : cbr_default_alloc;
    cbr_externs *x = alloc(c.alloc_ud, NULL, sizeof *x);
    if (!(*out = x))
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making an extern registry");
    memset(x, 0, sizeof *x);
    x->alloc = alloc;
    x->ud = c.alloc_ud;
    return CBR_OK;
}

void cbr_externs_free(cbr_externs *x)
{
    if (!x)
        return;
    for (size_t i = 0; i < x->n; i++)
        x->alloc(x->ud, x->fns[i].name, 0);
    if (x->fns)
        x->alloc(x->ud, x->fns, 0);
    x->alloc(x->ud, x, 0);
}

static const cbrx_native *find(const cbr_externs *x, const char *name)
{
    for (size_t i = 0; x && i < x->n; i++)
        if (!strcmp(x->fns[i].name, name))
            return &x->fns[i];
    return NULL;
}

cbr_status cbr_externs_add(cbr_externs *x, const char *name, cbr_native_fn fn, cbr_type ret,
                           const cbr_type *params, size_t nparams, cbr_error *err)
{
    if (!x || !name || !*name || !fn || (nparams && !params))
        return cbrx_fail(err, CBR_ERR_ARG, "extern: no registry, name or function"), CBR_ERR_ARG;
    if (nparams > CBRX_MAX_PARAMS)
        return cbrx_fail(err, CBR_ERR_ARG, "extern %s: at most %d parameters", name, CBRX_MAX_PARAMS),
               CBR_ERR_ARG;
    if (ret < CBR_T_BOOL || ret > CBR_T_WEEKDAY)
        return cbrx_fail(err, CBR_ERR_ARG, "extern %s: unknown result type %d", name, (int)ret), CBR_ERR_ARG;
    for (size_t i = 0; i < nparams; i++)
        if (params[i] < CBR_T_BOOL || params[i] > CBR_T_WEEKDAY)
            return cbrx_fail(err, CBR_ERR_ARG, "extern %s: unknown type %d for parameter %zu", name,
                             (int)params[i], i + 1), CBR_ERR_ARG;
    if (find(x, name))
        return cbrx_fail(err, CBR_ERR_STATE, "extern %s is already registered", name), CBR_ERR_STATE;
    if (x->n == x->cap) {
        size_t nc = x->cap ? x->cap * 2 : 8;
        cbrx_native *q = x->alloc(x->ud, x->fns, nc * sizeof *q);
        if (!q)
            return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
        x->fns = q;
        x->cap = nc;
    }
    cbrx_native *f = &x->fns[x->n];
    memset(f, 0, sizeof *f);
    size_t nl = strlen(name);
    f->name = x->alloc(x->ud, NULL, nl + 1);
    if (f->name)
        memcpy(f->name, name, nl + 1);
    else
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
    f->fn = fn;
    f->ret = (uint8_t)ret;
    f->nparams = (uint8_t)nparams;
    for (size_t i = 0; i < nparams; i++)
        f->params[i] = (uint8_t)params[i];
    x->n++;
    return CBR_OK;
}

static ffi_type *ffi_of(uint8_t t)
{
    switch (t) {
    case X_BOOL: return &ffi_type_sint;
    case X_STRING: case X_DECIMAL: case X_MONEY: return &ffi_type_pointer;
    default: return &ffi_type_sint64;
    }
}

/* "(string, int) -> decimal" */
static void signature(char *buf, size_t n, uint8_t ret, const uint8_t *params, unsigned np)
{
    size_t k = (size_t)snprintf(buf, n, "(");
    for (unsigned i = 0; i < np && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", type_names[params[i]]);
    if (k < n)
        snprintf(buf + k, n - k, ") -> %s", type_names[ret]);
}

bool cbrx_link_externs(cbr_program *p, cbr_error *err)
{
    const cbrx_program *x = &p->x;
    p->links = cbrx_alloc(x, (x->nexterns + 1) * sizeof *p->links);
    if (!p->links)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory linking extern functions");
    memset(p->links, 0, (x->nexterns + 1) * sizeof *p->links);
    const cbr_externs *reg = x->cfg.externs;
    for (uint32_t i = 0; i < x->nexterns && reg; i++) {
        const cbrx_extern *e = &x->externs[i];
        const char *name = cbrx_str(x, e->name);
        const cbrx_native *f = find(reg, name);
        char want[200], have[200];
        signature(want, sizeof want, e->ret, e->params, e->nparams);
        /* The registry is the host's argument: one that lacks a function
         * the rules declare, or has it with another signature, is a bad
         * argument (CBR_ERR_ARG), not a call made in the wrong state. */
        if (!f)
            return cbrx_fail(err, CBR_ERR_ARG, "extern fn %s%s is not registered by the host", name, want);
        signature(have, sizeof have, f->ret, f->params, f->nparams);
        if (strcmp(want, have))
            return cbrx_fail(err, CBR_ERR_ARG, "extern fn %s is declared %s, but the host registered %s",
                             name, want, have);
        struct cbrx_link *l = &p->links[i];
        for (unsigned a = 0; a < e->nparams; a++)
            l->args[a] = ffi_of(e->params[a]);
        if (ffi_prep_cif(&l->cif, FFI_DEFAULT_ABI, e->nparams, ffi_of(e->ret), l->args) != FFI_OK)
            return cbrx_fail(err, CBR_ERR_STATE, "extern fn %s: libffi cannot prepare the call", name);
        l->fn = f->fn;
    }
    return true;
}

void cbrx_unlink_externs(cbr_program *p)
{
    cbrx_dealloc(&p->x, p->links);
    p->links = NULL;
}

cbr_status cbr_program_runnable(const cbr_program *p, cbr_error *err)
{
    if (!p)
        return cbrx_fail(err, CBR_ERR_ARG, "no program"), CBR_ERR_ARG;
    for (uint32_t i = 0; i < p->x.nexterns; i++)
        if (!p->links || !p->links[i].fn)
            return cbrx_fail(err, CBR_ERR_STATE,
                             "the rules call extern fn %s, which no host function was registered for",
                             cbrx_str(&p->x, p->x.externs[i].name)), CBR_ERR_STATE;
    return CBR_OK;
}

void cbrx_context_set_stub(cbr_context *ctx, cbrx_stub_fn fn, void *ud)
{
    ctx->stub = fn;
    ctx->stub_ud = ud;
}

void cbrx_call(cbr_context *ctx, const cbrx_insn *in)
{
    const cbrx_program *x = ctx->x;
    const cbrx_extern *e = &x->externs[in->b];
    /* A test's stubs stand in for every host function: none need be linked. */
    struct cbrx_link *l = ctx->stub ? NULL : &ctx->prog->links[in->b];
    unsigned n = in->a;
    const int64_t *argreg = x->consts + in->k;
    cbrx_col *d = &ctx->regs[in->d];
    *d = ctx->own[in->d];
    unsigned dscale = x->regs[in->d].scale;
    cbrx_arg vals[CBRX_MAX_PARAMS];
    void *ptrs[CBRX_MAX_PARAMS];
    char text[CBRX_MAX_PARAMS][32];
    for (uint32_t i = 0; i < ctx->nsel; i++) {
        uint32_t r = ctx->sel[i];
        bool missing = false;
        for (unsigned a = 0; a < n && !missing; a++) {
            uint16_t reg = (uint16_t)argreg[a];
            const cbrx_col *c = &ctx->regs[reg];
            int64_t v = c->v[r];
            missing = c->null[r];
            ptrs[a] = &vals[a];
            switch (e->params[a]) {
            case X_BOOL: vals[a].i = v != 0; break;
            case X_STRING:
                if (!missing && cbrx_pool_has(&ctx->b->pool, v)) {
                    uint32_t len;
                    vals[a].s = cbrx_pool_str(&ctx->b->pool, (uint32_t)v, &len);
                } else {
                    missing = true;
                }
                break;
            case X_DECIMAL: case X_MONEY:
                cbrdec_format(cbrdec_trim((cbrdec){v, x->regs[reg].scale}), text[a], sizeof text[a]);
                vals[a].s = text[a];
                break;
            default: vals[a].l = v; break;
            }
        }
        d->null[r] = 1;
        d->v[r] = 0;
        if (missing)
            continue;
        union { ffi_arg a; ffi_sarg s; int64_t l; const char *p; } ret;
        memset(&ret, 0, sizeof ret);
        if (ctx->stub) {
            cbrx_arg out;
            memset(&out, 0, sizeof out);
            if (!ctx->stub(ctx->stub_ud, in->b, vals, n, &out))
                continue; /* no stub for these arguments: missing */
            if (e->ret == X_BOOL)
                ret.s = out.i;
            else if (e->ret == X_STRING || e->ret == X_DECIMAL || e->ret == X_MONEY)
                ret.p = out.s;
            else
                ret.l = out.l;
        } else {
            ffi_call(&l->cif, l->fn, &ret, ptrs);
        }
        int64_t out = 0;
        bool ok = true;
        switch (e->ret) {
        case X_BOOL: out = (int)ret.s != 0; break;
        case X_STRING: {
            size_t len = ret.p ? strlen(ret.p) : 0;
            uint32_t id = CBRX_NONE;
            /* A host's string is checked like input: invalid UTF-8 is missing. */
            if (ret.p && cbrtext_valid(ret.p, len, NULL)) {
                cbrtext_buf nfc;
                if (cbrtext_nfc(ret.p, len, &nfc))
                    id = cbrx_pool_intern(&ctx->b->pool, nfc.p, nfc.n);
                cbrtext_buf_free(&nfc);
            }
            ok = id != CBRX_NONE;
            out = id;
            break;
        }
        case X_DECIMAL: case X_MONEY: {
            cbrdec v;
            ok = ret.p && cbrdec_parse(ret.p, strlen(ret.p), false, &v);
            if (ok) {
                v = cbrdec_trim(v);
                ok = v.scale <= dscale && cbrdec_rescale(v, dscale, &v);
                out = v.m;
            }
            break;
        }
        default: out = ret.l; break;
        }
        if (ok) {
            d->null[r] = 0;
            d->v[r] = out;
        }
    }
}
