/* compiler.c: the public compiler handle of cbr.h: configuration, sources,
 * the check pipeline (lex+parse each source, then resolve and type-check the
 * whole program) and access to the diagnostics. */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compiler/compint.h"
#include "vm/program.h"
#include "stdlib/alloc.h"


cbr_status cbr_compiler_new(const cbr_config *cfg, cbr_compiler **out, cbr_error *err)
{
    if (!out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_compiler_new: no place for the compiler");
    cbr_config def;
    cbrx_config_copy(cfg, &def);
    cfg = &def;
    cbr_alloc_fn alloc = cfg->alloc ? cfg->alloc : cbr_default_alloc;
    cbr_compiler *c = alloc(cfg->alloc_ud, NULL, sizeof *c);
    if (!(*out = c))
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory making a compiler");
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->cfg.alloc = alloc;
    if (c->cfg.limits.max_errors == 0)
        c->cfg.limits.max_errors = CBR_DEFAULT_MAX_ERRORS;
    cbrarena_init(&c->arena, alloc, cfg->alloc_ud);
    return CBR_OK;
}

void cbr_compiler_free(cbr_compiler *c)
{
    if (!c)
        return;
    cbrarena_free(&c->arena);
    if (c->diags)
        c->cfg.alloc(c->cfg.alloc_ud, c->diags, 0);
    if (c->src)
        c->cfg.alloc(c->cfg.alloc_ud, c->src, 0);
    c->cfg.alloc(c->cfg.alloc_ud, c, 0);
}

void cbrcomp_oom(cbr_compiler *c) { c->oom = true; }

void *cbrcomp_alloc(cbr_compiler *c, size_t n)
{
    void *p = cbrarena_alloc(&c->arena, n);
    if (!p)
        cbrcomp_oom(c);
    return p;
}

char *cbrcomp_strdup(cbr_compiler *c, const char *s, size_t n)
{
    char *p = cbrarena_strndup(&c->arena, s, n);
    if (!p)
        cbrcomp_oom(c);
    return p;
}


/* "dir/friday.cbr" -> "friday": the prefix of bare-rule ids. */
static char *stem_of(cbr_compiler *c, const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    return cbrcomp_strdup(c, base, n);
}

cbr_status cbr_compiler_add_source(cbr_compiler *c, const char *name, const char *text, size_t len,
                                   cbr_error *err)
{
    if (!c || !name || (!text && len))
        return cbrx_status(err, CBR_ERR_ARG, "a source needs a compiler, a name and a text");
    if (c->checked)
        return cbrx_status(err, CBR_ERR_STATE, "sources must be added before the check");
    if (c->nsrc >= UINT32_MAX / 2)
        return cbrx_status(err, CBR_ERR_LIMIT, "too many sources");
    if (c->nsrc == c->srccap) {
        uint32_t nc = c->srccap ? c->srccap * 2 : 4;
        cbrsource *s = c->cfg.alloc(c->cfg.alloc_ud, c->src, nc * sizeof *s);
        if (!s)
            return cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
        c->src = s;
        c->srccap = nc;
    }
    cbrsource *s = &c->src[c->nsrc];
    memset(s, 0, sizeof *s);
    /* Oversized text is kept empty here and reported by the check, so that
     * the limit shows up as a diagnostic with the file's name. */
    size_t keep = len > c->cfg.limits.max_source_bytes || len > UINT32_MAX - 1 ? 0 : len;
    s->name = cbrcomp_strdup(c, name, strlen(name));
    s->stem = stem_of(c, name);
    s->text = cbrcomp_strdup(c, text ? text : "", keep);
    if (!s->name || !s->stem || !s->text)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
    s->len = keep == len ? (uint32_t)len : UINT32_MAX; /* UINT32_MAX marks "too large" */
    c->nsrc++;
    return CBR_OK;
}

cbr_status cbr_compiler_add_file(cbr_compiler *c, const char *path, cbr_error *err)
{
    if (!c || !path)
        return cbrx_status(err, CBR_ERR_ARG, "a source file needs a compiler and a path");
    FILE *f = fopen(path, "rb");
    if (!f)
        return cbrx_status(err, CBR_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 8192, n = 0;
    size_t limit = c->cfg.limits.max_source_bytes;
    cbr_alloc_fn alloc = c->cfg.alloc;
    char *buf = alloc(c->cfg.alloc_ud, NULL, cap);
    cbr_status st = CBR_OK;
    while (buf) {
        if (n == cap) {
            if (cap > limit) /* read one byte past the limit, no more */
                break;
            char *nb = alloc(c->cfg.alloc_ud, buf, cap * 2);
            if (!nb) {
                alloc(c->cfg.alloc_ud, buf, 0);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0) {
            if (ferror(f))
                st = cbrx_status(err, CBR_ERR_IO, "cannot read %s: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!buf)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory reading %s", path);
    if (st == CBR_OK)
        st = cbr_compiler_add_source(c, path, buf, n, err);
    alloc(c->cfg.alloc_ud, buf, 0);
    return st;
}

void cbrcomp_parse(cbr_compiler *c)
{
    for (uint32_t i = 0; i < c->nsrc && !c->oom; i++) {
        cbrsource *s = &c->src[i];
        if (s->len == UINT32_MAX) {
            s->len = 0;
            cbrdiag_error(c, (cbrloc){i, 0, 0}, "limit-source-size",
                          "source file is larger than the limit of %zu bytes",
                          c->cfg.limits.max_source_bytes);
            continue;
        }
        cbrparse_source(c, i);
    }
}

void cbrcomp_deliver(cbr_compiler *c)
{
    if (c->cfg.on_diagnostic)
        for (size_t i = 0; i < c->ndiag; i++)
            c->cfg.on_diagnostic(c->cfg.diagnostic_ud, &c->diags[i].pub);
}

cbr_status cbr_compiler_check(cbr_compiler *c, cbr_error *err)
{
    if (!c)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_compiler_check: no compiler");
    if (c->checked)
        return cbrx_status(err, CBR_ERR_STATE, "a compiler checks its sources once");
    c->checked = true;
    cbrcomp_parse(c);
    if (!c->oom)
        cbrsema_check(c);
    cbrdiag_finish(c);
    if (c->oom)
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory");
    cbrcomp_deliver(c);
    if (c->nerr)
        return cbrx_status(err, CBR_ERR_COMPILE, "%u error%s", c->nerr, c->nerr == 1 ? "" : "s");
    return CBR_OK;
}

size_t cbr_compiler_diagnostic_count(const cbr_compiler *c) { return c ? c->ndiag : 0; }

const cbr_diagnostic *cbr_compiler_diagnostic(const cbr_compiler *c, size_t i)
{
    return c && i < c->ndiag ? &c->diags[i].pub : NULL;
}

unsigned cbr_compiler_error_count(const cbr_compiler *c) { return c ? c->nerr : 0; }
unsigned cbr_compiler_warning_count(const cbr_compiler *c) { return c ? c->nwarn : 0; }

cbr_status cbr_compiler_info(const cbr_compiler *c, cbr_program_info *out, cbr_error *err)
{
    if (!c || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_compiler_info: no compiler or no place for the counts");
    cbr_program_info info = c->info;
    info.size = sizeof info;
    /* The first version's struct: size and seven counts. */
    if (!cbrx_sized_fill(out, &info, sizeof info, sizeof(size_t) + 7 * sizeof(unsigned)))
        return cbrx_status(err, CBR_ERR_ARG, "cbr_program_info is %zu bytes, smaller than its first version",
                           out->size);
    return CBR_OK;
}
