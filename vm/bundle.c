/* bundle.c: the .cbrx file format.
 *
 *   header   8  magic "CBRX\r\n\x1a\n" (catches text-mode and 7-bit damage)
 *            2  format version (2)       2  flags (0)
 *            4  section count            8  total length in bytes
 *            8  FNV-1a 64 of every byte but these 8
 *   table    per section: 4 id, 4 offset, 4 length (offsets from the start)
 *   sections in id order, each exactly its declared length: strings,
 *   constants, sets, fields, zones, campaigns, offers, clauses, limits,
 *   registers, code, externs, conditions; then the optional sections,
 *   settlement (per campaign its zone and budget period, per offer its
 *   budget period and flags), rewards, tables and tallies (per tally its
 *   name, kind, period, zone and the code range of its condition), up to the last
 *   one the program uses, each unused one before it written with its
 *   defaults.  A program that uses none of them (every program written
 *   before they existed) is written in 13 sections, byte for byte as then,
 *   so its bundle and its hash stay the same; the defaults are UTC, no
 *   period and no flags, and an empty list for the others.
 *   A signed bundle is followed by a signature trailer (sign.c), which the
 *   total length and the checksum leave out: the loader checks and strips
 *   it before these bytes reach cbrx_load.
 *
 * All integers are little-endian.  The checksum makes any single changed
 * byte a refusal; the reader then checks every length against what is left,
 * so a bundle whose checksum was forged is still read without going out of
 * bounds, and cbrx_verify checks what the tables mean. */
#include "config.h"
#include <string.h>
#include "vm/program.h"

#define MAGIC CBRX_MAGIC
#define FORMAT_VERSION 2
#define HEADER CBRX_HEADER_BYTES
#define CHECKSUM_AT 24

enum {
    SEC_STRINGS = 1, SEC_CONSTS, SEC_SETS, SEC_FIELDS, SEC_ZONES, SEC_CAMPAIGNS, SEC_OFFERS,
    SEC_CLAUSES, SEC_LIMITS, SEC_REGS, SEC_CODE, SEC_EXTERNS, SEC_CONDS,
    /* Optional sections: a bundle holds the base ones and then those up to
     * the last one its program needs, each one before it written with its
     * defaults (an empty section: a count of 0). */
    SEC_SETTLEMENT, SEC_REWARDS, SEC_TABLES, SEC_TALLIES, SEC_VESTING,
    SEC_COUNT = SEC_VESTING, SEC_BASE = SEC_CONDS /* the sections every bundle has */
};

static const char *const sec_names[] = {"", "strings", "constants", "sets", "fields", "zones",
                                        "campaigns", "offers", "clauses", "limits", "registers",
                                        "code", "externs", "conditions", "settlement", "rewards",
                                        "tables", "tallies", "vesting"};

/* ---- writing ---- */

typedef struct wbuf {
    const cbrx_program *p;
    uint8_t *b;
    size_t n, cap;
    bool oom;
} wbuf;

static void put(wbuf *w, const void *src, size_t n)
{
    if (w->oom)
        return;
    if (w->n + n > w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 4096;
        while (nc < w->n + n)
            nc *= 2;
        /* The bundle is handed to the caller, who releases it with cbr_free. */
        uint8_t *q = w->b ? cbrx_buf_resize(w->b, nc) : cbrx_buf_new(w->p->cfg.alloc, w->p->cfg.alloc_ud, nc);
        if (!q) {
            w->oom = true;
            return;
        }
        w->b = q;
        w->cap = nc;
    }
    memcpy(w->b + w->n, src, n);
    w->n += n;
}

static void put_le(wbuf *w, uint64_t v, int bytes)
{
    uint8_t t[8];
    for (int i = 0; i < bytes; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    put(w, t, (size_t)bytes);
}
#define PUT8(w, v) put_le((w), (uint64_t)(v), 1)
#define PUT16(w, v) put_le((w), (uint64_t)(v), 2)
#define PUT32(w, v) put_le((w), (uint64_t)(v), 4)
#define PUT64(w, v) put_le((w), (uint64_t)(v), 8)

/* n 64-bit values, little-endian: one copy on a little-endian host (a
 * table of a million rows is two million of them). */
static void put_i64s(wbuf *w, const int64_t *v, uint32_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n)
        put(w, v, (size_t)n * 8);
#else
    for (uint32_t i = 0; i < n; i++)
        put_le(w, (uint64_t)v[i], 8);
#endif
}

static void patch_le(wbuf *w, size_t at, uint64_t v, int bytes)
{
    if (w->oom)
        return;
    for (int i = 0; i < bytes; i++)
        w->b[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put_amount(wbuf *w, const cbrx_amount *a)
{
    PUT64(w, a->m);
    PUT8(w, a->scale);
    put(w, a->cur, 3);
}

static bool needs_rewards(const cbrx_program *p);
static bool needs_vesting(const cbrx_program *p);

static void put_section(wbuf *w, const cbrx_program *p, int id)
{
    uint32_t i;
    switch (id) {
    case SEC_STRINGS:
        PUT32(w, p->nstrings);
        PUT32(w, p->nbytes);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* off and len, 4 bytes each, are the record's bytes: one copy for
         * the million strings of a big table */
        _Static_assert(sizeof(cbrx_string) == 8, "cbrx_string is two u32");
        if (p->nstrings)
            put(w, p->strings, (size_t)p->nstrings * 8);
#else
        for (i = 0; i < p->nstrings; i++) {
            PUT32(w, p->strings[i].off);
            PUT32(w, p->strings[i].len);
        }
#endif
        put(w, p->bytes, p->nbytes);
        break;
    case SEC_CONSTS:
        PUT32(w, p->nconsts);
        for (i = 0; i < p->nconsts; i++)
            PUT64(w, p->consts[i]);
        break;
    case SEC_SETS:
        PUT32(w, p->nsets);
        for (i = 0; i < p->nsets; i++) {
            PUT32(w, p->sets[i].first);
            PUT32(w, p->sets[i].n);
        }
        break;
    case SEC_FIELDS:
        PUT32(w, p->nfields);
        for (i = 0; i < p->nfields; i++) {
            PUT32(w, p->fields[i].name);
            PUT8(w, p->fields[i].type);
            PUT8(w, p->fields[i].scale);
            PUT8(w, p->fields[i].derived);
        }
        break;
    case SEC_ZONES:
        PUT32(w, p->ntzs);
        for (i = 0; i < p->ntzs; i++)
            PUT32(w, p->tzs[i]);
        break;
    case SEC_CAMPAIGNS:
        PUT32(w, p->ncampaigns);
        for (i = 0; i < p->ncampaigns; i++) {
            const cbrx_campaign *c = &p->campaigns[i];
            PUT32(w, c->id);
            PUT32(w, c->title);
            PUT8(w, c->has_budget);
            put_amount(w, &c->budget);
            PUT8(w, c->has_valid);
            PUT32(w, (uint32_t)c->valid_from);
            PUT32(w, (uint32_t)c->valid_to);
        }
        break;
    case SEC_OFFERS:
        PUT32(w, p->noffers);
        for (i = 0; i < p->noffers; i++) {
            const cbrx_offer *o = &p->offers[i];
            PUT32(w, o->id);
            PUT32(w, o->title);
            PUT32(w, o->campaign);
            PUT32(w, o->group);
            PUT32(w, o->tz);
            PUT64(w, o->priority);
            PUT8(w, o->rounding);
            PUT8(w, o->has_budget);
            put_amount(w, &o->budget);
            PUT8(w, o->has_valid);
            PUT32(w, (uint32_t)o->valid_from);
            PUT32(w, (uint32_t)o->valid_to);
            PUT32(w, o->first_clause);
            PUT32(w, o->nclauses);
            PUT32(w, o->first_limit);
            PUT32(w, o->nlimits);
            PUT32(w, o->code);
            PUT32(w, o->ncode);
            PUT32(w, o->first_cond);
            PUT32(w, o->nconds);
        }
        break;
    case SEC_CONDS:
        PUT32(w, p->nconds);
        for (i = 0; i < p->nconds; i++) {
            const cbrx_cond *c = &p->conds[i];
            PUT32(w, c->code);
            PUT32(w, c->ncode);
            PUT32(w, c->clause);
            PUT32(w, c->text);
            PUT32(w, c->file);
            PUT32(w, c->line);
            PUT32(w, c->col);
        }
        break;
    case SEC_CLAUSES:
        PUT32(w, p->nclauses);
        for (i = 0; i < p->nclauses; i++) {
            const cbrx_clause *c = &p->clauses[i];
            PUT8(w, c->kind);
            PUT8(w, c->has_cap);
            PUT64(w, c->pct_m);
            PUT8(w, c->pct_scale);
            put_amount(w, &c->amount);
            PUT32(w, c->line);
        }
        break;
    case SEC_LIMITS:
        PUT32(w, p->nlimits);
        for (i = 0; i < p->nlimits; i++) {
            const cbrx_limit *l = &p->limits[i];
            PUT8(w, l->kind);
            PUT8(w, l->period);
            PUT64(w, l->count);
            put_amount(w, &l->amount);
        }
        break;
    case SEC_REGS:
        PUT32(w, p->nregs);
        for (i = 0; i < p->nregs; i++) {
            PUT8(w, p->regs[i].type);
            PUT8(w, p->regs[i].scale);
        }
        break;
    case SEC_EXTERNS:
        PUT32(w, p->nexterns);
        for (i = 0; i < p->nexterns; i++) {
            const cbrx_extern *e = &p->externs[i];
            PUT32(w, e->name);
            PUT8(w, e->ret);
            PUT8(w, e->nparams);
            put(w, e->params, CBRX_MAX_PARAMS);
        }
        break;
    case SEC_SETTLEMENT:
        PUT32(w, p->ncampaigns);
        for (i = 0; i < p->ncampaigns; i++) {
            PUT32(w, p->campaigns[i].tz);
            PUT8(w, p->campaigns[i].budget_period);
        }
        PUT32(w, p->noffers);
        for (i = 0; i < p->noffers; i++) {
            PUT8(w, p->offers[i].budget_period);
            PUT8(w, p->offers[i].flags);
        }
        break;
    case SEC_TALLIES:
        PUT32(w, p->ntallies);
        for (i = 0; i < p->ntallies; i++) {
            const cbrx_tally *t = &p->tallies[i];
            PUT32(w, t->name);
            PUT8(w, t->kind);
            PUT8(w, t->period);
            PUT32(w, t->tz);
            PUT32(w, t->code);
            PUT32(w, t->ncode);
        }
        break;
    case SEC_REWARDS: {
        /* Per clause its reward and cap registers and their source text, or
         * nothing when no clause has an expression. */
        uint32_t n = needs_rewards(p) ? p->nclauses : 0;
        PUT32(w, n);
        for (i = 0; i < n; i++) {
            PUT16(w, p->clauses[i].reg);
            PUT16(w, p->clauses[i].cap_reg);
            PUT32(w, p->clauses[i].text);
        }
        break;
    }
    case SEC_VESTING: {
        /* Per clause the register of its offer's vesting days, or nothing
         * when no offer has `vest after`. */
        uint32_t n = needs_vesting(p) ? p->nclauses : 0;
        PUT32(w, n);
        for (i = 0; i < n; i++)
            PUT16(w, p->clauses[i].vest_reg);
        break;
    }
    case SEC_TABLES:
        PUT32(w, p->ntables);
        for (i = 0; i < p->ntables; i++) {
            const cbrx_table *t = &p->tables[i];
            PUT32(w, t->name);
            PUT8(w, t->key);
            PUT8(w, t->value);
            PUT8(w, t->scale);
            PUT32(w, t->n);
            put_i64s(w, t->keys, t->n);
            if (t->value)
                put_i64s(w, t->vals, t->n);
        }
        break;
    case SEC_CODE:
        PUT32(w, p->ncode);
        PUT32(w, p->max_depth);
        for (i = 0; i < p->ncode; i++) {
            const cbrx_insn *in = &p->code[i];
            PUT16(w, in->op);
            PUT16(w, in->d);
            PUT16(w, in->a);
            PUT16(w, in->b);
            PUT32(w, in->k);
        }
        break;
    }
}

/* Whether the program needs the settlement section: a campaign's zone or
 * paced budget, an offer's paced budget or flags. */
static bool needs_settlement(const cbrx_program *p)
{
    for (uint32_t i = 0; i < p->ncampaigns; i++)
        if (p->campaigns[i].tz || p->campaigns[i].budget_period)
            return true;
    for (uint32_t i = 0; i < p->noffers; i++)
        if (p->offers[i].budget_period || p->offers[i].flags)
            return true;
    return false;
}

/* Whether a clause's reward or cap is an expression. */
static bool needs_rewards(const cbrx_program *p)
{
    for (uint32_t i = 0; i < p->nclauses; i++)
        if (p->clauses[i].kind == XR_EXPR || p->clauses[i].cap_reg != CBRX_NO_REG)
            return true;
    return false;
}

/* Whether an offer has `vest after`. */
static bool needs_vesting(const cbrx_program *p)
{
    for (uint32_t i = 0; i < p->nclauses; i++)
        if (p->clauses[i].vest_reg != CBRX_NO_REG)
            return true;
    return false;
}

/* How many sections p's bundle has: the base ones, and the optional ones
 * up to the last that p needs. */
static int sections_needed(const cbrx_program *p)
{
    bool need[SEC_COUNT + 1] = {false};
    need[SEC_SETTLEMENT] = needs_settlement(p);
    need[SEC_TALLIES] = p->ntallies > 0;
    need[SEC_REWARDS] = needs_rewards(p);
    need[SEC_TABLES] = p->ntables > 0;
    need[SEC_VESTING] = needs_vesting(p);
    int n = SEC_BASE;
    for (int id = SEC_BASE + 1; id <= SEC_COUNT; id++)
        if (need[id])
            n = id;
    return n;
}

static uint64_t checksum(const uint8_t *d, size_t n)
{
    uint64_t h = cbrhash_fnv64(d, CHECKSUM_AT, CBRHASH_FNV64_START);
    return cbrhash_fnv64(d + HEADER, n - HEADER, h);
}

void cbrx_seal(uint8_t *data, size_t len)
{
    if (len < HEADER)
        return;
    size_t body = cbrx_signed_body(data, len);
    uint64_t h = checksum(data, body);
    for (int i = 0; i < 8; i++)
        data[CHECKSUM_AT + i] = (uint8_t)(h >> (8 * i));
    cbrx_seal_trailer(data, len);
}

bool cbrx_save(const cbrx_program *p, uint8_t **data, size_t *len, cbr_error *err)
{
    wbuf w = {.p = p};
    int nsec = sections_needed(p);
    put(&w, MAGIC, 8);
    PUT16(&w, FORMAT_VERSION);
    PUT16(&w, 0);
    PUT32(&w, nsec);
    PUT64(&w, 0); /* length, patched */
    PUT64(&w, 0); /* checksum, patched */
    size_t table = w.n;
    for (int id = 1; id <= nsec; id++) {
        PUT32(&w, id);
        PUT32(&w, 0);
        PUT32(&w, 0);
    }
    for (int id = 1; id <= nsec; id++) {
        size_t start = w.n;
        put_section(&w, p, id);
        size_t at = table + (size_t)(id - 1) * 12;
        patch_le(&w, at + 4, start, 4);
        patch_le(&w, at + 8, w.n - start, 4);
    }
    if (w.oom || w.n > UINT32_MAX) {
        cbr_free(w.b);
        return cbrx_fail(err, w.oom ? CBR_ERR_NOMEM : CBR_ERR_LIMIT,
                         w.oom ? "out of memory writing the bundle" : "the bundle would exceed 4 GiB");
    }
    patch_le(&w, 16, w.n, 8);
    patch_le(&w, CHECKSUM_AT, checksum(w.b, w.n), 8);
    *data = w.b;
    *len = w.n;
    return true;
}

/* ---- reading ---- */

typedef struct rbuf {
    const uint8_t *b;
    size_t n, at;
    const char *section;
    bool bad;
    const char *why;    /* what was wrong besides a short read, or NULL */
} rbuf;

static uint64_t get_le(rbuf *r, int bytes)
{
    if (r->bad || r->n - r->at < (size_t)bytes) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->b[r->at + (size_t)i] << (8 * i);
    r->at += (size_t)bytes;
    return v;
}
#define GET8(r) ((uint8_t)get_le((r), 1))
#define GET16(r) ((uint16_t)get_le((r), 2))
#define GET32(r) ((uint32_t)get_le((r), 4))
#define GET64(r) get_le((r), 8)

/* An array of n records of at least `min` bytes each, after checking that
 * the section can hold them (so a forged count cannot make us allocate
 * gigabytes for a small file). */
static void *get_array(const cbrx_program *p, rbuf *r, uint32_t n, size_t min, size_t elem)
{
    if (r->bad || (r->n - r->at) / min < n) {
        r->bad = true;
        return NULL;
    }
    void *a = cbrx_alloc(p, (size_t)n * elem + 1);
    if (a)
        memset(a, 0, (size_t)n * elem + 1);
    return a;
}

/* n 64-bit values, little-endian (the caller has checked they are there). */
static void get_i64s(rbuf *r, int64_t *v, uint32_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (r->bad || (r->n - r->at) / 8 < n) {
        r->bad = true;
        return;
    }
    if (n)
        memcpy(v, r->b + r->at, (size_t)n * 8);
    r->at += (size_t)n * 8;
#else
    for (uint32_t i = 0; i < n; i++)
        v[i] = (int64_t)GET64(r);
#endif
}

static void get_amount(rbuf *r, cbrx_amount *a)
{
    a->m = (int64_t)GET64(r);
    a->scale = GET8(r);
    if (!r->bad && r->n - r->at >= 3)
        memcpy(a->cur, r->b + r->at, 3);
    r->at += r->n - r->at >= 3 ? 3 : 0;
    a->cur[3] = '\0';
}

/* Reads section id into p; false on a short read or out of memory. */
static bool get_section(cbrx_program *p, rbuf *r, int id, bool *oom)
{
    uint32_t i, n;
#define ARRAY(field, count, min)                                              \
    do {                                                                      \
        p->field = get_array(p, r, (count), (min), sizeof *p->field);         \
        if (!p->field) {                                                      \
            *oom = !r->bad;                                                   \
            return false;                                                     \
        }                                                                     \
    } while (0)
    switch (id) {
    case SEC_STRINGS:
        n = GET32(r);
        p->nbytes = GET32(r);
        ARRAY(strings, n, 8);
        p->nstrings = n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (n)
            memcpy(p->strings, r->b + r->at, (size_t)n * 8); /* get_array checked the bytes are there */
        r->at += (size_t)n * 8;
#else
        for (i = 0; i < n; i++) {
            p->strings[i].off = GET32(r);
            p->strings[i].len = GET32(r);
        }
#endif
        ARRAY(bytes, p->nbytes, 1);
        if (r->bad)
            return false;
        memcpy(p->bytes, r->b + r->at, p->nbytes);
        r->at += p->nbytes;
        break;
    case SEC_CONSTS:
        n = GET32(r);
        ARRAY(consts, n, 8);
        p->nconsts = n;
        for (i = 0; i < n; i++)
            p->consts[i] = (int64_t)GET64(r);
        break;
    case SEC_SETS:
        n = GET32(r);
        ARRAY(sets, n, 8);
        p->nsets = n;
        for (i = 0; i < n; i++) {
            p->sets[i].first = GET32(r);
            p->sets[i].n = GET32(r);
        }
        break;
    case SEC_FIELDS:
        n = GET32(r);
        ARRAY(fields, n, 7);
        p->nfields = n;
        for (i = 0; i < n; i++) {
            p->fields[i].name = GET32(r);
            p->fields[i].type = GET8(r);
            p->fields[i].scale = GET8(r);
            p->fields[i].derived = GET8(r);
        }
        break;
    case SEC_ZONES:
        n = GET32(r);
        ARRAY(tzs, n, 4);
        p->ntzs = n;
        for (i = 0; i < n; i++)
            p->tzs[i] = GET32(r);
        break;
    case SEC_CAMPAIGNS:
        n = GET32(r);
        ARRAY(campaigns, n, 30);
        p->ncampaigns = n;
        for (i = 0; i < n; i++) {
            cbrx_campaign *c = &p->campaigns[i];
            c->id = GET32(r);
            c->title = GET32(r);
            c->has_budget = GET8(r);
            get_amount(r, &c->budget);
            c->has_valid = GET8(r);
            c->valid_from = (int32_t)GET32(r);
            c->valid_to = (int32_t)GET32(r);
        }
        break;
    case SEC_OFFERS:
        n = GET32(r);
        ARRAY(offers, n, 83);
        p->noffers = n;
        for (i = 0; i < n; i++) {
            cbrx_offer *o = &p->offers[i];
            o->id = GET32(r);
            o->title = GET32(r);
            o->campaign = GET32(r);
            o->group = GET32(r);
            o->tz = GET32(r);
            o->priority = (int64_t)GET64(r);
            o->rounding = GET8(r);
            o->has_budget = GET8(r);
            get_amount(r, &o->budget);
            o->has_valid = GET8(r);
            o->valid_from = (int32_t)GET32(r);
            o->valid_to = (int32_t)GET32(r);
            o->first_clause = GET32(r);
            o->nclauses = GET32(r);
            o->first_limit = GET32(r);
            o->nlimits = GET32(r);
            o->code = GET32(r);
            o->ncode = GET32(r);
            o->first_cond = GET32(r);
            o->nconds = GET32(r);
        }
        break;
    case SEC_CONDS:
        n = GET32(r);
        ARRAY(conds, n, 28);
        p->nconds = n;
        for (i = 0; i < n; i++) {
            cbrx_cond *c = &p->conds[i];
            c->code = GET32(r);
            c->ncode = GET32(r);
            c->clause = GET32(r);
            c->text = GET32(r);
            c->file = GET32(r);
            c->line = GET32(r);
            c->col = GET32(r);
        }
        break;
    case SEC_CLAUSES:
        n = GET32(r);
        ARRAY(clauses, n, 27);
        p->nclauses = n;
        for (i = 0; i < n; i++) {
            cbrx_clause *c = &p->clauses[i];
            c->kind = GET8(r);
            c->has_cap = GET8(r);
            c->pct_m = (int64_t)GET64(r);
            c->pct_scale = GET8(r);
            get_amount(r, &c->amount);
            c->line = GET32(r);
            c->reg = c->cap_reg = c->vest_reg = CBRX_NO_REG; /* unless the rewards and vesting sections say */
            c->text = CBRX_NONE;
        }
        break;
    case SEC_LIMITS:
        n = GET32(r);
        ARRAY(limits, n, 22);
        p->nlimits = n;
        for (i = 0; i < n; i++) {
            cbrx_limit *l = &p->limits[i];
            l->kind = GET8(r);
            l->period = GET8(r);
            l->count = (int64_t)GET64(r);
            get_amount(r, &l->amount);
        }
        break;
    case SEC_REGS:
        n = GET32(r);
        ARRAY(regs, n, 2);
        p->nregs = n;
        for (i = 0; i < n; i++) {
            p->regs[i].type = GET8(r);
            p->regs[i].scale = GET8(r);
        }
        break;
    case SEC_EXTERNS:
        n = GET32(r);
        ARRAY(externs, n, 6 + CBRX_MAX_PARAMS);
        p->nexterns = n;
        for (i = 0; i < n; i++) {
            cbrx_extern *e = &p->externs[i];
            e->name = GET32(r);
            e->ret = GET8(r);
            e->nparams = GET8(r);
            for (int k = 0; k < CBRX_MAX_PARAMS; k++)
                e->params[k] = GET8(r);
        }
        break;
    case SEC_SETTLEMENT:
        /* Campaigns and offers were read: the counts must be theirs. */
        n = GET32(r);
        if (n != p->ncampaigns) {
            r->why = "its campaigns are not the program's";
            return false;
        }
        for (i = 0; i < n; i++) {
            p->campaigns[i].tz = GET32(r);
            p->campaigns[i].budget_period = GET8(r);
        }
        n = GET32(r);
        if (n != p->noffers) {
            r->why = "its offers are not the program's";
            return false;
        }
        for (i = 0; i < n; i++) {
            p->offers[i].budget_period = GET8(r);
            p->offers[i].flags = GET8(r);
        }
        break;
    case SEC_TALLIES:
        n = GET32(r);
        ARRAY(tallies, n, 18);
        p->ntallies = n;
        for (i = 0; i < n; i++) {
            cbrx_tally *t = &p->tallies[i];
            t->name = GET32(r);
            t->kind = GET8(r);
            t->period = GET8(r);
            t->tz = GET32(r);
            t->code = GET32(r);
            t->ncode = GET32(r);
        }
        break;
    case SEC_REWARDS:
        n = GET32(r);
        if (n != 0 && n != p->nclauses) {
            r->why = "its clauses are not the program's";
            return false;
        }
        for (i = 0; i < n; i++) {
            p->clauses[i].reg = GET16(r);
            p->clauses[i].cap_reg = GET16(r);
            p->clauses[i].text = GET32(r);
        }
        break;
    case SEC_VESTING:
        n = GET32(r);
        if (n != 0 && n != p->nclauses) {
            r->why = "its clauses are not the program's";
            return false;
        }
        for (i = 0; i < n; i++)
            p->clauses[i].vest_reg = GET16(r);
        break;
    case SEC_TABLES:
        n = GET32(r);
        ARRAY(tables, n, 11);
        p->ntables = n;
        for (i = 0; i < n; i++) {
            cbrx_table *t = &p->tables[i];
            t->name = GET32(r);
            t->key = GET8(r);
            t->value = GET8(r);
            t->scale = GET8(r);
            uint32_t rows = GET32(r);
            /* A forged count meets the bytes left before any allocation. */
            if (r->bad || (r->n - r->at) / 8 / (t->value ? 2 : 1) < rows) {
                r->bad = true;
                return false;
            }
            t->keys = cbrx_alloc(p, (size_t)rows * 8);
            t->vals = t->value ? cbrx_alloc(p, (size_t)rows * 8) : NULL;
            if (!t->keys || (t->value && !t->vals)) {
                *oom = true;
                return false;
            }
            t->n = rows;
            get_i64s(r, t->keys, rows);
            if (t->value)
                get_i64s(r, t->vals, rows);
        }
        break;
    case SEC_CODE:
        n = GET32(r);
        p->max_depth = GET32(r);
        ARRAY(code, n, 12);
        p->ncode = n;
        for (i = 0; i < n; i++) {
            cbrx_insn *in = &p->code[i];
            in->op = GET16(r);
            in->d = GET16(r);
            in->a = GET16(r);
            in->b = GET16(r);
            in->k = GET32(r);
        }
        break;
    }
#undef ARRAY
    return !r->bad;
}

bool cbrx_load(const cbr_config *cfg, const uint8_t *data, size_t len, cbrx_program *p,
               cbr_error *err)
{
    cbr_config c = *cfg; /* cfg may live inside p */
    memset(p, 0, sizeof *p);
    p->cfg = c;
    if (len < HEADER || memcmp(data, MAGIC, 8) != 0)
        return cbrx_fail(err, CBR_ERR_BUNDLE, len < 8 || memcmp(data, MAGIC, 8)
                                                  ? "not a cbr bundle (bad magic number)"
                                                  : "truncated bundle: %zu bytes, shorter than its header",
                         len);
    rbuf h = {data, len, 8, "header", false, NULL};
    unsigned version = GET16(&h), flags = GET16(&h), nsec = GET32(&h);
    uint64_t total = GET64(&h), sum = GET64(&h);
    if (version != FORMAT_VERSION)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle format version %u; this cbr reads version %d",
                         version, FORMAT_VERSION);
    if (total != len)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "truncated or padded bundle: %zu bytes, the header says %llu",
                         len, (unsigned long long)total);
    if (sum != checksum(data, len))
        return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle checksum mismatch: the file is corrupt");
    if (flags != 0)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "unknown bundle flags 0x%x", flags);
    if (nsec < SEC_BASE || nsec > SEC_COUNT)
        return cbrx_fail(err, CBR_ERR_BUNDLE, "bundle has %u sections, expected %d to %d", nsec, SEC_BASE,
                         SEC_COUNT);
    size_t expect = HEADER + (size_t)nsec * 12;
    for (int id = 1; id <= (int)nsec; id++) {
        uint32_t sid = GET32(&h), off = GET32(&h), slen = GET32(&h);
        if (h.bad)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "truncated section table");
        if (sid != (uint32_t)id)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "section %d has id %u, expected %d (%s)", id, sid, id,
                             sec_names[id]);
        if (off != expect || off > len || slen > len - off)
            return cbrx_fail(err, CBR_ERR_BUNDLE, "section %s out of bounds (offset %u, length %u, file %zu bytes)",
                             sec_names[id], off, slen, len);
        rbuf r = {data + off, slen, 0, sec_names[id], false, NULL};
        bool oom = false;
        if (!get_section(p, &r, id, &oom)) {
            cbrx_program_release(p);
            if (oom)
                return cbrx_fail(err, CBR_ERR_NOMEM, "out of memory reading section %s", sec_names[id]);
            if (r.why && !r.bad)
                return cbrx_fail(err, CBR_ERR_BUNDLE, "section %s: %s", sec_names[id], r.why);
            return cbrx_fail(err, CBR_ERR_BUNDLE, "section %s is truncated (%u bytes)", sec_names[id], slen);
        }
        if (r.at != slen) {
            cbrx_program_release(p);
            return cbrx_fail(err, CBR_ERR_BUNDLE, "section %s has %zu trailing bytes", sec_names[id],
                             (size_t)slen - r.at);
        }
        expect = (size_t)off + slen;
    }
    if (expect != len) {
        cbrx_program_release(p);
        return cbrx_fail(err, CBR_ERR_BUNDLE, "%zu bytes after the last section", len - expect);
    }
    return true;
}
