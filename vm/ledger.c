/* ledger.c: the award ledger: award ids, and the records settling keeps of
 * each purchase that changed anything and each refund of one. */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include "stdlib/alloc.h"
#include "stdlib/date.h"
#include "stdlib/decimal.h"
#include "stdlib/textbuf.h"
#include "vm/ledger.h"
#include "vm/program.h"

/* Appends s with `\` and `/` escaped; returns the new length. */
static size_t put_escaped(char *buf, size_t n, size_t at, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\' || *s == '/') {
            if (at + 1 < n)
                buf[at] = '\\';
            at++;
        }
        if (at + 1 < n)
            buf[at] = *s;
        at++;
    }
    return at;
}

size_t cbr_award_id(const cbr_award *a, char *buf, size_t n)
{
    size_t at = 0;
    if (a) {
        at = put_escaped(buf, n, at, a->tid);
        if (at + 1 < n)
            buf[at] = '/';
        at++;
        at = put_escaped(buf, n, at, a->offer_id);
    }
    if (n)
        buf[at < n ? at : n - 1] = '\0';
    return at;
}

/* ---- records ---- */

static void *grow_array(cbr_alloc_fn alloc, void *ud, void *a, uint32_t n, uint32_t *cap, size_t size)
{
    if (n < *cap)
        return a;
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *q = alloc(ud, a, (size_t)nc * size);
    if (q)
        *cap = nc;
    return q;
}

#define ADD(r, arr, n, cap, item)                                                                  \
    do {                                                                                           \
        void *q_ = grow_array(alloc, ud, (r)->arr, (r)->n, &(r)->cap, sizeof *(r)->arr);           \
        if (!q_)                                                                                   \
            return false;                                                                          \
        (r)->arr = q_;                                                                             \
        (r)->arr[(r)->n++] = *(item);                                                              \
        return true;                                                                               \
    } while (0)

bool cbrl_add_award(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_award *a) { ADD(r, awards, nawards, capawards, a); }
bool cbrl_add_key(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_key *k) { ADD(r, keys, nkeys, capkeys, k); }
bool cbrl_add_tally(cbrl_rec *r, cbr_alloc_fn alloc, void *ud, const cbrl_key *k) { ADD(r, tallies, ntallies, captallies, k); }

void cbrl_rec_reset(cbrl_rec *r)
{
    cbrl_award *a = r->awards;
    cbrl_key *k = r->keys, *t = r->tallies;
    uint32_t ca = r->capawards, ck = r->capkeys, ct = r->captallies;
    memset(r, 0, sizeof *r);
    r->awards = a, r->keys = k, r->tallies = t;
    r->capawards = ca, r->capkeys = ck, r->captallies = ct;
}

void cbrl_rec_free(cbrl_rec *r, cbr_alloc_fn alloc, void *ud)
{
    if (r->awards)
        alloc(ud, r->awards, 0);
    if (r->keys)
        alloc(ud, r->keys, 0);
    if (r->tallies)
        alloc(ud, r->tallies, 0);
    memset(r, 0, sizeof *r);
}

/* Encoding: the record's size is worked out first, the buffer grown once,
 * then every field is stored without a check (a record of 17 awards is
 * written for each purchase that earns, so this is on settling's path). */
static size_t str_size(cbrl_str s) { return 4 + (s.p ? s.n : 0); }

static size_t key_size(const cbrl_key *k) { return 1 + 1 + 8 + str_size(k->key); }

static size_t rec_size(const cbrl_rec *r)
{
    size_t n = 3 + str_size(r->tid);
    if (r->kind != CBRL_PURCHASE)
        return n;
    n += str_size(r->user) + 8 * 3 + 1 + 3 + 4;
    for (uint32_t i = 0; i < r->nawards; i++) {
        const cbrl_award *a = &r->awards[i];
        n += str_size(a->offer) + str_size(a->campaign) + 8 + 8 + 1 + 8 + 10 + 4;
        for (uint32_t k = 0; k < a->nkeys; k++)
            n += key_size(&r->keys[a->first_key + k]);
    }
    n += 4;
    for (uint32_t i = 0; i < r->ntallies; i++)
        n += key_size(&r->tallies[i]);
    return n;
}

static inline unsigned char *w_u8(unsigned char *p, uint8_t v)
{
    *p = v;
    return p + 1;
}

static inline unsigned char *w_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
    return p + 4;
}

static inline unsigned char *w_i64(unsigned char *p, int64_t v)
{
    p = w_u32(p, (uint32_t)((uint64_t)v & 0xffffffffu));
    return w_u32(p, (uint32_t)((uint64_t)v >> 32));
}

static inline unsigned char *w_bytes(unsigned char *p, const void *s, size_t n)
{
    if (n)
        memcpy(p, s, n);
    return p + n;
}

/* A string: its length + 1 (0: absent), then its bytes. */
static inline unsigned char *w_str(unsigned char *p, cbrl_str s)
{
    p = w_u32(p, s.p ? s.n + 1 : 0);
    return s.p ? w_bytes(p, s.p, s.n) : p;
}

static unsigned char *w_key(unsigned char *p, const cbrl_key *k)
{
    p = w_u8(p, k->is_count);
    p = w_u8(p, k->back);
    p = w_i64(p, k->delta);
    return w_str(p, k->key);
}

bool cbrl_encode(const cbrl_rec *r, cbr_alloc_fn alloc, void *ud, unsigned char **buf, size_t *cap, size_t *len)
{
    size_t need = rec_size(r);
    if (need > *cap) {
        size_t nc = need * 2 + 64;
        unsigned char *q = alloc(ud, *buf, nc);
        if (!q)
            return false;
        *buf = q;
        *cap = nc;
    }
    unsigned char *p = *buf;
    p = w_u8(p, 'L');
    p = w_u8(p, CBRL_VERSION);
    p = w_u8(p, r->kind);
    p = w_str(p, r->tid);
    if (r->kind == CBRL_PURCHASE) {
        p = w_str(p, r->user);
        p = w_i64(p, r->amount);
        p = w_i64(p, r->refunded);
        p = w_i64(p, r->at);
        p = w_u8(p, r->exponent);
        p = w_bytes(p, r->currency, 3);
        p = w_u32(p, r->nawards);
        for (uint32_t i = 0; i < r->nawards; i++) {
            const cbrl_award *a = &r->awards[i];
            p = w_str(p, a->offer);
            p = w_str(p, a->campaign);
            p = w_i64(p, a->granted);
            p = w_i64(p, a->worth);
            p = w_u8(p, a->flags);
            p = w_i64(p, a->vests_at);
            p = w_bytes(p, a->vests, 10);
            p = w_u32(p, a->nkeys);
            for (uint32_t k = 0; k < a->nkeys; k++)
                p = w_key(p, &r->keys[a->first_key + k]);
        }
        p = w_u32(p, r->ntallies);
        for (uint32_t i = 0; i < r->ntallies; i++)
            p = w_key(p, &r->tallies[i]);
    }
    *len = (size_t)(p - *buf);
    return *len == need;
}

typedef struct rbuf {
    const unsigned char *p;
    size_t n, at;
    bool bad;
} rbuf;

static const unsigned char *r_take(rbuf *r, size_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *s = r->p + r->at;
    r->at += n;
    return s;
}

static uint8_t r_u8(rbuf *r)
{
    const unsigned char *s = r_take(r, 1);
    return s ? s[0] : 0;
}

static uint32_t r_u32(rbuf *r)
{
    const unsigned char *s = r_take(r, 4);
    return s ? (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24 : 0;
}

static int64_t r_i64(rbuf *r)
{
    uint64_t lo = r_u32(r), hi = r_u32(r);
    return (int64_t)(lo | hi << 32);
}

static cbrl_str r_str(rbuf *r)
{
    uint32_t n = r_u32(r);
    if (n == 0)
        return (cbrl_str){NULL, 0};
    const unsigned char *s = r_take(r, n - 1);
    return s ? (cbrl_str){(const char *)s, n - 1} : (cbrl_str){NULL, 0};
}

static bool r_key(rbuf *r, cbrl_key *k)
{
    k->is_count = r_u8(r);
    k->back = r_u8(r);
    k->delta = r_i64(r);
    k->key = r_str(r);
    return !r->bad && k->key.p && k->is_count <= 1 && k->back <= 1;
}

bool cbrl_decode(const void *data, size_t len, cbrl_rec *rec, cbr_alloc_fn alloc, void *ud)
{
    rbuf r = {data, len, 0, false};
    cbrl_rec_reset(rec);
    if (!data || r_u8(&r) != 'L' || r_u8(&r) != CBRL_VERSION)
        return false;
    rec->kind = r_u8(&r);
    rec->tid = r_str(&r);
    if (rec->kind > CBRL_REFUND || !rec->tid.p)
        return false;
    if (rec->kind == CBRL_REFUND)
        return !r.bad && r.at == len;
    rec->user = r_str(&r);
    rec->amount = r_i64(&r);
    rec->refunded = r_i64(&r);
    rec->at = r_i64(&r);
    rec->exponent = r_u8(&r);
    const unsigned char *cur = r_take(&r, 3);
    if (r.bad || rec->exponent > 18 || rec->refunded < 0 || rec->amount < rec->refunded)
        return false;
    memcpy(rec->currency, cur, 3);
    rec->currency[3] = '\0';
    uint32_t na = r_u32(&r);
    /* Every award takes at least 49 bytes: a forged count cannot make us allocate. */
    if (r.bad || na > (len - r.at) / 49)
        return false;
    for (uint32_t i = 0; i < na; i++) {
        cbrl_award a = {0};
        a.offer = r_str(&r);
        a.campaign = r_str(&r);
        a.granted = r_i64(&r);
        a.worth = r_i64(&r);
        a.flags = r_u8(&r);
        a.vests_at = r_i64(&r);
        const unsigned char *v = r_take(&r, 10);
        uint32_t nk = r_u32(&r);
        if (r.bad || !a.offer.p || a.worth < 0 || a.worth > a.granted || a.flags > 15 ||
            nk > (len - r.at) / 14)
            return false;
        memcpy(a.vests, v, 10);
        a.first_key = rec->nkeys;
        a.nkeys = nk;
        for (uint32_t k = 0; k < nk; k++) {
            cbrl_key key;
            if (!r_key(&r, &key) || !cbrl_add_key(rec, alloc, ud, &key))
                return false;
        }
        if (!cbrl_add_award(rec, alloc, ud, &a))
            return false;
    }
    uint32_t nt = r_u32(&r);
    if (r.bad || nt > (len - r.at) / 14)
        return false;
    for (uint32_t i = 0; i < nt; i++) {
        cbrl_key key;
        if (!r_key(&r, &key) || !cbrl_add_tally(rec, alloc, ud, &key))
            return false;
    }
    return !r.bad && r.at == len;
}

int64_t cbrl_due(const cbrl_rec *r)
{
    int64_t due = INT64_MAX;
    for (uint32_t i = 0; i < r->nawards; i++)
        if ((r->awards[i].flags & CBRL_PENDING) && r->awards[i].vests_at < due)
            due = r->awards[i].vests_at;
    return due;
}

size_t cbr_key_escape(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
#define OUT(c) (k < cap ? (void)(buf[k] = (c)) : (void)0, k++)
    for (size_t i = 0; s && i < n; i++) {
        char c = s[i];
        if (c == '|' || c == '\\' || c == '\t' || c == '\n') {
            OUT('\\');
            c = c == '\t' ? 't' : c == '\n' ? 'n' : c;
        }
        OUT(c);
    }
#undef OUT
    return k;
}

size_t cbr_ledger_key(const char *tid, size_t n, char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = 'l';
    if (cap > 1)
        buf[1] = '|';
    return 2 + cbr_key_escape(tid, n, cap > 2 ? buf + 2 : NULL, cap > 2 ? cap - 2 : 0);
}

bool cbrl_key_of(const char *tid, size_t n, cbr_alloc_fn alloc, void *ud, char **buf, size_t *cap, size_t *len)
{
    if (2 * n + 3 > *cap) {
        size_t nc = 2 * n + 64;
        char *q = alloc(ud, *buf, nc);
        if (!q)
            return false;
        *buf = q;
        *cap = nc;
    }
    *len = cbr_ledger_key(tid, n, *buf, *cap);
    return true;
}

/* ---- vesting and listing, without a program ---- */

static cbr_alloc_fn alloc_of(const cbr_config *cfg, void **ud)
{
    *ud = cfg && cfg->alloc ? cfg->alloc_ud : NULL;
    return cfg && cfg->alloc ? cfg->alloc : cbr_default_alloc;
}

/* A growing buffer of the strings of one vest event. */
typedef struct scratch {
    unsigned char *p;
    size_t n, cap;
    cbr_alloc_fn alloc;
    void *ud;
} scratch;

/* A NUL-terminated copy of s at the end of w; false when memory runs out. */
static bool scratch_str(scratch *w, cbrl_str s)
{
    size_t n = s.p ? s.n : 0;
    if (w->n + n + 1 > w->cap) {
        size_t nc = (w->n + n + 1) * 2 + 64;
        unsigned char *q = w->alloc(w->ud, w->p, nc);
        if (!q)
            return false;
        w->p = q;
        w->cap = nc;
    }
    w_bytes(w->p + w->n, s.p, n);
    w->p[w->n + n] = 0;
    w->n += n + 1;
    return true;
}

cbr_status cbr_ledger_vest(const cbr_config *cfg, const void *data, size_t len, int64_t at, cbr_vest_fn fn,
                           void *ud_fn, char **out, size_t *out_len, int64_t *due, cbr_error *err)
{
    if (!data || !out || !out_len || !due)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_ledger_vest: no record or no place for the result");
    *out = NULL;
    *out_len = 0;
    void *ud;
    cbr_alloc_fn alloc = alloc_of(cfg, &ud);
    cbrl_rec r = {0};
    if (!cbrl_decode(data, len, &r, alloc, ud)) {
        cbrl_rec_free(&r, alloc, ud);
        return cbrx_status(err, CBR_ERR_STATE, "not a ledger record of this library (%zu bytes)", len);
    }
    *due = cbrl_due(&r);
    uint32_t *now = r.nawards ? alloc(ud, NULL, r.nawards * sizeof *now) : NULL;
    uint32_t nnow = 0;
    if (r.nawards && !now) {
        cbrl_rec_free(&r, alloc, ud);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory vesting a ledger record");
    }
    for (uint32_t i = 0; i < r.nawards; i++) {
        cbrl_award *a = &r.awards[i];
        if ((a->flags & CBRL_PENDING) && a->vests_at <= at) {
            a->flags = (uint8_t)((a->flags & ~CBRL_PENDING) | CBRL_VESTED);
            now[nnow++] = i;
        }
    }
    scratch s = {NULL, 0, 0, alloc, ud};
    unsigned char *enc = NULL;
    size_t cap = 0, n = 0;
    cbr_status st = CBR_OK;
    if (!nnow)
        goto done;
    /* The record after is made before any event is told: a host that
     * cannot store it has paid nothing. */
    if (!cbrl_encode(&r, alloc, ud, &enc, &cap, &n) || !(*out = cbrx_buf_copy(alloc, ud, enc, n))) {
        st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory vesting a ledger record");
        goto done;
    }
    *out_len = n;
    *due = cbrl_due(&r);
    for (uint32_t k = 0; k < nnow && fn; k++) {
        const cbrl_award *a = &r.awards[now[k]];
        if (a->worth <= 0)
            continue; /* refunded in full before it vested: never paid */
        s.n = 0;
        bool ok = scratch_str(&s, a->offer);
        size_t c_off = s.n;
        ok = ok && scratch_str(&s, a->campaign);
        size_t t_off = s.n;
        ok = ok && scratch_str(&s, r.tid);
        size_t u_off = s.n;
        if (!ok || !scratch_str(&s, r.user)) {
            st = cbrx_status(err, CBR_ERR_NOMEM, "out of memory vesting a ledger record");
            goto done;
        }
        const char *base = (const char *)s.p;
        cbr_award ev = {0};
        ev.row = ev.offer = (size_t)-1;
        ev.offer_id = base;
        ev.campaign_id = a->campaign.p ? base + c_off : NULL;
        ev.tid = base + t_off;
        ev.user_id = r.user.p ? base + u_off : NULL;
        ev.cashback = a->worth;
        ev.exponent = r.exponent;
        memcpy(ev.currency, r.currency, 4);
        ev.event = CBR_EVENT_VEST;
        ev.vests_at = a->vests_at;
        memcpy(ev.vests, a->vests, 10);
        fn(ud_fn, &ev);
    }
done:
    if (st != CBR_OK && *out) {
        cbr_free(*out);
        *out = NULL;
        *out_len = 0;
    }
    if (s.p)
        alloc(ud, s.p, 0);
    if (enc)
        alloc(ud, enc, 0);
    if (now)
        alloc(ud, now, 0);
    cbrl_rec_free(&r, alloc, ud);
    return st;
}

static void fmt_money(char *buf, size_t n, int64_t v, uint8_t e)
{
    cbrdec_format((cbrdec){v, e}, buf, n);
}

static void fmt_instant(char *buf, int64_t s)
{
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t sod = s - days * 86400;
    cbrdate_format((int32_t)days, buf);
    sprintf(buf + 10, "T%02d:%02d:%02dZ", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

cbr_status cbr_ledger_text(const cbr_config *cfg, const void *data, size_t len, char **out, size_t *out_len,
                           cbr_error *err)
{
    if (!data || !out)
        return cbrx_status(err, CBR_ERR_ARG, "cbr_ledger_text: no record or no place for the text");
    *out = NULL;
    void *ud;
    cbr_alloc_fn alloc = alloc_of(cfg, &ud);
    cbrl_rec r = {0};
    if (!cbrl_decode(data, len, &r, alloc, ud)) {
        cbrl_rec_free(&r, alloc, ud);
        return cbrx_status(err, CBR_ERR_STATE, "not a ledger record of this library (%zu bytes)", len);
    }
    cbrtb b = {0};
    b.alloc = alloc;
    b.ud = ud;
    char m1[32], m2[32], t[32];
    if (r.kind == CBRL_REFUND) {
        cbrtb_printf(&b, "refund of purchase %.*s\n", (int)r.tid.n, r.tid.p);
    } else {
        fmt_money(m1, sizeof m1, r.amount, r.exponent);
        fmt_money(m2, sizeof m2, r.refunded, r.exponent);
        fmt_instant(t, r.at);
        cbrtb_printf(&b, "purchase %.*s user %.*s amount %s %s refunded %s at %s\n", (int)r.tid.n, r.tid.p,
                     (int)(r.user.p ? r.user.n : 1), r.user.p ? r.user.p : "-", m1, r.currency, m2, t);
        for (uint32_t i = 0; i < r.nawards; i++) {
            const cbrl_award *a = &r.awards[i];
            fmt_money(m1, sizeof m1, a->granted, r.exponent);
            fmt_money(m2, sizeof m2, a->worth, r.exponent);
            cbrtb_printf(&b, "  award %.*s", (int)a->offer.n, a->offer.p);
            if (a->campaign.p)
                cbrtb_printf(&b, " campaign %.*s", (int)a->campaign.n, a->campaign.p);
            cbrtb_printf(&b, " granted %s worth %s", m1, m2);
            if (a->flags & (CBRL_PENDING | CBRL_VESTED)) {
                fmt_instant(t, a->vests_at);
                cbrtb_printf(&b, " %s %.10s (%s)", a->flags & CBRL_PENDING ? "pending until" : "vested", a->vests, t);
            }
            if (a->flags & CBRL_REFUND_FULL)
                cbrtb_puts(&b, " refund-full");
            cbrtb_puts(&b, "\n");
            for (uint32_t k = 0; k < a->nkeys; k++) {
                const cbrl_key *key = &r.keys[a->first_key + k];
                cbrtb_printf(&b, "    counted in %.*s%s\n", (int)key->key.n, key->key.p,
                             key->is_count ? (a->flags & CBRL_COUNT_BACK ? " (count given back)" : " (count)") : "");
            }
        }
        for (uint32_t i = 0; i < r.ntallies; i++) {
            const cbrl_key *key = &r.tallies[i];
            cbrtb_printf(&b, "  tally %.*s +%lld%s\n", (int)key->key.n, key->key.p, (long long)key->delta,
                         key->back ? " (taken back)" : "");
        }
    }
    cbrl_rec_free(&r, alloc, ud);
    if (b.oom) {
        cbrtb_free(&b);
        return cbrx_status(err, CBR_ERR_NOMEM, "out of memory listing a ledger record");
    }
    *out = cbrx_buf_copy(alloc, ud, b.p ? b.p : "", b.n);
    if (out_len)
        *out_len = b.n;
    cbrtb_free(&b);
    return *out ? CBR_OK : cbrx_status(err, CBR_ERR_NOMEM, "out of memory listing a ledger record");
}

/* ---- the arena ---- */

struct cbrl_chunk {
    cbrl_chunk *next;
    size_t used, cap;
    char data[];
};

const char *cbrl_arena_dup(cbrl_arena *a, cbr_alloc_fn alloc, void *ud, const char *s, size_t n)
{
    cbrl_chunk *c = a->head;
    if (!c || c->cap - c->used < n + 1) {
        size_t cap = n + 1 > 16384 ? n + 1 : 16384;
        c = alloc(ud, NULL, sizeof *c + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    char *p = c->data + c->used;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    c->used += n + 1;
    return p;
}

void cbrl_arena_reset(cbrl_arena *a, cbr_alloc_fn alloc, void *ud)
{
    while (a->head) {
        cbrl_chunk *next = a->head->next;
        alloc(ud, a->head, 0);
        a->head = next;
    }
}
