/* summary_int.h: the insides of the run's summary (summary.c), shared with
 * the HTML report that draws it (report.c).  Never included elsewhere. */
#ifndef CBR_HOSTS_SUMMARY_INT_H
#define CBR_HOSTS_SUMMARY_INT_H

#include "hosts/summary.h"

#define DISTINCT_EXACT 2048       /* 32 KiB of hashes at most, then the sketch */
#define HLL_BITS 14
#define HLL_M (1u << HLL_BITS)

typedef struct distinct {
    uint64_t *slot;             /* exact: open addressing, 0 = empty */
    size_t n, cap;
    uint8_t *reg;               /* the sketch, once past DISTINCT_EXACT */
} distinct;

typedef struct money {
    char cur[4];
    int exponent;
    int64_t minor;
    bool overflow;
} money;

/* Awards and cashback of one day in one currency (an index into the
 * tally's cash): what the report's charts draw.  Kept sorted by day, then
 * currency; input in time order appends. */
typedef struct daily {
    int32_t day;                /* days since 1970-01-01 */
    uint32_t cur;
    uint64_t awards;
    int64_t minor;
} daily;

typedef struct tally {
    const char *id;             /* offer or campaign id */
    const char *campaign;       /* offers: their campaign, or NULL */
    size_t offer;               /* offers: index; campaigns: one of their offers */
    uint64_t awards, cut;
    distinct customers;
    money *cash;
    size_t ncash;
    daily *days;
    size_t ndays, capdays;
} tally;

struct cbrc_summary {
    const cbr_program *p;
    tally *offers;
    size_t noffers;
    tally *campaigns;
    size_t ncampaigns;
    size_t *campaign_of;        /* per offer: campaign tally index, or SIZE_MAX */
    /* The ledger's totals: awards paid now and pending, and reversals. */
    tally paid, pending, reversed;
};

/* The customers of t; *estimated when the count comes from the sketch. */
uint64_t cbrc_summary_reach(const tally *t, bool *estimated);
/* The cashback column as the text table prints it: "24.00 USD + 300 JPY". */
void cbrc_summary_cash_text(const tally *t, char *buf, size_t n);
/* The budget column: "440.00 of 500.00 USD per day (2026-03-13)", or "-". */
void cbrc_summary_budget_text(const cbrc_summary *s, cbr_context *ctx, const tally *t, int of_campaign,
                              char *buf, size_t n);
/* An amount in minor units as text: "2.50". */
void cbrc_summary_minor_text(char *buf, size_t n, int64_t v, int e);

#endif
