/* summary.c: per-offer and per-campaign totals of a run (see summary.h).
 *
 * Customers are counted exactly enough for budgeting without holding their
 * ids: each (offer, user) and (campaign, user) pair is kept as a 64-bit
 * hash in an open-addressing set, 8 bytes per pair.  Two pairs share a hash
 * with odds of about n^2 / 2^65, below one in ten thousand for ten million
 * pairs; a collision would undercount by one. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/summary.h"

typedef struct money {
    char cur[4];
    int exponent;
    int64_t minor;
    bool overflow;
} money;

typedef struct tally {
    const char *id;             /* offer or campaign id */
    const char *campaign;       /* offers: their campaign, or NULL */
    size_t offer;               /* offers: index; campaigns: one of their offers */
    uint64_t awards, cut, customers;
    money *cash;
    size_t ncash;
} tally;

typedef struct hashset {
    uint64_t *slot;             /* 0 = empty */
    size_t n, cap;
} hashset;

struct cbrc_summary {
    const cbr_program *p;
    tally *offers;
    size_t noffers;
    tally *campaigns;
    size_t ncampaigns;
    size_t *campaign_of;        /* per offer: campaign tally index, or SIZE_MAX */
    hashset seen;
};

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t hash_pair(uint64_t tag, const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL ^ tag;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return mix(h);
}

/* Adds h; 1 when it was new, 0 when already there, -1 out of memory. */
static int set_add(hashset *s, uint64_t h)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        uint64_t *t = calloc(nc, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                for (size_t j = s->slot[i] & (nc - 1);; j = (j + 1) & (nc - 1))
                    if (!t[j]) {
                        t[j] = s->slot[i];
                        break;
                    }
        free(s->slot);
        s->slot = t;
        s->cap = nc;
    }
    for (size_t j = h & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == h)
            return 0;
        if (!s->slot[j]) {
            s->slot[j] = h;
            s->n++;
            return 1;
        }
    }
}

cbrc_summary *cbrc_summary_new(const cbr_program *p)
{
    cbrc_summary *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = p;
    s->noffers = cbr_program_offer_count(p);
    s->offers = calloc(s->noffers + 1, sizeof *s->offers);
    s->campaigns = calloc(s->noffers + 1, sizeof *s->campaigns);
    s->campaign_of = calloc(s->noffers + 1, sizeof *s->campaign_of);
    if (!s->offers || !s->campaigns || !s->campaign_of) {
        cbrc_summary_free(s);
        return NULL;
    }
    for (size_t o = 0; o < s->noffers; o++) {
        tally *t = &s->offers[o];
        t->id = cbr_program_offer_id(p, o);
        t->campaign = cbr_program_offer_campaign(p, o);
        t->offer = o;
        s->campaign_of[o] = SIZE_MAX;
        if (!t->campaign)
            continue;
        size_t c = 0;
        while (c < s->ncampaigns && strcmp(s->campaigns[c].id, t->campaign))
            c++;
        if (c == s->ncampaigns) {
            s->campaigns[c].id = t->campaign;
            s->campaigns[c].offer = o;
            s->ncampaigns++;
        }
        s->campaign_of[o] = c;
    }
    return s;
}

void cbrc_summary_free(cbrc_summary *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->offers && i < s->noffers; i++)
        free(s->offers[i].cash);
    for (size_t i = 0; s->campaigns && i < s->ncampaigns; i++)
        free(s->campaigns[i].cash);
    free(s->offers);
    free(s->campaigns);
    free(s->campaign_of);
    free(s->seen.slot);
    free(s);
}

static bool add_cash(tally *t, const cbr_award *a)
{
    size_t i = 0;
    while (i < t->ncash && memcmp(t->cash[i].cur, a->currency, 4))
        i++;
    if (i == t->ncash) {
        money *m = realloc(t->cash, (t->ncash + 1) * sizeof *m);
        if (!m)
            return false;
        t->cash = m;
        memset(&m[i], 0, sizeof m[i]);
        memcpy(m[i].cur, a->currency, 4);
        m[i].exponent = a->exponent;
        t->ncash++;
    }
    money *m = &t->cash[i];
    if (__builtin_add_overflow(m->minor, a->cashback, &m->minor))
        m->overflow = true;
    return true;
}

static bool count(cbrc_summary *s, tally *t, uint64_t tag, const cbr_award *a, const char *user, size_t ulen)
{
    t->awards++;
    t->cut += a->cut != 0;
    if (user) {
        int k = set_add(&s->seen, hash_pair(tag, user, ulen));
        if (k < 0)
            return false;
        t->customers += (uint64_t)k;
    }
    return add_cash(t, a);
}

bool cbrc_summary_award(cbrc_summary *s, const cbr_award *a, const char *user, size_t ulen)
{
    if (a->offer >= s->noffers)
        return true;
    /* Offer tags are even, campaign tags odd: the two never share a pair. */
    bool ok = count(s, &s->offers[a->offer], 2 * (uint64_t)a->offer, a, user, ulen);
    size_t c = s->campaign_of[a->offer];
    if (c != SIZE_MAX)
        ok = count(s, &s->campaigns[c], 2 * (uint64_t)c + 1, a, user, ulen) && ok;
    return ok;
}

/* ---- printing ---- */

static void fmt_minor(char *buf, size_t n, int64_t v, int e)
{
    cbr_award a = {.cashback = v, .exponent = e};
    char amt[40];
    cbr_award_amount(&a, amt, sizeof amt);
    snprintf(buf, n, "%s", amt);
}

/* The cashback column: "24.00 USD", several currencies joined with " + ". */
static void cash_text(const tally *t, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    if (t->ncash == 0)
        snprintf(buf, n, "0");
    for (size_t i = 0; i < t->ncash && k < n; i++) {
        char amt[40];
        fmt_minor(amt, sizeof amt, t->cash[i].minor, t->cash[i].exponent);
        k += (size_t)snprintf(buf + k, n - k, "%s%s%s %s", i ? " + " : "", t->cash[i].overflow ? ">" : "",
                              amt, t->cash[i].cur);
    }
}

/* The budget column: what is left in each currency paid, "440.00 USD of
 * 500.00"; "-" without a budget. */
static void budget_text(const cbr_program *p, cbr_context *ctx, const tally *t, int of_campaign, char *buf,
                        size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncash && k < n; i++) {
        int64_t left, total;
        int e;
        if (cbr_context_budget_left(ctx, t->offer, of_campaign, t->cash[i].cur, &left, &total, &e) != CBR_OK)
            continue;
        char a[40], b[40];
        fmt_minor(a, sizeof a, left, e);
        fmt_minor(b, sizeof b, total, e);
        k += (size_t)snprintf(buf + k, n - k, "%s%s of %s %s", k ? " + " : "", a, b, t->cash[i].cur);
    }
    char amount[40], cur[4];
    if (k == 0 && cbr_program_offer_budget(p, t->offer, of_campaign, amount, cur))
        snprintf(buf, n, "all of %s%s%s", amount, cur[0] ? " " : "", cur);
    if (k == 0)
        snprintf(buf, n, "-");
}

static void print_rows(const cbrc_summary *s, FILE *f, const char *title, const tally *ts, size_t n,
                       int of_campaign, cbr_context *ctx)
{
    char (*cash)[256] = malloc((n + 1) * sizeof *cash);
    if (!cash) {
        fprintf(f, "(out of memory printing the %s table)\n", title);
        return;
    }
    size_t w = strlen(title), wc = strlen("cashback");
    for (size_t i = 0; i < n; i++) {
        cash_text(&ts[i], cash[i], sizeof cash[i]);
        if (strlen(ts[i].id) > w)
            w = strlen(ts[i].id);
        if (strlen(cash[i]) > wc)
            wc = strlen(cash[i]);
    }
    w = w > 40 ? 40 : w;
    fprintf(f, "%-*s  %10s  %10s  %-*s  %s\n", (int)w, title, "awards", "customers", (int)wc, "cashback",
            "budget left");
    for (size_t i = 0; i < n; i++) {
        char budget[256];
        budget_text(s->p, ctx, &ts[i], of_campaign, budget, sizeof budget);
        fprintf(f, "%-*s  %10llu  %10llu  %-*s  %s\n", (int)w, ts[i].id, (unsigned long long)ts[i].awards,
                (unsigned long long)ts[i].customers, (int)wc, cash[i], budget);
    }
    free(cash);
}

static void json_cash(FILE *f, const tally *t)
{
    fputc('{', f);
    for (size_t i = 0; i < t->ncash; i++) {
        char amt[40];
        fmt_minor(amt, sizeof amt, t->cash[i].minor, t->cash[i].exponent);
        fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", t->cash[i].cur, amt);
    }
    fputc('}', f);
}

static void json_budget(const cbr_program *p, FILE *f, cbr_context *ctx, const tally *t, int of_campaign)
{
    bool any = false;
    for (size_t i = 0; i < t->ncash; i++) {
        int64_t left, total;
        int e;
        if (cbr_context_budget_left(ctx, t->offer, of_campaign, t->cash[i].cur, &left, &total, &e) != CBR_OK)
            continue;
        char a[40], b[40];
        fmt_minor(a, sizeof a, left, e);
        fmt_minor(b, sizeof b, total, e);
        fprintf(f, "%s\"%s\":{\"left\":\"%s\",\"total\":\"%s\"}", any ? "," : "{", t->cash[i].cur, a, b);
        any = true;
    }
    char amount[40], cur[4];
    if (!any && cbr_program_offer_budget(p, t->offer, of_campaign, amount, cur)) {
        /* Nothing paid: all of it is left, in its currency or in any. */
        fprintf(f, "{\"%s\":{\"left\":\"%s\",\"total\":\"%s\"}", cur[0] ? cur : "any", amount, amount);
        any = true;
    }
    fputs(any ? "}" : "null", f);
}

static void json_rows(const cbrc_summary *s, FILE *f, const tally *ts, size_t n, int of_campaign,
                      cbr_context *ctx)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        const tally *t = &ts[i];
        fputs(i ? ",{\"id\":" : "{\"id\":", f);
        cbrc_json_str(f, t->id);
        if (!of_campaign) {
            fputs(",\"campaign\":", f);
            cbrc_json_str(f, t->campaign);
        }
        fprintf(f, ",\"awards\":%llu,\"cut\":%llu,\"customers\":%llu,\"cashback\":",
                (unsigned long long)t->awards, (unsigned long long)t->cut, (unsigned long long)t->customers);
        json_cash(f, t);
        fputs(",\"budget_left\":", f);
        json_budget(s->p, f, ctx, t, of_campaign);
        fputc('}', f);
    }
    fputc(']', f);
}

void cbrc_summary_print(cbrc_summary *s, FILE *f, bool json, cbr_context *ctx, const cbrc_counts *n)
{
    uint64_t awards = 0;
    for (size_t i = 0; i < s->noffers; i++)
        awards += s->offers[i].awards;
    if (json) {
        fprintf(f, "{\"records\":%llu,\"evaluated\":%llu,\"rejected\":%llu,\"earning\":%llu,\"awards\":%llu,"
                   "\"offers\":",
                (unsigned long long)n->records, (unsigned long long)n->evaluated,
                (unsigned long long)n->rejected, (unsigned long long)n->earning, (unsigned long long)awards);
        json_rows(s, f, s->offers, s->noffers, 0, ctx);
        fputs(",\"campaigns\":", f);
        json_rows(s, f, s->campaigns, s->ncampaigns, 1, ctx);
        fputs("}\n", f);
        return;
    }
    fprintf(f, "\nrecords: %llu read = %llu evaluated + %llu rejected; %llu earned cashback; %llu awards\n\n",
            (unsigned long long)n->records, (unsigned long long)n->evaluated, (unsigned long long)n->rejected,
            (unsigned long long)n->earning, (unsigned long long)awards);
    print_rows(s, f, "offer", s->offers, s->noffers, 0, ctx);
    if (s->ncampaigns) {
        fputc('\n', f);
        print_rows(s, f, "campaign", s->campaigns, s->ncampaigns, 1, ctx);
    }
}
