/* program.c: the cbr_program handle: made from a checked compiler or loaded
 * from a bundle, then prepared the same way (time zones loaded, the content
 * hash taken), so both roads give the same program. */
#include "config.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/tz.h"
#include "vm/vmint.h"
#include "vm/strpool.h"
#include "stdlib/alloc.h"


void *cbrx_alloc(const cbrx_program *p, size_t n) { return p->cfg.alloc(p->cfg.alloc_ud, NULL, n ? n : 1); }
void *cbrx_realloc(const cbrx_program *p, void *old, size_t n) { return p->cfg.alloc(p->cfg.alloc_ud, old, n ? n : 1); }
bool cbrx_grow(const cbrx_program *p, void **a, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap : first;
    while (nc <= n && nc <= SIZE_MAX / 2)
        nc = nc ? nc * 2 : 1;
    if (nc <= n || nc > SIZE_MAX / size)
        return false;
    void *q = cbrx_realloc(p, *a, nc * size);
    if (!q)
        return false;
    *a = q;
    *cap = nc;
    return true;
}

void cbrx_dealloc(const cbrx_program *p, void *ptr)
{
    if (ptr)
        p->cfg.alloc(p->cfg.alloc_ud, ptr, 0);
}

static void vfail(cbr_error *err, cbr_status st, const char *fmt, va_list ap)
{
    if (err) {
        err->status = st;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    }
}

bool cbrx_fail(cbr_error *err, cbr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, st, fmt, ap);
    va_end(ap);
    return false;
}

cbr_status cbrx_status(cbr_error *err, cbr_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, st, fmt, ap);
    va_end(ap);
    return st;
}

void cbrx_program_release(cbrx_program *p)
{
    cbrx_tables_release(p);
    cbrx_index_release(p);
    void *arrays[] = {p->bytes, p->strings, p->consts, p->sets, p->fields, p->tzs, p->campaigns,
                      p->offers, p->clauses, p->conds, p->limits, p->externs, p->regs, p->code,
                      p->str_hash, p->str_tab, p->tallies};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        cbrx_dealloc(p, arrays[i]);
    cbr_config cfg = p->cfg;
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
}

void cbr_program_free(cbr_program *p)
{
    if (!p)
        return;
    if (p->zones)
        for (uint32_t i = 0; i < p->x.ntzs; i++)
            cbrtz_free(p->zones[i]);
    cbrx_dealloc(&p->x, p->zones);
    cbrx_unlink_externs(p);
    cbrx_program tmp = p->x;
    cbrx_program_release(&tmp);
    cbrx_dealloc(&tmp, p);
}

/* Loads the zones, takes the hash (SHA-256 of the bundle cbr_program_save
 * writes, so the same from source and from a bundle, signed or not): what
 * both roads to a program share. */
bool cbrx_program_prepare(cbr_program *p, cbr_error *err)
{
    cbrx_program *x = &p->x;
    p->zones = cbrx_alloc(x, (x->ntzs + 1) * sizeof *p->zones);
    if (!p->zones)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory loading time zones");
    memset(p->zones, 0, (x->ntzs + 1) * sizeof *p->zones);
    for (uint32_t i = 0; i < x->ntzs; i++) {
        const char *why = NULL;
        const char *name = cbrx_str(x, x->tzs[i]);
        p->zones[i] = cbrtz_load(x->cfg.zoneinfo_dir, name, x->cfg.alloc, x->cfg.alloc_ud, &why);
        if (!p->zones[i])
            return cbrx_fail(err, CBR_ERR_IO, "time zone \"%s\": %s", name, why ? why : "cannot load");
    }
    if (!cbrx_link_externs(p, err) || !cbrx_tables_index(x, err) || !cbrx_index_build(x, err))
        return false;
    /* Only a program with tables has strings enough for the shared hash to
     * matter; others keep the pool's own (the same ids either way). */
    if (x->ntables && !cbrx_pool_index(x))
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory indexing the program's strings");
    uint8_t *data;
    size_t len;
    if (!cbrx_save(x, &data, &len, err))
        return false;
    bool hashed = cbrx_hash(data, len, x->hash);
    cbr_free(data);
    return hashed || cbrx_fail(err, CBR_ERR_STATE, "libsodium could not be initialised");
}

cbr_program *cbrx_program_new(const cbr_config *cfg)
{
    cbr_config c;
    cbrx_config_copy(cfg, &c);
    if (!c.alloc)
        c.alloc = cbr_default_alloc;
    cbr_program *p = c.alloc(c.alloc_ud, NULL, sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    p->x.cfg = c;
    return p;
}

cbr_status cbr_program_load(const cbr_config *cfg, const void *data, size_t len, cbr_program **out,
                            cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local;
    if (!out || (!data && len))
        return cbrx_fail(err, CBR_ERR_ARG, "no bundle"), CBR_ERR_ARG;
    *out = NULL;
    if (len > CBRX_MAX_BUNDLE_BYTES)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle is %zu bytes; at most %u", len, CBRX_MAX_BUNDLE_BYTES),
               CBR_ERR_BUNDLE;
    cbr_program *p = cbrx_program_new(cfg);
    if (!p)
        return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory"), CBR_ERR_NOMEM;
    /* The signature is checked before a byte of the bundle is parsed: with
     * a trusted key required, an unsigned or forged bundle never reaches
     * the reader. */
    size_t body;
    if (!cbrx_check_signature(&p->x.cfg, data, len, &body, &p->signature, p->signer, err) ||
        !cbrx_load(&p->x.cfg, data, body, &p->x, err) || !cbrx_verify(&p->x, err) || !cbrx_program_prepare(p, err)) {
        cbr_status st = err->status;
        cbr_program_free(p);
        return st;
    }
    *out = p;
    return CBR_OK;
}

cbr_status cbr_program_save(const cbr_program *p, void **data, size_t *len, cbr_error *err)
{
    cbr_error local;
    if (!err)
        err = &local; /* the status below comes from it */
    if (!p || !data || !len)
        return cbrx_status(err, CBR_ERR_ARG, "no program");
    uint8_t *d;
    if (!cbrx_save(&p->x, &d, len, err))
        return err->status;
    *data = d;
    return CBR_OK;
}


const char *cbr_program_hash(const cbr_program *p) { return p ? p->x.hash : ""; }
size_t cbr_program_tally_count(const cbr_program *p) { return p ? p->x.ntallies : 0; }

const char *cbr_program_tally_name(const cbr_program *p, size_t i)
{
    return p && i < p->x.ntallies ? cbrx_str(&p->x, p->x.tallies[i].name) : NULL;
}

size_t cbr_program_offer_count(const cbr_program *p) { return p ? p->x.noffers : 0; }

const char *cbr_program_offer_id(const cbr_program *p, size_t i)
{
    return p && i < p->x.noffers ? cbrx_str(&p->x, p->x.offers[i].id) : NULL;
}

const char *cbr_program_offer_campaign(const cbr_program *p, size_t i)
{
    if (!p || i >= p->x.noffers || p->x.offers[i].campaign == CBRX_NONE)
        return NULL;
    return cbrx_str(&p->x, p->x.campaigns[p->x.offers[i].campaign].id);
}

int cbr_program_offer_budget(const cbr_program *p, size_t i, int of_campaign, char amount[40], char currency[4])
{
    if (!p || i >= p->x.noffers)
        return 0;
    const cbrx_offer *o = &p->x.offers[i];
    const cbrx_campaign *cp = o->campaign != CBRX_NONE ? &p->x.campaigns[o->campaign] : NULL;
    const cbrx_amount *a = of_campaign ? (cp && cp->has_budget ? &cp->budget : NULL)
                                       : (o->has_budget ? &o->budget : NULL);
    if (!a)
        return 0;
    if (amount)
        cbrdec_format((cbrdec){a->m, a->scale}, amount, 40);
    if (currency)
        memcpy(currency, a->cur, 4);
    return 1;
}

size_t cbr_program_field_count(const cbr_program *p) { return p ? p->x.nfields : 0; }

const char *cbr_program_field_name(const cbr_program *p, size_t f)
{
    return p && f < p->x.nfields ? cbrx_str(&p->x, p->x.fields[f].name) : NULL;
}

cbr_type cbr_program_field_type(const cbr_program *p, size_t f)
{
    return p && f < p->x.nfields ? (cbr_type)p->x.fields[f].type : (cbr_type)0;
}

int cbr_program_field_is_input(const cbr_program *p, size_t f)
{
    if (f == CBR_FIELD_KIND || f == CBR_FIELD_ORIGINAL_TID)
        return p != NULL;
    return p && f < p->x.nfields && !p->x.fields[f].derived;
}

int cbr_program_field(const cbr_program *p, const char *name, size_t len)
{
    if (!p || !name)
        return -1;
    for (uint32_t f = 0; f < p->x.nfields; f++) {
        const cbrx_string *s = &p->x.strings[p->x.fields[f].name];
        if (s->len == len && memcmp(p->x.bytes + s->off, name, len) == 0)
            return (int)f;
    }
    /* Every record has a kind, and a refund the purchase it refunds,
     * whether the rules read them or not. */
    if (len == 4 && !memcmp(name, "kind", 4))
        return CBR_FIELD_KIND;
    if (len == 12 && !memcmp(name, "original_tid", 12))
        return CBR_FIELD_ORIGINAL_TID;
    return -1;
}
