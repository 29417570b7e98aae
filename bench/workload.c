/* workload.c: seeded transactions and offer sets for `make bench`.
 *
 * Everything comes from splitmix64 streams keyed by the seed, so a seed
 * names one workload on every machine.  The offers are drawn once, then
 * written twice: as .cbr text for the engine and as straight-line C (row by
 * row, if-chains over struct bench_tx) for the baseline.  The two writers
 * sit side by side below so that a change to one is seen next to the other. */
#include "config.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bench/workload.h"

/* ---- the vocabulary ---- */

/* Real merchant category codes: groceries, food, fuel, retail, travel,
 * digital goods, services. */
const int bench_mcc_codes[BENCH_MCCS] = {
    5411, 5422, 5441, 5451, 5462, 5499, 5812, 5813, 5814, 5541,
    5542, 5311, 5310, 5300, 5331, 5912, 5999, 5732, 5942, 5651,
    5691, 5661, 5941, 5945, 5200, 5251, 5712, 5977, 4111, 4121,
    4131, 4511, 7011, 7512, 4814, 4899, 4900, 5815, 5816, 5817,
};
/* How often each MCC is a merchant's category, in the order above. */
static const unsigned mcc_weight[BENCH_MCCS] = {
    40, 4, 3, 2, 6, 8, 40, 12, 30, 14,
    16, 10, 6, 5, 4, 10, 14, 8, 4, 8,
    8, 5, 5, 3, 5, 6, 3, 4, 6, 8,
    2, 4, 6, 3, 4, 4, 3, 6, 4, 5,
};

const char *const bench_tier_names[BENCH_TIERS] = {"basic", "silver", "gold", "platinum"};
const char *const bench_channel_names[BENCH_CHANNELS] = {"pos", "online", "contactless", "moto"};
const char *const bench_country_names[BENCH_COUNTRIES] = {"US", "CA", "MX", "GB",
                                                          "DE", "FR", "ES", "JP"};
const char *const bench_currency_names[BENCH_CURRENCIES] = {"USD", "EUR", "JPY"};
const int bench_currency_exp[BENCH_CURRENCIES] = {2, 2, 0};
const char *const bench_field_names[BENCH_NFIELDS] = {
    "tid", "user_id", "amount", "currency", "merchant", "mcc", "country", "channel", "timestamp",
    "tier"};

/* Merchant names are "<first> <second>", with a branch number once the
 * pairs run out; a few carry non-ASCII letters, as real names do. */
static const char *const name_first[] = {
    "Blue", "Green", "Red", "Golden", "Silver", "North", "South", "East", "West", "Harbor",
    "Maple", "Oak", "Cedar", "Pine", "River", "Lake", "Summit", "Valley", "Urban", "Metro",
    "Sunny", "Lucky", "Happy", "Royal", "Grand", "Little", "Big", "Old Town", "Corner",
    "Main Street", "Crème", "Café", "Pixel", "Rapid", "Bright", "Fresh", "Prime", "Smart",
    "Coastal", "Mountain",
};
static const char *const name_second[] = {
    "Market", "Grocers", "Coffee", "Bakery", "Books", "Pharmacy", "Fuel", "Diner", "Burgers",
    "Pizza", "Sushi", "Taqueria", "Electronics", "Outfitters", "Shoes", "Toys", "Hardware",
    "Furniture", "Hotel", "Airlines", "Taxi", "Transit", "Cinema", "Games", "Apps", "Music",
    "Florist", "Deli", "Wines", "Sports", "Pets", "Salon", "Garage", "Supply", "Bistro",
    "Crêperie",
};
#define NFIRST (sizeof name_first / sizeof name_first[0])
#define NSECOND (sizeof name_second / sizeof name_second[0])

static struct {
    char **names;
    int *mcc;
    double *cdf;   /* cumulative Zipf weights, cdf[BENCH_MERCHANTS-1] == 1 */
} vocab;

/* ---- random numbers ---- */

void bench_rng_seed(bench_rng *r, uint64_t seed) { r->s = seed; }

uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

uint32_t bench_rng_below(bench_rng *r, uint32_t n)
{
    return (uint32_t)(((bench_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

double bench_rng_unit(bench_rng *r) { return (double)(bench_rng_next(r) >> 11) * 0x1.0p-53; }

static uint32_t weighted(bench_rng *r, const unsigned *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    uint32_t x = bench_rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return (uint32_t)i;
        x -= w[i];
    }
    return (uint32_t)(n - 1);
}

/* ---- merchants ---- */

int bench_vocab_init(uint64_t seed)
{
    bench_vocab_free();
    vocab.names = calloc(BENCH_MERCHANTS, sizeof *vocab.names);
    vocab.mcc = calloc(BENCH_MERCHANTS, sizeof *vocab.mcc);
    vocab.cdf = calloc(BENCH_MERCHANTS, sizeof *vocab.cdf);
    uint32_t *perm = calloc(NFIRST * NSECOND, sizeof *perm);
    if (!vocab.names || !vocab.mcc || !vocab.cdf || !perm) {
        free(perm);
        bench_vocab_free();
        return -1;
    }
    bench_rng r;
    bench_rng_seed(&r, seed ^ 0x6D65726368616E74u); /* "merchant" */
    /* A shuffled list of name pairs, so popularity and name are unrelated. */
    uint32_t npairs = (uint32_t)(NFIRST * NSECOND);
    for (uint32_t i = 0; i < npairs; i++)
        perm[i] = i;
    for (uint32_t i = npairs - 1; i > 0; i--) {
        uint32_t j = bench_rng_below(&r, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    double sum = 0;
    for (uint32_t m = 0; m < BENCH_MERCHANTS; m++) {
        uint32_t p = perm[m % npairs], branch = m / npairs;
        char buf[96];
        if (branch == 0)
            snprintf(buf, sizeof buf, "%s %s", name_first[p / NSECOND], name_second[p % NSECOND]);
        else
            snprintf(buf, sizeof buf, "%s %s %u", name_first[p / NSECOND], name_second[p % NSECOND],
                     branch + 1);
        vocab.names[m] = strdup(buf);
        if (!vocab.names[m]) {
            free(perm);
            bench_vocab_free();
            return -1;
        }
        vocab.mcc[m] = bench_mcc_codes[weighted(&r, mcc_weight, BENCH_MCCS)];
        sum += pow((double)m + 1, -1.1);
        vocab.cdf[m] = sum;
    }
    for (uint32_t m = 0; m < BENCH_MERCHANTS; m++)
        vocab.cdf[m] /= sum;
    vocab.cdf[BENCH_MERCHANTS - 1] = 1.0;
    free(perm);
    return 0;
}

void bench_vocab_free(void)
{
    if (vocab.names)
        for (uint32_t m = 0; m < BENCH_MERCHANTS; m++)
            free(vocab.names[m]);
    free(vocab.names);
    free(vocab.mcc);
    free(vocab.cdf);
    memset(&vocab, 0, sizeof vocab);
}

const char *bench_merchant_name(uint32_t m) { return vocab.names[m]; }
int bench_merchant_mcc(uint32_t m) { return vocab.mcc[m]; }

uint32_t bench_zipf_merchant(bench_rng *r)
{
    double u = bench_rng_unit(r);
    uint32_t lo = 0, hi = BENCH_MERCHANTS - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (vocab.cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ---- transactions ---- */

static uint64_t mix64(uint64_t x)
{
    bench_rng r = {x};
    return bench_rng_next(&r);
}

/* A user's tier is a property of the user: 3% have none (the field is
 * missing), then 57% basic, 25% silver, 10% gold, 5% platinum. */
static int32_t user_tier(uint64_t seed, int32_t user)
{
    unsigned p = (unsigned)(mix64(seed ^ 0x74696572u ^ ((uint64_t)user << 20)) % 100);
    return p < 3 ? -1 : p < 60 ? BENCH_TIER_BASIC : p < 85 ? BENCH_TIER_SILVER
         : p < 95 ? BENCH_TIER_GOLD : BENCH_TIER_PLATINUM;
}

void bench_make_tx(uint64_t seed, struct bench_tx *tx, size_t n)
{
    static const unsigned channel_w[BENCH_CHANNELS] = {45, 30, 20, 5};
    static const unsigned usd_country_w[4] = {92, 3, 3, 2};   /* US CA MX GB */
    bench_rng r;
    bench_rng_seed(&r, seed ^ 0x7472616E73616374u); /* "transact" */
    for (size_t i = 0; i < n; i++) {
        struct bench_tx *t = &tx[i];
        memset(t, 0, sizeof *t);
        t->user = (int32_t)bench_rng_below(&r, BENCH_USERS);
        t->tier = user_tier(seed, t->user);
        t->merchant = (int32_t)bench_zipf_merchant(&r);
        t->mcc = bench_merchant_mcc((uint32_t)t->merchant);
        t->channel = (int32_t)weighted(&r, channel_w, BENCH_CHANNELS);
        unsigned c = bench_rng_below(&r, 100);
        if (c < 94) {
            t->currency = 0;
            t->country = (int32_t)weighted(&r, usd_country_w, 4);
        } else if (c < 98) {
            t->currency = 1;
            t->country = 4 + (int32_t)bench_rng_below(&r, 3);    /* DE FR ES */
        } else {
            t->currency = 2;
            t->country = 7;                                      /* JP */
        }
        t->exp = bench_currency_exp[t->currency];
        /* 0.50 .. 500.00, one decade in three each for 0.50-5, 5-50, 50-500,
         * uniform inside a decade; JPY amounts are the same numbers in yen. */
        unsigned dec = bench_rng_below(&r, 3);
        int64_t lo = dec == 0 ? 50 : dec == 1 ? 500 : 5000;
        int64_t cents = lo + (int64_t)bench_rng_below(&r, (uint32_t)(lo * 9) + 1);
        t->amount = cents;
        t->amount_c = t->exp == 2 ? cents : cents * 100;
        t->ts = BENCH_T0 + (int64_t)bench_rng_below(&r, (uint32_t)BENCH_SPAN);
    }
}

/* days since 1970-01-01 -> y, m, d (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int bench_tx_text(const struct bench_tx *tx, size_t i, int f, char *buf, size_t n)
{
    const struct bench_tx *t = &tx[i];
    switch (f) {
    case BENCH_F_TID: return snprintf(buf, n, "t%07zu", i);
    case BENCH_F_USER: return snprintf(buf, n, "u%06d", (int)t->user);
    case BENCH_F_AMOUNT:
        if (t->exp == 0)
            return snprintf(buf, n, "%lld", (long long)t->amount);
        return snprintf(buf, n, "%lld.%02lld", (long long)(t->amount / 100),
                        (long long)(t->amount % 100));
    case BENCH_F_CURRENCY: return snprintf(buf, n, "%s", bench_currency_names[t->currency]);
    case BENCH_F_MERCHANT: return snprintf(buf, n, "%s", bench_merchant_name((uint32_t)t->merchant));
    case BENCH_F_MCC: return snprintf(buf, n, "%d", (int)t->mcc);
    case BENCH_F_COUNTRY: return snprintf(buf, n, "%s", bench_country_names[t->country]);
    case BENCH_F_CHANNEL: return snprintf(buf, n, "%s", bench_channel_names[t->channel]);
    case BENCH_F_TIMESTAMP: {
        int64_t days = t->ts / 86400, sod = t->ts % 86400;
        int y;
        unsigned m, d;
        civil(days, &y, &m, &d);
        return snprintf(buf, n, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(sod / 3600),
                        (int)(sod / 60 % 60), (int)(sod % 60));
    }
    case BENCH_F_TIER:
        if (t->tier < 0)
            return -1;
        return snprintf(buf, n, "%s", bench_tier_names[t->tier]);
    default: return -1;
    }
}

/* ---- offers ---- */

enum { P_AMT_GE, P_AMT_BETWEEN, P_MERCHANT, P_MCC, P_ONLINE, P_TIER, P_WEEKEND, P_HOUR, P_US,
       P_KINDS };
enum { R_PERCENT, R_PERCENT_CAP, R_FIXED };

struct pred {
    int kind;
    int64_t a, b;          /* amounts in hundredths, merchant rank, hours */
    int mcc[6], nmcc;
};

struct clause {
    struct pred p[5];
    int np;
    int reward;            /* R_* */
    int64_t pct10;         /* the percent times ten: 25 is 2.5% */
    int64_t money;         /* cap or fixed amount, in hundredths */
};

struct offer {
    struct clause c[2];
    int nc;
};

static void draw_pred(bench_rng *r, int kind, struct pred *p)
{
    static const int64_t ge[] = {500, 1000, 1500, 2000, 2500, 5000, 7500, 10000, 15000, 20000};
    static const int64_t lo[] = {500, 1000, 2000, 5000};
    static const int64_t mult[] = {2, 3, 5, 10};
    memset(p, 0, sizeof *p);
    p->kind = kind;
    switch (kind) {
    case P_AMT_GE: p->a = ge[bench_rng_below(r, 10)]; break;
    case P_AMT_BETWEEN:
        p->a = lo[bench_rng_below(r, 4)];
        p->b = p->a * mult[bench_rng_below(r, 4)];
        break;
    case P_MERCHANT: p->a = bench_zipf_merchant(r); break;
    case P_MCC: {
        p->nmcc = 3 + (int)bench_rng_below(r, 4);
        for (int i = 0; i < p->nmcc; i++) {
            int code, dup;
            do {
                code = bench_mcc_codes[bench_rng_below(r, BENCH_MCCS)];
                dup = 0;
                for (int j = 0; j < i; j++)
                    dup |= p->mcc[j] == code;
            } while (dup);
            p->mcc[i] = code;
        }
        break;
    }
    case P_HOUR:
        p->a = bench_rng_below(r, 21);
        p->b = p->a + 1 + bench_rng_below(r, 8);
        if (p->b > 23)
            p->b = 23;
        break;
    default: break;
    }
}

static void shuffle(bench_rng *r, int *v, int n)
{
    for (int i = n - 1; i > 0; i--) {
        int j = (int)bench_rng_below(r, (uint32_t)i + 1), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* A clause of lo..hi predicates of distinct kinds, at most one on the
 * amount and one of merchant and category.  Most offers are card-linked: 75% name a merchant and 20% a set
 * of categories, the rest are drawn from all kinds alike; the predicates
 * are then written in a random order. */
static void draw_clause(bench_rng *r, int lo, int hi, struct clause *c)
{
    int kinds[P_KINDS];
    for (int i = 0; i < P_KINDS; i++)
        kinds[i] = i;
    shuffle(r, kinds, P_KINDS);
    unsigned lead = bench_rng_below(r, 100);
    int first = lead < 75 ? P_MERCHANT : lead < 95 ? P_MCC : -1;
    for (int i = 0; first >= 0 && i < P_KINDS; i++)
        if (kinds[i] == first) {
            kinds[i] = kinds[0];
            kinds[0] = first;
        }
    int want = lo + (int)bench_rng_below(r, (uint32_t)(hi - lo + 1)), amount = 0, where = 0;
    c->np = 0;
    for (int i = 0; i < P_KINDS && c->np < want; i++) {
        int k = kinds[i];
        if (k == P_AMT_GE || k == P_AMT_BETWEEN) {
            if (amount)
                continue;
            amount = 1;
        }
        if (k == P_MERCHANT || k == P_MCC) {
            if (where)
                continue;
            where = 1;
        }
        kinds[c->np++] = k;
    }
    shuffle(r, kinds, c->np);
    for (int i = 0; i < c->np; i++)
        draw_pred(r, kinds[i], &c->p[i]);
}

static void draw_reward(bench_rng *r, struct clause *c)
{
    static const int64_t pct[] = {10, 15, 20, 25, 30, 50, 100};
    static const int64_t cap_pct[] = {20, 50, 100, 150};
    static const int64_t cap[] = {500, 1000, 2000, 2500};
    static const int64_t fixed[] = {100, 250, 500, 1000};
    c->reward = (int)bench_rng_below(r, 3);
    c->pct10 = 0;
    c->money = 0;
    switch (c->reward) {
    case R_PERCENT: c->pct10 = pct[bench_rng_below(r, 7)]; break;
    case R_PERCENT_CAP:
        c->pct10 = cap_pct[bench_rng_below(r, 4)];
        c->money = cap[bench_rng_below(r, 4)];
        break;
    default: c->money = fixed[bench_rng_below(r, 4)]; break;
    }
}

/* One offer in four is tiered: a second clause keeps the first's merchant
 * or category test and some of its other predicates, with its own reward
 * (first hit wins). */
static void draw_offer(bench_rng *r, struct offer *o)
{
    draw_clause(r, 2, 5, &o->c[0]);
    draw_reward(r, &o->c[0]);
    o->nc = 1;
    if (bench_rng_below(r, 4) == 0) {
        struct clause *c = &o->c[1];
        *c = o->c[0];
        int fixed = 0;
        for (int i = 0; i < c->np; i++)
            fixed += c->p[i].kind == P_MERCHANT || c->p[i].kind == P_MCC;
        int others = c->np - fixed;
        if (others == 0 || (fixed == 0 && others < 2))
            return;
        /* keep the merchant or category test and fewer of the others, at
         * least one predicate in all */
        int keep = fixed + (int)bench_rng_below(r, (uint32_t)others);
        if (keep == 0)
            keep = 1;
        while (c->np > keep) {
            int j = (int)bench_rng_below(r, (uint32_t)c->np);
            if (c->p[j].kind == P_MERCHANT || c->p[j].kind == P_MCC)
                continue;
            memmove(&c->p[j], &c->p[j + 1], (size_t)(c->np - j - 1) * sizeof c->p[0]);
            c->np--;
        }
        draw_reward(r, c);
        o->nc = 2;
    }
}

/* ---- the two writers ---- */

static void money_text(int64_t h, char *buf, size_t n)
{
    snprintf(buf, n, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

static void pct_text(int64_t p10, char *buf, size_t n)
{
    if (p10 % 10)
        snprintf(buf, n, "%lld.%lld%%", (long long)(p10 / 10), (long long)(p10 % 10));
    else
        snprintf(buf, n, "%lld%%", (long long)(p10 / 10));
}

/* The .cbr text of one predicate. */
static void cbr_pred(const struct pred *p, FILE *f)
{
    char a[32], b[32];
    switch (p->kind) {
    case P_AMT_GE: money_text(p->a, a, sizeof a); fprintf(f, "amount >= %s", a); break;
    case P_AMT_BETWEEN:
        money_text(p->a, a, sizeof a);
        money_text(p->b, b, sizeof b);
        fprintf(f, "amount between %s and %s", a, b);
        break;
    case P_MERCHANT: fprintf(f, "merchant == \"%s\"", bench_merchant_name((uint32_t)p->a)); break;
    case P_MCC:
        fputs("mcc in [", f);
        for (int i = 0; i < p->nmcc; i++)
            fprintf(f, "%s%d", i ? ", " : "", p->mcc[i]);
        fputc(']', f);
        break;
    case P_ONLINE: fputs("channel == \"online\"", f); break;
    case P_TIER: fputs("tier in [\"gold\", \"platinum\"]", f); break;
    case P_WEEKEND: fputs("weekday in [SAT, SUN]", f); break;
    case P_HOUR: fprintf(f, "hour between %lld and %lld", (long long)p->a, (long long)p->b); break;
    case P_US: fputs("country == \"US\"", f); break;
    }
}

/* The C condition of the same predicate over `t`, `wd` (MON = 0) and `h`. */
static void c_pred(const struct pred *p, FILE *f)
{
    switch (p->kind) {
    case P_AMT_GE: fprintf(f, "t->amount_c >= %lld", (long long)p->a); break;
    case P_AMT_BETWEEN:
        fprintf(f, "(t->amount_c >= %lld && t->amount_c <= %lld)", (long long)p->a, (long long)p->b);
        break;
    case P_MERCHANT: fprintf(f, "t->merchant == %lld", (long long)p->a); break;
    case P_MCC:
        fputc('(', f);
        for (int i = 0; i < p->nmcc; i++)
            fprintf(f, "%st->mcc == %d", i ? " || " : "", p->mcc[i]);
        fputc(')', f);
        break;
    case P_ONLINE: fputs("t->channel == BENCH_CH_ONLINE", f); break;
    case P_TIER: fputs("(t->tier == BENCH_TIER_GOLD || t->tier == BENCH_TIER_PLATINUM)", f); break;
    case P_WEEKEND: fputs("wd >= 5", f); break;
    case P_HOUR: fprintf(f, "(h >= %lld && h <= %lld)", (long long)p->a, (long long)p->b); break;
    case P_US: fputs("t->country == BENCH_US", f); break;
    }
}

static void cbr_clause(const struct clause *c, FILE *f)
{
    char a[32], b[32];
    fputs("    when ", f);
    for (int i = 0; i < c->np; i++) {
        if (i)
            fputs(" and ", f);
        cbr_pred(&c->p[i], f);
    }
    fputs("\n        then cashback ", f);
    switch (c->reward) {
    case R_PERCENT: pct_text(c->pct10, a, sizeof a); fprintf(f, "%s\n", a); break;
    case R_PERCENT_CAP:
        pct_text(c->pct10, a, sizeof a);
        money_text(c->money, b, sizeof b);
        fprintf(f, "%s up to %s\n", a, b);
        break;
    default: money_text(c->money, a, sizeof a); fprintf(f, "%s\n", a); break;
    }
}

static void c_clause(const struct clause *c, int first, const char *ind, FILE *f)
{
    fprintf(f, first ? "%sif (" : "%selse if (", ind);
    for (int i = 0; i < c->np; i++) {
        if (i)
            fputs(" && ", f);
        c_pred(&c->p[i], f);
    }
    fprintf(f, ")\n%s    c = ", ind);
    switch (c->reward) {
    case R_PERCENT: fprintf(f, "pct(t, %lld);\n", (long long)c->pct10); break;
    case R_PERCENT_CAP:
        fprintf(f, "capped(pct(t, %lld), money(t, %lld));\n", (long long)c->pct10, (long long)c->money);
        break;
    default: fprintf(f, "money(t, %lld);\n", (long long)c->money); break;
    }
}

/* Offers from..to-1 as C statements over t, wd, h, c and sink. */
static void c_offers(const struct offer *offers, unsigned from, unsigned to, const char *ind, FILE *f)
{
    for (unsigned i = from; i < to; i++) {
        fprintf(f, "%s/* o%05u */\n", ind, i);
        for (int k = 0; k < offers[i].nc; k++)
            c_clause(&offers[i].c[k], k == 0, ind, f);
        fprintf(f, "%selse\n%s    c = 0;\n%sif (c > 0)\n%s    bench_award(sink, t, i, %u, c);\n",
                ind, ind, ind, ind, i);
    }
}

/* Writes text as a C string literal, one source line per line of text. */
static void c_literal(const char *s, size_t n, FILE *f)
{
    fputs("    \"", f);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\n')
            fputs(i + 1 < n ? "\\n\"\n    \"" : "\\n", f);
        else if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7F)
            fprintf(f, "\\%03o", ch);
        else
            fputc(ch, f);
    }
    fputs("\"", f);
}

#define CHUNK 100

static const char c_prologue[] =
    "#include \"config.h\"\n"
    "#include \"bench/workload.h\"\n"
    "\n"
    "/* percent (times ten) of the amount, rounded down to minor units */\n"
    "static inline int64_t pct(const struct bench_tx *t, int64_t p10) { return t->amount * p10 / 1000; }\n"
    "/* an amount in hundredths, in minor units of the row's currency, rounded down */\n"
    "static inline int64_t money(const struct bench_tx *t, int64_t h) { return t->exp == 2 ? h : h / 100; }\n"
    "static inline int64_t capped(int64_t c, int64_t cap) { return c > cap ? cap : c; }\n"
    "\n";

int bench_write_offers(uint64_t seed, unsigned n, const char *name, FILE *cbr, FILE *c)
{
    struct offer *offers = calloc(n ? n : 1, sizeof *offers);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!offers || !mem) {
        free(offers);
        if (mem)
            fclose(mem);
        free(text);
        return -1;
    }
    bench_rng r;
    /* one stream for every set: the set of n offers is the first n of the
     * set of 1000, so the sets grow by adding offers, never by replacing them */
    bench_rng_seed(&r, seed ^ 0x6F6666657273u); /* "offers" */
    for (unsigned i = 0; i < n; i++)
        draw_offer(&r, &offers[i]);

    fprintf(mem, "# offer set \"%s\": %u offers, seed %llu (written by bench/cbr-bench-gen)\n"
                 "field tier: string\n",
            name, n, (unsigned long long)seed);
    for (unsigned i = 0; i < n; i++) {
        fprintf(mem, "\noffer \"o%05u\" {\n", i);
        for (int k = 0; k < offers[i].nc; k++)
            cbr_clause(&offers[i].c[k], mem);
        fputs("}\n", mem);
    }
    if (fclose(mem) != 0) {
        free(offers);
        free(text);
        return -1;
    }
    fwrite(text, 1, len, cbr);

    fprintf(c, "/* The offer set \"%s\" (%u offers, seed %llu) as plain C: the baseline of\n"
               " * `make bench`.  Written by bench/cbr-bench-gen; do not edit. */\n",
            name, n, (unsigned long long)seed);
    fputs(c_prologue, c);
    fprintf(c, "const unsigned bench_offers_%s = %u;\n", name, n);
    fprintf(c, "const char bench_rules_%s[] =\n", name);
    c_literal(text, len, c);
    fputs(";\n\n", c);
    /* Up to CHUNK offers go straight into the row loop.  Larger sets are
     * cut into functions of CHUNK offers, called in turn for each row:
     * gcc -O2 took 78 s on one function of 1,000 offers, and about 2 s per
     * function of 100. */
    unsigned nchunks = n <= CHUNK ? 0 : (n + CHUNK - 1) / CHUNK;
    for (unsigned k = 0; k < nchunks; k++) {
        unsigned from = k * CHUNK, to = from + CHUNK < n ? from + CHUNK : n;
        fprintf(c, "/* offers o%05u to o%05u */\n"
                   "static __attribute__((noinline)) void\n"
                   "offers_%u(const struct bench_tx *t, size_t i, int wd, int h, award_sink sink)\n"
                   "{\n    int64_t c;\n",
                from, to - 1, k);
        c_offers(offers, from, to, "    ", c);
        fputs("}\n\n", c);
    }
    fprintf(c, "void baseline_eval_%s(const struct bench_tx *tx, size_t n, award_sink sink);\n", name);
    fprintf(c, "void baseline_eval_%s(const struct bench_tx *tx, size_t n, award_sink sink)\n{\n", name);
    fputs("    for (size_t i = 0; i < n; i++) {\n"
          "        const struct bench_tx *t = &tx[i];\n"
          "        const int wd = (int)((t->ts / 86400 + 3) % 7), h = (int)(t->ts % 86400 / 3600);\n",
          c);
    if (nchunks == 0) {
        fputs("        int64_t c;\n"
              "        (void)wd;\n"
              "        (void)h;\n",
              c);
        c_offers(offers, 0, n, "        ", c);
    }
    for (unsigned k = 0; k < nchunks; k++)
        fprintf(c, "        offers_%u(t, i, wd, h, sink);\n", k);
    fputs("    }\n}\n", c);
    free(offers);
    free(text);
    return ferror(cbr) || ferror(c) ? -1 : 0;
}
