/* workload.h: the seeded workload of `make bench`.
 *
 * One seed gives the same transactions and the same offers on every machine:
 * the generator (gen.c) writes an offer set as .cbr text and as plain C (the
 * "compiled C" baseline), and the benchmark (bench.c) makes the transactions
 * both as text for cbr batches and as bench_tx rows for the baseline. */
#ifndef CBR_BENCH_WORKLOAD_H
#define CBR_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- the vocabulary ---- */

#define BENCH_MERCHANTS 5000   /* drawn Zipf-like, s = 1.1 */
#define BENCH_USERS 100000
#define BENCH_MCCS 40
#define BENCH_TIERS 4          /* basic silver gold platinum */
#define BENCH_CHANNELS 4       /* pos online contactless moto */
#define BENCH_COUNTRIES 8      /* US first */
#define BENCH_CURRENCIES 3     /* USD EUR JPY */

/* 2026-03-02T00:00:00Z, a Monday; transactions span six weeks from it. */
#define BENCH_T0 1772409600LL
#define BENCH_SPAN (42LL * 86400)

extern const int bench_mcc_codes[BENCH_MCCS];
extern const char *const bench_tier_names[BENCH_TIERS];
extern const char *const bench_channel_names[BENCH_CHANNELS];
extern const char *const bench_country_names[BENCH_COUNTRIES];
extern const char *const bench_currency_names[BENCH_CURRENCIES];
extern const int bench_currency_exp[BENCH_CURRENCIES];

enum { BENCH_CH_POS, BENCH_CH_ONLINE, BENCH_CH_CONTACTLESS, BENCH_CH_MOTO };
enum { BENCH_TIER_BASIC, BENCH_TIER_SILVER, BENCH_TIER_GOLD, BENCH_TIER_PLATINUM };
enum { BENCH_US = 0 };

/* ---- the random numbers: splitmix64, never rand() ---- */

typedef struct bench_rng {
    uint64_t s;
} bench_rng;

void bench_rng_seed(bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(bench_rng *r);
/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32). */
uint32_t bench_rng_below(bench_rng *r, uint32_t n);
/* Uniform in [0, 1). */
double bench_rng_unit(bench_rng *r);

/* The merchant table: names and MCCs fixed by the seed, popularity by rank
 * (rank 0 is the most frequent).  bench_vocab_init must run before any of
 * the functions below; it allocates once and is not thread-safe. */
int bench_vocab_init(uint64_t seed);
void bench_vocab_free(void);
const char *bench_merchant_name(uint32_t m);
int bench_merchant_mcc(uint32_t m);
/* A merchant rank drawn with probability proportional to 1 / (rank+1)^1.1. */
uint32_t bench_zipf_merchant(bench_rng *r);

/* ---- transactions ---- */

/* One transaction as the baseline reads it: strings interned to small ids,
 * money as int64 minor units of its currency. */
struct bench_tx {
    int64_t amount;    /* minor units: cents for USD and EUR, yen for JPY */
    int64_t amount_c;  /* the amount in hundredths of its currency unit */
    int64_t ts;        /* Unix seconds, UTC */
    int32_t currency;  /* index into bench_currency_names */
    int32_t exp;       /* minor digits of the currency: 2, or 0 for JPY */
    int32_t merchant;  /* rank, index of bench_merchant_name */
    int32_t mcc;       /* the code itself, e.g. 5411 */
    int32_t user;      /* 0 .. BENCH_USERS-1 */
    int32_t tier;      /* BENCH_TIER_*, or -1 when the field is missing */
    int32_t channel;   /* BENCH_CH_* */
    int32_t country;   /* index into bench_country_names; 0 is US */
};

/* Fills tx[0..n) from the seed. */
void bench_make_tx(uint64_t seed, struct bench_tx *tx, size_t n);

/* The text of each input field of a row, as an input file would carry it. */
enum { BENCH_F_TID, BENCH_F_USER, BENCH_F_AMOUNT, BENCH_F_CURRENCY, BENCH_F_MERCHANT,
       BENCH_F_MCC, BENCH_F_COUNTRY, BENCH_F_CHANNEL, BENCH_F_TIMESTAMP, BENCH_F_TIER,
       BENCH_NFIELDS };
extern const char *const bench_field_names[BENCH_NFIELDS];
/* Writes field f of tx (row index i) into buf (64 bytes suffice); returns
 * its length, or -1 when the row has no value for it (a missing tier). */
int bench_tx_text(const struct bench_tx *tx, size_t i, int f, char *buf, size_t n);

/* ---- awards, counted the same way on both sides ---- */

struct bench_sink {
    uint64_t awards;
    int64_t cashback[BENCH_CURRENCIES];  /* minor units, per currency */
    uint64_t digest;                     /* sum of bench_mix over awards */
};
typedef struct bench_sink *award_sink;

/* A fingerprint of one award: which row, which offer (in generation order,
 * which is evaluation order since ids are zero-padded), how much. */
static inline uint64_t bench_mix(uint64_t row, uint64_t offer, int64_t cash)
{
    uint64_t x = row * 0x9E3779B97F4A7C15u ^ (offer + 1) * 0xC2B2AE3D27D4EB4Fu ^
                 (uint64_t)cash * 0x165667B19E3779F9u;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9u;
    return x ^ (x >> 29);
}

static inline void bench_award(award_sink s, const struct bench_tx *t, size_t row, unsigned offer,
                               int64_t cash)
{
    s->awards++;
    s->cashback[t->currency] += cash;
    s->digest += bench_mix(row, offer, cash);
}

/* ---- offers ---- */

/* Writes an offer set of n offers as .cbr text to cbr and as C to c: the C
 * file defines `void baseline_eval_<name>(const struct bench_tx *, size_t,
 * award_sink)` and `const char bench_rules_<name>[]` (the same .cbr text).
 * Returns 0, or -1 when memory runs out or a write fails. */
int bench_write_offers(uint64_t seed, unsigned n, const char *name, FILE *cbr, FILE *c);

#endif
