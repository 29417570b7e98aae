/* summary.c: per-offer and per-campaign totals of a run (see summary.h).
 *
 * Customers reached are counted without letting memory grow with the
 * input: each offer and campaign keeps the exact set of its customers'
 * 64-bit id hashes up to DISTINCT_EXACT of them, and past that a
 * HyperLogLog sketch of 2^14 one-byte registers (16 KiB, a standard error
 * of 0.8%), and says the count is an estimate.  A budget decision over a
 * month of history needs the scale of the reach, not the last customer;
 * the run itself needs to stay within its memory whatever the file. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "hosts/cbrc.h"
#include "hosts/json.h"
#include "hosts/summary.h"
#include "hosts/summary_int.h"

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static uint64_t hash_user(const char *s, size_t n) { return mix(hfnv64(s, n)); }

static void hll_add(uint8_t *reg, uint64_t h)
{
    uint32_t i = (uint32_t)(h >> (64 - HLL_BITS));
    uint64_t rest = h << HLL_BITS | (1ULL << (HLL_BITS - 1)); /* never all zero */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > reg[i])
        reg[i] = rank;
}

/* Adds h; false when memory runs out. */
static bool distinct_add(distinct *d, uint64_t h)
{
    if (d->reg) {
        hll_add(d->reg, h);
        return true;
    }
    if (d->n + 1 > DISTINCT_EXACT) {
        d->reg = calloc(HLL_M, 1);
        if (!d->reg)
            return false;
        for (size_t i = 0; i < d->cap; i++)
            if (d->slot[i])
                hll_add(d->reg, d->slot[i]);
        hll_add(d->reg, h);
        free(d->slot);
        d->slot = NULL;
        d->cap = 0;
        return true;
    }
    if (2 * (d->n + 1) > d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        uint64_t *t = calloc(nc, sizeof *t);
        if (!t)
            return false;
        for (size_t i = 0; i < d->cap; i++)
            if (d->slot[i])
                for (size_t j = d->slot[i] & (nc - 1);; j = (j + 1) & (nc - 1))
                    if (!t[j]) {
                        t[j] = d->slot[i];
                        break;
                    }
        free(d->slot);
        d->slot = t;
        d->cap = nc;
    }
    for (size_t j = h & (d->cap - 1);; j = (j + 1) & (d->cap - 1)) {
        if (d->slot[j] == h)
            return true;
        if (!d->slot[j]) {
            d->slot[j] = h;
            d->n++;
            return true;
        }
    }
}

/* The count; *estimated when it comes from the sketch. */
static uint64_t distinct_count(const distinct *d, bool *estimated)
{
    *estimated = d->reg != NULL;
    if (!d->reg)
        return d->n;
    double sum = 0;
    unsigned zeros = 0;
    for (uint32_t i = 0; i < HLL_M; i++) {
        sum += ldexp(1.0, -d->reg[i]);
        zeros += d->reg[i] == 0;
    }
    double m = HLL_M, e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / zeros); /* linear counting for the small range */
    return (uint64_t)llround(e);
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
    tally *lists[] = {s->offers, s->campaigns};
    size_t counts[] = {s->offers ? s->noffers : 0, s->campaigns ? s->ncampaigns : 0};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < counts[k]; i++) {
            free(lists[k][i].cash);
            free(lists[k][i].days);
            free(lists[k][i].customers.slot);
            free(lists[k][i].customers.reg);
        }
    free(s->offers);
    free(s->campaigns);
    free(s->campaign_of);
    free(s->paid.cash);
    free(s->pending.cash);
    free(s->reversed.cash);
    free(s);
}

/* Adds the award to t's total in its currency; *which is that total's index. */
static bool add_cash(tally *t, const cbr_award *a, size_t *which)
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
    if (which)
        *which = i;
    return true;
}

/* Counts the award in its day's entry, made when new. */
static bool add_day(tally *t, int32_t day, size_t cur, const cbr_award *a)
{
    size_t lo = 0, hi = t->ndays;
    if (hi && (t->days[hi - 1].day < day || (t->days[hi - 1].day == day && t->days[hi - 1].cur <= cur)))
        lo = hi - 1; /* in time order: the last entry, or one after it */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const daily *d = &t->days[mid];
        if (d->day < day || (d->day == day && d->cur < cur))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == t->ndays || t->days[lo].day != day || t->days[lo].cur != cur) {
        if (t->ndays == t->capdays) {
            size_t nc = t->capdays ? 2 * t->capdays : 32;
            daily *nd = realloc(t->days, nc * sizeof *nd);
            if (!nd)
                return false;
            t->days = nd;
            t->capdays = nc;
        }
        memmove(&t->days[lo + 1], &t->days[lo], (t->ndays - lo) * sizeof *t->days);
        t->days[lo] = (daily){.day = day, .cur = (uint32_t)cur};
        t->ndays++;
    }
    daily *d = &t->days[lo];
    d->awards++;
    /* Past INT64_MAX the total says `>` (money.overflow); a day saturates. */
    if (__builtin_add_overflow(d->minor, a->cashback, &d->minor))
        d->minor = INT64_MAX;
    return true;
}

static bool count(tally *t, const cbr_award *a, uint64_t user, int32_t day)
{
    t->awards++;
    t->cut += a->cut != 0;
    if (user && !distinct_add(&t->customers, user))
        return false;
    size_t cur;
    if (!add_cash(t, a, &cur))
        return false;
    return day == CBRC_NO_DAY || add_day(t, day, cur, a);
}

bool cbrc_summary_award(cbrc_summary *s, const cbr_award *a, const char *user, size_t ulen, int32_t day)
{
    if (a->offer >= s->noffers)
        return true;
    uint64_t h = user ? hash_user(user, ulen) : 0;
    bool ok = count(&s->offers[a->offer], a, h, day);
    size_t c = s->campaign_of[a->offer];
    if (c != SIZE_MAX)
        ok = count(&s->campaigns[c], a, h, day) && ok;
    return ok;
}

bool cbrc_summary_event(cbrc_summary *s, const cbr_award *a)
{
    tally *t = a->event == CBR_EVENT_REVERSAL ? &s->reversed : a->pending ? &s->pending : &s->paid;
    if (a->event == CBR_EVENT_VEST)
        return true; /* `cbrc vest` pays them, not a run */
    t->awards++;
    return add_cash(t, a, NULL);
}

uint64_t cbrc_summary_reach(const tally *t, bool *estimated)
{
    return distinct_count(&t->customers, estimated);
}

/* ---- printing ---- */

void cbrc_summary_minor_text(char *buf, size_t n, int64_t v, int e)
{
    cbr_award a = {.cashback = v, .exponent = e};
    char amt[40];
    cbr_award_amount(&a, amt, sizeof amt);
    snprintf(buf, n, "%s", amt);
}

/* The cashback column: "24.00 USD", several currencies joined with " + ". */
void cbrc_summary_cash_text(const tally *t, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = '\0';
    if (t->ncash == 0)
        snprintf(buf, n, "0");
    for (size_t i = 0; i < t->ncash && k < n; i++) {
        char amt[40];
        cbrc_summary_minor_text(amt, sizeof amt, t->cash[i].minor, t->cash[i].exponent);
        k += (size_t)snprintf(buf + k, n - k, "%s%s%s %s", i ? " + " : "", t->cash[i].overflow ? ">" : "",
                              amt, t->cash[i].cur);
    }
}

/* What is left of t's budget in the currency of its i-th cashback total,
 * and the whole budget, as text; false when there is no such budget. */
static bool budget_in(cbr_context *ctx, const tally *t, int of_campaign, size_t i, char left[40], char total[40])
{
    int64_t l, tot;
    int e;
    if (cbr_context_budget_left(ctx, t->offer, of_campaign, t->cash[i].cur, &l, &tot, &e, NULL) != CBR_OK)
        return false;
    cbrc_summary_minor_text(left, 40, l, e);
    cbrc_summary_minor_text(total, 40, tot, e);
    return true;
}

/* A budget per period is read in the current period, the one of the
 * latest transaction settled: " per day (2026-03-13)", or " per day"
 * before any; "" for a budget of all time. */
static void period_text(cbr_context *ctx, const tally *t, int of_campaign, char *buf, size_t n)
{
    const char *per = "";
    char start[11] = "";
    buf[0] = '\0';
    if (cbr_context_budget_period(ctx, t->offer, of_campaign, &per, start, NULL) != CBR_OK || !per[0])
        return;
    if (start[0])
        snprintf(buf, n, " per %s (%s)", per, start);
    else
        snprintf(buf, n, " per %s", per);
}

/* The budget column: what is left in each currency paid, "440.00 of
 * 500.00 USD"; a budget nothing was paid from, all of it ("500.00 of
 * 500.00 USD", as the JSON says); "-" without a budget.  A budget per
 * period says which period: "6.40 of 10.00 USD per day (2026-03-13)". */
void cbrc_summary_budget_text(const cbrc_summary *s, cbr_context *ctx, const tally *t, int of_campaign,
                              char *buf, size_t n)
{
    const cbr_program *p = s->p;
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->ncash && k < n; i++) {
        char a[40], b[40];
        if (budget_in(ctx, t, of_campaign, i, a, b))
            k += (size_t)snprintf(buf + k, n - k, "%s%s of %s %s", k ? " + " : "", a, b, t->cash[i].cur);
    }
    char amount[40], cur[4];
    if (k == 0 && cbr_program_offer_budget(p, t->offer, of_campaign, amount, cur))
        k = (size_t)snprintf(buf, n, "%s of %s%s%s", amount, amount, cur[0] ? " " : "", cur);
    else if (k == 0) {
        snprintf(buf, n, "-");
        return;
    }
    if (k < n)
        period_text(ctx, t, of_campaign, buf + k, n - k);
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
        cbrc_summary_cash_text(&ts[i], cash[i], sizeof cash[i]);
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
        cbrc_summary_budget_text(s, ctx, &ts[i], of_campaign, budget, sizeof budget);
        bool est;
        uint64_t reach = distinct_count(&ts[i].customers, &est);
        char reached[32];
        snprintf(reached, sizeof reached, "%s%llu", est ? "~" : "", (unsigned long long)reach);
        fprintf(f, "%-*s  %10llu  %10s  %-*s  %s\n", (int)w, ts[i].id, (unsigned long long)ts[i].awards,
                reached, (int)wc, cash[i], budget);
    }
    free(cash);
}

static void json_cash(FILE *f, const tally *t)
{
    fputc('{', f);
    for (size_t i = 0; i < t->ncash; i++) {
        char amt[40];
        cbrc_summary_minor_text(amt, sizeof amt, t->cash[i].minor, t->cash[i].exponent);
        fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", t->cash[i].cur, amt);
    }
    fputc('}', f);
}

/* `,"period":"day","from":"2026-03-13"` for a budget per period (no
 * "from" before any transaction was settled); nothing otherwise. */
static void json_period(FILE *f, cbr_context *ctx, const tally *t, int of_campaign)
{
    const char *per = "";
    char start[11] = "";
    if (cbr_context_budget_period(ctx, t->offer, of_campaign, &per, start, NULL) != CBR_OK || !per[0])
        return;
    fprintf(f, ",\"period\":\"%s\"", per);
    if (start[0])
        fprintf(f, ",\"from\":\"%s\"", start);
}

static void json_budget(const cbr_program *p, FILE *f, cbr_context *ctx, const tally *t, int of_campaign)
{
    bool any = false;
    for (size_t i = 0; i < t->ncash; i++) {
        char a[40], b[40];
        if (!budget_in(ctx, t, of_campaign, i, a, b))
            continue;
        fprintf(f, "%s\"%s\":{\"left\":\"%s\",\"total\":\"%s\"", any ? "," : "{", t->cash[i].cur, a, b);
        json_period(f, ctx, t, of_campaign);
        fputc('}', f);
        any = true;
    }
    char amount[40], cur[4];
    if (!any && cbr_program_offer_budget(p, t->offer, of_campaign, amount, cur)) {
        /* Nothing paid: all of it is left, in its currency or in any. */
        fprintf(f, "{\"%s\":{\"left\":\"%s\",\"total\":\"%s\"", cur[0] ? cur : "any", amount, amount);
        json_period(f, ctx, t, of_campaign);
        fputc('}', f);
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
        bool est;
        uint64_t reach = distinct_count(&t->customers, &est);
        fprintf(f, ",\"awards\":%llu,\"cut\":%llu,\"customers\":%llu,\"customers_estimated\":%s,\"cashback\":",
                (unsigned long long)t->awards, (unsigned long long)t->cut, (unsigned long long)reach,
                est ? "true" : "false");
        json_cash(f, t);
        fputs(",\"budget_left\":", f);
        json_budget(s->p, f, ctx, t, of_campaign);
        fputc('}', f);
    }
    fputc(']', f);
}

/* The rejected records by reason, most first: a JSON object, or lines
 * under the record counts. */
static void print_reasons(FILE *f, bool json, const cbrc_counts *n)
{
    if (json) {
        fputc('{', f);
        for (size_t i = 0; i < n->nreasons; i++) {
            fputs(i ? "," : "", f);
            cbrc_json_str(f, n->reasons[i].name);
            fprintf(f, ":%llu", (unsigned long long)n->reasons[i].count);
        }
        fputc('}', f);
        return;
    }
    for (size_t i = 0; i < n->nreasons; i++)
        fprintf(f, "%s%llu %s", i ? ", " : "rejected: ", (unsigned long long)n->reasons[i].count,
                n->reasons[i].name);
    if (n->nreasons)
        fputc('\n', f);
}

/* The rejected records that were duplicates. */
static uint64_t duplicates(const cbrc_counts *n)
{
    for (size_t i = 0; i < n->nreasons; i++)
        if (!strcmp(n->reasons[i].name, "duplicate"))
            return n->reasons[i].count;
    return 0;
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
        fputs(",\"rejected_by_reason\":", f);
        print_reasons(f, true, n);
        fprintf(f, ",\"purchases\":%llu,\"refunds\":%llu,\"duplicates\":%llu,\"paid_now\":%llu,\"pending\":%llu,"
                   "\"reversals\":%llu,\"cashback_paid_now\":",
                (unsigned long long)(n->evaluated - n->refunds), (unsigned long long)n->refunds,
                (unsigned long long)duplicates(n), (unsigned long long)s->paid.awards,
                (unsigned long long)s->pending.awards, (unsigned long long)s->reversed.awards);
        json_cash(f, &s->paid);
        fputs(",\"cashback_pending\":", f);
        json_cash(f, &s->pending);
        fputs(",\"cashback_reversed\":", f);
        json_cash(f, &s->reversed);
        fputs("}\n", f);
        return;
    }
    fprintf(f, "\nrecords: %llu read = %llu evaluated + %llu rejected; %llu earned cashback; %llu awards\n",
            (unsigned long long)n->records, (unsigned long long)n->evaluated, (unsigned long long)n->rejected,
            (unsigned long long)n->earning, (unsigned long long)awards);
    print_reasons(f, false, n);
    if (n->refunds || duplicates(n) || s->pending.awards || s->reversed.awards) {
        char paid[256], pending[256], reversed[256];
        cbrc_summary_cash_text(&s->paid, paid, sizeof paid);
        cbrc_summary_cash_text(&s->pending, pending, sizeof pending);
        cbrc_summary_cash_text(&s->reversed, reversed, sizeof reversed);
        fprintf(f, "ledger: %llu purchases + %llu refunds evaluated, %llu duplicates rejected\n",
                (unsigned long long)(n->evaluated - n->refunds), (unsigned long long)n->refunds,
                (unsigned long long)duplicates(n));
        fprintf(f, "awards: %llu paid now (%s) + %llu pending (%s); %llu reversals (%s)\n",
                (unsigned long long)s->paid.awards, paid, (unsigned long long)s->pending.awards, pending,
                (unsigned long long)s->reversed.awards, reversed);
    }
    fputc('\n', f);
    print_rows(s, f, "offer", s->offers, s->noffers, 0, ctx);
    if (s->ncampaigns) {
        fputc('\n', f);
        print_rows(s, f, "campaign", s->campaigns, s->ncampaigns, 1, ctx);
    }
}
